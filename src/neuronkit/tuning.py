r"""Hyper-parameter search with Optuna: :func:`tune` (also ``nk.tune(...)`` and ``neuronkit tune DATA``).

An Optuna study over the architecture and the training settings of a
:class:`~neuronkit.NeuralClassifier` (or :class:`~neuronkit.NeuralRegressor`). Each trial
trains on the training part of the data and is scored on a held-out validation part
(``validation_fraction``, stratified for classes, the same split in every worker):

.. math::

    \text{objective} = \text{score}_\text{val} - w \cdot \text{unhealthy}

where the score is the accuracy (classification) or R² (regression), ``w`` is
``health_weight`` and *unhealthy* is the share of hidden neurons that are dead or saturated
on the validation data (:func:`neuronkit.inspect.health`). With ``direction="minimize"``
the score is the validation loss (log loss, or mean squared error) and the penalty is added.
A network that scores a little better with a third of its neurons dead ranks below a
healthy one when ``w`` says so.

**Search space** (:data:`PARAMETERS`; ``space`` replaces any of the defaults)::

    layers      hidden layers                  int    1 .. 3
    units       width of each hidden layer     int    4 .. 64 (log); drawn per layer: units_1, units_2, …
    activation  hidden activation              choice relu, tanh, elu, gelu, prelu, swish, learnable_elu
    lr          learning rate                  float  1e-4 .. 0.1 (log)
    batch_size  minibatch size                 choice 16, 32, 64, 128
    l2          L2 penalty (scikit-learn alpha) float 1e-6 .. 0.01 (log)
    dropout     dropout after each hidden layer float 0 .. 0.5
    optimizer   the optimiser                  choice adam, adamw, sgd, rmsprop

A value in ``space`` is a fixed value (``"lr": 0.01``), a list of choices
(``"activation": ["relu", "swish"]``), or a range: a dict ``{"low": 1e-3, "high": 0.1}``
(optionally ``"log": False``; JSON-friendly) or the tuple ``(low, high)``. An unknown name
is refused with the valid ones.

**Pruning.** After every epoch a trial reports its validation score (without the health
penalty, which costs a pass over the network) to Optuna; the pruner (Optuna's
``MedianPruner`` by default) stops trials that do worse than the median of earlier trials
at the same epoch. Pruned trials stay in the table.

**Several workers.** ``storage`` is an SQLAlchemy database URL (``sqlite:///tune.db``,
``postgresql://…``) or the path of a journal file (Optuna's ``JournalFileBackend``: any
shared file system, no database needed); ``study_name`` names the study. Every process
started with the same storage and name joins the same study (``load_if_exists``) and
``trials`` counts the trials *this* process runs. The first worker records the data's
checksum, the task, the validation split, ``epochs``, ``health_weight`` and the space in
the study; a worker started with other values is refused (its results would not compare).

**Reproducibility.** ``seed`` seeds Optuna's TPE sampler and every trial's network, so that a
single-worker study gives the same trials twice. The validation split is the same for every
worker whatever its seed (seed 0). Several workers with one seed would propose the same first
trials: give each its own seed, or none.

Optuna's own log lines are quiet unless ``verbose=True``. Requires ``optuna`` (``pip install
"neuronkit[tune]"``); importing this module does not.

>>> import neuronkit as nk
>>> result = nk.tune(nk.datasets.load("iris"), trials=2, epochs=3, seed=0,
...                  space={"layers": 1, "units": 8, "lr": 0.05, "optimizer": "adam"})
>>> len(result.trials), result.best_model.predict(nk.datasets.load("iris").X[:2]).shape
(2, (2,))
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from .callbacks import Callback
from .errors import DataError, MissingDependencyError, ParameterError, ParameterTypeError, TrainingError
from .registry import Registry
from .validation import check_choice, check_int, check_number, must_be

__all__ = ["PARAMETERS", "Dimension", "SearchSpace", "TuneResult", "health_share", "open_storage", "tune"]

TASKS = ("classification", "regression")
DIRECTIONS = ("maximize", "minimize")


# ----------------------------------------------------------------------------- the search space
@dataclass(frozen=True)
class Dimension:
    """One parameter of the search space: its kind, its default and the rule for one value.

    ``kind`` is ``"int"``, ``"float"`` or ``"choice"``; ``default`` a ``(low, high)`` range or a
    tuple of choices; ``log`` whether a range is searched on a log scale; ``check(value, name)``
    returns the value checked (or raises a :class:`~neuronkit.errors.ParameterError`).

    Examples
    --------
    >>> from neuronkit.tuning import PARAMETERS
    >>> PARAMETERS.get("lr").kind, PARAMETERS.get("lr").log, PARAMETERS.get("lr").check(0.01, "lr")
    ('float', True, 0.01)
    """

    kind: str
    default: tuple[Any, ...]
    log: bool
    check: Callable[[Any, str], Any]
    help: str


def _check_activation(value: Any, name: str) -> str:
    from .activations import get_activation

    if not isinstance(value, str):
        raise ParameterTypeError(must_be(name, "an activation name such as 'relu'", value, "tune space"))
    get_activation(value)  # an unknown name: the registry's message lists the valid ones
    if value in ("softmax", "step", "identity"):
        raise ParameterError(must_be(name, "a hidden activation (softmax, step and identity cannot be: step has no "
                                     "gradient, the others make the network linear)", value, "tune space"))
    return value


def _check_optimizer(value: Any, name: str) -> str:
    from .estimators import SOLVERS

    return str(check_choice(value, name, SOLVERS, owner="tune space"))


#: every parameter of the search space, by name (see the module docstring for the defaults)
PARAMETERS: Registry[Dimension] = Registry("search-space parameter")
PARAMETERS.register("layers", Dimension("int", (1, 3), False,
                                        lambda v, n: check_int(v, n, low=1, high=16, owner="tune space"),
                                        "hidden layers"))
PARAMETERS.register("units", Dimension("int", (4, 64), True,
                                       lambda v, n: check_int(v, n, low=1, high=65536, owner="tune space"),
                                       "width of each hidden layer (drawn per layer: units_1, units_2, ...)"))
PARAMETERS.register("activation", Dimension("choice", ("relu", "tanh", "elu", "gelu", "prelu", "swish",
                                                       "learnable_elu"), False, _check_activation,
                                            "hidden activation (learnable ones included)"))
PARAMETERS.register("lr", Dimension("float", (1e-4, 0.1), True,
                                    lambda v, n: check_number(v, n, low=0.0, low_open=True, high=10.0,
                                                              owner="tune space"),
                                    "learning rate"))
PARAMETERS.register("batch_size", Dimension("choice", (16, 32, 64, 128), False,
                                            lambda v, n: check_int(v, n, low=1, owner="tune space"),
                                            "minibatch size"))
PARAMETERS.register("l2", Dimension("float", (1e-6, 1e-2), True,
                                    lambda v, n: check_number(v, n, low=0.0, owner="tune space"),
                                    "L2 penalty (the estimators' alpha)"))
PARAMETERS.register("dropout", Dimension("float", (0.0, 0.5), False,
                                         lambda v, n: check_number(v, n, low=0.0, high=1.0, high_open=True,
                                                                   owner="tune space"),
                                         "dropout after each hidden layer"))
PARAMETERS.register("optimizer", Dimension("choice", ("adam", "adamw", "sgd", "rmsprop"), False, _check_optimizer,
                                           "the optimiser"))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _plain(value: Any) -> Any:
    """NumPy scalars as Python ones (Optuna's storages and JSON take those)."""
    return value.item() if isinstance(value, np.generic) else value


class SearchSpace:
    """The parameters a study searches: each fixed, a list of choices or a range.

    ``SearchSpace(space)`` takes the defaults of :data:`PARAMETERS` and replaces those that
    ``space`` (a dict) names. Each entry becomes ``("fixed", value)``, ``("choice", values)``
    or ``("range", low, high, log)``.

    Examples
    --------
    >>> from neuronkit.tuning import SearchSpace
    >>> space = SearchSpace({"lr": {"low": 0.001, "high": 0.1}, "activation": ["relu", "tanh"], "layers": 2})
    >>> space.entries["lr"], space.entries["activation"], space.entries["layers"]
    (('range', 0.001, 0.1, True), ('choice', ('relu', 'tanh')), ('fixed', 2))
    >>> SearchSpace({"learning_rate": 0.1})
    Traceback (most recent call last):
    ...
    neuronkit.errors.UnknownNameError: unknown search-space parameter 'learning_rate'; valid names are: layers, \
units, activation, lr, batch_size, l2, dropout, optimizer
    """

    def __init__(self, space: Mapping[str, Any] | None = None) -> None:
        if space is not None and not isinstance(space, Mapping):
            raise ParameterTypeError(must_be("space", "a dict of parameter name -> a value, a list of choices or "
                                             "a range {'low': ..., 'high': ...}", space, "tune"))
        given: dict[str, Any] = {}
        for name, value in (space or {}).items():
            if not isinstance(name, str):
                raise ParameterTypeError(must_be("space", "a dict whose keys are parameter names (strings)", name,
                                                 "tune"))
            given[PARAMETERS.canonical(name)] = value  # an unknown name: the valid ones and the closest
        self.entries: dict[str, tuple[Any, ...]] = {}
        for name, dim in PARAMETERS.items():
            if name in given:
                self.entries[name] = self._entry(name, dim, given[name])
            elif dim.kind == "choice":
                self.entries[name] = ("choice", dim.default)
            else:
                self.entries[name] = ("range", *dim.default, dim.log)

    @staticmethod
    def _entry(name: str, dim: Dimension, value: Any) -> tuple[Any, ...]:
        if isinstance(value, Mapping) or (isinstance(value, tuple) and dim.kind != "choice"):
            return SearchSpace._range(name, dim, value)
        if isinstance(value, (list, tuple)):
            if not value:
                raise ParameterError(must_be(name, "a non-empty list of choices", value, "tune space"))
            choices = tuple(_plain(dim.check(v, name)) for v in value)
            return ("fixed", choices[0]) if len(set(choices)) == 1 else ("choice", tuple(dict.fromkeys(choices)))
        return ("fixed", _plain(dim.check(value, name)))

    @staticmethod
    def _range(name: str, dim: Dimension, value: Any) -> tuple[Any, ...]:
        rule = "a range {'low': L, 'high': H} (optionally 'log': True/False), or the tuple (L, H)"
        if dim.kind == "choice":
            raise ParameterError(must_be(name, f"a value or a list of choices (it has no range), e.g. "
                                         f"{list(dim.default[:2])!r}", value, "tune space"))
        if isinstance(value, Mapping):
            unknown = sorted(set(map(str, value)) - {"low", "high", "log"})
            if unknown or "low" not in value or "high" not in value:
                raise ParameterError(must_be(name, rule, dict(value), "tune space"))
            low, high, log = value["low"], value["high"], value.get("log", dim.log)
        else:
            if len(value) != 2:
                raise ParameterError(must_be(name, rule, value, "tune space"))
            (low, high), log = value, dim.log
        if not isinstance(log, bool):
            raise ParameterTypeError(must_be(f"{name} log", "True or False", log, "tune space"))
        low, high = _plain(dim.check(low, f"{name} low")), _plain(dim.check(high, f"{name} high"))
        if low > high:
            raise ParameterError(f"tune space {name}: the range's low {low!r} is above its high {high!r}; give "
                                 "low <= high")
        if low == high:
            return ("fixed", low)
        if log and low <= 0:
            raise ParameterError(f"tune space {name}: a log-scale range needs low > 0; got low {low!r}. Give a "
                                 f"positive low, or 'log': False, or a list of choices such as [0, {high!r}]")
        return ("range", low, high, log)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """One configuration drawn through an Optuna trial; ``units`` is a tuple, one width per layer.

        >>> import optuna
        >>> from neuronkit.tuning import SearchSpace
        >>> trial = optuna.trial.FixedTrial({"layers": 2, "units_1": 8, "units_2": 4, "lr": 0.01})
        >>> SearchSpace({"activation": "tanh", "batch_size": 32, "l2": 0.0, "dropout": 0.0, "optimizer": "adam"}
        ...             ).suggest(trial)["units"]
        (8, 4)
        """
        config = {name: self._draw(trial, name, entry) for name, entry in self.entries.items() if name != "units"}
        config["units"] = tuple(int(self._draw(trial, f"units_{i + 1}", self.entries["units"]))
                                for i in range(int(config["layers"])))
        return config

    @staticmethod
    def _draw(trial: Any, name: str, entry: tuple[Any, ...]) -> Any:
        if entry[0] == "fixed":
            return entry[1]
        if entry[0] == "choice":
            return trial.suggest_categorical(name, list(entry[1]))
        _, low, high, log = entry
        if isinstance(low, int) and isinstance(high, int):
            return trial.suggest_int(name, low, high, log=log)
        return trial.suggest_float(name, float(low), float(high), log=log)

    def to_dict(self) -> dict[str, Any]:
        """The space as JSON-ready data (what a study records, and ``SearchSpace(...)`` takes back).

        >>> from neuronkit.tuning import SearchSpace
        >>> SearchSpace({"dropout": 0.1}).to_dict()["dropout"], SearchSpace().to_dict()["lr"]
        (0.1, {'low': 0.0001, 'high': 0.1, 'log': True})
        """
        out: dict[str, Any] = {}
        for name, entry in self.entries.items():
            if entry[0] == "fixed":
                out[name] = entry[1]
            elif entry[0] == "choice":
                out[name] = list(entry[1])
            else:
                out[name] = {"low": entry[1], "high": entry[2], "log": entry[3]}
        return out


def estimator_params(config: Mapping[str, Any]) -> dict[str, Any]:
    """A configuration of the search space as the estimators' parameters."""
    return {"hidden_layer_sizes": tuple(int(u) for u in config["units"]), "activation": config["activation"],
            "learning_rate_init": float(config["lr"]), "batch_size": int(config["batch_size"]),
            "alpha": float(config["l2"]), "dropout": float(config["dropout"]), "solver": config["optimizer"]}


# ----------------------------------------------------------------------------- Optuna, storage
def _optuna() -> Any:
    try:
        import optuna
    except ImportError as exc:
        raise MissingDependencyError("neuronkit's hyper-parameter search runs on Optuna, which is not installed; "
                                     'install it with: pip install "neuronkit[tune]"') from exc
    return optuna


def open_storage(storage: Any) -> Any:
    """An Optuna storage from a database URL (``sqlite:///tune.db``) or a journal file path; None stays None.

    A text with ``://`` is an SQLAlchemy URL (SQLite waits up to 60 s for a lock another worker
    holds); any other text or path is a journal file (created if missing, in a folder that must
    exist), which workers on a shared file system can use without a database. An Optuna
    storage object is returned as it is. A storage that cannot be opened is a
    :class:`~neuronkit.errors.ParameterError` naming it.

    >>> import tempfile, os
    >>> from neuronkit.tuning import open_storage
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     type(open_storage(os.path.join(folder, "study.log"))).__name__
    'JournalStorage'
    >>> try:
    ...     open_storage("nosuchdb://x")
    ... except ValueError as exc:
    ...     print(str(exc)[:42])
    storage 'nosuchdb://x' cannot be opened: C
    """
    optuna = _optuna()
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, PathLike)):
        raise ParameterTypeError(must_be("storage", "a database URL such as 'sqlite:///tune.db', a journal file "
                                         "path, an Optuna storage, or None", storage, "tune"))
    text = str(storage)
    hint = ("give a database URL that can be opened, e.g. sqlite:///tune.db (a file in an existing folder), or "
            "the path of a journal file")
    if "://" in text:
        connect = {"connect_args": {"timeout": 60}} if text.startswith("sqlite") else {}
        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(text, engine_kwargs=connect)
            except Exception as exc:  # whatever SQLAlchemy or the database driver raises (URL, driver, file, server)
                if attempt < 4 and _schema_race(exc):
                    time.sleep(0.2 * (attempt + 1))
                    continue
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ParameterError(f"storage {text!r} cannot be opened: {reason}; {hint}") from exc
    from optuna.storages.journal import JournalFileBackend

    path = Path(text)
    if path.is_dir() or not path.parent.is_dir():
        where = "is a folder" if path.is_dir() else f"is in a folder that does not exist ({path.parent})"
        raise ParameterError(f"storage {text!r} cannot be opened: the journal file {where}; {hint}")
    try:
        return optuna.storages.JournalStorage(JournalFileBackend(text))
    except OSError as exc:
        raise ParameterError(f"storage {text!r} cannot be opened: {exc}; {hint}") from exc


