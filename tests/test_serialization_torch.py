"""torch's checkpoints in and out (issue 19): files made by torch 2.13 load in ember, files ember saves
load in torch.load(weights_only=True), and hostile pickles and zips raise before anything runs."""
import io
import os
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from test_examples import run_example

import ember

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64",
          "complex128"]
HAS_BFLOAT16 = ember.serialization._torch_names.usable(ember.bfloat16)


def torch_bytes(obj, **kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def ember_bytes(obj, **kwargs):
    buffer = io.BytesIO()
    ember.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def from_torch(obj, **kwargs):
    return ember.load(io.BytesIO(torch_bytes(obj, **kwargs)))


def to_torch(obj, **kwargs):
    return torch.load(io.BytesIO(ember_bytes(obj, **kwargs)), weights_only=True)


LEGACY = [{}, {"_use_new_zipfile_serialization": False}]


# -- torch -> ember --------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", LEGACY)
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_from_torch(name, kwargs):
    values = (torch.arange(-3, 9).reshape(3, 4) % 5).to(getattr(torch, name))
    loaded = from_torch({"x": values, "t": values.t()}, **kwargs)
    assert loaded["x"].dtype is getattr(ember, name) and loaded["x"].shape == values.shape
    np.testing.assert_array_equal(loaded["x"].numpy(), values.numpy())
    np.testing.assert_array_equal(loaded["t"].numpy(), values.t().numpy())
    assert loaded["t"].stride() == values.t().stride()


def test_bfloat16_from_torch():
    values = torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16)
    if not HAS_BFLOAT16:
        with pytest.raises(RuntimeError, match="dtype torch.bfloat16, which ember does not have"):
            from_torch({"x": values})
        return
    loaded = from_torch({"x": values})
    assert loaded["x"].dtype is ember.bfloat16
    assert loaded["x"].float().tolist() == values.float().tolist()
    assert to_torch({"x": loaded["x"]})["x"].equal(values)


def test_a_dtype_ember_lacks_says_so():
    with pytest.raises(RuntimeError, match="dtype torch.uint16, which ember does not have"):
        from_torch({"x": torch.ones(2, dtype=torch.uint16)})


def make_models():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 5), torch.nn.LayerNorm(5))
    ours = ember.nn.Sequential(ember.nn.Conv2d(2, 4, 3), ember.nn.BatchNorm2d(4), ember.nn.ReLU(),
                               ember.nn.Flatten(), ember.nn.Linear(4 * 4 * 4, 5), ember.nn.LayerNorm(5))
    theirs.train()
    theirs(torch.randn(8, 2, 6, 6))  # running statistics that are not the initial ones
    return theirs.eval(), ours.eval()


