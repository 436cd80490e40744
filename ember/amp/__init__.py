"""ember.amp: torch.amp's autocast and GradScaler, answered as torch answers on a machine without a GPU.

- ``autocast("cuda")`` (or "mps", "xpu") warns and disables itself, as torch does when no such device
  exists: the code inside runs in float32, as it does under torch on a CPU.
- ``autocast("cpu")`` enabled would cast matmul/linear/conv to bfloat16 in torch; ember cannot do that
  yet and raises NotImplementedError rather than compute in a precision torch would not use.
  ``enabled=False`` is accepted (and common).
- ``GradScaler("cuda")`` (torch's default) warns and disables itself: ``scale`` returns the loss, ``step``
  steps, ``update`` does nothing. ``GradScaler("cpu")`` is a working loss scaler as torch's CPU one.
"""
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype"]
