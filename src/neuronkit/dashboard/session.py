"""What the server's routes call: one :class:`Session` per dashboard process.

A session has a *mode*:

``"train"``
    runs started from the page (:meth:`Session.train`): a :class:`RunConfig` (dataset, hidden sizes,
    activation, optimiser, …) trains a :class:`~neuronkit.NeuralClassifier` (or
    :class:`~neuronkit.NeuralRegressor` for a numeric CSV target) on a training thread, publishing
    frames to the session's :class:`~.state.Hub` through a :class:`~.callback.Dashboard` callback;
    the page pauses, steps, changes the learning rate, starts a new run, uploads a CSV file and
    exports the model. When a run ends the model is saved to ``out`` and the replay beside it.
``"explore"``
    a saved model file, no training (:meth:`Session.explore`); replay when a ``.nkreplay`` file
    lies beside it.
``"watch"``
    a run started elsewhere (``neuronkit train --dashboard``, ``nk.fit`` with the callback):
    :meth:`Session.watch` serves a hub that someone else publishes to.

Every message is JSON-ready (no NaN: None). Bad input raises :mod:`neuronkit.errors`; the server
turns those into HTTP 400 (413 for :class:`UploadTooLarge`).

>>> cfg = RunConfig.from_dict({"dataset": "xor", "hidden": [4]})
>>> cfg.dataset, cfg.hidden, cfg.activation
('xor', (4,), 'tanh')
>>> RunConfig.from_dict({"activation": "softmax"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
neuronkit.errors.ParameterError: RunConfig activation must be one of 'relu', 'tanh', ...; got 'softmax'
"""

from __future__ import annotations

import math
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._blas import one_blas_thread
from ..callbacks import Callback
from ..errors import DataError, ParameterError, ParameterTypeError
from ..io import load, save
from ..validation import check_choice, check_int, check_number, must_be
from . import views
from .publisher import Publisher
from .state import REPLAY_SUFFIX, Frame, Hub, Replay, json_safe, read_replay

__all__ = ["ClientView", "RunConfig", "Session", "UploadLimits", "UploadTooLarge"]

#: the datasets a page can pick (generated 2-D sets first); uploads add ``upload:NAME``
DATASETS = ("moons", "xor", "spirals", "blobs", "iris", "wine", "breast_cancer", "digits")
GENERATED = ("moons", "xor", "spirals", "blobs")
#: activations offered for hidden layers (names of the activation registry)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "identity",
               # learnt per neuron while the page watches (the card says what each one drifted to)
               "prelu", "swish", "learnable_elu", "threshold_relu", "dynamic", "rational")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
MAX_HIDDEN_LAYERS = 10
MAX_WIDTH = 1024
#: rows of the training data the graph's mean activations and the health curves are computed on
SAMPLE_ROWS = 256
#: seconds of training between two health points (``views.layer_health``)
HEALTH_EVERY = 1.0
#: live response maps recomputed at most this often per second of training (they cost the most)
MAPS_PER_SECOND = 5.0
#: live graphs' mean activations and health flags (a forward pass and the health rules) at most this often
STATS_PER_SECOND = 4.0
#: a name an upload may have (after its directories are stripped): letters, digits, ``._-`` and spaces
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


class UploadTooLarge(DataError):
    """An uploaded CSV file is larger than the dashboard accepts (the server answers HTTP 413)."""


@dataclass(frozen=True)
class UploadLimits:
    """The largest CSV upload a page may send: bytes, data rows and columns (target included)."""

    bytes: int = 5 * 2**20
    rows: int = 50_000
    columns: int = 200


