"""Pointwise functions of one tensor (exp, log, sin, sigmoid, relu, clamp, ...), each with its derivative.

The catalogue below is the single place an op's forward, its grad_fn name and its backward formula live.
Backward formulas are written with tensor ops, so they are differentiable themselves (create_graph).
"""
import math

import numpy as np

from .. import _dtype
from ..autograd.node import Node
from ._core import aten, attach, is_tensor, make, wants_grad, xp_of
from .validate import BOOL, NOT_FLOATING, refuses
from .backward_ops import sigmoid_backward, tanh_backward, threshold_backward


class _UnaryNode(Node):
    """A pointwise op's node; `formula(g, x, y)` gives the input gradient from the saved input/output."""

    __slots__ = ()
    formula = None
    save_input = True
    save_output = False

    def backward(self, g):
        saved = self.saved()
        x = saved[0] if self.save_input else None
        y = saved[-1] if self.save_output else None
        return (type(self).formula(g, x, y),)

    def _backward_on_arrays(self, g):
        """backward_raw for catalogue entries with a `raw` formula (set per class by unary_op)."""
        saved = self.saved()
        x = saved[0]._data if self.save_input else None
        y = saved[-1]._data if self.save_output else None
        if (x is not None and x.dtype != g.dtype) or (y is not None and y.dtype != g.dtype):
            return None  # an integer input: the tensor formula promotes as torch does
        return (type(self).raw(xp_of(g), g, x, y),)


def _float_dtype(dt):
    return dt if (dt.is_floating_point or dt.is_complex) else _dtype.get_default_dtype()


def unary_op(aten_name, node_name, forward, formula, *, save="self", keep_int=False, refused=None, raw=None):
    """Define a pointwise op: forward(xp, data) -> data; formula(g, x, y) -> grad (tensor ops);
    raw(xp, g, x, y) -> the same grad computed on arrays, op for op (optional: see Node.backward_raw).

    refused: (dtypes, kernel name or error) torch's kernel does not dispatch (see validate.refuses)."""
    save_input = save in ("self", "both")
    save_output = save in ("result", "both")
    names = ("self",) * save_input + ("result",) * save_output
    node_cls = type(node_name, (_UnaryNode,), {
        "__slots__": (), "formula": staticmethod(formula), "save_input": save_input,
        "save_output": save_output, "saved_names": names,
        "raw": staticmethod(raw), "backward_raw": _UnaryNode._backward_on_arrays if raw else None,
    })

    def op(a):
        try:
            dt = a.dtype if keep_int else _float_dtype(a.dtype)
        except AttributeError:  # not a tensor: torch's argument parser's text
            raise TypeError(f"{op.__name__}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(a).__name__}") from None
        data = a._data if a.dtype is dt else a._data.astype(dt.np)
        out = make(forward(xp_of(data), data), dt)
        if wants_grad(a):
            node = node_cls()
            if save_input and save_output:
                node.save(a, out.detach())
            elif save_input:
                node.save(a)
            elif save_output:
                node.save(out.detach())
            attach(out, node, (a,))
        return out

    op.__name__ = aten_name.split("::")[1]
    if refused is not None:
        op = refuses(*refused)(op)
    op = aten(aten_name)(op)
    op.node_class = node_cls
    return op


def _zeros_like(t):
    from .creation_ops import zeros_like

    return zeros_like(t)


def _sigmoid(xp, x):
    # split by sign so neither branch overflows
    out = xp.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + xp.exp(-x[pos]))
    ex = xp.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out


exp = unary_op("aten::exp", "ExpBackward0", lambda xp, x: xp.exp(x), lambda g, x, y: g * y, save="result",
               raw=lambda xp, g, x, y: g * y)
exp2 = unary_op("aten::exp2", "Exp2Backward0", lambda xp, x: xp.exp2(x), lambda g, x, y: g * (y * math.log(2)), save="result")
expm1 = unary_op("aten::expm1", "Expm1Backward0", lambda xp, x: xp.expm1(x), lambda g, x, y: g * (y + 1), save="result")
log = unary_op("aten::log", "LogBackward0", lambda xp, x: xp.log(x), lambda g, x, y: g / x,
               raw=lambda xp, g, x, y: g / x)
