"""One place for the checks every public function makes: numbers, choices, arrays, shapes, classes.

Every check returns the cleaned value or raises an error from
:mod:`neuronkit.errors` whose message reads the same everywhere: who (the
owner, when there is one), the parameter, the rule, the value received::

    >>> check_number(-1, "lr", low=0.0, owner="SGD")
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterError: SGD lr must be a finite number >= 0; got -1
    >>> check_int(3, "epochs", low=1)
    3
    >>> check_array([[1, 2], [3, 4]]).dtype
    dtype('float32')

A new layer, rule or function validates its arguments through these
functions rather than its own ``if``/``raise``; a check not here yet that
more than one module needs is added here. Imports NumPy and
:mod:`neuronkit.errors` only (the engine may use it). The scikit-learn
estimators use scikit-learn's own ``validate_data`` on top.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from .errors import DataError, ParameterError, ParameterTypeError, ShapeError

__all__ = [
    "all_finite", "check_array", "check_bool", "check_choice", "check_class_indices", "check_consistent_length",
    "check_options",
    "check_finite", "check_int", "check_number", "check_shape", "column_names", "is_sparse", "must_be",
]


def must_be(name: str, rule: str, value: Any, owner: str | None = None) -> str:
    """The one message form: ``"{owner} {name} must be {rule}; got {value!r}"``.

    Examples
    --------
    >>> from neuronkit.validation import must_be
    >>> must_be("lr", "> 0", -1, owner="SGD")
    'SGD lr must be > 0; got -1'
    """
    who = f"{owner} {name}" if owner else name
    return f"{who} must be {rule}; got {value!r}"


def _fmt(bound: float) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


def _range_rule(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {_fmt(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_fmt(high)}"
    return ""


def _in_range(v: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    if low is not None and (v <= low if low_open else v < low):
        return False
    return not (high is not None and (v >= high if high_open else v > high))


def check_number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, finite: bool = True,
                 owner: str | None = None) -> float:
    """``value`` as a float, if it is a real number (not a bool) within the bounds.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``; ``finite=False``
    admits ±inf (never NaN). A non-number raises :class:`ParameterTypeError`, a number
    out of range :class:`ParameterError`.

    Examples
    --------
    >>> from neuronkit.validation import check_number
    >>> check_number(0.1, "lr", low=0.0, low_open=True)
    0.1
    >>> try:
    ...     check_number(-1, "lr", low=0.0, low_open=True, owner="SGD")
    ... except ValueError as error:
    ...     print(error)
    SGD lr must be a finite number > 0; got -1
    """
    rule = " ".join(part for part in ("a finite number" if finite else "a number",
                                      _range_rule(low, high, low_open, high_open)) if part)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ParameterTypeError(must_be(name, rule, value, owner))
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)) or not _in_range(v, low, high, low_open, high_open):
        raise ParameterError(must_be(name, rule, value, owner))
    return v


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None,
              owner: str | None = None) -> int:
    """``value`` as an int, if it is an integer (not a bool; NumPy integers welcome) within [low, high].

    Examples
    --------
    >>> from neuronkit.validation import check_int
    >>> check_int(3, "epochs", low=1)
    3
    >>> try:
    ...     check_int(0, "epochs", low=1, owner="fit")
    ... except ValueError as error:
    ...     print(error)
    fit epochs must be an integer >= 1; got 0
    """
    rule = " ".join(part for part in ("an integer", _range_rule(low, high, False, False)) if part)
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ParameterTypeError(must_be(name, rule, value, owner))
    if not _in_range(int(value), low, high, False, False):
        raise ParameterError(must_be(name, rule, value, owner))
    return int(value)


def check_bool(value: Any, name: str, *, owner: str | None = None) -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy booleans too).

    Examples
    --------
    >>> from neuronkit.validation import check_bool
    >>> check_bool(True, "shuffle")
    True
    >>> try:
    ...     check_bool("yes", "shuffle", owner="fit")
    ... except TypeError as error:
    ...     print(error)
    fit shuffle must be True or False; got 'yes'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterTypeError(must_be(name, "True or False", value, owner))
    return bool(value)


def check_choice(value: Any, name: str, choices: Collection[Any], *, owner: str | None = None) -> Any:
    """``value`` if it is one of ``choices``.

    Examples
    --------
    >>> from neuronkit.validation import check_choice
    >>> check_choice("min", "mode", ("min", "max"))
    'min'
    """
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in choices:
        rule = "one of " + ", ".join(map(repr, choices))
        raise ParameterError(must_be(name, rule, value, owner))
    return value


# ------------------------------------------------------------------ arrays
def is_sparse(X: Any) -> bool:
    """True for a SciPy sparse matrix or array (found without importing SciPy).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.validation import is_sparse
    >>> is_sparse(np.zeros((2, 2)))
    False
    """
    return type(X).__module__.startswith("scipy.sparse")


def column_names(X: Any) -> list[str] | None:
    """A DataFrame's column names when they are all strings (its feature names), else None.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.validation import column_names
    >>> column_names(np.zeros((2, 2))) is None
    True
    """
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "iloc"):
        return None
    names = list(columns)
    return [str(c) for c in names] if names and all(isinstance(c, str) for c in names) else None


def all_finite(X: np.ndarray) -> bool:
    """True if a float array holds no NaN or infinity, without a boolean temporary the size of X.

    Finite row sums prove every entry finite (NaN and ±inf propagate); they come from one
    matrix-vector product, which BLAS runs at memory speed on all cores. Only when a sum is
    not finite (a bad entry, or overflow of huge but finite values) are the rows checked
    block by block.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.validation import all_finite
    >>> all_finite(np.array([[1.0, 2.0], [3.0, 4.0]])), all_finite(np.array([[1.0, np.nan]]))
    (True, False)
    """
    if X.dtype.kind in "biu":
        return True
    if X.ndim != 2 or X.size == 0:
        return bool(np.isfinite(X).all())
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X @ np.ones(X.shape[1], dtype=X.dtype)).all():
            return True
    return all(np.isfinite(X[i:i + 4096]).all() for i in range(0, len(X), 4096))


def check_finite(X: np.ndarray, name: str = "X", *, owner: str | None = None) -> np.ndarray:
    """``X`` if it holds no NaN or infinity; else a :class:`DataError` naming the first bad entry.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.validation import check_finite
    >>> check_finite(np.array([1.0, 2.0]))
    array([1., 2.])
    >>> try:
    ...     check_finite(np.array([[1.0, np.inf]]))
    ... except ValueError as error:
    ...     print(type(error).__name__)
    DataError
    """
    if all_finite(X):
        return X
    bad = ~np.isfinite(X)
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    index = ", ".join(map(str, where))
    position = f"row {where[0]}, column {where[1]} " if len(where) == 2 else ""
    who = f"{owner}: {name}" if owner else name
    raise DataError(f"{who} has a non-finite value ({X[where]}) at {position}({name}[{index}]); "
                    f"{int(bad.sum())} in all. Fill in or drop these values first.")


def check_array(X: Any, name: str = "X", *, ndim: int | Sequence[int] | None = 2, dtype: Any = np.float32,
                finite: bool = True, min_samples: int = 1, owner: str | None = None) -> np.ndarray:
    """``X`` as a numeric NumPy array of ``dtype`` (no copy when it already is one).

    Refuses, each with its own message: sparse matrices, complex numbers, text that
    is not numbers, the wrong number of dimensions (``ndim``: 2 means
    ``(n_samples, n_features)``), fewer than ``min_samples`` rows or no columns,
    and (with ``finite``) NaN or infinity. ``dtype=None`` keeps a floating dtype.
    pandas DataFrames and Series are accepted (their values are used).

    Examples
    --------
    >>> from neuronkit.validation import check_array
    >>> check_array([[1, 2], [3, 4]])
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    >>> try:
    ...     check_array([1.0, 2.0], owner="fit")
    ... except ValueError as error:
    ...     print(type(error).__name__)
    ShapeError
    """
    who = f"{owner}: {name}" if owner else name
    if is_sparse(X):
        raise ParameterTypeError(f"{who} is a sparse matrix, which neuronkit does not support; "
                                 f"pass a dense array ({name}.toarray()) if it fits in memory")
    try:
        array = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{who} must be a numeric array; {exc}") from None
    if array.dtype.kind == "c":
        raise DataError(f"{who} holds complex numbers; neuronkit works on real numbers "
                        f"(take {name}.real or abs({name}) first if that is what you mean)")
    if array.dtype.kind not in "biuf":
        if array.dtype.kind == "O" and array.ndim and any(v is None for v in array.flat):  # float(None): NaN
            where = np.argwhere(np.frompyfunc(lambda v: v is None, 1, 1)(array).astype(bool))[0]
            raise DataError(f"{who} holds None at index {tuple(int(i) for i in where)}; give a number "
                            "there (or drop or impute the missing value first)")
        try:
            array = array.astype(np.float64)  # strings of numbers are fine; anything else fails here
        except (TypeError, ValueError) as exc:
            raise DataError(f"{who} must be a numeric array; {exc}. "
                            "Encode text or categorical columns as numbers first.") from None
    target = dtype if dtype is not None else (array.dtype if array.dtype.kind == "f" else np.float32)
    array = array.astype(target, copy=False)
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and array.ndim not in dims:
        if dims == (2,):
            hint = (" For one feature use X.reshape(-1, 1); for one sample use X.reshape(1, -1)."
                    if array.ndim == 1 else "")
            raise ShapeError(f"{who} must be 2-D (n_samples, n_features); got shape {array.shape}.{hint}")
        raise ShapeError(f"{who} must have {' or '.join(map(str, dims))} dimensions; got shape {array.shape}")
    if array.ndim >= 1 and len(array) < min_samples:
        raise DataError(f"{who} must have at least {min_samples} sample{'s' if min_samples > 1 else ''}; "
                        f"got shape {array.shape}")
    if array.ndim == 2 and array.shape[1] == 0:
        raise DataError(f"{who} must have at least one feature; got shape {array.shape}")
    if finite:
        check_finite(array, name, owner=owner)
    return array


def check_consistent_length(X: Any, y: Any, *, names: tuple[str, str] = ("X", "y"), owner: str | None = None) -> None:
    """Refuse ``X`` and ``y`` with different numbers of samples.

    Examples
    --------
    >>> from neuronkit.validation import check_consistent_length
    >>> check_consistent_length([[1.0], [2.0]], [0, 1])
    >>> try:
    ...     check_consistent_length([[1.0], [2.0]], [0, 1, 1])
    ... except ValueError as error:
    ...     print(type(error).__name__)
    ShapeError
    """
    if len(X) != len(y):
        prefix = f"{owner}: " if owner else ""
        raise ShapeError(f"{prefix}{names[0]} has {len(X)} samples but {names[1]} has {len(y)}; "
                         "give one target per sample")


def check_shape(array: Any, expected: tuple[int | None, ...], name: str, *, owner: str | None = None) -> None:
    """Refuse an array whose shape differs from ``expected`` (``None`` matches any size).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.validation import check_shape
    >>> check_shape(np.zeros((5, 3)), (None, 3), "X")
    >>> try:
    ...     check_shape(np.zeros((5, 2)), (None, 3), "X", owner="Dense")
    ... except ValueError as error:
    ...     print(type(error).__name__)
    ShapeError
    """
    shape = np.shape(array)
    if len(shape) != len(expected) or any(e is not None and s != e for s, e in zip(shape, expected)):
        sizes = ["n" if e is None else str(e) for e in expected]
        want = f"({', '.join(sizes)}{',' if len(sizes) == 1 else ''})"
        prefix = f"{owner}: " if owner else ""
        raise ShapeError(f"{prefix}{name} must have shape {want}; got shape {shape}")


def check_class_indices(y: Any, n_classes: int, *, name: str = "y", owner: str | None = None,
                        where: str | None = None) -> np.ndarray:
    """``y`` as integer class indices in ``[0, n_classes)``, shape ``(n,)``.

    Whole-valued floats (``1.0``) are accepted; ``where`` says what fixes the
    number of classes (e.g. ``"the output layer has 3 neurons"``).

    >>> check_class_indices([0, 2, 1], 3).tolist()
    [0, 2, 1]
    """
    prefix = f"{owner}: " if owner else ""
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ShapeError(f"{prefix}{name} must be class indices of shape (n_samples,); got shape {labels.shape}")
    if labels.dtype.kind == "b" or labels.dtype.kind not in "iuf" or (
            labels.dtype.kind == "f" and not (np.isfinite(labels).all() and (labels == np.round(labels)).all())):
        raise DataError(f"{prefix}{name} must be integer class indices (0, 1, …); got dtype {labels.dtype}"
                        + (" with non-integer values" if labels.dtype.kind == "f" else ""))
    labels = labels.astype(np.intp, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        context = where or f"there are {n_classes} classes"
        raise DataError(f"{prefix}{name} has class indices {labels.min()}..{labels.max()} but {context}; "
                        f"class indices must be in [0, {n_classes})")
    return labels


# ------------------------------------------------------------------ options
def check_options(kind: str, name: str, fn: Callable[..., Any], options: Mapping[str, Any], *,
                  fixed: tuple[str, ...] = (), complete: bool = False) -> None:
    """Refuse ``options`` that ``fn`` (a class or function) has no keyword for; ``fixed`` are not options.

    With ``complete``, ``options`` must also give every parameter that has no default (a saved config).

    >>> def elu(z, *, alpha=1.0): ...
    >>> check_options("activation", "elu", elu, {"alpha": 0.5}, fixed=("z",))
    >>> check_options("activation", "elu", elu, {"slope": 0.5}, fixed=("z",))
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterTypeError: activation 'elu' has no option 'slope'; its options are: alpha
    """
    if not options and not complete:
        return
    parameters = [p for p in inspect.signature(fn).parameters.values()
                  if p.name not in fixed and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    allowed = [p.name for p in parameters if p.kind is not p.VAR_KEYWORD]
    missing = [p.name for p in parameters if complete and p.default is p.empty and p.kind is not p.VAR_KEYWORD
               and p.name not in options]
    if missing:
        raise ParameterError(f"{kind} {name!r} needs {', '.join(map(repr, missing))}; got only "
                             f"{', '.join(map(repr, options)) or 'no options'}")
    unknown = [option for option in options if option not in allowed]
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in parameters):
        takes = f"its options are: {', '.join(allowed)}" if allowed else "it takes no options"
        raise ParameterTypeError(f"{kind} {name!r} has no option {', '.join(map(repr, unknown))}; {takes}")
