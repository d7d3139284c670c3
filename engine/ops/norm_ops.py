"""Normalisation, embedding lookup and padding: layer/batch/group norm, embedding, pad.

The norms' backward recomputes the normalised input from the saved input with engine ops (rather
than reusing the saved mean and rstd as constants), so that create_graph differentiates through
the statistics too and double backward is exact.
"""
import numpy as np

from ..autograd.node import Node
from ._core import as_uint64, aten, attach, make, wants_grad, xp_of
from .validate import NOT_FLOATING, refuses

def _moments(data, axes, eps):
    """The input in its accumulation type, and its mean and 1/sqrt(var + eps) over `axes` (kept).

    Half and single precision accumulate in double: torch accumulates these in a wider type too.
    """
    xp = xp_of(data)
    acc = data.astype(xp.float64) if data.dtype.itemsize < 8 else data
    mean = acc.mean(axis=axes, keepdims=True)
    centred = acc - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    return centred, mean, var, 1.0 / xp.sqrt(var + eps)


def _normalized(x, axes, eps):
    """(x - mean) * rstd and rstd over `axes`, as engine ops so that they are differentiable."""
    centred = x - x.mean(axes, keepdim=True)
    rstd = ((centred * centred).mean(axes, keepdim=True) + eps).rsqrt()
    return centred * rstd, rstd


def _normalized_grad(g_xhat, xhat, rstd, axes):
    """The gradient of x given the gradient of xhat = (x - mean(x)) * rstd(x) over `axes`."""
    return rstd * (g_xhat - g_xhat.mean(axes, keepdim=True) - xhat * (g_xhat * xhat).mean(axes, keepdim=True))


def _sum_over(t, dims):
    """t summed over dims; an empty dims tuple leaves t as it is (engine sum reads () as 'all')."""
    return t.sum(dims) if dims else t


def _affine(data, weight, bias, shape):
    """data * weight + bias with weight and bias viewed as `shape`."""
    if weight is not None:
        data = data * weight._data.reshape(shape)
    if bias is not None:
        data = data + bias._data.reshape(shape)
    return data


def _needs(node, i):
    return node.next_functions[i][0] is not None


# ---- layer norm ----------------------------------------------------------------------------------
class NativeLayerNormBackward0(Node):
    __slots__ = ("normalized_shape", "eps")
    unsaved_slots = ("eps",)  # torch keeps no eps: its backward reads the saved rstd
    saved_names = ("input", "weight", "bias", "result1", "result2")

    def backward(self, g):
        x, w, _, _, _ = self.saved()
        k = len(self.normalized_shape)
        axes = tuple(range(x.ndim - k, x.ndim))
        lead = tuple(range(x.ndim - k))
        xhat, rstd = _normalized(x, axes, self.eps)
        gx = _normalized_grad(g * w if w is not None else g, xhat, rstd, axes) if _needs(self, 0) else None
        gw = _sum_over(g * xhat, lead) if _needs(self, 1) else None
        gb = _sum_over(g, lead) if _needs(self, 2) else None
        return gx, gw, gb


@aten("aten::layer_norm")
@refuses(NOT_FLOATING, "LayerNormKernelImpl")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm: normalise over the trailing `normalized_shape` dims."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != ns:
        expected = ", ".join(str(s) for s in ns)
        got = ", ".join(str(s) for s in x.shape)
        raise RuntimeError(f"Given normalized_shape=[{expected}], expected input with shape [*, {expected}], "
                           f"but got input of size[{got}]")
    axes = tuple(range(x.ndim - k, x.ndim))
    centred, mean, _, rstd = _moments(x, axes, eps)
    out = make(_affine(centred * rstd, weight, bias, ns).astype(x.dtype), input.dtype)
    if wants_grad(input, weight, bias):
        node = NativeLayerNormBackward0()
        node.normalized_shape, node.eps = ns, eps
        node.save(input, weight, bias, make(mean.astype(x.dtype), input.dtype), make(rstd.astype(x.dtype), input.dtype))
        attach(out, node, (input, weight, bias))
    return out


