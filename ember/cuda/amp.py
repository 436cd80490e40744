"""torch.cuda.amp: the older names for ``ember.amp.autocast("cuda")`` and ``ember.amp.GradScaler("cuda")``,
deprecated in torch with a FutureWarning, as here (see ember.amp for what they do in ember)."""
import functools
import warnings

from .. import amp as _amp


class autocast(_amp.autocast):
    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use `torch.amp.GradScaler('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """torch.cuda.amp.custom_fwd: with cast_inputs, a forward called under autocast("cuda") gets its GPU
    floating tensors cast to that dtype and runs with autocast off; otherwise it runs as written."""
    if fwd is None:
        return functools.partial(custom_fwd, cast_inputs=cast_inputs)
    if cast_inputs is None:
        return fwd

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        if not _amp.is_autocast_enabled("cuda"):
            return fwd(*args, **kwargs)
        from .._autocast import _cast
        targets, floating = (None, cast_inputs), ("float64", "float32", "float16", "bfloat16")
        with _amp.autocast("cuda", enabled=False):
            return fwd(*(_cast(value, targets, floating) for value in args),
                       **{key: _cast(value, targets, floating) for key, value in kwargs.items()})
    return decorate_fwd


def custom_bwd(bwd):
    return bwd
