"""The recording array: what ember's ops compute on while ``ember.compile`` traces a call.

``Traced`` wraps a NumPy array and is deliberately *not* an ndarray subclass: NumPy cannot read
its memory behind its back (it has no buffer and no ``__array_interface__``), so every use of
the values goes through one of its hooks, each of which either records a kernel or, where the
use cannot be replayed (``float(x)``, ``x.item()``, ``bool(x)``, printing, a conversion to a
plain NumPy array, a shape that depends on the values), notes a *refusal*. A trace with a
refusal is never replayed: that call's answer is the eager answer computed while tracing, and
the compiled function runs eagerly for that guard key (``explain()`` says why).

A kernel is a zero-argument callable that redoes one NumPy call on the trace-time arrays:
``ufunc(*inputs, out=trace_time_output)`` for ufuncs and their methods, or the call followed by
``numpy.copyto`` for functions without ``out=``. Replaying the list in order on the same arrays
recomputes every value the traced call computed: views made during the trace stay views of the
same memory, so they need no kernel.
"""
import functools
import sys
import traceback

import numpy

from .._array_operators import install_operators

_copyto = numpy.copyto
_ndarray = numpy.ndarray
recorder = None  # the Recorder of the trace in progress, or None

# Functions whose answer is about shapes and dtypes only, never the values: safe to bake in.
_STATIC_FUNCTIONS = frozenset({"shape", "ndim", "size", "result_type", "can_cast", "may_share_memory",
                               "shares_memory", "iscomplexobj", "isrealobj", "min_scalar_type", "broadcast_shapes",
                               "common_type", "isfortran", "iterable"})
# Functions whose answer's *shape* depends on the values: a replay could not reuse the trace's buffer.
_VALUE_SHAPED = frozenset({"nonzero", "flatnonzero", "argwhere", "unique", "unique_values", "unique_counts",
                           "unique_inverse", "unique_all", "extract", "compress", "trim_zeros", "histogram",
                           "bincount", "array_equal", "array_equiv", "allclose", "count_nonzero", "array2string",
                           "array_repr", "array_str", "save", "savez", "savetxt", "tofile"})
# Functions that write into their first argument.
_WRITING_FUNCTIONS = frozenset({"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"})
_ARRAY_ATTRIBUTES = frozenset({"T", "mT", "real", "imag", "base"})
_PLAIN_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "size", "strides", "itemsize", "nbytes", "flags"})
_VALUE_METHODS = frozenset({"item", "tolist", "tobytes", "tostring", "tofile", "dump", "dumps", "__index__"})


def root(array):
    """The array that owns `array`'s memory (views point at it through ``.base``)."""
    base = array.base
    while isinstance(base, _ndarray):
        array, base = base, base.base
    return array


class Recorder:
    """The kernels and refusals of one trace."""

    def __init__(self):
        self.kernels = []
        self.uses = []            # (arrays read, arrays written) of each kernel, for passes.py
        self.refusals = []       # (reason, where) in order; any one makes the trace eager-only
        self.read = set()        # ids of the root arrays that kernels read
        self.written = set()     # ids of the root arrays that kernels write in place
        self.backward_ran = False
        self.persistent = set()  # ids of the root arrays that existed before the call (its state)
        self.state_writes = []    # (kernel index, root array) for each kernel that writes the call's state
        self.checks = []          # indices of the kernels that check a value the trace branched on
        self.generators = []      # the ember Generators the call draws from

    def check(self, raw, convert, answer, what):
        """A value read into Python (``if target.min() < 0``, ``step.item()``): whatever Python did
        with it, it does again as long as the value is the same, so the replay checks that it is and
        runs the call eagerly if not (see function.py: the state is put back first)."""
        def kernel():
            if convert(raw) != answer:
                raise Diverged(what)
        self.checks.append(len(self.kernels))
        self.add(kernel, (raw,))

    def draws_from(self, generator):
        """A random draw: a replay that falls back to eager puts the generator's state back."""
        if all(g is not generator for g in self.generators):
            self.generators.append(generator)

    def refuse(self, reason):
        if len(self.refusals) < 5:
            self.refusals.append((reason, _user_frame()))

    def add(self, kernel, inputs=(), written=(), outputs=()):
        """`inputs`: the arrays the kernel reads; `written`: those it writes in place; `outputs`: the
        new arrays it fills (the trace-time answers). passes.py reads the same three."""
        self.kernels.append(kernel)
        read = self.read
        arrays = [value for value in inputs if type(value) is _ndarray]
        for value in arrays:
            read.add(id(root(value)))
        self.uses.append((arrays, [*written, *(o for o in outputs if type(o) is _ndarray)]))
        for value in written:
            owner = id(root(value))
            self.written.add(owner)
            if owner in self.persistent:
                self.state_writes.append((len(self.kernels) - 1, root(value)))


