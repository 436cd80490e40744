"""Typed tensor classes, Tensor.type, autograd.Variable, torch.range, constants, memory formats and the
top-level in-place functions, each against torch."""
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TYPED = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


def same(ours, theirs):
    assert ours.dtype.name == str(theirs.dtype).split(".")[1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", TYPED)
@pytest.mark.parametrize("data", [[1, 0, 2], [[1.0, 0.0], [3.0, 1.0]], [True, False], (2, 3), []])
def test_typed_class_from_data(name, data):
    same(getattr(ember, name)(data), getattr(torch, name)(data))


@pytest.mark.parametrize("name", TYPED)
@pytest.mark.parametrize("sizes", [(3,), (2, 3), (0,), ()])
def test_typed_class_from_sizes(name, sizes):
    ours, theirs = getattr(ember, name)(*sizes), getattr(torch, name)(*sizes)
    assert ours.dtype.name == str(theirs.dtype).split(".")[1] and tuple(ours.shape) == tuple(theirs.shape)
    assert tuple(getattr(ember, name)(ember.Size(sizes)).shape) == tuple(getattr(torch, name)(torch.Size(sizes)).shape)


def test_typed_class_isinstance_and_alias():
    for lib in (ember, torch):
        x = lib.LongTensor([1, 2])
        assert isinstance(x, lib.LongTensor) and not isinstance(x, lib.FloatTensor)
        assert isinstance(lib.tensor([1.0]), lib.FloatTensor) and isinstance(x, lib.Tensor)
        y = lib.ones(2, requires_grad=True)
        alias = lib.FloatTensor(y)
        assert alias is not y and alias.requires_grad and alias.data_ptr() == y.data_ptr()


@pytest.mark.parametrize("call, error", [
    (lambda lib: lib.FloatTensor(2.5), TypeError),
    (lambda lib: lib.LongTensor("a"), TypeError),
    (lambda lib: lib.FloatTensor([1], [2]), TypeError),
    (lambda lib: lib.FloatTensor(-1), RuntimeError),
    (lambda lib: lib.FloatTensor(lib.tensor([1, 2])), TypeError),
    (lambda lib: lib.ones(1).type("torch.NoSuchTensor"), ValueError),
    (lambda lib: lib.autograd.Variable([1, 2]), TypeError),
])
def test_errors_as_torch(call, error):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(ember)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool", "float16"])
def test_tensor_type(dtype):
    ours, theirs = ember.ones(2, dtype=getattr(ember, dtype)), torch.ones(2, dtype=getattr(torch, dtype))
    assert ours.type() == theirs.type().replace("torch.", "ember.")
    for target in ["torch.LongTensor", "torch.FloatTensor", "torch.BoolTensor"]:
        same(ours.type(target), theirs.type(target))
        same(ours.type(getattr(ember, target.split(".")[1])), theirs.type(getattr(torch, target.split(".")[1])))
    same(ours.type(ember.float64), theirs.type(torch.float64))


def test_type_keeps_the_graph():
    x = ember.tensor([1.5, 2.0], requires_grad=True)
    y = x.type("torch.DoubleTensor")
    y.sum().backward()
    assert y.dtype is ember.float64 and x.grad.tolist() == [1.0, 1.0]


def test_variable():
    for lib in (ember, torch):
        t = lib.ones(2)
        v = lib.autograd.Variable(t, requires_grad=True)
        assert v is not t and v.requires_grad and not t.requires_grad and v.data_ptr() == t.data_ptr()
        assert not lib.autograd.Variable(t).requires_grad
        assert isinstance(t, lib.autograd.Variable)
    import ember.autograd as autograd
    (autograd.Variable(ember.tensor([2.0]), requires_grad=True) ** 2).sum().backward()


@pytest.mark.parametrize("args, kwargs", [((0, 3), {}), ((0, 1, 0.25), {}), ((1, 4, 2), {}),
                                          ((0, 3), {"dtype": "int64"}), ((3, 0, -1), {}), ((0, 0), {})])
def test_range(args, kwargs):
    results = []
    for lib in (ember, torch):
        options = {key: getattr(lib, value) for key, value in kwargs.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(lib.range(*args, **options))
        assert any("deprecated" in str(w.message) for w in caught)
    same(*results)


def test_range_errors():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.range(3, 0)
        with pytest.raises(TypeError):
            lib.range(5)  # torch.range needs an end


def test_constants_and_memory_formats():
    for name in ["pi", "e", "inf", "nan"]:
        ours, theirs = getattr(ember, name), getattr(torch, name)
        assert type(ours) is type(theirs) and (ours == theirs or math.isnan(ours) and math.isnan(theirs))
    for name in ["preserve_format", "contiguous_format", "channels_last", "channels_last_3d"]:
        assert repr(getattr(ember, name)).split(".")[1] == repr(getattr(torch, name)).split(".")[1]
    x = ember.arange(24.0).reshape(1, 2, 3, 4)
    t = torch.arange(24.0).reshape(1, 2, 3, 4)
    for fmt in ["preserve_format", "contiguous_format", "channels_last"]:
        same(x.to(memory_format=getattr(ember, fmt)), t.to(memory_format=getattr(torch, fmt)))
        same(x.clone(memory_format=getattr(ember, fmt)), t.clone(memory_format=getattr(torch, fmt)))
    same(x.contiguous(memory_format=ember.contiguous_format), t.contiguous(memory_format=torch.contiguous_format))
    same(ember.zeros_like(x, memory_format=ember.preserve_format),
         torch.zeros_like(t, memory_format=torch.preserve_format))


INPLACE_ARGS = {"clamp_": (0.2, 0.6), "clamp_min_": (0.3,), "clamp_max_": (0.3,), "clip_": (0.2, 0.6),
                "fill_": (2.0,), "xlogy_": (2.0,), "logit_": (1e-3,), "index_put_": None}


@pytest.mark.parametrize("name", sorted(ember._legacy.INPLACE_FUNCTIONS))
def test_top_level_inplace_functions(name):
    assert hasattr(torch, name)
    if INPLACE_ARGS.get(name, ()) is None:
        return  # index_put_ takes indices: ember.index_put_ is its own op, tested with the indexing ops
    args = INPLACE_ARGS.get(name, ())
    ours = ember.tensor([0.1, 0.5, 0.9], dtype=ember.float64)
    theirs = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    out_ours, out_theirs = getattr(ember, name)(ours, *args), getattr(torch, name)(theirs, *args)
    assert out_ours is ours and out_theirs is theirs
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_function_on_a_leaf_that_requires_grad_raises_as_torch():
    with pytest.raises(RuntimeError):
        torch.sin_(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError):
        ember.sin_(ember.ones(2, requires_grad=True))
    with pytest.raises(TypeError):
        torch.sin_([1.0])
    with pytest.raises(TypeError):
        ember.sin_([1.0])
