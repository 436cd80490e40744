"""F.embedding_bag: sums, means or maxima of bags of embeddings, composed from embedding and
index_add (sum, mean) or one max per bag, so gradients reach the weight as torch's do. The bags are
worked out on the host (a few integers per bag); the tensors made from them go to the weight's device."""
import numpy as np

from ... import _creation
from ..._backend import to_host
from ._misc import embedding

__all__ = ["embedding_bag"]


def _bags(input, offsets, include_last_offset):
    """(flat indices, the bag of each position (-1 for none), the number of bags)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type {}".format(type(offsets)))
        bags, length = input.shape
        return input.reshape(-1), np.repeat(np.arange(bags), length), bags
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = [int(o) for o in offsets.tolist()]
    if starts and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    total = input.shape[0]
    if include_last_offset:
        if not starts or starts[-1] != total:  # torch's answer then depends on the dtype's kernel
            raise ValueError(f"include_last_offset=True needs offsets ending at the number of indices ({total}), "
                             f"got offsets ending at {starts[-1] if starts else None}")
        ends, starts = starts[1:], starts[:-1]
    else:
        ends = starts[1:] + [total]
    positions = np.full(total, -1, dtype=np.int64)
    for bag, (start, end) in enumerate(zip(starts, ends)):
        positions[start:end] = bag
    return input, positions, len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, then "
                         f"it must have the same shape as the input ({list(input.shape)})")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse gradients are not supported by ember; use sparse=False")
    indices, bag_of, bags = _bags(input, offsets, include_last_offset)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    rows = embedding(indices, weight, max_norm=max_norm, norm_type=norm_type)  # (positions, dim)
    kept = bag_of >= 0 if padding_idx is None else (bag_of >= 0) & (to_host(indices._data) != padding_idx)
    bag_of = np.maximum(bag_of, 0)  # positions in no bag are zeroed by `kept` below
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    dim, device = weight.shape[1], weight.device
    if mode == "max":
        pieces = []
        for bag in range(bags):
            members = np.nonzero((bag_of == bag) & kept)[0]
            pieces.append(rows[_creation.tensor(members, device=device)].amax(0) if members.size
                          else _creation.zeros(dim, dtype=weight.dtype, device=device))
        return _stack(pieces, dim, weight)
    rows = rows * _creation.tensor(kept.astype(np.float64), device=device).to(weight.dtype).reshape(-1, 1)
    total = _creation.zeros(bags, dim, dtype=weight.dtype, device=device).index_add(
        0, _creation.tensor(bag_of, device=device), rows)
    if mode == "sum":
        return total
    counts = np.bincount(bag_of[kept], minlength=bags).astype(np.float64)
    return total / _creation.tensor(np.maximum(counts, 1.0), device=device).to(weight.dtype).reshape(-1, 1)


def _stack(pieces, dim, weight):
    from ... import _ops
    if not pieces:
        return _creation.zeros(0, dim, dtype=weight.dtype, device=weight.device)
    return _ops.stack(pieces, 0)