log2 = unary_op("aten::log2", "Log2Backward0", lambda xp, x: xp.log2(x), lambda g, x, y: g / (x * math.log(2)))
log10 = unary_op("aten::log10", "Log10Backward0", lambda xp, x: xp.log10(x), lambda g, x, y: g / (x * math.log(10)))
log1p = unary_op("aten::log1p", "Log1PBackward0", lambda xp, x: xp.log1p(x), lambda g, x, y: g / (x + 1))
sqrt = unary_op("aten::sqrt", "SqrtBackward0", lambda xp, x: xp.sqrt(x), lambda g, x, y: g / (2 * y), save="result",
                raw=lambda xp, g, x, y: g / (2 * y))
rsqrt = unary_op("aten::rsqrt", "RsqrtBackward0", lambda xp, x: 1 / xp.sqrt(x),
                 lambda g, x, y: -0.5 * g * y.pow(3), save="result")
sin = unary_op("aten::sin", "SinBackward0", lambda xp, x: xp.sin(x), lambda g, x, y: g * x.cos(),
               raw=lambda xp, g, x, y: g * xp.cos(x))
cos = unary_op("aten::cos", "CosBackward0", lambda xp, x: xp.cos(x), lambda g, x, y: g * -x.sin(),
               raw=lambda xp, g, x, y: g * -xp.sin(x))
tan = unary_op("aten::tan", "TanBackward0", lambda xp, x: xp.tan(x), lambda g, x, y: g * (1 + y * y), save="result")
asin = unary_op("aten::asin", "AsinBackward0", lambda xp, x: xp.arcsin(x), lambda g, x, y: g * (1 - x * x).rsqrt())
acos = unary_op("aten::acos", "AcosBackward0", lambda xp, x: xp.arccos(x), lambda g, x, y: g * -(1 - x * x).rsqrt())
atan = unary_op("aten::atan", "AtanBackward0", lambda xp, x: xp.arctan(x), lambda g, x, y: g / (x * x + 1))
sinh = unary_op("aten::sinh", "SinhBackward0", lambda xp, x: xp.sinh(x), lambda g, x, y: g * x.cosh())
cosh = unary_op("aten::cosh", "CoshBackward0", lambda xp, x: xp.cosh(x), lambda g, x, y: g * x.sinh())
tanh = unary_op("aten::tanh", "TanhBackward0", lambda xp, x: xp.tanh(x), lambda g, x, y: tanh_backward(g, y),
                save="result", raw=lambda xp, g, x, y: tanh_backward.on_arrays(g, y))
sigmoid = unary_op("aten::sigmoid", "SigmoidBackward0", _sigmoid, lambda g, x, y: sigmoid_backward(g, y),
                   save="result", raw=lambda xp, g, x, y: sigmoid_backward.on_arrays(g, y))
relu = unary_op("aten::relu", "ReluBackward0", lambda xp, x: xp.maximum(x, 0),
                lambda g, x, y: threshold_backward(g, y), save="result", keep_int=True,
                raw=lambda xp, g, x, y: threshold_backward.on_arrays(g, y),
                refused=(BOOL, lambda dt: RuntimeError("Boolean inputs not supported for relu")))
abs = unary_op("aten::abs", "AbsBackward0", lambda xp, x: xp.abs(x), lambda g, x, y: g * x.sign(), keep_int=True,
               refused=(BOOL, "abs_cpu"))
sign = unary_op("aten::sign", "SignBackward0", lambda xp, x: x.copy() if x.dtype == bool else xp.sign(x), lambda g, x, y: _zeros_like(g), save=None,
                keep_int=True)
floor = unary_op("aten::floor", "FloorBackward0", lambda xp, x: xp.floor(x), lambda g, x, y: _zeros_like(g),
                 save=None, keep_int=True, refused=(BOOL, "floor_vml_cpu"))
ceil = unary_op("aten::ceil", "CeilBackward0", lambda xp, x: xp.ceil(x), lambda g, x, y: _zeros_like(g),
                save=None, keep_int=True, refused=(BOOL, "ceil_vml_cpu"))
trunc = unary_op("aten::trunc", "TruncBackward0", lambda xp, x: xp.trunc(x), lambda g, x, y: _zeros_like(g),
                 save=None, keep_int=True, refused=(BOOL, "trunc_vml_cpu"))
