"""Pooling rows: max (with indices), average, adaptive average and adaptive max.

Windows are strided views (see conv.py). Max pooling finds each window's argmax once, as
torch's flat index into the input plane; its row is then a gather by those indices and the
backward a scatter-add (ufunc.at), whose own backward is the gather again. Adaptive
average pooling is separable: out = A_h @ x @ A_w^T with two small averaging matrices, and
its backward applies the transposed matrices. 1-D pooling is 2-D pooling of a unit-height
input between an unsqueeze and a squeeze, as torch records it.
"""
import functools

import numpy as np

from .._backend import like, namespace, scatter
from .._dtype import scalar_type_name
from ._errors import kernel_missing
from ._kernels import pad_last_two, window_view
from ._registry import defop, variants
from .conv import pair


def _pool_out(size, kernel, stride, padding, dilation, ceil_mode):
    """torch's pooling output size (pooling_output_shape), ceil_mode included."""
    out = []
    for i in range(2):
        span = size[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1
        o = (span + (stride[i] - 1 if ceil_mode else 0)) // stride[i] + 1
        if ceil_mode and (o - 1) * stride[i] >= size[i] + padding[i]:
            o -= 1  # the last window must start inside the input or its left padding
        out.append(o)
    return tuple(out)


def _padded(x, kernel, stride, padding, dilation, out_size, value):
    """x padded by `padding` and, for ceil_mode's extra windows, further on the far side."""
    h, w = x.shape[2:]
    need = [(out_size[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 for i in range(2)]
    extra = [max(0, need[i] - ((h, w)[i] + 2 * padding[i])) for i in range(2)]
    return pad_last_two(x, ((padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1])), value)


# -- gather/scatter by flat indices into the input plane ----------------------------------------
def _gather(x, *, indices, values=None):
    if values is not None:  # the forward already found them (see max_pool2d_with_indices)
        return values
    flat = x.reshape(x.shape[:-2] + (-1,))
    return np.take_along_axis(flat, indices.reshape(indices.shape[:-2] + (-1,)), axis=-1).reshape(indices.shape)


def _scatter(grad, *, indices, input_shape):
    planes = int(np.prod(input_shape[:-2]))
    plane = input_shape[-2] * input_shape[-1]
    xp = namespace(grad)
    offsets = (xp.arange(planes, dtype=np.int64) * plane).reshape(input_shape[:-2] + (1, 1))
    # ufunc.at, unbuffered, so overlapping windows' shares all count; in the gradient's dtype (NumPy 2's
    # add.at is ~7x faster than the float64 bincount this used, on W7's pooling gradients)
    summed = xp.zeros(planes * plane, dtype=grad.dtype)
    scatter(xp, "add", summed, (indices + offsets).ravel(), xp.ascontiguousarray(grad).ravel())
    return summed.reshape(input_shape)


def _indexed_pool_rows(name, grad_fn_name):
    """A gather row (named grad_fn_name) and its scatter-add backward (grad_fn_name + Backward0)."""
    backward_name = grad_fn_name[:-1] + "Backward0"
    gather = defop(name, grad_fn_name, _gather,
                   lambda grad, x, *, indices, values=None: scatter(grad, indices=indices, input_shape=x.shape))
    scatter = defop(name + "_backward", backward_name, _scatter,
                    lambda grad, g, *, indices, input_shape: gather(grad, indices=indices))
    return gather, scatter


max_pool2d_row, max_pool2d_backward = _indexed_pool_rows("max_pool2d", "MaxPool2DWithIndicesBackward0")
adaptive_max_pool2d_row, adaptive_max_pool2d_backward = _indexed_pool_rows("adaptive_max_pool2d",
                                                                           "AdaptiveMaxPool2DBackward0")


def _max_pool_indices(x, kernel, stride, padding, dilation, ceil_mode):
    """(each window's maximum, its flat index into x's (H, W) plane); the first maximum wins, NaN
    wins over numbers. One pass per kernel offset (kh*kw strided views), never per pixel."""
    h, w = x.shape[2:]
    out_size = _pool_out((h, w), kernel, stride, padding, dilation, ceil_mode)
    lowest = -np.inf if x.dtype.kind in "fV" else np.iinfo(x.dtype).min
    padded = _padded(x, kernel, stride, padding, dilation, out_size, lowest)
    windows = window_view(padded, kernel, out_size, stride, dilation)
    if x.dtype.kind == "f" and np.isnan(x).any():  # rare: let argmax find the first NaN
        n, c = x.shape[:2]
        local = windows.reshape(n, c, out_size[0], out_size[1], -1).argmax(axis=-1)
        best = np.take_along_axis(windows.reshape(n, c, out_size[0], out_size[1], -1), local[..., None], -1)[..., 0]
    else:
        # Branch-free: masked copies (copyto where=) on a mask as random as a batch's comparisons
        # cost several times the arithmetic (W7's max pooling was a third of its step). `local` is
        # the winning kernel offset, which only grows, so a maximum keeps the last strict winner;
        # np.maximum(candidate, best) answers `best` on ties (the first maximum, -0.0 before 0.0).
        xp = namespace(windows)
        best = windows[:, :, :, :, 0, 0].copy()
        offsets = kernel[0] * kernel[1]
        local = xp.zeros(best.shape, dtype=np.uint8 if offsets <= 256 else np.int64)
        better = xp.empty(best.shape, dtype=bool)
        for offset in range(1, offsets):
            candidate = windows[:, :, :, :, offset // kernel[1], offset % kernel[1]]
            np.greater(candidate, best, out=better)
            np.maximum(candidate, best, out=best)
            np.maximum(local, np.multiply(better, local.dtype.type(offset), dtype=local.dtype), out=local)
    xp = namespace(local)
    # flat index = window origin's (row * w + col) + the offset's (i * dilation * w + j * dilation)
    shift = xp.arange(kernel[0] * kernel[1], dtype=np.int64)
    shift = (shift // kernel[1]) * dilation[0] * w + (shift % kernel[1]) * dilation[1]
    origin = ((xp.arange(out_size[0], dtype=np.int64) * stride[0] - padding[0]) * w).reshape(-1, 1) \
        + (xp.arange(out_size[1], dtype=np.int64) * stride[1] - padding[1])
    index = xp.take(shift, local.astype(np.intp))
    index += origin
    return best, index


def _check_pool_input(input, name, spatial_dims, kernel=None, refused="b"):
    """The shape torch accepts, and the dtypes its kernel covers (`refused`: NumPy kinds, or "int" for
    every integer dtype but int64, as avg_pool's)."""
    dtype = input._data.dtype
    if dtype.kind in "biu" and dtype != np.int64 if refused == "int" else dtype.kind in refused:
        raise kernel_missing(kernel or name)(input._data.dtype)
    if input.ndim not in (spatial_dims + 1, spatial_dims + 2) or any(s == 0 for s in input.shape[-spatial_dims:]):
        raise RuntimeError(f"{name}: Expected {spatial_dims + 1}D or {spatial_dims + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: {list(input.shape)}")


def _pool_arguments(kernel_size, stride, padding, dilation=1):
    kernel = pair(kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else pair(stride)
    padding, dilation = pair(padding), pair(dilation)
    for i in range(2):
        if padding[i] * 2 > kernel[i]:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={padding[i]}, "
                               f"kernel_size={kernel[i]} and dilation={dilation[i]}")
    return kernel, stride, padding, dilation


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    _check_pool_input(input, "max_pool2d", 2)
    kernel, stride, padding, dilation = _pool_arguments(kernel_size, stride, padding, dilation)
    size = _pool_out(input.shape[-2:], kernel, stride, padding, dilation, ceil_mode)
    if size[0] <= 0 or size[1] <= 0:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[-3:]))}). Calculated output size: "
                           f"({input.shape[-3]}x{size[0]}x{size[1]}). Output size is too small")
    data = input._data if input.ndim == 4 else input._data[None]
    values, indices = _max_pool_indices(data, kernel, stride, padding, dilation, ceil_mode)
    if input.ndim == 3:
        values, indices = values[0], indices[0]
    from .._tensor import make_tensor
    return max_pool2d_row(input, indices=indices, values=values), make_tensor(indices)


