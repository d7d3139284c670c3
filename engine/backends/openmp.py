"""torch.backends.openmp: not behind gradtrace's ops (numpy's own BLAS is)."""


def is_available():
    return False
