"""Loss functions of ember.nn.functional; the rows with their own grad_fn live in ember/_ops/loss.py.

Losses torch composes from other ops (l1_loss, kl_div, cosine_embedding_loss ...) are composed
here from the same ops, so they record the same graph.
"""
import warnings

from ... import _dtype, _ops
from ..._autocast import in_float32
from ..._ops import loss as _rows
from ..._ops._naming import named
from ..._tensor import Tensor
from ._activation import log_softmax

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss",
           "margin_ranking_loss", "one_hot", "normalize", "cosine_similarity", "pairwise_distance"]

_REDUCTIONS = ("none", "mean", "sum")
_clamp_min = _ops.clamp_min
_norm = _rows.norm_dim


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='{}' instead."
                  .format("none" if reduce is False else "mean" if size_average in (None, True) else "sum"),
                  UserWarning, stacklevel=3)
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS and reduction != "batchmean":
        raise ValueError(f"{reduction} is not a valid value for reduction; use 'none', 'mean' or 'sum'")


def _broadcast_count(input, target):
    shape = _broadcast_shape(tuple(input.shape), tuple(target.shape))
    count = 1
    for size in shape:
        count *= size
    return count


def _broadcast_shape(a, b):
    ndim = max(len(a), len(b))
    a, b = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
    return tuple(max(x, y) if min(x, y) != 0 else 0 for x, y in zip(a, b))


def _warn_size(name, input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def _as_tensor_like(value, input):
    if isinstance(value, Tensor):
        return value
    from ..._creation import tensor
    return tensor(value, dtype=input.dtype)


@in_float32
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size("mse_loss", input, target)
    if input._data.dtype.kind not in "fcV":  # V: bfloat16
        raise _ops._errors.kernel_missing("mse_cpu")(input._data.dtype)
    if weight is not None:
        loss = weight * (input - target) ** 2
        return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())
    return _rows.mse_loss_row(input, target, reduction=reduction, count=_broadcast_count(input, target))


@in_float32
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size("l1_loss", input, target)
    loss = _ops.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


@in_float32
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:  # torch hands this case to l1_loss
        return l1_loss(input, target, reduction=reduction)
    _warn_size("smooth_l1_loss", input, target)
    return _rows.smooth_l1_loss_row(input, target, reduction=reduction, count=_broadcast_count(input, target),
                                    beta=beta)


@in_float32
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size("huber_loss", input, target)
    return _rows.huber_loss_row(input, target, reduction=reduction, count=_broadcast_count(input, target),
                                delta=delta)


def _check_target(input, target):
    if not isinstance(target, Tensor) or target._data.dtype.name not in ("int64", "uint8"):
        got = _dtype.scalar_type_name(target.dtype) if isinstance(target, Tensor) else type(target).__name__
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {got}; class indices must be an "
                           "integer tensor (convert with target.long())")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.ndim else 0}).")
        return
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim == 2 and target.ndim > 1:
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported (got a target of shape "
                           f"{list(target.shape)}; squeeze a (N, 1) target to (N,) with target.squeeze(1))")
    if input.shape[0] != target.shape[0] if target.ndim else True:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if input.ndim > 2 and tuple(input.shape[2:]) != tuple(target.shape[1:]):
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, got "
                           f"{list(target.shape)}")


def check_weight_dtype(input, weight):
    """torch's class-weighted kernels take a weight of the input's dtype only."""
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_dtype.scalar_type_name(input._data.dtype)} but found "
                           f"{_dtype.scalar_type_name(weight._data.dtype)}; convert the weight with "
                           ".to(input.dtype)")


@in_float32
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_target(input, target)
    check_weight_dtype(input, weight)
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != input.shape[1 if input.ndim > 1 else 0]):
        raise RuntimeError(f"weight tensor should be defined either for all {input.shape[1 if input.ndim > 1 else 0]}"
                           f" classes or no classes but got weight tensor of shape: {list(weight.shape)}")
    row = _rows.nll_loss_row if input.ndim <= 2 else _rows.nll_loss2d_row
    if input.ndim == 3:  # torch views (N, C, d) as (N, C, d, 1) for the 2-D kernel
        n, c, d = input.shape
        loss = row(_ops.view(input, (n, c, d, 1)), _ops.view(target, (n, d, 1)), weight, reduction=reduction,
                   ignore_index=ignore_index)
        return _ops.view(loss, (n, d)) if reduction == "none" else loss
    return row(input, target, weight, reduction=reduction, ignore_index=ignore_index)