# ---- batch norm ----------------------------------------------------------------------------------
class NativeBatchNormBackward0(Node):
    __slots__ = ("eps", "training")
    saved_names = ("input", "weight", "running_mean", "running_var", "result1", "result2")

    def backward(self, g):
        x, w, rm, rv, _, _ = self.saved()
        axes = (0,) + tuple(range(2, x.ndim))
        channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if self.training:
            xhat, rstd = _normalized(x, axes, self.eps)
            g_xhat = g * w.reshape(channel) if w is not None else g
            gx = _normalized_grad(g_xhat, xhat, rstd, axes) if _needs(self, 0) else None
        else:
            # eval mode: the running statistics are constants, so the output is affine in the input
            rstd = (rv + self.eps).rsqrt().reshape(channel)
            xhat = (x - rm.reshape(channel)) * rstd
            scale = rstd * w.reshape(channel) if w is not None else rstd
            gx = g * scale if _needs(self, 0) else None
        gw = (g * xhat).sum(axes) if _needs(self, 1) else None
        gb = g.sum(axes) if _needs(self, 2) else None
        return gx, gw, gb


def _check_batch_size(shape, shown):
    """torch's check that each channel has more than one value to take statistics of; `shown`: the size
    as torch's message prints it."""
    per_channel = shape[0]
    for s in shape[2:]:
        per_channel *= s
    if per_channel == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {shown}")


