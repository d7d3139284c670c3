"""Arithmetic: + - * / ** // %, negation, comparisons. Each op with its backward beside it."""
import operator

import numpy as np

from .. import _dtype
from .._fma import fma_f32, fma_f64
from ..autograd.node import Node, NotImplementedNode
from ._core import (Tensor, aten, attach, grad_to, is_tensor, make, operands, raw_grad_to, wants_grad,
                    to_tensor_operand, wrapped_number, xp_of)


_EXACT_FMA = {np.dtype(np.float32): fma_f32, np.dtype(np.float64): fma_f64}


def fused_multiply_add(a, b, c):
    """a * b + c rounded once, as torch's vectorised CPU kernels compute it (Vectorized::fmadd): measured
    for add/sub with alpha, addcmul and lerp. Unfused where no exact emulation exists (other dtypes, cupy)."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    fma = _EXACT_FMA.get(np.result_type(a, b, c)) if xp_of(c) is np else None
    if fma is None:
        return a * b + c
    return fma(a, b, c).reshape(shape)


def _scaled_sum(x, y, alpha):
    """x + alpha * y as torch's add kernel rounds it: fma(y, alpha, x), alpha in the arrays' dtype."""
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "fc":
        return x + y * alpha  # a number operand, or integers: exact, or as torch computes a Scalar
    return fused_multiply_add(y, y.dtype.type(alpha), x)


class _BinaryNode(Node):
    __slots__ = ("a_shape", "a_dtype", "b_shape", "b_dtype")
    unsaved_slots = __slots__  # shapes and dtypes for reducing gradients, not values torch saves

    def _meta(self, a, b):
        self.a_shape, self.a_dtype = a._data.shape, a.dtype
        if b.__class__ is Tensor or is_tensor(b):  # the first test answers nearly every call
            self.b_shape, self.b_dtype = b._data.shape, b.dtype
        else:
            self.b_shape = None
        return self


def _not_implemented(a, b):
    return NotImplemented


def _plain_number(x):
    """Whether numpy mixes x with an array as the engine's scalar operands do (a weak Python number)."""
    return type(x) is int or type(x) is float


# ---- add / sub ---------------------------------------------------------------------------------
class AddBackward0(_BinaryNode):
    __slots__ = ("alpha",)

    def backward(self, g):
        ga = grad_to(g, self.a_shape, self.a_dtype)
        if self.b_shape is None:
            return ga, None
        gb = g if self.alpha == 1 else g * self.alpha
        return ga, grad_to(gb, self.b_shape, self.b_dtype)

    def backward_raw(self, g):
        return _raw_sum_or_difference(self, g, False)


def _raw_sum_or_difference(node, g, negated):
    """AddBackward0/SubBackward0 on arrays: g for a; alpha·g for b, negated for sub."""
    alpha = node.alpha
    ga = raw_grad_to(g, node.a_shape, node.a_dtype)
    if node.b_shape is None:
        return ga, None
    if alpha == 1:
        gb = -g if negated else g
    elif _plain_number(alpha):
        gb = g * (-alpha if negated else alpha)
    else:
        return None
    return ga, raw_grad_to(gb, node.b_shape, node.b_dtype)


class SubBackward0(_BinaryNode):
    __slots__ = ("alpha",)

    def backward(self, g):
        ga = grad_to(g, self.a_shape, self.a_dtype)
        if self.b_shape is None:
            return ga, None
        gb = -g if self.alpha == 1 else g * -self.alpha
        return ga, grad_to(gb, self.b_shape, self.b_dtype)

    def backward_raw(self, g):
        return _raw_sum_or_difference(self, g, True)


class RsubBackward1(Node):
    __slots__ = ("alpha",)

    def backward(self, g):
        return (-g if self.alpha == 1 else g * -self.alpha,)

    def backward_raw(self, g):
        return (-g,) if self.alpha == 1 else None


