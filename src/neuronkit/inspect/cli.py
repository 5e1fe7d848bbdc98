"""``neuronkit inspect MODEL DATA``: the health report on the terminal, the pictures and an HTML report on disk.

Registered into the main command line by :func:`add_inspect_command` (:mod:`neuronkit.cli`
imports this module, never the reverse: the ``DATA`` helpers both use live in
:mod:`neuronkit.data`). The handler raises neuronkit's errors for bad input;
``neuronkit.cli.main`` turns them into one-line messages and exit code 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import _cli_options as options
from ..errors import MissingDependencyError, UsageError


def _image_shape(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be HEIGHTxWIDTH, e.g. 8x8; got {text!r}") from None
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"must be positive, e.g. 8x8; got {text!r}")
    return h, w


def megabytes(text: str) -> int:
    """``--max-csv-mb``: MiB as a number of bytes."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of MiB > 0, e.g. 1024; got {text!r}")
    return int(value * 2**20)


def add_data_options(p: argparse.ArgumentParser, *, rows: bool) -> None:
    """The options of a command that reads DATA for a saved model (``evaluate``, ``inspect``, ``predict``)."""
    if rows:
        p.add_argument("--all-rows", action="store_true",
                       help="use every row, even when the model records which rows were held out at training")
    p.add_argument("--unknown-category", choices=["error", "zeros"], default="error",
                   help="a category the model did not see at training: an error (default) or all zeros")
    p.add_argument("--max-csv-mb", type=megabytes, default=None, help="largest CSV file read, in MiB (default 256)")


def add_inspect_command(subparsers: Any) -> None:
    """Register ``inspect`` on the ``neuronkit`` command's subparsers."""
    p = subparsers.add_parser(
        "inspect", help="neuron health, attributions and pictures of a saved model on data",
        description="Print the neuron health report of a saved model on a dataset, and write PNG pictures and a "
                    "self-contained HTML report (report.html) into a folder.")
    p.add_argument("model", metavar="MODEL", help="a model file written by 'neuronkit train' or nk.save")
    p.add_argument("data", metavar="DATA", help="digits, iris, wine, breast_cancer, diabetes, or a CSV path")
    p.add_argument("--target", help="CSV: the target column (default: the one the model was trained on)")
    add_data_options(p, rows=True)
    p.add_argument("--out", help="folder for report.html and the PNGs (default: inspect-<model name>/)")
    p.add_argument("--image-shape", type=_image_shape, default=None,
                   help="draw samples as HEIGHTxWIDTH images (default: 8x8 for 64 features)")
    p.add_argument("--dt", type=float, default=None, metavar="MS",
                   help="spiking models: the milliseconds one time step stands for (rates also in Hz, times in ms)")
    p.add_argument("--features", choices=["sae"], default=None,
                   help="sae: train a sparse autoencoder on --layer's activations and add its features, ranked by "
                        "class selectivity and compared with the layer's neurons (printed and in the report)")
    p.add_argument("--layer", metavar="L", help="the hidden Dense layer of the autoencoder and of the contributions "
                   "(default: the first)")
    p.add_argument("--sae-width", type=int, default=None, metavar="N",
                   help="with --features sae: the autoencoder's features (default 4 x the layer's neurons)")
    p.add_argument("--sae-l1", type=float, default=None, metavar="W",
                   help="with --features sae: the weight of the L1 penalty on the features (default 0.001)")
    p.add_argument("--seed", type=int, default=None, help="the seed of the autoencoder and of any sampling (default 0)")
    p.set_defaults(func=cmd_inspect, check=check_inspect_options, needs=("matplotlib", "safetensors"))


def _out_folder(args: argparse.Namespace) -> Path:
    return Path(args.out) if args.out else Path(f"inspect-{Path(args.model).stem}")


def check_inspect_options(args: argparse.Namespace) -> None:
    """``DATA``, ``--target`` and the output folder, before the model or the data is read."""
    options.check_data(args.data, args.target)
    options.check_output_folder(str(_out_folder(args)), "--out" if args.out else "the default --out")
    if args.dt is not None and not (args.dt > 0 and np.isfinite(args.dt)):
        raise UsageError(f"--dt is the milliseconds of one time step of a spiking model: a number > 0, e.g. 1; got "
                         f"{args.dt:g}")
    _check_feature_options(args)


