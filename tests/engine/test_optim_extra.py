"""Adadelta, Adamax, NAdam and RAdam against real PyTorch: parameters after several steps bit for bit
(float32 and float64, every hyper-parameter branch), state_dict layout, resuming, reprs, errors.

Same approach as test_optim_more.py, whose helpers this file reuses: both libraries start from the same
parameters and receive the same scripted gradients; torch's single-tensor CPU path is the oracle, with
Tensor.sqrt made correctly rounded where the host's MKL sqrt is not (see that file's docstring).
"""
import copy

import numpy as np
import pytest

import gradtrace.engine as gt
from test_optim_more import NEWER_CASES, _run, oracle  # noqa: F401  (oracle is a fixture)

STEPS = 10  # RAdam's rectified branch (rho_t > 5) starts at step 7 with beta2=0.8
SHAPES = [(5, 7), (7,), ()]

CASES = NEWER_CASES
IDS = [c[0] for c in CASES]


def _start(dtype):
    rng = np.random.default_rng(11)
    params = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    grads[2][1] = None  # a step where one parameter got no gradient: it keeps its value and its state
    return params, grads


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_parameters_after_steps_match_torch_bitwise(oracle, case, dtype):
    _, name, kwargs = case
    params, grads = _start(np.dtype(dtype))
    ours, _ = _run(gt, name, kwargs, params, grads)
    theirs, _ = _run(oracle, name, kwargs, params, grads)
    for a, b in zip(ours, theirs):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def test_radam_cases_reach_the_rectified_branch():
    """rho_t > 5 within STEPS for the 'rectified' rows, so their bitwise test covers that branch."""
    for _, name, kwargs in CASES:
        if name == "RAdam" and "rectified" in _:
            beta2 = kwargs["betas"][1]
            rho_inf = 2 / (1 - beta2) - 1
            rho = [rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t) for t in range(1, STEPS + 1)]
            assert rho[0] <= 5.0 < rho[-1]


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_layout_matches_torch(oracle, case):
    _, name, kwargs = case
    params, grads = _start(np.dtype("float32"))
    _, ours = _run(gt, name, kwargs, params, grads)
    _, theirs = _run(oracle, name, kwargs, params, grads)
    a, b = ours.state_dict(), theirs.state_dict()
    assert a["param_groups"] == b["param_groups"]
    assert list(a["state"]) == list(b["state"])
    for i in b["state"]:
        assert list(a["state"][i]) == list(b["state"][i])
        for key, value in b["state"][i].items():
            mine = a["state"][i][key]
            assert str(mine.dtype) == str(value.dtype) and tuple(mine.shape) == tuple(value.shape), key
            assert mine.numpy().tobytes() == value.numpy().tobytes(), key


def _resume(T, name, kwargs, params, grads):
    """Save after 4 steps, load into a fresh optimiser over copies, take the remaining steps."""
    ps, opt = _run(T, name, kwargs, params, grads[:4])
    saved = copy.deepcopy(opt.state_dict())
    resumed = [T.nn.Parameter(p.detach().clone()) for p in ps]
    opt2 = getattr(T.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for step in grads[4:]:
        opt2.zero_grad()
        for p, g in zip(resumed, step):
            if g is not None:
                p.grad = T.tensor(g)
        opt2.step()
    return resumed, opt2


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_resuming_from_state_dict_matches_torch(oracle, case, dtype):
    """Loading casts floating state to the parameter's dtype, 'step' excepted, so a float64 NAdam resumes
    with a float64 mu_product (and drifts from never stopping) exactly as torch's does."""
    _, name, kwargs = case
    params, grads = _start(np.dtype(dtype))
    ours, our_opt = _resume(gt, name, kwargs, params, grads)
    theirs, their_opt = _resume(oracle, name, kwargs, params, grads)
    for a, b in zip(ours, theirs):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()
    for i, p in enumerate(theirs):
        for key, value in their_opt.state[p].items():
            assert str(our_opt.state[ours[i]][key].dtype) == str(value.dtype), key
    if name != "NAdam":
        straight, _ = _run(gt, name, kwargs, params, grads)
        for a, b in zip(straight, ours):
            assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


@pytest.mark.torch
def test_adadelta_with_step_lr_as_in_the_mnist_example(oracle):
    """pytorch/examples' MNIST: Adadelta(lr=1.0) with StepLR(step_size=1, gamma=0.7), one step() per epoch."""
    def train(T):
        rng = np.random.default_rng(3)
        w = T.nn.Parameter(T.tensor(rng.standard_normal((4, 3)).astype(np.float32)))
        opt = T.optim.Adadelta([w], lr=1.0)
        sched = T.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
        x = T.tensor(rng.standard_normal((8, 4)).astype(np.float32))
        for _ in range(3):
            for _ in range(4):
                opt.zero_grad()
                ((x @ w) ** 2).mean().backward()
                opt.step()
            sched.step()
        return w.detach().numpy(), opt.param_groups[0]["lr"]

    (ours, our_lr), (theirs, their_lr) = train(gt), train(oracle)
    assert our_lr == their_lr
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)  # matmul/mean reductions may sum differently


def test_state_is_created_lazily_and_keyed_by_parameter():
    w = gt.nn.Parameter(gt.ones(3))
    opt = gt.optim.NAdam([w])
    assert len(opt.state) == 0
    w.grad = gt.ones(3)
    opt.step()
    assert list(opt.state[w]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]
    assert opt.state[w]["step"].item() == 1.0 and str(opt.state[w]["mu_product"].dtype) == "torch.float32"


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda T, p: T.optim.Adadelta([p], rho=1.5),
    lambda T, p: T.optim.Adadelta([p], lr=-0.1),
    lambda T, p: T.optim.Adadelta([p], lr=T.tensor([1.0, 2.0])),
    lambda T, p: T.optim.Adamax([p], betas=(0.9, 1.0)),
    lambda T, p: T.optim.Adamax([p], eps=-1),
    lambda T, p: T.optim.NAdam([p], momentum_decay=-1),
    lambda T, p: T.optim.NAdam([p], weight_decay=-0.5),
    lambda T, p: T.optim.RAdam([p], betas=(-0.1, 0.9)),
    lambda T, p: T.optim.RAdam([p], eps=-1e-8),
], ids=["adadelta_rho", "adadelta_lr", "adadelta_tensor_lr", "adamax_beta", "adamax_eps", "nadam_momentum_decay",
        "nadam_wd", "radam_beta", "radam_eps"])
def test_errors_match_torch(real_torch, make):
    def message(T):
        p = T.nn.Parameter(T.ones(2))
        with pytest.raises(Exception) as info:
            make(T, p)
        return type(info.value).__name__, str(info.value)

    assert message(gt) == message(real_torch)
