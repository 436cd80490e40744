"""OpCases for shape, joining, rearranging and indexing ops (collected into op_cases.OP_CASES).

grad_fn and out_shape literals were recorded from torch 2.13. Index tensors are built inside
the case functions, so the same code runs on ember and torch.
"""
from op_cases import OpCase, _gradient_of, _mask

C = OpCase


def _index(lib, rows):
    return lib.tensor(rows)


def _first(op, number=0):
    return lambda lib, x: op(lib, x)[number]


def _split_sum(lib, x):
    pieces = x.split(2)          # the unused middle piece gets a zero gradient
    return pieces[0] * 2 + pieces[2][:, :1].sum()


def _unbind_use_some(lib, x):
    rows = x.unbind(1)
    return rows[0] * rows[2]


def _iterate(lib, x):
    return lib.stack([row * (number + 1) for number, row in enumerate(x)])


def _inplace_on_view(lib, x, b):
    y = x * 1.0
    y[:, 1].mul_(b)              # CopySlices on y, the view's node regenerated
    return y


def _inplace_through_view(lib, x):
    y = x * 1.0
    view = y[1:]
    view.add_(1.0).exp_()        # exp_ saves its output: the view, at its new version
    return view


def _inplace_into_plain(lib, w):
    z = lib.zeros(3, 4, dtype=w.dtype)
    z[1:3].add_(w)               # a view of a tensor that does not require grad
    return z


def _setitem_view(lib, x, v):
    y = x * 1.0
    row = y[1]
    row[1:3] = v
    return y


def _masked_fill_(lib, x):
    return (x * 1.0).masked_fill_(x > 0, 0.5)


def _scatter_(lib, x, src):
    return (x * 1.0).scatter_(0, lib.tensor([[2, 0, 1, 0]]), src)


