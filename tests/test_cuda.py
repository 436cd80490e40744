"""The GPU seam without a GPU: the strict CuPy stand-in, the backend's replacements for NumPy-only
calls, ember.cuda on a machine without CuPy, and the op-case, nn and optim suites re-run on device
"cuda" under the stand-in (a subprocess with EMBER_CUDA_STANDIN=1 EMBER_TEST_DEVICE=cuda).

The stand-in proves that no op quietly computes with NumPy on a GPU tensor; it cannot prove CuPy's
kernels or numerics, which need a real GPU.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember
from ember import _backend
from ember import _cupy_standin as cp

ROOT = Path(__file__).resolve().parent.parent


# -- the stand-in is as strict as CuPy -----------------------------------------------------------------
def test_the_stand_in_refuses_implicit_host_conversion_and_mixing():
    a = cp.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    for mix in (lambda: a + np.ones(3), lambda: np.ones(3) * a, lambda: np.concatenate([a, np.ones((1, 3))]),
                lambda: a[np.array([0])], lambda: np.where(a > 1, a, np.zeros(3))):
        with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
            mix()
    with pytest.raises(AttributeError):
        cp.errstate  # noqa: B018  (CuPy has none)
    with pytest.raises(AttributeError):
        a.__array_interface__  # noqa: B018
    with pytest.raises(NotImplementedError, match="reduce supports only add and multiply"):
        np.maximum.reduce(a, axis=0)
    with pytest.raises(NotImplementedError, match="at supports only add and subtract"):
        np.maximum.at(a, (cp.asarray([0]),), 1.0)


def test_the_stand_in_computes_what_numpy_computes_and_stays_on_the_device():
    host = np.arange(6.0).reshape(2, 3)
    a = cp.asarray(host)
    for result, expected in [(np.exp(a), np.exp(host)), (a.sum(0), host.sum(0)), (a @ a.T, host @ host.T),
                             (np.stack([a, a]), np.stack([host, host])), (a[:, 1:] * 2 - 1, host[:, 1:] * 2 - 1),
                             (np.zeros_like(a), np.zeros_like(host)), (np.sum(a), np.sum(host))]:
        assert type(result) is cp.ndarray
        np.testing.assert_array_equal(result.get(), expected)
    assert a.tolist() == host.tolist() and float(a[1, 2]) == 5.0 and cp.asnumpy(a).shape == (2, 3)


@pytest.fixture
def standin_backend(monkeypatch):
    """The backend with the stand-in as its CuPy, for this test only."""
    monkeypatch.setattr(_backend, "_cupy", cp)
    monkeypatch.setattr(_backend, "_device_ndarray", cp.ndarray)


@pytest.mark.parametrize("name", ["maximum", "minimum", "add", "multiply", "logaddexp"])
def test_the_backend_accumulates_on_either_namespace_as_numpy(name, standin_backend):
    host = np.random.default_rng(0).standard_normal((3, 7))
    expected = getattr(np, name).accumulate(host, axis=1)
    device = _backend.accumulate(cp, name, cp.asarray(host), 1)
    np.testing.assert_allclose(device.get(), expected, rtol=1e-12)
    np.testing.assert_allclose(_backend.accumulate(np, name, host, 1), expected)


@pytest.mark.parametrize("name", ["maximum", "minimum", "add", "multiply"])
def test_the_backend_reduces_and_scatters_on_either_namespace_as_numpy(name, standin_backend):
    host = np.random.default_rng(1).standard_normal((4, 5))
    np.testing.assert_allclose(_backend.reduce(cp, name, cp.asarray(host), 0).get(),
                               getattr(np, name).reduce(host, axis=0))
    index, values = np.array([0, 2, 0, 1]), np.arange(4.0) - 1.5
    expected = np.ones(3)
    getattr(np, name).at(expected, index, values)
    target = cp.ones(3)
    _backend.scatter(cp, name, target, cp.asarray(index), cp.asarray(values))
    np.testing.assert_allclose(target.get(), expected)


def test_without_cupy_ember_cuda_answers_as_torchs_cpu_build():
    if ember.cuda.is_available():
        pytest.skip("a GPU (or the stand-in) is present")
    assert ember.cuda.device_count() == 0 and ember.cuda.memory_allocated() == 0 and not ember.cuda.is_initialized()
    ember.cuda.manual_seed(0)
    ember.cuda.empty_cache()
    for call in (ember.cuda.current_device, ember.cuda.get_device_name, ember.cuda.synchronize,
                 ember.cuda.get_device_capability, lambda: ember.ones(1).pin_memory().is_pinned()):
        with pytest.raises((AssertionError, RuntimeError), match="Torch not compiled with CUDA enabled|Cannot "
                                                                 "access accelerator"):
            call()
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        ember.set_default_device("cuda")
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        list(ember.utils.data.DataLoader(ember.utils.data.TensorDataset(ember.ones(2, 1)), pin_memory=True))


def test_the_stand_in_keeps_arrays_on_their_gpu_and_refuses_another_gpus(monkeypatch):
    monkeypatch.setattr(cp, "DEVICE_COUNT", 2)
    with cp.cuda.Device(1):
        a = cp.asarray(np.arange(3.0))
        assert a.device.id == 1 and (a * 2).device.id == 1 and a[1:].device.id == 1
    assert cp.cuda.runtime.getDevice() == 0 and cp.asarray(a) is a
    with pytest.raises(ValueError, match=r"resides \(1\) is different from the current device \(0\)"):
        a + 1
    b = cp.array(a)  # a copy onto the current GPU
    assert b.device.id == 0 and b.get().tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        cp.cuda.Device(2)


@pytest.mark.parametrize("spec", [("cuda:1",), ("cuda", 1), ("cuda:-1",), ("cuda", -1), ("cuda:x",), ("cuda:01",),
                                  ("cpu:0",), ("cuda:1:2",), ("cuda:",), ("gpu",)])
def test_device_names_parse_as_torchs(spec):
    torch = pytest.importorskip("torch")
    try:
        expected = str(torch.device(*spec))
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as raised:
            ember.device(*spec)
        assert str(raised.value)[:24] == str(error)[:24]  # torch's list of device types is longer than ember's
        return
    assert str(ember.device(*spec)) == expected


def test_without_a_gpu_streams_events_and_amp_answer_as_torchs_cpu_build():
    torch = pytest.importorskip("torch")
    if ember.cuda.is_available():
        pytest.skip("a GPU (or the stand-in) is present")
    for name, call in [("Stream", lambda lib: lib.cuda.Stream()), ("Event", lambda lib: lib.cuda.Event()),
                       ("current_stream", lambda lib: lib.cuda.current_stream())]:
        with pytest.raises(Exception) as theirs:
            call(torch)
        with pytest.raises(type(theirs.value), match=str(theirs.value)):
            call(ember)
    assert ember.cuda.device(1).idx == torch.cuda.device(1).idx and ember.ones(1).get_device() == -1
    with ember.cuda.stream(None):  # None: nothing changes, as torch
        pass
    for make in (lambda lib: lib.cuda.amp.GradScaler(), lambda lib: lib.cuda.amp.autocast()):
        with pytest.warns(FutureWarning) as ours:
            made = make(ember)
        with pytest.warns(FutureWarning) as theirs:
            make(torch)
        assert [str(w.message) for w in ours if w.category is FutureWarning] == \
            [str(w.message) for w in theirs if w.category is FutureWarning]
        assert not (made.is_enabled() if hasattr(made, "is_enabled") else made._enabled)
    from ember.cuda.amp import GradScaler, autocast, custom_bwd, custom_fwd  # noqa: F401  (torch's import paths)


# -- the suites, on device "cuda" under the stand-in ------------------------------------------------------
SUITES = ["tests/test_cuda_device.py", "tests/test_cuda_devices.py", "tests/test_cuda_api.py",
          "tests/test_factories.py", "tests/test_cuda_autocast.py", "tests/test_gradients.py", "tests/test_nn_core.py",
          "tests/test_nn_layers.py", "tests/test_optim.py"]


@pytest.mark.skipif(os.environ.get("EMBER_TEST_DEVICE", "cpu") != "cpu", reason="already the device run")
def test_the_op_case_nn_and_optim_suites_pass_on_cuda_under_the_stand_in():
    environment = dict(os.environ, EMBER_CUDA_STANDIN="1", EMBER_TEST_DEVICE="cuda", EMBER_CUDA_STANDIN_DEVICES="2",
                       PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *SUITES],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout.splitlines()[-1]
