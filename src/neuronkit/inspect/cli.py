"""``neuronkit inspect MODEL DATA``: the health report on the terminal, the pictures and an HTML report on disk.

Registered into the main command line by :func:`add_inspect_command`. The
handler raises ordinary exceptions (ValueError, FileNotFoundError, …) for bad
input; ``neuronkit.cli.main`` turns them into one-line messages and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np


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


def _targets_for(model: Any, dataset: Any) -> np.ndarray:
    """The dataset's targets in the model's terms: labels for an estimator, class indices for a network."""
    if dataset.task == "classification" and getattr(model, "classes_", None) is not None \
            and dataset.classes is not None:
        labels = np.asarray(dataset.classes)[dataset.y]
        classes = np.asarray(model.classes_)
        if labels.dtype != classes.dtype and labels.dtype.kind in "US" and classes.dtype.kind in "iu":
            labels = labels.astype(classes.dtype)
        unknown = sorted(set(labels.tolist()) - set(classes.tolist()), key=str)
        if unknown:
            raise ValueError(f"the data has labels the model was not trained on: {unknown[:5]}; the model's "
                             f"classes are {classes.tolist()}")
        return labels
    return dataset.y


def cmd_inspect(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # a command-line run is headless
    from ..cli import load_data
    from ..io import load
    from .report import write_report

    model_path = Path(args.model)
    model = load(model_path)
    dataset = load_data(args.data, args.target)
    n_in = getattr(model, "n_features_in_", None) or getattr(getattr(model, "network_", model), "in_features", None)
    if n_in is not None and dataset.X.shape[1] != n_in:
        raise ValueError(f"{dataset.name} has {dataset.X.shape[1]} features but the model {model_path} takes {n_in}; "
                         "inspect it on the kind of data it was trained on")
    y = _targets_for(model, dataset)
    out = Path(args.out) if args.out else Path(f"inspect-{model_path.stem}")
    files = write_report(model, dataset.X, y, out_dir=out, image_shape=args.image_shape,
                         title=f"{model_path.name} on {dataset.name}")
    print(files.health)
    for note in files.notes:
        print(note)
    print(f"wrote {files.html} and {len(files.images)} pictures ({', '.join(p.name for p in files.images.values())}) "
          f"to {files.folder}/", file=sys.stdout)
    return 0
