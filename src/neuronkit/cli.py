"""The ``neuronkit`` command line (also ``python -m neuronkit``): a thin layer over the public API.

Exit codes: 0 success; 1 a problem with the data, a model file or a run (a
:class:`~neuronkit.errors.NeuronkitError` or an ``OSError``; the message says
what and how to fix it); 2 a usage error (argparse's own, or
:class:`~neuronkit.errors.UsageError`: an option value that cannot be right
whatever the data). Anything else is a bug in neuronkit: one line says so and
the exit code is 1. ``--debug`` shows the traceback of any failure.

Imports stay light: each command imports what it uses when it runs. ``summary``,
``explain`` and ``neuron`` never import scikit-learn: an estimator's model file
is read through :class:`SavedEstimator`, a view of the file, not the estimator
class (whose scikit-learn base takes longer to import than the whole command).

The data helpers every ``DATA`` argument goes through (:func:`~neuronkit.data.prepare_training`,
:func:`~neuronkit.data.prepare_evaluation`, :func:`~neuronkit.data.prepare_prediction`: features and
target by the names the model keeps, the task checked, the held-out rows of its training)
live in :mod:`neuronkit.data`; ``neuronkit inspect`` is defined in
:mod:`neuronkit.inspect.cli`, which this module imports (never the reverse).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import NeuronkitError, ParameterError, UsageError
from .inspect.cli import add_data_options, add_inspect_command, megabytes
from .validation import check_finite, check_int, check_number

#: the error for a command line used wrongly (exit code 2); kept under its old name
CLIError = UsageError


# ----------------------------------------------------------------------------- option values
def _floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip() != ""]
    except ValueError:
        raise UsageError(f"{what} must be numbers separated by commas, e.g. 0.5,0.3; got {text!r}") from None
    if not values:
        raise UsageError(f"{what} is empty; give numbers separated by commas, e.g. 0.5,0.3")
    return values


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be layer widths separated by commas, e.g. 128,64; got {text!r}") \
            from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer widths must be positive integers; got {text!r}")
    return sizes


def _batch(text: str) -> int | str:
    if text == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 'auto' or a positive integer; got {text!r}")
    return value


def _activation(text: str) -> str:
    from .activations import get_activation

    try:
        get_activation(text)
    except (NeuronkitError, ValueError) as exc:  # an unknown name: its message lists the valid ones
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _option(check: Callable[..., Any], value: Any, name: str, **rule: Any) -> Any:
    """An option value through a :mod:`neuronkit.validation` check; a bad one is a usage error."""
    try:
        return check(value, name, **rule)
    except ParameterError as exc:
        raise UsageError(str(exc)) from None


def _check_train_options(args: argparse.Namespace) -> None:
    _option(check_number, args.lr, "--lr", low=0.0, low_open=True)
    _option(check_int, args.epochs, "--epochs", low=1)
    _option(check_number, args.alpha, "--alpha", low=0.0)
    _option(check_number, args.dropout, "--dropout", low=0.0, high=1.0, high_open=True)
    _option(check_number, args.test_size, "--test-size", low=0.0, high=1.0, low_open=True, high_open=True)
    _option(check_int, args.seed, "--seed", low=0)


# ----------------------------------------------------------------------------- model files
class SavedEstimator:
    """An estimator's model file as ``summary`` and ``explain`` use it, read without the estimator class.

    Holds what the file holds: ``network_`` (in eval mode), ``scaler_``,
    ``n_features_in_``, ``history_``, and ``classes_`` (a classifier) or
    ``y_mean_``/``y_scale_`` (a regressor); :meth:`transform_inputs` and
    :meth:`predict` work as the estimator's do; ``feature_names_in_`` and
    ``training_data_`` when the file records them. It reads the file through
    :func:`neuronkit.io.read_estimator_file`, as ``NeuralClassifier``/
    ``NeuralRegressor._from_model_file`` do, so both accept and refuse the same
    files with the same messages (tests compare the two).
    """

    KINDS = {"classifier": "NeuralClassifier", "regressor": "NeuralRegressor"}

    def __init__(self, kind: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from .io import read_estimator_file

        parts = read_estimator_file(kind, meta, arrays)  # the estimator loader's own checks
        self.estimator = self.KINDS[kind]
        self.network_ = parts.network
        self.scaler_ = parts.scaler
        self.n_features_in_ = parts.n_features_in
        self.history_ = parts.history
        if parts.feature_names is not None:
            self.feature_names_in_ = np.asarray(parts.feature_names, dtype=object)
        if parts.training_data is not None:
            self.training_data_ = parts.training_data
        if kind == "classifier":
            self.classes_ = parts.classes
        else:
            self.y_mean_, self.y_scale_ = parts.y_mean, parts.y_scale

    @classmethod
    def read(cls, path: str | Path) -> Any:
        """The model in ``path``: a network as :func:`neuronkit.load` gives it, an estimator as a SavedEstimator.

        The file is read once; an estimator's file is checked as ``nk.load`` checks it
        (:func:`neuronkit.io.read_estimator_file`), so the two accept and refuse the same files.
        """
        from .errors import ModelFileError
        from .io import build_model, read_model_file

        meta, arrays = read_model_file(path)
        kind = meta.get("kind")
        if isinstance(kind, str) and kind in cls.KINDS:
            try:
                return cls(kind, meta, arrays)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
                detail = f"missing entry {exc.args[0]!r}" if type(exc) is KeyError and exc.args else str(exc)
                raise ModelFileError(f"cannot load {path}: {detail[:600]}") from exc
        return build_model(meta, arrays, source=path)

    def transform_inputs(self, X: Any) -> np.ndarray:
        """X scaled as the network sees it (scaled in float64, then cast, as the estimator does)."""
        from .data import as_arrays

        X, _ = as_arrays(X, dtype=np.float64)
        return self.scaler_.transform(X).astype(self.network_.parameters()[0].dtype, copy=False)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """The network's outputs (n, n_outputs) as the estimator's predictions: labels or target values."""
        if hasattr(self, "classes_"):
            index = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0.5).astype(np.intp)
            return self.classes_[index]
        values = outputs.astype(np.float64) * self.y_scale_ + self.y_mean_
        return values[:, 0] if values.shape[1] == 1 else values

    def predict(self, X: Any) -> np.ndarray:
        from .training import outputs

        return self.decode(outputs(self.network_, self.transform_inputs(X)))


# ----------------------------------------------------------------------------- commands
def _estimator_for(dataset: Any, args: argparse.Namespace) -> Any:
    from .estimators import NeuralClassifier, NeuralRegressor

    cls = NeuralClassifier if dataset.task == "classification" else NeuralRegressor
    return cls(hidden_layer_sizes=args.hidden, activation=args.activation, solver=args.optimizer,
               learning_rate_init=args.lr, max_iter=args.epochs, batch_size=args.batch_size,
               random_state=args.seed, alpha=args.alpha, dropout=args.dropout,
               early_stopping=args.early_stopping)


def _metrics(est: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from . import metrics

    pred = est.predict(X)
    if hasattr(est, "classes_"):
        return {"accuracy": float(metrics.accuracy(y, pred)),
                "balanced_accuracy": float(metrics.balanced_accuracy(y, pred)), "n": len(y)}
    return {"r2": float(metrics.r2(y, pred)), "rmse": float(metrics.rmse(y, pred)), "mae": float(metrics.mae(y, pred)),
            "n": len(y)}


def _format_metrics(m: dict[str, float]) -> str:
    if "accuracy" in m:
        return f"accuracy {m['accuracy']:.4f}  balanced accuracy {m['balanced_accuracy']:.4f}  ({int(m['n'])} samples)"
    return f"R² {m['r2']:.4f}  RMSE {m['rmse']:.4g}  MAE {m['mae']:.4g}  ({int(m['n'])} samples)"


def _metrics_text(est: Any, X: np.ndarray, y: np.ndarray) -> str:
    return _format_metrics(_metrics(est, X, y))


def _notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


class _WithTrainingData:
    """Transitional: an estimator whose model file also holds its ``training_data_`` record (meta key
    "training_data"), until the estimators' own model file stores it; then ``save(est, out)`` is enough."""

    def __init__(self, est: Any) -> None:
        self._est = est

    def __getattr__(self, name: str) -> Any:
        return getattr(self._est, name)

    def _model_file(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = self._est._model_file()
        meta.setdefault("training_data", self._est.training_data_)
        return meta, arrays


def training_record(model: Any, path: Any) -> Any:
    """A loaded model's ``training_data_`` record (None if it keeps none)."""
    record = getattr(model, "training_data_", None)
    if record is None and hasattr(model, "_model_file"):  # transitional: read it from the file's metadata
        from .io import read_model_file

        record = read_model_file(path)[0].get("training_data")
    return record


def cmd_train(args: argparse.Namespace) -> int:
    import re

    from .callbacks import Divergence, ProgressBar, TerminateOnNaN
    from .data import prepare_training
    from .errors import TrainingError, TrainingInterrupted
    from .io import save

    _check_train_options(args)
    data = prepare_training(args.data, target=args.target, task=args.task, categorical=args.categorical,
                            impute=args.impute, test_size=args.test_size, seed=args.seed, max_bytes=args.max_csv_mb)
    _notes(data.notes)
    est = _estimator_for(data, args)
    kind = f"{data.n_classes} classes" if data.task == "classification" else "regression"
    print(f"training on {data.name}: {len(data.X_train)} samples, {data.X_train.shape[1]} features, {kind}; "
          f"{len(data.X_test)} samples held out for testing", file=sys.stderr)
    with warnings.catch_warnings():
        # the estimator also puts "not converged" in its notes, printed below in the CLI's words (--epochs)
        warnings.filterwarnings("ignore", message="Stochastic Optimizer: Maximum iterations")
        try:
            # the checkpoint records how the data were split (--seed is the estimator's random_state);
            # divergence advice names --lr, and there is no clipping flag to advise
            bar = ProgressBar(log_every=0 if sys.stderr.isatty() else 25)
            est.fit(data.X_train, data.y_train,
                    callbacks=[bar, TerminateOnNaN(lr_name="--lr", clip_name=None), Divergence(lr_name="--lr")],
                    checkpoint=args.checkpoint, resume=args.resume, force=args.force,
                    settings={"--test-size": args.test_size, "--target": data.record["target"],
                              "--task": data.task, "--categorical": args.categorical, "--impute": args.impute,
                              "DATA checksum": data.record["split"]["sha256"]})
        except (TrainingError, TrainingInterrupted) as exc:  # told with the flags the user typed
            flags = {"learning_rate_init": "--lr", "alpha": "--alpha", "dropout": "--dropout",
                     "activation": "--activation", "early_stopping": "--early-stopping", "hidden_layer_sizes":
                     "--hidden", "solver": "--optimizer", "batch_size": "--batch-size", "random_state": "--seed"}
            text = re.sub(r"\b(" + "|".join(flags) + r")( was |=)", lambda m: flags[m[1]] + m[2], str(exc))
            text = text.replace("pass force=True", "pass --force").replace(
                "checkpoint=PATH", "--checkpoint PATH").replace("resume=PATH", "--resume PATH").replace(
                "resume with resume=...", f"resume with --resume {args.checkpoint}")
            exc.args = (text,)
            raise
    est.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
    test_metrics = _metrics(est, data.X_test, data.y_test)
    est.training_data_ = {**data.record, "test_metrics": test_metrics}
    out = Path(args.out) if args.out else Path(f"{Path(data.name).stem}.nkm")
    save(_WithTrainingData(est), out)
    print(f"epochs run: {est.n_iter_}; final training loss {est.loss_curve_[-1]:.4g}")
    for note in est.history_.notes:
        print(note.replace("Raise max_iter", "Raise --epochs"))
    print(est.history_.diagnosis())
    print(f"test: {_format_metrics(test_metrics)}")
    print(f"model saved to {out}")
    return 0


def _load_estimator(path: str, command: str) -> Any:
    """The estimator in a model file (``evaluate`` and ``predict`` need one, not a bare network)."""
    from .io import load

    est = load(path)
    if not hasattr(est, "predict") or not hasattr(est, "n_features_in_"):
        raise ParameterError(f"neuronkit {command} needs a model written by 'neuronkit train' (a NeuralClassifier or "
                             f"NeuralRegressor); {path} holds a {type(est).__name__}, saved without the input scaling, "
                             f"class labels or feature names a prediction needs. Train with 'neuronkit train', or "
                             f"use Python: nk.training.{'evaluate' if command == 'evaluate' else 'predict'}(net, X"
                             f"{', y' if command == 'evaluate' else ''}) on inputs prepared as for training")
    return est


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .data import prepare_evaluation

    est = _load_estimator(args.model, "evaluate")
    data = prepare_evaluation(est, args.data, training_data=training_record(est, args.model), target=args.target,
                              all_rows=args.all_rows, unknown=args.unknown_category, max_bytes=args.max_csv_mb,
                              model_path=args.model)
    _notes(data.notes)
    print(f"evaluating on {data.rows}")
    print(f"{data.name}: {_metrics_text(est, data.X, data.y)}")
    if data.recorded_metrics:
        print(f"(at training, on the same rows: {_format_metrics(data.recorded_metrics)})")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import csv
    import io

    from .data import prepare_prediction
    from .io import atomic_write_text

    est = _load_estimator(args.model, "predict")
    X, notes = prepare_prediction(est, args.csv, training_data=training_record(est, args.model),
                                  unknown=args.unknown_category, max_bytes=args.max_csv_mb, model_path=args.model)
    _notes(notes)
    proba = est.predict_proba(X) if hasattr(est, "classes_") else None  # one pass: labels from the probabilities
    pred = est.classes_[proba.argmax(axis=1)] if proba is not None else est.predict(X)
    rows = [["prediction"] + ([f"p({c})" for c in est.classes_] if proba is not None else [])]
    for i, p in enumerate(pred):
        rows.append([str(p)] + ([f"{v:.6g}" for v in proba[i]] if proba is not None else []))
    if args.out:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        atomic_write_text(args.out, buf.getvalue())
        print(f"{len(pred)} predictions written to {args.out}")
    else:
        csv.writer(sys.stdout).writerows(rows)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    est = SavedEstimator.read(args.model)
    net = getattr(est, "network_", est)
    print(f"{getattr(est, 'estimator', type(est).__name__)} from {args.model}")
    if hasattr(est, "classes_"):
        print(f"classes: {', '.join(map(str, est.classes_))}")
    print(net.summary())
    hist = getattr(est, "history_", None)
    if hist is not None and len(hist):
        last = {k: v[-1] for k, v in hist.history.items()}
        print(f"trained for {len(hist)} epochs; last epoch: " + ", ".join(f"{k} {v:.4g}" for k, v in last.items()))
    return 0


def _parse_neuron(spec: str, net: Any) -> tuple[str, int]:
    """``LAYER:INDEX`` of a Dense layer of ``net``: malformed text is a usage error, a neuron the
    model does not have is a :class:`~neuronkit.errors.ParameterError` (exit 1)."""
    from .layers import Dense

    if ":" not in spec:
        raise UsageError(f"--neuron must be LAYER:INDEX, e.g. hidden1:3; got {spec!r}")
    layer, _, index = spec.rpartition(":")
    try:
        idx = int(index)
    except ValueError:
        raise UsageError(f"--neuron index must be an integer, e.g. hidden1:3; got {spec!r}") from None
    if layer not in net.layers:
        raise ParameterError(f"--neuron: no layer {layer!r}; layers are {', '.join(net.layers)}")
    if not isinstance(net[layer], Dense):
        raise ParameterError(f"--neuron: layer {layer!r} is a {type(net[layer]).__name__}, which has no neurons "
                             "to explain")
    n = net[layer].out_features
    if not 0 <= idx < n:
        raise ParameterError(f"--neuron: layer {layer!r} has {n} neurons (0..{n - 1}); got {idx}")
    return layer, idx


def cmd_explain(args: argparse.Namespace) -> int:
    from .engine import eval_mode, no_grad
    from .errors import ShapeError

    est = SavedEstimator.read(args.model)
    net = getattr(est, "network_", est)
    x = check_finite(np.asarray(_floats(args.input, "--input"), dtype=np.float64), "--input")
    n_in = getattr(est, "n_features_in_", net.in_features)
    if x.size != n_in:
        raise ShapeError(f"--input has {x.size} values but the model takes {n_in} features")
    chosen = _parse_neuron(args.neuron, net) if args.neuron else None  # checked before anything is printed
    xs = est.transform_inputs(x[None, :])[0] if hasattr(est, "transform_inputs") else x
    inputs: dict[str, np.ndarray] = {}
    h = xs
    with no_grad(), eval_mode():
        for name, layer in net.layers.items():
            inputs[name] = h
            h = layer(h[None, :]).data[0]
    if hasattr(est, "predict"):
        print(f"prediction: {est.predict(x[None, :])[0]}")
    if chosen is None:  # the output neuron that wins (a classifier), else the first
        chosen = _parse_neuron(f"{list(net.layers)[-1]}:{int(np.argmax(h)) if hasattr(est, 'classes_') else 0}", net)
    layer_name, idx = chosen
    print(net[layer_name].neurons[idx].explain(inputs[layer_name]))
    return 0


def cmd_neuron(args: argparse.Namespace) -> int:
    from .neuron import Neuron

    weights = _floats(args.weights, "--weights")
    x = _floats(args.input, "--input")
    if len(x) != len(weights):
        raise UsageError(f"--input has {len(x)} values but --weights has {len(weights)}; give one input per weight")
    _option(check_number, args.bias, "--bias")
    print(Neuron(weights=weights, bias=args.bias, activation=args.activation).explain(x))
    return 0


# ----------------------------------------------------------------------------- the parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuronkit", description="Build, train and understand neural networks "
                                     "one neuron at a time.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails")
    parser.add_argument("--version", action="version", version=f"neuronkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help="train a network on a bundled dataset or a CSV file",
                       description="Train a multi-layer perceptron; shows a progress bar, then held-out test "
                       "metrics and where the model was saved.")
    p.add_argument("data", metavar="DATA", help="digits, iris, wine, breast_cancer, diabetes, or a CSV path")
    p.add_argument("--target", help="CSV: the target column (default: the last column)")
    p.add_argument("--task", choices=["classification", "regression"],
                   help="what to predict (default: classes for text or up to 20 distinct whole numbers, else "
                        "regression)")
    p.add_argument("--categorical", choices=["onehot"],
                   help="encode text columns as one 0/1 feature per category (the categories kept in the model)")
    p.add_argument("--impute", choices=["mean", "median", "most_frequent"],
                   help="fill missing values with the training rows' mean, median or most frequent value (text "
                        "columns: their most frequent category); kept in the model and applied to new data")
    p.add_argument("--max-csv-mb", type=megabytes, default=None, help="largest CSV file read, in MiB (default 256)")
    p.add_argument("--hidden", type=_hidden, default=(100,), help="hidden layer widths, e.g. 128,64 (default 100)")
    p.add_argument("--activation", type=_activation, default="relu", help="hidden activation (default relu)")
    p.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop"])
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs (default 200)")
    p.add_argument("--batch-size", type=_batch, default="auto", help="'auto' (min(200, max(16, n // 8))) or an integer")
    p.add_argument("--alpha", type=float, default=0.0001, help="L2 penalty, as in scikit-learn (default 1e-4)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after each hidden layer (default 0)")
    p.add_argument("--early-stopping", action="store_true", help="hold out 10%% for validation and stop early")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--test-size", type=float, default=0.2, help="fraction held out for testing (default 0.2)")
    p.add_argument("--checkpoint", help="write a resumable checkpoint here every epoch and on Ctrl-C")
    p.add_argument("--resume", help="continue exactly from a checkpoint written by --checkpoint")
    p.add_argument("--force", action="store_true", help="with --resume: continue even if the checkpoint was made "
                   "with other settings (data split, network, learning rate)")
    p.add_argument("--out", help="model file to write (default DATA.nkm)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="metrics of a saved model on a dataset or CSV",
                       description="Score a saved model: features and target are taken by the names stored in the "
                       "model; on the data it was trained on, only the held-out test rows are used.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--target", help="CSV: the target column (default: the one the model was trained on)")
    add_data_options(p, rows=True)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="predict for each row of a CSV of features")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("csv", metavar="CSV")
    p.add_argument("--out", help="write predictions to this CSV file instead of standard output")
    add_data_options(p, rows=False)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("summary", help="a saved model's layers, neurons and parameters")
    p.add_argument("model", metavar="MODEL")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("explain", help="one neuron's arithmetic on one input")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--input", required=True, help="feature values, comma-separated (unscaled, as in the data)")
    p.add_argument("--neuron", help="LAYER:INDEX, e.g. hidden1:3 (default: the predicted output neuron)")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("neuron", help="a single neuron's arithmetic, step by step (for learners)")
    p.add_argument("--weights", required=True, help="e.g. 0.8,0.6")
    p.add_argument("--bias", type=float, default=0.0)
    p.add_argument("--activation", type=_activation, default="identity", help="e.g. relu, sigmoid, tanh, step")
    p.add_argument("--input", required=True, help="e.g. 0.5,0.3")
    p.set_defaults(func=cmd_neuron)

    add_inspect_command(sub)
    return parser


# ----------------------------------------------------------------------------- running
#: failures a user can cause and mend (bad files, data, options; a diverging run): a message, exit code 1
USER_ERRORS: tuple[type[BaseException], ...] = (NeuronkitError, OSError)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse prints its own usage errors and exits with 2
    try:
        if args.debug:
            return int(args.func(args) or 0)
        with np.errstate(all="ignore"), warnings.catch_warnings():  # numbers are reported in words, not warnings
            # The CLI matches a file's columns to the model's feature names itself (by name, or by
            # position for files without a header) and hands the estimator arrays: scikit-learn's
            # "X does not have valid feature names" warning would only repeat what was checked.
            warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)
            return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:
        print(f"\n{str(exc) or 'interrupted'}", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"neuronkit {args.command}: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except Exception as exc:  # a bug in neuronkit: one line, the traceback only with --debug
        if args.debug:
            raise
        print(f"neuronkit hit a bug: {type(exc).__name__}: {exc}; rerun with --debug to see the traceback and "
              "report it", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
