"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`.

``fit`` does one job — minibatch gradient descent with validation — and is
extended by callbacks through one list: the progress bar, early stopping,
checkpoints, history logs, schedules and health monitors are all
:class:`~neuronkit.callbacks.Callback` objects, and the loop treats them alike
(``fit``'s ``progress=``, ``early_stopping=``, ``checkpoint=`` and
``history_file=`` are shorthands that add one). Randomness comes only from
``seed``: shuffling uses ``default_rng([seed, epoch])`` (see
:func:`neuronkit.data.batch_indices`, the one batch iterator) and the validation
split ``default_rng(seed)``, so a run can be resumed exactly from any step.

>>> import numpy as np, neuronkit as nk
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2)).astype(np.float32)
>>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
>>> net = nk.mlp([2, 8, 2], output="softmax", seed=0)
>>> history = nk.fit(net, X, y, epochs=20, lr=0.05, seed=0, progress=False)
>>> history.history["accuracy"][-1] > 0.9
True

Where things go: a new way to watch or steer training is a callback (its own
class in :mod:`neuronkit.callbacks`), never a flag inside ``fit``; the history
lives in :mod:`neuronkit.history`, checkpoints in :mod:`neuronkit.checkpoints`.
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
    Divergence,
    EarlyStopping,
    HistoryLogger,
    ProgressBar,
    TerminateOnNaN,
    overrides,
)
from .checkpoints import CHECKPOINT_KIND, CheckpointLock, data_checksum, load_checkpoint, save_checkpoint
from .data.batches import batch_indices
from .engine import Tensor, eval_mode, no_grad
from .errors import DataError, ParameterError, ParameterTypeError, ShapeError, TrainingError, TrainingInterrupted
from .history import History
from .layers import Module
from .layers.base import label
from .losses import Loss, get_loss
from .metrics import canonical_name, get_metric
from .validation import (
    check_array,
    check_bool,
    check_class_indices,
    check_consistent_length,
    check_finite,
    check_int,
    check_number,
    column_names,
)

__all__ = [
    "CHECKPOINT_KIND", "History", "TrainState", "TrainingError", "TrainingInterrupted", "default_loss",
    "epoch_order", "evaluate", "fit", "outputs", "predict", "save_checkpoint",
]


# ----------------------------------------------------------------------------- state
@dataclass
class TrainState:
    """Everything the loop knows; callbacks read it and may set ``stop_training``.

    ``callbacks`` is the one list the loop calls; ``in_update`` is true while the
    optimiser changes the weights (a checkpoint then would not be consistent);
    ``checkpoint_saved`` is where a callback saved the state when training stopped early.
    """

    model: Module
    optimizer: Any
    loss: Loss
    history: History
    epochs: int
    steps_per_epoch: int
    seed: int
    batch_size: int
    callbacks: list[Callback] = field(default_factory=list)
    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    last_loss: float = math.nan
    stop_training: bool = False
    failed: str | None = None
    failure: type[TrainingError] = TrainingError
    settings: dict[str, Any] = field(default_factory=dict)
    initial_lr: float | None = None
    finished: bool = False
    interrupt_requested: bool = False
    in_update: bool = False
    checkpoint_saved: Path | None = None
    notes: list[str] = field(default_factory=list)
    # the data the loop trains and validates on (after any validation split), for observers such as the dashboard
    X: Any = None
    y: Any = None
    X_val: Any = None
    y_val: Any = None
    # running sums for the current epoch (part of the checkpoint for exact resume)
    epoch_loss_sum: float = 0.0
    epoch_count: float = 0.0
    epoch_outputs: list[np.ndarray] = field(default_factory=list)
    # the current batch's weight (samples, or the sum of their sample weights); a data-parallel callback sets the
    # global batch's in on_after_backward, with the global batch's loss in last_loss
    batch_weight: float = 0.0

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


