"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict` and the :class:`History`.

``fit`` does one job — minibatch gradient descent with validation — and is
extended by callbacks (progress bar, early stopping, checkpoints, logging,
schedules). Randomness comes only from ``seed``: shuffling uses
``default_rng([seed, epoch])`` and the validation split ``default_rng(seed)``,
so a run can be resumed exactly from any step.

>>> import numpy as np, neuronkit as nk
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2)).astype(np.float32)
>>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
>>> net = nk.mlp([2, 8, 2], output="softmax", seed=0)
>>> history = nk.fit(net, X, y, epochs=20, lr=0.05, seed=0, progress=False)
>>> history.history["accuracy"][-1] > 0.9
True
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from .callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryLogger,
    ProgressBar,
    TerminateOnNaN,
    overrides,
)
from .engine import Tensor, eval_mode, no_grad
from .layers import Module, Sequential
from .losses import Loss, get_loss
from .metrics import canonical_name, get_metric

CHECKPOINT_KIND = "checkpoint"


class TrainingError(RuntimeError):
    """Training could not go on (non-finite loss, an incompatible checkpoint, …); the message says why."""


# ----------------------------------------------------------------------------- history
class History:
    """Per-epoch training and validation loss and metrics.

    ``history.history`` maps ``"loss"``, ``"val_loss"``, ``"accuracy"``, … to
    lists (one value per epoch). ``diagnosis()`` says in words whether the
    curves show over- or under-fitting, and what to try.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.notes: list[str] = []
        self.baseline_loss: float | None = None
        self.interrupted = False
        self.failed: str | None = None

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * (len(self.epochs) - 1)).append(float(value))

    def rows(self) -> list[dict[str, float]]:
        return [{"epoch": e + 1, **{k: v[i] for k, v in self.history.items()}} for i, e in enumerate(self.epochs)]

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __len__(self) -> int:
        return len(self.epochs)

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "history": self.history, "notes": self.notes,
                "baseline_loss": self.baseline_loss, "interrupted": self.interrupted, "failed": self.failed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        h = cls()
        h.epochs = [int(e) for e in data.get("epochs", [])]
        h.history = {k: [float(x) for x in v] for k, v in data.get("history", {}).items()}
        h.notes = list(data.get("notes", []))
        h.baseline_loss = data.get("baseline_loss")
        h.interrupted = bool(data.get("interrupted", False))
        h.failed = data.get("failed")
        return h

    def diagnosis(self) -> str:
        """Over-fitting, under-fitting or neither, in words, judged from the loss curves.

        Over-fitting: the validation loss ended at least 10% (and 0.01) above its
        minimum, reached at least 3 epochs before the end, while the training
        loss kept falling. Under-fitting: the training loss is still above half
        of a constant predictor's loss (``baseline_loss``) and improved by less
        than 1% over the last quarter of the epochs.
        """
        loss = self.history.get("loss", [])
        val = self.history.get("val_loss", [])
        if len(loss) < 4:
            return "Too few epochs to judge over- or under-fitting."
        if len(val) == len(loss):
            best = int(np.nanargmin(val))
            rise = val[-1] - val[best]
            if best <= len(val) - 4 and rise > max(0.1 * abs(val[best]), 0.01) and loss[-1] < loss[best]:
                return (f"Over-fitting: validation loss was lowest at epoch {best + 1} ({val[best]:.4g}) and rose to "
                        f"{val[-1]:.4g} while training loss kept falling ({loss[best]:.4g} -> {loss[-1]:.4g}). "
                        "Try early stopping (restores the best epoch's weights), L2 regularisation (alpha / l2), "
                        "dropout, a smaller network, or more training data.")
        quarter = max(len(loss) // 4, 2)
        start = loss[-quarter]
        flat = start > 0 and (start - loss[-1]) / abs(start) < 0.01
        if self.baseline_loss and self.baseline_loss > 0 and flat and loss[-1] > 0.5 * self.baseline_loss:
            return (f"Under-fitting: training loss is flat at {loss[-1]:.4g}, more than half of a constant "
                    f"predictor's {self.baseline_loss:.4g}. Try more neurons or layers, more epochs, a higher "
                    "learning rate, scaling the input features, or less regularisation.")
        return "No sign of over- or under-fitting in the loss curves."


# ----------------------------------------------------------------------------- state
@dataclass
class TrainState:
    """Everything the loop knows; callbacks read it and may set ``stop_training``."""

    model: Module
    optimizer: Any
    loss: Loss
    history: History
    epochs: int
    steps_per_epoch: int
    seed: int
    batch_size: int
    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    last_loss: float = math.nan
    stop_training: bool = False
    failed: str | None = None
    interrupt_requested: bool = False
    pending_checkpoint: Path | None = None
    notes: list[str] = field(default_factory=list)
    # running sums for the current epoch (part of the checkpoint for exact resume)
    epoch_loss_sum: float = 0.0
    epoch_count: int = 0
    epoch_outputs: list[np.ndarray] = field(default_factory=list)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


# ----------------------------------------------------------------------------- helpers
def default_loss(model: Module) -> Loss:
    """Cross-entropy for a softmax output layer, binary cross-entropy for one sigmoid neuron, else MSE."""
    act = getattr(model, "output_activation", None)
    name = getattr(act, "name", None)
    if name == "softmax":
        return get_loss("cross_entropy")
    if name == "sigmoid" and getattr(model, "out_features", None) == 1:
        return get_loss("bce")
    return get_loss("mse")


def _forward_for_loss(model: Module, loss: Loss):
    """The function giving what ``loss`` expects: logits if the loss contains the output activation."""
    act = getattr(getattr(model, "output_activation", None), "name", None)
    if loss.output_activation is not None and act == loss.output_activation and hasattr(model, "logits"):
        return model.logits
    if loss.output_activation is not None and act not in (None, "identity"):
        raise ValueError(f"loss {loss.name!r} takes logits, but the network ends in a {act!r} layer that is not "
                         f"{loss.output_activation!r}; use activation={loss.output_activation!r} or 'identity' "
                         "for the output layer")
    return model


def _labels(outputs: np.ndarray, loss: Loss) -> np.ndarray:
    if loss.output_activation == "softmax":
        return outputs.argmax(axis=1)
    if loss.output_activation == "sigmoid":
        return (outputs > 0).astype(np.int64).reshape(outputs.shape[0], -1).squeeze(-1)
    return outputs


def _prepare_xy(model: Module, X: Any, y: Any, loss: Loss, what: str) -> tuple[np.ndarray, np.ndarray]:
    from .data import _all_finite

    dtype = model.parameters()[0].dtype if model.parameters() else np.float32
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    if X.ndim != 2:
        raise ValueError(f"{what}: X must be 2-D (n_samples, n_features); got shape {X.shape}")
    try:
        X = np.ascontiguousarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: X must contain only numbers") from None
    if not _all_finite(X):
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise ValueError(f"{what}: X contains NaN or infinite values (first at row {row}); fill or drop them")
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if len(y) != len(X):
        raise ValueError(f"{what}: X has {len(X)} samples but y has {len(y)}; give one target per sample")
    if loss.output_activation == "softmax":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        n_out = getattr(model, "out_features", None)
        if y.dtype.kind not in "iu" or y.ndim != 1:
            raise ValueError(f"{what}: cross-entropy needs y as integer class indices of shape (n,); got dtype "
                             f"{y.dtype}, shape {y.shape}. Encode labels as 0..C-1 (the estimators do this for you).")
        if n_out is not None and y.size and (y.min() < 0 or y.max() >= n_out):
            raise ValueError(f"{what}: y has class indices {y.min()}..{y.max()} but the output layer has {n_out} "
                             f"neurons; class indices must be in 0..{n_out - 1}")
        return X, y.astype(np.intp)
    y = np.ascontiguousarray(y, dtype=dtype)
    n_out = getattr(model, "out_features", None) or 1
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape[1] != n_out:
        raise ValueError(f"{what}: y has {y.shape[1]} columns but the output layer has {n_out} neurons")
    return X, y


def _baseline_loss(y: np.ndarray, loss: Loss) -> float:
    """The loss of the best constant prediction (for the under-fitting diagnosis)."""
    if loss.output_activation == "softmax":
        p = np.bincount(y) / len(y)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())
    if loss.output_activation == "sigmoid":
        q = float(np.clip(y.mean(), 1e-12, 1 - 1e-12))
        return float(-(q * math.log(q) + (1 - q) * math.log(1 - q)))
    if loss.name == "mae":
        return float(np.mean(np.abs(y - np.median(y, axis=0))))
    return float(np.mean((y - y.mean(axis=0)) ** 2))


def _split(X: np.ndarray, y: np.ndarray, fraction: float, seed: int, stratify: bool):
    """Hold out ``fraction`` of the samples for validation (stratified for classes): X, y, X_val, y_val."""
    from .data import train_test_split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_split must be in (0, 1); got {fraction!r}")
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=fraction, stratify=stratify, seed=seed)
    return X_train, y_train.astype(y.dtype, copy=False), X_val, y_val.astype(y.dtype, copy=False)


def _epoch_order(n: int, *, shuffle: bool, seed: int, epoch: int) -> np.ndarray:
    """The order in which epoch ``epoch`` visits the samples (the same on a resumed run)."""
    return np.random.default_rng([seed, epoch]).permutation(n) if shuffle else np.arange(n)


def iterate_batches(n: int, batch_size: int, *, shuffle: bool, seed: int, epoch: int) -> list[np.ndarray]:
    order = _epoch_order(n, shuffle=shuffle, seed=seed, epoch=epoch)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def outputs(model: Module, X: Any, *, logits: bool = False, batch_size: int = 4096) -> np.ndarray:
    """The network's outputs (or pre-activation logits of the last layer) for X, in eval mode, no graph.

    The model's own ``training`` flag is not touched: eval mode reaches the layers through
    :class:`~neuronkit.engine.eval_mode`, which holds for this thread only, so other threads
    may train or predict with the same model at the same time.
    """
    if logits and hasattr(model, "logits"):
        def fn(xb):
            return model.logits(xb).data
    else:
        fn = model.infer  # arrays in, arrays out: no Tensor bookkeeping, and it records no graph
    with no_grad(), eval_mode():
        X = X if type(X) is np.ndarray else np.asarray(X)
        n = len(X)
        if 0 < n <= batch_size:  # one batch: no slicing, no concatenation
            parts = [fn(X)]
        else:
            parts = [fn(X[i:i + batch_size]) for i in range(0, n, batch_size)]
    if len(parts) == 1 and not np.may_share_memory(parts[0], X):
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros((0, getattr(model, "out_features", 1) or 1))


def predict(model: Module, X: Any, *, batch_size: int = 4096) -> np.ndarray:
    """Outputs of the network for X (probabilities for softmax/sigmoid heads), under ``no_grad``."""
    return outputs(model, X, batch_size=batch_size)


def evaluate(model: Module, X: Any, y: Any, *, loss: str | Loss | None = None, metrics: Any = "auto",
             batch_size: int = 4096) -> dict[str, float]:
    """Loss and metrics of the model on (X, y), in eval mode under ``no_grad``."""
    loss_fn = default_loss(model) if loss is None else get_loss(loss)
    X, y = _prepare_xy(model, X, y, loss_fn, "evaluate")
    forward = _forward_for_loss(model, loss_fn)
    raw = outputs(model, X, logits=forward is not model, batch_size=batch_size)
    with no_grad():
        logs = {"loss": float(loss_fn.forward(Tensor(raw), y).data)}
    for name in _metric_names(metrics, loss_fn):
        logs[name] = get_metric(name)(y, _labels(raw, loss_fn))
    return logs


def _metric_names(metrics: Any, loss: Loss) -> list[str]:
    if metrics == "auto":
        return ["accuracy"] if loss.task == "classification" else ["r2"]
    if metrics is None:
        return []
    if isinstance(metrics, str):
        metrics = [metrics]
    return [canonical_name(m) for m in metrics]


@contextlib.contextmanager
def _sigint_requests_stop(state: TrainState) -> Iterator[None]:
    """During fit, Ctrl-C asks the loop to stop after the current step (so the checkpoint is consistent)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if state.interrupt_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        state.interrupt_requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ----------------------------------------------------------------------------- fit
