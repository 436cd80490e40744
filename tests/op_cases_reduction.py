"""OpCases for reductions, sorting and order statistics (see tests/op_cases.py).

grad_fn and out_shape literals were recorded from torch 2.13. Inputs are random, so extremes,
medians and sort orders have no ties and finite differences are trustworthy; ties, zeros and
norms at zero are checked against torch in tests/test_reduction.py.
"""
import math

from op_cases import NONZERO, POSITIVE
from op_cases import OpCase as C

# distinct values for the double-backward cases below (ember and torch pick the same elements)
_DISTINCT = [[0.3, -1.2, 2.0, 0.7], [1.5, -0.4, 0.1, -2.2], [0.9, 1.1, -0.6, 0.2]]


def _scatter_gradient(lib, v, keepdim=False):
    """The gradient of max(dim) as a function of its grad_output: torch's ScatterBackward0."""
    with lib.enable_grad():
        z = lib.tensor(_DISTINCT, dtype=v.dtype, requires_grad=True)
        (grad,) = lib.autograd.grad(z.max(1, keepdim=keepdim)[0], z, v, create_graph=True)
    return grad


def _gather_gradient(lib, w):
    """The gradient of that scatter with respect to its input: a gather (GatherBackward0)."""
    with lib.enable_grad():
        v = lib.ones(3, 1, dtype=w.dtype, requires_grad=True)
        scattered = _scatter_gradient(lib, v, keepdim=True)
        (grad,) = lib.autograd.grad(scattered, v, w, create_graph=True)
    return grad


