"""The record of a training run: per-epoch losses and metrics, and a diagnosis in words.

:func:`neuronkit.fit` returns a :class:`History`; checkpoints and model files store it
(``to_dict``/``from_dict``). Imports NumPy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _html
from .errors import ModelFileError, NameNotFoundError

__all__ = ["History"]


class History:
    """Per-epoch training and validation loss and metrics.

    ``history.history`` maps ``"loss"``, ``"val_loss"``, ``"accuracy"``, … to
    lists (one value per epoch). ``diagnosis()`` says in words whether the
    curves show over- or under-fitting, and what to try. ``baseline_loss`` is a
    constant predictor's loss on the training targets, ``start_loss`` the loss
    of the first batch before any update (recorded by
    :class:`~neuronkit.callbacks.Divergence`). ``early_stopping``
    is what :class:`~neuronkit.callbacks.EarlyStopping` reported when it stopped
    the run (``monitor``, ``best``, ``best_epoch``, ``stopped_epoch``, epochs
    counted from 0; ``restored``: the best epoch's weights were put back), or None.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> history = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=3, batch_size=4, lr=0.01, progress=False, seed=0)
    >>> sorted(history.history)
    ['loss', 'lr', 'r2']
    >>> len(history.history["loss"])
    3
    >>> history.history["loss"][-1] < history.history["loss"][0]
    True
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []
        self.notes: list[str] = []
        self.baseline_loss: float | None = None
        self.start_loss: float | None = None
        self.interrupted = False
        self.failed: str | None = None
        self.early_stopping: dict[str, Any] | None = None
        #: what :class:`~neuronkit.callbacks.ActivationTimeline` recorded (its ``to_dict()``), or None
        self.activation_timeline: dict[str, Any] | None = None

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * (len(self.epochs) - 1)).append(float(value))

    def rows(self) -> list[dict[str, float]]:
        return [{"epoch": e + 1, **{k: v[i] for k, v in self.history.items()}} for i, e in enumerate(self.epochs)]

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise NameNotFoundError(f"history has no {key!r}; it has: {', '.join(self.history) or 'nothing yet'}")
        return self.history[key]

    def __len__(self) -> int:
        return len(self.epochs)

    def _repr_html_(self) -> str:
        """The history as HTML for Jupyter: first and last values, the diagnosis, the loss curve (with matplotlib).

        >>> h = History()
        >>> h.append(0, {"loss": 0.9})
        >>> "<td>loss</td>" in h._repr_html_()
        True
        """
        return _html.history_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "history": self.history, "notes": self.notes,
                "baseline_loss": self.baseline_loss, "start_loss": self.start_loss, "interrupted": self.interrupted,
                "failed": self.failed, "early_stopping": self.early_stopping,
                "activation_timeline": self.activation_timeline}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """The history :meth:`to_dict` wrote (read from a model file or checkpoint), every entry checked.

        A wrong type raises :class:`~neuronkit.errors.ModelFileError` naming the entry.
        """
        if not isinstance(data, dict):
            raise ModelFileError(f"history must be a JSON object (a dict, as History.to_dict writes); got "
                                 f"{type(data).__name__}")
        h = cls()
        h.epochs = [_integer(e, f"history 'epochs'[{i}]") for i, e in enumerate(_list(data, "epochs"))]
        curves = data.get("history", {})
        if not isinstance(curves, dict):
            raise ModelFileError(f"history entry 'history' must be a JSON object of lists (name -> one value per "
                                 f"epoch); got {type(curves).__name__}")
        for key, values in curves.items():
            where = f"history curve {key!r}"
            if not isinstance(values, list):
                raise ModelFileError(f"{where} must be a list of numbers; got {type(values).__name__}")
            if len(values) != len(h.epochs):
                raise ModelFileError(f"{where} has {len(values)} values for {len(h.epochs)} epochs")
            h.history[key] = [_number(v, f"{where}[{i}]") for i, v in enumerate(values)]
        h.notes = [_text(n, f"history 'notes'[{i}]") for i, n in enumerate(_list(data, "notes"))]
        baseline = data.get("baseline_loss")
        h.baseline_loss = None if baseline is None else _number(baseline, "history 'baseline_loss'")
        start = data.get("start_loss")
        h.start_loss = None if start is None else _number(start, "history 'start_loss'")
        interrupted = data.get("interrupted", False)
        if not isinstance(interrupted, bool):
            raise ModelFileError(f"history entry 'interrupted' must be true or false; got {interrupted!r}")
        h.interrupted = interrupted
        failed = data.get("failed")
        h.failed = None if failed is None else _text(failed, "history 'failed'")
        stop = data.get("early_stopping")
        if stop is not None:
            if not isinstance(stop, dict) or not isinstance(stop.get("monitor"), str):
                raise ModelFileError(f"history entry 'early_stopping' must be a JSON object with a 'monitor'; got "
                                     f"{stop!r}")
            h.early_stopping = {"monitor": stop["monitor"], "best": _number(stop.get("best"), "history "
                                "'early_stopping'.best"),
                                **{k: _integer(stop.get(k), f"history 'early_stopping'.{k}")
                                   for k in ("best_epoch", "stopped_epoch")},
                                "restored": bool(stop.get("restored", False))}
        timeline = data.get("activation_timeline")
        h.activation_timeline = None if timeline is None else _timeline(timeline)
        return h

    def diagnosis(self) -> str:
        """Over-fitting, under-fitting or neither, in words, judged from the loss curves.

        In this order: a non-finite loss, or one that rose well above its lowest
        value or its start (``start_loss``), or to more than 10 times a constant
        predictor's (``baseline_loss``), means the learning rate is too high. Early stopping's verdict, when it
        stopped the run, is explained (the validation value peaked at epoch k;
        over-fitting when the validation loss then rose while the training loss
        kept falling). Over-fitting: the validation loss ended at least 10% (and
        0.01) above its minimum, reached at least 3 epochs before the end, while
        the training loss kept falling. Under-fitting: the training loss is still
        above half of a constant predictor's loss and improved by less than 1%
        over the last quarter of the epochs. Without validation data over-fitting
        cannot be seen, and the diagnosis says so.
        """
        loss = self.history.get("loss", [])
        val = self.history.get("val_loss", [])
        has_val = len(val) == len(loss) and len(loss) > 0 and not all(math.isnan(v) for v in val)
        if loss and not all(math.isfinite(v) for v in loss):
            bad = next(i for i, v in enumerate(loss) if not math.isfinite(v))
            return (f"Diverged: the training loss became {loss[bad]} at epoch {self._epoch(bad)}. Lower the learning "
                    "rate, clip the gradients, or scale the input features.")
        rising = self._rising(loss)
        if rising:
            return rising
        if self.early_stopping is not None and len(loss) >= 2:
            return self._early_stopping_text(loss, val if has_val else [])
        if len(loss) < 4:
            return "Too few epochs to judge over- or under-fitting."
        if has_val:
            best = int(np.nanargmin(val))
            rise = val[-1] - val[best]
            if best <= len(val) - 4 and rise > max(0.1 * abs(val[best]), 0.01) and loss[-1] < loss[best]:
                return (f"Over-fitting: validation loss was lowest at epoch {self._epoch(best)} ({val[best]:.4g}) and "
                        f"rose to {val[-1]:.4g} while training loss kept falling ({loss[best]:.4g} -> "
                        f"{loss[-1]:.4g}). Try early stopping (restores the best epoch's weights), L2 regularisation "
                        "(alpha / l2), dropout, a smaller network, or more training data.")
        under = self._underfitting(loss)
        if under:
            return under
        if not has_val:
            baseline = f", a constant predictor's {self.baseline_loss:.4g}" if self.baseline_loss else ""
            return (f"No under-fitting in the training loss ({loss[-1]:.4g}{baseline}); over-fitting shows only on "
                    "held-out samples, and there were none: cannot tell over- from under-fitting without validation "
                    "data. Hold some out to judge (fit's validation_split= or validation_data=, the estimators' "
                    "early_stopping=True).")
        return "No sign of over- or under-fitting in the loss curves."

    # ------------------------------------------------------------------ the rules
    def _epoch(self, index: int) -> int:
        """The 1-based epoch number of the ``index``-th recorded epoch."""
        return (self.epochs[index] if index < len(self.epochs) else index) + 1

    def _rising(self, loss: list[float]) -> str:
        """Words for a training loss that rose (a learning rate too high), or ""."""
        if len(loss) < 2:
            return ""
        low = int(np.argmin(loss))
        baseline, start = self.baseline_loss, self.start_loss
        far_above = baseline is not None and baseline > 0 and loss[-1] > 10 * baseline
        # rose well above its lowest point or its start: by half again, and by a tenth of the loss's scale
        scale = baseline if baseline is not None and baseline > 0 else abs(loss[0])
        rose = low < len(loss) - 1 and loss[-1] > 1.5 * loss[low] and loss[-1] - loss[low] > 0.1 * scale
        above_start = (start is not None and math.isfinite(start) and loss[-1] > 1.5 * start
                       and loss[-1] - start > 0.1 * scale)
        if not (far_above or rose or above_start):
            return ""
        began = f"{start:.4g} at the start, " if start is not None and math.isfinite(start) else ""
        compared = f", more than 10 times a constant predictor's {baseline:.4g}" if far_above else ""
        return (f"The training loss rose: {began}{loss[low]:.4g} at its lowest (epoch {self._epoch(low)}), "
                f"{loss[-1]:.4g} at the end{compared}. The learning rate is too high: lower it (by 10 times to start "
                "with), or clip the gradients.")

    def _underfitting(self, loss: list[float]) -> str:
        quarter = max(len(loss) // 4, 2)
        start = loss[-quarter]
        flat = start > 0 and (start - loss[-1]) / abs(start) < 0.01
        if self.baseline_loss and self.baseline_loss > 0 and flat and loss[-1] > 0.5 * self.baseline_loss:
            return (f"Under-fitting: training loss is flat at {loss[-1]:.4g}, more than half of a constant "
                    f"predictor's {self.baseline_loss:.4g}. Try more neurons or layers, more epochs, a higher "
                    "learning rate, scaling the input features, or less regularisation.")
        return ""

    def _early_stopping_text(self, loss: list[float], val: list[float]) -> str:
        """Early stopping's verdict, in words that agree with it."""
        stop = self.early_stopping or {}
        monitor = stop["monitor"]
        index = {e: i for i, e in enumerate(self.epochs)}
        b = index.get(int(stop["best_epoch"]), 0)
        s = index.get(int(stop["stopped_epoch"]), len(loss) - 1)
        kept = (f"; the model has the weights of epoch {self._epoch(b)}" if stop.get("restored")
                else f"; the model has the weights of epoch {self._epoch(s)}, the last")
        head = (f"Early stopping at epoch {self._epoch(s)}: {monitor} was best at epoch {self._epoch(b)} "
                f"({stop['best']:.4g}) and did not improve over the {s - b} epochs after it{kept}. ")
        if val and val[s] > val[b] and loss[s] < loss[b]:
            return head + (f"Over-fitting after epoch {self._epoch(b)}: the validation loss rose ({val[b]:.4g} -> "
                           f"{val[s]:.4g}) while the training loss kept falling ({loss[b]:.4g} -> {loss[s]:.4g}). "
                           "For better held-out results try L2 regularisation (alpha / l2), dropout, a smaller "
                           "network, or more training data.")
        if loss[s] < loss[b]:
            return head + (f"The training loss kept falling ({loss[b]:.4g} -> {loss[s]:.4g}) while {monitor} did "
                           "not improve: the start of over-fitting, or a validation set too small to show the "
                           "gains (hold out more, or give early stopping more patience).")
        under = self._underfitting(loss)
        return head + (under or (f"The training loss stopped falling too ({loss[b]:.4g} -> {loss[s]:.4g}): "
                                 "no sign of over-fitting; more neurons or layers may learn more."))


def _timeline(value: Any) -> dict[str, Any]:
    """An activation timeline (``ActivationTimeline.to_dict()``), its entries checked."""
    where = "history 'activation_timeline'"
    if not isinstance(value, dict) or not isinstance(value.get("parameters"), dict) \
            or not isinstance(value.get("activations"), dict):
        raise ModelFileError(f"{where} must be a JSON object with 'steps', 'epochs', 'activations' and 'parameters' "
                             f"(ActivationTimeline.to_dict()); got {type(value).__name__}")
    steps = [_integer(s, f"{where}.steps[{i}]") for i, s in enumerate(_list(value, "steps"))]
    epochs = [_number(e, f"{where}.epochs[{i}]") for i, e in enumerate(_list(value, "epochs"))]
    if len(epochs) != len(steps):
        raise ModelFileError(f"{where} has {len(steps)} steps but {len(epochs)} epochs")
    parameters = {}
    for key, samples in value["parameters"].items():
        if not isinstance(samples, list) or len(samples) != len(steps):
            raise ModelFileError(f"{where} parameter {key!r} must be a list of {len(steps)} samples (one per step)")
        try:
            arrays = [np.asarray(sample, dtype=np.float64) for sample in samples]
        except (TypeError, ValueError):
            raise ModelFileError(f"{where} parameter {key!r} must hold lists of numbers") from None
        if any(a.shape != arrays[0].shape for a in arrays):
            raise ModelFileError(f"{where} parameter {key!r} changes shape between samples")
        parameters[str(key)] = [a.tolist() for a in arrays]
    return {"steps": steps, "epochs": epochs, "every": _integer(value.get("every", 1), f"{where}.every"),
            "max_points": _integer(value.get("max_points", len(steps)), f"{where}.max_points"),
            "activations": dict(value["activations"]), "parameters": parameters}


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ModelFileError(f"history entry {key!r} must be a list; got {type(value).__name__}")
    return value


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ModelFileError(f"{where} must be an integer; got {value!r}")
    return int(value)


def _number(value: Any, where: str) -> float:
    if value is None:  # JSON has no NaN of its own in strict readers; None stands for a missing value
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ModelFileError(f"{where} must be a number; got {value!r}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ModelFileError(f"{where} must be a string; got {value!r}")
    return value
