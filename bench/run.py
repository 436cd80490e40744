"""Benchmark ember against torch: `python bench/run.py` or `python -m bench` (see --help).

Each workload runs under every installed framework in the same process, interleaved
(ember, torch, peers, ember, torch, ...), on one thread, after a warm-up whose results must
agree. The table gives the median time and the ratio ember/torch (lower is better). The peers
(mygrad, HIPS autograd, micrograd; `pip install -e ".[bench]"`) run where installed, for the
workloads they can express (bench/peers.py), with fewer rounds: they are there to be beaten.
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
from bench.peers import PEERS
from bench.workloads import WORKLOADS, numpy_w4_floor, w4_flops

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


def load_peers():
    """{name: module} for the peer libraries that are installed."""
    peers = {}
    for name in PEERS:
        try:
            peers[name] = importlib.import_module(name)
        except ImportError:
            pass
    return peers


def one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def as_arrays(out):
    out = out if isinstance(out, (tuple, list)) else (out,)
    return [np.asarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t, dtype=np.float64) for t in out]


def devices_of(frameworks, device):
    """{framework: the device it runs the workloads on}: with --device cuda, ember on its GPU (CuPy, or
    the stand-in) and torch on CUDA where its build has CUDA, else on the CPU."""
    if device == "cpu":
        return {name: "cpu" for name in frameworks}
    placed = {}
    for name, fw in frameworks.items():
        placed[name] = "cuda" if fw.cuda.is_available() else "cpu"
    if placed["ember"] != "cuda":
        raise SystemExit("--device cuda: ember.cuda.is_available() is False (install ember[cuda] on a machine with "
                         "an NVIDIA GPU, or set EMBER_CUDA_STANDIN=1 to try the harness on the CuPy stand-in)")
    return placed


def on_device(fw, device, fn):
    """fn(n) with `device` as the framework's default device (the workloads make their tensors with
    torch.tensor and nn layers, which follow it), waiting for the GPU before it returns."""
    if device == "cpu":
        return fn

    def run(n):
        previous = fw.get_default_device()
        fw.set_default_device(device)
        try:
            out = fn(n)
            fw.cuda.synchronize()  # a GPU queues work: the time is only right once it is done
        finally:
            fw.set_default_device(previous)
        return out
    return run


def runners(wl, frameworks, peers, devices=None, torch_compile=False):
    """{name: fn(n)} for every framework and installed peer that has this workload (and torch.compile
    on the compiled workloads when asked: it needs a C compiler and takes minutes to compile)."""
    devices = devices or {name: "cpu" for name in frameworks}
    run = {name: on_device(fw, devices[name], lambda n, fw=fw: wl.fn(fw, n)) for name, fw in frameworks.items()}
    if wl.compiled and torch_compile and "torch" in frameworks:
        run[TORCH_COMPILE] = on_device(frameworks["torch"], devices["torch"],
                                       lambda n: wl.fn(frameworks["torch"], n, torch_compile=True))
    for name, module in peers.items():
        if wl.key in PEERS[name]:
            run[name] = lambda n, fn=PEERS[name][wl.key], module=module: fn(module, n)
    return run


def check_agree(wl, results):
    """Raise if any framework's results differ from ember's beyond the workload's tolerance."""
    ref = results["ember"]
    for name, got in results.items():
        if len(got) != len(ref):
            raise AssertionError(f"{wl.key}: {name} returned {len(got)} outputs, ember {len(ref)}")
        for i, (a, b) in enumerate(zip(ref, got)):
            if a.shape != b.shape or not np.allclose(a, b, rtol=wl.rtol, atol=wl.atol):
                raise AssertionError(f"{wl.key}: output {i} differs, ember {a} vs {name} {b}")


PEER_ROUNDS = 3  # peers are slow; a few rounds tell whether ember beats them


def run_workload(wl, run, n, repeats, warmup):
    """Warm up and check agreement, then time interleaved rounds: ({name: [seconds]}, {name: error})."""
    results, failed = {}, {}
    for _ in range(warmup):
        for name, fn in run.items():
            if name in failed:
                continue
            try:
                results[name] = as_arrays(fn(n))
            except Exception as error:  # a peer that cannot run this size (e.g. RecursionError)
                if name in ("ember", "torch"):
                    raise
                failed[name] = type(error).__name__
    check_agree(wl, results)
    times = {name: [] for name in run if name not in failed}
    for round_ in range(repeats):
        for name in times:
            if round_ >= PEER_ROUNDS and name not in ("ember", "torch"):
                continue
            gc.collect()
            start = time.perf_counter()
            run[name](n)
            times[name].append(time.perf_counter() - start)
    return times, failed


