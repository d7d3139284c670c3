"""Matrix products: matmul (every 1-D/2-D/batched case), mm, mv, dot, bmm, outer, addmm."""
from .. import _dtype
from ..autograd.node import Node
from ._core import aten, attach, is_tensor, make, wants_grad, xp_of
from .validate import BOOL, refuses


def _fmt(shape):
    return "x".join(str(s) for s in shape)


def _check_same_dtype(a, b, name="expected"):
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype.cpp_name} != {b.dtype.cpp_name}"
        )


class MmBackward0(Node):
    saved_names = ("self", "mat2")

    def backward(self, g):
        a, b = self.saved()
        ga = g.mm(b.t()) if self.next_functions[0][0] is not None else None
        gb = a.t().mm(g) if self.next_functions[1][0] is not None else None
        return ga, gb

    def backward_raw(self, g):
        a, b = self.saved()
        ga = gb = None
        if self.next_functions[0][0] is not None:
            ga = _raw_mm(g, b._data.T)
        if self.next_functions[1][0] is not None:
            gb = _raw_mm(a._data.T, g)
        return None if ga is NotImplemented or gb is NotImplemented else (ga, gb)


def _raw_mm(x, y):
    """mm's product on arrays; NotImplemented where mm would raise (mixed dtypes: its error, not numpy's)."""
    return x @ y if x.dtype == y.dtype else NotImplemented


@aten("aten::mm")
@refuses(BOOL, "addmm_impl_cpu_")
def mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_fmt(a.shape)} and {_fmt(b.shape)})"
        )
    _check_same_dtype(a, b)
    out = make(a._data @ b._data, a.dtype)
    if wants_grad(a, b):
        node = MmBackward0()
        node.save(a if b._requires_grad else None, b if a._requires_grad else None)
        attach(out, node, (a, b))
    return out


class MvBackward0(Node):
    saved_names = ("self", "vec")

    def backward(self, g):
        a, v = self.saved()
        ga = g.reshape(-1, 1) * v if self.next_functions[0][0] is not None else None  # torch's ger: a product
        gv = a.t().mv(g) if self.next_functions[1][0] is not None else None
        return ga, gv


@aten("aten::mv")
@refuses(BOOL, "addmv_impl_cpu")
def mv(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a._data.shape[1] != v._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({_fmt(a.shape)}), vec ({v.shape[0]})")
    _check_same_dtype(a, v)
    out = make(a._data @ v._data, a.dtype)
    if wants_grad(a, v):
        node = MvBackward0()
        node.save(a if v._requires_grad else None, v if a._requires_grad else None)
        attach(out, node, (a, v))
    return out


class DotBackward0(Node):
    saved_names = ("self", "tensor")

    def backward(self, g):
        a, b = self.saved()
        return (g * b if self.next_functions[0][0] is not None else None,
                g * a if self.next_functions[1][0] is not None else None)


@aten("aten::dot")
@refuses(BOOL, "dot")
def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._data.shape[0] != b._data.shape[0]:
        n, m = a._data.shape[0], b._data.shape[0]
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of elements, "
            f"but got {n} and {m} elements respectively"
        )
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {a.dtype.scalar_name} and {b.dtype.scalar_name}"
        )
    out = make(xp_of(a._data).dot(a._data, b._data), a.dtype)
    if wants_grad(a, b):
        node = DotBackward0()
        node.save(a if b._requires_grad else None, b if a._requires_grad else None)
        attach(out, node, (a, b))
    return out


class BmmBackward0(Node):
    saved_names = ("self", "mat2")

    def backward(self, g):
        a, b = self.saved()
        ga = g.bmm(b.transpose(1, 2)) if self.next_functions[0][0] is not None else None
        gb = a.transpose(1, 2).bmm(g) if self.next_functions[1][0] is not None else None
        return ga, gb


@aten("aten::bmm")
@refuses(BOOL, "bmm")
def bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] but got: "
            f"[{b.shape[0]}, {b.shape[1]}]."
        )
    out = make(a._data @ b._data, a.dtype)
    if wants_grad(a, b):
        node = BmmBackward0()
        node.save(a if b._requires_grad else None, b if a._requires_grad else None)
        attach(out, node, (a, b))
    return out


class ExpandedMatmulBackward(Node):
    """Broadcast batched matmul (torch folds these into bmm/expand; we keep one node)."""

    __slots__ = ("a_shape", "b_shape")
    saved_names = ("self", "other")

    def backward(self, g):
        from ._core import sum_to

        a, b = self.saved()
        ga = sum_to(g @ b.transpose(-1, -2), self.a_shape) if self.next_functions[0][0] is not None else None
        gb = sum_to(a.transpose(-1, -2) @ g, self.b_shape) if self.next_functions[1][0] is not None else None
        return ga, gb


ExpandedMatmulBackward.__name__ = "BmmBackward0"


