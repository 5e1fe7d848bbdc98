"""Federated averaging on digits (issue 16, item 5): FedAvg over simulated clients against centralised training.

scikit-learn's 1,797 digits (pixels / 16), stratified 80/20 splits ``nk.data.split_indices(n, 0.2, labels=y,
seed=s)`` for s = 0, 1, 2; on each split, from the same initial MLP 64-64-10 (ReLU, softmax;
``nk.mlp(..., seed=s)``), plain SGD with lr :data:`LR` and batch :data:`BATCH`:

* **centralised**: ``nk.fit`` on the whole training set for :data:`EPOCHS` epochs;
* **FedAvg, IID**: the training set dealt at random to :data:`CLIENTS` clients
  (``split_clients(how="iid")``), :data:`ROUNDS` rounds, a fraction :data:`FRACTION` of the clients
  per round, :data:`LOCAL_EPOCHS` local epochs each. Each sample is visited as often as in the
  centralised run on average (ROUNDS · FRACTION · LOCAL_EPOCHS = EPOCHS), so the comparison is at
  equal computation. Target: mean test accuracy within 2 points of the centralised mean;
* **FedAvg, non-IID**: the same with each client holding only 2 of the 10 digits
  (``how="by_class", classes_per_client=2``, McMahan et al.'s "pathological" split), and with a
  Dirichlet split (α = 0.5): the gap to centralised training is reported (no target).

Reported (JSON, ``bench/results/federated.json``): each split's test accuracies, the means and gaps, the
per-round test accuracy and client weight divergence of every FedAvg run (the learning curves), the wall
time of each kind of run, the machine and the load average.

    python bench/bench_federated.py [--smoke] [--splits 3] [--json FILE]

``--smoke`` is a check that the script runs (one split, 3 rounds, seconds), not of the accuracy.
"""

from __future__ import annotations

import os
import time
from typing import Any

import _common as C
import numpy as np

RESULTS = C.BENCH_DIR / "results"
SIZES = [64, 64, 10]
EPOCHS = 50
CLIENTS = 10
ROUNDS = 50
FRACTION = 0.5
LOCAL_EPOCHS = 2
BATCH = 32
LR = 0.1
SPLITS = 3
MAX_GAP = 0.02  # the IID FedAvg mean may be at most this much below the centralised mean
SETTINGS = {"iid": {"how": "iid"}, "by_class": {"how": "by_class", "classes_per_client": 2},
            "dirichlet_0.5": {"how": "dirichlet", "alpha": 0.5}}


def one_split(X: np.ndarray, y: np.ndarray, seed: int, *, epochs: int, rounds: int) -> dict[str, Any]:
    """Centralised training and FedAvg with each kind of split, on split ``seed``."""
    import neuronkit as nk
    from neuronkit.federated import copy_model, fedavg, split_clients

    train, test = nk.data.split_indices(len(y), 0.2, labels=y, seed=seed)
    start = nk.mlp(SIZES, output="softmax", seed=seed)
    out: dict[str, Any] = {"seed": seed}
    t = time.perf_counter()
    central = copy_model(start)
    nk.fit(central, X[train], y[train], epochs=epochs, batch_size=BATCH, optimizer="sgd", lr=LR, seed=seed,
           progress=False)
    out["centralised"] = {"accuracy": nk.training.evaluate(central, X[test], y[test])["accuracy"],
                          "seconds": time.perf_counter() - t}
    for name, how in SETTINGS.items():
        clients = split_clients(X[train], y[train], CLIENTS, seed=seed, **how)
        t = time.perf_counter()
        model, history = fedavg(start, clients, rounds=rounds, fraction=FRACTION, local_epochs=LOCAL_EPOCHS,
                                batch_size=BATCH, lr=LR, optimizer="sgd", validation_data=(X[test], y[test]),
                                seed=seed)
        out[name] = {"accuracy": nk.training.evaluate(model, X[test], y[test])["accuracy"],
                     "seconds": time.perf_counter() - t,
                     "client_sizes": [len(c) for c in clients],
                     "client_classes": [c.classes.tolist() for c in clients],
                     "val_accuracy_per_round": history["val_accuracy"],
                     "divergence_per_round": history["divergence"]}
    C.log(f"  split {seed}: " + ", ".join(f"{k} {v['accuracy']:.4f} ({v['seconds']:.1f} s)"
                                          for k, v in out.items() if k != "seed"))
    return out


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--splits", type=int, default=None, help=f"number of splits (default {SPLITS})")
    args = p.parse_args(argv)  # --repeats and --no-torch are accepted and ignored: accuracy runs once, no torch
    import neuronkit as nk

    ds = nk.datasets.load("digits")
    X, y = (ds.X / np.float32(16)).astype(np.float32), ds.y
    splits = args.splits or (1 if args.smoke else SPLITS)
    epochs, rounds = (3, 3) if args.smoke else (EPOCHS, ROUNDS)
    json_path = args.json or (None if args.smoke else RESULTS / "federated.json")
    load_before = os.getloadavg()
    C.log(f"digits: MLP {SIZES}, SGD lr {LR}, batch {BATCH}; centralised {epochs} epochs; FedAvg {CLIENTS} clients, "
          f"{rounds} rounds, C = {FRACTION}, E = {LOCAL_EPOCHS}; {splits} splits")
    runs = [one_split(X, y, s, epochs=epochs, rounds=rounds) for s in range(splits)]
    results: dict[str, Any] = {
        "dataset": "digits", "sizes": SIZES, "optimizer": "sgd", "lr": LR, "batch_size": BATCH,
        "centralised_epochs": epochs, "clients": CLIENTS, "rounds": rounds, "fraction": FRACTION,
        "local_epochs": LOCAL_EPOCHS, "splits": splits, "settings": SETTINGS, "max_gap": MAX_GAP,
        "smoke": args.smoke, "runs": runs, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    central = float(np.mean([r["centralised"]["accuracy"] for r in runs]))
    results["centralised"] = {"mean_accuracy": central, "accuracies": [r["centralised"]["accuracy"] for r in runs],
                              "seconds": float(sum(r["centralised"]["seconds"] for r in runs))}
    for name in SETTINGS:
        accuracies = [r[name]["accuracy"] for r in runs]
        mean = float(np.mean(accuracies))
        results[name] = {"mean_accuracy": mean, "accuracies": accuracies, "gap": mean - central,
                         "mean_final_divergence": float(np.mean([r[name]["divergence_per_round"][-1] for r in runs])),
                         "seconds": float(sum(r[name]["seconds"] for r in runs))}
        C.log(f"FedAvg {name}: mean {mean:.4f} against centralised {central:.4f}: gap {mean - central:+.4f}; "
              f"final weight divergence {results[name]['mean_final_divergence']:.3f}")
    results["iid_target_met"] = bool(results["iid"]["gap"] >= -MAX_GAP)
    C.log(f"IID within {MAX_GAP * 100:.0f} points of centralised: {'met' if results['iid_target_met'] else 'NOT met'}")
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    results["machine"] = C.machine_info()
    C.emit(results, json_path)
    return results


if __name__ == "__main__":
    run()
