"""Reductions and sorting against torch: values, dtypes, indices, named tuples, ties, zeros, errors.

The table-driven checks (gradcheck, grad_fn names) live in tests/op_cases_reduction.py; this file
covers what a table of random inputs cannot: tied extremes, zeros in products, norms at zero,
integer dtypes, index choices and error messages.
"""
import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TIES = [[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-1.0, -1.0, -1.0, -1.0]]
ZEROS = [[1.0, 0.0, 3.0, 2.0], [2.0, 0.0, 0.0, 1.5], [0.5, -2.0, 1.0, 4.0]]


def _values(result):
    if isinstance(result, tuple):
        return [_values(item) for item in result]
    return result.detach().numpy()


def _assert_same(mine, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(mine, tuple) and len(mine) == len(theirs)
        if hasattr(theirs, "_fields") or type(theirs).__module__ == "torch.return_types":
            assert type(mine).__name__ == type(theirs).__name__
        for a, b in zip(mine, theirs):
            _assert_same(a, b)
        return
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_values(mine), _values(theirs), rtol=1e-6, atol=1e-7, equal_nan=True)


def _both(fn, data, dtype="float64", requires_grad=True):
    results = []
    for lib in (ember, torch):
        x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=requires_grad)
        results.append((x, fn(lib, x)))
    return results


# -- gradients at ties and zeros --------------------------------------------------------------------
GRADIENT_EDGES = {
    "max": lambda lib, x: x.max(),                    # ties share the gradient evenly
    "min": lambda lib, x: x.min(),
    "amax_dim": lambda lib, x: x.amax(1),
    "amin_all": lambda lib, x: x.amin(),
    "max_dim": lambda lib, x: x.max(1).values,        # the gradient goes to the returned index
    "min_dim": lambda lib, x: x.min(0).values,
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1).values,
    "sort": lambda lib, x: x.sort(dim=1, stable=True).values * lib.arange(4.0, dtype=x.dtype),
    "mode": lambda lib, x: x.mode(1).values,
    "norm_inf": lambda lib, x: x.norm(math.inf),
    "norm_inf_dim": lambda lib, x: lib.linalg.vector_norm(x, math.inf, 1),
    "norm1_at_zero": lambda lib, x: (x * 0).norm(1),
    "norm2_at_zero": lambda lib, x: (x * 0).norm(),   # torch: the gradient at 0 is 0, not nan
    "norm2_dim_at_zero": lambda lib, x: (x * lib.tensor([[1.0], [0.0], [1.0]], dtype=x.dtype)).norm(dim=1),
}
ZERO_EDGES = {
    "prod_zeros": lambda lib, x: x.prod(),
    "prod_dim_zeros": lambda lib, x: x.prod(1),
    "prod_dim0_zeros": lambda lib, x: x.prod(0, keepdim=True),
    "cumprod_zeros": lambda lib, x: x.cumprod(1),
    "cumprod_dim0_zeros": lambda lib, x: x.cumprod(0),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_EDGES))
def test_gradient_at_ties_matches_torch(name):
    (x, mine), (y, theirs) = _both(GRADIENT_EDGES[name], TIES)
    _assert_same(mine, theirs)
    assert type(mine.grad_fn).__name__ == type(theirs.grad_fn).__name__
    grad = np.linspace(0.5, 1.5, mine.numel()).reshape(tuple(mine.shape))
    mine.backward(ember.tensor(grad))
    theirs.backward(torch.tensor(grad))
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ZERO_EDGES))
def test_gradient_with_zeros_matches_torch(name):
    (x, mine), (y, theirs) = _both(ZERO_EDGES[name], ZEROS)
    _assert_same(mine, theirs)
    grad = np.linspace(0.5, 1.5, mine.numel()).reshape(tuple(mine.shape))
    mine.backward(ember.tensor(grad))
    theirs.backward(torch.tensor(grad))
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_whole_max_splits_the_gradient_evenly_by_hand():
    x = ember.tensor([1.0, 3.0, 3.0, 3.0], dtype=ember.float64, requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1 / 3, 1 / 3, 1 / 3], rtol=1e-15)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others_by_hand():
    x = ember.tensor([2.0, 0.0, 5.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 10.0, 0.0])


# -- forward values, dtypes, indices and named tuples -------------------------------------------------
FORWARD = {
    "max_dim": lambda lib, x: x.max(1),
    "max_dim_keepdim": lambda lib, x: lib.max(x, -1, keepdim=True),
    "min_dim": lambda lib, x: x.min(0),
    "argmax": lambda lib, x: x.argmax(),
    "argmax_dim": lambda lib, x: lib.argmax(x, 1, keepdim=True),
    "argmin_dim": lambda lib, x: x.argmin(-1),
    "sort": lambda lib, x: x.sort(dim=1, stable=True),
    "sort_descending": lambda lib, x: lib.sort(x, dim=0, descending=True, stable=True),
    "argsort": lambda lib, x: x.argsort(dim=1, stable=True),
    "argsort_descending": lambda lib, x: lib.argsort(x, descending=True, stable=True),
    "median": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: x.median(1),
    "median_dim0": lambda lib, x: lib.median(x, 0, keepdim=True),
    "mode": lambda lib, x: x.mode(),
    "mode_dim0": lambda lib, x: lib.mode(x, 0),
    "std_mean": lambda lib, x: lib.std_mean(x, 1),
    "var_mean": lambda lib, x: lib.var_mean(x, correction=0),
    "var_unbiased": lambda lib, x: x.var(1, True, True),
    "std_unbiased_false": lambda lib, x: x.std(False),
    "amax_tuple": lambda lib, x: x.amax((0, 1)),
    "logsumexp_large": lambda lib, x: (x * 1000).logsumexp(1),  # no overflow
    "count_nonzero": lambda lib, x: lib.count_nonzero(x, 1),
    "sum_dims_negative": lambda lib, x: x.sum((-1, 0)),
    "sum_dtype": lambda lib, x: x.sum(1, dtype=lib.float32),
    "mean_dtype": lambda lib, x: x.mean(0, dtype=lib.float32),
    "norm_fro": lambda lib, x: x.norm("fro"),
    "norm_p0": lambda lib, x: lib.linalg.vector_norm(x, 0),
    "cumsum": lambda lib, x: x.cumsum(0),
}


