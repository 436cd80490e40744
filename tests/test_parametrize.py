"""nn.utils.parametrize and nn.utils.parametrizations (orthogonal, weight_norm, spectral_norm) against torch:
values on the same weights, gradients reaching the originals, state_dict keys, loading torch's state_dict."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from ember.nn.utils import parametrizations as EP
from ember.nn.utils import parametrize as E

torch = pytest.importorskip("torch")
TP, T = torch.nn.utils.parametrizations, torch.nn.utils.parametrize


def _pair(make_torch, make_ember):
    """A torch module and an ember module with the same float64 weights."""
    torch.manual_seed(0)
    theirs = make_torch().double()
    mine = make_ember().double()
    mine.load_state_dict({key: ember.tensor(value.detach().numpy()) for key, value in theirs.state_dict().items()})
    return theirs, mine


def _close(mine, theirs, **tolerance):
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), **(tolerance or {"rtol": 1e-10,
                                                                                               "atol": 1e-12}))


def _state_keys(module):
    return sorted(module.state_dict())


def _copy_state(theirs, mine):
    mine.load_state_dict({key: ember.tensor(value.detach().numpy()) for key, value in theirs.state_dict().items()})


def _backward_both(theirs, mine, shape, seed=3):
    x = np.random.default_rng(seed).standard_normal(shape)
    their_out, my_out = theirs(torch.tensor(x)), mine(ember.tensor(x))
    _close(my_out, their_out)
    (their_out ** 2).sum().backward()
    (my_out ** 2).sum().backward()


class TorchSymmetric(torch.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class EmberSymmetric(ember.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class TorchSplit(torch.nn.Module):  # right_inverse returning two tensors: original0, original1
    def forward(self, a, b):
        return a + b

    def right_inverse(self, w):
        return w * 0.25, w * 0.75


class EmberSplit(ember.nn.Module):
    def forward(self, a, b):
        return a + b

    def right_inverse(self, w):
        return w * 0.25, w * 0.75


def test_register_parametrization_matches_torch():
    theirs, mine = _pair(lambda: torch.nn.Linear(3, 3), lambda: ember.nn.Linear(3, 3))
    my_weight = mine.weight
    T.register_parametrization(theirs, "weight", TorchSymmetric())
    E.register_parametrization(mine, "weight", EmberSymmetric())
    assert type(mine).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert E.type_before_parametrizations(mine) is ember.nn.Linear
    assert E.is_parametrized(mine) and E.is_parametrized(mine, "weight") and not E.is_parametrized(mine, "bias")
    assert mine.parametrizations.weight.original is my_weight  # the same Parameter: an optimizer keeps it
    _close(mine.parametrizations.weight.original, theirs.parametrizations.weight.original)
    _close(mine.weight, theirs.weight)
    assert _state_keys(mine) == _state_keys(theirs) == ["bias", "parametrizations.weight.original"]
    assert repr(mine) == repr(theirs).replace("TorchSymmetric", "EmberSymmetric")
    _backward_both(theirs, mine, (2, 3))
    _close(mine.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
    assert [name for name, _ in mine.named_parameters()] == [name for name, _ in theirs.named_parameters()]

    with torch.no_grad():
        theirs.weight = torch.ones(3, 3, dtype=torch.float64) * 2
    with ember.no_grad():
        mine.weight = ember.ones(3, 3, dtype=ember.float64) * 2
    _close(mine.parametrizations.weight.original, theirs.parametrizations.weight.original)

    T.remove_parametrizations(theirs, "weight")
    E.remove_parametrizations(mine, "weight")
    assert type(mine) is ember.nn.Linear and not E.is_parametrized(mine)
    _close(mine.weight, theirs.weight)


def test_several_originals_and_chained_parametrizations():
    theirs, mine = _pair(lambda: torch.nn.Linear(2, 3), lambda: ember.nn.Linear(2, 3))
    T.register_parametrization(theirs, "weight", TorchSplit(), unsafe=True)
    E.register_parametrization(mine, "weight", EmberSplit(), unsafe=True)
    assert _state_keys(mine) == _state_keys(theirs) == ["bias", "parametrizations.weight.original0",
                                                        "parametrizations.weight.original1"]
    _close(mine.parametrizations.weight.original1, theirs.parametrizations.weight.original1)
    assert not hasattr(mine.parametrizations.weight, "original")
    _backward_both(theirs, mine, (4, 2))
    for index in (0, 1):
        _close(getattr(mine.parametrizations.weight, f"original{index}").grad,
               getattr(theirs.parametrizations.weight, f"original{index}").grad)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        E.remove_parametrizations(mine, "weight", leave_parametrized=False)
    E.remove_parametrizations(mine, "weight")
    T.remove_parametrizations(theirs, "weight")
    _close(mine.weight, theirs.weight)


def test_cached_computes_once_and_errors_match_torch():
    calls = []

    class Counting(ember.nn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 2

    mine = ember.nn.Linear(2, 2)
    E.register_parametrization(mine, "weight", Counting())
    calls.clear()
    with E.cached():
        first, second = mine.weight, mine.weight
    assert first is second and len(calls) == 1
    mine.weight
    assert len(calls) == 2

    class Widen(ember.nn.Module):
        def forward(self, x):
            return ember.cat([x, x])

    class TorchWiden(torch.nn.Module):
        def forward(self, x):
            return torch.cat([x, x])

    for lib, module, widen, register in ((torch, torch.nn.Linear(2, 2), TorchWiden(), T.register_parametrization),
                                         (ember, ember.nn.Linear(2, 2), Widen(), E.register_parametrization)):
        with pytest.raises(ValueError, match="may not change the shape"):
            register(module, "weight", widen)
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
            register(module, "nothing", widen)
        register(module, "weight", widen, unsafe=True)
        assert tuple(module.weight.shape) == (4, 2)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    theirs, mine = _pair(lambda: torch.nn.Linear(4, 3), lambda: ember.nn.Linear(4, 3))
    TP.weight_norm(theirs, dim=dim)
    EP.weight_norm(mine, dim=dim)
    assert _state_keys(mine) == _state_keys(theirs)
    for index in (0, 1):
        _close(getattr(mine.parametrizations.weight, f"original{index}"),
               getattr(theirs.parametrizations.weight, f"original{index}"))
    _close(mine.weight, theirs.weight)
    assert type(mine.weight.grad_fn).__name__ == type(theirs.weight.grad_fn).__name__
    _backward_both(theirs, mine, (2, 4))
    for index in (0, 1):
        _close(getattr(mine.parametrizations.weight, f"original{index}").grad,
               getattr(theirs.parametrizations.weight, f"original{index}").grad)


def test_weight_norm_loads_torchs_state_dict_and_the_older_g_v_keys():
    torch.manual_seed(1)
    theirs = TP.weight_norm(torch.nn.Conv1d(2, 3, 2).double())
    mine = EP.weight_norm(ember.nn.Conv1d(2, 3, 2).double())
    _copy_state(theirs, mine)
    x = np.random.default_rng(0).standard_normal((1, 2, 5))
    _close(mine(ember.tensor(x)), theirs(torch.tensor(x)))
    older = {key.replace("parametrizations.weight.original0", "weight_g")
                .replace("parametrizations.weight.original1", "weight_v"): ember.tensor(value.detach().numpy() * 2)
             for key, value in theirs.state_dict().items()}
    mine.load_state_dict(older)
    _close(mine.parametrizations.weight.original0, theirs.parametrizations.weight.original0 * 2)


def test_weight_norm_passes_gradcheck():
    g = ember.rand(3, 1, dtype=ember.float64, requires_grad=True)
    v = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda g, v: EP._weight_norm(v, g, 0), [g, v])
    assert gradcheck(lambda g, v: EP._weight_norm(v, g, -1), [g[0, 0], v])


@pytest.mark.parametrize("make", [
    (lambda lib: lib.nn.Linear(4, 3)),
    (lambda lib: lib.nn.Conv2d(2, 3, 2)),
    (lambda lib: lib.nn.ConvTranspose2d(2, 3, 2)),
])
def test_spectral_norm_matches_torch_from_the_same_vectors(make):
    theirs, mine = _pair(lambda: make(torch), lambda: make(ember))
    TP.spectral_norm(theirs)
    EP.spectral_norm(mine)
    assert _state_keys(mine) == _state_keys(theirs)
    _copy_state(theirs, mine)  # the power iteration's random start: torch's
    shape = (2, 4) if isinstance(theirs, torch.nn.Linear) else (1, 2, 4, 4)
    for training in (True, False):  # training runs a power step (in place on _u, _v), eval does not
        theirs.train(training)
        mine.train(training)
        _close(mine.weight, theirs.weight)
        _close(mine.parametrizations.weight[0]._u, theirs.parametrizations.weight[0]._u)
    theirs.train()
    mine.train()
    _backward_both(theirs, mine, shape)
    _close(mine.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)


def test_spectral_norm_estimates_the_largest_singular_value():
    module = EP.spectral_norm(ember.nn.Linear(5, 4).double())
    for _ in range(30):
        module.weight
    largest = np.linalg.svd(module.weight.detach().numpy(), compute_uv=False)[0]
    assert largest == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="n_power_iterations"):
        EP.spectral_norm(ember.nn.Linear(2, 2), n_power_iterations=0)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_orthogonal_matches_torch(orthogonal_map, shape):
    theirs, mine = _pair(lambda: torch.nn.Linear(shape[1], shape[0]), lambda: ember.nn.Linear(shape[1], shape[0]))
    TP.orthogonal(theirs, orthogonal_map=orthogonal_map)
    EP.orthogonal(mine, orthogonal_map=orthogonal_map)
    assert _state_keys(mine) == _state_keys(theirs)
    weight = mine.weight.detach().numpy()
    small = min(shape)
    gram = weight.T @ weight if shape[0] >= shape[1] else weight @ weight.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    _close(mine.parametrizations.weight.original, theirs.parametrizations.weight.original)
    if shape[0] == shape[1]:  # a rectangular weight is completed with random columns: those differ
        _close(mine.weight, theirs.weight)
    _copy_state(theirs, mine)  # torch's base: from here on both compute the same
    _close(mine.weight, theirs.weight)
    _backward_both(theirs, mine, (2, shape[1]))
    _close(mine.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad,
           rtol=1e-8, atol=1e-10)


def test_orthogonal_moves_with_its_original_and_refuses_bad_weights():
    module = EP.orthogonal(ember.nn.Linear(3, 3).double())
    with ember.no_grad():
        module.parametrizations.weight.original.add_(ember.randn(3, 3, dtype=ember.float64) * 0.3)
    weight = module.weight.detach().numpy()
    np.testing.assert_allclose(weight.T @ weight, np.eye(3), atol=1e-12)
    for lib, parametrizations in ((torch, TP), (ember, EP)):
        with pytest.raises(ValueError, match="Expected a matrix"):
            parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias")
        with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
            parametrizations.orthogonal(lib.nn.Linear(2, 2), orthogonal_map="qr")


def test_deepcopy_works_and_pickling_is_refused_as_in_torch():
    import copy
    import pickle
    mine = EP.weight_norm(ember.nn.Linear(3, 2))
    replica = copy.deepcopy(mine)
    np.testing.assert_array_equal(replica.weight.detach().numpy(), mine.weight.detach().numpy())
    assert replica.parametrizations.weight.original0 is not mine.parametrizations.weight.original0
    for module in (mine, TP.weight_norm(torch.nn.Linear(3, 2))):
        with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported"):
            pickle.dumps(module)


def test_householder_product_passes_gradcheck():
    A = ember.randn(4, 2, dtype=ember.float64, requires_grad=True)
    tau = ember.rand(2, dtype=ember.float64, requires_grad=True)
    assert gradcheck(EP._householder_product, [A, tau])
    theirs = torch.linalg.householder_product(torch.tensor(A.detach().numpy()), torch.tensor(tau.detach().numpy()))
    np.testing.assert_allclose(EP._householder_product(A, tau).detach().numpy(), theirs.numpy(), atol=1e-12)
