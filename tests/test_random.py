"""Random sampling: distributions checked statistically (fixed seeds, loose but meaningful
bounds), determinism under seeds and generator states, shapes/dtypes and errors as torch's."""
import numpy as np
import pytest

import ember


def sample(fn, seed=0):
    ember.manual_seed(seed)
    return fn()


def test_same_seed_same_numbers_and_generators_are_independent():
    draws = lambda: (ember.rand(5), ember.randn(3), ember.randint(0, 9, (4,)), ember.randperm(6),  # noqa: E731
                     ember.normal(0.0, 1.0, (3,)), ember.multinomial(ember.ones(5), 3), ember.empty(4).uniform_())
    first, second = sample(draws, 7), sample(draws, 7)
    assert all(a.tolist() == b.tolist() for a, b in zip(first, second))
    assert sample(draws, 8)[0].tolist() != first[0].tolist()
    g = ember.Generator().manual_seed(7)
    before = ember.rand(3, generator=g).tolist()
    assert ember.Generator().manual_seed(7).initial_seed() == 7
    assert ember.rand(3, generator=ember.Generator().manual_seed(7)).tolist() == before


def test_get_and_set_state_replay():
    ember.manual_seed(11)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.ndim == 1
    a = ember.randn(4)
    ember.set_rng_state(state)
    assert ember.randn(4).tolist() == a.tolist()
    g = ember.Generator()
    g.manual_seed(5)
    saved = g.get_state()
    x = ember.rand(3, generator=g)
    g.set_state(saved)
    assert ember.rand(3, generator=g).tolist() == x.tolist() and g.initial_seed() == 5
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        ember.set_rng_state(ember.zeros(3))
    with pytest.raises(RuntimeError, match="but found the input RNG state size to be 3"):
        ember.set_rng_state(ember.zeros(3, dtype=ember.uint8))


def test_normal_forms_shapes_and_moments():
    ember.manual_seed(0)
    both = ember.normal(ember.full((4000, 1), 2.0), ember.full((3,), 0.5))
    assert both.shape == (4000, 3) and both.dtype is ember.float32
    values = both.numpy()
    assert abs(values.mean() - 2.0) < 0.02 and abs(values.std() - 0.5) < 0.02
    tensor_mean = ember.normal(ember.arange(3.0, dtype=ember.float64), 1e-6)
    assert tensor_mean.dtype is ember.float64 and np.allclose(tensor_mean.tolist(), [0, 1, 2], atol=1e-4)
    float_mean = ember.normal(-1.0, ember.full((20000,), 3.0))
    assert abs(float_mean.numpy().mean() + 1) < 0.1 and abs(float_mean.numpy().std() - 3) < 0.1
    sized = ember.normal(5.0, 2.0, (2, 3), dtype=ember.float64, requires_grad=True)
    assert sized.shape == (2, 3) and sized.dtype is ember.float64 and sized.requires_grad
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        ember.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        ember.normal(ember.zeros(2), -1.0)


def test_bernoulli():
    ember.manual_seed(1)
    p = ember.tensor([0.0, 0.2, 0.9, 1.0], dtype=ember.float64).expand(20000, 4)
    draws = ember.bernoulli(p)
    assert draws.dtype is ember.float64 and draws.shape == (20000, 4)
    assert np.allclose(draws.numpy().mean(0), [0.0, 0.2, 0.9, 1.0], atol=0.015)
    assert set(np.unique(draws.numpy())) <= {0.0, 1.0}
    fixed = ember.bernoulli(ember.zeros(10000), p=0.3)
    assert abs(fixed.numpy().mean() - 0.3) < 0.02
    filled = ember.empty(10000).bernoulli_(0.75)
    assert abs(filled.numpy().mean() - 0.75) < 0.02
    with pytest.raises(RuntimeError, match="bernoulli_ expects p to be in \\[0, 1\\], but got p=1.5"):
        ember.zeros(2).bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1"):
        ember.bernoulli(ember.tensor([1.5]))


