"""Tests for ember._printing, whose output must equal torch's tensor repr character for character.

The first section compares against literals recorded from torch 2.13 (with "torch." replaced by
"ember."), so it runs without torch. The second section, which requests the ``torch`` fixture,
compares against a live torch when one is installed.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

try:
    from ember._printing import format_tensor, get_printoptions, printoptions, set_printoptions
except Exception:  # ember/__init__.py may be missing or mid-edit: load the module file directly.
    _spec = importlib.util.spec_from_file_location(
        "ember_printing_standalone", Path(__file__).resolve().parents[1] / "ember" / "_printing.py"
    )
    _printing = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_printing)
    format_tensor, get_printoptions = _printing.format_tensor, _printing.get_printoptions
    printoptions, set_printoptions = _printing.printoptions, _printing.set_printoptions

DEFAULT_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


@pytest.fixture
def ember_defaults():
    """Restores ember's default print options after the test, even if it fails."""
    yield
    set_printoptions(profile="default")


# ---------------------------------------------------------------------------
# Literal expectations recorded from torch 2.13
# ---------------------------------------------------------------------------


def case(case_id, array, expected, *, dtype_suffix=None, suffixes=(), options=None, prefix="tensor("):
    return pytest.param(array, expected, dtype_suffix, suffixes, options or {}, prefix, id=case_id)


