"""Convolution: F.conv1d / F.conv2d (and torch.conv1d / conv2d) and nn.Conv1d / nn.Conv2d, against real
PyTorch (values, nodes and what they keep, gradients to second order, profiler rows, error texts, module
reprs and initial parameters) and against float64 finite differences (gradcheck / gradgradcheck).

Each functional case is one row: an id, a function `fn(T, *inputs)` written once against the torch API
(T is real torch or gradtrace.engine), and input specs: "f:2,3,6,6" a random normal float input that
requires grad, "c:2,3,6,6" a float constant.
"""
import re
from functools import partial

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from gradtrace.engine.ops import conv_ops
from op_harness import (GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES, assert_close, gradients, make_arrays,
                        tensors as _tensors)

# the even-kernel 'same' cases warn (once per process, as torch); test_same_padding_with_even_kernel_warns_once
# checks the warning itself
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")

CASES = [
    ("conv2d", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b), ["f:2,3,6,6", "f:4,3,3,3", "f:4"]),
    ("conv2d_stride_padding", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=2, padding=1),
     ["f:2,3,7,6", "f:4,3,3,3", "f:4"]),
    ("conv2d_per_dim_settings",
     lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
     ["f:2,2,7,5", "f:3,2,3,2", "f:3"]),
    ("conv2d_groups", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding=1, groups=2),
     ["f:2,4,5,5", "f:6,2,3,2", "f:6"]),
    ("conv2d_depthwise", lambda T, x, w: T.nn.functional.conv2d(x, w, None, 1, 0, 2, 3),
     ["f:1,3,6,6", "f:6,1,2,2"]),
    ("conv2d_no_bias", lambda T, x, w: T.nn.functional.conv2d(x, w), ["f:2,2,5,5", "f:3,2,2,3"]),
    ("conv2d_same", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding="same"),
     ["f:1,2,5,5", "f:3,2,3,3", "f:3"]),
    # an even kernel: the odd one out of the padding goes through constant_pad_nd first
    ("conv2d_same_even_kernel", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding="same", dilation=(1, 2)),
     ["f:1,2,5,6", "f:3,2,4,3", "f:3"]),
    ("conv2d_valid_strided", lambda T, x, w: T.nn.functional.conv2d(x, w, padding="valid", stride=2),
     ["f:2,2,7,7", "f:3,2,3,3"]),
    ("conv2d_unbatched", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding=1),
     ["f:3,5,4", "f:2,3,3,3", "f:2"]),
    ("conv2d_constant_input", lambda T, x, w, b: T.nn.functional.conv2d(x, w, b), ["c:2,3,5,5", "f:4,3,3,3", "f:4"]),
    ("conv2d_constant_weight", lambda T, x, w: T.nn.functional.conv2d(x, w, stride=2), ["f:2,3,5,5", "c:4,3,3,3"]),
    ("conv2d_top_level", lambda T, x, w, b: T.conv2d(x, w, b, 1, 1, 1, 1), ["f:1,2,4,4", "f:2,2,3,3", "f:2"]),
    ("conv1d", lambda T, x, w, b: T.nn.functional.conv1d(x, w, b), ["f:2,3,8", "f:4,3,3", "f:4"]),
    ("conv1d_settings_and_groups", lambda T, x, w, b: T.nn.functional.conv1d(x, w, b, 3, 2, 2, 2),
     ["f:2,4,11", "f:6,2,3", "f:6"]),
    ("conv1d_unbatched_same", lambda T, x, w: T.nn.functional.conv1d(x, w, padding="same"), ["f:3,7", "f:2,3,4"]),
    ("conv1d_top_level", lambda T, x, w: T.conv1d(x, w, stride=[2]), ["f:1,2,9", "f:3,2,3"]),
]
IDS = [c[0] for c in CASES]

TOLERANCES = {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)}
_arrays = partial(make_arrays, kinds={})
_close = partial(assert_close, tolerances=TOLERANCES)
_gradients = partial(gradients, allow_unused=False, second_seed=None, every_gradient_draws=True,
                     missing_in_input_dtype=False)


def _expected_node(case_id):
    return "SqueezeBackward1" if "unbatched" in case_id else "ConvolutionBackward0"


