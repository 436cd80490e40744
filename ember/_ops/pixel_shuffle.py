"""Rows for pixel_shuffle and pixel_unshuffle: a reshape and a transpose each way.

Each is the other's adjoint (and inverse), so each backward is a call of the other row, which
makes double backward free. torch names the nodes PixelShuffleBackward0 / PixelUnshuffleBackward0.
"""

from .._backend import namespace
from ._registry import defop


def _shuffle(x, *, factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *batch, channels, height, width = x.shape
    out = x.reshape(*batch, channels // (factor * factor), factor, factor, height, width)
    k = len(batch)
    out = out.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    out = namespace(out).ascontiguousarray(out)
    return out.reshape(*batch, channels // (factor * factor), height * factor, width * factor)


def _unshuffle(x, *, factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *batch, channels, height, width = x.shape
    out = x.reshape(*batch, channels, height // factor, factor, width // factor, factor)
    k = len(batch)
    out = out.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    out = namespace(out).ascontiguousarray(out)
    return out.reshape(*batch, channels * factor * factor, height // factor, width // factor)


pixel_shuffle_row = defop("pixel_shuffle", "PixelShuffleBackward0", _shuffle,
                          lambda grad, x, *, factor: pixel_unshuffle_row(grad, factor=factor))
pixel_unshuffle_row = defop("pixel_unshuffle", "PixelUnshuffleBackward0", _unshuffle,
                            lambda grad, x, *, factor: pixel_shuffle_row(grad, factor=factor))
