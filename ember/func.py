"""Function transforms (torch.func): grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian.

Each transform takes a function and returns a new function (or, for vjp/jvp, evaluates one).
They are built on ember.autograd: the arguments being differentiated are replaced by fresh
tensors that require grad (still connected to the caller's graph when the caller is itself
differentiating, so transforms nest: ``grad(grad(f))``), and the result is computed with
autograd.grad (reverse mode) or ember.autograd.forward_ad (forward mode).

Arguments are Tensors (argnums picks which ones); torch's pytrees (dicts, nested lists) are not
provided. ``vmap`` is a loop: ember has no batching rules, so it calls the function once per
batch element and stacks the results (the values and gradients are vmap's; the speed is a loop's).
"""
from .autograd import forward_ad as _fwAD
from .autograd import grad as _autograd_grad
from .autograd.grad_mode import enable_grad as _enable_grad

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap"]


def _tensor():
    from ._tensor import Tensor
    return Tensor


def _argnums_tuple(argnums, count, api):
    single = isinstance(argnums, int)
    numbers = (argnums,) if single else tuple(argnums)
    if not numbers:
        raise RuntimeError(f"{api}: argnums must be non-empty")
    for number in numbers:
        if not isinstance(number, int):
            raise RuntimeError(f"{api}: argnums must be int or Tuple[int, ...], got: {type(number)}")
        if not -count <= number < count:
            raise RuntimeError(f"Got argnums={number}, but only {count} positional inputs")
    return single, tuple(number % count for number in numbers)


def _track(value):
    """A differentiable stand-in for `value`: connected to its graph only when it has one (nesting)."""
    if not isinstance(value, _tensor()):
        raise TypeError(f"ember.func transforms differentiate Tensors; got {type(value).__name__}")
    return value.view_as(value) if value.requires_grad else value.detach().requires_grad_(True)


def _nested(values):
    return any(isinstance(v, _tensor()) and v.requires_grad for v in values)


def _release(value, keep):
    return value if keep or value is None else value.detach()


def _split_aux(output, has_aux, api):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}(f, ...)(*args): output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return output[0], _detach_all(output[1])


