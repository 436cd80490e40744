"""torch.distributions.beta's import path."""
from .gamma import Beta  # noqa: F401
