"""The nn layers, functions and losses added for drop-in use, against torch: same weights give the
same outputs, gradients, buffers and reprs; bad input raises torch's exception class."""
# ruff: noqa: E501 (tables of cases: one case per line reads better than wrapped ones)
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402
from ember.nn.utils import rnn as ember_rnn  # noqa: E402

TF = torch.nn.functional
torch_rnn = torch.nn.utils.rnn


def copy_weights(theirs, mine):
    mine_parameters = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        mine_parameters[name].data = ember.tensor(value.detach().double().numpy())


def close(mine, theirs, tol=1e-9):
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


def both_inputs(shape, seed=0):
    array = np.random.default_rng(seed).standard_normal(shape)
    return torch.tensor(array, requires_grad=True), ember.tensor(array, requires_grad=True)


def compare_function(theirs, mine, arrays, seed=1):
    """Run theirs(*torch leaves) and mine(*ember leaves); compare outputs and every input's gradient."""
    their_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    my_inputs = [ember.tensor(a, requires_grad=True) for a in arrays]
    their_out, my_out = theirs(*their_inputs), mine(*my_inputs)
    assert tuple(my_out.shape) == tuple(their_out.shape)
    close(my_out, their_out)
    grad = np.random.default_rng(seed).standard_normal(tuple(their_out.shape))
    their_out.backward(torch.tensor(grad))
    my_out.backward(ember.tensor(grad))
    for mine_input, their_input in zip(my_inputs, their_inputs):
        close(mine_input.grad, their_input.grad)
    return my_out, their_out


def run_module(make, shape, seed=0):
    theirs, mine = make(torch).double(), make(ember).double()
    copy_weights(theirs, mine)
    assert repr(mine) == repr(theirs)
    tx, ex = both_inputs(shape, seed)
    to, eo = theirs(tx), mine(ex)
    to, eo = (to[0], eo[0]) if isinstance(to, tuple) else (to, eo)
    close(eo, to)
    grad = np.random.default_rng(seed + 1).standard_normal(tuple(to.shape))
    to.backward(torch.tensor(grad))
    eo.backward(ember.tensor(grad))
    close(ex.grad, tx.grad)
    mine_parameters = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        close(mine_parameters[name].grad, value.grad)
    return mine, theirs


