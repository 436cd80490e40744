"""Shape, joining and rearranging ops against torch: values, dtypes, views, version counters, errors.

Gradients are covered by the OpCases in tests/op_cases_shape.py; this module checks what those do
not: integer and bool dtypes, which outputs are views of their input (shared memory and version
counter), tuple outputs, and the exception class and key phrase of bad calls.
"""
import re

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DATA = np.arange(24).reshape(2, 3, 4)


def _inputs(lib, dtype):
    return lib.tensor(DATA, dtype=getattr(lib, dtype))


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


FORWARD = {
    "view": lambda lib, x: x.view(4, 6),
    "view_infer": lambda lib, x: x.view(-1, 4),
    "reshape": lambda lib, x: lib.reshape(x.transpose(0, 2), (4, -1)),
    "flatten": lambda lib, x: lib.flatten(x, 0, 1),
    "unflatten": lambda lib, x: x.unflatten(-1, (2, -1)),
    "squeeze": lambda lib, x: x[:, :1].squeeze(),
    "unsqueeze": lambda lib, x: x.unsqueeze(-1),
    "permute": lambda lib, x: x.permute(2, 0, 1),
    "transpose": lambda lib, x: lib.transpose(x, 0, -1),
    "swapdims": lambda lib, x: lib.swapdims(x, 0, 1),
    "mT": lambda lib, x: x.mT,
    "t": lambda lib, x: x[0].t(),
    "expand": lambda lib, x: x[:, :1].expand(2, 5, 4),
    "broadcast_to": lambda lib, x: lib.broadcast_to(x[0, 0], (3, 4)),
    "repeat": lambda lib, x: x[0].repeat(2, 1, 2),
    "tile": lambda lib, x: lib.tile(x[0], (2, 1, 1)),
    "repeat_interleave": lambda lib, x: x[0].repeat_interleave(2, dim=0),
    "repeat_interleave_flat": lambda lib, x: lib.repeat_interleave(x[0, 0], 3),
    "repeat_interleave_counts": lambda lib, x: x[0].repeat_interleave(lib.tensor([2, 0, 1]), dim=0),
    "repeat_interleave_indices": lambda lib, x: lib.repeat_interleave(lib.tensor([1, 3, 0, 2])),
    "cat": lambda lib, x: lib.cat([x, x[:, :1]], 1),
    "cat_legacy_empty": lambda lib, x: lib.cat([x[0], lib.tensor([], dtype=x.dtype)]),
    "concatenate": lambda lib, x: lib.concatenate((x, x), axis=-1),
    "stack": lambda lib, x: lib.stack([x[0], x[1]], 1),
    "hstack": lambda lib, x: lib.hstack([x, x]),
    "vstack": lambda lib, x: lib.vstack([x[0, 0], x[1, 1]]),
    "dstack": lambda lib, x: lib.dstack([x[0], x[1]]),
    "column_stack": lambda lib, x: lib.column_stack([x[0, 0], x[0, 1]]),
    "split": lambda lib, x: x.split(3, -1),
    "split_sizes": lambda lib, x: lib.split(x, [1, 0, 2], 1),
    "chunk": lambda lib, x: x.chunk(3, 1),
    "chunk_fewer": lambda lib, x: lib.chunk(x, 4, 1),
    "unbind": lambda lib, x: x.unbind(2),
    "iterate": lambda lib, x: list(x),
    "narrow": lambda lib, x: x.narrow(-1, -3, 2),
    "flip": lambda lib, x: x.flip(0, 2),
    "flip_tuple": lambda lib, x: lib.flip(x, (0, -1)),
    "flipud": lambda lib, x: lib.flipud(x),
    "fliplr": lambda lib, x: x.fliplr(),
    "roll": lambda lib, x: x.roll(-1, 1),
    "roll_flat": lambda lib, x: lib.roll(x, 5),
    "movedim": lambda lib, x: x.movedim(-1, 0),
    "moveaxis": lambda lib, x: lib.moveaxis(x, (0, 2), (1, 0)),
    "contiguous": lambda lib, x: x.transpose(0, 1).contiguous(),
    "clone": lambda lib, x: x.clone(),
    "diag_matrix": lambda lib, x: lib.diag(x[0], -1),
    "diag_vector": lambda lib, x: x[0, 0].diag(2),
    "diagonal": lambda lib, x: x.diagonal(1, 1, 2),
    "diagonal_negative": lambda lib, x: lib.diagonal(x, -2, -1, -2),
    "diag_embed": lambda lib, x: lib.diag_embed(x[0], -1),
    "tril": lambda lib, x: x.tril(-1),
    "triu": lambda lib, x: lib.triu(x, 2),
}


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_matches_torch(name, dtype):
    if name == "repeat_interleave_indices" and dtype != "int64":
        pytest.skip("takes counts, not data")
    mine = _as_list(FORWARD[name](ember, _inputs(ember, dtype)))
    theirs = _as_list(FORWARD[name](torch, _inputs(torch, dtype)))
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        assert tuple(m.shape) == tuple(t.shape)
        assert str(m.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(m.numpy(), t.numpy())
        assert m.is_contiguous() == t.is_contiguous() or not m.numel()


VIEWS = ["view", "view_infer", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "mT", "t",
         "expand", "broadcast_to", "split", "split_sizes", "chunk", "chunk_fewer", "unbind", "iterate", "narrow",
         "movedim", "moveaxis", "swapdims", "diagonal",
         "diagonal_negative"]


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_views_are_views_as_in_torch(name):
    """The ops torch returns views from share memory and the version counter with their input."""
    x, tx = _inputs(ember, "float32"), _inputs(torch, "float32")
    base, their_base = x.clone(), tx.clone()
    outs, their_outs = _as_list(FORWARD[name](ember, base)), _as_list(FORWARD[name](torch, their_base))
    for out, theirs in zip(outs, their_outs):
        is_view = theirs._base is not None and theirs.untyped_storage().data_ptr() == \
            their_base.untyped_storage().data_ptr()
        assert (name in VIEWS) == is_view or name in ("squeeze", "unsqueeze") or not theirs.numel()
        shares = np.shares_memory(out._data, base._data)
        assert shares == is_view or not out.numel()
        if is_view and out.numel():
            before = out._version
            base.add_(1)                      # visible through the view, and counted by it
            their_base.add_(1)
            assert out._version == before + 1 == theirs._version
            np.testing.assert_array_equal(out.numpy(), theirs.numpy())
            assert out._base is base


def test_strides_offsets_and_contiguity_match_torch():
    x, tx = ember.arange(24.0).view(2, 3, 4), torch.arange(24.0).view(2, 3, 4)
    for fn in (lambda t: t, lambda t: t.transpose(0, 2), lambda t: t[1, :, 1:], lambda t: t[:, ::2],
               lambda t: t.diagonal(0, 1, 2), lambda t: t.narrow(2, 1, 2), lambda t: t.expand(3, 2, 3, 4)):
        mine, theirs = fn(x), fn(tx)
        assert mine.stride() == theirs.stride()
        assert mine.storage_offset() == theirs.storage_offset()
        assert mine.is_contiguous() == theirs.is_contiguous()
    assert x.stride(-1) == 1 and x.data_ptr() == x.view(-1).data_ptr()


def test_reshape_copies_only_when_it_must():
    x = ember.arange(6.0).view(2, 3)
    assert np.shares_memory(x.reshape(3, 2)._data, x._data)
    copied = x.t().reshape(6)
    assert not np.shares_memory(copied._data, x._data)
    np.testing.assert_array_equal(copied.numpy(), [0, 3, 1, 4, 2, 5])


def test_cat_and_stack_promote_dtypes_like_torch():
    for lib in (ember, torch):
        ints, floats = lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.float64)
        assert str(lib.cat([ints, floats]).dtype).endswith("float64")
        assert str(lib.stack([ints, lib.ones(2, dtype=lib.bool)]).dtype).endswith("int64")


