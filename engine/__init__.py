"""gradtrace.engine: a PyTorch-compatible autograd engine on numpy. Use it as `import gradtrace.engine as torch`."""

from . import _dtype
from ._dtype import (bfloat16, complex64, complex128, float16, float32, float64, int8, int16, int32, int64,
                     uint8, dtype, get_default_dtype, set_default_dtype, promote_types)
from ._device import device, get_default_device, set_default_device
from ._size import Size
from ._tensor import Tensor
from ._storage import UntypedStorage
from ._grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                         set_grad_enabled)
from . import ops as _ops  # binds the Tensor methods
from ._creation import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                        LongTensor, ShortTensor, as_tensor, bernoulli, from_numpy, multinomial, normal, rand,
                        rand_like, randint, randint_like, randn, randn_like, randperm, tensor)
from .ops.creation_ops import (arange, empty, empty_like, eye, full, full_like, linspace, logspace, nonzero, ones,
                               ones_like, zeros, zeros_like)
from .ops.arith import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, eq, equal, floor_divide, fmod,
                        ge, gt, le, logical_and, logical_not, logical_or, logical_xor, lt, mul, ne, neg, pow,
                        reciprocal, remainder, rsub, square, sub, addcdiv, addcmul, atan2, hypot, lerp)
from .ops.unary import (abs, acos, asin, atan, ceil, clamp, clamp_max, clamp_min, cos, cosh, erf, exp, exp2, expm1,
                        floor, frac, isfinite, isinf, isnan, log, log1p, log2, log10, relu, round, rsqrt, sigmoid,
                        sign, sin, sinh, sqrt, tan, tanh, trunc, deg2rad, logit, rad2deg, sinc)
from .ops.reduction import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum, logsumexp, max,
                            mean, min, norm, prod, std, sum, var, aminmax, std_mean, var_mean)
from .ops.linalg import addmm, bmm, dot, einsum, matmul, mm, mv, outer, trace
from .ops.shape import (broadcast_to, cat, chunk, clone, concat, concatenate, flatten, flip, hstack, movedim,
                        permute, repeat as _repeat, reshape, split, squeeze, stack, swapaxes, t, transpose, unbind,
                        unflatten, unsqueeze, vstack, diff, roll, tile, tril, triu)
from .ops.sorting import argsort, cummax, cummin, kthvalue, median, msort, sort, topk
from .ops.indexing import gather, index_select, masked_select, narrow, scatter, scatter_add, select
from .ops.selection import masked_fill, maximum, minimum, where
from .ops.nn_ops import log_softmax, softmax
# convolution (torch.conv1d / torch.conv2d are torch.nn.functional's)
from .ops.conv_ops import conv1d, conv2d
# pooling: torch's top-level names; torch.adaptive_max_pool1d always returns (output, indices)
from .ops.pool_ops import adaptive_avg_pool1d, avg_pool1d, max_pool1d, max_pool1d_with_indices, max_pool2d
from .ops.pool_ops import adaptive_max_pool1d_with_indices as adaptive_max_pool1d
from ._tensor_str import set_printoptions
from . import _random
from ._random import Generator, default_generator, initial_seed, seed
from . import autograd, nn, return_types, cuda, optim, profiler
from . import accelerator, backends
from ._global_flags import (are_deterministic_algorithms_enabled, get_deterministic_debug_mode,
                            get_float32_matmul_precision, is_deterministic_algorithms_warn_only_enabled,
                            set_deterministic_debug_mode, set_float32_matmul_precision,
                            use_deterministic_algorithms)
from .autograd import Function as _Function  # noqa: F401
from . import introspect
from .autograd.anomaly import is_anomaly_enabled, is_anomaly_check_nan_enabled
# around the model: data loading, checkpoints, closeness checks
from . import utils
from .ops.closeness import allclose, isclose
from .serialization import load, save

# torch computes 0/0, log(0), overflow... silently: the ops run with numpy's floating-point errors ignored
# (see _numpy_quiet), so no warning filter of the user's is changed here

clip = clamp
true_divide = div
divide = div
multiply = mul
subtract = sub
negative = neg
absolute = abs
arcsin, arccos, arctan = asin, acos, atan
arctan2 = atan2
concat = cat
detach = _ops.shape.detach
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
bool = _dtype.bool_
cfloat = complex64
cdouble = complex128
strided = "torch.strided"
__version__ = "2.13.0+gradtrace"

from ._tensor import Tensor as _T  # noqa: E402


def manual_seed(s):
    """Seed the default generator (torch's semantics: negatives mod 2**64, low 32 bits seed MT19937)."""
    return _random.manual_seed(s)


def get_rng_state():
    return from_numpy(_random.get_rng_state())


def set_rng_state(new_state):
    _random.set_rng_state(new_state.numpy() if isinstance(new_state, _T) else new_state)


def is_tensor(obj):
    return isinstance(obj, _T)


def numel(t):
    return t.numel()


def result_type(a, b):
    return _dtype.result_type(a, b)


def is_floating_point(t):
    return t.dtype.is_floating_point


from . import linalg  # noqa: E402
from .ops.linalg import cdist, kron, tensordot  # noqa: E402
from .ops.linalg_solve import det, inv as inverse  # noqa: E402
from .ops.counting import bincount, unique  # noqa: E402


for _fn_name in ("sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "neg", "clamp", "zero",
                 "fill", "add", "mul", "sub", "div", "floor", "ceil", "round", "log1p", "rsqrt", "reciprocal"):
    if hasattr(_T, _fn_name + "_"):
        globals()[_fn_name + "_"] = getattr(_T, _fn_name + "_")

del _fn_name
