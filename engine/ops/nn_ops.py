"""Neural-network functions: softmax family, losses, linear, dropout, activations."""
import math

import numpy as np

from .. import _dtype
from ..autograd.node import Node
from ._core import aten, attach, make, wants_grad, xp_of
from .backward_ops import log_softmax_backward_data, softmax_backward_data


def _softmax_dim(a, dim):
    if dim is None:
        dim = 0 if a.ndim in (0, 1, 3) else 1
    return a._wrap_dim(dim) if a.ndim else 0


class SoftmaxBackward0(Node):
    __slots__ = ("dim",)
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (softmax_backward_data(g, y, self.dim),)


@aten("aten::softmax")
def softmax(a, dim=None, dtype=None):
    d = _softmax_dim(a, dim)
    data = a._data if dtype is None else a._data.astype(dtype.np)
    xp = xp_of(data)
    m = data.max(axis=d, keepdims=True) if data.size else data
    e = xp.exp(data - m)
    out = make(e / e.sum(axis=d, keepdims=True), dtype or a.dtype)
    if wants_grad(a):
        node = SoftmaxBackward0()
        node.dim = d
        node.save(out.detach())
        attach(out, node, (a,))
    return out


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim",)
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (log_softmax_backward_data(g, y, self.dim),)


@aten("aten::log_softmax")
def log_softmax(a, dim=None, dtype=None):
    d = _softmax_dim(a, dim)
    data = a._data if dtype is None else a._data.astype(dtype.np)
    xp = xp_of(data)
    m = data.max(axis=d, keepdims=True) if data.size else data
    shifted = data - m
    out = make(shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True)), dtype or a.dtype)
    if wants_grad(a):
        node = LogSoftmaxBackward0()
        node.dim = d
        node.save(out.detach())
        attach(out, node, (a,))
    return out


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


class MseLossBackward0(Node):
    __slots__ = ("reduction", "t_shape")
    saved_names = ("self", "target")

    def backward(self, g):
        from ._core import sum_to

        x, t = self.saved()
        diff = x - t
        scale = 2.0 / diff.numel() if self.reduction == "mean" else 2.0
        gx = g * diff * scale
        gt = sum_to(-gx, self.t_shape) if self.next_functions[1][0] is not None else None
        return gx if self.next_functions[0][0] is not None else None, gt


@aten("aten::mse_loss")
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    if input.shape != target.shape:
        import warnings

        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
            "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    xp = xp_of(input._data)
    d = input._data - target._data
    sq = d * d
    if reduction == "mean":
        data = sq.mean()
    elif reduction == "sum":
        data = sq.sum()
    elif reduction == "none":
        data = sq
    else:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    out = make(xp.asarray(data).astype(input._data.dtype), input.dtype)
    if wants_grad(input, target):
        node = MseLossBackward0()
        node.reduction, node.t_shape = reduction, target._data.shape
        node.save(input, target)
        attach(out, node, (input, target))
    return out


class NllLossBackward0(Node):
    __slots__ = ("reduction", "ignore_index", "total_weight", "self_shape")
    saved_names = ("target", "weight")

    def backward(self, g):
        target, weight = self.saved()
        xp = xp_of(g._data)
        tgt = target._data
        valid = tgt != self.ignore_index
        safe = xp.where(valid, tgt, 0)
        w = (weight._data[safe] if weight is not None else xp.ones(tgt.shape, dtype=g._data.dtype)) * valid
        coef = -w
        if self.reduction == "mean":
            coef = coef / self.total_weight
        # d loss / d input as a constant array, applied to g with a tensor op so create_graph can
        # differentiate the gradient with respect to g as well
        gd = xp.zeros(self.self_shape, dtype=g._data.dtype)
        if len(self.self_shape) == 1:
            gd[safe] = coef
        else:
            xp.put_along_axis(gd, xp.expand_dims(safe, 1), xp.expand_dims(coef, 1).astype(gd.dtype), axis=1)
        local = make(gd, g.dtype)
        if g._data.ndim and len(self.self_shape) > 1:
            return (g.unsqueeze(1) * local,)
        return (g * local,)


@aten("aten::nll_loss")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    xp = xp_of(input._data)
    x = input._data
    tgt = target._data
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name.capitalize()}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    valid = tgt != ignore_index
    if ((tgt[valid] < 0) | (tgt[valid] >= n_classes)).any():
        bad = int(tgt[valid][((tgt[valid] < 0) | (tgt[valid] >= n_classes))][0])
        raise IndexError(f"Target {bad} is out of bounds.")
    safe = xp.where(valid, tgt, 0)
    if x.ndim == 1:
        picked = x[safe]
    else:
        picked = xp.take_along_axis(x, np.expand_dims(safe, 1), axis=1).squeeze(1)
    w = weight._data[safe] if weight is not None else xp.ones(tgt.shape, dtype=x.dtype)
    w = (w * valid).astype(x.dtype)
    losses = -picked * w
    total_weight = w.sum()
    if reduction == "mean":
        data = losses.sum() / total_weight
    elif reduction == "sum":
        data = losses.sum()
    elif reduction == "none":
        data = losses
    else:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    out = make(xp.asarray(data).astype(x.dtype), input.dtype)
    if wants_grad(input):
        node = NllLossBackward0()
        node.reduction, node.ignore_index = reduction, ignore_index
        node.total_weight, node.self_shape = float(total_weight), x.shape
        node.save(target, weight)
        attach(out, node, (input,))
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    if target.dtype.is_floating_point:
        # class probabilities
        logp = log_softmax(input, 1 if input.ndim > 1 else 0)
        loss = -(logp * target).sum(1 if input.ndim > 1 else 0)
        return _reduce(loss, reduction)
    return nll_loss(log_softmax(input, 1 if input.ndim > 1 else 0), target, weight, ignore_index=ignore_index,
                    reduction=reduction)


