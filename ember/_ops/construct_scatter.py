"""Ops that write into a copy of a tensor: slice/select/diagonal_scatter, index_put, index_copy, put,
their in-place forms, and fill_diagonal_ / addmm_ / cumsum_. See pointwise.py for how to read a row.
"""
import numpy as np

from .._backend import as_array, is_array, namespace, scatter
from .._tensor import Tensor, make_tensor
from ._registry import GRAD_FNS, defop, variants
from .indexing import _along, index_fill_row, index_select_row, take_row
from .inplace import make_inplace
from .rearrange import _diagonal_view, diagonal
from .shape import getitem, normalize_dim, reshape, slice_row
from .shape import select as select_row


# -- scatter-like ops: a copy of input with src written into a region --------------------------------
def _region_zeroed(grad, region):
    """grad with `region` set to zero, as a constant mask (differentiable in grad)."""
    mask = namespace(grad).ones(tuple(grad.shape), dtype=bool)
    mask[region] = False
    return grad * (make_tensor(mask) if isinstance(grad, Tensor) else mask)


def _written(x, src, region):
    out = x.copy(order="K")
    out[region] = src
    return out


def _slice_region(dim, start, stop, step):
    return (slice(None),) * dim + (slice(start, stop, step),)


# fmt: off
slice_scatter_row = defop(
    "slice_scatter", "SliceScatterBackward0",
    lambda x, src, *, dim, start, stop, step: _written(x, src, _slice_region(dim, start, stop, step)),
    (lambda grad, x, src, *, dim, start, stop, step: _region_zeroed(grad, _slice_region(dim, start, stop, step)),
     lambda grad, x, src, *, dim, start, stop, step: slice_row(grad, dim=dim, start=start, stop=stop, step=step,
                                                              shape=tuple(grad.shape))))
select_scatter_row = defop(
    "select_scatter", "SelectScatterBackward0",
    lambda x, src, *, dim, index: _written(x, src, (slice(None),) * dim + (index,)),
    (lambda grad, x, src, *, dim, index: _region_zeroed(grad, (slice(None),) * dim + (index,)),
     lambda grad, x, src, *, dim, index: select_row(grad, dim=dim, index=index, shape=tuple(grad.shape))))
# fmt: on


def _diagonal_scatter_forward(x, src, *, offset, dim1, dim2):
    out = x.copy(order="K")
    _diagonal_view(out, offset, dim1, dim2)[...] = src
    return out


def _diagonal_zeroed(grad, *, offset, dim1, dim2):
    mask = namespace(grad).ones(tuple(grad.shape), dtype=bool)
    _diagonal_view(mask, offset, dim1, dim2)[...] = False
    return grad * (make_tensor(mask) if isinstance(grad, Tensor) else mask)


def _diagonal_of(grad, *, offset, dim1, dim2):
    if isinstance(grad, Tensor):
        return diagonal(grad, offset, dim1, dim2)
    return _diagonal_view(grad, offset, dim1, dim2).copy()


diagonal_scatter_row = defop(
    "diagonal_scatter", "DiagonalScatterBackward0", _diagonal_scatter_forward,
    (lambda grad, x, src, *, offset, dim1, dim2: _diagonal_zeroed(grad, offset=offset, dim1=dim1, dim2=dim2),
     lambda grad, x, src, *, offset, dim1, dim2: _diagonal_of(grad, offset=offset, dim1=dim1, dim2=dim2)))


def _check_src(name, src, expected):
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expected)}")


@variants("function", "method")
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with src written into input[..., start:end:step] along dim."""
    dim = normalize_dim(dim, input.ndim)
    region = _slice_region(dim, start, end, step)
    _check_src("slice_scatter", src, input._data[region].shape)
    return slice_scatter_row(input, src, dim=dim, start=start, stop=end, step=step)


@variants("function", "method")
def select_scatter(input, src, dim, index):
    """A copy of input with src written at `index` along dim."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {dim}")
    index %= size
    _check_src("select_scatter", src, input._data[(slice(None),) * dim + (index,)].shape)
    return select_scatter_row(input, src, dim=dim, index=index)


