"""Convolution, transposed convolution, and im2col/col2im (unfold/fold) as table rows.

Everything is computed on 4-D arrays (N, C, H, W); 1-D inputs (N, C, L) get a unit height.
The three bilinear maps that make up convolution and its derivatives are each an array kernel
in conv_kernels.py (im2col by strided views, one matrix product per layer):

  conv(x, w)            the forward convolution (cross-correlation)
  conv_input(g, w)      its adjoint in x: col2im of w^T @ g (also the transposed convolution)
  conv_weight(x, g)     its adjoint in w: g @ im2col(x)^T

Each row's backward is written with the other rows, so double backward comes for free.
"""
from .._autocast import lower_precision
from .._backend import namespace
from .._tensor import Tensor, make_tensor
from ._registry import defop, variants
from .conv_kernels import col2im as _col2im
from .conv_kernels import conv as _conv
from .conv_kernels import conv_input as _conv_input
from .conv_kernels import conv_weight as _conv_weight
from .conv_kernels import im2col as _im2col
from .conv_kernels import out_size as _out_size
from .reduction import sum as _sum


def pair(value, name="value"):
    """An int or a 1-/2-sequence as a 2-tuple (torch's _pair)."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]), int(value[0]))
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def _as_4d(array):
    return array[:, :, None, :] if array.ndim == 3 else array


def transposed_size(size, kernel, stride, padding, dilation, output_padding):
    return tuple((size[i] - 1) * stride[i] - padding[i][0] - padding[i][1] + dilation[i] * (kernel[i] - 1)
                 + output_padding[i] + 1 for i in range(2))


# -- rows ------------------------------------------------------------------------------------
def _no_input_channels(x, transposed):
    """torch's answer to a convolution of 0 input channels: 0 output channels, whatever the weight
    has (the bias goes unused, its gradient is zeros)."""
    return not transposed and x.shape[1] == 0


def _zeros_shaped_as(array):
    """Zeros of `array`'s shape and dtype, a Tensor where the formula got one (create_graph)."""
    data = array._data if isinstance(array, Tensor) else array
    zeros = namespace(data).zeros(data.shape, dtype=data.dtype)
    return make_tensor(zeros) if isinstance(array, Tensor) else zeros


def _convolution_forward(x, w, b, *, stride, padding, dilation, transposed, output_padding, groups):
    one_d = x.ndim == 3
    x4, w4 = _as_4d(x), _as_4d(w)
    if _no_input_channels(x, transposed):
        out = namespace(x).zeros((x.shape[0], 0) + _out_size(x4.shape[2:], w4.shape[2:], stride, padding, dilation),
                                 dtype=x.dtype)
        return out[:, :, 0] if one_d else out
    if transposed:
        size = transposed_size(x4.shape[2:], w4.shape[2:], stride, padding, dilation, output_padding)
        out = _conv_input(x4, w4, size, stride, padding, dilation, groups)
    else:
        out = _conv(x4, w4, stride, padding, dilation, groups)
    if b is not None:
        out = out + b.reshape(-1, 1, 1)
    elif out.dtype != x.dtype:
        out = out.astype(x.dtype)
    return out[:, :, 0] if one_d else out


def _conv_input_forward(g, w, *, input_size, stride, padding, dilation, groups):
    one_d = g.ndim == 3
    out = _conv_input(_as_4d(g), _as_4d(w), input_size, stride, padding, dilation, groups)
    return out[:, :, 0] if one_d else out


def _conv_weight_forward(x, g, *, kernel, stride, padding, dilation, groups):
    one_d = x.ndim == 3
    out = _conv_weight(_as_4d(x), _as_4d(g), kernel, stride, padding, dilation, groups)
    return out[:, :, 0] if one_d else out


def _spatial(array):
    return (1,) + tuple(array.shape[2:]) if array.ndim == 3 else tuple(array.shape[2:])


def _bias_grad(grad):
    return _sum(grad, (0, 2) if grad.ndim == 3 else (0, 2, 3))


def _conv_x_grad(grad, x, w, b, *, stride, padding, dilation, transposed, output_padding, groups):
    if transposed:  # y = conv_input(x, w): its adjoint in x is the plain convolution
        return convolution_row(grad, w, None, stride=stride, padding=padding, dilation=dilation, transposed=False,
                               output_padding=(0, 0), groups=groups)
    return conv_input_row(grad, w, input_size=_spatial(x), stride=stride, padding=padding, dilation=dilation,
                          groups=groups)


