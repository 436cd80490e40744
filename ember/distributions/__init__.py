"""ember.distributions: torch.distributions' families with sample / rsample / log_prob / entropy and KL.

Parameters are ember tensors, so log_prob, entropy, kl_divergence and reparameterised samples (rsample)
differentiate with respect to them. Samples come from ember's generator (seeded by ember.manual_seed):
repeatable, but not the same numbers torch draws.
"""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution, ExponentialFamily
from .gamma import Beta, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Binomial, Multinomial, Poisson
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Distribution", "ExponentialFamily", "Gamma",
           "Independent", "Multinomial", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
