"""Data handling: the Dataset record, CSV loading, validation, splits, scaling, mini-batches.

Everything here is NumPy (and the standard library's ``csv``). Shapes follow
scikit-learn: ``X`` is (n_samples, n_features) float32 and ``y`` is
(n_samples,), int64 class indices for classification or float32 targets for
regression.

>>> import numpy as np
>>> X = np.arange(20, dtype=np.float32).reshape(10, 2)
>>> y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
>>> X_train.shape, X_test.shape, sorted(y_test.tolist())
((8, 2), (2, 2), [0, 1])
>>> scaler = StandardScaler().fit(X_train)
>>> [len(idx) for idx in batches(8, 3, shuffle=True, rng=0)]
[3, 3, 2]
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np

from .init import make_rng

Task = Literal["classification", "regression"]
TASKS = ("classification", "regression")

#: a numeric CSV target with at most this many distinct values, all whole numbers, is taken as class labels
MAX_AUTO_CLASSES = 20
#: cell values (compared lower-case, after stripping spaces) that count as missing in a CSV file
MISSING_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "?"})
_DELIMITERS = (",", "\t", ";", "|")


class DataError(ValueError):
    """Input data that cannot be used as given; the message says where the problem is and what to do."""


# --------------------------------------------------------------------------- Dataset


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A table of examples: features ``X`` and targets ``y``, with names to explain them.

    Attributes
    ----------
    name : str
        Short name (``"iris"``, or the CSV file's stem).
    X : ndarray, float32, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
        int64 class indices into ``classes`` for classification; float32 for regression.
    task : ``"classification"`` or ``"regression"``
    feature_names : list of str, length n_features
    classes : list or None
        The original class labels (``classes[y[i]]`` is sample i's label); None for regression.
    target_name : str
        What ``y`` is called (the CSV target column, ``"species"``, ...).
    description : str
        One line saying where the data comes from.

    >>> import numpy as np
    >>> ds = Dataset("tiny", np.zeros((4, 2), np.float32), np.array([0, 1, 1, 0]), "classification",
    ...              ["a", "b"], classes=["no", "yes"])
    >>> ds
    Dataset('tiny', classification: 4 samples x 2 features, 2 classes)
    >>> ds.labels().tolist()
    ['no', 'yes', 'yes', 'no']
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task: Task
    feature_names: list[str]
    classes: list[Any] | None = None
    target_name: str = "target"
    description: str = ""

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be 'classification' or 'regression'; got {self.task!r}")
        X, y = as_arrays(self.X, self.y)
        if y is None:
            raise DataError(f"dataset {self.name!r}: y is required (the targets, one per sample)")
        if y.ndim != 1:
            raise DataError(f"dataset {self.name!r}: y must be 1-D (n_samples,); got shape {y.shape}")
        if len(self.feature_names) != X.shape[1]:
            raise DataError(f"dataset {self.name!r}: {len(self.feature_names)} feature names "
                            f"for {X.shape[1]} feature columns")
        if self.task == "classification":
            if self.classes is None or not np.issubdtype(y.dtype, np.integer):
                raise DataError(f"dataset {self.name!r}: classification needs integer y (class indices) "
                                f"and a list of classes; got y of dtype {y.dtype} and classes={self.classes!r}")
            y = y.astype(np.int64)
            if y.min() < 0 or y.max() >= len(self.classes):
                raise DataError(f"dataset {self.name!r}: y holds indices from {y.min()} to {y.max()}, "
                                f"but there are {len(self.classes)} classes")
        else:
            y = y.astype(np.float32)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", [str(f) for f in self.feature_names])
        if self.classes is not None:
            object.__setattr__(self, "classes", list(self.classes))

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int | None:
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)

    def labels(self) -> np.ndarray:
        """The original class label of every sample, shape (n_samples,) (classification only)."""
        if self.classes is None:
            raise DataError(f"dataset {self.name!r} is a regression dataset; it has no class labels")
        return np.asarray(self.classes, dtype=object)[self.y]

    def __repr__(self) -> str:
        kind = f"{len(self.classes)} classes" if self.classes is not None else f"target {self.target_name!r}"
        return f"Dataset({self.name!r}, {self.task}: {self.n_samples} samples x {self.n_features} features, {kind})"


# --------------------------------------------------------------------------- validation


def _all_finite(X: np.ndarray) -> bool:
    """True if X holds no NaN or infinity, without a boolean temporary the size of X.

    Finite row sums prove every entry finite (NaN and ±inf propagate); they come from one
    matrix-vector product, which BLAS runs at memory speed on all cores. Only when a sum is
    not finite (a bad entry, or overflow of huge but finite values) are the rows checked
    block by block.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X @ np.ones(X.shape[1], dtype=X.dtype)).all():
            return True
    return all(np.isfinite(X[i:i + 4096]).all() for i in range(0, len(X), 4096))


