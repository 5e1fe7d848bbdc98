"""Data for a model, as the command line names it: a dataset name or a CSV path, read for training
(:func:`prepare_training`), for scoring a saved model (:func:`prepare_evaluation`) or for predicting
(:func:`prepare_prediction`).

These helpers serve every command that takes ``DATA`` (``train``, ``evaluate``,
``inspect``, ``predict``); they live here, below the command line, so that no
command module imports another. Their messages name the command-line flags
(``--target``, ``--test-size``, …).

A model trained by ``neuronkit train`` keeps a record of its data
(``training_data_``, see :func:`~neuronkit.data.preprocess.check_training_data`):
its input columns, target, task, preprocessing and the held-out split. Scoring
selects the features and the target by those names, and uses the held-out rows
again when the data is the same (same checksum).

Besides tables, ``DATA`` may hold images or texts (:func:`input_kind` tells which):
a folder of images in class sub-folders (:func:`~neuronkit.data.load_image_folder`),
the image datasets (``mnist5k``; ``digits`` as 8x8 images for a model given by
``--model``), a CSV file's text column (``--text-column``) or a text dataset
(``topics``). Their features are arrays (N, C, H, W) of pixels in [0, 1] or arrays of
texts, and the record's ``inputs`` entry says how to read such data again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, ModelFileError, ParameterError, ParameterTypeError
from ..validation import must_be
from .csv import Table, choose_features, column_index, encode_target, is_continuous, load_csv, read_table
from .dataset import Dataset, Task
from .datasets import BUNDLED, DATASETS, load
from .preprocess import Recipe, check_training_data
from .split import split_indices

#: the datasets that can be loaded as images (``load(name, images=True)``)
IMAGE_DATASETS = ("digits", "mnist5k")
#: the colour modes of an image folder (channels 1, 3 and 4)
COLORS = ("grayscale", "rgb", "rgba")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _is_dataset_name(spec: Any) -> bool:
    return isinstance(spec, str) and Path(spec).suffix.lower() != ".csv" and spec in DATASETS


def load_data(spec: str | os.PathLike[str], target: str | None = None, *, max_bytes: int | None = None,
              ) -> Dataset:
    """A dataset by name (see :func:`neuronkit.datasets.available`), or a CSV file by path.

    ``target`` names a CSV file's label column (default: its last column); a
    named dataset has its own. A name wins over a file of the same name unless
    the name ends in ``.csv``.

    >>> load_data("moons").n_samples
    200
    """
    if not isinstance(spec, (str, os.PathLike)):
        raise ParameterTypeError(must_be("data", "a dataset name or the path of a CSV file", spec))
    if _is_dataset_name(spec):
        if target is not None:
            raise ParameterError(f"target {target!r} is for CSV files; the dataset {spec!r} has its own target")
        return load(str(spec))
    return load_csv(_csv_path(spec), target=target, max_bytes=max_bytes)


def _csv_path(spec: str | os.PathLike[str]) -> Path:
    path = Path(spec)
    if path.suffix.lower() == ".csv" or os.path.lexists(path):
        return path
    raise DataError(f"{str(spec)!r} is neither a dataset ({', '.join(BUNDLED)}, or a generated one: "
                    f"{', '.join(n for n in DATASETS if n not in BUNDLED)}) nor a CSV file (no such file in "
                    f"{Path.cwd()})")


def dataset_checksum(dataset: Dataset) -> str:
    """sha256 of a dataset's features (float32) and targets: the same data gives the same checksum.

    A model records it with its held-out split, so scoring can tell the same data from other data.

    >>> import dataclasses
    >>> moons = load_data("moons")
    >>> checksum = dataset_checksum(moons)
    >>> len(checksum), checksum == dataset_checksum(load_data("moons"))
    (64, True)
    >>> moved = dataclasses.replace(moons, X=moons.X + 1)  # one change in the features ...
    >>> dataset_checksum(moved) == checksum                # ... and the checksum differs
    False
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([list(dataset.X.shape), dataset.task]).encode())
    digest.update(np.ascontiguousarray(dataset.X, dtype=np.float32).tobytes())
    digest.update(json.dumps(np.asarray(dataset.targets()).tolist(), default=str).encode())
    return digest.hexdigest()


def table_from_dataset(dataset: Dataset) -> Table:
    """A dataset as a :class:`~neuronkit.data.csv.Table`: its features by name and its target column.

    Numeric columns are float64 and text labels are ``str``, as if read from a CSV file; rows are
    numbered from 1 (``row 1``), and ``sha256`` is :func:`dataset_checksum`.

    >>> table = table_from_dataset(load_data("iris"))
    >>> table.header[-1], table.n_rows, table.kind, table.line(0)
    ('species', 150, 'dataset', 'row 1')
    >>> table.columns["species"][[0, 50, 100]].tolist(), table.columns["petal width (cm)"].dtype
    (['setosa', 'versicolor', 'virginica'], dtype('float64'))
    """
    names = list(dataset.feature_names or [])
    columns = {name: dataset.X[:, j].astype(np.float64) for j, name in enumerate(names)}
    target = dataset.target_name if dataset.target_name not in columns else f"{dataset.target_name} (target)"
    labels = np.asarray(dataset.targets())
    columns[target] = labels.astype(np.float64) if labels.dtype.kind in "iufb" else \
        np.array([str(v) for v in labels], dtype=object)
    return Table(dataset.name, [*names, target], columns, dataset_checksum(dataset), kind="dataset",
                 notes=tuple(dataset.notes))


