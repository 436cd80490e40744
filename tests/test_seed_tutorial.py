"""The seed tutorial runs unchanged under ember and prints what torch 2.13 prints."""
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "examples" / "autograd_tutorial.py"

# Recorded once by running the tutorial's code with real torch 2.13 (`import torch`).
TORCH_OUTPUT = """\
x = 3.0
y = 9.0
dy/dx = 6.0
z = 25.0
dz/dx = 10.0
dz/dy = 10.0
After first backward: 4.0
After second backward: 8.0
True
False
False
Step 0: x = 1.000, f(x) = 25.000
Step 5: x = 3.689, f(x) = 2.684
Step 10: x = 4.571, f(x) = 0.288
Step 15: x = 4.859, f(x) = 0.031

Final: x = 4.942 (should be close to 5)
"""


def test_tutorial_output_matches_torch_line_by_line(tmp_path_factory):
    from test_examples import run_example
    output = run_example("autograd_tutorial", tmp_path_factory)  # python examples/autograd_tutorial.py
    assert output.splitlines() == TORCH_OUTPUT.splitlines()


def test_the_packaged_copy_is_the_example():
    """`python -m ember --tutorial` runs ember/_seed_tutorial.py (examples/ is not installed): the same file."""
    assert not TUTORIAL.is_symlink()
    assert (ROOT / "ember" / "_seed_tutorial.py").read_text() == TUTORIAL.read_text()


def test_python_dash_m_ember_tutorial_prints_exactly_the_tutorial():
    result = subprocess.run([sys.executable, "-m", "ember", "--tutorial"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TORCH_OUTPUT


def test_python_dash_m_ember_tour_starts_with_the_tutorial(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ember", "--no-train", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    chapters = result.stdout.split("=" * 72)
    assert chapters[2].strip("\n") + "\n" == TORCH_OUTPUT  # chapter 1, line by line


def test_tutorial_differs_from_the_original_only_in_the_import():
    source = TUTORIAL.read_text()
    assert "import ember as torch" in source
    assert "import torch\n" not in source


def test_recorded_output_is_what_torch_prints_today(tmp_path_factory):
    pytest.importorskip("torch")
    from test_examples import run_example
    assert run_example("autograd_tutorial", tmp_path_factory, as_torch_code=True) == TORCH_OUTPUT
