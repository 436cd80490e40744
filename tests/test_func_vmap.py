"""ember.func.vmap (a loop over the mapped dimension) against torch.func.vmap."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
from torch import func as torch_func  # noqa: E402

A = np.random.default_rng(0).standard_normal((4, 3))
B = np.random.default_rng(1).standard_normal((4, 3))
M = np.random.default_rng(2).standard_normal((3, 2))

CASES = {
    "dot": (lambda lib, vmap: vmap(lib.dot)(lib.tensor(A), lib.tensor(B))),
    "matvec_unmapped": (lambda lib, vmap: vmap(lambda x, m: x @ m, in_dims=(0, None))(lib.tensor(A), lib.tensor(M))),
    "in_dim_1": (lambda lib, vmap: vmap(lib.sum, in_dims=1)(lib.tensor(A))),
    "out_dim_1": (lambda lib, vmap: vmap(lambda x: x * 2, out_dims=1)(lib.tensor(A))),
    "tuple_out": (lambda lib, vmap: vmap(lambda x: (x.sum(), x.max()))(lib.tensor(A))),
    "nested": (lambda lib, vmap: vmap(vmap(lambda x, y: x * y))(lib.tensor(A), lib.tensor(B))),
}


def _arrays(value):
    return [v.detach().numpy() for v in value] if isinstance(value, tuple) else [value.detach().numpy()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_torch(name):
    expected = _arrays(CASES[name](torch, torch_func.vmap))
    got = _arrays(CASES[name](ember, ember.func.vmap))
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected):
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_gradients_flow_through_vmap():
    grads = []
    for lib, vmap in ((torch, torch_func.vmap), (ember, ember.func.vmap)):
        x = lib.tensor(A, requires_grad=True)
        vmap(lambda row: (row ** 2).sum())(x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0])  # d/dx sum(x^2) = 2x, per row


@pytest.mark.parametrize("call, phrase", [
    (lambda lib, vmap: vmap(lib.dot)(lib.ones(2, 3), lib.ones(3, 3)), "same size in the mapped dimension"),
    (lambda lib, vmap: vmap(lib.dot, in_dims=(None, None))(lib.ones(3), lib.ones(3)), "Expected at least one Tensor"),
    (lambda lib, vmap: vmap(lib.dot, in_dims=(0,))(lib.ones(2, 3), lib.ones(2, 3)), "in_dims is not compatible"),
    (lambda lib, vmap: vmap(lib.sum)(3.0), "We cannot vmap over non-Tensor arguments"),
])
def test_vmap_errors_match_torch(call, phrase):
    for lib, vmap in ((torch, torch_func.vmap), (ember, ember.func.vmap)):
        with pytest.raises(ValueError, match=phrase):
            call(lib, vmap)
