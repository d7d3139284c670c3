"""Activations and pointwise losses of nn.functional against real PyTorch: node names, values, first, second
and third derivatives, the backward ops the profiler shows, and the modules' printed form.

Each case is one row: an id, `fn(T, x, t)` written once against the torch API (T is real torch or
gradtrace.engine; t is a target the losses use), the first-order node name and the node name of the
first-order gradient (built with create_graph=True) as torch gives them.
"""
import sys
import warnings

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES

# Inputs kept away from every kink the cases use (0, ±0.5, ±1, ±3, 0.1, ±0.4 between x and t).
X = np.array([[-3.7, -2.1, -0.8, -0.3], [0.35, 0.9, 1.6, 2.6], [3.4, -1.3, 0.22, -0.65]])
T_ = np.array([[-2.0, -2.9, 0.45, -0.25], [1.2, 0.1, 1.59, 0.7], [2.0, -1.0, -0.5, 0.4]])
P = np.array([[0.1, 0.7, 0.25, 0.9], [0.5, 0.33, 0.05, 0.6], [0.8, 0.15, 0.45, 0.02]])


def F(T):
    return T.nn.functional


CASES = [
    # id, fn, first-order node, its gradient's node
    ("leaky_relu", lambda T, x, t: F(T).leaky_relu(x), "LeakyReluBackward0", "LeakyReluBackwardBackward0"),
    ("leaky_relu_slope", lambda T, x, t: F(T).leaky_relu(x, negative_slope=0.2), "LeakyReluBackward0",
     "LeakyReluBackwardBackward0"),
    ("gelu", lambda T, x, t: F(T).gelu(x), "GeluBackward0", "GeluBackwardBackward0"),
    ("gelu_tanh", lambda T, x, t: F(T).gelu(x, approximate="tanh"), "GeluBackward0", "GeluBackwardBackward0"),
    ("softplus", lambda T, x, t: F(T).softplus(x), "SoftplusBackward0", "SoftplusBackwardBackward0"),
    ("softplus_beta", lambda T, x, t: F(T).softplus(x, beta=2.0, threshold=3.0), "SoftplusBackward0",
     "SoftplusBackwardBackward0"),
    ("elu", lambda T, x, t: F(T).elu(x), "EluBackward0", "EluBackwardBackward0"),
    ("elu_alpha", lambda T, x, t: F(T).elu(x, alpha=0.5), "EluBackward0", "EluBackwardBackward0"),
    ("selu", lambda T, x, t: F(T).selu(x), "EluBackward0", "EluBackwardBackward0"),
    ("celu", lambda T, x, t: F(T).celu(x, alpha=0.7), "CeluBackward0", "EluBackwardBackward0"),
    ("hardtanh", lambda T, x, t: F(T).hardtanh(x), "HardtanhBackward0", "HardtanhBackwardBackward0"),
    ("hardtanh_vals", lambda T, x, t: F(T).hardtanh(x, min_val=-2.0, max_val=0.5), "HardtanhBackward0",
     "HardtanhBackwardBackward0"),
    ("relu6", lambda T, x, t: F(T).relu6(x * 3), "HardtanhBackward0", "MulBackward0"),
    ("threshold", lambda T, x, t: F(T).threshold(x, 0.1, 20.0), "ThresholdBackward0", "ThresholdBackwardBackward0"),
    ("hardswish", lambda T, x, t: F(T).hardswish(x), "HardswishBackward0", "HardswishBackwardBackward0"),
    ("logsigmoid", lambda T, x, t: F(T).logsigmoid(x), "LogSigmoidBackward0", "LogSigmoidBackwardBackward0"),
    ("silu", lambda T, x, t: F(T).silu(x), "SiluBackward0", "MulBackward0"),
    ("mish", lambda T, x, t: F(T).mish(x), "MishBackward0", "MulBackward0"),
    ("softsign", lambda T, x, t: F(T).softsign(x), "DivBackward0", "AddBackward0"),
    ("tanhshrink", lambda T, x, t: F(T).tanhshrink(x), "SubBackward0", "AddBackward0"),
    ("softmin", lambda T, x, t: F(T).softmin(x, dim=1), "SoftmaxBackward0", "NegBackward0"),
    ("softmin_dim0", lambda T, x, t: F(T).softmin(x, 0) * x, "MulBackward0", "AddBackward0"),
    ("mse_mean", lambda T, x, t: F(T).mse_loss(x, t), "MseLossBackward0", "MseLossBackwardBackward0"),
    ("mse_sum", lambda T, x, t: F(T).mse_loss(x, t, reduction="sum"), "MseLossBackward0", "MseLossBackwardBackward0"),
    ("mse_none", lambda T, x, t: F(T).mse_loss(x, t, reduction="none"), "MseLossBackward0",
     "MseLossBackwardBackward0"),
    ("smooth_l1_mean", lambda T, x, t: F(T).smooth_l1_loss(x, t), "SmoothL1LossBackward0",
     "SmoothL1LossBackwardBackward0"),
    ("smooth_l1_sum_beta", lambda T, x, t: F(T).smooth_l1_loss(x, t, reduction="sum", beta=0.5),
     "SmoothL1LossBackward0", "SmoothL1LossBackwardBackward0"),
    ("smooth_l1_none", lambda T, x, t: F(T).smooth_l1_loss(x, t, reduction="none", beta=2.0),
     "SmoothL1LossBackward0", "SmoothL1LossBackwardBackward0"),
    ("huber_mean", lambda T, x, t: F(T).huber_loss(x, t), "HuberLossBackward0", "HuberLossBackwardBackward0"),
    ("huber_sum_delta", lambda T, x, t: F(T).huber_loss(x, t, reduction="sum", delta=0.5), "HuberLossBackward0",
     "HuberLossBackwardBackward0"),
    ("huber_none", lambda T, x, t: F(T).huber_loss(x, t, reduction="none", delta=2.0), "HuberLossBackward0",
     "HuberLossBackwardBackward0"),
    ("bce_logits_mean", lambda T, x, t: F(T).binary_cross_entropy_with_logits(x, t.sigmoid()),
     "BinaryCrossEntropyWithLogitsBackward0", "DivBackward1"),
    ("bce_logits_sum", lambda T, x, t: F(T).binary_cross_entropy_with_logits(x, t.sigmoid(), reduction="sum"),
     "BinaryCrossEntropyWithLogitsBackward0", "MulBackward0"),
    ("bce_logits_weights", lambda T, x, t: F(T).binary_cross_entropy_with_logits(
        x, t.sigmoid(), weight=T.linspace(0.5, 2.0, 4, dtype=x.dtype), pos_weight=T.linspace(1.5, 0.5, 4, dtype=x.dtype),
        reduction="none"), "BinaryCrossEntropyWithLogitsBackward0", None),
    ("kl_div_batchmean", lambda T, x, t: F(T).kl_div(x, t.softmax(1), reduction="batchmean"), "DivBackward0",
     "MulBackward0"),
    ("kl_div_sum", lambda T, x, t: F(T).kl_div(x, t.softmax(1), reduction="sum"), "SumBackward0", "MulBackward0"),
    ("kl_div_none", lambda T, x, t: F(T).kl_div(x, t.softmax(1), reduction="none"), "SubBackward0", "MulBackward0"),
    ("kl_div_log_target", lambda T, x, t: F(T).kl_div(x, t.log_softmax(1), reduction="sum", log_target=True),
     "SumBackward0", "NegBackward0"),
]
IDS = [c[0] for c in CASES]
SCALAR_DIVISION = {"bce_logits_mean"}
# losses whose target is differentiated as well
WITH_TARGET_GRAD = [c for c in CASES if c[0].startswith(("mse", "smooth_l1", "huber", "bce", "kl_div"))]


