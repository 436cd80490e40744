"""Linear algebra beyond the catalogue: trace, cross, kron, inner/vdot, addr/addbmm, matrix_power,
multi_dot, cdist/dist, renorm, pinv and matrix_exp. See pointwise.py for how to read a row.

Formulas are written with ember ops (matmul, transpose ...), so they differentiate again.
"""
import numpy as np

from .._autocast import in_float32, lower_precision
from .._backend import as_array, namespace
from .._tensor import Tensor, make_tensor
from ._kernels import half_in_float32
from ._registry import defop, promote, variants
from .decompositions import inv, mT
from .linalg import matmul, mv
from .pointwise import abs, eq, pow, sign, where_row
from .reduction import sum
from .shape import normalize_dim, reshape, t, unsafe_view, unsqueeze


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _like(array, x):
    return make_tensor(as_array(array)) if isinstance(x, Tensor) else array


def _same_dtype(name, *tensors):
    dtypes = {x._data.dtype for x in tensors}
    if len(dtypes) > 1:
        a, b = tensors[0].dtype, tensors[1].dtype
        raise RuntimeError(f"{name}: expected both inputs to have the same dtype, but got {a} and {b}; convert "
                           "one with .to(other.dtype)")


# -- trace, cross, vdot, addr, addbmm ---------------------------------------------------------------


def _cross_forward(a, b, *, dim):
    return np.cross(a, b, axis=dim)


def _addbmm_forward(bias, b1, b2, *, beta=1, alpha=1):
    product = np.matmul(b1, b2).sum(axis=0)
    scaled_bias = bias if beta == 1 else (bias * beta if beta else np.zeros_like(bias))
    return scaled_bias + (product if alpha == 1 else product * alpha)


def _addr_forward(bias, v1, v2, *, beta=1, alpha=1):
    product = np.outer(v1, v2)
    scaled_bias = bias if beta == 1 else (bias * beta if beta else np.zeros_like(bias))
    return scaled_bias + (product if alpha == 1 else product * alpha)


def _scaled(grad, factor):
    return grad if factor == 1 else grad * factor


# fmt: off


def _trace_backward(grad, x, *, shape):
    return grad * _like(namespace(_raw(grad)).eye(*shape, dtype=_raw(grad).dtype), grad)

trace_row = defop("trace", "TraceBackward0", lambda x, *, shape: np.trace(x), _trace_backward)
cross_row = defop("linalg_cross", "LinalgCrossBackward0", _cross_forward,
                  (lambda grad, a, b, *, dim: cross_row(b, grad, dim=dim),
                   lambda grad, a, b, *, dim: cross_row(grad, a, dim=dim)), dtype_rule=promote)
vdot_row = defop("vdot", "VdotBackward0", np.vdot,
                 (lambda grad, a, b: grad * b, lambda grad, a, b: grad * a))
addr_row = defop("addr", "AddrBackward0", _addr_forward,
                 (lambda grad, bias, v1, v2, *, beta=1, alpha=1: _scaled(grad, beta),
                  lambda grad, bias, v1, v2, *, beta=1, alpha=1: _scaled(mv(grad, v2), alpha),
                  lambda grad, bias, v1, v2, *, beta=1, alpha=1: _scaled(mv(t(grad), v1), alpha)))
addbmm_row = defop("addbmm", "AddbmmBackward0", _addbmm_forward,
                   (lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(grad, beta),
                    lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(matmul(grad, mT(b2)), alpha),
                    lambda grad, bias, b1, b2, *, beta=1, alpha=1: _scaled(matmul(mT(b1), grad), alpha)))
# fmt: on


@variants("function", "method")
@in_float32
def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input._data.dtype.kind in "biu":
        return make_tensor(as_array(np.trace(input._data), dtype=np.int64))
    return trace_row(input, shape=input._data.shape)


def linalg_cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along dim (broadcasting the other dimensions)."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions (got {input.ndim} and "
                           f"{other.ndim})")
    dim = normalize_dim(dim, input.ndim)
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]}")
    return cross_row(input, other, dim=dim)


