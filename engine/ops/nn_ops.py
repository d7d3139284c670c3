"""Neural-network functions: softmax family, losses, linear, dropout, activations."""
import math
import warnings

import numpy as np

from .. import _dtype
from ..autograd.node import Node, NotImplementedNode
from .._grad_mode import GRAD
from ._core import as_uint64, aten, attach, broadcast_message, is_tensor, make, wants_grad, xp_of
from .._warn import warn_user
from .validate import BOOL, NOT_FLOATING, not_implemented, refuse, refuses
from .backward_ops import (elu_backward, gelu_backward, hardswish_backward, hardtanh_backward, huber_loss_backward,
                           leaky_relu_backward, log_sigmoid_backward, log_softmax_backward_data, mse_loss_backward,
                           smooth_l1_loss_backward, softmax_backward_data, softplus_backward, threshold_backward)


def _implicit_dim(name, ndim, stacklevel):
    """torch's deprecated choice of dim for the softmax family called without one, with its warning
    (stacklevel: frames from here to the caller's line)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", UserWarning, stacklevel=stacklevel + 1)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_dim(a, dim, name):
    """(the dim as given, or torch's implicit choice; that dim wrapped)"""
    if dim is None:
        dim = _implicit_dim(name, a.ndim, 5)  # here, _softmax_family, the op, its profiler wrapper, the caller
    return dim, (a._wrap_dim(dim) if a.ndim else 0)


class SoftmaxBackward0(Node):
    __slots__ = ("dim", "_dim")  # dim: as given (negative wrapped to uint64); _dim: wrapped
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (softmax_backward_data(g, y, dim=self._dim),)

    def backward_raw(self, g):
        (y,) = self.saved()
        return (softmax_backward_data.on_arrays(g, y._data, dim=self._dim),)


def _softmax_family(a, dim, dtype, name, node_class, from_shifted):
    """softmax or log_softmax along dim: `from_shifted(xp, x - max, d)` computes the result from
    inputs shifted by their maximum (no overflow); node_class keeps the result and the dim."""
    dim, d = _softmax_dim(a, dim, name)
    dt = dtype or a.dtype
    if dt in NOT_FLOATING:
        raise not_implemented(f"{name}_lastdim_kernel_impl" if d == a.ndim - 1 or a.ndim == 0 else f"{name}_kernel_impl",
                              dt)
    data = a._data if dtype is None else a._data.astype(dtype.np)
    xp = xp_of(data)
    m = data.max(axis=d, keepdims=True) if data.size else data
    out = make(from_shifted(xp, data - m, d), dtype or a.dtype)
    if wants_grad(a):
        node = node_class()
        node.dim, node._dim = as_uint64(dim), d
        node.save(out.detach())
        attach(out, node, (a,))
    return out


@aten("aten::softmax")
def softmax(a, dim=None, dtype=None):
    return _softmax_family(a, dim, dtype, "softmax", SoftmaxBackward0, _softmax_of_shifted)


def _softmax_of_shifted(xp, shifted, d):
    e = xp.exp(shifted)
    return e / e.sum(axis=d, keepdims=True)


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim", "_dim")  # as SoftmaxBackward0's
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (log_softmax_backward_data(g, y, dim=self._dim),)

    def backward_raw(self, g):
        (y,) = self.saved()
        return (log_softmax_backward_data.on_arrays(g, y._data, dim=self._dim),)


@aten("aten::log_softmax")
def log_softmax(a, dim=None, dtype=None):
    return _softmax_family(a, dim, dtype, "log_softmax", LogSoftmaxBackward0, _log_softmax_of_shifted)


def _log_softmax_of_shifted(xp, shifted, d):
    return shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True))


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def legacy_reduction(size_average, reduce):
    """The reduction the deprecated size_average / reduce pair stands for, with torch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warn_user(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.")
    return reduction


def _reduction_enum(reduction):
    """torch's enum for a reduction name (what a loss node keeps as `_saved_reduction`)."""
    try:
        return _REDUCTIONS[reduction]
    except (KeyError, TypeError):
        raise ValueError(f"{reduction} is not a valid value for reduction") from None


