"""Autocast's cast policies, declared where each op is defined (torch's CPU lists, aten autocast_mode.cpp).

Under ``ember.autocast("cpu")`` an op decorated ``@lower_precision`` (matmul, linear, conv ...) casts its
floating tensor arguments (float32, float16, bfloat16; never float64) to the autocast dtype, bfloat16 by
default, and an op decorated ``@in_float32`` (the losses, prod, cdist ...) casts bfloat16 and float16
arguments to float32. The casts are ordinary differentiable ``.to`` calls, so gradients flow back in each
parameter's own dtype, as in torch. Inside a cast op autocast is off, as torch's dispatcher excludes it
there, so an op built from others casts once. With autocast off an op pays one list lookup.

``ember.autocast("cuda")`` (float16 by default) does the same for the tensors on a GPU, each device type
by its own state, as torch keeps one per dispatch key: under autocast("cuda") a CPU tensor is left as it
is, and under autocast("cpu") a GPU one. The lists are the ones declared here, which hold torch's CUDA
lower-precision list (matmul, linear, conv, bmm, addmm, baddbmm, prelu, scaled_dot_product_attention,
the RNN cells); torch's CUDA float32 list is longer than its CPU one (softmax, log_softmax, layer_norm,
exp, log, pow, sum, cumsum ...), and ember does not cast those (docs/coming-from-pytorch.md).

ember.amp.autocast flips the state kept here.
"""
import functools

enabled = [False]  # some autocast on (CPU or GPU): the one check a decorated op makes
dtype = [None]  # the CPU autocast dtype while enabled, else None
gpu_dtype = [None]  # the "cuda" autocast dtype while enabled, else None


def switch(device_type, on, fast_dtype):
    """Turn one device type's autocast on (in fast_dtype) or off; the previous dtype, for restore."""
    slot = dtype if device_type == "cpu" else gpu_dtype
    previous = slot[0]
    restore(device_type, fast_dtype if on else None)
    return previous


def restore(device_type, previous):
    (dtype if device_type == "cpu" else gpu_dtype)[0] = previous
    enabled[0] = dtype[0] is not None or gpu_dtype[0] is not None


def _cast(value, targets, eligible):
    """value, cast to its device's target (targets: (CPU dtype, GPU dtype), None where autocast is off)."""
    from ._tensor import Tensor
    if isinstance(value, Tensor) and value.dtype.name in eligible:
        target = targets[value.device.type != "cpu"]
        return value if target is None or value.dtype.name == target.name else value.to(target)
    if isinstance(value, (list, tuple)) and any(isinstance(item, Tensor) for item in value):
        return type(value)(_cast(item, targets, eligible) for item in value)
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
        return _run(function, (dtype[0], gpu_dtype[0]), _LOWER_ELIGIBLE, args, kwargs)
    return autocast_lower_precision


def in_float32(function):
    """An op torch's CPU autocast runs in float32 (its fp32 list: losses, prod, cdist ...)."""
    @functools.wraps(function)
    def autocast_float32(*args, **kwargs):
        if not enabled[0]:
            return function(*args, **kwargs)
        from ._dtype import float32
        targets = (float32 if dtype[0] is not None else None, float32 if gpu_dtype[0] is not None else None)
        return _run(function, targets, _FLOAT32_ELIGIBLE, args, kwargs)
    return autocast_float32
