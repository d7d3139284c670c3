"""Every op of the catalogue against real PyTorch (values, dtypes, first and second order gradients)
and against float64 central finite differences (gradcheck / gradgradcheck, no torch needed).

Each case is one row: an id, a function `fn(T, *inputs)` written once against the torch API (T is either
real torch or gradtrace.engine), and input specs. Specs: "f:2,3" a random normal float input that
requires grad, "p:2,3" a positive one (log, sqrt, pow bases), "u:2,3" uniform in (-0.9, 0.9) (probabilities
around 0.5 shifted, atanh-like domains), "c:2,3" a float constant without grad, or a numpy array used as is
(indices, masks, targets; never requires grad).
"""
from functools import partial

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import (GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES, assert_close, float_op, gradients,
                        make_arrays, outputs as _outputs, tensors as _tensors)


def _setitem(z, key, value):
    z[key] = value
    return z


def _through_view(x, make_view, method, *args):
    """Write in place through a view of a non-leaf copy of x; return the copy (CopySlices on the base)."""
    z = x * 1.0
    getattr(make_view(z), method)(*args)
    return z


def _inplace_setitem(T, x, y, key):
    z = x * 1.0  # a non-leaf copy: leaves may not be written in place
    return _setitem(z, key, y)


IDX = np.array([2, 0, 2])
IDX2 = np.array([[0, 1], [1, 0]])
MASK = np.array([[True, False, True], [False, True, True]])
TARGET_CLS = np.array([2, 0, 1, 2])
TARGET_PROB = np.array([[0.2, 0.9, 0.5], [1.0, 0.0, 0.3]])

