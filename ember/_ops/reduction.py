"""Reductions: one row per op; see pointwise.py for how to read a row.

The public functions normalise `dim` (ints, tuples, negatives) and hand the rows the input
shape as an attribute, so the formulas never need the input itself (nothing is saved).
"""
import numpy as np

from .._dtype import FLOATING, LEGACY_NAMES, int64
from .._tensor import Tensor
from ._registry import defop
from .shape import expand, normalize_dims, reshape


def _expand_back(grad, *, shape, dim=None, keepdim=False):
    """Spread a reduced gradient over the reduced axes again."""
    if dim is not None and not keepdim:
        kept = list(shape)
        for axis in dim:
            kept[axis] = 1
        grad = reshape(grad, tuple(kept))
    return expand(grad, shape)


def _reduced_dims(dim, ndim):
    """dim as sorted non-negative ints; an empty list means every dimension, as in torch."""
    return normalize_dims(dim, ndim) or tuple(range(ndim))


def _count(shape, dim):
    count = 1
    for axis in (range(len(shape)) if dim is None else dim):
        count *= shape[axis]
    return count


# fmt: off
sum_all = defop("sum", "SumBackward0", lambda x, *, shape: np.sum(x),
                lambda grad, x, *, shape: _expand_back(grad, shape=shape))
sum_dim = defop("sum", "SumBackward1", lambda x, *, shape, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim),
                lambda grad, x, *, shape, dim, keepdim: _expand_back(grad, shape=shape, dim=dim, keepdim=keepdim))
mean_all = defop("mean", "MeanBackward0", lambda x, *, shape: np.mean(x),
                 lambda grad, x, *, shape: _expand_back(grad / _count(shape, None), shape=shape))
mean_dim = defop("mean", "MeanBackward1",
                 lambda x, *, shape, dim, keepdim: np.mean(x, axis=dim, keepdims=keepdim),
                 lambda grad, x, *, shape, dim, keepdim: _expand_back(grad / _count(shape, dim), shape=shape,
                                                                      dim=dim, keepdim=keepdim))
# fmt: on


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Sum of all elements, or over `dim` (an int or a tuple). Integers and bools sum to int64."""
    if not isinstance(input, Tensor):  # raw array inside a backward formula
        return np.sum(input, axis=dim, keepdims=keepdim)
    dim = axis if dim is None else dim
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = int64  # as torch; NumPy would sum uint8 to uint64, and int32 to int32 on Windows
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return sum_all(input, shape=input._data.shape)
    return sum_dim(input, shape=input._data.shape, dim=_reduced_dims(dim, input.ndim), keepdim=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean of all elements, or over `dim`. Like torch, integer tensors need dtype= or .float()."""
    if not isinstance(input, Tensor):
        return np.mean(input, axis=dim, keepdims=keepdim)
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.category < FLOATING:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {LEGACY_NAMES[input.dtype][:-len('Tensor')]}. "
            "Convert first with .float(), or pass dtype=ember.float32")
    if dim is None:
        return mean_all(input, shape=input._data.shape)
    return mean_dim(input, shape=input._data.shape, dim=_reduced_dims(dim, input.ndim), keepdim=keepdim)


# Logical reductions: no gradient, bool results (what `if tensor:` usually means to ask).
any_row = defop("any", None, lambda x, *, dim, keepdim: np.any(x, axis=dim, keepdims=keepdim), None)
all_row = defop("all", None, lambda x, *, dim, keepdim: np.all(x, axis=dim, keepdims=keepdim), None)


def any(input, dim=None, keepdim=False):
    """True where any element (over `dim`, or all of them) is nonzero."""
    return any_row(input, dim=None if dim is None else normalize_dims(dim, input.ndim), keepdim=keepdim)


def all(input, dim=None, keepdim=False):
    """True where every element (over `dim`, or all of them) is nonzero."""
    return all_row(input, dim=None if dim is None else normalize_dims(dim, input.ndim), keepdim=keepdim)


__all__ = ["sum", "mean", "any", "all"]
METHODS = ["sum", "mean", "any", "all"]
