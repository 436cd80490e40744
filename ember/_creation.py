"""Creating tensors: from data, filled, ranges, and random; torch's signatures and dtypes.

Python floats become the default dtype (float32), ints int64 and bools bool, as in torch;
NumPy arrays keep their dtype.
"""
import math
import warnings

from . import _dtype, _tensor
from ._backend import is_array, to_device, to_host, xp
from ._ops._errors import allocates, allocation_error, check_fits, overflow_when_unpacking
from ._random import numpy_rng
from ._tensor import Size, Tensor, _check_can_require_grad, make_tensor, placement


def _finish(array, requires_grad=False, device=None):
    """The tensor of a host array made by a factory, moved to `device` (the default device when None):
    values, random ones included, are made on the host, so a seeded program draws the same numbers
    on every device."""
    if device is not None or _tensor.default_device is not _tensor.CPU:
        where = placement(device)
        if where != "cpu":
            array = to_device(array, where)
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
    if len(size) > 64:
        from ._ops._errors import too_many_dims
        raise too_many_dims(len(size))
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
            return ValueError(f"Overflow when unpacking long long: {item} does not fit in int64; "
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
    if depth > 64:  # rows of equal length, nested past NumPy's limit
        from ._ops._errors import too_many_dims
        return too_many_dims(depth)
    return ValueError("could not build a tensor from this nested data; check that every row has the same length")


def _unwrap(data):
    """Tensors inside lists become arrays, so NumPy can stack them."""
    if isinstance(data, Tensor):
        return to_host(data._data)
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
        if device is None:
            device = data.device
    elif isinstance(data, xp.ndarray):
        array = data.copy()
    elif is_array(data):  # a CuPy array: it stays where it is unless told
        array = data.copy()
        device = "cuda" if device is None else device
    else:
        try:
            data = _unwrap(data)
            array = xp.array(data)
        except RecursionError:  # a list that contains itself, or nested past any sensible depth
            raise ValueError("too many dimensions 'list': the nested lists are deeper than a tensor may be "
                             "(64 dimensions), or a list contains itself") from None
        except (ValueError, TypeError, OverflowError):
            raise _data_error(data) from None
        if array.dtype == object or array.dtype.kind in "USV":
            raise _data_error(data)
        if array.dtype == xp.float64 and _has_int_past_int64(data):
            raise overflow_when_unpacking(data)
        if dtype is not None:  # Python floats go straight to the requested dtype, as in torch (no float32 detour)
            check_fits(array, dtype.numpy, dtype.numpy.name)
        elif array.dtype == xp.float64 and not _has_float64_array(data):
            array = array.astype(_dtype.get_default_dtype().numpy)
        elif array.dtype == xp.complex128 and not _has_float64_array(data):
            array = array.astype(_dtype.default_complex().numpy)
    _dtype.from_numpy_dtype(array.dtype)  # rejects dtypes ember does not have (e.g. uint32)
    if dtype is not None:
        array = _dtype.cast_array(array, dtype.numpy, copy=False)
    return _finish(array, requires_grad, device)


def _has_int_past_int64(data):
    """Only ints, one of them outside int64 (NumPy made the list float64; torch refuses it)."""
    stack, past = [data], False
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif type(item) is int:
            past = past or not -(1 << 63) <= item < (1 << 63)
        elif type(item) is not bool:
            return False  # a float (or an array): the list is float64 in torch too
    return past


def _has_float64_array(data):
    if isinstance(data, (list, tuple)):
        return any(_has_float64_array(item) for item in data)
    return getattr(data, "dtype", None) in (xp.float64, xp.complex128)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if is_array(data) and (dtype is None or dtype.numpy == data.dtype) and device is None:
        return _finish(from_numpy(data)._data) if isinstance(data, xp.ndarray) else make_tensor(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with `array`: changes to one show in the other."""
    if not isinstance(array, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return make_tensor(array)


def _filled(fill, size, dtype, requires_grad, device):
    size = _size(size)
    try:
        array = fill(size, dtype=_numpy_dtype(dtype))
    except (ValueError, MemoryError) as error:  # torch's RuntimeError, not NumPy's classes
        converted = allocation_error(error, size)
        if converted is None:
            raise
        raise converted from None
    return _finish(array, requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(xp.zeros, size, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(xp.ones, size, dtype, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _filled(xp.empty, size, dtype, requires_grad, device)


@allocates
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """Filled with `fill_value`; the dtype follows the value (bool, int64 or the default float)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = dtype or _dtype.scalar_dtype(fill_value)
    check_fits(fill_value, dtype.numpy)
    return _finish(_dtype.filled_array(_size((size,)), fill_value, dtype=dtype.numpy), requires_grad, device)


@allocates
def _like(fill, input, dtype, requires_grad, device, *fill_value):
    """A new tensor shaped like `input`, on input's device unless `device` says otherwise."""
    return _finish(fill(input._data.shape, *fill_value, dtype=(dtype or input.dtype).numpy), requires_grad,
                   input.device if device is None else device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.zeros, input, dtype, requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.ones, input, dtype, requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(xp.empty, input, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    check_fits(fill_value, (dtype or input.dtype).numpy)
    return _like(_dtype.filled_array, input, dtype, requires_grad, device, fill_value)


@allocates
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
    else:  # start + i * step in float64, as torch computes it, a block at a time: no float64 transient
        count = max(math.ceil((end - start) / step), 0)
        work = xp.float64
        if dtype is _dtype.bfloat16:  # torch rounds start to bfloat16, then computes in float32
            work, start = xp.float32, _as_bfloat16(start)
        values = xp.empty(count, dtype=dtype.numpy)
        for begin in range(0, count, _BLOCK):
            index = xp.arange(begin, min(begin + _BLOCK, count), dtype=work)
            values[begin:begin + _BLOCK] = start + index * step
    return _finish(values.astype(dtype.numpy, copy=False), requires_grad, device)


_BLOCK = 1 << 16


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


def _as_bfloat16(value):
    """A Python number rounded to bfloat16 (through float32, as torch), as a float."""
    return float(_dtype.cast_array(xp.asarray(value), _dtype.BFLOAT16_NUMPY).astype(xp.float32))


@allocates
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, filled from both ends as torch does."""
    start, end = (value.item() if isinstance(value, Tensor) else value for value in (start, end))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < _dtype.FLOATING:  # torch converts the ends to the integer dtype first
        start, end = int(start), int(end)
    # float32 and float64 are computed in their own dtype, as torch's kernel does (and without a
    # float64 transient); others in float64, then cast
    work = xp.dtype(dtype.numpy if dtype.numpy in (xp.float32, xp.float64) else xp.float64)
    _check_fits_float(start, end, work)
    if steps == 1:
        values = xp.full(1, start, dtype=work)  # a single step is `start`, as in torch
    else:
        index = xp.arange(steps, dtype=work)
        step = work.type((end - start) / (steps - 1))
        values = xp.where(index < steps // 2, work.type(start) + step * index,
                          work.type(end) - step * (steps - 1 - index))
    if dtype.category < _dtype.FLOATING:
        values = xp.trunc(values)
    return _finish(_dtype.cast_array(values, dtype.numpy, copy=False), requires_grad, device)


def _check_fits_float(start, end, dtype):
    """torch's RuntimeError for an end past the float dtype's range (NumPy would warn and give inf)."""
    largest = float(xp.finfo(dtype).max)
    for value in (start, end):
        if isinstance(value, float) and math.isfinite(value) and abs(value) > largest:
            raise RuntimeError(f"value cannot be converted to type {xp.dtype(dtype).name.replace('32', '')} without "
                               f"overflow: {value} exceeds the dtype's largest value {largest:g}")


@allocates
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    exponents = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(_dtype.cast_array(xp.power(base, exponents), _numpy_dtype(dtype)), requires_grad, device)


@allocates
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}; eye(n, m) makes an n x m matrix, "
                               "so both sizes must be 0 or more")
    return _finish(xp.eye(n, n if m is None else m, dtype=_numpy_dtype(dtype)), requires_grad, device)


# -- random --------------------------------------------------------------------------------
@allocates
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1). Seeded by ember.manual_seed; the numbers are NumPy's, not torch's."""
    dtype = dtype or _dtype.get_default_dtype()
    values = numpy_rng(generator).random(_size(size), dtype=xp.float64 if dtype is _dtype.float64 else xp.float32)
    return _finish(values.astype(dtype.numpy, copy=False), requires_grad, device)


@allocates
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples. Seeded by ember.manual_seed; the numbers are NumPy's, not torch's."""
    dtype = dtype or _dtype.get_default_dtype()
    values = numpy_rng(generator).standard_normal(
        _size(size), dtype=xp.float64 if dtype is _dtype.float64 else xp.float32)
    return _finish(values.astype(dtype.numpy, copy=False), requires_grad, device)


@allocates
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


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, memory_format=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator,
                device=input.device if device is None else device)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, memory_format=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator,
                device=input.device if device is None else device)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None,
                 memory_format=None):
    if high is None:  # randint_like(input, high)
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad,
                   generator=generator, device=input.device if device is None else device)


@allocates
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    values = numpy_rng(generator).permutation(n)
    return _finish(values.astype(_numpy_dtype(dtype, _dtype.int64)), requires_grad, device)


# -- sampling from distributions -----------------------------------------------------------
def _float_dtype_of(*values):
    for value in values:
        if isinstance(value, Tensor):
            return value.dtype
    return _dtype.get_default_dtype()


@allocates
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """torch's four forms: normal(Tensor, Tensor), normal(Tensor, float), normal(float, Tensor) and
    normal(float, float, size); tensor arguments broadcast, and the result takes their dtype."""
    for value in (mean, std):  # a tensor argument says where the result lives
        if isinstance(value, Tensor) and device is None:
            device = value.device
    mean_data = to_host(mean._data) if isinstance(mean, Tensor) else mean  # drawn on the host, on every device
    std_data = to_host(std._data) if isinstance(std, Tensor) else std
    if xp.any(xp.asarray(std_data) < 0):
        bad = std_data if not isinstance(std, Tensor) else xp.asarray(std_data)[xp.asarray(std_data) < 0].flat[0]
        raise RuntimeError(f"normal expects std >= 0.0, but found std {bad:g}; a standard deviation cannot be "
                           "negative")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        shape = xp.broadcast_shapes(xp.shape(mean_data), xp.shape(std_data))
        dtype = dtype or _float_dtype_of(mean, std)
    else:
        if size is None:
            raise TypeError("normal() with a float mean and std needs a size, e.g. ember.normal(0.0, 1.0, (2, 3))")
        shape, dtype = _size((size,)), dtype or _dtype.get_default_dtype()
    values = numpy_rng(generator).normal(mean_data, std_data, size=shape)
    return _finish(_dtype.cast_array(xp.asarray(values), dtype.numpy), requires_grad, device)


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability p (each element of `input`, or the number `p`), else 0; input's dtype."""
    probabilities = to_host(input._data if p is None else p)  # drawn on the host, on every device
    if xp.any((xp.asarray(probabilities) < 0) | (xp.asarray(probabilities) > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false: bernoulli probabilities must "
                           "lie in [0, 1]")
    draws = numpy_rng(generator).random(input._data.shape) < probabilities
    return _finish(draws.astype(input._data.dtype), device=input.device)


def _check_probabilities(data, num_samples, replacement):
    if data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if data.dtype.kind not in "fV":  # V: bfloat16
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {data.dtype}")
    if not xp.all(xp.isfinite(data)) or xp.any(data < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if xp.any(data.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > data.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got {num_samples})")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn with the given (unnormalised) weights, one row per distribution."""
    host = to_host(input._data)  # drawn on the host, on every device
    data = host.astype(xp.float64)
    _check_probabilities(host, num_samples, replacement)
    rows = data.reshape(-1, data.shape[-1])
    rng = numpy_rng(generator)
    if replacement:  # inverse CDF, every row at once: row r's CDF is shifted by r
        cdf = xp.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        offsets = xp.arange(rows.shape[0])[:, None]
        draws = rng.random((rows.shape[0], num_samples)) + offsets
        picks = xp.searchsorted((cdf + offsets).ravel(), draws.ravel(), side="right").reshape(draws.shape)
        picks = xp.minimum(picks - offsets * rows.shape[1], rows.shape[1] - 1)
    else:  # exponential race: the k smallest Exp(1)/p are a sample without replacement
        with xp.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows
        picks = xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return _finish(picks.reshape(data.shape[:-1] + (num_samples,)).astype(xp.int64), device=input.device)


# -- in-place sampling methods (Tensor.uniform_ ...), bound onto Tensor below ----------------
def _fill_in_place(tensor, values):
    from ._ops.inplace import check_inplace
    from ._tensor import bump_version
    check_inplace(tensor, False)
    if isinstance(tensor._data, xp.ndarray):
        xp.copyto(tensor._data, values, casting="unsafe")
    else:  # drawn on the host, copied to the device
        tensor._data[...] = to_device(xp.asarray(values).astype(tensor._data.dtype), str(tensor.device))
    bump_version(tensor)
    return tensor


def uniform_(self, a=0.0, b=1.0, *, generator=None, **kwargs):
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    return _fill_in_place(self, numpy_rng(generator).uniform(a, b, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return _fill_in_place(self, numpy_rng(generator).normal(mean, std, self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    probabilities = to_host(p._data) if isinstance(p, Tensor) else p
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill_in_place(self, numpy_rng(generator).random(self._data.shape) < probabilities)


def exponential_(self, lambd=1.0, *, generator=None):
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill_in_place(self, numpy_rng(generator).exponential(1.0 / lambd, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill_in_place(self, numpy_rng(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_in_place(self, median + sigma * numpy_rng(generator).standard_cauchy(self._data.shape))


def geometric_(self, p, *, generator=None):
    return _fill_in_place(self, numpy_rng(generator).geometric(p, self._data.shape))


def random_(self, a=None, b=None, *, generator=None, **kwargs):
    """random_() integers in [0, 2**mantissa] (floats) or the dtype's range; random_(to); random_(from, to)."""
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    if a is None:
        low, high = 0, _random_upper(self._data.dtype)
    elif b is None:
        low, high = 0, a
    else:
        low, high = a, b
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _fill_in_place(self, numpy_rng(generator).integers(low, high, self._data.shape, dtype=xp.int64))


def _random_upper(numpy_dtype):
    if numpy_dtype.kind in "fV":  # V: bfloat16
        return 2 ** xp.finfo(numpy_dtype).nmant + 1
    if numpy_dtype.kind == "b":
        return 2
    return int(xp.iinfo(numpy_dtype).max) + 1 if numpy_dtype.itemsize < 8 else 2 ** 63 - 1


for _method in (uniform_, normal_, bernoulli_, exponential_, log_normal_, cauchy_, geometric_, random_):
    setattr(Tensor, _method.__name__, _method)
Tensor.bernoulli = lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: multinomial(
    self, num_samples, replacement, generator=generator)