# ----------------------------------------------------------------------------- helpers
def default_loss(model: Module) -> Loss:
    """Cross-entropy for a softmax output layer, binary cross-entropy for one sigmoid neuron, the rate
    cross-entropy for a spiking network (one that starts with an encoder: its outputs are spikes over time),
    else MSE.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.training import default_loss
    >>> type(default_loss(nk.mlp([2, 3], output="softmax", seed=0))).__name__
    'CrossEntropy'
    >>> type(default_loss(nk.mlp([2, 1], output="sigmoid", seed=0))).__name__
    'BinaryCrossEntropy'
    >>> type(default_loss(nk.mlp([2, 1], seed=0))).__name__
    'MSE'
    """
    if getattr(_first_layer(model), "makes_time_axis", False):
        return get_loss("rate_cross_entropy")
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
        raise ParameterError(f"loss {loss.name!r} takes logits, but the network ends in a {act!r} layer that is not "
                         f"{loss.output_activation!r}; use activation={loss.output_activation!r} or 'identity' "
                         "for the output layer")
    return model


def _labels(outputs: np.ndarray, loss: Loss) -> np.ndarray:
    """Predicted labels (or values) from outputs already decoded by ``loss.decode``."""
    if loss.output_activation == "sigmoid":
        return (outputs > 0).astype(np.int64).reshape(outputs.shape[0], -1).squeeze(-1)
    if loss.output_activation == "softmax" or loss.task == "classification":  # class scores (N, C)
        return outputs.argmax(axis=1)
    return outputs


def _class_targets(loss: Loss) -> bool:
    """Does ``loss`` take integer classes (cross-entropy, the spike losses), rather than a target matrix?"""
    return loss.output_activation == "softmax" or (loss.task == "classification" and loss.output_activation is None)


def _first_layer(model: Module) -> Module:
    """The layer that receives X: a network's first layer (recursively), or the model itself."""
    layers = vars(model).get("layers")
    while isinstance(layers, dict) and layers:
        model = next(iter(layers.values()))
        layers = vars(model).get("layers")
    return model


def _token_ids(X: Any, layer: Module, what: str) -> np.ndarray:
    """X for a model whose first layer takes token ids: a 2-D integer array (n_samples, sequence_length).

    Whole numbers stored as floats are taken (CSV columns often are); others are refused, naming X.
    """
    array = np.asarray(X)
    if array.dtype.kind not in "iuf":
        array = check_array(X, "X", ndim=None, dtype=np.float64, owner=what)  # its messages for text, None, …
    who = f"{what}: X holds token ids for layer {label(layer)!r} ({type(layer).__name__})"
    if array.dtype.kind == "f":
        check_finite(array, "X", owner=what)
        fractional = np.argwhere(array != np.round(array))
        if len(fractional):
            where = tuple(int(i) for i in fractional[0])
            raise DataError(f"{who}, which must be whole numbers; got {float(array[where])!r} at index {where}. "
                            "Turn text into ids with a tokenizer first")
        array = array.astype(np.int64)
    if array.ndim != 2 or len(array) == 0:
        raise ShapeError(f"{who}: X must be 2-D (n_samples, sequence_length) with at least one sample; got shape "
                         f"{array.shape}")
    vocabulary = vars(layer).get("num_embeddings")
    if isinstance(vocabulary, int) and array.size and (array.min() < 0 or array.max() >= vocabulary):
        where = tuple(int(i) for i in np.argwhere((array < 0) | (array >= vocabulary))[0])
        raise DataError(f"{who}, which has ids 0..{vocabulary - 1} (num_embeddings={vocabulary}); got id "
                        f"{int(array[where])} at index {where}")
    return np.ascontiguousarray(array, dtype=np.int64)


def _prepare_x(model: Module, X: Any, what: str) -> np.ndarray:
    """X as the model's first layer takes it, checked against that layer with the layer's own message.

    Token ids (a first layer with ``input_kind = "ids"``, such as Embedding) stay integers; any
    other X becomes a finite C-contiguous float array of the model's dtype, of any rank the first
    layer takes: (N, features) for Dense, (N, C, H, W) for Conv2d, …
    """
    X = X.data if isinstance(X, Tensor) else X
    first = _first_layer(model)
    if getattr(first, "input_kind", "float") == "ids":
        X = _token_ids(X, first, what)
    else:
        dtype = model.parameters()[0].dtype if model.parameters() else np.float32
        X = check_array(X, "X", ndim=None, dtype=dtype, owner=what)
        if X.ndim < 2:
            check_array(X, "X", ndim=2, dtype=dtype, owner=what)  # its message: "X must be 2-D (n_samples, …"
        X = np.ascontiguousarray(X)
    with no_grad(), eval_mode():  # one sample through the first layer: a wrong shape gets the layer's message
        first.infer(X[:1])
    return X


