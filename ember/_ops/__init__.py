"""Every differentiable primitive: ember's derivatives table, one row per op.

The rows live in the modules listed in MODULES; inplace.py builds the in-place variants from
them. Each module names what it exports: ``__all__`` becomes ``ember.<name>`` and ``METHODS``
becomes ``Tensor.<name>`` (bound in ember/_tensor.py). Adding an op touches only its module.
"""
from . import (activation, construct, construct_scatter, conv, decompositions, gamma, indexing, inplace,  # noqa: F401
               joining, linalg, loss, norm, numeric, numeric_linalg, pointwise, pointwise_inplace, pointwise_logic,
               pointwise_math, pooling, rearrange, reduction, sampling, scatter_reduce, selection, shape, sorting,
               special, statistics)
from ._registry import GRAD_FNS, defop  # noqa: F401

# Listed before the star imports below, which bring in functions named like some modules (norm).
MODULES = (pointwise, pointwise_math, pointwise_logic, reduction, sorting, shape, rearrange, joining, indexing, linalg,
           decompositions, inplace, pointwise_inplace, activation, loss, conv, pooling, norm, sampling, numeric,
           numeric_linalg, construct, construct_scatter, scatter_reduce, gamma, special, statistics)

from .activation import *  # noqa: F401,F403
from .construct import *  # noqa: F401,F403
from .construct_scatter import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .decompositions import *  # noqa: F401,F403
from .gamma import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .inplace import *  # noqa: F401,F403
from .inplace import setitem  # noqa: F401
from .joining import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .norm import *  # noqa: F401,F403
from .numeric import *  # noqa: F401,F403
from .numeric_linalg import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .pointwise import rfloor_divide, rremainder, to_copy  # noqa: F401
from .pointwise_inplace import *  # noqa: F401,F403
from .pointwise_logic import *  # noqa: F401,F403
from .pointwise_math import *  # noqa: F401,F403
from .rearrange import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .scatter_reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .shape import (alias, contiguous, expand, getitem, normalize_dim, normalize_dims, numpy_T,  # noqa: F401
                    view, view_as, reshape_as)

globals().update({name: getattr(module, name) for module in MODULES for name in module.METHODS})
__all__ = sorted({name for module in MODULES for name in module.__all__})
