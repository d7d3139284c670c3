"""Normalisation, embedding and padding: F.layer_norm / batch_norm / group_norm / embedding / pad and the
nn modules built on them, against real PyTorch (values, node names, gradients, running statistics,
reprs, initial parameters) and against float64 finite differences (gradcheck / gradgradcheck).

Each functional case is one row: an id, a function `fn(T, *inputs)` written once against the torch API
(T is real torch or gradtrace.engine), and input specs: "f:2,3" a random normal float input that
requires grad, "c:2,3" a float constant, "p:3" a positive float constant (variances), or a numpy array
used as is (indices).
"""
from functools import partial

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import (GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES, assert_close, gradients, make_arrays,
                        tensors as _tensors)

IDX = np.array([[0, 2, 4], [4, 0, 1]])
IDX_REPEATED = np.array([1, 3, 1, 1, 0])


def _bn_train(T, x, w, b):
    rm, rv = T.zeros(x.shape[1], dtype=x.dtype), T.ones(x.shape[1], dtype=x.dtype)
    return T.nn.functional.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)


CASES = [
    ("layer_norm", lambda T, x, w, b: T.nn.functional.layer_norm(x, (4,), w, b), ["f:3,4", "f:4", "f:4"]),
    ("layer_norm_2d_shape", lambda T, x, w, b: T.nn.functional.layer_norm(x, (3, 4), w, b, eps=1e-3),
     ["f:2,3,4", "f:3,4", "f:3,4"]),
    ("layer_norm_plain", lambda T, x: T.nn.functional.layer_norm(x, [5]), ["f:2,3,5"]),
    ("layer_norm_weight_only", lambda T, x, w: T.nn.functional.layer_norm(x, (4,), w), ["f:3,4", "f:4"]),
    ("layer_norm_whole", lambda T, x, w, b: T.nn.functional.layer_norm(x, (3, 4), w, b), ["f:3,4", "f:3,4", "f:3,4"]),
    ("batch_norm_train_2d", _bn_train, ["f:5,3", "f:3", "f:3"]),
    ("batch_norm_train_3d", _bn_train, ["f:4,3,2", "f:3", "f:3"]),
    ("batch_norm_train_4d", _bn_train, ["f:2,3,2,2", "f:3", "f:3"]),
    ("batch_norm_no_stats", lambda T, x: T.nn.functional.batch_norm(x, None, None, training=True), ["f:4,3,2"]),
    ("batch_norm_eval", lambda T, x, rm, rv, w, b: T.nn.functional.batch_norm(x, rm, rv, w, b),
     ["f:4,3", "c:3", "p:3", "f:3", "f:3"]),
    ("batch_norm_eval_4d", lambda T, x, rm, rv, w: T.nn.functional.batch_norm(x, rm, rv, w, eps=1e-3),
     ["f:2,3,2,2", "c:3", "p:3", "f:3"]),
    ("group_norm", lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b), ["f:2,4,3", "f:4", "f:4"]),
    ("group_norm_4d", lambda T, x, w, b: T.nn.functional.group_norm(x, 3, w, b, eps=1e-3),
     ["f:2,6,2,2", "f:6", "f:6"]),
    ("group_norm_plain_2d", lambda T, x: T.nn.functional.group_norm(x, 2), ["f:3,4"]),
    ("embedding", lambda T, w, i: T.nn.functional.embedding(i, w), ["f:5,3", IDX]),
    # padding_idx and scale_grad_by_freq change the gradient on purpose: not the function's derivative
    ("embedding_padding", lambda T, w, i: T.nn.functional.embedding(i, w, padding_idx=4), ["f:5,3", IDX],
     {"derivative": False}),
    ("embedding_negative_padding", lambda T, w, i: T.nn.functional.embedding(i, w, padding_idx=-1),
     ["f:5,3", IDX], {"derivative": False}),
    ("embedding_scale_grad_by_freq",
     lambda T, w, i: T.nn.functional.embedding(i, w, padding_idx=0, scale_grad_by_freq=True),
     ["f:4,2", IDX_REPEATED], {"derivative": False}),
    ("pad", lambda T, x: T.nn.functional.pad(x, (1, 2)), ["f:2,3"]),
    ("pad_two_dims_value", lambda T, x: T.nn.functional.pad(x, (1, 0, 2, 1), value=1.5), ["f:2,3"]),
    ("pad_crop_and_pad", lambda T, x: T.nn.functional.pad(x, (-1, 1, 0, -1)), ["f:2,3,4"]),
    ("pad_crop", lambda T, x: T.nn.functional.pad(x, (-1, -2)), ["f:2,4"]),
    ("pad_crop_to_empty", lambda T, x: T.nn.functional.pad(x, (-2, -2)), ["f:2,4"], {"derivative": False}),
    ("pad_all_dims", lambda T, x: T.nn.functional.pad(x, [1, 1, 0, 2, 1, 0]), ["f:2,2,2"]),
    ("pad_reflect_1d", lambda T, x: T.nn.functional.pad(x, (2, 1), mode="reflect"), ["f:2,3"],
     {"node": "ReflectionPad1DBackward0"}),
    ("pad_reflect_2d", lambda T, x: T.nn.functional.pad(x, (1, 2, 2, 0), mode="reflect"), ["f:1,2,3,4"],
     {"node": "ReflectionPad2DBackward0"}),
    ("pad_reflect_crop", lambda T, x: T.nn.functional.pad(x, (-1, 2), mode="reflect"), ["f:2,2,4"],
     {"node": "ReflectionPad1DBackward0"}),
    ("pad_replicate_1d", lambda T, x: T.nn.functional.pad(x, (3, 1), mode="replicate"), ["f:2,2,3"],
     {"node": "ReplicationPad1DBackward0"}),
    ("pad_replicate_crop", lambda T, x: T.nn.functional.pad(x, (-1, 2), mode="replicate"), ["f:2,3"],
     {"node": "ReplicationPad1DBackward0"}),
    ("pad_replicate_3d", lambda T, x: T.nn.functional.pad(x, (1, 0, 0, 2, 1, 1), mode="replicate"),
     ["f:2,2,2,3"], {"node": "ReplicationPad3DBackward0"}),
]
IDS = [c[0] for c in CASES]
# cases whose gradient is the derivative finite differences measure (an empty output has none to measure)
DERIVATIVES = [c for c in CASES if c[3:] == () or c[3].get("derivative", True)]
NODES = {"layer_norm": "NativeLayerNormBackward0", "batch_norm": "NativeBatchNormBackward0",
         "group_norm": "NativeGroupNormBackward0", "embedding": "EmbeddingBackward0", "pad": "ConstantPadNdBackward0"}