# fmt: off
CASES = [
    C("prod",              "ProdBackward0",      lambda lib, x: x.prod(),                        ((2, 3),), ()),
    C("prod_dim",          "ProdBackward1",      lambda lib, x: lib.prod(x, 1, keepdim=True),    ((2, 3),), (2, 1)),
    C("prod_negative_dim", "ProdBackward1",      lambda lib, x: x.prod(-2),                      ((2, 3),), (3,)),
    C("amax",              "AmaxBackward0",      lambda lib, x: x.amax(),                        ((2, 3),), ()),
    C("amax_dims",         "AmaxBackward0",      lambda lib, x: lib.amax(x, (0, 2), keepdim=True), ((2, 3, 2),), (1, 3, 1)),
    C("amin_dim",          "AminBackward0",      lambda lib, x: x.amin(-1),                      ((2, 3),), (2,)),
    C("max",               "MaxBackward1",       lambda lib, x: x.max(),                         ((2, 3),), ()),
    C("min",               "MinBackward1",       lambda lib, x: lib.min(x),                      ((2, 3),), ()),
    C("max_dim",           "MaxBackward0",       lambda lib, x: x.max(1)[0],                     ((2, 3),), (2,)),
    C("max_dim_keepdim",   "MaxBackward0",       lambda lib, x: lib.max(x, 0, keepdim=True).values, ((2, 3),), (1, 3)),
    C("min_dim",           "MinBackward0",       lambda lib, x: x.min(dim=-1).values,            ((2, 3),), (2,)),
    C("var",               "VarBackward0",       lambda lib, x: x.var(),                         ((2, 3),), ()),
    C("var_dim_correction", "VarBackward0",      lambda lib, x: lib.var(x, 1, correction=0, keepdim=True), ((2, 3),), (2, 1)),
    C("var_unbiased_false", "VarBackward0",      lambda lib, x: x.var(0, False),                 ((2, 3),), (3,)),
    C("std",               "StdBackward0",       lambda lib, x: x.std(),                         ((2, 3),), ()),
    C("std_dims",          "StdBackward0",       lambda lib, x: lib.std(x, (0, 2), keepdim=True), ((2, 3, 2),), (1, 3, 1)),
    C("std_mean_std",      "StdMeanBackward0",   lambda lib, x: lib.std_mean(x, 1)[0],           ((2, 3),), (2,)),
    C("std_mean_mean",     "StdMeanBackward0",   lambda lib, x: lib.std_mean(x)[1],              ((2, 3),), ()),
    C("var_mean_var",      "VarMeanBackward0",   lambda lib, x: lib.var_mean(x, 0, correction=0)[0], ((2, 3),), (3,)),
    C("var_mean_mean",     "VarMeanBackward0",   lambda lib, x: lib.var_mean(x, -1, keepdim=True)[1], ((2, 3),), (2, 1)),
    C("logsumexp",         "LogsumexpBackward0", lambda lib, x: x.logsumexp(1),                  ((2, 3),), (2,)),
    C("logsumexp_dims",    "LogsumexpBackward0", lambda lib, x: lib.logsumexp(x, (0, 1), keepdim=True), ((2, 3),), (1, 1)),
    C("cumsum",            "CumsumBackward0",    lambda lib, x: x.cumsum(1),                     ((2, 3),), (2, 3)),
    C("cumsum_dim0",       "CumsumBackward0",    lambda lib, x: lib.cumsum(x, dim=-2),           ((3, 2),), (3, 2)),
    C("cumprod",           "CumprodBackward0",   lambda lib, x: x.cumprod(1),                    ((2, 4),), (2, 4), (NONZERO,)),
    C("norm",              "LinalgVectorNormBackward0", lambda lib, x: x.norm(),                 ((2, 3),), ()),
    C("norm_dim",          "LinalgVectorNormBackward0", lambda lib, x: lib.norm(x, dim=1, keepdim=True), ((2, 3),), (2, 1)),
    C("norm_p1",           "LinalgVectorNormBackward0", lambda lib, x: x.norm(1),                ((2, 3),), (), (NONZERO,)),
    C("norm_p3",           "LinalgVectorNormBackward0", lambda lib, x: x.norm(3, dim=0),         ((2, 3),), (3,), (NONZERO,)),
    C("norm_inf",          "LinalgVectorNormBackward0", lambda lib, x: x.norm(math.inf),         ((2, 3),), ()),
    C("vector_norm",       "LinalgVectorNormBackward0", lambda lib, x: lib.linalg.vector_norm(x, dim=(0, 2)), ((2, 3, 2),), (3,)),
    C("vector_norm_neg_inf", "LinalgVectorNormBackward0", lambda lib, x: lib.linalg.vector_norm(x, -math.inf, 1), ((2, 3),), (2,)),
    C("vector_norm_half",  "LinalgVectorNormBackward0", lambda lib, x: lib.linalg.vector_norm(x, 0.5), ((2, 3),), (), (POSITIVE,)),
    C("sort",              "SortBackward0",      lambda lib, x: x.sort(1).values,                ((2, 3),), (2, 3)),
    C("sort_descending",   "SortBackward0",      lambda lib, x: lib.sort(x, 0, descending=True)[0], ((3, 2),), (3, 2)),
    C("topk",              "TopkBackward0",      lambda lib, x: x.topk(2).values,                ((2, 4),), (2, 2)),
    C("topk_smallest",     "TopkBackward0",      lambda lib, x: lib.topk(x, 1, dim=0, largest=False)[0], ((3, 2),), (1, 2)),
    C("median",            "MedianBackward0",    lambda lib, x: x.median(),                      ((2, 3),), ()),
    C("median_dim",        "MedianBackward1",    lambda lib, x: x.median(1).values,              ((2, 4),), (2,)),
    C("nanmedian",         "NanmedianBackward0", lambda lib, x: lib.nanmedian(x),                ((2, 3),), ()),
    C("nanmedian_dim",     "NanmedianBackward1", lambda lib, x: x.nanmedian(0, keepdim=True)[0], ((3, 2),), (1, 2)),
    C("mode",              "ModeBackward0",      lambda lib, x: x.mode(1).values,                ((2, 3),), (2,)),
    C("kthvalue",          "KthvalueBackward0",  lambda lib, x: x.kthvalue(2, 1).values,         ((2, 3),), (2,)),
    C("max_dim_backward",  "ScatterBackward0",   _scatter_gradient,                              ((3,),), (3, 4)),
    C("scatter_backward",  "GatherBackward0",    _gather_gradient,                               ((3, 4),), (3, 1)),
]
# fmt: on