@aten("aten::matmul")
def matmul(a, b):
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da == 1 and db == 2:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied (1x{a.shape[0]} and {_fmt(b.shape)})"
            )
        from .shape import squeeze, SqueezeBackward4

        return squeeze(mm(a.unsqueeze(0), b), 0, _node=SqueezeBackward4)
    if da == 2 and db == 2:
        return mm(a, b)
    if da >= 3 and db <= 2:
        # fold the batch into rows: (B..., n, k) @ (k, m) -> view of mm
        from .shape import UnsafeViewBackward0

        if db == 1:
            flat = a.reshape(-1, a.shape[-1])
            res = mv(flat, b)
            return _unsafe_view(res, a.shape[:-1], UnsafeViewBackward0)
        flat = a.reshape(-1, a.shape[-1])
        res = mm(flat, b)
        return _unsafe_view(res, a.shape[:-1] + (b.shape[-1],), UnsafeViewBackward0)
    if da == 1:
        # (k) @ (B..., k, m): multiply as the row (1, k), then drop that row dimension again
        from .shape import UnsafeViewBackward0

        return _unsafe_view(matmul(a.unsqueeze(0), b), b.shape[:-2] + (b.shape[-1],), UnsafeViewBackward0)
    # general batched broadcast
    if a.shape[-1] != (b.shape[-2] if db > 1 else b.shape[0]):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0] if da > 2 else 1}, "
            f"{a.shape[-1]}] but got: [{b.shape[0]}, {b.shape[-2] if db > 1 else b.shape[0]}]."
        )
    if da == 3 and db == 3 and a.shape[0] == b.shape[0]:
        return bmm(a, b)
    out = make(a._data @ b._data, _dtype.promote_types(a.dtype, b.dtype))
    if wants_grad(a, b):
        node = ExpandedMatmulBackward()
        node.a_shape, node.b_shape = a._data.shape, b._data.shape
        node.save(a, b)
        attach(out, node, (a, b))
    return out


def _unsafe_view(t, shape, node_cls):
    out = make(t._data.reshape(shape), t.dtype)
    if wants_grad(t):
        node = node_cls()
        node.self_sym_sizes = t._data.shape
        attach(out, node, (t,))
    return out


def matmul_operator(a, b):
    """a @ b: a non-tensor operand leaves it to Python (its TypeError, as torch's)."""
    if not is_tensor(b):
        return NotImplemented
    return matmul(a, b)


def rmatmul(b, a):
    if not is_tensor(a):
        return NotImplemented
    return matmul(a, b)


@aten("aten::outer")
def outer(a, b):
    """torch implements outer as a broadcast multiply (grad_fn MulBackward0)."""
    from .arith import mul

    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return mul(a.reshape(-1, 1), b)


def _strides(arr):
    """An array's strides in elements, as torch's sym_strides()."""
    return tuple(step // arr.itemsize for step in arr.strides)


class AddmmBackward0(Node):
    # torch keeps each matrix's sizes always and its strides only when that matrix needs a gradient
    __slots__ = ("beta", "alpha", "mat1_sym_sizes", "mat1_sym_strides", "mat2_sym_sizes", "mat2_sym_strides",
                 "self_shape")
    unsaved_slots = ("self_shape",)
    saved_names = ("mat1", "mat2")

    def backward(self, g):
        from ._core import sum_to

        m1, m2 = self.saved()
        gs = None
        if self.next_functions[0][0] is not None:
            gs = sum_to(g if self.beta == 1 else g * self.beta, self.self_shape)
        g1 = g.mm(m2.t()) if self.next_functions[1][0] is not None else None
        g2 = m1.t().mm(g) if self.next_functions[2][0] is not None else None
        if self.alpha != 1:
            g1 = g1 * self.alpha if g1 is not None else None
            g2 = g2 * self.alpha if g2 is not None else None
        return gs, g1, g2

    def backward_raw(self, g):
        from ._core import raw_sum_to

        beta, alpha = self.beta, self.alpha
        if not (beta == 1 or type(beta) is float or type(beta) is int) or not (
                alpha == 1 or type(alpha) is float or type(alpha) is int):
            return None
        m1, m2 = self.saved()
        gs = g1 = g2 = None
        if self.next_functions[0][0] is not None:
            gs = raw_sum_to(g if beta == 1 else g * beta, self.self_shape)
        if self.next_functions[1][0] is not None:
            g1 = _raw_mm(g, m2._data.T)
        if self.next_functions[2][0] is not None:
            g2 = _raw_mm(m1._data.T, g)
        if g1 is NotImplemented or g2 is NotImplemented:
            return None
        if alpha != 1:
            g1 = g1 * alpha if g1 is not None else None
            g2 = g2 * alpha if g2 is not None else None
        return gs, g1, g2


@aten("aten::addmm")
def addmm(inp, mat1, mat2, *, beta=1, alpha=1):
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_fmt(mat1.shape)} and {_fmt(mat2.shape)})"
        )
    prod = mat1._data @ mat2._data
    if alpha != 1:
        prod = prod * alpha
    data = prod + (inp._data if beta == 1 else inp._data * beta)
    out = make(data.astype(mat1.dtype.np, copy=False), mat1.dtype)
    if wants_grad(inp, mat1, mat2):
        node = AddmmBackward0()
        node.beta, node.alpha, node.self_shape = beta, alpha, inp._data.shape
        node.mat1_sym_sizes, node.mat2_sym_sizes = mat1._data.shape, mat2._data.shape
        node.mat1_sym_strides = _strides(mat1._data) if mat1._requires_grad else ()
        node.mat2_sym_strides = _strides(mat2._data) if mat2._requires_grad else ()
        node.save(mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None)
        attach(out, node, (inp, mat1, mat2))
    return out


