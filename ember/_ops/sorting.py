"""Sorting and order statistics: sort, argsort, topk, median, nanmedian, mode, kthvalue, unique.

The differentiable ones return values picked from the input by index (selection.py's rows), so
their gradient lands on the picked elements; whole-tensor median splits it among ties as torch.
"""
import numpy as np

from .. import return_types
from .._backend import accumulate, namespace
from .._tensor import make_tensor
from ._errors import kernel_missing
from ._registry import defop, variants
from .pointwise import eq
from .reduction import sum
from .selection import selecting_row
from .shape import normalize_dim

sort_row = selecting_row("sort", "SortBackward0")
topk_row = selecting_row("topk", "TopkBackward0")
median_dim_row = selecting_row("median", "MedianBackward1")
nanmedian_dim_row = selecting_row("nanmedian", "NanmedianBackward1")
mode_row = selecting_row("mode", "ModeBackward0")
kthvalue_row = selecting_row("kthvalue", "KthvalueBackward0")


def _split_among_ties(grad, x, *, result):
    mask = eq(x, result)
    return mask * (grad / sum(mask))


median_all = defop("median", "MedianBackward0", lambda x: _lower_median(x.reshape(-1), 0)[0], _split_among_ties)
nanmedian_all = defop("nanmedian", "NanmedianBackward0", lambda x: _lower_median(x.reshape(-1), 0, True)[0],
                      _split_among_ties)


def _indices(array):
    return make_tensor(namespace(array).ascontiguousarray(array, dtype=np.int64))


def _axis(input, dim):
    return normalize_dim(dim, input.ndim) if input.ndim else 0


def _one_dim(input):
    """0-d tensors sort and select as a single element along dim 0."""
    return input.reshape(1) if input.ndim == 0 else input


def _order(data, axis, descending, stable):
    # A stable sort is what torch's CPU kernel uses (it keeps ties in input order); descending
    # keeps them in input order too, so sort the negated keys rather than reverse an ascending sort.
    if descending:
        if data.dtype.kind == "b":
            data = data.astype(np.int8)
        keys = -data if data.dtype.kind in "fiV" else data.max() - data  # V: bfloat16
        if data.dtype.kind in "fV":  # torch puts NaN first when descending
            keys = np.where(np.isnan(data), -np.inf, keys)
        return np.argsort(keys, axis=axis, kind="stable")
    return np.argsort(data, axis=axis, kind="stable")


