"""Workloads 1 and 4: one training epoch of an MLP 784-256-128-10 on 60,000 synthetic samples.

ReLU hidden layers, softmax cross-entropy, batch 128, float32; SGD (lr 0.01, momentum 0.9) and
Adam (lr 1e-3). Side by side, in one process, interleaved run by run:

* ``neuronkit``  — ``nk.fit(net, X, y, optimizer=opt, epochs=1, batch_size=128, progress=False)``,
  the real user path (input checks, shuffling, loss and accuracy bookkeeping included);
* ``numpy``      — workload 4: the same network written out by hand in NumPy (forward, backward,
  update; no autodiff), the limit the engine is held to;
* ``torch``      — PyTorch eager, ``nn.Sequential`` + ``F.cross_entropy`` + ``torch.optim``,
  2 threads, batches by indexing a ``randperm`` (no DataLoader: its per-sample collation
  would only slow torch down);
* ``sklearn``    — ``MLPClassifier(max_iter=1, batch_size=128, alpha=0)`` (its own init).

neuronkit, NumPy and torch start every run from the same initial weights. Each run is one epoch
from fresh weights; the median of the repeats is reported, with the epoch's mean loss as a check
that all of them learn.

    python bench/bench_train.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import _common as C
import numpy as np

SIZES = [784, 256, 128, 10]
BATCH = 128
SEED = 0
OPTIMIZERS = {"sgd": {"lr": 0.01, "momentum": 0.9}, "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}}


# ----------------------------------------------------------------------------- workload 4: NumPy by hand
class NumpyMLP:
    """A ReLU MLP trained by hand-written NumPy: forward, backward and the update, no autodiff.

    Written as a competent NumPy user would: BLAS matmuls, in-place ReLU and softmax, in-place
    optimiser updates into one preallocated scratch array per parameter. The update rules are
    torch's (SGD with momentum; Adam with bias correction, ε after the square root).
    """

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], optimizer: str, hyper: dict[str, Any]):
        self.params = [a.copy() for pair in weights for a in pair]  # W1, b1, W2, b2, ...
        self.optimizer, self.hyper, self.t = optimizer, hyper, 0
        self.bufs = [[np.zeros_like(p) for p in self.params] for _ in range(1 if optimizer == "sgd" else 2)]
        self.tmp = [np.empty_like(p) for p in self.params]

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One minibatch: returns the batch's mean loss and updates the weights."""
        n = len(y)
        Ws, bs = self.params[0::2], self.params[1::2]
        acts = [x]
        for W, b in zip(Ws[:-1], bs[:-1]):
            h = acts[-1] @ W.T
            h += b
            np.maximum(h, 0, out=h)
            acts.append(h)
        z = acts[-1] @ Ws[-1].T
        z += bs[-1]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.log(s).mean() - z[rows, y].mean())
        e /= s  # softmax; its gradient: (softmax - onehot) / n
        e[rows, y] -= 1.0
        e *= 1.0 / n
        delta = e
        grads: list[np.ndarray] = []
        for layer in range(len(Ws) - 1, -1, -1):
            grads[:0] = [delta.T @ acts[layer], delta.sum(axis=0)]
            if layer:
                delta = delta @ Ws[layer]
                delta *= acts[layer] > 0
        self.update(grads)
        return loss

    def update(self, grads: list[np.ndarray]) -> None:
        h = self.hyper
        self.t += 1
        if self.optimizer == "sgd":
            for p, g, buf, tmp in zip(self.params, grads, self.bufs[0], self.tmp):
                buf *= h["momentum"]
                buf += g
                np.multiply(buf, h["lr"], out=tmp)
                p -= tmp
            return
        beta1, beta2 = h["betas"]
        step_size = h["lr"] / (1.0 - beta1**self.t)
        inv_bc2_sqrt = 1.0 / math.sqrt(1.0 - beta2**self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.bufs[0], self.bufs[1], self.tmp):
            m *= beta1
            np.multiply(g, 1.0 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= inv_bc2_sqrt
            tmp += h["eps"]
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp

    def epoch(self, X: np.ndarray, y: np.ndarray, batch: int, seed: int, epoch: int = 0) -> float:
        order = np.random.default_rng([seed, epoch]).permutation(len(X))
        total = 0.0
        for i in range(0, len(X), batch):
            idx = order[i:i + batch]
            total += self.step(X[idx], y[idx]) * len(idx)
        return total / len(X)


# ----------------------------------------------------------------------------- the contenders
def neuronkit_case(X, y, weights, optimizer: str, batch: int) -> dict[str, Any]:
    import neuronkit as nk

    net = nk.mlp(SIZES, output="softmax", seed=SEED)
    box: dict[str, Any] = {}

    def setup() -> None:
        for layer, (W, b) in zip(net, weights):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
        params = net.parameters()
        h = OPTIMIZERS[optimizer]
        box["opt"] = nk.SGD(params, **h) if optimizer == "sgd" else nk.Adam(params, **h)

    def fn() -> None:
        history = nk.fit(net, X, y, optimizer=box["opt"], epochs=1, batch_size=batch, seed=SEED, progress=False)
        box["loss"] = history.history["loss"][-1]

    return {"fn": fn, "setup": setup, "box": box}


def numpy_case(X, y, weights, optimizer: str, batch: int) -> dict[str, Any]:
    box: dict[str, Any] = {}

    def setup() -> None:
        box["model"] = NumpyMLP(weights, optimizer, OPTIMIZERS[optimizer])

    def fn() -> None:
        box["loss"] = box["model"].epoch(X, y, batch, SEED)

    return {"fn": fn, "setup": setup, "box": box}


def torch_case(torch, X, y, weights, optimizer: str, batch: int) -> dict[str, Any]:
    import torch.nn.functional as F
    from torch import nn

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    layers: list[Any] = []
    for i, (fin, fout) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(nn.Linear(fin, fout))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    gen = torch.Generator().manual_seed(SEED)
    box: dict[str, Any] = {}

    def setup() -> None:
        with torch.no_grad():
            for lin, (W, b) in zip(linears, weights):
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
        h = OPTIMIZERS[optimizer]
        box["opt"] = (torch.optim.SGD(model.parameters(), lr=h["lr"], momentum=h["momentum"]) if optimizer == "sgd"
                      else torch.optim.Adam(model.parameters(), lr=h["lr"], betas=h["betas"], eps=h["eps"]))

    def fn() -> None:
        opt = box["opt"]
        model.train()
        perm = torch.randperm(len(Xt), generator=gen)
        total = 0.0
        for i in range(0, len(Xt), batch):
            idx = perm[i:i + batch]
            xb, yb = Xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        box["loss"] = total / len(Xt)

    return {"fn": fn, "setup": setup, "box": box}


def sklearn_case(X, y, optimizer: str, batch: int) -> dict[str, Any] | None:
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    h = OPTIMIZERS[optimizer]
    extra = ({"momentum": h["momentum"], "nesterovs_momentum": False} if optimizer == "sgd"
             else {"beta_1": h["betas"][0], "beta_2": h["betas"][1], "epsilon": h["eps"]})
    box: dict[str, Any] = {}

    def fn() -> None:
        clf = MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), solver=optimizer, alpha=0.0, batch_size=batch,
                            learning_rate_init=h["lr"], max_iter=1, shuffle=True, random_state=SEED, **extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        box["loss"] = clf.loss_

    return {"fn": fn, "box": box}