# -- modules: outputs, gradients, reprs ---------------------------------------------------------------------
MODULES = {
    "ZeroPad2d": (lambda lib: lib.nn.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 4)),
    "ZeroPad1d": (lambda lib: lib.nn.ZeroPad1d(2), (2, 3, 4)),
    "ConstantPad1d": (lambda lib: lib.nn.ConstantPad1d((1, 2), 3.5), (2, 3, 4)),
    "ConstantPad2d": (lambda lib: lib.nn.ConstantPad2d(1, -1.0), (2, 3, 4, 4)),
    "ConstantPad3d": (lambda lib: lib.nn.ConstantPad3d((1, 2, 0, 0, 1, 1), 0.5), (1, 2, 3, 4, 4)),
    "ReflectionPad1d": (lambda lib: lib.nn.ReflectionPad1d((2, 1)), (2, 3, 5)),
    "ReflectionPad2d": (lambda lib: lib.nn.ReflectionPad2d(2), (2, 3, 4, 5)),
    "ReplicationPad1d": (lambda lib: lib.nn.ReplicationPad1d(3), (2, 3, 4)),
    "ReplicationPad2d": (lambda lib: lib.nn.ReplicationPad2d((1, 0, 2, 1)), (2, 3, 4, 4)),
    "CircularPad2d": (lambda lib: lib.nn.CircularPad2d(1), (2, 3, 4, 4)),
    "ReflectionPad3d": (lambda lib: lib.nn.ReflectionPad3d((1, 0, 2, 1, 2, 1)), (2, 2, 3, 4, 4)),
    "ReplicationPad3d": (lambda lib: lib.nn.ReplicationPad3d(2), (2, 3, 4, 3)),
    "CircularPad3d": (lambda lib: lib.nn.CircularPad3d((1, 1, 0, 2, 3, 1)), (1, 2, 3, 4, 4)),
    "PixelShuffle": (lambda lib: lib.nn.PixelShuffle(2), (2, 8, 3, 3)),
    "PixelUnshuffle": (lambda lib: lib.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
    "Upsample": (lambda lib: lib.nn.Upsample(scale_factor=2), (2, 3, 3, 4)),
    "Upsample_bilinear": (lambda lib: lib.nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True), (2, 3, 3, 4)),
    "UpsamplingNearest2d": (lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=3), (1, 2, 2, 3)),
    "UpsamplingBilinear2d": (lambda lib: lib.nn.UpsamplingBilinear2d(size=5), (1, 2, 2, 3)),
    "Unfold": (lambda lib: lib.nn.Unfold(3, padding=1, stride=2), (2, 3, 5, 6)),
    "Fold": (lambda lib: lib.nn.Fold((4, 5), 2), (2, 12, 12)),
    "Conv3d": (lambda lib: lib.nn.Conv3d(2, 4, 3, stride=2, padding=1), (2, 2, 5, 6, 4)),
    "Conv3d_groups": (lambda lib: lib.nn.Conv3d(4, 4, (2, 3, 1), dilation=(2, 1, 1), groups=2, bias=False), (1, 4, 5, 4, 3)),
    "Conv3d_reflect": (lambda lib: lib.nn.Conv3d(2, 3, 3, padding=1, padding_mode="replicate"), (1, 2, 4, 4, 4)),
    "ConvTranspose3d": (lambda lib: lib.nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=1), (2, 2, 3, 4, 2)),
    "ConvTranspose3d_groups": (lambda lib: lib.nn.ConvTranspose3d(4, 6, (2, 3, 1), stride=(1, 2, 2), dilation=(2, 1, 1),
                                                                  groups=2, bias=False), (4, 3, 2, 3)),
    "MaxPool3d": (lambda lib: lib.nn.MaxPool3d(2), (2, 3, 4, 6, 4)),
    "MaxPool3d_options": (lambda lib: lib.nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 5, 6, 7)),
    "AvgPool3d": (lambda lib: lib.nn.AvgPool3d(3, 2, 1), (1, 2, 5, 6, 7)),
    "AvgPool3d_exclude_pad": (lambda lib: lib.nn.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 5, 6, 7)),
    "AdaptiveAvgPool3d": (lambda lib: lib.nn.AdaptiveAvgPool3d((2, 3, 1)), (2, 2, 5, 7, 3)),
    "AdaptiveMaxPool3d": (lambda lib: lib.nn.AdaptiveMaxPool3d(2), (2, 2, 5, 7, 3)),
    "BatchNorm3d": (lambda lib: lib.nn.BatchNorm3d(3), (2, 3, 2, 3, 2)),
    "InstanceNorm1d": (lambda lib: lib.nn.InstanceNorm1d(3), (2, 3, 5)),
    "InstanceNorm2d_affine": (lambda lib: lib.nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4)),
    "InstanceNorm3d": (lambda lib: lib.nn.InstanceNorm3d(2, affine=True, track_running_stats=True), (2, 2, 3, 2, 2)),
    "InstanceNorm2d_unbatched": (lambda lib: lib.nn.InstanceNorm2d(3), (3, 4, 4)),
    "RMSNorm": (lambda lib: lib.nn.RMSNorm(5), (2, 3, 5)),
    "RMSNorm_shape": (lambda lib: lib.nn.RMSNorm([3, 5], eps=1e-3, elementwise_affine=False), (2, 3, 5)),
    "LocalResponseNorm": (lambda lib: lib.nn.LocalResponseNorm(3), (2, 5, 3, 3)),
    "PReLU": (lambda lib: lib.nn.PReLU(), (2, 3, 4)),
    "PReLU_channels": (lambda lib: lib.nn.PReLU(3, 0.1), (2, 3, 4, 4)),
    "GLU": (lambda lib: lib.nn.GLU(), (2, 3, 4)),
    "GLU_dim": (lambda lib: lib.nn.GLU(1), (2, 4, 3)),
    "Hardshrink": (lambda lib: lib.nn.Hardshrink(), (3, 4)),
    "Softshrink": (lambda lib: lib.nn.Softshrink(0.3), (3, 4)),
    "Threshold": (lambda lib: lib.nn.Threshold(0.1, 2.0), (3, 4)),
    "RReLU_eval": (lambda lib: lib.nn.RReLU().eval(), (3, 4)),
    "Softmax2d": (lambda lib: lib.nn.Softmax2d(), (2, 3, 2, 2)),
    "LPPool1d": (lambda lib: lib.nn.LPPool1d(1.5, 2, stride=1), (2, 3, 5)),
    "LPPool2d": (lambda lib: lib.nn.LPPool2d(2, 3), (2, 3, 6, 7)),
    "LPPool2d_ceil": (lambda lib: lib.nn.LPPool2d(3, (2, 3), stride=2, ceil_mode=True), (2, 3, 5, 7)),
    "LPPool3d": (lambda lib: lib.nn.LPPool3d(2, 2), (1, 2, 4, 4, 4)),
    "ChannelShuffle": (lambda lib: lib.nn.ChannelShuffle(3), (2, 6, 2, 3)),
    "Dropout3d_eval": (lambda lib: lib.nn.Dropout3d(0.3).eval(), (2, 3, 2, 2, 2)),
    "FeatureAlphaDropout_eval": (lambda lib: lib.nn.FeatureAlphaDropout(0.3).eval(), (2, 3, 2, 2)),
    "RNNCell": (lambda lib: lib.nn.RNNCell(4, 3), (2, 4)),
    "RNNCell_relu": (lambda lib: lib.nn.RNNCell(4, 3, bias=False, nonlinearity="relu"), (2, 4)),
    "LSTMCell": (lambda lib: lib.nn.LSTMCell(4, 3), (2, 4)),
    "GRUCell": (lambda lib: lib.nn.GRUCell(4, 3), (4,)),
}


@pytest.mark.parametrize("name", MODULES)
def test_module_matches_torch(name):
    make, shape = MODULES[name]
    mine, theirs = run_module(make, shape)
    for (key, their_buffer), (my_key, my_buffer) in zip(theirs.named_buffers(), mine.named_buffers()):
        assert key == my_key
        np.testing.assert_allclose(my_buffer.numpy(), their_buffer.numpy(), rtol=1e-9, atol=1e-12)


