"""RNN, LSTM, GRU and their cells: torch's parameter names, shapes, initialisation and argument
conventions.

Each layer and direction projects the whole input sequence with one matrix product, then
loops over the time steps with ember ops (a matmul and a few pointwise ops per step). A
PackedSequence input runs the same loop with a batch that shrinks (forwards) or grows
(backwards) as the sequences, sorted longest first, end.
"""
import math

from ... import _creation
from ..._ops import cat as _cat
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _stack(tensors):
    return _cat([t.unsqueeze(0) for t in tensors], 0)


def _cell(mode, hidden, projected, state, weight_hh, bias_hh):
    """One time step: projected = x_t W_ih^T + b_ih; state is h (or (h, c) for LSTM)."""
    if mode == "LSTM":
        h, c = state
        gates = projected + F.linear(h, weight_hh, bias_hh)
        i = gates[:, :hidden].sigmoid()
        f = gates[:, hidden:2 * hidden].sigmoid()
        g = gates[:, 2 * hidden:3 * hidden].tanh()
        o = gates[:, 3 * hidden:].sigmoid()
        c = f * c + i * g
        return o * c.tanh(), c
    if mode == "GRU":
        h = state
        recurrent = F.linear(h, weight_hh, bias_hh)
        r = (projected[:, :hidden] + recurrent[:, :hidden]).sigmoid()
        z = (projected[:, hidden:2 * hidden] + recurrent[:, hidden:2 * hidden]).sigmoid()
        n = (projected[:, 2 * hidden:] + r * recurrent[:, 2 * hidden:]).tanh()
        return (1 - z) * n + z * h
    pre = projected + F.linear(state, weight_hh, bias_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


def _rows(state, start, stop):
    return tuple(part[start:stop] for part in state) if isinstance(state, tuple) else state[start:stop]


def _batch_of(state):
    return (state[0] if isinstance(state, tuple) else state).shape[0]


def _joined(first, second):
    if isinstance(first, tuple):
        return tuple(_cat([a, b], 0) for a, b in zip(first, second))
    return _cat([first, second], 0)


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
        return _cell(self.mode, self.hidden_size, projected, state, weight_hh, bias_hh)

    def _run_direction(self, inputs, state, weights, reverse, batch_sizes=None):
        """inputs (L, N, features), or packed data (sum of batch_sizes, features) when batch_sizes is given."""
        weight_ih, weight_hh = weights[0], weights[1]
        bias_ih, bias_hh = (weights[2], weights[3]) if self.bias else (None, None)
        projected = F.linear(inputs, weight_ih, bias_ih)  # every step at once
        if batch_sizes is None:
            steps = [projected[t] for t in range(inputs.shape[0])]
        else:  # packed: step t is the next batch_sizes[t] rows
            offsets = [0]
            for size in batch_sizes:
                offsets.append(offsets[-1] + size)
            steps = [projected[offsets[t]:offsets[t + 1]] for t in range(len(batch_sizes))]
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        initial, outputs = state, [None] * len(steps)
        if not reverse:
            final = []  # the states of sequences that have ended, longest-last
        for t in order:
            size = steps[t].shape[0]
            active = state if batch_sizes is None else _rows(state, 0, size)
            if batch_sizes is not None and not reverse and size < _batch_of(state):
                final.append(_rows(state, size, _batch_of(state)))  # those sequences ended at step t - 1
            elif batch_sizes is not None and reverse and size > _batch_of(state):
                active = _joined(state, _rows(initial, _batch_of(state), size))  # sequences that start here
            state = self._cell(steps[t], active, weight_hh, bias_hh)
            outputs[t] = state[0] if self.mode == "LSTM" else state
        if batch_sizes is not None and not reverse:
            for ended in reversed(final):
                state = _joined(state, ended)
        return (_cat(outputs, 0) if batch_sizes is not None else _stack(outputs)), state

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
        from ..utils.rnn import PackedSequence
        packed = isinstance(input, PackedSequence)
        if packed:
            sequence, input = input, input.data
            batch_sizes = [int(size) for size in sequence.batch_sizes.tolist()]
            batch = batch_sizes[0]
            if hx is not None and sequence.sorted_indices is not None:  # hx follows the caller's order
                hx = _permuted(hx, sequence.sorted_indices)
        else:
            batch_sizes = None
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
            zeros = _creation.zeros(*expected, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros) if self.mode == "LSTM" else zeros
        for h in (hx if self.mode == "LSTM" else (hx,)):
            if tuple(h.shape) != expected:
                raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")
        weights = self.all_weights
        feature_dim = 1 if packed else 2
        layer_input, final_h, final_c = input, [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = (hx[0][index], hx[1][index]) if self.mode == "LSTM" else hx[index]
                out, state = self._run_direction(layer_input, state, weights[index], direction == 1, batch_sizes)
                outputs.append(out)
                if self.mode == "LSTM":
                    final_h.append(state[0])
                    final_c.append(state[1])
                else:
                    final_h.append(state)
            layer_input = outputs[0] if directions == 1 else _cat(outputs, feature_dim)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output, h_n = layer_input, _stack(final_h)
        hidden = (h_n, _stack(final_c)) if self.mode == "LSTM" else h_n
        if packed:
            if sequence.unsorted_indices is not None:
                hidden = _permuted(hidden, sequence.unsorted_indices)
            return PackedSequence(output, sequence.batch_sizes, sequence.sorted_indices,
                                  sequence.unsorted_indices), hidden
        if unbatched:
            output = output.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if self.mode == "LSTM" else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden


def _permuted(hidden, order):
    """The hidden state(s) with their batch dimension (1) reordered."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, order) for h in hidden)
    return hidden.index_select(1, order)


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


class RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(_creation.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(_creation.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.__dict__.get("bias", True) is not True:
            s += ", bias={bias}"
        if self.__dict__.get("nonlinearity", "tanh") != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _step(self, input, hx, mode, name, pair=False):
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        if hx is not None:
            for h in (hx if pair else (hx,)):
                if h.ndim != input.ndim:
                    raise ValueError(f"{name}: Expected hidden to be {input.ndim}D, got {h.ndim}D instead")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            zeros = _creation.zeros(batch, self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros) if pair else zeros
        elif unbatched:
            hx = tuple(h.unsqueeze(0) for h in hx) if pair else hx.unsqueeze(0)
        for index, h in enumerate(hx if pair else (hx,)):
            if h.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{index} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{index} has inconsistent hidden_size: got {h.shape[1]}, expected "
                                   f"{self.hidden_size}")
        projected = F.linear(input, self.weight_ih, self.bias_ih)
        out = _cell(mode, self.hidden_size, projected, hx, self.weight_hh, self.bias_hh)
        if unbatched:
            out = tuple(o.squeeze(0) for o in out) if pair else out.squeeze(0)
        return out


class RNNCell(RNNCellBase):
    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):  # torch checks here, not in the constructor
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}. Select from 'tanh' or 'relu'.")
        return self._step(input, hx, "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", "RNNCell")


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError("lstm_cell expects two hidden states")
        return self._step(input, None if hx is None else tuple(hx), "LSTM", "LSTMCell", pair=True)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx, "GRU", "GRUCell")