# ----------------------------------------------------------------------------- main
def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, torch = C.start(__doc__.splitlines()[0], argv, default_repeats=5)
    n = 1024 if args.smoke else 60_000
    X, y = C.synthetic_classification(n, SIZES[0], SIZES[-1], seed=SEED)
    weights = C.initial_weights(SIZES, SEED)
    results: dict[str, Any] = {"workload": "train", "n_samples": n, "batch_size": BATCH, "sizes": SIZES,
                               "repeats": repeats, "optimizers": {}}
    for optimizer in OPTIMIZERS:
        cases = {"neuronkit": neuronkit_case(X, y, weights, optimizer, BATCH),
                 "numpy": numpy_case(X, y, weights, optimizer, BATCH)}
        if torch is not None:
            cases["torch"] = torch_case(torch, X, y, weights, optimizer, BATCH)
        sk = sklearn_case(X, y, optimizer, BATCH)
        if sk is not None:
            cases["sklearn"] = sk
        timed = C.round_robin(cases, repeats=repeats, warmup=1)
        entry: dict[str, Any] = {}
        for name, t in timed.items():
            entry[name] = {**t, "epoch_loss": float(cases[name]["box"]["loss"])}
        nk_t = entry["neuronkit"]["median"]
        entry["ratios"] = {f"neuronkit/{other}": C.ratio(nk_t, entry[other]["median"])
                           for other in ("numpy", "torch", "sklearn") if other in entry}
        results["optimizers"][optimizer] = entry
        C.log(f"[train {optimizer}] epoch of {n} x {SIZES[0]}, batch {BATCH}, median of {repeats}:")
        for name in timed:
            loss = entry[name]["epoch_loss"]
            C.log(f"  {name:10s} {C.fmt_time(entry[name]['median']):>10s}   (epoch loss {loss:.4f})")
        C.log_ratios(entry["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
