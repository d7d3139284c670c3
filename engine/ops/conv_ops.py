"""Convolution: conv1d / conv2d, the aten ops beneath them, and their backward ops.

The layers follow torch's, so the profiler shows its rows: aten::conv2d (adds the batch dim of an
unbatched input) > aten::_convolution_mode (padding 'same' / 'valid') > aten::convolution >
aten::_convolution (checks and computes). Backward runs aten::convolution_backward, itself an op with
a node (ConvolutionBackwardBackward0) whose backward is made of convolution and convolution_backward
again, as torch's _convolution_double_backward is: so create_graph differentiates to any order.

The arithmetic is im2col: an `as_strided` view of every window of the padded input, copied once into
a (groups, windows, in_channels/groups * kernel) matrix and multiplied with the weight as one batched
matmul over the groups. Only the input gradient (col2im) loops, over the kernel's offsets (25 for a
5x5 kernel), never over pixels.
"""
import itertools
import math
import warnings

from ..autograd.node import Node
from ._core import aten, attach, attach_multi, make, wants_grad, xp_of
from .norm_ops import constant_pad_nd

_SAME_PADDING_COPY_WARNING = (
    "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the input "
    "be created (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)")
_warned_same_padding_copy = False  # torch warns once per process (TORCH_WARN_ONCE)

# c10's names for dtypes in its "Input type (float) and bias type (double)" message
_C10_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                   "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                   "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}


def _sizes(shape):
    """A shape as torch prints sizes in messages: [6, 1, 5, 5]."""
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---- the arithmetic, on arrays ---------------------------------------------------------------------
def _output_size(size, kernel, stride, padding, dilation):
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))


