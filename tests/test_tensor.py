"""Tensors themselves: creation, dtype promotion, conversions, repr and format.

Expected values are literals recorded from torch 2.13 (reprs with "torch." replaced by "ember.")
or derived by hand; the ``*_live_torch`` tests re-check the same cases against torch itself
when it is installed, and skip otherwise.
"""
import math
import re
import warnings

import compare
import numpy as np
import pytest

import ember


def plain(value):
    """(dtype name, shape, values) for a tensor of either library; other values pass through."""
    if hasattr(value, "tolist") and hasattr(value, "grad_fn"):
        return (str(value.dtype).split(".")[-1], list(value.shape), value.tolist())
    if type(value).__name__ == "dtype":
        return str(value).split(".")[-1]
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def assert_same(expected, actual, path="value"):
    compare.assert_same(expected, actual, path, abs_tol=1e-12)


def quietly(action, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return action(lib)


# -- creation ----------------------------------------------------------------------------------
# (id, make(lib)); what torch makes of each is recorded in CREATED below.
# fmt: off
CREATION = [
    ("tensor_nested_floats", lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.0]])),
    ("tensor_ints", lambda lib: lib.tensor([1, 2, 3])),
    ("tensor_bools", lambda lib: lib.tensor([True, False])),
    ("tensor_ints_and_floats", lambda lib: lib.tensor([1, 2.5])),
    ("tensor_bools_and_ints", lambda lib: lib.tensor([True, 2])),
    ("tensor_bools_and_floats", lambda lib: lib.tensor([True, 2.5])),
    ("tensor_rows_of_ints_and_floats", lambda lib: lib.tensor([[1, 2], [3.5, 4]])),
    ("tensor_0d_float", lambda lib: lib.tensor(3.5)),
    ("tensor_0d_int", lambda lib: lib.tensor(3)),
    ("tensor_0d_bool", lambda lib: lib.tensor(True)),
    ("tensor_empty_list", lambda lib: lib.tensor([])),
    ("tensor_empty_rows", lambda lib: lib.tensor([[], []])),
    ("tensor_tuple", lambda lib: lib.tensor((1, 2))),
    ("tensor_rows_list_and_tuple", lambda lib: lib.tensor([[1, 2], (3, 4)])),
    ("tensor_numpy_float64", lambda lib: lib.tensor(np.array([1.5, 2.0]))),
    ("tensor_numpy_int32", lambda lib: lib.tensor(np.array([1, 2], dtype=np.int32))),
    ("tensor_numpy_float16", lambda lib: lib.tensor(np.array([1.5, 2.0], dtype=np.float16))),
    ("tensor_numpy_bool", lambda lib: lib.tensor(np.array([True, False]))),
    ("tensor_numpy_uint8", lambda lib: lib.tensor(np.array([1, 255], dtype=np.uint8))),
    ("tensor_numpy_scalar_float64", lambda lib: lib.tensor(np.float64(2.5))),
    ("tensor_numpy_scalar_float32", lambda lib: lib.tensor(np.float32(2.5))),
    ("tensor_numpy_scalar_int32", lambda lib: lib.tensor(np.int32(2))),
    ("tensor_list_of_numpy_float64", lambda lib: lib.tensor([np.float64(1.5), np.float64(2.5)])),
    ("tensor_list_of_numpy_arrays", lambda lib: lib.tensor([np.array([1.0, 2.0]), np.array([3.0, 4.0])])),
    ("tensor_list_of_0d_tensors", lambda lib: lib.tensor([lib.tensor(1.0), lib.tensor(2.0)])),
    ("tensor_ints_as_float64", lambda lib: lib.tensor([1, 2], dtype=lib.float64)),
    ("tensor_floats_as_int32", lambda lib: lib.tensor([1.7, -2.7], dtype=lib.int32)),
    ("tensor_precise_float64", lambda lib: lib.tensor([0.1, 1e-300], dtype=lib.float64)),
    ("tensor_precise_float64_0d", lambda lib: lib.tensor(0.1, dtype=lib.float64)),
    ("tensor_float_as_float16", lambda lib: lib.tensor([0.1], dtype=lib.float16)),
    ("tensor_complex", lambda lib: lib.tensor([1 + 2j, 3.0])),
    ("tensor_large_int", lambda lib: lib.tensor([2 ** 40, -(2 ** 62)])),
    ("tensor_inf_nan", lambda lib: lib.tensor([float("inf"), float("-inf"), float("nan")])),
    ("zeros", lambda lib: lib.zeros(2, 3)),
    ("zeros_tuple", lambda lib: lib.zeros((2, 3))),
    ("zeros_list", lambda lib: lib.zeros([1, 2])),
    ("zeros_int32", lambda lib: lib.zeros(2, dtype=lib.int32)),
    ("zeros_0d", lambda lib: lib.zeros(())),
    ("zeros_empty", lambda lib: lib.zeros(0, 3)),
    ("ones_bool", lambda lib: lib.ones(3, dtype=lib.bool)),
    ("ones_float64", lambda lib: lib.ones(2, 2, dtype=lib.float64)),
    ("full_float", lambda lib: lib.full((2, 2), 1.5)),
    ("full_int", lambda lib: lib.full((2,), 7)),
    ("full_bool", lambda lib: lib.full((2,), True)),
    ("full_int_as_float64", lambda lib: lib.full((2,), 7, dtype=lib.float64)),
    ("zeros_like_int", lambda lib: lib.zeros_like(lib.tensor([[1, 2]]))),
    ("ones_like_as_float", lambda lib: lib.ones_like(lib.tensor([1, 2]), dtype=lib.float32)),
    ("full_like_int_truncates", lambda lib: lib.full_like(lib.tensor([1, 2]), 3.7)),
    ("full_like_float", lambda lib: lib.full_like(lib.tensor([1.0, 2.0]), 3)),
    ("arange_end", lambda lib: lib.arange(5)),
    ("arange_start_end_step", lambda lib: lib.arange(2, 9, 3)),
    ("arange_negative_start", lambda lib: lib.arange(-3, 3)),
    ("arange_float_step", lambda lib: lib.arange(0, 1, 0.25)),
    ("arange_tenths", lambda lib: lib.arange(0, 1, 0.1)),
    ("arange_float_end", lambda lib: lib.arange(5.0)),
    ("arange_negative_step", lambda lib: lib.arange(5, 0, -1)),
    ("arange_negative_int_step", lambda lib: lib.arange(10, 0, -3)),
    ("arange_negative_float_step", lambda lib: lib.arange(1.0, 0.0, -0.3)),
    ("arange_empty", lambda lib: lib.arange(0)),
    ("arange_as_float64", lambda lib: lib.arange(5, dtype=lib.float64)),
    ("arange_floats_as_int64", lambda lib: lib.arange(0.0, 3.5, dtype=lib.int64)),
    ("arange_floats_as_int32", lambda lib: lib.arange(0.0, 3.5, dtype=lib.int32)),
    ("arange_fractional_as_int64", lambda lib: lib.arange(-2.5, 2.5, dtype=lib.int64)),
    ("arange_fractional_as_int16", lambda lib: lib.arange(-2.5, 2.5, dtype=lib.int16)),
    ("arange_fractional_step_as_int64", lambda lib: lib.arange(3.9, 0, -1.2, dtype=lib.int64)),
    ("arange_as_uint8", lambda lib: lib.arange(0, 5.5, dtype=lib.uint8)),
    ("linspace", lambda lib: lib.linspace(0, 1, 5)),
    ("linspace_thirds", lambda lib: lib.linspace(0, 10, 4)),
    ("linspace_one_step", lambda lib: lib.linspace(2, 5, 1)),
    ("linspace_no_steps", lambda lib: lib.linspace(2, 5, 0)),
    ("linspace_descending", lambda lib: lib.linspace(3, -3, 7)),
    ("linspace_float64", lambda lib: lib.linspace(0, 1, 7, dtype=lib.float64)),
    ("linspace_int64", lambda lib: lib.linspace(0, 10, 4, dtype=lib.int64)),
    ("linspace_int32_negative", lambda lib: lib.linspace(-5, 5, 4, dtype=lib.int32)),
    ("linspace_int64_fractional_ends", lambda lib: lib.linspace(0.5, 9.5, 5, dtype=lib.int64)),
    ("logspace", lambda lib: lib.logspace(0, 3, 4)),
    ("logspace_base_2", lambda lib: lib.logspace(0, 4, 5, base=2)),
    ("logspace_float64", lambda lib: lib.logspace(-2, 2, 5, dtype=lib.float64)),
    ("eye", lambda lib: lib.eye(3)),
    ("eye_rectangular", lambda lib: lib.eye(2, 4)),
    ("eye_int64", lambda lib: lib.eye(2, dtype=lib.int64)),
    ("legacy_Tensor_from_list", lambda lib: lib.Tensor([1, 2])),
]

