"""Pointwise ops against torch: values and dtypes across dtypes, gradients at kinks and ties,
rounding modes, in-place variants, error classes, and erf/erfinv accuracy."""
import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:(divide by zero|invalid value|overflow) encountered:RuntimeWarning")

VALUES = {
    "bool": [True, False, True, True],
    "uint8": [0, 3, 7, 250],
    "int32": [-7, 0, 3, 5],
    "int64": [-7, 0, 3, 5],
    "float16": [-2.5, 0.0, 0.5, 3.25],
    "float32": [-2.5, 0.0, 0.5, 3.25],
    "float64": [-2.5, 0.0, 0.5, 3.25],
    "complex64": [1 + 2j, -0.5j, 3.0, -1 - 1j],
    "complex128": [1 + 2j, -0.5j, 3.0, -1 - 1j],
}
OTHER = {"bool": [True, True, False, True], "uint8": [1, 2, 3, 4], "int32": [2, -3, 4, 5], "int64": [2, -3, 4, 5],
         "float16": [1.5, -0.75, 2.0, -3.0], "float32": [1.5, -0.75, 2.0, -3.0], "float64": [1.5, -0.75, 2.0, -3.0],
         "complex64": [2 - 1j, 1j, -1.5, 0.5 + 0.5j], "complex128": [2 - 1j, 1j, -1.5, 0.5 + 0.5j]}


def both(dtype, values=VALUES):
    return [lib.tensor(values[dtype], dtype=getattr(lib, dtype)) for lib in (ember, torch)]


def outcome(fn, *args):
    try:
        return fn(*args)
    except Exception as error:  # noqa: BLE001  (the class is compared)
        return error


def assert_matches(mine, theirs, rtol=1e-6, atol=1e-7):
    if isinstance(theirs, Exception):
        assert isinstance(mine, Exception), f"torch raises {theirs!r}; ember gave {mine!r}"
        assert issubclass(type(mine), type(theirs)) or isinstance(mine, (RuntimeError, TypeError,
                                                                          NotImplementedError)), (mine, theirs)
        return
    assert not isinstance(mine, Exception), f"ember raised {mine!r}; torch gives {theirs!r}"
    if isinstance(theirs, tuple):
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            assert_matches(m, t, rtol, atol)
        return
    if isinstance(theirs, bool):
        assert mine is theirs
        return
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    expected = theirs.detach().numpy(force=True)
    if expected.dtype.kind in "fc" and expected.dtype.itemsize <= 4:
        rtol, atol = max(rtol, 1e-3 if expected.dtype == np.float16 else 1e-5), max(atol, 1e-3)
    np.testing.assert_allclose(mine.detach().numpy(), expected, rtol=rtol, atol=atol, equal_nan=True)


