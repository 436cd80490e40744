"""The in-place updates optimizers are made of, composed from ember ops.

Each mirrors the torch op it is named after (same argument order and rounding order where it
matters); they run under no_grad on parameter and state tensors.
"""
from .. import _ops

# stand-in until lerp_ lands (ops-pointwise): torch's formula, which switches form at weight 0.5
def lerp_(tensor, end, weight):
    if weight < 0.5:
        return tensor.add_(end - tensor, alpha=weight)
    return tensor.copy_(end - (end - tensor) * (1 - weight))


# stand-in until addcmul_ lands (ops-pointwise): tensor + value * t1 * t2
def addcmul_(tensor, t1, t2, value=1):
    return tensor.add_(t1 * value * t2 if value != 1 else t1 * t2)


# stand-in until addcdiv_ lands (ops-pointwise): tensor + value * (t1 / t2)
def addcdiv_(tensor, t1, t2, value=1):
    return tensor.add_(t1 / t2, alpha=value)


# stand-in until maximum lands (ops-pointwise); NaN in `a` wins, as torch.maximum's NaN does
def maximum(a, b):
    return _ops.where(_ops.lt(a, b), b, a)


sqrt = _ops.sqrt
