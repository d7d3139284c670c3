"""The two backward paths agree bit for bit.

A backward pass that records nothing (no create_graph, no profiler) runs each node's `backward_raw`
on bare arrays; a pass that records runs `backward`, the differentiable tensor formula. Every node
class with a raw formula is listed in EXAMPLES (a test fails when one is missing), and each example
compares the two formulas on the same node, then the gradients of whole programs.
"""
import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd.node import Node


def _leaf(shape, dtype=gt.float32, seed=0, low=0.5):
    rng = np.random.default_rng(seed)
    data = rng.uniform(low, 2.0, size=shape).astype(dtype.np)
    return gt.tensor(data, dtype=dtype, requires_grad=True)


def _pair(shape_a, shape_b, dtype=gt.float32):
    return _leaf(shape_a, dtype, 1), _leaf(shape_b, dtype, 2)


def _signed(shape, dtype=gt.float32):
    """Values of both signs with exact zeros of both signs (relu's and abs's edge cases)."""
    data = np.array([-1.5, -0.0, 0.0, 0.25, 2.0, -3.0], dtype=dtype.np)
    return gt.tensor(np.resize(data, shape), dtype=dtype, requires_grad=True)


# node class name -> programs whose output's grad_fn is that class
EXAMPLES = {
    "AddBackward0": [
        lambda: (lambda a, b: a + b)(*_pair((2, 3), (2, 3))),
        lambda: (lambda a, b: a + b)(*_pair((4, 2, 3), (1, 3))),
        lambda: (lambda a, b: gt.add(a, b, alpha=0.3))(*_pair((2, 3), (3,))),
        lambda: _leaf((2, 3)) + 2.5,
        lambda: (lambda a, b: a + b)(*_pair((2, 3), (2, 3), gt.float64)),
    ],
    "SubBackward0": [
        lambda: (lambda a, b: a - b)(*_pair((2, 3), (3,))),
        lambda: (lambda a, b: gt.sub(a, b, alpha=2))(*_pair((2, 3), (2, 1))),
        lambda: _leaf((2, 3)) - 1.25,
    ],
    "RsubBackward1": [
        lambda: 3.0 - _leaf((2, 3)),
    ],
    "MulBackward0": [
        lambda: (lambda a, b: a * b)(*_pair((2, 3), (2, 3))),
        lambda: (lambda a, b: a * b)(*_pair((5, 1, 3), (4, 1))),
        lambda: _leaf((2, 3)) * 1.0001,
        lambda: _leaf((2, 3)) * 3,
        lambda: _leaf((2, 3), gt.float64) * 0.1,
        lambda: _leaf((), gt.float32) * 1.0001,
        lambda: _leaf((2, 3)) * _leaf((), gt.float32, 3).detach(),
    ],
    "DivBackward0": [
        lambda: (lambda a, b: a / b)(*_pair((2, 3), (2, 3))),
        lambda: (lambda a, b: a / b)(*_pair((2, 3), (3,))),
        lambda: _leaf((2, 3)) / 3,
        lambda: _leaf((2, 3)) / 0.7,
        lambda: _leaf((2, 3)).detach() / _leaf((2, 3), seed=5),
    ],
    "NegBackward0": [lambda: -_leaf((2, 3))],
    "PowBackward0": [
        lambda: _leaf((2, 3)) ** 3,
        lambda: _leaf((2, 3)) ** 2.5,
        lambda: _leaf((2, 3)) ** 1.5,
        lambda: _leaf((2, 3)) ** 3.0,
        lambda: _leaf((2, 3)) ** -1.3,
    ],
    "ExpBackward0": [lambda: _leaf((2, 3)).exp()],
    "LogBackward0": [lambda: _leaf((2, 3)).log()],
    "SqrtBackward0": [lambda: _leaf((2, 3)).sqrt()],
    "SinBackward0": [lambda: _leaf((2, 3)).sin()],
    "CosBackward0": [lambda: _leaf((2, 3)).cos()],
    "TanhBackward0": [lambda: _signed((2, 3)).tanh(), lambda: _leaf((3,), gt.float64).tanh()],
    "SigmoidBackward0": [lambda: _signed((2, 3)).sigmoid()],
    "ReluBackward0": [lambda: _signed((2, 3)).relu(), lambda: _signed((4,), gt.float64).relu()],
    "SumBackward0": [lambda: _leaf((2, 3)).sum(), lambda: _leaf((), gt.float64).sum()],
    "SumBackward1": [
        lambda: _leaf((2, 3, 4)).sum(1),
        lambda: _leaf((2, 3, 4)).sum((0, 2), keepdim=True),
        lambda: _leaf((2, 3)).sum(-1),
    ],
    "MeanBackward0": [lambda: _leaf((2, 3)).mean(), lambda: _leaf((7,), gt.float64).mean()],
    "MeanBackward1": [lambda: _leaf((2, 3, 4)).mean(1), lambda: _leaf((2, 3)).mean(0, keepdim=True)],
    "MmBackward0": [
        lambda: (lambda a, b: a @ b)(*_pair((4, 3), (3, 5))),
        lambda: (lambda a, b: a.mm(b))(*_pair((2, 2), (2, 6), gt.float64)),
    ],
    "AddmmBackward0": [
        lambda: gt.addmm(_leaf((5,)), _leaf((4, 3), seed=1), _leaf((3, 5), seed=2)),
        lambda: gt.addmm(_leaf((4, 5)), _leaf((4, 3), seed=1), _leaf((3, 5), seed=2), beta=0.5, alpha=2.0),
        lambda: gt.nn.functional.linear(_leaf((4, 3)), _leaf((6, 3), seed=1), _leaf((6,), seed=2)),
    ],
    "TBackward0": [lambda: _leaf((2, 3)).t(), lambda: _leaf((3,)).t()],
    "TBackward1": [lambda: (_leaf((2, 3)) * 1).t_()],
    "ViewBackward0": [lambda: _leaf((2, 3)).view(3, 2), lambda: _leaf((2, 3)).reshape(-1)],
    "UnsafeViewBackward0": [lambda: _leaf((2, 3)).t().reshape(-1)],
    "ExpandBackward0": [lambda: _leaf((3, 1)).expand(2, 3, 4), lambda: _leaf((1,)).expand(5)],
    "CloneBackward0": [lambda: _leaf((2, 3)).clone()],
    "SoftmaxBackward0": [lambda: _signed((3, 4)).softmax(-1), lambda: _leaf((2, 3, 4), gt.float64).softmax(1)],
    "LogSoftmaxBackward0": [lambda: _signed((3, 4)).log_softmax(-1), lambda: _leaf((5, 2)).log_softmax(0)],
}


