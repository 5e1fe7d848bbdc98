"""Bad calls into the estimators, one row each: the exception's builtin class and a fragment of its message.

Each row is (call, expected builtin class, message fragment, family): ``family`` says whose error it
is — ``"ours"`` (a :class:`neuronkit.errors.NeuronkitError`; scikit-learn's own validation messages
reach the user through these) or ``"sklearn"`` (scikit-learn's ``NotFittedError``, which its users
catch). No call may end in a raw ``KeyError``/``IndexError``/``AttributeError`` or a NumPy message.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import NeuronkitError

sklearn = pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402

X = nk.datasets.load("iris").X
Y = nk.datasets.load("iris").y
QUICK = {"hidden_layer_sizes": (4,), "tol": 10.0, "n_iter_no_change": 1, "random_state": 0}  # stops at epoch 2


@functools.cache
def fitted(kind: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # QUICK converges: no warning to hide
        if kind == "classifier":
            return nk.NeuralClassifier(**QUICK).fit(X, Y)
        return nk.NeuralRegressor(**QUICK).fit(X, X[:, 0])


def with_value(row: int, column: int, value: float) -> np.ndarray:
    bad = X.copy()
    bad[row, column] = value
    return bad


def object_array_with_a_dict() -> np.ndarray:
    bad = X.astype(object)
    bad[0, 0] = {"a": 1}
    return bad


def sparse():
    return pytest.importorskip("scipy.sparse").csr_matrix(X)


def frame(columns):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=columns)


NAMES = ["a", "b", "c", "d"]


@functools.cache
def fitted_on_frame():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return nk.NeuralClassifier(**QUICK).fit(frame(NAMES), Y)


def partial(classes=(0, 1, 2)):
    return nk.NeuralClassifier(**QUICK).partial_fit(X, Y, classes=list(classes))


C, R = nk.NeuralClassifier, nk.NeuralRegressor
ROWS = [
    # ---------------------------------------------------------------- before fit
    ("predict before fit", lambda: C().predict(X), ValueError, "This NeuralClassifier instance is not fitted yet",
     "sklearn"),
    ("predict_proba before fit", lambda: C().predict_proba(X), AttributeError, "not fitted yet", "sklearn"),
    ("regressor predict before fit", lambda: R().predict(X), ValueError, "not fitted yet", "sklearn"),
    ("coefs_ before fit", lambda: C().coefs_, AttributeError, "not fitted yet", "sklearn"),
    ("transform_inputs before fit", lambda: R().transform_inputs(X), ValueError, "not fitted yet", "sklearn"),
    ("save before fit", lambda: C().save("never.nkm"), ValueError, "not fitted yet", "sklearn"),
    # ---------------------------------------------------------------- parameters
    ("unknown solver", lambda: C(solver="lbfgs").fit(X, Y), ValueError,
     "The 'solver' parameter of NeuralClassifier must be a str among", "ours"),
    ("negative alpha", lambda: R(alpha=-1.0).fit(X, Y), ValueError,
     "The 'alpha' parameter of NeuralRegressor must be a float in the range [0.0, inf). Got -1.0 instead", "ours"),
    ("infinite tol", lambda: C(tol=float("inf")).fit(X, Y), ValueError, "'tol' parameter", "ours"),
    ("max_iter a float", lambda: C(max_iter=1.5).fit(X, Y), TypeError,
     "'max_iter' parameter of NeuralClassifier must be an int in the range [1, inf). Got 1.5", "ours"),
    ("batch_size zero", lambda: C(batch_size=0).fit(X, Y), ValueError, "'batch_size' parameter", "ours"),
    ("shuffle not a bool", lambda: C(shuffle="yes").fit(X, Y), ValueError, "'shuffle' parameter", "ours"),
    ("random_state a string", lambda: C(random_state="seed").fit(X, Y), ValueError, "'random_state' parameter",
     "ours"),
    ("validation_fraction 1", lambda: C(validation_fraction=1.0).fit(X, Y), ValueError,
     "'validation_fraction' parameter", "ours"),
    ("dropout 1", lambda: C(dropout=1.0).fit(X, Y), ValueError, "'dropout' parameter", "ours"),
    ("unknown scaler", lambda: C(scaler="robust").fit(X, Y), ValueError, "'scaler' parameter", "ours"),
    ("dtype float16", lambda: C(dtype="float16").fit(X, Y), ValueError, "'dtype' parameter", "ours"),
    ("hidden size zero", lambda: C(hidden_layer_sizes=(8, 0)).fit(X, Y), ValueError,
     "NeuralClassifier hidden_layer_sizes must be positive integers", "ours"),
    ("hidden size a float", lambda: C(hidden_layer_sizes=(5.5,)).fit(X, Y), ValueError,
     "hidden_layer_sizes must be positive integers, one width per hidden layer (e.g. (64, 32)); got (5.5,)", "ours"),
    ("hidden sizes a string", lambda: C(hidden_layer_sizes="64").fit(X, Y), ValueError,
     "'hidden_layer_sizes' parameter", "ours"),
    ("unknown activation", lambda: C(activation="wiggle").fit(X, Y), ValueError, "unknown activation 'wiggle'",
     "ours"),
    ("unknown init", lambda: R(init="wiggle").fit(X, Y), ValueError, "unknown initializer 'wiggle'", "ours"),
    ("callbacks not callbacks", lambda: C(**QUICK).fit(X, Y, callbacks=[object()]), ValueError,
     "callbacks[0] is a object, not a neuronkit Callback", "ours"),
    # ---------------------------------------------------------------- X
    ("X 1-D", lambda: C().fit(X[:, 0], Y), ValueError, "Reshape your data", "ours"),
    ("X 3-D", lambda: R().fit(X.reshape(150, 2, 2), Y), ValueError, "Found array with dim 3", "ours"),
    ("X with NaN", lambda: C().fit(with_value(4, 1, np.nan), Y), ValueError,
     "first non-finite value is at row 4, column 1", "ours"),
    ("X with infinity", lambda: R().fit(with_value(0, 3, np.inf), Y), ValueError, "Input X contains infinity",
     "ours"),
    ("X complex", lambda: C().fit(X + 1j, Y), ValueError, "Complex data not supported", "ours"),
    ("X text", lambda: C().fit(np.full((3, 2), "abc"), [0, 1, 0]), ValueError, "could not convert", "ours"),
    ("X with a dict", lambda: C().fit(object_array_with_a_dict(), Y), TypeError, "argument must be a string or a",
     "ours"),
    ("X sparse", lambda: R().fit(sparse(), Y), TypeError, "sparse input is not supported", "ours"),
    ("X without samples", lambda: C().fit(np.empty((0, 4)), []), ValueError, "0 sample(s)", "ours"),
    ("X without features", lambda: R().fit(np.empty((12, 0)), np.ones(12)), ValueError, "0 feature(s)", "ours"),
    ("X and y of different lengths", lambda: C().fit(X[:10], Y), ValueError,
     "inconsistent numbers of samples: [10, 150]", "ours"),
    # ---------------------------------------------------------------- y
    ("y None", lambda: C().fit(X, None), ValueError, "requires y to be passed, but the target y is None", "ours"),
    ("regressor y None", lambda: R().fit(X, None), ValueError, "requires y to be passed", "ours"),
    ("continuous y for a classifier", lambda: C().fit(X, X[:, 0]), ValueError, "Unknown label type: continuous",
     "ours"),
    ("one class", lambda: C().fit(X, np.zeros(150)), ValueError, "y has one class only (0.0)", "ours"),
    ("y two columns for a classifier", lambda: C().fit(X, np.ones((150, 2))), ValueError, "y should be a 1d array",
     "ours"),
    ("y with NaN", lambda: R().fit(X, with_value(3, 0, np.nan)[:, 0]), ValueError, "Input y contains NaN", "ours"),
    ("y text for a regressor", lambda: R().fit(X, np.full(150, "abc")), ValueError, "y must hold numbers", "ours"),
    ("warm start with other classes",
     lambda: C(warm_start=True, **QUICK).fit(X, Y).fit(X, np.where(Y == 2, 3, Y)), ValueError,
     "warm_start: y has the classes [0, 1, 3], but the first fit had [0, 1, 2]", "ours"),
    ("early stopping on 10 samples", lambda: C(early_stopping=True).fit(X[::15], Y[::15] % 2), ValueError,
     "early stopping holds out 1 of 10 samples", "ours"),
    # ---------------------------------------------------------------- sample_weight
    ("weights too few", lambda: C().fit(X, Y, sample_weight=[1.0, 2.0]), ValueError,
     "sample_weight.shape == (2,), expected (150,)", "ours"),
    ("weights 2-D", lambda: R().fit(X, Y, sample_weight=np.ones((150, 2))), ValueError,
     "Sample weights must be 1D array or scalar", "ours"),
    ("weights negative", lambda: C().fit(X, Y, sample_weight=-np.ones(150)), ValueError,
     "Negative values in data passed to `sample_weight`", "ours"),
    ("weights all zero", lambda: C().fit(X, Y, sample_weight=np.zeros(150)), ValueError,
     "Sample weights must contain at least one non-zero number", "ours"),
    ("weights with NaN", lambda: R().fit(X, Y, sample_weight=with_value(0, 0, np.nan)[:, 0]), ValueError,
     "Input sample_weight contains NaN", "ours"),
    ("weights on one class only", lambda: C().fit(X, Y, sample_weight=(Y == 1) * 1.0), ValueError,
     "only one class (1) has a non-zero sample weight", "ours"),
    # ---------------------------------------------------------------- after fit
    ("predict with 3 features", lambda: fitted("classifier").predict(X[:, :3]), ValueError,
     "X has 3 features, but NeuralClassifier is expecting 4 features as input", "ours"),
    ("predict one row 1-D", lambda: fitted("regressor").predict(X[0]), ValueError, "Reshape your data", "ours"),
    ("predict with NaN", lambda: fitted("classifier").predict_proba(with_value(2, 2, np.nan)), ValueError,
     "Input X contains NaN", "ours"),
    ("predict sparse", lambda: fitted("regressor").predict(sparse()), TypeError, "X.toarray()", "ours"),
    ("predict reordered columns", lambda: fitted_on_frame().predict(frame(NAMES[::-1])), ValueError,
     "Columns out of place: 'd' (column 0, at fit 3)", "ours"),
    ("predict other columns", lambda: fitted_on_frame().predict(frame(["a", "b", "c", "e"])), ValueError,
     "Feature names unseen at fit time:\n- e\nFeature names seen at fit time, yet now missing:\n- d", "ours"),
    ("predict unnamed columns", lambda: fitted_on_frame().predict(frame([0, 1, 2, 3])), ValueError,
     "X is a DataFrame whose column names are not all strings ([0, 1, 2, 3])", "ours"),
    ("save with a RandomState", lambda: C(**{**QUICK, "random_state": np.random.RandomState(0)}).fit(X, Y).save(
        "never.nkm"), ValueError, "cannot be saved: a model file holds its parameters as JSON", "ours"),
    ("coefs_ of the wrong count", lambda: setattr(fitted("classifier"), "coefs_", [np.ones((4, 4))]), ValueError,
     "NeuralClassifier.coefs_ takes 2 arrays, one per layer; got 1", "ours"),
    ("intercepts_ of the wrong shape", lambda: setattr(fitted("regressor"), "intercepts_", [np.ones(3), np.ones(1)]),
     ValueError, "NeuralRegressor.intercepts_[0] must have shape (4,); got shape (3,)", "ours"),
    # ---------------------------------------------------------------- partial_fit
    ("partial_fit without classes", lambda: C().partial_fit(X, Y), ValueError,
     "classes must be passed on the first call to partial_fit", "ours"),
    ("partial_fit one class", lambda: C().partial_fit(X, Y, classes=[0]), ValueError,
     "classes must hold at least two classes; got [0]", "ours"),
    ("partial_fit other classes", lambda: partial().partial_fit(X, Y, classes=[0, 1]), ValueError,
     "is not the same as on last call to partial_fit", "ours"),
    ("partial_fit unknown label", lambda: partial().partial_fit(X[:2], [0, 5]), ValueError,
     "y has labels not in classes: [5]", "ours"),
    ("partial_fit with early stopping", lambda: C(early_stopping=True).partial_fit(X, Y, classes=[0, 1, 2]),
     ValueError, "partial_fit does not support early_stopping=True", "ours"),
    ("partial_fit 3 features", lambda: partial().partial_fit(X[:, :3], Y), ValueError, "is expecting 4 features",
     "ours"),
    ("regressor partial_fit other y columns", lambda: R(**QUICK).partial_fit(X, X[:, 0]).partial_fit(X, X[:, :2]),
     ValueError, "y has 2 columns, but the model was fitted on 1", "ours"),
]


@pytest.mark.parametrize("call, builtin, fragment, family", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_bad_call(call, builtin, fragment, family):
    with pytest.raises(Exception) as info:
        call()
    error = info.value
    assert isinstance(error, builtin), (type(error).__mro__, str(error))
    assert fragment in str(error), str(error)
    if family == "ours":
        assert isinstance(error, NeuronkitError), type(error).__mro__
    else:
        assert isinstance(error, NotFittedError) and not isinstance(error, NeuronkitError), type(error).__mro__
    assert not (isinstance(error, (KeyError, IndexError)) or type(error) is AttributeError)


def test_the_table_has_one_row_per_name():
    assert len({row[0] for row in ROWS}) == len(ROWS)
