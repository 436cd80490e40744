"""Constructors, views and tensor methods a PyTorch user expects next to the catalogue:
``x.new_zeros``, ``type_as``, ``ravel``, ``select``, ``as_strided``, ``unfold``, ``meshgrid``,
``atleast_2d``, ``block_diag``, ``rot90``, ``take_along_dim``, the ``*_scatter`` ops, ``index_put``,
``index_copy``, ``put`` and their in-place forms, complex views (real/imag/view_as_real ...;
forward only), and a few properties (itemsize, nbytes, H, mH).
See pointwise.py for how to read a row.
"""
import itertools

import numpy as np

from .._backend import as_array, is_array, namespace, scatter, sliding_window_view, to_device, to_host
from .._backend import as_strided as backend_as_strided
from .._dtype import bfloat16 as bfloat16_dtype
from .._dtype import cast_array, filled_array
from .._grad_state import state as grad_state
from .._tensor import Tensor, bump_version, make_tensor, placement, shared_counter
from ._errors import allocates, check_fits
from ._registry import declare, defop, variants
from .indexing import gather_row
from .inplace import as_strided_row
from .joining import _at_least, _node_class, _record, stack
from .reduction import sum
from .shape import contiguous, expand, getitem, normalize_dim, reshape, slice_backward, track_view, transpose
from .shape import select as select_row


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _dtype_of(dtype, default):
    return default if dtype is None else dtype


def _new(self, array, dtype, requires_grad, device):
    """A new leaf made from a host array: self's dtype and device unless given."""
    dtype = _dtype_of(dtype, self.dtype)
    where = str(self.device) if device is None else placement(device)
    result = make_tensor(to_device(cast_array(as_array(array), dtype.numpy, copy=False), where))
    if requires_grad:
        result.requires_grad_(True)
    return result


def _size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


# -- new_* constructors: the dtype and device of self unless given --------------------------------
# Each is made in its final dtype at once (a float64 array first would be a 2-8x transient peak).
@variants("method")
@allocates
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _new(self, np.zeros(_size(size), _dtype_of(dtype, self.dtype).numpy), dtype, requires_grad, device)


@variants("method")
@allocates
def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _new(self, np.ones(_size(size), _dtype_of(dtype, self.dtype).numpy), dtype, requires_grad, device)


@variants("method")
@allocates
def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    # ember's empty memory is zeroed
    return _new(self, np.zeros(_size(size), _dtype_of(dtype, self.dtype).numpy), dtype, requires_grad, device)


@variants("method")
@allocates
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    target = _dtype_of(dtype, self.dtype).numpy
    check_fits(fill_value, target)
    return _new(self, filled_array(tuple(size), fill_value, target), dtype, requires_grad, device)


@variants("method")
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A copy of data as a new leaf (self's dtype unless given), as torch.tensor would make it."""
    if isinstance(data, Tensor):
        device = data.device if device is None else device
        data = to_host(data.detach()._data)
    return _new(self, np.array(data, copy=True), dtype, requires_grad, device)


@variants("method")
def type_as(self, other):
    return self.to(other.dtype)


def bfloat16_method(self, memory_format=None):
    return self.to(bfloat16_dtype)


@variants("function", "method")
def positive(input):
    """input itself (unary +); torch refuses bools."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported. Convert it first, e.g. x.int()")
    return input


@variants("method")
def is_signed(self):
    return self.dtype.is_signed


itemsize = property(lambda self: self._data.itemsize)
declare(itemsize, "itemsize", "method")
nbytes = property(lambda self: self._data.nbytes)
declare(nbytes, "nbytes", "method")


def _H(self):
    if self.ndim != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.{hint}")
    return _conj_if_complex(transpose(self, 0, 1))


def _mH(self):
    if self.ndim == 0:
        from .shape import warn_once_zero_dim
        warn_once_zero_dim("mH", "Consider using x.conj().")
        return _conj_if_complex(self)
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return _conj_if_complex(transpose(self, -2, -1))


H = property(_H)
declare(H, "H", "method")
mH = property(_mH)
declare(mH, "mH", "method")


# -- views: ravel, select, as_strided, unfold -------------------------------------------------------
@variants("function", "method")
def ravel(input):
    """A 1-D view of a contiguous copy (ViewBackward0, as torch)."""
    return contiguous(input).view(-1)


@variants("function", "method")
def select(input, dim, index):
    """The slice at `index` along `dim`, without that dimension (a view: SelectBackward0)."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{dim}")
    return select_row(input, dim=dim, index=index % size, shape=input._data.shape)


