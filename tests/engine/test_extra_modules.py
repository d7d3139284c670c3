"""The small modules tutorials reach for: Unflatten, Dropout1d/2d/3d, PReLU, Softmax2d and the padding layers,
against real PyTorch (values, the same random stream, grad_fn chains, gradients, reprs, warnings and error texts)
and against float64 finite differences."""
import warnings

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck


def _chain(t):
    """grad_fn names, depth first, as nested tuples: (name, (child chains...))."""
    def walk(node):
        if node is None:
            return None
        return type(node).__name__, tuple(walk(n) for n, _ in node.next_functions)
    return walk(t.grad_fn)


def _run(T, build, seed=0):
    """build(T) -> (output, inputs): its value, chain and the inputs' gradients of a weighted sum."""
    T.manual_seed(seed)
    out, inputs = build(T)
    chain = _chain(out)
    weights = T.from_numpy(np.linspace(-1.0, 2.0, out.numel()).reshape(out.shape).astype(np.float32)).to(out.dtype)
    grads = T.autograd.grad((out * weights).sum(), inputs) if out.requires_grad else ()
    return out.detach().numpy(), chain, [g.numpy() for g in grads]


def _leaf(T, *shape, dtype=None):
    data = np.random.default_rng(7).standard_normal(shape)
    return T.tensor(data, dtype=dtype or T.float32, requires_grad=True)


def _drop(name, shape, p=0.5, **kw):
    return lambda T: (lambda x: (getattr(T.nn.functional, name)(x, p, **kw), [x]))(_leaf(T, *shape))


def _module(make, shape, dtype=None):
    def build(T):
        m = make(T.nn)
        x = _leaf(T, *shape, dtype=dtype and getattr(T, dtype))
        return m(x), [x] + list(m.parameters())
    return build


