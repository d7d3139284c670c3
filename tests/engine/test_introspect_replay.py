"""The backward replay on both backends: the engine's order, the sums, the leaves, hooks, anomalies, bounds."""
import json
import time

import pytest

from gradtrace.engine.introspect_names import variable_names
from gradtrace.engine.introspect_replay import replay
from test_introspect_names import session


def seed_004(lib):
    """u1 = x*w; u2 = x*w; a = u1**2 + u2**3 at x = 2, w = 1 (seed 004's two paths)."""
    x = lib.tensor(2., requires_grad=True)
    w = lib.tensor(1., requires_grad=True)
    u1 = x * w
    u2 = x * w
    a = u1 ** 2 + u2 ** 3
    return a, x, w, session(x=x, w=w, u1=u1, u2=u2, a=a)


def leaf_step(result, name):
    return next(s for s in result.steps if s.leaf and s.leaf["name"] == name)


def test_seed_004_w_receives_8_and_24_along_its_two_edges_and_their_sum_32(lib):
    a, x, w, names = seed_004(lib)
    result = replay(a, names)
    w_step = leaf_step(result, "w")
    assert w_step.grad_in == [{"shape": [], "values": 32.0}]
    (summed,) = w_step.summed
    assert sorted(part["value"]["values"] for part in summed["parts"]) == [8.0, 24.0]
    senders = {part["from"]: part["value"]["values"] for part in summed["parts"]}
    by_index = {s.index: s for s in result.steps}
    assert {by_index[i].variable: v for i, v in senders.items()} == {"u1": 8.0, "u2": 24.0}
    assert by_index[min(senders)].local == [1.0, 2.0]  # d(x*w)/dx = w, d(x*w)/dw = x
    assert w_step.leaf == {"name": "w", "old": None, "new": {"shape": [], "values": 32.0}, "applied": False}
    assert sorted((leaf["name"], leaf["value"]["values"]) for leaf in result.leaves) == [("w", 32.0), ("x", 16.0)]
    assert x.grad is None and w.grad is None  # nothing written
    a.backward()  # and the graph is still whole
    assert (x.grad.item(), w.grad.item()) == (16.0, 32.0)
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data


def test_seed_002_mul_sends_y_two_gradients_that_are_summed(lib):
    x = lib.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    t = z.sum()
    result = replay(t, session(x=x, y=y, z=z, t=t))
    square = next(s for s in result.steps if s.node == "MulBackward0" and s.variable is None)
    assert [edge["to_variable"] for edge in square.edges] == ["y", "y"]
    assert [edge["value"]["values"] for edge in square.edges] == [[[9.0, 9.0], [9.0, 9.0]]] * 2
    y_step = next(s for s in result.steps if s.variable == "y")
    assert y_step.forward == "y = x + …"
    (summed,) = y_step.summed
    assert [part["from"] for part in summed["parts"]] == [square.index, square.index]
    assert y_step.grad_in == [{"shape": [2, 2], "values": [[18.0, 18.0], [18.0, 18.0]]}]
    assert result.leaves[0]["value"]["values"] == [[18.0, 18.0], [18.0, 18.0]]
    assert not result.scalar


def test_the_order_is_the_one_the_engine_runs(lib):
    """Pre-hooks on every node write down the real backward's order; the replay's is the same."""
    x = lib.tensor(2., requires_grad=True)
    w = lib.tensor(1., requires_grad=True)
    u1 = x * w
    u2 = x * w
    p1 = u1 ** 2
    p2 = u2 ** 3
    a = p1 + p2
    names = session(x=x, w=w, u1=u1, u2=u2, p1=p1, p2=p2, a=a)
    replayed = [s.variable for s in replay(a, names).steps if s.node != "AccumulateGrad"]
    ran = []
    for name in ("u1", "u2", "p1", "p2", "a"):
        tensor = {"u1": u1, "u2": u2, "p1": p1, "p2": p2, "a": a}[name]
        tensor.grad_fn.register_prehook(lambda grads, name=name: ran.append(name))
    a.backward()
    assert replayed == ran
    assert sorted(ran) == ["a", "p1", "p2", "u1", "u2"]


