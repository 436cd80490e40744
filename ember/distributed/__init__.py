"""ember.distributed: torch.distributed's API on MPI (mpi4py), for data-parallel training.

Start the ranks with ``python -m ember.distributed.run --nproc-per-node N script.py`` (torchrun's
interface), then ``init_process_group("gloo")`` or ``("mpi")`` as with torch; both backends are
carried out by MPI. Importing this module does not start MPI; init_process_group does.
"""
from ._mpi import ReduceOp
from .distributed_c10d import (
                               Backend,
                               GroupMember,
                               ProcessGroup,
                               Work,
                               all_gather,
                               all_gather_into_tensor,
                               all_gather_object,
                               all_reduce,
                               barrier,
                               broadcast,
                               broadcast_object_list,
                               destroy_process_group,
                               gather,
                               gather_object,
                               get_backend,
                               get_global_rank,
                               get_group_rank,
                               get_process_group_ranks,
                               get_rank,
                               get_world_size,
                               group,
                               init_process_group,
                               irecv,
                               is_available,
                               is_gloo_available,
                               is_initialized,
                               is_mpi_available,
                               is_nccl_available,
                               is_torchelastic_launched,
                               isend,
                               new_group,
                               recv,
                               reduce,
                               scatter,
                               scatter_object_list,
                               send,
)

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "all_reduce", "barrier", "broadcast", "broadcast_object_list",
           "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank", "get_group_rank",
           "get_process_group_ranks", "get_rank", "get_world_size", "group", "init_process_group", "irecv",
           "is_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "is_torchelastic_launched", "isend", "new_group", "recv", "reduce", "scatter", "scatter_object_list",
           "send"]
