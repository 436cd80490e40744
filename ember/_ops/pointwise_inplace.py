"""In-place variants (``x.clamp_(0, 1)``, ``x.sqrt_()`` ...) of the pointwise rows, built as
inplace.py builds ``add_``: compute out of place, write into the tensor, bump its version,
take over the new node. Only the names torch has as ``Tensor.<name>_`` are made."""
from . import pointwise, pointwise_logic, pointwise_math
from .inplace import make_inplace

_NAMES = {
    pointwise: ["abs", "absolute", "sign", "sgn", "reciprocal", "square", "floor_divide", "remainder", "fmod",
                "lerp", "addcmul", "addcdiv", "clamp", "clip", "clamp_min", "clamp_max", "sqrt", "log", "sin",
                "cos", "tanh", "sigmoid", "relu", "negative", "true_divide", "eq", "ne", "lt", "le", "gt", "ge",
                "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"],
    pointwise_math: ["exp2", "expm1", "log2", "log10", "log1p", "rsqrt", "tan", "asin", "acos", "atan", "atan2",
                     "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arctan2", "arcsinh",
                     "arccosh", "arctanh", "logit", "erf", "erfc", "erfinv", "hypot", "deg2rad", "rad2deg", "xlogy",
                     "floor", "ceil", "trunc", "fix", "round", "frac", "nan_to_num"],
    pointwise_logic: ["logical_and", "logical_or", "logical_xor", "greater", "greater_equal", "less", "less_equal",
                      "not_equal", "bitwise_left_shift", "bitwise_right_shift"],
}
METHODS = []
for _module, _names in _NAMES.items():
    for _name in _names:
        globals()[_name + "_"] = make_inplace(getattr(_module, _name), _name + "_")
        METHODS.append(_name + "_")
del _module, _names, _name
__all__ = []  # ember.relu_ comes from activation.py
