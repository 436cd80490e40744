"""OpCases for the nn functions added for drop-in use (prelu, glu, pixel shuffle, rms/instance/local
response norm, the less common losses): fn(lib, *inputs) runs on ember and torch alike; grad_fn and
out_shape literals were recorded from torch 2.13 (the composed ones end in the same op torch's
composition ends in). This module must not import torch."""
from op_cases import NONZERO, POSITIVE, REAL, OpCase, _gradient_of

C = OpCase
F = lambda lib: lib.nn.functional  # noqa: E731


def _functional_of(tensor):
    return __import__(type(tensor).__module__.split(".")[0]).nn.functional


def _signs(lib, shape):
    return lib.tensor([[1.0, -1.0, 1.0, -1.0][: shape[1]]] * shape[0], dtype=lib.float64)


# fmt: off
CASES = [
    C("prelu_channels",     "PreluKernelBackward0", lambda lib, x, w: F(lib).prelu(x, w),                            ((2, 3, 4), (3,)), (2, 3, 4), (NONZERO, POSITIVE)),
    C("prelu_shared",       "PreluKernelBackward0", lambda lib, x, w: F(lib).prelu(x, w),                            ((2, 3, 2, 2), (1,)), (2, 3, 2, 2), (NONZERO, POSITIVE)),
    C("prelu_vector",       "PreluKernelBackward0", lambda lib, x, w: F(lib).prelu(x, w),                            ((5,), (1,)), (5,), (NONZERO, POSITIVE)),
    C("glu",                "GluBackward0",         lambda lib, x: F(lib).glu(x),                                    ((3, 4),), (3, 2)),
    C("glu_dim1",           "GluBackward0",         lambda lib, x: F(lib).glu(x, 1),                                 ((2, 6, 3),), (2, 3, 3)),
    C("pixel_shuffle",      "PixelShuffleBackward0", lambda lib, x: F(lib).pixel_shuffle(x, 2),                      ((2, 8, 2, 3),), (2, 2, 4, 6)),
    C("pixel_unshuffle",    "PixelUnshuffleBackward0", lambda lib, x: F(lib).pixel_unshuffle(x, 2),                  ((1, 2, 4, 6),), (1, 8, 2, 3)),
    C("pixel_shuffle_backward", "PixelUnshuffleBackward0", _gradient_of(lambda x: _functional_of(x).pixel_shuffle(x, 2), (1, 4, 2, 3)), ((1, 1, 4, 6),), (1, 4, 2, 3)),
    C("rms_norm",           "MulBackward0",         lambda lib, x, w: F(lib).rms_norm(x, (4,), w),                   ((2, 3, 4), (4,)), (2, 3, 4)),
    C("rms_norm_eps",       "MulBackward0",         lambda lib, x: F(lib).rms_norm(x, (3, 4), eps=1e-3),             ((2, 3, 4),), (2, 3, 4)),
    C("instance_norm",      "ViewBackward0",        lambda lib, x, w, b: F(lib).instance_norm(x, weight=w, bias=b),  ((2, 3, 4), (3,), (3,)), (2, 3, 4)),
    C("local_response_norm", "DivBackward0",        lambda lib, x: F(lib).local_response_norm(x, 3),                 ((2, 4, 3, 2),), (2, 4, 3, 2)),
    C("poisson_nll_loss",   "MeanBackward0",        lambda lib, x, t: F(lib).poisson_nll_loss(x, t),                 ((3, 4), (3, 4)), (), (REAL, POSITIVE)),
    C("poisson_nll_loss_full", "SumBackward0",      lambda lib, x, t: F(lib).poisson_nll_loss(x, t * 2, log_input=False, full=True, reduction="sum"), ((3, 4), (3, 4)), (), (POSITIVE, POSITIVE)),
    C("gaussian_nll_loss",  "MeanBackward0",        lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v, full=True), ((3, 4), (3, 4), (3, 4)), (), (REAL, REAL, POSITIVE)),
    C("gaussian_nll_loss_homoscedastic", "MeanBackward0", lambda lib, x, t, v: F(lib).gaussian_nll_loss(x, t, v), ((3, 4), (3, 4), (3,)), (), (REAL, REAL, POSITIVE)),
    C("multilabel_soft_margin_loss", "MeanBackward0", lambda lib, x, t: F(lib).multilabel_soft_margin_loss(x, t),    ((3, 4), (3, 4)), (), (REAL, (0.0, 1.0))),
    C("hinge_embedding_loss", "MeanBackward0",      lambda lib, x: F(lib).hinge_embedding_loss(x * 2, _signs(lib, (3, 4))), ((3, 4),), (), (NONZERO,)),
    C("triplet_margin_loss", "MeanBackward0",       lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, margin=3.0), ((4, 3), (4, 3), (4, 3)), ()),
    C("triplet_margin_loss_swap", "SumBackward0",   lambda lib, a, p, n: F(lib).triplet_margin_loss(a, p, n, margin=3.0, p=1, swap=True, reduction="sum"), ((4, 3), (4, 3), (4, 3)), ()),
]
# fmt: on