def fit(model: Module, X: Any, y: Any, *, loss: str | Loss | None = None, optimizer: Any = "adam",
        lr: float | None = None, epochs: int = 10, batch_size: int = 32, shuffle: bool = True,
        seed: int | None = None, validation_split: float = 0.0, validation_data: tuple[Any, Any] | None = None,
        metrics: Any = "auto", callbacks: Iterable[Callback] = (), progress: bool = True,
        early_stopping: int | None = None, clip_norm: float | None = None, clip_value: float | None = None,
        checkpoint: str | Path | None = None, resume: str | Path | None = None, history_file: str | None = None,
        ) -> History:
    """Train ``model`` on (X, y) by minibatch gradient descent; returns the :class:`History`.

    X: (n_samples, n_features); y: integer classes (n,) for a softmax head, 0/1 for
    one sigmoid neuron, values (n,) or (n, outputs) otherwise. ``loss`` defaults from
    the output layer (cross_entropy / bce / mse). ``optimizer`` is a name or an
    optimiser instance; ``lr`` its learning rate. Each epoch logs ``loss`` (and
    ``val_loss`` with validation data) and metrics (accuracy or r2). ``early_stopping=k``
    adds :class:`~neuronkit.callbacks.EarlyStopping` (patience k, best weights restored);
    ``checkpoint=path`` saves a resumable checkpoint every epoch and on Ctrl-C;
    ``resume=path`` continues one exactly.
    """
    from .optim import clip_grad_norm, clip_grad_value, get_optimizer

    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1; got {epochs!r}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}")
    loss_fn = default_loss(model) if loss is None else get_loss(loss)
    X, y = _prepare_xy(model, X, y, loss_fn, "fit")
    if seed is None:
        seed = int(cast(int, np.random.SeedSequence().entropy) % (2**63))  # entropy: an int when drawn fresh
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (or None for a fresh one); got {seed!r}")
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    if validation_data is not None:
        X_val, y_val = _prepare_xy(model, *validation_data, loss_fn, "validation_data")
    elif validation_split:
        X, y, X_val, y_val = _split(X, y, validation_split, seed, loss_fn.task == "classification")
    else:
        X_val = y_val = None
    if isinstance(optimizer, (str, dict)):  # a name or {"name": ..., options}: get_optimizer builds it
        opt = get_optimizer(optimizer, model.parameters(), **({} if lr is None else {"lr": lr}))
    else:
        opt = optimizer
        if lr is not None:
            opt.lr = lr
    callbacks = list(callbacks)
    if not any(isinstance(c, TerminateOnNaN) for c in callbacks):
        callbacks.append(TerminateOnNaN())
    if early_stopping:
        callbacks.append(EarlyStopping("val_loss" if X_val is not None else "loss", patience=early_stopping))
    if checkpoint is not None:
        callbacks.append(Checkpoint(checkpoint))
    if history_file is not None:
        callbacks.append(HistoryLogger(history_file))
    if progress:
        callbacks.insert(0, ProgressBar())
    history = History()
    history.baseline_loss = _baseline_loss(y, loss_fn)
    steps_per_epoch = math.ceil(len(X) / batch_size)
    state = TrainState(model=model, optimizer=opt, loss=loss_fn, history=history, epochs=epochs,
                       steps_per_epoch=steps_per_epoch, seed=seed, batch_size=batch_size)
    if resume is not None:
        _load_checkpoint(resume, state, callbacks, n_samples=len(X), shuffle=shuffle)
    forward = _forward_for_loss(model, loss_fn)
    metric_names = _metric_names(metrics, loss_fn)
    penalised = [m for m in model.modules() if m.own_penalty() is not None]
    # layers that give their penalty's gradient directly skip the graph; others (custom layers) use it
    direct = [m for m in penalised if type(m).own_penalty_gradients is not Module.own_penalty_gradients]
    in_graph = [m for m in penalised if m not in direct]
    after_backward = [c for c in callbacks if overrides(c, "on_after_backward")]
    batch_end = [c for c in callbacks if overrides(c, "on_batch_end")]
    params = model.parameters()
    model.train()
    for c in callbacks:
        c.on_train_begin(state)
    in_update = False
    try:
        with _sigint_requests_stop(state):
            while state.epoch < epochs and not state.stop_training:
                if state.batch_in_epoch == 0:
                    for c in callbacks:
                        c.on_epoch_begin(state)
                batches = iterate_batches(len(X), batch_size, shuffle=shuffle, seed=seed, epoch=state.epoch)
                for idx in batches[state.batch_in_epoch:]:
                    xb, yb = X[idx], y[idx]
                    out = forward(xb)
                    batch_loss = loss_fn.forward(out, yb)
                    total = batch_loss
                    for m in in_graph:
                        total = total + m.own_penalty()
                    for p in params:
                        p.grad = None
                    total.backward()
                    for m in direct:  # the regularisation gradient, added directly (no graph nodes)
                        for p, g in m.own_penalty_gradients():
                            p.grad = g if p.grad is None else p.grad + g
                    state.last_loss = float(batch_loss.data)
                    for c in after_backward:
                        c.on_after_backward(state)
                    if state.stop_training:
                        break
                    in_update = True
                    if clip_value is not None:
                        clip_grad_value(params, clip_value)
                    if clip_norm is not None:
                        clip_grad_norm(params, clip_norm)
                    opt.step()
                    state.epoch_loss_sum += state.last_loss * len(idx)
                    state.epoch_count += len(idx)
                    if metric_names:
                        state.epoch_outputs.append(out.data)
                    state.step += 1
                    state.batch_in_epoch += 1
                    in_update = False
                    for c in batch_end:
                        c.on_batch_end(state, state.last_loss)
                    if state.interrupt_requested:
                        raise KeyboardInterrupt
                if state.stop_training and state.failed:
                    break
                logs = _epoch_logs(state, model, loss_fn, metric_names, y, X_val, y_val, batch_size, shuffle, len(X))
                history.append(state.epoch, logs)
                for c in callbacks:
                    c.on_epoch_end(state, logs)
                state.epoch += 1
                state.batch_in_epoch = 0
                if state.pending_checkpoint is not None:
                    save_checkpoint(state.pending_checkpoint, state, callbacks)
                    state.pending_checkpoint = None
    except BaseException as exc:
        history.interrupted = isinstance(exc, KeyboardInterrupt)
        saved = None
        if checkpoint is not None and not in_update:
            save_checkpoint(checkpoint, state, callbacks)
            saved = checkpoint
        for c in callbacks:
            if isinstance(c, ProgressBar):
                c.on_train_end(state)
        if isinstance(exc, KeyboardInterrupt):
            raise TrainingInterrupted(state.epoch, state.step, saved) from None
        raise
    if state.failed:
        history.failed = state.failed
    for c in callbacks:
        c.on_train_end(state)
    history.notes[:] = list(dict.fromkeys(history.notes + state.notes))
    model.eval()
    if state.failed:
        raise TrainingError(state.failed)
    return history