# what this file's spec kinds mean (see op_harness.make_arrays): "p" a positive constant (variances); only "f"
# inputs require grad
KINDS = {"p": lambda rng, shape: np.abs(rng.standard_normal(shape)) + 0.5}
TOLERANCES = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-11)}

_arrays = partial(make_arrays, kinds=KINDS, seed=0, no_grad_kinds=("c", "p"))
_close = partial(assert_close, tolerances=TOLERANCES)
# every input must be used; the second-order vectors are drawn on from the first-order weights' generator,
# one per gradient
_gradients = partial(gradients, allow_unused=False, second_seed=None, every_gradient_draws=True,
                     missing_in_input_dtype=False)


# ---- functionals against torch ---------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_node_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = case[1](gt, *_tensors(gt, arrays, flags))
    theirs = case[1](real_torch, *_tensors(real_torch, arrays, flags))
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    options = case[3] if len(case) > 3 else {}
    expected = options.get("node") or next(name for prefix, name in NODES.items() if case[0].startswith(prefix))
    assert ours.grad_fn.name() == theirs.grad_fn.name() == expected
    assert len(ours.grad_fn.next_functions) == len(theirs.grad_fn.next_functions)
    _close(ours.detach().numpy(), theirs.detach().numpy(), dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_first_order_gradients_match_torch(real_torch, case, dtype_name):
    arrays, flags = _arrays(case, np.dtype(dtype_name))
    ours = _gradients(gt, case, arrays, flags, 1)
    theirs = _gradients(real_torch, case, arrays, flags, 1)
    for o, t in zip(ours, theirs):
        assert o.dtype == t.dtype
        _close(o, t, dtype_name, case[0])


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_order_gradients_match_torch(real_torch, case):
    arrays, flags = _arrays(case, np.float64)
    ours = _gradients(gt, case, arrays, flags, 2)
    theirs = _gradients(real_torch, case, arrays, flags, 2)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-8, atol=1e-9, err_msg=case[0])


def _op(case):
    return lambda *inputs: case[1](gt, *inputs)