RECORDED_CASES = [
    case("scalar_integral_float", np.array(3.0, np.float32), "tensor(3.)"),
    case("scalar_float", np.array(0.123456, np.float32), "tensor(0.1235)"),
    case(
        "scalar_float64",
        np.array(2.5),
        "tensor(2.5000, dtype=ember.float64)",
        dtype_suffix="ember.float64",
    ),
    case("scalar_int", np.array(5), "tensor(5)"),
    case(
        "scalar_negative_int8",
        np.array(-7, np.int8),
        "tensor(-7, dtype=ember.int8)",
        dtype_suffix="ember.int8",
    ),
    case("scalar_bool", np.array(True), "tensor(True)"),
    case("scalar_negative_zero", np.array(-0.0, np.float32), "tensor(-0.)"),
    case("scalar_nan", np.array(np.nan, np.float32), "tensor(nan)"),
    case("scalar_neg_inf", np.array(-np.inf, np.float32), "tensor(-inf)"),
    case("scalar_large_is_scientific", np.array(1e10, np.float32), "tensor(1.0000e+10)"),
    case("scalar_small_is_scientific", np.array(1e-5, np.float32), "tensor(1.0000e-05)"),
    case("scalar_complex", np.array(1 + 2j, np.complex64), "tensor(1.+2.j)"),
    case(
        "scalar_grad_fn",
        np.array(9.0, np.float32),
        "tensor(9., grad_fn=<PowBackward0>)",
        suffixes=("grad_fn=<PowBackward0>",),
    ),
    case(
        "requires_grad",
        np.array([1.0, 2.0], np.float32),
        "tensor([1., 2.], requires_grad=True)",
        suffixes=("requires_grad=True",),
    ),
    case("int64", np.array([1, 2]), "tensor([1, 2])"),
    case("int_padding", np.array([-1, 10, 200]), "tensor([ -1,  10, 200])"),
    case("integral_floats", np.array([1.0, 2.0], np.float32), "tensor([1., 2.])"),
    case(
        "float64_precision",
        np.array([[0.12345, 1.0]]),
        "tensor([[0.1235, 1.0000]], dtype=ember.float64)",
        dtype_suffix="ember.float64",
    ),
    case(
        "mixed_signs",
        np.array([-1.5, 2.25, 100.125], np.float32),
        "tensor([ -1.5000,   2.2500, 100.1250])",
    ),
    case(
        "rounding_widens",
        np.array([9.99996, 1.0]),
        "tensor([10.0000,  1.0000], dtype=ember.float64)",
        dtype_suffix="ember.float64",
    ),
    case(
        "small_value_scientific",
        np.array([1e-5, 1.0], np.float32),
        "tensor([1.0000e-05, 1.0000e+00])",
    ),
    case(
        "wide_range_scientific",
        np.array([1e-5, 1e8], np.float32),
        "tensor([1.0000e-05, 1.0000e+08])",
    ),
    case("above_1e8_scientific", np.array([1e10], np.float32), "tensor([1.0000e+10])"),
    case("exactly_1e8_fixed", np.array([1e8, 2e7], np.float32), "tensor([100000000.,  20000000.])"),
    case(
        "ratio_over_1000_scientific",
        np.array([1.0, 1000.5], np.float32),
        "tensor([1.0000e+00, 1.0005e+03])",
    ),
    case("ratio_1000_fixed", np.array([0.5, 500.0], np.float32), "tensor([  0.5000, 500.0000])"),
    case(
        "nonfinite_mixed",
        np.array([1.5, np.nan, np.inf, -np.inf], np.float32),
        "tensor([1.5000,    nan,    inf,   -inf])",
    ),
    case(
        "nonfinite_with_integral",
        np.array([0.0, np.nan, 1.0, -np.inf], np.float32),
        "tensor([0., nan, 1., -inf])",
    ),
    case("only_nonfinite", np.array([np.nan, np.inf], np.float32), "tensor([nan, inf])"),
    case(
        "nonfinite_scientific",
        np.array([1e-8, np.nan, -np.inf], np.float32),
        "tensor([1.0000e-08,        nan,       -inf])",
    ),
    case("negative_zero", np.array([-0.0], np.float32), "tensor([-0.])"),
    case("negative_zero_fraction", np.array([-0.0, 1.5], np.float32), "tensor([-0.0000, 1.5000])"),
    case(
        "zeros",
        np.zeros((2, 2), np.float32),
        (
            "tensor([[0., 0.],\n"
            "        [0., 0.]])"
        ),
    ),
    case(
        "float16",
        np.array([0.1, 1 / 3, 65504], np.float16),
        "tensor([9.9976e-02, 3.3325e-01, 6.5504e+04], dtype=ember.float16)",
        dtype_suffix="ember.float16",
    ),
    case(
        "float16_wide_range",
        np.array([1e-5, 6e4], np.float16),
        "tensor([1.0014e-05, 6.0000e+04], dtype=ember.float16)",
        dtype_suffix="ember.float16",
    ),
    case(
        "float16_subnormal",
        np.array([6e-8, 1.0], np.float16),
        "tensor([5.9605e-08, 1.0000e+00], dtype=ember.float16)",
        dtype_suffix="ember.float16",
    ),
    case(
        "int8",
        np.array([-128, 0, 127], np.int8),
        "tensor([-128,    0,  127], dtype=ember.int8)",
        dtype_suffix="ember.int8",
    ),
    case(
        "int16",
        np.array([[-300], [2]], np.int16),
        (
            "tensor([[-300],\n"
            "        [   2]], dtype=ember.int16)"
        ),
        dtype_suffix="ember.int16",
    ),
    case(
        "int32",
        np.array([7, -8], np.int32),
        "tensor([ 7, -8], dtype=ember.int32)",
        dtype_suffix="ember.int32",
    ),
    case(
        "uint8",
        np.array([0, 255], np.uint8),
        "tensor([  0, 255], dtype=ember.uint8)",
        dtype_suffix="ember.uint8",
    ),
    case("bool", np.array([True, False]), "tensor([ True, False])"),
    case(
        "bool_all_true",
        np.array([[True], [True]]),
        (
            "tensor([[True],\n"
            "        [True]])"
        ),
    ),
    case(
        "complex64",
        np.array([1 + 2j, -0.5 - 1j], np.complex64),
        "tensor([ 1.0000+2.j, -0.5000-1.j])",
    ),
    case(
        "complex128_nonfinite",
        np.array([np.nan + 1j, 2 - np.inf * 1j, 3 + 0j]),
        "tensor([nan+1.j, nan-infj, 3.+0.j], dtype=ember.complex128)",
        dtype_suffix="ember.complex128",
    ),
    case(
        "complex_negative_zero_imag",
        np.array([complex(1.0, -0.0), 2.5j], np.complex64),
        "tensor([1.-0.0000j, 0.+2.5000j])",
    ),
    case(
        "complex_scientific",
        np.array([1e-6 + 1e6j, 1 - 1j], np.complex64),
        "tensor([1.0000e-06+1.0000e+06j, 1.0000e+00-1.0000e+00j])",
    ),
    case(
        "complex_2d",
        np.array([[1 + 1j, 2.5 - 3j], [0j, -1j]], np.complex128),
        (
            "tensor([[1.0000+1.j, 2.5000-3.j],\n"
            "        [0.0000+0.j, -0.0000-1.j]], dtype=ember.complex128)"
        ),
        dtype_suffix="ember.complex128",
    ),
    case(
        "wrapped_row",
        np.arange(30, dtype=np.float32) / 7,
        (
            "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
            "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
            "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
            "        3.8571, 4.0000, 4.1429])"
        ),
    ),
    case(
        "wrapped_int_row",
        np.arange(40) * 1001,
        (
            "tensor([    0,  1001,  2002,  3003,  4004,  5005,  6006,  7007,  8008,  9009,\n"
            "        10010, 11011, 12012, 13013, 14014, 15015, 16016, 17017, 18018, 19019,\n"
            "        20020, 21021, 22022, 23023, 24024, 25025, 26026, 27027, 28028, 29029,\n"
            "        30030, 31031, 32032, 33033, 34034, 35035, 36036, 37037, 38038, 39039])"
        ),
    ),
    case("summarised_row", np.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    case(
        "summarised_float_row",
        np.linspace(0, 1, 1001, dtype=np.float32),
        "tensor([0.0000, 0.0010, 0.0020,  ..., 0.9980, 0.9990, 1.0000])",
    ),
    case(
        "matrix",
        np.arange(6).reshape(2, 3),
        (
            "tensor([[0, 1, 2],\n"
            "        [3, 4, 5]])"
        ),
    ),
    case(
        "wide_matrix_wraps",
        np.arange(36, dtype=np.float32).reshape(3, 12) / 3,
        (
            "tensor([[ 0.0000,  0.3333,  0.6667,  1.0000,  1.3333,  1.6667,  2.0000,  2.3333,\n"
            "          2.6667,  3.0000,  3.3333,  3.6667],\n"
            "        [ 4.0000,  4.3333,  4.6667,  5.0000,  5.3333,  5.6667,  6.0000,  6.3333,\n"
            "          6.6667,  7.0000,  7.3333,  7.6667],\n"
            "        [ 8.0000,  8.3333,  8.6667,  9.0000,  9.3333,  9.6667, 10.0000, 10.3333,\n"
            "         10.6667, 11.0000, 11.3333, 11.6667]])"
        ),
    ),
    case(
        "summarised_matrix",
        np.arange(2000).reshape(40, 50),
        (
            "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
            "        [  50,   51,   52,  ...,   97,   98,   99],\n"
            "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
            "        ...,\n"
            "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
            "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
            "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])"
        ),
    ),
    case(
        "summarised_short_rows",
        np.arange(2000, dtype=np.float64).reshape(400, 5) / 8,
        (
            "tensor([[0.0000e+00, 1.2500e-01, 2.5000e-01, 3.7500e-01, 5.0000e-01],\n"
            "        [6.2500e-01, 7.5000e-01, 8.7500e-01, 1.0000e+00, 1.1250e+00],\n"
            "        [1.2500e+00, 1.3750e+00, 1.5000e+00, 1.6250e+00, 1.7500e+00],\n"
            "        ...,\n"
            "        [2.4812e+02, 2.4825e+02, 2.4838e+02, 2.4850e+02, 2.4862e+02],\n"
            "        [2.4875e+02, 2.4888e+02, 2.4900e+02, 2.4912e+02, 2.4925e+02],\n"
            "        [2.4938e+02, 2.4950e+02, 2.4962e+02, 2.4975e+02, 2.4988e+02]],\n"
            "       dtype=ember.float64)"
        ),
        dtype_suffix="ember.float64",
    ),
    case(
        "cube",
        np.arange(24).reshape(2, 3, 4),
        (
            "tensor([[[ 0,  1,  2,  3],\n"
            "         [ 4,  5,  6,  7],\n"
            "         [ 8,  9, 10, 11]],\n"
            "\n"
            "        [[12, 13, 14, 15],\n"
            "         [16, 17, 18, 19],\n"
            "         [20, 21, 22, 23]]])"
        ),
    ),
    case(
        "summarised_cube",
        np.arange(60, dtype=np.float32).reshape(3, 4, 5),
        (
            "tensor([[[ 0.,  ...,  4.],\n"
            "         ...,\n"
            "         [15.,  ..., 19.]],\n"
            "\n"
            "        ...,\n"
            "\n"
            "        [[40.,  ..., 44.],\n"
            "         ...,\n"
            "         [55.,  ..., 59.]]])"
        ),
        options={"threshold": 20, "edgeitems": 1},
    ),
    case(
        "four_dims",
        np.arange(16).reshape(2, 2, 2, 2),
        (
            "tensor([[[[ 0,  1],\n"
            "          [ 2,  3]],\n"
            "\n"
            "         [[ 4,  5],\n"
            "          [ 6,  7]]],\n"
            "\n"
            "\n"
            "        [[[ 8,  9],\n"
            "          [10, 11]],\n"
            "\n"
            "         [[12, 13],\n"
            "          [14, 15]]]])"
        ),
    ),
    case("empty", np.zeros(0, np.float32), "tensor([])"),
    case("empty_matrix", np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    case(
        "empty_int32",
        np.zeros(0, np.int32),
        "tensor([], dtype=ember.int32)",
        dtype_suffix="ember.int32",
    ),
    case(
        "empty_int64",
        np.zeros(0, np.int64),
        "tensor([], dtype=ember.int64)",
        dtype_suffix="ember.int64",
    ),
    case(
        "empty_bool",
        np.zeros((1, 0), np.bool_),
        "tensor([], size=(1, 0), dtype=ember.bool)",
        dtype_suffix="ember.bool",
    ),
    case(
        "empty_complex64",
        np.zeros(0, np.complex64),
        "tensor([], dtype=ember.complex64)",
        dtype_suffix="ember.complex64",
    ),
    case(
        "empty_float64_3d",
        np.zeros((2, 0, 3)),
        "tensor([], size=(2, 0, 3), dtype=ember.float64)",
        dtype_suffix="ember.float64",
    ),
    case(
        "empty_requires_grad",
        np.zeros((0, 2), np.float32),
        "tensor([], size=(0, 2), requires_grad=True)",
        suffixes=("requires_grad=True",),
    ),
    case(
        "empty_suffix_order",
        np.zeros((0, 2)),
        "tensor([], size=(0, 2), dtype=ember.float64, requires_grad=True)",
        dtype_suffix="ember.float64",
        suffixes=("requires_grad=True",),
    ),
    case(
        "edgeitems_0_suffix_order",
        np.arange(4, dtype=np.int32),
        "tensor([0, 1, 2, 3], size=(4,), dtype=ember.int32)",
        dtype_suffix="ember.int32",
        options={"edgeitems": 0},
    ),
    case(
        "dtype_suffix_wraps",
        np.arange(9, dtype=np.float64) * 1.1,
        (
            "tensor([0.0000, 1.1000, 2.2000, 3.3000, 4.4000, 5.5000, 6.6000, 7.7000, 8.8000],\n"
            "       dtype=ember.float64)"
        ),
        dtype_suffix="ember.float64",
    ),
    case(
        "dtype_suffix_fits",
        np.arange(10, 23, dtype=np.int8),
        "tensor([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22], dtype=ember.int8)",
        dtype_suffix="ember.int8",
    ),
    case(
        "dtype_suffix_wraps_one_column_early",
        np.arange(-100, -91, dtype=np.int8),
        (
            "tensor([-100,  -99,  -98,  -97,  -96,  -95,  -94,  -93,  -92],\n"
            "       dtype=ember.int8)"
        ),
        dtype_suffix="ember.int8",
    ),
    case(
        "suffixes_after_multiline",
        np.arange(20, dtype=np.float64) / 3,
        (
            "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
            "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n"
            "        6.0000, 6.3333], dtype=ember.float64, grad_fn=<CloneBackward0>)"
        ),
        dtype_suffix="ember.float64",
        suffixes=("grad_fn=<CloneBackward0>",),
    ),
    case(
        "suffix_wraps_alone",
        np.arange(9, dtype=np.float32) * 1.1,
        (
            "tensor([0.0000, 1.1000, 2.2000, 3.3000, 4.4000, 5.5000, 6.6000, 7.7000, 8.8000],\n"
            "       grad_fn=<CloneBackward0>)"
        ),
        suffixes=("grad_fn=<CloneBackward0>",),
    ),
    case(
        "precision_2",
        np.array([1.12345, 2.5], np.float32),
        "tensor([1.12, 2.50])",
        options={"precision": 2},
    ),
    case(
        "precision_0",
        np.array([1.5, 2.25], np.float32),
        "tensor([2, 2])",
        options={"precision": 0},
    ),
    case(
        "sci_mode_forced_on",
        np.array([1.5, 20.0], np.float32),
        "tensor([1.5000e+00, 2.0000e+01])",
        options={"sci_mode": True},
    ),
    case(
        "sci_mode_forced_on_integral",
        np.array([1.0, 20.0], np.float32),
        "tensor([1.0000e+00, 2.0000e+01])",
        options={"sci_mode": True},
    ),
    case(
        "sci_mode_forced_on_zeros",
        np.array([0.0, -0.0], np.float32),
        "tensor([0., -0.])",
        options={"sci_mode": True},
    ),
    case(
        "sci_mode_forced_off",
        np.array([1e-5, 1e8], np.float32),
        "tensor([        0.0000, 100000000.0000])",
        options={"sci_mode": False},
    ),
    case(
        "threshold_5",
        np.arange(10),
        "tensor([0, 1, 2,  ..., 7, 8, 9])",
        options={"threshold": 5},
    ),
    case(
        "threshold_5_matrix",
        np.arange(12).reshape(3, 4),
        (
            "tensor([[ 0,  ...,  3],\n"
            "        ...,\n"
            "        [ 8,  ..., 11]])"
        ),
        options={"threshold": 5, "edgeitems": 1},
    ),
    case(
        "edgeitems_2",
        np.arange(2000),
        "tensor([   0,    1,  ..., 1998, 1999])",
        options={"edgeitems": 2},
    ),
    case(
        "edgeitems_0_small",
        np.arange(4),
        "tensor([0, 1, 2, 3], size=(4,))",
        options={"edgeitems": 0},
    ),
    case(
        "edgeitems_0_summarised",
        np.arange(2000, dtype=np.float32).reshape(2, 1000),
        "tensor([...], size=(2, 1000))",
        options={"edgeitems": 0},
    ),
    case(
        "linewidth_40",
        np.arange(20, dtype=np.float32) / 3,
        (
            "tensor([0.0000, 0.3333, 0.6667, 1.0000,\n"
            "        1.3333, 1.6667, 2.0000, 2.3333,\n"
            "        2.6667, 3.0000, 3.3333, 3.6667,\n"
            "        4.0000, 4.3333, 4.6667, 5.0000,\n"
            "        5.3333, 5.6667, 6.0000, 6.3333])"
        ),
        options={"linewidth": 40},
    ),
    case(
        "linewidth_40_suffix",
        np.arange(6, dtype=np.float64),
        (
            "tensor([0., 1., 2., 3., 4., 5.],\n"
            "       dtype=ember.float64,\n"
            "       requires_grad=True)"
        ),
        dtype_suffix="ember.float64",
        suffixes=("requires_grad=True",),
        options={"linewidth": 40},
    ),
    case(
        "profile_short",
        np.arange(2000, dtype=np.float32) / 3,
        "tensor([0.00e+00, 3.33e-01,  ..., 6.66e+02, 6.66e+02])",
        options={"profile": "short"},
    ),
    case(
        "subclass_prefix",
        np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),
        (
            "MyTensor([[1., 2.],\n"
            "          [3., 4.]])"
        ),
        prefix="MyTensor(",
    ),
]


@pytest.mark.parametrize("array, expected, dtype_suffix, suffixes, options, prefix", RECORDED_CASES)
def test_matches_recorded_torch_output(array, expected, dtype_suffix, suffixes, options, prefix):
    with printoptions(**options):
        actual = format_tensor(array, dtype_suffix=dtype_suffix, suffixes=suffixes, prefix=prefix)
    assert actual == expected


def test_default_printoptions():
    assert get_printoptions() == DEFAULT_OPTIONS


@pytest.mark.usefixtures("ember_defaults")
@pytest.mark.parametrize(
    "profile, changed",
    [
        ("short", {"precision": 2, "edgeitems": 2}),
        ("full", {"threshold": math.inf}),
        ("default", {}),
        ("no-such-profile", {}),  # torch ignores unknown profiles
    ],
)
def test_profiles(profile, changed):
    set_printoptions(precision=7, threshold=3, edgeitems=1, linewidth=20)
    set_printoptions(profile="default")
    set_printoptions(profile=profile)
    assert get_printoptions() == {**DEFAULT_OPTIONS, **changed}


@pytest.mark.usefixtures("ember_defaults")
def test_explicit_options_override_profile():
    set_printoptions(profile="short", precision=6, linewidth=100)
    assert get_printoptions() == {**DEFAULT_OPTIONS, "precision": 6, "edgeitems": 2, "linewidth": 100}


@pytest.mark.usefixtures("ember_defaults")
def test_omitting_sci_mode_resets_it_like_torch():
    set_printoptions(sci_mode=True)
    set_printoptions(precision=3)
    assert get_printoptions()["sci_mode"] is None


def test_printoptions_context_restores_on_error():
    with pytest.raises(RuntimeError), printoptions(precision=1, sci_mode=True):
        assert format_tensor(np.array([0.25], np.float32)) == "tensor([2.5e-01])"
        raise RuntimeError
    assert get_printoptions() == DEFAULT_OPTIONS


def test_printoptions_context_nests():
    with printoptions(threshold=5):
        with printoptions(edgeitems=1):
            assert format_tensor(np.arange(10)) == "tensor([0,  ..., 9])"
        assert get_printoptions() == {**DEFAULT_OPTIONS, "threshold": 5}
    assert get_printoptions() == DEFAULT_OPTIONS


def test_accepts_non_contiguous_views():
    matrix = np.arange(6).reshape(2, 3)
    assert format_tensor(matrix.T[::-1]) == format_tensor(np.ascontiguousarray(matrix.T[::-1]))


# ---------------------------------------------------------------------------
# Comparison with a live torch
# ---------------------------------------------------------------------------

DTYPES = [
    np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.bool_, np.complex64, np.complex128,
]
# Dtypes torch leaves out of a non-empty repr when the default dtype is float32.
UNPRINTED_DTYPES = {np.float32, np.complex64, np.int64, np.bool_}

OPTION_VARIANTS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 5},
    {"edgeitems": 2},
    {"edgeitems": 0},
    {"linewidth": 40},
    {"linewidth": 7},
    {"profile": "full"},
    {"profile": "short"},
    {"threshold": 20, "edgeitems": 1, "linewidth": 50, "precision": 3},
]


