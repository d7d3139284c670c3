"""What every op shares: wrapping outputs, wiring nodes, dtype promotion for operands, profiling."""
import functools
from threading import get_ident as _thread

import numpy as np

from .. import _dtype
from .._grad_mode import GRAD
from .._numpy_quiet import enter as _enter_quiet, leave as _leave_quiet
from .._profiler_recorder import NO_SEQ, SEQ, clock as _now
from .._profiler_state import PROFILER
from .._tensor import Tensor
from ..autograd import anomaly

make = Tensor._make
NO_EDGE = (None, 0)
_ndarray = np.ndarray
_NUMBER_TYPES = (int, float, bool, complex)


def as_uint64(n):
    """An int as torch shows a negative SymInt or dim among a node's saved values (-1 -> 18446744073709551615)."""
    return n % (1 << 64)


def is_tensor(x):
    return x.__class__ is Tensor or isinstance(x, Tensor)


def edge(x):
    """The graph edge an input contributes: its grad_fn, its leaf's AccumulateGrad, or (None, 0)."""
    if (x.__class__ is Tensor or isinstance(x, Tensor)) and x._requires_grad:
        gf = x.grad_fn
        return (gf, x._output_nr) if gf is not None else (x._accumulator(), 0)
    return NO_EDGE


def wants_grad(*inputs):
    """True when grad mode is on and some input requires grad."""
    if not GRAD.enabled:
        return False
    for x in inputs:
        if (x.__class__ is Tensor or isinstance(x, Tensor)) and x._requires_grad:
            return True
    return False


def attach(out, node, inputs):
    """Make `node` the grad_fn of `out`, with one edge per entry of `inputs`."""
    # edge() written out: this runs for every recorded op, and a call per input is measurable
    edges = []
    for x in inputs:
        if (x.__class__ is Tensor or isinstance(x, Tensor)) and x._requires_grad:
            gf = x.grad_fn
            if gf is not None:
                edges.append((gf, x._output_nr))
            else:  # a leaf: its AccumulateGrad, alive while some graph holds it (Tensor._accumulator)
                ref = x._accum_ref
                sink = ref() if ref is not None else None
                edges.append((sink if sink is not None else x._accumulator(), 0))
        else:
            edges.append(NO_EDGE)
    node.next_functions = tuple(edges)
    out._requires_grad = True
    out.grad_fn = node
    if anomaly.STATE.enabled:
        anomaly.record_forward(node)
    return out


def attach_multi(outs, node, inputs):
    """Like attach for nodes with several outputs (unbind, split, ...)."""
    node.next_functions = tuple([edge(x) for x in inputs])
    for i, out in enumerate(outs):
        out._requires_grad = True
        out.grad_fn = node
        out._output_nr = i
    if anomaly.STATE.enabled:
        anomaly.record_forward(node)
    return outs


def xp_of(data):
    """The array module of an array: numpy on the CPU, cupy on a GPU."""
    if type(data) is _ndarray or isinstance(data, np.generic):
        return np
    import cupy

    return cupy


def aten(name):
    """Name an op for the profiler; costs one flag read when no profiler is active."""

    def wrap(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            token = _enter_quiet()  # numpy quiet inside ops (see _numpy_quiet)
            try:
                if PROFILER.active:
                    log = PROFILER.log
                    if log is None:
                        return _profiled_in_detail(name, fn, args, kwargs)
                    # The profiler's hottest path, so written out here rather than calling
                    # recorder.begin/end: one finished record (name, start, end, thread, seq).
                    start = _now()
                    try:
                        out = fn(*args, **kwargs)
                    except BaseException:
                        log.append((name, start, _now(), _thread(), NO_SEQ))
                        raise
                    try:  # nearly every op returns a tensor; the rest (tuples, numbers) pay for the raise
                        node = out.grad_fn
                    except AttributeError:
                        node = None
                    # seq: the trace's arrow from this op to its backward
                    log.append((name, start, _now(), log.home_thread if log.home._is_owned() else _thread(),
                                NO_SEQ if node is None else node._seq))
                    return out
                return fn(*args, **kwargs)
            except ValueError as exc:
                if "could not be broadcast" not in str(exc):
                    raise
                raise RuntimeError(broadcast_message(args + tuple(kwargs.values()))) from None
            finally:
                if token is not None:
                    _leave_quiet(token)

        op.aten_name = name
        return op

    return wrap


def _profiled_in_detail(name, fn, args, kwargs):
    """Run one op inside a record that a session wants shapes, memory, stacks or CUDA time for."""
    recorder = PROFILER.recorder
    record = recorder.begin(name, args)
    try:
        out = fn(*args, **kwargs)
        if out.__class__ is Tensor and out.grad_fn is not None:
            record[SEQ] = out.grad_fn._seq
    finally:
        recorder.end(record)
    return out


def broadcast_message(args):
    """torch's text for operands whose shapes do not broadcast (numpy's own text names no sizes)."""
    shapes = [tuple(x.shape) for x in args if hasattr(x, "shape")]
    if not shapes:
        return "shapes cannot be broadcast together"
    a = shapes[0]  # the operands' broadcast so far, against each next one, as torch's iterator meets them
    for b in shapes[1:]:
        n = max(len(a), len(b))
        merged = []
        for k in range(1, n + 1):
            sa = a[-k] if k <= len(a) else 1
            sb = b[-k] if k <= len(b) else 1
            if sa != sb and sa != 1 and sb != 1:
                return (f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton "
                        f"dimension {n - k}")
            merged.append(sb if sa == 1 else sa)
        a = tuple(reversed(merged))
    return "shapes cannot be broadcast together"


# ---- operands ------------------------------------------------------------------------------------
def _same_device(a, b):
    if type(a._data) is not type(b._data) or (type(a._data) is not _ndarray and a.device != b.device):
        if b._data.ndim == 0 and b.device.type == "cpu":
            return
        if a._data.ndim == 0 and a.device.type == "cpu":
            return
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{_dev_name(a)} and {_dev_name(b)}!"
        )


