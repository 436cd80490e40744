"""Reductions: one row per op; see pointwise.py for how to read a row.

The public functions normalise `dim` (ints, tuples, negatives) and hand the rows the input
shape as an attribute, so the formulas never need the input itself (nothing is saved).
"""
import builtins
import math
import warnings

import numpy as np

from .._autocast import in_float32
from .._backend import accumulate, as_array, namespace
from .._dtype import FLOATING, LEGACY_NAMES, get_default_dtype, int64
from .._tensor import Tensor, make_tensor
from ..autograd.anomaly_mode import user_stacklevel
from ..return_types import aminmax as aminmax_type
from ..return_types import max as max_type
from ..return_types import min as min_type
from ._kernels import add_reduce, array_mean, element_count, half_in_float32
from ._multi_output import defop_multi
from ._registry import defop, variants
from .pointwise import eq, exp, sign, where
from .pointwise_math import isnan
from .selection import selecting_row
from .shape import expand, normalize_dim, normalize_dims, reshape


def _expand_back(grad, *, shape, dim=None, keepdim=False):
    """Spread a reduced gradient over the reduced axes again."""
    if dim is not None and not keepdim:
        kept = list(shape)
        for axis in dim:
            kept[axis] = 1
        grad = reshape(grad, tuple(kept))
    return expand(grad, shape)


def _reduced_dims(dim, ndim):
    """dim as sorted non-negative ints; an empty list means every dimension, as in torch."""
    return normalize_dims(dim, ndim) or tuple(range(ndim))


# fmt: off
sum_all = defop("sum", "SumBackward0", half_in_float32(lambda x, *, shape: add_reduce(x, axis=None)),
                lambda grad, x, *, shape: _expand_back(grad, shape=shape))
sum_dim = defop("sum", "SumBackward1",
                half_in_float32(lambda x, *, shape, dim, keepdim: add_reduce(x, axis=dim, keepdims=keepdim)),
                lambda grad, x, *, shape, dim, keepdim: _expand_back(grad, shape=shape, dim=dim, keepdim=keepdim))
mean_all = defop("mean", "MeanBackward0", half_in_float32(lambda x, *, shape: array_mean(x)),
                 lambda grad, x, *, shape: _expand_back(grad / element_count(shape, None), shape=shape))
mean_dim = defop("mean", "MeanBackward1",
                 half_in_float32(lambda x, *, shape, dim, keepdim: array_mean(x, axis=dim, keepdims=keepdim)),
                 lambda grad, x, *, shape, dim, keepdim: _expand_back(grad / element_count(shape, dim), shape=shape,
                                                                      dim=dim, keepdim=keepdim))
# fmt: on


@variants("function", "method")
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Sum of all elements, or over `dim` (an int or a tuple). Integers and bools sum to int64."""
    if not isinstance(input, Tensor):  # raw array inside a backward formula
        return add_reduce(input, axis=dim, keepdims=keepdim)
    dim = axis if dim is None else dim
    if dtype is None and input._data.dtype.kind in "biu":
        dtype = int64  # as torch; NumPy would sum uint8 to uint64, and int32 to int32 on Windows
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return _in_dtype(sum_all(input, shape=input._data.shape), input)
    return _in_dtype(sum_dim(input, shape=input._data.shape, dim=_reduced_dims(dim, input.ndim), keepdim=keepdim),
                     input)


def _in_dtype(result, input):
    """An integer reduction in the input's dtype: NumPy accumulates int8 or bool in int64, torch in
    the dtype itself (sum(dtype=int8) wraps around; taking the int64 answer modulo 2**8 is the same)."""
    if result._data.dtype is not input._data.dtype:  # integers: no gradient to keep
        result._data = result._data.astype(input._data.dtype)
    return result


@variants("function", "method")
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean of all elements, or over `dim`. Like torch, integer tensors need dtype= or .float()."""
    if not isinstance(input, Tensor):
        return array_mean(input, axis=dim, keepdims=keepdim)
    dim = axis if dim is None else dim
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.category < FLOATING:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {LEGACY_NAMES[input.dtype][:-len('Tensor')]}. "
            "Convert first with .float(), or pass dtype=ember.float32")
    if dim is None:
        return mean_all(input, shape=input._data.shape)
    return mean_dim(input, shape=input._data.shape, dim=_reduced_dims(dim, input.ndim), keepdim=keepdim)