def _reduce_data(xp, losses, enum, dt):
    data = losses.mean() if enum == 1 else losses.sum() if enum == 2 else losses
    return make(xp.asarray(data).astype(dt.np), dt)


def _broadcast_pair(input, target):
    """torch.broadcast_tensors for a pointwise loss, with torch's warning when the sizes differ."""
    if input.size() == target.size():  # size(), as torch calls it: its AttributeError for a non-tensor
        return input, target

    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
        "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(broadcast_message((input, target))) from None
    return input.expand(*shape), target.expand(*shape)


class _PointwiseLossBackward(Node):
    """mse / smooth L1 / Huber: the loss's backward op for self, the same op with self and target swapped
    for target (as torch's derivatives.yaml writes it)."""

    __slots__ = ("reduction",)
    saved_names = ("self", "target")
    first = None

    def backward(self, g):
        x, t = self.saved()
        first, params = type(self).first, self.params()
        gx = first(g, x, t, **params) if self.next_functions[0][0] is not None else None
        gt = first(g, t, x, **params) if self.next_functions[1][0] is not None else None
        return gx, gt


class MseLossBackward0(_PointwiseLossBackward):
    __slots__ = ()
    first = staticmethod(mse_loss_backward)

    def params(self):
        return {"reduction": self.reduction}


class SmoothL1LossBackward0(_PointwiseLossBackward):
    __slots__ = ("beta",)
    first = staticmethod(smooth_l1_loss_backward)

    def params(self):
        return {"reduction": self.reduction, "beta": self.beta}


class HuberLossBackward0(_PointwiseLossBackward):
    __slots__ = ("delta",)
    first = staticmethod(huber_loss_backward)

    def params(self):
        return {"reduction": self.reduction, "delta": self.delta}


def _pointwise_loss(input, target, node, losses, reduction):
    enum = _reduction_enum(reduction)
    out = _reduce_data(xp_of(input._data), losses, enum, input.dtype)
    if wants_grad(input, target):
        node = node()
        node.reduction = enum
        node.save(input, target)
        attach(out, node, (input, target))
        return out, node
    return out, None


@aten("aten::mse_loss")
@refuses(NOT_FLOATING, "mse_cpu")
def _mse_loss(input, target, reduction):
    d = input._data - target._data
    return _pointwise_loss(input, target, MseLossBackward0, d * d, reduction)[0]


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    input, target = _broadcast_pair(input, target)
    return _mse_loss(input, target, reduction)


@aten("aten::smooth_l1_loss")
@refuses(NOT_FLOATING, "smooth_l1_cpu")
def _smooth_l1_loss(input, target, reduction, beta):
    xp = xp_of(input._data)
    z = xp.abs(input._data - target._data)
    losses = xp.where(z < beta, 0.5 * z * z / beta if beta else z, z - 0.5 * beta)
    out, node = _pointwise_loss(input, target, SmoothL1LossBackward0, losses, reduction)
    if node is not None:
        node.beta = beta
    return out


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    input, target = _broadcast_pair(input, target)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return _smooth_l1_loss(input, target, reduction, beta)


