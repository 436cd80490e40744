"""OpCases for the layer rows (convolution, pooling, normalisation, padding, interpolation,
embedding, unfold/fold): fn(lib, *inputs) runs on ember and torch alike; grad_fn and out_shape
literals were recorded from torch 2.13. This module must not import torch."""
from op_cases import OpCase, _gradient_of

C = OpCase
F = lambda lib: lib.nn.functional  # noqa: E731


def _bn_eval(lib, x, w, b):
    mean = lib.tensor([0.1, -0.2, 0.3], dtype=x.dtype)
    var = lib.tensor([0.5, 1.5, 2.0], dtype=x.dtype)
    return F(lib).batch_norm(x, mean, var, w, b, training=False)


def _embedding(lib, w):
    return F(lib).embedding(lib.tensor([[1, 2, 0], [3, 1, 1]]), w)  # padding_idx: its zero gradient is not a derivative


def _functional_of(tensor):
    return _lib_of(tensor).nn.functional


def _lib_of(tensor):
    return __import__(type(tensor).__module__.split(".")[0])


def _embedding_view(w):
    lib = _lib_of(w)
    return lib.nn.functional.embedding(lib.tensor([1, 2, 1]), w, padding_idx=2)


# fmt: off
CASES = [
    C("conv2d",             "ConvolutionBackward0", lambda lib, x, w, b: F(lib).conv2d(x, w, b),                  ((2, 3, 5, 4), (4, 3, 3, 2), (4,)), (2, 4, 3, 3)),
    C("conv2d_options",     "ConvolutionBackward0", lambda lib, x, w: F(lib).conv2d(x, w, None, stride=(2, 1), padding=1, dilation=(1, 2), groups=2), ((1, 4, 6, 5), (4, 2, 2, 2)), (1, 4, 4, 5)),
    C("conv2d_same",        "ConvolutionBackward0", lambda lib, x, w: F(lib).conv2d(x, w, padding="same"),       ((1, 2, 4, 4), (3, 2, 3, 3)), (1, 3, 4, 4)),
    C("conv1d",             "ConvolutionBackward0", lambda lib, x, w, b: F(lib).conv1d(x, w, b, stride=2, padding=1), ((2, 3, 7), (2, 3, 3), (2,)), (2, 2, 4)),
    C("conv_transpose2d",   "ConvolutionBackward0", lambda lib, x, w, b: F(lib).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), ((1, 2, 3, 3), (2, 3, 3, 3), (3,)), (1, 3, 6, 6)),
    C("conv2d_double_backward", "ConvolutionBackwardBackward0",
      lambda lib, x, w, v: lib.autograd.grad(F(lib).conv2d(x, w, stride=2, padding=1), (x, w), v, create_graph=True)[0],
      ((1, 2, 5, 4), (3, 2, 3, 3), (1, 3, 3, 2)), (1, 2, 5, 4)),
    C("max_pool2d",         "MaxPool2DWithIndicesBackward0", lambda lib, x: F(lib).max_pool2d(x, 3, 2, 1, ceil_mode=True), ((2, 2, 6, 5),), (2, 2, 4, 3)),
    C("max_pool2d_dilation", "MaxPool2DWithIndicesBackward0", lambda lib, x: F(lib).max_pool2d(x, 2, 1, dilation=2), ((1, 2, 5, 5),), (1, 2, 3, 3)),
    C("max_pool1d",         "SqueezeBackward1",     lambda lib, x: F(lib).max_pool1d(x, 2),                        ((2, 2, 6),), (2, 2, 3)),
    C("max_pool2d_backward", "MaxPool2DWithIndicesBackwardBackward0", _gradient_of(lambda x: _functional_of(x).max_pool2d(x, 2), (1, 2, 4, 4)), ((1, 2, 2, 2),), (1, 2, 4, 4)),
    C("avg_pool2d",         "AvgPool2DBackward0",   lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), ((2, 2, 6, 5),), (2, 2, 4, 3)),
    C("avg_pool1d",         "SqueezeBackward1",     lambda lib, x: F(lib).avg_pool1d(x, 3, 2, 1),                  ((2, 2, 7),), (2, 2, 4)),
    C("avg_pool2d_backward", "AvgPool2DBackwardBackward0", _gradient_of(lambda x: _functional_of(x).avg_pool2d(x, 2, 1), (1, 2, 4, 4)), ((1, 2, 3, 3),), (1, 2, 4, 4)),
    C("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", lambda lib, x: F(lib).adaptive_avg_pool2d(x, (3, 2)),   ((2, 2, 7, 5),), (2, 2, 3, 2)),
    C("adaptive_avg_pool2d_1", "MeanBackward1",     lambda lib, x: F(lib).adaptive_avg_pool2d(x, 1),               ((2, 2, 3, 3),), (2, 2, 1, 1)),
    C("adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0", _gradient_of(lambda x: _functional_of(x).adaptive_avg_pool2d(x, (2, 3)), (1, 2, 5, 4)), ((1, 2, 2, 3),), (1, 2, 5, 4)),
    C("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", lambda lib, x: F(lib).adaptive_max_pool2d(x, (3, 2)),   ((2, 2, 7, 5),), (2, 2, 3, 2)),
    C("adaptive_max_pool2d_backward", "AdaptiveMaxPool2DBackwardBackward0", _gradient_of(lambda x: _functional_of(x).adaptive_max_pool2d(x, (2, 3)), (1, 2, 5, 4)), ((1, 2, 2, 3),), (1, 2, 5, 4)),
    C("batch_norm_train",   "NativeBatchNormBackward0", lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True), ((3, 3, 2, 2), (3,), (3,)), (3, 3, 2, 2)),
    C("batch_norm_1d",      "NativeBatchNormBackward0", lambda lib, x: F(lib).batch_norm(x, None, None, training=True), ((4, 3),), (4, 3)),
    C("batch_norm_eval",    "NativeBatchNormBackward0", _bn_eval,                                                   ((3, 3, 2), (3,), (3,)), (3, 3, 2)),
    C("layer_norm",         "NativeLayerNormBackward0", lambda lib, x, w, b: F(lib).layer_norm(x, (3, 2), w, b),   ((2, 3, 2), (3, 2), (3, 2)), (2, 3, 2)),
    C("group_norm",         "NativeGroupNormBackward0", lambda lib, x, w, b: F(lib).group_norm(x, 2, w, b),        ((2, 4, 3), (4,), (4,)), (2, 4, 3)),
    C("embedding",          "EmbeddingBackward0",   _embedding,                                                    ((4, 3),), (2, 3, 3)),
    C("embedding_backward", "EmbeddingDenseBackwardBackward0", _gradient_of(_embedding_view, (4, 3)), ((3, 3),), (4, 3)),
    C("pad_constant",       "ConstantPadNdBackward0", lambda lib, x: F(lib).pad(x, (1, -1, 2, 0), value=0.5),      ((2, 3, 4),), (2, 5, 4)),
    C("pad_reflect2d",      "ReflectionPad2DBackward0", lambda lib, x: F(lib).pad(x, (1, 2, 2, 1), mode="reflect"), ((1, 2, 4, 3),), (1, 2, 7, 6)),
    C("pad_reflect1d",      "ReflectionPad1DBackward0", lambda lib, x: F(lib).pad(x, (2, 1), mode="reflect"),      ((1, 2, 4),), (1, 2, 7)),
    C("pad_replicate2d",    "ReplicationPad2DBackward0", lambda lib, x: F(lib).pad(x, (1, 2, 2, 1), mode="replicate"), ((1, 2, 4, 3),), (1, 2, 7, 6)),
    C("pad_replicate1d",    "ReplicationPad1DBackward0", lambda lib, x: F(lib).pad(x, (2, 1), mode="replicate"),   ((1, 2, 4),), (1, 2, 7)),
    C("upsample_nearest2d", "UpsampleNearest2DBackward0", lambda lib, x: F(lib).interpolate(x, size=(5, 3)),       ((1, 2, 3, 2),), (1, 2, 5, 3)),
    C("upsample_nearest1d", "UpsampleNearest1DBackward0", lambda lib, x: F(lib).interpolate(x, scale_factor=2),    ((1, 2, 3),), (1, 2, 6)),
    C("upsample_bilinear2d", "UpsampleBilinear2DBackward0", lambda lib, x: F(lib).interpolate(x, size=(5, 3), mode="bilinear"), ((1, 2, 3, 2),), (1, 2, 5, 3)),
    C("upsample_bilinear2d_corners", "UpsampleBilinear2DBackward0", lambda lib, x: F(lib).interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True), ((1, 2, 3, 2),), (1, 2, 4, 3)),
    C("upsample_linear1d",  "UpsampleLinear1DBackward0", lambda lib, x: F(lib).interpolate(x, size=5, mode="linear"), ((1, 2, 3),), (1, 2, 5)),
    C("unfold",             "Im2ColBackward0",      lambda lib, x: F(lib).unfold(x, 2, padding=1, stride=2),       ((1, 2, 4, 3),), (1, 8, 6)),
    C("fold",               "Col2ImBackward0",      lambda lib, x: F(lib).fold(x, (4, 3), 2, padding=1, stride=2), ((1, 8, 6),), (1, 2, 4, 3)),
]
# fmt: on

