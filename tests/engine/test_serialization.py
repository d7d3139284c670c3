"""torch.save / torch.load round trips (checkpoints cross with real torch), and allclose / isclose."""
import collections
import io
import math
import pickle

import numpy as np
import pytest

import gradtrace.engine as gt


def describe(obj):
    """Types, dtypes, shapes, values and requires_grad of a loaded object, comparable across libraries."""
    if hasattr(obj, "dtype") and hasattr(obj, "shape"):
        return (type(obj).__name__, str(obj.dtype), tuple(obj.shape), obj.detach().tolist(), obj.requires_grad)
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, describe(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [describe(v) for v in obj])
    return (type(obj).__name__, repr(obj))


def checkpoint(lib):
    """A state_dict-like object built the same way with either library."""
    return {
        "model": collections.OrderedDict(
            [("fc.weight", lib.nn.Parameter(lib.arange(6, dtype=lib.float32).reshape(2, 3) / 7)),
             ("fc.bias", lib.tensor([0.5, -1.25], requires_grad=True)),
             ("steps", lib.tensor(17)),
             ("mask", lib.tensor([True, False])),
             ("half", lib.tensor([1.5, -2.0], dtype=lib.float16)),
             ("double", lib.tensor([[math.pi]], dtype=lib.float64)),
             ("ints", lib.tensor([1, -2, 3], dtype=lib.int32)),
             ("bytes", lib.tensor([0, 255], dtype=lib.uint8)),
             ("cplx", lib.tensor([1 + 2j, -0.5j])),
             ("empty", lib.zeros(0, 3))]),
        "epoch": 3, "lr": 0.01, "name": "lenet", "history": [1.5, 2, None, (True, "x")],
        "dtype": lib.float64, "size": lib.Size([2, 3]),
    }


def test_round_trip_through_a_file_object():
    buffer = io.BytesIO()
    gt.save(checkpoint(gt), buffer)
    buffer.seek(0)
    assert describe(gt.load(buffer)) == describe(checkpoint(gt))


def test_round_trip_through_a_path(tmp_path):
    path = tmp_path / "model.pt"
    t = gt.randn(4, 5, requires_grad=True)
    gt.save([t, {"t": t}], str(path))
    loaded = gt.load(path)
    assert describe(loaded[0]) == describe(t)
    assert loaded[0].is_leaf and loaded[0].grad_fn is None
    assert loaded[0] is loaded[1]["t"]  # one tensor saved twice loads as one tensor


def test_module_state_dict_round_trip():
    gt.manual_seed(0)
    net = gt.nn.Linear(3, 2)
    buffer = io.BytesIO()
    gt.save(net.state_dict(), buffer)
    buffer.seek(0)
    fresh = gt.nn.Linear(3, 2)
    fresh.load_state_dict(gt.load(buffer))
    assert fresh.weight.tolist() == net.weight.tolist() and fresh.bias.tolist() == net.bias.tolist()


def test_views_load_with_their_values():
    base = gt.arange(12.).reshape(3, 4)
    buffer = io.BytesIO()
    gt.save({"t": base.t(), "row": base[1], "cols": base[:, ::2]}, buffer)
    buffer.seek(0)
    loaded = gt.load(buffer)
    assert loaded["t"].tolist() == base.t().tolist() and loaded["row"].tolist() == [4., 5., 6., 7.]
    assert loaded["cols"].tolist() == [[0., 2.], [4., 6.], [8., 10.]]


def test_missing_file():
    with pytest.raises(FileNotFoundError, match=r"^\[Errno 2\] No such file or directory: 'no/such/file.pt'$"):
        gt.load("no/such/file.pt")


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(RuntimeError, match="is not a checkpoint in torch.save's zip format"):
        gt.load(str(path))


def test_weights_only_refuses_arbitrary_globals():
    buffer = io.BytesIO()
    gt.save({"f": collections.deque([1])}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL collections.deque was not an "
                                                     "allowed global by default"):
        gt.load(buffer)
    buffer.seek(0)
    assert gt.load(buffer, weights_only=False) == {"f": collections.deque([1])}


# ---- against torch ------------------------------------------------------------------------

@pytest.mark.torch
def test_torch_loads_what_gradtrace_saved(real_torch):
    buffer = io.BytesIO()
    gt.save(checkpoint(gt), buffer)
    buffer.seek(0)
    assert describe(real_torch.load(buffer)) == describe(checkpoint(real_torch))


@pytest.mark.torch
def test_gradtrace_loads_what_torch_saved(real_torch):
    buffer = io.BytesIO()
    real_torch.save(checkpoint(real_torch), buffer)
    buffer.seek(0)
    assert describe(gt.load(buffer)) == describe(checkpoint(gt))


@pytest.mark.torch
def test_gradtrace_loads_torch_views_and_bfloat16(real_torch):
    base = real_torch.arange(24.).reshape(2, 3, 4)
    obj = {"t": base.transpose(0, 2), "slice": base[1, :, 1:3], "bf": real_torch.tensor([1.5, -3.0, 1e-3],
                                                                                        dtype=real_torch.bfloat16)}
    buffer = io.BytesIO()
    real_torch.save(obj, buffer)
    buffer.seek(0)
    loaded = gt.load(buffer)
    assert describe(loaded["t"]) == describe(obj["t"]) and describe(loaded["slice"]) == describe(obj["slice"])
    assert loaded["bf"].dtype == gt.bfloat16
    assert loaded["bf"].float().tolist() == obj["bf"].float().tolist()


