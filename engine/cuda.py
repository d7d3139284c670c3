"""torch.cuda: whether CuPy sees an NVIDIA GPU, and the few helpers tutorials call."""
from ._device import cuda_device_count, cuda_is_available


def is_available():
    return cuda_is_available()


def device_count():
    return cuda_device_count()


def current_device():
    if not is_available():
        raise RuntimeError("No CUDA GPUs are available")
    import cupy

    return cupy.cuda.runtime.getDevice()


def synchronize(device=None):
    if is_available():
        import cupy

        cupy.cuda.runtime.deviceSynchronize()


def manual_seed(seed):
    """CUDA tensors draw from the CPU generator here (then move), so there is nothing separate to seed."""


def manual_seed_all(seed):
    """See manual_seed."""


def get_device_name(device=None):
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(device or 0)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name
