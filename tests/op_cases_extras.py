"""OpCases for the extra ops (ember/_ops/numeric.py, numeric_linalg.py, construct.py).

grad_fn and out_shape literals were recorded from torch 2.13. Index tensors are built inside the
case functions, so the same code runs on ember and torch. Domains keep clear of kinks: frexp's
inputs share one exponent, copysign's stay away from 0, cdist's points apart, renorm's rows over
the max norm.
"""
from op_cases import NONZERO, POSITIVE, _gradient_of
from op_cases import OpCase as C

_UNIT = (0.55, 0.95)  # one binary exponent: frexp's mantissa is smooth there


def _index_put_accumulate(lib, x, v):
    return lib.index_put(x, (lib.tensor([0, 2, 0]),), v, accumulate=True)


def _index_put_pairs(lib, x, v):
    return x.index_put((lib.tensor([0, 2]), lib.tensor([1, 3])), v)


def _index_put_inplace(lib, x, v):
    return (x * 1.0).index_put_((lib.tensor([1]),), v)


def _put(lib, x, v):
    return x.put(lib.tensor([0, 5, 7]), v)


def _put_accumulate(lib, x, v):
    return lib.put(x, lib.tensor([0, 5, 0]), v, accumulate=True)


def _put_inplace(lib, x, v):
    return (x * 1.0).put_(lib.tensor([1, 6]), v)


def _index_copy(lib, x, v):
    return lib.index_copy(x, 1, lib.tensor([3, 0]), v)


def _index_copy_inplace(lib, x, v):
    return (x * 1.0).index_copy_(0, lib.tensor([2]), v)


def _ldexp(lib, x):
    return lib.ldexp(x, lib.tensor([1, 0, 3]))  # torch's gradient is 0 for negative exponents (integer 2**e)


def _addmm_inplace(lib, x, a, b):
    return (x * 1.0).addmm_(a, b, beta=0.5, alpha=2)


def _cumsum_inplace(lib, x):
    return (x * 1.0).cumsum_(1)


def _fill_diagonal(lib, x):
    return (x * 1.0).fill_diagonal_(2.0)


def _take_along_dim(lib, x):
    return lib.take_along_dim(x, lib.tensor([[0, 3], [1, 1], [2, 0]]), 1)


def _unfold_of(z):
    return z.unfold(1, 2, 1)


