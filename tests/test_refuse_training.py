"""Training gives the right answer or a clear refusal (issue 10): divergence, resume settings, finished
checkpoints, checkpoint locks and stale temporary files, an honest diagnosis, the progress bar, and
History.from_dict."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import cli
from neuronkit.callbacks import Callback, Divergence, ProgressBar
from neuronkit.checkpoints import CheckpointLock
from neuronkit.errors import DivergenceError, ModelFileError, ParameterError, TrainingError
from neuronkit.history import History
from neuronkit.training import TrainingInterrupted

SRC = str(Path(nk.__file__).resolve().parents[1])


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, size=n)
    return (centers[y] + rng.normal(scale=0.7, size=(n, 2))).astype(np.float32), y


def net(seed=0):
    return nk.mlp([2, 16, 3], output="softmax", seed=seed)


class Spy(Callback):
    """Counts the epochs a run trains."""

    def __init__(self):
        self.epochs = 0

    def on_epoch_begin(self, state):
        self.epochs += 1


class StopAt(Callback):
    """Ctrl-C (a KeyboardInterrupt) after a given step; remembers how much the bar had written by then."""

    def __init__(self, step, buf=None):
        self.step, self.buf, self.written = step, buf, None

    def on_batch_end(self, state, loss):
        if state.step == self.step:
            self.written = len(self.buf.getvalue()) if self.buf is not None else None
            raise KeyboardInterrupt


def run_cli(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- 1. divergence
def test_a_diverging_fit_raises_naming_epoch_loss_baseline_and_lower_lr():
    X, y = blobs()
    with pytest.raises(DivergenceError) as info:
        nk.fit(net(), X, y, lr=1e6, epochs=20, seed=0, progress=False)
    text = str(info.value)
    assert isinstance(info.value, TrainingError)
    assert text.startswith("training diverged at epoch 2: the training loss ")
    assert "is more than 10 times max(the starting loss " in text and "a constant predictor's loss 1.09" in text
    assert "for 2 epochs in a row" in text and "Try a lower learning rate lr (now 1e+06; 1e+05 or lower)" in text


def test_divergence_can_be_turned_off_and_the_diagnosis_then_advises_a_lower_learning_rate():
    X, y = blobs()
    history = nk.fit(net(), X, y, lr=1e6, epochs=6, seed=0, progress=False, divergence=False)
    assert len(history) == 6 and history["loss"][-1] > 1000 * history.baseline_loss
    text = history.diagnosis()
    assert text.startswith("The training loss rose") and "too high: lower it" in text
    assert "higher learning rate" not in text


def test_divergence_rule_two_epochs_above_ten_times_the_larger_reference():
    def run(losses, start, baseline, **options):
        cb = Divergence(**options)
        state = SimpleNamespace(stop_training=False, failed=None, failure=TrainingError, step=0, last_loss=start,
                                epoch=0, optimizer=SimpleNamespace(lr=0.5),
                                history=SimpleNamespace(baseline_loss=baseline))
        cb.on_after_backward(state)
        for epoch, value in enumerate(losses):
            state.epoch, state.step = epoch, epoch + 1
            cb.on_epoch_end(state, {"loss": value})
            if state.stop_training:
                return epoch + 1, state
        return None, state

    assert run([5.0, 11.0, 11.0], start=1.0, baseline=0.5)[0] == 3  # two epochs in a row above 10 x 1.0
    assert run([11.0, 5.0, 11.0, 9.0], start=1.0, baseline=0.5)[0] is None  # not in a row
    assert run([11.0, 11.0], start=0.1, baseline=2.0)[0] is None  # the constant predictor's 2.0 is the reference
    assert run([25.0, 25.0], start=0.1, baseline=2.0)[0] == 2
    assert run([30.0, 30.0], start=1.0, baseline=1.0, factor=50.0)[0] is None
    epoch, state = run([1.0, float("nan")], start=1.0, baseline=1.0)  # a non-finite loss: at once
    assert epoch == 2 and state.failure is DivergenceError and "is not finite" in state.failed


@pytest.mark.parametrize(("loss", "y", "expected"), [
    ("mse", np.array([0.0, 2.0, 4.0, 6.0]), 5.0),  # the variance of the targets
    ("cross_entropy", np.array([0, 0, 0, 1]), -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))),  # the prior's entropy
    ("bce", np.array([1, 1, 1, 0]), -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))),
])
def test_divergence_is_measured_against_the_constant_predictors_loss_of_each_loss(loss, y, expected):
    # inputs of zeros: only the biases learn, and a learning rate of 1000 throws them far off
    outputs = {"mse": ("identity", 1), "cross_entropy": ("softmax", 2), "bce": ("identity", 1)}[loss]
    model = nk.mlp([1, outputs[1]], output=outputs[0], seed=0)
    with pytest.raises(DivergenceError) as info:
        nk.fit(model, np.zeros((4, 1), dtype=np.float32), y, loss=loss, lr=1000.0, epochs=20, batch_size=4, seed=0,
               progress=False)
    assert f"a constant predictor's loss {expected:.4g})" in str(info.value)


def test_a_non_finite_loss_is_a_divergence_error_at_once():
    X, y = blobs()
    X[:, 0] *= 1e30
    with pytest.raises(DivergenceError, match=r"the loss became (nan|inf) at epoch 1, step 1.*Try a lower learning"):
        with np.errstate(all="ignore"):
            nk.fit(nk.mlp([2, 8, 1], output="identity", seed=0), X, y.astype(np.float32) * 1e30, loss="mse",
                   epochs=2, lr=1.0, seed=0, progress=False)


def test_an_estimator_that_diverges_names_learning_rate_init():
    X, y = blobs()
    clf = nk.estimators.NeuralClassifier(hidden_layer_sizes=(16,), learning_rate_init=1e6, random_state=0)
    with pytest.raises(DivergenceError, match=r"Try a lower learning rate learning_rate_init \(now 1e\+06"):
        clf.fit(X, y)


def test_cli_train_with_a_huge_learning_rate_exits_1_writes_no_model_and_says_lower_lr(tmp_path, capsys):
    out = tmp_path / "iris.nkm"
    code, stdout, err = run_cli(capsys, "train", "iris", "--lr", "1e6", "--out", out)
    assert code == 1 and not out.exists()
    assert "neuronkit train: error: training diverged at epoch" in err
    assert "Try a lower learning rate --lr (now 1e+06; 1e+05 or lower)" in err
    assert "higher learning rate" not in err + stdout and "model saved" not in stdout


def test_the_diagnosis_never_advises_a_higher_learning_rate_for_a_rising_loss():
    history = History()
    history.baseline_loss = 1.1
    for epoch, loss in enumerate([1.0, 0.5, 0.4, 0.6, 0.9, 1.2]):
        history.append(epoch, {"loss": loss})
    text = history.diagnosis()
    assert text.startswith("The training loss rose: 0.4 at its lowest (epoch 3), 1.2 at the end")
    assert "higher learning rate" not in text and "lower it" in text
    # blown up within the first epoch, then flat well above where it started: not "under-fitting"
    history = History()
    history.baseline_loss, history.start_loss = 1.1, 1.2
    for epoch, loss in enumerate([5.0, 3.3, 3.3, 3.3, 3.3, 3.3]):
        history.append(epoch, {"loss": loss})
    text = history.diagnosis()
    assert text.startswith("The training loss rose: 1.2 at the start, 3.3 at its lowest (epoch ")
    assert "higher learning rate" not in text


# ----------------------------------------------------------------------------- 2. resume checks its settings
def test_resume_with_other_settings_is_refused_naming_every_difference(tmp_path):
    X, y = blobs()
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted):
        nk.fit(net(), X, y, lr=0.01, epochs=4, seed=0, validation_split=0.2, checkpoint=ckpt,
               callbacks=[StopAt(5)], progress=False)
    with pytest.raises(TrainingError) as info:
        nk.fit(net(), X, y, lr=0.05, epochs=4, seed=1, validation_split=0.3, resume=ckpt, progress=False)
    text = str(info.value)
    assert text.startswith(f"cannot resume from {ckpt}: this run's settings differ from the checkpoint's: ")
    assert "seed was 0 at the checkpoint, now 1" in text and "lr was 0.01 at the checkpoint, now 0.05" in text
    assert "validation_split was 0.2 at the checkpoint, now 0.3" in text and "pass force=True" in text
    with pytest.raises(TrainingError, match=r"data checksum was '[0-9a-f]{16}' at the checkpoint, now"):
        nk.fit(net(), X[::-1].copy(), y[::-1].copy(), lr=0.01, epochs=4, seed=0, validation_split=0.2, resume=ckpt,
               progress=False)


def test_a_forced_resume_continues_with_this_runs_learning_rate_and_says_so(tmp_path):
    X, y = blobs()
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted):
        nk.fit(net(), X, y, lr=0.01, epochs=4, seed=0, checkpoint=ckpt, callbacks=[StopAt(5)], progress=False)
    history = nk.fit(net(), X, y, lr=0.05, epochs=4, seed=0, resume=ckpt, force=True, progress=False)
    assert history["lr"] == [0.01, 0.05, 0.05, 0.05]  # epoch 1 was the checkpoint's (stopped at step 5 of 16)
    assert any("differ from the checkpoint's (forced): lr was 0.01 at the checkpoint, now 0.05" in n
               for n in history.notes)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs: not converged
def test_an_estimator_resume_checks_its_parameters_and_the_callers_settings(tmp_path):
    X, y = blobs()
    ckpt = tmp_path / "est.ckpt"
    make = nk.estimators.NeuralClassifier
    base = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    make(**base).fit(X, y, checkpoint=ckpt, settings={"split seed": 0})
    changed = make(**{**base, "alpha": 0.1, "dropout": 0.2, "activation": "tanh", "early_stopping": True})
    with pytest.raises(TrainingError) as info:
        changed.fit(X, y, resume=ckpt, settings={"split seed": 1})
    text = str(info.value)
    for fragment in ("activation was 'relu' at the checkpoint, now 'tanh'", "alpha was 0.0001 at the checkpoint, "
                     "now 0.1", "early_stopping was False at the checkpoint, now True",
                     "dropout was 0.0 at the checkpoint, now 0.2", "split seed was 0 at the checkpoint, now 1"):
        assert fragment in text
    with pytest.raises(TrainingError, match="training data checksum was"):
        make(**base).fit(X[:100], y[:100], resume=ckpt, settings={"split seed": 0})
    with pytest.raises(nk.errors.ParameterTypeError, match="settings must be a dict"):
        make(**base).fit(X, y, resume=ckpt, settings=[("split seed", 0)])
    forced = make(**{**base, "learning_rate_init": 0.01, "max_iter": 5}).fit(X, y, resume=ckpt, force=True,
                                                                             settings={"split seed": 0})
    assert any("learning_rate_init was 0.001 at the checkpoint, now 0.01" in n for n in forced.history_.notes)


def test_cli_resume_with_another_seed_test_size_or_lr_is_refused_unless_forced(tmp_path, capsys):
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "iris.nkm"
    code, _, err = run_cli(capsys, "train", "iris", "--epochs", "3", "--hidden", "8", "--checkpoint", ckpt,
                           "--out", out)
    assert code == 0, err
    code, _, err = run_cli(capsys, "train", "iris", "--epochs", "3", "--hidden", "8", "--resume", ckpt, "--seed", "1",
                           "--test-size", "0.3", "--lr", "0.01", "--early-stopping", "--out", out)
    assert code == 1
    for fragment in ("--seed was 0 at the checkpoint, now 1", "--test-size was 0.2 at the checkpoint, now 0.3",
                     "--lr was 0.001 at the checkpoint, now 0.01", "--early-stopping was False at the checkpoint, "
                     "now True", "pass --force"):
        assert fragment in err
    code, stdout, err = run_cli(capsys, "train", "iris", "--epochs", "3", "--hidden", "8", "--resume", ckpt,
                                "--lr", "0.01", "--force", "--out", out)
    assert code == 0, err
    assert "--lr was 0.001 at the checkpoint, now 0.01" not in err and "(forced)" in stdout


# ----------------------------------------------------------------------------- 3. finished runs
def test_resuming_a_finished_checkpoint_trains_nothing_and_gives_back_the_finished_model(tmp_path):
    X, y = blobs(100)
    y = np.random.default_rng(3).integers(0, 3, size=len(y))  # noise: early stopping ends the run early
    ckpt = tmp_path / "run.ckpt"
    model = nk.mlp([2, 64, 3], output="softmax", seed=0)
    kwargs = dict(lr=0.05, epochs=60, seed=0, validation_split=0.3, early_stopping=3, progress=False)
    done = nk.fit(model, X, y, checkpoint=ckpt, **kwargs)
    assert len(done) < 60 and done.early_stopping is not None  # stopped early, best weights restored
    spy = Spy()
    resumed = nk.mlp([2, 64, 3], output="softmax", seed=9)
    again = nk.fit(resumed, X, y, resume=ckpt, callbacks=[spy], **kwargs)  # as after a kill in the model's save
    assert spy.epochs == 0 and len(again) == len(done)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v, err_msg=k)
    assert any("a finished run: no epoch trained" in n for n in again.notes)


def test_an_estimator_resumed_from_its_finished_checkpoint_is_the_same_model(tmp_path):
    X, y = blobs()
    ckpt = tmp_path / "est.ckpt"
    make = nk.estimators.NeuralClassifier
    first = make(hidden_layer_sizes=(8,), max_iter=200, random_state=0, learning_rate_init=0.01).fit(
        X, y, checkpoint=ckpt)
    assert first.n_iter_ < 200  # stopped by the tol rule
    spy = Spy()
    second = make(hidden_layer_sizes=(8,), max_iter=200, random_state=0, learning_rate_init=0.01).fit(
        X, y, resume=ckpt, callbacks=[spy])
    assert spy.epochs == 0 and second.n_iter_ == first.n_iter_ and second.loss_curve_ == first.loss_curve_
    np.testing.assert_array_equal(second.predict_proba(X), first.predict_proba(X))


def test_cli_resume_after_a_kill_in_the_final_save_trains_no_extra_epoch(tmp_path, capsys):
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "iris.nkm"
    code, first, err = run_cli(capsys, "train", "iris", "--hidden", "8", "--lr", "0.05", "--checkpoint", ckpt,
                               "--out", out)
    assert code == 0, err
    runs = next(line for line in first.splitlines() if line.startswith("epochs run: "))
    assert int(runs.split()[2].rstrip(";")) < 200  # stopped by the tol rule, before --epochs
    out.unlink()  # as if killed while the model was being saved
    code, second, err = run_cli(capsys, "train", "iris", "--hidden", "8", "--lr", "0.05", "--checkpoint", ckpt,
                                "--resume", ckpt, "--out", out)
    assert code == 0, err
    assert runs in second.splitlines() and "a finished run: no epoch trained" in second
    test_line = next(line for line in first.splitlines() if line.startswith("test: "))
    assert test_line in second.splitlines() and out.exists()


# ----------------------------------------------------------------------------- 4. locks and stale temporary files
HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    import neuronkit as nk
    from neuronkit.callbacks import Callback

    ckpt, ready = Path(sys.argv[1]), Path(sys.argv[2])
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)

    class Hold(Callback):
        def on_epoch_begin(self, state):
            if state.epoch == 1:  # epoch 1's checkpoint is written; now a write in progress, then wait
                ckpt.with_name(f".{ckpt.name}.0123abcd.tmp").write_bytes(b"half a checkpoint")
                ready.write_text("ready")
                time.sleep(120)

    nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=3, batch_size=16, seed=0, progress=False,
           checkpoint=ckpt, callbacks=[Hold()])
""")


