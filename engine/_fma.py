"""Correctly rounded fused multiply-add in numpy, for reproducing torch's fma-contracted kernels
(linspace, uniform_, the float32 normal fill) bit for bit."""
import numpy as np


def _two_sum(a, b):
    """s + e == a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s, e):
    """The float64 round-to-odd of the exact value s + e, given s = RN(s + e)."""
    bits = s.view(np.int64)
    inexact_even = (e != 0) & ((bits & 1) == 0)
    if inexact_even.any():
        toward = np.where((e > 0) == (s > 0), 1, -1)
        bits = bits + np.where(inexact_even, toward, 0)
    return bits.view(np.float64)


def fma_f32(a, b, c):
    """float32 fma(a, b, c), correctly rounded: the product of two float32 values is exact in
    float64, and rounding the float64 round-to-odd sum to float32 rounds only once."""
    p = np.multiply(a, b, dtype=np.float64)
    s, e = _two_sum(p, np.asarray(c, dtype=np.float64))
    return _round_to_odd(np.atleast_1d(s), np.atleast_1d(e)).astype(np.float32)


def _split(a):
    """Veltkamp split of float64 a into 26-bit halves (a == hi + lo)."""
    t = a * 134217729.0  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def fma_f64(a, b, c):
    """float64 fma(a, b, c), correctly rounded (Boldo & Melquiond's emulation with
    round-to-odd; exact barring overflow and underflow)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    uh = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(np.asarray(c, dtype=np.float64), uh)
    v, ve = _two_sum(tl, ul)
    v = _round_to_odd(np.atleast_1d(v), np.atleast_1d(ve))
    return th + v
