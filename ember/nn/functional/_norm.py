"""Normalisation (torch.nn.functional); batch, layer and group norm rows live in ember/_ops/norm.py.

instance_norm is torch's composition: the batch viewed as one sample of N*C channels, batch
norm on that, and the running statistics averaged back over the batch. rms_norm and
local_response_norm are compositions of ember ops, as in torch.
"""
from ... import _ops
from ..._dtype import finfo
from ..._ops.norm import batch_norm, group_norm, layer_norm  # noqa: F401
from ...autograd.grad_mode import no_grad

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]


def _repeated(tensor, times):
    return None if tensor is None else tensor.repeat(times)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Each sample's channels normalised over their own spatial positions."""
    if use_input_stats:
        spatial = 1
        for size in input.shape[2:]:
            spatial *= size
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{input.shape}")
    batch, channels = input.shape[0], input.shape[1]
    mean_, var_ = _repeated(running_mean, batch), _repeated(running_var, batch)
    reshaped = input.contiguous().view(1, batch * channels, *input.shape[2:])
    out = batch_norm(reshaped, mean_, var_, _repeated(weight, batch), _repeated(bias, batch), use_input_stats,
                     momentum, eps)
    with no_grad():  # averaged back after training steps only (an empty batch makes them NaN, as in torch)
        if use_input_stats and running_mean is not None:
            running_mean.copy_(mean_.view(batch, channels).mean(0))
        if use_input_stats and running_var is not None:
            running_var.copy_(var_.view(batch, channels).mean(0))
    return out.view(*input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the last len(normalized_shape) dims) + eps) * weight."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(shape)
    if tuple(input.shape[input.ndim - count:]) != shape or input.ndim < count:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*"
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    dtype = input.dtype
    if dtype.itemsize == 2 and dtype.is_floating_point:  # torch upcasts float16/bfloat16 (eps is float32's too)
        input = input.float()
    if eps is None:
        eps = finfo(input.dtype).eps
    dims = tuple(range(input.ndim - count, input.ndim))
    out = input * _ops.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    out = out if weight is None else out * weight
    return out if out.dtype == dtype else out.to(dtype)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta (torch's composition)."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    if input.ndim > 3 and input.dtype.name == "bfloat16":  # torch's 3-D average pool has no bfloat16 kernel
        raise NotImplementedError("\"avg_pool3d_out_frame\" not implemented for 'BFloat16'; convert the input "
                                  "with .float() first")
    from ..._ops.pooling import avg_pool2d
    from ._misc import pad
    squared = (input * input).unsqueeze(1)
    if input.ndim == 3:
        div = pad(squared, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        shape = tuple(input.shape)
        div = squared.view(shape[0], 1, shape[1], shape[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        n, one, c, h, w = div.shape
        # average over `size` consecutive channels: a (size, 1) window on (C, H*W) per sample
        div = avg_pool2d(div.view(n, 1, c, h * w), (size, 1), stride=1).view(shape[0], 1, shape[1], shape[2], -1)
        div = div.squeeze(1).view(*shape)
    div = (div * alpha + k) ** beta
    return input / div


