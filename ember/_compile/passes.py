"""What a trace's kernel list loses before it is replayed, in order (function.py's _optimise):

- identities: ``a * 1``, ``a / 1``, ``a ** 1`` become copies;
- fuse_stores: ``tmp = f(...); x[...] = tmp`` (an in-place op) becomes ``f(..., out=x)``;
- forward_copies: copies that nothing needs (below);
- share_buffers: dead intermediates hand their memory to later ones of the same layout;
- tighten: ufunc calls in their cheapest form (positional ``out``, scalars of the right dtype).

Eager ops copy more than a replay must: a 0-d operand is read out as a scalar (``x[()]``, a copy
under the recorder), ``astype`` and ``copy`` snapshot an array that nobody changes afterwards.
A copy ``copyto(dst, src)`` is *forwarded* (dropped, and later kernels read ``src`` instead of
``dst``) when that cannot change a value a replay computes:

- ``dst`` is an array the trace made (not state, not an argument), the copy is the first kernel
  that touches it and the only one that writes it, and no view of it and no opaque kernel (a
  closure: value checks, random draws) reaches it;
- ``src`` has the same dtype, shape and strides (so kernels read the same bytes in the same
  layout: a strided matmul or sum could round differently), and nothing writes ``src``'s memory
  between the copy and the last read of ``dst`` (to the end of the call when ``dst`` is an answer
  or a ``.grad`` the replay rebinds, and then ``src`` must be an array the trace made as well).

`ENABLED` is the test switch: tests/test_compile.py replays with and without the passes (and the
generated replay, replay.py) and the answers are identical to eager ember either way.
"""
import functools

import numpy

from .traced import root

ENABLED = True
_copyto = numpy.copyto


def _is_copy(kernel):
    return (type(kernel) is functools.partial and kernel.func is _copyto and len(kernel.args) == 2
            and set(kernel.keywords) <= {"casting"})


def _mentions(value, array):
    if value is array:
        return True
    return (type(value) is tuple or type(value) is list) and any(_mentions(item, array) for item in value)


def _swap(value, old, new):
    if value is old:
        return new
    kind = type(value)
    if kind is tuple or kind is list:
        return kind(_swap(item, old, new) for item in value)
    return value


def _is_one(value, dtype):
    return (type(value) in (int, float) or (isinstance(value, numpy.generic) and value.dtype == dtype)) \
        and value == 1


def identities(kernels, uses):
    """`a * 1`, `1 * a`, `a / 1` and `a ** 1` into an array of a's dtype and shape are copies of a,
    bit for bit (IEEE multiplication, division and pow by one are exact): recorded as copies, which
    forward_copies then usually drops. (`a + 0` is not one: -0.0 + 0 is +0.0.)"""
    if not ENABLED:
        return list(kernels), list(uses)
    kernels, uses = list(kernels), list(uses)
    for index, kernel in enumerate(kernels):
        if not (type(kernel) is functools.partial and kernel.func in (numpy.multiply, numpy.true_divide, numpy.power)
                and list(kernel.keywords) == ["out"] and type(kernel.keywords["out"]) is tuple
                and len(kernel.keywords["out"]) == 1 and len(kernel.args) == 2):
            continue
        (out,), (array, number) = kernel.keywords["out"], kernel.args
        if kernel.func is numpy.multiply and type(array) is not numpy.ndarray:
            array, number = number, array
        if (type(array) is numpy.ndarray and array.dtype == out.dtype and array.dtype.kind == "f"
                and array.shape == out.shape and _is_one(number, out.dtype)):
            kernels[index] = functools.partial(_copyto, out, array)
    return kernels, uses


def _store(kernel):
    """(target, value) of a kernel that copies `value` over all of `target`, or None."""
    if type(kernel) is not functools.partial or kernel.keywords and list(kernel.keywords) != ["casting"]:
        return None
    func, args = kernel.func, kernel.args
    if func is _copyto and len(args) == 2:
        return args
    owner = getattr(func, "__self__", None)
    if (type(owner) is numpy.ndarray and getattr(func, "__name__", "") == "__setitem__" and len(args) == 2
            and not kernel.keywords and (args[0] is Ellipsis or args[0] == ())):
        return owner, args[1]
    return None


