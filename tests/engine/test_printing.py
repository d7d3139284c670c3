"""Tensor printing: gradtrace tensors print exactly what torch 2.13 prints.

The examples are written as torch expressions and evaluated with `torch` bound to gradtrace.engine,
so each expected string is also checked against real torch where it is installed.
"""
import math
import time

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine import _tensor_str

nan, inf = math.nan, math.inf

# (torch expression, exact repr): reference section 1.6
SCALAR_AND_VECTOR_EXAMPLES = [
    ("torch.tensor(6.)", "tensor(6.)"),
    ("torch.tensor(6)", "tensor(6)"),
    ("torch.tensor(2.5)", "tensor(2.5000)"),
    ("torch.tensor(True)", "tensor(True)"),
    ("torch.tensor(-0.)", "tensor(-0.)"),
    ("torch.tensor(-0.5)", "tensor(-0.5000)"),
    ("torch.tensor(1e-10)", "tensor(1.0000e-10)"),
    ("torch.tensor(123456789.)", "tensor(1.2346e+08)"),
    ("torch.tensor(float('nan'))", "tensor(nan)"),
    ("torch.tensor(float('-inf'))", "tensor(-inf)"),
    ("torch.tensor(5, dtype=torch.int32)", "tensor(5, dtype=torch.int32)"),
    ("torch.tensor(0.1, dtype=torch.float64)", "tensor(0.1000, dtype=torch.float64)"),
    ("torch.tensor([1., 2., 3.])", "tensor([1., 2., 3.])"),
    ("torch.tensor([1, -20, 300])", "tensor([  1, -20, 300])"),
    ("torch.tensor([True, False])", "tensor([ True, False])"),
    ("torch.tensor([1.5, 2.25, -3.125])", "tensor([ 1.5000,  2.2500, -3.1250])"),
    ("torch.tensor([-1., 2.])", "tensor([-1.,  2.])"),
    ("torch.tensor([[1., 6.7, 137.]], dtype=torch.float64)",
     "tensor([[  1.0000,   6.7000, 137.0000]], dtype=torch.float64)"),
    ("torch.tensor([1e-10, 1.])", "tensor([1.0000e-10, 1.0000e+00])"),
    ("torch.tensor([1e8, 1.])", "tensor([1.0000e+08, 1.0000e+00])"),
    ("torch.tensor([100000000.])", "tensor([100000000.])"),
    ("torch.tensor([1e10])", "tensor([1.0000e+10])"),
    ("torch.tensor([0.5, 100000.])", "tensor([5.0000e-01, 1.0000e+05])"),
    ("torch.tensor([0.5, 500.])", "tensor([  0.5000, 500.0000])"),
    ("torch.tensor([0.5, 501.])", "tensor([5.0000e-01, 5.0100e+02])"),
    ("torch.tensor([1., 1000.])", "tensor([   1., 1000.])"),
    ("torch.tensor([1., 1001.])", "tensor([1.0000e+00, 1.0010e+03])"),
    ("torch.tensor([10000000., 1.])", "tensor([1.0000e+07, 1.0000e+00])"),
    ("torch.tensor([5000., 5.5])", "tensor([5000.0000,    5.5000])"),
    ("torch.tensor([-5000., 5.5])", "tensor([-5000.0000,     5.5000])"),
    ("torch.tensor([-1e-5, 1.])", "tensor([-1.0000e-05,  1.0000e+00])"),
    ("torch.tensor([nan, 1., inf, -inf])", "tensor([nan, 1., inf, -inf])"),
    ("torch.tensor([nan, 1.5, inf])", "tensor([   nan, 1.5000,    inf])"),
    ("torch.tensor([1e-10, nan])", "tensor([1.0000e-10,        nan])"),
    ("torch.tensor([1e-10, 0.])", "tensor([1.0000e-10, 0.0000e+00])"),
    ("torch.tensor([-0., 0., 1.])", "tensor([-0., 0., 1.])"),
    ("torch.tensor([-0., 1.5])", "tensor([-0.0000, 1.5000])"),
    ("torch.tensor([0., 0.])", "tensor([0., 0.])"),
    ("torch.tensor([])", "tensor([])"),
    ("torch.empty(0, 3)", "tensor([], size=(0, 3))"),
    ("torch.tensor([[]])", "tensor([], size=(1, 0))"),
    ("torch.empty(0, dtype=torch.int64)", "tensor([], dtype=torch.int64)"),
    ("torch.empty(0, 3, dtype=torch.int32)", "tensor([], size=(0, 3), dtype=torch.int32)"),
    ("torch.empty(0, 3, requires_grad=True)", "tensor([], size=(0, 3), requires_grad=True)"),
    ("torch.tensor([2**40, 1])", "tensor([1099511627776,             1])"),
    ("torch.tensor([1, 2], dtype=torch.uint8)", "tensor([1, 2], dtype=torch.uint8)"),
    ("torch.tensor([1., 2.], dtype=torch.float16)", "tensor([1., 2.], dtype=torch.float16)"),
    ("torch.tensor([1+2j, 3-4j])", "tensor([1.+2.j, 3.-4.j])"),
    ("torch.tensor([1., 2.], requires_grad=True) + 1", "tensor([2., 3.], grad_fn=<AddBackward0>)"),
    ("torch.tensor(3., requires_grad=True) * 2", "tensor(6., grad_fn=<MulBackward0>)"),
    ("(torch.tensor([1., 2.], requires_grad=True) ** 2).sum()", "tensor(5., grad_fn=<SumBackward0>)"),
    ("torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)",
     "tensor([1., 2.], dtype=torch.float64, requires_grad=True)"),
    # section 1.3: float32 rounding artefacts and threshold edges
    ("torch.tensor([12345.6789])", "tensor([12345.6787])"),
    ("torch.tensor([123456.7])", "tensor([123456.7031])"),
    ("torch.tensor([1e-4, 0.05])", "tensor([1.0000e-04, 5.0000e-02])"),
    ("torch.tensor([1e-4, 0.05], dtype=torch.float64)", "tensor([0.0001, 0.0500], dtype=torch.float64)"),
    ("torch.tensor([1e-3, 1.0])", "tensor([0.0010, 1.0000])"),
    ("torch.tensor([1e-3, 1.01])", "tensor([1.0000e-03, 1.0100e+00])"),
    ("torch.tensor([0.1, 100.])", "tensor([  0.1000, 100.0000])"),
]

