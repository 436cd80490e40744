"""In-place ops (``add_``, ``x -= y``, ``x[i] = v`` ...), built from the out-of-place rows.

An in-place op computes the out-of-place result, writes it into the tensor's own memory and
bumps the version counter (shared with its views), so any node that saved the old value
notices at backward time. When the op is recorded, the tensor takes over the new node as its
grad_fn: its history now ends in the in-place op, as in torch.
"""
import warnings

import numpy as np

from .._backend import address, as_array, crosses_devices, is_array, like, namespace
from .._dtype import can_cast, from_numpy_dtype, scalar_type_name
from .._errstate import enter as errstate_enter
from .._errstate import leave as errstate_leave
from .._grad_state import state as grad_state
from .._tensor import Tensor, bump_version, make_tensor
from ..autograd.anomaly_mode import user_stacklevel
from . import _devices, shape
from ._errors import check_fits
from ._kernels import wrapped_int
from ._registry import declare, defop, variants
from .indexing import _take_backward, take_row
from .pointwise import _zero_gradient, fill, zero
from .reduction import sum
from .shape import getitem


def check_inplace(tensor, recording, indexed=False):
    """torch's rules: a leaf that requires grad (or a view of one) may only change under no_grad.

    `indexed`: x[i] = v, which torch words as a change through a view of x."""
    if tensor._inference and not grad_state.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed. You can make "
                           "a clone to get a normal tensor before doing inplace update (x = x.clone()).")
    if not grad_state.enabled:
        return
    if tensor.grad_fn is None and tensor._requires_grad and tensor._base is None:
        view = "a view of " if indexed else ""
        raise RuntimeError(f"{view}a leaf Variable that requires grad is being used in an in-place operation. "
                           "Wrap the update in `with ember.no_grad():` (as optimizers do), or work on a copy.")
    base = tensor._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation. Wrap the update in `with ember.no_grad():`, or work on a copy.")
    creator = tensor.__dict__.get("_multi_output_of") if base is not None else None
    if creator is not None and tensor._requires_grad:
        raise RuntimeError(f"Output {tensor.output_nr} of {creator} is a view and is being modified inplace. This "
                           "view is the output of a function that returns multiple views. Such functions do not "
                           "allow the output views to be modified inplace. You should replace the inplace "
                           "operation by an out-of-place one.")


def _type_name(numpy_dtype):
    return scalar_type_name(numpy_dtype)


def write_result(tensor, result):
    """Copy an op's result into `tensor`'s memory and take over its history."""
    data, new = tensor._data, result._data
    # cpu_scalar.mul_(gpu_tensor): torch's output stays where it is, and refuses
    if type(new) is not type(data) and crosses_devices(new, data):
        raise _devices.same_device_error(result.device, tensor.device)
    if new.dtype is not data.dtype and not can_cast(from_numpy_dtype(new.dtype), from_numpy_dtype(data.dtype)):
        raise RuntimeError(f"result type {_type_name(new.dtype)} can't be cast to the desired output type "
                           f"{_type_name(data.dtype)}. An in-place op keeps the tensor's dtype; use the "
                           "out-of-place form (x = x + y) or convert the tensor first (x = x.float()).")
    if new.shape != data.shape:
        raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast shape "
                           f"{list(new.shape)}. An in-place op cannot change a tensor's shape; use the "
                           "out-of-place form (x = x + y) instead.")
    node = result.grad_fn
    if node is not None and tensor._base is not None:  # through a view: the base's history changes too
        _check_writeable(data)
        base_old, positions = _old_value(tensor._base), positions_in_base(tensor)
        np.copyto(data, new, casting="unsafe")
        bump_version(tensor)
        _record_copy_slices(tensor, base_old, result, positions, positions)
    else:
        try:
            data[...] = new  # np.copyto(data, new, casting="unsafe"), without its Python-level dispatch
        except ValueError:
            _check_writeable(data)
            raise
        bump_version(tensor)
        if node is not None:
            tensor.grad_fn, tensor._requires_grad, tensor.output_nr = node, True, 0
            refresh_views(tensor)
    if node is not None and node._result_entry is not None:  # the saved output is now `tensor`, at its new version
        node.save_result(tensor)
    return tensor


