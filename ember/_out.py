"""`out=`: torch's functions can write their result into a given tensor (`torch.mul(a, b, out=c)`).

The ops of the table return new tensors; ``accept_out`` wraps the public ``ember.<op>`` functions so
that an ``out=`` argument receives a copy of the result, with torch's rules: out= does not take
part in autograd (an input that requires grad is an error), the result must be castable to
out's dtype, and an out of another shape is resized (with torch's warning when it had elements).
Tensor methods and ember's internal calls use the ops directly and pay nothing for this.
"""
import functools
import inspect
import warnings

from . import _dtype
from ._grad_state import state as _grad_state
from ._tensor import Tensor, bump_version


def write_out(name, out, result):
    """Copy `result` (a tensor, or a tuple of tensors for out=(values, indices)) into `out`."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): out= must be a tuple of {len(result)} tensors here, one per output")
        written = tuple(write_out(name, target, value) for target, value in zip(out, result))
        return type(result)(*written) if hasattr(result, "_fields") else written
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad. Call it under ember.no_grad(), or drop out= "
                           "and use the returned tensor.")
    if not _dtype.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtype.scalar_type_name(result.dtype)} can't be cast to the desired "
                           f"output type {_dtype.scalar_type_name(out.dtype)}; pass an out tensor of dtype "
                           f"{result.dtype!r}")
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(result.shape)}. This behavior "
                          "is deprecated, and in a future PyTorch release outputs will not be resized unless "
                          "they have zero elements. You can explicitly reuse an out tensor t by resizing it, "
                          "inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = result._data.astype(out._data.dtype)  # a new storage of the right size
    else:
        out._data[...] = result._data
    bump_version(out)
    return out


def accept_out(function):
    """function, or a wrapper of it that also takes out= (when it does not take it already)."""
    try:
        if "out" in inspect.signature(function).parameters:
            return function
    except (TypeError, ValueError):  # builtins without a signature
        return function
    name = function.__name__

    @functools.wraps(function)
    def with_out(*args, out=None, **kwargs):
        result = function(*args, **kwargs)
        return result if out is None else write_out(name, out, result)
    return with_out
