"""Indexing: select/slice/advanced indexing (views where torch gives views), index assignment (CopySlices),
gather/scatter/index_select."""
import numpy as np

from .. import _dtype
from .._grad_mode import GRAD
from .._warn import warn_user
from ..autograd.node import Node
from ._core import as_uint64, aten, attach, edge, is_tensor, make, sum_to, wants_grad, xp_of
from .selection import grad_where
from .validate import index_tensor, indexing_failed
from .shape import as_view, unsqueeze


class _EmbedNode(Node):
    """Gradient of an indexing op: zeros of the input's shape with the gradient placed at `key`.

    A subclass's own slots are the values torch's node shows (`_index` fills them in order);
    `second_order` names the node of its backward, as torch names it."""

    __slots__ = ("key", "self_sym_sizes", "advanced")
    unsaved_slots = ("key", "advanced")  # how the index was given, not a value torch saves

    def backward(self, g):
        return (embed(g, self.self_sym_sizes, self.key, self.advanced, type(self).second_order),)


class SelectBackward0(_EmbedNode):
    __slots__ = ("dim", "index")  # as given, negative ones wrapped to uint64
    second_order = "SelectBackwardBackward0"


class SliceBackward0(_EmbedNode):
    __slots__ = ("dim", "start", "end", "step")  # as given (an omitted end: INT64_MAX), negatives wrapped to uint64
    second_order = "SliceBackwardBackward0"


class IndexBackward0(_EmbedNode):
    __slots__ = ()
    second_order = "IndexPutImplBackward0"

_INT64_MAX = (1 << 63) - 1


class _EmbedBackward(Node):
    """Backward of `embed`: read the gradient back out at `key`."""

    __slots__ = ("key",)
    unsaved_slots = __slots__

    def backward(self, g):
        return (_index(g, self.key, IndexBackward0, advanced=True),)


_EMBED_NODES = {}


def embed(g, shape, key, advanced, name):
    """zeros(shape) with g written (or, for advanced keys, added) at key — differentiable."""
    xp = xp_of(g._data)
    data = xp.zeros(shape, dtype=g._data.dtype)
    if advanced:
        xp.add.at(data, key, g._data) if xp is np else data.__setitem__(key, g._data)
    else:
        data[key] = g._data
    out = make(data, g.dtype)
    if wants_grad(g):
        cls = _EMBED_NODES.get(name)
        if cls is None:
            cls = _EMBED_NODES[name] = type(name, (_EmbedBackward,), {"__slots__": ()})
        node = cls()
        node.key = key
        attach(out, node, (g,))
    return out


def _index(a, key, node_cls, advanced, shown=()):
    """a[key] with its node; `shown`: the values of the node class's own slots, in order."""
    try:
        data = a._data[key]
    except IndexError as exc:
        raise indexing_failed(exc, a._data.shape, key) from None
    out = make(data, a.dtype)
    if not advanced:
        out = as_view(out, a, lambda arr, k=key: arr[k])
    if wants_grad(a):
        node = node_cls()
        node.key, node.self_sym_sizes, node.advanced = key, a._data.shape, advanced
        for name, value in zip(node_cls.__slots__, shown):
            setattr(node, name, value)
        attach(out, node, (a,))
    return out


def _slice_shown(dim, start, stop, step):
    """SliceBackward0's dim, start, end, step as torch shows them for a Python slice."""
    return (dim, 0 if start is None else as_uint64(start), _INT64_MAX if stop is None else as_uint64(stop),
            1 if step is None else step)


def _normalize_index(x):
    if is_tensor(x):
        if x.dtype is _dtype.bool_ or x.dtype is _dtype.uint8:
            return x._data.astype(bool)
        if x.dtype.is_floating_point:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return x._data
    if isinstance(x, float):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                         "indices (got float)")
    if isinstance(x, str):  # torch reads it as a sequence of indices, warns of that, then makes a tensor of it
        warn_user("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                  "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor "
                  "index, x[torch.tensor(seq)], which will result either in an error or a different result (Triggered "
                  "internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:349.)")
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(x, (list, tuple)):
        return np.asarray([_normalize_index(v) if is_tensor(v) else v for v in x])
    return x


def _is_advanced(k):
    return isinstance(k, (np.ndarray, list)) or (not isinstance(k, (int, slice, type(None), type(Ellipsis))) and not isinstance(k, np.integer) and hasattr(k, "shape"))