def _prepare_xy(model: Module, X: Any, y: Any, loss: Loss, what: str) -> tuple[np.ndarray, np.ndarray]:
    """X as the first layer takes it (:func:`_prepare_x`); y as class indices or a target matrix."""
    X = _prepare_x(model, X, what)
    dtype = model.parameters()[0].dtype if model.parameters() else np.float32
    if y is None:
        raise ParameterError(f"{what}: y is required (the targets, one per row of X)")
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.ndim == 0:
        raise ShapeError(f"{what}: y must hold one target per sample; got a single value {y!r}")
    check_consistent_length(X, y, owner=what)
    n_out = getattr(model, "out_features", None)
    if _class_targets(loss):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        where = f"the output layer has {n_out} neurons" if n_out is not None else None
        return X, check_class_indices(y, n_out if n_out is not None else np.iinfo(np.intp).max, owner=what,
                                      where=where)
    y = check_array(y, "y", ndim=(1, 2), dtype=dtype, owner=what)
    y = np.ascontiguousarray(y.reshape(-1, 1) if y.ndim == 1 else y)
    if y.shape[1] != (n_out or 1):
        raise ShapeError(f"{what}: y has {y.shape[1]} columns but the output layer has {n_out or 1} neurons")
    return X, y


def check_feature_names(model: Module, X: Any, what: str) -> None:
    """Refuse a DataFrame whose columns are not the ones the model was fitted on, in the same order."""
    fitted = getattr(model, "feature_names_in_", None)
    names = column_names(X)
    if fitted is None or names is None or list(fitted) == names:
        return
    missing = [c for c in fitted if c not in names]
    extra = [c for c in names if c not in list(fitted)]
    if missing or extra:
        detail = "; ".join(part for part in (f"missing {missing}" if missing else "",
                                             f"not seen in fit {extra}" if extra else "") if part)
    else:
        detail = f"same columns in another order: {names}"
    raise DataError(f"{what}: X has columns that differ from those the model was fitted on ({detail}); "
                    f"give the columns {list(fitted)} in that order")


def _sample_weight(sample_weight: Any, n: int, what: str = "fit") -> np.ndarray | None:
    """``sample_weight`` as finite non-negative float64 weights, one per sample, not all zero."""
    if sample_weight is None:
        return None
    w = check_array(sample_weight, "sample_weight", ndim=1, dtype=np.float64, owner=what)
    if len(w) != n:
        raise ShapeError(f"{what}: sample_weight has {len(w)} values but X has {n} samples; give one per sample")
    if (w < 0).any() or not w.any():
        raise ParameterError(f"{what}: sample_weight must be >= 0 with at least one weight > 0")
    return w


def _baseline_loss(y: np.ndarray, loss: Loss) -> float | None:
    """The loss of the best constant prediction (for the under-fitting diagnosis); None if not known."""
    if loss.output_activation == "softmax":
        p = np.bincount(y) / len(y)
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())
    if loss.output_activation == "sigmoid":
        q = float(np.clip(y.mean(), 1e-12, 1 - 1e-12))
        return float(-(q * math.log(q) + (1 - q) * math.log(1 - q)))
    if loss.task == "classification":  # outputs of another form (spike losses): no constant predictor to compare
        return None
    if loss.name == "mae":
        return float(np.mean(np.abs(y - np.median(y, axis=0))))
    return float(np.mean((y - y.mean(axis=0)) ** 2))


