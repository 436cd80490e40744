"""Table-driven gradient tests: one OpCase (tests/op_cases.py) per row of ember's derivative table.

For every case: first and second derivatives match central finite differences in float64
(gradcheck, gradgradcheck), the grad_fn is named as torch names it, and the output has torch's
shape. A meta-test fails when a row is added to the table without a case. The expected names
and shapes are literals recorded from torch 2.13, so this module does not need torch.
"""
import numpy as np
import pytest
from op_cases import OP_CASES, OpCase

import ember
from ember import _ops
from ember.autograd import gradcheck, gradgradcheck

# gradcheck warns about every input that is not float64; to_float32's output, and so the
# grad_output its second-order check feeds back in, is float32 on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Input #1 requires gradient and is not a double")


DIFFERENTIABLE = [case for case in OP_CASES if case.differentiable]
NOT_DIFFERENTIABLE = [case for case in OP_CASES if not case.differentiable]


def _ember_fn(case):
    return lambda *inputs: case.fn(ember, *inputs)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=repr)
def test_first_derivatives_match_finite_differences(case):
    inputs = case.sample_inputs(ember, "float64")
    assert gradcheck(_ember_fn(case), inputs, **case.gradcheck_kwargs)


def _first_derivatives(case, count):
    """(inputs..., grad_output) -> the gradients of the case's output, as a differentiable graph."""
    def first_derivatives(*values):
        inputs, grad_output = values[:count], values[count]
        with ember.enable_grad():  # gradcheck's finite differences run under no_grad
            out = case.fn(ember, *inputs)
            grads = ember.autograd.grad(out, inputs, grad_output, create_graph=True, allow_unused=True)
        return tuple(grad for grad in grads if grad is not None)
    return first_derivatives


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=repr)
def test_second_derivatives_match_finite_differences(case):
    inputs = case.sample_inputs(ember, "float64")
    assert gradgradcheck(_ember_fn(case), inputs, **case.gradcheck_kwargs)
    # The same check spelled out: gradcheck of the (differentiable) gradient itself, with a
    # random grad_output that is an input too, so d(grad)/d(grad_output) is checked as well.
    out = case.fn(ember, *inputs)
    rng = np.random.default_rng(1)
    grad_output = ember.tensor(rng.standard_normal(case.out_shape), dtype=out.dtype, requires_grad=True)
    assert gradcheck(_first_derivatives(case, len(inputs)), (*inputs, grad_output), **case.gradcheck_kwargs)


@pytest.mark.parametrize("case", OP_CASES, ids=repr)
def test_grad_fn_name_matches_torch(case):
    out = case.fn(ember, *case.sample_inputs(ember, "float64"))
    assert type(out.grad_fn).__name__ == case.grad_fn


@pytest.mark.parametrize("case", OP_CASES, ids=repr)
def test_output_shape_dtype_and_requires_grad(case):
    inputs = case.sample_inputs(ember, "float64")
    out = case.fn(ember, *inputs)
    assert tuple(out.shape) == case.out_shape
    assert out.dtype is (ember.float32 if case.name == "to_float32" else ember.float64)
    assert out.requires_grad and not out.is_leaf
    # the inputs are leaves the case must leave alone (in-place cases work on a clone)
    for tensor, array in zip(inputs, case.arrays()):
        assert tensor.is_leaf and tensor.grad_fn is None
        np.testing.assert_array_equal(tensor.detach().cpu().numpy(), array)


@pytest.mark.parametrize("case", NOT_DIFFERENTIABLE, ids=repr)
def test_backward_through_a_row_without_derivative_raises(case):
    out = case.fn(ember, *case.sample_inputs(ember, "float64"))
    assert out.requires_grad  # torch records the op, and only complains on the way back
    with pytest.raises(RuntimeError, match="not implemented"):
        out.sum().backward()


def test_every_registered_grad_fn_has_a_case():
    covered = {case.grad_fn for case in OP_CASES}
    missing = sorted(set(_ops.GRAD_FNS) - covered)
    assert not missing, f"rows without an OpCase in tests/op_cases.py: {missing}"


def test_registry_maps_names_to_node_classes_of_that_name():
    assert _ops.GRAD_FNS, "the derivative table is empty"
    for name, node_class in _ops.GRAD_FNS.items():
        assert node_class.__name__ == name
        assert issubclass(node_class, ember.autograd.graph.Node)


def _detached(value):
    return value.detach() if isinstance(value, ember.Tensor) else value


def _wrong_rows():
    # d sin(x)/dx is cos(x), not x: gradcheck must say so.
    wrong_first = _ops.defop("wrong_sin", "WrongFirstForTest", np.sin, lambda grad, x: grad * x)
    # Right first derivative, but cut off from x, so its own derivative is wrong (-sin(x) is lost).
    wrong_second = _ops.defop("wrong_sin", "WrongSecondForTest", np.sin,
                              lambda grad, x: grad * _detached(_ops.cos(x)))
    _ops.GRAD_FNS.pop("WrongFirstForTest")  # keep the meta-test's view of the table clean
    _ops.GRAD_FNS.pop("WrongSecondForTest")
    x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
    return wrong_first, wrong_second, x


def test_the_checks_catch_wrong_formulas():
    """The checks above are only worth something if they fail on a wrong derivative."""
    wrong_first, wrong_second, x = _wrong_rows()
    assert not gradcheck(wrong_first, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(wrong_first, (x,))
    assert gradcheck(wrong_second, (x,))
    case = OpCase("wrong_second", "WrongSecondForTest", lambda lib, x: wrong_second(x), ((3,),), (3,))
    grad_output = ember.tensor([1.0, -0.5, 2.0], dtype=ember.float64, requires_grad=True)
    assert not gradcheck(_first_derivatives(case, 1), (x, grad_output), raise_exception=False)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    _, wrong_second, x = _wrong_rows()
    assert not gradgradcheck(wrong_second, (x,), raise_exception=False)
