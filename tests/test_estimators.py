"""NeuralClassifier / NeuralRegressor: accuracy on the bundled datasets against scikit-learn's MLP,
compatibility with clone, Pipeline, GridSearchCV and cross_val_score, and the MLP attributes, sample
weights, partial_fit and convergence warning, compared with scikit-learn's MLP where they compare."""

import warnings

import numpy as np
import pytest

import neuronkit as nk

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
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
        with warnings.catch_warnings():  # this test measures the defaults' scores, not convergence:
            warnings.simplefilter("ignore", ConvergenceWarning)  # both MLPs may end at max_iter on some seeds
            ours.append(est.fit(X_train, y_train).score(X_test, y_test))
            theirs.append(ref.fit(X_train, y_train).score(X_test, y_test))
    ours_mean, theirs_mean = float(np.mean(ours)), float(np.mean(theirs))
    assert ours_mean >= TARGETS[name], (name, ours)
    assert ours_mean >= theirs_mean - 0.01, (name, ours_mean, theirs_mean)


def test_classifier_attributes_and_string_labels():
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").labels()
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(50\) reached"):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert len(clf.loss_curve_) == clf.n_iter_ == 50
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
    with pytest.warns(ConvergenceWarning):
        a = nk.NeuralClassifier(max_iter=5, random_state=3).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        b = nk.NeuralClassifier(max_iter=5, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# short fits inside the model-selection tools end at max_iter, as scikit-learn's MLP would (it warns too)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
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
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(ds.X, labels)
    clf.partial_fit(ds.X[:50], labels[:50])  # the curves and counters of every call are saved
    clf.save(tmp_path / "wine.nkm")
    back = nk.load(tmp_path / "wine.nkm")
    assert isinstance(back, nk.NeuralClassifier)
    np.testing.assert_array_equal(back.predict_proba(ds.X), clf.predict_proba(ds.X))
    np.testing.assert_array_equal(back.predict(ds.X), clf.predict(ds.X))
    assert back.get_params() == clf.get_params()
    assert back.loss_curve_ == clf.loss_curve_ and len(back.loss_curve_) == 21
    assert (back.t_, back.n_iter_, back.best_loss_) == (clf.t_, 1, min(clf.loss_curve_))
    assert (back.n_layers_, back.n_outputs_, back.out_activation_) == (3, 3, "softmax")
    with pytest.warns(ConvergenceWarning):
        reg = nk.NeuralRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(ds.X, ds.X[:, 0] * 2)
    nk.save(reg, tmp_path / "r.nkm")
    np.testing.assert_array_equal(nk.load(tmp_path / "r.nkm").predict(ds.X), reg.predict(ds.X))


@pytest.mark.parametrize("params, message", [
    ({"hidden_layer_sizes": (0,)}, r"NeuralClassifier hidden_layer_sizes must be positive integers, one width per "
                                   r"hidden layer \(e.g. \(64, 32\)\); got \(0,\)"),
    ({"solver": "lbfgs"}, r"The 'solver' parameter of NeuralClassifier must be a str among .*'adamw'.*"
                          r"Got 'lbfgs' instead"),
    ({"activation": "wiggle"}, "unknown activation 'wiggle'; valid names are"),
    ({"alpha": -1.0}, r"The 'alpha' parameter of NeuralClassifier must be a float in the range \[0.0, inf\). "
                      r"Got -1.0 instead"),
    ({"alpha": float("nan")}, r"'alpha' parameter of NeuralClassifier must be a float in the range \[0.0, inf\)"),
    ({"learning_rate_init": 0}, r"'learning_rate_init' parameter of NeuralClassifier must be a float in the range "
                                r"\(0.0, inf\). Got 0 instead"),
    ({"max_iter": 0}, r"'max_iter' parameter of NeuralClassifier must be an int in the range \[1, inf\). Got 0"),
    ({"batch_size": 0}, r"'batch_size' parameter of NeuralClassifier must be a str among \{'auto'\} or an int in "
                        r"the range \[1, inf\). Got 0 instead"),
    ({"validation_fraction": 1.5}, r"'validation_fraction' parameter of NeuralClassifier must be a float in the "
                                   r"range \(0.0, 1.0\). Got 1.5 instead"),
    ({"learning_rate": "invscaling"}, r"'learning_rate' parameter of NeuralClassifier must be a str among "
                                      r".*'adaptive'.*Got 'invscaling' instead"),
    ({"dtype": "float16"}, r"'dtype' parameter of NeuralClassifier must be a str among .*Got 'float16' instead"),
])
def test_bad_parameters_are_named(params, message):
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").y
    with pytest.raises(ValueError, match=message) as info:
        nk.NeuralClassifier(**params).fit(X, y)
    assert isinstance(info.value, nk.errors.ParameterError)


def test_usage_errors():
    X, y = nk.datasets.load("iris").X, nk.datasets.load("iris").y
    with pytest.raises(ValueError, match=r"y has one class only \(0.0\)"):
        nk.NeuralClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="not fitted yet"):
        nk.NeuralClassifier().predict(X)
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but NeuralClassifier is expecting 4 features as input"):
        clf.predict(X[:, :3])


