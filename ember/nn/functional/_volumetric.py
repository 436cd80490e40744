"""3-D convolution and pooling (torch.nn.functional's conv3d, max/avg/adaptive pool3d).

Each is built from the 2-D rows, so gradients (and double backward) come from those:
  conv3d      one conv2d per kernel depth offset, on the depth slices it reads (folded into
              the batch), summed.
  conv_transpose3d  its adjoint: one conv_transpose2d per kernel depth offset on every depth
              slice, each spread to depths i*stride + offset*dilation (zeros interleaved by a pad
              and a reshape), summed, and the padding cropped off.
  pooling     max and average pooling over a box are separable: the (H, W) pass is a 2-D
              pooling with the depths as channels, the D pass a (1, kd) 2-D pooling over the
              depths. The divisors multiply per axis (torch's pool_size is a product of the
              clipped window lengths), and the max picks the first maximum in (d, h, w) order,
              as torch's kernel does.
The last node of each is named as torch's (ConvolutionBackward0, MaxPool3DWithIndicesBackward0 ...;
see _ops/_naming.py).
"""
import numpy as np

from ... import _ops
from ..._autocast import lower_precision
from ..._ops._naming import named
from ..._ops.conv import _check_conv, conv_transpose2d
from ..._ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool2d_with_indices,
)
from ..._ops.sampling import pad
from ..._tensor import make_tensor

__all__ = ["conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices"]


def _triple(value):
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value) if len(value) == 3 else (int(value[0]),) * 3
    return (int(value),) * 3


def _batched(input, name):
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}: Expected 4D or 5D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got: {list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def _same_padding(kernel, dilation):
    """(before, after) per dim for padding='same'; the odd unit goes after, as torch pads."""
    return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]


@lower_precision
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _check_conv(input, weight, bias, groups, 3, False, "conv3d")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)
    kernel, stride, dilation = tuple(weight.shape[2:]), _triple(stride), _triple(dilation)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions; use stride=1 or give the "
                             "padding as numbers")
        sides = _same_padding(kernel, dilation) if padding == "same" else [(0, 0)] * 3
    else:
        sides = [(p, p) for p in _triple(padding)]
    if any(before or after for before, after in sides):
        x = pad(x, (sides[2][0], sides[2][1], sides[1][0], sides[1][1], sides[0][0], sides[0][1]))
    n, channels, depth, height, width = x.shape
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if depth < extents[0] or height < extents[1] or width < extents[2]:
        raise RuntimeError(f"Calculated padded input size per channel: ({depth} x {height} x {width}). Kernel size: "
                           f"({extents[0]} x {extents[1]} x {extents[2]}). Kernel size can't be greater than actual "
                           "input size; pad the input or use a smaller kernel")
    out_depth = (depth - extents[0]) // stride[0] + 1
    total = None
    for offset in range(kernel[0]):
        start = offset * dilation[0]
        slab = x[:, :, start:start + (out_depth - 1) * stride[0] + 1:stride[0]]  # (N, C, Do, H, W)
        slab = slab.permute(0, 2, 1, 3, 4).reshape(n * out_depth, channels, height, width)
        part = _ops.conv2d(slab, weight[:, :, offset], None, stride[1:], 0, dilation[1:], groups)
        total = part if total is None else total + part
    out = total.reshape(n, out_depth, *total.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    out = named(out, "ConvolutionBackward0")
    return out.squeeze(0) if unbatched else out  # torch's unbatched form ends in SqueezeBackward1 too


@lower_precision
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _check_conv(input, weight, bias, groups, 3, True, "conv_transpose3d")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)
    stride, padding, dilation = _triple(stride), _triple(padding), _triple(dilation)
    output_padding = _triple(output_padding)
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(f"output_padding_{axis}: {o}" for axis, o in zip(_AXES, output_padding)) + " "
                           + " ".join(f"stride_{axis}: {s}" for axis, s in zip(_AXES, stride)) + " "
                           + " ".join(f"dilation_{axis}: {d}" for axis, d in zip(_AXES, dilation)))
    if any(s <= 0 for s in stride) or any(d <= 0 for d in dilation) or any(p < 0 for p in padding):
        raise RuntimeError(f"conv_transpose3d: stride and dilation must be positive and padding non-negative, got "
                           f"stride={list(stride)}, padding={list(padding)}, dilation={list(dilation)}")
    n, channels, depth, height, width = x.shape
    kernel_depth = weight.shape[2]
    full_depth = (depth - 1) * stride[0] + dilation[0] * (kernel_depth - 1) + 1 + output_padding[0]
    out_depth = full_depth - 2 * padding[0]
    if out_depth <= 0:
        raise RuntimeError(f"Given input size per channel: ({depth} x {height} x {width}), the calculated output "
                           f"depth is {out_depth}, which is too small; use less padding")
    slices = x.permute(0, 2, 1, 3, 4).reshape(n * depth, channels, height, width)
    total = None
    for offset in range(kernel_depth):
        part = conv_transpose2d(slices, weight[:, :, offset], None, stride[1:], padding[1:], output_padding[1:],
                                groups, dilation[1:])  # (N*D, O, Ho, Wo)
        plane = part.shape[1:]
        part = part.reshape(n, depth, *plane).permute(0, 2, 1, 3, 4)  # (N, O, D, Ho, Wo)
        if stride[0] > 1:  # depth i goes to i * stride: stride - 1 zero slices after each
            part = pad(part.unsqueeze(3), (0, 0, 0, 0, 0, stride[0] - 1))
            part = part.reshape(n, plane[0], depth * stride[0], *plane[1:])[:, :, :(depth - 1) * stride[0] + 1]
        before = offset * dilation[0]
        part = pad(part, (0, 0, 0, 0, before, full_depth - before - part.shape[2]))
        total = part if total is None else total + part
    out = total[:, :, padding[0]:padding[0] + out_depth]
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    out = named(out, "ConvolutionBackward0")
    return out.squeeze(0) if unbatched else out  # torch's unbatched form ends in SqueezeBackward1 too


