"""ember.nn layers against torch: the same weights give the same outputs, gradients, running
statistics, parameter names and reprs; bad shapes raise torch's errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402

TF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")


def copy_weights(theirs, mine):
    """Give `mine` torch's parameters and buffers (same names), in float64."""
    mine_state = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        mine_state[name].data = ember.tensor(value.detach().double().cpu().numpy())
    for name, value in theirs.named_buffers():
        if value is not None and value.dtype.is_floating_point:
            dict(mine.named_buffers())[name].data = ember.tensor(value.double().cpu().numpy())


def pair_inputs(shape, seed=0, positive=False):
    array = np.random.default_rng(seed).standard_normal(shape)
    if positive:
        array = np.abs(array) + 0.5
    return torch.tensor(array, requires_grad=True), ember.tensor(array, requires_grad=True)


def close(mine, theirs, tol=1e-9):
    np.testing.assert_allclose(mine.detach().cpu().numpy(), theirs.detach().cpu().numpy(), rtol=tol, atol=tol)


def run_both(theirs, mine, shape, *extra, seed=0):
    """Forward both modules on the same input and backprop the same random grad; compare all."""
    copy_weights(theirs, mine)
    theirs, mine = theirs.double(), mine.double()
    tx, ex = pair_inputs(shape, seed)
    to, eo = theirs(tx, *extra), mine(ex, *extra)
    to, eo = (to[0], eo[0]) if isinstance(to, tuple) else (to, eo)
    assert tuple(eo.shape) == tuple(to.shape)
    close(eo, to)
    grad = np.random.default_rng(seed + 1).standard_normal(tuple(to.shape))
    to.backward(torch.tensor(grad))
    eo.backward(ember.tensor(grad))
    close(ex.grad, tx.grad)
    mine_parameters = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        close(mine_parameters[name].grad, value.grad)
    return eo, to


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
    lambda lib: lib.nn.Conv2d(4, 3, (3, 2), padding="same", dilation=(2, 1), bias=False),
    lambda lib: lib.nn.Conv2d(4, 3, 3, padding=1, padding_mode="reflect"),
    lambda lib: lib.nn.Conv2d(4, 3, 3, padding=(2, 1), padding_mode="circular"),
    lambda lib: lib.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, dilation=1),
    lambda lib: lib.nn.ConvTranspose2d(4, 4, 2, stride=(2, 3), groups=2, dilation=2, output_padding=(1, 0)),
], ids=["groups", "same", "reflect", "circular", "transpose", "transpose_groups"])
def test_conv2d_modules_match_torch(make):
    eo, to = run_both(make(torch), make(ember), (2, 4, 7, 6))
    assert type(eo.grad_fn).__name__ == "ConvolutionBackward0"
    assert repr(make(ember)) == repr(make(torch))


def test_conv1d_module_and_unbatched_input():
    run_both(torch.nn.Conv1d(3, 4, 3, stride=2, padding=2), nn.Conv1d(3, 4, 3, stride=2, padding=2), (2, 3, 9))
    run_both(torch.nn.Conv2d(3, 2, 2), nn.Conv2d(3, 2, 2), (3, 5, 5))


def test_conv_initialisation_follows_torch_bounds():
    conv = nn.Conv2d(3, 8, 3)
    bound = 1 / np.sqrt(3 * 9)
    weight, bias = conv.weight.detach().cpu().numpy(), conv.bias.detach().cpu().numpy()
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > bound * 0.5  # drawn over the whole range, not near zero
    assert list(dict(conv.state_dict()).keys()) == list(torch.nn.Conv2d(3, 8, 3).state_dict().keys())
    assert tuple(nn.ConvTranspose2d(3, 8, 2, groups=1).weight.shape) == (3, 8, 2, 2)


