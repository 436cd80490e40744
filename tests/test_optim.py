"""Optimizers against torch: the same parameters and gradients give the same trajectory.

Gradients come from one fixed function of the parameters' current values (computed in float64
NumPy and cast), so any difference between ember and torch comes from the optimizer's update.
"""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 4))
B = RNG.standard_normal(5)
W0 = RNG.standard_normal((3, 4))
V0 = RNG.standard_normal(4)


def gradient(values, maximize=False):
    """Gradient of 0.5|A v - b|^2 + 0.025 sum(v^4) (per row of a matrix), at `values`."""
    v = values.astype(np.float64)
    g = (v @ A.T - B) @ A + 0.1 * v ** 3
    return -g if maximize else g


def run(lib, optimizer_name, kwargs, dtype, steps, groups=False, maximize=False):
    np_dtype = {"float32": np.float32, "float64": np.float64}[dtype]
    lib_dtype = getattr(lib, dtype)
    w = lib.tensor(W0.astype(np_dtype), dtype=lib_dtype, requires_grad=True)
    v = lib.tensor(V0.astype(np_dtype), dtype=lib_dtype, requires_grad=True)
    params = [{"params": [w]}, {"params": [v], "lr": 0.02}] if groups else [w, v]
    optimizer = getattr(lib.optim, optimizer_name)(params, **kwargs)
    history = []
    for _ in range(steps):
        for p in (w, v):
            p.grad = lib.tensor(gradient(p.detach().cpu().numpy(), maximize).astype(np_dtype), dtype=lib_dtype)
        optimizer.step()
        history.append((w.detach().cpu().numpy().copy(), v.detach().cpu().numpy().copy()))
    return history, optimizer


CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-6)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.05)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
]
TOLERANCE = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-11, atol=1e-12)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_torch(name, kwargs, dtype):
    maximize = kwargs.get("maximize", False)
    ours, _ = run(ember, name, kwargs, dtype, 30, maximize=maximize)
    theirs, _ = run(torch, name, kwargs, dtype, 30, maximize=maximize)
    for step, ((w, v), (tw, tv)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(w, tw, **TOLERANCE[dtype], err_msg=f"{name} step {step}")
        np.testing.assert_allclose(v, tv, **TOLERANCE[dtype], err_msg=f"{name} step {step}")
    assert not np.allclose(ours[-1][0], W0)  # it moved


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_use_their_own_lr(name):
    kwargs = dict(lr=0.05, momentum=0.5) if name != "Adam" else dict(lr=0.05)
    ours, optimizer = run(ember, name, kwargs, "float32", 10, groups=True)
    theirs, reference = run(torch, name, kwargs, "float32", 10, groups=True)
    np.testing.assert_allclose(ours[-1][1], theirs[-1][1], rtol=2e-5, atol=2e-6)
    assert [g["lr"] for g in optimizer.param_groups] == [g["lr"] for g in reference.param_groups] == [0.05, 0.02]
