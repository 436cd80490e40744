"""ember.autograd: backward, grad, hooks on tensors, grad modes, and gradcheck.

``backward`` and ``grad`` validate their arguments the way torch does, turn tensors into
graph edges, and hand everything to the one walk in engine.py.
"""
from .._backend import as_array, guard_for, namespace, on_device, to_device, xp
from .._tensor import Size, Tensor, make_tensor
from . import graph  # noqa: F401  (ember.autograd.graph, as in torch)
from .._errstate import enter as _quiet_enter
from .._errstate import leave as _quiet_leave
from .._errstate import quietly
from .engine import run_backward as _run_backward_loud
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from . import function  # noqa: F401
from .anomaly_mode import user_stacklevel
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly  # noqa
from .function import Function, once_differentiable  # noqa: F401
from .variable import Variable  # noqa: F401
from .graph import grad_accumulator, gradient_edge
from .hooks import RemovableHandle, TensorHooks

run_backward = quietly(_run_backward_loud)  # formulas meet 0 * inf and 1 / 0 as torch's do: silently

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "graph", "Function", "once_differentiable",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def _as_tuple(value):
    if value is None:
        return None
    return (value,) if isinstance(value, Tensor) else tuple(value)


_SCALAR_ONES = {}


def _scalar_one(like):
    """d(y)/d(y) for a one-element y: a NumPy scalar for 0-d (fast arithmetic, see graph.py),
    else one shared read-only array per (shape, dtype); nothing writes to either."""
    if like.ndim == 0 and not on_device(like):  # a NumPy scalar is immutable: one per dtype serves all
        one = _SCALAR_ONES[like.dtype] = like.dtype.type(1)
        return one
    module = namespace(like)
    key = (like.shape, like.dtype, module, like.device.id if on_device(like) else None)  # one per GPU
    one = _SCALAR_ONES.get(key)
    if one is None:
        one = _SCALAR_ONES[key] = module.ones(like.shape, dtype=like.dtype)
        if module is xp:
            one.flags.writeable = False
    return one


def _root_gradients(outputs, grad_outputs, create_graph):
    """One starting gradient per output: ones for scalars, else the caller's (checked)."""
    if grad_outputs is None and len(outputs) == 1 and outputs[0]._data.size == 1 and not create_graph:
        output = outputs[0]  # y.backward() on a scalar: the common case, kept short
        if output._requires_grad:
            return [gradient_edge(output)], [_scalar_one(output._data)]
    grad_outputs = grad_outputs or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} gradients "
                           f"for {len(outputs)} outputs")
    edges, grads = [], []
    for index, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output._requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn. "
                               "Did you create it under no_grad, detach it, or forget requires_grad=True "
                               "on the inputs?")
        if given is None:
            if output._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs. Call .sum() or "
                                   ".mean() first, or pass a gradient of the output's shape, e.g. "
                                   "y.backward(ember.ones_like(y))")
            given = make_tensor(namespace(output._data).ones(output._data.shape, dtype=output._data.dtype))
        elif not isinstance(given, Tensor):
            given = make_tensor(to_device(as_array(xp.asarray(given, dtype=output._data.dtype)), str(output.device)))
        if given.shape != output.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{index}] has a shape of {Size(given.shape)!r} "
                               f"and output[{index}] has a shape of {Size(output.shape)!r}. The gradient passed "
                               "to backward must have the output's shape, e.g. ember.ones_like(output).")
        if given.dtype is not output.dtype:
            given = given.to(output.dtype)
        edges.append(gradient_edge(output))
        grads.append(given if create_graph else given._data)
    return edges, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Add d(tensors)/d(leaf) into each leaf's .grad (or only into `inputs`' .grad)."""
    outputs = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    retain_graph = create_graph if retain_graph is None else retain_graph
    if create_graph:
        _warn_reference_cycle()
    edges, grads = _root_gradients(outputs, grad_tensors, create_graph)
    first = grads[0]._data if grads and isinstance(grads[0], Tensor) else grads[0] if grads else None
    if on_device(first):  # a GPU graph: walked with its GPU current
        with guard_for(first):
            return _backward_walk(edges, grads, retain_graph, create_graph, inputs)
    return _backward_walk(edges, grads, retain_graph, create_graph, inputs)


def _backward_walk(edges, grads, retain_graph, create_graph, inputs):
    if inputs is None:
        run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    targets = [_input_edge(tensor, index) for index, tensor in enumerate(inputs)]
    captured = run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph, targets=targets)
    for tensor, grad in zip(inputs, captured):
        if tensor.grad_fn is not None and grad is not None:  # leaves were written by AccumulateGrad
            grad = grad if isinstance(grad, Tensor) else make_tensor(as_array(grad).copy())
            tensor._grad = grad if tensor._grad is None else tensor._grad + grad


def tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Tensor.backward: backward(self, ...)."""
    if gradient is None and not create_graph and inputs is None and self._requires_grad and not self._data.ndim:
        # y.backward() on a 0-d y, a training loop's every step: backward()'s argument handling
        # would cost as much as the walk through a small graph itself.
        node, dtype = self.grad_fn, self._data.dtype
        edge = (node, self.output_nr) if node is not None else (grad_accumulator(self), 0)
        one = _SCALAR_ONES.get(dtype) if type(self._data) is xp.ndarray else None  # a GPU y needs a GPU one
        if one is None:  # a GPU y: its backward runs with y's GPU current
            with guard_for(self._data):
                one = _scalar_one(self._data)
                run_backward((edge,), (one,), retain_graph=retain_graph, create_graph=False)
            return
        quiet = _quiet_enter()  # run_backward's quietly, inline: one Python call fewer per training step
        try:
            _run_backward_loud((edge,), (one,), retain_graph=retain_graph, create_graph=False)
        finally:
            _quiet_leave(quiet)
        return
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


