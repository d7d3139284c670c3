"""Devices and their array modules: cpu -> numpy, cuda:N -> cupy (imported only when asked for)."""
import numpy as np


class device:
    """torch.device: `device('cpu')`, `device('cuda')`, `device('cuda:1')`, `device('cuda', 1)`."""

    __slots__ = ("type", "index")

    def __new__(cls, spec, index=None):
        if isinstance(spec, device):
            return spec
        if isinstance(spec, int):
            spec, index = "cuda", spec
        if not isinstance(spec, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type(spec).__name__})")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, "
                "vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: " + spec
            )
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        return _intern(kind, index)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


_INTERNED = {}


def _intern(kind, index):
    key = (kind, index)
    d = _INTERNED.get(key)
    if d is None:
        d = object.__new__(device)
        d.type, d.index = kind, index
        _INTERNED[key] = d
    return d


CPU = _intern("cpu", None)


def cupy_module():
    """The cupy module, or a clear error when CUDA is not usable here."""
    try:
        import cupy
    except ImportError:
        raise AssertionError("Torch not compiled with CUDA enabled") from None
    return cupy


def cuda_is_available():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def cuda_device_count():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount()
    except Exception:
        return 0


# torch.set_default_device's choice; None while it is the CPU, so creation keeps its CPU fast path
_default_override = None


def default_override():
    """The device set by set_default_device when it is not the CPU, else None."""
    return _default_override


def set_default_device(spec):
    """torch.set_default_device: where factory functions put tensors when no device= is given."""
    global _default_override
    if spec is None:
        _default_override = None
        return
    if isinstance(spec, int) and not isinstance(spec, bool) and not cuda_is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    chosen = device(spec)
    if chosen.type == "meta":
        raise RuntimeError("gradtrace has no meta tensors: set_default_device takes 'cpu' or 'cuda'")
    _default_override = None if chosen.type == "cpu" else chosen


def get_default_device():
    """torch.get_default_device: the CPU, or the CUDA device set (torch's error where CUDA is not usable)."""
    if _default_override is None:
        return CPU
    cupy = cupy_module()
    index = _default_override.index
    return _intern("cuda", int(cupy.cuda.runtime.getDevice()) if index is None else index)


def normalize(spec):
    """A device from user input; bare 'cuda' means the current CUDA device (0); None the default device."""
    if spec is None:
        return CPU if _default_override is None else get_default_device()
    d = device(spec)
    if d.type == "cuda" and d.index is None:
        d = _intern("cuda", 0)
    return d


def array_module(dev):
    return np if dev.type == "cpu" else cupy_module()


def device_of_array(arr):
    """The device an array lives on (numpy -> cpu, cupy -> cuda:N)."""
    if isinstance(arr, (np.ndarray, np.generic)):
        return CPU
    return _intern("cuda", int(arr.device.id))


def to_device(arr, dev):
    """Copy an array to `dev` (explicitly; ops never move data implicitly)."""
    src = device_of_array(arr)
    if src == dev:
        return arr
    if dev.type == "cpu":
        return arr.get()
    cp = cupy_module()
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(arr)
