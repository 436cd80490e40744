"""Shape and indexing primitives: one row per op; see pointwise.py for how to read a row.

Rows marked view=True return NumPy views: the output shares memory and the version counter
with its input, so an in-place change through either is seen (and checked) by both.
Indexing is decomposed the way torch decomposes it (select, slice, unsqueeze, then one
advanced index), so ``x[0, 1:]`` records SliceBackward0 <- SelectBackward0 as torch does.
"""
import warnings
import weakref

import numpy as np

from .._backend import as_array, is_array, like, namespace, scatter
from .._tensor import Size, Tensor
from ..autograd.anomaly_mode import user_stacklevel
from ._errors import MAX_DIMS, too_many_dims
from ._registry import Row, declare, defop, variants


def normalize_dim(dim, ndim):
    """A dim in [-ndim, ndim) as a non-negative int; a 0-d tensor accepts -1 and 0 like torch."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], "
                         f"but got {dim}); a tensor with {ndim} dimension{'s' if ndim != 1 else ''} counts them "
                         f"0 to {bound - 1} from the front, or -1 to {-bound} from the back")
    return dim % bound if ndim else 0


def normalize_dims(dims, ndim):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    normalized = tuple(normalize_dim(dim, ndim) for dim in dims)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"dim {normalized} appears multiple times in the list of dims")
    return tuple(sorted(normalized)) if ndim else ()


def _resolve_shape(shape, numel):
    """Fill in a -1 and check that the element count matches (torch's message on failure)."""
    shape = tuple(int(size) for size in shape)
    unknown = [i for i, size in enumerate(shape) if size == -1]
    known = 1
    for size in shape:
        known *= size if size != -1 else 1
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred; give at most one -1 in the new shape")
    if unknown and known and numel % known == 0:
        shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif unknown or known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}; the new shape must "
                           f"hold exactly {numel} elements (put -1 in one place to have that size worked out)")
    return shape


def _select_backward_forward(grad, *, shape, dim, index):
    full = namespace(grad).zeros(shape, dtype=grad.dtype)
    full[(slice(None),) * dim + (index,)] = grad
    return full


def _slice_backward_forward(grad, *, shape, dim, start, stop, step):
    full = namespace(grad).zeros(shape, dtype=grad.dtype)
    full[(slice(None),) * dim + (slice(start, stop, step),)] = grad
    return full


def _index_backward_forward(grad, *, shape, index):
    full = namespace(grad).zeros(shape, dtype=grad.dtype)
    scatter(namespace(full), "add", full, index, grad)  # repeated indices add up, as their gradients must
    return full


# fmt: off
view_row = defop("view", "ViewBackward0", lambda x, *, shape, input_shape: np.reshape(x, shape, copy=False),
                 lambda grad, x, *, shape, input_shape: reshape(grad, input_shape), view=True)
unsafe_view = defop("_unsafe_view", "UnsafeViewBackward0", lambda x, *, shape, input_shape: np.reshape(x, shape),
                    lambda grad, x, *, shape, input_shape: reshape(grad, input_shape))
unsqueeze_row = defop("unsqueeze", "UnsqueezeBackward0", lambda x, *, dim: np.expand_dims(x, dim),
                      lambda grad, x, *, dim: squeeze_dims(grad, dim=(dim,), input_shape=None), view=True)
squeeze_all = defop("squeeze", "SqueezeBackward0", lambda x, *, input_shape: np.squeeze(x),
                    lambda grad, x, *, input_shape: reshape(grad, input_shape), view=True)
squeeze_dim = defop("squeeze", "SqueezeBackward1", lambda x, *, dim, input_shape: np.squeeze(x, dim),
                    lambda grad, x, *, dim, input_shape: reshape(grad, input_shape), view=True)
squeeze_dims = defop("squeeze", "SqueezeBackward2", lambda x, *, dim, input_shape: np.squeeze(x, dim),
                     lambda grad, x, *, dim, input_shape: (unsqueeze(grad, dim[0]) if len(dim) == 1 else
                                                           reshape(grad, input_shape)), view=True)
squeeze_matmul = defop("squeeze_", "SqueezeBackward4",  # torch's in-place squeeze_ inside 1-D @ 2-D matmul
                       lambda x, *, dim: np.squeeze(x, dim), lambda grad, x, *, dim: unsqueeze(grad, dim))
