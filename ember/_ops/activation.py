"""Activation primitives for ember.nn: one row per op; see pointwise.py for how to read a row.

Each activation torch records as its own node (GeluBackward0, SoftmaxBackward0 ...) is a row
here. Forwards keep the input's float dtype (Python-number attributes do not upcast under
NumPy 2). Backward formulas use ember ops, so they differentiate again.
"""
import math

import numpy as np

from .._backend import is_array, namespace, reduce
from ._kernels import add_reduce, cast, half_in_float32
from ._registry import defop, variants
from .pointwise import exp, sigmoid, tanh, where
from .pointwise_math import erf
from .pointwise_special import erf as erf_float64
from .reduction import sum
from .shape import normalize_dim


def erf_forward(x):
    """erf in x's own dtype (the table's erf computes in float64)."""
    return erf_float64(x).astype(x.dtype)


def _float(x):
    """Activations of integer tensors compute in the default float, as torch's do not exist."""
    return x if x.dtype.kind in "fc" else x.astype(np.float32)


# -- Module machinery -------------------------------------------------------------------------------
# Full backward hooks put this identity on a module's inputs and outputs (torch's BackwardHookFunction).
backward_hook_identity = defop("BackwardHookFunction", "BackwardHookFunctionBackward",
                               lambda x: x.view(), lambda grad, x: grad)

# -- pointwise activations --------------------------------------------------------------------------
def _leaky_relu_forward(x, *, negative_slope):
    return np.where(x > 0, x, x * negative_slope)


def _elu_forward(x, *, alpha, scale, input_scale):
    negative = np.expm1(np.minimum(0, x) * input_scale) * (alpha * scale)  # x second: elu(-0.0) is -0.0
    return np.where(x > 0, x * scale, negative).astype(x.dtype, copy=False)


_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
def _gelu_forward(x, *, approximate):
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        return (x * 0.5) * (np.tanh(inner) + 1)
    return (x * 0.5) * (erf_forward(x * _SQRT_HALF) + 1)


def _softplus_forward(x, *, beta, threshold):
    scaled = x * beta
    # log1p(exp(z)) computed as max(z, 0) + log1p(exp(-|z|)): no overflow for large z
    smooth = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
    return np.where(scaled > threshold, x, smooth).astype(x.dtype, copy=False)


def _mish_forward(x):
    return x * np.tanh(_softplus_forward(x, beta=1, threshold=20))


def _hardswish_forward(x):
    return x * np.clip(x + 3, 0, 6) / 6


