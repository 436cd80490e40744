"""One OpCase per row of ember's derivative table (ember._ops), shared by the gradient tests.

Each case builds its op with ``fn(lib, *inputs)``, where ``lib`` is ``ember`` or, in the
optional comparison tests, ``torch``: the same code runs on both. The inputs are drawn from
a range that keeps clear of kinks and singularities (positive inputs for log and sqrt, inputs
away from zero for abs, relu and division ...), so finite differences are trustworthy.

``grad_fn`` is the name torch 2.13 gives ``type(out.grad_fn).__name__`` for the same code, and
``out_shape`` the shape torch returns. Both were recorded once from real torch and are kept here
as literals, so the gradient tests do not need torch (tests/test_against_torch.py re-checks them
against a live torch when one is installed). This module must not import torch.
"""
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# Input domains: (low, high) for a uniform draw. NONZERO draws the magnitude from POSITIVE
# and a random sign, which keeps |x| >= 0.5 (away from the kinks of abs/relu/sign and the
# poles of 1/x).
REAL = (-2.0, 2.0)
POSITIVE = (0.5, 2.0)
NONZERO = "nonzero"


@dataclass(frozen=True)
class OpCase:
    name: str                  # test id
    grad_fn: str               # torch's type(out.grad_fn).__name__, recorded from torch 2.13
    fn: Callable               # fn(lib, *inputs) -> tensor, lib being ember or torch
    shapes: tuple              # one shape per (differentiable, floating) input
    out_shape: tuple           # the output's shape, as torch gives it
    domains: tuple = ()        # one domain per input (REAL when left out)
    differentiable: bool = True  # False: torch records a node whose backward raises
    gradcheck_kwargs: dict = field(default_factory=dict)  # looser tolerances where an op rounds

    def arrays(self, seed=0):
        """The input values as float64 NumPy arrays, the same for every run of a case."""
        rng = np.random.default_rng(zlib.crc32(self.name.encode()) + seed)
        values = []
        for index, shape in enumerate(self.shapes):
            domain = self.domains[index] if index < len(self.domains) else REAL
            if domain == NONZERO:
                magnitude = rng.uniform(*POSITIVE, size=shape)
                values.append(magnitude * rng.choice([-1.0, 1.0], size=shape))
            else:
                values.append(rng.uniform(*domain, size=shape))
        return values

    def sample_inputs(self, lib, dtype="float64", requires_grad=True, seed=0):
        """Fresh leaf tensors of `lib` (ember or torch) holding this case's values."""
        lib_dtype = getattr(lib, dtype)
        return [lib.tensor(array, dtype=lib_dtype, requires_grad=requires_grad) for array in self.arrays(seed)]

    def __repr__(self):
        return self.name


# -- helpers used inside the cases: each works on ember and torch alike ----------------------------
MASK_2x3 = [[True, False, True], [False, False, True]]


def _mask(lib, rows=MASK_2x3):
    return lib.tensor(rows)


def _gradient_of(view, shape):
    """fn(lib, v): the gradient of view(z) with respect to a fresh leaf z, for grad_output v.

    With create_graph=True this records the backward of `view` itself (SelectBackwardBackward0
    ...), so gradcheck and gradgradcheck then test double backward through that op.
    """
    def fn(lib, v):
        with lib.enable_grad():  # gradcheck's finite differences run under no_grad
            z = lib.zeros(*shape, dtype=v.dtype, requires_grad=True)
            (grad,) = lib.autograd.grad(view(z), z, v, create_graph=True)
        return grad
    return fn


def _inplace(method, *args):
    """fn(lib, x, *others): clone x (a leaf may not be changed in place) and apply `method`."""
    def fn(lib, x, *others):
        y = x.clone()
        return getattr(y, method)(*others, *args)
    return fn


def _setitem(index, value_is_input=True):
    def fn(lib, x, *value):
        y = x * 1.0  # a non-leaf that requires grad
        y[index(lib) if callable(index) else index] = value[0] if value_is_input else 1.5
        return y
    return fn


