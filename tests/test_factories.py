"""The rarer factories (triangle indices, windows, empty_strided/empty_permuted, scalar_tensor, poisson),
out= on the common ones and `with torch.device(...)`, against torch on the CPU. Under
EMBER_TEST_DEVICE=cuda (tests/test_cuda.py's stand-in run) the default device is "cuda", and each
result must land there."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def same(ours, theirs, device, atol=1e-6):
    assert ours.device.type == device
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1] and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), atol=atol, rtol=1e-6)


def expected_device(device):
    return "cuda" if device != "cpu" else "cpu"


CASES = [
    ("tril_indices", lambda lib: lib.tril_indices(3, 4, 1)), ("tril_neg", lambda lib: lib.tril_indices(4, 3, -1)),
    ("triu_indices", lambda lib: lib.triu_indices(3, 4, -1)), ("triu_empty", lambda lib: lib.triu_indices(0, 3)),
    ("tril_int32", lambda lib: lib.tril_indices(3, 3, dtype=lib.int32)),
    ("scalar_tensor", lambda lib: lib.scalar_tensor(3)), ("scalar_bool", lambda lib: lib.scalar_tensor(True)),
    ("scalar_int", lambda lib: lib.scalar_tensor(2.5, dtype=lib.int64)),
    *[(f"{name}_{periodic}_{length}", lambda lib, name=name, periodic=periodic, length=length:
       getattr(lib, f"{name}_window")(length, periodic))
      for name in ("hann", "hamming", "blackman", "bartlett", "kaiser") for periodic in (True, False)
      for length in (0, 1, 2, 7)],
    ("hamming_ab", lambda lib: lib.hamming_window(6, True, 0.5, 0.4, dtype=lib.float64)),
    ("kaiser_beta", lambda lib: lib.kaiser_window(6, False, 5.0, dtype=lib.float64)),
    ("hann_f64", lambda lib: lib.hann_window(9, dtype=lib.float64)),
]


@pytest.mark.parametrize("name,make", CASES, ids=[case[0] for case in CASES])
def test_factories_give_torchs_values_and_dtypes(name, make, device):
    same(make(ember), make(torch), expected_device(device))


def test_an_explicit_device_wins(device):
    assert ember.tril_indices(2, 2, device="cpu").device == ember.device("cpu")
    assert ember.hann_window(4, device="cpu").device == ember.device("cpu")
    window = ember.hann_window(4, dtype=ember.float64, requires_grad=True)
    assert window.requires_grad and window.is_leaf and window.device.type == expected_device(device)


ERROR_CASES = [
    ("tril_float", lambda lib: lib.tril_indices(3, 3, dtype=lib.float32)),
    ("tril_row", lambda lib: lib.tril_indices(-1, 3)), ("triu_col", lambda lib: lib.triu_indices(3, -2)),
    ("window_length", lambda lib: lib.hann_window(-1)),
    ("window_dtype", lambda lib: lib.kaiser_window(4, dtype=lib.int64)),
    ("scalar_complex", lambda lib: lib.scalar_tensor(1 + 2j)),
    ("strided_rank", lambda lib: lib.empty_strided((2, 3), (1,))),
    ("strided_negative", lambda lib: lib.empty_strided((2, -3), (1, 2))),
    ("permuted_dup", lambda lib: lib.empty_permuted((2, 3), (0, 0))),
    ("permuted_rank", lambda lib: lib.empty_permuted((2, 3), (0,))),
    ("poisson_negative", lambda lib: lib.poisson(lib.tensor([-1.0]))),
    ("poisson_int", lambda lib: lib.poisson(lib.tensor([1, 2]))),
    ("out_dtype", lambda lib: lib.zeros(2, out=lib.ones(2, dtype=lib.int64), dtype=lib.float32)),
    ("out_grad", lambda lib: lib.zeros(2, out=lib.ones(2, requires_grad=True))),
]


@pytest.mark.parametrize("name,call", ERROR_CASES, ids=[case[0] for case in ERROR_CASES])
def test_bad_arguments_raise_torchs_errors(name, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(ember)
    assert str(ours.value).startswith(str(theirs.value)[:30])


def test_empty_strided_and_empty_permuted_lay_out_memory_as_torchs(device):
    for size, stride in [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((2, 0, 3), (1, 1, 1)), ((2, 2), (0, 1))]:
        ours, theirs = ember.empty_strided(size, stride), torch.empty_strided(size, stride)
        assert ours.shape == theirs.shape and ours.stride() == theirs.stride()
        assert ours.is_contiguous() == theirs.is_contiguous() and ours.is_leaf and ours._base is None
        assert ours.device.type == expected_device(device)
    for size, order in [((2, 3, 5, 7), (0, 2, 3, 1)), ((2, 3), (1, 0)), ((4, 5, 6), (2, 0, 1))]:
        ours, theirs = ember.empty_permuted(size, order), torch.empty_permuted(size, order)
        assert ours.shape == theirs.shape and ours.stride() == theirs.stride()
    filled = ember.empty_strided((2, 3), (1, 2), dtype=ember.float64).fill_(2.0)
    assert filled.dtype == ember.float64 and filled.tolist() == [[2.0] * 3] * 2


def test_poisson_draws_on_the_host_with_a_zero_gradient(device):
    rates = ember.tensor([0.0, 1.0, 40.0, 1000.0], dtype=ember.float64, requires_grad=True)
    ember.manual_seed(3)
    draws = ember.poisson(rates)
    assert draws.dtype == ember.float64 and draws.device.type == expected_device(device)
    assert type(draws.grad_fn).__name__ == type(torch.poisson(torch.ones(1, requires_grad=True)).grad_fn).__name__
    values = draws.detach().cpu().numpy()
    assert values[0] == 0 and np.all(values == np.round(values)) and np.all(values >= 0)
    assert abs(values[3] - 1000) < 200  # 6 standard deviations
    ember.manual_seed(3)
    assert ember.equal(ember.poisson(rates.detach()), draws.detach())  # seeded: the same draws
    draws.sum().backward()
    assert rates.grad.tolist() == [0.0] * 4 and rates.grad.device == rates.device
    many = ember.poisson(ember.full((20000,), 3.0))
    assert abs(many.mean().item() - 3.0) < 0.1 and abs(many.var().item() - 3.0) < 0.2


@pytest.mark.parametrize("name,make", [
    ("zeros", lambda lib, out: lib.zeros(2, 3, out=out)), ("ones", lambda lib, out: lib.ones(3, out=out)),
    ("full", lambda lib, out: lib.full((2,), 3, out=out)), ("arange", lambda lib, out: lib.arange(1, 5, 2, out=out)),
    ("linspace", lambda lib, out: lib.linspace(0, 1, 5, out=out)), ("eye", lambda lib, out: lib.eye(2, out=out)),
    ("empty", lambda lib, out: lib.empty(4, out=out).fill_(1)),
])
def test_factories_write_into_out_in_its_dtype(name, make, device):
    for dtype in ("float64", "int64"):
        ours_out = ember.ones(2, dtype=getattr(ember, dtype))
        theirs_out = torch.ones(2, dtype=getattr(torch, dtype))
        ours, theirs = make(ember, ours_out), make(torch, theirs_out)
        assert ours is ours_out
        same(ours, theirs, expected_device(device))
    cpu_out = ember.zeros(1, device="cpu")
    assert ember.ones(2, out=cpu_out) is cpu_out and cpu_out.device == ember.device("cpu")  # out's device


def test_a_device_is_a_default_device_context_manager(device):
    before = ember.get_default_device()
    with ember.device("cpu") as where:
        assert where == ember.device("cpu") and ember.ones(1).device == where and ember.get_default_device() == where
        assert ember.tensor([1.0]).device == where and ember.hann_window(2).device == where
    assert ember.get_default_device() == before and ember.ones(1).device.type == expected_device(device)
    if ember.cuda.is_available():
        with ember.device("cuda"):
            with ember.device("cpu"):
                assert not ember.zeros(1).is_cuda
            assert ember.zeros(1).is_cuda and ember.rand(2).is_cuda
        assert ember.get_default_device() == before
