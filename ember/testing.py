"""ember.testing.assert_close: torch's comparison of tensors, numbers and their containers.

Same defaults (rtol/atol chosen by dtype), same attribute checks (shape, dtype, device,
requires_grad is not compared), same error classes: AssertionError for a mismatch, with torch's
"Tensor-likes are not close!" report, TypeError for arguments that cannot be compared.
"""
import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import _backend, _dtype
from ._tensor import Tensor

# dtype -> (rtol, atol), torch's defaults
_TOLERANCES = {_dtype.float16: (1e-3, 1e-5), _dtype.bfloat16: (1.6e-2, 1e-5), _dtype.float32: (1.3e-6, 1e-5),
               _dtype.float64: (1e-7, 1e-7), _dtype.complex64: (1.3e-6, 1e-5), _dtype.complex128: (1e-7, 1e-7)}


def _tolerances(dtype, rtol, atol):
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    if rtol is not None:
        return rtol, atol
    return _TOLERANCES.get(dtype, (0.0, 0.0))


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    _compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, ())


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, path):
    where = "".join(f"[{key!r}]" for key in path)
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        if not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
            raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                            f"{type(expected)}.")
        return _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg, where)
    if isinstance(actual, (bool, int, float, complex)) and isinstance(expected, (bool, int, float, complex)):
        if type(actual) is not type(expected) and check_dtype:
            raise AssertionError(f"The values for attribute 'type' do not match: {type(actual)} != {type(expected)}.")
        rt, at = _tolerances(_dtype.float64 if isinstance(expected, (float, complex)) else None, rtol, atol)
        difference = abs(actual - expected)
        nan_pair = equal_nan and _isnan(actual) and _isnan(expected)
        if not nan_pair and not (actual == expected or difference <= at + rt * abs(expected)):
            raise AssertionError(msg or (
                f"Scalars are not close!{_at(where)}\n\nExpected {expected} but got {actual}.\n"
                f"Absolute difference: {difference} (up to {at} allowed)\n"
                f"Relative difference: {difference / abs(expected) if expected else math.inf} (up to {rt} allowed)"))
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match:\nMissing keys in the actual mapping: "
                                 f"{sorted(map(repr, set(expected) - set(actual)))}\nExtra keys in the actual "
                                 f"mapping: {sorted(map(repr, set(actual) - set(expected)))}")
        for key in expected:
            _compare(actual[key], expected[key], rtol, atol, equal_nan, check_dtype, msg, (*path, key))
        return
    if (isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(actual, str)
            and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for index, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_dtype, msg, (*path, index))
        return
    if actual is None and expected is None:
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _isnan(value):
    return isinstance(value, (float, complex)) and value != value


def _at(where):
    return f"\n\nThe failure occurred for item {where}" if where else ""


def _host(tensor):
    """The tensor's values as a host array (bfloat16 included, which Tensor.numpy refuses as torch's does)."""
    return _backend.to_host(tensor._data)


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, msg, where):
    if tuple(actual.shape) != tuple(expected.shape):
        raise AssertionError(f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
                             + _at(where))
    if check_dtype and actual.dtype is not expected.dtype:
        raise AssertionError(f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
                             + _at(where))
    rt, at = _tolerances(expected.dtype, rtol, atol)
    a = _host(actual)
    e = _host(expected)
    if a.dtype == np.bool_ or e.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    wide = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(e) else np.float64
    a, e = a.astype(wide), e.astype(wide)
    close = np.isclose(a, e, rtol=rt, atol=at, equal_nan=equal_nan) | (a == e)
    if close.all():
        return
    if msg is not None:
        raise AssertionError(msg)
    mismatched = int((~close).sum())
    # torch reports the differences computed in the compared dtype (integers: relative ones in float32)
    report = np.result_type(_host(actual).dtype, _host(expected).dtype)
    integer_report = report.kind in "biu"
    a_r = _host(actual).astype(np.int64 if integer_report else report)
    e_r = _host(expected).astype(np.int64 if integer_report else report)
    with _backend.errstate(np, divide="ignore", invalid="ignore", over="ignore"):  # on host copies (_host)
        absolute = np.where(close, 0, np.abs(a_r - e_r))
        relative = np.where(close, 0, (absolute.astype(np.float32) if integer_report else absolute) / np.abs(
            e_r.astype(np.float32) if integer_report else e_r))
    absolute, relative = np.nan_to_num(absolute, nan=np.inf), np.nan_to_num(relative, nan=np.inf)
    worst_abs, worst_rel = np.unravel_index(absolute.argmax(), a.shape), np.unravel_index(relative.argmax(), a.shape)
    integer = actual.dtype.category in (_dtype.BOOL, _dtype.INTEGER) and expected.dtype.category in (
        _dtype.BOOL, _dtype.INTEGER)
    number = (lambda value: int(value)) if integer else (lambda value: float(value))
    lines = ["Tensor-likes are not close!" if not (rt == 0 and at == 0) else "Tensor-likes are not equal!", "",
             f"Mismatched elements: {mismatched} / {a.size} ({100 * mismatched / a.size:.1f}%)",
             f"Greatest absolute difference: {number(absolute[worst_abs])} at index {tuple(map(int, worst_abs))}"
             + ("" if rt == 0 and at == 0 else f" (up to {at} allowed)"),
             f"Greatest relative difference: {float(relative[worst_rel])} at index {tuple(map(int, worst_rel))}"
             + ("" if rt == 0 and at == 0 else f" (up to {rt} allowed)")]
    raise AssertionError("\n".join(lines) + _at(where))


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """The deprecated form: dtypes need not match."""
    from ._creation import as_tensor
    actual, expected = as_tensor(actual), as_tensor(expected)
    assert_close(actual, expected.to(actual.dtype) if isinstance(expected, Tensor) else expected, rtol=rtol,
                 atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)