# Logical reductions: no gradient, bool results (what `if tensor:` usually means to ask).
any_row = defop("any", None, lambda x, *, dim, keepdim: np.any(x, axis=dim, keepdims=keepdim), None)
all_row = defop("all", None, lambda x, *, dim, keepdim: np.all(x, axis=dim, keepdims=keepdim), None)


@variants("function", "method")
def any(input, dim=None, keepdim=False):
    """True where any element (over `dim`, or all of them) is nonzero."""
    return any_row(input, dim=None if dim is None else normalize_dims(dim, input.ndim), keepdim=keepdim)


@variants("function", "method")
def all(input, dim=None, keepdim=False):
    """True where every element (over `dim`, or all of them) is nonzero."""
    return all_row(input, dim=None if dim is None else normalize_dims(dim, input.ndim), keepdim=keepdim)


@variants("function", "method")
def count_nonzero(input, dim=None):
    """Number of nonzero elements (over `dim`), as int64."""
    dim = None if dim is None else normalize_dims(dim, input.ndim)
    return make_tensor(as_array(np.count_nonzero(input._data, axis=dim), dtype=np.int64))


# -- helpers shared by the rows below ---------------------------------------------------------------
def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _like(array, x):
    """A NumPy array computed from x's values, as the kind of value x is (a constant, no gradient)."""
    return make_tensor(as_array(array)) if isinstance(x, Tensor) else array


def _float_only(name, input, message=None):
    if input._data.dtype.kind not in "fcV":  # V: bfloat16
        raise RuntimeError(message or f"{name}(): expected a floating point or complex tensor, got "
                           f"{input.dtype}; convert it first with .float() or .double()")


def _all_or(dim, ndim):
    """None (every dimension) when dim is None or empty, else sorted non-negative dims."""
    if dim is None:
        return None
    dims = normalize_dims(dim, ndim)
    return dims if dims else None


def _integer_accumulates_in_int64(input, dtype):
    if dtype is None and input._data.dtype.kind in "biu":
        return int64
    return dtype


# -- prod: the gradient is the product of the other elements, also where some are zero -------------
def _product_of_others(x, axis):
    """For every element, the product of the others along `axis` (None: all), without division."""
    data = _raw(x)
    flat = data.reshape(-1) if axis is None else np.moveaxis(data, axis, -1)
    ones = namespace(flat).ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = before * after
    others = others.reshape(data.shape) if axis is None else np.moveaxis(others, -1, axis)
    return _like(others, x)


def _kept(value, *, shape, dim, keepdim):
    """A reduced value with the reduced axes put back as size 1 (to broadcast against the input)."""
    if keepdim or dim is None and not shape:
        return value
    kept = [1] * len(shape) if dim is None else list(shape)
    for axis in (dim or ()):
        kept[axis] = 1
    return reshape(value, tuple(kept))


def _prod_backward(grad, x, *, shape, dim=None, keepdim=False, result):
    grad = _expand_back(_kept(grad, shape=shape, dim=dim, keepdim=keepdim), shape=shape)
    if np.all(_raw(x)):  # no zeros: result / x is every other element's product, and differentiable
        return grad * _expand_back(_kept(result, shape=shape, dim=dim, keepdim=keepdim), shape=shape) / x
    return grad * _product_of_others(x, None if dim is None else dim[0])


def _prod_along(x, axis, keepdims):
    """np.prod over one axis; float16 rounds after every multiply in order, as torch's CPU kernel
    multiplies it (NumPy's float16 product keeps a float32 accumulator, which torch does not)."""
    if x.dtype != np.float16 or not x.shape[axis]:
        return np.prod(x, axis=axis, keepdims=keepdims)
    running = accumulate(namespace(x), "multiply", x, axis)
    return running.take([-1] if keepdims else -1, axis=axis)


# fmt: off
prod_all = defop("prod", "ProdBackward0", lambda x, *, shape: np.prod(x),
                 lambda grad, x, *, shape, result: _prod_backward(grad, x, shape=shape, result=result))
