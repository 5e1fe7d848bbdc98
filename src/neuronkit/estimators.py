"""scikit-learn-style estimators: :class:`NeuralClassifier` and :class:`NeuralRegressor`.

Drop-in replacements for scikit-learn's ``MLPClassifier``/``MLPRegressor``:
the same parameter names where the concept is the same (``hidden_layer_sizes``,
``activation``, ``solver``, ``alpha``, ``batch_size``, ``learning_rate_init``,
``max_iter``, ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
``tol``, ``random_state``, ``verbose``, …) plus neuronkit's own (every
activation of the registry, ``adamw``/``rmsprop`` solvers, ``dropout``,
``batch_norm``, ``init``, ``scaler``, ``clip_norm``). Inputs are scaled by a
scaler fitted on the training data and stored with the model; regression
targets are standardised internally. The trained network is ``network_``.

Two defaults differ from scikit-learn's, both so that small data sets train
fully in the default 200 epochs: ``batch_size="auto"`` is
``min(200, max(16, n // 8))`` (see :func:`auto_batch_size`), and weights
start Glorot-normal (``init=None``; scikit-learn uses Glorot-uniform) with
zero biases.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = NeuralClassifier(hidden_layer_sizes=(16,), max_iter=100, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.9
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .callbacks import Callback, EarlyStopping, LossPlateau, ProgressBar
from .layers import Sequential, mlp
from .training import History, fit, outputs

try:  # scikit-learn supplies clone/Pipeline/GridSearchCV compatibility when installed
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError:  # pragma: no cover - a minimal stand-in keeps the estimators usable without it
    import inspect

    class BaseEstimator:  # type: ignore[no-redef]
        @classmethod
        def _get_param_names(cls) -> list[str]:
            sig = inspect.signature(cls.__init__)
            return [p for p in sig.parameters if p != "self"]

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params: Any) -> BaseEstimator:
            for k, v in params.items():
                if k not in self._get_param_names():
                    raise ValueError(f"invalid parameter {k!r} for {type(self).__name__}")
                setattr(self, k, v)
            return self

    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"
        predict: Callable[[Any], np.ndarray]

        def score(self, X: Any, y: Any) -> float:
            return float(np.mean(self.predict(X) == np.asarray(y)))

    class RegressorMixin:  # type: ignore[no-redef]
        _estimator_type = "regressor"
        predict: Callable[[Any], np.ndarray]

        def score(self, X: Any, y: Any) -> float:
            from .metrics import r2

            return r2(np.asarray(y), self.predict(X))


SOLVERS = ("adam", "adamw", "sgd", "rmsprop")


def auto_batch_size(n_samples: int) -> int:
    """``batch_size="auto"``: min(200, max(16, n // 8)), capped at n.

    scikit-learn uses min(200, n), which gives a data set of 120 samples (iris)
    one update per epoch and leaves it under-trained after 200 epochs; at least
    about eight updates per epoch fixes that without slowing large data sets.
    """
    return min(n_samples, 200, max(16, n_samples // 8))
LEARNING_RATES = ("constant", "adaptive")


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit``."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class _AdaptiveLR(Callback):
    """scikit-learn's ``learning_rate='adaptive'``: divide the rate by 5 when the loss stops improving."""

    def __init__(self, tol: float, patience: int) -> None:
        self.tol, self.patience, self.best, self.count = tol, patience, np.inf, 0

    def on_epoch_end(self, state, logs) -> None:
        if logs["loss"] > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        self.best = min(self.best, logs["loss"])
        if self.count >= self.patience and state.optimizer.lr > 1e-6:
            state.optimizer.lr /= 5.0
            self.count = 0


class _NeuralBase(BaseEstimator):
    _task = "classification"
    network_: Sequential

    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *, solver: str = "adam",
                 alpha: float = 0.0001, batch_size: int | str = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, max_iter: int = 200, shuffle: bool = True,
                 random_state: int | None = None, tol: float = 1e-4, verbose: bool = False,
                 warm_start: bool = False, momentum: float = 0.9, nesterovs_momentum: bool = True,
                 early_stopping: bool = False, validation_fraction: float = 0.1, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, n_iter_no_change: int = 10, dropout: float = 0.0,
                 batch_norm: bool = False, init: str | None = None, scaler: str = "standard",
                 clip_norm: float | None = None) -> None:
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

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)):
            sizes = (int(sizes),)
        sizes = tuple(sizes)
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers; got {self.hidden_layer_sizes!r}")
        from .activations import get_activation

        get_activation(self.activation)
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {self.solver!r}")
        if self.learning_rate not in LEARNING_RATES:
            raise ValueError(f"learning_rate must be one of {', '.join(LEARNING_RATES)}; got {self.learning_rate!r}")
        for name in ("alpha", "tol"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"{name} must be a number >= 0; got {v!r}")
            if not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
        if isinstance(self.learning_rate_init, bool) or not isinstance(self.learning_rate_init, (int, float)) \
                or not self.learning_rate_init > 0:
            raise ValueError(f"learning_rate_init must be a number > 0; got {self.learning_rate_init!r}")
        for name in ("max_iter", "n_iter_no_change"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {v!r}")
        if self.batch_size != "auto" and (isinstance(self.batch_size, bool)
                                          or not isinstance(self.batch_size, (int, np.integer))
                                          or self.batch_size < 1):
            raise ValueError(f"batch_size must be 'auto' or an integer >= 1; got {self.batch_size!r}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}")
        return sizes

    def _check_X(self, X: Any, *, fitting: bool) -> np.ndarray:
        from .data import as_arrays

        X, _ = as_arrays(X, None)
        if not fitting:
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                                 f"{self.n_features_in_} features")
        return X

    def _require_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")

    # ------------------------------------------------------------------ training
    def _optimizer(self, net: Sequential):
        from .optim import get_optimizer

        params = net.parameters()
        lr = float(self.learning_rate_init)
        if self.solver == "sgd":
            return get_optimizer("sgd", params, lr=lr, momentum=self.momentum,
                                 nesterov=bool(self.nesterovs_momentum and self.momentum > 0))
        if self.solver in ("adam", "adamw"):
            return get_optimizer(self.solver, params, lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        return get_optimizer("rmsprop", params, lr=lr, eps=self.epsilon)

    def _fit(self, X: Any, y_encoded: np.ndarray, n_outputs: int, output: str, loss: str,
             fit_options: dict[str, Any]) -> None:
        from .data import get_scaler

        sizes = self._check_params()
        X = self._check_X(X, fitting=True)
        if not (self.warm_start and hasattr(self, "network_")):
            self.n_features_in_ = X.shape[1]
            self.scaler_ = get_scaler(self.scaler or "none").fit(X)
            seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else None
            self.network_ = mlp([X.shape[1], *sizes, n_outputs], activation=self.activation, output=output,
                                dropout=self.dropout, batch_norm=self.batch_norm,
                                init=self.init or "glorot_normal", seed=seed)
        Xs = self.scaler_.transform(X).astype(np.float32)
        batch = auto_batch_size(len(Xs)) if self.batch_size == "auto" else min(int(self.batch_size), len(Xs))
        for layer in self.network_:
            if hasattr(layer, "l2"):
                layer.l2 = 0.5 * float(self.alpha) / batch
        callbacks: list[Callback] = []
        if self.early_stopping:
            monitor = "val_accuracy" if self._task == "classification" else "val_r2"
            callbacks.append(EarlyStopping(monitor, patience=self.n_iter_no_change, min_delta=self.tol))
        else:
            callbacks.append(LossPlateau(self.tol, self.n_iter_no_change))
        if self.learning_rate == "adaptive":
            callbacks.append(_AdaptiveLR(self.tol, self.n_iter_no_change))
        if self.verbose:
            callbacks.append(ProgressBar(log_every=1))
        callbacks.extend(fit_options.get("callbacks") or ())
        seed = int(self.random_state) if isinstance(self.random_state, (int, np.integer)) else None
        history = fit(self.network_, Xs, y_encoded, loss=loss, optimizer=self._optimizer(self.network_),
                      epochs=int(self.max_iter), batch_size=batch, shuffle=bool(self.shuffle), seed=seed,
                      validation_split=self.validation_fraction if self.early_stopping else 0.0,
                      callbacks=callbacks, progress=False, clip_norm=self.clip_norm,
                      checkpoint=fit_options.get("checkpoint"), resume=fit_options.get("resume"))
        self._set_history(history)

    def _set_history(self, history: History) -> None:
        self.history_ = history
        self.loss_curve_ = list(history.history.get("loss", []))
        self.n_iter_ = len(self.loss_curve_)
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else None
        key = "val_accuracy" if self._task == "classification" else "val_r2"
        if key in history.history:
            self.validation_scores_ = list(history.history[key])
            self.best_validation_score_ = max(self.validation_scores_)

    def _raw_outputs(self, X: Any) -> np.ndarray:
        X = self.transform_inputs(X)  # first: it says so when the estimator is not fitted
        return outputs(self.network_, X)

    def transform_inputs(self, X: Any) -> np.ndarray:
        """X scaled as the network sees it (the stored scaler applied), in the network's dtype."""
        self._require_fitted()
        scaled = self.scaler_.transform(self._check_X(X, fitting=False))  # a fresh array: no second copy below
        return scaled.astype(self.network_.parameters()[0].dtype, copy=False)

    # ------------------------------------------------------------------ model files
    def _model_file(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._require_fitted()
        meta = {"kind": self._kind, "params": _jsonable(self.get_params()), "network": self.network_.config(),
                "scaler": _jsonable(self.scaler_.to_dict()), "n_features_in": int(self.n_features_in_),
                "history": self.history_.to_dict(), "extra": _jsonable(self._extra_meta()),
                "feature_names": None if getattr(self, "feature_names_in_", None) is None
                else [str(n) for n in self.feature_names_in_]}
        json.dumps(meta)  # fail here, with the offending value, rather than half-way through a write
        return meta, self.network_.state_dict()

    def _extra_meta(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _from_model_file(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> _NeuralBase:
        from .data import get_scaler
        from .io import ModelFileError, build_network

        params = dict(meta["params"])
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = cls(**params)
        network = build_network(meta["network"], arrays)
        if not isinstance(network, Sequential):
            raise ModelFileError(f"this {cls.__name__} model file holds a {type(network).__name__}, not the "
                                 f"Sequential network an estimator trains; load it with nk.load instead")
        est.network_ = network
        est.network_.eval()
        est.scaler_ = get_scaler(meta["scaler"])
        est.n_features_in_ = int(meta["n_features_in"])
        est._set_history(History.from_dict(meta["history"]))
        est._load_extra_meta(meta.get("extra", {}))
        if meta.get("feature_names"):
            est.feature_names_in_ = np.asarray(meta["feature_names"], dtype=object)
        return est

    def _load_extra_meta(self, extra: dict[str, Any]) -> None:
        pass

    def save(self, path: str) -> None:
        """Write the fitted estimator to one model file (see :func:`neuronkit.save`)."""
        from .io import save

        save(self, path)


class NeuralClassifier(ClassifierMixin, _NeuralBase):
    """A multi-layer perceptron classifier trained by neuronkit (softmax output, cross-entropy loss).

    Parameters are those of scikit-learn's MLPClassifier (see the module
    docstring) plus ``dropout``, ``batch_norm``, ``init``, ``scaler`` and
    ``clip_norm``. Labels may be of any type; ``classes_`` holds them sorted.
    """

    classes_: np.ndarray

    _task = "classification"
    _kind = "classifier"

    def fit(self, X: Any, y: Any, *, callbacks: Any = None, checkpoint: Any = None,
            resume: Any = None) -> NeuralClassifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,).

        ``callbacks`` (e.g. a progress bar), ``checkpoint`` (a path written every epoch and
        on Ctrl-C) and ``resume`` (a checkpoint to continue exactly) go to :func:`neuronkit.fit`.
        """
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per sample); got shape {y.shape}")
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"y has a single class ({classes[0]!r}); a classifier needs at least two classes")
        if self.warm_start and hasattr(self, "classes_") and not np.array_equal(classes, self.classes_):
            raise ValueError("warm_start: y has different classes than the first fit")
        self.classes_ = classes
        self._fit(X, encoded.astype(np.int64), len(classes), "softmax", "cross_entropy",
                  {"callbacks": callbacks, "checkpoint": checkpoint, "resume": resume})
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        return self._raw_outputs(X).astype(np.float64)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class label for each row of X."""
        proba = self._raw_outputs(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _extra_meta(self) -> dict[str, Any]:
        return {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str}

    def _load_extra_meta(self, extra: dict[str, Any]) -> None:
        dtype = np.dtype(extra.get("classes_dtype", "<U0"))
        self.classes_ = np.asarray(extra["classes"], dtype=dtype if dtype.kind in "iufbU" else object)


class NeuralRegressor(RegressorMixin, _NeuralBase):
    """A multi-layer perceptron regressor (identity output, squared-error loss).

    Targets are standardised internally (``y_mean_``, ``y_scale_``) and the
    predictions mapped back, so no target scaling is needed by the user.
    """

    _task = "regression"
    _kind = "regressor"

    def fit(self, X: Any, y: Any, *, callbacks: Any = None, checkpoint: Any = None,
            resume: Any = None) -> NeuralRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_outputs)."""
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        if not np.all(np.isfinite(y2)):
            raise ValueError("y contains NaN or infinite values; fill or drop those samples")
        if not (self.warm_start and hasattr(self, "y_mean_")):
            self.y_mean_ = y2.mean(axis=0)
            scale = y2.std(axis=0)
            self.y_scale_ = np.where(scale > 0, scale, 1.0)
        self.n_outputs_ = y2.shape[1]
        self._fit(X, ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32), y2.shape[1], "identity", "mse",
                  {"callbacks": callbacks, "checkpoint": checkpoint, "resume": resume})
        return self

    def predict(self, X: Any) -> np.ndarray:
        out = self._raw_outputs(X).astype(np.float64) * self.y_scale_ + self.y_mean_
        return out[:, 0] if getattr(self, "_y_1d", True) and out.shape[1] == 1 else out

    def _extra_meta(self) -> dict[str, Any]:
        return {"y_mean": self.y_mean_.tolist(), "y_scale": self.y_scale_.tolist(),
                "y_1d": bool(getattr(self, "_y_1d", True))}

    def _load_extra_meta(self, extra: dict[str, Any]) -> None:
        self.y_mean_ = np.asarray(extra["y_mean"], dtype=np.float64)
        self.y_scale_ = np.asarray(extra["y_scale"], dtype=np.float64)
        self._y_1d = bool(extra.get("y_1d", True))
        self.n_outputs_ = len(self.y_mean_)


def _register_kinds() -> None:
    from .io import register_kind

    register_kind("classifier", NeuralClassifier._from_model_file)
    register_kind("regressor", NeuralRegressor._from_model_file)

_register_kinds()
