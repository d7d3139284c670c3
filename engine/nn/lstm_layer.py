"""One LSTM layer (one direction) as torch's CPU build runs it: a single oneDNN call whose backward is
one node, MkldnnRnnLayerBackward0, with torch's edges (input, weight0-3, hx_, cx_) and saved values.

The forward runs the LSTM cell step by step on aliases of the inputs (a view of each, so the recorded
steps end at the aliases) and keeps that inner graph as the node's saved results; the node's backward
is autograd.grad over the inner graph down to the aliases. Gradients are therefore the step-by-step
ones, and with create_graph they stay differentiable: each alias's own node leads into the outer graph.
"""
from ..autograd.engine import grad as _inner_grad
from ..autograd.node import Node
from .._grad_mode import GRAD, enable_grad, no_grad
from .._profiler_state import silenced
from ..ops._core import aten, attach_multi, make, wants_grad
from ..ops.creation_ops import zeros, zeros_like
from ..ops.shape import stack

_LSTM_MODE = 2  # torch's RNN mode enum: RNN_RELU 0, RNN_TANH 1, LSTM 2, GRU 3


class MkldnnRnnLayerBackward0(Node):
    __slots__ = ("reverse", "mode", "hidden_size", "num_layers", "has_biases", "bidirectional", "batch_first",
                 "train", "batch_sizes", "num_outputs", "_aliases")
    unsaved_slots = ("num_outputs",)
    # torch's result3 is oneDNN's workspace, which this layer does not have
    saved_names = ("input", "weight0", "weight1", "weight2", "weight3", "hx_", "cx_", "result0", "result1",
                   "result2")

    def backward(self, g_out, g_hy, g_cy):
        saved = self.saved()
        results = saved[7:]
        wanted = [(slot, alias) for slot, alias in enumerate(self._aliases)
                  if alias is not None and self.next_functions[slot][0] is not None]
        seeds = [g if g is not None else zeros_like(r) for g, r in zip((g_out, g_hy, g_cy), results)]
        grads = _layer_backward(results, [alias for _, alias in wanted], seeds)
        out = [None] * len(self._aliases)
        for (slot, _), g in zip(wanted, grads):
            out[slot] = g
        return tuple(out)

    def release(self):
        super().release()
        self._aliases = ()


@aten("aten::mkldnn_rnn_layer_backward")
def _layer_backward(results, aliases, seeds):
    with silenced():
        # grad mode is on during backward exactly when it records a graph (create_graph)
        return _inner_grad(results, aliases, seeds, retain_graph=True, create_graph=GRAD.enabled,
                           allow_unused=True)


def _alias(t):
    """A view of t whose recorded uses end at it: its own node leads back to t."""
    return t.view_as(t) if t is not None and t.requires_grad else t


@aten("aten::mkldnn_rnn_layer")
def lstm_layer(step, input, w_ih, w_hh, b_ih, b_hh, hx, cx, *, reverse, info):
    """(output, hy, cy) of one time-major LSTM layer direction; `step` is the LSTM cell step;
    `info`: the module's values torch keeps (hidden_size, num_layers, bidirectional, batch_first, train)."""
    from . import functional as F

    inputs = (input, w_ih, w_hh, b_ih, b_hh, hx, cx)
    recording = wants_grad(*inputs)
    aliases = tuple(_alias(t) for t in inputs) if recording else inputs
    x, a_ih, a_hh, a_bih, a_bhh, a_hx, a_cx = aliases
    with silenced(), (enable_grad() if recording else no_grad()):
        steps = F.linear(x, a_ih, a_bih).unbind(0)
        if reverse:
            steps = steps[::-1]
        state, ys = (a_hx, a_cx), []
        for x_proj in steps:
            state = step(x_proj, state, a_hh, a_bhh)
            ys.append(state[0])
        if reverse:
            ys.reverse()
        inner = (stack(ys, 0), state[0], state[1])
    if not recording:
        return inner
    outs = tuple(make(t._data, t.dtype) for t in inner)
    node = MkldnnRnnLayerBackward0()
    node.num_outputs = 3
    node.reverse, node.mode, node.batch_sizes = reverse, _LSTM_MODE, ()
    node.has_biases = b_ih is not None
    node.hidden_size, node.num_layers, node.bidirectional, node.batch_first, node.train = (
        info["hidden_size"], info["num_layers"], info["bidirectional"], info["batch_first"], info["train"])
    # without biases torch keeps zero tensors shaped like the weights in their places
    weight2 = b_ih if b_ih is not None else zeros(w_ih.shape, dtype=w_ih.dtype, device=w_ih.device)
    weight3 = b_hh if b_hh is not None else zeros(w_hh.shape, dtype=w_hh.dtype, device=w_hh.device)
    node._aliases = aliases
    node.save(input, w_ih, w_hh, weight2, weight3, hx, cx, *inner)
    attach_multi(outs, node, inputs)
    return outs


__all__ = ["MkldnnRnnLayerBackward0", "lstm_layer"]
