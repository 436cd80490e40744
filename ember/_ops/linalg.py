"""Matrix products: one row per op; see pointwise.py for how to read a row.

``matmul`` is not a primitive: like torch, it picks dot, mv, mm or bmm by the inputs'
dimensions and folds or broadcasts batches around them, so the recorded grad_fn names are
torch's (``x @ x`` is DotBackward0, ``A @ x`` MvBackward0, ``A @ B`` MmBackward0 ...).
"""
import math

import numpy as np

from .._autocast import lower_precision
from .._backend import is_array, namespace
from .._tensor import Tensor, make_tensor
from ._kernels import half_in_float32
from ._registry import declare, defop, promote, variants
from .pointwise import mul
from .reduction import sum
from .shape import expand, normalize_dim, permute, reshape, squeeze_matmul, t, transpose, unsafe_view, unsqueeze


def _matrix_shapes(a, b):
    return "x".join(map(str, a.shape)), "x".join(map(str, b.shape))


_INNER_SIZES_HINT = ("in A @ B the last dimension of A must equal the first (for batches: the second-to-last) "
                     "dimension of B; check the operands' order, or transpose one with .t() or .mT")


# torch names the dtypes in this message as C++ does
_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                   "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                   "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}


def _check_same_dtype(name, a, b):
    if a.dtype is not b.dtype:
        first, second = (_CPP_TYPE_NAMES.get(x.dtype.name, str(x.dtype)) for x in (a, b))
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {first} != {second} "
                           f"(in {name}); convert one with .to(other.dtype)")


def _t(matrix):
    """t() inside formulas: a raw array's .T directly (t()'s dispatch costs more than the view itself)."""
    return matrix.T if is_array(matrix) else t(matrix)


def _column_major(matrix):
    """mat2 stored column by column (a transposed matrix, as nn.Linear's weight.t()): torch's test
    in mm_mat2_backward, which then returns mat2's gradient in that layout too (see _mat2_grad)."""
    flags = matrix._data.flags
    return flags.f_contiguous and not flags.c_contiguous


def _mat2_grad(grad, m1, column_major):
    """m1^T @ grad, laid out like mat2. For a column-major mat2 it is computed as (grad^T @ m1)^T:
    the gradient reaching nn.Linear's weight through TBackward0 is then the matmul's own C-ordered
    array, not a transposed view that accumulating into .grad would copy element by element (a
    1024x1024 float32 weight: ~0.2 ms instead of several ms). Only the layout is kept, as a flag,
    not mat2 itself, which the gradient does not need."""
    if column_major:
        return _t(mm_row(_t(grad), m1))
    return mm_row(_t(m1), grad)


def _mm_forward(a, b, *, mat2_column_major=False):
    return np.matmul(a, b)


# fmt: off
mm_row = defop("mm", "MmBackward0", _mm_forward,
               (lambda grad, a, b, *, mat2_column_major=False: mm_row(grad, _t(b)),
                lambda grad, a, b, *, mat2_column_major=False: _mat2_grad(grad, a, mat2_column_major)),
               dtype_rule=promote)
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


@variants("function", "method")
@lower_precision
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
    if _column_major(mat2):
        return mm_row(input, mat2, mat2_column_major=True)
    return mm_row(input, mat2)


@variants("function", "method")
def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({'x'.join(map(str, input.shape))}), "
                           f"vec ({vec.shape[0]}); " + _INNER_SIZES_HINT)
    _check_same_dtype("mv", input, vec)
    return mv_row(input, vec)


@variants("function", "method")
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


@variants("function", "method")
@lower_precision
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


@variants("function", "method")
@lower_precision
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


# -- fused products: beta * input + alpha * (product) ------------------------------------------------
def _scaled(grad, factor):
    return grad if factor == 1 else grad * factor


def _addmm_forward(bias, m1, m2, *, beta=1, alpha=1, mat2_column_major=False):
    out = np.matmul(m1, m2)
    if alpha != 1:
        out *= alpha
    if beta != 0:  # torch: beta=0 ignores the input entirely (nan and inf in it do not propagate)
        out += bias if beta == 1 else np.multiply(bias, beta)
    return out


def _addmv_forward(bias, mat, vec, *, beta=1, alpha=1):
    return _addmm_forward(bias, mat, vec, beta=beta, alpha=alpha)


# fmt: off
addmm_row = defop("addmm", "AddmmBackward0", half_in_float32(_addmm_forward),
                  (lambda grad, bias, m1, m2, *, beta=1, alpha=1, mat2_column_major=False: _scaled(grad, beta),
                   lambda grad, bias, m1, m2, *, beta=1, alpha=1, mat2_column_major=False: _scaled(
                       mm_row(grad, _t(m2)), alpha),
                   lambda grad, bias, m1, m2, *, beta=1, alpha=1, mat2_column_major=False: _scaled(
                       _mat2_grad(grad, m1, mat2_column_major), alpha)))
