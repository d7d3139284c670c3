"""dtypes: tensor() inference, factories, type promotion (reference section 6), linspace bit for bit, arange."""
import numpy as np
import pytest

import gradtrace.engine as gt

# Expressions evaluated with T (torch or gradtrace.engine) and np; dtype and values must match torch's.
EXPRESSIONS = [
    # construction
    "T.tensor([1.0, 2.0])", "T.tensor([1, 2])", "T.tensor([True, False])", "T.tensor([1, 2.0])",
    "T.tensor([1, True])", "T.tensor(1+2j)", "T.tensor([])", "T.tensor(np.array([1., 2.]))",
    "T.from_numpy(np.array([1., 2.]))", "T.as_tensor(np.array([1., 2.]))", "T.tensor(np.array([1, 2]))",
    "T.tensor(np.array([1, 2], dtype=np.int32))", "T.tensor(np.array([1, 2], dtype=np.float32))",
    "T.tensor(np.float64(1.5))", "T.tensor([np.float64(1.5)])", "T.tensor(np.float32(1.5))",
    "T.tensor([[1, 2], [3, 4]], dtype=T.float64)", "T.tensor(3)", "T.tensor(2.5, dtype=T.float16)",
    "T.FloatTensor([1, 2])", "T.DoubleTensor([1, 2])", "T.LongTensor([1, 2])",
    # factories
    "T.zeros(2, 3)", "T.ones(2)", "T.empty(2).shape", "T.eye(3)", "T.eye(2, 3)", "T.linspace(0, 1, 5)",
    "T.arange(5.)", "T.arange(0, 1, 0.25)", "T.arange(5)", "T.arange(1, 10, 3)", "T.arange(10, 0, -3)",
    "T.arange(0, 1, 0.1)", "T.arange(-1.5, 2.5)", "T.arange(3, dtype=T.float64)", "T.full((2,), 7)",
    "T.full((2,), 7.)", "T.full((2,), True)", "T.zeros(2, dtype=T.int32)", "T.ones_like(T.tensor([1, 2]))",
    "T.zeros_like(T.tensor([1., 2.]), dtype=T.float64)", "T.full_like(T.tensor([1, 2]), 2.7)",
    "T.rand(2).dtype", "T.randn(2).dtype", "T.randint(0, 5, (3,)).dtype", "T.randperm(4).dtype",
    "T.tensor([1., 2.]).double()", "T.tensor([1.5, -2.5]).long()", "T.tensor([1, 0]).bool()",
    "T.tensor([1, 2]).float()", "T.tensor([1., 2.]).to(T.int32)", "T.tensor([1., 2.]).half()",
    "T.tensor([1, 2]).exp()", "T.tensor([1, 4]).sqrt()", "T.tensor([1, 2], dtype=T.int32).sum()",
    "T.tensor([True, True]).sum()", "T.tensor([1, 2]).mean(dtype=T.float32)",
    # promotion (reference section 6 examples)
    "T.tensor([1, 2]) + 1.5", "T.tensor([1, 2]) / 2", "T.tensor([1, 2]) // 2", "T.tensor([1, 2]) * 2",
    "T.tensor([1, 2]) ** 2", "T.tensor([1, 2]) ** 0.5",
    "T.tensor([1., 2.]) + T.tensor([1., 2.], dtype=T.float64)",
    "T.tensor([1., 2.]) + T.tensor(1., dtype=T.float64)",
    "T.tensor([1, 2]) + T.tensor(1.5, dtype=T.float64)",
    "T.tensor([1, 2], dtype=T.int32) + T.tensor(5)", "T.tensor([1, 2], dtype=T.int32) + T.tensor([5])",
    "T.tensor([1, 2], dtype=T.int32) + 5", "T.tensor([1, 2], dtype=T.int32) + T.tensor(2**40)",
    "T.tensor([1., 2.], dtype=T.float16) + 1.5", "T.tensor([1., 2.], dtype=T.float16) + T.tensor(1.5)",
    "T.tensor([1., 2.], dtype=T.float16) + T.tensor([1.5])",
    "T.tensor([True, False]) + 1", "T.tensor([True, False]) + True", "T.tensor([True, False]) + 1.5",
    "T.tensor([1, 2]) + True", "T.tensor([1, 2], dtype=T.uint8) + 300", "T.tensor([1., 2.]) + 1j",
    "T.tensor([1., 2.], dtype=T.float64) + 1j", "T.tensor([1, 2]) + 1j", "T.tensor(1) + T.tensor(1.)",
    "T.tensor([1.], dtype=T.float64) * T.tensor(2., dtype=T.float32)", "T.tensor([1, 2]) * np.float64(2.5)",
    "T.tensor([1., 2.]) * np.float64(2.5)", "T.tensor([1, 2]) > 1", "T.tensor([1, 2]) == T.tensor([1., 3.])",
    "T.tensor([1, 2], dtype=T.int32) * T.tensor([2], dtype=T.int64)", "T.tensor([1, 2]) - T.tensor(0.5)",
    "2.5 - T.tensor([1, 2])", "1 / T.tensor([1, 2])", "T.tensor([3, 4]) % 2.5", "T.tensor([1, 2]) @ T.tensor([3, 4])",
    "T.where(T.tensor([True, False]), T.tensor([1, 2]), 2.5)", "T.maximum(T.tensor([1, 5]), T.tensor([2.5, 0.5]))",
    "T.cat([T.tensor([1, 2]), T.tensor([0.5])])", "T.tensor([1, 2]).clamp(min=1.5)",
    "T.promote_types(T.int32, T.float32)", "T.promote_types(T.uint8, T.int8)",
    "T.promote_types(T.bool, T.int8)", "T.promote_types(T.int64, T.float16)",
    "T.result_type(T.tensor([1., 2.]), T.tensor(1., dtype=T.float64))", "T.get_default_dtype()",
]


