"""The fast paths added for the benchmarks give torch's answers, and step aside where they must.

nll_loss gathers/scatters directly for plain targets (no class weights, none ignored) and keeps
the general formula otherwise; SGD updates parameters in place on their arrays (add_ otherwise);
mm/addmm return mat2's gradient in mat2's layout without saving mat2.
"""
import numpy as np
import pytest

import ember
import ember.nn.functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((6, 5))


def _both(array, requires_grad=True):
    return (ember.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad))


@pytest.mark.parametrize("targets, kwargs", [
    ([0, 4, 2, 2, 1, 3], {}),                               # the fast path
    ([0, 4, 2, 2, 1, 3], {"reduction": "sum"}),
    ([0, 4, 2, 2, 1, 3], {"reduction": "none"}),
    ([0, -100, 2, 2, 1, 3], {}),                            # an ignored target: the general path
    ([0, 4, 2, 2, 1, 3], {"ignore_index": 2}),              # ignore_index is a class
    ([0, 4, 2, 2, 1, 3], {"weight": [1.0, 2.0, 0.5, 1.0, 3.0]}),
])
def test_cross_entropy_values_and_gradients_match_torch(targets, kwargs):
    (mine, theirs), results = _both(LOGITS), []
    for lib, x in ((ember, mine), (torch, theirs)):
        options = dict(kwargs)
        if "weight" in options:
            options["weight"] = lib.tensor(options["weight"], dtype=lib.float64)
        loss = F.cross_entropy(x, lib.tensor(targets), **options) if lib is ember else \
            torch.nn.functional.cross_entropy(x, lib.tensor(targets), **options)
        loss.sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


def test_nll_loss_out_of_range_target_still_raises():
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.nll_loss(ember.tensor(LOGITS, requires_grad=True), ember.tensor([0, 5, 1, 1, 1, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds"):
        F.nll_loss(ember.tensor(LOGITS, requires_grad=True), ember.tensor([0, -1, 1, 1, 1, 1]))


def test_nll_loss_double_backward_matches_torch():
    (mine, theirs), targets = _both(LOGITS), [1, 0, 4, 3, 2, 2]
    grads = []
    for lib, fn, x in ((ember, F.cross_entropy, mine), (torch, torch.nn.functional.cross_entropy, theirs)):
        (g,) = lib.autograd.grad(fn(x, lib.tensor(targets)), x, create_graph=True)
        (g * g).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-14)


def test_sgd_step_updates_in_place_and_bumps_version():
    w = ember.tensor(RNG.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    before, array = w.detach().numpy().copy(), w.detach().numpy()
    w.grad = ember.ones(3, 4)
    version = w._version
    ember.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.detach().numpy(), before - np.float32(0.5))
    assert np.shares_memory(w.detach().numpy(), array)
    assert w._version == version + 1


def test_sgd_with_momentum_matches_torch():
    start, grad = RNG.standard_normal((2, 3)).astype(np.float32), RNG.standard_normal((2, 3)).astype(np.float32)
    results = []
    for lib in (ember, torch):
        p = lib.tensor(start, requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1)
        for step in range(3):
            p.grad = lib.tensor(grad * (step + 1))
            optimizer.step()
        results.append(p.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_linear_gradients_match_torch():
    x, w, b = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    grads = []
    for lib in (ember, torch):
        xs, ws, bs = (lib.tensor(v, requires_grad=True) for v in (x, w, b))
        out = (torch.nn.functional.linear if lib is torch else F.linear)(xs, ws, bs)
        (out * out).sum().backward()
        grads.append([t.grad.numpy() for t in (xs, ws, bs)])
    for mine, theirs in zip(*grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_mm_with_transposed_mat2_modified_after_forward_behaves_as_torch():
    # mat2's own gradient needs only mat1: changing mat2 in place before backward is allowed
    x, w = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3))
    grads = []
    for lib in (ember, torch):
        xs, ws = lib.tensor(x), lib.tensor(w, requires_grad=True)
        out = lib.mm(xs, ws.t())
        with lib.no_grad():
            ws.mul_(2)
        out.sum().backward()
        grads.append(ws.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_linear_with_weight_replaced_by_plain_tensor():
    layer = ember.nn.Linear(3, 2)
    del layer.weight
    layer.weight = ember.ones(2, 3)
    out = layer(ember.ones(1, 3))
    np.testing.assert_allclose(out.detach().numpy(), 3 + layer.bias.detach().numpy()[None], rtol=1e-6)