class TrainingInterrupted(KeyboardInterrupt):
    """Raised when training is interrupted (Ctrl-C); ``checkpoint`` is where the state was saved (or None)."""

    def __init__(self, epoch: int, step: int, checkpoint: str | Path | None) -> None:
        self.epoch, self.step, self.checkpoint = epoch, step, checkpoint
        where = f"; checkpoint saved to {checkpoint} (resume with resume=...)" if checkpoint else ""
        super().__init__(f"training interrupted at epoch {epoch + 1}, step {step}{where}")


def _epoch_logs(state: TrainState, model: Module, loss_fn: Loss, metric_names: list[str], y: np.ndarray,
                X_val, y_val, batch_size: int, shuffle: bool, n: int) -> dict[str, float]:
    logs = {"loss": state.epoch_loss_sum / max(state.epoch_count, 1)}
    if metric_names and state.epoch_outputs:
        order = _epoch_order(n, shuffle=shuffle, seed=state.seed, epoch=state.epoch)
        preds = _labels(np.concatenate(state.epoch_outputs), loss_fn)
        for name in metric_names:
            logs[name] = get_metric(name)(y[order[:len(preds)]], preds)
    if X_val is not None:
        forward_logits = _forward_for_loss(model, loss_fn) is not model
        raw = outputs(model, X_val, logits=forward_logits)
        with no_grad():
            logs["val_loss"] = float(loss_fn.forward(Tensor(raw), y_val).data)
        for name in metric_names:
            logs[f"val_{name}"] = get_metric(name)(y_val, _labels(raw, loss_fn))
    lr = getattr(state.optimizer, "lr", None)
    if lr is not None:
        logs["lr"] = float(lr)
    state.epoch_loss_sum, state.epoch_count, state.epoch_outputs = 0.0, 0, []
    return logs


