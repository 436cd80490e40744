"""Rows that move values around: padding, interpolation and embedding lookups.

Reflection/replication padding and nearest/linear interpolation are separable linear maps
of the last one or two axes: out = R @ x @ C^T with small (out, in) matrices built once per
size and cached. Their backward applies R^T and C^T; the backward's backward is the forward
again. Constant padding with negative pads crops, which is also its own backward.
"""
import functools
import math

import numpy as np

from .._backend import as_array, like, namespace, scatter
from ._registry import defop


# -- separable linear maps of the last axes ------------------------------------------------------
def _apply(x, rows, cols):
    if rows is not None:  # the cached host matrices move to x's device
        x = like(rows.astype(x.dtype, copy=False), x) @ x
    if cols is not None:
        x = x @ like(cols.T.astype(x.dtype, copy=False), x)
    return x


def _apply_transposed(grad, rows, cols):
    return _apply(grad, None if rows is None else rows.T, None if cols is None else cols.T)


def _separable_rows(name, grad_fn_name):
    forward = defop(name, grad_fn_name, lambda x, *, rows, cols: _apply(x, rows, cols),
                    lambda grad, x, *, rows, cols: backward(grad, rows=rows, cols=cols))
    backward = defop(name + "_backward", grad_fn_name[:-1] + "Backward0",
                     lambda g, *, rows, cols: _apply_transposed(g, rows, cols),
                     lambda grad, g, *, rows, cols: forward(grad, rows=rows, cols=cols))
    return forward


def _one_hot_matrix(sources, size):
    matrix = np.zeros((len(sources), size))
    matrix[np.arange(len(sources)), sources] = 1.0
    matrix.flags.writeable = False
    return matrix


@functools.lru_cache(maxsize=256)
def _pad_matrix(mode, size, before, after):
    positions = np.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1) if size > 1 else 1
        folded = np.abs(positions) % period
        sources = np.where(folded >= size, period - folded, folded)
    elif mode == "replicate":
        sources = np.clip(positions, 0, size - 1)
    else:  # circular
        sources = positions % size
    return _one_hot_matrix(sources, size)


_PAD_ROWS = {("reflect", 1): _separable_rows("reflection_pad1d", "ReflectionPad1DBackward0"),
             ("reflect", 2): _separable_rows("reflection_pad2d", "ReflectionPad2DBackward0"),
             ("replicate", 1): _separable_rows("replication_pad1d", "ReplicationPad1DBackward0"),
             ("replicate", 2): _separable_rows("replication_pad2d", "ReplicationPad2DBackward0")}


def _constant_pad_forward(x, *, pad, value):
    shape, source, target = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for i in range(len(pad) // 2):
        axis = x.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        size = x.shape[axis]
        shape[axis] = size + before + after
        source[axis] = slice(max(-before, 0), size - max(-after, 0))
        target[axis] = slice(max(before, 0), max(before, 0) + size - max(-before, 0) - max(-after, 0))
    out = namespace(x).full(shape, value, dtype=x.dtype)
    out[tuple(target)] = x[tuple(source)]
    return out


constant_pad_row = defop("constant_pad_nd", "ConstantPadNdBackward0", _constant_pad_forward,
                         lambda grad, x, *, pad, value: constant_pad_row(grad, pad=tuple(-p for p in pad), value=0))


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: pad = (left, right[, top, bottom ...]), the last dimension first."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, but got {len(pad)}; give (before, after) "
                           "pairs, the last dimension first")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode == "constant":
        return constant_pad_row(input, pad=pad, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}; use constant, reflect, replicate or circular")
    dims = len(pad) // 2
    if dims not in (1, 2) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
                                  "Supported combinations for non-constant padding:\n"
                                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                                  "(ember does not pad 3 dimensions in non-constant modes yet)")
    for i in range(dims):
        size = input.shape[-1 - i]
        if mode == "reflect" and max(pad[2 * i], pad[2 * i + 1]) >= size:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({pad[2 * i]}, {pad[2 * i + 1]}) at dimension {input.ndim - 1 - i} "
                               f"of input {list(input.shape)}")
        if mode == "circular" and max(pad[2 * i], pad[2 * i + 1]) > size:
            raise ValueError("Padding value causes wrapping around more than once; circular padding needs "
                             "pads no larger than the dimension")
    cols = _pad_matrix(mode, input.shape[-1], pad[0], pad[1])
    rows = _pad_matrix(mode, input.shape[-2], pad[2], pad[3]) if dims == 2 else None
    if mode == "circular":  # torch assembles circular padding from copies (CopySlices); ember gathers
        from .shape import getitem
        index = (Ellipsis,) + ((rows.argmax(1)[:, None],) if dims == 2 else ()) + (cols.argmax(1),)
        return getitem(input, index)
    return _PAD_ROWS[mode, dims](input, rows=rows, cols=cols)


