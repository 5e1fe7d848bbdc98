"""Workload 3: scikit-learn's digits, MLP 64-64-10, Adam, batch 32, 50 epochs: time and test accuracy.

1,797 8×8 images, split 75/25 (stratified, ``random_state=0``): 1,347 to train (43 steps an
epoch, 2,150 steps in all), 450 to test. Float32 throughout; lr 1e-3, L2 ``alpha=1e-4`` on the
weights (scikit-learn's default, as ``0.5·alpha/batch·ΣW²`` in the loss). Every contender
really runs 50 epochs (``tol=0``, ``n_iter_no_change`` larger than the epoch count). With so
little arithmetic per step, this measures per-step overhead: the loop, loss, backward and the
optimiser step.

* ``neuronkit.NeuralClassifier`` — ``NeuralClassifier(...).fit(X, y)`` (scales the inputs itself);
* ``neuronkit.fit``   — ``nk.fit`` on standardised inputs, same initial weights as torch;
* ``torch``           — an eager loop (``randperm`` batches, ``F.cross_entropy``, ``torch.optim.Adam``
  with weight decay alpha/batch on the weights only), 2 threads;
* ``sklearn``         — ``MLPClassifier(hidden_layer_sizes=(64,), solver="adam", batch_size=32, max_iter=50)``.

    python bench/bench_digits.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

import warnings
from typing import Any

import _common as C
import numpy as np

SIZES = [64, 64, 10]
BATCH = 32
ALPHA = 1e-4
LR = 1e-3
SEED = 0


def load(smoke: bool):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=SEED, stratify=y)
    if smoke:
        X_train, y_train = X_train[:256], y_train[:256]
    scaler = StandardScaler().fit(X_train)
    scale = lambda a: scaler.transform(a).astype(np.float32)  # noqa: E731
    return X_train, X_test, y_train, y_test, scale(X_train), scale(X_test)


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, torch = C.start(__doc__.splitlines()[0], argv, default_repeats=5)
    epochs = 2 if args.smoke else 50
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    import neuronkit as nk

    X_train, X_test, y_train, y_test, Xs_train, Xs_test = load(args.smoke)
    weights = C.initial_weights(SIZES, SEED)
    cases: dict[str, dict[str, Any]] = {}
    accuracy: dict[str, float] = {}
    common = {"hidden_layer_sizes": tuple(SIZES[1:-1]), "solver": "adam", "alpha": ALPHA, "batch_size": BATCH,
              "learning_rate_init": LR, "max_iter": epochs, "tol": 0.0, "n_iter_no_change": epochs + 1,
              "random_state": SEED}

    # neuronkit, the scikit-learn-style estimator
    def nk_estimator() -> None:
        clf = nk.NeuralClassifier(**common)
        with warnings.catch_warnings():  # tol=0: it runs to max_iter on purpose, as MLPClassifier does here
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        accuracy["neuronkit.NeuralClassifier"] = float(clf.score(X_test, y_test))

    cases["neuronkit.NeuralClassifier"] = {"fn": nk_estimator}

    # neuronkit, the training loop on the scaled data
    net = nk.mlp(SIZES, output="softmax", seed=SEED)
    box: dict[str, Any] = {}

    def nk_setup() -> None:
        for layer, (W, b) in zip(net, weights):
            layer.weight.data[...] = W
            layer.bias.data[...] = b
            layer.l2 = 0.5 * ALPHA / BATCH
        box["opt"] = nk.Adam(net.parameters(), lr=LR)

    def nk_fit() -> None:
        nk.fit(net, Xs_train, y_train, optimizer=box["opt"], epochs=epochs, batch_size=BATCH, seed=SEED,
               progress=False)
        accuracy["neuronkit.fit"] = float(np.mean(nk.training.predict(net, Xs_test).argmax(1) == y_test))

    cases["neuronkit.fit"] = {"fn": nk_fit, "setup": nk_setup}

    if torch is not None:
        import torch.nn.functional as F
        from torch import nn

        model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]))
        linears = [model[0], model[2]]
        Xt, yt = torch.from_numpy(Xs_train), torch.from_numpy(y_train)
        Xt_test = torch.from_numpy(Xs_test)
        gen = torch.Generator()

        def torch_setup() -> None:
            with torch.no_grad():
                for lin, (W, b) in zip(linears, weights):
                    lin.weight.copy_(torch.from_numpy(W))
                    lin.bias.copy_(torch.from_numpy(b))
            groups = [{"params": [lin.weight for lin in linears], "weight_decay": ALPHA / BATCH},
                      {"params": [lin.bias for lin in linears], "weight_decay": 0.0}]
            box["topt"] = torch.optim.Adam(groups, lr=LR)
            gen.manual_seed(SEED)

        def torch_fit() -> None:
            opt = box["topt"]
            model.train()
            for _ in range(epochs):
                perm = torch.randperm(len(Xt), generator=gen)
                total = 0.0
                for i in range(0, len(Xt), BATCH):
                    idx = perm[i:i + BATCH]
                    opt.zero_grad(set_to_none=True)
                    loss = F.cross_entropy(model(Xt[idx]), yt[idx])
                    loss.backward()
                    opt.step()
                    total += loss.item() * len(idx)
            model.eval()
            with torch.inference_mode():
                accuracy["torch"] = float((model(Xt_test).argmax(1).numpy() == y_test).mean())

        cases["torch"] = {"fn": torch_fit, "setup": torch_setup}

    def sk_fit() -> None:
        clf = MLPClassifier(**common)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xs_train, y_train)
        box["sk_iter"] = clf.n_iter_
        accuracy["sklearn"] = float(clf.score(Xs_test, y_test))

    cases["sklearn"] = {"fn": sk_fit}

    timed = C.round_robin(cases, repeats=repeats, warmup=1)
    if box.get("sk_iter") != epochs:
        raise RuntimeError(f"scikit-learn ran {box.get('sk_iter')} epochs, not {epochs}")
    steps = epochs * -(-len(X_train) // BATCH)
    results: dict[str, Any] = {"workload": "digits", "sizes": SIZES, "epochs": epochs, "batch_size": BATCH,
                               "n_train": len(X_train), "n_test": len(X_test), "steps": steps,
                               "repeats": repeats, "results": {}}
    for name, t in timed.items():
        results["results"][name] = {**t, "per_step": t["median"] / steps, "test_accuracy": accuracy[name]}
    r = results["results"]
    results["ratios"] = {}
    for mine in ("neuronkit.NeuralClassifier", "neuronkit.fit"):
        for other in ("torch", "sklearn"):
            if other in r:
                results["ratios"][f"{mine}/{other}"] = C.ratio(r[mine]["median"], r[other]["median"])
    C.log(f"[digits] {epochs} epochs x {steps // epochs} steps (batch {BATCH}), median of {repeats}:")
    for name in timed:
        C.log(f"  {name:28s} {C.fmt_time(r[name]['median']):>10s}  ({C.fmt_time(r[name]['per_step'])}/step)"
              f"  test accuracy {r[name]['test_accuracy']:.4f}")
    C.log_ratios(results["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
