"""DLPack and NumPy exchange (issue 19): zero-copy both ways with NumPy and torch."""
import numpy as np
import pytest

import ember


def test_numpy_from_an_ember_tensor_shares_memory():
    t = ember.arange(6.0).reshape(2, 3)
    array = np.from_dlpack(t)
    array[0, 1] = 50.0
    assert t[0, 1].item() == 50.0 and t.__dlpack_device__() == (1, 0)
    assert np.shares_memory(array, t.numpy())


def test_ember_from_numpy_through_dlpack_shares_memory():
    array = np.arange(4, dtype=np.int32)
    t = ember.from_dlpack(array)
    t[2] = -1
    assert array.tolist() == [0, 1, -1, 3] and t.dtype is ember.int32
    assert ember.from_dlpack(t) is t
    assert ember.utils.dlpack.from_dlpack(ember.utils.dlpack.to_dlpack(t)).tolist() == [0, 1, -1, 3]


def test_tensors_that_require_grad_are_not_exported():
    t = ember.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
        np.from_dlpack(t)
    assert np.from_dlpack(t.detach()).tolist() == [1.0, 1.0]


def test_numpy_force_shares_memory_as_torch():
    t = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        t.numpy()
    forced = t.numpy(force=True)
    assert np.shares_memory(forced, t.detach().numpy()) and forced.tolist() == [1.0, 1.0, 1.0]
    assert np.asarray(ember.arange(3)).tolist() == [0, 1, 2]


def test_non_dlpack_objects_are_refused():
    with pytest.raises(TypeError, match="from_dlpack expects an object with __dlpack__"):
        ember.from_dlpack([1, 2])


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int8", "uint8", "bool", "complex64"])
def test_zero_copy_with_torch_both_ways(dtype):
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(2, 3, dtype=getattr(torch, dtype))
    ours = ember.from_dlpack(theirs)
    assert ours.dtype is getattr(ember, dtype) and ours.shape == (2, 3)
    ours[1, 2] = 1
    assert theirs[1, 2].item() == 1  # one memory
    back = torch.from_dlpack(ours.t())
    assert back.data_ptr() == theirs.data_ptr() and back.stride() == theirs.t().stride()
    back[0, 1] = 1
    assert ours[1, 0].item() == 1
    capsule = torch.utils.dlpack.to_dlpack(theirs)
    assert ember.from_dlpack(capsule).data_ptr() == theirs.data_ptr()
    assert torch.utils.dlpack.from_dlpack(ember.utils.dlpack.to_dlpack(ours)).data_ptr() == theirs.data_ptr()


def test_torch_tensors_that_require_grad_and_bfloat16():
    torch = pytest.importorskip("torch")
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        ember.from_dlpack(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="ember.from_dlpack cannot take this Tensor"):
        ember.from_dlpack(torch.ones(2, dtype=torch.bfloat16))