def summarise(wl, n, times, failed=()):
    """One result row: median and min per framework in the workload's unit, ratio, target met."""
    scale = SCALE[wl.unit] / (n if wl.per else 1)
    row = {"workload": wl.key, "name": wl.name, "size": n,
           "unit": wl.unit + (f"/{wl.per}" if wl.per else ""),
           "median": {name: statistics.median(ts) * scale for name, ts in times.items()},
           "min": {name: min(ts) * scale for name, ts in times.items()},
           "times_s": times, "target": wl.target, "ratio": None, "met": None,
           "failed": dict(failed)}
    median = row["median"]
    if "torch" in median:
        row["ratio"] = median["ember"] / median["torch"]
        row["met"] = row["ratio"] <= wl.target
    return row


TORCH_COMPILE = "torch.compile"  # the extra column of the compiled workloads (--torch-compile)


def peer_names(rows):
    return [name for name in (TORCH_COMPILE, *PEERS) if any(name in r["median"] or name in r["failed"] for r in rows)]


def w4_extras(row, n):
    """GFLOP/s of each framework on W4, and the bare-NumPy matmul floor of the same shapes."""
    floor = []
    for _ in range(5):
        start = time.perf_counter()
        numpy_w4_floor(n)
        floor.append((time.perf_counter() - start) / n)
    floor_ms = statistics.median(floor) * 1e3
    row["numpy_floor_ms"] = floor_ms
    row["gflops"] = {name: w4_flops() / (ms * 1e-3) / 1e9 for name, ms in row["median"].items()}
    row["ember_over_floor"] = row["median"]["ember"] / floor_ms


# The peak is the kernel's high-water mark of this process's own memory (VmHWM), reset to the
# current size just before the workload. Not getrusage's ru_maxrss: Linux carries that over from
# the parent across fork/exec, so it reported the benchmark process's own peak (torch, ember and
# every workload loaded), not the child's.
MEMORY_PROBE = """
import sys
sys.path.insert(0, {root!r})
import {module} as fw
if {module!r} == "torch":
    fw.set_num_threads(1)
from bench.workloads import WORKLOADS
def status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current size
except OSError:
    pass
before = status_mib("VmRSS")
WORKLOADS["W4"].fn(fw, {steps})
print(status_mib("VmHWM") - before)
"""


def memory_row(frameworks, steps=3):
    """Peak RSS growth (MiB) of W4 in a fresh process per framework, and the ratio ember/torch."""
    import subprocess
    root = str(Path(__file__).resolve().parent.parent)
    growth = {}
    for name in frameworks:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        out = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=root, module=name, steps=steps)],
                             capture_output=True, text=True, env=env, check=True).stdout
        growth[name] = float(out.split()[-1])
    row = {"workload": "M", "name": "W4 peak memory", "size": steps, "unit": "MiB", "median": growth,
           "min": growth, "times_s": {}, "target": 1.0, "ratio": None, "met": None, "failed": {}}
    if "torch" in growth:
        row["ratio"] = growth["ember"] / growth["torch"]
        row["met"] = row["ratio"] <= row["target"]
    return row


def _cell(row, name):
    if name in row["failed"]:
        return row["failed"][name]
    value = row["median"].get(name)
    return "n/a" if value is None else f"{value:.2f}" if value < 1000 else f"{value:.0f}"


