"""The op catalogue, and the Tensor methods and operators bound to it (one table, below)."""
from .._tensor import Tensor
from . import (arith, closeness, creation_ops, indexing, inplace, linalg, nn_ops, reduction, selection, shape, sorting,
               unary)
from ._core import aten, is_tensor
from . import counting, linalg_solve


def _to(self, *args, **kwargs):
    """tensor.to(dtype) / .to(device) / .to(device, dtype) / .to(other_tensor)."""
    from .. import _dtype
    from .._device import normalize

    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif a is not None:
            device = a
    dev = normalize(device) if device is not None else None
    if dev is not None and dev.type == "cuda":
        from .._device import cupy_module

        cupy_module()
    same_dtype = dtype is None or dtype is self.dtype
    same_device = dev is None or dev == self.device
    if same_dtype and same_device and not copy:
        return self
    return shape.to_copy(self, dtype=None if same_dtype else dtype, device=None if same_device else dev)


def _cast(dt_name):
    def method(self, memory_format=None):
        from .. import _dtype

        return _to(self, _dtype.ALIASES[dt_name])

    method.__name__ = dt_name
    return method


def _inplace(op):
    """`x.op_(...)` / `x op= y`: the out-of-place op written back into x.

    The profiler sees one record named as torch names it (`aten::add_`), not the out-of-place op's.
    """
    name = getattr(op, "aten_name", None)
    if name is None:
        def method(self, *args, **kwargs):
            return inplace.apply_inplace(self, op, *args, **kwargs)
    else:
        compute = op.__wrapped__  # the op without its own profiler record

        @aten(name + "_")
        def method(self, *args, **kwargs):
            return inplace.apply_inplace(self, compute, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


def _reflected(op):
    def method(self, other):
        return op(self, other)

    return method


def _getitem(self, key):
    return indexing.getitem(self, key)


def _setitem(self, key, value):
    indexing.setitem(self, key, value)


def _size_based_view(fn):
    def method(self, *shape_args):
        return fn(self, *shape_args)

    return method


def _clamp_method(self, min=None, max=None):
    return unary.clamp(self, min, max)


def _max_method(self, dim=None, keepdim=False):
    if is_tensor(dim):
        return selection.maximum(self, dim)
    return reduction.max(self, dim, keepdim)


def _min_method(self, dim=None, keepdim=False):
    if is_tensor(dim):
        return selection.minimum(self, dim)
    return reduction.min(self, dim, keepdim)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from .._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_factory(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return creation_ops._fill(size, fill, dtype or self.dtype, device or self.device, requires_grad, self.dtype)

    return method


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    from .. import _random

    gen = generator or _random.default_generator
    return _random_fill(self, gen.uniform(self.shape, self._data.dtype, a, b))


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    from .. import _random

    gen = generator or _random.default_generator
    return _random_fill(self, gen.normal(self.shape, self._data.dtype, mean, std))


def _bernoulli_(self, p=0.5, *, generator=None):
    from .. import _random

    gen = generator or _random.default_generator
    return _random_fill(self, gen.bernoulli_scalar(self.shape, p, self._data.dtype))


def _random_(self, *args, generator=None):
    from .. import _random

    gen = generator or _random.default_generator
    low = high = None
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    return _random_fill(self, gen.random_(self.shape, self._data.dtype, low, high))


def _random_fill(self, arr):
    from .._device import to_device

    indexing.check_inplace(self)
    self._data[...] = to_device(arr, self.device) if self.device.type != "cpu" else arr
    self._bump_version()
    return self


def _exponential_(self, lambd=1.0, *, generator=None):
    import numpy as np
    from .. import _random

    gen = generator or _random.default_generator
    u = gen.uniform(self.shape, np.float64)
    return _random_fill(self, (-np.log1p(-u) / lambd).astype(self._data.dtype))


def _cpu(self):
    return _to(self, "cpu")


def _cuda(self, device=None, non_blocking=False):
    return _to(self, "cuda" if device is None else (device if not isinstance(device, int) else f"cuda:{device}"))


def _masked_fill_(self, mask, value):
    return inplace.apply_inplace(self, selection.masked_fill, mask, value)


def _index_put_(self, indices, values, accumulate=False):
    indexing.setitem(self, tuple(indices), values)
    return self


def _sum_to_size(self, *size):
    from ._core import sum_to

    return sum_to(self, shape._shape_arg(size))


def _apply_(self, fn):
    import numpy as np

    self._data[...] = np.vectorize(fn)(self._data)
    return self


def _where_method(self, condition, other):
    return selection.where(condition, self, other)


def _type_as(self, other):
    return _to(self, other.dtype)


def _norm_method(self, p="fro", dim=None, keepdim=False, dtype=None):
    return reduction.norm(self, p, dim, keepdim, dtype)


def _diag(self, diagonal=0):
    import numpy as np

    if self.ndim == 1:
        n = self.shape[0] + abs(diagonal)
        idx = np.arange(self.shape[0])
        rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
        return indexing.embed(self, (n, n), (rows, cols), True, "DiagEmbedBackward0")
    n = min(self.shape[0], self.shape[1] - diagonal) if diagonal >= 0 else min(self.shape[0] + diagonal, self.shape[1])
    idx = np.arange(max(n, 0))
    rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
    out = indexing._index(self, (rows, cols), indexing.IndexBackward0, advanced=True)
    return out


METHODS = {
    # arithmetic
    "add": arith.add, "sub": arith.sub, "subtract": arith.sub, "mul": arith.mul, "multiply": arith.mul,
    "div": arith.div, "divide": arith.div, "true_divide": arith.div, "floor_divide": arith.floor_divide,
    "remainder": arith.remainder, "fmod": arith.fmod, "pow": arith.pow, "neg": arith.neg, "negative": arith.neg,
    "reciprocal": arith.reciprocal, "square": arith.square, "rsub": arith.rsub,
    "addcmul": arith.addcmul, "addcdiv": arith.addcdiv, "lerp": arith.lerp, "atan2": arith.atan2,
    "arctan2": arith.atan2, "hypot": arith.hypot,
    "eq": arith.eq, "ne": arith.ne, "lt": arith.lt, "le": arith.le, "gt": arith.gt, "ge": arith.ge,
    "greater": arith.gt, "less": arith.lt, "equal": arith.equal,
    "logical_not": arith.logical_not, "logical_and": arith.logical_and, "logical_or": arith.logical_or,
    "logical_xor": arith.logical_xor, "bitwise_not": arith.bitwise_not,
    # pointwise
    "exp": unary.exp, "exp2": unary.exp2, "expm1": unary.expm1, "log": unary.log, "log2": unary.log2,
    "log10": unary.log10, "log1p": unary.log1p, "sqrt": unary.sqrt, "rsqrt": unary.rsqrt, "sin": unary.sin,
    "cos": unary.cos, "tan": unary.tan, "asin": unary.asin, "acos": unary.acos, "atan": unary.atan,
    "arcsin": unary.asin, "arccos": unary.acos, "arctan": unary.atan,
    "sinh": unary.sinh, "cosh": unary.cosh, "tanh": unary.tanh, "sigmoid": unary.sigmoid, "relu": unary.relu,
    "abs": unary.abs, "absolute": unary.abs, "sign": unary.sign, "sgn": unary.sign, "floor": unary.floor,
    "ceil": unary.ceil, "trunc": unary.trunc, "frac": unary.frac, "round": unary.round, "erf": unary.erf,
    "clamp": _clamp_method, "clip": _clamp_method, "clamp_min": unary.clamp_min, "clamp_max": unary.clamp_max,
    "logit": unary.logit, "deg2rad": unary.deg2rad, "rad2deg": unary.rad2deg, "sinc": unary.sinc,
    "isnan": unary.isnan, "isinf": unary.isinf, "isfinite": unary.isfinite,
    "maximum": selection.maximum, "minimum": selection.minimum, "masked_fill": selection.masked_fill,
    "where": _where_method,
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "prod": reduction.prod, "max": _max_method,
    "min": _min_method, "amax": reduction.amax, "amin": reduction.amin, "argmax": reduction.argmax,
    "argmin": reduction.argmin, "std": reduction.std, "var": reduction.var, "norm": _norm_method,
    "logsumexp": reduction.logsumexp, "all": reduction.all, "any": reduction.any, "cumsum": reduction.cumsum,
    "cumprod": reduction.cumprod, "count_nonzero": reduction.count_nonzero, "sum_to_size": _sum_to_size,
    "aminmax": reduction.aminmax,
    # order statistics
    "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort, "topk": sorting.topk,
    "kthvalue": sorting.kthvalue, "median": sorting.median, "cummax": sorting.cummax, "cummin": sorting.cummin,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "mv": linalg.mv, "dot": linalg.dot, "bmm": linalg.bmm,
    "outer": linalg.outer, "ger": linalg.outer, "addmm": linalg.addmm, "trace": linalg.trace, "diag": _diag,
    # shape
    "view": shape.view, "reshape": shape.reshape, "flatten": shape.flatten, "unflatten": shape.unflatten,
    "view_as": shape.view_as, "reshape_as": shape.reshape_as, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "expand": shape.expand, "expand_as": shape.expand_as,
    "broadcast_to": shape.broadcast_to, "permute": shape.permute, "transpose": shape.transpose,
    "swapaxes": shape.swapaxes, "t": shape.t, "movedim": shape.movedim, "contiguous": shape.contiguous,
    "clone": shape.clone, "detach": shape.detach, "detach_": shape.detach_, "split": shape.split,
    "chunk": shape.chunk, "unsafe_chunk": shape.unsafe_chunk, "unsafe_split": shape.unsafe_split,
    "unbind": shape.unbind, "flip": shape.flip, "repeat": shape.repeat,
    "narrow": indexing.narrow, "select": indexing.select, "gather": indexing.gather, "scatter": indexing.scatter,
    "scatter_add": indexing.scatter_add, "index_select": indexing.index_select, "masked_select": indexing.masked_select,
    "nonzero": creation_ops.nonzero, "tril": shape.tril, "triu": shape.triu,
    "roll": shape.roll, "tile": shape.tile, "diff": shape.diff,
    # nn-ish methods
    "softmax": nn_ops.softmax, "log_softmax": nn_ops.log_softmax,
    # conversions
    "to": _to, "cpu": _cpu, "cuda": _cuda, "double": _cast("double"), "float": _cast("float"),
    "half": _cast("half"), "long": _cast("long"), "int": _cast("int"), "short": _cast("short"),
    "bool": _cast("bool"), "byte": _cast("uint8"), "char": _cast("int8"), "type_as": _type_as,
    "new_tensor": _new_tensor, "new_zeros": _new_factory(0), "new_ones": _new_factory(1),
    "new_empty": _new_factory(0),
    # in place
    "zero_": inplace.zero_, "fill_": inplace.fill_, "copy_": inplace.copy_, "masked_fill_": _masked_fill_,
    "index_put_": _index_put_, "uniform_": _uniform_, "normal_": _normal_, "bernoulli_": _bernoulli_,
    "random_": _random_, "exponential_": _exponential_, "apply_": _apply_,
    # closeness
    "isclose": closeness.isclose, "allclose": closeness.allclose,
}

# in-place versions of out-of-place ops: x.add_(y), x.sin_(), x.clamp_(0, 1), ...
for _name in ("add", "sub", "mul", "div", "pow", "neg", "reciprocal", "square", "exp", "log", "log1p", "sqrt",
              "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "sign", "floor", "ceil", "trunc",
              "round", "clamp", "clip", "clamp_min", "clamp_max", "exp2", "log2", "remainder", "fmod", "frac",
              "erf", "asin", "acos", "atan", "sinh", "cosh", "expm1", "log10", "floor_divide", "scatter",
              "scatter_add", "addcmul", "addcdiv", "lerp", "atan2",
              "hypot", "logit", "deg2rad", "rad2deg", "sinc", "tril", "triu", "cumprod"):
    METHODS[_name + "_"] = _inplace(METHODS[_name])


def _restriding(op, node_for):
    """x.t_(), x.unsqueeze_(d), ...: shape and strides change in place (see inplace.restride); node_for(*args)
    is the node class torch gives the in-place form."""
    compute = op.__wrapped__  # the op without its own profiler record

    @aten(op.aten_name + "_")
    def method(self, *args):
        return inplace.restride(self, compute, *args, _node=node_for(*args))

    method.__name__ = op.__name__ + "_"
    return method


METHODS["t_"] = _restriding(shape.t, lambda: shape.TBackward1)
METHODS["unsqueeze_"] = _restriding(shape.unsqueeze, lambda dim: shape.UnsqueezeBackward1)
METHODS["transpose_"] = METHODS["swapaxes_"] = METHODS["swapdims_"] = _restriding(
    shape.transpose, lambda dim0, dim1: shape.TransposeBackward1)
METHODS["squeeze_"] = _restriding(shape.squeeze, lambda dim=None: (
    shape.SqueezeBackward3 if dim is None else
    shape.SqueezeBackward5 if isinstance(dim, (tuple, list)) else shape.SqueezeBackward4))
METHODS["subtract_"] = METHODS["sub_"]
METHODS["multiply_"] = METHODS["mul_"]
METHODS["divide_"] = METHODS["div_"]
METHODS["neg_"] = METHODS["neg_"]
METHODS.update(unique=counting.unique, bincount=counting.bincount, det=linalg_solve.det,
               inverse=linalg_solve.inv, kron=linalg.kron)

OPERATORS = {
    "__add__": arith.add, "__radd__": arith.add, "__sub__": arith.sub, "__rsub__": arith.rsub,
    "__mul__": arith.mul, "__rmul__": arith.mul, "__truediv__": arith.div, "__rtruediv__": arith.rdiv,
    "__floordiv__": arith.floor_divide, "__rfloordiv__": arith.rfloordiv, "__mod__": arith.remainder,
    "__rmod__": arith.rremainder,
    "__pow__": arith.pow, "__rpow__": arith.rpow, "__matmul__": linalg.matmul_operator, "__rmatmul__": linalg.rmatmul,
    "__neg__": arith.neg, "__pos__": lambda self: self, "__abs__": unary.abs, "__invert__": arith.bitwise_not,
    "__eq__": arith.eq, "__ne__": arith.ne, "__lt__": arith.lt, "__le__": arith.le, "__gt__": arith.gt,
    "__ge__": arith.ge, "__and__": arith.bitwise_and, "__rand__": arith.bitwise_and,
    "__or__": arith.bitwise_or, "__ror__": arith.bitwise_or, "__xor__": arith.bitwise_xor,
    "__rxor__": arith.bitwise_xor, "__getitem__": _getitem, "__setitem__": _setitem,
    "__iadd__": _inplace(arith.add), "__isub__": _inplace(arith.sub), "__imul__": _inplace(arith.mul),
    "__itruediv__": _inplace(arith.div), "__ipow__": _inplace(arith.pow), "__ifloordiv__": _inplace(arith.floor_divide),
    "__imod__": _inplace(arith.remainder), "__iand__": _inplace(arith.bitwise_and), "__ior__": _inplace(arith.bitwise_or),
}

for _name, _fn in {**METHODS, **OPERATORS}.items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(shape.T_property)
Tensor.mT = property(shape.mT_property)
Tensor.H = property(shape.T_property)
