"""torch.nn.functional: activations, softmax family, losses, linear, dropout."""
from ..ops.nn_ops import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, dropout, elu,
                          gelu, hardtanh, leaky_relu, linear, log_softmax, mse_loss, nll_loss, one_hot, silu,
                          softmax, softplus)
from ..ops.unary import relu as _relu, sigmoid, tanh
from ..ops.reduction import logsumexp  # noqa: F401  (torch exposes it through torch, handy here too)


def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def relu6(input, inplace=False):
    return input.clamp(0.0, 6.0)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    from ..ops.nn_ops import _reduce

    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    from ..ops.nn_ops import _reduce
    from ..ops.selection import where

    d = (input - target).abs()
    return _reduce(where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    num = (x1 * x2).sum(dim)
    return num / (x1.norm(2, dim) * x2.norm(2, dim)).clamp(min=eps)


__all__ = ["relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "linear", "dropout", "gelu", "leaky_relu",
           "softplus", "silu", "elu", "hardtanh", "one_hot", "l1_loss", "smooth_l1_loss", "normalize",
           "cosine_similarity"]