MULTILINE_EXAMPLES = [
    ("torch.linspace(-2, 2, 25)",
     "tensor([-2.0000e+00, -1.8333e+00, -1.6667e+00, -1.5000e+00, -1.3333e+00,\n"
     "        -1.1667e+00, -1.0000e+00, -8.3333e-01, -6.6667e-01, -5.0000e-01,\n"
     "        -3.3333e-01, -1.6667e-01, -5.9605e-08,  1.6667e-01,  3.3333e-01,\n"
     "         5.0000e-01,  6.6667e-01,  8.3333e-01,  1.0000e+00,  1.1667e+00,\n"
     "         1.3333e+00,  1.5000e+00,  1.6667e+00,  1.8333e+00,  2.0000e+00])"),
    ("torch.arange(30.) / 3",
     "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
     "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n"
     "        6.0000, 6.3333, 6.6667, 7.0000, 7.3333, 7.6667, 8.0000, 8.3333, 8.6667,\n"
     "        9.0000, 9.3333, 9.6667])"),
    ("torch.arange(30.)",
     "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
     "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
     "        28., 29.])"),
    ("torch.arange(10.) ** 5",
     "tensor([0.0000e+00, 1.0000e+00, 3.2000e+01, 2.4300e+02, 1.0240e+03, 3.1250e+03,\n"
     "        7.7760e+03, 1.6807e+04, 3.2768e+04, 5.9049e+04])"),
    ("torch.arange(24).reshape(2, 3, 4)",
     "tensor([[[ 0,  1,  2,  3],\n"
     "         [ 4,  5,  6,  7],\n"
     "         [ 8,  9, 10, 11]],\n"
     "\n"
     "        [[12, 13, 14, 15],\n"
     "         [16, 17, 18, 19],\n"
     "         [20, 21, 22, 23]]])"),
    ("torch.tensor([[1., -1.], [10., 100.]])",
     "tensor([[  1.,  -1.],\n"
     "        [ 10., 100.]])"),
    ("torch.tensor([[1.5, nan], [inf, -2.25]])",
     "tensor([[ 1.5000,     nan],\n"
     "        [    inf, -2.2500]])"),
    ("torch.ones(2, 2, 2, 2)",
     "tensor([[[[1., 1.],\n"
     "          [1., 1.]],\n"
     "\n"
     "         [[1., 1.],\n"
     "          [1., 1.]]],\n"
     "\n"
     "\n"
     "        [[[1., 1.],\n"
     "          [1., 1.]],\n"
     "\n"
     "         [[1., 1.],\n"
     "          [1., 1.]]]])"),
    ("torch.arange(2000)", "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    ("torch.arange(1001.)", "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    ("torch.arange(1000.)[-3:]", "tensor([997., 998., 999.])"),
    ("torch.arange(2000.).reshape(40, 50)",
     "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n"
     "         4.9000e+01],\n"
     "        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n"
     "         9.9000e+01],\n"
     "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n"
     "         1.4900e+02],\n"
     "        ...,\n"
     "        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n"
     "         1.8990e+03],\n"
     "        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n"
     "         1.9490e+03],\n"
     "        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n"
     "         1.9990e+03]])"),
    ("torch.arange(9.).requires_grad_() / 7",
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429],\n"
     "       grad_fn=<DivBackward0>)"),
    ("torch.arange(10.).requires_grad_() / 7",
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
     "        1.2857], grad_fn=<DivBackward0>)"),
    ("torch.arange(8., dtype=torch.float64).requires_grad_() / 7",
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000],\n"
     "       dtype=torch.float64, grad_fn=<DivBackward0>)"),
    ("torch.ones(14, dtype=torch.float64, requires_grad=True) * 2",
     "tensor([2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2.],\n"
     "       dtype=torch.float64, grad_fn=<MulBackward0>)"),
    ("(torch.arange(6.).reshape(2,3).requires_grad_() * 2).double()",
     "tensor([[ 0.,  2.,  4.],\n"
     "        [ 6.,  8., 10.]], dtype=torch.float64, grad_fn=<ToCopyBackward0>)"),
    ("torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)",
     "tensor([[1, 2],\n"
     "        [3, 4]], dtype=torch.int32)"),
    ("torch.tensor([[True, False], [False, True]])",
     "tensor([[ True, False],\n"
     "        [False,  True]])"),
    # section 1.5: the suffix wrapping borders
    ("torch.ones(11, requires_grad=True) * 2",
     "tensor([2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2.], grad_fn=<MulBackward0>)"),
    ("torch.ones(12, requires_grad=True) * 2",
     "tensor([2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2., 2.],\n       grad_fn=<MulBackward0>)"),
    ("torch.ones(12, requires_grad=True)",
     "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.], requires_grad=True)"),
    ("torch.ones(13, requires_grad=True)",
     "tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n       requires_grad=True)"),
]


