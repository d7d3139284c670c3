"""Where a backward formula blocks the gradient, torch fills with +0 (where, masked_fill, zeros), so a
negative incoming gradient prints `0.` there, never `-0.`: compared with torch as printed text."""
import pytest

import gradtrace.engine as engine

pytestmark = pytest.mark.torch

VALUES = [-2., -0.5, 0., 0.5, 2.]
# each: a function of (torch module, x) whose gradient blocks somewhere
BLOCKING = {
    "clamp": lambda t, x: t.clamp(x, -1, 1),
    "clamp(min=)": lambda t, x: t.clamp(x, min=0.),
    "clamp(max=)": lambda t, x: t.clamp(x, max=0.),
    "clamp(tensor bounds)": lambda t, x: x.clamp(t.zeros(5), t.ones(5)),
    "clamp_min(tensor)": lambda t, x: x.clamp_min(t.zeros(5)),
    "clamp_": lambda t, x: (x * 1).clamp_(-1, 1),
    "clip": lambda t, x: x.clip(-1, 1),
    "relu": lambda t, x: t.relu(x),
    "relu_": lambda t, x: (x * 1).relu_(),
    "F.relu": lambda t, x: t.nn.functional.relu(x),
    "relu6": lambda t, x: t.nn.functional.relu6(x),
    "hardtanh": lambda t, x: t.nn.functional.hardtanh(x),
    "threshold": lambda t, x: t.nn.functional.threshold(x, 0.5, 2.),
    "leaky_relu(0)": lambda t, x: t.nn.functional.leaky_relu(x, 0.0),
    "maximum": lambda t, x: t.maximum(x, t.zeros(5)),
    "minimum": lambda t, x: t.minimum(x, t.zeros(5)),
    "max(a, b)": lambda t, x: t.max(x, t.zeros(5)),
    "where": lambda t, x: t.where(x > 0, x, t.zeros(5)),
    "masked_fill": lambda t, x: x.masked_fill(x < 0, 0.),
    "max()": lambda t, x: t.stack([x.max()] * 5),
    "min()": lambda t, x: t.stack([x.min()] * 5),
    "amax": lambda t, x: t.stack([x.amax()] * 5),
    "max(dim)": lambda t, x: t.stack([x.max(0).values] * 5),
    "x[1:3] = 0": lambda t, x: (lambda y: (y.__setitem__(slice(1, 3), 0.), y)[1])(x * 1),
    "view write": lambda t, x: (lambda y: (y[1:4].__setitem__(0, 5.), y)[1])(x * 1),
    "scatter": lambda t, x: x.scatter(0, t.tensor([1, 3]), t.tensor([0., 0.])),
    "abs": lambda t, x: x.abs(),
    "hardswish": lambda t, x: t.nn.functional.hardswish(x),
    "hardsigmoid": lambda t, x: t.nn.functional.hardsigmoid(x),
    "mse_loss": lambda t, x: t.nn.functional.mse_loss(x, t.zeros(5), reduction="none"),
    "smooth_l1_loss": lambda t, x: t.nn.functional.smooth_l1_loss(x, t.zeros(5), reduction="none"),
    "max_pool1d": lambda t, x: t.nn.functional.max_pool1d(x[None], 2, 1)[0],
}


def _gradient_text(torch, build, create_graph):
    x = torch.tensor(VALUES, requires_grad=True)
    y = build(torch, x)
    y.backward(torch.full(tuple(y.shape), -1.), create_graph=create_graph)
    return repr(x.grad.detach()), [str(v) for v in x.grad.detach().tolist()]


@pytest.mark.parametrize("create_graph", [False, True], ids=["grad", "create_graph"])
@pytest.mark.parametrize("name", list(BLOCKING))
def test_blocked_gradient_prints_as_torchs(real_torch, name, create_graph):
    build = BLOCKING[name]
    assert _gradient_text(engine, build, create_graph) == _gradient_text(real_torch, build, create_graph)
