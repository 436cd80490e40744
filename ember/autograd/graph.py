"""The recorded graph: Node (torch's ``grad_fn``), AccumulateGrad, saved tensors, sum_to.

Each primitive gets a Node subclass named after torch's grad_fn (``MulBackward0`` ...), made
by ``ember._ops._registry.defop``, which gives the class one formula per input. A node keeps:
  next_functions  one (node, output_nr) pair per input, ``(None, 0)`` where no gradient flows
  _input_meta     (shape, dtype) of each input that needs a gradient, for un-broadcasting
  _saved          the inputs that the needed formulas read, each with its version when saved
  _result_entry   the output, as (array, version counter, version), if a needed formula reads it

The output is saved as an array and rebuilt on unpack: holding the output tensor itself
would make the cycle output -> grad_fn -> output (PyTorch's SavedVariable does the same).
"""
import itertools
import weakref

from .._backend import as_array
from .._dtype import LEGACY_NAMES, from_numpy_dtype
from .._tensor import Tensor, make_tensor

NO_EDGE = (None, 0)
_sequence = itertools.count()  # every node's creation number; see engine.py for why
_FREED = "freed"  # marks saved values released after backward
_AWAITED = "awaited"  # the output is to be saved, once it exists

SECOND_BACKWARD_ERROR = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward.")


class _NodeExtras:
    """Rarely used per-node state, kept out of Node so that recording an op stays cheap."""

    __slots__ = ("pre_hooks", "post_hooks", "tensor_pre_hooks", "retain_grad_hooks", "metadata")

    def __init__(self):
        self.pre_hooks, self.post_hooks, self.metadata = {}, {}, {}
        self.tensor_pre_hooks = {}   # output_nr -> {handle id: hook}
        self.retain_grad_hooks = {}  # output_nr -> hook; run after the others, as torch does