def _arange_3000_expected():
    """torch.arange(3000).reshape(10, 10, 30): 6 blocks of 6 summarised rows, "...," between."""
    def block(b):
        rows = []
        for r in (0, 1, 2, None, 7, 8, 9):
            if r is None:
                rows.append("...")
                continue
            start = b * 300 + r * 30
            head = ", ".join(f"{v:4d}" for v in range(start, start + 3))
            tail = ", ".join(f"{v:4d}" for v in range(start + 27, start + 30))
            rows.append(f"[{head},  ..., {tail}]")
        return "[" + ",\n         ".join(rows) + "]"

    blocks = [block(b) for b in (0, 1, 2)] + ["..."] + [block(b) for b in (7, 8, 9)]
    return "tensor([" + ",\n\n        ".join(blocks) + "])"


MULTILINE_EXAMPLES.append(("torch.arange(3000).reshape(10, 10, 30)", _arange_3000_expected()))

# (print options, torch expression, exact repr): reference section 1.7
X_17 = "torch.tensor([1.123456789, 200.5, 0.00123])"
PRINTOPTIONS_EXAMPLES = [
    ({}, X_17, "tensor([1.1235e+00, 2.0050e+02, 1.2300e-03])"),
    (dict(precision=2), X_17, "tensor([1.12e+00, 2.00e+02, 1.23e-03])"),
    (dict(precision=2), "torch.tensor([1.12345, 2.])", "tensor([1.12, 2.00])"),
    (dict(precision=6), X_17, "tensor([1.123457e+00, 2.005000e+02, 1.230000e-03])"),
    (dict(precision=6), "torch.tensor([1.12345, 2.])", "tensor([1.123450, 2.000000])"),
    (dict(precision=6, sci_mode=False), X_17, "tensor([  1.123457, 200.500000,   0.001230])"),
    (dict(precision=6, sci_mode=False), "torch.tensor([1e-10, 1.])", "tensor([0.000000, 1.000000])"),
    (dict(precision=6, sci_mode=False), "torch.tensor([1e10, 1.])", "tensor([10000000000.,           1.])"),
    (dict(precision=3, sci_mode=True), "torch.tensor([1., 2.])", "tensor([1.000e+00, 2.000e+00])"),
    (dict(precision=3, sci_mode=True), "torch.tensor([1, 2])", "tensor([1, 2])"),
    (dict(threshold=5), "torch.arange(10)", "tensor([0, 1, 2,  ..., 7, 8, 9])"),
    (dict(threshold=5, edgeitems=1), "torch.arange(10)", "tensor([0,  ..., 9])"),
    (dict(threshold=5, edgeitems=1), "torch.arange(20).reshape(4, 5)",
     "tensor([[ 0,  ...,  4],\n        ...,\n        [15,  ..., 19]])"),
    (dict(threshold=5, edgeitems=0), "torch.arange(10)", "tensor([...], size=(10,))"),
    (dict(threshold=5, edgeitems=0), "torch.arange(20).reshape(4, 5)", "tensor([...], size=(4, 5))"),
    (dict(linewidth=40), "torch.arange(30.) / 3",
     "tensor([0.0000, 0.3333, 0.6667, 1.0000,\n"
     "        1.3333, 1.6667, 2.0000, 2.3333,\n"
     "        2.6667, 3.0000, 3.3333, 3.6667,\n"
     "        4.0000, 4.3333, 4.6667, 5.0000,\n"
     "        5.3333, 5.6667, 6.0000, 6.3333,\n"
     "        6.6667, 7.0000, 7.3333, 7.6667,\n"
     "        8.0000, 8.3333, 8.6667, 9.0000,\n"
     "        9.3333, 9.6667])"),
    (dict(profile="short"), "torch.arange(30.) / 3",
     "tensor([0.00, 0.33, 0.67, 1.00, 1.33, 1.67, 2.00, 2.33, 2.67, 3.00, 3.33, 3.67,\n"
     "        4.00, 4.33, 4.67, 5.00, 5.33, 5.67, 6.00, 6.33, 6.67, 7.00, 7.33, 7.67,\n"
     "        8.00, 8.33, 8.67, 9.00, 9.33, 9.67])"),
    (dict(precision=1), "torch.tensor([1.25, 3.75, 0.05])", "tensor([1.2, 3.8, 0.1])"),
    (dict(precision=2), "torch.tensor([0.125, 0.375, 2.675])", "tensor([0.12, 0.38, 2.67])"),
    (dict(precision=0), "torch.tensor([1.5, 2.5, 0.3])", "tensor([2, 2, 0])"),
]


