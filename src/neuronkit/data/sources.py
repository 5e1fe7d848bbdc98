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

    @property
    def n_classes(self) -> int | None:
        """The classes among the training rows (None for regression)."""
        return None if self.task == "regression" else len(np.unique(self.y_train))


def prepare_training(spec: Any, *, target: str | None = None, task: Task | None = None,
                     categorical: str | None = None, impute: str | None = None, test_size: float = 0.2,
                     seed: int = 0, max_bytes: int | None = None) -> TrainingData:
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
    """
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
        if record is not None:
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
                       model_path: Any = "the model") -> EvaluationData:
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
    """
    where = str(model_path)
    view = _ModelView.of(model, training_data, where)
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
                       max_bytes: int | None = None, model_path: Any = "the model",
                       ) -> tuple[np.ndarray, list[str]]:
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
    """
    view = _ModelView.of(model, training_data, str(model_path))
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