@variants("function", "method")
def cross(input, other, dim=None):
    """torch.cross: linalg.cross, along the first dimension of size 3 when dim is None."""
    if dim is None:
        dim = next((d for d, size in enumerate(input.shape) if size == 3), -1)
    return linalg_cross(input, other, dim=dim)


@variants("function", "method")
def vdot(input, other):
    """The dot product of two 1-D tensors (the first conjugated)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           "to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    _same_dtype("vdot", input, other)
    if input._data.dtype.kind == "c":
        return make_tensor(as_array(np.vdot(input._data, other._data)))
    return vdot_row(input, other)


@variants("function", "method")
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.ndim}-D and {vec2.ndim}-D")
    return addr_row(input, vec1, vec2, beta=beta, alpha=alpha)


@variants("function", "method")
@lower_precision
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor (got {batch1.ndim}D) and batch2 too (got {batch2.ndim}D)")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"addbmm: batch1 and batch2 shapes cannot be multiplied ({list(batch1.shape)} and "
                           f"{list(batch2.shape)}); they need the same batch size and batch1.shape[2] == "
                           "batch2.shape[1]")
    return addbmm_row(input, batch1, batch2, beta=beta, alpha=alpha)


# -- kron, inner ------------------------------------------------------------------------------------
@variants("function", "method")
def kron(input, other):
    """The Kronecker product: every element of input times the whole of other (UnsafeViewBackward0)."""
    ndim = max(input.ndim, other.ndim)
    a = reshape(input, (1,) * (ndim - input.ndim) + tuple(input.shape))
    b = reshape(other, (1,) * (ndim - other.ndim) + tuple(other.shape))
    a_spread = reshape(a, tuple(s for size in a.shape for s in (size, 1)))
    b_spread = reshape(b, tuple(s for size in b.shape for s in (1, size)))
    product = a_spread * b_spread
    shape = tuple(x * y for x, y in zip(a.shape, b.shape))
    return unsafe_view(product, shape=shape, input_shape=tuple(product.shape))


@variants("function", "method")
def inner(input, other):
    """Sum over the last dimension of both (a number times a tensor when either is 0-d)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    from .linalg import tensordot
    return tensordot(input, other, dims=([-1], [-1]))


# -- matrix_power, multi_dot ------------------------------------------------------------------------
def _check_square(name, A):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        shape = "" if A.ndim < 2 else f", but they are {A.shape[-2]} by {A.shape[-1]} matrices"
        raise RuntimeError(f"{name}: A must be batches of square matrices{shape}")


@variants("function", "method")
def matrix_power(input, n):
    """input @ input @ ... (n times); the identity for n == 0, powers of the inverse for n < 0."""
    _check_square("linalg.matrix_power", input)
    if n == 0:
        eye = np.broadcast_to(namespace(input._data).eye(input.shape[-1], dtype=input._data.dtype), input._data.shape)
        return input.clone().copy_(make_tensor(eye.copy()))  # torch's CloneBackward0 -> CopyBackwards
    if n == 1:
        return input.clone()
    if n < 0:
        input, n = inv(input), -n
        if n == 1:
            return input
    result, power = None, input
    while n:  # square and multiply, as torch
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if n:
            power = matmul(power, power)
    return result


