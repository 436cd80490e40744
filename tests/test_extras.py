"""Values, dtypes and errors of the extra ops (numeric.py, numeric_linalg.py, construct.py) against
torch; their gradients are checked through tests/op_cases_extras.py."""
import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def same(mine, theirs):
    """Equal values (NaN where NaN), shapes and dtype names."""
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


def both(fn, *arrays):
    return fn(ember, *[ember.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


def raises_like_torch(fn, *arrays, match=None):
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(theirs.value), match=match):
        fn(ember, *[ember.tensor(a) for a in arrays])


X = np.array([[0.5, -1.5, 2.0, 3.0], [1.0, 1.0, -0.25, 4.5], [-2.0, 0.0, 7.0, 1.0]], dtype=np.float32)
INTS = np.array([1, 1, 3, 0, 5])


# -- limits, threads ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64"])
def test_finfo_matches_torch(name):
    mine, theirs = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    mine, theirs = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (mine.bits, mine.min, mine.max, mine.dtype) == (theirs.bits, theirs.min, theirs.max, theirs.dtype)


def test_finfo_and_iinfo_refuse_the_other_kind():
    with pytest.raises(TypeError, match="requires a floating point"):
        ember.finfo(ember.int32)
    with pytest.raises(TypeError, match="requires an integer"):
        ember.iinfo(ember.float32)
    assert ember.finfo().eps == torch.finfo().eps
    assert ember.finfo(ember.bfloat16).eps == torch.finfo(torch.bfloat16).eps


def test_threads_and_determinism_are_accepted():
    before = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(before)
    with pytest.raises(RuntimeError, match="positive integer"):
        ember.set_num_threads(0)
    ember.use_deterministic_algorithms(True)
    assert ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(False)


# -- numeric.py --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.softmax(x, -1), lambda lib, x: lib.log_softmax(x, 0, dtype=lib.float64),
    lambda lib, x: x.softmax(1), lambda lib, x: lib.copysign(x, -1), lambda lib, x: lib.sinc(x),
    lambda lib, x: lib.float_power(x, 2), lambda lib, x: lib.nansum(x, 1), lambda lib, x: lib.logcumsumexp(x, 1),
    lambda lib, x: lib.diff(x, append=x[:, :1]), lambda lib, x: lib.trapezoid(x), lambda lib, x: lib.angle(x),
    lambda lib, x: lib.heaviside(x, lib.tensor([0.5])), lambda lib, x: lib.cummax(x, 0).indices,
    lambda lib, x: lib.cummin(x, 1).values, lambda lib, x: lib.frexp(x).exponent, lambda lib, x: lib.frexp(x).mantissa,
    lambda lib, x: lib.histc(x, bins=5), lambda lib, x: lib.histc(x, bins=4, min=0, max=3),
    lambda lib, x: lib.nextafter(x, lib.zeros(1)), lambda lib, x: lib.vander(x[0]),
    lambda lib, x: lib.vander(x[1], N=2, increasing=True),
], ids=lambda fn: "")
def test_numeric_values_match_torch(fn):
    same(*both(fn, X))


def test_integer_inputs_follow_torch_dtypes():
    for fn in (lambda lib, x: lib.copysign(x, -1), lambda lib, x: lib.float_power(x, 2), lambda lib, x: lib.sinc(x),
               lambda lib, x: lib.nansum(x), lambda lib, x: lib.gcd(x, lib.tensor([4])),
               lambda lib, x: lib.lcm(x, lib.tensor([4])), lambda lib, x: lib.bincount(x),
               lambda lib, x: lib.bincount(x, weights=x.float()), lambda lib, x: lib.bincount(x, minlength=9),
               lambda lib, x: lib.vander(x, N=3), lambda lib, x: lib.trace(x.reshape(1, 5)[:, :1]),
               lambda lib, x: lib.isin(x, lib.tensor([1, 5])), lambda lib, x: lib.isin(x, 3, invert=True),
               lambda lib, x: lib.ldexp(x.float(), x), lambda lib, x: lib.cummax(x, 0).indices):
        same(*both(fn, INTS))


def test_nan_handling_matches_torch():
    nan = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    for fn in (lambda lib, x: lib.nansum(x), lambda lib, x: lib.nanmean(x, 1), lambda lib, x: lib.cummax(x, 1).values,
               lambda lib, x: lib.cummax(x, 1).indices, lambda lib, x: lib.cummin(x, 0).indices):
        same(*both(fn, nan))


