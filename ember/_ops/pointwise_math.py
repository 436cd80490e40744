"""Pointwise math: exponentials, logarithms, trigonometry, erf, rounding. One row per op;
see pointwise.py for how to read a row.

Integers and bools compute in the default float (promote_to_float), as in torch; the
rounding functions keep integer tensors as they are. Formulas are written with ember ops,
so each is differentiable again.
"""
import math

import numpy as np

from .._tensor import Tensor, make_tensor
from . import pointwise_special as special
from ._errors import refusing
from ._kernels import in_float64
from ._registry import declare, defop, promote, promote_to_float, variants
from .pointwise import _masked, _raw, _zero_gradient, exp, log, sigmoid, sqrt, where_row

LN2, LN10 = math.log(2.0), math.log(10.0)
SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0


def _logit(x, *, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1.0 - eps)
    return np.log(x / (1.0 - x))


def _round(x, *, decimals=0):
    if x.dtype.kind in "iub":
        return x.copy()
    if decimals == 0:
        return np.round(x)
    scale = 10.0 ** abs(decimals)  # torch: nearbyint(x * 10^d) / 10^d (divide first for negative d)
    if decimals > 0:
        return np.round(x * scale) / scale
    return np.round(x / scale) * scale


def _integer_kept(numpy_function):
    """floor/ceil/trunc of an integer tensor is the tensor itself (a copy), as in torch."""
    return lambda x: x.copy() if x.dtype.kind in "iub" else numpy_function(x)