def _split(n: int, y: np.ndarray, fraction: float, seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) holding out ``fraction`` of the samples (stratified for classes)."""
    from .data import train_test_split

    fraction = check_number(fraction, "validation_split", low=0.0, high=1.0, low_open=True, high_open=True)
    index = np.arange(n, dtype=np.float64).reshape(-1, 1)
    train, val, _, _ = train_test_split(index, y, test_size=fraction, stratify=stratify, seed=seed)
    return train[:, 0].astype(np.intp), val[:, 0].astype(np.intp)


def epoch_order(n: int, *, shuffle: bool, seed: int, epoch: int) -> np.ndarray:
    """The order in which epoch ``epoch`` visits the samples (the same on a resumed run).

    Examples
    --------
    >>> from neuronkit.training import epoch_order
    >>> epoch_order(4, shuffle=False, seed=0, epoch=0)
    array([0, 1, 2, 3])
    >>> sorted(epoch_order(4, shuffle=True, seed=0, epoch=1).tolist())
    [0, 1, 2, 3]
    """
    return np.concatenate(batch_indices(n, max(n, 1), shuffle=shuffle, seed=seed, epoch=epoch) or [np.arange(0)])


def outputs(model: Module, X: Any, *, logits: bool = False, batch_size: int = 4096) -> np.ndarray:
    """The network's outputs (or pre-activation logits of the last layer) for X, in eval mode, no graph.

    The model's own ``training`` flag is not touched: eval mode reaches the layers through
    :class:`~neuronkit.engine.eval_mode`, which holds for this thread only, so other threads
    may train or predict with the same model at the same time.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.training import outputs
    >>> net = nk.mlp([1, 2], output="softmax", seed=0)
    >>> net["output"].weight.data[:] = [[1.0], [-1.0]]; net["output"].bias.data[:] = 0.0
    >>> outputs(net, [[0.0]])
    array([[0.5, 0.5]], dtype=float32)
    >>> outputs(net, [[1.0]], logits=True)
    array([[ 1., -1.]], dtype=float32)
    """
    if logits and hasattr(model, "logits"):
        def fn(xb):
            return model.logits(xb).data
    else:
        fn = model.infer  # arrays in, arrays out: no Tensor bookkeeping, and it records no graph
    if type(X) is not np.ndarray:
        check_feature_names(model, X, "predict")
        X = np.asarray(X)
    first = _first_layer(model)
    if getattr(first, "input_kind", "float") == "ids":  # token ids stay integers (whole floats are taken)
        X = _token_ids(X, first, "predict")
    n = len(X)
    # a model put in eval mode (as fit leaves it) needs no override: one context switch less at batch 1
    with no_grad(), (eval_mode() if model.training else contextlib.nullcontext()):
        if 0 < n <= batch_size:  # one batch: no slicing, no concatenation
            parts = [fn(X)]
        else:
            parts = [fn(X[i:i + batch_size]) for i in range(0, n, batch_size)]
    if len(parts) == 1 and not np.may_share_memory(parts[0], X):
        return parts[0]
    batch_axis = 1 if getattr(first, "makes_time_axis", False) else 0  # after an encoder: (T, batch, ...)
    return np.concatenate(parts, axis=batch_axis) if parts else np.zeros((0, getattr(model, "out_features", 1) or 1))


def predict(model: Module, X: Any, *, batch_size: int = 4096) -> np.ndarray:
    """Outputs of the network for X (probabilities for softmax/sigmoid heads), under ``no_grad``.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.training import predict
    >>> net = nk.mlp([1, 1], output="sigmoid", seed=0)
    >>> net["output"].weight.data[:] = 1.0; net["output"].bias.data[:] = 0.0
    >>> predict(net, [[0.0], [100.0]])
    array([[0.5],
           [1. ]], dtype=float32)
    """
    return outputs(model, X, batch_size=batch_size)


def evaluate(model: Module, X: Any, y: Any, *, loss: str | Loss | None = None, metrics: Any = "auto",
             batch_size: int = 4096) -> dict[str, float]:
    """Loss and metrics of the model on (X, y), in eval mode under ``no_grad``.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.training import evaluate
    >>> net = nk.mlp([1, 1], seed=0)
    >>> net["output"].weight.data[:] = 2.0; net["output"].bias.data[:] = 1.0
    >>> evaluate(net, [[0.0], [1.0]], [1.0, 4.0])
    {'loss': 0.5, 'r2': 0.7777777777777778}
    """
    loss_fn = default_loss(model) if loss is None else get_loss(loss)
    check_feature_names(model, X, "evaluate")
    X, y = _prepare_xy(model, X, y, loss_fn, "evaluate")
    forward = _forward_for_loss(model, loss_fn)
    raw = outputs(model, X, logits=forward is not model, batch_size=batch_size)
    with no_grad():
        logs = {"loss": float(loss_fn.forward(Tensor(raw), y).data)}
    for name in _metric_names(metrics, loss_fn):
        logs[name] = get_metric(name)(y, _labels(loss_fn.decode(raw), loss_fn))
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
        seed: int | None = None, validation_split: float = 0.0, validation_data: tuple[Any, ...] | None = None,
        sample_weight: Any = None, metrics: Any = "auto", callbacks: Iterable[Callback] = (),
        progress: bool = True, early_stopping: int | None = None, divergence: bool = True,
        clip_norm: float | None = None, clip_value: float | None = None, checkpoint: str | Path | None = None,
        resume: str | Path | None = None, settings: dict[str, Any] | None = None, force: bool = False,
        history_file: str | None = None) -> History:
    r"""Train ``model`` on (X, y) by minibatch gradient descent; returns the :class:`History`.

    X: (n_samples, n_features) (arrays, lists or a pandas DataFrame); y: integer classes
    (n,) for a softmax head, 0/1 for one sigmoid neuron, values (n,) or (n, outputs)
    otherwise. ``loss`` defaults from the output layer (cross_entropy / bce / mse).
    ``optimizer`` is a name, a dict or an optimiser instance; ``lr`` its learning rate.
    ``sample_weight`` (n,) weighs each sample's loss (each batch's loss is
    ``Σ wᵢ lᵢ / Σ wᵢ``, scikit-learn's rule); ``validation_data`` may be ``(X, y)`` or
    ``(X, y, weights)``. Each epoch logs ``loss`` (and ``val_loss`` with validation data)
    and metrics (accuracy or r2). ``callbacks`` extend the loop; ``progress=True`` adds
    a :class:`~neuronkit.callbacks.ProgressBar`, ``early_stopping=k`` an
    :class:`~neuronkit.callbacks.EarlyStopping` (patience k, best weights restored),
    ``divergence=True`` (the default) a :class:`~neuronkit.callbacks.Divergence`, which
    fails with :class:`~neuronkit.errors.DivergenceError` when the training loss is
    non-finite, or above 10 times the larger of its starting value and a constant
    predictor's for 2 epochs in a row (``divergence=False``, or your own instance in
    ``callbacks``, to change that),
    ``checkpoint=path`` a :class:`~neuronkit.callbacks.Checkpoint` (every epoch, on
    Ctrl-C, and the finished model; locked against other runs while fit runs),
    ``history_file=path`` a :class:`~neuronkit.callbacks.HistoryLogger`.
    ``resume=path`` continues a checkpoint exactly (a finished run's: nothing more is
    trained). The checkpoint records ``settings`` (default: this call's seed, learning
    rate, optimiser, loss, validation split, shuffle, clipping, early stopping and a
    checksum of the data; a dict of your own replaces them) and a resume with other
    values is refused, each difference named, unless ``force=True``.

    Examples
    --------
    Learning :math:`y = 2x + 1` with one linear neuron and the mean squared error
    :math:`L = \frac{1}{N}\sum_n (\hat y_n - y_n)^2`:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> net = nk.mlp([1, 1], seed=0)
    >>> history = nk.fit(net, X, y, epochs=300, batch_size=4, optimizer="sgd", lr=0.1, progress=False, seed=0)
    >>> net["output"].weight.data.round(2), net["output"].bias.data.round(2)
    (array([[2.]], dtype=float32), array([1.], dtype=float32))
    >>> round(history.history["loss"][-1], 4)
    0.0
    """
    from .optim import clip_grad_norm, clip_grad_value, get_optimizer

    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    loss_fn = default_loss(model) if loss is None else get_loss(loss)
    _forward_for_loss(model, loss_fn)  # refuse a loss that does not fit the output layer before looking at y
    names = column_names(X)
    X, y = _prepare_xy(model, X, y, loss_fn, "fit")
    weights = _sample_weight(sample_weight, len(X))
    seed_given = None if seed is None else check_int(seed, "seed", low=0)
    # entropy: an int when drawn fresh
    seed = int(cast(int, np.random.SeedSequence().entropy) % (2**63)) if seed_given is None else seed_given
    X_val, y_val, w_val = None, None, None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ParameterError(f"validation_data must be (X_val, y_val) or (X_val, y_val, weights); "
                                 f"got {type(validation_data).__name__}")
        X_val, y_val = _prepare_xy(model, validation_data[0], validation_data[1], loss_fn, "validation_data")
        if len(validation_data) == 3:
            w_val = _sample_weight(validation_data[2], len(X_val), "validation_data")
    data = (X, y, weights, X_val, y_val, w_val)  # as given, before any split: for the checkpoint's checksum
    if validation_data is None and validation_split:
        train, val = _split(len(X), y, validation_split, seed, loss_fn.task == "classification")
        X_val, y_val = X[val], y[val]
        X, y = X[train], y[train]
        if weights is not None:
            weights, w_val = weights[train], weights[val]
    if isinstance(optimizer, (str, dict)):  # a name or {"name": ..., options}: get_optimizer builds it
        opt = get_optimizer(optimizer, model.parameters(), **({} if lr is None else {"lr": lr}))
    else:
        opt = optimizer
        if lr is not None:
            opt.lr = lr
    callback_list = _callback_list(callbacks, progress=progress, early_stopping=early_stopping,
                                   divergence=divergence, monitor="val_loss" if X_val is not None else "loss",
                                   checkpoint=checkpoint, history_file=history_file)
    if names is not None:  # a DataFrame's column names are the model's feature names from now on
        model.feature_names_in_ = np.asarray(names, dtype=object)  # type: ignore[attr-defined]
    history = History()
    history.baseline_loss = _baseline_loss(y, loss_fn)
    initial_lr = getattr(opt, "lr", None)
    if settings is not None and not isinstance(settings, dict):
        raise ParameterTypeError(f"settings must be a dict (name -> value, JSON-able) or None; got "
                             f"{type(settings).__name__}")
    if settings is None and (resume is not None or any(isinstance(c, Checkpoint) for c in callback_list)):
        settings = {**({} if seed_given is None else {"seed": seed_given}), "lr": initial_lr,
                    "optimizer": {"type": type(opt).__name__,
                                  **{k: v for k, v in getattr(opt, "hyperparameters", {}).items() if k != "lr"}},
                    "loss": loss_fn.name, "validation_split": validation_split, "shuffle": shuffle,
                    "early_stopping": early_stopping, "clip_norm": clip_norm, "clip_value": clip_value,
                    "data checksum": data_checksum(*data)}
    force = check_bool(force, "force")
    clip = _clipper(clip_norm, clip_value, clip_grad_norm, clip_grad_value)
    state = TrainState(model=model, optimizer=opt, loss=loss_fn, history=history, epochs=epochs,
                       steps_per_epoch=math.ceil(len(X) / batch_size), seed=seed, batch_size=batch_size,
                       callbacks=callback_list, settings=dict(settings or {}), initial_lr=initial_lr,
                       X=X, y=y, X_val=X_val, y_val=y_val)
    with _checkpoint_locks(callback_list):
        if resume is not None:
            _resume(resume, state, callback_list, force=force)
        _run(state, X, y, weights, (X_val, y_val, w_val), shuffle=shuffle, metrics=metrics, clip=clip)
    return history


def _resume(path: str | Path, state: TrainState, callbacks: list[Callback], *, force: bool) -> None:
    """Load a checkpoint into ``state``; what was forced or finished goes into the history's notes."""
    forced = load_checkpoint(path, state, callbacks, force=force)
    if forced:
        state.notes.append(f"resumed from {path} with settings that differ from the checkpoint's (forced): "
                           + "; ".join(forced))
    if state.finished:
        state.notes.append(f"resumed from {path}, a finished run: no epoch trained; the model is the one that run "
                           "ended with")