transpose_row = defop("transpose", "TransposeBackward0", lambda x, *, dim0, dim1: np.swapaxes(x, dim0, dim1),
                      lambda grad, x, *, dim0, dim1: transpose(grad, dim0, dim1), view=True)
t_row = defop("t", "TBackward0", np.transpose,  # a raw gradient's .T directly: t()'s dispatch costs more
              lambda grad, x: grad.T if is_array(grad) else t(grad), view=True)


def _inverse(permutation):
    return tuple(np.argsort(permutation).tolist())

permute_row = defop("permute", "PermuteBackward0", lambda x, *, dims: np.transpose(x, dims),
                    lambda grad, x, *, dims: permute(grad, _inverse(dims)), view=True)
expand_row = defop("expand", "ExpandBackward0", lambda x, *, shape: np.broadcast_to(x, shape),
                   lambda grad, x, *, shape: grad, view=True)  # the engine sums back to x's shape
# x.contiguous(): torch's clone into the standard layout (x.clone() keeps a transposed layout)
contiguous_clone = defop("clone", "CloneBackward0", lambda x: x.copy(order="C"), lambda grad, x: grad)
alias = defop("alias", "AliasBackward0", lambda x: x.view(), lambda grad, x: grad, view=True)
select = defop("select", "SelectBackward0",
               lambda x, *, dim, index, shape: x[(slice(None),) * dim + (index, ...)],
               lambda grad, x, *, dim, index, shape: select_backward(grad, shape=shape, dim=dim, index=index),
               view=True)
slice_row = defop("slice", "SliceBackward0",
                  lambda x, *, dim, start, stop, step, shape: x[(slice(None),) * dim + (slice(start, stop, step),)],
                  lambda grad, x, *, dim, start, stop, step, shape: slice_backward(
                      grad, shape=shape, dim=dim, start=start, stop=stop, step=step), view=True)
index = defop("index", "IndexBackward0", lambda x, *, index, shape: x[index],
              lambda grad, x, *, index, shape: index_backward(grad, shape=shape, index=index))
select_backward = defop("select_backward", "SelectBackwardBackward0", _select_backward_forward,
                        lambda grad, g, *, shape, dim, index: select(grad, dim=dim, index=index, shape=shape))
slice_backward = defop("slice_backward", "SliceBackwardBackward0", _slice_backward_forward,
                       lambda grad, g, *, shape, dim, start, stop, step: slice_row(
                           grad, dim=dim, start=start, stop=stop, step=step, shape=shape))
index_backward = defop("index_backward", "IndexPutImplBackward0", _index_backward_forward,  # torch's name
                       lambda grad, g, *, shape, index: globals()["index"](grad, index=index, shape=shape))
# fmt: on


def track_view(view):
    """Remember a view of a computed tensor, so that an in-place change of the base (or of
    another view) can regenerate its history (see inplace.refresh_views). Views of leaves need
    no record: a leaf that requires grad may change in place only under no_grad."""
    base = view._base
    if base.grad_fn is None:
        return
    views = base.__dict__.get("_views")
    if views is None:
        views = base._views = weakref.WeakSet()
    views.add(view)


def _tracking(row):
    def op(*inputs, **attributes):
        result = row(*inputs, **attributes)
        if result.__class__ is Tensor and result._requires_grad:
            track_view(result)
        return result
    op.__name__ = op.__qualname__ = row.__name__
    op.row = Row(row.row.name, row.row.grad_fn_name, row.row.node_class)  # no forward: in place, the general path
    return op


view_row, unsqueeze_row, squeeze_all, squeeze_dim, squeeze_dims, transpose_row, t_row, permute_row, expand_row, \
    alias, select, slice_row = map(_tracking, (view_row, unsqueeze_row, squeeze_all, squeeze_dim, squeeze_dims,
                                               transpose_row, t_row, permute_row, expand_row, alias, select, slice_row))


def _shape(args):
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
    if len(shape) > MAX_DIMS:
        raise too_many_dims(len(shape))
    return shape


def _one_more_dim(input):
    if input.ndim >= MAX_DIMS:
        raise too_many_dims(input.ndim + 1)


