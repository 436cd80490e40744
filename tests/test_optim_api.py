"""Optimizer base behaviour: errors, zero_grad, state_dict round trips, hooks, repr, LBFGS."""
import copy

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def params(lib):
    return [lib.ones(2, 2, requires_grad=True), lib.zeros(3, requires_grad=True)]


@pytest.mark.parametrize("make,error,phrase", [
    (lambda lib: lib.optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    (lambda lib: lib.optim.SGD([(lib.ones(2, requires_grad=True) * 2)], lr=0.1), ValueError,
     "can't optimize a non-leaf Tensor"),
    (lambda lib: lib.optim.SGD(lib.ones(2, requires_grad=True), lr=0.1), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts"),
    (lambda lib: lib.optim.SGD(params(lib), lr=0.1).add_param_group({"params": {lib.ones(2, requires_grad=True)}}),
     TypeError,
     "optimizer parameters need to be organized in ordered collections"),
    (lambda lib: lib.optim.SGD([1.0], lr=0.1), TypeError, "optimizer can only optimize Tensors"),
    (lambda lib: lib.optim.SGD(params(lib), lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda lib: lib.optim.SGD(params(lib), lr=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda lib: lib.optim.Adam(params(lib), betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (lambda lib: lib.optim.Adam(params(lib), eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    (lambda lib: lib.optim.RMSprop(params(lib), momentum=-1.0), ValueError, "Invalid momentum value: -1.0"),
    (lambda lib: lib.optim.Adagrad(params(lib), weight_decay=-1.0), ValueError, "Invalid weight_decay value: -1.0"),
])
def test_errors_match_torch(make, error, phrase):
    with pytest.raises(error, match=phrase.replace("(", r"\(")):
        make(torch)
    with pytest.raises(error, match=phrase.replace("(", r"\(")):
        make(ember)


def test_overlapping_groups_raise():
    p = ember.ones(2, requires_grad=True)
    optimizer = ember.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        ember.optim.Optimizer([p], {"lr": ember.optim.optimizer.required})


def test_add_param_group_fills_defaults():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    optimizer = ember.optim.SGD([a], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": b, "lr": 0.5})
    assert optimizer.param_groups[1]["lr"] == 0.5 and optimizer.param_groups[1]["momentum"] == 0.9
    assert optimizer.param_groups[1]["params"] == [b] or optimizer.param_groups[1]["params"][0] is b


def test_repr_matches_torch():
    ours = ember.optim.Adam(params(ember), lr=0.01)
    theirs = torch.optim.Adam(params(torch), lr=0.01)
    assert repr(ours) == repr(theirs)
    assert repr(ember.optim.SGD(params(ember), lr=0.1)) == repr(torch.optim.SGD(params(torch), lr=0.1))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = ember.ones(3, requires_grad=True)
    (p * 2).sum().backward()
    optimizer = ember.optim.SGD([p], lr=0.1)
    optimizer.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad.tolist() == [0.0, 0.0, 0.0]


def test_skips_parameters_without_grad():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    optimizer = ember.optim.Adam([a, b], lr=0.1)
    a.grad = ember.ones(2)
    optimizer.step()
    assert b.tolist() == [1.0, 1.0] and a.tolist() != [1.0, 1.0]
    assert b not in optimizer.state and len(optimizer.state[a]) == 3


def _train(lib, optimizer, params, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = sum(((p - 3) ** 2).sum() for p in params)
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1, amsgrad=True)),
                                         ("NAdam", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True))])
def test_state_dict_structure_and_round_trip(name, kwargs):
    ours_params, theirs_params = params(ember), params(torch)
    ours = getattr(ember.optim, name)(ours_params, **kwargs)
    theirs = getattr(torch.optim, name)(theirs_params, **kwargs)
    _train(ember, ours, ours_params, 3)
    _train(torch, theirs, theirs_params, 3)
    state, reference = ours.state_dict(), theirs.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert state["param_groups"] == reference["param_groups"]
    assert list(state["state"]) == list(reference["state"]) == [0, 1]
    for index in (0, 1):
        assert list(state["state"][index]) == list(reference["state"][index])
        for key, value in state["state"][index].items():
            expected = reference["state"][index][key]
            assert str(value.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
            np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    # a fresh optimizer over copies continues exactly as the original does
    copies = [p.detach().clone().requires_grad_() for p in ours_params]
    resumed = getattr(ember.optim, name)(copies, **kwargs)
    resumed.load_state_dict(copy.deepcopy(state))  # state tensors are shared, as in torch
    _train(ember, ours, ours_params, 2)
    _train(ember, resumed, copies, 2)
    for p, q in zip(ours_params, copies):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_load_state_dict_errors():
    optimizer = ember.optim.SGD(params(ember), lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optimizer.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optimizer.load_state_dict({"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]})


def test_step_hooks_and_closure():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    optimizer = ember.optim.SGD([p], lr=0.1)
    calls = []
    pre = optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))

    def closure():
        optimizer.zero_grad()
        loss = (p ** 2).sum()
        loss.backward()
        calls.append("closure")
        return loss

    loss = optimizer.step(closure)
    assert calls == ["pre", "closure", "post"]
    assert loss.item() == 5.0 and np.allclose(p.tolist(), [0.8, 1.6])
    pre.remove()
    optimizer.step(closure)
    assert calls[3:] == ["closure", "post"]


def test_step_does_not_record_graph():
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    p.grad = ember.ones(2)
    ember.optim.Adam([p]).step()
    assert p.is_leaf and p.grad_fn is None


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lbfgs_matches_torch(line_search_fn, dtype):
    """float64: Rosenbrock from (-1.5, 2), whose ill-conditioning amplifies any rounding, so
    float32 runs a well-conditioned quartic instead; the iterates follow torch's."""
    def solve(lib):
        start = [-1.5, 2.0] if dtype == "float64" else [-1.5, 2.0, 0.5]
        x = lib.tensor(start, dtype=getattr(lib, dtype), requires_grad=True)
        optimizer = lib.optim.LBFGS([x], lr=1, max_iter=10, history_size=5, line_search_fn=line_search_fn)

        def closure():
            optimizer.zero_grad()
            if dtype == "float64":
                loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            else:
                loss = ((x - 1) ** 2 * lib.tensor([1.0, 2.0, 3.0])).sum() + 0.1 * (x ** 4).sum()
            loss.backward()
            return loss

        path = []
        for _ in range(4 if dtype == "float64" else 2):
            optimizer.step(closure)
            path.append(x.detach().numpy().copy())
        return np.array(path), optimizer.state[x]["func_evals"]

    (ours, our_evals), (theirs, their_evals) = solve(ember), solve(torch)
    tolerance = 1e-4 if dtype == "float32" else 1e-8
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)
    assert our_evals == their_evals
