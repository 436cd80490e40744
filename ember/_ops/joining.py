"""Joining and splitting: cat/stack (many inputs, one output) and split/chunk/unbind (one input,
many outputs). See pointwise.py for how to read a row.

A defop row has a fixed number of inputs and one output, so these ops get their Node classes
here: `_variadic_node` for an op whose inputs vary in number (its backward cuts the gradient into
one piece per input), `_multi_output_node` for an op with several outputs (its backward gets one
gradient per output, None where no gradient arrived). Both are still named after torch's grad_fn
and listed in GRAD_FNS. The outputs of split/chunk/unbind are views of the input that share its
version counter; torch forbids changing them in place while autograd watches (see inplace.py).
"""
import numpy as np

from .._backend import as_array, namespace
from .._dtype import result_type
from .._grad_state import state as grad_state
from .._tensor import Tensor, make_tensor, shared_counter
from ..autograd.graph import Node, fit_to_input
from ._devices import device_error
from ._errors import device_mismatch
from ._registry import GRAD_FNS, declare, variants
from .shape import normalize_dim, reshape, select, slice_row, track_view, unsqueeze


def _node_class(grad_fn_name, gradients, slots=()):
    """A Node whose gradients(grad_or_grads, **attributes) returns one gradient per input."""
    def apply(self, grads, create_graph):
        grad = grads[0] if self.num_outputs == 1 else grads
        input_grads = gradients(grad, **self._attributes)
        meta = self._input_meta
        fitted = []
        for index, input_grad in enumerate(input_grads):
            if self._next_nodes[index] is None:
                fitted.append(None)
                continue
            shape, dtype = meta[2 * index], meta[2 * index + 1]
            if input_grad.shape != shape or input_grad.dtype != dtype:
                input_grad = fit_to_input(input_grad, shape, dtype)
            fitted.append(input_grad)
        return fitted
    node_class = type(grad_fn_name, (Node,), {"__slots__": slots, "__module__": "ember.autograd.graph",
                                              "apply": apply, "reads": (), "_save_plans": {}})
    GRAD_FNS[grad_fn_name] = node_class
    return node_class


def _requires_grad(tensors, out_dtype):
    return grad_state.enabled and out_dtype.kind in "fcV" and any(t._requires_grad for t in tensors)


def _zeros(like, shape):
    """Zeros standing in for an output that received no gradient (a Tensor under create_graph)."""
    data = like._data if isinstance(like, Tensor) else as_array(like)
    zeros = namespace(data).zeros(shape, dtype=data.dtype)
    return make_tensor(zeros) if isinstance(like, Tensor) else zeros


# -- cat and stack ----------------------------------------------------------------------------
def _cat_gradients(grad, *, dim, sizes, shapes):
    pieces, start = [], 0
    full_shape = tuple(grad.shape)
    for size, shape in zip(sizes, shapes):
        if shape is None:  # a legacy empty 1-D input: it took no part
            pieces.append(_zeros(grad, (0,)))
            continue
        pieces.append(slice_row(grad, dim=dim, start=start, stop=start + size, step=1, shape=full_shape))
        start += size
    return pieces


def _stack_gradients(grad, *, dim, count):
    shape = tuple(grad.shape)
    return [select(grad, dim=dim, index=index, shape=shape) for index in range(count)]


CatBackward0 = _node_class("CatBackward0", _cat_gradients)
StackBackward0 = _node_class("StackBackward0", _stack_gradients)


def _record(node_class, inputs, attributes, out):
    if _requires_grad(inputs, out.dtype):
        return make_tensor(out, node_class(inputs, attributes, out), True)
    return make_tensor(out)


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not Tensor; "
                        f"wrap it in a list: ember.{name}([x, y])")
    tensors = list(tensors)
    for index, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"expected Tensor as element {index} in argument 0, but got {type(tensor).__name__}")
    return tensors