def test_cells_take_a_hidden_state_and_name_their_nodes_as_torch():
    rng = np.random.default_rng(3)
    x, h, c = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for kind in ("RNNCell", "GRUCell", "LSTMCell"):
        theirs, mine = getattr(torch.nn, kind)(4, 3).double(), getattr(nn, kind)(4, 3).double()
        copy_weights(theirs, mine)
        state_t = (torch.tensor(h), torch.tensor(c)) if kind == "LSTMCell" else torch.tensor(h)
        state_e = (ember.tensor(h), ember.tensor(c)) if kind == "LSTMCell" else ember.tensor(h)
        to, eo = theirs(torch.tensor(x), state_t), mine(ember.tensor(x, requires_grad=True), state_e)
        for mine_part, their_part in zip(eo if kind == "LSTMCell" else (eo,), to if kind == "LSTMCell" else (to,)):
            close(mine_part, their_part)
            assert type(mine_part.grad_fn).__name__ == type(their_part.grad_fn).__name__


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 3, 3)),
    lambda lib: lib.nn.RNNCell(3, 4)(lib.randn(2, 5)),
    lambda lib: lib.nn.GRUCell(3, 4)(lib.randn(2, 3), lib.randn(3, 4)),
    lambda lib: lib.nn.LSTMCell(3, 4)(lib.randn(2, 3), (lib.randn(2, 4),)),
    lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="gelu")(lib.randn(2, 3)),
    lambda lib: lib.nn.InstanceNorm2d(3)(lib.randn(2, 3)),
    lambda lib: lib.nn.InstanceNorm2d(3, affine=True)(lib.randn(2, 4, 3, 3)),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 3, 1)),
    lambda lib: lib.nn.functional.rms_norm(lib.randn(2, 3, 4), (3,)),
    lambda lib: lib.nn.functional.prelu(lib.randn(2, 3), lib.rand(2)),
    lambda lib: lib.nn.functional.prelu(lib.randn(2, 3), lib.rand(1, 1)),
    lambda lib: lib.nn.functional.glu(lib.randn(3, 5)),
    lambda lib: lib.nn.functional.glu(lib.tensor(1.0)),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.randn(2, 4, 6, 3), 3),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.randn(2, 3, 5), 2),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.randn(4, 6), 1),
    lambda lib: lib.nn.functional.conv3d(lib.randn(1, 2, 4, 4, 4), lib.randn(3, 3, 2, 2, 2)),
    lambda lib: lib.nn.functional.conv3d(lib.randn(1, 2, 4, 4), lib.randn(3, 2, 2, 2)),
    lambda lib: lib.nn.functional.conv_transpose3d(lib.randn(1, 2, 4, 4, 4), lib.randn(3, 3, 2, 2, 2)),
    lambda lib: lib.nn.functional.conv_transpose3d(lib.randn(1, 2, 2, 2, 2), lib.randn(2, 3, 2, 2, 2), output_padding=1),
    lambda lib: lib.nn.functional.conv_transpose3d(lib.randn(1, 2, 2, 2, 2), lib.randn(2, 3, 2, 2, 2), stride=(2, 1, 1),
                                                   output_padding=(1, 1, 0)),
    lambda lib: lib.nn.functional.max_pool3d(lib.randn(2, 3, 4), 2),
    lambda lib: lib.nn.functional.max_pool3d(lib.randn(1, 1, 4, 4, 4), 2, padding=2),
    lambda lib: lib.nn.functional.multi_margin_loss(lib.randn(3, 4), lib.tensor([1, 0, 4])),
    lambda lib: lib.nn.functional.multi_margin_loss(lib.randn(3, 4), lib.tensor([1, 0, 3]), p=3),
    lambda lib: lib.nn.functional.multi_margin_loss(lib.randn(3, 4), lib.tensor([1.0, 0, 3])),
    lambda lib: lib.nn.functional.multi_margin_loss(lib.randn(3, 4), lib.tensor([1, 0, 3]), weight=lib.ones(3)),
    lambda lib: lib.nn.functional.multilabel_margin_loss(lib.randn(3, 4), lib.tensor([[4, 0, 0, 0]] * 3)),
    lambda lib: lib.nn.functional.multilabel_margin_loss(lib.randn(3, 4), lib.tensor([[1, 0, 0, 0]] * 2)),
    lambda lib: lib.nn.functional.gaussian_nll_loss(lib.randn(3, 4), lib.randn(3, 4), -lib.ones(3, 4)),
    lambda lib: lib.nn.functional.gaussian_nll_loss(lib.randn(3, 4), lib.randn(3, 4), lib.ones(2, 4)),
    lambda lib: lib.nn.functional.poisson_nll_loss(lib.randn(3), lib.randn(3), reduction="avg"),
    lambda lib: lib.nn.functional.triplet_margin_loss(lib.randn(3, 4), lib.randn(4), lib.randn(3, 4)),
    lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(lib.randn(3, 4), lib.randn(3, 4), lib.randn(3, 4), margin=0),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 3, 3), (2, 3, 4, 4), align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.randn(2, 2, 3), (2, 3, 4), align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.tensor([[[1, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(1, 1, 3, 3), lib.zeros(1, 2, 2, 2), mode="area", align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.randn(1, 1, 3, 3), lib.zeros(1, 2, 2, 2), padding_mode="wrap", align_corners=False),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(3, 3, 2), [3, 1, 2]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(3, 3, 2), [3, 0, 2], enforce_sorted=False),
    lambda lib: lib.nn.utils.rnn.pad_packed_sequence(lib.nn.utils.rnn.pack_sequence([lib.randn(3, 2), lib.randn(1, 2)]), total_length=2),
    lambda lib: lib.nn.TripletMarginLoss(margin=0),
    lambda lib: lib.nn.functional.channel_shuffle(lib.randn(2, 5, 2), 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.randn(1, 1, 2, 2), lib.tensor([[[[0, 1], [2, 99]]]]), 2),
    lambda lib: lib.nn.functional.max_unpool2d(lib.randn(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int64), 2, output_size=(9, 9)),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2), mode="median", offsets=lib.tensor([0])),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.randn(5, 2)),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), lib.randn(5, 2), lib.tensor([0])),
    lambda lib: lib.nn.MultiMarginLoss(p=3),
])
def test_bad_input_raises_torchs_exception(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(ember)


# -- functions that torch composes differently (their values and gradients are still torch's) ---------------
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_and_affine_grid_match_torch(align_corners, mode, padding_mode):
    rng = np.random.default_rng(5)
    image, theta = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 2, 3)) * 0.8

    def run(lib, functional):
        def sample(x, t):
            grid = functional.affine_grid(t, (2, 3, 4, 7), align_corners=align_corners) * 1.7  # reaches outside
            return functional.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        return sample
    compare_function(run(torch, TF), run(ember, F), [image, theta])