def _holder_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(int)


def test_a_checkpoint_in_use_is_refused_and_kill_9_leaves_it_resumable_and_its_temporaries_removed(tmp_path):
    ckpt, ready = tmp_path / "run.ckpt", tmp_path / "ready"
    stale = tmp_path / ".run.ckpt.0123abcd.tmp"
    other = tmp_path / ".other.ckpt.0123abcd.tmp"
    other.write_bytes(b"another checkpoint's")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(ckpt), str(ready)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert holder.poll() is None, holder.communicate()[1].decode()
            assert time.monotonic() < deadline, "the training process did not start"
            time.sleep(0.05)
        X, y = _holder_data()
        kwargs = dict(epochs=3, batch_size=16, seed=0, progress=False)
        with pytest.raises(TrainingError) as info:
            nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, checkpoint=ckpt, resume=ckpt, **kwargs)
        assert str(info.value) == (f"checkpoint {ckpt} is in use by another training run (process {holder.pid}); "
                                   "wait for it to finish, or give this run another checkpoint path")
        assert stale.exists()  # a live run's write in progress is not touched
    finally:
        holder.kill()  # kill -9
        holder.communicate()
    assert holder.returncode == -9
    resumed, straight = (nk.mlp([2, 4, 2], output="softmax", seed=s) for s in (5, 0))
    nk.fit(resumed, X, y, checkpoint=ckpt, resume=ckpt, **kwargs)  # the OS dropped the dead run's lock
    nk.fit(straight, X, y, **kwargs)
    for k, v in straight.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v, err_msg=k)
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.ckpt.0123abcd.tmp", ".run.ckpt.lock", "ready",
                                                          "run.ckpt"]


