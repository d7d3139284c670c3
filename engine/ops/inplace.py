"""In-place ops (add_, mul_, clamp_, sin_, ...): the out-of-place op's result written back into the tensor.

With a graph involved the op runs on a snapshot of the old value (so its node saves the value it saw),
the tensor takes over the new grad_fn, and its version counter moves on, which is how backward
notices saved tensors modified since.
"""
from .. import _dtype
from .._grad_mode import GRAD
from ..autograd.node import Node
from ._core import attach, broadcast_message, edge, grad_to, is_tensor, make, wants_grad
from .indexing import _propagate_to_base, check_inplace

_CATEGORY_NAME = {0: "Bool", 1: "Long", 2: "Float", 3: "ComplexFloat"}


def _cast_check(result_dtype, target):
    if result_dtype._category > target._category:
        raise RuntimeError(
            f"result type {_type_name(result_dtype)} can't be cast to the desired output type {_type_name(target)}"
        )


def _type_name(dt):
    names = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
             "float16": "Half", "uint8": "Byte", "int8": "Char", "int16": "Short", "complex64": "ComplexFloat",
             "complex128": "ComplexDouble", "bfloat16": "BFloat16"}
    return names[dt.name]


def _snapshot(t):
    """The tensor's current value and graph position, detached from future writes."""
    s = make(t._data.copy(), t.dtype)
    s._requires_grad = t._requires_grad
    s.grad_fn = t.grad_fn
    s._output_nr = t._output_nr
    if t._requires_grad and t.grad_fn is None:
        s._accum_ref = None
        s.grad_fn = None
        # a leaf can only get here under no_grad; keep its edge anyway
    return s


def apply_inplace(t, op, *args, **kwargs):
    check_inplace(t)
    graph = wants_grad(t, *[a for a in args if is_tensor(a)])
    if graph:
        old_edge = edge(t)
        src = _snapshot(t) if t.grad_fn is not None else t
        out = op(src, *args, **kwargs)
    else:
        out = op(t, *args, **kwargs)
    if out is NotImplemented:
        return NotImplemented
    _cast_check(out.dtype, t.dtype)
    data = out._data
    if t._data.shape != data.shape:
        if t._data.ndim < data.ndim or any(s != d and d != 1 for s, d in zip(t._data.shape[::-1], data.shape[::-1])):
            raise RuntimeError(
                f"output with shape [{', '.join(map(str, t.shape))}] doesn't match the broadcast shape "
                f"[{', '.join(map(str, out.shape))}]"
            )
    t._data[...] = data if out.dtype is t.dtype else data.astype(t.dtype.np)
    t._bump_version()
    if graph and out._requires_grad:
        t.grad_fn = out.grad_fn
        t._requires_grad = True
        t._output_nr = 0
        _propagate_to_base(t, old_edge)
    return t


def restride(t, view, *args, _node):
    """t.t_(), t.unsqueeze_(d), t.squeeze_(), t.transpose_(i, j): torch changes t's shape and strides,
    not its values. `view` (the out-of-place op) makes the view; t takes its array (the same memory),
    its place among views, and with a graph its node, of the class torch gives the in-place form."""
    check_inplace(t)
    out = view(t, *args, _node=_node)
    t._data = out._data
    if t._base is not None:  # a view stays a view of its base, now through one more step
        t._view_fn = out._view_fn
    t._bump_version()
    if out.grad_fn is not None:
        t.grad_fn = out.grad_fn
        t._output_nr = 0
    return t


def fill_(t, value):
    check_inplace(t)
    graph = GRAD.enabled and t._requires_grad
    old_edge = edge(t) if graph else None
    if is_tensor(value) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
    t._data[...] = value._data if is_tensor(value) else value
    t._bump_version()
    if graph:
        from .unary import FillBackward

        node = FillBackward()
        node.next_functions = (old_edge,)
        t.grad_fn = node
        t._output_nr = 0
        _propagate_to_base(t, old_edge)
    return t


def zero_(t):
    return fill_(t, 0)


class CopyBackwards(Node):
    """copy_: the overwritten value gets a zero gradient, the source the gradient (in its shape and dtype)."""

    __slots__ = ("src_shape", "src_dtype", "src_device")

    def name(self):
        return "torch::autograd::CopyBackwards"

    def backward(self, g):
        from .creation_ops import zeros_like

        gt = zeros_like(g) if self.next_functions[0][0] is not None else None
        gs = None
        if self.next_functions[1][0] is not None:
            gs = grad_to(g, self.src_shape, self.src_dtype)
            if gs.device != self.src_device:
                gs = gs.to(self.src_device)
        return gt, gs


def copy_(t, src, non_blocking=False):
    check_inplace(t)
    graph = wants_grad(t, src)
    from .._device import to_device

    data = to_device(src._data, t.device) if is_tensor(src) else src
    if is_tensor(src) and src.dtype is not t.dtype:
        data = data.astype(t.dtype.np)
    try:
        t._data[...] = data
    except ValueError:
        if not is_tensor(src):
            raise
        raise RuntimeError(broadcast_message((t, src))) from None  # src does not broadcast to t: torch's text
    t._bump_version()
    if graph:
        node = CopyBackwards()
        node.src_shape, node.src_dtype, node.src_device = src._data.shape, src.dtype, src.device
        old_edge = edge(t)
        attach(t, node, (t, src))
        t._output_nr = 0
        _propagate_to_base(t, old_edge)
    return t


def requires_float(dt):
    return dt if dt.is_floating_point else _dtype.get_default_dtype()
