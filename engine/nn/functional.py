"""torch.nn.functional: activations, softmax family, losses, linear, dropout."""
from ..ops.nn_ops import (binary_cross_entropy, binary_cross_entropy_with_logits, celu, cross_entropy, dropout, elu,
                          gelu, hardsigmoid, hardswish, hardtanh, huber_loss, kl_div, l1_loss, leaky_relu, linear,
                          log_softmax, logsigmoid, mish, mse_loss, nll_loss, one_hot, relu6, selu, silu,
                          smooth_l1_loss, softmax, softmin, softplus, softsign, tanhshrink, threshold)
from ..ops.unary import relu as _relu, sigmoid, tanh
from ..ops.reduction import logsumexp  # noqa: F401  (torch exposes it through torch, handy here too)


def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    num = (x1 * x2).sum(dim)
    return num / (x1.norm(2, dim) * x2.norm(2, dim)).clamp(min=eps)


__all__ = ["relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "linear", "dropout", "gelu", "leaky_relu",
           "softplus", "silu", "elu", "selu", "celu", "hardtanh", "mish", "hardswish", "hardsigmoid", "logsigmoid",
           "softsign", "tanhshrink", "threshold", "softmin", "one_hot", "l1_loss", "smooth_l1_loss", "huber_loss",
           "kl_div", "normalize", "cosine_similarity"]


# normalisation, embedding and padding (engine/ops/norm_ops.py)
from ..ops.norm_ops import batch_norm, embedding, group_norm, layer_norm, pad  # noqa: E402

__all__ += ["layer_norm", "batch_norm", "group_norm", "embedding", "pad"]


# convolution (engine/ops/conv_ops.py)
from ..ops.conv_ops import conv1d, conv2d  # noqa: E402

__all__ += ["conv1d", "conv2d"]

# pooling (engine/ops/pool_ops.py)
from ..ops.pool_ops import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,  # noqa: E402
                            adaptive_max_pool1d_with_indices, adaptive_max_pool2d, adaptive_max_pool2d_with_indices,
                            avg_pool1d, avg_pool2d, max_pool1d, max_pool1d_with_indices, max_pool2d,
                            max_pool2d_with_indices)

__all__ += ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
            "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
            "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices"]

# channel-wise dropout and prelu (engine/nn/extra_functional.py)
from .extra_functional import dropout1d, dropout2d, dropout3d, prelu  # noqa: E402

__all__ += ["dropout1d", "dropout2d", "dropout3d", "prelu"]