# ---- functionals against torch ---------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_node_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = case[1](gt, *_tensors(gt, arrays, flags))
    theirs = case[1](real_torch, *_tensors(real_torch, arrays, flags))
    assert str(ours.dtype) == str(theirs.dtype) == f"torch.{dtype_name}"
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.grad_fn.name() == theirs.grad_fn.name() == _expected_node(case[0])
    assert _edges(ours.grad_fn) == _edges(theirs.grad_fn)
    _close(ours.detach().numpy(), theirs.detach().numpy(), dtype_name, case[0])


def _names(node):
    """The names of a node's next_functions (None for an input that needs no gradient)."""
    return [None if n is None else n.name() for n, _ in node.next_functions]


def _edges(node):
    """A node's next_functions by name, and the names of theirs (the graph two levels down)."""
    return [(None if n is None else n.name(), _names(n) if n is not None else []) for n, _ in node.next_functions]


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_first_order_gradients_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = _gradients(gt, case, arrays, flags, 1)
    theirs = _gradients(real_torch, case, arrays, flags, 1)
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype
        _close(o, t, dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_order_gradients_match_torch(real_torch, case):
    arrays, flags = _arrays(case, np.float64)
    ours = _gradients(gt, case, arrays, flags, 2)
    theirs = _gradients(real_torch, case, arrays, flags, 2)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12, err_msg=case[0])


# a few cases small enough for finite differences of second order to stay quick
FINITE_DIFFERENCE_CASES = [c for c in CASES if c[0] in ("conv2d_stride_padding", "conv2d_per_dim_settings",
                                                        "conv2d_groups", "conv2d_same_even_kernel",
                                                        "conv2d_unbatched", "conv1d_settings_and_groups",
                                                        "conv1d_unbatched_same")]


