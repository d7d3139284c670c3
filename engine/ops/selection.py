"""Elementwise selection: where, maximum/minimum, masked_fill."""
from .. import _dtype
from .._grad_mode import GRAD
from ..autograd.node import Node
from ._core import aten, attach, grad_to, is_tensor, make, to_tensor_operand, wants_grad, xp_of


class WhereBackward0(Node):
    __slots__ = ("a_shape", "a_dtype", "b_shape", "b_dtype")
    unsaved_slots = __slots__  # shapes and dtypes for reducing gradients, not values torch saves
    saved_names = ("condition",)

    def backward(self, g):
        (cond,) = self.saved()
        ga = grad_to(where(cond, g, 0.0), self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = grad_to(where(cond, 0.0, g), self.b_shape, self.b_dtype) if self.next_functions[1][0] is not None else None
        return ga, gb


def grad_where(keep, g):
    """g where `keep` (a bool array or tensor), +0 elsewhere: torch's backward formulas fill with zeros
    (where, masked_fill, a zeros tensor) and never multiply by a mask, which gives -0 for a negative g."""
    if not GRAD.enabled:  # a backward that records no graph (no create_graph): the array alone
        return make(xp_of(g._data).where(keep._data if is_tensor(keep) else keep, g._data, 0), g.dtype)
    return where(keep if is_tensor(keep) else make(keep, _dtype.bool_), g, 0.0)


@aten("aten::where")
def where(condition, a=None, b=None):
    if a is None and b is None:
        from .creation_ops import nonzero

        return nonzero(condition, as_tuple=True)
    if not is_tensor(a) and not is_tensor(b):
        dt = _dtype.result_type(a, b)
        xp = xp_of(condition._data)
        a = make(xp.asarray(a, dtype=dt.np), dt)
    if not is_tensor(a):
        a = to_tensor_operand(a, b)
    if not is_tensor(b):
        b = to_tensor_operand(b, a)
    dt = _dtype.result_type(a, b)
    xp = xp_of(a._data)
    cond = condition._data if is_tensor(condition) else condition
    if is_tensor(condition) and condition.dtype is not _dtype.bool_:
        if condition.dtype is _dtype.uint8:
            cond = cond.astype(bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype.scalar_name}")
    out = make(xp.where(cond, a._data.astype(dt.np, copy=False), b._data.astype(dt.np, copy=False)), dt)
    if wants_grad(a, b):
        node = WhereBackward0()
        node.a_shape, node.a_dtype, node.b_shape, node.b_dtype = a._data.shape, a.dtype, b._data.shape, b.dtype
        node.save(condition if is_tensor(condition) else make(xp.asarray(cond), _dtype.bool_))
        attach(out, node, (a, b))  # the condition is not differentiable: torch gives it no edge
    return out


class _PairwiseExtremeNode(Node):
    __slots__ = ("a_shape", "a_dtype", "b_shape", "b_dtype")
    unsaved_slots = __slots__  # shapes and dtypes for reducing gradients, not values torch saves
    saved_names = ("self", "other")
    pick_a = None

    def backward(self, g):
        a, b = self.saved()
        xp = xp_of(g._data)
        ad, bd = a._data, b._data
        win = type(self).pick_a(ad, bd)
        tie = ad == bd
        # torch: where(a == b, grad / 2, grad).masked_fill_(loser, 0) for each side
        shared = g * make(xp.where(tie, 0.5, 1.0).astype(g._data.dtype), g.dtype)
        ga = grad_to(grad_where(win | tie, shared), self.a_shape, self.a_dtype) \
            if self.next_functions[0][0] is not None else None
        gb = grad_to(grad_where(~win, shared), self.b_shape, self.b_dtype) \
            if self.next_functions[1][0] is not None else None
        return ga, gb


class MaximumBackward0(_PairwiseExtremeNode):
    __slots__ = ()
    pick_a = staticmethod(lambda a, b: a > b)


class MinimumBackward0(_PairwiseExtremeNode):
    __slots__ = ()
    pick_a = staticmethod(lambda a, b: a < b)


def _pairwise(a, b, is_max):
    b = to_tensor_operand(b, a)
    dt = _dtype.result_type(a, b)
    xp = xp_of(a._data)
    fn = xp.maximum if is_max else xp.minimum
    out = make(fn(a._data.astype(dt.np, copy=False), b._data.astype(dt.np, copy=False)), dt)
    if wants_grad(a, b):
        node = MaximumBackward0() if is_max else MinimumBackward0()
        node.a_shape, node.a_dtype, node.b_shape, node.b_dtype = a._data.shape, a.dtype, b._data.shape, b.dtype
        node.save(a, b)
        attach(out, node, (a, b))
    return out


@aten("aten::maximum")
def maximum(a, b):
    return _pairwise(a, b, True)


@aten("aten::minimum")
def minimum(a, b):
    return _pairwise(a, b, False)


fmax = maximum
fmin = minimum


class MaskedFillBackward0(Node):
    saved_names = ("mask",)

    def backward(self, g):
        (mask,) = self.saved()
        return (where(mask, 0.0, g),)


@aten("aten::masked_fill")
def masked_fill(a, mask, value):
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.cpp_name}")
    if is_tensor(value) and value.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                           "dimension(s).")
    xp = xp_of(a._data)
    v = value._data if is_tensor(value) else value
    out = make(xp.where(mask._data, xp.asarray(v, dtype=a.dtype.np), a._data), a.dtype)
    if wants_grad(a):
        node = MaskedFillBackward0()
        node.save(mask)
        attach(out, node, (a,))
    return out
