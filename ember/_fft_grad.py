"""Gradients of ember.fft's transforms, in torch's convention for complex numbers.

For a real loss L of a complex tensor z, the gradient is dL/d(conj z) (torch's convention): a
C-linear map y = A x sends the output gradient g back as A^H g, and a real input keeps the real
part. Each transform is linear, so its node holds one function, the adjoint:
  c2c (fft, ifft, fftn ...)  the inverse transform with the dual norm ("backward" <-> "forward"),
  r2c (rfft*)                the output gradient zero-extended to the full length, then c2c's adjoint,
  c2r (irfft*)               rfft of the gradient with the dual norm, the bins that stand for two
                             (1 .. n - n//2 - 1) doubled,
and n= / s= crops or zero-pads (whose adjoint pads or crops back). Double backward is not supported.
"""
import numpy as np

from ._backend import as_array
from ._grad_state import state as grad_state
from ._tensor import Tensor, make_tensor
from .autograd.graph import Node

DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


class SpectralNode(Node):
    """A transform's node: attribute `adjoint` maps the output gradient (an array) to the input's."""

    __slots__ = ()
    complex_aware = True
    formulas = (None,)
    reads = ((frozenset(), False),)
    _save_plans = {}

    def apply(self, grads, create_graph):
        grad = grads[0]
        if isinstance(grad, Tensor):
            raise NotImplementedError(f"ember cannot differentiate {type(self).__name__} twice (create_graph=True "
                                      "through ember.fft); take first derivatives only")
        grad = self._attributes["adjoint"](as_array(grad))
        dtype = self._input_meta[1]
        if dtype.kind != "c":
            grad = grad.real  # a real input: the real part (torch's convention)
        return [np.ascontiguousarray(grad, dtype=dtype)]


def node_class(name):
    return type(name, (SpectralNode,), {"__slots__": (), "__module__": "ember.autograd.graph", "_save_plans": {}})


C2C, R2C, C2R = node_class("FftC2CBackward0"), node_class("FftR2CBackward0"), node_class("FftC2RBackward0")
CONJ, SELECT, ROLL = node_class("ConjBackward0"), node_class("SelectBackward0"), node_class("RollBackward0")


def record(input, out, node, adjoint):
    """`out` (an array) as a tensor; recorded with `adjoint` when `input` requires grad."""
    if grad_state.enabled and input._requires_grad:
        return make_tensor(out, node([input], {"adjoint": adjoint}, out), True)
    return make_tensor(out)


def fit(array, axes, sizes):
    """array cropped or zero-padded along each of axes to sizes (the adjoint of the opposite fit)."""
    for axis, size in zip(axes, sizes):
        have = array.shape[axis]
        if have > size:
            array = np.take(array, np.arange(size), axis=axis)
        elif have < size:
            widths = [(0, 0)] * array.ndim
            widths[axis] = (0, size - have)
            array = np.pad(array, widths)
    return array


def c2c_adjoint(inverse, axes, sizes, input_sizes, norm):
    """Of y = c2c(fit(x, sizes)) over axes: fit(inverse(g), input_sizes)."""
    return lambda g: fit(inverse(g, s=sizes, axes=axes, norm=DUAL[norm]), axes, input_sizes)


def r2c_adjoint(axes, sizes, input_sizes, norm):
    """Of y = rfftn(fit(x, sizes)): the one-sided g made full-length with zeros, then ifftn's adjoint."""
    def adjoint(g):
        full = fit(g, axes[-1:], sizes[-1:])
        return fit(np.fft.ifftn(full, s=sizes, axes=axes, norm=DUAL[norm]), axes, input_sizes)
    return adjoint


def c2r_adjoint(axes, sizes, input_sizes, norm):
    """Of y = irfftn(fit(z, sizes[:-1] + (n // 2 + 1,)), s=sizes): rfftn(g) with the two-sided bins doubled."""
    def adjoint(g):
        gz = np.fft.rfftn(g, s=sizes, axes=axes, norm=DUAL[norm])
        n, kept = sizes[-1], gz.shape[axes[-1]]
        doubled = n - kept  # bins 1 .. n - kept stand for themselves and their mirror images
        if doubled > 0:
            index = [slice(None)] * gz.ndim
            index[axes[-1]] = slice(1, 1 + doubled)
            gz[tuple(index)] *= 2
        return fit(gz, axes, input_sizes)
    return adjoint