def multi_dot(tensors):
    """The product of a chain of matrices (the first and last may be 1-D), as one ViewBackward0 result."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    for position, x in enumerate(tensors):
        allowed = (1, 2) if position in (0, len(tensors) - 1) else (2,)
        if x.ndim not in allowed:
            raise RuntimeError(f"multi_dot(): tensor {position} must be {'1D or ' if 1 in allowed else ''}2D but got "
                               f"{x.ndim}D")
    chain = list(tensors)
    if first.ndim == 1:
        chain[0] = unsqueeze(first, 0)
    if last.ndim == 1:
        chain[-1] = unsqueeze(last, 1)
    result = chain[0]
    for x in chain[1:]:
        if result.shape[-1] != x.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors cannot be chained: shapes {list(result.shape)} and "
                               f"{list(x.shape)} do not match")
        result = matmul(result, x)
    shape = tuple(size for keep, size in ((first.ndim == 2, result.shape[0]), (last.ndim == 2, result.shape[1]))
                  if keep)
    return result.view(shape)


@variants("function")
def chain_matmul(*matrices):
    """Deprecated in torch in favour of linalg.multi_dot, which it calls."""
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


# -- cdist, dist, renorm ----------------------------------------------------------------------------
def _check_p(name, p):
    if not (p > 0 and np.isfinite(p)):
        raise NotImplementedError(f"ember's {name} supports finite p > 0 (got p={p}); p=0 and p=inf are not "
                                  "implemented")


def _pairwise(x1, x2):
    return unsqueeze(x1, -2) - unsqueeze(x2, -3)


def _cdist_forward(x1, x2, *, p):
    difference = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 2:
        return np.sqrt(np.sum(difference * difference, axis=-1))
    return np.sum(difference ** p, axis=-1) ** (1.0 / p)


def _dist_forward(a, b, *, p):
    difference = np.abs(a - b)
    return np.sum(difference ** p) ** (1.0 / p)


# fmt: off


def _norm_slope(difference, distance, p):
    """d |d|_p / d d: sign(d) |d|^(p-1) / |d|_p^(p-1), 0 where the distance is 0."""
    zero = eq(distance, 0)
    safe = where_row(zero, 1.0, distance)
    if p == 2:
        slope = difference / safe
    elif p == 1:
        slope = sign(difference)
    else:
        slope = sign(difference) * pow(abs(difference), p - 1) / pow(safe, p - 1)
    return where_row(zero, 0.0, slope)


def _cdist_x1(grad, x1, x2, *, p, result):
    return sum(unsqueeze(grad, -1) * _norm_slope(_pairwise(x1, x2), unsqueeze(result, -1), p), -2)


def _cdist_x2(grad, x1, x2, *, p, result):
    return -sum(unsqueeze(grad, -1) * _norm_slope(_pairwise(x1, x2), unsqueeze(result, -1), p), -3)

cdist_row = defop("cdist", "CdistBackward0", _cdist_forward, (_cdist_x1, _cdist_x2))


dist_row = defop("dist", "DistBackward0", half_in_float32(_dist_forward),
                 (lambda grad, a, b, *, p, result: grad * _norm_slope(a - b, result, p),
                  lambda grad, a, b, *, p, result: -grad * _norm_slope(a - b, result, p)), dtype_rule=promote)
# fmt: on


@variants("function")
@in_float32
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R)."""
    _check_p("cdist", p)
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if x1._data.dtype.kind == "V" or x2._data.dtype.kind == "V":
        raise NotImplementedError("\"cdist\" not implemented for 'BFloat16'; convert the inputs with .float() first")
    if x1._data.dtype.kind != "f" or x2._data.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}")
    return cdist_row(x1, x2, p=p)


@variants("function", "method")
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    _check_p("dist", p)
    return dist_row(input, other, p=p)


def _slice_norms(x, p, dim):
    axes = tuple(axis for axis in range(x.ndim) if axis != dim)
    return np.sum(np.abs(x) ** p, axis=axes, keepdims=True) ** (1.0 / p)


def _renorm_forward(x, *, p, dim, maxnorm):
    # float16/bfloat16: the norms in float32, the factor rounded to x's dtype, as torch's kernel
    norms = _slice_norms(x.astype(np.float32) if x.dtype.itemsize == 2 else x, p, dim)
    factor = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0).astype(x.dtype)
    return x * factor


def _renorm_backward(grad, x, *, p, dim, maxnorm):
    # out = x * f(norm(x)); f = maxnorm / (norm + 1e-7) on the slices over maxnorm, else 1 (torch's formula)
    axes = tuple(axis for axis in range(len(x.shape)) if axis != dim)
    norm = pow(sum(pow(abs(x), p), axes, True), 1.0 / p)
    over = _like(_raw(norm) > maxnorm, x)
    factor = where_row(over, maxnorm / (norm + 1e-7), 1.0)
    slope = _norm_slope(x, norm, p)  # d norm / d x
    inner_product = sum(grad * x, axes, True)
    correction = where_row(over, -maxnorm / ((norm + 1e-7) * (norm + 1e-7)), 0.0) * inner_product * slope
    return grad * factor + correction


