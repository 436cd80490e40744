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

from .._backend import as_array, is_array, to_device
from .._dtype import cast_array, result_type, scalar_type_name
from .._tensor import Tensor, make_tensor
from ._errors import check_fits, clamp_not_for_complex, no_derivative, not_for_complex, refusing
from ._kernels import checked_division, half_in_float32, integer_power, zeroed_where
from ._registry import DtypeRule, declare, defop, promote, promote_to_float, variants
from .pointwise_kernels import (
    ROUNDED_DIVISIONS,
    abs_forward,
    addcmul_forward,
    clamp_forward,
    clamp_max_tensor_forward,
    clamp_min_tensor_forward,
    fmod_forward,
    lerp_forward,
    negative,
    pow_scalar_forward,
    relu_forward,
    rounded_divide,
    rsub_scalar_forward,
    sgn_forward,
    sign_forward,
    wrapping,
)

# The arithmetic rows compute with Python's operators, not the ufuncs: the same NumPy loops on
# arrays, but on the NumPy scalars that 0-d tensors compute with (see _registry.unary_op) an
# operator costs a tenth of a ufunc call.
# fmt: off
add = defop("add", "AddBackward0",
            lambda a, b, *, alpha=1: a + b if alpha == 1 else a + b * alpha,
            (lambda grad, a, b: grad,
             lambda grad, a, b, *, alpha=1: grad if alpha == 1 else grad * alpha), dtype_rule=promote,
            variants=("function", "method", "inplace"))


def _is_bool(value):
    return value is True or value is False or (isinstance(value, Tensor) and value._data.dtype.kind == "b")


def _promote_subtraction(a, b=None, **attributes):
    """promote, except that torch refuses to subtract booleans (NumPy would compute a xor)."""
    other = attributes["other"] if b is None else b
    if _is_bool(a) or _is_bool(other):
        if _is_bool(a) and _is_bool(other):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return promote(a, other)


# promote's common answers, less bool (which must reach the rule to raise); rsub_scalar's
# number is its attribute `other`.
_subtraction_rule = DtypeRule(_promote_subtraction, {float: "fc", int: "iufc", Tensor: "iufc"}, other="other")

sub = defop("sub", "SubBackward0",
            lambda a, b, *, alpha=1: a - b if alpha == 1 else a - b * alpha,
            (lambda grad, a, b: grad,
             lambda grad, a, b, *, alpha=1: -grad if alpha == 1 else grad * -alpha), dtype_rule=_subtraction_rule,
            variants=("function", "method", "inplace"))
rsub_tensor = defop("rsub", "RsubBackward0",                          # torch.rsub(a, b) = b - alpha * a
                    lambda a, b, *, alpha=1: np.subtract(b, a if alpha == 1 else np.multiply(a, alpha)),
                    (lambda grad, a, b, *, alpha=1: -grad if alpha == 1 else grad * -alpha,
                     lambda grad, a, b: grad), dtype_rule=_subtraction_rule)
rsub_scalar = defop("rsub", "RsubBackward1", rsub_scalar_forward,
                    lambda grad, x, *, other, alpha=1: -grad if alpha == 1 else grad * -alpha,
                    dtype_rule=_subtraction_rule)
mul = defop("mul", "MulBackward0", lambda a, b: a * b,
            (lambda grad, a, b: grad * b,
             lambda grad, a, b: grad * a), dtype_rule=promote, variants=("function", "method", "inplace"))
true_divide = defop("div", "DivBackward0", lambda a, b: a / b,
            (lambda grad, a, b: grad / b,
             lambda grad, a, b: -grad * (a / b / b)), dtype_rule=promote_to_float)  # torch: b * b may underflow
declare(true_divide, "true_divide", "function", "method", "inplace")
neg = defop("neg", "NegBackward0", negative, lambda grad, x: -grad, variants=("function", "method", "inplace"))


def _zero_gradient(grad, *inputs, **attributes):
    """torch's zeros_like(grad): 0 also where grad is inf or NaN (grad * 0 would be nan there)."""
    if isinstance(grad, Tensor):
        return make_tensor(np.zeros_like(grad._data))
    return np.zeros_like(grad)


def _pow_backward(grad, x, *, exponent):
    if exponent == 0:  # torch: d(x**0)/dx is 0 everywhere, also at x == 0
        return _zero_gradient(grad)
    return grad * (exponent * x ** (exponent - 1))  # torch's association (float32 rounds differently)