def replayed_scalars(source, formula, dtype, *constants):
    """``formula(source.item(), *constants)``, a tuple of Python numbers, as 0-d arrays of `dtype`
    that each replay recomputes from `source`'s value at that point of the call.

    An optimizer's bias correction is Python arithmetic on its step count: a plain ``.item()``
    would be a value check that fails at every replay (the count moves on), and a Python number
    would be baked into the kernels. Kernels reading these arrays compute what they compute with
    the number itself: a Python float meets a float array as a weak scalar, cast to its dtype.
    """
    raw = source._a
    buffers = tuple(numpy.array(value, dtype=dtype) for value in formula(raw.item(), *constants))

    def kernel():
        for buffer, value in zip(buffers, formula(raw.item(), *constants)):
            buffer[()] = value
    if recorder is not None:
        recorder.add(kernel, (raw,), outputs=buffers)
    return tuple(_new_traced(buffer) for buffer in buffers)


class Diverged(Exception):
    """A replay met a value on which the traced call decided otherwise."""


def _user_frame():
    """'file:line' of the innermost frame outside ember and NumPy: where the user's code did it."""
    for frame in reversed(traceback.extract_stack(sys._getframe(2))):
        name = frame.filename.replace("\\", "/")
        if "/ember/" not in name and "/numpy/" not in name:
            return f"{frame.filename}:{frame.lineno}"
    return "?"


# -- unwrapping and wrapping ------------------------------------------------------------------
def unwrap(value):
    kind = type(value)
    if kind is Traced:
        return value._a
    if kind is tuple or kind is list:
        return kind(unwrap(item) for item in value)
    return value


def _flat_arrays(value, into):
    kind = type(value)
    if kind is _ndarray:
        into.append(value)
    elif kind is tuple or kind is list:
        for item in value:
            _flat_arrays(item, into)
    elif kind is dict:
        for item in value.values():
            _flat_arrays(item, into)
    return into


def _has_traced(value):
    kind = type(value)
    if kind is Traced:
        return True
    if kind is tuple or kind is list:
        return any(_has_traced(item) for item in value)
    return False


def wrap(value):
    kind = type(value)
    if kind is _ndarray:
        return _new_traced(value)
    if isinstance(value, numpy.generic):
        return _new_traced(numpy.asarray(value))
    if kind is tuple:
        return tuple(wrap(item) for item in value)
    if kind is list:
        return [wrap(item) for item in value]
    return value


def as_buffer(value):
    """A NumPy answer as an array a replay can write into (0-d arithmetic answers with scalars)."""
    return numpy.asarray(value) if isinstance(value, numpy.generic) else value


def _new_traced(array):
    traced = object.__new__(Traced)
    traced._a = array
    return traced


def _is_view_of(result, inputs):
    """Whether `result` shares its owner with one of the input arrays: then it needs no kernel."""
    if type(result) is not _ndarray or result.base is None:
        return False
    owner = root(result)
    return any(type(a) is _ndarray and root(a) is owner for a in inputs)


