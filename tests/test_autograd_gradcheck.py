"""gradcheck / gradgradcheck options and the failure report, against torch."""
import pytest
from autograd_scenarios import compare_with_torch, error_of, plain

import ember


def wrong_backward(lib):
    class Triple(lib.autograd.Function):  # claims d(2x)/dx = 3
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3
    return Triple


def scenario_gradcheck(lib):
    x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
    bad = wrong_backward(lib).apply
    try:
        lib.autograd.gradcheck(bad, (x,))
        report = None
    except RuntimeError as error:
        report = (type(error).__name__, str(error))
    options = dict(eps=1e-6, atol=1e-5, rtol=1e-3, nondet_tol=0.0, check_undefined_grad=True, fast_mode=True,
                   check_grad_dtypes=True, check_batched_grad=False)
    return {
        "report": report,
        "quiet": lib.autograd.gradcheck(bad, (x,), raise_exception=False),
        "good": lib.autograd.gradcheck(lambda t: (t * t).exp(), (x,), **options),
        "good_gradgrad": lib.autograd.gradgradcheck(lambda t: (t * t).exp(), (x,), **options),
        "gradgrad_bad": lib.autograd.gradgradcheck(lambda t: bad(t) * t, (x,), raise_exception=False),
        "no_inputs": error_of(lambda: lib.autograd.gradcheck(lambda t: t, (x.detach(),)), "requires_grad=True"),
    }


def test_gradcheck_report_by_hand():
    observed = plain(scenario_gradcheck(ember))
    name, text = observed["report"]
    assert name == "GradcheckError"
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor([[2.0000, "
                           "0.0000],\n        [0.0000, 2.0000]], dtype=ember.float64)\nanalytical:tensor([[3., 0.],")
    assert observed["quiet"] is False and observed["good"] is True and observed["gradgrad_bad"] is False


def test_gradcheck_matches_torch():
    compare_with_torch(scenario_gradcheck)


def test_gradcheck_error_is_a_runtime_error():
    import sys
    assert issubclass(sys.modules["ember.autograd.gradcheck"].GradcheckError, RuntimeError)
    x = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        ember.autograd.gradcheck(wrong_backward(ember).apply, (x,))