@variants("function", "method")
def as_strided(input, size, stride, storage_offset=0):
    """A view reading input's (C-order) elements at storage_offset + sum(i_k * stride_k) (AsStridedBackward0)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape (size {list(size)}, stride {list(stride)})")
    positions = namespace(input._data).full(size, storage_offset, dtype=np.int64)
    for axis, (length, step) in enumerate(zip(size, stride)):
        positions = positions + (namespace(input._data).arange(length, dtype=np.int64) * step).reshape(
            (1,) * axis + (length,) + (1,) * (len(size) - axis - 1))
    numel = input._data.size
    if positions.size and (positions.min() < 0 or positions.max() >= numel):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {storage_offset} "
                           f"require more than the {numel} elements the tensor holds")
    result = as_strided_row(input, positions=positions, shape=input._data.shape)
    data = input._data
    if data.flags.c_contiguous and data.size:  # share memory, as torch's view does
        item = data.itemsize
        view = backend_as_strided(data.reshape(-1)[storage_offset:], size, tuple(s * item for s in stride),
                                      writeable=False)
        result._data = view
        result._version_counter = shared_counter(input)
        result._base = input._base if input._base is not None else input
    return result


def _unfold_forward(x, *, dim, size, step):
    windows = sliding_window_view(x, size, axis=dim)
    return windows[(slice(None),) * dim + (slice(None, None, step),)]


def _unfold_backward_forward(g, *, dim, size, step, shape):
    out = namespace(g).zeros(shape, dtype=g.dtype)
    count = g.shape[dim]
    index = (namespace(g).arange(count) * step)[:, None] + namespace(g).arange(size)[None, :]
    scatter(namespace(g), "add", np.moveaxis(out, dim, -1), (Ellipsis, index), np.moveaxis(g, dim, -2))
    return out


# fmt: off
unfold_row = defop("unfold", "UnfoldBackward0", _unfold_forward,
                   lambda grad, x, *, dim, size, step: unfold_backward(grad, dim=dim, size=size, step=step,
                                                                       shape=tuple(x.shape)), view=True)
unfold_backward = defop("unfold_backward", "UnfoldBackwardBackward0", _unfold_backward_forward,
                        lambda grad, g, *, dim, size, step, shape: unfold_row(grad, dim=dim, size=size, step=step))
# fmt: on


@variants("method")
def unfold(self, dimension, size, step):
    """Tensor.unfold: every window of `size` elements along `dimension`, `step` apart, as a new last
    dimension (a view: UnfoldBackward0)."""
    dim = normalize_dim(dimension, self.ndim) if self.ndim else 0
    length = self.shape[dim] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if not self.ndim:
        return reshape(self, (1,))
    result = unfold_row(self, dim=dim, size=size, step=step)
    if result._requires_grad:
        track_view(result)
    return result


@variants("method")
def sum_to_size(self, *size):
    """self summed (keeping dims) down to `size`, which self must be expandable from."""
    size = _size(size)
    shape = tuple(self.shape)
    try:
        np.broadcast_shapes(size, shape)
        expandable = len(size) <= len(shape) and np.broadcast_shapes(size, shape) == shape
    except ValueError:
        expandable = False
    if not expandable:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    if size == shape:
        return self
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    result = sum(self, dims, keepdim=True)
    return reshape(result, size) if lead else result


# -- constructors and rearrangements ----------------------------------------------------------------
def _tensors(tensors):
    return tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)) else tuple(tensors)


@variants("function")
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors (views: ExpandBackward0); indexing='xy' swaps the first two axes."""
    tensors = _tensors(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for x in tensors:
        if x.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x.ndim}D")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    sizes = tuple(x.numel() for x in order)
    grids = []
    for position, x in enumerate(order):
        shape = [1] * len(order)
        shape[position] = -1
        grids.append(expand(x.view(shape), sizes))
    if swap:  # torch swaps the inputs, builds 'ij' grids and swaps those two back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _atleast(ndim, tensors):
    tensors = _tensors(tensors)
    shaped = tuple(reshape(x, (1,)) if ndim == 1 and x.ndim == 0 else _at_least(x, ndim) for x in tensors)
    return shaped[0] if len(shaped) == 1 and isinstance(tensors, tuple) and len(tensors) == 1 else shaped


