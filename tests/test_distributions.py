"""ember.distributions against torch.distributions (values, gradients, shapes, reprs, errors) and gradcheck."""
import math

import numpy as np
import pytest

import ember
import ember.distributions as ed
from ember.autograd import gradcheck

try:
    import torch
    import torch.distributions as td
except ImportError:
    torch = td = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _pair(values, dtype="float64", requires_grad=True):
    arr = np.asarray(values, dtype=dtype)
    e = ember.tensor(arr, requires_grad=requires_grad)
    t = torch.tensor(arr, requires_grad=requires_grad) if torch is not None else None
    return e, t


def _close(e, t, tol=1e-10):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


# each case: name, builder(lib, *params), parameters, values for log_prob, whether rsample exists
CASES = [
    ("normal", lambda D, loc, scale: D.Normal(loc, scale), ([0.5, -1.0], [1.5, 0.3]), [0.1, 2.0], True),
    ("uniform", lambda D, low, high: D.Uniform(low, high), ([0.0, -2.0], [1.0, 3.0]), [0.5, 2.5], True),
    ("bernoulli_probs", lambda D, p: D.Bernoulli(probs=p), ([0.3, 0.9],), [1.0, 0.0], False),
    ("bernoulli_logits", lambda D, z: D.Bernoulli(logits=z), ([0.3, -2.0],), [1.0, 0.0], False),
    ("categorical_probs", lambda D, p: D.Categorical(probs=p), ([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]],), [2, 0],
     False),
    ("categorical_logits", lambda D, z: D.Categorical(logits=z), ([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]],), [1, 2],
     False),
    ("mvn_cov", lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=(c + c.mT) / 2),  # symmetric under gradcheck
     ([0.1, -0.2], [[2.0, 0.5], [0.5, 1.0]]), [[0.3, 0.4], [-1.0, 2.0]], True),
    ("mvn_tril", lambda D, m, L: D.MultivariateNormal(m, scale_tril=L.tril()),
     ([0.1, -0.2], [[1.5, 0.0], [0.4, 0.7]]), [[0.3, 0.4]], True),
    ("mvn_precision", lambda D, m, P: D.MultivariateNormal(m, precision_matrix=(P + P.mT) / 2),
     ([0.1, -0.2], [[2.0, 0.5], [0.5, 1.0]]), [[0.3, 0.4]], True),
    ("independent", lambda D, loc, scale: D.Independent(D.Normal(loc, scale), 1), ([[0.5, -1.0]], [[1.5, 0.3]]),
     [[0.1, 2.0]], True),
]
IDS = [case[0] for case in CASES]


