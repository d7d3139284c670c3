"""Random numbers bit-identical to PyTorch's CPU generator (torch 2.13, x86 with AVX2).

The engine is MT19937 exactly as ATen's ``at::mt19937`` (numpy's ``MT19937`` bit generator with
``init_genrand`` seeding produces the same 32-bit stream); the distributions reproduce ATen's CPU
kernels (``DistributionTemplates.h``, ``DistributionsHelper.h``), including the fused multiply-adds
the compiler contracts, emulated exactly here. shared/reference/torch-behaviour.md, section 5, is
the map. Everything returns numpy arrays; the tensor layer wraps them.
"""
import math
import operator
import secrets

import numpy as np

from . import _dtype

# numpy never contracts a*b+c; ATen's compiled kernels do, so the exact fma is emulated
from ._fma import fma_f32 as _fma_f32, fma_f64 as _fma_f64

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]

# torch.Generator()'s seed when none is given (c10::default_rng_seed_val).
DEFAULT_RNG_SEED = 67280421310721

_MT_N = 624
_UINT64 = 1 << 64
_F32_MASK = (1 << 24) - 1
_TWO_PI_F64 = 2.0 * math.pi
_TWO_PI_F32 = np.float32(_TWO_PI_F64)

# Byte layout of ATen's CPUGeneratorImplState (5056 bytes): the legacy THGeneratorState POD
# (seed, left, seeded, next, 624 uint64 state words, normal_x/y/rho, normal_is_valid) followed by
# the float normal cache. Padding bytes are zero (the struct is value-initialised).
_STATE_SIZE = 5056
_OFF_LEFT, _OFF_SEEDED, _OFF_NEXT, _OFF_WORDS = 8, 12, 16, 24
_OFF_NORMAL_Y, _OFF_NORMAL_VALID = 5024, 5040
_OFF_FLOAT_NORMAL, _OFF_FLOAT_NORMAL_VALID = 5048, 5052


# ---------------------------------------------------------------------------------------------
# float32 Box-Muller as ATen's AVX2 NormalFill16 (avx_mathfun.h polynomials, with the fma
# contractions GCC makes), vectorised over all lanes at once.
# ---------------------------------------------------------------------------------------------

