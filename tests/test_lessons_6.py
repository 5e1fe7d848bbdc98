"""Lesson 14 (docs/lessons/14-export-and-scale.md): every cell runs, and the numbers the prose states hold.

The page runs in one namespace (warnings as errors) with the runner of tests/test_lessons_2.py; the
values the prose gives are checked here against the library's own functions, onnxruntime, the
benchmark's results file or a recomputation, so that a page gone stale fails here first.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ._lessons import run_on_one_blas_thread

pytest.importorskip("matplotlib")
pytest.importorskip("onnxruntime")
pytest.importorskip("optuna")

BENCH = Path(__file__).resolve().parents[1] / "bench" / "results" / "distributed.json"


@pytest.fixture(scope="module")
def ns() -> dict:
    return run_on_one_blas_thread("14-export-and-scale.md")


def test_lesson_14_runs_within_its_budget_and_cleans_up(ns):
    assert ns["_cpu_seconds"] < 20
    assert not ns["work"].exists()                                             # the last cell removes its files


# ------------------------------------------------------------------ 1. ONNX
def test_the_fruit_model_trains_as_the_prose_says(ns):
    est = ns["est"]
    assert ns["status"] == 0
    assert est.n_iter_ == 91                                                   # "stops after 91 epochs"
    metrics = est.training_data_["test_metrics"]
    assert metrics["n"] == 48 and round(metrics["accuracy"] * 48) == 46       # "46 of the 48 ... (95.8 %)"
    assert round(100 * metrics["accuracy"], 1) == 95.8
    assert [str(c) for c in est.classes_] == ["apple", "lemon", "orange"]


def test_onnxruntime_gives_the_librarys_probabilities_on_the_raw_columns(ns):
    import onnxruntime as ort

    ours, theirs = ns["ours"], ns["theirs"]
    assert theirs.shape == ours.shape == (5, 3)
    assert ns["difference"] == float(np.abs(theirs - ours).max())
    assert 1e-8 < ns["difference"] < 5e-7                                      # "about 10^-7": float32 rounding
    assert ns["labels"].tolist() == [str(c) for c in ns["est"].classes_[ours.argmax(axis=1)]]
    assert ns["labels"].tolist() == ["apple", "orange", "lemon", "apple", "apple"]
    # the unseen colour gets all-zero colour columns, as predict --unknown-category zeros
    X, names = ns["X"], list(ns["est"].feature_names_in_)
    colours = [i for i, n in enumerate(names) if n.startswith("colour=")]
    assert len(colours) == 4 and not X[4, colours].any() and X[0, colours].sum() == 1
    assert np.isnan(ns["feeds"]["diameter_cm"][1, 0]) and ns["feeds"]["colour"][2, 0] == ""
    assert [i.name for i in ns["session"].get_inputs()] == ["diameter_cm", "colour", "weight_g"]
    assert isinstance(ns["session"], ort.InferenceSession)


def test_the_graph_holds_what_the_prose_lists(ns):
    ops = ns["ops"]
    assert sorted(op for domain, op in ops if domain == "ai.onnx.ml") == ["Imputer", "Imputer", "OneHotEncoder",
                                                                          "Scaler"]
    counts = {op: sum(1 for _, o in ops if o == op) for _, op in ops}
    assert counts == {"Imputer": 2, "OneHotEncoder": 1, "Reshape": 1, "MatMul": 3, "Cast": 1, "Concat": 1,
                      "Scaler": 1, "Add": 2, "Relu": 1, "Softmax": 1, "ArgMax": 1, "Gather": 1, "Identity": 2}
    order = [op for _, op in ops]
    assert order.index("Scaler") < order.index("Relu") < order.index("Softmax") < order.index("ArgMax")
    assert ns["opsets"] == {"ai.onnx": 21, "ai.onnx.ml": 3}
    from neuronkit.export.onnx import ML_OPSET, OPSET

    assert (OPSET, ML_OPSET) == (21, 3)


def test_a_spiking_network_is_refused_naming_nir(ns):
    assert "spiking layer" in ns["refusal"] and "neuronkit.spiking.nir.write_nir" in ns["refusal"]


# ------------------------------------------------------------------ 2. search
def test_the_tiny_study_as_the_prose_reads_it(ns):
    result = ns["result"]
    first = [r for r in ns["all_trials"] if r["number"] < 16]              # the first worker's 16 trials
    assert len(first) == 16
    states = [r["state"] for r in first]
    assert states.count("PRUNED") == 11 and states.count("COMPLETE") == 5     # "11 were pruned ... the 5"
    pruned_epochs = sorted(r["epochs"] for r in first if r["state"] == "PRUNED")
    assert pruned_epochs == [2] * 10 + [3]                                     # "all but one after their second"
    assert all(r["epochs"] == 10 for r in first if r["state"] == "COMPLETE")
    rows = ns["rows"]
    t11, t12 = rows[11], rows[12]
    assert round(t11["score"], 4) == round(t12["score"], 4) == 0.9582          # "the same accuracy (95.8 %)"
    assert sum(t11["units"]) == 67 and t11["dead"] + t11["saturated"] == 1     # "one of its 67 hidden neurons"
    assert t11["unhealthy"] == pytest.approx(1 / 67)
    assert t11["value"] == pytest.approx(t11["score"] - 0.5 * t11["unhealthy"], abs=1e-12)
    assert t11["value"] < t12["value"] and t12["unhealthy"] == 0
    assert result.best_params["units"] == (62, 42) and result.best_params["activation"] == "learnable_elu"
    assert result.best_params["optimizer"] == "rmsprop" and rows[0]["value"] == result.best_value
    assert round(result.best_score, 3) == 0.961 and result.best_unhealthy == 0.0
    # the best model is the best trial's network: its validation accuracy again
    Xv, yv = result.split["validation"]
    assert result.best_model.score(Xv, yv) == pytest.approx(result.best_score, abs=1e-12)


def test_the_second_worker_joins_the_stored_study(ns):
    import optuna

    second, trials = ns["second"], ns["all_trials"]
    assert len(trials) == 20 and ns["states"] == {"COMPLETE": 6, "PRUNED": 14}
    assert [r["number"] for r in trials] == list(range(20))
    line = ns["third"].split()
    assert line[:3] == ["19", "COMPLETE", "0.9582"]                            # the third best: trial 19
    # the stored study the second worker read holds the first worker's 16 trials as they were
    assert all(trials[n]["value"] == row["value"] and trials[n]["state"] == row["state"]
               for n, row in ns["rows"].items())
    assert len(ns["rows"]) == 16
    assert isinstance(second.study, optuna.study.Study) and second.study.study_name == "digits"


# ------------------------------------------------------------------ 3. data-parallel training
def test_weighted_shards_give_the_full_batch_gradient(ns):
    import neuronkit as nk

    assert ns["shards"] == [(0, 4), (4, 7)] and ns["sizes"] == [4, 3] and ns["full"].size == 1210
    assert np.abs(ns["weighted"] - ns["full"]).max() < 1e-15
    assert 0.14 < ns["off"] < 0.18 and round(ns["off"], 2) == 0.16             # "off by a sixth"
    # the full gradient is the engine's, checked by a central finite difference on one weight
    net, loss_fn, X, y = ns["net"], ns["loss_fn"], ns["Xd"], ns["yd"]
    w = net.parameters()[0]
    i = np.unravel_index(np.abs(w.data).argmax(), w.shape)
    h, base = 1e-6, w.data[i]

    def loss_at(value):
        w.data[i] = value
        return float(loss_fn(net(nk.Tensor(X)), nk.Tensor(y)).data)

    numeric = (loss_at(base + h) - loss_at(base - h)) / (2 * h)
    w.data[i] = base
    assert ns["full"][np.ravel_multi_index(i, w.shape)] == pytest.approx(numeric, abs=1e-8)


def test_bench_figures_and_bytes_per_step(ns):
    bench = json.loads(BENCH.read_text())
    assert bench["sizes"] == [64, 256, 256, 10] and bench["batch_size"] == 256
    figures = [round(bench[k]["steps_per_second"]) for k in ("fit", "1 rank", "2 ranks")]
    assert figures == [733, 676, 891]                                          # the table
    assert round(bench["speedup_2_over_1"], 2) == 1.32                         # "1.32 times as fast"
    assert round(100 * (1 - figures[1] / figures[0])) == 8                     # "costs 8 %"
    assert 1000 / figures[0] < 1.5                                             # "under 1.5 ms" a step
    assert ns["n_params"] == bench["parameters"] == 85002 and ns["n_arrays"] == 6
    assert ns["buffer_floats"] == bench["allreduce_floats"] == 85011
    assert ns["buffer_bytes"] == bench["allreduce_bytes"] and round(ns["buffer_bytes"] / 1024) == 664
    ring = {R: 2 * (R - 1) / R * ns["buffer_bytes"] for R in (2, 64)}
    assert round(ring[64] / 2**20, 1) == 1.3 and ring[2] == ns["buffer_bytes"]  # "tends to ... 1.3 MiB"
    assert 1.0 < 1e3 * ring[64] / ns["link"] < 1.1                             # "about 1 ms of bandwidth"
