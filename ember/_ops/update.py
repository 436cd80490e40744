"""In-place updates for optimizers: written straight into a tensor's array, never recorded.

Optimizers run their steps under no_grad on parameters and state tensors (momentum buffers),
where an in-place op needs none of the table's machinery (no node, no promotion, no copy of
the old value): `add_scaled_(p, g, alpha)` is `p.add_(g, alpha=alpha)` as one NumPy multiply
and one add into p's memory, the same float32 rounding as add_'s. Cases that are not plain
(grad mode on, another dtype or shape, a read-only view, an inference tensor) take add_.
"""
import numpy as np

from .._grad_state import state as grad_state
from .._tensor import bump_version


def add_scaled_(tensor, other, alpha):
    """tensor += alpha * other, in place (Tensor.add_(other, alpha=alpha))."""
    data, update = tensor._data, other._data
    if (grad_state.enabled or update.dtype is not data.dtype or update.shape != data.shape
            or not data.flags.writeable or tensor._inference or data.dtype.kind == "V"):
        return tensor.add_(other, alpha=alpha)  # (bfloat16, kind V: add_ computes in float32, rounding once)
    np.add(data, update if alpha == 1 else np.multiply(update, alpha), out=data)
    bump_version(tensor)
    return tensor
