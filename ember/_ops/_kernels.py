"""Kernels: array-in, array-out helpers that the rule files compute with (the bottom layer).

Nothing here records a node, knows about Tensor or imports the rest of ember: these are the
NumPy tricks (a BLAS sum, a branch-free mask, torch's integer powers) that more than one
row, or the engine's un-broadcasting, relies on. A row's forward calls them; its formula
never does (formulas are written in ember ops, to stay differentiable).
"""
import numpy as np

from .._backend import as_strided, is_host_array, namespace
from .._dtype import BFLOAT16_NUMPY as BFLOAT16

FLOAT32 = np.dtype(np.float32)


def element_count(shape, dim):
    count = 1
    for axis in (range(len(shape)) if dim is None else dim):
        count *= shape[axis]
    return count


# np.sum and np.mean are Python wrappers around np.add.reduce, costing as much as the sum itself
# on small arrays; these call it directly (the same arithmetic, so the same results).
_numpy_add_reduce = np.add.reduce
_ones = {}  # (length, dtype) -> a read-only vector of ones, for add_reduce's matrix products


def add_reduce(x, axis=None, keepdims=False):
    """np.add.reduce; float32/float64 sums over a leading or trailing block of axes of a C-contiguous
    array run as one matrix-vector product with ones instead, which BLAS does several times faster
    than NumPy's reduction loop (a (256, 512) float32 array: ~10 µs instead of ~30 over axis 1, 19
    over axis 0). The sums agree to rounding."""
    ndim = x.ndim
    if (ndim < 2 or not is_host_array(x) or x.dtype.kind != "f" or x.dtype.itemsize < 4
            or not x.flags.c_contiguous or not x.size):
        return _numpy_add_reduce(x, axis=axis, keepdims=keepdims)
    if axis is None:  # every element: the rows' sums by BLAS, then NumPy's pairwise sum of those
        if keepdims or x.shape[-1] < 16:
            return _numpy_add_reduce(x, axis=axis, keepdims=keepdims)
        return _numpy_add_reduce(x.reshape(-1, x.shape[-1]) @ _ones_of(x.shape[-1], x.dtype))
    axes = axis if type(axis) is tuple else tuple(axis) if isinstance(axis, list) else (axis,)
    count = len(axes)
    if count == 1:  # the usual case, without the general case's bookkeeping below
        axis, shape = axes[0], x.shape
        if axis == ndim - 1 or axis == -1:
            total = x.reshape(-1, shape[-1]) @ _ones_of(shape[-1], x.dtype)
            return total.reshape(shape[:-1] + (1,) if keepdims else shape[:-1])
        if axis == 0 or axis == -ndim:
            total = _ones_of(shape[0], x.dtype) @ x.reshape(shape[0], -1)
            return total.reshape((1,) + shape[1:] if keepdims else shape[1:])
    if count == ndim:
        return _numpy_add_reduce(x, axis=axis, keepdims=keepdims)
    axes = sorted(a + ndim if a < 0 else a for a in axes)
    shape = x.shape
    if axes == list(range(ndim - count, ndim)):  # trailing axes: rows @ ones
        kept = shape[:ndim - count]
        length = x.size // element_count(kept, None)
        total = x.reshape(-1, length) @ _ones_of(length, x.dtype)
    elif axes == list(range(count)):  # leading axes: ones @ columns
        kept = shape[count:]
        length = x.size // element_count(kept, None)
        total = _ones_of(length, x.dtype) @ x.reshape(length, -1)
    else:
        return _numpy_add_reduce(x, axis=axis, keepdims=keepdims)
    if keepdims:
        return total.reshape(tuple(1 if i in axes else size for i, size in enumerate(shape)))
    return total.reshape(kept)


def _ones_of(length, dtype):
    ones = _ones.get((length, dtype))
    if ones is None:
        if len(_ones) > 64:
            _ones.clear()
        ones = _ones[(length, dtype)] = np.ones(length, dtype)
        ones.flags.writeable = False
    return ones


def array_mean(x, axis=None, keepdims=False):
    """np.mean for float32/float64 (np.mean sums float16 in float32, and warns on empty input)."""
    count = element_count(x.shape, (axis,) if type(axis) is int else axis)
    if not count:  # torch: nan, silently (np.mean warns "Mean of empty slice")
        zero = namespace(x).asarray(0, x.dtype if x.dtype.kind == "f" else None)
        return np.sum(x, axis=axis, keepdims=keepdims) / zero
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        return np.mean(x, axis=axis, keepdims=keepdims)
    total = add_reduce(x, axis=axis, keepdims=keepdims)
    if is_host_array(total):
        return np.true_divide(total, count, out=total)
    return total / count


def integer_power(base, exponent):
    """np.power, except for integers to negative integer powers, which torch defines (NumPy
    refuses them): 1 ** -n is 1, (-1) ** -n is +-1, and any other base gives 0 (the truncation)."""
    if np.result_type(base, exponent).kind in "iu" and np.any(np.less(exponent, 0)):
        base, exponent = np.broadcast_arrays(base, exponent)
        positive = np.power(base, np.maximum(exponent, 0))
        sign_of_minus_one = np.where(exponent % 2 == 1, -1, 1)
        inverse = np.where(base == 1, 1, np.where(base == -1, sign_of_minus_one, 0))
        return np.where(exponent < 0, inverse, positive).astype(positive.dtype)
    return np.power(base, exponent)


