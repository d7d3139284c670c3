"""Recurrent layers' graphs as torch's CPU build records them: nn.LSTM as one MkldnnRnnLayerBackward0
per layer and direction (torch's edges and saved values), RNN/GRU step by step, cells' gates split by
UnsafeSplitBackward0; gradients of every order agree with torch."""
import pytest

import gradtrace.engine as engine

pytestmark = pytest.mark.torch

CONFIGS = {
    "lstm": ("LSTM", {}, True),
    "lstm 2 layers": ("LSTM", {"num_layers": 2}, True),
    "lstm bidirectional 2 layers": ("LSTM", {"num_layers": 2, "bidirectional": True}, True),
    "lstm batch_first": ("LSTM", {"batch_first": True}, True),
    "lstm no bias": ("LSTM", {"bias": False}, False),
    "lstm given states": ("LSTM", {"num_layers": 2}, "states"),
    "lstm unbatched": ("LSTM", {}, "unbatched"),
    "lstm eval": ("LSTM", {"num_layers": 2}, "eval"),
    "rnn": ("RNN", {}, True),
    "rnn batch_first": ("RNN", {"batch_first": True}, True),
    "gru": ("GRU", {"num_layers": 2}, True),
    "gru batch_first": ("GRU", {"batch_first": True}, True),
}


def _run(torch, kind, kwargs, variant):
    torch.manual_seed(0)
    module = getattr(torch.nn, kind)(3, 2, **kwargs)
    x = torch.randn(4, 2, 3).requires_grad_(variant is not False)
    args = ()
    if variant == "states":
        layers = kwargs.get("num_layers", 1)
        args = ((torch.randn(layers, 2, 2).requires_grad_(), torch.randn(layers, 2, 2)),)
    if variant == "unbatched":
        x = x[:, 0].detach().requires_grad_()
    if variant == "eval":
        module.eval()
    out, state = module(x, *args)
    return module, x, args, out, state if isinstance(state, tuple) else (state,)


def _shape_of(value):
    return ("tensor", tuple(value.shape)) if type(value).__name__ in ("Tensor", "Parameter") else value


def _structure(fn, depth=0, limit=3):
    """(name, saved values (tensors by shape), next functions) down to `limit` levels."""
    if fn is None:
        return None
    saved = {a: _shape_of(getattr(fn, a)) for a in dir(fn) if a.startswith("_saved_") and a != "_saved_result3"}
    nexts = [(_structure(u, depth + 1, limit) if depth < limit else (u.name() if u else None), nr)
             for u, nr in fn.next_functions]
    return fn.name(), saved, nexts


@pytest.mark.parametrize("config", list(CONFIGS))
def test_graph_structure_is_torchs(real_torch, config):
    kind, kwargs, variant = CONFIGS[config]
    ours = [_structure(t.grad_fn) for t in (lambda r: (r[3],) + r[4])(_run(engine, kind, kwargs, variant))]
    theirs = [_structure(t.grad_fn) for t in (lambda r: (r[3],) + r[4])(_run(real_torch, kind, kwargs, variant))]
    assert ours == theirs


def _gradients(torch, kind, kwargs, variant, second_order):
    module, x, args, out, state = _run(torch, kind, kwargs, variant)
    loss = (out * out).sum() + sum((s * 3).sum() for s in state)
    leaves = [p for p in module.parameters()] + ([x] if x.requires_grad else []) + \
        [t for a in args for t in a if t.requires_grad]
    if second_order:
        grads = torch.autograd.grad(loss, leaves, create_graph=True)
        penalty = sum((g * g).sum() for g in grads)
        grads = torch.autograd.grad(penalty, leaves)
    else:
        grads = torch.autograd.grad(loss, leaves)
    return [g.detach().numpy().copy() for g in grads]


@pytest.mark.parametrize("second_order", [False, True], ids=["grad", "grad of grad"])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_gradients_are_torchs(real_torch, config, second_order):
    import numpy as np

    kind, kwargs, variant = CONFIGS[config]
    ours = _gradients(engine, kind, kwargs, variant, second_order)
    theirs = _gradients(real_torch, kind, kwargs, variant, second_order)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        # oneDNN and torch's kernels sum in their own order: equal up to float32 rounding, which second
        # derivatives (differences of large terms) magnify
        scale = float(np.abs(b).max()) or 1.0
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=(1e-5 if second_order else 1e-6) * scale)


def test_lstm_backward_twice_is_torchs_error():
    torch = engine
    out, _ = torch.nn.LSTM(3, 2)(torch.randn(4, 2, 3))
    out.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        out.sum().backward()


def test_lstm_weight_changed_in_place_before_backward_is_refused():
    torch = engine
    lstm = torch.nn.LSTM(3, 2)
    out, _ = lstm(torch.randn(4, 2, 3))
    with torch.no_grad():
        lstm.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell"])
def test_cells_split_gates_unsafely(real_torch, cell):
    def names(torch):
        torch.manual_seed(0)
        out = getattr(torch.nn, cell)(3, 2)(torch.randn(2, 3))
        seen, todo = {}, [(out[0] if isinstance(out, tuple) else out).grad_fn]
        while todo:
            fn = todo.pop()
            if fn is not None and id(fn) not in seen:
                seen[id(fn)] = fn.name()
                todo.extend(u for u, _ in fn.next_functions)
        return sorted(set(seen.values()))

    ours = names(engine)
    assert "UnsafeSplitBackward0" in ours and ours == names(real_torch)
    parts = engine.ones(2, 6).unsafe_chunk(3, 1)
    assert not any(p._is_view() for p in parts)


def test_profiler_sees_the_lstm_layer_as_one_op_as_torchs(real_torch):
    def names(torch):
        torch.manual_seed(0)
        lstm = torch.nn.LSTM(3, 2)
        with torch.profiler.profile() as prof:
            out, _ = lstm(torch.randn(4, 2, 3))
            out.sum().backward()
        return {e.key for e in prof.key_averages()}

    ours, theirs = names(engine), names(real_torch)
    assert {"aten::lstm", "aten::mkldnn_rnn_layer", "aten::mkldnn_rnn_layer_backward",
            "autograd::engine::evaluate_function: MkldnnRnnLayerBackward0"} <= ours
    # torch also lists its allocations (aten::empty, aten::zeros, ...), which the engine does not record
    assert ours <= theirs, ours - theirs
