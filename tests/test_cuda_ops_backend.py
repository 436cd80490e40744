"""Ops that run in the array namespace of their inputs: each case runs once on the CPU and once on
"cuda", and the two must agree (values, gradients) with the cuda answers on the device.

Run wherever ember.cuda.is_available(): under the CuPy stand-in in the subprocess of
tests/test_cuda.py (EMBER_CUDA_STANDIN=1), which refuses any host array that meets a device one, so
an op that makes a NumPy array beside a cuda input, or computes on the host, fails here. Each case
draws its inputs on the host from one seed and moves them, so both runs see the same numbers.
"""
import copy

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

pytestmark = [pytest.mark.skipif(not ember.cuda.is_available(), reason="needs CuPy with a GPU, or the stand-in"),
              pytest.mark.usefixtures("cpu_by_default")]



def leaf(*shape, device, positive=False, seed=0):
    """A float64 leaf drawn on the host from `seed`, moved to `device`."""
    values = np.random.default_rng(seed).standard_normal(shape)
    values = np.abs(values) + 0.5 if positive else values
    return ember.tensor(values, dtype=ember.float64, device=device, requires_grad=True)


def assert_same_on_both(case, rtol=1e-10):
    """case(device) -> a list of tensors (results, then gradients): the cuda list lives on the device
    and equals the CPU list."""
    on_cpu, on_cuda = case("cpu"), case("cuda")
    assert len(on_cpu) == len(on_cuda)
    for expected, got in zip(on_cpu, on_cuda):
        assert got.is_cuda, f"a result left the device: {got.device}"
        assert got.dtype == expected.dtype and tuple(got.shape) == tuple(expected.shape)
        np.testing.assert_allclose(got.detach().cpu().numpy(), expected.detach().numpy(), rtol=rtol, atol=1e-12)


def module_on(module, device):
    return copy.deepcopy(module).double().to(device)


# -- recurrent layers: the zero initial state is made on the input's device --------------------------
@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_recurrent_cells(cell):
    ember.manual_seed(0)
    module = getattr(nn, cell)(3, 4)

    def case(device):
        layer = module_on(module, device)
        x = leaf(2, 3, device=device)
        out = layer(x)
        out = out[0] + out[1] if isinstance(out, tuple) else out
        out.pow(2).sum().backward()
        return [out, x.grad] + [p.grad for p in layer.parameters()]
    assert_same_on_both(case)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers(kind):
    ember.manual_seed(0)
    module = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True)

    def case(device):
        layer = module_on(module, device)
        x = leaf(2, 5, 3, device=device)
        out, state = layer(x)
        hidden = state[0] if kind == "LSTM" else state
        (out.pow(2).sum() + hidden.sum()).backward()
        return [out, hidden, x.grad] + [p.grad for p in layer.parameters()]
    assert_same_on_both(case)


def test_packed_sequences_stay_on_the_device():
    def case(device):
        sequences = [leaf(4, 2, device=device, seed=1), leaf(2, 2, device=device, seed=2)]
        padded = nn.utils.rnn.pad_sequence(sequences, padding_value=-1.0)
        packed = nn.utils.rnn.pack_padded_sequence(padded, [4, 2])
        unpacked, lengths = nn.utils.rnn.pad_packed_sequence(packed, total_length=6, padding_value=0.5)
        unpacked.pow(2).sum().backward()
        assert lengths.tolist() == [4, 2]
        return [padded, unpacked, sequences[0].grad, sequences[1].grad]
    assert_same_on_both(case)


# -- attention and transformers: causal masks on the device ------------------------------------------
def test_causal_scaled_dot_product_attention():
    def case(device):
        q, k, v = (leaf(2, 4, 3, device=device, seed=seed) for seed in (1, 2, 3))
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.pow(2).sum().backward()
        return [out, q.grad, k.grad, v.grad]
    assert_same_on_both(case)


