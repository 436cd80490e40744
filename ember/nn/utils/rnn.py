"""torch.nn.utils.rnn: padding and packing variable-length sequences.

A PackedSequence stores the steps of a batch of sequences sorted longest first: data holds
step 0 of every sequence, then step 1 of those that are long enough, ...; batch_sizes[t] is
how many sequences have a step t. RNN, LSTM and GRU take one and run each sequence only over
its own steps. Packing and padding are compositions of ember ops (slices and cat), so
gradients flow back to the padded input.
"""
from collections import namedtuple

from ... import _creation, _ops
from ..._dtype import int64
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence(*pack_result): a (data, batch_sizes) pair as data
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cuda(self, *args, **kwargs):
        return self._with_data(self.data.cuda(*args, **kwargs))

    def cpu(self, *args, **kwargs):
        return self._with_data(self.data.cpu(*args, **kwargs))

    def double(self):
        return self.to(dtype=_ops_dtype("float64"))

    def float(self):
        return self.to(dtype=_ops_dtype("float32"))

    def half(self):
        return self.to(dtype=_ops_dtype("float16"))

    def long(self):
        return self.to(dtype=_ops_dtype("int64"))

    def int(self):
        return self.to(dtype=_ops_dtype("int32"))

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _ops_dtype(name):
    from ... import _dtype
    return getattr(_dtype, name)


def invert_permutation(permutation):
    if permutation is None:
        return None
    output = _creation.empty_like(permutation)
    output[permutation] = _creation.arange(permutation.numel(), dtype=int64)
    return output


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D tensor, but got a {lengths.ndim}D tensor")
        return [int(length) for length in lengths.tolist()]
    return [int(length) for length in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given lengths."""
    values = _lengths_list(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(values, values[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = sorted(range(len(values)), key=lambda i: -values[i])  # stable, as torch's sort of lengths
        sorted_indices = _creation.tensor(order, dtype=int64)
        values = [values[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    batch = input.shape[0 if batch_first else 1]
    if len(values) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} (batch_size="
                           f"{batch})")
    if values and values[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    steps = input.shape[1 if batch_first else 0]
    if values and values[0] > steps:
        raise RuntimeError(f"a length ({values[0]}) is longer than the padded sequences ({steps} steps); lengths "
                           "count the real steps of each sequence")
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = [sum(1 for length in values if length > t) for t in range(values[0] if values else 0)]
    data = _ops.cat([input[t, :size] for t, size in enumerate(batch_sizes)], 0)
    return PackedSequence(data, _creation.tensor(batch_sizes, dtype=int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded batch, lengths as an int64 tensor)."""
    data, batch_sizes = sequence.data, [int(size) for size in sequence.batch_sizes.tolist()]
    steps, batch = len(batch_sizes), (batch_sizes[0] if batch_sizes else 0)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
    else:
        total_length = steps
    tail = tuple(data.shape[1:])
    rows, offset = [], 0
    for size in batch_sizes:
        step = data[offset:offset + size]
        if size < batch:
            filler = _creation.full((batch - size,) + tail, padding_value, dtype=data.dtype, device=data.device)
            step = _ops.cat([step, filler], 0)
        rows.append(step.unsqueeze(0))
        offset += size
    if total_length > steps:
        rows.append(_creation.full((total_length - steps, batch) + tail, padding_value, dtype=data.dtype,
                                   device=data.device))
    padded = _ops.cat(rows, 0) if rows else _creation.full((total_length, batch) + tail, padding_value,
                                                           dtype=data.dtype, device=data.device)
    lengths = [sum(1 for size in batch_sizes if size > b) for b in range(batch)]
    lengths = _creation.tensor(lengths, dtype=int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padding the short ones."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(sequence.shape[0] for sequence in sequences)
    rows = []
    for sequence in sequences:
        missing = longest - sequence.shape[0]
        if missing:
            filler = _creation.full((missing,) + tuple(sequence.shape[1:]), padding_value, dtype=sequence.dtype,
                                    device=sequence.device)
            sequence = _ops.cat([sequence, filler] if padding_side == "right" else [filler, sequence], 0)
        rows.append(sequence)
    return _ops.stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :length] for i, length in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = _creation.tensor([sequence.shape[0] for sequence in sequences], dtype=int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
