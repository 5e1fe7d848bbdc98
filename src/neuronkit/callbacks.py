"""Callbacks: how :func:`neuronkit.fit` is extended (and the only code that prints).

A callback overrides any of these hooks; ``state`` is the running
:class:`neuronkit.training.TrainState` (model, optimiser, epoch, step, history,
``stop_training``)::

    on_train_begin(state)
    on_epoch_begin(state)
    shard_batch(state, indices)     # -> the samples of the global batch this process trains on (data parallel)
    on_after_backward(state)        # gradients are in p.grad, before the update
    on_batch_end(state, loss)       # after the optimiser step
    on_epoch_end(state, logs)       # logs: {"loss": …, "val_loss": …, "accuracy": …}
    on_epoch_complete(state)        # after every on_epoch_end, the epoch counter advanced: a consistent state
    on_train_end(state)
    on_train_complete(state)        # after every on_train_end (best weights restored): the finished model
    on_train_abort(state, exc)      # training stopped by an exception or Ctrl-C (then no on_train_end)

A callback that finds training failing sets ``state.failed`` (the message),
``state.failure`` (the :class:`~neuronkit.errors.TrainingError` subclass to raise)
and ``state.stop_training``; ``fit`` then raises that error after ``on_train_end``
(and no ``on_train_complete``).

The loop calls every callback alike, in list order: the progress bar and
checkpoints are callbacks like any other. Whether a monitored value improved is
decided by :func:`neuronkit.monitor.improved` everywhere (early stopping,
plateau schedules, the estimators' ``tol`` rule). A new callback is a class
here (or in the module of its family, e.g. ``inspect.health.HealthMonitor``).

Callbacks that must survive an exact resume implement ``state_dict() ->
(json_dict, arrays)`` and ``load_state_dict(json_dict, arrays)``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DivergenceError, ParameterError
from .monitor import improved, mode_for, worst
from .validation import check_bool, check_choice, check_int, check_number


class Callback:
    """Base class with no-op hooks.

    Examples
    --------
    A callback overrides the hooks it needs; ``fit`` calls them (only callbacks print):

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> class PrintLoss(nk.callbacks.Callback):
    ...     def on_epoch_end(self, state, logs):
    ...         print(sorted(logs))
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> _ = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=2, batch_size=4, progress=False, callbacks=[PrintLoss()])
    ['loss', 'lr', 'r2']
    ['loss', 'lr', 'r2']
    """

    def on_train_begin(self, state) -> None: ...
    def on_epoch_begin(self, state) -> None: ...
    def shard_batch(self, state, indices: np.ndarray) -> np.ndarray:
        return indices
    def on_after_backward(self, state) -> None: ...
    def on_batch_end(self, state, loss: float) -> None: ...
    def on_epoch_end(self, state, logs: dict[str, float]) -> None: ...
    def on_epoch_complete(self, state) -> None: ...
    def on_train_end(self, state) -> None: ...
    def on_train_complete(self, state) -> None: ...
    def on_train_abort(self, state, exc: BaseException) -> None: ...


def overrides(callback: Callback, hook: str) -> bool:
    """True if ``callback`` defines ``hook`` itself (the loop skips no-op hooks on the hot path).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.callbacks.overrides(nk.callbacks.EarlyStopping(), "on_epoch_end")
    True
    >>> nk.callbacks.overrides(nk.callbacks.Callback(), "on_epoch_end")
    False
    """
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def _fmt_logs(logs: dict[str, float]) -> str:
    return "  ".join(f"{k}={v:.4g}" for k, v in logs.items() if k != "lr")


class ProgressBar(Callback):
    """A tqdm progress bar over steps, one bar per fit, with the latest epoch's metrics.

    Quiet (no output) when standard error is not a terminal, unless ``force=True``;
    then one line per ``log_every`` epochs is printed instead.

    Examples
    --------
    Forced on, the bar is written to ``file`` (standard error by default):

    >>> import io
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> out = io.StringIO()
    >>> bar = nk.callbacks.ProgressBar(force=True, log_every=1, file=out)
    >>> _ = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=2, batch_size=4, progress=False, callbacks=[bar])
    >>> "epoch 2/2" in out.getvalue()
    True
    """

    def __init__(self, *, force: bool | None = None, log_every: int = 0, file: Any = None) -> None:
        self.force = force
        self.log_every = log_every
        self.file = file
        self._bar = None

    def on_train_begin(self, state) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm ships with neuronkit[train]
            tqdm = None
        stream = self.file or sys.stderr
        interactive = self.force if self.force is not None else stream.isatty()
        if tqdm is not None and interactive:
            self._bar = tqdm(total=state.total_steps, initial=state.step, unit="step", file=stream,
                             dynamic_ncols=True, leave=True, desc=f"epoch {state.epoch + 1}/{state.epochs}")

    def on_batch_end(self, state, loss: float) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        if self._bar is not None:
            self._bar.set_description(f"epoch {state.epoch + 1}/{state.epochs}")
            self._bar.set_postfix_str(_fmt_logs(logs), refresh=False)
        elif self.log_every and (state.epoch + 1) % self.log_every == 0:
            print(f"epoch {state.epoch + 1}/{state.epochs}  {_fmt_logs(logs)}", file=self.file or sys.stderr)

    def on_train_end(self, state) -> None:
        bar, self._bar = self._bar, None
        if bar is None:
            return
        if not state.failed and bar.n < bar.total:  # stopped early (a stopping rule): the run is complete
            bar.total = bar.n
            bar.set_description(f"epoch {state.epoch}/{state.epochs}, stopped early", refresh=False)
        bar.close()

    def on_train_abort(self, state, exc: BaseException) -> None:
        bar, self._bar = self._bar, None
        if bar is None:
            return
        # Ctrl-C: the bar stays as last drawn (redrawing it after the terminal's "^C" would draw it twice);
        # a new line, and the bar is closed without drawing
        bar.fp.write("\n")
        bar.leave = False
        bar.close()


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` (default) the model ends with the weights of
    its best epoch.

    Examples
    --------
    With a tiny learning rate the loss never improves by ``min_delta``, so training stops after
    ``patience`` epochs more than the first:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> stop = nk.callbacks.EarlyStopping("loss", patience=2, min_delta=1.0)
    >>> history = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=50, batch_size=4, optimizer="sgd", lr=1e-9,
    ...                  progress=False, callbacks=[stop])
    >>> len(history.history["loss"]), history.early_stopping["best_epoch"]
    (3, 0)
    """

    def __init__(self, monitor: str = "val_loss", *, patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True, verbose: bool = False) -> None:
        self.patience = check_int(patience, "patience", low=1, owner="EarlyStopping")
        self.min_delta = check_number(min_delta, "min_delta", low=0.0, owner="EarlyStopping")
        check_choice(mode, "mode", ("auto", "min", "max"), owner="EarlyStopping")
        self.monitor = monitor
        self.mode = mode_for(monitor, mode)
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights", owner="EarlyStopping")
        self.verbose = verbose
        self.best = worst(self.mode)
        self.best_epoch = -1
        self.wait = 0
        self.best_weights: dict[str, np.ndarray] | None = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ParameterError(f"EarlyStopping monitors {self.monitor!r}, which fit did not report; available: "
                             f"{', '.join(logs)}. Give validation data (validation_split= or validation_data=) "
                             "to monitor val_* values.")
        value = logs[self.monitor]
        if improved(value, self.best, mode=self.mode, delta=self.min_delta):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = state.model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                state.stop_training = True
                self.stopped_epoch = state.epoch

    def on_train_end(self, state) -> None:
        if self.stopped_epoch is None:
            return
        restored = self.restore_best_weights and self.best_weights is not None
        if restored:
            state.model.load_state_dict(self.best_weights)
            state.notes.append(f"early stopping at epoch {self.stopped_epoch + 1}: {self.monitor} last improved at "
                               f"epoch {self.best_epoch + 1} ({self.best:.4g}); restored those weights")
        state.history.early_stopping = {"monitor": self.monitor, "best": float(self.best),
                                        "best_epoch": int(self.best_epoch), "stopped_epoch": int(self.stopped_epoch),
                                        "restored": bool(restored)}

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}
        arrays = {f"best.{k}": v for k, v in (self.best_weights or {}).items()}
        return meta, arrays

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.best, self.best_epoch, self.wait = float(meta["best"]), int(meta["best_epoch"]), int(meta["wait"])
        best = {k[len("best."):]: v for k, v in arrays.items() if k.startswith("best.")}
        self.best_weights = best or None