def test_affine_grid_3d_and_grid_defaults_warn_as_torch():
    theta = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare_function(lambda t: TF.affine_grid(t, (2, 1, 3, 4, 2), align_corners=True),
                     lambda t: F.affine_grid(t, (2, 1, 3, 4, 2), align_corners=True), [theta])
    with pytest.warns(UserWarning, match="align_corners"):
        F.affine_grid(ember.tensor(theta[:, :2, :3]), (2, 1, 3, 3))
    with pytest.warns(UserWarning, match="align_corners"):
        F.grid_sample(ember.randn(2, 1, 3, 3), ember.zeros(2, 2, 2, 2))


CONV_POOL = {
    "conv3d": (lambda f: (lambda x, w, b: f.conv3d(x, w, b)), [(2, 4, 5, 4, 3), (3, 4, 3, 2, 2), (3,)]),
    "conv3d_options": (lambda f: (lambda x, w: f.conv3d(x, w, stride=(2, 1, 2), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2)),
                       [(1, 4, 6, 5, 5), (6, 2, 2, 3, 2)]),
    "conv3d_same_unbatched": (lambda f: (lambda x, w: f.conv3d(x, w, padding="same")), [(2, 4, 4, 3), (3, 2, 3, 2, 3)]),
    "conv_transpose3d": (lambda f: (lambda x, w, b: f.conv_transpose3d(x, w, b)), [(2, 4, 3, 4, 3), (4, 3, 3, 2, 2), (3,)]),
    "conv_transpose3d_options": (lambda f: (lambda x, w, b: f.conv_transpose3d(
        x, w, b, stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), dilation=(2, 1, 1), groups=2)),
        [(1, 4, 3, 4, 3), (4, 3, 2, 3, 2), (6,)]),
    "conv_transpose3d_unbatched": (lambda f: (lambda x, w: f.conv_transpose3d(x, w, stride=2, padding=1, dilation=2,
                                                                               output_padding=1)),
                                   [(2, 3, 2, 3), (2, 2, 3, 2, 2)]),
    "max_pool3d": (lambda f: (lambda x: f.max_pool3d(x, 2)), [(2, 2, 4, 6, 5)]),
    "max_pool3d_options": (lambda f: (lambda x: f.max_pool3d(x, 3, 2, 1, ceil_mode=True)), [(1, 2, 5, 6, 7)]),
    "max_pool3d_dilation": (lambda f: (lambda x: f.max_pool3d(x, (2, 3, 2), (1, 2, 1), dilation=(2, 1, 1))), [(2, 5, 6, 4)]),
    "avg_pool3d": (lambda f: (lambda x: f.avg_pool3d(x, 2)), [(2, 2, 4, 6, 5)]),
    "avg_pool3d_divisor": (lambda f: (lambda x: f.avg_pool3d(x, 3, 2, 1, ceil_mode=True, divisor_override=5)), [(1, 2, 5, 6, 7)]),
    "adaptive_avg_pool3d": (lambda f: (lambda x: f.adaptive_avg_pool3d(x, (3, None, 2))), [(2, 2, 5, 4, 3)]),
    "adaptive_max_pool3d": (lambda f: (lambda x: f.adaptive_max_pool3d(x, (4, 3, 2))), [(2, 2, 5, 7, 3)]),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", CONV_POOL)