_LOG_P = [np.float32(v) for v in (
    7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
    -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1 = np.float32(-2.12194440e-4)
_LOG_Q2 = np.float32(0.693359375)
_SQRTHF = np.float32(0.707106781186547524)
_FOPI = np.float32(1.27323954473516)
_DP = [np.float32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_COS_P = [np.float32(v) for v in (2.443315711809948E-005, -1.388731625493765E-003,
                                  4.166664568298827E-002)]
_SIN_P = [np.float32(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_F32_ONE = np.float32(1.0)
_F32_HALF = np.float32(0.5)


def _log256_ps(x):
    """avx_mathfun's log256_ps for positive normal float32 x."""
    bits = x.view(np.uint32)
    e = ((bits >> 23).astype(np.int32) - 127).astype(np.float32) + _F32_ONE
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    small = m < _SQRTHF
    x = (m - _F32_ONE) + np.where(small, m, np.float32(0.0))
    e = e - np.where(small, _F32_ONE, np.float32(0.0))
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma_f32(y, x, p)
    y = y * x
    y = _fma_f32(y, z, e * _LOG_Q1)
    y = _fma_f32(-z, _F32_HALF, y)
    x = x + y
    return _fma_f32(e, _LOG_Q2, x)


def _sincos256_ps(x):
    """avx_mathfun's sincos256_ps for non-negative float32 x: (sin, cos)."""
    j = (x * _FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    for dp in _DP:
        x = _fma_f32(y, dp, x)
    z = x * x
    c = np.full_like(x, _COS_P[0])
    c = _fma_f32(c, z, _COS_P[1])
    c = _fma_f32(c, z, _COS_P[2])
    c = c * z
    c = _fma_f32(c, z, -(z * _F32_HALF))
    c = c + _F32_ONE
    s = np.full_like(x, _SIN_P[0])
    s = _fma_f32(s, z, _SIN_P[1])
    s = _fma_f32(s, z, _SIN_P[2])
    s = s * z
    s = _fma_f32(s, x, x)
    zero = np.float32(0.0)
    sin_poly = (j & 2) == 0
    sin = np.where(sin_poly, zero, c) + np.where(sin_poly, s, zero)
    cos = np.where(sin_poly, c, zero) + np.where(sin_poly, zero, s)
    sin_sign = ((j & 4) != 0).astype(np.uint32) << np.uint32(31)
    cos_sign = (((j - 2) & 4) == 0).astype(np.uint32) << np.uint32(31)
    return (sin.view(np.uint32) ^ sin_sign).view(np.float32), \
        (cos.view(np.uint32) ^ cos_sign).view(np.float32)


def _normal_fill16_f32(blocks, mean, std):
    """Box-Muller in place on float32 uniforms of shape (B, 16), then fma(z, std, mean)."""
    u1 = (_F32_ONE - blocks[:, :8]).ravel()
    u2 = blocks[:, 8:].ravel()
    radius = np.sqrt(np.float32(-2.0) * _log256_ps(u1))
    sin, cos = _sincos256_ps(_TWO_PI_F32 * u2)
    mean, std = np.float32(mean), np.float32(std)
    blocks[:, :8] = _fma_f32(radius * cos, std, mean).reshape(-1, 8)
    blocks[:, 8:] = _fma_f32(radius * sin, std, mean).reshape(-1, 8)


def _normal_fill16_f64(blocks, mean, std):
    """Box-Muller in place on float64 uniforms of shape (B, 16) with glibc log/cos/sin
    (Python's math module calls libm; numpy's SIMD log differs in the last bit)."""
    u1 = (1.0 - blocks[:, :8]).ravel()
    u2 = blocks[:, 8:].ravel()
    radius = np.sqrt(-2.0 * np.fromiter(map(math.log, u1.tolist()), np.float64, u1.size))
    theta = (_TWO_PI_F64 * u2).tolist()
    cos = np.fromiter(map(math.cos, theta), np.float64, u2.size)
    sin = np.fromiter(map(math.sin, theta), np.float64, u2.size)
    blocks[:, :8] = _fma_f64(radius * cos, std, mean).reshape(-1, 8)
    blocks[:, 8:] = _fma_f64(radius * sin, std, mean).reshape(-1, 8)


# ---------------------------------------------------------------------------------------------
# Conversions from raw 32-bit draws.
# ---------------------------------------------------------------------------------------------

def _float_uniforms(raw):
    """float32 uniforms in [0, 1) from 32-bit draws: the low 24 bits times 2**-24."""
    return ((raw & _F32_MASK).astype(np.float32) * np.float32(2.0 ** -24))


def _join64(raw):
    """random64(): pairs of 32-bit draws, the first as the high word."""
    pairs = raw.reshape(-1, 2)
    return (pairs[:, 0] << np.uint64(32)) | pairs[:, 1]


def _double_uniforms(raw):
    """float64 uniforms in [0, 1) from pairs of draws: the low 53 bits of random64() * 2**-53."""
    return (_join64(raw) & np.uint64((1 << 53) - 1)).astype(np.float64) * (2.0 ** -53)


def _numel(shape):
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def _as_shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _init_genrand(seed32):
    """MT19937 init_genrand key (used only where numpy lacks _legacy_seeding)."""
    key = [seed32]
    for j in range(1, _MT_N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _check_seed(seed):
    """torch's THPGenerator_manualSeed: ints only; negatives wrap modulo 2**64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < _UINT64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _UINT64


def _not_implemented(kernel, dtype):
    """ATen's dispatch error for a dtype (torch's or numpy's) a kernel does not handle."""
    return _dtype.not_implemented(kernel, dtype if isinstance(dtype, _dtype.dtype) else _dtype.FROM_NUMPY[np.dtype(dtype)])


def _cpp_number(value):
    """A number as C++'s ostream prints it in ATen's messages (6 significant digits)."""
    return f"{value:g}"


def _check_random_bounds(low, to_inc, dtype):
    """ATen's check_from_to_in_range: both ends must fit the dtype."""
    if dtype.kind == "f":
        info = np.finfo(dtype)
        lowest, highest = float(info.min), float(info.max)
    elif dtype == np.bool_:
        lowest, highest = 0, 1
    else:
        info = np.iinfo(dtype)
        lowest, highest = int(info.min), int(info.max)
    type_name = (dtype if isinstance(dtype, _dtype.dtype) else _dtype.FROM_NUMPY[np.dtype(dtype)]).cpp_name
    for value, label in ((low, "from"), (to_inc, "to - 1")):
        if not lowest <= value <= highest:
            raise RuntimeError(f"{label} is out of bounds for {type_name}")


# ---------------------------------------------------------------------------------------------
# The generator.
# ---------------------------------------------------------------------------------------------

class Generator:
    """A CPU random generator with torch.Generator's stream, seeding and state format."""

    def __init__(self, device="cpu"):
        self.device = device
        self._bitgen = np.random.MT19937()
        self._seed_engine(DEFAULT_RNG_SEED)

    # -- engine and seeding ------------------------------------------------------------------

    def _seed_engine(self, seed):
        self._initial_seed = seed
        seed32 = seed & 0xFFFFFFFF
        try:
            self._bitgen._legacy_seeding(seed32)  # numpy's init_genrand, position 624
        except AttributeError:
            self._bitgen.state = {"bit_generator": "MT19937",
                                  "state": {"key": _init_genrand(seed32), "pos": _MT_N}}
        # torch's engine right after seeding reads (left=1, next=0) rather than (1, 624).
        self._fresh = True
        self._double_normal = None  # normal_distribution<double>'s cached second sample
        self._float_normal = None   # unused by CPU kernels; kept for get/set_state

    def _draw(self, n):
        """n raw 32-bit outputs (as uint64) of the engine."""
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        self._fresh = False
        return self._bitgen.random_raw(n)

    def manual_seed(self, seed):
        """Seed the generator (only the low 32 bits reach MT19937); clears the normal cache."""
        self._seed_engine(_check_seed(seed))
        return self

    def seed(self):
        """Seed from a non-deterministic 64-bit random number and return it."""
        value = secrets.randbits(64)
        self._seed_engine(value)
        return value

    def initial_seed(self):
        """The full 64-bit seed last given to manual_seed / seed."""
        return self._initial_seed

    def get_state(self):
        """The state as 5056 uint8 values, the bytes torch.get_rng_state() returns."""
        state = self._bitgen.state["state"]
        pos = int(state["pos"])
        if pos >= _MT_N:
            left, nxt = 1, (0 if self._fresh else _MT_N)
        else:
            left, nxt = _MT_N + 1 - pos, pos
        buf = np.zeros(_STATE_SIZE, dtype=np.uint8)
        buf[0:8] = np.frombuffer(np.uint64(self._initial_seed).tobytes(), np.uint8)
        buf[_OFF_LEFT:_OFF_LEFT + 4] = np.frombuffer(np.int32(left).tobytes(), np.uint8)
        buf[_OFF_SEEDED] = 1
        buf[_OFF_NEXT:_OFF_NEXT + 8] = np.frombuffer(np.uint64(nxt).tobytes(), np.uint8)
        words = np.asarray(state["key"], dtype="<u8")
        buf[_OFF_WORDS:_OFF_WORDS + 8 * _MT_N] = np.frombuffer(words.tobytes(), np.uint8)
        if self._double_normal is not None:
            buf[_OFF_NORMAL_Y:_OFF_NORMAL_Y + 8] = np.frombuffer(
                np.float64(self._double_normal).tobytes(), np.uint8)
            buf[_OFF_NORMAL_VALID] = 1
        if self._float_normal is not None:
            buf[_OFF_FLOAT_NORMAL:_OFF_FLOAT_NORMAL + 4] = np.frombuffer(
                np.float32(self._float_normal).tobytes(), np.uint8)
            buf[_OFF_FLOAT_NORMAL_VALID] = 1
        return buf

    def set_state(self, state):
        """Restore a state from get_state() (or torch.get_rng_state().numpy())."""
        state = np.asarray(state)
        if state.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if state.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found "
                               f"the input RNG state size to be {state.size}")
        raw = np.ascontiguousarray(state.ravel()).tobytes()

        def field(offset, dtype):
            return np.frombuffer(raw, dtype, count=1, offset=offset)[0]

        left = int(field(_OFF_LEFT, "<i4"))
        seeded = int(field(_OFF_SEEDED, "<i4"))
        nxt = int(field(_OFF_NEXT, "<u8")) & 0xFFFFFFFF
        if not (seeded & 0xFF and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        if left == 1:
            pos = _MT_N
        elif left + nxt == _MT_N + 1:
            pos = nxt
        else:
            raise RuntimeError("Invalid mt19937 state: 'left' and 'next' disagree "
                               f"(left={left}, next={nxt}); gradtrace cannot continue this stream")
        words = np.frombuffer(raw, "<u8", count=_MT_N, offset=_OFF_WORDS).astype(np.uint32)
        self._bitgen.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": pos}}
        self._initial_seed = int(field(0, "<u8"))
        self._fresh = left == 1 and nxt == 0
        self._double_normal = (float(field(_OFF_NORMAL_Y, "<f8"))
                               if field(_OFF_NORMAL_VALID, "<i4") else None)
        self._float_normal = (float(field(_OFF_FLOAT_NORMAL, "<f4"))
                              if raw[_OFF_FLOAT_NORMAL_VALID] else None)

    # -- uniform ---------------------------------------------------------------------------

    def uniform(self, shape, dtype, low=0.0, high=1.0):
        """uniform_(low, high) / rand: fma(u, high - low, low) in the dtype's opmath type;
        a value that rounds to `high` becomes `low`."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64, np.float16):
            raise _not_implemented("check_uniform_bounds", dtype)
        for value, label in ((low, "from"), (high, "to")):
            if not math.isfinite(value):
                raise RuntimeError(f"{label} is out of bounds for {_dtype.FROM_NUMPY[dtype].cpp_name}")
        if low > high:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={_cpp_number(low)} > to={_cpp_number(high)}")
        if dtype.kind == "f" and float(high) - float(low) > float(np.finfo(dtype).max):
            raise RuntimeError(
                f"uniform_ expects to-from <= std::numeric_limits<{_dtype.FROM_NUMPY[dtype].scalar_name}>"
                f"::max(), but found to={_cpp_number(high)} and from={_cpp_number(low)} which "
                "result in to-from to exceed the limit")
        n = _numel(_as_shape(shape))
        if dtype == np.float64:
            u = _double_uniforms(self._draw(2 * n))
            if low == 0.0 and high == 1.0:
                v = u
            else:
                v = _fma_f64(u, float(high) - float(low), float(low))
            to, frm = np.float64(high), np.float64(low)
        else:  # float32 and float16 both run in float
            u = _float_uniforms(self._draw(n))
            lo, hi = np.float32(low), np.float32(high)
            v = u if (lo == 0 and hi == 1) else _fma_f32(u, hi - lo, lo)
            # Half casts from double go through float, as c10::Half(float) does.
            to, frm = (np.float32(high).astype(dtype), np.float32(low).astype(dtype))
            v = v.astype(dtype)
        v = np.where(v == to, frm, v).astype(dtype, copy=False)
        return v.reshape(_as_shape(shape))

    # -- normal ----------------------------------------------------------------------------

    def normal(self, shape, dtype, mean=0.0, std=1.0):
        """randn / normal_(mean, std) on a contiguous tensor of `shape`."""
        dtype = np.dtype(dtype)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_cpp_number(std)}")
        if dtype not in (np.float32, np.float64, np.float16):
            raise _not_implemented("normal_kernel_cpu", dtype)
        shape = _as_shape(shape)
        n = _numel(shape)
        if n < 16:
            values = self._normal_scalar(n, float(mean), float(std))
            if dtype == np.float16:
                values = values.astype(np.float32)
            return values.astype(dtype).reshape(shape)
        return self._normal_fill(n, dtype, mean, std).reshape(shape)

    def _normal_fill(self, n, dtype, mean, std):
        """ATen's normal_fill: 16-element Box-Muller blocks, the tail redone on the last 16."""
        full = n // 16
        tail = n % 16 != 0
        if dtype == np.float64:
            data = _double_uniforms(self._draw(2 * n))
            fill16 = _normal_fill16_f64
        else:
            # float32 fills the whole buffer first; half only draws whole blocks.
            data = _float_uniforms(self._draw(n if dtype == np.float32 else 16 * full))
            fill16 = _normal_fill16_f32
        blocks = data[:16 * full].reshape(full, 16)
        fill16(blocks, mean, std)
        out = np.empty(n, dtype=data.dtype)
        out[:16 * full] = blocks.ravel()
        if tail:
            extra = (_double_uniforms(self._draw(32)) if dtype == np.float64
                     else _float_uniforms(self._draw(16))).reshape(1, 16)
            fill16(extra, mean, std)
            out[n - 16:] = extra[0]
        return out.astype(dtype, copy=False)

    def _normal_scalar(self, n, mean, std):
        """normal_distribution<double> per element (float64 results), with the cached sample;
        ATen's `z * std + mean` is contracted to an fma."""
        samples = []
        cached = self._double_normal
        if n and cached is not None:
            samples.append(cached)
            cached = None
        pairs = (n - len(samples) + 1) // 2
        u = _double_uniforms(self._draw(4 * pairs)).tolist()
        log1p, sqrt, sin, cos = math.log1p, math.sqrt, math.sin, math.cos
        for k in range(pairs):
            u1, u2 = u[2 * k], u[2 * k + 1]
            r = sqrt(-2.0 * log1p(-u2))
            theta = _TWO_PI_F64 * u1
            samples.append(r * cos(theta))
            if len(samples) < n:
                samples.append(r * sin(theta))
            else:
                cached = r * sin(theta)
        if n:
            self._double_normal = cached
        z = np.array(samples, dtype=np.float64)
        if std == 1.0:
            return z + mean  # fma(z, 1, mean) == z + mean: the product is exact
        if mean == 0.0:
            return z * std + 0.0  # fma(z, std, 0) rounds the product once, -0 becomes +0
        return _fma_f64(z, std, mean)

    # -- integers --------------------------------------------------------------------------

    def random_(self, shape, dtype, low=None, high=None):
        """Tensor.random_: with no bounds ATen's uniform_int_distribution; with `high` the range
        [low, high) (low defaults to 0); with only `low`, [low, max of dtype]."""
        dtype = np.dtype(dtype)
        shape = _as_shape(shape)
        n = _numel(shape)
        if low is None and high is None:
            return self._random_unbounded(n, dtype).reshape(shape)
        low = 0 if low is None else operator.index(low)
        if high is None:
            if dtype.kind == "f":
                to_inc = 1 << (np.finfo(dtype).nmant + 1)
            elif dtype == np.bool_:
                to_inc = 1
            else:
                to_inc = int(np.iinfo(dtype).max)
            if dtype == np.int64 and low == -(1 << 63):
                return _join64(self._draw(2 * n)).view(np.int64).reshape(shape)
            _check_random_bounds(low, to_inc, dtype)
            span = to_inc - low + 1
        else:
            high = operator.index(high)
            if not low < high:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', "
                                   f"but got from={low} >= to={high}")
            _check_random_bounds(low, high - 1, dtype)
            span = high - low
        return self._random_from_to(n, span, low, dtype).reshape(shape)

    def _random_from_to(self, n, span, low, dtype):
        """uniform_int_from_to_distribution: draw % range + base (random64 from 2**28 up)."""
        span %= _UINT64
        if span >= 1 << 28:
            draws = _join64(self._draw(2 * n))
        else:
            draws = self._draw(n)
        values = (draws % np.uint64(span) + np.uint64(low % _UINT64)).view(np.int64)
        return values.astype(dtype)

    def _random_unbounded(self, n, dtype):
        """uniform_int_distribution<T> for Tensor.random_() without bounds."""
        if dtype == np.float64:
            return (_join64(self._draw(2 * n)) % np.uint64((1 << 53) + 1)).astype(dtype)
        if dtype == np.int64:
            return (_join64(self._draw(2 * n)) % np.uint64(1 << 63)).astype(dtype)
        draws = self._draw(n)
        if dtype == np.bool_:
            return (draws & np.uint64(1)).astype(dtype)
        if dtype.kind == "f":
            return (draws % np.uint64((1 << (np.finfo(dtype).nmant + 1)) + 1)).astype(dtype)
        return (draws % np.uint64(int(np.iinfo(dtype).max) + 1)).astype(dtype)

    def randint(self, low, high, shape, dtype=np.int64):
        """torch.randint(low, high, shape): random_(low, high) on a fresh tensor."""
        return self.random_(shape, dtype, low, high)

    def randperm(self, n, dtype=np.int64):
        """torch.randperm(n): swap r[i] with r[i + random() % (n - i)] for i < n - 1."""
        n = operator.index(n)
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
        perm = list(range(n))
        if n > 1:
            offsets = (self._draw(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
            for i, z in enumerate(offsets):
                j = i + z
                perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64).astype(dtype, copy=False)

    # -- bernoulli and dropout -------------------------------------------------------------

    def bernoulli_scalar(self, shape, p, dtype):
        """Tensor.bernoulli_(p) with a float p: a double uniform per element, 1 where u < p.
        (ATen uses MKL's own stream instead on Intel CPUs; this is the AMD/default path.)"""
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_cpp_number(p)}")
        shape = _as_shape(shape)
        u = _double_uniforms(self._draw(2 * _numel(shape)))
        return (u < float(p)).astype(dtype).reshape(shape)

    def bernoulli_array(self, p):
        """torch.bernoulli(p): 1 where a uniform < p, in p's dtype; float64 p draws double
        uniforms (2 draws each), other p float32 uniforms (1 draw each)."""
        p = np.asarray(p)
        out_dtype = p.dtype if p.dtype.kind == "f" else np.dtype(np.float32)
        if p.dtype == np.float64:
            u = _double_uniforms(self._draw(2 * p.size))
        else:
            u = _float_uniforms(self._draw(p.size))
            p = p.astype(np.float32)
        return (u.reshape(p.shape) < p).astype(out_dtype)

    def dropout_mask(self, shape, p, dtype):
        """The tensor F.dropout(x, p) multiplies x by in training: bernoulli_(1 - p) / (1 - p).
        p == 0 and p == 1 draw nothing (ATen returns x, or x * 0)."""
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        dtype = np.dtype(dtype)
        shape = _as_shape(shape)
        if p == 0:
            return np.ones(shape, dtype=dtype)
        if p == 1:
            return np.zeros(shape, dtype=dtype)
        keep = 1.0 - p
        noise = self.bernoulli_scalar(shape, keep, dtype)
        # noise.div_(1 - p): the scalar is taken in opmath precision (float for half too).
        opmath = np.float64 if dtype == np.float64 else np.float32
        return (noise.astype(opmath) / opmath(keep)).astype(dtype)


def _new_default_generator():
    generator = Generator()
    generator.seed()  # ATen seeds the default CPU generator non-deterministically
    return generator


default_generator = _new_default_generator()


def manual_seed(seed):
    """torch.manual_seed: int(seed), then seed the default generator; returns it."""
    return default_generator.manual_seed(int(seed))


def seed():
    """torch.seed: seed the default generator non-deterministically and return the seed."""
    return default_generator.seed()


def initial_seed():
    """torch.initial_seed: the default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """torch.get_rng_state as a uint8 numpy array."""
    return default_generator.get_state()


def set_rng_state(state):
    """torch.set_rng_state from a uint8 numpy array."""
    default_generator.set_state(state)
