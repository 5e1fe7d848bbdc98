"""From a table's raw columns to a model's numeric inputs, and the record of how a model was trained.

:class:`Recipe` holds what turns columns into features, fitted once on the
training rows and stored in the model file as plain JSON:

- the input columns, in order (selected by name at prediction);
- one-hot categories for text columns (``categorical="onehot"``; the command
  line's ``--categorical onehot``): each text column becomes one 0/1 feature per
  category, named ``column=category``; a category the model did not see is an
  error naming the column, value and line, or all zeros (``unknown="zeros"``);
- fill values for missing cells (``impute="mean"|"median"|"most_frequent"``),
  computed from the training rows only; a text column is filled with its most
  frequent category whatever the strategy.

The arithmetic is NumPy's and matches scikit-learn's ``SimpleImputer`` and
``OneHotEncoder`` (the tests compare them); the fitted objects are not used
because a model file holds JSON, never pickles, and because errors here name
the file's line. :func:`check_training_data` validates the record a model
keeps of its training data (``estimator.training_data_``) when it is read back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import DataError, ModelFileError
from ..validation import check_choice
from .csv import FILL_ADVICE, Table, as_float32, check_float32_range, check_no_missing, text_features_error
from .dataset import TASKS

#: the ways a text (categorical) feature column can be encoded
CATEGORICAL = ("onehot",)
#: the ways a missing numeric value can be filled in
IMPUTE = ("mean", "median", "most_frequent")
#: what to do with a category not seen in training: refuse (``"error"``) or encode as all zeros
UNKNOWN_CATEGORY = ("error", "zeros")
#: most categories one text column may have (more is an identifier or free text, not a category)
MAX_CATEGORIES = 1000
#: most input columns a model file may declare
MAX_COLUMNS = 100_000
#: longest column name, category or source name (characters) a model file may hold
MAX_NAME = 1000
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Recipe:
    """How raw columns become features: ``columns`` in order, ``categories`` of the one-hot text columns,
    and ``fill`` values for missing cells (``impute`` names the strategy that computed them).

    >>> import numpy as np
    >>> from neuronkit.data.csv import Table
    >>> table = Table("t", ["size", "colour"], {"size": np.array([1.0, np.nan, 3.0]),
    ...               "colour": np.array(["red", "blue", "red"], dtype=object)}, sha256="")
    >>> recipe = Recipe.fit(table, ["size", "colour"], categorical="onehot", impute="mean")
    >>> recipe.feature_names
    ['size', 'colour=blue', 'colour=red']
    >>> recipe.transform(table).tolist()
    [[1.0, 0.0, 1.0], [2.0, 1.0, 0.0], [3.0, 0.0, 1.0]]
    """

    def __init__(self, columns: Sequence[str], *, categories: dict[str, list[str]] | None = None,
                 impute: str | None = None, fill: dict[str, float | str] | None = None) -> None:
        self.columns = list(columns)
        self.categories = dict(categories or {})
        self.impute = impute
        self.fill = dict(fill or {})

    @classmethod
    def fit(cls, table: Table, columns: Sequence[str], rows: np.ndarray | None = None, *,
            categorical: str | None = None, impute: str | None = None) -> Recipe:
        """The recipe for ``columns`` of ``table``: categories from all its rows, fill values from ``rows``
        (the training rows; default all). Text without ``categorical`` and missing values without
        ``impute`` are refused, naming the option that would accept them."""
        columns = list(columns)
        cls.check(table, columns, categorical=categorical, impute=impute)
        text = [name for name in columns if table.is_text(name)]
        categories = {}
        for name in text:
            values = sorted({v for v in table.columns[name] if v is not None})
            if len(values) > MAX_CATEGORIES:
                raise DataError(f"{table.where}: column {name!r} has {len(values)} distinct text values; one-hot "
                                f"encoding makes one feature per value, and at most {MAX_CATEGORIES} are allowed. "
                                "It looks like an identifier or free text: drop the column.")
            categories[name] = values
        fill: dict[str, float | str] = {}
        if impute is not None:
            chosen = np.arange(table.n_rows) if rows is None else np.asarray(rows)
            for name in columns:
                present = table.columns[name][chosen][~table.missing(name)[chosen]]
                if present.size == 0:
                    raise DataError(f"{table.where}: column {name!r} has no values in the training rows to "
                                    f"impute from; fill it in or drop the column.")
                fill[name] = _statistic(present, "most_frequent" if name in categories else impute)
        return cls(columns, categories=categories, impute=impute, fill=fill)

    @staticmethod
    def check(table: Table, columns: Sequence[str], *, categorical: str | None = None, impute: str | None = None,
              ) -> None:
        """Refuse missing values without ``impute`` and text without ``categorical``, naming the option."""
        if categorical is not None:
            check_choice(categorical, "categorical", CATEGORICAL)
        if impute is not None:
            check_choice(impute, "impute", IMPUTE)
        if impute is None:
            check_no_missing(table, columns, FILL_ADVICE)
        text = [name for name in columns if table.is_text(name)]
        if text and categorical is None:
            raise text_features_error(table, text)
        for name in columns:
            if name not in text:
                check_float32_range(table, name, table.columns[name])

    @property
    def feature_names(self) -> list[str]:
        """The model's features: a column's own name, or ``column=category`` for each category."""
        names: list[str] = []
        for name in self.columns:
            names.extend([f"{name}={c}" for c in self.categories[name]] if name in self.categories else [name])
        return names

    def transform(self, table: Table, rows: np.ndarray | None = None, *, unknown: str = "error",
                  source: Sequence[str] | None = None) -> np.ndarray:
        """Features (len(rows), n_features) float32 of ``rows`` (default all); ``source[i]`` is the table's
        column for ``columns[i]`` (default the same names)."""
        check_choice(unknown, "unknown", UNKNOWN_CATEGORY)
        chosen = np.arange(table.n_rows) if rows is None else np.asarray(rows)
        source = self.columns if source is None else list(source)
        blocks = []
        for name, column in zip(self.columns, source, strict=True):
            values = table.columns[column][chosen]
            missing = table.missing(column)[chosen]
            if missing.any() and name not in self.fill:
                rows_missing = chosen[missing]
                raise DataError(f"{table.where}: missing values in column {column!r} "
                                f"({table.lines_of(rows_missing)}); the model was trained without --impute, so "
                                "every value must be given. Fill them in or delete those rows.")
            if name in self.categories:
                blocks.append(self._one_hot(table, name, column, values, missing, chosen, unknown))
                continue
            if table.is_text(column):
                raise text_features_error(_rows_of(table, column, chosen[~missing]), [column])
            if missing.any():
                values = np.where(missing, float(self.fill[name]), values)
            blocks.append(as_float32(table, column, values, chosen)[:, None])
        if not blocks:
            return np.zeros((len(chosen), 0), dtype=np.float32)
        return np.concatenate(blocks, axis=1)

    def _one_hot(self, table: Table, name: str, column: str, values: np.ndarray, missing: np.ndarray,
                 rows: np.ndarray, unknown: str) -> np.ndarray:
        categories = self.categories[name]
        index = {c: i for i, c in enumerate(categories)}
        if values.dtype != object:  # a column of numbers in this file: compare them as the text they were
            values = np.array([None if m else _number_text(v) for v, m in zip(values, missing)], dtype=object)
        if missing.any():
            values = np.where(missing, self.fill[name], values)
        codes = np.array([index.get(v, -1) for v in values], dtype=np.int64)
        unseen = np.flatnonzero(codes < 0)
        if unseen.size and unknown == "error":
            i = int(unseen[0])
            shown = ", ".join(map(repr, categories[:10])) + (", …" if len(categories) > 10 else "")
            others = sorted({values[j] for j in unseen} - {values[i]})
            more = f" (also {', '.join(map(repr, others[:5]))}{', …' if len(others) > 5 else ''})" if others else ""
            raise DataError(f"{table.where}: column {column!r} has the category {values[i]!r} on "
                            f"{table.line(int(rows[i]))}{more}, which the model did not see at training (it knows "
                            f"{shown}). Correct the value, or pass --unknown-category zeros to encode unknown "
                            "categories as all zeros.")
        block = np.zeros((len(values), len(categories)), dtype=np.float32)
        known = np.flatnonzero(codes >= 0)
        block[known, codes[known]] = 1.0
        return block

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: ``{"columns", "categorical", "impute", "fill"}``."""
        return {"columns": list(self.columns), "categorical": {k: list(v) for k, v in self.categories.items()},
                "impute": self.impute, "fill": dict(self.fill)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "the model file") -> Recipe:
        """The recipe from :meth:`to_dict`'s JSON, checked (types, limits, consistency) as untrusted input."""
        def bad(what: str) -> ModelFileError:
            return ModelFileError(f"{where}: its preprocessing record {what}; the file was damaged or not written "
                                  "by neuronkit. Train the model again.")
        if not isinstance(data, dict):
            raise bad(f"must be a JSON object; got {type(data).__name__}")
        columns = _names(data.get("columns"), "columns", bad, MAX_COLUMNS)
        if len(set(columns)) != len(columns):
            raise bad("names a column twice")
        categorical = data.get("categorical", {})
        if not isinstance(categorical, dict) or len(categorical) > len(columns):
            raise bad("'categorical' must map some of its columns to their categories")
        categories = {}
        for name, values in categorical.items():
            if name not in columns:
                raise bad(f"has categories for {str(name)[:50]!r}, which is not one of its columns")
            values = _names(values, f"categories of {name!r}", bad, MAX_CATEGORIES)
            if not values or len(set(values)) != len(values):
                raise bad(f"categories of {name!r} must be distinct and at least one")
            categories[name] = values
        impute = data.get("impute")
        if impute is not None and impute not in IMPUTE:
            raise bad(f"'impute' must be one of {', '.join(IMPUTE)} or null; got {str(impute)[:50]!r}")
        fill = data.get("fill", {})
        if not isinstance(fill, dict) or (fill and impute is None):
            raise bad("'fill' must be a JSON object, and only with 'impute'")
        for name, value in fill.items():
            if name not in columns:
                raise bad(f"has a fill value for {str(name)[:50]!r}, which is not one of its columns")
            if name in categories:
                if not isinstance(value, str) or value not in categories[name]:
                    raise bad(f"fill value of {name!r} must be one of its categories")
            elif isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise bad(f"fill value of {name!r} must be a finite number")
        return cls(columns, categories=categories, impute=impute, fill=dict(fill))

    def __repr__(self) -> str:
        return (f"Recipe({len(self.columns)} columns, {len(self.categories)} one-hot, "
                f"impute={self.impute!r})")


