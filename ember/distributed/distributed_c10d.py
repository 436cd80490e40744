"""torch.distributed's process groups and collectives, carried out by MPI.

Every rank is an MPI process (started by ``python -m ember.distributed.run`` or by ``mpiexec``
directly). The default group is a duplicate of MPI_COMM_WORLD, so that a script's own mpi4py
messages never mix with ember's; ``new_group`` makes sub-communicators. Each collective starts
MPI's non-blocking form (Iallreduce, Ibcast, ...) and returns a Work whose ``wait()`` completes
it and finishes the result (AVG's division, copying into non-contiguous tensors or lists); a
call without ``async_op`` waits at once. Ranks (src, dst) are global ranks, as in torch.
"""
import os

import numpy as np

from . import _mpi
from ._mpi import ReduceOp, check_tensor, receive_buffer, send_buffer, write_back


class Backend(str):
    """Backend names: every one that runs here ("mpi", "gloo") is carried out by MPI."""

    UNDEFINED, GLOO, NCCL, MPI = "undefined", "gloo", "nccl", "mpi"

    def __new__(cls, name):
        return str.__new__(cls, name.lower())


class ProcessGroup:
    """A set of ranks and the MPI communicator they talk through."""

    def __init__(self, comm, ranks, backend):
        self._comm, self._ranks, self._backend = comm, list(ranks), backend

    def rank(self):
        return self._comm.Get_rank()

    def size(self):
        return len(self._ranks)

    def name(self):
        return self._backend

    def __repr__(self):
        return f"<ember.distributed.ProcessGroup ranks={self._ranks} backend={self._backend!r}>"


class GroupMember:
    """torch's GroupMember: WORLD is the default group once init_process_group has run."""

    WORLD = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # torch.distributed.group.WORLD


class Work:
    """The handle of a started collective: ``wait()`` blocks until it is done on this rank."""

    def __init__(self, request, finish=None, result=()):
        self._request, self._finish, self._result, self._done = request, finish, list(result), False

    def wait(self, timeout=None):
        if not self._done:
            if self._request is not None:
                self._request.Wait()
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        if not self._done and (self._request is None or self._request.Test()):
            self.wait()
        return self._done

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def result(self):
        self.wait()
        return self._result