_AXES = ("depth", "height", "width")


def _pool3d_arguments(kernel_size, stride, padding, dilation=1):
    kernel = _triple(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _triple(stride)
    padding, dilation = _triple(padding), _triple(dilation)
    for p, k in zip(padding, kernel):
        if p * 2 > k:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={dilation[0]}")
    return kernel, stride, padding, dilation


def _depth_last(y, n, c):
    """(N*C, D, Ho, Wo) -> (N*C, Ho*Wo, 1, D): the depths as a 1-high image per position."""
    depth, height, width = y.shape[1:]
    return y.reshape(n * c, depth, height * width).transpose(1, 2).unsqueeze(2), (height, width)


def _depth_back(z, n, c, plane):
    """(N*C, Ho*Wo, 1, Do) -> (N, C, Do, Ho, Wo)."""
    return z.squeeze(2).transpose(1, 2).reshape(n, c, z.shape[-1], *plane)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    x, unbatched = _batched(input, "max_pool3d")
    kernel, stride, padding, dilation = _pool3d_arguments(kernel_size, stride, padding, dilation)
    n, c, depth, height, width = x.shape
    planes, plane_indices = max_pool2d_with_indices(x.reshape(n * c, depth, height, width), kernel[1:], stride[1:],
                                                    padding[1:], dilation[1:], ceil_mode)
    columns, plane = _depth_last(planes, n, c)
    out, depth_indices = max_pool2d_with_indices(columns, (1, kernel[0]), (1, stride[0]), (0, padding[0]),
                                                 (1, dilation[0]), ceil_mode)
    out = _depth_back(out, n, c, plane)
    # the flat index d * H * W + (h * W + w): the depth the D pass chose, the (h, w) the plane pass chose there
    chosen_depth = depth_indices.numpy()[:, :, 0, :].transpose(0, 2, 1)  # (N*C, Do, Ho*Wo)
    within = np.take_along_axis(plane_indices.numpy().reshape(n * c, depth, -1), chosen_depth, axis=1)
    indices = make_tensor((chosen_depth * (height * width) + within).reshape(tuple(out.shape)))
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return named(out, "MaxPool3DWithIndicesBackward0"), indices


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    out, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    x, unbatched = _batched(input, "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    kernel, stride, padding, _ = _pool3d_arguments(kernel_size, stride, padding)
    n, c, depth, height, width = x.shape
    if divisor_override:  # plain window sums, divided once at the end
        planes = avg_pool2d(x.reshape(n * c, depth, height, width), kernel[1:], stride[1:], padding[1:], ceil_mode,
                            count_include_pad, 1)
    else:
        planes = avg_pool2d(x.reshape(n * c, depth, height, width), kernel[1:], stride[1:], padding[1:], ceil_mode,
                            count_include_pad)
    columns, plane = _depth_last(planes, n, c)
    out = avg_pool2d(columns, (1, kernel[0]), (1, stride[0]), (0, padding[0]), ceil_mode, count_include_pad,
                     1 if divisor_override else None)
    out = _depth_back(out, n, c, plane)
    if divisor_override:
        out = out / divisor_override
    return named(out.squeeze(0) if unbatched else out, "AvgPool3DBackward0")


def _adaptive3d_size(output_size, input):
    sizes = _triple(output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    return tuple(input.shape[-3 + i] if s is None else int(s) for i, s in enumerate(sizes))


def adaptive_avg_pool3d(input, output_size):
    x, unbatched = _batched(input, "adaptive_avg_pool3d")
    size = _adaptive3d_size(output_size, x)
    n, c, depth, height, width = x.shape
    planes = adaptive_avg_pool2d(x.reshape(n * c, depth, height, width), size[1:])
    columns = planes.reshape(n * c, depth, -1).transpose(1, 2)  # (N*C, Ho*Wo, D)
    out = adaptive_avg_pool1d(columns, size[0]).transpose(1, 2).reshape(n, c, *size)
    return named(out.squeeze(0) if unbatched else out, "AdaptiveAvgPool3DBackward0")


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    x, unbatched = _batched(input, "adaptive_max_pool3d")
    size = _adaptive3d_size(output_size, x)
    n, c, depth, height, width = x.shape
    planes, plane_indices = adaptive_max_pool2d(x.reshape(n * c, depth, height, width), size[1:], True)
    columns = planes.reshape(n * c, depth, -1).transpose(1, 2)
    out, depth_indices = adaptive_max_pool1d(columns, size[0], True)
    out = out.transpose(1, 2).reshape(n, c, *size)
    chosen_depth = depth_indices.numpy().transpose(0, 2, 1)  # (N*C, Do, Ho*Wo)
    within = np.take_along_axis(plane_indices.numpy().reshape(n * c, depth, -1), chosen_depth, axis=1)
    indices = make_tensor((chosen_depth * (height * width) + within).reshape(tuple(out.shape)))
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return named(out, "AdaptiveMaxPool3DBackward0"), indices


def adaptive_max_pool3d(input, output_size, return_indices=False):
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out
