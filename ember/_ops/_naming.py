"""Torch's grad_fn name on the output of an op composed from other rows.

An op written as several table rows (conv3d from conv2d's, F.linear from matmul and add ...) would
show the last row's node (AddBackward0) where torch shows one node for the whole op
(ConvolutionBackward0). named() gives that last node torch's class name: the node's class is
swapped for a subclass that adds nothing but the name, so the gradient is the last row's, unchanged.
"""
from .._tensor import Tensor

_RENAMED = {}  # (node class, torch's name) -> the subclass carrying that name


def renamed_class(node_class, grad_fn_name):
    key = (node_class, grad_fn_name)
    renamed = _RENAMED.get(key)
    if renamed is None:
        renamed = _RENAMED[key] = type(grad_fn_name, (node_class,), {
            "__slots__": (), "__module__": node_class.__module__, "composed_from": node_class.__name__})
    return renamed


def named(result, grad_fn_name):
    """`result` with its grad_fn named grad_fn_name (as torch names the composed op's node)."""
    node = result.grad_fn if isinstance(result, Tensor) else None
    if node is not None and type(node).__name__ != grad_fn_name:
        node.__class__ = renamed_class(type(node).__bases__[0] if hasattr(type(node), "composed_from")
                                       else type(node), grad_fn_name)
    return result


def composed(grad_fn_name):
    """Decorator: the function's result gets grad_fn_name (not when the result is an input changed in
    place, whose node is the in-place op's own)."""
    def decorate(function):
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            node = getattr(result, "grad_fn", None)
            if node is not None and not any(isinstance(a, Tensor) and a.grad_fn is node for a in args):
                named(result, grad_fn_name)
            return result
        wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = function.__name__, function.__qualname__, \
            function.__doc__
        wrapper.__module__, wrapper.__wrapped__ = function.__module__, function
        return wrapper
    return decorate
