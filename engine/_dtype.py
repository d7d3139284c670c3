"""torch's dtypes over numpy's, and torch's type-promotion rules (one place for both)."""
import numpy as np


# the C++ element types torch's messages name (caffe2::TypeMeta names: "masked_fill_ ... got mask with dtype int")
_CPP_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
              "int64": "long int", "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


class dtype:
    """A torch dtype: prints as `torch.float32`, maps to one numpy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "legacy_name", "_category",
                 "scalar_name", "cpp_name")

    def __init__(self, name, np_dtype, category, legacy_name):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = self.np.kind in "fic"
        self.itemsize = self.np.itemsize
        self.legacy_name = legacy_name
        self._category = category  # bool 0 < integer 1 < floating 2 < complex 3
        # c10's ScalarType name, as torch's C++ messages print a dtype ("not implemented for 'Long'")
        self.scalar_name = legacy_name[:-len("Tensor")]
        self.cpp_name = _CPP_NAMES.get(name, name)

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float64: complex128, float16: complex64, float32: complex64, bfloat16: complex64}.get(self, self)


bool_ = dtype("bool", np.bool_, 0, "BoolTensor")
uint8 = dtype("uint8", np.uint8, 1, "ByteTensor")
int8 = dtype("int8", np.int8, 1, "CharTensor")
int16 = dtype("int16", np.int16, 1, "ShortTensor")
int32 = dtype("int32", np.int32, 1, "IntTensor")
int64 = dtype("int64", np.int64, 1, "LongTensor")
float16 = dtype("float16", np.float16, 2, "HalfTensor")
# numpy has no bfloat16; float32 storage keeps the name honest where it is only carried around.
bfloat16 = dtype("bfloat16", np.float32, 2, "BFloat16Tensor")
float32 = dtype("float32", np.float32, 2, "FloatTensor")
float64 = dtype("float64", np.float64, 2, "DoubleTensor")
complex64 = dtype("complex64", np.complex64, 3, "ComplexFloatTensor")
complex128 = dtype("complex128", np.complex128, 3, "ComplexDoubleTensor")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_NAMES = {d.name: d for d in ALL}
# torch's aliases
ALIASES = {
    "bool": bool_, "uint8": uint8, "int8": int8, "int16": int16, "short": int16, "int32": int32, "int": int32,
    "int64": int64, "long": int64, "float16": float16, "half": float16, "bfloat16": bfloat16,
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "complex64": complex64, "cfloat": complex64, "complex128": complex128, "cdouble": complex128,
}
# numpy dtype -> torch dtype (bfloat16 is never inferred from numpy)
FROM_NUMPY = {d.np: d for d in ALL if d is not bfloat16}

_default = [float32]


def not_implemented(kernel, dt):
    """ATen's dispatch error for a dtype a kernel does not handle."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.scalar_name}\'')


def _by_name(name):
    return _NAMES[name]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype):
    try:
        return FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d):
    """Accept a torch dtype, a Python type (float/int/bool/complex) or a numpy dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return complex128
    return from_numpy_dtype(d)


# ---- promotion ---------------------------------------------------------------------------------
_ORDER = [bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128]


def _promote_pair(a, b):
    if a is b:
        return a
    if a._category != b._category:
        hi, lo = (a, b) if a._category > b._category else (b, a)
        if hi.is_complex and lo.is_floating_point and lo is float64:
            return complex128
        return hi
    if a.is_floating_point:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if _ORDER.index(a) > _ORDER.index(b) else b
    if a.is_complex:
        return complex128
    # integers: uint8 with a signed type needs the next wider signed type
    if uint8 in (a, b):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize > b.itemsize else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(a, b):
    return _PROMOTE[a, b]


def _combine(higher, lower):
    # ATen's combine_categories: a lower-priority class only matters when it is of a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return _PROMOTE[higher, lower]
    return higher


def scalar_dtype(value):
    """The dtype a wrapped Python number counts as."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return get_default_dtype().to_complex()
    return get_default_dtype()


def result_type(*operands):
    """torch.result_type over tensors (dimensioned / zero-dim) and wrapped numbers."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim == 0:
                zero = d if zero is None else _PROMOTE[zero, d]
            else:
                dim = d if dim is None else _PROMOTE[dim, d]
        else:
            d = scalar_dtype(x)
            wrapped = d if wrapped is None else _PROMOTE[wrapped, d]
    return _combine(dim, _combine(zero, wrapped))