def _run(state: TrainState, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
         validation: tuple[Any, Any, Any], *, shuffle: bool, metrics: Any, clip: Any) -> None:
    """The loop: epochs of batches, the callbacks called at each point, until done, stopped or failed."""
    model, loss_fn, history, callback_list = state.model, state.loss, state.history, state.callbacks
    train_step = _Step(model, loss_fn, state.optimizer, callback_list, clip)
    shards = [c for c in callback_list if overrides(c, "shard_batch")]  # data parallel: this process's share
    metric_names = _metric_names(metrics, loss_fn)
    model.train()
    for c in callback_list:
        c.on_train_begin(state)
    try:
        with _sigint_requests_stop(state):
            while state.epoch < state.epochs and not state.stop_training and not state.finished:
                if state.batch_in_epoch == 0:
                    for c in callback_list:
                        c.on_epoch_begin(state)
                batches = batch_indices(len(X), state.batch_size, shuffle=shuffle, seed=state.seed,
                                        epoch=state.epoch)
                for idx in batches[state.batch_in_epoch:]:
                    for c in shards:
                        idx = c.shard_batch(state, idx)
                    train_step(state, X[idx], y[idx], None if weights is None else weights[idx],
                               keep_outputs=bool(metric_names))
                    if state.stop_training:
                        break
                    if state.interrupt_requested:
                        raise KeyboardInterrupt
                if state.stop_training and state.failed:
                    break
                logs = _epoch_logs(state, model, loss_fn, metric_names, y, validation, shuffle, len(X))
                history.append(state.epoch, logs)
                for c in callback_list:
                    c.on_epoch_end(state, logs)
                if state.failed:
                    break
                state.epoch += 1
                state.batch_in_epoch = 0
                for c in callback_list:  # the state is consistent again: what checkpoints save
                    c.on_epoch_complete(state)
    except BaseException as exc:
        history.interrupted = isinstance(exc, KeyboardInterrupt)
        for c in callback_list:
            c.on_train_abort(state, exc)
        if isinstance(exc, KeyboardInterrupt):
            raise _interrupted(state) from None
        raise
    history.failed = state.failed
    for c in callback_list:
        c.on_train_end(state)
    history.notes[:] = list(dict.fromkeys(history.notes + state.notes))
    model.eval()
    if state.failed:
        raise state.failure(state.failed)
    state.finished = True
    for c in callback_list:
        c.on_train_complete(state)