addmv_row = defop("addmv", "AddmvBackward0", half_in_float32(_addmv_forward),
                  (lambda grad, bias, mat, vec, *, beta=1, alpha=1: _scaled(grad, beta),
                   lambda grad, bias, mat, vec, *, beta=1, alpha=1: _scaled(unsqueeze(grad, 1) * vec, alpha),
                   lambda grad, bias, mat, vec, *, beta=1, alpha=1: _scaled(mv_row(t(mat), grad), alpha)))
baddbmm_row = defop("baddbmm", "BaddbmmBackward0", half_in_float32(_addmm_forward),
                    (lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(grad, beta),
                     lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(bmm_row(grad, transpose(b2, 1, 2)), alpha),
                     lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(bmm_row(transpose(b1, 1, 2), grad), alpha)))
# fmt: on


def _check_bias(name, bias, shape):
    try:
        np.broadcast_shapes(bias.shape, shape)
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the existing size "
                           f"({bias.shape[-1]}) at non-singleton dimension {len(shape) - 1}.  Target sizes: "
                           f"{list(shape)}.  Tensor sizes: {list(bias.shape)}; in {name} the input must "
                           "broadcast to the product's shape") from None


@variants("function", "method", "inplace")
@lower_precision
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), one node (nn.Linear's op: addmm(bias, x, weight.t()))."""
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        mm(mat1, mat2)  # raises torch's message
    _check_same_dtype("addmm", mat1, mat2)
    _check_bias("addmm", input, (mat1.shape[0], mat2.shape[1]))
    if _column_major(mat2):
        return addmm_row(input, mat1, mat2, beta=beta, alpha=alpha, mat2_column_major=True)
    if beta == 1 and alpha == 1:
        return addmm_row(input, mat1, mat2)
    return addmm_row(input, mat1, mat2, beta=beta, alpha=alpha)


def linear_addmm(bias, input, weight):
    """F.linear's usual case, addmm(bias, input, weight.t()) as torch records it, with the shape
    checks done once on the arrays (nn.Linear calls this every step); addmm reports any mismatch."""
    x, w, b = input._data, weight._data, bias._data
    if (x.ndim == 2 and w.ndim == 2 and b.ndim == 1 and x.shape[1] == w.shape[1] and b.shape[0] == w.shape[0]
            and x.dtype is w.dtype):
        transposed = t(weight)
        if _column_major(transposed):  # a row-major weight, the usual case
            return addmm_row(bias, input, transposed, mat2_column_major=True)
        return addmm_row(bias, input, transposed)
    return addmm(bias, input, t(weight))


@variants("function", "method")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        mv(mat, vec)
    _check_bias("addmv", input, (mat.shape[0],))
    return addmv_row(input, mat, vec, beta=beta, alpha=alpha)


@variants("function", "method")
@lower_precision
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    if batch1.ndim != 3 or batch2.ndim != 3 or batch1.shape[0] != batch2.shape[0] \
            or batch1.shape[2] != batch2.shape[1]:
        bmm(batch1, batch2)
    _check_bias("baddbmm", input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    return baddbmm_row(input, batch1, batch2, beta=beta, alpha=alpha)


@variants("function", "method")
def outer(input, vec2):
    """The outer product of two vectors; torch computes it as a column times a row (MulBackward0)."""
    for name, vector in (("self", input), ("vec2", vec2)):
        if vector.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {vector.ndim}-D; flatten it first")
    return mul(reshape(input, (-1, 1)), vec2)


ger = outer
declare(ger, "ger", "function", "method")


# -- einsum and tensordot: decomposed into permute, reshape, mul, sum and bmm, as torch does ---------
_ELLIPSIS_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation, operands):
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): {'more' if len(operands) > len(terms) else 'fewer'} operands were provided "
                           f"than specified in the equation; {equation!r} names {len(terms)}, got "
                           f"{len(operands)}")
    widest = 0
    for term, operand in zip(terms, operands):
        named = len(term.replace("...", ""))
        if ("..." in term and named > operand.ndim) or ("..." not in term and named != operand.ndim):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does not match the "
                               f"number of dimensions ({operand.ndim}) for operand {terms.index(term)}"
                               f"{'' if '...' in term else ' and no ellipsis was given'}")
        if "..." in term:
            widest = max(widest, operand.ndim - named)
    expanded = []
    for term, operand in zip(terms, operands):
        if "..." in term:
            count = operand.ndim - len(term.replace("...", ""))
            term = term.replace("...", _ELLIPSIS_LETTERS[widest - count:widest])
        expanded.append(term)
    ellipsis = _ELLIPSIS_LETTERS[:widest]
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        letters = "".join(expanded)
        output = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis))
    return expanded, output


