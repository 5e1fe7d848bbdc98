"""What the neurons of a small digits network represent (issue 18 item 3): probes per layer, and whether a sparse
autoencoder's features are more monosemantic than the neurons they are read from.

Network: MLP 64-32-32-10 (ReLU, softmax), Adam lr 1e-3, batch 32, :data:`EPOCHS` epochs with ``nk.fit``, on a
stratified 70/30 split of scikit-learn's 1,797 digits (pixels / 16); :data:`SEEDS` seeds (split and weights).

- **Probes** (``nk.inspect.probe_layers``): a logistic regression on each layer's outputs over the *test* part of
  the digits (its own stratified 70/30 split inside), held-out accuracy; for the trained network and for the same
  architecture untrained (its initial weights), so the gain from learning is visible layer by layer.
- **Sparse autoencoders** on hidden1 and hidden2 (``nk.inspect.train_sae``): :data:`FEATURES_PER_NEURON` × the
  layer's width features, untied, resampling every 200 steps, Adam lr 1e-3, 200 epochs, batch 128, fitted on the
  training part's activations; each L1 weight in :data:`L1S` reported (not tuned). Monosemanticity of neurons
  and features (``nk.inspect.sae_features`` on the test part, top-k = 20): mean class entropy of the top samples
  (bits; lower = more monosemantic), mean class selectivity (higher = more), mean input clusters among the top
  samples, the share of live units; and the autoencoder's explained variance and active features per sample.

    python bench/bench_sae.py [--quick] [--seeds 3] [--json FILE]

``--quick``: one seed, few epochs: checks that the script runs (seconds), writes nothing by default.
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
EPOCHS = 30
SEEDS = 3
L1S = (0.01, 0.1, 0.3, 1.0, 3.0)
FEATURES_PER_NEURON = 4
SAE_EPOCHS = 200
TOP_K = 20


def run(argv: list[str] | None = None) -> dict[str, Any]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    import neuronkit as nk

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one seed, few epochs, one L1 weight: a smoke run")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--json", type=Path, default=None, help=f"default {RESULTS / 'sae.json'} (none with --quick)")
    args = p.parse_args(argv)
    seeds = args.seeds or (1 if args.quick else SEEDS)
    epochs, sae_epochs = (2, 5) if args.quick else (EPOCHS, SAE_EPOCHS)
    l1s = L1S[:1] if args.quick else L1S
    json_path = args.json or (None if args.quick else RESULTS / "sae.json")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    load_before = os.getloadavg()
    started = time.perf_counter()
    out: dict[str, Any] = {"epochs": epochs, "sae_epochs": sae_epochs, "seeds": seeds, "l1": list(l1s),
                           "features_per_neuron": FEATURES_PER_NEURON, "top_k": TOP_K, "runs": []}
    for seed in range(seeds):
        train, test = train_test_split(np.arange(len(X)), test_size=0.3, random_state=seed, stratify=y)
        net = nk.mlp([64, 32, 32, 10], output="softmax", seed=seed, dtype=np.float64)
        untrained = nk.inspect.probe_layers(net, X[test], y[test], seed=seed).to_dict()
        nk.fit(net, X[train], y[train], epochs=epochs, lr=1e-3, batch_size=32, seed=seed, progress=False)
        accuracy = float(np.mean(net(X[test]).data.argmax(axis=1) == y[test]))
        trained = nk.inspect.probe_layers(net, X[test], y[test], seed=seed).to_dict()
        C.log(f"seed {seed}: test accuracy {accuracy:.3f}; probe test accuracy untrained / trained: " + ", ".join(
            f"{a['layer']} {a['test_accuracy']:.3f}/{b['test_accuracy']:.3f}"
            for a, b in zip(untrained["rows"], trained["rows"])))
        run_out: dict[str, Any] = {"seed": seed, "test_accuracy": accuracy, "probes_untrained": untrained,
                                   "probes_trained": trained, "sae": {}}
        for layer in ("hidden1", "hidden2"):
            for l1 in l1s:
                t0 = time.perf_counter()
                sae = nk.inspect.train_sae(net, X[train], layer=layer, n_features=FEATURES_PER_NEURON * 32, l1=l1,
                                           epochs=sae_epochs, batch_size=128, lr=1e-3, seed=seed)
                seconds = time.perf_counter() - t0
                report = nk.inspect.sae_features(net, X[test], y[test], sae, layer=layer, k=TOP_K, seed=seed)
                comp = report.comparison()
                run_out["sae"][f"{layer} l1={l1:g}"] = {
                    "comparison": comp, "losses_test": report.losses, "seconds": seconds,
                    "resampled": len(sae.resampled), "top_features": report.ranking[:5]}
                n, f = comp["neurons"], comp["features"]
                C.log(f"  {layer} l1={l1:<6g} explained {report.losses['explained']:.3f}, "
                      f"{report.losses['l0']:.1f} active of {sae.n_features}; entropy neurons {n['entropy']:.3f} / "
                      f"features {f['entropy']:.3f}; selectivity {n['selectivity']:.3f} / {f['selectivity']:.3f}; "
                      f"clusters {n['clusters']:.2f} / {f['clusters']:.2f}; alive {n['alive']:.2f} / "
                      f"{f['alive']:.2f}  ({seconds:.1f} s)")
        out["runs"].append(run_out)
    out["mean"] = _means(out["runs"])
    return C.finish(out, started, load_before, json_path)


def _means(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over seeds: probe accuracy per layer (untrained, trained) and each comparison figure."""
    probes = {}
    for kind in ("probes_untrained", "probes_trained"):
        layers = [r["layer"] for r in runs[0][kind]["rows"]]
        probes[kind] = {layer: float(np.mean([r[kind]["rows"][i]["test_accuracy"] for r in runs]))
                        for i, layer in enumerate(layers)}
    sae = {}
    for key in runs[0]["sae"]:
        sae[key] = {unit: {m: float(np.mean([r["sae"][key]["comparison"][unit][m] for r in runs]))
                           for m in runs[0]["sae"][key]["comparison"][unit]} for unit in ("neurons", "features")}
        sae[key]["explained"] = float(np.mean([r["sae"][key]["losses_test"]["explained"] for r in runs]))
        sae[key]["l0"] = float(np.mean([r["sae"][key]["losses_test"]["l0"] for r in runs]))
    return {"test_accuracy": float(np.mean([r["test_accuracy"] for r in runs])), "probes": probes, "sae": sae}


if __name__ == "__main__":
    run()
