"""ember.compile's compiled function: trace a call as it runs, replay it on later calls.

A call first looks for a trace whose guard holds (the arguments' shapes, dtypes and
requires_grad, grad mode, and every entry of the state walk: see state.py). Found and
replayable: the replay copies the arguments into the trace's input arrays, restores the state
slots the trace started from, runs the kernels, rebinds the ``.grad`` and array slots the call
rebinds, and answers fresh tensors holding copies of the outputs. Not found: the call is traced,
which *is* the eager call (every op computes as usual, on recording arrays), so its answer is
always eager's. A trace that cannot be replayed (see traced.py's refusals, and the state checks
below) keeps its guard and the reason; calls that match it run eagerly.
"""
import gc
import itertools

import numpy

from .. import _autocast, _backend, _random
from .._dtype import get_default_dtype
from .._grad_state import state as grad_state
from .._ops import _unrolled
from .._tensor import Tensor, make_tensor
from . import passes as _passes
from . import state as _state
from . import traced as _traced
from .replay import make_replay
from .traced import Diverged, Recorder, RecordingGenerator, Traced, root

# The two declared seams that let ember's ops take a Traced where they take a NumPy array: the
# backend's array checks (is_array, as_array, is_host_array), and the raw values that op rows
# accept when a backward formula calls them on arrays (_unrolled.RAW). Both are set once, here.
_backend.traced_ndarray = Traced
_unrolled.RAW = (*_unrolled.RAW, Traced)
_copyto = numpy.copyto
_ndarray = numpy.ndarray
DIVERGED = object()
_CONTAINERS = (tuple, list, dict)
CACHE_LIMIT = 8  # traces per compiled function, as torch's recompile limit


def flatten(value, leaves):
    """The tensors and other leaves of nested tuples, lists and dicts, and a rebuild template."""
    kind = type(value)
    if kind is tuple or kind is list:
        return kind, [flatten(item, leaves) for item in value]
    if kind is dict:
        return dict, [(key, flatten(item, leaves)) for key, item in value.items()]
    leaves.append(value)
    return None, len(leaves) - 1


def rebuild(template, leaves):
    kind, items = template
    if kind is None:
        return leaves[items]
    if kind is dict:
        return {key: rebuild(item, leaves) for key, item in items}
    return kind(rebuild(item, leaves) for item in items)


class Trace:
    """One guard and, when replayable, the kernels and the slot plan of its call."""

    def __init__(self):
        self.guard = None
        self.reasons = []        # why this trace is not replayed (empty: replayable)
        self.kernels = ()
        self.inputs = ()         # (leaf index, trace-time input array, written back?)
        self.copy_in = ()        # (tensor, attribute, start array): state restored before the kernels
        self.rebind = ()         # (tensor, "_data" or "_grad", value) set after the kernels
        self.outputs = None      # (template, [(kind, value)])
        self.replays = 0
        self.where = []          # where the user's code did what a replay cannot redo
        self.diverged = 0
        self.generators = ()     # ember Generators drawn from (restored if a replay falls back)
        self.undo = ()           # state arrays written before the last value check (restored likewise)
        self.copies_forwarded = 0  # copies passes.py dropped
        self.buffers_shared = 0    # trace-time arrays that passes.py moved into another's buffer

    @property
    def replayable(self):
        return not self.reasons

    def before_kernels(self):
        """What a fall back to eager restores: it must draw the same random numbers again and start
        from the same state."""
        rng_states = [g._rng.bit_generator.state for g in self.generators] if self.generators else ()
        return rng_states, [array.copy() for array in self.undo] if self.undo else ()

    def fall_back(self, saved):
        """A value the trace branched on differs: nothing lasting changed yet, once this is undone."""
        rng_states, copies = saved
        for generator, rng_state in zip(self.generators, rng_states):
            generator._rng.bit_generator.state = rng_state
        for array, copy in zip(self.undo, copies):
            _copyto(array, copy)
        self.diverged += 1

    def replay(self, leaves):
        for index, array, _ in self.inputs:
            _copyto(array, leaves[index]._data)
        for tensor, start in self.copy_in:
            grad = tensor._grad
            if grad._data is not start:
                _copyto(start, grad._data)
        saved = self.before_kernels()
        try:
            for kernel in self.kernels:
                kernel()
        except Diverged:
            self.fall_back(saved)
            return DIVERGED
        for tensor, name, value in self.rebind:
            setattr(tensor, name, value)
        for index, array, written in self.inputs:
            if written:
                _copyto(leaves[index]._data, array)
        self.replays += 1
        template, plan = self.outputs
        answers = []
        for kind, value in plan:
            if kind == "array":
                answers.append(make_tensor(value.copy()))
            elif kind == "leaf":
                answers.append(leaves[value])
            else:
                answers.append(value)
        return rebuild(template, answers)


