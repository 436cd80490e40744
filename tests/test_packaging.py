"""pyproject.toml and .gitignore: what an install packages, and what the repository ignores."""
import pathlib
from fnmatch import fnmatchcase

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _config():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_only_ember_is_packaged_not_the_tours_folder():
    include = _config()["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatchcase("ember", pattern) for pattern in include)
    assert any(fnmatchcase("ember.viz", pattern) for pattern in include)
    for folder in ("ember-tour", "ember_tour", "embers"):  # what `python -m ember` leaves behind, and look-alikes
        assert not any(fnmatchcase(folder, pattern) for pattern in include), folder


def test_license_is_an_spdx_string_that_the_required_setuptools_reads():
    config = _config()
    assert config["project"]["license"] == "MIT"  # PEP 639; the old {text = ...} table prints deprecation lines
    assert not any(c.startswith("License ::") for c in config["project"].get("classifiers", []))
    requires = config["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in requires)  # setuptools 77 is the first to accept the string form


def test_generated_folders_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/ember-tour/" in ignored and "/site/" in ignored
