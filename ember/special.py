"""ember.special: torch.special's functions. Most are ember's ops under torch.special's names; the rest
are built from ops (so they differentiate), and gammainc/gammaincc compute the regularised incomplete
gamma function (differentiable in x only, as torch's)."""
import math

import numpy as np

from . import _ops
from ._creation import full_like, zeros_like
from ._ops import gamma_kernels
from ._ops._naming import composed
from ._tensor import Tensor, make_tensor

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
           "gammaln", "i0", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]

digamma = psi = _ops.digamma
gammaln = _ops.lgamma
polygamma = _ops.polygamma
multigammaln = _ops.mvlgamma
erf, erfc, erfinv = _ops.erf, _ops.erfc, _ops.erfinv
exp2, expm1, log1p = _ops.exp2, _ops.expm1, _ops.log1p
expit, logit = _ops.sigmoid, _ops.logit
xlogy, sinc, round = _ops.xlogy, _ops.sinc, _ops.round
entr = _ops.special.entr
logsumexp = _ops.logsumexp
_SQRT_HALF = math.sqrt(0.5)


def softmax(input, dim, *, dtype=None):
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _ops.log_softmax(input, dim, dtype=dtype)


@composed("SpecialXlog1PyBackward0")
def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (as xlogy)."""
    if not isinstance(input, Tensor):
        input = other.new_tensor(input)
    product = input * _ops.log1p(other)
    return _ops.where(input == 0, zeros_like(product), product)


@composed("MulBackward1")
def ndtr(input):
    """The standard normal CDF."""
    return 0.5 * _ops.erfc(-input * _SQRT_HALF)


@composed("SpecialNdtriBackward0")
def ndtri(input):
    """The standard normal quantile (ndtr's inverse)."""
    return math.sqrt(2.0) * _ops.erfinv(2 * input - 1)


@composed("SpecialLogNdtrBackward0")
def log_ndtr(input):
    """log of the standard normal CDF, accurate in both tails (through erfcx on the left, log1p on the right)."""
    left, right = input < -1, input > 0
    # each branch sees only inputs it is meant for (a NaN or inf gradient from an unused branch would
    # otherwise reach the input through where's zero: 0 * inf)
    x_left = _ops.where(left, input, full_like(input, -2.0))
    x_right = _ops.where(right, input, full_like(input, 1.0))
    x_middle = _ops.where(left | right, zeros_like(input), input)
    tail = -x_left * x_left / 2 + _ops.log(erfcx(-x_left * _SQRT_HALF) / 2)
    near_one = _ops.log1p(-ndtr(-x_right))  # ndtr(x) rounds to 1 for large x; its complement does not
    return _ops.where(left, tail, _ops.where(right, near_one, _ops.log(ndtr(x_middle))))


@composed("SpecialErfcxBackward0")
def erfcx(input):
    """exp(x^2) erfc(x), scaled so it does not underflow for large x."""
    large = input > 25
    small, big = _ops.where(large, zeros_like(input), input), _ops.where(large, input, full_like(input, 30.0))
    direct = _ops.exp(small * small) * _ops.erfc(small)
    asymptotic = 1 / (big * math.sqrt(math.pi)) * (1 - 1 / (2 * big * big))
    return _ops.where(large, asymptotic, direct)


def i0(input):
    """The modified Bessel function of the first kind, order 0 (forward only)."""
    data = input._data
    return make_tensor(np.i0(data.astype(np.float64)).astype(data.dtype if data.dtype.kind in "fV" else np.float32))


def gammainc(input, other):
    """The regularised lower incomplete gamma function P(a, x)."""
    return _incomplete_gamma(input, other, lower=True)


def gammaincc(input, other):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _incomplete_gamma(input, other, lower=False)


def _incomplete_gamma(a, x, lower):
    if a.requires_grad:
        raise NotImplementedError("the derivative of gammainc/gammaincc with respect to its first argument (a) is "
                                  "not implemented, as in torch; detach() a")
    dtype = np.result_type(a._data.dtype, x._data.dtype)
    dtype = dtype if dtype.kind == "f" else np.float32
    p = gamma_kernels.regularized_gamma_p(a._data, np.maximum(x._data, 0))
    value = make_tensor(np.asarray(p if lower else 1 - p, dtype=dtype))
    if not x.requires_grad:
        return value
    # d P / d x = x^(a-1) e^-x / Gamma(a): attach it through a product with the identity x - x.detach()
    log_density = (a._data - 1) * np.log(np.where(x._data > 0, x._data, 1)) - x._data - gamma_kernels.lgamma(a._data)
    slope = make_tensor(np.asarray(np.exp(log_density) * (1 if lower else -1), dtype=dtype))
    return value + slope * (x - x.detach())
