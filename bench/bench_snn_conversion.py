"""ANN -> SNN conversion on digits: the ANN's test accuracy against the converted spiking network's at T steps.

The workload (issue 13, item 4): scikit-learn's 1,797 digits (64 pixels scaled to [0, 1]), 3
stratified 75/25 splits (``nk.data.split_indices(n, 0.25, labels=y, seed=s)``, s = 0, 1, 2). On
each split a ReLU MLP (:data:`SPEC`) is trained with ``nk.fit`` (Adam, lr 1e-3, batch 32,
:data:`EPOCHS` epochs, seed s) and converted by ``nk.spiking.convert`` (integrate-and-fire
neurons, subtract reset, constant-current input, the weights normalised by the 99.9th percentile
of each layer's positive activations on the training set). ``nk.spiking.conversion_report`` gives
the test accuracy of the spiking network after T = 10, 25, 50, 100, 200 steps, for both readouts:
the output layer's spike count, and the membrane of leaky integrators (β = 1, the
``max_membrane`` decoder). Reported: each split's figures, the mean ± sd over the splits, and the
time one conversion and one report took. Target: the mean SNN accuracy at T = 100 within 1 point
(0.01) of the mean ANN accuracy.

Two more workloads (no target; what conversion does to convolutions): the digits as (1, 8, 8)
images and the small CNN of ``bench_accuracy_cnn.py`` (:data:`CNN_SPECS`: with max pooling as
there, which conversion turns into ``SpikeMaxPool2d``, and with average pooling), trained
:data:`CNN_EPOCHS` epochs, converted and measured the same way.

    python bench/bench_snn_conversion.py [--smoke] [--only mlp cnn_avgpool cnn_maxpool] [--splits N]
                                         [--epochs N] [--json FILE]
"""

from __future__ import annotations

import time
from typing import Any

import _common as C
import numpy as np

SPEC = "dense(128,relu),dense(64,relu),dense(out)"
EPOCHS = 30
CNN_SPECS = {"cnn_avgpool": "conv(16,3,relu,padding=1),avgpool(2),conv(32,3,relu,padding=1),flatten,dense(64,relu),"
                            "dense(out)",
             "cnn_maxpool": "conv(16,3,relu,padding=1),maxpool(2),conv(32,3,relu,padding=1),flatten,dense(64,relu),"
                            "dense(out)"}
CNN_EPOCHS = 15
CALIBRATION = 500  # training samples the scales are taken on
SPLITS = 3
STEPS = (10, 25, 50, 100, 200)
PERCENTILE = 99.9
TARGET_STEPS = 100
MAX_GAP = 0.01  # the target: within 1 point of the ANN at T = 100 (mean of the splits)
READOUTS = ("membrane", "spikes")  # the first is convert's default


def one_split(spec: str, X: np.ndarray, y: np.ndarray, seed: int, *, epochs: int,
              steps: tuple[int, ...]) -> dict[str, Any]:
    """Train, convert and measure on split ``seed``: the ANN's accuracy and each readout's curve."""
    import neuronkit as nk

    train, test = nk.data.split_indices(len(y), 0.25, labels=y, seed=seed)
    ann = nk.build(spec, X.shape[1:], outputs=10, output="softmax", seed=seed)
    start = time.perf_counter()
    nk.fit(ann, X[train], y[train], optimizer="adam", lr=1e-3, epochs=epochs, batch_size=32, seed=seed,
           progress=False)
    out: dict[str, Any] = {"seed": seed, "train_seconds": time.perf_counter() - start}
    for readout in READOUTS:
        start = time.perf_counter()
        snn = nk.spiking.convert(ann, X[train[:CALIBRATION]], steps=max(steps), percentile=PERCENTILE,
                                 readout=readout)
        convert_seconds = time.perf_counter() - start
        start = time.perf_counter()
        report = nk.spiking.conversion_report(ann, snn, X[test], y[test], steps=steps)
        out[readout] = {**report.to_dict(), "convert_seconds": convert_seconds,
                        "report_seconds": time.perf_counter() - start}
        out["ann_accuracy"] = report.ann_accuracy
    return out


def summarise(runs: list[dict[str, Any]], steps: tuple[int, ...]) -> dict[str, Any]:
    """Means and standard deviations over the splits; the gap to the ANN at each T; the target's verdict."""
    ann = np.array([r["ann_accuracy"] for r in runs])
    out: dict[str, Any] = {"ann": {"mean": float(ann.mean()), "sd": float(ann.std(ddof=1)) if len(ann) > 1 else 0.0}}
    for readout in READOUTS:
        acc = np.array([r[readout]["snn_accuracy"] for r in runs])  # (splits, len(steps))
        gaps = ann[:, None] - acc
        out[readout] = {"steps": list(steps), "mean": acc.mean(axis=0).tolist(),
                        "sd": (acc.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(len(steps))).tolist(),
                        "mean_gap": gaps.mean(axis=0).tolist()}
        if TARGET_STEPS in steps:
            gap = float(gaps.mean(axis=0)[steps.index(TARGET_STEPS)])
            out[readout]["gap_at_target"] = gap
            out[readout]["target_met"] = bool(gap <= MAX_GAP)
    # the better readout: the higher accuracy averaged over every T measured (ties: the first of READOUTS)
    out["better_readout"] = max(READOUTS, key=lambda r: (float(np.mean(out[r]["mean"])), -READOUTS.index(r)))
    return out


