"""Grad mode: whether new operations are recorded for backward.

One thread-local flag, as in torch: ``no_grad`` in one thread does not affect another.
Each manager works as a context manager and as a decorator, and restores the previous
state even when the body raises.
"""
import functools
import inspect

from .._grad_state import state


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _GradModeManager:
    """Base for the managers: subclasses say which (enabled, inference) state they set."""

    __slots__ = ("_previous", "mode")

    def _target(self):
        raise NotImplementedError

    def __enter__(self):
        self._previous = (state.enabled, state.inference)
        state.enabled, state.inference = self._target()

    def __exit__(self, *exc_info):
        state.enabled, state.inference = self._previous
        return False

    def __new__(cls, *args, **kwargs):
        # @no_grad without parentheses: the class is called with the function itself
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __call__(self, function):
        if inspect.isgeneratorfunction(function):
            return self._wrap_generator(function)

        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            with self.clone():
                return function(*args, **kwargs)
        return run_in_mode

    def _wrap_generator(self, function):
        """A generator runs in the mode at each step, not only while it is being created."""
        @functools.wraps(function)
        def generate_in_mode(*args, **kwargs):
            generator = function(*args, **kwargs)
            to_send = None
            while True:
                try:
                    with self.clone():
                        value = generator.send(to_send)
                except StopIteration as stop:
                    return stop.value
                to_send = yield value
        return generate_in_mode

    def clone(self):
        return type(self)()


class no_grad(_GradModeManager):
    """Operations inside do not build a graph (torch.no_grad)."""

    __slots__ = ()

    def __new__(cls, function=None):  # the base's __new__, for no_grad's one optional argument
        manager = object.__new__(cls)
        return manager if function is None else manager(function)

    # A training loop enters no_grad once per step: flip the one flag it changes, nothing more.
    def __enter__(self):
        self._previous = state.enabled
        state.enabled = False

    def __exit__(self, exc_type, exc_value, traceback):
        state.enabled = self._previous

    def _target(self):
        return False, state.inference


class enable_grad(_GradModeManager):
    """Turn recording back on inside a no_grad region (torch.enable_grad)."""

    __slots__ = ()

    def _target(self):
        return True, state.inference


class set_grad_enabled(_GradModeManager):
    """set_grad_enabled(mode): takes effect at once when called, and undoes itself as a `with` block."""

    __slots__ = ()

    def __init__(self, mode):
        if mode is not True and mode is not False:
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not "
                            f"{type(mode).__name__}; pass True or False")
        self.mode = mode
        self._previous = (state.enabled, state.inference)
        state.enabled = self.mode  # like torch, a bare call sets the mode immediately

    def _target(self):
        return self.mode, state.inference

    def __enter__(self):  # the mode was set in __init__; __exit__ restores what was there before it
        pass

    def __call__(self, function):
        state.enabled = self._previous[0]  # as a decorator it must not change the mode now
        return super().__call__(function)

    def clone(self):
        return _FixedMode(self.mode)


class _FixedMode(_GradModeManager):
    __slots__ = ()

    def __init__(self, mode):
        self.mode = mode

    def _target(self):
        return self.mode, state.inference


class inference_mode(_GradModeManager):
    """Like no_grad, and tensors made inside are inference tensors (torch.inference_mode)."""

    __slots__ = ()

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def _target(self):
        return (False, True) if self.mode else (True, False)  # as torch: inference_mode(False) turns grad on

    def clone(self):
        return inference_mode(self.mode)