def as_arrays(X: Any, y: Any = None, *, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray | None]:
    """Check and convert inputs: ``X`` to a finite 2-D float array, ``y`` to an array of matching length.

    X : array-like, shape (n_samples, n_features), numeric
    y : array-like, shape (n_samples,) or (n_samples, n_outputs), optional
        Labels may be of any type (they are not converted); numeric y must be finite.

    Returns ``(X, y)`` with X of ``dtype`` (float32 by default) and y as an
    ndarray (None if not given). Errors name the first bad position.

    >>> X, y = as_arrays([[1, 2], [3, 4]], ["cat", "dog"])
    >>> X.dtype, X.shape, y.tolist()
    (dtype('float32'), (2, 2), ['cat', 'dog'])
    >>> as_arrays([1.0, 2.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.data.DataError: X must be 2-D (n_samples, n_features); got shape (2,). ...
    """
    try:
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            X = X.astype(np.float64)  # strings of numbers are fine; anything else fails below
        X = X.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise DataError(f"X must be a numeric array (n_samples, n_features); {exc}. "
                        "Encode text or categorical columns as numbers first.") from None
    if X.ndim != 2:
        hint = (" For one feature use X.reshape(-1, 1); for one sample use X.reshape(1, -1)."
                if X.ndim == 1 else "")
        raise DataError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.{hint}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"X must have at least one sample and one feature; got shape {X.shape}")
    if not _all_finite(X):
        bad = ~np.isfinite(X)
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"X has a non-finite value ({X[row, col]}) at row {row}, column {col} "
                        f"(X[{row}, {col}]); {int(bad.sum())} in all. Fill in or drop these values first.")
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise DataError(f"y must have shape (n_samples,) or (n_samples, n_outputs); got shape {y.shape}")
    if len(y) != len(X):
        raise DataError(f"X has {len(X)} rows but y has {len(y)} values; they must match (one target per sample)")
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            index = ", ".join(map(str, where))
            raise DataError(f"y has a non-finite value ({y[where]}) at y[{index}]; "
                            "fill in or drop these samples first.")
    return X, y


def _is_label_array(y: np.ndarray) -> bool:
    """True for class labels (integers, booleans, strings, objects), False for float targets."""
    return y.dtype.kind in "biuUSO"


# --------------------------------------------------------------------------- splitting


def _check_size(param: str, size: Any, n: int) -> int:
    """A split size (fraction in (0, 1) or count in [1, n-1]) as a count."""
    if isinstance(size, bool) or not isinstance(size, (int, float, np.integer, np.floating)):
        raise ValueError(f"{param} must be a fraction in (0, 1) or a number of samples; got {size!r}")
    if isinstance(size, (float, np.floating)):
        if not 0.0 < size < 1.0:
            raise ValueError(f"{param} must be a fraction in (0, 1) or a number of samples; got {size!r}")
        count = int(round(size * n))
    else:
        count = int(size)
    if not 1 <= count <= n - 1:
        raise ValueError(f"{param}={size!r} gives {count} of {n} samples; each part needs at least one sample. "
                         "Use a different size or more data.")
    return count


def _allocate(counts: np.ndarray, n_take: int, rng: np.random.Generator) -> np.ndarray:
    """How many of each class to take so the total is ``n_take`` and proportions are kept.

    Largest-remainder rounding; then, when the total allows it, every class
    with two or more members is kept on both sides and singletons stay behind.
    """
    ideal = counts * n_take / counts.sum()
    take = np.floor(ideal).astype(np.int64)
    leftover = n_take - int(take.sum())
    # random tie-break so equal remainders do not always favour the first class
    order = np.lexsort((rng.random(len(counts)), -(ideal - take)))
    take[order[:leftover]] += 1
    low = (counts >= 2).astype(np.int64)
    high = np.where(counts >= 2, counts - 1, 0)
    if low.sum() <= n_take <= high.sum():
        take = np.clip(take, low, high)
        while take.sum() > n_take:  # give back where we took most beyond the ideal
            excess = np.where(take > low, take - ideal, -np.inf)
            take[np.argmax(excess)] -= 1
        while take.sum() < n_take:
            shortfall = np.where(take < high, ideal - take, -np.inf)
            take[np.argmax(shortfall)] += 1
    return take


