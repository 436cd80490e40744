"""torch.autograd.Variable: the pre-0.4 wrapper, today a Tensor (``Variable(t)`` returns a tensor)."""
from .._tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, obj):  # every tensor is a Variable, as in torch
        return isinstance(obj, Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}: "
                            "wrap it with ember.tensor(data) first")
        return data.detach().requires_grad_(requires_grad)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a tensor sharing ``tensor``'s data (``volatile`` is ignored,
    as torch ignores it); ``isinstance(t, Variable)`` is True for every tensor."""