@pytest.mark.parametrize("case", DERIVATIVES, ids=[c[0] for c in DERIVATIVES])
def test_gradients_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradcheck(_op(case), tuple(_tensors(gt, arrays, flags)), **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", DERIVATIVES, ids=[c[0] for c in DERIVATIVES])
def test_second_derivatives_match_finite_differences(case):
    arrays, flags = _arrays(case, np.float64)
    assert gradgradcheck(_op(case), tuple(_tensors(gt, arrays, flags)), **GRADGRADCHECK_TOLERANCES)


# ---- what the nodes keep ---------------------------------------------------------------------------
@pytest.mark.torch
def test_saved_values_match_torch(real_torch):
    F = "T.nn.functional."
    cases = [  # (expression over x (3, 4), w (4,) and e (4, 4), the saved values to compare)
        (F + "layer_norm(x, (4,), w, None, 1e-3)", ["normalized_shape", "weight", "bias", "result1", "result2"]),
        (F + "batch_norm(x, T.zeros(4), T.ones(4), w, None, True, 0.2, 1e-3)",
         ["eps", "training", "weight", "running_mean", "running_var", "result1", "result2"]),
        (F + "batch_norm(x, T.zeros(4) + 0.5, T.ones(4) * 2, w)",
         ["eps", "training", "running_mean", "running_var", "result1", "result2"]),
        (F + "group_norm(x, 2, w, None, 1e-3)", ["N", "C", "HxW", "group", "eps", "weight", "result1", "result2"]),
        (F + "embedding(T.tensor([[0, 3], [3, 1]]), e, padding_idx=3)",
         ["padding_idx", "weight_sym_argsize_0", "scale_grad_by_freq", "sparse", "indices"]),
        (F + "embedding(T.tensor([2, 1]), e, scale_grad_by_freq=True)", ["padding_idx", "scale_grad_by_freq"]),
        (F + "pad(x, (2, -1, 0, 1))", ["pad"]),
        (F + "pad(x, (2, 1), mode='reflect')", ["padding", "self"]),
        (F + "pad(x, (1, 3), mode='replicate')", ["padding", "self"]),
    ]
    rng = np.random.default_rng(3)
    arrays = {k: rng.standard_normal(shape).astype(np.float32) for k, shape in (("x", (3, 4)), ("w", (4,)),
                                                                                 ("e", (4, 4)))}
    for expr, names in cases:
        ours, theirs = (eval(expr, {"T": T, **{k: T.tensor(a, requires_grad=True) for k, a in arrays.items()}}).grad_fn
                        for T in (gt, real_torch))
        for name in names:
            o, t = getattr(ours, "_saved_" + name), getattr(theirs, "_saved_" + name)
            if isinstance(t, real_torch.Tensor):
                assert tuple(o.shape) == tuple(t.shape), (expr, name)
                np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6,
                                           err_msg=f"{expr}: {name}")
            elif t is None:
                assert o is None, (expr, name)
            else:
                assert o == t, (expr, name)


def test_saved_values_read_like_torch():
    x = gt.randn(2, 3, requires_grad=True)
    node = gt.nn.functional.layer_norm(x, 3).grad_fn
    assert node._saved_normalized_shape == (3,)
    assert node._saved_weight is None and node._saved_bias is None
    assert tuple(node._saved_result1.shape) == (2, 1) and tuple(node._saved_result2.shape) == (2, 1)
    assert not hasattr(node, "_saved_eps")  # torch's layer norm backward reads rstd, not eps
    w = gt.randn(5, 3, requires_grad=True)
    node = gt.nn.functional.embedding(gt.tensor([1, 2]), w).grad_fn
    assert node._saved_padding_idx == 18446744073709551615  # torch's -1 as it prints: an unsigned 64-bit int
    assert gt.nn.functional.pad(x, (1, -1)).grad_fn._saved_pad == (1, 18446744073709551615)
    node = gt.nn.functional.batch_norm(x, None, None, training=True).grad_fn
    assert node._saved_running_mean is None and node._saved_training is True and node._saved_eps == 1e-5


# ---- modules -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, text", [
    (lambda nn: nn.LayerNorm(3), "LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (lambda nn: nn.LayerNorm([2, 3], eps=1e-6, bias=False),
     "LayerNorm((2, 3), eps=1e-06, elementwise_affine=True, bias=False)"),
    (lambda nn: nn.LayerNorm(4, elementwise_affine=False),
     "LayerNorm((4,), eps=1e-05, elementwise_affine=False, bias=False)"),
    (lambda nn: nn.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"),
    (lambda nn: nn.BatchNorm1d(3),
     "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"),
    (lambda nn: nn.BatchNorm2d(4, momentum=None, affine=False, track_running_stats=False),
     "BatchNorm2d(4, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=False)"),
    (lambda nn: nn.Embedding(10, 3), "Embedding(10, 3)"),
    (lambda nn: nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
    (lambda nn: nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True,
                             sparse=True),
     "Embedding(10, 3, padding_idx=9, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, sparse=True)"),
])
def test_module_reprs(make, text):
    assert repr(make(gt.nn)) == text