def _conv_w_grad(grad, x, w, b, *, stride, padding, dilation, transposed, output_padding, groups):
    if _no_input_channels(x, transposed):
        return _zeros_shaped_as(w)
    if transposed:  # <y, conv_input(x, w)> = <conv(y, w), x> = <conv_weight(y, x), w>
        return conv_weight_row(grad, x, kernel=_spatial(w), stride=stride, padding=padding, dilation=dilation,
                               groups=groups)
    return conv_weight_row(x, grad, kernel=_spatial(w), stride=stride, padding=padding, dilation=dilation,
                           groups=groups)


def _conv_b_grad(grad, x, w, b, *, transposed, **_attributes):
    if _no_input_channels(x, transposed):
        return _zeros_shaped_as(b)
    return _bias_grad(grad)


# fmt: off
convolution_row = defop("convolution", "ConvolutionBackward0", _convolution_forward,
                        (_conv_x_grad, _conv_w_grad, _conv_b_grad))
# The derivatives of the convolution are bilinear too; torch names their node ConvolutionBackwardBackward0.
conv_input_row = defop(
    "convolution_backward", "ConvolutionBackwardBackward0", _conv_input_forward,
    (lambda grad, g, w, *, input_size, stride, padding, dilation, groups: convolution_row(
        grad, w, None, stride=stride, padding=padding, dilation=dilation, transposed=False, output_padding=(0, 0),
        groups=groups),
     lambda grad, g, w, *, input_size, stride, padding, dilation, groups: conv_weight_row(
        grad, g, kernel=_spatial(w), stride=stride, padding=padding, dilation=dilation, groups=groups)))
conv_weight_row = defop(
    "convolution_backward", "ConvolutionBackwardBackward0", _conv_weight_forward,
    (lambda grad, x, g, *, kernel, stride, padding, dilation, groups: conv_input_row(
        g, grad, input_size=_spatial(x), stride=stride, padding=padding, dilation=dilation, groups=groups),
     lambda grad, x, g, *, kernel, stride, padding, dilation, groups: convolution_row(
        x, grad, None, stride=stride, padding=padding, dilation=dilation, transposed=False, output_padding=(0, 0),
        groups=groups)))
# fmt: on


# -- checks and the public functions -----------------------------------------------------------
def _conv_padding(padding, kernel, dilation, spatial_dims, stride):
    """padding as ((top, bottom), (left, right)); 'same' may be uneven (the extra on the far side)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions; use stride=1 or give the "
                             "padding as numbers")
        sides = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            sides.append((total // 2, total - total // 2))
        return tuple(sides)
    p = pair(padding) if spatial_dims == 2 else (0, _one(padding))
    return ((p[0], p[0]), (p[1], p[1]))


def _one(value):
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def _spatial_pair(value, spatial_dims):
    return pair(value) if spatial_dims == 2 else (1, _one(value))


def _check_conv(input, weight, bias, groups, spatial_dims, transposed, name):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}() expected Tensor arguments for input and weight, got "
                        f"{type(input).__name__} and {type(weight).__name__}")
    expected = spatial_dims + 2
    if input.ndim not in (expected - 1, expected):
        raise RuntimeError(f"Expected {expected - 1}D (unbatched) or {expected}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != expected:
        raise RuntimeError(f"weight should have {expected} dimensions for {name}, but got a weight of size "
                           f"{list(weight.shape)}")
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not input.dtype):
        raise RuntimeError(f"Input type ({input.dtype}) and weight type ({weight.dtype}) should be the same (and "
                           "the bias's too); convert them with .to(dtype) or the module with .float()/.double()")
    if groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported (got groups={groups})")
    if weight.shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    channels = input.shape[-spatial_dims - 1]
    if transposed:
        if channels != weight.shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                               f"{list(input.shape)} to have {weight.shape[0]} channels, but got {channels} channels "
                               "instead; the weight of a transposed convolution is (in_channels, out_channels/groups, "
                               "*kernel)")
    elif channels != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got {channels} "
                           "channels instead; the input's channel dimension (dim 1) must equal in_channels")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")


def _check_steps(stride, padding, dilation):
    """torch's refusals of a stride or dilation below 1 and a negative padding (each already a pair)."""
    if any(step <= 0 for step in stride):
        raise RuntimeError(f"non-positive stride is not supported (got stride={list(stride)})")
    if any(side < 0 for pair in padding for side in (pair if isinstance(pair, tuple) else (pair,))):
        raise RuntimeError(f"negative padding is not supported (got padding={list(padding)})")
    if any(step <= 0 for step in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")


def _batched(input, spatial_dims):
    if input.ndim == spatial_dims + 1:
        from .shape import unsqueeze
        return unsqueeze(input, 0), True
    return input, False


def _unbatched(out, was_unbatched):
    if was_unbatched:
        from .shape import squeeze
        return squeeze(out, 0)
    return out


def _convolution(input, weight, bias, stride, padding, dilation, groups, spatial_dims, name):
    _check_conv(input, weight, bias, groups, spatial_dims, False, name)
    input, unbatched = _batched(input, spatial_dims)
    stride, dilation = _spatial_pair(stride, spatial_dims), _spatial_pair(dilation, spatial_dims)
    kernel = (1,) + tuple(weight.shape[2:]) if spatial_dims == 1 else tuple(weight.shape[2:])
    _check_steps(stride, (), dilation)
    padding = _conv_padding(padding, kernel, dilation, spatial_dims, stride)
    _check_steps(stride, padding, dilation)
    size = (1,) + tuple(input.shape[2:]) if spatial_dims == 1 else tuple(input.shape[2:])
    for i in range(2):
        if size[i] + sum(padding[i]) < dilation[i] * (kernel[i] - 1) + 1:
            dims = range(2 - spatial_dims, 2)
            padded = " x ".join(str(size[j] + sum(padding[j])) for j in dims)
            spanned = " x ".join(str(dilation[j] * (kernel[j] - 1) + 1) for j in dims)
            raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({spanned}). "
                               "Kernel size can't be greater than actual input size; pad the input or use a "
                               "smaller kernel")
    out = convolution_row(input, weight, bias, stride=stride, padding=padding, dilation=dilation, transposed=False,
                          output_padding=(0, 0), groups=groups)
    return _unbatched(out, unbatched)


