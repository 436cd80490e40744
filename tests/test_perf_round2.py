"""Behaviour the second optimisation round must keep: gradients handed to .grad without a copy
never alias another holder's array, sums computed as matrix products agree with NumPy's, and
log_softmax's kept softmax (defop saves_extra) gives the same gradients on every path."""
import numpy as np
import pytest

import ember
from ember._ops._kernels import add_reduce


def test_one_gradient_sent_to_two_leaves_becomes_two_buffers():
    a = ember.randn(3, requires_grad=True)
    b = ember.randn(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_user_gradient_and_hooked_gradient_are_copied_into_grad():
    a = ember.randn(3, requires_grad=True)
    gradient = ember.ones(3)
    (a + 0).backward(gradient)
    a.grad.add_(5)
    assert gradient.tolist() == [1.0, 1.0, 1.0]

    b = ember.randn(3, requires_grad=True)
    kept = []
    b.register_hook(lambda grad: kept.append(grad))
    (b * 2).sum().backward()
    b.grad.mul_(10)
    assert kept[0].tolist() == [2.0, 2.0, 2.0]


def test_linear_gradients_are_fresh_c_ordered_buffers():
    layer = ember.nn.Linear(4, 3)
    x = ember.randn(5, 4)
    layer(x).sum().backward()
    for parameter in layer.parameters():
        grad = parameter.grad._data
        assert grad.flags.c_contiguous and grad.flags.writeable
        assert grad.shape == parameter.shape
    np.testing.assert_allclose(layer.bias.grad._data, np.full(3, 5.0))
    np.testing.assert_allclose(layer.weight.grad._data, np.tile(x._data.sum(0), (3, 1)), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape, axis", [((6, 7), 1), ((6, 7), 0), ((6, 7), -1), ((2, 3, 4), (1, 2)),
                                         ((2, 3, 4), (0, 1)), ((2, 3, 4), (0, 2)), ((2, 3, 4), None),
                                         ((5, 1), 1), ((0, 3), 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_add_reduce_agrees_with_numpy(dtype, shape, axis, keepdims):
    x = (np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    expected = np.add.reduce(x, axis=axis, keepdims=keepdims)
    got = add_reduce(x, axis=axis, keepdims=keepdims)
    assert np.shape(got) == expected.shape and np.asarray(got).dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    transposed = np.ascontiguousarray(x).T  # not C-contiguous: NumPy's own reduction
    np.testing.assert_allclose(add_reduce(transposed, axis=0), np.add.reduce(transposed, axis=0), rtol=1e-5)


def test_sum_over_axes_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((16, 32)).astype(np.float32)
    for dim in (0, 1, (0, 1)):
        np.testing.assert_allclose(ember.tensor(x).sum(dim).numpy(), torch.tensor(x).sum(dim).numpy(), rtol=1e-5,
                                   atol=1e-5)
        np.testing.assert_allclose(ember.tensor(x).mean(dim).numpy(), torch.tensor(x).mean(dim).numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_log_softmax_gradients_on_every_path():
    torch = pytest.importorskip("torch")
    x_ = np.random.default_rng(2).standard_normal((4, 6))
    w_ = np.random.default_rng(3).standard_normal((4, 6))
    x = ember.tensor(x_, requires_grad=True)
    y = ember.nn.functional.log_softmax(x, dim=1)
    loss = (y * ember.tensor(w_)).sum()
    first, = ember.autograd.grad(loss, x, retain_graph=True)
    second, = ember.autograd.grad(loss, x, create_graph=True)  # the Tensor path of the formula
    tx = torch.tensor(x_, requires_grad=True)
    expected, = torch.autograd.grad((torch.log_softmax(tx, 1) * torch.tensor(w_)).sum(), tx)
    np.testing.assert_allclose(first.numpy(), expected.numpy(), rtol=1e-10)
    np.testing.assert_allclose(second.detach().numpy(), expected.numpy(), rtol=1e-10)
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.log_softmax(t, dim=1), (x,))


def test_log_softmax_output_changed_in_place_still_raises():
    x = ember.randn(3, 4, requires_grad=True)
    y = ember.nn.functional.log_softmax(x, dim=1)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_log_softmax_without_grad_returns_the_output_alone():
    with ember.no_grad():
        y = ember.nn.functional.log_softmax(ember.randn(2, 3, requires_grad=True), dim=1)
    assert y.shape == (2, 3) and y.grad_fn is None
    np.testing.assert_allclose(np.exp(y.numpy()).sum(1), [1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_matches_torch_at_zero_nan_and_infinite_gradients(dtype):
    torch = pytest.importorskip("torch")
    x_ = np.array([[-1.0, 0.0, 2.0, np.nan], [3.0, -0.0, -2.0, 1.0]], dtype=dtype)
    g_ = np.array([[np.inf, -5.0, -3.0, 7.0], [np.nan, np.nan, -np.inf, -0.0]], dtype=dtype)
    x = ember.tensor(x_, requires_grad=True)
    ember.relu(x).backward(ember.tensor(g_))
    tx = torch.tensor(x_, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g_))
    expected = tx.grad.numpy()
    got = x.grad.numpy()
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    assert (np.signbit(got) == np.signbit(expected)).all()


def test_add_reduce_takes_numpy_integers_and_lists_as_axes():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(add_reduce(x, axis=np.int64(2)), np.add.reduce(x, axis=2))
    np.testing.assert_array_equal(add_reduce(x, axis=[0, 1], keepdims=True), np.add.reduce(x, axis=(0, 1),
                                                                                           keepdims=True))
    np.testing.assert_array_equal(add_reduce(x, axis=(-1,)), np.add.reduce(x, axis=-1))


def test_sum_of_every_element_stays_close_to_float64():
    x = np.random.default_rng(5).standard_normal((300, 700)).astype(np.float32)
    got = add_reduce(x)
    assert type(got) is np.float32
    assert abs(float(got) - x.astype(np.float64).sum()) < 1e-5 * np.abs(x).sum()
    assert add_reduce(x, keepdims=True).shape == (1, 1)