def _schema_race(exc: BaseException) -> bool:
    """Did opening a new database fail because another worker was creating its tables at the same moment?"""
    text = str(exc)
    return type(exc).__name__ in ("IntegrityError", "OperationalError") and any(
        words in text for words in ("UNIQUE constraint failed", "already exists", "database is locked"))


@contextmanager
def _quiet_optuna(optuna: Any, verbose: bool) -> Iterator[None]:
    """Optuna's log lines (one per trial) only when asked; its level is restored afterwards."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO if verbose else optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


# ----------------------------------------------------------------------------- data and scores
def _xy(data: Any, task: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(X, y, task) from a dataset name, a Dataset (``.X``, ``.y``) or a pair (X, y)."""
    from .validation import check_array, check_consistent_length

    if isinstance(data, str):
        from .data.datasets import load

        data = load(data)
    if hasattr(data, "X") and hasattr(data, "y"):
        X, y, given = data.X, data.y, getattr(data, "task", None)
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        (X, y), given = data, None
    else:
        raise ParameterTypeError(must_be("data", "(X, y), a Dataset (nk.datasets.load('iris')) or a dataset name",
                                         type(data).__name__, "tune"))
    X = check_array(X, "X", dtype=np.float64, min_samples=4, owner="tune")
    y = np.asarray(y)
    check_consistent_length(X, y, owner="tune")
    if task is None:
        task = given if given in TASKS else ("regression" if y.dtype.kind == "f" else "classification")
    task = check_choice(task, "task", TASKS, owner="tune")
    if task == "classification" and len(np.unique(y)) < 2:
        raise DataError(f"tune: y has one class only ({np.unique(y).tolist()!r}); a classifier needs two or more")
    return X, y, task


