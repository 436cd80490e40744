"""Normalisation rows: batch norm, layer norm and group norm.

Each row normalises x over some axes and applies an optional per-feature affine map. The
backward formulas recompute the statistics from x with ember ops (a mean or two), so under
create_graph=True they are differentiable in x again. The running statistics of batch norm
are updated here, in place and outside autograd, as torch's native_batch_norm does.
"""
import numpy as np

from .._errstate import quietly
from .._tensor import Tensor, make_tensor
from ._errors import kernel_missing
from ._kernels import cast, half_in_float32
from ._registry import defop, variants
from .reduction import mean, sum
from .shape import reshape


def _const(like, array):
    """A NumPy constant that can meet `like` in an ember op (a Tensor under create_graph)."""
    return make_tensor(array) if isinstance(like, Tensor) else array


def _normalized_grad(grad, xc, invstd, axes):
    """d/dx of <grad, (x - mean) * invstd> with mean and invstd taken over `axes` of x."""
    return invstd * (grad - mean(grad, axes, keepdim=True)
                     - xc * (invstd * invstd) * mean(grad * xc, axes, keepdim=True))


def _centered(x, axes, eps):
    xc = x - mean(x, axes, keepdim=True)
    return xc, (mean(xc * xc, axes, keepdim=True) + eps) ** -0.5


def _mean(x, axes):
    """x.mean(axes, keepdims=True) without NumPy's "Mean of empty slice" warning: an empty slice's mean
    is NaN silently, as in torch (the rows run in the quiet floating-point state)."""
    count = 1
    for axis in axes:
        count *= x.shape[axis]
    return x.sum(axis=axes, keepdims=True) / count if count else x.sum(axis=axes, keepdims=True) * np.nan


# -- batch norm ------------------------------------------------------------------------------------
def _channel_shape(x):
    return (-1,) + (1,) * (x.ndim - 2)


def _batch_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _batch_norm_forward(x, w, b, *, training, eps, running_mean, running_var):
    axes, shape = _batch_axes(x), _channel_shape(x)
    half = x.dtype.itemsize == 2  # float16, bfloat16: computed in float32, as torch's CPU kernel does
    work = x.astype(np.float32) if half else x
    if training:
        center = _mean(work, axes)
        scale = 1 / np.sqrt(_mean(np.square(work - center), axes) + eps)
        if half:  # torch keeps the batch's mean and invstd in the input's dtype: round them as it does
            center, scale = (cast(value, x.dtype).astype(np.float32) for value in (center, scale))
    else:
        center = running_mean.reshape(shape).astype(work.dtype, copy=False)
        scale = 1 / np.sqrt(running_var.reshape(shape).astype(work.dtype, copy=False) + eps)
    if w is not None:
        scale = scale * w.reshape(shape)
    out = (work - center) * scale
    if b is not None:
        out = out + b.reshape(shape)
    return cast(out, x.dtype)


def _batch_stats(x, training, eps, running_mean, running_var):
    """(x - mean, invstd) over the batch (training) or from the running statistics."""
    if training:
        return _centered(x, _batch_axes(x), eps)
    shape = _channel_shape(x)
    return x - _const(x, running_mean.reshape(shape)), _const(x, (1 / np.sqrt(running_var + eps)).reshape(shape))


def _batch_norm_x_grad(grad, x, w, b, *, training, eps, running_mean, running_var):
    if w is not None:
        grad = grad * reshape(w, _channel_shape(x))
    xc, invstd = _batch_stats(x, training, eps, running_mean, running_var)
    if training:
        return _normalized_grad(grad, xc, invstd, _batch_axes(x))
    return grad * invstd


def _batch_norm_w_grad(grad, x, w, b, *, training, eps, running_mean, running_var):
    xc, invstd = _batch_stats(x, training, eps, running_mean, running_var)
    return sum(grad * xc * invstd, _batch_axes(x))


def _batch_norm_b_grad(grad, x, w, b, **_attributes):
    return sum(grad, _batch_axes(grad))


batch_norm_row = defop("native_batch_norm", "NativeBatchNormBackward0", _batch_norm_forward,
                       (_batch_norm_x_grad, _batch_norm_w_grad, _batch_norm_b_grad))


def _check_dtypes(kernel, input, *parameters):
    """torch's CPU norm kernels: a floating input, and parameters of its dtype (float32 ones beside a
    float16/bfloat16 input, the one mix torch allows)."""
    dtype = input._data.dtype
    if dtype.kind != "f" and dtype.name != "bfloat16":
        raise kernel_missing(kernel)(dtype)
    for parameter in parameters:
        if parameter is None or parameter._data.dtype == dtype:
            continue
        if dtype.itemsize == 2 and parameter._data.dtype == np.float32:
            continue
        raise RuntimeError(f"mixed dtype (CPU): all inputs must share same datatype. The input is {input.dtype} but "
                           f"a parameter is {parameter.dtype}; convert the module (e.g. module.to(input.dtype)) or "
                           "the input")


