"""ember.amp: torch.amp's autocast and GradScaler, answered as torch answers on a machine without a GPU.

- ``autocast("cuda")`` with a GPU (CuPy) casts the GPU tensors of matmul, linear, conv ... to float16 (and
  those of the losses to float32), as torch's CUDA autocast; without one it (and "mps", "xpu") warns and
  disables itself, as torch does when no such device exists: the code inside runs in float32.
- ``autocast("cpu")`` (dtype bfloat16 by default, or float16) casts as torch's CPU autocast does: matmul,
  linear, conv, bmm, addmm, prelu, scaled_dot_product_attention ... run in that dtype, the losses, prod and
  cdist in float32, everything else in the dtype it is given (the lists: ember/_autocast.py, declared on
  the ops). Other dtypes warn and disable autocast, as in torch.
- ``GradScaler("cuda")`` (torch's default) warns and disables itself: ``scale`` returns the loss, ``step``
  steps, ``update`` does nothing. ``GradScaler("cpu")`` is a working loss scaler as torch's CPU one.
"""
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype"]