# Only dtype and shape: the values are uninitialised or random.
SHAPE_ONLY = [
    ("empty", lambda lib: lib.empty(2, 3)),
    ("empty_float64", lambda lib: lib.empty((2,), dtype=lib.float64)),
    ("empty_like", lambda lib: lib.empty_like(lib.ones(2, 3, dtype=lib.float64))),
    ("legacy_Tensor_sizes", lambda lib: lib.Tensor(2, 3)),
    ("rand", lambda lib: lib.rand(2, 3)),
    ("rand_tuple", lambda lib: lib.rand((4,))),
    ("rand_float64", lambda lib: lib.rand(2, dtype=lib.float64)),
    ("randn", lambda lib: lib.randn(3, 1)),
    ("randn_float64", lambda lib: lib.randn(4, dtype=lib.float64)),
    ("randint", lambda lib: lib.randint(0, 10, (3,))),
    ("randint_high_only", lambda lib: lib.randint(10, (2, 2))),
    ("randint_as_float", lambda lib: lib.randint(0, 10, (3,), dtype=lib.float32)),
    ("rand_like", lambda lib: lib.rand_like(lib.ones(2, dtype=lib.float64))),
    ("randn_like", lambda lib: lib.randn_like(lib.ones(2, 2))),
    ("randint_like_high", lambda lib: lib.randint_like(lib.ones(2, 3), 5)),
    ("randint_like_low_high", lambda lib: lib.randint_like(lib.ones(3, dtype=lib.int32), 2, 5)),
    ("randperm", lambda lib: lib.randperm(5)),
]
# fmt: on