class Node:
    """One recorded operation: turns gradients of its outputs into gradients of its inputs."""

    __slots__ = ("next_functions", "_input_meta", "_saved", "_result_entry", "_attributes",
                 "_extras", "_sequence_nr", "__weakref__")
    # Set on each subclass by defop(): one formula per input (None: no gradient), whether it
    # takes `result`, and (positions of the inputs it reads, whether it reads `result`).
    formulas = ()
    takes_result = ()
    reads = ()
    _save_plans = {}        # which inputs requiring grad -> (inputs to save, save the output?)
    num_outputs = 1

    def __init__(self, inputs, attributes):
        edges, meta, needs_grad = [], [], 0  # needs_grad: bit i set when input i requires grad
        for index, value in enumerate(inputs):
            if isinstance(value, Tensor) and value._requires_grad:
                producer = value.grad_fn
                edges.append((producer, value.output_nr) if producer is not None else gradient_edge(value))
                meta.append((value._data.shape, value._data.dtype))
                needs_grad |= 1 << index
            else:
                edges.append(NO_EDGE)
                meta.append(None)
        self.next_functions = tuple(edges)
        self._input_meta = meta
        saved_inputs, saves_result = self._save_plans.get(needs_grad) or self._plan_saving(needs_grad)
        self._saved = tuple(_save(value) if index in saved_inputs else None
                            for index, value in enumerate(inputs)) if saved_inputs else None
        self._result_entry = _AWAITED if saves_result else None
        self._attributes = attributes
        self._extras = None
        # Numbered after its inputs' nodes (made above, in gradient_edge): the engine's order.
        self._sequence_nr = next(_sequence)

    # __init__ unrolled for one and two inputs, which is nearly every op: recording a node is
    # the largest cost of a small op, and helper calls or loops would add a third to it.
    def _init_unary(self, inputs, attributes):
        (x,) = inputs
        producer = x.grad_fn  # a node is only made when its one input requires grad
        self.next_functions = ((producer, x.output_nr) if producer is not None else gradient_edge(x),)
        self._input_meta = ((x._data.shape, x._data.dtype),)
        saved_inputs, saves_result = self._save_plans.get(1) or self._plan_saving(1)
        self._saved = (save_tensor(x),) if saved_inputs else None
        self._result_entry = _AWAITED if saves_result else None
        self._attributes = attributes
        self._extras = None
        self._sequence_nr = next(_sequence)

    def _init_binary(self, inputs, attributes):
        a, b = inputs
        if isinstance(a, Tensor) and a._requires_grad:
            producer = a.grad_fn
            edge_a = (producer, a.output_nr) if producer is not None else gradient_edge(a)
            meta_a, needs_grad = (a._data.shape, a._data.dtype), 1
        else:
            edge_a, meta_a, needs_grad = NO_EDGE, None, 0
        if isinstance(b, Tensor) and b._requires_grad:
            producer = b.grad_fn
            edge_b = (producer, b.output_nr) if producer is not None else gradient_edge(b)
            meta_b, needs_grad = (b._data.shape, b._data.dtype), needs_grad | 2
        else:
            edge_b, meta_b = NO_EDGE, None
        self.next_functions = (edge_a, edge_b)
        self._input_meta = (meta_a, meta_b)
        saved_inputs, saves_result = self._save_plans.get(needs_grad) or self._plan_saving(needs_grad)
        if saved_inputs:
            self._saved = (_save(a) if 0 in saved_inputs else None, _save(b) if 1 in saved_inputs else None)
        else:
            self._saved = None
        self._result_entry = _AWAITED if saves_result else None
        self._attributes = attributes
        self._extras = None
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

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    # -- running the formula -------------------------------------------------------------
    def apply(self, grads, create_graph):
        """Gradients for each input (None where none flows), in each input's shape and dtype."""
        inputs = self._unpack_inputs(create_graph) if self._saved is not None else self._no_inputs
        grad = grads[0] if self.num_outputs == 1 else grads
        attributes = self._attributes
        result = None if self._result_entry is None else self._unpack_result(create_graph)
        input_grads = []
        for formula, takes_result, meta in zip(self.formulas, self.takes_result, self._input_meta):
            if meta is None or formula is None:
                input_grads.append(None)  # this input does not require grad
                continue
            if takes_result:
                input_grad = formula(grad, *inputs, result=result, **attributes)
            else:
                input_grad = formula(grad, *inputs, **attributes)
            if input_grad is not None and (input_grad.shape != meta[0] or input_grad.dtype is not meta[1]):
                input_grad = _fit(input_grad, meta)
            input_grads.append(input_grad)
        return input_grads

    @property
    def _no_inputs(self):
        return (None,) * len(self.next_functions)

    def _unpack_inputs(self, as_tensors):
        """The saved inputs, each checked against in-place changes since it was saved."""
        saved = self._saved
        if saved is None:
            return self._no_inputs
        if saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD_ERROR)
        inputs = []
        for entry in saved:
            if entry is None:
                inputs.append(None)
                continue
            value, version = entry
            if version is None:  # a Python number
                inputs.append(value)
            elif value._version_counter[0] != version:
                raise RuntimeError(_modified_message(value._data, value.grad_fn, version, value._version_counter[0]))
            elif as_tensors:
                inputs.append(value)
            else:
                data = value._data
                inputs.append(data[()] if data.ndim == 0 else data)  # see _unpack_result
        return inputs

    def _unpack_result(self, as_tensor):
        saved = self._result_entry
        if saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD_ERROR)
        array, counter, version = saved
        if counter[0] != version:
            raise RuntimeError(_modified_message(array, self, version, counter[0]))
        if not as_tensor:
            # A 0-d array becomes a NumPy scalar: arithmetic on scalars is several times faster,
            # and scalar-sized graphs (a learner's first ones) are where Python overhead rules.
            return array[()] if array.ndim == 0 else array
        result = make_tensor(array, grad_fn=self, requires_grad=True)
        result._version_counter = counter
        return result

    def save_result(self, result):
        self._result_entry = (result._data, result._version_counter, result._version_counter[0])

    def release_saved_tensors(self):
        if self._saved is not None:
            self._saved = _FREED
        if self._result_entry is not None:
            self._result_entry = _FREED

    # -- hooks and metadata (torch's Node API) ---------------------------------------------
    @property
    def extras(self):
        if self._extras is None:
            self._extras = _NodeExtras()
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

    def __getattr__(self, name):  # _saved_self, _saved_other, _saved_result ... for drawers
        if name.startswith("_saved_"):
            return self._saved_attribute(name[len("_saved_"):])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _saved_attribute(self, key):
        if key == "result" and self._result_entry is not None:
            return self._unpack_result(True)
        names = {"self": 0, "other": 1, "input": 0, "x": 0, "a": 0, "b": 1}
        if key in names and self._saved is _FREED:
            raise RuntimeError(SECOND_BACKWARD_ERROR)
        if key in names and self._saved is not None and names[key] < len(self._saved):
            if self._saved[names[key]] is not None:
                return self._unpack_inputs(True)[names[key]]
        if key in self._attributes:
            return self._attributes[key]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '_saved_{key}'")