def test_multinomial_frequencies_and_rules():
    ember.manual_seed(2)
    weights = ember.tensor([[1.0, 2.0, 7.0], [5.0, 0.0, 5.0]])
    draws = ember.multinomial(weights, 20000, replacement=True)
    assert draws.dtype is ember.int64 and draws.shape == (2, 20000)
    counts = [np.bincount(row, minlength=3) / 20000 for row in draws.numpy()]
    assert np.allclose(counts[0], [0.1, 0.2, 0.7], atol=0.015) and np.allclose(counts[1], [0.5, 0.0, 0.5], atol=0.015)
    once = ember.multinomial(ember.tensor([1.0, 1.0, 1.0, 1.0]), 4)  # without replacement: a permutation
    assert sorted(once.tolist()) == [0, 1, 2, 3]
    firsts = np.array([ember.multinomial(ember.tensor([0.8, 0.1, 0.1]), 2)[0].item() for _ in range(2000)])
    assert abs((firsts == 0).mean() - 0.8) < 0.04
    never_zero = ember.multinomial(ember.tensor([0.0, 1.0, 1.0]).expand(500, 3), 2)
    assert 0 not in never_zero.numpy()
    for args, phrase in [((ember.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
                         ((ember.tensor([-1.0, 1.0]), 1), "element < 0"),
                         ((ember.ones(2, 2, 2), 1), "prob_dist must be 1 or 2 dim"),
                         ((ember.ones(2), 3), "cannot sample n_sample > prob_dist.size\\(-1\\) samples")]:
        with pytest.raises(RuntimeError, match=phrase):
            ember.multinomial(*args)


def test_in_place_fills():
    ember.manual_seed(3)
    u = ember.empty(20000, dtype=ember.float64).uniform_(-2, 4)
    assert u.dtype is ember.float64 and u.numpy().min() >= -2 and u.numpy().max() < 4
    assert abs(u.numpy().mean() - 1.0) < 0.05
    n = ember.empty(20000).normal_(3.0, 0.5)
    assert abs(n.numpy().mean() - 3.0) < 0.02 and abs(n.numpy().std() - 0.5) < 0.02
    e = ember.empty(20000).exponential_(4.0)
    assert e.numpy().min() >= 0 and abs(e.numpy().mean() - 0.25) < 0.01
    r = ember.empty(5000).random_(3, 7)
    assert set(np.unique(r.numpy())) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(ember.zeros(3000, dtype=ember.int8).random_(3).numpy())) == {0, 1, 2}
    assert ember.zeros(100, dtype=ember.int32).random_().numpy().min() >= 0
    assert abs(np.log(ember.empty(20000).log_normal_(0.0, 0.5).numpy()).std() - 0.5) < 0.02
    with pytest.raises(RuntimeError,
                       match="uniform_ expects to return a \\[from, to\\) range, but found from=2 > to=1"):
        ember.zeros(2).uniform_(2, 1)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to'"):
        ember.zeros(2).random_(5, 5)


def test_in_place_fill_respects_autograd_rules():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w.normal_()
    with ember.no_grad():
        w.uniform_(-1, 1)
    assert w.requires_grad and w.is_leaf and w._version == 1


def test_rand_family_options():
    g = ember.Generator().manual_seed(0)
    x = ember.rand(2, 3, generator=g, dtype=ember.float64, requires_grad=True)
    assert x.dtype is ember.float64 and x.requires_grad
    like = ember.randn_like(x)
    assert like.dtype is ember.float64 and like.shape == (2, 3) and not like.requires_grad
    ints = ember.randint_like(x, 3, 5)
    assert ints.dtype is ember.float64 and set(np.unique(ints.numpy())) <= {3.0, 4.0}
    assert sorted(ember.randperm(7, generator=g).tolist()) == list(range(7))
    assert ember.randperm(4, dtype=ember.int32).dtype is ember.int32
    values = ember.rand(20000).numpy()
    assert values.min() >= 0 and values.max() < 1 and abs(values.mean() - 0.5) < 0.01
