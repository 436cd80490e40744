"""Numeric ops a PyTorch user reaches for after the everyday catalogue: more pointwise maths
(copysign, ldexp, frexp, sinc, float_power ...), NaN-aware and cumulative reductions (nansum,
cummax, logcumsumexp ...), counting and searching (bincount, histc, searchsorted, isin), and the
top-level softmax / dropout. See pointwise.py for how to read a row.

Where torch composes an op from others (nanmean, diff, trapezoid, float_power), ember composes it
the same way, so the grad_fn names agree.
"""
import numpy as np

from .._backend import accumulate, as_array, like, namespace
from .._dtype import float64, int64
from .._grad_state import state as grad_state
from .._tensor import Tensor, make_tensor
from ..return_types import cummax as cummax_type
from ..return_types import cummin as cummin_type
from ..return_types import frexp as frexp_type
from ._errors import no_derivative
from ._kernels import half_in_float32
from ._registry import declare, defop, promote, promote_to_float, variants
from .indexing import _zeros, scatter_add_row
from .joining import cat
from .pointwise import _zero_gradient, cos, eq, exp, logical_not, pow, sin, where_row
from .pointwise_logic import logical_xor
from .pointwise_math import isnan
from .reduction import _expand_back, _reduced_dims, _reverse_cumsum, sum
from .shape import normalize_dim, slice_row


def _as_tensor(value, like=None):
    if isinstance(value, Tensor):
        return value
    dtype = None if like is None or not isinstance(value, (int, float, bool)) else None
    return make_tensor(as_array(value, dtype=dtype))


# -- dropout and in-place activations at the top level (softmax is activation.py's) ------------------------------------
@variants("function")
def dropout(input, p, train):
    """torch.dropout(input, p, train): zero elements with probability p and scale the rest by
    1/(1-p) (MulBackward0); with train=False the input itself comes back, as in torch."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    from .._random import numpy_rng
    data = input._data
    if p == 1:
        mask = namespace(data).zeros(data.shape, dtype=data.dtype)
    else:
        keep = numpy_rng().random(data.shape) >= p
        mask = keep.astype(data.dtype) / as_array(1 - p, dtype=data.dtype)
    return input * make_tensor(like(mask, data))  # drawn on the host, so every device draws the same


# -- pointwise maths ---------------------------------------------------------------------------------
def _integers_only(name):
    def rule(*inputs, **attributes):
        for x in inputs:
            if isinstance(x, Tensor) and x._data.dtype.kind not in "iu":
                raise NotImplementedError(f'"{name}_cpu" not implemented for \'{x.dtype.name.capitalize()}\'; '
                                          f"{name} is only defined for integer tensors: convert with .long()")
        return promote(*inputs)
    return rule


def _copysign_ratio(grad, x, result):
    # d copysign(x, s)/dx = result / x (+-1), and 0 at x == 0 as torch defines it
    return where_row(eq(x, 0), 0.0, grad * (result / where_row(eq(x, 0), 1.0, x)))


def _sinc(x):
    return np.sinc(x)


def _heaviside_rule(a, b):
    if isinstance(b, Tensor) and isinstance(a, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes. Convert one with "
                           ".to(other.dtype) first")
    return promote(a, b)


# fmt: off
copysign_tensor = defop("copysign", "CopysignBackward0", np.copysign,
                        (lambda grad, a, b, result: _copysign_ratio(grad, a, result),
                         _zero_gradient), dtype_rule=promote_to_float)
copysign_scalar = defop("copysign", "CopysignBackward1", lambda x, *, other: np.copysign(x, other),
                        lambda grad, x, *, other, result: _copysign_ratio(grad, x, result),
                        dtype_rule=lambda x, **attributes: promote_to_float(x))


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _like(array, x):
    """A constant computed from x's values, as the kind of value x is (Tensor or raw array)."""
    return make_tensor(as_array(array)) if isinstance(x, Tensor) else array

ldexp_row = defop("ldexp", "LdexpBackward0", lambda x, e: x * np.power(2.0, e).astype(x.dtype),
                  (lambda grad, x, e: grad * _like(np.exp2(_raw(e)).astype(_raw(grad).dtype), grad),
                   lambda grad, x, e, result: grad * result * np.log(2.0)), dtype_rule=promote_to_float)


def _frexp_backward(grad, x, *, exponent):
    return grad * _like(np.ldexp(_raw(grad).dtype.type(1), -exponent), grad)

