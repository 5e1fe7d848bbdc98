"""CSV files: a table with a header row read into a :class:`~neuronkit.data.Dataset`, or into features.

Reading is the standard library's ``csv``; every problem is a
:class:`~neuronkit.errors.DataError` naming the file, the column and the line
(numbered as in a text editor or spreadsheet, the header on line 1) and what to do.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError, ParameterTypeError
from ..validation import check_choice, check_int, must_be
from .dataset import TASKS, Dataset, Task

#: a numeric CSV target with at most this many distinct values, all whole numbers, is taken as class labels
MAX_AUTO_CLASSES = 20
#: cell values (compared lower-case, after stripping spaces) that count as missing in a CSV file
MISSING_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "?"})
_DELIMITERS = (",", "\t", ";", "|")


def load_csv(path: str | os.PathLike[str], target: str | None = None, *, delimiter: str | None = None,
             task: Task | None = None) -> Dataset:
    """Load a CSV file with a header row into a :class:`Dataset`.

    path : the file; ``target`` : the name of the label column (default: the last column).
    Every other column is a feature and must be numeric. The delimiter (``,``
    ``;`` tab or ``|``) is detected unless given.

    task : ``None`` decides from the target column: text labels, or whole numbers
        with at most ``MAX_AUTO_CLASSES`` (20) distinct values, mean classification;
        other numbers mean regression. Pass ``task=`` to override.

    For classification, ``classes`` holds the sorted distinct labels (numbers
    sorted as numbers) and ``y`` their indices. Empty cells and ``NA``, ``NaN``,
    ``null``, ``?`` count as missing; lines that are entirely empty are skipped.
    Errors (:class:`DataError`) name the file, column and line; line numbers are
    as in a text editor or spreadsheet, with the header on line 1.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
    >>> _ = path.write_text("weight,height,kind\\n4.0,25,cat\\n30.5,60,dog\\n3.5,23,cat\\n")
    >>> ds = load_csv(path)
    >>> ds
    Dataset('pets', classification: 3 samples x 2 features, 2 classes)
    >>> ds.classes, ds.y.tolist(), ds.feature_names
    (['cat', 'dog'], [0, 1, 0], ['weight', 'height'])
    """
    path = _as_path(path)
    if task is not None:
        check_choice(task, "task", (*TASKS, None))
    if target is not None and not isinstance(target, str):
        raise ParameterTypeError(must_be("target", "a column name (str) or None for the last column", target))
    header, rows, lines = _read_table(path, delimiter)
    t = len(header) - 1 if target is None else _target_index(header, target, path)
    columns = [list(column) for column in zip(*rows, strict=True)]
    _check_missing(header, columns, range(len(header)), lines, path)
    features = [i for i in range(len(header)) if i != t]
    if not features:
        raise DataError(f"{path}: the only column is the target {header[t]!r}; there are no feature columns "
                        "to learn from.")
    X = _numeric_features(header, columns, features, lines, path)
    y, classes, task = _encode_target(header[t], columns[t], lines, path, task)
    summary = f"{len(classes)} classes" if classes is not None else "regression"
    return Dataset(path.stem, X, y, task, [header[i] for i in features], classes=classes, target_name=header[t],
                   description=f"{path.name}: {len(rows)} rows, {len(features)} numeric features, "
                               f"target {header[t]!r} ({summary})")


def load_features_csv(path: str | os.PathLike[str], *, feature_names: Sequence[str] | None = None,
                      n_features: int | None = None, delimiter: str | None = None,
                      ) -> tuple[np.ndarray, list[str]]:
    """Read the feature columns of a CSV file (with a header row), e.g. new samples to predict.

    Returns ``(X, names)``: X float32 of shape (n_rows, n_features) and the
    column names used, in order.

    feature_names : the columns a model was trained on. If the header has all of
        them they are picked by name, in that order, and other columns (such as
        a target) are ignored; if it has none of them but the same number of
        columns, the columns are taken in file order.
    n_features : without names, the number of columns the file must have.

    Errors (:class:`DataError`) are those of :func:`load_csv`, plus a column
    count or names that do not match the model.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "new.csv"
    >>> _ = path.write_text("height,weight,kind\\n25,4.0,cat\\n60,30.5,dog\\n")
    >>> X, names = load_features_csv(path, feature_names=["weight", "height"])
    >>> X.tolist(), names
    ([[4.0, 25.0], [30.5, 60.0]], ['weight', 'height'])
    """
    path = _as_path(path)
    if n_features is not None:
        n_features = check_int(n_features, "n_features", low=1)
    wanted: list[str] | None = None
    if feature_names is not None:
        if isinstance(feature_names, str) or not isinstance(feature_names, Sequence | np.ndarray):
            raise ParameterTypeError(must_be("feature_names", "a list of column names", feature_names))
        wanted = [str(name) for name in feature_names]
        if not wanted:
            raise ParameterError(must_be("feature_names", "a non-empty list of column names", feature_names))
        if n_features is not None and n_features != len(wanted):
            raise ParameterError(f"{len(wanted)} feature_names but n_features={n_features}; they must agree")
    header, rows, lines = _read_table(path, delimiter)
    if wanted is not None:
        found = [name for name in wanted if name in header]
        if len(found) == len(wanted):
            chosen = [header.index(name) for name in wanted]
        elif not found and len(header) == len(wanted):
            chosen = list(range(len(header)))
        else:
            missing = [name for name in wanted if name not in header]
            raise DataError(f"{path}: the model needs the feature columns {', '.join(map(repr, wanted))}; "
                            f"the file lacks {', '.join(map(repr, missing))} (its columns: "
                            f"{', '.join(map(repr, header))}). Rename the header to match, or give exactly "
                            f"{len(wanted)} columns in the training order.")
    else:
        chosen = list(range(len(header)))
        if n_features is not None and len(header) != n_features:
            raise DataError(f"{path}: the model expects {n_features} features but the file has {len(header)} "
                            f"columns ({', '.join(map(repr, header))}); drop any target or extra columns.")
    columns = [list(column) for column in zip(*rows, strict=True)]
    _check_missing(header, columns, chosen, lines, path)
    X = _numeric_features(header, columns, chosen, lines, path)
    return X, [header[i] for i in chosen]


def _as_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterTypeError(must_be("path", "a file path (str or pathlib.Path)", path))
    return Path(path)


def _read_table(path: Path, delimiter: str | None) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and their line numbers, with the checks every CSV read shares."""
    text = _read_text(path)
    if delimiter is None:
        delimiter = _guess_delimiter(text)
    elif not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ParameterError(must_be("delimiter", "a single character such as ',' or ';'", delimiter))
    header, rows, lines = _parse_rows(text, delimiter, path)
    if not rows:
        raise DataError(f"{path}: only a header ({len(header)} columns: {', '.join(header)}) and no data rows; "
                        "add at least one row of values.")
    return header, rows, lines


