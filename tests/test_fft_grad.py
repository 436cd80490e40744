"""Gradients through ember.fft in torch's convention for complex numbers (ember/_fft_grad.py): against
torch for every transform, norm and n=/s= crop or pad, grad_fn names, gradcheck in float64, and the
NotImplementedError of ops that do not yet follow the convention."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck

RNG = np.random.default_rng(0)
REAL = RNG.standard_normal((4, 6))
COMPLEX = RNG.standard_normal((4, 6)) + 1j * RNG.standard_normal((4, 6))

CASES = {
    "fft_abs": (lambda lib, t: lib.fft.fft(t).abs().sum(), REAL),
    "fft_n8": (lambda lib, t: (lib.fft.fft(t, n=8).abs()**2).sum(), REAL),
    "fft_n3_ortho": (lambda lib, t: lib.fft.fft(t, n=3, norm="ortho").real.sum() + lib.fft.fft(t, n=3).imag.pow(2).sum(), REAL),
    "ifft_fwd": (lambda lib, t: lib.fft.ifft(t, norm="forward").abs().sum(), REAL),
    "rfft_irfft": (lambda lib, t: (lib.fft.irfft(lib.fft.rfft(t)) * lib.arange(6.)).sum(), REAL),
    "rfft_abs": (lambda lib, t: lib.fft.rfft(t, dim=0).abs().sum(), REAL),
    "rfft_n5": (lambda lib, t: lib.fft.rfft(t, n=5).abs().sum(), REAL),
    "irfft_c": (lambda lib, t: (lib.fft.irfft(t, n=9) ** 2).sum(), COMPLEX),
    "irfft_c_default": (lambda lib, t: (lib.fft.irfft(t) * lib.arange(10.)).sum(), COMPLEX),
    "irfft_ortho_n4": (lambda lib, t: (lib.fft.irfft(t, n=4, norm="ortho") ** 2).sum(), COMPLEX),
    "fft2": (lambda lib, t: lib.fft.fft2(t).abs().sum(), REAL),
    "fftn_s": (lambda lib, t: lib.fft.fftn(t, s=(5,3)).abs().sum(), REAL),
    "rfft2": (lambda lib, t: lib.fft.rfft2(t).abs().sum(), REAL),
    "irfft2": (lambda lib, t: (lib.fft.irfft2(t, s=(3,7))**2).sum(), COMPLEX),
    "irfftn": (lambda lib, t: (lib.fft.irfftn(t)*lib.arange(40.).reshape(4,10)).sum(), COMPLEX),
    "ifftn_c": (lambda lib, t: lib.fft.ifftn(t).real.sum() + lib.fft.ifftn(t).imag.abs().sum(), COMPLEX),
    "shift": (lambda lib, t: (lib.fft.fftshift(lib.fft.fft2(t)).abs() * lib.arange(24.).reshape(4,6)).sum(), REAL),
    "conj": (lambda lib, t: (lib.fft.fft(t).conj().imag * lib.arange(6.)).sum(), REAL),
    "hfft": (lambda lib, t: (lib.fft.hfft(t, n=7)**2).sum(), COMPLEX),
    "ihfft": (lambda lib, t: (lib.fft.ihfft(t).imag * lib.arange(4.)).sum() + lib.fft.ihfft(t).abs().sum(), REAL),
    "complex_leaf_abs": (lambda lib, t: t.abs().sum(), COMPLEX),
}


@pytest.mark.parametrize("name", CASES)
def test_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    fn, array = CASES[name]
    grads = []
    for lib in (torch, ember):
        leaf = lib.tensor(array, requires_grad=True)
        loss = fn(lib, leaf)
        loss.backward()
        grads.append((loss.item(), leaf.grad.numpy()))
    (their_loss, their_grad), (my_loss, my_grad) = grads
    assert my_loss == pytest.approx(their_loss, rel=1e-10)
    assert my_grad.dtype == their_grad.dtype
    np.testing.assert_allclose(my_grad, their_grad, rtol=1e-10, atol=1e-10)


NODES = {
    "fft_real": lambda lib, x, z: lib.fft.fft(x), "fft_complex": lambda lib, x, z: lib.fft.fft(z),
    "ifft_complex": lambda lib, x, z: lib.fft.ifft(z), "rfft": lambda lib, x, z: lib.fft.rfft(x),
    "irfft": lambda lib, x, z: lib.fft.irfft(z), "fft2_complex": lambda lib, x, z: lib.fft.fft2(z),
    "rfftn": lambda lib, x, z: lib.fft.rfftn(x), "irfftn": lambda lib, x, z: lib.fft.irfftn(z),
    "hfft": lambda lib, x, z: lib.fft.hfft(z), "ihfft": lambda lib, x, z: lib.fft.ihfft(x),
    "real": lambda lib, x, z: z.real, "imag": lambda lib, x, z: z.imag, "conj": lambda lib, x, z: z.conj(),
    "abs": lambda lib, x, z: z.abs(), "fftshift": lambda lib, x, z: lib.fft.fftshift(z),
}


@pytest.mark.parametrize("name", NODES)
def test_grad_fn_names_and_dtypes_match_torch(name):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, ember):
        x = lib.tensor(REAL, dtype=lib.float32, requires_grad=True)
        z = lib.tensor(COMPLEX, dtype=lib.complex64, requires_grad=True)
        out = NODES[name](lib, x, z)
        results.append((type(out.grad_fn).__name__, str(out.dtype).split(".")[-1], out.requires_grad))
    assert results[0] == results[1]


@pytest.mark.parametrize("fn", [
    lambda x: ember.fft.fft(x).abs(),
    lambda x: ember.fft.rfft(x, n=7, norm="ortho").imag,
    lambda x: ember.fft.irfft(ember.fft.rfft(x), n=5),
    lambda x: ember.fft.fftn(x, s=(3, 4)).real,
    lambda x: ember.fft.irfftn(ember.fft.fftshift(ember.fft.rfftn(x))),
    lambda x: ember.fft.hfft(ember.fft.ihfft(x), n=6),
], ids=["fft_abs", "rfft_imag", "irfft", "fftn_real", "shifted_round_trip", "hfft_ihfft"])
def test_real_to_real_paths_pass_gradcheck(fn):
    x = ember.tensor(RNG.standard_normal((3, 6)), requires_grad=True)
    assert gradcheck(fn, [x])


def test_unsupported_uses_raise_not_implemented():
    x = ember.randn(8, requires_grad=True)
    spectrum = ember.fft.fft(x)
    for use in (lambda: spectrum * 2, lambda: spectrum.sum(), lambda: spectrum[:4], lambda: ember.angle(spectrum)):
        with pytest.raises(NotImplementedError, match="complex"):
            use()
    leaf = ember.tensor(COMPLEX, requires_grad=True)
    with pytest.raises(NotImplementedError, match="fft"):  # complex in, real out: refused, not a wrong gradient
        leaf.var()
    loss = ember.fft.fft(x).abs().sum()
    with pytest.raises(NotImplementedError, match="complex|twice"):
        ember.autograd.grad(loss, x, create_graph=True)
    with ember.no_grad():
        assert not ember.fft.fft(x).requires_grad