def _compute_into(tensor, other, forward, keeps):
    """tensor <- forward(tensor, other) straight into tensor's memory, for an arithmetic row whose
    dtype rule keeps tensor's dtype (see DtypeRule.keeps) and a result of tensor's shape: an
    optimizer's `p -= lr * p.grad`, once per parameter per step. False: take the general path."""
    data = tensor._data
    dtype = data.dtype
    if type(other) is Tensor:
        other = other._data
        if other.dtype is not dtype or dtype.kind not in keeps[Tensor] or (type(other) is not type(data)
                                                                     and crosses_devices(other, data)):
            return False  # (two devices: the general path settles them, or raises torch's error)
        if not other.ndim:
            other = other[()]
    elif dtype.kind not in keeps.get(type(other), ""):
        return False
    token = errstate_enter()  # as every op: inf * 0 is nan without NumPy's warning (torch is silent)
    try:
        new = forward(data[()] if not data.ndim else data, other)
    except OverflowError:  # int8 += 200: torch wraps the number (see _registry)
        new = forward(data[()] if not data.ndim else data, wrapped_int(other, dtype))
    finally:
        errstate_leave(token)
    if new.shape != data.shape:
        return False
    try:
        data[...] = new
    except ValueError:  # read-only (an expanded view): the general path raises torch's error
        return False
    bump_version(tensor)
    return True


def _check_writeable(data):
    if not data.flags.writeable:  # NumPy refuses to write into a broadcast (expanded) view
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the "
                           "operation.")


def _old_value(tensor):
    """A stand-in for the tensor before the change: same history, its own copy of the data."""
    old = make_tensor(tensor._data.copy(), tensor.grad_fn, tensor._requires_grad)
    old.output_nr = tensor.output_nr
    return old


def _recording(tensor, args):
    if not grad_state.enabled:
        return False
    return tensor._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)


def _check_unrecorded(tensor):
    """check_inplace(tensor, False), which can only object to an inference tensor or a view."""
    if tensor._inference or tensor._base is not None:
        check_inplace(tensor, False)


def make_inplace(op, name):
    row = getattr(op, "row", None)
    forward, keeps = (None, None) if row is None or row.forward is None else (row.forward, row.keeps)

    def inplace_op(self, *args, **kwargs):
        if grad_state.enabled and _recording(self, args):
            check_inplace(self, True)
            return write_result(self, op(_old_value(self), *args, **kwargs))
        if self._inference or self._base is not None:  # else check_inplace has nothing to object to
            check_inplace(self, False)
        elif keeps and len(args) == 1 and not kwargs and _compute_into(self, args[0], forward, keeps):
            return self
        return write_result(self, op(self, *args, **kwargs))
    inplace_op.__name__ = inplace_op.__qualname__ = name
    return inplace_op


def _reshaping_inplace(name, forward, backward, prepare):
    """t_, transpose_, squeeze_, unsqueeze_: the tensor takes the new shape (and history) itself.
    torch records these under their own names (TBackward1 ...); `prepare` turns the call's
    arguments into the row's attributes."""
    grad_fn_name, formula = backward
    row = defop(name, grad_fn_name, forward, formula)

    def inplace_op(self, *args, **kwargs):
        check_inplace(self, _recording(self, ()))
        result = row(self, **prepare(self, *args, **kwargs))
        self._data = result._data
        if result.grad_fn is not None:
            self.grad_fn, self.output_nr = result.grad_fn, 0
        bump_version(self)
        return self
    inplace_op.__name__ = inplace_op.__qualname__ = name
    return inplace_op