@variants("method")
def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        raise NotImplementedError("view(dtype) is not supported by ember yet; use .to(dtype) to convert")
    data = input._data
    shape = _resolve_shape(_shape(shape), data.size)
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    return view_row(input, shape=shape, input_shape=data.shape)


@variants("function", "method")
def reshape(input, *shape):
    """A view when the memory allows one (ViewBackward0), else a copy (UnsafeViewBackward0), as torch."""
    if not isinstance(input, Tensor):  # raw array inside a backward formula
        return np.reshape(input, _shape(shape))
    data = input._data
    shape = _resolve_shape(_shape(shape), data.size)
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        return unsafe_view(clone_for_reshape(input), shape=shape, input_shape=data.shape)
    return view_row(input, shape=shape, input_shape=data.shape)


def clone_for_reshape(input):
    from .pointwise import clone
    return clone(input)


@variants("function", "method")
def flatten(input, start_dim=0, end_dim=-1):
    ndim = input.ndim
    if ndim == 0:
        return reshape(input, (1,))
    start, end = normalize_dim(start_dim, ndim), normalize_dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input.shape
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


@variants("function", "method")
def unsqueeze(input, dim):
    if not isinstance(input, Tensor):
        return np.expand_dims(input, dim)
    _one_more_dim(input)
    return unsqueeze_row(input, dim=normalize_dim(dim, input.ndim + 1))


@variants("function", "method")
def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        return squeeze_all(input, input_shape=shape)
    if isinstance(dim, int):
        dim = normalize_dim(dim, input.ndim)
        return squeeze_dim(input, dim=(dim,) if shape and shape[dim] == 1 else (), input_shape=shape)
    dims = tuple(d for d in normalize_dims(dim, input.ndim) if shape[d] == 1)
    return squeeze_dims(input, dim=dims, input_shape=shape)


@variants("function", "method")
def transpose(input, dim0, dim1):
    if not isinstance(input, Tensor):
        return np.swapaxes(input, dim0, dim1)
    ndim = input.ndim
    return transpose_row(input, dim0=normalize_dim(dim0, ndim), dim1=normalize_dim(dim1, ndim))


@variants("function", "method")
def t(input):
    if isinstance(input, Tensor) and input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D; "
                           "use .transpose(dim0, dim1) or .mT for batches of matrices")
    return t_row(input)


@variants("function", "method")
def permute(input, *dims):
    dims = _shape(dims)
    if not isinstance(input, Tensor):
        return np.transpose(input, dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    return permute_row(input, dims=normalize_dims_ordered(dims, input.ndim))


def normalize_dims_ordered(dims, ndim):
    normalized = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(normalized)) != len(normalized):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return normalized


def numpy_T(input):
    """x.T: all dimensions reversed (torch records PermuteBackward0, for 0-d and 1-D tensors too)."""
    if input.ndim != 2 and ("T", input.ndim == 0) not in _warned:  # torch warns once per process
        _warned.add(("T", input.ndim == 0))
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
                      if input.ndim == 0 else
                      "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                      "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                      "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                      "tensor.", UserWarning, stacklevel=user_stacklevel())
    return permute_row(input, dims=tuple(range(input.ndim))[::-1])


def warn_once_zero_dim(name, advice):
    """torch's once-per-process deprecation of x.mT / x.mH on a 0-d tensor."""
    if (name, True) not in _warned:
        _warned.add((name, True))
        warnings.warn(f"Tensor.{name} is deprecated on 0-D tensors. {advice}", UserWarning,
                      stacklevel=user_stacklevel())


def matrix_T(input):
    """x.mT: the last two dimensions swapped; a 0-d tensor is returned as it is, with torch's warning."""
    if input.ndim == 0:
        warn_once_zero_dim("mT", "This function is the identity in these cases.")
        return input
    if input.ndim == 1:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(input, -2, -1)


_warned = set()