def fuse_stores(kernels, uses, protected, escaping):
    """A ufunc computed into a new array that the next kernel copies over a whole array (an in-place
    op: ``x.sub_(y)`` is ``tmp = x - y; x[...] = tmp``) computes into that array directly, when the
    new array has the target's dtype and shape and nothing else uses it."""
    if not ENABLED:
        return list(kernels), list(uses)
    kernels, uses = list(kernels), list(uses)
    count = {}
    for reads, writes in uses:
        for array in (*reads, *writes):
            key = id(root(array))
            count[key] = count.get(key, 0) + (1 if root(array) is array else 1000)
    for index in range(len(kernels) - 1):
        kernel, store = kernels[index], _store(kernels[index + 1])
        if (store is None or type(kernel) is not functools.partial or not isinstance(kernel.func, numpy.ufunc)
                or list(kernel.keywords) != ["out"] or type(kernel.keywords["out"]) is not tuple
                or len(kernel.keywords["out"]) != 1):
            continue
        (tmp,), (target, value) = kernel.keywords["out"], store
        if (value is not tmp or type(target) is not numpy.ndarray or tmp.base is not None or id(tmp) in protected
                or id(tmp) in escaping or count.get(id(tmp)) != 2 or target.shape != tmp.shape
                or target.dtype != tmp.dtype):
            continue
        kernels[index] = functools.partial(kernel.func, *kernel.args, out=(target,))
        uses[index] = (uses[index][0], [target])
        kernels[index + 1] = uses[index + 1] = None
    return [k for k in kernels if k is not None], [u for u in uses if u is not None]


def _elementwise_into(kernel, use, array):
    """Whether `kernel` is a ufunc call whose only write is into `array` itself: reading `array` there
    instead of a copy of it is NumPy's in-place form (``a += b``), element by element."""
    return (type(kernel) is functools.partial and isinstance(kernel.func, numpy.ufunc)
            and list(kernel.keywords) == ["out"] and len(use[1]) == 1 and use[1][0] is array)


def forward_copies(kernels, uses, protected, escaping):
    """(kernels, {id(dst): src}) with forwardable copies dropped (see the module docstring).

    `uses`: (arrays read, arrays written) of each kernel; `protected`: ids of the root arrays
    that are state or arguments; `escaping`: ids of arrays the replay hands out after the kernels.
    """
    if not ENABLED:
        return list(kernels), list(uses), {}
    kernels, uses = list(kernels), list(uses)
    first, last_read, writers, viewed, opaque = {}, {}, {}, set(), set()
    for index, (kernel, (reads, writes)) in enumerate(zip(kernels, uses)):
        plain = type(kernel) is functools.partial
        owner = getattr(kernel.func, "__self__", None) if plain else None
        if type(owner) is numpy.ndarray:
            opaque.add(id(root(owner)))  # a bound method of the array: its self is not an argument
        for array, is_write in [(a, False) for a in reads] + [(a, True) for a in writes]:
            key = id(root(array))
            first.setdefault(key, index)
            if is_write:
                writers.setdefault(key, []).append(index)
            else:
                last_read[key] = index
            if root(array) is not array:
                viewed.add(key)
            if not plain:
                opaque.add(key)
    forwarded = {}
    for index, kernel in enumerate(kernels):
        if not _is_copy(kernel):
            continue
        dst, src = kernel.args
        key = id(dst)
        if (dst.base is not None or key in protected or key in viewed or key in opaque or first.get(key) != index
                or writers.get(key) != [index] or src.dtype != dst.dtype or src.shape != dst.shape
                or src.strides != dst.strides):
            continue
        source = id(root(src))
        if key in escaping:
            if source in protected or source in opaque or source in viewed:
                continue
            end = len(kernels)
        else:
            end = last_read.get(key, index)
        if any(index < w < end or w == end and not _elementwise_into(kernels[end], uses[end], src)
               for w in writers.get(source, ())):
            continue
        kernels[index] = None
        forwarded[key] = src
        for later in range(index + 1, min(end + 1, len(kernels))):
            k = kernels[later]
            if k is None or type(k) is not functools.partial:
                continue
            if _mentions(k.args, dst) or _mentions(tuple(k.keywords.values()), dst):
                keywords = {name: _swap(value, dst, src) for name, value in k.keywords.items()}
                kernels[later] = functools.partial(k.func, *_swap(k.args, dst, src), **keywords)
                uses[later] = (_swap(uses[later][0], dst, src), uses[later][1])
        # what reads src now reads it until dst's last read: src's own last read moves there
        last_read[source] = max(last_read.get(source, -1), end)
    kept = [index for index, kernel in enumerate(kernels) if kernel is not None]
    return [kernels[i] for i in kept], [uses[i] for i in kept], forwarded


def _full_write(kernel):
    """Whether a kernel overwrites all of each array it writes: a ufunc (or its reduce/accumulate)
    into `out=`, or a plain copy; not ``ufunc.at``, ``where=``, item assignment or fill."""
    if type(kernel) is not functools.partial or "where" in kernel.keywords:
        return False
    func = kernel.func
    if isinstance(func, numpy.ufunc):
        return "out" in kernel.keywords
    if isinstance(getattr(func, "__self__", None), numpy.ufunc):
        return func.__name__ in ("reduce", "accumulate") and "out" in kernel.keywords
    return _is_copy(kernel)


def _reads_in_place(kernel, use, buffer, out):
    """Whether `kernel`, an element-wise ufunc writing `out`, only reads `buffer` (same shape, dtype
    and strides as `out`): then it may write `out` into `buffer`, NumPy's in-place form."""
    reads, writes = use
    return (type(kernel) is functools.partial and isinstance(kernel.func, numpy.ufunc) and kernel.func.nout == 1
            and list(kernel.keywords) == ["out"] and len(writes) == 1 and writes[0] is out
            and any(r is buffer for r in reads))