def _copy_kernel(function, args, keywords, buffers):
    """Replay of a call without `out=`: compute again, copy into the trace-time buffers."""
    if len(buffers) == 1:
        (buffer,) = buffers

        def kernel():
            _copyto(buffer, function(*args, **keywords))
    else:
        def kernel():
            for buffer, value in zip(buffers, function(*args, **keywords)):
                _copyto(buffer, value)
    return kernel


def _record_result(function, args, keywords, result, what, owner=None):
    """Record `result = function(*args, **keywords)` (raw arrays; `owner`: the array whose method
    `function` is) and return it wrapped."""
    rec = recorder
    if rec is None:
        return result
    inputs = _flat_arrays(args, _flat_arrays(keywords, [] if owner is None else [owner]))
    if result is None:
        rec.add(functools.partial(function, *args, **keywords), inputs, inputs)  # it may write any of them
        return None
    if type(result) is tuple and result and all(type(r) is _ndarray or isinstance(r, numpy.generic)
                                                for r in result):
        buffers = tuple(as_buffer(r) for r in result)
        fresh = tuple(b for b in buffers if not _is_view_of(b, inputs))
        if fresh:
            if len(fresh) != len(buffers):
                rec.refuse(f"{what} answered views and new arrays together")
            rec.add(_copy_kernel(function, args, keywords, buffers), inputs, outputs=buffers)
        return tuple(_new_traced(b) for b in buffers)
    if type(result) is _ndarray or isinstance(result, numpy.generic):
        buffer = as_buffer(result)
        if not _is_view_of(buffer, inputs):
            rec.add(_copy_kernel(function, args, keywords, (buffer,)), inputs, outputs=(buffer,))
        return _new_traced(buffer)
    if isinstance(result, (bool, int, float, complex)):
        rec.refuse(f"{what} answered a Python number that depends on the values")
        return result
    rec.refuse(f"{what} answered a {type(result).__name__}, which a replay cannot reproduce")
    return result


def _value_read(convert, what):
    """A conversion of the array's value into Python (bool(), float(), an index ...): the answer
    Python goes on with, which a replay checks is still the same (Recorder.check)."""
    def read(self):
        answer = convert(self._a)
        if recorder is not None:
            recorder.check(self._a, convert, answer, what)
        return answer
    return read


