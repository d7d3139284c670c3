"""Shape ops and views: view/reshape, squeeze/unsqueeze, expand, permute/transpose, cat/stack, split."""
import numpy as np

from .. import _dtype
from .._size import Size
from ..autograd.node import Node
from ._core import as_uint64, aten, attach, attach_multi, is_tensor, make, wants_grad, xp_of
from .validate import allocation_failed, check_shape, unique_dims


def as_view(out, src, view_fn):
    """Make `out` a view of `src`: shared version counter, the root base, and how to re-derive it."""
    base = src._base if src._base is not None else src
    out._base = base
    out._vc = src._shared_version_counter()
    prev = src._view_fn
    out._view_fn = view_fn if prev is None else (lambda arr, f=prev, g=view_fn: g(f(arr)))
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return tuple(shape)


class ViewBackward0(Node):
    __slots__ = ("self_sym_sizes",)

    def backward(self, g):
        return (g.reshape(self.self_sym_sizes),)

    def backward_raw(self, g):
        return (g.reshape(self.self_sym_sizes),)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


def _viewable(data, shape):
    """Whether numpy can give `shape` as a view (no copy)."""
    try:
        v = data.view()
        v.shape = shape
        return v
    except AttributeError:
        return None


@aten("aten::view")
def view(a, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return make(a._data.view(shape[0].np), shape[0])
    shape = _infer_shape(_shape_arg(shape), a._data.size)
    data = _viewable(a._data, shape)
    if data is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        )
    out = as_view(make(data, a.dtype), a, lambda arr, s=shape: arr.reshape(s))
    if wants_grad(a):
        node = ViewBackward0()
        node.self_sym_sizes = a._data.shape
        attach(out, node, (a,))
    return out


@aten("aten::reshape")
def reshape(a, *shape):
    shape = _infer_shape(_shape_arg(shape), a._data.size)
    if shape == a._data.shape:
        return view(a, shape)
    if _viewable(a._data, shape) is not None:
        return view(a, shape)
    c = clone(a)
    out = make(c._data.reshape(shape), a.dtype)
    if wants_grad(c):
        node = UnsafeViewBackward0()
        node.self_sym_sizes = a._data.shape
        attach(out, node, (c,))
    return out


def flatten(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return reshape(a, 1)
    s, e = a._wrap_dim(start_dim), a._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return a
    shape = a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:]
    return reshape(a, shape)


def unflatten(a, dim, sizes):
    d = a._wrap_dim(dim)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:  # sizes must fill dim d alone, as torch infers them (its error names the dim, not the whole shape)
        sizes = _infer_shape(sizes, a.shape[d])
    except RuntimeError as e:
        if "is invalid for input of size" not in str(e):
            raise
        raise RuntimeError(f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't multiply up to the "
                           f"size of dim {d} ({a.shape[d]}) in the input tensor") from None
    return view(a, a.shape[:d] + sizes + a.shape[d + 1:])


def view_as(a, other):
    return view(a, other.shape)


def reshape_as(a, other):
    return reshape(a, other.shape)


class SqueezeBackward0(Node):
    __slots__ = ("self_sym_sizes", "_dims")  # _dims: the dims squeezed away, ascending

    def backward(self, g):
        # torch's unsqueeze_to: one unsqueeze per removed dim, and the gradient itself when none was
        for d in self._dims:
            g = g.unsqueeze(d)
        return (g,)


class SqueezeBackward1(SqueezeBackward0):
    __slots__ = ("dim",)  # as the caller gave it; torch shows a negative one wrapped to uint64


class SqueezeBackward2(SqueezeBackward0):
    __slots__ = ("dim",)


class SqueezeBackward4(SqueezeBackward0):
    __slots__ = ("dim",)


class SqueezeBackward3(SqueezeBackward0):  # squeeze_(): torch's in-place forms are their own nodes
    __slots__ = ()


class SqueezeBackward5(SqueezeBackward2):  # squeeze_(dims)
    __slots__ = ()


@aten("aten::squeeze")
def squeeze(a, dim=None, _node=None):
    shape = a._data.shape
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
        node_cls = SqueezeBackward0
    elif isinstance(dim, (tuple, list)):
        dims = tuple(d for d in unique_dims([a._wrap_dim(x) for x in dim]) if shape[d] == 1)
        node_cls = SqueezeBackward2
    else:
        d = a._wrap_dim(dim)
        dims = (d,) if a.ndim and shape[d] == 1 else ()
        node_cls = SqueezeBackward1
    if _node is not None:
        node_cls = _node
    new_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
    out = as_view(make(a._data.reshape(new_shape), a.dtype), a, lambda arr, s=new_shape: arr.reshape(s))
    if wants_grad(a):
        node = node_cls()
        node.self_sym_sizes, node._dims = shape, sorted(dims)
        if dim is not None:
            node.dim = tuple(as_uint64(d) for d in dim) if isinstance(dim, (tuple, list)) else as_uint64(dim)
        attach(out, node, (a,))
    return out