def _check_feature_options(args: argparse.Namespace) -> None:
    """``--sae-width`` and ``--sae-l1`` go with ``--features sae``: a width >= 1 and a weight >= 0."""
    given = [f"{flag} {value:g}" for flag, value in (("--sae-width", args.sae_width), ("--sae-l1", args.sae_l1))
             if value is not None]
    if given and args.features != "sae":
        verb = "set" if len(given) > 1 else "sets"
        raise UsageError(f"{' and '.join(given)} {verb} the sparse autoencoder of --features sae; add --features "
                         f"sae, or leave out {' and '.join(given)}")
    if args.sae_width is not None and args.sae_width < 1:
        raise UsageError(f"--sae-width is the number of the autoencoder's features: an integer >= 1, e.g. 32 (default "
                         f"4 x the layer's neurons); got {args.sae_width}")
    if args.sae_l1 is not None and not (args.sae_l1 >= 0 and np.isfinite(args.sae_l1)):
        raise UsageError(f"--sae-l1 is the weight of the autoencoder's L1 penalty: a finite number >= 0, e.g. 0.001; "
                         f"got {args.sae_l1:g}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be an integer >= 0; got {args.seed}")


def _feature_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of write_report that --features, --layer, --sae-width, --sae-l1 and --seed give (only those
    given: the report's own defaults stand for the rest)."""
    given = {"features": args.features, "layer": args.layer, "sae_width": args.sae_width, "sae_l1": args.sae_l1,
             "seed": args.seed}
    return {key: value for key, value in given.items() if value is not None}


def _check_image_shape(image_shape: tuple[int, int] | None, n_features: int) -> None:
    if image_shape is not None and image_shape[0] * image_shape[1] != n_features:
        h, w = image_shape
        raise UsageError(f"--image-shape {h}x{w} holds {h * w} pixels but the data has {n_features} features; "
                         "give HEIGHTxWIDTH with HEIGHT × WIDTH = the number of features, or leave it out")


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder on the way to ``folder`` that does not exist yet (what writing would create)."""
    missing = None
    for path in (folder, *folder.parents):
        if path.exists() or path.is_symlink():
            break
        missing = path
    return missing


def _write(write_report: Any, model: Any, X: Any, y: Any, out: Path, **report_options: Any) -> Any:
    """``write_report``, leaving no folder behind when it fails (or is interrupted) in one it created."""
    created = _first_missing(out)
    try:
        return write_report(model, X, y, out_dir=out, **report_options)
    except BaseException:
        if created is not None and created.is_dir():
            shutil.rmtree(created, ignore_errors=True)
        raise


def cmd_inspect(args: argparse.Namespace) -> int:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError('neuronkit inspect draws with matplotlib; install it with: '
                                     'pip install "neuronkit[plot]"') from None
    matplotlib.use("Agg")  # a command-line run is headless
    from ..data import prepare_evaluation
    from ..io import load
    from .report import write_report

    model_path = Path(args.model)
    model = load(model_path)
    if args.layer is not None or args.features == "sae":
        options.check_hidden_layer(model, args.layer, reader="the autoencoder and the contributions read",
                                   fix="leave out --features sae" if args.features else "leave out --layer")
    data = prepare_evaluation(model, args.data, training_data=getattr(model, "training_data_", None),
                              target=args.target, all_rows=args.all_rows, unknown=args.unknown_category,
                              max_bytes=args.max_csv_mb, model_path=model_path)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.image_shape is not None:  # only for rows of features (an image model knows its input shape)
        X = np.asarray(data.X)
        if X.ndim != 2 or getattr(model, "input_shape_", None) is not None or getattr(model, "tokenizer_", None):
            raise UsageError("--image-shape draws rows of features as images; this model takes images or texts of "
                             "its own shape: leave --image-shape out")
        _check_image_shape(args.image_shape, X.shape[1])
    print(f"inspecting on {data.rows}")
    report_options: dict[str, Any] = {"image_shape": args.image_shape, "title": f"{model_path.name} on {data.name}"}
    if args.dt is not None:
        if not getattr(next(iter(getattr(model, "network_", model))), "makes_time_axis", False):
            raise UsageError("--dt gives the time steps of a spiking model in ms; this model has no time steps: leave "
                             "--dt out")
        report_options["dt"] = args.dt
    report_options.update(_feature_options(args))
    names = getattr(model, "feature_names_in_", None)  # the model's features, in its order
    names = getattr(data, "feature_names", None) if names is None else names
    if names is not None:
        report_options["feature_names"] = [str(n) for n in names]  # plots label features by name
    files = _write(write_report, model, data.X, data.y, _out_folder(args), **report_options)
    print(files.health)
    for note in files.notes:
        print(note)
    if args.features == "sae":
        print(files.sae)  # the ranked features and the neuron-vs-feature comparison
    print(f"wrote {files.html} and {len(files.images)} pictures ({', '.join(p.name for p in files.images.values())}) "
          f"to {files.folder}/", file=sys.stdout)
    return 0