@variants("function")
def atleast_1d(*tensors):
    return _atleast(1, tensors)


@variants("function")
def atleast_2d(*tensors):
    return _atleast(2, tensors)


@variants("function")
def atleast_3d(*tensors):
    return _atleast(3, tensors)


@variants("function")
def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one a row (StackBackward0)."""
    tensors = _tensors(tensors)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([grid.reshape(-1) for grid in grids], 1)


@variants("function")
def combinations(input, r=2, with_replacement=False):
    """The r-length combinations of a 1-D tensor's elements, one a row (as itertools orders them)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return make_tensor(namespace(input._data).empty((0,), dtype=input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if not rows.size:
        return make_tensor(namespace(input._data).empty((0, r) if r > 1 else (0,), dtype=input._data.dtype))
    return stack([getitem(input, make_tensor(rows[:, k].copy())) for k in range(r)], 1)


def _block_diag_gradients(grad, *, blocks):
    return [getitem(grad, (slice(r, r + rows), slice(c, c + cols))) if isinstance(grad, Tensor)
            else grad[r:r + rows, c:c + cols] for r, c, rows, cols in blocks]


BlockDiagBackward0 = _node_class("BlockDiagBackward0", _block_diag_gradients)


@variants("function")
def block_diag(*tensors):
    """The tensors (0-d, 1-d as a row, or 2-d) along the diagonal of a zero matrix."""
    matrices = []
    for position, x in enumerate(tensors):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {position} "
                               f"has {x.ndim} dimensions")
        matrices.append(x._data.reshape((1,) * (2 - x.ndim) + x._data.shape))
    dtype = np.result_type(*[m.dtype for m in matrices]) if matrices else np.float32
    shape = (sum_sizes(m.shape[0] for m in matrices), sum_sizes(m.shape[1] for m in matrices))
    out = namespace(*matrices).zeros(shape, dtype=dtype)
    blocks, r, c = [], 0, 0
    for m in matrices:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        blocks.append((r, c, m.shape[0], m.shape[1]))
        r, c = r + m.shape[0], c + m.shape[1]
    return _record(BlockDiagBackward0, list(tensors), {"blocks": blocks}, out)


def sum_sizes(sizes):
    total = 0
    for size in sizes:
        total += size
    return total


rot90_row = defop("rot90", "Rot90Backward0",
                  lambda x, *, k, dims: namespace(x).ascontiguousarray(np.rot90(x, k, axes=dims)),
                  lambda grad, x, *, k, dims: rot90_row(grad, k=-k, dims=dims))


