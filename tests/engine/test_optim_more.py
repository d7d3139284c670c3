"""Adam, AdamW, RMSprop, Adagrad and SGD against real PyTorch: parameters after several steps bit for bit
(float32 and float64, every hyper-parameter branch), state_dict layout, load_state_dict, reprs, errors.

Each case is one row: an id, the optimiser's name and its keyword arguments. Both libraries start from the
same parameters and receive the same scripted gradients; torch's single-tensor CPU path is the oracle.

torch's CPU sqrt goes through MKL, which on some hosts (AMD among them) is 1 ulp off the correctly rounded
square root for about 1% of float64 and 15% of float32 inputs. gradtrace's sqrt is numpy's, correctly
rounded. To compare everything else op for op, the `oracle` fixture swaps torch's Tensor.sqrt for the
correctly rounded one where (and only where) the host's differs; all other arithmetic stays torch's own.
"""
import copy
import warnings

import numpy as np
import pytest

import gradtrace.engine as gt

STEPS = 6

CASES = [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd_momentum_wd", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd_nesterov_maximize", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("adam", "Adam", dict(lr=0.01)),
    ("adam_wd_amsgrad", "Adam", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("adam_maximize", "Adam", dict(lr=0.003, eps=1e-6, maximize=True)),
    ("adamw", "AdamW", dict(lr=0.01)),
    ("adamw_amsgrad_wd", "AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, betas=(0.7, 0.9))),
    ("adamw_maximize", "AdamW", dict(lr=0.01, maximize=True, weight_decay=0)),
    ("rmsprop", "RMSprop", dict(lr=0.01)),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, centered=True, alpha=0.9)),
    ("rmsprop_momentum_wd", "RMSprop", dict(lr=0.02, momentum=0.9, weight_decay=0.05)),
    ("rmsprop_all", "RMSprop", dict(lr=0.02, momentum=0.5, centered=True, weight_decay=0.05, maximize=True)),
    ("adagrad", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay_wd", "Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1)),
    ("adagrad_maximize", "Adagrad", dict(lr=0.05, eps=1e-6, maximize=True)),
]
IDS = [c[0] for c in CASES]
# Adadelta, Adamax, NAdam, RAdam: stepped in test_optim_extra.py (a longer trajectory, a missing gradient)
NEWER_CASES = [
    ("adadelta", "Adadelta", dict()),
    ("adadelta_wd", "Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
    ("adadelta_maximize", "Adadelta", dict(lr=2.0, weight_decay=0.01, maximize=True)),
    ("adamax", "Adamax", dict()),
    ("adamax_wd", "Adamax", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("adamax_maximize", "Adamax", dict(lr=0.01, eps=1e-3, maximize=True)),
    ("nadam", "NAdam", dict()),
    ("nadam_wd", "NAdam", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)),
    ("nadam_decoupled_maximize", "NAdam", dict(lr=0.02, weight_decay=0.2, decoupled_weight_decay=True,
                                               maximize=True)),
    ("radam", "RAdam", dict()),
    ("radam_rectified", "RAdam", dict(lr=0.05, betas=(0.8, 0.8))),
    ("radam_rectified_decoupled", "RAdam", dict(lr=0.03, betas=(0.9, 0.8), eps=1e-4, weight_decay=0.2,
                                                decoupled_weight_decay=True)),
    ("radam_wd_maximize", "RAdam", dict(lr=0.01, betas=(0.7, 0.85), weight_decay=0.1, maximize=True)),
]
SHAPES = [(5, 7), (7,), ()]  # a matrix, a bias, a 0-d scalar


@pytest.fixture
def oracle(real_torch, monkeypatch):
    """Real torch, with a correctly rounded Tensor.sqrt where the host's MKL sqrt is not."""
    probe = np.abs(np.random.default_rng(0).standard_normal(4096)) + 0.1
    exact = all(np.array_equal(real_torch.tensor(probe.astype(d)).sqrt().numpy(), np.sqrt(probe.astype(d)))
                for d in (np.float32, np.float64))
    if not exact:
        def sqrt(self):
            return real_torch.from_numpy(np.asarray(np.sqrt(self.detach().numpy())))

        def sqrt_(self):
            self.copy_(sqrt(self))
            return self

        monkeypatch.setattr(real_torch.Tensor, "sqrt", sqrt)
        monkeypatch.setattr(real_torch.Tensor, "sqrt_", sqrt_)
    return real_torch


def _start(dtype):
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    grads[2][1] = None  # a step where one parameter got no gradient: it keeps its value and its state
    return params, grads


def _run(T, name, kwargs, params, grads):
    ps = [T.nn.Parameter(T.tensor(p.copy())) for p in params]
    opt = getattr(T.optim, name)(ps, **kwargs)
    for step in grads:
        opt.zero_grad()
        for p, g in zip(ps, step):
            if g is not None:
                p.grad = T.tensor(g)
        opt.step()
    return ps, opt


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


@pytest.mark.torch
@pytest.mark.parametrize("case", [c for c in CASES if c[1] != "SGD" or "momentum" in c[2]], ids=lambda c: c[0])
def test_resuming_from_state_dict_continues_the_same_trajectory(case):
    """Save after 3 steps, load into a fresh optimiser over copies, take 3 more: same as never stopping."""
    _, name, kwargs = case
    params, grads = _start(np.dtype("float64"))
    straight, _ = _run(gt, name, kwargs, params, grads)
    ps, opt = _run(gt, name, kwargs, params, grads[:3])
    saved = copy.deepcopy(opt.state_dict())
    resumed = [gt.nn.Parameter(p.detach().clone()) for p in ps]
    opt2 = getattr(gt.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for step in grads[3:]:
        opt2.zero_grad()
        for p, g in zip(resumed, step):
            if g is not None:
                p.grad = gt.tensor(g)
        opt2.step()
    for a, b in zip(straight, resumed):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


# every optimiser's reprs: this file's cases and test_optim_extra's (the newer optimisers)
_REPR_CASES = CASES + NEWER_CASES


@pytest.mark.torch
@pytest.mark.parametrize("case", _REPR_CASES, ids=[c[0] for c in _REPR_CASES])
def test_repr_matches_torch(real_torch, case):
    _, name, kwargs = case
    ours = getattr(gt.optim, name)([gt.nn.Parameter(gt.ones(2))], **kwargs)
    theirs = getattr(real_torch.optim, name)([real_torch.nn.Parameter(real_torch.ones(2))], **kwargs)
    assert repr(ours) == repr(theirs)


@pytest.mark.torch
def test_two_param_groups_repr_and_state_dict(real_torch):
    def build(T):
        w, b = T.nn.Parameter(T.ones(2, 2)), T.nn.Parameter(T.zeros(2))
        return T.optim.AdamW([{"params": [w]}, {"params": [b], "lr": 0.1, "weight_decay": 0}], lr=1e-3)

    ours, theirs = build(gt), build(real_torch)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict() == theirs.state_dict() == {"state": {}, "param_groups": theirs.state_dict()["param_groups"]}
    assert ours.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]


def test_closure_runs_with_grad_enabled():
    w = gt.nn.Parameter(gt.tensor([1.0, -2.0]))
    opt = gt.optim.RMSprop([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    assert w.grad is not None


def test_state_is_keyed_by_parameter():
    w = gt.nn.Parameter(gt.ones(3))
    opt = gt.optim.Adam([w])
    w.grad = gt.ones(3)
    opt.step()
    assert sorted(opt.state[w]) == ["exp_avg", "exp_avg_sq", "step"]
    assert opt.state[w]["step"].item() == 1.0 and str(opt.state[w]["step"].dtype) == "torch.float32"


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda T, p: T.optim.Adam([p], lr=-1),
    lambda T, p: T.optim.Adam([p], betas=(1.0, 0.9)),
    lambda T, p: T.optim.AdamW([p], weight_decay=-0.1),
    lambda T, p: T.optim.RMSprop([p], alpha=-0.5),
    lambda T, p: T.optim.RMSprop([p], momentum=-1),
    lambda T, p: T.optim.Adagrad([p], lr_decay=-1),
    lambda T, p: T.optim.Adagrad([p], initial_accumulator_value=-1),
    lambda T, p: T.optim.SGD([p], nesterov=True),
    lambda T, p: T.optim.SGD([], lr=0.1),
    lambda T, p: T.optim.SGD(p, lr=0.1),
    lambda T, p: T.optim.SGD([p, 3], lr=0.1),
    lambda T, p: T.optim.SGD([p * 2], lr=0.1),
    lambda T, p: T.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
    lambda T, p: T.optim.SGD([{"params": {p}}], lr=0.1),
], ids=["adam_lr", "adam_beta", "adamw_wd", "rms_alpha", "rms_momentum", "adagrad_decay", "adagrad_init",
        "sgd_nesterov", "empty", "bare_tensor", "not_tensor", "non_leaf", "duplicate_group", "set"])
def test_errors_match_torch(real_torch, make):
    def message(T):
        p = T.nn.Parameter(T.ones(2))
        with pytest.raises(Exception) as info:
            make(T, p)
        return type(info.value).__name__, str(info.value)

    assert message(gt) == message(real_torch)


def test_duplicate_parameters_warn_as_torch():
    w = gt.nn.Parameter(gt.ones(2))
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        gt.optim.SGD([w, w], lr=0.1)


def _optimizer_rows(T, name):
    p = T.nn.Parameter(T.ones(2))
    opt = getattr(T.optim, name)([p], lr=0.1)
    with T.autograd.profiler.profile() as prof:
        opt.zero_grad()
        p.grad = T.ones(2)
        opt.step()
    return [e.name for e in prof.function_events if e.name.startswith("Optimizer.")]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_step_and_zero_grad_are_labelled_in_the_profiler_as_torch(real_torch, name):
    """A training cell's profile shows torch's "Optimizer.step#Adam.step" and zero_grad rows."""
    assert _optimizer_rows(gt, name) == _optimizer_rows(real_torch, name) == [
        f"Optimizer.zero_grad#{name}.zero_grad", f"Optimizer.step#{name}.step"]