def test_conv3d_and_3d_pooling_match_torch(name):
    make, shapes = CONV_POOL[name]
    rng = np.random.default_rng(7)
    mine, theirs = compare_function(make(TF), make(F), [rng.standard_normal(shape) for shape in shapes])
    assert type(mine.grad_fn).__name__ == type(theirs.grad_fn).__name__


@pytest.mark.parametrize("function", ["max_pool3d", "adaptive_max_pool3d"])
def test_3d_max_pooling_indices_match_torch_also_at_ties(function):
    values = np.round(np.random.default_rng(2).standard_normal((2, 2, 5, 6, 4)) * 2) / 2  # many equal values
    argument = 2 if function == "max_pool3d" else (3, 2, 3)
    _, theirs = getattr(TF, function)(torch.tensor(values), argument, return_indices=True)
    _, mine = getattr(F, function)(ember.tensor(values), argument, return_indices=True)
    assert mine.dtype == ember.int64
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


LOSSES = {
    "soft_margin_loss": lambda f, x: f.soft_margin_loss(x, _signs(f, x)),
    "hinge_embedding_loss": lambda f, x: f.hinge_embedding_loss(x, _signs(f, x), margin=0.5, reduction="none"),
    "multilabel_margin_loss": lambda f, x: f.multilabel_margin_loss(x, _lib(f).tensor([[3, 0, -1, 1], [1, 1, 3, -1], [-1, 0, 0, 0]])),
    "multilabel_margin_loss_none": lambda f, x: f.multilabel_margin_loss(x, _lib(f).tensor([[3, 0, -1, 1], [1, 2, 3, -1], [2, -1, 0, 0]]), reduction="none"),
    "multilabel_margin_loss_1d": lambda f, x: f.multilabel_margin_loss(x[0], _lib(f).tensor([3, 3, -1, 1])),
    "multi_margin_loss": lambda f, x: f.multi_margin_loss(x, _lib(f).tensor([1, 0, 3]), reduction="none"),
    "multi_margin_loss_p2_weight": lambda f, x: f.multi_margin_loss(x, _lib(f).tensor([1, 0, 3]), p=2, margin=0.7,
                                                                    weight=_lib(f).tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype)),
    "multi_margin_loss_1d": lambda f, x: f.multi_margin_loss(x[1], _lib(f).tensor(2), reduction="sum"),
    "multilabel_soft_margin_loss_weight": lambda f, x: f.multilabel_soft_margin_loss(
        x, (_signs(f, x) > 0).to(x.dtype), weight=_lib(f).tensor([0.5, 1.0, 2.0, 1.5], dtype=x.dtype), reduction="none"),
    "poisson_nll_loss_none": lambda f, x: f.poisson_nll_loss(x, x.detach().abs() * 3, reduction="none"),
    "triplet_margin_with_distance_loss": lambda f, x: f.triplet_margin_with_distance_loss(
        x, x.flip(0), x * 2, distance_function=lambda a, b: (a - b).abs().sum(-1), swap=True, margin=2.0),
}


def _lib(functional):
    return torch if functional is TF else ember


def _signs(functional, x):
    return _lib(functional).tensor(np.sign(np.random.default_rng(9).standard_normal(tuple(x.shape))), dtype=x.dtype)


@pytest.mark.parametrize("name", LOSSES)
def test_losses_match_torch(name):
    x = np.random.default_rng(4).standard_normal((3, 4))
    compare_function(lambda t: LOSSES[name](TF, t), lambda e: LOSSES[name](F, e), [x])


LOSS_MODULES = [
    ("PoissonNLLLoss", dict(log_input=False, full=True), 2), ("GaussianNLLLoss", dict(full=True), 3),
    ("SoftMarginLoss", {}, 2), ("HingeEmbeddingLoss", dict(margin=0.3), 2), ("MultiLabelSoftMarginLoss", {}, 2),
    ("TripletMarginLoss", dict(margin=2.0, swap=True), 3), ("TripletMarginWithDistanceLoss", dict(margin=2.0), 3),
]


@pytest.mark.parametrize("name, options, arity", LOSS_MODULES)
def test_loss_modules_match_torch(name, options, arity):
    rng = np.random.default_rng(6)
    arrays = [np.abs(rng.standard_normal((3, 4))) + 0.1 for _ in range(arity)]
    if name in ("SoftMarginLoss", "HingeEmbeddingLoss"):
        arrays[1] = np.sign(rng.standard_normal((3, 4)))
    if name == "MultiLabelSoftMarginLoss":
        arrays[1] = (rng.standard_normal((3, 4)) > 0) * 1.0
    theirs, mine = getattr(torch.nn, name)(**options), getattr(nn, name)(**options)
    assert repr(mine) == repr(theirs)
    if name in ("SoftMarginLoss", "HingeEmbeddingLoss"):  # torch refuses a target that requires grad here
        target = arrays.pop()
        compare_function(lambda x: theirs(x, torch.tensor(target)), lambda x: mine(x, ember.tensor(target)), arrays)
        return
    compare_function(theirs, mine, arrays)


