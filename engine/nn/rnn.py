"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, built from differentiable engine ops.

The step functions below are torch's CPU cells (aten/src/ATen/native/RNN.cpp) written with linear, add,
unsafe_chunk, sigmoid, tanh and mul, so gradients of any order come from those ops' nodes. As in torch's CPU path,
a layer projects the whole input sequence through weight_ih once and then steps through time.
"""
import math
import numbers
import warnings

from .. import _dtype
from ..ops import creation_ops
from ..ops._core import aten
from ..ops.shape import cat, stack
from . import functional as F
from . import init
from .lstm_layer import lstm_layer
from .modules import Module
from .parameter import Parameter


# ---- one time step: state is a tuple, (h,) or (h, c); x_proj is the input already through weight_ih -------
def _rnn_tanh_step(x_proj, state, w_hh, b_hh, w_hr=None):
    return ((F.linear(state[0], w_hh, b_hh) + x_proj).tanh(),)


def _rnn_relu_step(x_proj, state, w_hh, b_hh, w_hr=None):
    return ((F.linear(state[0], w_hh, b_hh) + x_proj).relu(),)


def _lstm_step(x_proj, state, w_hh, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (F.linear(h, w_hh, b_hh) + x_proj).unsafe_chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c = f * c + i * g
    h = o * c.tanh()
    if w_hr is not None:  # proj_size > 0: the hidden state is projected down to proj_size
        h = h.matmul(w_hr.t())
    return h, c


def _gru_step(x_proj, state, w_hh, b_hh, w_hr=None):
    h = state[0]
    i_r, i_z, i_n = x_proj.unsafe_chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).unsafe_chunk(3, 1)
    r = (h_r + i_r).sigmoid()
    z = (h_z + i_z).sigmoid()
    n = (i_n + h_n * r).tanh()
    return ((h - n) * z + n,)


_STEPS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_cell_input(input, w_ih):
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}")


def _check_cell_hidden(input, hx, hidden_size, label):
    if input.size(0) != hx.size(0):
        raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{label} batch size {hx.size(0)}")
    if hx.size(1) != hidden_size:
        raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {hx.size(1)}, expected {hidden_size}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters per layer and direction, checks, and the layer loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.proj_size = proj_size
        # torch's messages and checks, in torch's order
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.dropout = float(dropout)
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)

        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, real_hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(creation_ops.empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op, as torch's is off cuDNN; tutorials call it."""

    def reset_parameters(self):
        # torch draws every parameter from one uniform, in parameters() order
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # ---- torch's argument checks ------------------------------------------------------------------------
    def check_input(self, input, batch_sizes=None):
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes=None):
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes=None):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def _zeros(self, input, size):
        num_directions = 2 if self.bidirectional else 1
        batch = input.size(0) if self.batch_first else input.size(1)
        return creation_ops.zeros(self.num_layers * num_directions, batch, size, dtype=input.dtype,
                                  device=input.device)

    @staticmethod
    def _batch(input, batch_first, name):
        """input as 3-D and whether it came batched; raises torch's text for other ranks."""
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             + (" tensor instead" if name == "RNN" else " instead"))
        is_batched = input.dim() == 3
        return (input if is_batched else input.unsqueeze(0 if batch_first else 1)), is_batched

    # ---- the layers ---------------------------------------------------------------------------------------
    def _run(self, input, hidden):
        """The stacked, possibly bidirectional recurrence over batched `input` (batch_first as configured).

        hidden: a tuple of initial-state tensors, (h0,) or (h0, c0), each (layers * directions, batch, size).
        Returns the last layer's output and the tuple of final states, stacked like hidden.
        """
        step = _STEPS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        fused = self._runs_fused(input)
        layer_input = input.transpose(0, 1) if self.batch_first else input  # time-major, as torch computes
        if fused:
            layer_input = layer_input.contiguous()  # oneDNN reads dense time-major input (CloneBackward0 if not)
            initial = [[h.select(0, i) for i in range(h.size(0))] for h in hidden]
            info = {"hidden_size": self.hidden_size, "num_layers": self.num_layers,
                    "bidirectional": self.bidirectional, "batch_first": self.batch_first, "train": self.training}
        else:
            initial = [h.unbind(0) for h in hidden]
        finals = [[] for _ in hidden]
        weights = self.all_weights
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                index = layer * num_directions + direction
                w = weights[index]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size > 0 else None
                if fused:
                    out, hy, cy = lstm_layer(step, layer_input, w_ih, w_hh, b_ih, b_hh, initial[0][index],
                                             initial[1][index], reverse=direction == 1, info=info)
                    outputs.append(out)
                    finals[0].append(hy)
                    finals[1].append(cy)
                    continue
                steps = F.linear(layer_input, w_ih, b_ih).unbind(0)
                if direction == 1:
                    steps = steps[::-1]
                state = tuple(h[index] for h in initial)
                ys = []
                for x_proj in steps:
                    state = step(x_proj, state, w_hh, b_hh, w_hr)
                    ys.append(state[0])
                if direction == 1:
                    ys.reverse()
                outputs.append(stack(ys, 0))
                for kept, s in zip(finals, state):
                    kept.append(s)
            # both directions side by side: torch's oneDNN path concatenates along dim -1, its step-by-step
            # path along dim 2 (the saved dim shows which)
            layer_input = outputs[0] if num_directions == 1 else cat(outputs, -1 if fused else outputs[0].dim() - 1)
            if self.dropout != 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        if self.batch_first:
            # torch's step-by-step CPU recurrence turns its fresh output batch-first in place
            # (TransposeBackward1); the oneDNN layer's output is transposed as a view (TransposeBackward0)
            layer_input = layer_input.transpose(0, 1) if fused else layer_input.transpose_(0, 1)
        return layer_input, tuple(stack(kept, 0) for kept in finals)

    def _runs_fused(self, input):
        """Whether torch's CPU build runs this through oneDNN, one fused node per layer and direction:
        LSTMs without projections on float32 CPU input."""
        return (self.mode == "LSTM" and self.proj_size == 0 and input.dtype is _dtype.float32
                and input.device.type == "cpu")

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _no_proj_size(kwargs):
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class _SingleStateRNN(RNNBase):
    """RNN and GRU: one state tensor, hx."""

    def forward(self, input, hx=None):
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        input, is_batched = self._batch(input, self.batch_first, name)
        if hx is not None:
            if not is_batched:
                if hx.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                hx = hx.unsqueeze(1)
            elif hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
        else:
            hx = self._zeros(input, self.hidden_size)
        self.check_forward_args(input, hx)
        output, (hidden,) = self._run(input, (hx,))
        if not is_batched:
            output, hidden = output.squeeze(0 if self.batch_first else 1), hidden.squeeze(1)
        return output, hidden


