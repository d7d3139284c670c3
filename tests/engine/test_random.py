"""The engine's random generator reproduces torch's CPU generator bit for bit.

Every comparison is on raw bytes (so -0.0 vs 0.0 and NaN payloads count), and after each call the
generator state must equal torch.get_rng_state() byte for byte as well.
"""
import math
import random

import numpy as np
import pytest

from gradtrace.engine import _random
from gradtrace.engine._random import Generator

SEEDS = [0, 1, 42, 1234, 2024, 2**31, 2**32, -1, 987654321, 3141592653589793]
SIZES = list(range(1, 21)) + [31, 32, 33, 100, 117, 1000]
FLOATS = ["float32", "float64"]


def assert_bitwise(mine, theirs, what=""):
    """Same dtype, same shape, same bytes."""
    theirs = np.asarray(theirs)
    assert mine.dtype == theirs.dtype, f"{what}: dtype {mine.dtype} != {theirs.dtype}"
    assert mine.shape == theirs.shape, f"{what}: shape {mine.shape} != {theirs.shape}"
    if mine.tobytes() != theirs.tobytes():
        as_uint = np.dtype(f"u{mine.dtype.itemsize}")
        diff = np.flatnonzero(mine.reshape(-1).view(as_uint) != theirs.reshape(-1).view(as_uint))
        pytest.fail(f"{what}: {diff.size} of {mine.size} elements differ, first at {diff[:5]}: "
                    f"{mine.reshape(-1)[diff[:3]]} vs {theirs.reshape(-1)[diff[:3]]}")


@pytest.fixture
def gen():
    return Generator()


# --------------------------------------------------------------------------------------------
# Without torch
# --------------------------------------------------------------------------------------------

def test_randn5_after_seed0_is_torchs_printed_values(gen):
    gen.manual_seed(0)
    values = gen.normal((5,), np.float32)
    assert values.dtype == np.float32
    assert values.tolist() == [1.5409960746765137, -0.293428897857666, -2.1787893772125244,
                               0.5684312582015991, -1.0845223665237427]


def test_randn1_twice_uses_the_cached_sample(gen):
    gen.manual_seed(0)
    first = gen.normal((1,), np.float32)
    state_after_first = gen.get_state()
    second = gen.normal((1,), np.float32)
    assert [first[0], second[0]] == gen.manual_seed(0).normal((2,), np.float32).tolist()
    # The second value came from the cache: no draws, only the cache flag changed.
    gen.manual_seed(0)
    gen.normal((1,), np.float32)
    gen.normal((1,), np.float32)
    assert gen.get_state()[24:5016].tobytes() == state_after_first[24:5016].tobytes()


