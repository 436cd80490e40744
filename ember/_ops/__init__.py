"""Every differentiable primitive: ember's derivatives table, one row per op.

The rows live in the modules imported below. A row (or a function written out in full) declares
where it is public, as native_functions.yaml does (see _registry.declare): "function" makes
``ember.<name>``, "method" ``Tensor.<name>`` and "inplace" ``Tensor.<name>_``. This module collects
the declarations into FUNCTIONS and METHODS; ember/_tensor.py binds METHODS, ember/__init__.py
exports FUNCTIONS, and tools/gen_stubs.py writes ember/_tensor.pyi from them. Adding an op touches
only its rule module (and the stub, regenerated).
"""
from . import (activation, construct, construct_scatter, conv, decompositions, gamma, indexing, inplace,  # noqa: F401
               joining, linalg, loss, norm, numeric, numeric_linalg, pointwise, pointwise_logic, pointwise_math,
               pooling, rearrange, reduction, sampling, scatter_reduce, selection, shape, sorting, special,
               statistics)
from ._registry import DECLARED, GRAD_FNS, defop  # noqa: F401
from .inplace import make_inplace, setitem  # noqa: F401
from .pointwise import rfloor_divide, rremainder, to_copy  # noqa: F401
from .shape import (alias, contiguous, expand, getitem, normalize_dim, normalize_dims, numpy_T,  # noqa: F401
                    reshape_as, view, view_as)

FUNCTIONS = {}  # name -> the op: ember.<name>
METHODS = {}    # name -> the op: Tensor.<name>
for _name, _declaration in DECLARED.items():
    if "function" in _declaration.variants:
        FUNCTIONS[_name] = _declaration.function
    if "method" in _declaration.variants:
        METHODS[_name] = _declaration.function
    if "inplace" in _declaration.variants:  # x.exp_(): the row computed out of place, written into x
        METHODS[_name + "_"] = make_inplace(_declaration.function, _name + "_")
del _name, _declaration

# After the module imports above: ember._ops.norm is the function, not the module of that name.
globals().update(FUNCTIONS)
globals().update(METHODS)
__all__ = sorted(FUNCTIONS)
