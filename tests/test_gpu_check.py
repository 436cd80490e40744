"""`python -m bench --device cuda` and the prepared GPU check (bench/gpu_check.py), run on the CuPy
stand-in so that the script a session with a GPU will run is known to work (its logic, not the
GPU's numbers: those need the machine)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember
from bench import gpu_check
from bench.run import as_arrays, devices_of, on_device
from bench.workloads import WORKLOADS
from ember import _backend
from ember import _cupy_standin as cp

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def standin(monkeypatch):
    """The stand-in as ember's CuPy, in this process, for this test only."""
    monkeypatch.setattr(_backend, "_cupy", cp)
    monkeypatch.setattr(_backend, "_device_ndarray", cp.ndarray)
    monkeypatch.setattr(_backend, "ARRAY_TYPES", (np.ndarray, cp.ndarray))
    yield
    ember.set_default_device("cpu")


def test_the_bench_runs_ember_on_the_gpu_and_torch_where_it_can(standin):
    placed = devices_of({"ember": ember}, "cuda")
    assert placed == {"ember": "cuda"} and devices_of({"ember": ember}, "cpu") == {"ember": "cpu"}
    loss, *parameters = on_device(ember, "cuda", lambda n: WORKLOADS["W3"].fn(ember, n))(2)
    assert loss.is_cuda and all(p.is_cuda for p in parameters) and ember.get_default_device() == ember.device("cpu")
    on_cpu = as_arrays(WORKLOADS["W3"].fn(ember, 2))
    for a, b in zip(on_cpu, as_arrays((loss, *parameters))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        assert devices_of({"ember": ember, "torch": torch}, "cuda")["torch"] == "cpu"


def test_the_bench_refuses_cuda_without_a_gpu():
    if ember.cuda.is_available():
        pytest.skip("a GPU (or the stand-in) is present")
    with pytest.raises(SystemExit, match="ember.cuda.is_available"):
        devices_of({"ember": ember}, "cuda")


def test_the_op_case_check_compares_cuda_with_the_cpu(standin, monkeypatch):
    result = gpu_check.check_op_cases(limit=25)
    assert result == {"cases": 25, "failed": []}
    # a kernel that is wrong on the GPU only is caught
    from op_cases import OP_CASES
    case = OP_CASES[0]
    real = gpu_check.run_case

    def skewed(lib, case, device):
        outputs, grads = real(lib, case, device)
        return ([o + 1 for o in outputs] if device == "cuda" else outputs), grads
    monkeypatch.setattr(gpu_check, "run_case", skewed)
    assert gpu_check.check_op_cases(limit=1)["failed"][0]["case"] == case.name


def test_the_gpu_check_runs_as_one_command_on_the_stand_in(tmp_path):
    environment = dict(os.environ, EMBER_CUDA_STANDIN="1",
                       PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    report = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--cases", "10", "--examples", "polynomial_tensors",
                          "--skip", "suites",
                          "--steps", "1", "--repeats", "1", "--json", str(report)],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "THE GPU IS THE CUPY STAND-IN" in run.stdout and "gpu_check: all passed" in run.stdout
    data = json.loads(report.read_text())
    assert data["environment"]["standin"] and data["cases"] == {"cases": 10, "failed": []}
    assert [item["example"] for item in data["examples"]] == ["polynomial_tensors"] and data["examples"][0]["ok"]
    assert set(data["bench"]) == {"W4", "W7"} and "ember_cpu" in data["bench"]["W4"]["median"]
    bench = subprocess.run([sys.executable, "-m", "bench", "--device", "cuda", "--only", "W1", "--steps", "5",
                            "--repeats", "1", "--quick"], cwd=ROOT, env=environment, capture_output=True, text=True,
                           timeout=300)
    assert bench.returncode == 0, bench.stdout[-3000:] + bench.stderr[-3000:]
    assert "device cuda: ember on CuPy stand-in" in bench.stdout and "its times mean nothing" in bench.stdout


def test_the_suite_check_runs_pytest_on_cuda(monkeypatch):
    monkeypatch.setenv("EMBER_CUDA_STANDIN", "1")
    result = gpu_check.check_suites(["tests/test_cuda_device.py"], timeout=200)
    assert result["ok"] and " passed" in result["summary"] and result["failures"] == []
