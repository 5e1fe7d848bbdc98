"""Train/test (and validation) splits: stratified by class when y holds labels, seeded, pandas-aware."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError, ParameterTypeError
from ..init import make_rng
from ..validation import check_int, check_number, must_be
from .arrays import as_arrays, float_dtype, is_label_array, take


def _split_count(name: str, size: Any, n: int) -> int:
    """A split size as a number of samples: a count in [1, n-1], or a fraction in (0, 1) of n (rounded)."""
    if isinstance(size, Integral) and not isinstance(size, bool):
        return check_int(size, name, low=1, high=n - 1)
    count = round(check_number(size, name, low=0.0, high=1.0, low_open=True, high_open=True) * n)
    if not 1 <= count <= n - 1:
        raise ParameterError(f"{name}={size!r} gives {count} of {n} samples; each part needs at least one sample. "
                             "Use a different size or more data.")
    return count


def _allocate(counts: np.ndarray, n_take: int, rng: np.random.Generator) -> np.ndarray:
    """How many of each class to take so the total is ``n_take`` and proportions are kept.

    Largest-remainder rounding; then, when the total allows it, every class
    with two or more members is kept on both sides and singletons stay behind.
    """
    ideal = counts * n_take / counts.sum()
    take_ = np.floor(ideal).astype(np.int64)
    leftover = n_take - int(take_.sum())
    # random tie-break so equal remainders do not always favour the first class
    order = np.lexsort((rng.random(len(counts)), -(ideal - take_)))
    take_[order[:leftover]] += 1
    low = (counts >= 2).astype(np.int64)
    high = np.where(counts >= 2, counts - 1, 0)
    if low.sum() <= n_take <= high.sum():
        take_ = np.clip(take_, low, high)
        while take_.sum() > n_take:  # give back where we took most beyond the ideal
            excess = np.where(take_ > low, take_ - ideal, -np.inf)
            take_[np.argmax(excess)] -= 1
        while take_.sum() < n_take:
            shortfall = np.where(take_ < high, ideal - take_, -np.inf)
            take_[np.argmax(shortfall)] += 1
    return take_


def _split_indices(n: int, n_take: int, y: np.ndarray | None, rng: np.random.Generator,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(kept, taken) index arrays, each in random order; stratified by y when y is given."""
    if y is None:
        order = rng.permutation(n)
        return order[n_take:], order[:n_take]
    _, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    codes = codes.reshape(-1)
    per_class = _allocate(counts, n_take, rng)
    taken = []
    for code, k in enumerate(per_class):
        members = np.flatnonzero(codes == code)
        taken.append(rng.permutation(members)[:k])
    taken_idx = np.concatenate(taken)
    mask = np.zeros(n, dtype=bool)
    mask[taken_idx] = True
    return rng.permutation(np.flatnonzero(~mask)), rng.permutation(taken_idx)


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        raise ParameterTypeError("y is required: the targets, one per row of X")
    X_array, y_array = as_arrays(X, y, dtype=float_dtype(X))
    assert y_array is not None  # given, so as_arrays returns it
    return X_array, y_array


def _stratify_labels(y: np.ndarray, stratify: Any) -> np.ndarray | None:
    if stratify is None:
        stratify = is_label_array(y) and y.ndim == 1
    elif not isinstance(stratify, (bool, np.bool_)):
        raise ParameterTypeError(must_be("stratify", "True, False or None (automatic)", stratify))
    if not stratify:
        return None
    if y.ndim != 1 or not is_label_array(y):
        raise DataError(f"stratify=True needs class labels in a 1-D y; got y of dtype {y.dtype} and "
                        f"shape {y.shape} (a regression target?). Pass stratify=False.")
    return y