# topk and kthvalue pick among tied values in an order torch leaves to its selection algorithm
# (not input order), so they are compared on distinct values.
DISTINCT = [[0.3, -1.2, 2.0, 0.7], [1.5, -0.4, 0.1, -2.2], [0.9, 1.1, -0.6, 0.2]]
SELECTIONS = {
    "topk": lambda lib, x: x.topk(3),
    "topk_smallest": lambda lib, x: x.topk(2, 0, largest=False),
    "topk_unsorted_values": lambda lib, x: lib.topk(x, 2, sorted=True).values,
    "kthvalue": lambda lib, x: x.kthvalue(3, 1),
    "kthvalue_keepdim": lambda lib, x: lib.kthvalue(x, 2, 0, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_selections_match_torch(name):
    (x, mine), (y, theirs) = _both(SELECTIONS[name], DISTINCT)
    _assert_same(mine, theirs)
    values_mine = mine[0] if isinstance(mine, tuple) else mine
    values_theirs = theirs[0] if isinstance(theirs, tuple) else theirs
    values_mine.sum().backward()
    values_theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_matches_torch(name):
    (_, mine), (_, theirs) = _both(FORWARD[name], TIES, requires_grad=False)
    _assert_same(mine, theirs)


INTEGER_FORWARD = {
    "sum": lambda lib, x: x.sum(),
    "prod": lambda lib, x: x.prod(1),
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumprod": lambda lib, x: lib.cumprod(x, 0),
    "amax": lambda lib, x: x.amax(1),
    "max": lambda lib, x: x.max(),
    "max_dim": lambda lib, x: x.max(0),
    "argmin": lambda lib, x: x.argmin(),
    "sort": lambda lib, x: x.sort(stable=True),
    "median": lambda lib, x: x.median(1),
    "unique": lambda lib, x: lib.unique(x),
    "unique_all": lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True),
    "unique_dim": lambda lib, x: lib.unique(x, dim=0, return_inverse=True),
    "unique_consecutive": lambda lib, x: lib.unique_consecutive(x, return_counts=True, return_inverse=True),
    "count_nonzero": lambda lib, x: lib.count_nonzero(x),
    "logsumexp": lambda lib, x: lib.logsumexp(x, 1),
}


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
@pytest.mark.parametrize("name", sorted(INTEGER_FORWARD))
def test_integer_forward_matches_torch(name, dtype):
    data = [[3, 1, 3, 0], [2, 2, 0, 5], [3, 1, 3, 0]]
    (_, mine), (_, theirs) = _both(INTEGER_FORWARD[name], data, dtype, requires_grad=False)
    _assert_same(mine, theirs)


def test_named_tuples_have_fields_and_print_like_torch():
    values, indices = ember.tensor([[1.0, 5.0], [4.0, 2.0]]).max(1)
    result = ember.tensor([[1.0, 5.0], [4.0, 2.0]]).max(1)
    assert result.values is result[0] and result.indices is result[1]
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert repr(result) == "ember.return_types.max(\nvalues=tensor([5., 4.]),\nindices=tensor([1, 0]))"
    assert type(result).__name__ == "max" and isinstance(result, tuple)


# -- errors --------------------------------------------------------------------------------------------
ERRORS = {
    "max_dim_out_of_range": lambda lib: lib.ones(2, 3).max(5),
    "sum_dim_out_of_range": lambda lib: lib.ones(2, 3).sum(-3),
    "amax_dim_out_of_range": lambda lib: lib.ones(2, 3).amax(2),
    "max_of_empty": lambda lib: lib.ones(0).max(),
    "std_of_integers": lambda lib: lib.tensor([1, 2]).std(),
    "norm_of_integers": lambda lib: lib.tensor([1, 2]).norm(),
    "mean_of_integers": lambda lib: lib.tensor([1, 2]).mean(),
    "topk_too_large": lambda lib: lib.ones(3).topk(4),
    "logsumexp_without_dim": lambda lib: lib.ones(3).logsumexp(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(type(theirs.value)) as mine:
        ERRORS[name](ember)
    key = str(theirs.value).split(";")[0].split("(")[0][:40]
    assert key in str(mine.value)


def test_dim_out_of_range_message_is_torchs():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        ember.ones(2, 3).max(5)