def _rows_of(table: Table, column: str, rows: np.ndarray) -> Table:
    """``table`` restricted to one column's given rows (so a message names the first bad one)."""
    lines = None if table.lines is None else table.lines[rows]
    return Table(table.name, [column], {column: table.columns[column][rows]}, table.sha256, lines, table.path)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _statistic(values: np.ndarray, strategy: str) -> float | str:
    """mean, median or the most frequent value (the smallest of equals, as scikit-learn's SimpleImputer)."""
    if strategy == "most_frequent":
        distinct, counts = np.unique(values.astype(str) if values.dtype == object else values, return_counts=True)
        best = distinct[int(np.argmax(counts))]
        return str(best) if values.dtype == object else float(best)
    return float(np.mean(values) if strategy == "mean" else np.median(values))


def _names(value: Any, what: str, bad: Any, limit: int) -> list[str]:
    if not isinstance(value, list) or len(value) > limit:
        raise bad(f"{what} must be a list of at most {limit} names")
    if not all(isinstance(v, str) and 0 < len(v) <= MAX_NAME for v in value):
        raise bad(f"{what} must be names of 1 to {MAX_NAME} characters")
    return list(value)


def check_training_data(record: Any, where: str = "the model file") -> dict[str, Any]:
    """A model's ``training_data_`` record, checked as untrusted input (types, limits, consistency).

    The record (plain JSON) says what the model was trained on::

        source       dataset name, CSV file or image folder  source_kind  "dataset", "csv" or "images"
        target       the target column                   task         "classification" or "regression"
        columns      the input columns, in order         preprocess   Recipe.to_dict()
        split        {"seed", "test_size", "stratify", "n_rows", "n_test", "sha256"} or null: the held-out
                     test rows and the checksum of the data they were drawn from
        test_metrics {name: value} measured on the held-out rows at training, or null
        inputs       (image and text models only) {"kind": "images", "shape": [C, H, W], "size": [H, W] or
                     null (resized to it at training), "color": "grayscale"/"rgb"/"rgba"} or {"kind": "text",
                     "text_column": name, "min_count": n, "max_len": n or null}; images have no columns,
                     text has its one text column

    Raises :class:`~neuronkit.errors.ModelFileError` naming ``where``. Returns the record as checked,
    the preprocessing written out in full:

    >>> record = {"source": "pets.csv", "source_kind": "csv", "target": "kind", "task": "classification",
    ...           "columns": ["weight", "height"], "split": None}
    >>> checked = check_training_data(record, "pets.nkm")
    >>> checked["columns"], checked["preprocess"], checked["split"]
    (['weight', 'height'], {'columns': ['weight', 'height'], 'categorical': {}, 'impute': None, 'fill': {}}, None)
    >>> check_training_data({**record, "task": "clustering"}, "pets.nkm")
    Traceback (most recent call last):
    ...
    neuronkit.errors.ModelFileError: pets.nkm: its training-data record 'task' must be one of classification,
    regression; the file was damaged or not written by neuronkit. Train the model again.
    """
    def bad(what: str) -> ModelFileError:
        return ModelFileError(f"{where}: its training-data record {what}; the file was damaged or not written by "
                              "neuronkit. Train the model again.")
    if not isinstance(record, dict):
        raise bad(f"must be a JSON object; got {type(record).__name__}")
    out: dict[str, Any] = {}
    for key in ("source", "target"):
        value = record.get(key)
        if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME:
            raise bad(f"'{key}' must be a name of 1 to {MAX_NAME} characters")
        out[key] = value
    if record.get("source_kind") not in ("csv", "dataset", "images"):
        raise bad("'source_kind' must be 'csv', 'dataset' or 'images'")
    if record.get("task") not in TASKS:
        raise bad(f"'task' must be one of {', '.join(TASKS)}")
    out["source_kind"], out["task"] = record["source_kind"], record["task"]
    out["columns"] = _names(record.get("columns"), "'columns'", bad, MAX_COLUMNS)
    recipe = Recipe.from_dict(record.get("preprocess", {"columns": out["columns"]}), where)
    if recipe.columns != out["columns"]:
        raise bad("has preprocessing for other columns than its 'columns'")
    out["preprocess"] = recipe.to_dict()
    split = record.get("split")
    if split is not None:
        if not isinstance(split, dict):
            raise bad("'split' must be a JSON object or null")
        seed, size, n, n_test = split.get("seed"), split.get("test_size"), split.get("n_rows"), split.get("n_test")
        if not _int(seed, 0, 2**63 - 1) or not _int(n, 2, 2**53) or not _int(n_test, 1, (n or 2) - 1):
            raise bad("'split' must hold whole numbers seed >= 0, n_rows >= 2 and 1 <= n_test < n_rows")
        if not (_int(size, 1, int(n or 2) - 1) or (isinstance(size, float) and 0 < size < 1)):
            raise bad("'split' test_size must be a fraction in (0, 1) or a count")
        if not isinstance(split.get("stratify"), bool) or not isinstance(split.get("sha256"), str) \
                or not _SHA256.fullmatch(split["sha256"]):
            raise bad("'split' must hold stratify (true/false) and a sha256 checksum (64 hex digits)")
        out["split"] = {"seed": seed, "test_size": size, "stratify": split["stratify"], "n_rows": n,
                        "n_test": n_test, "sha256": split["sha256"]}
    else:
        out["split"] = None
    metrics = record.get("test_metrics")
    if metrics is not None:
        if not isinstance(metrics, dict) or len(metrics) > 20 or not all(
                isinstance(k, str) and len(k) <= 50 and not isinstance(v, bool) and isinstance(v, Real)
                and math.isfinite(v) for k, v in metrics.items()):
            raise bad("'test_metrics' must map at most 20 names to finite numbers")
    out["test_metrics"] = None if metrics is None else dict(metrics)
    if "inputs" in record or out["source_kind"] == "images":
        out["inputs"] = _check_inputs(record.get("inputs"), out, bad)
    return out