def _inputs(T, dtype_name, target_grad=False):
    dt = getattr(T, dtype_name)
    x = T.tensor(X, dtype=dt, requires_grad=True)
    t = T.tensor(T_, dtype=dt, requires_grad=target_grad)
    return x, t


def _weights(T, like):
    # an uneven upstream gradient, so reductions and masks show
    return T.tensor(np.linspace(-1.0, 2.0, like.numel()).reshape(like.shape), dtype=like.dtype)


def _run(T, case, dtype_name, target_grad=False):
    _, fn, _, _ = case
    x, t = _inputs(T, dtype_name, target_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(T, x, t)
    return x, t, y


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_node_names_and_gradients_match_torch(real_torch, case, dtype_name):
    results = []
    for T in (gt, real_torch):
        x, t, y = _run(T, case, dtype_name, target_grad=case in WITH_TARGET_GRAD)
        inputs = (x, t) if t.requires_grad else (x,)
        grads = T.autograd.grad((y * _weights(T, y)).sum(), inputs)
        results.append((y, grads))
    (ours, our_grads), (theirs, their_grads) = results
    assert ours.grad_fn.name() == theirs.grad_fn.name() == case[2]
    assert ours.dtype.__repr__() == repr(theirs.dtype)
    tol = {"rtol": 2e-6, "atol": 2e-6} if dtype_name == "float32" else {"rtol": 1e-13, "atol": 1e-14}
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tol)
    for g, h in zip(our_grads, their_grads):
        np.testing.assert_allclose(g.numpy(), h.numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_and_third_derivatives_match_torch(real_torch, case):
    results = []
    for T in (gt, real_torch):
        x, t, y = _run(T, case, "float64", target_grad=case in WITH_TARGET_GRAD)
        inputs = (x, t) if t.requires_grad else (x,)
        first = T.autograd.grad((y * _weights(T, y)).sum(), inputs, create_graph=True)
        names = [g.grad_fn.name() if g.grad_fn is not None else None for g in first]
        second = T.autograd.grad(sum((g * g).sum() for g in first), inputs, create_graph=True, allow_unused=True)
        live = [g for g in second if g is not None and g.requires_grad]
        third = T.autograd.grad(sum((g * g).sum() for g in live), inputs, allow_unused=True) if live else ()
        results.append((names, second, third))
    (names, second, third), (t_names, t_second, t_third) = results
    if case[0] in SCALAR_DIVISION:
        # torch divides by the element count with div(Scalar) (DivBackward1); the engine has no such op yet
        names = [n.replace("DivBackward0", "DivBackward1") for n in names]
    assert names == t_names
    if case[3] is not None:
        assert names[0] == case[3]
    for ours, theirs in zip(second + third, t_second + t_third):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_leaky_relu_gradient_with_a_graph_can_be_differentiated_again():
    # the reported bug: the gradient had no grad_fn, so backward through it raised
    x = gt.tensor([-2.0, 3.0], requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.leaky_relu(x).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "LeakyReluBackwardBackward0"
    assert g.grad_fn._saved_negative_slope == 0.01
    g.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences(case):
    _, fn, _, _ = case
    with_target = case in WITH_TARGET_GRAD
    x, t = _inputs(gt, "float64", target_grad=with_target)

    def f(*inputs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(gt, inputs[0], inputs[1] if with_target else t)

    inputs = (x, t) if with_target else (x,)
    assert gradcheck(f, inputs, **GRADCHECK_TOLERANCES)
    assert gradgradcheck(f, inputs, **GRADGRADCHECK_TOLERANCES)


@pytest.mark.torch
@pytest.mark.parametrize("expr, rows", [
    ("F.leaky_relu(a)", ["aten::leaky_relu_backward"]),
    ("F.gelu(a)", ["aten::gelu_backward"]),
    ("F.softplus(a)", ["aten::softplus_backward"]),
    ("F.elu(a)", ["aten::elu_backward"]),
    ("F.hardtanh(a)", ["aten::hardtanh_backward"]),
    ("F.threshold(a, 0.5, 1.0)", ["aten::threshold_backward"]),
    ("F.hardswish(a)", ["aten::hardswish_backward"]),
    ("F.hardsigmoid(a)", ["aten::hardsigmoid_backward"]),
    ("F.logsigmoid(a)", ["aten::log_sigmoid_backward"]),
    ("F.silu(a)", ["aten::silu_backward"]),
    ("F.mish(a)", ["aten::mish_backward"]),
    ("F.mse_loss(a, b)", ["aten::mse_loss_backward"]),
    ("F.smooth_l1_loss(a, b)", ["aten::smooth_l1_loss_backward"]),
    ("F.huber_loss(a, b)", ["aten::huber_loss_backward"]),
])
def test_backward_runs_torchs_backward_op(real_torch, expr, rows):
    def backward_rows(T):
        a = T.tensor([2.0, -3.5, 0.25], requires_grad=True)
        b = T.tensor([1.0, -1.0, 0.0])
        y = eval(expr, {"F": T.nn.functional, "a": a, "b": b})
        with T.autograd.profiler.profile() as prof:
            y.sum().backward()
        names = [e.name for e in prof.function_events if e.name.endswith("_backward")]
        # torch's loss backward shows its out= variant as a child row of the same name
        return [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]

    assert backward_rows(gt) == backward_rows(real_torch) == rows


@pytest.mark.torch
@pytest.mark.parametrize("expr", ["F.elu(a)", "F.selu(a)", "F.celu(a, 0.7)", "F.relu6(a)", "F.hardtanh(a)",
                                  "F.leaky_relu(a, 0.2)", "F.threshold(a, 0.1, 2.0)", "F.softplus(a, 2, 10)",
                                  "F.gelu(a, approximate='tanh')", "F.mse_loss(a, b)", "F.mse_loss(a, b, reduction='sum')",
                                  "F.smooth_l1_loss(a, b, beta=0.5)", "F.huber_loss(a, b, delta=2.0)",
                                  "F.logsigmoid(a)"])
def test_nodes_keep_torchs_saved_values(real_torch, expr):
    def saved(T):
        a = T.tensor([2.0, -3.5, 0.25], requires_grad=True)
        b = T.tensor([1.0, -1.0, 0.0])
        node = eval(expr, {"F": T.nn.functional, "a": a, "b": b}).grad_fn
        out = {}
        for name in dir(node):
            if name.startswith("_saved_"):
                v = getattr(node, name)
                out[name] = v.tolist() if hasattr(v, "tolist") and not isinstance(v, (int, float)) else (type(v), v)
        return out

    ours, theirs = saved(gt), saved(real_torch)
    assert ours.keys() == theirs.keys()
    for k in theirs:
        if isinstance(theirs[k], list):
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-6)
        elif isinstance(theirs[k][1], float):
            assert ours[k][0] is float and ours[k][1] == pytest.approx(theirs[k][1], rel=1e-7), k
        else:  # ints, strings, None: exactly torch's
            assert ours[k] == theirs[k], k


def test_hardsigmoid_has_no_second_derivative_like_torch():
    x = gt.tensor([-1.0, 0.5, 4.0], dtype=gt.float64, requires_grad=True)
    (g,) = gt.autograd.grad(gt.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
    assert g.grad_fn.name() == "torch::autograd::NotImplemented"
    assert g.tolist() == [1 / 6, 1 / 6, 0.0]
    with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is not implemented"):
        g.sum().backward()


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", [
    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 0.7}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("relu6", {}), ("threshold", {"threshold": 0.1, "value": 2.0}),
    ("silu", {}), ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}),
])
def test_inplace_functionals_write_into_their_input(real_torch, name, kwargs):
    results = []
    for T in (gt, real_torch):
        x = T.tensor(X * 3, requires_grad=True)
        z = x * 1.0
        out = getattr(T.nn.functional, name)(z, inplace=True, **kwargs)
        assert out is z
        (g,) = T.autograd.grad((z * _weights(T, z)).sum(), x)
        results.append((z.detach().numpy(), g.numpy(), z._version))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
    assert results[0][2] == results[1][2] == 1


