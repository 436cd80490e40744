"""tensor_split, quantile/nanquantile, cov, histogram, WeightedRandomSampler and get_worker_info against torch."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck

torch = pytest.importorskip("torch")


def _same(e, t, tol=1e-12):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("split, dim", [(3, 0), (4, 1), ([1, -2, 9], 1), ([2, 2], 0), ("tensor", 1), ("tensor0", 0)])
def test_tensor_split_matches_torch(split, dim):
    x = np.arange(35.0).reshape(5, 7)
    make = {"tensor": lambda L: L.tensor([1, 4]), "tensor0": lambda L: L.tensor(2)}
    chosen = (lambda L: make[split](L)) if isinstance(split, str) else (lambda L: split)
    e_parts = ember.tensor_split(ember.tensor(x, requires_grad=True), chosen(ember), dim)
    t_parts = torch.tensor_split(torch.tensor(x, requires_grad=True), chosen(torch), dim)
    assert len(e_parts) == len(t_parts)
    for e, t in zip(e_parts, t_parts):
        _same(e, t)
        assert e.grad_fn.name() == t.grad_fn.name()
    assert e_parts[0]._base is not None  # views, as torch


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q, dim, keepdim", [(0.3, None, False), (0.5, 1, True), ("vector", 0, False),
                                             ("vector", None, True), (1.0, -1, False), (0.0, 1, False)])
def test_quantile_values_and_gradients_match_torch(interpolation, q, dim, keepdim):
    x = np.random.default_rng(0).standard_normal((4, 6))
    e_x, t_x = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e_q = ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64) if q == "vector" else q
    t_q = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64) if q == "vector" else q
    e = ember.quantile(e_x, e_q, dim, keepdim, interpolation=interpolation)
    t = torch.quantile(t_x, t_q, dim, keepdim, interpolation=interpolation)
    _same(e, t)
    e.sum().backward()
    t.sum().backward()
    _same(e_x.grad, t_x.grad)


def test_quantile_nans_errors_and_gradcheck():
    rows = [[1.0, math.nan, 3.0, 0.5], [math.nan] * 4, [2.0, 1.0, 0.0, 4.0]]
    for name in ("quantile", "nanquantile"):
        _same(getattr(ember, name)(ember.tensor(rows), 0.4, dim=1),
              getattr(torch, name)(torch.tensor(rows), 0.4, dim=1))
    for call in (lambda L: L.quantile(L.tensor([1, 2]), 0.5), lambda L: L.quantile(L.tensor([1.0, 2.0]), 1.5),
                 lambda L: L.quantile(L.tensor([1.0, 2.0]), 0.5, interpolation="bad")):
        with pytest.raises(RuntimeError) as expected:
            call(torch)
        with pytest.raises(RuntimeError) as got:
            call(ember)
        assert str(got.value) == str(expected.value)
    x = ember.tensor(np.random.default_rng(2).standard_normal((3, 5)), requires_grad=True)
    assert gradcheck(lambda t: ember.quantile(t, 0.3, dim=1), (x,))


@pytest.mark.parametrize("kwargs", [{}, {"correction": 0}, {"fweights": "f"}, {"aweights": "a"},
                                    {"fweights": "f", "aweights": "a"}, {"fweights": "f", "aweights": "a",
                                                                         "correction": 0}])
@pytest.mark.parametrize("shape", [(3, 5), (5,)])
def test_cov_matches_torch(kwargs, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    n = shape[-1]

    def weights(L):
        given = {"f": L.tensor(np.arange(1, n + 1)), "a": L.tensor(np.linspace(0.5, 2.0, n))}
        return {key: given[value] if isinstance(value, str) else value for key, value in kwargs.items()}
    e_x, t_x = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e, t = ember.cov(e_x, **weights(ember)), torch.cov(t_x, **weights(torch))
    _same(e, t)
    e.sum().backward()
    t.sum().backward()
    _same(e_x.grad, t_x.grad)


@pytest.mark.parametrize("bins, kwargs", [(5, {}), (3, {"range": (0.0, 2.0)}), ("edges", {}), (4, {"density": True}),
                                          (4, {"weight": "w"})])
def test_histogram_matches_torch(bins, kwargs):
    x = np.random.default_rng(4).standard_normal(50).astype(np.float32)

    def call(L):
        extra = {k: (L.tensor(np.linspace(0.1, 1, 50, dtype=np.float32)) if v == "w" else v) for k, v in kwargs.items()}
        chosen = L.tensor([-2.0, -0.5, 0.0, 3.0]) if bins == "edges" else bins
        return L.histogram(L.tensor(x), chosen, **extra)
    e, t = call(ember), call(torch)
    assert type(e).__name__ == type(t).__name__ == "histogram"
    _same(e.hist, t.hist, 1e-6)
    _same(e.bin_edges, t.bin_edges, 1e-6)


def test_weighted_random_sampler_and_worker_info():
    from ember.utils.data import WeightedRandomSampler, get_worker_info
    assert get_worker_info() is None and torch.utils.data.get_worker_info() is None
    ember.manual_seed(0)
    drawn = list(WeightedRandomSampler([0.1, 0.9], 4000))
    assert len(drawn) == 4000 and set(drawn) <= {0, 1}
    assert abs(sum(drawn) / 4000 - 0.9) < 0.02
    assert sorted(WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False)) == [0, 1, 2]
    for args, kwargs in (((["a"], 3), {}), (([1, 2], 0), {}), (([[1, 2]], 3), {}), (([1, 2], 3), {"replacement": "x"})):
        try:
            torch.utils.data.WeightedRandomSampler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 (the class torch raises is what we compare)
            with pytest.raises(type(error)):
                WeightedRandomSampler(*args, **kwargs)
    with pytest.raises(RuntimeError, match="without replacement"):
        list(WeightedRandomSampler([1, 2], 3, replacement=False))
    loader = ember.utils.data.DataLoader(ember.utils.data.TensorDataset(ember.arange(4.0)), batch_size=2,
                                         sampler=WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 4))
    assert [batch[0].tolist() for batch in loader] == [[2.0, 2.0], [2.0, 2.0]]


def test_numpy_scalars_act_as_python_numbers_as_in_torch():
    """`scores / np.sqrt(d_k)`: NumPy scalars are wrapped numbers on either side of an operator."""
    for value in (np.float64(2.0), np.float32(2.0), np.int64(3)):
        for op in (lambda a, v: a * v, lambda a, v: v * a, lambda a, v: a / v, lambda a, v: v - a,
                   lambda a, v: a + v):
            e = op(ember.ones(2, requires_grad=True), value)
            t = op(torch.ones(2, requires_grad=True), value)
            assert isinstance(e, ember.Tensor)
            _same(e, t)
            assert e.grad_fn.name() == t.grad_fn.name()
    e = ember.ones(2, dtype=ember.int64) * np.float64(2.5)
    t = torch.ones(2, dtype=torch.int64) * np.float64(2.5)
    _same(e, t)
