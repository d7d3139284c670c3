"""The argument checks ops share, raising torch's exception types and texts: dims, indices, sizes and
allocation, the dtypes a kernel dispatches.

Checks stay off the common path: a dim or index is checked where it is wrapped anyway, a size where an
array is allocated, and numpy's own complaints (an out-of-bounds axis, a failed allocation) are caught
and translated rather than foreseen.
"""
import functools
import math

import numpy as np

from .. import _dtype
from .._dtype import not_implemented

# ---- the dtype sets torch's CPU dispatch macros cover ----------------------------------------------
INTEGRAL = frozenset({_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64})
BOOL = frozenset({_dtype.bool_})
NOT_FLOATING = INTEGRAL | BOOL  # AT_DISPATCH_FLOATING_TYPES* refuses these
FLOATING = frozenset({_dtype.float16, _dtype.bfloat16, _dtype.float32, _dtype.float64})


def refuses(dtypes, kernel):
    """Decorate an op whose first argument's dtype torch's kernel does not dispatch when it is in `dtypes`.

    `kernel` is the kernel's name (ATen's "not implemented for" error) or a function of the dtype that
    returns the exception torch raises instead. A first argument that is no tensor is left to the op.
    """
    error = kernel if callable(kernel) else functools.partial(not_implemented, kernel)

    def wrap(fn):
        @functools.wraps(fn)
        def op(a, *args, **kwargs):
            try:
                refused = a.dtype in dtypes
            except AttributeError:  # not a tensor
                refused = False
            if refused:
                raise error(a.dtype)
            return fn(a, *args, **kwargs)

        return op

    return wrap


def refuse(a, dtypes, kernel):
    """The same check inline, for ops that test a dtype other than their first argument's."""
    if a.dtype in dtypes:
        raise kernel(a.dtype) if callable(kernel) else not_implemented(kernel, a.dtype)


# ---- dims and indices ------------------------------------------------------------------------------
def dim_error(dim, ndim):
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    return IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")


def unique_dims(dims):
    """torch's refusal of a dim list naming one dim twice (dims already wrapped)."""
    if len(set(dims)) != len(dims):
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    return dims


def index_error(index, dim, size):
    return IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")


def out_of_bounds(index_data, dim, size, exc=IndexError):
    """torch's text for the first index in `index_data` outside [-size, size), as `exc`."""
    flat = np.asarray(index_data).reshape(-1)
    bad = flat[(flat < -size) | (flat >= size)]
    text = f"index {int(bad[0]) if bad.size else '?'} is out of bounds for dimension {dim} with size {size}"
    return exc(text)


# ---- sizes and allocation --------------------------------------------------------------------------
_INT64_MAX = np.iinfo(np.int64).max


def check_shape(shape):
    """torch's error for a size with a negative entry."""
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def allocation_failed(exc, shape, np_dtype):
    """The error torch raises, in place of numpy's `exc`, for an array of `shape` that could not be made:
    a size whose bytes overflow 64 bits, or a request the allocator refuses (numpy: MemoryError)."""
    nbytes = math.prod(shape) * np.dtype(np_dtype).itemsize
    if nbytes > _INT64_MAX:
        return RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    if isinstance(exc, MemoryError):
        return RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
            f"allocate {nbytes} bytes. Error code 12 (Cannot allocate memory)")
    return exc


def allocating(make_array, shape, np_dtype):
    """make_array() (which allocates `shape`), with torch's errors where it cannot."""
    try:
        return make_array()
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, shape, np_dtype) from None


# ---- what hooks return -----------------------------------------------------------------------------
def _hook_name(hook):
    return getattr(hook, "__name__", type(hook).__name__)


def hook_result(hook, value, like):
    """A tensor hook's replacement for gradient `like`, refused as torch refuses it: not a tensor, or a
    tensor of another size, dtype or device."""
    from .._tensor import Tensor

    if not isinstance(value, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(value).__name__}'")
    if like is not None:
        if value.dtype is not like.dtype or value.device != like.device:
            raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was {like.type()} got "
                               f"{value.type()})")
        if value._data.shape != like._data.shape:
            raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return value


def hook_results(hook, values, likes):
    """A node hook's replacement tuple for `likes` (entries may be None), checked as torch checks it."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"expected tuple, but hook returned '{type(values).__name__}'")
    if len(values) != len(likes):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got "
                           f"{len(values)}, but expected {len(likes)})")
    return tuple(v if v is None else hook_result(hook, v, like) for v, like in zip(values, likes))


def indexing_failed(exc, shape, key):
    """torch's IndexError for numpy's refusal of `key` on an array of `shape` (numpy says "axis" where torch
    says "dimension", and words a mask that does not fit in its own way)."""
    text = str(exc)
    if text.startswith("boolean index did not match"):
        dim = 0
        for k in key:
            if isinstance(k, np.ndarray) and k.dtype == bool:
                return IndexError(f"The shape of the mask {list(k.shape)} at index {dim} does not match the shape of "
                                  f"the indexed tensor {list(shape)} at index {dim}")
            dim += 1 if k is not None else 0
    if text.startswith("too many indices for array"):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    return IndexError(text.replace(" for axis ", " for dimension "))


def index_tensor(op, index, ndim=None, dtypes="int32/int64"):
    """torch's checks of gather/scatter/index_select's index: an integer tensor (of `ndim` dims)."""
    if index.dtype is not _dtype.int64 and index.dtype is not _dtype.int32:
        raise RuntimeError(f"{op}(): Expected dtype {dtypes} for index")
    if ndim is not None and index.ndim != ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if op == 'gather' else 'self'} tensor")
    return index._data