def _op(case):
    return lambda *inputs: case[1](gt, *inputs)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradcheck(_op(case), tuple(_tensors(gt, arrays, flags)), **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", FINITE_DIFFERENCE_CASES, ids=[c[0] for c in FINITE_DIFFERENCE_CASES])
def test_second_derivatives_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradgradcheck(_op(case), tuple(_tensors(gt, arrays, flags)), **GRADGRADCHECK_TOLERANCES)


def test_a_wrong_gradient_fails_gradcheck(monkeypatch):
    # the finite-difference check can fail: a weight gradient off by a factor is caught
    original = conv_ops._weight_grad
    monkeypatch.setattr(conv_ops, "_weight_grad", lambda *args: original(*args) * 1.01)
    x, w = gt.randn(1, 2, 4, 4, dtype=gt.float64), gt.randn(3, 2, 2, 2, dtype=gt.float64, requires_grad=True)
    assert not gradcheck(lambda w: gt.nn.functional.conv2d(x, w), (w,), raise_exception=False)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_third_order_gradients_match_torch(real_torch):
    # the double-backward node is made of convolution ops too, so it differentiates once more
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    results = []
    for T in (gt, real_torch):
        X, W = T.tensor(x, requires_grad=True), T.tensor(w, requires_grad=True)
        y = T.nn.functional.conv2d(X, W, padding=1, stride=2)
        gx, gw = T.autograd.grad((y ** 3).sum(), [X, W], create_graph=True)
        hx, hw = T.autograd.grad((gx ** 2).sum() + (gw ** 2).sum(), [X, W], create_graph=True)
        ((hx * hx).sum() + (hw * hw).sum()).backward()
        results.append([t.detach().numpy() for t in (gx, gw, hx, hw, X.grad, W.grad)])
    for o, t in zip(*results):
        np.testing.assert_allclose(o, t, rtol=1e-11, atol=1e-11)


@pytest.mark.torch
def test_integer_and_half_convolutions_match_torch(real_torch):
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7 - 3
    w = np.arange(4 * 3 * 2 * 2).reshape(4, 3, 2, 2) % 5 - 2
    for dtype in ("int64", "int32", "float16"):
        ours, theirs = (T.nn.functional.conv2d(T.tensor(x.astype(dtype)), T.tensor(w.astype(dtype)), stride=2)
                        for T in (gt, real_torch))
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.torch
def test_an_empty_batch_matches_torch(real_torch):
    results = []
    for T in (gt, real_torch):
        x, w, b = (T.ones(*shape, requires_grad=True) for shape in ((0, 3, 6, 6), (4, 3, 3, 3), (4,)))
        y = T.nn.functional.conv2d(x, w, b, padding=2)
        y.sum().backward()
        results.append([tuple(y.shape)] + [t.grad.numpy().tolist() for t in (x, w, b)])
    assert results[0] == results[1]


# ---- what the nodes keep ---------------------------------------------------------------------------
SAVED_EXPRESSIONS = [
    "F.conv2d(x, w, b, stride=2, padding=1)",
    "F.conv2d(x, w, None, 1, (2, 1), (1, 2), 1)",
    "F.conv2d(x[0], w)",
    "F.conv2d(x, w, padding='same')",
    "F.conv2d(x.detach(), w.detach(), b)",
    "F.conv1d(x[:, :, 0], w[:, :, 0], b, padding='same', dilation=2)",
    "F.conv1d(x[:, :, 0], w[:, :, 0, :2], b, padding='valid', stride=2)",
]


def _saved(node, T):
    """dir(node)'s saved names, and the `_saved_` values: numbers and tuples as they are, tensors as lists
    (torch's `_raw_saved_` values are its SavedTensor objects, compared by name only)."""
    names = [name for name in dir(node) if name.startswith(("_saved", "_raw_saved"))]
    return {name: (lambda v: v.tolist() if isinstance(v, T.Tensor) else v)(getattr(node, name))
            if name.startswith("_saved_") else None for name in names}


@pytest.mark.torch
@pytest.mark.parametrize("expr", SAVED_EXPRESSIONS)
def test_saved_values_match_torch(real_torch, expr):
    rng = np.random.default_rng(2)
    x, w, b = (rng.standard_normal(shape) for shape in ((2, 3, 6, 6), (4, 3, 3, 3), (4,)))
    nodes = []
    for T in (gt, real_torch):
        names = {"F": T.nn.functional, "x": T.tensor(x, requires_grad=True), "w": T.tensor(w, requires_grad=True),
                 "b": T.tensor(b, requires_grad=True)}
        node = eval(expr, names).grad_fn
        if node.name() == "SqueezeBackward1":  # unbatched: the convolution is beneath the squeeze
            node = node.next_functions[0][0]
        nodes.append(_saved(node, T))
    ours, theirs = nodes
    assert ours.keys() == theirs.keys() and "_saved_bias_sym_sizes_opt" in theirs
    for name, value in theirs.items():
        if isinstance(value, list):
            np.testing.assert_allclose(ours[name], value, rtol=1e-13, err_msg=name)
        else:
            assert ours[name] == value and type(ours[name]) is type(value), name


@pytest.mark.torch
def test_saved_values_of_the_double_backward_node_match_torch(real_torch):
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    nodes = []
    for T in (gt, real_torch):
        X, W = T.tensor(x, requires_grad=True), T.tensor(w)
        y = T.nn.functional.conv2d(X, W, stride=(1, 2), dilation=2)
        gx, = T.autograd.grad((y ** 2).sum(), [X], create_graph=True)
        assert gx.grad_fn.name() == "ConvolutionBackwardBackward0"
        nodes.append((_saved(gx.grad_fn, T), _names(gx.grad_fn)))
    (ours, our_edges), (theirs, their_edges) = nodes
    assert our_edges == their_edges  # (grad_output's MulBackward0, input's AccumulateGrad, no weight edge)
    assert ours.keys() == theirs.keys()
    for name, value in theirs.items():
        if isinstance(value, list):
            np.testing.assert_allclose(ours[name], value, rtol=1e-13, err_msg=name)
        else:
            assert ours[name] == value, name


def test_saved_values_read_like_torch():
    x, w = gt.randn(1, 3, 8, 8, requires_grad=True), gt.randn(4, 3, 3, 3, requires_grad=True)
    node = gt.nn.functional.conv2d(x, w, gt.randn(4), stride=2, padding=1).grad_fn
    assert node.name() == "ConvolutionBackward0"
    assert (node._saved_stride, node._saved_padding, node._saved_dilation) == ((2, 2), (1, 1), (1, 1))
    assert node._saved_groups == 1 and node._saved_transposed is False and node._saved_output_padding == (0, 0)
    assert node._saved_bias_sym_sizes_opt == (4,)
    assert node._saved_input is x and node._raw_saved_weight is w
    assert gt.nn.functional.conv2d(x, w).grad_fn._saved_bias_sym_sizes_opt == (0,)  # torch's value without bias


def test_all_three_gradients_share_one_double_backward_node():
    x, w, b = (gt.randn(*s, dtype=gt.float64, requires_grad=True) for s in ((1, 2, 4, 4), (3, 2, 2, 2), (3,)))
    grads = gt.autograd.grad(gt.nn.functional.conv2d(x, w, b).sum(), [x, w, b], create_graph=True)
    assert len({id(g.grad_fn) for g in grads}) == 1
    assert [g.output_nr for g in grads] == [0, 1, 2]
    weight_only = gt.autograd.grad(gt.nn.functional.conv2d(x, w, b).sum(), [w], create_graph=True)[0]
    assert weight_only.output_nr == 1


def test_modifying_a_saved_weight_in_place_is_caught():
    x, w = gt.randn(1, 1, 4, 4, requires_grad=True), gt.randn(1, 1, 3, 3, requires_grad=True)
    y = gt.nn.functional.conv2d(x, w)
    with gt.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[1, 1, 3, 3\]\] is at version 1; expected version 0"):
        y.sum().backward()


