"""Reductions: sum, mean, prod, max/min, std/var, norm, logsumexp, all/any, cumsum."""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype, return_types
from .._warn import warn_user
from ..autograd.node import Node
from ._core import as_uint64, aten, attach, attach_multi, is_tensor, make, wants_grad, xp_of
from .validate import BOOL, NOT_FLOATING, refuses, unique_dims


def _dims(t, dim):
    """Normalise `dim` (None, int or sequence) into a sorted tuple of non-negative dims, or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        return tuple(sorted(unique_dims([t._wrap_dim(d) for d in dim])))
    return (t._wrap_dim(dim),)


def _shown(dim):
    """A dim argument as torch's node shows it: as the caller gave it (an int, or a tuple in the caller's
    order), negative dims wrapped to uint64; None stays None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(as_uint64(d) for d in dim)
    return (as_uint64(dim),)


def _sum_dtype(dt):
    return _dtype.int64 if (not dt.is_floating_point and not dt.is_complex) else dt


def _expand_back(g, shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced dims."""
    if dims is not None and not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g.expand(shape)


def _raw_expand_back(g, shape, dims, keepdim):
    """_expand_back on an array."""
    xp = xp_of(g)
    if dims is not None and not keepdim:
        g = xp.expand_dims(g, dims)
    return xp.broadcast_to(g, shape)


class SumBackward0(Node):
    __slots__ = ("self_sym_sizes",)

    def backward(self, g):
        return (g.expand(self.self_sym_sizes),)

    def backward_raw(self, g):
        return (xp_of(g).broadcast_to(g, self.self_sym_sizes),)


class SumBackward1(Node):
    __slots__ = ("dim", "keepdim", "self_sym_sizes", "_dims")  # dim: as given; _dims: wrapped and sorted

    def backward(self, g):
        return (_expand_back(g, self.self_sym_sizes, self._dims, self.keepdim),)

    def backward_raw(self, g):
        return (_raw_expand_back(g, self.self_sym_sizes, self._dims, self.keepdim),)


@aten("aten::sum")
def sum(a, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(a, dim)
    dt = dtype if dtype is not None else _sum_dtype(a.dtype)
    data = a._data
    res = data.sum(axis=dims, keepdims=keepdim, dtype=dt.np)
    out = make(res, dt)
    if wants_grad(a):
        if dim is None:
            node = SumBackward0()
        else:  # dim=() too: torch's sum.dim_IntList, over every dim
            node = SumBackward1()
            node.dim, node.keepdim, node._dims = _shown(dim), keepdim, dims
        node.self_sym_sizes = data.shape
        attach(out, node, (a,))
    return out


class MeanBackward0(Node):
    __slots__ = ("self_sym_sizes", "self_sym_numel")

    def backward(self, g):
        return (g.expand(self.self_sym_sizes) / self.self_sym_numel,)

    def backward_raw(self, g):
        return (xp_of(g).broadcast_to(g, self.self_sym_sizes) / self.self_sym_numel,)


class MeanBackward1(Node):
    # dim: as given; self_sym_numel: the input's numel, as torch keeps it; _dims: wrapped and sorted;
    # _count: how many elements each mean is over
    __slots__ = ("dim", "keepdim", "self_sym_sizes", "self_sym_numel", "_dims", "_count")

    def backward(self, g):
        return (_expand_back(g, self.self_sym_sizes, self._dims, self.keepdim) / self._count,)

    def backward_raw(self, g):
        return (_raw_expand_back(g, self.self_sym_sizes, self._dims, self.keepdim) / self._count,)


@aten("aten::mean")
def mean(a, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or a.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(
            f"mean(): could not infer output dtype. {'Input' if dtype is None else 'Optional'} dtype must be either a "
            f"floating point or complex dtype. Got: {dt.scalar_name}"
        )
    dims = _dims(a, dim)
    data = a._data
    if data.size:
        res = data.mean(axis=dims, keepdims=keepdim, dtype=dt.np)
    else:  # 0/0, nan as torch's, without numpy's "Mean of empty slice" warning
        res = xp_of(data).divide(data.sum(axis=dims, keepdims=keepdim, dtype=dt.np), 0)
    out = make(res.astype(dt.np, copy=False), dt)
    if wants_grad(a):
        if dim is None:
            node = MeanBackward0()
        else:  # dim=() too: torch's mean.dim, over every dim
            node = MeanBackward1()
            node.dim, node.keepdim, node._dims = _shown(dim), keepdim, dims
            node._count = data.size if dims is None else int(np.prod([data.shape[d] for d in dims]))
        node.self_sym_numel = data.size
        node.self_sym_sizes = data.shape
        attach(out, node, (a,))
    return out


class ProdBackward0(Node):
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        if (a._data == 0).any():
            return (g * _prod_others(a, None),)
        return (g * r / a,)


class ProdBackward1(Node):
    __slots__ = ("dim", "keepdim", "_dim")  # dim: as given; _dim: wrapped
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        d = self._dim
        if not self.keepdim:
            g, r = g.unsqueeze(d), r.unsqueeze(d)
        if (a._data == 0).any():
            return (g * _prod_others(a, d),)
        return (g * r / a,)


def _prod_others(a, dim):
    """Product of all other elements (safe when some are zero): exclusive cumprods from both sides."""
    flat = a.reshape(-1) if dim is None else a.movedim(dim, -1)
    n = flat.shape[-1]
    xp = xp_of(a._data)
    data = flat._data
    left = xp.concatenate([xp.ones_like(data[..., :1]), xp.cumprod(data[..., :-1], axis=-1)], axis=-1)
    right = xp.flip(xp.cumprod(xp.flip(data, -1)[..., :-1], axis=-1), -1)
    right = xp.concatenate([right, xp.ones_like(data[..., :1])], axis=-1)
    res = make((left * right).astype(a.dtype.np), a.dtype)
    del n
    return res.reshape(a.shape) if dim is None else res.movedim(-1, dim)


@aten("aten::prod")
def prod(a, dim=None, keepdim=False, *, dtype=None):
    dt = dtype or _sum_dtype(a.dtype)
    if dim is None:
        out = make(a._data.prod(dtype=dt.np), dt)
        node = ProdBackward0() if wants_grad(a) else None
    else:
        d = a._wrap_dim(dim)
        out = make(a._data.prod(axis=d, keepdims=keepdim, dtype=dt.np), dt)
        node = ProdBackward1() if wants_grad(a) else None
        if node is not None:
            node.dim, node.keepdim, node._dim = as_uint64(dim), keepdim, d
    if node is not None:
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


# ---- max / min ---------------------------------------------------------------------------------------
class _FullExtremeNode(Node):
    """max()/min() over all elements: the gradient is shared evenly among the tied extreme values."""

    saved_names = ("self", "result")

    def backward(self, g):
        from .selection import grad_where

        a, r = self.saved()
        mask = (a == r)
        return (grad_where(mask, g / mask.sum()),)  # torch's CPU path: zeros.masked_fill_(mask, ...)


class MaxBackward1(_FullExtremeNode):
    __slots__ = ()


class MinBackward1(_FullExtremeNode):
    __slots__ = ()


class _DimExtremeNode(Node):
    """max(dim)/min(dim): the gradient flows to the selected index."""

    __slots__ = ("dim", "keepdim", "self_sym_sizes", "_dim")  # dim: as given; _dim: wrapped
    saved_names = ("indices",)

    def backward(self, g):
        from .creation_ops import zeros

        (idx,) = self.saved()
        d = self._dim
        if not self.keepdim:
            g = g.unsqueeze(d)
            idx = idx.unsqueeze(d)
        z = zeros(self.self_sym_sizes, dtype=g.dtype, device=g.device)
        return (z.scatter(d, idx, g),)


class MaxBackward0(_DimExtremeNode):
    __slots__ = ()


class MinBackward0(_DimExtremeNode):
    __slots__ = ()


def _extreme(a, dim, keepdim, is_max, full_node, dim_node, result_type, other=None):
    if other is not None or is_tensor(dim):
        from .selection import maximum, minimum

        return (maximum if is_max else minimum)(a, dim if other is None else other)
    xp = xp_of(a._data)
    if dim is None:
        if a._data.size == 0:
            name = "max" if is_max else "min"
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        out = make(a._data.max() if is_max else a._data.min(), a.dtype)
        if wants_grad(a):
            node = full_node()
            node.save(a, out.detach())
            attach(out, node, (a,))
        return out
    d = a._wrap_dim(dim)
    idx = xp.argmax(a._data, axis=d) if is_max else xp.argmin(a._data, axis=d)
    vals = xp.take_along_axis(a._data, xp.expand_dims(idx, d), axis=d)
    if not keepdim:
        vals = vals.squeeze(d)
    else:
        idx = xp.expand_dims(idx, d)
    values = make(vals, a.dtype)
    indices = make(idx.astype(np.int64), _dtype.int64)
    if wants_grad(a):
        node = dim_node()
        node.dim, node.keepdim, node.self_sym_sizes, node._dim = as_uint64(dim), keepdim, a._data.shape, d
        node.save(indices)
        attach(values, node, (a,))
    return result_type(values, indices)


@aten("aten::max")
def max(a, dim=None, keepdim=False, *, other=None):
    return _extreme(a, dim, keepdim, True, MaxBackward1, MaxBackward0, return_types.max, other)


@aten("aten::min")
def min(a, dim=None, keepdim=False, *, other=None):
    return _extreme(a, dim, keepdim, False, MinBackward1, MinBackward0, return_types.min, other)


class AmaxBackward0(Node):
    __slots__ = ("dim", "keepdim", "_dims")  # dim: as given; _dims: wrapped and sorted
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        dims = self._dims
        if not self.keepdim:
            for d in dims:
                g, r = g.unsqueeze(d), r.unsqueeze(d)
        mask = a == r
        return (mask * (g / mask.sum(dims, keepdim=True)),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


def _amax(a, dim, keepdim, is_max):
    dims = _dims(a, dim if dim != () else None) or tuple(range(a.ndim))
    data = a._data.max(axis=dims, keepdims=keepdim) if is_max else a._data.min(axis=dims, keepdims=keepdim)
    out = make(data, a.dtype)
    if wants_grad(a):
        node = AmaxBackward0() if is_max else AminBackward0()
        node.dim, node.keepdim, node._dims = _shown(dim), keepdim, dims
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


@aten("aten::amax")
def amax(a, dim=(), keepdim=False):
    return _amax(a, dim, keepdim, True)


@aten("aten::amin")
def amin(a, dim=(), keepdim=False):
    return _amax(a, dim, keepdim, False)


def _arg_extreme(a, dim, keepdim, pick):
    xp = xp_of(a._data)
    if dim is None:
        res = xp.asarray(pick(a._data))
        if keepdim:
            res = res.reshape((1,) * a.ndim)
    else:
        res = pick(a._data, axis=a._wrap_dim(dim), keepdims=keepdim)
    return make(xp.asarray(res).astype(np.int64), _dtype.int64)


@aten("aten::argmax")
@refuses(BOOL, lambda dt: RuntimeError("argmax(): does not support bool input"))
def argmax(a, dim=None, keepdim=False):
    return _arg_extreme(a, dim, keepdim, xp_of(a._data).argmax)


@aten("aten::argmin")
@refuses(BOOL, lambda dt: RuntimeError("argmin(): does not support bool input"))
def argmin(a, dim=None, keepdim=False):
    return _arg_extreme(a, dim, keepdim, xp_of(a._data).argmin)


# ---- var / std ---------------------------------------------------------------------------------------
_NOT_GIVEN = object()


def _correction(unbiased, correction):
    if correction is not None and correction is not _NOT_GIVEN:
        return correction
    return 1 if unbiased in (None, True) else 0


def _shown_correction(dim, unbiased, correction):
    """The correction torch's node shows: as given; from `unbiased` (default True) when the call took
    torch's dim/unbiased overload (a dim or unbiased given); None when the call gave neither."""
    if correction is not _NOT_GIVEN:
        return correction
    if unbiased is not None:
        return int(bool(unbiased))
    return None if dim is _NOT_GIVEN else 1


class VarBackward0(Node):
    # dim, correction: as given (see _shown, _shown_correction); _dims, _correction: what the formula uses
    __slots__ = ("dim", "keepdim", "correction", "_dims", "_correction")
    saved_names = ("self",)

    def backward(self, g):
        (a,) = self.saved()
        dims = self._dims
        n = a.numel() if dims is None else int(np.prod([a.shape[d] for d in dims]))
        m = a.mean(dims, keepdim=True) if dims is not None else a.mean()
        if dims is not None and not self.keepdim:
            for d in dims:
                g = g.unsqueeze(d)
        return (g * (2.0 / builtins.max(n - self._correction, 0)) * (a - m),)


class StdBackward0(Node):
    __slots__ = ("dim", "keepdim", "correction", "_dims", "_correction")  # as VarBackward0's
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        dims = self._dims
        n = a.numel() if dims is None else int(np.prod([a.shape[d] for d in dims]))
        m = a.mean(dims, keepdim=True) if dims is not None else a.mean()
        if dims is not None and not self.keepdim:
            for d in dims:
                g, r = g.unsqueeze(d), r.unsqueeze(d)
        return (g * (a - m) / (r * builtins.max(n - self._correction, 0)),)


def _only_floating(what):
    """torch's refusal of an integer or bool tensor in the std/var family."""
    return lambda dt: RuntimeError(f"{what} only support floating point and complex dtypes")


def _degenerate_spread(data, dims, c, keepdim, is_std, name):
    """var/std with a correction >= the count: torch warns (its own words) and divides by max(n - c, 0),
    as numpy does, whose own warning is kept quiet."""
    warn_user(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
              "(input numel divided by output numel). (Triggered internally at "
              "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return data.std(axis=dims, ddof=c, keepdims=keepdim) if is_std else data.var(axis=dims, ddof=c, keepdims=keepdim)


def _var_std(a, dim, unbiased, keepdim, correction, is_std, name=None):
    if isinstance(dim, bool):  # var(unbiased) positional form
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    shown_c = _shown_correction(dim, unbiased, correction)
    dim = None if dim is _NOT_GIVEN else dim
    dims = _dims(a, dim)
    data = a._data
    if _reduced_count(a, dims) - c > 0:
        res = data.std(axis=dims, ddof=c, keepdims=keepdim) if is_std else data.var(axis=dims, ddof=c, keepdims=keepdim)
    else:
        res = _degenerate_spread(data, dims, c, keepdim, is_std, name or ("std" if is_std else "var"))
    out = make(xp_of(data).asarray(res).astype(a.dtype.np), a.dtype)
    if wants_grad(a):
        node = StdBackward0() if is_std else VarBackward0()
        node.dim, node.keepdim, node.correction = _shown(dim), keepdim, shown_c
        node._dims, node._correction = dims, c
        node.save(a, out.detach()) if is_std else node.save(a)
        attach(out, node, (a,))
    return out


@aten("aten::var")
@refuses(NOT_FLOATING, _only_floating("std and var"))
def var(a, dim=_NOT_GIVEN, unbiased=None, keepdim=False, *, correction=_NOT_GIVEN):
    return _var_std(a, dim, unbiased, keepdim, correction, False)


@aten("aten::std")
@refuses(NOT_FLOATING, _only_floating("std and var"))
def std(a, dim=_NOT_GIVEN, unbiased=None, keepdim=False, *, correction=_NOT_GIVEN):
    return _var_std(a, dim, unbiased, keepdim, correction, True)


# ---- norms and logsumexp -----------------------------------------------------------------------------
class LinalgVectorNormBackward0(Node):
    __slots__ = ("ord", "dim", "keepdim", "_dims")  # dim: as given; _dims: wrapped and sorted
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        dims = self._dims
        if dims is not None and not self.keepdim:
            for d in dims:
                g, r = g.unsqueeze(d), r.unsqueeze(d)
        p = self.ord
        if p == 2:
            safe = r.masked_fill(r == 0, 1.0)
            return (g * a / safe * (r != 0),)
        if p == 1:
            return (g * a.sign(),)
        if p == math.inf or p == -math.inf:
            mask = (a.abs() == r)
            return (g * a.sign() * mask / mask.sum(dims, keepdim=True) if dims else g * a.sign() * mask / mask.sum(),)
        return (g * a.sign() * a.abs().pow(p - 1) / r.pow(p - 1).masked_fill(r == 0, 1.0),)


@aten("aten::linalg_vector_norm")
@refuses(NOT_FLOATING, lambda dt: RuntimeError(
    f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {dt.scalar_name}"))
def norm(a, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm with p='{p}' is not supported for vectors")
    dims = _dims(a, dim)
    xp = xp_of(a._data)
    data = a._data if dtype is None else a._data.astype(dtype.np)
    absd = xp.abs(data)
    if p == 2:
        res = xp.sqrt((absd * absd).sum(axis=dims, keepdims=keepdim))
    elif p == 1:
        res = absd.sum(axis=dims, keepdims=keepdim)
    elif p == math.inf:
        res = absd.max(axis=dims, keepdims=keepdim)
    elif p == -math.inf:
        res = absd.min(axis=dims, keepdims=keepdim)
    elif p == 0:
        res = (absd != 0).sum(axis=dims, keepdims=keepdim).astype(data.dtype)
    else:
        res = (absd ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
    dt = dtype or a.dtype.to_real()
    out = make(xp.asarray(res).astype(dt.np), dt)
    if wants_grad(a):
        node = LinalgVectorNormBackward0()
        node.ord, node.dim, node.keepdim, node._dims = p, _shown(dim), keepdim, dims
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


class LogsumexpBackward0(Node):
    __slots__ = ("dim", "keepdim", "_dims")  # dim: as given; _dims: wrapped and sorted
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        if not self.keepdim:
            for d in self._dims:
                g, r = g.unsqueeze(d), r.unsqueeze(d)
        return (g * (a - r).exp(),)


@aten("aten::logsumexp")
def logsumexp(a, dim, keepdim=False):
    dims = _dims(a, dim) or tuple(range(a.ndim))
    xp = xp_of(a._data)
    data = a._data if a.dtype.is_floating_point else a._data.astype(_dtype.get_default_dtype().np)
    m = data.max(axis=dims, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    res = xp.log(xp.exp(data - m).sum(axis=dims, keepdims=True)) + m
    if not keepdim:
        res = res.squeeze(dims)
    out = make(res.astype(data.dtype), _dtype.from_numpy_dtype(data.dtype))
    if wants_grad(a):
        node = LogsumexpBackward0()
        node.dim, node.keepdim, node._dims = _shown(dim), keepdim, dims
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


def all(a, dim=None, keepdim=False):
    dims = _dims(a, dim)
    return make(xp_of(a._data).asarray(a._data.astype(bool).all(axis=dims, keepdims=keepdim)), _dtype.bool_)


def any(a, dim=None, keepdim=False):
    dims = _dims(a, dim)
    return make(xp_of(a._data).asarray(a._data.astype(bool).any(axis=dims, keepdims=keepdim)), _dtype.bool_)


def count_nonzero(a, dim=None):
    dims = _dims(a, dim)
    return make(xp_of(a._data).asarray((a._data != 0).sum(axis=dims)).astype(np.int64), _dtype.int64)


class CumsumBackward0(Node):
    __slots__ = ("dim", "_dim")  # dim: as given; _dim: wrapped

    def backward(self, g):
        d = self._dim
        return (g.flip(d).cumsum(d).flip(d),)


@aten("aten::cumsum")
def cumsum(a, dim, *, dtype=None):
    d = a._wrap_dim(dim)
    dt = dtype or _sum_dtype(a.dtype)
    out = make(xp_of(a._data).cumsum(a._data, axis=d, dtype=dt.np), dt)
    if wants_grad(a):
        node = CumsumBackward0()
        node.dim, node._dim = as_uint64(dim), d
        attach(out, node, (a,))
    return out


class CumprodBackward0(Node):
    __slots__ = ("dim", "_dim")  # dim: as given; _dim: wrapped
    saved_names = ("self", "result")

    def backward(self, g):
        a, r = self.saved()
        d = self._dim
        if a.ndim == 0:
            return (g,)
        if not (a._data == 0).any():
            return ((g * r).flip(d).cumsum(d).flip(d) / a,)
        return (_cumprod_grad_with_zeros(a, g, d),)


def _cumprod_grad_with_zeros(a, g, d):
    """d cumprod(x)_j / d x_i = prod_{k <= j, k != i} x_k (i <= j): safe where some x_k are 0.

    Row i of an n x n matrix holds x with x_i replaced by 1; its cumprod gives every such product."""
    from .selection import where

    x, gm = a.movedim(d, -1), g.movedim(d, -1)
    n = x.shape[-1]
    xp = xp_of(a._data)
    eye = make(xp.eye(n, dtype=bool), _dtype.bool_)
    later = make(xp.triu(xp.ones((n, n), dtype=bool)), _dtype.bool_)  # j >= i
    rows = where(eye, 1.0, x.unsqueeze(-2).expand(*x.shape[:-1], n, n)).to(g.dtype)
    grad = (rows.cumprod(-1) * gm.unsqueeze(-2) * later).sum(-1)
    return grad.movedim(-1, d)


@aten("aten::cumprod")
def cumprod(a, dim, *, dtype=None):
    d = a._wrap_dim(dim) if a.ndim else 0
    dt = dtype or _sum_dtype(a.dtype)
    data = a._data.reshape(1) if a.ndim == 0 else a._data
    out = make(xp_of(data).cumprod(data, axis=d, dtype=dt.np).reshape(a._data.shape), dt)
    if wants_grad(a):
        node = CumprodBackward0()
        node.dim, node._dim = as_uint64(dim), d
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


# ---- var_mean / std_mean / aminmax: one node, two outputs ------------------------------------------
def _reduced_count(a, dims):
    return a.numel() if dims is None else int(np.prod([a.shape[d] for d in dims]))


def _unreduce(g, dims, keepdim):
    if dims is not None and not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    return g


class _MomentsNode(Node):
    """var_mean / std_mean: gradients of both outputs added up."""

    __slots__ = ("dim", "keepdim", "correction", "_dims", "_correction")  # as VarBackward0's
    saved_names = ("self",)
    num_outputs = 2

    def backward(self, g_spread, g_mean):
        a = self.saved()[0]
        dims = self._dims
        n = _reduced_count(a, dims)
        total = None
        if g_spread is not None:
            m = a.mean(dims, keepdim=True) if dims is not None else a.mean()
            total = type(self).spread_grad(_unreduce(g_spread, dims, self.keepdim), a, a - m, n, self)
        if g_mean is not None:
            gm = _unreduce(g_mean, dims, self.keepdim).expand(a.shape) / n
            total = gm if total is None else total + gm
        return (total,)


class VarMeanBackward0(_MomentsNode):
    __slots__ = ()

    @staticmethod
    def spread_grad(g, a, centred, n, node):
        return g * (2.0 / builtins.max(n - node._correction, 0)) * centred


class StdMeanBackward0(_MomentsNode):
    __slots__ = ()
    saved_names = ("self", "result0")  # result0, the std, kept as torch keeps it (for its version check)

    @staticmethod
    def spread_grad(g, a, centred, n, node):
        dims, c = node._dims, node._correction
        # the std itself, recomputed from the input so that double backward sees it depend on the input
        r = a.std(dims, keepdim=True, correction=c) if dims is not None else a.std(correction=c)
        return g * centred / (r * builtins.max(n - c, 0))


def _moments(a, dim, unbiased, keepdim, correction, is_std):
    if isinstance(dim, bool):  # var_mean(x, unbiased) positional form
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    shown_c = _shown_correction(dim, unbiased, correction)
    dim = None if dim is _NOT_GIVEN else dim
    dims = _dims(a, dim)
    from .._grad_mode import no_grad

    with no_grad():
        spread = _var_std(a, dims, None, keepdim, c, is_std, "std_mean" if is_std else "var_mean")
        m = mean(a, dims, keepdim)
    if wants_grad(a):
        node = StdMeanBackward0() if is_std else VarMeanBackward0()
        node.dim, node.keepdim, node.correction = _shown(dim), keepdim, shown_c
        node._dims, node._correction = dims, c
        node.save(a, spread.detach()) if is_std else node.save(a)
        attach_multi((spread, m), node, (a,))
    return spread, m


@aten("aten::var_mean")
@refuses(NOT_FLOATING, _only_floating("var_mean"))
def var_mean(a, dim=_NOT_GIVEN, unbiased=None, keepdim=False, *, correction=_NOT_GIVEN):
    """(var, mean) over dim, as one op with one node."""
    return _moments(a, dim, unbiased, keepdim, correction, False)


@aten("aten::std_mean")
@refuses(NOT_FLOATING, _only_floating("std_mean"))
def std_mean(a, dim=_NOT_GIVEN, unbiased=None, keepdim=False, *, correction=_NOT_GIVEN):
    """(std, mean) over dim, as one op with one node."""
    return _moments(a, dim, unbiased, keepdim, correction, True)


class AminmaxBackward0(Node):
    """Each of min and max shares its gradient evenly among the elements equal to it."""

    __slots__ = ("dim", "keepdim", "_dim")  # dim: as given; _dim: wrapped
    saved_names = ("self", "min", "max")
    num_outputs = 2

    def backward(self, g_min, g_max):
        a, lo, hi = self.saved()
        d = self._dim
        total = None
        for g, r in ((g_min, lo), (g_max, hi)):
            if g is None:
                continue
            if d is not None and not self.keepdim:
                g, r = g.unsqueeze(d), r.unsqueeze(d)
            mask = a == r
            count = mask.sum(d, keepdim=True) if d is not None else mask.sum()
            part = mask * (g / count)
            total = part if total is None else total + part
        return (total,)


@aten("aten::aminmax")
def aminmax(a, *, dim=None, keepdim=False):
    """(min, max) over all elements or along dim."""
    data = a._data
    if dim is None:
        if data.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
        axis = None
        keep = keepdim
    else:
        axis = a._wrap_dim(dim) if a.ndim else 0
        if a.ndim and data.shape[axis] == 0:
            raise IndexError(
                f"aminmax(): Expected reduction dim {axis} to have non-zero size.")
        keep = keepdim
    src = data.reshape(1) if data.ndim == 0 and axis is not None else data
    lo, hi = src.min(axis=axis, keepdims=keep), src.max(axis=axis, keepdims=keep)
    xp = xp_of(data)
    if data.ndim == 0:
        lo, hi = lo.reshape(()), hi.reshape(())
    elif dim is None and keepdim:
        lo, hi = lo.reshape((1,) * data.ndim), hi.reshape((1,) * data.ndim)
    lo_t, hi_t = make(xp.asarray(lo), a.dtype), make(xp.asarray(hi), a.dtype)
    if wants_grad(a):
        node = AminmaxBackward0()
        node._dim, node.keepdim = (axis if a.ndim else None), keepdim
        node.dim = None if dim is None else as_uint64(dim)
        node.save(a, lo_t.detach(), hi_t.detach())
        attach_multi((lo_t, hi_t), node, (a,))
    return return_types.aminmax(lo_t, hi_t)
