"""ember.fft against torch.fft: values, dtypes, sizes, norm modes, shifts (with gradients) and errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
MANY_DIMS = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]


def _same(e, t, tol):
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.resolve_conj().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12), (np.complex64, 2e-5),
                                        (np.int64, 2e-5)])
@pytest.mark.parametrize("norm", [None, "forward", "ortho"])
@pytest.mark.parametrize("name", ONE_DIM)
def test_one_dimensional_transforms(name, norm, dtype, tol):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5)) * 3).astype(dtype) if dtype is not np.complex64 else (
        rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))).astype(dtype)
    for kwargs in ({}, {"n": 8}, {"dim": 0}, {"n": 4, "dim": 0}):
        call = lambda lib: getattr(lib.fft, name)(lib.tensor(x), norm=norm, **kwargs)  # noqa: E731
        try:
            expected = call(torch)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                call(ember)
            continue
        _same(call(ember), expected, tol)


@pytest.mark.parametrize("name", MANY_DIMS)
@pytest.mark.parametrize("kwargs", [{}, {"dim": (0, 2)}, {"s": (4, 6)}, {"dim": 1}, {"s": (3,), "dim": (0,)}])
def test_multi_dimensional_transforms(name, kwargs):
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    if name.endswith("2") and isinstance(kwargs.get("dim"), int):
        kwargs = {"dim": (0, 1)}
    _same(getattr(ember.fft, name)(ember.tensor(x), **kwargs), getattr(torch.fft, name)(torch.tensor(x), **kwargs),
          5e-5)


def test_frequencies_and_shifts():
    for n, d in ((5, 1.0), (6, 0.5), (1, 2.0)):
        _same(ember.fft.fftfreq(n, d), torch.fft.fftfreq(n, d), 1e-7)
        _same(ember.fft.rfftfreq(n, d), torch.fft.rfftfreq(n, d), 1e-7)
    _same(ember.fft.fftfreq(4, dtype=ember.float64), torch.fft.fftfreq(4, dtype=torch.float64), 0)
    x = np.arange(30.0).reshape(5, 6)
    for dim in (None, 0, (1,), (0, 1)):
        _same(ember.fft.fftshift(ember.tensor(x), dim), torch.fft.fftshift(torch.tensor(x), dim), 0)
        _same(ember.fft.ifftshift(ember.tensor(x), dim), torch.fft.ifftshift(torch.tensor(x), dim), 0)
    a = ember.tensor(x, requires_grad=True)
    shifted = ember.fft.fftshift(a)
    assert shifted.grad_fn.name() == torch.fft.fftshift(torch.tensor(x, requires_grad=True)).grad_fn.name()
    (shifted * ember.tensor(x)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.fft.ifftshift(x))


def test_errors_match_torch():
    for call in (lambda L: L.fft.fft(L.randn(4), norm="bad"),
                 lambda L: L.fft.fft(L.tensor(1.0)),
                 lambda L: L.fft.rfft(L.randn(4, dtype=L.complex64)),
                 lambda L: L.fft.fft(L.randn(4), dim=3)):
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(type(expected.value)):
            call(ember)
    with pytest.raises(NotImplementedError, match="complex"):  # the spectrum differentiates; a sum of it not yet
        ember.fft.fft(ember.randn(4, requires_grad=True)).sum()