INPLACE_NODE_CASES = [("leaky_relu", {"negative_slope": 0.1}), ("leaky_relu", {"negative_slope": 0.0}),
                      ("elu", {}), ("selu", {}), ("celu", {"alpha": 2.0}), ("threshold", {"threshold": 0.5, "value": 0.7})]


def _inplace_node_facts(T, name, kwargs):
    """What a user sees of an in-place activation's node: its name, saved values, first and second
    derivatives, and the error once the overwritten tensor is changed again."""
    a = T.tensor([-1.0, 0.3, 2.0], dtype=T.float64, requires_grad=True)
    y = getattr(T.nn.functional, name)(a * 1, inplace=True, **kwargs)
    node = y.grad_fn
    facts = [node.name(), sorted(n for n in dir(node) if n.startswith("_saved")),
             [str(getattr(node, n)) for n in sorted(dir(node)) if n.startswith("_saved_") and n != "_saved_self"]]
    (g,) = T.autograd.grad(y.sum(), a, create_graph=True)
    g.sum().backward()
    facts += [g.tolist(), a.grad.tolist()]
    z = a * 1
    getattr(T.nn.functional, name)(z, inplace=True, **kwargs).mul_(2)
    try:
        z.sum().backward()
    except RuntimeError as exc:
        facts.append(str(exc))
    return facts


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", INPLACE_NODE_CASES)
def test_inplace_activation_nodes_are_torchs(real_torch, name, kwargs):
    """leaky_relu_, elu_, selu_ and celu_ keep their result in torch's *Backward1 nodes (a later change to
    it is an error naming "LeakyRelu1"); threshold_ keeps a copy of its input in ThresholdBackward1."""
    assert _inplace_node_facts(gt, name, kwargs) == _inplace_node_facts(real_torch, name, kwargs)


