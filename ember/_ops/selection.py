"""Value-selecting rows: ops whose output picks input elements by index along one dimension
(max/min with dim, sort, topk, median, mode, kthvalue).

Their gradient puts each output gradient back where its value came from: a scatter into zeros.
The scatter's own gradient is a gather and the gather's a scatter again (indexing.py's rows), so
double and triple backward work, recording torch's names (ScatterBackward0, GatherBackward0).
"""
import numpy as np

from ._registry import defop
from .shape import unsqueeze


def _select_forward(x, *, shape, dim, index, keepdim):
    out = np.take_along_axis(x, index, axis=dim)
    return out if keepdim else np.squeeze(out, axis=dim)


def _select_backward(grad, x, *, shape, dim, index, keepdim):
    from .indexing import _zeros, scatter_row  # indexing imports reduction, which imports this module
    grad = grad if keepdim else unsqueeze(grad, dim)
    return scatter_row(_zeros(grad, shape), grad, dim=dim, index=index)


def selecting_row(name, grad_fn_name):
    """A row that returns x's values at `index` (kept-dims shape) along `dim`."""
    return defop(name, grad_fn_name, _select_forward, _select_backward)