@variants("function", "method")
def rot90(input, k=1, dims=(0, 1)):
    """input rotated by 90 degrees k times, from the first of dims towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = normalize_dim(dims[0], input.ndim), normalize_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return rot90_row(input, k=k % 4, dims=(d0, d1))


@variants("function", "method")
def take_along_dim(input, indices, dim=None):
    """input's values at `indices` along dim (broadcasting the other dims), or in the flattened input."""
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be int64 but got {indices.dtype}")
    if dim is None:
        input, indices, dim = input.reshape(-1), indices.reshape(-1), 0
    dim = normalize_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    shape_in, shape_ix = list(input.shape), list(indices.shape)
    shape_in[dim] = shape_ix[dim] = 1
    common = np.broadcast_shapes(tuple(shape_in), tuple(shape_ix))
    target_in = common[:dim] + (input.shape[dim],) + common[dim + 1:]
    target_ix = common[:dim] + (indices.shape[dim],) + common[dim + 1:]
    if tuple(input.shape) != target_in:
        input = expand(input, target_in)
    index = np.broadcast_to(indices._data, target_ix).astype(np.int64)
    size = input.shape[dim]
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = int(index.min()) if index.min() < 0 else int(index.max())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}; take_along_dim "
                           "needs indices in [0, size)")
    return gather_row(input, dim=dim, index=index, shape=tuple(input.shape))


narrow_copy_row = defop("narrow_copy", "NarrowCopyBackward0",
                        lambda x, *, dim, start, stop, shape: x[(slice(None),) * dim + (slice(start, stop),)].copy(),
                        lambda grad, x, *, dim, start, stop, shape: slice_backward(
                            grad, shape=shape, dim=dim, start=start, stop=stop, step=1))


@variants("function", "method")
def narrow_copy(input, dim, start, length):
    """narrow, as a copy (NarrowCopyBackward0)."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim]
    start = start + size if start < 0 else start
    if not (0 <= start <= size and 0 <= length and start + length <= size):
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return narrow_copy_row(input, dim=dim, start=start, stop=start + length, shape=input._data.shape)


@variants("function")
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor from obj, sharing memory with a tensor or NumPy array where it can (copy=True: never)."""
    from .._creation import as_tensor, tensor
    if isinstance(obj, Tensor):
        result = obj if dtype is None or dtype is obj.dtype else obj.to(dtype)
        if copy:
            result = result.clone() if result is obj else result
    elif copy or not is_array(obj):
        result = tensor(obj, dtype=dtype)
    else:
        result = as_tensor(obj, dtype=dtype)
    if device is not None:  # torch copies to the device asked for (a no-op where it already lives)
        result = result.to(device)
    if requires_grad and not result._requires_grad:
        result.requires_grad_(True)
    return result


@variants("function")
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the memory of an object exposing the buffer protocol (bytes, bytearray, array)."""
    array = np.frombuffer(buffer, dtype=dtype.numpy, count=count, offset=offset)
    result = make_tensor(array)
    if requires_grad:
        result.requires_grad_(True)
    return result


@variants("method")
def apply_(self, callable):
    """Apply a Python function to every element, in place (CPU only in torch, as here; slow by nature)."""
    if grad_state.enabled and self._requires_grad:
        raise RuntimeError("apply_ is not supported on tensors that require grad; use it under ember.no_grad()")
    flat = self._data.reshape(-1)
    flat[...] = [callable(value) for value in flat.tolist()]
    bump_version(self)
    return self


@variants("method")
def map_(self, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) in place, tensor broadcast to self's shape."""
    if grad_state.enabled and self._requires_grad:
        raise RuntimeError("map_ is not supported on tensors that require grad; use it under ember.no_grad()")
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    flat = self._data.reshape(-1)
    flat[...] = [callable(a, b) for a, b in zip(flat.tolist(), other)]
    bump_version(self)
    return self


# -- complex numbers (forward only: ember does not differentiate complex tensors) ------------------
def _forward_only(name, *tensors):
    if grad_state.enabled and any(isinstance(x, Tensor) and x._requires_grad for x in tensors):
        raise NotImplementedError(f"ember does not differentiate complex tensors yet: {name} got an input that "
                                  "requires grad. Compute it under ember.no_grad() or on detach()ed inputs.")


def _complex_part(input, array, unit):
    """.real (unit 1) or .imag (unit 1j) as a view; its gradient g reaches the complex input as g * unit."""
    result = _complex_view(input, array)
    if grad_state.enabled and input._requires_grad:
        from .._fft_grad import SELECT
        dtype = input._data.dtype
        result.grad_fn = SELECT([input], {"adjoint": lambda g: (g * unit).astype(dtype)}, array)
        result._requires_grad = True
    return result


