"""Dropout, embedding, padding and interpolation (torch.nn.functional).

Dropout multiplies by a scaled Bernoulli mask, so its node is MulBackward0 as in torch.
"""
from ... import _creation
from ..._ops.sampling import embedding, interpolate  # noqa: F401
from ..._ops.sampling import pad as _pad_up_to_2d
from ...autograd.grad_mode import no_grad

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "embedding",
           "pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad. Non-constant padding of three dimensions pads the last two with the 2-D
    rows and the third by an index_select of the depths (reflected, repeated or wrapped indices)."""
    if mode == "constant" or len(pad) != 6 or input.ndim not in (4, 5):
        return _pad_up_to_2d(input, pad, mode, value)
    if mode not in _NUMPY_PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}; use constant, reflect, replicate or circular")
    import numpy as np
    front, back = int(pad[4]), int(pad[5])
    depth = input.shape[-3]
    if mode == "reflect" and max(front, back) >= depth:
        raise RuntimeError(f"Argument #8: Padding size should be less than the corresponding input dimension, but "
                           f"got: padding ({front}, {back}) at dimension {input.ndim - 3} of input {list(input.shape)}")
    if mode == "circular" and max(front, back) > depth:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    leading = tuple(input.shape[:-3])
    planes = _pad_up_to_2d(input.reshape(-1, *input.shape[-3:]), tuple(pad[:4]), mode)
    if front < 0 or back < 0:
        raise NotImplementedError("negative non-constant padding of a third dimension is not supported by ember")
    order = np.pad(np.arange(depth), (front, back), mode=_NUMPY_PAD_MODES[mode])
    planes = planes.index_select(1, _creation.tensor(order, device=input.device))
    return planes.reshape(*leading, *planes.shape[1:])


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input, p, shape):
    """A float mask of `shape`: 0 with probability p, else 1/(1-p) (all zeros when p == 1)."""
    with no_grad():
        if p == 1.0:
            return _creation.zeros(shape, dtype=input.dtype, device=input.device)
        keep = _creation.rand(shape, dtype=input.dtype, device=input.device) >= p  # host-drawn, then moved
        return keep.to(input.dtype) * (1.0 / (1.0 - p))


def _apply(input, mask, inplace):
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, _mask(input, p, tuple(input.shape)), inplace)


def _feature_dropout(input, p, training, inplace, spatial, name):
    _check_p(p)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a "
                           f"{input.ndim}D input")
    if not training or p == 0.0:
        return input
    batched = input.ndim == spatial + 2
    shape = tuple(input.shape[:2 if batched else 1]) + (1,) * spatial
    return _apply(input, _mask(input, p, shape), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def _alpha_dropout(input, p, training, mask_shape):
    """SELU-preserving dropout: dropped units become SELU's negative saturation -alpha, then
    a * x + b restores mean 0 and variance 1 (torch's a and b; b = a * alpha * p)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    alpha = 1.7580993408473766  # -(SELU's scale * alpha): dropped units sit at -alpha before the affine fix
    with no_grad():
        keep = (_creation.rand(mask_shape, dtype=input.dtype, device=input.device) >= p).to(input.dtype)
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    b = a * alpha * p
    return (input * keep + (keep - 1) * alpha) * a + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one mask entry per (sample, channel)."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if input.ndim >= 2 else tuple(input.shape)
    return _alpha_dropout(input, p, training, shape)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
