"""The strided-view kernels of max pooling and convolution against torch: values, indices (the
first maximum of each window, -0.0 before 0.0 on ties) and gradients over strides, padding,
dilation, ceil_mode and groups, plus float64 gradchecks of the rewritten backwards."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

POOL_CASES = [  # shape, kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 9, 9), 3, 2, 1, 1, False),
    ((2, 3, 10, 7), (2, 3), (1, 2), (1, 0), (2, 1), True),
    ((1, 2, 8, 8), 2, 2, 0, 1, False),
    ((3, 1, 11, 13), 4, (3, 1), 2, (1, 2), True),
    ((2, 2, 6, 5), 3, 2, 1, 1, True),
    ((4, 3, 16, 16), 17 // 4, 1, 2, 1, False),
]


def _pool_input(shape, kind, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    if kind == "ties":  # small integers: many equal maxima in a window, and zeros of both signs
        x = np.round(x).astype(np.float32)
        zeros = x == 0
        x[zeros] = rng.choice(np.array([0.0, -0.0], np.float32), size=int(zeros.sum()))
    return x


@pytest.mark.parametrize("kind", ["random", "ties"])
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation, ceil_mode", POOL_CASES)
def test_max_pool2d_matches_torch(shape, kernel, stride, padding, dilation, ceil_mode, kind):
    x = _pool_input(shape, kind, seed=len(shape) + shape[-1])
    ours = ember.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, indices = ember.nn.functional.max_pool2d(ours, kernel, stride, padding, dilation, ceil_mode,
                                                  return_indices=True)
    expected, expected_indices = torch.nn.functional.max_pool2d(theirs, kernel, stride, padding, dilation,
                                                                ceil_mode, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(np.signbit(out.detach().numpy()), np.signbit(expected.detach().numpy()))
    grad = np.random.default_rng(1).standard_normal(tuple(expected.shape)).astype(np.float32)
    out.backward(ember.tensor(grad))
    expected.backward(torch.tensor(grad))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_max_pool2d_integers_and_nan_match_torch():
    x = np.random.default_rng(3).integers(-3, 3, (2, 2, 7, 7))
    got = ember.nn.functional.max_pool2d(ember.tensor(x), 3, 2, 1, return_indices=True)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    y = np.random.default_rng(4).standard_normal((1, 2, 6, 6)).astype(np.float32)
    y[0, 0, 1, 2] = y[0, 1, 4, 4] = np.nan
    got = ember.nn.functional.max_pool2d(ember.tensor(y), 2, return_indices=True)
    want = torch.nn.functional.max_pool2d(torch.tensor(y), 2, return_indices=True)
    np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())


def test_max_pool2d_gradcheck_float64():
    # distinct values, so that no window has a tie for its maximum (where the derivative jumps)
    values = np.random.default_rng(5).permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0
    x = ember.tensor(values, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.nn.functional.max_pool2d(t, 3, 2, 1, ceil_mode=True), (x,))
    assert ember.autograd.gradcheck(lambda t: ember.nn.functional.max_pool2d(t, 2, 1, dilation=2), (x,))
