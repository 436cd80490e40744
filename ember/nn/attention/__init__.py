"""torch.nn.attention: the SDPBackend names and the sdpa_kernel context manager.

ember has one implementation of scaled_dot_product_attention (the math one, in NumPy); as on
torch's CPU build, it runs when MATH or FLASH_ATTENTION is enabled and refuses otherwise.
"""
import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __repr__(self):
        return f"<SDPBackend.{self.name}: {self.value}>"

    def __str__(self):
        return f"SDPBackend.{self.name}"


_ALL = frozenset(backend for backend in SDPBackend if backend is not SDPBackend.ERROR)
_enabled = set(_ALL)
_CPU_CAPABLE = (SDPBackend.MATH, SDPBackend.FLASH_ATTENTION)  # what torch's CPU build can run


def _check_enabled():
    """Raises torch's error when no backend that can run on this machine is enabled."""
    if not any(backend in _enabled for backend in _CPU_CAPABLE):
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, only `backends` may run scaled_dot_product_attention."""
    if isinstance(backends, SDPBackend):
        backends = [backends]
    if not isinstance(backends, (list, tuple)) or not all(isinstance(b, SDPBackend) for b in backends):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
                             f"{type(backends).__name__ if not isinstance(backends, (list, tuple)) else 'list'}")
    previous = set(_enabled)
    _enabled.clear()
    _enabled.update(backends)
    try:
        yield {}
    finally:
        _enabled.clear()
        _enabled.update(previous)
