"""The recorded graph: Node (torch's ``grad_fn``), AccumulateGrad, saved tensors, sum_to.

Each primitive gets a Node subclass named after torch's grad_fn (``MulBackward0`` ...), made
by ``ember._ops._registry.defop``, which gives the class one formula per input. A node keeps:
  _next_nodes     per input, the node its gradient goes to (None where no gradient flows)
  _next_nrs       per input, which output of that node it is (torch's next_functions pairs
                  these two up; kept apart so that the common all-zero case is one shared tuple)
  _input_meta     flat (shape, dtype, shape, dtype, ...) of the inputs, for un-broadcasting;
                  None when every input that needs a gradient has the output's shape and dtype
  _saved          flat (value, version, value, version, ...): the inputs that the needed
                  formulas read, with their versions when saved (None where nothing is saved)
  _result_entry   the output, as (array, version counter, version), if a needed formula reads it

The layouts are flat because every recorded op allocates them, and each container Python's
cyclic garbage collector tracks makes its full collections come sooner (a scalar graph of a
few thousand ops otherwise spends half its time in them). The output is saved as an array and
rebuilt on unpack: holding the output tensor itself would make the cycle output -> grad_fn ->
output (PyTorch's SavedVariable does the same).
"""
import itertools
import weakref
from sys import getrefcount

from .._backend import as_array, ndarray, to_host
from .._dtype import LEGACY_NAMES, from_numpy_dtype
from .._ops._kernels import add_reduce
from .._tensor import Tensor, make_tensor, shared_counter, version_of
from .hooks import NodeHooks, RemovableHandle, run_tensor_hooks

_ZERO, _ZERO_ZERO = (0,), (0, 0)  # the usual _next_nrs, shared rather than made for every node
_sequence = itertools.count()  # every node's creation number; see engine.py for why
_FREED = "freed"  # marks saved values released after backward


def _holds_array(value):
    """A NumPy array, or a tuple starting with one (what an op keeps as an attribute for backward)."""
    return type(value) is ndarray or type(value) is tuple and len(value) > 0 and type(value[0]) is ndarray
_AWAITED = "awaited"  # the output is to be saved, once it exists

SECOND_BACKWARD_ERROR = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")


