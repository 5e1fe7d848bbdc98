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
    """``"min"`` or ``"max"``; ``"auto"`` is ``"min"`` for losses and errors, ``"max"`` otherwise.

    Examples
    --------
    >>> from neuronkit.monitor import mode_for
    >>> mode_for("val_loss"), mode_for("accuracy"), mode_for("accuracy", mode="min")
    ('min', 'max', 'min')
    """
    check_choice(mode, "mode", ("auto", "min", "max"))
    if mode != "auto":
        return mode
    return "min" if any(word in monitor for word in ("loss", "error", "mse", "mae")) else "max"


def worst(mode: str) -> float:
    """The starting "best" value: +inf when lower is better, -inf when higher is.

    Examples
    --------
    >>> from neuronkit.monitor import worst
    >>> worst("min"), worst("max")
    (inf, -inf)
    """
    return math.inf if mode == "min" else -math.inf


def improved(value: float, best: float, *, mode: str = "min", delta: float = 0.0, relative: bool = False) -> bool:
    """True if ``value`` beats ``best`` by more than ``delta``.

    ``mode="min"``: ``value < best - delta`` (absolute) or ``value < best · (1 - delta)``
    (``relative``, as torch's ``ReduceLROnPlateau`` with ``threshold_mode="rel"``);
    ``mode="max"`` mirrors it. A NaN value never improves.

    Examples
    --------
    >>> from neuronkit.monitor import improved
    >>> improved(0.5, 0.6), improved(0.59, 0.6, delta=0.05), improved(0.7, 0.6, mode="max")
    (True, False, True)
    >>> improved(0.55, 0.6, delta=0.1, relative=True)
    False
    """
    if math.isnan(value):
        return False
    if mode == "min":
        return value < (best * (1.0 - delta) if relative else best - delta)
    return value > (best * (1.0 + delta) if relative else best + delta)
