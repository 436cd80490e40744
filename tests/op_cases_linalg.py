"""OpCases for matrix products and ember.linalg (see tests/op_cases.py).

grad_fn and out_shape literals were recorded from torch 2.13. Decompositions whose outputs are
unique only up to sign (eigenvectors, singular vectors) are checked through functions that do not
depend on it (squares, U @ Vh), as torch's own tests do; symmetric and positive-definite inputs
are built from a random matrix inside the case, so gradients flow through that construction.
"""
from op_cases import OpCase as C


def _spd(lib, a):
    """A symmetric positive-definite matrix made from a: a @ a.mT + 3 I."""
    return a @ a.mT + 3 * lib.eye(a.shape[-1], dtype=a.dtype)


def _svd_u_vh(lib, x):
    U, S, Vh = lib.linalg.svd(x, full_matrices=False)
    return U @ Vh  # sum of u_k v_k^T: independent of each pair's sign


# fmt: off
CASES = [
    C("addmm",             "AddmmBackward0",     lambda lib, b, x, w: lib.addmm(b, x, w),        ((3,), (2, 4), (4, 3)), (2, 3)),
    C("addmm_linear",      "AddmmBackward0",     lambda lib, b, x, w: lib.addmm(b, x, w.t()),    ((3,), (2, 4), (3, 4)), (2, 3)),
    C("addmm_scaled",      "AddmmBackward0",     lambda lib, b, x, w: lib.addmm(b, x, w, beta=0.5, alpha=2.0), ((2, 3), (2, 4), (4, 3)), (2, 3)),
    C("addmv",             "AddmvBackward0",     lambda lib, b, m, v: lib.addmv(b, m, v, alpha=1.5), ((2,), (2, 3), (3,)), (2,)),
    C("baddbmm",           "BaddbmmBackward0",   lambda lib, b, x, y: lib.baddbmm(b, x, y, beta=2.0), ((2, 1, 3), (2, 2, 4), (2, 4, 3)), (2, 2, 3)),
    C("outer",             "MulBackward0",       lambda lib, a, b: lib.outer(a, b),              ((2,), (3,)), (2, 3)),
    C("einsum_matmul",     "ViewBackward0",      lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), ((2, 3), (3, 4)), (2, 4)),
    C("einsum_batched",    "ViewBackward0",      lambda lib, a, b: lib.einsum("bhqd,bhkd->bhqk", a, b), ((2, 2, 3, 4), (2, 2, 2, 4)), (2, 2, 3, 2)),
    C("einsum_trace",      "SumBackward1",       lambda lib, a: lib.einsum("ii", a),             ((3, 3),), ()),
    C("einsum_transpose",  "PermuteBackward0",   lambda lib, a: lib.einsum("ij->ji", a),         ((2, 3),), (3, 2)),
    C("einsum_ellipsis",   "ViewBackward0",      lambda lib, a, b: lib.einsum("...ij,...jk", a, b), ((2, 2, 3), (3, 2)), (2, 2, 2)),
    C("einsum_three",      "ViewBackward0",      lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c), ((2, 3), (3, 2), (2, 2)), (2, 2)),
    C("tensordot",         "ViewBackward0",      lambda lib, a, b: lib.tensordot(a, b, dims=([1, 2], [1, 0])), ((2, 3, 4), (4, 3, 2)), (2, 2)),
    C("inv",               "LinalgInvExBackward0", lambda lib, a: lib.linalg.inv(a),             ((3, 3),), (3, 3)),
    C("inverse_batched",   "LinalgInvExBackward0", lambda lib, a: lib.inverse(a),                ((2, 3, 3),), (2, 3, 3)),
    C("det",               "LinalgDetBackward0", lambda lib, a: lib.linalg.det(a),               ((3, 3),), ()),
    C("det_batched",       "LinalgDetBackward0", lambda lib, a: a.det(),                         ((2, 2, 2),), (2,)),
    C("slogdet",           "LinalgSlogdetBackward0", lambda lib, a: lib.linalg.slogdet(a).logabsdet, ((3, 3),), ()),
    C("logdet",            "WhereBackward0",     lambda lib, a: lib.logdet(_spd(lib, a)),        ((3, 3),), ()),
    C("solve",             "LinalgSolveExBackward0", lambda lib, a, b: lib.linalg.solve(a, b),   ((3, 3), (3, 2)), (3, 2)),
    C("solve_vector",      "LinalgSolveExBackward0", lambda lib, a, b: lib.linalg.solve(a, b),   ((2, 3, 3), (3,)), (2, 3)),
    C("solve_triangular",  "LinalgSolveTriangularBackward0", lambda lib, a, b: lib.linalg.solve_triangular(_spd(lib, a), b, upper=False), ((3, 3), (3, 2)), (3, 2)),
    C("solve_triangular_right_unit", "LinalgSolveTriangularBackward0", lambda lib, a, b: lib.linalg.solve_triangular(_spd(lib, a), b, upper=True, left=False, unitriangular=True), ((2, 3, 3), (2, 3)), (2, 2, 3)),
    C("lstsq_tall",        "LinalgLstsqBackward0", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, ((4, 3), (4, 2)), (3, 2)),
    C("lstsq_wide",        "LinalgLstsqBackward0", lambda lib, a, b: lib.linalg.lstsq(a, b).solution, ((2, 3), (2, 2)), (3, 2)),
    C("cholesky",          "LinalgCholeskyExBackward0", lambda lib, a: lib.linalg.cholesky(_spd(lib, a)), ((3, 3),), (3, 3)),
    C("cholesky_upper",    "LinalgCholeskyExBackward0", lambda lib, a: lib.linalg.cholesky(_spd(lib, a), upper=True), ((3, 3),), (3, 3)),
    C("cholesky_legacy",   "CholeskyBackward0",  lambda lib, a: _spd(lib, a).cholesky(),         ((3, 3),), (3, 3)),
    C("qr_q",              "LinalgQrBackward0",  lambda lib, a: lib.linalg.qr(a).Q,              ((4, 3),), (4, 3)),
    C("qr_r",              "LinalgQrBackward0",  lambda lib, a: lib.linalg.qr(a)[1],             ((3, 3),), (3, 3)),
    C("eigh_values",       "LinalgEighBackward0", lambda lib, a: lib.linalg.eigh(a + a.mT).eigenvalues, ((3, 3),), (3,)),
    C("eigh_vectors",      "PowBackward0",       lambda lib, a: lib.linalg.eigh(a + a.mT)[1] ** 2, ((3, 3),), (3, 3)),
    C("svd_values",        "LinalgSvdBackward0", lambda lib, a: lib.linalg.svd(a).S,             ((4, 3),), (3,)),
    C("svd_vectors",       "MmBackward0",        _svd_u_vh,                                      ((4, 3),), (4, 3)),
    C("svd_vectors_wide",  "MmBackward0",        _svd_u_vh,                                      ((2, 3),), (2, 3)),
    C("svdvals",           "LinalgSvdBackward0", lambda lib, a: lib.linalg.svdvals(a),           ((3, 2),), (2,)),
    C("matrix_norm_nuc",   "SumBackward1",       lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), ((3, 2),), ()),
    C("matrix_norm_2",     "AmaxBackward0",      lambda lib, a: lib.linalg.matrix_norm(a, 2),    ((3, 2),), ()),
    C("matrix_norm_fro",   "LinalgVectorNormBackward0", lambda lib, a: lib.linalg.norm(a),       ((3, 2),), ()),
]
# fmt: on