def _split_indices(n: int, n_take: int, y: np.ndarray | None, rng: np.random.Generator,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(kept, taken) index arrays, each in random order; stratified by y when y is given."""
    if y is None:
        order = rng.permutation(n)
        return order[n_take:], order[:n_take]
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    take = _allocate(counts, n_take, rng)
    taken = []
    for code, k in enumerate(take):
        members = np.flatnonzero(codes == code)
        taken.append(rng.permutation(members)[:k])
    taken_idx = np.concatenate(taken)
    mask = np.zeros(n, dtype=bool)
    mask[taken_idx] = True
    return rng.permutation(np.flatnonzero(~mask)), rng.permutation(taken_idx)


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        raise TypeError("y is required: the targets, one per row of X")
    X, y = as_arrays(X, y, dtype=_float_dtype(X))
    return X, np.asarray(y)


def _stratify_labels(y: np.ndarray, stratify: bool | None) -> np.ndarray | None:
    if stratify is None:
        stratify = _is_label_array(y) and y.ndim == 1
    elif not isinstance(stratify, bool):
        raise ValueError(f"stratify must be True, False or None (automatic); got {stratify!r}")
    if not stratify:
        return None
    if y.ndim != 1 or not _is_label_array(y):
        raise DataError(f"stratify=True needs class labels in a 1-D y; got y of dtype {y.dtype} and "
                        f"shape {y.shape} (a regression target?). Pass stratify=False.")
    return y


def train_test_split(X: Any, y: Any, test_size: float | int = 0.2, *, stratify: bool | None = None,
                     seed: int | None = None, rng: np.random.Generator | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into a training and a test part: ``X_train, X_test, y_train, y_test``.

    X : (n_samples, n_features); y : (n_samples,) or (n_samples, n_outputs)
    test_size : fraction of the samples in (0, 1) (rounded to the nearest count) or a count.
    stratify : keep each class's share in both parts, and every class with two
        or more samples in both. ``None`` (default) stratifies when y holds class
        labels (integers, strings, booleans) and not for float regression targets.
    seed, rng : the same seed gives the same split.

    >>> import numpy as np
    >>> X, y = np.arange(12.0).reshape(6, 2), np.array(["a", "a", "a", "b", "b", "b"])
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=2, seed=1)
    >>> sorted(y_test.tolist()), X_train.shape
    (['a', 'b'], (4, 2))
    """
    X, y = _xy(X, y)
    generator = make_rng(seed, rng)
    n_test = _check_size("test_size", test_size, len(X))
    train, test = _split_indices(len(X), n_test, _stratify_labels(y, stratify), generator)
    return X[train], X[test], y[train], y[test]


def train_val_test_split(X: Any, y: Any, *, val_size: float | int = 0.1, test_size: float | int = 0.2,
                         stratify: bool | None = None, seed: int | None = None,
                         rng: np.random.Generator | None = None,
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split three ways: ``X_train, X_val, X_test, y_train, y_val, y_test``.

    ``val_size`` and ``test_size`` are fractions of the whole data set (or
    counts); the rest is for training. Stratification and seeding as in
    :func:`train_test_split`.

    >>> import numpy as np
    >>> X, y = np.zeros((20, 3)), np.repeat([0, 1], 10)
    >>> parts = train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0)
    >>> [len(part) for part in parts[3:]], np.bincount(parts[4]).tolist()
    ([12, 4, 4], [2, 2])
    """
    X, y = _xy(X, y)
    generator = make_rng(seed, rng)
    n = len(X)
    n_test = _check_size("test_size", test_size, n)
    n_val = _check_size("val_size", val_size, n)
    if n_val + n_test >= n:
        raise ValueError(f"val_size={val_size!r} and test_size={test_size!r} leave no training samples "
                         f"({n_val} + {n_test} of {n}); make them smaller.")
    labels = _stratify_labels(y, stratify)
    rest, test = _split_indices(n, n_test, labels, generator)
    train, val = _split_indices(len(rest), n_val, None if labels is None else labels[rest], generator)
    train, val = rest[train], rest[val]
    return X[train], X[val], X[test], y[train], y[val], y[test]


# --------------------------------------------------------------------------- mini-batches


def batches(n: int, batch_size: int, *, shuffle: bool = True,
            rng: np.random.Generator | int | None = None) -> Iterator[np.ndarray]:
    """Index arrays covering ``range(n)`` once, ``batch_size`` at a time; the last batch may be smaller.

    ``rng`` is a ``numpy.random.Generator`` (or an int seed) for the shuffle;
    pass the same generator every epoch to get a new order each time.

    >>> [idx.tolist() for idx in batches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0 (the number of samples); got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}")
    if rng is not None and not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed; got {type(rng).__name__}. "
                        "Create one with numpy.random.default_rng(seed).")
    order = make_rng(rng).permutation(n) if shuffle else np.arange(n)
    return (order[start:start + batch_size] for start in range(0, int(n), int(batch_size)))


# --------------------------------------------------------------------------- scaling


