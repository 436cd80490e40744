"""Matrix products and ember.linalg against torch: values, named tuples, errors, special matrices.

Gradients of every row are checked in tests/op_cases_linalg.py; here: decompositions reconstruct
their input, results agree with torch where they are unique, singular and non-square inputs raise
torch's exceptions, and the fused products honour beta/alpha.
"""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 3))
TALL = RNG.standard_normal((4, 3))
BATCH = RNG.standard_normal((2, 3, 3))
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])


def _t(lib, array):
    return lib.tensor(array, dtype=lib.float64)


def _close(mine, theirs, **tolerance):
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-10,
                               **tolerance)


UNIQUE_RESULTS = {
    "inv": lambda lib: lib.linalg.inv(_t(lib, A)),
    "inv_batched": lambda lib: lib.linalg.inv(_t(lib, BATCH)),
    "det": lambda lib: lib.linalg.det(_t(lib, BATCH)),
    "det_singular": lambda lib: lib.det(_t(lib, SINGULAR)),
    "slogdet_sign": lambda lib: lib.linalg.slogdet(_t(lib, A)).sign,
    "slogdet_logabsdet": lambda lib: lib.slogdet(_t(lib, BATCH)).logabsdet,
    "logdet_negative": lambda lib: lib.logdet(-lib.eye(3, dtype=lib.float64)),  # nan
    "logdet_singular": lambda lib: lib.logdet(_t(lib, SINGULAR) * 0),          # -inf
    "solve_matrix": lambda lib: lib.linalg.solve(_t(lib, A), _t(lib, TALL.T)),
    "solve_vector": lambda lib: lib.linalg.solve(_t(lib, A), _t(lib, TALL[0])),
    "solve_batched_vector": lambda lib: lib.linalg.solve(_t(lib, BATCH), _t(lib, TALL[:2])),
    "solve_right": lambda lib: lib.linalg.solve(_t(lib, A), _t(lib, TALL), left=False),
    "cholesky": lambda lib: lib.linalg.cholesky(_t(lib, A @ A.T + np.eye(3))),
    "cholesky_upper": lambda lib: lib.linalg.cholesky(_t(lib, A @ A.T + np.eye(3)), upper=True),
    "eigvalsh": lambda lib: lib.linalg.eigvalsh(_t(lib, A + A.T)),
    "eigh_upper_values": lambda lib: lib.linalg.eigh(_t(lib, np.triu(A)), UPLO="U").eigenvalues,
    "svdvals": lambda lib: lib.linalg.svdvals(_t(lib, TALL)),
    "qr_r_abs": lambda lib: lib.linalg.qr(_t(lib, TALL)).R.abs(),
    "matrix_norm_fro": lambda lib: lib.linalg.matrix_norm(_t(lib, BATCH)),
    "matrix_norm_nuc": lambda lib: lib.linalg.matrix_norm(_t(lib, TALL), "nuc", keepdim=True),
    "matrix_norm_1": lambda lib: lib.linalg.matrix_norm(_t(lib, BATCH), 1),
    "matrix_norm_inf": lambda lib: lib.linalg.matrix_norm(_t(lib, TALL), float("inf")),
    "matrix_norm_neg2": lambda lib: lib.linalg.matrix_norm(_t(lib, TALL), -2),
    "linalg_norm_vector": lambda lib: lib.linalg.norm(_t(lib, TALL), 3, dim=1),
    "linalg_norm_matrix": lambda lib: lib.linalg.norm(_t(lib, TALL), "nuc"),
    "torch_norm_nuc": lambda lib: lib.norm(_t(lib, TALL), "nuc"),
    "addmm_beta_zero_ignores_nan": lambda lib: lib.addmm(_t(lib, np.full(3, np.nan)), _t(lib, TALL), _t(lib, A),
                                                         beta=0),
    "addmv": lambda lib: lib.addmv(_t(lib, TALL[:, 0]), _t(lib, TALL), _t(lib, A[0]), beta=0.5, alpha=-1),
    "baddbmm": lambda lib: lib.baddbmm(_t(lib, BATCH), _t(lib, BATCH), _t(lib, BATCH), alpha=2),
    "outer": lambda lib: lib.outer(_t(lib, A[0]), _t(lib, TALL[0])),
    "einsum_list": lambda lib: lib.einsum("ij,jk", [_t(lib, TALL), _t(lib, A)]),
    "einsum_diagonal": lambda lib: lib.einsum("ii->i", _t(lib, A)),
    "einsum_broadcast_batch": lambda lib: lib.einsum("bij,bjk->bik", _t(lib, BATCH[:1]), _t(lib, BATCH)),
    "einsum_outer_sum": lambda lib: lib.einsum("i,j->", _t(lib, A[0]), _t(lib, A[1])),
    "tensordot_int": lambda lib: lib.tensordot(_t(lib, BATCH), _t(lib, A), dims=1),
    "tensordot_zero": lambda lib: lib.tensordot(_t(lib, A[0]), _t(lib, A[1]), dims=0),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(UNIQUE_RESULTS))
def test_results_match_torch(name):
    _close(UNIQUE_RESULTS[name](ember), UNIQUE_RESULTS[name](torch), equal_nan=True)