@pytest.mark.torch
@pytest.mark.parametrize("name, alpha", [("leaky_relu", -2.0), ("elu", -2.0), ("celu", -2.0)])
def test_inplace_activation_with_a_negative_slope_refuses_backward_like_torch(real_torch, name, alpha):
    messages = []
    for T in (gt, real_torch):
        a = T.tensor([-1.0, 0.3, 2.0], requires_grad=True)
        y = getattr(T.nn.functional, name)(a * 1, alpha, inplace=True)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("In-place ")


@pytest.mark.torch
def test_loss_warns_and_broadcasts_a_differently_sized_target(real_torch):
    outs = []
    for T in (gt, real_torch):
        x = T.tensor(X, requires_grad=True)
        t = T.tensor(T_[0])
        with pytest.warns(UserWarning, match="Using a target size"):
            loss = T.nn.functional.smooth_l1_loss(x, t, beta=0.5)
        loss.backward()
        outs.append((loss.item(), x.grad.numpy()))
    assert outs[0][0] == pytest.approx(outs[1][0], rel=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-6)


def test_bad_reduction_is_torchs_error():
    x = gt.tensor([1.0, 2.0], requires_grad=True)
    for fn in (gt.nn.functional.mse_loss, gt.nn.functional.huber_loss, gt.nn.functional.smooth_l1_loss):
        with pytest.raises(ValueError, match="^avg is not a valid value for reduction$"):
            fn(x, x.detach(), reduction="avg")


