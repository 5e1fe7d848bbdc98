"""The ``neuronkit`` command line (also ``python -m neuronkit``): a thin layer over the public API.

Exit codes: 0 success; 1 a problem with the data, a model file or a run (a
:class:`~neuronkit.errors.NeuronkitError` or an ``OSError``; the message says
what and how to fix it); 2 a usage error (argparse's own, or
:class:`~neuronkit.errors.UsageError`: an option value that cannot be right
whatever the data). Anything else is a bug in neuronkit: one line says so and
the exit code is 1. ``--debug`` shows the traceback of any failure. A closed
output pipe (``neuronkit predict … | head``) ends the command quietly with 0.

Each command declares the optional packages it needs (``needs``: a missing one is
named with the extra that installs it) and a ``check`` of its options, run before
anything is built or loaded: ``DATA``, output paths and option values are refused
in the words of the flags (:mod:`neuronkit._cli_options`), and what a library
message still says in Python parameters (``learning_rate_init``) is translated.

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
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import _cli_explain as explain_methods
from . import _cli_options as options
from ._version import __version__
from .errors import MissingDependencyError, NeuronkitError, ParameterError, TrainingInterrupted, UsageError
from .inspect.cli import add_data_options, add_inspect_command, megabytes
from .validation import check_int, check_number

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
    bad = [i for i, v in enumerate(values) if not np.isfinite(v)]
    if bad:
        raise UsageError(f"{what} value {bad[0] + 1} is {values[bad[0]]}; give finite numbers")
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


#: a value that starts like a negative number (``-0.5,2``, ``-1e-3``, ``-inf``): never an option of ours
_NEGATIVE = re.compile(r"^-(?:\d|\.\d|inf|nan)", re.IGNORECASE)


def _attach_negative_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--input -0.5,2`` as ``--input=-0.5,2``: argparse takes a value starting with ``-`` for an option
    unless it looks like one plain negative number, so a list, ``-1e-3`` or ``-inf`` would be refused."""
    takes_value: set[str] = set()
    parsers = [parser]
    while parsers:
        for action in parsers.pop()._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif action.option_strings and action.nargs is None:
                takes_value.update(action.option_strings)
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in takes_value and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _image_size(text: str) -> tuple[int, int]:
    """``--image-size 28x28`` (HEIGHTxWIDTH) or ``28`` (square)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:[xX×]\s*(\d+)\s*)?", text)
    if match is None or int(match.group(1)) < 1 or int(match.group(2) or match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"must be HEIGHTxWIDTH in pixels, e.g. 28x28 (or 28 for a square); got "
                                         f"{text!r}")
    return int(match.group(1)), int(match.group(2) or match.group(1))


#: ``train --spiking``: the rate-coded spiking MLP (``--model snn``) and the training defaults of spiking networks
SPIKING_STEPS = 25
SPIKING_HIDDEN = (128,)
SPIKING_DEFAULTS = {"epochs": 10, "lr": 5e-3, "batch_size": 64}
OTHER_DEFAULTS = {"epochs": 200, "lr": 0.001, "batch_size": "auto"}
#: the spec tokens of encoders: a network that starts with one is a spiking network
ENCODER_TOKENS = ("rate", "latency", "current")


def _spec_layers(spec: str | None) -> list[str]:
    """The layer tokens of a spec (empty if none or if it does not parse: the spec check says why)."""
    from .layers.spec import parse_spec

    if spec is None:
        return []
    try:
        return [item["layer"] for item in parse_spec(spec)]
    except NeuronkitError:
        return []


def is_spiking_spec(spec: str | None) -> bool:
    """Does the spec start with an encoder (``rate(25),dense(128,lif),...``, ``snn``)?

    >>> is_spiking_spec("snn"), is_spiking_spec("cnn"), is_spiking_spec(None)
    (True, False, False)
    """
    return _spec_layers(spec)[:1] in ([t] for t in ENCODER_TOKENS)


def _data_kind(args: argparse.Namespace) -> str:
    """What DATA holds for this model: a spiking spec without convolutions reads a dataset that has both forms
    (digits) as its table of features, as the MLP does; a spec with convolutions reads it as images."""
    from .data import input_kind

    model = args.model
    if is_spiking_spec(model) and not any(token.startswith("conv") for token in _spec_layers(model)):
        model = None
    return input_kind(args.data, text_column=args.text_column, model=model)


def _spiking_model(args: argparse.Namespace) -> None:
    """``--spiking``: ``args.model`` becomes the rate-coded LIF network (T = ``--steps``, widths ``--hidden``)."""
    from .data import input_kind

    if args.model is not None:
        raise UsageError(f"--spiking builds the rate-coded spiking network (--model snn, with --steps and --hidden); "
                         f"--model {args.model!r} describes a network itself: give one of them (a spiking spec such "
                         "as --model 'rate(25),dense(128,lif),dense(out,lif)' trains as one)")
    for flag, given in (("--activation", args.activation != "relu"), ("--dropout", args.dropout != 0.0)):
        if given:
            raise UsageError(f"{flag} is for the perceptron's hidden layers; --spiking's hidden layers are LIF "
                             f"neurons, which have no activation function. Leave {flag} out")
    steps = SPIKING_STEPS if args.steps is None else _option(check_int, args.steps, "--steps", low=1)
    kind = input_kind(args.data, text_column=args.text_column)
    if kind == "text":
        raise UsageError(f"--spiking rate-codes feature values or pixels as spikes; DATA {args.data!r} holds texts, "
                         "whose token ids cannot be rate-coded. Train a text model without --spiking (e.g. --model "
                         "textmean)")
    hidden = [f"dense({width},lif)" for width in (args.hidden or SPIKING_HIDDEN)]
    args.model = ",".join([f"rate({steps})", *(["flatten"] if kind == "images" else []), *hidden, "dense(out,lif)"])
    args.hidden = None


def _check_model_options(args: argparse.Namespace) -> None:
    """``--model`` (a spec that parses; not with the MLP's --hidden/--activation/--dropout) and the image and
    text options (each only with data of its kind)."""
    if args.spiking:
        _spiking_model(args)
    elif args.steps is not None:
        raise UsageError("--steps is the number of time steps T of --spiking's network; give --spiking, or write T "
                         "into a spiking --model spec: 'rate(25),dense(128,lif),dense(out,lif)'")
    if args.model is not None:
        from .layers.spec import parse_spec

        mlp_flags = [flag for flag, given in (("--hidden", args.hidden is not None),
                                              ("--activation", args.activation != "relu"),
                                              ("--dropout", args.dropout != 0.0)) if given]
        if mlp_flags:
            raise UsageError(f"--model describes the whole network, so {' and '.join(mlp_flags)} (options of the "
                             "multi-layer perceptron built without --model) cannot be given with it; write them into "
                             "the spec, e.g. --model 'flatten,dense(128,relu),dropout(0.3),dense(out)'")
        try:
            parse_spec(args.model)
        except NeuronkitError as exc:
            raise UsageError(f"--model {args.model!r}: {exc}") from None
    kind = _data_kind(args)
    if kind != "table" and args.hidden is not None:
        raise UsageError(f"--hidden builds a multi-layer perceptron on table features; DATA {args.data!r} holds "
                         f"{'images' if kind == 'images' else 'texts'}: give the network with --model instead (e.g. "
                         f"--model {'smallcnn' if kind == 'images' else 'textmean'}, or "
                         f"--model '{'flatten,dense(64,relu),dense(out)' if kind == 'images' else 'embedding(64,padding_idx=0),seqmeanpool,dense(64,relu),dense(out)'}')")  # noqa: E501
    for flag, value, needs in (("--image-size", args.image_size, "images"), ("--color", args.color, "images"),
                               ("--min-count", args.min_count, "text"), ("--max-len", args.max_len, "text"),
                               ("--encoding", args.encoding, "text")):
        if value is not None and kind != needs:
            what = ("a folder of images in class sub-folders" if needs == "images"
                    else "texts (--text-column COLUMN of a CSV file, or the text dataset topics)")
            raise UsageError(f"{flag} is for {what}; DATA {args.data!r} holds "
                             f"{'a table' if kind == 'table' else kind}. Leave {flag} out")
    if kind == "images" and Path(args.data).is_dir() and args.target is not None:
        raise UsageError(f"--target is for CSV files; the images in {args.data!r} take their labels from their class "
                         f"sub-folders. Leave out --target {args.target}")
    for flag, value in (("--min-count", args.min_count), ("--max-len", args.max_len)):
        if value is not None:
            _option(check_int, value, flag, low=1)


def _check_train_options(args: argparse.Namespace) -> None:
    _check_train_dashboard_options(args)
    if args.unsupervised_stdp or args.neurons is not None or args.plot is not None:
        _check_unsupervised_options(args)
        return
    _check_model_options(args)
    spiking = is_spiking_spec(args.model)
    if spiking and args.task == "regression":
        raise UsageError("--task regression: spiking networks here are classifiers (their outputs are spikes, "
                         "decoded into class scores). Leave out --task, or --spiking")
    if spiking and _data_kind(args) == "text":
        raise UsageError(f"--model {args.model!r} is a spiking network, which rate-codes numbers as spikes; DATA "
                         f"{args.data!r} holds texts. Train a text model (e.g. --model textmean)")
    for key, value in (SPIKING_DEFAULTS if spiking else OTHER_DEFAULTS).items():  # options left out
        if getattr(args, key) is None:
            setattr(args, key, value)
    _option(check_number, args.lr, "--lr", low=0.0, low_open=True)
    _option(check_int, args.epochs, "--epochs", low=1)
    _option(check_number, args.alpha, "--alpha", low=0.0)
    _option(check_number, args.dropout, "--dropout", low=0.0, high=1.0, high_open=True)
    _option(check_number, args.test_size, "--test-size", low=0.0, high=1.0, low_open=True, high_open=True)
    _option(check_int, args.seed, "--seed", low=0)
    if args.clip_norm is not None:
        _option(check_number, args.clip_norm, "--clip-norm", low=0.0, low_open=True)
    if args.sparsity is not None:
        _check_sparsity(args, spiking)
    options.check_data(args.data, args.target, text_column=args.text_column, folders=True)
    out = args.out or f"{Path(args.data).stem}.nkm"  # cmd_train's default: DATA.nkm here
    options.check_output_file(out, "--out" if args.out else "the default --out")
    if args.checkpoint:
        options.check_output_file(args.checkpoint, "--checkpoint", example="run.ckpt")
    if args.resume and not Path(args.resume).is_file():
        where = "is a folder" if Path(args.resume).is_dir() else f"does not exist (in {Path.cwd()})"
        raise UsageError(f"--resume {args.resume!r} {where}; give a checkpoint file written by --checkpoint")
    for flag, other in (("--checkpoint", args.checkpoint), ("--resume", args.resume)):
        if other and Path(out).absolute() == Path(other).absolute():
            raise UsageError(f"--out and {flag} are the same file ({other}); the model would overwrite the "
                             "checkpoint. Give --out another path")


def _check_train_dashboard_options(args: argparse.Namespace) -> None:
    """``--host``, ``--port`` and ``--no-browser`` only with ``--dashboard``; not with ``--unsupervised-stdp``."""
    if not args.dashboard:
        given = [flag for flag, value in (("--host", args.host is not None), ("--port", args.port is not None),
                                          ("--no-browser", args.no_browser)) if value]
        if given:
            raise UsageError(f"{' and '.join(given)} {'is an option' if len(given) == 1 else 'are options'} of "
                             f"--dashboard; add --dashboard to watch the training in the browser, or leave "
                             f"{' and '.join(given)} out")
        return
    if args.unsupervised_stdp:
        raise UsageError("--dashboard watches networks trained by gradient descent; --unsupervised-stdp learns "
                         "without it. Leave out --dashboard")
    _check_dashboard_installed("train --dashboard")
    _check_server_options(args)


def _check_data_options(args: argparse.Namespace) -> None:
    options.check_data(args.data, args.target, text_column=args.text_column, folders=True)


def _check_predict_options(args: argparse.Namespace) -> None:
    if not Path(args.csv).exists():
        raise UsageError(f"{args.csv!r} does not exist (in {Path.cwd()}); give a CSV file of features or texts, or a "
                         "folder of images for an image model")
    if args.out:
        options.check_output_file(args.out, "--out", example="predictions.csv")


def _check_explain_options(args: argparse.Namespace) -> None:
    if (args.input is None) == (args.data is None):
        raise UsageError("explain takes one input: --input with the feature values (a table model), or --data DATA "
                         "--input-index N (sample N of DATA: an image or text model)")
    if args.input is not None:
        if args.input_index is not None:
            raise UsageError("--input-index picks a sample of --data; with --input, leave it out")
        _floats(args.input, "--input")
    else:
        _option(check_int, 0 if args.input_index is None else args.input_index, "--input-index", low=0)
        options.check_data(args.data, None, folders=True)
    if args.at is not None:
        if args.data is None:
            raise UsageError("--at is a position in a convolution neuron's output map; it goes with --data DATA "
                             "--input-index N and --neuron conv1[K]")
        _at(args.at)
    if args.neuron:
        _neuron_spec(args.neuron)
    explain_methods.check_method_options(args)
    explain_methods.check_baseline(args)
    for flag, value, low in (("--steps", args.steps, 1), ("--background-size", args.background_size, 1),
                             ("--seed", args.seed, 0)):
        if value is not None:
            _option(check_int, value, flag, low=low)
    if args.background is not None:
        options.check_data(args.background, None, what="--background")


def _check_neuron_options(args: argparse.Namespace) -> None:
    weights, x = _floats(args.weights, "--weights"), _floats(args.input, "--input")
    if len(x) != len(weights):
        raise UsageError(f"--input has {len(x)} values but --weights has {len(weights)}; give one input per weight")
    _option(check_number, args.bias, "--bias")


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
        self.architecture = parts.params.get("architecture")
        self.loss = parts.params.get("loss")  # a spiking classifier's loss (None: the default)
        if parts.input_shape is not None:
            self.input_shape_ = parts.input_shape
        if parts.tokenizer is not None:
            self.tokenizer_ = parts.tokenizer
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
        """X as the network sees it, as the estimator makes it: scaled in float64, then cast (a table); texts
        as token ids (N, L) padded to the training width; images (or their flattened pixels) as (N, C, H, W)."""
        from .data import as_arrays

        dtype = self.network_.parameters()[0].dtype
        if hasattr(self, "tokenizer_"):
            width = self.n_features_in_
            ids = self.tokenizer_.encode(list(X), max_len=width)
            return np.pad(ids, ((0, 0), (0, width - ids.shape[1])))
        if hasattr(self, "input_shape_"):
            X = np.asarray(X, dtype=np.float64)
            flat = self.scaler_.transform(X.reshape(len(X), -1))
            x = flat.reshape((len(X), *self.input_shape_))
            first = next(iter(self.network_))
            if type(first).__name__ in ("RateEncoder", "LatencyEncoder") and self.scaler_.name == "minmax":
                x = np.clip(x, 0.0, 1.0)  # as the estimator: rate and latency coding take [0, 1]
            return x.astype(np.int64) if getattr(first, "input_kind", "float") == "ids" else x.astype(dtype)
        X, _ = as_arrays(X, dtype=np.float64)
        return self.scaler_.transform(X).astype(dtype, copy=False)

    @property
    def spiking(self) -> bool:
        """Is the network spiking (its first layer an encoder, its outputs (T, n, classes) over time)?"""
        return bool(getattr(next(iter(self.network_)), "makes_time_axis", False))

    def spike_loss(self) -> Any:
        """A spiking classifier's loss (its decoder turns the outputs over time into class scores)."""
        from .losses import get_loss
        from .spiking import losses as _registered  # noqa: F401  (the spike losses register themselves)

        return get_loss(self.loss or "rate_cross_entropy")

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """The network's outputs (n, n_outputs) as the estimator's predictions: labels or target values.

        A spiking network's outputs (T, n, classes) are first turned into class scores by its loss's decoder."""
        if self.spiking and outputs.ndim == 3:
            outputs = np.asarray(self.spike_loss().decode(outputs))
        if hasattr(self, "classes_"):
            index = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0.5).astype(np.intp)
            return self.classes_[index]
        values = outputs.astype(np.float64) * self.y_scale_ + self.y_mean_
        return values[:, 0] if values.shape[1] == 1 else values

    def predict(self, X: Any) -> np.ndarray:
        from .training import outputs

        return self.decode(outputs(self.network_, self.transform_inputs(X)))


