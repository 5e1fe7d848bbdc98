"""Feature scalers (standard, min-max, none), in a registry; fitted on arrays or pandas DataFrames.

A scaler fitted on a DataFrame with string column names records them in
``feature_names_in_`` (as scikit-learn does) and refuses to transform a
DataFrame whose columns differ, in names or order, saying which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np

from ..errors import DataError, NotFittedError, ParameterError, ParameterTypeError
from ..registry import Registry
from ..validation import check_number, column_names, must_be
from .arrays import as_arrays, float_dtype


class Scaler:
    """Base class for feature scalers: ``fit`` learns per-feature statistics, ``transform`` applies them.

    A fitted scaler is saved inside a model file (``to_dict()`` is JSON; ``arrays()``
    gives the fitted statistics as arrays) so prediction applies the training transform.
    ``feature_names_in_`` holds the column names of a DataFrame it was fitted on (else None).

    A subclass names its statistics in ``_state`` and implements ``_fit`` (learn them from a float64
    X) and ``_apply`` (scale, or undo it); the base class checks the input and handles the rest.
    A scaler by name for ``get_scaler`` and model files is one ``SCALERS.register`` call more.
    Here, scaling by each feature's largest magnitude, ``x' = x / max|x|``:

    >>> import numpy as np
    >>> class MaxAbsScaler(Scaler):
    ...     name = "maxabs"
    ...     _state = ("max_abs",)
    ...     max_abs = None
    ...     def _fit(self, X):
    ...         self.max_abs = np.abs(X).max(axis=0)
    ...     def _apply(self, X, *, inverse):
    ...         return X * self.max_abs if inverse else X / self.max_abs
    >>> scaler = MaxAbsScaler().fit([[1.0, -4.0], [-2.0, 2.0]])
    >>> scaler, scaler.transform([[1.0, 1.0]]).tolist(), scaler.inverse_transform([[0.5, 0.25]]).tolist()
    (MaxAbsScaler(fitted on 2 features), [[0.5, 0.25]], [[1.0, 1.0]])
    >>> scaler.to_dict()
    {'name': 'maxabs', 'max_abs': [2.0, 4.0]}
    >>> scaler.transform([[1.0, 1.0, 1.0]])
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: MaxAbsScaler was fitted on 2 features; X has 3 columns (shape (1, 3))
    """

    name: ClassVar[str] = "none"
    _state: ClassVar[tuple[str, ...]] = ()
    feature_names_in_: np.ndarray | None = None

    def fit(self, X: Any) -> Self:
        """Learn the statistics of X, shape (n_samples, n_features), an array or a DataFrame; returns self."""
        names = column_names(X)
        X, _ = as_arrays(X, dtype=np.float64)
        self._fit(X)
        self.feature_names_in_ = None if names is None else np.asarray(names, dtype=object)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Scale X, shape (n_samples, n_features) -> same shape (float64 stays float64, else float32)."""
        dtype = float_dtype(X)
        return self._apply(self._checked(X), inverse=False).astype(dtype)

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo :meth:`transform`: scaled values back to the original units."""
        dtype = float_dtype(X)
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
        spec = {"name": self.name, **self.options(), **{k: v.tolist() for k, v in self.arrays().items()}}
        if self.feature_names_in_ is not None:
            spec["feature_names_in"] = [str(n) for n in self.feature_names_in_]
        return spec

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Scaler:
        """Rebuild a scaler from :meth:`to_dict` (statistics may be lists or arrays)."""
        if not isinstance(spec, Mapping):
            raise ParameterTypeError(must_be("scaler dict", "a dict from Scaler.to_dict()", spec))
        spec = dict(spec)
        name = spec.pop("name", None if cls is Scaler else cls.name)
        if name is None:
            raise ParameterError(f"a scaler dict needs a 'name' ({', '.join(SCALERS)}); got keys {sorted(spec)}")
        scaler_cls = SCALERS.get(name)
        if cls is not Scaler and scaler_cls is not cls:
            raise ParameterError(f"{cls.__name__}.from_dict got a dict for scaler {name!r}; use Scaler.from_dict")
        names = spec.pop("feature_names_in", None)
        state = {key: spec.pop(key) for key in scaler_cls._state if key in spec}
        try:
            scaler = scaler_cls(**spec)
        except TypeError:
            raise ParameterError(f"scaler {name!r} dict has unknown keys {sorted(spec)}; expected options "
                                 f"{sorted(scaler_cls().options())} and statistics {list(scaler_cls._state)}") from None
        if state:
            if set(state) != set(scaler_cls._state):
                raise ParameterError(f"scaler {name!r} dict needs all of {', '.join(scaler_cls._state)} "
                                     f"or none of them; got {', '.join(state)}")
            try:
                values = {key: np.asarray(value, dtype=np.float64) for key, value in state.items()}
            except (TypeError, ValueError):
                raise ParameterError(f"scaler {name!r} dict: statistics must be lists of numbers") from None
            shapes = {value.shape for value in values.values()}
            if len(shapes) != 1 or len(next(iter(shapes))) != 1:
                raise ParameterError(f"scaler {name!r} dict: statistics must be 1-D and of equal length; "
                                     f"got shapes {[v.shape for v in values.values()]}")
            for key, value in values.items():
                bad = np.flatnonzero(~np.isfinite(value))
                if bad.size:
                    raise ParameterError(f"scaler {name!r} dict: {key} must be finite in every feature; got "
                                         f"{value[bad[0]]} for feature {bad[0]} ({bad.size} non-finite values)")
            scaler._set_state(values)
        if names is not None:
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                raise ParameterError(must_be(f"scaler {name!r} dict feature_names_in", "a list of strings", names))
            scaler.feature_names_in_ = np.asarray(names, dtype=object)
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
        if not self.is_fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X_train) first")
        self._check_columns(column_names(X))
        X, _ = as_arrays(X, dtype=np.float64)
        if self.n_features is not None and X.shape[1] != self.n_features:
            raise DataError(f"{type(self).__name__} was fitted on {self.n_features} features; "
                            f"X has {X.shape[1]} columns (shape {X.shape})")
        return X

    def _check_columns(self, names: list[str] | None) -> None:
        """Refuse a DataFrame whose columns are not the ones fit saw, in the same order."""
        if names is None or self.feature_names_in_ is None:
            return
        fitted = [str(n) for n in self.feature_names_in_]
        if names == fitted:
            return
        missing = [n for n in fitted if n not in names]
        unexpected = [n for n in names if n not in fitted]
        problems = ([f"missing {missing}"] if missing else []) + ([f"unexpected {unexpected}"] if unexpected else [])
        what = "; ".join(problems) if problems else "the same names in another order"
        raise DataError(f"{type(self).__name__} was fitted on the columns {fitted}; X has the columns {names} "
                        f"({what}). Select them as at fit: X[{fitted}]")


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
        if not np.all(values["scale"] > 0):
            raise ParameterError("StandardScaler scale must be positive in every feature")
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
        rule = "two numbers (low, high) with low < high"
        if isinstance(feature_range, (str, bytes)) or not isinstance(feature_range, Sequence | np.ndarray) \
                or len(feature_range) != 2:
            raise ParameterError(must_be("feature_range", rule, feature_range, owner="MinMaxScaler"))
        low, high = (check_number(v, "feature_range", owner="MinMaxScaler") for v in feature_range)
        if not low < high:
            raise ParameterError(must_be("feature_range", rule, feature_range, owner="MinMaxScaler"))
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


def scaler_from_model_file(spec: Any, n_features: int) -> Scaler:
    """The fitted scaler a model file stores (``spec`` from :meth:`Scaler.to_dict`) for ``n_features`` inputs.

    Stricter than :meth:`Scaler.from_dict`: ``spec`` must be a dict (``None`` would silently mean
    "unscaled"), a scaler with statistics must have them, one finite value per feature
    (``scale`` > 0, ``data_min`` <= ``data_max``), and ``feature_names_in`` must name each feature.
    Anything else is a ParameterError or ParameterTypeError saying what is wrong.

    >>> spec = StandardScaler().fit([[0.0, 10.0], [2.0, 30.0]]).to_dict()
    >>> spec
    {'name': 'standard', 'mean': [1.0, 20.0], 'scale': [1.0, 10.0]}
    >>> scaler_from_model_file(spec, 2).transform([[1.0, 40.0]]).tolist()
    [[0.0, 2.0]]
    >>> scaler_from_model_file(spec, 3)
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterError: scaler 'standard' was fitted on 2 features, but the model takes 3
    >>> scaler_from_model_file({"name": "standard"}, 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterError: scaler 'standard' has no fitted statistics (mean, scale); a model's scaler ...
    """
    if not isinstance(spec, Mapping):
        raise ParameterTypeError(must_be("scaler", "a JSON object from Scaler.to_dict() (e.g. {'name': 'none'} for "
                                         "unscaled inputs)", spec))
    scaler = Scaler.from_dict(spec)
    if scaler._state and not scaler.is_fitted:
        raise ParameterError(f"scaler {scaler.name!r} has no fitted statistics ({', '.join(scaler._state)}); a "
                             "model's scaler is fitted on its training data")
    if scaler.n_features is not None and scaler.n_features != n_features:
        raise ParameterError(f"scaler {scaler.name!r} was fitted on {scaler.n_features} features, but the model "
                             f"takes {n_features}")
    if isinstance(scaler, MinMaxScaler):
        assert scaler.data_min is not None and scaler.data_max is not None
        if not np.all(scaler.data_min <= scaler.data_max):
            raise ParameterError(f"scaler 'minmax' data_min must be <= data_max in every feature; got "
                                 f"{scaler.data_min.tolist()} and {scaler.data_max.tolist()}")
    names = scaler.feature_names_in_
    if names is not None and len(names) != n_features:
        raise ParameterError(f"scaler {scaler.name!r} feature_names_in has {len(names)} names, but the model takes "
                             f"{n_features} features")
    return scaler


#: scaler name -> class; ``get_scaler`` looks names up here (any spelling: "MinMax", "min_max")
SCALERS: Registry[type[Scaler]] = Registry("scaler")
SCALERS.register("standard", StandardScaler, aliases=("standardize", "standardise"))
SCALERS.register("minmax", MinMaxScaler)
SCALERS.register("none", IdentityScaler, aliases=("identity",))


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
        name = SCALERS.canonical(spec)
        try:
            return SCALERS.get(name)(**options)
        except TypeError as exc:
            raise ParameterTypeError(f"scaler {name!r}: {exc}") from None
    raise ParameterTypeError(must_be("scaler", f"a name ({', '.join(SCALERS)}), a Scaler or a dict", spec))
