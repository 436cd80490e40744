"""The misuse suite (issue 8): each case of tests/misuse_cases.py against torch's recorded answer.

A case that torch refuses must be refused by ember with the same exception class (or a
subclass of the same builtin) and a message carrying torch's key phrase; a case that torch
answers must be answered by ember with the same values, dtypes, shapes and warnings. The
recorded literals are re-checked against a live torch when one is installed.
"""
import builtins
import math
import warnings
from collections import Counter

import pytest
from misuse_cases import CASES
from misuse_cases_corners import CORNER_CASES, RECORDED
from misuse_cases_corners_shapes import RECORDED as RECORDED_SHAPES
from misuse_cases_corners_shapes import SHAPE_CASES

import ember

CORNER_CASES = CORNER_CASES + SHAPE_CASES
RECORDED = {**RECORDED, **RECORDED_SHAPES}
CASES = CASES + CORNER_CASES

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def observe(value):
    """A plain, comparable picture of what an action returned."""
    if hasattr(value, "detach") and hasattr(value, "dtype"):  # a tensor of either library
        return ("tensor", observe(value.detach().tolist()), str(value.dtype).split(".")[-1],
                tuple(value.shape), bool(value.requires_grad))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else round(value, 5)
    if isinstance(value, (list, tuple)):
        return [observe(item) for item in value]
    if type(value).__name__ == "dtype":
        return str(value).split(".")[-1]
    if isinstance(value, str):
        return value.replace("torch.", "").replace("ember.", "")
    return value


def outcome(case, lib):
    """('raised', exception) or ('returned', observed value)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "returned", observe(case.action(lib))
        except Exception as error:  # noqa: BLE001 - the class is what the test compares
            return "raised", error


def builtin_base(cls):
    return next(base for base in cls.__mro__ if getattr(builtins, base.__name__, None) is base)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_ember_answers_as_torch_does(case):
    kind, result = outcome(case, ember)
    if case.error is None:
        assert kind == "returned", f"torch returns here, ember raised {type(result).__name__}: {result}"
        return
    assert kind == "raised", f"torch raises {case.error} here; ember returned {result!r}"
    expected = getattr(builtins, case.error)
    assert isinstance(result, expected), f"ember raised {type(result).__name__}, torch raises {case.error}"
    phrase = case.phrase.replace("torch.", "ember.")  # ember names its own types (ember.Size ...)
    assert phrase in str(result), f"ember's message lacks torch's phrase {phrase!r}: {result}"


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_matches_live_torch(case):
    torch_kind, torch_result = outcome(case, torch)
    if case.error is not None:
        assert torch_kind == "raised", f"torch returned {torch_result!r}; the recorded error is stale"
        assert builtin_base(type(torch_result)).__name__ == case.error
        assert case.phrase in str(torch_result), f"torch's message changed: {torch_result}"
        return
    assert torch_kind == "returned", f"torch raised {torch_result!r}; record it"
    ember_kind, ember_result = outcome(case, ember)
    assert ember_kind == "returned", f"ember raised {ember_result!r}"
    assert ember_result == torch_result


def test_the_suite_is_broad():
    """Issue 8 asks for at least 120 cases across these categories."""
    counts = Counter(case.category for case in CASES)
    assert sum(counts.values()) >= 120, counts
    assert {"autograd", "inplace", "requires_grad", "grad_mode", "hooks", "shape", "index", "convert",
            "numerics", "kinks", "dtype"} <= set(counts), counts
    assert len({repr(case) for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", [case for case in CORNER_CASES if case.error is None], ids=repr)
def test_corner_answers_match_torch_record(case):
    """The corners' values are torch's recorded answers, computed without a floating-point warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = observe(case.action(ember))
    assert got == RECORDED[case.id]


def test_every_corner_answer_is_recorded():
    answered = {case.id for case in CORNER_CASES if case.error is None}
    assert answered == set(RECORDED), "run python tests/record_corners.py (needs torch)"
