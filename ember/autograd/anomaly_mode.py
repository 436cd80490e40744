"""Anomaly detection: remember where each node was recorded, and stop at NaN gradients.

``with ember.autograd.detect_anomaly():`` (or ``set_detect_anomaly(True)``) makes every node
recorded meanwhile keep the traceback of the forward call that made it. When a backward
formula then fails, or (with check_nan) returns NaN, the error names the node and a warning
shows that forward traceback, as torch does.

Costs nothing while off: the traceback is taken by swapping the counter that numbers new
nodes (graph.node_numbers) for one that also records the stack, so node construction is
unchanged; the engine checks one local flag per node.
"""
import functools
import itertools
import os
import threading
import traceback
import warnings

from . import graph

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _AnomalyState(threading.local):
    enabled = False
    check_nan = True


state = _AnomalyState()
forward_traces = {}  # node sequence number -> formatted forward traceback (only while enabled)


class _TracingCounter:
    """Numbers nodes like itertools.count, and keeps the user's stack for each number."""

    def __init__(self, start):
        self._count = itertools.count(start)

    def __iter__(self):
        return self

    def __next__(self):
        number = next(self._count)
        frames = [frame for frame in traceback.extract_stack()[:-1]
                  if not os.path.abspath(frame.filename).startswith(_EMBER_DIR + os.sep)]
        forward_traces[number] = "".join(traceback.format_list(frames))
        return number


def _set(enabled, check_nan):
    was_tracing = isinstance(graph.node_numbers, _TracingCounter)
    if enabled and not was_tracing:
        graph.node_numbers = _TracingCounter(next(graph.node_numbers))
    elif not enabled and was_tracing:
        graph.node_numbers = itertools.count(next(graph.node_numbers))
    state.enabled, state.check_nan = enabled, check_nan


def is_anomaly_enabled():
    return state.enabled


def is_anomaly_check_nan_enabled():
    return state.check_nan


class detect_anomaly:
    """Context manager and decorator that turns anomaly detection on (torch.autograd.detect_anomaly)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.previous = (state.enabled, state.check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.previous = (state.enabled, state.check_nan)
        _set(True, self.check_nan)

    def __exit__(self, *exc_info):
        _set(*self.previous)
        if not state.enabled:
            forward_traces.clear()
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def run_with_anomaly_detection(*args, **kwargs):
            with self.__class__(self.check_nan):
                return function(*args, **kwargs)
        return run_with_anomaly_detection


class set_detect_anomaly:
    """Turns anomaly detection on or off now; as a ``with`` block, restores the previous state."""

    def __init__(self, mode, check_nan=True):
        self.previous = (state.enabled, state.check_nan)
        _set(bool(mode), check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _set(*self.previous)
        return False


def user_stacklevel():
    """The warnings.warn stacklevel that points at the first frame outside ember (the caller's code)."""
    import sys
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_EMBER_DIR + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def check_gradients(node, input_grads):
    """With check_nan: raise if a backward formula produced NaN (called by the engine)."""
    if not state.check_nan:
        return
    from .._backend import xp
    from .._tensor import Tensor
    for index, grad in enumerate(input_grads):
        if grad is None:
            continue
        data = grad._data if isinstance(grad, Tensor) else grad
        if xp.isnan(data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {index}th output.")


def warn_forward_trace(node):
    """Show where `node` was recorded, as the warning torch gives before an anomaly error."""
    trace = forward_traces.get(getattr(node, "_sequence_nr", None))
    if trace is None:
        warnings.warn(f"Error detected in {node.name()}. No forward pass information available. Enable detect "
                      "anomaly during forward pass for more information.", UserWarning, stacklevel=user_stacklevel())
        return
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
                  UserWarning, stacklevel=user_stacklevel())
