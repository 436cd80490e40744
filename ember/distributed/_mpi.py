"""The MPI end of ember.distributed: importing mpi4py, ReduceOp -> MPI.Op, and the arrays MPI reads.

mpi4py is imported on first use, never when ember is imported: importing it starts MPI
(MPI_Init), which a script that never calls init_process_group should not pay for.
"""
import enum
import importlib.util

import numpy as np

from .._tensor import Tensor, bump_version


def available():
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """mpi4py's MPI module, or a RuntimeError that says what to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError("ember.distributed runs on MPI, through mpi4py and an MPI library, and this Python has "
                           f"no working mpi4py ({error}). Install them with `pip install ember[distributed]` "
                           "(mpi4py and the mpich wheel).") from error
    return MPI


class ReduceOp:
    """torch.distributed.ReduceOp: ``ReduceOp.SUM`` is ``ReduceOp.RedOpType.SUM``, as in torch."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    SUM, AVG, PRODUCT, MIN, MAX = RedOpType.SUM, RedOpType.AVG, RedOpType.PRODUCT, RedOpType.MIN, RedOpType.MAX
    BAND, BOR, BXOR, PREMUL_SUM = RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR, RedOpType.PREMUL_SUM


_R = ReduceOp.RedOpType
_BITWISE = (_R.BAND, _R.BOR, _R.BXOR)
# bool has only MPI's logical operations: a sum or maximum of flags is "any", a product or minimum "all"
_BOOL_OPS = {_R.SUM: "LOR", _R.MAX: "LOR", _R.BOR: "LOR", _R.PRODUCT: "LAND", _R.MIN: "LAND", _R.BAND: "LAND",
             _R.BXOR: "LXOR"}


def mpi_op(op, dtype, name):
    """The MPI.Op computing `op` on arrays of NumPy `dtype` (AVG is a SUM that wait() divides)."""
    MPI = mpi()
    if not isinstance(op, _R):
        raise TypeError(f"{name}: op must be a torch.distributed.ReduceOp (ReduceOp.SUM, ...), not {op!r}")
    if op is _R.PREMUL_SUM:
        raise NotImplementedError(f"{name}: ReduceOp.PREMUL_SUM is not supported by ember's MPI backend; multiply "
                                  "the tensor first and use ReduceOp.SUM")
    if dtype.kind == "c" and op not in (_R.SUM, _R.AVG):
        raise ValueError(f"{name} does not support {op} on complex tensors")
    if op in _BITWISE and dtype.kind not in "biu":
        raise RuntimeError(f"{name}: cannot use {op} with non-integral dtype {dtype}; bitwise reductions need "
                           "integer or bool tensors")
    if dtype.kind == "b":
        if op is _R.AVG:
            raise RuntimeError(f"{name}: cannot use ReduceOp.AVG on a bool tensor; convert it to a float tensor first")
        return getattr(MPI, _BOOL_OPS[op])
    return {_R.SUM: MPI.SUM, _R.AVG: MPI.SUM, _R.PRODUCT: MPI.PROD, _R.MIN: MPI.MIN, _R.MAX: MPI.MAX,
            _R.BAND: MPI.BAND, _R.BOR: MPI.BOR, _R.BXOR: MPI.BXOR}[op]


def _mpi_dtype(dtype):
    """The dtype MPI computes in: its own types, float32 for bfloat16 (which MPI has no type for)."""
    return np.dtype(np.float32) if dtype.name == "bfloat16" else dtype


def check_tensor(tensor, name, what="tensor"):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, not {type(tensor).__name__}")
    return tensor


def send_buffer(tensor):
    """A C-ordered array MPI may read, with the tensor's values."""
    data = tensor._data
    return np.ascontiguousarray(data, dtype=_mpi_dtype(data.dtype))


def receive_buffer(tensor):
    """An array MPI may write the tensor's new values into: the tensor's own memory when MPI can
    use it directly (C-ordered, writable, a type MPI has), else a scratch array that
    write_back copies in."""
    data = tensor._data
    if data.flags.c_contiguous and data.flags.writeable and _mpi_dtype(data.dtype) == data.dtype:
        return data
    return np.empty(data.shape, _mpi_dtype(data.dtype))


def write_back(tensor, array):
    """Make `array` the tensor's values (in place, as torch's collectives are)."""
    data = tensor._data
    if array is not data:
        data[...] = array.astype(data.dtype, copy=False)
    bump_version(tensor)


def average(array, world_size):
    """ReduceOp.AVG: the sum divided by the group size (integers truncate, as NCCL's average does)."""
    if array.dtype.kind in "iu":
        np.copyto(array, np.trunc(array / world_size).astype(array.dtype))
    else:
        array /= world_size