def test_margin_index_losses_modules_match_torch():
    x = np.random.default_rng(8).standard_normal((3, 4))
    target = [1, 0, 3]
    for kind, options in (("MultiMarginLoss", dict(p=2, margin=0.5)), ("MultiLabelMarginLoss", {})):
        labels = target if kind == "MultiMarginLoss" else [[1, 2, -1, 0], [3, -1, 0, 0], [0, 1, 2, 3]]
        theirs, mine = getattr(torch.nn, kind)(**options), getattr(nn, kind)(**options)
        compare_function(lambda t: theirs(t, torch.tensor(labels)), lambda e: mine(e, ember.tensor(labels)), [x])


def test_activation_functions_match_torch():
    x = np.random.default_rng(10).standard_normal((3, 5))
    for name, kwargs in (("hardshrink", {}), ("softshrink", dict(lambd=0.2)), ("rrelu", {}), ("glu", dict(dim=0)))[:3]:
        compare_function(lambda t: getattr(TF, name)(t, **kwargs), lambda e: getattr(F, name)(e, **kwargs), [x])
    compare_function(lambda t: TF.threshold(t, 0.1, -2.0), lambda e: F.threshold(e, 0.1, -2.0), [x])
    compare_function(lambda t: TF.glu(t[:2], 0), lambda e: F.glu(e[:2], 0), [x])


def test_gumbel_softmax_is_torchs_formula_on_the_same_noise(monkeypatch):
    rng = np.random.default_rng(11)
    logits, noise = rng.standard_normal((4, 6)), -np.log(rng.exponential(size=(4, 6)))
    from ember.nn.functional import _activation_extra
    monkeypatch.setattr(_activation_extra, "_gumbel_noise", lambda like: ember.tensor(noise, dtype=like.dtype))
    for hard in (False, True):
        def theirs(t):
            soft = TF.softmax((t + torch.tensor(noise)) / 0.5, -1)
            if not hard:
                return soft
            one_hot = torch.zeros_like(t).scatter_(-1, soft.max(-1, keepdim=True)[1], 1.0)
            return one_hot - soft.detach() + soft
        mine, _ = compare_function(theirs, lambda e: F.gumbel_softmax(e, tau=0.5, hard=hard), [logits])
        if hard:
            np.testing.assert_array_equal(mine.detach().numpy().sum(-1), np.ones(4))
            assert set(np.unique(mine.detach().numpy())) <= {0.0, 1.0}


def test_gumbel_softmax_draws_soft_samples_on_the_simplex():
    sample = F.gumbel_softmax(ember.randn(5, 7, requires_grad=True), tau=2.0)
    np.testing.assert_allclose(sample.detach().numpy().sum(-1), np.ones(5), rtol=1e-6)
    assert type(sample.grad_fn).__name__ == "SoftmaxBackward0"
    with pytest.warns(UserWarning, match="deprecated"):
        F.gumbel_softmax(ember.randn(2, 3), eps=1e-5)


def test_instance_norm_running_statistics_match_torch():
    x = np.random.default_rng(12).standard_normal((4, 3, 5, 2))
    theirs = torch.nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3).double()
    mine = nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3).double()
    for _ in range(2):
        close(mine(ember.tensor(x)), theirs(torch.tensor(x)))
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(mine, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-12)
    mine.eval(), theirs.eval()
    close(mine(ember.tensor(x * 2 + 1)), theirs(torch.tensor(x * 2 + 1)))