def _evaluate(expression, module):
    return eval(expression, {"torch": module, "nan": nan, "inf": inf})


@pytest.fixture(autouse=True)
def default_printoptions():
    """Every test starts and ends with torch's default print options."""
    gt.set_printoptions(profile="default")
    yield
    gt.set_printoptions(profile="default")


@pytest.mark.parametrize("expression, expected", SCALAR_AND_VECTOR_EXAMPLES + MULTILINE_EXAMPLES)
def test_repr_matches_reference(expression, expected):
    t = _evaluate(expression, gt)
    assert repr(t) == expected
    assert str(t) == expected


@pytest.mark.parametrize("options, expression, expected", PRINTOPTIONS_EXAMPLES)
def test_repr_under_printoptions(options, expression, expected):
    gt.set_printoptions(**options)
    assert repr(_evaluate(expression, gt)) == expected


@pytest.mark.torch
@pytest.mark.parametrize("options, expression, expected", [({}, e, x) for e, x in (
    SCALAR_AND_VECTOR_EXAMPLES + MULTILINE_EXAMPLES)] + PRINTOPTIONS_EXAMPLES)
def test_reference_examples_hold_in_real_torch(real_torch, options, expression, expected):
    real_torch.set_printoptions(**options)
    try:
        assert repr(_evaluate(expression, real_torch)) == expected
    finally:
        real_torch.set_printoptions(profile="default")


