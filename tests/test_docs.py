"""The documentation site builds with warnings as errors (mkdocs build --strict), when mkdocs is installed."""
import html
import io
import os
import pathlib
import re
import subprocess
import sys

import pytest

import ember

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    environment = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    assert "fold_threshold" in api and "why_no_grad" in api  # the reference comes from the docstrings
    for helper in ("_wrap", "format_number", "summarize", "_saved_values", "_RULES", "_print"):
        assert helper not in api, helper  # explain's page shows explain and Explanation, not the module's helpers
    assert "computes y = x**2" in api  # the docstring's example, which tests/test_explain.py runs
    for picture in ("graph_before_backward.svg", "graph_after_backward.svg", "graph_folded.svg"):
        assert (tmp_path / "img" / picture).read_text().startswith("<svg")  # made at build time
    x = ember.tensor(2.0, requires_grad=True)
    y = ember.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    story = io.StringIO()
    ember.autograd.explain(z, file=story, names={"x": x, "y": y, "z": z})
    tour = html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "tour" / "index.html").read_text(encoding="utf-8")))
    assert story.getvalue().strip() in tour  # the sample is what explain prints today
    assert "computes 2*x*y" in tour
