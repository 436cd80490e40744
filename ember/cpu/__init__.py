"""ember.cpu: torch.cpu's device functions (the CPU is always there) and its deprecated ``amp`` spellings."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """Nothing to wait for: CPU work is done when the call returns."""
