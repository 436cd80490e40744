"""torch.utils.hooks.RemovableHandle: what every register_*_hook returns."""
from ..autograd.hooks import RemovableHandle  # noqa: F401