def load_table(spec: Any, *, target: str | None = None, max_bytes: int | None = None,
               text_columns: Any = ()) -> tuple[Table, str | None, Task | None]:
    """``(table, target, task)``: a dataset (its own target and task) or a CSV file (``target`` if given,
    checked against the header; the task undecided).

    >>> import pathlib, tempfile
    >>> table, target, task = load_table("iris")
    >>> table.n_rows, target, task
    (150, 'species', 'classification')
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "pets.csv"
    ...     _ = path.write_text("weight,kind\\n4.0,cat\\n30.5,dog\\n")
    ...     table, target, task = load_table(path, target="kind")
    ...     load_table(path, target="knd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: ...pets.csv: no column named 'knd' for the target; ... Did you mean 'kind'? ...
    >>> table.header, target, task
    (['weight', 'kind'], 'kind', None)
    """
    if not isinstance(spec, (str, os.PathLike)):
        raise ParameterTypeError(must_be("data", "a dataset name or the path of a CSV file", spec))
    if _is_dataset_name(spec):
        if target is not None:
            raise ParameterError(f"target {target!r} is for CSV files; the dataset {spec!r} has its own target")
        dataset = load(str(spec))
        table = table_from_dataset(dataset)
        return table, table.header[-1], dataset.task
    table = read_table(_csv_path(spec), max_bytes=max_bytes, text_columns=text_columns)
    if target is not None:
        column_index(table.header, target, table.where, advice="Pass --target one of these.")
    return table, target, None


# ----------------------------------------------------------------------------- training
@dataclass
class TrainingData:
    """What ``neuronkit train`` fits on: the split features and targets, and the record the model keeps."""

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    task: Task
    feature_names: list[str]
    record: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    kind: str = "table"  # "table", "images" (X (n, C, H, W)) or "text" (X an object array of texts)

    @property
    def n_classes(self) -> int | None:
        """The classes among the training rows (None for regression)."""
        return None if self.task == "regression" else len(np.unique(self.y_train))


def prepare_training(spec: Any, *, target: str | None = None, task: Task | None = None,
                     categorical: str | None = None, impute: str | None = None, test_size: float = 0.2,
                     seed: int = 0, max_bytes: int | None = None, kind: str = "table",
                     text_column: str | None = None, image_size: tuple[int, int] | None = None,
                     color: str = "grayscale", min_count: int = 1, max_len: int | None = None,
                     encoding: str | None = None) -> TrainingData:
    """Read ``spec``, decide the task, split off the test rows (stratified for classes; every class on
    both sides) and fit the preprocessing on the training rows.

    The test rows of each class are drawn in proportion, as
    :func:`sklearn.model_selection.train_test_split` does with ``stratify=y``. A
    class missing from the training rows, or from the test rows although it has
    two or more rows, is refused with the counts and what to do.

    >>> import numpy as np
    >>> data = prepare_training("iris", test_size=0.2, seed=0)
    >>> data.X_train.shape, data.X_test.shape, data.task, data.n_classes
    ((120, 4), (30, 4), 'classification', 3)
    >>> sorted(np.unique(data.y_test, return_counts=True)[1].tolist())  # stratified: 10 of each species
    [10, 10, 10]
    >>> data.record["target"], data.record["split"]["n_test"], data.record["split"]["sha256"][:12]
    ('species', 30, 'a30dee1f7704')

    ``kind`` (see :func:`input_kind`) ``"images"`` reads an image folder (``image_size``
    (height, width) resizes every image, ``color`` is its colour mode) or an image dataset;
    ``"text"`` a text dataset or the ``text_column`` of a CSV file (``encoding``; ``target``
    default: its last other column). ``min_count`` and ``max_len`` go to the record for the
    tokenizer, which the model fits on the training texts only:

    >>> texts = prepare_training("topics", kind="text", seed=0)
    >>> texts.X_train.shape, texts.X_train[0][:24], texts.record["inputs"]["text_column"]
    ((777,), 'The Moon looks enormous ', 'text')
    """
    if kind == "images":
        return _training_images(spec, test_size=test_size, seed=seed, size=image_size, color=color,
                                max_bytes=max_bytes)
    if kind == "text":
        return _training_texts(spec, text_column=text_column, target=target, test_size=test_size, seed=seed,
                               min_count=min_count, max_len=max_len, encoding=encoding, max_bytes=max_bytes)
    table, target, dataset_task = load_table(spec, target=target, max_bytes=max_bytes)
    target = target or table.header[-1]
    columns = [name for name in table.header if name != target]
    if not columns:
        raise DataError(f"{table.where}: the only column is the target {target!r}; there are no feature columns "
                        "to learn from.")
    Recipe.check(table, columns, categorical=categorical, impute=impute)
    y, classes, task, note = encode_target(table, target, task or dataset_task, flag="--task ")
    stratify = task == "classification"
    n = table.n_rows
    try:
        train, test = split_indices(n, test_size, labels=y if stratify else None, seed=seed)
    except ParameterError as exc:
        raise DataError(f"{table.where}: --test-size {test_size} cannot split its {n} rows: "
                        f"{str(exc).split('; ', 1)[-1]}") from None
    if classes is not None:
        _check_classes_on_both_sides(table, classes, y, train, test, test_size)
    recipe = Recipe.fit(table, columns, train, categorical=categorical, impute=impute)
    X = recipe.transform(table)
    targets = np.asarray(classes)[y] if classes is not None else y
    record = {"source": table.path.name if table.path is not None else table.name, "source_kind": table.kind,
              "target": target, "task": task, "columns": columns, "preprocess": recipe.to_dict(),
              "split": {"seed": int(seed), "test_size": test_size, "stratify": stratify, "n_rows": n,
                        "n_test": int(len(test)), "sha256": table.sha256},
              "test_metrics": None}
    notes = [*table.notes, *([note] if note else [])]
    return TrainingData(table.name, X[train], X[test], targets[train], targets[test], task,
                        recipe.feature_names, record, notes)


