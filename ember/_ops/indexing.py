"""Indexing ops: gather, scatter, scatter_add, index_select, index_add, index_fill, masked_fill,
masked_select, masked_scatter, take, nonzero, argwhere. See pointwise.py for how to read a row.

Index tensors and masks enter the rows as attributes (NumPy arrays), not as inputs: they are
never differentiated. Repeated indices add up in every backward (np.add.at), as gradients must.
"""
import numpy as np

from .._backend import as_array, like, namespace
from .._backend import scatter as scatter_at  # ufunc.at on either backend (this module's scatter is the op)
from .._tensor import Tensor, make_tensor
from ._errors import broadcast_error, check_fits, no_derivative
from ._registry import defop, variants
from .pointwise import where
from .reduction import sum
from .shape import expand, normalize_dim, reshape


def _positions(index, dim):
    """The full NumPy index that `index` (shaped like the output) means along `dim`."""
    axes = np.ogrid[tuple(slice(0, size) for size in index.shape)] if index.ndim else []
    grids = [like(grid, index) for grid in axes]
    if not grids:
        return (index,) if index.ndim == 0 and dim == 0 else ()
    grids[dim] = index
    return tuple(grids)


def _zeros(like, shape):
    data = like._data if isinstance(like, Tensor) else as_array(like)
    zeros = namespace(data).zeros(shape, dtype=data.dtype)
    return make_tensor(zeros) if isinstance(like, Tensor) else zeros


def _along(dim, index):
    return (slice(None),) * dim + (index,)


def _scatter_forward(x, src, *, dim, index):
    out = x.copy()
    out[_positions(index, dim)] = src
    return out


def _scatter_add_forward(x, src, *, dim, index):
    out = x.copy()
    scatter_at(namespace(out), "add", out, _positions(index, dim), src)
    return out


def _scatter_reduce_forward(x, src, *, dim, index, reduce):
    out = x.copy()
    scatter_at(namespace(out), "add" if reduce == "add" else "multiply", out, _positions(index, dim),
               np.broadcast_to(src, index.shape))
    return out


def _index_add_forward(x, source, *, dim, index, alpha, shape):
    out = x.copy()
    scatter_at(namespace(out), "add", out, _along(dim, index), source if alpha == 1 else source * alpha)
    return out


def _index_fill_forward(x, value, *, dim, index):
    out = x.copy()
    out[_along(dim, index)] = value
    return out


def _masked_scatter_forward(x, source, *, mask, shape):
    out = np.broadcast_to(x, mask.shape).copy()
    out[mask] = source.reshape(-1)[:np.count_nonzero(mask)]
    return out


def _gathered(grad, dim, index):
    return gather_row(grad, dim=dim, index=index, shape=tuple(grad.shape))


# fmt: off
gather_row = defop("gather", "GatherBackward0", lambda x, *, dim, index, shape: x[_positions(index, dim)],
                   lambda grad, x, *, dim, index, shape: scatter_add_row(_zeros(grad, shape), grad, dim=dim,
                                                                         index=index))
scatter_row = defop("scatter", "ScatterBackward0", _scatter_forward,
                    (lambda grad, x, src, *, dim, index: scatter_value_row(grad, dim=dim, index=index, value=0),
                     lambda grad, x, src, *, dim, index: _gathered(grad, dim, index)))
scatter_value_row = defop("scatter", "ScatterBackward1",
                          lambda x, *, dim, index, value: _scatter_forward(x, value, dim=dim, index=index),
                          lambda grad, x, *, dim, index, value: scatter_value_row(grad, dim=dim, index=index, value=0))
scatter_reduce_row = defop("scatter", "NotImplemented", _scatter_reduce_forward, (no_derivative("scatter"),) * 2)
scatter_add_row = defop("scatter_add", "ScatterAddBackward0", _scatter_add_forward,
                        (lambda grad, x, src, *, dim, index: grad,
                         lambda grad, x, src, *, dim, index: _gathered(grad, dim, index)))
index_select_row = defop("index_select", "IndexSelectBackward0",
                         lambda x, *, dim, index, shape: np.take(x, index, axis=dim),
                         lambda grad, x, *, dim, index, shape: index_add_row(_zeros(grad, shape), grad, dim=dim,
                                                                             index=index, alpha=1,
                                                                             shape=tuple(grad.shape)))
index_add_row = defop("index_add", "IndexAddBackward0", _index_add_forward,
                      (lambda grad, x, source, *, dim, index, alpha, shape: grad,
                       lambda grad, x, source, *, dim, index, alpha, shape: reshape(
                           index_select_row(grad, dim=dim, index=index, shape=tuple(grad.shape)) * alpha, shape)))
