"""Loss primitives for ember.nn: one row per op; see pointwise.py for how to read a row.

Reductions ('none' / 'mean' / 'sum') are attributes of the row, as in torch, so that
F.mse_loss(...) records one MseLossBackward0 node whatever the reduction.
"""
import numpy as np

from .._backend import as_array, namespace
from .._tensor import Tensor, make_tensor
from ._kernels import half_in_float32
from ._registry import DtypeRule, defop, promote
from .pointwise import abs, sign, where


def _norm_forward(x, *, ord, dim, keepdim):
    magnitude = np.abs(x)
    if ord == float("inf"):
        return np.max(magnitude, axis=dim, keepdims=keepdim)
    if ord == 2:
        return np.sqrt(np.sum(magnitude * magnitude, axis=dim, keepdims=keepdim))
    return np.sum(magnitude ** ord, axis=dim, keepdims=keepdim) ** (1 / ord)


def _sum_keep(mask, dim):
    from .reduction import sum
    counted = mask * 1.0
    return sum(counted, dim, True) if dim is not None else sum(counted)


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

# at::norm(x, p, dim): torch's pairwise_distance and normalize call it directly, so their graphs show
# NormBackward1 (ember.norm / Tensor.norm go through linalg.vector_norm, as torch's do)
norm_dim = defop("norm", "NormBackward1", half_in_float32(_norm_forward), _norm_backward)


# F.one_hot: no gradient, int64 out
def _one_hot_forward(x, *, num_classes):
    if num_classes == -1:
        num_classes = int(x.max()) + 1 if x.size else 0
    return (namespace(x).arange(num_classes) == x[..., None]).astype(np.int64)


one_hot_row = defop("one_hot", None, _one_hot_forward, None)


# -- helpers shared by the rows --------------------------------------------------------------------
def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    return loss


def _scale(count, reduction):
    """Factor the mean puts on each element's gradient."""
    return 1.0 / count if reduction == "mean" else 1.0


def _constant(like, array):
    """A constant array entering a formula: a Tensor (no grad) when the formula runs on Tensors."""
    return make_tensor(as_array(array)) if isinstance(like, Tensor) else array


# -- regression losses ----------------------------------------------------------------------------
# The dtype a loss computes in when input and target differ, as torch's kernels pick it: mse and
# smooth_l1 promote, huber keeps the input's dtype, binary_cross_entropy_with_logits takes the target's.
_input_dtype = DtypeRule(lambda input, *others, **attributes: input._data.dtype)
_target_dtype = DtypeRule(lambda input, target, *others, **attributes: target._data.dtype)


def _smooth_l1_forward(a, b, *, reduction, count, beta):
    difference = np.abs(a - b)
    if beta == 0:
        return _reduce(difference, reduction)
    loss = np.where(difference < beta, 0.5 * difference * difference / beta, difference - 0.5 * beta)
    return _reduce(loss.astype(difference.dtype, copy=False), reduction)


def _huber_forward(a, b, *, reduction, count, delta):
    difference = np.abs(a - b)
    loss = np.where(difference < delta, 0.5 * difference * difference, delta * (difference - 0.5 * delta))
    return _reduce(loss.astype(difference.dtype, copy=False), reduction)


# fmt: off


def _mse_backward(grad, a, b, *, reduction, count):
    return grad * (2 * _scale(count, reduction)) * (a - b)

mse_loss_row = defop("mse_loss", "MseLossBackward0",
                     lambda a, b, *, reduction, count: _reduce(np.square(a - b), reduction),
                     (_mse_backward, lambda grad, a, b, **attributes: -_mse_backward(grad, a, b, **attributes)),
                     dtype_rule=promote)


def _smooth_l1_backward(grad, a, b, *, reduction, count, beta):
    difference = a - b
    scaled = grad * _scale(count, reduction)
    if beta == 0:
        return scaled * sign(difference)
    return where(abs(difference) < beta, scaled * difference / beta, scaled * sign(difference))

smooth_l1_loss_row = defop("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1_forward,
                           (_smooth_l1_backward, lambda grad, a, b, **attributes: -_smooth_l1_backward(grad, a, b,
                                                                                                       **attributes)),
                           dtype_rule=promote)


def _huber_backward(grad, a, b, *, reduction, count, delta):
    difference = a - b
    scaled = grad * _scale(count, reduction)
    return where(abs(difference) <= delta, scaled * difference, scaled * delta * sign(difference))

huber_loss_row = defop("huber_loss", "HuberLossBackward0", _huber_forward,
                       (_huber_backward, lambda grad, a, b, **attributes: -_huber_backward(grad, a, b, **attributes)),
                       dtype_rule=_input_dtype)
# fmt: on


# -- classification losses ------------------------------------------------------------------------
def _nll_parts(target, weight, ignore_index, num_classes, dtype):
    """(per-element weights with ignored targets at 0, the targets made safe to index with)."""
    ignored = target == ignore_index
    safe = np.where(ignored, 0, target)
    if np.any((safe < 0) | (safe >= num_classes)):
        bad = safe[(safe < 0) | (safe >= num_classes)].flat[0]
        raise IndexError(f"Target {bad} is out of bounds.")
    weights = (namespace(target).ones(target.shape, dtype=dtype) if weight is None
               else weight[safe].astype(dtype, copy=False))
    return np.where(ignored, 0, weights).astype(dtype, copy=False), safe