@variants("function")
@lower_precision
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@variants("function")
@lower_precision
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, spatial_dims, name):
    _check_conv(input, weight, bias, groups, spatial_dims, True, name)
    input, unbatched = _batched(input, spatial_dims)
    stride, dilation = _spatial_pair(stride, spatial_dims), _spatial_pair(dilation, spatial_dims)
    output_padding = (0, _one(output_padding)) if spatial_dims == 1 else pair(output_padding)
    p = _spatial_pair(padding, spatial_dims) if spatial_dims == 2 else (0, _one(padding))
    _check_steps(stride, p, dilation)
    for i in range(2):
        if output_padding[i] >= max(stride[i], dilation[i]):
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {output_padding[0]} output_padding_width: {output_padding[1]} "
                               f"stride_height: {stride[0]} stride_width: {stride[1]} dilation_height: {dilation[0]} "
                               f"dilation_width: {dilation[1]}")
    out = convolution_row(input, weight, bias, stride=stride, padding=((p[0], p[0]), (p[1], p[1])),
                          dilation=dilation, transposed=True, output_padding=output_padding, groups=groups)
    return _unbatched(out, unbatched)


@variants("function")
@lower_precision
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


@variants("function")
@lower_precision
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


# -- unfold / fold (im2col / col2im) -------------------------------------------------------------
def _unfold_forward(x, *, kernel, stride, padding, dilation):
    columns, _ = _im2col(x, kernel, stride, padding, dilation)
    return columns.copy()  # (N, C*kh*kw, L), torch's layout; a copy, as the cached columns are shared


def _fold_forward(columns, *, output_size, kernel, stride, padding, dilation):
    n, ckk, length = columns.shape
    channels = ckk // (kernel[0] * kernel[1])
    out_size = _out_size(output_size, kernel, stride, padding, dilation)
    return _col2im(columns, (n, channels) + tuple(output_size), kernel, out_size, stride, padding, dilation)


# fmt: off
unfold_row = defop("im2col", "Im2ColBackward0", _unfold_forward,
                   lambda grad, x, *, kernel, stride, padding, dilation: fold_row(
                       grad, output_size=tuple(x.shape[2:]), kernel=kernel, stride=stride, padding=padding,
                       dilation=dilation))
fold_row = defop("col2im", "Col2ImBackward0", _fold_forward,
                 lambda grad, columns, *, output_size, kernel, stride, padding, dilation: unfold_row(
                     grad, kernel=kernel, stride=stride, padding=padding, dilation=dilation))
# fmt: on


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    if input.ndim != 4:
        raise NotImplementedError(f"Input Error: Only 4D input Tensors are supported (got {input.ndim}D); "
                                  "unfold works on (N, C, H, W) batches")
    p = pair(padding)
    return unfold_row(input, kernel=pair(kernel_size), stride=pair(stride), padding=((p[0], p[0]), (p[1], p[1])),
                      dilation=pair(dilation))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    if input.ndim != 3:
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.ndim}D)")
    kernel, stride, dilation, output_size = pair(kernel_size), pair(stride), pair(dilation), pair(output_size)
    p = pair(padding)
    padding = ((p[0], p[0]), (p[1], p[1]))
    blocks = _out_size(output_size, kernel, stride, padding, dilation)
    if input.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={input.shape[1]} and kernel_size={kernel}")
    if input.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={p}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size(2)={input.shape[2]}.")
    return fold_row(input, output_size=output_size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
