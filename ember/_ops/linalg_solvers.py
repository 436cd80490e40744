"""Triangular solves, least squares and the general eigendecomposition: the rows behind
``ember.linalg.solve_triangular``, ``lstsq``, ``eig`` and ``eigvals``.

The gradients are written with ember ops (so they differentiate again). solve_triangular's
gradient with respect to A keeps only A's triangle, since only that part of A is read. lstsq's
gradient is the one of the full-rank solution (A^T A)^-1 A^T B for tall A and the minimum-norm
A^T (A A^T)^-1 B for wide A, which is where torch defines it too.
"""
import numpy as np

from .. import return_types
from .._backend import as_array, namespace
from .._dtype import scalar_type_name
from .._tensor import Tensor, make_tensor
from ._registry import defop
from .decompositions import _check_matrix, _tril, _triu, mT, solve_row
from .linalg import matmul
from .reduction import sum


# -- solve_triangular ----------------------------------------------------------------------------------
def _triangle(A, upper, unitriangular):
    T = np.triu(A) if upper else np.tril(A)
    if unitriangular:
        T = T.copy()
        np.einsum("...ii->...i", T)[...] = 1
    return T


def _solve_triangular_forward(A, B, *, upper, left, unitriangular):
    T = _triangle(A, upper, unitriangular)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return np.swapaxes(np.linalg.solve(np.swapaxes(T, -2, -1), np.swapaxes(B, -2, -1)), -2, -1)
    return np.linalg.solve(T, B)


def _solve_triangular_grad_B(grad, A, B, *, upper, left, unitriangular):
    return solve_triangular_row(mT(A), grad, upper=not upper, left=left, unitriangular=unitriangular)


def _solve_triangular_grad_A(grad, A, B, *, upper, left, unitriangular, result):
    grad_B = solve_triangular_row(mT(A), grad, upper=not upper, left=left, unitriangular=unitriangular)
    grad_A = -matmul(grad_B, mT(result)) if left else -matmul(mT(result), grad_B)
    offset = 1 if unitriangular else 0  # a unit diagonal is not read either
    return _triu(grad_A, offset) if upper else _tril(grad_A, -offset)


