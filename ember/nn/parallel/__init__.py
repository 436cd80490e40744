"""ember.nn.parallel: torch.nn.parallel's DistributedDataParallel, on ember.distributed (MPI)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
