"""Creating tensors: from data, filled, ranges, and random; torch's signatures and dtypes.

Python floats become the default dtype (float32), ints int64 and bools bool, as in torch;
NumPy arrays keep their dtype.
"""
import math
import warnings

from . import _dtype
from ._backend import xp
from ._random import numpy_rng
from ._tensor import Size, Tensor, _check_can_require_grad, make_tensor, require_cpu


def _finish(array, requires_grad=False, device=None):
    require_cpu(device)
    tensor = make_tensor(array)
    if requires_grad:
        _check_can_require_grad(tensor.dtype, "Only Tensors of floating point and complex dtype can require "
                                              "gradients")
        tensor._requires_grad = True
    return tensor


def _size(size):
    """zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(ember.Size([2, 3])) all mean the same."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = size[0]
    for length in size:
        if not isinstance(length, int) and not (isinstance(length, Tensor) and length.numel() == 1):
            raise TypeError(f"sizes must be integers, but got {type(length).__name__} ({length!r})")
        if int(length) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {int(length)}: {list(size)}; "
                               "every size must be 0 or more")
    return tuple(int(length) for length in size)


def _numpy_dtype(dtype, default=None):
    return (dtype or default or _dtype.get_default_dtype()).numpy


def _is_sequence(item):
    return isinstance(item, (list, tuple)) or (isinstance(item, xp.ndarray) and item.ndim > 0)


def _is_number(item):
    return isinstance(item, (int, float, complex, xp.number, xp.bool_)) or (
        isinstance(item, xp.ndarray) and item.ndim == 0)


_DATA_HINT = "; ember.tensor() takes numbers, (nested) lists of numbers, NumPy arrays or tensors"


def _data_error(data):
    """torch's error for data that is not a rectangular nest of numbers.

    torch first infers the dtype (so a None or a string anywhere is reported first), then
    sizes each dimension from the first element and checks every other element against it."""
    first = data
    while _is_sequence(first) and len(first):
        first = first[0]
    if isinstance(first, str) and first is not data:
        return ValueError(f"too many dimensions 'str'{_DATA_HINT}")
    stack = [data]
    while stack:
        item = stack.pop()
        if _is_sequence(item):
            stack.extend(item)
        elif isinstance(item, (str, bytes)):
            return TypeError(f"new(): invalid data type '{type(item).__name__}'{_DATA_HINT}")
        elif not _is_number(item):
            return RuntimeError(f"Could not infer dtype of {type(item).__name__}{_DATA_HINT}")
        elif isinstance(item, int) and not -2**63 <= item < 2**63:
            return ValueError(f"Overflow when unpacking long: {item} does not fit in int64; "
                              "use a float (e.g. float(value)) or a smaller number")
    return _ragged_error(data)


def _ragged_error(data):
    """The first dimension whose elements disagree with the first element's length."""
    level, depth = [data], 0
    while level:
        first = level[0]
        if _is_sequence(first):
            for item in level:
                if not _is_sequence(item):
                    return TypeError(f"not a sequence: expected a sequence of length {len(first)} at dim "
                                     f"{depth} (got {type(item).__name__}); every row must have the same length")
                if len(item) != len(first):
                    return ValueError(f"expected sequence of length {len(first)} at dim {depth} (got {len(item)})"
                                      "; every row must have the same length")
        else:
            bad = next((item for item in level if _is_sequence(item)), None)
            if bad is not None:
                kind = type(bad).__name__
                message = (f"must be real number, not {kind}" if isinstance(first, float) else
                           f"'{kind}' object cannot be interpreted as an integer")
                return TypeError(f"{message}: dim {depth - 1} mixes numbers and sequences; every row must "
                                 "have the same length")
            break
        level = [child for item in level for child in item]
        depth += 1
    return ValueError("could not build a tensor from this nested data; check that every row has the same length")


