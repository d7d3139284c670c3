"""torch.linalg's solvers and matrix functions: solve, inv, det, each with its backward in terms of
themselves, so higher-order gradients (Newton steps, Hessians) flow through them."""
from ..autograd.node import Node
from ._core import aten, attach, make, wants_grad, xp_of


def _check_square(A, fn):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{fn}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{fn}: A must be batches of square matrices, "
                           f"but they are {A.shape[-2]} by {A.shape[-1]} matrices")


def _check_float(A, fn):
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype.name.capitalize()}")


def _singular(fn):
    return RuntimeError(f"linalg.{fn}: The solver failed because the input matrix is singular.")


class LinalgSolveExBackward0(Node):
    __slots__ = ("_vector",)  # B was a (batch of) vector(s)
    saved_names = ("A", "result")

    def backward(self, g):
        A, X = self.saved()
        gB = solve(A.mT, g)
        if self.next_functions[0][0] is None:
            return None, gB
        gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2)) if self._vector else -(gB @ X.mT)
        return gA, gB


@aten("aten::linalg_solve")
def solve(A, B, *, left=True):
    """X with A @ X = B (B a vector or a batch of matrices)."""
    _check_square(A, "solve")
    _check_float(A, "solve")
    if not left:
        return solve(A.mT, B.mT).mT
    xp = xp_of(A._data)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    b = B._data[..., None] if vector else B._data
    try:
        x = xp.linalg.solve(A._data, b)
    except xp.linalg.LinAlgError:
        raise _singular("solve") from None
    out = make(x[..., 0] if vector else x, A.dtype)
    if wants_grad(A, B):
        node = LinalgSolveExBackward0()
        node._vector = vector
        node.save(A, out.detach())
        attach(out, node, (A, B))
    return out


class LinalgInvExBackward0(Node):
    saved_names = ("result",)

    def backward(self, g):
        (Ainv,) = self.saved()  # under create_graph this is the node's output again, so it differentiates
        return (-(Ainv.mT @ g @ Ainv.mT),)


@aten("aten::linalg_inv")
def inv(A):
    _check_square(A, "inv")
    _check_float(A, "inv")
    xp = xp_of(A._data)
    try:
        data = xp.linalg.inv(A._data)
    except xp.linalg.LinAlgError:
        raise _singular("inv") from None
    out = make(data, A.dtype)
    if wants_grad(A):
        node = LinalgInvExBackward0()
        node.save(out.detach())
        attach(out, node, (A,))
    return out


class LinalgDetBackward0(Node):
    saved_names = ("A", "result")

    def backward(self, g):
        A, d = self.saved()
        return ((g * d).unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


@aten("aten::linalg_det")
def det(A):
    _check_square(A, "det")
    _check_float(A, "det")
    out = make(xp_of(A._data).asarray(xp_of(A._data).linalg.det(A._data)).astype(A._data.dtype), A.dtype)
    if wants_grad(A):
        node = LinalgDetBackward0()
        node.save(A, out.detach())
        attach(out, node, (A,))
    return out
