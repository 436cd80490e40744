"""Matrix products: one row per op; see pointwise.py for how to read a row.

``matmul`` is not a primitive: like torch, it picks dot, mv, mm or bmm by the inputs'
dimensions and folds or broadcasts batches around them, so the recorded grad_fn names are
torch's (``x @ x`` is DotBackward0, ``A @ x`` MvBackward0, ``A @ B`` MmBackward0 ...).
"""
import math

import numpy as np

from .._tensor import Tensor
from ._registry import defop, promote
from .shape import expand, reshape, squeeze_matmul, t, transpose, unsafe_view, unsqueeze


def _matrix_shapes(a, b):
    return "x".join(map(str, a.shape)), "x".join(map(str, b.shape))


_INNER_SIZES_HINT = ("in A @ B the last dimension of A must equal the first (for batches: the second-to-last) "
                     "dimension of B; check the operands' order, or transpose one with .t() or .mT")


def _check_same_dtype(name, a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype} "
                           f"(in {name}); convert one with .to(other.dtype)")


# fmt: off
mm_row = defop("mm", "MmBackward0", np.matmul,
               (lambda grad, a, b: mm_row(grad, t(b)),
                lambda grad, a, b: mm_row(t(a), grad)), dtype_rule=promote)
mv_row = defop("mv", "MvBackward0", np.matmul,
               (lambda grad, a, b: unsqueeze(grad, 1) * b,
                lambda grad, a, b: mv_row(t(a), grad)), dtype_rule=promote)
dot_row = defop("dot", "DotBackward0", np.dot,
                (lambda grad, a, b: grad * b,
                 lambda grad, a, b: grad * a), dtype_rule=promote)
bmm_row = defop("bmm", "BmmBackward0", np.matmul,
                (lambda grad, a, b: bmm_row(grad, transpose(b, 1, 2)),
                 lambda grad, a, b: bmm_row(transpose(a, 1, 2), grad)), dtype_rule=promote)
# fmt: on


def mm(input, mat2):
    if input.ndim != 2:
        raise RuntimeError(f"self must be a matrix, but got a {input.ndim}-D tensor; mm multiplies two 2-D "
                           "matrices (use ember.matmul or @ for vectors and batches)")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, but got a {mat2.ndim}-D tensor; mm multiplies two 2-D "
                           "matrices (use ember.matmul or @ for vectors and batches)")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (%s and %s); " % _matrix_shapes(input, mat2)
                           + _INNER_SIZES_HINT)
    _check_same_dtype("mm", input, mat2)
    return mm_row(input, mat2)


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({'x'.join(map(str, input.shape))}), "
                           f"vec ({vec.shape[0]}); " + _INNER_SIZES_HINT)
    _check_same_dtype("mv", input, vec)
    return mv_row(input, vec)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors; dot takes two "
                           "vectors, use ember.matmul (or @) for matrices")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                           "elements respectively; a dot product needs two vectors of the same length")
    _check_same_dtype("dot", input, other)
    return dot_row(input, other)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got {input.ndim}D and {mat2.ndim}D); bmm multiplies "
                           "batches of matrices, use mm or matmul (@) for plain matrices")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]. "
                           + _INNER_SIZES_HINT)
    _check_same_dtype("bmm", input, mat2)
    return bmm_row(input, mat2)


def matmul(input, other):
    """The @ operator, dispatched on dimensions as torch does."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        if isinstance(input, Tensor) or isinstance(other, Tensor):
            raise TypeError("matmul(): both arguments must be Tensors")
        return np.matmul(input, other)
    a_dims, b_dims = input.ndim, other.ndim
    if a_dims == 0 or b_dims == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a_dims}D and {b_dims}D; "
                           "to scale by a single number, use * instead of @")
    if a_dims == 1 and b_dims == 1:
        return dot(input, other)
    if a_dims == 2 and b_dims == 1:
        return mv(input, other)
    if a_dims == 1 and b_dims == 2:
        return squeeze_matmul(mm(unsqueeze(input, 0), other), dim=0)
    if a_dims == 2 and b_dims == 2:
        return mm(input, other)
    if a_dims >= 3 and b_dims <= 2:  # fold the batch into the rows: one mm
        rows = input.shape[:-1]
        folded = reshape(input, (-1, input.shape[-1]))
        if b_dims == 1:
            return unsafe_view(mv(folded, other), shape=rows, input_shape=(folded.shape[0],))
        return unsafe_view(mm(folded, other), shape=rows + (other.shape[-1],),
                           input_shape=(folded.shape[0], other.shape[-1]))
    return _batched_matmul(input, other)


def _broadcast_batch(a_batch, b_batch):
    """The common batch shape, or torch's error naming the first dimension that differs."""
    ndim = max(len(a_batch), len(b_batch))
    a_sizes = (1,) * (ndim - len(a_batch)) + tuple(a_batch)
    b_sizes = (1,) * (ndim - len(b_batch)) + tuple(b_batch)
    for position, (a, b) in enumerate(zip(a_sizes, b_sizes)):
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                               f"non-singleton dimension {position}; the batch shapes {list(a_batch)} and "
                               f"{list(b_batch)} of a @ b cannot be broadcast (sizes must be equal or 1)")
    return tuple(max(a, b) if a != 1 and b != 1 else a * b for a, b in zip(a_sizes, b_sizes))


def _batched_matmul(input, other):
    """Broadcast the batch dimensions, flatten them into one, and run bmm."""
    a = unsqueeze(input, 0) if input.ndim == 1 else input
    b = unsqueeze(other, -1) if other.ndim == 1 else other
    batch = _broadcast_batch(a.shape[:-2], b.shape[:-2])
    batch_size = math.prod(batch)
    if a.shape[-1] != b.shape[-2]:  # torch reports the sizes bmm sees, batches broadcast
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch_size}, {a.shape[-1]}] but got: [{batch_size}, {b.shape[-2]}]. a @ b needs "
                           f"a.shape[-1] == b.shape[-2], but the shapes are {list(input.shape)} and "
                           f"{list(other.shape)}")
    a3 = reshape(expand(a, batch + a.shape[-2:]), (batch_size,) + a.shape[-2:])
    b3 = reshape(expand(b, batch + b.shape[-2:]), (batch_size,) + b.shape[-2:])
    out = bmm(a3, b3)
    # One view straight to the final shape, the vector dimensions left out (torch records a
    # single UnsafeViewBackward0 here, also for 1-D @ 3-D, where a squeeze would add a node).
    rows = tuple(a.shape[-2:-1]) if input.ndim > 1 else ()
    columns = tuple(b.shape[-1:]) if other.ndim > 1 else ()
    return unsafe_view(out, shape=batch + rows + columns, input_shape=out.shape)


__all__ = ["matmul", "mm", "mv", "dot", "bmm"]
METHODS = ["matmul", "mm", "mv", "dot", "bmm"]
