"""Federated averaging (issue 16 item 5): splits, FedAvg against plain fit and hand-worked averages, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import DataError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.federated import (
    Client,
    FederatedHistory,
    average_states,
    client_seed,
    copy_model,
    fedavg,
    split_clients,
)


def _blobs(n: int = 240, classes: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, 5))
    y = rng.integers(0, classes, size=n)
    X = (centres[y] + rng.normal(size=(n, 5))).astype(np.float32)
    return X, y


def _linear_neuron() -> nk.Sequential:
    net = nk.mlp([1, 1], seed=0)
    net["output"].weight.data[:] = 0.0
    net["output"].bias.data[:] = 0.0
    return net


def _partition(clients: list[Client], n: int) -> np.ndarray:
    every = np.concatenate([c.indices for c in clients])
    assert sorted(every.tolist()) == list(range(n))  # each row in exactly one client
    return every


# ----------------------------------------------------------------------------- splits
def test_iid_split_partitions_the_rows_with_sizes_differing_by_at_most_one():
    X, y = _blobs(103)
    clients = split_clients(X, y, 5, how="iid", seed=3)
    _partition(clients, 103)
    assert sorted(len(c) for c in clients) == [20, 20, 21, 21, 21]
    for c in clients:
        np.testing.assert_array_equal(c.X, X[c.indices])
        np.testing.assert_array_equal(c.y, y[c.indices])


def test_by_class_split_gives_each_client_only_its_classes():
    X, y = _blobs(400, classes=4)
    clients = split_clients(X, y, 4, how="by_class", seed=0)
    _partition(clients, 400)
    assert [c.classes.tolist() for c in clients] == [[0], [1], [2], [3]]
    # two classes each, cyclic: client k holds classes k and k+1 (mod 4); each class shared by two clients
    clients = split_clients(X, y, 4, how="by_class", classes_per_client=2, seed=0)
    _partition(clients, 400)
    assert [c.classes.tolist() for c in clients] == [[0, 1], [1, 2], [2, 3], [0, 3]]
    for label in range(4):
        counts = [int((c.y == label).sum()) for c in clients if label in c.classes]
        assert len(counts) == 2 and abs(counts[0] - counts[1]) <= 1 and sum(counts) == int((y == label).sum())
    # fewer clients than classes: the least number of classes that covers them all (10 classes, 3 clients: 4 each)
    y10 = np.arange(200) % 10
    clients = split_clients(np.zeros((200, 2)), y10, 3, how="by_class", seed=0)
    assert [c.classes.tolist() for c in clients] == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


def test_dirichlet_split_is_skewed_for_small_alpha_and_near_iid_for_large():
    X, y = _blobs(2000, classes=4)
    share = np.bincount(y, minlength=4) / len(y)

    def skew(alpha: float) -> float:  # mean total-variation distance of a client's class mix from the whole's
        clients = split_clients(X, y, 5, how="dirichlet", alpha=alpha, seed=1)
        _partition(clients, 2000)
        assert all(len(c) > 0 for c in clients)
        return float(np.mean([0.5 * np.abs(np.bincount(c.y, minlength=4) / len(c) - share).sum() for c in clients]))

    assert skew(0.1) > 0.3
    assert skew(1000.0) < 0.05


def test_splits_are_determined_by_the_seed():
    X, y = _blobs()
    for how in ("iid", "by_class", "dirichlet"):  # by_class: two classes each, so a class is shared at random
        a, b, c = (split_clients(X, y, 4, how=how, classes_per_client=2, seed=s) for s in (5, 5, 6))
        assert all(np.array_equal(p.indices, q.indices) for p, q in zip(a, b, strict=True))
        assert not all(np.array_equal(p.indices, q.indices) for p, q in zip(a, c, strict=True))


# ----------------------------------------------------------------------------- FedAvg against fit and by hand
def test_one_round_with_one_client_equals_plain_fit():
    X, y = _blobs(90)
    net = nk.mlp([5, 8, 4], activation="tanh", output="softmax", seed=2)
    glob, history = fedavg(net, [(X, y)], rounds=1, local_epochs=3, batch_size=16, lr=0.05, optimizer="adam", seed=4)
    plain = copy_model(net)
    fit_history = nk.fit(plain, X, y, epochs=3, batch_size=16, lr=0.05, optimizer="adam", seed=4, progress=False)
    for key, value in plain.state_dict().items():
        np.testing.assert_array_equal(glob.state_dict()[key], value)
    assert history["client_loss"] == [fit_history.history["loss"][-1]]
    assert history["seeds"] == [[4]] and history["divergence"] == [0.0]
    # the model given is not changed
    np.testing.assert_array_equal(net["output"].weight.data, nk.mlp([5, 8, 4], activation="tanh",
                                                                     output="softmax", seed=2)["output"].weight.data)


def test_two_equal_clients_average_to_the_mean_of_their_local_models_by_hand():
    # one linear neuron from w = b = 0, MSE, one full-batch SGD step with lr 0.1:
    # client A (x=1, y=1): dL/dw = 2(0 - 1)·1 = -2, dL/db = -2      -> w = 0.2, b = 0.2
    # client B (x=2, y=4): dL/dw = 2(0 - 4)·2 = -16, dL/db = -8     -> w = 1.6, b = 0.8
    clients = [(np.array([[1.0]]), np.array([1.0])), (np.array([[2.0]]), np.array([4.0]))]
    glob, history = fedavg(_linear_neuron(), clients, rounds=1, lr=0.1)
    assert glob["output"].weight.data[0, 0] == pytest.approx(0.9, abs=1e-6)
    assert glob["output"].bias.data[0] == pytest.approx(0.5, abs=1e-6)
    # each local model is sqrt(0.7² + 0.3²) from the average (0.9, 0.5), whose length is sqrt(0.9² + 0.5²)
    assert history["divergence"][0] == pytest.approx(math.sqrt(0.58 / 1.06), rel=1e-5)
    # after the round the global model predicts 0.9x + 0.5: squared errors (1.4 - 1)² and (2.3 - 4)², by size
    assert history["loss"][0] == pytest.approx((0.4**2 + 1.7**2) / 2, rel=1e-5)


def test_two_equal_clients_average_equals_the_mean_of_separate_fits():
    X, y = _blobs(120)
    clients = split_clients(X, y, 2, seed=0)
    net = nk.mlp([5, 6, 4], output="softmax", seed=1)
    glob, history = fedavg(net, clients, rounds=1, local_epochs=2, batch_size=10, lr=0.1, seed=9)
    locals_ = []
    for k, c in enumerate(clients):
        local = copy_model(net)
        nk.fit(local, c.X, c.y, epochs=2, batch_size=10, lr=0.1, optimizer="sgd", seed=client_seed(9, 0, k, 2),
               progress=False)
        locals_.append(local.state_dict())
    assert history["sizes"] == [[60, 60]] and history["seeds"] == [[9, 10]]
    for key, value in glob.state_dict().items():
        np.testing.assert_allclose(value, (locals_[0][key].astype(np.float64) + locals_[1][key]) / 2, rtol=1e-6,
                                   atol=1e-7)


def test_clients_are_weighted_by_their_size():
    # client B holds its sample twice: its full-batch step is the same (the loss averages over the batch),
    # its weight doubles: w = (0.2·1 + 1.6·2) / 3, b = (0.2·1 + 0.8·2) / 3
    a = (np.array([[1.0]]), np.array([1.0]))
    b = (np.array([[2.0], [2.0]]), np.array([4.0, 4.0]))
    glob, history = fedavg(_linear_neuron(), [a, b], rounds=1, lr=0.1, batch_size=2)
    assert history["sizes"] == [[1, 2]]
    assert glob["output"].weight.data[0, 0] == pytest.approx(3.4 / 3, abs=1e-6)
    assert glob["output"].bias.data[0] == pytest.approx(1.8 / 3, abs=1e-6)
    plain, _ = fedavg(_linear_neuron(), [a, b], rounds=1, lr=0.1, batch_size=2, weighted=False)
    assert plain["output"].weight.data[0, 0] == pytest.approx(0.9, abs=1e-6)
    assert plain["output"].bias.data[0] == pytest.approx(0.5, abs=1e-6)


def test_client_sampling_chooses_floor_of_c_times_k_clients_and_runs_are_determined_by_the_seed():
    X, y = _blobs(200)
    clients = split_clients(X, y, 10, seed=0)

    def run(seed: int):
        return fedavg(lambda: nk.mlp([5, 4], output="softmax", seed=0), clients, rounds=3, fraction=0.35,
                      lr=0.1, batch_size=10, seed=seed)

    (g1, h1), (g2, h2), (g3, h3) = run(0), run(0), run(1)
    assert not np.array_equal(g3["output"].weight.data, g1["output"].weight.data)
    assert [len(c) for c in h1["clients"]] == [3, 3, 3]
    assert all(len(set(c)) == 3 and all(0 <= i < 10 for i in c) for c in h1["clients"])
    assert h1.to_dict() == h2.to_dict()
    for key, value in g1.state_dict().items():
        np.testing.assert_array_equal(g2.state_dict()[key], value)
    assert h3["clients"] != h1["clients"]
    expected = [np.sort(np.random.default_rng([0, r]).choice(10, size=3, replace=False)).tolist() for r in range(3)]
    assert h1["clients"] == expected
    assert h1["seeds"][2] == [client_seed(0, 2, c, 10) for c in expected[2]]


def test_history_reports_validation_and_client_evaluation_of_the_global_model():
    X, y = _blobs(300)
    train, test = nk.data.split_indices(300, 0.2, labels=y, seed=0)
    clients = split_clients(X[train], y[train], 4, seed=0)
    glob, history = fedavg(nk.mlp([5, 8, 4], output="softmax", seed=0), clients, rounds=4, lr=0.05,
                           optimizer="adam", validation_data=(X[test], y[test]), seed=0)
    assert history["round"] == [1, 2, 3, 4] and len(history) == 4
    final = nk.training.evaluate(glob, X[test], y[test])
    assert history["val_accuracy"][-1] == pytest.approx(final["accuracy"])
    assert history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-6)
    pooled = nk.training.evaluate(glob, X[train], y[train])
    assert history["accuracy"][-1] == pytest.approx(pooled["accuracy"])
    assert history["loss"][-1] == pytest.approx(pooled["loss"], rel=1e-5)
    assert history["val_accuracy"][-1] > 0.9  # well-separated blobs
    assert history["loss"][-1] < history["loss"][0]
    assert repr(history) == "FederatedHistory(4 rounds)"
    with pytest.raises(ParameterError, match="no column 'auc'"):
        history["auc"]


def test_average_states_weights_and_keeps_dtypes():
    states = [{"w": np.array([1.0, 2.0], dtype=np.float32), "n": np.array(3)},
              {"w": np.array([3.0, 6.0], dtype=np.float32), "n": np.array(5)}]
    out = average_states(states, [3, 1])
    np.testing.assert_allclose(out["w"], [1.5, 3.0])
    assert out["w"].dtype == np.float32 and int(out["n"]) == 3
    np.testing.assert_allclose(average_states(states)["w"], [2.0, 4.0])
    with pytest.raises(ParameterError, match="one number >= 0 per state"):
        average_states(states, [1.0])
    with pytest.raises(ParameterError, match="at least one state"):
        average_states([])


def test_history_to_dict_is_plain_json():
    import json

    h = FederatedHistory([{"round": 1, "sizes": [np.int64(3)], "loss": np.float32(0.5), "a": np.arange(2)}])
    assert json.loads(json.dumps(h.to_dict())) == {"rounds": [{"round": 1, "sizes": [3], "loss": 0.5, "a": [0, 1]}]}


# ----------------------------------------------------------------------------- bad inputs
def test_bad_split_inputs_are_refused():
    X, y = _blobs(20)
    with pytest.raises(ParameterError, match=r"n_clients \(21\) is more than the 20 samples"):
        split_clients(X, y, 21)
    with pytest.raises(ParameterError, match="n_clients must be an integer >= 1; got 0"):
        split_clients(X, y, 0)
    with pytest.raises(ParameterError, match="X has 20 samples but y has 19|19"):
        split_clients(X, y[:19], 2)
    with pytest.raises(ParameterError, match="how must be one of 'iid', 'by_class', 'dirichlet'; got 'random'"):
        split_clients(X, y, 2, how="random")
    with pytest.raises(ParameterError, match="alpha must be a finite number > 0; got 0"):
        split_clients(X, y, 2, how="dirichlet", alpha=0)
    with pytest.raises(ParameterError, match="classes_per_client=1 leaves some of the 4 classes without a client"):
        split_clients(X, y, 2, how="by_class", classes_per_client=1)
    with pytest.raises(DataError, match="needs y as one class label per sample"):
        split_clients(X, y.astype(np.float64) + 0.5, 2, how="by_class")
    with pytest.raises(ShapeError, match="X must be"):
        split_clients(np.arange(4.0), np.arange(4), 2)
    # 4 clients share each of 2 classes of 2 samples: two of them would be empty
    with pytest.raises(DataError, match=r"leaves clients \[2, 3\] without samples"):
        split_clients(np.zeros((4, 2)), np.array([0, 0, 1, 1]), 4, how="by_class", classes_per_client=2)
    # almost all of a class goes to one client: with 2 classes, 3 of the 5 clients stay empty in every draw
    with pytest.raises(DataError, match="left a client without samples in 100 draws; use a larger alpha"):
        split_clients(np.zeros((6, 2)), np.array([0, 0, 0, 1, 1, 1]), 5, how="dirichlet", alpha=1e-3)


def test_bad_fedavg_inputs_are_refused():
    X, y = _blobs(40)
    net = nk.mlp([5, 4], output="softmax", seed=0)
    clients = split_clients(X, y, 2, seed=0)
    with pytest.raises(DataError, match=r"clients\[1\] is empty"):
        fedavg(net, [clients[0], (X[:0], y[:0])])
    for fraction in (0, 1.5, -0.1):
        with pytest.raises(ParameterError, match="fraction must be a finite number in \\(0, 1\\]"):
            fedavg(net, clients, fraction=fraction)
    with pytest.raises(ParameterError, match="rounds must be an integer >= 1; got 0"):
        fedavg(net, clients, rounds=0)
    with pytest.raises(ParameterError, match="local_epochs must be an integer >= 1"):
        fedavg(net, clients, local_epochs=0)
    with pytest.raises(ParameterError, match="lr must be a finite number > 0"):
        fedavg(net, clients, lr=-1.0)
    with pytest.raises(ShapeError, match=r"clients\[1\]"):  # 3 features where the model takes 5
        fedavg(net, [clients[0], (X[:5, :3], y[:5])])
    with pytest.raises(ParameterError, match=r"clients\[0\]"):  # X and y of different lengths
        fedavg(net, [(X[:5], y[:4])])
    with pytest.raises(ParameterError, match="non-empty list of Client"):
        fedavg(net, [])
    with pytest.raises(ParameterTypeError, match=r"clients\[0\] must be a Client or an \(X, y\) pair"):
        fedavg(net, [X])
    with pytest.raises(ParameterTypeError, match="model must be a neuronkit Module"):
        fedavg("mlp", clients)
    with pytest.raises(ParameterTypeError, match=r"model\(\) must return a neuronkit Module"):
        fedavg(lambda: 3, clients)
    with pytest.raises(ParameterError, match="validation_data must be"):
        fedavg(net, clients, validation_data=(X,))


# ----------------------------------------------------------------------------- accuracy (small version of the bench)
def test_on_digits_iid_fedavg_is_close_to_centralised_training_and_by_class_is_worse():
    # bench_federated.py at reduced size: one split, 30 epochs against 30 rounds of 5 of 10 clients x 2 local epochs
    ds = nk.datasets.load("digits")
    X, y = (ds.X / np.float32(16)).astype(np.float32), ds.y
    train, test = nk.data.split_indices(len(y), 0.2, labels=y, seed=0)
    start = nk.mlp([64, 64, 10], output="softmax", seed=0)
    central = copy_model(start)
    nk.fit(central, X[train], y[train], epochs=30, batch_size=32, optimizer="sgd", lr=0.1, seed=0, progress=False)
    central_accuracy = nk.training.evaluate(central, X[test], y[test])["accuracy"]
    runs = {}
    for how, options in (("iid", {}), ("by_class", {"classes_per_client": 2})):
        clients = split_clients(X[train], y[train], 10, how=how, seed=0, **options)
        runs[how] = fedavg(start, clients, rounds=30, fraction=0.5, local_epochs=2, batch_size=32, lr=0.1,
                           validation_data=(X[test], y[test]), seed=0)[1]
    assert central_accuracy > 0.95
    assert runs["iid"]["val_accuracy"][-1] >= central_accuracy - 0.03
    assert runs["by_class"]["val_accuracy"][-1] <= runs["iid"]["val_accuracy"][-1] - 0.03
    # clients with different classes pull their local models further apart
    assert np.mean(runs["by_class"]["divergence"]) > 2 * np.mean(runs["iid"]["divergence"])
