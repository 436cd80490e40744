"""ember.save / ember.load: round trips in both formats, safetensors interoperability, the safetensors
layout's hostile files, key collisions and atomic saves. torch's own files: test_serialization_torch.py."""
import io
import json
import math
import os
import stat
import struct
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

FORMATS = ["torch", "safetensors"]


def round_trip(obj, format="safetensors"):
    buffer = io.BytesIO()
    ember.save(obj, buffer, format=format)
    buffer.seek(0)
    return ember.load(buffer)


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16, ember.int32,
                                   ember.int64, ember.uint8, ember.bool, ember.complex64, ember.complex128])
@pytest.mark.parametrize("format", FORMATS)
def test_tensor_round_trip_keeps_values_dtype_and_shape(dtype, format):
    values = ember.tensor(np.arange(-3, 9).reshape(3, 2, 2) % 5).to(dtype)
    loaded = round_trip(values, format)
    assert loaded.dtype is dtype and loaded.shape == values.shape
    np.testing.assert_array_equal(loaded.numpy(), values.numpy())


@pytest.mark.parametrize("format", FORMATS)
def test_nested_structure_round_trip(format):
    shared = ember.randn(3)
    obj = {"a": [shared, (1, 2.5, None, "text", True)], "b": {0: shared, 7: {"x": -math.inf}},
           "scalar": ember.tensor(4.0), "empty": ember.zeros(0, 3), "view": ember.arange(12.0).reshape(3, 4).t(),
           "grad": ember.ones(2, requires_grad=True), "dtype": ember.int16}
    loaded = round_trip(obj, format)
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


@pytest.mark.parametrize("format", FORMATS)
def test_unsupported_objects_raise_type_error(format):
    with pytest.raises(TypeError, match="ember.save cannot store an object of type object"):
        ember.save({"x": object()}, io.BytesIO(), format=format)


@pytest.mark.parametrize("format", FORMATS)
def test_map_location(format):
    buffer = io.BytesIO()
    ember.save({"w": ember.ones(1)}, buffer, format=format)
    for where in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda storage, location: storage):
        buffer.seek(0)
        assert ember.load(buffer, map_location=where)["w"].tolist() == [1.0]
    if not ember.cuda.is_available():
        buffer.seek(0)
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
            ember.load(buffer, map_location="cuda")


def test_the_default_format_follows_the_suffix(tmp_path):
    state = {"w": ember.ones(2)}
    for name, magic in (("a.safetensors", None), ("a.pt", b"PK"), ("a.pth", b"PK"), ("a.bin", b"PK"), ("a", b"PK")):
        ember.save(state, tmp_path / name)
        head = (tmp_path / name).read_bytes()[:9]
        assert head[:2] == magic if magic else head[8:9] == b"{"
        assert ember.load(tmp_path / name)["w"].tolist() == [1.0, 1.0]
    ember.save(state, tmp_path / "b.pt", format="safetensors")
    assert (tmp_path / "b.pt").read_bytes()[8:9] == b"{"
    with pytest.raises(ValueError, match="format must be one of"):
        ember.save(state, tmp_path / "c.pt", format="pickle")


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
    # issue 13's list
    "shape with a huge zero-size dimension": build({"x": {"dtype": "F32", "shape": [0, 2 ** 70],
                                                          "data_offsets": [0, 0]}}),
    "shape with 2**62 zero-size": build({"x": {"dtype": "F32", "shape": [0, 2 ** 62, 2 ** 62],
                                               "data_offsets": [0, 0]}}),
    "65 dimensions": build({"x": {"dtype": "F32", "shape": [1] * 65, "data_offsets": [0, 4]}}, b"\0" * 4),
    "dtype given as a list": build({"x": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "tuple of a number": build({"__metadata__": {"ember_structure": '{"__tuple__": 5}'}}),
    "requires_grad on an integer tensor": build({"__metadata__": {"ember_structure":
                                                                  '{"__tensor__": "x", "requires_grad": true}'},
                                                 "x": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}},
                                                b"\0" * 4),
    "dict key that is a list": build({"__metadata__": {"ember_structure": '{"__dict__": [[[1], 2]]}'}}),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_files_raise_a_clear_runtime_error(name):
    with pytest.raises(RuntimeError, match="ember.load: not a valid ember/safetensors file"):
        ember.load(io.BytesIO(BROKEN[name]))
    with pytest.raises(RuntimeError, match="ember.load: not a valid"):
        ember.load(io.BytesIO(BROKEN[name]), mmap=False)


@pytest.mark.parametrize("format", FORMATS)
def test_truncated_real_file_raises(format):
    buffer = io.BytesIO()
    ember.save({"w": ember.randn(10, 10)}, buffer, format=format)
    data = buffer.getvalue()
    for cut in range(0, len(data), 7):
        with pytest.raises(RuntimeError, match="ember.load: "):
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


# -- key collisions (issue 13): no naming scheme may give two tensors one name -----------------
def test_issue_13_collision():
    t0, t1, t2 = ember.tensor([0.0]), ember.tensor([1.0]), ember.tensor([2.0])
    loaded = round_trip({"a.b#2": t0, "a.b": t1, "a": {"b": t2}})
    assert loaded["a.b#2"].tolist() == [0.0] and loaded["a.b"].tolist() == [1.0] and loaded["a"]["b"].tolist() == [2.0]


_ADVERSARIAL_TEXT = st.text(alphabet="ab.#12_", min_size=0, max_size=5) | st.sampled_from(
    ["__metadata__", "tensor", "tensor#1", "a.b#1", "a.b#2", "#", ".", "0", "1"])
_KEYS = _ADVERSARIAL_TEXT | st.integers(-2, 12)


def _leaves(obj, found):
    if isinstance(obj, dict):
        for value in obj.values():
            _leaves(value, found)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            _leaves(value, found)
    else:
        found.append(obj)
    return found


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.just(None), lambda children: st.dictionaries(_KEYS, children, max_size=4)
                    | st.lists(children, max_size=3), max_leaves=12))