def _float_dtype(X: Any) -> type:
    """float64 input stays float64; everything else becomes float32 (the engine's default)."""
    return np.float64 if getattr(X, "dtype", None) == np.float64 else np.float32


class Scaler:
    """Base class for feature scalers: ``fit`` learns per-feature statistics, ``transform`` applies them.

    A fitted scaler is saved inside a model file (``to_dict()`` is JSON; ``arrays()``
    gives the fitted statistics as arrays) so prediction applies the training transform.
    """

    name: ClassVar[str] = "none"
    _state: ClassVar[tuple[str, ...]] = ()

    def fit(self, X: Any) -> Self:
        """Learn the statistics of X, shape (n_samples, n_features); returns self."""
        X, _ = as_arrays(X, dtype=np.float64)
        self._fit(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale X, shape (n_samples, n_features) -> same shape (float64 stays float64, else float32)."""
        dtype = _float_dtype(X)
        return self._apply(self._checked(X), inverse=False).astype(dtype)

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo :meth:`transform`: scaled values back to the original units."""
        dtype = _float_dtype(X)
        return self._apply(self._checked(X), inverse=True).astype(dtype)

    @property
    def is_fitted(self) -> bool:
        return all(getattr(self, key) is not None for key in self._state)

    @property
    def n_features(self) -> int | None:
        """Number of features seen by fit, or None before fitting (or for ``"none"``)."""
        if not self._state or not self.is_fitted:
            return None
        return len(getattr(self, self._state[0]))

    def options(self) -> dict[str, Any]:
        """Constructor arguments (JSON-serialisable)."""
        return {}

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted statistics, name -> float64 array of shape (n_features,); empty before fitting."""
        if not self.is_fitted:
            return {}
        return {key: np.array(getattr(self, key), dtype=np.float64) for key in self._state}

    def to_dict(self) -> dict[str, Any]:
        """Name, options and fitted statistics (as lists): JSON-serialisable, read back by :meth:`from_dict`."""
        return {"name": self.name, **self.options(), **{k: v.tolist() for k, v in self.arrays().items()}}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Scaler:
        """Rebuild a scaler from :meth:`to_dict` (statistics may be lists or arrays)."""
        spec = dict(spec)
        name = spec.pop("name", None if cls is Scaler else cls.name)
        scaler_cls = SCALERS.get(name) if isinstance(name, str) else None
        if scaler_cls is None:
            raise ValueError(f"unknown scaler {name!r} in scaler dict; valid names are: {', '.join(SCALERS)}")
        if cls is not Scaler and scaler_cls is not cls:
            raise ValueError(f"{cls.__name__}.from_dict got a dict for scaler {name!r}; use Scaler.from_dict")
        state = {key: spec.pop(key) for key in scaler_cls._state if key in spec}
        try:
            scaler = scaler_cls(**spec)
        except TypeError:
            raise ValueError(f"scaler {name!r} dict has unknown keys {sorted(spec)}; expected options "
                             f"{sorted(scaler_cls().options())} and statistics {list(scaler_cls._state)}") from None
        if state:
            if set(state) != set(scaler_cls._state):
                raise ValueError(f"scaler {name!r} dict needs all of {', '.join(scaler_cls._state)} "
                                 f"or none of them; got {', '.join(state)}")
            values = {key: np.asarray(value, dtype=np.float64) for key, value in state.items()}
            lengths = {value.shape for value in values.values()}
            if len(lengths) != 1 or next(iter(lengths)) == () or len(next(iter(lengths))) != 1:
                raise ValueError(f"scaler {name!r} dict: statistics must be 1-D and of equal length; "
                                 f"got shapes {[v.shape for v in values.values()]}")
            scaler._set_state(values)
        return scaler

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        fitted = "" if not self._state else (
            f"fitted on {self.n_features} features" if self.is_fitted else "not fitted")
        return f"{type(self).__name__}({', '.join(part for part in (options, fitted) if part)})"

    # subclasses implement these three
    def _fit(self, X: np.ndarray) -> None:
        pass

    def _set_state(self, values: dict[str, np.ndarray]) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    def _apply(self, X: np.ndarray, *, inverse: bool) -> np.ndarray:
        return X

    def _checked(self, X: Any) -> np.ndarray:
        X, _ = as_arrays(X, dtype=np.float64)
        if not self.is_fitted:
            raise DataError(f"this {type(self).__name__} is not fitted yet; call fit(X_train) first")
        if self.n_features is not None and X.shape[1] != self.n_features:
            raise DataError(f"{type(self).__name__} was fitted on {self.n_features} features; "
                            f"X has {X.shape[1]} columns (shape {X.shape})")
        return X


class IdentityScaler(Scaler):
    """No scaling (``"none"``): transform returns X unchanged (as a float array).

    >>> IdentityScaler().fit_transform([[1, 2]]).tolist()
    [[1.0, 2.0]]
    """

    name = "none"


def _nonzero_scale(spread: np.ndarray) -> np.ndarray:
    """Spread per feature with constant features (zero, or round-off-level) set to 1, so x/scale is safe."""
    return np.where(spread < 10 * np.finfo(np.float64).eps, 1.0, spread)


class StandardScaler(Scaler):
    """Standardise each feature: ``x' = (x - mean) / std``, with the population std (ddof = 0).

    A constant feature gets scale 1 (it becomes all zeros). Matches scikit-learn's
    ``StandardScaler``. Statistics: ``mean``, ``scale``, each shape (n_features,).

    >>> s = StandardScaler().fit([[1.0, 5.0], [3.0, 5.0]])
    >>> s.mean.tolist(), s.scale.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    >>> s.transform([[3.0, 5.0]]).tolist()
    [[1.0, 0.0]]
    """

    name = "standard"
    _state = ("mean", "scale")

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    def _fit(self, X: np.ndarray) -> None:
        self.mean = X.mean(axis=0)
        self.scale = _nonzero_scale(X.std(axis=0))

    def _set_state(self, values: dict[str, np.ndarray]) -> None:
        if np.any(values["scale"] <= 0):
            raise ValueError("StandardScaler scale must be positive in every feature")
        super()._set_state(values)

    def _apply(self, X: np.ndarray, *, inverse: bool) -> np.ndarray:
        return X * self.scale + self.mean if inverse else (X - self.mean) / self.scale


class MinMaxScaler(Scaler):
    """Rescale each feature to ``feature_range`` (default [0, 1]) using its training min and max.

    ``x' = lo + (x - data_min) · (hi - lo) / (data_max - data_min)``; a constant
    feature maps to ``lo``. Matches scikit-learn's ``MinMaxScaler``. Values
    outside the training range map outside ``feature_range`` (no clipping).

    >>> s = MinMaxScaler(feature_range=(-1, 1)).fit([[0.0], [10.0]])
    >>> s.transform([[5.0], [10.0]]).ravel().tolist()
    [0.0, 1.0]
    """

    name = "minmax"
    _state = ("data_min", "data_max")

    def __init__(self, feature_range: Sequence[float] = (0.0, 1.0)) -> None:
        try:
            low, high = (float(v) for v in feature_range)
        except (TypeError, ValueError):
            raise ValueError(f"feature_range must be two numbers (low, high); got {feature_range!r}") from None
        if not low < high:
            raise ValueError(f"feature_range must have low < high; got {feature_range!r}")
        self.feature_range = (low, high)
        self.data_min: np.ndarray | None = None
        self.data_max: np.ndarray | None = None

    def options(self) -> dict[str, Any]:
        return {"feature_range": list(self.feature_range)}

    def _fit(self, X: np.ndarray) -> None:
        self.data_min, self.data_max = X.min(axis=0), X.max(axis=0)

    def _apply(self, X: np.ndarray, *, inverse: bool) -> np.ndarray:
        low, high = self.feature_range
        data_min, data_max = self.data_min, self.data_max
        assert data_min is not None and data_max is not None  # Scaler.transform checked is_fitted
        scale = (high - low) / _nonzero_scale(data_max - data_min)
        return (X - low) / scale + data_min if inverse else (X - data_min) * scale + low


SCALERS: dict[str, type[Scaler]] = {cls.name: cls for cls in (StandardScaler, MinMaxScaler, IdentityScaler)}
_SCALER_ALIASES = {"min_max": "minmax", "identity": "none", "standardize": "standard"}


def get_scaler(spec: str | Scaler | Mapping[str, Any] | None = "standard", **options: Any) -> Scaler:
    """A new scaler by name (``"standard"``, ``"minmax"``, ``"none"``), or an instance / dict passed through.

    ``None`` means no scaling. Options go to the constructor, e.g.
    ``get_scaler("minmax", feature_range=(-1, 1))``.

    >>> get_scaler("minmax")
    MinMaxScaler(feature_range=[0.0, 1.0], not fitted)
    """
    if spec is None:
        return IdentityScaler()
    if isinstance(spec, Scaler):
        return spec
    if isinstance(spec, Mapping):
        return Scaler.from_dict(spec)
    if isinstance(spec, str):
        key = spec.strip().lower().replace("-", "_")
        key = _SCALER_ALIASES.get(key, key)
        if key not in SCALERS:
            raise ValueError(f"unknown scaler {spec!r}; valid names are: {', '.join(SCALERS)}")
        try:
            return SCALERS[key](**options)
        except TypeError as exc:
            raise TypeError(f"scaler {key!r}: {exc}") from None
    raise TypeError(f"scaler must be a name ({', '.join(SCALERS)}), a Scaler or a dict; got {spec!r}")


# --------------------------------------------------------------------------- CSV


def load_csv(path: str | os.PathLike[str], target: str | None = None, *, delimiter: str | None = None,
             task: Task | None = None) -> Dataset:
    """Load a CSV file with a header row into a :class:`Dataset`.

    path : the file; ``target`` : the name of the label column (default: the last column).
    Every other column is a feature and must be numeric. The delimiter (``,``
    ``;`` tab or ``|``) is detected unless given.

    task : ``None`` decides from the target column: text labels, or whole numbers
        with at most ``MAX_AUTO_CLASSES`` (20) distinct values, mean classification;
        other numbers mean regression. Pass ``task=`` to override.

    For classification, ``classes`` holds the sorted distinct labels (numbers
    sorted as numbers) and ``y`` their indices. Empty cells and ``NA``, ``NaN``,
    ``null``, ``?`` count as missing; lines that are entirely empty are skipped.
    Errors (:class:`DataError`) name the file, column and line; line numbers are
    as in a text editor or spreadsheet, with the header on line 1.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
    >>> _ = path.write_text("weight,height,kind\\n4.0,25,cat\\n30.5,60,dog\\n3.5,23,cat\\n")
    >>> ds = load_csv(path)
    >>> ds
    Dataset('pets', classification: 3 samples x 2 features, 2 classes)
    >>> ds.classes, ds.y.tolist(), ds.feature_names
    (['cat', 'dog'], [0, 1, 0], ['weight', 'height'])
    """
    path = Path(path)
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be 'classification', 'regression' or None (automatic); got {task!r}")
    if target is not None and not isinstance(target, str):
        raise TypeError(f"target must be a column name (str) or None for the last column; got {target!r}")
    header, rows, lines = _read_table(path, delimiter)
    t = len(header) - 1 if target is None else _target_index(header, target, path)
    columns = [list(column) for column in zip(*rows, strict=True)]
    _check_missing(header, columns, range(len(header)), lines, path)
    features = [i for i in range(len(header)) if i != t]
    if not features:
        raise DataError(f"{path}: the only column is the target {header[t]!r}; there are no feature columns "
                        "to learn from.")
    X = _numeric_features(header, columns, features, lines, path)
    y, classes, task = _encode_target(header[t], columns[t], lines, path, task)
    summary = f"{len(classes)} classes" if classes is not None else "regression"
    return Dataset(path.stem, X, y, task, [header[i] for i in features], classes=classes, target_name=header[t],
                   description=f"{path.name}: {len(rows)} rows, {len(features)} numeric features, "
                               f"target {header[t]!r} ({summary})")


def load_features_csv(path: str | os.PathLike[str], *, feature_names: Sequence[str] | None = None,
                      n_features: int | None = None, delimiter: str | None = None,
                      ) -> tuple[np.ndarray, list[str]]:
    """Read the feature columns of a CSV file (with a header row), e.g. new samples to predict.

    Returns ``(X, names)``: X float32 of shape (n_rows, n_features) and the
    column names used, in order.

    feature_names : the columns a model was trained on. If the header has all of
        them they are picked by name, in that order, and other columns (such as
        a target) are ignored; if it has none of them but the same number of
        columns, the columns are taken in file order.
    n_features : without names, the number of columns the file must have.

    Errors (:class:`DataError`) are those of :func:`load_csv`, plus a column
    count or names that do not match the model.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "new.csv"
    >>> _ = path.write_text("height,weight,kind\\n25,4.0,cat\\n60,30.5,dog\\n")
    >>> X, names = load_features_csv(path, feature_names=["weight", "height"])
    >>> X.tolist(), names
    ([[4.0, 25.0], [30.5, 60.0]], ['weight', 'height'])
    """
    path = Path(path)
    header, rows, lines = _read_table(path, delimiter)
    if feature_names is not None:
        wanted = [str(name) for name in feature_names]
        if n_features is not None and n_features != len(wanted):
            raise ValueError(f"{len(wanted)} feature_names but n_features={n_features}; they must agree")
        found = [name for name in wanted if name in header]
        if len(found) == len(wanted):
            chosen = [header.index(name) for name in wanted]
        elif not found and len(header) == len(wanted):
            chosen = list(range(len(header)))
        else:
            missing = [name for name in wanted if name not in header]
            raise DataError(f"{path}: the model needs the feature columns {', '.join(map(repr, wanted))}; "
                            f"the file lacks {', '.join(map(repr, missing))} (its columns: "
                            f"{', '.join(map(repr, header))}). Rename the header to match, or give exactly "
                            f"{len(wanted)} columns in the training order.")
    else:
        chosen = list(range(len(header)))
        if n_features is not None and len(header) != n_features:
            raise DataError(f"{path}: the model expects {n_features} features but the file has {len(header)} "
                            f"columns ({', '.join(map(repr, header))}); drop any target or extra columns.")
    columns = [list(column) for column in zip(*rows, strict=True)]
    _check_missing(header, columns, chosen, lines, path)
    X = _numeric_features(header, columns, chosen, lines, path)
    return X, [header[i] for i in chosen]


def _read_table(path: Path, delimiter: str | None) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and their line numbers, with the checks every CSV read shares."""
    text = _read_text(path)
    if delimiter is None:
        delimiter = _guess_delimiter(text)
    elif not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character such as ',' or ';'; got {delimiter!r}")
    header, rows, lines = _parse_rows(text, delimiter, path)
    if not rows:
        raise DataError(f"{path}: only a header ({len(header)} columns: {', '.join(header)}) and no data rows; "
                        "add at least one row of values.")
    return header, rows, lines


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataError(f"CSV file not found: {path} (full path {path.resolve()}); check the name and the "
                        f"current directory ({Path.cwd()}).")
    if path.is_dir():
        raise DataError(f"{path} is a directory; give the path of a CSV file inside it.")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: drop the byte-order mark spreadsheets write
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); "
                        "save it as 'CSV UTF-8' or convert it, e.g. iconv -f latin1 -t utf-8.") from None
    if not text.strip():
        raise DataError(f"{path} is empty; a CSV file needs a header row of column names and at least one "
                        "row of data.")
    return text