# Recorded from torch 2.13: (dtype, shape, values).
# fmt: off
CREATED = {
    "tensor_nested_floats": ["float32", [2, 2], [[1.0, 2.0], [3.0, 4.0]]],
    "tensor_ints": ["int64", [3], [1, 2, 3]],
    "tensor_bools": ["bool", [2], [True, False]],
    "tensor_ints_and_floats": ["float32", [2], [1.0, 2.5]],
    "tensor_bools_and_ints": ["int64", [2], [1, 2]],
    "tensor_bools_and_floats": ["float32", [2], [1.0, 2.5]],
    "tensor_rows_of_ints_and_floats": ["float32", [2, 2], [[1.0, 2.0], [3.5, 4.0]]],
    "tensor_0d_float": ["float32", [], 3.5],
    "tensor_0d_int": ["int64", [], 3],
    "tensor_0d_bool": ["bool", [], True],
    "tensor_empty_list": ["float32", [0], []],
    "tensor_empty_rows": ["float32", [2, 0], [[], []]],
    "tensor_tuple": ["int64", [2], [1, 2]],
    "tensor_rows_list_and_tuple": ["int64", [2, 2], [[1, 2], [3, 4]]],
    "tensor_numpy_float64": ["float64", [2], [1.5, 2.0]],
    "tensor_numpy_int32": ["int32", [2], [1, 2]],
    "tensor_numpy_float16": ["float16", [2], [1.5, 2.0]],
    "tensor_numpy_bool": ["bool", [2], [True, False]],
    "tensor_numpy_uint8": ["uint8", [2], [1, 255]],
    "tensor_numpy_scalar_float64": ["float64", [], 2.5],
    "tensor_numpy_scalar_float32": ["float32", [], 2.5],
    "tensor_numpy_scalar_int32": ["int32", [], 2],
    "tensor_list_of_numpy_float64": ["float64", [2], [1.5, 2.5]],
    "tensor_list_of_numpy_arrays": ["float64", [2, 2], [[1.0, 2.0], [3.0, 4.0]]],
    "tensor_list_of_0d_tensors": ["float32", [2], [1.0, 2.0]],
    "tensor_ints_as_float64": ["float64", [2], [1.0, 2.0]],
    "tensor_floats_as_int32": ["int32", [2], [1, -2]],
    "tensor_precise_float64": ["float64", [2], [0.1, 1e-300]],
    "tensor_precise_float64_0d": ["float64", [], 0.1],
    "tensor_float_as_float16": ["float16", [1], [0.0999755859375]],
    "tensor_complex": ["complex64", [2], [(1+2j), (3+0j)]],
    "tensor_large_int": ["int64", [2], [1099511627776, -4611686018427387904]],
    "tensor_inf_nan": ["float32", [3], [float("inf"), -float("inf"), float("nan")]],
    "zeros": ["float32", [2, 3], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
    "zeros_tuple": ["float32", [2, 3], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
    "zeros_list": ["float32", [1, 2], [[0.0, 0.0]]],
    "zeros_int32": ["int32", [2], [0, 0]],
    "zeros_0d": ["float32", [], 0.0],
    "zeros_empty": ["float32", [0, 3], []],
    "ones_bool": ["bool", [3], [True, True, True]],
    "ones_float64": ["float64", [2, 2], [[1.0, 1.0], [1.0, 1.0]]],
    "full_float": ["float32", [2, 2], [[1.5, 1.5], [1.5, 1.5]]],
    "full_int": ["int64", [2], [7, 7]],
    "full_bool": ["bool", [2], [True, True]],
    "full_int_as_float64": ["float64", [2], [7.0, 7.0]],
    "zeros_like_int": ["int64", [1, 2], [[0, 0]]],
    "ones_like_as_float": ["float32", [2], [1.0, 1.0]],
    "full_like_int_truncates": ["int64", [2], [3, 3]],
    "full_like_float": ["float32", [2], [3.0, 3.0]],
    "arange_end": ["int64", [5], [0, 1, 2, 3, 4]],
    "arange_start_end_step": ["int64", [3], [2, 5, 8]],
    "arange_negative_start": ["int64", [6], [-3, -2, -1, 0, 1, 2]],
    "arange_float_step": ["float32", [4], [0.0, 0.25, 0.5, 0.75]],
    "arange_tenths": ["float32", [10], [0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896,
                                         0.4000000059604645, 0.5, 0.6000000238418579, 0.699999988079071,
                                         0.800000011920929, 0.8999999761581421]],
    "arange_float_end": ["float32", [5], [0.0, 1.0, 2.0, 3.0, 4.0]],
    "arange_negative_step": ["int64", [5], [5, 4, 3, 2, 1]],
    "arange_negative_int_step": ["int64", [4], [10, 7, 4, 1]],
    "arange_negative_float_step": ["float32", [4], [1.0, 0.699999988079071, 0.4000000059604645, 0.10000000149011612]],
    "arange_empty": ["int64", [0], []],
    "arange_as_float64": ["float64", [5], [0.0, 1.0, 2.0, 3.0, 4.0]],
    "arange_floats_as_int64": ["int64", [3], [0, 1, 2]],
    "arange_floats_as_int32": ["int32", [4], [0, 1, 2, 3]],
    "arange_fractional_as_int64": ["int64", [4], [-2, -1, 0, 1]],
    "arange_fractional_as_int16": ["int16", [5], [-2, -1, 0, 1, 2]],
    "arange_fractional_step_as_int64": ["int64", [3], [3, 2, 1]],
    "arange_as_uint8": ["uint8", [6], [0, 1, 2, 3, 4, 5]],
    "linspace": ["float32", [5], [0.0, 0.25, 0.5, 0.75, 1.0]],
    "linspace_thirds": ["float32", [4], [0.0, 3.3333332538604736, 6.6666669845581055, 10.0]],
    "linspace_one_step": ["float32", [1], [2.0]],
    "linspace_no_steps": ["float32", [0], []],
    "linspace_descending": ["float32", [7], [3.0, 2.0, 1.0, 0.0, -1.0, -2.0, -3.0]],
    "linspace_float64": ["float64", [7], [0.0, 0.16666666666666666, 0.3333333333333333, 0.5, 0.6666666666666667,
                                           0.8333333333333334, 1.0]],
    "linspace_int64": ["int64", [4], [0, 3, 6, 10]],
    "linspace_int32_negative": ["int32", [4], [-5, -1, 1, 5]],
    "linspace_int64_fractional_ends": ["int64", [5], [0, 2, 4, 6, 9]],
    "logspace": ["float32", [4], [1.0, 10.0, 100.0, 1000.0]],
    "logspace_base_2": ["float32", [5], [1.0, 2.0, 4.0, 8.0, 16.0]],
    "logspace_float64": ["float64", [5], [0.01, 0.1, 1.0, 10.0, 100.0]],
    "eye": ["float32", [3, 3], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]],
    "eye_rectangular": ["float32", [2, 4], [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]],
    "eye_int64": ["int64", [2, 2], [[1, 0], [0, 1]]],
    "legacy_Tensor_from_list": ["float32", [2], [1.0, 2.0]],
}

# Recorded from torch 2.13: (dtype, shape).
SHAPES = {
    "empty": ["float32", [2, 3]],
    "empty_float64": ["float64", [2]],
    "empty_like": ["float64", [2, 3]],
    "legacy_Tensor_sizes": ["float32", [2, 3]],
    "rand": ["float32", [2, 3]],
    "rand_tuple": ["float32", [4]],
    "rand_float64": ["float64", [2]],
    "randn": ["float32", [3, 1]],
    "randn_float64": ["float64", [4]],
    "randint": ["int64", [3]],
    "randint_high_only": ["int64", [2, 2]],
    "randint_as_float": ["float32", [3]],
    "rand_like": ["float64", [2]],
    "randn_like": ["float32", [2, 2]],
    "randint_like_high": ["float32", [2, 3]],
    "randint_like_low_high": ["int32", [3]],
    "randperm": ["int64", [5]],
}
# fmt: on


@pytest.mark.parametrize("case_id, make", CREATION, ids=[case[0] for case in CREATION])
def test_creation_matches_recorded_torch(case_id, make):
    assert_same(CREATED[case_id], plain(quietly(make, ember)))


@pytest.mark.parametrize("case_id, make", CREATION, ids=[case[0] for case in CREATION])
def test_creation_matches_live_torch(case_id, make):
    torch = pytest.importorskip("torch")
    assert_same(plain(quietly(make, torch)), plain(quietly(make, ember)))


@pytest.mark.parametrize("case_id, make", SHAPE_ONLY, ids=[case[0] for case in SHAPE_ONLY])
def test_dtype_and_shape_match_recorded_torch(case_id, make):
    made = make(ember)
    assert [str(made.dtype).split(".")[-1], list(made.shape)] == SHAPES[case_id]


@pytest.mark.parametrize("case_id, make", SHAPE_ONLY, ids=[case[0] for case in SHAPE_ONLY])
def test_dtype_and_shape_match_live_torch(case_id, make):
    torch = pytest.importorskip("torch")
    expected, made = make(torch), make(ember)
    assert [str(made.dtype).split(".")[-1], list(made.shape)] == [str(expected.dtype).split(".")[-1],
                                                                    list(expected.shape)]


def test_tensor_copies_its_data():
    source = np.array([1.0, 2.0])
    made = ember.tensor(source)
    source[0] = 100.0
    nested = [1.0, 2.0]
    from_list = ember.tensor(nested)
    nested[0] = 100.0
    assert made.tolist() == [1.0, 2.0] and from_list.tolist() == [1.0, 2.0]


def test_tensor_of_a_tensor_warns_and_copies():
    original = ember.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match=re.escape("sourceTensor.clone().detach()")):
        copied = ember.tensor(original)
    original.add_(1)
    assert copied.tolist() == [1.0, 2.0]


