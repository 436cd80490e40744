"""autocast: a context manager and decorator switching autocast on (see ember.amp and ember._autocast)."""
import functools
import warnings

from .. import _autocast

_GPU_TYPES = ("cuda", "mps", "xpu", "hpu", "xla", "mtia")
_state = {"cpu": [False, None], "cuda": [False, None]}  # device type -> [enabled, dtype]


def _default_dtype(device_type):
    from .. import _dtype
    return _dtype.bfloat16 if device_type == "cpu" else _dtype.float16


def _gpu_present():
    from .. import cuda
    return cuda.is_available()


def is_autocast_available(device_type):
    return device_type in ("cpu", *_GPU_TYPES)


def is_autocast_enabled(device_type=None):
    return _state.get(device_type or "cuda", [False])[0]


def get_autocast_dtype(device_type):
    if not is_autocast_available(device_type):
        raise RuntimeError(f"unsupported device type for autocast: {device_type!r}")
    return _state.get(device_type, [False, None])[1] or _default_dtype(device_type)


class autocast:
    """``with ember.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` (see ember.amp)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else _default_dtype(device_type)
        self._enabled = bool(enabled)
        if self._enabled and device_type == "cuda" and _gpu_present():
            if self.fast_dtype.name == "bfloat16":  # ember's bfloat16 lives on the host (is_bf16_supported)
                raise RuntimeError("Current CUDA Device does not support bfloat16. Please switch dtype to float16.")
        elif self._enabled and device_type in _GPU_TYPES:
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast." if device_type == "cuda"
                          else f"User provided device_type of '{device_type}', but {device_type.upper()} is not "
                          "available. Disabling", UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled and device_type == "cpu" and self.fast_dtype.name not in ("bfloat16", "float16"):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                          UserWarning, stacklevel=2)
            self._enabled = False

    def __enter__(self):
        self._previous = list(_state.setdefault(self.device, [False, None]))
        _state[self.device] = [self._enabled, self.fast_dtype]
        if self.device in ("cpu", "cuda"):  # the ops read the policy state (ember._autocast)
            self._previous_policy = _autocast.switch(self.device, self._enabled, self.fast_dtype)
        return self

    def __exit__(self, *exc):
        _state[self.device] = self._previous
        if self.device in ("cpu", "cuda"):
            _autocast.restore(self.device, self._previous_policy)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def autocast_wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return autocast_wrapper


# torch's older per-device spellings
def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    return get_autocast_dtype("cuda")


def is_autocast_cpu_enabled():
    return is_autocast_enabled("cpu")
