"""Accuracy of convolutional networks, neuronkit against PyTorch on the same setup: digits (8×8) and mnist5k.

Two workloads, each on stratified 80/20 splits drawn by ``nk.data.split_indices(n, 0.2,
labels=y, seed=s)``, s = 0, 1, ...:

* **digits** — scikit-learn's 1,797 digits as (1, 8, 8) images in [0, 1]
  (``nk.datasets.load("digits", images=True)``), the small CNN :data:`DIGITS_SPEC`, Adam lr 1e-3,
  batch 32, :data:`DIGITS_EPOCHS` epochs, 5 splits. Target: mean test accuracy >= 0.98.
* **mnist5k** — 5,000 MNIST images (1, 28, 28) (``nk.datasets.load("mnist5k")``), the ``"cnn"``
  architecture (conv 32 - pool - conv 64 - pool - dense 128 - dropout 0.3), Adam lr 1e-3, batch 32,
  :data:`MNIST_EPOCHS` epochs, 3 splits. Target: mean >= 0.97.

neuronkit trains with ``nk.fit`` (seeded: the batches are ``nk.data.batch_indices(n, 32, seed=s,
epoch=e)``). PyTorch trains the same network (``_torch_mirror.mirror``: the same layers, its
weights copied from neuronkit's freshly initialised ones, so both start equal) on the same
batches in the same order with ``torch.optim.Adam`` of the same settings and ``F.cross_entropy``.
Only dropout masks differ (each framework draws its own). Reported per workload: the mean test
accuracy of each, the difference (neuronkit − torch; must be >= −0.01), every split's figures,
the epoch losses and the wall time of each framework's training.

    python bench/bench_accuracy_cnn.py [--smoke] [--only digits|mnist5k] [--epochs N] [--splits N] [--json FILE]
"""

from __future__ import annotations

import functools
import time
from typing import Any

import _common as C
import _torch_mirror as M
import numpy as np

DIGITS_SPEC = "conv(16,3,relu,padding=1),maxpool(2),conv(32,3,relu,padding=1),flatten,dense(64,relu),dense(out)"
DIGITS_EPOCHS = 20
DIGITS_SPLITS = 5
MNIST_SPEC = "cnn"
MNIST_EPOCHS = 10
MNIST_SPLITS = 3
BATCH = 32
LR = 1e-3
TARGETS = {"digits": 0.98, "mnist5k": 0.97}
MAX_GAP = 0.01  # neuronkit's mean may be at most this much below torch's


def workload(name: str, spec: str, X: np.ndarray, y: np.ndarray, *, epochs: int, splits: int, torch: Any,
             lr: float = LR, batch_size: int = BATCH) -> dict[str, Any]:
    """Train ``spec`` on each split in both frameworks; the per-split results and the means."""
    import neuronkit as nk

    runs = []
    for seed in range(splits):
        train, test = nk.data.split_indices(len(y), 0.2, labels=y, seed=seed)
        make = functools.partial(nk.build, spec, X.shape[1:], outputs=10, output="softmax", seed=seed)
        r = M.compare_run(torch, make, X, y, train, test, optimizer="adam", lr=lr, epochs=epochs,
                          batch_size=batch_size, seed=seed)
        runs.append(r)
        C.log(f"  {name} split {seed}: " + ", ".join(
            f"{who} {v['accuracy']:.4f} ({v['seconds']:.1f} s, last loss {v['losses'][-1]:.4f})"
            for who, v in r.items()))
    out: dict[str, Any] = {"spec": spec, "n_samples": len(y), "input_shape": list(X.shape[1:]), "epochs": epochs,
                           "splits": splits, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                           "target": TARGETS.get(name), "runs": runs}
    for who in runs[0]:
        out[who] = {"mean_accuracy": float(np.mean([r[who]["accuracy"] for r in runs])),
                    "accuracies": [r[who]["accuracy"] for r in runs],
                    "seconds": float(sum(r[who]["seconds"] for r in runs))}
    ours = out["neuronkit"]["mean_accuracy"]
    out["target_met"] = None if out["target"] is None else bool(ours >= out["target"])
    if "torch" in out:
        out["difference"] = ours - out["torch"]["mean_accuracy"]
        out["gap_ok"] = bool(out["difference"] >= -MAX_GAP)
        out["time_ratio"] = C.ratio(out["neuronkit"]["seconds"], out["torch"]["seconds"])
    C.log(f"{name}: neuronkit mean {ours:.4f} ({out['neuronkit']['seconds']:.1f} s)"
          + (f", torch mean {out['torch']['mean_accuracy']:.4f} ({out['torch']['seconds']:.1f} s), "
             f"difference {out['difference']:+.4f}" if "torch" in out else "")
          + (f"; target >= {out['target']}: {'met' if out['target_met'] else 'NOT met'}" if out["target"] else ""))
    return out


def _subset(X: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified subset of ``n`` rows (the files are sorted by class): for smoke runs."""
    import neuronkit as nk

    _, keep = nk.data.split_indices(len(y), n, labels=y, seed=0)
    return X[keep], y[keep]


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=["digits", "mnist5k"], default=["digits", "mnist5k"],
                   help="run these workloads")
    p.add_argument("--epochs", type=int, default=None, help="override the epochs of every workload")
    p.add_argument("--splits", type=int, default=None, help="override the number of splits")
    p.add_argument("--threads", type=int, default=C.TORCH_THREADS,
                   help="threads for both frameworks (NumPy's BLAS and torch); 1 on a machine with other work")
    args = p.parse_args(argv)  # --repeats is accepted (run_all passes it) and ignored: accuracy runs once
    torch = C.torch_or_none(args.no_torch)
    M.set_threads(args.threads, torch)
    if torch is not None:
        M.warm_up(torch)
    import neuronkit as nk

    only = ["digits"] if args.smoke else args.only  # a smoke run checks the script works (mnist5k parses for 10 s)
    results: dict[str, Any] = {"machine": C.machine_info(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "smoke": args.smoke, "threads": args.threads, "workloads": {}}
    if "digits" in only:
        ds = nk.datasets.load("digits", images=True)
        X, y = ds.X, ds.y
        epochs, splits = (1, 1) if args.smoke else (DIGITS_EPOCHS, DIGITS_SPLITS)
        if args.smoke:
            X, y = _subset(X, y, 300)
        results["workloads"]["digits"] = workload(
            "digits", DIGITS_SPEC, X, y, epochs=args.epochs or epochs,
            splits=args.splits or splits, torch=torch)
    if "mnist5k" in only:
        ds = nk.datasets.load("mnist5k")
        X, y = ds.X, ds.y
        epochs, splits = (1, 1) if args.smoke else (MNIST_EPOCHS, MNIST_SPLITS)
        if args.smoke:
            X, y = _subset(X, y, 200)
        results["workloads"]["mnist5k"] = workload(
            "mnist5k", "smallcnn" if args.smoke else MNIST_SPEC, X, y,
            epochs=args.epochs or epochs, splits=args.splits or splits,
            torch=torch)
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