def _detach_all(value):
    """aux comes back without the transform's graph, as in torch (tensors inside tuples/lists/dicts too)."""
    if isinstance(value, _tensor()):
        return value.detach()
    if isinstance(value, (tuple, list)):
        return type(value)(_detach_all(item) for item in value)
    if isinstance(value, dict):
        return {key: _detach_all(item) for key, item in value.items()}
    return value


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func's scalar output w.r.t. argnums, the output)."""
    def wrapper(*args, **kwargs):
        single, numbers = _argnums_tuple(argnums, len(args), "grad_and_value")
        keep = _nested([args[n] for n in numbers])
        with _enable_grad():
            args = list(args)
            tracked = [_track(args[n]) for n in numbers]
            for n, value in zip(numbers, tracked):
                args[n] = value
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, _tensor()):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.ndim != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            if output.requires_grad:
                grads = _autograd_grad(output, tracked, create_graph=keep, allow_unused=True,
                                       materialize_grads=True)
            else:
                from . import zeros_like
                grads = tuple(zeros_like(t) for t in tracked)
        grads = tuple(_release(g, keep) for g in grads)
        result = grads[0] if single else grads
        value = _release(output, keep)
        return (result, (value, aux)) if has_aux else (result, value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output w.r.t. its argnums arguments."""
    transformed = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradient, value = transformed(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives one gradient per primal, as a tuple."""
    keep = _nested(primals)
    with _enable_grad():
        tracked = [_track(p) for p in primals]
        output, aux = _split_aux(func(*tracked), has_aux, "vjp")
    outputs = output if isinstance(output, tuple) else (output,)

    def vjp_fn(*cotangents):
        if len(cotangents) == 1 and isinstance(cotangents[0], tuple) and isinstance(output, tuple):
            cotangents = cotangents[0]
        if len(cotangents) != len(outputs):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function: got {len(cotangents)} cotangents for {len(outputs)} "
                               "outputs")
        pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
        with _enable_grad():
            if pairs:
                grads = _autograd_grad([o for o, _ in pairs], tracked, [c for _, c in pairs], retain_graph=True,
                                       create_graph=keep or any(c.requires_grad for _, c in pairs),
                                       allow_unused=True, materialize_grads=True)
            else:
                from . import zeros_like
                grads = tuple(zeros_like(t) for t in tracked)
        return tuple(_release(g, keep) for g in grads)

    released = tuple(_release(o, keep) for o in outputs)
    released = released if isinstance(output, tuple) else released[0]
    return (released, vjp_fn, aux) if has_aux else (released, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents): forward mode, through ember.autograd.forward_ad."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {len(primals)} and tangents with structure {len(tangents)}")
    keep = _nested(primals)
    with _enable_grad(), _fwAD.dual_level():
        duals = [_fwAD.make_dual(_track(p) if keep else p, t) for p, t in zip(primals, tangents)]
        output, aux = _split_aux(func(*duals), has_aux, "jvp")
        outputs = output if isinstance(output, tuple) else (output,)
        unpacked = [_fwAD.unpack_dual(o) for o in outputs]
    from . import zeros_like
    primal_out = tuple(_release(o, keep) if keep else u.primal for o, u in zip(outputs, unpacked))
    tangent_out = tuple(zeros_like(u.primal) if u.tangent is None else u.tangent for u in unpacked)
    if not isinstance(output, tuple):
        primal_out, tangent_out = primal_out[0], tangent_out[0]
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """A function returning the Jacobian of func w.r.t. argnums, by reverse mode."""
    from .autograd.functional import jacobian

    def wrapper(*args):
        single, numbers = _argnums_tuple(argnums, len(args), "jacrev")
        keep = _nested([args[n] for n in numbers])
        aux_box = []

        def partial(*chosen):
            full = list(args)
            for n, value in zip(numbers, chosen):
                full[n] = value
            output, aux = _split_aux(func(*full), has_aux, "jacrev")
            aux_box.append(aux)
            return output

        with _enable_grad():
            result = jacobian(partial, tuple(args[n] for n in numbers), create_graph=keep)
        if single:
            result = tuple(row[0] for row in result) if isinstance(result[0], tuple) else result[0]
        return (result, aux_box[0]) if has_aux else result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """A function returning the Jacobian of func w.r.t. argnums, by forward mode (one jvp per input element)."""
    def wrapper(*args):
        from . import zeros
        from .autograd.functional import _stack
        single, numbers = _argnums_tuple(argnums, len(args), "jacfwd")
        per_input, aux = [], None
        for n in numbers:
            x = args[n]
            columns = []
            for k in range(x.numel()):
                direction = zeros(x.numel(), dtype=x.dtype)
                direction[k] = 1
                tangents = [direction.reshape(x.shape) if m == n else zeros(args[m].shape, dtype=args[m].dtype)
                            for m in range(len(args))]
                result = jvp(func, tuple(args), tuple(tangents), has_aux=has_aux)
                out, column = result[0], result[1]
                aux = result[2] if has_aux else None
                columns.append(column)
            per_input.append(_columns_to_jacobian(columns, out, x, _stack))
        if isinstance(per_input[0], tuple):  # several outputs: outputs first, then inputs, as torch nests them
            jac = tuple(tuple(j[o] for j in per_input) for o in range(len(per_input[0])))
            jac = tuple(row[0] for row in jac) if single else jac
        else:
            jac = per_input[0] if single else tuple(per_input)
        return (jac, aux) if has_aux else jac
    return wrapper


def _columns_to_jacobian(columns, out, x, stack):
    """Columns J[:, k] (one per input element) -> out.shape + x.shape."""
    if isinstance(out, tuple):
        return tuple(_columns_to_jacobian([c[o] for c in columns], out[o], x, stack) for o in range(len(out)))
    stacked = stack(columns)  # (x.numel(), *out.shape)
    order = tuple(range(1, stacked.ndim)) + (0,)
    return stacked.permute(order).reshape(tuple(out.shape) + tuple(x.shape))


def hessian(func, argnums=0):
    """A function returning the Hessian of func's scalar output w.r.t. argnums (jacrev of jacrev)."""
    return jacrev(jacrev(func, argnums), argnums)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap, as a loop over the mapped dimension (see the module docstring).

    in_dims: one dim for every argument, or a tuple with one entry per argument (None: not mapped);
    out_dims: where the batch dimension goes in each output (a tensor or a tuple of tensors).
    """
    name = getattr(func, "__name__", "func")

    def mapped(*args):
        dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`: {len(dims)} in_dims for {len(args)} inputs. Give one in_dim "
                             "per input (None for an input that is not mapped).")
        sizes = set()
        for arg, dim in zip(args, dims):
            if dim is None:
                continue
            if not isinstance(arg, _tensor()):
                raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dim} for an input "
                                 f"but the input is of type {type(arg)}. We cannot vmap over non-Tensor arguments, "
                                 "please use None as the respective in_dim")
            sizes.add(arg.shape[dim])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over (give a Tensor argument an in_dim "
                             "other than None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension")
        results = [func(*(arg if dim is None else arg.select(dim, index) for arg, dim in zip(args, dims)))
                   for index in range(sizes.pop())]
        return _stack_results(results, out_dims)
    return mapped


def _stack_results(results, out_dims):
    from ._ops import stack
    if isinstance(results[0], tuple):
        dims = tuple(out_dims) if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(results[0])
        return tuple(stack([result[k] for result in results], dim=dims[k]) for k in range(len(results[0])))
    return stack(results, dim=out_dims)