def test_containers_use_each_elements_repr():
    assert str([gt.tensor([1., 2.]), gt.tensor([2., 4.])]) == "[tensor([1., 2.]), tensor([2., 4.])]"
    assert str((gt.tensor([1., 2.]),)) == "(tensor([1., 2.]),)"
    assert str({"a": gt.tensor([1., 2.])}) == "{'a': tensor([1., 2.])}"
    assert str([gt.zeros(2, 2), gt.tensor(1.)]) == "[tensor([[0., 0.],\n        [0., 0.]]), tensor(1.)]"
    assert "loss: " + str(gt.tensor(6.)) == "loss: tensor(6.)"


def test_parameter_repr_has_header_line():
    p = gt.nn.Parameter(gt.tensor([1., 2.]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert str([p]) == "[Parameter containing:\ntensor([1., 2.], requires_grad=True)]"
    assert _tensor_str.parameter_repr(gt.tensor([1., 2.], requires_grad=True)) == repr(p)


def test_set_printoptions_profiles_and_sci_mode_reset():
    get = _tensor_str.get_printoptions
    assert get() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    gt.set_printoptions(profile="short", linewidth=100)
    assert get() == dict(precision=2, threshold=1000, edgeitems=2, linewidth=100, sci_mode=None)
    gt.set_printoptions(profile="full")
    assert get() == dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80, sci_mode=None)
    gt.set_printoptions(sci_mode=False)
    assert get()["sci_mode"] is False
    gt.set_printoptions(precision=3)  # torch's quirk: omitting sci_mode resets it
    assert get()["sci_mode"] is None and get()["precision"] == 3


def test_printoptions_context_manager_restores():
    with _tensor_str.printoptions(precision=2, sci_mode=False):
        assert repr(gt.tensor([1.123456789, 200.5, 0.00123])) == "tensor([  1.12, 200.50,   0.00])"
    assert repr(gt.tensor([1.12345, 2.])) == "tensor([1.1235, 2.0000])"
    assert _tensor_str.get_printoptions()["sci_mode"] is None


def test_edgeitems_zero_adds_size_even_without_summarizing():
    gt.set_printoptions(edgeitems=0)
    assert repr(gt.tensor([1., 2.])) == "tensor([1., 2.], size=(2,))"
    assert repr(gt.tensor(3)) == "tensor(3, size=())"


def test_full_profile_never_summarizes():
    gt.set_printoptions(profile="full")
    text = repr(gt.arange(1200))
    assert "..." not in text and text.endswith("1198, 1199])")


def test_hidden_elements_do_not_change_widths():
    data = np.zeros(2000, dtype=np.float32)
    data[1000] = 1e10  # hidden by summarisation: the formatter never sees it
    assert repr(gt.tensor(data)) == "tensor([0., 0., 0.,  ..., 0., 0., 0.])"


def test_default_dtype_float64_changes_the_dtype_suffix():
    gt.set_default_dtype(gt.float64)
    try:
        assert repr(gt.tensor([1., 2.])) == "tensor([1., 2.])"
        assert repr(gt.tensor([1., 2.], dtype=gt.float32)) == "tensor([1., 2.], dtype=torch.float32)"
        assert repr(gt.tensor([1j])) == "tensor([0.+1.j])"
        assert repr(gt.tensor([1j], dtype=gt.complex64)) == "tensor([0.+1.j], dtype=torch.complex64)"
        assert repr(gt.empty(0, dtype=gt.float32)) == "tensor([], dtype=torch.float32)"
    finally:
        gt.set_default_dtype(gt.float32)


def test_tensor_contents_replaces_the_body():
    t = gt.tensor([1., 2.], dtype=gt.float64, requires_grad=True)
    assert t.__repr__(tensor_contents="[...]") == "tensor([...], dtype=torch.float64, requires_grad=True)"


def test_device_suffix_comes_first_and_wraps():
    # the numpy-level entry point takes the device as text (a GPU run checks real cuda tensors below);
    # expected texts are torch's own _add_suffixes on the same body and suffixes
    def text(n):
        return _tensor_str.format_tensor(np.ones(n, dtype=np.float64), dtype_name="torch.float64", is_floating=True,
                                         is_complex=False, device="cuda:0", requires_grad=True)

    assert text(12) == ("tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.], device='cuda:0',\n"
                        "       dtype=torch.float64, requires_grad=True)")
    assert text(16) == ("tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.],\n"
                        "       device='cuda:0', dtype=torch.float64, requires_grad=True)")


@pytest.mark.gpu
def test_cuda_tensor_prints_device():
    t = gt.tensor([1., 2.], device="cuda")
    assert repr(t) == "tensor([1., 2.], device='cuda:0')"
    big = gt.arange(4000., device="cuda").reshape(40, 100)
    assert repr(big).startswith("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01")
    assert repr(big).endswith("3.9990e+03]], device='cuda:0')")


def test_small_repr_is_fast():
    t = gt.tensor([[1.5, 2., 3.], [4., 5., 6.]])
    repr(t)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(200):
            repr(t)
        runs.append((time.perf_counter() - start) / 200)
    assert min(runs) < 150e-6, f"2x3 repr took {min(runs) * 1e6:.0f} us"


def test_large_repr_formats_only_shown_elements():
    t = gt.zeros(3000, 3000)
    repr(t)
    start = time.perf_counter()
    repr(t)
    assert time.perf_counter() - start < 0.05


# ---- generated comparison with real torch ----------------------------------------------------------

_DTYPES = ["float32", "float64", "float16", "int32", "int64", "uint8", "bool"]
_SETTINGS = [
    {}, dict(precision=2), dict(precision=6), dict(sci_mode=False), dict(sci_mode=True), dict(threshold=5),
    dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0), dict(linewidth=40), dict(profile="short"),
    dict(precision=0), dict(precision=1, linewidth=120), dict(profile="full"),
]