class AccumulateGrad(Node):
    """The end of every path: adds the arriving gradient into a leaf's ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._input_meta = ()
        self._saved = self._result_entry = None
        self._attributes = {}
        self._extras = None
        self._sequence_nr = next(_sequence)

    def name(self):
        return "torch::autograd::AccumulateGrad"  # torch's own string, which tools compare against

    def accumulate(self, grad):
        """Add `grad` (an array, or a Tensor under create_graph) into variable.grad."""
        variable = self.variable
        hooks = variable._hooks
        if hooks is not None and hooks.grad:
            grad = _run_tensor_hooks(hooks.grad.values(), grad)
        data = variable._data
        if grad.shape != data.shape or grad.dtype is not data.dtype:
            grad = _fit(grad, (data.shape, data.dtype))
        current = variable._grad
        if isinstance(grad, Tensor):  # create_graph: the gradient is itself part of a graph
            variable._grad = grad if current is None else current + grad
        elif current is None:
            # A fresh buffer: the same array may also flow to other leaves or stay in a hook.
            variable._grad = make_tensor(as_array(grad).copy())
        elif current.grad_fn is None and not current._requires_grad:
            # In place, like torch: `g = x.grad` sees the new sum. A 0-d buffer is updated
            # through NumPy scalars, several times faster than an in-place ufunc on it.
            buffer = current._data
            if buffer.ndim:
                buffer += grad
            else:
                buffer[()] = buffer[()] + grad
        else:
            variable._grad = current + make_tensor(as_array(grad))
        if hooks is not None:
            for hook in list(hooks.post_accumulate.values()):
                hook(variable)


class TensorHooks:
    """A tensor's hooks: on its gradient, and (leaves) after accumulation into .grad."""

    __slots__ = ("grad", "post_accumulate", "retains_grad")

    def __init__(self):
        self.grad, self.post_accumulate = {}, {}
        self.retains_grad = False


class RemovableHandle:
    """What register_hook returns: ``handle.remove()`` takes the hook out again."""

    _next_id = 0

    def __init__(self, hooks_dict, hook):
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self._hooks = hooks_dict
        hooks_dict[self.id] = hook

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


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


def _save(value):
    """A saved input: a tensor with its version now, or a Python number kept as it is."""
    return save_tensor(value) if isinstance(value, Tensor) else (value, None)


def save_tensor(tensor):
    if tensor._inference:
        raise RuntimeError("Inference tensors cannot be saved for backward. To work around you can make a "
                           "clone to get a normal tensor and use it in autograd.")
    return (tensor, tensor._version_counter[0])


def _modified_message(array, producer, expected, actual):
    kind = LEGACY_NAMES.get(from_numpy_dtype(array.dtype), "Tensor")
    shape = ", ".join(str(size) for size in array.shape)
    source = ""
    if producer is not None:
        operation = producer.name()
        operation = operation[:operation.rfind("Backward")] if "Backward" in operation else operation
        source = f", which is output 0 of {operation},"
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [ember.{kind} [{shape}]]{source} is at version {actual}; expected version "
            f"{expected} instead. Hint: the tensor was changed in place (an op ending in `_`, `+=`, or an "
            "indexed assignment) after it was used; use an out-of-place op (x = x + 1) or .clone() it "
            "first. To find the operation, enable anomaly detection with "
            "ember.autograd.set_detect_anomaly(True).")


def sum_to(grad, shape):
    """Undo broadcasting: add up `grad` until it has `shape` (the one place this happens).

    Written with ember ops, which accept raw arrays too, so it serves both the fast array
    path and create_graph (where the sum itself must be differentiable)."""
    from .. import _ops
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    leading = len(grad_shape) - len(shape)  # axes broadcasting added on the left
    stretched = tuple(leading + i for i, size in enumerate(shape) if size == 1 and grad_shape[leading + i] != 1)
    dims = tuple(range(leading)) + stretched
    if dims:
        grad = _ops.sum(grad, dim=dims, keepdim=True)
    return _ops.reshape(grad, shape) if leading else grad


def _fit(grad, meta):
    """Bring a formula's gradient to its input's shape (un-broadcast) and dtype."""
    shape, dtype = meta
    if grad.shape != shape:
        grad = sum_to(grad, shape)
    if grad.dtype != dtype:
        grad = grad.to(from_numpy_dtype(dtype)) if isinstance(grad, Tensor) else grad.astype(dtype)
    return grad


def _run_tensor_hooks(hooks, grad):
    """Tensor hooks see (and may replace) the gradient as a Tensor, whichever path is running."""
    was_array = not isinstance(grad, Tensor)
    current = make_tensor(as_array(grad)) if was_array else grad
    for hook in list(hooks):
        replaced = hook(current)
        if replaced is not None:
            if not isinstance(replaced, Tensor):
                raise TypeError(f"a hook must return a Tensor or None, but it returned {type(replaced).__name__}")
            if replaced.shape != current.shape:
                raise RuntimeError(f"hook changed the gradient's shape from {list(current.shape)} to "
                                   f"{list(replaced.shape)}; a hook must return a gradient of the same shape")
            current = replaced
    return current._data if was_array else current
