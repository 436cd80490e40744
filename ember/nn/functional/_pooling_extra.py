"""Power-average pooling, max unpooling and channel shuffling (torch.nn.functional), composed from
ember ops as torch composes the first two."""
from ... import _creation
from ..._ops.pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ._activation import relu
from ._volumetric import _triple, avg_pool3d, max_pool3d

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "channel_shuffle",
           "native_channel_shuffle"]


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, average, maximum, window):
    if norm_type == float("inf"):
        return maximum(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -maximum(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = average(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def _size(kernel_size, dims):
    sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * dims
    product = 1
    for size in sizes:
        product *= size
    return product


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, max_pool1d, _size(kernel_size, 1))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, max_pool2d, _size(kernel_size, 2))


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, max_pool3d, _size(kernel_size, 3))


def _unpool(input, indices, kernel_size, stride, padding, output_size, dims, name):
    kernel = _triple(kernel_size)[:dims] if dims == 3 else _tuple(kernel_size, dims)
    stride = kernel if stride is None else _tuple(stride, dims)
    padding = _tuple(padding, dims)
    spatial = tuple(input.shape[-dims:])
    default = tuple((spatial[i] - 1) * stride[i] - 2 * padding[i] + kernel[i] for i in range(dims))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)[-dims:]
        for i in range(dims):
            low, high = default[i] - stride[i], default[i] + stride[i]
            if not low < size[i] < high:
                raise ValueError(f'invalid output_size "{list(output_size)}" (dim {i} must be between {low} and '
                                 f'{high})')
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    leading = tuple(input.shape[:-dims])
    plane = 1
    for s in size:
        plane *= s
    flat_index = indices.reshape(*leading, -1)
    if flat_index.numel() and (bool((flat_index < 0).any()) or bool((flat_index >= plane).any())):
        raise RuntimeError(f"Found an invalid max index: {int(flat_index.max())} (output volumes are of size "
                           f"{'x'.join(map(str, size))}")
    out = _creation.zeros(*leading, plane, dtype=input.dtype, device=input.device)
    out = out.scatter(-1, flat_index, input.reshape(*leading, -1))  # differentiable in input: a gather back
    return out.reshape(*leading, *size)


def _tuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value put back at its index, zeros elsewhere."""
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")


def channel_shuffle(input, groups):
    """(N, g*k, *) -> channels regrouped: channel i*k + j moves to j*g + i."""
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} channels and {groups} "
                           "groups.")
    shape = tuple(input.shape)
    out = input.reshape(shape[0], groups, channels // groups, *shape[2:]).transpose(1, 2)
    return out.reshape(shape)


native_channel_shuffle = channel_shuffle
