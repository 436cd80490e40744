"""Tensors across processes: pickling, and shared memory for ``share_memory_()``.

A plain pickle (and a Queue, and Process arguments under "spawn") copies a tensor's values. A tensor
that was given ``share_memory_()`` (``Module.share_memory()`` does it for every parameter and buffer)
lives in a memory-mapped file under /dev/shm (the temporary directory where there is none); through
multiprocessing's pickler (Queue, Pipe, Process arguments) it travels as the file's name, and the
receiving process maps the same memory, so an in-place update in one process (an optimizer step) is
seen by all: Hogwild training works as with torch. Under "fork" the mapping is inherited.

The file is unlinked when the last array using it is gone in the process that made it (or at exit);
a process that maps it later fails with FileNotFoundError, so keep shared tensors alive while others
use them. torch also moves a tensor that was *not* shared into shared memory when it is put on a queue;
ember copies it instead (the receiver's in-place changes are its own).
"""
import itertools
import mmap
import os
import tempfile
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from .. import _backend
from .._tensor import Tensor, make_tensor

_names = itertools.count()


def _directory():
    return "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def _mapped(path, nbytes):
    with open(path, "r+b") as file:
        return mmap.mmap(file.fileno(), max(nbytes, 1))


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def shared_path(array):
    """The file a shared array is mapped from, or None."""
    while isinstance(array, np.ndarray):
        array = array.base
    if isinstance(array, memoryview):  # np.frombuffer's base: a view of the mmap
        array = array.obj
    return _PATHS.get(id(array)) if isinstance(array, mmap.mmap) else None


_PATHS = {}  # id(mmap) -> its file, for the mmaps this process made or mapped


def _forget(key):
    _PATHS.pop(key, None)


def _register(memory, path, owner):
    _PATHS[id(memory)] = path
    weakref.finalize(memory, _forget, id(memory))
    if owner:  # the maker unlinks the file once nothing here maps it any more
        weakref.finalize(memory, _unlink, path)


def share_array(array):
    """A copy of `array` in a fresh memory-mapped file (C-contiguous), or `array` if it is shared already."""
    if shared_path(array) is not None:
        return array
    path = os.path.join(_directory(), f"ember-{os.getpid()}-{next(_names)}")
    with open(path, "xb") as file:
        file.truncate(max(array.nbytes, 1))
    memory = _mapped(path, array.nbytes)
    _register(memory, path, owner=True)
    shared = np.frombuffer(memory, dtype=array.dtype, count=array.size).reshape(array.shape)
    shared[...] = array
    return shared


def share_memory_(tensor):
    """Tensor.share_memory_(): move the values into shared memory (a no-op if there, or on a GPU)."""
    if not _backend.on_device(tensor._data):
        tensor._data = share_array(tensor._data)
    return tensor


def is_shared(tensor):
    return shared_path(tensor._data) is not None


# -- pickling ------------------------------------------------------------------------------------------------
def _rebuild_tensor(array, requires_grad, cls=Tensor):
    tensor = make_tensor(array)
    if cls.__name__ == "Parameter":  # Parameter, Buffer: their constructors take the tensor
        tensor = cls(tensor, requires_grad)
    elif cls.__name__ == "Buffer":
        tensor = cls(tensor)
    if requires_grad and not tensor._requires_grad:
        tensor.requires_grad_(True)
    return tensor


def reduce_tensor(tensor):
    """A plain pickle of a tensor: its values (on the host) and requires_grad, as torch's."""
    return _rebuild_tensor, (_backend.to_host(tensor._data), tensor._requires_grad, type(tensor))


def _rebuild_shared(path, dtype, shape, strides, offset, requires_grad, cls):
    with open(path, "r+b") as file:
        memory = mmap.mmap(file.fileno(), 0)
    _register(memory, path, owner=False)
    flat = np.frombuffer(memory, dtype=np.uint8)
    array = np.ndarray(shape, dtype=dtype, buffer=flat, offset=offset, strides=strides)
    return _rebuild_tensor(array, requires_grad, cls)


def _reduce_for_processes(tensor):
    """multiprocessing's pickler: shared tensors go by the name of their memory, others by value."""
    if tensor.grad_fn is not None and tensor._requires_grad:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
                           "does not support crossing process boundaries.  If you just want to transfer the data, "
                           "call detach() on the tensor before serializing (e.g., putting it on the queue).")
    data = tensor._data
    path = shared_path(data)
    if path is None:
        return reduce_tensor(tensor)
    base = data
    while isinstance(base.base, np.ndarray):
        base = base.base
    offset = data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return _rebuild_shared, (path, data.dtype, data.shape, data.strides, offset, tensor._requires_grad, type(tensor))


def register_for(cls):
    """Teach multiprocessing's pickler (Queue, Pipe, Process arguments) to send `cls` by shared memory."""
    ForkingPickler.register(cls, _reduce_for_processes)
