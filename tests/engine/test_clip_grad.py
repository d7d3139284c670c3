"""torch.nn.utils gradient clipping and parameter flattening against real PyTorch: the returned total norm,
the clipped gradients (2-norm, inf-norm, p-norms, several dtypes), the non-finite error, and the vectors."""
import numpy as np
import pytest

import gradtrace.engine as gt


def _params(T, dtype="float32", grads=None):
    rng = np.random.default_rng(3)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = grads or [rng.standard_normal(s).astype(dtype) * 3 for s in shapes]
    ps = []
    for g in grads:
        p = T.nn.Parameter(T.zeros(g.shape, dtype=getattr(T, dtype)))
        p.grad = T.tensor(g)
        ps.append(p)
    return ps


def _utils(T):
    return T.nn.utils


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type,max_norm", [(2.0, 1.0), (2, 100.0), (float("inf"), 0.5), (1.0, 2.0), (3.0, 1.5),
                                                ("inf", 0.5)])
def test_clip_grad_norm_matches_torch(real_torch, dtype, norm_type, max_norm):
    def run(T):
        ps = _params(T, dtype)
        total = _utils(T).clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        return total, [p.grad.numpy() for p in ps]

    (ours, og), (theirs, tg) = run(gt), run(real_torch)
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape) == ()
    assert ours.numpy().tobytes() == theirs.numpy().tobytes()
    assert repr(ours) == repr(theirs)
    for a, b in zip(og, tg):
        assert a.tobytes() == b.tobytes()


@pytest.mark.torch
def test_clip_grad_norm_single_tensor_and_missing_grads(real_torch):
    def run(T):
        ps = _params(T)
        ps[1].grad = None
        total_list = _utils(T).clip_grad_norm_(ps, 0.1)
        p = T.nn.Parameter(T.ones(3))
        p.grad = T.tensor([3.0, 4.0, 12.0])
        total_one = _utils(T).clip_grad_norm_(p, 1.0)
        return [total_list.item(), total_one.item(), p.grad.tolist()] + [q.grad.numpy().tolist() for q in ps if q.grad is not None]

    assert run(gt) == run(real_torch)


@pytest.mark.torch
def test_clip_grad_norm_without_any_grads_returns_zero(real_torch):
    ours = gt.nn.utils.clip_grad_norm_([gt.nn.Parameter(gt.ones(2))], 1.0)
    theirs = real_torch.nn.utils.clip_grad_norm_([real_torch.nn.Parameter(real_torch.ones(2))], 1.0)
    assert repr(ours) == repr(theirs) == "tensor(0.)"


@pytest.mark.torch
@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_nonfinite_norm_error_and_default_scaling(real_torch, bad):
    def grads():
        return [np.array([1.0, bad], dtype=np.float32), np.array([2.0], dtype=np.float32)]

    def raise_text(T):
        with pytest.raises(RuntimeError) as info:
            _utils(T).clip_grad_norm_(_params(T, grads=grads()), 1.0, error_if_nonfinite=True)
        return str(info.value)

    assert raise_text(gt) == raise_text(real_torch)
    assert "The total norm of order 2.0 for gradients from `parameters` is non-finite" in raise_text(gt)

    def scaled(T):
        ps = _params(T, grads=grads())
        total = _utils(T).clip_grad_norm_(ps, 1.0)
        return repr(total), [repr(p.grad) for p in ps]

    assert scaled(gt) == scaled(real_torch)


@pytest.mark.torch
def test_empty_generator_warns_as_torch(real_torch):
    def warned(T):
        with pytest.warns(UserWarning) as record:
            _utils(T).clip_grad_norm_((p for p in []), 1.0)
        return [str(w.message) for w in record]

    assert warned(gt) == warned(real_torch) == ["`parameters` is an empty generator, no gradient clipping will occur."]


@pytest.mark.torch
def test_deprecated_clip_grad_norm_warns_as_torch(real_torch):
    def run(T):
        with pytest.warns(FutureWarning) as record:
            total = _utils(T).clip_grad_norm(_params(T), 1.0)
        return total.item(), [str(w.message) for w in record]

    assert run(gt) == run(real_torch)


@pytest.mark.torch
def test_foreach_true_gives_the_same_result_as_torch(real_torch):
    def run(T):
        ps = _params(T)
        total = _utils(T).clip_grad_norm_(ps, 1.0, foreach=True)
        _utils(T).clip_grad_value_(ps, 0.2, foreach=True)
        return total.numpy().tobytes(), [p.grad.numpy().tobytes() for p in ps]

    assert run(gt) == run(real_torch)


@pytest.mark.torch
@pytest.mark.parametrize("clip_value", [0.5, 2, 100.0])
def test_clip_grad_value_matches_torch(real_torch, clip_value):
    def run(T):
        ps = _params(T)
        assert _utils(T).clip_grad_value_(ps, clip_value) is None
        return [p.grad.numpy().tobytes() for p in ps]

    assert run(gt) == run(real_torch)


@pytest.mark.torch
def test_parameters_to_vector_and_back(real_torch):
    def run(T):
        u = _utils(T)
        model = T.nn.Linear(3, 2)
        with T.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(T.arange(p.numel(), dtype=T.float32).reshape(p.shape) + 10 * i)
        vec = u.parameters_to_vector(model.parameters())
        first = (repr(vec), tuple(vec.shape))
        u.vector_to_parameters(T.arange(8, dtype=T.float32) * -1, model.parameters())
        return first, [repr(p) for p in model.parameters()]

    assert run(gt) == run(real_torch)


@pytest.mark.torch
def test_vector_to_parameters_type_error(real_torch):
    def message(T):
        with pytest.raises(TypeError) as info:
            _utils(T).vector_to_parameters([1.0, 2.0], [T.nn.Parameter(T.ones(2))])
        return str(info.value)

    assert message(gt) == message(real_torch) == "expected torch.Tensor, but got: list"
