"""A strict stand-in for CuPy, over NumPy: ``EMBER_CUDA_STANDIN=1`` makes it ember's "cuda".

CuPy has no CPU mode, so without a GPU nothing would show that ember's ops keep to the array
namespace of their inputs. This module has CuPy's shape and CuPy's strictness, and computes with
NumPy on the host:
- ``ndarray`` is its own class (not a NumPy subclass) and refuses ``__array__``: ``numpy.asarray(x)``
  raises CuPy's TypeError, so an op that quietly converts to NumPy fails here as it would on a GPU;
- NumPy functions and ufuncs called on it dispatch here (``__array_ufunc__``/``__array_function__``,
  as CuPy's arrays do), and any NumPy array among their arguments is refused ("Unsupported type"),
  so host and device arrays never mix silently;
- the NumPy features CuPy lacks are absent: ``errstate``, ``ufunc.reduce``/``accumulate`` beyond add
  and multiply, ``ufunc.at`` beyond add and subtract, ``__array_interface__``, and ``random`` (ember
  draws random numbers on the host and moves them);
- ``asarray``/``array`` copy host data in, ``asnumpy`` and ``ndarray.get()`` copy it out;
- ``EMBER_CUDA_STANDIN_DEVICES=N`` pretends N GPUs (default 1). Arrays remember their device, new
  arrays go to the current one (``cuda.Device(i).use()`` / ``with cuda.Device(i):``), and a kernel
  refuses an array that is not on the current device, as CuPy does between GPUs without peer access;
- streams and events exist and are synchronous: work is done when it is queued, and an event
  records the host's clock (``perf_counter``), so ``elapsed_time`` measures host time.
It proves the seam, not the kernels or their numerics: those need a real GPU.
"""
import builtins
import copy as _copy
import os
import time
import types

import numpy

from ._array_operators import install_operators

_new = object.__new__
_SCALARS = (int, float, complex, bool, numpy.generic)
_REDUCING_UFUNCS = ("add", "multiply")       # CuPy's ufunc.reduce/accumulate/reduceat
_SCATTERING_UFUNCS = ("add", "subtract")     # CuPy's ufunc.at
_MISSING = frozenset({"errstate", "seterr", "geterr", "seterrcall", "geterrcall", "nditer", "frompyfunc",
                      "random", "ctypeslib", "memmap", "recarray", "ma", "char", "rec", "testing"})
DEVICE_COUNT = max(1, int(os.environ.get("EMBER_CUDA_STANDIN_DEVICES", "1") or 1))
_current = [0]  # the current device (CuPy keeps one per thread; the stand-in, one per process)
_MISSING_ATTRIBUTES = frozenset({"__array_interface__", "__array_struct__", "ctypes", "itemset", "byteswap",
                                 "newbyteorder", "setflags"})


def _refuse(value):
    raise TypeError(f"Unsupported type {type(value)} (CuPy does not mix with NumPy arrays: move it to the GPU "
                    "with cupy.asarray, or to the host with .get())")


def _unwrap(value):
    """Stand-in arrays become their NumPy arrays; a NumPy array is refused, as CuPy refuses it, and
    so is an array on another GPU than the current one (CuPy's answer without peer access)."""
    kind = type(value)
    if kind is ndarray:
        if value._device != _current[0]:
            raise ValueError(f"The device where the array resides ({value._device}) is different from the current "
                             f"device ({_current[0]}). Peer access is unavailable between these devices.")
        return value._host
    if kind is numpy.ndarray:
        _refuse(value)
    if kind is list or kind is tuple:
        return kind(_unwrap(item) for item in value)
    return value


def _unwrap_keywords(keywords):
    return {name: _unwrap(value) for name, value in keywords.items()} if keywords else keywords


def _wrap(value):
    """NumPy results become stand-in arrays; NumPy scalars become 0-d arrays, as CuPy returns them."""
    kind = type(value)
    if kind is numpy.ndarray:
        array = _new(ndarray)
        array._host = value
        array._device = _current[0]
        return array
    if isinstance(value, numpy.generic):
        return _wrap(numpy.asarray(value))
    if isinstance(value, tuple):
        items = [_wrap(item) for item in value]
        return kind._make(items) if hasattr(kind, "_make") else kind(items)
    if kind is list:
        return [_wrap(item) for item in value]
    return value


