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
    """True for class labels (integers, booleans, strings, objects), False for float targets."""
    return y.dtype.kind in "biuUSO"


def float_dtype(X: Any) -> type:
    """float64 input stays float64 (a DataFrame whose columns all are, too); anything else becomes float32."""
    dtype = getattr(X, "dtype", None)
    if dtype is None and hasattr(X, "dtypes") and hasattr(X, "iloc"):  # a DataFrame
        kinds = {np.dtype(d) if isinstance(d, np.dtype) else None for d in X.dtypes}
        return np.float64 if kinds == {np.dtype(np.float64)} else np.float32
    return np.float64 if dtype == np.float64 else np.float32


def take(original: Any, converted: np.ndarray, index: np.ndarray) -> Any:
    """Rows ``index`` of ``original``: a pandas object stays one (``.iloc``), anything else comes from ``converted``."""
    if hasattr(original, "iloc"):
        return original.iloc[index]
    return converted[index]