class CompiledFunction:
    """What ``ember.compile(fn)`` answers for a function (see the module docstring)."""

    def __init__(self, fn, options):
        self._fn = fn
        self._options = options
        self._traces = []
        self._last = None
        self.__wrapped__ = fn
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        if _traced.recorder is not None:  # inside another trace: that trace records this call
            return self._fn(*args, **kwargs)
        leaves = args  # what flatten answers for flat positional arguments, without its work
        if kwargs or [arg for arg in args if type(arg) in _CONTAINERS]:
            leaves = []
            flatten((args, kwargs), leaves)
        last = self._last  # the trace that matched last is tried first
        for trace in (last, *self._traces) if last is not None else self._traces:
            if trace.guard(leaves):
                self._last = trace
                if trace.reasons:
                    return self._fn(*args, **kwargs)
                answer = trace.replay(leaves)
                if answer is not DIVERGED:
                    return answer
                if trace.diverged >= 3 and trace.diverged > trace.replays:
                    trace.reasons.append("a value that the traced call read into Python (.item(), float(), "
                                         "bool(), a branch) changes from call to call")
                return self._fn(*args, **kwargs)
        if len(self._traces) >= CACHE_LIMIT:
            return self._fn(*args, **kwargs)
        return self._trace(args, kwargs, leaves)

    def __get__(self, instance, owner=None):  # @ember.compile on a method
        if instance is None:
            return self
        import functools
        return functools.partial(self, instance)

    # -- tracing --------------------------------------------------------------------------------
    def _trace(self, args, kwargs, leaves):
        trace = Trace()
        roots = _state.roots_of(self._fn, args, kwargs)
        for leaf in leaves:
            if not isinstance(leaf, Tensor) and not _state._is_scalar(leaf):
                roots.append(((leaf,), 0, leaf))
        before = _state.Walk(roots)
        trace.guard = self._guard(leaves, before)
        arg_ids = {id(leaf) for leaf in leaves if isinstance(leaf, Tensor)}
        state = [t for key, t in before.tensors.items() if key not in arg_ids]
        problems = [f"{type(m).__name__} has hooks, which run Python at each call" for m in before.modules
                    if m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks]
        problems += ["a tensor has hooks (register_hook or retain_grad), which run Python during backward"
                     for t in state if t.__dict__.get("_hooks") is not None][:1]

        if any(not isinstance(t._data, _ndarray) for t in state) or any(
                isinstance(leaf, Tensor) and not isinstance(leaf._data, _ndarray) for leaf in leaves):
            problems.append("only CPU tensors are compiled (a tensor lives on a GPU)")
        recorder = Recorder()
        wrapped = _wrap_all_tensors(recorder.persistent)
        start = {id(t): (t._data, t._grad) for t in state}
        everything = {id(t): (t, t._data, t._grad) for t in wrapped}
        originals = {}
        for index, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor) and type(leaf._data) is Traced:
                originals[index] = leaf._data._a
                leaf._data = _traced._new_traced(leaf._data._a.copy())
        inputs = {index: leaves[index]._data for index in originals}
        original_backward = Tensor.backward

        def backward(*a, **k):
            recorder.backward_ran = True
            return original_backward(*a, **k)
        Tensor.backward = backward
        _random.recording = RecordingGenerator
        _traced.recorder = recorder
        try:
            result = self._fn(*args, **kwargs)
        finally:
            _traced.recorder = None
            _random.recording = None
            Tensor.backward = original_backward
            end = {id(t): (t._data, t._grad) for t in state}
            arg_end = {index: leaves[index]._data for index in originals}
            _unwrap_all_tensors(wrapped)
            for index, original in reversed(originals.items()):  # the caller's arrays back, with in-place changes
                tensor, now = leaves[index], arg_end[index]
                raw = now._a if type(now) is Traced else now
                if raw is not inputs[index]._a and type(now) is Traced:
                    problems.append("an argument's array is rebound inside the compiled function")
                if id(root(inputs[index]._a)) in recorder.written:
                    _copyto(original, inputs[index]._a)
                tensor._data = original
        unguarded = [t for key, (t, data, grad) in everything.items()
                     if key not in start and key not in arg_ids
                     and (t._data is not getattr(data, "_a", data) or t._grad is not grad)]
        if unguarded:
            problems.append("the call changes a tensor that it reaches through an object ember.compile does not "
                            "follow (it follows closures, globals, modules, optimizers, lists and dicts)")
        problems += [reason for reason, where in recorder.refusals]
        if recorder.checks:  # the state a replay changes before its last check, kept to undo on a fall back
            undo = {}
            for index, array in recorder.state_writes:
                if index < recorder.checks[-1]:
                    undo[id(array)] = array
            trace.undo = tuple(undo.values())
        trace.where = [where for reason, where in recorder.refusals]

        after = _state.Walk(roots)
        changed = _state.same_entries(before.entries, after.entries)
        if changed is not None:
            problems.append(f"the call changes Python state that a replay cannot redo ({changed}; e.g. an "
                            "optimizer's state made on its first step): the next call is traced again")
        trace.outputs = self._plan_outputs(result, leaves, set(before.tensors), recorder, problems)
        if not problems:
            self._plan_slots(trace, state, start, end, recorder, problems)
        trace.inputs = tuple((index, inputs[index]._a, id(root(inputs[index]._a)) in recorder.written)
                             for index in originals)
        tensor_leaves = [leaf for leaf in leaves if isinstance(leaf, Tensor)]
        if len({id(leaf) for leaf in tensor_leaves}) != len(tensor_leaves) or len(
                {id(root(array)) for array in originals.values()}) != len(originals):
            problems.append("two arguments are the same tensor or share memory")
        trace.kernels = tuple(recorder.kernels)
        if not problems:
            self._optimise(trace, recorder)
        trace.generators = tuple(recorder.generators) if recorder.checks else ()
        trace.reasons = problems
        if not problems and _passes.ENABLED:
            trace.replay = make_replay(trace, DIVERGED)  # the same steps as Trace.replay, written out
        self._traces.append(trace)  # only now: a call that raised leaves no trace behind
        if problems and self._options.get("fullgraph"):
            import warnings
            warnings.warn(f"ember.compile(fullgraph=True): this call runs eagerly: {problems[0]}", stacklevel=3)
        return result

    def _guard(self, leaves, walk):
        constants = {"MISSING": _state.MISSING, "grad_state": grad_state, "get_default_dtype": get_default_dtype,
                     "Tensor": Tensor, "autocast": _autocast}
        checks = [f"len(leaves) == {len(leaves)}",
                  f"grad_state.enabled is {grad_state.enabled}", f"grad_state.inference is {grad_state.inference}",
                  f"get_default_dtype() is {_state._constant(constants, get_default_dtype())}",
                  f"autocast.enabled[0] is {_autocast.enabled[0]}",
                  f"autocast.dtype[0] is {_state._constant(constants, _autocast.dtype[0])}"]
        for index, leaf in enumerate(leaves):
            item = f"leaves[{index}]"
            if isinstance(leaf, Tensor):
                data = leaf._data
                checks += [f"type({item}) is {_state._constant(constants, type(leaf))}",
                           f"type({item}._data) is {_state._constant(constants, type(data))}",
                           f"{item}._data.shape == {tuple(data.shape)!r}",
                           f"{item}._data.dtype == {_state._constant(constants, data.dtype)}",
                           f"{item}._requires_grad is {leaf._requires_grad}",
                           f"{item}._grad is None" if leaf._grad is None else f"{item}._grad is not None"]
            elif _state._is_scalar(leaf):
                checks.append(f"type({item}) is {_state._constant(constants, type(leaf))} and "
                              f"{item} == {_state._constant(constants, leaf)}")
            else:
                checks.append(f"{item} is {_state._constant(constants, leaf)}")
        tensor_indices = [i for i, leaf in enumerate(leaves) if isinstance(leaf, Tensor)]
        if len(tensor_indices) <= 6:  # the trace copied each argument into its own array: none may alias
            checks += [f"leaves[{i}] is not leaves[{j}]" for n, i in enumerate(tensor_indices)
                       for j in tensor_indices[n + 1:]]
        checks += _state.guard_source(walk.entries, constants)
        for tensor in walk.tensors.values():
            t = _state._constant(constants, tensor)
            data = tensor._data
            checks.append(f"{t}._data is {_state._constant(constants, data)}")
            grad = tensor._grad
            if grad is None:
                checks.append(f"{t}._grad is None")
            else:
                grad_type = _state._constant(constants, type(grad._data))
                checks += [f"{t}._grad is not None", f"type({t}._grad._data) is {grad_type}",
                           f"{t}._grad._data.shape == {tuple(grad._data.shape)!r}",
                           f"{t}._grad._data.dtype == {_state._constant(constants, grad._data.dtype)}"]
        source = ("def guard(leaves):\n    try:\n        return (" + "\n                and ".join(checks)
                  + ")\n    except (KeyError, IndexError, AttributeError):\n        return False\n")
        exec(compile(source, "<ember.compile guard>", "exec"), constants)  # noqa: S102
        guard = constants["guard"]
        guard.source = source
        return guard

    def _plan_outputs(self, result, leaves, state_ids, recorder, problems):
        out_leaves = []
        template = flatten(result, out_leaves)
        plan = []
        leaf_index = {id(leaf): i for i, leaf in enumerate(leaves)}
        for value in out_leaves:
            if isinstance(value, Tensor):
                if id(value) in leaf_index:
                    plan.append(("leaf", leaf_index[id(value)]))
                elif id(value) in state_ids:
                    plan.append(("same", value))
                else:
                    if value._requires_grad and value.grad_fn is not None and not recorder.backward_ran:
                        problems.append("an output requires grad: backward happens outside the compiled function, "
                                        "which ember does not replay (compile the whole training step)")
                    if value._requires_grad and value.grad_fn is None:
                        problems.append("an output is a new leaf that requires grad")
                    data = value._data
                    plan.append(("array", data))
                    value._data = data.copy()  # the caller's tensor must not be the replay's buffer
            elif _state._is_scalar(value) or value is None:
                plan.append(("same", value))
            else:
                problems.append(f"the function answers a {type(value).__name__}, which ember does not replay")
                plan.append(("same", value))
        return template, plan

    def _plan_slots(self, trace, state, start, end, recorder, problems):
        copy_in, rebind = [], []
        for tensor in state:
            data0, grad0 = start[id(tensor)]
            data1, grad1 = end[id(tensor)]
            if data1 is not data0:
                problems.append("a tensor's array is rebound inside the function (e.g. p.data = ...)")
                return
            if grad0 is not None and id(root(grad0._data)) in recorder.read:
                copy_in.append((tensor, grad0._data))  # its values are read: restore them first
            if grad1 is not grad0 or grad1 is not None:
                rebind.append((tensor, "_grad", grad1))
                if grad1 is not None:
                    rebind.append((grad1, "_data", grad1._data))
        trace.copy_in, trace.rebind = tuple(copy_in), tuple(rebind)

    def _optimise(self, trace, recorder):
        """passes.py on the kernels; the answers and rebound arrays follow the forwarded copies."""
        protected = set(recorder.persistent) | {id(root(array)) for _, array, _ in trace.inputs}
        template, plan = trace.outputs
        escaping = {id(root(value)) for kind, value in plan if kind == "array"}
        escaping |= {id(root(value)) for _, name, value in trace.rebind if name == "_data"}
        kernels, uses = _passes.identities(recorder.kernels, recorder.uses)
        kernels, uses = _passes.fuse_stores(kernels, uses, protected, escaping)
        kernels, uses, forwarded = _passes.forward_copies(kernels, uses, protected, escaping)
        trace.copies_forwarded = len(forwarded)
        if forwarded:
            trace.outputs = template, [(kind, forwarded.get(id(value), value) if kind == "array" else value)
                                       for kind, value in trace.outputs[1]]
            trace.rebind = tuple((tensor, name, forwarded.get(id(value), value) if name == "_data" else value)
                                 for tensor, name, value in trace.rebind)
            escaping |= {id(root(src)) for src in forwarded.values()}
        kernels, trace.buffers_shared = _passes.share_buffers(kernels, uses, protected, escaping)
        trace.kernels = tuple(_passes.tighten(kernels))

    # -- reporting --------------------------------------------------------------------------------
    def explain(self):
        """A readable account of the traces and why any of them runs eagerly."""
        name = self.__name__
        if not self._traces:
            return f"ember.compile({name}): not called yet"
        lines = [f"ember.compile({name}): {len(self._traces)} trace(s)"]
        for number, trace in enumerate(self._traces):
            if trace.replayable:
                lines.append(f"  trace {number}: replayed {trace.replays} time(s), {len(trace.kernels)} kernels"
                             + (f" ({trace.copies_forwarded} copies forwarded, {trace.buffers_shared} buffers shared)"
                                if trace.copies_forwarded or trace.buffers_shared else "")
                             + (f"; {trace.diverged} call(s) ran eagerly because a value the trace branched on "
                                "differed" if trace.diverged else ""))
            else:
                lines.append(f"  trace {number}: runs eagerly: " + "; ".join(dict.fromkeys(trace.reasons)))
                where = list(dict.fromkeys(w for w in trace.where if w != "?"))
                if where:
                    lines.append("    at " + ", ".join(where))
        if len(self._traces) >= CACHE_LIMIT:
            lines.append(f"  the cache is full ({CACHE_LIMIT} traces): new guard keys run eagerly")
        return "\n".join(lines)


def _wrap_all_tensors(persistent):
    """Every live tensor's array wrapped in a Traced, so that every kernel on them is recorded,
    whichever object the function reaches them through. Returns the tensors; notes their arrays'
    owners in `persistent`."""
    tensors = [obj for obj in gc.get_objects() if issubclass(type(obj), Tensor)]
    for tensor in tensors:
        data = tensor._data
        if type(data) is _ndarray:
            persistent.add(id(root(data)))
            tensor._data = _traced._new_traced(data)
    return tensors


def _unwrap_all_tensors(before):
    for tensor in itertools.chain(before, (obj for obj in gc.get_objects() if issubclass(type(obj), Tensor))):
        data = tensor._data
        if type(data) is Traced:
            tensor._data = data._a