# ---- profiler ----------------------------------------------------------------------------------------
# the rows this engine runs; torch's trees, cut down to them, must be ours (torch runs more inside
# aten::_convolution: its backend kernels, as_strided views)
OUR_ROWS = {"aten::conv1d", "aten::conv2d", "aten::unsqueeze", "aten::squeeze", "aten::_convolution_mode",
            "aten::constant_pad_nd", "aten::convolution", "aten::_convolution", "ConvolutionBackward0",
            "aten::convolution_backward", "autograd::engine::evaluate_function: ConvolutionBackward0"}


# the rows inside which torch runs its kernels (and, for conv1d, views it as 2-d); this engine computes there
TORCH_INTERNALS_BENEATH = {"aten::_convolution", "aten::convolution_backward"}


def _tree(T, fn, keep):
    """The profiled call tree as indented names, keeping the rows in `keep` (and no row beneath a dropped one,
    nor beneath the rows where torch's kernels run)."""
    with T.autograd.profiler.profile() as prof:
        fn()
    lines = []

    def walk(event, depth):
        if event.name not in keep:
            return
        lines.append("  " * depth + event.name)
        for child in () if event.name in TORCH_INTERNALS_BENEATH else event.cpu_children:
            walk(child, depth + 1)

    for event in prof.function_events:
        if event.cpu_parent is None:
            walk(event, 0)
    return lines


class _Everything:
    """Every row this engine records, but for those of indexing the test's inputs (x[0], w[:, :, 0])."""

    def __contains__(self, name):
        return not name.startswith(("aten::select", "aten::slice", "aten::index", "aten::detach"))


@pytest.mark.torch
@pytest.mark.parametrize("expr", ["F.conv2d(x, w, b, padding=1)", "F.conv2d(x[0], w, b)",
                                  "F.conv2d(x, w, padding='same')", "F.conv2d(x, w[:, :, :2], padding='same')",
                                  "F.conv1d(x[:, :, 0], w[:, :, 0], b, 2)", "T.conv2d(x, w, None, 1, 'valid')"])
def test_forward_rows_match_torch(real_torch, expr):
    def rows(T, keep):
        x, w, b = T.randn(2, 3, 6, 6), T.randn(4, 3, 3, 3), T.randn(4)
        return _tree(T, lambda: eval(expr, {"F": T.nn.functional, "T": T, "x": x, "w": w, "b": b}), keep)

    everything = rows(gt, _Everything())
    assert everything == rows(real_torch, OUR_ROWS)
    assert everything[0] in ("aten::conv1d", "aten::conv2d")


