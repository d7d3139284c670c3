"""Pooling: F.max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d, the top-level torch
functions and the nn modules built on them, against real PyTorch (values and gradients bit for bit, indices, node
names and saved values, second-order gradients, profiler rows, error texts, reprs) and against float64 finite
differences (gradcheck / gradgradcheck).

Each functional case is one row: an id, a function `fn(T, *inputs)` written once against the torch API, where T
is a namespace holding `tensor` and `autograd`, the functional module as `F`, the modules as `nn` and the
top-level functions as `top` (real torch's or ours), and input specs: "f:2,3,5" a random normal float input that
requires grad, or a numpy array used as is.
"""
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import (GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES, float_op, gradients, make_arrays, outputs,
                        tensors as _tensors)

# Our side of every comparison, through the public names a user reaches.
OURS = SimpleNamespace(tensor=gt.tensor, autograd=gt.autograd, F=gt.nn.functional, nn=gt.nn, top=gt)


def _theirs(torch):
    return SimpleNamespace(tensor=torch.tensor, autograd=torch.autograd, F=torch.nn.functional, nn=torch.nn, top=torch)


CASES = [
    # max pooling
    ("max_pool2d", lambda T, x: T.F.max_pool2d(x, 2), ["f:2,3,6,7"]),
    ("max_pool2d_rect_kernel", lambda T, x: T.F.max_pool2d(x, (2, 3)), ["f:1,2,6,7"]),
    ("max_pool2d_overlapping", lambda T, x: T.F.max_pool2d(x, 3, 1), ["f:1,2,5,6"]),
    ("max_pool2d_padding", lambda T, x: T.F.max_pool2d(x, 3, 2, 1), ["f:1,2,6,5"]),
    ("max_pool2d_dilation", lambda T, x: T.F.max_pool2d(x, (2, 3), 1, (1, 0), (2, 1)), ["f:1,2,6,7"]),
    ("max_pool2d_ceil", lambda T, x: T.F.max_pool2d(x, 2, 2, 0, 1, True), ["f:1,2,5,5"]),
    # ceil_mode would add a window starting in the right padding; torch drops it
    ("max_pool2d_ceil_last_window_dropped", lambda T, x: T.F.max_pool2d(x, 2, 2, 1, ceil_mode=True), ["f:1,2,5,5"]),
    ("max_pool2d_ceil_dilation", lambda T, x: T.F.max_pool2d(x, 3, 2, 1, 2, True, True), ["f:1,2,8,7"]),
    ("max_pool2d_of_a_transpose", lambda T, x: T.F.max_pool2d(x.transpose(-1, -2), 3, 2, 1), ["f:1,2,5,7"]),
    ("max_pool2d_return_indices", lambda T, x: T.F.max_pool2d(x, 3, 2, 1, return_indices=True), ["f:2,2,6,6"]),
    ("max_pool2d_unbatched", lambda T, x: T.F.max_pool2d(x, 2, 1), ["f:3,4,5"]),
    ("max_pool2d_list_settings", lambda T, x: T.F.max_pool2d(x, [3, 2], [1], 1), ["f:1,2,5,6"]),
    ("max_pool2d_with_indices", lambda T, x: T.F.max_pool2d_with_indices(x, 2, 1), ["f:1,2,4,5"]),
    ("max_pool2d_squared", lambda T, x: T.F.max_pool2d(x, 3, 1, 1) ** 2, ["f:1,2,5,5"]),
    ("max_pool1d", lambda T, x: T.F.max_pool1d(x, 2), ["f:2,3,7"]),
    ("max_pool1d_all_settings", lambda T, x: T.F.max_pool1d(x, 3, 2, 1, 2, True), ["f:2,3,9"]),
    ("max_pool1d_return_indices", lambda T, x: T.F.max_pool1d(x, 3, 1, 1, return_indices=True), ["f:2,3,7"]),
    ("max_pool1d_unbatched", lambda T, x: T.F.max_pool1d(x, 2, 1), ["f:3,6"]),
    ("max_pool1d_squared", lambda T, x: T.F.max_pool1d(x, 3, 1) ** 2, ["f:2,2,6"]),
    # the blitz tutorial's calls (relu's zeros tie; torch and we both pick the first of a window)
    ("tutorial_net_pools", lambda T, x: T.F.max_pool2d(T.F.max_pool2d(x.relu(), (2, 2)), 2), ["f:1,2,8,8"]),
    # average pooling
    ("avg_pool2d", lambda T, x: T.F.avg_pool2d(x, 2), ["f:2,3,6,7"]),
    ("avg_pool2d_overlapping_padding", lambda T, x: T.F.avg_pool2d(x, 3, 1, 1), ["f:1,2,5,6"]),
    ("avg_pool2d_exclude_pad", lambda T, x: T.F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), ["f:1,2,6,7"]),
    ("avg_pool2d_ceil", lambda T, x: T.F.avg_pool2d(x, 2, 2, 1, ceil_mode=True), ["f:1,2,5,5"]),
    # windows running past the input: the divisor counts the padding but not what lies beyond it
    ("avg_pool2d_ceil_past_the_end", lambda T, x: T.F.avg_pool2d(x, 3, 2, 1, True), ["f:1,2,6,6"]),
    ("avg_pool2d_ceil_exclude_pad", lambda T, x: T.F.avg_pool2d(x, 3, 2, 1, True, False), ["f:1,2,6,6"]),
    ("avg_pool2d_divisor_override", lambda T, x: T.F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), divisor_override=5),
     ["f:1,2,6,5"]),
    ("avg_pool2d_unbatched", lambda T, x: T.F.avg_pool2d(x, 2, 1), ["f:3,4,5"]),
    ("avg_pool2d_of_a_flip", lambda T, x: T.F.avg_pool2d(x.flip(-1), 3, 2, 1), ["f:1,2,5,7"]),
    ("avg_pool2d_squared", lambda T, x: T.F.avg_pool2d(x, 3, 2, 1, count_include_pad=False) ** 2, ["f:1,2,5,5"]),
    ("avg_pool1d", lambda T, x: T.F.avg_pool1d(x, 3), ["f:2,3,7"]),
    ("avg_pool1d_all_settings", lambda T, x: T.F.avg_pool1d(x, 3, 2, 1, True, False), ["f:2,3,8"]),
    ("avg_pool1d_unbatched", lambda T, x: T.F.avg_pool1d(x, 2, 1, 1), ["f:3,5"]),
    # adaptive pooling: 7 -> 3 gives overlapping windows, 3 -> 5 repeats input positions
    ("adaptive_avg_pool2d", lambda T, x: T.F.adaptive_avg_pool2d(x, (3, 5)), ["f:2,3,7,8"]),
    ("adaptive_avg_pool2d_larger", lambda T, x: T.F.adaptive_avg_pool2d(x, (5, 4)), ["f:1,2,3,3"]),
    ("adaptive_avg_pool2d_none", lambda T, x: T.F.adaptive_avg_pool2d(x, (None, 2)), ["f:1,2,3,5"]),
    ("adaptive_avg_pool2d_unbatched", lambda T, x: T.F.adaptive_avg_pool2d(x, 4), ["f:3,9,9"]),
    ("adaptive_avg_pool2d_of_a_transpose", lambda T, x: T.F.adaptive_avg_pool2d(x.transpose(-1, -2), (2, 3)),
     ["f:1,2,5,7"]),
    ("adaptive_avg_pool2d_squared", lambda T, x: T.F.adaptive_avg_pool2d(x, (2, 3)) ** 2, ["f:1,2,5,5"]),
    # an output of one is torch's mean over the plane: the engine's mean, whose summation order differs from torch's
    ("adaptive_avg_pool2d_to_one", lambda T, x: T.F.adaptive_avg_pool2d(x, 1), ["f:2,3,5,6"], {"exact": False}),
    ("adaptive_avg_pool1d", lambda T, x: T.F.adaptive_avg_pool1d(x, 3), ["f:2,3,7"]),
    ("adaptive_avg_pool1d_to_one", lambda T, x: T.F.adaptive_avg_pool1d(x, 1), ["f:2,3,7"], {"exact": False}),
    ("adaptive_max_pool2d", lambda T, x: T.F.adaptive_max_pool2d(x, (3, 5), return_indices=True), ["f:2,3,7,8"]),
    ("adaptive_max_pool2d_larger", lambda T, x: T.F.adaptive_max_pool2d(x, (4, 5)), ["f:1,2,3,3"]),
    ("adaptive_max_pool2d_none_unbatched", lambda T, x: T.F.adaptive_max_pool2d(x, (2, None)), ["f:3,5,4"]),
    ("adaptive_max_pool2d_squared", lambda T, x: T.F.adaptive_max_pool2d(x, 3) ** 2, ["f:1,2,5,5"]),
    ("adaptive_max_pool1d", lambda T, x: T.F.adaptive_max_pool1d(x, 3, True), ["f:2,3,7"]),
    # the top-level torch functions
    ("torch_max_pool2d", lambda T, x: T.top.max_pool2d(x, 3, (), 1), ["f:1,2,5,5"]),
    ("torch_max_pool1d", lambda T, x: T.top.max_pool1d(x, 2, 1), ["f:2,2,5"]),
    ("torch_max_pool1d_with_indices", lambda T, x: T.top.max_pool1d_with_indices(x, 3), ["f:2,2,7"]),
    ("torch_avg_pool1d", lambda T, x: T.top.avg_pool1d(x, 2), ["f:2,2,5"]),
    ("torch_adaptive_avg_pool1d", lambda T, x: T.top.adaptive_avg_pool1d(x, 3), ["f:2,2,5"]),
    ("torch_adaptive_max_pool1d", lambda T, x: T.top.adaptive_max_pool1d(x, 4), ["f:2,2,6"]),
    # the modules
    ("MaxPool2d", lambda T, x: T.nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x), ["f:1,2,6,6"]),
    ("MaxPool2d_return_indices", lambda T, x: T.nn.MaxPool2d(2, return_indices=True)(x), ["f:1,2,4,6"]),
    ("MaxPool1d", lambda T, x: T.nn.MaxPool1d(3, 1, 1, 2)(x), ["f:2,2,7"]),
    ("AvgPool2d", lambda T, x: T.nn.AvgPool2d(3, 2, 1, False, False)(x), ["f:1,2,6,6"]),
    ("AvgPool2d_divisor_override", lambda T, x: T.nn.AvgPool2d((2, 3), divisor_override=4)(x), ["f:1,2,6,6"]),
    ("AvgPool1d", lambda T, x: T.nn.AvgPool1d(2)(x), ["f:2,2,7"]),
    ("AdaptiveAvgPool2d", lambda T, x: T.nn.AdaptiveAvgPool2d((None, 3))(x), ["f:1,2,4,7"]),
    ("AdaptiveAvgPool1d", lambda T, x: T.nn.AdaptiveAvgPool1d(4)(x), ["f:2,2,9"]),
    ("AdaptiveMaxPool2d", lambda T, x: T.nn.AdaptiveMaxPool2d(3, return_indices=True)(x), ["f:1,2,7,7"]),
    ("AdaptiveMaxPool1d", lambda T, x: T.nn.AdaptiveMaxPool1d(2)(x), ["f:2,2,5"]),
]
IDS = [c[0] for c in CASES]