@quietly  # the running statistics are updated with NumPy, outside the rows
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm; training updates the running statistics in place."""
    _check_dtypes("batch_norm", input, running_mean, running_var, weight, bias)
    if input.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input); batch norm normalises the channel "
                         "dimension 1 over the batch")
    if training:  # torch's F.batch_norm counts the values per channel without the channels (0 channels pass)
        count = input.shape[0]
        for size in input.shape[2:]:
            count *= size
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"ember.Size({list(input.shape)}); use a batch of more than one sample, or call "
                             ".eval() first")
    if input.numel() == 0:
        return _empty_batch_norm(input, weight, bias)
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}; the input has "
                               f"{channels} channels in dimension 1")
    data = input._data
    if training:
        if running_mean is not None or running_var is not None:
            axes = _batch_axes(data)
            batch_mean = data.mean(axis=axes)
            if running_mean is not None:
                _blend(running_mean, batch_mean, momentum)
            if running_var is not None:
                unbiased = np.square(data - batch_mean.reshape(_channel_shape(data))).sum(axis=axes) / (count - 1)
                _blend(running_var, unbiased, momentum)
        stats = {"running_mean": None, "running_var": None}
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode; pass them, or "
                               "use training=True (track_running_stats=False layers normalise with batch "
                               "statistics)")
        stats = {"running_mean": running_mean._data.astype(data.dtype),  # copies: later updates must not
                 "running_var": running_var._data.astype(data.dtype)}     # change this graph's gradients
    return batch_norm_row(input, weight, bias, training=bool(training), eps=eps, **stats)


def _empty_batch_norm(input, weight, bias):
    """torch's native batch norm of an empty input: a copy, times weight[0], plus bias[0] (so a
    parameter of 0 elements raises select()'s IndexError, as in torch), statistics untouched."""
    from .construct import select
    from .pointwise import add, clone, mul
    out = clone(input)
    if weight is not None:
        out = mul(out, select(weight, 0, 0))
    if bias is not None:
        out = add(out, select(bias, 0, 0))
    return out


def _blend(running, batch_value, momentum):
    """running <- (1 - momentum) * running + momentum * batch_value, in place (no autograd)."""
    data = running._data
    data *= 1 - momentum
    data += (momentum * batch_value).astype(data.dtype, copy=False)
    if running._version_counter is not None:
        running._version_counter[0] += 1


# -- layer norm --------------------------------------------------------------------------------------
def _last_axes(x, count):
    return tuple(range(x.ndim - count, x.ndim))


def _layer_norm_forward(x, w, b, *, count, eps):
    axes = _last_axes(x, count)
    xc = x - _mean(x, axes)
    out = xc / np.sqrt(_mean(np.square(xc), axes) + eps)
    if w is not None:
        out = out * w
    if b is not None:
        out = out + b
    return out.astype(x.dtype, copy=False)


def _layer_norm_x_grad(grad, x, w, b, *, count, eps):
    if w is not None:
        grad = grad * w
    xc, invstd = _centered(x, _last_axes(x, count), eps)
    return _normalized_grad(grad, xc, invstd, _last_axes(x, count))


def _layer_norm_w_grad(grad, x, w, b, *, count, eps):
    xc, invstd = _centered(x, _last_axes(x, count), eps)
    return grad * xc * invstd  # the engine sums the leading dimensions away


layer_norm_row = defop("native_layer_norm", "NativeLayerNormBackward0", half_in_float32(_layer_norm_forward),
                       (_layer_norm_x_grad, _layer_norm_w_grad, lambda grad, x, w, b, *, count, eps: grad))


@variants("function")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    _check_dtypes("LayerNormKernelImpl", input, weight, bias)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if tuple(input.shape[input.ndim - count:]) != normalized_shape or count > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size"
                           f"{list(input.shape)}; normalized_shape must equal the input's last dimensions")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(tensor.shape)} and normalized_shape = {list(normalized_shape)}")
    return layer_norm_row(input, weight, bias, count=count, eps=eps)


# -- group norm --------------------------------------------------------------------------------------
def _group_shape(x, groups):
    """(N, groups, values per group), spelled out: -1 is undefined for an empty batch."""
    per_group = 1
    for size in x.shape[1:]:
        per_group *= size
    return (x.shape[0], groups, per_group // groups)


def _grouped(x, groups):
    return reshape(x, _group_shape(x, groups))


def _group_norm_forward(x, w, b, *, groups, eps):
    grouped = x.reshape(_group_shape(x, groups))
    xc = grouped - _mean(grouped, (2,))
    out = (xc / np.sqrt(_mean(np.square(xc), (2,)) + eps)).reshape(x.shape)
    shape = _channel_shape(x)
    if w is not None:
        out = out * w.reshape(shape)
    if b is not None:
        out = out + b.reshape(shape)
    return out.astype(x.dtype, copy=False)


def _group_norm_x_grad(grad, x, w, b, *, groups, eps):
    if w is not None:
        grad = grad * reshape(w, _channel_shape(x))
    xc, invstd = _centered(_grouped(x, groups), (2,), eps)
    return reshape(_normalized_grad(_grouped(grad, groups), xc, invstd, (2,)), x.shape)


def _group_norm_w_grad(grad, x, w, b, *, groups, eps):
    if x.shape[0] and not _group_shape(x, groups)[2]:  # torch's kernel: sum over no values times a NaN mean
        return sum(grad, _batch_axes(grad)) * np.nan
    xc, invstd = _centered(_grouped(x, groups), (2,), eps)
    return sum(grad * reshape(xc * invstd, x.shape), _batch_axes(x))


group_norm_row = defop("native_group_norm", "NativeGroupNormBackward0", half_in_float32(_group_norm_forward),
                       (_group_norm_x_grad, _group_norm_w_grad,
                        lambda grad, x, w, b, *, groups, eps: sum(grad, _batch_axes(grad))))


@variants("function")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    _check_dtypes("GroupNormKernelImpl", input, weight, bias)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and (tensor.ndim != 1 or tensor.numel() != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(tensor.shape)} and input of shape {list(input.shape)}")
    return group_norm_row(input, weight, bias, groups=num_groups, eps=eps)