prod_dim = defop("prod", "ProdBackward1", lambda x, *, shape, dim, keepdim: _prod_along(x, dim[0], keepdim),
                 _prod_backward, bfloat16_native=True)  # torch multiplies along a dim in bfloat16 (float16 too)
# fmt: on


@variants("function", "method")
@in_float32
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along one `dim`. Integers and bools multiply to int64."""
    dtype = _integer_accumulates_in_int64(input, dtype)
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return _in_dtype(prod_all(input, shape=input._data.shape), input)
    return _in_dtype(prod_dim(input, shape=input._data.shape, dim=(normalize_dim(dim, input.ndim),), keepdim=keepdim),
                     input)


# -- amax/amin and whole-tensor max/min: the gradient is split evenly among tied extremes -----------
def _evenly_split(grad, x, *, shape, dim=None, keepdim=False, result):
    kept = _kept(result, shape=shape, dim=dim, keepdim=keepdim)
    mask = eq(x, kept)
    count = sum(mask, dim, keepdim=True) if dim is not None else sum(mask)
    return mask * (_kept(grad, shape=shape, dim=dim, keepdim=keepdim) / count)


def _evenly_distribute(grad, x, *, shape, result):
    """torch's whole-tensor max/min backward: grad / count at the elements equal to the result (at
    the NaNs when the result is NaN), 0 elsewhere by selection."""
    mask = isnan(x) if np.isnan(_raw(result)) else eq(x, result)
    return where(mask, grad / sum(mask), 0.0)


# fmt: off
amax_row = defop("amax", "AmaxBackward0", lambda x, *, shape, dim, keepdim: np.amax(x, axis=dim, keepdims=keepdim),
                 _evenly_split)
amin_row = defop("amin", "AminBackward0", lambda x, *, shape, dim, keepdim: np.amin(x, axis=dim, keepdims=keepdim),
                 _evenly_split)
max_all = defop("max", "MaxBackward1", lambda x, *, shape: np.max(x), _evenly_distribute)
min_all = defop("min", "MinBackward1", lambda x, *, shape: np.min(x), _evenly_distribute)
max_dim_row = selecting_row("max", "MaxBackward0")
min_dim_row = selecting_row("min", "MinBackward0")
# fmt: on


def _check_not_empty(name, input, dim=None):
    if input._data.size == 0 and (dim is None or input._data.shape[dim] == 0):
        raise (RuntimeError if dim is None else IndexError)(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
            "dim with the 'dim' argument." if dim is None else
            f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _check_reduced_not_empty(name, input, dim):
    """torch's IndexError for a max-like reduction over a dimension of size 0."""
    for axis in (range(input.ndim) if dim is None else dim):
        if input._data.shape[axis] == 0:
            _check_not_empty(name, input, axis)


def _check_reduced_not_empty_or_every(name, input, dim):
    """As _check_reduced_not_empty; dim () or None (every dim) of an empty tensor is torch's RuntimeError."""
    if dim in ((), [], None) and input._data.size == 0:
        _check_not_empty(name, input)
    _check_reduced_not_empty(name, input, _all_or(dim, input.ndim))


@variants("function", "method")
def amax(input, dim=(), keepdim=False):
    """Largest value over `dim` (all dims when empty); ties share the gradient evenly."""
    _check_reduced_not_empty_or_every("amax", input, dim)
    return amax_row(input, shape=input._data.shape, dim=_all_or(dim, input.ndim), keepdim=keepdim)


@variants("function", "method")
def amin(input, dim=(), keepdim=False):
    """Smallest value over `dim` (all dims when empty); ties share the gradient evenly."""
    _check_reduced_not_empty_or_every("amin", input, dim)
    return amin_row(input, shape=input._data.shape, dim=_all_or(dim, input.ndim), keepdim=keepdim)