# ----------------------------------------------------------------------------- commands
#: the network ``train`` builds for images and texts when --model names none
DEFAULT_MODELS = {"images": "smallcnn", "text": "textmean"}


def _estimator_for(dataset: Any, args: argparse.Namespace) -> Any:
    from .estimators import NeuralClassifier, NeuralRegressor

    cls = NeuralClassifier if dataset.task == "classification" else NeuralRegressor
    common = {"solver": args.optimizer, "learning_rate_init": args.lr, "max_iter": args.epochs,
              "batch_size": args.batch_size, "random_state": args.seed, "alpha": args.alpha,
              "early_stopping": args.early_stopping, "clip_norm": args.clip_norm}
    architecture = args.model or DEFAULT_MODELS.get(dataset.kind)
    if args.sparsity:  # the activity penalty is a layer (activity_l1) of the architecture
        architecture = _with_activity_l1(architecture or _mlp_spec(args), args.sparsity)
    if architecture is None:
        return cls(hidden_layer_sizes=args.hidden or (100,), activation=args.activation, dropout=args.dropout,
                   **common)
    tokenizer = None
    if dataset.kind == "text":
        from .data.text import Tokenizer

        tokenizer = Tokenizer(min_count=args.min_count or 1, max_len=args.max_len or DEFAULT_MAX_LEN)
    # pixels are already in [0, 1]: scaled as they are (a per-pixel standard scaler would blow up the
    # near-constant border pixels)
    scaler = "none" if dataset.kind == "images" else "standard"
    return cls(architecture=architecture, tokenizer=tokenizer, scaler=scaler, **common)


#: the words of a text ``train`` keeps by default (--max-len): longer texts are cut
DEFAULT_MAX_LEN = 200


def _check_spec_fits(architecture: str, data: Any, args: argparse.Namespace) -> None:
    """The network of ``--model`` can be built for this data (else exit 2 with the spec's message)."""
    from .layers.spec import build

    shape = tuple(data.X_train.shape[1:]) if data.kind != "text" else (min(args.max_len or DEFAULT_MAX_LEN, 8),)
    if data.kind == "table":
        shape = (data.X_train.shape[1],)
    try:
        build(architecture, shape, outputs=data.n_classes or (data.y_train.shape[1] if data.y_train.ndim == 2 else 1),
              vocab_size=8 if data.kind == "text" else None, seed=0)
    except NeuronkitError as exc:
        raise UsageError(f"--model {architecture!r} does not fit {data.name} (samples of shape {shape}): {exc}") \
            from None


def _spec_steps(spec: str) -> Any:
    """T of a spiking spec: its encoder's steps."""
    from .layers.spec import parse_spec

    return parse_spec(spec)[0].get("steps", "?")


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


#: ``train --unsupervised-stdp``: the flags of the supervised networks it refuses (flag, was it given?)
def _not_for_stdp(args: argparse.Namespace) -> list[str]:
    given = {"--model": args.model is not None, "--hidden": args.hidden is not None, "--spiking": args.spiking,
             "--steps": args.steps is not None, "--activation": args.activation != "relu",
             "--optimizer": args.optimizer != "adam", "--lr": args.lr is not None,
             "--batch-size": args.batch_size is not None, "--alpha": args.alpha != 0.0001,
             "--dropout": args.dropout != 0.0, "--sparsity": args.sparsity is not None,
             "--early-stopping": args.early_stopping,
             "--clip-norm": args.clip_norm is not None, "--checkpoint": args.checkpoint is not None,
             "--resume": args.resume is not None, "--force": args.force, "--target": args.target is not None,
             "--task": args.task is not None, "--categorical": args.categorical is not None,
             "--impute": args.impute is not None, "--text-column": args.text_column is not None,
             "--min-count": args.min_count is not None, "--max-len": args.max_len is not None,
             "--encoding": args.encoding is not None, "--color": args.color not in (None, "grayscale")}
    return [flag for flag, was_given in given.items() if was_given]


def _check_unsupervised_options(args: argparse.Namespace) -> None:
    """``--unsupervised-stdp`` (with ``--neurons``, ``--epochs``, ``--plot``): image data, no flag of the
    supervised networks."""
    from .data import input_kind

    if not args.unsupervised_stdp:
        flag = "--neurons" if args.neurons is not None else "--plot"
        raise UsageError(f"{flag} is for --unsupervised-stdp (the Diehl & Cook network learning without labels); "
                         f"give --unsupervised-stdp, or leave {flag} out")
    refused = _not_for_stdp(args)
    if refused:
        raise UsageError(f"--unsupervised-stdp trains a Diehl & Cook network (STDP, no labels, no gradients); "
                         f"these options of the networks trained by gradient descent do not apply to it: "
                         f"{', '.join(refused)}. Leave them out (its options: --neurons, --epochs, --plot, --seed, "
                         "--test-size, --image-size, --out)")
    if input_kind(args.data, model="images") != "images":
        raise UsageError(f"--unsupervised-stdp learns from images (pixel values in [0, 1] set the spike rates); DATA "
                         f"{args.data!r} is not an image dataset: give mnist5k, digits, or a folder of images in "
                         "class sub-folders")
    if args.image_size is not None and not Path(args.data).is_dir():
        raise UsageError(f"--image-size is for folders of images; the dataset {args.data!r} has images of its own "
                         "size. Leave --image-size out")
    args.neurons = STDP_NEURONS if args.neurons is None else _option(check_int, args.neurons, "--neurons", low=1)
    args.epochs = STDP_EPOCHS if args.epochs is None else _option(check_int, args.epochs, "--epochs", low=1)
    _option(check_number, args.test_size, "--test-size", low=0.0, high=1.0, low_open=True, high_open=True)
    _option(check_int, args.seed, "--seed", low=0)
    options.check_data(args.data, None, folders=True)
    if args.plot is not None:
        options.check_output_file(args.plot, "--plot", example="fields.png")
    if args.out is not None:
        options.check_output_file(args.out, "--out", example="stdp.nkm")


#: ``train --unsupervised-stdp`` defaults: the paper's smallest network, one pass over the images
STDP_NEURONS = 100
STDP_EPOCHS = 1