# -- modules --------------------------------------------------------------------------------------------------
MODULES = [
    "nn.SiLU()", "nn.SiLU(inplace=True)", "nn.ELU()", "nn.ELU(0.5, inplace=True)", "nn.SELU()", "nn.SELU(True)",
    "nn.CELU()", "nn.CELU(0.5)", "nn.Hardtanh()", "nn.Hardtanh(-2, 2)", "nn.Hardtanh(-1.0, 1.0, True)",
    "nn.ReLU6()", "nn.ReLU6(True)", "nn.Mish()", "nn.Hardswish()", "nn.Hardswish(True)", "nn.Hardsigmoid()",
    "nn.LogSigmoid()", "nn.Softsign()", "nn.Tanhshrink()", "nn.Threshold(0.1, 20)", "nn.Threshold(0.1, 20.0, True)",
    "nn.Softmin(dim=1)", "nn.Softmin()", "nn.SmoothL1Loss()", "nn.SmoothL1Loss(beta=0.5)", "nn.HuberLoss()",
    "nn.HuberLoss(delta=2.0)", "nn.KLDivLoss()", "nn.KLDivLoss(reduction='batchmean', log_target=True)",
    "nn.ReLU()", "nn.ReLU(inplace=True)", "nn.Tanh()", "nn.Sigmoid()", "nn.GELU()", "nn.GELU('tanh')",
    "nn.LeakyReLU()", "nn.LeakyReLU(0.2, True)", "nn.Softplus()", "nn.Softplus(2, 10)", "nn.Softmax(dim=1)",
    "nn.Softmax()", "nn.LogSoftmax(1)", "nn.Flatten()", "nn.Flatten(0, 2)", "nn.Identity()", "nn.Dropout()",
    "nn.MSELoss()", "nn.CrossEntropyLoss()", "nn.NLLLoss()", "nn.BCELoss()", "nn.BCEWithLogitsLoss()", "nn.L1Loss()",
]