def health_share(model: Any, X: Any) -> tuple[float, int, int]:
    """The share of hidden neurons that are dead or saturated on ``X``, and the counts of each.

    ``model`` is a fitted estimator (X unscaled) or a network (see :func:`neuronkit.inspect.health`).
    A neuron both dead and saturated counts once.

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.tuning import health_share
    >>> net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[1] = -100.0      # potentials always negative: a dead ReLU
    >>> health_share(net, np.random.default_rng(0).normal(size=(50, 2)))
    (0.25, 1, 0)
    """
    from .inspect.health import health

    report = health(model, X)
    hidden = sum(layer.n_neurons for layer in report.layers.values() if layer.hidden)
    unhealthy = set(report.dead) | set(report.saturated)
    return (len(unhealthy) / hidden if hidden else 0.0), len(report.dead), len(report.saturated)


def _measure(est: Any, X: np.ndarray, y: np.ndarray, direction: str) -> float:
    """The validation score (accuracy or R², to maximise) or loss (log loss or MSE, to minimise)."""
    if direction == "maximize":
        return float(est.score(X, y))
    if hasattr(est, "classes_"):
        p = np.clip(est.predict_proba(X), 1e-15, 1.0)
        return float(-np.mean(np.log(p[np.arange(len(y)), np.searchsorted(est.classes_, y)])))
    return float(np.mean((est.predict(X) - y) ** 2))


