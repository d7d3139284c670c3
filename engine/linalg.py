"""torch.linalg: the solvers and the norms tutorials reach for."""
from .ops.linalg_solve import det, inv, solve
from .ops.reduction import norm as vector_norm


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """linalg.norm: the 2-norm of a vector, the Frobenius norm of a matrix (ord=None), else vector_norm's ord."""
    if ord is None or ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str) or (dim is None and A.ndim == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2):
        raise NotImplementedError(f"gradtrace's linalg.norm computes vector norms; matrix ord={ord!r} is not supported")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


__all__ = ["det", "inv", "norm", "solve", "vector_norm"]
