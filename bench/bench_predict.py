"""Workload 2: prediction latency of the MLP 784-256-128-10 at batch 1, 32 and 1024.

Each call maps a float32 NumPy batch to class probabilities as a NumPy array (conversions
included, since that is what a user holding NumPy data pays):

* ``neuronkit``          — ``net(x)`` inside ``nk.no_grad()`` (softmax output layer), ``.data``;
* ``neuronkit.predict``  — ``nk.training.predict(net, x)``: the public prediction function (what the
  estimators call; eval mode, batching), on the array path ``net.infer``;
* ``neuronkit.infer``    — ``net.infer(x)``: the layers' array-only forward pass that ``predict`` uses;
* ``numpy``              — the forward pass written by hand (the floor for any NumPy engine);
* ``torch``              — ``model(torch.from_numpy(x)).softmax(1).numpy()`` under ``torch.inference_mode()``;
* ``sklearn``            — ``MLPClassifier.predict_proba(x)`` (a fitted model with the same weights).

All use the same weights. A timed run repeats the call enough times to last about 0.1 s; the
median over the runs of the per-call time is reported.

    python bench/bench_predict.py [--smoke] [--repeats N] [--json out.json]
"""

from __future__ import annotations

import warnings
from typing import Any

import _common as C
import numpy as np

SIZES = [784, 256, 128, 10]
BATCHES = (1, 32, 1024)
SEED = 0


def numpy_forward(weights: list[tuple[np.ndarray, np.ndarray]]):
    Wts = [(np.ascontiguousarray(W.T), b) for W, b in weights]  # transposed once, outside the timing

    def predict(x: np.ndarray) -> np.ndarray:
        h = x
        for i, (Wt, b) in enumerate(Wts):
            h = h @ Wt
            h += b
            if i < len(Wts) - 1:
                np.maximum(h, 0, out=h)
        h -= h.max(axis=1, keepdims=True)
        np.exp(h, out=h)
        h /= h.sum(axis=1, keepdims=True)
        return h

    return predict


def sklearn_model(weights, X, y):
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    clf = MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), max_iter=1, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:200], y[:200])  # only to set up classes_ and the shapes; the weights are replaced
    clf.coefs_ = [W.T.copy() for W, _ in weights]
    clf.intercepts_ = [b.copy() for _, b in weights]
    return clf


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, repeats, torch = C.start(__doc__.splitlines()[0], argv, default_repeats=7)
    target = 0.005 if args.smoke else 0.1
    import neuronkit as nk
    from neuronkit.training import predict

    X, y = C.synthetic_classification(2048, SIZES[0], SIZES[-1], seed=SEED)
    weights = C.initial_weights(SIZES, SEED)
    net = nk.mlp(SIZES, output="softmax", seed=SEED)
    for layer, (W, b) in zip(net, weights):
        layer.weight.data[...] = W
        layer.bias.data[...] = b
    net.eval()
    by_hand = numpy_forward(weights)
    clf = sklearn_model(weights, X, y)
    model = None
    if torch is not None:
        from torch import nn

        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        with torch.no_grad():
            for lin, (W, b) in zip([m for m in model if isinstance(m, nn.Linear)], weights):
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
        model.eval()

    results: dict[str, Any] = {"workload": "predict", "sizes": SIZES, "repeats": repeats, "batches": {}}
    for batch in BATCHES:
        x = np.ascontiguousarray(X[:batch])

        def nk_call(x=x):
            with nk.no_grad():
                return net(x).data

        def nk_predict(x=x):
            return predict(net, x)

        fns: dict[str, Any] = {"neuronkit": nk_call, "neuronkit.predict": nk_predict}
        if hasattr(net, "infer"):  # (older neuronkit, for before/after figures, has no infer)
            fns["neuronkit.infer"] = lambda x=x: net.infer(x)
        fns["numpy"] = lambda x=x: by_hand(x)
        if model is not None:
            def torch_call(x=x):
                with torch.inference_mode():
                    return model(torch.from_numpy(x)).softmax(1).numpy()

            fns["torch"] = torch_call
        if clf is not None:
            fns["sklearn"] = lambda x=x: clf.predict_proba(x)
        reference = by_hand(x)
        for name, fn in fns.items():  # every contender computes the same probabilities
            np.testing.assert_allclose(fn(), reference, rtol=1e-3, atol=1e-5, err_msg=name)
        cases = {name: {"fn": fn, "number": C.calls_per_run(fn, target)} for name, fn in fns.items()}
        timed = C.round_robin(cases, repeats=repeats, warmup=1)
        entry: dict[str, Any] = {name: {**t, "calls_per_run": cases[name]["number"]} for name, t in timed.items()}
        nk_t = entry["neuronkit"]["median"]
        entry["ratios"] = {f"neuronkit/{other}": C.ratio(nk_t, entry[other]["median"])
                           for other in ("numpy", "torch", "sklearn") if other in entry}
        for variant in ("neuronkit.predict", "neuronkit.infer"):
            if variant in entry:
                entry["ratios"][f"{variant}/torch"] = C.ratio(entry[variant]["median"],
                                                              entry.get("torch", {}).get("median"))
        results["batches"][str(batch)] = entry
        C.log(f"[predict] batch {batch}, median of {repeats} (per call):")
        for name in timed:
            C.log(f"  {name:18s} {C.fmt_time(entry[name]['median']):>10s}")
        C.log_ratios(entry["ratios"])
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
