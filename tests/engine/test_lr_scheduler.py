"""torch.optim.lr_scheduler against real PyTorch: the lr sequence of every scheduler over 40 steps (float for
float, since torch updates most of them recursively and rounding accumulates), chained and sequential use,
ReduceLROnPlateau on a scripted loss curve, momentum cycling, state_dict, and torch's warnings."""
import warnings

import pytest

import gradtrace.engine as gt

STEPS = 40


def _opt(T, groups=1, name="SGD", **kwargs):
    params = [{"params": [T.nn.Parameter(T.ones(2))], "lr": 0.1 * (i + 1)} for i in range(groups)]
    kwargs.setdefault("lr", 0.1)
    if name == "SGD":
        kwargs.setdefault("momentum", 0.9)
    return getattr(T.optim, name)(params, **kwargs)


SCHEDULERS = [
    ("step", lambda S, o: S.StepLR(o, step_size=7, gamma=0.3)),
    ("multistep", lambda S, o: S.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.5)),
    ("exponential", lambda S, o: S.ExponentialLR(o, gamma=0.93)),
    ("cosine", lambda S, o: S.CosineAnnealingLR(o, T_max=12, eta_min=1e-3)),
    ("cosine_no_min", lambda S, o: S.CosineAnnealingLR(o, T_max=30)),
    ("lambda", lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e / (1 + e))),
    ("multiplicative", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97)),
    ("linear", lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=13)),
    ("linear_down", lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=30)),
    ("constant", lambda S, o: S.ConstantLR(o, factor=0.3, total_iters=6)),
    ("polynomial", lambda S, o: S.PolynomialLR(o, total_iters=20, power=2.0)),
    ("onecycle", lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 1)),
    ("onecycle_linear_3phase", lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 2.0], epochs=7, steps_per_epoch=6,
                                                          anneal_strategy="linear", three_phase=True)),
    ("chained", lambda S, o: S.ChainedScheduler([S.ExponentialLR(o, gamma=0.9),
                                                 S.MultiStepLR(o, milestones=[5, 20], gamma=0.3)])),
    ("sequential", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.2, total_iters=5),
                                                   S.CosineAnnealingLR(o, T_max=20)], milestones=[5])),
]


def _sequence(T, make, groups=2, name="SGD"):
    opt = _opt(T, groups, name)
    sched = make(T.optim.lr_scheduler, opt)
    seq = [list(sched.get_last_lr())]
    moms = []
    for _ in range(STEPS):
        opt.step()
        sched.step()
        seq.append(list(sched.get_last_lr()))
        assert [g["lr"] for g in opt.param_groups] == seq[-1]
        moms.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return seq, moms, sched


@pytest.mark.torch
@pytest.mark.parametrize("case", SCHEDULERS, ids=[c[0] for c in SCHEDULERS])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_lr_sequence_matches_torch_exactly(real_torch, case, opt_name):
    ours = _sequence(gt, case[1], name=opt_name)
    theirs = _sequence(real_torch, case[1], name=opt_name)
    assert ours[0] == theirs[0]  # exact floats: the recursive updates round as torch's do
    assert ours[1] == theirs[1]  # momentum / betas, which OneCycleLR cycles


@pytest.mark.torch
@pytest.mark.parametrize("case", SCHEDULERS[:11], ids=[c[0] for c in SCHEDULERS[:11]])
def test_state_dict_matches_torch(real_torch, case):
    ours, theirs = _sequence(gt, case[1])[2], _sequence(real_torch, case[1])[2]
    a, b = ours.state_dict(), theirs.state_dict()
    assert sorted(a) == sorted(b)
    for key in b:
        if key != "lr_lambdas":
            assert a[key] == b[key], key


