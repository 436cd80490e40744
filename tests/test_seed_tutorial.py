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


def _run(source):
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_tutorial_output_matches_torch_line_by_line():
    output = _run(TUTORIAL.read_text())
    assert output.splitlines() == TORCH_OUTPUT.splitlines()


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


def test_recorded_output_is_what_torch_prints_today():
    pytest.importorskip("torch")
    source = TUTORIAL.read_text().replace("import ember as torch", "import torch")
    assert _run(source) == TORCH_OUTPUT