def share_buffers(kernels, uses, protected, escaping):
    """Arrays the trace made whose lifetimes do not overlap share one buffer (the first one of their
    shape, dtype and strides that is free again): eager NumPy allocates a new array for each value,
    and its allocator hands the warm memory of a dead one to the next, which a replay writing into
    its forty trace-time arrays in turn never gets. Each array moved here is written in full by the
    kernel that first touches it, and read only by kernels after the last use of the buffer it takes.
    """
    if not ENABLED:
        return list(kernels), 0
    kernels = list(kernels)
    first, last, viewed, opaque, arrays = {}, {}, set(), set(), {}
    for index, (kernel, (reads, writes)) in enumerate(zip(kernels, uses)):
        plain = type(kernel) is functools.partial
        owner = getattr(kernel.func, "__self__", None) if plain else None
        if type(owner) is numpy.ndarray:
            opaque.add(id(root(owner)))
        for array in (*reads, *writes):
            key = id(root(array))
            if key not in first:
                first[key] = index
                if not (plain and _full_write(kernel) and any(w is array for w in writes)
                        and not any(r is array for r in reads)):
                    opaque.add(key)  # its first use reads it, or writes only part of it
            last[key] = index
            if root(array) is not array:
                viewed.add(key)
            else:
                arrays[key] = array
            if not plain:
                opaque.add(key)
    free = {}      # (shape, dtype, strides) -> [buffer, index of its last use]
    moved = {}     # id(array) -> the buffer it shares
    for key in sorted(first, key=first.get):
        array = arrays.get(key)
        if (array is None or key in protected or key in escaping or key in viewed or key in opaque
                or array.base is not None):
            continue
        shape = (array.shape, array.dtype, array.strides)
        pool = free.setdefault(shape, [])
        at = first[key]
        taken = next((slot for slot in pool if slot[1] < at or slot[1] == at
                      and _reads_in_place(kernels[at], uses[at], slot[0], array)), None)
        if taken is None:
            pool.append([array, last[key]])
        else:
            moved[key] = taken[0]
            taken[1] = last[key]
    if moved:
        for index, kernel in enumerate(kernels):
            if type(kernel) is functools.partial:
                args, keywords = kernel.args, kernel.keywords
                for key, buffer in moved.items():
                    old = arrays[key]
                    if _mentions(args, old) or _mentions(tuple(keywords.values()), old):
                        args = _swap(args, old, buffer)
                        keywords = {name: _swap(value, old, buffer) for name, value in keywords.items()}
                if args is not kernel.args or keywords is not kernel.keywords:
                    kernels[index] = functools.partial(kernel.func, *args, **keywords)
    return kernels, len(moved)


# ufuncs whose float loops take a Python number as the array's dtype (NEP 50's weak scalars): for
# them `ufunc(array, 0.1)` and `ufunc(array, float32(0.1))` pick the same loop and the same bits
_WEAK_SCALAR_UFUNCS = frozenset({numpy.add, numpy.subtract, numpy.multiply, numpy.true_divide, numpy.power,
                                 numpy.maximum, numpy.minimum})

_KEYWORD_OUT = frozenset({numpy.maximum, numpy.minimum})  # NumPy deprecates their positional out


def tighten(kernels):
    """Cheaper calls, same computation: a ufunc's `out=` passed by position (a partial with no
    keywords calls straight through), and in a float ufunc from `_WEAK_SCALAR_UFUNCS` whose arrays
    all have the answer's dtype, a Python number as that dtype's scalar (converted once here, not
    at every replay)."""
    if not ENABLED:
        return list(kernels)
    tightened = []
    for kernel in kernels:
        if (type(kernel) is functools.partial and isinstance(kernel.func, numpy.ufunc)
                and list(kernel.keywords) == ["out"] and type(kernel.keywords["out"]) is tuple
                and len(kernel.args) == kernel.func.nin):
            outs, args = kernel.keywords["out"], kernel.args
            if kernel.func in _WEAK_SCALAR_UFUNCS and len(outs) == 1:
                dtype = outs[0].dtype
                arrays = [a for a in args if type(a) is numpy.ndarray]
                if dtype.kind == "f" and arrays and all(a.dtype == dtype for a in arrays):
                    args = tuple(_as_scalar(a, dtype) for a in args)
            if kernel.func in _KEYWORD_OUT:
                kernel = functools.partial(kernel.func, *args, out=outs)
            else:
                kernel = functools.partial(kernel.func, *args, *outs)
        tightened.append(kernel)
    return tightened


def _as_scalar(value, dtype):
    if type(value) is not float and type(value) is not int:
        return value
    with numpy.errstate(all="ignore"):
        scalar = dtype.type(value)
    return scalar if numpy.isfinite(scalar) else value
