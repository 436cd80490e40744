"""torch.cuda's typed tensor classes, memory counters and random-number state, on both sides: without
a GPU they answer as torch's CPU build does (asked of the installed torch), and on a GPU (or under the
CuPy stand-in, in the subprocess of tests/test_cuda.py) they answer from CuPy."""
import numpy as np
import pytest

import ember

on_gpu = ember.cuda.is_available()
needs_gpu = pytest.mark.skipif(not on_gpu, reason="needs CuPy with a GPU, or the stand-in")
needs_no_gpu = pytest.mark.skipif(on_gpu, reason="a GPU (or the stand-in) is present")
pytestmark = pytest.mark.usefixtures("cpu_by_default")



CPU_BUILD_CALLS = [
    ("FloatTensor", lambda lib: lib.cuda.FloatTensor(2)), ("LongTensor-data", lambda lib: lib.cuda.LongTensor([1])),
    ("mem_get_info", lambda lib: lib.cuda.mem_get_info()), ("memory_summary", lambda lib: lib.cuda.memory_summary()),
    ("max_memory_reserved", lambda lib: lib.cuda.max_memory_reserved()),
    ("memory_stats", lambda lib: dict(lib.cuda.memory_stats())),
    ("reset_peak_memory_stats", lambda lib: lib.cuda.reset_peak_memory_stats()),
    ("get_rng_state", lambda lib: lib.cuda.get_rng_state()),
    ("set_rng_state", lambda lib: lib.cuda.set_rng_state(lib.get_rng_state())),
    ("get_rng_state_all", lambda lib: lib.cuda.get_rng_state_all()),
    ("set_rng_state_all", lambda lib: lib.cuda.set_rng_state_all([])),
    ("seed", lambda lib: lib.cuda.seed()), ("seed_all", lambda lib: lib.cuda.seed_all()),
    ("initial_seed", lambda lib: lib.cuda.initial_seed()),
    ("legacy-device", lambda lib: lib.FloatTensor(2, device="cuda")),
    ("isinstance", lambda lib: isinstance(lib.ones(1), lib.cuda.FloatTensor)),
]


@needs_no_gpu
@pytest.mark.parametrize("name,call", CPU_BUILD_CALLS, ids=[case[0] for case in CPU_BUILD_CALLS])
def test_without_a_gpu_these_answer_as_torchs_cpu_build(name, call):
    torch = pytest.importorskip("torch")
    try:
        expected = call(torch)
    except Exception as error:  # the same class, and torch's words first
        with pytest.raises(type(error)) as raised:
            call(ember)
        assert str(raised.value).startswith(str(error).rstrip("'")[:40])
        return
    assert call(ember) == expected


@needs_no_gpu
def test_without_a_gpu_converting_to_a_cuda_type_raises_torchs_runtime_error():
    torch = pytest.importorskip("torch")
    for target in ("torch.cuda.FloatTensor", "torch.cuda.LongTensor"):
        with pytest.raises(RuntimeError, match="Cannot initialize CUDA"):
            torch.ones(2).type(target)
        with pytest.raises(RuntimeError, match="Cannot initialize CUDA"):
            ember.ones(2).type(target)


def test_the_cuda_typed_classes_are_torchs_names():
    torch = pytest.importorskip("torch")
    names = sorted(name for name in dir(torch.cuda) if name.endswith("Tensor") and name != "BFloat16Tensor")
    assert [name for name in names if not hasattr(ember.cuda, name)] == []
    for name in names:
        ours, theirs = getattr(ember.cuda, name), getattr(torch.cuda, name)
        assert ours.dtype == getattr(ember, str(theirs.dtype).split(".")[1]) and ours.is_cuda is theirs.is_cuda is True
        assert repr(ours) == repr(theirs).replace("torch", "ember")
        assert getattr(ember, name).is_cuda is getattr(torch, name).is_cuda is False