@pytest.mark.torch
def test_backward_rows_match_torch(real_torch):
    def rows(T, keep):
        x, w = T.randn(1, 2, 5, 5, requires_grad=True), T.randn(3, 2, 3, 3, requires_grad=True)
        y = T.nn.functional.conv2d(x, w).sum()
        return [r for r in _tree(T, y.backward, keep) if "Convolution" in r or "convolution" in r]

    assert rows(gt, _Everything()) == rows(real_torch, OUR_ROWS) == [
        "autograd::engine::evaluate_function: ConvolutionBackward0",
        "  ConvolutionBackward0",
        "    aten::convolution_backward"]


def test_double_backward_rows():
    # torch computes the input and weight terms with (transposed) convolutions; here they are the
    # convolution_backward op, so its rows show instead of two of torch's four aten::convolution
    x, w = gt.randn(1, 2, 5, 5, requires_grad=True), gt.randn(3, 2, 3, 3, requires_grad=True)
    gx, gw = gt.autograd.grad((gt.nn.functional.conv2d(x, w) ** 2).sum(), [x, w], create_graph=True)
    rows = _tree(gt, lambda: (gx.sum() + gw.sum()).backward(), _Everything())
    start = rows.index("  ConvolutionBackwardBackward0")
    assert rows[start + 1:start + 9] == ["    aten::_convolution_double_backward",
                                         "      aten::convolution", "        aten::_convolution",
                                         "      aten::convolution", "        aten::_convolution", "      aten::add",
                                         "      aten::convolution_backward", "      aten::convolution_backward"]


# ---- errors ------------------------------------------------------------------------------------------
ERRORS = [
    "F.conv2d(T.zeros(2, 3), w)",
    "F.conv2d(T.zeros(1, 1, 2, 3, 4), w)",
    "F.conv1d(T.zeros(2, 3, 4, 5), T.zeros(2, 3, 3))",
    "F.conv1d(T.zeros(3), T.zeros(2, 3, 3))",
    "F.conv2d(x, w)",
    "F.conv2d(x[0], w)",
    "F.conv2d(x, T.zeros(6, 3, 40, 5))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), dilation=8)",
    "F.conv1d(T.zeros(1, 3, 4), T.zeros(6, 3, 5), stride=(2,))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding=-1)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), stride=0)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), dilation=-1)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), groups=0)",
    "F.conv2d(x, T.zeros(5, 1, 5, 5), groups=3)",
    "F.conv2d(x, T.zeros(2, 1, 5, 5), groups=3)",
    "F.conv2d(x, T.zeros(6, 2, 5, 5), groups=2)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), T.zeros(5))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), T.tensor(1.0))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), T.zeros(6, dtype=T.float64))",
    "F.conv2d(T.zeros(2, 3), T.zeros(6, 3, 5, 5), T.zeros(6, dtype=T.float64))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5, dtype=T.float64))",
    "F.conv2d(x.long(), T.zeros(6, 3, 5, 5))",
    "F.conv2d(x.bool(), T.zeros(6, 3, 5, 5, dtype=T.bool))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), T.zeros(6, dtype=T.int64))",
    "F.conv2d(x[:, :, :8, :8], T.zeros(6, 3, 3, 3, dtype=T.float64))",
    "F.conv2d(x[:, :, :8, :8].double(), T.zeros(6, 3, 3, 3))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), dilation=0)",
    "F.conv2d(x[:, :, :8, :8], T.zeros(6, 3, 3, 3), dilation=(1, 0))",
    "F.conv1d(x[0], T.zeros(6, 32, 3), dilation=0)",
    "F.conv1d(x[0, :1], T.zeros(6, 32, 3), dilation=0)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), stride=(1, 2, 3))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding=[])",
    "F.conv2d(x, T.zeros(6, 3, 5))",
    "F.conv2d(x, T.zeros(6, 3, 3, 3, 3), stride=(1,), padding=(0,), dilation=(1,))",
    "F.conv1d(T.zeros(1, 3, 8), T.zeros(6, 3, 3, 3))",
    "F.conv1d(T.zeros(1, 3, 8), T.zeros(6, 3))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding='same', stride=2)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding='same', stride=(1, 1, 1))",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding='same', dilation=(1, 1, 1))",
    "F.conv2d(x, T.zeros(6, 3, 3, 3, 3), padding='same')",
    "F.conv2d(x, T.zeros(6, 3, 3, 3), padding='same', dilation=-1)",
    "F.conv2d(x, T.zeros(6, 3, 5, 5), padding='Same')",
    "F.conv2d(x, T.zeros(6, 3, 40, 5), padding='valid')",
    "nn.Conv2d(3, 6, 5, groups=2)",
    "nn.Conv2d(4, 6, 5, groups=4)",
    "nn.Conv2d(4, 8, 5, groups=0)",
    "nn.Conv2d(4, 8, 5, padding='full')",
    "nn.Conv1d(4, 8, 5, padding='same', stride=2)",
    "nn.Conv2d(4, 8, 5, padding_mode='mirror')",
    "nn.Conv2d(3, 6, 5)(T.zeros(1, 32, 32))",
]