def report_lines(summary: dict[str, Any], steps: tuple[int, ...]) -> list[str]:
    ann = summary["ann"]
    lines = [f"ANN test accuracy: {ann['mean']:.4f} ± {ann['sd']:.4f}",
             "T        " + "".join(f"{'SNN (' + r + ')':>22}" for r in READOUTS)]
    for i, t in enumerate(steps):
        cells = "".join(f"{summary[r]['mean'][i]:>13.4f} ± {summary[r]['sd'][i]:.4f}" for r in READOUTS)
        lines.append(f"{t:<9}{cells}")
    if TARGET_STEPS in steps:
        for r in READOUTS:
            lines.append(f"{r}: ANN - SNN at T = {TARGET_STEPS}: {summary[r]['gap_at_target']:+.4f} "
                         f"(target <= {MAX_GAP}: {'met' if summary[r]['target_met'] else 'NOT met'})")
    lines.append(f"better readout (mean accuracy over T = {', '.join(map(str, steps))}): {summary['better_readout']}")
    return lines


def workload(name: str, spec: str, X: np.ndarray, y: np.ndarray, *, splits: int, epochs: int,
             steps: tuple[int, ...]) -> dict[str, Any]:
    """One network on every split: the runs, their summary, and the printed report."""
    C.log(f"{name}: {spec}, {epochs} epochs, {splits} splits, input {X.shape[1:]}")
    runs = []
    for seed in range(splits):
        r = one_split(spec, X, y, seed, epochs=epochs, steps=steps)
        runs.append(r)
        C.log(f"  split {seed}: ANN {r['ann_accuracy']:.4f}; " + "; ".join(
            f"{readout} " + " ".join(f"T{t}={a:.4f}" for t, a in zip(steps, r[readout]["snn_accuracy"]))
            + f" ({r[readout]['report_seconds']:.1f} s)" for readout in READOUTS))
    summary = summarise(runs, steps)
    for line in report_lines(summary, steps):
        C.log("  " + line)
    return {"spec": spec, "epochs": epochs, "splits": splits, "input_shape": list(X.shape[1:]), "runs": runs,
            "summary": summary}


def run(argv: list[str] | None = None) -> dict[str, Any]:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=["mlp", *CNN_SPECS], default=["mlp", *CNN_SPECS],
                   help="run these workloads (default: all)")
    p.add_argument("--splits", type=int, default=None, help="number of stratified splits (default 3)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs of every ANN (default 30 MLP, 15 CNN)")
    args = p.parse_args(argv)  # --repeats and --no-torch are accepted (run_all passes them) and unused
    import neuronkit as nk

    splits = args.splits or (1 if args.smoke else SPLITS)
    steps = (5, 10) if args.smoke else STEPS
    only = ["mlp"] if args.smoke else args.only
    results: dict[str, Any] = {"machine": C.machine_info(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                               "smoke": args.smoke, "steps": list(steps), "percentile": PERCENTILE,
                               "calibration_samples": CALIBRATION, "target_steps": TARGET_STEPS, "max_gap": MAX_GAP,
                               "workloads": {}}
    C.log(f"ANN -> SNN conversion on digits; CPU: {results['machine']['cpu']}")
    for name in only:
        ds = nk.datasets.load("digits", images=name != "mlp")
        X, y = ds.X.astype(np.float32), ds.y
        if name == "mlp":
            X = X / np.float32(16.0)  # pixels 0..16 -> [0, 1] (the images come in [0, 1])
        if args.smoke:
            _, keep = nk.data.split_indices(len(y), 400, labels=y, seed=0)
            X, y = X[keep], y[keep]
        epochs = args.epochs or (2 if args.smoke else EPOCHS if name == "mlp" else CNN_EPOCHS)
        spec = SPEC if name == "mlp" else CNN_SPECS[name]
        results["workloads"][name] = workload(name, spec, X, y, splits=splits, epochs=epochs, steps=steps)
    mlp = results["workloads"].get("mlp")
    if mlp is not None and TARGET_STEPS in steps:
        verdict = mlp["summary"][READOUTS[0]]["target_met"]
        C.log(f"target (mlp, {READOUTS[0]} readout, T = {TARGET_STEPS}, within {MAX_GAP} of the ANN): "
              f"{'met' if verdict else 'NOT met'}")
    C.emit(results, args.json)
    return results


if __name__ == "__main__":
    run()