def _check_classes_on_both_sides(table: Table, classes: list[Any], y: np.ndarray, train: np.ndarray,
                                 test: np.ndarray, test_size: float) -> None:
    k = len(classes)
    in_train, in_test = np.bincount(y[train], minlength=k), np.bincount(y[test], minlength=k)

    def counts(c: np.ndarray) -> str:
        shown = ", ".join(f"{classes[i]!s} {int(c[i])}" for i in range(min(k, 12)))
        return shown + (", …" if k > 12 else "")

    no_train = [classes[i] for i in range(k) if in_train[i] == 0]
    if no_train:
        raise DataError(f"{table.where}: --test-size {test_size} leaves {len(train)} training rows, and none of "
                        f"class {', '.join(map(repr, no_train[:5]))}: a model cannot learn a class it never sees "
                        f"(training rows per class: {counts(in_train)}; test rows: {counts(in_test)}). Use a smaller "
                        "--test-size (the default is 0.2) or more data.")
    no_test = [classes[i] for i in range(k) if in_test[i] == 0 and in_train[i] >= 2]
    if no_test:
        raise DataError(f"{table.where}: --test-size {test_size} leaves {len(test)} test rows, and none of class "
                        f"{', '.join(map(repr, no_test[:5]))}, so the test metrics would not cover it (training rows "
                        f"per class: {counts(in_train)}; test rows: {counts(in_test)}). Use a larger --test-size "
                        f"(at least {k} rows: {k / len(y):.2g}) or more data.")


# ----------------------------------------------------------------------------- images and texts
def input_kind(spec: Any, *, text_column: str | None = None, model: str | None = None) -> str:
    """What ``DATA`` holds for training: ``"text"`` (a text dataset, or a CSV with ``text_column``),
    ``"images"`` (a folder, ``mnist5k``, or ``digits`` with a ``model`` spec) or ``"table"``.

    >>> input_kind("iris"), input_kind("digits"), input_kind("digits", model="cnn"), input_kind("topics")
    ('table', 'table', 'images', 'text')
    """
    from .text import TEXT_DATASETS

    if text_column is not None or (isinstance(spec, str) and spec in TEXT_DATASETS):
        return "text"
    if isinstance(spec, (str, os.PathLike)) and Path(spec).is_dir():
        return "images"
    if isinstance(spec, str) and Path(spec).suffix.lower() != ".csv" and spec in DATASETS:
        name = DATASETS.canonical(spec)
        if name == "mnist5k" or (name in IMAGE_DATASETS and model is not None):
            return "images"
    return "table"


def _check_color(color: Any) -> str:
    if color not in _CHANNELS:
        raise ParameterError(must_be("color", f"one of {', '.join(COLORS)}", color))
    return color


def load_images(spec: Any, *, size: tuple[int, int] | None = None, color: str = "grayscale",
                max_bytes: int | None = None) -> Dataset:
    """Images for a model: an image folder (class sub-folders; ``size`` resizes, ``color`` converts) or an
    image dataset by name (``digits`` as 8x8 images, ``mnist5k``: their own size, grayscale).

    >>> load_images("digits").X.shape
    (1797, 1, 8, 8)
    """
    from .images import load_image_folder

    _check_color(color)
    if isinstance(spec, str) and not Path(spec).is_dir() and spec in DATASETS:
        name = DATASETS.canonical(spec)
        if name not in IMAGE_DATASETS:
            raise DataError(f"the dataset {spec!r} holds no images; the image datasets are "
                            f"{', '.join(IMAGE_DATASETS)}, or give a folder of images in class sub-folders")
        if color != "grayscale" or size is not None:
            raise DataError(f"the dataset {name!r} holds {color_words(1)} images of its own size; --image-size and "
                            "--color are for image folders")
        return load(name, images=True)
    options: dict[str, Any] = {} if max_bytes is None else {"max_bytes": max_bytes}
    return load_image_folder(spec, size=size, color_mode=color, **options)


def color_words(channels: int) -> str:
    """The words for an image's channels, by the colour mode that has them.

    >>> color_words(1), color_words(3), color_words(2)
    ('grayscale (1 channel)', 'rgb (3 channels)', '(2 channels)')
    """
    name = {v: k for k, v in _CHANNELS.items()}.get(channels, "")
    return f"{name} ({channels} channel{'s' * (channels != 1)})".strip()


def _held_out(where: str, y: np.ndarray, classes: list[Any], test_size: float, seed: int,
              ) -> tuple[np.ndarray, np.ndarray]:
    n = len(y)
    try:
        train, test = split_indices(n, test_size, labels=y, seed=seed)
    except ParameterError as exc:
        raise DataError(f"{where}: --test-size {test_size} cannot split its {n} samples: "
                        f"{str(exc).split('; ', 1)[-1]}") from None
    _check_classes_on_both_sides(Table(where, [], {}, ""), classes, y, train, test, test_size)
    return train, test


