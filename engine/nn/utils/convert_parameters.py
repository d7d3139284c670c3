"""Flatten parameters into one vector and write a vector back into them."""
from ..._tensor import Tensor
from ...ops.shape import cat
from ..._typename import typename as _typename


def _check_param_device(param, old_param_device):
    """-1 for CPU, else the GPU index; all parameters must share it."""
    here = param.get_device() if param.device.type == "cuda" else -1
    if old_param_device is None:
        return here
    if here != old_param_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old_param_device


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor."""
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Slice vec into the parameters' shapes and make each parameter's data that slice."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
