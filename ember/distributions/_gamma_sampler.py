"""Standard gamma samples that carry a gradient with respect to the concentration.

A sample x ~ Gamma(a, 1) is a function of a for a fixed uniform u = P(a, x) (P is the regularised lower
incomplete gamma function, the CDF). Differentiating P(a, x(a)) = u gives the implicit
reparameterisation dx/da = -(dP/da) / (dP/dx) (Figurnov et al., 2018), the gradient torch's
_standard_gamma_grad approximates. dP/dx is the density; dP/da is a central difference of P, which
is computed in float64 by its series (x < a + 1) or by Lentz's continued fraction for 1 - P
(ember/_ops/gamma_kernels.py, which ember.special.gammainc uses too).
"""
import numpy as np

import ember
from ember._backend import as_array
from ember._ops.gamma_kernels import lgamma, regularized_gamma_p
from ember._random import numpy_rng
from ember._tensor import make_tensor


def standard_gamma_grad(a, x):
    """dx/da of a standard gamma sample x at concentration a, holding its CDF value fixed."""
    a, x = as_array(a, np.float64), as_array(x, np.float64)
    step = 1e-5 * np.maximum(a, 1.0)
    dP_da = (regularized_gamma_p(a + step, x) - regularized_gamma_p(a - step, x)) / (2 * step)
    log_density = (a - 1) * np.log(x) - x - lgamma(a)
    return -dP_da / np.exp(log_density)


class StandardGamma(ember.autograd.Function):
    """x ~ Gamma(concentration, 1), differentiable in the concentration (see the module docstring)."""

    @staticmethod
    def forward(ctx, concentration):
        a = concentration.detach().cpu().numpy()  # drawn on the host (ember's generator), then moved
        drawn = numpy_rng().standard_gamma(a).astype(a.dtype)
        drawn = np.maximum(drawn, np.finfo(a.dtype).tiny)  # as torch: never exactly 0
        sample = ember.from_numpy(np.asarray(drawn)).to(concentration.device)
        ctx.save_for_backward(concentration, sample)
        return sample

    @staticmethod
    def backward(ctx, grad):
        concentration, sample = ctx.saved_tensors
        a = concentration.detach()._data
        slope = standard_gamma_grad(a, sample.detach()._data)  # in the namespace of the samples
        return grad * make_tensor(slope.astype(a.dtype, copy=False))
