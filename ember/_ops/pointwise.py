"""Pointwise primitives: one row per op (name, torch grad_fn name, NumPy forward, backward).

backward(grad, *inputs, result=..., **attributes) -> one gradient per input
  grad    gradient arriving from the output; it has the output's shape
  result  the op's output; ask for it by naming it, and only then is it saved
  None    means "this input is not differentiable"
Return gradients in the output's shape: the engine sums them back to each input's shape.
Formulas use ember ops (which also accept raw arrays), so they can be differentiated again.
"""
import math

import numpy as np

from ._registry import defop, promote, promote_to_float


def _pow_forward(x, *, exponent):
    if x.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return np.power(x, exponent)


def _pow_backward(grad, x, *, exponent):
    if exponent == 0:  # torch: d(x**0)/dx is 0 everywhere, also at x == 0
        return (grad * 0,)
    return (grad * exponent * x ** (exponent - 1),)


def _pow_tensor_backward(grad, a, b, result):
    # d(a**b)/db = a**b * log(a); torch sets it to 0 where a == 0 and b >= 0 (the limit)
    exponent_grad = where(eq(a, 0) & ge(b, 0), 0.0, grad * result * log(a))
    return (grad * b * a ** (b - 1), exponent_grad)


def _floor_divide_backward(grad, a, b):
    raise RuntimeError("the derivative for 'floor_divide' is not implemented. floor division is piecewise "
                       "constant; use true division (/) if you need a gradient.")


def _rsub_forward(x, *, other, alpha=1):
    return np.subtract(other, x if alpha == 1 else np.multiply(x, alpha))


def _beside(name):
    """dtype rule for an op between a tensor and the Python number kept as attribute `name`."""
    return lambda x, **attributes: promote(x, attributes[name])


# fmt: off
add = defop("add", "AddBackward0",
            lambda a, b, *, alpha=1: np.add(a, b if alpha == 1 else np.multiply(b, alpha)),
            lambda grad, a, b, *, alpha=1: (grad, grad if alpha == 1 else grad * alpha), dtype_rule=promote)
sub = defop("sub", "SubBackward0",
            lambda a, b, *, alpha=1: np.subtract(a, b if alpha == 1 else np.multiply(b, alpha)),
            lambda grad, a, b, *, alpha=1: (grad, -grad if alpha == 1 else grad * -alpha), dtype_rule=promote)
rsub_scalar = defop("rsub", "RsubBackward1", _rsub_forward,
                    lambda grad, x, *, other, alpha=1: (-grad if alpha == 1 else grad * -alpha,),
                    dtype_rule=_beside("other"))
mul = defop("mul", "MulBackward0", np.multiply, lambda grad, a, b: (grad * b, grad * a), dtype_rule=promote)
div = defop("div", "DivBackward0", np.true_divide,
            lambda grad, a, b: (grad / b, -grad * a / (b * b)), dtype_rule=promote_to_float)
neg = defop("neg", "NegBackward0", np.negative, lambda grad, x: (-grad,))
pow_scalar = defop("pow", "PowBackward0", _pow_forward, _pow_backward, dtype_rule=_beside("exponent"))
pow_tensor = defop("pow", "PowBackward1", np.power, _pow_tensor_backward, dtype_rule=promote)
pow_scalar_base = defop("pow", "PowBackward2", lambda x, *, base: np.power(base, x),
                        lambda grad, x, *, base, result: (grad * result * math.log(base),),
                        dtype_rule=_beside("base"))
exp = defop("exp", "ExpBackward0", np.exp, lambda grad, x, result: (grad * result,), dtype_rule=promote_to_float)
log = defop("log", "LogBackward0", np.log, lambda grad, x: (grad / x,), dtype_rule=promote_to_float)
sqrt = defop("sqrt", "SqrtBackward0", np.sqrt, lambda grad, x, result: (grad / (2 * result),),
             dtype_rule=promote_to_float)