def test_generate_square_subsequent_mask_on_a_device():
    mask = nn.Transformer.generate_square_subsequent_mask(3, device="cuda")
    assert mask.is_cuda
    assert mask.cpu().tolist() == nn.Transformer.generate_square_subsequent_mask(3).tolist()
    assert mask.cpu().tolist() == [[0.0, -np.inf, -np.inf], [0.0, 0.0, -np.inf], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize("boolean", [False, True], ids=["float-mask", "bool-mask"])
def test_transformer_encoder_layer_with_a_mask(boolean):
    ember.manual_seed(0)
    module = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)

    def case(device):
        layer = module_on(module, device)
        x = leaf(4, 2, 8, device=device)
        mask = nn.Transformer.generate_square_subsequent_mask(4, device=device, dtype=ember.float64)
        out = layer(x, src_mask=mask.isinf() if boolean else mask, is_causal=True)
        out.pow(2).sum().backward()
        return [out, x.grad, layer.self_attn.in_proj_weight.grad]
    assert_same_on_both(case)


# -- vision ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(2, 1, 4, 5), (2, 1, 3, 4, 2)], ids=["2d", "3d"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners):
    def case(device):
        theta = leaf(2, len(size) - 2, len(size) - 1, device=device)
        grid = F.affine_grid(theta, size, align_corners=align_corners)
        grid.pow(2).sum().backward()
        return [grid, theta.grad]
    assert_same_on_both(case)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool(dims):
    pool, unpool = getattr(F, f"max_pool{dims}d"), getattr(F, f"max_unpool{dims}d")

    def case(device):
        x = leaf(1, 2, *(4,) * dims, device=device)
        pooled, indices = pool(x, 2, return_indices=True)
        out = unpool(pooled, indices, 2)
        (out * out).sum().backward()
        return [out, indices, x.grad]
    assert_same_on_both(case)


def test_max_pool3d_indices():
    def case(device):
        x = leaf(1, 2, 5, 4, 6, device=device)
        out, indices = F.max_pool3d(x, 2, return_indices=True)
        adaptive, adaptive_indices = F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True)
        (out.sum() + adaptive.pow(2).sum()).backward()
        return [out, indices, adaptive, adaptive_indices, x.grad]
    assert_same_on_both(case)


# -- special functions and random samples ------------------------------------------------------------
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma(name):
    def case(device):
        a = leaf(5, device=device, positive=True, seed=1).detach()
        x = leaf(5, device=device, positive=True, seed=2)
        out = getattr(ember.special, name)(a, x)
        out.sum().backward()
        return [out, x.grad]
    assert_same_on_both(case)


@pytest.mark.parametrize("distribution", ["Gamma", "Beta"])
def test_gamma_and_beta_samples_are_drawn_alike_and_differentiate_on_the_device(distribution):
    def case(device):
        ember.manual_seed(3)
        a = leaf(4, device=device, positive=True, seed=1)
        b = leaf(4, device=device, positive=True, seed=2)
        sample = getattr(ember.distributions, distribution)(a, b).rsample((3,))
        sample.sum().backward()
        return [sample, a.grad, b.grad]
    assert_same_on_both(case, rtol=1e-7)  # the implicit gradient divides central differences


# -- fft: the transforms run in the input's namespace (numpy.fft on the host, cupy.fft on a GPU) ------
FFT_CASES = [("fft", {"n": 5}), ("ifft", {}), ("rfft", {"n": 7}), ("irfft", {}), ("hfft", {}), ("ihfft", {}),
             ("fft2", {}), ("ifft2", {"s": (3, 4)}), ("rfft2", {}), ("irfft2", {}), ("fftn", {"norm": "ortho"}),
             ("rfftn", {"norm": "forward"}), ("irfftn", {"s": (4, 6)})]


@pytest.mark.parametrize("name,options", FFT_CASES, ids=[case[0] for case in FFT_CASES])
def test_fft_transforms(name, options):
    def case(device):
        x = leaf(4, 6, device=device)
        y = getattr(ember.fft, name)(x, **options)
        (y.abs() if y.is_complex() else y).pow(2).sum().backward()
        return [y, x.grad]
    assert_same_on_both(case)