frexp_row = defop("frexp", "FrexpBackward0", lambda x, *, exponent: np.frexp(x)[0], _frexp_backward)


def _sinc_backward(grad, x):
    pix = x * np.pi
    slope = (pix * cos(pix) - sin(pix)) / (pix * x)
    return grad * where_row(eq(x, 0), 0.0, slope)

sinc_row = defop("sinc", "SincBackward0", _sinc, _sinc_backward, dtype_rule=promote_to_float)
# torch: nextafter(x, y) passes the gradient to x unchanged, none to y
nextafter_row = defop("nextafter", "NextafterBackward0", np.nextafter,
                      (lambda grad, a, b: grad, _zero_gradient), dtype_rule=promote)
heaviside_row = defop("heaviside", "NotImplemented", lambda a, b: np.heaviside(a, b).astype(np.result_type(a, b)),
                      (no_derivative("heaviside"),) * 2, dtype_rule=_heaviside_rule)
gcd_row = defop("gcd", None, np.gcd, None, dtype_rule=_integers_only("gcd"))
lcm_row = defop("lcm", None, np.lcm, None, dtype_rule=_integers_only("lcm"))
angle_row = defop("angle", "AngleBackward0", np.angle, _zero_gradient, dtype_rule=promote_to_float)
# x * number and x / number: torch's Scalar overloads (trapezoid ends in one)
mul_scalar = defop("mul", "MulBackward1", lambda x, *, other: x * other,
                   lambda grad, x, *, other: grad * other)
div_scalar = defop("div", "DivBackward1", lambda x, *, other: x / other,
                   lambda grad, x, *, other: grad / other)
# fmt: on


def _constant(value):
    return value.detach() if isinstance(value, Tensor) else value


@variants("function", "method")
def copysign(input, other):
    """|input| with the sign of other (float output; d/d input is +-1, 0 at 0; other gets none)."""
    if isinstance(other, Tensor):
        return copysign_tensor(input, other)
    return copysign_scalar(input, other=other)


@variants("function", "method")
def ldexp(input, other):
    """input * 2 ** other."""
    return ldexp_row(input, other if isinstance(other, Tensor) else make_tensor(as_array(other)))


@variants("function", "method")
def frexp(input):
    """(mantissa, exponent): input == mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1; exponent is int32."""
    if input._data.dtype.kind not in "fV":  # V: bfloat16
        raise RuntimeError("torch.frexp() only supports floating-point dtypes; convert with .float() first")
    exponent = np.frexp(input._data)[1].astype(np.int32)
    return frexp_type(frexp_row(input, exponent=exponent), make_tensor(exponent))


@variants("function", "method")
def sinc(input):
    """sin(pi x) / (pi x), and 1 at 0."""
    return sinc_row(input)


@variants("function", "method")
def nextafter(input, other):
    """The next floating point value after input towards other."""
    return nextafter_row(input, other)


@variants("function", "method")
def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, `values` where input == 0."""
    return heaviside_row(input, values)


@variants("function", "method")
def gcd(input, other):
    return gcd_row(input, other)


@variants("function", "method")
def lcm(input, other):
    return lcm_row(input, other)


@variants("function", "method")
def angle(input):
    """The argument of each element (float; 0 or pi for real input; complex input: forward only)."""
    if input._data.dtype.kind == "c" and input._requires_grad and grad_state.enabled:
        raise NotImplementedError("ember does not differentiate complex tensors yet: angle got a complex input that "
                                  "requires grad. Compute it under ember.no_grad() or on a detach()ed input.")
    if input._data.dtype.kind == "c":
        return make_tensor(np.angle(input._data))
    return angle_row(input)


@variants("function", "method")
def float_power(input, exponent):
    """pow computed in double precision (float64, or complex128), as torch.float_power."""
    target = lambda x: x.to(np.complex128 if x._data.dtype.kind == "c" else float64)  # noqa: E731
    if isinstance(input, Tensor):
        input = target(input)
    if isinstance(exponent, Tensor):
        exponent = target(exponent)
    if not isinstance(input, Tensor):
        input = make_tensor(as_array(input, dtype=np.float64))
    return pow(input, exponent)


@variants("function", "method")
def is_complex(input):
    return input._data.dtype.kind == "c"


# -- NaN-aware and cumulative reductions --------------------------------------------------------------
def _nansum_backward(grad, x, *, shape, dim=None, keepdim=False):
    return _expand_back(grad, shape=shape, dim=dim, keepdim=keepdim) * _like(~np.isnan(_raw(x)), grad)


nansum_row = defop("nansum", "NansumBackward0",
                   lambda x, *, shape, dim=None, keepdim=False: np.nansum(x, axis=dim, keepdims=keepdim),
                   _nansum_backward)


@variants("function", "method")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum, treating NaN as zero (NansumBackward0: NaN elements get no gradient)."""
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = int64
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return nansum_row(input, shape=input._data.shape)
    return nansum_row(input, shape=input._data.shape, dim=_reduced_dims(dim, input.ndim), keepdim=keepdim)


