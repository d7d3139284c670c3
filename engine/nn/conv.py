"""Convolution modules: Conv1d and Conv2d (torch's _ConvNd, without the transposed variants)."""
import math

from ..ops import creation_ops
from ..ops.conv_ops import conv1d, conv2d
from ..ops.norm_ops import pad
from . import init
from .modules import Module
from .parameter import Parameter


def _ntuple(value, n):
    """torch's _single / _pair: a sequence as a tuple, anything else repeated n times."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """A convolution layer with weight (out_channels, in_channels/groups, *kernel_size) and optional bias.

    padding_mode 'reflect', 'replicate' or 'circular' pads with F.pad first and convolves unpadded, as torch does.
    """

    _dims = 0  # spatial dims: 1 for Conv1d, 2 for Conv2d
    _conv = None  # the functional

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        n = self._dims
        kernel_size, stride, dilation = _ntuple(kernel_size, n), _ntuple(stride, n), _ntuple(dilation, n)
        if not isinstance(padding, str):
            padding = _ntuple(padding, n)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}  # printed as a set, as torch's message does
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.transposed, self.output_padding = False, (0,) * n
        self.groups, self.padding_mode = groups, padding_mode
        self._reversed_padding_repeated_twice = _reversed_padding(padding, kernel_size, dilation)
        self.weight = Parameter(creation_ops.empty(out_channels, in_channels // groups, *kernel_size, dtype=dtype,
                                                   device=device))
        if bias:
            self.bias = Parameter(creation_ops.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            no_padding = (0,) * self._dims
            return self._conv(padded, self.weight, self.bias, self.stride, no_padding, self.dilation, self.groups)
        return self._conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


def _reversed_padding(padding, kernel_size, dilation):
    """The padding as F.pad takes it (last dim first, each side given): torch's _reversed_padding_repeated_twice.

    'same' puts the odd one out on the right; 'valid' is none. A list for the strings, a tuple otherwise, as torch.
    """
    if isinstance(padding, str):
        amounts = [0, 0] * len(kernel_size)
        if padding == "same":
            for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                total = d * (k - 1)
                amounts[2 * i], amounts[2 * i + 1] = total // 2, total - total // 2
        return amounts
    return tuple(p for p in reversed(padding) for _ in range(2))


class Conv1d(_ConvNd):
    """Cross-correlate (N, C_in, L) or (C_in, L) inputs with out_channels learned kernels of kernel_size."""

    _dims = 1
    _conv = staticmethod(conv1d)


class Conv2d(_ConvNd):
    """Cross-correlate (N, C_in, H, W) or (C_in, H, W) inputs with out_channels learned kernels of kernel_size."""

    _dims = 2
    _conv = staticmethod(conv2d)