def _all_node_classes(cls=Node):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_node_classes(sub)


def _raw_classes():
    return {c.__name__ for c in _all_node_classes() if c.backward_raw is not None}


def test_every_raw_formula_has_examples():
    assert _raw_classes() == set(EXAMPLES)


def test_nodes_with_a_raw_formula_free_their_saved_values_as_every_node_does():
    # the engine's array pass writes Node.release out for them
    assert [c.__name__ for c in _all_node_classes() if c.backward_raw is not None and c.release is not Node.release] == []


def _same_bits(tensor_out, raw_out):
    if tensor_out is None:
        assert raw_out is None
        return
    expected = tensor_out._data
    got = np.asarray(raw_out)
    assert (got.dtype, got.shape) == (expected.dtype, expected.shape)
    assert got.tobytes() == expected.tobytes()


def _cases():
    for name, programs in sorted(EXAMPLES.items()):
        for i, program in enumerate(programs):
            yield pytest.param(name, program, id=f"{name}-{i}")


@pytest.mark.parametrize("name, program", list(_cases()))
def test_raw_formula_matches_the_tensor_formula(name, program):
    out = program()
    node = out.grad_fn
    assert type(node).__name__ == name
    rng = np.random.default_rng(7)
    g = gt.tensor(rng.standard_normal(out.shape).astype(out.dtype.np), dtype=out.dtype)
    with gt.no_grad():
        by_tensors = node.backward(g)
    by_arrays = node.backward_raw(g._data)
    assert by_arrays is not None, "the example should take the raw path"
    assert len(by_arrays) == len(by_tensors)
    for t, r in zip(by_tensors, by_arrays):
        _same_bits(t, r)


def _mixed_dtype_product():
    a = _leaf((2, 3), gt.float32)
    b = _leaf((2, 3), gt.float64, seed=4)
    return (a * b) / a, (a, b)