def _train_unsupervised(args: argparse.Namespace) -> int:
    """``train --unsupervised-stdp``: learn without labels, label the neurons on the training images, score the
    held-out ones."""
    import time

    from .data import prepare_training
    from .spiking.unsupervised import DiehlCook

    data = prepare_training(args.data, test_size=args.test_size, seed=args.seed, max_bytes=args.max_csv_mb,
                            kind="images", image_size=args.image_size, color="grayscale")
    _notes(data.notes)
    X_train = data.X_train.reshape(len(data.X_train), -1)
    X_test = data.X_test.reshape(len(data.X_test), -1)
    height, width = data.X_train.shape[2:]
    net = DiehlCook(X_train.shape[1], args.neurons, image_shape=(height, width), seed=args.seed)
    print(f"training on {data.name}: {len(X_train)} images of {height}x{width}, without labels: a Diehl & Cook "
          f"network of {args.neurons} excitatory neurons learning by STDP, {args.epochs} "
          f"epoch{'s' if args.epochs != 1 else ''}; {len(X_test)} images held out for testing", file=sys.stderr)
    start = time.perf_counter()
    net.fit(X_train, epochs=args.epochs, progress=sys.stderr.isatty())
    learned = time.perf_counter() - start
    net.assign_labels(X_train, data.y_train)
    accuracy = net.score(X_test, data.y_test)
    total = time.perf_counter() - start
    silent = int(np.sum(np.asarray(net.labels_) < 0))
    print(f"learned in {learned:.1f} s ({args.epochs * len(X_train)} presentations, {net.boosts_} shown again with "
          f"boosted rates); neurons labelled on the training images ({silent} never fired)")
    print(f"test: accuracy {accuracy:.4f} ({len(X_test)} images); total time {total:.1f} s")
    if args.plot is not None:
        from .spiking.plots import receptive_fields

        receptive_fields(net, path=args.plot)
        print(f"receptive fields saved to {args.plot}")
    if args.out is not None:
        net.save(args.out)
        print(f"network saved to {args.out} (read it with neuronkit.spiking.unsupervised.DiehlCook.load)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .data import prepare_training

    if args.unsupervised_stdp:
        return _train_unsupervised(args)
    if args.distributed and getattr(args, "data_parallel", None) is None:
        return cmd_train_distributed(args)
    kind = _data_kind(args)
    if kind != "table" and args.task == "regression":
        raise UsageError(f"--task regression: image and text models here are classifiers; DATA {args.data!r} holds "
                         f"{'images' if kind == 'images' else 'texts'}. Leave out --task")
    data = prepare_training(args.data, target=args.target, task=args.task, categorical=args.categorical,
                            impute=args.impute, test_size=args.test_size, seed=args.seed, max_bytes=args.max_csv_mb,
                            kind=kind, text_column=args.text_column, image_size=args.image_size,
                            color=args.color or "grayscale", min_count=args.min_count or 1,
                            max_len=args.max_len or DEFAULT_MAX_LEN, encoding=args.encoding)
    _notes(data.notes)
    est = _estimator_for(data, args)
    if est.architecture is not None:
        _check_spec_fits(est.architecture, data, args)
    classes = f"{data.n_classes} classes" if data.task == "classification" else "regression"
    if data.kind == "images":
        from .data.sources import color_words

        what = (f"{len(data.X_train)} images of {'x'.join(map(str, data.X_train.shape[2:]))}, "
                f"{color_words(data.X_train.shape[1])}")
    else:
        what = f"{len(data.X_train)} texts" if data.kind == "text" else \
            f"{len(data.X_train)} samples, {data.X_train.shape[1]} features"
    model = f"; model {est.architecture}" if est.architecture is not None else ""
    if is_spiking_spec(est.architecture):
        model += (f" (spiking: {_spec_steps(est.architecture)} time steps, loss {est.loss or 'rate_cross_entropy'})")
    print(f"training on {data.name}: {what}, {classes}{model}; {len(data.X_test)} samples held out for testing",
          file=sys.stderr)
    out = Path(args.out) if args.out else Path(f"{Path(data.name).stem}.nkm")
    background, watch = _train_dashboard(args, data, est, out) if args.dashboard else (None, None)
    try:
        _fit_and_save(args, data, est, out, ([] if watch is None else [watch]) + _data_parallel(args))
    except BaseException:
        if background is not None:
            background.stop()
        raise
    return 0 if background is None else _wait_for_ctrl_c(background)


def _fit_and_save(args: argparse.Namespace, data: Any, est: Any, out: Path, extra: list[Any]) -> None:
    """``train``'s fit (a progress bar, divergence advice), the test metrics, the model file and the report."""
    import re

    from .callbacks import Divergence, ProgressBar, TerminateOnNaN
    from .io import save

    with warnings.catch_warnings():
        # the estimator also puts "not converged" in its notes, printed below in the CLI's words (--epochs)
        warnings.filterwarnings("ignore", message="Stochastic Optimizer: Maximum iterations")
        # the checkpoint records how the data were split (--seed is the estimator's random_state); divergence
        # advice names --lr and --clip-norm; main() puts what remains of Python's names in the flags' words
        bar = ProgressBar(log_every=0 if sys.stderr.isatty() else 25)
        nan_stop = TerminateOnNaN(lr_name="--lr", clip_name="--clip-norm")
        est.fit(data.X_train, data.y_train, callbacks=[bar, nan_stop, Divergence(lr_name="--lr"), *extra],
                checkpoint=args.checkpoint, resume=args.resume, force=args.force,
                settings={"--test-size": args.test_size, "--target": data.record["target"],
                          "--task": data.task, "--categorical": args.categorical, "--impute": args.impute,
                          "DATA checksum": data.record["split"]["sha256"], "--model": args.model,
                          "--text-column": args.text_column, "--image-size": args.image_size and list(args.image_size),
                          "--color": args.color, "--min-count": args.min_count, "--max-len": args.max_len})
    if data.kind == "table":
        est.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
    test_metrics = _metrics(est, data.X_test, data.y_test)
    est.training_data_ = {**data.record, "test_metrics": test_metrics}
    if all(dp.is_root for dp in _data_parallel(args)):  # with --distributed, rank 0 alone writes the model
        save(est, out)
    print(f"epochs run: {est.n_iter_}; final training loss {est.loss_curve_[-1]:.4g}")
    for note in est.history_.notes:
        print(note.replace("Raise max_iter", "Raise --epochs"))
    diagnosis = est.history_.diagnosis()  # in the flags' words: the CLI holds out validation data with --early-stopping
    print(re.sub(r"\(fit's validation_split= or validation_data=, the estimators' early_stopping=True\)",
                 "(--early-stopping holds out 10% of the training rows)", diagnosis))
    print(f"test: {_format_metrics(test_metrics)}")
    print(f"model saved to {out}")


# ----------------------------------------------------------------------------- train --distributed
def cmd_train_distributed(args: argparse.Namespace) -> int:
    """``train --distributed``: this process is one of mpirun's ranks; all train on shards of the same batches.

    Rank 0 alone prints, writes the checkpoint and the model; the other ranks run ``train`` with
    their output discarded and no checkpoint (they read ``--resume``'s, like rank 0).
    """
    import contextlib

    from .distributed import DataParallel, require_several_ranks

    if args.dashboard:
        raise UsageError("--distributed and --dashboard cannot be combined: the dashboard watches one process; "
                         "leave out --dashboard")
    comm = require_several_ranks(command=f"mpirun -n 2 neuronkit train {args.data} --distributed")
    args.data_parallel = DataParallel(comm)
    if args.data_parallel.is_root:
        return cmd_train(args)
    args.checkpoint = None
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return cmd_train(args)


def _data_parallel(args: argparse.Namespace) -> list[Any]:
    """The DataParallel callback of ``train --distributed`` (none without it)."""
    dp = getattr(args, "data_parallel", None)
    return [] if dp is None else [dp]


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
    data = prepare_evaluation(est, args.data, training_data=getattr(est, "training_data_", None), target=args.target,
                              all_rows=args.all_rows, unknown=args.unknown_category, max_bytes=args.max_csv_mb,
                              model_path=args.model, text_column=args.text_column, encoding=args.encoding)
    _notes(data.notes)
    print(f"evaluating on {data.rows}")
    print(f"{data.name}: {_metrics_text(est, data.X, data.y)}")
    if data.recorded_metrics:
        print(f"(at training, on the same rows: {_format_metrics(data.recorded_metrics)})")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import csv
    import io

    from .data import list_images, prepare_prediction
    from .io import atomic_write_text

    est = _load_estimator(args.model, "predict")
    X, notes = prepare_prediction(est, args.csv, training_data=getattr(est, "training_data_", None),
                                  unknown=args.unknown_category, max_bytes=args.max_csv_mb, model_path=args.model,
                                  text_column=args.text_column, encoding=args.encoding)
    _notes(notes)
    proba = est.predict_proba(X) if hasattr(est, "classes_") else None  # one pass: labels from the probabilities
    pred = est.classes_[proba.argmax(axis=1)] if proba is not None else est.predict(X)
    files = [str(p) for p in list_images(args.csv)] if Path(args.csv).is_dir() else None  # prepare's order
    rows = [(["file"] if files else []) + ["prediction"] + ([f"p({c})" for c in est.classes_]
                                                            if proba is not None else [])]
    for i, p in enumerate(pred):
        rows.append(([files[i]] if files else []) + [str(p)]
                    + ([f"{v:.6g}" for v in proba[i]] if proba is not None else []))
    if args.out:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        atomic_write_text(args.out, buf.getvalue())
        print(f"{len(pred)} predictions written to {args.out}")
    else:
        csv.writer(sys.stdout).writerows(rows)
    return 0


def _feature_names(est: Any) -> list[str] | None:
    names = getattr(est, "feature_names_in_", None)
    return None if names is None or len(names) == 0 else [str(n) for n in names]


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) \
        else str(value)


def _model_facts(est: Any) -> list[str]:
    """What a model file says about the model and the data it was trained on, one line each.

    Reads the estimator's ``training_data_`` record (see :func:`neuronkit.data.prepare_training`)
    with ``.get``, so a file without one (trained through the Python API) shows what it has.
    """
    record = getattr(est, "training_data_", None)
    record = record if isinstance(record, dict) else {}
    lines = []
    task = record.get("task") or ("classification" if hasattr(est, "classes_") else
                                  "regression" if hasattr(est, "y_mean_") else None)
    if task:
        lines.append(f"task: {task}")
    if hasattr(est, "classes_"):
        lines.append(f"classes: {', '.join(map(str, est.classes_))}")
    names = _feature_names(est)
    n_features = getattr(est, "n_features_in_", None)
    lines += _architecture_facts(est)
    if names:
        lines.append(f"features ({len(names)}): {', '.join(names)}")
    elif n_features is not None and not hasattr(est, "input_shape_"):
        lines.append(f"features: {n_features} (unnamed: trained on an array without column names)")
    columns = record.get("columns")
    if isinstance(columns, list) and columns and [str(c) for c in columns] != names:
        lines.append(f"input columns ({len(columns)}): {', '.join(map(str, columns))}")
    if record.get("target") is not None:
        lines.append(f"target: {record['target']}")
    split = record.get("split")
    split = split if isinstance(split, dict) else {}
    if record.get("source") is not None:
        n_rows, n_test = split.get("n_rows"), split.get("n_test")
        rows = (f" ({n_rows - n_test} rows for training, {n_test} held out for testing)"
                if isinstance(n_rows, int) and isinstance(n_test, int) else "")
        lines.append(f"trained on: {record['source']}{rows}")
    metrics = record.get("test_metrics")
    if isinstance(metrics, dict) and metrics:
        shown = ", ".join(f"{str(k).replace('_', ' ')} {_number(v)}" for k, v in metrics.items() if k != "n")
        samples = f" ({_number(metrics['n'])} samples)" if "n" in metrics else ""
        lines.append(f"test metrics at training: {shown}{samples}")
    return lines


def _architecture_facts(est: Any) -> list[str]:
    """The architecture line, the input shape and the vocabulary of a model built from ``architecture=``."""
    from .data.sources import color_words
    from .layers.spec import spec_of

    if not hasattr(est, "input_shape_"):
        return []
    given = getattr(est, "architecture", None)
    try:  # without the L2 penalty the estimator sets on its dense layers for --alpha
        line = re.sub(r",l2=[^,)]+", "", spec_of(est.network_))
    except NeuronkitError:  # a layer the spec does not know: the given spec says it
        line = None
    named = isinstance(given, str) and given != line
    lines = [f"architecture: {given} = {line}" if named and line else f"architecture: {line or given}"]
    shape = tuple(est.input_shape_)
    if hasattr(est, "tokenizer_"):
        lines.append(f"input: texts, read as up to {shape[0]} word ids each (longer texts are cut)")
        lines.append(f"vocabulary: {est.tokenizer_.vocab_size} ids (<pad> and <unk>, then "
                     f"{est.tokenizer_.vocab_size - 2} words; min count {est.tokenizer_.min_count})")
    elif len(shape) == 3:
        lines.append(f"input shape: {shape}: {shape[1]}x{shape[2]} images, {color_words(shape[0])}")
    else:
        lines.append(f"input shape: {shape}")
    if getattr(est, "spiking", False):
        encoder = next(iter(est.network_))
        loss = est.spike_loss()
        models = sorted({type(layer.neuron).__name__ for layer in est.network_ if hasattr(layer, "neuron")})
        lines.append(f"spiking: T = {encoder.steps} time steps ({type(encoder).__name__}), neurons "
                     f"{', '.join(models)}; loss {loss.name}, predictions decoded by {loss.decoder!r} (outputs over "
                     "time -> class scores)")
    return lines


def cmd_summary(args: argparse.Namespace) -> int:
    est = SavedEstimator.read(args.model)
    net = getattr(est, "network_", est)
    print(f"{getattr(est, 'estimator', type(est).__name__)} from {args.model}")
    for line in _model_facts(est):
        print(line)
    shape = getattr(est, "input_shape_", None)  # image and text models: output shapes and the cost per prediction
    if shape is not None:
        print(net.summary(input_shape=tuple(shape)))
    else:
        print(net.summary())
    hist = getattr(est, "history_", None)
    if hist is not None and len(hist):
        last = {k: v[-1] for k, v in hist.history.items()}
        print(f"trained for {len(hist)} epochs; last epoch: " + ", ".join(f"{k} {v:.4g}" for k, v in last.items()))
    return 0


_NEURON_FORMS = "LAYER[INDEX] or LAYER:INDEX, e.g. hidden1[3] or hidden1:3"
_NEURON = re.compile(r"^\s*(?P<layer>[^\[\]:\s]+)\s*(?::\s*(?P<colon>[+-]?\w+)|\[\s*(?P<bracket>[+-]?\w+)\s*\])\s*$")


