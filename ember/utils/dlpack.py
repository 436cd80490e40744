"""Zero-copy exchange with other array libraries through DLPack, as torch.utils.dlpack.

``ember.from_dlpack(x)`` wraps the memory of any object with ``__dlpack__`` (a NumPy array, a torch
tensor, a CuPy array) or a DLPack capsule, without copying; ``Tensor.__dlpack__`` lets
``numpy.from_dlpack(t)`` and ``torch.from_dlpack(t)`` do the same with an ember tensor. Writes
through either side show in the other.
"""
from .._backend import xp

__all__ = ["from_dlpack", "to_dlpack"]


class _Capsule:
    """A bare DLPack capsule (torch.utils.dlpack.to_dlpack's result) seen as an exporter object.
    Capsules carry no device query, and ember reads them on the CPU."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def from_dlpack(ext_tensor):
    """A tensor sharing memory with `ext_tensor` (an object with __dlpack__, or a capsule)."""
    from .._creation import from_numpy
    from .._tensor import Tensor
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    source = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    if type(ext_tensor).__name__ == "PyCapsule" or hasattr(ext_tensor, "__dlpack__"):
        try:
            array = xp.from_dlpack(source)
        except (RuntimeError, TypeError, ValueError) as error:  # a BufferError (requires grad) passes as in torch
            raise RuntimeError(f"ember.from_dlpack cannot take this {type(ext_tensor).__name__}: {error} (ember "
                               "exchanges bool, integer, floating and complex tensors on the CPU)") from None
        return from_numpy(array)
    raise TypeError(f"from_dlpack expects an object with __dlpack__ or a DLPack capsule, not "
                    f"{type(ext_tensor).__name__}")


def to_dlpack(tensor):
    """A DLPack capsule of `tensor`'s memory (consumed once, by a from_dlpack)."""
    return tensor.__dlpack__()
