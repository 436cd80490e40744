"""scatter_reduce's forward on integers, ties, the in-place form and errors, against torch."""
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_integer_values_match_torch(reduce, include_self):
    results = []
    for lib in (ember, torch):
        x = lib.tensor([[1, 2, 3], [4, 5, 6]])
        src = lib.tensor([[7, 1, 2], [3, 9, 4]])
        index = lib.tensor([[0, 1, 0], [0, 0, 1]])
        results.append(x.scatter_reduce(1, index, src, reduce, include_self=include_self).tolist())
    assert results[0] == results[1]


def test_amax_ties_share_the_gradient_as_torch():
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([2.0, 0.0], requires_grad=True)
        src = lib.tensor([2.0, 2.0, 1.0], requires_grad=True)
        x.scatter_reduce(0, lib.tensor([0, 0, 1]), src, "amax").sum().backward()
        grads.append((x.grad.tolist(), src.grad.tolist()))
    assert grads[0] == grads[1]  # three values tie at 2.0: a third each


def test_in_place_form():
    results = []
    for lib in (ember, torch):
        x = lib.zeros(3)
        x.scatter_reduce_(0, lib.tensor([0, 0, 2]), lib.tensor([1.0, 2.0, 3.0]), "sum")
        results.append(x.tolist())
    assert results[0] == results[1] == [3.0, 0.0, 3.0]


def test_unknown_reduction_is_refused():
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
        ember.zeros(3).scatter_reduce(0, ember.tensor([0]), ember.ones(1), "max")
