"""Hooks: functions the engine calls on gradients as they pass (torch's hook API).

Tensor hooks (``x.register_hook``) see and may replace the gradient of a tensor; node hooks
(``grad_fn.register_hook`` / ``register_prehook``) see a node's gradients after / before it
runs. Each registration returns a RemovableHandle.
"""
from .._backend import as_array
from .._tensor import Tensor, make_tensor


class NodeHooks:
    """A node's hooks and metadata: made on first use, so that recording an op stays cheap."""

    __slots__ = ("pre_hooks", "post_hooks", "tensor_pre_hooks", "retain_grad_hooks", "metadata")

    def __init__(self):
        self.pre_hooks, self.post_hooks, self.metadata = {}, {}, {}
        self.tensor_pre_hooks = {}   # output_nr -> {handle id: hook}
        self.retain_grad_hooks = {}  # output_nr -> hook; run after the others, as torch does


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


def run_tensor_hooks(hooks, grad):
    """Tensor hooks see (and may replace) the gradient as a Tensor, whichever path is running."""
    was_array = not isinstance(grad, Tensor)
    current = make_tensor(as_array(grad)) if was_array else grad
    for hook in list(hooks):
        replaced = hook(current)
        if replaced is not None:
            if not isinstance(replaced, Tensor):
                raise TypeError(f"a hook must return a Tensor or None, but it returned {type(replaced).__name__}")
            if replaced.shape != current.shape:
                raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value (from "
                                   f"{list(current.shape)} to {list(replaced.shape)}); a hook must return a "
                                   "gradient of the same shape")
            if replaced.dtype is not current.dtype:
                raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                                   f"{current.type()} got {replaced.type()}); return a gradient of the same dtype")
            current = replaced
    return current._data if was_array else current


def _hook_name(hook):
    return getattr(hook, "__name__", type(hook).__name__)
