"""Indexing against torch: x[...] in all its forms, x[...] = v and in-place ops through views
(CopySlices), gather/scatter/index_*/masked_*/take/nonzero with integer dtypes, and errors.

Each scenario runs the same code on ember and torch and compares values, dtypes, grad_fn names
and the gradients of every leaf.
"""
import re

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _name(tensor):
    return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__


def _run(fn, shapes, lib):
    rng = np.random.default_rng(0)
    leaves = [lib.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    outs = fn(lib, *leaves)
    outs = outs if isinstance(outs, tuple) else (outs,)
    total = sum((out * lib.tensor(rng.standard_normal(tuple(out.shape)))).sum() for out in outs)
    total.backward()
    return outs, leaves


def assert_same_as_torch(fn, shapes):
    (mine, my_leaves), (theirs, their_leaves) = _run(fn, shapes, ember), _run(fn, shapes, torch)
    for m, t in zip(mine, theirs):
        assert tuple(m.shape) == tuple(t.shape)
        assert _name(m) == _name(t)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    for m, t in zip(my_leaves, their_leaves):
        if t.grad is None:
            assert m.grad is None
        else:
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# -- x[index] -----------------------------------------------------------------------------------
GETITEM = ["x[1]", "x[-1, 2]", "x[:, 1:3]", "x[..., ::2]", "x[None, 1]", "x[1, None, :, None]", "x[[0, 2]]",
           "x[[0, 0, 2], [1, 1, 3]]", "x[:, [0, 0, 3]]", "x[1, [0, 2]]", "x[[0, 1], :, [1, 2]]",
           "x[lib.tensor([[0, 1], [2, 2]])]", "x[x > 0]", "x[(x > 0)[..., 0]]", "x[:, (x > 0)[0, :, 0]]",
           "x[..., lib.tensor([4, 0])]", "x[lib.tensor(1), 2]", "x[1:, lib.tensor([True, False, True, True])]",
           "x[[True, False, True]]", "x[...]", "x[:]", "x[1][2][3]", "x[0, 1:2, None, [3]]",
           "x[:, None, [1, 2], [0, 4]]", "x[[[0], [1]], [[1, 2]]]", "x[True]", "x[False]", "x[1, True]", "x[None]",
           "x[lib.tensor([1, 2]).int()]", "x[lib.tensor([], dtype=lib.int64)]", "x[[0, 1], 1:3, [2, 3]]",
           "x[-3:-1, 10:]"]


@pytest.mark.parametrize("expression", GETITEM)
def test_getitem_matches_torch(expression):
    assert_same_as_torch(lambda lib, x: eval(expression, {"x": x, "lib": lib}), [(3, 4, 5)])


def test_repeated_indices_add_up():
    x = ember.zeros(3, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 0, 1])


# -- x[index] = value and in-place ops through views -----------------------------------------
def _setitem(index, value_shape=None):
    def fn(lib, x, *value):
        y = x * 1
        index_ = eval(index, {"lib": lib, "y": y}) if isinstance(index, str) else index
        y[index_] = value[0] if value else 2.5
        return y
    return fn


def _view_then(op):
    def fn(lib, x, *others):
        y = x * 1
        view = y[1:, ::2]
        op(lib, view, *others)
        return y, view
    return fn


INPLACE = {
    "setitem_int": (_setitem(1), [(3, 4), (4,)]),
    "setitem_slice_step": (_setitem((slice(None), slice(None, None, 2))), [(3, 4), (3, 1)]),
    "setitem_mask": (_setitem("y > 0"), [(3, 4), ()]),
    "setitem_mask_number": (_setitem("y > 0"), [(3, 4)]),
    "setitem_list": (_setitem("[2, 0]"), [(3, 4), (2, 4)]),
    "setitem_tensor_index": (_setitem("(lib.tensor([0, 2]), lib.tensor([1, 3]))"), [(3, 4), (2,)]),
    "view_add_": (_view_then(lambda lib, v, b: v.add_(b)), [(3, 4), (2,)]),
    "view_mul_": (_view_then(lambda lib, v, b: v.mul_(b)), [(3, 4), (2, 2)]),
    "view_chain": (_view_then(lambda lib, v: v.mul_(2).exp_()), [(3, 4)]),
    "view_setitem": (_view_then(lambda lib, v, b: v.__setitem__(0, b)), [(3, 4), (2,)]),
    "view_setitem_mask": (_view_then(lambda lib, v: v.__setitem__(v > 0, 0.0)), [(3, 4)]),
    "view_copy_": (_view_then(lambda lib, v, b: v.copy_(b)), [(3, 4), (2,)]),
    "view_zero_": (_view_then(lambda lib, v: v.zero_()), [(3, 4)]),
    "view_fill_": (_view_then(lambda lib, v: v.fill_(3.0)), [(3, 4)]),
    "view_of_view": (_view_then(lambda lib, v, b: v[0].mul_(b)), [(3, 4), ()]),
    "transposed_base": (lambda lib, x, b: _transposed(lib, x, b), [(3, 4), (3,)]),
    "row_mul_": (lambda lib, x: _row_mul(lib, x), [(3, 4)]),
    "base_changes_under_views": (lambda lib, x: _base_changes(lib, x), [(3, 4)]),
    "masked_fill_view": (_view_then(lambda lib, v: v.masked_fill_(v > 0, 1.0)), [(3, 4)]),
    "index_add_view": (_view_then(lambda lib, v, s: v.index_add_(0, lib.tensor([1, 1]), s)), [(3, 4), (2, 2)]),
}