def _add_or_sub(a, b, alpha, node_cls):
    """a + alpha*b or a - alpha*b (add with -alpha, as torch's sub is): one body, the node differs."""
    ops = operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    if node_cls is SubBackward0 and dt is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if alpha == 1:
        data = x - y if node_cls is SubBackward0 else x + y
    else:
        data = _scaled_sum(x, y, -alpha if node_cls is SubBackward0 else alpha)
    out = make(data, dt)
    if wants_grad(a, b):
        node = node_cls()._meta(a, b)
        node.alpha = alpha
        attach(out, node, (a, b))
    return out


@aten("aten::add")
def add(a, b, *, alpha=1):
    if not is_tensor(a):
        a, b = b, a
    return _add_or_sub(a, b, alpha, AddBackward0)


@aten("aten::add_")
def accumulate_in_place(buffer, grad):
    """`buffer += grad` for the backward pass's input buffers (torch's InputBuffer::accumulate).

    The engine calls it only for a buffer tensor whose memory nothing else can see.
    """
    buffer._data += grad._data
    return buffer


@aten("aten::sub")
def sub(a, b, *, alpha=1):
    return _add_or_sub(a, b, alpha, SubBackward0)


@aten("aten::rsub")
def rsub(a, b, *, alpha=1):
    """b - alpha * a (what `number - tensor` runs)."""
    if is_tensor(b):
        return sub(b, a, alpha=alpha)
    ops = operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    out = make(y - x if alpha == 1 else _scaled_sum(y, x, -alpha), dt)
    if wants_grad(a):
        node = RsubBackward1()
        node.alpha = alpha
        attach(out, node, (a,))
    return out


