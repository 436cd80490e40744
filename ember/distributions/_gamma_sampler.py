"""Standard gamma samples that carry a gradient with respect to the concentration.

A sample x ~ Gamma(a, 1) is a function of a for a fixed uniform u = P(a, x) (P is the regularised lower
incomplete gamma function, the CDF). Differentiating P(a, x(a)) = u gives the implicit
reparameterisation dx/da = -(dP/da) / (dP/dx) (Figurnov et al., 2018), the gradient torch's
_standard_gamma_grad approximates. dP/dx is the density; dP/da is a central difference of P, which
is computed in float64 by its series (x < a + 1) or by Lentz's continued fraction for 1 - P.
"""
import math

import numpy as np

import ember
from ember._random import numpy_rng

_ITERATIONS = 500   # enough for both expansions to converge to float64 for a up to ~1e4
_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def regularized_gamma_p(a, x):
    """P(a, x) for float64 arrays a > 0, x >= 0."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    log_prefix = a * np.log(np.where(x > 0, x, 1.0)) - x - _lgamma(a)
    series_side = x < a + 1
    # series: P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n))
    xs, as_ = np.where(series_side, x, 0.0), np.where(series_side, a, 1.0)
    term = np.ones_like(xs) / as_
    total = term.copy()
    for n in range(1, _ITERATIONS):
        term = term * xs / (as_ + n)
        total += term
    series = np.exp(log_prefix) * total
    # continued fraction for Q = 1 - P (modified Lentz), on the other side
    xc, ac = np.where(series_side, a + 2.0, x), np.where(series_side, 1.0, a)
    tiny = 1e-300
    b = xc + 1.0 - ac
    c = np.full_like(b, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _ITERATIONS):
        an = -i * (i - ac)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
    fraction = 1.0 - np.exp(log_prefix) * h
    return np.where(x <= 0, 0.0, np.where(series_side, series, fraction))


def standard_gamma_grad(a, x):
    """dx/da of a standard gamma sample x at concentration a, holding its CDF value fixed."""
    a, x = np.asarray(a, np.float64), np.asarray(x, np.float64)
    step = 1e-5 * np.maximum(a, 1.0)
    dP_da = (regularized_gamma_p(a + step, x) - regularized_gamma_p(a - step, x)) / (2 * step)
    log_density = (a - 1) * np.log(x) - x - _lgamma(a)
    return -dP_da / np.exp(log_density)


class StandardGamma(ember.autograd.Function):
    """x ~ Gamma(concentration, 1), differentiable in the concentration (see the module docstring)."""

    @staticmethod
    def forward(ctx, concentration):
        a = concentration.detach().numpy()
        drawn = numpy_rng().standard_gamma(a).astype(a.dtype)
        drawn = np.maximum(drawn, np.finfo(a.dtype).tiny)  # as torch: never exactly 0
        sample = ember.from_numpy(np.asarray(drawn))
        ctx.save_for_backward(concentration, sample)
        return sample

    @staticmethod
    def backward(ctx, grad):
        concentration, sample = ctx.saved_tensors
        slope = standard_gamma_grad(concentration.detach().numpy(), sample.detach().numpy())
        return grad * ember.from_numpy(slope.astype(concentration.detach().numpy().dtype))
