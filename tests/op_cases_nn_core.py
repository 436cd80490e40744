"""OpCases for the rows of ember/_ops/activation.py and ember/_ops/loss.py (nn-core).

grad_fn names and output shapes are literals recorded from torch 2.13. Integer targets and
constant tensors are built inside each fn, so only the differentiable inputs are drawn.
"""
from op_cases import NONZERO, OpCase

UNIT = (0.1, 0.9)       # probabilities away from 0 and 1
AWAY = (0.2, 1.5)


def F(lib):
    return lib.nn.functional


def _hooked_identity(lib, x):
    module = lib.nn.Identity()
    module.register_full_backward_hook(lambda module, grad_input, grad_output: None)
    return module(x * 1.0)


def _targets(lib):
    return lib.tensor([0, 2, 1, 2])


C = OpCase
# fmt: off
CASES = [
    C("backward_hook_identity", "BackwardHookFunctionBackward", _hooked_identity,                  ((3,),), (3,)),
    C("linear_addmm",     "AddmmBackward0",     lambda lib, x, w, b: F(lib).linear(x, w, b),        ((4, 3), (2, 3), (2,)), (4, 2)),
    C("erf",              "ErfBackward0",       lambda lib, x: lib.erf(x),                           ((2, 3),), (2, 3)),
    C("leaky_relu",       "LeakyReluBackward0", lambda lib, x: F(lib).leaky_relu(x, 0.2),            ((2, 3),), (2, 3), (NONZERO,)),
    C("elu",              "EluBackward0",       lambda lib, x: F(lib).elu(x, 1.3),                   ((2, 3),), (2, 3), (NONZERO,)),
    C("selu",             "EluBackward0",       lambda lib, x: F(lib).selu(x),                       ((2, 3),), (2, 3), (NONZERO,)),
    C("celu",             "CeluBackward0",      lambda lib, x: F(lib).celu(x, 0.7),                  ((2, 3),), (2, 3), (NONZERO,)),
    C("gelu",             "GeluBackward0",      lambda lib, x: F(lib).gelu(x),                       ((2, 3),), (2, 3)),
    C("gelu_tanh",        "GeluBackward0",      lambda lib, x: F(lib).gelu(x, approximate="tanh"),   ((2, 3),), (2, 3)),
    C("silu",             "SiluBackward0",      lambda lib, x: F(lib).silu(x),                       ((2, 3),), (2, 3)),
    C("mish",             "MishBackward0",      lambda lib, x: F(lib).mish(x),                       ((2, 3),), (2, 3)),
    C("softplus",         "SoftplusBackward0",  lambda lib, x: F(lib).softplus(x, beta=2.0, threshold=3.0), ((2, 3),), (2, 3), ((-1.4, 1.4),)),
    C("hardtanh",         "HardtanhBackward0",  lambda lib, x: F(lib).hardtanh(x * 2, -1.0, 1.0),    ((2, 3),), (2, 3), (NONZERO,)),
    C("relu6",            "HardtanhBackward0",  lambda lib, x: F(lib).relu6(x * 4),                  ((2, 3),), (2, 3), (NONZERO,)),
    C("hardsigmoid",      "HardsigmoidBackward0", lambda lib, x: F(lib).hardsigmoid(x * 2),          ((2, 3),), (2, 3)),
    C("hardswish",        "HardswishBackward0", lambda lib, x: F(lib).hardswish(x * 2),              ((2, 3),), (2, 3)),
    C("logsigmoid",       "LogSigmoidBackward0", lambda lib, x: F(lib).logsigmoid(x),                ((2, 3),), (2, 3)),
    C("softmax",          "SoftmaxBackward0",   lambda lib, x: F(lib).softmax(x, dim=1),             ((2, 3),), (2, 3)),
    C("softmax_dim0",     "SoftmaxBackward0",   lambda lib, x: F(lib).softmax(x, dim=0),             ((2, 3, 2),), (2, 3, 2)),
    C("log_softmax",      "LogSoftmaxBackward0", lambda lib, x: F(lib).log_softmax(x, dim=-1),       ((2, 3),), (2, 3)),
    C("normalize",        "DivBackward0",       lambda lib, x: F(lib).normalize(x, dim=1),           ((2, 3),), (2, 3)),
    C("pairwise_distance", "NormBackward1",     lambda lib, a, b: F(lib).pairwise_distance(a, b),    ((4, 3), (4, 3)), (4,)),
    C("pairwise_distance_p1", "NormBackward1",  lambda lib, a, b: F(lib).pairwise_distance(a, b, p=3.0), ((4, 3), (4, 3)), (4,)),
    C("margin_ranking",   "ClampMinBackward0",  lambda lib, a, b: F(lib).margin_ranking_loss(a, b, lib.tensor([1.0, -1.0, 1.0]), margin=0.1, reduction="none"),
      ((3,), (3,)), (3,)),
    C("mse_loss",         "MseLossBackward0",   lambda lib, a, b: F(lib).mse_loss(a, b),             ((2, 3), (2, 3)), ()),
    C("mse_loss_none",    "MseLossBackward0",   lambda lib, a, b: F(lib).mse_loss(a, b, reduction="none"), ((2, 3), (2, 3)), (2, 3)),
    C("smooth_l1_loss",   "SmoothL1LossBackward0", lambda lib, a, b: F(lib).smooth_l1_loss(a, b, beta=0.5, reduction="sum"),
      ((2, 3), (2, 3)), ()),
    C("huber_loss",       "HuberLossBackward0", lambda lib, a, b: F(lib).huber_loss(a, b, delta=0.7),    ((2, 3), (2, 3)), ()),
    C("nll_loss",         "NllLossBackward0",   lambda lib, x: F(lib).nll_loss(x, _targets(lib)),    ((4, 3),), ()),
    C("nll_loss_weighted", "NllLossBackward0",  lambda lib, x: F(lib).nll_loss(x, _targets(lib), weight=lib.tensor([0.5, 2.0, 1.0], dtype=x.dtype),
                                                                                ignore_index=0, reduction="mean"), ((4, 3),), ()),
    C("nll_loss2d",       "NllLoss2DBackward0", lambda lib, x: F(lib).nll_loss(x, lib.tensor([[[0, 1], [2, 0]], [[1, 1], [0, 2]]]), reduction="none"),
      ((2, 3, 2, 2),), (2, 2, 2)),
    C("cross_entropy",    "NllLossBackward0",   lambda lib, x: F(lib).cross_entropy(x, _targets(lib)), ((4, 3),), ()),
    C("bce",              "BinaryCrossEntropyBackward0", lambda lib, x, t: F(lib).binary_cross_entropy(x, t), ((2, 3), (2, 3)), (),
      (UNIT, UNIT)),
    C("bce_weighted_none", "BinaryCrossEntropyBackward0", lambda lib, x: F(lib).binary_cross_entropy(
        x, lib.tensor([[0.0, 1.0, 0.3], [1.0, 0.0, 0.5]], dtype=x.dtype), weight=lib.tensor([1.0, 2.0, 0.5], dtype=x.dtype).expand(2, 3),
        reduction="none"), ((2, 3),), (2, 3), (UNIT,)),
    C("bce_logits",       "BinaryCrossEntropyWithLogitsBackward0", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(x, t),
      ((2, 3), (2, 3)), (), ((-2.0, 2.0), UNIT)),
    C("bce_logits_pos_weight", "BinaryCrossEntropyWithLogitsBackward0", lambda lib, x, t: F(lib).binary_cross_entropy_with_logits(
        x, t, pos_weight=lib.tensor([1.0, 3.0, 0.5], dtype=x.dtype), reduction="sum"), ((2, 3), (2, 3)), (), ((-2.0, 2.0), UNIT)),
]
# fmt: on
