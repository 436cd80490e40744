"""Tensor's layout and device questions (is_sparse, get_device, to_dense ...) and resize_, against torch."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["is_sparse", "is_sparse_csr", "is_xpu", "is_mkldnn"])
def test_layout_flags_match_torch(name):
    assert getattr(ember.ones(2, 3), name) is getattr(torch.ones(2, 3), name) is False


def test_get_device_and_to_dense_match_torch():
    mine, theirs = ember.ones(2), torch.ones(2)
    assert mine.get_device() == theirs.get_device() == -1
    assert mine.to_dense() is mine and theirs.to_dense() is theirs
    assert mine.to_dense(ember.float64).dtype == ember.float64


@pytest.mark.parametrize("sizes", [(2, 2), (3, 3), ((4,),), (0,), (1, 6)])
def test_resize_keeps_the_leading_elements_as_torch(sizes):
    mine, theirs = ember.arange(6.0), torch.arange(6.0)
    assert mine.resize_(*sizes) is mine
    theirs.resize_(*sizes)
    assert tuple(mine.shape) == tuple(theirs.shape)
    kept = min(6, theirs.numel())
    np.testing.assert_array_equal(mine.numpy().reshape(-1)[:kept], theirs.numpy().reshape(-1)[:kept])
    np.testing.assert_array_equal(mine.numpy().reshape(-1)[kept:], 0)  # torch leaves these uninitialised


def test_resize_as_and_refusals_match_torch():
    assert tuple(ember.ones(6).resize_as_(ember.ones(2, 3)).shape) == (2, 3)
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            lib.ones(2, requires_grad=True).resize_(3)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            (lib.ones(2, requires_grad=True) * 2).resize_(3)
    x = ember.ones(2)
    version = x._version
    x.resize_(4)
    assert x._version == version + 1


@pytest.mark.parametrize("value", [2.5, "tensor"])
def test_fill_matches_torch(value):
    results = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, float("nan"), -3.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor(4.0, dtype=lib.float64, requires_grad=True) if value == "tensor" else value
        out = lib.fill(x, v)
        out.backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        results.append((out.detach().numpy(), type(out.grad_fn).__name__, x.grad.numpy(),
                        None if value != "tensor" else v.grad.item()))
    (t_out, t_name, t_grad, t_vgrad), (e_out, e_name, e_grad, e_vgrad) = results
    np.testing.assert_array_equal(e_out, t_out)
    assert e_name == t_name and e_vgrad == t_vgrad
    np.testing.assert_array_equal(e_grad, t_grad)
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="0-dimension value tensor"):
            lib.fill(lib.ones(3), lib.ones(2))


def test_expand_copy_matches_torch():
    results = []
    for lib in (torch, ember):
        x = lib.tensor([[1.0], [2.0]], requires_grad=True)
        out = lib.expand_copy(x, (2, 3))
        out.backward(lib.ones(2, 3))
        results.append((out.detach().numpy(), type(out.grad_fn).__name__, x.grad.numpy()))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    assert results[1][1] == results[0][1]
    np.testing.assert_array_equal(results[1][2], results[0][2])
