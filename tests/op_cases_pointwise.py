"""OpCases for the pointwise rows added in ember/_ops/pointwise*.py (grad_fn and shape literals
recorded from torch 2.13). Inputs keep clear of kinks, poles and rounding steps, so finite
differences are trustworthy; the kinks themselves are tested in tests/test_pointwise.py."""
from op_cases import NONZERO, POSITIVE, REAL, OpCase

C = OpCase
UNIT = (-0.9, 0.9)          # asin, acos, atanh, erfinv
PROBABILITY = (0.1, 0.9)    # logit
ABOVE_ONE = (1.2, 3.0)      # acosh
LARGE = (12.0, 30.0)        # digamma, polygamma: torch's polygamma is good to ~1e-12 only out here
SMALL = (-0.45, 0.45)       # clear of the rounding steps of floor/round/trunc at integers and halves


def _rounding(name, **kwargs):
    return lambda lib, x: getattr(lib, name)(x + 0.5, **kwargs)


def _inplace(method, *args, **kwargs):
    def fn(lib, x, *others):
        return getattr(x.clone(), method)(*others, *args, **kwargs)
    return fn


def _clamp_tensor_bounds(lib, x, low, high):
    return lib.clamp(x, low - 1.0, high + 1.0)  # bounds overlap x's range without ties


def _nan_to_num(lib, x):
    return lib.nan_to_num(x)