def test_cummax_names_its_fields_and_prefers_the_latest_tie():
    result = ember.cummax(ember.tensor([1.0, 3.0, 3.0, 2.0]), 0)
    assert result.values.tolist() == [1.0, 3.0, 3.0, 3.0]
    assert result.indices.tolist() == [0, 1, 2, 2]
    assert repr(result).startswith("ember.return_types.cummax(")


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize_match_torch(right):
    rows = np.array([[1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]])
    values = np.array([[3.0, 0.0, 9.0], [4.0, 5.0, 8.0]])
    same(*both(lambda lib, s, v: lib.searchsorted(s, v, right=right), rows, values))
    same(*both(lambda lib, s, v: lib.searchsorted(s[0], v, side="right" if right else "left"), rows, values))
    same(*both(lambda lib, s, v: lib.bucketize(v, s[1], right=right, out_int32=True), rows, values))
    assert ember.searchsorted(ember.tensor([1, 3, 5]), 3, right=right).item() == (2 if right else 1)


def test_numeric_errors_match_torch():
    raises_like_torch(lambda lib, x: lib.bincount(x), np.array([-1, 2]), match="non-negative")
    raises_like_torch(lambda lib, x: lib.bincount(x), np.array([1.0]))
    raises_like_torch(lambda lib, x: lib.histc(x), np.array([1, 2]))
    raises_like_torch(lambda lib, x: lib.gcd(x, x), np.array([1.0]))
    raises_like_torch(lambda lib, x: lib.frexp(x), np.array([1, 2]), match="floating")
    raises_like_torch(lambda lib, x: lib.heaviside(x, x.double()), np.array([1.0], dtype=np.float32),
                      match="different dtypes")
    raises_like_torch(lambda lib, x: lib.diff(x, n=-1), np.array([1.0, 2.0]), match="non-negative")
    raises_like_torch(lambda lib, x: lib.searchsorted(x, x, side="left", right=True), np.array([1.0]),
                      match="opposites")
    raises_like_torch(lambda lib, x: lib.softmax(x), np.array([1.0]))
    raises_like_torch(lambda lib, x: lib.nanmean(x), np.array([1, 2]))


def test_dropout_scales_the_kept_elements_and_keeps_the_input_in_eval():
    x = ember.ones(2000, requires_grad=True)
    assert ember.dropout(x, 0.5, False) is x
    y = ember.dropout(x, 0.25, True)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    kept = y.detach().numpy()
    assert np.all(np.isclose(kept, 0.0) | np.isclose(kept, 1 / 0.75))
    assert 0.15 < float((kept == 0).mean()) < 0.35
    assert ember.dropout(x, 1.0, True).sum().item() == 0
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        ember.dropout(x, 1.5, True)


def test_top_level_inplace_activations():
    x = ember.tensor([-1.0, 0.5, 2.0])
    assert ember.sigmoid_(x) is x
    np.testing.assert_allclose(x.numpy(), 1 / (1 + np.exp([1.0, -0.5, -2.0])), rtol=1e-6)
    assert ember.clamp_(x, max=0.5).max().item() == 0.5
    ember.tanh_(x)
    assert x.max().item() == pytest.approx(math.tanh(0.5))


# -- numeric_linalg.py ------------------------------------------------------------------------------
A = np.array([[2.0, 1.0, 0.5], [0.0, 1.5, -1.0], [1.0, 0.25, 3.0]])


@pytest.mark.parametrize("fn", [
    lambda lib, a: lib.trace(a), lambda lib, a: lib.cross(a, a.flip(0)), lambda lib, a: lib.kron(a, a[0]),
    lambda lib, a: lib.inner(a, a), lambda lib, a: lib.inner(a[0, 0], a), lambda lib, a: lib.vdot(a[0], a[1]),
    lambda lib, a: lib.addr(a, a[0], a[1], beta=2), lambda lib, a: lib.addbmm(a, a.expand(2, 3, 3), a.expand(2, 3, 3)),
    lambda lib, a: lib.matrix_power(a, 5), lambda lib, a: lib.matrix_power(a, -3),
    lambda lib, a: lib.matrix_power(a, 0),
    lambda lib, a: lib.linalg.matrix_power(a.expand(2, 3, 3), 2), lambda lib, a: lib.linalg.multi_dot([a, a, a[0]]),
    lambda lib, a: lib.cdist(a, a[:2]), lambda lib, a: lib.cdist(a, a, p=1.5), lambda lib, a: lib.dist(a, a[0], 1),
    lambda lib, a: lib.renorm(a, 1, 1, 2.0), lambda lib, a: lib.linalg.pinv(a[:2]), lambda lib, a: lib.pinverse(a),
    lambda lib, a: lib.linalg.matrix_exp(a), lambda lib, a: lib.matrix_exp(a.expand(2, 3, 3) * 0.5),
    lambda lib, a: lib.linalg.cross(a, a[:1]),
], ids=lambda fn: "")
def test_linalg_values_match_torch(fn):
    same(*both(fn, A))