_arrays = partial(make_arrays, kinds={})


def _exact(case):
    return len(case) < 4 or case[3].get("exact", True)


# where the engine's mean stands in for torch's (which sums in another order): rounding of a sum of O(1) values
MEAN_TOLERANCES = {"float32": {"rtol": 1e-6, "atol": 1e-7}, "float64": {"rtol": 1e-14, "atol": 1e-15}}


def _assert_same(ours, theirs, exact, what):
    """Equal bit for bit, or for a mean within MEAN_TOLERANCES."""
    assert ours.dtype == theirs.dtype, what
    assert ours.shape == theirs.shape, what
    if exact or ours.dtype.kind != "f":
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
    else:
        np.testing.assert_allclose(ours, theirs, err_msg=what, **MEAN_TOLERANCES[ours.dtype.name])


def _chain(t):
    """The grad_fn names from t's node down its first edges to the leaf."""
    names, node = [], t.grad_fn
    while node is not None:
        names.append(node.name())
        node = next((n for n, _ in node.next_functions if n is not None), None)
    return names


# ---- functionals and modules against torch --------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_outputs_and_nodes_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = outputs(case[1](OURS, *_tensors(OURS, arrays, flags)))
    theirs = outputs(case[1](_theirs(real_torch), *_tensors(real_torch, arrays, flags)))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert str(o.dtype) == str(t.dtype)
        _assert_same(o.detach().numpy(), t.detach().numpy(), _exact(case), case[0])
        assert _chain(o) == _chain(t)
        assert o.requires_grad == t.requires_grad


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_first_order_gradients_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = gradients(OURS, case, arrays, flags, 1)
    theirs = gradients(_theirs(real_torch), case, arrays, flags, 1)
    for o, t in zip(ours, theirs):
        _assert_same(o, t, _exact(case), case[0])


