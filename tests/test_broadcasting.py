"""Un-broadcasting: binary ops between tensors of any mutually broadcastable shapes.

The engine sums each gradient back to its input's shape in one place (graph.sum_to). These
property tests draw the shapes with hypothesis and compare every gradient with a NumPy
reference: the output-shaped gradient of the formula, summed over the broadcast axes. Both
paths are checked: backward() (raw arrays) and autograd.grad(create_graph=True) (tensors,
so the un-broadcasting is itself differentiable). No torch needed.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

SETTINGS = settings(max_examples=50, deadline=None)
TWO_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=3)
THREE_SHAPES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, min_side=1, max_side=3)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def sum_to(array, shape):
    """NumPy reference for un-broadcasting: sum `array` down to `shape`."""
    leading = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(leading)))
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and array.shape[axis] != 1)
    return array.sum(axis=stretched, keepdims=True).reshape(shape)


def uniform(rng, shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def away_from_zero(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# op: (ember function, NumPy forward, output-shaped gradients given (a, b, grad), samplers for a and b)
BINARY_OPS = {
    "add": (lambda a, b: a + b, np.add, lambda a, b, g: (g, g), uniform, uniform),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b, g: (g, -g), uniform, uniform),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b, g: (g * b, g * a), uniform, uniform),
    "div": (lambda a, b: a / b, np.divide, lambda a, b, g: (g / b, -g * a / (b * b)), uniform, away_from_zero),
    "pow": (lambda a, b: a ** b, np.power, lambda a, b, g: (g * b * a ** (b - 1), g * a ** b * np.log(a)),
            lambda rng, shape: uniform(rng, shape, 0.5, 2.0), uniform),
}


def leaf(array):
    return ember.tensor(array, dtype=ember.float64, requires_grad=True)


def numpy_of(tensor):
    return tensor.detach().numpy()


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@SETTINGS
@given(shapes=TWO_SHAPES, seed=SEEDS)
def test_binary_op_gradients_are_summed_back_to_each_input(name, shapes, seed):
    function, forward, gradients, sample_a, sample_b = BINARY_OPS[name]
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a_array, b_array = sample_a(rng, a_shape), sample_b(rng, b_shape)
    grad_output = rng.standard_normal(shapes.result_shape)
    a, b = leaf(a_array), leaf(b_array)

    out = function(a, b)
    assert tuple(out.shape) == shapes.result_shape
    np.testing.assert_allclose(numpy_of(out), forward(a_array, b_array), rtol=1e-12)
    out.backward(ember.tensor(grad_output, dtype=ember.float64))

    expected = [sum_to(np.broadcast_to(g, shapes.result_shape), shape)
                for g, shape in zip(gradients(a_array, b_array, grad_output), (a_shape, b_shape))]
    for tensor, reference in zip((a, b), expected):
        assert tuple(tensor.grad.shape) == tensor.shape
        assert tensor.grad.dtype is ember.float64
        np.testing.assert_allclose(numpy_of(tensor.grad), reference, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shapes=TWO_SHAPES, seed=SEEDS)
def test_gradient_of_a_summed_product_is_the_other_factor_summed_to_shape(shapes, seed):
    """d sum(a * b) / da = sum_to(b broadcast to the result, a.shape), and the same for b."""
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a_array, b_array = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    a, b = leaf(a_array), leaf(b_array)
    (a * b).sum().backward()
    np.testing.assert_allclose(numpy_of(a.grad), sum_to(np.broadcast_to(b_array, shapes.result_shape), a_shape),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(numpy_of(b.grad), sum_to(np.broadcast_to(a_array, shapes.result_shape), b_shape),
                               rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shapes=THREE_SHAPES, seed=SEEDS)
def test_where_routes_each_gradient_to_its_branch_and_sums_it_back(shapes, seed):
    rng = np.random.default_rng(seed)
    condition_shape, a_shape, b_shape = shapes.input_shapes
    condition_array = rng.random(condition_shape) < 0.5
    a_array, b_array = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    grad_output = rng.standard_normal(shapes.result_shape)
    a, b = leaf(a_array), leaf(b_array)

    out = ember.where(ember.tensor(condition_array), a, b)
    assert tuple(out.shape) == shapes.result_shape
    np.testing.assert_array_equal(numpy_of(out), np.where(condition_array, a_array, b_array))
    out.backward(ember.tensor(grad_output, dtype=ember.float64))

    mask = np.broadcast_to(condition_array, shapes.result_shape)
    np.testing.assert_allclose(numpy_of(a.grad), sum_to(np.where(mask, grad_output, 0.0), a_shape), atol=1e-12)
    np.testing.assert_allclose(numpy_of(b.grad), sum_to(np.where(mask, 0.0, grad_output), b_shape), atol=1e-12)
    assert tuple(a.grad.shape) == a_shape and tuple(b.grad.shape) == b_shape


@SETTINGS
@given(shapes=TWO_SHAPES, seed=SEEDS)
def test_unbroadcasting_is_differentiable_with_create_graph(shapes, seed):
    """The tensor path: first gradients are graphs, in each input's shape, and differentiating
    them again sums the second-order gradient back correctly as well."""
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a_array, b_array = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    grad_output = rng.standard_normal(shapes.result_shape)
    weight = rng.standard_normal(a_shape)
    a, b = leaf(a_array), leaf(b_array)

    (grad_a,) = ember.autograd.grad(a * b, a, ember.tensor(grad_output, dtype=ember.float64), create_graph=True)
    assert tuple(grad_a.shape) == a_shape and grad_a.requires_grad
    result_shape = shapes.result_shape
    np.testing.assert_allclose(numpy_of(grad_a), sum_to(grad_output * np.broadcast_to(b_array, result_shape), a_shape),
                               rtol=1e-10, atol=1e-12)

    # grad_a = sum_to(g * b, a.shape), so d sum(w * grad_a) / db = sum_to(broadcast(w) * g, b.shape)
    (grad_b,) = ember.autograd.grad((grad_a * ember.tensor(weight, dtype=ember.float64)).sum(), b)
    assert tuple(grad_b.shape) == b_shape
    np.testing.assert_allclose(numpy_of(grad_b), sum_to(np.broadcast_to(weight, result_shape) * grad_output, b_shape),
                               rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shapes=TWO_SHAPES, seed=SEEDS)
def test_gradients_accumulate_in_the_leaf_shape_over_two_backwards(shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a_array, b_array = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    a, b = leaf(a_array), leaf(b_array)
    (a + b).sum().backward()
    (a * b).sum().backward()
    ones = np.ones(shapes.result_shape)
    np.testing.assert_allclose(numpy_of(a.grad),
                               sum_to(ones, a_shape) + sum_to(np.broadcast_to(b_array, shapes.result_shape), a_shape),
                               rtol=1e-12, atol=1e-12)
    assert tuple(b.grad.shape) == b_shape