@variants("function")
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    out, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def _one(value):
    return value[0] if isinstance(value, (tuple, list)) else value


@variants("function")
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    from .shape import squeeze, unsqueeze
    _check_pool_input(input, "max_pool1d", 1, "max_pool1d_impl", refused="biu")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and not stride) else (1, _one(stride))
    out, indices = max_pool2d_with_indices(unsqueeze(input, -2), (1, _one(kernel_size)),
                                           stride or (1, _one(kernel_size)), (0, _one(padding)),
                                           (1, _one(dilation)), ceil_mode)
    out = squeeze(out, -2)
    return (out, squeeze(indices, -2)) if return_indices else out


# -- average pooling ------------------------------------------------------------------------------
def _avg_divisor(size, out_size, kernel, stride, padding, count_include_pad, divisor_override, dtype):
    if divisor_override:
        return dtype.type(divisor_override)
    spans = []
    for i in range(2):
        start = np.arange(out_size[i]) * stride[i] - padding[i]
        end = np.minimum(start + kernel[i], size[i] + padding[i])
        full = end - start
        start, end = np.maximum(start, 0), np.minimum(end, size[i])
        spans.append(full if count_include_pad else end - start)
    return np.multiply.outer(spans[0], spans[1]).astype(dtype)


def _avg_pool_forward(x, *, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if x.ndim == 3:
        return _avg_pool_forward(x[None], kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                                 count_include_pad=count_include_pad, divisor_override=divisor_override)[0]
    size = x.shape[2:]
    out_size = _pool_out(size, kernel, stride, padding, (1, 1), ceil_mode)
    windows = window_view(_padded(x, kernel, stride, padding, (1, 1), out_size, 0), kernel, out_size, stride, (1, 1))
    divisor = _avg_divisor(size, out_size, kernel, stride, padding, count_include_pad, divisor_override, x.dtype)
    divisor = like(divisor, windows)
    if x.dtype.kind in "iu":  # torch's int64 average divides as integers (towards zero)
        return np.trunc(windows.sum(axis=(4, 5)) / divisor).astype(x.dtype)
    return windows.sum(axis=(4, 5)) / divisor


def _avg_pool_backward_forward(grad, *, input_shape, kernel, stride, padding, ceil_mode, count_include_pad,
                               divisor_override):
    if len(input_shape) == 3:
        return _avg_pool_backward_forward(grad[None], input_shape=(1,) + tuple(input_shape), kernel=kernel,
                                          stride=stride, padding=padding, ceil_mode=ceil_mode,
                                          count_include_pad=count_include_pad, divisor_override=divisor_override)[0]
    size = input_shape[2:]
    out_size = grad.shape[2:]
    divisor = _avg_divisor(size, out_size, kernel, stride, padding, count_include_pad, divisor_override,
                           grad.dtype)
    share = grad / like(divisor, grad)
    n, c, h, w = input_shape
    need = [(out_size[i] - 1) * stride[i] + kernel[i] for i in range(2)]
    padded = namespace(grad).zeros((n, c, max(h + 2 * padding[0], need[0]), max(w + 2 * padding[1], need[1])),
                                   grad.dtype)
    row_span, col_span = stride[0] * (out_size[0] - 1) + 1, stride[1] * (out_size[1] - 1) + 1
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            padded[:, :, i:i + row_span:stride[0], j:j + col_span:stride[1]] += share
    return padded[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


# fmt: off
avg_pool2d_row = defop("avg_pool2d", "AvgPool2DBackward0", _avg_pool_forward,
                       lambda grad, x, **attributes: avg_pool2d_backward(grad, input_shape=x.shape, **attributes))
avg_pool2d_backward = defop("avg_pool2d_backward", "AvgPool2DBackwardBackward0", _avg_pool_backward_forward,
                            lambda grad, g, *, input_shape, **attributes: avg_pool2d_row(grad, **attributes))
# fmt: on


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    _check_pool_input(input, "avg_pool2d", 2, refused="int")
    kernel, stride, padding, _ = _pool_arguments(kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return avg_pool2d_row(input, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)


@variants("function")
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    from .shape import squeeze, unsqueeze
    _check_pool_input(input, "avg_pool1d", 1, "avg_pool2d", refused="int")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and not stride) else (1, _one(stride))
    out = avg_pool2d(unsqueeze(input, -2), (1, _one(kernel_size)), stride, (0, _one(padding)), ceil_mode,
                     count_include_pad)
    return squeeze(out, -2)


# -- adaptive pooling -------------------------------------------------------------------------------
def _adaptive_bounds(size, out):
    index = np.arange(out)
    return (index * size) // out, -((-(index + 1) * size) // out)  # floor(i*S/O), ceil((i+1)*S/O)


@functools.lru_cache(maxsize=256)
def averaging_matrix(size, out, dtype_char):
    """(out, size): row i averages input positions [floor(i*size/out), ceil((i+1)*size/out))."""
    start, end = _adaptive_bounds(size, out)
    positions = np.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    matrix = inside / (end - start)[:, None]
    matrix = matrix.astype(dtype_char)
    matrix.flags.writeable = False
    return matrix


def _adaptive_avg_forward(x, *, output_size):
    rows = averaging_matrix(x.shape[-2], output_size[0], x.dtype.char)
    cols = averaging_matrix(x.shape[-1], output_size[1], x.dtype.char)
    return like(rows, x) @ x @ like(cols.T, x)  # cached on the host, moved to x's device


def _adaptive_avg_backward_forward(grad, *, input_shape):
    rows = averaging_matrix(input_shape[-2], grad.shape[-2], grad.dtype.char)
    cols = averaging_matrix(input_shape[-1], grad.shape[-1], grad.dtype.char)
    return like(rows.T, grad) @ grad @ like(cols, grad)


# fmt: off
adaptive_avg_pool2d_row = defop("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", _adaptive_avg_forward,
                                lambda grad, x, *, output_size: adaptive_avg_pool2d_backward(
                                    grad, input_shape=x.shape))
adaptive_avg_pool2d_backward = defop("adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0",
                                     _adaptive_avg_backward_forward,
                                     lambda grad, g, *, input_shape: adaptive_avg_pool2d_row(
                                         grad, output_size=tuple(g.shape[-2:])))
# fmt: on


def _adaptive_size(output_size, input):
    size = pair(output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    return tuple(input.shape[-2 + i] if s is None else int(s) for i, s in enumerate(size))


def adaptive_avg_pool2d(input, output_size):
    _check_pool_input(input, "adaptive_avg_pool2d", 2, refused="")
    size = _adaptive_size(output_size, input)
    if size == (1, 1):  # torch computes a mean over the plane here (and records MeanBackward1)
        from .reduction import mean
        return mean(input, (-2, -1), keepdim=True)
    return adaptive_avg_pool2d_row(input, output_size=size)


@variants("function")
def adaptive_avg_pool1d(input, output_size):
    from .shape import squeeze, unsqueeze
    _check_pool_input(input, "adaptive_avg_pool1d", 1, refused="")
    if input._data.dtype.kind not in "fcV":  # torch computes it with mean()
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {scalar_type_name(input._data.dtype)}. Convert first with .float()")
    return squeeze(adaptive_avg_pool2d_row(unsqueeze(input, -2), output_size=(1, _one(output_size))), -2)


def _adaptive_max_indices(x, output_size):
    """Each adaptive window's argmax (flat index into the plane), from windows padded to the longest."""
    h, w = x.shape[-2:]
    axes = []
    for size, out in ((h, output_size[0]), (w, output_size[1])):
        start, end = _adaptive_bounds(size, out)
        longest = int((end - start).max())
        positions = start[:, None] + np.arange(longest)
        axes.append((np.minimum(positions, size - 1), positions < end[:, None]))
    (rows, row_ok), (cols, col_ok) = ((like(index, x), like(ok, x)) for index, ok in axes)
    gathered = x[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, Ho, Lh, Wo, Lw)
    lowest = -np.inf if x.dtype.kind in "fV" else np.iinfo(x.dtype).min
    valid = row_ok[:, :, None, None] & col_ok[None, None, :, :]
    gathered = np.where(valid, gathered, lowest).transpose(0, 1, 2, 4, 3, 5)
    n, c, ho, wo, lh, lw = gathered.shape
    local = gathered.reshape(n, c, ho, wo, lh * lw).argmax(axis=-1)
    r = rows[namespace(x).arange(ho)[:, None], local // lw]
    q = cols[namespace(x).arange(wo)[None, :], local % lw]
    return r * w + q


def adaptive_max_pool2d(input, output_size, return_indices=False):
    from .._tensor import make_tensor
    _check_pool_input(input, "adaptive_max_pool2d", 2, refused="biu")
    data = input._data if input.ndim == 4 else input._data[None]
    indices = _adaptive_max_indices(data, _adaptive_size(output_size, input))
    if input.ndim == 3:
        indices = indices[0]
    out = adaptive_max_pool2d_row(input, indices=indices)
    return (out, make_tensor(indices)) if return_indices else out


@variants("function")
def adaptive_max_pool1d(input, output_size, return_indices=False):
    from .shape import squeeze, unsqueeze
    out, indices = adaptive_max_pool2d(unsqueeze(input, -2), (1, _one(output_size)), True)
    out = squeeze(out, -2)
    return (out, squeeze(indices, -2)) if return_indices else out