class RNN(_SingleStateRNN):
    """Elman RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), tanh or relu."""

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class GRU(_SingleStateRNN):
    """Gated recurrent unit layers (reset, update and new gates)."""

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        super().__init__("GRU", *args, **kwargs)


_lstm = aten("aten::lstm")(RNNBase._run)  # the profiler's row for the whole recurrence, as torch's


class LSTM(RNNBase):
    """Long short-term memory layers; forward returns output, (h_n, c_n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes=None):
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes=None):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):
        input, is_batched = self._batch(input, self.batch_first, "LSTM")
        if hx is None:
            hx = (self._zeros(input, self.proj_size if self.proj_size > 0 else self.hidden_size),
                  self._zeros(input, self.hidden_size))
        else:
            wanted = 3 if is_batched else 2
            if hx[0].dim() != wanted or hx[1].dim() != wanted:
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {wanted}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not is_batched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx)
        output, (h, c) = _lstm(self, input, tuple(hx))
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h, c = h.squeeze(1), c.squeeze(1)
        return output, (h, c)


# ---- cells ---------------------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the cells share: weight_ih, weight_hh and (optionally) bias_ih, bias_hh."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(creation_ops.empty(num_chunks * hidden_size, input_size, dtype=dtype,
                                                      device=device))
        self.weight_hh = Parameter(creation_ops.empty(num_chunks * hidden_size, hidden_size, dtype=dtype,
                                                      device=device))
        if bias:
            self.bias_ih = Parameter(creation_ops.empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(creation_ops.empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batch(self, input, hx, name, hidden_word="hidden"):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected {hidden_word} to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        input = input if is_batched else input.unsqueeze(0)
        if hx is None:
            hx = creation_ops.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        return input, hx, is_batched

    def _step(self, mode, input, state):
        _check_cell_input(input, self.weight_ih)
        for label, h in enumerate(state):
            _check_cell_hidden(input, h, self.weight_hh.size(1), label)
        x_proj = F.linear(input, self.weight_ih, self.bias_ih)
        return _STEPS[mode](x_proj, state, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = nonlinearity(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, is_batched = self._batch(input, hx, "RNNCell")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (ret,) = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, (hx,))
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; forward returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = creation_ops.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = self._step("LSTM", input, tuple(hx))
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: reset and update gates, then h' = (1 - z) * n + z * h."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, hx, is_batched = self._batch(input, hx, "GRUCell")
        (ret,) = self._step("GRU", input, (hx,))
        return ret if is_batched else ret.squeeze(0)


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
