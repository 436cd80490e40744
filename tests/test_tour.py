"""`python -m ember`: the tour runs clean without any optional extra, and its chapters do what they say."""
import io
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from test_seed_tutorial import TORCH_OUTPUT

import ember
from ember import _tour

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Run the tour as a fresh `pip install ember` would: every optional extra made unimportable.
WITHOUT_EXTRAS = ("import sys, runpy\n"
                  "for name in ('tqdm', 'matplotlib', 'graphviz', 'rich'): sys.modules[name] = None\n"
                  "sys.argv = ['ember'] + sys.argv[1:]\n"
                  "runpy.run_module('ember', run_name='__main__', alter_sys=True)\n")


def _tour_run(*arguments):
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, *arguments], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_quick_tour_runs_clean_without_extras(tmp_path):
    result = _tour_run("--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert TORCH_OUTPUT in out  # chapter 1: the seed tutorial, exactly as torch prints it
    assert "x.grad += 10 -> 10" in out and "y.grad += 10 -> 10" in out  # chapter 2: the narrated backward
    assert "training [####################]   300/300" in out  # the plain progress line
    assert "matplotlib is not installed" in out
    final = [line for line in out.splitlines() if line.startswith("After 300 steps")]
    assert len(final) == 1 and "accuracy" in final[0]
    for name in ("graph_before_backward", "graph_after_backward"):
        root = ET.parse(tmp_path / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
        assert (tmp_path / f"{name}.dot").read_text().count("->") == 10
    assert "grad 10" in (tmp_path / "graph_after_backward.dot").read_text()
    assert "grad 10" not in (tmp_path / "graph_before_backward.dot").read_text()


def test_help_lists_the_options():
    result = _tour_run("--help")
    assert result.returncode == 0
    for option in ("--out DIR", "--quick", "--no-train", "--tutorial"):
        assert option in result.stdout


def test_no_train_skips_the_network(tmp_path):
    result = _tour_run("--no-train", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "two spirals" not in result.stdout and TORCH_OUTPUT in result.stdout


def test_spirals_are_balanced_and_inside_the_unit_disc():
    ember.manual_seed(0)
    inputs, labels = _tour.two_spirals(50, noise=0.0)
    assert inputs.shape == (100, 2) and labels.tolist() == [0, 1] * 50
    radius = (inputs ** 2).sum(dim=1).sqrt()
    assert all(r <= 1.0 + 1e-6 for r in radius.tolist())
    # the two classes are the same spiral turned half a circle: opposite points
    first, second = inputs[0].tolist(), inputs[1].tolist()
    assert first == pytest.approx([-v for v in second], abs=1e-6)


def test_training_lowers_the_loss_and_learns_the_spirals():
    stream = io.StringIO()
    model, history, inputs, labels = _tour.train_spirals(steps=300, points_per_class=100, stream=stream)
    first_loss, last_loss = history[0][1], history[-1][1]
    assert first_loss > 0.6 and last_loss < first_loss / 4
    assert history[-1][2] >= 0.9
    assert all(p.is_leaf and p.grad is not None for p in model.parameters())


def test_graph_chapter_writes_its_pictures(tmp_path):
    stream = io.StringIO()
    written = _tour.chapter_graph(str(tmp_path), stream)
    assert sorted(pathlib.Path(path).name for path in written) == [
        "graph_after_backward.dot", "graph_after_backward.svg", "graph_before_backward.dot",
        "graph_before_backward.svg"]
    assert "d(x**2)/dx = 2*x = 4" in stream.getvalue()


def test_plots_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    stream = io.StringIO()
    model, history, inputs, labels = _tour.train_spirals(steps=20, points_per_class=20, stream=stream)
    paths = _tour.save_plots(model, history, inputs, labels, str(tmp_path), stream)
    assert [pathlib.Path(p).read_bytes()[:4] for p in paths] == [b"\x89PNG"] * 2


def test_training_converges_cleanly_and_says_what_the_curve_shows():
    model, history, inputs, labels = _tour.train_spirals(steps=300, points_per_class=100, stream=io.StringIO())
    losses = [loss for _, loss, _ in history]
    assert losses[-1] == min(losses)  # the cosine schedule settles at the lowest loss, not above it
    assert max(later - earlier for earlier, later in zip(losses, losses[1:])) < 0.01  # no spikes
    text = _tour.describe_curve(history)
    assert f"to {losses[-1]:.3f}; it ends at its lowest" in text and "never goes up" in text
    assert _tour.describe_curve([(0, 0.7, 0.5), (10, 0.2, 0.9), (20, 0.3, 0.8)]) == (
        "The loss curve falls from 0.700 (guessing: ln 2 = 0.693) to 0.300; its lowest was 0.200 at step 10, and "
        "it ends at 0.300, and its biggest rise between two points ten steps apart is 0.100. Accuracy climbs from "
        "50% to 80.0%.")


def test_a_live_progress_bar_only_on_a_terminal(monkeypatch):
    class FakeTqdm:
        def __init__(self, **options):
            self.options = options

    monkeypatch.setitem(sys.modules, "tqdm", type(sys)("tqdm"))
    sys.modules["tqdm"].tqdm = FakeTqdm

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(_tour._progress(10, io.StringIO()), _tour._PlainProgress)  # a log: ten plain lines
    assert isinstance(_tour._progress(10, Terminal()), FakeTqdm)


def test_the_graph_is_listed_in_forward_order_and_saved_values_are_explained(tmp_path):
    stream = io.StringIO()
    _tour.chapter_graph(str(tmp_path), stream)
    listing = [line.split("|")[0].split()[-1] + (line.split("|")[1] if "|" in line else "")
               for line in stream.getvalue().splitlines() if line.startswith("  ") and "|" in line]
    assert listing[0].startswith("x") and listing[-1].startswith("z")  # inputs first, the output last
    ops = [line for line in stream.getvalue().splitlines() if line.startswith("  op")]
    assert [line.split(" | ")[1] for line in ops] == ["x**2", "2*x", "2*x*y", "x**2 + 2*x*y", "y**2",
                                                      "x**2 + 2*x*y + y**2"]
    assert "`saved self: x, scalar`" in stream.getvalue() and "_saved_self" in stream.getvalue()