index_fill_row = defop("index_fill", "IndexFillBackward0",
                       lambda x, *, dim, index, value: _index_fill_forward(x, value, dim=dim, index=index),
                       lambda grad, x, *, dim, index, value: index_fill_row(grad, dim=dim, index=index, value=0))
index_fill_tensor = defop("index_fill", "IndexFillBackward1", _index_fill_forward,
                          (lambda grad, x, value, *, dim, index: index_fill_row(grad, dim=dim, index=index, value=0),
                           lambda grad, x, value, *, dim, index: sum(
                               index_select_row(grad, dim=dim, index=index, shape=tuple(grad.shape)))))
masked_fill_row = defop("masked_fill", "MaskedFillBackward0",
                        lambda x, *, mask, value: np.where(mask, like(as_array(value), x).astype(x.dtype), x),
                        lambda grad, x, *, mask, value: where(mask, 0.0, grad))
masked_fill_tensor = defop("masked_fill", "MaskedFillBackward1",
                           lambda x, value, *, mask: np.where(mask, value.astype(x.dtype), x),
                           (lambda grad, x, value, *, mask: where(mask, 0.0, grad),
                            lambda grad, x, value, *, mask: sum(where(mask, grad, 0.0))))
masked_select_row = defop("masked_select", "MaskedSelectBackward0",
                          lambda x, *, mask: np.broadcast_to(x, mask.shape)[mask],
                          lambda grad, x, *, mask: masked_scatter_row(_zeros(grad, mask.shape), grad, mask=mask,
                                                                        shape=tuple(grad.shape)))


def _masked_scatter_source_grad(grad, x, source, *, mask, shape):
    """The selected gradient, padded with zeros to source's size (its unused tail gets none)."""
    selected = masked_select_row(grad, mask=mask)
    size = int(np.prod(shape))
    padding = _zeros(grad, (size - int(np.count_nonzero(mask)),))
    if isinstance(selected, Tensor):
        from .joining import cat
        flat = cat([selected, padding])
    else:
        flat = np.concatenate([selected, padding])
    return reshape(flat, shape)

masked_scatter_row = defop("masked_scatter", "MaskedScatterBackward0", _masked_scatter_forward,
                           (lambda grad, x, source, *, mask, shape: where(mask, 0.0, grad),
                            _masked_scatter_source_grad))


def _take_backward(grad, *, index, shape):
    size = int(np.prod(shape))
    spread = index_add_row(_zeros(grad, (size,)), reshape(grad, (-1,)), dim=0, index=index.reshape(-1), alpha=1,
                           shape=(index.size,))
    return reshape(spread, shape)

take_row = defop("take", "TakeBackward0", lambda x, *, index, shape: x.reshape(-1)[index],
                 lambda grad, x, *, index, shape: _take_backward(grad, index=index, shape=shape))
# fmt: on


# -- argument checks (torch's messages) -------------------------------------------------------
def _index_of(index, op, kinds="iu", what="int32/int64"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    array = index._data
    if array.dtype.kind not in kinds:
        raise RuntimeError(f"{op}(): Expected dtype {what} for index (got {index.dtype!r}); convert it with .long()")
    return array.astype(np.int64, copy=False)


def _check_bounds(array, size, dim):
    # torch's gather and scatter take no negative index (indexing and index_fill do)
    if array.size and (array.max() >= size or array.min() < 0):
        bad = array.max() if array.max() >= size else array.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}; gather and scatter "
                           f"indices run from 0 to {size - 1} (negative indices are not wrapped)")


def _gather_index(input, dim, index, op):
    dim = normalize_dim(dim, input.ndim)
    array = _index_of(index, op)
    if array.ndim != input.ndim and not (array.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    shape = input._data.shape
    for axis, (size, limit) in enumerate(zip(array.shape, shape)):
        if axis != dim and size > limit:
            raise RuntimeError(f"Size does not match at dimension {axis} expected index {list(array.shape)} to be no "
                               f"larger than self {list(shape)} apart from dimension {dim}")
    _check_bounds(array, shape[dim] if shape else 1, dim)
    return dim, array % (shape[dim] if shape else 1)


@variants("function", "method")
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j] = input[index[i][j]][j] for dim=0 (GatherBackward0)."""
    dim, array = _gather_index(input, dim, index, "gather")
    return gather_row(input, dim=dim, index=array, shape=input._data.shape)


def _source_like_index(src, array):
    """torch reads only the leading index-shaped block of a larger src."""
    if src._data.shape == array.shape:
        return src
    return src[tuple(slice(0, size) for size in array.shape)]


@variants("function", "method", "inplace")
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with src (or a number) written at index along dim (ScatterBackward0/1)."""
    if src is None:
        src = value
    dim, array = _gather_index(input, dim, index, "scatter")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if isinstance(src, Tensor):
            return scatter_reduce_row(input, _source_like_index(src, array), dim=dim, index=array, reduce=reduce)
        return scatter_reduce_row(input, as_array(src, dtype=input._data.dtype), dim=dim, index=array, reduce=reduce)
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got {input.dtype!r} and "
                               f"{src.dtype!r}); convert one with .to()")
        return scatter_row(input, _source_like_index(src, array), dim=dim, index=array)
    return scatter_value_row(input, dim=dim, index=array, value=src)