@pytest.fixture
def torch():
    """The real torch module; print options are reset in both libraries afterwards."""
    torch = pytest.importorskip("torch")
    yield torch
    torch.set_printoptions(profile="default")
    set_printoptions(profile="default")


def set_both_printoptions(torch, **options):
    """Start both libraries from the defaults, then apply the same options to each."""
    for set_options in (set_printoptions, torch.set_printoptions):
        set_options(profile="default")
        set_options(**options)


def torch_dtype_suffix(array):
    """The dtype_suffix a caller must pass: empty tensors hide only the default float dtype."""
    if array.size == 0:
        hidden = array.dtype == np.float32
    else:
        hidden = array.dtype.type in UNPRINTED_DTYPES
    return None if hidden else f"ember.{array.dtype.name}"


def assert_matches_torch(torch, array, autograd=None):
    """Compare with torch; autograd "leaf" or "clone" adds torch's requires_grad/grad_fn suffix."""
    tensor = torch.from_numpy(array.copy())
    suffixes = ()
    if autograd and array.dtype.kind in "fc":
        tensor = tensor.requires_grad_()
        suffixes = ("requires_grad=True",)
        if autograd == "clone":
            tensor = tensor.clone()
            suffixes = ("grad_fn=<CloneBackward0>",)
    expected = repr(tensor).replace("torch.", "ember.")
    actual = format_tensor(array, dtype_suffix=torch_dtype_suffix(array), suffixes=suffixes)
    assert actual == expected