def _take_diagonals(term, x):
    """A letter repeated within one operand ('ii') means its diagonal: keep only equal indices."""
    while len(set(term)) != len(term):
        letter = next(c for c in term if term.count(c) > 1)
        first, second = term.index(letter), term.index(letter, term.index(letter) + 1)
        size = x.shape[first]
        mask_shape = [1] * x.ndim
        mask_shape[first] = mask_shape[second] = size
        eye = namespace(x._data).eye(size, dtype=x._data.dtype)
        x = x * make_tensor(eye.reshape(mask_shape))  # mask, then sum (documented)
        x = sum(x, second)
        term = term[:second] + term[second + 1:]
    return term, x


def _sum_out(term, x, keep):
    dims = tuple(i for i, c in enumerate(term) if c not in keep)
    if not dims:
        return term, x
    return "".join(c for c in term if c in keep), sum(x, dims)


def _arrange(term, x, target, sizes=None):
    """x's dims put in target's order, with size-1 dims for letters x lacks (or expanded to sizes)."""
    present = [c for c in target if c in term]
    order = tuple(term.index(c) for c in present)
    if order != tuple(range(len(order))):
        x = permute(x, order)
    shape = tuple(x.shape[present.index(c)] if c in term else 1 for c in target)
    if shape != tuple(x.shape):
        x = reshape(x, shape)
    if sizes is not None and shape != sizes:
        x = expand(x, sizes)
    return x


def _contract(left, a, right, b, keep, sizes):
    batch = [c for c in left if c in right and c in keep]
    summed = [c for c in left if c in right and c not in keep]
    left_only = [c for c in left if c not in right]
    right_only = [c for c in right if c not in left]
    target = batch + left_only + right_only
    if not summed:  # nothing to contract: a broadcast product
        return "".join(target), _arrange(left, a, target) * _arrange(right, b, target)

    def size_of(letters):
        return math.prod(sizes[c] for c in letters)

    a_order, b_order = batch + left_only + summed, batch + summed + right_only
    a3 = reshape(_arrange(left, a, a_order, tuple(sizes[c] for c in a_order)),
                 (size_of(batch), size_of(left_only), size_of(summed)))
    b3 = reshape(_arrange(right, b, b_order, tuple(sizes[c] for c in b_order)),
                 (size_of(batch), size_of(summed), size_of(right_only)))
    out = bmm_row(a3, b3)
    return "".join(target), reshape(out, tuple(sizes[c] for c in target))


@variants("function")
@lower_precision
def einsum(equation, *operands):
    """Einstein summation. Computed as torch computes it (pairwise bmm, permute, sum), so the
    recorded graph is built from those ops rather than one einsum node (torch has none either)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, output = _parse_einsum(equation, operands)
    sizes = {}
    for position, (term, operand) in enumerate(zip(terms, operands)):
        for letter, size in zip(term, operand.shape):
            if sizes.get(letter, size) != size and 1 not in (size, sizes[letter]):
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand {position} which does "
                                   f"not broadcast with previously seen size {sizes[letter]}")
            if sizes.get(letter, 1) == 1:  # a size-1 subscript broadcasts (to 0 too: max() would keep the 1)
                sizes[letter] = size
    prepared = [_take_diagonals(term, operand) for term, operand in zip(terms, operands)]
    term, result = None, None
    for position, (next_term, operand) in enumerate(prepared):
        later = output + "".join(t for t, _ in prepared[position + 1:])
        next_term, operand = _sum_out(next_term, operand, later + (term or ""))
        if term is None:
            term, result = next_term, operand
            continue
        term, result = _contract(term, result, next_term, operand, later, sizes)
    term, result = _sum_out(term, result, output)
    if term != output or any(result is operand for operand in operands):  # always a new tensor, as torch
        result = permute(result, tuple(term.index(c) for c in output))
    return result


@variants("function")
@lower_precision
def tensordot(a, b, dims=2):
    """Sum over the last `dims` dims of a and the first of b (or over the given pairs of dims)."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        dims_a = [normalize_dim(d, a.ndim) for d in dims_a]
        dims_b = [normalize_dim(d, b.ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(a.shape[d] for d in dims_a)
    rows, columns = math.prod(a.shape[d] for d in free_a), math.prod(b.shape[d] for d in free_b)
    left = reshape(permute(a, free_a + dims_a), (rows, size))  # sizes spelled out: -1 is undefined beside a 0
    right = reshape(permute(b, dims_b + free_b), (size, columns))
    return reshape(mm_row(left, right), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))
