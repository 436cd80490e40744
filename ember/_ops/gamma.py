"""The gamma function family: lgamma, digamma, polygamma and mvlgamma, rows of the table (kernels in
gamma_kernels.py). Each derivative is the next function of the family, so every order differentiates:
lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' = polygamma(n + 1)."""
import math

import numpy as np

from .._backend import like, namespace
from .._tensor import Tensor
from . import gamma_kernels as kernels
from ._kernels import in_float64
from ._registry import defop, promote_to_float, variants
from .inplace import make_inplace
from .reduction import sum
from .shape import unsqueeze


def _polygamma_forward(x, *, n):
    return kernels.polygamma(n, x)


def _mvlgamma_terms(x, p):
    """x - i/2 for i = 0 .. p-1, along a new last dimension (a tensor or, on the fast path, an array)."""
    halves = np.arange(p, dtype=np.float64) / 2
    if isinstance(x, Tensor):
        return unsqueeze(x, -1) - x.new_tensor(halves)
    return x[..., None] - like(halves.astype(x.dtype), x)


def _mvlgamma_forward(x, *, p):
    terms = x[..., None] - namespace(x).arange(p, dtype=np.float64) / 2
    return kernels.lgamma(terms).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


# fmt: off
lgamma = defop("lgamma", "LgammaBackward0", in_float64(kernels.lgamma), lambda grad, x: grad * digamma(x),
               dtype_rule=promote_to_float, variants=("function", "method", "inplace"))
digamma = defop("digamma", "DigammaBackward0", in_float64(kernels.digamma),
                lambda grad, x: grad * polygamma_row(x, n=1), dtype_rule=promote_to_float,
                variants=("function", "method", "inplace"))
polygamma_row = defop("polygamma", "PolygammaBackward0", in_float64(_polygamma_forward),
                      lambda grad, x, *, n: grad * polygamma_row(x, n=n + 1), dtype_rule=promote_to_float)
mvlgamma_row = defop("mvlgamma", "MvlgammaBackward0", in_float64(_mvlgamma_forward),
                     lambda grad, x, *, p: grad * sum(digamma(_mvlgamma_terms(x, p)), dim=-1),
                     dtype_rule=promote_to_float)
# fmt: on


@variants("function")
def polygamma(n, input):
    """The n-th derivative of digamma at input (torch's argument order: the order first)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return polygamma_row(input, n=n)


@variants("function", "method", "inplace")
def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi).
    As torch 2.13, x <= (p-1)/2 is not refused: lgamma's poles answer inf."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return mvlgamma_row(input, p=p)


# Tensor.polygamma(n) takes the order after self, where ember.polygamma(n, input) takes it first
def _method_polygamma(self, n):
    return polygamma(n, self)


def _method_polygamma_(self, n):
    if not isinstance(n, int) or n < 0:
        polygamma(n, self)  # raises torch's error
    return _polygamma_inplace(self, n=n)


_polygamma_inplace = make_inplace(polygamma_row, "polygamma_")
Tensor.polygamma, Tensor.polygamma_ = _method_polygamma, _method_polygamma_