class Node:
    """One recorded operation: turns gradients of its outputs into gradients of its inputs."""

    __slots__ = ("_next_nodes", "_next_nrs", "_input_meta", "_saved", "_result_entry", "_attributes",
                 "_extras", "_sequence_nr", "__weakref__")
    # Set on each subclass by defop(): one formula per input (None: no gradient), whether it
    # takes `result`, (positions of the inputs it reads, whether it reads `result`), and the
    # attributes it names (None: it takes **attributes, so all of them).
    formulas = ()
    takes_result = ()
    reads = ()
    attribute_names = ()
    _save_plans = {}        # which inputs requiring grad -> (inputs to save, save the output?)
    num_outputs = 1
    complex_aware = False   # its formulas follow torch's convention for complex inputs (see complex_input_error)

    def __init__(self, inputs, attributes, out=None):
        """The general path (ember/_ops/_unrolled.py has the same for one and two inputs, faster)."""
        nodes, nrs, meta, needs_grad = [], [], [], 0  # needs_grad: bit i set when input i requires grad
        for index, value in enumerate(inputs):
            if isinstance(value, Tensor) and value._requires_grad:
                nodes.append(next_node(value))
                nrs.append(value.output_nr)
                meta += (value._data.shape, value._data.dtype)
                needs_grad |= 1 << index
            else:
                nodes.append(None)
                nrs.append(0)
                meta += (None, None)
        self._next_nodes = tuple(nodes)
        self._next_nrs = tuple(nrs)
        self._input_meta = tuple(meta)
        if not self.complex_aware and any(dtype is not None and dtype.kind == "c" for dtype in meta[1::2]):
            raise complex_input_error(self)
        saved_inputs, saves_result = self._save_plans.get(needs_grad) or self._plan_saving(needs_grad)
        saved = []
        for index, value in enumerate(inputs):
            saved += _saved_pair(value) if index in saved_inputs else (None, None)
        self._saved = tuple(saved) if saved_inputs else None
        self._result_entry = _AWAITED if saves_result else None
        self._attributes = attributes
        self._extras = None
        # Numbered after its inputs' nodes (made above, in grad_accumulator): the engine's order.
        self._sequence_nr = next(_sequence)

    @classmethod
    def _plan_saving(cls, needs_grad):
        """What to save when the inputs in the bit mask `needs_grad` require grad (cached)."""
        saved, saves_result = set(), False
        for index, (inputs_read, reads_result) in enumerate(cls.reads):
            if needs_grad >> index & 1:
                saved |= inputs_read
                saves_result = saves_result or reads_result
        plan = cls._save_plans[needs_grad] = (frozenset(saved), saves_result)
        return plan

    @property
    def next_functions(self):
        """torch's view of the edges: one (node, output_nr) pair per input."""
        return tuple(zip(self._next_nodes, self._next_nrs))

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    # -- running the formula -------------------------------------------------------------
    def apply(self, grads, create_graph):
        """Gradients for each input (None where none flows), in each input's shape and dtype.

        The general path; ember/_ops/_unrolled.py has the same for one and two inputs, faster."""
        inputs = self._no_inputs if self._saved is None else self._unpack_inputs(create_graph)
        grad = grads[0] if self.num_outputs == 1 else grads
        result = None if self._result_entry is None else self._unpack_result(create_graph)
        meta = self._input_meta
        input_grads = []
        for index, formula in enumerate(self.formulas):
            if self._next_nodes[index] is None or formula is None:
                input_grads.append(None)  # this input does not require grad
                continue
            attributes = attributes_named(self.attribute_names[index], self._attributes)
            if self.takes_result[index]:
                input_grad = formula(grad, *inputs, result=result, **attributes)
            else:
                input_grad = formula(grad, *inputs, **attributes)
            if meta is not None and input_grad is not None:  # else: shaped like the output, as the grad is
                shape, dtype = meta[2 * index], meta[2 * index + 1]
                if input_grad.shape != shape or input_grad.dtype is not dtype:
                    input_grad = fit_to_input(input_grad, shape, dtype)
            input_grads.append(input_grad)
        return input_grads

    def release_saved_tensors(self):
        """Free what this node saved (after its backward, unless retain_graph): a second backward
        through it, or reading a _saved_* property, then raises torch's error. Arrays among the
        attributes (a sort's indices, log_softmax's softmax) are freed too, as torch frees them."""
        attributes = self._attributes
        if attributes:
            for value in attributes.values():
                kind = type(value)  # _holds_array(value), inline: this runs for every node of every backward
                if kind is ndarray or kind is tuple and len(value) > 0 and type(value[0]) is ndarray:
                    self._attributes = {key: value for key, value in attributes.items() if not _holds_array(value)}
                    self._saved = _FREED
                    break
        if self._saved is not None:
            self._saved = _FREED
        if self._result_entry is not None:
            self._result_entry = _FREED

    @property
    def saved_tensors_released(self):
        return self._saved is _FREED or self._result_entry is _FREED

    @property
    def _no_inputs(self):
        return (None,) * len(self._next_nodes)

    def _unpack_inputs(self, as_tensors):
        """The saved inputs, each checked against in-place changes since it was saved."""
        saved = self._saved
        if saved is None:
            return self._no_inputs
        raise_if_released(saved)
        pairs = iter(saved)
        return [_unpack(value, version, as_tensors) for value, version in zip(pairs, pairs)]

    def _unpack_result(self, as_tensor):
        saved = self._result_entry
        raise_if_released(saved)
        if type(saved) is Packed:
            result = saved.value()
            return result if as_tensor else _raw(result._data)
        array, counter, version = saved
        if counter[0] != version:
            raise modified_error(array, self, version, counter[0], counter)
        if not as_tensor:
            # A 0-d array becomes a NumPy scalar: arithmetic on scalars is several times faster,
            # and scalar-sized graphs (a learner's first ones) are where Python overhead rules.
            return array[()] if array.ndim == 0 else array
        result = make_tensor(array, grad_fn=self, requires_grad=True)
        result._version_counter = counter
        return result

    def save_result(self, result):
        if saved_tensors_hooks_stack:
            self._result_entry = Packed(result)
            return
        counter = shared_counter(result)  # not the tensor itself: see the module docstring
        self._result_entry = (result._data, counter, counter[0])

    # -- hooks and metadata (torch's Node API) ---------------------------------------------
    @property
    def extras(self):
        if self._extras is None:
            self._extras = NodeHooks()
        return self._extras

    @property
    def metadata(self):
        return self.extras.metadata

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) runs after this node; it may return new grad_inputs."""
        return RemovableHandle(self.extras.post_hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) runs before this node; it may return new grad_outputs."""
        return RemovableHandle(self.extras.pre_hooks, hook)

    def __getattr__(self, name):  # _saved_self, _saved_other, _saved_result ... as torch names them
        if name.startswith("_saved_"):
            return self._lookup_saved(name[len("_saved_"):])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):  # torch lists the _saved_* names among a node's attributes; torchviz reads them there
        read = set().union(*(inputs for inputs, _ in self.reads)) if self.reads else set()
        parameters = self.formulas[0].__code__.co_varnames[1:self.formulas[0].__code__.co_argcount] \
            if self.formulas and self.formulas[0] is not None else ()
        parameters = [name for name in parameters if name != "result"]
        names = {"self" if position == 0 else "other" if position == 1 else parameters[position]
                 for position in read if position < max(len(parameters), 2)}
        if any(reads_result for _, reads_result in self.reads):
            names.add("result")
        attributes = getattr(self, "_attributes", None) or {}
        names.update(attributes)
        if "shape" in attributes:
            names.add("self_sym_sizes")
        return sorted(set(super().__dir__()) | {"_saved_" + name for name in names})

    def _lookup_saved(self, key):
        """torch names saved values after derivatives.yaml's arguments: the first tensor input is
        `self`, the second `other`, the output `result`, attributes by keyword (`exponent`,
        `dim`...). The formulas' own parameter names (`x`, `a`, `b`) work too."""
        if key == "result" and self._result_entry is not None:
            return self._unpack_result(True)
        position = _SAVED_POSITIONS.get(key)
        if position is None and self.formulas:
            names = [name for name in self.formulas[0].__code__.co_varnames[1:self.formulas[0].__code__.co_argcount]
                     if name != "result"]
            position = names.index(key) if key in names else None
        if position is not None and self._saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD_ERROR)
        if position is not None and self._saved is not None and 2 * position < len(self._saved):
            if self._saved[2 * position] is not None:
                return self._unpack_inputs(True)[position]
            if any(position in inputs for inputs, _ in self.reads):
                return None  # a formula reads it, but none of those that run here (torch answers None too)
        attributes = self._attributes or {}
        if key in attributes:
            value = attributes[key]
            return tuple(value) if isinstance(value, list) else value
        if key == "self_sym_sizes" and "shape" in attributes:
            return tuple(attributes["shape"])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '_saved_{key}'")

    @property
    def _raw_saved_self(self):
        return self._lookup_saved("self")