def test_load_state_dict_resumes_the_schedule():
    def run(steps, sched):
        for _ in range(steps):
            sched.optimizer.step()
            sched.step()
        return sched.get_last_lr()

    S = gt.optim.lr_scheduler
    straight = run(30, S.CosineAnnealingLR(_opt(gt), T_max=12))
    first = S.CosineAnnealingLR(_opt(gt), T_max=12)
    run(10, first)
    opt = _opt(gt)
    opt.load_state_dict(first.optimizer.state_dict())
    second = S.CosineAnnealingLR(opt, T_max=12)
    second.load_state_dict(first.state_dict())
    assert run(20, second) == straight


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [
    dict(), dict(patience=2, factor=0.5), dict(mode="max", patience=1, threshold=0.05),
    dict(patience=1, cooldown=2, threshold_mode="abs", threshold=0.01, min_lr=[0.02, 0.05]),
    dict(patience=0, factor=0.3, min_lr=0.011, eps=1e-3),
], ids=["default", "patience2", "max", "cooldown_abs", "min_lr_eps"])
def test_reduce_lr_on_plateau_matches_torch(real_torch, kwargs):
    losses = [1.0, 0.9, 0.85, 0.86, 0.86, 0.849, 0.85, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74, 0.69, 0.69,
              0.695, 0.7, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]

    def run(T):
        opt = _opt(T, groups=2)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        out = []
        for loss in losses:
            opt.step()
            sched.step(T.tensor(loss))
            out.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best))
        return out, sched.state_dict()

    ours, theirs = run(gt), run(real_torch)
    assert ours[0] == theirs[0]
    assert {k: v for k, v in ours[1].items()} == theirs[1]


def _warnings_of(T, body):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        body(T)
    return [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.torch
@pytest.mark.parametrize("body", [
    lambda T: T.optim.lr_scheduler.StepLR(_opt(T), 3).step(),
    lambda T: T.optim.lr_scheduler.StepLR(_opt(T), 3).get_lr(),
    lambda T: T.optim.lr_scheduler.StepLR(_opt(T), 3).step(5),
    lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_opt(T)).step(1.0, epoch=3),
], ids=["step_before_optimizer", "get_lr_outside_step", "epoch_argument", "plateau_epoch"])
def test_warnings_match_torch(real_torch, body):
    ours = _warnings_of(gt, body)
    assert ours and ours == _warnings_of(real_torch, body)


@pytest.mark.torch
def test_no_warning_in_the_right_order(real_torch):
    def body(T):
        opt = _opt(T)
        sched = T.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step()
        sched.step()

    assert _warnings_of(gt, body) == _warnings_of(real_torch, body) == []


@pytest.mark.torch
def test_overridden_step_warning_matches_torch(real_torch):
    def body(T):
        opt = _opt(T)
        sched = T.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        opt.step = lambda closure=None: None
        sched.step()

    ours = _warnings_of(gt, body)
    assert ours and ours == _warnings_of(real_torch, body)


@pytest.mark.torch
def test_closed_form_with_epoch_matches_torch(real_torch):
    def run(T):
        opt = _opt(T)
        out = []
        for make in (lambda o: T.optim.lr_scheduler.StepLR(o, 4, 0.5), lambda o: T.optim.lr_scheduler.CosineAnnealingLR(o, 9)):
            sched = make(opt)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for e in (3, 8, 17, 2):
                    sched.step(e)
                    out.append(sched.get_last_lr())
        return out

    assert run(gt) == run(real_torch)


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda T, o: T.optim.lr_scheduler.StepLR(object(), 3),
    lambda T, o: T.optim.lr_scheduler.LinearLR(o, start_factor=0),
    lambda T, o: T.optim.lr_scheduler.ConstantLR(o, factor=2),
    lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
    lambda T, o: T.optim.lr_scheduler.ReduceLROnPlateau(o, mode="avg"),
    lambda T, o: T.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0),
    lambda T, o: T.optim.lr_scheduler.StepLR(o, 3, last_epoch=4),
    lambda T, o: T.optim.lr_scheduler.SequentialLR(o, [T.optim.lr_scheduler.StepLR(o, 3)], milestones=[2]),
    lambda T, o: T.optim.lr_scheduler.ChainedScheduler([T.optim.lr_scheduler.ReduceLROnPlateau(o)]),
], ids=["not_optimizer", "linear_factor", "constant_factor", "plateau_factor", "plateau_mode", "onecycle_steps",
        "resume_without_initial_lr", "sequential_milestones", "chained_plateau"])
def test_errors_match_torch(real_torch, make):
    def message(T):
        with pytest.raises(Exception) as info:
            make(T, _opt(T))
        return type(info.value).__name__, str(info.value)

    assert message(gt) == message(real_torch)


def test_onecycle_refuses_to_step_past_the_end():
    opt = _opt(gt)
    sched = gt.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
