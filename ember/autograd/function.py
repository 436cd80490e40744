"""Custom autograd functions: ``ember.autograd.Function`` (torch.autograd.Function).

A subclass gives ``forward`` and ``backward`` as static methods. ``MyFn.apply(*args)`` runs
forward without recording, then records one node for all of its outputs: an instance of the
class ``MyFnBackward`` that is made for each subclass (torch's naming). The node is also the
``ctx`` that forward and backward see, so whatever forward stores on ctx is there in backward.

Two styles, as in torch:
  forward(ctx, *args)                              ctx first
  forward(*args) + setup_context(ctx, inputs, output)   the newer style (functorch-friendly)

backward runs with grad mode on exactly when the caller asked for create_graph, so a
backward written with ember ops is itself differentiable (double backward); decorate it
with ``once_differentiable`` when it is not.
"""
import functools

from .._backend import as_array, namespace, xp
from .._grad_state import state
from .._tensor import Tensor, make_tensor, shared_counter, version_of
from . import graph
from .graph import Node, grad_accumulator, modified_error, pack_saved, raise_if_released, unpack_saved

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "InplaceFunction",
           "NestedIOFunction"]


class FunctionCtx:
    """What forward may record for backward: saved tensors and flags (torch's ctx methods)."""

    def save_for_backward(self, *tensors):
        for index, value in enumerate(tensors):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {index} is not a "
                                f"Variable (it is {type(value).__name__}). Store other values as ctx attributes, "
                                "e.g. ctx.k = k.")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._saved_for_forward = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        saved = getattr(self._saved, "entries", None) if isinstance(self, Node) else None
        if isinstance(self, Node):  # the engine may have freed it after backward
            raise_if_released(self._saved)
        if saved is None:
            return ()
        tensors = []
        for entry in saved:
            if entry is None:
                tensors.append(None)
                continue
            value, version = entry
            if version is None:  # packed by saved_tensors_hooks
                tensors.append(unpack_saved(value))
                continue
            if version_of(value) != version:
                raise modified_error(value._data, value.grad_fn, version, version_of(value), value._version_counter)
            tensors.append(value)
        return tuple(tensors)

    saved_variables = saved_tensors


class _UserSaved(tuple):
    """ctx.save_for_backward's tensors, as `entries`: an empty tuple to the Node machinery, which
    reads _saved as flat (value, version) pairs of the inputs."""


class BackwardCFunction(Node, FunctionCtx):
    """Base of every ``<Name>Backward`` node: a recorded call of a custom Function."""

    _forward_cls = None
    materialize_grads = True

    def name(self):
        return type(self).__name__

    def __repr__(self):  # as torch prints it: <torch.autograd.function.MyFnBackward object at 0x...>
        return f"<ember.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    def apply(self, grads, create_graph):
        """Run the user's backward on Tensor gradients; check and fit what it returns."""
        function = self._forward_cls
        tensors = []
        for index, grad in enumerate(grads):
            if grad is None:
                if self.materialize_grads:
                    shape, dtype = self._output_meta[index]
                    grad = make_tensor(namespace(*grads).zeros(shape, dtype=dtype))  # beside the others (a GPU's)
            elif not isinstance(grad, Tensor):
                grad = make_tensor(as_array(grad))  # NumPy scalars become arrays; a GPU's arrays stay there
            tensors.append(grad)
        returned = function.backward(self, *tensors)
        if not isinstance(returned, tuple):
            returned = (returned,)
        expected = len(self._next_nodes)
        if len(returned) != expected:
            if len(returned) > expected and all(extra is None for extra in returned[expected:]):
                returned = returned[:expected]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                                   f"{expected}, got {len(returned)}). backward must return one gradient per "
                                   "argument of forward (None for arguments that are not tensors).")
        results = []
        for index, (grad, next_node) in enumerate(zip(returned, self._next_nodes)):
            kind = self._input_kinds[index]
            if grad is None:
                results.append(None)
                continue
            if kind is None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                                   f"{index + 1}, but the corresponding forward input was not a Variable")
            if next_node is None:
                results.append(None)  # the input does not require grad: its gradient is dropped
                continue
            if not isinstance(grad, Tensor):
                raise TypeError(f"function {self.name()} returned a {type(grad).__name__} as gradient {index}; "
                                "backward must return Tensors (or None)")
            shape, dtype = kind
            if grad.shape != shape:
                try:
                    xp.broadcast_shapes(grad.shape, shape)
                    expandable = xp.broadcast_shapes(grad.shape, shape) == tuple(grad.shape) and \
                        len(grad.shape) >= len(shape)
                except ValueError:
                    expandable = False
                if not expandable:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {index} - "
                                       f"got {list(grad.shape)} but expected shape compatible with {list(shape)}")
                from .graph import sum_to
                grad = sum_to(grad, shape)
            if grad._data.dtype != dtype:
                grad = grad.to(_ember_dtype(dtype))
            results.append(grad if create_graph else grad._data)
        return results


