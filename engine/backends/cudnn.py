"""torch.backends.cudnn: gradtrace has no cuDNN; the flags tutorials set are kept and change nothing."""
enabled = True
benchmark = False
benchmark_limit = None
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    return None