def test_apply_writes_what_backward_writes_and_accumulates(lib):
    a, x, w, names = seed_004(lib)
    w.grad = lib.tensor(100.)
    result = replay(a, names, apply=True)
    assert result.applied
    assert leaf_step(result, "w").leaf["old"] == {"shape": [], "values": 100.0}
    assert (x.grad.item(), w.grad.item()) == (16.0, 132.0)


def test_inputs_replays_autograd_grad(lib):
    a, x, w, names = seed_004(lib)
    result = replay(a, names, inputs=[w, x])
    expected = lib.autograd.grad(a, [w, x], retain_graph=True)
    assert [r["value"]["values"] for r in result.results] == [g.item() for g in expected]
    assert result.mode == "grad" and result.leaves == []
    assert x.grad is None


def test_hooks_run_at_their_step_and_retain_grad_waits_for_apply():
    import gradtrace.engine as torch
    x = torch.tensor(3., requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    y = h * h
    result = replay(y, session(x=x, h=h, y=y))
    h_step = next(s for s in result.steps if s.variable == "h")
    assert [hook["kind"] for hook in h_step.hooks] == ["tensor hook", "retain_grad"]
    assert h_step.hooks[0]["changed"] and not h_step.hooks[1]["applied"]
    assert h.grad is None
    assert leaf_step(result, "x").hooks == [{"kind": "tensor hook", "output": 0, "changed": False}]
    assert seen == [240.0]  # 2h * 10 * 2
    y.backward(retain_graph=True)
    assert x.grad.item() == 240.0 and seen == [240.0, 240.0]


def test_the_first_nan_is_marked_where_it_appears(lib):
    x = lib.tensor(0., requires_grad=True)
    y = (x.log() * 0).sum()
    result = replay(y, session(x=x, y=y))
    marked = [s for s in result.steps if s.anomaly]
    assert [(s.node, s.anomaly) for s in marked] == [("LogBackward0", "nan")]
    assert result.anomaly == marked[0].index


def test_a_module_training_step(lib):
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 1)
    inputs, target = lib.ones(4, 3), lib.zeros(4, 1)
    loss = lib.nn.functional.mse_loss(model(inputs), target)
    names = variable_names({id(model.weight): "model.weight", id(model.bias): "model.bias", id(loss): "loss"},
                           {"loss": loss})
    result = replay(loss, names)
    landed = {leaf["name"]: leaf["value"] for leaf in result.leaves}
    loss.backward()
    assert landed["model.weight"]["values"] == model.weight.grad.tolist()
    assert landed["model.bias"]["values"] == model.bias.grad.tolist()
    assert result.steps[0].variable == "loss"


def test_big_gradients_are_summarised():
    import gradtrace.engine as torch
    v = torch.arange(100.).reshape(10, 10).requires_grad_()
    s = (v * 2).sum()
    result = replay(s, session(v=v, s=s))
    landed = result.leaves[0]["value"]
    assert landed == {"shape": [10, 10], "norm": 20.0, "min": 2.0, "max": 2.0}


@pytest.mark.slow
def test_a_100000_deep_chain_is_replayed_into_a_bounded_record():
    import gradtrace.engine as torch
    x = torch.tensor(1., requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    started = time.monotonic()
    result = replay(y, session(x=x, y=y), max_steps=40)
    assert time.monotonic() - started < 60  # generous: a long pass, not a hang
    assert len(result.steps) == 40 and result.step_count == 100_001
    assert result.omitted == {"AddBackward0": 100_001 - 40}
    assert result.steps[-1].leaf["new"] == {"shape": [], "values": 1.0}
    assert result.omitted_after == 30
    assert len(json.dumps(result.to_dict())) < 40_000


def test_errors_are_torchs(lib):
    x = lib.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        replay(x * 2)
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        replay(lib.ones(2).sum())


def test_each_step_names_its_node_as_torch_does_and_its_forward_op(lib):
    a, _, _, names = seed_004(lib)
    steps = replay(a, names).steps
    assert [(s.node, s.op) for s in steps[:3]] == [("AddBackward0", "add"), ("PowBackward0", "pow"),
                                                   ("PowBackward0", "pow")]
    assert {(s.torch_name, s.op) for s in steps if s.leaf} == {("torch::autograd::AccumulateGrad", None)}
