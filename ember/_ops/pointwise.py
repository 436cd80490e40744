"""Pointwise primitives: one row per op (name, torch grad_fn name, NumPy forward, backward).

backward: one formula per input, as a tuple (or a single formula for a one-input op);
formula(grad, *inputs, result=..., **attributes) -> that input's gradient
  grad    gradient arriving from the output; it has the output's shape
  result  the op's output; ask for it by naming it, and only then is it saved
  None    in place of a formula: "this input is not differentiable"
A formula runs only when its input requires grad, and an input is saved only when such a
formula reads it. Return gradients in the output's shape: the engine sums them back to each
input's shape. Formulas use ember ops (which also accept raw arrays), so they can be
differentiated again.
"""
import math

import numpy as np

from .._tensor import Tensor
from ._registry import defop, promote, promote_to_float


def _pow_forward(x, *, exponent):
    if x.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed. Make the base a float first, "
                           "e.g. x.float() ** -1")
    return np.power(x, exponent)


def _power(base, exponent):
    """np.power, except for integers to negative integer powers, which torch defines (NumPy
    refuses them): 1 ** -n is 1, (-1) ** -n is +-1, and any other base gives 0 (the truncation)."""
    if np.result_type(base, exponent).kind in "iu" and np.any(np.less(exponent, 0)):
        base, exponent = np.broadcast_arrays(base, exponent)
        positive = np.power(base, np.maximum(exponent, 0))
        sign_of_minus_one = np.where(exponent % 2 == 1, -1, 1)
        inverse = np.where(base == 1, 1, np.where(base == -1, sign_of_minus_one, 0))
        return np.where(exponent < 0, inverse, positive).astype(positive.dtype)
    return np.power(base, exponent)


def _pow_backward(grad, x, *, exponent):
    if exponent == 0:  # torch: d(x**0)/dx is 0 everywhere, also at x == 0
        return grad * 0
    return grad * exponent * x ** (exponent - 1)


def _pow_base_backward(grad, a, b):
    # d(a**b)/da = b * a**(b-1); torch makes it 0 wherever b == 0 (at a == 0 it would be 0 * inf = nan)
    return where(eq(b, 0), 0.0, grad * b * a ** (b - 1))


def _pow_exponent_backward(grad, a, b, result):
    # d(a**b)/db = a**b * log(a); torch sets it to 0 where a == 0 and b >= 0 (the limit)
    return where(eq(a, 0) & ge(b, 0), 0.0, grad * result * log(a))


def _constant(value):
    """A value that enters a formula without a gradient of its own (raw arrays already are)."""
    return value.detach() if isinstance(value, Tensor) else value


def _remainder_divisor_backward(grad, a, b):
    # a % b = a - b * floor(a / b). floor is piecewise constant, its derivative is 0 wherever it
    # exists (torch: div(rounding_mode="floor") backward is zeros), so it enters as a constant;
    # floor_divide's own row has no derivative and would make double backward raise.
    return -grad * floor_divide(_constant(a), _constant(b))


def _rsub_forward(x, *, other, alpha=1):
    return np.subtract(other, x if alpha == 1 else np.multiply(x, alpha))


def _beside(name):
    """dtype rule for an op between a tensor and the Python number kept as attribute `name`."""
    return lambda x, **attributes: promote(x, attributes[name])


def _is_bool(value):
    return value is True or value is False or (isinstance(value, Tensor) and value._data.dtype.kind == "b")


def _subtraction_rule(a, b=None, **attributes):
    """promote, except that torch refuses to subtract booleans (NumPy would compute a xor)."""
    other = attributes["other"] if b is None else b
    if _is_bool(a) or _is_bool(other):
        if _is_bool(a) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return promote(a, other)


def _no_derivative(name):
    """The formula of an op torch cannot differentiate: recorded, and raising only at backward."""
    def backward(grad, *inputs, **attributes):
        raise RuntimeError(f"the derivative for '{name}' is not implemented. It is piecewise constant in its "
                           "tensor argument; rewrite the expression with differentiable ops if you need a "
                           "gradient.")
    return backward