# -- nn.utils.rnn and packed sequences through the recurrent layers -----------------------------------------
def test_pad_pack_unpack_match_torch():
    rng = np.random.default_rng(13)
    arrays = [rng.standard_normal((length, 2)) for length in (3, 1, 4)]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    et = [ember.tensor(a, requires_grad=True) for a in arrays]
    for batch_first in (False, True):
        for side in ("right", "left"):
            close(ember_rnn.pad_sequence(et, batch_first, -1.0, side), torch_rnn.pad_sequence(tt, batch_first, -1.0, side))
    tp, ep = torch_rnn.pack_sequence(tt, enforce_sorted=False), ember_rnn.pack_sequence(et, enforce_sorted=False)
    close(ep.data, tp.data)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        assert getattr(ep, field).dtype == ember.int64
        np.testing.assert_array_equal(getattr(ep, field).numpy(), getattr(tp, field).numpy())
    (t_padded, t_lengths), (e_padded, e_lengths) = (torch_rnn.pad_packed_sequence(tp, True, 0.5, 6),
                                                    ember_rnn.pad_packed_sequence(ep, True, 0.5, 6))
    close(e_padded, t_padded)
    np.testing.assert_array_equal(e_lengths.numpy(), t_lengths.numpy())
    grad = rng.standard_normal(tuple(t_padded.shape))
    t_padded.backward(torch.tensor(grad))
    e_padded.backward(ember.tensor(grad))
    for mine, theirs in zip(et, tt):
        close(mine.grad, theirs.grad)
    assert [tuple(s.shape) for s in ember_rnn.unpack_sequence(ep)] == [(3, 2), (1, 2), (4, 2)]
    assert [tuple(s.shape) for s in ember_rnn.unpad_sequence(e_padded, e_lengths, batch_first=True)] == \
        [(3, 2), (1, 2), (4, 2)]
    assert isinstance(ep, tuple) and ep.double().data.dtype == ember.float64


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_sequences_through_recurrent_layers_match_torch(kind, bidirectional, batch_first):
    rng = np.random.default_rng(14)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=batch_first).double()
    mine = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=batch_first).double()
    copy_weights(theirs, mine)
    lengths = [2, 5, 3, 1]
    arrays = [rng.standard_normal((length, 3)) for length in lengths]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    et = [ember.tensor(a, requires_grad=True) for a in arrays]
    tp = torch_rnn.pack_padded_sequence(torch_rnn.pad_sequence(tt, batch_first), torch.tensor(lengths), batch_first,
                                        enforce_sorted=False)
    ep = ember_rnn.pack_padded_sequence(ember_rnn.pad_sequence(et, batch_first), ember.tensor(lengths), batch_first,
                                        enforce_sorted=False)
    h0 = rng.standard_normal((2 * (2 if bidirectional else 1), 4, 4))
    th, eh = torch.tensor(h0), ember.tensor(h0)
    if kind == "LSTM":
        th, eh = (th, th * 0.5), (eh, eh * 0.5)
    (t_out, t_hidden), (e_out, e_hidden) = theirs(tp, th), mine(ep, eh)
    assert isinstance(e_out, ember_rnn.PackedSequence)
    t_padded, _ = torch_rnn.pad_packed_sequence(t_out, batch_first)
    e_padded, _ = ember_rnn.pad_packed_sequence(e_out, batch_first)
    close(e_padded, t_padded)
    t_hidden = t_hidden[0] * t_hidden[1] if kind == "LSTM" else t_hidden
    e_hidden = e_hidden[0] * e_hidden[1] if kind == "LSTM" else e_hidden
    close(e_hidden, t_hidden)
    g1, g2 = rng.standard_normal(tuple(t_padded.shape)), rng.standard_normal(tuple(t_hidden.shape))
    ((t_padded * torch.tensor(g1)).sum() + (t_hidden * torch.tensor(g2)).sum()).backward()
    ((e_padded * ember.tensor(g1)).sum() + (e_hidden * ember.tensor(g2)).sum()).backward()
    for a, b in zip(et, tt):
        close(a.grad, b.grad)
    mine_parameters = dict(mine.named_parameters())
    for name, value in theirs.named_parameters():
        close(mine_parameters[name].grad, value.grad)


def test_sorted_packed_sequence_needs_no_permutation():
    x = ember.randn(4, 3, 2)
    packed = ember_rnn.pack_padded_sequence(x, [4, 2, 1])
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [3, 2, 1, 1])
    padded, lengths = ember_rnn.pad_packed_sequence(packed)
    np.testing.assert_array_equal(lengths.numpy(), [4, 2, 1])
    np.testing.assert_array_equal(padded[:, 0].numpy(), x[:, 0].numpy())
    np.testing.assert_array_equal(padded[2:, 1].numpy(), np.zeros((2, 2)))


# -- lazy modules ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, shape", [
    (lambda lib: lib.nn.LazyLinear(3), (2, 5)),
    (lambda lib: lib.nn.LazyConv1d(4, 3, padding=1), (2, 3, 6)),
    (lambda lib: lib.nn.LazyConv2d(4, 3, stride=2, groups=2), (2, 2, 7, 7)),
    (lambda lib: lib.nn.LazyConv3d(2, 2), (1, 3, 3, 3, 3)),
    (lambda lib: lib.nn.LazyConvTranspose2d(3, 2, stride=2), (2, 4, 3, 3)),
    (lambda lib: lib.nn.LazyConvTranspose3d(3, 2, stride=2), (1, 2, 3, 2, 3)),
    (lambda lib: lib.nn.LazyBatchNorm1d(), (4, 3)),
    (lambda lib: lib.nn.LazyBatchNorm2d(momentum=0.2), (4, 3, 2, 2)),
    (lambda lib: lib.nn.LazyInstanceNorm2d(), (2, 3, 4, 4)),
])
def test_lazy_modules_materialise_at_first_forward_as_torch(make, shape):
    theirs, mine = make(torch), make(ember)
    assert repr(mine) == repr(theirs)
    assert all(ember.nn.parameter.is_lazy(p) for p in mine.parameters())
    optimizer = ember.optim.SGD(mine.parameters(), lr=0.1)  # built before the shapes are known, as torch allows
    x = np.random.default_rng(15).standard_normal(shape).astype(np.float32)
    theirs(torch.tensor(x)), mine(ember.tensor(x))
    assert type(mine).__name__ == type(theirs).__name__ and repr(mine) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [(n, tuple(b.shape)) for n, b in mine.named_buffers()] == \
        [(n, tuple(b.shape)) for n, b in theirs.named_buffers()]
    assert all(type(p) is ember.nn.Parameter for p in mine.parameters())
    copy_weights(theirs, mine)
    theirs, mine = theirs.double(), mine.double()
    tx, ex = both_inputs(shape)
    close(mine(ex), theirs(tx))
    mine(ex).sum().backward()
    optimizer.step()  # the optimizer holds the materialised parameters


def test_uninitialized_parameters_refuse_their_shape():
    layer = nn.LazyLinear(4)
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        layer.weight.shape
    assert repr(layer.weight) == "<UninitializedParameter>"