def test_an_estimator_model_file_whose_network_is_not_sequential_is_refused():
    X, y = np.random.default_rng(0).random((30, 4)), np.arange(30) % 3
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0).fit(X, y)
    meta, arrays = clf._model_file()
    single = nk.Dense(4, 3, activation="softmax", seed=0)
    meta["network"] = single.config()
    arrays = {name: p.data for name, p in single.named_parameters()}
    with pytest.raises(nk.io.ModelFileError, match="holds a Dense, not the Sequential network"):
        nk.NeuralClassifier._from_model_file(meta, arrays)


# ----------------------------------------------------------------------------- MLP's attributes
def iris():
    ds = nk.datasets.load("iris")
    return ds.X, ds.y


def test_coefs_and_intercepts_have_mlps_shapes_and_orientation_and_compute_the_predictions():
    X, y = iris()
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(8, 5), activation="tanh", max_iter=5, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        ref = MLPClassifier(hidden_layer_sizes=(8, 5), activation="tanh", max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [c.shape for c in ref.coefs_] == [(4, 8), (8, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [b.shape for b in ref.intercepts_] == [(8,), (5,), (3,)]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (ref.n_layers_, ref.n_outputs_,
                                                                    ref.out_activation_) == (4, 3, "softmax")
    # scikit-learn's forward pass, written with coefs_ and intercepts_ as scikit-learn uses them
    h = clf.transform_inputs(X).astype(np.float64)
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        h = np.tanh(h @ W + b)
    z = h @ clf.coefs_[-1] + clf.intercepts_[-1]
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6, atol=1e-7)


def test_writing_into_coefs_changes_the_network():
    X, y = iris()
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(X, y)
    first = clf.coefs_[0]
    assert np.shares_memory(first, clf.network_["hidden1"].weight.data)
    first[...] = 0.0  # every hidden neuron now sees only its bias: one output for every row
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, np.broadcast_to(proba[0], proba.shape), rtol=1e-12)
    np.testing.assert_array_equal(clf.network_["hidden1"].weight.data, 0.0)
    clf.intercepts_[-1][...] = [0.0, 0.0, 50.0]  # a huge bias for the last class decides every row
    clf.coefs_[-1][...] = 0.0
    assert (clf.predict(X) == 2).all()
    clf.coefs_ = [np.ones((4, 6)), np.full((6, 3), 0.5)]  # assigning a list copies into the weights
    np.testing.assert_array_equal(clf.network_["output"].weight.data, 0.5)
    with pytest.raises(nk.errors.ShapeError, match=r"coefs_\[0\] must have shape \(4, 6\); got shape \(6, 4\)"):
        clf.coefs_ = [np.ones((6, 4)), np.ones((6, 3))]
    with pytest.raises(NotFittedError):
        nk.NeuralClassifier().coefs_  # noqa: B018
    assert not hasattr(nk.NeuralRegressor(), "intercepts_")


def test_regressor_attributes_match_mlp_regressor():
    X, y = iris()
    target = X[:, 0] - 2 * X[:, 1]
    with pytest.warns(ConvergenceWarning):
        reg = nk.NeuralRegressor(hidden_layer_sizes=(7,), max_iter=3, random_state=0).fit(X, target)
    with pytest.warns(ConvergenceWarning):
        ref = MLPRegressor(hidden_layer_sizes=(7,), max_iter=3, random_state=0).fit(X, target)
    assert [c.shape for c in reg.coefs_] == [c.shape for c in ref.coefs_] == [(4, 7), (7, 1)]
    assert (reg.n_layers_, reg.n_outputs_, reg.out_activation_) == (ref.n_layers_, ref.n_outputs_,
                                                                    ref.out_activation_) == (3, 1, "identity")
    assert (reg.n_iter_, reg.t_, len(reg.loss_curve_)) == (ref.n_iter_, ref.t_, len(ref.loss_curve_)) == (3, 450, 3)


def test_best_loss_and_validation_scores_where_mlp_has_them():
    X, y = iris()
    kwargs = {"hidden_layer_sizes": (8,), "max_iter": 6, "random_state": 0}
    for early_stopping in (False, True):
        with pytest.warns(ConvergenceWarning):
            clf = nk.NeuralClassifier(early_stopping=early_stopping, **kwargs).fit(X, y)
        with pytest.warns(ConvergenceWarning):
            ref = MLPClassifier(early_stopping=early_stopping, **kwargs).fit(X, y)
        assert clf.t_ == ref.t_ == 6 * (135 if early_stopping else 150)
        for name in ("best_loss_", "validation_scores_", "best_validation_score_"):
            assert (getattr(clf, name) is None) == (getattr(ref, name) is None), (name, early_stopping)
        if early_stopping:
            assert len(clf.validation_scores_) == clf.n_iter_ == 6
            assert clf.best_validation_score_ == max(clf.validation_scores_)
        else:
            assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]


