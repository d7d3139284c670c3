"""Backward formulas that torch runs as ops of their own: `aten::tanh_backward` and its kin.

An activation's backward calls one of these instead of composing mul/sub, as torch does, so the
profiler shows torch's rows during backward and a second-order graph shows torch's nodes
(`TanhBackwardBackward0`, `ThresholdBackwardBackward0`, ...). Each is differentiable in both of
its tensor arguments, the incoming gradient and the saved value.
"""
import math

from ..autograd.node import Node
from ._core import aten, attach, make, wants_grad, xp_of


def _exp(data):
    return xp_of(data).exp(data)


def _backward_op(aten_name, node_class, compute, *, edges=None, defaults=None):
    """An op `fn(grad, *saved, **params)` computing `compute(grad_array, *saved_arrays, **params)`.

    Differentiable through node_class, which keeps what its `saved_names` list (the incoming
    gradient too, or only the saved values) and each param as an attribute of its own (the softmax
    family's `dim`, leaky_relu's `negative_slope`, a loss's `reduction`, ...). `edges`: how many of
    the leading tensor arguments are differentiable (log_sigmoid's buffer is not); `defaults`: params
    a caller may leave out (relu's threshold 0).
    """
    keeps_grad = "grad_output" in node_class.saved_names

    def on_arrays(grad, *saved, **params):
        """The op on bare arrays, for raw backward formulas (Node.backward_raw): the same bits."""
        if defaults is not None:
            params = {**defaults, **params}
        data = compute(grad, *saved, **params)
        # in grad's dtype: a float64 saved value must not widen a float32 gradient
        return data if data.dtype == grad.dtype else data.astype(grad.dtype)

    @aten(aten_name)
    def op(grad, *saved, **params):
        if defaults is not None:
            params = {**defaults, **params}
        out = make(on_arrays(grad._data, *[s._data for s in saved], **params), grad.dtype)
        inputs = (grad,) + saved
        if edges is not None:
            inputs = inputs[:edges]
        if wants_grad(*inputs):
            node = node_class()
            for name, value in params.items():
                setattr(node, name, value)
            node.save(*((grad,) + saved if keeps_grad else saved))
            attach(out, node, inputs)
        return out

    op.__name__ = aten_name.split("::")[1]
    op.on_arrays = on_arrays
    return op


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
    """grad where the saved value > threshold, else 0 (relu's and threshold's backward): d/dgrad is the same mask,
    d/dsaved is zero."""

    __slots__ = ("threshold",)
    saved_names = ("self",)

    def backward(self, gg):
        from .creation_ops import zeros_like

        (kept,) = self.saved()
        return threshold_backward(gg, kept, threshold=self.threshold), zeros_like(gg)


tanh_backward = _backward_op("aten::tanh_backward", TanhBackwardBackward0, lambda g, y: g * (1 - y * y))
sigmoid_backward = _backward_op("aten::sigmoid_backward", SigmoidBackwardBackward0,
                                lambda g, y: g * ((1 - y) * y))
# grad where the saved value > threshold, else 0 (relu passes its result and threshold 0)
threshold_backward = _backward_op("aten::threshold_backward", ThresholdBackwardBackward0,
                                  lambda g, kept, threshold: xp_of(g).where(kept > threshold, g, 0),
                                  defaults={"threshold": 0})


class SoftmaxBackwardDataBackward0(_BackwardOfBackward):
    """y·(grad - Σ grad·y): d/dgrad = y·(gg - Σ gg·y), d/dy = gg·(grad - Σ grad·y) - grad·Σ gg·y."""

    __slots__ = ("dim",)

    def backward(self, gg):
        grad, y = self.saved()
        d = self.dim
        return (softmax_backward_data(gg, y, dim=d),
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
    lambda g, y, dim: y * (g - (g * y).sum(axis=dim, keepdims=True)))