def _training_images(spec: Any, *, test_size: float, seed: int, size: tuple[int, int] | None, color: str,
                     max_bytes: int | None) -> TrainingData:
    dataset = load_images(spec, size=size, color=color, max_bytes=max_bytes)
    folder = Path(str(spec)).is_dir()
    classes = list(dataset.classes or [])
    train, test = _held_out(str(spec), dataset.y, classes, test_size, seed)
    labels = np.asarray(classes)[dataset.y]
    shape = [int(v) for v in dataset.X.shape[1:]]
    record: dict[str, Any] = {
        "source": Path(str(spec)).name if folder else dataset.name, "source_kind": "images" if folder else "dataset",
        "target": dataset.target_name, "task": "classification", "columns": [], "preprocess": {"columns": []},
        "split": {"seed": int(seed), "test_size": test_size, "stratify": True, "n_rows": dataset.n_samples,
                  "n_test": int(len(test)), "sha256": dataset_checksum(dataset)},
        "test_metrics": None,
        "inputs": {"kind": "images", "shape": shape, "size": None if size is None else list(size),
                   "color": color if folder else "grayscale"}}
    return TrainingData(dataset.name, dataset.X[train], dataset.X[test], labels[train], labels[test],
                        "classification", [], record, list(dataset.notes), kind="images")


def _text_checksum(texts: list[str], labels: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([texts, np.asarray(labels).tolist()], default=str).encode())
    return digest.hexdigest()


def _read_texts(spec: Any, *, text_column: str | None, target: str | None, encoding: str | None,
                max_bytes: int | None, labelled: bool = True) -> tuple[str, list[str], Any, str, str | None, str]:
    """(name, texts, labels or None, text column, target, checksum) of a text dataset or a CSV text column."""
    from .text import TEXT_DATASETS, _labels, load_text, read_text_table, texts_from_table

    if isinstance(spec, str) and spec in TEXT_DATASETS and text_column in (None, "text"):
        if target is not None:
            raise ParameterError(f"target {target!r} is for CSV files; the dataset {spec!r} has its own target")
        data = load_text(spec)
        labels = data.labels()
        return data.name, list(data.texts), labels, "text", data.target_name, _text_checksum(list(data.texts), labels)
    path = _csv_path(spec)
    if text_column is None:
        raise ParameterError(f"{path}: which column holds the texts? Pass text_column= naming it")
    table = read_text_table(path, encoding=encoding, max_bytes=max_bytes)
    texts = texts_from_table(table, text_column)
    if not labelled:
        return table.name, texts, None, text_column, None, table.sha256
    if target is None:
        others = [name for name in table.header if name != text_column]
        if not others:
            raise DataError(f"{table.where}: the only column is the text column {text_column!r}; the labels must be "
                            "in another column (pass target= naming it)")
        target = others[-1]
    if target == text_column:
        raise ParameterError(f"{table.where}: text_column and target are both {target!r}; the labels must be another "
                             "column than the texts")
    column_index(table.header, target, table.where, "target", "Pass target= the column of class labels.")
    labels_table = Table(table.name, [target], {target: _labels(table.columns[target])}, table.sha256, table.lines,
                         table.path)
    y, classes, _, _ = encode_target(labels_table, target, "classification", flag="")
    labels = np.asarray(classes)[y]
    return table.name, texts, labels, text_column, target, table.sha256


def _training_texts(spec: Any, *, text_column: str | None, target: str | None, test_size: float, seed: int,
                    min_count: int, max_len: int | None, encoding: str | None, max_bytes: int | None,
                    ) -> TrainingData:
    name, texts, labels, column, target, checksum = _read_texts(spec, text_column=text_column, target=target,
                                                                encoding=encoding, max_bytes=max_bytes)
    classes, y = np.unique(labels, return_inverse=True)
    train, test = _held_out(name, y, classes.tolist(), test_size, seed)
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    dataset = isinstance(spec, str) and not Path(spec).suffix.lower() == ".csv" and not os.path.lexists(spec)
    record = {"source": name if dataset else Path(str(spec)).name, "source_kind": "dataset" if dataset else "csv",
              "target": target, "task": "classification", "columns": [column], "preprocess": {"columns": [column]},
              "split": {"seed": int(seed), "test_size": test_size, "stratify": True, "n_rows": len(texts),
                        "n_test": int(len(test)), "sha256": checksum},
              "test_metrics": None,
              "inputs": {"kind": "text", "text_column": column, "min_count": int(min_count),
                         "max_len": None if max_len is None else int(max_len)}}
    return TrainingData(name, array[train], array[test], labels[train], labels[test], "classification", [],
                        record, [], kind="text")


def _model_inputs(model: Any, record: dict[str, Any] | None) -> dict[str, Any] | None:
    """How a model reads images or texts: its record's ``inputs``, or what the model itself shows
    (an ``input_shape_`` of an image, a ``tokenizer_``); None for a table model."""
    if record is not None and "inputs" in record:
        return record["inputs"]
    shape = getattr(model, "input_shape_", None)
    if getattr(model, "tokenizer_", None) is not None:
        return {"kind": "text", "text_column": None}
    if shape is not None and len(shape) == 3 and shape[0] in _CHANNELS.values():
        color = {v: k for k, v in _CHANNELS.items()}[shape[0]]
        return {"kind": "images", "shape": list(shape), "size": list(shape[1:]), "color": color}
    return None