def _transposed(lib, x, b):
    y = x.t() * 1          # a result whose memory is laid out transposed
    y[1:, 0].mul_(b)
    return y


def _base_changes(lib, x):
    y = x * 1
    row, column = y[1], y[:, 2]  # live views: their histories must pass through the changes
    y.mul_(3)
    y[0] = 1.0
    return row, column


def _row_mul(lib, x):
    y = x * 1
    y[0].mul_(2)
    return y


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_through_views_matches_torch(name):
    fn, shapes = INPLACE[name]
    assert_same_as_torch(fn, shapes)


def test_inplace_on_view_of_plain_tensor_makes_the_base_require_grad():
    for lib in (ember, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        z = lib.zeros(3)
        view = z[:2]
        view.add_(w)
        assert _name(z) == "CopySlices" and _name(view) == "AsStridedBackward0"
        (z * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        np.testing.assert_array_equal(w.grad.numpy(), [1, 10])


def test_saved_view_changed_in_place_raises_like_torch():
    for lib in (ember, torch):
        y = lib.ones(3, requires_grad=True) * 1
        view = y[1:]
        view.add_(1).mul_(view)
        with pytest.raises(RuntimeError, match="output 0 of AsStrided, is at version 2; expected version 1"):
            view.sum().backward()


def test_view_of_leaf_that_requires_grad_still_refuses():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            x[0].add_(1)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x[0] = 2.0


def test_writing_into_an_expanded_view_refuses():
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        (ember.ones(3, requires_grad=True) * 1).expand(2, 3).mul_(2)


# -- gather, scatter and friends -----------------------------------------------------------------
def _index(lib, rows):
    return lib.tensor(rows)


FORWARD = {
    "gather": lambda lib, x: x.gather(1, _index(lib, [[0, 0], [2, 1]])),
    "gather_int32": lambda lib, x: lib.gather(x, 0, _index(lib, [[1, 0, 1]]).int()),
    "scatter": lambda lib, x: x.scatter(0, _index(lib, [[1, 0, 1]]), x[:1] * 3),
    "scatter_value": lambda lib, x: x.scatter(1, _index(lib, [[2], [0]]), 7),
    "scatter_add": lambda lib, x: lib.scatter_add(x, 1, _index(lib, [[0, 0, 2], [1, 1, 1]]), x),
    "scatter_reduce_multiply": lambda lib, x: x.scatter(1, _index(lib, [[0, 0]]), 3, reduce="multiply"),
    "index_select": lambda lib, x: x.index_select(1, _index(lib, [2, 2, 0])),
    "index_select_scalar": lambda lib, x: x.index_select(0, _index(lib, 1)),
    "index_add": lambda lib, x: x.index_add(0, _index(lib, [1, 1]), x, alpha=2),
    "index_fill": lambda lib, x: x.index_fill(1, _index(lib, [0, 2]), 9),
    "masked_fill": lambda lib, x: x.masked_fill(x > 2, 0),
    "masked_select": lambda lib, x: x.masked_select(x % 2 == 0),
    "masked_scatter": lambda lib, x: x.masked_scatter(x > 2, x * 10),
    "take": lambda lib, x: lib.take(x, _index(lib, [[-1, 0], [3, 3]])),
    "nonzero": lambda lib, x: (x - 2).nonzero(),
    "nonzero_tuple": lambda lib, x: (x - 2).nonzero(as_tuple=True),
    "nonzero_0d": lambda lib, x: lib.nonzero(x[0, 1], as_tuple=True),
    "argwhere": lambda lib, x: lib.argwhere(x > 3),
    "scatter_": lambda lib, x: x.clone().scatter_(0, _index(lib, [[1, 1, 0]]), 5),
    "index_fill_": lambda lib, x: x.clone().index_fill_(0, _index(lib, [0]), -1),
    "masked_fill_": lambda lib, x: x.clone().masked_fill_(x < 2, 4),
    "tril_": lambda lib, x: x.clone().tril_(),
    "triu_": lambda lib, x: x.clone().triu_(1),
}


@pytest.mark.parametrize("dtype", ["int64", "float32"])
@pytest.mark.parametrize("name", sorted(FORWARD))
def test_indexing_ops_forward_matches_torch(name, dtype):
    results = []
    for lib in (ember, torch):
        out = FORWARD[name](lib, lib.tensor([[0, 1, 2], [3, 4, 5]], dtype=getattr(lib, dtype)))
        results.append(out if isinstance(out, tuple) else (out,))
    for mine, theirs in zip(*results):
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_in_place_indexing_ops_record_torch_names():
    for lib in (ember, torch):
        y = lib.ones(2, 3, requires_grad=True) * 1
        assert _name(y.index_add_(0, lib.tensor([1]), lib.ones(1, 3))) == "IndexAddBackward0"
        assert _name(y.scatter_add_(0, lib.tensor([[1]]), lib.ones(1, 1))) == "ScatterAddBackward0"
        assert _name(y.masked_scatter_(y > 5, lib.ones(6))) == "MaskedScatterBackward0"
        assert _name(y.index_fill_(1, lib.tensor([0]), 2.0)) == "IndexFillBackward0"


ERRORS = [
    ("gather_dtype", lambda lib, x: x.gather(0, lib.tensor([[0.0]])), RuntimeError,
     "Expected dtype int32/int64 for index"),
    ("gather_bounds", lambda lib, x: x.gather(0, lib.tensor([[0, 5, 0]])), RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("gather_ndim", lambda lib, x: x.gather(0, lib.tensor([0, 1])), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    ("scatter_bounds", lambda lib, x: x.scatter(0, lib.tensor([[0, 5, 0]]), 1.0), RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("index_select_dtype", lambda lib, x: x.index_select(0, lib.tensor([0.0])), RuntimeError,
     "Expected dtype int32 or int64 for index"),
    ("index_select_bounds", lambda lib, x: x.index_select(0, lib.tensor([5])), IndexError,
     "index out of range in self"),
    ("index_select_2d", lambda lib, x: x.index_select(0, lib.tensor([[0]])), IndexError,
     "Index is supposed to be a vector"),
    ("masked_fill_dtype", lambda lib, x: x.masked_fill(lib.ones(3), 0.0), RuntimeError, "only supports boolean masks"),
    ("masked_fill_value", lambda lib, x: x.masked_fill(x > 0, lib.ones(3)), RuntimeError,
     "only supports a 0-dimensional value tensor"),
    ("masked_select_shape", lambda lib, x: x.masked_select(lib.ones(4, dtype=lib.bool)), RuntimeError,
     "The size of tensor a (4) must match the size of tensor b (3)"),
    ("getitem_bounds", lambda lib, x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
    ("getitem_tensor_bounds", lambda lib, x: x[:, lib.tensor([5])], IndexError,
     "index 5 is out of bounds for dimension"),
    ("getitem_mask_shape", lambda lib, x: x[lib.tensor([True, False, True])], IndexError, "The shape of the mask [3]"),
    ("getitem_too_many", lambda lib, x: x[0, 0, 0], IndexError, "too many indices for tensor of dimension 2"),
    ("take_bounds", lambda lib, x: x.take(lib.tensor([6])), IndexError, "out of range: tried to access index 6"),
    ("index_add_dtype", lambda lib, x: x.index_add(0, lib.tensor([0]), lib.ones(1, 3, dtype=lib.float64)),
     RuntimeError, "must have the same scalar type"),
]


@pytest.mark.parametrize("name, fn, error, phrase", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, fn, error, phrase):
    with pytest.raises(error, match=re.escape(phrase)):
        fn(torch, torch.zeros(2, 3))
    with pytest.raises(error, match=re.escape(phrase)):
        fn(ember, ember.zeros(2, 3))