def random_array(rng):
    """An array of random dtype and shape, often near the summarisation threshold, with
    magnitudes from 1e-12 to 1e13 and sometimes nan, inf and signed zeros."""
    dtype = np.dtype(DTYPES[rng.integers(len(DTYPES))])
    ndim = int(rng.integers(0, 5))
    max_side = [1, 1500, 45, 12, 7][ndim]
    shape = tuple(int(side) for side in rng.integers(0, max_side, size=ndim, endpoint=True))
    count = math.prod(shape)
    if dtype.kind in "fc":
        values = rng.standard_normal(count) * 10.0 ** rng.integers(-12, 14)
        if rng.random() < 0.3:
            values = np.round(values)
        if dtype.kind == "c":
            values = values + 1j * rng.standard_normal(count) * 10.0 ** rng.integers(-6, 8)
        if rng.random() < 0.3 and count:
            specials = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], 3)
            values[rng.integers(0, count, 3)] = specials
    elif dtype.kind == "b":
        values = rng.random(count) < 0.5
    else:
        info = np.iinfo(dtype)
        low = max(int(info.min), -(10 ** int(rng.integers(1, 19))))
        values = rng.integers(low, info.max, size=count, endpoint=True)
    with np.errstate(over="ignore"):  # float16 overflows to inf, as a real tensor would
        return values.astype(dtype).reshape(shape)


