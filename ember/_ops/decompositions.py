"""Matrix functions and decompositions: inv, det, slogdet, solve, cholesky, qr, eigh, svd, and the
matrix norms built on them. They are the rows behind ``ember.linalg`` (ember/linalg.py).

The formulas are torch's (FunctionsManual.cpp), written with ember ops so that they differentiate
again. Decompositions return several outputs from one node (_multi_output.py); a formula sees
zeros for outputs that got no gradient. Batches of matrices work throughout: NumPy's linalg
broadcasts over leading dimensions, and the engine sums gradients back over broadcast ones.
"""
import math

import numpy as np

from .. import return_types
from .._backend import namespace, to_host
from .._tensor import Tensor, make_tensor
from ._multi_output import defop_multi
from ._registry import declare, defop, variants
from .linalg import matmul
from .pointwise import abs, eq, where
from .rearrange import diag_embed_row, tril_row, triu_row
from .reduction import _like, _raw, amax, amin, sum, vector_norm
from .shape import normalize_dim, permute, transpose, unsqueeze


class LinAlgError(RuntimeError):
    """A matrix the algorithm cannot handle (singular, not positive-definite): torch.linalg.LinAlgError."""


def mT(x):
    return transpose(x, -2, -1)


def _eye_like(x, size):
    return _like(namespace(_raw(x)).eye(size, dtype=_raw(x).dtype), x)


def _tril(x, offset=0):
    return tril_row(x, diagonal=offset)


def _triu(x, offset=0):
    return triu_row(x, diagonal=offset)


def _diag_embed(values):
    return diag_embed_row(values, offset=0, dim1=values.ndim - 1, dim2=values.ndim)


# The kernel torch names when a decomposition meets bfloat16; the others say "Low precision dtypes".
_LAPACK_KERNELS = {"det": "lu_cpu", "solve": "lu_cpu", "solve_triangular": "triangular_solve_cpu",
                   "cholesky": "cholesky_cpu", "qr": "geqrf_cpu", "eigh": "linalg_eigh_cpu", "svd": "linalg_svd_cpu",
                   "svdvals": "linalg_svd_cpu", "eig": "linalg_eig_out_cpu", "eigvals": "linalg_eig_out_cpu"}


def low_precision_error(name):
    """torch's error for a linear-algebra routine given bfloat16 (LAPACK has no such type)."""
    if name in _LAPACK_KERNELS:
        return NotImplementedError(f'"{_LAPACK_KERNELS[name]}" not implemented for \'BFloat16\'; convert the '
                                   "input with .float() first")
    if name == "lstsq":
        return RuntimeError("This function doesn't handle types other than float and double; convert the input "
                            "with .float() first")
    return RuntimeError(f"linalg.{name}: Low precision dtypes not supported. Got BFloat16; convert the input "
                        "with .float() first")


def _check_matrix(name, A, square=True):
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.{name}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind == "V":  # bfloat16: torch's LAPACK kernels refuse it too
        raise low_precision_error(name)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.__repr__().rsplit('.', 1)[-1].capitalize().replace('Int64', 'Long')}; "
                           "convert it first with .float() or .double()")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _zero_pivot(A):
    """1-based index of the first zero pivot of LU with partial pivoting (for torch's message)."""
    a = to_host(A.reshape(-1, *A.shape[-2:])[0]).astype(np.float64)  # a copy on the host
    n = a.shape[0]
    tolerance = np.finfo(np.float64).eps * n * max(np.abs(a).max(), 1.0)
    for k in range(n):  # runs only when NumPy has already found the matrix singular
        pivot = k + int(np.argmax(np.abs(a[k:, k])))
        if abs(a[pivot, k]) <= tolerance:
            return k + 1
        a[[k, pivot]] = a[[pivot, k]]
        a[k + 1:] -= np.outer(a[k + 1:, k] / a[k, k], a[k])
    return n


# -- inv, det, slogdet, solve -------------------------------------------------------------------------
def _inv_forward(A):
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"linalg.inv: The diagonal element {_zero_pivot(A)} is zero, the inversion could not "
                          "be completed because the input matrix is singular. Check the matrix (its rows or "
                          "columns are linearly dependent); ember.linalg.pinv-style least squares or a small "
                          "ridge (A + eps * I) avoid the inverse.") from None