@aten("aten::index")
def getitem(a, key):
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(_normalize_index(k) for k in key)
    if any(_is_advanced(k) for k in key):
        return _index(a, key, IndexBackward0, advanced=True)
    # basic indexing: apply step by step like torch (select / slice / unsqueeze), skipping full slices
    out = a
    dim = 0
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    if a.ndim == 0 and any(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in key):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                         "to convert a 0-dim tensor to a number")
    if n_real > a.ndim:
        raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
    for k in key:
        if k is Ellipsis:
            dim += out.ndim - dim - sum(1 for kk in key[key.index(k) + 1:] if kk is not None)
            continue
        if k is None:
            out = unsqueeze(out, dim)
            dim += 1
            continue
        if isinstance(k, slice):
            size = out._data.shape[dim]
            start, stop, step = k.indices(size)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            if not (start == 0 and stop >= size and step == 1):
                out = _index(out, (slice(None),) * dim + (k, Ellipsis), SliceBackward0, advanced=False,
                             shown=_slice_shown(dim, k.start, k.stop, k.step))
            dim += 1
            continue
        k = int(k)
        size = out._data.shape[dim]
        if not -size <= k < size:  # torch names the dimension of `a`, counting the ones selected away
            raise IndexError(f"index {k} is out of bounds for dimension {dim + a.ndim - out.ndim} with size {size}")
        out = _index(out, (slice(None),) * dim + (k, Ellipsis), SelectBackward0, advanced=False,
                     shown=(dim, as_uint64(k)))
    if out is a:
        out = _index(a, (Ellipsis,), SliceBackward0, advanced=False) if not wants_grad(a) else a.view(a.shape)
    return out


def select(a, dim, index):
    d = a._wrap_dim(dim)
    size = a._data.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size [{', '.join(map(str, a.shape))}] at dimension {d}"
        )
    return _index(a, (slice(None),) * d + (index, Ellipsis), SelectBackward0, advanced=False,
                  shown=(as_uint64(dim), as_uint64(index)))


def narrow(a, dim, start, length):
    d = a._wrap_dim(dim)
    size = a._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:  # torch counts a negative start from the end
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _index(a, (slice(None),) * d + (slice(start, start + length), Ellipsis), SliceBackward0, advanced=False,
                  shown=(as_uint64(dim), start, start + length, 1))


# ---- index assignment ------------------------------------------------------------------------------------
class CopySlices(Node):
    """`x[key] = value` recorded on x: gradient passes through x outside key, and to value inside it."""

    __slots__ = ("key", "value_shape", "value_dtype", "advanced")
    unsaved_slots = __slots__  # torch's CopySlices shows no saved values

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        xp = xp_of(g._data)
        keep = xp.ones(g._data.shape, dtype=bool)
        keep[self.key] = False
        gx = grad_where(keep, g) if self.next_functions[0][0] is not None else None
        gv = None
        if self.value_shape is not None and self.next_functions[1][0] is not None:
            gv = _index(g, self.key, IndexBackward0, advanced=True)
            gv = sum_to(gv, self.value_shape) if gv._data.ndim >= len(self.value_shape) else gv.reshape(self.value_shape)
        return gx, gv


def check_inplace(t):
    """torch's refusal to modify, in place, a leaf that requires grad (or a view of one)."""
    if GRAD.enabled:
        if t._requires_grad and t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = t._base
        if base is not None and base._requires_grad and base.grad_fn is None and t._requires_grad:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )


def setitem(a, key, value):
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(_normalize_index(k) for k in key)
    if sum(1 for k in key if k is not None and k is not Ellipsis) > a.ndim:
        raise IndexError(f"too many indices for tensor of dimension {a.ndim}")
    if GRAD.enabled and a._requires_grad and a.grad_fn is None and not any(_is_advanced(k) for k in key) and any(
            k is not Ellipsis and k != slice(None) for k in key):
        # torch writes basic-index assignments through a view of the leaf (advanced ones and a[:] it does not)
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    check_inplace(a)
    if a._base is not None and a._base._requires_grad and GRAD.enabled and a._base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if is_tensor(value):
        vdata = value._data
        if a.dtype is not value.dtype:
            vdata = vdata.astype(a.dtype.np)
        if vdata.ndim and vdata.shape[0] == 1:
            # torch drops a value's leading size-1 dims that the target lacks (x[0, 1] = t of shape (1,))
            target_ndim = a._data[key].ndim
            while vdata.ndim > target_ndim and vdata.shape[0] == 1:
                vdata = vdata[0]
    elif isinstance(value, (int, float, bool, complex, np.generic)):
        vdata = value
    else:
        raise TypeError(f"can't assign a {type(value).__name__} to a {a.type()}")
    graph = wants_grad(a, value)
    old_edge = edge(a) if graph else None
    try:
        a._data[key] = vdata
    except IndexError as exc:
        raise indexing_failed(exc, a._data.shape, key) from None
    except ValueError:  # the value does not broadcast to the place: torch's expand error
        value.expand(a._data[key].shape)
        raise
    a._bump_version()
    if graph:
        node = CopySlices()
        node.key = key
        node.advanced = True
        if is_tensor(value):
            node.value_shape, node.value_dtype = value._data.shape, value.dtype
        else:
            node.value_shape = None
        node.next_functions = (old_edge, edge(value))
        a.grad_fn = node
        a._requires_grad = True
        a._output_nr = 0
        _propagate_to_base(a, old_edge)


