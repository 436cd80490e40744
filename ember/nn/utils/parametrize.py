"""torch.nn.utils.parametrize: a module's tensor computed from an `original` by chain of modules.

register_parametrization(module, "weight", P) moves the parameter to
module.parametrizations.weight.original and makes `module.weight` a property returning
P(original), recomputed at each access (or once per `cached()` block), so gradients reach the
original through P. The module's class becomes a subclass ParametrizedLinear ... as in torch,
which is where the property lives.
"""
import contextlib

from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["ParametrizationList", "register_parametrization", "is_parametrized", "remove_parametrizations",
           "type_before_parametrizations", "cached"]

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Within the block, each parametrized tensor is computed once (torch's parametrize.cached)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The chain of parametrizations of one tensor, holding the unconstrained `original`."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        with _no_grad():
            value = original
            for module in reversed(list(self)):  # original = right_inverse(...(right_inverse(tensor)))
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
        if value is original:
            self.original = original if isinstance(original, Parameter) else Parameter(original, False)
        else:
            if isinstance(original, Parameter):
                self.original = Parameter(value.detach(), original.requires_grad)
            else:
                self.register_buffer("original", value)

    def right_inverse(self, value):
        with _no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
            self.original.copy_(value)

    def forward(self):
        value = self.original
        for module in self:
            value = module(value)
        return value


def _no_grad():
    from ...autograd.grad_mode import no_grad
    return no_grad()


def _property(name):
    def get(self):
        parametrization = self.parametrizations[name]
        if _cache_enabled:
            key = (id(self), name)
            if key not in _cache:
                _cache[key] = parametrization()
            return _cache[key]
        return parametrization()

    def set(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    if not isinstance(parametrization, Module):
        raise TypeError(f"parametrization must be an nn.Module, got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    original = getattr(module, tensor_name)
    if not unsafe:
        with _no_grad():
            value = parametrization(original)
        if tuple(value.shape) != tuple(original.shape) or value.dtype != original.dtype:
            raise ValueError(f"Registering a parametrization may not change the shape or dtype of the tensor, "
                             f"unless `unsafe` flag is enabled.\nunparametrized shape: {original.shape}\n"
                             f"parametrized shape: {value.shape}")
    delattr(module, tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"_ember_original_class": cls})
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = ParametrizationList([parametrization], original, unsafe)
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def is_parametrized(module, tensor_name=None):
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


def type_before_parametrizations(module):
    return type(module).__dict__.get("_ember_original_class", type(module)) if is_parametrized(module) \
        else type(module)


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrization = module.parametrizations[tensor_name]
    if leave_parametrized:
        with _no_grad():
            value = getattr(module, tensor_name)
        original = parametrization.original
        with _no_grad():
            if tuple(value.shape) == tuple(original.shape):
                original.set_(value) if hasattr(original, "set_") else original.copy_(value)
            else:
                original = Parameter(value.detach(), original.requires_grad)
    else:
        original = parametrization.original
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not module.parametrizations:
        del module._modules["parametrizations"]
        module.__class__ = type(module).__dict__["_ember_original_class"]
    return module
