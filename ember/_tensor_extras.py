"""Tensor methods real code calls to ask about layout, and the legacy in-place resize.

ember's tensors are dense and strided, so the layout questions have torch's answers for a dense
tensor: ``is_sparse`` False, ``to_dense()`` the tensor itself. ``resize_`` keeps the leading
elements in row-major order; the new ones are zeros (torch leaves them uninitialised).
"""
import math

from . import _backend
from ._tensor import Size, Tensor


def to_dense(self, dtype=None, *, masked_grad=None):
    return self if dtype is None or dtype == self.dtype else self.to(dtype)


def resize_(self, *sizes, memory_format=None):
    """Give the tensor the shape `sizes` in place, keeping its first elements (new ones are zero)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(size) for size in sizes)
    if any(size < 0 for size in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    old = self._data
    if tuple(old.shape) == sizes:
        return self
    xp = _backend.namespace(old)
    count = math.prod(sizes)
    flat = xp.zeros(count, dtype=old.dtype)
    kept = min(count, old.size)
    flat[:kept] = old.reshape(-1)[:kept]
    self._data = flat.reshape(sizes)
    counter = self._version_counter
    if counter is None:
        self._version_counter = [1]
    else:
        counter[0] += 1
    return self


def resize_as_(self, other, memory_format=None):
    return resize_(self, tuple(other.shape))


Tensor.is_sparse = property(lambda self: False)
Tensor.is_sparse_csr = property(lambda self: False)
Tensor.is_xpu = property(lambda self: False)
Tensor.is_mkldnn = property(lambda self: False)
Tensor.to_dense = to_dense
Tensor.resize_ = resize_
Tensor.resize_as_ = resize_as_


def fill(input, value):
    """torch.fill: a new tensor like input holding value everywhere (input's gradient is zero; a tensor
    value's gradient is the sum of the output's, as torch's FillBackward1)."""
    from . import _ops
    from ._creation import ones_like
    from ._ops._naming import named
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           "dimensions.")
    if not isinstance(value, Tensor):
        value = input.new_tensor(value).to(input.dtype)
        name = "FillBackward0"
    else:
        name = "FillBackward1"
    everywhere = ones_like(input, dtype=_bool())
    return named(_ops.where(everywhere, value.to(input.dtype), input), name)


def _bool():
    from ._dtype import bool as boolean
    return boolean


def expand_copy(input, size, *, implicit=False):
    """torch.expand_copy: input.expand(size), copied into its own memory."""
    from ._ops._naming import named
    return named(input.expand(*size).clone(), "ExpandBackward0_copy")
