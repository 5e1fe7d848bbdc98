"""nk.tune and ``neuronkit tune``: an Optuna study with pruning, a health penalty and shared storage."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest

import neuronkit as nk
from neuronkit.cli import main
from neuronkit.errors import ParameterError, ParameterTypeError, UnknownNameError
from neuronkit.tuning import SearchSpace, health_share, open_storage

SRC = Path(nk.__file__).resolve().parent.parent

# moons: a wide relu layer at lr 0.1 scores best on the validation part but loses 13 of its 32 neurons;
# the same network with tanh scores a little lower with every neuron healthy
RANKING_SPACE = {"layers": 1, "units": 32, "lr": 0.1, "optimizer": "adam", "batch_size": 16, "l2": 0.0,
                 "dropout": 0.0, "activation": ["relu", "tanh"]}


def moons():
    data = nk.datasets.load("moons", n=200, seed=0)
    return data.X, data.y


def test_seeded_single_worker_study_repeats():
    runs = [nk.tune(nk.datasets.load("iris"), trials=4, epochs=4, seed=3) for _ in range(2)]
    assert runs[0].best_params == runs[1].best_params
    assert [(r["value"], r["state"], r["units"]) for r in runs[0].trials] == \
        [(r["value"], r["state"], r["units"]) for r in runs[1].trials]
    other = nk.tune(nk.datasets.load("iris"), trials=4, epochs=4, seed=4)
    assert [r["lr"] for r in other.trials] != [r["lr"] for r in runs[0].trials]


def test_best_model_is_the_best_trials_model():
    result = nk.tune(nk.datasets.load("iris"), trials=3, epochs=5, seed=0, health_weight=0.5)
    X_val, y_val = result.split["validation"]
    assert result.best_model.score(X_val, y_val) == result.best_score
    share, _, _ = health_share(result.best_model, X_val)
    assert share == result.best_unhealthy
    assert result.best_value == pytest.approx(result.best_score - 0.5 * result.best_unhealthy)
    complete = [r for r in result.trials if r["state"] == "COMPLETE"]
    assert result.best_value == max(r["value"] for r in complete)
    assert result.best_model.hidden_layer_sizes == result.best_params["units"]
    assert len(result.split["train"][0]) + len(X_val) == 150 and len(X_val) == 30


def test_health_penalty_changes_the_ranking():
    X, y = moons()
    results = {}
    for weight in (0.0, 1.0):
        sampler = optuna.samplers.GridSampler({"activation": ["relu", "tanh"]}, seed=0)
        results[weight] = nk.tune((X, y), space=RANKING_SPACE, trials=2, epochs=20, seed=0, health_weight=weight,
                                  sampler=sampler)
    rows = {r["activation"]: r for r in results[1.0].trials}
    relu, tanh = rows["relu"], rows["tanh"]
    # the constructed case: relu scores higher, with more dead neurons
    assert relu["score"] > tanh["score"] and relu["unhealthy"] > tanh["unhealthy"]
    assert relu["dead"] > 0 and relu["unhealthy"] == relu["dead"] / 32
    for row in (relu, tanh):
        assert row["value"] == pytest.approx(row["score"] - 1.0 * row["unhealthy"])
    assert results[0.0].best_params["activation"] == "relu"
    assert results[1.0].best_params["activation"] == "tanh"


def test_a_bad_trial_is_pruned(tmp_path):
    storage = str(tmp_path / "study.log")
    study = optuna.create_study(storage=open_storage(storage), study_name="p", direction="maximize")
    good = {"activation": "tanh", "lr": 0.05, "optimizer": "adam"}
    for _ in range(3):
        study.enqueue_trial(good)
    study.enqueue_trial({"activation": "tanh", "lr": 1e-5, "optimizer": "sgd"})  # learns nothing in 10 epochs
    space = {"layers": 1, "units": 16, "batch_size": 16, "l2": 0.0, "dropout": 0.0, "activation": ["relu", "tanh"],
             "lr": {"low": 1e-5, "high": 0.1}, "optimizer": ["adam", "sgd"]}
    result = nk.tune(nk.datasets.load("iris"), space=space, trials=4, epochs=10, seed=0, storage=storage,
                     study_name="p")
    rows = sorted(result.trials, key=lambda r: r["number"])
    assert [r["state"] for r in rows] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED"]
    bad = rows[3]
    assert bad["lr"] == 1e-5 and 2 <= bad["epochs"] < 10 and bad["note"] == f"pruned after epoch {bad['epochs']}"
    median = np.median([result.study.trials[i].intermediate_values[bad["epochs"]] for i in range(3)])
    assert bad["score"] < median
    assert "PRUNED" in result.table() and "pruned after epoch" in result.table()


def test_two_worker_processes_share_one_sqlite_study(tmp_path):
    db = tmp_path / "x.db"
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "error"}
    command = [sys.executable, "-m", "neuronkit", "tune", "iris", "--storage", f"sqlite:///{db}", "--study-name",
               "s", "--trials", "3", "--epochs", "3"]
    workers = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{db}")
    trials = study.get_trials()
    assert len(trials) == 6 and sorted(t.number for t in trials) == list(range(6))
    # every trial ran to an end; an unseeded search may draw a diverging configuration: a FAIL that says why
    assert all(t.state.name in ("COMPLETE", "PRUNED") or (t.state.name == "FAIL" and t.user_attrs.get("note"))
               for t in trials), [(t.state.name, t.user_attrs.get("note")) for t in trials]
    assert any(t.state.name == "COMPLETE" for t in trials)
    # both workers ran trials in the one study: the table of the worker that finished last lists all six
    assert max(out.count("\n") for out, _ in outputs) >= 6
    assert study.user_attrs["neuronkit"]["task"] == "classification"


def test_a_worker_with_other_settings_is_refused(tmp_path):
    storage = str(tmp_path / "study.log")
    space = {"layers": 1, "units": 4}
    nk.tune(nk.datasets.load("iris"), space=space, trials=1, epochs=2, storage=storage, study_name="a")
    with pytest.raises(ParameterError, match=r"started with other settings.*epochs 2 \(here 3\)"):
        nk.tune(nk.datasets.load("iris"), space=space, trials=1, epochs=3, storage=storage, study_name="a")
    with pytest.raises(ParameterError, match="direction='minimize'"):
        nk.tune(nk.datasets.load("iris"), space=space, trials=1, epochs=2, storage=storage, study_name="a",
                direction="minimize")


def test_minimize_scores_the_validation_loss():
    result = nk.tune(nk.datasets.load("iris"), space={"layers": 1, "units": 8}, trials=2, epochs=3, seed=0,
                     direction="minimize", health_weight=0.0)
    X_val, y_val = result.split["validation"]
    proba = result.best_model.predict_proba(X_val)
    log_loss = -np.mean(np.log(proba[np.arange(len(y_val)), y_val]))
    assert result.best_score == pytest.approx(log_loss) and result.best_value == min(
        r["value"] for r in result.trials if r["state"] == "COMPLETE")


def test_regression_is_scored_by_r2():
    result = nk.tune("diabetes", trials=2, epochs=4, seed=0, space={"layers": 1, "units": 8, "lr": 0.01})
    assert result.task == "regression" and isinstance(result.best_model, nk.NeuralRegressor)
    X_val, y_val = result.split["validation"]
    prediction = result.best_model.predict(X_val)
    r2 = 1 - np.sum((y_val - prediction) ** 2) / np.sum((y_val - y_val.mean()) ** 2)
    assert result.best_score == pytest.approx(r2, rel=1e-6)


def test_a_diverging_trial_fails_and_the_search_goes_on():
    space = {"layers": 2, "units": 64, "lr": [10.0, 0.01], "optimizer": "sgd", "activation": "relu"}
    result = nk.tune("iris", trials=3, epochs=5, seed=0, space=space)
    states = {r["lr"]: r["state"] for r in result.trials}
    assert states == {10.0: "FAIL", 0.01: "COMPLETE"}
    failed = next(r for r in result.trials if r["state"] == "FAIL")
    assert failed["note"].startswith("training diverged at epoch") and "FAIL" in result.table()
    assert result.best_params["lr"] == 0.01


def test_threads_of_one_process_share_the_study():
    result = nk.tune("iris", trials=4, epochs=3, seed=0, n_jobs=2, space={"layers": 1, "units": 8})
    assert sorted(r["number"] for r in result.trials) == [0, 1, 2, 3]
    assert all(r["state"] in ("COMPLETE", "PRUNED") for r in result.trials)


def test_search_space_forms():
    space = SearchSpace({"lr": (0.001, 0.1), "units": {"low": 8, "high": 8}, "dropout": {"low": 0.0, "high": 0.3},
                         "batch_size": [32], "activation": ("relu", "swish"), "l2": {"low": 1e-5, "high": 1e-3,
                                                                                     "log": False}})
    assert space.entries["lr"] == ("range", 0.001, 0.1, True)
    assert space.entries["units"] == ("fixed", 8) and space.entries["batch_size"] == ("fixed", 32)
    assert space.entries["dropout"] == ("range", 0.0, 0.3, False)
    assert space.entries["activation"] == ("choice", ("relu", "swish"))
    assert space.entries["l2"] == ("range", 1e-5, 1e-3, False)
    assert SearchSpace(space.to_dict()).entries == space.entries
    config = space.suggest(optuna.trial.FixedTrial({"layers": 3, "units_1": 8, "lr": 0.01, "dropout": 0.1,
                                                    "activation": "swish", "l2": 1e-4, "optimizer": "sgd"}))
    assert config["units"] == (8, 8, 8) and config["activation"] == "swish" and config["optimizer"] == "sgd"


@pytest.mark.parametrize("space, error, message", [
    ({"learning_rate": 0.1}, UnknownNameError, "unknown search-space parameter 'learning_rate'; valid names are: "
                                               "layers, units, activation, lr, batch_size, l2, dropout, optimizer"),
    ({"dropuot": 0.1}, UnknownNameError, "did you mean 'dropout'"),
    ({"lr": {"low": 0.1, "high": 0.01}}, ParameterError, "low 0.1 is above its high 0.01"),
    ({"l2": (0.0, 0.01)}, ParameterError, "log-scale range needs low > 0"),
    ({"lr": -1}, ParameterError, "tune space lr must be a finite number in \\(0, 10\\]; got -1"),
    ({"activation": "relux"}, UnknownNameError, "did you mean 'relu'"),
    ({"activation": "softmax"}, ParameterError, "a hidden activation"),
    ({"activation": {"low": 1, "high": 2}}, ParameterError, "it has no range"),
    ({"optimizer": ["adam", "lbfgs"]}, ParameterError, "optimizer must be one of"),
    ({"layers": []}, ParameterError, "a non-empty list of choices"),
    ({"lr": {"min": 0.1, "high": 1}}, ParameterError, r"a range \{'low': L, 'high': H\}"),
    ({"dropout": 1.0}, ParameterError, "dropout must be a finite number in \\[0, 1\\); got 1.0"),
    ([("lr", 0.1)], ParameterTypeError, "space must be a dict"),
])
def test_bad_search_spaces_are_refused(space, error, message):
    with pytest.raises(error, match=message):
        nk.tune(nk.datasets.load("iris"), space=space, trials=1)


@pytest.mark.parametrize("options, message", [
    ({"trials": 0}, "tune trials must be an integer >= 1; got 0"),
    ({"trials": None}, "timeout is None too"),
    ({"timeout": -5}, "tune timeout must be a finite number > 0; got -5"),
    ({"health_weight": -0.1}, "tune health_weight must be a finite number >= 0; got -0.1"),
    ({"epochs": 0}, "tune epochs must be an integer >= 1; got 0"),
    ({"direction": "up"}, "tune direction must be one of"),
    ({"storage": "nosuchdb://x"}, "storage 'nosuchdb://x' cannot be opened"),
    ({"storage": "/no/such/folder/study.log"}, "in a folder that does not exist"),
    ({"storage": "sqlite:////no/such/folder/x.db"}, r"storage 'sqlite:////no/such/folder/x.db' cannot be opened"),
    ({"study_name": " "}, "study_name must be a non-empty string"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(ParameterError, match=message):
        nk.tune(nk.datasets.load("iris"), **{"trials": 1, **options})


def test_bad_data_is_refused():
    with pytest.raises(ParameterTypeError, match="tune data must be"):
        nk.tune(np.zeros((5, 2)), trials=1)
    with pytest.raises(nk.errors.DataError, match="one class only"):
        nk.tune((np.zeros((8, 2)), np.zeros(8, dtype=int)), trials=1)


def test_health_share_counts_dead_and_saturated_once():
    net = nk.mlp([2, 4, 2], activation="sigmoid", output="softmax", seed=0)
    X = np.full((20, 2), 100.0)  # every sigmoid on its tail
    assert health_share(net, X) == (1.0, 0, 4)


def test_nk_tune_is_the_function_and_nk_tuning_the_module():
    import neuronkit.tuning as module

    assert nk.tune is module.tune and nk.tuning is module
    assert nk.tune is module.tune  # importing the module does not shadow the function


@pytest.mark.parametrize("argv, message", [
    (["--trials", "0"], "--trials must be an integer >= 1; got 0"),
    (["--space", '{"learning_rate": 0.1}'], "--space: unknown search-space parameter 'learning_rate'"),
    (["--space", "[1, 2]"], "--space must be a JSON object"),
    (["--space", "{lr: 1}"], "--space is not valid JSON"),
    (["--health-weight", "-1"], "--health-weight must be a finite number >= 0; got -1.0"),
    (["--study-name", ""], "--study-name is empty"),
])
def test_cli_usage_errors(argv, message, capsys):
    assert main(["tune", "iris", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_storage_that_cannot_be_opened(capsys):
    assert main(["tune", "iris", "--trials", "1", "--storage", "nosuchdb://x"]) == 1
    assert "neuronkit tune: error: storage 'nosuchdb://x' cannot be opened" in capsys.readouterr().err


def test_cli_saves_the_best_model(tmp_path, capsys):
    out = tmp_path / "best.nkm"
    space = tmp_path / "space.json"
    space.write_text('{"layers": 1, "units": [8, 16], "lr": {"low": 0.01, "high": 0.1}}', encoding="utf-8")
    assert main(["tune", "iris", "--trials", "2", "--epochs", "5", "--seed", "0", "--space", str(space),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    model = nk.load(out)
    assert "best: value" in printed and f"best model saved to {out}" in printed
    assert model.hidden_layer_sizes in ((8,), (16,)) and 0.01 <= model.learning_rate_init <= 0.1
    data = nk.data.prepare_training("iris", seed=0)
    with warnings.catch_warnings():  # the saved model keeps iris's feature names; X_test is a bare array
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        accuracy = float(np.mean(model.predict(data.X_test) == data.y_test))
    assert f"test (best model): accuracy {accuracy:.4f}" in printed


def test_workers_with_their_own_seeds_join_one_study(tmp_path):
    from neuronkit.datasets import moons

    ds = moons(120, noise=0.2, seed=0)
    storage = str(tmp_path / "study.log")
    first = nk.tune((ds.X, ds.y), trials=1, epochs=2, seed=0, storage=storage, study_name="s")
    second = nk.tune((ds.X, ds.y), trials=1, epochs=2, seed=1, storage=storage, study_name="s")
    assert len(second.study.trials) == 2
    # both held out the same samples
    np.testing.assert_array_equal(first.split["validation"][0], second.split["validation"][0])
