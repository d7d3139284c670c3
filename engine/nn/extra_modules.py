"""Small modules tutorials reach for: Unflatten, channel-wise Dropout1d/2d/3d, PReLU, Softmax2d and the
padding layers (ZeroPad / ConstantPad / ReflectionPad / ReplicationPad, 1d to 3d)."""
from ..ops import creation_ops
from ..ops.norm_ops import pad
from . import init
from .extra_functional import dropout1d, dropout2d, dropout3d, prelu
from .modules import Module, _DropoutNd
from .parameter import Parameter


class Unflatten(Module):
    """Expand dim `dim` into `unflattened_size` (Flatten's inverse, for Sequential)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for idx, elem in enumerate(unflattened_size):
            if not isinstance(elem, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                f"{type(elem).__name__} at pos {idx}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs in training."""
    _dropout = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs in training."""
    _dropout = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs in training."""
    _dropout = staticmethod(dropout3d)


class PReLU(Module):
    """LeakyReLU with a learnt negative slope: one shared value, or one per channel (dim 1)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(creation_ops.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self):
        _init.constant_(self.weight, self.init)

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


_init = init  # PReLU's `init` argument shadows the module's name inside its methods


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) inputs."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return input.softmax(-3)


def _ntuple(padding, n):
    """torch's _ntuple: an iterable as a tuple, a single amount repeated n times."""
    try:
        return tuple(padding)
    except TypeError:
        return (padding,) * n


class _ConstantPadNd(Module):
    def __init__(self, padding, value):
        super().__init__()
        self.padding, self.value = _ntuple(padding, self._amounts), value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _IndexPadNd(Module):
    """The reflect and replicate layers: a padding only, shown bare in the repr."""

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._amounts)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


def _padding_class(name, base, amounts, mode=None, doc=""):
    attrs = {"_amounts": amounts, "__doc__": doc}
    if mode is not None:
        attrs["_mode"] = mode
    return type(name, (base,), attrs)


ConstantPad1d = _padding_class("ConstantPad1d", _ConstantPadNd, 2, doc="Pad the last dim with a constant value.")
ConstantPad2d = _padding_class("ConstantPad2d", _ConstantPadNd, 4, doc="Pad the last 2 dims with a constant value.")
ConstantPad3d = _padding_class("ConstantPad3d", _ConstantPadNd, 6, doc="Pad the last 3 dims with a constant value.")
ZeroPad1d = _padding_class("ZeroPad1d", _ZeroPadNd, 2, doc="Pad the last dim with zeros.")
ZeroPad2d = _padding_class("ZeroPad2d", _ZeroPadNd, 4, doc="Pad the last 2 dims with zeros.")
ZeroPad3d = _padding_class("ZeroPad3d", _ZeroPadNd, 6, doc="Pad the last 3 dims with zeros.")
ReflectionPad1d = _padding_class("ReflectionPad1d", _IndexPadNd, 2, "reflect", "Pad the last dim by reflection.")
ReflectionPad2d = _padding_class("ReflectionPad2d", _IndexPadNd, 4, "reflect", "Pad the last 2 dims by reflection.")
ReflectionPad3d = _padding_class("ReflectionPad3d", _IndexPadNd, 6, "reflect", "Pad the last 3 dims by reflection.")
ReplicationPad1d = _padding_class("ReplicationPad1d", _IndexPadNd, 2, "replicate",
                                  "Pad the last dim by repeating its edge values.")
ReplicationPad2d = _padding_class("ReplicationPad2d", _IndexPadNd, 4, "replicate",
                                  "Pad the last 2 dims by repeating their edge values.")
ReplicationPad3d = _padding_class("ReplicationPad3d", _IndexPadNd, 6, "replicate",
                                  "Pad the last 3 dims by repeating their edge values.")