@needs_torch
@pytest.mark.parametrize("name, build, params, value, _", CASES, ids=IDS)
def test_log_prob_entropy_and_gradients_match_torch(name, build, params, value, _):
    pairs = [_pair(p) for p in params]
    e_dist, t_dist = build(ed, *[e for e, _ in pairs]), build(td, *[t for _, t in pairs])
    dtype = "int64" if name.startswith("categorical") else "float64"
    e_value, t_value = _pair(value, dtype, requires_grad=False)
    e_lp, t_lp = e_dist.log_prob(e_value), t_dist.log_prob(t_value)
    _close(e_lp, t_lp)
    e_h, t_h = e_dist.entropy(), t_dist.entropy()
    _close(e_h, t_h)
    (e_lp.sum() + e_h.sum()).backward()
    (t_lp.sum() + t_h.sum()).backward()
    for (e, t) in pairs:
        _close(e.grad, t.grad, 1e-9)
    assert e_dist.batch_shape == tuple(t_dist.batch_shape) and e_dist.event_shape == tuple(t_dist.event_shape)
    assert repr(e_dist).replace("ember.", "torch.") == repr(t_dist)
    for moment in ("mean", "variance", "stddev", "mode"):
        try:
            t_moment = getattr(t_dist, moment)
        except NotImplementedError:
            continue
        np.testing.assert_allclose(getattr(e_dist, moment).detach().numpy(), t_moment.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name, build, params, value, _", CASES, ids=IDS)
def test_log_prob_gradcheck(name, build, params, value, _):
    dtype = "int64" if name.startswith("categorical") else "float64"
    x = ember.tensor(np.asarray(value, dtype=dtype))
    inputs = tuple(ember.tensor(np.asarray(p, dtype="float64"), requires_grad=True) for p in params)

    def log_prob_and_entropy(*ps):
        dist = build(ed, *ps)
        return dist.log_prob(x), dist.entropy()
    assert gradcheck(log_prob_and_entropy, inputs)


@pytest.mark.parametrize("name, build, params, value, has_rsample", CASES, ids=IDS)
def test_samples_have_the_shape_and_the_moments(name, build, params, value, has_rsample):
    ember.manual_seed(0)
    dist = build(ed, *[ember.tensor(np.asarray(p, dtype="float64")) for p in params])
    draws = dist.sample((20000,))
    assert tuple(draws.shape) == (20000,) + tuple(dist.batch_shape) + tuple(dist.event_shape)
    assert not draws.requires_grad
    if name.startswith("categorical"):
        frequencies = ember.nn.functional.one_hot(draws, dist.probs.shape[-1]).double().mean(0)
        np.testing.assert_allclose(frequencies.numpy(), dist.probs.numpy(), atol=0.02)
    else:
        np.testing.assert_allclose(draws.mean(0).numpy(), dist.mean.numpy(), atol=0.05)
        np.testing.assert_allclose(draws.var(0).numpy(), dist.variance.numpy(), rtol=0.05, atol=0.01)
    assert dist.has_rsample == has_rsample


def test_rsample_is_differentiable_by_reparameterisation():
    loc = ember.tensor([1.0, -2.0], dtype=ember.float64, requires_grad=True)
    scale = ember.tensor([0.5, 2.0], dtype=ember.float64, requires_grad=True)
    ember.manual_seed(1)
    draws = ed.Normal(loc, scale).rsample((5,))
    draws.sum().backward()
    eps = (draws.detach() - loc.detach()) / scale.detach()  # d(loc + scale*eps)/dscale = eps
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="rsample"):
        ed.Bernoulli(0.3).rsample()


KL_PAIRS = [
    ("normal", lambda D, a, b: (D.Normal(a, b), D.Normal(b, a + 2)), ([0.5, 1.0], [1.5, 0.3])),
    ("bernoulli", lambda D, a, b: (D.Bernoulli(a), D.Bernoulli(b)), ([0.2, 0.7], [0.6, 0.1])),
    ("categorical", lambda D, a, b: (D.Categorical(a), D.Categorical(b)),
     ([[0.2, 0.3, 0.5]], [[0.1, 0.6, 0.3]])),
    ("uniform", lambda D, a, b: (D.Uniform(a, b), D.Uniform(a - 1, b + 1)), ([0.0, 1.0], [2.0, 1.5])),
    ("mvn", lambda D, m, c: (D.MultivariateNormal(m, c), D.MultivariateNormal(-m, c + c.mT)),
     ([0.1, -0.2], [[2.0, 0.5], [0.5, 1.0]])),
    ("independent", lambda D, a, b: (D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(b, b), 1)),
     ([[0.5, 1.0]], [[1.5, 0.3]])),
]


