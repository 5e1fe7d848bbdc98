"""The benchmark scripts keep working: one smoke pass of ``bench/run_all.py`` (tiny sizes).

Nothing is timed here; the test checks that every workload runs, every contender computes
something sensible and the report is written. PyTorch parts are skipped when torch is missing.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
HAS_TORCH = importlib.util.find_spec("torch") is not None

pytestmark = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                reason="the benchmarks compare with scikit-learn")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    cmd = [sys.executable, str(BENCH / "run_all.py"), "--smoke", "--single-pass", "--out", str(out)]
    if not HAS_TORCH:
        cmd.append("--no-torch")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    results = json.loads((out / "results.json").read_text())
    results["markdown"] = (out / "RESULTS.md").read_text()
    return results


def test_every_workload_reports(smoke):
    assert smoke["smoke"] is True
    (run,) = smoke["runs"]
    assert set(run["workloads"]) == {"train", "predict", "digits", "import_memory", "kernels", "cnn", "accuracy_cnn",
                                     "accuracy_text", "snn", "accuracy_snn"}
    assert run["machine"]["numpy"] and "env" in run["machine"]
    md = smoke["markdown"]
    for heading in ("### Targets", "### W1 + W4", "### W2", "### W3", "### W5", "### W0", "### W6", "### Accuracy"):
        assert heading in md


def test_train_contenders_learn_the_same_thing(smoke):
    train = smoke["runs"][0]["workloads"]["train"]
    for entry in train["optimizers"].values():
        names = {"neuronkit", "numpy", "sklearn"} | ({"torch"} if HAS_TORCH else set())
        assert names <= set(entry)
        # neuronkit and the hand-written NumPy version start from the same weights and see the same batches
        assert entry["neuronkit"]["epoch_loss"] == pytest.approx(entry["numpy"]["epoch_loss"], rel=1e-4)
        assert all(entry[n]["median"] > 0 for n in names)
        assert entry["ratios"]["neuronkit/numpy"] > 0


def test_predict_and_digits_and_memory(smoke):
    w = smoke["runs"][0]["workloads"]
    for entry in w["predict"]["batches"].values():
        assert entry["neuronkit"]["median"] > 0 and entry["numpy"]["median"] > 0
        assert ("torch" in entry) == HAS_TORCH
    digits = w["digits"]["results"]
    assert {"neuronkit.NeuralClassifier", "neuronkit.fit", "sklearn"} <= set(digits)
    assert all(0.0 <= r["test_accuracy"] <= 1.0 for r in digits.values())
    im = w["import_memory"]
    assert im["import"]["neuronkit"]["median"] > 0
    assert im["memory"]["sgd"]["neuronkit"]["training_peak"] >= 0
    assert im["memory"]["sgd"]["neuronkit"]["tracemalloc_peak"] > 0


def test_kernels_report(smoke):
    k = smoke["runs"][0]["workloads"]["kernels"]
    assert set(k["results"]) == {"products", "optimizer_sgd", "optimizer_adam", "predict1024", "batchnorm"}
    for entry in k["results"].values():
        assert ("torch" in entry) == HAS_TORCH
        assert (entry["numpy"] if "numpy" in entry else entry["neuronkit"])["median"] > 0


def test_accuracy_scripts_report_both_frameworks(smoke):
    w = smoke["runs"][0]["workloads"]
    digits = w["accuracy_cnn"]["workloads"]["digits"]
    text = w["accuracy_text"]
    assert 0.0 < text["baseline"]["mean_accuracy"] <= 1.0
    for entry in [digits, *text["models"].values()]:
        assert 0.0 <= entry["neuronkit"]["mean_accuracy"] <= 1.0
        assert ("torch" in entry) == HAS_TORCH
        if HAS_TORCH:  # the same start and the same batches: the same first epoch's loss
            ours, theirs = entry["runs"][0]["neuronkit"]["losses"], entry["runs"][0]["torch"]["losses"]
            assert ours[0] == pytest.approx(theirs[0], rel=1e-4)


@pytest.mark.skipif(not HAS_TORCH, reason="compares with PyTorch")
def test_kernel_products_are_the_same_products_in_both_frameworks():
    """W0 times the same 8 products in NumPy (neuronkit's orientation) and in torch: same values."""
    sys.path.insert(0, str(BENCH))
    try:
        import _common as C
        import bench_kernels as K
    finally:
        sys.path.remove(str(BENCH))
    torch = C.torch_or_none()
    a = K.product_operands(16, seed=3)
    ours, theirs = K.numpy_products(a)(), K.torch_products(torch, a)()
    assert len(ours) == len(theirs) == 8
    for mine, other in zip(ours, theirs):
        assert mine.shape == tuple(other.shape)
        np.testing.assert_allclose(mine, other.numpy(), rtol=1e-4, atol=1e-3)


def test_cnn_contenders_learn_the_same_thing(smoke):
    """W6: neuronkit and torch train the same CNN from the same weights on the same batches: the same loss."""
    cnn = smoke["runs"][0]["workloads"]["cnn"]
    for entry in cnn["optimizers"].values():
        assert entry["neuronkit"]["median"] > 0
        if HAS_TORCH:
            assert entry["neuronkit"]["epoch_loss"] == pytest.approx(entry["torch"]["epoch_loss"], rel=1e-4)
    assert cnn["inference"]["neuronkit"]["median"] > 0
    assert cnn["memory"]["neuronkit"]["tracemalloc_peak"] > 0
    assert set(cnn["split"]["seconds"]) == {"conv products", "im2col/col2im", "pooling", "rest"}
    assert cnn["split"]["seconds"]["conv products"] > 0 and cnn["split"]["seconds"]["im2col/col2im"] > 0