# A pool's own second derivative is zero (its backward is linear in the incoming gradient), so the "_squared"
# cases are the ones whose second-order graph runs through the backward-of-backward nodes.
@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_order_gradients_match_torch(real_torch, case):
    arrays, flags = _arrays(case, np.float64)
    ours = gradients(OURS, case, arrays, flags, 2)
    theirs = gradients(_theirs(real_torch), case, arrays, flags, 2)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-14, atol=1e-15, err_msg=case[0])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradcheck(float_op(case[1], OURS), tuple(_tensors(OURS, arrays, flags)), **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_derivatives_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradgradcheck(float_op(case[1], OURS), tuple(_tensors(OURS, arrays, flags)), **GRADGRADCHECK_TOLERANCES)


# ---- what torch's kernels do at the edges ---------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
EDGE_INPUTS = {
    "ties": np.array([[[[3.0, 3.0, 1.0], [3.0, 2.0, 3.0], [0.0, 3.0, 3.0]]]]),
    "nans": np.array([[[[1.0, NAN, 5.0], [NAN, NAN, 0.0], [7.0, 7.0, -1.0]]]]),
    "minus_inf": np.full((1, 1, 3, 3), -INF),
    "inf_and_nan": np.array([[[[INF, 2.0, NAN], [-INF, INF, 1.0], [NAN, -INF, 0.0]]]]),
}
EDGE_POOLS = [
    ("max_pool2d", lambda F, x: F.max_pool2d(x, 2, 1, 1, return_indices=True)),
    ("max_pool2d_whole", lambda F, x: F.max_pool2d(x, 3, return_indices=True)),
    ("max_pool2d_dilated", lambda F, x: F.max_pool2d(x, 2, 1, 1, 2, return_indices=True)),
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, 2, return_indices=True)),
    ("max_pool1d", lambda F, x: F.max_pool1d(x[0], 2, 1, 1, return_indices=True)),
    ("avg_pool2d", lambda F, x: F.avg_pool2d(x, 2, 1, 1)),
    ("adaptive_avg_pool2d", lambda F, x: F.adaptive_avg_pool2d(x, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("pool", EDGE_POOLS, ids=[p[0] for p in EDGE_POOLS])
@pytest.mark.parametrize("name", list(EDGE_INPUTS))
def test_ties_nans_and_infinities_match_torch(real_torch, name, pool):
    for dtype_name in ("float32", "float64"):
        data = EDGE_INPUTS[name].astype(dtype_name)
        ours = outputs(pool[1](OURS.F, gt.tensor(data)))
        theirs = outputs(pool[1](real_torch.nn.functional, real_torch.tensor(data)))
        for o, t in zip(ours, theirs):
            _assert_same(o.numpy(), t.numpy(), True, f"{name} {pool[0]}")


def test_ties_pick_the_first_maximum_and_nan_wins():
    out, idx = gt.nn.functional.max_pool2d(gt.tensor(EDGE_INPUTS["ties"]), 2, 1, return_indices=True)
    assert out.tolist() == [[[[3.0, 3.0], [3.0, 3.0]]]]
    assert idx.tolist() == [[[[0, 1], [3, 5]]]]
    # every NaN replaces the running maximum, so the last NaN of a window is the one reported
    out, idx = gt.nn.functional.max_pool2d(gt.tensor(EDGE_INPUTS["nans"]), 3, return_indices=True)
    assert np.isnan(out.item()) and idx.item() == 4
    # nothing beats -inf: the window reports where the kernel started, its first position inside the input
    out, idx = gt.nn.functional.max_pool2d(gt.tensor(EDGE_INPUTS["minus_inf"]), 2, 1, 1, return_indices=True)
    assert out.tolist() == [[[[-INF] * 4] * 4]]
    assert idx.tolist() == [[[[0, 0, 1, 2], [0, 0, 1, 2], [3, 3, 4, 5], [6, 6, 7, 8]]]]


@pytest.mark.torch
def test_changed_indices_stop_backward_as_in_torch(real_torch):
    texts = []
    for T in (OURS, _theirs(real_torch)):
        x = T.tensor(np.ones((1, 3, 4, 4)), requires_grad=True)
        for pool in (lambda t: T.F.max_pool2d(t, 2, return_indices=True),
                     lambda t: T.F.adaptive_max_pool2d(t, 2, return_indices=True),
                     lambda t: T.F.max_pool1d(t[0], 2, return_indices=True)):  # indices: a squeezed view
            out, indices = pool(x)
            indices.add_(1)
            with pytest.raises(RuntimeError) as info:
                out.sum().backward()
            texts.append(str(info.value))
    assert texts[:3] == texts[3:]
    assert texts[2].startswith("one of the variables needed for gradient computation has been modified by an "
                               "inplace operation: [torch.LongTensor [3, 4, 1, 2]] is at version 1; expected version 0")


def test_overlapping_windows_accumulate_gradient():
    x = gt.tensor([[[[0.0, 1.0, 0.0], [0.0, 5.0, 0.0], [2.0, 0.0, 3.0]]]], requires_grad=True)
    gt.nn.functional.max_pool2d(x, 2, 1).sum().backward()  # the 5 is every window's maximum
    assert x.grad.tolist() == [[[[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]]
    x.grad = None
    gt.nn.functional.avg_pool2d(x, 2, 1, 1, count_include_pad=False).sum().backward()
    # the corner is read by windows of 1, 2, 2 and 4 positions
    assert x.grad[0, 0, 0, 0].item() == pytest.approx(1 + 1 / 2 + 1 / 2 + 1 / 4)


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float16", "int64", "int32", "uint8"])
def test_other_dtypes_match_torch(real_torch, dtype_name):
    data = (np.random.default_rng(5).standard_normal((2, 2, 5, 6)) * 20).astype(dtype_name)
    pools = [lambda F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True)]
    if dtype_name in ("float16", "int64"):
        pools.append(lambda F, x: F.avg_pool2d(x, 3, 2, 1, True))
    if dtype_name == "float16":
        pools += [lambda F, x: F.adaptive_avg_pool2d(x, (2, 4)), lambda F, x: F.adaptive_max_pool2d(x, 3, True),
                  lambda F, x: F.max_pool1d(x[0], 2)]
    for pool in pools:
        ours = outputs(pool(OURS.F, gt.tensor(data)))
        theirs = outputs(pool(real_torch.nn.functional, real_torch.tensor(data)))
        for o, t in zip(ours, theirs):
            _assert_same(o.numpy(), t.numpy(), True, dtype_name)


@pytest.mark.torch
def test_empty_batch_matches_torch(real_torch):
    data = np.zeros((0, 2, 5, 6), np.float32)
    for pool in (lambda F, x: F.max_pool2d(x, 2, return_indices=True), lambda F, x: F.avg_pool2d(x, 3, 1, 1),
                 lambda F, x: F.adaptive_avg_pool2d(x, 3), lambda F, x: F.max_pool1d(x[:, 0], 2),
                 lambda F, x: F.adaptive_avg_pool2d(x, 0)):
        ours = outputs(pool(OURS.F, gt.tensor(data)))
        theirs = outputs(pool(real_torch.nn.functional, real_torch.tensor(data)))
        assert [tuple(o.shape) for o in ours] == [tuple(t.shape) for t in theirs]


def test_max_pool1d_without_grad_takes_torch_direct_kernel():
    x = gt.tensor([[[1.0, 4.0, 2.0, 8.0, 3.0]]])
    assert gt.nn.functional.max_pool1d(x, 2, 1).tolist() == [[[4.0, 4.0, 8.0, 8.0]]]
    with pytest.raises(NotImplementedError, match=r"^\"max_pool1d_impl\" not implemented for 'Long'$"):
        gt.nn.functional.max_pool1d(gt.tensor([[1, 2, 3]]), 2)
    # with the indices (needed for a gradient) torch pools in 2-d, which takes integers
    assert gt.nn.functional.max_pool1d(gt.tensor([[1, 2, 3]]), 2, return_indices=True)[1].tolist() == [[1]]


# ---- what the nodes keep ----------------------------------------------------------------------------------------
SAVED_CASES = [  # (expression over x (1, 2, 7, 6) and x1 (2, 7), how to reach the node, the saved values)
    ("F.max_pool2d(x, 3)", "", ["kernel_size", "stride", "padding", "dilation", "ceil_mode", "self", "result1"]),
    ("F.max_pool2d(x, (3, 2), [2], 1, (1, 2), True)", "", ["kernel_size", "stride", "padding", "dilation",
                                                           "ceil_mode", "result1"]),
    ("F.max_pool1d(x1, 3, None, 1, 2)", "0", ["kernel_size", "stride", "padding", "dilation", "self", "result1"]),
    ("F.avg_pool2d(x, 3, 2, 1, True, False, 2)", "", ["kernel_size", "stride", "padding", "ceil_mode",
                                                      "count_include_pad", "divisor_override", "self"]),
    ("F.avg_pool2d(x, (3, 2))", "", ["kernel_size", "stride", "padding", "divisor_override"]),
    ("F.avg_pool1d(x1, 2, 1, 1)", "0", ["kernel_size", "stride", "padding", "self"]),
    ("F.adaptive_avg_pool2d(x, (3, None))", "", ["self"]),
    ("F.adaptive_max_pool2d(x, (4, 5))", "", ["self", "result1"]),
    ("F.adaptive_max_pool1d(x1, 3)", "0", ["self", "result1"]),
]


def _node(t, path):
    node = t.grad_fn
    for step in path:
        node = node.next_functions[int(step)][0]
    return node


def _saved_names(node):
    return sorted(a for a in dir(node) if a.startswith("_saved_"))


@pytest.mark.torch
@pytest.mark.parametrize("expr, path, names", SAVED_CASES, ids=[c[0] for c in SAVED_CASES])
def test_saved_values_match_torch(real_torch, expr, path, names):
    rng = np.random.default_rng(3)
    arrays = {"x": rng.standard_normal((1, 2, 7, 6)), "x1": rng.standard_normal((2, 7))}
    ours, theirs = (_node(eval(expr, {"F": T.F, **{k: T.tensor(a, requires_grad=True) for k, a in arrays.items()}}),
                          path) for T in (OURS, _theirs(real_torch)))
    assert ours.name() == theirs.name()
    assert _saved_names(ours) == _saved_names(theirs)
    for name in names:
        o, t = getattr(ours, "_saved_" + name), getattr(theirs, "_saved_" + name)
        if isinstance(t, real_torch.Tensor):
            _assert_same(o.detach().numpy(), t.detach().numpy(), True, f"{expr}: {name}")
        else:
            assert o == t and type(o) is type(t), (expr, name)


def test_saved_values_read_like_torch():
    x = gt.randn(1, 2, 5, 5, requires_grad=True)
    node = gt.nn.functional.max_pool2d(x, 2).grad_fn
    assert (node._saved_kernel_size, node._saved_stride, node._saved_padding, node._saved_dilation) == (
        (2, 2), (), (0, 0), (1, 1))
    assert node._saved_result1.tolist() == gt.nn.functional.max_pool2d(x, 2, return_indices=True)[1].tolist()
    node = gt.nn.functional.max_pool1d(gt.randn(2, 7, requires_grad=True), 3).grad_fn.next_functions[0][0]
    assert (node._saved_kernel_size, node._saved_stride, node._saved_padding) == ((1, 3), (1, 3), (0, 0))
    node = gt.nn.functional.avg_pool2d(x, 3, 1, divisor_override=4).grad_fn
    assert (node._saved_stride, node._saved_divisor_override, node._saved_count_include_pad) == ((1, 1), 4, True)


DOUBLE_BACKWARD = [  # (pool, torch's node for the derivative of its backward, that node's saved values)
    (lambda F, x: F.max_pool2d(x, 3, 2, 1), "MaxPool2DWithIndicesBackwardBackward0", ["indices"]),
    (lambda F, x: F.avg_pool2d(x, 3, 2, 1, True, False, 3), "AvgPool2DBackwardBackward0",
     ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]),
    (lambda F, x: F.adaptive_avg_pool2d(x, (4, 3)), "AdaptiveAvgPool2DBackwardBackward0",
     ["grad_output_sym_argsize_minus_1", "grad_output_sym_argsize_minus_2"]),
    (lambda F, x: F.adaptive_max_pool2d(x, (4, 3)), "AdaptiveMaxPool2DBackwardBackward0", ["indices"]),
]


def _backward_of_backward(T, pool, x, w):
    """The gradient of (pool(x) * w).sum() by x, with its graph; the node's edges are (w's, x's)."""
    return T.autograd.grad((pool(T.F, x) * w).sum(), x, create_graph=True)[0]


@pytest.mark.torch
@pytest.mark.parametrize("pool, name, saved", DOUBLE_BACKWARD, ids=[c[1] for c in DOUBLE_BACKWARD])
def test_backward_of_backward_nodes_match_torch(real_torch, pool, name, saved):
    rng = np.random.default_rng(4)
    data = rng.standard_normal((1, 2, 6, 6))
    weights = rng.standard_normal(tuple(pool(real_torch.nn.functional, real_torch.tensor(data)).shape))
    seen = []
    for T in (OURS, _theirs(real_torch)):
        x, w = T.tensor(data, requires_grad=True), T.tensor(weights, requires_grad=True)
        g = _backward_of_backward(T, pool, x, w)
        node = g.grad_fn
        values = [getattr(node, "_saved_" + attr) for attr in saved]
        # third order: the gradient by w of the gradient by x, differentiated again by w
        (by_w,) = T.autograd.grad((g * g).sum(), w, create_graph=True)
        third = T.autograd.grad(by_w.sum(), w)[0].numpy()
        seen.append((node.name(), [n is None for n, _ in node.next_functions], _saved_names(node),
                     [v.tolist() if hasattr(v, "tolist") else v for v in values], _chain(by_w), third))
    ours, theirs = seen
    assert ours[0] == theirs[0] == name
    assert ours[1:5] == theirs[1:5]
    np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-14, atol=1e-15)


def test_backward_of_backward_sends_zeros_to_the_input():
    x = gt.randn(1, 1, 4, 4, dtype=gt.float64, requires_grad=True)
    g = gt.autograd.grad((gt.nn.functional.max_pool2d(x, 2) * gt.randn(1, 1, 2, 2, dtype=gt.float64)).sum(), x, create_graph=True)[0]
    assert g.grad_fn.name() == "MaxPool2DWithIndicesBackwardBackward0"
    assert gt.autograd.grad(g.sum(), x)[0].tolist() == np.zeros((1, 1, 4, 4)).tolist()


# ---- profiler rows ------------------------------------------------------------------------------------------
PROFILED = [
    lambda F, x: F.max_pool2d(x, 2),
    lambda F, x: F.max_pool2d(x, 2, return_indices=True)[0],
    lambda F, x: F.max_pool1d(x[0], 2),
    lambda F, x: F.max_pool1d(x[0], 2, return_indices=True)[0],
    lambda F, x: F.avg_pool2d(x, 2),
    lambda F, x: F.avg_pool1d(x[0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x, 3),
    lambda F, x: F.adaptive_avg_pool2d(x, 1),
    lambda F, x: F.adaptive_avg_pool1d(x[0], 3),
    lambda F, x: F.adaptive_avg_pool1d(x[0], 1),
    lambda F, x: F.adaptive_max_pool2d(x, 3),
    lambda F, x: F.adaptive_max_pool1d(x[0], 3),
]
_SHAPE_OPS = ("aten::unsqueeze", "aten::squeeze", "aten::mean", "aten::view", "aten::gather")


def _pool_rows(T, pool, requires_grad, order=1):
    """(row, parent row) for the pooling rows of a forward and backward: every row naming a pool, and the shape
    ops, means and gathers run inside one."""
    x = T.tensor(np.arange(72.0).reshape(1, 2, 6, 6) % 7, requires_grad=requires_grad)
    with T.autograd.profiler.profile() as prof:
        y = pool(T.F, x)
        if requires_grad:
            g = T.autograd.grad(y.sum(), x, create_graph=order == 2)[0]
            if order == 2:
                w = T.tensor(np.ones(tuple(y.shape)), requires_grad=True)
                g = T.autograd.grad((pool(T.F, x) * w).sum(), x, create_graph=True)[0]
                T.autograd.grad(g.sum(), w)
    rows = []
    for e in prof.function_events:
        parent = e.cpu_parent.name if e.cpu_parent is not None else None
        if "pool" in e.name.lower() or (e.name in _SHAPE_OPS and parent and "pool" in parent.lower()):
            rows.append((e.name, parent))
    return rows


@pytest.mark.torch
@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("index", range(len(PROFILED)))
def test_profiler_rows_match_torch(real_torch, index, requires_grad):
    pool = PROFILED[index]
    ours, theirs = _pool_rows(OURS, pool, requires_grad), _pool_rows(_theirs(real_torch), pool, requires_grad)
    assert ours == theirs


@pytest.mark.torch
@pytest.mark.parametrize("index", [0, 4, 6, 10])
def test_second_order_profiler_rows_match_torch(real_torch, index):
    pool = PROFILED[index]
    assert _pool_rows(OURS, pool, True, 2) == _pool_rows(_theirs(real_torch), pool, True, 2)


def test_profiler_rows_of_the_tutorial_pool():
    x = gt.randn(1, 2, 4, 4, requires_grad=True)
    assert _pool_rows(OURS, lambda F, t: F.max_pool2d(t, (2, 2)), True) == [
        ("aten::max_pool2d", None), ("aten::max_pool2d_with_indices", "aten::max_pool2d"),
        ("autograd::engine::evaluate_function: MaxPool2DWithIndicesBackward0", None),
        ("MaxPool2DWithIndicesBackward0", "autograd::engine::evaluate_function: MaxPool2DWithIndicesBackward0"),
        ("aten::max_pool2d_with_indices_backward", "MaxPool2DWithIndicesBackward0")]
    assert x.grad is None


# ---- errors -----------------------------------------------------------------------------------------------------
X4, X1 = np.zeros((1, 3, 5, 5), np.float32), np.zeros((1, 3, 5), np.float32)
ERRORS = [  # (id, fn(F, tensor), exception type, torch's text)
    ("kernel_larger_than_input", lambda F, t: F.max_pool2d(t(np.zeros((1, 1, 2, 2))), 3), RuntimeError,
     "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"),
    ("kernel_larger_than_input_unbatched", lambda F, t: F.max_pool2d(t(np.zeros((1, 2, 2))), 3), RuntimeError,
     "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"),
    ("avg_kernel_larger_than_input", lambda F, t: F.avg_pool2d(t(np.zeros((1, 1, 2, 2))), 3), RuntimeError,
     "Given input size: (1x2x2). Calculated output size: (1x0x0). Output size is too small"),
    ("max_pool1d_with_indices_too_small", lambda F, t: F.max_pool1d(t(X1), 6, return_indices=True), RuntimeError,
     "Given input size: (3x1x5). Calculated output size: (3x1x0). Output size is too small"),
    ("avg_pool1d_too_small", lambda F, t: F.avg_pool1d(t(X1), 6), RuntimeError,
     "Given input size: (3x1x5). Calculated output size: (3x1x0). Output size is too small"),
    ("pad_too_big", lambda F, t: F.max_pool2d(t(X4), 2, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    ("avg_pad_too_big", lambda F, t: F.avg_pool2d(t(X4), 2, padding=2), RuntimeError,
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    ("pad_too_big_for_kernel", lambda F, t: F.max_pool2d(t(X4), 2, 1, 2, 3), RuntimeError,
     "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, kW = 2, kH = 2"),
    ("pad_negative", lambda F, t: F.max_pool2d(t(X4), 2, padding=-1), RuntimeError,
     "pad must be non-negative, but got pad: -1"),
    ("stride_zero", lambda F, t: F.max_pool2d(t(X4), 2, stride=0), RuntimeError, "stride should not be zero"),
    ("kernel_zero", lambda F, t: F.max_pool2d(t(X4), 0), RuntimeError, "stride should not be zero"),
    ("stride_negative", lambda F, t: F.max_pool2d(t(X4), 2, stride=-1), RuntimeError,
     "stride should be greater than zero, but got dH: -1 dW: -1"),
    ("kernel_negative", lambda F, t: F.max_pool2d(t(X4), -1), RuntimeError,
     "kernel size should be greater than zero, but got kH: -1 kW: -1"),
    ("dilation_zero", lambda F, t: F.max_pool2d(t(X4), 2, dilation=0), RuntimeError,
     "dilation should be greater than zero, but got dilationH: 0 dilationW: 0"),
    ("max_pool2d_of_2d", lambda F, t: F.max_pool2d(t(X4[0, 0]), 2), RuntimeError,
     "non-empty 3D or 4D (batch mode) tensor expected for input"),
    ("max_pool2d_of_5d", lambda F, t: F.max_pool2d(t(X4[None]), 2), RuntimeError,
     "non-empty 3D or 4D (batch mode) tensor expected for input"),
    ("max_pool2d_no_channels", lambda F, t: F.max_pool2d(t(np.zeros((1, 0, 4, 4))), 2), RuntimeError,
     "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 4, 4]"),
    ("avg_pool2d_of_2d", lambda F, t: F.avg_pool2d(t(X4[0, 0]), 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("avg_pool2d_of_0d", lambda F, t: F.avg_pool2d(t(np.float32(1.0)), 2), IndexError,
     "Dimension specified as -3 but tensor has no dimensions"),
    ("avg_pool2d_of_5d", lambda F, t: F.avg_pool2d(t(X4[None]), 2), RuntimeError,
     "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 1, 3, 5, 5]"),
    ("kernel_of_three", lambda F, t: F.max_pool2d(t(X4), (2, 2, 2)), RuntimeError,
     "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    ("stride_of_three", lambda F, t: F.max_pool2d(t(X4), 2, (1, 1, 1)), RuntimeError,
     "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints"),
    ("padding_of_three", lambda F, t: F.max_pool2d(t(X4), 2, 2, (0, 0, 0)), RuntimeError,
     "max_pool2d: padding must either be a single int, or a tuple of two ints"),
    ("dilation_of_three", lambda F, t: F.max_pool2d(t(X4), 2, 2, 0, (1, 1, 1)), RuntimeError,
     "max_pool2d: dilation must be either a single int, or a tuple of two ints"),
    ("avg_kernel_of_three", lambda F, t: F.avg_pool2d(t(X4), (1, 2, 3)), RuntimeError,
     "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    ("divisor_zero", lambda F, t: F.avg_pool2d(t(X4), 2, divisor_override=0), RuntimeError,
     "divisor must be not zero"),
    ("max_pool2d_of_bool", lambda F, t: F.max_pool2d(t(np.ones((1, 1, 2, 2), bool)), 2), NotImplementedError,
     "\"max_pool2d\" not implemented for 'Bool'"),
    ("avg_pool2d_of_int32", lambda F, t: F.avg_pool2d(t(np.ones((1, 1, 2, 2), np.int32)), 2), NotImplementedError,
     "\"avg_pool2d\" not implemented for 'Int'"),
    ("max_pool1d_too_small", lambda F, t: F.max_pool1d(t(X1), 6), RuntimeError,
     "max_pool1d() Invalid computed output size: 0"),
    ("max_pool1d_of_4d", lambda F, t: F.max_pool1d(t(X4), 2), RuntimeError,
     "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:"
     "[1, 3, 5, 5]"),
    ("max_pool1d_empty", lambda F, t: F.max_pool1d(t(np.zeros((1, 3, 0))), 2), RuntimeError,
     "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:"
     "[1, 3, 0]"),
    ("max_pool1d_pad_too_big", lambda F, t: F.max_pool1d(t(X1), 2, padding=2), RuntimeError,
     "max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2"),
    ("max_pool1d_stride_zero", lambda F, t: F.max_pool1d(t(X1), 2, stride=0), RuntimeError,
     "max_pool1d() stride must be greater than zero, but got 0"),
    ("max_pool1d_kernel_zero", lambda F, t: F.max_pool1d(t(X1), 0), RuntimeError,
     "max_pool1d() kernel_size must be greater than zero, but got 0"),
    ("max_pool1d_kernel_of_two", lambda F, t: F.max_pool1d(t(X1), (2, 2)), RuntimeError,
     "max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size 2"),
    ("max_pool1d_with_indices_of_4d", lambda F, t: F.max_pool1d(t(X4), 2, return_indices=True), RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments "
     "for max_pool1d)"),
    ("avg_pool1d_of_4d", lambda F, t: F.avg_pool1d(t(X4), 2), RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments "
     "for avg_pool1d)"),
    ("avg_pool1d_kernel_of_two", lambda F, t: F.avg_pool1d(t(X1), (2, 2)), RuntimeError,
     "avg_pool1d() argument 'kernel_size' should contain one int (got 2)"),
    ("adaptive_avg_pool2d_of_2d", lambda F, t: F.adaptive_avg_pool2d(t(X4[0, 0]), 2), RuntimeError,
     "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 5]"),
    ("adaptive_avg_pool2d_negative", lambda F, t: F.adaptive_avg_pool2d(t(X4), -1), RuntimeError,
     "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, -1}"),
    ("adaptive_avg_pool2d_three_sizes", lambda F, t: F.adaptive_avg_pool2d(t(X4), (1, 2, 3)), RuntimeError,
     "adaptive_avg_pool2d: output_size must be 2"),
    ("adaptive_avg_pool2d_empty_plane", lambda F, t: F.adaptive_avg_pool2d(t(np.zeros((1, 3, 0, 4))), 2),
     RuntimeError, "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but "
                   "input has sizes [1, 3, 0, 4] with dimension 2 being empty"),
    ("adaptive_avg_pool2d_none_of_1d", lambda F, t: F.adaptive_avg_pool2d(t(X4[0, 0, 0]), (None, 2)), ValueError,
     "Input dimension should be at least 3"),
    ("adaptive_avg_pool2d_of_long", lambda F, t: F.adaptive_avg_pool2d(t(np.ones((1, 2, 3), np.int64)), 2),
     NotImplementedError, "\"adaptive_avg_pool2d\" not implemented for 'Long'"),
    ("adaptive_avg_pool1d_of_4d", lambda F, t: F.adaptive_avg_pool1d(t(X4), 2), RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments "
     "for adaptive_avg_pool1d)"),
    ("adaptive_max_pool2d_of_2d", lambda F, t: F.adaptive_max_pool2d(t(X4[0, 0]), 2), RuntimeError,
     "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [5, 5]"),
    ("adaptive_max_pool2d_no_channels", lambda F, t: F.adaptive_max_pool2d(t(np.zeros((1, 0, 4, 4))), 2),
     RuntimeError, "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but "
                   "input has sizes [1, 0, 4, 4] with dimension 1 being empty"),
    ("adaptive_max_pool2d_negative", lambda F, t: F.adaptive_max_pool2d(t(X4), -1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [1, 3, -1, -1]"),
    ("adaptive_max_pool1d_of_4d", lambda F, t: F.adaptive_max_pool1d(t(X4), 2), RuntimeError,
     "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments "
     "for adaptive_max_pool1d)"),
]


@pytest.mark.parametrize("fn, exc, text", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_speak_torch(fn, exc, text):
    with pytest.raises(exc) as info:
        fn(OURS.F, gt.tensor)
    assert str(info.value) == text


@pytest.mark.torch
@pytest.mark.parametrize("fn, exc, text", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_error_texts_are_torchs(real_torch, fn, exc, text):
    with pytest.raises(exc) as info:
        fn(real_torch.nn.functional, real_torch.tensor)
    assert str(info.value) == text


# ---- modules ------------------------------------------------------------------------------------------------
MODULES = [
    (lambda nn: nn.MaxPool2d(2, 2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
    (lambda nn: nn.MaxPool2d((3, 2), padding=1, ceil_mode=True, return_indices=True),
     "MaxPool2d(kernel_size=(3, 2), stride=(3, 2), padding=1, dilation=1, ceil_mode=True)"),
    (lambda nn: nn.MaxPool1d(3, 1, 1, 2), "MaxPool1d(kernel_size=3, stride=1, padding=1, dilation=2, ceil_mode=False)"),
    (lambda nn: nn.AvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
    (lambda nn: nn.AvgPool2d((3, 2), [1, 2], 1, divisor_override=3),
     "AvgPool2d(kernel_size=(3, 2), stride=[1, 2], padding=1)"),
    (lambda nn: nn.AvgPool1d(3), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"),
    (lambda nn: nn.AvgPool1d(3, 2, 1), "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))"),
    (lambda nn: nn.AdaptiveAvgPool2d((5, 7)), "AdaptiveAvgPool2d(output_size=(5, 7))"),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 7)), "AdaptiveAvgPool2d(output_size=(None, 7))"),
    (lambda nn: nn.AdaptiveAvgPool1d(4), "AdaptiveAvgPool1d(output_size=4)"),
    (lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), "AdaptiveMaxPool2d(output_size=3)"),
    (lambda nn: nn.AdaptiveMaxPool1d(2), "AdaptiveMaxPool1d(output_size=2)"),
]
MODULE_ATTRIBUTES = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices",
                     "count_include_pad", "divisor_override", "output_size")


@pytest.mark.parametrize("make, text", MODULES, ids=[m[1] for m in MODULES])
def test_module_reprs(make, text):
    assert repr(make(OURS.nn)) == text


@pytest.mark.torch
@pytest.mark.parametrize("make, text", MODULES, ids=[m[1] for m in MODULES])
def test_module_reprs_and_attributes_match_torch(real_torch, make, text):
    ours, theirs = make(OURS.nn), make(real_torch.nn)
    assert repr(ours) == repr(theirs) == text
    for name in MODULE_ATTRIBUTES:
        assert hasattr(ours, name) == hasattr(theirs, name), name
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name) and type(getattr(ours, name)) is type(
                getattr(theirs, name)), name
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []


def test_modules_in_a_model_print_and_pool():
    model = gt.nn.Sequential(gt.nn.ReLU(), gt.nn.MaxPool2d(2), gt.nn.AdaptiveAvgPool2d((1, 1)))
    assert repr(model) == ("Sequential(\n"
                           "  (0): ReLU()\n"
                           "  (1): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
                           "  (2): AdaptiveAvgPool2d(output_size=(1, 1))\n"
                           ")")
    x = gt.tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    # the maxima of each 2x2 block of 0..15 are 5, 7, 13, 15 (mean 10), and 16 more in the second channel
    assert model(x).tolist() == [[[[10.0]], [[26.0]]]]
