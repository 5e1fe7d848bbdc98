"""M1: on digits, a Mixture of Experts with the active parameters of a dense layer against that dense layer.

scikit-learn's digits (1,797 8x8 images, flat, pixels / 16), split 75/25 (stratified, one split per
seed). Both networks end in the same ``dense(10, softmax)``; the hidden layer is

* ``dense``: ``dense(64, relu)``, 64·64 + 64 = 4,160 parameters;
* ``moe``:   ``moe(64, experts=2, k=1)``: two experts, each a Dense 64 -> 64 (ReLU), one per sample, so the
  active expert parameters per sample are the dense layer's 4,160; the gate (2·64 = 128) and the noise
  scale (2·64, training only) come on top, and the total is 2·4,160 + 256 = 8,576. The target is measured
  on this one;
* ``moe4``:  ``moe(64, experts=4, k=1)``: the same with four experts (17,152 parameters, the same 4,160
  active ones): each expert sees about a quarter of the images at equal epochs, and it is reported beside.

Same optimiser (Adam, lr 3e-3), batch 32, epochs and seeds for both; the MoE's balance loss 0.01, capacity
factor 1.25. The figure: mean test accuracy over 5 seeds (the initial weights, the split and the batch order
all follow the seed), each seed's pair, and the difference; the target is MoE >= dense - 0.005.

    python bench/bench_moe.py [--smoke] [--json out.json]
"""

from __future__ import annotations

import time
from typing import Any

import _common as C
import numpy as np

SEEDS = (0, 1, 2, 3, 4)
EPOCHS = 30
SPECS = {"dense": "dense(64,relu),dense(out)", "moe": "moe(64,experts=2,k=1),dense(out)",
         "moe4": "moe(64,experts=4,k=1),dense(out)"}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    args, _, _ = C.start(__doc__.splitlines()[0], argv, default_repeats=1)
    from sklearn.model_selection import train_test_split

    import neuronkit as nk

    ds = nk.datasets.load("digits")
    X, y = (ds.X / 16.0).astype(np.float32), ds.y
    seeds, epochs = ((0,), 2) if args.smoke else (SEEDS, EPOCHS)
    accuracy: dict[str, list[float]] = {name: [] for name in SPECS}
    seconds: dict[str, float] = {name: 0.0 for name in SPECS}
    parameters: dict[str, int] = {}
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
        for name, spec in SPECS.items():
            net = nk.build(spec, input_shape=(64,), outputs=10, output="softmax", seed=seed)
            parameters[name] = net.num_parameters()
            start = time.perf_counter()
            nk.fit(net, X_train, y_train, epochs=epochs, batch_size=32, lr=3e-3, progress=False, seed=seed)
            seconds[name] += time.perf_counter() - start
            accuracy[name].append(float(np.mean(nk.training.predict(net, X_test).argmax(1) == y_test)))
            C.log(f"seed {seed} {name:5s} accuracy {accuracy[name][-1]:.4f}")
    mean = {name: float(np.mean(values)) for name, values in accuracy.items()}
    results = {
        "workload": "M1 digits 64 -> hidden -> 10: dense(64,relu) against moe(64,experts=2,k=1) and "
                    "moe(64,experts=4,k=1) (experts 64->64)",
        "epochs": epochs, "seeds": list(seeds), "accuracy": accuracy, "mean_accuracy": mean,
        "difference": mean["moe"] - mean["dense"], "target": "moe >= dense - 0.005",
        "met": bool(mean["moe"] >= mean["dense"] - 0.005), "parameters": parameters,
        "active_parameters": {"dense": 64 * 64 + 64 + 650, "moe": 64 * 64 + 64 + 650 + 2 * 64,
                              "moe4": 64 * 64 + 64 + 650 + 4 * 64},
        "difference_moe4": mean["moe4"] - mean["dense"],
        "fit_seconds": seconds, "smoke": bool(args.smoke), "machine": C.machine_info(),
    }
    C.log(f"mean accuracy dense {mean['dense']:.4f}, moe (2 experts) {mean['moe']:.4f} (difference "
          f"{results['difference']:+.4f}), moe (4 experts) {mean['moe4']:.4f}")
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