def _check_image_shape(X: np.ndarray, inputs: dict[str, Any], where: str, model_path: str) -> None:
    shape, expected = tuple(X.shape[1:]), tuple(inputs["shape"])
    if shape != expected:
        raise DataError(f"{where}: its images are {shape[1]}x{shape[2]}, {color_words(shape[0])}, but the model "
                        f"{model_path} takes {expected[1]}x{expected[2]} images, {color_words(expected[0])} "
                        f"(shape {expected}, the images {shape}); resize them to {expected[1]}x{expected[2]}, or "
                        "train a model on images of this size.")


def _evaluation_inputs(model: Any, spec: Any, inputs: dict[str, Any], record: dict[str, Any] | None,
                       target: str | None, all_rows: bool, where: str, text_column: str | None,
                       encoding: str | None, max_bytes: int | None) -> EvaluationData:
    """evaluate/inspect on images or texts: the held-out rows when the data is the one of the training."""
    if inputs["kind"] == "images":
        if target is not None:
            raise ParameterError(f"target {target!r} is for CSV files; images take their labels from their class "
                                 "folders (or their dataset)")
        size = inputs.get("size")
        dataset = load_images(spec, size=None if size is None else tuple(size), color=inputs["color"],
                              max_bytes=max_bytes)
        _check_image_shape(dataset.X, inputs, str(spec), where)
        name, X, labels, checksum = dataset.name, dataset.X, np.asarray(dataset.classes)[dataset.y], \
            dataset_checksum(dataset)
        notes = list(dataset.notes)
    else:
        column = text_column or inputs.get("text_column")
        if column is None and not (isinstance(spec, str) and not os.path.lexists(spec)):
            raise ParameterError(f"which column of {spec} holds the texts? The model records none (it was not "
                                 "trained by 'neuronkit train'); pass text_column= naming it")
        named = isinstance(spec, str) and spec in _text_dataset_names() and not os.path.lexists(spec)
        if not named and target is None and record is not None:
            target = record["target"]  # the column the model was trained on
        name, texts, labels, _, target, checksum = _read_texts(spec, text_column=column, target=target,
                                                               encoding=encoding, max_bytes=max_bytes)
        X = np.empty(len(texts), dtype=object)
        X[:] = texts
        notes = []
    classes = getattr(model, "classes_", None)
    if classes is not None:
        known = {str(c) for c in classes}
        unknown = sorted({str(v) for v in labels} - known)
        if unknown:
            raise DataError(f"the data has labels the model was not trained on: {unknown[:5]}; the model's classes are "
                            f"{[str(c) for c in classes]} ({spec}). Score the model on the kind of data it was "
                            "trained on.")
        index = {str(c): i for i, c in enumerate(classes)}
        y = np.asarray(classes)[[index[str(v)] for v in labels]]
    else:
        y = labels
    n = len(X)
    split = None if record is None else record["split"]
    if split is None or all_rows or checksum != split["sha256"] or n != split["n_rows"]:
        why = ("--all-rows" if all_rows else "the model records no training split" if split is None
               else "its contents differ from the data the model was trained on")
        return EvaluationData(name, X, y, f"all {n} samples of {name} ({why})", notes, None)
    _, codes = np.unique(labels, return_inverse=True)
    _, test = split_indices(n, split["test_size"], labels=codes, seed=split["seed"])
    test = np.sort(test)
    return EvaluationData(name, X[test], y[test], (
        f"the {len(test)} held-out test samples of {name} (the split recorded in the model at training: seed "
        f"{split['seed']}, --test-size {split['test_size']}; --all-rows uses all {n})"), notes,
        (record or {}).get("test_metrics"))


def _text_dataset_names() -> list[str]:
    from .text import text_datasets

    return text_datasets()


def list_images(folder: Any) -> list[Path]:
    """The image files to predict for: every file of ``folder`` and its sub-folders (hidden ones left out),
    sorted by path.

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["b.png", "a/c.png", ".hidden.png"]:
    ...     (root / name).parent.mkdir(exist_ok=True); _ = (root / name).write_bytes(b"")
    >>> [str(p.relative_to(root)) for p in list_images(root)]
    ['a/c.png', 'b.png']
    """
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{folder} is not a folder; give a folder of images (for an image model) or a CSV file")
    found: list[Path] = []
    for where, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [Path(where) / n for n in names if not n.startswith(".")]
    if not found:
        raise DataError(f"{folder} holds no image files; put the images to classify in it")
    return sorted(found)


def _prediction_images(folder: Any, inputs: dict[str, Any], model_path: str,
                       ) -> tuple[np.ndarray, list[str]]:
    from .images import MAX_IMAGE_PIXELS, _pillow, _pixels

    Image = _pillow()
    files = list_images(folder)
    size = inputs.get("size")
    pil_mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[inputs["color"]]
    images = [_pixels(Image, path, pil_mode, None if size is None else tuple(size), MAX_IMAGE_PIXELS)
              for path in files]
    expected = tuple(inputs["shape"])
    for path, pixels in zip(files, images):
        if pixels.shape[:2] != expected[1:]:
            raise DataError(f"image {path} is {pixels.shape[0]}x{pixels.shape[1]} (height x width), but the model "
                            f"{model_path} takes {expected[1]}x{expected[2]} images, {color_words(expected[0])}; "
                            f"resize it to {expected[1]}x{expected[2]} (or train the model with --image-size, which "
                            "resizes every image it reads).")
    X = np.stack([p.transpose(2, 0, 1) for p in images]).astype(np.float32) / 255
    return X, [str(p) for p in files]