def test_requires_grad_at_creation():
    for made in (ember.tensor([1.0], requires_grad=True), ember.zeros(2, requires_grad=True),
                 ember.ones(2, requires_grad=True), ember.full((2,), 1.5, requires_grad=True),
                 ember.arange(3.0, requires_grad=True), ember.linspace(0, 1, 3, requires_grad=True),
                 ember.eye(2, requires_grad=True), ember.rand(2, requires_grad=True),
                 ember.randn(2, requires_grad=True), ember.zeros_like(ember.ones(2), requires_grad=True)):
        assert made.requires_grad and made.is_leaf and made.grad_fn is None


def test_randint_stays_within_bounds_and_reaches_both_ends():
    ember.manual_seed(0)
    values = ember.randint(-2, 3, (2000,))
    assert values.dtype is ember.int64
    assert set(values.tolist()) == {-2, -1, 0, 1, 2}
    assert set(ember.randint(4, (500,)).tolist()) == {0, 1, 2, 3}


def test_rand_is_in_unit_interval_and_randn_is_standard_normal():
    ember.manual_seed(1)
    uniform = ember.rand(20_000).numpy()
    normal = ember.randn(20_000, dtype=ember.float64).numpy()
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    assert abs(uniform.mean() - 0.5) < 0.01          # standard error 0.002
    assert abs(normal.mean()) < 0.04 and abs(normal.std() - 1.0) < 0.04  # standard errors 0.007, 0.005


def test_manual_seed_makes_random_numbers_repeatable():
    draws = []
    for _ in range(2):
        ember.manual_seed(1234)
        draws.append((ember.rand(5).tolist(), ember.randn(2, 2).tolist(), ember.randint(0, 100, (5,)).tolist(),
                      ember.randperm(6).tolist()))
    assert draws[0] == draws[1]
    ember.manual_seed(1235)
    assert ember.rand(5).tolist() != draws[0][0]


def test_a_generator_object_is_seeded_independently():
    generator = ember.Generator().manual_seed(7)
    first = ember.rand(3, generator=generator).tolist()
    ember.manual_seed(0)
    ember.rand(10)  # draws from the default generator do not disturb `generator`
    again = ember.rand(3, generator=ember.Generator().manual_seed(7)).tolist()
    assert first == again


def test_randperm_is_a_permutation():
    ember.manual_seed(3)
    assert sorted(ember.randperm(10).tolist()) == list(range(10))


# -- dtype promotion -----------------------------------------------------------------------------
CODES = {"b": "bool", "u8": "uint8", "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64",
         "f16": "float16", "f32": "float32", "f64": "float64", "c64": "complex64", "c128": "complex128",
         "c32": "complex32"}
ORDER = ["b", "u8", "i8", "i16", "i32", "i64", "f16", "f32", "f64", "c64", "c128"]

# Recorded from torch 2.13. Row: the first operand's dtype; column: the second's, in ORDER.
# fmt: off
PROMOTE_TYPES = {  # torch.promote_types(a, b): also the result for two tensors of the same kind
    "b": "b u8 i8 i16 i32 i64 f16 f32 f64 c64 c128",
    "u8": "u8 u8 i16 i16 i32 i64 f16 f32 f64 c64 c128",
    "i8": "i8 i16 i8 i16 i32 i64 f16 f32 f64 c64 c128",
    "i16": "i16 i16 i16 i16 i32 i64 f16 f32 f64 c64 c128",
    "i32": "i32 i32 i32 i32 i32 i64 f16 f32 f64 c64 c128",
    "i64": "i64 i64 i64 i64 i64 i64 f16 f32 f64 c64 c128",
    "f16": "f16 f16 f16 f16 f16 f16 f16 f32 f64 c64 c128",
    "f32": "f32 f32 f32 f32 f32 f32 f32 f32 f64 c64 c128",
    "f64": "f64 f64 f64 f64 f64 f64 f64 f64 f64 c128 c128",
    "c64": "c64 c64 c64 c64 c64 c64 c64 c64 c128 c64 c128",
    "c128": "c128 c128 c128 c128 c128 c128 c128 c128 c128 c128 c128",
}
DIMENSIONED_WITH_0D = {  # torch.result_type(tensor with dims of a, 0-d tensor of b)
    "b": "b u8 i8 i16 i32 i64 f16 f32 f64 c64 c128",
    "u8": "u8 u8 u8 u8 u8 u8 f16 f32 f64 c64 c128",
    "i8": "i8 i8 i8 i8 i8 i8 f16 f32 f64 c64 c128",
    "i16": "i16 i16 i16 i16 i16 i16 f16 f32 f64 c64 c128",
    "i32": "i32 i32 i32 i32 i32 i32 f16 f32 f64 c64 c128",
    "i64": "i64 i64 i64 i64 i64 i64 f16 f32 f64 c64 c128",
    "f16": "f16 f16 f16 f16 f16 f16 f16 f16 f16 c32 c32",
    "f32": "f32 f32 f32 f32 f32 f32 f32 f32 f32 c64 c64",
    "f64": "f64 f64 f64 f64 f64 f64 f64 f64 f64 c128 c128",
    "c64": "c64 c64 c64 c64 c64 c64 c64 c64 c64 c64 c64",
    "c128": "c128 c128 c128 c128 c128 c128 c128 c128 c128 c128 c128",
}
SCALARS = [True, 2, 2.5, 1j]
WITH_PYTHON_SCALARS = {  # torch.result_type(tensor of a, scalar) for SCALARS: with dims | 0-d
    "b": "b i64 f32 c64 | b i64 f32 c64",
    "u8": "u8 u8 f32 c64 | u8 u8 f32 c64",
    "i8": "i8 i8 f32 c64 | i8 i8 f32 c64",
    "i16": "i16 i16 f32 c64 | i16 i16 f32 c64",
    "i32": "i32 i32 f32 c64 | i32 i32 f32 c64",
    "i64": "i64 i64 f32 c64 | i64 i64 f32 c64",
    "f16": "f16 f16 f16 c32 | f16 f16 f16 c32",
    "f32": "f32 f32 f32 c64 | f32 f32 f32 c64",
    "f64": "f64 f64 f64 c128 | f64 f64 f64 c128",
    "c64": "c64 c64 c64 c64 | c64 c64 c64 c64",
    "c128": "c128 c128 c128 c128 | c128 c128 c128 c128",
}
# fmt: on