class UnsqueezeBackward0(Node):
    __slots__ = ("dim", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped

    def backward(self, g):
        return (g.squeeze(self._dim),)


class UnsqueezeBackward1(UnsqueezeBackward0):  # unsqueeze_
    __slots__ = ()


@aten("aten::unsqueeze")
def unsqueeze(a, dim, _node=UnsqueezeBackward0):
    d = a._wrap_dim(dim, a.ndim + 1)
    xp = xp_of(a._data)
    out = as_view(make(xp.expand_dims(a._data, d), a.dtype), a, lambda arr, d=d: xp.expand_dims(arr, d))
    if wants_grad(a):
        node = _node()
        node.dim, node._dim = as_uint64(dim), d
        attach(out, node, (a,))
    return out


class ExpandBackward0(Node):
    __slots__ = ("self_sym_sizes",)

    def backward(self, g):
        from ._core import sum_to

        return (sum_to(g, self.self_sym_sizes),)

    def backward_raw(self, g):
        from ._core import raw_sum_to

        return (raw_sum_to(g, self.self_sym_sizes),)


@aten("aten::expand")
def expand(a, *sizes):
    sizes = _shape_arg(sizes)
    shape = a._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand(torch.{a.dtype.legacy_name}{{[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, sizes))}]): "
            "the number of sizes provided ("
            f"{len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = []
    for i in reversed(range(len(sizes))):  # torch checks from the last dim
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            target.append(cur)
        elif cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: [{', '.join(map(str, shape))}]"
            )
        else:
            target.append(s)
    target = tuple(reversed(target))
    if target == shape:
        data = a._data.view() if hasattr(a._data, "view") else a._data
    else:
        data = xp_of(a._data).broadcast_to(a._data, target)
    out = as_view(make(data, a.dtype), a, lambda arr, t=target: xp_of(arr).broadcast_to(arr, t))
    if wants_grad(a):
        node = ExpandBackward0()
        node.self_sym_sizes = shape
        attach(out, node, (a,))
    return out


def expand_as(a, other):
    return expand(a, other.shape)


def broadcast_to(a, shape):
    return expand(a, shape)


class PermuteBackward0(Node):
    __slots__ = ("dims", "_dims")  # dims: as given (negative wrapped to uint64); _dims: wrapped

    def backward(self, g):
        inv = [0] * len(self._dims)
        for i, d in enumerate(self._dims):
            inv[d] = i
        return (g.permute(inv),)


@aten("aten::permute")
def permute(a, *dims):
    given = dims = _shape_arg(dims)
    if len(dims) != a.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
            f"ordering of dimensions i.e. input.dim() = {a.ndim} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(a._wrap_dim(d) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = as_view(make(a._data.transpose(dims), a.dtype), a, lambda arr, d=dims: arr.transpose(d))
    if wants_grad(a):
        node = PermuteBackward0()
        node.dims, node._dims = tuple(as_uint64(d) for d in given), dims
        attach(out, node, (a,))
    return out


class TransposeBackward0(Node):
    __slots__ = ("dim0", "dim1", "_dim0", "_dim1")  # as given (negative wrapped to uint64), and wrapped

    def backward(self, g):
        return (g.transpose(self._dim0, self._dim1),)


class TransposeBackward1(TransposeBackward0):  # transpose_, swapdims_
    __slots__ = ()


@aten("aten::transpose")
def transpose(a, dim0, dim1, _node=TransposeBackward0):
    d0, d1 = a._wrap_dim(dim0), a._wrap_dim(dim1)
    xp = xp_of(a._data)
    out = as_view(make(xp.swapaxes(a._data, d0, d1), a.dtype), a, lambda arr: xp.swapaxes(arr, d0, d1))
    if wants_grad(a):
        node = _node()
        node.dim0, node.dim1, node._dim0, node._dim1 = as_uint64(dim0), as_uint64(dim1), d0, d1
        attach(out, node, (a,))
    return out


def swapaxes(a, d0, d1):
    return transpose(a, d0, d1)


class TBackward0(Node):
    def backward(self, g):
        return (g.t(),)

    def backward_raw(self, g):
        return (g.T,)


class TBackward1(TBackward0):  # t_
    pass