sin = defop("sin", "SinBackward0", np.sin, lambda grad, x: (grad * cos(x),), dtype_rule=promote_to_float)
cos = defop("cos", "CosBackward0", np.cos, lambda grad, x: (-grad * sin(x),), dtype_rule=promote_to_float)
tanh = defop("tanh", "TanhBackward0", np.tanh, lambda grad, x, result: (grad * (1 - result * result),),
             dtype_rule=promote_to_float)
sigmoid = defop("sigmoid", "SigmoidBackward0", lambda x: 1 / (1 + np.exp(-x)),
                lambda grad, x, result: (grad * result * (1 - result),), dtype_rule=promote_to_float)
reciprocal = defop("reciprocal", "ReciprocalBackward0", np.reciprocal,
                   lambda grad, x, result: (-grad * result * result,), dtype_rule=promote_to_float)
relu = defop("relu", "ReluBackward0", lambda x: np.maximum(x, 0),
             lambda grad, x, result: (grad * (result > 0),))          # torch: d relu/dx at 0 is 0
abs = defop("abs", "AbsBackward0", np.abs, lambda grad, x: (grad * sign(x),))  # and d|x|/dx at 0 is 0
sign = defop("sign", "SignBackward0", np.sign, lambda grad, x: (grad * 0,))
floor_divide = defop("floor_divide", "FloorDivideBackward0", np.floor_divide, _floor_divide_backward,
                     dtype_rule=promote)
remainder = defop("remainder", "RemainderBackward0", np.remainder,
                  lambda grad, a, b: (grad, -grad * floor_divide(a, b)), dtype_rule=promote)
where = defop("where", "WhereBackward0", np.where,
              lambda grad, condition, a, b: (None, where(condition, grad, 0.0), where(condition, 0.0, grad)))
clone = defop("clone", "CloneBackward0", lambda x, *, memory_format=None: np.array(x, copy=True),
              lambda grad, x, *, memory_format=None: (grad,))
to_copy = defop("to", "ToCopyBackward0", lambda x, *, dtype: x.astype(dtype.numpy),
                lambda grad, x, *, dtype: (grad,))                    # the engine casts grad back
zero = defop("zero_", "ZeroBackward0", np.zeros_like, lambda grad, x: (grad * 0,))
fill = defop("fill_", "FillBackward0", lambda x, *, value: np.full_like(x, value), lambda grad, x, *, value: (grad * 0,))

# Comparisons and logic: no gradient, bool results.
eq = defop("eq", None, np.equal, None, dtype_rule=promote, bool_output=True)
ne = defop("ne", None, np.not_equal, None, dtype_rule=promote, bool_output=True)
lt = defop("lt", None, np.less, None, dtype_rule=promote, bool_output=True)
le = defop("le", None, np.less_equal, None, dtype_rule=promote, bool_output=True)
gt = defop("gt", None, np.greater, None, dtype_rule=promote, bool_output=True)
ge = defop("ge", None, np.greater_equal, None, dtype_rule=promote, bool_output=True)
logical_not = defop("logical_not", None, np.logical_not, None)
bitwise_not = defop("bitwise_not", None, np.invert, None)
bitwise_and = defop("bitwise_and", None, np.bitwise_and, None, dtype_rule=promote)
bitwise_or = defop("bitwise_or", None, np.bitwise_or, None, dtype_rule=promote)
bitwise_xor = defop("bitwise_xor", None, np.bitwise_xor, None, dtype_rule=promote)
# fmt: on


def rsub(input, other, *, alpha=1):
    """torch.rsub(input, other) = other - alpha * input."""
    if hasattr(other, "_data"):
        return sub(other, input, alpha=alpha) if alpha != 1 else sub(other, input)
    return rsub_scalar(input, other=other, alpha=alpha) if alpha != 1 else rsub_scalar(input, other=other)


def pow(input, exponent):
    """x ** 2 is PowBackward0, x ** y PowBackward1 and 2 ** x PowBackward2, as in torch."""
    if hasattr(exponent, "_data"):
        if hasattr(input, "_data"):
            return pow_tensor(input, exponent)
        return pow_scalar_base(exponent, base=input)
    return pow_scalar(input, exponent=exponent)


def square(input):
    return pow_scalar(input, exponent=2)