def _pairs():
    for row in ORDER:
        for column, promoted, with_0d in zip(ORDER, PROMOTE_TYPES[row].split(), DIMENSIONED_WITH_0D[row].split()):
            yield pytest.param(row, column, promoted, with_0d, id=f"{row}-{column}")


def _dtype(lib, code):
    return getattr(lib, CODES[code])


def _operand(lib, code, zero_dim):
    return lib.ones((), dtype=_dtype(lib, code)) if zero_dim else lib.ones(2, dtype=_dtype(lib, code))


def _name(dtype):
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize("row, column, promoted, with_0d", list(_pairs()))
def test_promotion_of_two_tensors_matches_recorded_torch(row, column, promoted, with_0d):
    a, b = _dtype(ember, row), _dtype(ember, column)
    assert _name(ember.promote_types(a, b)) == CODES[promoted]
    for zero_dim in (False, True):  # same kind on both sides: plain promote_types
        left, right = _operand(ember, row, zero_dim), _operand(ember, column, zero_dim)
        assert _name(ember.result_type(left, right)) == CODES[promoted]
    if with_0d == "c32":
        return  # torch's complex32 has no NumPy counterpart, so ember has no such dtype
    dimensioned, zero_dim = _operand(ember, row, False), _operand(ember, column, True)
    assert _name(ember.result_type(dimensioned, zero_dim)) == CODES[with_0d]
    assert _name(ember.result_type(zero_dim, dimensioned)) == CODES[with_0d]
    if {row, column} != {"b"}:  # the operators compute in that dtype (bool - bool is an error in torch)
        assert _name((dimensioned + zero_dim).dtype) == CODES[with_0d]
        assert _name((zero_dim * dimensioned).dtype) == CODES[with_0d]
    assert _name((_operand(ember, row, False) * _operand(ember, column, False)).dtype) == CODES[promoted]


@pytest.mark.parametrize("row", ORDER)
def test_promotion_with_python_numbers_matches_recorded_torch(row):
    with_dims, zero_dim = (part.split() for part in WITH_PYTHON_SCALARS[row].split("|"))
    for scalar, expected_dims, expected_0d in zip(SCALARS, with_dims, zero_dim):
        for zero_dim, expected in ((False, expected_dims), (True, expected_0d)):
            tensor = _operand(ember, row, zero_dim)
            if expected == "c32":
                continue  # no complex32 in ember
            assert _name(ember.result_type(tensor, scalar)) == CODES[expected], (row, scalar)
            assert _name((tensor + scalar).dtype) == CODES[expected], (row, scalar)
            assert _name((scalar * tensor).dtype) == CODES[expected], (row, scalar)


def test_promotion_tables_match_live_torch():
    torch = pytest.importorskip("torch")
    for row in ORDER:
        for column, promoted, with_0d in zip(ORDER, PROMOTE_TYPES[row].split(), DIMENSIONED_WITH_0D[row].split()):
            assert _name(torch.promote_types(_dtype(torch, row), _dtype(torch, column))) == CODES[promoted]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # complex32 is "experimental"
                got = torch.result_type(_operand(torch, row, False), _operand(torch, column, True))
            assert _name(got) == CODES[with_0d]
        with_dims, zero_dim = (part.split() for part in WITH_PYTHON_SCALARS[row].split("|"))
        for scalar, expected_dims, expected_0d in zip(SCALARS, with_dims, zero_dim):
            assert _name(torch.result_type(_operand(torch, row, False), scalar)) == CODES[expected_dims]
            assert _name(torch.result_type(_operand(torch, row, True), scalar)) == CODES[expected_0d]


def test_default_dtype_decides_python_floats():
    ember.set_default_dtype(ember.float64)
    try:
        made = [ember.tensor([1.5]).dtype, ember.arange(3.0).dtype, (ember.tensor([1, 2]) * 2.5).dtype,
                ember.zeros(2).dtype, ember.rand(2).dtype, ember.tensor([1j]).dtype, ember.get_default_dtype()]
    finally:
        ember.set_default_dtype(ember.float32)
    assert made == [ember.float64, ember.float64, ember.float64, ember.float64, ember.float64,
                    ember.complex128, ember.float64]
    assert ember.tensor([1.5]).dtype is ember.float32


def test_can_cast_forbids_moving_down_a_category():
    assert ember.can_cast(ember.int64, ember.float16) and ember.can_cast(ember.float64, ember.float16)
    assert not ember.can_cast(ember.float32, ember.int64)
    assert not ember.can_cast(ember.int32, ember.bool)
    assert not ember.can_cast(ember.complex64, ember.float64)