inv_row = defop("linalg_inv", "LinalgInvExBackward0", _inv_forward,
                lambda grad, A, result: -matmul(mT(result), matmul(grad, mT(result))))


def _cofactors(A):
    """det(A) * inv(A).mT, also for singular A: from the SVD, products of all other singular values."""
    U, S, Vh = np.linalg.svd(A)
    ones = namespace(S).ones(S.shape[:-1] + (1,), dtype=S.dtype)
    before = np.cumprod(np.concatenate([ones, S[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, S[..., :0:-1]], -1), -1)[..., ::-1]
    sign = np.linalg.det(U) * np.linalg.det(Vh)
    return sign[..., None, None] * np.matmul(U * (before * after)[..., None, :], Vh)


def _det_backward(grad, A, result):
    if np.all(_raw(result) != 0):
        return unsqueeze(unsqueeze(grad * result, -1), -1) * mT(inv_row(A))
    return unsqueeze(unsqueeze(grad, -1), -1) * _like(_cofactors(_raw(A)), A)


det_row = defop("linalg_det", "LinalgDetBackward0", np.linalg.det, _det_backward)
slogdet_row = defop_multi("linalg_slogdet", "LinalgSlogdetBackward0", np.linalg.slogdet,
                          lambda grads, A, *, results: unsqueeze(unsqueeze(grads[1], -1), -1) * mT(inv_row(A)), 2)


def _solve_forward(A, B, *, vector):
    try:
        return np.linalg.solve(A, B[..., None])[..., 0] if vector else np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular. Check "
                          "that A is invertible (ember.linalg.det(A) != 0)") from None


def _solve_grad_B(grad, A, B, *, vector):
    return solve_row(mT(A), grad, vector=vector)


def _solve_grad_A(grad, A, B, *, vector, result):
    grad_B = solve_row(mT(A), grad, vector=vector)
    if vector:
        return -(unsqueeze(grad_B, -1) * unsqueeze(result, -2))
    return -matmul(grad_B, mT(result))


solve_row = defop("linalg_solve", "LinalgSolveExBackward0", _solve_forward, (_solve_grad_A, _solve_grad_B))


def inv(A):
    """The inverse of a square matrix (or of each in a batch)."""
    _check_matrix("inv", A)
    return inv_row(A)


def inv_ex(A, *, check_errors=False):
    inverse = inv(A)
    return return_types.linalg_inv_ex(inverse, make_tensor(namespace(A._data).zeros(A.shape[:-2], dtype=np.int32)))


@variants("function", "method")
def det(A):
    """The determinant (LinalgDetBackward0; the gradient is right for singular matrices too)."""
    _check_matrix("det", A)
    return det_row(A)


def linalg_slogdet(A):
    """(sign, logabsdet): the determinant as sign * exp(logabsdet), without overflow."""
    _check_matrix("slogdet", A)
    return return_types.linalg_slogdet(*slogdet_row(A))


@variants("function", "method")
def logdet(A):
    """log(det(A)): nan for a negative determinant, -inf for a singular matrix (as torch)."""
    _check_matrix("logdet", A)
    sign, logabsdet = slogdet_row(A)
    return where(eq(sign, -1), math.nan, logabsdet)


def solve(A, B, *, left=True):
    """X with A @ X = B. B is a vector (or a batch of vectors) when it has one dimension fewer than A."""
    _check_matrix("solve", A)
    if not left:
        return mT(solve(mT(A), mT(B)))
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    rows = B.shape[-1] if vector else B.shape[-2]
    if rows != A.shape[-1]:
        columns = 1 if vector else B.shape[-1]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {rows}x{columns})")
    return solve_row(A, B, vector=vector)


# -- cholesky ------------------------------------------------------------------------------------------
def _cholesky_forward(A, *, upper=False):
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        order = next(k for k in range(1, A.shape[-1] + 1) if not _is_positive_definite(A[..., :k, :k]))
        raise LinAlgError(f"linalg.cholesky: The factorization could not be completed because the input is not "
                          f"positive-definite (the leading minor of order {order} is not positive-definite). "
                          "Cholesky needs a symmetric positive-definite matrix, e.g. A @ A.mT + eps * I") from None
    return np.swapaxes(L, -2, -1).copy() if upper else L