def _propagate_to_base(view, old_edge):
    """After an in-place change with a graph on a view, the base's history goes through CopySlices too.

    Like torch, CopySlices wraps the op's node (`old_edge` is the view's edge before the op, which a
    single-node op has as its first edge) and takes over the op's other edges; an op recorded as several
    nodes is kept whole behind the CopySlices instead.
    """
    base = view._base
    if base is None or view._view_fn is None:
        return
    fn = view.grad_fn
    node = ViewCopySlices()
    node.view_fn = view._view_fn
    node.view_shape = view._data.shape
    base_edge = edge(base) if base._requires_grad else (None, 0)
    if fn.next_functions and fn.next_functions[0] == old_edge:
        node.fn = fn
        node.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
    else:
        node.fn = None
        node.next_functions = (base_edge, (fn, view._output_nr))
    base.grad_fn = node
    base._requires_grad = True
    base._output_nr = 0


class ViewCopySlices(Node):
    """A base whose view was written in place: the gradient outside the view goes to the old base; inside
    it, through the in-place op's node (`fn`), to the old base and the op's other inputs."""

    __slots__ = ("view_fn", "view_shape", "fn")

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        # Which base elements the view covers, found by viewing an array of flat positions; the gradient is
        # then split and reassembled with tensor ops (index, cat), so create_graph can differentiate it.
        from .shape import cat

        xp = xp_of(g._data)
        n = g._data.size
        positions = self.view_fn(xp.arange(n).reshape(g._data.shape)).reshape(-1)
        g_flat = g.reshape(-1)
        grad_slice = _index(g_flat, (positions,), IndexBackward0, advanced=True).reshape(self.view_shape)
        if self.fn is None:
            gb = None
            if self.next_functions[0][0] is not None:
                keep = xp.ones(n, dtype=bool)
                keep[positions] = False
                gb = grad_where(keep.reshape(g._data.shape), g)
            return gb, grad_slice
        from ..autograd.engine import call_node

        res = call_node(self.fn, (grad_slice,))
        gb = None
        if self.next_functions[0][0] is not None:
            # g outside the view, the op's gradient for its input inside it (zero where it has none)
            pick = xp.arange(n)
            if res[0] is None:
                pick[positions] = n
                source = cat([g_flat, g_flat.new_zeros(1)])
            else:
                pick[positions] = n + xp.arange(positions.size)
                source = cat([g_flat, res[0].reshape(-1).to(g.dtype)])
            gb = _index(source, (pick,), IndexBackward0, advanced=True).reshape(g._data.shape)
        return (gb,) + tuple(res[1:])

    def release(self):
        Node.release(self)
        if self.fn is not None:
            self.fn.release()


ViewCopySlices.__name__ = "CopySlices"
ViewCopySlices.__qualname__ = "CopySlices"