def _interrupted(state: TrainState) -> TrainingInterrupted:
    """Ctrl-C's error; without a checkpoint it says how to keep the progress next time."""
    error = TrainingInterrupted(state.epoch, state.step, state.checkpoint_saved)
    if state.checkpoint_saved is None:
        error.args = (f"{error.args[0]}; nothing was saved: give checkpoint=PATH to save the training state every "
                      "epoch and on Ctrl-C, then resume=PATH to continue from it",)
    return error


@contextlib.contextmanager
def _checkpoint_locks(callbacks: list[Callback]) -> Iterator[None]:
    """Hold the OS lock of every checkpoint the callbacks write, for the whole run (refused if another run does)."""
    paths = list(dict.fromkeys(c.path.expanduser().absolute() for c in callbacks if isinstance(c, Checkpoint)))
    with contextlib.ExitStack() as stack:
        for path in paths:
            stack.enter_context(CheckpointLock(path))
        yield


def _callback_list(callbacks: Iterable[Callback], *, progress: bool, early_stopping: int | None, divergence: bool,
                   monitor: str, checkpoint: str | Path | None, history_file: str | None) -> list[Callback]:
    """The one list the loop calls: the user's callbacks plus those that fit's shorthands ask for."""
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    found = list(callbacks)
    for i, c in enumerate(found):
        if not isinstance(c, Callback):
            raise ParameterError(f"callbacks[{i}] is a {type(c).__name__}, not a neuronkit Callback "
                                 "(subclass nk.callbacks.Callback)")
    if not any(isinstance(c, TerminateOnNaN) for c in found):
        found.append(TerminateOnNaN())
    if check_bool(divergence, "divergence") and not any(isinstance(c, Divergence) for c in found):
        found.append(Divergence())
    if early_stopping:
        found.append(EarlyStopping(monitor, patience=check_int(early_stopping, "early_stopping", low=1)))
    if checkpoint is not None:
        found.append(Checkpoint(checkpoint))
    if history_file is not None:
        found.append(HistoryLogger(history_file))
    if progress:
        found.insert(0, ProgressBar())
    return found


