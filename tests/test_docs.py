"""The documentation site builds with warnings as errors (mkdocs build --strict), when mkdocs is installed."""
import os
import pathlib
import subprocess
import sys

import pytest

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
    for picture in ("graph_before_backward.svg", "graph_after_backward.svg", "graph_folded.svg"):
        assert (tmp_path / "img" / picture).exists()


def test_docs_pictures_are_the_tours_current_output(tmp_path):
    """docs/img holds what docs/make_pictures.py draws today (regenerate them when the drawing changes)."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import make_pictures
    finally:
        sys.path.pop(0)
    make_pictures.main(str(tmp_path))
    for picture in ("graph_before_backward.svg", "graph_after_backward.svg", "graph_folded.svg"):
        assert (tmp_path / picture).read_text() == (ROOT / "docs" / "img" / picture).read_text(), picture
