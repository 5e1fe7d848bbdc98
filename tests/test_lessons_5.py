"""Lesson 13 (docs/lessons/13-neurons-that-change.md): every cell runs, and the numbers the prose states hold.

The page runs in one namespace (matplotlib's Agg backend, warnings as errors) with the runner of
tests/test_lessons_2.py; the values the prose gives are then checked here, each against the
library's own functions or a recomputation, so a page that goes stale fails before the docs
build shows wrong text.
"""

from __future__ import annotations

import numpy as np
import pytest

from ._lessons import run_on_one_blas_thread

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def ns() -> dict:
    return run_on_one_blas_thread("13-neurons-that-change.md")


def test_lesson_13_runs_within_its_budget(ns):
    assert ns["_cpu_seconds"] < 30
    assert len(ns["train"]) == 1200 and len(ns["test"]) == 597 and not set(ns["train"]) & set(ns["test"])


# ------------------------------------------------------------------ 1. adaptive and dynamic activations
def test_swish_beta_gradient_by_hand_equals_the_engine(ns):
    z, beta = 1.5, 1.0
    s = 1 / (1 + np.exp(-beta * z))
    assert ns["by_hand"] == pytest.approx((z * s, z * z * s * (1 - s)), abs=1e-15)
    assert float(ns["out"].data[0]) == pytest.approx(ns["by_hand"][0], abs=1e-12)
    assert float(ns["swish"].beta.grad[0]) == pytest.approx(ns["by_hand"][1], abs=1e-12)
    # and against a central finite difference in β
    h = 1e-6
    f = lambda b: z / (1 + np.exp(-b * z))  # noqa: E731
    assert (f(beta + h) - f(beta - h)) / (2 * h) == pytest.approx(ns["by_hand"][1], abs=1e-8)


def test_one_neuron_learns_its_beta(ns):
    assert ns["start"][1] == 1.0                                              # "starts at the usual β = 1"
    assert abs(ns["w_learnt"] - 1) < 0.01 and abs(ns["b_learnt"]) < 0.01       # "the weight goes to 1"
    assert round(ns["beta_learnt"], 1) == 3.7 and ns["beta_learnt"] < 4       # "climbs from 1 to 3.7 … the 4"
    assert ns["one"][0].activation.describe_neuron(0) == f"swish β={ns['beta_learnt']:.3g}"
    assert ns["history"]["loss"][-1] < 1e-4