DTYPES = list(VALUES)
UNARY = {
    "neg": lambda lib, x: lib.neg(x), "abs": lambda lib, x: lib.abs(x), "sign": lambda lib, x: lib.sign(x),
    "sgn": lambda lib, x: lib.sgn(x), "reciprocal": lambda lib, x: lib.reciprocal(x),
    "square": lambda lib, x: lib.square(x), "exp": lambda lib, x: lib.exp(x), "exp2": lambda lib, x: lib.exp2(x),
    "expm1": lambda lib, x: lib.expm1(x), "log": lambda lib, x: lib.log(x), "log2": lambda lib, x: lib.log2(x),
    "log10": lambda lib, x: lib.log10(x), "log1p": lambda lib, x: lib.log1p(x), "sqrt": lambda lib, x: lib.sqrt(x),
    "rsqrt": lambda lib, x: lib.rsqrt(x), "sin": lambda lib, x: lib.sin(x), "cos": lambda lib, x: lib.cos(x),
    "tan": lambda lib, x: lib.tan(x), "asin": lambda lib, x: lib.asin(x), "acos": lambda lib, x: lib.acos(x),
    "atan": lambda lib, x: lib.atan(x), "sinh": lambda lib, x: lib.sinh(x), "cosh": lambda lib, x: lib.cosh(x),
    "tanh": lambda lib, x: lib.tanh(x), "asinh": lambda lib, x: lib.asinh(x), "acosh": lambda lib, x: lib.acosh(x),
    "atanh": lambda lib, x: lib.atanh(x), "sigmoid": lambda lib, x: lib.sigmoid(x),
    "logit": lambda lib, x: lib.logit(x), "erf": lambda lib, x: lib.erf(x), "erfc": lambda lib, x: lib.erfc(x),
    "erfinv": lambda lib, x: lib.erfinv(x), "floor": lambda lib, x: lib.floor(x), "ceil": lambda lib, x: lib.ceil(x),
    "round": lambda lib, x: lib.round(x), "trunc": lambda lib, x: lib.trunc(x), "frac": lambda lib, x: lib.frac(x),
    "nan_to_num": lambda lib, x: lib.nan_to_num(x), "isnan": lambda lib, x: lib.isnan(x),
    "isinf": lambda lib, x: lib.isinf(x), "isfinite": lambda lib, x: lib.isfinite(x),
    "logical_not": lambda lib, x: lib.logical_not(x), "deg2rad": lambda lib, x: lib.deg2rad(x),
}
REAL_ONLY = {"bool", "uint8", "int32", "int64", "float16", "float32", "float64"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_dtypes_match_torch(name, dtype):
    mine, theirs = both(dtype)
    fn = UNARY[name]
    expected = outcome(fn, torch, theirs)
    if dtype.startswith("complex") and isinstance(expected, Exception):
        pytest.skip("torch has no complex kernel here; ember may compute one")
    got = outcome(fn, ember, mine)
    if isinstance(expected, Exception) and not isinstance(got, Exception):
        pytest.skip(f"ember computes what torch refuses ({expected!r})")  # permissive, never wrong
    assert_matches(got, expected)


BINARY = {
    "add": lambda lib, a, b: lib.add(a, b, alpha=2), "sub": lambda lib, a, b: lib.sub(a, b, alpha=2),
    "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b,
    "div_trunc": lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
    "floor_divide": lambda lib, a, b: a // b, "remainder": lambda lib, a, b: a % b,
    "fmod": lambda lib, a, b: lib.fmod(a, b), "pow": lambda lib, a, b: a ** b,
    "maximum": lambda lib, a, b: lib.maximum(a, b), "minimum": lambda lib, a, b: lib.minimum(a, b),
    "fmax": lambda lib, a, b: lib.fmax(a, b), "fmin": lambda lib, a, b: lib.fmin(a, b),
    "atan2": lambda lib, a, b: lib.atan2(a, b), "hypot": lambda lib, a, b: lib.hypot(a, b),
    "logaddexp": lambda lib, a, b: lib.logaddexp(a, b), "xlogy": lambda lib, a, b: lib.xlogy(a, b),
    "eq": lambda lib, a, b: a == b, "lt": lambda lib, a, b: lib.less(a, b),
    "ge": lambda lib, a, b: lib.greater_equal(a, b),
    "logical_and": lambda lib, a, b: lib.logical_and(a, b), "logical_or": lambda lib, a, b: lib.logical_or(a, b),
    "logical_xor": lambda lib, a, b: lib.logical_xor(a, b), "isclose": lambda lib, a, b: lib.isclose(a, b),
    "where": lambda lib, a, b: lib.where(a.abs() > 1 if a.is_complex() else a > 0, a, b),
    "clamp": lambda lib, a, b: lib.clamp(a, b, b + 2) if not a.dtype.is_complex else lib.clamp(a, min=0),
}
NONZERO_OTHER = {k: v for k, v in OTHER.items()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_dtypes_match_torch(name, dtype):
    (my_a, their_a), (my_b, their_b) = both(dtype), both(dtype, OTHER)
    fn = BINARY[name]
    expected = outcome(fn, torch, their_a, their_b)
    got = outcome(fn, ember, my_a, my_b)
    if isinstance(expected, Exception) and not isinstance(got, Exception):
        pytest.skip(f"ember computes what torch refuses ({expected!r})")
    assert_matches(got, expected)


MIXED = [("int64", 2.5), ("int64", 2), ("float16", 3), ("float32", 0.5), ("int32", True), ("bool", 2)]


@pytest.mark.parametrize("dtype, number", MIXED)
@pytest.mark.parametrize("name", ["maximum_t", "clamp", "clamp_min", "clamp_max", "div_floor", "fmod",
                                  "remainder", "where", "pow", "lerp", "addcmul"])
def test_tensor_and_python_number_dtypes_match_torch(name, dtype, number):
    fns = {
        "maximum_t": lambda lib, x: lib.maximum(x, lib.tensor(number)),
        "clamp": lambda lib, x: lib.clamp(x, min=number), "clamp_min": lambda lib, x: lib.clamp_min(x, number),
        "clamp_max": lambda lib, x: x.clamp_max(number),
        "div_floor": lambda lib, x: lib.div(x, number, rounding_mode="floor"),
        "fmod": lambda lib, x: lib.fmod(x, number), "remainder": lambda lib, x: lib.remainder(x, number),
        "where": lambda lib, x: lib.where(x > 1, x, number), "pow": lambda lib, x: x ** number,
        "lerp": lambda lib, x: lib.lerp(x, x * 2, number),
        "addcmul": lambda lib, x: lib.addcmul(x, x, x, value=number),
    }
    mine, theirs = both(dtype, {d: [v for v in OTHER[d]] for d in OTHER})
    expected = outcome(fns[name], torch, theirs)
    got = outcome(fns[name], ember, mine)
    if isinstance(expected, Exception) and not isinstance(got, Exception):
        pytest.skip(f"ember computes what torch refuses ({expected!r})")
    assert_matches(got, expected)


# -- gradients at kinks and ties: torch's conventions --------------------------------------------------
KINKS = {
    "abs_at_0": (lambda lib, x, y: lib.abs(x), [0.0, -0.0, 1.0]),
    "clamp_at_bounds": (lambda lib, x, y: lib.clamp(x, -1.0, 1.0), [-1.0, 1.0, 0.5, 2.0, -3.0]),
    "clamp_min_at_bound": (lambda lib, x, y: lib.clamp_min(x, 0.5), [0.5, 0.0, 1.0]),
    "clamp_max_at_bound": (lambda lib, x, y: lib.clamp_max(x, 0.5), [0.5, 0.0, 1.0]),
    "clamp_tensor_ties": (lambda lib, x, y: lib.clamp(x, y, y + 1.0), [0.0, 1.0, 2.0, 5.0]),
    "clamp_min_above_max": (lambda lib, x, y: lib.clamp(x, y + 1.0, y - 1.0), [0.0, 1.0, 2.0, 5.0]),
    "clamp_min_tensor_ties": (lambda lib, x, y: lib.clamp_min(x, y), [0.0, 1.0, 2.0, -1.0]),
    "clamp_max_tensor_ties": (lambda lib, x, y: lib.clamp_max(x, y), [0.0, 1.0, 2.0, -1.0]),
    "maximum_ties": (lambda lib, x, y: lib.maximum(x, y), [0.0, 1.0, 3.0, -1.0]),
    "minimum_ties": (lambda lib, x, y: lib.minimum(x, y), [0.0, 1.0, 3.0, -1.0]),
    "fmax_ties_and_nan": (lambda lib, x, y: lib.fmax(x, y), [0.0, math.nan, 3.0, 1.0]),
    "fmin_ties_and_nan": (lambda lib, x, y: lib.fmin(x, y), [0.0, math.nan, 3.0, 1.0]),
    "maximum_nan": (lambda lib, x, y: lib.maximum(x, y), [math.nan, 1.0, 3.0, -1.0]),
    "sqrt_at_0": (lambda lib, x, y: lib.sqrt(x), [0.0, 1.0, 4.0]),
    "rsqrt_at_0": (lambda lib, x, y: lib.rsqrt(x), [0.0, 1.0, 4.0]),
    "relu_at_0": (lambda lib, x, y: lib.relu(x), [0.0, -1.0, 1.0]),
    "sign_at_0": (lambda lib, x, y: lib.sign(x), [0.0, -1.0, 1.0]),
    "floor_at_integer": (lambda lib, x, y: lib.floor(x), [1.0, -2.0, 0.5]),
    "round_half": (lambda lib, x, y: lib.round(x), [0.5, 1.5, 2.5, -0.5]),
    "frac": (lambda lib, x, y: lib.frac(x), [1.0, -2.5, 0.5]),
    "logit_outside": (lambda lib, x, y: lib.logit(x), [0.0, 1.0, -0.5, 1.5, 0.25]),
    "logit_eps_outside": (lambda lib, x, y: lib.logit(x, eps=0.1), [0.0, 0.05, 0.1, 0.95, 0.5]),
    "nan_to_num": (lambda lib, x, y: lib.nan_to_num(x, nan=1.0, posinf=2.0), [math.nan, math.inf, -math.inf, 1.0]),
    "erfinv_edges": (lambda lib, x, y: lib.erfinv(x), [1.0, -1.0, 0.0, 0.999]),
    "hypot_at_0": (lambda lib, x, y: lib.hypot(x, y * 0), [0.0, 1.0, -2.0]),
    "atan2_at_0": (lambda lib, x, y: lib.atan2(x, y * 0), [0.0, 1.0, -2.0]),
    "logaddexp_inf": (lambda lib, x, y: lib.logaddexp(x, y), [-math.inf, 0.0, 100.0]),
    "xlogy_x_zero": (lambda lib, x, y: lib.xlogy(x * 0, y), [0.0, 1.0, 2.0]),
    "fmod_tensor": (lambda lib, x, y: lib.fmod(x, y), [5.0, -5.0, 0.5, 3.0]),
    "div_trunc": (lambda lib, x, y: lib.div(x, y, rounding_mode="trunc"), [5.0, -5.0, 0.5, 3.0]),
    "lerp_tensor_weight": (lambda lib, x, y: lib.lerp(x, y, x * 0 + 0.5), [0.0, 1.0, 2.0]),
    "where_scalar_other": (lambda lib, x, y: lib.where(x > 0, x, 0.0), [1.0, -1.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(KINKS))
def test_gradients_at_kinks_match_torch(name):
    fn, values = KINKS[name]
    other = [0.0, 1.0, 2.0, -1.0, 0.5][:len(values)]
    results = []
    for lib in (ember, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        y = lib.tensor(other, dtype=lib.float64, requires_grad=True)
        out = fn(lib, x, y)
        out.backward(lib.ones_like(out) * lib.arange(1, out.numel() + 1, dtype=lib.float64).reshape(out.shape))
        results.append((out, x.grad, y.grad))
    (mine, my_x, my_y), (theirs, their_x, their_y) = results
    assert_matches(mine, theirs, rtol=1e-12, atol=1e-12)
    for my_grad, their_grad in ((my_x, their_x), (my_y, their_y)):
        if their_grad is None:
            assert my_grad is None or not np.any(my_grad.numpy())
        else:
            assert_matches(my_grad, their_grad, rtol=1e-12, atol=1e-12)


def test_maximum_splits_ties_evenly():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = ember.tensor([1.0, 1.0], requires_grad=True)
    ember.maximum(x, y).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0] and y.grad.tolist() == [0.5, 0.0]


# -- rounding modes and division errors --------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_match_torch(mode, dtype):
    a = [7, -7, 7, -7, 0, 9, -1]
    b = [2, 2, -2, -2, 3, 3, 5]
    mine = ember.div(ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(b, dtype=getattr(ember, dtype)),
                     rounding_mode=mode)
    theirs = torch.div(torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(torch, dtype)),
                       rounding_mode=mode)
    assert_matches(mine, theirs)
    scalar_mine = ember.tensor(a, dtype=getattr(ember, dtype)).div(-2.5, rounding_mode=mode)
    scalar_theirs = torch.tensor(a, dtype=getattr(torch, dtype)).div(-2.5, rounding_mode=mode)
    assert_matches(scalar_mine, scalar_theirs)


def test_div_rejects_an_unknown_rounding_mode_like_torch():
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        ember.div(ember.tensor([1.0]), 2, rounding_mode="round")


@pytest.mark.parametrize("fn", [lambda lib, a, b: a // b, lambda lib, a, b: a % b, lambda lib, a, b: lib.fmod(a, b),
                                lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
                                lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
                                lambda lib, a, b: a // 0, lambda lib, a, b: lib.remainder(a, 0)])
def test_integer_division_by_zero_raises_like_torch(fn):
    a, b = [5, -5, 3], [2, 2, 0]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(torch, torch.tensor(a), torch.tensor(b))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(ember, ember.tensor(a), ember.tensor(b))


def test_float_division_by_zero_gives_inf_and_nan_like_torch():
    for fn in (lambda lib, a, b: a / b, lambda lib, a, b: a // b, lambda lib, a, b: a % b,
               lambda lib, a, b: lib.fmod(a, b)):
        mine = fn(ember, ember.tensor([1.0, -1.0, 0.0]), ember.tensor([0.0, 0.0, 0.0]))
        theirs = fn(torch, torch.tensor([1.0, -1.0, 0.0]), torch.tensor([0.0, 0.0, 0.0]))
        assert_matches(mine, theirs)


# -- other errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda lib: lib.clamp(lib.tensor([1.0])),
    lambda lib: lib.where(lib.tensor([1, 0]), lib.tensor([1.0, 2.0]), 0.0),
    lambda lib: lib.addcdiv(lib.tensor([1]), lib.tensor([1]), lib.tensor([2])),
    lambda lib: lib.lerp(lib.tensor([1]), lib.tensor([2]), 0.5),
    lambda lib: lib.isclose(lib.tensor([1.0]), lib.tensor([1])),
    lambda lib: -lib.tensor([True]),
])
def test_bad_arguments_raise_torchs_exception_class(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)):
        fn(ember)


def test_complex_autograd_raises_not_implemented_naming_the_op():
    z = ember.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    with pytest.raises(NotImplementedError, match="mul"):
        z * z
    with ember.no_grad():
        assert (z * z).tolist() == [(-3 + 4j), (8 - 6j)]


# -- where, isclose, allclose, equal ------------------------------------------------------------------
def test_where_with_condition_alone_is_nonzero_as_tuple():
    for cond in ([[True, False], [False, True]], [False, True, True], [False]):
        mine, theirs = ember.where(ember.tensor(cond)), torch.where(torch.tensor(cond))
        assert_matches(mine, theirs)


def test_tensor_where_method_takes_self_as_input():
    x, y = ember.tensor([1.0, -2.0]), ember.tensor([0.0, 0.0])
    assert x.where(x > 0, y).tolist() == [1.0, 0.0]
    assert ember.where(x > 0, 1.0, 0.0).dtype is ember.float32  # two Python floats: the default dtype


@pytest.mark.parametrize("kwargs", [{}, {"rtol": 0.1}, {"atol": 0.5}, {"equal_nan": True}])
def test_isclose_and_allclose_match_torch(kwargs):
    a = [1.0, math.nan, math.inf, 1.0, 2.0]
    b = [1.0 + 1e-9, math.nan, math.inf, 1.2, 2.4]
    assert_matches(ember.isclose(ember.tensor(a), ember.tensor(b), **kwargs),
                   torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs))
    assert ember.allclose(ember.tensor(a), ember.tensor(b), **kwargs) is \
        torch.allclose(torch.tensor(a), torch.tensor(b), **kwargs)


@pytest.mark.parametrize("a, b", [([1, 2], [1, 2]), ([1, 2], [1, 3]), ([1, 2], [1, 2, 3]), ([[1, 2]], [1, 2]),
                                  ([math.nan], [math.nan]), ([1.0, 2.0], [1, 2])])
def test_equal_matches_torch(a, b):
    assert ember.equal(ember.tensor(a), ember.tensor(b)) is torch.equal(torch.tensor(a), torch.tensor(b))


# -- in place --------------------------------------------------------------------------------------
INPLACE = {
    "clamp_": lambda x: x.clamp_(-1.0, 1.0), "clamp_min_": lambda x: x.clamp_min_(0.0),
    "clip_": lambda x: x.clip_(max=0.5), "abs_": lambda x: x.abs_(), "sqrt_": lambda x: x.abs_().sqrt_(),
    "floor_": lambda x: x.floor_(), "round_": lambda x: x.round_(decimals=1), "erf_": lambda x: x.erf_(),
    "lerp_": lambda x: x.lerp_(x * 0 + 2, 0.25), "addcdiv_": lambda x: x.addcdiv_(x * 1, x * 0 + 2, value=3),
    "fmod_": lambda x: x.fmod_(1.5), "remainder_": lambda x: x.remainder_(1.5),
    "div_floor_": lambda x: x.div_(0.7, rounding_mode="floor"), "sigmoid_": lambda x: x.sigmoid_(),
    "nan_to_num_": lambda x: x.nan_to_num_(), "logical_and_": lambda x: x.logical_and_(x > 0),
    "square_": lambda x: x.square_(), "exp2_": lambda x: x.exp2_(),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_in_place_variants_match_torch_and_return_self(name):
    values = [-1.7, -0.2, 0.0, 0.4, 2.9]
    results = []
    for lib in (ember, torch):
        leaf = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        x = leaf * 1.0
        out = INPLACE[name](x)
        assert out is x
        if out.requires_grad:
            out.backward(lib.arange(1.0, 6.0, dtype=lib.float64))
        results.append((out, leaf.grad))
    (mine, my_grad), (theirs, their_grad) = results
    assert_matches(mine, theirs, rtol=1e-12, atol=1e-12)
    assert (mine.grad_fn is None) == (theirs.grad_fn is None)
    if theirs.grad_fn is not None:
        assert type(mine.grad_fn).__name__ == type(theirs.grad_fn).__name__
    if their_grad is not None:
        assert_matches(my_grad, their_grad, rtol=1e-12, atol=1e-12)


def test_in_place_keeps_integer_dtype_and_refuses_float_results():
    x = ember.tensor([5, -5, 3])
    x.clamp_(-2, 2)
    assert x.tolist() == [2, -2, 2] and x.dtype is ember.int64
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1, 2]).sqrt_()