@variants("function", "method")
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over `dim` (every element when None). ember records AminBackward0 and AmaxBackward0
    where torch records one AminmaxBackward0; the gradients are the same."""
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        axis = normalize_dim(dim, input.ndim)
        if input.ndim and input._data.shape[axis] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {axis} to have non-zero size.")
    dims = () if dim is None else (dim,)
    return aminmax_type(amin(input, dims, keepdim), amax(input, dims, keepdim))


def _extreme(name, whole_row, dim_row, arg, result_type, input, dim, keepdim):
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum, which pointwise ops own
        from . import pointwise
        return getattr(pointwise, "maximum" if name == "max" else "minimum")(input, dim)
    if dim is None:
        _check_not_empty(name, input)
        return whole_row(input, shape=input._data.shape)
    data = input._data
    axis = normalize_dim(dim, input.ndim)
    if data.ndim == 0:
        return result_type(dim_row(input.reshape(1), shape=(1,), dim=0, index=namespace(input._data).zeros(1, np.int64),
                                   keepdim=False), make_tensor(namespace(input._data).zeros((), np.int64)))
    _check_not_empty(name, input, axis)
    index = arg(data, axis=axis, keepdims=True)
    values = dim_row(input, shape=data.shape, dim=axis, index=index, keepdim=keepdim)
    return result_type(values, make_tensor(index if keepdim else np.squeeze(index, axis)))


@variants("function", "method")
def max(input, dim=None, keepdim=False):
    """max(x): the largest value (ties share the gradient); max(x, dim): (values, indices), the
    gradient going to each returned index; max(x, other): the elementwise maximum."""
    return _extreme("max", max_all, max_dim_row, np.argmax, max_type, input, dim, keepdim)


@variants("function", "method")
def min(input, dim=None, keepdim=False):
    """min(x), min(x, dim) -> (values, indices), min(x, other): as max."""
    return _extreme("min", min_all, min_dim_row, np.argmin, min_type, input, dim, keepdim)


def _arg_extreme(function, input, dim, keepdim):
    data = input._data
    if data.dtype.kind == "b":
        name = "argmax" if function is np.argmax else "argmin"
        raise RuntimeError(f"{name}(): does not support bool input; convert the tensor with .int() first")
    if not data.size:
        name = "argmax" if function is np.argmax else "argmin"
        if dim is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        _check_not_empty(name, input, normalize_dim(dim, input.ndim))
    if dim is None:
        index = function(data.reshape(-1))
        return make_tensor(as_array(index).reshape((1,) * data.ndim if keepdim else ()).astype(np.int64))
    axis = normalize_dim(dim, input.ndim)
    if data.ndim == 0:
        return make_tensor(namespace(data).zeros((), np.int64))
    return make_tensor(function(data, axis=axis, keepdims=keepdim).astype(np.int64, copy=False))


@variants("function", "method")
def argmax(input, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor when dim is None), as int64."""
    return _arg_extreme(np.argmax, input, dim, keepdim)