# fmt: off
CASES = [
    # -- numeric.py -----------------------------------------------------------------------------------
    C("softmax_top",         "SoftmaxBackward0",       lambda lib, x: lib.softmax(x, 1),              ((2, 3),), (2, 3)),
    C("log_softmax_method",  "LogSoftmaxBackward0",    lambda lib, x: x.log_softmax(0),               ((2, 3),), (2, 3)),
    C("copysign",            "CopysignBackward0",      lambda lib, a, b: lib.copysign(a, b),          ((2, 3), (2, 3)), (2, 3), (NONZERO, NONZERO)),
    C("copysign_scalar",     "CopysignBackward1",      lambda lib, x: x.copysign(-1.0),               ((2, 3),), (2, 3), (NONZERO,)),
    C("ldexp",               "LdexpBackward0",         _ldexp,                                        ((2, 3),), (2, 3)),
    C("frexp",               "FrexpBackward0",         lambda lib, x: lib.frexp(x * 3.0)[0],          ((2, 3),), (2, 3), (_UNIT,)),
    C("sinc",                "SincBackward0",          lambda lib, x: lib.sinc(x),                    ((2, 3),), (2, 3)),
    C("nextafter",           "NextafterBackward0",     lambda lib, a, b: lib.nextafter(a, b),         ((2, 3), (2, 3)), (2, 3)),
    C("heaviside",           "NotImplemented",         lambda lib, a, b: lib.heaviside(a, b),         ((2, 3), (2, 3)), (2, 3), differentiable=False),
    C("angle_real",          "AngleBackward0",         lambda lib, x: lib.angle(x),                   ((2, 3),), (2, 3), (NONZERO,)),
    C("float_power",         "PowBackward0",           lambda lib, x: lib.float_power(x, 3),          ((2, 3),), (2, 3), (POSITIVE,)),
    C("float_power_tensor",  "PowBackward1",           lambda lib, a, b: a.float_power(b),            ((2, 3), (2, 3)), (2, 3), (POSITIVE,)),
    C("nansum",              "NansumBackward0",        lambda lib, x: lib.nansum(x),                  ((2, 3),), ()),
    C("nansum_dim",          "NansumBackward0",        lambda lib, x: x.nansum(1, keepdim=True),      ((2, 3),), (2, 1)),
    C("nanmean",             "DivBackward0",           lambda lib, x: lib.nanmean(x, 0),              ((2, 3),), (3,)),
    C("cummax",              "CummaxBackward0",        lambda lib, x: lib.cummax(x, 1)[0],            ((3, 4),), (3, 4)),
    C("cummin",              "CumminBackward0",        lambda lib, x: x.cummin(0).values,             ((3, 4),), (3, 4)),
    C("logcumsumexp",        "LogcumsumexpBackward0",  lambda lib, x: lib.logcumsumexp(x, 1),         ((2, 4),), (2, 4)),
    C("diff",                "SubBackward0",           lambda lib, x: lib.diff(x, n=2),               ((2, 5),), (2, 3)),
    C("diff_prepend",        "SubBackward0",           lambda lib, x, p: x.diff(dim=0, prepend=p),    ((3, 2), (1, 2)), (3, 2)),
    C("trapezoid",           "MulBackward1",           lambda lib, y: lib.trapezoid(y, dx=0.5),       ((2, 4),), (2,)),
    C("trapz_x",             "DivBackward1",           lambda lib, y, x: lib.trapz(y, x),             ((2, 4), (4,)), (2,)),
    # -- numeric_linalg.py ----------------------------------------------------------------------------
    C("trace",               "TraceBackward0",         lambda lib, x: lib.trace(x),                   ((3, 4),), ()),
    C("cross",               "LinalgCrossBackward0",   lambda lib, a, b: lib.cross(a, b, dim=1),      ((2, 3), (2, 3)), (2, 3)),
    C("linalg_cross",        "LinalgCrossBackward0",   lambda lib, a, b: lib.linalg.cross(a, b),      ((2, 3), (1, 3)), (2, 3)),
    C("kron",                "UnsafeViewBackward0",    lambda lib, a, b: lib.kron(a, b),              ((2, 2), (3,)), (2, 6)),
    C("inner",               "ViewBackward0",          lambda lib, a, b: lib.inner(a, b),             ((2, 3), (4, 3)), (2, 4)),
    C("vdot",                "VdotBackward0",          lambda lib, a, b: lib.vdot(a, b),              ((3,), (3,)), ()),
    C("addr",                "AddrBackward0",          lambda lib, m, a, b: lib.addr(m, a, b, beta=0.5, alpha=2), ((2, 3), (2,), (3,)), (2, 3)),
    C("addbmm",              "AddbmmBackward0",        lambda lib, m, a, b: lib.addbmm(m, a, b, alpha=0.5), ((2, 4), (3, 2, 3), (3, 3, 4)), (2, 4)),
    C("matrix_power",        "MmBackward0",            lambda lib, x: lib.matrix_power(x, 3),         ((3, 3),), (3, 3)),
    C("matrix_power_0",      "CopyBackwards",          lambda lib, x: lib.linalg.matrix_power(x, 0),  ((2, 2),), (2, 2)),
    C("matrix_power_1",      "CloneBackward0",         lambda lib, x: x.matrix_power(1),              ((2, 2),), (2, 2)),
    C("multi_dot",           "ViewBackward0",          lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), ((3,), (3, 4), (4, 2)), (2,)),
    C("chain_matmul",        "ViewBackward0",          lambda lib, a, b: lib.linalg.multi_dot([a, b]), ((2, 3), (3, 2)), (2, 2)),
    C("cdist",               "CdistBackward0",         lambda lib, a, b: lib.cdist(a, b),             ((3, 2), (4, 2)), (3, 4)),
    C("cdist_p1_batched",    "CdistBackward0",         lambda lib, a, b: lib.cdist(a, b, p=1),        ((2, 2, 3), (2, 3, 3)), (2, 2, 3)),
    C("dist",                "DistBackward0",          lambda lib, a, b: lib.dist(a, b),              ((2, 3), (3,)), ()),
    C("dist_p3",             "DistBackward0",          lambda lib, a, b: a.dist(b, 3),                ((2, 3), (2, 3)), ()),
    C("renorm",              "RenormBackward0",        lambda lib, x: lib.renorm(x * 2.0, 2, 0, 1.0),  ((3, 4),), (3, 4), (NONZERO,)),
    C("pinv",                "LinalgPinvBackward0",    lambda lib, x: lib.linalg.pinv(x),             ((3, 2),), (2, 3)),
    C("pinverse_wide",       "LinalgPinvBackward0",    lambda lib, x: lib.pinverse(x),                ((2, 3),), (3, 2)),
    C("matrix_exp",          "LinalgMatrixExpBackward0", lambda lib, x: lib.linalg.matrix_exp(x),     ((3, 3),), (3, 3)),
    # -- construct.py ---------------------------------------------------------------------------------
    C("ravel",               "ViewBackward0",          lambda lib, x: x.t().ravel(),                  ((2, 3),), (6,)),
    C("select_top",          "SelectBackward0",        lambda lib, x: lib.select(x, 1, -1),           ((2, 3),), (2,)),
    C("as_strided",          "AsStridedBackward0",     lambda lib, x: x.as_strided((2, 2), (1, 2), 1), ((2, 3),), (2, 2)),
    C("tensor_unfold",       "UnfoldBackward0",        lambda lib, x: x.unfold(1, 2, 1),              ((2, 4),), (2, 3, 2)),
    C("tensor_unfold_step",         "UnfoldBackward0",        lambda lib, x: x.unfold(0, 2, 2),              ((5, 2),), (2, 2, 2)),
    C("tensor_unfold_backward",     "UnfoldBackwardBackward0", _gradient_of(_unfold_of, (2, 4)),            ((2, 3, 2),), (2, 4)),
    C("sum_to_size",         "SumBackward1",           lambda lib, x: x.sum_to_size(1, 3),            ((2, 3),), (1, 3)),
    C("meshgrid",            "ExpandBackward0",        lambda lib, a, b: lib.meshgrid(a, b, indexing="xy")[0], ((2,), (3,)), (3, 2)),
    C("atleast_2d",          "UnsqueezeBackward0",     lambda lib, x: lib.atleast_2d(x),              ((3,),), (1, 3)),
    C("cartesian_prod",      "StackBackward0",         lambda lib, a, b: lib.cartesian_prod(a, b),    ((2,), (3,)), (6, 2)),
    C("combinations",        "StackBackward0",         lambda lib, x: lib.combinations(x, 2),         ((4,),), (6, 2)),
    C("block_diag",          "BlockDiagBackward0",     lambda lib, a, b, c: lib.block_diag(a, b, c),  ((2, 2), (3,), ()), (4, 6)),
    C("rot90",               "Rot90Backward0",         lambda lib, x: lib.rot90(x, 1, [0, 1]),        ((2, 3),), (3, 2)),
    C("rot90_k3",            "Rot90Backward0",         lambda lib, x: x.rot90(3, [1, 2]),             ((2, 3, 4),), (2, 4, 3)),
    C("take_along_dim",      "GatherBackward0",        _take_along_dim,                               ((3, 4),), (3, 2)),
    C("narrow_copy",         "NarrowCopyBackward0",    lambda lib, x: lib.narrow_copy(x, 1, 1, 2),    ((2, 4),), (2, 2)),
    C("slice_scatter",       "SliceScatterBackward0",  lambda lib, x, s: lib.slice_scatter(x, s, 1, 0, 4, 2), ((3, 4), (3, 2)), (3, 4)),
    C("select_scatter",      "SelectScatterBackward0", lambda lib, x, s: lib.select_scatter(x, s, 0, 1), ((3, 4), (4,)), (3, 4)),
    C("diagonal_scatter",    "DiagonalScatterBackward0", lambda lib, x, s: lib.diagonal_scatter(x, s, 1), ((3, 4), (3,)), (3, 4)),
    C("index_put",           "IndexPutBackward0",      _index_put_pairs,                              ((3, 4), (2,)), (3, 4)),
    C("index_put_accumulate", "IndexPutBackward0",     _index_put_accumulate,                         ((3, 4), (4,)), (3, 4)),
    C("index_put_",          "IndexPutBackward0",      _index_put_inplace,                            ((3, 4), (4,)), (3, 4)),
    C("index_copy",          "IndexCopyBackward0",     _index_copy,                                   ((3, 4), (3, 2)), (3, 4)),
    C("index_copy_",         "IndexCopyBackward0",     _index_copy_inplace,                           ((3, 4), (1, 4)), (3, 4)),
    C("put",                 "PutBackward0",           _put,                                          ((3, 4), (3,)), (3, 4)),
    C("put_accumulate",      "PutBackward0",           _put_accumulate,                               ((3, 4), (3,)), (3, 4)),
    C("put_",                "PutBackward0",           _put_inplace,                                  ((3, 4), (2,)), (3, 4)),
    C("addmm_",              "AddmmBackward0",         _addmm_inplace,                                ((2, 3), (2, 4), (4, 3)), (2, 3)),
    C("cumsum_",             "CumsumBackward0",        _cumsum_inplace,                               ((2, 3),), (2, 3)),
    C("fill_diagonal_",      "CopySlices",             _fill_diagonal,                                ((3, 4),), (3, 4)),
    C("sigmoid_top",         "SigmoidBackward0",       lambda lib, x: lib.sigmoid_(x * 1.0),          ((2, 3),), (2, 3)),
    C("tanh_top",            "TanhBackward0",          lambda lib, x: lib.tanh_(x * 1.0),             ((2, 3),), (2, 3)),
    C("clamp_top",           "ClampBackward1",         lambda lib, x: lib.clamp_(x * 1.0, min=0.1),   ((2, 3),), (2, 3), (NONZERO,)),
    # a rate of 0 draws 0 in every library, so the values compare; the gradient is 0 (torch's)
    C("poisson",             "PoissonBackward0",       lambda lib, x: lib.poisson(x * 0),             ((2, 3),), (2, 3)),
]
# fmt: on
