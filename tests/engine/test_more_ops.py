"""Order statistics, fused pointwise ops, einsum and friends against real PyTorch (node names, values, first and
second derivatives) and against finite differences (gradcheck / gradgradcheck, no torch needed).

Each case is one row: an id, `fn(T, *inputs)` written once against the torch API (T is real torch or
gradtrace.engine), input specs ("f:2,3" normal, "p:2,3" positive, "u:2,3" in (0.05, 0.95), "c:2,3" constant
without grad, "t:2,3" small integers as floats so that ties occur, or a numpy array used as is) and the grad_fn
name torch gives the first output (None: not checked, the op is a composition).
"""
from functools import partial

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import (GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES, assert_close, float_op, gradients,
                        make_arrays, outputs as _outputs, tensors as _tensors)

MASK = np.array([[True, False, True, False], [False, True, True, True], [False, False, False, True]])

CASES = [
    # task 1: ops that used to lose their gradient
    ("fmod_scalar", lambda T, x: x.fmod(0.3), ["f:3,4"], "FmodBackward0"),
    ("fmod_tensor", lambda T, x, y: T.fmod(x, y), ["f:3,4", "p:4"], "FmodBackward1"),
    ("cumprod", lambda T, x: x.cumprod(0), ["f:3,4"], "CumprodBackward0"),
    ("cumprod_last", lambda T, x: T.cumprod(x, -1), ["f:2,5"], "CumprodBackward0"),
    ("cumprod_zero", lambda T, x: (x * T.tensor([1.0, 0.0, 1.0, 1.0], dtype=x.dtype)).cumprod(-1), ["f:3,4"], None),
    ("einsum_dot", lambda T, x, y: T.einsum("i,i->", x, y), ["f:5", "f:5"], None),
    ("einsum_mm", lambda T, x, y: T.einsum("ij,jk->ik", x, y), ["f:2,3", "f:3,4"], None),
    ("einsum_bmm", lambda T, x, y: T.einsum("bij,bjk->bik", x, y), ["f:2,2,3", "f:2,3,4"], None),
    ("einsum_trace", lambda T, x: T.einsum("ii", x), ["f:3,3"], None),
    ("einsum_diag", lambda T, x: T.einsum("ii->i", x), ["f:3,3"], None),
    ("einsum_ellipsis", lambda T, x, y: T.einsum("...ij,...jk", x, y), ["f:5,2,3", "f:3,4"], None),
    ("einsum_three", lambda T, x, y, z: T.einsum("bn,anm,bm->ba", x, y, z), ["f:2,3", "f:4,3,5", "f:2,5"], None),
    ("einsum_outer_list", lambda T, x, y: T.einsum("i,j->ij", [x, y]), ["f:2", "f:3"], None),
    # sorting and order statistics
    ("sort", lambda T, x: x.sort(), ["f:3,4"], "SortBackward0"),
    ("sort_dim0_desc", lambda T, x: T.sort(x, 0, descending=True), ["f:3,4"], "SortBackward0"),
    ("sort_ties", lambda T, x: x.sort(stable=True), ["t:3,6"], "SortBackward1"),
    ("sort_ties_desc", lambda T, x: x.sort(dim=0, descending=True, stable=True), ["t:6,3"], "SortBackward1"),
    ("sort_0d", lambda T, x: x.sum().sort(), ["f:3"], "SortBackward0"),
    ("argsort", lambda T, x: x.argsort(dim=0, descending=True), ["f:3,4"], "grad:none"),
    ("msort", lambda T, x: T.msort(x), ["f:3,4"], "SortBackward0"),
    ("topk", lambda T, x: x.topk(2), ["f:3,4"], "TopkBackward0"),
    ("topk_smallest_dim0", lambda T, x: T.topk(x, 2, dim=0, largest=False), ["f:3,4"], "TopkBackward0"),
    ("kthvalue", lambda T, x: x.kthvalue(2), ["f:3,4"], "KthvalueBackward0"),
    ("kthvalue_keepdim", lambda T, x: T.kthvalue(x, 3, 0, keepdim=True), ["f:3,4"], "KthvalueBackward0"),
    ("median", lambda T, x: x.median(), ["f:3,4"], "MedianBackward0"),
    ("median_ties", lambda T, x: T.median(x), ["t:3,4"], "MedianBackward0"),
    ("median_dim", lambda T, x: x.median(0), ["f:4,5"], "MedianBackward1"),
    ("median_dim_keepdim", lambda T, x: T.median(x, -1, keepdim=True), ["f:3,5"], "MedianBackward1"),
    ("cummax", lambda T, x: x.cummax(1), ["f:3,4"], "CummaxBackward0"),
    ("cummin", lambda T, x: T.cummin(x, 0), ["f:4,3"], "CumminBackward0"),
    ("cummax_ties", lambda T, x: x.cummax(-1), ["t:3,6"], "CummaxBackward0"),
    ("cummin_ties", lambda T, x: x.cummin(-1), ["t:3,6"], "CumminBackward0"),
    ("aminmax", lambda T, x: x.aminmax(), ["f:3,4"], "AminmaxBackward0"),
    ("aminmax_dim", lambda T, x: T.aminmax(x, dim=0, keepdim=True), ["f:3,4"], "AminmaxBackward0"),
    ("aminmax_ties", lambda T, x: T.aminmax(x, dim=1), ["t:3,6"], "AminmaxBackward0"),
    # reductions with two outputs
    ("var_mean", lambda T, x: T.var_mean(x), ["f:3,4"], "VarMeanBackward0"),
    ("var_mean_dim", lambda T, x: T.var_mean(x, 1, keepdim=True, correction=0), ["f:3,4"], "VarMeanBackward0"),
    ("std_mean", lambda T, x: T.std_mean(x), ["f:3,4"], "StdMeanBackward0"),
    ("std_mean_dims", lambda T, x: T.std_mean(x, (0, 2)), ["f:3,2,4"], "StdMeanBackward0"),
    # shapes
    ("tril", lambda T, x: x.tril(), ["f:4,4"], "TrilBackward0"),
    ("tril_batched", lambda T, x: T.tril(x, -1), ["f:2,3,4"], "TrilBackward0"),
    ("triu", lambda T, x: x.triu(1), ["f:3,4"], "TriuBackward0"),
    ("masked_select", lambda T, x: x.masked_select(T.tensor(MASK)), ["f:3,4"], "MaskedSelectBackward0"),
    ("masked_select_bcast", lambda T, x: T.masked_select(x, T.tensor(MASK)), ["f:4"], "MaskedSelectBackward0"),
    ("roll", lambda T, x: x.roll(1, 0), ["f:3,4"], "RollBackward0"),
    ("roll_flat", lambda T, x: T.roll(x, -5), ["f:3,4"], "RollBackward0"),
    ("roll_two", lambda T, x: x.roll((1, -2), (1, 0)), ["f:3,4"], "RollBackward0"),
    ("diff", lambda T, x: x.diff(), ["f:3,4"], "SubBackward0"),
    ("diff_n2_dim0", lambda T, x: T.diff(x, n=2, dim=0), ["f:4,3"], "SubBackward0"),
    ("diff_prepend", lambda T, x, y: T.diff(x, prepend=y), ["f:3,4", "f:3,2"], "SubBackward0"),
    ("tile", lambda T, x: x.tile(2), ["f:3,4"], "RepeatBackward0"),
    ("tile_more", lambda T, x: T.tile(x, (2, 1, 3)), ["f:3,4"], "RepeatBackward0"),
    # pointwise
    ("addcmul", lambda T, x, y, z: x.addcmul(y, z, value=0.5), ["f:3,4", "f:4", "f:3,1"], "AddcmulBackward0"),
    ("addcdiv", lambda T, x, y, z: T.addcdiv(x, y, z, value=2), ["f:3,4", "f:3,4", "p:4"], "AddcdivBackward0"),
    ("lerp_scalar", lambda T, x, y: x.lerp(y, 0.3), ["f:3,4", "f:3,4"], "LerpBackward0"),
    ("lerp_scalar_high", lambda T, x, y: T.lerp(x, y, 0.8), ["f:3,4", "f:4"], "LerpBackward0"),
    ("lerp_tensor", lambda T, x, y, w: T.lerp(x, y, w), ["f:3,4", "f:4", "u:3,1"], "LerpBackward1"),
    ("atan2", lambda T, x, y: x.atan2(y), ["f:3,4", "f:4"], "Atan2Backward0"),
    ("arctan2", lambda T, x, y: T.arctan2(x, y), ["f:3,4", "f:3,4"], "Atan2Backward0"),
    ("hypot", lambda T, x, y: T.hypot(x, y), ["f:3,4", "f:3,4"], "HypotBackward0"),
    ("logit", lambda T, x: x.logit(), ["u:3,4"], "LogitBackward0"),
    ("logit_eps", lambda T, x: T.logit(x, 0.2), ["u:3,4"], "LogitBackward0"),
    ("deg2rad", lambda T, x: x.deg2rad(), ["f:3,4"], "Deg2RadBackward0"),
    ("rad2deg", lambda T, x: T.rad2deg(x), ["f:3,4"], "Rad2DegBackward0"),
    ("sinc", lambda T, x: x.sinc(), ["f:3,4"], "SincBackward0"),
    ("sinc_at_zero", lambda T, x: (x * T.tensor([0.0, 1.0, 1.0], dtype=x.dtype)).sinc(), ["f:3"], None),
]
IDS = [c[0] for c in CASES]
DIFFERENTIABLE = [c for c in CASES if c[3] != "grad:none"]
# kinks where finite differences are not meaningful are avoided by the inputs; "t:" inputs have exact ties,
# where the derivative is one-sided, so finite differences skip them
SMOOTH = [c for c in DIFFERENTIABLE if not any(isinstance(s, str) and s.startswith("t:") for s in c[2])]