@variants("method")
def expand(input, *sizes):
    sizes = _shape(sizes)
    if not isinstance(input, Tensor):
        return np.broadcast_to(input, sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(ember.{input.dtype.name}{{{list(shape)}}}, size={list(sizes)}): the number "
                           f"of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    offset = len(sizes) - len(shape)
    target = tuple(shape[i - offset] if size == -1 and i >= offset else size for i, size in enumerate(sizes))
    for i, size in enumerate(shape):
        if size != 1 and size != target[i + offset]:
            raise RuntimeError(f"The expanded size of the tensor ({target[i + offset]}) must match the existing "
                               f"size ({size}) at non-singleton dimension {i + offset}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}. expand only stretches dimensions "
                               "of size 1; the others must keep their size.")
    return expand_row(input, shape=target)


@variants("function")
def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (NumPy's rule: sizes equal or 1, from the right)."""
    shapes = [(shape,) if isinstance(shape, int) else tuple(shape) for shape in shapes]
    result = []
    for index, shape in enumerate(shapes):
        for dim in range(1, len(shape) + 1):
            size = shape[-dim]
            if dim > len(result):
                result.insert(0, size)
            elif result[-dim] == 1 or size == result[-dim]:
                result[-dim] = size
            elif size != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at {-dim}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
    return Size(result)


@variants("function")
def broadcast_tensors(*tensors):
    """The tensors expanded (as views) to their common shape; one that already has it is returned as it is."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shapes = [tuple(t.shape) for t in tensors]
    try:
        shape = broadcast_shapes(*shapes)
    except RuntimeError:
        for dim in range(1, max(map(len, shapes)) + 1):
            sizes = [s[-dim] for s in shapes if dim <= len(s) and s[-dim] != 1]
            if len(set(sizes)) > 1:
                raise RuntimeError(f"The size of tensor a ({sizes[0]}) must match the size of tensor b ({sizes[1]}) "
                                   f"at non-singleton dimension {max(map(len, shapes)) - dim}") from None
        raise
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in tensors)


@variants("function", "method")
def expand_as(input, other):
    return expand(input, other.shape)


@variants("method")
def view_as(input, other):
    return view(input, other.shape)


@variants("method")
def reshape_as(input, other):
    return reshape(input, other.shape)


@variants("method")
def contiguous(input, memory_format=None):
    return input if input._data.flags.c_contiguous else contiguous_clone(input)


@variants("function", "method")
def swapaxes(input, axis0, axis1):
    return transpose(input, axis0, axis1)


swapdims = swapaxes
declare(swapdims, "swapdims", "function", "method")


@variants("function", "method")
def unflatten(input, dim, sizes):
    """Split one dimension into several (a view: ViewBackward0)."""
    shape = input._data.shape
    dim = normalize_dim(dim, input.ndim)
    sizes = tuple(int(size) for size in sizes)
    known = 1
    for size in sizes:
        known *= size if size != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or (
            -1 in sizes and (known == 0 or shape[dim] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[dim]}) in the input tensor")
    return view(input, shape[:dim] + sizes + shape[dim + 1:])


@variants("function", "method")
def broadcast_to(input, size):
    return expand(input, size)


@variants("function", "method")
def narrow(input, dim, start, length):
    """The view input[..., start:start + length, ...] along `dim` (SliceBackward0)."""
    dim = normalize_dim(dim, input.ndim)
    size = input._data.shape[dim]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start %= size if size else 1
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_row(input, dim=dim, start=start, stop=start + length, step=1, shape=input._data.shape)


@variants("function", "method")
def movedim(input, source, destination):
    """Move dimensions to new places, keeping the others in order (a permute: PermuteBackward0)."""
    ndim = input.ndim
    source = (source,) if isinstance(source, int) else tuple(source)
    destination = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    source = tuple(normalize_dim(d, ndim) for d in source)
    destination = tuple(normalize_dim(d, ndim) for d in destination)
    for name, dims in (("source", source), ("destination", destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [d for d in range(ndim) if d not in source]
    dims = [None] * ndim
    for s, d in zip(source, destination):
        dims[d] = s
    rest = iter(order)
    dims = tuple(d if d is not None else next(rest) for d in dims)
    return permute_row(input, dims=dims)


moveaxis = movedim
declare(moveaxis, "moveaxis", "function", "method")


# -- indexing ------------------------------------------------------------------------------
def _is_advanced(item):
    return isinstance(item, (Tensor, list)) or is_array(item)


def _dims_consumed(item):
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return 0
    if isinstance(item, Tensor) and item._data.dtype == np.uint8:  # a mask (see _as_array)
        return item._data.ndim
    if _is_advanced(item):
        array = _as_array(item)
        return array.ndim if array.dtype == np.bool_ else 1
    return 1


def getitem(input, index):
    """x[index] for ints, slices, None, Ellipsis, integer tensors/lists and boolean masks."""
    if not isinstance(index, tuple):
        if isinstance(index, slice):  # a lone slice is always recorded, even x[:] (as torch)
            return _slice(input, 0, index, skip_full=False)
        if index is Ellipsis:
            return alias(input)
        index = (index,)
    dims_of_item = [_dims_consumed(item) for item in index]
    consumed = sum(dims_of_item)
    if consumed > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim}; its shape is "
                         f"{list(input.shape)}, so give at most {input.ndim} indices")
    result, dim, advanced = input, 0, []
    source_dim = 0  # the dimension of `input` that the current item indexes (for messages)
    for item, item_dims in zip(index, dims_of_item):
        if isinstance(item, Tensor) and item.ndim == 0 and item._data.dtype.kind in "iu":
            item = int(item._data)  # torch reads a 0-d integer tensor as a plain int: a select
        source_dim += item_dims if item is not Ellipsis else input.ndim - consumed
        if item is Ellipsis:
            dim += input.ndim - consumed
        elif item is None:
            _one_more_dim(result)
            result, dim = unsqueeze_row(result, dim=dim), dim + 1
        elif isinstance(item, slice):
            result, dim = _slice(result, dim, item, skip_full=True), dim + 1
        elif isinstance(item, (bool, np.bool_)):  # x[True] adds a dimension of size 1, x[False] of size 0
            advanced.append((dim, np.array(item)))
        elif isinstance(item, (int, np.integer)):
            size = result._data.shape[dim]
            if not -size <= item < size:
                raise IndexError(f"index {item} is out of bounds for dimension {source_dim - 1} with size {size}; "
                                 f"valid indices run from {-size} to {size - 1}")
            result = select(result, dim=dim, index=int(item) % size, shape=result._data.shape)
        elif _is_advanced(item):
            array = _as_array(item)
            advanced.append((dim, array))
            dim += array.ndim if array.dtype == np.bool_ else 1
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(item).__name__}); convert it with int(...) or .long()")
    if advanced:
        return _advanced_index(result, advanced)
    return alias(input) if result is input else result


def _as_array(item):
    array = item._data if isinstance(item, Tensor) else as_array(item)
    if array.dtype == np.uint8 and isinstance(item, Tensor):  # torch: a byte tensor is a mask, with a warning
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                      UserWarning, stacklevel=user_stacklevel())
        return array != 0
    if array.dtype.kind not in "iub" and array.size:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return array.astype(np.int64) if array.dtype.kind not in "ib" else array


def _slice(input, dim, item, *, skip_full):
    if item.step is not None and item.step <= 0:
        raise ValueError("step must be greater than zero")
    size = input._data.shape[dim]
    start, stop, step = item.indices(size)
    stop = max(stop, start)
    if skip_full and (start, stop, step) == (0, size, 1):
        return input
    return slice_row(input, dim=dim, start=start, stop=stop, step=step, shape=input._data.shape)


def _advanced_index(input, advanced):
    position = [slice(None)] * input.ndim
    for dim, array in reversed(advanced):  # a 0-d mask inserts an entry: fill from the back
        if array.dtype == np.bool_:
            if array.shape != input._data.shape[dim:dim + array.ndim]:
                sizes = input._data.shape[dim:]
                at = next(i for i, size in enumerate(array.shape) if i >= len(sizes) or size != sizes[i])
                raise IndexError(f"The shape of the mask {list(array.shape)} at index {at} does not match the shape "
                                 f"of the indexed tensor {list(input._data.shape)} at index {dim + at}; a boolean "
                                 "mask must have the shape of the dimensions it indexes")
            position[dim:dim + array.ndim] = [like(array, input._data)] + [None] * (array.ndim - 1)
        else:
            size = input._data.shape[dim]
            if array.size and (array.max() >= size or array.min() < -size):
                bad = array.max() if array.max() >= size else array.min()
                raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
            position[dim] = like(array, input._data)  # as torch, a CPU index may index a GPU tensor
    index_tuple = tuple(item for item in position if item is not None)
    return index(input, index=index_tuple, shape=input._data.shape)
