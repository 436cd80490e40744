"""scatter_reduce: src reduced into a copy of input at index along dim (sum, prod, mean, amax, amin).

One row, ScatterReduceBackward0, whose formulas follow torch's scatter_reduce_backward: sum and
mean hand each src element the gradient of the slot it went to (mean divides by the slot's count);
amax and amin share a slot's gradient evenly among the values that equal its result; prod divides
the slot's gradient by each factor (inputs with zeros in a reduced slot are refused rather than
answered wrongly). With include_self=False the input's own value in a scattered slot takes no part.
"""
import numpy as np

from .._backend import namespace, scatter
from .._tensor import Tensor, make_tensor
from ._registry import defop, variants
from .indexing import _gather_index, _positions, _source_like_index, gather_row, scatter_add_row
from .pointwise import eq, where

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    limits = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return limits.min if reduce == "amax" else limits.max


def _scattered(shape, dim, index):
    """True where at least one src element lands (a constant of the index)."""
    mask = namespace(index).zeros(shape, dtype=bool)
    mask[_positions(index, dim)] = True
    return mask


def _counts(shape, dim, index, include_self):
    counts = namespace(index).full(shape, 1 if include_self else 0, dtype=np.int64)
    scatter(namespace(counts), "add", counts, _positions(index, dim), 1)
    return np.maximum(counts, 1)


def _forward(x, src, *, dim, index, reduce, include_self):
    out = x.copy()
    positions = _positions(index, dim)
    if not include_self:
        out[positions] = _identity(reduce, x.dtype)
    scatter(namespace(out), _UFUNCS[reduce].__name__, out, positions, src)
    if reduce == "mean":
        counts = _counts(x.shape, dim, index, include_self)
        out = out // counts if x.dtype.kind in "iub" else (out / counts).astype(x.dtype)
    return out


def _dtype_of(value):
    return value._data.dtype if isinstance(value, Tensor) else value.dtype


def _constant(like, array):
    return make_tensor(array) if isinstance(like, Tensor) else array


def _without_scattered(grad, dim, index, include_self):
    if include_self:
        return grad
    return where(_constant(grad, _scattered(tuple(grad.shape), dim, index)), 0.0, grad)


def _shared(grad, x, src, result, dim, index):
    """amax/amin: a slot's gradient divided by how many values (input and src) equal its result."""
    value = gather_row(result, dim=dim, index=index, shape=tuple(result.shape))
    ties = scatter_add_row(eq(x, result) * 1.0, eq(src, value) * 1.0, dim=dim, index=index)
    return grad / ties


def _input_backward(grad, x, src, result, *, dim, index, reduce, include_self):
    if reduce == "sum":
        return _without_scattered(grad, dim, index, include_self)
    if reduce == "mean":
        counts = _counts(tuple(grad.shape), dim, index, include_self).astype(_dtype_of(grad))
        return _without_scattered(grad / _constant(grad, counts), dim, index, include_self)
    if reduce == "prod":
        return _without_scattered(grad * result / x, dim, index, include_self)
    return _without_scattered(eq(x, result) * _shared(grad, x, src, result, dim, index), dim, index, include_self)


def _source_backward(grad, x, src, result, *, dim, index, reduce, include_self):
    gathered = gather_row(grad, dim=dim, index=index, shape=tuple(grad.shape))
    if reduce == "sum":
        return gathered
    if reduce == "mean":
        counts = _counts(tuple(grad.shape), dim, index, include_self).astype(_dtype_of(grad))
        return gather_row(grad / _constant(grad, counts), dim=dim, index=index, shape=tuple(grad.shape))
    value = gather_row(result, dim=dim, index=index, shape=tuple(grad.shape))
    if reduce == "prod":
        return gathered * value / src
    shared = _shared(grad, x, src, result, dim, index)
    return eq(src, value) * gather_row(shared, dim=dim, index=index, shape=tuple(grad.shape))

scatter_reduce_row = defop("scatter_reduce", "ScatterReduceBackward0", _forward, (_input_backward, _source_backward))


@variants("function", "method", "inplace")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """torch.scatter_reduce / Tensor.scatter_reduce (reduce: 'sum', 'prod', 'mean', 'amax', 'amin')."""
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    dim, array = _gather_index(input, dim, index, "scatter_reduce")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype (got {input.dtype!r} "
                           f"and {src.dtype!r}); convert one with .to()")
    source = _source_like_index(src, array)
    if reduce == "prod" and (input.requires_grad or src.requires_grad) and (
            not np.all(source._data) or not np.all(input._data[_scattered(input.shape, dim, array)])):
        raise NotImplementedError("the derivative of scatter_reduce(reduce='prod') at zeros is not implemented in "
                                  "ember; detach the input or avoid exact zeros")
    return scatter_reduce_row(input, source, dim=dim, index=array, reduce=reduce, include_self=include_self)
