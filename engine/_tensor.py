"""The Tensor: an array of its device's array module plus autograd state.

Only the data model lives here (construction, autograd attributes, conversions, printing hooks);
ops are attached from `gradtrace.engine.ops`, each defined once with its backward.
"""
import weakref
import warnings

import numpy as np

from . import _dtype
from ._device import CPU, device_of_array
from ._grad_mode import GRAD
from ._size import Size
from ._storage import UntypedStorage, array_address

_ndarray = np.ndarray
_FROM_NP = _dtype.FROM_NUMPY

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. "
    "(Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"
)


_SCALAR_OF_GRAD_WARNED = False


def _warn_scalar_of_grad():
    """torch's warning for float() of a tensor that requires grad: once per process (TORCH_WARN_ONCE)."""
    global _SCALAR_OF_GRAD_WARNED
    _SCALAR_OF_GRAD_WARNED = True
    from ._warn import warn_user

    warn_user("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
              "Consider using tensor.detach() first. (Triggered internally at "
              "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)")


def _accumulate_grad_node(leaf):
    """A new AccumulateGrad for `leaf`; the node class is fetched on first use (autograd imports
    this module), and then this function replaces itself with the class."""
    global _accumulate_grad_node
    from .autograd.node import AccumulateGrad

    _accumulate_grad_node = AccumulateGrad
    return AccumulateGrad(leaf)


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd."""

    # Hot fields are slots; rare ones (hooks, views, retained grads) default on the class and land in
    # the instance __dict__ only when set, so making an op's output costs five stores.
    __slots__ = ("_data", "dtype", "_requires_grad", "grad_fn", "_output_nr", "__dict__", "__weakref__")

    _grad = None
    _vc = None  # version counter: a one-element list shared with views, created on first need
    _base = None
    _view_fn = None  # base array -> this view's array, for in-place writes through views (CopySlices)
    _accum_ref = None  # weakref to this leaf's AccumulateGrad node
    _hooks = None
    _retains_grad = False
    _is_param = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mkldnn = False
    is_nested = False
    # numpy operands defer to the tensor's reflected operators (np.float64(2) * t is a tensor)
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        # torch.Tensor(2, 3) / torch.Tensor([1., 2.]): the legacy constructor (float32)
        from ._creation import legacy_constructor

        if cls is Tensor or not args or not isinstance(args[0], Tensor):
            return legacy_constructor(cls, _dtype.get_default_dtype(), *args, **kwargs)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    # -- construction fast path -----------------------------------------------------------------
    @staticmethod
    def _make(data, dtype=None):
        t = object.__new__(Tensor)
        if type(data) is not _ndarray and isinstance(data, np.generic):
            data = np.asarray(data)  # numpy reduces 0-d results to scalars; keep real (writable) arrays
        t._data = data
        t.dtype = dtype if dtype is not None else _FROM_NP[data.dtype]
        t._requires_grad = False
        t.grad_fn = None
        t._output_nr = 0
        return t

    # -- autograd attributes --------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if not isinstance(value, bool):
            raise RuntimeError("requires_grad must be a bool")
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                            f"{type(requires_grad).__name__}")
        if self.grad_fn is not None and not requires_grad:
            self.requires_grad = requires_grad  # raises torch's message
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.cpp_name}' "
                    f"to a tensor with grad_dtype '{self.dtype.scalar_name}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a "
                    "specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a "
                    "tensor and its gradient may break downstream systems that assume they match.")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                                   f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def _version(self):
        vc = self._vc
        return 0 if vc is None else vc[0]

    def _bump_version(self):
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    def _shared_version_counter(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _accumulator(self):
        """This leaf's AccumulateGrad node, shared by every graph that uses the leaf."""
        ref = self._accum_ref
        node = ref() if ref is not None else None
        if node is None:
            node = _accumulate_grad_node(self)
            self._accum_ref = weakref.ref(node)
        return node

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self.grad_fn._extras().setdefault("retained", {})[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.node import RemovableHandle

        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd.engine import backward

        backward((self,), gradient, retain_graph, create_graph, inputs=inputs)

    # -- metadata ---------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def _wrap_dim(self, dim, ndim=None):
        n = self._data.ndim if ndim is None else ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"dim must be an int, got {type(dim).__name__}")
        if dim < lo or dim > hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % max(n, 1)

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return int(self._data.nbytes)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def device(self):
        data = self._data
        return CPU if type(data) is _ndarray else device_of_array(data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    def get_device(self):
        d = self.device
        return -1 if d.type == "cpu" else d.index

    @property
    def layout(self):
        from . import strided

        return strided

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def _is_view(self):
        return self._base is not None

    def untyped_storage(self):
        """The bytes behind this tensor, shared with its base and every view of that base."""
        owner = self._base if self._base is not None else self
        storage = owner.__dict__.get("_storage")
        if storage is None or storage._array is not owner._data:  # in-place ops may swap the array
            storage = owner._storage = UntypedStorage(owner._data)
        return storage

    def storage_offset(self):
        if self._base is None and type(self._data) is _ndarray and self._data.flags.c_contiguous:
            return 0  # the common case, without building the storage
        return (self.data_ptr() - self.untyped_storage().data_ptr()) // self._data.itemsize

    def data_ptr(self):
        return array_address(self._data)

    def type(self, dtype=None):
        if dtype is None:
            prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
            return prefix + self.dtype.legacy_name
        return self.to(dtype)

    # -- conversions ------------------------------------------------------------------------------
    @property
    def data(self):
        # torch gives .data its own version counter: changes through it are invisible to autograd
        return Tensor._make(self._data, self.dtype)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data
        self.dtype = value.dtype

    def item(self):
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if type(self._data) is _ndarray else self._data.item()

    def tolist(self):
        data = self._data
        if type(data) is not _ndarray:
            data = data.get()
        return data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            if force:
                return self._data.get()
            raise TypeError(
                f"can't convert {self.device.type}:{self.device.index} device type tensor to numpy. "
                "Use Tensor.cpu() to copy the tensor to host memory first."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy() if not self._requires_grad else self._data
        if type(arr) is not _ndarray:
            arr = arr.get()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def _scalar_check(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __float__(self):
        self._scalar_check()
        if self._requires_grad and not _SCALAR_OF_GRAD_WARNED:
            _warn_scalar_of_grad()
        return float(self.item())

    def __int__(self):
        self._scalar_check()
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        self._scalar_check()
        return complex(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr

        return tensor_repr(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        if self._data.ndim == 0 and not self._is_param:
            return self.detach().item().__format__(spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __reduce_ex__(self, protocol):
        from ._creation import _rebuild

        data = self._data if type(self._data) is _ndarray else self._data.get()
        return (_rebuild, (data, self.dtype.name, str(self.device), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
                "  If you were attempting to deepcopy a module, this may be because of a torch.nn.utils.weight_norm usage, "
                "see https://github.com/pytorch/pytorch/pull/103001"
            )
        t = Tensor._make(self._data.copy(), self.dtype)
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        if self._is_param:
            from .nn.parameter import Parameter

            t = Parameter(t, requires_grad=self._requires_grad)
        memo[id(self)] = t
        return t