def test_adversarial_keys_never_collide(layout):
    counter = iter(range(10 ** 6))

    def fill(obj):  # every leaf a distinct tensor holding its own number
        if isinstance(obj, dict):
            return {k: fill(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [fill(v) for v in obj]
        return ember.tensor([float(next(counter))])

    obj = {"root": fill(layout)}
    expected = [t.item() for t in _leaves(obj, [])]
    for format in FORMATS:
        assert [t.item() for t in _leaves(round_trip(obj, format), [])] == expected


# -- a hostile header never escapes as anything but RuntimeError ---------------------------------
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.text(max_size=6),
                     lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children,
                                                                                      max_size=4), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["dtype", "shape", "data_offsets", None]), value=_JSON, structure=_JSON)
def test_fuzzed_headers_raise_runtime_error_or_load(field, value, structure):
    entry = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    if field is not None:
        entry[field] = value
    header = {"x": entry, "__metadata__": {"ember_structure": json.dumps(structure)}}
    try:
        ember.load(io.BytesIO(build(header, b"\0" * 8)))
    except RuntimeError as error:
        assert str(error).startswith("ember.load: ")


# -- atomic saves (issue 13) -------------------------------------------------------------------------
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, format, failure):
    path = tmp_path / ("model.safetensors" if format == "safetensors" else "model.pt")
    ember.save({"w": ember.ones(3)}, path)
    before = path.read_bytes()
    real_fsync = os.fsync

    def failing_fsync(descriptor):  # the data was written; the disk gives up before it is durable
        raise failure
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(type(failure)):
        ember.save({"w": ember.zeros(1000)}, path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert ember.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_a_save_that_fails_mid_write_leaves_the_previous_file_intact(tmp_path):
    """A real short write: the file size limit (RLIMIT_FSIZE) makes the disk 'full' after 64 KiB."""
    pytest.importorskip("resource")
    path = tmp_path / "model.pt"
    ember.save({"w": ember.ones(3)}, path)
    before = path.read_bytes()
    script = f"""
import resource, signal, sys
sys.path.insert(0, {os.getcwd()!r})
import ember
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    ember.save({{"w": ember.zeros(100000)}}, {str(path)!r})
except OSError as error:
    print("failed:", error.errno)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert "failed: 27" in result.stdout, result.stdout + result.stderr  # EFBIG: File too large
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_save_through_a_symlink_replaces_the_target_and_keeps_its_mode(tmp_path):
    target = tmp_path / "real.pt"
    ember.save({"w": ember.ones(1)}, target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    ember.save({"w": ember.zeros(1)}, link)
    assert link.is_symlink() and ember.load(target)["w"].tolist() == [0.0]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


@pytest.mark.parametrize("format", FORMATS)
def test_mmap_loads_share_the_file_copy_on_write(tmp_path, format):
    path = tmp_path / ("m.safetensors" if format == "safetensors" else "m.pt")
    ember.save({"w": ember.arange(6.0), "v": ember.ones(2, 2)}, path)
    before = path.read_bytes()
    loaded = ember.load(path, mmap=True)
    assert isinstance(loaded["w"].numpy().base, np.memmap) or isinstance(loaded["w"].numpy().base.base, np.memmap)
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    loaded["w"].add_(1)  # private pages: the tensor changes, the file does not
    assert loaded["w"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] and path.read_bytes() == before
    with open(path, "rb") as file:
        assert ember.load(file, mmap=True)["v"].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="needs a file path"):
        ember.load(io.BytesIO(before), mmap=True)


def test_unknown_files_say_what_they_are(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(RuntimeError, match="a NumPy .npy file"):
        ember.load(tmp_path / "a.npy")
    with pytest.raises(RuntimeError, match="not a checkpoint ember reads: it starts with the bytes b'hello"):
        ember.load(io.BytesIO(b"hello world, this is text"))