def print_table(rows):
    peers = peer_names(rows)
    head = ("workload", "size", "unit", "ember", "torch", "ratio", "target", "met", *peers)
    lines = [head]
    for r in rows:
        lines.append((f"{r['workload']} {r['name']}", str(r["size"]), r["unit"],
                      _cell(r, "ember"), _cell(r, "torch"),
                      "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}",
                      f"<= {r['target']}",
                      "n/a" if r["met"] is None else ("yes" if r["met"] else "NO"),
                      *(_cell(r, name) for name in peers)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for j, line in enumerate(lines):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths))))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        if "gflops" in r:
            print("W4: " + ", ".join(f"{name} {g:.1f} GFLOP/s" for name, g in r["gflops"].items())
                  + f"; bare NumPy matmuls {r['numpy_floor_ms']:.2f} ms/step, ember/NumPy "
                  f"{r['ember_over_floor']:.2f}")
        slower = [name for name in peers if name in r["median"] and r["median"][name] < r["median"]["ember"]]
        if slower:
            print(f"{r['workload']}: ember is slower than {', '.join(slower)}")


def device_header(frameworks, devices, info):
    """What ran where under --device cuda, and a warning when ember's GPU is the CuPy stand-in."""
    ember = frameworks["ember"]
    name = ember.cuda.get_device_name()
    info["gpu"] = name
    lines = [f"device cuda: ember on {name}"]
    if "torch" in frameworks:
        lines.append(f"torch on {frameworks['torch'].cuda.get_device_name()}" if devices["torch"] == "cuda" else
                     "torch on the CPU (this torch has no CUDA): the ratio is ember's GPU against torch's CPU")
    header = "; ".join(lines)
    if "stand-in" in name:
        info["standin"] = True
        header += ("\nTHE GPU IS THE CUPY STAND-IN (EMBER_CUDA_STANDIN=1): NumPy on the host pretending to be a "
                   "GPU. It checks that the workloads run on device 'cuda'; its times mean nothing about GPU speed.")
    return header


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
    info.update({name: getattr(fw, "__version__", "?") for name, fw in frameworks.items()})
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
    p.add_argument("--no-peers", action="store_true", help="skip mygrad, HIPS autograd and micrograd")
    p.add_argument("--no-memory", action="store_true", help="skip the W4 peak-memory probe")
    p.add_argument("--compiled", action="store_true", help="only the compiled workloads (W1c, W3c, ...)")
    p.add_argument("--eager", action="store_true", help="only the eager workloads")
    p.add_argument("--torch-compile", action="store_true",
                   help="also time torch.compile on the compiled workloads (needs a C compiler; slow to compile)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="run the workloads on this device: cuda puts ember on its GPU and torch on CUDA where "
                        "torch has it (else on the CPU, said in the header); no peers, no memory probe")
    p.add_argument("--profile", action="store_true",
                   help="profile ember on each workload instead (cProfile, top 15 by tottime)")
    args = p.parse_args(argv)

    if args.workloads:
        for wl in WORKLOADS.values():
            print(f"{wl.key}  {wl.name:<14} size {wl.size:>6}  {wl.fn.__doc__.splitlines()[0]}")
        return 0
    keys = [k.strip() for k in args.only.split(",")] if args.only else list(WORKLOADS)
    keys = [next((name for name in WORKLOADS if name.upper() == k.upper()), k) for k in keys]
    if args.compiled or args.eager:
        keys = [k for k in keys if k in WORKLOADS and WORKLOADS[k].compiled == args.compiled]
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
    devices = devices_of(frameworks, args.device)
    peers = {} if args.no_peers or args.device != "cpu" else load_peers()
    info = machine_info({**frameworks, **peers})
    info["devices"] = devices
    print(f"{info['cpu']}, {info['cores']} cores; python {info['python']}, numpy {info['numpy']}, "
          + ", ".join(f"{name} {info[name]}" for name in {**frameworks, **peers})
          + f"; one thread; median of {repeats}" + ("" if "torch" in frameworks else
                                                    "; torch not installed: ratios n/a"))
    if args.device == "cuda":
        print(device_header(frameworks, devices, info))
    rows = []
    with one_thread():
        for key in keys:
            wl = WORKLOADS[key]
            n = args.steps or wl.size
            run = runners(wl, frameworks, peers, devices, args.torch_compile)
            times, failed = run_workload(wl, run, n, repeats, warmup)
            rows.append(summarise(wl, n, times, failed))
            if key == "W4":
                w4_extras(rows[-1], n)
    if "W4" in keys and not args.no_memory and args.device == "cpu":
        rows.append(memory_row(frameworks))
    print_table(rows)
    if args.json:
        report = {"machine": info, "repeats": repeats, "results": rows}
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