def _is_positive_definite(A):
    try:
        np.linalg.cholesky(A)
        return True
    except np.linalg.LinAlgError:
        return False


def _cholesky_backward(grad, A, *, upper=False, result):
    L, grad_L = (mT(result), mT(grad)) if upper else (result, grad)
    grad_A = _tril(matmul(mT(L), grad_L))
    grad_A = 0.5 * (grad_A + mT(_tril(grad_A, -1)))
    grad_A = solve_row(mT(L), grad_A, vector=False)           # L^-H X
    return mT(solve_row(mT(L), mT(grad_A), vector=False))      # X L^-1


cholesky_ex_row = defop("linalg_cholesky", "LinalgCholeskyExBackward0", _cholesky_forward, _cholesky_backward)
cholesky_row = defop("cholesky", "CholeskyBackward0", _cholesky_forward, _cholesky_backward)


def linalg_cholesky(A, *, upper=False):
    """L lower-triangular with L @ L.mH == A (or U = L.mH when upper=True)."""
    _check_matrix("cholesky", A)
    return cholesky_ex_row(A, upper=upper) if upper else cholesky_ex_row(A)


@variants("function", "method")
def cholesky(input, upper=False):
    """torch.cholesky (deprecated in torch in favour of linalg.cholesky; records CholeskyBackward0)."""
    _check_matrix("cholesky", input)
    return cholesky_row(input, upper=upper) if upper else cholesky_row(input)


# -- qr ------------------------------------------------------------------------------------------------
def _qr_backward(grads, A, *, results, mode):
    grad_Q, grad_R = grads
    Q, R = results
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise NotImplementedError("The derivative of linalg.qr is implemented in ember only for matrices with "
                                  "at least as many rows as columns; transpose the problem (qr of A.mT)")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    M = _triu(matmul(grad_R, mT(R)) - matmul(mT(Q), grad_Q))
    grad_A = matmul(Q, M + mT(_triu(M, 1))) + grad_Q
    return mT(solve_row(R, mT(grad_A), vector=False))  # grad_A @ R^-H


qr_row = defop_multi("linalg_qr", "LinalgQrBackward0", lambda A, *, mode: np.linalg.qr(A, mode=mode),
                     _qr_backward, 2)