def test_linalg_errors_match_torch():
    raises_like_torch(lambda lib, a: lib.trace(a), np.ones((2, 2, 2)), match="expected a matrix")
    raises_like_torch(lambda lib, a: lib.matrix_power(a, 2), np.ones((2, 3)), match="square")
    raises_like_torch(lambda lib, a: lib.linalg.cross(a, a), np.ones((3, 2)), match="must have length 3")
    raises_like_torch(lambda lib, a: lib.vdot(a, a[:2]), np.ones(3), match="inconsistent tensor size")
    raises_like_torch(lambda lib, a: lib.cdist(a, a.t()), np.ones((2, 3)), match="same number of columns")
    raises_like_torch(lambda lib, a: lib.linalg.multi_dot([a]), np.ones((2, 2)), match="at least 2 tensors")


# -- construct.py ----------------------------------------------------------------------------------
def test_new_constructors_inherit_the_dtype():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert str(x.new_zeros(2, 3).dtype).endswith("float64")
        assert str(x.new_ones((2,), dtype=lib.int32).dtype).endswith("int32")
        assert x.new_full((2,), 7).tolist() == [7.0, 7.0]
        assert x.new_tensor([1, 2]).tolist() == [1.0, 2.0] and str(x.new_tensor([1, 2]).dtype).endswith("float64")
        assert x.new_empty(3).shape == (3,)
        assert x.new_zeros(2, requires_grad=True).requires_grad
        assert str(x.type_as(lib.tensor([1])).dtype).endswith("int64")


def test_tensor_properties_match_torch():
    for name in ("float16", "float64", "int32", "uint8", "bool"):
        mine = ember.zeros(2, 3, dtype=getattr(ember, name))
        theirs = torch.zeros(2, 3, dtype=getattr(torch, name))
        assert (mine.itemsize, mine.nbytes, mine.element_size(), mine.is_signed()) == \
            (theirs.itemsize, theirs.nbytes, theirs.element_size(), theirs.is_signed())
    same(*both(lambda lib, a: a.H, A))
    same(*both(lambda lib, a: a.expand(2, 3, 3).mH, A))
    raises_like_torch(lambda lib, a: a.H, np.ones(3), match="only supported on matrices")
    raises_like_torch(lambda lib, a: a.positive(), np.array([True]), match="bool tensor")
    assert ember.ones(2).bfloat16().dtype is ember.bfloat16


@pytest.mark.parametrize("fn", [
    lambda lib, a: a.t().ravel(), lambda lib, a: lib.select(a, 0, -1), lambda lib, a: a.as_strided((2, 2), (3, 1), 1),
    lambda lib, a: a.unfold(0, 2, 1), lambda lib, a: lib.ravel(a[:, 1:]), lambda lib, a: a.sum_to_size(3, 1),
    lambda lib, a: a.expand(2, 3, 3).sum_to_size(3), lambda lib, a: lib.meshgrid(a[0], a[1, :2], indexing="xy")[1],
    lambda lib, a: lib.meshgrid(a[0], a[1, :2], indexing="ij")[0], lambda lib, a: lib.atleast_3d(a),
    lambda lib, a: lib.atleast_1d(a[0, 0]), lambda lib, a: lib.cartesian_prod(a[0], a[1], a[2, :2]),
    lambda lib, a: lib.combinations(a[0], 3), lambda lib, a: lib.combinations(a[0], with_replacement=True),
    lambda lib, a: lib.block_diag(a, a[0], a[1, 1]), lambda lib, a: lib.rot90(a, -1), lambda lib, a: lib.rot90(a, 2),
    lambda lib, a: lib.take_along_dim(a, lib.tensor([[2], [0], [1]]), 1),
    lambda lib, a: lib.take_along_dim(a, lib.tensor([8, 0])),
    lambda lib, a: lib.narrow_copy(a, 0, 1, 2), lambda lib, a: lib.slice_scatter(a, a[:, :1] * 0, 1, 2),
    lambda lib, a: lib.select_scatter(a, a[0] * 0, 1, 0), lambda lib, a: lib.diagonal_scatter(a, a[0, :2], -1),
    lambda lib, a: lib.index_put(a, (lib.tensor([0, 0]), lib.tensor([1, 1])), lib.tensor([5.0, 6.0], dtype=a.dtype),
                                 True),
    lambda lib, a: lib.index_copy(a, 0, lib.tensor([2, 0]), a[:2] * 10),
    lambda lib, a: lib.put(a, lib.tensor([-1, 0]), a[0, :2]),
    lambda lib, a: a.clone().fill_diagonal_(9), lambda lib, a: a.repeat(3, 1).fill_diagonal_(9, wrap=True),
    lambda lib, a: a.clone().index_put_((a > 1,), lib.tensor(0.0, dtype=a.dtype)),
    lambda lib, a: a.clone().addmm_(a, a, alpha=2), lambda lib, a: a.clone().cumsum_(0),
], ids=lambda fn: "")
def test_construct_values_match_torch(fn):
    same(*both(fn, A))