@pytest.mark.torch
@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(real_torch, expr):
    def error(T):
        names = {"F": T.nn.functional, "nn": T.nn, "T": T, "x": T.zeros(1, 3, 32, 32), "w": T.zeros(6, 1, 5, 5)}
        with pytest.raises(Exception) as info:
            eval(expr, names)
        return type(info.value), _sorted_sets(str(info.value))

    assert error(gt) == error(real_torch)


def _sorted_sets(text):
    """A message with the items of each printed set sorted: torch's module checks print sets of strings,
    whose order depends on the hash seed and on how the set literal was compiled, so differs from run to run."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", text)


def test_error_texts_read_like_torchs():
    with pytest.raises(RuntimeError, match=r"^Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got "
                                           r"input of size: \[2, 3\]$"):
        gt.nn.functional.conv2d(gt.zeros(2, 3), gt.zeros(6, 1, 5, 5))
    with pytest.raises(RuntimeError, match=r"^Given groups=1, weight of size \[6, 1, 5, 5\], expected input\[1, 3, 32, "
                                           r"32\] to have 1 channels, but got 3 channels instead$"):
        gt.nn.Conv2d(1, 6, 5)(gt.zeros(1, 3, 32, 32))
    with pytest.raises(ValueError, match="^in_channels must be divisible by groups$"):
        gt.nn.Conv2d(3, 6, 5, groups=2)


def test_same_padding_with_even_kernel_warns_once(monkeypatch):
    monkeypatch.setattr(conv_ops, "_warned_same_padding_copy", False)
    x, w = gt.zeros(1, 1, 5, 5), gt.zeros(1, 1, 2, 2)
    with pytest.warns(UserWarning) as caught:
        gt.nn.functional.conv2d(x, w, padding="same")
        gt.nn.functional.conv2d(x, w, padding="same")
    assert [str(w.message) for w in caught] == [
        "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the input be "
        "created (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)"]
    assert caught[0].filename == __file__  # it points at the caller's line, as torch's does


# ---- modules -----------------------------------------------------------------------------------------
MODULES = [
    "nn.Conv2d(1, 6, 5)",
    "nn.Conv2d(6, 16, 5, stride=2, padding=1)",
    "nn.Conv2d(4, 8, (3, 5), padding=(1, 2), dilation=2, groups=2, bias=False)",
    "nn.Conv2d(3, 3, 3, padding='same', padding_mode='reflect')",
    "nn.Conv2d(2, 4, (2, 3), padding='same', padding_mode='zeros', dilation=(1, 2))",
    "nn.Conv2d(2, 2, 3, padding=(0, 1), padding_mode='replicate')",
    "nn.Conv2d(2, 2, 3, padding=1, padding_mode='circular', stride=(2, 1))",
    "nn.Conv2d(2, 2, [3, 1], padding=[0, 0], dilation=[1, 1])",
    "nn.Conv1d(3, 5, 3)",
    "nn.Conv1d(2, 4, 3, stride=2, padding='valid', padding_mode='circular')",
    "nn.Conv1d(4, 4, 3, padding=2, groups=4, bias=False, padding_mode='reflect')",
    "nn.Conv1d(2, 6, 4, padding='same', dtype=T.float64)",
]
ATTRIBUTES = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
              "output_padding", "groups", "padding_mode", "_reversed_padding_repeated_twice")


@pytest.mark.torch
@pytest.mark.parametrize("expr", MODULES)
def test_modules_match_torch(real_torch, expr):
    """repr, attributes, parameters after manual_seed (bitwise), and forward and gradients on an input."""
    results = []
    for T in (gt, real_torch):
        T.manual_seed(0)
        m = eval(expr, {"nn": T.nn, "T": T})
        x = T.tensor(np.random.default_rng(1).standard_normal((2, m.in_channels) + (7,) * len(m.kernel_size)),
                     dtype=m.weight.dtype, requires_grad=True)
        y = m(x)
        (y * y).sum().backward()
        results.append((m, repr(m), {k: getattr(m, k) for k in ATTRIBUTES},
                        {k: v.numpy() for k, v in m.state_dict().items()},
                        [t.detach().numpy() for t in (y, x.grad, m.weight.grad)], T.randn(3).tolist()))
    (m, text, attrs, state, values, draws), (tm, their_text, their_attrs, their_state, their_values,
                                             their_draws) = results
    assert text == their_text
    assert attrs == their_attrs and [type(v) for v in attrs.values()] == [type(v) for v in their_attrs.values()]
    assert list(state) == list(their_state) and tuple(m.weight.shape) == tuple(tm.weight.shape)
    for k in their_state:
        assert state[k].dtype == their_state[k].dtype
        np.testing.assert_array_equal(state[k], their_state[k], err_msg=k)
    assert draws == their_draws  # the generator moved on identically
    tolerance = 1e-12 if "float64" in expr else 1e-5
    for o, t in zip(values, their_values):
        np.testing.assert_allclose(o, t, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("make, text", [
    (lambda nn: nn.Conv2d(1, 6, 5), "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"),
    (lambda nn: nn.Conv2d(6, 16, 3, 2, 1, 2, 2, False, "reflect"),
     "Conv2d(6, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=False, "
     "padding_mode=reflect)"),
    (lambda nn: nn.Conv1d(3, 5, 3, padding="same"), "Conv1d(3, 5, kernel_size=(3,), stride=(1,), padding=same)"),
])
def test_module_reprs(make, text):
    assert repr(make(gt.nn)) == text


def test_module_parameters_and_unbatched_input():
    conv = gt.nn.Conv2d(3, 6, 5, bias=False)
    assert [n for n, _ in conv.named_parameters()] == ["weight"] and conv.bias is None
    assert list(conv.state_dict()) == ["weight"] and tuple(conv.weight.shape) == (6, 3, 5, 5)
    conv = gt.nn.Conv1d(4, 2, 3, groups=2)
    assert tuple(conv.weight.shape) == (2, 2, 3) and tuple(conv.bias.shape) == (2,)
    bound = 1 / np.sqrt(2 * 3)  # fan_in: in_channels / groups * kernel
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    out = conv(gt.randn(4, 10))
    assert tuple(out.shape) == (2, 8) and out.grad_fn.name() == "SqueezeBackward1"


# the blitz tutorial's network with a strided convolution in place of its max_pool2d
NET = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5, stride=4)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
"""


@pytest.mark.torch
def test_training_a_small_convolutional_net_matches_torch(real_torch):
    results = []
    for T in (gt, real_torch):
        names = {"nn": T.nn, "F": T.nn.functional, "torch": T}
        exec(NET, names)
        T.manual_seed(0)
        net = names["Net"]()
        x, target = T.randn(4, 1, 32, 32), T.randn(4, 10)
        optimizer = T.optim.SGD(net.parameters(), lr=0.01)
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = T.nn.MSELoss()(net(x), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((losses, net.conv1.bias.grad.numpy(), {k: v.numpy() for k, v in net.state_dict().items()}))
    (losses, grad, state), (their_losses, their_grad, their_state) = results
    np.testing.assert_allclose(losses, their_losses, rtol=1e-6)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(grad, their_grad, rtol=1e-5, atol=1e-7)
    for k in their_state:
        np.testing.assert_allclose(state[k], their_state[k], rtol=1e-6, atol=1e-7, err_msg=k)
