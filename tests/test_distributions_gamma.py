"""Gamma, Beta, Poisson, Binomial and Multinomial (the families that need lgamma/digamma) against torch,
and the implicit reparameterisation gradient of gamma samples."""
import numpy as np
import pytest

import ember
import ember.distributions as ed
from ember.autograd import gradcheck
from ember.distributions._gamma_sampler import regularized_gamma_p, standard_gamma_grad

try:
    import torch
    import torch.distributions as td
except ImportError:
    torch = td = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

CASES = [
    ("gamma", lambda D, a, b: D.Gamma(a, b), ([0.5, 3.0], [2.0, 0.7]), [0.3, 4.0]),
    ("beta", lambda D, a, b: D.Beta(a, b), ([0.5, 3.0], [2.0, 0.7]), [0.3, 0.9]),
    ("poisson", lambda D, r: D.Poisson(r), ([0.5, 3.0],), [0.0, 4.0]),
    ("binomial_probs", lambda D, p: D.Binomial(5, probs=p), ([0.3, 0.8],), [0.0, 4.0]),
    ("binomial_logits", lambda D, z: D.Binomial(5, logits=z), ([0.3, -1.0],), [2.0, 5.0]),
    ("multinomial", lambda D, p: D.Multinomial(4, probs=p), ([[0.2, 0.3, 0.5]],), [[1.0, 0.0, 3.0]]),
]
WITH_ENTROPY = {"gamma", "beta"}


@needs_torch
@pytest.mark.parametrize("name, build, params, value", CASES, ids=[c[0] for c in CASES])
def test_log_prob_and_entropy_match_torch(name, build, params, value):
    e_params = [ember.tensor(np.asarray(p), requires_grad=True) for p in params]
    t_params = [torch.tensor(np.asarray(p), requires_grad=True) for p in params]
    e_dist, t_dist = build(ed, *e_params), build(td, *t_params)
    e_out = e_dist.log_prob(ember.tensor(np.asarray(value)))
    t_out = t_dist.log_prob(torch.tensor(np.asarray(value)))
    if name in WITH_ENTROPY:
        e_out, t_out = e_out + e_dist.entropy(), t_out + t_dist.entropy()
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10)
    e_out.sum().backward()
    t_out.sum().backward()
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-9)
    assert repr(e_dist).replace("ember.", "torch.") == repr(t_dist)
    for moment in ("mean", "variance", "mode"):
        try:
            want = getattr(t_dist, moment)
        except NotImplementedError:
            continue
        np.testing.assert_allclose(getattr(e_dist, moment).detach().numpy(), want.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name, build, params, value", CASES, ids=[c[0] for c in CASES])
def test_log_prob_gradcheck(name, build, params, value):
    x = ember.tensor(np.asarray(value))
    inputs = tuple(ember.tensor(np.asarray(p), requires_grad=True) for p in params)
    assert gradcheck(lambda *ps: build(ed, *ps).log_prob(x), inputs)


@pytest.mark.parametrize("name, build, params, value", CASES, ids=[c[0] for c in CASES])
def test_samples_have_the_moments(name, build, params, value):
    ember.manual_seed(3)
    dist = build(ed, *[ember.tensor(np.asarray(p)) for p in params])
    draws = dist.sample((40000,))
    assert tuple(draws.shape) == (40000,) + tuple(dist.batch_shape) + tuple(dist.event_shape)
    np.testing.assert_allclose(draws.mean(0).numpy(), dist.mean.numpy(), rtol=0.03, atol=0.01)
    np.testing.assert_allclose(draws.var(0).numpy(), dist.variance.numpy(), rtol=0.06, atol=0.01)
    assert bool((dist.support.check(draws)).all())


def test_regularized_gamma_p_against_the_exponential_and_its_series():
    x = np.array([0.1, 1.0, 3.0, 10.0])
    np.testing.assert_allclose(regularized_gamma_p(1.0, x), 1 - np.exp(-x), rtol=1e-13)  # P(1, x) = 1 - e^-x
    # P(2, x) = 1 - (1 + x) e^-x
    np.testing.assert_allclose(regularized_gamma_p(2.0, x), 1 - (1 + x) * np.exp(-x), rtol=1e-12)


def test_gamma_sample_gradient_holds_the_cdf_fixed():
    """dx/da from the module equals a finite difference of x(a) solved from P(a, x) = u by bisection."""
    def quantile(a, u):  # vectorised bisection: 64 halvings of [0, 200] reach float64's resolution
        lo, hi = np.zeros_like(a), np.full_like(a, 200.0)
        for _ in range(64):
            mid = (lo + hi) / 2
            below = regularized_gamma_p(a, mid) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2
    a, x = np.array([0.3, 1.0, 4.0, 20.0]), np.array([0.05, 1.2, 2.5, 23.0])
    u, h = regularized_gamma_p(a, x), 1e-5
    numeric = (quantile(a + h, u) - quantile(a - h, u)) / (2 * h)
    np.testing.assert_allclose(standard_gamma_grad(a, x), numeric, rtol=1e-5)


@needs_torch
def test_gamma_sample_gradient_agrees_with_torchs_approximation():
    a = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 30.0, 300.0])
    x = np.array([0.05, 0.3, 1.0, 3.0, 4.0, 35.0, 280.0])
    want = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(a, x), want, rtol=1e-3)  # torch's is an approximation


def test_rsample_gradients_flow_to_the_concentrations():
    a = ember.tensor([2.0, 5.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([3.0, 1.0], dtype=ember.float64, requires_grad=True)
    ember.manual_seed(0)
    x = ed.Gamma(a, b).rsample((3,))
    x.sum().backward()
    # x = s / b with s a standard gamma sample: dx/db = -x / b, and dx/da = standard_gamma_grad(a, s) / b
    s = (x.detach() * b.detach()).numpy()
    np.testing.assert_allclose(b.grad.numpy(), (-x.detach() / b.detach()).sum(0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), (standard_gamma_grad(a.detach().numpy(), s) / b.detach().numpy())
                               .sum(0), rtol=1e-10)
    y = ed.Beta(a, b).rsample((4,))
    y.sum().backward()
    assert bool(((y > 0) & (y < 1)).all())


@needs_torch
@pytest.mark.parametrize("pair", ["gamma", "beta", "poisson"])
def test_kl_divergence_matches_torch(pair):
    p1, p2 = np.array([0.5, 3.0]), np.array([2.0, 0.7])
    e1, e2 = ember.tensor(p1, requires_grad=True), ember.tensor(p2, requires_grad=True)
    t1, t2 = torch.tensor(p1, requires_grad=True), torch.tensor(p2, requires_grad=True)
    make = {"gamma": lambda D, a, b: (D.Gamma(a, b), D.Gamma(b, a)),
            "beta": lambda D, a, b: (D.Beta(a, b), D.Beta(b + 1, a)),
            "poisson": lambda D, a, b: (D.Poisson(a), D.Poisson(b))}[pair]
    e, t = ed.kl_divergence(*make(ed, e1, e2)), td.kl_divergence(*make(td, t1, t2))
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10)
    e.sum().backward()
    t.sum().backward()
    np.testing.assert_allclose(e1.grad.numpy(), t1.grad.numpy(), rtol=1e-9)


def test_import_paths():
    from ember.distributions.beta import Beta
    from ember.distributions.binomial import Binomial
    from ember.distributions.multinomial import Multinomial
    from ember.distributions.poisson import Poisson
    assert (Beta, Binomial, Multinomial, Poisson) == (ed.Beta, ed.Binomial, ed.Multinomial, ed.Poisson)
