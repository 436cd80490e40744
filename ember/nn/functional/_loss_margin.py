"""The less common losses of torch.nn.functional: Poisson and Gaussian NLL, the margin and
soft-margin families, hinge embedding and triplet losses.

Each is composed from ember ops, as torch composes the Python-level ones, so the gradients
come from the rows they use. torch records its own node for the ATen-level ones
(SoftMarginLossBackward0, MultiMarginLossBackward0, MultilabelMarginLossBackward0); ember's
graph ends in the reduction instead. Values and gradients are torch's.
"""
import math

import numpy as np

from ... import _creation, _ops
from ..._autocast import in_float32
from ..._backend import to_host
from ..._ops._naming import composed
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ._activation import logsigmoid
from ._loss import _apply_reduction, _clamp_min, _legacy_reduction, pairwise_distance

__all__ = ["poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss", "hinge_embedding_loss",
           "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


def _reduction(size_average, reduce, reduction, message="{} is not a valid value for reduction"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(message.format(reduction))
    return reduction


@in_float32
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = _ops.exp(input) - target * input
    else:
        loss = input - target * _ops.log(input + eps)
    if full:  # Stirling's approximation of log(target!), for targets above 1
        safe = _ops.where(target > 1, target, 2.0)
        stirling = safe * _ops.log(safe) - safe + 0.5 * _ops.log(2 * math.pi * safe)
        loss = loss + _ops.where(target > 1, stirling, 0.0)
    return _apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _creation.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):  # homoscedastic: one variance per sample
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass  # broadcastable along a single dimension of size 1
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():  # torch clamps for stability without letting the clamp into the gradient
        var.clamp_(min=eps)
    loss = 0.5 * (_ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, reduction)


@in_float32
@composed("SoftMarginLossBackward0")
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """mean(log(1 + exp(-target * input))), written as -logsigmoid(target * input) (stable); in the input's
    dtype, as torch's kernel (a float64 target beside a float32 input gives float32)."""
    reduction = _reduction(size_average, reduce, reduction)
    if isinstance(target, Tensor) and target.is_floating_point() and target.dtype != input.dtype:
        target = target.to(input.dtype)
    return _apply_reduction(-logsigmoid(target * input), reduction)


@in_float32
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    margin_part = _ops.where(target != 1, _clamp_min(margin - input, 0), 0.0)
    self_part = _ops.where(target != -1, input, 0.0)
    return _apply_reduction(margin_part + self_part, reduction)


def _class_batch(input, name):
    if input.ndim not in (1, 2) or (input.ndim == 2 and input.shape[1] == 0 and input.shape[0] != 0):
        raise RuntimeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    return input.unsqueeze(0) if input.ndim == 1 else input


def _refuse_half(kernel, input):
    if input._data.dtype == np.float16:  # torch's CPU kernel has no float16 variant
        raise _ops._errors.kernel_missing(kernel)(input._data.dtype)


def _check_long(target):
    if not isinstance(target, Tensor) or target.is_floating_point() or target.dtype.is_complex:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{str(getattr(target, 'dtype', type(target).__name__)).split('.')[-1].capitalize()}")


@in_float32
@composed("MultilabelMarginLossBackward0")
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Per sample: sum over its target classes j and other classes i of max(0, 1 - (x_j - x_i)) / C.
    A sample's targets are the entries of its target row before the first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_long(target)
    _refuse_half("multilabel_margin_loss_forward_out_frame", input)
    single = input.ndim <= 1
    x = _class_batch(input if input.ndim else input.reshape(1), "multilabel_margin_loss")
    labels = target.reshape(1, -1) if single else target
    if tuple(labels.shape) != tuple(x.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    classes = x.shape[1]
    rows = to_host(labels.detach()._data)  # read on the host; the counts go to x's device
    # how often each class is one of the sample's targets (torch counts a repeated target twice)
    counts = np.zeros(tuple(x.shape), dtype=x._data.dtype)
    for n, row in enumerate(rows):
        for label in row:
            if label < 0:
                break
            if label >= classes:
                raise RuntimeError("argument #2 'target' is out of range")
            counts[n, label] += 1
    others = _creation.tensor((counts == 0).astype(counts.dtype), device=x.device)
    counts = _creation.tensor(counts, device=x.device)
    # hinge[n, j, i] = max(0, 1 - x[n, j] + x[n, i])
    hinge = _clamp_min(1 - x.unsqueeze(2) + x.unsqueeze(1), 0)
    loss = (hinge * counts.unsqueeze(2) * others.unsqueeze(1)).sum((1, 2)) / classes
    if single:
        loss = loss.reshape(())
    return _apply_reduction(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[input.ndim - 1]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _apply_reduction(loss, reduction)


@in_float32
@composed("MultiMarginLossBackward0")
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Per sample: sum over classes i != y of max(0, margin - x_y + x_i)^p (* weight[y]) / C."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    _check_long(target)
    _refuse_half("multi_margin_loss_cpu_kernel", input)
    from ._loss import check_weight_dtype
    check_weight_dtype(input, weight)
    single = input.ndim <= 1
    x = _class_batch(input if input.ndim else input.reshape(1), "multi_margin_loss")
    labels = target.reshape(-1)
    batch, classes = x.shape
    if labels.numel() != batch:
        raise RuntimeError(f"inconsistent target size, expected {batch} but got {list(target.shape)}")
    if weight is not None and (weight.ndim > 1 or weight.numel() != classes):
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    if labels.numel() and (bool((labels < 0).any()) or bool((labels >= classes).any())):
        raise RuntimeError("target out of range")
    chosen = x.gather(1, labels.unsqueeze(1))
    hinge = _clamp_min(margin - chosen + x, 0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[labels].unsqueeze(1)
    not_target = _creation.arange(classes, device=labels.device).unsqueeze(0) != labels.unsqueeze(1)
    loss = _ops.where(not_target, hinge, 0.0).sum(1) / classes
    if single:
        loss = loss.reshape(())
    return _apply_reduction(loss, reduction)


@in_float32
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    positive_distance = pairwise_distance(anchor, positive, p, eps)
    negative_distance = pairwise_distance(anchor, negative, p, eps)
    if swap:
        negative_distance = _ops.minimum(negative_distance, pairwise_distance(positive, negative, p, eps))
    return _apply_reduction(_clamp_min(margin + positive_distance - negative_distance, 0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    positive_distance = distance(anchor, positive)
    negative_distance = distance(anchor, negative)
    if swap:
        negative_distance = _ops.minimum(negative_distance, distance(positive, negative))
    return _apply_reduction(_clamp_min(margin + positive_distance - negative_distance, 0), reduction)