frac = unary_op("aten::frac", "FracBackward0", lambda xp, x: x - xp.trunc(x), lambda g, x, y: g, save=None,
                refused=(NOT_FLOATING, "frac_cpu"))
_round0 = unary_op("aten::round", "RoundBackward0", lambda xp, x: xp.round(x), lambda g, x, y: _zeros_like(g),
                   save=None, keep_int=True, refused=(BOOL, "round_vml_cpu"))
erf = unary_op("aten::erf", "ErfBackward0", lambda xp, x: _erf(xp, x),
               lambda g, x, y: g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp())
sgn = sign


deg2rad = unary_op("aten::deg2rad", "Deg2RadBackward0", lambda xp, x: x * (math.pi / 180),
                   lambda g, x, y: g * (math.pi / 180), save=None)
rad2deg = unary_op("aten::rad2deg", "Rad2DegBackward0", lambda xp, x: x * (180 / math.pi),
                   lambda g, x, y: g * (180 / math.pi), save=None)


def _sinc(xp, x):
    px = x * x.dtype.type(math.pi)
    return xp.where(x == 0, x.dtype.type(1), xp.sin(px) / px)  # 0/0 at 0, quietly (see _numpy_quiet)


def _sinc_grad(g, x, y):
    from .selection import where

    safe = where(x == 0, 1.0, x)  # the derivative is 0 at 0; keep the formula finite there
    spx = safe * math.pi
    return g * where(x == 0, 0.0, (spx * spx.cos() - spx.sin()) / (spx * safe))


sinc = unary_op("aten::sinc", "SincBackward0", _sinc, _sinc_grad)


class LogitBackward0(Node):
    __slots__ = ("eps",)
    saved_names = ("self",)

    def backward(self, g):
        from .selection import where

        (x,) = self.saved()
        grad = g / (x * (1 - x))
        if self.eps is None:
            return (grad,)
        return (where((x < self.eps) | (x > 1 - self.eps), 0.0, grad),)


