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
- ``asarray``/``array`` copy host data in, ``asnumpy`` and ``ndarray.get()`` copy it out.
It proves the seam, not the kernels or their numerics: those need a real GPU.
"""
import copy as _copy
import types

import numpy

_new = object.__new__
_SCALARS = (int, float, complex, bool, numpy.generic)
_REDUCING_UFUNCS = ("add", "multiply")       # CuPy's ufunc.reduce/accumulate/reduceat
_SCATTERING_UFUNCS = ("add", "subtract")     # CuPy's ufunc.at
_MISSING = frozenset({"errstate", "seterr", "geterr", "seterrcall", "geterrcall", "nditer", "frompyfunc",
                      "random", "ctypeslib", "memmap", "recarray", "ma", "char", "rec", "testing"})
_MISSING_ATTRIBUTES = frozenset({"__array_interface__", "__array_struct__", "ctypes", "itemset", "byteswap",
                                 "newbyteorder", "setflags"})


def _refuse(value):
    raise TypeError(f"Unsupported type {type(value)} (CuPy does not mix with NumPy arrays: move it to the GPU "
                    "with cupy.asarray, or to the host with .get())")


def _unwrap(value):
    """Stand-in arrays become their NumPy arrays; a NumPy array is refused, as CuPy refuses it."""
    kind = type(value)
    if kind is ndarray:
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

    __slots__ = ("_host", "__weakref__")
    __array_priority__ = 100  # as CuPy: its operators win over NumPy's

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._host = numpy.empty(shape, dtype, order=order)

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
        return cuda.Device(0)

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

    def __getitem__(self, index):
        return _wrap(self._host[_unwrap(index)])

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
        return _wrap(self._host.copy())

    def __deepcopy__(self, memo):
        return _wrap(_copy.deepcopy(self._host, memo))

    def __reduce__(self):
        return asarray, (self._host,)

    __hash__ = None


def _operator(numpy_ufunc, reflected=False):
    def apply(self, other):
        if not isinstance(other, (ndarray, numpy.ndarray) + _SCALARS):
            return NotImplemented
        return numpy_ufunc(other, self) if reflected else numpy_ufunc(self, other)
    return apply


def _inplace(numpy_ufunc):
    def apply(self, other):
        numpy_ufunc(self, other, out=(self,))
        return self
    return apply


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide), ("mod", numpy.remainder),
                      ("pow", numpy.power), ("matmul", numpy.matmul), ("and", numpy.bitwise_and),
                      ("or", numpy.bitwise_or), ("xor", numpy.bitwise_xor), ("lshift", numpy.left_shift),
                      ("rshift", numpy.right_shift)]:
    setattr(ndarray, f"__{_name}__", _operator(_ufunc))
    setattr(ndarray, f"__r{_name}__", _operator(_ufunc, reflected=True))
    setattr(ndarray, f"__i{_name}__", _inplace(_ufunc))
for _name, _ufunc in [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less), ("le", numpy.less_equal),
                      ("gt", numpy.greater), ("ge", numpy.greater_equal)]:
    setattr(ndarray, f"__{_name}__", _operator(_ufunc))
for _name, _ufunc in [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.absolute),
                      ("invert", numpy.invert)]:
    setattr(ndarray, f"__{_name}__", lambda self, _ufunc=_ufunc: _ufunc(self))
del _name, _ufunc


# -- the module's functions ------------------------------------------------------------------
def _lenient_unwrap(value):
    """For the functions that copy host data in: NumPy arrays and lists are welcome here."""
    if type(value) is ndarray:
        return value._host
    if type(value) in (list, tuple):
        return type(value)(_lenient_unwrap(item) for item in value)
    return value


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    return _wrap(numpy.array(_lenient_unwrap(obj), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def asarray(a, dtype=None, order=None, *, blocking=False):
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


# -- cupy.cuda: one device, which is this host -------------------------------------------------
class _Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        if self.id != 0:
            raise RuntimeError(f"CUDARuntimeError: cudaErrorInvalidDevice: invalid device ordinal ({self.id})")

    compute_capability = "00"

    def synchronize(self):
        pass

    def use(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


_POOL, _PINNED_POOL = _MemoryPool(), _MemoryPool()
NAME = "CuPy stand-in (NumPy on the host)"
cuda = types.SimpleNamespace(
    Device=_Device,
    runtime=types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDevice=lambda: 0,
        getDeviceProperties=lambda device: {"name": NAME.encode(), "totalGlobalMem": 0, "major": 0, "minor": 0,
                                            "multiProcessorCount": 1}),
    get_device_id=lambda: 0,
    Stream=types.SimpleNamespace(null=None),
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