def train_test_split(X: Any, y: Any, test_size: float | int = 0.2, *, stratify: bool | None = None,
                     seed: int | None = None, rng: np.random.Generator | None = None) -> tuple[Any, Any, Any, Any]:
    """Split into a training and a test part: ``X_train, X_test, y_train, y_test``.

    X : (n_samples, n_features), an array-like or a pandas DataFrame
    y : (n_samples,) or (n_samples, n_outputs), an array-like or a pandas Series
    test_size : fraction of the samples in (0, 1) (rounded to the nearest count) or a count.
    stratify : keep each class's share in both parts, and every class with two

        or more samples in both. ``None`` (default) stratifies when y holds class
        labels (integers, strings, booleans) and not for float regression targets.

    seed, rng : the same seed gives the same split.

    NumPy input comes back as arrays (X float32, or float64 if it was); a pandas
    DataFrame or Series comes back as one (its rows, with their index and column names).

    >>> import numpy as np
    >>> X, y = np.arange(12.0).reshape(6, 2), np.array(["a", "a", "a", "b", "b", "b"])
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=2, seed=1)
    >>> sorted(y_test.tolist()), X_train.shape
    (['a', 'b'], (4, 2))
    """
    X_array, y_array = _xy(X, y)
    generator = make_rng(seed, rng)
    n_test = _split_count("test_size", test_size, len(X_array))
    train, test = _split_indices(len(X_array), n_test, _stratify_labels(y_array, stratify), generator)
    return (take(X, X_array, train), take(X, X_array, test), take(y, y_array, train), take(y, y_array, test))


def split_indices(n: int, test_size: float | int = 0.2, *, labels: Any = None, seed: int | None = None,
                  rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The row indices of a train/test split of ``n`` rows: ``(train, test)``, each in random order.

    The same split :func:`train_test_split` makes for the same ``n``, ``test_size``,
    seed and ``labels`` (the class of each row to stratify by; None: not
    stratified); it needs no features, so a split can be recorded (seed, size)
    and drawn again from the same data.

    >>> train, test = split_indices(10, 0.2, labels=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1], seed=0)
    >>> len(train), sorted(int(i) // 5 for i in test)
    (8, [0, 1])
    """
    n = check_int(n, "n", low=2)
    generator = make_rng(seed, rng)
    n_test = _split_count("test_size", test_size, n)
    y = None if labels is None else np.asarray(labels).reshape(-1)
    if y is not None and len(y) != n:
        raise ParameterError(f"labels has {len(y)} entries for {n} rows; give one label per row")
    return _split_indices(n, n_test, y, generator)


def train_val_test_split(X: Any, y: Any, *, val_size: float | int = 0.1, test_size: float | int = 0.2,
                         stratify: bool | None = None, seed: int | None = None,
                         rng: np.random.Generator | None = None) -> tuple[Any, Any, Any, Any, Any, Any]:
    """Split three ways: ``X_train, X_val, X_test, y_train, y_val, y_test``.

    ``val_size`` and ``test_size`` are fractions of the whole data set (or
    counts); the rest is for training. Stratification, seeding and pandas input
    as in :func:`train_test_split`.

    >>> import numpy as np
    >>> X, y = np.zeros((20, 3)), np.repeat([0, 1], 10)
    >>> parts = train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=0)
    >>> [len(part) for part in parts[3:]], np.bincount(parts[4]).tolist()
    ([12, 4, 4], [2, 2])
    """
    X_array, y_array = _xy(X, y)
    generator = make_rng(seed, rng)
    n = len(X_array)
    n_test = _split_count("test_size", test_size, n)
    n_val = _split_count("val_size", val_size, n)
    if n_val + n_test >= n:
        raise ParameterError(f"val_size={val_size!r} and test_size={test_size!r} leave no training samples "
                             f"({n_val} + {n_test} of {n}); make them smaller.")
    labels = _stratify_labels(y_array, stratify)
    rest, test = _split_indices(n, n_test, labels, generator)
    train, val = _split_indices(len(rest), n_val, None if labels is None else labels[rest], generator)
    train, val = rest[train], rest[val]
    return (take(X, X_array, train), take(X, X_array, val), take(X, X_array, test),
            take(y, y_array, train), take(y, y_array, val), take(y, y_array, test))