@variants("function")
def cat(tensors, dim=0, *, out=None, axis=None):
    """Join tensors along an existing dimension (CatBackward0)."""
    if not isinstance(tensors, (list, tuple)) and not isinstance(tensors, Tensor):
        tensors = list(tensors)
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dim = axis if axis is not None else dim
    # torch skips 1-D empty tensors, whatever the shape of the others (a legacy rule)
    taking_part = [t for t in tensors if t._data.shape != (0,)] or tensors[:1]
    reference = taking_part[0]._data.shape
    dim = normalize_dim(dim, len(reference))
    for number, tensor in enumerate(tensors):
        shape = tensor._data.shape
        if shape == (0,) and tensor is not taking_part[0]:
            continue
        if len(shape) != len(reference):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(reference)} and {len(shape)}; "
                               "unsqueeze or reshape the tensors so that they match")
        for axis_, (expected, got) in enumerate(zip(reference, shape)):
            if axis_ != dim and expected != got:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size {expected} "
                                   f"but got size {got} for tensor number {number} in the list.")
    dtype = result_type(*tensors).numpy if len(tensors) > 1 else tensors[0]._data.dtype
    arrays = [t._data for t in taking_part]
    try:
        data = np.concatenate(arrays, axis=dim, dtype=dtype) if len(arrays) > 1 else arrays[0].astype(dtype, copy=True)
    except (TypeError, ValueError) as error:  # CuPy refuses another device's arrays: torch's error
        mixed = device_mismatch(error, tensors) if isinstance(error, TypeError) else device_error(error, tensors)
        if mixed is None or mixed is error:
            raise
        raise mixed from None
    shapes = [None if (t._data.shape == (0,) and len(reference) != 1) else t._data.shape for t in tensors]
    sizes = [0 if shape is None else shape[dim] for shape in shapes]
    if out is not None:
        return _write_out(out, make_tensor(data))
    return _record(CatBackward0, tensors, {"dim": dim, "sizes": sizes, "shapes": shapes}, data)


def _write_out(out, result):
    out._data = result._data.astype(out._data.dtype, copy=False)
    return out


@variants("function")
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dimension (StackBackward0)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for number, tensor in enumerate(tensors):
        if tensor._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(tensor._data.shape)} at entry {number}")
    if len(shape) >= 64:
        from ._errors import too_many_dims
        raise too_many_dims(len(shape) + 1)
    dim = normalize_dim(dim, len(shape) + 1)
    dtype = result_type(*tensors).numpy if len(tensors) > 1 else tensors[0]._data.dtype
    data = np.stack([t._data for t in tensors], axis=dim, dtype=dtype)
    if out is not None:
        return _write_out(out, make_tensor(data))
    return _record(StackBackward0, tensors, {"dim": dim, "count": len(tensors)}, data)


def _at_least(tensor, ndim):
    """atleast_2d/3d as torch shapes them (views; 0-d and 1-D gain leading/trailing dims)."""
    if tensor.ndim >= ndim:
        return tensor
    if tensor.ndim == 0:
        return reshape(tensor, (1,) * ndim)
    if ndim == 2:
        return unsqueeze(tensor, 0)
    if tensor.ndim == 1:
        return unsqueeze(unsqueeze(tensor, 0), 2)
    return unsqueeze(tensor, 2)


@variants("function")
def hstack(tensors, *, out=None):
    tensors = [t if t.ndim else reshape(t, (1,)) for t in _tensor_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1, out=out)


@variants("function")
def vstack(tensors, *, out=None):
    return cat([_at_least(t, 2) for t in _tensor_list(tensors, "vstack")], 0, out=out)


@variants("function")
def dstack(tensors, *, out=None):
    return cat([_at_least(t, 3) for t in _tensor_list(tensors, "dstack")], 2, out=out)


@variants("function")
def column_stack(tensors, *, out=None):
    tensors = [reshape(t, (-1, 1)) if t.ndim <= 1 else t for t in _tensor_list(tensors, "column_stack")]
    return cat(tensors, 1, out=out)


concat = concatenate = cat
declare(concat, "concat", "function")
declare(concatenate, "concatenate", "function")
row_stack = vstack
declare(row_stack, "row_stack", "function")