def _unwrap(data):
    """Tensors inside lists become arrays, so NumPy can stack them."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap(item) for item in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "or sourceTensor.clone().detach().requires_grad_(True), rather than "
                      "ember.tensor(sourceTensor).", UserWarning, stacklevel=2)
        array = data._data.copy()
    elif isinstance(data, xp.ndarray):
        array = data.copy()
    else:
        data = _unwrap(data)
        try:
            array = xp.array(data)
        except (ValueError, TypeError, OverflowError):
            raise _data_error(data) from None
        if array.dtype == object or array.dtype.kind in "USV":
            raise _data_error(data)
        if dtype is not None:
            pass  # Python floats go straight to the requested dtype, as in torch (no float32 detour)
        elif array.dtype == xp.float64 and not _has_float64_array(data):
            array = array.astype(_dtype.get_default_dtype().numpy)
        elif array.dtype == xp.complex128 and not _has_float64_array(data):
            array = array.astype(_dtype.default_complex().numpy)
    _dtype.from_numpy_dtype(array.dtype)  # rejects dtypes ember does not have (e.g. uint32)
    if dtype is not None:
        array = array.astype(dtype.numpy, copy=False)
    return _finish(array, requires_grad, device)


def _has_float64_array(data):
    if isinstance(data, (list, tuple)):
        return any(_has_float64_array(item) for item in data)
    return getattr(data, "dtype", None) in (xp.float64, xp.complex128)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    if isinstance(data, xp.ndarray) and (dtype is None or dtype.numpy == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with `array`: changes to one show in the other."""
    if not isinstance(array, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return make_tensor(array)


def _filled(fill, size, dtype, requires_grad, device):
    return _finish(fill(_size(size), dtype=_numpy_dtype(dtype)), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(xp.zeros, size, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(xp.ones, size, dtype, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled(xp.empty, size, dtype, requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """Filled with `fill_value`; the dtype follows the value (bool, int64 or the default float)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = dtype or _dtype.scalar_dtype(fill_value)
    return _finish(xp.full(_size((size,)), fill_value, dtype=dtype.numpy), requires_grad, device)


def _like(fill, input, dtype, requires_grad):
    return _finish(fill(input._data.shape, dtype=(dtype or input.dtype).numpy), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.zeros, input, dtype, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.ones, input, dtype, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.empty, input, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(xp.full(input._data.shape, fill_value, dtype=(dtype or input.dtype).numpy), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """[start, end) in steps; int64 when all arguments are ints, else the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (value.item() if isinstance(value, Tensor) else value for value in (start, end, step))
    if dtype is None:
        is_integral = all(isinstance(value, int) for value in (start, end, step))
        dtype = _dtype.int64 if is_integral else _dtype.get_default_dtype()
    _check_range(start, end, step)
    if dtype.category < _dtype.FLOATING:
        values = _integer_range(start, end, step, dtype)
    else:
        values = start + xp.arange(max(math.ceil((end - start) / step), 0), dtype=xp.float64) * step
    return _finish(values.astype(dtype.numpy), requires_grad, device)


def _check_range(start, end, step):
    if step == 0:
        raise RuntimeError("step must be nonzero: pass a positive step to count up or a negative one to count down")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and lower bound inconsistent with step sign: arange({start}, {end}, "
                           f"{step}) counts away from its end; use a {'negative' if step > 0 else 'positive'} "
                           "step or swap start and end")


def _integer_range(start, end, step, dtype):
    """torch's integer arange: start and step are truncated to integers first. int64 also
    truncates `end` to count the values; smaller integer types count from the exact numbers."""
    whole_start, whole_end, whole_step = int(start), int(end), int(step)
    if dtype is _dtype.int64:
        if whole_step == 0:
            raise ValueError(f"step must be nonzero: the step {step} becomes 0 in {dtype!r}; use a step of at "
                             "least 1 for an integer dtype")
        count = -((whole_start - whole_end) // whole_step)  # ceil division, exact for big integers
    else:
        count = math.ceil((end - start) / step)
    return whole_start + xp.arange(max(count, 0), dtype=xp.int64) * whole_step


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, filled from both ends as torch does."""
    start, end = (value.item() if isinstance(value, Tensor) else value for value in (start, end))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < _dtype.FLOATING:  # torch converts the ends to the integer dtype first
        start, end = int(start), int(end)
    if steps == 1:
        values = xp.full(1, start, dtype=xp.float64)  # a single step is `start`, as in torch
    else:
        index = xp.arange(steps, dtype=xp.float64)
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        values = xp.where(index < steps // 2, start + step * index, end - step * (steps - 1 - index))
    if dtype.category < _dtype.FLOATING:
        values = xp.trunc(values)
    return _finish(values.astype(dtype.numpy), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    exponents = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(xp.power(base, exponents).astype(_numpy_dtype(dtype)), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}; eye(n, m) makes an n x m matrix, "
                               "so both sizes must be 0 or more")
    return _finish(xp.eye(n, n if m is None else m, dtype=_numpy_dtype(dtype)), requires_grad, device)


# -- random --------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1). Seeded by ember.manual_seed; the numbers are NumPy's, not torch's."""
    dtype = dtype or _dtype.get_default_dtype()
    values = numpy_rng(generator).random(_size(size), dtype=xp.float64 if dtype is _dtype.float64 else xp.float32)
    return _finish(values.astype(dtype.numpy, copy=False), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples. Seeded by ember.manual_seed; the numbers are NumPy's, not torch's."""
    dtype = dtype or _dtype.get_default_dtype()
    values = numpy_rng(generator).standard_normal(
        _size(size), dtype=xp.float64 if dtype is _dtype.float64 else xp.float32)
    return _finish(values.astype(dtype.numpy, copy=False), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high); randint(high, size) and randint(low, high, size) as in torch."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None or high is None:
        raise TypeError("randint() needs `high` and `size`, e.g. ember.randint(0, 10, (3,))")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}; "
                           "randint draws from [low, high), so high must be larger than low")
    values = numpy_rng(generator).integers(low, high, size=_size((size,)), dtype=xp.int64)
    return _finish(values.astype(_numpy_dtype(dtype, _dtype.int64), copy=False), requires_grad, device)


def rand_like(input, *, dtype=None, requires_grad=False, generator=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, requires_grad=False, generator=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False, generator=None):
    if high is None:  # randint_like(input, high)
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                   generator=generator)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    values = numpy_rng(generator).permutation(n)
    return _finish(values.astype(_numpy_dtype(dtype, _dtype.int64)), requires_grad, device)