@aten("aten::batch_norm")
@refuses(NOT_FLOATING, "batch_norm")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm: normalise each channel (dim 1) over the batch and spatial dims.

    In training the batch statistics normalise, and the running statistics (when given) move towards
    them by `momentum`, the variance unbiased; otherwise the running statistics normalise.
    """
    if training:
        _check_batch_size(input.shape, input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    channels = input.shape[1] if input.ndim > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    x = input._data
    xp = xp_of(x)
    axes = (0,) + tuple(range(2, x.ndim))
    channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        centred, mean, var, rstd = _moments(x, axes, eps)
        save_mean, save_invstd = mean.reshape(-1).astype(x.dtype), rstd.reshape(-1).astype(x.dtype)
        n = x.size // x.shape[1]
        # torch updates the buffers in place without bumping their version counters
        if running_mean is not None:
            rm = running_mean._data
            rm[...] = ((1 - momentum) * rm + momentum * mean.reshape(-1)).astype(rm.dtype)
        if running_var is not None:
            rv = running_var._data
            rv[...] = ((1 - momentum) * rv + momentum * var.reshape(-1) * (n / (n - 1))).astype(rv.dtype)
    else:
        acc = x.astype(xp.float64) if x.dtype.itemsize < 8 else x
        mean = running_mean._data.astype(acc.dtype).reshape(channel)
        rstd = 1.0 / xp.sqrt(running_var._data.astype(acc.dtype).reshape(channel) + eps)
        centred = acc - mean
        save_mean = save_invstd = xp.empty((0,), dtype=x.dtype)
    out = make(_affine(centred * rstd, weight, bias, channel).astype(x.dtype), input.dtype)
    if wants_grad(input, weight, bias):
        node = NativeBatchNormBackward0()
        node.eps, node.training = eps, bool(training)
        node.save(input, weight, running_mean, running_var, make(save_mean, input.dtype),
                  make(save_invstd, input.dtype))
        attach(out, node, (input, weight, bias))
    return out


# ---- group norm ----------------------------------------------------------------------------------
class NativeGroupNormBackward0(Node):
    __slots__ = ("N", "C", "HxW", "group", "eps")
    saved_names = ("input", "weight", "result1", "result2")

    def backward(self, g):
        x, w, _, _ = self.saved()
        grouped = (self.N, self.group, -1)
        channel = (1, self.C) + (1,) * (x.ndim - 2)
        axes = (0,) + tuple(range(2, x.ndim))
        xhat, rstd = _normalized(x.reshape(grouped), (2,), self.eps)
        gx = None
        if _needs(self, 0):
            g_xhat = (g * w.reshape(channel) if w is not None else g).reshape(grouped)
            gx = _normalized_grad(g_xhat, xhat, rstd, (2,)).reshape(x.shape)
        gw = (g * xhat.reshape(x.shape)).sum(axes) if _needs(self, 1) else None
        gb = g.sum(axes) if _needs(self, 2) else None
        return gx, gw, gb


@aten("aten::group_norm")
@refuses(NOT_FLOATING, "GroupNormKernelImpl")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm: normalise each group of channels of each sample."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"[{', '.join(str(s) for s in x.shape)}] and num_groups={num_groups}")
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.ndim != 1 or param.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(param.shape)} and input of shape {list(x.shape)}")
    grouped = [n * c // num_groups, num_groups] + list(x.shape[2:])
    _check_batch_size(grouped, grouped)
    channel = (1, c) + (1,) * (x.ndim - 2)
    centred, mean, _, rstd = _moments(x.reshape(n, num_groups, -1), (2,), eps)
    xhat = (centred * rstd).reshape(x.shape)
    out = make(_affine(xhat, weight, bias, channel).astype(x.dtype), input.dtype)
    if wants_grad(input, weight, bias):
        node = NativeGroupNormBackward0()
        node.N, node.C, node.HxW, node.group, node.eps = n, c, x.size // max(n * c, 1), num_groups, eps
        node.save(input, weight, make(mean.reshape(n, num_groups).astype(x.dtype), input.dtype),
                  make(rstd.reshape(n, num_groups).astype(x.dtype), input.dtype))
        attach(out, node, (input, weight, bias))
    return out


# ---- embedding -----------------------------------------------------------------------------------
class EmbeddingBackward0(Node):
    __slots__ = ("weight_sym_argsize_0", "padding_idx", "scale_grad_by_freq", "sparse")
    saved_names = ("indices",)

    def backward(self, g):
        from .indexing import embed

        (indices,) = self.saved()
        xp = xp_of(g._data)
        idx = indices._data.reshape(-1)
        rows = g.reshape(idx.shape[0], -1)
        coef = None
        if self.padding_idx < self.weight_sym_argsize_0:
            coef = (idx != self.padding_idx).astype(g._data.dtype)
        if self.scale_grad_by_freq:
            counts = xp.bincount(idx, minlength=self.weight_sym_argsize_0)[idx].astype(g._data.dtype)
            coef = 1.0 / counts if coef is None else coef / counts
        if coef is not None:
            rows = rows * make(coef.reshape(-1, 1), g.dtype)
        shape = (self.weight_sym_argsize_0, rows.shape[1])
        return (embed(rows, shape, (idx,), True, "EmbeddingDenseBackwardBackward0"),)


def _check_indices(indices, num_weights):
    if indices.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but "
            f"got torch.{indices.dtype.legacy_name} instead (while checking arguments for embedding)")
    idx = indices._data
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):
        raise IndexError("index out of range in self")


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """Scale, in place, the rows that `indices` uses whose norm exceeds max_norm (torch's embedding_renorm_)."""
    xp = xp_of(weight._data)
    rows = xp.unique(indices._data.reshape(-1))
    w = weight._data
    norms = xp.linalg.norm(w[rows].astype(xp.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
    w[rows[big]] = w[rows[big]] * scale[:, None]
    weight._bump_version()


@aten("aten::embedding")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """torch.nn.functional.embedding: the rows of `weight` that `input` indexes."""
    num_weights = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= num_weights or padding_idx < -num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += num_weights
    else:
        padding_idx = -1
    _check_indices(input, num_weights)
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    out = make(xp_of(weight._data).take(weight._data, input._data, axis=0), weight.dtype)
    if wants_grad(weight):
        node = EmbeddingBackward0()
        node.weight_sym_argsize_0, node.padding_idx = num_weights, as_uint64(padding_idx)
        node.scale_grad_by_freq, node.sparse = bool(scale_grad_by_freq), bool(sparse)
        node.save(input)
        attach(out, node, (weight,))
    return out


# ---- padding -------------------------------------------------------------------------------------
class ConstantPadNdBackward0(Node):
    __slots__ = ("pad", "_pad")  # pad: as torch shows it (negative amounts wrapped); _pad: the amounts

    def backward(self, g):
        # the gradient is the incoming one padded back: crop what was added, zero-fill what was cropped
        return (constant_pad_nd(g, [-p for p in self._pad]),)


@aten("aten::constant_pad_nd")
def constant_pad_nd(input, pad, value=0):
    """Pad (or, with negative amounts, crop) the trailing dims; pad lists (left, right) from the last dim."""
    x = input._data
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got padding "
            f"length {len(pad)} and input of dimension {x.ndim}")
    shape = list(x.shape)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        size = x.shape[d] + left + right
        if size < 0:  # torch crops with narrow first, and narrow has the complaint
            raise RuntimeError("narrow(): length must be non-negative.")
        shape[d] = size
        src[d] = slice(max(-left, 0), x.shape[d] - max(-right, 0))
        dst[d] = slice(max(left, 0), max(left, 0) + max(x.shape[d] - max(-left, 0) - max(-right, 0), 0))
    data = xp_of(x).full(shape, value, dtype=x.dtype)
    if all(s.stop is None or s.stop > s.start for s in dst):
        data[tuple(dst)] = x[tuple(src)]
    out = make(data, input.dtype)
    if wants_grad(input):
        node = ConstantPadNdBackward0()
        node._pad, node.pad = tuple(pad), tuple(as_uint64(p) for p in pad)
        attach(out, node, (input,))
    return out


def _source_positions(n, left, right, mode):
    """For each output position along a dim of size n padded by (left, right): the input position it copies."""
    if mode == "circular":
        # torch crops first (negative amounts), then wraps what is left around
        start, kept = max(-left, 0), n - max(-left, 0) - max(-right, 0)
        return start + np.arange(-max(left, 0), kept + max(right, 0)) % kept
    p = np.arange(-left, n + right)
    if mode == "reflect":
        p = np.abs(p)
        return np.where(p >= n, 2 * (n - 1) - p, p)
    return np.clip(p, 0, n - 1)  # replicate


class _PadBackward(Node):
    """Reflection and replication padding: copies of input positions, so the gradient adds back."""

    __slots__ = ("padding", "key")
    unsaved_slots = ("key",)
    saved_names = ("self",)

    def backward(self, g):
        from .indexing import embed

        (x,) = self.saved()
        return (embed(g, x._data.shape, self.key, True, type(self).__name__.removesuffix("0") + "Backward0"),)


class _CircularPadBackward(_PadBackward):
    """Circular padding; torch builds it from slices copied in place, so its node is a CopySlices."""

    __slots__ = ()

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, g):
        from .indexing import embed

        (x,) = self.saved()
        return (embed(g, x._data.shape, self.key, True, "SliceBackwardBackward0"),)


_PAD_NODES = {(mode, k): type(f"{name}Pad{k}DBackward0", (_PadBackward,), {"__slots__": ()})
              for mode, name in (("reflect", "Reflection"), ("replicate", "Replication")) for k in (1, 2, 3)}
_PAD_NODES.update({("circular", k): _CircularPadBackward for k in (1, 2, 3)})
_PAD_SUPPORT = ("Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


@aten("aten::pad")
def _index_pad(input, pad, mode):
    """reflect / replicate / circular padding of the last len(pad) // 2 dims."""
    x = input._data
    k = len(pad) // 2
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor.\n"
                                  + _PAD_SUPPORT)
    positions = []
    for i in range(k):
        d = x.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if mode == "circular" and (left > x.shape[d] or right > x.shape[d]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "reflect" and (left >= x.shape[d] or right >= x.shape[d]):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({left}, {right}) at dimension {d} of input [{', '.join(str(s) for s in x.shape)}]")
        positions.insert(0, _source_positions(x.shape[d], left, right, mode))
    key = (slice(None),) * (x.ndim - k) + tuple(np.ix_(*positions))
    out = make(x[key], input.dtype)
    if wants_grad(input):
        node = _PAD_NODES[mode, k]()
        node.padding, node.key = tuple(pad), key
        node.save(input)
        attach(out, node, (input,))
    return out


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: mode 'constant' (negative amounts crop), 'reflect', 'replicate' or 'circular'."""
    pad = [int(p) for p in pad]
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode in ("reflect", "replicate", "circular"):
        return _index_pad(input, pad, mode)
    raise NotImplementedError(f"Unrecognised padding mode {mode}")