def test_views_share_memory_with_their_input():
    x = ember.arange(6.0)
    windows = x.unfold(0, 3, 1)
    strided = x.as_strided((2, 2), (1, 2))
    x.add_(1)
    assert windows[0].tolist() == [1.0, 2.0, 3.0] and strided[0].tolist() == [1.0, 3.0]


def test_construct_errors_match_torch():
    raises_like_torch(lambda lib, a: lib.select(a, 1, 5), A, match="out of range")
    raises_like_torch(lambda lib, a: a.sum_to_size(2, 3), A, match="not expandable")
    raises_like_torch(lambda lib, a: a.unfold(1, 5, 1), A, match="maximum size")
    raises_like_torch(lambda lib, a: lib.rot90(a, 1, [0, 0]), A, match="different")
    raises_like_torch(lambda lib, a: lib.block_diag(a.expand(1, 3, 3)), A, match="2 or fewer dimensions")
    raises_like_torch(lambda lib, a: lib.meshgrid(a, a, indexing="ji"), A)
    raises_like_torch(lambda lib, a: lib.put(a, lib.tensor([0]), a[0]), A, match="same number of elements")
    with pytest.raises(RuntimeError, match="out of bounds"):
        ember.take_along_dim(ember.tensor(A), ember.tensor([[5]]), 1)


def test_complex_helpers_match_torch_forward():
    real, imag = np.array([1.0, -2.0, 0.5], dtype=np.float32), np.array([0.5, 3.0, -1.0], dtype=np.float32)
    same(*both(lambda lib, r, i: lib.complex(r, i), real, imag))
    same(*both(lambda lib, r, i: lib.polar(r, i), real, imag))
    same(*both(lambda lib, r, i: lib.view_as_real(lib.complex(r, i)), real, imag))
    same(*both(lambda lib, r, i: lib.complex(r, i).imag, real, imag))
    same(*both(lambda lib, r, i: lib.conj_physical(lib.complex(r, i)), real, imag))
    same(*both(lambda lib, r, i: lib.angle(lib.complex(r, i)), real, imag))
    same(*both(lambda lib, r, i: lib.view_as_complex(lib.stack([r, i], -1)), real, imag))
    assert ember.is_complex(ember.complex(ember.tensor(real), ember.tensor(imag)))
    raises_like_torch(lambda lib, r, i: lib.complex(r, i.double()), real, imag, match="scalar type")
    raises_like_torch(lambda lib, r, i: r.imag, real, imag, match="non-complex")
    with pytest.raises(NotImplementedError, match="complex"):
        ember.view_as_complex(ember.ones(2, 2, requires_grad=True))


def test_apply_and_map_call_python_per_element():
    x = ember.tensor([1.0, 2.0, 3.0])
    x.apply_(lambda v: v * v).map_(ember.tensor([1.0]), lambda a, b: a + b)
    assert x.tolist() == [2.0, 5.0, 10.0]


def test_asarray_shares_and_frombuffer_reads_memory():
    array = np.arange(3.0)
    shared = ember.asarray(array)
    array[0] = 7.0
    assert shared[0].item() == 7.0
    x = ember.tensor([1.0])
    assert ember.asarray(x) is x and ember.asarray(x, copy=True) is not x
    assert ember.frombuffer(bytearray(b"\x01\x00\x02\x00"), dtype=ember.int16).tolist() == [1, 2]