# (id, fn, input specs, options). options: "grad": False for non-differentiable outputs; "grad2": False
# where the second derivative is not defined (kinks) or is skipped.
CASES = [
    # arithmetic with broadcasting and reflected operands
    ("add", lambda T, x, y: x + y, ["f:2,3", "f:3"], {}),
    ("add_scalar", lambda T, x: x + 2.5, ["f:2,3"], {}),
    ("radd", lambda T, x: 2.5 + x, ["f:2,3"], {}),
    ("add_alpha", lambda T, x, y: T.add(x, y, alpha=2), ["f:2,3", "f:2,1"], {}),
    ("sub", lambda T, x, y: x - y, ["f:2,1,3", "f:4,1"], {}),
    ("rsub", lambda T, x: 1 - x, ["f:3"], {}),
    ("sub_scalar", lambda T, x: x - 1, ["f:3"], {}),
    ("mul", lambda T, x, y: x * y, ["f:2,3", "f:3"], {}),
    ("mul_const", lambda T, x, c: c * x, ["f:2,3", "c:2,3"], {}),
    ("rmul", lambda T, x: 3 * x, ["f:2,3"], {}),
    ("div", lambda T, x, y: x / y, ["f:2,3", "p:3"], {}),
    ("rdiv", lambda T, x: 2 / x, ["p:2,3"], {}),
    ("div_scalar", lambda T, x: x / 4, ["f:2,3"], {}),
    ("pow_scalar", lambda T, x: x ** 3, ["f:2,3"], {}),
    ("pow_half", lambda T, x: x ** 0.5, ["p:2,3"], {}),
    ("pow_tensor", lambda T, x, y: x ** y, ["p:2,3", "f:3"], {}),
    ("rpow", lambda T, x: 2 ** x, ["f:2,3"], {}),
    ("pow_fn", lambda T, x: T.pow(x, 2), ["f:4"], {}),
    ("pow_fn_scalar_base", lambda T, x: T.pow(2.0, x), ["f:4"], {}),
    ("floordiv", lambda T, x: x // 0.7, ["f:2,3"], {"grad": False}),
    ("floordiv_tensor", lambda T, x, y: x // y, ["f:2,3", "p:3"], {"grad": False}),
    ("remainder", lambda T, x: x % 0.7, ["f:2,3"], {}),
    ("rremainder", lambda T, x: 5 % x, ["p:2,3"], {"grad": False}),  # torch has no derivative for it
    ("remainder_tensor", lambda T, x, y: x % y, ["f:2,3", "p:3"], {}),
    ("matmul_op", lambda T, x, y: x @ y, ["f:2,3", "f:3,4"], {}),
    ("neg_op", lambda T, x: -x, ["f:2,3"], {}),
    # comparisons
    ("lt", lambda T, x, y: x < y, ["f:2,3", "f:3"], {"grad": False}),
    ("le_scalar", lambda T, x: x <= 0.1, ["f:2,3"], {"grad": False}),
    ("gt", lambda T, x, y: x > y, ["f:2,3", "f:2,3"], {"grad": False}),
    ("ge_rscalar", lambda T, x: 0.1 >= x, ["f:2,3"], {"grad": False}),
    ("eq", lambda T, x: x == x, ["f:2,3"], {"grad": False}),
    ("ne", lambda T, x, y: x != y, ["f:3", "f:3"], {"grad": False}),
    # in-place forms (on non-leaf copies)
    ("iadd", lambda T, x, y: (lambda z: z.__iadd__(y))(x * 1), ["f:2,3", "f:3"], {}),
    ("isub", lambda T, x, y: (lambda z: z.__isub__(y))(x * 1), ["f:2,3", "f:3"], {}),
    ("imul", lambda T, x, y: (lambda z: z.__imul__(y))(x * 1), ["f:2,3", "f:3"], {}),
    ("idiv", lambda T, x, y: (lambda z: z.__itruediv__(y))(x * 1), ["f:2,3", "p:3"], {}),
    ("add_", lambda T, x, y: (x * 1).add_(y, alpha=0.5), ["f:2,3", "f:2,3"], {}),
    ("mul_", lambda T, x: (x * 1).mul_(3), ["f:2,3"], {}),
    ("sub_", lambda T, x, y: (x * 1).sub_(y), ["f:2,3", "f:3"], {}),
    ("div_", lambda T, x: (x + 0).div_(2), ["f:2,3"], {}),
    ("zero_", lambda T, x: (x * 1).zero_() + x, ["f:2,3"], {}),
    ("fill_", lambda T, x: (x * 1).fill_(2.0) * x, ["f:2,3"], {}),
    ("clamp_", lambda T, x: (x * 1).clamp_(-0.5, 0.5), ["f:2,3"], {"grad2": False}),
    ("copy_", lambda T, x, y: (x * 1).copy_(y), ["f:2,3", "f:3"], {}),
    ("sin_", lambda T, x: (x * 1).sin_(), ["f:2,3"], {}),
    ("exp_", lambda T, x: (x * 1).exp_(), ["f:2,3"], {}),
    ("relu_", lambda T, x: (x * 1).relu_(), ["f:2,3"], {"grad2": False}),
    # elementwise math
    ("exp", lambda T, x: T.exp(x), ["f:2,3"], {}),
    ("log", lambda T, x: x.log(), ["p:2,3"], {}),
    ("log1p", lambda T, x: T.log1p(x), ["p:2,3"], {}),
    ("sqrt", lambda T, x: x.sqrt(), ["p:2,3"], {}),
    ("rsqrt", lambda T, x: T.rsqrt(x), ["p:2,3"], {}),
    ("abs", lambda T, x: x.abs(), ["f:2,3"], {}),
    ("sign", lambda T, x: T.sign(x), ["f:2,3"], {}),
    ("sin", lambda T, x: T.sin(x), ["f:2,3"], {}),
    ("cos", lambda T, x: x.cos(), ["f:2,3"], {}),
    ("tan", lambda T, x: T.tan(x), ["u:2,3"], {}),
    ("tanh", lambda T, x: x.tanh(), ["f:2,3"], {}),
    ("sigmoid", lambda T, x: T.sigmoid(x), ["f:2,3"], {}),
    ("relu", lambda T, x: T.relu(x), ["f:2,3"], {"grad2": False}),
    ("clamp", lambda T, x: x.clamp(-0.5, 0.5), ["f:2,3"], {"grad2": False}),
    ("clamp_min", lambda T, x: T.clamp(x, min=0), ["f:2,3"], {"grad2": False}),
    ("clamp_max", lambda T, x: x.clamp(max=0.2), ["f:2,3"], {"grad2": False}),
    ("clip", lambda T, x: T.clip(x, -0.3, 0.3), ["f:2,3"], {"grad2": False}),
    ("clamp_tensor", lambda T, x, lo: x.clamp(lo), ["f:2,3", "c:3"], {"grad2": False}),
    ("maximum", lambda T, x, y: T.maximum(x, y), ["f:2,3", "f:3"], {}),
    ("minimum", lambda T, x, y: T.minimum(x, y), ["f:2,3", "f:2,3"], {}),
    ("max_binary", lambda T, x, y: T.max(x, y), ["f:2,3", "f:2,3"], {}),
    ("min_binary", lambda T, x, y: T.min(x, y), ["f:3", "f:3"], {}),
    ("where", lambda T, x, y: T.where(x > 0, x, y), ["f:2,3", "f:3"], {}),
    ("where_scalar", lambda T, x: T.where(x > 0, x, 0.0), ["f:2,3"], {}),
    ("square", lambda T, x: T.square(x), ["f:2,3"], {}),
    ("reciprocal", lambda T, x: x.reciprocal(), ["p:2,3"], {}),
    ("neg", lambda T, x: T.neg(x), ["f:2,3"], {}),
    ("exp2", lambda T, x: T.exp2(x), ["f:2,3"], {}),
    ("floor", lambda T, x: T.floor(x * 3), ["f:2,3"], {}),
    ("ceil", lambda T, x: (x * 3).ceil(), ["f:2,3"], {}),
    ("round", lambda T, x: T.round(x * 3), ["f:2,3"], {}),
    # reductions
    ("sum", lambda T, x: x.sum(), ["f:2,3"], {}),
    ("sum_dim", lambda T, x: x.sum(1), ["f:2,3,4"], {}),
    ("sum_dims_keep", lambda T, x: T.sum(x, dim=(0, 2), keepdim=True), ["f:2,3,4"], {}),
    ("mean", lambda T, x: x.mean(), ["f:2,3"], {}),
    ("mean_dim", lambda T, x: x.mean(-1, keepdim=True), ["f:2,3"], {}),
    ("prod", lambda T, x: x.prod(), ["f:2,3"], {}),
    ("prod_dim", lambda T, x: T.prod(x, 1), ["f:2,3"], {}),
    ("max_all", lambda T, x: x.max(), ["f:2,3"], {}),
    ("min_all", lambda T, x: T.min(x), ["f:2,3"], {}),
    ("max_dim", lambda T, x: x.max(dim=1), ["f:2,3"], {}),
    ("min_dim_keep", lambda T, x: T.min(x, 0, keepdim=True), ["f:2,3"], {}),
    ("argmax", lambda T, x: x.argmax(), ["f:2,3"], {"grad": False}),
    ("argmax_dim", lambda T, x: T.argmax(x, dim=1, keepdim=True), ["f:2,3"], {"grad": False}),
    ("argmin_dim", lambda T, x: x.argmin(0), ["f:2,3"], {"grad": False}),
    ("std", lambda T, x: x.std(), ["f:2,3"], {}),
    ("std_dim", lambda T, x: T.std(x, 1, keepdim=True), ["f:2,3"], {}),
    ("var", lambda T, x: x.var(), ["f:2,3"], {}),
    ("var_dim_unbiased_false", lambda T, x: x.var(0, unbiased=False), ["f:2,3"], {}),
    ("norm", lambda T, x: x.norm(), ["f:2,3"], {}),
    ("norm_p1_dim", lambda T, x: T.norm(x, p=1, dim=1), ["f:2,3"], {"grad2": False}),
    ("norm_dim", lambda T, x: x.norm(dim=0, keepdim=True), ["f:2,3"], {}),
    ("logsumexp", lambda T, x: T.logsumexp(x, 1), ["f:2,3"], {}),
    ("logsumexp_keep", lambda T, x: x.logsumexp(dim=0, keepdim=True), ["f:2,3"], {}),
    ("all", lambda T, x: (x > -10).all(), ["f:2,3"], {"grad": False}),
    ("all_dim", lambda T, x: T.all(x > 0, dim=1), ["f:2,3"], {"grad": False}),
    ("any", lambda T, x: (x > 0).any(), ["f:2,3"], {"grad": False}),
    ("any_dim_keep", lambda T, x: (x > 0).any(0, keepdim=True), ["f:2,3"], {"grad": False}),
    # linear algebra
    ("matmul_1d_1d", lambda T, x, y: T.matmul(x, y), ["f:3", "f:3"], {}),
    ("matmul_2d_1d", lambda T, x, y: x @ y, ["f:2,3", "f:3"], {}),
    ("matmul_1d_2d", lambda T, x, y: x @ y, ["f:3", "f:3,2"], {}),
    ("matmul_2d_2d", lambda T, x, y: T.matmul(x, y), ["f:2,3", "f:3,2"], {}),
    ("matmul_batched", lambda T, x, y: x @ y, ["f:2,2,3", "f:2,3,4"], {}),
    ("matmul_batched_2d", lambda T, x, y: x @ y, ["f:2,2,3", "f:3,4"], {}),
    ("matmul_batched_1d", lambda T, x, y: x @ y, ["f:2,2,3", "f:3"], {}),
    ("matmul_1d_batched", lambda T, x, y: x @ y, ["f:3", "f:2,3,2"], {}),
    ("matmul_broadcast", lambda T, x, y: x @ y, ["f:2,1,2,3", "f:3,3,2"], {}),
    ("mm", lambda T, x, y: x.mm(y), ["f:2,3", "f:3,4"], {}),
    ("mv", lambda T, x, y: T.mv(x, y), ["f:2,3", "f:3"], {}),
    ("dot", lambda T, x, y: x.dot(y), ["f:3", "f:3"], {}),
    ("bmm", lambda T, x, y: T.bmm(x, y), ["f:2,2,3", "f:2,3,4"], {}),
    ("outer", lambda T, x, y: T.outer(x, y), ["f:3", "f:2"], {}),
    ("addmm", lambda T, b, x, y: T.addmm(b, x, y), ["f:4", "f:2,3", "f:3,4"], {}),
    ("addmm_scaled", lambda T, b, x, y: T.addmm(b, x, y, beta=0.5, alpha=2), ["f:2,4", "f:2,3", "f:3,4"], {}),
    # shapes
    ("view", lambda T, x: x.view(3, 2) * 1, ["f:2,3"], {}),
    ("view_neg", lambda T, x: x.view(-1), ["f:2,3"], {}),
    ("reshape", lambda T, x: x.reshape(6, 1), ["f:2,3"], {}),
    ("reshape_noncontig", lambda T, x: x.t().reshape(6), ["f:2,3"], {}),
    ("flatten", lambda T, x: T.flatten(x, 1), ["f:2,3,2"], {}),
    ("squeeze", lambda T, x: x.squeeze(), ["f:2,1,3"], {}),
    ("squeeze_dim", lambda T, x: x.squeeze(1), ["f:2,1,3"], {}),
    ("unsqueeze", lambda T, x: x.unsqueeze(-1), ["f:2,3"], {}),
    ("expand", lambda T, x: x.expand(2, 3), ["f:3"], {}),
    ("expand_neg", lambda T, x: x.expand(4, -1, 3), ["f:2,1"], {}),
    ("permute", lambda T, x: x.permute(2, 0, 1), ["f:2,3,4"], {}),
    ("transpose", lambda T, x: T.transpose(x, 0, 2), ["f:2,3,4"], {}),
    ("t", lambda T, x: x.t(), ["f:2,3"], {}),
    ("T", lambda T, x: x.T, ["f:2,3"], {}),
    ("contiguous", lambda T, x: x.t().contiguous(), ["f:2,3"], {}),
    ("cat", lambda T, x, y: T.cat([x, y]), ["f:2,3", "f:1,3"], {}),
    ("cat_dim1", lambda T, x, y: T.cat((x, y), dim=1), ["f:2,3", "f:2,1"], {}),
    ("stack", lambda T, x, y: T.stack([x, y], 1), ["f:2,3", "f:2,3"], {}),
    ("split", lambda T, x: x.split(2), ["f:5,2"], {}),
    ("split_sizes", lambda T, x: T.split(x, [1, 2], dim=1), ["f:2,3"], {}),
    ("chunk", lambda T, x: x.chunk(2, 1), ["f:2,3"], {}),
    ("unbind", lambda T, x: x.unbind(1), ["f:2,3"], {}),
    # indexing
    ("select", lambda T, x: x[1], ["f:2,3"], {}),
    ("select_neg", lambda T, x: x[:, -1], ["f:2,3"], {}),
    ("slice", lambda T, x: x[1:, ::2], ["f:3,4"], {}),
    ("ellipsis_none", lambda T, x: x[..., None, 0], ["f:2,3"], {}),
    ("index_list", lambda T, x: x[[0, 2, 2]], ["f:3,2"], {}),
    ("index_tensor", lambda T, x, i: x[i], ["f:3,2", IDX], {}),
    ("index_tensor_2d", lambda T, x, i: x[:, i], ["f:3,2", IDX2], {}),
    ("index_mask", lambda T, x, m: x[m], ["f:2,3", MASK], {}),
    ("index_cond", lambda T, x: x[x > 0], ["f:2,3"], {}),
    ("index_pair", lambda T, x: x[[0, 1], [2, 0]], ["f:2,3"], {}),
    # index assignment
    ("setitem_scalar", lambda T, x: _setitem(x * 1, (0, 1), 5.0), ["f:2,3"], {}),
    ("setitem_row", lambda T, x, y: _inplace_setitem(T, x, y, 1), ["f:2,3", "f:3"], {}),
    ("setitem_slice", lambda T, x, y: _inplace_setitem(T, x, y, (slice(None), slice(1, None))),
     ["f:2,3", "f:2,2"], {}),
    ("setitem_mask", lambda T, x: _setitem(x * 1, x > 0, 0.0), ["f:2,3"], {}),
    ("setitem_into_const", lambda T, c, y: _setitem(c * 1, 1, y), ["c:2,3", "f:3"], {}),
    ("view_row_mul_", lambda T, x: _through_view(x, lambda z: z[0], "mul_", 2.0), ["f:2,3"], {}),
    ("view_t_add_", lambda T, x, y: _through_view(x, lambda z: z.t(), "add_", y), ["f:2,3", "f:2"], {}),
    ("view_slice_mul_tensor", lambda T, x, y: _through_view(x, lambda z: z[:, 1:], "mul_", y), ["f:2,3", "f:2"],
     {}),
    ("view_copy_", lambda T, x, y: _through_view(x, lambda z: z[1], "copy_", y), ["f:2,3", "f:3"], {}),
    ("copy_from_const", lambda T, x, c: (x * 1).copy_(c) * x, ["f:2,3", "c:3"], {}),
    ("view_then_square", lambda T, x: _through_view(x, lambda z: z[0], "mul_", 2.0) ** 2, ["f:2,3"], {}),
    ("setitem_then_square", lambda T, x, y: _inplace_setitem(T, x, y, 1) ** 2, ["f:2,3", "f:3"], {}),
    ("view_zero_", lambda T, x: _through_view(x, lambda z: z[:, 1], "zero_") * x, ["f:2,3"], {}),
    ("view_of_view_mul_", lambda T, x: _through_view(x, lambda z: z[1][1:], "mul_", 3.0) ** 2, ["f:2,3"], {}),
    ("view_setitem", lambda T, x, y: _through_view(x, lambda z: z[0], "__setitem__", 1, y) ** 2, ["f:2,3", "f:1"],
     {}),
    ("view_exp_", lambda T, x: _through_view(x, lambda z: z.view(6)[2:4], "exp_"), ["f:2,3"], {}),
    ("setitem_tensor_index", lambda T, x, y, i: _setitem(x * 1, i, y), ["f:4", "f:2", np.array([0, 2])], {}),
    ("expand_add", lambda T, x, y: x.expand(2, 3) * y, ["f:3", "f:2,3"], {}),
    ("masked_fill", lambda T, x: x.masked_fill(x > 0, 0.5), ["f:2,3"], {}),
    ("sum_transposed", lambda T, x: x.t().sum(0), ["f:2,3"], {}),
    ("chained_views", lambda T, x: x.t().reshape(3, 2)[1:].unsqueeze(0).expand(2, 2, 2), ["f:2,3"], {}),
    # nn.functional
    ("F_relu", lambda T, x: T.nn.functional.relu(x), ["f:2,3"], {"grad2": False}),
    ("F_sigmoid", lambda T, x: T.nn.functional.sigmoid(x), ["f:2,3"], {}),
    ("F_tanh", lambda T, x: T.nn.functional.tanh(x), ["f:2,3"], {}),
    ("F_softmax", lambda T, x: T.nn.functional.softmax(x, dim=1), ["f:2,3"], {}),
    ("F_softmax_dim0", lambda T, x: T.softmax(x, 0), ["f:2,3"], {}),
    ("F_log_softmax", lambda T, x: T.nn.functional.log_softmax(x, dim=-1), ["f:2,3"], {}),
    ("F_mse_loss", lambda T, x, y: T.nn.functional.mse_loss(x, y), ["f:2,3", "f:2,3"], {}),
    ("F_mse_loss_sum", lambda T, x, y: T.nn.functional.mse_loss(x, y, reduction="sum"), ["f:2,3", "c:2,3"], {}),
    ("F_mse_loss_none", lambda T, x, y: T.nn.functional.mse_loss(x, y, reduction="none"), ["f:2,3", "f:2,3"], {}),
    ("F_cross_entropy", lambda T, x, t: T.nn.functional.cross_entropy(x, t), ["f:4,3", TARGET_CLS], {}),
    ("F_cross_entropy_sum", lambda T, x, t: T.nn.functional.cross_entropy(x, t, reduction="sum"),
     ["f:4,3", TARGET_CLS], {}),
    ("F_nll_loss", lambda T, x, t: T.nn.functional.nll_loss(x, t), ["f:4,3", TARGET_CLS], {}),
    ("F_nll_loss_none", lambda T, x, t: T.nn.functional.nll_loss(x, t, reduction="none"),
     ["f:4,3", TARGET_CLS], {}),
    ("F_bce", lambda T, x, t: T.nn.functional.binary_cross_entropy(T.sigmoid(x), t.to(x.dtype)),
     ["f:2,3", TARGET_PROB], {}),
    ("F_bce_prob", lambda T, p, t: T.nn.functional.binary_cross_entropy(p * 0.5 + 0.5, t.to(p.dtype)),
     ["u:2,3", TARGET_PROB], {}),
    ("F_linear", lambda T, x, w, b: T.nn.functional.linear(x, w, b), ["f:4,3", "f:2,3", "f:2"], {}),
    ("F_linear_nobias_1d", lambda T, x, w: T.nn.functional.linear(x, w), ["f:3", "f:2,3"], {}),
    ("F_dropout_p0", lambda T, x: T.nn.functional.dropout(x, p=0.0), ["f:2,3"], {}),
    ("F_dropout_eval", lambda T, x: T.nn.functional.dropout(x, p=0.5, training=False), ["f:2,3"], {}),
]

IDS = [c[0] for c in CASES]
DIFFERENTIABLE = [c for c in CASES if c[3].get("grad", True)]
TWICE_DIFFERENTIABLE = [c for c in DIFFERENTIABLE if c[3].get("grad2", True)]


# what this file's spec kinds mean (see op_harness.make_arrays): "p" positive, "u" uniform in (-0.9, 0.9)
KINDS = {"p": lambda rng, shape: rng.uniform(0.5, 2.0, shape), "u": lambda rng, shape: rng.uniform(-0.9, 0.9, shape)}
TOLERANCES = {"float32": (1e-6, 1e-6), "float64": (1e-10, 1e-12)}

_arrays = partial(make_arrays, kinds=KINDS)
_assert_close = partial(assert_close, tolerances=TOLERANCES)
# a missing gradient (None, torch's ZeroTensor) reads as zeros of the input's dtype
_gradients = partial(gradients, missing_in_input_dtype=True)


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = _outputs(case[1](gt, *_tensors(gt, arrays, flags)))
    theirs = _outputs(case[1](real_torch, *_tensors(real_torch, arrays, flags)))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert str(o.dtype) == str(t.dtype)
        assert tuple(o.shape) == tuple(t.shape)
        assert o.requires_grad == t.requires_grad
        _assert_close(o.detach().numpy(), t.detach().numpy(), dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_first_order_gradients_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = _gradients(gt, case, arrays, flags, 1)
    theirs = _gradients(real_torch, case, arrays, flags, 1)
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype
        _assert_close(o, t, dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("case", TWICE_DIFFERENTIABLE, ids=[c[0] for c in TWICE_DIFFERENTIABLE])
def test_second_order_gradients_match_torch(real_torch, case):
    arrays, flags = _arrays(case, np.float64)
    ours = _gradients(gt, case, arrays, flags, 2)
    theirs = _gradients(real_torch, case, arrays, flags, 2)
    for o, t in zip(ours, theirs):
        _assert_close(o, t, "float64", case[0])


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradients_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradcheck(float_op(case[1], gt), tuple(_tensors(gt, arrays, flags)), **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", TWICE_DIFFERENTIABLE, ids=[c[0] for c in TWICE_DIFFERENTIABLE])
def test_second_derivatives_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradgradcheck(float_op(case[1], gt), tuple(_tensors(gt, arrays, flags)),
                         **GRADGRADCHECK_TOLERANCES)


@pytest.mark.torch
@pytest.mark.parametrize(
    "expr",
    [
        "T.tensor([1., -2., 3.]).sin_()",
        "T.tensor([1., 2.]).exp_()",
        "T.tensor([4., 9.]).sqrt_()",
        "T.tensor([-1., 2.]).abs_()",
        "T.tensor([-1., 2.]).neg_()",
        "T.tensor([1.5, 2.5]).floor_()",
        "T.tensor([1.5, -2.5]).round_()",
        "T.tensor([0.5, 2.]).log_()",
        "T.tensor([0.5, 2.]).reciprocal_()",
        "T.tensor([3., -4.]).clamp_(min=0)",
        "T.tensor([1, 2]).add_(3)",
        "T.tensor([[1., 2.], [3., 4.]]).t_()",
        "T.tensor([1., 2.]).pow_(2)",
    ],
)
def test_inplace_methods_match_torch(real_torch, expr):
    ours = eval(expr, {"T": gt})
    theirs = eval(expr, {"T": real_torch})
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["sin_", "exp_", "relu_", "sqrt_", "zero_", "fill_"])
def test_torch_level_inplace_functions(real_torch, name):
    ours, theirs = gt.tensor([0.5, 2.0]), real_torch.tensor([0.5, 2.0])
    args = (1.5,) if name == "fill_" else ()
    fn_ours = getattr(gt, name, None) or getattr(gt.Tensor, name)
    fn_theirs = getattr(real_torch, name, None) or getattr(real_torch.Tensor, name)
    assert fn_ours(ours, *args) is ours
    fn_theirs(theirs, *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_division_gradients_are_bitwise_torchs(real_torch, dtype_name):
    """Both gradients of a / b follow torch's formulas op for op, so they agree to the last bit."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal(1000).astype(dtype_name)
    b = (rng.standard_normal(1000) + 3).astype(dtype_name)

    seed = rng.standard_normal(1000).astype(dtype_name)

    def grads(lib):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        (x / y).backward(lib.tensor(seed))
        return x.grad.detach().numpy(), y.grad.detach().numpy()

    for ours, theirs in zip(grads(gt), grads(real_torch)):
        assert np.array_equal(ours, theirs)