@dataclass(frozen=True)
class RunConfig:
    """A training run as the page describes it (validated by :meth:`from_dict`; JSON by :meth:`to_dict`).

    ``noise`` is the generated sets' noise (for ``blobs``, the clusters' standard deviation is
    ``10 * noise``); ``classes`` is the number of arms of ``spirals`` and of clusters of ``blobs``;
    ``validation`` the fraction of rows held out (0: none); ``l2`` the penalty (the estimators'
    ``alpha``).

    >>> cfg = RunConfig.from_dict({"dataset": "spirals", "classes": 4, "hidden": [16, 16]})
    >>> cfg.dataset, cfg.classes, cfg.hidden, cfg.to_dict()["hidden"]
    ('spirals', 4, (16, 16), [16, 16])
    """

    dataset: str = "moons"
    n: int = 400
    noise: float = 0.1
    classes: int = 3
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.03
    l2: float = 0.0
    batch_size: int = 32
    epochs: int = 300
    seed: int = 0
    validation: float = 0.2

    @classmethod
    def from_dict(cls, body: Any, *, base: RunConfig | None = None,
                  uploads: tuple[str, ...] = ()) -> RunConfig:
        """Validate a JSON object; missing keys keep ``base``'s values (the defaults if None)."""
        owner = "RunConfig"
        if not isinstance(body, Mapping):
            raise ParameterTypeError(must_be("the run configuration", "a JSON object", type(body).__name__))
        fields = list(asdict(cls()))
        unknown = [k for k in body if k not in fields]
        if unknown:
            raise ParameterError(f"{owner} has no setting {unknown[0]!r}; the settings are {', '.join(fields)}")
        values = asdict(base or cls())
        values.update(body)
        dataset = values["dataset"]
        choices = (*DATASETS, *uploads)
        if not isinstance(dataset, str) or dataset not in choices:
            raise ParameterError(must_be("dataset", "one of " + ", ".join(map(repr, choices))
                                         + " (upload a CSV file for upload:NAME)", dataset, owner))
        hidden = values["hidden"]
        if isinstance(hidden, str) or not isinstance(hidden, (list, tuple)) or \
                not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS:
            raise ParameterError(must_be("hidden", f"a list of 1 to {MAX_HIDDEN_LAYERS} layer widths, e.g. [8, 8]",
                                         hidden, owner))
        hidden = tuple(check_int(h, "hidden", low=1, high=MAX_WIDTH, owner=owner) for h in hidden)
        return cls(
            dataset=dataset,
            n=check_int(values["n"], "n", low=20, high=50_000, owner=owner),
            noise=check_number(values["noise"], "noise", low=0.0, high=2.0, owner=owner),
            classes=check_int(values["classes"], "classes", low=2, high=10, owner=owner),
            hidden=hidden,
            activation=check_choice(values["activation"], "activation", ACTIVATIONS, owner=owner),
            optimizer=check_choice(values["optimizer"], "optimizer", OPTIMIZERS, owner=owner),
            lr=check_number(values["lr"], "lr", low=0.0, low_open=True, high=10.0, owner=owner),
            l2=check_number(values["l2"], "l2", low=0.0, high=10.0, owner=owner),
            batch_size=check_int(values["batch_size"], "batch_size", low=1, high=4096, owner=owner),
            epochs=check_int(values["epochs"], "epochs", low=1, high=100_000, owner=owner),
            seed=check_int(values["seed"], "seed", low=0, high=2**31 - 1, owner=owner),
            validation=check_number(values["validation"], "validation", low=0.0, high=0.5, owner=owner),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


@dataclass
class ClientView:
    """What one page (one websocket) has: curve points already sent, the frame, its view of wide layers.

    >>> view = ClientView()
    >>> view.set_view({"type": "view", "pages": {"hidden1": 2}, "sample": 12})
    >>> view.pages, view.sample
    ({'hidden1': 2}, 12)
    """

    run: str | None = None
    seq: int = -1
    batches: int = 0
    epochs: int = 0
    grad_norms: int = 0
    health: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    sample: int = 0
    status: tuple[Any, ...] = ()
    dirty: bool = True  # the view changed: send the frame again

    def reset(self, run: str) -> None:
        self.run, self.seq, self.status, self.dirty = run, -1, (), True
        self.batches = self.epochs = self.grad_norms = self.health = 0

    def set_view(self, message: Any) -> None:
        """Apply a page's ``{"type": "view", "pages": {layer: page}, "sample": i}`` message (validated)."""
        if not isinstance(message, Mapping):
            raise ParameterTypeError(must_be("a view message", "a JSON object", type(message).__name__))
        pages = message.get("pages", self.pages)
        if not isinstance(pages, Mapping) or len(pages) > 64:
            raise ParameterTypeError(must_be("pages", "an object {layer name: page number}", pages))
        clean = {str(k)[:64]: check_int(v, "page", low=0, high=100_000) for k, v in pages.items()}
        sample = check_int(message.get("sample", self.sample), "sample", low=0, high=10**9)
        if clean != self.pages or sample != self.sample:
            self.pages, self.sample, self.dirty = clean, sample, True


def safe_upload_name(filename: Any) -> str:
    """The label an uploaded file is known by: its base name without ``.csv`` (never a path).

    >>> safe_upload_name("C:\\\\data\\\\my pets.csv"), safe_upload_name("/tmp/x/iris-2.csv")
    ('my pets', 'iris-2')
    >>> safe_upload_name("../../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.ParameterError: upload name must be ...
    """
    rule = ("a file name of letters, digits, spaces, '.', '_' or '-' (at most 100 characters, no '..'), "
            "e.g. pets.csv")
    if not isinstance(filename, str) or "\x00" in filename:
        raise ParameterError(must_be("upload name", rule, filename))
    base = re.split(r"[\\/]", filename)[-1].strip()
    stem = base[:-4] if base.lower().endswith(".csv") else base
    if ".." in filename or not _SAFE_NAME.match(stem):
        raise ParameterError(must_be("upload name", rule, filename))
    return stem


@dataclass
class _Upload:
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    classes: list[Any] | None
    task: str


@dataclass
class _Data:
    """A run's data before the estimator sees it: raw features, targets, names."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    classes: list[Any] | None
    task: str


class _Finish(Callback):
    """Ends the last epoch as a stopping rule would, so a run that uses all its epochs is not reported as
    'not converged' (the estimators' ConvergenceWarning: the page runs as many epochs as asked on purpose)."""

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        if state.epoch + 1 >= state.epochs:
            state.stop_training = True


#: the bundled datasets whose flat features are an image's pixels (cards draw weights and samples as images)
_IMAGE_SHAPES = {"digits": (1, 8, 8)}


class _Publisher(Publisher):
    """A run the page started: its info says the dataset, feature names, classes and settings, and its data
    keeps the unscaled inputs (the cards show both). The learning rate changes only through ``set_lr`` (the
    session's estimators keep a constant rate), so the session keeps the one in effect.
    """

    def __init__(self, hub: Hub, session: Session, data: _Data, config: RunConfig, estimator: Any) -> None:
        super().__init__(hub)
        self.session, self.run_data, self.config, self.estimator = session, data, config, estimator
        self.attached = threading.Event()

    def describe(self, state: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        d = self.run_data
        X_raw = self.estimator.scaler_.inverse_transform(np.asarray(state.X, dtype=np.float64))
        classes = None if d.classes is None else [str(c) for c in d.classes]
        data = {"X": state.X, "y": state.y, "X_val": state.X_val, "y_val": state.y_val, "X_raw": X_raw}
        info = views.run_info(state.model, data, dataset=d.name, feature_names=d.feature_names, classes=classes,
                              task=d.task, config=self.config.to_dict(), image_shape=_IMAGE_SHAPES.get(d.name))
        return info, data

    def on_train_begin(self, state: Any) -> None:
        super().on_train_begin(state)
        self.attached.set()


class Session:
    """The dashboard's state for the routes: a hub, a mode, and (train mode) the runs started from the page.

    Use the constructors :meth:`train`, :meth:`explore` and :meth:`watch`. Serving a hub that ``nk.fit``
    publishes to:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.dashboard import Dashboard
    >>> hub = Hub(rate=1000.0)
    >>> X = np.random.default_rng(0).normal(size=(64, 2)); y = (X[:, 0] > 0).astype(int)
    >>> _ = nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=2, batch_size=16, progress=False,
    ...            callbacks=[Dashboard(hub)])
    >>> session, page = Session.watch(hub), ClientView()
    >>> update = session.update(page)
    >>> update["status"]["status"], update["status"]["step"], [layer["units"] for layer in update["graph"]["layers"]]
    ('finished', 8, [2, 4, 2])
    >>> session.update(page) is None  # the page has everything
    True
    """

    def __init__(self, hub: Hub, mode: str) -> None:
        self.hub = hub
        self.mode = check_choice(mode, "mode", ("train", "explore", "watch"))
        self.config: RunConfig | None = None
        self.limits = UploadLimits()
        self.out: Path | None = None
        self.estimator: Any = None  # the model being trained (train) or explored
        self.model_path: Path | None = None
        self.replay: Replay | None = None  # explore: the replay file beside the model
        self.error: str | None = None  # why the last run failed
        self._thread: threading.Thread | None = None
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.RLock()  # runs: configure, control, upload
        self._views_lock = threading.Lock()  # the view cache and the health clock
        self._cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._maps: dict[tuple[Any, ...], tuple[float, Any]] = {}  # (run, pages) -> (frame time, MAPS)
        self._stats: dict[tuple[Any, ...], tuple[float, Any]] = {}  # (run, pages) -> (time, {layer: (mean, flags)})
        self._points: tuple[str, Any] | None = None
        self._health_at = -math.inf
        self._prefix = secrets.token_hex(3)
        self._run_no = 0
        self._run_started: float | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def train(cls, config: RunConfig | Mapping[str, Any] | None = None, *, rate: float = 20.0,
              out: str | os.PathLike[str] | None = Path("dashboard.nkm"),
              limits: UploadLimits = UploadLimits()) -> Session:
        """A session whose runs the page starts; the first run (``config``, by default moons) starts now.

        When a run ends its model is saved to ``out`` and its recording beside it (``.nkreplay``);
        ``out=None`` saves nothing and records no replay.
        """
        path = None if out is None else Path(out)
        session = cls(Hub(rate=rate, record=None if path is None else path.with_suffix(REPLAY_SUFFIX)), "train")
        session.out, session.limits = path, limits
        cfg = config if isinstance(config, RunConfig) else RunConfig.from_dict(config or {})
        session._start(cfg)
        return session

    @classmethod
    def explore(cls, model_path: str | os.PathLike[str], data: str | os.PathLike[str] | None = None, *,
                rate: float = 20.0) -> Session:
        """A saved model file, no training; ``data`` a bundled dataset name or a CSV path (default: the dataset
        of the model's training record, if bundled). A sibling ``MODEL.nkreplay`` makes replay available."""
        path = Path(model_path)
        model = load(path)
        network = getattr(model, "network_", model)
        hub = Hub(rate=rate)
        session = cls(hub, "explore")
        session.estimator, session.model_path = model, path
        record = getattr(model, "training_data_", None)
        record = record if isinstance(record, dict) else {}
        spec = data if data is not None else (record.get("source") if record.get("source_kind") == "dataset"
                                              else None)
        arrays: dict[str, Any] = {}
        names: list[str] | None = None
        classes = getattr(model, "classes_", None)
        name = Path(str(spec)).stem if spec is not None else path.stem
        if spec is not None and not hasattr(model, "scaler_"):  # a bare network: the data as it is
            from ..data.csv import numeric_features
            from ..data.sources import load_table

            table, target, _ = load_table(spec)
            target = target or table.header[-1]
            X_raw = numeric_features(table, [c for c in table.header if c != target]).astype(np.float64)
            X, y = X_raw.astype(np.float32), np.asarray(table.columns[target])
            if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
                y = y.astype(np.int64)  # class indices
            arrays = {"X": X, "y": y if y.dtype.kind in "iuf" else None, "X_raw": X_raw}
            names = [c for c in table.header if c != target]
        elif spec is not None:
            from ..data import prepare_evaluation

            ev = prepare_evaluation(model, spec, training_data=record or None, all_rows=True, model_path=path)
            X_raw = np.asarray(ev.X, dtype=np.float64)
            # the estimator's scaling without sklearn's name check (the rows are already in the model's order);
            # an architecture network's images or token ids go through its own flattening first
            flat = model._architecture_inputs(X_raw, first=False)[0] if hasattr(model, "input_shape_") else X_raw
            X = model._network_inputs(model.scaler_.transform(np.asarray(flat, dtype=np.float64)))
            y = np.asarray(ev.y)
            if classes is not None:
                index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
                y = np.array([index.get(v, -1) for v in y.tolist()], dtype=np.int64)
            arrays = {"X": X, "y": y, "X_raw": X_raw}
            fitted_names = getattr(model, "feature_names_in_", None)
            names = None if fitted_names is None or len(fitted_names) == 0 else [str(n) for n in fitted_names]
        else:
            n_in = int(getattr(model, "n_features_in_", 0) or getattr(network, "in_features", 0) or 0)
            arrays = {"X": np.zeros((1, n_in), dtype=np.float32)} if n_in else {}
        hub.set_network(network)
        hub.info = views.run_info(network, arrays, dataset=name, feature_names=names,
                                  classes=None if classes is None else [str(c) for c in classes],
                                  task="classification" if classes is not None else "regression",
                                  config={"model": path.name}) if arrays else {"dataset": name, "layers": []}
        hub.data = arrays
        history = getattr(getattr(model, "history_", None), "history", None)
        if isinstance(history, dict) and history.get("loss"):  # the training curves the model file keeps
            steps = max(int(getattr(model, "t_", 0) or 0), 0)
            n = len(history["loss"])
            for i in range(n):
                hub.add_epoch({k: v[i] for k, v in history.items() if isinstance(v, list) and i < len(v)},
                              step=round(steps * (i + 1) / n))
        hub.publish(step=int(getattr(model, "t_", 0) or 0), epoch=int(getattr(model, "n_iter_", 0) or 0),
                    params=network.state_dict())
        hub.status = "finished"
        replay = path.with_suffix(REPLAY_SUFFIX)
        if replay.is_file():
            session.replay = read_replay(replay)
        return session

    @classmethod
    def watch(cls, hub: Hub) -> Session:
        """Serve ``hub``, which a run started elsewhere publishes to (no configuration from the page)."""
        if not isinstance(hub, Hub):
            raise ParameterTypeError(must_be("hub", "a neuronkit.dashboard.Hub", type(hub).__name__))
        return cls(hub, "watch")

    # ------------------------------------------------------------------ runs (train mode)
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def run_id(self) -> str:
        """Changes whenever a new run attaches to the hub."""
        with self._views_lock:
            if self._run_started != self.hub.started:
                self._run_started = self.hub.started
                self._run_no += 1
                self._cache.clear()
                self._maps.clear()
                self._stats.clear()
                self._points = None
                self._health_at = -math.inf
            return f"{self._prefix}-{self._run_no}"

    def _data(self, cfg: RunConfig) -> _Data:
        if cfg.dataset.startswith("upload:"):
            up = self._uploads[cfg.dataset]
            return _Data(cfg.dataset, up.X, up.y, up.feature_names, up.classes, up.task)
        from ..data.datasets import load as load_dataset

        options: dict[str, Any] = {}
        if cfg.dataset in GENERATED:
            options = {"n": cfg.n, "seed": cfg.seed}
            if cfg.dataset == "blobs":
                options.update(centers=cfg.classes, std=10.0 * cfg.noise)
            else:
                options["noise"] = cfg.noise
            if cfg.dataset == "spirals":
                options["classes"] = cfg.classes
        ds = load_dataset(cfg.dataset, **options)
        X = np.asarray(ds.X, dtype=np.float32).reshape(len(ds.X), -1)
        names = list(ds.feature_names or [f"x{i + 1}" for i in range(X.shape[1])])
        return _Data(cfg.dataset, X, np.asarray(ds.y), names, ds.classes, ds.task)

    def _estimator(self, cfg: RunConfig, data: _Data) -> Any:
        from ..estimators import NeuralClassifier, NeuralRegressor

        cls = NeuralClassifier if data.task == "classification" else NeuralRegressor
        # the page runs exactly `epochs` epochs: no stopping rule (patience = epochs), no adaptive rate
        return cls(hidden_layer_sizes=cfg.hidden, activation=cfg.activation, solver=cfg.optimizer, alpha=cfg.l2,
                   batch_size=cfg.batch_size, learning_rate_init=cfg.lr, max_iter=cfg.epochs,
                   random_state=cfg.seed, early_stopping=cfg.validation > 0,
                   validation_fraction=cfg.validation if cfg.validation > 0 else 0.1,
                   n_iter_no_change=cfg.epochs, tol=0.0)

    def _start(self, cfg: RunConfig) -> None:
        """Load the data (errors reach the caller), then train on a new thread; returns once it attached."""
        data = self._data(cfg)
        if cfg.validation > 0 and round(cfg.validation * len(data.y)) < 2:
            raise DataError(f"validation {cfg.validation} holds out fewer than 2 of the {len(data.y)} rows of "
                            f"{data.name}; raise validation, or set it to 0")
        est = self._estimator(cfg, data)
        callback = _Publisher(self.hub, self, data, cfg, est)
        self.config, self.estimator, self.error = cfg, est, None
        self._thread = threading.Thread(target=self._run, args=(est, data, callback), name="neuronkit-dashboard-train",
                                        daemon=True)
        self._thread.start()
        while not callback.attached.wait(0.05):
            if not self._thread.is_alive():
                break
        if self.error is not None and not callback.attached.is_set():
            raise ParameterError(f"the run could not start: {self.error}")

    def _run(self, est: Any, data: _Data, callback: _Publisher) -> None:
        try:
            est.fit(data.X, data.y, callbacks=[callback, _Finish()])
        except Exception as exc:  # the page shows it; the server goes on
            self.error = str(exc)
            if self.hub.status != "failed":
                self.hub.end("failed", f"failed: {exc}")
            return
        if isinstance(data.feature_names, list) and data.X.ndim == 2:
            est.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        if self.out is not None:
            try:
                save(est, self.out)
            except Exception as exc:  # a full disk must not kill the server; the page shows it
                self.error = f"could not save the model to {self.out}: {exc}"
                self.hub.message = self.error

    def _stop_run(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            self.hub.request_stop()
            self.hub.resume()
            thread.join()

    def configure(self, body: Any) -> dict[str, Any]:
        """Stop the current run and start one with ``body`` (a RunConfig dict; missing keys: the current
        values) -> the new run's hello message."""
        self._require("train", "configure a run")
        with self._lock:
            cfg = RunConfig.from_dict(body, base=self.config, uploads=tuple(self._uploads))
            self._stop_run()
            self._start(cfg)
        return self.hello()

    def control(self, body: Any) -> dict[str, Any]:
        """``{"action": "start"|"pause"|"resume"|"step"|"stop"|"set_lr", "n": k, "lr": x}`` -> the status."""
        if self.mode == "explore":
            raise ParameterError("this dashboard explores a saved model: there is no training to control "
                                 "(start one with: neuronkit dashboard)")
        if not isinstance(body, Mapping):
            raise ParameterTypeError(must_be("the control request", "a JSON object", type(body).__name__))
        action = check_choice(body.get("action"), "action", ("start", "pause", "resume", "step", "stop", "set_lr"))
        hub = self.hub
        with self._lock:
            if action == "start":
                if self.mode == "train" and not self.running and self.config is not None:
                    hub.resume()
                    self._start(self.config)
                else:
                    hub.resume()
            elif action == "pause":
                hub.pause()
            elif action == "resume":
                hub.resume()
            elif action == "step":
                hub.step(body.get("n", 1))
            elif action == "stop":
                hub.request_stop()
                hub.resume()
            else:
                lr = check_number(body.get("lr"), "lr", low=0.0, low_open=True, high=10.0)
                hub.set_lr(lr)  # in effect from the next batch boundary
        return {"ok": True, "action": action, "status": self.status()}

    def upload(self, filename: str, data: bytes, target: str | None = None) -> dict[str, Any]:
        """Read an uploaded CSV file (the CLI's reader and messages) -> ``{"dataset": "upload:NAME", ...}``.

        Refused: more than ``limits.bytes`` (:class:`UploadTooLarge`), rows or columns above the limits,
        and anything the command line refuses (text in a numeric column, ragged rows, …).
        """
        self._require("train", "upload data")
        limits = self.limits
        if len(data) > limits.bytes:
            raise UploadTooLarge(f"the uploaded file is {len(data):,} bytes; the dashboard accepts CSV files up to "
                                 f"{limits.bytes:,} bytes (start it with a larger limit, or sample the rows)")
        name = safe_upload_name(filename)
        if target is not None and (not isinstance(target, str) or not target.strip() or "\x00" in target):
            raise ParameterError(must_be("target", "a column name, or empty for the last column", target))
        from ..data import prepare_training

        tmp = Path(tempfile.mkdtemp(prefix="neuronkit-upload-"))
        try:
            os.chmod(tmp, 0o700)
            path = tmp / f"{name}.csv"
            with open(path, "xb") as fh:
                fh.write(data)
            lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            if lines - 1 > limits.rows:
                raise DataError(f"{name}.csv has {lines - 1:,} data rows; the dashboard accepts at most "
                                f"{limits.rows:,} (sample the rows, or train on the command line: neuronkit train)")
            try:
                prepared = prepare_training(path, target=target or None, test_size=0.2, seed=0,
                                            max_bytes=limits.bytes)
            except DataError as exc:
                raise DataError(str(exc).replace(str(path), f"{name}.csv")) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        columns = len(prepared.feature_names) + 1
        if columns > limits.columns:
            raise DataError(f"{name}.csv has {columns} columns; the dashboard accepts at most {limits.columns} "
                            "(drop columns, or train on the command line: neuronkit train)")
        X = np.concatenate([prepared.X_train, prepared.X_test]).astype(np.float32)
        y = np.concatenate([prepared.y_train, prepared.y_test])
        classes = None
        if prepared.task == "classification":
            classes = sorted(np.unique(y).tolist(), key=lambda v: (isinstance(v, str), v))
        key = f"upload:{name}"
        with self._lock:
            self._uploads[key] = _Upload(X, y, list(prepared.feature_names), classes, prepared.task)
        return {"dataset": key, "name": name, "rows": int(len(X)), "features": int(X.shape[1]),
                "feature_names": list(prepared.feature_names), "task": prepared.task,
                "target": prepared.record.get("target"),
                "classes": None if classes is None else [str(c) for c in classes],
                "notes": list(prepared.notes)}

    def close(self) -> None:
        """Stop training, wait for the thread (the model and the replay are written as the run ends)."""
        with self._lock:
            self._stop_run()

    def _require(self, mode: str, what: str) -> None:
        if self.mode != mode:
            doing = "explores a saved model" if self.mode == "explore" else "watches a run started elsewhere"
            raise ParameterError(f"cannot {what} here: this dashboard {doing}; start one that trains with: "
                                 "neuronkit dashboard")

    # ------------------------------------------------------------------ messages
    def status(self) -> dict[str, Any]:
        status = self.hub.snapshot_status()
        status["lr"] = self.hub.lr
        if self.error and status["status"] == "failed":
            status["message"] = status["message"] or self.error
        return json_safe(status)

    def hello(self) -> dict[str, Any]:
        """The first message a page gets (and gets again from ``/api/hello`` when the run changes)."""
        run = self.run_id
        hub = self.hub
        frame = hub.latest()
        return json_safe({
            "type": "hello", "mode": self.mode, "run": run, "info": hub.info,
            "config": None if self.config is None else self.config.to_dict(),
            "options": {"datasets": [*DATASETS, *self._uploads], "activations": list(ACTIVATIONS),
                        "optimizers": list(OPTIMIZERS)},
            "limits": {"upload_bytes": self.limits.bytes, "upload_rows": self.limits.rows,
                       "upload_columns": self.limits.columns},
            "points": self._hello_points(run),
            "can": {"configure": self.mode == "train", "control": self.mode != "explore",
                    "export": self.mode == "explore" or frame is not None,
                    "replay": self.replay is not None or hub.recorder is not None},
            "status": self.status(),
        })

    def _hello_points(self, run: str) -> Any:
        info, data = self.hub.info, self.hub.data
        if not info.get("is_2d") or data.get("X") is None:
            return None
        with self._views_lock:
            if self._points is not None and self._points[0] == run:
                return self._points[1]
        points = views.points(info, np.asarray(data["X"]), data.get("y"), n=400, seed=0)
        with self._views_lock:
            self._points = (run, points)
        return points

    def _sample_rows(self) -> np.ndarray | None:
        X = self.hub.data.get("X")
        return None if X is None else np.asarray(X)[:SAMPLE_ROWS]

    def _frame_views(self, frame: Frame, run: str, client: ClientView, *, live: bool = True) -> dict[str, Any]:
        """GRAPH, MAPS, CONV and RASTER for one frame and one view (cached by frame, pages and sample).

        Live, the response maps (the costliest part) are recomputed at most ``MAPS_PER_SECOND`` times a
        second of training, the graph's mean activations and flags at most ``STATS_PER_SECOND`` times; in
        between, a frame reuses the newest ones of the same view (its weights are always its own). Every
        ``HEALTH_EVERY`` seconds of training, the layers' health becomes a point of the health curves.
        """
        pages = tuple(sorted(client.pages.items()))
        key = (run, frame.seq, id(frame), pages, client.sample)
        with self._views_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            last_maps = self._maps.get((run, pages)) if live else None
        hub, info = self.hub, self.hub.info
        X = hub.data.get("X")
        rows = self._sample_rows()
        want_health = live and rows is not None and self.mode != "explore" and \
            frame.time - self._health_at >= HEALTH_EVERY
        with self._views_lock:
            last_stats = self._stats.get((run, pages)) if live else None
        fresh_stats = last_stats is not None and 0 <= frame.time - last_stats[0] < 1.0 / STATS_PER_SECOND
        with hub.network_at(frame) as net, one_blas_thread():  # see neuronkit._blas: the page and training
            graph = views.graph(net, info, pages=client.pages, X_sample=None if fresh_stats else rows)
            if fresh_stats and last_stats is not None:  # weights of this frame, activity statistics a moment old
                for layer in graph["layers"]:
                    layer["mean_act"], layer["flags"] = last_stats[1].get(layer["name"], (None, None))
            elif live:
                stats = {layer["name"]: (layer["mean_act"], layer["flags"]) for layer in graph["layers"]}
                with self._views_lock:
                    self._stats[(run, pages)] = (frame.time, stats)
            maps = None
            if info.get("is_2d") and X is not None and len(X):
                if last_maps is not None and 0 <= frame.time - last_maps[0] < 1.0 / MAPS_PER_SECOND:
                    maps = last_maps[1]
                else:
                    shown = {layer["name"]: layer["shown"] for layer in graph["layers"][1:]}
                    maps = views.response_maps(net, info, np.asarray(X), shown=shown)
                    if live:
                        with self._views_lock:
                            self._maps[(run, pages)] = (frame.time, maps)
            conv = raster = None
            if X is not None and len(X):
                x = np.asarray(X)[min(client.sample, len(X) - 1)]  # one sample; the views add the batch axis
                conv, raster = views.conv_view(net, info, x), views.raster(net, info, x)
            health = views.layer_health(net, rows) if want_health else None
        out = {"graph": graph, "maps": maps, "conv": conv, "raster": raster}
        with self._views_lock:
            if health is not None and frame.time - self._health_at >= HEALTH_EVERY:
                self._health_at = frame.time
                hub.add_health(frame.step, health)
            self._cache[key] = out
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return out

    def update(self, client: ClientView) -> dict[str, Any] | None:
        """The next ``update`` message for one page, or None if it has everything already."""
        run = self.run_id
        if client.run != run:
            client.reset(run)
        hub = self.hub
        frame = hub.latest()
        status = self.status()
        status_key = (status["status"], status["paused"], status["message"], status["lr"])
        new_frame = frame is not None and (frame.seq > client.seq or client.dirty)
        new_points = len(hub.curves.epochs) > client.epochs or len(hub.curves.batches) > client.batches
        if not new_frame and not new_points and status_key == client.status:
            return None
        curves: dict[str, list[Any]] = {"batches": [list(p) for p in hub.batches_since(client.batches)],
                  "epochs": hub.epochs_since(client.epochs),
                  "grad_norms": [[s, n] for s, n in hub.grad_norms_since(client.grad_norms)],
                  "health": [[s, h] for s, h in hub.health_since(client.health)]}
        client.batches += len(curves["batches"])
        client.epochs += len(curves["epochs"])
        client.grad_norms += len(curves["grad_norms"])
        client.health += len(curves["health"])
        client.status = status_key
        message: dict[str, Any] = {"type": "update", "run": run, "seq": None if frame is None else frame.seq,
                                   "replay": False, "status": status, "curves": json_safe(curves)}
        if frame is not None and new_frame:
            message.update(self._frame_views(frame, run, client))
            client.seq, client.dirty = frame.seq, False
        else:
            message.update({"graph": None, "maps": None, "conv": None, "raster": None})
        return message

    def neuron(self, layer: str, index: int, sample: int = 0, frame: int | None = None) -> dict[str, Any]:
        """The neuron card of ``layer[index]`` for training sample ``sample`` at replay frame ``frame``
        (None: the newest frame)."""
        index = check_int(index, "index", low=0)
        sample = check_int(sample, "sample", low=0)
        if not isinstance(layer, str) or not layer:
            raise ParameterError(must_be("layer", "a layer name, e.g. hidden1", layer))
        f = self.hub.latest() if frame is None else self._replay_frames()[self._check_k(frame)]
        if f is None:
            raise ParameterError("no network yet: the run has not started")
        with self.hub.network_at(f) as net, one_blas_thread():
            return json_safe(views.neuron_card(net, self.hub.info, self.hub.data, layer, index, sample=sample,
                                            step=f.step))

    def export(self) -> tuple[bytes, str]:
        """The current model as ``.nkm`` bytes and a file name (``<dataset>.nkm``)."""
        if self.mode == "explore" and self.model_path is not None:
            return self.model_path.read_bytes(), self.model_path.name
        dataset = str(self.hub.info.get("dataset") or "model").removeprefix("upload:")
        filename = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', dataset) or 'model'}.nkm"
        if self.mode == "train":
            if self.running:
                raise ParameterError("the model is still training: stop the run (or let it finish), then export")
            if self.estimator is None or not hasattr(self.estimator, "history_"):
                raise ParameterError(f"the last run failed ({self.error}); there is no trained model to export: "
                                     "change the settings (a lower learning rate?) and start again")
            obj: Any = self.estimator
        else:
            frame = self.hub.latest()
            if frame is None:
                raise ParameterError("no network yet: the run has not started")
            obj = None
        with tempfile.TemporaryDirectory(prefix="neuronkit-export-") as tmp:
            path = Path(tmp) / filename
            if obj is not None:
                save(obj, path)
            else:
                with self.hub.network_at() as net:
                    save(net, path)
            return path.read_bytes(), filename

    # ------------------------------------------------------------------ replay
    def _replay_frames(self) -> list[Frame]:
        if self.replay is not None:
            return self.replay.frames
        recorder = self.hub.recorder
        if recorder is None:
            raise ParameterError("this dashboard records no replay (there is no .nkreplay file beside the model)")
        with recorder._lock:
            return list(recorder.frames)

    def _check_k(self, k: Any) -> int:
        frames = self._replay_frames()
        if not frames:
            raise ParameterError("no frames recorded yet")
        return check_int(k, "frame", low=0, high=len(frames) - 1)

    def replay_index(self) -> dict[str, Any]:
        """The recorded frames: ``{"frames": [{"k", "step", "epoch", "time"}], "live": bool}``."""
        frames = self._replay_frames()
        return {"frames": [{"k": k, "step": f.step, "epoch": f.epoch, "time": round(f.time, 3)}
                           for k, f in enumerate(frames)],
                "live": self.replay is None}

    def replay_frame(self, k: int, client: ClientView) -> dict[str, Any]:
        """An ``update`` message for recorded frame ``k``, its curves cut at the frame's step."""
        k = self._check_k(k)
        frame = self._replay_frames()[k]
        run = self.run_id
        view = ClientView(run=run, pages=dict(client.pages), sample=client.sample)
        curves = self.replay.curves if self.replay is not None else self.hub.curves_dict()
        step = frame.step
        cut = {"batches": [p for p in curves.get("batches", []) if p[0] <= step],
               "epochs": [r for r in curves.get("epochs", []) if r.get("step", 0) <= step],
               "grad_norms": [p for p in curves.get("grad_norms", []) if p[0] <= step],
               "health": [p for p in curves.get("health", []) if p[0] <= step]}
        status = self.status()
        status.update({"step": frame.step, "epoch": frame.epoch, "seq": frame.seq, "elapsed": round(frame.time, 3)})
        message = {"type": "update", "run": run, "seq": frame.seq, "replay": True, "frame": k, "status": status,
                   "curves": json_safe(cut)}
        message.update(self._frame_views(frame, run, view, live=False))
        return message