def test_fft_of_a_complex_input_and_its_shift():
    def case(device):
        rng = np.random.default_rng(1)
        values = rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))
        z = ember.tensor(values, dtype=ember.complex128, device=device, requires_grad=True)
        y = ember.fft.fftshift(ember.fft.fft(z))
        y.abs().sum().backward()
        return [y, z.grad]
    assert_same_on_both(case)


def test_fft_frequencies_on_a_device():
    for name in ("fftfreq", "rfftfreq"):
        frequencies = getattr(ember.fft, name)(6, 0.5, device="cuda")
        assert frequencies.is_cuda and frequencies.tolist() == getattr(ember.fft, name)(6, 0.5).tolist()


# -- the device fixes of the last round: answers that used to be made on the host ---------------------
def test_reductions_over_nothing_and_of_a_0d_tensor():
    def case(device):
        empty = ember.zeros(0, dtype=ember.float64, device=device)
        scalar = ember.tensor(3.0, dtype=ember.float64, device=device)
        values, indices = scalar.max(0)
        return [ember.median(empty), empty.reshape(0, 3).mean(0), values, indices, scalar.argmax(0), scalar.argmin()]
    assert_same_on_both(case)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantiles(name, interpolation):
    def case(device):
        x = leaf(3, 5, device=device)
        with ember.no_grad():
            x[1, 2] = float("nan")
        q = ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64, device=device)
        out = getattr(ember, name)(x, q, dim=1, interpolation=interpolation)
        ember.nan_to_num(out, 0.0).sum().backward()
        return [out, getattr(ember, name)(x, 0.25), x.grad]
    assert_same_on_both(case)


def test_margin_losses():
    def case(device):
        x = leaf(3, 4, device=device)
        target = ember.tensor([1, 0, 3], device=device)
        labels = ember.tensor([[1, 2, -1, 0], [0, -1, 0, 0], [3, 1, 0, -1]], device=device)
        weight = ember.tensor([1.0, 0.5, 2.0, 1.5], dtype=ember.float64, device=device)
        losses = [F.multi_margin_loss(x, target), F.multi_margin_loss(x, target, p=2, margin=0.5, weight=weight),
                  F.multi_margin_loss(x, target, reduction="none"), F.multilabel_margin_loss(x, labels),
                  F.multilabel_margin_loss(x, labels, reduction="none")]
        sum(loss.sum() for loss in losses).backward()
        return losses + [x.grad]
    assert_same_on_both(case)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    def case(device):
        weight = leaf(6, 3, device=device)
        indices = ember.tensor([0, 2, 4, 5, 4, 3, 2, 1], device=device)
        offsets = ember.tensor([0, 3, 3, 6], device=device)
        out = F.embedding_bag(indices, weight, offsets, mode=mode, padding_idx=None if mode == "max" else 2)
        out.pow(2).sum().backward()
        return [out, weight.grad]
    assert_same_on_both(case)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_3d_pads(mode):
    def case(device):
        x = leaf(1, 2, 3, 4, 3, device=device)
        out = F.pad(x, (1, 2, 0, 1, 2, 1), mode=mode)
        out.pow(2).sum().backward()
        return [out, x.grad]
    assert_same_on_both(case)


def test_the_inverse_of_a_singular_matrix_on_a_device_says_so_as_on_the_cpu():
    messages = []
    for device in ("cpu", "cuda"):
        with pytest.raises(ember.linalg.LinAlgError) as raised:
            ember.linalg.inv(ember.tensor([[1.0, 2.0], [2.0, 4.0]], device=device))
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "singular" in messages[0]


