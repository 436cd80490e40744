"""The GPU check, for a session that has a machine with a GPU: one command, one report.

    timeout 540 python -m bench.gpu_check --json "$OUT/gpu_check.json"

It checks, on device "cuda" (CuPy, or the stand-in under EMBER_CUDA_STANDIN=1), in this order:
1. cases: the op cases (tests/op_cases*.py), each case's output and input gradients on "cuda"
   against the same case on the CPU, in float64 (the kernels and numerics the stand-in cannot prove);
2. suites: the device test suites (tests/test_cuda.py's list) under pytest with EMBER_TEST_DEVICE=cuda;
3. bench: the benchmark's W4 (large MLP) and W7 (conv net) with ember on the GPU against torch on the
   CPU, and against torch on the GPU where the installed torch has CUDA; the results must agree;
4. examples: examples/*.py run as scripts with "cuda" as the default device.
It prints what ran where and exits 1 if anything failed; the JSON report is rewritten after each
part, so a run cut off by its timeout still leaves what it found. `--skip suites,examples` makes it
quicker. Under the stand-in the timings mean
nothing (the header says so); tests/test_gpu_check.py runs a small slice there to keep this
script working.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# examples that cannot run with "cuda" as the default device, under torch either
HOST_ONLY_EXAMPLES = {"torch_checkpoint": "calls .numpy() on model outputs, which torch refuses for cuda tensors too"}
EXAMPLE_PRELUDE = ("import runpy, sys, ember; ember.set_default_device('cuda'); sys.argv = [{path!r}]; "
                   "runpy.run_path({path!r}, run_name='__main__')")


def environment():
    import ember
    info = {"ember_device": ember.cuda.get_device_name(), "gpus": ember.cuda.device_count(),
            "standin": os.environ.get("EMBER_CUDA_STANDIN") == "1"}
    try:
        import cupy
        info["cupy"] = cupy.__version__
    except ImportError:
        info["cupy"] = None
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_cuda"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    except ImportError:
        info["torch"] = info["torch_cuda"] = None
    return info


def _values(out):
    out = out if isinstance(out, (tuple, list)) else (out,)
    return [t.detach().cpu().numpy().astype(np.float64) if t.dtype.is_floating_point else t.detach().cpu().numpy()
            for t in out if hasattr(t, "detach")]


def run_case(ember, case, device):
    """(outputs, input gradients) of an op case on `device`, as host arrays."""
    previous = ember.get_default_device()
    ember.set_default_device(device)
    try:
        inputs = case.sample_inputs(ember, requires_grad=case.differentiable)
        out = case.fn(ember, *inputs)
        grads = []
        first = (out if isinstance(out, (tuple, list)) else (out,))[0]
        if case.differentiable and first.requires_grad:
            first.backward(ember.ones_like(first))
            grads = [None if x.grad is None else x.grad.cpu().numpy() for x in inputs]
        return _values(out), grads
    finally:
        ember.set_default_device(previous)


def check_op_cases(limit=None, rtol=1e-7, atol=1e-9):
    import ember
    sys.path.insert(0, str(ROOT / "tests"))
    from op_cases import OP_CASES
    cases = OP_CASES[:limit] if limit else OP_CASES
    failures = []
    for case in cases:
        try:
            ember.manual_seed(0)
            expected = run_case(ember, case, "cpu")
            ember.manual_seed(0)
            got = run_case(ember, case, "cuda")
            for kind, want, have in (("output", expected[0], got[0]), ("gradient", expected[1], got[1])):
                if len(want) != len(have):
                    raise AssertionError(f"{len(have)} {kind}s on cuda, {len(want)} on the CPU")
                for index, (a, b) in enumerate(zip(want, have)):
                    if (a is None) != (b is None) or (a is not None and not np.allclose(a, b, rtol=rtol, atol=atol,
                                                                                        equal_nan=True)):
                        raise AssertionError(f"{kind} {index} differs from the CPU's")
        except Exception as error:  # report every case, not only the first failure
            failures.append({"case": case.name, "error": f"{type(error).__name__}: {str(error)[:300]}"})
    return {"cases": len(cases), "failed": failures}


def check_suites(suites=None, timeout=300):
    """The device suites under pytest on "cuda" (a real GPU here, unlike tests/test_cuda.py's stand-in run)."""
    sys.path.insert(0, str(ROOT / "tests"))
    if suites is None:
        from test_cuda import SUITES as suites
    environment = dict(os.environ, EMBER_TEST_DEVICE="cuda",
                       PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites], cwd=ROOT,
                             env=environment, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "summary": f"timed out after {timeout} s", "failures": []}
    lines = run.stdout.strip().splitlines()
    return {"ok": run.returncode == 0, "summary": lines[-1] if lines else run.stderr[-300:],
            "failures": [line for line in lines if line.startswith("FAILED")][:50]}


