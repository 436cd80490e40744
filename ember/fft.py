"""ember.fft: torch.fft's transforms on NumPy's pocketfft, with torch's dtypes and norm modes.

A float32 (or integer) input transforms in complex64, float64 in complex128, as torch. The transforms
answer complex tensors, and ember does not differentiate complex tensors yet, so they refuse inputs
that require grad (with a message that says so); fftshift/ifftshift are rolls and differentiate.
"""
import numpy as np

from ._backend import as_array
from ._creation import arange
from ._dtype import get_default_dtype
from ._tensor import Tensor, make_tensor

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = (None, "backward", "forward", "ortho")


def _prepare(name, input, norm, real_input):
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    if input.requires_grad:
        raise NotImplementedError(f"ember does not differentiate complex tensors yet: fft.{name} answers a complex "
                                  "tensor. detach() the input or compute under ember.no_grad().")
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


def _one_dim(name, numpy_fn, result_dtype, real_input=False):
    def transform(input, n=None, dim=-1, norm=None, *, out=None):
        data = _prepare(name, input, norm, real_input)
        _check_dims(data, (dim,))
        answer = numpy_fn(data, n=n, axis=dim, norm=norm or "backward")
        return make_tensor(as_array(answer, result_dtype(data), like=data))
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"torch.fft.{name}: numpy.fft.{numpy_fn.__name__} with torch's dtypes."
    return transform


def _many_dims(name, numpy_fn, result_dtype, default_dims, real_input=False):
    def transform(input, s=None, dim=default_dims, norm=None, *, out=None):
        data = _prepare(name, input, norm, real_input)
        dims = tuple(range(-len(s), 0)) if dim is None and s is not None else dim
        dims = tuple(range(data.ndim)) if dims is None else (dims,) if isinstance(dims, int) else tuple(dims)
        _check_dims(data, dims)
        answer = numpy_fn(data, s=None if s is None else tuple(s), axes=dims, norm=norm or "backward")
        return make_tensor(as_array(answer, result_dtype(data), like=data))
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"torch.fft.{name}: numpy.fft.{numpy_fn.__name__} with torch's dtypes."
    return transform


fft = _one_dim("fft", np.fft.fft, _complex_dtype)
ifft = _one_dim("ifft", np.fft.ifft, _complex_dtype)
rfft = _one_dim("rfft", np.fft.rfft, _complex_dtype, real_input=True)
irfft = _one_dim("irfft", np.fft.irfft, _real_dtype)
hfft = _one_dim("hfft", np.fft.hfft, _real_dtype)
ihfft = _one_dim("ihfft", np.fft.ihfft, _complex_dtype, real_input=True)
fft2 = _many_dims("fft2", np.fft.fftn, _complex_dtype, (-2, -1))
ifft2 = _many_dims("ifft2", np.fft.ifftn, _complex_dtype, (-2, -1))
rfft2 = _many_dims("rfft2", np.fft.rfftn, _complex_dtype, (-2, -1), real_input=True)
irfft2 = _many_dims("irfft2", np.fft.irfftn, _real_dtype, (-2, -1))
fftn = _many_dims("fftn", np.fft.fftn, _complex_dtype, None)
ifftn = _many_dims("ifftn", np.fft.ifftn, _complex_dtype, None)
rfftn = _many_dims("rfftn", np.fft.rfftn, _complex_dtype, None, real_input=True)
irfftn = _many_dims("irfftn", np.fft.irfftn, _real_dtype, None)


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
    return input.roll(shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the centre (a roll by n // 2 along each dim; differentiable)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """fftshift's inverse (a roll by -(n // 2))."""
    return _shift(input, dim, -1)
