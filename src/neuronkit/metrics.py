"""Metrics: one registry of ``fn(y_true, y_pred) -> float`` on NumPy arrays.

For classification ``y_pred`` are predicted class indices; for regression,
predicted values.

>>> accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
>>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
1.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(y_true, y_pred) -> float:
    """Fraction of samples whose predicted class equals the true class."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    return float(np.mean(y_true == y_pred)) if y_true.size else float("nan")


def balanced_accuracy(y_true, y_pred) -> float:
    """Mean over classes of the recall (robust to class imbalance)."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def r2(y_true, y_pred) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (averaged over outputs, like scikit-learn)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    ss_res = ((y_true - y_pred) ** 2).sum(axis=0)
    ss_tot = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), 0.0)
    return float(scores.mean())


def mse(y_true, y_pred) -> float:
    y_true = np.asarray(y_true, dtype=np.float64)
    return float(np.mean((y_true - np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape)) ** 2))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    y_true = np.asarray(y_true, dtype=np.float64)
    return float(np.mean(np.abs(y_true - np.asarray(y_pred, dtype=np.float64).reshape(y_true.shape))))


METRICS: dict[str, Metric] = {"accuracy": accuracy, "balanced_accuracy": balanced_accuracy, "r2": r2,
                              "mse": mse, "rmse": rmse, "mae": mae}
ALIASES = {"acc": "accuracy", "r2_score": "r2", "mean_squared_error": "mse", "mean_absolute_error": "mae"}


def get_metric(name: str) -> Metric:
    key = ALIASES.get(name, name)
    if key not in METRICS:
        raise ValueError(f"unknown metric {name!r}; valid names are: {', '.join(sorted(METRICS))}")
    return METRICS[key]


def canonical_name(name: str) -> str:
    get_metric(name)
    return ALIASES.get(name, name)
