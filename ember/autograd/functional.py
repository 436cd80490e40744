"""Higher-level differentiation of whole functions (torch.autograd.functional).

Each helper calls the user's function on fresh copies of the inputs that require grad, then
asks autograd.grad for the products it needs:
  vjp       v^T J              one backward pass
  jvp       J v                the double-vjp trick: J v = d/du <J^T u, v>, two backward passes
  jacobian  J                  one backward pass per output element
  hessian   the jacobian of the gradient
  hvp/vhp   H v and v^T H      (equal, since H is symmetric, but computed as torch does)
Inputs and outputs are a Tensor or a tuple of Tensors, and results have the same structure
as torch's. Without create_graph the results are detached; with strict=True an output that
does not depend on an input raises instead of giving zeros. ``vectorize`` is accepted and
changes nothing (ember computes the rows one by one).
"""
from .._tensor import Tensor
from . import grad as _autograd_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(value, arg_name, fn_name):
    """(was it a tuple, the values as a tuple), checking that each is a Tensor."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for index, item in enumerate(values):
        if not isinstance(item, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                                f"but the value at index {index} has type {type(item)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"the given {arg_name} has type {type(item)}.")
    return is_tuple, values


def _prepare_inputs(inputs, create_graph):
    """Inputs that require grad: connected to the caller's graph only when create_graph asks for it."""
    prepared = []
    for x in inputs:
        if create_graph and x.requires_grad:
            prepared.append(x.view_as(x))
        else:
            prepared.append(x.detach().requires_grad_(True))
    return tuple(prepared)


def _finish(values, create_graph):
    """Detach results unless the caller wants to differentiate them again."""
    if create_graph:
        return tuple(values)
    return tuple(None if v is None else v.detach() for v in values)


def _fill_unused(grads, like, strict, message):
    results = []
    for index, (g, x) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(message.format(index=index))
            from .. import zeros_like
            g = zeros_like(x)
        results.append(g)
    return tuple(results)