def check_examples(names=None, timeout=120):
    paths = [p for p in sorted((ROOT / "examples").glob("*.py")) if p.stem not in HOST_ONLY_EXAMPLES]
    if names:
        paths = [p for p in paths if p.stem in names]
    results = []
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                       MPLBACKEND="Agg")
    for path in paths:
        start = time.perf_counter()
        try:
            run = subprocess.run([sys.executable, "-c", EXAMPLE_PRELUDE.format(path=str(path))], cwd=path.parent,
                                 env=environment, capture_output=True, text=True, timeout=timeout)
            ok, tail = run.returncode == 0, (run.stdout.strip().splitlines() or [""])[-1]
            if not ok:
                tail = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}"
        except subprocess.TimeoutExpired:
            ok, tail = False, f"timed out after {timeout} s"
        results.append({"example": path.stem, "ok": ok, "last_line": tail[:200],
                        "seconds": round(time.perf_counter() - start, 1)})
    return results


def check_benchmarks(keys=("W4", "W7"), steps=None, repeats=5):
    """ember on cuda against torch on the CPU (and on CUDA where torch has it): {workload: row}."""
    import ember
    from bench.run import as_arrays, check_agree, load_frameworks, on_device, run_workload, summarise
    from bench.workloads import WORKLOADS
    frameworks = load_frameworks()
    rows = {}
    for key in keys:
        wl = WORKLOADS[key]
        n = steps or wl.size
        run = {"ember": on_device(ember, "cuda", lambda n, wl=wl: wl.fn(ember, n)),
               "ember_cpu": lambda n, wl=wl: wl.fn(ember, n)}
        if "torch" in frameworks:
            torch = frameworks["torch"]
            run["torch"] = lambda n, wl=wl: wl.fn(torch, n)
            if torch.cuda.is_available():
                run["torch_cuda"] = on_device(torch, "cuda", lambda n, wl=wl: wl.fn(torch, n))
        times, failed = run_workload(wl, run, n, repeats, warmup=1)
        check_agree(wl, {name: as_arrays(fn(1)) for name, fn in run.items()})
        row = summarise(wl, n, times, failed)
        rows[key] = {"unit": row["unit"], "median": row["median"], "ember_gpu_over_torch_cpu": row["ratio"]}
        if "torch_cuda" in row["median"]:
            rows[key]["ember_gpu_over_torch_gpu"] = row["median"]["ember"] / row["median"]["torch_cuda"]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--cases", type=int, help="only the first N op cases (a quick look)")
    parser.add_argument("--examples", help="comma-separated example names (default: all)")
    parser.add_argument("--steps", type=int, help="benchmark steps per timing (default: the workloads' own)")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per benchmark")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cases, suites, bench, examples")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # a run cut off by `timeout` still shows what it printed
    skip = set(filter(None, args.skip.split(",")))
    import ember
    if not ember.cuda.is_available():
        print("gpu_check: ember.cuda.is_available() is False (no CuPy with a GPU, and EMBER_CUDA_STANDIN is not 1)")
        return 2
    report = {"environment": environment()}
    env = report["environment"]
    print(f"ember on {env['ember_device']} ({env['gpus']} GPU(s), CuPy {env['cupy']}); torch {env['torch']} "
          f"{'on ' + env['torch_cuda'] if env['torch_cuda'] else 'without CUDA (CPU only)'}")
    if env["standin"]:
        print("THE GPU IS THE CUPY STAND-IN: this checks the script and the seam; timings mean nothing.")
    failed = False
    parts = [("cases", lambda: check_op_cases(args.cases)),
             ("suites", check_suites),
             ("bench", lambda: check_benchmarks(steps=args.steps, repeats=args.repeats)),
             ("examples", lambda: check_examples(args.examples.split(",") if args.examples else None))]
    for name, part in parts:
        if name in skip:
            continue
        start = time.perf_counter()
        try:
            report[name] = result = part()
        except Exception:
            report[name] = {"error": traceback.format_exc(limit=5)}
            print(f"{name}: ERROR\n{report[name]['error']}")
            failed = True
            continue
        seconds = time.perf_counter() - start
        if name == "cases":
            print(f"op cases on cuda vs CPU: {result['cases'] - len(result['failed'])}/{result['cases']} agree "
                  f"({seconds:.0f} s)")
            for failure in result["failed"][:20]:
                print(f"  {failure['case']}: {failure['error']}")
            failed = failed or bool(result["failed"])
        elif name == "suites":
            print(f"device suites on cuda: {'ok' if result['ok'] else 'FAILED'} ({seconds:.0f} s) {result['summary']}")
            for line in result["failures"][:20]:
                print(f"  {line}")
            failed = failed or not result["ok"]
        elif name == "examples":
            for item in result:
                print(f"example {item['example']} on cuda: {'ok' if item['ok'] else 'FAILED'} ({item['seconds']} s) "
                      f"{item['last_line']}")
            failed = failed or not all(item["ok"] for item in result)
        else:
            for key, row in result.items():
                cells = ", ".join(f"{who} {value:.2f}" for who, value in row["median"].items())
                over_cpu = row["ember_gpu_over_torch_cpu"]  # None where torch is not installed
                over_cpu = "n/a (no torch)" if over_cpu is None else f"{over_cpu:.2f}"
                print(f"{key} ({row['unit']}): {cells}; ember GPU / torch CPU {over_cpu}"
                      + (f", ember GPU / torch GPU {row['ember_gpu_over_torch_gpu']:.2f}"
                         if "ember_gpu_over_torch_gpu" in row else ""))
        if args.json:  # after every part: a run cut off by its timeout keeps what it found
            Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    print("gpu_check: " + ("FAILED" if failed else "all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