@aten("aten::huber_loss")
@refuses(NOT_FLOATING, "huber_cpu")
def _huber_loss(input, target, reduction, delta):
    xp = xp_of(input._data)
    z = xp.abs(input._data - target._data)
    losses = xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    out, node = _pointwise_loss(input, target, HuberLossBackward0, losses, reduction)
    if node is not None:
        node.delta = delta
    return out


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _broadcast_pair(input, target)
    if weight is None:
        return _huber_loss(input, target, reduction, delta)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    return _reduce(_huber_loss(input, target, "none", delta) * weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    input, target = _broadcast_pair(input, target)
    return _reduce((input - target).abs(), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch's composite: target·(log target - input) summed as asked ('batchmean' divides by the batch)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction == "mean":
        import warnings

        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    from .selection import where

    if log_target:
        losses = target.exp() * (target - input)
    else:
        # xlogy(target, target): 0 where target is 0
        safe = where(target > 0, target, 1.0) if target.requires_grad else make(
            xp_of(target._data).where(target._data > 0, target._data, 1), target.dtype)
        losses = target * safe.log() - target * input
    if reduction == "batchmean":
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(losses, reduction)


# torch's Reduction enum, as a node's saved `reduction` shows it
_REDUCTION_CODES = {"none": 0, "mean": 1, "sum": 2}


class NllLossBackward0(Node):
    # as torch keeps them: ignore_index as a uint64 (-100 -> 18446744073709551516), reduction as its
    # enum value, total_weight as a 0-d tensor
    __slots__ = ("reduction", "ignore_index")
    saved_names = ("self", "target", "total_weight", "weight")

    def backward(self, g):
        inp, target, total_weight, weight = self.saved()
        xp = xp_of(g._data)
        tgt = target._data
        ignore_index = self.ignore_index - (1 << 64) if self.ignore_index >= 1 << 63 else self.ignore_index
        valid = tgt != ignore_index
        safe = xp.where(valid, tgt, 0)
        w = (weight._data[safe] if weight is not None else xp.ones(tgt.shape, dtype=g._data.dtype)) * valid
        coef = -w
        if self.reduction == _REDUCTION_CODES["mean"]:
            coef = coef / total_weight._data
        # d loss / d input as a constant array, applied to g with a tensor op so create_graph can
        # differentiate the gradient with respect to g as well
        shape = inp._data.shape
        gd = xp.zeros(shape, dtype=g._data.dtype)
        if len(shape) == 1:
            gd[safe] = coef
        else:
            xp.put_along_axis(gd, xp.expand_dims(safe, 1), xp.expand_dims(coef, 1).astype(gd.dtype), axis=1)
        local = make(gd, g.dtype)
        if g._data.ndim and len(shape) > 1:
            return (g.unsqueeze(1) * local,)
        return (g * local,)


def _check_nll_arguments(x, tgt, target_dtype, weight):
    """torch's checks of nll_loss's input, target and weight, in torch's order."""
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    batch = tgt.shape[0] if tgt.ndim else 0
    if x.ndim != 1 and x.shape[0] != batch:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({batch}).")
    if x.ndim <= 2:
        if tgt.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim == 1 and tgt.ndim == 1 and x.shape[0] != tgt.shape[0]:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)}, target: {list(tgt.shape)})")
    elif tgt.shape != (x.shape[0],) + x.shape[2:]:
        raise RuntimeError(f"Expected target size {[x.shape[0], *x.shape[2:]]}, got {list(tgt.shape)}")
    if target_dtype is not _dtype.int64 and target_dtype is not _dtype.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target_dtype.scalar_name}")
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")


@aten("aten::nll_loss")
@refuses(NOT_FLOATING, "nll_loss_out_frame")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    xp = xp_of(input._data)
    x = input._data
    tgt = target._data
    _check_nll_arguments(x, tgt, target.dtype, weight)
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
        node.reduction, node.ignore_index = _REDUCTION_CODES[reduction], as_uint64(ignore_index)
        node.save(input, target, make(xp.asarray(total_weight, dtype=x.dtype), input.dtype), weight)
        attach(out, node, (input,))
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
    if input.shape == target.shape:  # class probabilities, as torch tells them from class indices
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{target.dtype.scalar_name}")
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
@refuses(NOT_FLOATING, "binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if input.shape != target.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is deprecated. "
            "Please ensure they have the same size."
        )
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected {input.dtype.scalar_name}")
    xp = xp_of(input._data)
    x, t = input._data, target._data
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if ((t < 0) | (t > 1)).any():
        raise RuntimeError("all elements of target should be between 0 and 1")
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


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """torch's binary_cross_entropy_with_logits_backward and _target_backward, written with tensor ops."""

    __slots__ = ("reduction",)
    saved_names = ("self", "target", "weight", "pos_weight")

    def backward(self, g):
        from .unary import sigmoid

        x, t, w, pw = self.saved()
        gx = gt = None
        if self.next_functions[0][0] is not None:
            if pw is not None:
                pt = pw * t
                gx = (pt + 1 - t) * sigmoid(x) - pt
            else:
                gx = sigmoid(x) - t
            gx = self._scaled(gx * g, w, x)
        if self.next_functions[1][0] is not None:
            gt = logsigmoid(-x) - logsigmoid(x) * pw if pw is not None else -x
            gt = self._scaled(gt * g, w, x)
        return gx, gt

    def _scaled(self, grad, w, x):
        if w is not None:
            grad = grad * w
        return grad / x.numel() if self.reduction == 1 else grad