def _grad(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    """autograd.grad that tolerates outputs without a graph (their gradients are None)."""
    pairs = [(out, g) for out, g in zip(outputs, grad_outputs) if out.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _autograd_grad([out for out, _ in pairs], inputs, [g for _, g in pairs], create_graph=create_graph,
                          retain_graph=retain_graph, allow_unused=True)


def _check_strict_outputs(outputs, strict, fn_name):
    if not strict:
        return
    for index, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"Output {index} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


def _check_vector(v, outputs, name, fn_name):
    if len(v) != len(outputs):
        raise RuntimeError(f"{name} is expected to have the same length as the {'outputs' if name == 'v' else name} "
                           f"of the user-provided function: got {len(v)} for {len(outputs)}.")
    for index, (vector, out) in enumerate(zip(v, outputs)):
        if vector.shape != out.shape:
            raise RuntimeError(f"Entry {index} in {name} has invalid size: should be {out.shape} but got "
                               f"{vector.shape}.")


def _default_v(v, outputs, what):
    if v is not None:
        return v
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if the {what} is a single Tensor with a single element.")
    from .. import ones_like
    return (ones_like(outputs[0]),)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _prepare_inputs(inputs, create_graph)
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
    _check_strict_outputs(outputs, strict, "vjp")
    if v is not None:
        _, v = _as_tuple(v, "v", "vjp")
        _check_vector(v, outputs, "v", "vjp")
    v = _default_v(v, outputs, "user-provided function returns")
    grads = _grad(outputs, inputs, v, create_graph)
    products = _fill_unused(grads, inputs, strict, "The output of the user-provided function is independent of "
                                                   "input {index}. This is not allowed in strict mode.")
    outputs, products = _finish(outputs, create_graph), _finish(products, create_graph)
    return (outputs if is_outputs_tuple else outputs[0]), (products if is_inputs_tuple else products[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    from .. import zeros_like
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _prepare_inputs(inputs, create_graph)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        _check_vector(v, inputs, "v", "jvp")
    v = _default_v(v, inputs, "input to the user-provided function")
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
    _check_strict_outputs(outputs, strict, "jvp")
    # u -> J^T u is linear; differentiating <J^T u, v> with respect to u gives J v
    dummies = tuple(zeros_like(out).requires_grad_(True) for out in outputs)
    grads = _grad(outputs, inputs, dummies, create_graph=True)
    pairs = [(g, vector) for g, vector in zip(grads, v) if g is not None]
    if strict and len(pairs) < len(grads):
        missing = next(i for i, g in enumerate(grads) if g is None)
        raise RuntimeError(f"The output of the user-provided function is independent of input {missing}. This is "
                           "not allowed in strict mode.")
    products = _grad(tuple(g for g, _ in pairs), dummies, tuple(vector for _, vector in pairs), create_graph) \
        if pairs else (None,) * len(dummies)
    products = _fill_unused(products, outputs, strict, "The gradient with respect to the input is independent of "
                                                       "entry {index} in the grad_outputs when using the double "
                                                       "backward trick to compute forward mode gradients. This is "
                                                       "not allowed in strict mode.")
    outputs, products = _finish(outputs, create_graph), _finish(products, create_graph)
    return (outputs if is_outputs_tuple else outputs[0]), (products if is_outputs_tuple else products[0])


def _jacobian_rows(outputs, inputs, create_graph, strict):
    """jac[o][i] of shape out.shape + in.shape, one backward per output element."""
    from .. import zeros
    jacobians = []
    for o, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        for k in range(out.numel()):
            direction = zeros(out.numel(), dtype=out.dtype)
            direction[k] = 1
            grads = _grad((out,), inputs, (direction.reshape(out.shape),), create_graph, retain_graph=True)
            for i, (g, x) in enumerate(zip(grads, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {o} of the user-provided function is independent of input {i}. "
                                           "This is not allowed in strict mode.")
                    g = zeros(x.shape, dtype=x.dtype)
                rows[i].append(g)
        jacobians.append(tuple(
            (_stack(rows[i]) if rows[i] else zeros((0,) + tuple(x.shape), dtype=x.dtype)).reshape(
                tuple(out.shape) + tuple(x.shape)) for i, x in enumerate(inputs)))
    return jacobians


def _stack(tensors):
    from .._ops import stack  # the ops import ember.autograd, so look stack up when it is needed
    return stack(tensors)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`: one Tensor, or tuples as torch nests them."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
                         'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
                         'prefer to use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                                  "implemented for `vectorize=True`.")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _prepare_inputs(inputs, create_graph)
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
    _check_strict_outputs(outputs, strict, "jacobian")
    jacobians = [_finish(row, create_graph) for row in _jacobian_rows(outputs, inputs, create_graph, strict)]
    if not is_inputs_tuple:
        jacobians = [row[0] for row in jacobians]
    return tuple(jacobians) if is_outputs_tuple else jacobians[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: a Tensor for one input, a tuple of tuples for several."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*values):
        out = func(*values)
        is_out_tuple, out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_out_tuple or not isinstance(out[0], Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        _check_strict_outputs(out, strict, "hessian")
        grads = _grad(out, values, (None,), create_graph=True)
        return _fill_unused(grads, values, strict, "The output of the user-provided function is independent of "
                                                    "input {index}. This is not allowed in strict mode.")

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return result if is_inputs_tuple else result[0][0]


def _second_order(func, inputs, v, create_graph, strict, fn_name, reverse_first):
    from .. import zeros_like
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare_inputs(inputs, create_graph)
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        _check_vector(v, inputs, "v", fn_name)
    v = _default_v(v, inputs, "input to the user-provided function")
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    if is_outputs_tuple or len(outputs) != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    _check_strict_outputs(outputs, strict, fn_name)
    first = _grad(outputs, inputs, (None,), create_graph=True)
    first = _fill_unused(first, inputs, strict, "The output of the user-provided function is independent of "
                                                "input {index}. This is not allowed in strict mode.")
    needed = [(g, vector) for g, vector in zip(first, v) if g.requires_grad]
    if reverse_first:  # vhp: v^T H, one more backward with v as the direction
        products = _grad(tuple(g for g, _ in needed), inputs, tuple(vec for _, vec in needed), create_graph) \
            if needed else (None,) * len(inputs)
    else:  # hvp: H v, by the double-vjp trick on the gradient g: H v = d/du <J_g^T u, v>
        positions = [j for j, g in enumerate(first) if g.requires_grad]
        dummies = tuple(zeros_like(first[j]).requires_grad_(True) for j in positions)
        back = _grad(tuple(first[j] for j in positions), inputs, dummies, create_graph=True) \
            if positions else (None,) * len(inputs)
        pairs = [(b, vec) for b, vec in zip(back, v) if b is not None and b.requires_grad]
        found = _grad(tuple(b for b, _ in pairs), dummies, tuple(vec for _, vec in pairs), create_graph) \
            if pairs else (None,) * len(dummies)
        products = [None] * len(inputs)
        for position, product in zip(positions, found):
            products[position] = product
    products = _fill_unused(products, inputs, strict, "The hessian of the user-provided function with respect to "
                                                      "input {index} is independent of the input. This is not "
                                                      "allowed in strict mode.")
    outputs, products = _finish(outputs, create_graph), _finish(products, create_graph)
    return outputs[0], (products if is_inputs_tuple else products[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar function."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp", reverse_first=True)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp", reverse_first=False)