# fmt: off
add = defop("add", "AddBackward0",
            lambda a, b, *, alpha=1: np.add(a, b if alpha == 1 else np.multiply(b, alpha)),
            (lambda grad, a, b, *, alpha=1: grad,
             lambda grad, a, b, *, alpha=1: grad if alpha == 1 else grad * alpha), dtype_rule=promote)
sub = defop("sub", "SubBackward0",
            lambda a, b, *, alpha=1: np.subtract(a, b if alpha == 1 else np.multiply(b, alpha)),
            (lambda grad, a, b, *, alpha=1: grad,
             lambda grad, a, b, *, alpha=1: -grad if alpha == 1 else grad * -alpha), dtype_rule=_subtraction_rule)
rsub_tensor = defop("rsub", "RsubBackward0",                          # torch.rsub(a, b) = b - alpha * a
                    lambda a, b, *, alpha=1: np.subtract(b, a if alpha == 1 else np.multiply(a, alpha)),
                    (lambda grad, a, b, *, alpha=1: -grad if alpha == 1 else grad * -alpha,
                     lambda grad, a, b, *, alpha=1: grad), dtype_rule=_subtraction_rule)
rsub_scalar = defop("rsub", "RsubBackward1", _rsub_forward,
                    lambda grad, x, *, other, alpha=1: -grad if alpha == 1 else grad * -alpha,
                    dtype_rule=_subtraction_rule)
mul = defop("mul", "MulBackward0", np.multiply,
            (lambda grad, a, b: grad * b,
             lambda grad, a, b: grad * a), dtype_rule=promote)
div = defop("div", "DivBackward0", np.true_divide,
            (lambda grad, a, b: grad / b,
             lambda grad, a, b: -grad * a / (b * b)), dtype_rule=promote_to_float)
neg = defop("neg", "NegBackward0", np.negative, lambda grad, x: -grad)
pow_scalar = defop("pow", "PowBackward0", _pow_forward, _pow_backward, dtype_rule=_beside("exponent"))
pow_tensor = defop("pow", "PowBackward1", _power, (_pow_base_backward, _pow_exponent_backward), dtype_rule=promote)
pow_scalar_base = defop("pow", "PowBackward2", lambda x, *, base: _power(base, x),
                        lambda grad, x, *, base, result: grad * result * math.log(base), dtype_rule=_beside("base"))
exp = defop("exp", "ExpBackward0", np.exp, lambda grad, x, result: grad * result, dtype_rule=promote_to_float)
log = defop("log", "LogBackward0", np.log, lambda grad, x: grad / x, dtype_rule=promote_to_float)
sqrt = defop("sqrt", "SqrtBackward0", np.sqrt, lambda grad, x, result: grad / (2 * result),
             dtype_rule=promote_to_float)
sin = defop("sin", "SinBackward0", np.sin, lambda grad, x: grad * cos(x), dtype_rule=promote_to_float)
cos = defop("cos", "CosBackward0", np.cos, lambda grad, x: -grad * sin(x), dtype_rule=promote_to_float)
tanh = defop("tanh", "TanhBackward0", np.tanh, lambda grad, x, result: grad * (1 - result * result),
             dtype_rule=promote_to_float)
sigmoid = defop("sigmoid", "SigmoidBackward0", lambda x: 1 / (1 + np.exp(-x)),
                lambda grad, x, result: grad * result * (1 - result), dtype_rule=promote_to_float)
reciprocal = defop("reciprocal", "ReciprocalBackward0", np.reciprocal,
                   lambda grad, x, result: -grad * result * result, dtype_rule=promote_to_float)
relu = defop("relu", "ReluBackward0", lambda x: np.maximum(x, 0),
             lambda grad, x, result: grad * (result > 0))          # torch: d relu/dx at 0 is 0
