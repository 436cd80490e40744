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

    def __reduce_ex__(self, protocol):  # the values and requires_grad, as torch's _rebuild_parameter
        from ..multiprocessing.reductions import reduce_tensor
        return reduce_tensor(self)


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


class _Uninitialized:
    """What Uninitialized{Parameter,Buffer} share: no shape until materialize() gives one (at a lazy
    module's first forward), when the object becomes a plain Parameter / Tensor in place, so optimizers
    and references made before then see the real tensor."""

    cls_to_become = None
    _UNSHAPED = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                 "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                 "`forward` to initialize the parameters before accessing their attributes.")

    @property
    def shape(self):
        raise RuntimeError(self._UNSHAPED)

    def size(self, dim=None):
        raise RuntimeError(self._UNSHAPED)

    def numel(self):
        raise RuntimeError(self._UNSHAPED)

    def materialize(self, shape, device=None, dtype=None):
        from .._creation import empty
        data = empty(*shape, dtype=dtype if dtype is not None else self.dtype)._data
        self._data = data
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._creation import empty
        return Parameter.__new__(cls, empty(0, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .._creation import empty
        buffer = object.__new__(cls)
        source = empty(0, dtype=dtype)
        buffer._data = source._data
        buffer.grad_fn = None
        buffer._requires_grad = requires_grad
        buffer._version_counter = shared_counter(source)
        buffer.persistent = persistent
        return buffer

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


def is_lazy(value):
    return isinstance(value, _Uninitialized)