@pytest.mark.torch
def test_modules_print_like_torch(real_torch):
    ours = eval("nn.Sequential(" + ", ".join(MODULES) + ")", {"nn": gt.nn})
    theirs = eval("nn.Sequential(" + ", ".join(MODULES) + ")", {"nn": real_torch.nn})
    assert repr(ours) == repr(theirs)


def test_module_reprs_are_torchs_text():
    nn = gt.nn
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.Threshold(0.1, 20, inplace=True)) == "Threshold(threshold=0.1, value=20, inplace=True)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softmin()) == "Softmin(dim=None)"


MODULE_CALLS = [
    ("nn.SiLU()", "F.silu(x)"), ("nn.ELU(0.5)", "F.elu(x, 0.5)"), ("nn.SELU()", "F.selu(x)"),
    ("nn.CELU(0.7)", "F.celu(x, 0.7)"), ("nn.Hardtanh(-2.0, 0.5)", "F.hardtanh(x, -2.0, 0.5)"),
    ("nn.ReLU6()", "F.relu6(x)"), ("nn.Mish()", "F.mish(x)"), ("nn.Hardswish()", "F.hardswish(x)"),
    ("nn.Hardsigmoid()", "F.hardsigmoid(x)"), ("nn.LogSigmoid()", "F.logsigmoid(x)"), ("nn.Softsign()", "F.softsign(x)"),
    ("nn.Tanhshrink()", "F.tanhshrink(x)"), ("nn.Threshold(0.1, 20.0)", "F.threshold(x, 0.1, 20.0)"),
    ("nn.Softmin(dim=1)", "F.softmin(x, 1)"), ("nn.LeakyReLU(0.2)", "F.leaky_relu(x, 0.2)"),
    ("nn.Softplus(2.0, 3.0)", "F.softplus(x, 2.0, 3.0)"), ("nn.GELU('tanh')", "F.gelu(x, approximate='tanh')"),
    ("nn.ReLU()", "F.relu(x)"), ("nn.Flatten(0, 1)", "x.flatten(0, 1)"),
]


@pytest.mark.parametrize("module, call", MODULE_CALLS)
def test_activation_modules_call_their_functional(module, call):
    x = gt.tensor(X)
    env = {"nn": gt.nn, "F": gt.nn.functional, "x": x}
    assert eval(module, env)(x).tolist() == eval(call, env).tolist()


@pytest.mark.torch
@pytest.mark.parametrize("module", ["nn.SmoothL1Loss()", "nn.SmoothL1Loss(beta=0.5)", "nn.SmoothL1Loss(reduction='sum')",
                                    "nn.HuberLoss(delta=0.5)", "nn.HuberLoss('none', 2.0)",
                                    "nn.KLDivLoss(reduction='batchmean')", "nn.KLDivLoss(reduction='sum', log_target=True)",
                                    "nn.MSELoss(reduction='none')"])
def test_loss_modules_match_torch(real_torch, module):
    outs = []
    for T in (gt, real_torch):
        x = T.tensor(X)
        t = T.tensor(T_)
        if "KLDiv" in module:
            x = x.log_softmax(1)
            t = t.log_softmax(1) if "log_target" in module else t.softmax(1)
        outs.append(eval(module, {"nn": T.nn})(x, t).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_softmax_dim_warns_at_the_callers_line_like_torch(real_torch, name):
    def warned(T):
        x = T.randn(2, 3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(T.nn.functional, name)(x)
            line = sys._getframe().f_lineno - 1
        return [(w.category, str(w.message), w.filename, w.lineno == line) for w in caught]

    ours = warned(gt)
    assert ours == warned(real_torch)
    assert ours[0][1] == (f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                          "dim=X as an argument.") and ours[0][3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(gt.nn.functional, name)(gt.randn(2, 3), dim=1)  # with a dim: silent