abs = defop("abs", "AbsBackward0", np.abs, lambda grad, x: grad * sign(x))  # and d|x|/dx at 0 is 0
sign = defop("sign", "SignBackward0", np.sign, lambda grad, x: grad * 0)
# torch has no derivative for floor division: it records its generic NotImplemented node.
floor_divide = defop("floor_divide", "NotImplemented", np.floor_divide, (_no_derivative("floor_divide"),) * 2,
                     dtype_rule=promote)
rfloor_divide = defop("floor_divide", "NotImplemented", lambda x, *, other: np.floor_divide(other, x),
                      _no_derivative("floor_divide"), dtype_rule=_beside("other"))   # 2 // x
rremainder = defop("remainder", "NotImplemented", lambda x, *, other: np.remainder(other, x),
                   _no_derivative("remainder"), dtype_rule=_beside("other"))          # 2 % x
remainder_scalar = defop("remainder", "RemainderBackward0", lambda x, *, other: np.remainder(x, other),
                         lambda grad, x, *, other: grad, dtype_rule=_beside("other"))
remainder_tensor = defop("remainder", "RemainderBackward1", np.remainder,
                         (lambda grad, a, b: grad, _remainder_divisor_backward), dtype_rule=promote)
where = defop("where", "WhereBackward0", np.where,
              (None,
               lambda grad, condition, a, b: where(condition, grad, 0.0),
               lambda grad, condition, a, b: where(condition, 0.0, grad)))
clone = defop("clone", "CloneBackward0", lambda x, *, memory_format=None: np.array(x, copy=True),
              lambda grad, x, *, memory_format=None: grad)
to_copy = defop("to", "ToCopyBackward0", lambda x, *, dtype: x.astype(dtype.numpy),
                lambda grad, x, *, dtype: grad)                    # the engine casts grad back
zero = defop("zero_", "ZeroBackward0", np.zeros_like, lambda grad, x: grad * 0)
fill = defop("fill_", "FillBackward2", lambda x, *, value: np.full_like(x, value), lambda grad, x, *, value: grad * 0)

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
    """torch.rsub(input, other) = other - alpha * input (RsubBackward0, or RsubBackward1 for a number)."""
    if hasattr(other, "_data"):
        return rsub_tensor(input, other, alpha=alpha) if alpha != 1 else rsub_tensor(input, other)
    return rsub_scalar(input, other=other, alpha=alpha) if alpha != 1 else rsub_scalar(input, other=other)


def remainder(input, other):
    """x % 2.5 is RemainderBackward0 and x % y RemainderBackward1, as in torch."""
    if isinstance(other, Tensor):
        return remainder_tensor(input, other)
    return remainder_scalar(input, other=other)


def pow(input, exponent):
    """x ** 2 is PowBackward0, x ** y PowBackward1 and 2 ** x PowBackward2, as in torch."""
    if hasattr(exponent, "_data"):
        if hasattr(input, "_data"):
            return pow_tensor(input, exponent)
        return pow_scalar_base(exponent, base=input)
    return pow_scalar(input, exponent=exponent)


def square(input):
    return pow_scalar(input, exponent=2)


# torch's aliases
subtract, multiply, divide, true_divide, absolute, negative = sub, mul, div, div, abs, neg

# Exported as ember.<name> (__all__) and bound as Tensor.<name> (METHODS); see ember/_ops/__init__.py.
__all__ = ["abs", "absolute", "add", "clone", "cos", "div", "divide", "eq", "exp", "floor_divide", "ge", "gt",
           "le", "log", "logical_not", "lt", "mul", "multiply", "ne", "neg", "negative", "pow", "reciprocal",
           "relu", "remainder", "rsub", "sigmoid", "sign", "sin", "sqrt", "square", "sub", "subtract", "tanh",
           "true_divide", "where", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"]
METHODS = ["add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin",
           "cos", "reciprocal", "sign", "square", "clone", "eq", "ne", "lt", "le", "gt", "ge", "floor_divide",
           "remainder", "rsub", "bitwise_not", "logical_not", "subtract", "multiply", "divide", "true_divide",
           "absolute", "negative"]