def test_print_model(capsys):
    model = gt.nn.Sequential(gt.nn.Embedding(10, 3, padding_idx=0), gt.nn.LayerNorm(3), gt.nn.Linear(3, 4),
                             gt.nn.BatchNorm1d(4))
    print(model)
    assert capsys.readouterr().out == (
        "Sequential(\n"
        "  (0): Embedding(10, 3, padding_idx=0)\n"
        "  (1): LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)\n"
        "  (2): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (3): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        ")\n"
    )


@pytest.mark.torch
@pytest.mark.parametrize("seed", [0, 7])
def test_parameters_after_manual_seed_equal_torch_bitwise(real_torch, seed):
    models = []
    for T in (gt, real_torch):
        T.manual_seed(seed)
        models.append(T.nn.Sequential(T.nn.Embedding(10, 3, padding_idx=2), T.nn.LayerNorm(3), T.nn.Linear(3, 4),
                                      T.nn.BatchNorm1d(4), T.nn.GroupNorm(2, 4),
                                      T.nn.Embedding(5, 2, dtype=T.float64)))
    ours, theirs = (dict(m.state_dict()) for m in models)
    assert sorted(ours) == sorted(theirs)
    for name, t in theirs.items():
        assert str(ours[name].dtype) == str(t.dtype), name
        np.testing.assert_array_equal(ours[name].numpy(), t.numpy(), err_msg=name)
    assert not ours["0.weight"].numpy()[2].any()
    # the generator has moved on identically too
    assert gt.randn(3).tolist() == real_torch.randn(3).tolist()


