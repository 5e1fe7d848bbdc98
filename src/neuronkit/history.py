"""The record of a training run: per-epoch losses and metrics, and a diagnosis in words.

:func:`neuronkit.fit` returns a :class:`History`; checkpoints and model files store it
(``to_dict``/``from_dict``). Imports NumPy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import NameNotFoundError

__all__ = ["History"]


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
        if key not in self.history:
            raise NameNotFoundError(f"history has no {key!r}; it has: {', '.join(self.history) or 'nothing yet'}")
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
