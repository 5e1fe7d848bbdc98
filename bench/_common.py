"""Shared helpers for the benchmarks: timing, the synthetic data, the machine description.

Every benchmark script imports this module (``python bench/<script>.py`` puts ``bench/`` on
``sys.path``). Nothing here imports neuronkit or torch at module level, so the import-time
benchmark can spawn clean subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "MKL_NUM_THREADS")
TORCH_THREADS = 2
# Pause before every timed run. After a call, OpenBLAS's worker threads spin for about 0.1 s
# (PyTorch's OpenMP workers briefly too), holding a core that the next contender's second thread
# needs: measured on workload 1, an epoch of torch started right after a neuronkit epoch took
# 1.4 times as long as one started after a 0.1 s pause. Every contender gets the same pause.
SETTLE_SECONDS = 0.25


# ----------------------------------------------------------------------------- arguments
def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat: checks the script runs (seconds)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (median reported)")
    p.add_argument("--json", type=Path, default=None, help="also write this script's results to a JSON file")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if it is installed")
    return p


def start(description: str, argv: list[str] | None, default_repeats: int) -> tuple[argparse.Namespace, int, Any]:
    """A benchmark script's common start: its arguments, its number of repeats, and torch (or None).

    A smoke run times nothing seriously: no settle pause, one repeat unless ``--repeats`` says otherwise.
    """
    global SETTLE_SECONDS
    args = parser(description).parse_args(argv)
    if args.smoke:
        SETTLE_SECONDS = 0.0
    return args, args.repeats or (1 if args.smoke else default_repeats), torch_or_none(args.no_torch)


def torch_or_none(disabled: bool = False):
    """The torch module with 2 intra-op threads, or None when it is missing (or disabled)."""
    if disabled:
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    return torch


# ----------------------------------------------------------------------------- timing
def round_robin(cases: dict[str, dict[str, Any]], *, repeats: int, warmup: int = 1) -> dict[str, dict[str, Any]]:
    """Time several implementations of one workload, interleaved run by run (so drift hits all alike).

    ``cases[name]`` has ``fn`` and optionally ``setup`` and ``number`` (calls per timed run).
    Every timed run starts after a pause of ``SETTLE_SECONDS`` (the previous contender's thread
    pools go idle) and after its untimed ``setup``.
    """
    for case in cases.values():
        for _ in range(warmup):
            if case.get("setup"):
                case["setup"]()
            case["fn"]()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, case in cases.items():
            if case.get("setup"):
                case["setup"]()
            time.sleep(SETTLE_SECONDS)
            number = case.get("number", 1)
            fn = case["fn"]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return {name: {"median": statistics.median(t), "min": min(t), "all": t} for name, t in times.items()}


def calls_per_run(fn: Callable[[], Any], target_seconds: float = 0.05, limit: int = 100_000) -> int:
    """How many calls of ``fn`` make one timed run last about ``target_seconds`` (for µs-scale work).

    Estimated from warm calls: the first call after a pause wakes the thread pools and can take
    milliseconds (PyTorch's OpenMP workers, after sleeping, cost several ms on their first
    parallel region); sized from that call, a run would be a handful of cold calls. It starts
    after the settle pause, like a timed run: right after another library's BLAS calls, the
    spinning OpenBLAS workers slow a PyTorch call down a hundredfold.
    """
    time.sleep(SETTLE_SECONDS)
    fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min(0.02, target_seconds) or calls >= limit:
            break
    once = max(elapsed / calls, 1e-7)
    return int(min(max(target_seconds / once, 1), limit))


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


# ----------------------------------------------------------------------------- data
def synthetic_classification(n: int, features: int = 784, classes: int = 10, *, seed: int = 0,
                             separation: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 samples from ``classes`` Gaussian clusters: a signal an MLP can learn.

    x = c[y] + noise with class centres c ~ N(0, separation²) per feature and unit noise, so the
    classes overlap feature by feature but are separable jointly (a linear model gets most of them).
    Generated in float32 blocks, so the peak memory is the array itself (no float64 temporary).
    """
    rng = np.random.default_rng(seed)
    centres = (rng.standard_normal((classes, features), dtype=np.float32) * np.float32(separation))
    y = rng.integers(0, classes, size=n)
    X = np.empty((n, features), dtype=np.float32)
    for start in range(0, n, 8192):
        stop = min(start + 8192, n)
        rng.standard_normal((stop - start, features), dtype=np.float32, out=X[start:stop])
        X[start:stop] += centres[y[start:stop]]
    return X, y.astype(np.int64)


def initial_weights(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (weight, bias) pairs of neuronkit's ``mlp(sizes, seed=seed)``, copied to every framework.

    Weights are (out, in), PyTorch's layout, float32.
    """
    import neuronkit as nk

    net = nk.mlp(sizes, seed=seed)
    return [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in net]


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    """CPU, OS, versions, BLAS environment variables and threadpoolctl's view of the loaded BLAS."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "env": {k: os.environ.get(k) for k in BLAS_ENV_VARS},
    }
    for module in ("torch", "sklearn", "threadpoolctl"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    try:
        import neuronkit

        info["neuronkit"] = neuronkit.__version__
        info["neuronkit_commit"] = _git_commit()
    except ImportError:  # pragma: no cover
        info["neuronkit"] = None
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: v for k, v in pool.items() if k != "filepath"}
                               | {"file": Path(pool["filepath"]).name} for pool in threadpool_info()]
    except ImportError:
        info["threadpools"] = None
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(BENCH_DIR), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(BENCH_DIR.parent), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def blas_summary(info: dict[str, Any]) -> str:
    """One line: each BLAS/OpenMP pool's library, kernel (architecture) and threads."""
    pools = info.get("threadpools") or []
    parts = []
    for pool in pools:
        arch = f" {pool['architecture']}" if pool.get("architecture") else ""
        version = pool.get("version") or ""
        parts.append(f"{pool['internal_api']} {version}{arch} x{pool['num_threads']} ({pool['file']})")
    return "; ".join(parts) or "unknown (threadpoolctl missing)"


# ----------------------------------------------------------------------------- output
def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def emit(results: dict[str, Any], path: Path | None) -> None:
    """Write one script's results as JSON (for run_all.py) if a path was given."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1, default=float))


def finish(out: dict[str, Any], started: float, load_before: Any, path: Path | None) -> dict[str, Any]:
    """Close a run's results: total seconds, the load average before and after, the machine; log and emit them."""
    out["seconds_total"] = time.perf_counter() - started
    out["load_average"] = {"before": load_before, "after": os.getloadavg()}
    out["machine"] = machine_info()
    log(f"total {out['seconds_total']:.0f} s; load average {load_before[0]:.1f} -> "
        f"{out['load_average']['after'][0]:.1f}")
    emit(out, path)
    return out


def log(*args: Any) -> None:
    print(*args, flush=True)


def log_ratios(ratios: dict[str, float | None]) -> None:
    log("  ratios: " + ", ".join(f"{k} = {fmt_ratio(v)}" for k, v in ratios.items()))
