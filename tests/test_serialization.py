"""ember.save / ember.load: round trips, safetensors interoperability, and hostile files."""
import io
import json
import math
import struct
from collections import OrderedDict

import numpy as np
import pytest

import ember


def round_trip(obj):
    buffer = io.BytesIO()
    ember.save(obj, buffer)
    buffer.seek(0)
    return ember.load(buffer)


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16, ember.int32,
                                   ember.int64, ember.uint8, ember.bool, ember.complex64, ember.complex128])
def test_tensor_round_trip_keeps_values_dtype_and_shape(dtype):
    values = ember.tensor(np.arange(-3, 9).reshape(3, 2, 2) % 5).to(dtype)
    loaded = round_trip(values)
    assert loaded.dtype is dtype and loaded.shape == values.shape
    np.testing.assert_array_equal(loaded.numpy(), values.numpy())


def test_nested_structure_round_trip():
    shared = ember.randn(3)
    obj = {"a": [shared, (1, 2.5, None, "text", True)], "b": {0: shared, 7: {"x": -math.inf}},
           "scalar": ember.tensor(4.0), "empty": ember.zeros(0, 3), "view": ember.arange(12.0).reshape(3, 4).t(),
           "grad": ember.ones(2, requires_grad=True), "dtype": ember.int16}
    loaded = round_trip(obj)
    assert loaded["a"][1] == (1, 2.5, None, "text", True) and isinstance(loaded["a"][1], tuple)
    assert list(loaded["b"]) == [0, 7] and loaded["b"][7]["x"] == -math.inf
    assert loaded["a"][0] is loaded["b"][0]  # one tensor saved once stays one tensor
    assert loaded["a"][0].tolist() == shared.tolist()
    assert loaded["scalar"].shape == () and loaded["scalar"].item() == 4.0
    assert loaded["empty"].shape == (0, 3)
    assert loaded["view"].tolist() == obj["view"].tolist()
    assert loaded["grad"].requires_grad and not loaded["scalar"].requires_grad
    assert loaded["dtype"] is ember.int16
    loaded["scalar"].add_(1)  # loaded tensors own writable memory


def test_ordered_dict_and_optimizer_state_round_trip(tmp_path):
    w = ember.randn(3, 2, requires_grad=True)
    optimizer = ember.optim.Adam([w], lr=0.1, amsgrad=True)
    for _ in range(3):
        optimizer.zero_grad()
        (w ** 2).sum().backward()
        optimizer.step()
    state = OrderedDict(weight=w.detach())
    path = tmp_path / "checkpoint.pt"
    ember.save({"model": state, "optimizer": optimizer.state_dict()}, path)
    loaded = ember.load(path, weights_only=True, map_location="cpu")
    assert isinstance(loaded["model"], OrderedDict)
    assert list(loaded["optimizer"]["state"]) == [0]  # int keys survive
    assert loaded["optimizer"]["param_groups"] == optimizer.state_dict()["param_groups"]
    w2 = loaded["model"]["weight"].clone().requires_grad_()
    resumed = ember.optim.Adam([w2], lr=0.1, amsgrad=True)
    resumed.load_state_dict(loaded["optimizer"])
    for opt, p in ((optimizer, w), (resumed, w2)):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())


def test_unsupported_objects_raise_type_error():
    with pytest.raises(TypeError, match="ember.save cannot store an object of type object"):
        ember.save({"x": object()}, io.BytesIO())


def test_map_location_names_the_cpu_only():
    buffer = io.BytesIO()
    ember.save(ember.ones(1), buffer)
    buffer.seek(0)
    assert ember.load(buffer, map_location=ember.device("cpu")).tolist() == [1.0]
    with pytest.raises(AssertionError, match="CPU only"):
        ember.load(io.BytesIO(), map_location="cuda")


# -- interoperability with the safetensors package -------------------------------------------
def test_safetensors_reads_ember_files(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "model.safetensors"
    state = OrderedDict([("fc.weight", ember.randn(4, 3)), ("fc.bias", ember.arange(4)),
                         ("mask", ember.tensor([True, False]))])
    ember.save(state, path)
    read = safetensors_numpy.load_file(str(path))
    assert sorted(read) == ["fc.bias", "fc.weight", "mask"]
    for key, tensor in state.items():
        np.testing.assert_array_equal(read[key], tensor.numpy())
        assert read[key].dtype == tensor.numpy().dtype


def test_ember_reads_safetensors_files(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "weights.safetensors"
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, -2], dtype=np.int64),
              "c": np.zeros((0,), dtype=np.float64), "d": np.array(2.5, dtype=np.float16)}
    safetensors_numpy.save_file(arrays, str(path))
    loaded = ember.load(path)
    assert isinstance(loaded, dict) and sorted(loaded) == ["a", "b", "c", "d"]
    for key, array in arrays.items():
        assert loaded[key].numpy().dtype == array.dtype
        np.testing.assert_array_equal(loaded[key].numpy(), array)


