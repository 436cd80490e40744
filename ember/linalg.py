"""ember.linalg: torch.linalg's functions (rows in ember/_ops/decompositions.py and reduction.py)."""
from ._ops.decompositions import (LinAlgError, det, eigh, eigvalsh, inv, inv_ex, linalg_cholesky as cholesky,  # noqa: F401
                                  linalg_norm as norm, linalg_qr as qr, linalg_slogdet as slogdet,
                                  linalg_svd as svd, matrix_norm, solve, svdvals)
from ._ops.linalg import matmul  # noqa: F401
from ._ops.linalg_solvers import eig, eigvals, lstsq, solve_triangular  # noqa: F401
from ._ops.numeric_linalg import (linalg_cross as cross, matrix_exp, matrix_power, multi_dot,  # noqa: F401
                                  pinv)
from ._ops.reduction import vector_norm  # noqa: F401

__all__ = ["LinAlgError", "cholesky", "det", "eigh", "eigvalsh", "inv", "inv_ex", "matmul", "matrix_norm", "norm",
           "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm", "cross", "matrix_exp", "matrix_power", "multi_dot",
           "pinv"]