def _plain_rows(x, target, weight, ignore_index):
    """The common case (batch rows, no class weights, every target a class that is not ignored):
    the row numbers to pair with the targets; None when the general path must handle it."""
    if weight is not None or x.ndim != 2 or not target.size:
        return None
    classes = x.shape[1]
    # the ufuncs' own reductions: the methods' Python wrappers cost more than the work on a batch
    if 0 <= ignore_index < classes or target.min() < 0 or target.max() >= classes:
        return None
    return namespace(target).arange(target.shape[0])


def _nll_forward(x, target, weight, *, reduction, ignore_index):
    rows = _plain_rows(x, target, weight, ignore_index)
    if rows is not None:  # fast path: one gather, no weight arrays (the general formula's values)
        losses = -x[rows, target]
        if reduction == "none":
            return losses
        total = np.add.reduce(losses)  # np.sum without its Python wrapper
        return total if reduction == "sum" else total / x.dtype.type(target.shape[0])
    class_axis = 0 if x.ndim == 1 else 1
    weights, safe = _nll_parts(target, weight, ignore_index, x.shape[class_axis], x.dtype)
    picked = np.take_along_axis(x, np.expand_dims(safe, class_axis), class_axis).squeeze(class_axis)
    losses = -weights * picked
    if reduction == "none":
        return losses
    if reduction == "sum":
        return np.sum(losses)
    return np.sum(losses) / np.sum(weights)  # torch: 0 / 0 = nan when every target is ignored


def _nll_backward(grad, x, target, weight, *, reduction, ignore_index):
    # d loss / d x: -weight_n (divided by the total weight for 'mean') at each target class, 0 elsewhere
    if not isinstance(x, Tensor):  # raw arrays (no create_graph): scatter into zeros when the case is plain
        rows = _plain_rows(x, target, weight, ignore_index)
        if rows is not None:
            one = x.dtype.type(1)
            out = np.zeros_like(x)
            out[rows, target] = grad * (-one / x.dtype.type(target.shape[0]) if reduction == "mean" else -one)
            return out
    target_array = target._data if isinstance(target, Tensor) else target
    weight_array = weight._data if isinstance(weight, Tensor) else weight
    shape = x.shape
    class_axis = 0 if len(shape) == 1 else 1
    weights, safe = _nll_parts(target_array, weight_array, ignore_index, shape[class_axis],
                               x._data.dtype if isinstance(x, Tensor) else x.dtype)
    coefficient = -weights / np.sum(weights) if reduction == "mean" else -weights
    one_hot = namespace(safe).arange(shape[class_axis]).reshape((-1,) + (1,) * (len(shape) - class_axis - 1)) \
        == np.expand_dims(safe, class_axis)
    from .shape import unsqueeze
    scaled = grad * _constant(grad, coefficient.astype(weights.dtype))
    if class_axis == 1:
        scaled = unsqueeze(scaled, 1)
    return scaled * _constant(grad, one_hot.astype(weights.dtype))


nll_loss_row = defop("nll_loss", "NllLossBackward0", _nll_forward, (_nll_backward, None, None))
nll_loss2d_row = defop("nll_loss2d", "NllLoss2DBackward0", _nll_forward, (_nll_backward, None, None))


def _bce_forward(x, target, weight, *, reduction):
    # torch clamps each log at -100 so that a probability of exactly 0 or 1 gives a finite loss
    log_x = np.maximum(np.log(x), -100)
    log_1mx = np.maximum(np.log1p(-x), -100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.astype(x.dtype, copy=False), reduction)


def _bce_count(x):
    return x.numel() if isinstance(x, Tensor) else x.size


_BCE_EPSILON = float(np.float32(1e-12))  # torch's floor for (1 - x) * x, a float constant


def _bce_logits_forward(x, target, weight, pos_weight, *, reduction):
    softplus_negative = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # log(1 + exp(-x)), stable
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * x + log_weight * softplus_negative
    else:
        loss = (1 - target) * x + softplus_negative
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.astype(x.dtype, copy=False), reduction)


def _bce_input_backward(grad, x, target, weight, *, reduction):
    # torch: grad * (x - t) / max((1 - x) * x, 1e-12)
    scale = _scale(_bce_count(x), reduction)
    denominator = (1 - x) * x
    denominator = where(denominator < _BCE_EPSILON, _BCE_EPSILON, denominator)
    result = grad * scale * (x - target) / denominator
    return result if weight is None else result * weight


def _bce_target_backward(grad, x, target, weight, *, reduction):
    from .pointwise import log
    scale = _scale(_bce_count(x), reduction)
    result = grad * scale * (log(1 - x) - log(x))
    return result if weight is None else result * weight

binary_cross_entropy_row = defop("binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce_forward,
                                 (_bce_input_backward, _bce_target_backward, None))


def _bce_logits_input_backward(grad, x, target, weight, pos_weight, *, reduction):
    from .pointwise import sigmoid
    scale = _scale(_bce_count(x), reduction)
    if pos_weight is None:
        local = sigmoid(x) - target
    else:
        local = ((pos_weight - 1) * target + 1) * (sigmoid(x) - 1) + (1 - target)
    result = grad * scale * local
    return result if weight is None else result * weight


def _bce_logits_target_backward(grad, x, target, weight, pos_weight, *, reduction):
    from .pointwise import log, sigmoid
    scale = _scale(_bce_count(x), reduction)
    softplus_negative = -log(sigmoid(x))
    local = -x if pos_weight is None else (pos_weight - 1) * softplus_negative - x
    result = grad * scale * local
    return result if weight is None else result * weight

binary_cross_entropy_with_logits_row = defop(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0", _bce_logits_forward,
    (_bce_logits_input_backward, _bce_logits_target_backward, None, None), dtype_rule=_target_dtype)
