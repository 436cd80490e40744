"""ember.autograd.Function: ctx styles, saved tensors, flags, errors and double backward, against torch."""
import pytest
from autograd_scenarios import compare_with_torch, error_of, plain

import ember


def classes(lib):
    """The same custom Functions, defined against either library."""
    Function = lib.autograd.Function

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    class Scale(Function):  # setup_context style, a non-tensor argument
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]
            ctx.flags = ctx.needs_input_grad

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None

    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return lib.ones(3, dtype=grad.dtype)

    class GradForNumber(Function):
        @staticmethod
        def forward(ctx, x, n):
            return x * n

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class TwoOutputs(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx_seen.append((g1 is None, g2 is None))
            total = None
            for g, k in ((g1, 2), (g2, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    class Materialized(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx_seen.append((g1.tolist(), g2.tolist()))
            return g1 * 2 + g2 * 3

    class Dirty(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.mul_(2)

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class NonDiff(Function):
        @staticmethod
        def forward(ctx, x):
            mask = x > 0
            ctx.mark_non_differentiable(mask)
            return x * 1, mask

        @staticmethod
        def backward(ctx, grad, grad_mask):
            return grad

    class Once(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    ctx_seen = []
    return dict(locals())


def leaf(lib, values=(0.5, -1.0, 2.0)):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def scenario_basics(lib):
    c = classes(lib)
    x = leaf(lib)
    y = c["MyExp"].apply(x)
    y.sum().backward()
    first = x.grad.clone()
    x.grad = None
    (g,) = lib.autograd.grad(c["MyExp"].apply(x).sum(), x, create_graph=True)
    g.sum().backward()
    scaled = c["Scale"].apply(x, 3.0)
    scaled.sum().backward()
    return {
        "repr": repr(y.grad_fn).split(" object")[0], "name": y.grad_fn.name(),
        "type": type(y.grad_fn).__name__, "value": y, "grad": first, "double": x.grad,
        "next": [type(n).__name__ for n, _ in y.grad_fn.next_functions],
        "scaled": scaled, "flags": list(scaled.grad_fn.flags),
        "no_grad_input": c["MyExp"].apply(lib.ones(2)).requires_grad,
        "gradcheck": lib.autograd.gradcheck(c["MyExp"].apply, (x,)),
        "gradgradcheck": lib.autograd.gradgradcheck(c["MyExp"].apply, (x,)),
    }


def test_basics_by_hand():
    observed = plain(scenario_basics(ember))
    assert observed["name"] == "MyExpBackward" and observed["repr"] == "<ember.autograd.function.MyExpBackward"
    assert observed["flags"] == [True, False] and observed["no_grad_input"] is False
    assert observed["gradcheck"] is True and observed["gradgradcheck"] is True


def test_basics_match_torch():
    compare_with_torch(scenario_basics)


def scenario_errors(lib):
    c = classes(lib)
    x = leaf(lib, (1.0, 2.0))
    y = c["MyExp"].apply(x)
    y.sum().backward()
    saved_after_free = error_of(lambda: y.grad_fn.saved_tensors, "backward through the graph a second time")
    a = x.clone()
    b = c["MyExp"].apply(a)
    a_modified = c["Scale"].apply(a, 2.0)
    with lib.no_grad():
        b.add_(1)
    return {
        "count": error_of(lambda: c["WrongCount"].apply(x, x).sum().backward(),
                          "function WrongCountBackward returned an incorrect number of gradients (expected 2, got 1)"),
        "shape": error_of(lambda: c["WrongShape"].apply(x).sum().backward(),
                          "Function WrongShapeBackward returned an invalid gradient at index 0 - got [3] but "
                          "expected shape compatible with [2]"),
        "number": error_of(lambda: c["GradForNumber"].apply(x, 2).sum().backward(),
                           "returned a gradient different than None at position 2, but the corresponding forward "
                           "input was not a Variable"),
        "freed": saved_after_free,
        "modified": error_of(lambda: b.sum().backward(), "is at version 1; expected version 0 instead"),
        "unrelated": a_modified.requires_grad,
        "dirty_leaf": error_of(lambda: c["Dirty"].apply(leaf(lib)),
                               "a leaf Variable that requires grad has been used in an in-place operation."),
    }


def test_errors_match_torch():
    observed = compare_with_torch(scenario_errors)
    assert all(value == ["RuntimeError", True] for key, value in observed.items() if key != "unrelated")


def test_errors_by_hand():
    observed = plain(scenario_errors(ember))
    assert observed["count"] == ["RuntimeError", True] and observed["shape"] == ["RuntimeError", True]


def scenario_outputs(lib):
    c = classes(lib)
    x = leaf(lib)
    first, second = c["TwoOutputs"].apply(x)
    second.sum().backward()
    m1, m2 = c["Materialized"].apply(x)
    m2.sum().backward()
    base = x.clone()
    dirty = c["Dirty"].apply(base)
    dirty.sum().backward()
    value, mask = c["NonDiff"].apply(x)
    (g,) = lib.autograd.grad(c["Once"].apply(x), x, lib.ones(3, dtype=lib.float64, requires_grad=True),
                             create_graph=True)
    return {
        "seen": c["ctx_seen"], "grad": x.grad, "dirty_is_input": dirty is base,
        "dirty_fn": type(dirty.grad_fn).__name__, "dirty_version": base._version,
        "mask": (mask.requires_grad, value.requires_grad), "once_value": g,
        "once_error": error_of(lambda: g.sum().backward(), "@once_differentiable"),
    }


def test_outputs_by_hand():
    observed = plain(scenario_outputs(ember))
    assert observed["seen"] == [[True, False], [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]
    assert observed["dirty_is_input"] is True and observed["dirty_fn"] == "DirtyBackward"
    assert observed["mask"] == [False, True] and observed["once_error"] == ["RuntimeError", True]


def test_outputs_match_torch():
    compare_with_torch(scenario_outputs)


def test_returned_input_is_a_new_tensor_on_the_same_memory():
    class Identity(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = leaf(ember)
    y = Identity.apply(x)
    assert y is not x and y._base is x and type(y.grad_fn).__name__ == "IdentityBackward"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_gradient_broadcast_to_input_is_summed():
    class Spread(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return ember.ones(4, 3, dtype=grad.dtype)  # expandable from [3]: summed back, as in torch

    x = leaf(ember)
    Spread.apply(x).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def test_instantiating_a_function_warns_and_calling_it_raises():
    class Plain(ember.autograd.Function):
        pass

    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        instance = Plain()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward"):
        instance(ember.ones(2))


def test_vjp_may_stand_for_backward():
    class Double(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, grad):
            return grad * 2

    x = leaf(ember)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def scenario_grad_mode(lib):
    seen = []

    class Product(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append((list(ctx.needs_input_grad), lib.is_grad_enabled()))
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = leaf(lib)
    with lib.no_grad():
        under_no_grad = Product.apply(x, x).requires_grad
    constant = Product.apply(lib.ones(3), lib.ones(3)).requires_grad
    mixed = Product.apply(x, lib.ones(3, dtype=lib.float64))
    return {"seen": seen, "no_grad": under_no_grad, "constant": constant, "mixed": mixed.requires_grad,
            "is_leaf": mixed.is_leaf, "output_nr": mixed.output_nr}


def test_grad_mode_matches_torch():
    observed = compare_with_torch(scenario_grad_mode)
    assert observed["seen"][0] == [[True, True], False] and observed["no_grad"] is False


def test_increment_version_is_seen_by_backward():
    x = leaf(ember)
    y = x.exp()
    ember.autograd.graph.increment_version(y)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()
