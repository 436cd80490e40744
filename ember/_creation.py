"""Creating tensors: from data, filled, ranges, and random; torch's signatures and dtypes.

Python floats become the default dtype (float32), ints int64 and bools bool, as in torch;
NumPy arrays keep their dtype.
"""
import math
import warnings

from . import _dtype
from ._backend import xp
from ._random import numpy_rng
from ._tensor import Size, Tensor, _check_can_require_grad, device as _device, make_tensor


def _finish(array, requires_grad=False, device=None):
    if device is not None:
        _device(device)  # only the CPU exists; anything else raises a clear error
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
            raise RuntimeError(f"Trying to create tensor with negative dimension {int(length)}: {list(size)}")
    return tuple(int(length) for length in size)


def _numpy_dtype(dtype, default=None):
    return (dtype or default or _dtype.get_default_dtype()).numpy


def _ragged_error(data, depth=0):
    """torch's message for nested lists of uneven length, found by walking the lists."""
    level = [data]
    while level:
        lengths = {len(item) for item in level if isinstance(item, (list, tuple))}
        if len(lengths) > 1 or (lengths and any(not isinstance(item, (list, tuple)) for item in level)):
            first = next(item for item in level if isinstance(item, (list, tuple)))
            bad = next(item for item in level if not isinstance(item, (list, tuple)) or len(item) != len(first))
            got = len(bad) if isinstance(bad, (list, tuple)) else type(bad).__name__
            return ValueError(f"expected sequence of length {len(first)} at dim {depth} (got {got})")
        level = [child for item in level if isinstance(item, (list, tuple)) for child in item]
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
        try:
            array = xp.array(_unwrap(data))
        except ValueError:
            raise _ragged_error(data) from None
        if array.dtype == object or array.dtype.kind in "USV":
            raise TypeError(f"can't convert data of type {type(data).__name__} to a tensor: expected numbers, "
                            "nested lists of numbers, NumPy arrays or tensors")
        if array.dtype == xp.float64 and not _has_float64_array(data):
            array = array.astype(_dtype.get_default_dtype().numpy)
        elif array.dtype == xp.complex128:
            array = array.astype(_dtype.default_complex().numpy)
    _dtype.from_numpy_dtype(array.dtype)  # rejects dtypes ember does not have (e.g. uint32)
    if dtype is not None:
        array = array.astype(dtype.numpy, copy=False)
    return _finish(array, requires_grad, device)


def _has_float64_array(data):
    if isinstance(data, (list, tuple)):
        return any(_has_float64_array(item) for item in data)
    return getattr(data, "dtype", None) in (xp.float64, _dtype.float64)


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


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _filled(xp.zeros, size, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
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
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_integral = all(isinstance(value, int) for value in (start, end, step))
        dtype = _dtype.int64 if is_integral else _dtype.get_default_dtype()
    count = max(math.ceil((end - start) / step), 0)
    values = start + xp.arange(count, dtype=xp.float64 if dtype.category >= _dtype.FLOATING else xp.int64) * step
    return _finish(values.astype(dtype.numpy), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, filled from both ends as torch does."""
    start, end = (value.item() if isinstance(value, Tensor) else value for value in (start, end))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dtype.get_default_dtype()
    index = xp.arange(steps, dtype=xp.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    halfway = steps // 2
    values = xp.where(index < halfway, start + step * index, end - step * (steps - 1 - index))
    if dtype.category < _dtype.FLOATING:
        values = xp.trunc(values)
    return _finish(values.astype(dtype.numpy), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    exponents = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(xp.power(base, exponents).astype(_numpy_dtype(dtype)), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
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
    values = numpy_rng(generator).integers(low, high, size=_size((size,)), dtype=xp.int64)
    return _finish(values.astype(_numpy_dtype(dtype, _dtype.int64), copy=False), requires_grad, device)


def rand_like(input, *, dtype=None, requires_grad=False, generator=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, requires_grad=False, generator=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False, generator=None):
    return randint(low, high, input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                   generator=generator)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    values = numpy_rng(generator).permutation(n)
    return _finish(values.astype(_numpy_dtype(dtype, _dtype.int64)), requires_grad, device)