def _clipper(clip_norm: float | None, clip_value: float | None, by_norm: Any, by_value: Any) -> Any:
    """The gradient clipping to apply before each update (None if none)."""
    if clip_norm is None and clip_value is None:
        return None
    if clip_norm is not None:
        clip_norm = check_number(clip_norm, "clip_norm", low=0.0, low_open=True)
    if clip_value is not None:
        clip_value = check_number(clip_value, "clip_value", low=0.0, low_open=True)

    def clip(params: list[Tensor]) -> None:
        if clip_value is not None:
            by_value(params, clip_value)
        if clip_norm is not None:
            by_norm(params, clip_norm)

    return clip


class _Step:
    """One training step on a batch: forward, loss, backward, penalties, callbacks, clipping, update."""

    def __init__(self, model: Module, loss_fn: Loss, optimizer: Any, callbacks: list[Callback], clip: Any) -> None:
        self.forward = _forward_for_loss(model, loss_fn)
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.clip = clip
        self.params = model.parameters()
        penalised = [m for m in model.modules() if m.own_penalty() is not None]
        # layers that give their penalty's gradient directly skip the graph; others (custom layers) use it
        self.direct = [m for m in penalised if type(m).own_penalty_gradients is not Module.own_penalty_gradients]
        self.in_graph = [m for m in penalised if m not in self.direct]
        # only callbacks that define these per-step hooks are called on the hot path; a data-parallel callback
        # (one that shards batches) combines the gradients first, so that every other one sees the global batch's
        self.after_backward = sorted((c for c in callbacks if overrides(c, "on_after_backward")),
                                     key=lambda c: not overrides(c, "shard_batch"))
        self.batch_end = [c for c in callbacks if overrides(c, "on_batch_end")]

    def __call__(self, state: TrainState, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None, *,
                 keep_outputs: bool) -> None:
        out = self.forward(xb)
        if wb is None:
            batch_loss = self.loss_fn.forward(out, yb)
            weight = float(len(xb))
        else:
            batch_loss = self.loss_fn.weighted(out, yb, wb)
            weight = float(wb.sum())
        total = batch_loss
        for m in self.in_graph:
            total = total + m.own_penalty()
        for p in self.params:
            p.grad = None
        total.backward()
        for m in self.direct:  # the regularisation gradient, added directly (no graph nodes)
            for p, g in m.own_penalty_gradients():
                p.grad = g if p.grad is None else p.grad + g
        state.last_loss, state.batch_weight = float(batch_loss.data), weight
        for c in self.after_backward:
            c.on_after_backward(state)
        if state.stop_training:
            return
        state.in_update = True
        if self.clip is not None:
            self.clip(self.params)
        self.optimizer.step()
        state.epoch_loss_sum += state.last_loss * state.batch_weight
        state.epoch_count += state.batch_weight
        if keep_outputs:
            state.epoch_outputs.append(self.loss_fn.decode(out.data))
        state.step += 1
        state.batch_in_epoch += 1
        state.in_update = False
        for c in self.batch_end:
            c.on_batch_end(state, state.last_loss)