# -- conversions and metadata -------------------------------------------------------------------
def test_item_and_tolist_give_python_numbers():
    assert ember.tensor(2.5).item() == 2.5 and type(ember.tensor(2.5).item()) is float
    assert ember.tensor([7]).item() == 7 and type(ember.tensor([7]).item()) is int
    assert ember.tensor(True).item() is True
    assert ember.tensor([[[4.0]]]).item() == 4.0
    assert ember.tensor(0.1, dtype=ember.float64).item() == 0.1
    assert ember.tensor(0.1).item() == float(np.float32(0.1))
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(1.5).tolist() == 1.5
    assert ember.tensor([True]).tolist() == [True]
    assert ember.zeros(2, 0).tolist() == [[], []]


def test_numpy_shares_memory_both_ways():
    x = ember.ones(3)
    array = x.numpy()
    array[0] = 5.0
    x[2] = 7.0
    assert x.tolist() == [5.0, 1.0, 7.0] and array.tolist() == [5.0, 1.0, 7.0]
    assert x.numpy().dtype == np.float32
    assert ember.tensor([1, 2], dtype=ember.int32).numpy().dtype == np.int32
    assert ember.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


def test_from_numpy_and_as_tensor_share_memory():
    source = np.array([1.0, 2.0])
    shared = ember.from_numpy(source)
    as_is = ember.as_tensor(source)
    converted = ember.as_tensor(source, dtype=ember.float32)
    source[0] = -1.0
    assert shared.dtype is ember.float64 and shared.tolist() == [-1.0, 2.0]
    assert as_is.tolist() == [-1.0, 2.0]
    assert converted.tolist() == [1.0, 2.0]  # a conversion has to copy
    shared[1] = 9.0
    assert source.tolist() == [-1.0, 9.0]
    existing = ember.tensor([1.0])
    assert ember.as_tensor(existing) is existing
    assert ember.as_tensor([1, 2]).dtype is ember.int64
    assert ember.from_numpy(np.arange(3, dtype=np.int32)).dtype is ember.int32


def test_numpy_array_protocol():
    x = ember.tensor([1.0, 2.0])
    assert np.asarray(x).dtype == np.float32
    assert np.shares_memory(np.asarray(x), x.numpy())
    assert np.array(x, dtype=np.float64).tolist() == [1.0, 2.0]
    assert np.array(x, dtype=np.float64).dtype == np.float64
    assert (np.ones(2) + ember.tensor([1.0, 2.0]).numpy()).tolist() == [2.0, 3.0]


def test_dtype_conversions():
    x = ember.tensor([1.7, -2.7, 0.0])
    assert x.to(ember.int64).tolist() == [1, -2, 0]  # towards zero, like C casts
    assert x.to(dtype=ember.float64).dtype is ember.float64
    assert x.to(ember.float32) is x
    assert x.to(ember.ones(1, dtype=ember.int32)).dtype is ember.int32
    assert x.to("cpu") is x
    assert x.float().dtype is ember.float32 and x.double().dtype is ember.float64
    assert x.long().tolist() == [1, -2, 0] and x.long().dtype is ember.int64
    assert x.int().tolist() == [1, -2, 0] and x.int().dtype is ember.int32
    assert x.bool().tolist() == [True, True, False]
    assert x.half().dtype is ember.float16
    assert ember.tensor([1, 2]).float().tolist() == [1.0, 2.0]
    converted = ember.tensor([1.0, 2.0], requires_grad=True).double()
    assert converted.requires_grad and converted.grad_fn.name() == "ToCopyBackward0"


