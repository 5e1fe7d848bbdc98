"""NeuralClassifier / NeuralRegressor: accuracy on the bundled datasets against scikit-learn's MLP,
and compatibility with clone, Pipeline, GridSearchCV and cross_val_score."""

import warnings

import numpy as np
import pytest

import neuronkit as nk

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# (dataset, minimum test score of the mean over seeds) -- accuracy, or R² for diabetes
TARGETS = {"digits": 0.97, "breast_cancer": 0.96, "iris": 0.93, "wine": 0.95, "diabetes": 0.40}
SEEDS = range(5)


def split(name):
    ds = nk.datasets.load(name)
    y = np.asarray(ds.classes)[ds.y] if ds.task == "classification" else ds.y
    # the CLI's split: 20% held out, stratified for classes, seed 0
    return ds.task, nk.data.train_test_split(ds.X, y, test_size=0.2, seed=0)


@pytest.mark.parametrize("name", list(TARGETS))
def test_defaults_reach_target_and_match_sklearn(name):
    task, (X_train, X_test, y_train, y_test) = split(name)
    ours, theirs = [], []
    for seed in SEEDS:
        if task == "classification":
            est = nk.NeuralClassifier(random_state=seed)
            ref = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
        else:
            est = nk.NeuralRegressor(random_state=seed)
            ref = make_pipeline(StandardScaler(), MLPRegressor(random_state=seed))
        ours.append(est.fit(X_train, y_train).score(X_test, y_test))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning
            theirs.append(ref.fit(X_train, y_train).score(X_test, y_test))
    ours_mean, theirs_mean = float(np.mean(ours)), float(np.mean(theirs))
    assert ours_mean >= TARGETS[name], (name, ours)
    assert ours_mean >= theirs_mean - 0.01, (name, ours_mean, theirs_mean)


def test_classifier_attributes_and_string_labels():
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").labels()
    clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert len(clf.loss_curve_) == clf.n_iter_ <= 50
    assert clf.n_features_in_ == 4
    assert isinstance(clf.network_, nk.Sequential)
    assert [n for n, _ in clf.network_.named_parameters()] == [
        "hidden1.weight", "hidden1.bias", "output.weight", "output.bias"]
    assert clf.network_["output"].activation.name == "softmax"


def test_regressor_multi_output_and_target_scaling():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    Y = np.column_stack([1000 + 50 * X[:, 0], -3 * X[:, 1] + X[:, 2]])
    reg = nk.NeuralRegressor(hidden_layer_sizes=(32,), max_iter=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (300, 2)
    assert reg.score(X, Y) > 0.95
    np.testing.assert_allclose(reg.y_mean_, Y.mean(axis=0))


def test_same_random_state_same_model():
    X, y = nk.datasets.load("wine").X, nk.datasets.load("wine").y
    a = nk.NeuralClassifier(max_iter=5, random_state=3).fit(X, y)
    b = nk.NeuralClassifier(max_iter=5, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_clone_pipeline_gridsearch_cross_val_score():
    ds = nk.datasets.load("iris")
    est = nk.NeuralClassifier(hidden_layer_sizes=(16,), max_iter=60, random_state=0, activation="tanh")
    copy = clone(est)
    assert copy.get_params() == est.get_params() and copy is not est
    pipe = Pipeline([("scale", StandardScaler()), ("net", est)]).fit(ds.X, ds.y)
    assert pipe.score(ds.X, ds.y) > 0.9
    grid = GridSearchCV(est, {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1e-2]}, cv=3).fit(ds.X, ds.y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert grid.best_score_ > 0.85
    scores = cross_val_score(est, ds.X, ds.y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85
    diabetes = nk.datasets.load("diabetes")
    reg_scores = cross_val_score(nk.NeuralRegressor(max_iter=50, random_state=0), diabetes.X, diabetes.y, cv=3,
                                 scoring="r2")
    assert reg_scores.shape == (3,) and reg_scores.mean() > 0.3


def test_early_stopping_and_our_extras():
    ds = nk.datasets.load("digits")
    clf = nk.NeuralClassifier(hidden_layer_sizes=(32,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                              random_state=0, dropout=0.1, solver="adamw", activation="gelu").fit(ds.X, ds.y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.9
    assert clf.network_["hidden1"].activation.name == "gelu"


def test_save_load_predict_identical(tmp_path):
    ds = nk.datasets.load("wine")
    labels = ds.labels()
    clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(ds.X, labels)
    clf.save(tmp_path / "wine.nkm")
    back = nk.load(tmp_path / "wine.nkm")
    assert isinstance(back, nk.NeuralClassifier)
    np.testing.assert_array_equal(back.predict_proba(ds.X), clf.predict_proba(ds.X))
    np.testing.assert_array_equal(back.predict(ds.X), clf.predict(ds.X))
    assert back.get_params() == clf.get_params()
    assert back.loss_curve_ == clf.loss_curve_
    reg = nk.NeuralRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(ds.X, ds.X[:, 0] * 2)
    nk.save(reg, tmp_path / "r.nkm")
    np.testing.assert_array_equal(nk.load(tmp_path / "r.nkm").predict(ds.X), reg.predict(ds.X))


@pytest.mark.parametrize("params, message", [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be positive integers; got \\(0,\\)"),
    ({"solver": "lbfgs"}, "solver must be one of adam, adamw, sgd, rmsprop; got 'lbfgs'"),
    ({"activation": "wiggle"}, "unknown activation 'wiggle'; valid names are"),
    ({"alpha": -1.0}, "alpha must be a number >= 0; got -1.0"),
    ({"learning_rate_init": 0}, "learning_rate_init must be a number > 0; got 0"),
    ({"max_iter": 0}, "max_iter must be an integer >= 1; got 0"),
    ({"batch_size": 0}, "batch_size must be 'auto' or an integer >= 1; got 0"),
    ({"validation_fraction": 1.5}, "validation_fraction must be in \\(0, 1\\); got 1.5"),
    ({"learning_rate": "invscaling"}, "learning_rate must be one of constant, adaptive; got 'invscaling'"),
])
def test_bad_parameters_are_named(params, message):
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").y
    with pytest.raises(ValueError, match=message):
        nk.NeuralClassifier(**params).fit(X, y)


def test_usage_errors():
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").y
    with pytest.raises(ValueError, match="single class"):
        nk.NeuralClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="not fitted yet"):
        nk.NeuralClassifier().predict(X)
    clf = nk.NeuralClassifier(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but NeuralClassifier was fitted with 4 features"):
        clf.predict(X[:, :3])


def test_an_estimator_model_file_whose_network_is_not_sequential_is_refused():
    X, y = np.random.default_rng(0).random((30, 4)), np.arange(30) % 3
    clf = nk.NeuralClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    meta, arrays = clf._model_file()
    single = nk.Dense(4, 3, activation="softmax", seed=0)
    meta["network"] = single.config()
    arrays = {name: p.data for name, p in single.named_parameters()}
    with pytest.raises(nk.io.ModelFileError, match="holds a Dense, not the Sequential network"):
        nk.NeuralClassifier._from_model_file(meta, arrays)