def test_decompositions_rebuild_their_input():
    x = _t(ember, TALL)
    Q, R = ember.linalg.qr(x)
    np.testing.assert_allclose((Q @ R).numpy(), TALL, atol=1e-12)
    np.testing.assert_allclose((Q.mT @ Q).numpy(), np.eye(3), atol=1e-12)
    np.testing.assert_allclose(R.numpy(), np.triu(R.numpy()))
    U, S, Vh = ember.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose((U * S @ Vh).numpy(), TALL, atol=1e-12)
    U_full, _, _ = ember.linalg.svd(x)
    assert tuple(U_full.shape) == (4, 4)
    U2, S2, V2 = ember.svd(x)
    np.testing.assert_allclose((U2 * S2 @ V2.mT).numpy(), TALL, atol=1e-12)
    symmetric = _t(ember, A + A.T)
    L, V = ember.linalg.eigh(symmetric)
    np.testing.assert_allclose((V * L @ V.mT).numpy(), A + A.T, atol=1e-12)
    chol = ember.linalg.cholesky(_t(ember, A @ A.T + np.eye(3)))
    np.testing.assert_allclose((chol @ chol.mT).numpy(), A @ A.T + np.eye(3), atol=1e-12)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch.qr and torch.svd are deprecated in torch
def test_named_tuples_match_torchs_fields():
    pairs = [(lambda lib: lib.linalg.slogdet(_t(lib, A))), (lambda lib: lib.slogdet(_t(lib, A))),
             (lambda lib: lib.linalg.eigh(_t(lib, A))), (lambda lib: lib.linalg.svd(_t(lib, A))),
             (lambda lib: lib.svd(_t(lib, A))), (lambda lib: lib.linalg.qr(_t(lib, A))),
             (lambda lib: lib.qr(_t(lib, A))), (lambda lib: lib.std_mean(_t(lib, A)))]
    for make in pairs:
        mine, theirs = make(ember), make(torch)
        assert len(mine) == len(theirs)
        if type(theirs) is not tuple:
            assert type(mine).__name__ == type(theirs).__name__
            for position, field in enumerate(mine._fields):
                assert getattr(mine, field) is mine[position]
                assert getattr(theirs, field) is theirs[position]  # the same field, in the same place
        else:
            assert type(mine) is tuple


def test_both_outputs_of_a_decomposition_share_one_node():
    x = ember.tensor(A, requires_grad=True)
    sign, logabsdet = ember.linalg.slogdet(x)
    assert sign.grad_fn is logabsdet.grad_fn
    assert (sign.output_nr, logabsdet.output_nr) == (0, 1)
    U, S, Vh = ember.linalg.svd(x)
    assert U.grad_fn is S.grad_fn is Vh.grad_fn and Vh.output_nr == 2


ERRORS = {
    "inv_singular": lambda lib: lib.linalg.inv(_t(lib, SINGULAR)),
    "solve_singular": lambda lib: lib.linalg.solve(_t(lib, SINGULAR), _t(lib, A[0])),
    "cholesky_not_positive_definite": lambda lib: lib.linalg.cholesky(-lib.eye(3, dtype=lib.float64)),
    "cholesky_second_minor": lambda lib: lib.linalg.cholesky(_t(lib, [[1.0, 2.0], [2.0, 1.0]])),
    "inv_not_square": lambda lib: lib.linalg.inv(lib.ones(2, 3)),
    "det_not_square": lambda lib: lib.linalg.det(lib.ones(2, 3)),
    "eigh_not_square": lambda lib: lib.linalg.eigh(lib.ones(2, 3)),
    "inv_vector": lambda lib: lib.linalg.inv(lib.ones(3)),
    "inv_integers": lambda lib: lib.linalg.inv(lib.tensor([[1, 2], [3, 4]])),
    "solve_shapes": lambda lib: lib.linalg.solve(lib.eye(2), lib.ones(3)),
    "einsum_sizes": lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(4, 5)),
    "addmm_shapes": lambda lib: lib.addmm(lib.ones(3), lib.ones(2, 4), lib.ones(5, 3)),
    "outer_matrix": lambda lib: lib.outer(lib.ones(2, 2), lib.ones(2)),
    "tensordot_sizes": lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 2), dims=([1], [0])),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(RuntimeError) as mine:
        ERRORS[name](ember)
    assert isinstance(theirs.value, RuntimeError)
    if isinstance(theirs.value, torch.linalg.LinAlgError):
        assert isinstance(mine.value, ember.linalg.LinAlgError)
    key = str(theirs.value).split(",")[0].split("(")[0][:45]
    assert key in str(mine.value)


def test_linear_layer_idiom_records_addmm():
    x, w, b = (ember.tensor(v, requires_grad=True) for v in (TALL, A, A[0]))
    out = ember.addmm(b, x, w.t())
    assert type(out.grad_fn).__name__ == "AddmmBackward0"
    assert [type(n).__name__ for n, _ in out.grad_fn.next_functions] == ["AccumulateGrad", "AccumulateGrad",
                                                                         "TBackward0"]
    out.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.full(3, 4.0))
    np.testing.assert_allclose(w.grad.numpy(), np.ones((4, 3)).T @ TALL)
