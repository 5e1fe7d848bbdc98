"""Data for a model, as the command line names it: a dataset name or a CSV path; its targets in the
model's terms; its feature count checked against the model's.

These helpers serve every command that takes ``DATA`` (``train``, ``evaluate``,
``inspect``); they live here, below the command line, so that no command
module imports another.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError, ParameterTypeError
from ..validation import must_be
from .csv import load_csv
from .dataset import Dataset
from .datasets import BUNDLED, DATASETS, load


def load_data(spec: str | os.PathLike[str], target: str | None = None) -> Dataset:
    """A dataset by name (see :func:`neuronkit.datasets.available`), or a CSV file by path.

    ``target`` names a CSV file's label column (default: its last column); a
    named dataset has its own. A name wins over a file of the same name unless
    the name ends in ``.csv``.

    >>> load_data("moons").n_samples
    200
    """
    if not isinstance(spec, (str, os.PathLike)):
        raise ParameterTypeError(must_be("data", "a dataset name or the path of a CSV file", spec))
    path = Path(spec)
    if isinstance(spec, str) and path.suffix.lower() != ".csv" and spec in DATASETS:
        if target is not None:
            raise ParameterError(f"target {target!r} is for CSV files; the dataset {spec!r} has its own target")
        return load(spec)
    if path.suffix.lower() == ".csv" or path.exists():
        return load_csv(path, target=target)
    raise DataError(f"{str(spec)!r} is neither a dataset ({', '.join(BUNDLED)}, or a generated one: "
                    f"{', '.join(n for n in DATASETS if n not in BUNDLED)}) nor a CSV file (no such file in "
                    f"{Path.cwd()})")


def targets_for(model: Any, dataset: Dataset) -> np.ndarray:
    """The dataset's targets in the model's terms: labels for a classifier estimator (each one the model
    knows), class indices or values otherwise."""
    classes = getattr(model, "classes_", None)
    if dataset.task != "classification" or classes is None or dataset.classes is None:
        return dataset.y
    labels, classes = dataset.targets(), np.asarray(classes)
    if labels.dtype != classes.dtype and labels.dtype.kind in "US" and classes.dtype.kind in "iu":
        try:
            labels = labels.astype(classes.dtype)
        except ValueError:  # text labels that are not numbers: reported as unknown below
            pass
    unknown = sorted(set(labels.tolist()) - set(classes.tolist()), key=str)
    if unknown:
        raise DataError(f"the data has labels the model was not trained on: {unknown[:5]}; the model's "
                        f"classes are {classes.tolist()}")
    return labels


def check_features(model: Any, model_path: Any, dataset: Dataset, doing: str) -> None:
    """The dataset has as many feature columns as the model takes (else a message saying what to do)."""
    n_in = getattr(model, "n_features_in_", None) or getattr(getattr(model, "network_", model), "in_features", None)
    if n_in is not None and dataset.X.shape[1] != n_in:
        raise DataError(f"{dataset.name} has {dataset.X.shape[1]} features but the model {model_path} takes {n_in}; "
                        f"{doing} it on the kind of data it was trained on")