def test_convergence_warning_in_the_same_situations_as_mlp():
    X, y = iris()
    for cls in (nk.NeuralClassifier, MLPClassifier):
        with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(4\) reached and the optimization "
                                                    r"hasn't converged yet"):
            cls(hidden_layer_sizes=(8,), max_iter=4, random_state=0).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a huge tol: the loss "stops improving" at once, no warning
            est = cls(hidden_layer_sizes=(8,), max_iter=50, tol=10.0, n_iter_no_change=2, random_state=0).fit(X, y)
        assert est.n_iter_ < 50
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # partial_fit is one epoch by design: no warning
            est.partial_fit(X, y)
    with pytest.warns(ConvergenceWarning) as record:
        reg = nk.NeuralRegressor(max_iter=2, random_state=0).fit(X, X[:, 0])
    assert "NeuralRegressor" in str(record[0].message) and record[0].filename == __file__
    assert str(record[0].message) in reg.history_.notes


def test_adaptive_learning_rate_divides_by_five_then_stops():
    X, y = iris()
    clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate="adaptive", tol=10.0,
                              n_iter_no_change=2, max_iter=100, random_state=0).fit(X, y)
    rates = sorted(set(clf.history_.history["lr"]), reverse=True)
    np.testing.assert_allclose(rates, [1e-3 / 5**k for k in range(len(rates))])
    assert rates[-1] <= 1e-6 < rates[-2]  # divided until at most 1e-6, then the plateau stops training
    assert clf.n_iter_ == 1 + 2 * len(rates) < 100  # the first epoch always improves on +inf


def test_predictions_do_not_depend_on_the_other_rows():
    X, y = iris()
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(max_iter=5, random_state=0).fit(X, y)
    whole = clf.predict_proba(X)  # float64 products: rows agree to rounding (float32 ones differ by ~1e-7)
    np.testing.assert_allclose(np.vstack([clf.predict_proba(X[i:i + 1]) for i in range(len(X))]), whole, rtol=1e-13)
    np.testing.assert_allclose(clf.predict_proba(X[::-1])[::-1], whole, rtol=1e-13)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-12)
    # the float32 network computes the same function (to float32 precision)
    np.testing.assert_allclose(nk.training.predict(clf.network_, clf.transform_inputs(X)), whole, atol=1e-6)


