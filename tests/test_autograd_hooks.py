"""Hooks, saved-tensor hooks, graph introspection, in-place safety and anomaly mode, against torch."""
import warnings

import pytest
from autograd_scenarios import compare_with_torch, error_of, plain

import ember


def leaf(lib, values=(0.5, -1.0, 2.0)):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


def scenario_hooks(lib):
    x = leaf(lib)
    seen = []
    y = x.exp()
    handle = y.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_post_accumulate_grad_hook(lambda t: seen.append(("post", t.grad.tolist())))
    y.sum().backward()
    first = x.grad.clone()
    handle.remove()
    x.grad = None
    x.exp().sum().backward()
    z = x * 2
    z.grad_fn.register_prehook(lambda grads: (grads[0] * 3,))
    z.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        ("node", grad_inputs[0].tolist(), grad_outputs[0].tolist())))
    (gz,) = lib.autograd.grad(z.sum(), x)

    def hook(g):
        return lib.ones(2, dtype=g.dtype)

    w = x.exp()
    w.register_hook(hook)
    v = x.exp()
    v.register_hook(lambda g: g.float())
    return {"seen": seen, "first": first, "after_remove": x.grad, "node_hooks": gz,
            "size": error_of(lambda: w.sum().backward(), "hook 'hook' has changed the size of value"),
            "type": error_of(lambda: v.sum().backward(), "has changed the type of value"),
            "constant": error_of(lambda: lib.ones(2).register_hook(hook),
                                 "cannot register a hook on a tensor that doesn't require gradient")}


def test_hooks_by_hand():
    observed = plain(scenario_hooks(ember))
    assert observed["size"] == ["RuntimeError", True] and observed["type"] == ["RuntimeError", True]
    assert observed["node_hooks"] == ("tensor", "float64", (3,), [6.0, 6.0, 6.0])


def test_hooks_match_torch():
    compare_with_torch(scenario_hooks)


def scenario_saved_tensor_hooks(lib):
    x = leaf(lib)
    packed = []

    def pack(tensor):
        packed.append(list(tensor.shape))
        return tensor * 1

    with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = (x * x).exp().sum()
    y.backward()
    with lib.autograd.graph.save_on_cpu():
        z = (x * x).sum()
    (g,) = lib.autograd.grad(z, x)
    with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        blocked = error_of(lambda: lib.autograd.graph.saved_tensors_hooks(pack, pack).__enter__(), "no hooks here")
    return {"packed": packed, "grad": x.grad, "save_on_cpu": g, "disabled": blocked}


def test_saved_tensor_hooks_by_hand():
    observed = plain(scenario_saved_tensor_hooks(ember))
    assert observed["packed"] == [[3], [3], [3]]  # x twice for mul, exp's result once
    assert observed["disabled"] == ["RuntimeError", True]


def test_saved_tensor_hooks_match_torch():
    compare_with_torch(scenario_saved_tensor_hooks)


def scenario_introspection(lib):
    x = leaf(lib)
    e = x.exp()
    m = x * x
    p = x ** 3
    s = x.sum(dim=0)
    accumulate = m.grad_fn.next_functions[0][0]
    e.grad_fn.metadata["note"] = 1
    return {"saved_result": e.grad_fn._saved_result, "self_is_x": m.grad_fn._saved_self is x,
            "other_is_x": m.grad_fn._saved_other is x, "exponent": p.grad_fn._saved_exponent,
            "pow_self": p.grad_fn._saved_self is x, "variable": accumulate.variable is x,
            "acc_name": accumulate.name(), "acc_metadata": accumulate.metadata, "metadata": e.grad_fn.metadata,
            "sum_sizes": list(s.grad_fn._saved_self_sym_sizes), "name": m.grad_fn.name(),
            "missing": error_of(lambda: e.grad_fn._saved_other)}


def test_introspection_by_hand():
    observed = plain(scenario_introspection(ember))
    assert observed["exponent"] == 3 and observed["variable"] is True
    assert observed["acc_name"] == "torch::autograd::AccumulateGrad" and observed["missing"] == ["AttributeError", True]