pow_scalar = defop("pow", "PowBackward0", pow_scalar_forward, _pow_backward, dtype_rule=promote.beside("exponent"),
                   bfloat16_native=True)  # torch multiplies bfloat16 powers out in bfloat16


def _pow_base_backward(grad, a, b):
    # d(a**b)/da = b * a**(b-1); torch makes it 0 wherever b == 0 (at a == 0 it would be 0 * inf = nan)
    return where_row(eq(b, 0), 0.0, grad * b * a ** (b - 1))


def _pow_exponent_backward(grad, a, b, result):
    # d(a**b)/db = a**b * log(a); torch sets it to 0 where a == 0 and b >= 0 (the limit)
    return where_row(eq(a, 0) & ge(b, 0), 0.0, grad * result * log(a))

pow_tensor = defop("pow", "PowBackward1", refusing("pow", "b", integer_power),
                   (_pow_base_backward, _pow_exponent_backward), dtype_rule=promote)
pow_scalar_base = defop("pow", "PowBackward2", lambda x, *, base: integer_power(base, x),
                        lambda grad, x, *, base, result: grad * result * math.log(base),
                        dtype_rule=promote.beside("base"))
exp = defop("exp", "ExpBackward0", np.exp, lambda grad, x, result: grad * result, dtype_rule=promote_to_float,
            variants=("function", "method", "inplace"))
log = defop("log", "LogBackward0", np.log, lambda grad, x: grad / x, dtype_rule=promote_to_float,
            variants=("function", "method", "inplace"))