def test_a_checkpoint_locked_in_this_process_is_refused_and_a_bad_path_is_refused_before_training(tmp_path):
    X, y = blobs(40)
    ckpt = tmp_path / "run.ckpt"
    with CheckpointLock(ckpt):
        with pytest.raises(TrainingError, match=rf"in use by another training run \(process {os.getpid()}\)"):
            nk.fit(net(), X, y, epochs=1, checkpoint=ckpt, progress=False)
    nk.fit(net(), X, y, epochs=1, checkpoint=ckpt, progress=False)  # released: free again
    spy = Spy()
    with pytest.raises(ParameterError, match=rf"checkpoint {tmp_path} is a directory"):
        nk.fit(net(), X, y, epochs=1, checkpoint=tmp_path, callbacks=[spy], progress=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(TrainingError, match=r"cannot write checkpoint .*file/run.ckpt: .*file is a file, not a "
                                            r"folder; give a checkpoint path in a writable folder"):
        nk.fit(net(), X, y, epochs=1, checkpoint=tmp_path / "file" / "run.ckpt", callbacks=[spy], progress=False)
    assert spy.epochs == 0


# ----------------------------------------------------------------------------- 5. diagnosis
def test_the_diagnosis_says_it_cannot_judge_without_validation_data():
    X, y = blobs(300)
    history = nk.fit(net(), X, y, epochs=20, lr=0.05, seed=0, progress=False)
    text = history.diagnosis()
    assert "cannot tell over- from under-fitting without validation data" in text
    assert not text.startswith("No sign")


def test_the_diagnosis_agrees_with_early_stopping_that_peaked_at_epoch_1():
    history = History()
    history.baseline_loss = 1.1
    train = [0.9, 0.7, 0.6, 0.5, 0.45, 0.4]
    val = [0.80, 0.81, 0.80, 0.82, 0.81, 0.82]  # flat within 10%: today's rule saw nothing
    for epoch, (t, v) in enumerate(zip(train, val, strict=True)):
        history.append(epoch, {"loss": t, "val_loss": v, "val_accuracy": 0.9})
    history.early_stopping = {"monitor": "val_accuracy", "best": 0.9, "best_epoch": 0, "stopped_epoch": 5,
                              "restored": True}
    text = history.diagnosis()
    assert text.startswith("Early stopping at epoch 6: val_accuracy was best at epoch 1 (0.9) and did not improve "
                           "over the 5 epochs after it; the model has the weights of epoch 1.")
    assert "Over-fitting after epoch 1" in text and "No sign" not in text
    restored = History.from_dict(history.to_dict())
    assert restored.early_stopping == history.early_stopping and restored.diagnosis() == text


def test_early_stopping_records_its_verdict_and_the_diagnosis_names_the_same_epoch():
    X, y = blobs(100)
    y = np.random.default_rng(3).integers(0, 3, size=len(y))
    history = nk.fit(nk.mlp([2, 64, 3], output="softmax", seed=0), X, y, lr=0.05, epochs=60, seed=0,
                     validation_split=0.3, early_stopping=3, progress=False)
    stop = history.early_stopping
    assert stop["monitor"] == "val_loss" and stop["restored"] and stop["stopped_epoch"] == len(history) - 1
    assert stop["best_epoch"] == int(np.argmin(history["val_loss"]))
    assert history.diagnosis().startswith(f"Early stopping at epoch {len(history)}: val_loss was best at epoch "
                                          f"{stop['best_epoch'] + 1} ")


# ----------------------------------------------------------------------------- 6. progress bar and Ctrl-C
def test_the_progress_bar_ends_at_100_percent_when_training_stops_early():
    X, y = blobs(100)
    y = np.random.default_rng(3).integers(0, 3, size=len(y))
    buf = io.StringIO()
    history = nk.fit(nk.mlp([2, 64, 3], output="softmax", seed=0), X, y, lr=0.05, epochs=60, batch_size=10,
                     seed=0, validation_split=0.3, early_stopping=3, progress=False,
                     callbacks=[ProgressBar(force=True, file=buf)])
    last = buf.getvalue().rstrip("\n").split("\r")[-1]
    steps = 7 * len(history)
    assert last.startswith(f"epoch {len(history)}/60, stopped early: 100%") and f"{steps}/{steps}" in last


def test_the_progress_bar_is_not_drawn_again_after_ctrl_c_and_the_message_says_how_to_keep_progress():
    X, y = blobs(100)
    buf = io.StringIO()
    stop = StopAt(7, buf)
    with pytest.raises(TrainingInterrupted) as info:
        nk.fit(net(), X, y, epochs=5, batch_size=10, seed=0, progress=False,
               callbacks=[ProgressBar(force=True, file=buf), stop])
    after = buf.getvalue()[stop.written:]
    assert "%|" not in after and after.startswith("\n")  # a new line, no second bar
    assert str(info.value) == ("training interrupted at epoch 1, step 7; nothing was saved: give checkpoint=PATH to "
                               "save the training state every epoch and on Ctrl-C, then resume=PATH to continue "
                               "from it")


# ----------------------------------------------------------------------------- 7. History.from_dict
@pytest.mark.parametrize(("data", "fragment"), [
    ([1, 2], "history must be a JSON object (a dict, as History.to_dict writes); got list"),
    ({"epochs": "abc"}, "history entry 'epochs' must be a list; got str"),
    ({"epochs": [0, "x"]}, "history 'epochs'[1] must be an integer; got 'x'"),
    ({"epochs": [0], "history": [1.0]}, "history entry 'history' must be a JSON object of lists"),
    ({"epochs": [0, 1], "history": {"loss": [1.0, "x"]}}, "history curve 'loss'[1] must be a number; got 'x'"),
    ({"epochs": [0, 1], "history": {"loss": [1.0]}}, "history curve 'loss' has 1 values for 2 epochs"),
    ({"notes": "hello"}, "history entry 'notes' must be a list; got str"),
    ({"notes": [3]}, "history 'notes'[0] must be a string; got 3"),
    ({"baseline_loss": "low"}, "history 'baseline_loss' must be a number; got 'low'"),
    ({"start_loss": [1.0]}, "history 'start_loss' must be a number; got [1.0]"),
    ({"interrupted": "no"}, "history entry 'interrupted' must be true or false; got 'no'"),
    ({"early_stopping": [1]}, "history entry 'early_stopping' must be a JSON object with a 'monitor'"),
])
def test_history_from_dict_refuses_bad_entries_by_name(data, fragment):
    with pytest.raises(ModelFileError) as info:
        History.from_dict(data)
    assert fragment in str(info.value)


def test_cli_ctrl_c_without_a_checkpoint_says_how_to_keep_the_progress(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, "-m", "neuronkit", "train", "digits", "--epochs", "1000", "--hidden", "8", "--out",
               tmp_path / "d.nkm"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # without a terminal, a line every 25 epochs: training is under way
            if line.startswith("epoch 25/1000"):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130 and not (tmp_path / "d.nkm").exists()
    # the CLI's own words (cli._interrupted): what was lost and the flag that keeps it next time
    assert "progress was not saved; pass --checkpoint PATH to be able to resume" in err
    assert "Traceback" not in err


def test_cli_diagnosis_names_the_flag_not_pythons_parameters(tmp_path, capsys):
    from neuronkit.cli import main

    assert main(["train", "iris", "--epochs", "5", "--out", str(tmp_path / "i.nkm")]) == 0
    out = capsys.readouterr().out
    assert "cannot tell over- from under-fitting without validation data" in out
    assert "--early-stopping holds out 10% of the training rows" in out
    assert "validation_split=" not in out and "early_stopping=True" not in out