def test_introspection_matches_torch():
    compare_with_torch(scenario_introspection)


def scenario_versions(lib):
    x = leaf(lib)
    data, detached = x.data, x.detach()
    with lib.no_grad():
        detached.add_(1)
    after_detach = (x._version, detached._version)
    data.mul_(2)
    after_data = (x._version, data._version)
    a = leaf(lib).clone()
    b = a.exp()
    b.add_(1)
    return {"detach": after_detach, "data": after_data, "values": x,
            "error": error_of(lambda: b.sum().backward(),
                              "DoubleTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 "
                              "instead. Hint: enable anomaly detection"),
            "start": error_of(lambda: b.sum().backward(), "one of the variables needed for gradient computation "
                                                          "has been modified by an inplace operation: [")}


def test_versions_match_torch():
    observed = compare_with_torch(scenario_versions)
    assert observed["detach"] == [1, 1] and observed["data"] == [1, 1] and observed["error"] == ["RuntimeError", True]
    assert observed["start"] == ["RuntimeError", True]


def test_modified_error_names_the_source_line():
    a = leaf(ember).clone()
    b = a.exp()
    b.add_(1); line = __import__("inspect").currentframe().f_lineno  # noqa: E702
    with pytest.raises(RuntimeError) as caught:
        b.sum().backward()
    message = str(caught.value)
    assert "[ember.DoubleTensor [3]], which is output 0 of Exp, is at version 1; expected version 0" \
        in message
    assert f"test_autograd_hooks.py:{line}" in message


def test_no_source_line_for_changes_under_no_grad():
    w = leaf(ember)
    x = ember.ones(3, dtype=ember.float64)
    y = w * x
    with ember.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0") as caught:
        y.sum().backward()
    assert "last changed in place" not in str(caught.value)


def scenario_anomaly(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly():
            enabled = lib.is_anomaly_enabled()
            x = lib.tensor([-1.0, 1.0], requires_grad=True)
            y = (x * 0).log()
            error = error_of(lambda: (y * 0).sum().backward(), "Function 'LogBackward0' returned nan values in its "
                                                               "0th output.")
    messages = [str(w.message) for w in caught]
    trace = [m for m in messages if m.startswith("Error detected in LogBackward0. Traceback of forward call")]
    lib.autograd.set_detect_anomaly(True)
    on = lib.is_anomaly_enabled()
    lib.autograd.set_detect_anomaly(False)
    return {"enabled": enabled, "error": error, "trace_has_line": bool(trace) and "y = (x * 0).log()" in trace[0],
            "after": lib.is_anomaly_enabled(), "set": on,
            "warned": any("Anomaly Detection has been enabled" in m for m in messages)}


def test_anomaly_by_hand():
    observed = plain(scenario_anomaly(ember))
    assert observed == {"enabled": True, "error": ["RuntimeError", True], "trace_has_line": True, "after": False,
                        "set": True, "warned": True}


def test_anomaly_matches_torch():
    compare_with_torch(scenario_anomaly)


def test_anomaly_decorator_and_check_nan_off():
    @ember.autograd.detect_anomaly(check_nan=False)
    def run():
        x = ember.tensor([-1.0], requires_grad=True)
        (x * 0).log().sum().backward()
        return x.grad, ember.autograd.is_anomaly_enabled()

    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        grad, enabled = run()
    assert enabled and grad.tolist() == [float("-inf")] or str(grad.tolist()[0]) == "nan"


def test_create_graph_warning_on_backward():
    ember.autograd._warned.discard("create_graph")
    x = leaf(ember)
    with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True will create a reference cycle"):
        (x ** 2).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.tolist() == [1.0, -2.0, 4.0]


def test_is_grads_batched_says_so():
    x = leaf(ember)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        ember.autograd.grad(x.sum(), x, is_grads_batched=True)
