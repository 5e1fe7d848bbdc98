"""Workload 5: ``import neuronkit`` time and the peak memory of a workload-1 training epoch.

Import time: a fresh ``python -c`` subprocess per sample times ``import <module>`` with
``time.perf_counter`` around the import statement (interpreter start-up excluded; NumPy's own
import is part of neuronkit's, since neuronkit imports it). Median of several samples;
``numpy``, ``torch`` and ``sklearn.neural_network`` are timed the same way for scale.

Peak memory: each framework trains one epoch of workload 1 (MLP 784-256-128-10, 60,000 × 784
float32, batch 128) in its own subprocess. The child imports the framework, makes the data and
the model and optimiser, then takes its baseline: the current resident set (``VmRSS``), after
resetting the kernel's high-water mark (``echo 5 > /proc/self/clear_refs``). After the epoch,
``VmHWM`` is the peak; **peak − baseline** is the memory the training itself needed on top of
the framework, the data and the weights. Where the high-water mark cannot be reset, the
baseline is ``ru_maxrss`` before training (the peak so far) and the result is
``ru_maxrss`` after minus that. For the NumPy-based contenders (neuronkit and the hand-written
NumPy version) a second run reports ``tracemalloc``'s peak of NumPy allocations during the
epoch (torch's allocator is invisible to tracemalloc).

    python bench/bench_import_memory.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from typing import Any

import _common as C

IMPORTS = ("neuronkit", "numpy", "sklearn.neural_network", "torch")
FRAMEWORKS = ("neuronkit", "numpy", "torch")


# ----------------------------------------------------------------------------- import time
def import_time(module: str, samples: int) -> dict[str, Any] | None:
    code = (f"import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    times = []
    for _ in range(samples):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env())
        if out.returncode != 0:
            return None
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return {"median": statistics.median(times), "min": min(times), "all": times}


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(C.BENCH_DIR)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


# ----------------------------------------------------------------------------- peak memory (child side)
def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def child(framework: str, optimizer: str, n: int, use_tracemalloc: bool) -> dict[str, Any]:
    """Runs in the subprocess: one epoch of workload 1, returns the memory figures in bytes."""
    import bench_train as T

    torch = C.torch_or_none() if framework == "torch" else None
    X, y = C.synthetic_classification(n, T.SIZES[0], T.SIZES[-1], seed=T.SEED)
    weights = C.initial_weights(T.SIZES, T.SEED)
    if framework == "neuronkit":
        case = T.neuronkit_case(X, y, weights, optimizer, T.BATCH)
    elif framework == "numpy":
        case = T.numpy_case(X, y, weights, optimizer, T.BATCH)
    else:
        case = T.torch_case(torch, X, y, weights, optimizer, T.BATCH)
    case["setup"]()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
        case["fn"]()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"tracemalloc_peak": peak}
    reset = _reset_peak()
    baseline_kb = _status_kb("VmRSS") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    case["fn"]()
    peak_kb = _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"method": "VmHWM reset" if reset else "ru_maxrss", "baseline": baseline_kb * 1024,
            "peak": peak_kb * 1024, "training_peak": (peak_kb - baseline_kb) * 1024,
            "epoch_loss": float(case["box"]["loss"])}


def run_child(framework: str, optimizer: str, n: int, use_tracemalloc: bool = False) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", framework, "--optimizer", optimizer, "--n", str(n)]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    out = subprocess.run(cmd, capture_output=True, text=True, env=_child_env())
    if out.returncode != 0:
        if framework == "torch" and "No module named 'torch'" in out.stderr:
            return None
        raise RuntimeError(f"memory child {framework}/{optimizer} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main
def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--child", choices=FRAMEWORKS, help=__import__("argparse").SUPPRESS)
    p.add_argument("--optimizer", default="sgd", help=__import__("argparse").SUPPRESS)
    p.add_argument("--n", type=int, default=60_000, help=__import__("argparse").SUPPRESS)
    p.add_argument("--tracemalloc", action="store_true", help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.optimizer, args.n, args.tracemalloc)))
        return {}
    samples = args.repeats or (1 if args.smoke else 7)
    n = 256 if args.smoke else 60_000
    results: dict[str, Any] = {"workload": "import_memory", "import_samples": samples, "import": {},
                               "memory": {}, "n_samples": n}
    C.log(f"[import] median of {samples} fresh interpreters (import statement only):")
    for module in IMPORTS:
        if module == "torch" and args.no_torch:
            continue
        t = import_time(module, samples)
        results["import"][module] = t
        C.log(f"  {module:24s} {C.fmt_time(t['median']) if t else 'not installed':>10s}")
    frameworks = [f for f in FRAMEWORKS if not (f == "torch" and args.no_torch)]
    for optimizer in ("sgd",) if args.smoke else ("sgd", "adam"):
        entry: dict[str, Any] = {}
        for framework in frameworks:
            rss = run_child(framework, optimizer, n)
            if rss is None:
                continue
            if framework != "torch":
                rss.update(run_child(framework, optimizer, n, use_tracemalloc=True) or {})
            entry[framework] = rss
        if "torch" in entry:
            entry["ratios"] = {f"neuronkit/{other}": C.ratio(entry["neuronkit"]["training_peak"],
                                                             entry[other]["training_peak"])
                               for other in ("numpy", "torch") if other in entry}
        results["memory"][optimizer] = entry
        C.log(f"[memory {optimizer}] peak RSS of one epoch above the baseline (framework + data + model), MiB:")
        for framework, r in entry.items():
            if framework == "ratios":
                continue
            tm = f"   tracemalloc peak {r['tracemalloc_peak'] / 2**20:7.1f}" if "tracemalloc_peak" in r else ""
            C.log(f"  {framework:10s} {r['training_peak'] / 2**20:7.1f}   (baseline {r['baseline'] / 2**20:.0f},"
                  f" peak {r['peak'] / 2**20:.0f}, {r['method']}){tm}")
        if "ratios" in entry:
            C.log_ratios(entry["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
