"""Named tuples for ops that return several tensors, as torch.return_types: ``x.max(1)`` gives
``values`` and ``indices``, ``linalg.slogdet`` gives ``sign`` and ``logabsdet`` ...

They are tuples (unpacking and indexing work) whose fields are also attributes, and they print as
torch's do, one field a line.
"""
from collections import namedtuple


def _make(name, fields):
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"ember.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "ember.return_types"})
    globals()[name] = cls
    return cls


_VALUES_INDICES = ("values", "indices")
for _name in ("max", "min", "sort", "topk", "median", "nanmedian", "mode", "kthvalue", "cummax", "cummin"):
    _make(_name, _VALUES_INDICES)
_make("aminmax", ("min", "max"))
_make("linalg_slogdet", ("sign", "logabsdet"))
_make("slogdet", ("sign", "logabsdet"))
_make("linalg_eigh", ("eigenvalues", "eigenvectors"))
_make("linalg_eig", ("eigenvalues", "eigenvectors"))
_make("histogram", ("hist", "bin_edges"))
_make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_make("linalg_svd", ("U", "S", "Vh"))
_make("svd", ("U", "S", "V"))
_make("linalg_qr", ("Q", "R"))
_make("qr", ("Q", "R"))
_make("linalg_inv_ex", ("inverse", "info"))
_make("linalg_cholesky_ex", ("L", "info"))
_make("frexp", ("mantissa", "exponent"))
