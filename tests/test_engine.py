"""Autograd semantics: accumulation, retain_graph, inputs=, autograd.grad, hooks, grad modes,
version counters, the iterative engine on deep graphs, and un-broadcasting.

Most behaviours are written once as a *scenario*: a function of the library (`ember` or
`torch`) that returns plain observations. The ember tests assert hand-derived values on
``scenario(ember)``; ``test_scenario_matches_torch`` runs every scenario under both libraries
and compares the observations (it skips when torch is not installed). No other test imports torch.
"""
import gc
import math
import subprocess
import sys
import textwrap
import threading
import warnings
import weakref

import numpy as np
import pytest
from compare import assert_same

import ember

SECOND_BACKWARD = "Trying to backward through the graph a second time"
INPLACE_MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


# -- helpers -------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    """A test that leaves grad mode switched off would silently change the tests after it."""
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_grad_enabled(True)
    leaked = (ember.is_grad_enabled(), ember.is_inference_mode_enabled())
    if leaked != (True, False):
        ember.inference_mode(False).__enter__()  # plain grad mode again for the next test
        ember.set_grad_enabled(True)
        pytest.fail(f"the test left ember's grad mode as (enabled, inference) = {leaked}")


def plain(value):
    """A library-neutral form of an observation: tensors become (dtype, shape, values)."""
    if hasattr(value, "tolist") and hasattr(value, "grad_fn"):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if type(value).__name__ == "dtype":
        return str(value).split(".")[-1]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return value.replace("torch.", "ember.")
    return value


def observe(scenario, lib=ember):
    return plain(scenario(lib))


def error_of(action):
    """(exception class name, first 40 characters of the message), or None if nothing was raised."""
    try:
        action()
    except Exception as error:  # noqa: BLE001  (the class itself is the observation)
        return (type(error).__name__, str(error)[:40])
    return None


