"""Backward formulas that torch runs as ops of their own: `aten::tanh_backward` and its kin.

An activation's backward calls one of these instead of composing mul/sub, as torch does, so the
profiler shows torch's rows during backward and a second-order graph shows torch's nodes
(`TanhBackwardBackward0`, `ThresholdBackwardBackward0`, ...). Each is differentiable in both of
its tensor arguments, the incoming gradient and the saved value.
"""
from ..autograd.node import Node
from ._core import aten, attach, make, wants_grad, xp_of


def _exp(data):
    return xp_of(data).exp(data)


def _backward_op(aten_name, node_class, compute):
    """An op `fn(grad, saved, dim=None)` computing `compute(grad_array, saved_array, dim)`.

    Differentiable through node_class, which keeps what its `saved_names` list (the incoming
    gradient too, or only the saved value) and the softmax family's `dim`.
    """
    keeps_grad = "grad_output" in node_class.saved_names

    @aten(aten_name)
    def op(grad, saved, dim=None):
        out = make(_as(grad, compute(grad._data, saved._data, dim)), grad.dtype)
        if wants_grad(grad, saved):
            node = node_class()
            if dim is not None:
                node.dim = dim
            node.save(*((grad, saved) if keeps_grad else (saved,)))
            attach(out, node, (grad, saved))
        return out

    op.__name__ = aten_name.split("::")[1]
    return op


def _as(grad, data):
    """data in grad's dtype (a float64 saved value must not widen a float32 gradient)."""
    return data if data.dtype == grad._data.dtype else data.astype(grad._data.dtype)


class _BackwardOfBackward(Node):
    __slots__ = ()
    saved_names = ("grad_output", "output")


class TanhBackwardBackward0(_BackwardOfBackward):
    """grad * (1 - y²): d/dgrad = 1 - y², d/dy = -2·grad·y."""

    __slots__ = ()

    def backward(self, gg):
        grad, y = self.saved()
        return tanh_backward(gg, y), gg * grad * y * -2


class SigmoidBackwardBackward0(_BackwardOfBackward):
    """grad · (1 - y) · y: d/dgrad = (1 - y)·y, d/dy = grad·(1 - 2y)."""

    __slots__ = ()

    def backward(self, gg):
        grad, y = self.saved()
        return sigmoid_backward(gg, y), gg * grad * (1 - 2 * y)


class ThresholdBackwardBackward0(Node):
    """grad where the saved value > 0, else 0 (relu's backward): d/dgrad is the same mask, d/dsaved is zero."""

    __slots__ = ()
    saved_names = ("self",)

    def backward(self, gg):
        from .creation_ops import zeros_like

        (kept,) = self.saved()
        return threshold_backward(gg, kept), zeros_like(gg)


tanh_backward = _backward_op("aten::tanh_backward", TanhBackwardBackward0, lambda g, y, d: g * (1 - y * y))
sigmoid_backward = _backward_op("aten::sigmoid_backward", SigmoidBackwardBackward0,
                                lambda g, y, d: g * ((1 - y) * y))
# grad where relu's result > 0, else 0
threshold_backward = _backward_op("aten::threshold_backward", ThresholdBackwardBackward0,
                                  lambda g, kept, d: g * (kept > 0))


class SoftmaxBackwardDataBackward0(_BackwardOfBackward):
    """y·(grad - Σ grad·y): d/dgrad = y·(gg - Σ gg·y), d/dy = gg·(grad - Σ grad·y) - grad·Σ gg·y."""

    __slots__ = ("dim",)

    def backward(self, gg):
        grad, y = self.saved()
        d = self.dim
        return (softmax_backward_data(gg, y, d),
                gg * (grad - (grad * y).sum(d, keepdim=True)) - grad * (gg * y).sum(d, keepdim=True))


class LogSoftmaxBackwardDataBackward0(_BackwardOfBackward):
    """grad - exp(y)·Σ grad: d/dgrad = gg - Σ gg·exp(y), d/dy = -gg·exp(y)·Σ grad."""

    __slots__ = ("dim",)

    def backward(self, gg):
        grad, y = self.saved()
        d = self.dim
        p = y.exp()
        return gg - (gg * p).sum(d, keepdim=True), -(gg * p) * grad.sum(d, keepdim=True)


softmax_backward_data = _backward_op(
    "aten::_softmax_backward_data", SoftmaxBackwardDataBackward0,
    lambda g, y, d: y * (g - (g * y).sum(axis=d, keepdims=True)))
log_softmax_backward_data = _backward_op(
    "aten::_log_softmax_backward_data", LogSoftmaxBackwardDataBackward0,
    lambda g, y, d: g - _exp(y) * g.sum(axis=d, keepdims=True))
