"""Rows for the activations with a second operand: prelu (a learned slope) and glu (a gate).

torch records them as PreluKernelBackward0 and GluBackward0. Their formulas run on raw arrays
(the engine's fast path) and on Tensors (create_graph=True); the few helpers below pick NumPy
or ember for the slicing and joining that glu's formula needs.
"""
import numpy as np

from .._tensor import Tensor
from ._registry import defop
from .pointwise import sigmoid, where
from .reduction import sum as _sum


# -- prelu: x where x > 0, weight * x elsewhere; the weight has one slope per channel (dim 1) or one in all
def _slope_view(w, x):
    """The weight shaped to broadcast against x: (C,) -> (C, 1, ..., 1) behind the batch dim."""
    if w.ndim == 0 or w.shape[0] == 1 or x.ndim < 2:
        return w.reshape(())
    return w.reshape((w.shape[0],) + (1,) * (x.ndim - 2))


def _prelu_forward(x, w):
    return np.where(x > 0, x, _slope_view(w, x) * x)


def _prelu_x_grad(grad, x, w):
    return where(x > 0, grad, grad * _slope_view(w, x))


def _prelu_w_grad(grad, x, w):
    contribution = where(x > 0, 0.0, grad * x)
    if w.ndim == 0 or w.shape[0] == 1 or x.ndim < 2:
        return _sum(contribution).reshape(w.shape)
    return _sum(contribution, tuple(axis for axis in range(x.ndim) if axis != 1))


prelu_row = defop("_prelu_kernel", "PreluKernelBackward0", _prelu_forward, (_prelu_x_grad, _prelu_w_grad))


# -- glu: first half * sigmoid(second half), the halves taken along `dim` ---------------------------------
def _halves(x, dim):
    if isinstance(x, Tensor):
        return x.chunk(2, dim)
    return np.split(x, 2, axis=dim)


def _joined(a, b, dim):
    if isinstance(a, Tensor):
        from .joining import cat
        return cat([a, b], dim)
    return np.concatenate([a, b], axis=dim)


def _glu_forward(x, *, dim):
    a, b = np.split(x, 2, axis=dim)
    return a / (1 + np.exp(-b))


def _glu_backward(grad, x, *, dim):
    a, b = _halves(x, dim)
    gate = sigmoid(b)
    return _joined(grad * gate, grad * a * gate * (1 - gate), dim)


glu_row = defop("glu", "GluBackward0", _glu_forward, _glu_backward)
