"""The repository is clean under ruff (its configuration is [tool.ruff] in pyproject.toml), when ruff is installed."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _ruff():
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.importorskip("ruff")  # the pip package carries its binary; run it through the module
    return [sys.executable, "-m", "ruff"]


def test_ruff_check_is_clean():
    result = subprocess.run([*_ruff(), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