def _neuron_spec(spec: str) -> tuple[str, int]:
    """``hidden1[3]`` (as the reports name neurons) or ``hidden1:3`` as (layer, index); else a usage error."""
    match = _NEURON.match(spec)
    if match is None:
        raise UsageError(f"--neuron must be {_NEURON_FORMS}; got {spec!r}")
    index = match.group("colon") or match.group("bracket")
    try:
        return match.group("layer"), int(index)
    except ValueError:
        raise UsageError(f"--neuron index must be an integer ({_NEURON_FORMS}); got {spec!r}") from None


def _parse_neuron(spec: str, net: Any) -> tuple[str, int]:
    """A neuron of a Dense layer of ``net`` (``hidden1[3]`` or ``hidden1:3``); anything else is a usage error."""
    from .layers import Dense

    dense = [name for name, layer in net.layers.items() if isinstance(layer, Dense)]
    layer, idx = _neuron_spec(spec)
    if layer not in net.layers:
        what = ("the input layer has no neurons (its values are the features, given by --input)"
                if layer.lower() == "input" else f"the model has no layer {layer!r}")
        raise UsageError(f"--neuron {spec}: {what}; its layers with neurons are {', '.join(dense)}")
    if layer not in dense:
        raise UsageError(f"--neuron {spec}: layer {layer!r} is a {type(net[layer]).__name__}, which has no neurons "
                         f"to explain; layers with neurons: {', '.join(dense)}")
    options.check_neuron_index(spec, layer, net[layer].out_features, idx)
    return layer, idx


#: products w_i·x_i that ``explain`` lists by default (the largest in size); ``--full`` lists all
TOP_PRODUCTS = 10

#: how each scaler turns a raw input into the x the network sees, per feature, in words
_SCALINGS = {
    "standard": ("x = (raw - mean) / scale", "mean and standard deviation"),
    "minmax": ("x = low + (raw - min)·(high - low) / (max - min)", "min and max"),
}


def _values(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{float(a):.6g}" for a in v) + "]"


def _input_text(est: Any, raw: np.ndarray, scaled: np.ndarray) -> str:
    """The raw input and the x the network sees, saying how one becomes the other."""
    scaler = getattr(est, "scaler_", None)
    if scaler is None:
        return f"input: x = {_values(raw)}   (as given: a network file holds no scaler)"
    name = getattr(scaler, "name", type(scaler).__name__)
    if name not in _SCALINGS:
        how = "x = raw" if name == "none" else f"x = the {name} scaler of raw"
        return f"input: {how} = {_values(scaled)}   (the model's scaler is {name!r})"
    formula, stats = _SCALINGS[name]
    return (f"raw input:     {_values(raw)}\n"
            f"scaled input:  {formula} = {_values(scaled)}\n"
            f"               (per feature, with the {stats} of the training data; the network sees x)")


