"""fit: one callback list (progress and checkpoints are callbacks like any other), sample weights,
pandas input, and the one improvement rule."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.callbacks import Callback, Checkpoint, EarlyStopping, LossPlateau, ProgressBar
from neuronkit.errors import NeuronkitError, ParameterError, ShapeError
from neuronkit.monitor import improved
from neuronkit.training import TrainingInterrupted


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - X[:, 2] > 0).astype(np.intp)
    return X, y


def _net(seed=0):
    return nk.mlp([4, 6, 2], output="softmax", seed=seed, dtype=np.float64)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_integer_sample_weights_equal_repeated_samples_in_full_batch_training(optimizer):
    X, y = _data(20)
    w = np.random.default_rng(1).integers(0, 4, size=20)
    a, b = _net(), _net()
    nk.fit(a, X, y, sample_weight=w, epochs=15, batch_size=100, optimizer=optimizer, lr=0.1, seed=0,
           progress=False)
    nk.fit(b, np.repeat(X, w, axis=0), np.repeat(y, w), epochs=15, batch_size=100, optimizer=optimizer, lr=0.1,
           seed=0, progress=False)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_allclose(pa.data, pb.data, rtol=1e-9, atol=1e-12, err_msg=name)


def test_sample_weights_weigh_the_logged_loss_and_zero_weights_remove_samples():
    X, y = _data(30)
    w = np.ones(30)
    w[:10] = 0.0
    a, b = _net(), _net()
    ha = nk.fit(a, X, y, sample_weight=w, epochs=3, batch_size=100, optimizer="sgd", lr=0.1, seed=0, progress=False)
    hb = nk.fit(b, X[10:], y[10:], epochs=3, batch_size=100, optimizer="sgd", lr=0.1, seed=0, progress=False)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-12)
    np.testing.assert_allclose(a.parameters()[0].data, b.parameters()[0].data, rtol=1e-12)


def test_validation_split_splits_the_weights_with_the_samples():
    X, y = _data(40)
    w = np.linspace(0.5, 2.0, 40)
    history = nk.fit(_net(), X, y, sample_weight=w, validation_split=0.25, epochs=2, seed=0, progress=False)
    assert len(history.history["val_loss"]) == 2 and np.isfinite(history.history["val_loss"]).all()


@pytest.mark.parametrize(("weights", "error", "fragment"), [
    (np.ones(5), ShapeError, "sample_weight has 5 values but X has 60 samples"),
    (-np.ones(60), ParameterError, "sample_weight must be >= 0"),
    (np.zeros(60), ParameterError, "at least one weight > 0"),
    (np.full(60, np.nan), NeuronkitError, "non-finite value"),
    ([["a"]] * 60, NeuronkitError, "sample_weight"),
])
def test_bad_sample_weights_are_refused(weights, error, fragment):
    X, y = _data()
    with pytest.raises(error, match=fragment):
        nk.fit(_net(), X, y, sample_weight=weights, epochs=1, progress=False)


def test_fit_takes_a_dataframe_and_a_series():
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    a, b = _net(), _net()
    nk.fit(a, frame, pd.Series(y), epochs=2, seed=0, progress=False)
    nk.fit(b, X, y, epochs=2, seed=0, progress=False)
    np.testing.assert_array_equal(a.parameters()[0].data, b.parameters()[0].data)


def test_a_dataframe_fit_records_feature_names_and_prediction_checks_them():
    pd = pytest.importorskip("pandas")
    from neuronkit.errors import DataError
    from neuronkit.training import evaluate, predict

    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    net = _net()
    nk.fit(net, frame, y, epochs=1, seed=0, progress=False)
    assert list(net.feature_names_in_) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(predict(net, frame), predict(net, X))
    with pytest.raises(DataError, match=r"same columns in another order: \['d', 'c', 'b', 'a'\]"):
        predict(net, frame[["d", "c", "b", "a"]])
    with pytest.raises(DataError, match=r"missing \['d'\]; not seen in fit \['e'\]"):
        evaluate(net, frame.rename(columns={"d": "e"}), y)


class Recorder(Callback):
    def __init__(self):
        self.calls: list[str] = []

    def on_train_begin(self, state):
        self.calls.append("begin")

    def on_epoch_end(self, state, logs):
        self.calls.append(f"end{state.epoch}")

    def on_epoch_complete(self, state):
        self.calls.append(f"complete{state.epoch}")

    def on_train_end(self, state):
        self.calls.append("train_end")

    def on_train_abort(self, state, exc):
        self.calls.append(f"abort:{type(exc).__name__}")


def test_every_callback_is_called_alike_in_list_order():
    X, y = _data()
    rec = Recorder()
    nk.fit(_net(), X, y, epochs=2, callbacks=[rec], progress=False)
    assert rec.calls == ["begin", "end0", "complete1", "end1", "complete2", "train_end"]


class StopAt(Callback):
    """Raises KeyboardInterrupt (as Ctrl-C would) after a given number of steps."""

    def __init__(self, step):
        self.step = step

    def on_batch_end(self, state, loss):
        if state.step == self.step:
            raise KeyboardInterrupt


def test_an_interrupt_reaches_every_callback_and_the_checkpoint_callback_saves(tmp_path):
    X, y = _data()
    rec = Recorder()
    path = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted) as info:
        nk.fit(_net(), X, y, epochs=5, batch_size=10, callbacks=[rec, StopAt(8), Checkpoint(path)], seed=0,
               progress=False)
    assert info.value.checkpoint == path and path.exists()
    assert rec.calls[-1] == "abort:KeyboardInterrupt"
    resumed, straight = _net(), _net()
    nk.fit(resumed, X, y, epochs=5, batch_size=10, resume=path, seed=0, progress=False)
    nk.fit(straight, X, y, epochs=5, batch_size=10, seed=0, progress=False)
    for pa, pb in zip(resumed.parameters(), straight.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)


def test_progress_is_one_callback_in_the_list():
    X, y = _data()
    seen = []

    class Spy(Callback):
        def on_train_begin(self, state):
            seen.extend(type(c).__name__ for c in state.callbacks)

    nk.fit(_net(), X, y, epochs=1, callbacks=[Spy()], progress=True)
    assert seen[0] == "ProgressBar" and "TerminateOnNaN" in seen
    seen.clear()
    nk.fit(_net(), X, y, epochs=1, callbacks=[ProgressBar(), Spy()], progress=False)
    assert seen.count("ProgressBar") == 1


def test_callbacks_must_be_callbacks():
    X, y = _data()
    with pytest.raises(ParameterError, match=r"callbacks\[0\] is a builtin_function_or_method, not a neuronkit"):
        nk.fit(_net(), X, y, epochs=1, callbacks=[print], progress=False)


def test_one_improvement_rule_for_early_stopping_and_the_tol_rule():
    assert improved(0.5, 1.0) and not improved(1.0, 1.0) and not improved(float("nan"), 1.0)
    assert improved(0.89, 1.0, delta=0.1) and not improved(0.9, 1.0, delta=0.1)
    assert improved(1.2, 1.0, mode="max", delta=0.1, relative=True) and not improved(1.1, 1.0, mode="max",
                                                                                        delta=0.1, relative=True)

    class State:
        stop_training = False
        epoch = 0
        notes: list[str] = []
        model = None

    losses = [1.0, 0.9, 0.85, 0.849, 0.8485, 0.8484]
    stopper = EarlyStopping("loss", patience=3, min_delta=0.01, restore_best_weights=False)
    plateau = LossPlateau(tol=0.01, n_iter_no_change=3)
    s1, s2 = State(), State()
    for epoch, value in enumerate(losses):
        s1.epoch = s2.epoch = epoch
        stopper.on_epoch_end(s1, {"loss": value})
        plateau.on_epoch_end(s2, {"loss": value})
    # 0.85 improves on 0.9 by 0.05; 0.849, 0.8485, 0.8484 do not beat 0.85 by more than 0.01: stop after the third
    assert s1.stop_training and s2.stop_training
    assert stopper.best == 0.85 and stopper.wait == 3 and plateau.count == 3