# ----------------------------------------------------------------------------- checkpoints
def _module_rngs(model: Module) -> list[tuple[str, np.random.Generator]]:
    found = []
    for i, m in enumerate(model.modules()):
        rng = getattr(m, "rng", None)
        if isinstance(rng, np.random.Generator):
            found.append((f"{i}:{m.name}", rng))
    return found


def save_checkpoint(path: str | Path, state: TrainState, callbacks: Iterable[Callback] = ()) -> None:
    """Write a resumable checkpoint atomically: weights, optimiser state, epoch/step, RNG and callback state."""
    from .io import save_arrays

    arrays: dict[str, np.ndarray] = {f"model.{k}": v for k, v in state.model.state_dict().items()}
    opt_meta, opt_arrays = state.optimizer.state_dict()
    arrays.update({f"optim.{k}": v for k, v in opt_arrays.items()})
    cb_meta = {}
    for i, c in enumerate(callbacks):
        if hasattr(c, "state_dict"):
            m, a = c.state_dict()
            cb_meta[f"{i}:{type(c).__name__}"] = m
            arrays.update({f"callback.{i}.{k}": v for k, v in a.items()})
    if state.epoch_outputs:
        arrays["epoch.outputs"] = np.concatenate(state.epoch_outputs)
    meta = {
        "kind": CHECKPOINT_KIND,
        "network": state.model.config() if isinstance(state.model, Sequential) else None,
        "epoch": state.epoch, "step": state.step, "batch_in_epoch": state.batch_in_epoch,
        "seed": state.seed, "batch_size": state.batch_size, "epochs": state.epochs,
        "epoch_loss_sum": state.epoch_loss_sum, "epoch_count": state.epoch_count,
        "optimizer": opt_meta, "callbacks": cb_meta, "history": state.history.to_dict(),
        "rng": {name: rng.bit_generator.state for name, rng in _module_rngs(state.model)},
    }
    save_arrays(path, arrays, meta)