# -- 0-d tensors and Python numbers ------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda lib: lib.maximum(lib.tensor(1.5), lib.tensor([1.0, 2.0])),
    lambda lib: lib.clamp(lib.tensor(3.0), max=lib.tensor([1.0, 5.0])),
    lambda lib: lib.atan2(lib.tensor(1.0), lib.tensor([1, 2])),
    lambda lib: lib.hypot(lib.tensor(3.0, dtype=lib.float64), lib.tensor([4.0])),
    lambda lib: lib.lerp(lib.tensor(0.0), lib.tensor(1.0), lib.tensor(0.25)),
    lambda lib: lib.erf(lib.tensor(0.5)), lambda lib: lib.round(lib.tensor(2.675), decimals=2),
    lambda lib: lib.logaddexp(lib.tensor(1.0, dtype=lib.float64), lib.tensor([2.0])),
    lambda lib: lib.div(lib.tensor(7), 2, rounding_mode="floor"),
    lambda lib: lib.where(lib.tensor(True), lib.tensor(1), 2.5),
])
def test_zero_dim_and_number_arguments_match_torch(fn):
    assert_matches(fn(ember), fn(torch))


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_matches_torch(decimals, dtype):
    values = [1234.5678, -0.125, 2.675, 0.5, 1.5, -2.5, 99.995]
    assert_matches(ember.round(ember.tensor(values, dtype=getattr(ember, dtype)), decimals=decimals),
                   torch.round(torch.tensor(values, dtype=getattr(torch, dtype)), decimals=decimals))