class BinaryCrossEntropyBackward0(Node):
    __slots__ = ("reduction",)
    saved_names = ("self", "target", "weight")

    def backward(self, g):
        x, t, w = self.saved()
        eps = 1e-12
        scale = g / x.numel() if self.reduction == "mean" else g
        if w is not None:
            scale = scale * w
        gx = scale * (x - t) / ((1 - x) * x).clamp(min=eps) if self.next_functions[0][0] is not None else None
        gt = None
        if self.next_functions[1][0] is not None:
            # d/dt of -(t log x + (1 - t) log(1 - x)), with the forward's clamp of the logs at -100
            gt = scale * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))
        return gx, gt


@aten("aten::binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if input.shape != target.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is deprecated. "
            "Please ensure they have the same size."
        )
    xp = xp_of(input._data)
    x, t = input._data, target._data
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    logx = xp.maximum(xp.log(x), -100)
    log1mx = xp.maximum(xp.log1p(-x), -100)
    losses = -(t * logx + (1 - t) * log1mx)
    if weight is not None:
        losses = losses * weight._data
    data = losses.mean() if reduction == "mean" else losses.sum() if reduction == "sum" else losses
    out = make(xp.asarray(data).astype(x.dtype), input.dtype)
    if wants_grad(input, target):
        node = BinaryCrossEntropyBackward0()
        node.reduction = reduction
        node.save(input, target, weight)
        attach(out, node, (input, target))
    return out


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    # max(x,0) - x*t + log(1 + exp(-|x|)), composed from differentiable ops
    loss = input.clamp(min=0) - input * target + (-input.abs()).exp().log1p()
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * ((-input.abs()).exp().log1p() + (-input).clamp(min=0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def linear(input, weight, bias=None):
    """torch's linear: addmm for 2-D input, matmul (+ add) otherwise."""
    from .linalg import addmm, matmul

    if input.ndim == 2 and bias is not None:
        return addmm(bias, input, weight.t())
    if bias is not None and input.ndim > 2:
        flat = input.reshape(-1, input.shape[-1])
        out = addmm(bias, flat, weight.t())
        return out.view(input.shape[:-1] + (weight.shape[0],))
    if bias is not None and input.ndim == 1:
        out = addmm(bias, input.view(1, -1), weight.t())
        return out.view(weight.shape[0])
    return matmul(input, weight.t())


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    from .._random import default_generator

    if p == 1.0:
        return input * 0.0
    mask = default_generator.dropout_mask(input.shape, p, input._data.dtype)
    return input * make(xp_of(input._data).asarray(mask), input.dtype)


class GeluBackward0(Node):
    __slots__ = ("approximate",)
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            inner = k * (x + 0.044715 * x.pow(3))
            th = inner.tanh()
            d = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
            return (g * d,)
        cdf = 0.5 * (1 + (x / math.sqrt(2)).erf())
        pdf = (-(x * x) / 2).exp() / math.sqrt(2 * math.pi)
        return (g * (cdf + x * pdf),)


@aten("aten::gelu")
def gelu(a, approximate="none"):
    from .unary import _erf

    x = a._data
    xp = xp_of(x)
    if approximate == "tanh":
        data = 0.5 * x * (1 + xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    else:
        data = 0.5 * x * (1 + _erf(xp, x / math.sqrt(2)))
    out = make(data.astype(x.dtype), a.dtype)
    if wants_grad(a):
        node = GeluBackward0()
        node.approximate = approximate
        node.save(a)
        attach(out, node, (a,))
    return out


class LeakyReluBackward0(Node):
    __slots__ = ("negative_slope",)
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        from .selection import where

        return (where(x > 0, g, g * self.negative_slope),)


@aten("aten::leaky_relu")
def leaky_relu(a, negative_slope=0.01, inplace=False):
    x = a._data
    out = make(xp_of(x).where(x > 0, x, x * negative_slope).astype(x.dtype), a.dtype)
    if wants_grad(a):
        node = LeakyReluBackward0()
        node.negative_slope = negative_slope
        node.save(a)
        attach(out, node, (a,))
    return out


class SoftplusBackward0(Node):
    __slots__ = ("beta", "threshold")
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        from .selection import where

        z = (x * self.beta).exp()
        return (where(x * self.beta > self.threshold, g, g * z / (z + 1)),)


@aten("aten::softplus")
def softplus(a, beta=1.0, threshold=20.0):
    x = a._data
    xp = xp_of(x)
    bx = x * beta
    data = xp.where(bx > threshold, x, xp.log1p(xp.exp(xp.minimum(bx, threshold))) / beta)
    out = make(data.astype(x.dtype), a.dtype)
    if wants_grad(a):
        node = SoftplusBackward0()
        node.beta, node.threshold = beta, threshold
        node.save(a)
        attach(out, node, (a,))
    return out


def silu(a, inplace=False):
    return a * a.sigmoid()


def elu(a, alpha=1.0, inplace=False):
    from .selection import where

    return where(a > 0, a, (a.exp() - 1) * alpha)


def hardtanh(a, min_val=-1.0, max_val=1.0, inplace=False):
    return a.clamp(min_val, max_val)


def one_hot(t, num_classes=-1):
    n = int(t._data.max()) + 1 if num_classes == -1 else num_classes
    xp = xp_of(t._data)
    return make(xp.eye(n, dtype=np.int64)[t._data], _dtype.int64)
