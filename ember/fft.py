"""ember.fft: torch.fft's transforms on NumPy's pocketfft, with torch's dtypes and norm modes.

A float32 (or integer) input transforms in complex64, float64 in complex128, as torch. Every transform
differentiates, in torch's convention for complex gradients (ember/_fft_grad.py), and so do .real, .imag,
abs(), conj() and fftshift/ifftshift of their complex results; other ops refuse complex inputs that
require grad with NotImplementedError.
"""
import numpy as np

from . import _fft_grad as _grad
from ._creation import arange
from ._dtype import get_default_dtype
from ._tensor import Tensor

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "forward", "ortho")


def _prepare(name, input, norm, real_input):
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    data = input._data
    if data.dtype.kind in "biu":
        data = data.astype(get_default_dtype().numpy)
    if data.dtype == np.float16:
        raise RuntimeError(f"Unsupported dtype Half: ember computes fft.{name} in float32 or float64; "
                           "convert with .float() first")
    if real_input and data.dtype.kind == "c":
        raise RuntimeError(f"{name} expects a real input tensor, but got {input.dtype}")
    return data


def _complex_dtype(data):
    return np.complex128 if data.dtype in (np.float64, np.complex128) else np.complex64


def _real_dtype(data):
    return np.float64 if data.dtype in (np.float64, np.complex128) else np.float32


def _check_dims(data, dims):
    for dim in dims:
        if not -max(data.ndim, 1) <= dim < max(data.ndim, 1) or data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions" if data.ndim == 0 else
                             f"Dimension out of range (expected to be in range of [{-data.ndim}, {data.ndim - 1}], "
                             f"but got {dim})")


# kind: what the transform maps (c2c, r2c: real in and one-sided out, c2r: one-sided in and real out,
# and hfft/ihfft, which are c2r/r2c of the conjugate); numpy_fn: NumPy's n-D form; result_dtype
_KINDS = {
    "fft": ("c2c", np.fft.fftn, _complex_dtype), "ifft": ("c2c", np.fft.ifftn, _complex_dtype),
    "rfft": ("r2c", np.fft.rfftn, _complex_dtype), "irfft": ("c2r", np.fft.irfftn, _real_dtype),
    "hfft": ("hfft", None, _real_dtype), "ihfft": ("ihfft", None, _complex_dtype),
}
_INVERSE = {"fft": np.fft.ifftn, "ifft": np.fft.fftn}


def _transform(name, base, input, sizes, dims, norm, one_dim):
    """One transform over dims; sizes (None entries: the input's) as n= or s= ask."""
    kind, numpy_fn, result_dtype = _KINDS[base]
    data = _prepare(name, input, norm, kind in ("r2c", "ihfft"))
    _check_dims(data, dims)
    norm = norm or "backward"
    axes = tuple(dim % data.ndim for dim in dims)
    input_sizes = tuple(data.shape[axis] for axis in axes)
    if kind in ("c2r", "hfft"):  # the output's last length: 2 (m - 1) for an m-long one-sided input
        default = input_sizes[:-1] + (2 * (input_sizes[-1] - 1),)
    else:
        default = input_sizes
    sizes = tuple(d if s is None or s == -1 else int(s) for s, d in zip(sizes, default)) if sizes else default
    if kind == "hfft":  # hfft(x) = irfft(conj(x)) with the swapped norm (NumPy's and torch's definition)
        out = np.fft.irfftn(np.conj(data), s=sizes, axes=axes, norm=_grad.DUAL[norm])
        adjoint = _grad.c2r_adjoint(axes, sizes, input_sizes, _grad.DUAL[norm])
        node, adjoint = _grad.C2R, (lambda g, inner=adjoint: np.conj(inner(g)))
    elif kind == "ihfft":  # ihfft(x) = conj(rfft(x)) with the swapped norm
        out = np.conj(np.fft.rfftn(data, s=sizes, axes=axes, norm=_grad.DUAL[norm]))
        inner = _grad.r2c_adjoint(axes, sizes, input_sizes, _grad.DUAL[norm])
        node, adjoint = _grad.CONJ, (lambda g: inner(np.conj(g)))
    else:
        out = numpy_fn(data, s=sizes, axes=axes, norm=norm)
        if kind == "c2c":
            adjoint = _grad.c2c_adjoint(_INVERSE[base], axes, sizes, input_sizes, norm)
            node = _grad.R2C if one_dim and data.dtype.kind != "c" else _grad.C2C
        elif kind == "r2c":
            adjoint, node = _grad.r2c_adjoint(axes, sizes, input_sizes, norm), _grad.R2C
        else:
            adjoint, node = _grad.c2r_adjoint(axes, sizes, input_sizes, norm), _grad.C2R
    return _grad.record(input, np.asarray(out, dtype=result_dtype(data)), node, adjoint)


