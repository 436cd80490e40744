"""torch's OptimizedModule: what ``ember.compile(module)`` answers.

As torch's, it is a Module holding the original as the submodule ``_orig_mod`` (so its
state_dict keys read ``_orig_mod.weight``, and ``train()``/``eval()`` reach the original), and
any other attribute is the original's.
"""
import types

from ..nn.modules.module import Module
from .function import CompiledFunction


class OptimizedModule(Module):
    def __init__(self, module, options):
        super().__init__()
        self._orig_mod = module
        object.__setattr__(self, "_compiled_call", CompiledFunction(module, options))
        object.__setattr__(self, "forward", module.forward)

    def __call__(self, *args, **kwargs):
        return self._compiled_call(*args, **kwargs)

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def explain(self):
        return self._compiled_call.explain()


_COMPILED_CLASSES = {}  # original class -> its subclass with the compiled __call__


def compile_in_place(module, args, kwargs):
    from .. import compiler
    cls = type(module)
    original = cls.__bases__[0] if cls in _COMPILED_CLASSES.values() else cls
    call = types.MethodType(original.__call__, module)
    object.__setattr__(module, "_compiled_call", compiler.compile(call, *args, **kwargs))
    if cls is original:
        compiled_class = _COMPILED_CLASSES.get(original)
        if compiled_class is None:
            compiled_class = type(original.__name__, (original,), {
                "__call__": lambda self, *a, **k: self.__dict__["_compiled_call"](*a, **k),
                "__qualname__": original.__qualname__, "__module__": original.__module__,
                "explain": lambda self: self.__dict__["_compiled_call"].explain()})
            _COMPILED_CLASSES[original] = compiled_class
        module.__class__ = compiled_class
