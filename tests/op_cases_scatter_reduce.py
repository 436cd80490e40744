"""OpCases for scatter_reduce (collected into op_cases.OP_CASES); grad_fn literals from torch 2.13.

The index sends two src elements to row 0 of column 3, so every reduction meets a shared slot;
include_self=False leaves the input out of the slots that receive src.
"""
from op_cases import NONZERO, OpCase

INDEX = [[0, 1, 2, 0], [2, 1, 0, 0]]


def _reduce(reduce, include_self=True):
    return lambda lib, x, src: x.scatter_reduce(0, lib.tensor(INDEX), src, reduce, include_self=include_self)


CASES = [
    OpCase(f"scatter_reduce_{reduce}{'' if include_self else '_no_self'}", "ScatterReduceBackward0",
           _reduce(reduce, include_self), ((3, 4), (2, 4)), (3, 4), (NONZERO, NONZERO))
    for reduce in ("sum", "mean", "amax", "amin", "prod") for include_self in (True, False)
]