@variants("function", "method")
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with src written along a diagonal (as diagonal() selects it)."""
    dim1, dim2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    _check_src("diagonal_scatter", src, _diagonal_view(input._data, offset, dim1, dim2).shape)
    return diagonal_scatter_row(input, src, offset=offset, dim1=dim1, dim2=dim2)


# -- index_put, index_copy, put (and their in-place forms) ------------------------------------------
def _index_put_forward(x, values, *, index, accumulate):
    out = x.copy(order="K")
    if accumulate:
        scatter(namespace(out), "add", out, index, np.broadcast_to(values, out[index].shape))
    else:
        out[index] = values
    return out


# inplace.py has an IndexPutBackward0 row for x[mask] = v; this one adds accumulate=. Both are torch's
# IndexPutBackward0; the table (GRAD_FNS) keeps inplace.py's entry, this class is reached through the op.
_previous = GRAD_FNS.get("IndexPutBackward0")


def _index_put_old(grad, x, values, *, index, accumulate):
    return grad if accumulate else _region_zeroed(grad, index)


def _index_put_values(grad, x, values, *, index, accumulate):
    return getitem(grad, tuple(make_tensor(i) if is_array(i) else i for i in index)) \
        if isinstance(grad, Tensor) else grad[index]

index_put_row = defop("index_put", "IndexPutBackward0", _index_put_forward, (_index_put_old, _index_put_values))
if _previous is not None:
    GRAD_FNS["IndexPutBackward0"] = _previous


def _numpy_indices(indices):
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors, e.g. (rows, cols)")
    return tuple(i._data if isinstance(i, Tensor) else as_array(i) for i in indices)


@variants("function", "method")
def index_put(input, indices, values, accumulate=False):
    """A copy of input with values written (or with accumulate=True, added) at input[indices]."""
    if not isinstance(values, Tensor):
        values = make_tensor(as_array(values, dtype=input._data.dtype))
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for the "
                           f"destination and {values.dtype} for the source.")
    return index_put_row(input, values, index=_numpy_indices(indices), accumulate=accumulate)


def _index_copy_forward(x, source, *, dim, index):
    out = x.copy(order="K")
    out[_along(dim, index)] = source
    return out


index_copy_row = defop(
    "index_copy", "IndexCopyBackward0", _index_copy_forward,
    (lambda grad, x, source, *, dim, index: index_fill_row(grad, dim=dim, index=index, value=0),
     lambda grad, x, source, *, dim, index: index_select_row(grad, dim=dim, index=index, shape=tuple(grad.shape))))


@variants("function", "method", "inplace")
def index_copy(input, dim, index, source):
    """A copy of input with source's slices written at `index` along dim."""
    dim = normalize_dim(dim, input.ndim)
    array = index._data
    if index.ndim > 1 or array.dtype != np.int64:
        raise IndexError("index_copy_(): Index should have dimension 1 or 0 (got {}) and dtype int64 (got {})"
                         .format(index.ndim, index.dtype))
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{input.dtype} and (source) {source.dtype}")
    return index_copy_row(input, source, dim=dim, index=array.reshape(-1))


def _put_forward(x, source, *, index, accumulate):
    out = x.copy(order="K")
    flat = out.reshape(-1)
    if accumulate:
        scatter(namespace(flat), "add", flat, index, source.reshape(-1))
    else:
        flat[index] = source.reshape(-1)
    return out


def _put_old(grad, x, source, *, index, accumulate):
    if accumulate:
        return grad
    mask = namespace(grad).ones(tuple(grad.shape), dtype=bool)
    mask.reshape(-1)[index] = False
    return grad * (make_tensor(mask) if isinstance(grad, Tensor) else mask)


def _put_source(grad, x, source, *, index, accumulate):
    return reshape(take_row(grad, index=index, shape=tuple(grad.shape)), tuple(source.shape))


put_row = defop("put", "PutBackward0", _put_forward, (_put_old, _put_source))


@variants("function", "method", "inplace")
def put(input, index, source, accumulate=False):
    """A copy of input (seen as 1-D) with source's elements written (or added) at `index`."""
    array = index._data.reshape(-1).astype(np.int64)
    numel = input._data.size
    if array.size != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {array.size}")
    if array.size and (array.min() < -numel or array.max() >= numel):
        raise IndexError(f"out of range: tried to access index {int(array.max())} on a tensor of {numel} elements.")
    return put_row(input, source, index=np.where(array < 0, array + numel, array), accumulate=accumulate)


@variants("function", "method")
def index_put_(self, indices, values, accumulate=False):
    return _index_put_inplace(self, indices, values, accumulate)


_index_put_inplace = make_inplace(index_put, "index_put_")


@variants("method")
def fill_diagonal_(self, fill_value, wrap=False):
    """Write fill_value along the main diagonal in place (through a diagonal view: CopySlices)."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if self.ndim == 2 and wrap and self.shape[0] > self.shape[1] + 1:
        rows = namespace(self._data).arange(self.shape[0])
        keep = (rows % (self.shape[1] + 1)) < self.shape[1]
        rows = rows[keep]
        self[make_tensor(rows), make_tensor(rows % (self.shape[1] + 1))] = fill_value
        return self
    if self.ndim == 2:
        diagonal(self).fill_(fill_value)
        return self
    index = make_tensor(namespace(self._data).arange(self.shape[0]))
    self[(index,) * self.ndim] = fill_value
    return self
