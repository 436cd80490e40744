"""Pointwise kernels: the array-in, array-out forwards of ember/_ops/pointwise.py's rows.

The bottom layer, as ember/_ops/_kernels.py: nothing here records a node or knows about Tensor.
Each computes what torch's kernel computes where NumPy's ufunc differs (integer powers by
multiplication, -0.0 kept by clamp, the two-sided lerp, the fused addcmul, torch's refusals of
bool inputs); the rows in pointwise.py name them, so the rule file reads as a table.
"""
import numpy as np

from .._backend import is_host_array
from ._errors import check_fits
from ._kernels import checked_division, trunc_divide, wrapped_int


def pow_scalar_forward(x, *, exponent):
    # torch computes these powers by multiplication (bit for bit what it returns; np.power
    # differs in the last bit for 3), which is also many times faster on a NumPy scalar
    if exponent == 2:
        return x * x
    if exponent == 3:
        return x * x * x
    if exponent == -2 and x.dtype.kind == "V":  # bfloat16 (a native row): torch's 1 / (x * x), rounding each
        return 1 / (x * x)
    if x.dtype.kind in "iu" and isinstance(exponent, int):
        check_fits(exponent, x.dtype)  # torch: int8 ** 200 cannot convert 200 to int8
    if x.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed. Make the base a float first, "
                           "e.g. x.float() ** -1")
    return np.power(x, exponent)


def rsub_scalar_forward(x, *, other, alpha=1):
    return np.subtract(other, x if alpha == 1 else np.multiply(x, alpha))


ROUNDED_DIVISIONS = {"trunc": trunc_divide, "floor": checked_division(np.floor_divide)}


def rounded_divide(a, b, *, rounding_mode):
    return ROUNDED_DIVISIONS[rounding_mode](a, b)


def fmod_forward(a, b):
    return checked_division(np.fmod)(a, b)


def wrapping(compare):
    """A comparison that casts an out-of-range Python int to the tensor's integer dtype first, as
    torch does (int8 < 200 compares with -56; NumPy 2 would compare with 200)."""
    def wrapped(a, b):
        if type(b) is int and getattr(a, "dtype", None) is not None and a.dtype.kind in "iu":
            b = wrapped_int(b, a.dtype)
        elif type(a) is int and getattr(b, "dtype", None) is not None and b.dtype.kind in "iu":
            a = wrapped_int(a, b.dtype)
        return compare(a, b)
    wrapped.nin = 2  # the registry unrolls two-input rows
    return wrapped


def clamp_forward(x, low=None, high=None, *, min=None, max=None):
    low, high = (min, max) if low is None and high is None else (low, high)
    for bound in (low, high):
        if type(bound) is int or type(bound) is float:
            check_fits(bound, x.dtype)
    # x second: NumPy's maximum/minimum answer their second input at ties, torch keeps x at a bound
    if high is None:
        out = np.maximum(low, x)
    elif low is None:
        out = np.minimum(high, x)
    else:
        out = np.minimum(high, np.maximum(low, x))  # torch: min > max gives max everywhere
    if x.dtype.kind == "f" and is_host_array(out):
        np.copyto(out, x, where=out == x)  # torch keeps x where it equals a bound: clamp(-0.0, max=0) is -0.0
    elif x.dtype.kind == "f" and isinstance(out, np.generic) and out == x:
        out = x  # the same for a 0-d tensor, which computes as a NumPy scalar
    return out


def lerp_forward(start, end, *, weight):
    # torch's two-sided form: exact at weight 0 and 1
    return np.where(np.abs(weight) < 0.5, start + weight * (end - start), end - (end - start) * (1 - weight))


def addcmul_forward(x, t1, t2, *, value):
    if x.dtype.kind in "iub" and isinstance(value, float):
        value = int(value)  # torch casts the factor to the integer dtype
    if x.dtype in (np.float32, np.float16) and np.result_type(x, t1, t2) == x.dtype:
        # torch's kernel is a fused multiply-add, x + (value * t1) * t2 with one rounding: the product
        # does not overflow on its own (inf - 1e56 is inf, not nan). float64 holds that product exactly.
        scaled = np.multiply(t1, value, dtype=x.dtype)
        return (x.astype(np.float64) + scaled.astype(np.float64) * t2).astype(x.dtype)
    return x + value * (t1 * t2)


def negative(x):
    try:
        return np.negative(x)
    except TypeError:  # NumPy refuses bools; torch too, with its own words
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.") from None


def sign_forward(x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":  # torch: sign(nan) is 0 (so |x|'s gradient at a NaN is 0 too)
        return np.where(x != x, x.dtype.type(0), np.sign(x))
    return np.sign(x)


def sgn_forward(x):
    """x / |x| for complex x (0 at 0), else sign."""
    return x / np.where(x == 0, 1, np.abs(x)) if x.dtype.kind == "c" else sign_forward(x)


def relu_forward(x):
    if x.dtype == np.bool_:  # torch refuses; NumPy would return the mask unchanged
        raise RuntimeError("Boolean inputs not supported for relu; convert the mask with .float() first")
    return np.maximum(0, x)  # NumPy's maximum answers its second input at ties: relu(-0.0) is -0.0, as torch


def abs_forward(x):
    if x.dtype == np.bool_:
        raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'; convert with .int() or .float() first')
    return np.abs(x)


def clamp_min_tensor_forward(x, low):
    return np.maximum(low, x)  # x second: NumPy answers its second input at ties, torch keeps x (-0.0)


def clamp_max_tensor_forward(x, high):
    return np.minimum(high, x)