def _log_sigmoid_forward(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


_ONE_SIXTH_FLOAT32 = float(np.float32(1 / 6))  # torch's hardsigmoid backward uses 1.0f / 6.0f for every dtype

# fmt: off
leaky_relu = defop("leaky_relu", "LeakyReluBackward0", _leaky_relu_forward,
                   lambda grad, x, *, negative_slope: where(x > 0, grad, grad * negative_slope))


def _elu_backward(grad, x, *, alpha, scale, input_scale):
    negative_slope = exp(x * input_scale) * (alpha * scale * input_scale)
    return where(x > 0, grad * scale, grad * negative_slope)

elu = defop("elu", "EluBackward0", _elu_forward, _elu_backward)


def _celu_backward(grad, x, *, alpha, scale, input_scale):
    # torch's derivative rounds alpha to float32 here (1.0 / alpha.toFloat()), its forward does not
    return _elu_backward(grad, x, alpha=alpha, scale=scale, input_scale=1.0 / float(np.float32(alpha)))

celu = defop("celu", "CeluBackward0", _elu_forward, _celu_backward)  # celu(x, a) = elu with input_scale 1/a


def _gelu_backward(grad, x, *, approximate):
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
        tanh_inner = tanh(inner)
        d_inner = (x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        return grad * ((tanh_inner + 1) * 0.5 + x * 0.5 * (1 - tanh_inner * tanh_inner) * d_inner)
    cdf = (erf(x * _SQRT_HALF) + 1) * 0.5
    pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
    return grad * (cdf + x * pdf)

gelu = defop("gelu", "GeluBackward0", half_in_float32(_gelu_forward), _gelu_backward)


def _silu_backward(grad, x):
    s = sigmoid(x)
    return grad * s * (1 + x * (1 - s))

silu = defop("silu", "SiluBackward0", half_in_float32(lambda x: x / (1 + np.exp(-x))), _silu_backward)


def _mish_backward(grad, x):
    tanh_softplus = tanh(softplus(x, beta=1, threshold=20))
    return grad * (tanh_softplus + x * sigmoid(x) * (1 - tanh_softplus * tanh_softplus))

mish = defop("mish", "MishBackward0", half_in_float32(_mish_forward), _mish_backward)


def _softplus_backward(grad, x, *, beta, threshold):
    return where(x * beta > threshold, grad, grad * sigmoid(x * beta))

softplus = defop("softplus", "SoftplusBackward0", _softplus_forward, _softplus_backward)


def _hardtanh_backward(grad, x, *, min_val, max_val):
    return grad * ((x > min_val) & (x < max_val))

hardtanh = defop("hardtanh", "HardtanhBackward0",
                 lambda x, *, min_val, max_val: np.clip(x, min_val, max_val), _hardtanh_backward)
hardsigmoid = defop("hardsigmoid", "HardsigmoidBackward0", lambda x: np.clip(x + 3, 0, 6) / 6,
                    lambda grad, x: grad * ((x > -3) & (x < 3)) * _ONE_SIXTH_FLOAT32)


def _hardswish_backward(grad, x):
    return where(x < -3, 0.0, where(x <= 3, grad * (x / 3 + 0.5), grad))

hardswish = defop("hardswish", "HardswishBackward0", half_in_float32(_hardswish_forward), _hardswish_backward)
log_sigmoid = defop("log_sigmoid", "LogSigmoidBackward0", _log_sigmoid_forward,
                    lambda grad, x: grad * sigmoid(-x))
# fmt: on


# -- softmax family: numerically stable (the row maximum is subtracted first) ------------------------
# (the ufuncs' reduce methods: np.max / np.sum add a Python wrapper that costs as much on small inputs)
def _softmax_forward(x, *, dim):
    shifted = np.exp(x - reduce(namespace(x), "maximum", x, dim, keepdims=True, initial=-np.inf))
    shifted /= np.add.reduce(shifted, axis=dim, keepdims=True)
    return shifted


def _log_softmax_forward(x, *, dim):
    """(log_softmax, (exp(shifted), its sum)): the backward needs the softmax, exp(shifted) / sum,
    which the forward has all but computed (saves_extra); the backward divides once per row."""
    half = x.dtype if x.dtype.itemsize == 2 and x.dtype.kind in "fV" else None
    if half is not None:  # computed in float32, as torch's CPU kernel
        x = x.astype(np.float32)
    shifted = x - reduce(namespace(x), "maximum", x, dim, keepdims=True, initial=-np.inf)
    exponentials = np.exp(shifted)
    total = add_reduce(exponentials, axis=dim, keepdims=True)
    if half is None:
        shifted -= np.log(total)
        return shifted, (exponentials, total)
    if dim in (x.ndim - 1, -1):  # torch's last-dim kernel keeps the sum and its log in the input's dtype
        total = cast(total, half).astype(np.float32)
        shifted -= cast(np.log(total), half).astype(np.float32)
    else:
        shifted -= np.log(total)
    return cast(shifted, half), (cast(exponentials, half), cast(total, half))


def _softmax_backward(grad, x, *, dim, result):
    # d softmax: s * (g - sum(g * s))
    return result * (grad - sum(grad * result, dim, True))

softmax_row = defop("softmax", "SoftmaxBackward0", half_in_float32(_softmax_forward), _softmax_backward)


def _log_softmax_backward(grad, x, *, dim, result, extra=None):
    # d log_softmax: g - exp(result) * sum(g), where exp(result) = exponentials / total (extra)
    if extra is not None and is_array(grad):  # raw arrays: the same, in one buffer
        exponentials, total = extra
        factor = add_reduce(grad, axis=dim, keepdims=True) / total
        out = np.multiply(exponentials, factor.astype(exponentials.dtype, copy=False))
        return np.subtract(grad, out, out=out)
    return grad - exp(result) * sum(grad, dim, True)

log_softmax_row = defop("log_softmax", "LogSoftmaxBackward0", _log_softmax_forward,
                        _log_softmax_backward, saves_extra=True)


def _softmax_call(row, name, input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind not in "fcV":  # V: bfloat16
        raise RuntimeError(f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype}\'; convert the '
                           "input with .float() or pass dtype=ember.float32")
    return row(input, dim=normalize_dim(dim, input.ndim) if input.ndim else None)


@variants("function", "method")
def softmax(input, dim, dtype=None):
    """torch.softmax / Tensor.softmax: F.softmax with `dim` required."""
    return _softmax_call(softmax_row, "softmax", input, dim, dtype)


@variants("function", "method")
def log_softmax(input, dim, dtype=None):
    """torch.log_softmax / Tensor.log_softmax: F.log_softmax with `dim` required."""
    return _softmax_call(log_softmax_row, "log_softmax", input, dim, dtype)
