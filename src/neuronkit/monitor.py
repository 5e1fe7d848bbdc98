"""The one rule for "has the monitored value improved?".

Early stopping, best-model checkpoints, plateau schedules and the estimators'
``tol`` stopping rule all decide improvement with :func:`improved`::

    >>> improved(0.9, 1.0, mode="min", delta=0.05)
    True
    >>> improved(0.97, 1.0, mode="min", delta=0.05)
    False
    >>> improved(1.05, 1.0, mode="max", delta=0.1, relative=True)
    False

Imports only :mod:`neuronkit.validation`.
"""

from __future__ import annotations

import math

from .validation import check_choice

__all__ = ["improved", "mode_for", "worst"]


def mode_for(monitor: str, mode: str = "auto") -> str:
    """``"min"`` or ``"max"``; ``"auto"`` is ``"min"`` for losses and errors, ``"max"`` otherwise."""
    check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "min" if any(word in monitor for word in ("loss", "error", "mse", "mae")) else "max"


def worst(mode: str) -> float:
    """The starting "best" value: +inf when lower is better, -inf when higher is."""
    return math.inf if mode == "min" else -math.inf


def improved(value: float, best: float, *, mode: str = "min", delta: float = 0.0, relative: bool = False) -> bool:
    """True if ``value`` beats ``best`` by more than ``delta``.

    ``mode="min"``: ``value < best - delta`` (absolute) or ``value < best · (1 - delta)``
    (``relative``, as torch's ``ReduceLROnPlateau`` with ``threshold_mode="rel"``);
    ``mode="max"`` mirrors it. A NaN value never improves.
    """
    if math.isnan(value):
        return False
    if mode == "min":
        return value < (best * (1.0 - delta) if relative else best - delta)
    return value > (best * (1.0 + delta) if relative else best + delta)