def _one_dim(name):
    def transform(input, n=None, dim=-1, norm=None, *, out=None):
        return _transform(name, name, input, (n,), (dim,), norm, True)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"torch.fft.{name}: NumPy's pocketfft with torch's dtypes, differentiable."
    return transform


def _many_dims(name, base, default_dims):
    def transform(input, s=None, dim=default_dims, norm=None, *, out=None):
        if not isinstance(input, Tensor):
            _prepare(name, input, norm, False)
        dims = tuple(range(-len(s), 0)) if dim is None and s is not None else dim
        dims = tuple(range(input.ndim)) if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
        if s is not None and len(s) != len(dims):
            raise RuntimeError(f"When given, dim and shape arguments must have the same length; got s={list(s)} "
                               f"and dim={list(dims)}")
        return _transform(name, base, input, tuple(s) if s is not None else (), dims, norm, False)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"torch.fft.{name}: NumPy's pocketfft with torch's dtypes, differentiable."
    return transform


fft, ifft, rfft, irfft, hfft, ihfft = (_one_dim(name) for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"))
fft2 = _many_dims("fft2", "fft", (-2, -1))
ifft2 = _many_dims("ifft2", "ifft", (-2, -1))
rfft2 = _many_dims("rfft2", "rfft", (-2, -1))
irfft2 = _many_dims("irfft2", "irfft", (-2, -1))
fftn = _many_dims("fftn", "fft", None)
ifftn = _many_dims("ifftn", "ifft", None)
rfftn = _many_dims("rfftn", "rfft", None)
irfftn = _many_dims("irfftn", "irfft", None)


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, **_):
    """The sample frequencies of an n-point transform: [0, 1, ..., n/2-1, -n/2, ..., -1] / (d n)."""
    positive = (n - 1) // 2 + 1
    order = np.concatenate([np.arange(positive), np.arange(-(n // 2), 0)])
    return _frequencies(order / (d * n), dtype, requires_grad, device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, **_):
    """The non-negative sample frequencies of rfft: [0, 1, ..., n/2] / (d n)."""
    return _frequencies(np.arange(n // 2 + 1) / (d * n), dtype, requires_grad, device)


def _frequencies(values, dtype, requires_grad, device):
    dtype = dtype or get_default_dtype()  # computed on the host (n values), made on `device`
    return arange(0).new_tensor(values, dtype=dtype, device=device, requires_grad=requires_grad)


def _shift(input, dim, sign):
    dims = tuple(range(input.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    shifts = tuple(sign * (input.shape[d] // 2) for d in dims)
    if input._data.dtype.kind == "c" and input._requires_grad:  # a spectrum: the roll's adjoint rolls back
        axes = tuple(d % input.ndim for d in dims)
        back = tuple(-shift for shift in shifts)
        return _grad.record(input, np.roll(input._data, shifts, axes), _grad.ROLL,
                            lambda g: np.roll(g, back, axes))
    return input.roll(shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the centre (a roll by n // 2 along each dim; differentiable)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """fftshift's inverse (a roll by -(n // 2))."""
    return _shift(input, dim, -1)
