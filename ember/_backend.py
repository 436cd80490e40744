"""The array libraries behind ember, named in one place: NumPy on the host, CuPy on a GPU.

An op does not know where it runs: it asks ``namespace(*arrays)`` for the module of its inputs
(Chainer's ``get_array_module``, the Array API's ``array_namespace``) and makes any new array
with that module, so one formula serves both. The few NumPy features CuPy lacks (``errstate``,
``ufunc.reduce`` of max/min, ``maximum.accumulate``) are provided here, and a second backend is
a change to this module only.

CuPy is optional (``pip install ember[cuda]``). Its detection can take seconds, so it runs once,
on first need. ``EMBER_CUDA_STANDIN=1`` puts ``ember._cupy_standin`` in CuPy's place: CuPy's
strictness (no implicit host conversion, no mixing with NumPy arrays) over NumPy, so the whole
test suite can run on device "cuda" without a GPU.
"""
import contextlib
import os

import numpy

xp = numpy  # the host namespace: code outside the ops that only ever sees host arrays
ndarray = numpy.ndarray
ARRAY_TYPES = (numpy.ndarray,)  # grows by CuPy's array type once CuPy is loaded
_device_ndarray = None  # CuPy's array type, once loaded
_cupy = False  # False: not looked for yet; None: looked for, absent
# ember.compile's recording array (ember._compile.traced.Traced), set when ember._compile loads: a
# host array for is_array/as_array/is_host_array while a call is traced. Costs one more `is` test
# for non-arrays only; None (nothing matches) until something compiles.
traced_ndarray = None


def cupy():
    """The CuPy module (or the stand-in), or None when there is no usable GPU. Cached."""
    global _cupy, _device_ndarray, ARRAY_TYPES
    if _cupy is False:
        _cupy = _find_cupy()
        if _cupy is not None:
            _device_ndarray = _cupy.ndarray
            ARRAY_TYPES = (numpy.ndarray, _cupy.ndarray)
    return _cupy


def _find_cupy():
    if os.environ.get("EMBER_CUDA_STANDIN") == "1":
        from . import _cupy_standin
        return _cupy_standin
    try:
        import cupy as module
        if module.cuda.runtime.getDeviceCount() > 0:
            return module
    except Exception:  # no CuPy, no driver, or no device: all mean "no GPU" to the user
        pass
    return None


def namespace(*values):
    """The array module of the arrays (or tensors) among `values`: CuPy if any lives on the GPU, else NumPy."""
    if _device_ndarray is not None:
        for value in values:
            if type(value) is _device_ndarray or type(getattr(value, "_data", None)) is _device_ndarray:
                return _cupy
    return numpy


def is_array(value):
    """True for an array of any backend (the check that used to read ``type(x) is ndarray``)."""
    return type(value) is numpy.ndarray or type(value) is _device_ndarray or type(value) is traced_ndarray


def is_host_array(value):
    """A NumPy array, or ember.compile's recording stand-in for one (the checks that chose a faster
    NumPy-only kernel by ``type(x) is numpy.ndarray``: tracing must take the same kernel as eager)."""
    return type(value) is numpy.ndarray or type(value) is traced_ndarray


def crosses_devices(a, b):
    """For two arrays of different types: whether one is on a GPU and the other not (a NumPy array
    beside ember.compile's recording array is the host beside the host)."""
    return (type(a) is _device_ndarray) is not (type(b) is _device_ndarray)


def on_device(array):
    return type(array) is _device_ndarray


def as_array(value, dtype=None, *, like=None):
    """numpy.asarray that keeps any backend's arrays where they are: scalars (NumPy's from 0-d
    arithmetic, Python's) and lists become arrays of `like`'s backend (the host when None)."""
    if type(value) is numpy.ndarray or type(value) is _device_ndarray or type(value) is traced_ndarray:
        return value if dtype is None or value.dtype == dtype else value.astype(dtype)
    return namespace(like).asarray(value, dtype=dtype)


def to_device(array, where):
    """`array` moved (copied) to `where`: "cpu", "cuda" (the current GPU) or "cuda:N"; the same
    array if it is there already. CuPy makes arrays on its current device, so the copy is made
    with GPU N current."""
    if where == "cpu":
        return array.get() if type(array) is _device_ndarray else array
    module = cupy()
    if module is None:
        raise AssertionError("Torch not compiled with CUDA enabled (ember found no CuPy with a GPU: install "
                             "ember[cuda] on a machine with an NVIDIA GPU, or use device='cpu')")
    index = current_index() if where == "cuda" else int(where[5:])
    if type(array) is module.ndarray:
        if array.device.id == index:
            return array
        with module.cuda.Device(index):
            return module.array(array)  # CuPy copies between GPUs
    if index == current_index():
        return module.asarray(array)
    with module.cuda.Device(index):
        return module.asarray(array)


def device_index(array):
    """The GPU a device array lives on (CuPy's ndarray.device.id)."""
    return array.device.id


def current_index():
    """CuPy's current GPU: where it makes new arrays and runs kernels."""
    return cupy().cuda.runtime.getDevice()


