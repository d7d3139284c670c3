"""torch.accelerator: the one accelerator a program may use, here CUDA through CuPy (or none)."""
from . import _device

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "device_count", "is_available",
           "set_device_idx", "set_device_index", "synchronize"]

_NONE_AVAILABLE = "Cannot access accelerator device when none is available."


def is_available():
    """Whether an accelerator (a CUDA GPU that CuPy can use) is present."""
    return _device.cuda_is_available()


def device_count():
    """How many accelerator devices there are (0 without CuPy or a GPU)."""
    return _device.cuda_device_count()


def current_accelerator(check_available=False):
    """`device(type='cuda')` where CuPy and a GPU are, else None (torch's answer on a CPU build)."""
    if _device.cuda_is_available():
        return _device.device("cuda")
    return None


def _cupy_or_refuse():
    if not _device.cuda_is_available():
        raise RuntimeError(_NONE_AVAILABLE)
    return _device.cupy_module()


def current_device_index():
    """The index of the current CUDA device."""
    return int(_cupy_or_refuse().cuda.runtime.getDevice())


def set_device_index(device):
    """Make `device` (an index, 'cuda:N' or a torch.device) the current CUDA device."""
    cupy = _cupy_or_refuse()
    index = device if isinstance(device, int) else _device.normalize(device).index
    cupy.cuda.runtime.setDevice(index)


def synchronize(device=None):
    """Wait for the work queued on the device (the current one by default) to finish."""
    cupy = _cupy_or_refuse()
    index = current_device_index() if device is None else (
        device if isinstance(device, int) else _device.normalize(device).index)
    with cupy.cuda.Device(index):
        cupy.cuda.Device(index).synchronize()


current_device_idx = current_device_index
set_device_idx = set_device_index