# ----------------------------------------------------------------------------- scoring and predicting
@dataclass
class EvaluationData:
    """The rows ``evaluate``/``inspect`` score a model on: features and targets in the model's terms."""

    name: str
    X: np.ndarray
    y: np.ndarray
    rows: str  # which rows, in words: "the 30 held-out test rows of iris (…)"
    notes: list[str] = field(default_factory=list)
    recorded_metrics: dict[str, float] | None = None  # measured on these rows at training (the held-out rows)


@dataclass
class _ModelView:
    """What the data helpers need of a model: its record, names, classes and kind."""

    record: dict[str, Any] | None
    names: list[str] | None
    recipe: Recipe | None
    n_in: int | None
    classes: np.ndarray | None
    regressor: bool

    @classmethod
    def of(cls, model: Any, training_data: Any, where: str) -> _ModelView:
        record = None if training_data is None else check_training_data(training_data, where)
        names = getattr(model, "feature_names_in_", None)
        names = None if names is None else [str(n) for n in names]
        network = getattr(model, "network_", model)
        n_in = getattr(model, "n_features_in_", None) or getattr(network, "in_features", None)
        recipe = None
        if record is not None and "inputs" not in record:  # images and texts have no features by name
            recipe = Recipe.from_dict(record["preprocess"], where)
            if (n_in is not None and len(recipe.feature_names) != n_in) or (names is not None
                                                                           and recipe.feature_names != names):
                raise ModelFileError(f"{where}: its training-data record describes the features "
                                     f"{recipe.feature_names[:5]}{'…' if len(recipe.feature_names) > 5 else ''} but "
                                     f"the model takes {n_in} ({(names or [])[:5]}…); the file was edited. Train the "
                                     "model again.")
        classes = getattr(model, "classes_", None)
        regressor = hasattr(model, "y_mean_") or (record is not None and record["task"] == "regression")
        return cls(record, None if recipe is not None else names, recipe, n_in,
                   None if classes is None else np.asarray(classes), regressor and classes is None)

    def columns(self, table: Table, exclude: str | None, by_position: bool) -> tuple[Recipe, list[str], list[str]]:
        """(recipe, the table's column for each recipe column, notes)."""
        wanted = self.recipe.columns if self.recipe is not None else self.names
        n = None if wanted is not None else self.n_in
        chosen, notes = choose_features(table, wanted, n, exclude=() if exclude is None else (exclude,),
                                        by_position=by_position)
        return (self.recipe or Recipe(chosen)), chosen, notes


def _target_for(table: Table, view: _ModelView, target: str | None, dataset_target: str | None) -> str:
    if dataset_target is not None:
        return dataset_target
    if target is not None:
        return target
    if view.record is not None:
        stored = view.record["target"]
        if stored not in table.header:
            raise DataError(f"{table.where}: the model's target column {stored!r} (recorded at training) is not in "
                            f"the file (its columns: {', '.join(map(repr, table.header))}); pass --target naming "
                            "the column that holds it.")
        return stored
    names = view.recipe.columns if view.recipe is not None else view.names
    if names is not None:
        present = [name for name in names if name in table.header]
        others = [name for name in table.header if name not in names]
        if len(present) < len(names):  # by position (no name matches), or columns missing (named below)
            return table.header[-1]
        if len(others) == 1:
            return others[0]
        if others:
            raise DataError(f"{table.where}: which column is the target? The model's features are "
                            f"{', '.join(map(repr, names[:8]))}{', …' if len(names) > 8 else ''}; the other columns "
                            f"are {', '.join(map(repr, others[:8]))}. Pass --target naming one of them.")
        raise DataError(f"{table.where}: the file has only the model's feature columns; to score the model it also "
                        "needs the target column (pass --target naming it).")
    return table.header[-1]


def _targets(table: Table, target: str, view: _ModelView, dataset_task: Task | None, where: str,
             rows: np.ndarray) -> np.ndarray:
    """The target column in the model's terms (labels of a classifier, numbers of a regressor), task checked."""
    column = table.columns[target][rows]
    sub = Table(table.name, [target], {target: column}, table.sha256,
                None if table.lines is None else table.lines[rows], table.path, kind=table.kind)
    if view.classes is not None:
        classes = view.classes
        absent = np.flatnonzero(sub.missing(target))
        if absent.size:
            raise DataError(f"{table.where}: the target column {target!r} has missing values "
                            f"({sub.lines_of(absent)}); fill them in or delete those rows.")
        if column.dtype != object:
            if classes.dtype.kind != "f" and is_continuous(column):
                i = int(np.flatnonzero(column != np.round(column))[0])
                raise DataError(f"{table.where}: the target {target!r} holds continuous values "
                                f"({len(np.unique(column))} distinct, e.g. {column[i]:g} on {sub.line(i)}), but the "
                                f"model {where} is a classifier of the classes {classes.tolist()[:10]}; score a "
                                "classifier on class labels (or train a model with --task regression).")
            keys = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in column]
        else:
            keys = [str(v) for v in column]
        index = {str(c.item() if hasattr(c, "item") else c): i for i, c in enumerate(classes)}
        found = np.array([index.get(k, -1) for k in keys], dtype=np.int64)
        unknown = sorted({k for k, f in zip(keys, found) if f < 0})
        if unknown:
            shown = [column[keys.index(k)] if column.dtype == object else _plain(column[keys.index(k)])
                     for k in unknown[:5]]
            raise DataError(f"the data has labels the model was not trained on: {shown}; the model's classes are "
                            f"{classes.tolist()} (target {target!r} of {table.where}). Check --target, or score "
                            "the model on the kind of data it was trained on.")
        return classes[found]
    if view.regressor:
        if column.dtype == object:
            i = next(i for i, v in enumerate(column) if v is not None)
            raise DataError(f"{table.where}: the target {target!r} holds text ({column[i]!r} on {sub.line(i)}), but "
                            f"the model {where} is a regressor that predicts numbers; score it on a numeric target "
                            "(pass --target naming the numeric column).")
        absent = np.flatnonzero(np.isnan(column))
        if absent.size:
            raise DataError(f"{table.where}: the target column {target!r} has missing values "
                            f"({sub.lines_of(absent)}); fill them in or delete those rows.")
        return column.astype(np.float64)
    return encode_target(sub, target, dataset_task, flag="--task ")[0]  # a bare network: class indices or values


