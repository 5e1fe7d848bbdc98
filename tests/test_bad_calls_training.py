"""Bad calls into fit, evaluate, predict, the callbacks and the history: each raises a neuronkit
error (also the builtin a Python user would catch) whose message names what was wrong."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import callbacks as cb
from neuronkit.errors import DataError, NeuronkitError, ParameterError, ParameterTypeError, ShapeError

rng = np.random.default_rng(0)
X = rng.normal(size=(20, 3))
y = rng.integers(0, 2, size=20)


def net():
    return nk.mlp([3, 4, 2], output="softmax", seed=0)


def regressor():
    return nk.mlp([3, 4, 1], seed=0)


def history():
    return nk.fit(net(), X, y, epochs=1, progress=False)


ROWS = [
    # (callable, args, kwargs, builtin, message fragment)
    (nk.fit, (net(), X, y), {"epochs": 0}, ValueError, "epochs must be an integer >= 1; got 0"),
    (nk.fit, (net(), X, y), {"epochs": 2.5}, TypeError, "epochs must be an integer >= 1; got 2.5"),
    (nk.fit, (net(), X, y), {"batch_size": -3}, ValueError, "batch_size must be an integer >= 1; got -3"),
    (nk.fit, (net(), X, y), {"seed": -1}, ValueError, "seed must be an integer >= 0; got -1"),
    (nk.fit, (net(), X, y), {"seed": "abc"}, TypeError, "seed must be an integer >= 0; got 'abc'"),
    (nk.fit, (net(), X, None), {}, ValueError, "fit: y is required"),
    (nk.fit, (net(), X, 3), {}, ValueError, "y must hold one target per sample"),
    (nk.fit, (net(), X, y[:5]), {}, ValueError, "fit: X has 20 samples but y has 5"),
    (nk.fit, (net(), X[:, :2], y), {}, ValueError, "expects input of shape (batch, 3)"),
    (nk.fit, (net(), X.ravel(), y), {}, ValueError, "X must be 2-D (n_samples, n_features)"),
    (nk.fit, (net(), [["a", "b", "c"]] * 20, y), {}, ValueError, "Encode text or categorical columns"),
    (nk.fit, (net(), X + 1j, y), {}, ValueError, "complex numbers"),
    (nk.fit, (net(), np.where(X > 1, np.nan, X), y), {}, ValueError, "non-finite value (nan)"),
    (nk.fit, (net(), X, y + 5), {}, ValueError, "y has class indices 5..6 but the output layer has 2 neurons"),
    (nk.fit, (net(), X, y + 0.5), {}, ValueError, "integer class indices"),
    (nk.fit, (net(), X, np.array(["a", "b"] * 10)), {}, ValueError, "integer class indices"),
    (nk.fit, (regressor(), X, np.ones((20, 2))), {}, ValueError, "y has 2 columns but the output layer has 1"),
    (nk.fit, (regressor(), X, np.full(20, np.inf)), {}, ValueError, "y has a non-finite value (inf)"),
    (nk.fit, (net(), X, y), {"validation_split": 1.5}, ValueError, "validation_split must be a finite number in"),
    (nk.fit, (net(), X, y), {"validation_data": X}, ValueError, "validation_data must be (X_val, y_val)"),
    (nk.fit, (net(), X, y), {"validation_data": (X, y[:3])}, ValueError, "validation_data: X has 20 samples but y"),
    (nk.fit, (net(), X, y), {"loss": "hinge"}, ValueError, "unknown loss 'hinge'"),
    (nk.fit, (net(), X, y), {"loss": "bce"}, ValueError, "takes logits, but the network ends in a 'softmax'"),
    (nk.fit, (net(), X, y), {"optimizer": "adagrad"}, ValueError, "unknown optimizer 'adagrad'"),
    (nk.fit, (net(), X, y), {"metrics": ["precision"]}, ValueError, "unknown metric 'precision'"),
    (nk.fit, (net(), X, y), {"callbacks": [object()]}, ValueError, "callbacks[0] is a object, not a neuronkit"),
    (nk.fit, (net(), X, y), {"clip_norm": 0}, ValueError, "clip_norm must be a finite number > 0; got 0"),
    (nk.fit, (net(), X, y), {"clip_value": -1.0}, ValueError, "clip_value must be a finite number > 0"),
    (nk.fit, (net(), X, y), {"early_stopping": -2}, ValueError, "early_stopping must be an integer >= 1"),
    (nk.fit, (net(), X, y), {"history_file": "log.txt"}, ValueError, "HistoryLogger path must end in .csv or .json"),
    (nk.fit, (net(), X, y), {"callbacks": [cb.EarlyStopping("val_loss")]}, ValueError,
     "EarlyStopping monitors 'val_loss', which fit did not report"),
    (nk.training.evaluate, (net(), X, y[:3]), {}, ValueError, "evaluate: X has 20 samples but y has 3"),
    (nk.training.evaluate, (net(), X, y), {"metrics": "f1"}, ValueError, "unknown metric 'f1'"),
    (nk.training.predict, (net(), X[:, :2]), {}, ValueError, "expects input of shape (batch, 3)"),
    (cb.EarlyStopping, (), {"patience": 0}, ValueError, "EarlyStopping patience must be an integer >= 1; got 0"),
    (cb.EarlyStopping, (), {"mode": "up"}, ValueError, "EarlyStopping mode must be one of 'auto', 'min', 'max'"),
    (cb.EarlyStopping, (), {"min_delta": -1}, ValueError, "EarlyStopping min_delta must be a finite number >= 0"),
    (cb.LossPlateau, (), {"n_iter_no_change": 0}, ValueError, "LossPlateau n_iter_no_change must be an integer"),
    (cb.Checkpoint, ("run.ckpt",), {"every": 0}, ValueError, "Checkpoint every must be an integer >= 1; got 0"),
    (lambda: history()["val_loss"], (), {}, KeyError, "history has no 'val_loss'; it has: loss, accuracy"),
]


@pytest.mark.parametrize(("fn", "args", "kwargs", "builtin", "fragment"), ROWS,
                         ids=[f"{i}-{row[4][:40]}" for i, row in enumerate(ROWS)])
def test_bad_call_raises_a_neuronkit_error_naming_the_problem(fn, args, kwargs, builtin, fragment, tmp_path,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NeuronkitError) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, builtin)
    assert fragment in str(info.value)


def test_the_table_covers_each_kind_of_error():
    kinds = set()
    for fn, args, kwargs, _, _ in ROWS:
        try:
            fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every row raises; the other test checks which
            kinds.update(k for k in (DataError, ParameterError, ParameterTypeError, ShapeError) if isinstance(exc, k))
    assert kinds == {DataError, ParameterError, ParameterTypeError, ShapeError}


@pytest.mark.parametrize("bad", ["abc", [[1.0, "x"]], object()], ids=["text", "mixed", "object"])
def test_a_tensor_of_something_that_is_not_numbers_is_refused_in_words(bad):
    with pytest.raises(ParameterTypeError, match="a Tensor holds numbers; got"):
        nk.Tensor(bad)
