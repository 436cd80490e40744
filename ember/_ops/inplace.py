"""In-place ops (``add_``, ``x -= y``, ``x[i] = v`` ...), built from the out-of-place rows.

An in-place op computes the out-of-place result, writes it into the tensor's own memory and
bumps the version counter (shared with its views), so any node that saved the old value
notices at backward time. When the op is recorded, the tensor takes over the new node as its
grad_fn: its history now ends in the in-place op, as in torch.
"""
import numpy as np

from .._dtype import LEGACY_NAMES, can_cast, from_numpy_dtype
from .._tensor import Tensor, bump_version, make_tensor
from .._grad_state import state as grad_state
from ._registry import defop
from .pointwise import add, div, fill, mul, neg, pow, sub, zero
from .pointwise import exp as exp_op
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
    if recording and base is not None:
        raise NotImplementedError(
            "ember does not yet record in-place operations on a view of a tensor that is part of the "
            "autograd graph (torch's CopySlices). Use an out-of-place op instead, e.g. ember.where(...) "
            "or ember.cat(...), or modify the base tensor.")


def _type_name(numpy_dtype):
    return LEGACY_NAMES[from_numpy_dtype(numpy_dtype)][:-len("Tensor")]


def write_result(tensor, result):
    """Copy an op's result into `tensor`'s memory and take over its history."""
    data, new = tensor._data, result._data
    if new.dtype is not data.dtype and not can_cast(from_numpy_dtype(new.dtype), from_numpy_dtype(data.dtype)):
        raise RuntimeError(f"result type {_type_name(new.dtype)} can't be cast to the desired output type "
                           f"{_type_name(data.dtype)}. An in-place op keeps the tensor's dtype; use the "
                           "out-of-place form (x = x + y) or convert the tensor first (x = x.float()).")
    if new.shape != data.shape:
        raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast shape "
                           f"{list(new.shape)}. An in-place op cannot change a tensor's shape; use the "
                           "out-of-place form (x = x + y) instead.")
    try:
        np.copyto(data, new, casting="unsafe")
    except ValueError:  # NumPy refuses to write into a broadcast (expanded) view
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the "
                           "operation.") from None
    bump_version(tensor)
    node = result.grad_fn
    if node is not None:
        tensor.grad_fn, tensor._requires_grad, tensor.output_nr = node, True, 0
        if node._result_entry is not None:  # the saved output is now `tensor` itself, at its new version
            node.save_result(tensor)
    return tensor


def _old_value(tensor):
    """A stand-in for the tensor before the change: same history, its own copy of the data."""
    old = make_tensor(tensor._data.copy(), tensor.grad_fn, tensor._requires_grad)
    old.output_nr = tensor.output_nr
    return old


def _recording(tensor, args):
    if not grad_state.enabled:
        return False
    return tensor._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)


def make_inplace(op, name):
    def inplace_op(self, *args, **kwargs):
        recording = _recording(self, args)
        check_inplace(self, recording)
        source = _old_value(self) if recording else self
        return write_result(self, op(source, *args, **kwargs))
    inplace_op.__name__ = inplace_op.__qualname__ = name
    return inplace_op


add_ = make_inplace(add, "add_")
sub_ = make_inplace(sub, "sub_")
mul_ = make_inplace(mul, "mul_")
div_ = make_inplace(div, "div_")
pow_ = make_inplace(pow, "pow_")
neg_ = make_inplace(neg, "neg_")
exp_ = make_inplace(exp_op, "exp_")
_zero_recorded = make_inplace(zero, "zero_")
_fill_recorded = make_inplace(fill, "fill_")
subtract_, multiply_, divide_ = sub_, mul_, div_


def zero_(self):
    """Set every element to 0 (x.grad.zero_() runs once per training step: keep it direct)."""
    if _recording(self, ()):
        return _zero_recorded(self)
    return _fill_unrecorded(self, 0)


def _fill_unrecorded(self, value):
    check_inplace(self, False)
    self._data.fill(value)
    bump_version(self)
    return self


# x.fill_(v) with a 0-d tensor v: v gets the summed gradient (torch's FillBackward3).
fill_tensor = defop("fill_", "FillBackward3", lambda old, value: np.full_like(old, value),
                    (lambda grad, old, value: grad * 0,
                     lambda grad, old, value: sum(grad)))
_fill_tensor_recorded = make_inplace(fill_tensor, "fill_")


def fill_(self, value):
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
                 (lambda grad, old, source: grad * 0,
                  lambda grad, old, source: grad))  # the engine sums grad back to source's shape


def copy_(self, src, non_blocking=False):
    """Copy `src` (broadcast to self's shape, cast to self's dtype) into self."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
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
    outside = np.ones(grad.shape, dtype=bool)
    outside[index] = False
    return grad * (make_tensor(outside) if isinstance(grad, Tensor) else outside)


def _region(grad, old, value, *, index):
    """It all goes to `value` (the engine sums it back to value's shape)."""
    return getitem(grad, index) if isinstance(grad, Tensor) else grad[index]


copy_slices = defop("setitem", "CopySlices", _copy_slices_forward, (_outside_region, _region))
# With an integer-array or mask index torch records an index_put instead; the maths is the same.
index_put = defop("index_put_", "IndexPutBackward0", _copy_slices_forward, (_outside_region, _region))


def _numpy_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return tuple(item._data if isinstance(item, Tensor) else item for item in items)


def setitem(self, index, value):
    """x[index] = value. Recorded as CopySlices when autograd is involved, as in torch."""
    value_requires_grad = isinstance(value, Tensor) and value._requires_grad
    recording = grad_state.enabled and (self._requires_grad or value_requires_grad)
    check_inplace(self, recording, indexed=True)
    np_index = _numpy_index(index)
    raw_value = value._data if isinstance(value, Tensor) else value
    if not recording:
        try:
            self._data[np_index] = raw_value
        except ValueError as error:
            raise RuntimeError(f"cannot assign a value of shape {list(np.shape(raw_value))} to "
                               f"x[{index!r}] of shape {list(self._data[np_index].shape)}: {error}") from None
        bump_version(self)
        return
    if not isinstance(value, Tensor):
        value = make_tensor(np.asarray(raw_value, dtype=self._data.dtype))
    advanced = any(isinstance(item, (np.ndarray, list)) for item in np_index)
    row = index_put if advanced else copy_slices
    write_result(self, row(_old_value(self), value, index=np_index))


__all__ = []
METHODS = ["add_", "sub_", "mul_", "div_", "pow_", "zero_", "fill_", "copy_", "neg_", "exp_", "subtract_",
           "multiply_", "divide_"]