def _plain(value: float) -> Any:
    return int(value) if float(value).is_integer() else float(value)


def prepare_evaluation(model: Any, spec: Any, *, training_data: Any = None, target: str | None = None,
                       all_rows: bool = False, unknown: str = "error", max_bytes: int | None = None,
                       model_path: Any = "the model", text_column: str | None = None,
                       encoding: str | None = None) -> EvaluationData:
    """The rows of ``spec`` to score ``model`` on: features and target chosen by the names the model
    keeps, the task checked, and the held-out test rows of its training when the data is the same.

    training_data : the model's ``training_data_`` record (None: none kept; every row is used and the
        rows text says so). all_rows : use every row even when the held-out rows are known.

    A model trained on iris scores on the 30 rows it held out, found again from its record:

    >>> import neuronkit as nk
    >>> data = prepare_training("iris", seed=0)
    >>> clf = nk.NeuralClassifier((8,), learning_rate_init=0.05, tol=1e-3, random_state=0)
    >>> clf = clf.fit(data.X_train, data.y_train)
    >>> rows = prepare_evaluation(clf, "iris", training_data=data.record)
    >>> rows.X.shape, rows.rows[:38]
    ((30, 4), 'the 30 held-out test rows of iris (the')
    >>> sorted(rows.X.tolist()) == sorted(data.X_test.tolist())
    True
    >>> prepare_evaluation(clf, "iris", training_data=data.record, all_rows=True).X.shape
    (150, 4)

    An image model (its record's ``inputs``, or its ``input_shape_``) scores on images (a folder
    or an image dataset), checked against its image size and channels; a text model on texts
    (its text column, or ``text_column``; ``encoding`` of the CSV file).
    """
    where = str(model_path)
    view = _ModelView.of(model, training_data, where)
    inputs = _model_inputs(model, view.record)
    if inputs is not None:
        return _evaluation_inputs(model, spec, inputs, view.record, target, all_rows, where, text_column, encoding,
                                  max_bytes)
    text = view.recipe.categories if view.recipe is not None else ()
    table, dataset_target, dataset_task = load_table(spec, target=target, max_bytes=max_bytes,
                                                     text_columns=list(text))
    target_name = _target_for(table, view, target, dataset_target if dataset_task is not None else None)
    recipe, source, notes = view.columns(table, target_name, by_position=False)
    if target_name in source:
        raise DataError(f"{table.where}: the target {target_name!r} is one of the model's feature columns; pass "
                        "--target naming the column that holds what the model predicts.")
    rows, rows_text, held_out = _rows(table, view, all_rows)
    y = _targets(table, target_name, view, dataset_task, where, rows)
    X = recipe.transform(table, rows, unknown=unknown, source=source)
    recorded = view.record["test_metrics"] if view.record is not None and held_out else None
    return EvaluationData(table.name, X, y, rows_text, [*table.notes, *notes], recorded)


def _rows(table: Table, view: _ModelView, all_rows: bool) -> tuple[np.ndarray, str, bool]:
    """The rows to score, in words, and whether they are the held-out test rows of the training."""
    n = table.n_rows
    every = np.arange(n)
    record = view.record
    split = record["split"] if record is not None else None
    if record is None or split is None:
        if all_rows:
            return every, f"all {n} rows of {table.name} (--all-rows)", False
        return every, (f"all {n} rows of {table.name}: the model records no training split (it was trained "
                       "through the Python API or saved with nk.save), so its training rows may be among them"), False
    same = table.sha256 == split["sha256"] and n == split["n_rows"]
    if all_rows:
        used = f"; {n - split['n_test']} of them were used for training" if same else ""
        return every, f"all {n} rows of {table.name} (--all-rows{used})", False
    source = record["source"]
    if not same:
        if table.kind == "dataset" and record["source_kind"] == "dataset" and source == table.name:
            raise DataError(f"the dataset {table.name!r} is not the data the model was trained on: its checksum "
                            f"differs from the one recorded at training ({n} rows now, {split['n_rows']} then), so "
                            "the held-out test rows cannot be found again. Pass --all-rows to score the model on "
                            "every row (training rows included).")
        why = ("the file differs from the one the model was trained on" if source == (table.path.name if table.path
               else table.name) else f"its contents differ from the data the model was trained on ({source})")
        return every, (f"all {n} rows of {table.name} ({why}, so the split recorded at training does not apply; "
                       "rows it shares with the training data would score too well)"), False
    labels = None
    if split["stratify"]:  # the split was stratified by the recorded target, whatever --target says now
        labels = encode_target(table, record["target"], record["task"])[0]
    _, test = split_indices(n, split["test_size"], labels=labels, seed=split["seed"])
    if len(test) != split["n_test"]:  # pragma: no cover - the same data and settings give the same split
        raise DataError(f"{table.where}: the recorded split cannot be drawn again; pass --all-rows")
    return np.sort(test), (f"the {len(test)} held-out test rows of {table.name} (the split recorded in the model "
                           f"at training: seed {split['seed']}, --test-size {split['test_size']}; --all-rows uses "
                           f"all {n})"), True


