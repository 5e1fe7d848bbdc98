"""Metrics: one registry of ``fn(y_true, y_pred) -> float``.

For classification ``y_pred`` are predicted class labels; for regression,
predicted values. Both arguments may be anything ``numpy.asarray`` takes: arrays,
lists, pandas Series and DataFrames. They must hold one entry per sample (the
same length), or a :class:`~neuronkit.errors.ShapeError` says so.

>>> accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
>>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
1.0
>>> get_metric("R2-Score") is r2
True

Names are looked up in :data:`METRICS`, a :class:`~neuronkit.registry.Registry`
(case, spaces, ``-`` and ``_`` do not matter). Where a new metric goes: a
function here that takes its arguments through ``_labels`` or ``_values`` and
is registered with ``@metric(name)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import DataError, ParameterTypeError, ShapeError
from .registry import Registry
from .validation import check_array, check_consistent_length, must_be

#: the type of a metric function: ``fn(y_true, y_pred) -> float``
Metric = Callable[[Any, Any], float]

#: every metric by name (a :class:`~neuronkit.registry.Registry`)
METRICS: Registry[Metric] = Registry("metric")
#: the built-in aliases (alias -> name)
ALIASES = {"acc": "accuracy", "r2_score": "r2", "mean_squared_error": "mse", "mean_absolute_error": "mae"}


def metric(name: str) -> Callable[[Metric], Metric]:
    """Register a metric function under ``name`` (and its :data:`ALIASES`).

    Examples
    --------
    Registering (left out here, to keep the registry as it is) is
    ``nk.metrics.metric("max_error")(fn)`` for a ``fn(y_true, y_pred) -> float``; it is then looked up as
    the built-ins are:

    >>> import neuronkit as nk
    >>> nk.metrics.get_metric("acc") is nk.metrics.accuracy
    True
    """
    aliases = tuple(alias for alias, target in ALIASES.items() if target == name)
    return METRICS.register(name, aliases=aliases)


def _labels(name: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Class labels of any kind (numbers or strings), one per sample, as flat arrays of equal length.

    Each must be 1-D, or a single column (n, 1); a (1, n) row or an (n, k) table is refused, not
    flattened (``[1, 2, 3, 4]`` against ``[[1, 2, 3, 4]]`` is 4 samples against 1), unless both
    are (n, k) tables of the same shape: k labels per sample (multi-label), each counted. Complex
    values, and text labels compared with numbers (they would never match), are refused too.
    """
    owner = f"metric {name!r}"
    arrays = []
    pair = [np.asarray(v) if v is not None else None for v in (y_true, y_pred)]
    multilabel = (pair[0] is not None and pair[1] is not None and pair[0].ndim == 2
                  and pair[0].shape == pair[1].shape)
    for arg, value, arr in (("y_true", y_true, pair[0]), ("y_pred", y_pred, pair[1])):
        if arr is None:
            raise ParameterTypeError(must_be(arg, "an array of labels", value, f"{owner}:"))
        if arr.ndim == 2 and (arr.shape[1] == 1 or multilabel):
            arr = arr.reshape(-1)
        if arr.ndim != 1:
            hint = f" (for one-hot or probability rows, take {arg}.argmax(axis=1) first)" if arr.ndim == 2 else ""
            raise ShapeError(f"{owner}: {arg} must hold one label per sample, shape (n_samples,) or (n_samples, 1) "
                             f"(or both (n_samples, k): k labels each); got shape {arr.shape}{hint}")
        if arr.dtype.kind == "c":
            raise DataError(f"{owner}: {arg} holds complex numbers; class labels are numbers or text")
        arrays.append(arr)
    a, b = arrays
    check_consistent_length(a, b, names=("y_true", "y_pred"), owner=owner)
    kinds = {arr.dtype.kind for arr in arrays}
    if kinds & set("US") and kinds & set("biuf"):
        text, numbers = ("y_true", "y_pred") if a.dtype.kind in "US" else ("y_pred", "y_true")
        raise DataError(f"{owner}: {text} holds text labels but {numbers} holds numbers, so none can match; give "
                        "both as the same kind of label (e.g. the estimator's classes_)")
    return a, b