def test_parameters_and_buffers():
    bn = gt.nn.BatchNorm1d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.weight.tolist() == [1.0, 1.0, 1.0] and bn.bias.tolist() == [0.0, 0.0, 0.0]
    assert bn.running_var.tolist() == [1.0, 1.0, 1.0] and str(bn.num_batches_tracked.dtype) == "torch.int64"
    plain = gt.nn.BatchNorm2d(3, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []
    assert plain.running_mean is None and plain.weight is None
    ln = gt.nn.LayerNorm((2, 3), bias=False)
    assert [n for n, _ in ln.named_parameters()] == ["weight"] and ln.bias is None
    assert tuple(ln.weight.shape) == (2, 3)
    assert gt.nn.GroupNorm(2, 4, affine=False).weight is None


@pytest.mark.torch
@pytest.mark.parametrize("dims, momentum, affine", [(2, 0.1, True), (3, 0.3, False), (4, None, True)])
def test_batchnorm_training_then_eval_matches_torch(real_torch, dims, momentum, affine):
    shape = {2: (6, 3), 3: (4, 3, 5), 4: (2, 3, 2, 3)}[dims]
    rng = np.random.default_rng(dims)
    batches = [(rng.standard_normal(shape) * 2 + 1).astype(np.float32) for _ in range(5)]
    target = rng.standard_normal(shape).astype(np.float32)
    results = []
    for T in (gt, real_torch):
        T.manual_seed(0)
        cls = T.nn.BatchNorm1d if dims < 4 else T.nn.BatchNorm2d
        bn = cls(3, momentum=momentum, affine=affine)
        opt = T.optim.SGD(bn.parameters(), lr=0.1) if affine else None
        outs = []
        for b in batches:
            out = bn(T.tensor(b))
            if affine:
                opt.zero_grad()
                ((out - T.tensor(target)) ** 2).mean().backward()
                opt.step()
            outs.append(out.detach().numpy())
        bn.eval()
        outs.append(bn(T.tensor(batches[0])).detach().numpy())
        results.append((outs, {k: v.numpy() for k, v in bn.state_dict().items()}))
    (ours, our_state), (theirs, their_state) = results
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-5)
    assert list(our_state) == list(their_state)
    assert our_state["num_batches_tracked"] == their_state["num_batches_tracked"] == 5
    for k in their_state:
        np.testing.assert_allclose(our_state[k], their_state[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_batchnorm_running_var_is_unbiased():
    x = gt.tensor([[1.0], [2.0], [4.0]])
    rm, rv = gt.zeros(1), gt.ones(1)
    gt.nn.functional.batch_norm(x, rm, rv, training=True, momentum=1.0)
    assert rm.tolist() == pytest.approx([7 / 3])
    assert rv.tolist() == pytest.approx([np.var([1.0, 2.0, 4.0], ddof=1)])


def test_running_statistics_updates_leave_earlier_graphs_usable():
    # torch updates the buffers in place without bumping their versions: a second forward before the
    # first backward (gradient accumulation) is fine
    bn = gt.nn.BatchNorm1d(3)
    x = gt.randn(4, 3, requires_grad=True)
    versions = bn.running_mean._version, bn.running_var._version
    first = bn(x)
    bn(x * 2)
    assert (bn.running_mean._version, bn.running_var._version) == versions
    (first * gt.arange(3.0)).sum().backward()
    assert x.grad is not None


def test_eval_mode_uses_running_statistics():
    bn = gt.nn.BatchNorm1d(2)
    with gt.no_grad():
        bn.running_mean.copy_(gt.tensor([1.0, -1.0]))
        bn.running_var.copy_(gt.tensor([4.0, 0.25]))
    bn.eval()
    out = bn(gt.tensor([[3.0, 0.0], [1.0, -1.5]]))
    np.testing.assert_allclose(out.detach().numpy(), [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)],
                                                      [0.0, -0.5 / np.sqrt(0.25 + 1e-5)]], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 0 and bn.running_mean.tolist() == [1.0, -1.0]


@pytest.mark.torch
def test_embedding_module_matches_torch(real_torch):
    results = []
    for T in (gt, real_torch):
        T.manual_seed(3)
        emb = T.nn.Embedding(6, 4, padding_idx=1)
        opt = T.optim.SGD(emb.parameters(), lr=0.1)
        idx = T.tensor([[1, 2, 5], [5, 1, 0]])
        for _ in range(3):
            opt.zero_grad()
            (emb(idx) ** 2).sum().backward()
            opt.step()
        results.append((emb.weight.detach().numpy(), emb.weight.grad.numpy()))
    for o, t in zip(*results):
        np.testing.assert_allclose(o, t, rtol=1e-6, atol=1e-7)
    assert not results[0][1][1].any()  # the padding row gets no gradient


@pytest.mark.torch
def test_embedding_max_norm_renormalises_weight_like_torch(real_torch):
    results = []
    for T in (gt, real_torch):
        T.manual_seed(1)
        emb = T.nn.Embedding(5, 3, max_norm=1.0)
        out = emb(T.tensor([0, 2, 2]))
        results.append((out.detach().numpy(), emb.weight.detach().numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
    assert (np.linalg.norm(results[0][1][[0, 2]], axis=1) <= 1.0 + 1e-6).all()


def test_embedding_from_pretrained():
    weights = gt.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    emb = gt.nn.Embedding.from_pretrained(weights)
    assert repr(emb) == "Embedding(2, 3)"
    assert not emb.weight.requires_grad
    np.testing.assert_allclose(emb(gt.tensor([1])).numpy(), [[4.0, 5.1, 6.3]], rtol=1e-6)
    trainable = gt.nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        gt.nn.Embedding.from_pretrained(gt.ones(3))


def test_layernorm_and_groupnorm_modules_train():
    gt.manual_seed(0)
    model = gt.nn.Sequential(gt.nn.Linear(4, 4), gt.nn.LayerNorm(4), gt.nn.ReLU(), gt.nn.Linear(4, 4))
    x = gt.randn(8, 4)
    losses = []
    opt = gt.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - x) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.8
    gn = gt.nn.GroupNorm(2, 4)
    out = gn(gt.randn(3, 4, 5))
    groups = out.detach().numpy().reshape(3, 2, -1)
    np.testing.assert_allclose(groups.mean(-1), 0, atol=1e-6)
    np.testing.assert_allclose(groups.var(-1), 1, atol=1e-3)


# ---- errors ------------------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("expr", [
    "T.nn.functional.batch_norm(T.ones(1, 3), T.zeros(3), T.ones(3), training=True)",
    "T.nn.BatchNorm1d(3)(T.ones(1, 3))",
    "T.nn.BatchNorm2d(3)(T.ones(1, 3, 1, 1))",
    "T.nn.BatchNorm1d(3)(T.ones(2, 3, 4, 5))",
    "T.nn.BatchNorm2d(3)(T.ones(2, 3))",
    "T.nn.functional.batch_norm(T.ones(2, 3), None, None)",
    "T.nn.functional.batch_norm(T.ones(2, 3), None, None, training=True, eps=0.0)",
    "T.nn.functional.layer_norm(T.ones(2, 4), (3,))",
    "T.nn.functional.layer_norm(T.ones(2, 3, 4), (3, 3))",
    "T.nn.functional.group_norm(T.ones(2, 4, 3), 3)",
    "T.nn.functional.group_norm(T.ones(4), 2)",
    "T.nn.functional.group_norm(T.ones(1, 2, 1), 2)",
    "T.nn.GroupNorm(3, 4)",
    "T.nn.functional.embedding(T.tensor([5]), T.ones(5, 2))",
    "T.nn.functional.embedding(T.tensor([-1]), T.ones(5, 2))",
    "T.nn.functional.embedding(T.tensor([1.0]), T.ones(5, 2))",
    "T.nn.functional.embedding(T.tensor([1]), T.ones(5, 2), padding_idx=5)",
    "T.nn.Embedding(5, 2, padding_idx=-6)",
    "T.nn.functional.pad(T.ones(2, 3), (1, 2, 3))",
    "T.nn.functional.pad(T.ones(2, 3), (-2, -2))",
    "T.nn.functional.pad(T.ones(3), (1, 1, 1, 1))",
    "T.nn.functional.pad(T.ones(2, 3), (3, 1), mode='reflect')",
    "T.nn.functional.pad(T.ones(3), (1, 1), mode='reflect')",
    "T.nn.functional.pad(T.ones(2, 3), (1, 1, 1, 1), mode='replicate')",
    "T.nn.functional.pad(T.ones(2, 3), (1,), mode='replicate')",
    "T.nn.functional.pad(T.ones(2, 3), (1, 1), mode='bogus')",
])
def test_errors_match_torch(real_torch, expr):
    with pytest.raises(Exception) as theirs:
        eval(expr, {"T": real_torch})
    with pytest.raises(type(theirs.value)) as ours:
        eval(expr, {"T": gt})
    assert str(ours.value) == str(theirs.value)