def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataError(f"CSV file not found: {path} (full path {path.resolve()}); check the name and the "
                        f"current directory ({Path.cwd()}).")
    if path.is_dir():
        raise DataError(f"{path} is a directory; give the path of a CSV file inside it.")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: drop the byte-order mark spreadsheets write
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); "
                        "save it as 'CSV UTF-8' or convert it, e.g. iconv -f latin1 -t utf-8.") from None
    if not text.strip():
        raise DataError(f"{path} is empty; a CSV file needs a header row of column names and at least one "
                        "row of data.")
    return text


def _guess_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (>1) of fields, the most fields winning.

    If none is consistent (a ragged file), the one that splits the header most,
    so the ragged row gets a clear message; ``,`` when nothing splits at all.
    """
    sample = [line for line in text.splitlines()[:50] if line.strip()][:20]

    def widths(delimiter: str) -> list[int]:
        try:
            return [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            return [0]

    by_delimiter = {delimiter: widths(delimiter) for delimiter in _DELIMITERS}
    consistent = [d for d, w in by_delimiter.items() if len(set(w)) == 1 and w[0] > 1]
    if consistent:
        return max(consistent, key=lambda d: by_delimiter[d][0])  # max keeps the first of equals
    return max(_DELIMITERS, key=lambda d: by_delimiter[d][0])


def _parse_rows(text: str, delimiter: str, path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows (values stripped) and each row's first line number; checks names and widths."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_line = 0
    try:
        for record in reader:
            line, previous_line = previous_line + 1, reader.line_num
            values = [value.strip() for value in record]
            if not any(values):
                continue
            if header is None:
                header = values
                _check_header(header, path, delimiter)
            elif len(values) != len(header):
                raise DataError(
                    f"{path}, line {line}: expected {len(header)} fields (one per header column) but got "
                    f"{len(values)}. Check for a missing or extra {delimiter!r}; a value that contains "
                    f"{delimiter!r} must be in double quotes.")
            else:
                rows.append(values)
                lines.append(line)
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the CSV ({exc}); "
                        "check the quotes on that line.") from None
    if header is None:  # only delimiters and spaces
        raise DataError(f"{path} has no column names; a CSV file needs a header row of column names "
                        "and at least one row of data.")
    return header, rows, lines


def _check_header(header: list[str], path: Path, delimiter: str) -> None:
    numbers = [float(name) for name in header if _is_finite_number(name)]
    if len(header) >= 2 and len(numbers) >= len(header) - 1 and (
            len(set(numbers)) < len(numbers) or not all(v.is_integer() for v in numbers)):
        shown = delimiter.join(header[:8]) + (delimiter + "..." if len(header) > 8 else "")
        raise DataError(f"{path}: line 1 ({shown}) looks like data, not column names; the first line must be a "
                        "header. Add a line naming each column (e.g. x1,x2,...,label) at the top.")
    for position, name in enumerate(header, start=1):
        if not name:
            raise DataError(f"{path}: column {position} of the header has no name; name it or delete the "
                            f"column (a {delimiter!r} at the end of every line also makes an empty column).")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise DataError(f"{path}: the column name {name!r} appears twice in the header (columns "
                            f"{seen[name]} and {position}); rename one so every column name is unique.")
        seen[name] = position


def _is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _target_index(header: list[str], target: str, path: Path) -> int:
    if target in header:
        return header.index(target)
    close = difflib.get_close_matches(target, header, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(f"{path}: no column named {target!r} for the target; the columns are: "
                    f"{', '.join(map(repr, header))}.{hint} Pass target= one of these (default: the last column).")


def _line_list(found: list[int], limit: int = 5) -> str:
    shown = ", ".join(map(str, found[:limit]))
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return f"line{'s' if len(found) > 1 else ''} {shown}{more}"


def _check_missing(header: list[str], columns: list[list[str]], chosen: Sequence[int], lines: list[int],
                   path: Path) -> None:
    problems = []
    for i in chosen:
        found = [line for line, value in zip(lines, columns[i], strict=True) if value.lower() in MISSING_TOKENS]
        if found:
            problems.append(f"column {header[i]!r} ({_line_list(found)})")
    if problems:
        raise DataError(f"{path}: missing values in {'; '.join(problems)}. Fill them in or delete those rows "
                        "(empty cells, NA, NaN, null and ? count as missing).")


def _to_float(column: list[str]) -> tuple[np.ndarray | None, int]:
    """(values, -1) if every entry is a number, else (None, index of the first that is not)."""
    try:
        return np.array(column, dtype=np.float64), -1
    except ValueError:
        for index, value in enumerate(column):
            try:
                float(value)
            except ValueError:
                return None, index
        return np.array([float(value) for value in column]), -1


def _looks_like_decimal_comma(value: str) -> bool:
    whole, comma, fraction = value.lstrip("+-").partition(",")
    return bool(comma) and whole.isdigit() and fraction.isdigit()


def _numeric_features(header: list[str], columns: list[list[str]], features: list[int], lines: list[int],
                      path: Path) -> np.ndarray:
    values, problems, decimal_comma = [], [], False
    for i in features:
        numbers, bad = _to_float(columns[i])
        if numbers is None:
            problems.append(f"{header[i]!r} (line {lines[bad]} has {columns[i][bad]!r})")
            decimal_comma |= _looks_like_decimal_comma(columns[i][bad])
            continue
        infinite = np.flatnonzero(np.isinf(numbers))
        if infinite.size:
            raise DataError(f"{path}: column {header[i]!r} has an infinite value ({columns[i][infinite[0]]!r}) on "
                            f"line {lines[infinite[0]]}; replace it with a finite number or delete the row.")
        values.append(numbers)
    if problems:
        what = f"column {problems[0]} is" if len(problems) == 1 else f"columns {', '.join(problems)} are"
        if decimal_comma:
            advice = "It looks like a decimal comma: write the numbers with a '.' (1.5, not 1,5)."
        else:
            advice = (f"Encode text as numbers (e.g. one 0/1 column per category), drop the "
                      f"column{'s' * (len(problems) > 1)}, or pass target= if it is the label column.")
        raise DataError(f"{path}: feature {what} not numeric; features must be numbers. {advice}")
    return np.stack(values, axis=1).astype(np.float32)


def _encode_target(name: str, column: list[str], lines: list[int], path: Path, task: Task | None,
                   ) -> tuple[np.ndarray, list[Any] | None, Task]:
    numbers, bad = _to_float(column)
    if numbers is not None and np.isinf(numbers).any():
        first = int(np.flatnonzero(np.isinf(numbers))[0])
        raise DataError(f"{path}: target column {name!r} has an infinite value ({column[first]!r}) on line "
                        f"{lines[first]}; replace it with a finite number or delete the row.")
    whole = numbers is not None and bool(np.all(numbers == np.round(numbers)))
    if task is None:
        few = numbers is not None and len(np.unique(numbers)) <= MAX_AUTO_CLASSES
        task = "classification" if numbers is None or (whole and few) else "regression"
    if task == "regression":
        if numbers is None:
            raise DataError(f"{path}: task='regression' needs a numeric target, but column {name!r} has "
                            f"{column[bad]!r} on line {lines[bad]}; use task='classification' or another target.")
        return numbers.astype(np.float32), None, task
    if numbers is not None:
        distinct, y = np.unique(numbers, return_inverse=True)
        classes: list[Any] = [int(v) if whole else float(v) for v in distinct]
    else:
        classes = sorted(set(column))
        index = {label: i for i, label in enumerate(classes)}
        y = np.array([index[label] for label in column])
    if len(classes) < 2:
        raise DataError(f"{path}: the target column {name!r} has only one class ({classes[0]!r}) in all "
                        f"{len(column)} rows; classification needs at least two. Check that target= names "
                        "the label column.")
    return y.reshape(-1).astype(np.int64), classes, task