# ---- gather / scatter / index_select ----------------------------------------------------------------------
class GatherBackward0(Node):
    __slots__ = ("dim", "sparse_grad", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("self", "index")  # self, as torch keeps it (for its shape and its version check)

    def backward(self, g):
        from .creation_ops import zeros

        a, idx = self.saved()
        z = zeros(a._data.shape, dtype=g.dtype, device=g.device)
        return (z.scatter_add(self._dim, idx, g),)


@aten("aten::gather")
def gather(a, dim, index, *, sparse_grad=False):
    d = a._wrap_dim(dim)
    idx = index_tensor("gather", index, max(a.ndim, 1))
    try:
        out = make(xp_of(a._data).take_along_axis(a._data, idx, axis=d), a.dtype)
    except IndexError as exc:
        raise RuntimeError(str(indexing_failed(exc, a._data.shape, (idx,)))) from None
    if wants_grad(a):
        node = GatherBackward0()
        node.dim, node.sparse_grad, node._dim = as_uint64(dim), sparse_grad, d
        node.save(a, index)
        attach(out, node, (a,))
    return out


def _scatter_indices(idx, dim):
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


class ScatterBackward0(Node):
    """scatter of a tensor src: the gradient passes to self outside the scattered places, to src inside."""

    __slots__ = ("dim", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("index",)

    def backward(self, g):
        (idx,) = self.saved()
        xp = xp_of(g._data)
        keep = xp.ones(g._data.shape, dtype=bool)
        keep[_scatter_indices(idx._data, self._dim)] = False
        ga = grad_where(keep, g) if self.next_functions[0][0] is not None else None
        gs = g.gather(self._dim, idx) if self.next_functions[1][0] is not None else None
        return ga, gs


class ScatterBackward1(Node):
    """scatter of a number: the gradient passes to self outside the scattered places (torch's
    grad.scatter(dim, index, 0))."""

    __slots__ = ("dim", "_dim")  # as ScatterBackward0's
    saved_names = ("index",)

    def backward(self, g):
        (idx,) = self.saved()
        return (scatter(g, self._dim, idx, 0),)


class ScatterAddBackward0(Node):
    __slots__ = ("dim", "_dim")  # as ScatterBackward0's
    saved_names = ("index",)

    def backward(self, g):
        (idx,) = self.saved()
        gs = g.gather(self._dim, idx) if self.next_functions[1][0] is not None else None
        return g, gs


@aten("aten::scatter")
def scatter(a, dim, index, src=None, *, value=None, reduce=None):
    d = a._wrap_dim(dim)
    data = a._data.copy()
    if src is None:
        src = value
    keys = _scatter_indices(index_tensor("scatter", index, max(a.ndim, 1)), d)
    try:
        if is_tensor(src):
            data[keys] = src._data[tuple(slice(0, s) for s in index.shape)]
        else:
            data[keys] = src
    except IndexError as exc:
        raise RuntimeError(str(indexing_failed(exc, a._data.shape, keys))) from None
    out = make(data, a.dtype)
    if wants_grad(a, src):
        if is_tensor(src):
            node = ScatterBackward0()
            inputs = (a, src)
        else:
            node = ScatterBackward1()
            inputs = (a,)
        node.dim, node._dim = as_uint64(dim), d
        node.save(index)
        attach(out, node, inputs)
    return out


@aten("aten::scatter_add")
def scatter_add(a, dim, index, src):
    d = a._wrap_dim(dim)
    data = a._data.copy()
    xp = xp_of(data)
    keys = _scatter_indices(index_tensor("scatter", index, max(a.ndim, 1)), d)
    sub = src._data[tuple(slice(0, s) for s in index.shape)]
    try:
        xp.add.at(data, keys, sub)
    except IndexError as exc:
        raise RuntimeError(str(indexing_failed(exc, a._data.shape, keys))) from None
    out = make(data, a.dtype)
    if wants_grad(a, src):
        node = ScatterAddBackward0()
        node.dim, node._dim = as_uint64(dim), d
        node.save(index)
        attach(out, node, (a, src))
    return out


class IndexSelectBackward0(Node):
    __slots__ = ("dim", "self_sym_sizes", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("index",)

    def backward(self, g):
        (idx,) = self.saved()
        key = (slice(None),) * self._dim + (idx._data,)
        # torch's backward is index_add (zeros().index_add_), whose node is IndexAddBackward0
        return (embed(g, self.self_sym_sizes, key, True, "IndexAddBackward0"),)


@aten("aten::index_select")
def index_select(a, dim, index):
    d = a._wrap_dim(dim)
    idx = index_tensor("index_select", index, dtypes="int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = a._data.shape[d] if a.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):  # numpy would count a negative index from the end
        raise IndexError("index out of range in self")
    out = make(xp_of(a._data).take(a._data, idx, axis=d), a.dtype)
    if wants_grad(a):
        node = IndexSelectBackward0()
        node.dim, node.self_sym_sizes, node._dim = as_uint64(dim), a._data.shape, d
        node.save(index)
        attach(out, node, (a,))
    return out


class MaskedSelectBackward0(Node):
    __slots__ = ("shape",)
    unsaved_slots = __slots__  # the broadcast shape, not a value torch saves
    saved_names = ("mask", "self")

    def backward(self, g):
        mask, a = self.saved()
        xp = xp_of(g._data)
        key = (xp.broadcast_to(mask._data, self.shape),)
        return (sum_to(embed(g, self.shape, key, True, "MaskedScatterBackward0"), a._data.shape),)


@aten("aten::masked_select")
def masked_select(a, mask):
    """The elements of `a` where the (broadcast) bool mask is True, as a 1-D tensor."""
    if not is_tensor(mask) or mask.dtype is not _dtype.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    xp = xp_of(a._data)
    try:
        shape = np.broadcast_shapes(a._data.shape, mask._data.shape)
    except ValueError:
        from ._core import broadcast_message

        raise RuntimeError(broadcast_message((mask, a))) from None
    data = xp.broadcast_to(a._data, shape)[xp.broadcast_to(mask._data, shape)]
    out = make(xp.ascontiguousarray(data), a.dtype)
    if wants_grad(a):
        node = MaskedSelectBackward0()
        node.shape = shape
        node.save(mask, a)
        attach(out, node, (a,))
    return out