class Traced:
    """A NumPy array seen through the recorder (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100
    __hash__ = None

    # -- the NumPy protocols: every ufunc and array function on a Traced comes here -------------
    def __array_ufunc__(self, ufunc, method, *inputs, **keywords):
        for value in inputs:
            if not isinstance(value, (Traced, _ndarray, numpy.generic, int, float, complex, bool, tuple, list,
                                      slice, type(None))):
                return NotImplemented  # e.g. an ember Tensor: let its reflected operator answer
        raw_inputs = tuple(unwrap(value) for value in inputs)
        out = keywords.get("out")
        if out is not None:
            given = out if type(out) is tuple else (out,)
            if not all(type(o) is Traced for o in given):
                _refuse("a kernel writes into an array made outside the trace")
            keywords = dict(keywords, out=tuple(unwrap(o) for o in given) if type(out) is tuple else unwrap(out))
        elif "out" in keywords:
            keywords = dict(keywords)
            del keywords["out"]
        raw_keywords = {key: unwrap(value) for key, value in keywords.items()}
        function = ufunc if method == "__call__" else getattr(ufunc, method)
        result = function(*raw_inputs, **raw_keywords)
        rec = recorder
        if method == "at":
            if type(inputs[0]) is not Traced:
                _refuse("ufunc.at writes into an array made outside the trace")
            if rec is not None:
                rec.add(functools.partial(function, *raw_inputs, **raw_keywords), raw_inputs, (raw_inputs[0],))
            return None
        if out is not None:
            if rec is not None:
                targets = _flat_arrays(raw_keywords["out"], [])
                rec.add(functools.partial(function, *raw_inputs, **raw_keywords), raw_inputs, targets)
            return out[0] if type(out) is tuple and len(out) == 1 else out
        if rec is None:
            return result
        many = type(result) is tuple
        buffers = tuple(as_buffer(r) for r in result) if many else (as_buffer(result),)
        if method in ("reduce", "accumulate", "reduceat"):
            if many:
                _refuse(f"{ufunc.__name__}.{method} with several outputs")
            raw_keywords["out"] = buffers[0]
        else:
            raw_keywords["out"] = buffers
        rec.add(functools.partial(function, *raw_inputs, **raw_keywords), raw_inputs, outputs=buffers)
        return tuple(_new_traced(b) for b in buffers) if many else _new_traced(buffers[0])

    def __array_function__(self, function, types, args, keywords):
        for kind in types:
            if kind is not Traced and not issubclass(kind, _ndarray):
                return NotImplemented
        name = function.__name__
        raw_args, raw_keywords = unwrap(args), {key: unwrap(value) for key, value in keywords.items()}
        if name in _STATIC_FUNCTIONS:
            return function(*raw_args, **raw_keywords)
        if name in _VALUE_SHAPED:
            _refuse(f"numpy.{name} answers with a shape or value that depends on the values")
            return wrap(function(*raw_args, **raw_keywords))
        if name in _WRITING_FUNCTIONS and type(args[0]) is not Traced:
            _refuse(f"numpy.{name} writes into an array made outside the trace")
        out = keywords.get("out")
        if out is not None and type(out) is not Traced:
            _refuse(f"numpy.{name} writes into an array made outside the trace")
        result = function(*raw_args, **raw_keywords)
        rec = recorder
        if rec is None:
            return result
        if name in _WRITING_FUNCTIONS or out is not None:
            written = [raw_args[0]] if name in _WRITING_FUNCTIONS else [raw_keywords["out"]]
            inputs = _flat_arrays(raw_args, _flat_arrays(raw_keywords, []))
            rec.add(functools.partial(function, *raw_args, **raw_keywords), inputs, written)
            return out if out is not None else result
        return _record_result(function, raw_args, raw_keywords, result, f"numpy.{name}")

    # -- attributes and methods: NumPy's, recorded ------------------------------------------
    def __getattr__(self, name):
        if name.startswith("__") or name in ("ctypes", "data", "flat", "__array_interface__"):
            if name in ("ctypes", "data", "flat"):
                _refuse(f"array.{name} reads the memory directly")
                return getattr(self._a, name)
            raise AttributeError(name)
        raw = self._a
        if name in _PLAIN_ATTRIBUTES:
            return getattr(raw, name)
        if name in _ARRAY_ATTRIBUTES:
            value = getattr(raw, name)
            return _new_traced(value) if type(value) is _ndarray else value
        method = getattr(raw, name)
        if not callable(method):
            return method
        if name in _VALUE_METHODS:
            def value_method(*args, **keywords):
                args, keywords = unwrap(args), {k: unwrap(v) for k, v in keywords.items()}
                answer = method(*args, **keywords)
                if recorder is not None:
                    if name in ("item", "tolist") and not args and not keywords:
                        recorder.check(raw, _CONVERT[name], answer, f"array.{name}() read a value into Python")
                    else:
                        recorder.refuse(f"array.{name}() reads the values into Python")
                return answer
            return value_method

        def recorded_method(*args, **keywords):
            raw_args, raw_keywords = unwrap(args), {k: unwrap(v) for k, v in keywords.items()}
            result = method(*raw_args, **raw_keywords)
            rec = recorder
            if rec is None:
                return result
            if result is None:  # an in-place method (fill, sort, put, ...): replay the call itself
                inputs = _flat_arrays(raw_args, _flat_arrays(raw_keywords, [raw]))
                rec.add(functools.partial(getattr(raw, name), *raw_args, **raw_keywords), inputs, (raw,))
                return None
            if result is raw:
                return self
            if type(result) is _ndarray and (name == "copy" and not raw_args and not raw_keywords
                                             or name == "astype" and len(raw_args) == 1 and not raw_keywords):
                # the same cast or copy, into the trace-time buffer (NumPy's astype is copyto's cast)
                rec.add(functools.partial(_copyto, result, raw, casting="unsafe"), (raw,), outputs=(result,))
                return _new_traced(result)
            return _record_result(getattr(raw, name), raw_args, raw_keywords, result, f"array.{name}()", raw)
        return recorded_method

    # -- indexing -----------------------------------------------------------------------------
    def __getitem__(self, index):
        if _bool_index(index):
            _refuse("indexing with a boolean mask: the answer's shape depends on the values")
        raw_index = unwrap(index)
        result = self._a[raw_index]
        if recorder is None:
            return result
        if type(raw_index) is tuple and not raw_index and self._a.ndim == 0:  # x[()]: the value as a 0-d copy
            buffer = numpy.asarray(result)
            recorder.add(functools.partial(_copyto, buffer, self._a), (self._a,), outputs=(buffer,))
            return _new_traced(buffer)
        return _record_result(self._a.__getitem__, (raw_index,), {}, result, "indexing", self._a)

    def __setitem__(self, index, value):
        if _bool_index(index) and (type(value) is Traced or type(value) is _ndarray) and value.ndim:
            _refuse("assignment through a boolean mask with an array of values")
        raw_index, raw_value = unwrap(index), unwrap(value)
        self._a[raw_index] = raw_value
        if recorder is not None:
            inputs = _flat_arrays((raw_index, raw_value), [])
            recorder.add(functools.partial(self._a.__setitem__, raw_index, raw_value), inputs, (self._a,))

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    # -- what a replay cannot reproduce: values read into Python ---------------------------------
    def __array__(self, dtype=None, copy=None):
        _refuse("converted to a plain NumPy array (numpy.asarray, or mixed into a NumPy array)")
        return self._a if dtype is None else self._a.astype(dtype)

    __bool__ = _value_read(bool, "bool() of an array: a Python branch on the values")
    __float__ = _value_read(float, "float() of an array: the value read into Python")
    __int__ = _value_read(int, "int() of an array: the value read into Python")
    __complex__ = _value_read(complex, "complex() of an array: the value read into Python")
    __index__ = _value_read(_ndarray.__index__, "an array used as a Python index or size")

    def __repr__(self):
        _refuse("an array printed inside the compiled function")
        return repr(self._a)

    def __str__(self):
        _refuse("an array printed inside the compiled function")
        return str(self._a)

    def __format__(self, spec):
        _refuse("an array formatted inside the compiled function")
        return format(self._a, spec)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        _refuse("an array pickled inside the compiled function")
        return numpy.asarray, (self._a,)


_CONVERT = {"item": _ndarray.item, "tolist": _ndarray.tolist, "__index__": _ndarray.__index__}


def _refuse(reason):
    if recorder is not None:
        recorder.refuse(reason)


def _bool_index(index):
    items = index if type(index) is tuple else (index,)
    return any(type(item) is Traced and item._a.dtype == bool for item in items)


install_operators(Traced)


class RecordingGenerator:
    """The NumPy generator behind an ember Generator, seen through the recorder: each draw is a
    kernel that draws again from the same ember Generator's current NumPy generator, so a replay
    advances the generator exactly as the eager call would (dropout gets fresh masks)."""

    __slots__ = ("_generator",)

    def __init__(self, generator):
        self._generator = generator

    def __getattr__(self, name):
        generator = self._generator

        def draw(*args, **keywords):
            raw_args, raw_keywords = unwrap(args), {k: unwrap(v) for k, v in keywords.items()}
            result = getattr(generator._rng, name)(*raw_args, **raw_keywords)
            if recorder is None:
                return result
            if type(result) is not _ndarray:
                recorder.refuse(f"a random draw ({name}) answered a Python number")
                return result

            def again(*args, **keywords):  # the generator is looked up at replay: manual_seed replaces it
                return getattr(generator._rng, name)(*args, **keywords)
            recorder.draws_from(generator)
            recorder.add(_copy_kernel(again, raw_args, raw_keywords, (result,)),
                         _flat_arrays(raw_args, _flat_arrays(raw_keywords, [])), outputs=(result,))
            return _new_traced(result)
        return draw