sqrt = defop("sqrt", "SqrtBackward0", np.sqrt, lambda grad, x, result: grad / (2 * result),
             dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
sin = defop("sin", "SinBackward0", np.sin, lambda grad, x: grad * cos(x), dtype_rule=promote_to_float,
            variants=("function", "method", "inplace"))
cos = defop("cos", "CosBackward0", np.cos, lambda grad, x: -grad * sin(x), dtype_rule=promote_to_float,
            variants=("function", "method", "inplace"))
tanh = defop("tanh", "TanhBackward0", np.tanh, lambda grad, x, result: grad * (1 - result * result),
             dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
sigmoid = defop("sigmoid", "SigmoidBackward0", half_in_float32(lambda x: 1 / (1 + np.exp(-x))),
                lambda grad, x, result: grad * result * (1 - result), dtype_rule=promote_to_float,
                variants=("function", "method", "inplace"))
reciprocal = defop("reciprocal", "ReciprocalBackward0", np.reciprocal,
                   lambda grad, x, result: -grad * (result * result), dtype_rule=promote_to_float,
                   variants=("function", "method", "inplace"))
def _relu_backward(grad, x, result):
    # torch: 0 where result <= 0 (at 0 too), else grad (a NaN result passes grad)
    if (is_array(grad) and is_array(result) and grad.dtype is result.dtype
            and grad.dtype.kind == "f" and grad.dtype.itemsize >= 4 and grad.shape == result.shape):
        return zeroed_where(np.less_equal(result, 0), grad)
    return where(le(result, 0), 0.0, grad)


relu = defop("relu", "ReluBackward0", relu_forward, _relu_backward, variants=("function", "method", "inplace"))
abs = defop("abs", "AbsBackward0", abs_forward, lambda grad, x: grad * sign(x),
            variants=("function", "method", "inplace"))  # and d|x|/dx at 0 is 0
abs.row.node_class.complex_aware = True  # complex x: grad * x/|x| (NumPy's sign), torch's convention
sign = defop("sign", "SignBackward0", sign_forward, _zero_gradient, variants=("function", "method", "inplace"))
# torch has no derivative for floor division: it records its generic NotImplemented node.
floor_divide = defop("floor_divide", "NotImplemented", checked_division(np.floor_divide),
                     (no_derivative("floor_divide"),) * 2, dtype_rule=promote,
                     variants=("function", "method", "inplace"))
rfloor_divide = defop("floor_divide", "NotImplemented", lambda x, *, other: checked_division(np.floor_divide)(other, x),
                      no_derivative("floor_divide"), dtype_rule=promote.beside("other"))   # 2 // x
rremainder = defop("remainder", "NotImplemented", lambda x, *, other: checked_division(np.remainder)(other, x),
                   no_derivative("remainder"), dtype_rule=promote.beside("other"))          # 2 % x
remainder_scalar = defop("remainder", "RemainderBackward0",
                         lambda x, *, other: checked_division(np.remainder)(x, other),
                         lambda grad, x, *, other: grad, dtype_rule=promote.beside("other"))


def _constant(value):
    """A value that enters a formula without a gradient of its own (raw arrays already are)."""
    return value.detach() if isinstance(value, Tensor) else value


def _remainder_divisor_backward(grad, a, b):
    # a % b = a - b * floor(a / b). floor is piecewise constant, its derivative is 0 wherever it
    # exists (torch: div(rounding_mode="floor") backward is zeros), so it enters as a constant;
    # floor_divide's own row has no derivative and would make double backward raise.
    return -grad * floor_divide(_constant(a), _constant(b))

remainder_tensor = defop("remainder", "RemainderBackward1", checked_division(np.remainder),
                         (lambda grad, a, b: grad, _remainder_divisor_backward), dtype_rule=promote)
where_row = defop("where", "WhereBackward0", np.where,
                  (None,
                   lambda grad, condition, a, b: where_row(condition, grad, 0.0),
                   lambda grad, condition, a, b: where_row(condition, 0.0, grad)),
                  dtype_rule=lambda condition, a, b: promote(a, b))
clone = defop("clone", "CloneBackward0", lambda x, *, memory_format=None: x.copy(order="K"),
              lambda grad, x: grad, variants=("function", "method"))


def _copy_to(x, *, dtype=None, device=None, source=None):
    """x.to(dtype, device): cast where it is, then move (`source` is where it was, for the way back)."""
    if dtype is not None:
        x = cast_array(x, dtype.numpy)
    return x if device is None else to_device(x, device)


# the engine casts grad back to x's dtype; the formula moves it back to x's device
to_copy = defop("to", "ToCopyBackward0", _copy_to,
                lambda grad, x, *, dtype=None, device=None, source=None:
                grad if device is None else to_copy(grad, device=source, source=device))
zero = defop("zero_", "ZeroBackward0", np.zeros_like, _zero_gradient)
fill = defop("fill_", "FillBackward2", lambda x, *, value: np.full_like(x, value), _zero_gradient)

# Comparisons and logic: no gradient, bool results.
eq = defop("eq", None, wrapping(np.equal), None, dtype_rule=promote, bool_output=True,
           variants=("function", "method", "inplace"))
ne = defop("ne", None, wrapping(np.not_equal), None, dtype_rule=promote, bool_output=True,
           variants=("function", "method", "inplace"))
lt = defop("lt", None, refusing("lt_cpu", "c", wrapping(np.less)), None, dtype_rule=promote, bool_output=True,
           variants=("function", "method", "inplace"))
le = defop("le", None, refusing("le_cpu", "c", wrapping(np.less_equal)), None, dtype_rule=promote, bool_output=True,
           variants=("function", "method", "inplace"))
gt = defop("gt", None, refusing("gt_cpu", "c", wrapping(np.greater)), None, dtype_rule=promote, bool_output=True,
           variants=("function", "method", "inplace"))
ge = defop("ge", None, refusing("ge_cpu", "c", wrapping(np.greater_equal)), None, dtype_rule=promote,
           bool_output=True, variants=("function", "method", "inplace"))
logical_not = defop("logical_not", None, np.logical_not, None, variants=("function", "method", "inplace"))
bitwise_not = defop("bitwise_not", None, np.invert, None, variants=("function", "method", "inplace"))
bitwise_and = defop("bitwise_and", None, np.bitwise_and, None, dtype_rule=promote,
                    variants=("function", "method", "inplace"))
bitwise_or = defop("bitwise_or", None, np.bitwise_or, None, dtype_rule=promote,
                   variants=("function", "method", "inplace"))
bitwise_xor = defop("bitwise_xor", None, np.bitwise_xor, None, dtype_rule=promote,
                    variants=("function", "method", "inplace"))

div_rounded = defop("div", "DivBackward2", rounded_divide, (_zero_gradient, _zero_gradient), dtype_rule=promote)
fmod_scalar = defop("fmod", "FmodBackward0", lambda x, *, other: fmod_forward(x, other), lambda grad, x, *, other: grad,
                    dtype_rule=promote.beside("other"))


fmod_tensor = defop("fmod", "FmodBackward1", fmod_forward,
                    (lambda grad, a, b: grad,
                     lambda grad, a, b: -grad * div_rounded(_constant(a), _constant(b), rounding_mode="trunc")),
                    dtype_rule=promote)
lerp_scalar = defop("lerp", "LerpBackward0", lerp_forward,
                    (lambda grad, start, end, *, weight: grad * (1 - weight),
                     lambda grad, start, end, *, weight: grad * weight), dtype_rule=promote)
lerp_tensor = defop("lerp", "LerpBackward1", lambda start, end, weight: lerp_forward(start, end, weight=weight),
                    (lambda grad, start, end, weight: grad * (1 - weight),
                     lambda grad, start, end, weight: grad * weight,
                     lambda grad, start, end, weight: grad * (end - start)), dtype_rule=promote)
addcmul_row = defop("addcmul", "AddcmulBackward0", refusing("addcmul_cpu_out", "b", addcmul_forward),
                    (lambda grad, x, t1, t2, *, value: grad,
                     lambda grad, x, t1, t2, *, value: grad * t2 * value,
                     lambda grad, x, t1, t2, *, value: grad * t1 * value), dtype_rule=promote)
addcdiv_row = defop("addcdiv", "AddcdivBackward0", lambda x, t1, t2, *, value: x + value * (t1 / t2),
                    (lambda grad, x, t1, t2, *, value: grad,
                     lambda grad, x, t1, t2, *, value: grad * value / t2,
                     lambda grad, x, t1, t2, *, value: -grad * value * t1 / (t2 * t2)), dtype_rule=promote)


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def _masked(grad, mask):
    """grad scaled by `mask` (a raw bool or 0/0.5/1 array computed from constants) where it is nonzero,
    and 0 elsewhere by selection, as torch's masked_fill: an inf or NaN gradient blocked by the mask
    gives 0, not 0 * inf = nan."""
    mask = as_array(mask)
    keep = mask if mask.dtype == np.bool_ else mask != 0
    if isinstance(grad, Tensor):
        scaled = grad if mask.dtype == np.bool_ else grad * make_tensor(mask.astype(grad._data.dtype))
        return where_row(make_tensor(keep), scaled, 0.0)
    grad = as_array(grad)
    scaled = grad if mask.dtype == np.bool_ else grad * mask.astype(grad.dtype)
    return np.where(keep, scaled, grad.dtype.type(0))


def _max_share(a, b):
    """torch's maximum backward: ties split the gradient evenly, the smaller input gets none
    (NaN passes it on: neither a < b nor a == b)."""
    a, b = _raw(a), _raw(b)
    return np.where(a == b, 0.5, 1.0) * ~(a < b)

maximum = defop("maximum", "MaximumBackward0", refusing("", "c", np.maximum, not_for_complex("maximum")),
                (lambda grad, a, b: _masked(grad, _max_share(a, b)),
                 lambda grad, a, b: _masked(grad, _max_share(b, a))), dtype_rule=promote,
                variants=("function", "method"))


def _min_share(a, b):
    a, b = _raw(a), _raw(b)
    return np.where(a == b, 0.5, 1.0) * ~(a > b)

minimum = defop("minimum", "MinimumBackward0", refusing("", "c", np.minimum, not_for_complex("minimum")),
                (lambda grad, a, b: _masked(grad, _min_share(a, b)),
                 lambda grad, a, b: _masked(grad, _min_share(b, a))), dtype_rule=promote,
                variants=("function", "method"))


def _fmax_keeps(a, b):
    """fmax/fmin take the first input at ties, and wherever the second is NaN."""
    a, b = _raw(a), _raw(b)
    return (a >= b) | np.isnan(b)

fmax = defop("fmax", "FmaxBackward0", refusing("", "c", np.fmax, not_for_complex("fmax")),
             (lambda grad, a, b: _masked(grad, _fmax_keeps(a, b)),
              lambda grad, a, b: _masked(grad, ~_fmax_keeps(a, b))), dtype_rule=promote,
             variants=("function", "method"))


def _fmin_keeps(a, b):
    a, b = _raw(a), _raw(b)
    return (a <= b) | np.isnan(b)

fmin = defop("fmin", "FminBackward0", refusing("", "c", np.fmin, not_for_complex("fmin")),
             (lambda grad, a, b: _masked(grad, _fmin_keeps(a, b)),
              lambda grad, a, b: _masked(grad, ~_fmin_keeps(a, b))), dtype_rule=promote,
             variants=("function", "method"))


def _known(*values):
    return [value for value in values if value is not None]


def _clamp_rule(x, low=None, high=None, **attributes):
    bounds = _known(low, high, attributes.get("min"), attributes.get("max"))
    if len(bounds) == 1 and isinstance(x, Tensor) and x._data.dtype.kind in _KEEPS_BESIDE_NUMBER.get(
            type(bounds[0]), ""):
        return x._data.dtype
    return result_type(x, *bounds).numpy


_KEEPS_BESIDE_NUMBER = {float: "fc", int: "iufc"}


def _inside(x, low, high):
    """torch's clamp backward: the gradient passes where low <= x <= high (the bounds included)."""
    x = _raw(x)
    inside = True
    if low is not None:
        inside = inside & (x >= _raw(low))
    if high is not None:
        inside = inside & (x <= _raw(high))
    return inside


def _below(x, low, high):
    x, low = _raw(x), _raw(low)
    below = x < low
    return below if high is None else below & (low < _raw(high))  # min > max: min gets no gradient


def _above(x, low, high):
    x, high = _raw(x), _raw(high)
    above = x > high
    return above if low is None else above | (high < _raw(low))

# clamp(x, 0, 1) keeps its bounds as numbers (ClampBackward1); tensor bounds are inputs (ClampBackward0)
clamp_scalar = defop("clamp", "ClampBackward1", refusing("", "c", clamp_forward, clamp_not_for_complex),
                     lambda grad, x, *, min=None, max=None: _masked(grad, _inside(x, min, max)),
                     dtype_rule=_clamp_rule)
clamp_tensor = defop("clamp", "ClampBackward0", refusing("", "c", clamp_forward, clamp_not_for_complex),
                     (lambda grad, x, low, high: _masked(grad, _inside(x, low, high)),
                      lambda grad, x, low, high: _masked(grad, _below(x, low, high)),
                      lambda grad, x, low, high: _masked(grad, _above(x, low, high))), dtype_rule=_clamp_rule)
clamp_min_scalar = defop("clamp_min", "ClampMinBackward0",
                         refusing("", "c", lambda x, *, min: np.maximum(min, x), clamp_not_for_complex),
                         lambda grad, x, *, min: _masked(grad, _inside(x, min, None)), dtype_rule=_clamp_rule)
clamp_min_tensor = defop("clamp_min", "ClampMinBackward1", refusing("", "c", clamp_min_tensor_forward,
                                                                  clamp_not_for_complex),
                         (lambda grad, x, low: _masked(grad, _inside(x, low, None)),
                          lambda grad, x, low: _masked(grad, _below(x, low, None))), dtype_rule=promote)
clamp_max_scalar = defop("clamp_max", "ClampMaxBackward0",
                         refusing("", "c", lambda x, *, max: np.minimum(max, x), clamp_not_for_complex),
                         lambda grad, x, *, max: _masked(grad, _inside(x, None, max)), dtype_rule=_clamp_rule)
clamp_max_tensor = defop("clamp_max", "ClampMaxBackward1", refusing("", "c", clamp_max_tensor_forward,
                                                                  clamp_not_for_complex),
                         (lambda grad, x, high: _masked(grad, _inside(x, None, high)),
                          lambda grad, x, high: _masked(grad, _above(x, None, high))), dtype_rule=promote)
sgn = defop("sgn", "SgnBackward0", sgn_forward, _zero_gradient, variants=("function", "method", "inplace"))
# fmt: on


@variants("function", "method")
def rsub(input, other, *, alpha=1):
    """torch.rsub(input, other) = other - alpha * input (RsubBackward0, or RsubBackward1 for a number)."""
    if hasattr(other, "_data"):
        return rsub_tensor(input, other, alpha=alpha) if alpha != 1 else rsub_tensor(input, other)
    return rsub_scalar(input, other=other, alpha=alpha) if alpha != 1 else rsub_scalar(input, other=other)


@variants("function", "method", "inplace")
def remainder(input, other):
    """x % 2.5 is RemainderBackward0 and x % y RemainderBackward1, as in torch."""
    if isinstance(other, Tensor):
        return remainder_tensor(input, other)
    return remainder_scalar(input, other=other)


@variants("function", "method", "inplace")
def pow(input, exponent):
    """x ** 2 is PowBackward0, x ** y PowBackward1 and 2 ** x PowBackward2, as in torch."""
    if hasattr(exponent, "_data"):
        if hasattr(input, "_data"):
            return pow_tensor(input, exponent)
        return pow_scalar_base(exponent, base=input)
    return pow_scalar(input, exponent=exponent)


@variants("function", "method", "inplace")
def square(input):
    return pow_scalar(input, exponent=2)


@variants("function", "method", "inplace")
def div(input, other, *, rounding_mode=None):
    """input / other; rounding_mode 'trunc' or 'floor' rounds the quotient (DivBackward2, zero gradient)."""
    if rounding_mode is None:
        return true_divide(input, other)
    if rounding_mode not in ROUNDED_DIVISIONS:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"{rounding_mode!r}")
    return div_rounded(input, other, rounding_mode=rounding_mode)


@variants("function", "method", "inplace")
def fmod(input, other):
    """C's fmod: the remainder takes the sign of the dividend (remainder takes the divisor's)."""
    if isinstance(other, Tensor):
        return fmod_tensor(input, other)
    return fmod_scalar(input, other=other)


def _require_floating(name, *tensors):
    for tensor in tensors:
        if isinstance(tensor, Tensor) and tensor._data.dtype.kind not in "fcV":  # V: bfloat16
            raise NotImplementedError(f'"{name}" not implemented for \'{tensor.dtype.name}\'; '
                                      f"convert the inputs to float first (x.float())")


@variants("function", "method", "inplace")
def lerp(input, end, weight):
    """input + weight * (end - input)."""
    _require_floating("lerp", input, end)
    if isinstance(weight, Tensor):
        return lerp_tensor(input, end, weight)
    return lerp_scalar(input, end, weight=weight)


@variants("function", "method", "inplace")
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return addcmul_row(input, tensor1, tensor2, value=value)


@variants("function", "method", "inplace")
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    if all(isinstance(t, Tensor) and t._data.dtype.kind in "iub" for t in (tensor1, tensor2)):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. Convert tensor1 or tensor2 to "
                           "float first, or compute (input + value * tensor1 // tensor2) for the old behaviour.")
    return addcdiv_row(input, tensor1, tensor2, value=value)


