"""torch.backends.mkldnn: not behind gradtrace's ops (numpy's own BLAS is)."""
enabled = True  # kept for those who read it back; nothing uses oneDNN


def is_available():
    return False
