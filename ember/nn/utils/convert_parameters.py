"""parameters_to_vector / vector_to_parameters: all parameters as one flat vector and back."""
from ... import _ops
from ..._ops.loss import cat_standin
from ..._tensor import Tensor

_cat = getattr(_ops, "cat", None) or cat_standin

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    return _cat([_ops.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters):
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        count = param.numel()
        param.data = _ops.reshape(vec[pointer:pointer + count], tuple(param.shape)).data
        pointer += count