@variants("function", "method", "inplace")
def clamp(input, min=None, max=None):
    """Limit every element to [min, max]; either bound may be None, a number, or a tensor."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return clamp_tensor(input, min, max)
    return clamp_scalar(input, min=min, max=max)


@variants("function", "method", "inplace")
def clamp_min(input, min):
    if isinstance(min, Tensor):
        return clamp_min_tensor(input, min)
    return clamp_min_scalar(input, min=min)


@variants("function", "method", "inplace")
def clamp_max(input, max):
    if isinstance(max, Tensor):
        return clamp_max_tensor(input, max)
    return clamp_max_scalar(input, max=max)


@variants("function")
def where(condition, input=None, other=None):
    """where(condition, input, other) picks input where condition holds, else other;
    where(condition) alone is nonzero(condition, as_tuple=True)."""
    if (is_array(condition) or isinstance(condition, np.bool_)) and other is not None:  # raw: a formula's fast path
        return where_row(condition, input, other)
    if not isinstance(condition, Tensor) or condition._data.dtype.kind != "b":
        got = scalar_type_name(condition.dtype) if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {got}; "
                           "compare first (e.g. x > 0) or convert with .bool()")
    if input is None and other is None:
        return tuple(make_tensor(index.astype(np.int64)) for index in np.nonzero(condition._data))
    if input is None or other is None:
        raise TypeError("where() takes a condition and both input and other (or the condition alone)")
    for number, tensor in ((input, other), (other, input)):  # where(c, int8_tensor, 300): 300 must fit
        if isinstance(tensor, Tensor) and (type(number) is int or type(number) is float):
            check_fits(number, tensor._data.dtype)
    return where_row(condition, input, other)


# torch's aliases
subtract, multiply, divide, absolute, negative, clip = sub, mul, div, abs, neg, clamp
declare(subtract, "subtract", "function", "method", "inplace")
declare(multiply, "multiply", "function", "method", "inplace")
declare(divide, "divide", "function", "method", "inplace")
declare(absolute, "absolute", "function", "method", "inplace")
declare(negative, "negative", "function", "method", "inplace")
declare(clip, "clip", "function", "method", "inplace")
