"""Comparison and logic beyond the operators: logical_*, isclose/allclose/equal and torch's
alias names. None of these has a gradient; results are bool (allclose and equal: a Python bool).
"""
import numpy as np

from .._dtype import result_type, scalar_type_name
from .._tensor import Tensor, make_tensor
from ._errors import refusing
from ._registry import declare, defop, promote, variants
from .pointwise import ge, gt, le, lt, ne
from .pointwise_kernels import wrapping


def _shift_refused(kernel):
    def error(dtype):
        return NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(dtype)}\': shifts take '
                                   "integer tensors; convert with .long() (or .to(torch.int32) ...) first")
    return error


# NumPy's shifts already give torch's answers where C leaves them undefined: a count past the bit
# width, or negative, shifts everything out (0, or -1 for a negative value shifted right), and a
# left shift wraps through the sign bit. Python ints wrap to the tensor's dtype first (int32 << 2**40
# shifts by 0), as torch casts them; bool << bool and floats have no kernel in torch.
def _shift(kernel, numpy_shift):
    return refusing(kernel, "bfc", wrapping(numpy_shift), _shift_refused(kernel))

# fmt: off
logical_and = defop("logical_and", None, np.logical_and, None, variants=("function", "method", "inplace"))
logical_or = defop("logical_or", None, np.logical_or, None, variants=("function", "method", "inplace"))
logical_xor = defop("logical_xor", None, np.logical_xor, None, variants=("function", "method", "inplace"))
bitwise_left_shift = defop("bitwise_left_shift", None, _shift("lshift_cpu", np.left_shift), None, dtype_rule=promote,
                           variants=("function", "method", "inplace"))
bitwise_right_shift = defop("bitwise_right_shift", None, _shift("rshift_cpu", np.right_shift), None,
                            dtype_rule=promote, variants=("function", "method", "inplace"))
# fmt: on

greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
declare(greater, "greater", "function", "method", "inplace")
declare(greater_equal, "greater_equal", "function", "method", "inplace")
declare(less, "less", "function", "method", "inplace")
declare(less_equal, "less_equal", "function", "method", "inplace")
declare(not_equal, "not_equal", "function", "method", "inplace")


def _same_dtype_arrays(input, other, name):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{scalar_type_name(input.dtype)} did not match {scalar_type_name(other.dtype)}: "
                           f"{name} compares tensors of one dtype; convert one first, e.g. other.to(input.dtype)")
    return input._data, other._data


@variants("function", "method")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (infinities close only to themselves)."""
    a, b = _same_dtype_arrays(input, other, "isclose")
    return make_tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@variants("function", "method")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _same_dtype_arrays(input, other, "allclose")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@variants("function", "method")
def equal(input, other):
    """True when both tensors have the same shape and elements (NaN is not equal to itself)."""
    a, b = input._data, other._data
    if a.shape != b.shape:
        return False
    common = result_type(input, other).numpy
    return bool(np.array_equal(a.astype(common, copy=False), b.astype(common, copy=False)))
