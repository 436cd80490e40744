"""Convolutions and unfold/fold (torch.nn.functional); the rows live in ember/_ops/conv.py."""
from ..._ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]
