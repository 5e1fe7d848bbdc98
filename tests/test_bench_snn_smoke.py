"""The spiking benchmarks keep working (issue 13 item 7), and a small version of their accuracy result.

* One smoke pass of ``bench/bench_snn.py`` and ``bench/bench_accuracy_snn.py`` (tiny sizes, nothing
  timed seriously; ``tests/test_bench_smoke.py`` runs them through ``run_all.py`` with the others):
  both scripts run, every contender reports, ``run_all``'s report has their tables, and
  neuronkit's spiking MLP and snnTorch's, given the same input spikes and the same weights,
  compute the same loss and the same weight gradients on a batch (the check ``bench_snn.py``
  makes before it times anything: a neuron, surrogate or loss that differed from snnTorch's
  would show here).
* A rate-coded spiking MLP (RateEncoder(25), 64-128-10 LIF β = 0.9, rate cross-entropy, Adam
  2e-3, batch 64, ``nk.fit``) learns digits on one stratified 75/25 split to >= 0.93 test
  accuracy in 8 epochs (measured: 0.949; after 1 epoch 0.450; chance is 0.10, and softmax
  regression on the pixels, trained the same 8 epochs with the same Adam, reaches 0.873): a layer
  that lost its input, or gradients that did not reach the first layer, stay well below. The full
  runs, 3 splits and 30 epochs, are ``bench/bench_accuracy_snn.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def smoke() -> dict:
    """Both scripts' smoke runs, in this process (no interpreter starts: torch is imported once), and the report.

    The scripts limit torch and BLAS to one thread in a smoke run; the limits are restored afterwards.
    """
    import torch
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(BENCH))
    try:
        import _common as C
        import bench_accuracy_snn
        import bench_snn
        import run_all
    finally:
        sys.path.remove(str(BENCH))
    threads, settle = torch.get_num_threads(), C.SETTLE_SECONDS
    try:
        with threadpool_limits(limits=None):  # restores the BLAS pools' threads on exit
            workloads = {"snn": bench_snn.run(["--smoke"]), "accuracy_snn": bench_accuracy_snn.run(["--smoke"])}
    finally:
        torch.set_num_threads(threads)
        C.SETTLE_SECONDS = settle
    run = {"label": "smoke", "started": "now", "machine": C.machine_info(), "workloads": workloads}
    return {"runs": [run], "markdown": run_all.markdown([run], smoke=True)}


def test_both_scripts_report_every_contender(smoke):
    (run,) = smoke["runs"]
    assert set(run["workloads"]) == {"snn", "accuracy_snn"}
    snn = run["workloads"]["snn"]
    epoch = snn["epoch"]
    assert {"neuronkit", "snntorch", "snntorch.layerwise"} <= set(epoch)
    for name in ("neuronkit", "snntorch", "snntorch.layerwise"):
        assert epoch[name]["median"] > 0 and epoch[name]["cpu_median"] > 0
        # one epoch from the same start on 300 samples: every contender's mean loss is near ln 10 (10 classes)
        assert abs(epoch[name]["epoch_loss"] - np.log(10)) < 0.1
    assert epoch["ratios"]["neuronkit/snntorch"] == pytest.approx(
        epoch["neuronkit"]["median"] / epoch["snntorch"]["median"])
    for who in ("neuronkit", "snntorch"):
        assert 0.0 <= snn["accuracy"][who]["mean_accuracy"] <= 1.0
    assert snn["memory"]["neuronkit"]["tracemalloc_peak"] > 0
    split = snn["split"]
    assert set(split["seconds"]) == {"neuron loops forward", "neuron loops backward", "weight products", "encoder",
                                     "loss", "optimizer", "autodiff graph", "rest"}
    assert sum(split["seconds"].values()) == pytest.approx(split["total"])
    for part in ("neuron loops forward", "neuron loops backward", "weight products", "encoder", "loss"):
        assert split["seconds"][part] > 0, part
    digits = run["workloads"]["accuracy_snn"]["workloads"]["digits"]
    assert digits["sizes"] == [64, 128, 10] and digits["target"] == 0.95
    for who in ("neuronkit", "snntorch"):
        assert 0.0 <= digits[who]["mean_accuracy"] <= 1.0
    md = smoke["markdown"]
    for heading in ("### Targets", "### S1: one training epoch", "### A3: rate-coded spiking MLPs",
                    "S1 spiking MLP epoch (digits, T = 25): neuronkit / snnTorch"):
        assert heading in md


def test_same_spikes_give_snntorchs_loss_and_gradients(smoke):
    """The same weights and input spikes through both libraries: loss and weight gradients equal (float32)."""
    check = smoke["runs"][0]["workloads"]["snn"]["same_spikes"]
    assert check["loss"] == pytest.approx(check["loss_snntorch"], rel=1e-5)
    assert check["loss_difference"] <= 1e-5
    grads = {k: v for k, v in check.items() if k.startswith("grad")}
    assert set(grads) == {"grad fc1.weight", "grad fc1.bias", "grad fc2.weight", "grad fc2.bias"}
    assert all(v <= 1e-4 for v in grads.values()), grads


def test_rate_coded_spiking_mlp_learns_digits():
    from threadpoolctl import threadpool_limits

    from neuronkit import spiking

    ds = nk.datasets.load("digits")
    X, y = (ds.X / 16.0).astype(np.float32), ds.y
    train, test = nk.data.split_indices(len(y), 0.25, labels=y, seed=0)
    net = nk.Sequential(spiking.RateEncoder(25, seed=0),
                        spiking.SpikingDense(64, 128, neuron=spiking.LIF(beta=0.9), seed=0),
                        spiking.SpikingDense(128, 10, neuron=spiking.LIF(beta=0.9), seed=0))
    with threadpool_limits(1):  # small products: a second BLAS thread only spins on a busy machine
        history = nk.fit(net, X[train], y[train], loss="rate_cross_entropy", optimizer="adam", lr=2e-3, epochs=8,
                         batch_size=64, seed=0, progress=False)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.3
    scores = nk.training.evaluate(net, X[test], y[test], loss="rate_cross_entropy")
    assert scores["accuracy"] >= 0.93