@needs_gpu
def test_typed_classes_tell_cpu_and_cuda_tensors_apart():
    x = ember.ones(2, device="cuda")
    assert isinstance(x, ember.cuda.FloatTensor) and not isinstance(x, ember.FloatTensor)
    assert isinstance(ember.ones(2), ember.FloatTensor) and not isinstance(ember.ones(2), ember.cuda.FloatTensor)
    assert not isinstance(x, ember.cuda.DoubleTensor) and isinstance(x.long(), ember.cuda.LongTensor)
    built = ember.cuda.FloatTensor(2, 3)
    assert built.is_cuda and built.shape == (2, 3) and built.dtype == ember.float32
    data = ember.cuda.LongTensor([1, 2])
    assert data.is_cuda and data.dtype == ember.int64 and data.tolist() == [1, 2]
    assert ember.cuda.BoolTensor([True]).dtype == ember.bool and ember.cuda.HalfTensor(1).dtype == ember.float16
    assert ember.cuda.ByteTensor([1]).dtype == ember.uint8 and ember.cuda.IntTensor([1]).dtype == ember.int32
    assert ember.cuda.DoubleTensor().shape == (0,) and ember.cuda.DoubleTensor().is_cuda
    assert ember.cuda.FloatTensor(x) is not x and ember.cuda.FloatTensor(x).is_cuda  # an alias, as torch's
    with pytest.raises(TypeError, match="expected a cuda ember.float32 tensor"):
        ember.cuda.FloatTensor(ember.ones(2))       # a CPU tensor: torch's type_equal refuses it
    with pytest.raises(RuntimeError, match="legacy constructor expects device type: cuda"):
        ember.cuda.FloatTensor(2, device="cpu")
    with pytest.raises(RuntimeError, match="legacy constructor expects device type: cpu"):
        ember.FloatTensor(2, device="cuda")


@needs_gpu
def test_type_moves_between_devices_as_torchs():
    x = ember.tensor([1.5, 2.5])
    moved = x.type("torch.cuda.DoubleTensor")
    assert moved.is_cuda and moved.dtype == ember.float64 and moved.tolist() == [1.5, 2.5]
    assert x.type(ember.cuda.LongTensor).is_cuda and x.type(ember.cuda.LongTensor).tolist() == [1, 2]
    back = moved.type(ember.FloatTensor)             # a CPU class: to the CPU
    assert not back.is_cuda and back.dtype == ember.float32
    assert moved.type("torch.IntTensor").device == ember.device("cpu")
    assert moved.type(ember.float32).is_cuda         # a dtype keeps the device
    assert moved.type() == "ember.cuda.DoubleTensor" and moved.type("torch.cuda.FloatTensor").is_cuda


@needs_gpu
def test_memory_counters_answer_from_cupys_pool():
    ember.cuda.reset_peak_memory_stats()
    x = ember.ones(1000, dtype=ember.float64, device="cuda")
    stats = ember.cuda.memory_stats()
    assert list(stats) == sorted(stats) and stats["allocated_bytes.all.current"] >= x.nbytes
    assert stats["allocated_bytes.all.peak"] >= stats["allocated_bytes.all.current"]
    assert ember.cuda.max_memory_reserved() >= ember.cuda.memory_reserved() >= stats["allocated_bytes.all.current"]
    free, total = ember.cuda.mem_get_info()
    assert isinstance(free, int) and isinstance(total, int) and 0 <= free <= total
    summary = ember.cuda.memory_summary()
    assert "PyTorch CUDA memory summary, device ID 0" in summary and "Allocated memory" in summary
    del x


@needs_gpu
def test_the_rng_state_is_the_host_generators_and_restores_gpu_draws():
    ember.manual_seed(7)
    state = ember.cuda.get_rng_state()
    assert state.dtype == ember.uint8 and not state.is_cuda
    first = ember.rand(4, device="cuda")
    assert not ember.equal(ember.rand(4, device="cuda"), first)  # the draws moved the state on
    ember.cuda.set_rng_state(state)
    np.testing.assert_array_equal(ember.rand(4, device="cuda").cpu().numpy(), first.cpu().numpy())
    states = ember.cuda.get_rng_state_all()
    assert len(states) == ember.cuda.device_count()
    ember.cuda.set_rng_state_all(states)
    assert ember.cuda.initial_seed() == 7 and ember.cuda.seed() is None and ember.cuda.seed_all() is None


def test_module_type_takes_a_dtype_or_a_typed_class():
    torch = pytest.importorskip("torch")
    for target in ("DoubleTensor", "float64"):
        ours = ember.nn.Linear(2, 2).type(getattr(ember, target))
        theirs = torch.nn.Linear(2, 2).type(getattr(torch, target))
        assert str(ours.weight.dtype)[6:] == str(theirs.weight.dtype)[6:] and str(ours.bias.dtype)[6:] == "float64"
    if on_gpu:
        model = ember.nn.Linear(2, 2).type(ember.cuda.FloatTensor)
        assert model.weight.is_cuda and model.weight.dtype == ember.float32 and isinstance(model.weight,
                                                                                            ember.nn.Parameter)
        assert not model.type(ember.FloatTensor).weight.is_cuda