# fmt: off
CASES = [
    # -- arithmetic ----------------------------------------------------------------------------------
    C("div_trunc",        "DivBackward2",     lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"), ((2, 3), (2, 3)), (2, 3), (REAL, NONZERO)),
    C("div_floor_scalar", "DivBackward2",     lambda lib, x: x.div(0.7, rounding_mode="floor"),  ((2, 3),), (2, 3)),
    C("fmod_scalar",      "FmodBackward0",    lambda lib, x: lib.fmod(x, 1.5),          ((2, 3),), (2, 3)),
    C("fmod_tensor",      "FmodBackward1",    lambda lib, a, b: lib.fmod(a, b),         ((2, 3), (3,)), (2, 3), (REAL, NONZERO)),
    C("lerp_scalar",      "LerpBackward0",    lambda lib, a, b: lib.lerp(a, b, 0.3),    ((2, 3), (2, 3)), (2, 3)),
    C("lerp_scalar_high", "LerpBackward0",    lambda lib, a, b: a.lerp(b, 0.8),         ((2, 3), (3,)), (2, 3)),
    C("lerp_tensor",      "LerpBackward1",    lambda lib, a, b, w: lib.lerp(a, b, w),   ((2, 3), (2, 3), (3,)), (2, 3)),
    C("addcmul",          "AddcmulBackward0", lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5), ((2, 3), (2, 3), (3,)), (2, 3)),
    C("addcdiv",          "AddcdivBackward0", lambda lib, a, b, c: a.addcdiv(b, c, value=2), ((2, 3), (2, 3), (2, 3)), (2, 3), (REAL, REAL, NONZERO)),
    C("maximum",          "MaximumBackward0", lambda lib, a, b: lib.maximum(a, b),      ((2, 3), (2, 3)), (2, 3)),
    C("minimum",          "MinimumBackward0", lambda lib, a, b: a.minimum(b),           ((2, 3), (3,)), (2, 3)),
    C("fmax",             "FmaxBackward0",    lambda lib, a, b: lib.fmax(a, b),         ((2, 3), (2, 3)), (2, 3)),
    C("fmin",             "FminBackward0",    lambda lib, a, b: lib.fmin(a, b),         ((2, 3), (2, 3)), (2, 3)),
    C("clamp_scalar",     "ClampBackward1",   lambda lib, x: lib.clamp(x, -0.5, 0.7),   ((2, 3),), (2, 3)),
    C("clip_min_only",    "ClampBackward1",   lambda lib, x: x.clip(min=0.2),           ((2, 3),), (2, 3)),
    C("clamp_tensor",     "ClampBackward0",   _clamp_tensor_bounds,                     ((2, 3), (2, 3), (3,)), (2, 3), ((-2.0, 2.0), (-1.0, 0.0), (0.0, 1.0))),
    C("clamp_tensor_min", "ClampBackward0",   lambda lib, x, low: lib.clamp(x, min=low), ((2, 3), (3,)), (2, 3)),
    C("clamp_min",        "ClampMinBackward0", lambda lib, x: lib.clamp_min(x, 0.1),    ((2, 3),), (2, 3)),
    C("clamp_min_tensor", "ClampMinBackward1", lambda lib, x, low: x.clamp_min(low),    ((2, 3), (2, 3)), (2, 3)),
    C("clamp_max",        "ClampMaxBackward0", lambda lib, x: x.clamp_max(-0.1),        ((2, 3),), (2, 3)),
    C("clamp_max_tensor", "ClampMaxBackward1", lambda lib, x, high: lib.clamp_max(x, high), ((2, 3), (3,)), (2, 3)),
    C("sgn",              "SgnBackward0",     lambda lib, x: lib.sgn(x),                ((2, 3),), (2, 3), (NONZERO,)),
    # -- pointwise math ------------------------------------------------------------------------------
    C("exp2",             "Exp2Backward0",    lambda lib, x: lib.exp2(x),               ((2, 3),), (2, 3)),
    C("expm1",            "Expm1Backward0",   lambda lib, x: x.expm1(),                 ((2, 3),), (2, 3)),
    C("log2",             "Log2Backward0",    lambda lib, x: lib.log2(x),               ((2, 3),), (2, 3), (POSITIVE,)),
    C("log10",            "Log10Backward0",   lambda lib, x: x.log10(),                 ((2, 3),), (2, 3), (POSITIVE,)),
    C("log1p",            "Log1PBackward0",   lambda lib, x: lib.log1p(x),              ((2, 3),), (2, 3), (POSITIVE,)),
    C("rsqrt",            "RsqrtBackward0",   lambda lib, x: lib.rsqrt(x),              ((2, 3),), (2, 3), (POSITIVE,)),
    C("tan",              "TanBackward0",     lambda lib, x: lib.tan(x),                ((2, 3),), (2, 3), (UNIT,)),
    C("asin",             "AsinBackward0",    lambda lib, x: lib.asin(x),               ((2, 3),), (2, 3), (UNIT,)),
    C("acos",             "AcosBackward0",    lambda lib, x: x.acos(),                  ((2, 3),), (2, 3), (UNIT,)),
    C("atan",             "AtanBackward0",    lambda lib, x: lib.atan(x),               ((2, 3),), (2, 3)),
    C("atan2",            "Atan2Backward0",   lambda lib, a, b: lib.atan2(a, b),        ((2, 3), (3,)), (2, 3), (REAL, NONZERO)),
    C("sinh",             "SinhBackward0",    lambda lib, x: lib.sinh(x),               ((2, 3),), (2, 3)),
    C("cosh",             "CoshBackward0",    lambda lib, x: x.cosh(),                  ((2, 3),), (2, 3)),
    C("asinh",            "AsinhBackward0",   lambda lib, x: lib.asinh(x),              ((2, 3),), (2, 3)),
    C("acosh",            "AcoshBackward0",   lambda lib, x: lib.acosh(x),              ((2, 3),), (2, 3), (ABOVE_ONE,)),
    C("atanh",            "AtanhBackward0",   lambda lib, x: lib.atanh(x),              ((2, 3),), (2, 3), (UNIT,)),
    C("logit",            "LogitBackward0",   lambda lib, x: lib.logit(x),              ((2, 3),), (2, 3), (PROBABILITY,)),
    C("logit_eps",        "LogitBackward0",   lambda lib, x: x.logit(eps=0.05),         ((2, 3),), (2, 3), (PROBABILITY,)),
    C("erf",              "ErfBackward0",     lambda lib, x: lib.erf(x),                ((2, 3),), (2, 3), ((-3.0, 3.0),)),
    C("erfc",             "ErfcBackward0",    lambda lib, x: x.erfc(),                  ((2, 3),), (2, 3), ((-3.0, 3.0),)),
    C("erfinv",           "ErfinvBackward0",  lambda lib, x: lib.erfinv(x),             ((2, 3),), (2, 3), (UNIT,)),
    C("lgamma",           "LgammaBackward0",  lambda lib, x: lib.lgamma(x),             ((2, 3),), (2, 3), (ABOVE_ONE,)),
    C("lgamma_negative",  "LgammaBackward0",  lambda lib, x: (x - 4.5).lgamma(),        ((2, 3),), (2, 3), (UNIT,)),
    C("digamma",          "DigammaBackward0", lambda lib, x: lib.digamma(x),            ((2, 3),), (2, 3), (LARGE,)),
    C("polygamma",        "PolygammaBackward0", lambda lib, x: lib.polygamma(2, x),     ((2, 3),), (2, 3), (LARGE,)),
    C("polygamma_method", "PolygammaBackward0", lambda lib, x: x.polygamma(1),          ((2, 3),), (2, 3), (LARGE,)),
    C("special_entr",     "SpecialEntrBackward0", lambda lib, x: lib.special.entr(x),   ((2, 3),), (2, 3), (ABOVE_ONE,)),
    C("mvlgamma",         "MvlgammaBackward0", lambda lib, x: lib.mvlgamma(x + 2, 3),   ((2, 3),), (2, 3), (ABOVE_ONE,)),
    C("hypot",            "HypotBackward0",   lambda lib, a, b: lib.hypot(a, b),        ((2, 3), (3,)), (2, 3), (NONZERO, NONZERO)),
    C("logaddexp",        "LogaddexpBackward0", lambda lib, a, b: lib.logaddexp(a, b),  ((2, 3), (2, 3)), (2, 3)),
    C("logaddexp2",       "Logaddexp2Backward0", lambda lib, a, b: a.logaddexp2(b),     ((2, 3), (3,)), (2, 3)),
    C("deg2rad",          "Deg2RadBackward0", lambda lib, x: lib.deg2rad(x),            ((2, 3),), (2, 3)),
    C("rad2deg",          "Rad2DegBackward0", lambda lib, x: x.rad2deg(),               ((2, 3),), (2, 3)),
    C("xlogy",            "XlogyBackward0",   lambda lib, a, b: lib.xlogy(a, b),        ((2, 3), (2, 3)), (2, 3), (REAL, POSITIVE)),
    C("floor",            "FloorBackward0",   _rounding("floor"),                       ((2, 3),), (2, 3), (SMALL,)),
    C("ceil",             "CeilBackward0",    _rounding("ceil"),                        ((2, 3),), (2, 3), (SMALL,)),
    C("trunc",            "TruncBackward0",   _rounding("trunc"),                       ((2, 3),), (2, 3), (SMALL,)),
    C("round",            "RoundBackward0",   lambda lib, x: lib.round(x),              ((2, 3),), (2, 3), (SMALL,)),
    C("round_decimals",   "RoundBackward1",   lambda lib, x: lib.round(x * 0.01, decimals=2), ((2, 3),), (2, 3), (SMALL,)),
    C("frac",             "FracBackward0",    _rounding("frac"),                        ((2, 3),), (2, 3), (SMALL,)),
    C("nan_to_num",       "NanToNumBackward0", _nan_to_num,                             ((2, 3),), (2, 3)),
    # -- in place ------------------------------------------------------------------------------------
    C("clamp_",           "ClampBackward1",   _inplace("clamp_", -0.5, 0.5),            ((2, 3),), (2, 3)),
    C("sqrt_",            "SqrtBackward0",    _inplace("sqrt_"),                        ((2, 3),), (2, 3), (POSITIVE,)),
    C("addcmul_",         "AddcmulBackward0", _inplace("addcmul_", value=2),            ((2, 3), (2, 3), (3,)), (2, 3)),
    C("erf_",             "ErfBackward0",     _inplace("erf_"),                         ((2, 3),), (2, 3)),
]
# fmt: on