# fmt: off
CASES = [
    # -- views and reshapes ---------------------------------------------------------------------
    C("unflatten",          "ViewBackward0",        lambda lib, x: x.unflatten(1, (2, 2)),      ((3, 4),), (3, 2, 2)),
    C("broadcast_to",       "ExpandBackward0",      lambda lib, x: lib.broadcast_to(x, (2, 3)), ((3,),), (2, 3)),
    C("narrow",             "SliceBackward0",       lambda lib, x: x.narrow(1, 1, 2),           ((3, 4),), (3, 2)),
    C("movedim",            "PermuteBackward0",     lambda lib, x: lib.movedim(x, 0, 2),        ((2, 3, 4),), (3, 4, 2)),
    C("moveaxis_many",      "PermuteBackward0",     lambda lib, x: x.moveaxis((0, 1), (2, 0)),  ((2, 3, 4),), (3, 4, 2)),
    C("swapaxes",           "TransposeBackward0",   lambda lib, x: x.swapaxes(0, 1),            ((2, 3),), (3, 2)),
    C("view_as",            "ViewBackward0",        lambda lib, x: x.view_as(lib.zeros(6)),     ((2, 3),), (6,)),
    C("reshape_as_copy",    "UnsafeViewBackward0",  lambda lib, x: x.t().reshape_as(lib.zeros(6)), ((2, 3),), (6,)),
    C("diagonal",           "DiagonalBackward0",    lambda lib, x: x.diagonal(),                ((3, 3),), (3,)),
    C("diagonal_offset",    "DiagonalBackward0",    lambda lib, x: lib.diagonal(x, -1, 1, 2),   ((2, 3, 4),), (2, 2)),
    C("diagonal_backward",  "DiagonalBackwardBackward0", _gradient_of(lambda z: z.diagonal(1), (3, 4)), ((3,),), (3, 4)),
    # -- copies that rearrange ------------------------------------------------------------------
    C("repeat",             "RepeatBackward0",      lambda lib, x: x.repeat(2, 1, 3),           ((2, 3),), (2, 2, 9)),
    C("tile",               "RepeatBackward0",      lambda lib, x: x.tile((2,)),                ((2, 3),), (2, 6)),
    C("repeat_interleave",  "ViewBackward0",        lambda lib, x: x.repeat_interleave(2, dim=1), ((2, 3),), (2, 6)),
    C("repeat_interleave_flat", "ViewBackward0",    lambda lib, x: lib.repeat_interleave(x, 2), ((2, 3),), (12,)),
    C("repeat_interleave_counts", "IndexSelectBackward0",
      lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 3]), dim=0),                          ((3, 2),), (4, 2)),
    C("flip",               "FlipBackward0",        lambda lib, x: lib.flip(x, (0, 1))     , ((2, 3),), (2, 3)),
    C("fliplr",             "FlipBackward0",        lambda lib, x: x.fliplr(),                  ((2, 3),), (2, 3)),
    C("roll",               "RollBackward0",        lambda lib, x: x.roll((1, -1), (0, 1)),     ((2, 3),), (2, 3)),
    C("roll_flat",          "RollBackward0",        lambda lib, x: lib.roll(x, 2),              ((2, 3),), (2, 3)),
    C("diag_matrix",        "DiagonalBackward0_copy", lambda lib, x: lib.diag(x, 1),            ((3, 4),), (3,)),
    C("diag_vector",        "DiagEmbedBackward0",   lambda lib, x: x.diag(-1),                  ((3,),), (4, 4)),
    C("diag_embed",         "DiagEmbedBackward0",   lambda lib, x: lib.diag_embed(x, 1, 0, 2),  ((2, 3),), (4, 2, 4)),
    C("tril",               "TrilBackward0",        lambda lib, x: x.tril(),                    ((3, 4),), (3, 4)),
    C("triu",               "TriuBackward0",        lambda lib, x: lib.triu(x, 1),              ((2, 3, 3),), (2, 3, 3)),
    # -- joining and splitting ------------------------------------------------------------------
    C("cat",                "CatBackward0",         lambda lib, a, b: lib.cat([a, b], 1),       ((2, 3), (2, 1)), (2, 4)),
    C("cat_three",          "CatBackward0",         lambda lib, a, b: lib.concat((a, b, a)),    ((2, 3), (1, 3)), (5, 3)),
    C("stack",              "StackBackward0",       lambda lib, a, b: lib.stack([a, b], -1),    ((2, 3), (2, 3)), (2, 3, 2)),
    C("hstack",             "CatBackward0",         lambda lib, a, b: lib.hstack([a, b]),       ((3,), (2,)), (5,)),
    C("vstack",             "CatBackward0",         lambda lib, a, b: lib.vstack([a, b]),       ((3,), (2, 3)), (3, 3)),
    C("dstack",             "CatBackward0",         lambda lib, a, b: lib.dstack([a, b]),       ((2, 3), (2, 3)), (2, 3, 2)),
    C("split",              "SplitBackward0",       _first(lambda lib, x: x.split(2), 1),       ((5, 2),), (2, 2)),
    C("split_unused",       "AddBackward0",         _split_sum,                                 ((5, 2),), (2, 2)),
    C("split_sizes",        "SplitWithSizesBackward0", _first(lambda lib, x: lib.split(x, [1, 3], 1), 1), ((2, 4),), (2, 3)),
    C("chunk",              "SplitBackward0",       _first(lambda lib, x: x.chunk(3), 2),       ((5, 2),), (1, 2)),
    C("unbind",             "UnbindBackward0",      _first(lambda lib, x: x.unbind(1), 1),      ((2, 3),), (2,)),
    C("unbind_some",        "MulBackward0",         _unbind_use_some,                           ((2, 3),), (2,)),
    C("iterate",            "StackBackward0",       _iterate,                                   ((3, 2),), (3, 2)),
    # -- indexing ops -------------------------------------------------------------------------
    C("gather",             "GatherBackward0",      lambda lib, x: x.gather(1, _index(lib, [[0, 0], [2, 1]])), ((2, 3),), (2, 2)),
    C("scatter",            "ScatterBackward0",
      lambda lib, x, src: x.scatter(0, _index(lib, [[1, 0, 1]]), src),                            ((2, 3), (1, 3)), (2, 3)),
    C("scatter_value",      "ScatterBackward1",     lambda lib, x: lib.scatter(x, 1, _index(lib, [[2], [0]]), 1.5), ((2, 3),), (2, 3)),
    C("scatter_add",        "ScatterAddBackward0",
      lambda lib, x, src: x.scatter_add(1, _index(lib, [[0, 0, 2], [1, 1, 1]]), src),            ((2, 3), (2, 3)), (2, 3)),
    C("scatter_reduce_add", "NotImplemented",
      lambda lib, x, src: x.scatter(0, _index(lib, [[1, 0, 1]]), src, reduce="add"),              ((2, 3), (1, 3)), (2, 3),
      differentiable=False),
    C("index_select",       "IndexSelectBackward0", lambda lib, x: x.index_select(0, _index(lib, [2, 0, 2])), ((3, 2),), (3, 2)),
    C("index_add",          "IndexAddBackward0",
      lambda lib, x, s: x.index_add(1, _index(lib, [0, 2, 0]), s, alpha=2),                       ((2, 3), (2, 3)), (2, 3)),
    C("index_fill",         "IndexFillBackward0",   lambda lib, x: x.index_fill(1, _index(lib, [0, 2]), -1.0), ((2, 3),), (2, 3)),
    C("index_fill_tensor",  "IndexFillBackward1",
      lambda lib, x, v: lib.index_fill(x, 0, _index(lib, [1]), v),                                ((2, 3), ()), (2, 3)),
    C("masked_fill",        "MaskedFillBackward0",  lambda lib, x: x.masked_fill(_mask(lib), 2.0), ((2, 3),), (2, 3)),
    C("masked_fill_broadcast", "MaskedFillBackward0",
      lambda lib, x: x.masked_fill(lib.tensor([True, False, True]), 0.0),                          ((2, 3),), (2, 3)),
    C("masked_fill_tensor", "MaskedFillBackward1",  lambda lib, x, v: x.masked_fill(_mask(lib), v), ((2, 3), ()), (2, 3)),
    C("masked_select",      "MaskedSelectBackward0", lambda lib, x: x.masked_select(_mask(lib)),  ((2, 3),), (3,)),
    C("masked_select_broadcast", "MaskedSelectBackward0",
      lambda lib, x: lib.masked_select(x, _mask(lib)),                                             ((3,),), (3,)),
    C("masked_scatter",     "MaskedScatterBackward0",
      lambda lib, x, s: x.masked_scatter(_mask(lib), s),                                           ((2, 3), (2, 2)), (2, 3)),
    C("take",               "TakeBackward0",        lambda lib, x: x.take(_index(lib, [[5, 0], [5, 2]])), ((2, 3),), (2, 2)),
    C("gather_backward",    "ScatterAddBackward0",
      _gradient_of(lambda z: z.gather(0, (z[:1].detach() * 0 + 1).long()), (2, 3)),              ((1, 3),), (2, 3)),
    # -- in place, and in place through views (CopySlices) ------------------------------------------
    C("t_",                 "TBackward1",           lambda lib, x: (x * 1).t_(),                ((2, 3),), (3, 2)),
    C("transpose_",         "TransposeBackward1",   lambda lib, x: (x * 1).transpose_(0, -1),   ((2, 3, 2),), (2, 3, 2)),
    C("unsqueeze_",         "UnsqueezeBackward1",   lambda lib, x: (x * 1).unsqueeze_(-1),      ((2, 3),), (2, 3, 1)),
    C("squeeze_",           "SqueezeBackward3",     lambda lib, x: (x * 1).squeeze_(),          ((2, 1, 3),), (2, 3)),
    C("squeeze_dim_",       "SqueezeBackward4",     lambda lib, x: (x * 1).squeeze_(1),         ((2, 1, 3),), (2, 3)),
    C("squeeze_dims_",      "SqueezeBackward5",     lambda lib, x: (x * 1).squeeze_((0, 1)),    ((2, 1, 3),), (2, 3)),
    C("masked_fill_",       "MaskedFillBackward0",  _masked_fill_,                              ((2, 3),), (2, 3)),
    C("scatter_",           "ScatterBackward0",     _scatter_,                                  ((3, 4), (1, 4)), (3, 4)),
    C("inplace_on_view",    "CopySlices",           _inplace_on_view,                           ((3, 4), (3,)), (3, 4)),
    C("inplace_through_view", "AsStridedBackward0", _inplace_through_view,                      ((3, 4),), (2, 4)),
    C("inplace_into_plain", "CopySlices",           _inplace_into_plain,                        ((2, 4),), (3, 4)),
    C("setitem_view",       "CopySlices",           _setitem_view,                              ((3, 4), (2,)), (3, 4)),
]
# fmt: on