solve_triangular_row = defop("linalg_solve_triangular", "LinalgSolveTriangularBackward0", _solve_triangular_forward,
                             (_solve_triangular_grad_A, _solve_triangular_grad_B))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (left=True) or X A = B, reading only the upper or lower triangle of A."""
    _check_matrix("solve_triangular", A)
    if not isinstance(B, Tensor) or B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        shape_B = f"{B.shape[-2]}x{B.shape[-1]}"
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation {equation} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {shape_B})")
    if A.dtype != B.dtype:
        B = B.to(A.dtype)  # torch 2.13 computes in A's dtype (it does not promote here)
    return solve_triangular_row(A, B, upper=bool(upper), left=bool(left), unitriangular=bool(unitriangular))


# -- lstsq ---------------------------------------------------------------------------------------------
def _lstsq_forward(A, B, *, rcond):
    if A.ndim == 2 and B.ndim == 2:
        return np.linalg.lstsq(A, B, rcond=rcond)[0]
    shape = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A_all = np.broadcast_to(A, shape + A.shape[-2:]).reshape((-1,) + A.shape[-2:])
    B_all = np.broadcast_to(B, shape + B.shape[-2:]).reshape((-1,) + B.shape[-2:])
    out = [np.linalg.lstsq(a, b, rcond=rcond)[0] for a, b in zip(A_all, B_all)]
    return np.stack(out).reshape(shape + (A.shape[-1], B.shape[-1])) if out else namespace(A).zeros(
        shape + (A.shape[-1], B.shape[-1]), dtype=A.dtype)


def solve(A, B):
    return solve_row(A, B, vector=False)  # the row itself: formulas also run on raw arrays


def _lstsq_grad_B(grad, A, B, *, rcond):
    if A.shape[-2] >= A.shape[-1]:  # tall: X = (A^T A)^-1 A^T B
        return matmul(A, solve(matmul(mT(A), A), grad))
    return solve(matmul(A, mT(A)), matmul(A, grad))  # wide: X = A^T (A A^T)^-1 B


def _lstsq_grad_A(grad, A, B, *, rcond, result):
    if A.shape[-2] >= A.shape[-1]:
        Y = solve(matmul(mT(A), A), grad)
        residual = B - matmul(A, result)
        return matmul(residual, mT(Y)) - matmul(matmul(A, Y), mT(result))
    Z = solve(matmul(A, mT(A)), B)
    W = solve(matmul(A, mT(A)), matmul(A, grad))
    return matmul(Z, mT(grad)) - matmul(matmul(W, mT(Z)) + matmul(Z, mT(W)), A)


lstsq_row = defop("linalg_lstsq", "LinalgLstsqBackward0", _lstsq_forward, (_lstsq_grad_A, _lstsq_grad_B))

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B, as torch's named tuple (solution, residuals, rank, singular_values).

    residuals, rank and singular_values follow the LAPACK driver torch would use on the CPU (gelsy by
    default: residuals and singular values empty); residuals are computed from the solution.
    """
    if isinstance(A, Tensor) and isinstance(B, Tensor) and A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {scalar_type_name(A.dtype)} and other's dtype {scalar_type_name(B.dtype)}")
    _check_matrix("lstsq", A, square=False)
    driver = driver or "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), "
                           f"but got {driver}")
    vector = B.ndim == A.ndim - 1
    B_matrix = B.unsqueeze(-1) if vector else B
    if B_matrix.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), got "
                           f"{A.shape[-2]} and {B_matrix.shape[-2]}")
    m, n = A.shape[-2], A.shape[-1]
    rcond_value = rcond if rcond is not None else np.finfo(A._data.dtype).eps * max(m, n)
    solution = lstsq_row(A, B_matrix, rcond=rcond_value)
    xp = namespace(A._data)
    ranks = np.linalg.matrix_rank(A._data, rtol=rcond_value) if A.numel() else xp.zeros(A.shape[:-2], np.int64)
    rank = make_tensor(as_array(ranks, dtype=np.int64)) if driver != "gels" else make_tensor(
        namespace(A._data).zeros(0, np.int64))
    empty = make_tensor(namespace(A._data).zeros(0, dtype=A._data.dtype))
    residuals, singular_values = empty, empty
    if driver in ("gelsd", "gelss"):
        singular_values = make_tensor(np.linalg.svd(A._data, compute_uv=False))
    # LAPACK reports residuals for tall systems, gels assuming full rank, gelsd/gelss when it is (gelsy never)
    if m > n and (driver == "gels" or (driver in ("gelsd", "gelss") and bool(np.all(ranks == n)))):
        residuals = sum((matmul(A, solution) - B_matrix) ** 2, dim=-2)
    if vector:
        solution = solution.squeeze(-1)
    return return_types.linalg_lstsq(solution, residuals, rank, singular_values)


# -- eig, eigvals (forward only: their results are complex) -----------------------------------------------
def _complex_of(dtype):
    return np.complex128 if dtype == np.float64 or dtype == np.complex128 else np.complex64


def eig(A):
    """Eigenvalues and eigenvectors of a general square matrix, complex as torch's (eigenvectors of unit norm)."""
    _check_matrix("eig", A)
    if A.requires_grad:
        raise NotImplementedError("ember does not differentiate complex tensors yet: linalg.eig returns complex "
                                  "eigenvalues and eigenvectors. Use linalg.eigh for symmetric matrices (real, "
                                  "differentiable), or detach() A.")
    values, vectors = np.linalg.eig(A._data)
    complex_dtype = _complex_of(A._data.dtype)
    return return_types.linalg_eig(make_tensor(values.astype(complex_dtype)),
                                   make_tensor(vectors.astype(complex_dtype)))


def eigvals(A):
    """Eigenvalues of a general square matrix (complex)."""
    _check_matrix("eigvals", A)
    if A.requires_grad:
        raise NotImplementedError("ember does not differentiate complex tensors yet: linalg.eigvals returns "
                                  "complex eigenvalues. Use linalg.eigvalsh for symmetric matrices, or detach() A.")
    return make_tensor(np.linalg.eigvals(A._data).astype(_complex_of(A._data.dtype)))
