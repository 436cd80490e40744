"""Ops that rearrange or copy elements: repeat, tile, repeat_interleave, flip, roll, diag,
diagonal, diag_embed, tril, triu. See pointwise.py for how to read a row.

Only `diagonal` is a view (view=True); the others copy, as in torch.
"""
import numpy as np

from .._backend import as_array, as_strided, namespace
from .._tensor import Tensor
from ._registry import declare, defop, variants
from .reduction import sum
from .shape import _tracking, clone_for_reshape, expand, normalize_dim, normalize_dims, reshape, unsqueeze


def _diagonal_view(x, offset, dim1, dim2):
    """A writable NumPy view of a diagonal (np.diagonal's is read-only): the diagonal becomes the
    last dimension, as in torch."""
    y = np.moveaxis(x, (dim1, dim2), (-2, -1))
    y = y[..., :, offset:] if offset >= 0 else y[..., -offset:, :]
    length = max(min(y.shape[-2], y.shape[-1]), 0)
    strides = y.strides[:-2] + (y.strides[-2] + y.strides[-1],)
    return as_strided(y, y.shape[:-2] + (length,), strides)


def _diag_embed_forward(x, *, offset, dim1, dim2):
    size = x.shape[-1] + abs(offset)
    shape = list(x.shape[:-1])
    for dim in sorted((dim1, dim2)):
        shape.insert(dim, size)
    out = namespace(x).zeros(shape, dtype=x.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = x
    return out


def _repeat_forward(x, *, repeats, shape):
    return np.tile(x, repeats) if x.size else namespace(x).zeros(_repeated_shape(x.shape, repeats), dtype=x.dtype)


def _repeated_shape(shape, repeats):
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    return tuple(size * count for size, count in zip(padded, repeats))


def _roll_forward(x, *, shifts, dims):
    if dims is None:
        return np.roll(x.reshape(-1), shifts).reshape(x.shape)
    return np.roll(x, shifts, dims)


# fmt: off


def _repeat_backward(grad, x, *, repeats, shape):
    """Fold each repeated axis into (count, size) and add up the copies."""
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    folded = []
    for count, size in zip(repeats, padded):
        folded += [count, size]
    summed = sum(reshape(grad, tuple(folded)), dim=tuple(range(0, 2 * len(padded), 2)))
    return reshape(summed, shape)

repeat_row = defop("repeat", "RepeatBackward0", _repeat_forward, _repeat_backward)
flip_row = defop("flip", "FlipBackward0", lambda x, *, dims: np.flip(x, dims).copy(),
                 lambda grad, x, *, dims: flip_row(grad, dims=dims))


def _negate(shifts):
    return tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts

roll_row = defop("roll", "RollBackward0", _roll_forward,
                 lambda grad, x, *, shifts, dims: roll_row(grad, shifts=_negate(shifts), dims=dims))
diagonal_row = defop("diagonal", "DiagonalBackward0",
                     lambda x, *, offset, dim1, dim2, shape: _diagonal_view(x, offset, dim1, dim2),
                     lambda grad, x, *, offset, dim1, dim2, shape: diagonal_backward(
                         grad, offset=offset, dim1=dim1, dim2=dim2, shape=shape), view=True)
diagonal_copy = defop("diag", "DiagonalBackward0_copy",   # torch.diag of a matrix: a copy of its diagonal
                      lambda x, *, offset, dim1, dim2, shape: _diagonal_view(x, offset, dim1, dim2).copy(),
                      lambda grad, x, *, offset, dim1, dim2, shape: diagonal_backward(
                          grad, offset=offset, dim1=dim1, dim2=dim2, shape=shape))
diagonal_backward = defop("diagonal_backward", "DiagonalBackwardBackward0",
                          lambda g, *, offset, dim1, dim2, shape: _diag_into_zeros(g, offset, dim1, dim2, shape),
                          lambda grad, g, *, offset, dim1, dim2, shape: diagonal_row(
                              grad, offset=offset, dim1=dim1, dim2=dim2, shape=shape))
diag_embed_row = defop("diag_embed", "DiagEmbedBackward0", _diag_embed_forward,
                       lambda grad, x, *, offset, dim1, dim2: diagonal_row(
                           grad, offset=offset, dim1=dim1, dim2=dim2, shape=tuple(grad.shape)))
tril_row = defop("tril", "TrilBackward0", lambda x, *, diagonal: np.tril(x, diagonal),
                 lambda grad, x, *, diagonal: tril_row(grad, diagonal=diagonal))
triu_row = defop("triu", "TriuBackward0", lambda x, *, diagonal: np.triu(x, diagonal),
                 lambda grad, x, *, diagonal: triu_row(grad, diagonal=diagonal))
# fmt: on
diagonal_row = _tracking(diagonal_row)


def _diag_into_zeros(g, offset, dim1, dim2, shape):
    out = namespace(g).zeros(shape, dtype=g.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = g
    return out


@variants("method")
def repeat(input, *sizes):
    repeats = tuple(int(s) for s in (sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes))
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           f"tensor (got {len(repeats)} repeats for a {input.ndim}-D tensor); give one count per "
                           "dimension, or use tile()")
    if any(count < 0 for count in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(repeats)}")
    return repeat_row(input, repeats=repeats, shape=input._data.shape)


@variants("function", "method")
def tile(input, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@variants("function", "method")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element: with an int, as torch composes it (unsqueeze, expand, clone, view);
    with a tensor of counts, as an index_select."""
    if isinstance(input, Tensor) and repeats is None:  # torch.repeat_interleave(counts): indices
        counts = input._data
        return _int_tensor(np.repeat(namespace(counts).arange(counts.size), counts))
    if dim is None:
        input, dim = reshape(input, (-1,)), 0
    dim = normalize_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.ndim == 1 and repeats.numel() != 1:
        counts = repeats._data
        if counts.size != input._data.shape[dim]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.size} and input.size({dim}) = {input._data.shape[dim]}")
        from .indexing import index_select
        return index_select(input, dim, _int_tensor(np.repeat(namespace(counts).arange(counts.size), counts)))
    count = int(repeats)
    shape = input._data.shape
    stretched = list(shape[:dim + 1]) + [count] + list(shape[dim + 1:])
    copied = clone_for_reshape(expand(unsqueeze(input, dim + 1), tuple(stretched)))
    return reshape(copied, shape[:dim] + (shape[dim] * count,) + shape[dim + 1:])


def _int_tensor(array):
    from .._tensor import make_tensor
    return make_tensor(as_array(array, dtype=np.int64))


@variants("function", "method")
def flip(input, *dims, **kwargs):
    """flip(x, (0, 1)), x.flip(0, 1) or flip(x, dims=...)."""
    dims = kwargs["dims"] if "dims" in kwargs else (dims[0] if len(dims) == 1 else dims)
    dims = normalize_dims(dims, input.ndim)
    return flip_row(input, dims=dims)


@variants("function", "method")
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip_row(input, dims=(1,))


@variants("function", "method")
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip_row(input, dims=(0,))


@variants("function", "method")
def roll(input, shifts, dims=None):
    if dims is None:
        shift = shifts if isinstance(shifts, int) else tuple(shifts)
        if isinstance(shift, tuple) and len(shift) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift)}, dims:0")
        return roll_row(input, shifts=shift if isinstance(shift, int) else shift[0], dims=None)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(normalize_dim(d, input.ndim) for d in dims)
    return roll_row(input, shifts=shifts, dims=dims)


@variants("function", "method")
def diagonal(input, offset=0, dim1=0, dim2=1):
    ndim = input.ndim
    dim1, dim2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return diagonal_row(input, offset=offset, dim1=dim1, dim2=dim2, shape=input._data.shape)


@variants("function", "method")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    ndim = input.ndim + 1
    dim1, dim2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return diag_embed_row(input, offset=offset, dim1=dim1, dim2=dim2)


@variants("function", "method")
def diag(input, diagonal=0):
    """A 1-D input becomes a diagonal matrix (DiagEmbedBackward0); a matrix gives its diagonal."""
    if input.ndim == 1:
        return diag_embed_row(input, offset=diagonal, dim1=0, dim2=1)
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return diagonal_copy(input, offset=diagonal, dim1=0, dim2=1, shape=input._data.shape)


def _triangle(row, name):
    def op(input, diagonal=0):
        if input.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return row(input, diagonal=diagonal)
    op.__name__ = op.__qualname__ = name
    return op


tril, triu = _triangle(tril_row, "tril"), _triangle(triu_row, "triu")
declare(tril, "tril", "function", "method", "inplace")
declare(triu, "triu", "function", "method", "inplace")