def _call(function, args, keywords):
    return _wrap(function(*_unwrap(args), **_unwrap_keywords(keywords)))


def _check_method(ufunc_name, method):
    if method in ("reduce", "accumulate", "reduceat") and ufunc_name not in _REDUCING_UFUNCS:
        raise NotImplementedError(f"CuPy's ufunc.{method} supports only {' and '.join(_REDUCING_UFUNCS)}, "
                                  f"not {ufunc_name}")
    if method == "at" and ufunc_name not in _SCATTERING_UFUNCS:
        raise NotImplementedError(f"CuPy's ufunc.at supports only {' and '.join(_SCATTERING_UFUNCS)}, not "
                                  f"{ufunc_name}")


class ufunc:
    """A NumPy ufunc with CuPy's argument rules and CuPy's smaller set of methods."""

    def __init__(self, numpy_ufunc):
        self._ufunc = numpy_ufunc
        self.__name__ = numpy_ufunc.__name__
        self.nin, self.nout, self.nargs = numpy_ufunc.nin, numpy_ufunc.nout, numpy_ufunc.nargs
        self.types, self.identity = numpy_ufunc.types, numpy_ufunc.identity

    def __call__(self, *args, **keywords):
        return _call(self._ufunc, args, keywords)

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"


def _ufunc_method(method):
    def run(self, *args, **keywords):
        _check_method(self.__name__, method)
        return _call(getattr(self._ufunc, method), args, keywords)
    run.__name__ = method
    return run


for _method in ("reduce", "accumulate", "reduceat", "at", "outer"):
    setattr(ufunc, _method, _ufunc_method(_method))


class _MemoryPointer:
    def __init__(self, host):
        self.ptr = host.__array_interface__["data"][0]


class ndarray:
    """CuPy's array type; its values live in a NumPy array that nothing outside may touch."""

    __slots__ = ("_host", "_device", "__weakref__")
    __array_priority__ = 100  # as CuPy: its operators win over NumPy's

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._host = numpy.empty(shape, dtype, order=order)
        self._device = _current[0]

    # -- the protocols that make NumPy calls dispatch here, and refuse the implicit ones --------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
                        "NumPy array explicitly.")

    def __array_ufunc__(self, numpy_ufunc, method, *inputs, **keywords):
        for value in inputs:
            if not isinstance(value, (ndarray, numpy.ndarray, tuple, list, slice, type(None)) + _SCALARS):
                return NotImplemented  # e.g. an ember Tensor: let its reflected operator answer
        _check_method(numpy_ufunc.__name__, method)
        return _wrap(getattr(numpy_ufunc, method)(*_unwrap(inputs), **_unwrap_keywords(keywords)))

    def __array_function__(self, function, types, args, keywords):
        if function.__name__ in _MISSING:
            return NotImplemented
        for kind in types:
            if kind not in (ndarray, numpy.ndarray):
                return NotImplemented
        return _call(function, args, keywords)

    # -- what CuPy's arrays offer -----------------------------------------------------------
    def get(self, stream=None, order="C", out=None):
        """The values as a NumPy array on the host (a copy)."""
        return self._host.copy(order=order)

    def set(self, array, stream=None):
        self._host[...] = array

    @property
    def data(self):
        return _MemoryPointer(self._host)

    @property
    def device(self):
        return cuda.Device(self._device)

    @property
    def __cuda_array_interface__(self):
        interface = self._host.__array_interface__
        return {"shape": interface["shape"], "typestr": interface["typestr"], "data": interface["data"],
                "strides": interface["strides"], "version": 3}

    def __getattr__(self, name):  # everything else: NumPy's method or attribute, under CuPy's rules
        if name in _MISSING_ATTRIBUTES or name.startswith("__"):
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        value = getattr(self._host, name)
        if callable(value):
            return lambda *args, **keywords: _call(value, args, keywords)
        return _wrap(value)

    def __getitem__(self, index):  # a view: on the array's own device
        view = _wrap(self._host[_unwrap(index)])
        if type(view) is ndarray:
            view._device = self._device
        return view

    def __setitem__(self, index, value):
        self._host[_unwrap(index)] = _unwrap(value)

    def __len__(self):
        return len(self._host)

    def __iter__(self):
        if self._host.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (_wrap(row) for row in self._host)

    def __bool__(self):
        return bool(self._host)

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __complex__(self):
        return complex(self._host)

    def __index__(self):
        return self._host.__index__()

    def __repr__(self):
        return repr(self._host)

    def __str__(self):
        return str(self._host)

    def __format__(self, spec):
        return format(self._host, spec)

    def __copy__(self):
        return _on(self._device, self._host.copy())

    def __deepcopy__(self, memo):
        return _on(self._device, _copy.deepcopy(self._host, memo))

    def __reduce__(self):
        return _on, (self._device, self._host)

    __hash__ = None


