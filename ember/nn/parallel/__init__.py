"""ember.nn.parallel: torch.nn.parallel's DataParallel (single device) and data_parallel."""
from .data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]