@aten("aten::t")
def t(a, _node=TBackward0):
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    out = as_view(make(a._data.T, a.dtype), a, lambda arr: arr.T)
    if wants_grad(a):
        attach(out, _node(), (a,))
    return out


def T_property(a):
    return permute(a, tuple(range(a.ndim))[::-1])


def mT_property(a):
    return transpose(a, -2, -1)


def movedim(a, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    for name, given in (("source", src), ("destination", dst)):
        if len({a._wrap_dim(d) for d in given}) != len(given):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    src = [a._wrap_dim(s) for s in src]
    dst = [a._wrap_dim(d) for d in dst]
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(a, order)


# ---- copies ------------------------------------------------------------------------------------------
class CloneBackward0(Node):
    def backward(self, g):
        return (g,)

    def backward_raw(self, g):
        return (g,)


@aten("aten::clone")
def clone(a, *, memory_format=None):
    out = make(a._data.copy(), a.dtype)
    if wants_grad(a):
        attach(out, CloneBackward0(), (a,))
    return out


def contiguous(a, memory_format=None):
    if a._data.flags.c_contiguous:
        return a
    return clone(a)


def detach(a):
    out = make(a._data, a.dtype)
    out._vc = a._shared_version_counter()
    return out


def detach_(a):
    if a._base is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for "
            "training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence "
            "detach_() cannot be called on these gradients. To fix this error, please refer to the "
            "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
    a.grad_fn = None
    a._requires_grad = False
    return a


class ToCopyBackward0(Node):
    __slots__ = ("self_dtype", "self_device")

    def backward(self, g):
        return (g.to(dtype=self.self_dtype, device=self.self_device),)


@aten("aten::_to_copy")
def to_copy(a, dtype=None, device=None):
    from .._device import to_device

    data = a._data
    if device is not None and device != a.device:
        data = to_device(data, device)
    if dtype is not None and dtype is not a.dtype:
        data = data.astype(dtype.np)
    elif data is a._data:
        data = data.copy()
    out = make(data, dtype or a.dtype)
    if wants_grad(a) and (out.dtype.is_floating_point or out.dtype.is_complex):
        node = ToCopyBackward0()
        node.self_dtype, node.self_device = a.dtype, a.device
        attach(out, node, (a,))
    return out


# ---- joining and splitting ------------------------------------------------------------------------------
class CatBackward0(Node):
    __slots__ = ("dim", "_dim", "_sizes")  # dim: as given (negative wrapped to uint64); _dim: wrapped

    def backward(self, g):
        outs = []
        start = 0
        for s in self._sizes:
            outs.append(g.narrow(self._dim, start, s) if s else None)
            start += s
        return tuple(outs)


@aten("aten::cat")
def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not is_tensor(t):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    ref = next((t for t in tensors if t.ndim > 0 or t.numel() > 0), tensors[0])
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = ref._wrap_dim(dim)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim and not (t.ndim == 1 and t.numel() == 0):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}"
            )
        for k in range(ref.ndim):
            if k != d and t.ndim == ref.ndim and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref._data.shape[k]} but "
                    f"got size {t._data.shape[k]} for tensor number {i} in the list."
                )
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dtype.promote_types(dt, t.dtype)
    xp = xp_of(ref._data)
    res = make(xp.concatenate([t._data.astype(dt.np, copy=False) for t in tensors if t._data.size or t.ndim == ref.ndim], axis=d), dt)
    if wants_grad(*tensors):
        node = CatBackward0()
        node.dim, node._dim = as_uint64(dim), d
        node._sizes = [t._data.shape[d] if t.ndim == ref.ndim else 0 for t in tensors]
        attach(res, node, tensors)
    return res


concat = concatenate = cat


class StackBackward0(Node):
    __slots__ = ("dim", "_dim", "_n")  # dim: as given (negative wrapped to uint64); _dim: wrapped

    def backward(self, g):
        return tuple(g.select(self._dim, i) for i in range(self._n))


@aten("aten::stack")
def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != first._data.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got [{', '.join(map(str, first.shape))}] at entry 0 "
                f"and [{', '.join(map(str, t.shape))}] at entry {i}"
            )
    d = first._wrap_dim(dim, first.ndim + 1)
    dt = first.dtype
    for t in tensors[1:]:
        dt = _dtype.promote_types(dt, t.dtype)
    xp = xp_of(first._data)
    res = make(xp.stack([t._data.astype(dt.np, copy=False) for t in tensors], axis=d), dt)
    if wants_grad(*tensors):
        node = StackBackward0()
        node.dim, node._dim, node._n = as_uint64(dim), d, len(tensors)
        attach(res, node, tensors)
    return res