def test_linear_3_2_default_init_after_seed0(gen):
    # kaiming_uniform_(a=sqrt(5)) then bias uniform_: torch's documented values.
    gen.manual_seed(0)
    fan_in = 3
    bound = math.sqrt(3.0) * math.sqrt(2.0 / 6.0) / math.sqrt(fan_in)
    weight = gen.uniform((2, 3), np.float32, -bound, bound)
    bias = gen.uniform((2,), np.float32, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    assert weight.tolist() == [[-0.004322517663240433, 0.3097158372402191, -0.4751853346824646],
                               [-0.4248946011066437, -0.2223689705133438, 0.15482072532176971]]
    assert bias.tolist() == [-0.011439144611358643, 0.45777493715286255]


def test_manual_seed_takes_negatives_modulo_2_64(gen):
    assert gen.manual_seed(-1).initial_seed() == 2**64 - 1
    a = gen.randint(0, 1000, (50,))
    assert np.array_equal(gen.manual_seed(2**64 - 1).randint(0, 1000, (50,)), a)
    assert gen.manual_seed(-2**63).initial_seed() == 2**63


def test_manual_seed_uses_only_the_low_32_bits_for_the_stream(gen):
    high = gen.manual_seed(2**32).uniform((20,), np.float64)
    assert gen.initial_seed() == 2**32
    assert np.array_equal(high, gen.manual_seed(0).uniform((20,), np.float64))


@pytest.mark.parametrize("value", [2**64, -2**63 - 1])
def test_manual_seed_out_of_range_is_torchs_overflow_error(gen, value):
    with pytest.raises(ValueError, match="^Overflow when unpacking long long$"):
        gen.manual_seed(value)


@pytest.mark.parametrize("value, kind", [(1.5, "float"), ("3", "str"), (True, "bool")])
def test_generator_manual_seed_wants_an_int(gen, value, kind):
    with pytest.raises(RuntimeError, match=f"^manual_seed expected a long, but got {kind}$"):
        gen.manual_seed(value)


def test_module_manual_seed_converts_with_int():
    assert _random.manual_seed(1.9) is _random.default_generator
    assert _random.initial_seed() == 1
    assert _random.manual_seed("7").initial_seed() == 7


def test_manual_seed_clears_the_normal_cache(gen):
    gen.manual_seed(5)
    gen.normal((3,), np.float64)  # leaves a cached sample
    after_reseed = gen.manual_seed(5).normal((3,), np.float64)
    assert np.array_equal(after_reseed, gen.manual_seed(5).normal((3,), np.float64))


def test_seed_is_random_and_becomes_the_initial_seed(gen):
    first = gen.seed()
    assert 0 <= first < 2**64 and gen.initial_seed() == first
    assert gen.seed() != first


@pytest.mark.parametrize("seed", [0, 42, 2**32 - 1])
def test_pure_python_seeding_fallback_matches_numpys(gen, seed):
    words = gen.manual_seed(seed).get_state()[24:24 + 8 * 624].view("<u8")
    assert np.array_equal(_random._init_genrand(seed), words)


def test_new_generator_has_torchs_default_seed():
    assert Generator().initial_seed() == 67280421310721
    assert Generator().device == "cpu"


def test_state_round_trip_resumes_the_stream_and_the_cache(gen):
    gen.manual_seed(11)
    gen.normal((3,), np.float32)  # odd count: a cached sample
    saved = gen.get_state()
    assert saved.dtype == np.uint8 and saved.shape == (5056,)
    expected = [gen.normal((1,), np.float32), gen.uniform((700,), np.float32),
                gen.normal((33,), np.float64)]
    gen.manual_seed(99)
    gen.set_state(saved)
    again = [gen.normal((1,), np.float32), gen.uniform((700,), np.float32),
             gen.normal((33,), np.float64)]
    for a, b in zip(expected, again):
        assert a.tobytes() == b.tobytes()
    assert gen.initial_seed() == 11


def test_set_state_rejects_wrong_inputs(gen):
    with pytest.raises(RuntimeError, match="^Expected a CPUGeneratorImplState of size 5056 but "
                                           "found the input RNG state size to be 10$"):
        gen.set_state(np.zeros(10, np.uint8))
    with pytest.raises(RuntimeError, match="^Invalid mt19937 state$"):
        gen.set_state(np.zeros(5056, np.uint8))
    with pytest.raises(TypeError, match="^RNG state must be a torch.ByteTensor$"):
        gen.set_state(np.zeros(5056, np.float32))


def test_generators_are_independent_of_the_default_one():
    _random.manual_seed(3)
    expected = _random.default_generator.uniform((10,), np.float32)
    _random.manual_seed(3)
    other = Generator().manual_seed(3)
    other.normal((40,), np.float32)
    assert np.array_equal(_random.default_generator.uniform((10,), np.float32), expected)


def test_randint_rejects_an_empty_range(gen):
    with pytest.raises(RuntimeError, match="^random_ expects 'from' to be less than 'to', "
                                           "but got from=5 >= to=5$"):
        gen.randint(5, 5, (3,))


@pytest.mark.parametrize("call, error, message", [
    (lambda g: g.normal((3,), np.float32, 0, -1), RuntimeError,
     "normal expects std >= 0.0, but found std -1"),
    (lambda g: g.normal((3,), np.float32, 0, -1.5), RuntimeError,
     "normal expects std >= 0.0, but found std -1.5"),
    (lambda g: g.uniform((3,), np.float32, 3, 2), RuntimeError,
     "uniform_ expects to return a [from, to) range, but found from=3 > to=2"),
    (lambda g: g.uniform((3,), np.float32, -3e38, 3e38), RuntimeError,
     "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 and "
     "from=-3e+38 which result in to-from to exceed the limit"),
    (lambda g: g.randperm(-1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda g: g.randint(0, 300, (3,), np.uint8), RuntimeError,
     "to - 1 is out of bounds for unsigned char"),
    (lambda g: g.randint(-2**40, 5, (3,), np.int16), RuntimeError,
     "from is out of bounds for short int"),
    (lambda g: g.bernoulli_scalar((3,), 1.5, np.float32), RuntimeError,
     "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
    (lambda g: g.uniform((3,), np.int64), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    (lambda g: g.normal((3,), np.int32), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Int'"),
    (lambda g: g.dropout_mask((3,), 1.5, np.float32), ValueError,
     "dropout probability has to be between 0 and 1, but got 1.5"),
])
def test_invalid_arguments_raise_torchs_errors(gen, call, error, message):
    with pytest.raises(error) as raised:
        call(gen)
    assert str(raised.value) == message


def test_dropout_extremes_draw_nothing(gen):
    gen.manual_seed(4)
    before = gen.get_state()
    assert gen.dropout_mask((2, 3), 0.0, np.float32).tolist() == [[1.0] * 3] * 2
    assert gen.dropout_mask((4,), 1.0, np.float64).tolist() == [0.0] * 4
    assert gen.get_state().tobytes() == before.tobytes()


def test_speed_of_large_and_small_randn(gen):
    import time
    gen.manual_seed(0)
    start = time.perf_counter()
    gen.normal((1_000_000,), np.float32)
    assert time.perf_counter() - start < 2.0
    start = time.perf_counter()
    for _ in range(100):
        gen.normal((5,), np.float32)
    assert (time.perf_counter() - start) / 100 < 500e-6


# --------------------------------------------------------------------------------------------
# Against real torch
# --------------------------------------------------------------------------------------------

def _float_cases(torch):
    """(name, gradtrace call, torch call) for every float op, dtype and size."""
    cases = []
    for name in FLOATS:
        np_dtype, t_dtype = np.dtype(name), getattr(torch, name)
        for n in SIZES:
            cases += [
                (f"randn {name} {n}", lambda g, n=n, d=np_dtype: g.normal((n,), d),
                 lambda n=n, d=t_dtype: torch.randn(n, dtype=d)),
                (f"rand {name} {n}", lambda g, n=n, d=np_dtype: g.uniform((n,), d),
                 lambda n=n, d=t_dtype: torch.rand(n, dtype=d)),
                (f"uniform_(+-1/sqrt3) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.uniform((n,), d, -1 / math.sqrt(3), 1 / math.sqrt(3)),
                 lambda n=n, d=t_dtype: torch.empty(n, dtype=d).uniform_(-1 / math.sqrt(3),
                                                                          1 / math.sqrt(3))),
                (f"uniform_(-2.5,7) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.uniform((n,), d, -2.5, 7.0),
                 lambda n=n, d=t_dtype: torch.empty(n, dtype=d).uniform_(-2.5, 7.0)),
                (f"normal_(2,3) {name} {n}", lambda g, n=n, d=np_dtype: g.normal((n,), d, 2.0, 3.0),
                 lambda n=n, d=t_dtype: torch.empty(n, dtype=d).normal_(2.0, 3.0)),
                (f"normal_(-0.1,0.7) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.normal((n,), d, -0.1, 0.7),
                 lambda n=n, d=t_dtype: torch.empty(n, dtype=d).normal_(-0.1, 0.7)),
                (f"bernoulli_(0.3) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.bernoulli_scalar((n,), 0.3, d),
                 lambda n=n, d=t_dtype: torch.empty(n, dtype=d).bernoulli_(0.3)),
                (f"bernoulli(p) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.bernoulli_array(np.linspace(0, 1, n).astype(d)),
                 lambda n=n, d=t_dtype: torch.bernoulli(torch.linspace(0, 1, n, dtype=torch.float64)
                                                        .to(d))),
                (f"dropout(0.2) {name} {n}",
                 lambda g, n=n, d=np_dtype: g.dropout_mask((n,), 0.2, d),
                 lambda n=n, d=t_dtype: torch.nn.functional.dropout(torch.ones(n, dtype=d), 0.2)),
            ]
    return cases


def _integer_cases(torch):
    cases = []
    for n in SIZES:
        cases += [
            (f"randint(0,10) {n}", lambda g, n=n: g.randint(0, 10, (n,)),
             lambda n=n: torch.randint(0, 10, (n,))),
            (f"randint(-5,5) {n}", lambda g, n=n: g.randint(-5, 5, (n,)),
             lambda n=n: torch.randint(-5, 5, (n,))),
            (f"randint(-7,2**28-7) {n}", lambda g, n=n: g.randint(-7, 2**28 - 7, (n,)),
             lambda n=n: torch.randint(-7, 2**28 - 7, (n,))),
            (f"randint(-2**40,2**50) {n}", lambda g, n=n: g.randint(-2**40, 2**50, (n,)),
             lambda n=n: torch.randint(-2**40, 2**50, (n,))),
            (f"randperm {n}", lambda g, n=n: g.randperm(n), lambda n=n: torch.randperm(n)),
            (f"random_() int64 {n}", lambda g, n=n: g.random_((n,), np.int64),
             lambda n=n: torch.empty(n, dtype=torch.int64).random_()),
            (f"random_() float32 {n}", lambda g, n=n: g.random_((n,), np.float32),
             lambda n=n: torch.empty(n).random_()),
            (f"random_(3, 9) int32 {n}", lambda g, n=n: g.random_((n,), np.int32, 3, 9),
             lambda n=n: torch.empty(n, dtype=torch.int32).random_(3, 9)),
            (f"random_(-4, None) int64 {n}", lambda g, n=n: g.random_((n,), np.int64, -4, None),
             lambda n=n: torch.empty(n, dtype=torch.int64).random_(-4, None)),
        ]
    return cases


def _check_cases(torch, cases, seed):
    gen = Generator()
    for name, mine, theirs in cases:
        torch.manual_seed(seed)
        gen.manual_seed(seed)
        assert_bitwise(mine(gen), theirs().numpy(), f"seed {seed}: {name}")
        assert_bitwise(gen.get_state(), torch.get_rng_state().numpy(),
                       f"seed {seed}: state after {name}")


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_float_ops_match_torch(real_torch, seed):
    _check_cases(real_torch, _float_cases(real_torch), seed)


@pytest.mark.torch
@pytest.mark.parametrize("seed", SEEDS)
def test_integer_ops_match_torch(real_torch, seed):
    _check_cases(real_torch, _integer_cases(real_torch), seed)


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 7, 2**31])
@pytest.mark.parametrize("n", [100_003, 31_999])
@pytest.mark.parametrize("dtype", FLOATS)
def test_large_randn_and_normal_match_torch(real_torch, seed, n, dtype):
    torch = real_torch
    gen = Generator().manual_seed(seed)
    torch.manual_seed(seed)
    t_dtype = getattr(torch, dtype)
    assert_bitwise(gen.normal((n,), dtype), torch.randn(n, dtype=t_dtype).numpy(), "randn")
    assert_bitwise(gen.normal((n // 3, 3), dtype, 0.5, 1.7),
                   torch.empty(n // 3, 3, dtype=t_dtype).normal_(0.5, 1.7).numpy(), "normal_")
    assert_bitwise(gen.uniform((n,), dtype, -1 / math.sqrt(3), 1 / math.sqrt(3)),
                   torch.empty(n, dtype=t_dtype).uniform_(-1 / math.sqrt(3), 1 / math.sqrt(3))
                   .numpy(), "uniform_")


@pytest.mark.torch
@pytest.mark.parametrize("n", [1, 5, 15, 16, 17, 100])
def test_half_ops_match_torch(real_torch, n):
    torch = real_torch
    gen = Generator()
    calls = [
        (lambda: gen.normal((n,), np.float16), lambda: torch.randn(n, dtype=torch.float16)),
        (lambda: gen.uniform((n,), np.float16), lambda: torch.rand(n, dtype=torch.float16)),
        (lambda: gen.uniform((n,), np.float16, -2, 3),
         lambda: torch.empty(n, dtype=torch.float16).uniform_(-2, 3)),
        (lambda: gen.dropout_mask((n,), 0.3, np.float16),
         lambda: torch.nn.functional.dropout(torch.ones(n, dtype=torch.float16), 0.3)),
    ]
    for seed in (0, 42):
        for mine, theirs in calls:
            gen.manual_seed(seed)
            torch.manual_seed(seed)
            assert_bitwise(mine(), theirs().numpy(), f"float16 n={n} seed={seed}")


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 1, 2024, 55555])
def test_interleaved_call_sequences_match_torch(real_torch, seed):
    """Random sequences that carry the normal cache across calls, sizes and dtypes."""
    torch = real_torch
    chooser = random.Random(seed)
    gen = Generator().manual_seed(seed)
    torch.manual_seed(seed)
    for step in range(250):
        kind = chooser.choice(["randn", "randn", "randn", "rand", "randint", "normal_", "bern"])
        n = chooser.choice([1, 1, 2, 3, 5, 7, 15, 16, 17, 40])
        dtype = chooser.choice(FLOATS)
        t_dtype = getattr(torch, dtype)
        if kind == "randn":
            mine, theirs = gen.normal((n,), dtype), torch.randn(n, dtype=t_dtype)
        elif kind == "rand":
            mine, theirs = gen.uniform((n,), dtype), torch.rand(n, dtype=t_dtype)
        elif kind == "randint":
            mine, theirs = gen.randint(-3, 2**29, (n,)), torch.randint(-3, 2**29, (n,))
        elif kind == "normal_":
            mine = gen.normal((n,), dtype, 1.5, 0.25)
            theirs = torch.empty(n, dtype=t_dtype).normal_(1.5, 0.25)
        else:
            mine = gen.bernoulli_scalar((n,), 0.6, dtype)
            theirs = torch.empty(n, dtype=t_dtype).bernoulli_(0.6)
        assert_bitwise(mine, theirs.numpy(), f"step {step}: {kind}({n}, {dtype})")
    assert_bitwise(gen.get_state(), torch.get_rng_state().numpy(), "final state")


@pytest.mark.torch
def test_state_bytes_interchange_with_torch(real_torch):
    torch = real_torch
    torch.manual_seed(77)
    torch.randn(3)  # leaves torch's double normal cache set
    gen = Generator()
    gen.set_state(torch.get_rng_state().numpy())
    assert_bitwise(gen.normal((5,), np.float32), torch.randn(5).numpy(), "after torch's state")
    gen.uniform((1000,), np.float32)
    gen.normal((1,), np.float64)
    torch.set_rng_state(torch.from_numpy(gen.get_state()))
    assert_bitwise(gen.normal((9,), np.float64), torch.randn(9, dtype=torch.float64).numpy(),
                   "torch on our state")
    assert_bitwise(gen.get_state(), torch.get_rng_state().numpy(), "state")


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, -1, 2**32, 2**63 + 5])
def test_state_right_after_manual_seed_matches_torch(real_torch, seed):
    real_torch.manual_seed(seed)
    assert_bitwise(Generator().manual_seed(seed).get_state(),
                   real_torch.get_rng_state().numpy(), "fresh state")
    assert Generator().manual_seed(seed).initial_seed() == real_torch.initial_seed()


@pytest.mark.torch
def test_separate_generator_matches_torch_generator(real_torch):
    torch = real_torch
    theirs = torch.Generator()
    mine = Generator()
    assert_bitwise(mine.normal((20,), np.float32), torch.randn(20, generator=theirs).numpy(),
                   "default-seeded generator")
    theirs.manual_seed(8)
    mine.manual_seed(8)
    assert_bitwise(mine.randperm(50), torch.randperm(50, generator=theirs).numpy(), "randperm")
    assert_bitwise(mine.get_state(), theirs.get_state().numpy(), "state")
