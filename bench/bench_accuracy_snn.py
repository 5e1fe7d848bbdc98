"""Accuracy of rate-coded spiking MLPs (issue 13 item 7): digits and mnist5k, neuronkit and snnTorch on the same setup.

Two workloads, each on 3 stratified 75/25 splits drawn by ``nk.data.split_indices(n, 0.25, labels=y,
seed=s)``, s = 0, 1, 2, with Poisson rate coding over T = 25 steps (``nk.spiking.RateEncoder(25)``),
leaky integrate-and-fire neurons (β = 0.9, threshold 1, subtract reset, fast-sigmoid surrogate of
slope 25) and the rate cross-entropy loss; the class is the output neuron that fires most:

* **digits** — scikit-learn's 1,797 digits, pixels / 16 in [0, 1], network 64-128-10, Adam lr 2e-3,
  batch 64, :data:`WORKLOADS` ``["digits"]["epochs"]`` epochs. Target: mean test accuracy >= 0.95.
* **mnist5k** — 5,000 MNIST images flattened to 784 pixels in [0, 1] (``nk.datasets.load("mnist5k")``),
  network 784-256-10, the settings in :data:`WORKLOADS`. Target: mean >= 0.93.

neuronkit trains with ``nk.fit(net, X, y, loss="rate_cross_entropy", optimizer="adam", ...)`` (the
batches are ``nk.data.batch_indices(n, 64, seed=s, epoch=e)``) and is scored with
``nk.training.evaluate`` (the encoder in evaluation mode draws from its seed, so the score repeats).
snnTorch trains the same network (``bench_snn.torch_net``: ``nn.Linear`` + ``snntorch.Leaky``, stepped
over time as its tutorials do) from neuronkit's initial weights, copied, on the same batches in the same
order, with ``spikegen.rate``, ``ce_rate_loss`` and ``torch.optim.Adam`` of the same settings; it is
scored on one draw of test spikes (``torch.manual_seed(s)``). Only the Poisson draws differ.

    python bench/bench_accuracy_snn.py [--smoke] [--only digits|mnist5k] [--epochs N] [--splits N] [--json FILE]
"""

from __future__ import annotations

import time
from typing import Any

import _common as C
import bench_snn as S
import numpy as np

