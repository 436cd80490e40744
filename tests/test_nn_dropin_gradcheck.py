"""Finite-difference checks (float64 gradcheck and gradgradcheck) of the nn functions that ember composes
from other ops and that have no OpCase (torch records a different node for them): grid_sample,
affine_grid, conv3d, 3-D pooling and padding, the margin losses, packed recurrent layers. No torch needed."""
# ruff: noqa: E501 (tables of cases: one case per line reads better than wrapped ones)
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from ember.nn.utils import rnn


def leaves(*shapes, seed=0, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return [ember.tensor(rng.uniform(low, high, size=shape), requires_grad=True) for shape in shapes]


# Grid points are kept off the pixel lattice (where bilinear interpolation has kinks) by the random draw.
CASES = {
    "grid_sample_bilinear_zeros": (lambda x, g: F.grid_sample(x, g * 1.3, align_corners=False), [(1, 2, 3, 4), (1, 2, 3, 2)]),
    "grid_sample_border_corners": (lambda x, g: F.grid_sample(x, g * 1.3, padding_mode="border", align_corners=True),
                                   [(1, 1, 3, 3), (1, 2, 2, 2)]),
    "grid_sample_reflection": (lambda x, g: F.grid_sample(x, g * 1.6, padding_mode="reflection", align_corners=False),
                               [(1, 1, 3, 4), (1, 3, 2, 2)]),
    "affine_grid": (lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False), [(2, 2, 3)]),
    "affine_grid_3d": (lambda t: F.affine_grid(t, (1, 1, 2, 3, 2), align_corners=True), [(1, 3, 4)]),
    "conv3d": (lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1), [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)]),
    "conv3d_groups": (lambda x, w: F.conv3d(x, w, dilation=(2, 1, 1), groups=2), [(1, 2, 4, 3, 3), (2, 1, 2, 2, 1)]),
    "conv_transpose3d": (lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 0),
                                                            output_padding=(1, 0, 1)), [(1, 2, 2, 3, 2), (2, 2, 2, 2, 2), (2,)]),
    "conv_transpose3d_groups": (lambda x, w: F.conv_transpose3d(x, w, dilation=(2, 1, 1), groups=2),
                                [(1, 2, 2, 2, 3), (2, 1, 2, 2, 1)]),
    "max_pool3d": (lambda x: F.max_pool3d(x, 2, 1, 1), [(1, 1, 3, 3, 2)]),
    "avg_pool3d": (lambda x: F.avg_pool3d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False), [(1, 2, 3, 3, 2)]),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (2, 1, 2)), [(1, 1, 3, 2, 3)]),
    "adaptive_max_pool3d": (lambda x: F.adaptive_max_pool3d(x, (2, 1, 2)), [(1, 1, 3, 2, 3)]),
    "reflect_pad3d": (lambda x: F.pad(x, (1, 0, 1, 1, 2, 1), mode="reflect"), [(1, 1, 3, 2, 2)]),
    "circular_pad3d": (lambda x: F.pad(x, (0, 1, 1, 0, 1, 2), mode="circular"), [(1, 3, 2, 2)]),
    "soft_margin_loss": (lambda x: F.soft_margin_loss(x, ember.tensor([[1.0, -1.0, 1.0]] * 2, dtype=x.dtype)), [(2, 3)]),
    "multi_margin_loss": (lambda x: F.multi_margin_loss(x * 0.3, ember.tensor([2, 0]), p=2, margin=2.0), [(2, 3)]),
    "multilabel_margin_loss": (lambda x: F.multilabel_margin_loss(x * 0.3, ember.tensor([[2, 0, -1], [1, -1, 0]])), [(2, 3)]),
    "glu_gumbel_free": (lambda x: F.glu(x, 0) * F.hardshrink(x[:2] * 3, 0.1), [(4, 3)]),
}


@pytest.mark.parametrize("name", CASES)
def test_composed_nn_functions_pass_gradcheck(name):
    fn, shapes = CASES[name]
    inputs = leaves(*shapes, seed=len(name))
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_packed_lstm_passes_gradcheck():
    lstm = ember.nn.LSTM(2, 2, bidirectional=True).double()
    x, h = leaves((3, 3, 2), (2, 3, 2), seed=3)

    def run(x, h):
        packed = rnn.pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False)
        output, (h_n, c_n) = lstm(packed, (h, h * 0.5))
        return rnn.pad_packed_sequence(output)[0].sum() + (h_n * c_n).sum()
    assert gradcheck(run, [x, h])


def test_cells_pass_gradcheck():
    for kind in ("RNNCell", "LSTMCell", "GRUCell"):
        cell = getattr(ember.nn, kind)(2, 3).double()
        x, h = leaves((2, 2), (2, 3), seed=4)

        def run(x, h):
            out = cell(x, (h, h * 0.5) if kind == "LSTMCell" else h)
            return out[0] * out[1] if kind == "LSTMCell" else out
        assert gradcheck(run, [x, h])
