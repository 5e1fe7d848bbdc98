"""Run every benchmark and write bench/RESULTS.md and bench/results.json.

    python bench/run_all.py            # full run (about 10 minutes on 2 cores)
    python bench/run_all.py --smoke    # tiny sizes: checks every script still works (seconds)

Each workload runs in its own subprocess (clean thread pools and memory). If
``OPENBLAS_CORETYPE`` or ``OPENBLAS_L2_SIZE`` is set, everything is run twice: with the
environment as given, then with both removed (``--single-pass`` skips the second pass).
Around every script the share of the machine's CPU time used by *other* processes is
recorded (from /proc/stat): a busy machine makes two-thread BLAS timings meaningless, and
the results say so instead of hiding it. ``--wait-quiet SECONDS`` waits (up to that long)
before each script until the machine has been idle for a few seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as C

SCRIPTS = {"train": "bench_train.py", "predict": "bench_predict.py", "digits": "bench_digits.py",
           "import_memory": "bench_import_memory.py", "kernels": "bench_kernels.py", "cnn": "bench_cnn.py",
           "accuracy_cnn": "bench_accuracy_cnn.py", "accuracy_text": "bench_accuracy_text.py",
           "snn": "bench_snn.py", "accuracy_snn": "bench_accuracy_snn.py"}
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# (label, how to read the ratio from the results, the target); ratio = neuronkit / other, lower is better
TARGETS: list[tuple[str, tuple[str, ...], float]] = [
    ("W1 SGD epoch: neuronkit / NumPy by hand", ("train", "optimizers", "sgd", "ratios", "neuronkit/numpy"), 1.15),
    ("W1 SGD epoch: neuronkit / PyTorch", ("train", "optimizers", "sgd", "ratios", "neuronkit/torch"), 0.85),
    ("W1 Adam epoch: neuronkit / NumPy by hand", ("train", "optimizers", "adam", "ratios", "neuronkit/numpy"), 1.15),
    ("W1 Adam epoch: neuronkit / PyTorch", ("train", "optimizers", "adam", "ratios", "neuronkit/torch"), 0.90),
    ("W2 batch 1: nk.training.predict / PyTorch", ("predict", "batches", "1", "ratios", "neuronkit.predict/torch"),
     0.70),
    ("W2 batch 1: net.infer / PyTorch", ("predict", "batches", "1", "ratios", "neuronkit.infer/torch"), 0.70),
    ("W2 batch 1: net(x) under no_grad / PyTorch", ("predict", "batches", "1", "ratios", "neuronkit/torch"), 0.70),
    ("W2 batch 1024: nk.training.predict / PyTorch",
     ("predict", "batches", "1024", "ratios", "neuronkit.predict/torch"), 1.00),
    ("W2 batch 1024: net(x) under no_grad / PyTorch", ("predict", "batches", "1024", "ratios", "neuronkit/torch"),
     1.00),
    ("W3 digits: NeuralClassifier / PyTorch", ("digits", "ratios", "neuronkit.NeuralClassifier/torch"), 0.40),
    ("W3 digits: NeuralClassifier / scikit-learn", ("digits", "ratios", "neuronkit.NeuralClassifier/sklearn"), 0.65),
    ("W3 digits: nk.fit / PyTorch", ("digits", "ratios", "neuronkit.fit/torch"), 0.40),
    ("W3 digits: nk.fit / scikit-learn", ("digits", "ratios", "neuronkit.fit/sklearn"), 0.65),
    ("W5 peak memory SGD epoch: neuronkit / PyTorch", ("import_memory", "memory", "sgd", "ratios", "neuronkit/torch"),
     0.60),
    ("W5 peak memory Adam epoch: neuronkit / PyTorch",
     ("import_memory", "memory", "adam", "ratios", "neuronkit/torch"), 0.60),
    ("W6 CNN SGD epoch: neuronkit / PyTorch (issue 12; not resolved above 1.5)",
     ("cnn", "optimizers", "sgd", "ratios", "neuronkit/torch"), 1.00),
    ("W6 CNN Adam epoch: neuronkit / PyTorch", ("cnn", "optimizers", "adam", "ratios", "neuronkit/torch"), 1.00),
    ("W6 CNN inference at batch 1: net.infer / PyTorch", ("cnn", "inference", "ratios", "neuronkit/torch"), 0.70),
    ("W6 CNN peak memory, Adam epoch: neuronkit / PyTorch", ("cnn", "memory", "ratios", "neuronkit/torch"), 1.00),
    ("S1 spiking MLP epoch (digits, T = 25): neuronkit / snnTorch", ("snn", "epoch", "ratios", "neuronkit/snntorch"),
     0.33),
    ("S1 spiking MLP epoch, process CPU time: neuronkit / snnTorch",
     ("snn", "epoch", "ratios", "neuronkit/snntorch cpu"), 0.33),
]


def _busy_seconds() -> float | None:
    """CPU seconds all processes have spent busy since boot (from /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in (fields + ["0"] * 8)[:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_until_quiet(limit: float, *, window: float = 3.0, threshold: float = 0.05) -> float | None:
    """Wait until other processes use under ``threshold`` of the CPUs for ``window`` seconds.

    Gives up after ``limit`` seconds; returns the seconds waited, or None if it gave up.
    """
    start = time.perf_counter()
    while True:
        busy0, t0 = _busy_seconds(), time.perf_counter()
        if busy0 is None:
            return 0.0
        time.sleep(window)
        share = (_busy_seconds() - busy0) / ((time.perf_counter() - t0) * (os.cpu_count() or 1))
        waited = time.perf_counter() - start
        if share < threshold:
            return waited
        if waited >= limit:
            C.log(f"  machine still busy ({share:.0%} of the CPUs) after {waited:.0f} s; running anyway")
            return None


def run_script(name: str, extra: list[str], env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.json"
        busy0, own0, t0 = _busy_seconds(), _children_cpu(), time.perf_counter()
        proc = subprocess.run([sys.executable, str(C.BENCH_DIR / SCRIPTS[name]), "--json", str(out), *extra],
                              env=env)
        elapsed, busy1, own1 = time.perf_counter() - t0, _busy_seconds(), _children_cpu()
        if proc.returncode != 0:
            raise SystemExit(f"{SCRIPTS[name]} failed (exit {proc.returncode})")
        results = json.loads(out.read_text())
    foreign = None
    if busy0 is not None and busy1 is not None:
        foreign = max(0.0, ((busy1 - busy0) - (own1 - own0)) / (elapsed * (os.cpu_count() or 1)))
    results["wall_seconds"] = elapsed
    results["foreign_cpu_share"] = foreign
    if foreign is not None and foreign > 0.05:
        C.log(f"  WARNING: other processes used {foreign:.0%} of the CPUs during {SCRIPTS[name]}; "
              "its timings are not trustworthy")
    return results


def machine_in(env: dict[str, str]) -> dict[str, Any]:
    """machine_info() as seen by a child with ``env`` (BLAS settings are read at library load)."""
    code = "import json, _common; print(json.dumps(_common.machine_info()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**env, "PYTHONPATH": str(C.BENCH_DIR)}, cwd=C.BENCH_DIR)
    return json.loads(out.stdout)


def dig(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


# ----------------------------------------------------------------------------- report
def markdown(runs: list[dict[str, Any]], smoke: bool) -> str:
    lines = ["# neuronkit benchmarks", ""]
    if smoke:
        lines += ["**Smoke run (tiny sizes): these figures mean nothing.**", ""]
    lines += ["Generated by `python bench/run_all.py` (see bench/README.md for the method). Times are medians;",
              "a ratio is neuronkit's time (or memory) divided by the other's: below 1 means neuronkit is faster.", ""]
    for run in runs:
        m = run["machine"]
        lines += [f"## {run['label']}", "",
                  f"- machine: {m['cpu']}, {m['cpu_count']} CPUs; {m['platform']}",
                  f"- Python {m['python']}, NumPy {m['numpy']}, PyTorch {m['torch']} "
                  f"({C.TORCH_THREADS} threads), scikit-learn {m['sklearn']}, "
                  f"neuronkit {m['neuronkit']} ({m.get('neuronkit_commit')})",
                  "- BLAS environment: " + ", ".join(f"{k}={v}" for k, v in m["env"].items() if v is not None)
                  if any(v is not None for v in m["env"].values()) else "- BLAS environment: no variable set",
                  f"- thread pools (threadpoolctl): {C.blas_summary(m)}",
                  f"- started {run['started']}", ""]
        w = run["workloads"]
        lines += _targets_table(w)
        lines += _train_table(w.get("train"))
        lines += _predict_table(w.get("predict"))
        lines += _digits_table(w.get("digits"))
        lines += _import_memory_table(w.get("import_memory"))
        lines += _kernels_table(w.get("kernels"))
        lines += _cnn_table(w.get("cnn"))
        lines += _accuracy_tables(w.get("accuracy_cnn"), w.get("accuracy_text"))
        lines += _snn_tables(w.get("snn"), w.get("accuracy_snn"))
        busy = {k: v.get("foreign_cpu_share") for k, v in w.items()}
        lines += ["CPU used by other processes during each script (share of all CPUs): "
                  + ", ".join(f"{k} {v:.0%}" if v is not None else f"{k} n/a" for k, v in busy.items()), ""]
    return "\n".join(lines) + "\n"


def _targets_table(w: dict[str, Any]) -> list[str]:
    out = ["### Targets", "", "| measure | ratio | target | met |", "|---|---:|---:|:---:|"]
    for label, path, target in TARGETS:
        value = dig(w, path)
        met = "-" if value is None else ("yes" if value <= target else "**no**")
        out.append(f"| {label} | {C.fmt_ratio(value)} | ≤ {target:.2f} | {met} |")
    d = w.get("digits")
    if d:
        r = d["results"]
        for mine in ("neuronkit.NeuralClassifier", "neuronkit.fit"):
            for other in ("torch", "sklearn"):
                if mine in r and other in r:
                    gap = r[mine]["test_accuracy"] - r[other]["test_accuracy"]
                    out.append(f"| W3 test accuracy: {mine} − {other} | {gap:+.4f} | ≥ −0.01 | "
                               f"{'yes' if gap >= -0.01 else '**no**'} |")
    for name, entry in (w.get("accuracy_cnn") or {}).get("workloads", {}).items():
        ours = entry["neuronkit"]["mean_accuracy"]
        out.append(f"| {name} CNN mean test accuracy (neuronkit) | {ours:.4f} | ≥ {entry['target']:.2f} | "
                   f"{'yes' if entry['target_met'] else '**no**'} |")
        if "difference" in entry:
            out.append(f"| {name} CNN accuracy: neuronkit − torch | {entry['difference']:+.4f} | ≥ −0.01 | "
                       f"{'yes' if entry['gap_ok'] else '**no**'} |")
    text = w.get("accuracy_text")
    if text:
        for name, entry in text["models"].items():
            if "target_met" in entry:
                out.append(f"| topics {name}: TF-IDF + LR − neuronkit | {entry['below_baseline']:+.4f} | ≤ 0.03 | "
                           f"{'yes' if entry['target_met'] else '**no**'} |")
            if "difference" in entry:
                out.append(f"| topics {name}: neuronkit − torch | {entry['difference']:+.4f} | ≥ −0.01 | "
                           f"{'yes' if entry['gap_ok'] else '**no**'} |")
    out += _snn_target_rows(w.get("snn"), w.get("accuracy_snn"))
    im = w.get("import_memory")
    if im and im["import"].get("neuronkit"):
        t = im["import"]["neuronkit"]["median"]
        out.append(f"| W5 `import neuronkit` | {t:.3f} s | ≤ 0.200 s | {'yes' if t <= 0.2 else '**no**'} |")
    return out + [""]


def _train_table(t: dict[str, Any] | None) -> list[str]:
    if not t:
        return []
    out = [f"### W1 + W4: one training epoch ({t['n_samples']:,} × {t['sizes'][0]}, MLP "
           f"{'-'.join(map(str, t['sizes']))}, batch {t['batch_size']}, median of {t['repeats']})", "",
           "| optimiser | contender | time | epoch loss | neuronkit / this |", "|---|---|---:|---:|---:|"]
    for opt, entry in t["optimizers"].items():
        for name, r in entry.items():
            if name == "ratios":
                continue
            ratio = entry["ratios"].get(f"neuronkit/{name}")
            out.append(f"| {opt} | {name} | {C.fmt_time(r['median'])} | {r['epoch_loss']:.4f} | "
                       f"{C.fmt_ratio(ratio)} |")
    return out + [""]


def _predict_table(p: dict[str, Any] | None) -> list[str]:
    if not p:
        return []
    names = [n for n in next(iter(p["batches"].values())) if n != "ratios"]
    out = [f"### W2: prediction latency per call (median of {p['repeats']})", "",
           "| batch | " + " | ".join(names) + " | neuronkit / torch |",
           "|---:|" + "---:|" * (len(names) + 1)]
    for batch, entry in p["batches"].items():
        cells = [C.fmt_time(entry[n]["median"]) if n in entry else "-" for n in names]
        out.append(f"| {batch} | " + " | ".join(cells) + f" | {C.fmt_ratio(entry['ratios'].get('neuronkit/torch'))} |")
    return out + ["", "`neuronkit` is `net(x)` under `nk.no_grad()`; `neuronkit.predict` is `nk.training.predict`; "
                  "`neuronkit.infer` is `net.infer(x)`.", ""]


def _digits_table(d: dict[str, Any] | None) -> list[str]:
    if not d:
        return []
    out = [f"### W3: digits, MLP {'-'.join(map(str, d['sizes']))}, Adam, batch {d['batch_size']}, {d['epochs']} "
           f"epochs ({d['steps']} steps; median of {d['repeats']})", "",
           "| contender | time | per step | test accuracy |", "|---|---:|---:|---:|"]
    for name, r in d["results"].items():
        out.append(f"| {name} | {C.fmt_time(r['median'])} | {C.fmt_time(r['per_step'])} | {r['test_accuracy']:.4f} |")
    return out + [""]


def _import_memory_table(im: dict[str, Any] | None) -> list[str]:
    if not im:
        return []
    out = [f"### W5: import time (median of {im['import_samples']} fresh interpreters)", "",
           "| module | import |", "|---|---:|"]
    for module, t in im["import"].items():
        out.append(f"| `{module}` | {C.fmt_time(t['median']) if t else 'not installed'} |")
    out += ["", f"### W5: peak memory of one workload-1 epoch ({im['n_samples']:,} samples), MiB above the baseline",
            "", "| optimiser | contender | peak − baseline (RSS) | tracemalloc peak | baseline RSS |",
            "|---|---|---:|---:|---:|"]
    for opt, entry in im["memory"].items():
        for name, r in entry.items():
            if name == "ratios":
                continue
            tm = f"{r['tracemalloc_peak'] / 2**20:.1f}" if "tracemalloc_peak" in r else "-"
            out.append(f"| {opt} | {name} | {r['training_peak'] / 2**20:.1f} | {tm} | {r['baseline'] / 2**20:.0f} |")
    return out + [""]


KERNEL_LABELS = {"products": "the 8 matrix products of one W1 step (batch 128)",
                 "optimizer_sgd": "one SGD step over the W1 network's 235,146 parameters",
                 "optimizer_adam": "one Adam step over the W1 network's 235,146 parameters",
                 "predict1024": "the first layer's matrix product at batch 1024 (W2)",
                 "batchnorm": "a BatchNorm layer (256 features, batch 128, training): forward + backward"}


def _kernels_table(k: dict[str, Any] | None) -> list[str]:
    if not k:
        return []
    out = [f"### W0: the kernels under W1 and W2, per call (median of {k['repeats']})", "",
           "Not targets: what bounds the workload ratios above. Matrix products run in the BLAS library "
           "(NumPy: OpenBLAS; PyTorch: MKL); an optimiser step over a large parameter is bound by memory "
           "traffic.", "", "| kernel | neuronkit | NumPy | PyTorch | NumPy / PyTorch | neuronkit / PyTorch |",
           "|---|---:|---:|---:|---:|---:|"]
    for key, entry in k["results"].items():
        cell = {name: C.fmt_time(entry[name]["median"]) if name in entry else "-"
                for name in ("neuronkit", "numpy", "torch")}
        ratios = k["ratios"].get(key, {})
        out.append(f"| {KERNEL_LABELS.get(key, key)} | {cell['neuronkit']} | {cell['numpy']} | {cell['torch']} | "
                   f"{C.fmt_ratio(ratios.get('numpy/torch'))} | {C.fmt_ratio(ratios.get('neuronkit/torch'))} |")
    return out + [""]


def _cnn_table(c: dict[str, Any] | None) -> list[str]:
    if not c:
        return []
    note = " Pooling and flatten: stand-ins written in bench_cnn.py." if c.get("stand_in_pooling") else ""
    out = [f"### W6: one epoch of the small CNN ({c['n_images']:,} {c['data']} 28×28 images, batch "
           f"{c['batch_size']}, median of {c['repeats']})", "",
           "conv 1→16 3×3, ReLU, max-pool 2, conv 16→32 3×3, ReLU, max-pool 2, flatten, dense to 10." + note, "",
           "| optimiser | contender | time | epoch loss | neuronkit / this |", "|---|---|---:|---:|---:|"]
    for opt, entry in c["optimizers"].items():
        for name, r in entry.items():
            if name != "ratios":
                ratio = entry["ratios"].get(f"neuronkit/{name}")
                out.append(f"| {opt} | {name} | {C.fmt_time(r['median'])} | {r['epoch_loss']:.4f} | "
                           f"{C.fmt_ratio(ratio)} |")
    inf = c["inference"]
    out += ["", "| inference, batch 1 | " + " | ".join(n for n in inf if n != "ratios") + " | neuronkit / torch |",
            "|---|" + "---:|" * len(inf),
            "| time per call | " + " | ".join(C.fmt_time(t["median"]) for n, t in inf.items() if n != "ratios")
            + f" | {C.fmt_ratio(inf['ratios'].get('neuronkit/torch'))} |"]
    if c.get("memory"):
        mem = c["memory"]
        out += ["", "| peak memory, Adam epoch (MiB above the baseline) | RSS | tracemalloc |", "|---|---:|---:|"]
        out += [f"| {n} | {mem[n]['training_peak'] / 2**20:.1f} | "
                f"{mem[n]['tracemalloc_peak'] / 2**20:.1f} |" if "tracemalloc_peak" in mem[n] else
                f"| {n} | {mem[n]['training_peak'] / 2**20:.1f} | - |" for n in mem if n != "ratios"]
    if c.get("split"):
        sp = c["split"]
        out += ["", f"Split of one neuronkit SGD epoch (cProfile, {C.fmt_time(sp['total'])} with its overhead): "
                + ", ".join(f"{k} {v:.0%}" for k, v in sp["share"].items()) + "."]
    return out + [""]


def _accuracy_tables(cnn: dict[str, Any] | None, text: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    rows = [(f"{name}: `{e['spec']}`, {e['epochs']} epochs, {e['splits']} splits", e)
            for name, e in (cnn or {}).get("workloads", {}).items()]
    if text:
        rows += [(f"topics {name}: `{e['spec']}`, {e['epochs']} epochs, {text['splits']} splits", e)
                 for name, e in text["models"].items()]
    if not rows:
        return out
    threads = (cnn or text or {}).get("threads")
    out += [f"### Accuracy: neuronkit and PyTorch from the same initial weights on the same batches "
            f"(Adam, batch 32; {threads} thread(s) each)", "",
            "| workload | neuronkit mean | torch mean | neuronkit − torch | neuronkit time | torch time |",
            "|---|---:|---:|---:|---:|---:|"]
    for label, e in rows:
        torch_mean = f"{e['torch']['mean_accuracy']:.4f}" if "torch" in e else "-"
        gap = f"{e['difference']:+.4f}" if "difference" in e else "-"
        torch_time = C.fmt_time(e["torch"]["seconds"]) if "torch" in e else "-"
        out.append(f"| {label} | {e['neuronkit']['mean_accuracy']:.4f} | {torch_mean} | {gap} | "
                   f"{C.fmt_time(e['neuronkit']['seconds'])} | {torch_time} |")
    if text:
        b = text["baseline"]
        out.append(f"| topics TF-IDF + logistic regression (bench_text_baseline) | {b['mean_accuracy']:.4f} | - | - "
                   "| - | - |")
    return out + [""]


def _snn_target_rows(snn: dict[str, Any] | None, acc: dict[str, Any] | None) -> list[str]:
    """Issue 13 item 7: the accuracy rows of the targets table (the time ratios are in TARGETS)."""
    out = []
    a = (snn or {}).get("accuracy")
    if a and "difference" in a:
        out.append(f"| S1 test accuracy after {a['epochs']} epochs (mean of {a['seeds']} seeds): neuronkit − "
                   f"snnTorch | {a['difference']:+.4f} | ≥ −0.01 | {'yes' if a['gap_ok'] else '**no**'} |")
    for name, entry in (acc or {}).get("workloads", {}).items():
        ours = entry["neuronkit"]["mean_accuracy"]
        out.append(f"| A3 {name} spiking MLP mean test accuracy (neuronkit) | {ours:.4f} | ≥ {entry['target']:.2f} | "
                   f"{'yes' if entry['target_met'] else '**no**'} |")
    return out


def _snn_tables(snn: dict[str, Any] | None, acc: dict[str, Any] | None) -> list[str]:
    """Issue 13 item 7: the spiking MLP's epoch against snnTorch, its split and memory; the accuracy runs."""
    out: list[str] = []
    if snn:
        e = snn["epoch"]
        out += [f"### S1: one training epoch of a rate-coded spiking MLP ({snn['n_train']:,} digits, "
                f"{'-'.join(map(str, snn['sizes']))} LIF β = 0.9, T = {snn['steps']}, batch {snn['batch_size']}, "
                f"Adam {snn['lr']:g}; median of {snn['repeats']}, {snn['threads']} thread(s))", "",
                "| contender | time | CPU time | epoch loss | neuronkit / this (time) | neuronkit / this (CPU) |",
                "|---|---:|---:|---:|---:|---:|"]
        for name, r in e.items():
            if name == "ratios":
                continue
            out.append(f"| {name} | {C.fmt_time(r['median'])} | {C.fmt_time(r['cpu_median'])} | {r['epoch_loss']:.4f} "
                       f"| {C.fmt_ratio(e['ratios'].get(f'neuronkit/{name}'))} "
                       f"| {C.fmt_ratio(e['ratios'].get(f'neuronkit/{name} cpu'))} |")
        out += ["", "`snntorch` is the tutorials' loop (both layers at each step); `snntorch.layerwise` runs each "
                "`nn.Linear` once on all T·batch rows, as `SpikingDense` does. The Poisson draws differ, so the "
                "epoch losses are close, not equal."]
        check = snn.get("same_spikes")
        if check:
            worst = max(v for k, v in check.items() if k.startswith("grad"))
            out += ["", f"Same input spikes, one batch: loss {check['loss']:.6f} against snnTorch's "
                    f"{check['loss_snntorch']:.6f}; weight gradients equal to {worst:.1e} (max|Δ| / max|ref|)."]
        a = snn.get("accuracy")
        if a:
            cells = [f"{who} {a[who]['mean_accuracy']:.4f} ({', '.join(f'{v:.3f}' for v in a[who]['accuracies'])})"
                     for who in ("neuronkit", "snntorch") if who in a]
            out += ["", f"Test accuracy after {a['epochs']} epochs, mean of {a['seeds']} seeds: " + "; ".join(cells)
                    + (f"; difference {a['difference']:+.4f}." if "difference" in a else ".")]
        mem = snn.get("memory")
        if mem:
            out += ["", "Peak memory of one epoch, MiB above the baseline (RSS; tracemalloc for neuronkit): "
                    + ", ".join(f"{n} {mem[n]['training_peak'] / 2**20:.1f}"
                                + (f" ({mem[n]['tracemalloc_peak'] / 2**20:.1f})" if "tracemalloc_peak" in mem[n]
                                   else "") for n in mem if n != "ratios")
                    + f"; neuronkit / snnTorch {C.fmt_ratio(mem['ratios'].get('neuronkit/snntorch'))}."]
        sp = snn.get("split")
        if sp:
            out += ["", f"Split of one neuronkit epoch (cProfile, {C.fmt_time(sp['total'])} of {sp['clock']} with its "
                    "overhead): "
                    + ", ".join(f"{k} {v:.0%}" for k, v in sp["share"].items()) + "."]
        out.append("")
    if acc and acc.get("workloads"):
        out += [f"### A3: rate-coded spiking MLPs, T = 25, LIF β = 0.9, rate cross-entropy, Adam "
                f"({acc['threads']} thread(s) each)", "",
                "| workload | network | epochs | splits | neuronkit mean | snnTorch mean | neuronkit − snnTorch "
                "| neuronkit time | snnTorch time |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, e in acc["workloads"].items():
            theirs = e.get("snntorch")
            cells = [name, "-".join(map(str, e["sizes"])), str(e["epochs"]), str(e["splits"]),
                     f"{e['neuronkit']['mean_accuracy']:.4f}", f"{theirs['mean_accuracy']:.4f}" if theirs else "-",
                     f"{e['difference']:+.4f}" if "difference" in e else "-", C.fmt_time(e["neuronkit"]["seconds"]),
                     C.fmt_time(theirs["seconds"]) if theirs else "-"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return out


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (seconds): checks the scripts work")
    p.add_argument("--repeats", type=int, default=None, help="override every script's number of repeats")
    p.add_argument("--only", nargs="+", choices=sorted(SCRIPTS), default=list(SCRIPTS), help="run these workloads")
    p.add_argument("--single-pass", action="store_true", help="do not rerun with the OpenBLAS variables unset")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before each script, wait up to this long for other processes to go idle")
    p.add_argument("--out", type=Path, default=C.BENCH_DIR, help="directory for RESULTS.md and results.json")
    args = p.parse_args(argv)
    extra = (["--smoke"] if args.smoke else []) + (["--repeats", str(args.repeats)] if args.repeats else [])
    extra += ["--no-torch"] if args.no_torch else []
    passes = [("environment as given", dict(os.environ))]
    if not args.single_pass and any(v in os.environ for v in UNSET):
        passes.append((" and ".join(UNSET) + " unset", {k: v for k, v in os.environ.items() if k not in UNSET}))
    runs = []
    for label, env in passes:
        C.log(f"=== {label} ===")
        run = {"label": label, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine_in(env),
               "workloads": {}}
        C.log(f"BLAS: {C.blas_summary(run['machine'])}")
        for name in args.only:
            waited = wait_until_quiet(args.wait_quiet) if args.wait_quiet > 0 else 0.0
            run["workloads"][name] = run_script(name, extra, env)
            run["workloads"][name]["waited_for_quiet"] = waited
        runs.append(run)
    if len(passes) == 1 and not any(v in os.environ for v in UNSET):
        runs[0]["label"] += f" ({' and '.join(UNSET)} not set: the unset pass would be identical)"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"smoke": args.smoke, "runs": runs}, indent=1))
    (args.out / "RESULTS.md").write_text(markdown(runs, args.smoke))
    C.log(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