@aten("aten::binary_cross_entropy_with_logits")
@refuses(NOT_FLOATING, "log_sigmoid_cpu")
def _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    enum = _reduction_enum(reduction)
    xp = xp_of(input._data)
    x, t = input._data, target._data
    log_sigmoid = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight._data - 1) * t + 1)
    losses = (1 - t) * x - log_sigmoid
    if weight is not None:
        losses = losses * weight._data
    out = _reduce_data(xp, losses, enum, input.dtype)
    if wants_grad(input, target):
        node = BinaryCrossEntropyWithLogitsBackward0()
        node.reduction = enum
        node.save(input, target, weight, pos_weight)
        attach(out, node, (input, target))
    return out


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if input.shape != target.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    refuse(target, NOT_FLOATING, _float_result_cast)  # the loss is computed into the target's dtype
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def linear(input, weight, bias=None):
    """torch's linear: addmm for 2-D input (and for contiguous higher-dimensional input, flattened to
    2-D), matmul then an in-place add of the bias otherwise."""
    from .linalg import addmm, matmul

    for position, (name, t) in enumerate((("input", input), ("weight", weight)), 1):
        if not is_tensor(t):
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, not {type(t).__name__}")
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                           f"{weight.ndim}D")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input.dtype.scalar_name} and "
                           f"{weight.dtype.scalar_name}")
    if input.ndim == 2 and bias is not None:
        return addmm(bias, input, weight.t())
    if bias is not None and input.ndim > 2 and input.is_contiguous():
        flat = input.reshape(-1, input.shape[-1])
        out = addmm(bias, flat, weight.t())
        return out.view(input.shape[:-1] + (weight.shape[0],))
    if bias is not None and input.ndim == 1:
        out = addmm(bias, input.view(1, -1), weight.t())
        return out.view(weight.shape[0])
    out = matmul(input, weight.t())
    return out if bias is None else out.add_(bias)


def _float_result_cast(dt):
    return RuntimeError(f"result type Float can't be cast to the desired output type {dt.scalar_name}")


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    refuse(input, NOT_FLOATING, _float_result_cast)
    from .._random import default_generator

    if p == 1.0:
        return input * 0.0
    mask = default_generator.dropout_mask(input.shape, p, input._data.dtype)
    return input * make(xp_of(input._data).asarray(mask), input.dtype)


def _inplace_or(op, a, inplace, *args, inplace_node=None):
    """op(a, *args), or written into a (the functional's `inplace=True`).

    inplace_node: the node class torch gives the in-place form where it differs (LeakyReluBackward1,
    ...). op takes it as `node_class`. One that keeps "result" keeps the overwritten tensor itself,
    so that a later in-place change to it is caught, as torch does.
    """
    if not inplace:
        return op(a, *args)
    from .inplace import apply_inplace

    if inplace_node is None:
        return apply_inplace(a, op, *args)
    out = apply_inplace(a, op, *args, node_class=inplace_node)
    if out.grad_fn.__class__ is inplace_node and inplace_node.saved_names == ("result",):
        out.grad_fn.save(out.detach())
    return out


_INPLACE_NEGATIVE_SLOPE = (
    "In-place {op} backward calculation is triggered with a negative slope which is not supported. This is caused "
    "by calling in-place forward function with a negative slope, please call out-of-place version instead.")


class _ActivationNode(Node):
    """An activation's node: keeps its input, and its settings in its own slots, and runs torch's
    `*_backward` op, `backward_op(grad, input, **settings)`."""

    __slots__ = ()
    saved_names = ("self",)
    backward_op = None

    def backward(self, g):
        (x,) = self.saved()
        return (self.backward_op(g, x, **{name: getattr(self, name) for name in type(self).__slots__}),)