def checked_division(numpy_division):
    """An integer division (//, %, fmod) that raises, as torch does, where NumPy returns 0 with a warning."""
    def divide(a, b):
        if np.result_type(a, b).kind in "iub" and not np.all(b):
            raise RuntimeError("ZeroDivisionError: integer division by zero. Division of integer tensors "
                               "needs a nonzero divisor everywhere; convert to float (x.float()) to get inf/nan.")
        return numpy_division(a, b)
    return divide


def trunc_divide(a, b):
    if np.result_type(a, b).kind in "iub":
        quotient = checked_division(np.floor_divide)(a, b)  # floor, then step towards zero where it rounded down
        return quotient + ((quotient < 0) & (quotient * b != a))
    return np.trunc(np.true_divide(a, b))


def zeroed_where(mask, values):
    """np.where(mask, 0, values) for float32/float64 arrays, as a bitwise AND with a mask of all-ones
    or all-zeros words: exact (+0.0 where masked, NaN and inf included), and free of the branch
    per element that makes np.where ~10x slower on an unpredictable mask (ReLU's)."""
    integers = np.dtype(f"i{values.dtype.itemsize}")
    keep = mask.view(np.int8).astype(integers)
    keep -= 1  # masked: 1 -> 0; kept: 0 -> -1, every bit set
    return np.bitwise_and(values.view(integers), keep).view(values.dtype)


def window_view(padded, kernel, out_size, stride, dilation):
    """A read-only view (N, C, Ho, Wo, kh, kw) of every window, without copying."""
    n, c = padded.shape[:2]
    s = padded.strides
    shape = (n, c, out_size[0], out_size[1], kernel[0], kernel[1])
    strides = (s[0], s[1], s[2] * stride[0], s[3] * stride[1], s[2] * dilation[0], s[3] * dilation[1])
    return as_strided(padded, shape, strides, writeable=False)


def pad_last_two(x, padding, value=0):
    """Zero (or `value`) padding of the last two axes by ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = namespace(x).full((n, c, h + top + bottom, w + left + right), value, dtype=x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def wrapped_int(value, dtype):
    """A Python int beside an integer tensor, as torch casts it: modulo 2**bits of the tensor's dtype
    (int8 + 200 is int8 + -56), where NumPy 2 raises OverflowError. Ints past 64 bits stay too big."""
    if type(value) is not int or dtype.kind not in "iu":
        return value
    if not -(1 << 63) <= value < (1 << 64):
        raise OverflowError(f"int too big to convert: {value} does not fit in 64 bits")
    bits = dtype.itemsize * 8
    value %= 1 << bits
    if dtype.kind == "i" and value >= 1 << (bits - 1):
        value -= 1 << bits
    return np.array(value, dtype)[()]


def cast(array, dtype):
    """array.astype(dtype) without NumPy's overflow warning (int64's limits into float16 are inf, as in torch)."""
    with np.errstate(all="ignore"):
        if dtype is BFLOAT16 and array.dtype is not FLOAT32:
            array = array.astype(FLOAT32)  # torch rounds to bfloat16 from float32, so float64 rounds twice
        return array.astype(dtype)


def _half(array):
    return getattr(array, "dtype", None) == np.float16  # bfloat16 is widened by the registry (in_float32)


def _rounded_back(out, dtype):
    if isinstance(out, tuple):  # a saves_extra forward's (out, extra), extra perhaps a tuple itself
        return tuple(_rounded_back(item, dtype) for item in out)
    return cast(out, dtype) if getattr(out, "dtype", None) == np.float32 else out


def half_in_float32(function):
    """function computed in float32 for float16 inputs and rounded back once, as torch's CPU
    kernels compute half precision (in float32 "opmath", with float32 accumulators): a float16 cumsum
    or softmax rounded at every step drifts by many ulps from torch's."""
    def computed(*arrays, **attributes):
        if not arrays or not _half(arrays[0]):
            return function(*arrays, **attributes)
        half = arrays[0].dtype
        widened = [array.astype(np.float32) if _half(array) else array for array in arrays]
        return _rounded_back(function(*widened, **attributes), half)
    if hasattr(function, "nin"):  # the registry unrolls ufuncs by their number of inputs
        computed.nin = function.nin
    computed.__name__ = getattr(function, "__name__", "computed")
    return computed
# -- bfloat16: a storage type, computed in float32 -------------------------------------------------
# torch's CPU kernels load bfloat16, compute in float32 and round each result once; ops do the same
# (the rows of a dtype rule compute in float32 when the rule answers bfloat16, other rows through
# in_float32). Widening is exact, so shape and selection ops give the same bits either way.
def in_float32(forward, arrays, attributes):
    """forward(*arrays) with every bfloat16 array widened to float32, and float32 results rounded back."""
    out = forward(*[x.astype(FLOAT32) if getattr(x, "dtype", None) is BFLOAT16 else x for x in arrays],
                  **attributes)
    return rounded_to_bfloat16(out)


def rounded_to_bfloat16(out):
    if type(out) is tuple:
        return tuple(rounded_to_bfloat16(part) for part in out)
    return out.astype(BFLOAT16) if getattr(out, "dtype", None) is FLOAT32 else out


def has_bfloat16(arrays):
    return BFLOAT16 is not None and any(getattr(x, "dtype", None) is BFLOAT16 for x in arrays)


def in_float64(function):
    """function computed in float64 (the row casts back): erf and the gamma family are written for float64."""
    return lambda x, **attributes: function(x.astype(np.float64) if x.dtype != np.float64 else x, **attributes)