log_softmax_backward_data = _backward_op(
    "aten::_log_softmax_backward_data", LogSoftmaxBackwardDataBackward0,
    lambda g, y, dim: g - _exp(y) * g.sum(axis=dim, keepdims=True))


# ---- activations with a parameter and losses -------------------------------------------------------------
# torch keeps a loss's reduction as its enum: 0 'none', 1 'mean', 2 'sum'
MEAN = 1


def _zeros(gg):
    from .creation_ops import zeros_like

    return zeros_like(gg)


def _mask(cond, like):
    """A comparison as a float tensor of like's dtype (torch's `.type_as(grad)`)."""
    return cond.to(like.dtype)


def _wanted(node, i):
    return node.next_functions[i][0] is not None


def _to_grad_shape(g, grad):
    """A loss's gradient for its incoming gradient, summed to that gradient's shape (a 0-d one for 'mean')."""
    from ._core import sum_to

    return sum_to(g, grad._data.shape)


class LeakyReluBackwardBackward0(Node):
    """slope-scaled grad where self <= 0: d/dgrad is the same, d/dself is zero."""

    __slots__ = ("negative_slope",)
    saved_names = ("self",)

    def backward(self, gg):
        (x,) = self.saved()
        return leaky_relu_backward(gg, x, negative_slope=self.negative_slope), _zeros(gg)


class HardtanhBackwardBackward0(Node):
    """grad inside (min_val, max_val), else 0: d/dgrad is the same mask, d/dself is zero."""

    __slots__ = ("min_val", "max_val")
    saved_names = ("self",)

    def backward(self, gg):
        (x,) = self.saved()
        return hardtanh_backward(gg, x, min_val=self.min_val, max_val=self.max_val), _zeros(gg)


class GeluBackwardBackward0(Node):
    """grad·gelu'(x): d/dgrad = gelu'(x), d/dx = grad·gelu''(x) (torch's gelu_double_backward)."""

    __slots__ = ("approximate",)
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        grad, x = self.saved()
        gx = _gelu_double_backward(gg, grad, x, self.approximate) if _wanted(self, 1) else None
        return gelu_backward(gg, x, approximate=self.approximate), gx


def _gelu_double_backward(ggi, go, x, approximate):
    if approximate == "tanh":
        beta, kappa = math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5, 0.044715
        inner = beta * (x + kappa * x.pow(3))
        tanh_inner = inner.tanh()
        sech_inner = 1 / inner.cosh()
        f = 0.5 * x
        g = 1 - tanh_inner * tanh_inner
        h = beta * (1 + 3 * kappa * x * x)
        f_prime_gh = 0.5 * g * h
        g_prime = (2 * sech_inner) * (-sech_inner * tanh_inner) * h
        g_prime_fh = f * h * g_prime
        h_prime_fg = f * g * (6 * kappa * x * beta)
        return ggi * go * (f_prime_gh + f_prime_gh + g_prime_fh + h_prime_fg)
    beta = (2 / math.sqrt(math.pi)) * math.sqrt(0.5) * 0.5
    x_sq = x * x
    pdf = beta * (-0.5 * x_sq).exp()
    return ggi * go * (2 * pdf - x_sq * pdf)


class SoftplusBackwardBackward0(Node):
    """grad·σ(βx) below the threshold: d/dgrad = the same, d/dx = grad·β·σ'(βx) below it."""

    __slots__ = ("beta", "threshold")
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        grad, x = self.saved()
        gx = None
        if _wanted(self, 1):
            bx = x * self.beta
            gx = sigmoid_backward(gg * grad, bx.sigmoid()) * _mask(bx < self.threshold, gg) * self.beta
        return softplus_backward(gg, x, beta=self.beta, threshold=self.threshold), gx


