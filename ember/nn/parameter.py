"""nn.Parameter: a tensor that a Module registers as one of its learnable weights."""
from .. import _tensor
from .._tensor import Tensor, shared_counter


class Parameter(Tensor):
    """A leaf tensor that requires grad by default; assigning one to a Module attribute
    registers it, so it shows up in ``parameters()`` and ``state_dict()``."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        parameter = object.__new__(cls)
        parameter._data = data._data  # the same memory, cut from the graph (torch's _make_subclass)
        parameter.grad_fn = None
        parameter._requires_grad = False
        parameter._version_counter = shared_counter(data)
        if requires_grad:
            parameter.requires_grad_(True)
        return parameter

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happened in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copy = Parameter(_tensor.make_tensor(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            copy._grad = _tensor.make_tensor(self._grad._data.copy())
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        raise TypeError("ember does not pickle tensors; save a state_dict with ember.save instead")


class Buffer(Tensor):
    """torch.nn.Buffer: marks a tensor to be registered as a buffer when assigned to a Module."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        buffer = object.__new__(cls)
        buffer._data = data._data
        buffer.grad_fn = None
        buffer._requires_grad = data._requires_grad
        buffer._version_counter = shared_counter(data)
        buffer.persistent = persistent
        return buffer

    def __init__(self, data=None, *, persistent=True):
        pass


def is_lazy(value):
    return False