@needs_torch
@pytest.mark.parametrize("name, build, params", KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_matches_torch(name, build, params):
    pairs = [_pair(p) for p in params]
    e_kl = ed.kl_divergence(*build(ed, *[e for e, _ in pairs]))
    t_kl = td.kl_divergence(*build(td, *[t for _, t in pairs]))
    _close(e_kl, t_kl)
    e_kl.sum().backward()
    t_kl.sum().backward()
    for e, t in pairs:
        _close(e.grad, t.grad, 1e-9)


@needs_torch
def test_kl_at_the_edges_is_infinite_as_torch():
    p, q = [0.0, 0.5], [0.0, 1.0]
    e = ed.kl_divergence(ed.Bernoulli(ember.tensor(p)), ed.Bernoulli(ember.tensor(q)))
    t = td.kl_divergence(td.Bernoulli(torch.tensor(p)), td.Bernoulli(torch.tensor(q)))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    e = ed.kl_divergence(ed.Uniform(0.0, 2.0), ed.Uniform(-1.0, 1.0))
    assert math.isinf(e.item()) and math.isinf(td.kl_divergence(td.Uniform(0.0, 2.0), td.Uniform(-1.0, 1.0)).item())


def test_register_kl_picks_the_most_specific_pair():
    class MyNormal(ed.Normal):
        pass

    @ed.register_kl(MyNormal, ed.Normal)
    def _kl(p, q):
        return ember.tensor(42.0)
    assert ed.kl_divergence(MyNormal(0.0, 1.0), ed.Normal(0.0, 1.0)).item() == 42.0
    assert ed.kl_divergence(ed.Normal(0.0, 1.0), MyNormal(0.0, 1.0)).item() == 0.0
    with pytest.raises(NotImplementedError, match="No KL"):
        ed.kl_divergence(ed.Normal(0.0, 1.0), ed.Bernoulli(0.5))


@needs_torch
@pytest.mark.parametrize("make", [
    lambda D, T: D.Normal(0.0, -1.0),
    lambda D, T: D.Uniform(1.0, 0.0),
    lambda D, T: D.Bernoulli(probs=1.5),
    lambda D, T: D.Bernoulli(),
    lambda D, T: D.Bernoulli(0.5, 0.5),
    lambda D, T: D.Categorical(T.tensor([-0.1, 1.1])),
    lambda D, T: D.Normal(0.0, 1.0).log_prob(1.0),
    lambda D, T: D.Bernoulli(0.5).log_prob(T.tensor(0.5)),
    lambda D, T: D.Categorical(T.ones(3) / 3).log_prob(T.tensor(3)),
    lambda D, T: D.MultivariateNormal(T.zeros(2)),
    lambda D, T: D.MultivariateNormal(T.tensor(0.0), T.eye(2)),
    lambda D, T: D.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda D, T: D.Independent(D.Normal(T.zeros(2), 1.0), 2),
    lambda D, T: D.Normal(T.zeros(2), 1.0).log_prob(T.zeros(3)),
])
def test_invalid_arguments_raise_torchs_error(make):
    with pytest.raises(Exception) as expected:
        make(td, torch)
    with pytest.raises(type(expected.value)) as got:
        make(ed, ember)
    assert str(got.value).replace("ember.", "torch.").split("\n")[0] == str(expected.value).split("\n")[0]


def test_validation_can_be_turned_off():
    assert ed.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    ed.Distribution.set_default_validate_args(False)
    try:
        ed.Normal(0.0, -1.0)
    finally:
        ed.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ed.Normal(0.0, -1.0)


@needs_torch
def test_lazy_probs_and_logits_and_enumerate_support():
    e, t = ed.Bernoulli(logits=ember.tensor([0.3, -2.0])), td.Bernoulli(logits=torch.tensor([0.3, -2.0]))
    _close(e.probs, t.probs, 1e-7)
    e = ed.Categorical(probs=ember.tensor([[1.0, 3.0], [2.0, 2.0]]))
    t = td.Categorical(probs=torch.tensor([[1.0, 3.0], [2.0, 2.0]]))
    _close(e.probs, t.probs, 1e-7)
    _close(e.logits, t.logits, 1e-6)
    np.testing.assert_array_equal(e.enumerate_support().numpy(), t.enumerate_support().numpy())
    np.testing.assert_array_equal(ed.Bernoulli(ember.tensor([0.1, 0.2])).enumerate_support(False).numpy(),
                                  td.Bernoulli(torch.tensor([0.1, 0.2])).enumerate_support(False).numpy())
    assert ed.Normal(ember.zeros(3), 1.0).expand((2, 3)).batch_shape == (2, 3)


@needs_torch
def test_normal_cdf_icdf_and_uniform_cdf_match_torch():
    v = [0.1, 0.7]
    e, t = ed.Normal(ember.tensor([0.0, 1.0]), 2.0), td.Normal(torch.tensor([0.0, 1.0]), 2.0)
    _close(e.cdf(ember.tensor(v)), t.cdf(torch.tensor(v)), 1e-6)
    _close(e.icdf(ember.tensor(v)), t.icdf(torch.tensor(v)), 1e-5)
    _close(ed.Uniform(0.0, 2.0).cdf(ember.tensor(v)), td.Uniform(0.0, 2.0).cdf(torch.tensor(v)), 1e-7)


def test_import_paths_as_torchs():
    from ember.distributions.categorical import Categorical
    from ember.distributions.kl import kl_divergence
    from ember.distributions.normal import Normal
    assert Categorical is ed.Categorical and Normal is ed.Normal and kl_divergence is ed.kl_divergence
    assert repr(ed.constraints.positive) == "GreaterThan(lower_bound=0.0)"