def _activation(a, data, node_class, **params):
    """Wrap an activation's result and, when a needs a gradient, give it node_class keeping a and params."""
    out = make(data if data.dtype == a._data.dtype else data.astype(a._data.dtype), a.dtype)
    if wants_grad(a):
        node = node_class()
        for name, value in params.items():
            setattr(node, name, value)
        node.save(a)
        attach(out, node, (a,))
    return out


class GeluBackward0(_ActivationNode):
    __slots__ = ("approximate",)
    backward_op = staticmethod(gelu_backward)


@aten("aten::gelu")
@refuses(NOT_FLOATING, "GeluKernelImpl")
def gelu(a, approximate="none"):
    from .unary import _erf

    x = a._data
    xp = xp_of(x)
    if approximate == "tanh":
        data = 0.5 * x * (1 + xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    elif approximate == "none":
        data = 0.5 * x * (1 + _erf(xp, x * math.sqrt(0.5)))
    else:
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _activation(a, data, GeluBackward0, approximate=approximate)


class LeakyReluBackward0(_ActivationNode):
    __slots__ = ("negative_slope",)
    backward_op = staticmethod(leaky_relu_backward)


class LeakyReluBackward1(Node):
    """leaky_relu_'s node: the input is gone, so torch keeps the result (same sign as the input)."""

    __slots__ = ("negative_slope",)
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        if self.negative_slope < 0:  # the result's sign no longer tells the input's
            raise RuntimeError(_INPLACE_NEGATIVE_SLOPE.format(op="leakyReLu") + (
                " File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place "
                "leakRelu backward calculation with negative slope"))
        return (leaky_relu_backward(g, y, negative_slope=self.negative_slope),)


@aten("aten::leaky_relu")
@refuses(NOT_FLOATING, "leaky_relu_cpu")
def _leaky_relu(a, negative_slope, node_class=LeakyReluBackward0):
    x = a._data
    return _activation(a, xp_of(x).where(x > 0, x, x * negative_slope), node_class, negative_slope=negative_slope)


def leaky_relu(a, negative_slope=0.01, inplace=False):
    return _inplace_or(_leaky_relu, a, inplace, negative_slope, inplace_node=LeakyReluBackward1)


class SoftplusBackward0(_ActivationNode):
    __slots__ = ("beta", "threshold")
    backward_op = staticmethod(softplus_backward)


@aten("aten::softplus")
@refuses(NOT_FLOATING, "softplus_cpu")
def softplus(a, beta=1.0, threshold=20.0):
    x = a._data
    xp = xp_of(x)
    bx = x * beta
    data = xp.where(bx > threshold, x, xp.log1p(xp.exp(xp.minimum(bx, threshold))) / beta)
    return _activation(a, data, SoftplusBackward0, beta=beta, threshold=threshold)


class EluBackward0(Node):
    __slots__ = ("alpha", "scale", "input_scale")
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        return (elu_backward(g, x, alpha=self.alpha, scale=self.scale, input_scale=self.input_scale, is_result=False),)


class CeluBackward0(Node):
    __slots__ = ("alpha",)
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        # torch takes 1/alpha from alpha as a float32
        input_scale = 1.0 / float(np.float32(self.alpha))
        return (elu_backward(g, x, alpha=self.alpha, scale=1, input_scale=input_scale, is_result=False),)


class EluBackward1(Node):
    """elu_'s (and selu_'s) node: torch keeps the result, from which elu's derivative follows too."""

    __slots__ = ("alpha", "scale", "input_scale")
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (_elu_backward_of_result(g, y, self.alpha, self.scale, self.input_scale),)


class CeluBackward1(Node):
    __slots__ = ("alpha",)
    saved_names = ("result",)

    def backward(self, g):
        (y,) = self.saved()
        return (_elu_backward_of_result(g, y, self.alpha, 1, 1.0 / float(np.float32(self.alpha))),)


def _elu_backward_of_result(g, y, alpha, scale, input_scale):
    if alpha < 0:  # the result's sign no longer tells the input's
        raise RuntimeError(_INPLACE_NEGATIVE_SLOPE.format(op="elu"))
    return elu_backward(g, y, alpha=alpha, scale=scale, input_scale=input_scale, is_result=True)


def _elu_data(x, alpha, scale, input_scale):
    xp = xp_of(x)
    return xp.where(x <= 0, xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale), x * scale)


