"""The fast paths for small tensors (issue 7) answer exactly as the general paths do.

Each scenario runs under ember and under torch (live) and the observations must agree: the
engine's chain walk (stopping at hooks, fan-out, multi-output nodes), in-place arithmetic
computed straight into a tensor, y.backward() on a 0-d y, no_grad, and 0-d arithmetic on
NumPy scalars with Python numbers.
"""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _values(result):
    if isinstance(result, (list, tuple)):
        return [_values(item) for item in result]
    if hasattr(result, "detach"):
        return (str(result.dtype).split(".")[-1], np.asarray(result.detach().numpy(), dtype=np.float64).tolist())
    return result


def _outcome(scenario, lib):
    try:
        return ("returned", _values(scenario(lib)))
    except Exception as error:  # the class must agree; texts are torch's key phrases, checked elsewhere
        return ("raised", type(error).__name__)


def _same(scenario):
    expected, got = _outcome(scenario, torch), _outcome(scenario, ember)
    assert got[0] == expected[0], f"torch {expected}, ember {got}"
    if got[0] == "raised":
        assert got[1] == expected[1], f"torch {expected}, ember {got}"
        return
    np.testing.assert_equal(len(got[1]), len(expected[1]))
    for a, b in zip(got[1], expected[1]):
        if isinstance(a, tuple):
            assert a[0] == b[0], f"dtype: torch {b[0]}, ember {a[0]}"
            np.testing.assert_allclose(a[1], b[1], rtol=1e-6, atol=1e-7)
        else:
            assert a == b


# -- the engine's chain walk -------------------------------------------------------------------
def chain_with_hook_in_the_middle(lib):
    x = lib.tensor(0.7, requires_grad=True)
    seen = []
    h = lib.sin(x * 2.0)
    h.register_hook(lambda grad: seen.append(float(grad)) or grad * 3)
    y = lib.tanh(h + 0.1) * 0.5
    y.backward()
    return [x.grad, lib.tensor(seen, dtype=lib.float64)]


def chain_that_fans_out(lib):
    x = lib.tensor([0.3, -0.4], requires_grad=True)
    h = lib.exp(x * 0.5)
    y = (lib.sin(h) * h + h).sum()
    y.backward()
    return [x.grad]


def chain_through_a_multi_output_node(lib):
    x = lib.tensor([0.3, -0.4, 0.9], requires_grad=True)
    first, second = (x * 2).split([1, 2])
    y = lib.tanh(second).sum() * 0.5
    y.backward()
    return [x.grad]


def chain_retained_twice(lib):
    x = lib.tensor(1.3, requires_grad=True)
    y = lib.log(x ** 2 + 1)
    y.backward(retain_graph=True)
    y.backward()
    return [x.grad]


def chain_backward_twice_raises(lib):
    x = lib.tensor(1.3, requires_grad=True)
    y = lib.exp(x * 2)
    y.backward()
    y.backward()


def chain_on_a_leaf(lib):
    x = lib.tensor(2.0, requires_grad=True)
    x.backward()
    x.backward()
    return [x.grad]


def chain_with_a_constant_first_input(lib):
    x = lib.tensor([0.5, 1.5], requires_grad=True)
    y = (2.0 - lib.sin(3.0 * x)).sum()  # rsub and mul with a number: one input needs a gradient
    y.backward()
    return [x.grad]


def chain_modified_in_place_raises(lib):
    x = lib.tensor(0.5, requires_grad=True)
    h = x * 1.0
    y = lib.sin(h)
    h.add_(1)
    y.backward()


def chain_into_two_leaves(lib):
    a = lib.tensor(0.5, requires_grad=True)
    b = lib.tensor(-1.5, requires_grad=True)
    y = lib.tanh(a * b) ** 3
    y.backward()
    return [a.grad, b.grad]


@pytest.mark.parametrize("scenario", [chain_with_hook_in_the_middle, chain_that_fans_out,
                                      chain_through_a_multi_output_node, chain_retained_twice,
                                      chain_backward_twice_raises, chain_on_a_leaf,
                                      chain_with_a_constant_first_input, chain_modified_in_place_raises,
                                      chain_into_two_leaves])
def test_engine_fast_path_matches_torch(scenario):
    _same(scenario)


