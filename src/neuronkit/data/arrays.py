"""Inputs as arrays: ``X`` and ``y`` checked and converted, pandas objects included (never imported).

pandas is optional: a DataFrame or Series is recognised by its attributes
(:func:`~neuronkit.validation.column_names`, ``iloc``), so this module, like
the rest of :mod:`neuronkit.data`, imports NumPy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError, ShapeError
from ..validation import check_array, check_consistent_length, check_finite


def as_arrays(X: Any, y: Any = None, *, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray | None]:
    """Check and convert inputs: ``X`` to a finite 2-D float array, ``y`` to an array of matching length.

    X : array-like or pandas DataFrame, shape (n_samples, n_features), numeric
    y : array-like or pandas Series, shape (n_samples,) or (n_samples, n_outputs), optional

        Labels may be of any type (they are not converted); numeric y must be finite.

    Returns ``(X, y)`` with X of ``dtype`` (float32 by default; ``None`` keeps a
    floating dtype) and y as an ndarray (None if not given). Errors name the
    first bad position; the checks are :func:`neuronkit.validation.check_array`'s.

    >>> X, y = as_arrays([[1, 2], [3, 4]], ["cat", "dog"])
    >>> X.dtype, X.shape, y.tolist()
    (dtype('float32'), (2, 2), ['cat', 'dog'])
    >>> as_arrays([1.0, 2.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.ShapeError: X must be 2-D (n_samples, n_features); got shape (2,). ...
    """
    X = check_array(X, "X", dtype=dtype)
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise ShapeError(f"y must have shape (n_samples,) or (n_samples, n_outputs); got shape {y.shape}")
    check_consistent_length(X, y)
    if y.dtype.kind == "c":
        raise DataError("y holds complex numbers; targets must be real numbers or class labels")
    if y.dtype.kind == "f":
        check_finite(y, "y")
    return X, y


def is_label_array(y: np.ndarray) -> bool:
    """True for class labels (integers, booleans, strings, objects), False for float targets.

    >>> import numpy as np
    >>> is_label_array(np.array([0, 2, 1])), is_label_array(np.array(["cat", "dog"])), is_label_array(np.array([True]))
    (True, True, True)
    >>> is_label_array(np.array([0.5, 1.0]))  # floats are regression targets, even when whole
    False
    """
    return y.dtype.kind in "biuUSO"


def float_dtype(X: Any) -> type:
    """float64 input stays float64 (a DataFrame whose columns all are, too); anything else becomes float32.

    >>> import numpy as np, pandas as pd
    >>> [float_dtype(X).__name__ for X in (np.zeros(3), np.zeros(3, dtype=np.int64), [1.0, 2.0])]
    ['float64', 'float32', 'float32']
    >>> frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    >>> float_dtype(frame).__name__, float_dtype(frame[["a"]]).__name__  # every column float64, or not
    ('float32', 'float64')
    """
    dtype = getattr(X, "dtype", None)
    if dtype is None and hasattr(X, "dtypes") and hasattr(X, "iloc"):  # a DataFrame
        kinds = {np.dtype(d) if isinstance(d, np.dtype) else None for d in X.dtypes}
        return np.float64 if kinds == {np.dtype(np.float64)} else np.float32
    return np.float64 if dtype == np.float64 else np.float32


def take(original: Any, converted: np.ndarray, index: np.ndarray) -> Any:
    """Rows ``index`` of ``original``: a pandas object stays one (``.iloc``), anything else comes from ``converted``.

    >>> import numpy as np, pandas as pd
    >>> rows = np.array([2, 0])
    >>> take([[1, 2], [3, 4], [5, 6]], np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), rows).tolist()
    [[5.0, 6.0], [1.0, 2.0]]
    >>> frame = pd.DataFrame({"a": [1, 3, 5]}, index=["x", "y", "z"])
    >>> picked = take(frame, frame.to_numpy(), rows)
    >>> type(picked).__name__, picked.index.tolist(), picked["a"].tolist()
    ('DataFrame', ['z', 'x'], [5, 1])
    """
    if hasattr(original, "iloc"):
        return original.iloc[index]
    return converted[index]