def _dev_name(t):
    d = t.device
    return str(d)


_SCALAR_RESULT = {}


def scalar_result_dtype(dt, value):
    key = (dt, type(value))
    r = _SCALAR_RESULT.get(key)
    if r is None:
        r = _SCALAR_RESULT[key] = _dtype._combine(dt, _dtype.scalar_dtype(value))
    return r


def scalar_operand(value, dt):
    """A Python number as numpy sees it next to an array of dtype `dt` (wrapping like torch)."""
    if isinstance(value, np.generic):
        value = value.item()
    if type(value) is int and not dt.is_floating_point and not dt.is_complex and dt is not _dtype.bool_:
        info = np.iinfo(dt.np)
        if not info.min <= value <= info.max:
            return np.array(value & ((1 << (8 * dt.itemsize)) - 1)).astype(dt.np)
    if dt is _dtype.bool_:
        return bool(value)
    return value


def operands(a, b):
    """Arrays (or weak Python scalars) for a binary op and the promoted result dtype."""
    if b.__class__ is Tensor or isinstance(b, Tensor):
        if a.dtype is b.dtype:
            if type(a._data) is not type(b._data):
                _same_device(a, b)
            return a._data, b._data, a.dtype
        _same_device(a, b)
        dt = _dtype.result_type(a, b)
        return cast(a._data, dt), cast(b._data, dt), dt
    if (b.__class__ is float or b.__class__ is int) and a.dtype._category >= 2:
        return a._data, b, a.dtype  # a float or complex tensor keeps its dtype next to a Python number
    if isinstance(b, np.ndarray):
        raise TypeError("unsupported operand type: numpy.ndarray (wrap it with torch.from_numpy)")
    if not isinstance(b, _NUMBER_TYPES) and not isinstance(b, np.generic):
        return None
    dt = scalar_result_dtype(a.dtype, b.item() if isinstance(b, np.generic) else b)
    return cast(a._data, dt), scalar_operand(b, dt), dt


def cast(data, dt):
    return data if data.dtype == dt.np else data.astype(dt.np)


def to_tensor_operand(x, like):
    """Wrap a Python number as a 0-d tensor of the dtype it would promote to next to `like`."""
    if x.__class__ is Tensor or isinstance(x, Tensor):
        return x
    dt = scalar_result_dtype(like.dtype, x)
    xp = xp_of(like._data)
    return make(xp.asarray(x, dtype=dt.np), dt)


def wrapped_number(x, like):
    """A Python number saved for backward as torch keeps it: a 0-d tensor of its own (double) dtype."""
    if x.__class__ is float and like._data.__class__ is _ndarray:
        return make(np.array(x), _dtype.float64)  # the common case, without the questions below
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool):
        dt = _dtype.bool_
    elif isinstance(x, int):
        dt = _dtype.int64
    else:
        dt = _dtype.complex128 if isinstance(x, complex) else _dtype.float64
    return make(xp_of(like._data).asarray(x, dtype=dt.np), dt)


# ---- gradient helpers ----------------------------------------------------------------------------
def _broadcast_dims(gshape, shape):
    """The dims a gradient of shape `gshape` sums over to become `shape`'s (leading ones, then stretched 1s)."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)


def sum_to(grad, shape):
    """Reduce a broadcast gradient back to an input's shape."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    dims = _broadcast_dims(gshape, shape)
    from .reduction import sum as _sum

    out = _sum(grad, dims, keepdim=True) if dims else grad
    if len(gshape) != len(shape):
        return out.reshape(shape)
    return out


def grad_to(grad, shape, dt):
    """sum_to plus a cast back to the input's dtype (mixed-dtype ops)."""
    g = sum_to(grad, shape)
    if g.dtype is not dt:
        g = g.to(dt)
    return g


# ---- the same helpers on bare arrays, for backward passes that build no graph (Node.backward_raw) ----
def raw_sum_to(grad, shape):
    """sum_to on an array: the reduction aten::sum runs there, so the bits are the same."""
    gshape = grad.shape
    if gshape == shape:
        return grad
    dims = _broadcast_dims(gshape, shape)
    out = grad.sum(axis=dims, keepdims=True, dtype=grad.dtype) if dims else grad
    if len(gshape) != len(shape):
        return out.reshape(shape)
    return out


def raw_grad_to(grad, shape, dt):
    """grad_to on an array."""
    if grad.shape != shape:
        grad = raw_sum_to(grad, shape)
    want = dt.np
    if grad.dtype is not want and grad.dtype != want:  # numpy's builtin dtypes are singletons: `is` first
        grad = grad.astype(want)
    return grad
