"""torch.nn.functional's channel-wise dropout (dropout1d/2d/3d) and prelu, as ATen composes them."""
import warnings

from ..autograd.node import Node
from ..ops._core import attach, make, sum_to, wants_grad, xp_of
from ..ops.creation_ops import zeros
from ..ops.inplace import _type_name
from ..ops.selection import where


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input, p, training, inplace, batched=True):
    """ATen's feature_dropout(_): one bernoulli_(1 - p) draw per (sample, channel) on an (N, C, 1, ...) noise
    tensor, divided by 1 - p, multiplied into the input (p == 1: times a zero scalar, drawing nothing).
    batched=False: input has no batch dim; torch gives it one first and takes it off after."""
    if not batched and not inplace:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    if p == 0 or not training or input.numel() == 0:
        return input
    shape = input.shape if batched else (1,) + input.shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1:
        noise = zeros((), dtype=input.dtype)
    else:
        from .._random import default_generator

        mask = default_generator.dropout_mask(shape[:2] + (1,) * (len(shape) - 2), p, input._data.dtype)
        noise = make(xp_of(input._data).asarray(mask if batched else mask[0]), input.dtype)
    # in place without a batch dim, torch unsqueeze_s the input; the noise without its batch dim of one
    # multiplies the same values in
    return input.mul_(noise) if inplace else input * noise


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability p, scaling the rest by 1 / (1 - p)."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, H, W) input; torch treats a 3-D input as (N, C, L), with a warning."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d "
            "instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, D, H, W) or (C, D, H, W) input."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2)
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 5)


class PreluKernelBackward0(Node):
    """d/dself: grad where self > 0, else weight·grad; d/dweight: self·grad where self <= 0, summed to
    weight's (broadcast) shape. Built from differentiable ops, so a second derivative follows."""

    __slots__ = ()
    saved_names = ("self", "weight")

    def backward(self, g):
        x, w = self.saved()
        positive = x > 0
        grad_self = where(positive, g, w * g)
        grad_weight = sum_to(where(positive, zeros((), dtype=x.dtype), x * g), w.shape)
        return grad_self, grad_weight


def _prelu_kernel(x, w):
    """ATen's _prelu_kernel: x where x > 0, else w·x (w already broadcasts against x)."""
    xp = xp_of(x._data)
    out = make(xp.where(x._data > 0, x._data, w._data * x._data).astype(x._data.dtype, copy=False), x.dtype)
    if wants_grad(x, w):
        node = PreluKernelBackward0()
        node.save(x, w)
        attach(out, node, (x, w))
    return out


def prelu(input, weight):
    """max(0, x) + weight·min(0, x), weight one value or one per channel (dim 1)."""
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_type_name(input.dtype)} and "
                           f"{_type_name(weight.dtype)}")
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim > 1 else 1
        if channels != weight.numel():
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {channels}.")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if input.ndim != weight.ndim:
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = weight.numel()
        weight = weight.reshape(shape)
    return _prelu_kernel(input, weight)

