"""Counting values: unique (with inverse indices and counts) and bincount; results carry no gradient."""
import numpy as np

from .. import _dtype
from ._core import aten, make, xp_of


@aten("aten::_unique2")
def unique(a, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted, as torch's CPU kernel always gives them), optionally with inverse and counts."""
    xp = xp_of(a._data)
    values, inverse, counts = xp.unique(a._data if dim is not None else a._data.reshape(-1),
                                        return_inverse=True, return_counts=True,
                                        axis=None if dim is None else a._wrap_dim(dim))
    out = make(values, a.dtype)
    if not (return_inverse or return_counts):
        return out
    result = (out,)
    if return_inverse:
        shape = a.shape if dim is None else (a.shape[a._wrap_dim(dim)],)
        result += (make(inverse.reshape(shape).astype(np.int64), _dtype.int64),)
    if return_counts:
        result += (make(counts.astype(np.int64), _dtype.int64),)
    return result


@aten("aten::bincount")
def bincount(a, weights=None, minlength=0):
    """How often each non-negative integer occurs (or the sum of its weights), at least minlength long."""
    xp = xp_of(a._data)
    if a.ndim != 1 or a.dtype.is_floating_point or a.dtype.is_complex or (a.numel() and a._data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return make(xp.bincount(a._data, minlength=minlength).astype(np.int64), _dtype.int64)
    dt = weights.dtype if weights.dtype.is_floating_point else _dtype.float64
    return make(xp.bincount(a._data, weights=weights._data.astype(np.float64), minlength=minlength).astype(dt.np), dt)
