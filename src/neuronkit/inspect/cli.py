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


def add_inspect_command(subparsers: Any) -> None:
    """Register ``inspect`` on the ``neuronkit`` command's subparsers."""
    p = subparsers.add_parser(
        "inspect", help="neuron health, attributions and pictures of a saved model on data",
        description="Print the neuron health report of a saved model on a dataset, and write PNG pictures and a "
                    "self-contained HTML report (report.html) into a folder.")
    p.add_argument("model", metavar="MODEL", help="a model file written by 'neuronkit train' or nk.save")
    p.add_argument("data", metavar="DATA", help="digits, iris, wine, breast_cancer, diabetes, or a CSV path")
    p.add_argument("--target", help="CSV: the target column (default: the last column)")
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
    from ..data import check_features, load_data, targets_for
    from ..io import load
    from .report import write_report

    model_path = Path(args.model)
    model = load(model_path)
    dataset = load_data(args.data, args.target)
    check_features(model, model_path, dataset, "inspect")
    y = targets_for(model, dataset)
    out = Path(args.out) if args.out else Path(f"inspect-{model_path.stem}")
    files = write_report(model, dataset.X, y, out_dir=out, image_shape=args.image_shape,
                         title=f"{model_path.name} on {dataset.name}")
    print(files.health)
    for note in files.notes:
        print(note)
    print(f"wrote {files.html} and {len(files.images)} pictures ({', '.join(p.name for p in files.images.values())}) "
          f"to {files.folder}/", file=sys.stdout)
    return 0