_warned = set()  # warnings torch gives once per process


def _warn_reference_cycle():
    if "create_graph" in _warned:
        return
    _warned.add("create_graph")
    import warnings
    warnings.warn("Using backward() with create_graph=True will create a reference cycle between the parameter and "
                  "its gradient which can cause a memory leak. We recommend using autograd.grad when creating the "
                  "graph to avoid this. If you have to use this function, make sure to reset the .grad fields of "
                  "your parameters to None after use to break the cycle and avoid the leak.", UserWarning,
                  stacklevel=user_stacklevel())


def _input_edge(tensor, index):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"inputs must be Tensors, but element {index} is {type(tensor).__name__}")
    if not tensor._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad. Create it with "
                           "requires_grad=True (or call .requires_grad_()) before computing the outputs from it.")
    return gradient_edge(tensor)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True is not supported by ember (it needs vmap); call "
                                  "autograd.grad once per row of the batched grad_outputs instead")
    retain_graph = create_graph if retain_graph is None else retain_graph
    edges, grads = _root_gradients(outputs, _as_tuple(grad_outputs), create_graph)
    targets = [_input_edge(tensor, index) for index, tensor in enumerate(inputs)]
    captured = run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph,
                            targets=targets, accumulate=False)
    results = []
    for tensor, value in zip(inputs, captured):
        if value is None:
            if materialize_grads:
                value = make_tensor(xp.zeros_like(tensor._data))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        elif not isinstance(value, Tensor):
            value = make_tensor(as_array(value))
        results.append(value)
    return tuple(results)


# -- tensor hooks (Tensor.register_hook & co. delegate here) ------------------------------
def _hooks_of(tensor):
    if tensor._hooks is None:
        tensor._hooks = TensorHooks()
    return tensor._hooks


def register_tensor_hook(tensor, hook):
    """hook(grad) runs when the gradient for `tensor` is computed; it may return a replacement."""
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient; no gradient will "
                           "ever flow to it. Set requires_grad=True on it (or on the leaves it comes from) first.")
    if tensor.grad_fn is None:  # leaves: run by AccumulateGrad
        return RemovableHandle(_hooks_of(tensor).grad, hook)
    hooks = tensor.grad_fn.extras.tensor_pre_hooks.setdefault(tensor.output_nr, {})
    return RemovableHandle(hooks, hook)


def register_post_accumulate_grad_hook(tensor, hook):
    """hook(tensor) runs after the gradient has been added into a leaf's .grad."""
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient; no gradient will "
                           "ever flow to it. Set requires_grad=True on it first.")
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors: only leaves "
                           "accumulate into .grad. Register it on the leaf (a parameter), or use register_hook.")
    return RemovableHandle(_hooks_of(tensor).post_accumulate, hook)


def retain_grad(tensor):
    """Keep the gradient of a non-leaf in its .grad (a no-op on leaves, as in torch)."""
    if not tensor._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False: no gradient flows to it. "
                           "Set requires_grad=True on the leaves it is computed from.")
    if tensor.grad_fn is None or tensor.retains_grad:
        return
    _hooks_of(tensor).retains_grad = True
    import weakref
    target = weakref.ref(tensor)  # the node must not keep its own output alive

    def store_grad(grad):
        owner = target()
        if owner is None:
            return
        value = grad if isinstance(grad, Tensor) else make_tensor(as_array(grad).copy())
        if owner._grad is None:
            owner._grad = value.detach() if value.grad_fn is None else value
        else:
            owner._grad = owner._grad + value
    tensor.grad_fn.extras.retain_grad_hooks[tensor.output_nr] = store_grad


from .diagnostics import why_no_grad  # noqa: E402  (learner tools; they import this package)
from .explain import Explanation, explain  # noqa: E402

__all__ += ["explain", "why_no_grad", "Explanation"]
from . import forward_ad, functional  # noqa: E402,F401  (both use grad, defined above)
from . import profiler  # noqa: E402,F401  (torch.autograd.profiler, on ember.profiler's recorder)