class EluBackwardBackward0(Node):
    """elu/selu/celu's backward: d/dgrad is elu_backward again, d/dx torch's elu_double_backward."""

    __slots__ = ("alpha", "scale", "input_scale", "is_result")
    saved_names = ("grad_output", "self_or_result")

    def backward(self, gg):
        grad, x = self.saved()
        kw = {"alpha": self.alpha, "scale": self.scale, "input_scale": self.input_scale, "is_result": self.is_result}
        gx = None
        if _wanted(self, 1):
            neg = _mask(x < 0, gg)
            if self.is_result:
                gx = gg * grad * self.input_scale * neg
            else:
                gx = elu_backward(gg * grad * self.input_scale, x, **kw) * neg
        return elu_backward(gg, x, **kw), gx


class HardswishBackwardBackward0(Node):
    """grad·(x/3 + ½) on [-3, 3]: d/dgrad = the same, d/dx = grad/3 strictly inside."""

    __slots__ = ()
    saved_names = ("grad_output", "self")

    def backward(self, gg):
        from .selection import where

        grad, x = self.saved()
        gx = where((x > -3) & (x < 3), gg * grad / 3.0, 0.0) if _wanted(self, 1) else None
        return hardswish_backward(gg, x), gx


class LogSigmoidBackwardBackward0(Node):
    """grad·σ(-x): d/dgrad = the same, d/dx = grad·(σ(x) - 1)·σ(x); the buffer has no gradient."""

    __slots__ = ()
    saved_names = ("grad_output", "self", "buffer")

    def backward(self, gg):
        grad, x, buffer = self.saved()
        gx = None
        if _wanted(self, 1):
            z = x.sigmoid()
            gx = gg * grad * (z - 1) * z
        return log_sigmoid_backward(gg, x, buffer), gx


class _PointwiseLossBackwardBackward(Node):
    """A loss's backward (mse, smooth L1, Huber): d/dgrad is the loss's backward again (summed to grad's
    shape), d/dself = gg·grad·loss''(self - target) and d/dtarget its negative."""

    __slots__ = ("reduction",)
    saved_names = ("grad_output", "self", "target")
    first = None  # the loss's backward op

    def backward(self, gg):
        grad, x, t = self.saved()
        params = self.params()
        d_grad = _to_grad_shape(type(self).first(gg, x, t, **params), grad) if _wanted(self, 0) else None
        d_self = d_target = None
        if _wanted(self, 1) or _wanted(self, 2):
            second = self.second(gg * grad, x, t)
            if self.reduction == MEAN:
                second = second / x.numel()
            d_self = second if _wanted(self, 1) else None
            d_target = -second if _wanted(self, 2) else None
        return d_grad, d_self, d_target


class MseLossBackwardBackward0(_PointwiseLossBackwardBackward):
    __slots__ = ()

    def params(self):
        return {"reduction": self.reduction}

    def second(self, g, x, t):
        return 2 * g


class SmoothL1LossBackwardBackward0(_PointwiseLossBackwardBackward):
    __slots__ = ("beta",)

    def params(self):
        return {"reduction": self.reduction, "beta": self.beta}

    def second(self, g, x, t):
        if self.beta == 0.0:
            return _zeros(g)
        return g * _mask((x - t).abs() < self.beta, g) / self.beta


class HuberLossBackwardBackward0(_PointwiseLossBackwardBackward):
    __slots__ = ("delta",)

    def params(self):
        return {"reduction": self.reduction, "delta": self.delta}

    def second(self, g, x, t):
        return g * _mask((x - t).abs() < self.delta, g)


def _elu_backward(g, x, alpha, scale, input_scale, is_result):
    xp = xp_of(x)
    neg = x <= 0
    if is_result:
        return xp.where(neg, g * input_scale * (x + alpha * scale), g * scale)
    return xp.where(neg, g * input_scale * (alpha * scale) * xp.exp(xp.minimum(x, 0) * input_scale), g * scale)