def _squeeze_arguments(self, dim=None):
    dims = tuple(range(self.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(d for d in (shape.normalize_dim(d, self.ndim) for d in dims) if self._data.shape[d] == 1)
    return {"dims": dims, "shape": self._data.shape}


def _transpose_arguments(self, dim0, dim1):
    return {"dim0": shape.normalize_dim(dim0, self.ndim), "dim1": shape.normalize_dim(dim1, self.ndim)}


def _t_arguments(self):
    if self.ndim > 2:
        shape.t(self)  # raises torch's error
    return {}


def _back_to(grad, x, **attributes):
    return shape.reshape(grad, attributes["shape"])


_squeeze_forward = lambda x, *, dims, shape: np.squeeze(x, dims)  # noqa: E731
t_ = _reshaping_inplace("t_", lambda x: x.T, ("TBackward1", lambda grad, x: shape.t(grad)),
                        lambda self: _t_arguments(self))
declare(t_, "t_", "method")
transpose_ = _reshaping_inplace("transpose_", lambda x, *, dim0, dim1: np.swapaxes(x, dim0, dim1),
                                ("TransposeBackward1",
                                 lambda grad, x, *, dim0, dim1: shape.transpose(grad, dim0, dim1)),
                                _transpose_arguments)
declare(transpose_, "transpose_", "method")
swapaxes_ = swapdims_ = transpose_
declare(swapaxes_, "swapaxes_", "method")
declare(swapdims_, "swapdims_", "method")
unsqueeze_ = _reshaping_inplace("unsqueeze_", lambda x, *, dim, shape: np.expand_dims(x, dim),
                                ("UnsqueezeBackward1", _back_to),
                                lambda self, dim: {"dim": shape.normalize_dim(dim, self.ndim + 1),
                                                   "shape": self._data.shape})
declare(unsqueeze_, "unsqueeze_", "method")
_squeeze_all_ = _reshaping_inplace("squeeze_", _squeeze_forward, ("SqueezeBackward3", _back_to), _squeeze_arguments)
_squeeze_dim_ = _reshaping_inplace("squeeze_", _squeeze_forward, ("SqueezeBackward4", _back_to), _squeeze_arguments)
_squeeze_dims_ = _reshaping_inplace("squeeze_", _squeeze_forward, ("SqueezeBackward5", _back_to), _squeeze_arguments)


@variants("method")
def squeeze_(self, dim=None):
    if dim is None:
        return _squeeze_all_(self)
    return _squeeze_dim_(self, dim) if isinstance(dim, int) else _squeeze_dims_(self, dim)


_zero_recorded = make_inplace(zero, "zero_")
_fill_recorded = make_inplace(fill, "fill_")


@variants("method")
def zero_(self):
    """Set every element to 0 (x.grad.zero_() runs once per training step: keep it direct)."""
    if self._requires_grad and grad_state.enabled:
        return _zero_recorded(self)
    if self._inference or self._base is not None:  # as in make_inplace
        check_inplace(self, False)
    self._data.fill(0)
    bump_version(self)
    return self


def _fill_unrecorded(self, value):
    _check_unrecorded(self)
    self._data.fill(value)
    bump_version(self)
    return self


# x.fill_(v) with a 0-d tensor v: v gets the summed gradient (torch's FillBackward3).
fill_tensor = defop("fill_", "FillBackward3", lambda old, value: np.full_like(old, value),
                    (_zero_gradient,
                     lambda grad, old, value: sum(grad)))
_fill_tensor_recorded = make_inplace(fill_tensor, "fill_")


@variants("method")
def fill_(self, value):
    check_fits(value, self._data.dtype)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        if _recording(self, (value,)):
            return _fill_tensor_recorded(self, value)
        value = value.item()
    if _recording(self, ()):
        return _fill_recorded(self, value=value)
    return _fill_unrecorded(self, value)


# -- copy_ and x[index] = value -----------------------------------------------------------
copy_row = defop("copy_", "CopyBackwards",
                 lambda old, source: np.broadcast_to(source, old.shape).astype(old.dtype),
                 (_zero_gradient,
                  lambda grad, old, source: grad))  # the engine sums grad back to source's shape


@variants("method")
def copy_(self, src, non_blocking=False):
    """Copy `src` (broadcast to self's shape, cast to self's dtype) into self."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src.device != self.device:  # torch copies across devices here (ToCopyBackward0 on the way)
        src = src.to(self.device)
    recording = grad_state.enabled and (self._requires_grad or src._requires_grad)
    check_inplace(self, recording)
    if not recording:
        np.copyto(self._data, np.broadcast_to(src._data, self._data.shape), casting="unsafe")
        bump_version(self)
        return self
    result = copy_row(_old_value(self), src)
    return write_result(self, result.to(self.dtype) if result.dtype is not self.dtype else result)


def _copy_slices_forward(old, value, *, index):
    new = old.copy()
    new[index] = value
    return new


def _outside_region(grad, old, value, *, index):
    """The overwritten region passes no gradient to the old value."""
    outside = namespace(grad).ones(grad.shape, dtype=bool)
    outside[index] = False
    return grad * (make_tensor(outside) if isinstance(grad, Tensor) else outside)


def _region(grad, old, value, *, index):
    """It all goes to `value` (the engine sums it back to value's shape)."""
    return getitem(grad, index) if isinstance(grad, Tensor) else grad[index]


copy_slices = defop("setitem", "CopySlices", _copy_slices_forward, (_outside_region, _region))
# With an integer-array or mask index torch records an index_put instead; the maths is the same.
index_put = defop("index_put_", "IndexPutBackward0", _copy_slices_forward, (_outside_region, _region))


def _numpy_index(index, reference):
    """The array index for `index`; index tensors move to `reference`'s device, as torch allows."""
    items = index if isinstance(index, tuple) else (index,)
    return tuple(like(item._data, reference) if isinstance(item, Tensor) else item for item in items)


def setitem(self, index, value):
    """x[index] = value. Recorded as CopySlices when autograd is involved, as in torch."""
    if any(isinstance(item, Tensor) and item._data.dtype == np.uint8
           for item in (index if isinstance(index, tuple) else (index,))):
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                      UserWarning, stacklevel=user_stacklevel())
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char; "
                           "index with mask.bool() instead")  # torch reads a uint8 index as a mask, and refuses it
    try:
        _setitem(self, index, value)
    except IndexError as error:  # NumPy says "axis", torch "dimension"
        raise IndexError(str(error).replace("for axis", "for dimension")) from None
    except (ValueError, RuntimeError) as error:
        if "broadcast" not in str(error):
            raise
        target = self._data[_numpy_index(index, self._data)].shape
        shape = np.shape(value._data if isinstance(value, Tensor) else value)
        raise RuntimeError(_expand_error(shape, target)) from None


def _value_on_device(self, index, value):
    """x[index] = value across devices, as torch: a slice copies from anywhere (copy_), an index or
    mask tensor takes a 0-d value from another device (index_put_ moves it), else torch's error."""
    items = index if isinstance(index, tuple) else (index,)
    advanced = any(isinstance(item, (Tensor, list)) or is_array(item) for item in items)
    if advanced and value.ndim != 0:
        raise _devices.same_device_error(self.device, value.device)
    return value.to(self.device)


def _expand_error(value_shape, target):
    """torch's message for a value that does not broadcast to the region it is assigned to."""
    for back in range(1, max(len(value_shape), len(target)) + 1):
        size = value_shape[-back] if back <= len(value_shape) else 1
        wanted = target[-back] if back <= len(target) else None
        if size != 1 and size != wanted:
            return (f"The expanded size of the tensor ({wanted}) must match the existing size ({size}) at "
                    f"non-singleton dimension {len(target) - back}.  Target sizes: {list(target)}.  Tensor sizes: "
                    f"{list(value_shape)}. The value must broadcast to the shape of the region it is assigned to.")
    return f"cannot assign a value of shape {list(value_shape)} to a region of shape {list(target)}"


def _setitem(self, index, value):
    if isinstance(value, Tensor) and type(value._data) is not type(self._data) and crosses_devices(value._data,
                                                                                                    self._data):
        value = _value_on_device(self, index, value)
    value_requires_grad = isinstance(value, Tensor) and value._requires_grad
    recording = grad_state.enabled and (self._requires_grad or value_requires_grad)
    check_inplace(self, recording, indexed=True)
    np_index = _numpy_index(index, self._data)
    raw_value = value._data if isinstance(value, Tensor) else value
    if not recording:
        self._data[np_index] = raw_value
        bump_version(self)
        return
    if not isinstance(value, Tensor):
        value = make_tensor(as_array(raw_value, dtype=self._data.dtype, like=self._data))
    if self._base is not None:  # x[i] = v on a view: the base records CopySlices
        _setitem_on_view(self, np_index, value)
        return
    advanced = any(isinstance(item, list) or is_array(item) for item in np_index)
    row = index_put if advanced else copy_slices
    write_result(self, row(_old_value(self), value, index=np_index))


# -- in-place changes through a view (torch's CopySlices) --------------------------------------
# A view's elements are found in its base as flat positions (computed from the two arrays'
# memory layouts, only when an in-place op needs them). The base then records CopySlices:
# its old value outside those positions, the new values inside. The view itself is
# regenerated from the new base (AsStridedBackward0, as torch shows it).
def positions_in_base(view):
    """The flat (C-order) positions in view._base of each element of `view`."""
    base, data = view._base._data, view._data
    item = base.itemsize
    if data.dtype != base.dtype or any(stride < 0 for stride in base.strides):
        raise NotImplementedError("ember cannot locate this view inside its base for an in-place operation; "
                                  "clone() it first")
    offset = (address(data) - address(base)) // item
    addresses = namespace(data).full(data.shape, offset, dtype=np.int64)
    for axis, (size, stride) in enumerate(zip(data.shape, data.strides)):
        addresses += (namespace(data).arange(size, dtype=np.int64) * (stride // item)).reshape(
            (1,) * axis + (size,) + (1,) * (data.ndim - axis - 1))
    if base.flags.c_contiguous:
        return addresses
    # another dense layout (e.g. a transposed result): undo its order of dimensions
    dims = sorted((d for d in range(base.ndim) if base.shape[d] > 1), key=lambda d: -base.strides[d])
    expected = item
    for d in reversed(dims):
        if base.strides[d] != expected:
            raise NotImplementedError("ember cannot locate this view inside its base for an in-place operation "
                                      "(the base is not dense); clone() it first")
        expected *= base.shape[d]
    multi = np.unravel_index(addresses, [base.shape[d] for d in dims]) if dims else ()
    logical = [np.zeros_like(addresses) for _ in range(base.ndim)]
    for d, indices in zip(dims, multi):
        logical[d] = indices
    return np.ravel_multi_index(logical, base.shape) if base.ndim else addresses


def _copy_into_positions(old, value, *, positions):
    new = old.copy(order="K")
    new.reshape(-1)[positions] = value
    return new


def _outside_positions(grad, old, value, *, positions):
    outside = namespace(grad).ones(grad.shape, dtype=bool)
    outside.reshape(-1)[positions] = False
    return grad * (make_tensor(outside) if isinstance(grad, Tensor) else outside)


def _at_positions(grad, old, value, *, positions):
    return take_row(grad, index=positions, shape=tuple(grad.shape))


copy_slices_view = defop("copy_slices", "CopySlices", _copy_into_positions, (_outside_positions, _at_positions))
as_strided_row = defop("as_strided", "AsStridedBackward0",
                       lambda x, *, positions, shape: x.reshape(-1)[positions],
                       lambda grad, x, *, positions, shape: _take_backward(grad, index=positions, shape=shape))


def _record_copy_slices(view, base_old, new_value, region, positions):
    """Give the base the CopySlices node (new values at `region`), and the view (at `positions`)
    a node that reads it from the new base."""
    base = view._base
    copied = copy_slices_view(base_old, new_value, positions=region)
    base.grad_fn, base._requires_grad, base.output_nr = copied.grad_fn, True, 0
    regenerate_view(view, positions)
    refresh_views(base, view)


def regenerate_view(view, positions=None):
    """The view's history after its base changed in place: read from the base (AsStridedBackward0)."""
    base = view._base
    if positions is None:
        positions = positions_in_base(view)
    node = as_strided_row.row.node_class((base,), {"positions": positions, "shape": base._data.shape}, view._data)
    view.grad_fn, view._requires_grad, view.output_nr = node, True, 0


def refresh_views(base, changed=None):
    """Other live views of a base that changed in place: torch regenerates them (lazily), so that
    their gradients flow through the change; ember does it now."""
    views = base.__dict__.get("_views")
    if views:
        for view in list(views):
            if view is not changed and view._requires_grad and view._data.size:
                regenerate_view(view)


def _setitem_on_view(view, np_index, value):
    view_positions = positions_in_base(view)
    positions = view_positions[np_index]
    base_old = _old_value(view._base)
    if value._data.dtype != view._data.dtype:
        value = value.to(view.dtype)
    try:
        view._data[np_index] = value._data
    except ValueError as error:
        raise RuntimeError(f"cannot assign a value of shape {list(value.shape)} to a region of shape "
                           f"{list(positions.shape)}: {error}") from None
    bump_version(view)
    _record_copy_slices(view, base_old, value, positions, view_positions)
