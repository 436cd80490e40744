"""ember.distributed without a process group (nothing here starts MPI in the test process):
the errors torch raises, the launcher's refusals, and a singleton rank that disagrees with MPI."""
import os
import subprocess
import sys

import pytest

import ember
import ember.distributed as dist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("call", [lambda d: d.get_rank(), lambda d: d.get_world_size(), lambda d: d.barrier()])
def test_no_default_group_is_torchs_value_error(call):
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist
    with pytest.raises(ValueError) as theirs:
        call(tdist)
    with pytest.raises(ValueError) as ours:
        call(dist)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(ember.ones(2))
    assert torch is not None and not dist.is_initialized()


def test_reduce_op_names_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"):
        ours, theirs = getattr(dist.ReduceOp, name), getattr(torch.distributed.ReduceOp, name)
        assert (str(ours), repr(ours)) == (str(theirs), repr(theirs))


def test_nccl_and_unknown_backends_are_refused_before_mpi_starts():
    with pytest.raises(RuntimeError, match="Distributed package doesn't have NCCL built in"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend: 'ucc'"):
        dist.init_process_group("ucc")
    assert not dist.is_initialized()


def test_a_rank_that_disagrees_with_mpi_is_refused():
    pytest.importorskip("mpi4py")
    code = ("import ember.distributed as dist\n"
            "try:\n    dist.init_process_group('gloo', rank=1, world_size=2)\n"
            "except ValueError as error:\n    print('refused:', error)\n")
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                            text=True, timeout=120)
    assert "refused: init_process_group: world_size=2, but MPI started this process as rank 0 of 1" in result.stdout, \
        result.stdout + result.stderr


def test_launcher_refuses_several_nodes():
    from ember.distributed import run
    with pytest.raises(SystemExit, match="starts the ranks of one node"):
        run.main(["--nnodes", "2", "--nproc-per-node", "1", "train.py"])
