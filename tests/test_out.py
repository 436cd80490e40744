"""out=: ember.<op>(..., out=t) writes into t with torch's rules (Part 1's tensors tutorial uses it)."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

CALLS = {
    "matmul": lambda lib, out: lib.matmul(lib.ones(4, 4), lib.ones(4, 4).T, out=out),
    "mul": lambda lib, out: lib.mul(lib.arange(4.0), lib.arange(4.0), out=out),
    "add_scalar": lambda lib, out: lib.add(lib.arange(4.0), 1, out=out),
    "exp": lambda lib, out: lib.exp(lib.arange(4.0), out=out),
    "sum_dim": lambda lib, out: lib.sum(lib.ones(4, 3), 1, out=out),
    "cat": lambda lib, out: lib.cat([lib.ones(2), lib.zeros(2)], out=out),
}


def _out(lib, shape=(4,), dtype="float32"):
    return lib.zeros(*shape, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_receives_the_result(name):
    shape = (4, 4) if name == "matmul" else (4,)
    mine, theirs = _out(ember, shape), _out(torch, shape)
    got, expected = CALLS[name](ember, mine), CALLS[name](torch, theirs)
    assert got is mine and expected is theirs
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)  # float32 exp: libm ulps


def test_out_is_resized_with_torch_warning():
    for lib in (ember, torch):
        out = lib.zeros(3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = lib.add(lib.ones(2), 1, out=out)
        assert result is out and out.shape == (2,) and out.tolist() == [2.0, 2.0]
        assert any("An output with one or more elements was resized" in str(w.message) for w in caught)


def test_empty_out_is_resized_silently():
    for lib in (ember, torch):
        out = lib.zeros(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert lib.add(lib.ones(2), 1, out=out).tolist() == [2.0, 2.0]


def test_out_casts_up_but_not_down():
    for lib in (ember, torch):
        assert lib.add(lib.ones(2), 1, out=lib.zeros(2, dtype=lib.float64)).dtype == lib.float64
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            lib.add(lib.ones(2), 1, out=lib.zeros(2, dtype=lib.int64))


def test_out_refuses_autograd():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"functions with out=\.\.\. arguments don't support automatic"):
            lib.mul(x, x, out=lib.zeros(2))
        with lib.no_grad():
            assert lib.mul(x, x, out=lib.zeros(2)).tolist() == [1.0, 1.0]


def test_out_tuple_for_values_and_indices():
    results = []
    for lib in (ember, torch):
        values, indices = lib.zeros(2), lib.zeros(2, dtype=lib.int64)
        got = lib.max(lib.tensor([[1.0, 3.0], [4.0, 2.0]]), 1, out=(values, indices))
        assert got[0] is values and got[1] is indices
        results.append((values.tolist(), indices.tolist()))
    assert results[0] == results[1]
