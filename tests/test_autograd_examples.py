"""The custom Function, double backward and autograd.functional examples run, and print what torch prints."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["custom_function.py", "double_backward.py", "autograd_functional.py"]


def run(source):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, cwd=ROOT,
                            env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_torch(source):
    return source.replace("import ember as torch", "import torch").replace("from ember.", "from torch.")


def torch_installed():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_and_prints_what_torch_prints(name):
    source = (ROOT / "examples" / name).read_text()
    output = run(source)
    checks = [line for line in output.splitlines() if "gradcheck" in line]
    assert all(line.endswith("True") for line in checks)
    assert "dtype=ember.float64" in output
    if torch_installed():  # the same file with `import torch` prints the same text (up to the library's name)
        assert as_torch(source) != source
        assert output.replace("ember", "torch") == run(as_torch(source))
