"""Factories: zeros/ones/full/empty (+ _like), arange, linspace (torch's fused algorithm), eye, nonzero."""
import math

import numpy as np

from .. import _dtype
from .._device import array_module, normalize
from .._fma import fma_f32, fma_f64
from .._random import _cpp_number
from .._size import Size
from ._core import make, xp_of
from .validate import allocation_failed, check_shape


def _size(size):
    """A size given as varargs or one sequence, as a tuple of ints (torch's errors for anything else)."""
    return check_shape(_parse_size(size))


def _parse_size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            from .._tensor import Tensor

            if isinstance(s, Tensor) and s.numel() == 1:
                s = int(s.item())
            else:
                raise TypeError(
                    f"zeros(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                    f"{type(s).__name__} at pos {len(out)}"
                )
        out.append(int(s))
    return tuple(out)


def finish(data, dt, requires_grad):
    t = make(data, dt)
    if requires_grad:
        t.requires_grad = True
    return t


def _fill(size, value, dtype, device, requires_grad, default):
    dt = dtype or default
    dev = normalize(device)
    xp = array_module(dev)
    shape = _size(size)
    try:
        if dev.type == "cuda":
            with xp.cuda.Device(dev.index):
                return finish(xp.full(shape, value, dtype=dt.np), dt, requires_grad)
        return finish(xp.full(shape, value, dtype=dt.np), dt, requires_grad)
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, shape, dt.np) from None


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    size = _parse_size(size)
    if any(s < 0 for s in size):  # zeros has a text of its own
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _fill(size, 0, dtype, device, requires_grad, _dtype.get_default_dtype())


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    return _fill(size, 1, dtype, device, requires_grad, _dtype.get_default_dtype())


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
          memory_format=None):
    return _fill(size, 0, dtype, device, requires_grad, _dtype.get_default_dtype())


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    if hasattr(fill_value, "item"):
        fill_value = fill_value.item()
    default = _dtype.scalar_dtype(fill_value)
    return _fill((size,) if not isinstance(size, (tuple, list, Size)) else (tuple(size),), fill_value, dtype,
                 device, requires_grad, default)


def _like(t, value, dtype, device, requires_grad):
    dt = dtype or t.dtype
    dev = normalize(device) if device is not None else t.device
    xp = array_module(dev)
    return finish(xp.full(t._data.shape, value, dtype=dt.np), dt, requires_grad)


def zeros_like(t, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(t, 0, dtype, device, requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(t, 1, dtype, device, requires_grad)


def empty_like(t, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(t, 0, dtype, device, requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(t, fill_value, dtype, device, requires_grad)


def ones_like_array(t):
    """The implicit seed gradient of backward (ones of the output's shape, dtype and device)."""
    xp = xp_of(t._data)
    return make(xp.ones(t._data.shape, dtype=t._data.dtype), t.dtype)


def _number(x):
    return x.item() if hasattr(x, "item") else x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    for bound in (start, end):
        if not math.isfinite(bound):
            raise RuntimeError(f"unsupported range: {_cpp_number(start)} -> {_cpp_number(end)}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dt = dtype or (_dtype.get_default_dtype() if is_float else _dtype.int64)
    if dt is _dtype.bool_:
        raise _dtype.not_implemented("arange_cpu", dt)
    n = int(math.ceil((end - start) / step))
    xp = array_module(normalize(device))
    try:
        data = _arange_data(start, step, n, dt, is_float)
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, (n,), dt.np) from None
    return finish(xp.asarray(data), dt, requires_grad)


def _arange_data(start, step, n, dt, is_float):
    if dt.is_floating_point:
        # torch computes start + i*step in double (accscalar) then casts
        return (start + np.arange(n, dtype=np.float64) * step).astype(dt.np)
    if not is_float:
        return (start + np.arange(n, dtype=np.int64) * int(step)).astype(dt.np)
    return np.floor(start + np.arange(n) * step).astype(dt.np)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """torch's CPU linspace: step in the dtype, fused multiply-adds from both ends (bit-exact)."""
    start, end = _number(start), _number(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = dtype or _dtype.get_default_dtype()
    npdt = dt.np if dt.is_floating_point else np.float64
    xp = array_module(normalize(device))
    try:
        data = _linspace_data(start, end, steps, npdt)
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, (steps,), dt.np) from None
    if not dt.is_floating_point:
        data = data.astype(dt.np)
    return finish(xp.asarray(data), dt, requires_grad)


def _linspace_data(start, end, steps, npdt):
    if steps == 0:
        data = np.zeros(0, dtype=npdt)
    elif steps == 1:
        data = np.asarray([start], dtype=npdt)
    else:
        s, e = npdt.type(start), npdt.type(end)
        step = npdt.type((e - s) / npdt.type(steps - 1))
        half = steps // 2
        idx = np.arange(steps)
        fma = fma_f32 if npdt == np.float32 else fma_f64
        lo = fma(step, idx[:half].astype(npdt), s)
        hi = fma(-step, (steps - 1 - idx[half:]).astype(npdt), e)
        data = np.concatenate([np.asarray(lo, dtype=npdt), np.asarray(hi, dtype=npdt)])
    return data


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=_dtype.float64)
    dt = dtype or _dtype.get_default_dtype()
    return finish(np.power(base, lin._data).astype(dt.np), dt, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    dt = dtype or _dtype.get_default_dtype()
    xp = array_module(normalize(device))
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    if n * m > np.iinfo(np.int64).max:
        raise RuntimeError("numel: integer multiplication overflow")
    try:
        return finish(xp.eye(n, m, dtype=dt.np), dt, requires_grad)
    except (MemoryError, ValueError) as exc:
        raise allocation_failed(exc, (n, m), dt.np) from None


def nonzero(t, *, as_tuple=False):
    xp = xp_of(t._data)
    if t.ndim == 0:  # numpy refuses a 0-d array; torch answers as for one element
        n = int(bool(t._data))
        if as_tuple:
            return (make(xp.zeros(n, dtype=np.int64), _dtype.int64),)
        return make(xp.zeros((n, 0), dtype=np.int64), _dtype.int64)
    idx = xp.nonzero(t._data)
    if as_tuple:
        return tuple(make(i.astype(np.int64), _dtype.int64) for i in idx)
    return make(xp.stack(idx, axis=1).astype(np.int64) if idx else xp.zeros((0, 0), dtype=np.int64), _dtype.int64)


def tril(t, diagonal=0):
    from .arith import mul

    mask = make(np.tril(np.ones(t.shape[-2:], dtype=bool), diagonal), _dtype.bool_)
    return mul(t, mask)


def triu(t, diagonal=0):
    from .arith import mul

    mask = make(np.triu(np.ones(t.shape[-2:], dtype=bool), diagonal), _dtype.bool_)
    return mul(t, mask)