class _ReportEpochs(Callback):
    """Reports the validation score to the Optuna trial after each epoch; stops training when it is pruned."""

    def __init__(self, trial: Any, measure: Callable[[], float]) -> None:
        self.trial, self.measure = trial, measure
        self.last: float | None = None
        self.pruned_at: int | None = None
        self.step = 0

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        self.step += 1
        self.last = self.measure()
        if not math.isfinite(self.last):
            return  # a diverging run: the loss callbacks stop it with their own message
        self.trial.report(self.last, self.step)
        if self.trial.should_prune():
            self.pruned_at = self.step
            state.stop_training = True


# ----------------------------------------------------------------------------- the result
@dataclass
class TuneResult:
    """What :func:`tune` returns: the Optuna ``study``, the best configuration and its refitted model.

    ``best_params`` is the best trial's whole configuration (fixed parameters included;
    ``units`` a tuple); ``best_value`` its objective, ``best_score`` its validation score
    and ``best_unhealthy`` its share of dead or saturated neurons; ``best_model`` the fitted
    estimator, trained again from the best configuration and the trial's seed on the same
    training part (so it is the trial's model). :attr:`trials` is the table of every trial
    of the study (those of other workers too); ``str(result)`` prints it with the best.
    ``split`` holds the ``"train"`` and ``"validation"`` parts (X, y) the trials used.

    Examples
    --------
    >>> import neuronkit as nk
    >>> result = nk.tune(nk.datasets.load("iris"), trials=2, epochs=2, seed=0, space={"layers": 1, "units": 4})
    >>> [row["state"] for row in result.trials], result.best_params["units"]
    (['COMPLETE', 'COMPLETE'], (4,))
    >>> result.table().splitlines()[0].split()[:6]
    ['#', 'state', 'value', 'score', 'unhealthy', 'epochs']
    """

    study: Any
    best_params: dict[str, Any]
    best_value: float
    best_score: float
    best_unhealthy: float
    best_model: Any
    task: str
    direction: str = "maximize"
    health_weight: float = 0.1
    split: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def trials(self) -> list[dict[str, Any]]:
        """One row per trial of the study: number, state, value, score, unhealthy share, dead and saturated
        counts, epochs run, and the configuration."""
        rows = []
        for t in self.study.get_trials(deepcopy=False):
            attrs = t.user_attrs
            config = attrs.get("config", {})
            rows.append({"number": t.number, "state": t.state.name, "value": t.value,
                         "score": attrs.get("score"), "unhealthy": attrs.get("unhealthy"), "dead": attrs.get("dead"),
                         "saturated": attrs.get("saturated"), "epochs": len(t.intermediate_values),
                         "note": attrs.get("note", ""), **config})
        return rows

    def table(self) -> str:
        """The trials as a text table: the complete ones best first, then the others by number."""
        sign = -1.0 if self.direction == "maximize" else 1.0
        rows = sorted(self.trials, key=lambda r: (r["state"] != "COMPLETE",
                                                  sign * r["value"] if r["state"] == "COMPLETE" else 0.0,
                                                  r["number"]))

        def fmt(value: Any, spec: str) -> str:
            return "-" if value is None else format(value, spec)

        columns = ["#", "state", "value", "score", "unhealthy", "epochs", "hidden", "activation", "lr", "batch",
                   "l2", "dropout", "optimizer"]
        cells = [[str(r["number"]), r["state"], fmt(r["value"] if r["state"] == "COMPLETE" else None, ".4f"),
                  fmt(r["score"], ".4f"), fmt(r["unhealthy"], ".0%"), str(r["epochs"]),
                  "-".join(map(str, r.get("units", ()))) or "-", str(r.get("activation", "-")),
                  fmt(r.get("lr"), ".2g"), fmt(r.get("batch_size"), "d"), fmt(r.get("l2"), ".2g"),
                  fmt(r.get("dropout"), ".2f"),
                  str(r.get("optimizer", "-")) + (f"  ({r['note']})" if r["note"] else "")]
                 for r in rows]
        widths = [max(len(line[i]) for line in [columns, *cells]) for i in range(len(columns) - 1)]
        left = {"state", "hidden", "activation"}
        return "\n".join("  ".join([*(text.ljust(w) if name in left else text.rjust(w)
                                      for name, text, w in zip(columns, line, widths)), line[-1]]).rstrip()
                         for line in [columns, *cells])

    def __str__(self) -> str:
        units = "-".join(map(str, self.best_params["units"]))
        shown = {k: (f"{v:.3g}" if isinstance(v, float) else v) for k, v in self.best_params.items()
                 if k not in ("units", "layers")}
        return (f"{self.table()}\n\nbest: value {self.best_value:.4f} (validation score {self.best_score:.4f}, "
                f"{self.best_unhealthy:.0%} dead or saturated, health weight {self.health_weight:g}); hidden "
                f"{units}, {', '.join(f'{k} {v}' for k, v in shown.items())}")