def _values(name: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as float64, ``y_pred`` in ``y_true``'s shape ((n,) or (n, outputs)); NaN is let through."""
    owner = f"metric {name!r}"
    a = check_array(y_true, "y_true", ndim=(1, 2), dtype=np.float64, finite=False, min_samples=0, owner=owner)
    b = check_array(y_pred, "y_pred", ndim=(1, 2), dtype=np.float64, finite=False, min_samples=0, owner=owner)
    check_consistent_length(a, b, names=("y_true", "y_pred"), owner=owner)
    if b.size != a.size:
        raise ShapeError(f"{owner}: y_true has shape {a.shape} but y_pred has shape {b.shape}; "
                         "give one prediction per target value")
    return a, b.reshape(a.shape)


@metric("accuracy")
def accuracy(y_true: Any, y_pred: Any) -> float:
    r"""Fraction of samples whose predicted class equals the true class (NaN for no samples).

    .. math:: \text{accuracy} = \frac{1}{n}\sum_i [\hat y_i = y_i]

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.accuracy([0, 1, 1, 2], [0, 1, 2, 2])
    0.75
    """
    y_true, y_pred = _labels("accuracy", y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if y_true.size else float("nan")


@metric("balanced_accuracy")
def balanced_accuracy(y_true: Any, y_pred: Any) -> float:
    r"""Mean over classes of the recall (robust to class imbalance).

    .. math:: \text{balanced accuracy} = \frac{1}{K}\sum_k \frac{|\{i : y_i = k,\ \hat y_i = k\}|}{|\{i : y_i = k\}|}

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0])
    0.5
    """
    y_true, y_pred = _labels("balanced_accuracy", y_true, y_pred)
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls)) if recalls else float("nan")


@metric("r2")
def r2(y_true: Any, y_pred: Any) -> float:
    r"""Coefficient of determination 1 - SS_res / SS_tot (averaged over outputs, like scikit-learn).

    .. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.r2([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    """
    y_true, y_pred = _values("r2", y_true, y_pred)
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    ss_res = ((y_true - y_pred) ** 2).sum(axis=0)
    ss_tot = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), 0.0)
    return float(scores.mean())


@metric("mse")
def mse(y_true: Any, y_pred: Any) -> float:
    r"""Mean squared error.

    .. math:: \text{MSE} = \frac{1}{n}\sum_i (y_i - \hat y_i)^2

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.mse([1.0, 2.0], [2.0, 4.0])
    2.5
    """
    y_true, y_pred = _values("mse", y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


@metric("rmse")
def rmse(y_true: Any, y_pred: Any) -> float:
    r"""Root mean squared error.

    .. math:: \text{RMSE} = \sqrt{\frac{1}{n}\sum_i (y_i - \hat y_i)^2}

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.rmse([0.0, 0.0], [3.0, -3.0])
    3.0
    """
    y_true, y_pred = _values("rmse", y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


@metric("mae")
def mae(y_true: Any, y_pred: Any) -> float:
    r"""Mean absolute error.

    .. math:: \text{MAE} = \frac{1}{n}\sum_i |y_i - \hat y_i|

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.mae([1.0, 2.0], [2.0, 4.0])
    1.5
    """
    y_true, y_pred = _values("mae", y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def available() -> list[str]:
    """Names of all registered metrics (aliases excluded).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.available()
    ['accuracy', 'balanced_accuracy', 'mae', 'mse', 'r2', 'rmse']
    """
    return sorted(METRICS)


def get_metric(name: str) -> Metric:
    """The metric registered under ``name`` (any spelling or alias).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.get_metric("R2")([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    return METRICS.get(name)


def canonical_name(name: str) -> str:
    """The name a metric is logged under: ``canonical_name("acc") == "accuracy"``.

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.metrics.canonical_name("acc"), nk.metrics.canonical_name("Balanced-Accuracy")
    ('accuracy', 'balanced_accuracy')
    """
    return METRICS.canonical(name)
