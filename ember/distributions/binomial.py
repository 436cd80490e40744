"""torch.distributions.binomial's import path."""
from .poisson import Binomial  # noqa: F401
