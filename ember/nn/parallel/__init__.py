"""ember.nn.parallel: torch.nn.parallel's DistributedDataParallel, on ember.distributed (MPI), and
DataParallel (single device) with data_parallel."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