@in_float32
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class dimension (1, or 0 for a single sample) followed by nll_loss, or,
    for a float target of class probabilities, -sum(target * log_softmax)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    if not (isinstance(target, Tensor) and target.is_floating_point()):
        check_weight_dtype(input, weight)
    log_probabilities = log_softmax(input, class_dim)
    classes = input.shape[class_dim]
    if isinstance(target, Tensor) and target.is_floating_point():
        if tuple(target.shape) != tuple(input.shape):
            if target.ndim == input.ndim - 1:  # torch takes it for class indices, and refuses their dtype
                _check_target(input, target)
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        product = log_probabilities * target
        if weight is not None:
            product = product * _class_view(weight, input.ndim, class_dim)
        if reduction == "none":
            return -_ops.sum(product, class_dim)
        total = -product.sum()
        return named(total / (input.numel() // classes), "DivBackward1") if reduction == "mean" else total
    nll = nll_loss(log_probabilities, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    ignored = target == ignore_index
    if weight is not None:
        smooth = -_ops.sum(log_probabilities * _class_view(weight, input.ndim, class_dim), class_dim)
    else:
        smooth = -_ops.sum(log_probabilities, class_dim)
    smooth = _ops.where(ignored, 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            kept = _ops.where(ignored, 0, target)
            smooth = smooth.sum() / _ops.where(ignored, 0.0, weight[kept]).sum()
        else:
            smooth = smooth.sum() / (~ignored).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _class_view(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return _ops.view(weight, tuple(shape))


@in_float32
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_dtype.scalar_type_name(target._data.dtype)} but expected "
                           f"{_dtype.scalar_type_name(input._data.dtype)}; convert the target with .to(input.dtype)")
    if ((input < 0) | (input > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1; apply sigmoid first, or use "
                           "binary_cross_entropy_with_logits on the raw scores")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        weight = _ops.expand(weight, tuple(input.shape))
    return _rows.binary_cross_entropy_row(input, target, weight, reduction=reduction)


@in_float32
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _rows.binary_cross_entropy_with_logits_row(input, target, weight, pos_weight, reduction=reduction)


@in_float32
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if log_target:
        loss = _ops.exp(target) * (target - input)
    else:  # xlogy(target, target) - target * input, with 0 log 0 = 0
        positive = target > 0
        safe = _ops.where(positive, target, 1.0)
        loss = _ops.where(positive, target * _ops.log(safe), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


def _apply_reduction(loss, reduction):
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


@in_float32
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    dim = input1.ndim - 1
    epsilon = 1e-12
    product = _ops.sum(input1 * input2, dim)
    square1 = _ops.sum(input1 * input1, dim) + epsilon
    square2 = _ops.sum(input2 * input2, dim) + epsilon
    cosine = product / _ops.sqrt(square1 * square2)
    positive = _ops.where(target == 1, 1 - cosine, 0.0)
    negative = _ops.where(target == -1, _clamp_min(cosine - margin, 0), 0.0)
    return _apply_reduction(positive + negative, reduction)


@in_float32
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _apply_reduction(_clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def one_hot(tensor, num_classes=-1):
    if tensor.is_floating_point():
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and (bool((tensor < 0).any()) or (num_classes != -1 and bool((tensor >= num_classes).any()))):
        raise RuntimeError("Class values must be smaller than num_classes." if bool((tensor >= 0).all())
                           else "Class values must be non-negative.")
    return _rows.one_hot_row(tensor, num_classes=num_classes)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    dims = (_ops.normalize_dim(dim, input.ndim),)
    denominator = _ops.expand_as(_clamp_min(_norm(input, ord=p, dim=dims, keepdim=True), eps), input)
    return input / denominator


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    ndim = max(x1.ndim, x2.ndim)
    dims = (_ops.normalize_dim(dim, ndim),)
    norm1 = _clamp_min(_norm(x1, ord=2, dim=dims, keepdim=True), eps)
    norm2 = _clamp_min(_norm(x2, ord=2, dim=dims, keepdim=True), eps)
    return _ops.sum((x1 / norm1) * (x2 / norm2), dims[0])


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    difference = x1 - x2 + eps
    dims = (difference.ndim - 1,) if difference.ndim else None
    return _norm(difference, ord=p, dim=dims, keepdim=keepdim)