def _describe(value):
    """What is compared: dtype and values of a tensor, or the value itself as text."""
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        return str(value.dtype), tuple(value.shape), value.tolist()
    return str(value)


@pytest.mark.torch
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_dtype_and_value_match_torch(real_torch, expr):
    ours = _describe(eval(expr, {"T": gt, "np": np}))
    theirs = _describe(eval(expr, {"T": real_torch, "np": np}))
    if isinstance(theirs, tuple) and "float" in theirs[0]:
        # transcendental functions may differ from torch's vectorised kernels in the last bit
        assert ours[:2] == theirs[:2]
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)
    else:
        assert ours == theirs


@pytest.mark.parametrize(
    "expr,dtype",
    [
        ("T.tensor([1, 2]) + 1.5", "torch.float32"),
        ("T.tensor([1., 2.]) + T.tensor(1., dtype=T.float64)", "torch.float32"),
        ("T.tensor([1, 2]) + T.tensor(1.5, dtype=T.float64)", "torch.float64"),
        ("T.tensor([1, 2], dtype=T.int32) + 5", "torch.int32"),
        ("T.tensor([1, 2], dtype=T.uint8) + 300", "torch.uint8"),
        ("T.tensor([1, 2]) + 1j", "torch.complex64"),
    ],
)
def test_promotion_reference_examples(expr, dtype):
    assert str(eval(expr, {"T": gt, "np": np}).dtype) == dtype


def test_wrapping_integer_scalars_like_torch():
    assert gt.tensor([1, 2], dtype=gt.uint8).__add__(300).tolist() == [45, 46]
    assert (gt.tensor([1, 2], dtype=gt.int32) + gt.tensor(2**40)).tolist() == [1, 2]


LINSPACE_CASES = [(-2, 2, 25), (0, 1, 11), (-1, 1, 7), (0, 10, 31), (-3.3, 7.1, 29), (0, 1, 5), (-2, 2, 100),
                  (-2, 2, 1000), (0.1, 7.3, 777), (-5, 3, 64), (-1, 1, 33), (0, 1, 4097), (0, 1, 1), (3, 3, 4)]


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("start,end,steps", LINSPACE_CASES)
def test_linspace_is_bit_identical_to_torch(real_torch, start, end, steps, dtype_name):
    ours = gt.linspace(start, end, steps, dtype=getattr(gt, dtype_name)).numpy()
    theirs = real_torch.linspace(start, end, steps, dtype=getattr(real_torch, dtype_name)).numpy()
    assert ours.dtype == theirs.dtype
    assert ours.tobytes() == theirs.tobytes()


def test_linspace_middle_element_is_torchs():
    assert gt.linspace(-2, 2, 25)[12].item() == np.float32(-5.9604645e-08)


@pytest.mark.torch
@pytest.mark.parametrize("args", [(5,), (5.0,), (0, 1, 0.25), (1, 10, 3), (0, 1, 0.1), (-1.5, 2.5), (10, 0, -3),
                                  (0.0, 2.0, 0.3), (1, 2.5, 0.5)])
def test_arange_is_bit_identical_to_torch(real_torch, args):
    ours = gt.arange(*args).numpy()
    theirs = real_torch.arange(*args).numpy()
    assert ours.dtype == theirs.dtype
    assert ours.tobytes() == theirs.tobytes()