# ----------------------------------------------------------------------------- the search
def _estimator(task: str, config: Mapping[str, Any], epochs: int, random_state: int) -> Any:
    from .estimators import NeuralClassifier, NeuralRegressor

    cls = NeuralClassifier if task == "classification" else NeuralRegressor
    return cls(**estimator_params(config), max_iter=epochs, random_state=random_state)


def _check_study(study: Any, record: dict[str, Any], direction: str) -> None:
    """The study's record of what its trials were run on; a worker with other settings is refused."""
    if study.direction.name.lower() != direction:
        raise ParameterError(f"tune: the study {study.study_name!r} in this storage is to "
                             f"{study.direction.name.lower()} its objective, but direction={direction!r} was given; "
                             "give the study's direction, or another study_name")
    known = study.user_attrs.get("neuronkit")
    if known is None:
        study.set_user_attr("neuronkit", record)
        return
    differ = [f"{key} {known.get(key)!r} (here {value!r})" for key, value in record.items() if known.get(key) != value]
    if differ:
        raise ParameterError(f"tune: the study {study.study_name!r} was started with other settings, so its trials "
                             f"would not compare with this worker's: {'; '.join(differ)}. Start this worker with the "
                             "study's data and settings, or give another study_name")


def tune(data: Any, *, space: Mapping[str, Any] | None = None, trials: int | None = 20,
         timeout: float | None = None, storage: Any = None, study_name: str | None = None, seed: int | None = None,
         health_weight: float = 0.1, epochs: int = 30, direction: str = "maximize", n_jobs: int = 1,
         task: str | None = None, validation_fraction: float = 0.2, sampler: Any = None, pruner: Any = None,
         verbose: bool = False) -> TuneResult:
    """Search architectures and training settings with Optuna; the best configuration's fitted model.

    Parameters
    ----------
    data : (X, y), a :class:`~neuronkit.data.Dataset`, or a dataset name (``"iris"``).
    space : dict, optional
        Replaces entries of the default search space (see the module docstring).
    trials : int or None
        Trials this process runs (None: until ``timeout``). Workers sharing a study each run theirs.
    timeout : float, optional
        Seconds after which no new trial starts.
    storage : str, path or Optuna storage, optional
        A database URL (``sqlite:///tune.db``) or a journal file; None keeps the study in memory.
    study_name : str, optional
        The study to create or join in ``storage`` (default ``"neuronkit"``).
    seed : int, optional
        Seeds the TPE sampler, the validation split and the networks: a single-worker study repeats.
    health_weight : float
        ``w`` in score − w · (share of dead or saturated hidden neurons), >= 0.
    epochs : int
        Epochs per trial (a pruned trial stops earlier).
    direction : {"maximize", "minimize"}
        Maximise the validation score (accuracy or R²), or minimise the validation loss.
    n_jobs : int
        Trials run at once in threads of this process (Optuna's ``n_jobs``); for more, start workers.
    task : {"classification", "regression"}, optional
        Default: the Dataset's, else regression for float targets and classification otherwise.
    validation_fraction : float
        Share of the samples held out to score the trials (stratified for classes).
    sampler, pruner : optional
        Optuna objects replacing ``TPESampler(seed=seed)`` and ``MedianPruner(n_startup_trials=3,
        n_warmup_steps=2)`` (no trial is pruned before its second epoch).
    verbose : bool
        Let Optuna log a line per trial.

    Returns
    -------
    TuneResult

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> moons = nk.datasets.load("moons", n=120, seed=0)
    >>> result = nk.tune((moons.X, moons.y), trials=3, epochs=3, seed=1,
    ...                  space={"layers": 1, "activation": ["relu", "tanh"], "optimizer": "adam"})
    >>> [row["state"] for row in result.trials], 0.0 <= result.best_unhealthy <= 1.0
    (['COMPLETE', 'COMPLETE', 'COMPLETE'], True)
    """
    optuna = _optuna()
    search = SearchSpace(space)
    if trials is None and timeout is None:
        raise ParameterError("tune trials=None runs until timeout, but timeout is None too; give trials (e.g. 20) "
                             "or timeout (seconds)")
    trials = None if trials is None else check_int(trials, "trials", low=1, owner="tune")
    timeout = None if timeout is None else check_number(timeout, "timeout", low=0.0, low_open=True, owner="tune")
    seed = None if seed is None else check_int(seed, "seed", low=0, owner="tune")
    health_weight = check_number(health_weight, "health_weight", low=0.0, owner="tune")
    epochs = check_int(epochs, "epochs", low=1, owner="tune")
    direction = check_choice(direction, "direction", DIRECTIONS, owner="tune")
    n_jobs = check_int(n_jobs, "n_jobs", low=1, owner="tune")
    validation_fraction = check_number(validation_fraction, "validation_fraction", low=0.0, high=1.0, low_open=True,
                                       high_open=True, owner="tune")
    if study_name is not None and (not isinstance(study_name, str) or not study_name.strip()):
        raise ParameterError(must_be("study_name", "a non-empty string", study_name, "tune"))
    X, y, task = _xy(data, task)
    from .checkpoints import data_checksum
    from .data import train_test_split

    split_seed = 0  # every worker holds out the same samples, whatever its seed (which seeds its sampler and nets)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=validation_fraction,
                                                      stratify=task == "classification", seed=split_seed)
    record = {"task": task, "data sha256": data_checksum(X, y), "validation_fraction": validation_fraction,
              "split seed": split_seed, "epochs": epochs, "health_weight": health_weight, "space": search.to_dict()}
    record = json.loads(json.dumps(record))  # as the storage gives it back (tuples as lists)
    rng = np.random.default_rng(seed)

    def objective(trial: Any) -> float:
        config = search.suggest(trial)
        trial.set_user_attr("config", json.loads(json.dumps(config)))
        random_state = seed if seed is not None else int(rng.integers(2**31 - 1))
        trial.set_user_attr("random_state", random_state)
        est = _estimator(task, config, epochs, random_state)
        reporter = _ReportEpochs(trial, lambda: _measure(est, X_val, y_val, direction))
        try:
            # a configuration that diverges overflows on the way; the estimator's divergence checks stop it
            # and name it (a failed trial in the table), so NumPy's warnings would only repeat that
            with np.errstate(over="ignore", invalid="ignore"):
                est.fit(X_train, y_train, callbacks=[reporter])
        except TrainingError as exc:  # a diverging configuration: a failed trial, named in the table
            trial.set_user_attr("note", str(exc).split(";")[0])
            raise
        if reporter.pruned_at is not None:
            trial.set_user_attr("score", reporter.last)
            trial.set_user_attr("note", f"pruned after epoch {reporter.pruned_at}")
            raise optuna.TrialPruned(f"pruned after epoch {reporter.pruned_at}")
        with np.errstate(over="ignore", invalid="ignore"):  # a network on the edge of diverging: its score says so
            score = _measure(est, X_val, y_val, direction)
            share, dead, saturated = health_share(est, X_val)
        for key, value in (("score", score), ("unhealthy", share), ("dead", dead), ("saturated", saturated)):
            trial.set_user_attr(key, value)
        return score - health_weight * share if direction == "maximize" else score + health_weight * share

    from .estimators import ConvergenceWarning

    with _quiet_optuna(optuna, verbose), warnings.catch_warnings():
        # a trial trains for a few epochs on purpose: "not converged" says nothing about the search
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        study = optuna.create_study(
            storage=open_storage(storage), study_name=study_name or ("neuronkit" if storage is not None else None),
            direction=direction, load_if_exists=True,
            sampler=sampler if sampler is not None else optuna.samplers.TPESampler(seed=seed),
            pruner=pruner if pruner is not None else optuna.pruners.MedianPruner(n_startup_trials=3,
                                                                                 n_warmup_steps=2))
        _check_study(study, record, direction)
        study.optimize(objective, n_trials=trials, timeout=timeout, n_jobs=n_jobs, catch=(TrainingError,),
                       gc_after_trial=False)
        complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
        if not complete:
            raise TrainingError(f"tune: no trial of the study {study.study_name!r} completed ({len(study.trials)} "
                                "pruned or failed); run more trials, or narrow the space (a lower lr range)")
        best = study.best_trial
        config = dict(best.user_attrs["config"])
        config["units"] = tuple(config["units"])
        model = _estimator(task, config, epochs, best.user_attrs["random_state"]).fit(X_train, y_train)
    return TuneResult(study=study, best_params=config, best_value=float(best.value),
                      best_score=float(best.user_attrs["score"]), best_unhealthy=float(best.user_attrs["unhealthy"]),
                      best_model=model, task=task, direction=direction, health_weight=health_weight,
                      split={"train": (X_train, y_train), "validation": (X_val, y_val)})