install_operators(ndarray)


# -- the module's functions ------------------------------------------------------------------
def _lenient_unwrap(value):
    """For the functions that copy host data in: NumPy arrays and lists are welcome here."""
    if type(value) is ndarray:
        return value._host
    if type(value) in (list, tuple):
        return type(value)(_lenient_unwrap(item) for item in value)
    return value


def _on(device, host):
    array = _wrap(host)
    array._device = device
    return array


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    """A copy on the current device (from the host, or from any GPU: CuPy copies between devices)."""
    return _wrap(numpy.array(_lenient_unwrap(obj), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def asarray(a, dtype=None, order=None, *, blocking=False):
    """As CuPy: an array already on a GPU stays where it is (when no cast is asked for)."""
    if type(a) is ndarray and (dtype is None or numpy.dtype(dtype) == a._host.dtype):
        return a
    return _wrap(numpy.asarray(_lenient_unwrap(a), dtype=dtype, order=order))


asanyarray = asarray


def ascontiguousarray(a, dtype=None):
    return _wrap(numpy.ascontiguousarray(_lenient_unwrap(a), dtype=dtype))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    return a.get(order=order) if type(a) is ndarray else numpy.asarray(a, order=order)


def get_array_module(*args):
    return _this_module if any(type(arg) is ndarray for arg in args) else numpy


def _wrapped(value):
    if isinstance(value, numpy.ufunc):
        return ufunc(value)
    if isinstance(value, types.ModuleType):
        return _Namespace(value)
    if callable(value) and not isinstance(value, type):
        function = lambda *args, **keywords: _call(value, args, keywords)  # noqa: E731
        function.__name__ = getattr(value, "__name__", "function")
        return function
    return value  # dtypes, scalar types, finfo/iinfo, constants


class _Namespace:
    """A NumPy submodule (linalg, fft, lib.stride_tricks) seen through CuPy's rules."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        value = _wrapped(getattr(self._module, name))
        setattr(self, name, value)
        return value


def __getattr__(name):
    if name in _MISSING or name.startswith("__"):
        raise AttributeError(f"module 'cupy' has no attribute '{name}'")
    value = _wrapped(getattr(numpy, name))
    globals()[name] = value
    return value


# -- cupy.cuda: DEVICE_COUNT devices, all of them this host; streams and events that are synchronous
class _Device:
    def __init__(self, device=None):
        self.id = _current[0] if device is None else int(device)
        if not 0 <= self.id < DEVICE_COUNT:
            raise RuntimeError(f"CUDARuntimeError: cudaErrorInvalidDevice: invalid device ordinal ({self.id})")
        self._previous = []

    compute_capability = "00"

    def synchronize(self):
        pass

    def use(self):
        _current[0] = self.id

    def __enter__(self):
        self._previous.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._previous.pop()
        return False

    def __eq__(self, other):
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


class _Stream:
    """cupy.cuda.Stream: the stand-in runs every kernel at once, so a stream has nothing pending."""
    null = None  # set below
    _current = None

    def __init__(self, null=False, non_blocking=False, ptds=False, priority=0):
        self.ptr = 0 if null else id(self)
        self.device_id = _current[0]
        self.priority = priority
        self._previous = []

    def synchronize(self):
        pass

    @property
    def done(self):
        return True

    def use(self):
        _Stream._current = self
        return self

    def wait_event(self, event):
        pass

    def record(self, event=None):
        event = event or _Event()
        event.record(self)
        return event

    def __enter__(self):
        self._previous.append(_Stream._current)
        _Stream._current = self
        return self

    def __exit__(self, *exc):
        _Stream._current = self._previous.pop()
        return False


class _Event:
    """cupy.cuda.Event on the host's clock: recorded when record() is called (the work before it is done)."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.disable_timing = disable_timing
        self._time = None
        self.ptr = id(self)

    def record(self, stream=None):
        self._time = time.perf_counter()

    def synchronize(self):
        pass

    @property
    def done(self):
        return True


def _get_elapsed_time(start, end):
    """Milliseconds between two recorded events (cupy.cuda.get_elapsed_time)."""
    if start.disable_timing or end.disable_timing:
        raise RuntimeError("CUDARuntimeError: cudaErrorInvalidResourceHandle: invalid resource handle")
    if start._time is None or end._time is None:
        raise RuntimeError("CUDARuntimeError: cudaErrorInvalidResourceHandle: the event was not recorded")
    return (end._time - start._time) * 1000.0


_Stream.null = _Stream(null=True)
_Stream._current = _Stream.null


class _MemoryPool:
    """CuPy's pool, counting the bytes of the stand-in's arrays alive now (as the pool counts GPU memory in use)."""

    def used_bytes(self):
        """The memory under every live stand-in array (found through the garbage collector: slow, but
        asked for rarely), each buffer counted once however many views share it."""
        import gc
        buffers = {}
        for value in gc.get_referrers(ndarray):
            if type(value) is ndarray:
                root = value._host
                while isinstance(root.base, numpy.ndarray):
                    root = root.base
                buffers[id(root)] = root.nbytes
        return builtins.sum(buffers.values())  # (the module's own `sum` becomes NumPy's once asked for)

    def total_bytes(self):
        return self.used_bytes()

    def free_all_blocks(self):
        pass


_POOL, _PINNED_POOL = _MemoryPool(), _MemoryPool()
NAME = "CuPy stand-in (NumPy on the host)"
cuda = types.SimpleNamespace(
    Device=_Device,
    Stream=_Stream,
    Event=_Event,
    get_current_stream=lambda device=None: _Stream._current,
    get_elapsed_time=_get_elapsed_time,
    runtime=types.SimpleNamespace(
        getDeviceCount=lambda: DEVICE_COUNT,
        getDevice=lambda: _current[0],
        setDevice=lambda device: _Device(device).use(),
        getDeviceProperties=lambda device: {"name": NAME.encode(), "totalGlobalMem": 0, "major": 0, "minor": 0,
                                            "multiProcessorCount": 1},
        deviceCanAccessPeer=lambda device, peer: 0,
        memGetInfo=lambda: (0, 0)),  # (free, total): the stand-in has no memory of its own
    get_device_id=lambda: _current[0],
)


def _scatter_extreme(numpy_ufunc):
    def scatter(a, slices, value):
        numpy_ufunc.at(a._host, _unwrap(slices), _unwrap(value))
    return scatter


# cupyx's scatter functions, which CuPy offers beside ufunc.at (ember._backend.scatter uses them)
cupyx = types.SimpleNamespace(scatter_add=_scatter_extreme(numpy.add), scatter_max=_scatter_extreme(numpy.maximum),
                              scatter_min=_scatter_extreme(numpy.minimum))
get_default_memory_pool = lambda: _POOL  # noqa: E731
get_default_pinned_memory_pool = lambda: _PINNED_POOL  # noqa: E731
_this_module = __import__(__name__, fromlist=["_"])