def test_dynamic_neurons_drift_as_the_prose_says(ns):
    dyn, timeline = ns["dyn"], ns["timeline"]
    assert round(ns["dyn_history"]["accuracy"][-1], 2) == 0.98
    # 200 moons in batches of 32: 7 steps an epoch, 280 in 40 epochs, a sample every 5 steps
    assert timeline.steps == list(range(0, 281, 5)) and len(timeline.steps) == 57
    logits = np.asarray(ns["dyn_history"].activation_timeline["parameters"]["hidden1.activation.logits"][-1])
    assert np.allclose(logits, dyn["hidden1"].activation.logits.data, atol=1e-6)  # the last sample: the final logits
    mixture = ns["mixture"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    assert np.allclose(mixture, e / e.sum(axis=1, keepdims=True), atol=1e-6) and np.allclose(mixture.sum(axis=1), 1)
    assert ns["dominant"] == ["blend", "tanh", "tanh", "relu", "relu", "identity", "identity", "blend"]
    basis = ns["basis"]
    percent = lambda i, name: round(100 * mixture[i, basis.index(name)])  # noqa: E731
    assert (percent(1, "tanh"), percent(2, "tanh")) == (99, 91)                # "tanh (99 % and 91 %)"
    assert (percent(3, "relu"), percent(4, "relu")) == (72, 90)                # "mostly ReLU (72 % and 90 %)"
    assert (percent(5, "identity"), percent(6, "identity")) == (86, 93)        # "identity (86 % and 93 %)"
    note = ns["summary"].notes()[0]
    assert "[1] dynamic: 99% tanh" in note and "[5] dynamic: 86% identity" in note
    card = str(dyn["hidden1"].neurons[1].explain(ns["moons"].X[0]))
    assert "(learnt: dynamic: 99% tanh)" in card


# ------------------------------------------------------------------ 2. sparse neurons
def test_kwta_by_hand(ns):
    assert sorted(ns["keep"].tolist()) == [2, 4]
    assert np.array_equal(ns["by_hand_kwta"], [0, 0, 2.0, 0, 1.5, 0])
    assert np.array_equal(ns["layer_kwta"], ns["by_hand_kwta"])


def test_sparsity_statistics_and_the_multiply_adds_skipped(ns):
    runs = ns["sparse_runs"]
    plain, kwta, l1 = (runs[s] for s in ["dense(64,relu),dense(out)", "dense(64,relu),kwta(8),dense(out)",
                                         "dense(64,relu),activity_l1(0.01),dense(out)"])
    X, test = ns["X"], ns["test"]
    # the plain layer's active share, recomputed from its weights: relu(x W^T + b) != 0
    layer = plain[2]["hidden1"]
    active = (np.maximum(X[test] @ layer.weight.data.T + layer.bias.data, 0) != 0).mean()
    assert plain[1].active_share == pytest.approx(active, abs=1e-9)
    assert round(plain[1].active_share, 2) == 0.57                             # "57 % … (43 % silent)"
    assert plain[1].skipped_macs == pytest.approx((1 - active) * 64 * 10, rel=1e-9)
    assert kwta[1].active_share == kwta[1].min_share == kwta[1].max_share == 0.125   # "exactly 12.5 %"
    assert kwta[1].skipped_macs == 560 and kwta[1].dense_macs == 640          # "560 of the 640"
    assert round(l1[1].active_share, 2) == 0.16 and l1[1].min_share < l1[1].max_share   # "16 %", uneven
    assert [round(r[0], 3) for r in (plain, kwta, l1)] == [0.980, 0.970, 0.982]   # "97.0 % against 98.0 %", 98.2 %


# ------------------------------------------------------------------ 3. Mixture of Experts
def test_top_k_gating_by_hand(ns):
    moe, x = ns["moe"], ns["x"]
    assert np.allclose(ns["H"], moe.gate.infer(x))
    assert ns["top"].tolist() == [1, 2] and ns["experts_chosen"][0].tolist() == [1, 2]
    assert np.round(ns["g"], 3).tolist() == [0.549, 0.451]                     # "weights 0.549 and 0.451"
    assert np.allclose(ns["g"], ns["gates"][0], atol=1e-12)
    assert np.allclose(ns["y_by_hand"], moe.eval()(x).data, atol=1e-12)


def test_load_balancing_loss_by_its_formula(ns):
    assert ns["balance_by_hand"] == pytest.approx(ns["from_layer"], rel=1e-9)
    f, P = ns["f"], ns["P"]
    assert f.sum() == pytest.approx(1) and P.sum() == pytest.approx(1)
    assert 0.01 <= ns["from_layer"] <= 0.04                                    # between α and α·E


def test_moe_on_digits_and_its_routing(ns):
    assert round(ns["dense_accuracy"], 3) == 0.985 and round(ns["moe_accuracy"], 3) == 0.982
    assert ns["dense_accuracy"] - ns["moe_accuracy"] < 0.005                   # "within half a point"
    routes = ns["routes"]
    counts = np.bincount(routes.experts.ravel(), minlength=4) / routes.experts.size
    assert np.allclose(routes.load, counts)
    assert (round(routes.load.min(), 2), round(routes.load.max(), 2)) == (0.18, 0.30)   # "from 18 % to 30 %"
    assert np.allclose(routes.class_load.sum(axis=1), 1)
    assert routes.class_load.argmax(axis=0).tolist() == [4, 0, 7, 3]           # the 4s, 0s, 7s, 3s
    assert all(0.485 <= routes.class_load[d, e] <= 0.5 for e, d in enumerate([4, 0, 7, 3]))   # "at 49-50 %"
    assert routes.class_load[0, 2] == 0.0                                      # "no 0 goes to expert 2"


# ------------------------------------------------------------------ 4. continual learning
def test_split_digits_fine_tuning_forgets_and_ewc_keeps(ns):
    naive, ewc = ns["naive"], ns["ewc"]
    assert np.round(naive.accuracy, 3).tolist() == [[0.978, 0.119], [0.919, 0.967]]
    assert round(naive.average_forgetting, 3) == 0.059                         # "5.9 points forgotten"
    assert np.round(ewc.accuracy[-1], 3).tolist() == [0.978, 0.948]
    assert ewc.average_forgetting == 0.0
    # the matrix is the library's accuracy on each task: the last network (EWC's) recomputed
    continual, tasks, net = ns["continual"], ns["tasks"], ns["net"]
    for j, task in enumerate(tasks):
        assert continual.accuracy_on(continual.TaskHead(net, task.head, 5), task) == ewc.accuracy[-1, j]


def test_the_ewc_penalty_of_one_weight_by_hand(ns):
    # the weight is float32: the nudge of 0.1 lands on 0.1 to float32 rounding (relative 1e-7 of the weight)
    assert ns["penalty_by_hand"] == pytest.approx(ns["spring"].value(), rel=1e-5)
    F = ns["F"]
    assert F[ns["i"], ns["j"]] == F.max() > 0
    assert round(float(np.mean(F < 0.01 * F.max())), 2) == 0.44               # "44 %"


def test_which_neurons_changed(ns):
    moved, important = ns["moved"], ns["important"]
    assert np.array_equal(important, np.argsort(-ns["naive"].importance[0]["hidden1"])[:10])
    means = {label: (round(c[important].mean(), 3), round(np.delete(c, important).mean(), 3))
             for label, c in moved.items()}
    assert means == {"fine-tuning": (0.516, 0.428), "EWC": (0.225, 0.292)}


def test_permuted_and_class_incremental(ns):
    permuted = ns["permuted_results"]
    assert round(permuted["naive"].accuracy[0, 0], 3) == 0.946                 # "falls from 94.6 %"
    assert np.round(permuted["naive"].accuracy[-1], 3).tolist() == [0.592, 0.942]
    assert np.round(permuted["ewc"].accuracy[-1], 3).tolist() == [0.904, 0.894]
    ci = ns["class_incremental"]
    assert ci["naive"].accuracy[-1, 0] == 0.0 and round(ci["naive"].accuracy[-1, 1], 3) == 0.944
    assert np.round(ci["ewc"].accuracy[-1], 3).tolist() == [0.748, 0.822]


# ------------------------------------------------------------------ 5. federated averaging
def test_fedavg_by_hand(ns):
    for key, value in {"w": [2.0, 1.0], "b": [1.0]}.items():
        assert np.allclose(ns["by_hand_mean"][key], value) and np.allclose(ns["library_mean"][key], value)


def test_iid_against_by_class_clients(ns):
    federated = ns["federated"]
    iid_clients, iid = federated["iid"]
    class_clients, by_class = federated["by_class"]
    assert [len(c) for c in iid_clients] == [120] * 10
    assert sum(len(c) for c in class_clients) == 1200 and all(len(c.classes) == 2 for c in class_clients)
    assert all(len(chosen) == 5 for chosen in iid["clients"])                 # "half the clients (5 of 10)"
    assert len(iid) == len(by_class) == 15
    assert round(iid["val_accuracy"][0], 3) == 0.404 and round(iid["val_accuracy"][-1], 3) == 0.948
    assert round(by_class["val_accuracy"][0], 3) == 0.203 and round(by_class["val_accuracy"][-1], 3) == 0.524
    assert round(ns["central_history"]["val_accuracy"][-1], 3) == 0.961
    # the history's last row is the returned global model (the last run: by class) on the test images
    evaluate, X, y, test = ns["evaluate"], ns["X"], ns["y"], ns["test"]
    assert evaluate(ns["model"], X[test], y[test])["accuracy"] == pytest.approx(by_class["val_accuracy"][-1])
