"""gradcheck / gradgradcheck: compare autograd's Jacobians with central finite differences.

Use float64 inputs: with float32 the finite differences themselves are too noisy to judge.
On a mismatch the error shows both Jacobians, numerical and analytical, one above the other.
"""
import warnings

from .._backend import like, to_host, xp


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ (as torch's)."""


def _as_tuple(value):
    return value if isinstance(value, tuple) else tuple(value) if isinstance(value, list) else (value,)


def _differentiable_inputs(inputs):
    from .._tensor import Tensor
    return [(index, x) for index, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _outputs(func, inputs):
    from .._tensor import Tensor
    return [out for out in _as_tuple(func(*inputs)) if isinstance(out, Tensor)]


def _numerical_jacobians(func, inputs, eps):
    """J[input][output] of shape (input numel, output numel), by central differences.

    Inputs are nudged through their arrays, so `func` runs with grad mode as it is: a function
    that itself calls autograd.grad (as gradgradcheck's does) keeps working."""
    jacobians = []
    for _, x in _differentiable_inputs(inputs):
        flat = x._data.reshape(-1)  # a view: perturbing it perturbs x
        if not xp.shares_memory(flat, x._data):
            raise ValueError("gradcheck needs contiguous inputs; pass x.contiguous()")
        columns = []
        for position in range(flat.size):
            original = flat[position].item()
            flat[position] = original + eps
            plus = [to_host(out._data).astype(xp.float64).reshape(-1) for out in _outputs(func, inputs)]
            flat[position] = original - eps
            minus = [to_host(out._data).astype(xp.float64).reshape(-1) for out in _outputs(func, inputs)]
            flat[position] = original
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
        outputs_count = len(columns[0]) if columns else len(_outputs(func, inputs))
        jacobians.append([xp.stack([column[o] for column in columns]) if columns else xp.zeros((0, 0))
                          for o in range(outputs_count)])
    return jacobians


def _analytical_jacobians(func, inputs, check_grad_dtypes=False):
    from .._tensor import make_tensor
    from . import grad
    differentiable = [x for _, x in _differentiable_inputs(inputs)]
    outputs = _outputs(func, inputs)
    jacobians = [[xp.zeros((x._data.size, out._data.size)) for out in outputs] for x in differentiable]
    for o, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for k in range(out._data.size):
            direction = xp.zeros(out._data.size, dtype=out._data.dtype)
            direction[k] = 1
            direction = like(direction.reshape(out._data.shape), out._data)  # the output's device
            grads = grad(out, differentiable, grad_outputs=make_tensor(direction),
                         retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None and check_grad_dtypes and g.dtype is not differentiable[i].dtype:
                    raise GradcheckError("Gradient has dtype mismatch")
                if g is not None:
                    jacobians[i][o][:, k] = to_host(g._data).reshape(-1)
    return jacobians


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True if autograd's gradients of `func` at `inputs` match finite differences.

    Compares every entry of both Jacobians (fast_mode, which torch uses to check one random
    projection, is accepted and checks everything). check_undefined_grad, nondet_tol,
    check_batched_grad and the forward-AD checks are accepted for compatibility; ember does not
    run those extra passes (it has no undefined gradients, no vmap, and a deterministic engine)."""
    inputs = _as_tuple(inputs)
    differentiable = _differentiable_inputs(inputs)
    if not differentiable:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the "
                         "them have requires_grad=True.")
    for index, x in differentiable:
        if x._data.dtype != xp.float64:
            warnings.warn(f"Input #{index} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex.", UserWarning, stacklevel=2)
    numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs, check_grad_dtypes)
    for i, (num_row, ana_row) in enumerate(zip(numerical, analytical)):
        if len(num_row) != len(ana_row):
            raise GradcheckError(f"gradcheck found {len(num_row)} outputs by finite differences but "
                                 f"{len(ana_row)} through autograd; the function's outputs must not depend on "
                                 "grad mode")
        for o, (num, ana) in enumerate(zip(num_row, ana_row)):
            if num.shape == ana.shape and xp.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
                continue
            if not raise_exception:
                return False
            raise GradcheckError(f"Jacobian mismatch for output {o} with respect to input {differentiable[i][0]},\n"
                                 f"numerical:{_show(num)}\nanalytical:{_show(ana)}\n")
    return True


def _show(matrix):
    from .._tensor import make_tensor
    return repr(make_tensor(xp.asarray(matrix)))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradient itself: checks that backward formulas are differentiable."""
    from .._tensor import make_tensor
    from . import grad
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = xp.random.default_rng(0)
        grad_outputs = tuple(make_tensor(like(rng.standard_normal(out._data.shape).astype(out._data.dtype), out._data),
                                         requires_grad=True) for out in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    count = len(inputs)

    def first_derivatives(*values):
        primal, directions = values[:count], values[count:]
        differentiable = [x for _, x in _differentiable_inputs(primal)]
        outs = [out for out in _outputs(func, primal) if out.requires_grad]
        grads = grad(outs, differentiable, grad_outputs=directions[:len(outs)], create_graph=True,
                     allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad, fast_mode=fast_mode)