@pytest.mark.torch
def test_torch_missing_file_error_is_the_same(real_torch):
    errors = []
    for lib in (gt, real_torch):
        with pytest.raises(FileNotFoundError) as err:
            lib.load("no_such_checkpoint.pt")
        errors.append(str(err.value))
    assert errors[0] == errors[1]


@pytest.mark.torch
def test_weights_only_error_is_torchs(real_torch):
    errors = []
    for lib in (gt, real_torch):
        buffer = io.BytesIO()
        lib.save({"d": collections.deque([1])}, buffer)
        buffer.seek(0)
        with pytest.raises(pickle.UnpicklingError) as err:
            lib.load(buffer)
        errors.append(str(err.value))
    assert errors[0] == errors[1]


# ---- allclose / isclose -------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")


def test_isclose_defaults_and_nan():
    a = gt.tensor([1.0, NAN, INF, -INF, 1.0])
    b = gt.tensor([1.0 + 1e-6, NAN, INF, INF, 1.1])
    assert gt.isclose(a, b).tolist() == [True, False, True, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, True, False, False]
    assert not gt.allclose(a, b) and gt.allclose(gt.ones(3), gt.ones(3) + 1e-9)
    assert gt.tensor([NAN]).allclose(gt.tensor([NAN]), equal_nan=True) is True


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="^Float did not match Double$"):
        gt.isclose(gt.ones(2), gt.ones(2, dtype=gt.float64))
    with pytest.raises(RuntimeError, match="^rtol must be greater than or equal to zero, but got -1$"):
        gt.allclose(gt.ones(2), gt.ones(2), rtol=-1)
    with pytest.raises(TypeError, match=r"^isclose\(\): argument 'other' \(position 2\) must be Tensor, not float$"):
        gt.isclose(gt.ones(2), 1.0)


CLOSE_CASES = [
    ("float32", [1.0, 1.0, 0.0, 1e-8, 100.0], [1.00001, 1.0000101, 1e-8, 0.0, 100.001], {}),
    ("float64", [1.0, 1.0, 0.0, 1e-8, 100.0], [1.00001, 1.0000101, 1e-8, 0.0, 100.001], {}),
    ("float16", [1.0, 1.0, 1000.0], [1.001, 1.0, 1001.0], dict(rtol=1e-3)),
    ("float32", [NAN, INF, -INF, NAN, 1.0], [NAN, INF, INF, 1.0, INF], dict(equal_nan=True)),
    ("float32", [1.0, 2.0], [1.0, 2.0 + 1e-7], dict(rtol=0, atol=0)),
    ("int64", [2**40 + 1, 5, -3], [2**40, 6, 3], dict(rtol=0, atol=0.5)),
    ("int64", [1, 2], [1, 3], dict(rtol=0.5)),
    ("uint8", [1, 2], [2, 1], dict(atol=1)),
    ("bool", [True, False], [True, True], dict(rtol=0.1)),
    ("complex64", [1 + 1j, NAN], [1 + 1.00001j, NAN], dict(equal_nan=True)),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype, a, b, kwargs", CLOSE_CASES)
def test_isclose_matches_torch(real_torch, dtype, a, b, kwargs):
    results = []
    for lib in (gt, real_torch):
        x, y = lib.tensor(a, dtype=getattr(lib, dtype)), lib.tensor(b, dtype=getattr(lib, dtype))
        results.append((lib.isclose(x, y, **kwargs).tolist(), x.allclose(y, **kwargs),
                        lib.isclose(x[:1, None], y, **kwargs).tolist()))
    assert results[0] == results[1]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_isclose_near_the_boundary_matches_torch(real_torch, dtype):
    rng = np.random.default_rng(0)
    b = rng.standard_normal(20000) * 10.0 ** rng.integers(-3, 4, 20000)
    a = b * (1 + rng.choice([-1, 1], 20000) * rng.uniform(0.5e-5, 1.5e-5, 20000))
    a, b = a.astype(dtype), b.astype(dtype)
    mine = gt.isclose(gt.from_numpy(a), gt.from_numpy(b)).numpy()
    theirs = real_torch.isclose(real_torch.from_numpy(a), real_torch.from_numpy(b)).numpy()
    assert 0 < mine.sum() < mine.size and (mine == theirs).all()


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.isclose(lib.ones(2), lib.ones(3)),
    lambda lib: lib.allclose(lib.ones(2), lib.ones(3)),
    lambda lib: lib.isclose(lib.ones(2, dtype=lib.bfloat16), lib.ones(2, dtype=lib.float16)),
    lambda lib: lib.isclose(lib.ones(2), lib.ones(2), atol=-0.5),
    lambda lib: lib.isclose(1.0, lib.ones(2)),
    lambda lib: lib.tensor([1, 2]).allclose(lib.tensor([1.0, 2.0])),
])
def test_isclose_errors_match_torch(real_torch, call):
    outcomes = []
    for lib in (gt, real_torch):
        with pytest.raises(Exception) as err:
            call(lib)
        outcomes.append((type(err.value).__name__, str(err.value)))
    assert outcomes[0] == outcomes[1]