def _ember_dtype(numpy_dtype):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(numpy_dtype)


class FunctionMeta(type):
    """Gives each Function subclass its node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attributes):
        super().__init__(name, bases, attributes)
        if "vjp" in attributes and "backward" not in attributes:  # torch accepts either name
            cls.backward = attributes["vjp"]
        backward_cls = type(f"{name}Backward", (BackwardCFunction,), {
            "_forward_cls": cls, "__module__": "ember.autograd.function"})
        cls._backward_cls = backward_cls


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class for custom differentiable operations (torch.autograd.Function)."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        return _apply(cls, args, kwargs)


def _uses_setup_context(cls):
    return cls.setup_context is not Function.setup_context and \
        getattr(cls.setup_context, "__func__", cls.setup_context) is not Function.__dict__["setup_context"].__func__


def _apply(cls, args, kwargs):
    node = cls._backward_cls.__new__(cls._backward_cls)
    needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)  # as torch: even under no_grad
    node.needs_input_grad = needs
    recording = state.enabled and any(needs)
    separate_setup = _uses_setup_context(cls)
    previous = state.enabled
    state.enabled = False  # forward's own ops are not recorded: the node stands for all of them
    try:
        if separate_setup:
            output = cls.forward(*args, **kwargs)
        else:
            output = cls.forward(node, *args, **kwargs)
    finally:
        state.enabled = previous
    if separate_setup:
        cls.setup_context(node, args, output)
    is_tuple = isinstance(output, tuple)
    outputs = output if is_tuple else (output,)
    if not recording:
        _release_unused(node)
        return output
    return _record(cls, node, args, outputs, is_tuple)


def _release_unused(node):
    node.__dict__.pop("_to_save", None)


def _record(cls, node, args, outputs, is_tuple):
    dirty = node.__dict__.get("_dirty", ())
    non_differentiable = node.__dict__.get("_non_differentiable", ())
    nodes, nrs, kinds = [], [], []
    for value in args:
        if isinstance(value, Tensor):
            kinds.append((value._data.shape, value._data.dtype))
            if value._requires_grad:
                nodes.append(value.grad_fn if value.grad_fn is not None else grad_accumulator(value))
                nrs.append(value.output_nr)
                continue
        else:
            kinds.append(None)
        nodes.append(None)
        nrs.append(0)
    for value in dirty:
        if value._requires_grad and value.grad_fn is None and value._base is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    node._next_nodes, node._next_nrs, node._input_kinds = tuple(nodes), tuple(nrs), tuple(kinds)
    node._input_meta = node._saved = node._result_entry = None
    node._attributes, node._extras = {}, None
    node._sequence_nr = next(graph.node_numbers)
    node.num_outputs = len(outputs)
    node._output_meta = [(out._data.shape, out._data.dtype) if isinstance(out, Tensor) else ((), xp.float32)
                         for out in outputs]
    results = []
    for index, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            results.append(out)
            continue
        if any(out is marked for marked in non_differentiable) or out._data.dtype.kind not in "fcV":
            out._requires_grad = False
            results.append(out)
            continue
        if any(out is arg for arg in args) and not any(out is marked for marked in dirty):
            view = make_tensor(out._data)  # an input returned as is: a new tensor on its memory
            view._version_counter = shared_counter(out)
            view._base = out if out._base is None else out._base
            out = view
        elif any(out is marked for marked in dirty):
            shared_counter(out)[0] += 1  # forward changed it in place
        out.grad_fn, out._requires_grad, out.output_nr = node, True, index
        results.append(out)
    to_save = node.__dict__.pop("_to_save", None)
    if to_save is not None:
        # in the node's _saved slot, which the engine frees after a backward without retain_graph
        node._saved = _UserSaved()
        node._saved.entries = [None if value is None else pack_saved(value) for value in to_save]
    return tuple(results) if is_tuple else results[0]


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


def once_differentiable(backward):
    """Mark a backward that cannot itself be differentiated: it runs without recording, and
    differentiating its result again raises (torch.autograd.function.once_differentiable)."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        from .grad_mode import no_grad
        with no_grad():
            outputs = backward(ctx, *grads)
        if not state.enabled or not any(isinstance(g, Tensor) and g._requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        sources = [g for g in grads if isinstance(g, Tensor) and g._requires_grad]
        wrapped = tuple(_delayed_error(out, type(ctx).__name__, sources)
                        for out in ((outputs,) if single else outputs))
        return wrapped[0] if single else wrapped
    return wrapper


def _delayed_error(value, name, sources):
    """A gradient that raises when differentiated again (torch's DelayedError node)."""
    if not isinstance(value, Tensor):
        return value
    from .graph import DelayedError
    message = f"trying to differentiate twice a function that was marked with @once_differentiable ({name})"
    return DelayedError.wrap(value, message, sources)
