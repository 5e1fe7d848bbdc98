"""``neuronkit inspect MODEL DATA``: the health report on the terminal, the pictures and an HTML report on disk.

Registered into the main command line by :func:`add_inspect_command` (:mod:`neuronkit.cli`
imports this module, never the reverse: the ``DATA`` helpers both use live in
:mod:`neuronkit.data`). The handler raises neuronkit's errors for bad input;
``neuronkit.cli.main`` turns them into one-line messages and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError


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
    p.set_defaults(func=cmd_inspect)


def cmd_inspect(args: argparse.Namespace) -> int:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError('neuronkit inspect draws with matplotlib; install it with: '
                                     'pip install "neuronkit[plot]"') from None
    matplotlib.use("Agg")  # a command-line run is headless
    from ..data import prepare_evaluation
    from ..io import load, read_model_file
    from .report import write_report

    model_path = Path(args.model)
    model = load(model_path)
    record = getattr(model, "training_data_", None)
    if record is None and hasattr(model, "_model_file"):  # transitional: read it from the file's metadata
        record = read_model_file(model_path)[0].get("training_data")
    data = prepare_evaluation(model, args.data, training_data=record, target=args.target, all_rows=args.all_rows,
                              unknown=args.unknown_category, max_bytes=args.max_csv_mb, model_path=model_path)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"inspecting on {data.rows}")
    out = Path(args.out) if args.out else Path(f"inspect-{model_path.stem}")
    files = write_report(model, data.X, data.y, out_dir=out, image_shape=args.image_shape,
                         title=f"{model_path.name} on {data.name}")
    print(files.health)
    for note in files.notes:
        print(note)
    print(f"wrote {files.html} and {len(files.images)} pictures ({', '.join(p.name for p in files.images.values())}) "
          f"to {files.folder}/", file=sys.stdout)
    return 0