def hstack(tensors):
    tensors = [t if t.ndim else t.reshape(1) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.unsqueeze(0) if t.ndim < 2 else t for t in tensors], 0)


class _MultiViewBackward(Node):
    """Split/unbind: the input gradient is the outputs' gradients put back together (zeros where missing):
    cat for split, stack for unbind, as torch's backward."""

    # dim: as given (negative wrapped to uint64); _dim: wrapped; _sizes: each output's size along it;
    # _shape: the input's shape
    __slots__ = ("dim", "num_outputs", "_dim", "_sizes", "_shape")
    unsaved_slots = ("num_outputs",)  # read by the engine; torch shows no such value

    def backward(self, *grads):
        from .creation_ops import zeros

        parts = []
        ref = next(g for g in grads if g is not None)
        squeezed = type(self) is UnbindBackward0
        for g, s in zip(grads, self._sizes):
            if g is None:
                shape = list(self._shape)
                if squeezed:
                    del shape[self._dim]
                else:
                    shape[self._dim] = s
                g = zeros(shape, dtype=ref.dtype, device=ref.device)
            parts.append(g)
        return ((stack if squeezed else cat)(parts, self._dim),)


class SplitBackward0(_MultiViewBackward):
    __slots__ = ("self_sym_sizes", "split_size")


class UnsafeSplitBackward0(_MultiViewBackward):
    __slots__ = ("self_sym_sizes", "split_size")


class SplitWithSizesBackward0(_MultiViewBackward):
    __slots__ = ("self_sym_sizes", "split_sizes")


class UnbindBackward0(_MultiViewBackward):
    __slots__ = ()


def _multi_view(a, dim, sizes, node_cls, squeeze, shown=None, views=True):
    """Views of `a` along dim, `sizes` long each (squeezed away for unbind); `shown`: the node's own
    torch-visible values (split_size, ...); views=False: torch's unsafe_ ops, whose parts share the
    memory but are not tracked as views."""
    d = a._wrap_dim(dim)
    outs = []
    start = 0
    for s in sizes:
        idx = (slice(None),) * d + ((start if squeeze else slice(start, start + s)),) + (Ellipsis,)
        data = a._data[idx]
        part = make(data, a.dtype)
        outs.append(as_view(part, a, lambda arr, k=idx: arr[k]) if views else part)
        start += s
    if wants_grad(a):
        node = node_cls()
        node.num_outputs = len(outs)
        node.dim, node._dim, node._sizes, node._shape = as_uint64(dim), d, list(sizes), a._data.shape
        for name, value in (shown or {}).items():
            setattr(node, name, value)
        attach_multi(outs, node, (a,))
    return tuple(outs)


@aten("aten::split")
def split(a, split_size_or_sections, dim=0):
    d = a._wrap_dim(dim)
    n = a._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        return _multi_view(a, dim, _split_sizes(a, step, dim), SplitBackward0, False,
                           {"self_sym_sizes": a._data.shape, "split_size": as_uint64(step)})
    sizes = list(split_size_or_sections)
    if sum(sizes) != n:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), "
            f"but got split_sizes={sizes}"
        )
    return _multi_view(a, dim, sizes, SplitWithSizesBackward0, False,
                       {"self_sym_sizes": a._data.shape, "split_sizes": tuple(as_uint64(s) for s in sizes)})


def _split_sizes(a, step, dim):
    n = a._data.shape[a._wrap_dim(dim)]
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    return [min(step, n - i) for i in range(0, n, step)] if n else [0]