@aten("aten::elu")
@refuses(NOT_FLOATING, "elu_cpu")
def _elu(a, alpha=1.0, scale=1, input_scale=1, node_class=EluBackward0):
    return _activation(a, _elu_data(a._data, alpha, scale, input_scale), node_class, alpha=alpha, scale=scale,
                       input_scale=input_scale)


def elu(a, alpha=1.0, inplace=False):
    return _inplace_or(_elu, a, inplace, alpha, inplace_node=EluBackward1)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@aten("aten::selu")
@refuses(NOT_FLOATING, "elu_cpu")
def _selu(a, node_class=EluBackward0):
    return _elu(a, _SELU_ALPHA, _SELU_SCALE, 1, node_class=node_class)


def selu(a, inplace=False):
    return _inplace_or(_selu, a, inplace, inplace_node=EluBackward1)


@aten("aten::celu")
@refuses(NOT_FLOATING, "elu_cpu")
def _celu(a, alpha=1.0, node_class=CeluBackward0):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _activation(a, _elu_data(a._data, alpha, 1, 1.0 / alpha), node_class, alpha=alpha)


def celu(a, alpha=1.0, inplace=False):
    return _inplace_or(_celu, a, inplace, alpha, inplace_node=CeluBackward1)


class HardtanhBackward0(_ActivationNode):
    __slots__ = ("min_val", "max_val")
    backward_op = staticmethod(hardtanh_backward)


def _hardtanh_bool(dt):
    return RuntimeError("Bool inputs not supported for hardtanh")


@aten("aten::hardtanh")
def _hardtanh(a, min_val=-1.0, max_val=1.0):
    refuse(a, BOOL, _hardtanh_bool)
    if a.dtype is _dtype.uint8 and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    x = a._data
    xp = xp_of(x)
    return _activation(a, xp.minimum(xp.maximum(x, min_val), max_val), HardtanhBackward0, min_val=min_val,
                       max_val=max_val)


def hardtanh(a, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _inplace_or(_hardtanh, a, inplace, min_val, max_val)


@aten("aten::relu6")
@refuses(BOOL, _hardtanh_bool)
def _relu6(a):
    return _hardtanh(a, 0, 6)


def relu6(a, inplace=False):
    return _inplace_or(_relu6, a, inplace)


class ThresholdBackward0(_ActivationNode):
    __slots__ = ("threshold",)
    backward_op = staticmethod(threshold_backward)


class ThresholdBackward1(_ActivationNode):
    """threshold_'s node: as ThresholdBackward0, over a copy of the input taken before it was overwritten."""

    __slots__ = ("threshold",)
    backward_op = staticmethod(threshold_backward)


@aten("aten::threshold")
@refuses(BOOL, "threshold_cpu")
def _threshold(a, threshold, value, node_class=ThresholdBackward0):
    x = a._data
    return _activation(a, xp_of(x).where(x <= threshold, value, x), node_class, threshold=threshold)


def threshold(a, threshold, value, inplace=False):
    return _inplace_or(_threshold, a, inplace, threshold, value, inplace_node=ThresholdBackward1)


class SiluBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        if GRAD.enabled:
            # torch's infinitely differentiable form when a graph of the gradient is wanted
            s = x.sigmoid()
            return (g * s * (1.0 + x * (1.0 - s)),)
        return (silu_backward(g, x),)


@aten("aten::silu_backward")
def silu_backward(grad, x):
    from .unary import _sigmoid

    xd = x._data
    s = _sigmoid(xp_of(xd), xd)
    return make((grad._data * s * (1 + xd * (1 - s))).astype(grad._data.dtype), grad.dtype)


@aten("aten::silu")
@refuses(NOT_FLOATING, "silu_cpu")
def _silu(a):
    from .unary import _sigmoid

    x = a._data
    return _activation(a, x * _sigmoid(xp_of(x), x), SiluBackward0)


def silu(a, inplace=False):
    return _inplace_or(_silu, a, inplace)


class MishBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        if GRAD.enabled:
            s = x.sigmoid()
            tsp = softplus(x).tanh()
            return (g * (tsp + x * s * (1.0 - tsp * tsp)),)
        return (mish_backward(g, x),)


@aten("aten::mish_backward")
def mish_backward(grad, x):
    from .unary import _sigmoid

    xd = x._data
    xp = xp_of(xd)
    s = _sigmoid(xp, xd)
    tsp = xp.tanh(xp.logaddexp(0, xd))
    return make((grad._data * (tsp + xd * s * (1 - tsp * tsp))).astype(grad._data.dtype), grad.dtype)


@aten("aten::mish")
@refuses(NOT_FLOATING, "mish_cpu")
def _mish(a):
    x = a._data
    xp = xp_of(x)
    return _activation(a, x * xp.tanh(xp.logaddexp(0, x)), MishBackward0)


def mish(a, inplace=False):
    return _inplace_or(_mish, a, inplace)


class HardswishBackward0(_ActivationNode):
    __slots__ = ()
    backward_op = staticmethod(hardswish_backward)


@aten("aten::hardswish")
@refuses(NOT_FLOATING, "hardswish_cpu")
def _hardswish(a):
    x = a._data
    xp = xp_of(x)
    return _activation(a, x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6, HardswishBackward0)


def hardswish(a, inplace=False):
    return _inplace_or(_hardswish, a, inplace)


class HardsigmoidBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):  # hardsigmoid_backward is defined below, with its own node
        (x,) = self.saved()
        return (hardsigmoid_backward(g, x),)


