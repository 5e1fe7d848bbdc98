"""Unsupervised learning on real data (issue 14, item 2): the reduced Diehl & Cook (2015) network on MNIST-5k.

``neuronkit.spiking.unsupervised.DiehlCook`` with 100 excitatory neurons learns from the 4,000 training
images of one stratified 80/20 split of ``nk.datasets.load("mnist5k")`` (``nk.data.split_indices(5000, 0.2,
labels=y, seed=0)``), without labels, for :data:`EPOCHS` epochs; its neurons are then labelled on the
training images (each by the digit it answers most on average) and the 1,000 held-out images are
classified by the digit whose neurons fire most. Target: test accuracy >= 0.70.

Reported (JSON, ``bench/results/diehl_cook.json``): the accuracy (test and training images), the wall
and CPU time of learning, labelling and testing, the machine's load average before and after (other
work on the machine stretches the wall time, not the CPU time), the spikes per image, how often an
image was shown again with boosted rates, the neurons per digit, and every constant of the network.
The learned receptive fields go to ``bench/results/diehl_cook_fields.png`` (one tile per neuron, its
digit in the title).

    python bench/bench_diehl_cook.py [--quick] [--dataset mnist5k|digits] [--neurons 100] [--epochs N]
                                     [--seed 0] [--json FILE] [--plot FILE]

``--quick`` is a smoke run (200 training and 100 test images of digits, 20 neurons, seconds): it checks
that the script runs, not the accuracy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import _common as C
import numpy as np

RESULTS = C.BENCH_DIR / "results"
#: the full run's network: the paper's smallest, and the passes over the 4,000 training images
NEURONS = 100
EPOCHS = 1
TEST_SIZE = 0.2
TARGET = 0.70


def load(name: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Pixels (n, H·W) float64 in [0, 1], labels, and (H, W)."""
    import neuronkit as nk

    ds = nk.datasets.load(name, images=True)
    X = np.asarray(ds.X, dtype=np.float64)
    return X.reshape(len(X), -1), np.asarray(ds.y), (int(X.shape[2]), int(X.shape[3]))


def _timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run(argv: list[str] | None = None) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    import neuronkit as nk
    from neuronkit.spiking.plots import receptive_fields
    from neuronkit.spiking.unsupervised import DiehlCook

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smoke run: digits, 200 images, 20 neurons")
    p.add_argument("--dataset", choices=["mnist5k", "digits"], default=None)
    p.add_argument("--neurons", type=int, default=None)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help=f"default {RESULTS / 'diehl_cook.json'} (none with --quick)")
    p.add_argument("--plot", type=Path, default=None,
                   help=f"default {RESULTS / 'diehl_cook_fields.png'} (none with --quick)")
    args = p.parse_args(argv)
    dataset = args.dataset or ("digits" if args.quick else "mnist5k")
    neurons = args.neurons or (20 if args.quick else NEURONS)
    epochs = args.epochs or (1 if args.quick else EPOCHS)
    json_path = args.json or (None if args.quick else RESULTS / "diehl_cook.json")
    plot_path = args.plot or (None if args.quick else RESULTS / "diehl_cook_fields.png")

    X, y, shape = load(dataset)
    train, test = nk.data.split_indices(len(y), TEST_SIZE, labels=y, seed=args.seed)
    if args.quick:
        train, test = train[:200], test[:100]
    load_before = os.getloadavg()
    net = DiehlCook(X.shape[1], neurons, image_shape=shape, seed=args.seed)
    C.log(f"{dataset}: learning from {len(train)} images without labels, {neurons} neurons, {epochs} epochs")
    # the products are small: a second BLAS thread only spins (and on a busy machine waits for a core)
    with threadpool_limits(1):
        _, fit_wall, fit_cpu = _timed(lambda: net.fit(X[train], epochs=epochs, progress=sys.stderr.isatty()))
        train_counts, label_wall, label_cpu = _timed(lambda: net.spike_counts(X[train]))
        net.assign_labels(X[train], y[train], counts=train_counts)
        test_counts, test_wall, test_cpu = _timed(lambda: net.spike_counts(X[test], seed=args.seed + 1))
    accuracy = float(np.mean(net.predict(X[test], counts=test_counts) == y[test]))
    train_accuracy = float(np.mean(net.predict(X[train], counts=train_counts) == y[train]))
    labels = net.labels_
    results: dict[str, Any] = {
        "dataset": dataset, "n_train": len(train), "n_test": len(test), "neurons": neurons, "epochs": epochs,
        "seed": args.seed, "target": TARGET, "test_accuracy": accuracy, "train_accuracy": train_accuracy,
        "seconds": {"fit": fit_wall, "label": label_wall, "test": test_wall,
                    "total": fit_wall + label_wall + test_wall},
        "cpu_seconds": {"fit": fit_cpu, "label": label_cpu, "test": test_cpu,
                        "total": fit_cpu + label_cpu + test_cpu},
        "ms_per_training_image": 1000.0 * fit_wall / (epochs * len(train)),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "boosted_presentations": int(net.boosts_),
        "spikes_per_image": {"training": float(net.train_spike_counts_.sum(axis=1).mean()),
                             "test": float(test_counts.sum(axis=1).mean())},
        "neurons_per_class": {str(c): int(np.sum(labels == i)) for i, c in enumerate(net.classes_)},
        "silent_neurons": int(np.sum(labels < 0)),
        "config": net.config(),
        "machine": C.machine_info(),
    }
    C.log(f"test accuracy {accuracy:.4f} (target {TARGET}), training images {train_accuracy:.4f}; learning "
          f"{fit_wall:.1f} s wall / {fit_cpu:.1f} s CPU, labelling {label_wall:.1f} s, testing {test_wall:.1f} s; "
          f"load average {load_before[0]:.1f} -> {results['load_average']['after'][0]:.1f}")
    if plot_path is not None:
        receptive_fields(net, path=plot_path)
        results["fields_png"] = str(plot_path)
        C.log(f"receptive fields: {plot_path}")
    C.emit(results, json_path)
    return results


if __name__ == "__main__":
    run()