class LossPlateau(Callback):
    """scikit-learn's stopping rule: stop when the training loss has not improved by ``tol``
    for ``n_iter_no_change`` consecutive epochs (used by the estimators).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> history = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=50, batch_size=4, optimizer="sgd", lr=1e-9,
    ...                  progress=False, callbacks=[nk.callbacks.LossPlateau(tol=1.0, n_iter_no_change=3)])
    >>> len(history.history["loss"])
    4
    """

    def __init__(self, tol: float = 1e-4, n_iter_no_change: int = 10, monitor: str = "loss",
                 mode: str = "auto") -> None:
        self.tol = check_number(tol, "tol", low=0.0, owner="LossPlateau")
        self.n_iter_no_change = check_int(n_iter_no_change, "n_iter_no_change", low=1, owner="LossPlateau")
        self.monitor = monitor
        self.mode = mode_for(monitor, mode)
        self.best = worst(self.mode)
        self.count = 0

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ParameterError(f"LossPlateau monitors {self.monitor!r}, which fit did not report; available: "
                                 f"{', '.join(logs)}")
        value = logs[self.monitor]
        if improved(value, self.best, mode=self.mode, delta=self.tol):
            self.count = 0
        else:
            self.count += 1
        self.best = min(self.best, value) if self.mode == "min" else max(self.best, value)
        if self.count >= self.n_iter_no_change:
            state.stop_training = True
            state.notes.append(f"stopped at epoch {state.epoch + 1}: {self.monitor} did not improve by more than "
                               f"tol={self.tol:g} for {self.n_iter_no_change} epochs")

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"best": self.best, "count": self.count}, {}

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.best, self.count = float(meta["best"]), int(meta["count"])