# what this file's spec kinds mean (see op_harness.make_arrays): "p" positive, "u" in (0.05, 0.95), "t" small
# integers as floats, so that ties occur
KINDS = {"p": lambda rng, shape: rng.uniform(0.5, 2.0, shape), "u": lambda rng, shape: rng.uniform(0.05, 0.95, shape),
         "t": lambda rng, shape: rng.integers(0, 3, shape).astype(float)}
TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12)}

_arrays = partial(make_arrays, kinds=KINDS)
_close = partial(assert_close, tolerances=TOLERANCES)
# a missing (None) gradient reads as float64 zeros, so the dtype check catches a None on one side only
_gradients = partial(gradients, missing_in_input_dtype=False)


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_node_names_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = case[1](gt, *_tensors(gt, arrays, flags))
    theirs = case[1](real_torch, *_tensors(real_torch, arrays, flags))
    assert type(ours).__name__ == type(theirs).__name__  # sort, tuple, Tensor, ...
    ours, theirs = _outputs(ours), _outputs(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert str(o.dtype) == str(t.dtype)
        assert tuple(o.shape) == tuple(t.shape)
        assert o.requires_grad == t.requires_grad
        exact = case[0].split("_")[0] in ("sort", "argsort", "msort", "topk", "kthvalue", "median", "cummax",
                                          "cummin", "aminmax", "tril", "triu", "masked", "roll", "tile", "lerp",
                                          "deg2rad", "rad2deg", "fmod", "diff")
        if exact:  # selections and single roundings: bitwise
            np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy(), err_msg=case[0])
        else:
            _close(o.detach().numpy(), t.detach().numpy(), dtype_name, case[0])
    name = case[3]
    if name is not None and name != "grad:none":
        assert ours[0].grad_fn.name() == theirs[0].grad_fn.name() == name
        assert len(ours[0].grad_fn.next_functions) == len(theirs[0].grad_fn.next_functions)


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_first_derivatives_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    for o, t in zip(_gradients(gt, case, arrays, flags, 1), _gradients(real_torch, case, arrays, flags, 1)):
        assert o.dtype == t.dtype
        _close(o, t, dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_second_derivatives_match_torch(real_torch, case):
    arrays, flags = _arrays(case, np.float64)
    for o, t in zip(_gradients(gt, case, arrays, flags, 2), _gradients(real_torch, case, arrays, flags, 2)):
        if case[0] in NOT_LIKE_TORCH_TWICE:  # equal wherever torch's value is a number; ours is one everywhere
            nan = np.isnan(t)
            assert nan.any() and np.isfinite(o).all()
            o, t = o[~nan], t[~nan]
        _close(o, t, "float64", case[0])


# torch's SincBackward0 gives NaN for the second derivative at exactly 0 (its masked formula still divides by 0
# when differentiated); ours gives the true value 0 there, checked against finite differences below
NOT_LIKE_TORCH_TWICE = {"sinc_at_zero"}


@pytest.mark.parametrize("case", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_gradcheck(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradcheck(float_op(case[1], gt), tuple(_tensors(gt, arrays, flags)), **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_gradgradcheck(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradgradcheck(float_op(case[1], gt), tuple(_tensors(gt, arrays, flags)),
                         **GRADGRADCHECK_TOLERANCES)


# ---- ties, NaN and printing ------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("descending", [False, True])
def test_sort_with_ties_and_nan_matches_torch_indices(real_torch, descending):
    data = [1.0, 3.0, float("nan"), 1.0, 3.0, 2.0, 1.0, float("nan"), 2.0]
    ours = gt.tensor(data).sort(descending=descending, stable=True)
    theirs = real_torch.tensor(data).sort(descending=descending, stable=True)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    assert ours.indices.tolist() == theirs.indices.tolist()
    assert gt.tensor(data).argsort(descending=descending, stable=True).tolist() == theirs.indices.tolist()


@pytest.mark.torch
def test_topk_kthvalue_median_with_ties_pick_equal_values(real_torch):
    # which of several equal values torch picks is an implementation detail; the values and that the indices
    # point at them are not
    data = [[1.0, 3.0, 1.0, 3.0, 2.0, 1.0, 2.0]]
    x, tx = gt.tensor(data), real_torch.tensor(data)
    for op, args in (("topk", (3,)), ("kthvalue", (2,)), ("median", (1,))):
        ours, theirs = getattr(x, op)(*args), getattr(tx, op)(*args)
        assert ours.values.tolist() == theirs.values.tolist()
        picked = np.take_along_axis(np.array(data), ours.indices.numpy().reshape(1, -1), 1)
        assert picked.ravel().tolist() == np.ravel(ours.values.tolist()).tolist()


@pytest.mark.torch
def test_cummax_with_nan_matches_torch(real_torch):
    data = [1.0, float("nan"), 3.0, float("nan"), 0.0]
    for op in ("cummax", "cummin"):
        ours, theirs = getattr(gt.tensor(data), op)(0), getattr(real_torch.tensor(data), op)(0)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist()


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda T: T.tensor([[3.0, 1.0, 2.0], [0.5, 0.25, 4.0]]).sort(0),
    lambda T: T.tensor([3.0, 1.0, 2.0], requires_grad=True).topk(2),
    lambda T: T.tensor([3.0, 1.0, 2.0]).kthvalue(2),
    lambda T: T.tensor([[3.0, 1.0, 2.0]]).median(1),
    lambda T: T.tensor([3.0, 1.0, 2.0]).cummax(0),
    lambda T: T.tensor([3.0, 1.0, 2.0]).cummin(0),
    lambda T: T.tensor([3.0, 1.0, 2.0], requires_grad=True).aminmax(),
    lambda T: T.var_mean(T.tensor([3.0, 1.0, 2.0], requires_grad=True)),
], ids=["sort", "topk", "kthvalue", "median", "cummax", "cummin", "aminmax", "var_mean"])
def test_printed_results_match_torch(real_torch, make):
    assert repr(make(gt)) == repr(make(real_torch))
    assert str(make(gt)) == str(make(real_torch))


@pytest.mark.torch
def test_saved_values_match_torch(real_torch):
    def saved(T):
        x = T.tensor([[3.0, 1.0, 2.0], [0.5, 0.25, 4.0]], requires_grad=True)
        return (x.sort(1)[0].grad_fn._saved_indices.tolist(), x.roll(1, 0).grad_fn._saved_shifts,
                x.tril(1).grad_fn._saved_diagonal, x.addcmul(x, x, value=3).grad_fn._saved_value,
                x.lerp(x, 0.25).grad_fn._saved_weight, x.logit(0.1).grad_fn._saved_eps,
                x.cumprod(1).grad_fn._saved_dim, x.cummax(1)[0].grad_fn._saved_indices.tolist(),
                x.topk(2, 0)[0].grad_fn._saved_self_sym_sizes)

    assert saved(gt) == saved(real_torch)


def test_einsum_records_a_graph_and_differentiates_twice():
    x = gt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = gt.tensor([4.0, 5.0, 6.0], requires_grad=True)
    out = gt.einsum("i,i->", x, y)
    assert out.grad_fn is not None
    assert out.item() == 32.0
    (gx,) = gt.autograd.grad(gt.einsum("i,i->", x, x), x, create_graph=True)
    assert gx.tolist() == [2.0, 4.0, 6.0]
    (gg,) = gt.autograd.grad(gx.sum(), x)
    assert gg.tolist() == [2.0, 2.0, 2.0]


def test_fmod_and_cumprod_now_have_gradients():
    x = gt.tensor([0.5, -0.7, 1.1], requires_grad=True)
    assert x.fmod(0.3).grad_fn.name() == "FmodBackward0"
    assert x.cumprod(0).grad_fn.name() == "CumprodBackward0"
    x.cumprod(0).sum().backward()
    assert np.allclose(x.grad.numpy(), [1 + -0.7 + -0.7 * 1.1, 0.5 + 0.5 * 1.1, 0.5 * -0.7])


@pytest.mark.parametrize("fn", [
    lambda T: T.tensor([1.0, 2.0]).sort(),
    lambda T: T.tensor([1.0, 2.0]).topk(1),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]).tril(),
], ids=["sort", "topk", "tril"])
def test_no_grad_inputs_give_no_node(fn):
    out = _outputs(fn(gt))[0]
    assert out.grad_fn is None and not out.requires_grad


# ---- errors: torch's exception types and texts -------------------------------------------------------
ERRORS = [
    ("topk_k_too_big", lambda T: T.randn(3, 4).topk(5)),
    ("topk_negative_k", lambda T: T.randn(3, 4).topk(-1)),
    ("topk_0d", lambda T: T.tensor(1.0).topk(2)),
    ("sort_bad_dim", lambda T: T.randn(3, 4).sort(2)),
    ("sort_bad_dim_1d", lambda T: T.randn(4).sort(1)),
    ("sort_bad_dim_0d", lambda T: T.tensor(1.0).sort(1)),
    ("kthvalue_k", lambda T: T.randn(3, 4).kthvalue(5)),
    ("kthvalue_zero", lambda T: T.randn(3, 4).kthvalue(0)),
    ("cummax_dim", lambda T: T.randn(3, 4).cummax(3)),
    ("roll_dim", lambda T: T.randn(3, 4).roll(1, 5)),
    ("roll_align", lambda T: T.randn(3, 4).roll((1, 2), (0,))),
    ("tril_1d", lambda T: T.randn(3).tril()),
    ("triu_1d", lambda T: T.randn(3).triu()),
    ("masked_select_shape", lambda T: T.randn(3, 4).masked_select(T.ones(2, 4, dtype=T.bool))),
    ("masked_select_dtype", lambda T: T.randn(3, 4).masked_select(T.ones(3, 4))),
    ("diff_order", lambda T: T.randn(3, 4).diff(n=-1)),
    ("aminmax_empty", lambda T: T.aminmax(T.tensor([]))),
    ("einsum_size", lambda T: T.einsum("ij,j->i", T.randn(3, 4), T.randn(3))),
    ("einsum_operands", lambda T: T.einsum("ij,jk->ik", T.randn(3, 4))),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(real_torch, fn):
    with pytest.raises(Exception) as theirs:
        fn(real_torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(gt)
    assert str(ours.value).split("\n")[0] == str(theirs.value).split("\n")[0]


@pytest.mark.torch
def test_profiler_names_match_torch(real_torch):
    names = {"aten::sort", "aten::topk", "aten::einsum", "aten::roll", "aten::tril", "aten::masked_select",
             "aten::cumprod", "aten::fmod", "aten::lerp", "aten::addcmul", "aten::kthvalue", "aten::cummax"}

    def recorded(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        with T.profiler.profile() as prof:
            x.sort(), x.topk(1), T.einsum("ij->", x), x.roll(1), x.tril(), x.masked_select(x > 2)
            x.cumprod(0), x.fmod(0.3), x.lerp(x, 0.5), x.addcmul(x, x), x.kthvalue(1), x.cummax(0)
        return {e.name for e in prof.events()} & names

    assert recorded(gt) == recorded(real_torch) == names


@pytest.mark.torch
def test_remainder_and_fmod_nodes_and_saved_values_match_torch(real_torch):
    """By a number: Backward0, nothing saved; by a tensor: Backward1, self and other kept only when
    the divisor needs a gradient."""

    def run(T):
        x = T.tensor([1.5, -2.5, 3.0], requires_grad=True)
        y = T.tensor([0.7, 0.9, -1.3])
        rows = []
        for out in (x.remainder(2), x.remainder(y), x.fmod(2), x.fmod(y), y.remainder(x), y.fmod(x)):
            node = out.grad_fn
            saved = {n: getattr(node, n) for n in dir(node) if n.startswith("_saved_")}
            rows.append((node.name(), len(node.next_functions),
                         {n: None if v is None else v.tolist() for n, v in saved.items()}))
        (grad,) = T.autograd.grad((y.remainder(x) * 2 + x.fmod(y) ** 2 + x.remainder(y)).sum(), x)
        return rows, grad.tolist()

    assert run(gt) == run(real_torch)


_SCALED_SUMS = ["T.add(x, y, alpha=3)", "T.sub(x, y, alpha=3)", "T.rsub(x, y, alpha=2)", "x.clone().add_(y, alpha=-2)",
                "T.add(x, 2, alpha=3)", "T.addcmul(x, y, z)", "T.addcmul(x, y, z, value=3)"]
_FLOAT_ONLY_SCALED_SUMS = ["T.addcdiv(x, y, z, value=3)", "T.lerp(x, y, 0.25)"]  # torch refuses integers


@pytest.mark.torch
@pytest.mark.parametrize("expr, dtype_name",
                         [(e, d) for d in ("float32", "float64") for e in _SCALED_SUMS + _FLOAT_ONLY_SCALED_SUMS]
                         + [(e, "int64") for e in _SCALED_SUMS])
def test_scaled_sums_round_as_torchs_kernels(real_torch, expr, dtype_name):
    """add/sub with alpha and addcmul are one fused multiply-add in torch's CPU kernels, addcdiv is
    self + (value * t1) / t2: every element equals torch's, bit for bit (alpha 0.3 etc. for floats)."""
    floating = dtype_name != "int64"
    if floating:
        expr = expr.replace("alpha=3", "alpha=0.3").replace("alpha=-2", "alpha=-0.1").replace("value=3", "value=0.7")
    rng = np.random.default_rng(5)
    arrays = [(rng.standard_normal(4000) * (1 if floating else 100)).astype(dtype_name) for _ in range(3)]
    arrays[2][arrays[2] == 0] = 1

    def run(T):
        x, y, z = (T.tensor(a) for a in arrays)
        return eval(expr, {"T": T, "x": x, "y": y, "z": z})

    ours, theirs = run(gt), run(real_torch)
    assert str(ours.dtype) == str(theirs.dtype)
    assert np.array_equal(ours.numpy(), theirs.numpy())