CASES = [
    ("dropout1d_batched", _drop("dropout1d", (4, 6, 3), 0.3)),
    ("dropout1d_unbatched", _drop("dropout1d", (6, 5))),
    ("dropout1d_p1", _drop("dropout1d", (2, 3, 4), 1.0)),
    ("dropout1d_p0", _drop("dropout1d", (2, 3, 4), 0.0)),
    ("dropout1d_eval", _drop("dropout1d", (2, 3, 4), 0.5, training=False)),
    ("dropout2d", _drop("dropout2d", (3, 5, 2, 4), 0.25)),
    ("dropout2d_float64", lambda T: (lambda x: (T.nn.functional.dropout2d(x, 0.6), [x]))(
        _leaf(T, 2, 7, 3, 3, dtype=T.float64))),
    ("dropout3d_batched", _drop("dropout3d", (2, 4, 2, 3, 2), 0.5)),
    ("dropout3d_unbatched", _drop("dropout3d", (5, 2, 2, 3), 0.2)),
    ("Dropout2d_module", _module(lambda nn: nn.Dropout2d(0.4), (2, 8, 3, 3))),
    ("Dropout1d_module", _module(lambda nn: nn.Dropout1d(), (8, 3))),
    ("Dropout3d_module", _module(lambda nn: nn.Dropout3d(0.7), (2, 3, 2, 2, 2))),
    ("prelu_shared", _module(lambda nn: nn.PReLU(), (2, 3, 4))),
    ("prelu_per_channel", _module(lambda nn: nn.PReLU(3, init=0.1), (2, 3, 4))),
    ("prelu_1d_input", _module(lambda nn: nn.PReLU(), (5,))),
    ("prelu_scalar_input", _module(lambda nn: nn.PReLU(), ())),
    ("prelu_float64", _module(lambda nn: nn.PReLU(4).double(), (3, 4), dtype="float64")),
    ("softmax2d", _module(lambda nn: nn.Softmax2d(), (2, 3, 2, 2))),
    ("softmax2d_unbatched", _module(lambda nn: nn.Softmax2d(), (3, 2, 4))),
    ("unflatten", _module(lambda nn: nn.Unflatten(1, (2, 3)), (4, 6))),
    ("unflatten_inferred", _module(lambda nn: nn.Unflatten(-1, [2, -1, 2]), (3, 8))),
    ("zero_pad1d", _module(lambda nn: nn.ZeroPad1d((1, 2)), (2, 3, 4))),
    ("zero_pad2d", _module(lambda nn: nn.ZeroPad2d((1, 1, 2, 0)), (1, 2, 3, 3))),
    ("zero_pad2d_crop", _module(lambda nn: nn.ZeroPad2d((-1, 1, 0, -1)), (2, 3, 3))),
    ("constant_pad1d", _module(lambda nn: nn.ConstantPad1d(2, 3.5), (2, 4))),
    ("constant_pad2d", _module(lambda nn: nn.ConstantPad2d((3, 0, 1, 2), -1.0), (1, 2, 2, 3))),
    ("reflection_pad1d", _module(lambda nn: nn.ReflectionPad1d(2), (2, 3, 4))),
    ("reflection_pad2d", _module(lambda nn: nn.ReflectionPad2d((1, 0, 2, 1)), (1, 2, 3, 3))),
    ("replication_pad1d", _module(lambda nn: nn.ReplicationPad1d((3, 1)), (2, 3))),
    ("replication_pad2d", _module(lambda nn: nn.ReplicationPad2d(2), (1, 2, 2, 3))),
    ("replication_pad3d", _module(lambda nn: nn.ReplicationPad3d(1), (1, 1, 2, 2, 2))),
    ("reflection_pad3d", _module(lambda nn: nn.ReflectionPad3d((1, 0, 0, 1, 1, 1)), (1, 2, 2, 2, 3))),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_values_chain_and_gradients_match_torch(real_torch, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _run(gt, case[1]), _run(real_torch, case[1])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-7)
    assert ours[1] == theirs[1]
    assert len(ours[2]) == len(theirs[2])
    for g, h in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(g, h, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("fn, shape", [("dropout1d", (3, 5, 2)), ("dropout2d", (4, 3, 2, 2)),
                                       ("dropout3d", (3, 2, 2, 2))])
def test_dropout_stream_continues_like_torch(real_torch, fn, shape):
    """Two calls in a row, then a plain draw: the generator is left where torch leaves it."""
    def draws(T):
        T.manual_seed(123)
        x = T.ones(shape)
        f = getattr(T.nn.functional, fn)
        return [f(x, 0.5).numpy(), f(x, 0.3).numpy(), T.rand(4).numpy()]

    for ours, theirs in zip(draws(gt), draws(real_torch)):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.torch
@pytest.mark.parametrize("fn, shape", [("dropout1d", (3, 5, 2)), ("dropout1d", (5, 2)), ("dropout2d", (4, 3, 2, 2)),
                                       ("dropout3d", (3, 2, 2, 2))])
def test_inplace_dropout_matches_torch(real_torch, fn, shape):
    def run(T):
        T.manual_seed(5)
        x = T.ones(shape)
        y = getattr(T.nn.functional, fn)(x, 0.5, inplace=True)
        return x.numpy().copy(), tuple(x.shape), y is x

    ours, theirs = run(gt), run(real_torch)
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[1:] == theirs[1:]


def test_dropout_is_channel_wise():
    gt.manual_seed(0)
    y = gt.nn.Dropout2d(0.5)(gt.ones(8, 16, 3, 3)).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert (per_channel == per_channel[:, :, :1]).all()
    assert set(np.unique(y)) == {0.0, 2.0}


def test_dropout_outside_training_returns_the_input():
    x = gt.randn(2, 3, 4, 5)
    assert gt.nn.functional.dropout2d(x, 0.5, training=False) is x
    assert gt.nn.Dropout2d(0.9).eval()(x) is x
    y = gt.nn.Dropout3d(0.9).eval()(x)  # unbatched: through unsqueeze and squeeze, values untouched
    assert np.array_equal(y.numpy(), x.numpy())


def test_dropout2d_warns_for_a_3d_input():
    with pytest.warns(UserWarning, match=r"^dropout2d: Received a 3D input to dropout2d and assuming that "
                                         r"channel-wise 1D dropout behavior is desired"):
        gt.nn.Dropout2d()(gt.ones(2, 3, 4))


def test_dropout2d_and_3d_warn_for_other_ranks():
    with pytest.warns(UserWarning, match=r"^dropout2d: Received a 2-D input to dropout2d, which is deprecated"):
        gt.nn.functional.dropout2d(gt.ones(3, 4))
    with pytest.warns(UserWarning, match=r"^dropout3d: Received a 3-D input to dropout3d, which is deprecated"):
        gt.nn.functional.dropout3d(gt.ones(2, 3, 4))


@pytest.mark.torch
@pytest.mark.parametrize("fn, shape", [("dropout2d", (3, 4)), ("dropout2d", (2, 3, 4)), ("dropout3d", (2, 3, 4)),
                                       ("dropout2d", (4,)), ("dropout2d", (2, 3, 2, 2, 2))])
def test_dropout_warnings_match_torch(real_torch, fn, shape):
    def messages(T):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                getattr(T.nn.functional, fn)(T.ones(shape))
                error = None
            except RuntimeError as e:
                error = str(e)
        return [str(w.message) for w in caught], error

    assert messages(gt) == messages(real_torch)


ERRORS = [
    ("dropout1d_4d", lambda T: T.nn.functional.dropout1d(T.ones(1, 2, 3, 4))),
    ("dropout1d_1d", lambda T: T.nn.functional.dropout1d(T.ones(4))),
    ("dropout_p_high", lambda T: T.nn.functional.dropout2d(T.ones(1, 2, 3, 4), 1.5)),
    ("dropout_p_negative", lambda T: T.nn.functional.dropout3d(T.ones(1, 2, 3, 4), -0.1)),
    ("Dropout2d_p", lambda T: T.nn.Dropout2d(2)),
    ("Dropout1d_p", lambda T: T.nn.Dropout1d(-1.0)),
    ("prelu_channels", lambda T: T.nn.functional.prelu(T.ones(2, 3, 4), T.ones(2))),
    ("prelu_zero_dim", lambda T: T.nn.functional.prelu(T.ones(()), T.ones(2))),
    ("prelu_2d_weight", lambda T: T.nn.functional.prelu(T.ones(2, 3), T.ones(3, 1))),
    ("prelu_dtypes", lambda T: T.nn.functional.prelu(T.ones(2, 3), T.ones(3, dtype=T.float64))),
    ("PReLU_module_channels", lambda T: T.nn.PReLU(4)(T.ones(2, 3))),
    ("softmax2d_rank", lambda T: T.nn.Softmax2d()(T.ones(2, 3))),
    ("unflatten_type", lambda T: T.nn.Unflatten(1, 6)),
    ("unflatten_element", lambda T: T.nn.Unflatten(1, (2, 3.0))),
    ("unflatten_sizes", lambda T: T.nn.Unflatten(1, (4, 4))(T.ones(2, 6))),
    ("unflatten_inferred_sizes", lambda T: T.ones(2, 6).unflatten(-1, (4, -1))),
    ("unflatten_empty", lambda T: T.unflatten(T.ones(2, 6), 0, ())),
    ("reflection_too_wide", lambda T: T.nn.ReflectionPad1d(3)(T.ones(1, 2, 3))),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(real_torch, case):
    def caught(T):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                case[1](T)
        return info.type.__name__, str(info.value)

    assert caught(gt) == caught(real_torch)


REPRS = [
    (lambda nn: nn.Unflatten(1, (2, 5, 5)), "Unflatten(dim=1, unflattened_size=(2, 5, 5))"),
    (lambda nn: nn.Unflatten(-1, [2, 3]), "Unflatten(dim=-1, unflattened_size=[2, 3])"),
    (lambda nn: nn.Dropout1d(), "Dropout1d(p=0.5, inplace=False)"),
    (lambda nn: nn.Dropout2d(0.2, inplace=True), "Dropout2d(p=0.2, inplace=True)"),
    (lambda nn: nn.Dropout3d(1), "Dropout3d(p=1, inplace=False)"),
    (lambda nn: nn.PReLU(), "PReLU(num_parameters=1)"),
    (lambda nn: nn.PReLU(64, init=0.1), "PReLU(num_parameters=64)"),
    (lambda nn: nn.Softmax2d(), "Softmax2d()"),
    (lambda nn: nn.ZeroPad1d(2), "ZeroPad1d((2, 2))"),
    (lambda nn: nn.ZeroPad2d((1, 1, 2, 0)), "ZeroPad2d((1, 1, 2, 0))"),
    (lambda nn: nn.ZeroPad2d(1), "ZeroPad2d((1, 1, 1, 1))"),
    (lambda nn: nn.ZeroPad3d([1, 2, 3, 4, 5, 6]), "ZeroPad3d((1, 2, 3, 4, 5, 6))"),
    (lambda nn: nn.ConstantPad1d(2, 3.5), "ConstantPad1d(padding=(2, 2), value=3.5)"),
    (lambda nn: nn.ConstantPad2d((3, 0, 2, 1), 1), "ConstantPad2d(padding=(3, 0, 2, 1), value=1)"),
    (lambda nn: nn.ConstantPad3d(1, -1.0), "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=-1.0)"),
    (lambda nn: nn.ReflectionPad1d((3, 1)), "ReflectionPad1d((3, 1))"),
    (lambda nn: nn.ReflectionPad2d(2), "ReflectionPad2d((2, 2, 2, 2))"),
    (lambda nn: nn.ReflectionPad3d(1), "ReflectionPad3d((1, 1, 1, 1, 1, 1))"),
    (lambda nn: nn.ReplicationPad1d(1), "ReplicationPad1d((1, 1))"),
    (lambda nn: nn.ReplicationPad2d((1, 1, 2, 0)), "ReplicationPad2d((1, 1, 2, 0))"),
    (lambda nn: nn.ReplicationPad3d(2), "ReplicationPad3d((2, 2, 2, 2, 2, 2))"),
]


@pytest.mark.parametrize("make, text", REPRS, ids=[r[1] for r in REPRS])
def test_module_reprs(make, text):
    assert repr(make(gt.nn)) == text


@pytest.mark.torch
@pytest.mark.parametrize("make, text", REPRS, ids=[r[1] for r in REPRS])
def test_module_reprs_are_torchs(real_torch, make, text):
    assert repr(make(real_torch.nn)) == text


def test_print_a_tutorial_model(capsys):
    model = gt.nn.Sequential(gt.nn.Linear(50, 18), gt.nn.Unflatten(1, (2, 3, 3)), gt.nn.ReflectionPad2d(1),
                             gt.nn.PReLU(2), gt.nn.Dropout2d(0.1), gt.nn.Softmax2d())
    print(model)
    assert capsys.readouterr().out == (
        "Sequential(\n"
        "  (0): Linear(in_features=50, out_features=18, bias=True)\n"
        "  (1): Unflatten(dim=1, unflattened_size=(2, 3, 3))\n"
        "  (2): ReflectionPad2d((1, 1, 1, 1))\n"
        "  (3): PReLU(num_parameters=2)\n"
        "  (4): Dropout2d(p=0.1, inplace=False)\n"
        "  (5): Softmax2d()\n"
        ")\n")
    assert model(gt.randn(4, 50)).shape == (4, 2, 5, 5)


def test_prelu_parameters_and_state_dict():
    m = gt.nn.PReLU(3, init=0.1)
    assert m.num_parameters == 3 and m.init == 0.1
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert m.weight.dtype is gt.float32 and m.weight.requires_grad
    np.testing.assert_array_equal(m.state_dict()["weight"].numpy(), np.full(3, 0.1, dtype=np.float32))
    assert gt.nn.PReLU(dtype=gt.float64).weight.dtype is gt.float64


def test_prelu_values():
    x = gt.tensor([[-2.0, 3.0], [1.0, -0.5]])
    y = gt.nn.functional.prelu(x, gt.tensor([0.25, 0.5]))
    assert y.tolist() == [[-0.5, 3.0], [1.0, -0.25]]


def _f64(*shape, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.2, 1.0, shape) * rng.choice([-1.0, 1.0], shape)  # away from the kink at 0
    return gt.tensor(data, dtype=gt.float64, requires_grad=True)


@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 4), (3,)), ((2, 3), (1,)), ((4,), (1,)), ((), (1,))])
def test_prelu_gradcheck_and_gradgradcheck(x_shape, w_shape):
    x, w = _f64(*x_shape), _f64(*w_shape, seed=1)
    assert gradcheck(gt.nn.functional.prelu, (x, w))
    assert gradgradcheck(gt.nn.functional.prelu, (x, w))


