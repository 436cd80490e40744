"""Autocast's cast policies, declared where each op is defined (torch's CPU lists, aten autocast_mode.cpp).

Under ``ember.autocast("cpu")`` an op decorated ``@lower_precision`` (matmul, linear, conv ...) casts its
floating tensor arguments (float32, float16, bfloat16; never float64) to the autocast dtype, bfloat16 by
default, and an op decorated ``@in_float32`` (the losses, prod, cdist ...) casts bfloat16 and float16
arguments to float32. The casts are ordinary differentiable ``.to`` calls, so gradients flow back in each
parameter's own dtype, as in torch. Inside a cast op autocast is off, as torch's dispatcher excludes it
there, so an op built from others casts once. With autocast off an op pays one list lookup.

ember.amp.autocast flips the state kept here; only the CPU can be enabled (there is no GPU autocast
without a GPU, and torch then disables it too).
"""
import functools

enabled = [False]  # CPU autocast on: the one check a decorated op makes
dtype = [None]  # the CPU autocast dtype while enabled


def _cast(value, target, eligible):
    from ._tensor import Tensor
    if isinstance(value, Tensor) and value.dtype.name in eligible and value.device.type == "cpu" \
            and value.dtype.name != target.name:
        return value.to(target)
    if isinstance(value, (list, tuple)) and any(isinstance(item, Tensor) for item in value):
        return type(value)(_cast(item, target, eligible) for item in value)
    return value


def _run(function, target, eligible, args, kwargs):
    args = tuple(_cast(value, target, eligible) for value in args)
    kwargs = {key: _cast(value, target, eligible) for key, value in kwargs.items()}
    enabled[0] = False
    try:
        return function(*args, **kwargs)
    finally:
        enabled[0] = True


_LOWER_ELIGIBLE = ("float32", "float16", "bfloat16")
_FLOAT32_ELIGIBLE = ("float16", "bfloat16")


def lower_precision(function):
    """An op torch's CPU autocast runs in the autocast dtype (its lower_precision_fp list)."""
    @functools.wraps(function)
    def autocast_lower_precision(*args, **kwargs):
        if not enabled[0]:
            return function(*args, **kwargs)
        return _run(function, dtype[0], _LOWER_ELIGIBLE, args, kwargs)
    return autocast_lower_precision


def in_float32(function):
    """An op torch's CPU autocast runs in float32 (its fp32 list: losses, prod, cdist ...)."""
    @functools.wraps(function)
    def autocast_float32(*args, **kwargs):
        if not enabled[0]:
            return function(*args, **kwargs)
        from ._dtype import float32
        return _run(function, float32, _FLOAT32_ELIGIBLE, args, kwargs)
    return autocast_float32