def _guess_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (>1) of fields, the most fields winning.

    If none is consistent (a ragged file), the one that splits the header most,
    so the ragged row gets a clear message; ``,`` when nothing splits at all.
    """
    sample = [line for line in text.splitlines()[:50] if line.strip()][:20]

    def widths(delimiter: str) -> list[int]:
        try:
            return [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            return [0]

    by_delimiter = {delimiter: widths(delimiter) for delimiter in _DELIMITERS}
    consistent = [d for d, w in by_delimiter.items() if len(set(w)) == 1 and w[0] > 1]
    if consistent:
        return max(consistent, key=lambda d: by_delimiter[d][0])  # max keeps the first of equals
    return max(_DELIMITERS, key=lambda d: by_delimiter[d][0])


def _parse_rows(text: str, delimiter: str, path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (values stripped) and each row's first line number; checks names and widths."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_line = 0
    try:
        for record in reader:
            line, previous_line = previous_line + 1, reader.line_num
            values = [value.strip() for value in record]
            if not any(values):
                continue
            if header is None:
                header = values
                _check_header(header, path, delimiter)
            elif len(values) != len(header):
                raise DataError(
                    f"{path}, line {line}: expected {len(header)} fields (one per header column) but got "
                    f"{len(values)}. Check for a missing or extra {delimiter!r}; a value that contains "
                    f"{delimiter!r} must be in double quotes.")
            else:
                rows.append(values)
                lines.append(line)
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the CSV ({exc}); "
                        "check the quotes on that line.") from None
    if header is None:  # only delimiters and spaces
        raise DataError(f"{path} has no column names; a CSV file needs a header row of column names "
                        "and at least one row of data.")
    return header, rows, lines


def _check_header(header: list[str], path: Path, delimiter: str) -> None:
    numbers = [float(name) for name in header if _is_finite_number(name)]
    if len(header) >= 2 and len(numbers) >= len(header) - 1 and (
            len(set(numbers)) < len(numbers) or not all(v.is_integer() for v in numbers)):
        shown = delimiter.join(header[:8]) + (delimiter + "..." if len(header) > 8 else "")
        raise DataError(f"{path}: line 1 ({shown}) looks like data, not column names; the first line must be a "
                        "header. Add a line naming each column (e.g. x1,x2,...,label) at the top.")
    for position, name in enumerate(header, start=1):
        if not name:
            raise DataError(f"{path}: column {position} of the header has no name; name it or delete the "
                            f"column (a {delimiter!r} at the end of every line also makes an empty column).")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise DataError(f"{path}: the column name {name!r} appears twice in the header (columns "
                            f"{seen[name]} and {position}); rename one so every column name is unique.")
        seen[name] = position


def _is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _target_index(header: list[str], target: str, path: Path) -> int:
    if target in header:
        return header.index(target)
    close = difflib.get_close_matches(target, header, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(f"{path}: no column named {target!r} for the target; the columns are: "
                    f"{', '.join(map(repr, header))}.{hint} Pass target= one of these (default: the last column).")


def _line_list(found: list[int], limit: int = 5) -> str:
    shown = ", ".join(map(str, found[:limit]))
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return f"line{'s' if len(found) > 1 else ''} {shown}{more}"


def _check_missing(header: list[str], columns: list[list[str]], chosen: Sequence[int], lines: list[int],
                   path: Path) -> None:
    problems = []
    for i in chosen:
        found = [line for line, value in zip(lines, columns[i], strict=True) if value.lower() in MISSING_TOKENS]
        if found:
            problems.append(f"column {header[i]!r} ({_line_list(found)})")
    if problems:
        raise DataError(f"{path}: missing values in {'; '.join(problems)}. Fill them in or delete those rows "
                        "(empty cells, NA, NaN, null and ? count as missing).")


def _to_float(column: list[str]) -> tuple[np.ndarray | None, int]:
    """(values, -1) if every entry is a number, else (None, index of the first that is not)."""
    try:
        return np.array(column, dtype=np.float64), -1
    except ValueError:
        for index, value in enumerate(column):
            try:
                float(value)
            except ValueError:
                return None, index
        return np.array([float(value) for value in column]), -1


def _looks_like_decimal_comma(value: str) -> bool:
    whole, comma, fraction = value.lstrip("+-").partition(",")
    return bool(comma) and whole.isdigit() and fraction.isdigit()


def _numeric_features(header: list[str], columns: list[list[str]], features: list[int], lines: list[int],
                      path: Path) -> np.ndarray:
    values, problems, decimal_comma = [], [], False
    for i in features:
        numbers, bad = _to_float(columns[i])
        if numbers is None:
            problems.append(f"{header[i]!r} (line {lines[bad]} has {columns[i][bad]!r})")
            decimal_comma |= _looks_like_decimal_comma(columns[i][bad])
            continue
        infinite = np.flatnonzero(np.isinf(numbers))
        if infinite.size:
            raise DataError(f"{path}: column {header[i]!r} has an infinite value ({columns[i][infinite[0]]!r}) on "
                            f"line {lines[infinite[0]]}; replace it with a finite number or delete the row.")
        values.append(numbers)
    if problems:
        what = f"column {problems[0]} is" if len(problems) == 1 else f"columns {', '.join(problems)} are"
        if decimal_comma:
            advice = "It looks like a decimal comma: write the numbers with a '.' (1.5, not 1,5)."
        else:
            advice = (f"Encode text as numbers (e.g. one 0/1 column per category), drop the "
                      f"column{'s' * (len(problems) > 1)}, or pass target= if it is the label column.")
        raise DataError(f"{path}: feature {what} not numeric; features must be numbers. {advice}")
    return np.stack(values, axis=1).astype(np.float32)


def _encode_target(name: str, column: list[str], lines: list[int], path: Path, task: Task | None,
                   ) -> tuple[np.ndarray, list[Any] | None, Task]:
    numbers, bad = _to_float(column)
    if numbers is not None and np.isinf(numbers).any():
        first = int(np.flatnonzero(np.isinf(numbers))[0])
        raise DataError(f"{path}: target column {name!r} has an infinite value ({column[first]!r}) on line "
                        f"{lines[first]}; replace it with a finite number or delete the row.")
    whole = numbers is not None and bool(np.all(numbers == np.round(numbers)))
    if task is None:
        few = numbers is not None and len(np.unique(numbers)) <= MAX_AUTO_CLASSES
        task = "classification" if numbers is None or (whole and few) else "regression"
    if task == "regression":
        if numbers is None:
            raise DataError(f"{path}: task='regression' needs a numeric target, but column {name!r} has "
                            f"{column[bad]!r} on line {lines[bad]}; use task='classification' or another target.")
        return numbers.astype(np.float32), None, task
    if numbers is not None:
        distinct, y = np.unique(numbers, return_inverse=True)
        classes: list[Any] = [int(v) if whole else float(v) for v in distinct]
    else:
        classes = sorted(set(column))
        index = {label: i for i, label in enumerate(classes)}
        y = np.array([index[label] for label in column])
    if len(classes) < 2:
        raise DataError(f"{path}: the target column {name!r} has only one class ({classes[0]!r}) in all "
                        f"{len(column)} rows; classification needs at least two. Check that target= names "
                        "the label column.")
    return y.reshape(-1).astype(np.int64), classes, task


__all__ = [
    "DataError", "Dataset", "IdentityScaler", "MAX_AUTO_CLASSES", "MISSING_TOKENS", "MinMaxScaler", "SCALERS",
    "Scaler", "StandardScaler", "as_arrays", "batches", "get_scaler", "load_csv", "load_features_csv",
    "train_test_split",
    "train_val_test_split",
]