@aten("aten::logit")
def logit(a, eps=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    dt = _float_dtype(a.dtype)
    xp = xp_of(a._data)
    x = a._data.astype(dt.np, copy=False)
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    out = make(xp.log(x / (1 - x)).astype(dt.np, copy=False), dt)
    if wants_grad(a):
        node = LogitBackward0()
        node.eps = eps
        node.save(a)
        attach(out, node, (a,))
    return out


def _erf(xp, x):
    try:
        from scipy.special import erf as sp_erf  # optional; exact

        return sp_erf(x).astype(x.dtype)
    except ImportError:
        vec = np.vectorize(math.erf, otypes=[x.dtype])
        return vec(x)


class RoundBackward1(Node):
    def backward(self, g):
        return (_zeros_like(g),)


def round(a, decimals=0):
    if decimals == 0:
        return _round0(a)
    out = make(xp_of(a._data).round(a._data, decimals), a.dtype)
    if wants_grad(a):
        attach(out, RoundBackward1(), (a,))
    return out


# ---- clamp -----------------------------------------------------------------------------------------
class ClampBackward1(Node):
    __slots__ = ("min", "max")
    saved_names = ("self",)

    def backward(self, g):
        (x,) = self.saved()
        from .selection import grad_where

        return (grad_where(_in_range(x, self.min, self.max), g),)


def _in_range(x, lo, hi):
    data = x._data
    m = None
    if lo is not None:
        m = data >= lo
    if hi is not None:
        m = (data <= hi) if m is None else (m & (data <= hi))
    return make(m, _dtype.bool_)


class ClampBackward0(Node):
    saved_names = ("self", "min", "max")

    def backward(self, g):
        x, lo, hi = self.saved()
        data = x._data
        m = None
        if lo is not None:
            m = data >= lo._data
        if hi is not None:
            m = (data <= hi._data) if m is None else (m & (data <= hi._data))
        from ._core import sum_to
        from .selection import grad_where

        gx = grad_where(m, g)
        glo = ghi = None
        if lo is not None and self.next_functions[1][0] is not None:
            glo = sum_to(grad_where(data < lo._data, g), lo._data.shape)
        if hi is not None and self.next_functions[2][0] is not None:
            ghi = sum_to(grad_where(data > hi._data, g), hi._data.shape)
        return gx, glo, ghi


@aten("aten::clamp")
def clamp(a, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if is_tensor(min) or is_tensor(max):
        return _clamp_tensor(a, min, max)
    for name, v in (("min", min), ("max", max)):
        if v is not None and not isinstance(v, (int, float, np.number, np.bool_)):
            raise TypeError(f"clamp(): argument '{name}' must be Number or Tensor, not {type(v).__name__}")
    xp = xp_of(a._data)
    data = a._data
    dt = a.dtype
    if not (dt.is_floating_point) and any(isinstance(v, float) for v in (min, max)):
        dt = _dtype.get_default_dtype()
        data = data.astype(dt.np)
    if min is not None and max is not None:
        res = xp.minimum(xp.maximum(data, min), max)
    elif min is not None:
        res = xp.maximum(data, min)
    else:
        res = xp.minimum(data, max)
    out = make(res.astype(dt.np, copy=False), dt)
    if wants_grad(a):
        node = ClampBackward1()
        node.min, node.max = min, max
        node.save(a)
        attach(out, node, (a,))
    return out


def _clamp_tensor(a, lo, hi):
    xp = xp_of(a._data)
    data = a._data
    lo_d = lo._data if is_tensor(lo) else lo
    hi_d = hi._data if is_tensor(hi) else hi
    if lo_d is not None:
        data = xp.maximum(data, lo_d)
    if hi_d is not None:
        data = xp.minimum(data, hi_d)
    out = make(data.astype(a.dtype.np, copy=False), a.dtype)
    lo_t = lo if is_tensor(lo) or lo is None else make(xp.asarray(lo, dtype=a.dtype.np), a.dtype)
    hi_t = hi if is_tensor(hi) or hi is None else make(xp.asarray(hi, dtype=a.dtype.np), a.dtype)
    if wants_grad(a, lo_t, hi_t):
        node = ClampBackward0()
        node.save(a, lo_t, hi_t)
        attach(out, node, (a, lo_t, hi_t))
    return out


class _ClampOneSideBackward(Node):
    """clamp_min / clamp_max: the gradient passes where the bound did not bite."""

    __slots__ = ("bound",)
    saved_names = ("self",)
    passes = None

    def backward(self, g):
        from .selection import grad_where

        (x,) = self.saved()
        return (grad_where(type(self).passes(x, self.bound), g),)


class ClampMinBackward0(_ClampOneSideBackward):
    __slots__ = ()
    passes = staticmethod(lambda x, bound: x >= bound)

    @property
    def min(self):
        return self.bound


class ClampMaxBackward0(_ClampOneSideBackward):
    __slots__ = ()
    passes = staticmethod(lambda x, bound: x <= bound)

    @property
    def max(self):
        return self.bound


def _clamp_one_side(a, bound, is_min):
    if is_tensor(bound):
        return _clamp_tensor(a, bound, None) if is_min else _clamp_tensor(a, None, bound)
    xp = xp_of(a._data)
    data = (xp.maximum if is_min else xp.minimum)(a._data, bound)
    out = make(data.astype(a.dtype.np, copy=False), a.dtype)
    if wants_grad(a):
        node = ClampMinBackward0() if is_min else ClampMaxBackward0()
        node.bound = bound
        node.save(a)
        attach(out, node, (a,))
    return out


@aten("aten::clamp_min")
def clamp_min(a, min):
    return _clamp_one_side(a, min, True)


@aten("aten::clamp_max")
def clamp_max(a, max):
    return _clamp_one_side(a, max, False)


def isnan(a):
    return make(xp_of(a._data).isnan(a._data), _dtype.bool_)


def isinf(a):
    return make(xp_of(a._data).isinf(a._data), _dtype.bool_)


def isfinite(a):
    return make(xp_of(a._data).isfinite(a._data), _dtype.bool_)


class FillBackward(Node):
    """x.fill_(v) / x.zero_() inside a graph: nothing flows back to the old value."""

    def backward(self, g):
        return (_zeros_like(g),)


FillBackward.__name__ = "FillBackward0"