@variants("function", "method")
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest value (of the flattened tensor when dim is None), as int64."""
    return _arg_extreme(np.argmin, input, dim, keepdim)


# -- var / std (and their pairs with mean) ----------------------------------------------------------
def _centered(x, dim):
    return x - mean(x, dim, keepdim=True) if dim is not None else x - mean(x)


def _var_grad(grad, x, *, shape, dim, correction, keepdim, kept=False):
    grad = grad if kept else _kept(grad, shape=shape, dim=dim, keepdim=keepdim)
    dof = element_count(shape, dim) - correction
    if dof <= 0:  # torch: 2 / dof is inf, times x - mean: nan where x is the mean, inf elsewhere
        at_mean = eq(x, mean(x, dim, keepdim=True) if dim is not None else mean(x))
        return grad * where(at_mean, math.nan, math.inf)
    return (2.0 / dof) * grad * _centered(x, dim)


def _std_grad(grad, x, std, *, shape, dim, correction, keepdim):
    # torch: d std = d var / (2 std), and 0 where std is 0 (a constant input), by selection
    std = _kept(std, shape=shape, dim=dim, keepdim=keepdim)
    grad = where(eq(std, 0), 0.0, _kept(grad, shape=shape, dim=dim, keepdim=keepdim) / (2 * std))
    return _var_grad(grad, x, shape=shape, dim=dim, correction=correction, keepdim=keepdim, kept=True)


def _mean_grad(grad, *, shape, dim, keepdim):
    return _expand_back(_kept(grad, shape=shape, dim=dim, keepdim=keepdim) / element_count(shape, dim), shape=shape)


def _in_float32(x):
    """float16 and bfloat16 accumulate in float32, as torch does (a float16 sum of squares overflows)."""
    return x.astype(np.float32) if x.dtype.itemsize == 2 and x.dtype.kind in "fV" else x


def _var_forward(x, *, shape, dim, correction, keepdim, rounded=True):
    # np.var, written out: np.var warns about an empty input or correction >= count, where torch
    # gives nan or inf (and its own warning, from the public function)
    work = _in_float32(x)
    count = element_count(shape, dim)
    centered = work - np.sum(work, axis=dim, keepdims=True) / count
    squares = (centered * centered.conj()).real if centered.dtype.kind == "c" else centered * centered
    variance = np.sum(squares, axis=dim, keepdims=keepdim) / builtins.max(count - correction, 0)
    return _rounded(variance, x) if rounded else variance


def _rounded(values, x):
    return values.astype(x.real.dtype if x.dtype.kind == "c" else x.dtype, copy=False)


def _std_forward(x, **attributes):
    # the root of the float32 variance, rounded once: a float16 std of 17328 has a variance past float16's range
    return _rounded(np.sqrt(_var_forward(x, rounded=False, **attributes)), x)


def _mean_in_float32(x, *, shape, dim, keepdim, **attributes):
    return (np.sum(_in_float32(x), axis=dim, keepdims=keepdim) / element_count(shape, dim)).astype(x.dtype, copy=False)


# fmt: off
var_row = defop("var", "VarBackward0", _var_forward, _var_grad)
std_row = defop("std", "StdBackward0", _std_forward,
                lambda grad, x, *, result, **attributes: _std_grad(grad, x, result, **attributes))
std_mean_row = defop_multi(
    "std_mean", "StdMeanBackward0",
    lambda x, **attributes: (_std_forward(x, **attributes), _mean_in_float32(x, **attributes)),
    lambda grads, x, *, results, shape, dim, correction, keepdim: (
        _std_grad(grads[0], x, results[0], shape=shape, dim=dim, correction=correction, keepdim=keepdim)
        + _mean_grad(grads[1], shape=shape, dim=dim, keepdim=keepdim)), 2)
var_mean_row = defop_multi(
    "var_mean", "VarMeanBackward0",
    lambda x, **attributes: (_var_forward(x, **attributes), _mean_in_float32(x, **attributes)),
    lambda grads, x, *, results, shape, dim, correction, keepdim: (
        _var_grad(grads[0], x, shape=shape, dim=dim, correction=correction, keepdim=keepdim)
        + _mean_grad(grads[1], shape=shape, dim=dim, keepdim=keepdim)), 2)
# fmt: on


def _variance_arguments(input, dim, unbiased, keepdim, correction, name):
    """torch's overloads: var(x, unbiased), var(x, dim, unbiased, keepdim), var(x, dim, correction=)."""
    if isinstance(dim, bool):  # var(x, False): the second positional argument was `unbiased`
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError("var/std: pass either unbiased or correction, not both (correction=0 is "
                           "unbiased=False, correction=1 is unbiased=True)")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    _float_only("std and var", input, "std and var only support floating point and complex dtypes; convert "
                "the tensor first with .float()")
    dim = _all_or(dim, input.ndim)
    if element_count(input._data.shape, dim) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=user_stacklevel())
    return dict(shape=input._data.shape, dim=dim, correction=correction, keepdim=keepdim)


@variants("function", "method")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over `dim` with Bessel's correction (correction=1) unless told otherwise."""
    return var_row(input, **_variance_arguments(input, dim, unbiased, keepdim, correction, "var"))


@variants("function", "method")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over `dim`; correction as in var."""
    return std_row(input, **_variance_arguments(input, dim, unbiased, keepdim, correction, "std"))


@variants("function")
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`, one node for both."""
    return std_mean_row(input, **_variance_arguments(input, dim, unbiased, keepdim, correction, "std_mean"))