@variants("function", "method")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the non-NaN elements: nansum / count, as torch composes it (DivBackward0)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype}; convert with .float() first")
    count = sum(logical_not(isnan(input)), dim, keepdim)
    return nansum(input, dim, keepdim) / count


def _cumulative_extreme(x, axis, ufunc, better):
    values = accumulate(namespace(x), ufunc.__name__, x, axis)
    hit = better(x, values) | np.isnan(x) if x.dtype.kind in "fc" else better(x, values)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    positions = np.where(hit, namespace(x).arange(x.shape[axis]).reshape(shape), -1)
    return accumulate(namespace(positions), "maximum", positions, axis)


def _cum_select_backward(grad, x, *, dim, index):
    return scatter_add_row(_zeros(grad, tuple(grad.shape)), grad, dim=dim, index=index)


cummax_row = defop("cummax", "CummaxBackward0", lambda x, *, dim, index: np.take_along_axis(x, index, axis=dim),
                   _cum_select_backward)
cummin_row = defop("cummin", "CumminBackward0", lambda x, *, dim, index: np.take_along_axis(x, index, axis=dim),
                   _cum_select_backward)


def _cumulative(row, ufunc, better, named, input, dim):
    dim = normalize_dim(dim, input.ndim)
    data = input._data if input.ndim else input._data.reshape(1)
    index = _cumulative_extreme(data, dim, ufunc, better) if data.size else namespace(data).zeros(data.shape, np.int64)
    index = index.reshape(input._data.shape)
    return named(row(input, dim=dim, index=index), make_tensor(index.astype(np.int64)))


@variants("function", "method")
def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was (the latest of ties)."""
    return _cumulative(cummax_row, np.maximum, np.greater_equal, cummax_type, input, dim)


@variants("function", "method")
def cummin(input, dim):
    """(values, indices): the running minimum along dim and where it was (the latest of ties)."""
    return _cumulative(cummin_row, np.minimum, np.less_equal, cummin_type, input, dim)


def _logcumsumexp_backward(grad, x, *, dim, result):
    # d result_j / d x_i = exp(x_i - result_j) for j >= i; shifted by a constant to stay in range
    shift = float(np.max(_raw(x))) if _raw(x).size else 0.0
    return exp(x - shift) * _reverse_cumsum(grad * exp(shift - result), dim)


logcumsumexp_row = defop("logcumsumexp", "LogcumsumexpBackward0",
                         half_in_float32(lambda x, *, dim: accumulate(namespace(x), "logaddexp", x, dim)),
                         _logcumsumexp_backward)


@variants("function", "method")
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, computed without overflow."""
    if input._data.dtype.kind not in "fcV":
        input = input.to(np.float32)
    return logcumsumexp_row(input, dim=normalize_dim(dim, input.ndim) if input.ndim else 0)


@variants("function", "method")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (SubBackward0; logical_xor for bools), as torch composes it."""
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    dim = normalize_dim(dim, input.ndim)
    pieces = [t for t in (prepend, input, append) if t is not None]
    if len(pieces) > 1:
        pieces = [t if t.ndim else t.expand(*input.shape[:dim], 1, *input.shape[dim + 1:]) for t in pieces]
        input = cat(pieces, dim)
    for _ in range(n):
        length = input.shape[dim]
        if length == 0:
            break
        later = slice_row(input, dim=dim, start=1, stop=length, step=1, shape=tuple(input.shape))
        earlier = slice_row(input, dim=dim, start=0, stop=length - 1, step=1, shape=tuple(input.shape))
        input = logical_xor(later, earlier) if input._data.dtype.kind == "b" else later - earlier
    return input


@variants("function")
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim, with spacing dx (default 1) or sample points x."""
    dim = normalize_dim(dim, y.ndim)
    length = y.shape[dim]
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: give x or dx, not both")
    if length == 0:
        return sum(y, dim) * 0
    if x is None:
        left = slice_row(y, dim=dim, start=0, stop=1, step=1, shape=tuple(y.shape))
        right = slice_row(y, dim=dim, start=length - 1, stop=length, step=1, shape=tuple(y.shape))
        total = sum(y, dim) - (left + right).squeeze(dim) * 0.5
        return mul_scalar(total, other=1.0 if dx is None else dx)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.reshape(shape)
    spacing = diff(x, dim=dim)
    ends = slice_row(y, dim=dim, start=1, stop=length, step=1, shape=tuple(y.shape)) + \
        slice_row(y, dim=dim, start=0, stop=length - 1, step=1, shape=tuple(y.shape))
    return div_scalar(sum(spacing * ends, dim), other=2)


