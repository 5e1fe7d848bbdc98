"""The ``neuronkit`` command line: a thin layer over the public API.

Exit codes: 0 success, 1 a data/model problem (the message says what and how to
fix it), 2 a usage error. ``--debug`` shows the traceback of a failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .training import TrainingError


class CLIError(Exception):
    """A problem to report in one line (exit code 1)."""


def _floats(text: str, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip() != ""]
    except ValueError:
        raise CLIError(f"{what} must be numbers separated by commas, e.g. 0.5,0.3; got {text!r}") from None
    if not values:
        raise CLIError(f"{what} is empty; give numbers separated by commas, e.g. 0.5,0.3")
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


def load_data(spec: str, target: str | None):
    """A bundled dataset by name, or a CSV file by path."""
    from . import data, datasets

    if spec in datasets.available():
        if target is not None:
            raise CLIError(f"--target is for CSV files; the bundled dataset {spec!r} has its own target")
        return datasets.load(spec)
    path = Path(spec)
    if path.suffix.lower() == ".csv" or path.exists():
        return data.load_csv(path, target=target)
    raise CLIError(f"DATA must be a bundled dataset ({', '.join(datasets.available())}) or a CSV file; "
                   f"{spec!r} is neither (no such file)")


def _estimator_for(dataset, args: argparse.Namespace):
    from .estimators import NeuralClassifier, NeuralRegressor

    cls = NeuralClassifier if dataset.task == "classification" else NeuralRegressor
    return cls(hidden_layer_sizes=args.hidden, activation=args.activation, solver=args.optimizer,
               learning_rate_init=args.lr, max_iter=args.epochs, batch_size=args.batch_size,
               random_state=args.seed, alpha=args.alpha, dropout=args.dropout,
               early_stopping=args.early_stopping)


def _metrics_text(est, X, y) -> str:
    from . import metrics

    pred = est.predict(X)
    if hasattr(est, "classes_"):
        return (f"accuracy {metrics.accuracy(y, pred):.4f}  balanced accuracy "
                f"{metrics.balanced_accuracy(y, pred):.4f}  ({len(y)} samples)")
    return (f"R² {metrics.r2(y, pred):.4f}  RMSE {metrics.rmse(y, pred):.4g}  MAE {metrics.mae(y, pred):.4g}  "
            f"({len(y)} samples)")


def _labels_of(dataset) -> np.ndarray:
    if dataset.task == "classification" and getattr(dataset, "classes", None) is not None:
        return np.asarray(dataset.classes)[dataset.y]
    return dataset.y


def cmd_train(args: argparse.Namespace) -> int:
    from .callbacks import ProgressBar
    from .data import train_test_split
    from .io import save

    dataset = load_data(args.data, args.target)
    y = _labels_of(dataset)
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X, y, test_size=args.test_size, stratify=dataset.task == "classification", seed=args.seed)
    est = _estimator_for(dataset, args)
    kind = f"{len(np.unique(y))} classes" if dataset.task == "classification" else "regression"
    print(f"training on {dataset.name}: {len(X_train)} samples, {dataset.X.shape[1]} features, {kind}; "
          f"{len(X_test)} samples held out for testing", file=sys.stderr)
    est.fit(X_train, y_train, callbacks=[ProgressBar(log_every=0 if sys.stderr.isatty() else 25)],
            checkpoint=args.checkpoint, resume=args.resume)
    est.feature_names_in_ = np.asarray(dataset.feature_names, dtype=object) if dataset.feature_names else None
    out = Path(args.out) if args.out else Path(f"{Path(dataset.name).stem}.nkm")
    save(est, out)
    print(f"epochs run: {est.n_iter_}; final training loss {est.loss_curve_[-1]:.4g}")
    for note in est.history_.notes:
        print(note)
    print(est.history_.diagnosis())
    print(f"test: {_metrics_text(est, X_test, y_test)}")
    print(f"model saved to {out}")
    return 0


def targets_for(model: Any, dataset: Any) -> np.ndarray:
    """The dataset's targets in the model's terms: labels for a classifier estimator (each one the model
    knows), class indices or values otherwise."""
    classes = getattr(model, "classes_", None)
    if dataset.task != "classification" or classes is None or dataset.classes is None:
        return dataset.y
    labels, classes = _labels_of(dataset), np.asarray(classes)
    if labels.dtype != classes.dtype and labels.dtype.kind in "US" and classes.dtype.kind in "iu":
        labels = labels.astype(classes.dtype)
    unknown = sorted(set(labels.tolist()) - set(classes.tolist()), key=str)
    if unknown:
        raise ValueError(f"the data has labels the model was not trained on: {unknown[:5]}; the model's "
                         f"classes are {classes.tolist()}")
    return labels


def check_features(model: Any, model_path: Any, dataset: Any, doing: str) -> None:
    """The dataset has as many feature columns as the model takes (else a message saying what to do)."""
    n_in = getattr(model, "n_features_in_", None) or getattr(getattr(model, "network_", model), "in_features", None)
    if n_in is not None and dataset.X.shape[1] != n_in:
        raise ValueError(f"{dataset.name} has {dataset.X.shape[1]} features but the model {model_path} takes {n_in}; "
                         f"{doing} it on the kind of data it was trained on")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .io import load

    est = load(args.model)
    dataset = load_data(args.data, args.target)
    check_features(est, args.model, dataset, "evaluate")
    print(f"{dataset.name}: {_metrics_text(est, dataset.X, targets_for(est, dataset))}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import csv

    from .data import load_features_csv
    from .io import load

    est = load(args.model)
    names = getattr(est, "feature_names_in_", None)
    X, _ = load_features_csv(args.csv, feature_names=None if names is None else list(names),
                             n_features=est.n_features_in_)
    proba = est.predict_proba(X) if hasattr(est, "classes_") else None  # one pass: labels from the probabilities
    pred = est.classes_[proba.argmax(axis=1)] if proba is not None else est.predict(X)
    rows = [["prediction"] + ([f"p({c})" for c in est.classes_] if proba is not None else [])]
    for i, p in enumerate(pred):
        rows.append([str(p)] + ([f"{v:.6g}" for v in proba[i]] if proba is not None else []))
    if args.out:
        import io

        from .io import atomic_write_text

        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        atomic_write_text(args.out, buf.getvalue())
        print(f"{len(pred)} predictions written to {args.out}")
    else:
        csv.writer(sys.stdout).writerows(rows)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from .io import load

    est = load(args.model)
    net = getattr(est, "network_", est)
    print(f"{type(est).__name__} from {args.model}")
    if hasattr(est, "classes_"):
        print(f"classes: {', '.join(map(str, est.classes_))}")
    print(net.summary())
    hist = getattr(est, "history_", None)
    if hist is not None and len(hist):
        last = {k: v[-1] for k, v in hist.history.items()}
        print(f"trained for {len(hist)} epochs; last epoch: " + ", ".join(f"{k} {v:.4g}" for k, v in last.items()))
    return 0


def _parse_neuron(spec: str, net) -> tuple[str, int]:
    from .layers import Dense

    if ":" not in spec:
        raise CLIError(f"--neuron must be LAYER:INDEX, e.g. hidden1:3; got {spec!r}")
    layer, _, index = spec.rpartition(":")
    try:
        idx = int(index)
    except ValueError:
        raise CLIError(f"--neuron index must be an integer, e.g. hidden1:3; got {spec!r}") from None
    if layer not in net.layers:
        raise CLIError(f"--neuron: no layer {layer!r}; layers are {', '.join(net.layers)}")
    if not isinstance(net[layer], Dense):
        raise CLIError(f"--neuron: layer {layer!r} is a {type(net[layer]).__name__}, which has no neurons to explain")
    n = net[layer].out_features
    if not 0 <= idx < n:
        raise CLIError(f"--neuron: layer {layer!r} has {n} neurons (0..{n - 1}); got {idx}")
    return layer, idx


def cmd_explain(args: argparse.Namespace) -> int:
    from .engine import no_grad
    from .io import load

    est = load(args.model)
    net = getattr(est, "network_", est)
    x = np.asarray(_floats(args.input, "--input"), dtype=np.float32)
    n_in = getattr(est, "n_features_in_", net.in_features)
    if x.size != n_in:
        raise CLIError(f"--input has {x.size} values but the model takes {n_in} features")
    chosen = _parse_neuron(args.neuron, net) if args.neuron else None  # checked before anything is printed
    xs = est.transform_inputs(x[None, :])[0] if hasattr(est, "transform_inputs") else x
    net.eval()
    inputs: dict[str, np.ndarray] = {}
    h = xs
    with no_grad():
        for name, layer in net.layers.items():
            inputs[name] = h
            h = layer(h[None, :]).data[0]
    if hasattr(est, "predict"):
        pred = est.predict(x[None, :])[0]
        print(f"prediction: {pred}")
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
        raise CLIError(f"--input has {len(x)} values but --weights has {len(weights)}; give one input per weight")
    print(Neuron(weights=weights, bias=args.bias, activation=args.activation).explain(x))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuronkit", description="Build, train and understand neural networks "
                                     "one neuron at a time.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails")
    parser.add_argument("--version", action="version", version=f"neuronkit {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help="train a network on a bundled dataset or a CSV file",
                       description="Train a multi-layer perceptron; shows a progress bar, then held-out test "
                       "metrics and where the model was saved.")
    p.add_argument("data", metavar="DATA", help="digits, iris, wine, breast_cancer, diabetes, or a CSV path")
    p.add_argument("--target", help="CSV: the target column (default: the last column)")
    p.add_argument("--hidden", type=_hidden, default=(100,), help="hidden layer widths, e.g. 128,64 (default 100)")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
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
    p.add_argument("--out", help="model file to write (default DATA.nkm)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="metrics of a saved model on a dataset or CSV")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--target")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="predict for each row of a CSV of features")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("csv", metavar="CSV")
    p.add_argument("--out", help="write predictions to this CSV file instead of standard output")
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
    p.add_argument("--activation", default="identity", help="e.g. relu, sigmoid, tanh, step")
    p.add_argument("--input", required=True, help="e.g. 0.5,0.3")
    p.set_defaults(func=cmd_neuron)

    try:
        from .inspect.cli import add_inspect_command
    except ImportError:
        pass
    else:
        add_inspect_command(sub)
    return parser


def _version() -> str:
    from ._version import __version__

    return __version__


# failures a user can cause and mend (bad files, data, options; a diverging run): a message, no traceback
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (CLIError, ValueError, TypeError, KeyError, OSError, ImportError,
                                                     TrainingError)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.debug:
            return int(args.func(args) or 0)
        with np.errstate(all="ignore"):  # non-finite numbers are reported in words (TerminateOnNaN), not as warnings
            return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:
        print(f"\n{exc or 'interrupted'}", file=sys.stderr)
        return 130
    except EXPECTED_ERRORS as exc:
        if args.debug:
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"neuronkit {args.command}: error: {message}", file=sys.stderr)
        return 1
    except Exception as exc:  # an unexpected failure: still no traceback unless --debug
        if args.debug:
            raise
        print(f"neuronkit {args.command}: unexpected error ({type(exc).__name__}): {exc}. "
              "Run again with --debug for the traceback.", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