renorm_row = defop("renorm", "RenormBackward0", _renorm_forward, _renorm_backward)


@variants("function", "method")
def renorm(input, p, dim, maxnorm):
    """Each slice along dim scaled down to p-norm `maxnorm` where its norm exceeds it."""
    _check_p("renorm", p)
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    return renorm_row(input, p=p, dim=normalize_dim(dim, input.ndim), maxnorm=maxnorm)


# -- pinv, matrix_exp --------------------------------------------------------------------------------
def _pinv_backward(grad, A, *, rtol, hermitian, result):
    pinv_A, m, n = result, A.shape[-2], A.shape[-1]
    pinv_Ah, grad_h = mT(pinv_A), mT(grad)
    if m <= n:
        K = matmul(grad_h, pinv_A)
        K_pinv_Ah = matmul(K, pinv_Ah)
        return (-mT(matmul(pinv_A, K)) + K_pinv_Ah - matmul(matmul(A, pinv_A), K_pinv_Ah)
                + matmul(matmul(pinv_Ah, pinv_A), grad_h - matmul(K, A)))
    K = matmul(pinv_A, grad_h)
    pinv_Ah_K = matmul(pinv_Ah, K)
    return (-mT(matmul(K, pinv_A)) + matmul(matmul(grad_h - matmul(A, K), pinv_A), pinv_Ah) + pinv_Ah_K
            - matmul(matmul(pinv_Ah_K, pinv_A), A))


pinv_row = defop("linalg_pinv", "LinalgPinvBackward0",
                 lambda A, *, rtol, hermitian: np.linalg.pinv(A, rcond=rtol, hermitian=hermitian), _pinv_backward)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse (singular values below rtol * the largest are dropped)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.pinv: The input tensor A must have at least 2 dimensions.")
    if atol is not None:
        raise NotImplementedError("ember's linalg.pinv supports rtol only (atol is not implemented)")
    if A._data.dtype.kind == "V":
        raise RuntimeError(f"linalg.pinv(BFloat16{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions of "
                           "float, double, cfloat or cdouble types; convert it with .float() first")
    if rtol is None:
        rtol = max(A.shape[-2:]) * float(np.finfo(A._data.dtype).eps) if A._data.dtype.kind in "fc" else 1e-15
    return pinv_row(A, rtol=rtol, hermitian=hermitian)


@variants("function", "method")
def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def _expm(A):
    """exp(A) by scaling and squaring with a degree-18 Taylor polynomial (batched)."""
    A = as_array(A)
    work = A.astype(np.float64) if A.dtype.kind == "f" else A.astype(np.complex128)
    norms = np.abs(work).sum(axis=-2).max(axis=-1) if work.size else namespace(work).zeros(work.shape[:-2])
    squarings = int(max(0, np.ceil(np.log2(max(float(np.max(norms, initial=0.0)), 1e-300))) + 1))
    scaled = work / (2.0 ** squarings)
    result = np.broadcast_to(namespace(work).eye(A.shape[-1], dtype=work.dtype), work.shape).copy()
    term = result.copy()
    for k in range(1, 19):
        term = term @ scaled / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result.astype(A.dtype)


def _matrix_exp_backward(grad, A):
    # the upper-right block of exp([[A^T, G], [0, A^T]]) (torch's formula; it differentiates again)
    from .joining import cat
    At = mT(A)
    zeros = grad * 0
    join = cat if isinstance(grad, Tensor) or isinstance(A, Tensor) else np.concatenate
    if join is cat:
        At, grad, zeros = (x if isinstance(x, Tensor) else make_tensor(x) for x in (At, grad, zeros))
    block = join([join([At, grad], -1), join([zeros, At], -1)], -2)
    n = A.shape[-1]
    return matrix_exp_row(block)[..., :n, n:]


matrix_exp_row = defop("linalg_matrix_exp", "LinalgMatrixExpBackward0", _expm, _matrix_exp_backward)


@variants("function", "method")
def matrix_exp(A):
    """The matrix exponential sum_k A^k / k! of (batches of) square matrices."""
    _check_square("linalg.matrix_exp", A)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got {A.dtype}")
    return matrix_exp_row(A)