def _check_inputs(inputs: Any, out: dict[str, Any], bad: Any) -> dict[str, Any]:
    """The ``inputs`` entry of an image or a text model's record (see :func:`check_training_data`)."""
    if not isinstance(inputs, dict) or inputs.get("kind") not in ("images", "text"):
        raise bad("'inputs' must be a JSON object with kind 'images' or 'text'")
    if out["task"] != "classification":
        raise bad("'inputs' (images or text) belongs to a classifier, but its task is regression")
    if inputs["kind"] == "images":
        shape, size, color = inputs.get("shape"), inputs.get("size"), inputs.get("color")
        if not isinstance(shape, list) or len(shape) != 3 or not all(_int(v, 1, 2**31) for v in shape):
            raise bad("'inputs' shape must be [channels, height, width], whole numbers >= 1")
        if size is not None and size != shape[1:]:
            raise bad("'inputs' size must be null or the [height, width] of its shape")
        if color not in _COLORS or _COLORS[color] != shape[0]:
            raise bad(f"'inputs' color must be one of {', '.join(_COLORS)}, with as many channels as its shape")
        if out["columns"] or out["source_kind"] == "csv":
            raise bad("describes images, which come from an image folder or a dataset, with no columns")
        return {"kind": "images", "shape": list(shape), "size": size, "color": color}
    column, min_count, max_len = inputs.get("text_column"), inputs.get("min_count"), inputs.get("max_len")
    if out["columns"] != [column]:
        raise bad("'inputs' text_column must be its one column in 'columns'")
    if not _int(min_count, 1, 2**53) or not (max_len is None or _int(max_len, 1, 1_000_000)):
        raise bad("'inputs' min_count must be a whole number >= 1 and max_len one >= 1 or null")
    return {"kind": "text", "text_column": column, "min_count": min_count, "max_len": max_len}


_COLORS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and low <= int(value) <= high