def _at(text: str) -> tuple[int, ...]:
    """``--at 3,4`` (an output position (i, j); Conv1d: i) as a tuple of whole numbers >= 0."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--at must be a position I,J of whole numbers (Conv1d: I), e.g. 3,4; got {text!r}") from None
    if not 1 <= len(values) <= 2 or min(values) < 0:
        raise UsageError(f"--at must be a position I,J of whole numbers >= 0 (Conv1d: I), e.g. 3,4; got {text!r}")
    return values


def _sample_neuron(spec: str, net: Any) -> tuple[str, int]:
    """``--neuron`` for a sample of an image or text model: a neuron of a dense or a convolution layer."""
    from .layers import Conv1d, Conv2d, Dense

    kinds = (Dense, Conv1d, Conv2d)
    layer, idx = _neuron_spec(spec)
    usable = [name for name, module in net.layers.items() if isinstance(module, kinds)]
    if layer not in net.layers or not isinstance(net[layer], kinds):
        what = f"the model has no layer {layer!r}" if layer not in net.layers else \
            f"layer {layer!r} is a {type(net[layer]).__name__}, whose neurons are not explained from the command line"
        raise UsageError(f"--neuron {spec}: {what}; layers with neurons to explain: {', '.join(usable)}")
    n = net[layer].out_features if isinstance(net[layer], Dense) else net[layer].out_channels
    if not 0 <= idx < n:
        raise UsageError(f"--neuron {spec}: layer {layer!r} has {n} neurons ({layer}[0] to {layer}[{n - 1}]); "
                         f"got index {idx}")
    return layer, idx


def _sample_of(est: Any, args: argparse.Namespace) -> tuple[Any, int]:
    """``--data DATA --input-index N`` of an image or text model: DATA's rows (as ``evaluate --all-rows`` reads
    them) and N."""
    from .data import prepare_evaluation

    if not hasattr(est, "input_shape_"):
        raise UsageError(f"--data/--input-index explain a sample of an image or text model; {args.model} takes "
                         "table features: give them with --input")
    data = prepare_evaluation(est, args.data, training_data=getattr(est, "training_data_", None), all_rows=True,
                              model_path=args.model)
    n = len(data.X)
    index = 0 if args.input_index is None else args.input_index
    if index >= n:
        raise UsageError(f"--input-index {index}: {data.name} has {n} samples (0 to {n - 1})")
    return data, index


def _explain_sample(est: Any, args: argparse.Namespace) -> int:
    """``explain MODEL --data DATA --input-index N``: sample N of DATA (as ``evaluate --all-rows`` reads it)
    through an image or text model, and the arithmetic of one neuron of its dense layers on the values
    that reach it."""
    data, index = _sample_of(est, args)
    net = est.network_
    if getattr(est, "spiking", False):
        shown = f"an image of shape {tuple(data.X.shape[1:])}" if data.X.ndim > 2 else \
            f"{data.X.shape[1]} values from {float(np.min(data.X[index])):g} to {float(np.max(data.X[index])):g}"
        print(f"sample {index} of {data.name}: {shown!s:.200}; label {data.y[index]}")
        return _explain_spiking(est, args, data.X[index:index + 1])
    x = est.transform_inputs(data.X[index:index + 1])
    chosen = _sample_neuron(args.neuron, net) if args.neuron else None
    first = next(iter(net))
    mask = x != first.padding_idx if getattr(first, "input_kind", "float") == "ids" and first.padding_idx is not \
        None else None
    inputs: dict[str, np.ndarray] = {}
    h = x
    for name, layer in net.layers.items():
        inputs[name] = h
        h = layer.infer(h, mask=mask) if mask is not None and getattr(layer, "takes_mask", False) else layer.infer(h)
    shown = data.X[index] if data.X.dtype == object else f"an image of shape {tuple(data.X.shape[1:])}"
    print(f"sample {index} of {data.name}: {shown!s:.200}; label {data.y[index]}")
    print(f"prediction: {est.decode(np.asarray(h, dtype=np.float64))[0]}")
    if chosen is None:  # the output neuron that wins
        chosen = _parse_neuron(f"{list(net.layers)[-1]}:{int(np.argmax(h[0]))}", net)
    layer_name, idx = chosen
    order = list(net.layers)
    position = order.index(layer_name)
    source = f"the outputs of layer {order[position - 1]}" if position else "the input"
    print(f"x of {layer_name}[{idx}] = {source} (shape {tuple(inputs[layer_name].shape[1:])})")
    from .layers import Dense

    if isinstance(net[layer_name], Dense):
        if args.at is not None:
            raise UsageError(f"--at is a position in a convolution neuron's output map; {layer_name} is a Dense layer")
        exp = net[layer_name].neurons[idx].explain(np.asarray(inputs[layer_name][0], dtype=np.float64))
    else:  # a convolution neuron: its receptive field at one position (default: where its output is largest)
        at = None if args.at is None else _at(args.at)
        try:
            exp = net[layer_name].neurons[idx].explain(inputs[layer_name][0], at=at)
        except NeuronkitError as exc:
            raise UsageError(f"--at {args.at}: {exc}") from None
    print(exp if args.full else exp.annotated(top=TOP_PRODUCTS))
    if not args.full and len(exp.products) > TOP_PRODUCTS:
        print(f"(--full lists all {len(exp.products)} products)")
    return 0


def _spiking_neuron(spec: str, net: Any) -> tuple[str, int]:
    """``--neuron`` of a spiking network: a neuron of a SpikingDense layer (``spiking1[5]``) or a filter of a
    SpikingConv2d layer."""
    from .spiking.layers import SpikingConv2d, SpikingDense

    kinds = (SpikingDense, SpikingConv2d)
    layer, idx = _neuron_spec(spec)
    usable = [name for name, module in net.layers.items() if isinstance(module, kinds)]
    if layer not in net.layers or not isinstance(net[layer], kinds):
        what = f"the model has no layer {layer!r}" if layer not in net.layers else \
            f"layer {layer!r} is a {type(net[layer]).__name__}, whose neurons are not explained from the command line"
        raise UsageError(f"--neuron {spec}: {what}; spiking layers with neurons to explain: {', '.join(usable)}")
    n = len(net[layer].neurons)
    if not 0 <= idx < n:
        raise UsageError(f"--neuron {spec}: layer {layer!r} has {n} neurons ({layer}[0] to {layer}[{n - 1}]); "
                         f"got index {idx}")
    return layer, idx


def _explain_spiking(est: Any, args: argparse.Namespace, raw: Any) -> int:
    """One sample through a spiking network, and one neuron's membrane over time: at each step its input current
    (w·x + b from the spikes that reach it), the leak, the membrane, the threshold crossing and the reset."""
    from .engine import eval_mode, no_grad

    net = est.network_
    chosen = _spiking_neuron(args.neuron, net) if args.neuron else None  # checked before anything is printed
    x = est.transform_inputs(raw)
    inputs: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    h = x
    with no_grad(), eval_mode():
        for name, layer in net.layers.items():
            inputs[name] = h
            h = outputs[name] = layer(h).data
    scores = est.spike_loss().decode(h)
    print(f"prediction: {est.decode(h)[0]}   (output scores by the {est.spike_loss().decoder!r} decoder: "
          f"{_values(scores[0])})")
    if chosen is None:  # the output neuron that wins
        chosen = (list(net.layers)[-1], int(np.argmax(scores[0])))
    layer_name, idx = chosen
    order = list(net.layers)
    source = order[order.index(layer_name) - 1]
    print(f"x of {layer_name}[{idx}] at each of the {h.shape[0]} time steps = the spikes of layer {source} "
          f"(shape {tuple(inputs[layer_name].shape[2:])} per step)")
    top = 10**9 if args.full else TOP_PRODUCTS
    if outputs[layer_name].ndim == 5:  # a spiking convolution: one filter at one output position
        if args.at is None:  # where it fires most (first such position)
            counts = outputs[layer_name][:, 0, idx].sum(axis=0)
            at: Any = tuple(int(i) for i in np.unravel_index(int(np.argmax(counts)), counts.shape))
            fired = int(counts.max())
            print(f"position {at}: where {layer_name}[{idx}] fires most ({fired} spike{'s' * (fired != 1)}; --at I,J "
                  "picks another)")
        else:
            at = _at(args.at)
        try:
            exp = net[layer_name].neurons[idx].explain(inputs[layer_name][:, 0], at=at, top=top)
        except NeuronkitError as exc:
            raise UsageError(f"--at {args.at}: {exc}") from None
    else:
        if args.at is not None:
            raise UsageError(f"--at is a position in a convolution neuron's output map; {layer_name} is a "
                             "SpikingDense layer")
        exp = net[layer_name].neurons[idx].explain(inputs[layer_name][:, 0], top=top)
    print(exp)
    if not args.full and max((len(step.terms) for step in exp.steps), default=0) > TOP_PRODUCTS:
        print(f"(each step lists the {TOP_PRODUCTS} largest products w·x; --full lists them all)")
    return 0


def _method_sample(est: Any, args: argparse.Namespace, kind: str) -> tuple[Any, list[str]]:
    """The sample ``explain --method`` explains (``--input``, or sample N of ``--data``) and the lines that show it
    and the prediction (printed once every flag has been checked)."""
    if args.data is not None:
        data, index = _sample_of(est, args)
        X = data.X[index:index + 1]
        shown = data.X[index] if kind == "text" else f"an image of shape {tuple(data.X.shape[1:])}"
        lines = [f"sample {index} of {data.name}: {shown!s:.200}; label {data.y[index]}",
                 f"prediction: {est.predict(X)[0]}"]
        if kind == "text":
            ids = est.transform_inputs(list(X))[0]
            words = [None if i == 0 else est.tokenizer_.vocabulary[int(i)] for i in ids]  # id 0 pads
            return explain_methods.Sample(X, kind, words=words), lines
        return explain_methods.Sample(X, kind, raw=np.asarray(X, dtype=np.float64)), lines
    if kind != "table":
        raise UsageError(f"{args.model} is {'a text' if kind == 'text' else 'an image'} model (its inputs: "
                         f"{tuple(est.input_shape_)}); --input gives the features of a table model. Pick a "
                         "sample instead: --data DATA --input-index N")
    x = np.asarray(_floats(args.input, "--input"), dtype=np.float64)
    n_in = getattr(est, "n_features_in_", getattr(est, "network_", est).in_features)
    names = _feature_names(est)
    if x.size != n_in:
        which = f" ({', '.join(names)})" if names and len(names) <= 20 else ""
        raise UsageError(f"--input has {x.size} values but the model takes {n_in} features{which}; give one "
                         "value per feature, in order")
    X = x[None, :]
    scaled = est.transform_inputs(X)[0] if hasattr(est, "transform_inputs") else x
    lines = [f"prediction: {est.predict(X)[0]}"] if hasattr(est, "predict") else []
    lines.append(_input_text(est, x, np.asarray(scaled, dtype=np.float64)))
    return explain_methods.Sample(X, kind, names=names, raw=x), lines


def _explain_by_method(est: Any, args: argparse.Namespace) -> int:
    """``explain … --method M`` (every method but ``arithmetic``): the sample and the prediction, then the method's
    view (:mod:`neuronkit._cli_explain`). Every flag is checked against the model before anything is printed."""
    if getattr(next(iter(getattr(est, "network_", est))), "makes_time_axis", False):
        raise UsageError(f"--method {args.method} follows values through Dense and convolution neurons; "
                         f"{args.model} is a spiking network, whose neurons are explained by their membrane over "
                         "time: leave out --method (a neuron's arithmetic, step by step)")
    kind = "text" if hasattr(est, "tokenizer_") else "images" if hasattr(est, "input_shape_") else "table"
    explain_methods.check_input(kind, args)
    neuron = _neuron_spec(args.neuron) if args.neuron else None
    sample, lines = _method_sample(est, args, kind)
    ctx = explain_methods.context(est, sample, args, neuron=neuron, top=None if args.full else TOP_PRODUCTS)
    print("\n".join(lines))
    return explain_methods.show(ctx)


def cmd_explain(args: argparse.Namespace) -> int:
    from .engine import eval_mode, no_grad

    est = SavedEstimator.read(args.model)
    if args.method != "arithmetic":
        return _explain_by_method(est, args)
    if args.data is not None:
        return _explain_sample(est, args)
    net = getattr(est, "network_", est)
    if getattr(est, "spiking", False) and len(est.input_shape_) == 1:  # a spiking network on table features
        x = np.asarray(_floats(args.input, "--input"), dtype=np.float64)
        if x.size != est.n_features_in_:
            raise UsageError(f"--input has {x.size} values but the model takes {est.n_features_in_} features; give "
                             "one value per feature, in order")
        return _explain_spiking(est, args, x[None, :])
    if hasattr(est, "input_shape_"):
        kind = "a text" if hasattr(est, "tokenizer_") else "an image"
        raise UsageError(f"{args.model} is {kind} model (its inputs: {tuple(est.input_shape_)}); --input gives the "
                         "features of a table model. Pick a sample instead: --data DATA --input-index N")
    x = np.asarray(_floats(args.input, "--input"), dtype=np.float64)
    n_in = getattr(est, "n_features_in_", net.in_features)
    names = _feature_names(est)
    if x.size != n_in:
        which = f" ({', '.join(names)})" if names and len(names) <= 20 else ""
        raise UsageError(f"--input has {x.size} values but the model takes {n_in} features{which}; give one "
                         "value per feature, in order")
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
    print(_input_text(est, x, np.asarray(xs, dtype=np.float64)))
    if chosen is None:  # the output neuron that wins (a classifier), else the first
        chosen = _parse_neuron(f"{list(net.layers)[-1]}:{int(np.argmax(h)) if hasattr(est, 'classes_') else 0}", net)
    layer_name, idx = chosen
    order = list(net.layers)
    position = order.index(layer_name)
    if position > 0:
        print(f"x of {layer_name}[{idx}] = the outputs of layer {order[position - 1]}")
    exp = net[layer_name].neurons[idx].explain(inputs[layer_name])
    if position == 0:  # the first layer's inputs are the features: their names, and the raw values beside x
        exp = exp.annotated(names=names, raw=x if hasattr(est, "scaler_") else None)
    print(exp if args.full else exp.annotated(top=TOP_PRODUCTS))
    if not args.full and len(exp.products) > TOP_PRODUCTS:
        print(f"(--full lists all {len(exp.products)} products)")
    return 0


def cmd_neuron(args: argparse.Namespace) -> int:
    from .neuron import Neuron

    _check_neuron_options(args)
    weights, x = _floats(args.weights, "--weights"), _floats(args.input, "--input")
    print(Neuron(weights=weights, bias=args.bias, activation=args.activation).explain(x))
    return 0


# ----------------------------------------------------------------------------- simulate
#: the networks ``neuronkit simulate`` runs by name, without a file
BUILTIN_NETWORKS = {"cuba": "Brian2's CUBA benchmark (Vogels & Abbott 2005): 3200 excitatory and 800 inhibitory LIF "
                            "neurons, 2% connectivity, exponential current synapses, 1000 ms at dt = 0.1 ms"}
#: the simulated time of a built-in network when --duration is not given (ms)
BUILTIN_DURATION = 1000.0
#: the neurons whose state ``--record POP:VAR`` keeps when the file's [record] names none: the first ones
RECORD_NEURONS = 10
_SPIKE_FORMATS = (".csv", ".json")


def _builtin_network(name: str) -> str | None:
    key = name.strip().lower()
    return key if key in BUILTIN_NETWORKS and not Path(name).exists() else None


def _record_option(text: str) -> tuple[str, str]:
    """``--record exc:v`` as (population, variable)."""
    population, sep, variable = text.partition(":")
    if not sep or not population.strip() or not variable.strip() or ":" in variable:
        raise UsageError(f"--record must be POPULATION:VARIABLE, e.g. exc:v (the membrane potential of population "
                         f"exc); got {text!r}")
    return population.strip(), variable.strip()


def _check_simulate_options(args: argparse.Namespace) -> None:
    if _builtin_network(args.network) is None:
        path = Path(args.network)
        if not path.exists():
            raise UsageError(f"NET {args.network!r} does not exist (in {Path.cwd()}); give a network file (.toml or "
                             f".json, e.g. examples/cuba.toml) or a built-in network: {', '.join(BUILTIN_NETWORKS)}")
        if path.is_dir():
            raise UsageError(f"NET {args.network!r} is a folder; give a network file (.toml or .json)")
        if path.suffix.lower() not in (".toml", ".json"):
            raise UsageError(f"NET {args.network!r} must be a .toml or .json network file (or a built-in network: "
                             f"{', '.join(BUILTIN_NETWORKS)}); got a {path.suffix or 'file without suffix'}")
    for flag, value in (("--duration", args.duration), ("--dt", args.dt), ("--window", args.window)):
        if value is not None:
            _option(check_number, value, flag, low=0.0, low_open=True)
    if args.seed is not None:
        _option(check_int, args.seed, "--seed", low=0)
    for text in args.record:
        _record_option(text)
    if args.report:
        options.check_output_file(args.report, "--report", example="simulation.html")
    if args.plot:
        if Path(args.plot).suffix.lower() != ".png":
            raise UsageError(f"--plot writes a PNG picture; give a file ending in .png, e.g. raster.png; got "
                             f"{args.plot!r}")
        options.check_output_file(args.plot, "--plot", example="raster.png")
    if args.save_spikes:
        if Path(args.save_spikes).suffix.lower() not in _SPIKE_FORMATS:
            raise UsageError(f"--save-spikes writes .csv (population,neuron,time_ms per spike) or .json; give a file "
                             f"ending in one of them, e.g. spikes.csv; got {args.save_spikes!r}")
        options.check_output_file(args.save_spikes, "--save-spikes", example="spikes.csv")
    if args.report or args.plot:
        needs = options.missing_dependency_message(["matplotlib"], "simulate --report/--plot")
        if needs:
            raise MissingDependencyError(needs)


def _simulation_network(args: argparse.Namespace) -> tuple[Any, dict[str, Any], str]:
    """The network to run (the file's, or a built-in one, with --seed, --dt and --duration applied), the options
    of its run (Network.run's keywords) and a name for it."""
    from .spiking.simulation import cuba_network, load_network, network_from_config

    builtin = _builtin_network(args.network)
    if builtin is not None:
        net = cuba_network(seed=0 if args.seed is None else args.seed, dt=0.1 if args.dt is None else args.dt)
        run_options: dict[str, Any] = {"duration_ms": BUILTIN_DURATION}
        name = builtin
    else:
        try:
            net, run_options = load_network(args.network)
        except NeuronkitError as exc:  # the file is part of the command: a mistake in it is a usage error
            raise UsageError(str(exc)) from None
        name = Path(args.network).name
        if args.seed is not None or args.dt is not None:
            config = net.config()
            config["network"].update({k: v for k, v in (("seed", args.seed), ("dt", args.dt)) if v is not None})
            config["network"]["duration"] = args.duration or run_options["duration_ms"]
            try:
                net = network_from_config(config)
            except NeuronkitError as exc:  # e.g. a delay that is no whole number of steps of the new --dt
                flag = f"--dt {args.dt:g}" if args.dt is not None else f"--seed {args.seed}"
                raise UsageError(f"{flag}: {str(exc).removeprefix('config: ')}") from None
    if args.duration is not None:
        run_options["duration_ms"] = args.duration
    steps = run_options["duration_ms"] / net.dt
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise UsageError(f"--duration {run_options['duration_ms']:g} ms is not a whole number of time steps of dt = "
                         f"{net.dt:g} ms; give a multiple of dt, e.g. {round(steps) * net.dt:g}")
    if args.window is not None:
        run_options["window"] = args.window
    return net, run_options, name


def _record_states(args: argparse.Namespace, net: Any, run_options: dict[str, Any]) -> None:
    """Add --record's states to the run options (for the first RECORD_NEURONS neurons unless the file names which);
    a population or variable the network does not have is a usage error."""
    import difflib

    sizes = {str(pop.name): pop.n for pop in net.populations}
    states = {name: list(variables) for name, variables in (run_options.get("states") or {}).items()}
    neurons = {name: list(chosen) for name, chosen in (run_options.get("neurons") or {}).items()}
    for text in args.record:
        population, variable = _record_option(text)
        if population not in sizes:
            close = difflib.get_close_matches(population, list(sizes), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--record {text}: the network has no population {population!r} (populations: "
                             f"{', '.join(sizes)}){hint}")
        variables = list(net.state_variables(population))  # what Network.run accepts: one rule
        if variable not in variables:
            listed = (f"its variables are {', '.join(variables)}" if variables else
                      "it is a Poisson input, which has no state variables (its spikes are recorded)")
            close = difflib.get_close_matches(variable, variables, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--record {text}: population {population!r} has no state variable {variable!r}; "
                             f"{listed}{hint}")
        if variable not in states.setdefault(population, []):
            states[population].append(variable)
        if population not in neurons and not (run_options.get("states") or {}).get(population):
            neurons[population] = list(range(min(sizes[population], RECORD_NEURONS)))
    if states:
        run_options["states"], run_options["neurons"] = states, neurons


def _spikes_text(result: Any, suffix: str) -> str:
    """The recorded spikes as CSV (population,neuron,time_ms; by population, then time) or JSON."""
    import csv
    import io
    import json

    if suffix == ".json":
        return json.dumps({"duration_ms": float(result.duration), "populations": {
            name: {**{k: v for k, v in result.populations[name].items() if k in ("n", "kind")},
                   "times_ms": np.asarray(times, dtype=np.float64).tolist(),
                   "indices": np.asarray(indices).astype(int).tolist()}
            for name, (times, indices) in result.spikes.items()}}) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["population", "neuron", "time_ms"])
    for name, (times, indices) in result.spikes.items():
        for t, i in zip(np.asarray(times, dtype=np.float64).tolist(), np.asarray(indices).tolist()):
            writer.writerow([name, int(i), repr(t)])
    return buf.getvalue()


def _simulation_figure(result: Any, path: str) -> None:
    """--plot: the raster above the rates over time, as the published CUBA figure, written atomically."""
    import io

    from ._plotting import new_figure
    from .io import atomic_write_bytes
    from .spiking.plots import population_raster, rate_over_time

    fig = new_figure(8.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    population_raster(result, ax=top)
    top.set_xlabel("")
    rate_over_time(result, ax=bottom)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write_bytes(path, buf.getvalue())


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .spiking.sim_report import population_stats, simulation_problems, write_simulation_report

    net, run_options, name = _simulation_network(args)
    _record_states(args, net, run_options)
    sizes = [pop.n for pop in net.populations]
    if not args.quiet:
        print(f"simulating {name}: {len(sizes)} populations, {sum(sizes):,} neurons, {len(net.connections)} "
              f"connections; {run_options['duration_ms']:g} ms at dt = {net.dt:g} ms, seed {net.seed}",
              file=sys.stderr)
    result = net.run(**run_options, progress=not args.quiet and sys.stderr.isatty())
    stats = population_stats(result)
    rows = [["population", "kind", "neurons", "spikes", "rate (Hz) ± s.d.", "CV ISI", "synchrony"]]
    for s in stats.values():
        rows.append([s.name, s.kind, str(s.n), str(s.spikes), f"{s.rate_mean:.4g} ± {s.rate_std:.3g}",
                     "-" if s.cv_isi is None else f"{s.cv_isi:.3f}",
                     "-" if s.synchrony is None else f"{s.synchrony:.3f}"])
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) if k < 2 else cell.rjust(w) for k, (cell, w) in enumerate(zip(row, widths))))
    window = run_options.get("window")
    recorded = (f"; rates over the whole run, CV, synchrony and saved spikes over the last "
                f"{min(window, result.duration):g} ms" if window is not None else "")
    print(f"simulated {result.duration:g} ms in {result.wall_time:.3g} s of wall time{recorded}")
    for problem in simulation_problems(stats):
        print(f"problem: {problem}")
    if args.save_spikes:
        from .io import atomic_write_text

        atomic_write_text(args.save_spikes, _spikes_text(result, Path(args.save_spikes).suffix.lower()))
        print(f"spikes written to {args.save_spikes}")
    if args.plot:
        _simulation_figure(result, args.plot)
        print(f"raster and rates drawn in {args.plot}")
    if args.report:
        write_simulation_report(result, args.report, network=net, title=f"neuronkit simulate {name}")
        print(f"report written to {args.report}")
    return 0