def linalg_qr(A, mode="reduced"):
    """(Q, R) with Q orthonormal columns and R upper-triangular, A = Q @ R."""
    _check_matrix("qr", A, square=False)
    if mode not in ("reduced", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'complete' ('r' is not supported by ember)")
    return return_types.linalg_qr(*qr_row(A, mode=mode))


def qr_legacy(input, some=True):
    """torch.qr(A, some=True): linalg.qr with mode 'reduced' (some) or 'complete'."""
    return return_types.qr(*linalg_qr(input, "reduced" if some else "complete"))


# -- eigh and svd ------------------------------------------------------------------------------------
def _eigh_backward(grads, A, *, results, UPLO):
    grad_L, grad_V = grads
    L, V = results
    n = A.shape[-1]
    eye = _eye_like(L, n)
    gaps = unsqueeze(L, -2) - unsqueeze(L, -1) + eye  # gaps[i, j] = L[j] - L[i]; 1 on the diagonal
    inner = matmul(mT(V), grad_V) / gaps * (1 - eye) + _diag_embed(grad_L)
    return matmul(V, matmul(inner, mT(V)))


eigh_row = defop_multi("linalg_eigh", "LinalgEighBackward0", lambda A, *, UPLO: np.linalg.eigh(A, UPLO=UPLO),
                       _eigh_backward, 2)


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix, read from its lower
    (UPLO='L') or upper triangle. Eigenvectors are unique only up to sign: differentiate functions
    that do not depend on it."""
    _check_matrix("eigh", A)
    return return_types.linalg_eigh(*eigh_row(A, UPLO=UPLO))


def eigvalsh(A, UPLO="L"):
    return eigh(A, UPLO).eigenvalues


def _svd_backward(grads, A, *, results, full_matrices):
    grad_U, grad_S, grad_Vh = grads
    U, S, Vh = results
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:  # only the first k columns of U (rows of Vh) are determined
        U, grad_U = U[..., :k], grad_U[..., :k]
        Vh, grad_Vh = Vh[..., :k, :], grad_Vh[..., :k, :]
    S_row, S_column = unsqueeze(S, -2), unsqueeze(S, -1)
    skew_U = matmul(mT(U), grad_U)
    skew_U = skew_U - mT(skew_U)
    skew_V = matmul(Vh, mT(grad_Vh))
    skew_V = skew_V - mT(skew_V)
    squares = S * S
    gaps = unsqueeze(squares, -2) - unsqueeze(squares, -1) + _eye_like(S, k)
    inner = (skew_U * S_row + S_column * skew_V) / gaps + _diag_embed(grad_S)
    if m > n:
        grad_A = matmul(U, inner)
        grad_U_scaled = grad_U / S_row
        grad_A = grad_A + grad_U_scaled - matmul(U, matmul(mT(U), grad_U_scaled))
        return matmul(grad_A, Vh)
    if m < n:
        grad_A = matmul(inner, Vh)
        grad_Vh_scaled = grad_Vh / S_column
        grad_A = grad_A + grad_Vh_scaled - matmul(matmul(grad_Vh_scaled, mT(Vh)), Vh)
        return matmul(U, grad_A)
    return matmul(U, matmul(inner, Vh))


svd_row = defop_multi("linalg_svd", "LinalgSvdBackward0",
                      lambda A, *, full_matrices: np.linalg.svd(A, full_matrices=full_matrices), _svd_backward, 3)


def linalg_svd(A, full_matrices=True):
    """(U, S, Vh) with A = U @ diag(S) @ Vh. Singular vectors are unique only up to sign: differentiate
    functions that do not depend on it (and use full_matrices=False when you do)."""
    _check_matrix("svd", A, square=False)
    return return_types.linalg_svd(*svd_row(A, full_matrices=full_matrices))


def svdvals(A):
    _check_matrix("svdvals", A, square=False)
    return svd_row(A, full_matrices=False)[1]


def svd_legacy(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V), V not transposed; reduced unless some=False."""
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return return_types.svd(U, S, mT(Vh))


# -- matrix norms --------------------------------------------------------------------------------------
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro', 'nuc', 2, -2 (largest/smallest singular value), 1, -1 (column sums), inf, -inf (row sums)."""
    if dtype is not None:
        A = A.to(dtype)
    _check_matrix("matrix_norm", A, square=False)
    rows, columns = (normalize_dim(d, A.ndim) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, dim=(rows, columns), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        last = [d for d in range(A.ndim) if d not in (rows, columns)] + [rows, columns]
        values = svdvals(A if last == list(range(A.ndim)) else permute(A, last))
        out = sum(values, -1) if ord == "nuc" else (amax if ord == 2 else amin)(values, -1)
    elif ord in (1, -1, math.inf, -math.inf):
        summed, other = (rows, columns) if ord in (1, -1) else (columns, rows)
        sums = sum(abs(A), summed)
        out = (amax if ord > 0 else amin)(sums, other - (summed < other))
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported; use 'fro', 'nuc', 2, -2, 1, -1, "
                           "inf or -inf")
    if keepdim:
        out = unsqueeze(unsqueeze(out, min(rows, columns)), max(rows, columns))
    return out


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector norm for 1 dim, matrix norm for 2 (ord=None: the 2-norm of all elements)."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim=dim, keepdim=keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D; pass dim= as well")
        dim = tuple(range(A.ndim))
    if len(dim) == 1:
        return vector_norm(A, ord, dim=dim, keepdim=keepdim, dtype=dtype)
    return matrix_norm(A, ord, dim=dim, keepdim=keepdim, dtype=dtype)


# Top-level names torch has (torch.det, torch.inverse, torch.svd ...), which are also Tensor methods.
@variants("function", "method")
def slogdet(input):
    return return_types.slogdet(*linalg_slogdet(input))


@variants("function", "method")
def svd(input, some=True, compute_uv=True):
    return svd_legacy(input, some, compute_uv)


@variants("function", "method")
def qr(input, some=True):
    return qr_legacy(input, some)


inverse = inv
declare(inverse, "inverse", "function", "method")
