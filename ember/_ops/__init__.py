"""Every differentiable primitive: ember's derivatives table, one row per op.

The rows live in pointwise.py, reduction.py, shape.py and linalg.py; inplace.py builds the
in-place variants from them. This package re-exports the public functions used by Tensor,
ember's top-level namespace and (later) nn.functional.
"""
from ._registry import GRAD_FNS, defop  # noqa: F401
from .inplace import (add_, copy_, div_, divide_, exp_, fill_, mul_, multiply_, neg_, pow_,  # noqa: F401
                      setitem, sub_, subtract_, zero_)
from .linalg import bmm, dot, matmul, mm, mv  # noqa: F401
from .pointwise import (abs, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, clone, cos, div,  # noqa: F401
                        eq, exp, floor_divide, ge, gt, le, log, logical_not, lt, mul, ne, neg, pow, reciprocal,
                        relu, remainder, rfloor_divide, rremainder, rsub, sigmoid, sign, sin, sqrt, square, sub,
                        tanh, to_copy, where)
from .reduction import all, any, mean, sum  # noqa: F401
from .shape import (alias, contiguous, expand, expand_as, flatten, getitem, normalize_dim,  # noqa: F401
                    normalize_dims, numpy_T, permute, reshape, reshape_as, squeeze, swapaxes, swapdims, t,
                    transpose, unsqueeze, view, view_as)

# torch's aliases
subtract, multiply, divide, true_divide, absolute, negative = sub, mul, div, div, abs, neg