def _unpack(value, version, as_tensor):
    """One saved input, checked against in-place changes since it was saved: a Tensor
    (create_graph), else its array, a NumPy scalar for 0-d (see _unpack_result)."""
    if version is None:  # nothing saved, a Python number kept as it is, or a packed tensor
        if type(value) is Packed:
            value = value.value() if as_tensor else _raw(value.value()._data)
        return value
    counter = value._version_counter
    if version != (0 if counter is None else counter[0]):
        raise modified_error(value._data, value.grad_fn, version, version_of(value), counter)
    if as_tensor:
        return value
    data = value._data
    return data[()] if data.ndim == 0 else data


_SAVED_POSITIONS = {"self": 0, "other": 1, "input": 0, "mat2": 1, "vec": 1, "tensor": 1}


def _raw(data):
    return data[()] if data.ndim == 0 else data


class DelayedError(Node):
    """A gradient that must not be differentiated again (once_differentiable): raises if it is."""

    formulas = (None,)

    @classmethod
    def wrap(cls, value, message, sources):
        node = cls.__new__(cls)
        node._next_nodes = tuple(s.grad_fn if s.grad_fn is not None else grad_accumulator(s) for s in sources)
        node._next_nrs = tuple(s.output_nr for s in sources)
        node._input_meta = node._saved = node._result_entry = None
        node._attributes = {"message": message}
        node._extras = None
        node._sequence_nr = next(_sequence)
        return make_tensor(value._data, node, True)

    def apply(self, grads, create_graph):
        raise RuntimeError(self._attributes["message"])