def _lower_lr(state, lr_name: str | None) -> str:
    """"a lower learning rate …", naming it as the caller knows it (``lr``, ``--lr``, …), with its value."""
    lr = getattr(state.optimizer, "lr", None)
    if not isinstance(lr, (int, float)) or not lr > 0:
        return "a lower learning rate"
    name = f" {lr_name}" if lr_name else ""
    return f"a lower learning rate{name} (now {lr:.3g}; {lr / 10:.3g} or lower)"


class TerminateOnNaN(Callback):
    """Stop as soon as the loss or a gradient is not finite, naming the step and the first bad layer.

    Training then fails with :class:`~neuronkit.errors.DivergenceError`, advising to
    lower the learning rate; ``lr_name`` is how the caller names it (``"lr"`` for
    fit, ``"learning_rate_init"`` for the estimators, ``"--lr"`` on the command
    line), ``clip_name`` the gradient-clipping option (None: do not advise it).

    Examples
    --------
    A weight that has become NaN makes the loss NaN; training stops at once with a
    :class:`~neuronkit.errors.DivergenceError` instead of going on:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> net = nk.mlp([1, 1], seed=0)
    >>> net["output"].weight.data[:] = np.nan
    >>> try:
    ...     nk.fit(net, X, y, epochs=5, batch_size=4, progress=False, divergence=False,
    ...            callbacks=[nk.callbacks.TerminateOnNaN()])
    ... except nk.errors.DivergenceError as error:
    ...     print(type(error).__name__)
    DivergenceError
    """

    def __init__(self, *, lr_name: str | None = "lr", clip_name: str | None = "clip_norm") -> None:
        self.lr_name, self.clip_name = lr_name, clip_name

    def on_after_backward(self, state) -> None:
        if math.isfinite(state.last_loss):
            return
        bad = [name for name, p in state.model.named_parameters()
               if p.grad is not None and not np.all(np.isfinite(p.grad))]
        where = f"; first non-finite gradient in {bad[0]}" if bad else ""
        clip = f", gradient clipping ({self.clip_name}=1.0)" if self.clip_name else ""
        state.stop_training = True
        state.failure = DivergenceError
        state.failed = (f"training diverged: the loss became {state.last_loss} at epoch {state.epoch + 1}, step "
                        f"{state.step + 1}{where}. Try {_lower_lr(state, self.lr_name)}{clip}, or scaled inputs.")