def _complex_view(input, array):
    result = make_tensor(array)
    result._version_counter = shared_counter(input)
    result._base = input._base if input._base is not None else input
    return result


def _conj_if_complex(x):
    if x._data.dtype.kind != "c":
        return x
    return conj_physical(x)


@variants("function")
def real(input):
    """The real part of a complex tensor (a view); a real tensor itself."""
    if input._data.dtype.kind != "c":
        return input
    return _complex_part(input, input._data.real, 1)


@variants("function")
def imag(input):
    """The imaginary part of a complex tensor (a view)."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _complex_part(input, input._data.imag, 1j)


@variants("function", "method")
def conj(input):
    """The complex conjugate (a real tensor itself)."""
    if input._data.dtype.kind != "c":
        return input
    return conj_physical(input)


@variants("function", "method")
def conj_physical(input):
    if input._data.dtype.kind != "c":
        return input
    if grad_state.enabled and input._requires_grad:  # torch's convention: the gradient is conj(g)
        from .._fft_grad import CONJ, record
        return record(input, np.conj(input._data), CONJ, np.conj)
    return make_tensor(np.conj(input._data))


@variants("function", "method")
def is_conj(input):
    return False  # ember conjugates eagerly, never lazily


@variants("function", "method")
def resolve_conj(input):
    return input


@variants("function")
def view_as_real(input):
    """A complex tensor's memory seen as floats, with a last dimension of size 2 (real, imag)."""
    data = input._data
    if data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    _forward_only("view_as_real", input)
    part = np.float32 if data.dtype == np.complex64 else np.float64
    array = data.view(part).reshape(data.shape + (2,)) if data.flags.c_contiguous else \
        np.stack([data.real, data.imag], -1)
    return _complex_view(input, array)


@variants("function")
def view_as_complex(input):
    """A float tensor with a last dimension of size 2 seen as complex numbers (real, imag)."""
    data = input._data
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {input.dtype}")
    _forward_only("view_as_complex", input)
    complex_type = np.complex64 if data.dtype == np.float32 else np.complex128
    if not data.flags.c_contiguous:
        data = namespace(data).ascontiguousarray(data)
        return make_tensor(data.view(complex_type).reshape(data.shape[:-1]))
    return _complex_view(input, data.view(complex_type).reshape(data.shape[:-1]))


def _check_complex_parts(name, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"Expected object of scalar type {_scalar_name(a)} but got scalar type {_scalar_name(b)} "
                           "for second argument")
    if a._data.dtype not in (np.float16, np.float32, np.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {_scalar_name(a)} and "
                           f"{_scalar_name(b)}")
    _forward_only(name, a, b)


def _scalar_name(x):
    return {np.float16: "Half", np.float32: "Float", np.float64: "Double"}.get(x._data.dtype.type,
                                                                               x.dtype.name.capitalize())


@variants("function")
def complex(real, imag):
    """real + i * imag (both float16/32/64 of one dtype): complex64 or complex128."""
    _check_complex_parts("complex", real, imag)
    target = np.complex128 if real._data.dtype == np.float64 else np.complex64
    return make_tensor((real._data + 1j * imag._data).astype(target))


@variants("function")
def polar(abs, angle):
    """abs * (cos(angle) + i sin(angle))."""
    _check_complex_parts("polar", abs, angle)
    target = np.complex128 if abs._data.dtype == np.float64 else np.complex64
    return make_tensor((abs._data * np.exp(1j * angle._data)).astype(target))


bfloat16 = bfloat16_method  # Tensor.bfloat16(); ember.bfloat16 (the dtype) is not exported from here
declare(bfloat16, "bfloat16", "method")
# x.real and x.imag are properties in torch (ember.real(x) the functions above)
Tensor.real = property(real)
Tensor.imag = property(imag)
