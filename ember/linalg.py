"""ember.linalg: torch.linalg's functions (rows in ember/_ops/decompositions.py and reduction.py)."""
from ._ops.decompositions import LinAlgError, det, eigh, eigvalsh, inv, inv_ex, matrix_norm, solve, svdvals  # noqa: F401
from ._ops.decompositions import linalg_cholesky as cholesky
from ._ops.decompositions import linalg_norm as norm
from ._ops.decompositions import linalg_qr as qr
from ._ops.decompositions import linalg_slogdet as slogdet
from ._ops.decompositions import linalg_svd as svd
from ._ops.linalg import matmul  # noqa: F401
from ._ops.linalg_solvers import eig, eigvals, lstsq, solve_triangular  # noqa: F401
from ._ops.numeric_linalg import linalg_cross as cross  # noqa: F401
from ._ops.numeric_linalg import matrix_exp, matrix_power, multi_dot, pinv
from ._ops.reduction import vector_norm  # noqa: F401

__all__ = ["LinAlgError", "cholesky", "det", "eigh", "eigvalsh", "inv", "inv_ex", "matmul", "matrix_norm", "norm",
           "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm", "cross", "matrix_exp", "matrix_power",
           "multi_dot", "pinv", "eig", "eigvals", "lstsq", "solve_triangular"]