@variants("function", "method", "inplace")
def scatter_add(input, dim, index, src):
    dim, array = _gather_index(input, dim, index, "scatter_add")
    if src._data.shape != array.shape and any(a > s for a, s in zip(array.shape, src._data.shape)):
        raise RuntimeError(f"Expected index {list(array.shape)} to be no larger than self {list(input.shape)} apart "
                           f"from dimension {dim} and to be no larger size than src {list(src.shape)}")
    return scatter_add_row(input, _source_like_index(src, array), dim=dim, index=array)


def _select_index(input, dim, index, op):
    dim = normalize_dim(dim, input.ndim)
    array = _index_of(index, op, what="int32 or int64")
    if array.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    size = input._data.shape[dim] if input.ndim else 1
    lowest = -size if op == "index_fill" else 0  # torch wraps negative indices for index_fill alone
    if array.size and (array.max() >= size or array.min() < lowest):
        raise IndexError(f"index out of range in self (an index in {array.tolist()} is outside [-{size}, {size}) "
                         f"for dimension {dim} of size {size})")
    return dim, array.reshape(-1) % size


@variants("function", "method")
def index_select(input, dim, index):
    dim, array = _select_index(input, dim, index, "index_select")
    return index_select_row(input, dim=dim, index=array, shape=input._data.shape)


@variants("function", "method", "inplace")
def index_add(input, dim, index, source, *, alpha=1):
    dim, array = _select_index(input, dim, index, "index_add")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype.name}) and source ({source.dtype.name}) must have the "
                           "same scalar type")
    return index_add_row(input, source, dim=dim, index=array, alpha=alpha, shape=source._data.shape)


@variants("function", "method", "inplace")
def index_fill(input, dim, index, value):
    dim, array = _select_index(input, dim, index, "index_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return index_fill_tensor(input, value, dim=dim, index=array)
    return index_fill_row(input, dim=dim, index=array, value=value)


def _mask_of(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask.dtype.name}; "
                           "compare to make one (x > 0) or convert it with .bool()")
    return mask._data


def _broadcast_mask(input, mask, op):
    try:
        shape = np.broadcast_shapes(input._data.shape, mask.shape)
    except ValueError:
        raise broadcast_error([make_tensor(mask), input]) from None
    return np.broadcast_to(mask, shape)


@variants("function", "method", "inplace")
def masked_fill(input, mask, value):
    mask = _broadcast_mask(input, _mask_of(mask, "masked_fill_"), "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return masked_fill_tensor(input, value, mask=mask)
    check_fits(value, input._data.dtype)
    return masked_fill_row(input, mask=mask, value=value)


@variants("function", "method")
def masked_select(input, mask):
    mask = _broadcast_mask(input, _mask_of(mask, "masked_select"), "masked_select")
    if input._data.shape != mask.shape:  # the row's gradient has the broadcast shape: expand first
        input = expand(input, mask.shape)
    return masked_select_row(input, mask=mask)


@variants("function", "method", "inplace")
def masked_scatter(input, mask, source):
    mask = _broadcast_mask(input, _mask_of(mask, "masked_scatter_"), "masked_scatter")
    if source._data.size < np.count_nonzero(mask):
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask "
                           f"({np.count_nonzero(mask)}), but it has {source._data.size}")
    return masked_scatter_row(input, source, mask=mask, shape=source._data.shape)


@variants("function", "method")
def take(input, index):
    array = _index_of(index, "take", what="int64")
    size = input._data.size
    if array.size and (array.max() >= size or array.min() < -size):
        bad = array.max() if array.max() >= size else array.min()
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {size} elements.")
    return take_row(input, index=array % max(size, 1), shape=input._data.shape)


@variants("function", "method")
def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dimension."""
    data = input._data
    if as_tuple:
        if data.ndim == 0:
            return (make_tensor(namespace(data).zeros(int(data != 0), dtype=np.int64)),)
        return tuple(make_tensor(indices.astype(np.int64)) for indices in np.nonzero(data))
    return make_tensor(np.argwhere(data).astype(np.int64))


@variants("function", "method")
def argwhere(input):
    return nonzero(input)
