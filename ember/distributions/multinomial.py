"""torch.distributions.multinomial's import path."""
from .poisson import Multinomial  # noqa: F401