@pytest.mark.parametrize("make, shape", [(lambda: gt.nn.ReflectionPad2d((1, 0, 2, 1)), (1, 2, 3, 3)),
                                         (lambda: gt.nn.ReplicationPad1d(2), (2, 3)),
                                         (lambda: gt.nn.ConstantPad2d(1, 2.0), (1, 2, 2)),
                                         (lambda: gt.nn.Softmax2d(), (2, 3, 2, 2)),
                                         (lambda: gt.nn.Unflatten(0, (2, 2)), (4, 3))])
def test_module_gradcheck(make, shape):
    assert gradcheck(make(), (_f64(*shape),))


def test_dropout2d_gradcheck_under_a_fixed_seed():
    x = _f64(2, 3, 2, 2)

    def fn(t):
        gt.manual_seed(3)
        return gt.nn.functional.dropout2d(t, 0.5)

    assert gradcheck(fn, (x,))


@pytest.mark.torch
def test_prelu_second_order_gradients_match_torch(real_torch):
    def run(T):
        x = T.tensor(np.linspace(-1.5, 1.5, 24).reshape(2, 3, 4), dtype=T.float64, requires_grad=True)
        w = T.tensor([0.2, -0.3, 0.4], dtype=T.float64, requires_grad=True)
        gx, gw = T.autograd.grad((T.nn.functional.prelu(x, w) ** 2).sum(), (x, w), create_graph=True)
        return [g.detach().numpy() for g in T.autograd.grad((gx * x).sum() + (gw ** 2).sum(), (x, w))]

    for ours, theirs in zip(run(gt), run(real_torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_unflatten_everywhere_matches_torch(real_torch):
    for T in (gt, real_torch):
        x = T.arange(24.0).reshape(2, 12)
        assert tuple(T.unflatten(x, 1, (3, 4)).shape) == (2, 3, 4)
        assert tuple(x.unflatten(-1, (2, -1, 3)).shape) == (2, 2, 2, 3)
        assert tuple(T.nn.Unflatten(0, T.Size([1, 2]))(x).shape) == (1, 2, 12)