@variants("function", "method")
def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) sorted along `dim`; ties keep their input order (as torch's CPU sort)."""
    if isinstance(dim, bool):  # sort(x, True) is not descending in torch either, but be explicit
        raise TypeError("sort(): pass descending=True by keyword")
    squeeze = input.ndim == 0
    source = _one_dim(input)
    axis = _axis(input, dim)
    index = _order(source._data, axis, descending, stable)
    values = sort_row(source, shape=source._data.shape, dim=axis, index=index, keepdim=True)
    if squeeze:
        return return_types.sort(values.reshape(()), _indices(index.reshape(())))
    return return_types.sort(values, _indices(index))


@variants("function", "method")
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort `input` along `dim`."""
    return sort(input, dim, descending, stable=stable).indices


@variants("function", "method")
def msort(input):
    return sort(input, 0).values


@variants("function", "method")
def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along `dim`."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU; convert the tensor with .int() first")
    source = _one_dim(input)
    axis = _axis(input, dim)
    size = source._data.shape[axis]
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range; k is {k} but dimension {axis} has size {size}")
    index = np.take(_order(source._data, axis, largest, True), namespace(source._data).arange(k), axis=axis)
    values = topk_row(source, shape=source._data.shape, dim=axis, index=index, keepdim=True)
    if input.ndim == 0:
        return return_types.topk(values.reshape(()), _indices(index.reshape(())))
    return return_types.topk(values, _indices(index))


def _lower_median(data, axis, skip_nan=False):
    """(values, indices) of torch's median: the lower of the two middle values, not their mean.
    NaN: median propagates it (returning its index), nanmedian ignores it."""
    order = np.argsort(data, axis=axis, kind="stable")  # NaN sorts last
    count = data.shape[axis]
    if skip_nan:
        valid = np.sum(~np.isnan(data), axis=axis, keepdims=True)
        position = np.maximum(valid - 1, 0) // 2
    else:
        position = namespace(data).full((1,) * data.ndim, (count - 1) // 2)
        nan_count = np.sum(np.isnan(data), axis=axis, keepdims=True)
        position = np.where(nan_count > 0, count - nan_count, position)  # the first NaN
    position = np.broadcast_to(position, data.shape[:axis] + (1,) + data.shape[axis + 1:])
    index = np.take_along_axis(order, position, axis=axis)
    return np.take_along_axis(data, index, axis=axis).squeeze(axis), index


def _selected(result_type, row, input, source, axis, index, keepdim):
    """(values, indices) of a value-selecting op from the kept-dims `index` along `axis`: the values
    through `row` (so gradients reach the chosen elements), squeezed unless keepdim; 0-d stays 0-d."""
    keep = keepdim or input.ndim == 0
    values = row(source, shape=source._data.shape, dim=axis, index=index, keepdim=keep)
    indices = index if keep else np.squeeze(index, axis)
    if input.ndim == 0:
        return result_type(values.reshape(()), _indices(indices.reshape(())))
    return result_type(values, _indices(indices))


def _median(name, whole_row, dim_row, result_type, skip_nan, input, dim, keepdim):
    if input._data.dtype.kind == "b":
        raise RuntimeError(f'"{name}_out" not implemented for \'Bool\'')
    if dim is None:
        if input._data.size == 0:
            return make_tensor(namespace(input._data).full((), np.nan, dtype=input._data.dtype))
        return whole_row(input)
    source = _one_dim(input)
    axis = _axis(input, dim)
    if source._data.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    _, index = _lower_median(source._data, axis, skip_nan)
    return _selected(result_type, dim_row, input, source, axis, index, keepdim)


@variants("function", "method")
def median(input, dim=None, keepdim=False):
    """median(x): the lower middle value (ties share the gradient); median(x, dim): (values, indices)."""
    if input._data.dtype.kind == "b":
        raise kernel_missing("median_cpu")(input._data.dtype)
    return _median("median", median_all, median_dim_row, return_types.median, False, input, dim, keepdim)


@variants("function", "method")
def nanmedian(input, dim=None, keepdim=False):
    """median, ignoring NaN."""
    return _median("nanmedian", nanmedian_all, nanmedian_dim_row, return_types.nanmedian, True, input, dim, keepdim)


@variants("function", "method")
def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along `dim` (the smallest among equally frequent
    ones) and the index of its last occurrence, as torch's CPU kernel."""
    source = _one_dim(input)
    axis = _axis(input, dim)
    if source._data.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    data = np.moveaxis(source._data, axis, -1)
    order = np.argsort(data, axis=-1, kind="stable")
    ordered = np.take_along_axis(data, order, axis=-1)
    n = ordered.shape[-1]
    xp = namespace(ordered)
    starts = np.concatenate([xp.ones(ordered.shape[:-1] + (1,), bool), ordered[..., 1:] != ordered[..., :-1]], -1)
    run_start = accumulate(xp, "maximum", np.where(starts, xp.arange(n), 0), -1)
    run_length = xp.arange(n) - run_start + 1  # length of the run so far, at each position
    # the end of the longest run; among equal lengths the first (smallest value) wins
    ends = np.concatenate([starts[..., 1:], xp.ones(ordered.shape[:-1] + (1,), bool)], -1)
    best_end = np.argmax(np.where(ends, run_length, -1), axis=-1)[..., None]
    # the last occurrence of that value in input order = the largest original index in its run
    best_start = np.take_along_axis(run_start, best_end, axis=-1)
    positions = xp.arange(n)
    in_run = (positions >= best_start) & (positions <= best_end)
    index = np.max(np.where(in_run, order, -1), axis=-1, keepdims=True)
    index = np.moveaxis(index, -1, axis)
    return _selected(return_types.mode, mode_row, input, source, axis, index, keepdim)


@variants("function", "method")
def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices): the k-th smallest element along `dim` (k counts from 1)."""
    if input._data.dtype.kind == "b":
        raise kernel_missing("kthvalue_cpu")(input._data.dtype)
    source = _one_dim(input)
    axis = _axis(input, dim)
    size = source._data.shape[axis]
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}; k is {k} and the "
                           f"dimension has size {size}")
    order = np.argsort(source._data, axis=axis, kind="stable")
    index = np.take(order, [k - 1], axis=axis)
    return _selected(return_types.kthvalue, kthvalue_row, input, source, axis, index, keepdim)


@variants("function", "method")
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or, with dim, the distinct slices along dim), sorted; optionally the
    inverse indices that rebuild the input and the count of each. Not differentiable (as torch)."""
    data = input._data
    if dim is None:
        values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(data.shape)
    else:
        axis = normalize_dim(dim, input.ndim)
        values, inverse, counts = np.unique(data, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
    outputs = [make_tensor(values)]
    if return_inverse:
        outputs.append(_indices(inverse))
    if return_counts:
        outputs.append(_indices(counts))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@variants("function", "method")
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (of the flattened tensor when dim is None)."""
    if dim is not None:
        raise NotImplementedError("unique_consecutive(dim=...) is not supported by ember yet; flatten first")
    flat = input._data.reshape(-1)
    xp = namespace(flat)
    starts = np.concatenate([xp.ones(1, bool), flat[1:] != flat[:-1]]) if flat.size else xp.zeros(0, bool)
    outputs = [make_tensor(flat[starts])]
    if return_inverse:
        outputs.append(_indices((np.cumsum(starts) - 1).reshape(input._data.shape)))
    if return_counts:
        outputs.append(_indices(np.diff(np.append(np.flatnonzero(starts), flat.size))))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)
