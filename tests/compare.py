"""Comparing observations made with ember and with torch (or with hand-derived literals)."""
import math


def assert_same(expected, actual, path="value", *, rel_tol=1e-6, abs_tol=1e-6):
    """Recursive equality of plain values; floats within tolerance (float32 arithmetic may
    round differently from one library to the other), NaN equal to NaN."""
    if isinstance(expected, float) or isinstance(actual, float):
        assert isinstance(actual, (int, float)) and isinstance(expected, (int, float)), f"{path}: {actual!r}"
        if math.isnan(expected):
            assert math.isnan(actual), f"{path}: expected nan, got {actual!r}"
        else:
            assert math.isclose(actual, expected, rel_tol=rel_tol,
                                abs_tol=abs_tol), f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and expected.keys() == actual.keys(), f"{path}: keys {actual!r}"
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}[{key!r}]", rel_tol=rel_tol, abs_tol=abs_tol)
    elif isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for index, (want, got) in enumerate(zip(expected, actual)):
            assert_same(want, got, f"{path}[{index}]", rel_tol=rel_tol, abs_tol=abs_tol)
    else:
        assert type(actual) is type(expected) and actual == expected, f"{path}: {actual!r} != {expected!r}"