class TraceBackward0(Node):
    __slots__ = ("self_sym_sizes",)

    def backward(self, g):
        from .creation_ops import eye

        n, m = self.self_sym_sizes
        return (eye(n, m, dtype=g.dtype, device=g.device) * g,)


def trace(a):
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    out = make(xp_of(a._data).trace(a._data), a.dtype)
    if wants_grad(a):
        node = TraceBackward0()
        node.self_sym_sizes = a._data.shape
        attach(out, node, (a,))
    return out


# ---- einsum ----------------------------------------------------------------------------------------
def _einsum_parse(equation, operands):
    """Each operand's subscripts (letters, with '...' spelled out as private letters) and the output's."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    n_ell = 0
    for term, t in zip(terms, operands):
        if "..." in term:
            n_ell = max(n_ell, t.ndim - (len(term) - 3))
    ell = "".join(chr(0x100 + i) for i in range(n_ell))  # never a letter an equation can use
    subs = []
    for i, (term, t) in enumerate(zip(terms, operands)):
        if "..." in term:
            k = t.ndim - (len(term) - 3)
            term = term.replace("...", ell[n_ell - k:] if k else "")
        for c in term:
            if not c.isalpha() and ord(c) < 0x100:
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                   f"subscripts must be in [a-zA-Z]")
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({t.ndim}) for operand {i}"
                               + (" and no ellipsis was given" if "..." not in terms[i] else ""))
        subs.append(term)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if not any(c in s for s in subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   f"operand")
    else:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return subs, out


def _einsum_diagonal(t, term):
    """Fold repeated subscripts of one operand ('ii') onto their first position: the diagonal, differentiably."""
    from .creation_ops import eye

    while True:
        dup = next((c for i, c in enumerate(term) if c in term[:i]), None)
        if dup is None:
            return t, term
        p, q = term.index(dup), term.index(dup, term.index(dup) + 1)
        n = t.shape[p]
        shape = [1] * t.ndim
        shape[p] = shape[q] = n
        t = (t * eye(n, dtype=t.dtype, device=t.device).reshape(shape)).sum(q)
        term = term[:q] + term[q + 1:]


@aten("aten::einsum")
def einsum(equation, *operands):
    """Einstein summation, built from permute, reshape, mul and sum so that it is differentiable to any order.

    Operands are multiplied in a shared index space one at a time; an index is summed out as soon as no
    later operand and not the output uses it."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _einsum_parse(equation, operands)
    prepared = [_einsum_diagonal(t, s) for t, s in zip(operands, subs)]
    contracted = []
    for _, s in prepared:
        contracted += [c for c in s if c not in out and c not in contracted]
    full = out + "".join(contracted)
    sizes = {}
    for k, (t, s) in enumerate(prepared):
        for c, n in zip(s, t.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {sizes[c]}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    acc = None
    for k, (t, s) in enumerate(prepared):
        order = sorted(range(len(s)), key=lambda i: full.index(s[i]))
        if order != list(range(len(s))):
            t = t.permute(*order)
        t = t.reshape([t.shape[sorted(s, key=full.index).index(c)] if c in s else 1 for c in full])
        acc = t if acc is None else acc * t
        later = "".join(s2 for _, s2 in prepared[k + 1:])
        done = [full.index(c) for c in contracted if c not in later and acc.shape[full.index(c)] != 1]
        if done:
            acc = acc.sum(done, keepdim=True)
    return acc.reshape([sizes[c] if acc.shape[full.index(c)] != 1 else 1 for c in out])


def tensordot(a, b, dims=2):
    """Contract a's last `dims` dimensions with b's first (or the listed pairs), as einsum over named axes."""
    if isinstance(dims, int):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a, dims_b = [d % a.ndim for d in dims_a], [d % b.ndim for d in dims_b]
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sub_a = [next(letters) for _ in range(a.ndim)]
    sub_b = [next(letters) for _ in range(b.ndim)]
    for da, db in zip(dims_a, dims_b):
        sub_b[db] = sub_a[da]
    kept = [s for i, s in enumerate(sub_a) if i not in dims_a] + [s for i, s in enumerate(sub_b) if i not in dims_b]
    return einsum(f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(kept)}", a, b)


def kron(a, b):
    """The Kronecker product: every element of a times the whole of b, laid out block by block."""
    nd = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (nd - b.ndim) + tuple(b.shape))
    # interleave: a's dims at even places, b's at odd, then merge each pair
    ax = a.reshape(tuple(s for d in a.shape for s in (d, 1)))
    bx = b.reshape(tuple(s for d in b.shape for s in (1, d)))
    return (ax * bx).reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))


def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of x1 and of x2 (batched), differentiable."""
    from .reduction import norm  # its backward gives 0, not nan, where two points coincide

    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)