def test_multi_output_views_cannot_change_in_place_under_autograd():
    for lib in (ember, torch):
        x = lib.randn(4, 3, requires_grad=True) * 1
        for pieces in (x.unbind(), x.split(2), x.chunk(2), list(x)):
            with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
                pieces[0].add_(1)
        plain = lib.zeros(4, 3)
        plain.unbind()[1].add_(1)              # without autograd it is allowed, and changes `plain`
        assert plain.sum().item() == 3


def test_iterating_records_unbind_and_gradients_add_up():
    x = ember.arange(6.0).view(3, 2).requires_grad_()
    rows = list(x)
    assert all(type(row.grad_fn).__name__ == "UnbindBackward0" for row in rows)
    assert [row.output_nr for row in rows] == [0, 1, 2]
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2], [0, 0], [1, 1]])


def test_split_gradients_with_create_graph():
    x = ember.arange(6.0, dtype=ember.float64).requires_grad_()
    first, second = x.split([2, 4])
    (grad,) = ember.autograd.grad((first ** 2).sum(), x, create_graph=True)
    np.testing.assert_array_equal(grad.detach().numpy(), [0, 2, 0, 0, 0, 0])
    (second_order,) = ember.autograd.grad(grad.sum(), x)
    np.testing.assert_array_equal(second_order.numpy(), [2, 2, 0, 0, 0, 0])


