"""Helpers the distributions share: broadcasting parameters, probabilities <-> logits, lazy attributes."""
import numbers

import ember


def broadcast_all(*values):
    """Tensors and Python numbers -> tensors of one broadcast shape (numbers take the first tensor's dtype
    and device)."""
    if not all(isinstance(v, (ember.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    tensors = [v for v in values if isinstance(v, ember.Tensor)]
    dtype = tensors[0].dtype if tensors else ember.get_default_dtype()
    device = tensors[0].device if tensors else None
    values = [v if isinstance(v, ember.Tensor) else ember.tensor(v, dtype=dtype, device=device) for v in values]
    return ember.broadcast_tensors(*values)


def standard_normal(shape, dtype, device=None):
    return ember.empty(shape, dtype=dtype, device=device).normal_()


def sum_rightmost(value, dim):
    """Sum out the `dim` rightmost dimensions."""
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1) if dim > 0 else value


def clamp_probs(probs):
    """Keep probabilities inside (eps, 1 - eps), so their logarithms stay finite."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    clamped = clamp_probs(probs)
    return ember.log(clamped) - ember.log1p(-clamped) if is_binary else ember.log(clamped)


def logits_to_probs(logits, is_binary=False):
    return ember.sigmoid(logits) if is_binary else ember.softmax(logits, dim=-1)


class lazy_property:
    """Computed on first access, then stored on the instance (so `probs` and `logits` derive each other)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with ember.enable_grad():  # as torch: the derived parameter keeps its graph
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
