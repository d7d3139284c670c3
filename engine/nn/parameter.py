"""nn.Parameter: a leaf tensor that modules register; prints with "Parameter containing:"."""
from .._tensor import Tensor


class Parameter(Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        from ..ops.creation_ops import empty

        if data is None:
            data = empty(0)
        t = object.__new__(cls)
        t._data = data._data
        t.dtype = data.dtype
        t.grad_fn = None
        t._output_nr = 0
        t._requires_grad = False
        t._is_param = True
        t._vc = data._shared_version_counter()
        if requires_grad:
            t.requires_grad = True
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        from .._tensor_str import parameter_repr

        return parameter_repr(self)

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach(), self.requires_grad))