def _epoch_logs(state: TrainState, model: Module, loss_fn: Loss, metric_names: list[str], y: np.ndarray,
                validation: tuple[Any, Any, Any], shuffle: bool, n: int) -> dict[str, float]:
    logs = {"loss": state.epoch_loss_sum / state.epoch_count if state.epoch_count else math.nan}
    if metric_names and state.epoch_outputs:
        order = epoch_order(n, shuffle=shuffle, seed=state.seed, epoch=state.epoch)
        preds = _labels(np.concatenate(state.epoch_outputs), loss_fn)
        for name in metric_names:
            logs[name] = get_metric(name)(y[order[:len(preds)]], preds)
    X_val, y_val, w_val = validation
    if X_val is not None:
        forward_logits = _forward_for_loss(model, loss_fn) is not model
        raw = outputs(model, X_val, logits=forward_logits)
        with no_grad():
            value = loss_fn.forward(Tensor(raw), y_val) if w_val is None else loss_fn.weighted(Tensor(raw), y_val,
                                                                                             w_val)
            logs["val_loss"] = float(value.data)
        for name in metric_names:
            logs[f"val_{name}"] = get_metric(name)(y_val, _labels(loss_fn.decode(raw), loss_fn))
    lr = getattr(state.optimizer, "lr", None)
    if lr is not None:
        logs["lr"] = float(lr)
    state.epoch_loss_sum, state.epoch_count, state.epoch_outputs = 0.0, 0.0, []
    return logs