def test_conv_errors_match_torch():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match="expected input.* to have 3 channels, but got 2 channels"):
        conv(ember.zeros(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        conv(ember.zeros(5, 5))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        conv(ember.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(RuntimeError):
        torch.nn.Conv2d(3, 4, 3)(torch.zeros(1, 2, 5, 5))


@pytest.mark.parametrize("make,shape", [
    (lambda lib: lib.nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 6)),
    (lambda lib: lib.nn.MaxPool2d((2, 3), dilation=(2, 1)), (2, 3, 7, 6)),
    (lambda lib: lib.nn.MaxPool1d(3, 2, 1), (2, 3, 9)),
    (lambda lib: lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 7, 6)),
    (lambda lib: lib.nn.AvgPool1d(2), (2, 3, 9)),
    (lambda lib: lib.nn.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 6)),
    (lambda lib: lib.nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
    (lambda lib: lib.nn.AdaptiveMaxPool2d(3), (2, 3, 7, 6)),
], ids=["max2d", "max2d_dilation", "max1d", "avg2d", "avg1d", "adaptive_avg2d", "adaptive_avg1d", "adaptive_max"])
def test_pooling_modules_match_torch(make, shape):
    eo, to = run_both(make(torch), make(ember), shape)
    assert type(eo.grad_fn).__name__ == type(to.grad_fn).__name__
    assert repr(make(ember)) == repr(make(torch))


def test_max_pool_indices_match_torch():
    tx, ex = pair_inputs((2, 2, 6, 5))
    _, their_indices = TF.max_pool2d(tx, 3, 2, 1, return_indices=True, ceil_mode=True)
    _, my_indices = F.max_pool2d(ex, 3, 2, 1, return_indices=True, ceil_mode=True)
    assert my_indices.dtype is ember.int64
    np.testing.assert_array_equal(my_indices.cpu().numpy(), their_indices.cpu().numpy())


def _batch_norm_pair(make, steps, shape):
    theirs, mine = make(torch).double(), make(ember).double()
    for step in range(steps):
        tx, ex = pair_inputs(shape, seed=step)
        close(mine(ex), theirs(tx))
    for name, value in theirs.named_buffers():
        if value is not None:
            np.testing.assert_allclose(dict(mine.named_buffers())[name].cpu().numpy(), value.cpu().numpy(), rtol=1e-12)
    return theirs, mine


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batch_norm_running_statistics_match_torch(momentum):
    theirs, mine = _batch_norm_pair(lambda lib: lib.nn.BatchNorm2d(3, momentum=momentum), 3, (4, 3, 2, 2))
    assert mine.num_batches_tracked.item() == 3
    theirs.eval(), mine.eval()
    run_both(theirs, mine, (4, 3, 2, 2), seed=7)


def test_batch_norm1d_variants():
    run_both(torch.nn.BatchNorm1d(3), nn.BatchNorm1d(3), (5, 3))
    run_both(torch.nn.BatchNorm1d(3, affine=False), nn.BatchNorm1d(3, affine=False), (5, 3, 4))
    theirs, mine = _batch_norm_pair(lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False), 2, (4, 3))
    assert mine.running_mean is None and "running_mean" not in dict(mine.state_dict())
    mine.eval()
    theirs.eval()
    run_both(theirs, mine, (4, 3))  # without running statistics, eval mode uses the batch's
    assert list(dict(nn.BatchNorm2d(2).state_dict())) == list(torch.nn.BatchNorm2d(2).state_dict())
    assert repr(nn.BatchNorm2d(2, momentum=None)) == repr(torch.nn.BatchNorm2d(2, momentum=None))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.zeros(1, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(ember.zeros(2, 4, 2, 2))


@pytest.mark.parametrize("make,shape", [
    (lambda lib: lib.nn.LayerNorm((3, 4)), (2, 3, 4)),
    (lambda lib: lib.nn.LayerNorm(4, elementwise_affine=False), (2, 3, 4)),
    (lambda lib: lib.nn.LayerNorm(4, bias=False), (2, 4)),
    (lambda lib: lib.nn.GroupNorm(2, 4), (2, 4, 3, 2)),
    (lambda lib: lib.nn.GroupNorm(4, 4, affine=False), (2, 4, 5)),
], ids=["layer", "layer_plain", "layer_nobias", "group", "group_plain"])
def test_layer_and_group_norm_match_torch(make, shape):
    eo, to = run_both(make(torch), make(ember), shape)
    assert type(eo.grad_fn).__name__ == type(to.grad_fn).__name__
    assert repr(make(ember)) == repr(make(torch))


def test_layer_norm_shape_error():
    with pytest.raises(RuntimeError, match="Given normalized_shape=\\[5\\], expected input with shape \\[\\*, 5\\]"):
        nn.LayerNorm(5)(ember.zeros(2, 4))


def test_dropout_train_eval_and_edge_cases():
    x = ember.ones(200, 50, requires_grad=True)
    drop = nn.Dropout(0.3)
    out = drop(x)
    values = out.detach().cpu().numpy()
    assert set(np.unique(values)).issubset({0.0, np.float32(1 / 0.7)})
    assert 0.25 < (values == 0).mean() < 0.35
    assert type(out.grad_fn).__name__ == "MulBackward0"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), values)  # the gradient goes through the same mask
    drop.eval()
    assert drop(x) is x
    assert F.dropout(x, 0.0) is x  # as torch: p=0 returns the input itself
    zeros = F.dropout(x, 1.0)
    assert not zeros.detach().cpu().numpy().any() and type(zeros.grad_fn).__name__ == "MulBackward0"
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    y = ember.ones(3, 4)
    assert F.dropout(y, 0.5, inplace=True) is y
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))


