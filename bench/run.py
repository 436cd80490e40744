"""Benchmark ember against torch: `python bench/run.py` or `python -m bench` (see --help).

Each workload runs under every installed framework in the same process, interleaved
(ember, torch, ember, torch, ...), on one thread, after a warm-up whose results must agree.
The table gives the median time and the ratio ember/torch (lower is better).
"""
import os
import sys

# One thread for NumPy's BLAS and torch's OpenMP. The variables only act if set before numpy is
# imported, which is the case when this file is run as a script or with -m; threadpoolctl, where
# installed, also covers the case where numpy was imported first.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import contextlib
import datetime
import gc
import importlib
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.workloads import WORKLOADS

SCALE = {"s": 1.0, "ms": 1e3, "µs": 1e6}


def load_frameworks():
    """{name: module} for ember and, where installed, torch (pinned to one thread)."""
    frameworks = {"ember": importlib.import_module("ember")}
    try:
        import torch
    except ImportError:
        return frameworks
    torch.set_num_threads(1)
    frameworks["torch"] = torch
    return frameworks


def one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def as_arrays(out):
    out = out if isinstance(out, (tuple, list)) else (out,)
    return [np.asarray(t.detach().numpy(), dtype=np.float64) for t in out]


def check_agree(wl, results):
    """Raise if any framework's results differ from ember's beyond the workload's tolerance."""
    ref = results["ember"]
    for name, got in results.items():
        if len(got) != len(ref):
            raise AssertionError(f"{wl.key}: {name} returned {len(got)} outputs, ember {len(ref)}")
        for i, (a, b) in enumerate(zip(ref, got)):
            if a.shape != b.shape or not np.allclose(a, b, rtol=wl.rtol, atol=wl.atol):
                raise AssertionError(f"{wl.key}: output {i} differs, ember {a} vs {name} {b}")


def run_workload(wl, frameworks, n, repeats, warmup):
    """Warm up and check agreement, then time `repeats` interleaved rounds: {name: [seconds]}."""
    results = {}
    for _ in range(warmup):
        for name, fw in frameworks.items():
            results[name] = as_arrays(wl.fn(fw, n))
    check_agree(wl, results)
    times = {name: [] for name in frameworks}
    for _ in range(repeats):
        for name, fw in frameworks.items():
            gc.collect()
            start = time.perf_counter()
            wl.fn(fw, n)
            times[name].append(time.perf_counter() - start)
    return times


def summarise(wl, n, times):
    """One result row: median and min per framework in the workload's unit, ratio, target met."""
    scale = SCALE[wl.unit] / (n if wl.per else 1)
    row = {"workload": wl.key, "name": wl.name, "size": n,
           "unit": wl.unit + (f"/{wl.per}" if wl.per else ""),
           "median": {name: statistics.median(ts) * scale for name, ts in times.items()},
           "min": {name: min(ts) * scale for name, ts in times.items()},
           "times_s": times, "target": wl.target, "ratio": None, "met": None}
    median = row["median"]
    if "torch" in median:
        row["ratio"] = median["ember"] / median["torch"]
        row["met"] = row["ratio"] <= wl.target
    return row


def print_table(rows):
    head = ("workload", "size", "unit", "ember", "torch", "ratio", "target", "met")
    lines = [head]
    for r in rows:
        torch_t = r["median"].get("torch")
        lines.append((f"{r['workload']} {r['name']}", str(r["size"]), r["unit"],
                      f"{r['median']['ember']:.2f}",
                      "n/a" if torch_t is None else f"{torch_t:.2f}",
                      "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}",
                      f"<= {r['target']}",
                      "n/a" if r["met"] is None else ("yes" if r["met"] else "NO")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for j, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths))))
        if j == 0:
            print("  ".join("-" * w for w in widths))


def machine_info(frameworks):
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "blas": np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {}).get("name")}
    info.update({name: fw.__version__ for name, fw in frameworks.items()})
    return info


def profile(wl, n, top=15):
    import cProfile
    import pstats
    ember = importlib.import_module("ember")
    wl.fn(ember, n)  # warm-up
    prof = cProfile.Profile()
    prof.runcall(wl.fn, ember, n)
    print(f"== {wl.key} {wl.name} (n={n}) under ember ==")
    pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(top)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer repeats (a rough figure, fast)")
    p.add_argument("--only", help="comma-separated workloads to run, e.g. W1,W2")
    p.add_argument("--workloads", action="store_true", help="list the workloads and exit")
    p.add_argument("--steps", type=int, help="override every workload's size (steps, ops, ...)")
    p.add_argument("--repeats", type=int, help="timed rounds per framework (default 21, quick 5)")
    p.add_argument("--json", metavar="PATH", help="also write the results and machine info as JSON")
    p.add_argument("--profile", action="store_true",
                   help="profile ember on each workload instead (cProfile, top 15 by tottime)")
    args = p.parse_args(argv)

    if args.workloads:
        for wl in WORKLOADS.values():
            print(f"{wl.key}  {wl.name:<14} size {wl.size:>6}  {wl.fn.__doc__.splitlines()[0]}")
        return 0
    keys = [k.strip().upper() for k in args.only.split(",")] if args.only else list(WORKLOADS)
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    if args.profile:
        for key in keys:
            profile(WORKLOADS[key], args.steps or WORKLOADS[key].size)
        return 0
    repeats = args.repeats or (5 if args.quick else 21)
    warmup = 1 if args.quick else 3

    frameworks = load_frameworks()
    info = machine_info(frameworks)
    print(f"{info['cpu']}, {info['cores']} cores; python {info['python']}, numpy {info['numpy']}, "
          + ", ".join(f"{name} {info[name]}" for name in frameworks)
          + f"; one thread; median of {repeats}" + ("" if "torch" in frameworks else
                                                    "; torch not installed: ratios n/a"))
    rows = []
    with one_thread():
        for key in keys:
            wl = WORKLOADS[key]
            n = args.steps or wl.size
            rows.append(summarise(wl, n, run_workload(wl, frameworks, n, repeats, warmup)))
    print_table(rows)
    if args.json:
        report = {"machine": info, "repeats": repeats, "results": rows}
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