# ----------------------------------------------------------------------------- the parser
def _add_text_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--text-column", metavar="COLUMN",
                   help="text models: the CSV column of texts (default: the one the model was trained on)")
    p.add_argument("--encoding", help="text CSV files: the encoding, e.g. latin-1 (default UTF-8)")


def _add_server_options(p: argparse.ArgumentParser, prefix: str) -> None:
    """``--host``, ``--port``, ``--no-browser`` (``dashboard`` and ``train --dashboard``)."""
    p.add_argument("--host", default=None, help=f"{prefix}the address to listen on (default 127.0.0.1: this "
                   "machine only; any other lets the network reach the page, still behind the token)")
    p.add_argument("--port", type=int, default=None, help=f"{prefix}the port (default {DASHBOARD_PORT}; 0 "
                   "picks a free one)")
    p.add_argument("--no-browser", action="store_true", help=f"{prefix}do not open the page in the browser (the URL "
                   "is printed)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuronkit", description="Build, train and understand neural networks "
                                     "one neuron at a time.")
    parser.add_argument("--debug", action="store_true", help="show the full traceback when something fails")
    parser.add_argument("--version", action="version", version=f"neuronkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("train", help="train a network on a bundled dataset, a CSV file, images or texts",
                       description="Train a multi-layer perceptron (or the network --model describes: a CNN on "
                       "images, a text model on texts); shows a progress bar, then held-out test metrics and where "
                       "the model was saved.")
    p.add_argument("data", metavar="DATA", help="digits, iris, wine, breast_cancer, diabetes, mnist5k (images), topics "
                   "(texts), a CSV path, or a folder of images in class sub-folders")
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
    p.add_argument("--hidden", type=_hidden, default=None, help="hidden layer widths, e.g. 128,64 (default 100)")
    p.add_argument("--model", metavar="SPEC", help="the network: a named architecture (cnn, smallcnn, mlp, textmean, "
                   "transformer, snn) or a spec line, e.g. 'conv(32,3,relu),maxpool(2),flatten,dense(out)' (default: "
                   "smallcnn for images, textmean for texts, else the perceptron of --hidden)")
    p.add_argument("--image-size", type=_image_size, default=None, metavar="HxW",
                   help="image folders: resize every image to HEIGHTxWIDTH, e.g. 28x28 (default: all must share one "
                   "size)")
    p.add_argument("--color", choices=["grayscale", "rgb", "rgba"], default=None,
                   help="image folders: read images as grayscale (1 channel, the default), rgb (3) or rgba (4)")
    p.add_argument("--text-column", metavar="COLUMN", help="CSV: the column of texts to classify (a text model)")
    p.add_argument("--min-count", type=int, default=None, metavar="N",
                   help="texts: words seen fewer than N times in the training texts are unknown (default 1)")
    p.add_argument("--max-len", type=int, default=None, metavar="N",
                   help=f"texts: the words of a text the model reads; longer texts are cut (default {DEFAULT_MAX_LEN})")
    p.add_argument("--encoding", help="text CSV files: the encoding, e.g. latin-1 (default UTF-8)")
    p.add_argument("--spiking", action="store_true",
                   help=f"train a spiking network: rate coding over --steps time steps, LIF neurons (--hidden widths, "
                        f"default {SPIKING_HIDDEN[0]}), spikes out, rate cross-entropy loss (= --model snn)")
    p.add_argument("--steps", type=int, default=None, metavar="T",
                   help=f"with --spiking: the time steps T of the rate coding (default {SPIKING_STEPS})")
    p.add_argument("--activation", type=_activation, default="relu",
                   help="hidden activation (default relu); any activation name, e.g. tanh, swish, dynamic")
    p.add_argument("--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop"])
    p.add_argument("--lr", type=float, default=None,
                   help=f"learning rate (default {OTHER_DEFAULTS['lr']}; {SPIKING_DEFAULTS['lr']} for spiking "
                        "networks)")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"maximum epochs (default {OTHER_DEFAULTS['epochs']}; {SPIKING_DEFAULTS['epochs']} for "
                        "spiking networks)")
    p.add_argument("--batch-size", type=_batch, default=None,
                   help="'auto' (min(200, max(16, n // 8)), the default) or an integer (default "
                        f"{SPIKING_DEFAULTS['batch_size']} for spiking networks)")
    p.add_argument("--alpha", type=float, default=0.0001, help="L2 penalty, as in scikit-learn (default 1e-4)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after each hidden layer (default 0)")
    p.add_argument("--sparsity", type=float, default=None, metavar="WEIGHT",
                   help="an activity sparsity (L1) penalty on the hidden layers: WEIGHT times the mean over the "
                        "batch of the sum of their |outputs| is added to the loss (an activity_l1 layer where each "
                        "hidden layer's outputs are read; default: none)")
    p.add_argument("--early-stopping", action="store_true", help="hold out 10%% for validation and stop early")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--test-size", type=float, default=0.2, help="fraction held out for testing (default 0.2)")
    p.add_argument("--clip-norm", type=float, default=None, metavar="NORM",
                   help="clip the gradients' global norm to NORM (default: no clipping)")
    p.add_argument("--checkpoint", help="write a resumable checkpoint here every epoch and on Ctrl-C")
    p.add_argument("--resume", help="continue exactly from a checkpoint written by --checkpoint")
    p.add_argument("--force", action="store_true", help="with --resume: continue even if the checkpoint was made "
                   "with other settings (data split, network, learning rate)")
    p.add_argument("--out", help="model file to write (default DATA.nkm; with --unsupervised-stdp only if given)")
    p.add_argument("--unsupervised-stdp", action="store_true",
                   help="learn from images without labels: a Diehl & Cook (2015) spiking network (Poisson inputs, "
                        "STDP, lateral inhibition, adaptive thresholds); its neurons are then labelled on the "
                        "training images and the held-out images classified")
    p.add_argument("--neurons", type=int, default=None, metavar="N",
                   help=f"with --unsupervised-stdp: excitatory neurons (default {STDP_NEURONS})")
    p.add_argument("--plot", metavar="PNG", help="with --unsupervised-stdp: write the learned receptive fields here")
    p.add_argument("--dashboard", action="store_true", help="watch the training live in the browser (the page stays "
                   "open after training until Ctrl-C; a replay is written beside the model, OUT.nkreplay)")
    _add_server_options(p, "with --dashboard: ")
    p.add_argument("--distributed", action="store_true", help="data-parallel training over MPI: start several "
                   "processes with mpirun -n 2 neuronkit train DATA --distributed (needs neuronkit[mpi])")
    p.set_defaults(func=cmd_train, check=_check_train_options, needs=("sklearn", "safetensors"))

    p = sub.add_parser("dashboard", help="watch neurons learn: a live dashboard in the browser (train from the "
                       "page, or explore a trained model)", description="Serve the dashboard on this machine and open "
                       "it in the browser. Without MODEL: a network trains on a bundled or generated dataset (moons by "
                       "default) and the page controls it (start, pause, step, learning rate, dataset, hidden layers, "
                       "CSV upload). With MODEL: explore the trained model on DATA (default: the data it was trained "
                       "on). The URL printed carries a per-run token. Ctrl-C stops it.")
    p.add_argument("model", metavar="MODEL", nargs="?", help="a model file (.nkm) to explore instead of training")
    p.add_argument("data", metavar="DATA", nargs="?", help="with MODEL: a bundled dataset name or a CSV path")
    _add_server_options(p, "")
    p.add_argument("--dataset", default=None, help="the dataset of the run: moons (the default), xor, spirals, blobs, "
                   "iris, wine, breast_cancer, digits")
    p.add_argument("--hidden", type=_hidden, default=None, help="hidden layer widths, e.g. 8,8 (the default)")
    p.add_argument("--activation", type=_activation, default=None, help="hidden activation (default tanh)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 0.03)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of the run (default 300)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--out", default=None, help="write the trained model here when a run ends, and its replay beside "
                   "it (.nkreplay; default dashboard.nkm)")
    p.add_argument("--rate", type=float, default=None, help="updates sent to the page per second at most (default 20)")
    p.set_defaults(func=cmd_dashboard, check=_check_dashboard_options, needs=("sklearn", "safetensors"))

    p = sub.add_parser("evaluate", help="metrics of a saved model on a dataset, CSV, images or texts",
                       description="Score a saved model: features and target are taken by the names stored in the "
                       "model (images from a folder or an image dataset, texts from the model's text column); on the "
                       "data it was trained on, only the held-out test rows are used.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--target", help="CSV: the target column (default: the one the model was trained on)")
    add_data_options(p, rows=True)
    _add_text_options(p)
    p.set_defaults(func=cmd_evaluate, check=_check_data_options, needs=("sklearn", "safetensors"))

    p = sub.add_parser("predict", help="predict for each row of a CSV of features or texts, or each image of a "
                       "folder")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("csv", metavar="CSV", help="a CSV file (features, or the texts of a text model), or a folder of "
                   "images for an image model")
    p.add_argument("--out", help="write predictions to this CSV file instead of standard output")
    add_data_options(p, rows=False)
    _add_text_options(p)
    p.set_defaults(func=cmd_predict, check=_check_predict_options, needs=("sklearn", "safetensors"))

    p = sub.add_parser("summary", help="a saved model's layers, neurons and parameters")
    p.add_argument("model", metavar="MODEL")
    p.set_defaults(func=cmd_summary, needs=("safetensors",))

    p = sub.add_parser("explain", help="one neuron's arithmetic on one input, or what conductance, attribution "
                       "or SHAP say about it", description="Explain one input: by default one neuron's arithmetic "
                       "(w·x + b, then the activation), step by step; with --method, which neurons (conductance, "
                       "internal_influence) or which features (integrated_gradients, deeplift, lrp, gradient_shap, "
                       "kernel_shap, saliency, gradient_x_input, occlusion) carried the output, sorted by size, with "
                       "the check each method passes.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--input", help="feature values, comma-separated (unscaled, as in the data)")
    p.add_argument("--data", metavar="DATA", help="image and text models: the data to take a sample of (a dataset, "
                   "an image folder, a CSV file of texts)")
    p.add_argument("--input-index", type=int, metavar="N", help="with --data: the sample to explain (default 0)")
    p.add_argument("--neuron", help="LAYER[INDEX] or LAYER:INDEX, e.g. hidden1[3] (default: the predicted output "
                   "neuron); with --data also a convolution neuron, e.g. conv1[2]; with --method conductance the "
                   "hidden neuron the output flows through, with an attribution method a neuron to explain instead "
                   "of an output")
    p.add_argument("--at", metavar="I,J", help="with --data and a convolution neuron: the output position to "
                   "explain (default: where its output is largest)")
    p.add_argument("--full", action="store_true", help=f"list every product wi·xi, or every feature, pixel or "
                   f"token of a method (default: the {TOP_PRODUCTS} largest)")
    p.add_argument("--method", choices=list(explain_methods.METHODS), default="arithmetic",
                   help="what to show: a neuron's arithmetic (the default); conductance of --neuron (a hidden "
                   "neuron, split over the features) or of each neuron of --layer; internal_influence of each neuron "
                   "of --layer; or each feature's share by an attribution method")
    p.add_argument("--target", metavar="T", help="with --method: the output explained, a class label as predict "
                   "prints it or an output index (default: the predicted class; the only output)")
    p.add_argument("--layer", metavar="L", help="conductance without --neuron, internal_influence: the hidden Dense "
                   "layer whose neurons are compared (default: the first)")
    p.add_argument("--rule", choices=["epsilon", "zplus"], help="lrp: the rule of every Dense layer (default epsilon)")
    p.add_argument("--background", metavar="DATA", help="gradient_shap, kernel_shap: the data standing in for "
                   "absent features, a dataset name or a CSV file (default: the dataset the model was trained on)")
    p.add_argument("--background-size", type=int, metavar="N", help="gradient_shap, kernel_shap: the background "
                   f"rows drawn from it (default {explain_methods.BACKGROUND_SIZE})")
    p.add_argument("--seed", type=int, default=None, help="gradient_shap, kernel_shap: the seed of the background "
                   "rows and of the draws (default 0)")
    p.add_argument("--steps", type=int, metavar="N", help="integrated_gradients, conductance, internal_influence: "
                   f"intervals along the path from the baseline (default {explain_methods.DEFAULT_STEPS})")
    p.add_argument("--baseline", metavar="zeros|mean|V,V,...", help="conductance, internal_influence, "
                   "integrated_gradients, deeplift, occlusion on a table model (--input): the input x' the path "
                   "starts from, in raw units: zeros (the default), mean (the training mean the model's standard "
                   "scaler records) or one value per feature")
    p.set_defaults(func=cmd_explain, check=_check_explain_options, needs=("safetensors",))

    p = sub.add_parser("neuron", help="a single neuron's arithmetic, step by step (for learners)")
    p.add_argument("--weights", required=True, help="e.g. 0.8,0.6")
    p.add_argument("--bias", type=float, default=0.0)
    p.add_argument("--activation", type=_activation, default="identity", help="e.g. relu, sigmoid, tanh, step")
    p.add_argument("--input", required=True, help="e.g. 0.5,0.3")
    p.set_defaults(func=cmd_neuron, check=_check_neuron_options)

    add_inspect_command(sub)

    p = sub.add_parser("export", help="write a saved model as an ONNX model (for onnxruntime and other runtimes)",
                       description="Export a model file (from 'neuronkit train' or nk.save) to ONNX: the network, and "
                       "for a trained model its input preprocessing (scaler, imputation, one-hot columns), so that "
                       "the ONNX model takes the same raw columns as 'neuronkit predict'. A text model takes token "
                       "ids (the tokenizer stays in Python). Spiking models go to NIR.")
    p.add_argument("model", metavar="MODEL", help="a model file (.nkm)")
    p.add_argument("out", metavar="OUT", help="the ONNX file to write (e.g. model.onnx), in an existing folder")
    p.set_defaults(func=cmd_export, check=_check_export_options, needs=("safetensors",))

    p = sub.add_parser("simulate", help="run a spiking network described in a TOML/JSON file (or cuba): rates, "
                       "raster, report", description="Simulate a network of spiking populations (a .toml or .json "
                       "file: [network], [[population]], [[connection]], [record]; or the built-in cuba) and print, "
                       "per population, its neurons, spikes, mean rate ± s.d. across neurons, CV of the inter-spike "
                       "intervals and synchrony; optionally write a raster picture, an HTML report and the spikes.")
    p.add_argument("network", metavar="NET", help="a network file (.toml or .json, e.g. examples/cuba.toml) or a "
                   f"built-in network: {', '.join(BUILTIN_NETWORKS)}")
    p.add_argument("--duration", type=float, default=None, metavar="MS",
                   help=f"simulated time in ms (default: the file's [network] duration; {BUILTIN_DURATION:g} for cuba)")
    p.add_argument("--seed", type=int, default=None, help="random seed of connectivity, initial potentials and inputs "
                   "(default: the file's, else 0)")
    p.add_argument("--dt", type=float, default=None, metavar="MS", help="time step in ms (default: the file's)")
    p.add_argument("--record", action="append", default=[], metavar="POP:VAR",
                   help=f"also record a state variable, e.g. exc:v (the first {RECORD_NEURONS} neurons unless the "
                   "file's [record] neurons names them); repeat for more")
    p.add_argument("--window", type=float, default=None, metavar="MS",
                   help="keep only the last MS ms of spikes and states (bounded memory for long runs)")
    p.add_argument("--report", metavar="OUT.html", help="write a self-contained HTML report here")
    p.add_argument("--plot", metavar="OUT.png", help="draw the raster (excitatory blue, inhibitory red) and the rates "
                   "over time here")
    p.add_argument("--save-spikes", metavar="OUT.csv|OUT.json",
                   help="write every spike: CSV rows population,neuron,time_ms, or JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no header line")
    p.set_defaults(func=_cmd_simulate, check=_check_simulate_options)
    _add_tune_command(sub)
    return parser


