"""`python -m ember.run script.py` and ember.install_as_torch(): unmodified PyTorch scripts run on ember.

The scripts in tests/data/scripts are plain torch code; each runs in a fresh interpreter, and where
torch is installed the same script runs under torch and must print the same thing.
"""
import os
import pathlib
import subprocess
import sys

import pytest

import ember

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "data" / "scripts"


def run(args, cwd, *, under_ember=True, code=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if code is not None:
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-m", "ember.run", *args] if under_ember else [sys.executable, *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_training_script_runs_unchanged_with_argv_sibling_import_and_relative_paths(tmp_path):
    result = run([str(SCRIPTS / "train_regression.py"), "--epochs", "2", "--out", "w.pt"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "argv ['--epochs', '2', '--out', 'w.pt']"
    assert lines[1] == "modern torch"  # the version gate took the torch 2 branch
    assert (tmp_path / "w.pt").exists()  # written relative to the working directory, as python script.py
    assert lines[-1] == "['hidden.bias', 'hidden.weight', 'out.bias', 'out.weight'] (8, 1)"


def test_training_script_prints_what_torch_prints(tmp_path):
    pytest.importorskip("torch")
    args = [str(SCRIPTS / "train_regression.py"), "--epochs", "3"]
    (tmp_path / "e").mkdir()
    (tmp_path / "t").mkdir()
    under_ember = run(args, tmp_path / "e")
    under_torch = run(args, tmp_path / "t", under_ember=False)
    assert under_torch.returncode == 0, under_torch.stderr
    assert under_ember.returncode == 0, under_ember.stderr
    assert under_ember.stdout == under_torch.stdout


@pytest.mark.parametrize("code", [0, 3])
def test_exit_code_and_main_name(tmp_path, code):
    result = run([str(SCRIPTS / "exit_codes.py"), str(code)], tmp_path)
    assert result.returncode == code
    assert result.stdout == "name __main__ file exit_codes.py tensor 2.0\n"


def test_uncaught_exception_prints_traceback_and_exits_1(tmp_path):
    result = run([str(SCRIPTS / "exit_codes.py"), "raise"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("ValueError: raised on purpose")
    assert "exit_codes.py" in result.stderr


def test_missing_torch_module_says_ember_lacks_it(tmp_path):
    result = run([str(SCRIPTS / "exit_codes.py"), "missing"], tmp_path)
    assert result.returncode == 1
    assert "ember does not implement torch.nn.this_module_does_not_exist yet" in result.stderr


def test_missing_script_and_usage(tmp_path):
    result = run(["no_such_script.py"], tmp_path)
    assert result.returncode == 2 and "can't open file" in result.stderr
    result = run([], tmp_path)
    assert result.returncode == 2 and "usage: python -m ember.run" in result.stderr


def test_run_module_form(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "main.py").write_text(
        "import sys, torch\nprint(__name__, sys.argv[1:], torch.zeros(3).shape)\n")
    result = run(["-m", "pkg.main", "a"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "__main__ ['a'] ember.Size([3])\n" or result.stdout == "__main__ ['a'] torch.Size([3])\n"


def test_run_module_form_with_a_torch_module_path(tmp_path):
    """`python -m ember.run -m torch.distributed.run ...` runs ember's module of that path as __main__."""
    result = run(["-m", "torch.distributed.run", "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--nproc-per-node" in result.stdout


SHIM_PROBE = """
import ember
torch = ember.install_as_torch()
import torch as again, torch.nn as nn, torch.nn.functional as F, torch.optim as optim
from torch.utils.data import DataLoader
from torch import optim as optim2
import torch.utils.data.dataloader
assert again is torch and nn is ember.nn and F is ember.nn.functional and optim is optim2 is ember.optim
assert DataLoader is ember.utils.data.DataLoader
assert torch.utils.data.dataloader is ember.utils.data.dataloader
assert torch.Tensor is ember.Tensor and torch.tensor is ember.tensor
assert ember.nn.__spec__.name == "ember.nn"  # ember's own modules keep their spec
print(torch.__version__, ember.__version__ == "{ember_version}")
print(hasattr(torch, "no_such_name"), getattr(torch, "no_such_name", "default"), hasattr(torch.nn, "NoSuch"))
for statement in ["torch.no_such_name", "torch.nn.NoSuch", "from torch import no_such_name",
                  "from torch.nn import NoSuch", "import torch.no_such_module",
                  "from torch.nn.functional import no_such"]:
    try:
        exec(statement)
    except (AttributeError, ImportError) as error:
        print(type(error).__mro__[1].__name__, str(error).split(" (")[0])
ember.uninstall_as_torch()
import sys
assert "torch" not in sys.modules
"""


def test_install_as_torch_maps_every_submodule_path_and_missing_names_say_so(tmp_path):
    result = run([], tmp_path, code=SHIM_PROBE.format(ember_version=ember.__version__))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2.13.0 True",
        "False default False",
        "AttributeError ember does not implement torch.no_such_name yet",
        "AttributeError ember does not implement torch.nn.NoSuch yet",
        "ModuleNotFoundError ember does not implement torch.no_such_name yet",
        "ModuleNotFoundError ember does not implement torch.nn.NoSuch yet",
        "ModuleNotFoundError ember does not implement torch.no_such_module yet",
        "ModuleNotFoundError ember does not implement torch.nn.functional.no_such yet",
    ]


def test_install_as_torch_refuses_when_real_torch_is_imported(tmp_path):
    pytest.importorskip("torch")
    result = run([], tmp_path, code="import torch, ember\nember.install_as_torch()")
    assert result.returncode == 1 and "RuntimeError: torch is already imported" in result.stderr


def test_torch_version_compares_as_torchs_does():
    torch = pytest.importorskip("torch")
    version = pytest.importorskip("packaging.version")
    from torch.torch_version import TorchVersion
    assert version.parse(ember.__torch_version__).release == version.parse(torch.__version__).release == (2, 13, 0)
    assert ember.__torch_version__.split(".")[:2] == torch.__version__.split(".")[:2] == ["2", "13"]
    # torch's own wheel says 2.13.0+cpu (a local build label); ember reports the release itself
    ours, theirs = ember.__torch_version__, TorchVersion("2.13.0")
    for other in ["2.1", "2.13", "2.13.0", "2.14", "1.12.1", (2, 13), (1, 12), (2, 14, 0), "3"]:
        for op in ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"]:
            assert getattr(ours, op)(other) == getattr(theirs, op)(other), (op, other)
    assert isinstance(ours, str) and ours == "2.13.0"
    assert ember.__version__ != ours