def _load_checkpoint(path: str | Path, state: TrainState, callbacks: list[Callback], *, n_samples: int,
                     shuffle: bool) -> None:
    from .io import load_arrays

    arrays, meta = load_arrays(path)
    if meta.get("kind") != CHECKPOINT_KIND:
        raise TrainingError(f"{path} is not a training checkpoint (it holds a {meta.get('kind')!r}); "
                            "to continue training a saved model, load it with nk.load() and call fit again")
    if meta["batch_size"] != state.batch_size:
        raise TrainingError(f"checkpoint {path} was made with batch_size={meta['batch_size']}; resume with the same "
                            f"batch size (got {state.batch_size})")
    model_state = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    try:
        state.model.load_state_dict(model_state)
    except ValueError as exc:
        raise TrainingError(f"checkpoint {path} does not fit this network: {exc}") from None
    state.optimizer.load_state_dict(meta["optimizer"],
                                    {k[len("optim."):]: v for k, v in arrays.items() if k.startswith("optim.")})
    for i, c in enumerate(callbacks):
        key = f"{i}:{type(c).__name__}"
        if hasattr(c, "load_state_dict") and key in meta["callbacks"]:
            prefix = f"callback.{i}."
            c.load_state_dict(meta["callbacks"][key],
                              {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
    for name, rng in _module_rngs(state.model):
        if name in meta["rng"]:
            rng.bit_generator.state = meta["rng"][name]
    state.seed = int(meta["seed"])
    state.epoch, state.step, state.batch_in_epoch = int(meta["epoch"]), int(meta["step"]), int(meta["batch_in_epoch"])
    state.epoch_loss_sum, state.epoch_count = float(meta["epoch_loss_sum"]), int(meta["epoch_count"])
    state.epoch_outputs = [arrays["epoch.outputs"]] if "epoch.outputs" in arrays else []
    restored = History.from_dict(meta["history"])
    state.history.history, state.history.epochs, state.history.notes = (restored.history, restored.epochs,
                                                                        restored.notes)