def test_raw_formula_leaves_mixed_dtypes_to_the_tensor_formula():
    out, _ = _mixed_dtype_product()
    assert out.grad_fn.backward_raw(np.ones(out.shape, out.dtype.np)) is None


def _small_loop():
    x = _leaf((2, 3), seed=1)
    y = _leaf((2, 3), seed=2)
    z = _leaf((2, 3), seed=3)
    w = z
    for _ in range(50):
        w = (w / x) * y
    return w.sum(), (x, y, z)


def _mlp():
    x = _leaf((8, 5), seed=1).detach()
    w1, b1 = _leaf((5, 7), seed=2, low=-1), _leaf((7,), seed=3, low=-1)
    w2, b2 = _leaf((7, 3), seed=4, low=-1), _leaf((3,), seed=5, low=-1)
    out = gt.nn.functional.relu(x @ w1 + b1).tanh() @ w2 + b2
    return (out * out).mean() + out.sigmoid().sum(0).exp().mean(), (w1, b1, w2, b2)


def _shared_input():
    a = _leaf((3, 4), seed=1)
    b = _leaf((4,), seed=2)
    h = a * b
    return (h + h * 2.0 - (a - b).sin() ** 2 + gt.addmm(b, a.t(), a.expand(3, 4).clone())[:3]).sum(), (a, b)


def _with_a_node_without_raw_formula():
    a = _leaf((3, 4), seed=1)
    return (a.softmax(-1) * a.cumsum(0)).max(), (a,)


def _classifier():
    x = _leaf((6, 5), seed=1).detach()
    w = _leaf((5, 4), seed=2, low=-1)
    target = gt.tensor([0, 3, 1, 1, 2, 0])
    return gt.nn.functional.cross_entropy(x @ w, target), (w,)


PROGRAMS = [_small_loop, _mlp, _shared_input, _mixed_dtype_product, _with_a_node_without_raw_formula, _classifier]


def _both_paths(program, differentiate):
    """differentiate(output, leaves, create_graph) -> gradients, on the array path and the tensor path."""
    results = []
    for create_graph in (False, True):
        out, leaves = program()
        results.append(differentiate(out.sum() if out.ndim else out, leaves, create_graph))
    return zip(*results)


def _by_backward(out, leaves, create_graph):
    out.backward(create_graph=create_graph)
    return [leaf.grad for leaf in leaves]


def _by_autograd_grad(out, leaves, create_graph):
    return gt.autograd.grad(out, leaves, create_graph=create_graph)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_backward_gives_the_same_gradients_on_both_paths(program):
    for raw, by_tensors in _both_paths(program, _by_backward):
        assert raw.dtype is by_tensors.dtype and raw.grad_fn is None
        _same_bits(by_tensors, raw._data)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_autograd_grad_gives_the_same_gradients_on_both_paths(program):
    for raw, by_tensors in _both_paths(program, _by_autograd_grad):
        _same_bits(by_tensors, raw._data)


def test_hooks_and_retained_grads_see_tensors_on_the_array_path():
    a = _leaf((2, 3))
    seen = []
    h = a * 2.0
    h.retain_grad()
    h.register_hook(lambda g: seen.append(type(g).__name__) or g * 3)
    h.grad_fn.register_hook(lambda grads_in, grads_out: seen.append(type(grads_in[0]).__name__))
    (h * h).sum().backward()
    assert seen == ["Tensor", "Tensor"]
    hooked = 2 * h.detach() * 3  # as torch: the retained grad is the one the tensor hook returned
    assert np.array_equal(h.grad.numpy(), hooked.numpy())
    assert np.array_equal(a.grad.numpy(), (hooked * 2).numpy())


def test_the_array_path_gives_infinities_without_numpy_warnings(recwarn):
    x = gt.tensor([0.0, 1.0], requires_grad=True)
    y = gt.tensor([2.0, 0.0], requires_grad=True)
    out = (x / y).sum()
    recwarn.clear()  # the forward's own division is the ops' business; this test is about backward
    out.backward()
    assert [str(w.message) for w in recwarn] == []
    assert x.grad.tolist() == [0.5, float("inf")]  # torch: tensor([0.5000, inf]), tensor([-0., -inf])
    assert y.grad.tolist() == [-0.0, float("-inf")] and np.signbit(y.grad[0].item())