def quiet_grad(tensor):
    """Read .grad of a non-leaf without the (expected) UserWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tensor.grad


def node_tree(node):
    """(name, [children]) down to the leaves; None where an input needed no gradient."""
    if node is None:
        return None
    return (node.name(), [node_tree(child) for child, _ in node.next_functions])


# -- scenarios: each is run under ember (asserted below) and under torch (compared) --------------
def accumulation(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    after_three = x.grad.tolist()
    held = x.grad
    (x * x).sum().backward()
    result = {"after_three": after_three, "after_four": x.grad.tolist(), "same_object": held is x.grad}
    x.grad.zero_()
    result["zeroed"] = x.grad.tolist()
    (x * x).sum().backward()
    result["after_zero"] = x.grad.tolist()
    x.grad = None
    result["none"] = x.grad
    (x * x).sum().backward()
    result["after_none"] = x.grad
    return result


def retain_graph(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    return {"grad": x.grad.tolist(), "third": error_of(y.backward)}


def second_backward_per_op(lib):
    """Ops that save a tensor: the second backward raises. Ops that save nothing: it works."""
    def second(make):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        w = lib.tensor([2.0, 3.0], requires_grad=True)
        out = make(x, w).sum()
        out.backward()
        return error_of(out.backward)
    return {
        "pow": second(lambda x, w: x ** 2),
        "mul_tensors": second(lambda x, w: x * w),
        "exp": second(lambda x, w: x.exp()),
        "sigmoid": second(lambda x, w: x.sigmoid()),
        "tanh": second(lambda x, w: x.tanh()),
        "matmul": second(lambda x, w: x @ w),
        "div": second(lambda x, w: x / w),
        "add_constant": second(lambda x, w: x + 1),
        "mul_python_number": second(lambda x, w: x * 2),
        "add_tensors": second(lambda x, w: x + w),
        "sum_only": second(lambda x, w: x),
    }


def nothing_saved_twice(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    v = lib.tensor([3.0, 4.0], requires_grad=True)
    z = (w - v).sum()
    z.backward()
    z.backward()
    return {"x": x.grad.tolist(), "w": w.grad.tolist(), "v": v.grad.tolist()}


def backward_with_gradient(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(lib.tensor([1.0, 0.1, 0.01]))
    m = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (m * 3).backward(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    leaf = lib.tensor([1.0, 2.0], requires_grad=True)
    leaf.backward(lib.tensor([5.0, 6.0]))
    return {"vector": x.grad.tolist(), "matrix": m.grad.tolist(), "leaf": leaf.grad.tolist()}


def backward_inputs(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    result = {"x_only": x.grad.tolist(), "w_untouched": w.grad}
    (x * w).sum().backward(inputs=w)  # a single tensor is accepted too
    result["w_then"] = w.grad.tolist()
    result["x_unchanged"] = x.grad.tolist()
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    hidden = a * 3
    loss = (hidden ** 2).sum()
    loss.backward(inputs=[hidden], retain_graph=True)
    result["nonleaf"] = quiet_grad(hidden).tolist()
    result["leaf_below_nonleaf"] = a.grad
    loss.backward(inputs=[hidden])
    result["nonleaf_accumulated"] = quiet_grad(hidden).tolist()
    return result


def autograd_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    unused = lib.tensor([5.0], requires_grad=True)
    out = (x * w).sum()
    dx, dw = lib.autograd.grad(out, [x, w], retain_graph=True)
    result = {"dx": dx.tolist(), "dw": dw.tolist(), "leaf_grad_untouched": x.grad,
              "dx_is_leaf": dx.is_leaf, "dx_requires_grad": dx.requires_grad}
    result["allow_unused"] = lib.autograd.grad(out, [x, unused], allow_unused=True, retain_graph=True)[1]
    result["materialized"] = lib.autograd.grad(out, [x, unused], materialize_grads=True, retain_graph=True)[1]
    result["unused_error"] = error_of(lambda: lib.autograd.grad(out, [x, unused], retain_graph=True))[0]
    vector = x * x
    result["grad_outputs"] = lib.autograd.grad(vector, x, grad_outputs=lib.tensor([1.0, 10.0]))[0].tolist()
    hidden = x * 2
    result["nonleaf_input"] = lib.autograd.grad((hidden * hidden).sum(), hidden)[0].tolist()
    return result


def higher_order(lib):
    x = lib.tensor(1.5, requires_grad=True)
    (first,) = lib.autograd.grad(x ** 3, x, create_graph=True)
    (second,) = lib.autograd.grad(first, x, create_graph=True)
    (third,) = lib.autograd.grad(second, x)
    v = lib.tensor([1.0, 2.0], requires_grad=True)
    (g,) = lib.autograd.grad((v ** 3).sum(), v, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), v)
    b = lib.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():  # torch warns that .grad and b now form a reference cycle
        warnings.simplefilter("ignore", UserWarning)
        (b ** 3).backward(create_graph=True)
    grad_graph = b.grad.grad_fn is not None
    (bb,) = lib.autograd.grad(b.grad, b)
    return {"first": first.item(), "first_requires_grad": first.requires_grad, "second": second.item(),
            "third": third.item(), "vector_first": g.tolist(), "vector_second": h.tolist(),
            "backward_create_graph": [b.grad.item(), grad_graph, bb.item()]}


def retain_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return {"y_grad": y.grad.tolist(), "x_grad": x.grad.tolist(), "retains": [y.retains_grad, x.retains_grad],
            "y_is_leaf": y.is_leaf}


def leaf_rules(lib):
    plain_tensor = lib.ones(2)
    from_plain = plain_tensor * 2
    leaf = lib.ones(2, requires_grad=True)
    computed = leaf * 2
    mixed = plain_tensor + leaf
    with lib.no_grad():
        under_no_grad = leaf * 2
    return {
        "plain": [plain_tensor.is_leaf, plain_tensor.requires_grad, plain_tensor.grad_fn],
        "from_plain": [from_plain.is_leaf, from_plain.requires_grad, from_plain.grad_fn],
        "leaf": [leaf.is_leaf, leaf.requires_grad, leaf.grad_fn],
        "computed": [computed.is_leaf, computed.requires_grad, computed.grad_fn.name()],
        "mixed": [mixed.is_leaf, mixed.requires_grad, mixed.grad_fn.name()],
        "under_no_grad": [under_no_grad.is_leaf, under_no_grad.requires_grad, under_no_grad.grad_fn],
    }


def requires_grad_method(lib):
    a = lib.ones(2)
    returned = a.requires_grad_()
    after = [returned is a, a.requires_grad, a.is_leaf]
    a.requires_grad_(False)
    b = lib.ones(2)
    b.requires_grad = True
    return {"after": after, "off_again": a.requires_grad, "setter": b.requires_grad}


def detach_and_data(lib):
    x = lib.ones(3, requires_grad=True)
    d = x.detach()
    d.add_(1)  # allowed: d does not require grad; the memory and the version counter are x's
    result = {"x_values": x.tolist(), "versions": [x._version, d._version],
              "d_state": [d.requires_grad, d.is_leaf, d.grad_fn]}
    y = x * 2
    y.detach_()
    result["detach_"] = [y.requires_grad, y.is_leaf, y.grad_fn]
    z = lib.ones(3, requires_grad=True)
    data = z.data
    data.add_(1)  # .data shares memory but not the version counter
    result["data"] = [z.tolist(), z._version, data.requires_grad]
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    hidden = w * 2
    out = hidden * hidden
    hidden.data.mul_(10)  # invisible to autograd: no error, the new values are used
    out.sum().backward()
    result["data_edit_under_graph"] = w.grad.tolist()
    return result


def seed_graph(lib):
    x = lib.tensor(1.0, requires_grad=True)
    y = lib.tensor(2.0, requires_grad=True)
    z = x ** 2 + 2 * x * y + y ** 2
    pow_x = z.grad_fn.next_functions[0][0].next_functions[0][0]
    mul_xy = z.grad_fn.next_functions[0][0].next_functions[1][0]
    accumulate_x = pow_x.next_functions[0][0]
    accumulate_y = mul_xy.next_functions[1][0]
    z.backward()
    return {
        "tree": node_tree(z.grad_fn),
        "indices": [index for _, index in z.grad_fn.next_functions],
        "x_variable": accumulate_x.variable is x,
        "y_variable": accumulate_y.variable is y,
        "one_accumulator_per_leaf": accumulate_x is mul_xy.next_functions[0][0].next_functions[0][0],
        "accumulator_class": type(accumulate_x).__name__,
        "class_names_are_names": type(z.grad_fn).__name__ == z.grad_fn.name(),
        "grads": [x.grad.item(), y.grad.item()],
        "z": z.item(),
    }


def tensor_hooks(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    leaf_handle = x.register_hook(lambda grad: seen.append(grad.tolist()))  # returns None: observes only
    y = x * 2
    handle = y.register_hook(lambda grad: grad * 10)
    y.sum().backward()
    result = {"hooked": x.grad.tolist()}
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    result["removed"] = x.grad.tolist()
    leaf_handle.remove()
    (x * 2).sum().backward()
    result["seen"] = seen
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    a.register_hook(lambda grad: grad + 1)
    a.register_hook(lambda grad: grad * 10)  # hooks chain in registration order
    (a * 3).sum().backward()
    result["chained_on_leaf"] = a.grad.tolist()
    b = lib.tensor([1.0, 2.0], requires_grad=True)
    hidden = b * 2
    hidden.retain_grad()
    hidden.register_hook(lambda grad: grad * 3)  # retained .grad sees the hooked gradient
    hidden.sum().backward()
    result["retained_after_hook"] = hidden.grad.tolist()
    result["below_hook"] = b.grad.tolist()
    return result


def post_accumulate_hook(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda tensor: seen.append((tensor is x, tensor.grad.tolist())))
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    handle.remove()
    (x * 3).sum().backward()
    return {"seen": seen, "final": x.grad.tolist()}


def version_counters(lib):
    x = lib.ones(4)
    view = x[1:3]
    versions = [x._version]
    x.add_(1)
    versions.append([x._version, view._version])
    view.mul_(2)
    versions.append([x._version, view._version])
    x[0] = 5.0
    versions.append(x._version)
    x += 1
    versions.append(x._version)
    x.zero_()
    versions.append(x._version)
    _ = x + 1  # out-of-place ops leave the version alone
    versions.append(x._version)
    m = lib.ones(2, 3)
    views = [m.view(3, 2), m.t(), m[0], m.unsqueeze(0), m.reshape(6), m.transpose(0, 1), m.squeeze()]
    copy = m.clone()
    m.mul_(2)
    return {"sequence": versions, "views": [v._version for v in views], "clone": copy._version,
            "view_values": views[2].tolist(), "row_write": _row_write(lib)}


def _row_write(lib):
    m = lib.zeros(2, 3)
    row = m[1]
    row.fill_(7.0)
    return [m._version, m.tolist()]


def inplace_errors(lib):
    def modified_after(make_saved, modify):
        x = lib.tensor([0.5, 1.5, 2.5], requires_grad=True)
        saved, out = make_saved(x)
        modify(saved)
        return error_of(lambda: out.sum().backward())

    def leaf_case():
        x = lib.tensor([0.5, 1.5, 2.5], requires_grad=True)
        out = x * x
        with lib.no_grad():
            x.add_(1)
        return error_of(lambda: out.sum().backward())

    def unsaved_case():
        x = lib.tensor([0.5, 1.5, 2.5], requires_grad=True)
        hidden = x * 1
        out = hidden + 3  # add saves nothing, so changing `hidden` afterwards is fine
        hidden.mul_(2)
        out.sum().backward()
        return x.grad.tolist()

    def chained_inplace():
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(3)
        y.sum().backward()
        return [y.grad_fn.name(), y._version, x.grad.tolist()]

    def exp_inplace():  # exp_ saves its own result: using it after in-place is still correct
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1
        y.exp_()
        y.sum().backward()
        return x.grad.tolist()

    return {
        "saved_input": modified_after(lambda x: (lambda h: (h, h * h))(x * 2), lambda h: h.add_(1)),
        "saved_pow_input": modified_after(lambda x: (lambda h: (h, h ** 2))(x * 1), lambda h: h.mul_(2)),
        "exp_output": modified_after(lambda x: (lambda e: (e, e))(x.exp()), lambda e: e.add_(1)),
        "sigmoid_output": modified_after(lambda x: (lambda s: (s, s))(x.sigmoid()), lambda s: s.mul_(2)),
        "tanh_output": modified_after(lambda x: (lambda t: (t, t))(x.tanh()), lambda t: t.zero_()),
        "through_view": modified_after(lambda x: (lambda h: (h, h[0:2] * h[0:2]))(x * 1), lambda h: h.add_(1)),
        "leaf": leaf_case(),
        "unsaved": unsaved_case(),
        "chained": chained_inplace(),
        "exp_": exp_inplace(),
    }


def unbroadcast(lib):
    a = lib.ones(2, 1, 3, requires_grad=True)
    b = lib.tensor([[1.0], [2.0], [3.0], [4.0]], requires_grad=True)
    c = lib.tensor(2.0, requires_grad=True)
    (a * b * c).sum().backward()
    row = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    column = lib.tensor([[10.0], [20.0]], requires_grad=True)
    (row + column).sum().backward()
    low = lib.ones(3, dtype=lib.float32, requires_grad=True)
    high = lib.ones(3, dtype=lib.float64, requires_grad=True)
    (low * high).sum().backward()
    return {"a": a.grad, "b": b.grad, "c": c.grad, "row": row.grad, "column": column.grad,
            "dtypes": [low.grad.dtype, high.grad.dtype]}


def saved_release(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    alive = weakref.ref(hidden)
    out = (hidden * hidden).sum()
    del hidden
    gc.collect()
    result = {"alive_while_saved": alive() is not None}
    out.backward()
    gc.collect()
    result["released_after_backward"] = alive() is None
    result["second_backward"] = error_of(out.backward)

    hidden = x * 2
    alive = weakref.ref(hidden)
    out = (hidden * hidden).sum()
    del hidden
    out.backward(retain_graph=True)
    gc.collect()
    result["kept_with_retain_graph"] = alive() is not None
    del out
    gc.collect()
    result["released_with_graph"] = alive() is None

    w = lib.tensor([3.0, 4.0], requires_grad=True)
    product = x * w
    result["saved_self_is_input"] = product.grad_fn._saved_self is x
    result["saved_other"] = product.grad_fn._saved_other.tolist()
    product.sum().backward()
    result["saved_after_free"] = error_of(lambda: product.grad_fn._saved_self)
    return result


def saved_result(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    e = x.exp()
    saved = e.grad_fn._saved_result
    return {"values": saved.tolist(), "same_values_as_output": saved.tolist() == e.tolist()}


def grad_modes(lib):
    result = {}
    with lib.no_grad():
        result["no_grad"] = [lib.is_grad_enabled(), (lib.ones(1, requires_grad=True) * 2).requires_grad]
        with lib.enable_grad():
            result["enable_inside"] = [lib.is_grad_enabled(), (lib.ones(1, requires_grad=True) * 2).requires_grad]
            with lib.set_grad_enabled(False):
                result["set_false_inside"] = lib.is_grad_enabled()
            result["restored_enable"] = lib.is_grad_enabled()
        result["restored_no_grad"] = lib.is_grad_enabled()
    result["restored_outer"] = lib.is_grad_enabled()

    @lib.no_grad()
    def decorated(x):
        return [(x * 2).requires_grad, lib.is_grad_enabled()]

    @lib.enable_grad()
    def enabled(x):
        return (x * 2).requires_grad

    @lib.set_grad_enabled(False)
    def disabled(x):
        return (x * 2).requires_grad

    leaf = lib.ones(1, requires_grad=True)
    result["decorated"] = decorated(leaf)
    with lib.no_grad():
        result["enable_decorator"] = enabled(leaf)
    result["set_grad_decorator"] = [disabled(leaf), lib.is_grad_enabled()]
    lib.set_grad_enabled(False)
    result["set_as_call"] = lib.is_grad_enabled()
    lib.set_grad_enabled(True)
    for manager in (lib.no_grad, lambda: lib.set_grad_enabled(False), lib.inference_mode):
        try:
            with manager():
                raise ValueError("inside")
        except ValueError:
            pass
        result.setdefault("after_exception", []).append([lib.is_grad_enabled(), lib.is_inference_mode_enabled()])
    with lib.inference_mode():
        made = leaf * 2
        result["inference"] = [lib.is_grad_enabled(), lib.is_inference_mode_enabled(), made.requires_grad,
                               made.is_inference()]
        with lib.inference_mode(False):
            result["inference_off"] = [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
    result["inference_restored"] = [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
    return result


def bare_decorators(lib):
    """torch also accepts @torch.no_grad, @torch.enable_grad and @torch.inference_mode without ()."""
    result = {}

    def probe(x):
        return [(x * 2).requires_grad, lib.is_grad_enabled()]
    leaf = lib.ones(1, requires_grad=True)
    result["no_grad"] = lib.no_grad(probe)(leaf)
    result["inference_mode"] = lib.inference_mode(probe)(leaf)
    with lib.no_grad():
        result["enable_grad"] = lib.enable_grad(probe)(leaf)
    return result


def decorated_generator(lib):
    """A generator decorated with no_grad runs its body without grad, as torch wraps generators."""
    @lib.no_grad()
    def steps():
        yield lib.is_grad_enabled()
        yield lib.is_grad_enabled()
    return {"inside": list(steps()), "outside": lib.is_grad_enabled()}


SCENARIOS = [accumulation, retain_graph, second_backward_per_op, nothing_saved_twice, backward_with_gradient,
             backward_inputs, autograd_grad, higher_order, retain_grad, leaf_rules, requires_grad_method,
             detach_and_data, seed_graph, tensor_hooks, post_accumulate_hook, version_counters, inplace_errors,
             unbroadcast, saved_release, saved_result, grad_modes, bare_decorators, decorated_generator]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.__name__)
def test_scenario_matches_torch(scenario):
    torch = pytest.importorskip("torch")
    assert_same(plain(scenario(torch)), plain(scenario(ember)))


# -- ember, checked against hand-derived values ------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    # d/dx sum(x*x) = 2x = [2, 4]
    result = observe(accumulation)
    assert result["after_three"] == [6.0, 12.0]
    assert result["after_four"] == [8.0, 16.0]
    assert result["same_object"] is True  # accumulation is in place, as in torch
    assert result["zeroed"] == [0.0, 0.0]
    assert result["after_zero"] == [2.0, 4.0]
    assert result["none"] is None
    assert result["after_none"] == ("tensor", "float32", (2,), [2.0, 4.0])


def test_retain_graph_allows_a_second_backward_and_then_frees():
    result = observe(retain_graph)
    assert result["grad"] == [4.0, 8.0, 12.0]  # 2 * 2x
    assert result["third"][0] == "RuntimeError" and result["third"][1] in SECOND_BACKWARD


@pytest.mark.parametrize("op", ["pow", "mul_tensors", "mul_python_number", "exp", "sigmoid", "tanh", "matmul",
                                "div"])
def test_second_backward_raises_when_something_was_saved(op):
    # x * 2 too: torch saves the number as a wrapped tensor, so its graph is freed like any other
    x = ember.tensor([0.5, 1.5], requires_grad=True)
    w = ember.tensor([2.0, 3.0], requires_grad=True)
    make = {"pow": lambda: x ** 2, "mul_tensors": lambda: x * w, "mul_python_number": lambda: x * 2,
            "exp": x.exp, "sigmoid": x.sigmoid, "tanh": x.tanh, "matmul": lambda: x @ w, "div": lambda: x / w}[op]
    out = make().sum()
    out.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        out.backward()


def test_second_backward_works_when_nothing_was_saved():
    result = observe(nothing_saved_twice)
    assert result == {"x": [2.0, 2.0, 2.0], "w": [2.0, 2.0], "v": [-2.0, -2.0]}
    per_op = observe(second_backward_per_op)
    for op in ("add_constant", "add_tensors", "sum_only"):
        assert per_op[op] is None, op


def test_backward_with_an_explicit_gradient():
    result = observe(backward_with_gradient)
    assert_same([2.0, 0.4, 0.06], result["vector"])  # 2x * v
    assert result["matrix"] == [[3.0, 6.0], [9.0, 12.0]]  # 3 * v
    assert result["leaf"] == [5.0, 6.0]


def test_backward_inputs_accumulates_only_into_those():
    result = observe(backward_inputs)
    assert result["x_only"] == [3.0, 4.0] and result["w_untouched"] is None
    assert result["w_then"] == [1.0, 2.0] and result["x_unchanged"] == [3.0, 4.0]
    assert result["nonleaf"] == [6.0, 12.0]  # d/dh sum(h^2) = 2h, h = 3a
    assert result["leaf_below_nonleaf"] is None
    assert result["nonleaf_accumulated"] == [12.0, 24.0]


def test_backward_inputs_must_not_be_empty():
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_autograd_grad_returns_without_touching_dot_grad():
    result = observe(autograd_grad)
    assert result["dx"] == [3.0, 4.0] and result["dw"] == [1.0, 2.0]
    assert result["leaf_grad_untouched"] is None
    assert result["dx_is_leaf"] is True and result["dx_requires_grad"] is False
    assert result["allow_unused"] is None
    assert result["materialized"] == ("tensor", "float32", (1,), [0.0])
    assert result["unused_error"] == "RuntimeError"
    assert result["grad_outputs"] == [2.0, 40.0]
    assert result["nonleaf_input"] == [4.0, 8.0]


def test_unused_input_error_names_allow_unused():
    x = ember.tensor([1.0], requires_grad=True)
    unused = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ember.autograd.grad((x * 2).sum(), [x, unused])


def test_materialize_grads_refuses_allow_unused_false():
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="allow_unused"):
        ember.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)


def test_create_graph_gives_higher_derivatives():
    result = observe(higher_order)
    # x = 1.5: d/dx x^3 = 3x^2 = 6.75; d2 = 6x = 9; d3 = 6
    assert_same(6.75, result["first"])
    assert result["first_requires_grad"] is True
    assert_same(9.0, result["second"])
    assert_same(6.0, result["third"])
    assert result["vector_first"] == [3.0, 12.0] and result["vector_second"] == [6.0, 12.0]
    assert result["backward_create_graph"] == [12.0, True, 12.0]  # b = 2: 3b^2, and 6b


def test_retain_grad_keeps_a_non_leaf_gradient():
    result = observe(retain_grad)
    assert result == {"y_grad": [4.0, 8.0], "x_grad": [8.0, 16.0], "retains": [True, False], "y_is_leaf": False}


def test_leaf_and_requires_grad_rules():
    result = observe(leaf_rules)
    assert result["plain"] == [True, False, None]
    assert result["from_plain"] == [True, False, None]  # no input requires grad: still a leaf
    assert result["leaf"] == [True, True, None]
    assert result["computed"] == [False, True, "MulBackward0"]
    assert result["mixed"] == [False, True, "AddBackward0"]
    assert result["under_no_grad"] == [True, False, None]


def test_requires_grad_method_and_setter():
    assert observe(requires_grad_method) == {"after": [True, True, True], "off_again": False, "setter": True}


def test_detach_shares_memory_and_version_counter():
    result = observe(detach_and_data)
    assert result["x_values"] == [2.0, 2.0, 2.0]
    assert result["versions"] == [1, 1]
    assert result["d_state"] == [False, True, None]
    assert result["detach_"] == [False, True, None]
    assert result["data"] == [[2.0, 2.0, 2.0], 0, False]
    # out = h*h with h = 2w = [2, 4], then h becomes [20, 40] behind autograd's back: d/dw = 2h * 2
    assert result["data_edit_under_graph"] == [80.0, 160.0]


def test_detached_tensor_keeps_the_saved_tensor_check():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    out = y * y
    y.detach().add_(1)  # same version counter as y
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED):
        out.sum().backward()


SEED_TREE = (  # torch 2.13: z = x**2 + 2*x*y + y**2
    "AddBackward0", [
        ("AddBackward0", [
            ("PowBackward0", [("torch::autograd::AccumulateGrad", [])]),
            ("MulBackward0", [
                ("MulBackward0", [("torch::autograd::AccumulateGrad", []), None]),
                ("torch::autograd::AccumulateGrad", [])])]),
        ("PowBackward0", [("torch::autograd::AccumulateGrad", [])])])


def test_seed_graph_structure_matches_torch_names():
    result = observe(seed_graph)
    assert_same(plain(SEED_TREE), result["tree"])
    assert result["indices"] == [0, 0]
    assert result["x_variable"] and result["y_variable"] and result["one_accumulator_per_leaf"]
    assert result["accumulator_class"] == "AccumulateGrad"
    assert result["class_names_are_names"]
    assert result["grads"] == [6.0, 6.0]  # 2x + 2y and 2x + 2y at (1, 2)
    assert result["z"] == 9.0


def test_tensor_hooks_modify_and_remove():
    result = observe(tensor_hooks)
    assert result["hooked"] == [20.0, 20.0]
    assert result["removed"] == [2.0, 2.0]
    assert result["seen"] == [[20.0, 20.0], [2.0, 2.0]]
    assert result["chained_on_leaf"] == [40.0, 40.0]  # (3 + 1) * 10
    assert result["retained_after_hook"] == [3.0, 3.0]
    assert result["below_hook"] == [6.0, 6.0]


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    result = observe(post_accumulate_hook)
    assert result["seen"] == [[True, [3.0, 3.0]], [True, [6.0, 6.0]]]
    assert result["final"] == [9.0, 9.0]


def test_version_counters_count_inplace_ops_and_views_share_them():
    result = observe(version_counters)
    assert result["sequence"] == [0, [1, 1], [2, 2], 3, 4, 5, 5]
    assert result["views"] == [1] * 7
    assert result["clone"] == 0
    assert result["view_values"] == [2.0, 2.0, 2.0]
    assert result["row_write"] == [1, [[0.0, 0.0, 0.0], [7.0, 7.0, 7.0]]]


@pytest.mark.parametrize("case", ["saved_input", "saved_pow_input", "exp_output", "sigmoid_output",
                                  "tanh_output", "through_view", "leaf"])
def test_modifying_a_saved_tensor_raises_at_backward(case):
    error = inplace_errors(ember)[case]
    assert error is not None, "backward used a modified saved tensor without complaint"
    assert error == ("RuntimeError", INPLACE_MODIFIED[:40])


def test_inplace_error_message_names_the_versions():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    e = x.exp()
    e.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED) as info:
        e.sum().backward()
    assert "is at version 1; expected version 0" in str(info.value)


def test_inplace_ops_that_do_not_invalidate_saved_tensors_give_right_gradients():
    result = observe(inplace_errors)
    assert result["unsaved"] == [1.0, 1.0, 1.0]  # out = x * 1 + 3 was computed before the change
    assert result["chained"] == ["MulBackward0", 2, [6.0, 6.0]]  # y = 3 * (2x + 1)
    assert_same([math.exp(0.5), math.exp(1.5)], result["exp_"])


def test_gradients_are_summed_back_to_each_input_shape():
    result = observe(unbroadcast)
    # out[i, j, k] = a[i, 0, k] * b[j, 0] * c, summed: each gradient sums the other factors
    assert result["a"] == ("tensor", "float32", (2, 1, 3), [[[20.0, 20.0, 20.0]], [[20.0, 20.0, 20.0]]])
    assert result["b"] == ("tensor", "float32", (4, 1), [[12.0], [12.0], [12.0], [12.0]])
    assert result["c"] == ("tensor", "float32", (), 60.0)
    assert result["row"] == ("tensor", "float32", (3,), [2.0, 2.0, 2.0])
    assert result["column"] == ("tensor", "float32", (2, 1), [[3.0], [3.0]])
    assert result["dtypes"] == ["float32", "float64"]


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((1,), (5, 2)), ((2, 1, 4), (3, 1)),
                                    ((), (2, 3))])
def test_unbroadcast_matches_numpy_sums(shapes):
    rng = np.random.default_rng(0)
    a_values, b_values = (rng.standard_normal(shape) for shape in shapes)
    a = ember.tensor(a_values, requires_grad=True)
    b = ember.tensor(b_values, requires_grad=True)
    upstream = rng.standard_normal(np.broadcast_shapes(*shapes))
    (a * b).backward(ember.tensor(upstream))

    def summed_to(values, shape):
        leading = values.ndim - len(shape)
        values = values.sum(axis=tuple(range(leading)))
        return values.sum(axis=tuple(i for i, size in enumerate(shape) if size == 1), keepdims=True)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(a.grad.numpy(), summed_to(upstream * b_values, shapes[0]), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), summed_to(upstream * a_values, shapes[1]), rtol=1e-12)


def test_saved_tensors_are_released_after_backward():
    result = observe(saved_release)
    assert result["alive_while_saved"] and result["released_after_backward"]
    assert result["second_backward"][0] == "RuntimeError"
    assert result["kept_with_retain_graph"] and result["released_with_graph"]
    assert result["saved_self_is_input"] and result["saved_other"] == [3.0, 4.0]


def test_saved_tensor_access_after_backward_raises_torchs_error():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([3.0, 4.0], requires_grad=True)
    product = x * w
    product.sum().backward()
    with pytest.raises(RuntimeError, match=r"directly access saved tensors after they have already been freed"):
        product.grad_fn._saved_self


def test_saved_result_is_the_output_tensor():
    result = observe(saved_result)
    assert_same([1.0, math.e], result["values"])
    assert result["same_values_as_output"] is True


# -- grad modes -------------------------------------------------------------------------------
def test_grad_mode_managers_nest_decorate_and_restore():
    result = observe(grad_modes)
    assert result["no_grad"] == [False, False]
    assert result["enable_inside"] == [True, True]
    assert result["set_false_inside"] is False
    assert result["restored_enable"] is True and result["restored_no_grad"] is False
    assert result["restored_outer"] is True
    assert result["decorated"] == [False, False]
    assert result["enable_decorator"] is True
    assert result["set_grad_decorator"] == [False, True]  # decorating must not switch grad off now
    assert result["set_as_call"] is False
    assert result["after_exception"] == [[True, False]] * 3
    assert result["inference"] == [False, True, False, True]
    assert result["inference_off"] == [True, False]
    assert result["inference_restored"] == [True, False]


def test_grad_mode_managers_work_as_bare_decorators():
    assert observe(bare_decorators) == {"no_grad": [False, False], "inference_mode": [False, False],
                                        "enable_grad": [True, True]}


def test_no_grad_decorated_generator_runs_without_grad():
    assert observe(decorated_generator) == {"inside": [False, False], "outside": True}


def test_grad_mode_is_thread_local():
    barrier = threading.Barrier(2, timeout=20)
    seen = {}

    def inside_no_grad():
        with ember.no_grad():
            barrier.wait()  # 1: the other thread now looks while we are inside no_grad
            barrier.wait()  # 2: it has looked
            seen["own_thread"] = ember.is_grad_enabled()

    def elsewhere():
        barrier.wait()
        seen["other_thread"] = ember.is_grad_enabled()
        seen["other_records"] = (ember.ones(1, requires_grad=True) * 2).requires_grad
        barrier.wait()

    def switch_off():
        ember.set_grad_enabled(False)
        seen["switched"] = ember.is_grad_enabled()

    threads = [threading.Thread(target=inside_no_grad), threading.Thread(target=elsewhere),
               threading.Thread(target=switch_off)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == {"own_thread": False, "other_thread": True, "other_records": True, "switched": False}
    assert ember.is_grad_enabled()  # the main thread saw none of it


# -- the engine on deep graphs ----------------------------------------------------------------
def test_a_100k_op_chain_backpropagates_without_recursion():
    x = ember.tensor(1.5, dtype=ember.float64, requires_grad=True)
    y = x
    for step in range(100_000):
        y = y * 2.0 if step % 2 == 0 else y * 0.5  # the product of the factors is exactly 1
    assert y.grad_fn.name() == "MulBackward0"
    y.backward()
    assert x.grad.item() == 1.0


def test_a_deep_chain_with_saved_outputs_backpropagates():
    x = ember.tensor(0.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y.tanh()  # tanh'(0) = 1, and tanh(0) = 0 all the way down
    y.backward()
    assert x.grad.item() == 1.0


def test_freeing_a_150k_op_graph_does_not_recurse():
    # In a subprocess: a recursive free would crash the interpreter, not raise.
    code = textwrap.dedent("""
        import gc, sys
        import ember
        sys.setrecursionlimit(1000)
        x = ember.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(150_000):
            y = y + 1.0
        z = y.exp()
        del y, z
        gc.collect()
        print("freed")
    """)
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "freed"


# -- inference tensors outside inference_mode ------------------------------------------------
@pytest.mark.parametrize("misuse, phrase", [
    (lambda t: t.add_(1), "Inplace update to inference tensor outside InferenceMode is not allowed"),
    (lambda t: t.requires_grad_(), "Setting requires_grad=True on inference tensor outside InferenceMode"),
    (lambda t: (ember.ones(3, requires_grad=True) * t).sum().backward(), "Inference tensors cannot be saved"),
])
def test_inference_tensors_refuse_autograd_use_outside_inference_mode(misuse, phrase):
    with ember.inference_mode():
        made_inside = ember.ones(3)
    assert made_inside.is_inference() and not ember.ones(3).is_inference()
    with pytest.raises(RuntimeError, match=phrase):
        misuse(made_inside)
    copy = made_inside.clone()  # the documented way out: a normal tensor
    copy.add_(1)
    assert not copy.is_inference() and copy.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("retain_graph", [False, True])
def test_a_node_post_hook_still_reads_saved_tensors_which_are_released_after_it(retain_graph):
    # torch releases a node's saved tensors after its post hooks ran (engine.py's _step keeps that order)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(y.grad_fn._saved_result.clone()))
    y.sum().backward(retain_graph=retain_graph)
    assert np.allclose(seen[0].numpy(), np.exp([1.0, 2.0]))
    if retain_graph:
        assert np.allclose(y.grad_fn._saved_result.detach().numpy(), np.exp([1.0, 2.0]))
    else:
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.grad_fn._saved_result