def _nan_to_num(x, *, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind not in "fc":
        return x.copy()
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _logaddexp_share(a, b):
    """d logaddexp(a, b)/da = 1 / (1 + exp(b - a)) = sigmoid(a - b)."""
    return sigmoid(a - b)


def _logaddexp(a, b):
    if a.dtype.kind == "c":  # NumPy has no complex logaddexp
        return np.log(np.exp(a) + np.exp(b))
    return np.logaddexp(a, b)


# fmt: off
exp2 = defop("exp2", "Exp2Backward0", np.exp2, lambda grad, x, result: grad * result * LN2,
             dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
expm1 = defop("expm1", "Expm1Backward0", np.expm1, lambda grad, x, result: grad * (result + 1),
              dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
log2 = defop("log2", "Log2Backward0", np.log2, lambda grad, x: grad / (x * LN2), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
log10 = defop("log10", "Log10Backward0", np.log10, lambda grad, x: grad / (x * LN10), dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))
log1p = defop("log1p", "Log1PBackward0", np.log1p, lambda grad, x: grad / (x + 1), dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))
rsqrt = defop("rsqrt", "RsqrtBackward0", lambda x: 1 / np.sqrt(x),
              lambda grad, x, result: -0.5 * grad * result * result * result, dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))
tan = defop("tan", "TanBackward0", np.tan, lambda grad, x, result: grad * (1 + result * result),
            dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
asin = defop("asin", "AsinBackward0", np.arcsin, lambda grad, x: grad / sqrt(1 - x * x), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
acos = defop("acos", "AcosBackward0", np.arccos, lambda grad, x: -grad / sqrt(1 - x * x), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
atan = defop("atan", "AtanBackward0", np.arctan, lambda grad, x: grad / (1 + x * x), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))


def _inverse_square_radius(a, b):
    """1 / (a^2 + b^2), with torch's 0 at the origin (where atan2's gradient would be 0/0)."""
    square = a * a + b * b
    at_origin = _raw(square) == 0
    return where_row(make_tensor(at_origin) if isinstance(square, Tensor) else at_origin, 0.0, 1 / square)

atan2 = defop("atan2", "Atan2Backward0", np.arctan2,
              (lambda grad, a, b: grad * b * _inverse_square_radius(a, b),
               lambda grad, a, b: -grad * a * _inverse_square_radius(a, b)), dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))
sinh = defop("sinh", "SinhBackward0", np.sinh, lambda grad, x: grad * cosh(x), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
cosh = defop("cosh", "CoshBackward0", np.cosh, lambda grad, x: grad * sinh(x), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
asinh = defop("asinh", "AsinhBackward0", np.arcsinh, lambda grad, x: grad / sqrt(x * x + 1),
              dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
acosh = defop("acosh", "AcoshBackward0", np.arccosh, lambda grad, x: grad / sqrt(x * x - 1),
              dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
atanh = defop("atanh", "AtanhBackward0", np.arctanh, lambda grad, x: grad / (1 - x * x), dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))


def _logit_backward(grad, x, *, eps=None):
    # torch: without eps the gradient is nan outside [0, 1]; with eps, 0 outside [eps, 1 - eps] (the clamp)
    raw = _raw(x)
    if eps is None:
        cut, fill = (raw < 0) | (raw > 1), math.nan
    else:
        cut, fill = (raw < eps) | (raw > 1 - eps), 0.0
    return where_row(make_tensor(cut) if isinstance(grad, Tensor) else cut, fill, grad / (x * (1 - x)))

logit_row = defop("logit", "LogitBackward0", _logit, _logit_backward, dtype_rule=promote_to_float)
erf = defop("erf", "ErfBackward0", in_float64(special.erf),
            lambda grad, x: grad * special.TWO_OVER_SQRT_PI * exp(-(x * x)), dtype_rule=promote_to_float,
            variants=("function", "method", "inplace"))
erfc = defop("erfc", "ErfcBackward0", in_float64(special.erfc),
             lambda grad, x: -grad * special.TWO_OVER_SQRT_PI * exp(-(x * x)), dtype_rule=promote_to_float,
             variants=("function", "method", "inplace"))
erfinv = defop("erfinv", "ErfinvBackward0", in_float64(special.erfinv),
               lambda grad, x, result: grad * SQRT_PI_OVER_TWO * exp(result * result), dtype_rule=promote_to_float,
               variants=("function", "method", "inplace"))
hypot = defop("hypot", "HypotBackward0", refusing("hypot_cpu", "biu", np.hypot),
              (lambda grad, a, b, result: grad * a / result,
               lambda grad, a, b, result: grad * b / result), dtype_rule=promote,
              variants=("function", "method", "inplace"))
logaddexp = defop("logaddexp", "LogaddexpBackward0", refusing("logaddexp_cpu", "biu", _logaddexp),
                  (lambda grad, a, b: grad * _logaddexp_share(a, b),
                   lambda grad, a, b: grad * _logaddexp_share(b, a)), dtype_rule=promote,
                  variants=("function", "method"))
logaddexp2 = defop("logaddexp2", "Logaddexp2Backward0", np.logaddexp2,
                   (lambda grad, a, b: grad * _logaddexp_share(a * LN2, b * LN2),
                    lambda grad, a, b: grad * _logaddexp_share(b * LN2, a * LN2)), dtype_rule=promote,
                   variants=("function", "method"))
deg2rad = defop("deg2rad", "Deg2RadBackward0", np.deg2rad, lambda grad, x: grad * (math.pi / 180),
                dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
rad2deg = defop("rad2deg", "Rad2DegBackward0", np.rad2deg, lambda grad, x: grad * (180 / math.pi),
                dtype_rule=promote_to_float, variants=("function", "method", "inplace"))


def _xlogy_backward(grad, x, y):
    # torch: 0 where x == 0 and y <= 0 (log(y) would be -inf or nan there)
    cut = (_raw(x) == 0) & (_raw(y) <= 0)
    return where_row(make_tensor(cut) if isinstance(grad, Tensor) else cut, 0.0, grad * log(y))

xlogy = defop("xlogy", "XlogyBackward0", refusing("xlogy_cpu", "c",
              lambda x, y: np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1, y))))),
              (_xlogy_backward,
               lambda grad, x, y: grad * x / y), dtype_rule=promote_to_float,
              variants=("function", "method", "inplace"))
# Rounding is piecewise constant: zero gradients, as torch (frac = x - trunc(x) passes it through)
floor = defop("floor", "FloorBackward0", refusing("floor_vml_cpu", "b", _integer_kept(np.floor)), _zero_gradient,
              variants=("function", "method", "inplace"))
ceil = defop("ceil", "CeilBackward0", refusing("ceil_vml_cpu", "b", _integer_kept(np.ceil)), _zero_gradient,
             variants=("function", "method", "inplace"))
trunc = defop("trunc", "TruncBackward0", refusing("trunc_vml_cpu", "b", _integer_kept(np.trunc)), _zero_gradient,
              variants=("function", "method", "inplace"))
round_row = defop("round", "RoundBackward0", refusing("round_vml_cpu", "b", _round), _zero_gradient)
round_decimals = defop("round", "RoundBackward1", _round, _zero_gradient)
frac = defop("frac", "FracBackward0", refusing("frac_cpu", "biu", lambda x: x - np.trunc(x)), lambda grad, x: grad,
             variants=("function", "method", "inplace"))
nan_to_num_row = defop("nan_to_num", "NanToNumBackward0", _nan_to_num,
                       lambda grad, x, **limits: _masked(grad, np.isfinite(_raw(x))))

# Tests of values: no gradient, bool results
isnan = defop("isnan", None, np.isnan, None, variants=("function", "method"))
isinf = defop("isinf", None, np.isinf, None, variants=("function", "method"))
isfinite = defop("isfinite", None, np.isfinite, None, variants=("function", "method"))
isposinf = defop("isposinf", None, np.isposinf, None, variants=("function", "method"))
isneginf = defop("isneginf", None, np.isneginf, None, variants=("function", "method"))
signbit = defop("signbit", None, np.signbit, None, variants=("function", "method"))
# fmt: on


@variants("function", "method", "inplace")
def logit(input, eps=None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps]."""
    return logit_row(input) if eps is None else logit_row(input, eps=eps)


@variants("function", "method", "inplace")
def round(input, *, decimals=None):
    """Round half to even; decimals=2 rounds to hundredths, -1 to tens. torch records RoundBackward1
    whenever decimals is given (also decimals=0), so None stands for "not given"."""
    return round_row(input) if decimals is None else round_decimals(input, decimals=decimals)


@variants("function", "method", "inplace")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (by default the dtype's largest finite values)."""
    if input._data.dtype.kind in "fV":  # V: bfloat16
        info = np.finfo(input._data.dtype)
        posinf = info.max if posinf is None else posinf
        neginf = info.min if neginf is None else neginf
    return nan_to_num_row(input, nan=nan, posinf=posinf, neginf=neginf)


# torch's aliases
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
declare(arcsin, "arcsin", "function", "method", "inplace")
declare(arccos, "arccos", "function", "method", "inplace")
declare(arctan, "arctan", "function", "method", "inplace")
declare(arctan2, "arctan2", "function", "method", "inplace")
arcsinh, arccosh, arctanh, fix = asinh, acosh, atanh, trunc
declare(arcsinh, "arcsinh", "function", "method", "inplace")
declare(arccosh, "arccosh", "function", "method", "inplace")
declare(arctanh, "arctanh", "function", "method", "inplace")
declare(fix, "fix", "function", "method", "inplace")
