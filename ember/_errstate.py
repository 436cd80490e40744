"""Floating-point errors the way torch treats them: silently.

torch computes 1/0 = inf, log(0) = -inf, sqrt(-1) = nan and exp(1000) = inf without a word; NumPy
warns about each. ember computes inside NumPy's "ignore" error state, entered around its own
computations (an op's forward, a backward pass, an optimizer step, printing) and left again at
once, so a user's own NumPy code keeps NumPy's warnings, and no warnings filter is installed.

`np.errstate` costs ~2 µs per entry, as much as a small op itself; the ignore state is one
context variable, so `quiet()` sets that variable directly where NumPy exposes it.
"""
import functools

import numpy as np

try:  # NumPy >= 2: errstate is a context variable holding an "extension object"
    from numpy._core._ufunc_config import _extobj_contextvar

    with np.errstate(all="ignore"):
        _IGNORE = _extobj_contextvar.get()

    # enter(): enter the ignore state; pass what it returns to leave(). A partial, not a def: the
    # ops call it once each, and a C-level call is a third cheaper than a Python frame.
    enter = functools.partial(_extobj_contextvar.set, _IGNORE)

    leave = _extobj_contextvar.reset
except (ImportError, AttributeError):  # older NumPy: the public context manager
    def enter():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def leave(state):
        state.__exit__(None, None, None)


class quiet:
    """`with quiet():` computes without NumPy's floating-point warnings (reentrant, thread-safe)."""
    __slots__ = ("token",)

    def __enter__(self):
        self.token = enter()

    def __exit__(self, *exception):
        leave(self.token)


def quietly(function):
    """function, run in the ignore state."""
    @functools.wraps(function)
    def quiet_function(*args, **kwargs):
        token = enter()
        try:
            return function(*args, **kwargs)
        finally:
            leave(token)
    return quiet_function