def test_dropout2d_zeroes_whole_channels():
    out = nn.Dropout2d(0.5)(ember.ones(8, 16, 3, 3)).cpu().numpy()
    per_channel = out.reshape(8, 16, -1)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
    assert set(np.unique(out)).issubset({0.0, 2.0})


def test_embedding_matches_torch_with_padding_idx():
    theirs, mine = torch.nn.Embedding(6, 3, padding_idx=2), nn.Embedding(6, 3, padding_idx=2)
    assert not mine.weight.detach().cpu().numpy()[2].any()
    copy_weights(theirs, mine)
    theirs = theirs.double()
    indices = [[1, 2, 5], [2, 0, 1]]
    to, eo = theirs(torch.tensor(indices)), mine(ember.tensor(indices))
    close(eo, to)
    assert type(eo.grad_fn).__name__ == "EmbeddingBackward0"
    grad = np.random.default_rng(0).standard_normal((2, 3, 3))
    to.backward(torch.tensor(grad))
    eo.backward(ember.tensor(grad))
    close(mine.weight.grad, theirs.weight.grad)
    assert not mine.weight.grad.cpu().numpy()[2].any()
    assert repr(mine) == repr(theirs)


def test_embedding_from_pretrained_and_max_norm():
    weights = np.arange(12.0).reshape(4, 3)
    mine = nn.Embedding.from_pretrained(ember.tensor(weights))
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weights))
    assert not mine.weight.requires_grad
    close(mine(ember.tensor([3, 0])), theirs(torch.tensor([3, 0])))
    mine = nn.Embedding.from_pretrained(ember.tensor(weights), max_norm=2.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weights), max_norm=2.0)
    close(mine(ember.tensor([1, 3])), theirs(torch.tensor([1, 3])), tol=1e-6)
    close(mine.weight, theirs.weight, tol=1e-6)  # the looked-up rows were renormalised in place
    with pytest.raises(IndexError, match="index out of range in self"):
        nn.Embedding(3, 2)(ember.tensor([3]))