def _values(rng, n):
    """n float64 values of one random character: integral, tiny, huge, mixed magnitudes, specials."""
    kind = rng.integers(0, 9)
    if kind == 0:
        v = rng.integers(-50, 50, n).astype(float)
    elif kind == 1:
        v = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 12)
    elif kind == 2:
        v = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 10, n)
    elif kind == 3:
        v = rng.standard_normal(n)
    elif kind == 4:
        v = rng.integers(-10**6, 10**6, n).astype(float)
    elif kind == 5:
        v = rng.uniform(0, 1000, n)
    elif kind == 6:
        v = np.round(rng.standard_normal(n) * 4) / 4
    elif kind == 7:
        v = rng.standard_normal(n) * 1e35
    else:
        v = rng.choice([0., -0., nan, inf, -inf, 1., -1.5, 1e-5, 1e5], n)
    if rng.random() < 0.3:
        special = rng.random(n) < 0.2
        v[special] = rng.choice([nan, inf, -inf, 0., -0.], special.sum())
    return v


def _shape(rng):
    ndim = int(rng.integers(0, 5))
    big = rng.random() < 0.25  # sizes that often pass 1000 elements, to summarise
    high = {1: (2500, 40), 2: (70, 12)}.get(ndim, (14, 4))[0 if big else 1]
    low = 0 if rng.random() < 0.05 else 1
    return tuple(int(s) for s in rng.integers(low, high, ndim))