@variants("function")
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`, one node for both."""
    return var_mean_row(input, **_variance_arguments(input, dim, unbiased, keepdim, correction, "var_mean"))


# -- logsumexp, cumsum, cumprod -----------------------------------------------------------------------
def _logsumexp_forward(x, *, shape, dim, keepdim):
    peak = np.amax(x, axis=dim, keepdims=True, initial=-np.inf)  # initial: an empty dim gives -inf, as torch
    peak = np.where(np.isfinite(peak), peak, 0)  # all -inf (or an inf) would make x - peak nan
    out = np.log(np.sum(np.exp(x - peak), axis=dim, keepdims=True)) + peak
    return out if keepdim else np.squeeze(out, axis=dim)


logsumexp_row = defop("logsumexp", "LogsumexpBackward0", _logsumexp_forward,  # torch: float16 steps
                      lambda grad, x, *, shape, dim, keepdim, result: _kept(grad, shape=shape, dim=dim, keepdim=keepdim)
                      * exp(x - _kept(result, shape=shape, dim=dim, keepdim=keepdim)))


@variants("function", "method")
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over `dim`, computed without overflow."""
    if input._data.dtype.kind not in "fcV":
        input = input.to(get_default_dtype())  # as torch: integers give the default float
    dims = normalize_dims(dim, input.ndim) or tuple(range(input.ndim))
    return logsumexp_row(input, shape=input._data.shape, dim=dims, keepdim=keepdim)


def _cumprod_backward_with_zeros(grad, x, dim):
    """d/dx_k of sum_j grad_j prod_{i<=j} x_i where some x are 0, as torch computes it: before the
    first zero by the reversed cumsum divided by x, at the first zero by the products up to the
    second zero, and 0 after it (there every product holds two zeros). Terms past a zero count
    as 0 even where an inf would make them nan, as in torch."""
    data, g = np.moveaxis(_raw(x), dim, -1), np.moveaxis(_raw(grad), dim, -1)
    zero = data.dtype.type(0)
    zeros_so_far = np.cumsum(data == 0, axis=-1)
    before = zeros_so_far == 0
    weighted = np.where(before, np.cumprod(data, axis=-1) * g, zero)
    reversed_cumsum = np.flip(np.cumsum(np.flip(weighted, -1), axis=-1), -1)
    result = np.where(before, reversed_cumsum / np.where(before, data, 1), zero)
    first = (data == 0) & (zeros_so_far == 1)
    between = (zeros_so_far == 1) & ~first  # after the first zero, before the second
    at_first = np.sum(np.cumprod(np.where(between, data, 1), axis=-1) * np.where(zeros_so_far == 1, g, zero),
                      axis=-1, keepdims=True) * np.cumprod(np.where(first, 1, data), axis=-1)
    result = np.where(first, at_first, result)
    return _like(np.moveaxis(result, -1, dim), x)


def _reverse_cumsum(grad, dim):
    """sum_{j >= i} grad_j along dim, by flipping (total - cumsum + grad would make inf - inf = nan)."""
    from .rearrange import flip
    return flip(cumsum_row(flip(grad, dim), dim=dim), dim)

cumsum_row = defop("cumsum", "CumsumBackward0", half_in_float32(lambda x, *, dim: np.cumsum(x, axis=dim)),
                   lambda grad, x, *, dim: _reverse_cumsum(grad, dim))


def _cumprod_backward(grad, x, *, dim, result):
    if x.shape[dim] == 1:  # torch: the gradient passes unchanged (no division by a NaN or inf element)
        return grad
    if np.all(_raw(x)):
        return _reverse_cumsum(grad * result, dim) / x
    return _cumprod_backward_with_zeros(grad, x, dim)

cumprod_row = defop("cumprod", "CumprodBackward0", half_in_float32(lambda x, *, dim: np.cumprod(x, axis=dim)),
                    _cumprod_backward)


@variants("function", "method", "inplace")
def cumsum(input, dim, *, dtype=None):
    """Running sums along `dim`; integers and bools accumulate in int64."""
    dtype = _integer_accumulates_in_int64(input, dtype)
    if dtype is not None:
        input = input.to(dtype)
    return _in_dtype(cumsum_row(input, dim=normalize_dim(dim, input.ndim)), input) if input.ndim else input * 1


@variants("function", "method")
def cumprod(input, dim, *, dtype=None):
    """Running products along `dim`; the gradient is right where some elements are zero."""
    dtype = _integer_accumulates_in_int64(input, dtype)
    if dtype is not None:
        input = input.to(dtype)
    return _in_dtype(cumprod_row(input, dim=normalize_dim(dim, input.ndim)), input) if input.ndim else input * 1


# -- norms ------------------------------------------------------------------------------------------
def _vector_norm_forward(x, *, ord, dim, keepdim):
    if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # float16, bfloat16: accumulate in float32, as torch
        return _vector_norm_forward(x.astype(np.float32), ord=ord, dim=dim, keepdim=keepdim).astype(x.dtype)
    magnitude = np.abs(x)
    if ord != 0 and element_count(x.shape, dim) == 1:  # torch reduces nothing: |x| itself, no square to overflow
        return np.sum(magnitude, axis=dim, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(magnitude * magnitude, axis=dim, keepdims=keepdim))
    if ord == 1:
        return np.sum(magnitude, axis=dim, keepdims=keepdim)
    if ord == math.inf:
        return np.amax(magnitude, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return np.amin(magnitude, axis=dim, keepdims=keepdim)
    if ord == 0:
        return np.sum(magnitude != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    return np.sum(magnitude ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _vector_norm_backward(grad, x, *, ord, dim, keepdim, result):
    """torch's norm_backward, in its operation order: where an inf gradient meets a zero (a zero norm, a
    zero element) the order decides between 0 and nan, and the choice of formula by ord decides which
    zeros are masked (|x|^(ord-1) at x = 0 for ord < 1, the norm for the others)."""
    shape = x.shape
    grad = _kept(grad, shape=shape, dim=dim, keepdim=keepdim)
    norm = _kept(result, shape=shape, dim=dim, keepdim=keepdim)
    if ord == 0:  # torch: no gradient at all (the input's grad stays None)
        return None
    if ord == 1:
        return sign(x) * grad
    if ord == 2:
        return grad * where(eq(norm, 0), 0.0, x / norm)
    if ord in (math.inf, -math.inf):  # the gradient of amax(|x|): split among the tied extremes (and NaNs)
        magnitude = abs(x)
        mask = eq(magnitude, norm) | isnan(magnitude)
        count = sum(mask, dim, keepdim=True) if dim is not None else sum(mask)
        return sign(x) * ((grad / count) * mask)
    if ord < 1:
        scaled = sign(x) * where(eq(x, 0), 0.0, abs(x) ** (ord - 1))
        return scaled * grad * norm ** (1 - ord)
    scaled = sign(x) * abs(x) ** (ord - 1) if ord < 2 else x * abs(x) ** (ord - 2)
    return scaled * where(eq(norm, 0), 0.0, grad / norm ** (ord - 1))


vector_norm_row = defop("linalg_vector_norm", "LinalgVectorNormBackward0", _vector_norm_forward,
                        _vector_norm_backward)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.vector_norm: (sum |x|^ord)^(1/ord) over `dim` (every element when None)."""
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind not in "fcV":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{LEGACY_NAMES[x.dtype][:-len('Tensor')]}; convert it first with .float()")
    ord = float(ord)
    if ord in (math.inf, -math.inf) and x._data.size == 0:  # no identity for max/min
        name = "inf" if ord > 0 else "-inf"
        dims = _all_or(dim, x.ndim)
        if dim is None or dim == () or dim == []:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty tensor because the "
                               "operation does not have an identity")
        empty = next((axis for axis in dims if x._data.shape[axis] == 0), None)
        if empty is not None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension {empty}because "
                               "this dimension is empty and the operation does not have an identity")
    return vector_norm_row(x, ord=int(ord) if ord.is_integer() else ord, dim=_all_or(dim, x.ndim), keepdim=keepdim)


@variants("function", "method")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: p='fro' (2-norm of the elements), 'nuc', or a number, over `dim`."""
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .decompositions import matrix_norm
        return matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim, dtype=dtype)
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unknown p {p!r}; use 'fro', 'nuc' or a number")
    return vector_norm(input, p, dim=dim, keepdim=keepdim, dtype=dtype)