def _gelu_backward(g, x, approximate):
    from .unary import _erf

    xp = xp_of(x)
    if approximate == "tanh":
        beta, kappa = math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5, 0.044715
        x_sq = x * x
        tanh_inner = xp.tanh(beta * (x + kappa * x_sq * x))
        left_derivative = 0.5 * (1 + tanh_inner)
        right_derivative = 0.5 * x * (1 - tanh_inner * tanh_inner) * beta * (1 + 3 * kappa * x_sq)
        return g * (left_derivative + right_derivative)
    cdf = 0.5 * (1 + _erf(xp, x * math.sqrt(0.5)))
    pdf = xp.exp(-0.5 * x * x) * ((2 / math.sqrt(math.pi)) * math.sqrt(0.5) * 0.5)
    return g * (cdf + x * pdf)


def _softplus_backward(g, x, beta, threshold):
    xp = xp_of(x)
    bx = x * beta
    z = xp.exp(xp.minimum(bx, threshold))
    return xp.where(bx > threshold, g, g * z / (z + 1))


def _log_sigmoid_backward(g, x, buffer):
    xp = xp_of(x)
    neg = x < 0
    sign = xp.where(neg, 1, -1).astype(x.dtype)
    return (neg.astype(x.dtype) - sign * (buffer / (1 + buffer))) * g


def _loss_norm(x, reduction):
    return 1.0 / x.size if reduction == MEAN else 1.0


def _smooth_l1_backward(g, x, t, reduction, beta):
    xp = xp_of(x)
    d = x - t
    norm = _loss_norm(x, reduction)
    return xp.where(d <= -beta, -norm * g, xp.where(d >= beta, norm * g, norm * d * g / beta))


def _huber_backward(g, x, t, reduction, delta):
    xp = xp_of(x)
    d = x - t
    norm = _loss_norm(x, reduction)
    return xp.where(d <= -delta, -norm * g * delta, xp.where(d >= delta, norm * g * delta, norm * d * g))


leaky_relu_backward = _backward_op("aten::leaky_relu_backward", LeakyReluBackwardBackward0,
                                   lambda g, x, negative_slope: xp_of(x).where(x > 0, g, g * negative_slope))
# torch's test is "outside or on a bound gives 0", so a NaN input passes its gradient through
hardtanh_backward = _backward_op("aten::hardtanh_backward", HardtanhBackwardBackward0,
                                 lambda g, x, min_val, max_val: xp_of(x).where((x <= min_val) | (x >= max_val), 0, g))
gelu_backward = _backward_op("aten::gelu_backward", GeluBackwardBackward0, _gelu_backward)
softplus_backward = _backward_op("aten::softplus_backward", SoftplusBackwardBackward0, _softplus_backward)
elu_backward = _backward_op("aten::elu_backward", EluBackwardBackward0, _elu_backward)
hardswish_backward = _backward_op(
    "aten::hardswish_backward", HardswishBackwardBackward0,
    lambda g, x: xp_of(x).where(x < -3, 0, xp_of(x).where(x <= 3, g * (x / 3 + 0.5), g)))
log_sigmoid_backward = _backward_op("aten::log_sigmoid_backward", LogSigmoidBackwardBackward0, _log_sigmoid_backward,
                                    edges=2)
mse_loss_backward = _backward_op("aten::mse_loss_backward", MseLossBackwardBackward0,
                                 lambda g, x, t, reduction: (x - t) * (2.0 * _loss_norm(x, reduction)) * g)
smooth_l1_loss_backward = _backward_op("aten::smooth_l1_loss_backward", SmoothL1LossBackwardBackward0,
                                       _smooth_l1_backward)
huber_loss_backward = _backward_op("aten::huber_loss_backward", HuberLossBackwardBackward0, _huber_backward)
MseLossBackwardBackward0.first = staticmethod(mse_loss_backward)
SmoothL1LossBackwardBackward0.first = staticmethod(smooth_l1_loss_backward)
HuberLossBackwardBackward0.first = staticmethod(huber_loss_backward)