def _array(rng, dtype_name):
    shape = _shape(rng)
    v = _values(rng, int(np.prod(shape)))
    with np.errstate(all="ignore"):
        if dtype_name == "bool":
            a = v > 0
        elif dtype_name.startswith(("int", "uint")):
            info = np.iinfo(dtype_name)
            a = np.clip(np.nan_to_num(v, nan=0, posinf=100, neginf=-100), info.min, info.max).astype(dtype_name)
        else:
            a = v.astype(dtype_name)
    return a.reshape(shape)


def _generated_cases(count, seed):
    rng = np.random.default_rng(seed)
    for i in range(count):
        dtype_name = _DTYPES[i % len(_DTYPES)]
        a = _array(rng, dtype_name)
        grad = dtype_name.startswith("float") and rng.random() < 0.3
        op = grad and rng.random() < 0.5
        options = _SETTINGS[rng.integers(len(_SETTINGS))] if rng.random() < 0.4 else {}
        yield a, grad, op, options


def _make(module, array, grad, op):
    t = module.tensor(array)
    if grad:
        t.requires_grad_()
        if op:
            t = t * 1  # a non-leaf: grad_fn=<MulBackward0>
    return t


@pytest.mark.torch
def test_generated_tensors_print_like_torch(real_torch):
    mismatches = []
    for a, grad, op, options in _generated_cases(400, seed=2024):
        mine, theirs = _make(gt, a, grad, op), _make(real_torch, a, grad, op)
        gt.set_printoptions(**options)
        real_torch.set_printoptions(**options)
        try:
            expected, got = repr(theirs), repr(mine)
        finally:
            real_torch.set_printoptions(profile="default")
            gt.set_printoptions(profile="default")
        if got != expected:
            mismatches.append(f"{a.dtype} {a.shape} {options}\nexpected:\n{expected}\ngot:\n{got}")
    assert not mismatches, f"{len(mismatches)} mismatches; first:\n" + mismatches[0]


@pytest.mark.torch
def test_generated_complex_tensors_print_like_torch(real_torch):
    rng = np.random.default_rng(7)
    mismatches = []
    for i in range(60):
        shape = _shape(rng)
        n = int(np.prod(shape))
        with np.errstate(all="ignore"):
            a = (_values(rng, n) + 1j * _values(rng, n)).astype("complex64" if i % 2 else "complex128")
        a = a.reshape(shape)
        expected, got = repr(real_torch.tensor(a)), repr(gt.tensor(a))
        if got != expected:
            mismatches.append(f"{a.dtype} {a.shape}\nexpected:\n{expected}\ngot:\n{got}")
    assert not mismatches, f"{len(mismatches)} mismatches; first:\n" + mismatches[0]
