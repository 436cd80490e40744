"""What a traced call may depend on besides its arguments, and the guard that checks it.

The walk starts from the compiled function's closure, the globals its code names, a bound
method's object (the module of a compiled module) and the arguments, and goes through modules,
optimizers, lists, dicts and plain objects (two levels). It notes one *entry* per value it
passes: Python numbers and strings by value (a dropout's ``p``, an optimizer group's ``lr``, a
module's ``training``), everything else by identity, and every container's length. Tensors it
finds are the call's *state*: their ``.grad`` and array are slots that a replay restores.

The same walk after the trace tells whether the call changed Python state that a replay could
not reproduce (an optimizer's state made on its first step, a counter in a module): such a trace
is not replayed.
"""
import types

from .._tensor import Tensor

_SCALARS = (bool, int, float, complex, str, bytes, type(None))
_OPAQUE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)
MISSING = object()
_MAX_ENTRIES = 20000


def _is_scalar(value):
    return type(value) in _SCALARS or (type(value) is tuple and all(type(v) in _SCALARS for v in value))


class Walk:
    """The entries and state tensors reachable from `roots`."""

    def __init__(self, roots):
        self.entries = []      # (container, key, expected, by_value); key None: the length
        self.tensors = {}      # id -> Tensor
        self.modules = []
        self._seen = set()
        for container, key, value in roots:
            self._note(container, key, value, 0)

    def _note(self, container, key, value, depth):
        if len(self.entries) > _MAX_ENTRIES:
            return
        by_value = _is_scalar(value)
        self.entries.append((container, key, value, by_value))
        if by_value or id(value) in self._seen:
            return
        self._seen.add(id(value))
        if isinstance(value, Tensor):
            self.tensors[id(value)] = value
            return
        self._visit(value, depth + 1)

    def _visit(self, value, depth):
        from ..nn.modules.module import Module
        from ..optim.optimizer import Optimizer
        kind = type(value)
        if kind is types.FunctionType and not _library(value):  # a helper the function calls
            for root in _function_roots(value):
                self._note(*root, depth)
            return
        if kind is types.MethodType and not _library(value.__func__):
            self._note(value, Attr("__self__"), value.__self__, depth)
            self._note(value, Attr("__func__"), value.__func__, depth)
            return
        if isinstance(value, _OPAQUE) or kind.__module__ == "numpy" or depth > 6:
            return
        if isinstance(value, dict):
            self.entries.append((value, None, len(value), True))
            for key, item in list(value.items()):
                if isinstance(key, Tensor):
                    self.tensors[id(key)] = key
                self._note(value, key, item, depth)
        elif kind is list or kind is tuple:
            self.entries.append((value, None, len(value), True))
            if len(value) <= 1000:
                for index, item in enumerate(value):
                    self._note(value, index, item, depth)
        elif isinstance(value, Module):
            self.modules.append(value)
            self._note(value, Attr("__dict__"), value.__dict__, depth - 1)
        elif isinstance(value, Optimizer) or (depth <= 2 and hasattr(value, "__dict__")
                                              and not kind.__module__.startswith("ember")):
            self._note(value, Attr("__dict__"), value.__dict__, depth)


class Attr(str):
    """An entry's key that names an attribute (a closure cell's contents, an object's __dict__)."""


def same_entries(before, after):
    """The first entry whose value differs between two walks over the same roots, or None."""
    if len(before) != len(after):
        return "the set of objects the call reaches"
    for (c1, k1, v1, by_value1), (c2, k2, v2, by_value2) in zip(before, after):
        same_key = k1 is k2 or ((type(k1) is Attr or _is_scalar(k1)) and type(k1) is type(k2) and k1 == k2)
        if c1 is not c2 or not same_key:
            return _describe(c1, k1)
        if by_value1:
            if not by_value2 or type(v1) is not type(v2) or v1 != v2:
                return _describe(c1, k1)
        elif v1 is not v2:
            return _describe(c1, k1)
    return None


def _describe(container, key):
    name = type(container).__name__
    return f"{name}[{key!r}]" if key is not None else f"the length of a {name}"


def guard_source(entries, constants):
    """Python source of the checks that the entries still hold (constants named c0, c1, ...)."""
    lines = []
    for container, key, value, by_value in entries:
        c = _constant(constants, container)
        if key is None:
            lines.append(f"len({c}) == {value!r}")
            continue
        if type(key) is Attr:
            read = f"{c}.{key}"
        else:
            k = _constant(constants, key) if not _is_scalar(key) else repr(key)
            # a missing key or index raises and the guard answers False; a defaultdict would add the key
            read = f"{c}.get({k}, MISSING)" if hasattr(type(container), "__missing__") else f"{c}[{k}]"
        if by_value:
            v = _constant(constants, value)
            lines.append(f"type({read}) is {_constant(constants, type(value))} and {read} == {v}")
        else:
            lines.append(f"{read} is {_constant(constants, value)}")
    return lines


def _constant(constants, value):
    name = f"c{len(constants)}"
    constants[name] = value
    return name


def _library(function):
    """Functions of ember, NumPy and the standard library: their globals are not the user's state."""
    module = getattr(function, "__module__", None) or ""
    return module.split(".")[0] in ("ember", "numpy", "torch", "functools", "builtins", "typing")


def _function_roots(function):
    """A function's closure cells and the globals its code names."""
    roots = []
    for cell in function.__closure__ or ():
        try:
            roots.append((cell, Attr("cell_contents"), cell.cell_contents))
        except ValueError:  # an empty cell
            pass
    namespace = function.__globals__
    for name in _global_names(function.__code__):
        if name in namespace:
            roots.append((namespace, name, namespace[name]))
    return roots


def roots_of(fn, args, kwargs):
    """(container, key, value) for everything the walk starts from."""
    target = fn
    if isinstance(target, types.MethodType):
        return [(target, Attr("__self__"), target.__self__), (target, Attr("__func__"), target.__func__)]
    if isinstance(target, types.FunctionType):
        return _function_roots(target)
    if isinstance(target, types.BuiltinFunctionType):
        return []
    return [((target,), 0, target)]  # a callable object (a module)


def _global_names(code):
    names = list(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names.extend(_global_names(constant))
    return names