@pytest.mark.parametrize("kwargs", LEGACY)
def test_a_torch_state_dict_loads_into_the_ember_model(kwargs):
    theirs, ours = make_models()
    state = from_torch(theirs.state_dict(), **kwargs)
    assert isinstance(state, OrderedDict) and list(state) == list(theirs.state_dict())
    assert state["1.num_batches_tracked"].dtype is ember.int64 and state["1.num_batches_tracked"].item() == 1
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((3, 2, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_torch_optimizer_state_and_nested_containers():
    w = torch.nn.Parameter(torch.randn(3, 2))
    optimizer = torch.optim.Adam([w], lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    for _ in range(2):
        optimizer.zero_grad()
        (w ** 2).sum().backward()
        optimizer.step()
    checkpoint = {"optimizer": optimizer.state_dict(), "epoch": 7, "history": [1.5, float("inf"), None],
                  "meta": {"name": "run", 3: (True, b"raw", {1, 2}, 2 + 1j, 2 ** 70)}, "param": w,
                  "dtype": torch.float64, "device": torch.device("cpu"), "size": torch.Size([2, 3])}
    loaded = from_torch(checkpoint)
    state = loaded["optimizer"]
    assert list(state["state"]) == [0] and state["param_groups"][0]["betas"] == (0.8, 0.9)
    assert state["param_groups"][0]["params"] == [0] and state["param_groups"][0]["amsgrad"] is True
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"):
        np.testing.assert_array_equal(state["state"][0][key].numpy(), optimizer.state_dict()["state"][0][key].numpy())
    assert loaded["epoch"] == 7 and loaded["history"] == [1.5, float("inf"), None]
    assert loaded["meta"] == {"name": "run", 3: (True, b"raw", {1, 2}, 2 + 1j, 2 ** 70)}
    assert isinstance(loaded["param"], ember.nn.Parameter) and loaded["param"].requires_grad
    assert loaded["dtype"] is ember.float64 and loaded["device"] == ember.device("cpu")
    assert loaded["size"] == ember.Size([2, 3]) and isinstance(loaded["size"], ember.Size)
    ours = ember.nn.Parameter(loaded["param"].detach().clone())
    resumed = ember.optim.Adam([ours], lr=0.1, betas=(0.8, 0.9), amsgrad=True)
    resumed.load_state_dict(state)
    for opt, p in ((optimizer, w), (resumed, ours)):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(ours.detach().numpy(), w.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("kwargs", LEGACY)
def test_views_and_shared_storages_share_memory_after_load(kwargs):
    base = torch.arange(12.0)
    obj = {"base": base, "matrix": base.view(3, 4), "column": base.view(3, 4)[:, 1], "tail": base[5:],
           "again": base, "expanded": base[:1].expand(3)}
    loaded = from_torch(obj, **kwargs)
    assert loaded["again"] is loaded["base"]
    for key in ("matrix", "column", "tail"):
        assert loaded[key].tolist() == obj[key].tolist() and loaded[key].stride() == obj[key].stride()
    loaded["base"][5] = 100.0
    assert loaded["matrix"][1, 1].item() == 100.0 and loaded["column"][1].item() == 100.0
    assert loaded["tail"][0].item() == 100.0
    assert loaded["expanded"].tolist() == [0.0, 0.0, 0.0] and loaded["expanded"].stride() == (0,)


def test_torch_parameters_and_requires_grad():
    loaded = from_torch({"p": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(torch.ones(1), False),
                         "leaf": torch.ones(2, requires_grad=True)})
    assert type(loaded["p"]) is ember.nn.Parameter and loaded["p"].requires_grad
    assert type(loaded["frozen"]) is ember.nn.Parameter and not loaded["frozen"].requires_grad
    assert type(loaded["leaf"]) is ember.Tensor and loaded["leaf"].requires_grad


def test_cuda_locations(monkeypatch):
    data = bytearray(torch_bytes({"w": torch.ones(2)}))
    data = bytes(data).replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    # the zip's CRC of data.pkl no longer matches: rebuild the archive with the edited pickle
    source = zipfile.ZipFile(io.BytesIO(torch_bytes({"w": torch.ones(2)})))
    pickled = source.read("archive/data.pkl").replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    archive = archive_bytes(pickled, {"0": source.read("archive/data/0")})
    assert ember.load(io.BytesIO(archive), map_location="cpu")["w"].tolist() == [1.0, 1.0]
    assert ember.load(io.BytesIO(archive), map_location={"cuda:0": "cpu"})["w"].tolist() == [1.0, 1.0]
    assert ember.load(io.BytesIO(archive), map_location=lambda storage, loc: storage)["w"].tolist() == [1.0, 1.0]
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
            ember.load(io.BytesIO(archive))
    del data


# -- ember -> torch --------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", LEGACY)
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_to_torch(name, kwargs):
    values = (ember.arange(-3, 9).reshape(3, 4) % 5).to(getattr(ember, name))
    loaded = to_torch({"x": values, "t": values.t()}, **kwargs)
    assert loaded["x"].dtype == getattr(torch, name)
    np.testing.assert_array_equal(loaded["x"].numpy(), values.numpy())
    np.testing.assert_array_equal(loaded["t"].numpy(), values.t().numpy())


@pytest.mark.parametrize("kwargs", LEGACY)
def test_an_ember_state_dict_loads_into_the_torch_model(kwargs):
    theirs, ours = make_models()
    ours.load_state_dict(from_torch(theirs.state_dict()))
    with ember.no_grad():
        for parameter in ours.parameters():
            parameter.mul_(1.5)  # ember's numbers now, not torch's
    fresh, _ = make_models()
    state = to_torch(ours.state_dict(), **kwargs)
    fresh.load_state_dict(state)
    x = np.random.default_rng(1).standard_normal((3, 2, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(fresh(torch.tensor(x)).detach().numpy(), ours(ember.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_ember_views_share_memory_in_torch_and_nested_values_survive():
    base = ember.arange(12.0)
    obj = {"base": base, "matrix": base.view(3, 4), "column": base.view(3, 4)[:, 1], "tail": base[5:],
           "p": ember.nn.Parameter(ember.ones(2)), "meta": OrderedDict(a=(1, 2.5, None, "s", b"b", {3}, 1j, 2 ** 70)),
           "dtype": ember.int16, "device": ember.device("cpu"), "size": ember.Size([4])}
    loaded = to_torch(obj)
    loaded["base"][5] = 100.0
    assert loaded["matrix"][1, 1].item() == 100.0 and loaded["column"][1].item() == 100.0
    assert loaded["tail"][0].item() == 100.0 and loaded["column"].stride() == (4,)
    assert isinstance(loaded["p"], torch.nn.Parameter) and loaded["p"].requires_grad
    assert loaded["meta"] == OrderedDict(a=(1, 2.5, None, "s", b"b", {3}, 1j, 2 ** 70))
    assert loaded["dtype"] is torch.int16 and loaded["device"] == torch.device("cpu")
    assert loaded["size"] == torch.Size([4]) and isinstance(loaded["size"], torch.Size)
    assert ember_bytes(obj) == ember_bytes(obj)  # deterministic bytes


def test_torch_mmap_reads_ember_files(tmp_path):
    path = tmp_path / "e.pt"
    ember.save({"w": ember.arange(100.0)}, path)
    assert torch.load(path, mmap=True, weights_only=True)["w"].tolist() == list(map(float, range(100)))


def test_saving_a_model_itself_is_refused():
    with pytest.raises(TypeError, match=r"model.state_dict\(\) rather than the model itself"):
        ember.save(ember.nn.Linear(2, 2), io.BytesIO())


# -- hostile files ---------------------------------------------------------------------------------
def archive_bytes(pickled, records, version=b"3\n"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        for key, data in records.items():
            archive.writestr(f"archive/data/{key}", data)
        if version is not None:
            archive.writestr("archive/version", version)
    return buffer.getvalue()


def _g(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def _s(text):
    return b"X" + struct.pack("<I", len(text.encode())) + text.encode()


def _i(n):
    return b"J" + struct.pack("<i", n)


def _t(*items):
    return b"(" + b"".join(items) + b"t"


def _tensor(key="0", storage="FloatStorage", numel=2, offset=0, size=(2,), stride=(1,), persistent=None):
    pid = persistent if persistent is not None else _t(_s("storage"), _g("torch", storage), _s(key), _s("cpu"),
                                                       _i(numel))
    return (_g("torch._utils", "_rebuild_tensor_v2") + _t(pid + b"Q", _i(offset), _t(*map(_i, size)),
            _t(*map(_i, stride)), b"\x89", _g("collections", "OrderedDict") + b")R") + b"R")


def _pickle(*body):
    return b"\x80\x02" + b"".join(body) + b"."


GOOD = archive_bytes(_pickle(_tensor()), {"0": b"\0" * 8})

HOSTILE = {
    "wrong record size": archive_bytes(_pickle(_tensor(numel=4)), {"0": b"\0" * 8}),
    "storage out of range": archive_bytes(_pickle(_tensor(size=(3,))), {"0": b"\0" * 8}),
    "offset out of range": archive_bytes(_pickle(_tensor(offset=2)), {"0": b"\0" * 8}),
    "stride out of range": archive_bytes(_pickle(_tensor(size=(2,), stride=(5,))), {"0": b"\0" * 8}),
    "negative stride": archive_bytes(_pickle(_tensor(size=(2,), stride=(-1,))), {"0": b"\0" * 8}),
    "negative size": archive_bytes(_pickle(_tensor(size=(-2,))), {"0": b"\0" * 8}),
    "size and stride differ": archive_bytes(_pickle(_tensor(size=(2, 1), stride=(1,))), {"0": b"\0" * 8}),
    "65 dimensions": archive_bytes(_pickle(_tensor(size=(1,) * 65, stride=(1,) * 65)), {"0": b"\0" * 8}),
    "huge zero-size shape": archive_bytes(_pickle(_tensor(size=(0, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1),
                                                          stride=(1, 1, 1, 1))), {"0": b"\0" * 8}),
    "missing storage record": archive_bytes(_pickle(_tensor(key="7")), {"0": b"\0" * 8}),
    "storage key is a path": archive_bytes(_pickle(_tensor(key="../../etc/passwd")), {"0": b"\0" * 8}),
    "size is a string": archive_bytes(_pickle(_g("torch._utils", "_rebuild_tensor_v2") + _t(
        _t(_s("storage"), _g("torch", "FloatStorage"), _s("0"), _s("cpu"), _i(2)) + b"Q", _i(0), _s("ab"),
        _t(_i(1)), b"\x89", b"}") + b"R"), {"0": b"\0" * 8}),
    "rebuild with too many arguments": archive_bytes(_pickle(_g("torch._utils", "_rebuild_tensor_v2") + _t(
        *[_i(1)] * 12) + b"R"), {}),
    "storage class that is not one": archive_bytes(_pickle(_tensor(persistent=_t(
        _s("storage"), _g("torch", "float32"), _s("0"), _s("cpu"), _i(2)))), {"0": b"\0" * 8}),
    "persistent id that is not a storage": archive_bytes(_pickle(_t(_s("module"), _s("x")) + b"Q"), {}),
    "no data.pkl": archive_bytes(b"", {}).replace(b"archive/data.pkl", b"archive/other.pk"),
    "unbalanced pickle": archive_bytes(b"\x80\x02(((.", {}),
    "pops an empty stack": archive_bytes(b"\x80\x02R.", {}),
    "get of a missing memo": archive_bytes(b"\x80\x02h\x05.", {}),
    "unsupported opcode": archive_bytes(b"\x80\x02I42\n.", {}),
    "setitems on a list": archive_bytes(b"\x80\x02](K\x01K\x02u.", {}),
    "unhashable key": archive_bytes(b"\x80\x02}(]K\x01u.", {}),
    "truncated pickle": archive_bytes(b"\x80\x02X\xff\x00\x00\x00ab", {}),
    "build on a list": archive_bytes(b"\x80\x02]}b.", {}),
    "not a zip": b"PK\x03\x04" + b"\0" * 100,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_archives_raise_a_clean_error(name):
    with pytest.raises((RuntimeError, __import__("pickle").UnpicklingError)) as caught:
        ember.load(io.BytesIO(HOSTILE[name]))
    assert str(caught.value).startswith("ember.load") or "pickle" in str(caught.value)


def test_the_hand_made_archive_is_a_valid_checkpoint():  # so the hostile ones fail for their own reason
    assert ember.load(io.BytesIO(GOOD)).tolist() == [0.0, 0.0]
    assert torch.load(io.BytesIO(GOOD), weights_only=True).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name", ["wrong record size", "storage out of range", "offset out of range",
                                  "missing storage record"])
def test_torch_refuses_the_same_files_with_the_same_class(name):
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(HOSTILE[name]), weights_only=True)
    with pytest.raises(RuntimeError):
        ember.load(io.BytesIO(HOSTILE[name]))


class _Exploit:
    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize("kwargs", LEGACY)
@pytest.mark.parametrize("call", ["os.system", "builtins.eval", "builtins.exec", "subprocess.Popen",
                                  "builtins.getattr", "ember.nn.Linear", "numpy.load"])
def test_foreign_globals_raise_unpickling_error_before_anything_runs(tmp_path, call, kwargs):
    import builtins
    import subprocess
    module, _, name = call.rpartition(".")
    function = getattr({"os": os, "builtins": builtins, "subprocess": subprocess, "numpy": np}.get(module)
                       or ember.nn, name)
    marker = tmp_path / "ran"
    args = {"os.system": (f"touch {marker}",), "builtins.eval": (f"open({str(marker)!r}, 'w')",),
            "builtins.exec": (f"open({str(marker)!r}, 'w')",), "subprocess.Popen": (["touch", str(marker)],),
            "builtins.getattr": ("text", "upper"), "ember.nn.Linear": (2, 2), "numpy.load": (str(marker),)}[call]
    data = torch_bytes({"w": torch.ones(1), "payload": [_Exploit(function, *args)]}, **kwargs)
    with pytest.raises(__import__("pickle").UnpicklingError) as ours:
        ember.load(io.BytesIO(data))
    with pytest.raises(__import__("pickle").UnpicklingError):
        torch.load(io.BytesIO(data), weights_only=True)
    assert "never runs code" in str(ours.value) and not marker.exists()
    for weights_only in (True, False):  # ember reads only data whatever weights_only says
        with pytest.raises(__import__("pickle").UnpicklingError):
            ember.load(io.BytesIO(data), weights_only=weights_only)
    assert not marker.exists()


def test_a_plain_pickle_is_refused_with_what_it_is():
    import pickle
    with pytest.raises(RuntimeError, match="a Python pickle but not a torch checkpoint"):
        ember.load(io.BytesIO(pickle.dumps({"a": 1}, protocol=2)))
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        ember.load(io.BytesIO(pickle.dumps(_Exploit(os.system, "true"), protocol=2)))


@pytest.mark.parametrize("kwargs", LEGACY)
def test_every_truncation_of_a_real_checkpoint_raises_runtime_error(kwargs):
    data = torch_bytes({"w": torch.randn(4, 4), "b": torch.arange(3)}, **kwargs)
    for cut in range(0, len(data) - 1, 5):
        with pytest.raises(RuntimeError, match="ember.load"):
            ember.load(io.BytesIO(data[:cut]))


def test_flipped_bytes_in_a_real_checkpoint_never_escape_as_other_errors():
    import pickle
    data = bytearray(torch_bytes({"w": torch.randn(3, 2), "n": [1, 2.5, "x"], "i": torch.arange(4)}))
    rng = np.random.default_rng(0)
    for _ in range(400):
        damaged = bytearray(data)
        for index in rng.integers(0, len(data), 3):
            damaged[index] = rng.integers(0, 256)
        try:
            ember.load(io.BytesIO(bytes(damaged)))
        except (RuntimeError, pickle.UnpicklingError):
            pass


def test_the_worked_example_crosses_over_both_ways(tmp_path_factory):
    """examples/torch_checkpoint.py: trained in torch, loaded and fine-tuned in ember, read back by torch."""
    lines = run_example("torch_checkpoint", tmp_path_factory).splitlines()
    values = {line.partition(":")[0]: line.partition(":")[2].strip() for line in lines}
    assert values["same predictions as torch"] == "True"
    assert values["torch reads ember's file, same predictions"] == "True"
    assert float(values["largest logit difference"]) < 1e-4  # float32 rounding of two BLAS libraries
    assert float(values["largest logit difference after the round trip"]) < 1e-4
    before, after = (float(word) for word in values["grown rings"].replace(",", "").split() if word[0].isdigit())
    assert after > before + 0.2 and after >= 0.95


def test_safe_globals_allow_what_the_user_vouches_for():
    data = torch_bytes({"x": np.float64(1.5), "a": np.arange(3)})
    ours = ember.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data))
    assert sorted(ours) == sorted(torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)))
    assert sorted(ours) == ["numpy._core.multiarray._reconstruct", "numpy._core.multiarray.scalar", "numpy.dtype",
                            "numpy.ndarray"]
    with pytest.raises(__import__("pickle").UnpicklingError, match=r"safe_globals\(\[numpy"):
        ember.load(io.BytesIO(data))
    allowed = [np._core.multiarray.scalar, np.dtype, np._core.multiarray._reconstruct, np.ndarray,
               np.dtypes.Float64DType, np.dtypes.Int64DType]  # BUILD needs the exact classes, as in torch
    with ember.serialization.safe_globals(allowed):
        assert ember.serialization.get_safe_globals() == allowed
        assert ember.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == []
        loaded = ember.load(io.BytesIO(data))
    assert loaded["x"] == np.float64(1.5) and type(loaded["x"]) is np.float64
    assert loaded["a"].tolist() == [0, 1, 2] and ember.serialization.get_safe_globals() == []
    ember.serialization.add_safe_globals(allowed)
    try:
        assert ember.load(io.BytesIO(data))["a"].tolist() == [0, 1, 2]
    finally:
        ember.serialization.clear_safe_globals()
    with pytest.raises(__import__("pickle").UnpicklingError):
        ember.load(io.BytesIO(data))
