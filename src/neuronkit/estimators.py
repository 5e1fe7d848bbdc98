"""scikit-learn estimators: :class:`NeuralClassifier` and :class:`NeuralRegressor`.

Drop-in replacements for scikit-learn's ``MLPClassifier``/``MLPRegressor`` that pass
scikit-learn's own estimator checks (``tests/test_sklearn_checks.py``): the same
parameter names where the concept is the same (``hidden_layer_sizes``, ``activation``,
``solver``, ``alpha``, ``batch_size``, ``learning_rate_init``, ``max_iter``,
``early_stopping``, ``validation_fraction``, ``n_iter_no_change``, ``tol``,
``random_state``, ``verbose``, …) plus neuronkit's own (every activation of the
registry, ``adamw``/``rmsprop`` solvers, ``dropout``, ``batch_norm``, ``init``,
``scaler``, ``clip_norm``, ``dtype``). Inputs are scaled by a scaler fitted on the
training data and stored with the model; regression targets are standardised
internally. The trained network is ``network_``.

What MLP users reach for is here: ``fit(X, y, sample_weight)``, ``partial_fit``
(``classes=`` on the classifier's first call), ``coefs_``/``intercepts_`` (in
scikit-learn's (in, out) orientation, as views of the network's weights),
``loss_curve_``, ``loss_``, ``n_iter_``, ``t_``, ``best_loss_``, ``validation_scores_``,
``best_validation_score_``, ``n_layers_``, ``n_outputs_``, ``out_activation_``,
``n_features_in_``, ``feature_names_in_``, and a ``ConvergenceWarning`` when
``max_iter`` ends training before ``tol`` is reached.

Built on scikit-learn's machinery, not on copies of it: ``validate_data``,
``check_is_fitted`` (scikit-learn's ``NotFittedError``), ``_parameter_constraints``
with ``_fit_context``, ``check_classification_targets`` and ``_check_sample_weight``.
Their errors reach the user as neuronkit errors (``DataError``, ``ShapeError``,
``ParameterError``, … — also ``ValueError``/``TypeError``) with scikit-learn's message,
completed where we can say more (where the NaN is, which columns moved). A DataFrame
whose columns differ from the fit's, in names or order, is refused.

Where we differ from scikit-learn's MLP, and why:

* ``batch_size="auto"`` is ``min(200, max(16, n // 8))`` (:func:`auto_batch_size`) and
  weights start Glorot-normal (``init=None``) with zero biases, so that small data sets
  train fully in the default 200 epochs;
* a binary classifier has two softmax outputs (``n_outputs_ == 2``,
  ``out_activation_ == "softmax"``; MLP has one logistic output): the same model;
* training runs in float32 (``dtype="float64"`` gives MLP's precision); predictions are
  computed in float64 from the trained weights, so that a row's prediction does not
  depend on the other rows of the call beyond float64 rounding (float32 matrix products
  of one row and of many differ by ~1e-7).

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = NeuralClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.9, [c.shape for c in clf.coefs_]
(True, [(4, 16), (16, 3)])
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np

from .callbacks import Callback, Divergence, EarlyStopping, LossPlateau, ProgressBar, TerminateOnNaN
from .errors import (
    DataError,
    MissingDependencyError,
    ModelFileError,
    NeuronkitError,
    ParameterError,
    ParameterTypeError,
    ShapeError,
)
from .layers import Dense, Sequential, mlp
from .monitor import improved
from .training import History, fit
from .validation import column_names, is_sparse, must_be

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
    from sklearn.exceptions import ConvergenceWarning, NotFittedError
    from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
    from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, check_random_state, validate_data
except ImportError as exc:  # pragma: no cover - scikit-learn comes with neuronkit[train]
    raise MissingDependencyError("NeuralClassifier and NeuralRegressor are scikit-learn estimators and need "
                                 "scikit-learn: pip install 'neuronkit[train]'") from exc

__all__ = ["ConvergenceWarning", "NeuralClassifier", "NeuralRegressor", "NotFittedError",
           "ParameterConstraintError", "auto_batch_size"]

SOLVERS = ("adam", "adamw", "sgd", "rmsprop")
LEARNING_RATES = ("constant", "adaptive")
SCALERS = ("standard", "minmax", "none")
DTYPES = ("float32", "float64")


def auto_batch_size(n_samples: int) -> int:
    """``batch_size="auto"``: min(200, max(16, n // 8)), capped at n.

    scikit-learn uses min(200, n), which gives a data set of 120 samples (iris)
    one update per epoch and leaves it under-trained after 200 epochs; at least
    about eight updates per epoch fixes that without slowing large data sets.

    Examples
    --------
    >>> from neuronkit.estimators import auto_batch_size
    >>> auto_batch_size(10), auto_batch_size(120), auto_batch_size(800), auto_batch_size(100000)
    (10, 16, 100, 200)
    """
    return min(n_samples, 200, max(16, n_samples // 8))


class ParameterConstraintError(ParameterError, InvalidParameterError):
    """A constructor parameter outside its declared constraints (scikit-learn's message).

    Both a neuronkit :class:`~neuronkit.errors.ParameterError` and scikit-learn's
    ``InvalidParameterError`` (so also ``ValueError`` and ``TypeError``).
    """


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------- errors
def _first_non_finite(X: Any) -> str:
    """Where the first NaN or infinity of X is (for the message), or "" if X is not a numeric table."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    bad = np.argwhere(~np.isfinite(array))
    if array.ndim != 2 or not len(bad):
        return ""
    row, column = (int(i) for i in bad[0])
    return f" The first non-finite value is at row {row}, column {column} (X[{row}, {column}]); {len(bad)} in all."


def _moved_columns(X: Any, fitted: np.ndarray) -> str:
    """Which columns of a DataFrame stand elsewhere than at fit, when only their order differs."""
    names = [str(c) for c in getattr(X, "columns", ())]
    if sorted(names) != sorted(str(n) for n in fitted):
        return ""
    position = {name: i for i, name in enumerate(fitted)}
    moved = [f"{name!r} (column {i}, at fit {position[name]})" for i, name in enumerate(names) if position[name] != i]
    return "Columns out of place: " + ", ".join(moved) + ".\n"


def _as_neuronkit_error(exc: Exception, X: Any, owner: Any) -> Exception:
    """scikit-learn's validation error as the matching neuronkit error, its message completed."""
    message = str(exc)
    if isinstance(exc, TypeError):
        return ParameterTypeError(message)
    if message.startswith("The feature names should match"):
        return DataError(message + _moved_columns(X, owner.feature_names_in_)
                         + f"Pass the columns {type(owner).__name__} was fitted on, in the same order: "
                           "X[estimator.feature_names_in_].")
    if "Reshape your data" in message or "is expecting" in message:
        return ShapeError(message)
    if message.startswith("Input X contains"):
        return DataError(message + _first_non_finite(X))
    return DataError(message)


# ----------------------------------------------------------------------------- callbacks
class _AdaptiveLR(Callback):
    """scikit-learn's ``learning_rate='adaptive'``: when the training loss has not improved by ``tol``
    for ``patience`` epochs, divide the rate by 5; stop once the rate is at 1e-6 or below (if ``stop``)."""

    def __init__(self, tol: float, patience: int, *, stop: bool) -> None:
        self.tol, self.patience, self.stop = tol, patience, stop
        self.best, self.count = np.inf, 0

    def on_epoch_end(self, state, logs) -> None:
        self.count = 0 if improved(logs["loss"], self.best, mode="min", delta=self.tol) else self.count + 1
        self.best = min(self.best, logs["loss"])
        if self.count >= self.patience:
            self.count = 0
            if state.optimizer.lr > 1e-6:
                state.optimizer.lr /= 5.0
            elif self.stop:
                state.stop_training = True


class _StopWatch(Callback):
    """Records whether a stopping rule ended training (listed after the rules, it sees their verdict)."""

    stopped = False

    def on_epoch_end(self, state, logs) -> None:
        self.stopped = bool(state.stop_training)


# ----------------------------------------------------------------------------- the shared base
class _NeuralBase(BaseEstimator):
    _task = "classification"
    _kind = "classifier"
    _score_key = "val_accuracy"
    network_: Sequential

    _parameter_constraints: dict[str, Any] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [str],  # any name of the activation registry (checked there, with suggestions)
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, np.inf, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "learning_rate_init": [Interval(Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, np.inf, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, np.inf, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "init": [str, None],  # any name of the initialiser registry
        "scaler": [StrOptions(set(SCALERS)), None],
        "clip_norm": [Interval(Real, 0, np.inf, closed="neither"), None],
        "dtype": [StrOptions(set(DTYPES))],
        "architecture": "no_validation",  # a spec in any form build takes (checked there, naming the token)
        "input_shape": "no_validation",  # checked in _architecture_inputs, with the data's shape
        "tokenizer": "no_validation",  # a neuronkit Tokenizer (checked in _fit)
        "loss": [str, None],  # a name of the loss registry (checked in _loss_name, against the network)
    }

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 0.0001, batch_size: int | str = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, max_iter: int = 200, shuffle: bool = True,
                 random_state: Any = None, tol: float = 1e-4, verbose: bool = False,
                 warm_start: bool = False, momentum: float = 0.9, nesterovs_momentum: bool = True,
                 early_stopping: bool = False, validation_fraction: float = 0.1, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, n_iter_no_change: int = 10, dropout: float = 0.0,
                 batch_norm: bool = False, init: str | None = None, scaler: str | None = "standard",
                 clip_norm: float | None = None, dtype: str = "float32", architecture: Any = None,
                 input_shape: Any = None, tokenizer: Any = None, loss: str | None = None) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.init = init
        self.scaler = scaler
        self.clip_norm = clip_norm
        self.dtype = dtype
        self.architecture = architecture
        self.input_shape = input_shape
        self.tokenizer = tokenizer
        self.loss = loss

    # ------------------------------------------------------------------ scikit-learn protocol
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # dense arrays only: sparse input is refused with a message
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    def _html_repr(self) -> str:
        """scikit-learn's own HTML display (parameters, fitted state), and once fitted the network's table.

        Jupyter reaches it through scikit-learn's ``_repr_html_``/``_repr_mimebundle_``, which keep
        honouring ``sklearn.set_config(display="text")``.

        >>> "<table" in NeuralClassifier(hidden_layer_sizes=(3,))._html_repr()
        True
        """
        own = super()._html_repr()
        return own + self.network_._repr_html_() if hasattr(self, "network_") else own

    def _validate_params(self) -> None:
        try:
            super()._validate_params()
        except InvalidParameterError as exc:
            raise ParameterConstraintError(str(exc)) from None

    # ------------------------------------------------------------------ validation
    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and int(s) >= 1 for s in sizes):
            raise ParameterError(must_be("hidden_layer_sizes", "positive integers, one width per hidden layer "
                                         "(e.g. (64, 32))", self.hidden_layer_sizes, type(self).__name__))
        return tuple(int(s) for s in sizes)

    def _check_names(self) -> None:
        """``activation`` and ``init`` name entries of their registries (the message lists the valid names)."""
        from .activations import get_activation
        from .init import get_initializer

        for name, lookup in (("activation", get_activation), ("init", get_initializer)):
            value = getattr(self, name)
            try:
                if value is not None:
                    lookup(value)
            except ValueError as exc:
                if isinstance(exc, NeuronkitError):
                    raise
                raise ParameterError(f"{type(self).__name__} {name}: {exc}") from None

    def _validate(self, X: Any, y: Any = "no_validation", *, reset: bool, **y_checks: Any) -> Any:
        """``validate_data`` (n_features_in_, feature_names_in_, NaN/complex/empty refusal), our errors."""
        owner = type(self).__name__
        if is_sparse(X):
            raise ParameterTypeError(f"{owner}: X is a sparse matrix; sparse input is not supported "
                                     "(neuronkit computes on dense arrays). Pass X.toarray() if it fits in memory.")
        fitted = None if reset else getattr(self, "feature_names_in_", None)
        if fitted is not None and hasattr(X, "columns") and column_names(X) is None:
            raise DataError(f"{owner} was fitted on the columns {list(fitted)!r}; X is a DataFrame whose column "
                            f"names are not all strings ({list(X.columns)!r}). Name its columns as at fit: "
                            "X.set_axis(estimator.feature_names_in_, axis=1) if they are the fit's, in its order.")
        try:
            return validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32), **y_checks)
        except (TypeError, ValueError) as exc:
            raise _as_neuronkit_error(exc, X, self) from None

    def _check_weights(self, sample_weight: Any, X: np.ndarray) -> np.ndarray:
        try:
            return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        except ValueError as exc:
            kind = ShapeError if "shape" in str(exc) or "1D" in str(exc) else ParameterError
            raise kind(f"{type(self).__name__} sample_weight: {exc}") from None

    def _seed(self) -> int | None:
        if self.random_state is None or isinstance(self.random_state, Integral):
            return None if self.random_state is None else int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    # ------------------------------------------------------------------ architectures
    def _takes_ids(self) -> bool:
        """Whether ``architecture`` starts with an embedding, so that X holds token ids (or texts)."""
        from .layers.spec import parse_spec

        return self.architecture is not None and parse_spec(self.architecture)[0]["layer"] == "embedding"

    def _check_architecture(self) -> None:
        """``architecture`` excludes the MLP's options; ``input_shape`` and ``tokenizer`` need an architecture."""
        owner = type(self).__name__
        if self.architecture is None:
            for name in ("input_shape", "tokenizer"):
                if getattr(self, name) is not None:
                    raise ParameterError(f"{owner} {name}= is for a network described by architecture= (e.g. "
                                         f"architecture='cnn' or 'textmean'); the MLP of hidden_layer_sizes takes X "
                                         f"(n_samples, n_features) as it is. Pass architecture=, or leave {name} out.")
            return
        mlp_options = {"hidden_layer_sizes": (self._hidden_sizes(), (100,)),
                       "activation": (self.activation, "relu"), "dropout": (self.dropout, 0.0),
                       "batch_norm": (self.batch_norm, False), "init": (self.init, None)}
        given = [name for name, (value, default) in mlp_options.items() if value != default]
        if given:
            raise ParameterError(f"{owner}: architecture={_short_repr(self.architecture)} describes the whole network, "
                                 f"so {', '.join(given)} (options of the MLP that hidden_layer_sizes builds) cannot be "
                                 "given with it; write them into the spec (e.g. 'dense(128,relu),dropout(0.3),"
                                 "dense(out)') or leave architecture=None.")
        self._declared_shape()
        if self.tokenizer is not None:
            from .data.text import Tokenizer

            if not isinstance(self.tokenizer, Tokenizer):
                raise ParameterTypeError(must_be("tokenizer", "a neuronkit Tokenizer (e.g. Tokenizer(min_count=2)) or "
                                                 "None", self.tokenizer, owner))
            if not self._takes_ids():
                raise ParameterError(f"{owner} tokenizer= turns texts into token ids for an architecture that starts "
                                     f"with an embedding (e.g. 'textmean'); architecture="
                                     f"{_short_repr(self.architecture)} does not. Leave tokenizer out, or start the "
                                     "spec with embedding(64,padding_idx=0).")

    def _declared_shape(self) -> tuple[int, ...] | None:
        """``input_shape`` as a tuple of positive ints (None if not given)."""
        shape = self.input_shape
        if shape is None:
            return None
        values = (shape,) if isinstance(shape, Integral) else shape
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not 1 <= len(values) <= 3 or not all(
                isinstance(v, Integral) and not isinstance(v, bool) and int(v) >= 1 for v in values):
            raise ParameterError(must_be("input_shape", "one sample's shape without the batch axis, 1 to 3 positive "
                                         "integers: (channels, height, width) for images, (channels, length) or "
                                         "(features,)", shape, type(self).__name__))
        return tuple(int(v) for v in values)

    def _architecture_inputs(self, X: Any, *, first: bool) -> tuple[Any, tuple[int, ...] | None]:
        """X as a 2-D table for scikit-learn's checks, and the per-sample shape it came in (None: 2-D already).

        Texts (with ``tokenizer``) become token ids, padded to the training width; an X of more
        than two dimensions (images (n, C, H, W)) is flattened after its sample shape is checked
        against the model's.
        """
        owner = type(self).__name__
        texts = self.tokenizer is not None if first else hasattr(self, "tokenizer_")
        if texts:
            if first:
                self.tokenizer_ = copy.deepcopy(self.tokenizer).fit(X)
                ids = self.tokenizer_.encode(X)
            else:
                width = int(self.n_features_in_)
                ids = self.tokenizer_.encode(X, max_len=width)
                ids = np.pad(ids, ((0, 0), (0, width - ids.shape[1])))
            return ids, (ids.shape[1],)
        shaped = self.architecture is not None if first else hasattr(self, "input_shape_")
        if not (shaped and isinstance(X, np.ndarray) and X.ndim > 2):
            return X, None
        shape = tuple(int(v) for v in X.shape[1:])
        expected = self._declared_shape() if first else self.input_shape_
        if expected is not None and shape != expected:
            raise ShapeError(f"{owner}: X holds samples of shape {shape}{_shape_words(shape)}, but the model takes "
                             f"{expected}{_shape_words(expected)} (input_shape); give X of shape (n_samples, "
                             f"{', '.join(map(str, expected))}) (resize the images, or convert their colour mode), "
                             f"or flattened: (n_samples, {math.prod(expected)}).")
        return X.reshape(len(X), -1), shape

    def _build_network(self, X: np.ndarray, weights: np.ndarray | None, n_outputs: int,
                       sample_shape: tuple[int, ...] | None) -> None:
        """The network of ``architecture`` for samples of ``input_shape_`` (given, or X's own), its scaler."""
        from .layers.spec import build

        owner = type(self).__name__
        shape = self._declared_shape() or sample_shape or (int(X.shape[1]),)
        if math.prod(shape) != X.shape[1]:
            raise ShapeError(f"{owner}: input_shape={shape} holds {math.prod(shape)} values per sample, but X has "
                             f"{X.shape[1]} columns; give X of shape (n_samples, {math.prod(shape)}) or (n_samples, "
                             f"{', '.join(map(str, shape))}), or the input_shape of your data.")
        ids = self._takes_ids()
        vocab_size = None
        if ids:
            _check_ids(X, owner)
            vocab_size = self.tokenizer_.vocab_size if hasattr(self, "tokenizer_") else int(X.max()) + 1
        else:
            self.__dict__.pop("tokenizer_", None)
        self.input_shape_ = shape
        self.network_ = build(self.architecture, shape, outputs=n_outputs, output=self._output,
                              vocab_size=vocab_size, seed=self._seed(), dtype=np.dtype(self.dtype))
        # token ids are not scaled: they index the embedding's rows
        scaler = "none" if ids else (self.scaler or "none")
        if scaler == "standard" and _unit_range_encoder(self.network_):
            scaler = "minmax"  # rate and latency coding take values in [0, 1] (clipped in _network_inputs)
        self.scaler_ = _fit_scaler(scaler, X, weights)

    def _network_inputs(self, Xs: np.ndarray) -> np.ndarray:
        """Scaled 2-D inputs as the network takes them: reshaped to (n, *input_shape_), token ids as int64."""
        if not hasattr(self, "input_shape_"):
            return Xs.astype(self.network_.parameters()[0].dtype, copy=False)
        x = Xs.reshape((len(Xs), *self.input_shape_))
        first = next(iter(self.network_))
        if _unit_range_encoder(self.network_) and getattr(self.scaler_, "name", None) == "minmax":
            x = np.clip(x, 0.0, 1.0)  # beyond the training range: the encoder's range [0, 1] holds all
        if getattr(first, "input_kind", "float") != "ids":
            return x.astype(self.network_.parameters()[0].dtype, copy=False)
        owner = type(self).__name__
        _check_ids(Xs, owner)
        high = int(vars(first)["num_embeddings"])
        if x.size and x.max() >= high:
            where = tuple(int(i) for i in np.argwhere(Xs >= high)[0])
            raise DataError(f"{owner}: X holds the token id {int(Xs[where])} at row {where[0]}, column {where[1]}, "
                            f"outside the vocabulary of layer {first.name!r} (ids 0..{high - 1}); give ids made by the "
                            "tokenizer the model was trained with.")
        return x.astype(np.int64)

    # ------------------------------------------------------------------ training
    def _fit(self, X: Any, y: Any, sample_weight: Any, *, incremental: bool,
             fit_options: dict[str, Any] | None = None) -> _NeuralBase:
        owner = type(self).__name__
        sizes = self._hidden_sizes()
        self._check_names()
        self._check_architecture()
        if incremental and self.early_stopping:
            raise ParameterError(f"{owner}.partial_fit does not support early_stopping=True (one call sees one "
                                 "batch: there is no held-out set to stop on); use fit, or early_stopping=False")
        first = not hasattr(self, "network_") or not (self.warm_start or incremental)
        X, sample_shape = self._architecture_inputs(X, first=first)
        X, y = self._validate(X, y, reset=first, **self._y_checks)
        weights = None if sample_weight is None else self._check_weights(sample_weight, X)
        targets = self._targets(y, weights, first=first, incremental=incremental)
        if first:
            self._initialize(X, weights, targets.shape[1] if self._task == "regression" else len(self.classes_),
                             sizes, sample_shape)
        Xs = self._network_inputs(self.scaler_.transform(X))
        options = dict(fit_options or {})
        if options.get("checkpoint") is not None or options.get("resume") is not None:
            from .checkpoints import data_checksum

            # what a checkpoint records and a resume checks: the parameters that shape the network, its
            # training or the validation split (max_iter may grow on resume; tol, n_iter_no_change, verbose
            # and warm_start change no result so far), a checksum of the data, and the caller's settings
            given = options.get("settings")
            if given is not None and not isinstance(given, dict):
                raise ParameterTypeError(f"{owner}.fit settings must be a dict (name -> value) or None; got "
                                         f"{type(given).__name__}")
            params = self.get_params()
            settings = {name: _jsonable(params[name]) for name in (
                "hidden_layer_sizes", "activation", "solver", "alpha", "batch_size", "learning_rate",
                "learning_rate_init", "shuffle", "random_state", "momentum", "nesterovs_momentum", "early_stopping",
                "validation_fraction", "beta_1", "beta_2", "epsilon", "dropout", "batch_norm", "init", "scaler",
                "clip_norm", "dtype", "architecture", "input_shape")}
            if not (settings["random_state"] is None or isinstance(settings["random_state"], int)):
                settings["random_state"] = type(params["random_state"]).__name__  # a generator: its type only
            settings["training data checksum"] = data_checksum(X, y, weights)
            options["settings"] = {**settings, **(given or {})}
        self._train(Xs, targets, weights, incremental=incremental, options=options)
        return self

    def _initialize(self, X: np.ndarray, weights: np.ndarray | None, n_outputs: int, sizes: tuple[int, ...],
                    sample_shape: tuple[int, ...] | None = None) -> None:
        if self.architecture is None:
            self.scaler_ = _fit_scaler(self.scaler or "none", X, weights)
            self.network_ = mlp([X.shape[1], *sizes, n_outputs], activation=self.activation, output=self._output,
                                dropout=self.dropout, batch_norm=self.batch_norm, init=self.init or "glorot_normal",
                                seed=self._seed(), dtype=np.dtype(self.dtype))
            for stale in ("input_shape_", "tokenizer_"):
                self.__dict__.pop(stale, None)
        else:
            self._build_network(X, weights, n_outputs, sample_shape)
        self._set_structure()
        self.loss_curve_: list[float] = []
        self.t_ = 0
        self.validation_scores_: list[float] | None = [] if self.early_stopping else None
        self._optimizer = None

    def _set_structure(self) -> None:
        if self._spiking():  # the output layer's neuron model stands for the output activation ("lif", "li")
            self.n_layers_ = 1 + sum(1 for layer in self.network_ if hasattr(layer, "neuron"))
            self.n_outputs_ = int(self.network_.out_features or 0)
            last: Any = list(self.network_)[-1]
            self.out_activation_ = type(last.neuron).__name__.lower()
            return
        dense = self._dense_layers()
        self.n_layers_ = len(dense) + 1
        self.n_outputs_ = dense[-1].out_features
        self.out_activation_ = dense[-1].activation.name

    def _make_optimizer(self):
        from .optim import get_optimizer

        params = self.network_.parameters()
        lr = float(self.learning_rate_init)
        if self.solver == "sgd":
            return get_optimizer("sgd", params, lr=lr, momentum=self.momentum,
                                 nesterov=bool(self.nesterovs_momentum and self.momentum > 0))
        if self.solver in ("adam", "adamw"):
            return get_optimizer(self.solver, params, lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        return get_optimizer("rmsprop", params, lr=lr, eps=self.epsilon)

    def _callbacks(self, options: dict[str, Any], incremental: bool) -> tuple[list[Callback], _StopWatch]:
        given = options.get("callbacks") or ()
        # the user's first, so that fit's messages index them as given
        callbacks: list[Callback] = list(given) if isinstance(given, (list, tuple)) else [given]
        # divergence and non-finite losses are told in this estimator's words (learning_rate_init, clip_norm)
        if not any(isinstance(c, TerminateOnNaN) for c in callbacks):
            callbacks.append(TerminateOnNaN(lr_name="learning_rate_init"))
        if not any(isinstance(c, Divergence) for c in callbacks):
            callbacks.append(Divergence(lr_name="learning_rate_init"))
        adaptive = self.learning_rate == "adaptive"
        if self.early_stopping:
            callbacks.append(EarlyStopping(self._score_key, patience=self.n_iter_no_change, min_delta=self.tol))
        elif not adaptive and not incremental:
            callbacks.append(LossPlateau(self.tol, self.n_iter_no_change))
        if adaptive:
            callbacks.append(_AdaptiveLR(self.tol, self.n_iter_no_change, stop=not self.early_stopping))
        if self.verbose:
            callbacks.append(ProgressBar(log_every=1))
        watch = _StopWatch()
        return [*callbacks, watch], watch

    def _train(self, Xs: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, *, incremental: bool,
               options: dict[str, Any]) -> None:
        n = len(Xs)
        batch = auto_batch_size(n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        mean_weight = 1.0 if weights is None else float(weights.mean())
        for layer in self._dense_layers():
            # scikit-learn's penalty: ½·alpha·ΣW² / Σwᵢ over the batch; here the batch size times the mean
            # weight (exact for full batches, the expected batch weight for minibatches)
            layer.l2 = 0.5 * float(self.alpha) / (batch * mean_weight)
        if not (incremental and self._optimizer is not None):
            self._optimizer = self._make_optimizer()
        callbacks, watch = self._callbacks(options, incremental)
        epochs = 1 if incremental else int(self.max_iter)
        seed = self._seed()
        extra: dict[str, Any] = {} if weights is None else {"sample_weight": weights}
        if self.early_stopping:
            train, val = self._validation_split(targets, seed)
            extra["validation_data"] = (Xs[val], targets[val], *(() if weights is None else (weights[val],)))
            Xs, targets = Xs[train], targets[train]
            if weights is not None:
                extra["sample_weight"] = weights[train]
        history = fit(self.network_, Xs, targets, loss=self._loss_fn(), optimizer=self._optimizer, epochs=epochs,
                      batch_size=min(batch, len(Xs)), shuffle=bool(self.shuffle), seed=seed, callbacks=callbacks,
                      progress=False, clip_norm=self.clip_norm, checkpoint=options.get("checkpoint"),
                      resume=options.get("resume"), settings=options.get("settings"),
                      force=options.get("force", False), **extra)
        self._record(history, len(Xs))
        if not incremental and self.n_iter_ == self.max_iter and not watch.stopped:
            why = (f"the validation score improved by more than tol={self.tol:g}" if self.early_stopping
                   else f"the training loss improved by more than tol={self.tol:g}")
            message = (f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the optimization "
                       f"hasn't converged yet: {why} within the last n_iter_no_change={self.n_iter_no_change} "
                       f"epochs. Raise max_iter to train {type(self).__name__} to convergence.")
            if message not in history.notes:  # for those who read the notes rather than the warnings (the CLI)
                history.notes.append(message)
            warnings.warn(message, ConvergenceWarning, stacklevel=5)

    def _validation_split(self, targets: np.ndarray, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the training and the held-out samples (``validation_fraction``; stratified for classes)."""
        from .data import train_test_split

        n = len(targets)
        index = np.arange(n).reshape(-1, 1)
        train, val, _, _ = train_test_split(index, targets, test_size=self.validation_fraction,
                                            stratify=self._task == "classification", seed=seed)
        if len(val) < 2:
            raise DataError(f"{type(self).__name__}: early stopping holds out {len(val)} of {n} samples "
                            f"(validation_fraction={self.validation_fraction}); it needs at least 2. Raise "
                            "validation_fraction, or give more samples.")
        return train[:, 0].astype(np.intp), val[:, 0].astype(np.intp)

    def _record(self, history: History, n_train: int) -> None:
        """The MLP attributes after one training call (the curves grow over warm starts and partial_fit)."""
        self.history_ = history
        losses = history.history.get("loss", [])
        self.n_iter_ = len(losses)
        self.t_ += self.n_iter_ * n_train
        self.loss_curve_ = [*self.loss_curve_, *losses]
        if self.early_stopping:
            self.validation_scores_ = [*(self.validation_scores_ or []), *history.history.get(self._score_key, [])]
        else:
            self.validation_scores_ = None
        self._set_best()

    def _set_best(self) -> None:
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        scores = self.validation_scores_
        self.best_validation_score_ = max(scores) if scores else None
        self.best_loss_ = None if scores is not None else min(self.loss_curve_, default=None)

    # ------------------------------------------------------------------ spiking networks
    def _spiking(self) -> bool:
        """Whether the network starts with an encoder, so that its outputs are over time (T, n, outputs)."""
        network = getattr(self, "network_", None)
        return network is not None and bool(getattr(next(iter(network), None), "makes_time_axis", False))

    def _loss_fn(self) -> Any:
        """The training loss: ``loss`` or the default (cross-entropy, MSE; rate cross-entropy for a spiking
        network), checked against the network (a spiking one needs a spike loss, and no other does)."""
        from .losses import get_loss

        owner = type(self).__name__
        spiking = self._spiking()
        if spiking:
            from .spiking import losses as spike_losses  # registers the spike losses
        if spiking and self._task != "classification":
            raise ParameterError(f"{owner}: architecture={_short_repr(self.architecture)} is a spiking network, "
                                 "whose outputs are spikes over time; spiking networks here are classifiers "
                                 "(NeuralClassifier with a spike loss such as 'rate_cross_entropy')")
        name = self.loss if self.loss is not None else ("rate_cross_entropy" if spiking else self._loss)
        loss = get_loss(name)  # an unknown name: the message lists the valid ones
        if spiking and not isinstance(loss, spike_losses.SpikeLoss):
            raise ParameterError(f"{owner}: loss={name!r} takes one output per class, but the spiking network of "
                                 f"architecture={_short_repr(self.architecture)} gives spikes over time (T, n, "
                                 "classes); use a spike loss: 'rate_cross_entropy' (the default), "
                                 "'count_cross_entropy', 'count_mse', or 'membrane_cross_entropy' (with an li "
                                 "readout: dense(out,li))")
        if not spiking and loss.name != get_loss(self._loss).name:
            what = ("takes spikes over time: give a spiking architecture (e.g. architecture='snn')"
                    if loss.task == "classification" and loss.output_activation is None
                    else f"is not the loss of this {owner} (its outputs are "
                         f"{'softmax probabilities' if self._task == 'classification' else 'values'})")
            raise ParameterError(f"{owner}: loss={name!r} {what}; leave loss=None for {self._loss!r}")
        return loss

    def _scores(self, raw: np.ndarray) -> np.ndarray:
        """A spiking network's outputs (T, n, classes) as class scores (n, classes), by its loss's decoder."""
        return np.asarray(self._loss_fn().decode(raw), dtype=np.float64)

    # ------------------------------------------------------------------ prediction
    def _dense_layers(self) -> list[Dense]:
        """The Dense layers (of a spiking network: the synapses of its SpikingDense layers)."""
        synapses = [vars(layer).get("synapse") for layer in self.network_]
        return [layer for layer in self.network_ if isinstance(layer, Dense)] + \
            [synapse for synapse in synapses if isinstance(synapse, Dense)]

    def _inputs(self, X: Any) -> np.ndarray:
        """X validated against the fit (features, names) and scaled by the stored scaler, float64."""
        check_is_fitted(self)
        X, _ = self._architecture_inputs(X, first=False)
        X = self._validate(X, reset=False)
        return self.scaler_.transform(X.astype(np.float64, copy=False))

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's outputs for X, computed in float64.

        In float64 each row's result does not depend on the other rows of the call beyond
        float64 rounding (float32 matrix products of one row and of many differ by ~1e-7,
        more than scikit-learn's subset-invariance check allows); dense layers multiply in
        float64, the other layers work elementwise.
        """
        from .engine import eval_mode, no_grad, ops

        x = self._inputs(X)
        if hasattr(self, "input_shape_"):  # a network from architecture=: its own forward pass
            from .training import outputs

            raw = outputs(self.network_, self._network_inputs(x))
            return self._scores(raw) if self._spiking() else np.asarray(raw, dtype=np.float64)
        with no_grad(), eval_mode():
            for layer in self.network_:
                if isinstance(layer, Dense):
                    bias = None if layer.bias is None else layer.bias.data.astype(np.float64)
                    x = layer.activation.infer(ops.linear_array(x, layer.weight.data.astype(np.float64), bias))
                else:
                    x = np.asarray(layer.infer(x), dtype=np.float64)
        return x

    def transform_inputs(self, X: Any) -> np.ndarray:
        """X as the network sees it (validated, the stored scaler applied, shaped (n, *input_shape_) for an
        architecture), in the network's dtype (token ids as int64)."""
        return self._network_inputs(self._inputs(X))

    # ------------------------------------------------------------------ MLP's weight attributes
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices, ``coefs_[i]`` of shape (n_in, n_out) as in scikit-learn: views of the network's
        weights (``layer.weight.T``), so writing into them changes the network."""
        check_is_fitted(self)
        return [layer.weight.data.T for layer in self._dense_layers()]

    @coefs_.setter
    def coefs_(self, values: Any) -> None:
        self._assign("coefs_", values, [layer.weight.data.T for layer in self._dense_layers()])

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors, ``intercepts_[i]`` of shape (n_out,): views of the network's biases."""
        check_is_fitted(self)
        return [layer.bias.data for layer in self._dense_layers() if layer.bias is not None]

    @intercepts_.setter
    def intercepts_(self, values: Any) -> None:
        self._assign("intercepts_", values, [layer.bias.data for layer in self._dense_layers()
                                             if layer.bias is not None])

    def _assign(self, name: str, values: Any, targets: list[np.ndarray]) -> None:
        check_is_fitted(self)
        values = list(values)
        if len(values) != len(targets):
            raise ShapeError(f"{type(self).__name__}.{name} takes {len(targets)} arrays, one per layer; "
                             f"got {len(values)}")
        for i, (target, value) in enumerate(zip(targets, values)):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ShapeError(f"{type(self).__name__}.{name}[{i}] must have shape {target.shape}; "
                                 f"got shape {value.shape}")
            target[...] = value

    # ------------------------------------------------------------------ model files
    def _model_file(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        check_is_fitted(self)
        curves = {"loss_curve": self.loss_curve_, "t": self.t_, "n_iter": self.n_iter_,
                  "validation_scores": self.validation_scores_}
        params = self.get_params()
        params["tokenizer"] = None  # the fitted tokenizer is written in extra; the template is rebuilt from it
        shapes = {} if not hasattr(self, "input_shape_") else {"input_shape": list(self.input_shape_)}
        if hasattr(self, "tokenizer_"):
            shapes["tokenizer"] = self.tokenizer_.to_dict()
        meta = {"kind": self._kind, "params": _jsonable(params), "network": self.network_.config(),
                "scaler": _jsonable(self.scaler_.to_dict()), "n_features_in": int(self.n_features_in_),
                "history": self.history_.to_dict(), "extra": _jsonable({**self._extra_meta(), **curves, **shapes}),
                "feature_names": None if getattr(self, "feature_names_in_", None) is None
                else [str(n) for n in self.feature_names_in_]}
        training_data = getattr(self, "training_data_", None)
        if training_data is not None:  # the data recipe (features, target, preprocessing, split), when recorded
            if not isinstance(training_data, dict):
                raise ParameterTypeError(must_be("training_data_", "a dict (JSON-serialisable)", training_data,
                                                 type(self).__name__))
            meta["training_data"] = _jsonable(training_data)
        try:
            json.dumps(meta)  # fail here, with the offending value, rather than half-way through a write
        except TypeError as exc:
            raise ModelFileError(f"this {type(self).__name__} cannot be saved: a model file holds its parameters "
                                 f"as JSON (numbers, strings, lists, None); {exc} (random_state: give an int "
                                 "seed)") from None
        return meta, self.network_.state_dict()

    def _extra_meta(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _from_model_file(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> _NeuralBase:
        """The estimator a model file holds, every part checked first (:func:`neuronkit.io.read_estimator_file`)."""
        from .io import read_estimator_file

        parts = read_estimator_file(cls._kind, meta, arrays)
        params = dict(parts.params)
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        if isinstance(params.get("input_shape"), list):
            params["input_shape"] = tuple(params["input_shape"])
        if parts.tokenizer is not None:  # the template the estimator was given: the fitted one's options
            tok = parts.tokenizer
            params["tokenizer"] = type(tok)(min_count=tok.min_count, max_vocab=tok.max_vocab, lowercase=tok.lowercase,
                                            max_len=tok.max_len)
            est_tokenizer = tok
        est = cls(**params)
        if parts.input_shape is not None:
            est.input_shape_ = parts.input_shape
        if parts.tokenizer is not None:
            est.tokenizer_ = est_tokenizer
        est.network_ = parts.network
        est._set_structure()
        est.scaler_ = parts.scaler
        est.n_features_in_ = parts.n_features_in
        est._load_extra_meta(parts)
        est.history_ = parts.history
        losses = est.history_.history.get("loss", [])  # files before the curves were saved: this fit's
        est.loss_curve_ = [float(v) for v in parts.curves.get("loss_curve", losses)]
        est.n_iter_, est.t_ = int(parts.curves.get("n_iter", len(losses))), int(parts.curves.get("t", 0))
        scores = parts.curves["validation_scores"] if "validation_scores" in parts.curves else (
            est.history_.history.get(est._score_key, []) if est.early_stopping else None)
        est.validation_scores_ = None if scores is None else [float(v) for v in scores]
        est._set_best()
        est._optimizer = None
        if parts.feature_names is not None:
            est.feature_names_in_ = np.asarray(parts.feature_names, dtype=object)
        if parts.training_data is not None:
            est.training_data_ = parts.training_data
        return est

    def _load_extra_meta(self, parts: Any) -> None:
        """Set the kind's own attributes from the checked parts of a model file (an ``io.EstimatorFile``)."""

    def save(self, path: str, *, allow_nonfinite: bool = False) -> None:
        """Write the fitted estimator to one model file (see :func:`neuronkit.save`).

        NaN or infinite weights (training diverged) are refused unless ``allow_nonfinite=True``.
        """
        from .io import save

        save(self, path, allow_nonfinite=allow_nonfinite)


def _unit_range_encoder(network: Any) -> bool:
    """Does the network start with an encoder that takes values in [0, 1] (rate or latency coding)?"""
    return type(next(iter(network), None)).__name__ in ("RateEncoder", "LatencyEncoder")


def _fit_scaler(name: str, X: np.ndarray, weights: np.ndarray | None):
    """The scaler ``name`` fitted on X; with sample weights, on the data each sample repeated wᵢ times.

    data.py's scalers take no weights, so the weighted statistics are computed here and the
    scaler is built from them (``Scaler.from_dict``): mean Σwᵢxᵢ/Σwᵢ and standard deviation
    sqrt(Σwᵢ(xᵢ - mean)²/Σwᵢ) for ``"standard"``, the range of the samples of non-zero weight
    for ``"minmax"`` (what scikit-learn's sample-weight equivalence asks of a fit).
    """
    from .data import get_scaler

    scaler = get_scaler(name)
    if weights is None or scaler.name == "none":
        return scaler.fit(X)
    if scaler.name == "minmax":
        return scaler.fit(X[weights > 0])
    mean, scale = _weighted_mean_scale(X, weights)
    return type(scaler).from_dict({"name": scaler.name, **scaler.options(), "mean": mean, "scale": scale})


def _weighted_mean_scale(values: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (weighted) mean and standard deviation; a constant column gets scale 1."""
    from .data.scalers import _nonzero_scale  # data's rule for a constant column (scale 1)

    values = np.asarray(values, dtype=np.float64)
    mean = np.average(values, axis=0, weights=weights)
    std = np.sqrt(np.average((values - mean) ** 2, axis=0, weights=weights))
    return mean, _nonzero_scale(std)


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _shape_words(shape: tuple[int, ...]) -> str:
    """(1, 28, 28) -> ": 1 channel of 28x28" (the words for an image's shape), else ""."""
    if len(shape) != 3:
        return ""
    return f": {shape[0]} channel{'s' * (shape[0] != 1)} of {shape[1]}x{shape[2]}"


def _check_ids(X: np.ndarray, owner: str) -> None:
    """Token ids must be whole numbers >= 0 (they index an embedding's rows)."""
    bad = np.argwhere((X < 0) | (X != np.round(X)))
    if len(bad):
        row, column = (int(i) for i in bad[0])
        raise DataError(f"{owner}: X holds token ids for an embedding, which must be whole numbers >= 0; got "
                        f"{float(X[row, column]):g} at row {row}, column {column}. Turn texts into ids with a "
                        "tokenizer: tokenizer=Tokenizer() and X the texts.")


# ----------------------------------------------------------------------------- classifier
class NeuralClassifier(ClassifierMixin, _NeuralBase):
    """A multi-layer perceptron classifier trained by neuronkit (softmax output, cross-entropy loss).

    Parameters are those of scikit-learn's MLPClassifier (see the module
    docstring) plus ``dropout``, ``batch_norm``, ``init``, ``scaler``, ``clip_norm``,
    ``dtype``, ``architecture``, ``input_shape``, ``tokenizer`` and ``loss`` (the training loss:
    None for cross-entropy, or a spike loss for a spiking architecture). Labels may be of any
    type; ``classes_`` holds them sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit import NeuralClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [3.0, 3.0], [3.0, 4.0]]); y = ["no", "no", "yes", "yes"]
    >>> clf = NeuralClassifier(hidden_layer_sizes=(4,), learning_rate_init=0.1, max_iter=50, random_state=0)
    >>> clf.fit(X, y).classes_
    array(['no', 'yes'], dtype='<U3')
    >>> clf.predict([[0.0, 0.5], [3.0, 3.5]])
    array(['no', 'yes'], dtype='<U3')
    >>> clf.predict_proba([[3.0, 3.5]]).shape
    (1, 2)

    **Other networks.** ``architecture`` (a spec line or a name of :data:`neuronkit.ARCHITECTURES`,
    see :func:`neuronkit.build`) replaces the MLP of ``hidden_layer_sizes`` (give one or the
    other); its last ``dense(out)`` gets one softmax output per class. Images come as X
    (n, C, H, W), or flat (n, C·H·W) with ``input_shape=(C, H, W)``; ``input_shape_`` keeps the
    sample shape (``n_features_in_`` is C·H·W, scikit-learn's checks see a 2-D X):

    >>> import warnings
    >>> import neuronkit as nk
    >>> digits = nk.datasets.load("digits", images=True)  # X (1797, 1, 8, 8)
    >>> cnn = NeuralClassifier(architecture="conv(4,3,relu),maxpool(2),flatten,dense(out)", max_iter=10,
    ...                        learning_rate_init=0.01, random_state=0)
    >>> with warnings.catch_warnings(action="ignore"):  # 10 epochs: not converged, on purpose
    ...     cnn = cnn.fit(digits.X[:300], digits.y[:300])
    >>> cnn.input_shape_, cnn.score(digits.X[300:600], digits.y[300:600]) > 0.6
    ((1, 8, 8), True)

    An architecture that starts with an embedding takes token ids (n, L), never scaled; with
    ``tokenizer`` (a :class:`~neuronkit.data.Tokenizer`, fitted on fit's texts as ``tokenizer_``
    and saved with the model) X is a list of texts:

    >>> from neuronkit.data import Tokenizer
    >>> texts, y = ["the cat sat", "a dog ran", "my cat slept", "the dog barked"], ["cat", "dog", "cat", "dog"]
    >>> words = NeuralClassifier(architecture="embedding(8,padding_idx=0),seqmeanpool,dense(out)",
    ...                          tokenizer=Tokenizer(), learning_rate_init=0.1, max_iter=50, random_state=0)
    >>> words.fit(texts, y).predict(["a cat", "one dog"]).tolist(), words.tokenizer_.vocab_size
    (['cat', 'dog'], 11)

    **Spiking networks.** An architecture that starts with an encoder (``"snn"`` is
    ``rate(25),dense(128,lif),dense(out,lif)``) trains with a spike loss, ``loss=`` (default
    ``"rate_cross_entropy"``; also ``"count_cross_entropy"``, ``"count_mse"``,
    ``"membrane_cross_entropy"`` for an ``li`` readout), saved with the model. A rate or latency
    encoder takes values in [0, 1]: ``scaler="standard"`` (the default) becomes min-max scaling,
    and values beyond the training range are clipped to [0, 1]. ``predict`` takes the class with
    the highest decoded score (the output rate); :meth:`predict_proba` normalises the scores per
    row (uniform when no output neuron fires):

    >>> snn = NeuralClassifier(architecture="rate(8),dense(16,lif),dense(out,lif)", learning_rate_init=0.05,
    ...                        max_iter=30, random_state=0)
    >>> with warnings.catch_warnings(action="ignore"):
    ...     snn = snn.fit(X, ["no", "no", "yes", "yes"])
    >>> snn.predict([[0.0, 0.5], [3.0, 3.5]]), snn.predict_proba([[3.0, 3.5]]).sum(), snn.scaler_.name
    (array(['no', 'yes'], dtype='<U3'), np.float64(1.0), 'minmax')
    """

    classes_: np.ndarray

    _task = "classification"
    _kind = "classifier"
    _score_key = "val_accuracy"
    _output = "softmax"
    _loss = "cross_entropy"
    _y_checks: dict[str, Any] = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None, *, callbacks: Any = None, checkpoint: Any = None,
            resume: Any = None, settings: dict[str, Any] | None = None, force: bool = False) -> NeuralClassifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,), optionally weighting the samples.

        ``sample_weight`` (n_samples,): each batch's loss is Σwᵢlᵢ/Σwᵢ (scikit-learn's rule), and the
        input scaler uses the weighted statistics. ``callbacks`` (e.g. a progress bar), ``checkpoint``
        (a path written every epoch and on Ctrl-C) and ``resume`` (a checkpoint to continue exactly)
        go to :func:`neuronkit.fit`. The checkpoint records the parameters that shape the model and
        the validation split, a checksum of the training data, and ``settings`` (a dict of your own,
        e.g. how the data were split before); resuming with other values is refused, every difference
        named, unless ``force=True``. A run that diverges raises
        :class:`~neuronkit.errors.DivergenceError` (lower ``learning_rate_init``).
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         fit_options={"callbacks": callbacks, "checkpoint": checkpoint, "resume": resume,
                                      "settings": settings, "force": force})

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> NeuralClassifier:
        """One epoch over (X, y), continuing the training so far.

        ``classes`` (every label there will be) is required on the first call, as in
        scikit-learn; later calls may omit it. The first call also fits the input scaler
        (on its X): give it a representative batch, or ``scaler="none"`` and scaled inputs.
        """
        try:
            _check_partial_fit_first_call(self, classes)
        except ValueError as exc:
            raise ParameterError(f"{type(self).__name__}.partial_fit: {exc} It lists every label there will "
                                 "be, e.g. classes=np.unique(y_all).") from None
        if len(self.classes_) < 2:
            raise ParameterError(f"{type(self).__name__}.partial_fit classes must hold at least two classes; "
                                 f"got {self.classes_.tolist()!r}")
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self, y: np.ndarray, weights: np.ndarray | None, *, first: bool, incremental: bool) -> np.ndarray:
        """Labels as class indices into ``classes_`` (set here by fit, by ``classes=`` in partial_fit)."""
        owner = type(self).__name__
        try:
            check_classification_targets(y)
        except ValueError as exc:
            raise DataError(f"{owner}: {exc}") from None
        if not incremental:
            classes = np.unique(y)
            if not first and not np.array_equal(classes, self.classes_):
                raise DataError(f"{owner} warm_start: y has the classes {classes.tolist()!r}, but the first fit had "
                                f"{self.classes_.tolist()!r}; warm_start continues training on the same classes")
            if len(classes) < 2:
                raise DataError(f"{owner}: y has one class only ({classes.tolist()[0]!r}); a classifier needs at "
                                "least two classes")
            self.classes_ = classes
        known = np.isin(y, self.classes_)
        if not known.all():
            raise DataError(f"{owner}.partial_fit: y has labels not in classes: {np.unique(y[~known]).tolist()!r}; "
                            f"the classes are {self.classes_.tolist()!r}")
        if weights is not None:
            weighted = np.unique(y[weights > 0])
            if len(weighted) < 2 and not incremental:
                raise DataError(f"{owner}: only one class ({weighted.tolist()[0]!r}) has a non-zero sample weight; a "
                                "classifier needs at least two classes")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        A spiking network (``architecture="snn"``, ...) gives spikes over time; its loss's decoder
        turns them into class scores. Rates and counts (``rate_cross_entropy``, ``count_*``) are
        normalised per row, p_c = r_c / Σ_k r_k; a row whose output neurons never fire gets the
        uniform distribution 1/n_classes (and ``predict`` the first class). Scores that may be
        negative (``membrane_cross_entropy``'s maximum membrane) go through a softmax, as that
        loss does.
        """
        scores = self._outputs(X)
        if not self._spiking():
            return scores
        if self._loss_fn().decoder in ("rate", "count"):
            total = scores.sum(axis=1, keepdims=True)
            uniform = np.full_like(scores, 1.0 / scores.shape[1])
            return np.divide(scores, total, out=uniform, where=total > 0)
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of :meth:`predict_proba` (``-inf`` where a probability is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class label for each row of X."""
        proba = self._outputs(X)  # first: it says so when the estimator is not fitted
        return self.classes_[np.argmax(proba, axis=1)]

    def _extra_meta(self) -> dict[str, Any]:
        return {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str}

    def _load_extra_meta(self, parts: Any) -> None:
        if parts.network.out_features == 1:
            raise ModelFileError("its network has one (sigmoid) output, but a NeuralClassifier has one softmax "
                                 "output per class; read it with nk.load(path) as a network, or retrain it")
        self.classes_ = parts.classes


# ----------------------------------------------------------------------------- regressor
class NeuralRegressor(RegressorMixin, _NeuralBase):
    """A multi-layer perceptron regressor (identity output, squared-error loss).

    Targets are standardised internally (``y_mean_``, ``y_scale_``; weighted by
    ``sample_weight`` when given) and the predictions mapped back, so no target
    scaling is needed by the user. y may have several columns (multi-output).
    ``architecture``, ``input_shape`` and ``tokenizer`` as for :class:`NeuralClassifier`
    (the last ``dense(out)`` gets one identity output per target).

    Examples
    --------
    Fitting :math:`y = 2x + 1` with eight hidden neurons:

    >>> import numpy as np
    >>> from neuronkit import NeuralRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> reg = NeuralRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.1, max_iter=2000, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.99
    True
    """

    _task = "regression"
    _kind = "regressor"
    _score_key = "val_r2"
    _output = "identity"
    _loss = "mse"
    _y_checks: dict[str, Any] = {"multi_output": True, "y_numeric": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_outputs) is trained as it is
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None, *, callbacks: Any = None, checkpoint: Any = None,
            resume: Any = None, settings: dict[str, Any] | None = None, force: bool = False) -> NeuralRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_outputs).

        ``sample_weight`` (n_samples,): each batch's loss is Σwᵢlᵢ/Σwᵢ (scikit-learn's rule); the
        input scaler and the target standardisation use the weighted statistics. ``callbacks``,
        ``checkpoint``, ``resume``, ``settings`` and ``force`` as for :meth:`NeuralClassifier.fit`.
        """
        return self._fit(X, y, sample_weight, incremental=False,
                         fit_options={"callbacks": callbacks, "checkpoint": checkpoint, "resume": resume,
                                      "settings": settings, "force": force})

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NeuralRegressor:
        """One epoch over (X, y), continuing the training so far.

        The first call fits the input scaler and the target standardisation on its data:
        give it a representative batch.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self, y: np.ndarray, weights: np.ndarray | None, *, first: bool, incremental: bool) -> np.ndarray:
        """y standardised with the (weighted) mean and scale of the first fit, shape (n, n_outputs)."""
        owner = type(self).__name__
        try:
            y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        except ValueError as exc:
            raise DataError(f"{owner}: y must hold numbers; {exc}") from None
        if first:
            self._y_1d = np.ndim(y) == 1
            self.y_mean_, self.y_scale_ = _weighted_mean_scale(y2, weights)
        elif y2.shape[1] != len(self.y_mean_):
            raise ShapeError(f"{owner}: y has {y2.shape[1]} columns, but the model was fitted on "
                             f"{len(self.y_mean_)}; give the same targets as the first fit")
        return (y2 - self.y_mean_) / self.y_scale_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape (n_samples,) (or (n_samples, n_outputs) if fitted on several columns)."""
        out = self._outputs(X) * self.y_scale_ + self.y_mean_
        return out[:, 0] if getattr(self, "_y_1d", True) and out.shape[1] == 1 else out

    def _extra_meta(self) -> dict[str, Any]:
        return {"y_mean": self.y_mean_.tolist(), "y_scale": self.y_scale_.tolist(),
                "y_1d": bool(getattr(self, "_y_1d", True))}

    def _load_extra_meta(self, parts: Any) -> None:
        self.y_mean_, self.y_scale_, self._y_1d = parts.y_mean, parts.y_scale, parts.y_1d


def _register_kinds() -> None:
    from .io import register_kind

    register_kind("classifier", NeuralClassifier._from_model_file)
    register_kind("regressor", NeuralRegressor._from_model_file)


_register_kinds()