class Divergence(Callback):
    """Stop with :class:`~neuronkit.errors.DivergenceError` when training diverges.

    Diverged: the epoch's training loss is not finite, or is above ``factor`` times
    a reference for ``patience`` epochs in a row. The reference is the larger of
    the loss the network started from (the first batch's, before any update) and
    a constant predictor's loss on the training targets (``history.baseline_loss``:
    the variance of the targets for MSE, the entropy of the class prior for
    cross-entropy and binary cross-entropy). The first *epoch's* mean is not the
    reference, because a learning rate far too high blows the loss up within the
    first epoch. ``fit`` adds one (``divergence=True``, the default); pass
    ``divergence=False``, or an instance of your own in ``callbacks``, to change it.
    ``lr_name`` is how the message names the learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> try:
    ...     nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=20, batch_size=4, optimizer="sgd", lr=2.0, progress=False)
    ... except nk.errors.DivergenceError as error:
    ...     print(type(error).__name__)
    DivergenceError
    """

    def __init__(self, factor: float = 10.0, patience: int = 2, *, lr_name: str | None = "lr") -> None:
        self.factor = check_number(factor, "factor", low=1.0, owner="Divergence")
        self.patience = check_int(patience, "patience", low=1, owner="Divergence")
        self.lr_name = lr_name
        self.start_loss: float | None = None
        self.count = 0

    def on_after_backward(self, state) -> None:
        if self.start_loss is None and state.step == 0:  # the first batch's loss, before any update
            self.start_loss = state.last_loss
            if hasattr(state.history, "start_loss"):
                state.history.start_loss = state.last_loss

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        loss = logs.get("loss", math.nan)
        candidates = [v for v in (self.start_loss, state.history.baseline_loss) if v is not None and math.isfinite(v)]
        reference = max(candidates, default=0.0)
        if math.isfinite(loss):
            self.count = self.count + 1 if reference > 0 and loss > self.factor * reference else 0
            if self.count < self.patience:
                return
        parts = []
        if self.start_loss is not None:
            parts.append(f"the starting loss {self.start_loss:.4g}")
        if state.history.baseline_loss is not None:
            parts.append(f"a constant predictor's loss {state.history.baseline_loss:.4g}")
        compared = (f"is more than {self.factor:g} times max({', '.join(parts)}) for {self.count} epochs in a row"
                    if math.isfinite(loss) else "is not finite")
        state.stop_training = True
        state.failure = DivergenceError
        state.failed = (f"training diverged at epoch {state.epoch + 1}: the training loss {loss:.4g} {compared}. "
                        f"Try {_lower_lr(state, self.lr_name)}.")

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"start_loss": self.start_loss, "count": self.count}, {}

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        start = meta.get("start_loss")
        self.start_loss, self.count = (None if start is None else float(start)), int(meta.get("count", 0))


class LRScheduler(Callback):
    """Steps a learning-rate schedule (from :mod:`neuronkit.optim`) once per epoch.

    A ReduceLROnPlateau-style schedule is given the ``monitor`` value.

    Examples
    --------
    Halve the learning rate every epoch:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.optim import ExponentialLR
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> net = nk.mlp([1, 1], seed=0)
    >>> opt = nk.SGD(net.parameters(), lr=0.1)
    >>> history = nk.fit(net, X, y, epochs=3, batch_size=4, optimizer=opt, progress=False,
    ...                  callbacks=[nk.callbacks.LRScheduler(ExponentialLR(opt, gamma=0.5), monitor="loss")])
    >>> [round(lr, 3) for lr in history.history["lr"]]
    [0.1, 0.05, 0.025]
    """

    def __init__(self, schedule: Any, monitor: str = "val_loss") -> None:
        self.schedule = schedule
        self.monitor = monitor

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        if getattr(self.schedule, "needs_metric", False):
            key = self.monitor if self.monitor in logs else "loss"
            self.schedule.step(logs[key])
        else:
            self.schedule.step()

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"schedule": self.schedule.state_dict()}, {}

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.schedule.load_state_dict(meta["schedule"])