def test_shape_and_metadata():
    x = ember.ones(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and repr(x.shape) == "ember.Size([2, 3])"
    assert x.size(0) == 2 and x.size(-1) == 3
    assert x.dim() == 2 and x.ndim == 2 and ember.tensor(1.0).dim() == 0
    assert x.numel() == 6 and ember.zeros(0, 3).numel() == 0 and ember.tensor(1.0).numel() == 1
    assert x.shape.numel() == 6
    assert x.dtype is ember.float32
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.is_floating_point() and not ember.ones(1, dtype=ember.int64).is_floating_point()
    assert ember.ones(1, dtype=ember.float64).element_size() == 8
    assert x.type() == "ember.FloatTensor"
    assert (ember.float is ember.float32 and ember.long is ember.int64 and ember.double is ember.float64
            and ember.half is ember.float16 and ember.int is ember.int32)


def test_len_and_iteration_go_along_the_first_dimension():
    x = ember.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(x) == 3
    rows = list(x)
    assert [row.tolist() for row in rows] == [[1, 2], [3, 4], [5, 6]]
    rows[1][0] = 30  # rows are views
    assert x[1].tolist() == [30, 4]
    assert [element.item() for element in ember.tensor([1.0, 2.0])] == [1.0, 2.0]
    assert all(element.dim() == 0 for element in ember.tensor([1.0, 2.0]))


def test_python_number_conversions():
    assert int(ember.tensor(3.9)) == 3 and float(ember.tensor([2])) == 2.0
    assert bool(ember.tensor(0.0)) is False and bool(ember.tensor([3])) is True
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert math.isclose(math.sqrt(ember.tensor(4.0)), 2.0)


# (id, observe(lib)): plain Python observations, compared with torch when it is installed
# fmt: off
CONVERSIONS = [
    ("item_types", lambda lib: [type(lib.tensor(2.5).item()).__name__, type(lib.tensor([7]).item()).__name__,
                                type(lib.tensor(True).item()).__name__]),
    ("item_float32_value", lambda lib: lib.tensor(0.1).item()),
    ("tolist_nested", lambda lib: lib.tensor([[1, 2], [3, 4]]).tolist()),
    ("tolist_float16", lambda lib: lib.tensor([0.1], dtype=lib.float16).tolist()),
    ("numpy_dtypes", lambda lib: [str(lib.tensor([1], dtype=dtype).numpy().dtype)
                                  for dtype in (lib.uint8, lib.int8, lib.int16, lib.int32, lib.int64, lib.float16,
                                                lib.float32, lib.float64, lib.bool, lib.complex64)]),
    ("to_truncates", lambda lib: lib.tensor([1.7, -2.7]).to(lib.int64).tolist()),
    ("to_same_dtype_is_self", lambda lib: (lambda x: x.to(lib.float32) is x)(lib.ones(2))),
    ("to_like_other", lambda lib: str(lib.ones(2).to(lib.ones(1, dtype=lib.int32)).dtype).split(".")[-1]),
    ("method_dtypes", lambda lib: [str(getattr(lib.tensor([1, 2]), name)().dtype).split(".")[-1]
                                   for name in ("float", "double", "half", "long", "int", "short", "bool", "byte")]),
    ("bool_values", lambda lib: lib.tensor([0.0, 2.0, -1.0, float("nan")]).bool().tolist()),
    ("float_to_uint8", lambda lib: lib.tensor([1.9, 255.0]).byte().tolist()),
    ("sizes", lambda lib: [list(lib.ones(2, 3).size()), lib.ones(2, 3).size(1), lib.ones(2, 3).size(-1)]),
    ("dims", lambda lib: [lib.ones(2, 3).dim(), lib.ones(()).dim(), lib.ones(2, 3).ndim, lib.ones(4).ndimension()]),
    ("numels", lambda lib: [lib.ones(2, 3).numel(), lib.ones(()).numel(), lib.ones(0, 3).numel(),
                            lib.ones(2, 3).nelement()]),
    ("device", lambda lib: [str(lib.ones(1).device), repr(lib.ones(1).device), lib.ones(1).is_cuda]),
    ("len_and_rows", lambda lib: [len(lib.ones(4, 2)), [row.tolist() for row in lib.tensor([[1, 2], [3, 4]])]]),
    ("python_numbers", lambda lib: [int(lib.tensor(3.9)), float(lib.tensor([2])), bool(lib.tensor(0.0)),
                                    [10, 20, 30][lib.tensor(1)], int(lib.tensor(-3.9))]),
    ("dtype_properties", lambda lib: [lib.float32.is_floating_point, lib.int32.is_floating_point,
                                      lib.float16.itemsize, lib.complex64.is_complex, lib.int8.is_signed,
                                      lib.uint8.is_signed]),
    ("type_strings", lambda lib: [lib.ones(1, dtype=dtype).type().split(".")[-1]
                                  for dtype in (lib.float32, lib.float64, lib.int64, lib.int32, lib.bool, lib.uint8)]),
    ("numpy_protocol", lambda lib: [str(np.asarray(lib.tensor([1.0, 2.0])).dtype),
                                    np.array(lib.tensor([1, 2]), dtype=np.float64).tolist()]),
]
# fmt: on


@pytest.mark.parametrize("observe", [case[1] for case in CONVERSIONS], ids=[case[0] for case in CONVERSIONS])
def test_conversions_match_live_torch(observe):
    torch = pytest.importorskip("torch")
    assert_same(quietly(observe, torch), observe(ember))  # quietly: torch's own DeprecationWarnings


# -- repr and format ----------------------------------------------------------------------------
# (id, make(lib), torch 2.13's repr with "torch." replaced by "ember.")
# fmt: off
REPRS = [
    ("0d_float", lambda lib: lib.tensor(3.0), "tensor(3.)"),
    ("0d_int", lambda lib: lib.tensor(3), "tensor(3)"),
    ("0d_bool", lambda lib: lib.tensor(True), "tensor(True)"),
    ("0d_requires_grad", lambda lib: lib.tensor(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    ("0d_grad_fn", lambda lib: lib.tensor(3.0, requires_grad=True) ** 2, "tensor(9., grad_fn=<PowBackward0>)"),
    ("sum_grad_fn", lambda lib: (lib.ones(2, requires_grad=True) * 2).sum(), "tensor(4., grad_fn=<SumBackward0>)"),
    ("mean_grad_fn", lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).mean(),
     "tensor(1.5000, grad_fn=<MeanBackward0>)"),
    ("vector_requires_grad", lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
     "tensor([1., 2.], requires_grad=True)"),
    ("exp_grad_fn", lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).exp(),
     "tensor([2.7183, 7.3891], grad_fn=<ExpBackward0>)"),
    ("rsub_grad_fn", lambda lib: 1 - lib.tensor([1.0, 2.0], requires_grad=True),
     "tensor([ 0., -1.], grad_fn=<RsubBackward1>)"),
    ("div_grad_fn", lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) / 2,
     "tensor([0.5000, 1.0000], grad_fn=<DivBackward0>)"),
    ("view_grad_fn", lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).view(2, 1),
     "tensor([[1.],\n        [2.]], grad_fn=<ViewBackward0>)"),
    ("detached", lambda lib: (lib.ones(2, requires_grad=True) * 2).detach(), "tensor([2., 2.])"),
    ("float64", lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64), "tensor([1., 2.], dtype=ember.float64)"),
    ("float64_requires_grad", lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True),
     "tensor([1., 2.], dtype=ember.float64, requires_grad=True)"),
    ("float64_grad_fn", lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True) * 2,
     "tensor([2., 4.], dtype=ember.float64, grad_fn=<MulBackward0>)"),
    ("float64_0d", lambda lib: lib.tensor(0.5, dtype=lib.float64), "tensor(0.5000, dtype=ember.float64)"),
    ("float16", lambda lib: lib.tensor([1.5, -2.0], dtype=lib.float16),
     "tensor([ 1.5000, -2.0000], dtype=ember.float16)"),
    ("int32", lambda lib: lib.tensor([1, 2], dtype=lib.int32), "tensor([1, 2], dtype=ember.int32)"),
    ("int16", lambda lib: lib.tensor([1, -2], dtype=lib.int16), "tensor([ 1, -2], dtype=ember.int16)"),
    ("int8", lambda lib: lib.tensor([1, -2], dtype=lib.int8), "tensor([ 1, -2], dtype=ember.int8)"),
    ("uint8", lambda lib: lib.tensor([1, 2], dtype=lib.uint8), "tensor([1, 2], dtype=ember.uint8)"),
    ("int64_matrix", lambda lib: lib.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    ("bool", lambda lib: lib.tensor([True, False]), "tensor([ True, False])"),
    ("complex", lambda lib: lib.tensor([1 + 2j]), "tensor([1.+2.j])"),
    ("mixed_magnitudes", lambda lib: lib.tensor([[0.1235, 1.0]], dtype=lib.float64),
     "tensor([[0.1235, 1.0000]], dtype=ember.float64)"),
    ("scientific", lambda lib: lib.tensor([1e-8, 1.0, 1e8]), "tensor([1.0000e-08, 1.0000e+00, 1.0000e+08])"),
    ("inf_nan", lambda lib: lib.tensor([float("inf"), -float("inf"), float("nan"), 1.5]),
     "tensor([   inf,   -inf,    nan, 1.5000])"),
    ("empty", lambda lib: lib.tensor([]), "tensor([])"),
    ("empty_int64", lambda lib: lib.tensor([], dtype=lib.int64), "tensor([], dtype=ember.int64)"),
    ("empty_int32", lambda lib: lib.tensor([], dtype=lib.int32), "tensor([], dtype=ember.int32)"),
    ("empty_bool", lambda lib: lib.zeros(0, dtype=lib.bool), "tensor([], dtype=ember.bool)"),
    ("empty_2d", lambda lib: lib.zeros(0, 3), "tensor([], size=(0, 3))"),
    ("empty_2d_float64", lambda lib: lib.zeros(2, 0, dtype=lib.float64),
     "tensor([], size=(2, 0), dtype=ember.float64)"),
    ("empty_requires_grad", lambda lib: lib.zeros(0, requires_grad=True), "tensor([], requires_grad=True)"),
    ("long_vector", lambda lib: lib.arange(2000.0),
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"),
]
# fmt: on


@pytest.mark.parametrize("make, expected", [case[1:] for case in REPRS], ids=[case[0] for case in REPRS])
def test_repr_matches_recorded_torch(make, expected):
    assert repr(make(ember)) == expected


@pytest.mark.parametrize("make, expected", [case[1:] for case in REPRS], ids=[case[0] for case in REPRS])
def test_repr_matches_live_torch(make, expected):
    torch = pytest.importorskip("torch")
    assert repr(make(torch)).replace("torch.", "ember.") == expected
    assert repr(make(ember)) == repr(make(torch)).replace("torch.", "ember.")


def test_str_equals_repr():
    x = ember.tensor([1.0, 2.0], requires_grad=True) * 2
    assert str(x) == repr(x) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_print_under_no_grad_has_no_grad_fn():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert repr(x * 2) == "tensor([2., 2.])"


# (id, format(lib), what torch 2.13 gives)
FORMATS = [
    ("0d_float", lambda lib: f"{lib.tensor(3.0)}", "3.0"),
    ("0d_precision", lambda lib: f"{lib.tensor(3.14159):.2f}", "3.14"),
    ("0d_int", lambda lib: f"{lib.tensor(3)}", "3"),
    ("0d_int_padded", lambda lib: f"{lib.tensor(3):04d}", "0003"),
    ("0d_bool", lambda lib: f"{lib.tensor(True)}", "True"),
    ("0d_requires_grad", lambda lib: f"{lib.tensor(2.0, requires_grad=True)}", "2.0"),
    ("0d_float64", lambda lib: f"{lib.tensor(0.1, dtype=lib.float64)}", "0.1"),
    ("0d_float32_value", lambda lib: f"{lib.tensor(0.1)}", "0.10000000149011612"),
    ("0d_width", lambda lib: f"{lib.tensor(2.5):>6}", "   2.5"),
    ("vector", lambda lib: f"{lib.tensor([1.0, 2.0])}", "tensor([1., 2.])"),
    ("one_element_vector", lambda lib: f"{lib.tensor([2.5])}", "tensor([2.5000])"),
    ("vector_with_grad_fn", lambda lib: f"{lib.tensor([1.0, 2.0], requires_grad=True) * 2}",
     "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    ("format_builtin", lambda lib: format(lib.tensor(2.5), ""), "2.5"),
]


@pytest.mark.parametrize("make, expected", [case[1:] for case in FORMATS], ids=[case[0] for case in FORMATS])
def test_format_matches_recorded_torch(make, expected):
    assert make(ember) == expected


@pytest.mark.parametrize("make, expected", [case[1:] for case in FORMATS], ids=[case[0] for case in FORMATS])
def test_format_matches_live_torch(make, expected):
    torch = pytest.importorskip("torch")
    assert make(torch) == expected


# -- any / all (what the "Boolean value ... is ambiguous" hint points to) ------------------------
@pytest.mark.parametrize("call", [lambda x: x.any(), lambda x: x.all(), lambda x: x.any(1),
                                  lambda x: x.all(dim=0, keepdim=True), lambda x: (x > 0).any(-1)])
def test_any_and_all_match_torch(call):
    torch = pytest.importorskip("torch")
    values = [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]]
    ours, theirs = call(ember.tensor(values)), call(torch.tensor(values))
    assert ours.tolist() == theirs.tolist() and ours.dtype is ember.bool


def test_any_and_all_by_hand():
    x = ember.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert x.any().item() is True and x.all().item() is False
    assert x.any(dim=1).tolist() == [True, False]


# -- devices: the CPU, and a clear answer for the GPU idioms of torch scripts --------------------
def test_the_usual_device_idiom_runs_on_the_cpu():
    device = ember.device("cuda" if ember.cuda.is_available() else "cpu")
    x = ember.zeros(2, device=device).to(device)
    assert str(x.device) == "cpu" and x.device == ember.device("cpu") and x.device != "cpu"  # as torch
    ember.cuda.manual_seed(0)
    ember.backends.cudnn.deterministic = True
    assert ember.cuda.device_count() == 0 and not ember.backends.mps.is_available()


@pytest.mark.parametrize("move", [lambda: ember.zeros(2, device="cuda"), lambda: ember.zeros(2).to("cuda:0"),
                                  lambda: ember.zeros(2).cuda()])
def test_moving_to_a_gpu_raises_torchs_cpu_only_error(move):
    if ember.cuda.is_available():
        pytest.skip("a GPU (or the CuPy stand-in) is present")
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):  # torch's CPU build
        move()


def test_device_names_parse_and_print_like_torchs():
    assert repr(ember.device("cuda:1")) == "device(type='cuda', index=1)" and str(ember.device("cuda:1")) == "cuda:1"
    with pytest.raises(RuntimeError, match="Expected one of cpu"):
        ember.device("gpu")