def _columns(x, kernel, stride, padding, dilation, groups):
    """Every window of the zero-padded x (N, C, *size) as a (groups, N * windows, C/groups * kernel) matrix."""
    xp = xp_of(x)
    n, c, size = x.shape[0], x.shape[1], x.shape[2:]
    out = _output_size(size, kernel, stride, padding, dilation)
    if any(padding):
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding))
    dims = len(kernel)
    spatial_strides = x.strides[2:]
    windows = xp.lib.stride_tricks.as_strided(
        x, (n, groups, c // groups) + out + tuple(kernel),
        (x.strides[0], x.strides[1] * (c // groups), x.strides[1])
        + tuple(s * st for s, st in zip(spatial_strides, stride))
        + tuple(s * d for s, d in zip(spatial_strides, dilation)))
    # (G, N, *out, C/G, *kernel): a window's channels and kernel offsets last, as the weight lays them out
    order = (1, 0) + tuple(range(3, 3 + dims)) + (2,) + tuple(range(3 + dims, 3 + 2 * dims))
    return windows.transpose(order).reshape(groups, n * math.prod(out), (c // groups) * math.prod(kernel)), out


def _grouped(t, groups):
    """(N, C_out, *out) -> (groups, N * windows, C_out/groups): the layout the matmuls produce and take."""
    n, c = t.shape[0], t.shape[1]
    windows = math.prod(t.shape[2:])
    return t.reshape(n, groups, c // groups, windows).transpose(1, 0, 3, 2).reshape(groups, n * windows, c // groups)


def _ungrouped(t, n, out):
    """The inverse of _grouped: (groups, N * windows, C_out/groups) -> (N, C_out, *out)."""
    groups, cg = t.shape[0], t.shape[2]
    t = t.reshape(groups, n, math.prod(out), cg).transpose(1, 0, 3, 2)
    return t.reshape((n, groups * cg) + tuple(out))


def _weight_matrix(w, groups):
    """(C_out, C_in/groups, *kernel) -> (groups, C_out/groups, C_in/groups * kernel)."""
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _convolve(x, w, stride, padding, dilation, groups):
    cols, out = _columns(x, w.shape[2:], stride, padding, dilation, groups)
    y = cols @ _weight_matrix(w, groups).transpose(0, 2, 1)
    return xp_of(x).ascontiguousarray(_ungrouped(y, x.shape[0], out))


def _weight_grad(gy, x, weight_shape, stride, padding, dilation, groups):
    cols, _ = _columns(x, weight_shape[2:], stride, padding, dilation, groups)
    return (_grouped(gy, groups).transpose(0, 2, 1) @ cols).reshape(weight_shape)


def _input_grad(gy, w, input_shape, stride, padding, dilation, groups):
    """col2im: each window's share of the gradient, added back where the window read the input."""
    xp = xp_of(gy)
    n, c, size = input_shape[0], input_shape[1], tuple(input_shape[2:])
    kernel, out, dims = tuple(w.shape[2:]), tuple(gy.shape[2:]), len(size)
    cols = _grouped(gy, groups) @ _weight_matrix(w, groups)  # (G, N * windows, C/G * kernel)
    cols = cols.reshape((groups, n) + out + (c // groups,) + kernel)
    order = (1, 0, 2 + dims) + tuple(range(2, 2 + dims)) + tuple(range(3 + dims, 3 + 2 * dims))
    cols = cols.transpose(order).reshape((n, c) + out + kernel)
    padded = xp.zeros((n, c) + tuple(s + 2 * p for s, p in zip(size, padding)), dtype=gy.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        reached = tuple(slice(o * d, o * d + st * (m - 1) + 1, st)
                        for o, d, st, m in zip(offset, dilation, stride, out))
        padded[(slice(None), slice(None)) + reached] += cols[(Ellipsis,) + offset]
    inside = tuple(slice(p, p + s) for p, s in zip(padding, size))
    return xp.ascontiguousarray(padded[(slice(None), slice(None)) + inside])


# ---- backward nodes --------------------------------------------------------------------------------
def _needs(node, i):
    return node.next_functions[i][0] is not None


class ConvolutionBackward0(Node):
    __slots__ = ("bias_sym_sizes_opt", "stride", "padding", "dilation", "transposed", "output_padding", "groups")
    saved_names = ("input", "weight")

    def backward(self, g):
        x, w = self.saved()
        return convolution_backward(g, x, w, self.bias_sym_sizes_opt, self.stride, self.padding, self.dilation,
                                    self.transposed, self.output_padding, self.groups,
                                    (_needs(self, 0), _needs(self, 1), _needs(self, 2)))


class ConvolutionBackwardBackward0(Node):
    """The node of convolution_backward's three outputs (input, weight and bias gradients)."""

    __slots__ = ("stride", "padding", "dilation", "transposed", "output_padding", "groups")
    saved_names = ("grad_output", "input", "weight")
    num_outputs = 3

    def backward(self, gg_input, gg_weight, gg_bias):
        g, x, w = self.saved()
        return _convolution_double_backward(gg_input, gg_weight, gg_bias, g, w, x, self.stride, self.padding,
                                            self.dilation, self.transposed, self.output_padding, self.groups,
                                            (_needs(self, 0), _needs(self, 1), _needs(self, 2)))


@aten("aten::convolution_backward")
def convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed,
                         output_padding, groups, output_mask):
    """The gradients of convolution's input, weight and bias (None where output_mask says not wanted).

    bias_sizes is torch's argument; the bias gradient's size follows from grad_output here.
    """
    g = grad_output._data
    gi = gw = gb = None
    if output_mask[0]:
        gi = make(_input_grad(g, weight._data, input.shape, stride, padding, dilation, groups), input.dtype)
    if output_mask[1]:
        gw = make(_weight_grad(g, input._data, weight.shape, stride, padding, dilation, groups), weight.dtype)
    if output_mask[2]:
        gb = make(g.sum(axis=(0,) + tuple(range(2, g.ndim))), grad_output.dtype)
    outs = (gi, gw, gb)
    if wants_grad(grad_output, input, weight):
        node = ConvolutionBackwardBackward0()
        node.stride, node.padding, node.dilation, node.groups = stride, padding, dilation, groups
        node.transposed, node.output_padding = transposed, output_padding
        node.save(grad_output, input, weight)
        attach_multi([o for o in outs if o is not None], node, (grad_output, input, weight))
        for nr, o in enumerate(outs):  # each output keeps its place among the three, whichever were asked for
            if o is not None:
                o._output_nr = nr
    return outs


@aten("aten::_convolution_double_backward")
def _convolution_double_backward(gg_input, gg_weight, gg_bias, grad_output, weight, input, stride, padding,
                                 dilation, transposed, output_padding, groups, output_mask):
    """convolution_backward's backward: the gradients of its grad_output, input and weight arguments.

    Its input gradient is linear in (grad_output, weight) and its weight gradient in (grad_output, input),
    so each term is a convolution or a convolution_backward with one factor swapped for the incoming
    gradient.
    """
    g_grad_output = g_input = g_weight = None
    if output_mask[0]:
        terms = []
        if gg_input is not None:
            terms.append(convolution(gg_input, weight, None, stride, padding, dilation, transposed,
                                     output_padding, groups))
        if gg_weight is not None:
            terms.append(convolution(input, gg_weight, None, stride, padding, dilation, transposed,
                                     output_padding, groups))
        if gg_bias is not None:
            channel = (1, gg_bias.shape[0]) + (1,) * (grad_output.ndim - 2)
            terms.append(gg_bias.reshape(channel).expand(tuple(grad_output.shape)))
        for t in terms:
            g_grad_output = t if g_grad_output is None else g_grad_output + t
    if output_mask[1] and gg_weight is not None:
        g_input = convolution_backward(grad_output, input, gg_weight, None, stride, padding, dilation, transposed,
                                       output_padding, groups, (True, False, False))[0]
    if output_mask[2] and gg_input is not None:
        g_weight = convolution_backward(grad_output, gg_input, weight, None, stride, padding, dilation, transposed,
                                        output_padding, groups, (False, True, False))[1]
    return g_grad_output, g_input, g_weight


# ---- checks, in torch's order ----------------------------------------------------------------------
def _expand_param(values, name, dims):
    """A per-dimension setting: one value stands for every spatial dim (torch's expand_param_if_needed)."""
    if len(values) == 1:
        return tuple(values) * dims
    if len(values) != dims:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dims} values to match the "
                           f"convolution dimensions, but got {name}={_sizes(values)}")
    return tuple(values)


def _check_shapes(input, weight, bias, stride, padding, dilation, groups):
    """torch's check_shape_forward for a (non-transposed) convolution."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    w_shape, x_shape = tuple(weight.shape), tuple(input.shape)
    if len(w_shape) != len(x_shape):
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-dimensional weight "
                           f"{_sizes(w_shape)}, but got {len(x_shape)}-dimensional input of size {_sizes(x_shape)} "
                           "instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_sizes(w_shape)} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_sizes(w_shape)}] instead")
    if x_shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_sizes(w_shape)}, expected input{_sizes(x_shape)} "
                           f"to have {w_shape[1] * groups} channels, but got {x_shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != w_shape[0]):
        raise RuntimeError(f"Given weight of size {_sizes(w_shape)}, expected bias to be 1-dimensional with "
                           f"{w_shape[0]} elements, but got bias of size {_sizes(bias.shape)} instead")
    padded = [s + 2 * p for s, p in zip(x_shape[2:], padding)]
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, w_shape[2:])]
    if any(s < k for s, k in zip(padded, spans)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(str(s) for s in padded)}). "
                           f"Kernel size: ({' x '.join(str(k) for k in spans)}). Kernel size can't be greater than "
                           "actual input size")
    # the last checks are the backend's: torch's oneDNN and native kernels word them differently, in another order
    if _torch_would_run_mkldnn(input, weight, groups):
        if input.dtype is not weight.dtype:
            raise RuntimeError(f"Input type (torch.{input.dtype.legacy_name}) and weight type "
                               f"(torch.{weight.dtype.legacy_name}) should be the same or input should be a MKLDNN "
                               "tensor and weight is a dense tensor")
        if any(d == 0 for d in dilation):
            raise RuntimeError("non-positive dilation is not supported")
    else:
        if any(d == 0 for d in dilation):
            # the native kernels see a 1-d convolution as a 2-d one of height 1
            shown = (1,) + tuple(dilation) if len(dilation) == 1 else dilation
            raise RuntimeError(f"dilation should be greater than zero, but got {_sizes(shown)}")
        if input.dtype is not weight.dtype:
            raise RuntimeError(f"expected scalar type {_scalar_name(input)} but found {_scalar_name(weight)}")
    if input.dtype.name == "bool":
        raise NotImplementedError("\"slow_conv2d_cpu\" not implemented for 'Bool'")
    if input.dtype.is_complex:  # torch convolves complex tensors as three real convolutions, with their nodes
        raise NotImplementedError("gradtrace's convolution does not support complex tensors")


def _torch_would_run_mkldnn(input, weight, groups):
    """Whether torch's CPU convolution picks oneDNN over its native kernels (its use_mkldnn heuristic for a
    float32 input, run multi-threaded, where stride and dilation no longer matter; a 1-d convolution seen as
    2-d of height 1)."""
    if input.dtype.name != "float32":
        return False
    n, c, *size = input.shape
    kernel = tuple(weight.shape[2:])
    if len(kernel) == 1:
        size, kernel = [1] + size, (1,) + kernel
    return bool(groups > 1 or (kernel[-1] > 3 and kernel[-2] > 3) or n > 1 or n * c * math.prod(size) > 20480)


def _scalar_name(t):
    return t.dtype.legacy_name.removesuffix("Tensor")


def _check_bias_dtype(input, bias):
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_C10_TYPE_NAMES.get(input.dtype.name, input.dtype.name)}) and bias type "
                           f"({_C10_TYPE_NAMES.get(bias.dtype.name, bias.dtype.name)}) should be the same")


def _check_weight_and_groups(weight, groups):
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


# ---- the ops ---------------------------------------------------------------------------------------
@aten("aten::_convolution")
def _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """The convolution itself: checks its arguments, computes, and records ConvolutionBackward0."""
    _check_weight_and_groups(weight, groups)
    dims = weight.ndim - 2
    stride = _expand_param(stride, "stride", dims)
    padding = _expand_param(padding, "padding", dims)
    dilation = _expand_param(dilation, "dilation", dims)
    output_padding = _expand_param(output_padding, "output_padding", dims)
    _check_shapes(input, weight, bias, stride, padding, dilation, groups)
    data = _convolve(input._data, weight._data, stride, padding, dilation, groups)
    if bias is not None:
        data += bias._data.reshape((1, -1) + (1,) * dims).astype(data.dtype)
    out = make(data, input.dtype)
    if wants_grad(input, weight, bias):
        node = ConvolutionBackward0()
        node.bias_sym_sizes_opt = tuple(bias.shape) if bias is not None else (0,)
        node.stride, node.padding, node.dilation, node.groups = stride, padding, dilation, groups
        node.transposed, node.output_padding = bool(transposed), output_padding
        node.save(input, weight)
        attach(out, node, (input, weight, bias))
    return out


@aten("aten::convolution")
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution: stride, padding, dilation and output_padding as sequences (one value or one per dim)."""
    if transposed:
        raise NotImplementedError("gradtrace has no transposed convolution")
    return _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)


def _convolution_same(input, weight, bias, stride, dilation, groups):
    """padding='same': pad so that the output has the input's size (extra on the right when the total is odd)."""
    _check_weight_and_groups(weight, groups)
    k = weight.ndim
    dims = k - 2
    if k != input.ndim:
        raise RuntimeError(f"Expected {k}-dimensional input for {k}-dimensional weight{_sizes(weight.shape)}, but got "
                           f"{input.ndim}-dimensional input of size {_sizes(input.shape)} instead")
    if len(stride) not in (dims, 1):
        raise RuntimeError(f"stride cannot broadcast to {dims} dimensions")
    if len(dilation) not in (dims, 1):
        raise RuntimeError(f"dilation cannot broadcast to {dims} dimensions")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [(dilation[0] if len(dilation) == 1 else dilation[i]) * (weight.shape[i + 2] - 1) for i in range(dims)]
    left = [int(t / 2) for t in totals]  # C++ division, truncating towards zero
    right = [t - l for t, l in zip(totals, left)]
    if all(t % 2 == 0 for t in totals):
        return convolution(input, weight, bias, stride, left, dilation, False, (0,) * dims, groups)
    global _warned_same_padding_copy
    if not _warned_same_padding_copy:
        _warned_same_padding_copy = True
        # frames up to the caller's line: here, _convolution_mode and its op wrapper, _conv, conv2d and its
        # op wrapper
        warnings.warn(_SAME_PADDING_COPY_WARNING, UserWarning, stacklevel=7)
    # pad the odd one out explicitly, then convolve with the symmetric rest
    pad_nd = [0] * (2 * dims)
    for i in range(dims):
        extra = right[i] - left[i]
        at = 2 * (dims - 1 - i)  # pad lists the last dim first
        if extra > 0:
            pad_nd[at + 1] = extra
        else:
            pad_nd[at] = extra
            left[i] = right[i]
    return convolution(constant_pad_nd(input, pad_nd, 0), weight, bias, stride, left, dilation, False,
                       (0,) * dims, groups)


@aten("aten::_convolution_mode")
def _convolution_mode(input, weight, bias, stride, padding, dilation, groups):
    """A convolution whose padding is a string: 'valid' (none) or 'same' (the output keeps the input's size)."""
    if padding == "same":
        return _convolution_same(input, weight, bias, stride, dilation, groups)
    if padding == "valid":
        return convolution(input, weight, bias, stride, (0,), dilation, False, (0,), groups)
    raise RuntimeError(f"Invalid padding string: '{padding}'")


def _int_tuple(value, dims, name, fn_name):
    """An int-list argument as torch's argument parser reads it: an int stands for every spatial dim."""
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = (value,) * dims
    try:
        if any(isinstance(v, (bool, float)) for v in items):
            raise TypeError
        return tuple(int(v) for v in items)
    except TypeError:
        raise TypeError(f"{fn_name}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}") from None


def _conv(fn_name, dims, input, weight, bias, stride, padding, dilation, groups):
    """conv1d / conv2d: an unbatched input gets a batch dim of one for the convolution and loses it after."""
    by_string = isinstance(padding, str)
    if not by_string:
        _check_bias_dtype(input, bias)  # torch checks this only when the padding is given as numbers
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {fn_name}, but got "
                           f"input of size: {_sizes(input.shape)}")
    batched = input.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    stride = _int_tuple(stride, dims, "stride", fn_name)
    dilation = _int_tuple(dilation, dims, "dilation", fn_name)
    if by_string:
        out = _convolution_mode(x, weight, bias, stride, padding, dilation, groups)
    else:
        out = convolution(x, weight, bias, stride, _int_tuple(padding, dims, "padding", fn_name), dilation, False,
                          (0,) * dims, groups)
    return out if batched else out.squeeze(0)


@aten("aten::conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: cross-correlate (N, C_in, L) or (C_in, L) with weight (C_out, C_in/groups, k).

    padding: an int, a one-element tuple, 'valid' or 'same'.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@aten("aten::conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: cross-correlate (N, C_in, H, W) or (C_in, H, W) with weight
    (C_out, C_in/groups, kH, kW).

    stride, padding, dilation: an int or a pair; padding also 'valid' or 'same'.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)