# -- scatter-adds through the backend (ufunc.at: CuPy has add/subtract only, the rest via the backend) --
SCATTER_CASES = [
    ("scatter_add", lambda x, i, s: x.scatter_add(0, i, s)),
    ("scatter_multiply", lambda x, i, s: x.detach().scatter(0, i, s.detach(), reduce="multiply")),
    ("scatter_reduce_prod", lambda x, i, s: x.scatter_reduce(0, i, s, "prod")),
    ("scatter_reduce_mean", lambda x, i, s: x.scatter_reduce(0, i, s, "mean", include_self=False)),
    ("scatter_reduce_amax", lambda x, i, s: x.scatter_reduce(0, i, s, "amax")),
    ("index_add", lambda x, i, s: x.index_add(0, i, s, alpha=2.0)),
    ("index_put_accumulate", lambda x, i, s: x.index_put((i,), s, accumulate=True)),
    ("put_accumulate", lambda x, i, s: (x * 1).put_(i, s, accumulate=True)),
    ("repeated_index_backward", lambda x, i, s: x[i] * s),
    ("unfold_backward", lambda x, i, s: x.unfold(0, 3, 1) * 2),
    ("embedding_backward", lambda x, i, s: F.embedding(i, x.reshape(5, 1)).squeeze(1) * s),
]


@pytest.mark.parametrize("name,expression", SCATTER_CASES, ids=[case[0] for case in SCATTER_CASES])
def test_scatters(name, expression):
    def case(device):
        x, source = leaf(5, device=device, seed=1), leaf(4, device=device, seed=2)
        index = ember.tensor([0, 3, 0, 4], device=device)
        out = expression(x, index, source)
        if not out.requires_grad:
            return [out]
        out.pow(2).sum().backward()
        return [out, x.grad, source.grad] if source.grad is not None else [out, x.grad]
    assert_same_on_both(case)


def test_half_casts_on_the_device():
    def case(device):
        x = ember.tensor([1.0, 70000.0, -1e6, 0.1], dtype=ember.float64, device=device)
        return [x.half(), x.bfloat16().float(), x.half().float()]
    on_cpu, on_cuda = case("cpu"), case("cuda")
    for expected, got in zip(on_cpu, on_cuda):
        assert got.is_cuda and got.dtype == expected.dtype and got.cpu().tolist() == expected.tolist()


# -- distributions: parameters made from numbers, samples and their moments on the parameters' device -----
def _eye(device):
    return ember.eye(2, dtype=ember.float64, device=device) * 2


DISTRIBUTIONS = {
    "Normal": lambda p, q: ember.distributions.Normal(p, 1.5),
    "Uniform": lambda p, q: ember.distributions.Uniform(p, p + q),
    "Bernoulli": lambda p, q: ember.distributions.Bernoulli(probs=p / (p + q)),
    "Categorical": lambda p, q: ember.distributions.Categorical(probs=p / p.sum()),
    "Gamma": lambda p, q: ember.distributions.Gamma(p, q),
    "Beta": lambda p, q: ember.distributions.Beta(p, q),
    "Poisson": lambda p, q: ember.distributions.Poisson(p * 3),
    "Binomial": lambda p, q: ember.distributions.Binomial(5, probs=p / (p + q)),
    "MultivariateNormal": lambda p, q: ember.distributions.MultivariateNormal(p[:2], _eye(p.device)),
    "MultivariateNormal_precision": lambda p, q: ember.distributions.MultivariateNormal(
        p[:2], precision_matrix=_eye(p.device)),
}


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_distributions(name):
    def case(device):
        ember.manual_seed(5)
        p, q = leaf(4, device=device, positive=True, seed=1), leaf(4, device=device, positive=True, seed=2)
        distribution = DISTRIBUTIONS[name](p, q)
        drawn = distribution.rsample((3,)) if distribution.has_rsample else distribution.sample((3,))
        results = [drawn, distribution.log_prob(distribution.sample()), distribution.mean, distribution.variance]
        for extra in (distribution.entropy, distribution.enumerate_support):
            try:
                results.append(extra())
            except NotImplementedError:  # not every distribution has them
                pass
        results.append(ember.distributions.kl_divergence(distribution, DISTRIBUTIONS[name](q, p))
                       if name in ("Normal", "Bernoulli", "Categorical", "Gamma", "Beta", "Poisson") else drawn)
        sum(r.nan_to_num(0.0).sum() for r in results if r.dtype.is_floating_point).backward()
        return results + [p.grad]
    assert_same_on_both(case, rtol=1e-7)