def prepare_prediction(model: Any, path: Any, *, training_data: Any = None, unknown: str = "error",
                       max_bytes: int | None = None, model_path: Any = "the model", text_column: str | None = None,
                       encoding: str | None = None) -> tuple[np.ndarray, list[str]]:
    """The features of a CSV file for ``model``: ``(X, notes)``, columns matched by the names the model keeps
    and preprocessed by its recorded recipe (categories, imputation).

    The columns may come in any order, and others (here ``id``) are left out, with a note:

    >>> import pathlib, tempfile
    >>> import neuronkit as nk
    >>> data = prepare_training("iris", seed=0)
    >>> clf = nk.NeuralClassifier((8,), learning_rate_init=0.05, tol=1e-3, random_state=0)
    >>> clf = clf.fit(data.X_train, data.y_train)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "new.csv"
    ...     _ = path.write_text("id,petal width (cm),petal length (cm),sepal width (cm),sepal length (cm)\\n"
    ...                         "a,0.2,1.4,3.5,5.1\\nb,2.3,5.9,3.0,6.8\\n")
    ...     X, notes = prepare_prediction(clf, path, training_data=data.record)
    >>> X.dtype, X.astype(float).round(1).tolist()  # the model's order: sepal length, width, petal length, width
    (dtype('float32'), [[5.1, 3.5, 1.4, 0.2], [6.8, 3.0, 5.9, 2.3]])
    >>> notes[0].endswith("columns not used by the model, ignored: 'id'.")
    True
    >>> clf.predict(X).tolist()
    ['setosa', 'virginica']

    For an image model ``path`` is a folder of images (each file, sorted by path as
    :func:`list_images` lists them; resized as at training, checked against the model's
    size); for a text model a CSV file whose text column (the one of the training, or
    ``text_column``) is read: X is then an array of the texts.
    """
    view = _ModelView.of(model, training_data, str(model_path))
    inputs = _model_inputs(model, view.record)
    if inputs is not None and inputs["kind"] == "images":
        return _prediction_images(path, inputs, str(model_path))[0], []
    if inputs is not None:
        column = text_column or inputs.get("text_column")
        if column is None:
            raise ParameterError(f"which column of {path} holds the texts? The model records none (it was not "
                                 "trained by 'neuronkit train'); pass text_column= naming it")
        _, texts, _, _, _, _ = _read_texts(path, text_column=column, target=None, encoding=encoding,
                                           max_bytes=max_bytes, labelled=False)
        X = np.empty(len(texts), dtype=object)
        X[:] = texts
        return X, []
    text = view.recipe.categories if view.recipe is not None else ()
    table = read_table(_csv_path(path), max_bytes=max_bytes, text_columns=list(text))
    recipe, source, notes = view.columns(table, None, by_position=True)
    return recipe.transform(table, unknown=unknown, source=source), [*table.notes, *notes]


# ----------------------------------------------------------------------------- older helpers
def targets_for(model: Any, dataset: Dataset) -> np.ndarray:
    """The dataset's targets in the model's terms: labels for a classifier estimator (each one the model
    knows), class indices or values otherwise.

    >>> import neuronkit as nk
    >>> iris = load_data("iris")
    >>> clf = nk.NeuralClassifier((4,), max_iter=400, learning_rate_init=0.05, tol=1e-3, random_state=0)
    >>> clf = clf.fit(iris.X, iris.targets())
    >>> targets_for(clf, iris)[[0, 50, 100]].tolist()                  # labels, as clf.classes_
    ['setosa', 'versicolor', 'virginica']
    >>> targets_for(nk.mlp([4, 3], seed=0), iris)[[0, 50, 100]].tolist()  # a bare network: class indices
    [0, 1, 2]
    """
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
    """The dataset has as many feature columns as the model takes (else a message saying what to do).

    >>> import neuronkit as nk
    >>> net = nk.mlp([4, 3], seed=0)  # takes 4 features
    >>> check_features(net, "net.nkm", load_data("iris"), "score")  # 4: fine
    >>> check_features(net, "net.nkm", load_data("moons"), "score")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: moons has 2 features but the model net.nkm takes 4; score it on the kind of data ...
    """
    n_in = getattr(model, "n_features_in_", None) or getattr(getattr(model, "network_", model), "in_features", None)
    if n_in is not None and dataset.X.shape[1] != n_in:
        raise DataError(f"{dataset.name} has {dataset.X.shape[1]} features but the model {model_path} takes {n_in}; "
                        f"{doing} it on the kind of data it was trained on")