def _run_recurrent(make, shape, hidden=None, batch_first=False):
    theirs, mine = make(torch), make(ember)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [tuple(p.shape) for p in mine.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    copy_weights(theirs, mine)
    theirs = theirs.double()
    tx, ex = pair_inputs(shape)
    args_t, args_e = (tx,), (ex,)
    if hidden is not None:
        arrays = [np.random.default_rng(9 + i).standard_normal(hidden) for i in range(2)]
        if isinstance(theirs, torch.nn.LSTM):
            args_t += (tuple(torch.tensor(a) for a in arrays),)
            args_e += (tuple(ember.tensor(a) for a in arrays),)
        else:
            args_t += (torch.tensor(arrays[0]),)
            args_e += (ember.tensor(arrays[0]),)
    to, th = theirs(*args_t)
    eo, eh = mine(*args_e)
    close(eo, to)
    for mine_h, their_h in zip(eh if isinstance(eh, tuple) else (eh,), th if isinstance(th, tuple) else (th,)):
        close(mine_h, their_h)
    last_t = th[1] if isinstance(th, tuple) else th
    last_e = eh[1] if isinstance(eh, tuple) else eh
    (to.sum() + 2 * (last_t ** 2).sum()).backward()
    (eo.sum() + 2 * (last_e ** 2).sum()).backward()
    close(ex.grad, tx.grad)
    for (name, mine_p), (_, their_p) in zip(mine.named_parameters(), theirs.named_parameters()):
        close(mine_p.grad, their_p.grad)
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_bidirectional_multilayer_match_torch(kind):
    _run_recurrent(lambda lib: getattr(lib.nn, kind)(3, 4, num_layers=2, bidirectional=True), (5, 2, 3),
                   hidden=(4, 2, 4))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers_batch_first_and_unbatched(kind):
    _run_recurrent(lambda lib: getattr(lib.nn, kind)(3, 4, batch_first=True, bias=False), (2, 5, 3))
    _run_recurrent(lambda lib: getattr(lib.nn, kind)(3, 4), (5, 3))


def test_rnn_relu_and_errors():
    _run_recurrent(lambda lib: lib.nn.RNN(3, 4, 2, "relu"), (4, 2, 3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        nn.LSTM(3, 4)(ember.zeros(5, 2, 2))
    with pytest.raises(RuntimeError, match="Expected hidden size \\(1, 2, 4\\), got \\[1, 3, 4\\]"):
        nn.GRU(3, 4)(ember.zeros(5, 2, 3), ember.zeros(1, 3, 4))


def test_rnn_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    lstm.eval()
    x = ember.randn(5, 2, 3)
    first, _ = lstm(x)
    second, _ = lstm(x)
    np.testing.assert_array_equal(first.detach().cpu().numpy(), second.detach().cpu().numpy())


def _attention_pair(batch_first=False, **kwargs):
    theirs = torch.nn.MultiheadAttention(6, 2, batch_first=batch_first, **kwargs)
    mine = nn.MultiheadAttention(6, 2, batch_first=batch_first, **kwargs)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    copy_weights(theirs, mine)
    return theirs.double(), mine


@pytest.mark.parametrize("masks", ["none", "bool", "float", "padding", "both"])
def test_multihead_attention_matches_torch(masks):
    theirs, mine = _attention_pair()
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((4, 2, 6)), rng.standard_normal((5, 2, 6))
    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    eq, ek = ember.tensor(q, requires_grad=True), ember.tensor(k, requires_grad=True)
    kwargs_t, kwargs_e = {}, {}
    causal = np.triu(np.ones((4, 5), dtype=bool), 1)
    padding = np.array([[False] * 4 + [True], [False] * 5])
    if masks in ("bool", "both"):
        kwargs_t["attn_mask"], kwargs_e["attn_mask"] = torch.tensor(causal), ember.tensor(causal)
    if masks == "float":
        additive = rng.standard_normal((4, 5))
        kwargs_t["attn_mask"], kwargs_e["attn_mask"] = torch.tensor(additive), ember.tensor(additive)
    if masks in ("padding", "both"):
        kwargs_t["key_padding_mask"], kwargs_e["key_padding_mask"] = torch.tensor(padding), ember.tensor(padding)
    to, tw = theirs(tq, tk, tk, **kwargs_t)
    eo, ew = mine(eq, ek, ek, **kwargs_e)
    close(eo, to)
    close(ew, tw)
    (to.sum() + tw[:, :, 0].sum()).backward()
    (eo.sum() + ew[:, :, 0].sum()).backward()
    close(eq.grad, tq.grad)
    close(ek.grad, tk.grad)
    for (name, mine_p), (_, their_p) in zip(mine.named_parameters(), theirs.named_parameters()):
        close(mine_p.grad, their_p.grad)


def test_multihead_attention_batch_first_per_head_weights():
    theirs, mine = _attention_pair(batch_first=True)
    x = np.random.default_rng(4).standard_normal((2, 3, 6))
    to, tw = theirs(*(torch.tensor(x),) * 3, average_attn_weights=False)
    eo, ew = mine(*(ember.tensor(x),) * 3, average_attn_weights=False)
    close(eo, to)
    close(ew, tw)
    assert tuple(ew.shape) == (2, 2, 3, 3)
    assert mine(*(ember.tensor(x),) * 3, need_weights=False)[1] is None


@pytest.mark.parametrize("norm_first,activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_layer_matches_torch_in_eval(norm_first, activation):
    theirs = torch.nn.TransformerEncoderLayer(6, 2, 8, dropout=0.1, activation=activation, batch_first=True,
                                              norm_first=norm_first)
    mine = nn.TransformerEncoderLayer(6, 2, 8, dropout=0.1, activation=activation, batch_first=True,
                                      norm_first=norm_first)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    theirs.eval(), mine.eval()
    run_both(theirs, mine, (2, 3, 6))
    theirs.zero_grad(), mine.zero_grad()
    encoder_t = torch.nn.TransformerEncoder(theirs, 2, enable_nested_tensor=False)
    encoder_e = nn.TransformerEncoder(mine, 2)
    encoder_t.eval(), encoder_e.eval()
    run_both(encoder_t, encoder_e, (2, 3, 6))


def test_transformer_encoder_layer_trains():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.2)
    out = layer(ember.randn(3, 2, 4))
    out.sum().backward()
    assert all(p.grad is not None for p in layer.parameters())


@pytest.mark.parametrize("mask", ["none", "causal", "bool", "float"])
def test_scaled_dot_product_attention_matches_torch(mask):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 2, 5, 4))]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine = [ember.tensor(a, requires_grad=True) for a in arrays]
    kwargs_t, kwargs_e = {}, {"scale": 0.7}
    kwargs_t["scale"] = 0.7
    if mask == "causal":
        kwargs_t["is_causal"] = kwargs_e["is_causal"] = True
    if mask == "bool":
        allowed = np.tril(np.ones((3, 5), dtype=bool))
        kwargs_t["attn_mask"], kwargs_e["attn_mask"] = torch.tensor(allowed), ember.tensor(allowed)
    if mask == "float":
        additive = rng.standard_normal((3, 5))
        kwargs_t["attn_mask"], kwargs_e["attn_mask"] = torch.tensor(additive), ember.tensor(additive)
    to = TF.scaled_dot_product_attention(*theirs, **kwargs_t)
    eo = F.scaled_dot_product_attention(*mine, **kwargs_e)
    close(eo, to)
    to.sum().backward()
    eo.sum().backward()
    for m, t in zip(mine, theirs):
        close(m.grad, t.grad)


def test_functional_pad_interpolate_unfold_fold_match_torch():
    tx, ex = pair_inputs((2, 3, 5, 4))
    for t_out, e_out in [
        (TF.pad(tx, (1, 2, 0, 1), mode="circular"), F.pad(ex, (1, 2, 0, 1), mode="circular")),
        (TF.interpolate(tx, scale_factor=(1.5, 2), mode="bilinear", align_corners=False),
         F.interpolate(ex, scale_factor=(1.5, 2), mode="bilinear", align_corners=False)),
        (TF.fold(TF.unfold(tx, 2, stride=1), (5, 4), 2), F.fold(F.unfold(ex, 2, stride=1), (5, 4), 2)),
    ]:
        close(e_out, t_out)
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(ex, (4, 0, 0, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input tensor"):
        F.pad(ex, (1, 0), mode="reflect")
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(ex)


def test_small_cnn_trains_end_to_end():
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.1), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    x = ember.randn(16, 1, 8, 8)
    labels = (x.sum((1, 2, 3)) > 0).long()
    first = None
    for _ in range(30):
        for p in model.parameters():
            p.grad = None
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        with ember.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first
