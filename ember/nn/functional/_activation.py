"""Activation functions of ember.nn.functional; the differentiable rows live in ember/_ops/activation.py."""
import warnings

from ... import _ops
from ..._ops import activation as _rows
from ..._ops.inplace import make_inplace

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu",
           "silu", "mish", "sigmoid", "tanh", "softplus", "hardtanh", "hardtanh_", "relu6", "hardsigmoid",
           "hardswish", "softmax", "log_softmax", "softmin", "logsigmoid", "softsign", "tanhshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

relu_ = _ops.relu_
leaky_relu_inplace = make_inplace(_rows.leaky_relu, "leaky_relu_")
_elu_inplace = make_inplace(_rows.elu, "elu_")
_celu_inplace = make_inplace(_rows.celu, "celu_")
_hardtanh_inplace = make_inplace(_rows.hardtanh, "hardtanh_")
_silu_inplace = make_inplace(_rows.silu, "silu_")
_mish_inplace = make_inplace(_rows.mish, "mish_")
_hardsigmoid_inplace = make_inplace(_rows.hardsigmoid, "hardsigmoid_")
_hardswish_inplace = make_inplace(_rows.hardswish, "hardswish_")


def relu(input, inplace=False):
    return _ops.relu_(input) if inplace else _ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return leaky_relu_inplace(input, negative_slope=negative_slope)
    return _rows.leaky_relu(input, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu_inplace(input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return (_elu_inplace if inplace else _rows.elu)(input, alpha=alpha, scale=1.0, input_scale=1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return (_elu_inplace if inplace else _rows.elu)(input, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu's alpha must not be 0 (it divides the input by alpha)")
    return (_celu_inplace if inplace else _rows.celu)(input, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, but got {approximate!r}")
    return _rows.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    return (_silu_inplace if inplace else _rows.silu)(input)


def mish(input, inplace=False):
    return (_mish_inplace if inplace else _rows.mish)(input)


def sigmoid(input):
    return _ops.sigmoid(input)


def tanh(input):
    return _ops.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _rows.softplus(input, beta=beta, threshold=threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return (_hardtanh_inplace if inplace else _rows.hardtanh)(input, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    return (_hardsigmoid_inplace if inplace else _rows.hardsigmoid)(input)


def hardswish(input, inplace=False):
    return (_hardswish_inplace if inplace else _rows.hardswish)(input)


def logsigmoid(input):
    return _rows.log_sigmoid(input)


def softsign(input):
    return input / (_ops.abs(input) + 1)


def tanhshrink(input):
    return input - _ops.tanh(input)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, name):
    if dim is None:
        dim = _softmax_dim(name, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif not input.is_floating_point():
        raise RuntimeError(f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype}\'; convert the '
                           "input with .float() or pass dtype=ember.float32")
    return input, _ops.normalize_dim(dim, max(input.ndim, 1))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare(input, dim, dtype, "softmax")
    return _rows.softmax_row(input, dim=dim if input.ndim else None)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare(input, dim, dtype, "log_softmax")
    return _rows.log_softmax_row(input, dim=dim if input.ndim else None)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare(input, dim, dtype, "softmin")
    return _rows.softmax_row(-input, dim=dim if input.ndim else None)