# -- in-place arithmetic straight into the tensor ----------------------------------------------
def _update(dtype, statement, other):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0]).to(getattr(lib, dtype))
        with lib.no_grad():
            versions = [x._version]
            value = other(lib) if callable(other) else other
            if statement == "-=":
                x -= value
            elif statement == "+=":
                x += value
            else:
                x *= value
            versions.append(x._version)
        return [x, versions]
    scenario.__name__ = f"{dtype} {statement} {other!r}"
    return scenario


UPDATES = [_update("float32", "-=", 0.25), _update("float32", "+=", 2), _update("float64", "*=", 1.5),
           _update("int64", "+=", 2), _update("int64", "-=", 0.5), _update("bool", "-=", True),
           _update("bool", "+=", True), _update("float32", "-=", lambda lib: lib.tensor([1.0, 2.0, 4.0])),
           _update("float32", "-=", lambda lib: lib.tensor(0.5, dtype=lib.float64)),
           _update("float32", "*=", lambda lib: lib.tensor([[1.0, 2.0, 4.0]])),
           _update("int64", "*=", lambda lib: lib.tensor([1.5, 2.0, 4.0])),
           _update("float32", "+=", lambda lib: lib.tensor(2.0))]


@pytest.mark.parametrize("scenario", UPDATES, ids=lambda s: s.__name__)
def test_inplace_update_matches_torch(scenario):
    _same(scenario)


def test_inplace_update_into_an_expanded_view_raises():
    def scenario(lib):
        x = lib.ones(1).expand(3)
        x += 1
    _same(scenario)


def test_inplace_update_shares_the_version_with_views():
    def scenario(lib):
        base = lib.zeros(4)
        view = base[1:3]
        view -= 1.0
        return [base, [base._version, view._version]]
    _same(scenario)


def test_optimizer_step_on_a_0d_parameter():
    """The seed tutorial's loop: y.backward() on a 0-d y, then p -= lr * p.grad under no_grad."""
    def scenario(lib):
        x = lib.tensor(0.0, requires_grad=True)
        for _ in range(20):
            y = (x - 5) ** 2
            y.backward()
            with lib.no_grad():
                x -= 0.1 * x.grad
            x.grad.zero_()
        return [x, y, x._version, x.grad._version]
    _same(scenario)


# -- grad modes --------------------------------------------------------------------------------
def test_no_grad_restores_the_mode_after_an_error_and_nests():
    def scenario(lib):
        states = []
        try:
            with lib.no_grad():
                states.append(lib.is_grad_enabled())
                raise KeyError("inside")
        except KeyError:
            states.append(lib.is_grad_enabled())
        with lib.no_grad():
            with lib.enable_grad():
                states.append(lib.is_grad_enabled())
                with lib.no_grad():
                    states.append(lib.is_grad_enabled())
            states.append(lib.is_grad_enabled())
        states.append(lib.is_grad_enabled())

        @lib.no_grad
        def bare(t):
            return (t * 2).requires_grad

        @lib.no_grad()
        def called(t):
            return (t * 2).requires_grad
        t = lib.ones(1, requires_grad=True)
        return [states, bare(t), called(t), bare.__name__, lib.is_grad_enabled()]
    _same(scenario)


# -- 0-d arithmetic on NumPy scalars ----------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool", "float16"])
@pytest.mark.parametrize("number", [2, 2.5, True, -3])
def test_0d_arithmetic_with_python_numbers_matches_torch(dtype, number):
    def scenario(lib):
        x = lib.tensor(3).to(getattr(lib, dtype))
        out = []
        for op in (lambda: x + number, lambda: x - number, lambda: x * number, lambda: x / number,
                   lambda: number - x, lambda: x ** 2, lambda: x ** 3, lambda: number * x):
            try:
                out.append(op())
            except Exception as error:
                out.append(type(error).__name__)
        return out
    _same(scenario)


def test_powers_two_and_three_are_torch_bit_for_bit():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        values = (rng.standard_normal(200) * 3).astype(dtype)
        for exponent in (2, 3):
            expected = (torch.tensor(values) ** exponent).numpy()
            np.testing.assert_array_equal((ember.tensor(values) ** exponent).numpy(), expected)
            scalars = [(ember.tensor(value) ** exponent).item() for value in values[:50]]
            np.testing.assert_array_equal(np.array(scalars, dtype=dtype), expected[:50])
