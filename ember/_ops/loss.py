"""Loss primitives for ember.nn: one row per op; see pointwise.py for how to read a row.

Reductions ('none' / 'mean' / 'sum') are attributes of the row, as in torch, so that
F.mse_loss(...) records one MseLossBackward0 node whatever the reduction.
"""
import numpy as np

from .._tensor import Tensor, make_tensor
from ._registry import defop
from .pointwise import abs, sign, where

__all__ = []
METHODS = []


# -- stand-ins for ops other sessions own ------------------------------------------------------------
def qr_standin(a):
    """stand-in until ember.linalg.qr lands: Q and R with R's diagonal made positive (torch's
    orthogonal_ sign rule), for nn.init.orthogonal_ only (no gradient)."""
    q, r = np.linalg.qr(a._data)
    signs = np.sign(np.diagonal(r))
    signs[signs == 0] = 1
    return make_tensor(q * signs), make_tensor(r * signs[:, None])


def cat_standin(tensors):
    """stand-in until ember.cat lands: concatenation along dim 0, not recorded for autograd."""
    return make_tensor(np.concatenate([t._data for t in tensors]))


def _norm_forward(x, *, ord, dim, keepdim):
    magnitude = np.abs(x)
    if ord == float("inf"):
        return np.max(magnitude, axis=dim, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(magnitude * magnitude, axis=dim, keepdims=keepdim))
    return np.sum(magnitude ** ord, axis=dim, keepdims=keepdim) ** (1 / ord)


def _norm_backward(grad, x, *, ord, dim, keepdim, result):
    if dim is not None and not keepdim:  # put the reduced axes back so grad and result broadcast
        from .shape import unsqueeze
        for axis in sorted(dim):
            grad, result = unsqueeze(grad, axis), unsqueeze(result, axis)
    if ord == float("inf"):
        at_max = abs(x) == result
        return grad * sign(x) * at_max / _sum_keep(at_max, dim)
    if ord == 2:  # torch: the gradient at a zero norm is 0, not nan
        return where(result == 0, 0.0, grad * x / result)
    return where(result == 0, 0.0, grad * sign(x) * abs(x) ** (ord - 1) / result ** (ord - 1))


def _sum_keep(mask, dim):
    from .reduction import sum
    counted = mask * 1.0
    return sum(counted, dim, True) if dim is not None else sum(counted)


# stand-in until ember.linalg.vector_norm lands: torch's NormBackward1 for norm(x, p, dim)
norm_standin = defop("norm", "NormBackward1", _norm_forward, _norm_backward)
