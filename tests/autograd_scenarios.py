"""Shared helpers for tests/test_autograd_*.py: run one scenario under ember and torch and compare.

A scenario is a function of the library (ember or torch) returning plain observations
(tensors become (dtype, shape, values); errors become (class name, key phrase present?)).
"""
import pytest
from compare import assert_same

import ember


def plain(value):
    if hasattr(value, "tolist") and hasattr(value, "grad_fn"):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if type(value).__name__ == "Size":
        return list(value)
    if isinstance(value, str):
        return value.replace("torch.", "ember.")
    return value


def error_of(action, phrase=None):
    """(class name, whether `phrase` is in the message), or None if nothing was raised."""
    try:
        action()
    except Exception as error:  # noqa: BLE001  (the class is the observation)
        return (type(error).__name__, phrase is None or phrase in str(error))
    return None


def compare_with_torch(scenario, **tolerance):
    """The scenario's observations under ember equal those under torch (skips without torch)."""
    torch = pytest.importorskip("torch")
    expected = plain(scenario(torch))
    actual = plain(scenario(ember))
    assert_same(expected, actual, **tolerance)
    return actual
