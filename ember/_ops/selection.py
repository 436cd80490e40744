"""Value-selecting rows: ops whose output picks input elements by index along one dimension
(max/min with dim, sort, topk, median, mode, kthvalue).

Their gradient puts each output gradient back where its value came from: a scatter into zeros.
The scatter's own gradient is a gather and the gather's a scatter again, so double and triple
backward work; the recorded names are torch's (ScatterBackward0, GatherBackward0).
"""
import numpy as np

from ._registry import defop
from .shape import unsqueeze


def _scatter_forward(grad, *, shape, dim, index):
    out = np.zeros(shape, dtype=grad.dtype)
    np.put_along_axis(out, index, grad, axis=dim)
    return out


def _select_forward(x, *, shape, dim, index, keepdim):
    out = np.take_along_axis(x, index, axis=dim)
    return out if keepdim else np.squeeze(out, axis=dim)


def _select_backward(grad, x, *, shape, dim, index, keepdim):
    return scatter_into(grad if keepdim else unsqueeze(grad, dim), shape=shape, dim=dim, index=index)


# stand-ins until ops-shape's scatter and gather land: these serve gradients only (the indices are
# distinct along `dim`, so scatter and scatter_add agree).
# fmt: off
scatter_into = defop("scatter", "ScatterBackward0", _scatter_forward,
                     lambda grad, g, *, shape, dim, index: gather_from(grad, shape=shape, dim=dim, index=index))
gather_from = defop("gather", "GatherBackward0",
                    lambda x, *, shape, dim, index: np.take_along_axis(x, index, axis=dim),
                    lambda grad, x, *, shape, dim, index: scatter_into(grad, shape=shape, dim=dim, index=index))
# fmt: on


def selecting_row(name, grad_fn_name):
    """A row that returns x's values at `index` (kept-dims shape) along `dim`."""
    return defop(name, grad_fn_name, _select_forward, _select_backward)


__all__ = []
METHODS = []