_SEPARABLE_BACKWARDS = [
    ("ReflectionPad2DBackwardBackward0", lambda F_, x: F_.pad(x, (1, 1, 2, 0), mode="reflect"), (1, 1, 3, 3)),
    ("ReflectionPad1DBackwardBackward0", lambda F_, x: F_.pad(x, (1, 2), mode="reflect"), (1, 1, 4)),
    ("ReplicationPad2DBackwardBackward0", lambda F_, x: F_.pad(x, (1, 1, 2, 0), mode="replicate"), (1, 1, 3, 3)),
    ("ReplicationPad1DBackwardBackward0", lambda F_, x: F_.pad(x, (1, 2), mode="replicate"), (1, 1, 4)),
    ("UpsampleNearest2DBackwardBackward0", lambda F_, x: F_.interpolate(x, size=(5, 3)), (1, 1, 3, 2)),
    ("UpsampleNearest1DBackwardBackward0", lambda F_, x: F_.interpolate(x, size=5), (1, 1, 3)),
    ("UpsampleBilinear2DBackwardBackward0", lambda F_, x: F_.interpolate(x, size=(5, 3), mode="bilinear"), (1, 1, 3, 2)),
    ("UpsampleLinear1DBackwardBackward0", lambda F_, x: F_.interpolate(x, size=5, mode="linear"), (1, 1, 3)),
]



for _name, _view, _shape in _SEPARABLE_BACKWARDS:
    _out = {(1, 1, 3, 3): (1, 1, 5, 5), (1, 1, 4): (1, 1, 7), (1, 1, 3, 2): (1, 1, 5, 3), (1, 1, 3): (1, 1, 5)}[_shape]
    CASES.append(C(_name[:-len("BackwardBackward0")].lower() + "_backward", _name,
                   _gradient_of(lambda x, _view=_view: _view(_functional_of(x), x), _shape), (_out,), _shape))
