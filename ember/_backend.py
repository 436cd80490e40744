"""The array library behind ember, named in one place.

Everything outside the ops table (``ember/_ops``) that needs raw arrays goes through ``xp``,
so a second backend with NumPy's interface (CuPy, for GPUs) is a change to this module,
not to the engine, the Tensor class or ``nn``.
"""
import numpy as xp  # noqa: F401  (re-exported: `from ._backend import xp`)

ndarray = xp.ndarray


def as_array(value):
    """Arrays stay as they are; NumPy scalars (from 0-d arithmetic) become 0-d arrays."""
    return value if type(value) is ndarray else xp.asarray(value)
