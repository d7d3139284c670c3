"""torch.backends: the flags programs written for torch read and set (cudnn.benchmark, mps.is_available, ...).

gradtrace runs on numpy (and CuPy's own kernels on a GPU): none of cuDNN, MPS, oneDNN, MKL or OpenMP
is behind its ops, so each backend says it is unavailable, and the flags are kept for those who read
them back but change nothing."""
from . import cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401