@aten("aten::hardsigmoid_backward")
def hardsigmoid_backward(grad, x):
    xd = x._data
    xp = xp_of(xd)
    out = make(xp.where((xd > -3) & (xd < 3), grad._data / 6, 0).astype(grad._data.dtype), grad.dtype)
    if wants_grad(grad, x):
        # torch has no derivative for hardsigmoid_backward
        attach(out, NotImplementedNode("aten::hardsigmoid_backward"), tuple(t for t in (grad, x) if t.requires_grad))
    return out


@aten("aten::hardsigmoid")
@refuses(NOT_FLOATING, "hardsigmoid_cpu")
def _hardsigmoid(a):
    x = a._data
    xp = xp_of(x)
    return _activation(a, xp.minimum(xp.maximum(x + 3, 0), 6) / 6, HardsigmoidBackward0)


def hardsigmoid(a, inplace=False):
    return _inplace_or(_hardsigmoid, a, inplace)


class LogSigmoidBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "buffer")

    def backward(self, g):
        x, buffer = self.saved()
        return (log_sigmoid_backward(g, x, buffer),)


@aten("aten::log_sigmoid_forward")
def _log_sigmoid_forward(a):
    x = a._data
    xp = xp_of(x)
    z = xp.exp(-xp.abs(x))
    out = make((xp.minimum(x, 0) - xp.log1p(z)).astype(x.dtype), a.dtype)
    buffer = make(z.astype(x.dtype), a.dtype)
    if wants_grad(a):
        node = LogSigmoidBackward0()
        node.save(a, buffer)
        attach(out, node, (a,))
    return out


@aten("aten::log_sigmoid")
@refuses(NOT_FLOATING, "log_sigmoid_cpu")
def logsigmoid(a):
    return _log_sigmoid_forward(a)


def softsign(a):
    return a / (a.abs() + 1)


def tanhshrink(a):
    return a - a.tanh()


def softmin(a, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", a.ndim, 2)
    return softmax(-a, dim, dtype)


def one_hot(t, num_classes=-1):
    if t.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if t._data.size and t._data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if t._data.size and num_classes != -1 and t._data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    n = int(t._data.max()) + 1 if num_classes == -1 else num_classes
    xp = xp_of(t._data)
    return make(xp.eye(n, dtype=np.int64)[t._data], _dtype.int64)
