"""Pooling: max, average and adaptive pooling over the last two dims, and the backward ops torch runs for them.

torch computes its 1-d pools as 2-d pools of a height-1 view (unsqueeze, pool, squeeze), and so does this file,
so that grad_fn chains, saved values and profiler rows come out as torch's.

A pool's windows are described one spatial axis at a time (`_Axis`): where each output position's window
starts, how many positions it reads and how far apart, and where the input ends for it. Regular pools read
their windows as a strided view of the padded input; adaptive pools, whose windows vary in start and length,
gather them. The reductions follow torch's CPU kernels, so that results agree bit for bit: sums add a window
row by row starting from zero, and a max keeps the first largest value, except that every NaN replaces the
running maximum (the last NaN wins) and a window with nothing above the padding value reports the position
the kernel started from.

Each backward is an op of its own (`aten::max_pool2d_with_indices_backward`, ...) with its own node, so
create_graph gives torch's second-order nodes: max pool's backward scatters the gradient to the saved indices,
and its derivative gathers from them; average pool's backward is linear, and its derivative is the pool again.
"""
import math

import numpy as np

from .. import _dtype
from .._random import _not_implemented
from ..autograd.node import Node
from ._core import aten, attach, make, wants_grad, xp_of
from .creation_ops import zeros
from .shape import contiguous, squeeze, unsqueeze


# ---- window geometry -----------------------------------------------------------------------------------
class _Axis:
    """The windows of one spatial axis: output position o reads input positions starts[o] + k * spacing for
    k < kernel, those in [0, limits[o]) being inside the input."""

    __slots__ = ("size", "starts", "limits", "kernel", "spacing", "step", "first")

    def __init__(self, size, starts, limits, kernel, spacing, step, first):
        self.size, self.starts, self.limits = size, starts, limits
        self.kernel, self.spacing = kernel, spacing
        self.step = step  # the distance between window starts; None when they are irregular (adaptive)
        self.first = first  # where torch's max kernel starts its scan: its index when no value beats the fill

    @property
    def out(self):
        return len(self.starts)

    @property
    def positions(self):
        return self.starts[:, None] + np.arange(self.kernel) * self.spacing

    @property
    def inside(self):
        p = self.positions
        return (p >= 0) & (p < self.limits[:, None])


