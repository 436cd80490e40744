"""Transformer and its decoder, DataParallel, nn.attention and the Module helpers real code calls,
against torch: same weights give the same outputs and gradients; reprs, state_dict keys and errors
are torch's."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")


def copy_weights(theirs, mine):
    mine_parameters = dict(mine.named_parameters())
    assert list(mine_parameters) == [name for name, _ in theirs.named_parameters()]
    for name, value in theirs.named_parameters():
        mine_parameters[name].data = ember.tensor(value.detach().double().numpy())


def close(mine, theirs, tol=1e-9):
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch_with_masks(norm_first, batch_first):
    rng = np.random.default_rng(0)
    options = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
                   batch_first=batch_first, norm_first=norm_first)
    theirs, mine = torch.nn.Transformer(**options).double().eval(), nn.Transformer(**options).double().eval()
    assert repr(mine) == repr(theirs)
    copy_weights(theirs, mine)
    source, target = rng.standard_normal((5, 3, 8)), rng.standard_normal((4, 3, 8))
    if batch_first:
        source, target = source.transpose(1, 0, 2).copy(), target.transpose(1, 0, 2).copy()
    padding = np.zeros((3, 5), dtype=bool)
    padding[1, 3:] = True
    their_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    my_mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    close(my_mask, their_mask)
    ts, es = torch.tensor(source, requires_grad=True), ember.tensor(source, requires_grad=True)
    tt, et = torch.tensor(target, requires_grad=True), ember.tensor(target, requires_grad=True)
    their_out = theirs(ts, tt, tgt_mask=their_mask, src_key_padding_mask=torch.tensor(padding),
                       memory_key_padding_mask=torch.tensor(padding))
    my_out = mine(es, et, tgt_mask=my_mask, src_key_padding_mask=ember.tensor(padding),
                  memory_key_padding_mask=ember.tensor(padding))
    close(my_out, their_out)
    grad = rng.standard_normal(tuple(their_out.shape))
    their_out.backward(torch.tensor(grad))
    my_out.backward(ember.tensor(grad))
    close(es.grad, ts.grad)
    close(et.grad, tt.grad)
    mine_parameters = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        close(mine_parameters[name].grad, value.grad)


def test_decoder_stack_and_layer_match_torch():
    rng = np.random.default_rng(1)
    make = lambda lib: lib.nn.TransformerDecoder(  # noqa: E731
        lib.nn.TransformerDecoderLayer(6, 3, 12, dropout=0.0, activation="gelu"), 2, norm=lib.nn.LayerNorm(6))
    theirs, mine = make(torch).double(), make(ember).double()
    assert repr(mine) == repr(theirs)
    copy_weights(theirs, mine)
    target, memory = rng.standard_normal((4, 2, 6)), rng.standard_normal((5, 2, 6))
    close(mine(ember.tensor(target), ember.tensor(memory), tgt_is_causal=True,
               tgt_mask=nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)),
          theirs(torch.tensor(target), torch.tensor(memory), tgt_is_causal=True,
                 tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)))
    assert nn.modules.transformer._get_activation_fn("gelu") is F.gelu
    with pytest.raises(RuntimeError):
        nn.modules.transformer._get_activation_fn("swish")


def test_transformer_checks_batch_and_feature_sizes_as_torch():
    for lib in (torch, ember):
        model = lib.nn.Transformer(8, 2, 1, 1, 16)
        with pytest.raises(RuntimeError, match="batch number"):
            model(lib.randn(5, 3, 8), lib.randn(4, 2, 8))
        with pytest.raises(RuntimeError, match="feature number"):
            model(lib.randn(5, 3, 8), lib.randn(4, 3, 6))


def test_transformer_initialises_matrices_with_xavier_uniform():
    model = nn.Transformer(16, 2, 1, 1, 32)
    weight = model.encoder.layers[0].linear1.weight.detach().numpy()  # (32, 16): bound sqrt(6 / 48)
    assert np.abs(weight).max() <= np.sqrt(6 / 48) and np.abs(weight).max() > 0.5 * np.sqrt(6 / 48)


def test_data_parallel_wraps_and_forwards_as_torch_on_cpu():
    theirs = torch.nn.DataParallel(torch.nn.Linear(2, 3)).double()
    mine = nn.DataParallel(nn.Linear(2, 3)).double()
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["module.weight", "module.bias"]
    assert mine.device_ids == theirs.device_ids == []
    copy_weights(theirs, mine)
    x = np.random.default_rng(2).standard_normal((4, 2))
    close(mine(ember.tensor(x)), theirs(torch.tensor(x)))
    assert nn.parallel.DataParallel is nn.DataParallel
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="device type could not be determined"):
            lib.nn.parallel.data_parallel(lib.nn.Linear(2, 3), lib.randn(4, 2))


def test_sdpa_kernel_enables_backends_as_torchs_cpu_build():
    q = np.random.default_rng(3).standard_normal((1, 2, 3, 4))
    for name in ("MATH", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION"):
        mine_backend, their_backend = getattr(nn.attention.SDPBackend, name), getattr(torch.nn.attention.SDPBackend,
                                                                                     name)
        assert int(mine_backend) == their_backend.value and repr(mine_backend) == repr(their_backend)
        assert str(mine_backend) == str(their_backend)
        outcomes = []
        for lib, backend in ((torch, their_backend), (ember, mine_backend)):
            with lib.nn.attention.sdpa_kernel(backend):
                try:
                    outcomes.append(lib.nn.functional.scaled_dot_product_attention(*[lib.tensor(q)] * 3).numpy())
                except RuntimeError as error:
                    outcomes.append(type(error))
        if isinstance(outcomes[0], type):
            assert outcomes[1] is outcomes[0]
        else:
            np.testing.assert_allclose(outcomes[1], outcomes[0], rtol=1e-12)
    with ember.nn.attention.sdpa_kernel([nn.attention.SDPBackend.CUDNN_ATTENTION, nn.attention.SDPBackend.MATH]):
        F.scaled_dot_product_attention(*[ember.tensor(q)] * 3)
    with pytest.raises(AssertionError):
        with ember.nn.attention.sdpa_kernel("math"):
            pass


def test_module_helpers_real_code_calls():
    for lib in (torch, ember):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU())
        model.set_submodule("1", lib.nn.Tanh())
        assert type(model[1]).__name__ == "Tanh"
        with pytest.raises(AttributeError):
            model.set_submodule("0.weight", lib.nn.Tanh())
        assert model.to_empty(device="cpu") is model and tuple(model[0].weight.shape) == (3, 2)
    model = nn.Linear(2, 2)
    assert model.compile() is None and model(ember.ones(1, 2)).shape == (1, 2)


def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()
    return Symmetric()


def test_register_parametrization_matches_torch():
    x = np.random.default_rng(20).standard_normal((2, 3))
    models = {}
    for lib in (torch, ember):
        model = lib.nn.Linear(3, 3).double()
        lib.nn.utils.parametrize.register_parametrization(model, "weight", _symmetric(lib))
        models[lib] = model
    theirs, mine = models[torch], models[ember]
    assert type(mine).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert repr(mine).replace("Symmetric", "S") == repr(theirs).replace("Symmetric", "S")
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict({k: ember.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    close(mine.weight, theirs.weight)
    np.testing.assert_allclose(mine.weight.detach().numpy(), mine.weight.detach().numpy().T)
    theirs(torch.tensor(x)).sum().backward()
    mine(ember.tensor(x)).sum().backward()
    close(mine.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
    parametrize = ember.nn.utils.parametrize
    assert parametrize.is_parametrized(mine) and parametrize.is_parametrized(mine, "weight")
    assert not parametrize.is_parametrized(mine, "bias")
    assert parametrize.type_before_parametrizations(mine) is nn.Linear
    with parametrize.cached():
        assert mine.weight is mine.weight
    target = np.random.default_rng(21).standard_normal((3, 3))
    target = target + target.T
    mine.weight = ember.tensor(target)  # through right_inverse
    theirs.weight = torch.tensor(target)
    close(mine.weight, theirs.weight)
    for lib, model in models.items():
        lib.nn.utils.parametrize.remove_parametrizations(model, "weight")
    assert type(mine) is nn.Linear and sorted(mine.state_dict()) == sorted(theirs.state_dict()) == ["bias", "weight"]
    close(mine.weight, theirs.weight)


def test_parametrization_may_not_change_the_shape_unless_unsafe():
    class FirstRow(nn.Module):
        def forward(self, x):
            return x[:1]
    model = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="shape"):
        ember.nn.utils.parametrize.register_parametrization(model, "weight", FirstRow())
    ember.nn.utils.parametrize.register_parametrization(model, "weight", FirstRow(), unsafe=True)
    assert tuple(model.weight.shape) == (1, 3)
    with pytest.raises(ValueError):
        ember.nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "scale", FirstRow())


def _flex_case(lib):
    import importlib
    flex = importlib.import_module(lib.__name__ + ".nn.attention.flex_attention")
    causal = lambda b, h, q, k: q >= k  # noqa: E731
    window = lambda b, h, q, k: (q - k).abs() <= 2  # noqa: E731
    mask = flex.create_block_mask(flex.and_masks(causal, window), None, 2, 6, 6, device="cpu")
    return flex, mask, (lambda s, b, h, q, k: s + (q - k) * 0.1 + h)


@pytest.mark.filterwarnings("ignore")
def test_flex_attention_matches_torchs_eager_reference():
    arrays = [np.random.default_rng(22 + i).standard_normal((2, 2, 6, 4)) for i in range(3)]
    (t_flex, t_mask, t_mod), (e_flex, e_mask, e_mod) = _flex_case(torch), _flex_case(ember)
    t_out, t_lse = t_flex.flex_attention(*[torch.tensor(a) for a in arrays], score_mod=t_mod, block_mask=t_mask,
                                         return_lse=True)
    e_out, e_lse = e_flex.flex_attention(*[ember.tensor(a) for a in arrays], score_mod=e_mod, block_mask=e_mask,
                                         return_lse=True)
    close(e_out, t_out)
    close(e_lse, t_lse)
    nothing = lambda b, h, q, k: k > q + 10  # noqa: E731  every row fully masked: zeros, as torch
    out = e_flex.flex_attention(*[ember.tensor(a) for a in arrays],
                                block_mask=e_flex.create_block_mask(nothing, None, None, 6, 6))
    theirs = t_flex.flex_attention(*[torch.tensor(a) for a in arrays],
                                   block_mask=t_flex.create_block_mask(nothing, None, None, 6, 6, device="cpu"))
    close(out, theirs)


def test_flex_attention_is_differentiable_in_ember():
    # torch refuses backward on CPU; ember's composition differentiates (checked by finite differences)
    flex, mask, mod = _flex_case(ember)
    inputs = [ember.tensor(np.random.default_rng(30 + i).standard_normal((1, 2, 6, 3)), requires_grad=True)
              for i in range(3)]
    assert ember.autograd.gradcheck(lambda q, k, v: flex.flex_attention(q, k, v, score_mod=mod, block_mask=mask),
                                    inputs)
