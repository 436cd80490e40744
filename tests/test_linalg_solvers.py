"""linalg.solve_triangular / lstsq / eig / eigvals, broadcast_shapes / broadcast_tensors and torch.Size
arithmetic, against torch (gradients of the rows are in tests/op_cases_linalg.py)."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _both(array):
    return ember.tensor(array), torch.tensor(array)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shape, columns", [((5, 3), 2), ((3, 3), 1), ((2, 4, 3), 2), ((5, 3), None)])
def test_lstsq_named_tuple_matches_torch(driver, shape, columns):
    rng = np.random.default_rng(0)
    A = rng.standard_normal(shape)
    B = rng.standard_normal(shape[:-1] + ((columns,) if columns else ()))
    (eA, tA), (eB, tB) = _both(A), _both(B)
    e, t = ember.linalg.lstsq(eA, eB, driver=driver), torch.linalg.lstsq(tA, tB, driver=driver)
    assert type(e).__name__ == type(t).__name__ == "linalg_lstsq"
    for field in ("solution", "residuals", "rank", "singular_values"):
        got, want = getattr(e, field), getattr(t, field)
        assert tuple(got.shape) == tuple(want.shape), field
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1], field
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_lstsq_and_solve_triangular_errors_match_torch():
    for call in (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(4, 1)),
                 lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(3, 1), driver="qr"),
                 lambda L: L.linalg.lstsq(L.ones(3, 2, dtype=L.int64), L.ones(3, 1)),
                 lambda L: L.linalg.solve_triangular(L.eye(3), L.ones(2, 2), upper=False),
                 lambda L: L.linalg.solve_triangular(L.eye(3), L.ones(3), upper=False)):
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(type(expected.value)) as got:
            call(ember)
        assert str(got.value).startswith(str(expected.value))
    # torch 2.13 solves in A's dtype when B's differs (it does not promote)
    for a, b in ((np.float32, np.float64), (np.float64, np.float32)):
        x = ember.linalg.solve_triangular(ember.tensor(np.eye(3, dtype=a)), ember.ones(3, 3).to(ember.tensor(
            np.ones(1, dtype=b)).dtype), upper=False, left=False)
        assert x.numpy().dtype == a


def test_eig_and_eigvals_match_torch_as_sets():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 4, 4)).astype(np.float32)
    eA, tA = _both(A)
    e_values, t_values = ember.linalg.eigvals(eA), torch.linalg.eigvals(tA)
    assert str(e_values.dtype) == "ember.complex64" and str(t_values.dtype) == "torch.complex64"
    for got, want in zip(e_values.numpy(), t_values.numpy()):
        np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(want), rtol=1e-4, atol=1e-5)
    values, vectors = ember.linalg.eig(eA)
    reconstructed = vectors.numpy() @ (values.numpy()[..., None] * np.linalg.inv(vectors.numpy()))
    np.testing.assert_allclose(reconstructed, A, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vectors.numpy(), axis=-2), 1.0, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="complex"):
        ember.linalg.eig(ember.tensor(A, requires_grad=True))


def test_broadcast_shapes_and_tensors_match_torch():
    assert ember.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    assert type(ember.broadcast_shapes((2, 1))).__name__ == "Size"
    a = ember.zeros(2, 1, requires_grad=True)
    out = ember.broadcast_tensors(a, ember.zeros(3))
    assert [tuple(o.shape) for o in out] == [(2, 3), (2, 3)]
    assert out[0].grad_fn.name() == "ExpandBackward0"
    same = ember.zeros(3)
    assert ember.broadcast_tensors(same, ember.zeros(3))[0] is same  # as torch: no view for a matching shape
    for call in (lambda L: L.broadcast_shapes((2,), (3,)), lambda L: L.broadcast_tensors(L.zeros(2), L.zeros(3))):
        with pytest.raises(RuntimeError) as expected:
            call(torch)
        with pytest.raises(RuntimeError) as got:
            call(ember)
        assert str(got.value) == str(expected.value)


def test_size_arithmetic_stays_a_size():
    e, t = ember.Size([2, 3]), torch.Size([2, 3])
    for op in (lambda s: s + (4,), lambda s: (4,) + s, lambda s: s[1:], lambda s: s * 2, lambda s: s + s):
        assert type(op(e)).__name__ == type(op(t)).__name__ == "Size"
        assert tuple(op(e)) == tuple(op(t))
    assert e[0] == 2 and type(e[0]) is int
