"""The pointwise steps of torch's optimisers on raw arrays, rounded as torch's vectorised CPU kernels round.

Measured against torch 2.x on CPU (float32 and float64, every length): `a.add(b, alpha=s)` is
fma(b, s, a), `a.addcmul(t1, t2, value=s)` is fma(s * t1, t2, a), `a.addcdiv(t1, t2, value=s)` is
a + (s * t1) / t2 without fusion, and a Python scalar operand is first rounded to the tensor's dtype.
Optimisers write their updates through these so parameters match torch's bit for bit.
"""
from ..ops.arith import _lerp_data, fused_multiply_add as fma
from ..ops._core import xp_of


def scalar(value, like):
    """A Python number as the tensor kernel sees it: rounded to the array's dtype."""
    return like.dtype.type(value)


def add(a, b, alpha):
    """torch's a.add(b, alpha=alpha)."""
    return fma(b, scalar(alpha, a), a)


def addcmul(a, t1, t2, value):
    """torch's a.addcmul(t1, t2, value=value)."""
    return fma(scalar(value, a) * t1, t2, a)


def addcdiv(a, t1, t2, value):
    """torch's a.addcdiv(t1, t2, value=value)."""
    return a + (scalar(value, a) * t1) / t2


def lerp(a, end, weight):
    """torch's a.lerp(end, weight) for a number weight."""
    xp = xp_of(a)
    return _lerp_data(xp, a, end, xp.asarray(weight, dtype=a.dtype)).astype(a.dtype, copy=False)


def write(t, data):
    """Store an update into tensor t in place, as torch's in-place ops do (bumping its version)."""
    t._data[...] = data
    t._bump_version()