# -- interpolation -----------------------------------------------------------------------------
_UPSAMPLE_ROWS = {("nearest", 1): _separable_rows("upsample_nearest1d", "UpsampleNearest1DBackward0"),
                  ("nearest", 2): _separable_rows("upsample_nearest2d", "UpsampleNearest2DBackward0"),
                  ("linear", 1): _separable_rows("upsample_linear1d", "UpsampleLinear1DBackward0"),
                  ("bilinear", 2): _separable_rows("upsample_bilinear2d", "UpsampleBilinear2DBackward0")}


@functools.lru_cache(maxsize=256)
def _interpolation_matrix(mode, size, out, scale, align_corners):
    """(out, size) weights; `scale` is the source step per output step (torch's area_pixel scale)."""
    target = np.arange(out, dtype=np.float64)
    if mode == "nearest":
        return _one_hot_matrix(np.minimum(np.floor(target * scale).astype(np.int64), size - 1), size)
    if align_corners:
        source = target * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        source = np.maximum((target + 0.5) * scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    weight = source - low
    matrix = np.zeros((out, size))
    np.add.at(matrix, (np.arange(out), low), 1 - weight)
    np.add.at(matrix, (np.arange(out), high), weight)
    matrix.flags.writeable = False
    return matrix


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    dims = input.ndim - 2
    if mode not in ("nearest", "linear", "bilinear") or antialias:
        raise NotImplementedError(f"interpolate: mode={mode!r}{' with antialias' if antialias else ''} is not "
                                  "supported by ember yet; use 'nearest', 'linear' or 'bilinear'")
    if (mode, dims) not in _UPSAMPLE_ROWS:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{3 if mode == 'linear' else 4}D input")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    sizes = tuple(input.shape[2:])
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        scales = tuple(s / o for s, o in zip(sizes, out))
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * dims
        out = tuple(int(math.floor(s * f)) for s, f in zip(sizes, factors))
        scales = (tuple(s / o for s, o in zip(sizes, out)) if recompute_scale_factor
                  else tuple(1.0 / f for f in factors))
    matrices = [_interpolation_matrix("nearest" if mode == "nearest" else "linear", s, o, sc, bool(align_corners))
                for s, o, sc in zip(sizes, out, scales)]
    rows, cols = (matrices[0], matrices[1]) if dims == 2 else (None, matrices[0])
    return _UPSAMPLE_ROWS[mode, dims](input, rows=rows, cols=cols)


# -- embedding -------------------------------------------------------------------------------------
def _embedding_forward(weight, *, indices, padding_idx, zero_padding=False):
    out = weight[indices]
    if zero_padding and padding_idx is not None:
        out[indices == padding_idx] = 0
    return out


def _embedding_backward_forward(grad, *, indices, num_weights, padding_idx, zero_padding=False):
    out = namespace(grad).zeros((num_weights, grad.shape[-1]), dtype=grad.dtype)
    scatter(namespace(out), "add", out, indices.ravel(), grad.reshape(-1, grad.shape[-1]))
    if padding_idx is not None:
        out[padding_idx] = 0  # the padding row never learns
    return out


# fmt: off
embedding_row = defop("embedding", "EmbeddingBackward0", _embedding_forward,
                      lambda grad, weight, *, indices, padding_idx, zero_padding=False: embedding_backward(
                          grad, indices=indices, num_weights=weight.shape[0], padding_idx=padding_idx))
embedding_backward = defop("embedding_dense_backward", "EmbeddingDenseBackwardBackward0",
                           _embedding_backward_forward,
                           lambda grad, g, *, indices, num_weights, padding_idx, zero_padding=False: embedding_row(
                               grad, indices=indices, padding_idx=padding_idx, zero_padding=True))
# fmt: on


def embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rescale, in place and outside autograd, the looked-up rows whose norm exceeds max_norm."""
    data = weight._data
    rows = np.unique(indices)
    norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    data[rows] *= scale[:, None].astype(data.dtype)
    if weight._version_counter is not None:
        weight._version_counter[0] += 1
    return weight


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    indices = input._data if hasattr(input, "_data") else as_array(input)
    if indices.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding); "
                           "convert the indices with .long()")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    if indices.size and (indices.max() >= num or indices.min() < 0):
        raise IndexError("index out of range in self; embedding indices must lie in [0, num_embeddings), here "
                         f"[0, {num})")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= num
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported by ember")
    if max_norm is not None:
        embedding_renorm_(weight, indices, max_norm, norm_type)
    return embedding_row(weight, indices=indices.astype(np.int64, copy=False), padding_idx=padding_idx)