def _regular_axis(size, out, kernel, stride, padding, dilation):
    starts = np.arange(out) * stride - padding
    # a window starting in the padding is scanned from its first position inside, whole dilations on
    first = np.where(starts < 0, starts + (-starts + dilation - 1) // dilation * dilation, starts)
    return _Axis(size, starts, np.full(out, size), kernel, dilation, stride, first)


def _adaptive_axis(size, out):
    o = np.arange(out)
    starts = o * size // max(out, 1)
    ends = -(-(o + 1) * size // max(out, 1))  # ceil((o + 1) * size / out)
    kernel = int((ends - starts).max()) if out else 0
    return _Axis(size, starts, ends, kernel, 1, None, starts)


def _on(xp, table):
    """A numpy geometry table on the device of the data."""
    return table if xp is np else xp.asarray(table)


def _plane_positions(rows, cols):
    """(OH, OW, KH, KW): the flat (H * W) index each window read comes from, clipped into the plane."""
    r = np.clip(rows.positions, 0, rows.size - 1)
    c = np.clip(cols.positions, 0, cols.size - 1)
    return r[:, None, :, None] * cols.size + c[None, :, None, :]


def _inside(rows, cols):
    """(OH, OW, KH, KW): which window reads lie inside the input."""
    return rows.inside[:, None, :, None] & cols.inside[None, :, None, :]


def _windows(data, rows, cols, fill):
    """(..., OH, OW, KH, KW): the values each window of the (..., H, W) planes reads, `fill` outside the input."""
    xp = xp_of(data)
    if rows.step is None:  # adaptive: windows differ in start and length, so gather them
        flat = data.reshape(data.shape[:-2] + (rows.size * cols.size,))
        return xp.where(_on(xp, _inside(rows, cols)), flat[..., _on(xp, _plane_positions(rows, cols))], fill)
    before = [max(-int(a.starts[0]), 0) for a in (rows, cols)]
    after = [max(int(a.starts[-1]) + (a.kernel - 1) * a.spacing + 1 - a.size, 0) for a in (rows, cols)]
    padded = data
    if any(before) or any(after):
        padded = xp.full(data.shape[:-2] + tuple(a.size + b + e for a, b, e in zip((rows, cols), before, after)),
                         fill, dtype=data.dtype)
        padded[..., before[0]:before[0] + rows.size, before[1]:before[1] + cols.size] = data
    s = padded.strides
    return xp.lib.stride_tricks.as_strided(
        padded, data.shape[:-2] + (rows.out, cols.out, rows.kernel, cols.kernel),
        s[:-2] + (s[-2] * rows.step, s[-1] * cols.step, s[-2] * rows.spacing, s[-1] * cols.spacing))


# ---- reductions and their gradients ----------------------------------------------------------------------
def _lowest(dtype):
    """What torch's max kernels start from, and what max pooling pads with."""
    return -math.inf if dtype.kind == "f" else int(np.iinfo(dtype).min)


def _window_max(data, rows, cols):
    """Each window's maximum and its flat (H * W) index, as torch's CPU kernel scans the window.

    The scan is torch's, one window position at a time over every window at once: a value replaces the
    maximum when it is larger or NaN, so ties keep the first and the last NaN wins. (KH * KW passes over
    the output: far cheaper than copying every window out to take an argmax over it.)
    """
    xp = xp_of(data)
    fill = _lowest(data.dtype)
    windows = _windows(data, rows, cols, fill)
    values = xp.full(windows.shape[:-2], fill, dtype=data.dtype)
    # where torch's scan starts: the index a window reports when nothing in it beats the fill
    index = xp.broadcast_to(_on(xp, rows.first[:, None] * cols.size + cols.first), values.shape)
    corner = _on(xp, rows.starts[:, None] * cols.size + cols.starts)  # each window's (0, 0) position
    floating = data.dtype.kind == "f"
    for i in range(rows.kernel):
        for j in range(cols.kernel):
            candidate = windows[..., i, j]
            take = candidate > values
            if floating:
                take |= xp.isnan(candidate)
            values = xp.where(take, candidate, values)
            index = xp.where(take, corner + (i * rows.spacing * cols.size + j * cols.spacing), index)
    return values, index


def _window_sum(windows, acc_dtype):
    """Each window's sum, added as torch's kernels add (row by row, from zero), so float sums agree bit for bit."""
    xp = xp_of(windows)
    total = xp.zeros(windows.shape[:-2], dtype=acc_dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN and a sum may overflow, silently in torch
        for i in range(windows.shape[-2]):
            for j in range(windows.shape[-1]):
                total += windows[..., i, j]
    return total


def _accumulation_dtype(dtype):
    """torch's kernels sum half precision in single precision."""
    return np.dtype(np.float32) if dtype.kind == "f" and dtype.itemsize < 4 else dtype


def _divide(total, divisor):
    """total / divisor as torch's kernels divide: in the accumulation type, integers truncating toward zero."""
    xp = xp_of(total)
    divisor = _on(xp, np.asarray(divisor))
    if total.dtype.kind == "f":
        return total / divisor.astype(total.dtype)
    quotient = xp.abs(total) // xp.abs(divisor)
    return xp.where((total < 0) != (divisor < 0), -quotient, quotient)


def _scatter_to_planes(values, index, shape):
    """zeros(shape) with each value added at its flat (H * W) index in its plane, in order (torch's order, so
    float sums agree bit for bit); `index` broadcasts against `values`."""
    xp = xp_of(values)
    out = xp.zeros(shape, dtype=values.dtype)
    if values.size == 0 or out.size == 0:
        return out
    planes = out.reshape(-1, shape[-2] * shape[-1])
    target = (xp.arange(planes.shape[0])[:, None],
              xp.broadcast_to(index, values.shape).reshape(planes.shape[0], -1))
    if xp is np:
        np.add.at(planes, target, values.reshape(planes.shape[0], -1))
    else:
        import cupyx

        cupyx.scatter_add(planes, target, values.reshape(planes.shape[0], -1))
    return out


def _spread(delta, rows, cols, shape):
    """The gradient of window sums: each window's delta added to every input position it read."""
    xp = xp_of(delta)
    values = xp.where(_on(xp, _inside(rows, cols)), delta[..., None, None], 0)
    return _scatter_to_planes(values, _on(xp, _plane_positions(rows, cols)), shape)


# ---- argument checks (torch's, in torch's order) ----------------------------------------------------------
def _int_list(value, n, fn, arg):
    """An int-list argument as torch's parser reads it: an int repeated n times, a sequence as given."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer)) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{fn}(): argument '{arg}' must be tuple of ints, not {type(value).__name__}")


def _settings(fn, n, kernel_size, stride, padding, dilation=1):
    """A pool's kernel_size, stride, padding and dilation as torch's parser reads them into int lists (F's
    stride=None is the empty list, which means the kernel size)."""
    stride = () if stride is None else stride
    return (_int_list(kernel_size, n, fn, "kernel_size"), _int_list(stride, n, fn, "stride"),
            _int_list(padding, n, fn, "padding"), _int_list(dilation, n, fn, "dilation"))


def _pair(values, default=None):
    """A 2-d pool's setting from its int list: one value serves both dims, an empty list means `default`."""
    if not values:
        return default
    return (values[0], values[-1])


def _trunc_div(a, b):
    """C++ integer division (toward zero), which torch's size checks use."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _sizes(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_lengths(fn, kernel, stride, padding, dilation=(1,)):
    if len(kernel) not in (1, 2):
        raise RuntimeError(f"{fn}: kernel_size must either be a single int, or a tuple of two ints")
    if len(stride) not in (0, 1, 2):
        raise RuntimeError(f"{fn}: stride must either be omitted, a single int, or a tuple of two ints")
    if len(padding) not in (1, 2):
        raise RuntimeError(f"{fn}: padding must either be a single int, or a tuple of two ints")
    if len(dilation) not in (1, 2):
        raise RuntimeError(f"{fn}: dilation must be either a single int, or a tuple of two ints")


def _pooled_size(size, kernel, padding, stride, dilation, ceil_mode):
    """torch's pooling_output_shape: the output length along one dim, after its own checks."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if padding < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {padding}")
    if padding > _trunc_div((kernel - 1) * dilation + 1, 2):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={padding}, "
                           f"kernel_size={kernel} and dilation={dilation}")
    out = (size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _pool2d_axes(shape, kernel, stride, padding, dilation, ceil_mode):
    """torch's checks of a 2-d pool of a (C, H, W) or (N, C, H, W) input (pooling_output_shape, then
    pool2d_shape_check) and the window axes of the pool."""
    height, width = shape[-2], shape[-1]
    out_h = _pooled_size(height, kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
    out_w = _pooled_size(width, kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
    if kernel[0] <= 0 or kernel[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if stride[0] <= 0 or stride[1] <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if dilation[0] <= 0 or dilation[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{_sizes(shape)}")
    if _trunc_div(kernel[1], 2) < padding[1] or _trunc_div(kernel[0], 2) < padding[0]:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}")
    if out_h < 1 or out_w < 1:
        planes = shape[-3]
        raise RuntimeError(f"Given input size: ({planes}x{height}x{width}). Calculated output size: "
                           f"({planes}x{out_h}x{out_w}). Output size is too small")
    return (_regular_axis(height, out_h, kernel[0], stride[0], padding[0], dilation[0]),
            _regular_axis(width, out_w, kernel[1], stride[1], padding[1], dilation[1]))


_INTEGERS = (_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64)


def _check_dtype(input, kernel, integers=()):
    """torch's dispatch error for a dtype the kernel does not handle: it takes floats and the given integers."""
    if not (input.dtype.is_floating_point or input.dtype in integers):
        raise _not_implemented(kernel, input.dtype)


def _check_has_planes(input):
    """avg_pool2d reads the plane count (dim -3) before checking the input's rank, so torch's complaint is size()'s."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as -3 but tensor has no dimensions")
    input._wrap_dim(-3)


def _check_1d_input(input, fn):
    """torch's checkDimRange for the 1-d pools: a (C, L) or (N, C, L) input."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {fn})")


def _one_int(fn, arg, values):
    """torch's check1d: a 1-d pool's setting holds exactly one int."""
    if len(values) != 1:
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(values)})")
    return values[0]


def _list_with_default(output_size, shape):
    """F.adaptive_*_pool2d's output_size: None entries take the input's size."""
    if isinstance(output_size, (int, np.integer)):
        return output_size
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return tuple(v if v is not None else d for v, d in zip(output_size, shape[-len(output_size):]))


def _needs(node, i):
    return node.next_functions[i][0] is not None


def _zeros_like_self(node, like):
    """The gradient a backward op's node sends to the pooled input: zero, as the backward is linear in its
    incoming gradient and piecewise constant in the input."""
    return zeros(node.self_shape, dtype=like.dtype, device=like.device) if _needs(node, 1) else None


# ---- max pooling ------------------------------------------------------------------------------------------
class MaxPool2DWithIndicesBackward0(Node):
    __slots__ = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    saved_names = ("self", "result1")

    def backward(self, g):
        x, indices = self.saved()
        return (max_pool2d_with_indices_backward(g, x, self.kernel_size, self.stride, self.padding, self.dilation,
                                                 self.ceil_mode, indices),)


@aten("aten::max_pool2d_with_indices")
def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """The 2-d max pool over the last two dims and, for each output, the flat (H * W) index of its maximum
    (F.max_pool2d_with_indices; its return_indices changes nothing)."""
    kernel, strides, pads, dilations = _settings("max_pool2d", 2, kernel_size, stride, padding, dilation)
    _check_lengths("max_pool2d", kernel, strides, pads, dilations)
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    rows, cols = _pool2d_axes(input.shape, _pair(kernel), _pair(strides, _pair(kernel)), _pair(pads),
                              _pair(dilations), ceil_mode)
    _check_dtype(input, "max_pool2d", _INTEGERS)
    values, index = _window_max(input._data, rows, cols)
    out, indices = make(values, input.dtype), make(index, _dtype.int64)
    if wants_grad(input):
        node = MaxPool2DWithIndicesBackward0()
        node.kernel_size, node.stride, node.padding, node.dilation = kernel, strides, pads, dilations
        node.ceil_mode = bool(ceil_mode)
        node.save(input, indices)
        attach(out, node, (input,))
    return out, indices


@aten("aten::max_pool2d")
def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode):
    return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d: the largest value of each (dilated) window over the last two dims;
    with return_indices, also where it was."""
    if return_indices:
        return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)


@aten("aten::max_pool1d_with_indices")
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """The 1-d max pool over the last dim and the index of each maximum: a 2-d pool of a height-1 view
    (F.max_pool1d_with_indices; its return_indices changes nothing)."""
    kernel, strides, pads, dilations = _settings("max_pool1d", 1, kernel_size, stride, padding, dilation)
    _check_1d_input(input, "max_pool1d")
    k, s = _one_int("max_pool1d", "kernel_size", kernel), _one_int("max_pool1d", "stride", strides or kernel)
    p, d = _one_int("max_pool1d", "padding", pads), _one_int("max_pool1d", "dilation", dilations)
    out, indices = max_pool2d_with_indices(unsqueeze(input, -2), (1, k), (1, s), (0, p), (1, d), ceil_mode)
    return squeeze(out, -2), squeeze(indices, -2)


def _check_max_pool1d(input, kernel, stride, padding, dilation, ceil_mode):
    """torch's checks for max_pool1d (its messages differ from the 2-d pool's); the settings as four ints."""
    n = input.ndim
    shape = input.shape
    if not ((n == 2 and shape[0] != 0 and shape[1] != 0) or (n == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{_sizes(shape)}")
    if len(kernel) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got "
                           f"size {len(kernel)}")
    if len(stride) > 1:
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but "
                           f"got size {len(stride)}")
    if len(padding) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got "
                           f"size {len(padding)}")
    if len(dilation) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got "
                           f"size {len(dilation)}")
    k, s, p, d = kernel[0], (stride or kernel)[0], padding[0], dilation[0]
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _pooled_size(shape[-1], k, p, s, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


@aten("aten::max_pool1d")
def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode):
    k, s, p, d = _check_max_pool1d(input, *_settings("max_pool1d", 1, kernel_size, stride, padding, dilation),
                                   ceil_mode)
    if wants_grad(input) or xp_of(input._data) is not np:
        # torch needs the indices for the gradient (and has only the indexed kernel on a GPU)
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]
    _check_dtype(input, "max_pool1d_impl")
    x = input._data[..., None, :]
    rows, cols = _pool2d_axes(x.shape, (1, k), (1, s), (0, p), (1, d), ceil_mode)
    return make(_window_max(x, rows, cols)[0][..., 0, :], input.dtype)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d: the largest value of each (dilated) window over the last dim; with
    return_indices, also where it was."""
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


class _ScatterBackwardBackward(Node):
    """The derivative of scattering the gradient to the saved indices: gathering from them (torch's
    max_pool_double_backward: view, gather, view), and nothing for the pooled input."""

    __slots__ = ("self_shape",)
    unsaved_slots = ("self_shape",)  # torch keeps the input's metadata for the zeros, not a value it shows
    saved_names = ("indices",)

    def backward(self, gg):
        (indices,) = self.saved()
        g_grad = None
        if _needs(self, 0):
            planes = indices.shape[:-2]
            flat_indices = indices.view(planes + (indices.shape[-2] * indices.shape[-1],))
            flat_grad = contiguous(gg).view(planes + (gg.shape[-2] * gg.shape[-1],))
            g_grad = flat_grad.gather(-1, flat_indices).view(indices.shape)
        return g_grad, _zeros_like_self(self, gg)


class MaxPool2DWithIndicesBackwardBackward0(_ScatterBackwardBackward):
    __slots__ = ()


class AdaptiveMaxPool2DBackwardBackward0(_ScatterBackwardBackward):
    __slots__ = ()


def _scatter_backward(grad_output, self, indices, node_cls):
    """The gradient of a max pool: each output's gradient added at the input position of its maximum."""
    out = make(_scatter_to_planes(grad_output._data, indices._data, self._data.shape), grad_output.dtype)
    if wants_grad(grad_output, self):
        node = node_cls()
        node.self_shape = self._data.shape
        node.save(indices)
        attach(out, node, (grad_output, self))
    return out


@aten("aten::max_pool2d_with_indices_backward")
def max_pool2d_with_indices_backward(grad_output, self, kernel_size, stride, padding, dilation, ceil_mode, indices):
    return _scatter_backward(grad_output, self, indices, MaxPool2DWithIndicesBackwardBackward0)


# ---- average pooling --------------------------------------------------------------------------------------
class AvgPool2DBackward0(Node):
    __slots__ = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        return (avg_pool2d_backward(g, x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                    self.count_include_pad, self.divisor_override),)


class AvgPool2DBackwardBackward0(Node):
    """avg_pool2d_backward is linear in the incoming gradient: its derivative is the pool itself."""

    __slots__ = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override",
                 "self_shape")
    unsaved_slots = ("self_shape",)

    def backward(self, gg):
        g_grad = None
        if _needs(self, 0):
            g_grad = avg_pool2d(gg, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad, self.divisor_override)
        return g_grad, _zeros_like_self(self, gg)


def _avg_pool2d_settings(kernel_size, stride, padding):
    kernel, strides, pads, _ = _settings("avg_pool2d", 2, kernel_size, stride, padding)
    _check_lengths("avg_pool2d", kernel, strides, pads)
    return kernel, strides, pads


def _avg_pool2d_geometry(shape, kernel, strides, pads, ceil_mode, count_include_pad, divisor_override):
    """The window axes of an average pool and each output's divisor."""
    rows, cols = _pool2d_axes(shape, _pair(kernel), _pair(strides, _pair(kernel)), _pair(pads), (1, 1), ceil_mode)
    if divisor_override is not None:
        return rows, cols, divisor_override
    if count_include_pad:  # the window as far as it overlaps the padded input
        h, w = (np.minimum(a.starts + a.kernel, a.size + p) - a.starts for a, p in zip((rows, cols), _pair(pads)))
    else:
        h, w = rows.inside.sum(1), cols.inside.sum(1)
    return rows, cols, h[:, None] * w[None, :]


@aten("aten::avg_pool2d")
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d: the mean of each window over the last two dims (padding counts as zeros
    unless count_include_pad is False; divisor_override replaces the window size as divisor)."""
    kernel, strides, pads = _avg_pool2d_settings(kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check_has_planes(input)
    rows, cols, divisor = _avg_pool2d_geometry(input.shape, kernel, strides, pads, ceil_mode, count_include_pad,
                                               divisor_override)
    _check_dtype(input, "avg_pool2d", (_dtype.int64,))
    x = input._data
    total = _window_sum(_windows(x, rows, cols, 0), _accumulation_dtype(x.dtype))
    out = make(_divide(total, divisor).astype(x.dtype, copy=False), input.dtype)
    if wants_grad(input):
        node = AvgPool2DBackward0()
        node.kernel_size, node.stride, node.padding = kernel, strides, pads
        node.ceil_mode, node.count_include_pad, node.divisor_override = (bool(ceil_mode), bool(count_include_pad),
                                                                         divisor_override)
        node.save(input)
        attach(out, node, (input,))
    return out


@aten("aten::avg_pool2d_backward")
def avg_pool2d_backward(grad_output, self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override):
    """The gradient of avg_pool2d: each output's gradient over its divisor, added to every position it read."""
    kernel, strides, pads = _avg_pool2d_settings(kernel_size, stride, padding)
    rows, cols, divisor = _avg_pool2d_geometry(self.shape, kernel, strides, pads, ceil_mode, count_include_pad,
                                               divisor_override)
    g = grad_output._data
    out = make(_spread(_divide(g, divisor).astype(g.dtype, copy=False), rows, cols, self._data.shape),
               grad_output.dtype)
    if wants_grad(grad_output, self):
        node = AvgPool2DBackwardBackward0()
        node.kernel_size, node.stride, node.padding = kernel_size, stride, padding
        node.ceil_mode, node.count_include_pad, node.divisor_override = ceil_mode, count_include_pad, divisor_override
        node.self_shape = self._data.shape
        attach(out, node, (grad_output, self))
    return out


@aten("aten::avg_pool1d")
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d: the mean of each window over the last dim, a 2-d pool of a height-1 view."""
    kernel, strides, pads, _ = _settings("avg_pool1d", 1, kernel_size, stride, padding)
    _check_1d_input(input, "avg_pool1d")
    k, s = _one_int("avg_pool1d", "kernel_size", kernel), _one_int("avg_pool1d", "stride", strides or kernel)
    p = _one_int("avg_pool1d", "padding", pads)
    return squeeze(avg_pool2d(unsqueeze(input, -2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad), -2)


# ---- adaptive pooling -------------------------------------------------------------------------------------
def _adaptive_axes(shape, output_size):
    return _adaptive_axis(shape[-2], output_size[0]), _adaptive_axis(shape[-1], output_size[1])


def _adaptive_divide(total, rows, cols):
    """A window's sum over its height, then over its width, as torch's adaptive kernels divide."""
    return _divide(_divide(total, rows.inside.sum(1)[:, None]), cols.inside.sum(1)[None, :])


class AdaptiveAvgPool2DBackward0(Node):
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        return (_adaptive_avg_pool2d_backward(g, x),)


class AdaptiveAvgPool2DBackwardBackward0(Node):
    """_adaptive_avg_pool2d_backward is linear in the incoming gradient: its derivative is the pool itself."""

    __slots__ = ("grad_output_sym_argsize_minus_2", "grad_output_sym_argsize_minus_1", "self_shape")
    unsaved_slots = ("self_shape",)

    def backward(self, gg):
        g_grad = None
        if _needs(self, 0):
            g_grad = _adaptive_avg_pool2d(gg, (self.grad_output_sym_argsize_minus_2,
                                               self.grad_output_sym_argsize_minus_1))
        return g_grad, _zeros_like_self(self, gg)


@aten("aten::_adaptive_avg_pool2d")
def _adaptive_avg_pool2d(input, output_size):
    """The adaptive average pool's kernel: output (i, j) averages rows floor(i*H/OH) to ceil((i+1)*H/OH) and
    the columns likewise."""
    size = _int_list(output_size, 2, "_adaptive_avg_pool2d", "output_size")
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    shape = input.shape
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {_sizes(shape)}")
    for d in (input.ndim - 2, input.ndim - 1):
        if shape[d] == 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {_sizes(shape)} with dimension {d} being empty")
    _check_dtype(input, "adaptive_avg_pool2d")
    x = input._data
    rows, cols = _adaptive_axes(x.shape, size)
    total = _window_sum(_windows(x, rows, cols, 0), _accumulation_dtype(x.dtype))
    out = make(_adaptive_divide(total, rows, cols).astype(x.dtype, copy=False), input.dtype)
    if wants_grad(input):
        node = AdaptiveAvgPool2DBackward0()
        node.save(input)
        attach(out, node, (input,))
    return out


@aten("aten::_adaptive_avg_pool2d_backward")
def _adaptive_avg_pool2d_backward(grad_output, self):
    g = grad_output._data
    rows, cols = _adaptive_axes(self._data.shape, g.shape[-2:])
    out = make(_spread(_adaptive_divide(g, rows, cols), rows, cols, self._data.shape), grad_output.dtype)
    if wants_grad(grad_output, self):
        node = AdaptiveAvgPool2DBackwardBackward0()
        node.grad_output_sym_argsize_minus_2, node.grad_output_sym_argsize_minus_1 = g.shape[-2:]
        node.self_shape = self._data.shape
        attach(out, node, (grad_output, self))
    return out


@aten("aten::adaptive_avg_pool2d")
def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d: average pooling to an output of `output_size` (None entries keep
    the input's size) over the last two dims."""
    size = _int_list(_list_with_default(output_size, input.shape), 2, "adaptive_avg_pool2d", "output_size")
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    if size == (1, 1):  # torch takes the mean over the plane
        return input.mean((-1, -2), keepdim=True)
    return _adaptive_avg_pool2d(input, size)


@aten("aten::adaptive_avg_pool1d")
def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d: average pooling to `output_size` positions over the last dim."""
    _check_1d_input(input, "adaptive_avg_pool1d")
    size = _one_int("adaptive_avg_pool1d", "output_size",
                    _int_list(output_size, 1, "adaptive_avg_pool1d", "output_size"))
    return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), (1, size)), -2)


class AdaptiveMaxPool2DBackward0(Node):
    __slots__ = ()
    saved_names = ("self", "result1")

    def backward(self, g):
        x, indices = self.saved()
        return (adaptive_max_pool2d_backward(g, x, indices),)


@aten("aten::adaptive_max_pool2d")
def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """The adaptive max pool over the last two dims and the flat (H * W) index of each maximum."""
    size = _int_list(_list_with_default(output_size, input.shape), 2, "adaptive_max_pool2d", "output_size")
    shape = input.shape
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {_sizes(shape)}")
    for d in range(1, input.ndim):
        if shape[d] == 0:
            raise RuntimeError("adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
                               f"but input has sizes {_sizes(shape)} with dimension {d} being empty")
    if len(size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    if size[0] < 0 or size[1] < 0:
        negative = size[0] if size[0] < 0 else size[1]
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: "
                           f"{_sizes(shape[:-2] + tuple(size))}")
    _check_dtype(input, "adaptive_max_pool2d")
    values, index = _window_max(input._data, *_adaptive_axes(shape, size))
    out, indices = make(values, input.dtype), make(index, _dtype.int64)
    if wants_grad(input):
        node = AdaptiveMaxPool2DBackward0()
        node.save(input, indices)
        attach(out, node, (input,))
    return out, indices


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d: max pooling to an output of `output_size` (None entries keep the
    input's size) over the last two dims; with return_indices, also where each maximum was."""
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


@aten("aten::adaptive_max_pool2d_backward")
def adaptive_max_pool2d_backward(grad_output, self, indices):
    return _scatter_backward(grad_output, self, indices, AdaptiveMaxPool2DBackwardBackward0)


@aten("aten::adaptive_max_pool1d")
def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """The adaptive max pool over the last dim and the index of each maximum: a 2-d pool of a height-1 view."""
    _check_1d_input(input, "adaptive_max_pool1d")
    size = _one_int("adaptive_max_pool1d", "output_size",
                    _int_list(output_size, 1, "adaptive_max_pool1d", "output_size"))
    out, indices = adaptive_max_pool2d_with_indices(unsqueeze(input, -2), (1, size))
    return squeeze(out, -2), squeeze(indices, -2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d: max pooling to `output_size` positions over the last dim; with
    return_indices, also where each maximum was."""
    out, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, indices) if return_indices else out
