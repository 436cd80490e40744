"""torchrun for ember: ``python -m ember.distributed.run --nproc-per-node N script.py args``.

The ranks are MPI processes started by ``mpiexec`` (the mpich wheel's, next to the Python
executable), each given torchrun's environment: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
GROUP_RANK, MASTER_ADDR, MASTER_PORT. Each rank runs the script under ``python -m mpi4py``, whose
runner calls MPI_Abort when the script raises: the traceback is printed, every other rank is
ended, and the launcher exits non-zero, where a plain ``mpiexec python script.py`` would leave
the other ranks waiting in their next collective forever.

One node only, for now: --nnodes and --node-rank are accepted for torchrun's command lines,
but a job over several machines is started with mpiexec itself (a host file), where
ember.distributed also runs (ranks from MPI; RANK and the others are then not set).
"""
import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys


def find_mpiexec():
    """The mpiexec that belongs to mpi4py's MPI: $EMBER_MPIEXEC, else the one installed next to
    this Python (a virtual environment's bin/), else the mpich wheel's, else the one on PATH."""
    if os.environ.get("EMBER_MPIEXEC"):
        return os.environ["EMBER_MPIEXEC"]
    candidates = [os.path.join(os.path.dirname(sys.executable), "mpiexec")]
    try:
        for file in importlib.metadata.distribution("mpich").files or ():
            if file.name == "mpiexec":
                candidates.append(str(file.locate()))
    except importlib.metadata.PackageNotFoundError:
        pass
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    found = shutil.which("mpiexec")
    if found is None:
        raise SystemExit("ember.distributed.run: no mpiexec found; install MPI with `pip install ember[distributed]` "
                         "(mpi4py and the mpich wheel), or name one in $EMBER_MPIEXEC")
    return found


def _nproc(value):
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    if value == "gpu":
        raise argparse.ArgumentTypeError("--nproc-per-node gpu: ember has no GPUs to count; give a number")
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--nproc-per-node must be a number, 'auto' or 'cpu', not {value!r}")
    if count < 1:
        raise argparse.ArgumentTypeError(f"--nproc-per-node must be at least 1, not {count}")
    return count


def _nnodes(value):
    low, _, high = str(value).partition(":")
    if high and high != low:
        raise argparse.ArgumentTypeError(f"--nnodes {value}: elastic ranges are not supported; give one number")
    return int(low)


def parser():
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Start a training script on several MPI ranks, as torchrun does.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=_nproc, default=1, dest="nproc_per_node",
                   help="ranks to start on this node (a number, 'auto' or 'cpu')")
    p.add_argument("--nnodes", type=_nnodes, default=1, help="how many nodes take part")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0, dest="node_rank", help="this node's rank")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1", dest="master_addr",
                   help="node 0's address (set as MASTER_ADDR)")
    p.add_argument("--master-port", "--master_port", type=int, default=29500, dest="master_port",
                   help="set as MASTER_PORT (MPI does not need it; scripts may read it)")
    p.add_argument("--standalone", action="store_true", help="a single node (the default here)")
    for ignored in ("--rdzv-backend", "--rdzv_backend", "--rdzv-endpoint", "--rdzv_endpoint", "--rdzv-id",
                    "--rdzv_id", "--max-restarts", "--max_restarts", "--monitor-interval", "--monitor_interval",
                    "--start-method", "--start_method", "--log-dir", "--log_dir", "--redirects", "--tee"):
        p.add_argument(ignored, default=None, help=argparse.SUPPRESS)
    p.add_argument("-m", "--module", action="store_true", help="run the script argument as a module (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true", dest="no_python",
                   help="run the script argument as an executable, without python (no abort on an exception)")
    p.add_argument("training_script", help="the script (or module, or program) each rank runs")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _torch_is_ember():
    """Whether this launcher itself runs with ember as torch (``python -m ember.run -m
    torch.distributed.run ...``): then the ranks' scripts get ember as torch too."""
    shim = sys.modules.get("ember._shim")
    return shim is not None and shim._FINDER in sys.meta_path


def rank_command(args):
    """What each rank runs: the script under mpi4py's aborting runner (through ``ember.run``
    where the launcher was started with ember as torch)."""
    if args.no_python:
        return [args.training_script, *args.training_script_args]
    target = ["-m", args.training_script] if args.module else [args.training_script]
    if _torch_is_ember():
        target = ["-m", "ember.run", *target]
    return [sys.executable, "-m", "mpi4py", *target, *args.training_script_args]


def rank_environments(args):
    """torchrun's variables for every rank, in rank order (node-major)."""
    world_size = args.nnodes * args.nproc_per_node
    for node in range(args.nnodes):
        for local_rank in range(args.nproc_per_node):
            rank = node * args.nproc_per_node + local_rank
            yield {"RANK": rank, "LOCAL_RANK": local_rank, "WORLD_SIZE": world_size,
                   "LOCAL_WORLD_SIZE": args.nproc_per_node, "GROUP_RANK": node, "ROLE_RANK": rank,
                   "ROLE_WORLD_SIZE": world_size, "MASTER_ADDR": args.master_addr, "MASTER_PORT": args.master_port,
                   "TORCHELASTIC_RUN_ID": "none"}


def mpiexec_command(args, mpiexec):
    """One mpiexec call starting every rank: one ``-n 1 -env ...`` section per rank (MPMD
    syntax), so that each gets its own RANK and LOCAL_RANK."""
    command, rank_cmd = [mpiexec], rank_command(args)
    for environment in rank_environments(args):
        if command[1:]:
            command.append(":")
        command += ["-n", "1"]
        for name, value in environment.items():
            command += ["-env", name, str(value)]
        command += rank_cmd
    return command


def main(argv=None):
    args = parser().parse_args(argv)
    if not 0 <= args.node_rank < args.nnodes:
        raise SystemExit(f"ember.distributed.run: --node-rank {args.node_rank} must be in 0..{args.nnodes - 1}")
    if args.nnodes > 1:
        raise SystemExit(f"ember.distributed.run: --nnodes {args.nnodes}: this launcher starts the ranks of one node; "
                         "for several machines run mpiexec with a host file: "
                         "`mpiexec -f hosts -n N python -m mpi4py script.py`")
    if args.nproc_per_node * args.nnodes > 1 and "OMP_NUM_THREADS" not in os.environ:
        # as torchrun: several ranks each running a full-width BLAS would overload the machine
        print("ember.distributed.run: setting OMP_NUM_THREADS=1 for each rank to avoid overloading the machine; "
              "set it yourself to tune", file=sys.stderr)
        os.environ["OMP_NUM_THREADS"] = "1"
    command = mpiexec_command(args, find_mpiexec())
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
