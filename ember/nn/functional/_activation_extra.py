"""More activations of torch.nn.functional: prelu and glu (rows in ember/_ops/activation_gated.py),
gumbel_softmax, hardshrink, softshrink, threshold and rrelu (compositions of ember ops)."""
import warnings

from ... import _creation, _ops
from ..._autocast import lower_precision
from ..._ops._naming import composed
from ..._ops.activation_gated import glu_row, prelu_row
from ...autograd.grad_mode import no_grad
from ._activation import leaky_relu, softmax

__all__ = ["prelu", "glu", "gumbel_softmax", "hardshrink", "softshrink", "threshold", "threshold_", "rrelu",
           "rrelu_"]


@lower_precision
def prelu(input, weight):
    """x where x > 0, weight * x elsewhere; weight holds one slope, or one per channel (dim 1)."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    return prelu_row(input, weight)


def glu(input, dim=-1):
    """The first half of `input` along `dim` times the sigmoid of the second half."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _ops.normalize_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    return glu_row(input, dim=dim)


def _gumbel_noise(logits):
    """Gumbel(0, 1) samples shaped like logits: -log(E) for E ~ Exponential(1), as torch draws them."""
    with no_grad():
        return -_creation.empty_like(logits).exponential_().log()


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    y_soft = softmax((logits + _gumbel_noise(logits)) / tau, dim)
    if not hard:
        return y_soft
    # straight through: the one-hot of the largest in the forward, softmax's gradient in the backward
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = _creation.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


@composed("HardshrinkBackward0")
def hardshrink(input, lambd=0.5):
    return _ops.where(_ops.abs(input) > lambd, input, 0.0)


@composed("SoftshrinkBackward0")
def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _ops.where(input > lambd, input - lambd, _ops.where(input < -lambd, input + lambd, 0.0))


@composed("ThresholdBackward0")
def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    if inplace:
        return threshold_(input, threshold, value)
    return _ops.where(input > threshold, input, value)


def threshold_(input, threshold, value):
    with no_grad():
        below = input <= threshold
    return input.masked_fill_(below, value)


@composed("RreluWithNoiseBackward0")
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with a random slope in [lower, upper] per negative element while training, and
    the mean slope otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    with no_grad():
        slopes = _creation.empty_like(input).uniform_(lower, upper)
        factor = _ops.where(input >= 0, 1.0, slopes).to(input.dtype)
    return input.mul_(factor) if inplace else input * factor


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)
