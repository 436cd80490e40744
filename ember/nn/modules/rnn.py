"""RNN, LSTM, GRU: torch's parameter names, shapes, initialisation and argument conventions.

Each layer and direction projects the whole input sequence with one matrix product, then
loops over the time steps with ember ops (a matmul and a few pointwise ops per step).
"""
import math

from ... import _creation
from ..._ops import cat as _cat
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _stack(tensors):
    return _cat([t.unsqueeze(0) for t in tensors], 0)


class RNNBase(Module):
    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be a positive integer")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than or equal to 1")
        if proj_size:
            raise NotImplementedError("LSTM proj_size is not supported by ember yet")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_creation.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        weights = self._flat_weights
        return [weights[i:i + per] for i in range(0, len(weights), per)]

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self):
        pass  # cuDNN's weight layout; nothing to do on NumPy

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- the recurrence ------------------------------------------------------------------------------
    def _cell(self, projected, state, weight_hh, bias_hh):
        """One time step: projected = x_t W_ih^T + b_ih; state is h (or (h, c) for LSTM)."""
        hidden = self.hidden_size
        if self.mode == "LSTM":
            h, c = state
            gates = projected + F.linear(h, weight_hh, bias_hh)
            i = gates[:, :hidden].sigmoid()
            f = gates[:, hidden:2 * hidden].sigmoid()
            g = gates[:, 2 * hidden:3 * hidden].tanh()
            o = gates[:, 3 * hidden:].sigmoid()
            c = f * c + i * g
            return o * c.tanh(), c
        if self.mode == "GRU":
            h = state
            recurrent = F.linear(h, weight_hh, bias_hh)
            r = (projected[:, :hidden] + recurrent[:, :hidden]).sigmoid()
            z = (projected[:, hidden:2 * hidden] + recurrent[:, hidden:2 * hidden]).sigmoid()
            n = (projected[:, 2 * hidden:] + r * recurrent[:, 2 * hidden:]).tanh()
            return (1 - z) * n + z * h
        pre = projected + F.linear(state, weight_hh, bias_hh)
        return pre.tanh() if self.mode == "RNN_TANH" else pre.relu()

    def _run_direction(self, inputs, state, weights, reverse):
        weight_ih, weight_hh = weights[0], weights[1]
        bias_ih, bias_hh = (weights[2], weights[3]) if self.bias else (None, None)
        projected = F.linear(inputs, weight_ih, bias_ih)  # (L, N, gates): every step at once
        steps = range(inputs.shape[0] - 1, -1, -1) if reverse else range(inputs.shape[0])
        outputs = []
        for t in steps:
            state = self._cell(projected[t], state, weight_hh, bias_hh)
            outputs.append(state[0] if self.mode == "LSTM" else state)
        if reverse:
            outputs.reverse()
        return _stack(outputs), state

    def _check_input(self, input, hx):
        expected = 3 if hx is None or (hx[0] if self.mode == "LSTM" else hx).ndim == 3 else 2
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        if hx is not None and input.ndim != expected:
            raise RuntimeError(f"For {'batched' if input.ndim == 3 else 'unbatched'} {input.ndim}-D input, hx "
                               f"should also be {input.ndim}-D but got {expected}-D tensor")

    def forward(self, input, hx=None):
        self._check_input(input, hx)
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        batch = input.shape[1]
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            zeros = _creation.zeros(*expected, dtype=input.dtype)
            hx = (zeros, zeros) if self.mode == "LSTM" else zeros
        for h in (hx if self.mode == "LSTM" else (hx,)):
            if tuple(h.shape) != expected:
                raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")
        weights = self.all_weights
        layer_input, final_h, final_c = input, [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = (hx[0][index], hx[1][index]) if self.mode == "LSTM" else hx[index]
                out, state = self._run_direction(layer_input, state, weights[index], direction == 1)
                outputs.append(out)
                if self.mode == "LSTM":
                    final_h.append(state[0])
                    final_c.append(state[1])
                else:
                    final_h.append(state)
            layer_input = outputs[0] if directions == 1 else _cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output, h_n = layer_input, _stack(final_h)
        hidden = (h_n, _stack(final_c)) if self.mode == "LSTM" else h_n
        if unbatched:
            output = output.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if self.mode == "LSTM" else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden


class RNN(RNNBase):
    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:  # torch's positional order: input_size, hidden_size, num_layers, nonlinearity, ...
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)
