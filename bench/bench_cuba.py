"""Workload N1 (issue 14 item 3): the CUBA network, 1 s at dt = 0.1 ms, neuronkit against Brian2 2.9.

The network is Brian2's ``examples/CUBA.py`` (Vogels & Abbott 2005, benchmark 2 of Brette et al. 2007):
4,000 LIF neurons (3,200 excitatory, 800 inhibitory), tau_m 20 ms, v_rest -49 mV, threshold -50 mV,
reset -60 mV, 5 ms refractory, exponential current synapses (5 ms, 10 ms), p = 0.02, w_e 1.62 mV,
w_i -9 mV, exact integration; neuronkit's is :func:`neuronkit.spiking.simulation.cuba_network`.

* **neuronkit**: ``cuba_network(seed)`` then ``net.run(1000.0)`` (spikes recorded) for 5 seeds in this
  process; the build (connectivity drawn) and the run are timed apart, wall and process CPU time.
* **Brian2** in its own virtual environment (``.venv-brian2``, Brian2 2.9.0 with NumPy < 2.3), one
  subprocess per run, its default (cython) target, with a fresh code cache for this benchmark: a
  *cold* run (code generation and compilation included), a *warm* run (the same script again:
  compiled code found in the cache, as in the issue's "second run"), then 5 seeds warm. Brian2's
  own ``run(1*second)`` is timed (it also sets up the code objects it loads from the cache), and its
  build (groups, synapses drawn) apart; ``import brian2`` is not counted. A second ``run(1*second)``
  of the same network in the same process is timed too (code objects ready: the simulation alone),
  and so is a second ``net.run`` on our side.

The ratios are neuronkit / Brian2 (lower is better) of the medians over the 5 seeds: the run alone
(the issue's target: <= 1.0) and build + run. The mean rates over 5 seeds are compared too (the
target: within 10%; seeds differ between the two, as they draw the network differently). The CPU is
named and the load average is printed before and after: other processes on the machine slow both.

    python bench/bench_cuba.py [--quick] [--seeds N] [--duration MS] [--target cython|numpy] [--json FILE]

``--quick`` (the smoke test, ``tests/test_simulation_bench_smoke.py``): 100 ms, 2 seeds, Brian2's
numpy target (nothing compiled, so no cold run). Writes ``bench/results/cuba.json`` unless ``--json`` says otherwise.

Measured (2026-12-02, AMD EPYC, 2 cores, KVM; Brian2 2.9.0 cython; load average 6-8 from other jobs
on the 2 cores, so wall times are inflated and the CPU times are the steadier figures), medians of 5
seeds: Brian2 cold run 38 s (+ 24 s build, compiling); warm ``run()`` 3.96 s wall / 2.14 s CPU, its
second ``run()`` 0.70 s / 0.37 s CPU; neuronkit ``net.run`` 0.31 s wall / 0.165 s CPU, second run
0.34 s; build 0.02 s against Brian2's 0.56 s. Ratios neuronkit / Brian2: 0.08 (warm run, wall and
CPU), 0.41 (second run(), CPU), 0.48 (wall). Mean rates: neuronkit 5.59 Hz, Brian2 5.66 Hz (0.99).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as C

ROOT = C.BENCH_DIR.parent

BRIAN2_CUBA = r'''
import json, sys, time
t_import = time.perf_counter()
from brian2 import *
t_import = time.perf_counter() - t_import
target, seed_value, duration, cache = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
prefs.codegen.target = target
if target == "cython":
    prefs.codegen.runtime.cython.cache_dir = cache
seed(seed_value)
cpu0, t0 = time.process_time(), time.perf_counter()
taum = 20*ms
taue = 5*ms
taui = 10*ms
Vt = -50*mV
Vr = -60*mV
El = -49*mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5*ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0*mV
P.gi = 0*mV
we = (60*0.27/10)*mV
wi = (-20*4.5/10)*mV
Ce = Synapses(P, P, on_pre="ge += we")
Ci = Synapses(P, P, on_pre="gi += wi")
Ce.connect("i<3200", p=0.02)
Ci.connect("i>=3200", p=0.02)
s_mon = SpikeMonitor(P)
cpu1, t1 = time.process_time(), time.perf_counter()
run(duration * ms)
cpu2, t2 = time.process_time(), time.perf_counter()
i = np.asarray(s_mon.i)
seconds = duration / 1000
run(duration * ms)  # a second run() of the same network: the code objects are set up already
cpu3, t3 = time.process_time(), time.perf_counter()
print(json.dumps({"rate": len(i) / 4000 / seconds, "rate_exc": float((i < 3200).sum() / 3200 / seconds),
                  "rate_inh": float((i >= 3200).sum() / 800 / seconds), "build": t1 - t0, "run": t2 - t1,
                  "build_cpu": cpu1 - cpu0, "run_cpu": cpu2 - cpu1, "import": t_import,
                  "run_again": t3 - t2, "run_again_cpu": cpu3 - cpu2, "synapses": int(len(Ce) + len(Ci))}))
'''


def brian2_python() -> str:
    given = os.environ.get("NEURONKIT_BRIAN2_PYTHON")
    path = Path(given) if given else ROOT / ".venv-brian2" / "bin" / "python"
    if not path.exists():
        raise SystemExit(f"Brian2's environment is missing ({path}): python -m venv .venv-brian2 && "
                         ".venv-brian2/bin/pip install brian2==2.9.0 'numpy<2.3' (or run bash scripts/test.sh)")
    return str(path)


def brian2_run(target: str, seed: int, duration: float, cache: Path) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run([brian2_python(), "-c", BRIAN2_CUBA, target, str(seed), str(duration), str(cache)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"the Brian2 run failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - start
    return result


def neuronkit_run(seed: int, duration: float, dtype: str = "float64") -> dict[str, Any]:
    import numpy as np

    from neuronkit.spiking.simulation import cuba_network

    cpu0, t0 = time.process_time(), time.perf_counter()
    net = cuba_network(seed=seed, dtype=np.dtype(dtype))
    cpu1, t1 = time.process_time(), time.perf_counter()
    res = net.run(duration)
    cpu2, t2 = time.process_time(), time.perf_counter()
    net.run(duration)  # continues the same network, as Brian2's second run()
    cpu3, t3 = time.process_time(), time.perf_counter()
    return {"rate": res.mean_rate(), "rate_exc": res.mean_rate("exc"), "rate_inh": res.mean_rate("inh"),
            "build": t1 - t0, "run": t2 - t1, "build_cpu": cpu1 - cpu0, "run_cpu": cpu2 - cpu1,
            "run_again": t3 - t2, "run_again_cpu": cpu3 - cpu2,
            "synapses": sum(net.connectivity(c.name).n_synapses for c in net.connections)}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {"mean_rate": statistics.fmean(r["rate"] for r in runs), "rates": [r["rate"] for r in runs],
            "median_run": med("run"), "median_run_cpu": med("run_cpu"), "median_build": med("build"),
            "median_run_again": med("run_again"), "median_run_again_cpu": med("run_again_cpu"),
            "median_total": statistics.median(r["build"] + r["run"] for r in runs)}


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return C.machine_info()["cpu"]


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 100 ms, 2 seeds, Brian2's numpy target")
    p.add_argument("--seeds", type=int, default=None, help="seeds per contender (default 5; --quick 2)")
    p.add_argument("--duration", type=float, default=None, help="simulated ms (default 1000; --quick 100)")
    p.add_argument("--target", choices=("cython", "numpy"), default=None,
                   help="Brian2's code generation target (default cython; --quick numpy)")
    p.add_argument("--json", type=Path, default=C.BENCH_DIR / "results" / "cuba.json", help="where to write")
    args = p.parse_args(argv)
    seeds = args.seeds or (2 if args.quick else 5)
    duration = args.duration or (100.0 if args.quick else 1000.0)
    target = args.target or ("numpy" if args.quick else "cython")
    machine = C.machine_info()
    machine["cpu"] = cpu_name()
    load_before = os.getloadavg()
    C.log(f"CUBA {duration:g} ms at dt 0.1 ms, {seeds} seeds; CPU {machine['cpu']} x{machine['cpu_count']}; "
          f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")

    cache = Path(tempfile.mkdtemp(prefix="brian2-cuba-cache-"))
    try:
        # the numpy target compiles nothing: a cold run would only repeat the warm one
        cold = brian2_run(target, 0, duration, cache) if target == "cython" else None
        warm = brian2_run(target, 0, duration, cache)
        if cold is not None:
            C.log(f"  brian2 ({target}) cold: run {cold['run']:.3f} s (build {cold['build']:.3f} s), rate "
                  f"{cold['rate']:.3f} Hz")
        C.log(f"  brian2 ({target}) warm: run {warm['run']:.3f} s, rate {warm['rate']:.3f} Hz")
        brian = []
        for seed in range(1, seeds + 1):
            brian.append(brian2_run(target, seed, duration, cache))
            r = brian[-1]
            C.log(f"  brian2 ({target}) seed {seed}: run {r['run']:.3f} s (cpu {r['run_cpu']:.3f} s), build "
                  f"{r['build']:.3f} s, second run() {r['run_again']:.3f} s, rate {r['rate']:.3f} Hz")
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    neuronkit_run(0, min(duration, 50.0))  # imports and first-call costs, untimed
    ours, ours32 = [], []
    for seed in range(seeds):
        ours.append(neuronkit_run(seed, duration))
        ours32.append(neuronkit_run(seed, duration, "float32"))
        r = ours[-1]
        C.log(f"  neuronkit seed {seed}: run {r['run']:.3f} s (cpu {r['run_cpu']:.3f} s), build {r['build']:.3f} s, "
              f"second run() {r['run_again']:.3f} s, rate {r['rate']:.3f} Hz; float32: run "
              f"{ours32[-1]['run']:.3f} s, rate {ours32[-1]['rate']:.3f} Hz")
    load_after = os.getloadavg()
    theirs, mine, mine32 = summary(brian), summary(ours), summary(ours32)
    ratios = {"run neuronkit/brian2 (warm)": C.ratio(mine["median_run"], theirs["median_run"]),
              "run cpu neuronkit/brian2 (warm)": C.ratio(mine["median_run_cpu"], theirs["median_run_cpu"]),
              "build+run neuronkit/brian2 (warm)": C.ratio(mine["median_total"], theirs["median_total"]),
              "second run() neuronkit/brian2": C.ratio(mine["median_run_again"], theirs["median_run_again"]),
              "second run() cpu neuronkit/brian2": C.ratio(mine["median_run_again_cpu"],
                                                           theirs["median_run_again_cpu"]),
              "run neuronkit float32/brian2 (warm)": C.ratio(mine32["median_run"], theirs["median_run"]),
              "run neuronkit/brian2 (cold)": None if cold is None else C.ratio(mine["median_run"],
                                                                                  cold["run"] + cold["build"]),
              "mean rate neuronkit/brian2": C.ratio(mine["mean_rate"], theirs["mean_rate"])}
    C.log(f"  mean rate over {seeds} seeds: neuronkit {mine['mean_rate']:.3f} Hz, brian2 {theirs['mean_rate']:.3f} Hz")
    C.log(f"  median run: neuronkit {mine['median_run']:.3f} s, brian2 warm {theirs['median_run']:.3f} s")
    C.log_ratios(ratios)
    C.log(f"  load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    results = {"workload": "cuba", "duration_ms": duration, "dt_ms": 0.1, "seeds": seeds, "brian2_target": target,
               "quick": args.quick, "machine": machine, "load_before": load_before, "load_after": load_after,
               "brian2": {"cold": cold, "warm": warm, "seeds": brian, **theirs},
               "neuronkit": {"seeds": ours, **mine}, "neuronkit_float32": {"seeds": ours32, **mine32},
               "ratios": ratios}
    C.emit(results, args.json)
    C.log(f"wrote {args.json}")
    return results


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
