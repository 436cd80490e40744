"""Rows for torch.special functions that are not ember ops already (ember/special.py names the rest)."""
import numpy as np

from ._registry import defop, promote_to_float
from .pointwise import log


def _entr(x):
    """-x log x; 0 at 0 and -inf below 0, as torch."""
    inside = x > 0
    value = -x * np.log(np.where(inside, x, 1.0))
    return np.where(inside | np.isnan(x), value, np.where(x == 0, 0.0, -np.inf)).astype(x.dtype)


# fmt: off
entr = defop("special_entr", "SpecialEntrBackward0", _entr, lambda grad, x: -grad * (log(x) + 1),
             dtype_rule=promote_to_float)
# fmt: on