# -- split, chunk, unbind: one input, several views ------------------------------------------
def _split_gradients(grads, *, dim, sizes, shape):
    grads = grads if isinstance(grads, list) else [grads]
    like = next(grad for grad in grads if grad is not None)
    pieces = []
    for grad, size in zip(grads, sizes):
        if grad is None:
            piece_shape = shape[:dim] + (size,) + shape[dim + 1:]
            grad = _zeros(like, piece_shape)
        pieces.append(grad)
    return [cat(pieces, dim) if isinstance(like, Tensor) else np.concatenate(pieces, axis=dim)]


def _unbind_gradients(grads, *, dim, shape):
    grads = grads if isinstance(grads, list) else [grads]
    like = next(grad for grad in grads if grad is not None)
    piece_shape = shape[:dim] + shape[dim + 1:]
    pieces = [_zeros(like, piece_shape) if grad is None else grad for grad in grads]
    return [stack(pieces, dim) if isinstance(like, Tensor) else np.stack(pieces, axis=dim)]


_MULTI = ("num_outputs",)
SplitBackward0 = _node_class("SplitBackward0", _split_gradients, _MULTI)
SplitWithSizesBackward0 = _node_class("SplitWithSizesBackward0", _split_gradients, _MULTI)
UnbindBackward0 = _node_class("UnbindBackward0", _unbind_gradients, _MULTI)


def _views(input, arrays, node_class, attributes):
    """Wrap NumPy views of `input` as tensors: outputs 0, 1, ... of one node."""
    node = None
    if _requires_grad((input,), input._data.dtype):
        node = node_class((input,), attributes)
        node.num_outputs = len(arrays)
    counter = shared_counter(input)
    base = input._base if input._base is not None else input
    outputs = []
    for number, array in enumerate(arrays):
        tensor = make_tensor(array, node, node is not None)
        tensor._version_counter, tensor._base = counter, base
        if node is not None:
            tensor.output_nr = number
            tensor._multi_output_of = node_class.__name__[:-len("Backward0")]
            track_view(tensor)
        outputs.append(tensor)
    return tuple(outputs)


def _pieces(data, dim, sizes):
    pieces, start = [], 0
    for size in sizes:
        pieces.append(data[(slice(None),) * dim + (slice(start, start + size),)])
        start += size
    return pieces


@variants("function", "method")
def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces: of size split_size (the last may be smaller), or of the given sizes."""
    shape = tensor._data.shape
    dim = normalize_dim(dim, tensor.ndim)
    length = shape[dim] if shape else 0
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(size) for size in split_size_or_sections]
        if builtin_sum(sizes) != length or any(size < 0 for size in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                               f"size at dimension {dim}), but got split_sizes={sizes}")
        node_class = SplitWithSizesBackward0
    else:
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and length != 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
        count = max(-(-length // size), 1) if size else 1
        sizes = [size] * (count - 1) + [length - size * (count - 1)]
        node_class = SplitBackward0
    return _views(tensor, _pieces(tensor._data, dim, sizes), node_class, {"dim": dim, "sizes": sizes, "shape": shape})


@variants("function", "method")
def chunk(input, chunks, dim=0):
    """Up to `chunks` views of (nearly) equal size, as torch cuts them (SplitBackward0); a dim of
    size 0 gives `chunks` empty views (SplitWithSizesBackward0), as torch's chunk does."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor; unsqueeze a 0-d tensor first")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = normalize_dim(dim, input.ndim)
    length = input._data.shape[dim]
    if length == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-length // chunks), dim)


@variants("function", "method")
def unbind(input, dim=0):
    """The slices along `dim`, as views (UnbindBackward0); `for row in x` gives the same."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, input.ndim)
    data = input._data
    arrays = [data[(slice(None),) * dim + (index,)] for index in range(data.shape[dim])]
    return _views(input, arrays, UnbindBackward0, {"dim": dim, "shape": data.shape})


builtin_sum = sum