def guard_for(array):
    """A context in which `array` computes: its GPU made current when it lives on another one than
    CuPy's current GPU (torch runs work on the tensors' own device); else nothing to do."""
    if type(array) is _device_ndarray and array.device.id != current_index():
        return _cupy.cuda.Device(array.device.id)
    return contextlib.nullcontext()


def device_guard(index):
    """`with device_guard(i):` makes GPU i current (cupy.cuda.Device(i)) for the block."""
    return cupy().cuda.Device(index)


def like(array, reference):
    """`array` (a host array, e.g. a cached matrix or index) on the backend of `reference`."""
    if _device_ndarray is not None and type(array) is not _device_ndarray and namespace(reference) is _cupy:
        return _cupy.asarray(array)
    return array


def to_host(array):
    """A NumPy array holding `array`'s values (a copy when it lives on the GPU)."""
    return array.get() if type(array) is _device_ndarray else array


def errstate(xp, **settings):
    """numpy.errstate for host arrays; CuPy has none (GPU kernels do not report float errors)."""
    return numpy.errstate(**settings) if xp is numpy else contextlib.nullcontext()


def reduce(xp, ufunc_name, array, axis, keepdims=False, initial=None):
    """``numpy.<ufunc>.reduce``: CuPy's ufuncs reduce only add and multiply, so maximum and minimum
    (and the logical ones) map to their reductions. `initial` is the answer over an empty axis."""
    if xp is numpy:
        if initial is None:
            return getattr(numpy, ufunc_name).reduce(array, axis=axis, keepdims=keepdims)
        return getattr(numpy, ufunc_name).reduce(array, axis=axis, keepdims=keepdims, initial=initial)
    if initial is not None and array.shape[axis] == 0:
        shape = list(array.shape)
        shape[axis] = 1
        out = xp.full(tuple(shape), initial, dtype=array.dtype)
        return out if keepdims else out.squeeze(axis)
    function = {"maximum": xp.max, "minimum": xp.min, "add": xp.sum, "multiply": xp.prod,
                "logical_and": xp.all, "logical_or": xp.any, "fmax": xp.nanmax, "fmin": xp.nanmin}[ufunc_name]
    return function(array, axis=axis, keepdims=keepdims)


def accumulate(xp, ufunc_name, array, axis):
    """``numpy.<ufunc>.accumulate`` of an associative ufunc (running max, min, sum, logaddexp ...)."""
    if xp is numpy:
        return getattr(numpy, ufunc_name).accumulate(array, axis=axis)
    if ufunc_name == "add":
        return xp.cumsum(array, axis=axis)
    if ufunc_name == "multiply":
        return xp.cumprod(array, axis=axis)
    # CuPy has no accumulate: a scan in log2(n) steps, each combining every element with the one
    # `shift` places before it (the right-hand side is computed before the assignment)
    combine = getattr(xp, ufunc_name)
    result = xp.moveaxis(array, axis, -1).copy()
    shift = 1
    while shift < result.shape[-1]:
        result[..., shift:] = combine(result[..., shift:], result[..., :-shift])
        shift *= 2
    return xp.moveaxis(result, -1, axis)


def scatter(xp, ufunc_name, target, index, values):
    """``numpy.<ufunc>.at(target, index, values)``: unbuffered, so repeated indices all count.

    CuPy's ufunc.at covers add and subtract, cupyx its scatter_max/min; a product is gathered
    on the host (rare: scatter_reduce "prod")."""
    if xp is numpy:
        getattr(numpy, ufunc_name).at(target, index, values)
    elif ufunc_name in ("add", "subtract"):
        getattr(xp, ufunc_name).at(target, index, values)
    elif ufunc_name in ("maximum", "minimum"):
        extras = getattr(xp, "cupyx", None) or __import__("cupyx")
        scatter_extreme = extras.scatter_max if ufunc_name == "maximum" else extras.scatter_min
        scatter_extreme(target, index, xp.broadcast_to(values, target[index].shape))
    else:
        host = target.get()
        host_index = tuple(to_host(i) for i in index) if isinstance(index, tuple) else to_host(index)
        getattr(numpy, ufunc_name).at(host, host_index, to_host(values) if is_array(values) else values)
        target[...] = xp.asarray(host)


def address(array):
    """Where the array's first element lives (host or GPU memory)."""
    if type(array) is _device_ndarray:
        return array.__cuda_array_interface__["data"][0]
    if type(array) is traced_ndarray:  # a traced call's arrays are the replay's: addresses stay put
        array = array._a
    return array.__array_interface__["data"][0]


def sliding_window_view(array, size, axis):
    """numpy.lib.stride_tricks.sliding_window_view(array, size, axis=axis), read-only, on either backend."""
    if type(array) is numpy.ndarray:
        return numpy.lib.stride_tricks.sliding_window_view(array, size, axis=axis)
    shape = array.shape[:axis] + (array.shape[axis] - size + 1,) + array.shape[axis + 1:] + (size,)
    return as_strided(array, shape, array.strides + (array.strides[axis],))


def as_strided(array, shape, strides, writeable=True):
    """A view of `array`'s memory with the given shape and strides (bytes), on either backend."""
    if type(array) is numpy.ndarray:
        return numpy.lib.stride_tricks.as_strided(array, shape, strides, writeable=writeable)
    return namespace(array).lib.stride_tricks.as_strided(array, shape, strides)