# ----------------------------------------------------------------------------- sample weights
def test_integer_sample_weights_equal_repeated_samples_in_float32():
    """scikit-learn's sample-weight equivalence, for the default float32 training (full batches): weights
    0 and k give the model of the data with the sample removed or repeated k times, to float32 precision."""
    rng = np.random.RandomState(42)
    X, y = rng.rand(40, 6), rng.randint(0, 3, size=40)
    w = rng.randint(0, 4, size=40)
    kwargs = {"hidden_layer_sizes": (10,), "batch_size": 200, "max_iter": 30, "random_state": 0}
    for cls, target in ((nk.NeuralClassifier, y), (nk.NeuralRegressor, X[:, 0] + y)):
        with pytest.warns(ConvergenceWarning):
            weighted = cls(**kwargs).fit(X, target, sample_weight=w)
        with pytest.warns(ConvergenceWarning):
            repeated = cls(**kwargs).fit(X.repeat(w, axis=0), target.repeat(w))
        predict = weighted.predict_proba if cls is nk.NeuralClassifier else weighted.predict
        expected = (repeated.predict_proba if cls is nk.NeuralClassifier else repeated.predict)(X)
        np.testing.assert_allclose(predict(X), expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(weighted.scaler_.mean, X.repeat(w, axis=0).mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(weighted.scaler_.scale, X.repeat(w, axis=0).std(axis=0), rtol=1e-12)
        np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(weighted.y_mean_, (X[:, 0] + y).repeat(w).mean(), rtol=1e-12)


def test_sample_weight_shifts_predictions_as_it_does_for_mlp():
    X, y = iris()
    heavy = np.where(y == 1, 20.0, 1.0)  # class 1 weighs 20 times the others
    share = {}
    for name, make in (("ours", lambda: nk.NeuralClassifier(hidden_layer_sizes=(4,), max_iter=30, random_state=0)),
                       ("mlp", lambda: MLPClassifier(hidden_layer_sizes=(4,), max_iter=30, learning_rate_init=0.01,
                                                     random_state=0))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # short fits on purpose
            plain = make().fit(StandardScaler().fit_transform(X), y)
            weighted = make().fit(StandardScaler().fit_transform(X), y, sample_weight=heavy)
        Xs = StandardScaler().fit_transform(X)
        share[name] = (plain.predict_proba(Xs)[:, 1].mean(), weighted.predict_proba(Xs)[:, 1].mean())
    for before, after in share.values():
        assert after > before + 0.15, share


def test_zero_weights_equal_removed_samples_and_bad_weights_are_refused():
    X, y = iris()
    w = (np.arange(150) % 3 != 0).astype(float)
    kwargs = {"hidden_layer_sizes": (5,), "batch_size": 200, "max_iter": 10, "random_state": 0, "dtype": "float64"}
    with pytest.warns(ConvergenceWarning):
        a = nk.NeuralClassifier(**kwargs).fit(X, y, sample_weight=w)
    with pytest.warns(ConvergenceWarning):
        b = nk.NeuralClassifier(**kwargs).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)
    clf = nk.NeuralClassifier(max_iter=2)
    with pytest.raises(nk.errors.ShapeError, match=r"sample_weight: sample_weight.shape == \(3,\), expected \(150,\)"):
        clf.fit(X, y, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(nk.errors.ParameterError, match="Negative values in data passed to `sample_weight`"):
        clf.fit(X, y, sample_weight=-w)
    with pytest.raises(nk.errors.ParameterError, match="Sample weights must contain at least one non-zero number"):
        clf.fit(X, y, sample_weight=np.zeros(150))
    with pytest.raises(nk.errors.DataError, match=r"only one class \(0\) has a non-zero sample weight"):
        clf.fit(X, y, sample_weight=(y == 0).astype(float))


# ----------------------------------------------------------------------------- partial_fit
def test_partial_fit_counts_like_mlp_and_learns():
    X, y = iris()
    order = np.random.default_rng(0).permutation(150)
    ours = nk.NeuralClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    ref = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(nk.errors.ParameterError, match="classes must be passed on the first call to partial_fit"):
        ours.partial_fit(X[:10], y[:10])
    for step in range(60):
        rows = order[(step % 3) * 50:(step % 3 + 1) * 50]
        for est in (ours, ref):
            est.partial_fit(X[rows], y[rows], classes=[0, 1, 2] if step == 0 else None)
    for name in ("n_iter_", "t_"):
        assert getattr(ours, name) == getattr(ref, name), name
    assert len(ours.loss_curve_) == len(ref.loss_curve_) == 60
    assert ours.score(X, y) > 0.9
    with pytest.raises(nk.errors.ParameterError, match=r"`classes=\[0, 1\]` is not the same as on last call"):
        ours.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(nk.errors.DataError, match=r"y has labels not in classes: \[7\]"):
        ours.partial_fit(X[:2], [0, 7])
    with pytest.raises(nk.errors.ParameterError, match="partial_fit does not support early_stopping=True"):
        nk.NeuralClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_after_fit_continues_and_regressor_partial_fit():
    X, y = iris()
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    before = clf.coefs_[0].copy()
    clf.partial_fit(X, y)  # classes_ known from fit
    assert not np.array_equal(before, clf.coefs_[0]) and len(clf.loss_curve_) == 4 and clf.t_ == 4 * 150
    reg = nk.NeuralRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    for _ in range(30):
        reg.partial_fit(X, X[:, 2] * 2)
    assert reg.score(X, X[:, 2] * 2) > 0.9 and reg.n_iter_ == 1 and reg.t_ == 30 * 150
    with pytest.raises(ValueError, match="X has 3 features, but NeuralRegressor is expecting 4 features"):
        reg.partial_fit(X[:, :3], X[:, 0])


# ----------------------------------------------------------------------------- input checks
def test_dataframe_feature_names_are_kept_and_other_columns_refused():
    pd = pytest.importorskip("pandas")
    X, y = iris()
    frame = pd.DataFrame(X, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
    with pytest.warns(ConvergenceWarning):
        clf = nk.NeuralClassifier(max_iter=3, random_state=0).fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == list(frame.columns) and clf.feature_names_in_.dtype == object
    proba = clf.predict_proba(frame)
    with pytest.raises(nk.errors.DataError, match=r"(?s)must be in the same order as they were in fit.*"
                                                  r"Columns out of place: 'petal_width' \(column 0, at fit 3\), "
                                                  r"'petal_length' \(column 1, at fit 2\).*X\[estimator.feature_"):
        clf.predict(frame[frame.columns[::-1]])
    with pytest.raises(nk.errors.DataError, match=r"(?s)unseen at fit time:\n- petal_area.*"
                                                  r"seen at fit time, yet now missing:\n- petal_width"):
        clf.predict_proba(frame.rename(columns={"petal_width": "petal_area"}))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):  # scikit-learn's warning
        np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_bad_input_gets_scikit_learns_message_as_a_neuronkit_error():
    X, y = iris()
    clf = nk.NeuralClassifier(max_iter=2)
    with pytest.raises(nk.errors.DataError, match="requires y to be passed, but the target y is None"):
        clf.fit(X, None)
    with pytest.raises(nk.errors.DataError, match="Unknown label type: continuous"):
        clf.fit(X, X[:, 0])
    bad = X.copy()
    bad[7, 2] = np.nan
    with pytest.raises(nk.errors.DataError, match=r"(?s)Input X contains NaN.*non-finite value is at row 7, column 2"):
        clf.fit(bad, y)
    with pytest.raises(nk.errors.DataError, match="Complex data not supported"):
        clf.fit(X + 1j, y)
    with pytest.raises(nk.errors.ShapeError, match="Reshape your data"):
        nk.NeuralRegressor().fit(X[:, 0], y)
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"sparse input is not supported.*X.toarray\(\)") as info:
        clf.fit(scipy_sparse.csr_matrix(X), y)
    assert isinstance(info.value, nk.errors.NeuronkitError)


def test_not_fitted_error_is_scikit_learns():
    assert nk.estimators.NotFittedError is NotFittedError
    with pytest.raises(NotFittedError, match="This NeuralRegressor instance is not fitted yet"):
        nk.NeuralRegressor().predict(np.ones((2, 3)))


def test_a_float64_estimator_trains_in_float64_and_round_trips(tmp_path):
    X, y = iris()
    with pytest.warns(ConvergenceWarning):
        reg = nk.NeuralRegressor(hidden_layer_sizes=(6,), max_iter=5, dtype="float64", random_state=0).fit(X, y)
    assert {p.dtype for p in reg.network_.parameters()} == {np.dtype(np.float64)}
    assert reg.coefs_[0].dtype == np.float64 and reg.transform_inputs(X).dtype == np.float64
    reg.save(tmp_path / "r64.nkm")
    back = nk.load(tmp_path / "r64.nkm")
    assert back.get_params()["dtype"] == "float64"
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
