"""The benchmark script runs (a smoke test: no timing thresholds here)."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARGS = ["--quick", "--only", "W1", "--steps", "20", "--repeats", "1"]


def run(code_prefix=""):
    # With a prefix, run bench/run.py as a script under `python -c` so the prefix can act first.
    if code_prefix:
        cmd = [sys.executable, "-c", code_prefix + "import runpy, sys; sys.argv = ['run.py'] + "
               f"{ARGS!r}; runpy.run_path('bench/run.py', run_name='__main__')"]
    else:
        cmd = [sys.executable, "bench/run.py", *ARGS]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)


def w1_row(stdout):
    return [line for line in stdout.splitlines() if line.startswith("W1 seed loop")]


def test_bench_runs_w1():
    proc = run()
    assert proc.returncode == 0, proc.stderr
    assert len(w1_row(proc.stdout)) == 1, proc.stdout


def test_bench_runs_without_torch():
    proc = run("import sys; sys.modules['torch'] = None; ")  # makes `import torch` fail
    assert proc.returncode == 0, proc.stderr
    [row] = w1_row(proc.stdout)
    assert "n/a" in row and "torch not installed" in proc.stdout, proc.stdout
