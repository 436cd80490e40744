"""torch._foreach_*: the multi-tensor forms optimizers call, here one op per tensor of the list.

``_foreach_add_(tensors, other)`` is ``t.add_(o)`` for each tensor (``other`` a number, a tensor, or a
list with one entry per tensor); the out-of-place form returns the list of results. torch fuses
these into one kernel per device; the values are the same.
"""
from ._tensor import Tensor

_OPS = ("abs acos asin atan ceil cos cosh erf erfc exp expm1 floor frac lgamma log log10 log1p log2 neg reciprocal "
        "round sigmoid sign sin sinh sqrt tan tanh trunc add sub mul div maximum minimum pow clamp_min clamp_max "
        "addcmul addcdiv lerp copy").split()


def _per_tensor(values, index, count):
    if isinstance(values, (list, tuple)):
        if len(values) != count:
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got {count} and {len(values)}.")
        return values[index]
    return values


def _call(tensor, method, args, kwargs):
    if method.rstrip("_") in ("addcmul", "addcdiv") and len(args) == 3:  # the scale may come third, positionally
        args, kwargs = args[:2], dict(kwargs, value=args[2])
    if method.endswith("_") and not hasattr(Tensor, method):  # maximum_, minimum_: through copy_
        return tensor.copy_(getattr(tensor, method[:-1])(*args, **kwargs))
    return getattr(tensor, method)(*args, **kwargs)


def _foreach(method):
    def function(self, *args, **kwargs):
        tensors = list(self)
        if not all(isinstance(tensor, Tensor) for tensor in tensors):
            raise TypeError(f"_foreach_{method}(): expected a list of tensors")
        return [_call(tensor, method, [_per_tensor(arg, i, len(tensors)) for arg in args], kwargs)
                for i, tensor in enumerate(tensors)]
    function.__name__ = function.__qualname__ = f"_foreach_{method}"
    return function


FUNCTIONS = {}
for _op in _OPS:
    if _op != "copy" and hasattr(Tensor, _op):
        FUNCTIONS[f"_foreach_{_op}"] = _foreach(_op)
    if hasattr(Tensor, f"{_op}_") or _op in ("maximum", "minimum"):
        FUNCTIONS[f"_foreach_{_op}_"] = _foreach(f"{_op}_")
FUNCTIONS["_foreach_zero_"] = _foreach("zero_")
FUNCTIONS["_foreach_norm"] = lambda self, ord=2, dtype=None: [tensor.norm(ord) for tensor in self]