class AccumulateGrad(Node):
    """The end of every path: adds the arriving gradient into a leaf's ``.grad``."""

    __slots__ = ("variable",)
    # the same for every leaf: class attributes, not slots set anew for each (a training loop
    # makes one AccumulateGrad per parameter per step, as torch does)
    _next_nodes = _next_nrs = _input_meta = ()
    _saved = _result_entry = None
    _attributes = {}

    def __init__(self, variable):
        self.variable = variable
        self._extras = None
        self._sequence_nr = next(_sequence)

    def name(self):
        return "torch::autograd::AccumulateGrad"  # torch's own string, which tools compare against

    def accumulate(self, grad):
        """Add `grad` (an array, or a Tensor under create_graph) into variable.grad."""
        variable = self.variable
        hooks = variable._hooks
        if hooks is not None and hooks.grad:
            grad = run_tensor_hooks(hooks.grad.values(), grad)
        data = variable._data
        arrived = hooks is None or not hooks.grad  # still the engine's own array (see below)
        if grad.shape != data.shape or grad.dtype is not data.dtype:
            grad, arrived = fit_to_input(grad, data.shape, data.dtype), False
        current = variable._grad
        if isinstance(grad, Tensor):  # create_graph: the gradient is itself part of a graph
            variable._grad = grad if current is None else current + grad
        elif current is None:
            # A fresh buffer: the same array may also flow to other leaves or stay in a hook, so
            # it is copied, unless nothing else can see it (a weight's gradient in a training
            # step: copying it costs as much as a small matmul).
            variable._grad = make_tensor(grad if arrived and _unshared(grad) else as_array(grad).copy())
        elif current.grad_fn is None and not current._requires_grad:
            # In place, like torch: `g = x.grad` sees the new sum, and its version moves on. A 0-d
            # buffer is updated through NumPy scalars, several times faster than an in-place ufunc.
            buffer = current._data
            if buffer.ndim:
                buffer += grad
            else:
                buffer[()] = buffer[()] + grad
            counter = current._version_counter  # bump_version(current), inline: once per leaf per step
            if counter is None:
                current._version_counter = [1]
            else:
                counter[0] += 1
        else:
            variable._grad = current + make_tensor(as_array(grad))
        if hooks is not None:
            for hook in list(hooks.post_accumulate.values()):
                hook(variable)


# How many references the engine's own gradient array has when AccumulateGrad looks at it: the
# pending list the engine popped (run_backward keeps no other name for it), accumulate's `grad`,
# _unshared's `array`, and getrefcount's own argument. One more means someone else holds it (a
# tensor, a hook, a second pending slot, a saved value, autograd.grad's capture).
ENGINE_REFERENCES = 4
# A base array referenced only by its view, _unshared's `base` and getrefcount's argument.
VIEW_BASE_REFERENCES = 3


def _unshared(array):
    """Whether the engine's `array` is referenced only by the engine and owns its memory, or is a
    whole C-ordered view (a transpose of a transpose, a reshape) of an array nothing else holds:
    then it can become a leaf's .grad without a copy."""
    if type(array) is not ndarray or getrefcount(array) > ENGINE_REFERENCES or not array.flags.writeable:
        return False
    base = array.base
    if base is None:
        return True
    return (type(base) is ndarray and base.base is None and getrefcount(base) <= VIEW_BASE_REFERENCES
            and base.size == array.size and array.flags.c_contiguous)


def next_node(tensor):
    """The node a gradient for `tensor` (which requires grad) goes to: its grad_fn, or its leaf's AccumulateGrad."""
    producer = tensor.grad_fn
    return producer if producer is not None else grad_accumulator(tensor)


def gradient_edge(tensor):
    """Where a gradient for `tensor` goes: its grad_fn, or the AccumulateGrad of a leaf."""
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor.output_nr)
    return (grad_accumulator(tensor), 0)


def grad_accumulator(leaf):
    """One AccumulateGrad per leaf while any graph uses it (the leaf holds it weakly, as torch does)."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


def _saved_pair(value):
    """(value, version) for a saved input: a tensor with its version now, or a Python number
    with None (nothing can change it in place)."""
    if not isinstance(value, Tensor):
        return (value, None)
    if value._inference or saved_tensors_hooks_stack:
        return save_tensor(value)
    counter = value._version_counter  # save_tensor(value), inline: two per recorded mul
    return (value, 0 if counter is None else counter[0])


def save_tensor(tensor):
    if tensor._inference:
        raise RuntimeError("Inference tensors cannot be saved for backward. To work around you can make a "
                           "clone to get a normal tensor and use it in autograd.")
    if saved_tensors_hooks_stack:  # inside saved_tensors_hooks(pack, unpack): the user keeps it
        return (Packed(tensor), None)
    counter = tensor._version_counter
    return (tensor, 0 if counter is None else counter[0])


pack_saved = save_tensor  # for custom Functions' ctx.save_for_backward

# (pack, unpack) pairs of the active saved_tensors_hooks blocks, innermost last (see saved_hooks.py)
saved_tensors_hooks_stack = []


class Packed:
    """A saved tensor handed to a pack hook; its unpack hook gives it back at backward time."""

    __slots__ = ("packed", "unpack")

    def __init__(self, tensor):
        pack, self.unpack = hooks = saved_tensors_hooks_stack.pop()  # ops inside pack are not packed again
        try:
            self.packed = pack(tensor)
        finally:
            saved_tensors_hooks_stack.append(hooks)

    def value(self):
        tensor = self.unpack(self.packed)
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(tensor).__name__}")
        return tensor


def unpack_saved(packed):
    return packed.value()


def complex_input_error(node):
    """A complex input that requires grad reached an op whose formula is written for real numbers only."""
    name = type(node).__name__
    return NotImplementedError(
        f"ember does not differentiate {name[:name.rfind('Backward')] if 'Backward' in name else name} of complex "
        "tensors yet. Complex gradients are supported through ember.fft's transforms, .real, .imag, abs(), "
        "conj() and fftshift/ifftshift; detach() the complex tensor or take its .real/.imag/abs() first.")


def modified_error(array, producer, expected, actual, counter=None):
    """torch's error for a saved value changed in place since it was saved (expected -> actual version)."""
    return RuntimeError(_modified_message(array, producer, expected, actual, counter))