class HistoryLogger(Callback):
    """Writes the per-epoch history to ``path`` (``.csv`` or ``.json``) after every epoch, atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "history.csv")
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> _ = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=2, batch_size=4, progress=False,
    ...          callbacks=[nk.callbacks.HistoryLogger(path)])
    >>> with open(path) as f:
    ...     print(f.readline().strip())
    epoch,loss,r2,lr
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in (".csv", ".json"):
            raise ParameterError(f"HistoryLogger path must end in .csv or .json; got {str(self.path)!r}")

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        rows = state.history.rows()
        if self.path.suffix.lower() == ".json":
            text = json.dumps(rows, indent=1)
        else:
            buf = io.StringIO()
            keys = list(rows[0]) if rows else []
            writer = csv.DictWriter(buf, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
            text = buf.getvalue()
        from .io import atomic_write_text

        atomic_write_text(self.path, text)


class Checkpoint(Callback):
    """Saves a resumable checkpoint (weights, optimiser state, epoch, RNG state) every ``every`` epochs.

    ``fit(..., checkpoint=path)`` adds one; the file is written atomically, also
    when training is interrupted (Ctrl-C) or stopped by an error, and once more
    when training finishes (the final model, marked finished: resuming it trains
    nothing more). While fit runs, the checkpoint is locked against other runs
    (:class:`~neuronkit.checkpoints.CheckpointLock`).

    Examples
    --------
    ``checkpoint=path`` adds one; ``fit(..., resume=path)`` continues the run it saved:

    >>> import os, tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> first = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=2, batch_size=4, seed=0, progress=False, checkpoint=path)
    >>> os.path.exists(path)
    True
    """

    def __init__(self, path: str | os.PathLike, every: int = 1) -> None:
        self.path = Path(path)
        self.every = check_int(every, "every", low=1, owner="Checkpoint")

    def on_epoch_complete(self, state) -> None:
        if state.epoch % self.every == 0:  # state.epoch already counts the finished epoch
            self._save(state)

    def on_train_complete(self, state) -> None:
        self._save(state)  # state.finished is set: the run's final model

    def on_train_abort(self, state, exc: BaseException) -> None:
        if not state.in_update:  # mid-update weights would not resume exactly; the last saved file stays
            self._save(state)

    def _save(self, state) -> None:
        from .checkpoints import save_checkpoint

        save_checkpoint(self.path, state, state.callbacks)
        state.checkpoint_saved = self.path


class ActivationTimeline(Callback):
    """Records every neuron's learnable activation parameters over training, sampled and bounded.

    Every ``every`` optimiser steps (and at the start and the end) it copies each layer's activation
    parameters (``hidden1.activation.beta``, a dynamic activation's ``logits``, …). At most
    ``max_points`` samples are kept: when full, every other one is dropped and the interval doubles,
    so the record spans the whole run at an even spacing. At the end of training the record goes to
    ``history.activation_timeline`` (a dict, saved with the history in estimator files and
    checkpoints); :func:`neuronkit.inspect.plot_activation_timeline` draws it.

    Record layout (JSON): ``steps`` (optimiser step of each sample), ``epochs`` (epochs done, as a
    fraction), ``activations`` (layer name -> its activation's config), and ``parameters``
    (``"layer.activation.name"`` -> one nested list per sample, the parameter's values then).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.random.default_rng(0).standard_normal((32, 2)); y = X[:, 0] * X[:, 1]
    >>> timeline = nk.callbacks.ActivationTimeline(every=2, max_points=4)
    >>> history = nk.fit(nk.mlp([2, 3, 1], activation="swish", seed=0), X, y, epochs=3, batch_size=8,
    ...                  progress=False, seed=0, callbacks=[timeline])
    >>> history.activation_timeline["steps"], len(history.activation_timeline["parameters"]["hidden1.activation.beta"])
    ([0, 4, 8, 12], 4)
    """

    def __init__(self, every: int = 1, *, max_points: int = 200) -> None:
        self.every = check_int(every, "every", low=1, owner="ActivationTimeline")
        self.max_points = check_int(max_points, "max_points", low=2, owner="ActivationTimeline")
        self.steps: list[int] = []
        self.epochs: list[float] = []
        self.parameters: dict[str, list[Any]] = {}
        self.activations: dict[str, dict[str, Any]] = {}
        self._layers: list[tuple[str, Any]] = []  # (layer name, learnable activation), found at train begin

    @staticmethod
    def _tracked(model: Any, prefix: str = "") -> list[tuple[str, Any]]:
        """(layer name, activation) for each layer, at any depth, whose activation has parameters: a network's
        layers, a bare layer (named by its own name) and the layers inside one (an MoE's experts:
        ``moe1.expert0``)."""
        found: list[tuple[str, Any]] = []
        activation = vars(model).get("activation")
        if getattr(activation, "named_parameters", None) is not None and activation.named_parameters():
            found.append((prefix.rstrip(".") or str(getattr(model, "name", None) or type(model).__name__), activation))
        members = model.layers.items() if isinstance(vars(model).get("layers"), dict) else model._members()
        for key, value in members:
            if hasattr(value, "_members") and value is not activation:  # a Module (an activation is not one)
                found.extend(ActivationTimeline._tracked(value, f"{prefix}{key}."))
        return found

    def on_train_begin(self, state) -> None:
        tracked = self._layers = self._tracked(state.model)  # found once: fit does not change the model's layers
        if not tracked:
            raise ParameterError("ActivationTimeline records learnable activations, and this model has none; use "
                                 "e.g. activation='swish', 'dynamic', 'learnable_elu', 'threshold_relu', 'rational' "
                                 "or 'prelu'")
        self.activations = {name: activation.config() for name, activation in tracked}
        if not self.steps or self.steps[-1] != state.step:  # a resumed run already holds this sample
            self._record(state)

    def on_batch_end(self, state, loss: float) -> None:
        if state.step % self.every == 0:
            self._record(state, on_grid=True)

    def on_train_end(self, state) -> None:
        if not self.steps or self.steps[-1] != state.step:
            self._record(state)
        state.history.activation_timeline = self.to_dict()

    def _record(self, state, *, on_grid: bool = False) -> None:
        if len(self.steps) >= self.max_points:  # full: keep every other sample, sample half as often
            self.steps = self.steps[::2]
            self.epochs = self.epochs[::2]
            self.parameters = {k: v[::2] for k, v in self.parameters.items()}
            self.every *= 2
            if on_grid and state.step % self.every:  # not a sample at the new spacing
                return
        per_epoch = max(int(getattr(state, "steps_per_epoch", 0) or 0), 1)
        self.steps.append(int(state.step))
        self.epochs.append(round(state.step / per_epoch, 6))
        for layer, activation in self._layers:
            for name, parameter in activation.named_parameters():
                self.parameters.setdefault(f"{layer}.activation.{name}", []).append(
                    np.asarray(parameter.data, dtype=np.float64).tolist())

    def to_dict(self) -> dict[str, Any]:
        """The record (JSON-serialisable), as ``history.activation_timeline`` holds it."""
        return {"steps": list(self.steps), "epochs": list(self.epochs), "every": self.every,
                "max_points": self.max_points, "activations": dict(self.activations),
                "parameters": {k: list(v) for k, v in self.parameters.items()}}

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return self.to_dict(), {}

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.steps = [int(s) for s in meta["steps"]]
        self.epochs = [float(e) for e in meta["epochs"]]
        self.every = int(meta["every"])
        self.activations = dict(meta["activations"])
        self.parameters = {k: list(v) for k, v in meta["parameters"].items()}


def __getattr__(name: str) -> Any:
    """``nk.callbacks.Dashboard`` is :class:`neuronkit.dashboard.Dashboard`, imported on first use.

    A re-export as a package ``__init__`` would make it: the dashboard stands on this module (its
    callback subclasses :class:`Callback`), never the reverse, so importlib names it by string.
    """
    if name == "Dashboard":
        import importlib

        return importlib.import_module("neuronkit.dashboard").Dashboard
    raise AttributeError(f"module 'neuronkit.callbacks' has no attribute {name!r}")