def _chunk_step(a, chunks, dim):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = a._data.shape[a._wrap_dim(dim)]
    return -(-n // chunks) if n else 1


def chunk(a, chunks, dim=0):
    return split(a, _chunk_step(a, chunks, dim), dim)


@aten("aten::unsafe_split")
def unsafe_split(a, split_size, dim=0):
    """split whose parts are not views (torch's LSTM and GRU cells split their gates this way)."""
    return _multi_view(a, dim, _split_sizes(a, split_size, dim), UnsafeSplitBackward0, False,
                       {"self_sym_sizes": a._data.shape, "split_size": as_uint64(split_size)}, views=False)


@aten("aten::unsafe_chunk")
def unsafe_chunk(a, chunks, dim=0):
    return unsafe_split(a, _chunk_step(a, chunks, dim), dim)


@aten("aten::unbind")
def unbind(a, dim=0):
    d = a._wrap_dim(dim)
    return _multi_view(a, dim, [1] * a._data.shape[d], UnbindBackward0, True)


class FlipBackward0(Node):
    __slots__ = ("dims", "_dims")  # dims: as given (negative wrapped to uint64); _dims: wrapped

    def backward(self, g):
        return (g.flip(self._dims),)


@aten("aten::flip")
def flip(a, dims):
    given = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = unique_dims(tuple(a._wrap_dim(d) for d in given))
    out = make(xp_of(a._data).flip(a._data, axis=dims).copy(), a.dtype)
    if wants_grad(a):
        node = FlipBackward0()
        node.dims, node._dims = tuple(as_uint64(d) for d in given), dims
        attach(out, node, (a,))
    return out


class RepeatBackward0(Node):
    __slots__ = ("repeats", "self_sym_sizes")

    def backward(self, g):
        shape = self.self_sym_sizes
        reps = self.repeats
        lead = len(reps) - len(shape)
        full = (1,) * lead + tuple(shape)
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        g = g.reshape(inter).sum(tuple(range(0, len(inter), 2)))
        return (g.reshape(shape),)


@aten("aten::repeat")
def repeat(a, *repeats):
    repeats = _shape_arg(repeats)
    if len(repeats) < a.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    lead = (1,) * (len(repeats) - a.ndim)
    shape = tuple(r * s for r, s in zip(repeats, lead + a._data.shape))
    check_shape(shape)
    try:
        out = make(xp_of(a._data).tile(a._data, repeats), a.dtype)
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, shape, a._data.dtype) from None
    if wants_grad(a):
        node = RepeatBackward0()
        node.repeats, node.self_sym_sizes = repeats, a._data.shape
        attach(out, node, (a,))
    return out


@aten("aten::tile")
def tile(a, *dims):
    """repeat with `dims` padded by leading 1s to the tensor's rank (torch's RepeatBackward0)."""
    dims = _shape_arg(dims)
    return repeat(a, *((1,) * (a.ndim - len(dims)) + tuple(dims)))


class RollBackward0(Node):
    __slots__ = ("dims", "shifts", "_dims", "_shifts")  # as given (negatives wrapped to uint64), and as ints

    def backward(self, g):
        return (roll(g, tuple(-s for s in self._shifts), self._dims),)


@aten("aten::roll")
def roll(a, shifts, dims=None):
    """Shift elements along dims (or over the flattened tensor), wrapping around."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else ((dims,) if isinstance(dims, int) else tuple(dims))
    if dims and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not dims and len(shifts) != 1:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    xp = xp_of(a._data)
    if dims:
        data = xp.roll(a._data, shifts, tuple(a._wrap_dim(d) for d in dims))
    else:
        data = xp.roll(a._data.reshape(-1), shifts[0]).reshape(a._data.shape)
    out = make(xp.ascontiguousarray(data), a.dtype)
    if wants_grad(a):
        node = RollBackward0()
        node._dims, node._shifts = dims, shifts
        node.dims, node.shifts = tuple(as_uint64(d) for d in dims), tuple(as_uint64(s) for s in shifts)
        attach(out, node, (a,))
    return out


class TrilBackward0(Node):
    __slots__ = ("diagonal", "_diagonal")  # as given (negative wrapped to uint64), and as an int

    def backward(self, g):
        return (tril(g, self._diagonal),)


class TriuBackward0(Node):
    __slots__ = ("diagonal", "_diagonal")  # as TrilBackward0's

    def backward(self, g):
        return (triu(g, self._diagonal),)


def _triangle(a, diagonal, lower, node_cls):
    if a.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    xp = xp_of(a._data)
    out = make((xp.tril if lower else xp.triu)(a._data, diagonal), a.dtype)
    if wants_grad(a):
        node = node_cls()
        node.diagonal, node._diagonal = as_uint64(diagonal), diagonal
        attach(out, node, (a,))
    return out


@aten("aten::tril")
def tril(a, diagonal=0):
    """The lower triangle (on and below `diagonal`) of the last two dims; zeros elsewhere."""
    return _triangle(a, diagonal, True, TrilBackward0)


@aten("aten::triu")
def triu(a, diagonal=0):
    """The upper triangle (on and above `diagonal`) of the last two dims; zeros elsewhere."""
    return _triangle(a, diagonal, False, TriuBackward0)


@aten("aten::diff")
def diff(a, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim, composed of slices and a subtraction like torch's."""
    from .arith import sub
    from .indexing import narrow

    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if a.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = a._wrap_dim(dim)
    if prepend is not None or append is not None:
        a = cat([t for t in (prepend, a, append) if t is not None], d)
    for _ in range(n):
        size = a.shape[d]
        if size == 0:
            break
        a = sub(narrow(a, d, 1, size - 1), narrow(a, d, 0, size - 1))
    return a
