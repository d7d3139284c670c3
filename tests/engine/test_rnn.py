"""Recurrent layers (RNN, LSTM, GRU) and cells (RNNCell, LSTMCell, GRUCell) against real PyTorch: initial
parameters bit for bit after manual_seed, outputs, final states, and the gradients of the input, the initial
states and every parameter; reprs, state_dict keys, torch's error texts; and against float64 finite
differences (gradcheck / gradgradcheck) where torch is absent.
"""
import warnings
import zlib

import numpy as np
import pytest

import gradtrace.engine as gt
from gradtrace.engine.autograd import gradcheck, gradgradcheck
from op_harness import GRADCHECK_TOLERANCES, GRADGRADCHECK_TOLERANCES

OURS_NN = gt.nn

TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12)}


def _nn(T):
    return OURS_NN if T is gt else T.nn


def _dtype(T, dtype_name):
    return getattr(T, dtype_name)


def _close(ours, theirs, dtype_name, what):
    rtol, atol = TOLERANCES[dtype_name]
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=what)


# ---- layers: (id, class, constructor kwargs) -----------------------------------------------------------------
LAYERS = [
    ("rnn_tanh", "RNN", {}),
    ("rnn_relu_2_layers", "RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("rnn_bidirectional_batch_first", "RNN", {"bidirectional": True, "batch_first": True}),
    ("rnn_no_bias", "RNN", {"bias": False}),
    ("lstm", "LSTM", {}),
    ("lstm_2_layers_bidirectional", "LSTM", {"num_layers": 2, "bidirectional": True}),
    ("lstm_batch_first_2_layers", "LSTM", {"batch_first": True, "num_layers": 2}),
    ("lstm_no_bias_bidirectional", "LSTM", {"bias": False, "bidirectional": True}),
    ("lstm_proj_size", "LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("gru", "GRU", {}),
    ("gru_2_layers_bidirectional_batch_first", "GRU", {"num_layers": 2, "bidirectional": True,
                                                       "batch_first": True}),
    ("gru_no_bias_2_layers", "GRU", {"bias": False, "num_layers": 2}),
]
LAYER_IDS = [c[0] for c in LAYERS]
INPUT_SIZE, HIDDEN, SEQ, BATCH = 3, 4, 5, 2

# how a layer is called: batched or unbatched input, with the initial state given or left to default zeros
CALLS = ["batched_given", "batched_default", "unbatched_given", "unbatched_default"]


def _make_layer(T, case, dtype_name, seed=0):
    _, cls, kwargs = case
    T.manual_seed(seed)
    return getattr(_nn(T), cls)(INPUT_SIZE, HIDDEN, dtype=_dtype(T, dtype_name), **kwargs)


def _layer_arrays(case, call, np_dtype):
    """The input and initial-state arrays of a call, drawn from a generator seeded by the case and call."""
    _, cls, kwargs = case
    rng = np.random.default_rng(zlib.crc32(f"{case[0]} {call}".encode()))
    batched = call.startswith("batched")
    directions = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    out_size = kwargs.get("proj_size", 0) or HIDDEN
    if batched:
        x_shape = (BATCH, SEQ, INPUT_SIZE) if kwargs.get("batch_first") else (SEQ, BATCH, INPUT_SIZE)
        h_shape, c_shape = (layers * directions, BATCH, out_size), (layers * directions, BATCH, HIDDEN)
    else:
        x_shape = (SEQ, INPUT_SIZE)
        h_shape, c_shape = (layers * directions, out_size), (layers * directions, HIDDEN)
    x = rng.standard_normal(x_shape).astype(np_dtype)
    if call.endswith("default"):
        return x, []
    states = [rng.standard_normal(h_shape).astype(np_dtype)]
    if cls == "LSTM":
        states.append(rng.standard_normal(c_shape).astype(np_dtype))
    return x, states


def _run_layer(T, model, x, states):
    """Outputs (output and final states) and gradients of a weighted sum of them with respect to the input,
    the given initial states and every parameter, all as numpy, named."""
    x = T.tensor(x.copy(), requires_grad=True)
    states = [T.tensor(s.copy(), requires_grad=True) for s in states]
    if not states:
        output, final = model(x)
    elif len(states) == 1:
        output, final = model(x, states[0])
    else:
        output, final = model(x, tuple(states))
    finals = list(final) if isinstance(final, tuple) else [final]
    rng = np.random.default_rng(1)
    loss = None
    for t in [output] + finals:
        term = (t * T.tensor(rng.standard_normal(tuple(t.shape)), dtype=t.dtype)).sum()
        loss = term if loss is None else loss + term
    names = [n for n, _ in model.named_parameters()]
    wrt = [x] + states + [p for _, p in model.named_parameters()]
    grads = T.autograd.grad(loss, wrt)
    result = {"output": output, **{f"final{i}": f for i, f in enumerate(finals)}}
    result.update({f"grad_{n}": g for n, g in zip(["input"] + [f"state{i}" for i in range(len(states))] + names,
                                                  grads)})
    return {k: (tuple(v.shape), v.detach().numpy()) for k, v in result.items()}


def _copy_parameters(ours, theirs):
    """Load torch's parameters into ours, so a value test does not hang on the initialisation test."""
    ours.load_state_dict({k: gt.tensor(v.numpy().copy()) for k, v in theirs.state_dict().items()})


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", LAYERS, ids=LAYER_IDS)
def test_layer_outputs_and_gradients_match_torch(real_torch, case, call, dtype_name):
    ours, theirs = _make_layer(gt, case, dtype_name), _make_layer(real_torch, case, dtype_name)
    _copy_parameters(ours, theirs)
    x, states = _layer_arrays(case, call, np.dtype(dtype_name))
    got, want = _run_layer(gt, ours, x, states), _run_layer(real_torch, theirs, x, states)
    assert list(got) == list(want)
    for name, (shape, value) in want.items():
        assert got[name][0] == shape, name
        assert got[name][1].dtype == value.dtype, name
        _close(got[name][1], value, dtype_name, f"{case[0]} {call}: {name}")


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("case", LAYERS, ids=LAYER_IDS)
def test_layer_parameters_after_manual_seed_equal_torch_bitwise(real_torch, case, seed, dtype_name):
    ours, theirs = (dict(_make_layer(T, case, dtype_name, seed).named_parameters()) for T in (gt, real_torch))
    assert list(ours) == list(theirs)
    for name, t in theirs.items():
        assert str(ours[name].dtype) == str(t.dtype), name
        assert tuple(ours[name].shape) == tuple(t.shape), name
        assert ours[name].requires_grad
        np.testing.assert_array_equal(ours[name].detach().numpy(), t.detach().numpy(), err_msg=name)


@pytest.mark.torch
@pytest.mark.parametrize("case", LAYERS, ids=LAYER_IDS)
def test_state_dict_keys_match_torch(real_torch, case):
    ours, theirs = (_make_layer(T, case, "float32") for T in (gt, real_torch))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [[p.shape for p in ws] for ws in ours.all_weights] == [[p.shape for p in ws] for ws in theirs.all_weights]


def test_parameter_names_and_shapes():
    model = OURS_NN.LSTM(10, 20, num_layers=2, bidirectional=True)
    assert [(n, tuple(p.shape)) for n, p in model.named_parameters()] == [
        ("weight_ih_l0", (80, 10)), ("weight_hh_l0", (80, 20)), ("bias_ih_l0", (80,)), ("bias_hh_l0", (80,)),
        ("weight_ih_l0_reverse", (80, 10)), ("weight_hh_l0_reverse", (80, 20)), ("bias_ih_l0_reverse", (80,)),
        ("bias_hh_l0_reverse", (80,)),
        ("weight_ih_l1", (80, 40)), ("weight_hh_l1", (80, 20)), ("bias_ih_l1", (80,)), ("bias_hh_l1", (80,)),
        ("weight_ih_l1_reverse", (80, 40)), ("weight_hh_l1_reverse", (80, 20)), ("bias_ih_l1_reverse", (80,)),
        ("bias_hh_l1_reverse", (80,)),
    ]
    assert list(OURS_NN.GRU(3, 5, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert tuple(OURS_NN.GRU(3, 5).weight_ih_l0.shape) == (15, 3)


def test_shapes_of_outputs_and_states():
    x = gt.randn(7, 3, 10)
    output, (h, c) = OURS_NN.LSTM(10, 20, num_layers=2, bidirectional=True)(x)
    assert (tuple(output.shape), tuple(h.shape), tuple(c.shape)) == ((7, 3, 40), (4, 3, 20), (4, 3, 20))
    output, h = OURS_NN.GRU(10, 20, batch_first=True)(gt.randn(3, 7, 10))
    assert (tuple(output.shape), tuple(h.shape)) == ((3, 7, 20), (1, 3, 20))
    output, h = OURS_NN.RNN(10, 20, 2)(gt.randn(7, 10))
    assert (tuple(output.shape), tuple(h.shape)) == ((7, 20), (2, 20))


def test_last_output_is_final_hidden_state():
    model = OURS_NN.LSTM(3, 4, batch_first=True)
    output, (h, _) = model(gt.randn(2, 5, 3))
    np.testing.assert_array_equal(output[:, -1].detach().numpy(), h[0].detach().numpy())


# ---- dropout between layers ---------------------------------------------------------------------------------
@pytest.mark.torch
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_matches_torch_random_stream(real_torch, cls):
    case = ("dropout", cls, {"num_layers": 3, "dropout": 0.5, "bidirectional": True})
    results = []
    for T in (gt, real_torch):
        model = _make_layer(T, case, "float64")
        x = np.random.default_rng(4).standard_normal((SEQ, BATCH, INPUT_SIZE))
        T.manual_seed(11)
        trained = _run_layer(T, model, x, [])
        model.eval()
        evaluated = _run_layer(T, model, x, [])
        results.append((trained, evaluated))
    (ours_train, ours_eval), (theirs_train, theirs_eval) = results
    for got, want in ((ours_train, theirs_train), (ours_eval, theirs_eval)):
        for name, (_, value) in want.items():
            _close(got[name][1], value, "float64", name)
    assert not np.allclose(ours_train["output"][1], ours_eval["output"][1])


def test_dropout_only_in_training_and_not_after_last_layer():
    model = OURS_NN.GRU(3, 4, num_layers=2, dropout=0.5).double()
    x = gt.randn(5, 2, 3, dtype=gt.float64)
    model.eval()
    first, second = model(x)[0], model(x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    model.train()
    gt.manual_seed(0)
    a = model(x)[0]
    gt.manual_seed(1)
    b = model(x)[0]
    assert not np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert not (a.detach().numpy() == 0).any()  # the last layer's output is never dropped


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got "
                                         "dropout=0.5 and num_layers=1"):
        OURS_NN.LSTM(10, 20, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OURS_NN.LSTM(10, 20, num_layers=2, dropout=0.5)


# ---- cells ----------------------------------------------------------------------------------------------------
CELLS = [
    ("rnn_cell", "RNNCell", {}),
    ("rnn_cell_relu_no_bias", "RNNCell", {"nonlinearity": "relu", "bias": False}),
    ("lstm_cell", "LSTMCell", {}),
    ("lstm_cell_no_bias", "LSTMCell", {"bias": False}),
    ("gru_cell", "GRUCell", {}),
    ("gru_cell_no_bias", "GRUCell", {"bias": False}),
]
CELL_IDS = [c[0] for c in CELLS]


def _run_cell(T, model, x, states):
    x = T.tensor(x.copy(), requires_grad=True)
    states = [T.tensor(s.copy(), requires_grad=True) for s in states]
    out = model(x) if not states else model(x, states[0] if len(states) == 1 else tuple(states))
    outs = list(out) if isinstance(out, tuple) else [out]
    rng = np.random.default_rng(1)
    loss = sum((t * T.tensor(rng.standard_normal(tuple(t.shape)), dtype=t.dtype)).sum() for t in outs)
    params = [p for p in model.parameters()]
    grads = T.autograd.grad(loss, [x] + states + params)
    return [(tuple(t.shape), t.detach().numpy()) for t in outs + list(grads)]


@pytest.mark.torch
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", CELLS, ids=CELL_IDS)
def test_cell_outputs_and_gradients_match_torch(real_torch, case, call, dtype_name):
    _, cls, kwargs = case
    models = []
    for T in (gt, real_torch):
        T.manual_seed(0)
        models.append(getattr(_nn(T), cls)(INPUT_SIZE, HIDDEN, dtype=_dtype(T, dtype_name), **kwargs))
    for (name, p), (tname, t) in zip(models[0].named_parameters(), models[1].named_parameters()):
        assert name == tname
        np.testing.assert_array_equal(p.detach().numpy(), t.detach().numpy(), err_msg=name)
    rng = np.random.default_rng(zlib.crc32(f"{case[0]} {call}".encode()))
    batch = (BATCH,) if call.startswith("batched") else ()
    x = rng.standard_normal(batch + (INPUT_SIZE,)).astype(dtype_name)
    states = [] if call.endswith("default") else [rng.standard_normal(batch + (HIDDEN,)).astype(dtype_name)
                                                  for _ in range(2 if cls == "LSTMCell" else 1)]
    got, want = _run_cell(gt, models[0], x, states), _run_cell(real_torch, models[1], x, states)
    assert len(got) == len(want)
    for i, ((g_shape, g), (w_shape, w)) in enumerate(zip(got, want)):
        assert g_shape == w_shape and g.dtype == w.dtype, i
        _close(g, w, dtype_name, f"{case[0]} {call}: result {i}")


# ---- finite differences (no torch needed) ---------------------------------------------------------------------
def _functional(model):
    """The model as a function of (input, *initial states, *parameters), for gradcheck."""
    names = [n for n, _ in model.named_parameters()]

    def call(x, n_states, *rest):
        states, params = rest[:n_states], rest[n_states:]
        for name, p in zip(names, params):
            model._parameters[name] = p
        if not states:
            out = model(x)
        elif n_states == 1:
            out = model(x, states[0])
        else:
            out = model(x, tuple(states))
        flat = []
        for item in out if isinstance(out, tuple) else (out,):
            flat.extend(item if isinstance(item, tuple) else (item,))
        return tuple(flat)

    return call, [p.detach().clone().requires_grad_(True) for _, p in model.named_parameters()]


GRADCHECK_CASES = [
    ("rnn_relu_bidirectional", "RNN", {"nonlinearity": "relu", "bidirectional": True}, 1),
    ("lstm_2_layers_bidirectional", "LSTM", {"num_layers": 2, "bidirectional": True}, 2),
    ("lstm_proj_batch_first", "LSTM", {"proj_size": 2, "batch_first": True}, 2),
    ("gru_2_layers", "GRU", {"num_layers": 2}, 1),
    ("rnn_cell", "RNNCell", {}, 1),
    ("lstm_cell", "LSTMCell", {}, 2),
    ("gru_cell", "GRUCell", {}, 1),
]


def _gradcheck_inputs(case):
    _, cls, kwargs, n_states = case
    gt.manual_seed(2)
    model = getattr(OURS_NN, cls)(3, 4, dtype=gt.float64, **kwargs)
    call, params = _functional(model)
    rng = np.random.default_rng(0)
    if cls.endswith("Cell"):
        x_shape, state_shapes = (2, 3), [(2, 4)] * n_states
    else:
        directions = 2 if kwargs.get("bidirectional") else 1
        layers = kwargs.get("num_layers", 1)
        x_shape = (2, 3, 3) if kwargs.get("batch_first") else (3, 2, 3)  # batch 2, sequence 3
        h = (layers * directions, 2, kwargs.get("proj_size", 0) or 4)
        state_shapes = [h, (layers * directions, 2, 4)][:n_states]
    x = gt.tensor(rng.standard_normal(x_shape), requires_grad=True)
    states = [gt.tensor(rng.standard_normal(s), requires_grad=True) for s in state_shapes]
    return (lambda *inputs: call(inputs[0], n_states, *inputs[1:])), tuple([x] + states + params)


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradients_match_finite_differences(case):
    fn, inputs = _gradcheck_inputs(case)
    assert gradcheck(fn, inputs, **GRADCHECK_TOLERANCES)


@pytest.mark.parametrize("case", [c for c in GRADCHECK_CASES if c[0] in ("lstm_cell", "gru_cell", "gru_2_layers")],
                         ids=["gru_2_layers", "lstm_cell", "gru_cell"])
def test_second_derivatives_match_finite_differences(case):
    fn, inputs = _gradcheck_inputs(case)
    assert gradgradcheck(fn, inputs, **GRADGRADCHECK_TOLERANCES)


@pytest.mark.torch
def test_second_order_gradients_match_torch(real_torch):
    results = []
    for T in (gt, real_torch):
        T.manual_seed(0)
        model = _nn(T).LSTM(3, 4, num_layers=2, dtype=T.float64)
        x = T.tensor(np.random.default_rng(0).standard_normal((4, 2, 3)), requires_grad=True)
        output, (h, c) = model(x)
        (g,) = T.autograd.grad((output ** 2).sum() + (c * h).sum(), [x], create_graph=True)
        second = T.autograd.grad((g ** 2).sum(), [x] + list(model.parameters()))
        results.append([t.detach().numpy() for t in second])
    for o, t in zip(*results):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


# ---- a sequence-model tutorial -----------------------------------------------------------------------------------
def _tagger_losses(T, steps=3):
    """A tiny LSTM tagger (embedding, LSTM, linear, cross entropy) trained with plain SGD; the losses."""
    T.manual_seed(0)
    nn = T.nn
    embedding = nn.Embedding(6, 3, dtype=T.float64)
    lstm = _nn(T).LSTM(3, 4, batch_first=True, dtype=T.float64)
    head = nn.Linear(4, 3, dtype=T.float64)
    params = list(embedding.parameters()) + list(lstm.parameters()) + list(head.parameters())
    words = T.tensor([[0, 1, 2, 3], [4, 5, 1, 0]])
    tags = T.tensor([[0, 1, 2, 0], [1, 1, 2, 0]])
    losses = []
    for _ in range(steps):
        output, _ = lstm(embedding(words))
        loss = nn.functional.cross_entropy(head(output).reshape(-1, 3), tags.reshape(-1))
        for p in params:
            p.grad = None
        loss.backward()
        with T.no_grad():
            for p in params:
                p -= 0.5 * p.grad
        losses.append(loss.item())
    return losses


@pytest.mark.torch
def test_lstm_tagger_training_matches_torch(real_torch):
    np.testing.assert_allclose(_tagger_losses(gt), _tagger_losses(real_torch), rtol=1e-12, atol=0)


def test_lstm_tagger_loss_goes_down():
    losses = _tagger_losses(gt, steps=5)
    assert losses[-1] < losses[0]


# ---- reprs ------------------------------------------------------------------------------------------------------
REPRS = [
    (lambda nn: nn.LSTM(10, 20, num_layers=2, batch_first=True), "LSTM(10, 20, num_layers=2, batch_first=True)"),
    (lambda nn: nn.RNN(10, 20), "RNN(10, 20)"),
    (lambda nn: nn.RNN(10, 20, 2, "relu"), "RNN(10, 20, num_layers=2)"),
    (lambda nn: nn.GRU(3, 4, 2, False, True, 0.5, True),
     "GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)"),
    (lambda nn: nn.LSTM(10, 20, num_layers=2, dropout=1), "LSTM(10, 20, num_layers=2, dropout=1.0)"),
    (lambda nn: nn.LSTM(10, 20, proj_size=5), "LSTM(10, 20, proj_size=5)"),
    (lambda nn: nn.RNNCell(10, 20), "RNNCell(10, 20)"),
    (lambda nn: nn.RNNCell(10, 20, bias=False, nonlinearity="relu"), "RNNCell(10, 20, bias=False, nonlinearity=relu)"),
    (lambda nn: nn.LSTMCell(3, 4), "LSTMCell(3, 4)"),
    (lambda nn: nn.GRUCell(3, 4, bias=False), "GRUCell(3, 4, bias=False)"),
]


@pytest.mark.parametrize("index", range(len(REPRS)))
def test_reprs(index):
    make, text = REPRS[index]
    assert repr(make(OURS_NN)) == text


@pytest.mark.torch
@pytest.mark.parametrize("index", range(len(REPRS)))
def test_reprs_match_torch(real_torch, index):
    make, _ = REPRS[index]
    assert repr(make(OURS_NN)) == repr(make(real_torch.nn))


def test_model_prints_with_its_rnn():
    model = gt.nn.Sequential(gt.nn.Embedding(10, 3), gt.nn.Linear(3, 3))
    model.add_module("lstm", OURS_NN.LSTM(3, 4, batch_first=True))
    assert repr(model) == ("Sequential(\n  (0): Embedding(10, 3)\n  (1): Linear(in_features=3, out_features=3, "
                           "bias=True)\n  (lstm): LSTM(3, 4, batch_first=True)\n)")


# ---- errors: torch's type and text ---------------------------------------------------------------------------
def _call(cls, args, x_shape, hx_shapes=None, x_dtype="float32", **kwargs):
    """A scenario: build cls(*args, **kwargs), call it with an input of x_shape and states of hx_shapes."""

    def scenario(T):
        T.manual_seed(0)
        model = getattr(_nn(T), cls)(*args, **kwargs)
        x = T.zeros(*x_shape, dtype=getattr(T, x_dtype))
        if hx_shapes is None:
            return model(x)
        states = [T.zeros(*s) for s in hx_shapes]
        return model(x, states[0] if len(states) == 1 else tuple(states))

    return scenario


def _build(cls, *args, **kwargs):
    return lambda T: getattr(_nn(T), cls)(*args, **kwargs)


ERRORS = [
    ("lstm_input_size", _call("LSTM", (10, 20), (5, 3, 7)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    ("gru_input_size_unbatched", _call("GRU", (10, 20), (5, 7)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    ("gru_hidden_shape", _call("GRU", (10, 20), (5, 3, 10), [(2, 3, 20)]), RuntimeError,
     "Expected hidden size (1, 3, 20), got [2, 3, 20]"),
    ("rnn_hidden_batch", _call("RNN", (10, 20), (3, 5, 10), [(1, 5, 20)], batch_first=True), RuntimeError,
     "Expected hidden size (1, 3, 20), got [1, 5, 20]"),
    ("lstm_hidden0_shape", _call("LSTM", (10, 20), (5, 3, 10), [(1, 3, 5), (1, 3, 20)]), RuntimeError,
     "Expected hidden[0] size (1, 3, 20), got [1, 3, 5]"),
    ("lstm_hidden1_shape", _call("LSTM", (10, 20), (5, 3, 10), [(1, 3, 20), (1, 2, 20)]), RuntimeError,
     "Expected hidden[1] size (1, 3, 20), got [1, 2, 20]"),
    ("lstm_batched_2d_hidden", _call("LSTM", (10, 20), (5, 3, 10), [(3, 20), (1, 3, 20)]), RuntimeError,
     "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"),
    ("lstm_unbatched_3d_hidden", _call("LSTM", (10, 20), (3, 10), [(1, 3, 20), (1, 3, 20)]), RuntimeError,
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
    ("gru_batched_2d_hidden", _call("GRU", (10, 20), (5, 3, 10), [(3, 20)]), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("rnn_unbatched_3d_hidden", _call("RNN", (10, 20), (5, 10), [(1, 1, 20)]), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    ("lstm_4d_input", _call("LSTM", (10, 20), (5, 3, 2, 10)), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    ("gru_4d_input", _call("GRU", (10, 20), (5, 3, 2, 10)), ValueError,
     "GRU: Expected input to be 2D or 3D, got 4D instead"),
    ("rnn_4d_input", _call("RNN", (10, 20), (5, 3, 2, 10)), ValueError,
     "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    ("input_dtype", _call("LSTM", (10, 20), (5, 3, 10), x_dtype="float64"), ValueError,
     "RNN input dtype (torch.float64) does not match weight dtype (torch.float32). Convert input: "
     "input.to(torch.float32), or convert model: model.to(torch.float64)"),
    ("rnn_nonlinearity", _build("RNN", 10, 20, nonlinearity="sigmoid"), ValueError,
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    ("gru_proj_size", _build("GRU", 10, 20, proj_size=2), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    ("dropout_range", _build("LSTM", 10, 20, dropout=1.5), ValueError,
     "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"),
    ("proj_size_too_big", _build("LSTM", 10, 20, proj_size=25), ValueError,
     "proj_size has to be smaller than hidden_size"),
    ("hidden_size_zero", _build("LSTM", 10, 0), ValueError, "hidden_size must be greater than zero"),
    ("num_layers_zero", _build("GRU", 10, 4, 0), ValueError, "num_layers must be greater than zero"),
    ("bias_type", _build("LSTM", 10, 20, bias=1), TypeError, "bias should be of type bool, got: int"),
    ("input_size_type", _build("LSTM", 10.0, 20), TypeError, "input_size should be of type int, got: float"),
    ("rnn_cell_input_size", _call("RNNCell", (10, 20), (3, 7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("rnn_cell_hidden_size", _call("RNNCell", (10, 20), (3, 10), [(3, 5)]), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 5, expected 20"),
    ("rnn_cell_hidden_batch", _call("RNNCell", (10, 20), (3, 10), [(2, 20)]), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 2"),
    ("rnn_cell_3d_input", _call("RNNCell", (10, 20), (3, 4, 10)), ValueError,
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    ("rnn_cell_nonlinearity", _call("RNNCell", (10, 20), (2, 10), nonlinearity="foo"), RuntimeError,
     "Unknown nonlinearity: foo"),
    ("lstm_cell_hidden1_size", _call("LSTMCell", (10, 20), (3, 10), [(3, 20), (3, 5)]), RuntimeError,
     "hidden1 has inconsistent hidden_size: got 5, expected 20"),
    ("lstm_cell_3d_hidden", _call("LSTMCell", (10, 20), (3, 10), [(3, 20), (1, 3, 20)]), ValueError,
     "LSTMCell: Expected hx[1] to be 1D or 2D, got 3D instead"),
    ("gru_cell_input_size", _call("GRUCell", (10, 20), (3, 7)), RuntimeError,
     "input has inconsistent input_size: got 7 expected 10"),
    ("gru_cell_3d_hidden", _call("GRUCell", (10, 20), (3, 10), [(1, 3, 20)]), ValueError,
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
]


@pytest.mark.parametrize("scenario, kind, text", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_speak_torch(scenario, kind, text):
    with pytest.raises(kind) as error:
        scenario(gt)
    assert str(error.value) == text


@pytest.mark.torch
@pytest.mark.parametrize("scenario, kind, text", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_texts_are_torchs(real_torch, scenario, kind, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(kind) as error:
            scenario(real_torch)
    assert str(error.value) == text
