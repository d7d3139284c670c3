"""Order statistics: sort, argsort, topk, kthvalue, median, cummax/cummin. Each op with its backward beside it.

Ascending sorts are numpy's stable sort; torch puts NaN last (it is the largest value), as numpy does.
A descending sort is the ascending stable sort of the reversed array, reversed back: ties keep their
original order, as torch's CPU sort keeps them.
"""
import numpy as np

from .. import _dtype, return_types
from ..autograd.node import Node
from ._core import as_uint64, aten, attach, make, wants_grad, xp_of
from .validate import BOOL, refuses
from .reduction import _FullExtremeNode

cummax_type = return_types._make("cummax", ("values", "indices"))
cummin_type = return_types._make("cummin", ("values", "indices"))


def _wrap_dim(a, dim):
    """A dim of `a`, where a 0-d tensor accepts dims -1 and 0 like torch."""
    if a.ndim == 0:
        if dim not in (-1, 0):
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        return 0
    return a._wrap_dim(dim)


def _as_nd(data):
    """0-d arrays as 1-d so numpy can sort along axis 0; `_back` undoes it."""
    return data.reshape(1) if data.ndim == 0 else data


def _argsort(xp, data, axis, descending):
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(data, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


class _ScatterBackNode(Node):
    """The gradient of values picked out of the input at `indices` along `dim`: zeros with g scattered back."""

    __slots__ = ("dim", "self_sym_sizes", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("indices",)

    def backward(self, g):
        from .creation_ops import zeros

        (idx,) = self.saved()
        shape = self.self_sym_sizes
        if len(shape) == 0:
            return (g.reshape(()),)
        d = self._dim
        if getattr(self, "keepdim", True) is False:
            g, idx = g.unsqueeze(d), idx.unsqueeze(d)
        return (zeros(shape, dtype=g.dtype, device=g.device).scatter(d, idx, g),)


class SortBackward0(_ScatterBackNode):
    __slots__ = ()


class SortBackward1(_ScatterBackNode):
    """sort with `stable=` given (torch's sort.stable overload)."""

    __slots__ = ()


class TopkBackward0(_ScatterBackNode):
    __slots__ = ()


class KthvalueBackward0(_ScatterBackNode):
    __slots__ = ("keepdim",)


class MedianBackward1(_ScatterBackNode):
    __slots__ = ("keepdim",)


class MedianBackward0(_FullExtremeNode):
    """median() over all elements: the gradient is shared evenly among the elements equal to the median."""

    __slots__ = ()


def _picked(a, dim, d, idx, node_cls, result_type, keepdim=None):
    """values = a gathered at idx along d (`dim` wrapped), with their node; idx is an array in a's layout
    (keepdim)."""
    xp = xp_of(a._data)
    data = _as_nd(a._data)
    vals = xp.take_along_axis(data, idx, axis=d)
    if a.ndim == 0:
        vals, idx = vals.reshape(()), idx.reshape(())
    elif keepdim is False:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    values = make(vals, a.dtype)
    indices = make(idx.astype(np.int64, copy=False), _dtype.int64)
    if wants_grad(a):
        node = node_cls()
        node.dim, node._dim, node.self_sym_sizes = as_uint64(dim), d, a._data.shape
        if keepdim is not None:
            node.keepdim = keepdim
        node.save(indices)
        attach(values, node, (a,))
    return result_type(values, indices)


_NOT_GIVEN = object()


@aten("aten::sort")
def sort(a, dim=-1, descending=False, *, stable=_NOT_GIVEN):
    """Sorted values and the indices they came from (ties keep their order: the sort is always stable)."""
    d = _wrap_dim(a, dim)
    idx = _argsort(xp_of(a._data), _as_nd(a._data), d, descending)
    return _picked(a, dim, d, idx, SortBackward0 if stable is _NOT_GIVEN else SortBackward1, return_types.sort)


@aten("aten::argsort")
def argsort(a, dim=-1, descending=False, *, stable=False):
    d = _wrap_dim(a, dim)
    idx = _argsort(xp_of(a._data), _as_nd(a._data), d, descending)
    return make(idx.reshape(a._data.shape).astype(np.int64, copy=False), _dtype.int64)


@aten("aten::msort")
def msort(a):
    return sort(a, 0).values


@aten("aten::topk")
@refuses(BOOL, lambda dt: RuntimeError("topk does not support bool dtypes on CPU"))
def topk(a, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along dim, sorted, with their indices."""
    d = _wrap_dim(a, dim)
    size = 1 if a.ndim == 0 else a._data.shape[d]
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    xp = xp_of(a._data)
    idx = _argsort(xp, _as_nd(a._data), d, largest)
    idx = xp.take(idx, xp.arange(k), axis=d)
    return _picked(a, dim, d, idx, TopkBackward0, return_types.topk)


def _kth_index(a, d, k):
    """Index (keepdim layout) of the k-th smallest value along d, k counted from 1."""
    xp = xp_of(a._data)
    idx = _argsort(xp, _as_nd(a._data), d, False)
    return xp.take(idx, xp.asarray([k - 1]), axis=d)


@aten("aten::kthvalue")
@refuses(BOOL, "kthvalue_cpu")
def kthvalue(a, k, dim=-1, keepdim=False):
    """The k-th smallest value along dim and its index."""
    d = _wrap_dim(a, dim)
    size = 1 if a.ndim == 0 else a._data.shape[d]
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _picked(a, dim, d, _kth_index(a, d, k), KthvalueBackward0, return_types.kthvalue, keepdim)


@aten("aten::median")
@refuses(BOOL, "median_cpu")
def median(a, dim=None, keepdim=False):
    """median(): the lower of the two middle values; median(dim): values and indices along dim."""
    if dim is None:
        flat = a._data.reshape(-1)
        n = flat.size
        if n == 0:
            out = make(xp_of(flat).asarray(np.nan, dtype=a.dtype.np), a.dtype)
        else:
            order = _argsort(xp_of(flat), flat, 0, False)
            out = make(flat[order[(n - 1) // 2]], a.dtype)
        if wants_grad(a):
            node = MedianBackward0()
            node.save(a, out.detach())
            attach(out, node, (a,))
        return out
    d = _wrap_dim(a, dim)
    size = 1 if a.ndim == 0 else a._data.shape[d]
    if size == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    return _picked(a, dim, d, _kth_index(a, d, (size + 1) // 2), MedianBackward1, return_types.median, keepdim)


# ---- cummax / cummin ------------------------------------------------------------------------------
class _CumExtremeNode(Node):
    """The gradient of each running extreme flows to the element it came from (scatter-added)."""

    __slots__ = ("dim", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("self", "indices")

    def backward(self, g):
        from .creation_ops import zeros_like

        a, idx = self.saved()
        if a.ndim == 0:
            return (g,)
        return (zeros_like(a, dtype=g.dtype).scatter_add(self._dim, idx, g),)


class CummaxBackward0(_CumExtremeNode):
    __slots__ = ()


class CumminBackward0(_CumExtremeNode):
    __slots__ = ()


def _cum_extreme(a, dim, is_max, node_cls, result_type):
    d = _wrap_dim(a, dim)
    xp = xp_of(a._data)
    data = xp.moveaxis(_as_nd(a._data), d, -1)
    n = data.shape[-1]
    vals = data.copy()
    idx = xp.zeros(data.shape, dtype=np.int64)
    best, best_i = data[..., :1].copy(), xp.zeros(data.shape[:-1] + (1,), dtype=np.int64)
    for i in range(1, n):
        cur = data[..., i:i + 1]
        # a later equal value (or a NaN, once and for all) takes over, as torch's >= / <= scan does
        take = (cur >= best) if is_max else (cur <= best)
        if data.dtype.kind == "f":
            take = xp.isnan(cur) | (take & ~xp.isnan(best))
        best = xp.where(take, cur, best)
        best_i = xp.where(take, i, best_i)
        vals[..., i:i + 1], idx[..., i:i + 1] = best, best_i
    vals, idx = xp.moveaxis(vals, -1, d), xp.moveaxis(idx, -1, d)
    if a.ndim == 0:
        vals, idx = vals.reshape(()), idx.reshape(())
    values, indices = make(vals, a.dtype), make(idx, _dtype.int64)
    if wants_grad(a):
        node = node_cls()
        node.dim, node._dim = as_uint64(dim), d
        node.save(a, indices)
        attach(values, node, (a,))
    return result_type(values, indices)


@aten("aten::cummax")
def cummax(a, dim):
    return _cum_extreme(a, dim, True, CummaxBackward0, cummax_type)


@aten("aten::cummin")
def cummin(a, dim):
    return _cum_extreme(a, dim, False, CumminBackward0, cummin_type)
