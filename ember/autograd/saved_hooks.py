"""saved_tensors_hooks: let the user decide how tensors saved for backward are stored.

Inside ``with saved_tensors_hooks(pack, unpack):`` every tensor a node saves is passed to
``pack`` and only its return value is kept; at backward time ``unpack`` must give a tensor
back (torch.autograd.graph.saved_tensors_hooks). ``save_on_cpu`` is the ready-made pair that
moves saved tensors to CPU memory: ember's tensors are already there, so it keeps them as is.
"""
from .graph import saved_tensors_hooks_stack

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "increment_version"]

_disabled = []  # error messages of the active disable_saved_tensors_hooks blocks


class saved_tensors_hooks:
    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if _disabled:
            raise RuntimeError(_disabled[-1])
        saved_tensors_hooks_stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc_info):
        saved_tensors_hooks_stack.pop()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors in CPU memory (they already are in ember): the API, as a no-op move."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(lambda tensor: tensor, lambda tensor: tensor)


class disable_saved_tensors_hooks:
    """Inside, entering saved_tensors_hooks raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        _disabled.append(self.error_message)
        return self

    def __exit__(self, *exc_info):
        _disabled.pop()
        return False

    def __call__(self, function):
        import functools

        @functools.wraps(function)
        def run_without_hooks(*args, **kwargs):
            with disable_saved_tensors_hooks(self.error_message):
                return function(*args, **kwargs)
        return run_without_hooks


def increment_version(tensor):
    """Count an in-place change made behind autograd's back (e.g. through NumPy) on `tensor`."""
    from .._tensor import bump_version
    bump_version(tensor)