# -- erf, erfc, erfinv accuracy ----------------------------------------------------------------------
def test_erf_family_is_accurate_to_float64():
    x = np.concatenate([np.linspace(-6.0, 6.0, 2401), np.logspace(-300, 1.4, 200), [0.0, -0.0, np.inf, -np.inf]])
    for name in ("erf", "erfc"):
        mine = getattr(ember, name)(ember.tensor(x)).numpy()
        theirs = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-300)
    y = np.concatenate([np.linspace(-1.0, 1.0, 2001), 1 - np.logspace(-16, -1, 100), [1.5, -2.0, np.nan]])
    np.testing.assert_allclose(ember.erfinv(ember.tensor(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(),
                               rtol=1e-12, atol=1e-300)
    assert math.isnan(ember.erf(ember.tensor(math.nan)).item())


def test_erfinv_inverts_erf():
    y = ember.linspace(-0.999, 0.999, 101, dtype=ember.float64)
    np.testing.assert_allclose(ember.erf(ember.erfinv(y)).numpy(), y.numpy(), rtol=1e-13, atol=1e-15)


# -- dtypes -------------------------------------------------------------------------------------------
def test_float16_arithmetic_stays_float16_like_torch():
    for fn in (lambda lib, x: x * 3 + 1, lambda lib, x: lib.exp(x) / 7, lambda lib, x: lib.clamp(x, 0.3, 0.6),
               lambda lib, x: lib.erf(x), lambda lib, x: x ** 2.5, lambda lib, x: lib.maximum(x, x * 0 + 0.5)):
        mine = fn(ember, ember.tensor([0.1, 0.5, 0.9], dtype=ember.float16))
        theirs = fn(torch, torch.tensor([0.1, 0.5, 0.9], dtype=torch.float16))
        assert_matches(mine, theirs)


def test_complex_forward_math_matches_torch():
    a, b = [1 + 2j, -0.5j, 3.0], [2 - 1j, 1j, -1.5 + 0.25j]
    for dtype in ("complex64", "complex128"):
        for fn in (lambda lib, x, y: x + y, lambda lib, x, y: x - y, lambda lib, x, y: x * y,
                   lambda lib, x, y: x / y, lambda lib, x, y: lib.exp(x), lambda lib, x, y: lib.abs(x),
                   lambda lib, x, y: x * 2.5, lambda lib, x, y: x + 1j, lambda lib, x, y: lib.sgn(x),
                   lambda lib, x, y: lib.sqrt(x), lambda lib, x, y: x == y, lambda lib, x, y: x ** 2):
            mine = fn(ember, ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(b, dtype=getattr(ember, dtype)))
            theirs = fn(torch, torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(torch,
                                                                                                           dtype)))
            assert_matches(mine, theirs)
    assert str(ember.tensor([1 + 2j, -0.5j])) == str(torch.tensor([1 + 2j, -0.5j]))


def test_bfloat16_is_a_real_dtype():
    assert ember.bfloat16.is_floating_point and ember.bfloat16.itemsize == 2
    assert repr(ember.bfloat16) == "ember.bfloat16"
    for make in (lambda: ember.tensor([1.0], dtype=ember.bfloat16), lambda: ember.ones(1).to(ember.bfloat16),
                 lambda: ember.zeros(1, dtype=ember.bfloat16) + 1):
        assert make().dtype is ember.bfloat16 and make().tolist() == [1.0]
    assert ember.tensor([1 / 3], dtype=ember.bfloat16).item() == 0.333984375  # 8 significant bits: 171 / 512