ERRORS = [
    ("view_strides", lambda lib, x: x.t().view(6), RuntimeError, "view size is not compatible"),
    ("view_size", lambda lib, x: x.view(4), RuntimeError, "is invalid for input of size 6"),
    ("cat_sizes", lambda lib, x: lib.cat([x, lib.zeros(3, 2)]), RuntimeError,
     "Sizes of tensors must match except in dimension 0"),
    ("cat_ndim", lambda lib, x: lib.cat([x, lib.zeros(3)]), RuntimeError,
     "Tensors must have same number of dimensions"),
    ("cat_empty", lambda lib, x: lib.cat([]), ValueError, "expected a non-empty list of Tensors"),
    ("cat_dim", lambda lib, x: lib.cat([x, x], 2), IndexError, "Dimension out of range"),
    ("stack_shapes", lambda lib, x: lib.stack([x, x.t()]), RuntimeError, "stack expects each tensor to be equal size"),
    ("stack_empty", lambda lib, x: lib.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    ("flip_dim", lambda lib, x: x.flip(2), IndexError, "Dimension out of range"),
    ("transpose_dim", lambda lib, x: x.transpose(0, 2), IndexError, "Dimension out of range"),
    ("split_zero", lambda lib, x: x.split(0), RuntimeError, "split_size can only be 0 if dimension size is 0"),
    ("split_sizes", lambda lib, x: x.split([1, 2]), RuntimeError, "split_with_sizes expects split_sizes to sum"),
    ("chunk_zero", lambda lib, x: x.chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0"),
    ("unbind_0d", lambda lib, x: x[0, 0].unbind(), IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    ("narrow_length", lambda lib, x: x.narrow(0, 1, 2), RuntimeError, "start (1) + length (2) exceeds dimension size"),
    ("repeat_short", lambda lib, x: x.repeat(2), RuntimeError,
     "Number of dimensions of repeat dims can not be smaller"),
    ("unflatten_sizes", lambda lib, x: x.unflatten(1, (2, 2)), RuntimeError, "don't multiply up to the size of dim 1"),
    ("movedim_repeat", lambda lib, x: x.movedim((0, 0), (1, 0)), RuntimeError, "movedim: repeated dim in `source`"),
    ("diag_3d", lambda lib, x: lib.zeros(2, 2, 2).diag(), RuntimeError, "diag(): Supports 1D or 2D tensors. Got 3D"),
    ("tril_1d", lambda lib, x: x[0].tril(), RuntimeError, "tril: input tensor must have at least 2 dimensions"),
    ("roll_align", lambda lib, x: x.roll((1, 2), (0,)), RuntimeError, "shifts and dimensions must align"),
    ("expand_size", lambda lib, x: x.expand(3, 3), RuntimeError, "The expanded size of the tensor (3) must match"),
    ("permute_dup", lambda lib, x: x.permute(0, 0), RuntimeError, "duplicate dims are not allowed"),
]


@pytest.mark.parametrize("name, fn, error, phrase", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn, error, phrase):
    with pytest.raises(error, match=re.escape(phrase)):
        fn(torch, torch.zeros(2, 3))
    with pytest.raises(error, match=re.escape(phrase)):
        fn(ember, ember.zeros(2, 3))


def test_reshaping_in_place_matches_torch():
    for lib in (ember, torch):
        x = lib.arange(6.0).view(2, 3).requires_grad_()
        y = x * 1
        assert y.t_() is y and tuple(y.shape) == (3, 2) and type(y.grad_fn).__name__ == "TBackward1"
        y.unsqueeze_(0).transpose_(0, 2).squeeze_(2)
        assert tuple(y.shape) == (2, 3)
        assert type(y.grad_fn).__name__ == "SqueezeBackward4" and y._version == 4
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [[1, 2, 3], [1, 2, 3]])
