"""ember.multiprocessing: Python's multiprocessing (every name), plus torch's spawn and tensor sharing.

``Process``, ``Queue``, ``Pool``, ``set_start_method`` ... are the standard library's, as in torch.
Tensors pickle by value; ``share_memory_()`` / ``Module.share_memory()`` put them in shared memory,
which multiprocessing's pickler sends by name (see reductions). ``spawn(fn, args, nprocs)`` and
``start_processes`` run fn(i, *args) in child processes with torch's error reporting (see spawn).
The sharing strategy is recorded only: ember's shared memory is always a memory-mapped file.
"""
import multiprocessing
import sys
from multiprocessing import *  # noqa: F401,F403  (torch.multiprocessing re-exports the standard library)

from .reductions import register_for as _register_for
from .spawn import (  # noqa: F401
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = list(multiprocessing.__all__) + ["spawn", "start_processes", "ProcessContext", "SpawnContext",
                                            "ProcessRaisedException", "ProcessExitedException",
                                            "get_sharing_strategy", "set_sharing_strategy",
                                            "get_all_sharing_strategies"]

_all_sharing_strategies = {"file_system"} if sys.platform == "darwin" else {"file_descriptor", "file_system"}
_sharing_strategy = "file_system" if sys.platform == "darwin" else "file_descriptor"


def set_sharing_strategy(new_strategy):
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}; one of {sorted(_all_sharing_strategies)}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    return _sharing_strategy


def get_all_sharing_strategies():
    return _all_sharing_strategies


def init_reductions():
    """Register the tensor types with multiprocessing's pickler (done at import, as torch does)."""
    from .. import nn
    from .._tensor import Tensor
    for cls in (Tensor, nn.Parameter, nn.Buffer):
        _register_for(cls)


init_reductions()
