"""The rarer factories, with torch's signatures, dtypes and device=: triangle indices, signal windows,
empty tensors with given strides or a permuted memory order, scalar_tensor, poisson; and out= for
the common factories (``torch.zeros(2, 3, out=t)``).

As in ember._creation, values are made on the host and moved to the device (windows are computed
in float64 and rounded to their dtype once, where torch computes in the dtype itself: float16 and
bfloat16 windows can differ from torch's in the last bit).
"""
import math

from . import _creation, _dtype
from ._backend import as_strided, like, to_host, xp
from ._creation import _finish, _size
from ._ops._registry import defop
from ._ops.pointwise import _zero_gradient
from ._random import numpy_rng
from ._tensor import Tensor, bump_version, make_tensor


# -- out= for the factories --------------------------------------------------------------------------
def _with_out(function):
    """function, also taking out=: the values go into `out` (resized to the result's shape without a
    warning, as torch's factories resize), in out's dtype and on out's device."""
    def factory(*args, out=None, **kwargs):
        if out is None:
            return function(*args, **kwargs)
        name = function.__name__
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        dtype = kwargs.pop("dtype", None)
        if dtype is not None and dtype is not out.dtype:
            raise RuntimeError(f"dtype {_dtype.scalar_type_name(dtype)} does not match dtype of out parameter "
                               f"({_dtype.scalar_type_name(out.dtype)}); leave dtype= out, or pass an out of "
                               f"that dtype")
        if kwargs.get("requires_grad") or out.requires_grad:
            raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        kwargs["device"] = out.device if kwargs.get("device") is None else kwargs["device"]
        result = function(*args, dtype=out.dtype, **kwargs)
        if out.shape == result.shape and out.device == result.device:
            out._data[...] = result._data
        else:
            out._data = result._data
        bump_version(out)
        return out
    factory.__name__ = factory.__qualname__ = function.__name__
    factory.__doc__ = function.__doc__
    factory.__wrapped__ = function
    return factory


OUT_FACTORIES = ("zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye", "rand", "randn",
                 "randint", "randperm")
globals().update({name: _with_out(getattr(_creation, name)) for name in OUT_FACTORIES})


# -- triangles ---------------------------------------------------------------------------------------
def _triangle_indices(name, row, col, offset, dtype, device, lower):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    dtype = dtype or _dtype.int64
    if dtype not in (_dtype.int64, _dtype.int32):
        raise NotImplementedError(f'"{name}" not implemented for \'{_dtype.scalar_type_name(dtype)}\' (ask for '
                                  'dtype=torch.long or torch.int32)')
    rows, cols = xp.indices((row, col)).reshape(2, -1)
    keep = cols - rows <= offset if lower else cols - rows >= offset
    return _finish(xp.stack([rows[keep], cols[keep]]).astype(dtype.numpy), device=device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) indices of the lower triangle of a row x col matrix, row by row (2 x N)."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) indices of the upper triangle of a row x col matrix, row by row (2 x N)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)


# -- one number ----------------------------------------------------------------------------------------
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A 0-d tensor holding the number `s`, of the default float dtype unless dtype= says otherwise."""
    if isinstance(s, Tensor):
        s = s.item()
    dtype = dtype or _dtype.get_default_dtype()
    if isinstance(s, complex) and not dtype.is_complex:
        raise RuntimeError(f"value cannot be converted to type {_dtype.scalar_type_name(dtype).lower()} without "
                           "overflow (a complex number needs a complex dtype)")
    return _finish(_dtype.filled_array((), s, dtype=dtype.numpy), requires_grad, device)


# -- signal windows ----------------------------------------------------------------------------------
def _window(name, window_length, periodic, dtype, device, requires_grad, values):
    """A window of `window_length` points from values(n, N) (float64 on the host; N the symmetric
    length); periodic windows are the symmetric ones of one point more, last point dropped."""
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dtype = dtype or _dtype.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype} (pass dtype=torch.float32 or "
                           "another floating dtype)")
    if window_length <= 1:
        array = xp.ones(window_length)
    else:
        length = window_length + 1 if periodic else window_length
        array = values(xp.arange(length, dtype=xp.float64), length)[:window_length]
    return _finish(_dtype.cast_array(array, dtype.numpy), requires_grad, device)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False, layout=None, pin_memory=False):
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: alpha - beta * xp.cos(2 * math.pi * n / (N - 1)))


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None,
                pin_memory=False):
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: 0.5 - 0.5 * xp.cos(2 * math.pi * n / (N - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None,
                    pin_memory=False):
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: 0.42 - 0.5 * xp.cos(2 * math.pi * n / (N - 1))
                   + 0.08 * xp.cos(4 * math.pi * n / (N - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False, layout=None,
                    pin_memory=False):
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, N: 1 - xp.abs(2 * n / (N - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False,
                  layout=None, pin_memory=False):
    def values(n, N):
        middle = (N - 1) / 2
        return xp.i0(beta * xp.sqrt(xp.clip(1 - ((n - middle) / middle) ** 2, 0, None))) / xp.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, values)


# -- empty tensors with a memory order -----------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor whose memory is laid out with the given strides (in elements)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    size = _size((size,))
    if any(step < 0 for step in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)} "
                           "(strides must be 0 or more)")
    elements = 0 if 0 in size else 1 + sum((length - 1) * step for length, step in zip(size, stride))
    storage = _creation.empty(elements, dtype=dtype, device=device)._data
    array = as_strided(storage, size, tuple(step * storage.itemsize for step in stride))
    return _finish_leaf(array, requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, device=None, requires_grad=False, layout=None,
                   pin_memory=False):
    """An uninitialised tensor of shape `size` whose dims lie in memory in the order physical_layout
    (outermost first): empty_permuted((N, C, H, W), (0, 2, 3, 1)) is channels-last."""
    size, order = _size((size,)), tuple(physical_layout)
    if len(size) != len(order):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}")
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"Duplicate dim not allowed (physical_layout {list(order)} must order the dims 0 to "
                           f"{len(size) - 1}, each once)")
    physical = _creation.empty([size[dim] for dim in order], dtype=dtype, device=device)._data
    inverse = sorted(range(len(order)), key=order.__getitem__)
    return _finish_leaf(physical.transpose(inverse), requires_grad)


def _finish_leaf(array, requires_grad):
    tensor = make_tensor(array)
    return tensor.requires_grad_() if requires_grad else tensor


# -- poisson -------------------------------------------------------------------------------------------
def _poisson_forward(rates, *, generator=None):
    host = to_host(rates)
    if rates.dtype.kind not in "fV":
        name = _dtype.scalar_type_name(_dtype.from_numpy_dtype(rates.dtype))
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{name}\' (pass float rates)')
    if not xp.all(host >= 0):  # NaN fails too
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    try:
        draws = numpy_rng(generator).poisson(host.astype(xp.float64))
    except ValueError as error:  # NumPy's limit on the rate
        raise RuntimeError(f"invalid Poisson rate: {error} (the rates must be finite)") from None
    return like(draws.astype(rates.dtype), rates)


_poisson_row = defop("poisson", "PoissonBackward0", _poisson_forward, _zero_gradient)


def poisson(input, generator=None):
    """Draws from Poisson(rate) for each rate in `input`, drawn on the host (see ember._creation);
    the gradient is 0, as torch's."""
    return _poisson_row(input, generator=generator)


__all__ = [*OUT_FACTORIES, "tril_indices", "triu_indices", "scalar_tensor", "hamming_window", "hann_window",
           "blackman_window", "bartlett_window", "kaiser_window", "empty_strided", "empty_permuted", "poisson"]