# ---- Module's state with buffers -----------------------------------------------------------------------
def test_state_dict_orders_buffers_module_by_module():
    model = gt.nn.Sequential(gt.nn.BatchNorm1d(3), gt.nn.Linear(3, 3))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "0.running_mean", "0.running_var",
                                        "0.num_batches_tracked", "1.weight", "1.bias"]


def test_load_state_dict_restores_buffers():
    bn = gt.nn.BatchNorm1d(3)
    bn(gt.randn(4, 3))
    fresh = gt.nn.BatchNorm1d(3)
    fresh.load_state_dict(bn.state_dict())
    assert fresh.running_mean.tolist() == bn.running_mean.tolist()


CIRCULAR_PADS = [((1, 1, 6), (2, 3)), ((1, 1, 6), (-1, 2)), ((1, 1, 6), (0, 0)), ((1, 1, 3, 4), (1, 2, 2, 1)),
                 ((2, 3, 4), (4, 1)), ((1, 2, 2, 3, 3), (1, 1, 2, 0, 1, 2)), ((1, 1, 6), (6, 6)),
                 ((1, 1, 6), (7, 0)), ((6,), (1, 1))]


@pytest.mark.torch
@pytest.mark.parametrize("shape,pad", CIRCULAR_PADS)
def test_circular_pad_matches_torch(real_torch, shape, pad):
    """Wraps the (cropped) input around; torch's node is a CopySlices; too much wrapping is torch's error."""

    def run(lib):
        x = lib.arange(float(np.prod(shape)), dtype=lib.float64).reshape(*shape).requires_grad_()
        try:
            y = lib.nn.functional.pad(x, pad, mode="circular")
        except Exception as error:  # noqa: BLE001 - the error itself is compared
            return type(error).__name__, str(error).split("\n")[0]
        weights = lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape)
        (grad,) = lib.autograd.grad((y * weights).sum(), x)
        return y.tolist(), y.grad_fn.name(), grad.tolist()

    assert run(gt) == run(real_torch)


def test_circular_pad_second_order():
    x = gt.randn(1, 2, 5, dtype=gt.float64, requires_grad=True)
    assert gradcheck(lambda t: gt.nn.functional.pad(t, (2, 3), mode="circular"), (x,))
    assert gradgradcheck(lambda t: gt.nn.functional.pad(t, (2, 3), mode="circular") ** 2, (x,))