def test_ember_reads_torch_safetensors(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file({"w": torch.linspace(0, 1, 5), "i": torch.tensor([[1, 2]], dtype=torch.int32)},
                                str(path))
    loaded = ember.load(path)
    assert loaded["w"].tolist() == pytest.approx(torch.linspace(0, 1, 5).tolist())
    assert loaded["i"].dtype is ember.int32 and loaded["i"].tolist() == [[1, 2]]


# -- hostile and broken files --------------------------------------------------------------
def build(header, data=b"", length=None):
    text = json.dumps(header).encode() if isinstance(header, dict) else header
    return struct.pack("<Q", len(text) if length is None else length) + text + data


GOOD = {"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
BROKEN = {
    "empty file": b"",
    "short length": b"\x01\x02\x03",
    "header longer than file": build(GOOD, b"\0" * 8, length=10_000),
    "absurd header length": build(GOOD, length=2 ** 63),
    "not json": build(b"{not json at all"),
    "not utf8": build(b"\xff\xfe{}"),
    "json list": build(b"[1, 2, 3]"),
    "unknown dtype": build({"x": {"dtype": "F8_E4M3X", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2),
    "offsets past the end": build({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
    "size mismatch": build({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
    "huge shape": build({"x": {"dtype": "F64", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 8]}}, b"\0" * 8),
    "negative shape": build({"x": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\0" * 8),
    "overlap": build({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                      "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12),
    "missing field": build({"x": {"dtype": "F32", "shape": [2]}}, b"\0" * 8),
    "metadata not strings": build({"__metadata__": {"ember_structure": 5}}),
    "structure not json": build({"__metadata__": {"ember_structure": "{oops"}}),
    "structure names a missing tensor": build({"__metadata__": {"ember_structure": '{"__tensor__": "nope"}'}}),
    "structure with foreign object": build({"__metadata__": {"ember_structure": '{"__reduce__": "os.system"}'}}),
    "deeply nested structure": build({"__metadata__": {"ember_structure": "[" * 100_000 + "]" * 100_000}}),
    "bad special float": build({"__metadata__": {"ember_structure": '{"__float__": "__import__"}'}}),
    "bad dtype object": build({"__metadata__": {"ember_structure": '{"__dtype__": "Tensor"}'}}),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_a_clear_runtime_error(name):
    with pytest.raises(RuntimeError, match="ember.load: not a valid ember/safetensors file"):
        ember.load(io.BytesIO(BROKEN[name]))


def test_truncated_real_file_raises(tmp_path):
    buffer = io.BytesIO()
    ember.save({"w": ember.randn(10, 10)}, buffer)
    data = buffer.getvalue()
    for cut in (4, 20, len(data) - 1):
        with pytest.raises(RuntimeError, match="not a valid ember/safetensors file"):
            ember.load(io.BytesIO(data[:cut]))


def test_a_trained_model_saved_and_loaded_gives_identical_outputs(tmp_path):
    """Issue 5's round trip: train, save state_dict and optimizer state, load into fresh objects,
    evaluate (identical outputs) and keep training (identical next step)."""
    def make():
        ember.manual_seed(0)
        model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.BatchNorm1d(8),
                                    ember.nn.Linear(8, 3))
        return model, ember.optim.Adam(model.parameters(), lr=0.01)

    def step(model, optimizer, x, y):
        optimizer.zero_grad()
        loss = ember.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    x, y = ember.randn(16, 4), ember.randint(0, 3, (16,))
    model, optimizer = make()
    for _ in range(20):
        step(model, optimizer, x, y)
    path = tmp_path / "checkpoint.safetensors"
    ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)

    restored, restored_optimizer = make()
    checkpoint = ember.load(path)
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    model.eval(), restored.eval()
    assert ember.equal(model(x), restored(x))  # running statistics came back too
    model.train(), restored.train()
    assert ember.equal(step(model, optimizer, x, y), step(restored, restored_optimizer, x, y))
    assert all(ember.equal(a, b) for a, b in zip(model.parameters(), restored.parameters()))