WORKLOADS: dict[str, dict[str, Any]] = {
    "digits": {"sizes": (64, 128, 10), "epochs": 30, "lr": 2e-3, "batch_size": 64, "target": 0.95},
    "mnist5k": {"sizes": (784, 256, 10), "epochs": 20, "lr": 2e-3, "batch_size": 64, "target": 0.93},
}
SPLITS = 3
TEST_SIZE = 0.25
MAX_GAP = 0.01  # neuronkit's mean may be at most this much below snnTorch's


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X float32 in [0, 1] of shape (n, features), y int64)."""
    import neuronkit as nk

    ds = nk.datasets.load(name)
    X = np.asarray(ds.X, dtype=np.float32).reshape(len(ds.y), -1)
    if name == "digits":
        X = X / np.float32(16.0)
    return np.ascontiguousarray(X), np.asarray(ds.y, dtype=np.int64)


def neuronkit_run(net, X, y, Xte, yte, *, epochs: int, lr: float, batch_size: int, seed: int) -> dict[str, Any]:
    import neuronkit as nk

    t0 = time.perf_counter()
    history = nk.fit(net, X, y, loss="rate_cross_entropy", optimizer="adam", lr=lr, epochs=epochs,
                     batch_size=batch_size, seed=seed, progress=False)
    seconds = time.perf_counter() - t0
    scores = nk.training.evaluate(net, Xte, yte, loss="rate_cross_entropy")
    return {"accuracy": float(scores["accuracy"]), "seconds": seconds,
            "losses": [float(v) for v in history.history["loss"]]}


def snntorch_run(torch, weights, sizes, X, y, Xte, yte, *, epochs: int, lr: float, batch_size: int,
                 seed: int) -> dict[str, Any]:
    import snntorch.functional as SF
    from snntorch import spikegen

    import neuronkit as nk

    model = S.torch_net(torch, seed, sizes=sizes)
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.from_numpy(w))
    torch.manual_seed(seed)
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=lr), SF.ce_rate_loss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    t0, losses = time.perf_counter(), []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for idx in nk.data.batch_indices(len(X), batch_size, seed=seed, epoch=epoch):
            i = torch.from_numpy(idx)
            loss = loss_fn(model(spikegen.rate(Xt[i], num_steps=S.STEPS)), yt[i])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        counts = model(spikegen.rate(torch.from_numpy(Xte), num_steps=S.STEPS)).sum(0).numpy()
    return {"accuracy": float((counts.argmax(axis=1) == yte).mean()), "seconds": seconds, "losses": losses}


def workload(name: str, X: np.ndarray, y: np.ndarray, *, sizes: tuple[int, ...], epochs: int, lr: float,
             batch_size: int, splits: int, torch: Any, target: float | None) -> dict[str, Any]:
    """Train the spiking MLP on each split in both libraries; the per-split results and the means."""
    import neuronkit as nk

    runs = []
    for seed in range(splits):
        train, test = nk.data.split_indices(len(y), TEST_SIZE, labels=y, seed=seed)
        net = S.neuronkit_net(seed, sizes)
        weights = [p.data.copy() for p in S.neuronkit_weights(net)]  # copied before training: both start equal
        r = {"neuronkit": neuronkit_run(net, X[train], y[train], X[test], y[test], epochs=epochs, lr=lr,
                                        batch_size=batch_size, seed=seed)}
        if torch is not None:
            r["snntorch"] = snntorch_run(torch, weights, sizes, X[train], y[train], X[test], y[test], epochs=epochs,
                                         lr=lr, batch_size=batch_size, seed=seed)
        runs.append(r)
        C.log(f"  {name} split {seed}: " + ", ".join(
            f"{who} {v['accuracy']:.4f} ({v['seconds']:.1f} s, last loss {v['losses'][-1]:.4f})"
            for who, v in r.items()))
    out: dict[str, Any] = {"sizes": list(sizes), "steps": S.STEPS, "n_samples": len(y), "epochs": epochs,
                           "splits": splits, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                           "test_size": TEST_SIZE, "target": target, "runs": runs}
    for who in runs[0]:
        out[who] = {"mean_accuracy": float(np.mean([r[who]["accuracy"] for r in runs])),
                    "accuracies": [r[who]["accuracy"] for r in runs],
                    "seconds": float(sum(r[who]["seconds"] for r in runs))}
    ours = out["neuronkit"]["mean_accuracy"]
    out["target_met"] = None if target is None else bool(ours >= target)
    if "snntorch" in out:
        out["difference"] = ours - out["snntorch"]["mean_accuracy"]
        out["gap_ok"] = bool(out["difference"] >= -MAX_GAP)
        out["time_ratio"] = C.ratio(out["neuronkit"]["seconds"], out["snntorch"]["seconds"])
    C.log(f"{name}: neuronkit mean {ours:.4f} ({out['neuronkit']['seconds']:.1f} s)"
          + (f", snntorch mean {out['snntorch']['mean_accuracy']:.4f} ({out['snntorch']['seconds']:.1f} s), "
             f"difference {out['difference']:+.4f}" if "snntorch" in out else "")
          + (f"; target >= {target}: {'met' if out['target_met'] else 'NOT met'}" if target else ""))
    return out


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS), help="run these workloads")
    p.add_argument("--epochs", type=int, default=None, help="override the epochs of every workload")
    p.add_argument("--splits", type=int, default=None, help=f"override the number of splits ({SPLITS})")
    p.add_argument("--threads", type=int, default=None,
                   help=f"threads for both libraries (NumPy's BLAS and torch; default {C.TORCH_THREADS}, 1 in a smoke "
                        "run); 1 on a machine with other work")
    args = p.parse_args(argv)  # --repeats is accepted (run_all passes it) and ignored: accuracy runs once
    args.threads = args.threads or (1 if args.smoke else C.TORCH_THREADS)
    torch = C.torch_or_none(args.no_torch)
    if args.threads != C.TORCH_THREADS:
        if torch is not None:
            torch.set_num_threads(args.threads)
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    only = ["digits"] if args.smoke else args.only  # a smoke run checks the script works
    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "smoke": args.smoke,
                               "threads": args.threads, "workloads": {}}
    for name in only:
        X, y = load(name)
        setting = dict(WORKLOADS[name])
        if args.smoke:  # a stratified 300 rows, one short epoch
            import neuronkit as nk

            _, keep = nk.data.split_indices(len(y), 300, labels=y, seed=0)
            X, y = X[keep], y[keep]
            setting["epochs"] = 1
        results["workloads"][name] = workload(
            name, X, y, sizes=setting["sizes"], epochs=args.epochs or setting["epochs"], lr=setting["lr"],
            batch_size=setting["batch_size"], splits=args.splits or (1 if args.smoke else SPLITS), torch=torch,
            target=setting["target"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