def _finished(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


# -- the default group ------------------------------------------------------------------------

def is_available():
    """Whether ember.distributed can run here: mpi4py is installed (not whether a group exists)."""
    return _mpi.available()


def is_initialized():
    return GroupMember.WORLD is not None


def is_mpi_available():
    return _mpi.available()


def is_gloo_available():
    return _mpi.available()  # "gloo" is accepted and served by MPI


def is_nccl_available():
    return False


def is_torchelastic_launched():
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _backend_name(backend):
    name = str(backend or "mpi").lower()
    parts = {part.rpartition(":")[2] for part in name.split(",")}  # "cpu:gloo,cuda:nccl"
    if parts <= {"mpi", "gloo", "nccl"} and parts & {"mpi", "gloo"}:
        return "gloo" if "gloo" in parts else "mpi"
    if parts == {"nccl"}:
        raise RuntimeError("Distributed package doesn't have NCCL built in: ember runs on the CPU, through MPI; use "
                           "backend='gloo' or 'mpi'")
    raise ValueError(f"Invalid backend: '{backend}'; ember.distributed serves 'mpi' and 'gloo' (both by MPI)")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's default group. MPI has already met the other ranks (mpiexec started them),
    so init_method, store and MASTER_ADDR/MASTER_PORT need not say where to meet; rank and
    world_size, where given, must agree with MPI's."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = _backend_name(backend)
    MPI = _mpi.mpi()
    world = MPI.COMM_WORLD
    for what, asked, env in (("world_size", world_size, "WORLD_SIZE"), ("rank", rank, "RANK")):
        actual = world.Get_size() if what == "world_size" else world.Get_rank()
        wanted = asked if asked not in (None, -1) else os.environ.get(env)
        if wanted is not None and int(wanted) != actual:
            source = f"{what}={asked}" if asked not in (None, -1) else f"${env}={wanted}"
            raise ValueError(
                f"init_process_group: {source}, but MPI started this process as rank {world.Get_rank()} of "
                f"{world.Get_size()}. Start the ranks with `python -m ember.distributed.run --nproc-per-node N "
                "script.py` (or mpiexec -n N), which gives every rank its rank and world size.")
    GroupMember.WORLD = ProcessGroup(world.Dup(), range(world.Get_size()), name)


def destroy_process_group(group=None):
    """Leave a group (the default one: all of them). MPI itself stays up until the process ends."""
    if group is None or group is GroupMember.WORLD:
        for pg in _subgroups + ([GroupMember.WORLD] if GroupMember.WORLD is not None else []):
            pg._comm.Free()
        _subgroups.clear()
        GroupMember.WORLD = None
    elif group in _subgroups:
        _subgroups.remove(group)
        group._comm.Free()


_subgroups = []


def _group(group, name):
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    if group is None:
        return GroupMember.WORLD
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{name}: group must be a ProcessGroup from new_group(), not {type(group).__name__}")
    return group


def get_rank(group=None):
    pg = _group(group, "get_rank")
    return -1 if pg is None else pg.rank()  # the rank within the group, as torch's


def get_world_size(group=None):
    pg = _group(group, "get_world_size")
    return -1 if pg is None else pg.size()


def get_backend(group=None):
    return _group(group, "get_backend")._backend


def get_group_rank(group, global_rank):
    pg = _group(group, "get_group_rank")
    if global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg._ranks.index(global_rank)


def get_global_rank(group, group_rank):
    pg = _group(group, "get_global_rank")
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def get_process_group_ranks(group):
    return list(_group(group, "get_process_group_ranks")._ranks)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A group of some ranks. Every rank must call it, members or not, in the same order."""
    world = _group(None, "new_group")
    ranks = list(range(world.size())) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        ranks = sorted(ranks)
    if len(set(ranks)) != len(ranks) or any(not 0 <= r < world.size() for r in ranks):
        raise ValueError(f"new_group: ranks {ranks} must be distinct ranks of the world (0..{world.size() - 1})")
    comm = world._comm.Create(world._comm.Get_group().Incl(ranks))
    if comm == _mpi.mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, _backend_name(backend) if backend else world._backend)
    _subgroups.append(pg)
    return pg


# -- collectives ------------------------------------------------------------------------------

def _root(pg, name, global_rank, group_rank, what):
    """The group rank of the src/dst a collective names (a global rank, or group_src/group_dst)."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
    elif global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    else:
        group_rank = global_rank if pg is GroupMember.WORLD else get_group_rank(pg, global_rank)
    if not 0 <= group_rank < pg.size():
        raise RuntimeError(f"{name}: invalid root rank: {group_rank}; the {what} must be one of the group's "
                           f"{pg.size()} ranks")
    return group_rank


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's tensor becomes the elementwise reduction (op) of all ranks' tensors."""
    check_tensor(tensor, "all_reduce")
    pg = _group(group, "all_reduce")
    if pg is None:
        return None
    mpi_op = _mpi.mpi_op(op, tensor._data.dtype, "all_reduce")
    buffer = receive_buffer(tensor)
    if buffer is not tensor._data:
        buffer[...] = send_buffer(tensor)
    request = pg._comm.Iallreduce(_mpi.mpi().IN_PLACE, buffer, op=mpi_op)

    def finish():
        if op is ReduceOp.AVG:
            _mpi.average(buffer, pg.size())
        write_back(tensor, buffer)
    return _finished(Work(request, finish, [tensor]), async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """The reduction of all ranks' tensors lands in dst's tensor (the others' are left as they were)."""
    check_tensor(tensor, "reduce")
    pg = _group(group, "reduce")
    if pg is None:
        return None
    root = _root(pg, "reduce", dst, group_dst, "destination")
    mpi_op = _mpi.mpi_op(op, tensor._data.dtype, "reduce")
    values = send_buffer(tensor)
    if pg.rank() != root:
        return _finished(Work(pg._comm.Ireduce(values, None, op=mpi_op, root=root)), async_op)
    result = np.empty_like(values)
    request = pg._comm.Ireduce(values, result, op=mpi_op, root=root)

    def finish():
        if op is ReduceOp.AVG:
            _mpi.average(result, pg.size())
        write_back(tensor, result)
    return _finished(Work(request, finish, [tensor]), async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Every rank's tensor becomes src's."""
    check_tensor(tensor, "broadcast")
    pg = _group(group, "broadcast")
    if pg is None:
        return None
    root = _root(pg, "broadcast", src, group_src, "source")
    buffer = receive_buffer(tensor)
    if pg.rank() == root and buffer is not tensor._data:
        buffer[...] = send_buffer(tensor)
    request = pg._comm.Ibcast(buffer, root=root)
    return _finished(Work(request, lambda: write_back(tensor, buffer), [tensor]), async_op)


def _check_list(tensors, tensor, size, name, what):
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: {what} must be a list of tensors, not {type(tensors).__name__}")
    if len(tensors) != size:
        raise RuntimeError(f"{name}: invalid {what} (expected length {size}, got {len(tensors)}): pass one tensor "
                           "per rank of the group")
    for i, item in enumerate(tensors):
        check_tensor(item, name, f"{what}[{i}]")
        if item.shape != tensor.shape or item.dtype != tensor.dtype:
            raise RuntimeError(f"{name}: invalid tensor at index {i} of {what} (expected {tuple(tensor.shape)} "
                               f"{tensor.dtype}, got {tuple(item.shape)} {item.dtype}): every tensor must have the "
                               "shape and dtype of the input")


def _split_into(tensors, stacked):
    def finish():
        for item, values in zip(tensors, stacked):
            write_back(item, values)
    return finish


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[i] becomes rank i's tensor, on every rank."""
    check_tensor(tensor, "all_gather")
    pg = _group(group, "all_gather")
    if pg is None:
        return None
    _check_list(tensor_list, tensor, pg.size(), "all_gather", "tensor_list")
    values = send_buffer(tensor)
    stacked = np.empty((pg.size(),) + values.shape, values.dtype)
    request = pg._comm.Iallgather(values, stacked)
    return _finished(Work(request, _split_into(tensor_list, stacked), tensor_list), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor (world_size times the input's first dimension) becomes all ranks' inputs, concatenated."""
    check_tensor(input_tensor, "all_gather_into_tensor")
    pg = _group(group, "all_gather_into_tensor")
    if pg is None:
        return None
    values = send_buffer(input_tensor)
    if output_tensor.numel() != values.size * pg.size():
        raise ValueError(f"all_gather_into_tensor: the output has {output_tensor.numel()} elements, but the group's "
                         f"{pg.size()} inputs of {values.size} make {values.size * pg.size()}")
    gathered = np.empty((pg.size(),) + values.shape, values.dtype)
    request = pg._comm.Iallgather(values, gathered)
    return _finished(Work(request, lambda: write_back(output_tensor, gathered.reshape(output_tensor.shape)),
                          [output_tensor]), async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """dst's gather_list[i] becomes rank i's tensor (the other ranks pass no list)."""
    check_tensor(tensor, "gather")
    pg = _group(group, "gather")
    if pg is None:
        return None
    root = _root(pg, "gather", dst, group_dst, "destination")
    values = send_buffer(tensor)
    if pg.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return _finished(Work(pg._comm.Igather(values, None, root=root)), async_op)
    _check_list(gather_list, tensor, pg.size(), "gather", "gather_list")
    stacked = np.empty((pg.size(),) + values.shape, values.dtype)
    request = pg._comm.Igather(values, stacked, root=root)
    return _finished(Work(request, _split_into(gather_list, stacked), gather_list), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank i's tensor becomes src's scatter_list[i] (the other ranks pass no list)."""
    check_tensor(tensor, "scatter")
    pg = _group(group, "scatter")
    if pg is None:
        return None
    root = _root(pg, "scatter", src, group_src, "source")
    stacked = None
    if pg.rank() == root:
        _check_list(scatter_list, tensor, pg.size(), "scatter", "scatter_list")
        stacked = np.stack([send_buffer(item) for item in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    buffer = receive_buffer(tensor)
    request = pg._comm.Iscatter(stacked, buffer, root=root)
    return _finished(Work(request, lambda: write_back(tensor, buffer), [tensor]), async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of the group has reached the barrier."""
    pg = _group(group, "barrier")
    if pg is None:
        return None
    return _finished(Work(pg._comm.Ibarrier()), async_op)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into tensor from src (from any rank where src is None); returns the sender's rank."""
    pg = _group(group, "recv")
    MPI = _mpi.mpi()
    if src is None and group_src is None:
        buffer, status = receive_buffer(tensor), MPI.Status()
        pg._comm.Recv(buffer, source=MPI.ANY_SOURCE, tag=tag, status=status)
        write_back(tensor, buffer)
        return pg._ranks[status.Get_source()]
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return pg._ranks[_root(pg, "recv", src, group_src, "source")]


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    check_tensor(tensor, "isend")
    pg = _group(group, "isend")
    peer = _root(pg, "isend", dst, group_dst, "destination")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: destination rank should not be the same as the rank of the "
                         "current process.")
    values = send_buffer(tensor)
    return Work(pg._comm.Isend(values, dest=peer, tag=tag))


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    check_tensor(tensor, "irecv")
    pg = _group(group, "irecv")
    peer = _root(pg, "irecv", src, group_src, "source")
    if peer == pg.rank():
        raise ValueError("Invalid source rank: source rank should not be the same as the rank of the current "
                         "process.")
    buffer = receive_buffer(tensor)
    request = pg._comm.Irecv(buffer, source=peer, tag=tag)
    return Work(request, lambda: write_back(tensor, buffer), [tensor])


# -- Python objects: pickled by mpi4py's lowercase calls, as torch's *_object collectives pickle --------

def all_gather_object(object_list, obj, group=None):
    """object_list[i] becomes rank i's obj, on every rank."""
    pg = _group(group, "all_gather_object")
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries; it must have one per rank "
                         f"of the group ({pg.size()})")
    object_list[:] = pg._comm.allgather(obj)  # mpi4py pickles lowercase messages


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    pg = _group(group, "gather_object")
    if pg is None:
        return
    root = _root(pg, "gather_object", dst, group_dst, "destination")
    gathered = pg._comm.gather(obj, root=root)
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError("gather_object: the destination must pass object_gather_list with one entry per rank")
        object_gather_list[:] = gathered


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Every rank's object_list becomes src's (the lists must have the same length on all ranks)."""
    pg = _group(group, "broadcast_object_list")
    if pg is None:
        return
    root = _root(pg, "broadcast_object_list", src, group_src, "source")
    objects = pg._comm.bcast(list(object_list) if pg.rank() == root else None, root=root)
    if len(objects) != len(object_list):
        raise ValueError(f"broadcast_object_list: the source sent {len(objects)} objects into a list of "
                         f"{len(object_list)}; give object_list the same length on every rank")
    object_list[:] = objects


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    pg = _group(group, "scatter_object_list")
    if pg is None:
        return
    root = _root(pg, "scatter_object_list", src, group_src, "source")
    objects = list(scatter_object_input_list) if pg.rank() == root else None
    scatter_object_output_list[0] = pg._comm.scatter(objects, root=root)