# ---- mul / div -----------------------------------------------------------------------------------
class MulBackward0(_BinaryNode):
    __slots__ = ("_other_value",)
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = self.saved()
        if self.b_shape is None:
            return grad_to(g * b, self.a_shape, self.a_dtype), None
        ga = grad_to(g * b, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = grad_to(g * a, self.b_shape, self.b_dtype) if self.next_functions[1][0] is not None else None
        return ga, gb

    def backward_raw(self, g):
        a, b = self.saved()
        if self.b_shape is None:  # b: the number, kept as a 0-d tensor; as a Python number it mixes the same
            return raw_grad_to(g * b._data.item(), self.a_shape, self.a_dtype), None
        ga = gb = None
        if self.next_functions[0][0] is not None:
            b = b._data
            if b.dtype != g.dtype:  # a mixed-dtype product: torch's promotion, not numpy's
                return None
            ga = raw_grad_to(g * b, self.a_shape, self.a_dtype)
        if self.next_functions[1][0] is not None:
            a = a._data
            if a.dtype != g.dtype:
                return None
            gb = raw_grad_to(g * a, self.b_shape, self.b_dtype)
        return ga, gb


@aten("aten::mul")
def mul(a, b):
    if not is_tensor(a):
        a, b = b, a
    ops = operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    out = make(x * y, dt)
    if wants_grad(a, b):
        node = MulBackward0()._meta(a, b)
        if node.b_shape is None:
            node.save(None, wrapped_number(b, a))
        else:
            node.save(a if b._requires_grad else None, b if a._requires_grad else None)
        attach(out, node, (a, b))
    return out


class DivBackward0(_BinaryNode):
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = self.saved()
        if self.b_shape is None:
            return grad_to(g / b, self.a_shape, self.a_dtype), None
        ga = grad_to(g / b, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = None
        if self.next_functions[1][0] is not None:
            # torch's div_tensor_other_backward, op for op: -grad * ((self / other) / other)
            gb = grad_to(-g * ((a / b) / b), self.b_shape, self.b_dtype)
        return ga, gb

    def backward_raw(self, g):
        a, b = self.saved()
        if self.b_shape is None:
            return raw_grad_to(g / b._data.item(), self.a_shape, self.a_dtype), None
        b = b._data
        if b.dtype != g.dtype or (a is not None and a._data.dtype != g.dtype):
            return None
        ga = raw_grad_to(g / b, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = None
        if self.next_functions[1][0] is not None:
            a = a._data
            gb = raw_grad_to(-g * ((a / b) / b), self.b_shape, self.b_dtype)
        return ga, gb


class DivBackward2(DivBackward0):
    """Division with a rounding_mode (torch's div.Tensor_mode): a step function, so its gradient is zero
    wherever it exists, for both operands."""

    __slots__ = ("rounding_mode",)

    def backward(self, g):
        from .creation_ops import zeros

        shapes = (self.a_shape, self.b_shape)
        return tuple(zeros(shape, dtype=g.dtype) if shape is not None and nxt is not None else None
                     for shape, (nxt, _) in zip(shapes, self.next_functions))


def _float_operands(a, b):
    """operands(a, b) with an integer or bool result type promoted to the default float dtype, the rule of
    true division and of torch's other always-floating binary ops; None when b is not an operand."""
    ops = operands(a, b)
    if ops is None:
        return None
    x, y, dt = ops
    if not (dt.is_floating_point or dt.is_complex):
        dt = _dtype.get_default_dtype()
        x = x.astype(dt.np)
        if isinstance(y, np.ndarray):
            y = y.astype(dt.np)
    return x, y, dt


@aten("aten::div")
def div(a, b, *, rounding_mode=None):
    if rounding_mode is not None:
        out = _div_rounding(a, b, rounding_mode)
        if out is not NotImplemented and wants_grad(a, b):
            node = _div_node(DivBackward2(), a, b)
            node.rounding_mode = rounding_mode
            attach(out, node, (a, b))
        return out
    ops = _float_operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    out = make(x / y, dt)
    if wants_grad(a, b):
        attach(out, _div_node(DivBackward0(), a, b), (a, b))
    return out


def _div_rounding(a, b, mode):
    if mode not in ("floor", "trunc"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'"
        )
    ops = operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    xp = xp_of(x)
    if dt.is_floating_point:
        q = xp.floor(x / y) if mode == "floor" else xp.trunc(x / y)
        q = q.astype(dt.np, copy=False)
    else:
        if isinstance(y, int) and y == 0 or (not isinstance(y, int) and (xp.asarray(y) == 0).any()):
            raise RuntimeError("ZeroDivisionError")
        q = x // y if mode == "floor" else (xp.trunc(x / y)).astype(dt.np)
    return make(q, dt)


def _div_node(node, a, b):
    """Fill a division node (DivBackward0/2) with torch's saved values and wire it to a and b."""
    node._meta(a, b)
    if node.b_shape is None:
        node.save(None, wrapped_number(b, a))
    else:
        node.save(a if b._requires_grad else None, b)
    return node


@aten("aten::floor_divide")
def floor_divide(a, b):
    out = _div_rounding(a, b, "floor")
    if out is not NotImplemented and wants_grad(a, b):
        # torch defines no derivative for floor_divide (div with rounding_mode="floor" has one: zero)
        needing = tuple(t for t in (a, b) if is_tensor(t) and t.requires_grad)
        attach(out, NotImplementedNode("aten::floor_divide"), needing)
    return out


def rfloordiv(a, b):
    if not isinstance(b, _REFLECTED_OPERANDS):  # Python then raises its TypeError, as for torch
        return NotImplemented
    return floor_divide(to_tensor_operand(b, a), a)


def rremainder(a, b):
    if not isinstance(b, _REFLECTED_OPERANDS):
        return NotImplemented
    return remainder(to_tensor_operand(b, a), a)


_REFLECTED_OPERANDS = (int, float, bool, complex, np.generic)


class _ModuloByNumber(Node):
    """remainder/fmod by a number: a - k * b with k piecewise constant, so the gradient passes through."""

    __slots__ = ()

    def backward(self, g):
        return (g,)


class _ModuloByTensor(_BinaryNode):
    """a - round(a / b) * b (round: floor for remainder, trunc for fmod): d/da = 1, d/db = -round(a / b)."""

    __slots__ = ()
    saved_names = ("self", "other")
    rounding_mode = None

    def backward(self, g):
        ga = grad_to(g, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = None
        if self.next_functions[1][0] is not None:
            a, b = self.saved()
            gb = grad_to(-g * div(a, b, rounding_mode=self.rounding_mode), self.b_shape, self.b_dtype)
        return ga, gb


class RemainderBackward0(_ModuloByNumber):
    __slots__ = ()


class RemainderBackward1(_ModuloByTensor):
    __slots__ = ()
    rounding_mode = "floor"


class FmodBackward0(_ModuloByNumber):
    __slots__ = ()


class FmodBackward1(_ModuloByTensor):
    __slots__ = ()
    rounding_mode = "trunc"


def _modulo(a, b, np_name, by_number, by_tensor):
    ops = operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    out = make(getattr(xp_of(x), np_name)(x, y).astype(dt.np, copy=False), dt)
    if wants_grad(a, b):
        if not is_tensor(b):
            attach(out, by_number(), (a,))
        else:
            node = by_tensor()._meta(a, b)
            # as torch: kept only for the divisor's gradient, the one that reads them
            node.save(*((a, b) if b._requires_grad else (None, None)))
            attach(out, node, (a, b))
    return out


@aten("aten::remainder")
def remainder(a, b):
    return _modulo(a, b, "remainder", RemainderBackward0, RemainderBackward1)


@aten("aten::fmod")
def fmod(a, b):
    return _modulo(a, b, "fmod", FmodBackward0, FmodBackward1)


# ---- addcmul / addcdiv / lerp ----------------------------------------------------------------------
class _AddcNode(Node):
    """self + value * combine(tensor1, tensor2), for addcmul and addcdiv."""

    __slots__ = ("value", "shapes", "dtypes")
    unsaved_slots = ("shapes", "dtypes")
    saved_names = ("tensor1", "tensor2")

    def backward(self, g):
        t1, t2 = self.saved()
        grads = type(self).partials(g * self.value if self.value != 1 else g, t1, t2)
        return tuple(None if f[0] is None or p is None else grad_to(p, s, dt)
                     for f, p, s, dt in zip(self.next_functions, (g,) + grads, self.shapes, self.dtypes))


class AddcmulBackward0(_AddcNode):
    __slots__ = ()
    partials = staticmethod(lambda gv, t1, t2: (gv * t2, gv * t1))


class AddcdivBackward0(_AddcNode):
    __slots__ = ()
    partials = staticmethod(lambda gv, t1, t2: (gv / t2, -gv * t1 / (t2 * t2)))


def _addc(a, t1, t2, value, node_cls):
    dt = _dtype.result_type(a, t1, t2)
    x, y, z = [t._data.astype(dt.np, copy=False) for t in (a, t1, t2)]
    scaled = y * (dt.np.type(value) if dt.is_floating_point or dt.is_complex else value)
    # as torch's kernels round: addcmul is fma(value * t1, t2, self), addcdiv is self + (value * t1) / t2
    data = fused_multiply_add(scaled, z, x) if node_cls is AddcmulBackward0 else x + scaled / z
    out = make(data.astype(dt.np, copy=False), dt)
    if wants_grad(a, t1, t2):
        node = node_cls()
        node.value = value
        node.shapes = tuple(t._data.shape for t in (a, t1, t2))
        node.dtypes = (a.dtype, t1.dtype, t2.dtype)
        node.save(t1 if t2._requires_grad or a._requires_grad else None, t2)
        attach(out, node, (a, t1, t2))
    return out


@aten("aten::addcmul")
def addcmul(a, tensor1, tensor2, *, value=1):
    """a + value * tensor1 * tensor2"""
    return _addc(a, tensor1, tensor2, value, AddcmulBackward0)


@aten("aten::addcdiv")
def addcdiv(a, tensor1, tensor2, *, value=1):
    """a + value * tensor1 / tensor2"""
    if not (tensor1.dtype.is_floating_point or tensor1.dtype.is_complex) and not (
            tensor2.dtype.is_floating_point or tensor2.dtype.is_complex):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    return _addc(a, tensor1, tensor2, value, AddcdivBackward0)


class LerpBackward0(_BinaryNode):
    """lerp with a number weight."""

    __slots__ = ("weight",)

    def backward(self, g):
        w = self.weight
        ga = grad_to(g * (1 - w), self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = grad_to(g * w, self.b_shape, self.b_dtype) if self.next_functions[1][0] is not None else None
        return ga, gb


class LerpBackward1(Node):
    """lerp with a tensor weight."""

    __slots__ = ("shapes", "dtypes")
    unsaved_slots = __slots__
    saved_names = ("self", "end", "weight")

    def backward(self, g):
        a, e, w = self.saved()
        grads = (g * (1 - w), g * w, g * (e - a))
        return tuple(None if f[0] is None else grad_to(p, s, dt)
                     for f, p, s, dt in zip(self.next_functions, grads, self.shapes, self.dtypes))


def _lerp_data(xp, x, y, w):
    # torch's two-sided formula (exact at both ends, monotone), with the fused multiply-adds of its CPU kernel
    shape = np.broadcast_shapes(x.shape, y.shape, xp.shape(w))
    x, y, w = (xp.broadcast_to(v, shape) for v in (x, y, w))
    diff = y - x
    low = fused_multiply_add(w, diff, x)
    high = fused_multiply_add(-diff, 1 - w, y)
    return xp.where(xp.abs(w) < 0.5, low, high).astype(x.dtype, copy=False)


@aten("aten::lerp")
def lerp(a, end, weight):
    """a + weight * (end - a)"""
    xp = xp_of(a._data)
    if is_tensor(weight):
        if not (a.dtype is end.dtype is weight.dtype):
            other = end if end.dtype is not a.dtype else weight
            raise RuntimeError(f"expected dtype {_dtype_name(a.dtype)} for `end` but got dtype {_dtype_name(other.dtype)}")
        data = _lerp_data(xp, a._data, end._data, weight._data).astype(a.dtype.np, copy=False)
        out = make(xp.ascontiguousarray(data), a.dtype)
        if wants_grad(a, end, weight):
            node = LerpBackward1()
            node.shapes = (a._data.shape, end._data.shape, weight._data.shape)
            node.dtypes = (a.dtype, end.dtype, weight.dtype)
            node.save(a, end, weight)
            attach(out, node, (a, end, weight))
        return out
    if a.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {_dtype_name(a.dtype)} for `end` but got dtype {_dtype_name(end.dtype)}")
    data = _lerp_data(xp, a._data, end._data, xp.asarray(weight, dtype=a.dtype.np)).astype(a.dtype.np, copy=False)
    out = make(xp.ascontiguousarray(data), a.dtype)
    if wants_grad(a, end):
        node = LerpBackward0()._meta(a, end)
        node.weight = weight
        attach(out, node, (a, end))
    return out


def _dtype_name(dt):
    return str(dt).replace("torch.", "").capitalize()


# ---- atan2 / hypot -----------------------------------------------------------------------------------
class Atan2Backward0(_BinaryNode):
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = self.saved()
        r = g / (a * a + b * b)
        ga = grad_to(r * b, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = grad_to(r * -a, self.b_shape, self.b_dtype) if self.next_functions[1][0] is not None else None
        return ga, gb


class HypotBackward0(_BinaryNode):
    saved_names = ("self", "other", "result")

    def backward(self, g):
        a, b, r = self.saved()
        ga = grad_to(g * a / r, self.a_shape, self.a_dtype) if self.next_functions[0][0] is not None else None
        gb = grad_to(g * b / r, self.b_shape, self.b_dtype) if self.next_functions[1][0] is not None else None
        return ga, gb


def _binary_float(a, b, npname, node_cls, save_result):
    ops = _float_operands(a, b)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    out = make(xp_of(x).asarray(getattr(xp_of(x), npname)(x, y)).astype(dt.np, copy=False), dt)
    if wants_grad(a, b):
        b = to_tensor_operand(b, a)
        node = node_cls()._meta(a, b)
        node.save(a, b, out.detach()) if save_result else node.save(a, b)
        attach(out, node, (a, b))
    return out


@aten("aten::atan2")
def atan2(a, b):
    return _binary_float(a, b, "arctan2", Atan2Backward0, False)


@aten("aten::hypot")
def hypot(a, b):
    return _binary_float(a, b, "hypot", HypotBackward0, True)


# ---- reciprocal / neg ----------------------------------------------------------------------------
class ReciprocalBackward0(Node):
    saved_names = ("result",)

    def backward(self, g):
        (r,) = self.saved()
        return (-g * (r * r),)


@aten("aten::reciprocal")
def reciprocal(a):
    dt = a.dtype if (a.dtype.is_floating_point or a.dtype.is_complex) else _dtype.get_default_dtype()
    out = make(1 / a._data.astype(dt.np, copy=False), dt)
    if wants_grad(a):
        node = ReciprocalBackward0()
        node.save(out.detach())
        attach(out, node, (a,))
    return out


def rdiv(a, b):
    """`number / tensor`: torch computes reciprocal then multiplies (grad_fn MulBackward0)."""
    if is_tensor(b):
        return div(b, a)
    if not isinstance(b, (int, float, bool, complex, np.generic)):
        return NotImplemented
    return mul(reciprocal(a), b)


class NegBackward0(Node):
    def backward(self, g):
        return (-g,)

    def backward_raw(self, g):
        return (-g,)


@aten("aten::neg")
def neg(a):
    if a.dtype is _dtype.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )
    out = make(-a._data, a.dtype)
    if wants_grad(a):
        attach(out, NegBackward0(), (a,))
    return out


# ---- pow ------------------------------------------------------------------------------------------
class PowBackward0(Node):
    """tensor ** number"""

    __slots__ = ("exponent",)
    saved_names = ("self",)

    def backward(self, g):
        (a,) = self.saved()
        e = self.exponent
        if e == 0:
            from .creation_ops import zeros_like

            return (zeros_like(a),)
        return (g * (e * pow(a, e - 1)),)

    def backward_raw(self, g):
        (a,) = self.saved()
        e, x = self.exponent, a._data
        if e == 0 or x.dtype != g.dtype or not _plain_number(e):
            return None
        return (g * (_power(x, e - 1, True) * e),)


class PowBackward1(_BinaryNode):
    """tensor ** tensor"""

    saved_names = ("self", "exponent", "result")

    def backward(self, g):
        from .unary import log
        from .selection import where

        a, e, r = self.saved()
        ga = gb = None
        if self.next_functions[0][0] is not None:
            ga = grad_to(g * (e * pow(a, e - 1)), self.a_shape, self.a_dtype)
        if self.next_functions[1][0] is not None:
            # d/de a**e = a**e * log(a), defined as 0 where a == 0 and e >= 0 (torch's convention)
            la = where((a == 0) & (e >= 0), 0.0, log(a)) if (a._data == 0).any() else log(a)
            gb = grad_to(g * (r * la), self.b_shape, self.b_dtype)
        return ga, gb


class PowBackward2(Node):
    """number ** tensor"""

    __slots__ = ("base",)
    saved_names = ("exponent", "result")

    def backward(self, g):
        import math

        e, r = self.saved()
        return (g * (r * math.log(self.base)) if self.base > 0 else g * 0.0,)


@aten("aten::pow")
def pow(a, e):
    if not is_tensor(a):
        return _rpow(e, a)
    if is_tensor(e):
        x, y, dt = operands(a, e)
        _check_int_pow(dt, y)
        out = make(x ** y, dt)
        if wants_grad(a, e):
            node = PowBackward1()._meta(a, e)
            node.save(a, e, out.detach())
            attach(out, node, (a, e))
        return out
    ops = operands(a, e)
    if ops is None:
        return NotImplemented
    x, y, dt = ops
    _check_int_pow(dt, y)
    out = make(_power(x, y, dt.is_floating_point), dt)
    if wants_grad(a):
        node = PowBackward0()
        node.exponent = e
        node.save(a)
        attach(out, node, (a,))
    return out


def _power(x, y, floating):
    """x ** y for an array and a number, the way torch's kernel special-cases squares and square roots."""
    if y == 2:
        return x * x
    if y == 0.5 and floating:
        return xp_of(x).sqrt(x)
    return x ** y


def _check_int_pow(dt, y):
    if not (dt.is_floating_point or dt.is_complex):
        neg = (y < 0) if not isinstance(y, np.ndarray) else bool((y < 0).any())
        if neg:
            raise RuntimeError("Integers to negative integer powers are not allowed.")


def _rpow(a, base):
    """number ** tensor"""
    if not isinstance(base, (int, float, bool, complex, np.generic)):
        return NotImplemented
    x, y, dt = operands(a, base)
    out = make(np.asarray(y, dtype=dt.np) ** x if xp_of(x) is np else xp_of(x).asarray(y, dtype=dt.np) ** x, dt)
    if wants_grad(a):
        node = PowBackward2()
        node.base = base
        node.save(a, out.detach())
        attach(out, node, (a,))
    return out


def rpow(a, base):
    return _rpow(a, base)


def square(a):
    return pow(a, 2)


# ---- comparisons and logic (no gradient) -------------------------------------------------------------
def _compare(npop):
    def op(a, b):
        ops = operands(a, b)
        if ops is None:
            return NotImplemented
        x, y, _ = ops
        return make(npop(x, y), _dtype.bool_)

    return op


eq = aten("aten::eq")(_compare(np.equal))
ne = aten("aten::ne")(_compare(np.not_equal))
lt = aten("aten::lt")(_compare(np.less))
le = aten("aten::le")(_compare(np.less_equal))
gt = aten("aten::gt")(_compare(np.greater))
ge = aten("aten::ge")(_compare(np.greater_equal))


def _logical(npop, name):
    def op(a, b):
        if not is_tensor(a):
            a, b = b, a
        ops = operands(a, b)
        if ops is None:
            return NotImplemented
        x, y, dt = ops
        if dt.is_floating_point or dt.is_complex:
            raise _dtype.not_implemented(f"{npop.__name__}_cpu", dt)
        return make(npop(x, y), dt)

    return op


bitwise_and = _logical(np.bitwise_and, "&")
bitwise_or = _logical(np.bitwise_or, "|")
bitwise_xor = _logical(np.bitwise_xor, "^")


def bitwise_not(a):
    if a.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return make(~a._data, a.dtype)


def logical_not(a):
    return make(np.logical_not(a._data) if xp_of(a._data) is np else xp_of(a._data).logical_not(a._data), _dtype.bool_)


@aten("aten::logical_and")
def logical_and(a, b):
    return make(xp_of(a._data).logical_and(a._data, b._data if is_tensor(b) else b), _dtype.bool_)


@aten("aten::logical_or")
def logical_or(a, b):
    return make(xp_of(a._data).logical_or(a._data, b._data if is_tensor(b) else b), _dtype.bool_)


@aten("aten::logical_xor")
def logical_xor(a, b):
    return make(xp_of(a._data).logical_xor(a._data, b._data if is_tensor(b) else b), _dtype.bool_)


def equal(a, b):
    return a.shape == b.shape and bool((a._data == b._data).all())