def _iadd(lib, x, b):
    y = x.clone()
    y += b
    return y


def _chain_inplace(lib, x, b):
    y = x * 2.0
    y.mul_(b)        # saves the old y and b: the saved-value copy must be the old one
    y.add_(1.0)
    y.div_(b)
    return y


def _sum_dims_keepdim(lib, x):
    return x.sum((0, 2), keepdim=True)


def _mean_dims_keepdim(lib, x):
    return x.mean((0, 2), keepdim=True)


C = OpCase
# fmt: off
OP_CASES = [
    # -- pointwise: arithmetic ---------------------------------------------------------------------
    C("add",               "AddBackward0",       lambda lib, a, b: a + b,                 ((2, 3), (2, 3)), (2, 3)),
    C("add_broadcast",     "AddBackward0",       lambda lib, a, b: a + b,                 ((2, 3), (3,)), (2, 3)),
    C("add_broadcast_both", "AddBackward0",      lambda lib, a, b: lib.add(a, b),         ((2, 1, 3), (4, 1)), (2, 4, 3)),
    C("add_alpha",         "AddBackward0",       lambda lib, a, b: lib.add(a, b, alpha=2), ((2, 3), (2, 3)), (2, 3)),
    C("add_scalar",        "AddBackward0",       lambda lib, x: x + 2.5,                  ((2, 3),), (2, 3)),
    C("radd_scalar",       "AddBackward0",       lambda lib, x: 2 + x,                    ((2, 3),), (2, 3)),
    C("sub",               "SubBackward0",       lambda lib, a, b: a - b,                 ((2, 3), (2, 3)), (2, 3)),
    C("sub_broadcast",     "SubBackward0",       lambda lib, a, b: a - b,                 ((3,), (2, 3)), (2, 3)),
    C("sub_alpha",         "SubBackward0",       lambda lib, a, b: lib.sub(a, b, alpha=3), ((2, 3), (2, 3)), (2, 3)),
    C("sub_scalar",        "SubBackward0",       lambda lib, x: x - 1.5,                  ((2, 3),), (2, 3)),
    C("rsub_scalar",       "RsubBackward1",      lambda lib, x: 1 - x,                    ((2, 3),), (2, 3)),
    C("rsub_scalar_alpha", "RsubBackward1",      lambda lib, x: lib.rsub(x, 2.0, alpha=3), ((2, 3),), (2, 3)),
    C("rsub_tensor",       "RsubBackward0",      lambda lib, a, b: lib.rsub(a, b),        ((2, 3), (3,)), (2, 3)),
    C("mul",               "MulBackward0",       lambda lib, a, b: a * b,                 ((2, 3), (2, 3)), (2, 3)),
    C("mul_broadcast",     "MulBackward0",       lambda lib, a, b: a * b,                 ((2, 1), (1, 3)), (2, 3)),
    C("mul_scalar",        "MulBackward0",       lambda lib, x: x * 3,                    ((2, 3),), (2, 3)),
    C("mul_self",          "MulBackward0",       lambda lib, x: x * x,                    ((2, 3),), (2, 3)),
    C("div",               "DivBackward0",       lambda lib, a, b: a / b,                 ((2, 3), (2, 3)), (2, 3), (REAL, NONZERO)),
    C("div_broadcast",     "DivBackward0",       lambda lib, a, b: lib.div(a, b),         ((2, 3), (3,)), (2, 3), (REAL, NONZERO)),
    C("div_scalar",        "DivBackward0",       lambda lib, x: x / 4,                    ((2, 3),), (2, 3)),
    C("rdiv_scalar",       "MulBackward0",       lambda lib, x: 2 / x,                    ((2, 3),), (2, 3), (NONZERO,)),
    C("neg",               "NegBackward0",       lambda lib, x: -x,                       ((2, 3),), (2, 3)),
    C("pow_int",           "PowBackward0",       lambda lib, x: x ** 3,                   ((2, 3),), (2, 3)),
    C("pow_fraction",      "PowBackward0",       lambda lib, x: x ** 2.5,                 ((2, 3),), (2, 3), (POSITIVE,)),
    C("pow_negative",      "PowBackward0",       lambda lib, x: lib.pow(x, -2),           ((2, 3),), (2, 3), (NONZERO,)),
    C("pow_zero",          "PowBackward0",       lambda lib, x: x ** 0,                   ((2, 3),), (2, 3)),
    C("square",            "PowBackward0",       lambda lib, x: lib.square(x),            ((2, 3),), (2, 3)),
    C("pow_tensor",        "PowBackward1",       lambda lib, a, b: a ** b,                ((2, 3), (2, 3)), (2, 3), (POSITIVE, REAL)),
    C("pow_tensor_broadcast", "PowBackward1",    lambda lib, a, b: lib.pow(a, b),         ((2, 1), (3,)), (2, 3), (POSITIVE, REAL)),
    C("pow_scalar_base",   "PowBackward2",       lambda lib, x: 2 ** x,                   ((2, 3),), (2, 3)),
    # -- pointwise: functions ------------------------------------------------------------------------
    C("exp",               "ExpBackward0",       lambda lib, x: lib.exp(x),               ((2, 3),), (2, 3)),
    C("log",               "LogBackward0",       lambda lib, x: x.log(),                  ((2, 3),), (2, 3), (POSITIVE,)),
    C("sqrt",              "SqrtBackward0",      lambda lib, x: lib.sqrt(x),              ((2, 3),), (2, 3), (POSITIVE,)),
    C("sin",               "SinBackward0",       lambda lib, x: lib.sin(x),               ((2, 3),), (2, 3)),
    C("cos",               "CosBackward0",       lambda lib, x: x.cos(),                  ((2, 3),), (2, 3)),
    C("tanh",              "TanhBackward0",      lambda lib, x: lib.tanh(x),              ((2, 3),), (2, 3)),
    C("sigmoid",           "SigmoidBackward0",   lambda lib, x: x.sigmoid(),              ((2, 3),), (2, 3)),
    C("reciprocal",        "ReciprocalBackward0", lambda lib, x: lib.reciprocal(x),       ((2, 3),), (2, 3), (NONZERO,)),
    C("relu",              "ReluBackward0",      lambda lib, x: lib.relu(x),              ((2, 3),), (2, 3), (NONZERO,)),
    C("abs",               "AbsBackward0",       lambda lib, x: x.abs(),                  ((2, 3),), (2, 3), (NONZERO,)),
    C("sign",              "SignBackward0",      lambda lib, x: lib.sign(x),              ((2, 3),), (2, 3), (NONZERO,)),
    C("remainder_scalar",  "RemainderBackward0", lambda lib, x: x % 1.5,                  ((2, 3),), (2, 3)),
    C("remainder_tensor",  "RemainderBackward1", lambda lib, a, b: lib.remainder(a, b),   ((2, 3), (2, 3)), (2, 3), (REAL, NONZERO)),
    # torch records floor division with its generic "NotImplemented" node: backward raises.
    C("floor_divide",      "NotImplemented",     lambda lib, a, b: a // b,                ((2, 3), (2, 3)), (2, 3), (REAL, NONZERO),
      differentiable=False),
    C("where",             "WhereBackward0",     lambda lib, a, b: lib.where(_mask(lib), a, b), ((2, 3), (2, 3)), (2, 3)),
    C("where_broadcast",   "WhereBackward0",     lambda lib, a, b: lib.where(_mask(lib), a, b), ((2, 1), (3,)), (2, 3)),
    C("where_scalar",      "WhereBackward0",     lambda lib, a: lib.where(_mask(lib), a, 0.0), ((2, 3),), (2, 3)),
    C("clone",             "CloneBackward0",     lambda lib, x: x.clone(),                ((2, 3),), (2, 3)),
    # A float64 -> float32 cast rounds, so finite differences need a larger step here.
    C("to_float32",        "ToCopyBackward0",    lambda lib, x: x.to(lib.float32),        ((2, 3),), (2, 3),
      gradcheck_kwargs={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-3}),
    # -- in place (built on the rows above) -------------------------------------------------------
    C("zero_",             "ZeroBackward0",      _inplace("zero_"),                       ((2, 3),), (2, 3)),
    C("fill_",             "FillBackward2",      _inplace("fill_", 1.5),                  ((2, 3),), (2, 3)),
    C("fill_tensor_",      "FillBackward3",      _inplace("fill_"),                       ((2, 3), ()), (2, 3)),
    C("add_",              "AddBackward0",       _inplace("add_"),                        ((2, 3), (3,)), (2, 3)),
    C("add_alpha_",        "AddBackward0",       lambda lib, x, b: x.clone().add_(b, alpha=2), ((2, 3), (2, 3)), (2, 3)),
    C("iadd",              "AddBackward0",       _iadd,                                   ((2, 3), (2, 3)), (2, 3)),
    C("sub_",              "SubBackward0",       _inplace("sub_"),                        ((2, 3), (2, 3)), (2, 3)),
    C("mul_",              "MulBackward0",       _inplace("mul_"),                        ((2, 3), (2, 1)), (2, 3)),
    C("div_",              "DivBackward0",       _inplace("div_"),                        ((2, 3), (2, 3)), (2, 3), (REAL, NONZERO)),
    C("pow_scalar_",       "PowBackward0",       _inplace("pow_", 2),                     ((2, 3),), (2, 3)),
    C("pow_tensor_",       "PowBackward1",       _inplace("pow_"),                        ((2, 3), (2, 3)), (2, 3), (POSITIVE, REAL)),
    C("inplace_chain",     "DivBackward0",       _chain_inplace,                          ((2, 3), (3,)), (2, 3), (REAL, NONZERO)),
    C("copy_",             "CopyBackwards",      _inplace("copy_"),                       ((2, 3), (2, 3)), (2, 3)),
    C("copy_broadcast",    "CopyBackwards",      _inplace("copy_"),                       ((2, 3), (3,)), (2, 3)),
    C("setitem_int",       "CopySlices",         _setitem(1),                             ((3, 4), (4,)), (3, 4)),
    C("setitem_slice",     "CopySlices",         _setitem((slice(None), slice(1, 3))),    ((3, 4), (3, 2)), (3, 4)),
    C("setitem_broadcast", "CopySlices",         _setitem((slice(0, 2),)),                ((3, 4), (4,)), (3, 4)),
    C("setitem_list",      "IndexPutBackward0",  _setitem(lambda lib: lib.tensor([0, 2])), ((3, 4), (2, 4)), (3, 4)),
    C("rremainder",        "NotImplemented",     lambda lib, x: 2 % x,                    ((2, 3),), (2, 3), (NONZERO,),
      differentiable=False),
    C("setitem_number",    "CopySlices",         _setitem((0, slice(1, None)), value_is_input=False), ((3, 4),), (3, 4)),
    # -- reductions -----------------------------------------------------------------------------
    C("sum",               "SumBackward0",       lambda lib, x: x.sum(),                  ((2, 3),), ()),
    C("sum_dim",           "SumBackward1",       lambda lib, x: lib.sum(x, 1),            ((2, 3),), (2,)),
    C("sum_negative_dim",  "SumBackward1",       lambda lib, x: x.sum(-1, keepdim=True),  ((2, 3),), (2, 1)),
    C("sum_dims_keepdim",  "SumBackward1",       _sum_dims_keepdim,                       ((2, 3, 2),), (1, 3, 1)),
    C("mean",              "MeanBackward0",      lambda lib, x: lib.mean(x),              ((2, 3),), ()),
    C("mean_dim",          "MeanBackward1",      lambda lib, x: x.mean(0),                ((2, 3),), (3,)),
    C("mean_dims_keepdim", "MeanBackward1",      _mean_dims_keepdim,                      ((2, 3, 2),), (1, 3, 1)),
    C("sum_empty_dims",    "SumBackward1",       lambda lib, x: x.sum(()),                ((2, 3),), ()),  # () means all
    C("mean_empty_dims",   "MeanBackward1",      lambda lib, x: x.mean([], keepdim=True), ((2, 3),), (1, 1)),
    # -- shapes -----------------------------------------------------------------------------------
    C("view",              "ViewBackward0",      lambda lib, x: x.view(3, 2),             ((2, 3),), (3, 2)),
    C("view_infer",        "ViewBackward0",      lambda lib, x: x.view(-1),               ((2, 3),), (6,)),
    C("reshape_view",      "ViewBackward0",      lambda lib, x: lib.reshape(x, (3, 2)),   ((2, 3),), (3, 2)),
    C("reshape_copy",      "UnsafeViewBackward0", lambda lib, x: x.t().reshape(6),        ((2, 3),), (6,)),
    C("flatten",           "ViewBackward0",      lambda lib, x: x.flatten(1),             ((2, 3, 2),), (2, 6)),
    C("unsqueeze",         "UnsqueezeBackward0", lambda lib, x: x.unsqueeze(1),           ((2, 3),), (2, 1, 3)),
    C("unsqueeze_last",    "UnsqueezeBackward0", lambda lib, x: lib.unsqueeze(x, -1),     ((2, 3),), (2, 3, 1)),
    C("squeeze",           "SqueezeBackward0",   lambda lib, x: x.squeeze(),              ((2, 1, 3),), (2, 3)),
    C("squeeze_dim",       "SqueezeBackward1",   lambda lib, x: x.squeeze(1),             ((2, 1, 3),), (2, 3)),
    C("squeeze_dim_kept",  "SqueezeBackward1",   lambda lib, x: x.squeeze(0),             ((2, 1, 3),), (2, 1, 3)),
    C("squeeze_dims",      "SqueezeBackward2",   lambda lib, x: x.squeeze((1, 3)),        ((2, 1, 3, 1),), (2, 3)),
    C("transpose",         "TransposeBackward0", lambda lib, x: x.transpose(0, 2),        ((2, 3, 2),), (2, 3, 2)),
    C("mT",                "TransposeBackward0", lambda lib, x: x.mT,                     ((2, 3, 2),), (2, 2, 3)),
    C("t",                 "TBackward0",         lambda lib, x: x.t(),                    ((2, 3),), (3, 2)),
    C("T",                 "PermuteBackward0",   lambda lib, x: x.T,                      ((2, 3),), (3, 2)),
    C("T_vector",          "PermuteBackward0",   lambda lib, x: x.T,                      ((3,),), (3,)),
    C("permute",           "PermuteBackward0",   lambda lib, x: x.permute(2, 0, 1),       ((2, 3, 2),), (2, 2, 3)),
    C("expand",            "ExpandBackward0",    lambda lib, x: x.expand(2, 3, 4),        ((3, 1),), (2, 3, 4)),
    C("expand_as",         "ExpandBackward0",    lambda lib, x: x.expand_as(lib.zeros(2, 3)), ((3,),), (2, 3)),
    C("contiguous",        "CloneBackward0",     lambda lib, x: x.t().contiguous(),       ((2, 3),), (3, 2)),
    # -- indexing -----------------------------------------------------------------------------------
    C("alias",             "AliasBackward0",     lambda lib, x: x[...],                   ((2, 3),), (2, 3)),
    C("select",            "SelectBackward0",    lambda lib, x: x[1],                     ((3, 4),), (4,)),
    C("select_by_tensor",  "SelectBackward0",    lambda lib, x: x[lib.tensor(1)],         ((3, 4),), (4,)),
    C("select_last_dim",   "SelectBackward0",    lambda lib, x: x[..., -1],               ((3, 4),), (3,)),
    C("slice",             "SliceBackward0",     lambda lib, x: x[1:],                    ((3, 4),), (2, 4)),
    C("slice_step",        "SliceBackward0",     lambda lib, x: x[:, ::2],                ((3, 4),), (3, 2)),
    C("select_then_slice", "SliceBackward0",     lambda lib, x: x[0, 1:],                 ((3, 4),), (3,)),
    C("none_select",       "SelectBackward0",    lambda lib, x: x[:, None, 1],            ((3, 4),), (3, 1)),
    C("index_repeated",    "IndexBackward0",     lambda lib, x: x[[0, 0, 1]],             ((3, 4),), (3, 4)),
    C("index_tensor",      "IndexBackward0",     lambda lib, x: x[:, lib.tensor([3, 0, 3])], ((3, 4),), (3, 3)),
    C("index_mask",        "IndexBackward0",     lambda lib, x: x[_mask(lib)],            ((2, 3),), (3,)),
    C("select_backward",   "SelectBackwardBackward0", _gradient_of(lambda z: z[1], (3, 4)),  ((4,),), (3, 4)),
    C("slice_backward",    "SliceBackwardBackward0",  _gradient_of(lambda z: z[1:], (3, 4)), ((2, 4),), (3, 4)),
    C("index_backward",    "IndexPutImplBackward0",   _gradient_of(lambda z: z[[0, 0, 2]], (3, 4)), ((3, 4),), (3, 4)),
    # -- matrix products ----------------------------------------------------------------------------
    C("dot",               "DotBackward0",       lambda lib, a, b: a @ b,                 ((3,), (3,)), ()),
    C("mv",                "MvBackward0",        lambda lib, a, b: a @ b,                 ((2, 3), (3,)), (2,)),
    C("vector_matrix",     "SqueezeBackward4",   lambda lib, a, b: lib.matmul(a, b),      ((2,), (2, 3)), (3,)),
    C("mm",                "MmBackward0",        lambda lib, a, b: a @ b,                 ((2, 3), (3, 2)), (2, 2)),
    C("mm_method",         "MmBackward0",        lambda lib, a, b: a.mm(b),               ((2, 3), (3, 2)), (2, 2)),
    C("bmm",               "BmmBackward0",       lambda lib, a, b: lib.bmm(a, b),         ((2, 2, 3), (2, 3, 2)), (2, 2, 2)),
    C("matmul_3d_2d",      "UnsafeViewBackward0", lambda lib, a, b: a @ b,                ((2, 2, 3), (3, 2)), (2, 2, 2)),
    C("matmul_3d_1d",      "UnsafeViewBackward0", lambda lib, a, b: a @ b,                ((2, 2, 3), (3,)), (2, 2)),
    C("matmul_1d_3d",      "UnsafeViewBackward0", lambda lib, a, b: a @ b,                ((3,), (2, 3, 2)), (2, 2)),
    C("matmul_batched",    "UnsafeViewBackward0", lambda lib, a, b: a @ b,                ((2, 2, 3), (2, 3, 2)), (2, 2, 2)),
    C("matmul_broadcast",  "UnsafeViewBackward0", lambda lib, a, b: a @ b,                ((2, 1, 2, 3), (3, 3, 2)), (2, 3, 2, 2)),
]
# fmt: on

# More cases live in tests/op_cases_<area>.py, one file per area of the table (each defines CASES
# and may use this module's helpers); they are collected here so every test sees one list.
def _collect_area_cases():
    import importlib
    import pathlib
    for path in sorted(pathlib.Path(__file__).parent.glob("op_cases_*.py")):
        OP_CASES.extend(importlib.import_module(path.stem).CASES)


_collect_area_cases()
CASES_BY_NAME = {case.name: case for case in OP_CASES}
assert len(CASES_BY_NAME) == len(OP_CASES), "case names must be unique"
