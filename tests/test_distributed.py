"""ember.distributed on real MPI ranks: each test launches a script from tests/distributed_scripts
through ``python -m ember.distributed.run`` (the scripts assert, against NumPy or a one-process
run, and a failed assertion aborts every rank). Skips without mpi4py or mpiexec. Every launch has
a subprocess timeout, so that a bug can never hang the suite."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("mpi4py")
from ember.distributed import run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "distributed_scripts")
TIMEOUT = 120  # seconds; a healthy run takes a few, even on a loaded 2-core machine

try:
    run.find_mpiexec()
except SystemExit:
    pytest.skip("no mpiexec (install ember[distributed])", allow_module_level=True)


def launch(nproc, script, *args, timeout=TIMEOUT, launcher=("-m", "ember.distributed.run"), options=(),
           path=()):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*path, ROOT, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, *launcher, "--nproc-per-node", str(nproc), *options,
                           os.path.join(SCRIPTS, script), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def passed(result, nproc, marker):
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(marker) == nproc, result.stdout + result.stderr


@pytest.mark.parametrize("nproc", [2, 4])
def test_ddp_training_matches_one_process_on_the_full_batch(nproc):
    passed(launch(nproc, "ddp_train.py", str(nproc)), nproc, "ddp matches one process")


def test_torch_ddp_tutorial_runs_unchanged_through_ember_run(tmp_path):
    # the script imports torch; `-m ember.run` must make that ember on every rank: a real torch
    # import would meet this stand-in, which refuses
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("raise ImportError('the real torch was imported')\n")
    done = "Finished running basic DDP example"
    passed(launch(2, "ddp_tutorial.py", options=("-m", "ember.run"), path=[str(tmp_path)]), 2, done)
    # the launcher started with ember as torch hands that on to the ranks
    passed(launch(2, "ddp_tutorial.py", launcher=("-m", "ember.run", "-m", "ember.distributed.run"),
                  path=[str(tmp_path)]), 2, done)
    assert launch(2, "ddp_tutorial.py", path=[str(tmp_path)], timeout=60).returncode != 0  # the stand-in works


def test_every_collective_and_reduce_op_against_numpy():
    passed(launch(3, "collectives.py"), 3, "every collective agree with NumPy")


def test_an_exception_on_one_rank_ends_every_rank_with_its_traceback():
    result = launch(2, "fails_on_one_rank.py", timeout=60)  # a hang fails here, by TimeoutExpired
    assert result.returncode != 0
    assert "ValueError: rank 1 fails on purpose" in result.stderr
    assert "unreachable" not in result.stdout


def test_launcher_gives_each_rank_torchruns_environment(tmp_path):
    script = tmp_path / "env.py"
    script.write_text("import os, sys\n"  # one file per rank: the ranks' stdout may interleave
                      "names = 'RANK LOCAL_RANK WORLD_SIZE LOCAL_WORLD_SIZE MASTER_ADDR MASTER_PORT'.split()\n"
                      f"path = os.path.join({str(tmp_path)!r}, 'rank' + os.environ['RANK'])\n"
                      "open(path, 'w').write(' '.join(['env', *[os.environ[n] for n in names], *sys.argv[1:]]))\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node=2", "--master-port",
                             "29611", str(script), "--lr", "0.1"], env=env, capture_output=True, text=True,
                            timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    lines = sorted(path.read_text() for path in tmp_path.glob("rank*"))
    assert lines == ["env 0 0 2 2 127.0.0.1 29611 --lr 0.1", "env 1 1 2 2 127.0.0.1 29611 --lr 0.1"]


def test_launcher_command_line():
    args = run.parser().parse_args(["--nproc-per-node", "2", "-m", "ember.run", "train.py", "--epochs", "3"])
    command = run.mpiexec_command(args, "mpiexec")
    assert command.count(":") == 1 and command.count("-n") == 2
    rank_1 = command[command.index(":") + 1:]
    assert rank_1[rank_1.index("RANK") + 1] == "1" and rank_1[rank_1.index("LOCAL_RANK") + 1] == "1"
    assert command[-8:] == [sys.executable, "-m", "mpi4py", "-m", "ember.run", "train.py", "--epochs", "3"]
    with pytest.raises(SystemExit):
        run.parser().parse_args(["--nproc-per-node", "0", "train.py"])


def test_bench_distributed_runs():
    result = subprocess.run([sys.executable, "-m", "bench.distributed", "--no-torch", "--steps", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=TIMEOUT * 2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "W4 data-parallel" in result.stdout and "all_reduce of float32" in result.stdout
