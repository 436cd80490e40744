"""Data parallelism's cost: ``python -m bench.distributed [--steps N]``.

W4 (the 784-1024-1024-10 MLP, a global batch of 256 split over the ranks) under
DistributedDataParallel on 1 and 2 ranks, and the bandwidth of all_reduce between 2 ranks, for
ember (ember.distributed.run, MPI) and, where installed, torch (torchrun, gloo). Each rank runs
bench/distributed_rank.py with one BLAS thread. On a machine with 2 cores the ranks share the
cores with everything else, so the 2-rank figure shows the overhead of communicating more than a
speed-up.
"""
import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def launch(framework, world, steps):
    """The BENCH rows rank 0 of one run printed."""
    if framework == "ember":
        launcher = [sys.executable, "-m", "ember.distributed.run"]
    else:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--master-port", str(random.randint(20000, 40000))]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run([*launcher, "--nproc-per-node", str(world), str(ROOT / "bench" / "distributed_rank.py"),
                             framework, str(steps)], env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{framework} on {world} ranks failed:\n{result.stdout}\n{result.stderr}")
    return [json.loads(line[6:]) for line in result.stdout.splitlines() if line.startswith("BENCH ")]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10, help="timed W4 steps per run (default 10)")
    p.add_argument("--no-torch", action="store_true", help="ember only")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = p.parse_args(argv)
    frameworks = ["ember"]
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            frameworks.append("torch")
        except ImportError:
            print("torch not installed: ember only")
    rows = [row for framework in frameworks for world in (1, 2) for row in launch(framework, world, args.steps)]
    w4 = {(r["framework"], r["world"]): r["ms_per_step"] for r in rows if r["kind"] == "W4"}
    print("W4 data-parallel (global batch 256), ms per step")
    print(f"{'framework':<10}{'1 rank':>10}{'2 ranks':>10}{'2 / 1':>8}")
    for framework in frameworks:
        one, two = w4[framework, 1], w4[framework, 2]
        print(f"{framework:<10}{one:>10.1f}{two:>10.1f}{two / one:>8.2f}")
    if "torch" in frameworks:
        print(f"ember / torch: 1 rank {w4['ember', 1] / w4['torch', 1]:.2f}, "
              f"2 ranks {w4['ember', 2] / w4['torch', 2]:.2f}")
    print("\nall_reduce of float32 between 2 ranks")
    print(f"{'bytes':>10}" + "".join(f"{f + ' µs':>14}{f + ' GB/s':>14}" for f in frameworks)
          + (f"{'ember/torch':>13}" if "torch" in frameworks else ""))
    reduce_rows = {(r["framework"], r["bytes"]): r for r in rows if r["kind"] == "allreduce"}
    for size in sorted({b for _, b in reduce_rows}):
        line = f"{size:>10}"
        for framework in frameworks:
            r = reduce_rows[framework, size]
            line += f"{r['us']:>14.1f}{r['algbw_gbs']:>14.3f}"
        if "torch" in frameworks:
            line += f"{reduce_rows['ember', size]['us'] / reduce_rows['torch', size]['us']:>13.2f}"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