def raise_if_released(saved):
    """A node's saved state, `saved`, was freed by an earlier backward: torch's second-backward error."""
    if saved is _FREED:
        raise RuntimeError(SECOND_BACKWARD_ERROR)


def attributes_named(names, attributes):
    """The attributes a formula names (`names`; None when it takes **attributes): a formula
    receives only those, so a row's formulas need not each list every attribute of the op."""
    if names is None or not attributes or attributes.keys() <= names:
        return attributes
    return {key: value for key, value in attributes.items() if key in names}


def _modified_message(array, producer, expected, actual, counter=None):
    kind = LEGACY_NAMES.get(from_numpy_dtype(array.dtype), "Tensor")
    shape = ", ".join(str(size) for size in array.shape)
    source = ""
    if producer is not None:
        operation = producer.name()
        operation = operation[:operation.rfind("Backward")] if "Backward" in operation else operation
        source = f", which is output 0 of {operation},"
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [ember.{kind} [{shape}]]{source} is at version {actual}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that failed to compute its "
            f"gradient, with ember.autograd.set_detect_anomaly(True).{_where_changed(counter)} The tensor was "
            "changed in place (an op ending in `_`, `+=`, or an indexed assignment) after it was used; use an "
            "out-of-place op (x = x + 1) or .clone() it first.")


def _where_changed(counter):
    """Where the last in-place change happened, if it was recorded (see _tensor.bump_version)."""
    if counter is None or len(counter) < 2:
        return ""
    filename, line = counter[1]
    return f" It was last changed in place at {filename}:{line}."


def sum_to(grad, shape):
    """Undo broadcasting: add up `grad` until it has `shape` (the one place this happens).

    Written with ember ops, which accept raw arrays too, so it serves both the fast array
    path and create_graph (where the sum itself must be differentiable)."""
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    leading = len(grad_shape) - len(shape)  # axes broadcasting added on the left
    stretched = tuple(leading + i for i, size in enumerate(shape) if size == 1 and grad_shape[leading + i] != 1)
    dims = tuple(range(leading)) + stretched
    if not isinstance(grad, Tensor):  # the fast path: one reduction on the array, without the op's dispatch
        if dims:
            grad = add_reduce(grad, axis=dims, keepdims=True)
        return grad.reshape(shape)
    from .. import _ops
    if dims:
        grad = _ops.sum(grad, dim=dims, keepdim=True)
    return _ops.reshape(grad, shape) if leading else grad


class OnHost:
    """An input's dtype in a node's _input_meta, for a 0-d CPU tensor that the op moved to the GPU
    (ember/_ops/_devices.py): its gradient goes back to the host, as torch's engine moves it."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


def fit_to_input(grad, shape, dtype):
    """Bring a formula's gradient to its input's shape (un-broadcast), dtype and device."""
    if type(dtype) is OnHost:
        grad = fit_to_input(grad, shape, dtype.dtype)
        return grad.to("cpu") if isinstance(grad, Tensor) else to_host(grad)
    if grad.shape != shape:
        grad = sum_to(grad, shape)
    if grad.dtype != dtype:
        grad = grad.to(from_numpy_dtype(dtype)) if isinstance(grad, Tensor) else grad.astype(dtype)
    return grad


from .saved_hooks import disable_saved_tensors_hooks, increment_version, save_on_cpu, saved_tensors_hooks  # noqa: E402,F401