@pytest.mark.parametrize("seed", range(300))
def test_random_arrays_match_torch(torch, seed):
    rng = np.random.default_rng(seed)
    assert_matches_torch(torch, random_array(rng), autograd=[None, "leaf", "clone"][seed % 3])


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("options", OPTION_VARIANTS, ids=str)
def test_random_arrays_match_torch_with_options(torch, options, seed):
    set_both_printoptions(torch, **options)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    rng = np.random.default_rng(1000 + seed)
    assert_matches_torch(torch, random_array(rng), autograd=[None, "leaf", "clone"][seed % 3])


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex64, np.float16])
@pytest.mark.parametrize("shape", [(999,), (1000,), (1001,), (10, 100), (1001, 1), (7, 11, 13), (2, 3, 167)])
def test_threshold_boundary_matches_torch(torch, shape, dtype):
    values = np.linspace(-3, 50, math.prod(shape)).reshape(shape)
    assert_matches_torch(torch, (values * (1 + 1j) if np.dtype(dtype).kind == "c" else values).astype(dtype))


@pytest.mark.parametrize(
    "values",
    [[1e-4, 1.0], [9.9999e-5, 1.0], [1e8], [1.00001e8], [1.0, 1000.0], [1.0, 1000.1], [0.5, -0.0],
     [1e-320, 1e308], [9.99995, 0.1], [99999.5, 1.0], [-1e-300, 1e300]],
)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_scientific_notation_thresholds_match_torch(torch, values, dtype):
    with np.errstate(over="ignore", under="ignore"):
        assert_matches_torch(torch, np.array(values, dtype=dtype))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(DTYPES),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12),
    ),
    options=st.fixed_dictionaries(
        {},
        optional={
            "precision": st.integers(0, 10),
            "sci_mode": st.booleans(),
            "threshold": st.integers(0, 60),
            "edgeitems": st.integers(0, 4),
            "linewidth": st.integers(1, 150),
        },
    ),
    autograd=st.sampled_from([None, "leaf", "clone"]),
)
def test_arbitrary_arrays_and_options_match_torch(torch, array, options, autograd):
    # The fixture only supplies torch and final cleanup; each example sets its own options.
    set_both_printoptions(torch, **options)
    assert_matches_torch(torch, array, autograd)
