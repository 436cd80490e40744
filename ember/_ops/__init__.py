"""Every differentiable primitive: ember's derivatives table, one row per op.

The rows live in the modules listed in MODULES; inplace.py builds the in-place variants from
them. Each module names what it exports: ``__all__`` becomes ``ember.<name>`` and ``METHODS``
becomes ``Tensor.<name>`` (bound in ember/_tensor.py). Adding an op touches only its module.
"""
from . import activation, conv, inplace, linalg, loss, norm, pointwise, pooling, reduction, sampling, shape
from ._registry import GRAD_FNS, defop  # noqa: F401
from .activation import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .inplace import *  # noqa: F401,F403
from .inplace import setitem  # noqa: F401
from .linalg import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .norm import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .pointwise import rfloor_divide, rremainder, to_copy  # noqa: F401
from .reduction import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .shape import (alias, contiguous, expand, getitem, normalize_dim, normalize_dims, numpy_T,  # noqa: F401
                    view, view_as, reshape_as)

MODULES = (pointwise, reduction, shape, linalg, inplace, activation, loss, conv, pooling, norm, sampling)
globals().update({name: getattr(module, name) for module in MODULES for name in module.METHODS})
__all__ = sorted({name for module in MODULES for name in module.__all__})
