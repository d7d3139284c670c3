"""isclose / allclose: elementwise closeness |a - b| <= atol + rtol * |b|, computed as ATen computes it."""
import numpy as np

from .. import _dtype
from .._random import _cpp_number
from ._core import aten, broadcast_message, is_tensor, make, xp_of


def _check_tensor(fn, x, name, position):
    if not is_tensor(x):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(x).__name__}")


def _close(fn, a, b, rtol, atol, equal_nan):
    _check_tensor(fn, a, "input", 1)
    _check_tensor(fn, b, "other", 2)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{a.dtype.scalar_name} did not match {b.dtype.scalar_name}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {_cpp_number(float(rtol))}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {_cpp_number(float(atol))}")
    x, y = a._data, b._data
    xp = xp_of(x)
    try:
        close = xp.broadcast_arrays(x, y)[0] == y
    except ValueError:
        raise RuntimeError(broadcast_message((x, y))) from None
    floating = a.dtype.is_floating_point or a.dtype.is_complex
    if equal_nan and floating:
        close |= xp.isnan(x) & xp.isnan(y)
    if rtol == 0 and atol == 0:  # tolerance-free closeness is equality (no inf - inf = nan surprises)
        return close
    if not floating:
        # integers and bools are compared in the default float dtype (so int64 rounds like float32)
        x = x.astype(_dtype.get_default_dtype().np)
        y = y.astype(x.dtype)
    store = x.dtype
    real = x.real.dtype if store.kind == "c" else store
    # each op rounds to the tensor's dtype, computing in its opmath type (float for half, as ATen)
    opmath = np.float64 if real == np.float64 else np.float32
    with np.errstate(all="ignore"):  # inf - inf is nan here, as in torch, and is not close
        scaled = (y.astype(np.result_type(opmath, store)) * opmath(rtol)).astype(store)
        allowed = (xp.abs(scaled).astype(opmath) + opmath(atol)).astype(real)
        actual = xp.abs(x - y)
        close |= xp.isfinite(actual) & (actual <= allowed)
    return close


@aten("aten::isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise `|input - other| <= atol + rtol * |other|` (equal values, infinities included, are close;
    NaNs only with equal_nan=True)."""
    return make(_close("isclose", input, other, rtol, atol, equal_nan), _dtype.bool_)


@aten("aten::allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element of `input` is close to `other` (see isclose); a Python bool."""
    return bool(_close("allclose", input, other, rtol, atol, equal_nan).all())
