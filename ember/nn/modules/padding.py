"""Padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in 1-3 D):
each holds torch's padding tuple and calls F.pad."""
from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _sides(padding, dims):
    """An int pads every side; a tuple is (left, right[, top, bottom[, front, back]]), as torch takes it."""
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * dims:
            raise ValueError(f"expected padding of length {2 * dims} (two sides per padded dimension), got "
                             f"{tuple(padding)}")
        return tuple(padding)
    return (padding,) * (2 * dims)


class _PadNd(Module):
    __constants__ = ["padding", "mode"]
    _dims = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, self._dims)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    _dims = 3


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _padding_class(name, mode, dims):
    return type(name, (_PadNd,), {"_dims": dims, "_mode": mode, "__module__": __name__,
                                  "__doc__": f"Pads the last {dims} dimension(s) in {mode!r} mode."})


ReflectionPad1d = _padding_class("ReflectionPad1d", "reflect", 1)
ReflectionPad2d = _padding_class("ReflectionPad2d", "reflect", 2)
ReflectionPad3d = _padding_class("ReflectionPad3d", "reflect", 3)
ReplicationPad1d = _padding_class("ReplicationPad1d", "replicate", 1)
ReplicationPad2d = _padding_class("ReplicationPad2d", "replicate", 2)
ReplicationPad3d = _padding_class("ReplicationPad3d", "replicate", 3)
CircularPad1d = _padding_class("CircularPad1d", "circular", 1)
CircularPad2d = _padding_class("CircularPad2d", "circular", 2)
CircularPad3d = _padding_class("CircularPad3d", "circular", 3)
