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


CONV_CASES = [  # input shape, weight shape, stride, padding, dilation, groups
    ((2, 3, 9, 9), (4, 3, 3, 3), 1, 1, 1, 1),
    ((2, 4, 10, 7), (6, 2, 2, 3), (2, 1), (1, 2), (1, 2), 2),
    ((1, 6, 8, 8), (6, 2, 3, 3), 1, "same", 2, 3),
    ((3, 2, 11, 13), (4, 2, 4, 2), (3, 2), (2, 0), 1, 1),
    ((2, 2, 5, 5), (2, 2, 5, 5), 1, 0, 1, 1),
    ((2, 4, 7, 7), (8, 1, 3, 1), 1, (3, 0), (3, 1), 4),
    ((32, 8, 14, 14), (16, 8, 3, 3), 1, 1, 1, 1),  # W7's second layer
]


def _conv_pair(input_shape, weight_shape, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(input_shape).astype(np.float32), rng.standard_normal(weight_shape).astype(np.float32),
            rng.standard_normal(weight_shape[0]).astype(np.float32))


@pytest.mark.parametrize("input_shape, weight_shape, stride, padding, dilation, groups", CONV_CASES)
def test_conv2d_matches_torch(input_shape, weight_shape, stride, padding, dilation, groups):
    x, w, b = _conv_pair(input_shape, weight_shape, seed=sum(input_shape))
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = ember.nn.functional.conv2d(*ours, stride, padding, dilation, groups)
    expected = torch.nn.functional.conv2d(*theirs, stride, padding, dilation, groups)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-4)
    assert out.is_contiguous()
    grad = np.random.default_rng(2).standard_normal(tuple(expected.shape)).astype(np.float32)
    out.backward(ember.tensor(grad))
    expected.backward(torch.tensor(grad))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("stride, padding, output_padding, dilation, groups",
                         [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), ((2, 3), (0, 1), (1, 2), 1, 2), (1, 1, 0, 2, 2)])
def test_conv_transpose2d_matches_torch(stride, padding, output_padding, dilation, groups):
    x, w, _ = _conv_pair((2, 4, 5, 6), (4, 3, 3, 2), seed=7)
    b = np.random.default_rng(6).standard_normal(6).astype(np.float32)
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b[:3 * groups])]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b[:3 * groups])]
    out = ember.nn.functional.conv_transpose2d(*ours, stride, padding, output_padding, groups, dilation)
    expected = torch.nn.functional.conv_transpose2d(*theirs, stride, padding, output_padding, groups, dilation)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-4)
    grad = np.random.default_rng(3).standard_normal(tuple(expected.shape)).astype(np.float32)
    out.backward(ember.tensor(grad))
    expected.backward(torch.tensor(grad))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_conv1d_matches_torch():
    x, w, b = _conv_pair((3, 4, 17), (6, 2, 5), seed=8)
    for stride, padding, dilation in [(1, 2, 1), (2, 0, 3), (1, "same", 2)]:
        got = ember.nn.functional.conv1d(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride, padding,
                                         dilation, groups=2)
        want = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride, padding,
                                          dilation, groups=2)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 1, 1, 1), ((2, 1), (1, 0), (1, 2), 2)])
def test_conv2d_gradcheck_float64(stride, padding, dilation, groups):
    rng = np.random.default_rng(9)
    x = ember.tensor(rng.standard_normal((2, 4, 6, 5)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((4, 4 // groups, 3, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)

    def conv(x, w, b):
        return ember.nn.functional.conv2d(x, w, b, stride, padding, dilation, groups)
    assert ember.autograd.gradcheck(conv, (x, w, b))
    assert ember.autograd.gradgradcheck(conv, (x, w, b))