trapz = trapezoid
declare(trapz, "trapz", "function")


@variants("function")
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D x: columns x**(N-1) ... x**0 (increasing=False), built as torch does."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = x.dtype if x._data.dtype.kind in "fcV" else int64
    from .rearrange import flip
    from .reduction import cumprod
    ones_dtype = dtype.numpy if hasattr(dtype, "numpy") else dtype
    ones = make_tensor(namespace(x._data).ones((x.shape[0], 1), dtype=ones_dtype))
    if N == 0:
        return make_tensor(namespace(x._data).empty((x.shape[0], 0), dtype=ones._data.dtype))
    columns = cat([ones, x.to(dtype).unsqueeze(1).expand(x.shape[0], N - 1)], 1) if N > 1 else ones
    result = cumprod(columns, 1)
    return result if increasing else flip(result, 1)


# -- counting and searching (integer results, no gradient) ------------------------------------------
@variants("function", "method")
def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor (or sums of `weights`)."""
    data = input._data
    if data.dtype.kind not in "iub" or data.ndim != 1 or (data.size and data.min() < 0):
        if data.dtype.kind in "fV":
            raise NotImplementedError(f'"bincount_cpu" not implemented for \'{input.dtype.name.capitalize()}\'; '
                                      "bincount counts integers: convert with .long()")
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return make_tensor(np.bincount(data, minlength=minlength).astype(np.int64))
    w = weights._data
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return make_tensor(np.bincount(data, weights=w.astype(np.float64), minlength=minlength).astype(dtype))


@variants("function", "method")
def histc(input, bins=100, min=0, max=0):
    """A histogram of `bins` equal-width bins over [min, max] (the data's range when min == max)."""
    data = input._data
    if data.dtype.kind not in "fV":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{input.dtype.name.capitalize()}\'; '
                                  "convert with .float() first")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = np.histogram(data, bins=bins, range=(low, high))
    return make_tensor(counts.astype(data.dtype))


@variants("function")
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Indices where `input` would be inserted into the last dimension of sorted_sequence to keep it sorted."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    boundaries = sorted_sequence._data
    if sorter is not None:
        boundaries = np.take_along_axis(boundaries, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = as_array(input) if scalar else input._data
    which = "right" if right else "left"
    dtype = np.int32 if out_int32 else np.int64
    if boundaries.ndim == 1:
        return make_tensor(as_array(np.searchsorted(boundaries, values, side=which), dtype=dtype))
    if boundaries.shape[:-1] != values.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(boundaries.shape)} and input value tensor {list(values.shape)}")
    # one search over all rows at once: offset each row into its own band of a shared axis
    rows = int(np.prod(boundaries.shape[:-1]))
    flat_b = boundaries.reshape(rows, -1).astype(np.float64)
    flat_v = values.reshape(rows, -1).astype(np.float64)
    span = np.nanmax(np.abs(np.concatenate([flat_b.ravel(), flat_v.ravel(), namespace(flat_b).ones(1)]))) * 4 + 1
    offsets = (namespace(flat_b).arange(rows) * span)[:, None]
    found = np.searchsorted((flat_b + offsets).ravel(), (flat_v + offsets).ravel(), side=which)
    found = found.reshape(rows, -1) - (namespace(flat_b).arange(rows) * flat_b.shape[1])[:, None]
    return make_tensor(found.reshape(values.shape).astype(dtype))


@variants("function")
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each input element among 1-D `boundaries` (searchsorted with the arguments swapped)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@variants("function", "method")
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of `elements` occurs in test_elements (either may be a number)."""
    a = elements._data if isinstance(elements, Tensor) else as_array(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else as_array(test_elements)
    return make_tensor(as_array(np.isin(a, b, assume_unique=assume_unique, invert=invert)))
