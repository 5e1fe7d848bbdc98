"""Continual learning on digits (issue 16, item 4): plain fine-tuning against elastic weight consolidation.

Three scenarios from ``neuronkit.continual``, each a sequence of tasks learnt one after another by the same
network, tested on every task after each one:

- **split** (task-incremental): digits 0-4, then 5-9; a multi-head MLP 64-64-(2 heads × 5), the task id given
  at prediction (``continual.split_digits()``, ``continual.multihead_mlp``);
- **permuted** (domain-incremental): all ten digits, then the same with the 64 pixels in a fixed random
  permutation, then another; one 10-way head, MLP 64-128-10 (``continual.permuted_digits(tasks=3)``);
- **class-incremental**: digits 0-4, then 5-9, one shared 10-way head and no task id, MLP 64-64-10
  (``continual.split_digits(shared_head=True)``): the hard case.

Each task: Adam lr 1e-3, batch 32, :data:`EPOCHS` epochs, a fresh optimiser. EWC: the true Fisher (exact
expectation over the model's classes) on 500 training samples of each finished task, one penalty per earlier
task, λ in :data:`LAMBDAS` (every value reported: λ was not tuned on held-out data; the figures use
:data:`HEADLINE` per scenario, fixed before the run). Every number is the mean over :data:`SEEDS` seeds
(the seed draws the stratified 70/30 split, the permutations and the initial weights).

Reported (``bench/results/continual.json``): per scenario and strategy the accuracy matrix (mean and per
seed), average accuracy, forgetting, backward transfer, the wall time, and for the first seed the neurons that
moved most during the later tasks with their importance for the earlier ones. Figures in ``bench/results/``:
``continual_<scenario>.png`` (accuracy on each task after each task, naive against EWC) and
``continual_matrices.png`` (the accuracy matrices), both the mean over seeds, and ``continual_neurons.png``
(split digits, seed 0: each hidden neuron's importance for task 1 against how far it moved during task 2).

    python bench/bench_continual.py [--quick] [--seeds 3] [--epochs 20] [--json FILE]

``--quick``: one seed, 2 epochs, one λ: checks that the script runs (seconds), writes nothing by default.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import _common as C
import numpy as np

RESULTS = C.BENCH_DIR / "results"
EPOCHS = 20
SEEDS = 3
LAMBDAS = (10.0, 100.0, 1000.0, 10000.0)
#: the λ each scenario's figures show (fixed before the run, from the paper's range for a mean loss)
HEADLINE = {"split": 100.0, "permuted": 100.0, "class-incremental": 1000.0}
FISHER_SAMPLES = 500


def scenario(name: str, seed: int) -> tuple[list[Any], Any]:
    from neuronkit import continual

    if name == "split":
        return continual.split_digits(seed=seed), continual.multihead_mlp(64, [64], heads=2, classes_per_head=5,
                                                                          seed=seed)
    if name == "permuted":
        return continual.permuted_digits(tasks=3, seed=seed), continual.multihead_mlp(64, [128], heads=1,
                                                                                      classes_per_head=10, seed=seed)
    return (continual.split_digits(seed=seed, shared_head=True),
            continual.multihead_mlp(64, [64], heads=1, classes_per_head=10, seed=seed))


def run(argv: list[str] | None = None) -> dict[str, Any]:
    from neuronkit import continual

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one seed, 2 epochs, one λ: a smoke run")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--json", type=Path, default=None, help=f"default {RESULTS / 'continual.json'} (none with --quick)")
    p.add_argument("--figures", type=Path, default=None, help=f"folder for the figures, default {RESULTS} "
                                                              "(none with --quick)")
    args = p.parse_args(argv)
    seeds = args.seeds or (1 if args.quick else SEEDS)
    epochs = args.epochs or (2 if args.quick else EPOCHS)
    lambdas = (100.0,) if args.quick else LAMBDAS
    json_path = args.json or (None if args.quick else RESULTS / "continual.json")
    figures = args.figures or (None if args.quick else RESULTS)
    load_before = os.getloadavg()
    out: dict[str, Any] = {"epochs": epochs, "seeds": seeds, "lambdas": list(lambdas), "headline": HEADLINE,
                           "fisher": "true", "fisher_samples": FISHER_SAMPLES, "optimizer": "adam", "lr": 1e-3,
                           "batch_size": 32, "scenarios": {}}
    started = time.perf_counter()
    for name in ("split", "permuted", "class-incremental"):
        strategies = [("naive", 0.0)] + [(f"ewc λ={lam:g}", lam) for lam in lambdas]
        entry: dict[str, Any] = {}
        first: dict[str, Any] = {}
        for label, lam in strategies:
            runs, seconds = [], []
            for seed in range(seeds):
                tasks, net = scenario(name, seed)
                t0 = time.perf_counter()
                r = continual.train_sequence(net, tasks, strategy="ewc" if lam else "naive", lam=lam or 1.0,
                                             fisher_samples=FISHER_SAMPLES, epochs=epochs, seed=seed)
                seconds.append(time.perf_counter() - t0)
                runs.append(r)
            mean = continual.ContinualResult(label, runs[0].task_names, np.mean([r.accuracy for r in runs], axis=0))
            first[label] = (runs[0], mean)
            entry[label] = {
                "lam": lam, "accuracy": mean.accuracy.tolist(), "average_accuracy": mean.average_accuracy,
                "forgetting": mean.forgetting.tolist(), "average_forgetting": mean.average_forgetting,
                "backward_transfer": mean.backward_transfer,
                "average_accuracy_per_seed": [r.average_accuracy for r in runs],
                "accuracy_per_seed": [r.accuracy.tolist() for r in runs],
                "seconds_per_run": float(np.mean(seconds)),
                "most_changed_seed0": {runs[0].task_names[t]: runs[0].most_changed(t, 5)
                                       for t in range(1, len(runs[0].task_names))},
            }
            C.log(f"{name:18s} {label:14s} average accuracy {mean.average_accuracy:.3f}  forgetting "
                  f"{mean.average_forgetting:.3f}  final row {np.round(mean.accuracy[-1], 3).tolist()}  "
                  f"{np.mean(seconds):.1f} s/run")
        out["scenarios"][name] = entry
        if figures is not None:
            lam = HEADLINE[name] if HEADLINE[name] in lambdas else lambdas[0]
            headline = f"ewc λ={lam:g}"
            continual.plot_task_accuracy({"fine-tuning": first["naive"][1], f"EWC (λ={lam:g})": first[headline][1]},
                                         path=figures / f"continual_{name}.png")
            out.setdefault("figures", []).append(str(figures / f"continual_{name}.png"))
            if name == "split":
                continual.plot_neuron_change({"fine-tuning": first["naive"][0], "EWC": first[headline][0]},
                                             task=1, layer="hidden1", path=figures / "continual_neurons.png")
                out["figures"].append(str(figures / "continual_neurons.png"))
            out.setdefault("_matrices", []).append((name, first["naive"][1], first[headline][1]))
    if figures is not None:
        _matrices(out.pop("_matrices"), figures / "continual_matrices.png")
        out["figures"].append(str(figures / "continual_matrices.png"))
    return C.finish(out, started, load_before, json_path)


def _matrices(rows: list[tuple[str, Any, Any]], path: Path) -> None:
    """One row per scenario: fine-tuning's accuracy matrix beside EWC's."""
    from neuronkit._plotting import finish_figure, new_figure
    from neuronkit.continual import plot_accuracy_matrix

    fig = new_figure(9.0, 3.2 * len(rows))
    axes = fig.subplots(len(rows), 2, squeeze=False)
    for (name, naive, ewc), (left, right) in zip(rows, axes):
        plot_accuracy_matrix(naive, ax=left)
        plot_accuracy_matrix(ewc, ax=right)
        left.set_title(f"{name}, fine-tuning: average {naive.average_accuracy:.2f}", fontsize=9)
        right.set_title(f"{name}, {ewc.strategy}: average {ewc.average_accuracy:.2f}", fontsize=9)
    finish_figure(fig, path)


if __name__ == "__main__":
    run()