# -- import paths real code uses ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "modules.batchnorm.BatchNorm2d", "modules.batchnorm._BatchNorm", "modules.batchnorm.SyncBatchNorm",
    "modules.activation.MultiheadAttention", "modules.activation.ReLU", "modules.activation.PReLU",
    "modules.linear.NonDynamicallyQuantizableLinear", "modules.linear.Linear", "modules.linear.LazyLinear",
    "modules.instancenorm._InstanceNorm", "modules.pixelshuffle.PixelShuffle", "modules.conv.Conv2d",
    "modules.rnn.LSTM", "modules.rnn.GRUCell", "modules.loss._Loss", "modules.loss._WeightedLoss",
    "modules.module.Module", "modules.padding.ZeroPad2d", "modules.upsampling.Upsample", "modules.fold.Unfold",
    "modules.lazy.LazyModuleMixin", "modules.distance.PairwiseDistance", "modules.normalization.RMSNorm",
    "utils.rnn.PackedSequence", "parameter.UninitializedParameter",
])
def test_torch_module_paths_resolve(path):
    import importlib
    module_path, name = path.rsplit(".", 1)
    mine = getattr(importlib.import_module("ember.nn." + module_path), name)
    theirs = getattr(importlib.import_module("torch.nn." + module_path), name)
    assert mine.__name__ == theirs.__name__


def test_sync_batch_norm_is_batch_norm_in_one_process():
    model = ember.nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert type(converted[1]).__name__ == "SyncBatchNorm" and converted[1].weight is model[1].weight
    run_module(lambda lib: lib.nn.SyncBatchNorm(3), (4, 3, 2))


def test_no_warnings_from_the_modules_in_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Upsample(scale_factor=2)(ember.randn(1, 1, 2, 2))
        nn.InstanceNorm1d(3)(ember.randn(2, 3, 4))


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool_inverts_max_pool_as_torch(dims):
    shape = {1: (2, 3, 6), 2: (2, 3, 6, 4), 3: (1, 2, 4, 4, 6)}[dims]
    x = np.random.default_rng(16).standard_normal(shape)

    def run(functional):
        def unpool(t):
            out, indices = getattr(functional, f"max_pool{dims}d")(t, 2, return_indices=True)
            return getattr(functional, f"max_unpool{dims}d")(out, indices, 2, output_size=t.shape[-dims:])
        return unpool
    compare_function(run(TF), run(F), [x])
    theirs, mine = getattr(torch.nn, f"MaxUnpool{dims}d")(2), getattr(nn, f"MaxUnpool{dims}d")(2)
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("options", [dict(mode="mean"), dict(mode="sum"), dict(mode="max"),
                                     dict(mode="mean", padding_idx=2), dict(mode="max", padding_idx=2),
                                     dict(mode="sum", include_last_offset=True)])
@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_matches_torch(options, two_d):
    if two_d and options.get("include_last_offset"):
        return
    rng = np.random.default_rng(17)
    weight = rng.standard_normal((10, 3))
    indices = [[1, 2, 4], [2, 2, 9]] if two_d else [1, 2, 4, 5, 2, 9, 2, 3]
    offsets = None if two_d else [0, 2, 2, 5] + ([8] if options.get("include_last_offset") else [])

    def run(lib):
        def bag(w):
            return lib.nn.functional.embedding_bag(lib.tensor(indices), w, None if offsets is None else
                                                   lib.tensor(offsets), **options)
        return bag
    compare_function(run(torch), run(ember), [weight])


def test_embedding_bag_module_and_per_sample_weights_match_torch():
    theirs, mine = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0).double(), \
        nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0).double()
    assert repr(mine) == repr(theirs)
    assert float(mine.weight[0].abs().sum()) == 0.0
    copy_weights(theirs, mine)
    weights = np.random.default_rng(18).standard_normal(6)
    compare_function(lambda w: theirs(torch.tensor([0, 2, 4, 5, 1, 9]), torch.tensor([0, 3]), w),
                     lambda w: mine(ember.tensor([0, 2, 4, 5, 1, 9]), ember.tensor([0, 3]), w), [weights])


@pytest.mark.parametrize("function, mask_axes", [("alpha_dropout", None), ("feature_alpha_dropout", (2, 3))])
def test_alpha_dropouts_keep_selu_statistics_by_torchs_formula(function, mask_axes):
    p, alpha = 0.3, 1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    x = np.random.default_rng(19).standard_normal((40, 50, 4, 5))
    out = getattr(F, function)(ember.tensor(x), p, training=True).numpy()
    dropped_value = -alpha * a + alpha * a * p
    kept = ~np.isclose(out, dropped_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[kept], a * x[kept] + alpha * a * p, rtol=1e-12)  # torch's a * x + b
    if mask_axes:  # whole channels are dropped together
        assert np.all(kept.all(mask_axes) | (~kept).all(mask_axes))
    # the moments alpha dropout preserves; bounds of 7+ standard errors (2,000 channel masks for the feature form)
    loose = 0.15 if mask_axes else 0.05
    assert abs(kept.mean() - (1 - p)) < loose and abs(out.mean()) < loose and abs(out.std() - 1) < loose