# ----------------------------------------------------------------------------- dashboard
#: what ``neuronkit dashboard`` and ``train --dashboard`` need beyond the train extra (the [dashboard] extra)
DASHBOARD_MODULES = ("starlette", "uvicorn")
DASHBOARD_HOST = "127.0.0.1"
DASHBOARD_PORT = 8765
#: ``neuronkit dashboard`` options that set up a training run: not with MODEL (a trained model is explored)
_RUN_FLAGS = (("--dataset", "dataset"), ("--hidden", "hidden"), ("--activation", "activation"), ("--lr", "lr"),
              ("--epochs", "epochs"), ("--seed", "seed"), ("--out", "out"), ("--rate", "rate"))


def _check_dashboard_installed(command: str) -> None:
    """Starlette and uvicorn are installed, else the error naming ``pip install "neuronkit[dashboard]"``."""
    import importlib.util

    def installed(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a broken install, or an import blocker: not usable
            return False

    missing = [m for m in DASHBOARD_MODULES if not installed(m)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise MissingDependencyError(f"neuronkit {command} needs {' and '.join(missing)}, which {verb} not installed; "
                                     'install it with: pip install "neuronkit[dashboard]"')


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.x.x.x, ::1, localhost)?

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost: it may resolve to anything
        return False


def _check_server_options(args: argparse.Namespace, *, warn: bool = True) -> None:
    """``--port`` and ``--host`` (with ``warn``, a warning for a host other than this machine; ``serve`` gives
    its own)."""
    args.host = DASHBOARD_HOST if args.host is None else args.host
    args.port = DASHBOARD_PORT if args.port is None else _option(check_int, args.port, "--port", low=0, high=65535)
    if not args.host.strip():
        raise UsageError("--host is empty; give an address to listen on, e.g. 127.0.0.1 (this machine only)")
    if warn and not is_loopback(args.host):
        print(f"warning: --host {args.host} lets anyone who can reach this machine on the network open the "
              "dashboard (the token in the URL still guards it); leave --host out to keep it on this machine",
              file=sys.stderr)


def _check_dashboard_options(args: argparse.Namespace) -> None:
    _check_dashboard_installed("dashboard")
    _check_server_options(args, warn=False)
    if args.model is None:
        for flag, value in (("--lr", args.lr), ("--rate", args.rate)):
            if value is not None:
                _option(check_number, value, flag, low=0.0, low_open=True)
        if args.epochs is not None:
            _option(check_int, args.epochs, "--epochs", low=1)
        if args.seed is not None:
            _option(check_int, args.seed, "--seed", low=0)
        if args.out is not None:
            options.check_output_file(args.out, "--out")
        from .dashboard.session import RunConfig

        try:  # the settings a page could also give (RunConfig's ranges and choices)
            RunConfig.from_dict(_dashboard_config(args) or {})
        except ParameterError as exc:
            message = re.sub(r"^RunConfig (\w+)", lambda m: "--" + m.group(1), str(exc))
            raise UsageError(message.replace(" (upload a CSV file for upload:NAME)", "")) from None
        return
    path = Path(args.model)
    if not path.is_file():
        from .data.datasets import DATASETS

        where = "is a folder" if path.is_dir() else f"does not exist (in {Path.cwd()})"
        hint = (f"; to train on the dataset {args.model!r} from the page, run: neuronkit dashboard --dataset "
                f"{args.model}" if args.model in DATASETS and not path.exists() else "")
        raise UsageError(f"MODEL {args.model!r} {where}; give a model file written by 'neuronkit train' or nk.save"
                         f"{hint}")
    given = [flag for flag, key in _RUN_FLAGS if getattr(args, key) is not None]
    if given:
        raise UsageError(f"{', '.join(given)} {'sets' if len(given) == 1 else 'set'} up a training run; with MODEL "
                         f"the dashboard explores the trained model {args.model!r}. Leave {' and '.join(given)} out, "
                         "or leave out MODEL to train from the page")
    if args.data is not None:
        options.check_data(args.data, None)


def _dashboard_config(args: argparse.Namespace) -> dict[str, Any] | None:
    """The run's settings (a RunConfig dict) from the options given; None for the default run."""
    config = {key: getattr(args, key) for key in ("dataset", "activation", "lr", "epochs", "seed")
              if getattr(args, key) is not None}
    if args.hidden is not None:
        config["hidden"] = list(args.hidden)
    return config or None


def cmd_dashboard(args: argparse.Namespace) -> int:
    from .dashboard import server
    from .dashboard.session import Session

    server.bind(args.host, args.port).close()  # a busy port says so before a session starts (and trains)
    if args.model is not None:
        session = Session.explore(args.model, args.data)
    else:
        where = {} if args.out is None else {"out": args.out}
        session = Session.train(_dashboard_config(args), rate=args.rate or 20.0, **where)
    try:
        server.serve(session, host=args.host, port=args.port, open_browser=not args.no_browser, quiet=False)
    except KeyboardInterrupt:  # Ctrl-C: the server has stopped; close the session below
        pass
    finally:
        session.close()
    print("dashboard stopped", file=sys.stderr)
    return 0


def _train_dashboard(args: argparse.Namespace, data: Any, est: Any, out: Path) -> tuple[Any, Any]:
    """``train --dashboard``: start the server (a busy port fails here, before training) and return it with the
    callback that publishes the run to it (the replay written beside the model, OUT.nkreplay)."""
    from .dashboard import REPLAY_SUFFIX, Dashboard, Hub
    from .dashboard.server import BackgroundServer
    from .dashboard.views import run_info

    class CommandLineDashboard(Dashboard):
        """The run as the command line knows it: the dataset's name, feature names, classes, unscaled rows."""

        def on_train_begin(self, state: Any) -> None:
            raw = data.X_train if len(data.X_train) == len(state.X) else None
            if raw is None and np.ndim(state.X) == 2:  # --early-stopping held rows out: unscale those fit trains on
                raw = est.scaler_.inverse_transform(np.asarray(state.X, dtype=np.float64))
            self.data = {"X": state.X, "y": state.y, "X_val": state.X_val, "y_val": state.y_val, "X_raw": raw}
            classes = getattr(est, "classes_", None)
            self.info = run_info(state.model, self.data, dataset=data.name,
                                 feature_names=list(data.feature_names) if data.kind == "table" else None,
                                 classes=None if classes is None else [str(c) for c in classes], task=data.task,
                                 config={"command": "neuronkit train", "data": args.data, "epochs": args.epochs,
                                         "lr": args.lr, "optimizer": args.optimizer, "seed": args.seed})
            super().on_train_begin(state)

    hub = Hub(record=out.with_suffix(REPLAY_SUFFIX))  # digits.nkm -> digits.nkreplay
    background = BackgroundServer(hub, host=args.host, port=args.port)
    background.start()
    print(f"dashboard: {background.url}", file=sys.stderr)
    if not args.no_browser:
        background.open_browser()
    return background, CommandLineDashboard(hub)


def _wait_for_ctrl_c(background: Any) -> int:
    """After ``train --dashboard``: keep the page open until Ctrl-C (the model is already saved)."""
    import signal
    import time

    # Ctrl-C stops it even where SIGINT came ignored (started as a background job of a script), as it stops
    # `neuronkit dashboard`, whose server installs its own handler; set before the line that says so
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.stdout.flush()  # the results first, also through a pipe
    print(f"dashboard still open at {background.url}; press Ctrl-C to stop", file=sys.stderr)
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
        background.stop()
    print("dashboard stopped", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- running
#: failures a user can cause and mend (bad files, data, options; a diverging run): a message, exit code 1
USER_ERRORS: tuple[type[BaseException], ...] = (NeuronkitError, OSError)


def _interrupted(exc: KeyboardInterrupt, args: argparse.Namespace) -> str:
    """What Ctrl-C stopped, and how to go on from there."""
    if not isinstance(exc, TrainingInterrupted):
        return "interrupted"
    where = f"training interrupted at epoch {exc.epoch + 1}, step {exc.step}"
    if exc.checkpoint:
        return (f"{where}; checkpoint saved to {exc.checkpoint}. To go on from there, run the same command with "
                f"--resume {exc.checkpoint}")
    if getattr(args, "checkpoint", None):
        return f"{where}; no checkpoint was written yet (--checkpoint {args.checkpoint} is written after each epoch)"
    return f"{where}; progress was not saved; pass --checkpoint PATH to be able to resume"


def _failure(exc: Exception, command: str) -> tuple[int, str]:
    """The exit code and the one line for an exception a command raised."""
    module = (getattr(exc, "name", None) or "").split(".")[0] if isinstance(exc, ImportError) else ""
    if module in options.EXTRAS and not isinstance(exc, NeuronkitError):  # "No module named 'matplotlib'"
        return 1, f"neuronkit {command}: error: {options.missing_dependency_message([module], command, check=False)}"
    if isinstance(exc, MemoryError):
        return 1, (f"neuronkit {command}: error: out of memory; the data or the model is too large for this "
                   "machine (use a smaller file or model)")
    if isinstance(exc, USER_ERRORS):
        text = options.in_flags(str(exc) or type(exc).__name__)
        return (2 if isinstance(exc, UsageError) else 1), f"neuronkit {command}: error: {text}"
    return 1, (f"neuronkit hit a bug: {type(exc).__name__}: {exc}; rerun with --debug to see the traceback and "
               "report it")


def _run(args: argparse.Namespace) -> int:
    try:
        needs = options.missing_dependency_message(getattr(args, "needs", ()), args.command)
        if needs:
            raise MissingDependencyError(needs)
        if hasattr(args, "check"):  # every option, before anything is built or loaded
            args.check(args)
        if args.debug:
            return int(args.func(args) or 0)
        with np.errstate(all="ignore"), warnings.catch_warnings():  # numbers are reported in words, not warnings
            # The CLI matches a file's columns to the model's feature names itself (by name, or by
            # position for files without a header) and hands the estimator arrays: scikit-learn's
            # "X does not have valid feature names" warning would only repeat what was checked.
            warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)
            return int(args.func(args) or 0)
    except KeyboardInterrupt as exc:
        print(f"\n{_interrupted(exc, args)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output has gone (``| head``): main ends quietly
        raise
    except Exception as exc:
        if args.debug:
            raise
        code, message = _failure(exc, args.command)
        print(message, file=sys.stderr)
        return code


def _stdout_to_devnull() -> None:
    """After EPIPE, as the Python docs advise: later writes (and the flush at exit) go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (a test's capture): nothing to redirect
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(_attach_negative_values(parser, argv))  # argparse's usage errors exit with 2
    try:
        code = _run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        _stdout_to_devnull()
        return 0


# ---------------------------------------------------------------- train --sparsity
#: the spec tokens of layers with weights: --sparsity penalises what each one after the first reads
_WEIGHT_TOKENS = ("dense", "conv", "conv1d", "conv2d")


def _check_sparsity(args: argparse.Namespace, spiking: bool) -> None:
    """``--sparsity``: a number >= 0, for a network of dense or convolution layers with a hidden one."""
    from .layers.spec import parse_spec

    _option(check_number, args.sparsity, "--sparsity", low=0.0)
    if spiking:
        raise UsageError("--sparsity penalises the outputs of the hidden layers of a network trained by gradient "
                         "descent on real-valued activity; spiking neurons give spikes (0 or 1). Leave --sparsity out")
    if args.model is not None:
        try:
            tokens = [layer["layer"] for layer in parse_spec(args.model)]
        except NeuronkitError:
            return  # the spec's own message comes when the network is built
        if sum(token in _WEIGHT_TOKENS for token in tokens) < 2:
            raise UsageError(f"--sparsity penalises the outputs of hidden dense or conv layers; --model "
                             f"{args.model!r} has no such layer read by another one. Leave --sparsity out, or use "
                             "a network with a hidden layer, e.g. 'dense(64,relu),dense(out)'")


def _mlp_spec(args: argparse.Namespace) -> str:
    """The perceptron of --hidden, --activation and --dropout as a spec (the estimators' MLP: Glorot-normal)."""
    hidden = []
    for width in args.hidden or (100,):
        hidden.append(f"dense({width},{args.activation},init=glorot_normal)")
        if args.dropout:
            hidden.append(f"dropout({args.dropout!r})")
    return ",".join([*hidden, "dense(out,init=glorot_normal)"])


def _with_activity_l1(spec: str, weight: float) -> str:
    """``spec`` with ``activity_l1(weight)`` before every dense or conv layer but the first (what each one reads).

    >>> _with_activity_l1("dense(64,relu),dropout(0.2),dense(out)", 0.001)
    'dense(64,relu),dropout(0.2),activity_l1(0.001),dense(out)'
    """
    from .layers.spec import format_layer, parse_spec

    layers, seen = [], 0
    for layer in parse_spec(spec):
        if layer["layer"] in _WEIGHT_TOKENS:
            if seen:
                layers.append({"layer": "activity_l1", "weight": weight})
            seen += 1
        layers.append(layer)
    return ",".join(format_layer(layer) for layer in layers)


# ----------------------------------------------------------------------------- tune
def _add_tune_command(sub: Any) -> None:
    """``neuronkit tune DATA``: its parser (an Optuna study, :mod:`neuronkit.tuning`)."""
    p = sub.add_parser("tune", help="search architectures and training settings with Optuna (several workers can "
                       "share one study)", description="Run an Optuna study over hidden layers, activation, learning "
                       "rate, batch size, L2, dropout and optimiser, scored by the validation score minus "
                       "--health-weight times the share of dead or saturated neurons; prints the trials and the "
                       "best. Start the same command in several processes or machines with one --storage and "
                       "--study-name to share the study.")
    p.add_argument("data", metavar="DATA", help="a bundled dataset (iris, wine, digits, ...) or a CSV file")
    p.add_argument("--target", help="CSV: the target column (default: the last column)")
    p.add_argument("--trials", type=int, default=20, metavar="N", help="trials this process runs (default 20)")
    p.add_argument("--timeout", type=float, default=None, metavar="S", help="start no trial after S seconds")
    p.add_argument("--storage", metavar="URL", help="the shared study: a database URL (sqlite:///tune.db) or a "
                   "journal file path (default: in memory, this process only)")
    p.add_argument("--study-name", metavar="NAME", help="the study to create or join in --storage (default "
                   "neuronkit)")
    p.add_argument("--seed", type=int, default=None, help="seed of the sampler, the split and the networks: a "
                   "single-worker study repeats (give each worker its own)")
    p.add_argument("--health-weight", type=float, default=0.1, metavar="W", help="objective = validation score - "
                   "W x share of dead or saturated neurons (default 0.1)")
    p.add_argument("--epochs", type=int, default=30, metavar="N", help="epochs per trial (default 30)")
    p.add_argument("--space", metavar="JSON", help="the search space to change, as JSON or a .json file, e.g. "
                   '\'{"layers": 2, "activation": ["relu", "swish"], "lr": {"low": 0.001, "high": 0.1}}\'')
    p.add_argument("--out", help="write the best model here (a model file, as neuronkit train writes)")
    p.set_defaults(func=cmd_tune, check=_check_tune_options, needs=("sklearn", "safetensors", "optuna"))


def _tune_space(text: str | None) -> dict[str, Any] | None:
    """``--space``: JSON text, or the path of a .json file holding it; an object of parameter -> value."""
    import json

    if text is None:
        return None
    source = Path(text) if text.strip().endswith(".json") and not text.lstrip().startswith("{") else None
    try:
        space = json.loads(source.read_text(encoding="utf-8") if source is not None else text)
    except OSError as exc:
        raise UsageError(f"--space {text!r} cannot be read: {exc.strerror or exc}; give JSON or a .json file") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--space is not valid JSON ({exc}); give e.g. '{{\"layers\": 2, \"lr\": 0.01}}'") from None
    if not isinstance(space, dict):
        raise UsageError(f"--space must be a JSON object of parameter -> value; got {type(space).__name__}")
    return space


def _check_tune_options(args: argparse.Namespace) -> None:
    from .tuning import SearchSpace

    _option(check_int, args.trials, "--trials", low=1)
    if args.timeout is not None:
        _option(check_number, args.timeout, "--timeout", low=0.0, low_open=True)
    _option(check_int, args.epochs, "--epochs", low=1)
    _option(check_number, args.health_weight, "--health-weight", low=0.0)
    if args.seed is not None:
        _option(check_int, args.seed, "--seed", low=0)
    if args.study_name is not None and not args.study_name.strip():
        raise UsageError("--study-name is empty; give the name of the study, e.g. --study-name iris-search")
    args.space = _tune_space(args.space)
    try:
        SearchSpace(args.space)
    except ParameterError as exc:
        raise UsageError(f"--space: {exc}") from None
    options.check_data(args.data, args.target)
    if args.out:
        options.check_output_file(args.out, "--out")


def cmd_tune(args: argparse.Namespace) -> int:
    from .data import prepare_training
    from .io import save
    from .tuning import tune

    # the test rows are the same for every worker of a study, whatever its --seed (which seeds its sampler)
    data = prepare_training(args.data, target=args.target, seed=0, max_bytes=None)
    _notes(data.notes)
    print(f"tuning on {data.name}: {len(data.X_train)} samples ({len(data.X_test)} more held out for testing), "
          f"{args.trials} trials of {args.epochs} epochs", file=sys.stderr)
    result = tune((data.X_train, data.y_train), task=data.task, space=args.space, trials=args.trials,
                  timeout=args.timeout, storage=args.storage, study_name=args.study_name, seed=args.seed,
                  health_weight=args.health_weight, epochs=args.epochs)
    print(result)
    est = result.best_model
    est.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
    test_metrics = _metrics(est, data.X_test, data.y_test)
    print(f"test (best model): {_format_metrics(test_metrics)}")
    if args.out:
        est.training_data_ = {**data.record, "test_metrics": test_metrics}
        save(est, args.out)
        print(f"best model saved to {args.out}")
    return 0




# ----------------------------------------------------------------------------- export
def _check_export_options(args: argparse.Namespace) -> None:
    """onnx installed, MODEL a file, OUT a file in an existing folder."""
    if options.missing_dependency_message(["onnx"], "export") is not None:
        raise MissingDependencyError('neuronkit export needs onnx, which is not installed; install it with: pip '
                                     'install "neuronkit[onnx]"')
    model = Path(args.model)
    if not model.is_file():
        where = "is a folder" if model.is_dir() else f"does not exist (in {Path.cwd()})"
        raise UsageError(f"MODEL {args.model!r} {where}; give a model file written by 'neuronkit train' or nk.save")
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"OUT {args.out!r} is a folder; give the path of a file to write, e.g. {out / 'model.onnx'}")
    if not out.parent.is_dir():
        raise UsageError(f"OUT {args.out!r}: the folder {str(out.parent)!r} does not exist; create it first, or give "
                         "a path in an existing folder")


def cmd_export(args: argparse.Namespace) -> int:
    from .io import export_onnx, load

    model = export_onnx(load(args.model), args.out)
    print(f"ONNX model written to {args.out} (opset {model.opset_import[0].version})")
    for what, values in (("inputs", model.graph.input), ("outputs", model.graph.output)):
        shown = ", ".join(f"{v.name} {_onnx_type(v)}" for v in values)
        print(f"{what}: {shown}")
    return 0


def _onnx_type(value: Any) -> str:
    """``float32 [N, 4]``: a graph input's or output's element type and shape."""
    from onnx import helper

    tensor = value.type.tensor_type
    dims = ", ".join(d.dim_param or str(d.dim_value) for d in tensor.shape.dim)
    return f"{helper.tensor_dtype_to_np_dtype(tensor.elem_type).name.replace('object', 'string')} [{dims}]"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
