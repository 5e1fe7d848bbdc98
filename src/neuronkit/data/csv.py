"""CSV files: a table read into a :class:`Table` (named columns, numeric or text, with their line numbers),
a :class:`~neuronkit.data.Dataset`, or the features of new samples.

Reading is the standard library's ``csv``, streamed: only regular files are
opened (a FIFO or a device is refused before any read), a file larger than
``max_bytes`` is refused before any read, and the rows are converted in chunks,
so memory stays proportional to the file (a number takes 8 bytes, whatever its
text). Every problem is a :class:`~neuronkit.errors.DataError` naming the file,
the column and the line (numbered as in a text editor or spreadsheet, the
header on line 1) and what to do.

A first line of numbers only is data, not a header: the columns are then named
``x0, x1, …`` and :attr:`Table.notes` says so.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import math
import os
import stat
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._units import bytes_text
from ..errors import DataError, ParameterError, ParameterTypeError
from ..validation import check_choice, check_int, must_be
from .dataset import TASKS, Dataset, Task

#: a numeric CSV target with at most this many distinct values, all whole numbers, is taken as class labels
MAX_AUTO_CLASSES = 20
#: cell values (compared lower-case, after stripping spaces) that count as missing in a CSV file
MISSING_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "?"})
#: the largest CSV file read unless ``max_bytes`` (``--max-csv-mb``) raises the limit: 256 MiB
MAX_CSV_BYTES = 256 * 2**20
#: the largest magnitude a float32 feature holds
FLOAT32_MAX = float(np.finfo(np.float32).max)
_DELIMITERS = (",", "\t", ";", "|")
_CHUNK_CELLS = 1 << 14  # values converted at a time (at least 16 rows): all that is ever held as Python strings
_SAMPLE_BYTES = 65536  # read to guess the delimiter


@dataclass(frozen=True, eq=False)
class Table:
    """A table of named columns, as read from a CSV file (or made from a dataset).

    ``columns[name]`` is float64 for a numeric column (NaN where a value is
    missing) or an object array of ``str`` for a text column (``None`` where
    missing). ``lines[i]`` is the line of row ``i`` in the file (None for a
    dataset: rows are then numbered from 1). ``sha256`` is the checksum of the
    file's bytes (of the data, for a dataset). ``notes`` are things the reader
    decided that a user should hear (a first line read as data).

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "pets.csv"
    ...     _ = path.write_text("weight,kind\\n4.0,cat\\n\\n,dog\\n3.5,NA\\n")  # line 3 is blank
    ...     table = read_table(path)
    >>> table.n_rows, table.where.endswith("pets.csv"), table.is_text("kind"), table.is_text("weight")
    (3, True, True, False)
    >>> table.missing("weight").tolist(), table.missing("kind").tolist()
    ([False, True, False], [False, False, True])
    >>> table.line(1), table.lines_of([0, 2])  # rows 0-2 are on lines 2, 4 and 5 of the file
    ('line 4', 'lines 2, 5')
    """

    name: str
    header: list[str]
    columns: dict[str, np.ndarray]
    sha256: str
    lines: np.ndarray | None = None
    path: Path | None = None
    headerless: bool = False
    notes: tuple[str, ...] = ()
    kind: str = "csv"  # or "dataset"

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values())))

    @property
    def where(self) -> str:
        """How messages name the table: the file's path, or the dataset's name."""
        return str(self.path) if self.path is not None else self.name

    def is_text(self, name: str) -> bool:
        return self.columns[name].dtype == object

    def missing(self, name: str) -> np.ndarray:
        column = self.columns[name]
        return np.array([v is None for v in column], dtype=bool) if column.dtype == object else np.isnan(column)

    def line(self, row: int) -> str:
        """Where row ``row`` (0-based) is: ``line 7`` of the file, or ``row 7`` of a dataset."""
        return f"line {int(self.lines[row])}" if self.lines is not None else f"row {row + 1}"

    def lines_of(self, rows: Iterable[int], limit: int = 5) -> str:
        """``line 3`` / ``lines 3, 4, 9 and 2 more``: where the given rows are."""
        found = [int(r) for r in rows]
        if self.lines is not None:
            shown, word = [int(self.lines[r]) for r in found[:limit]], "line"
        else:
            shown, word = [r + 1 for r in found[:limit]], "row"
        more = f" and {len(found) - limit} more" if len(found) > limit else ""
        return f"{word}{'s' if len(found) > 1 else ''} {', '.join(map(str, shown))}{more}"


# ----------------------------------------------------------------------------- reading
def read_table(path: str | os.PathLike[str], *, delimiter: str | None = None, max_bytes: int | None = None,
               text_columns: Collection[str] = ()) -> Table:
    """Read a CSV file into a :class:`Table`; ``text_columns`` are kept as text even if they hold numbers.

    A column is numeric when every value that is not missing is a number; one
    text value makes it a text column. Only regular files are read, and only up
    to ``max_bytes`` (None: :data:`MAX_CSV_BYTES`, 256 MiB).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
    >>> _ = path.write_text("weight,kind\\n4.0,cat\\n,dog\\n")
    >>> table = read_table(path)
    >>> table.header, table.columns["weight"].tolist(), table.columns["kind"].tolist(), table.lines.tolist()
    (['weight', 'kind'], [4.0, nan], ['cat', 'dog'], [2, 3])
    """
    text = set(text_columns)
    with _opened_csv(path, max_bytes, delimiter) as (path, fh, digest, delimiter):
        for _ in range(2):  # a second pass only if a column turned out to be text after its first chunk
            fh.seek(0)
            stream = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            try:
                header, columns, lines, headerless = _parse(stream, delimiter, path, text)
                break
            except _TextColumnFound as found:
                text.add(found.name)
            finally:
                stream.detach()  # the file stays open for a second pass; the with-block closes it
        else:  # pragma: no cover - the second pass knows every text column
            raise DataError(f"{path}: cannot decide the column types")
    notes: tuple[str, ...] = ()
    if headerless:
        shown = ", ".join(header[:3]) + (", …" if len(header) > 3 else "")
        notes = (f"{path.name}: its first line is all numbers, so it was read as data, not as column names; "
                 f"the columns are named {shown} (add a header line to name them).",)
    return Table(path.stem, header, columns, digest, lines, path, headerless, notes)


class _TextColumnFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@contextlib.contextmanager
def _opened_csv(path: Any, max_bytes: int | None, delimiter: str | None,
               codec: str = "utf-8-sig") -> Iterator[tuple[Path, IO[bytes], str, str]]:
    r"""A CSV file checked and opened for reading: ``(path, binary file, sha256, delimiter)``.

    What every CSV reader here does first: the path (a regular file, at most ``max_bytes``,
    default :data:`MAX_CSV_BYTES`), the ``delimiter`` (one character, or guessed from the
    first 64 KiB decoded with ``codec``), the checksum, and a refusal of an empty file.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "a.csv"
    ...     _ = path.write_text("x;y\n1;2\n")
    ...     with _opened_csv(path, None, None) as (path, fh, digest, delimiter):
    ...         print(path.name, delimiter, len(digest), fh.read())
    a.csv ; 64 b'x;y\n1;2\n'
    """
    path = _as_path(path)
    max_bytes = MAX_CSV_BYTES if max_bytes is None else check_int(max_bytes, "max_bytes", low=1)
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ParameterError(must_be("delimiter", "a single character such as ',' or ';'", delimiter))
    with _open_regular(path, max_bytes) as fh:
        digest, blank = _checksum(fh, path, max_bytes)
        if blank:
            raise DataError(f"{path} is empty; a CSV file needs a header row of column names and at least one "
                            "row of data.")
        fh.seek(0)
        if delimiter is None:
            delimiter = _guess_delimiter(fh.read(_SAMPLE_BYTES).decode(codec, errors="ignore"))
        fh.seek(0)
        yield path, fh, digest, delimiter


def _as_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterTypeError(must_be("path", "a file path (str or pathlib.Path)", path))
    return Path(path)


def _not_regular(path: Path, mode: int) -> DataError:
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return DataError(f"{path} is {kind}, not a regular file; neuronkit reads CSV data only from files on disk. "
                     "Save the data to a file first and give its path.")


def _too_large(path: Path, size: int, max_bytes: int) -> DataError:
    return DataError(f"{path} is {bytes_text(size)}, more than the limit of {bytes_text(max_bytes)} for a CSV file; "
                     f"raise the limit with --max-csv-mb {math.ceil(size / 2**20) + 1} on the command line "
                     "(max_bytes= in Python), or use a sample of the rows.")


def _open_regular(path: Path, max_bytes: int) -> IO[bytes]:
    """The file opened for binary reading, if it is a regular file no larger than ``max_bytes``."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataError(f"CSV file not found: {path} (full path {path.resolve()}); check the name and the "
                        f"current directory ({Path.cwd()}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{path} is a directory; give the path of a CSV file inside it.")
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    if info.st_size > max_bytes:
        raise _too_large(path, info.st_size, max_bytes)
    # O_NONBLOCK: should the path become a FIFO between the check and the open, the open does not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _checksum(fh: IO[bytes], path: Path, max_bytes: int) -> tuple[str, bool]:
    """sha256 of the file's bytes, and whether they are all white space; refuses a file grown past ``max_bytes``."""
    digest, size, blank = hashlib.sha256(), 0, True
    while block := fh.read(1 << 20):
        size += len(block)
        if size > max_bytes:
            raise _too_large(path, size, max_bytes)
        digest.update(block)
        blank = blank and not block.strip()
    return digest.hexdigest(), blank


def _guess_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (>1) of fields, the most fields winning.

    If none is consistent (a ragged file), the one that splits the header most,
    so the ragged row gets a clear message; ``,`` when nothing splits at all.
    """
    sample = [line for line in text.splitlines()[:50] if line.strip()][:20]

    def widths(delimiter: str) -> list[int]:
        try:
            return [len(row) for row in csv.reader(sample, delimiter=delimiter)] or [0]
        except csv.Error:
            return [0]

    by_delimiter = {delimiter: widths(delimiter) for delimiter in _DELIMITERS}
    consistent = [d for d, w in by_delimiter.items() if len(set(w)) == 1 and w[0] > 1]
    if consistent:
        return max(consistent, key=lambda d: by_delimiter[d][0])  # max keeps the first of equals
    return max(_DELIMITERS, key=lambda d: by_delimiter[d][0])


def _parse(stream: IO[str], delimiter: str, path: Path, text_columns: set[str],
           ) -> tuple[list[str], dict[str, np.ndarray], np.ndarray, bool]:
    """Header, columns, each row's first line number, and whether the file had no header."""
    reader = csv.reader(stream, delimiter=delimiter)
    header: list[str] | None = None
    headerless = False
    chunk: list[list[str]] = []
    chunk_lines: list[int] = []
    parts: list[list[np.ndarray]] = []
    line_parts: list[np.ndarray] = []
    interned: list[dict[str, str]] = []
    previous_line = 0
    chunk_rows = 16

    def flush() -> None:
        assert header is not None
        by_column = list(zip(*chunk, strict=True))
        for j, name in enumerate(header):
            parts[j].append(_convert(by_column[j], name, name in text_columns, bool(parts[j]), interned[j],
                                     chunk_lines, path))
        line_parts.append(np.array(chunk_lines, dtype=np.int64))
        chunk.clear()
        chunk_lines.clear()

    try:
        for record in reader:
            line, previous_line = previous_line + 1, reader.line_num
            values = [value.strip() for value in record]
            if not any(values):
                continue
            if header is None:
                if all(_is_number(value) for value in values):
                    header, headerless = [f"x{i}" for i in range(len(values))], True
                else:
                    _check_header(values, path, delimiter)
                    header = values
                parts = [[] for _ in header]
                interned = [{} for _ in header]
                chunk_rows = max(16, _CHUNK_CELLS // len(header))
                if not headerless:
                    continue
            if len(values) != len(header):
                raise DataError(
                    f"{path}, line {line}: expected {len(header)} fields (one per header column) but got "
                    f"{len(values)}. Check for a missing or extra {delimiter!r}; a value that contains "
                    f"{delimiter!r} must be in double quotes.")
            chunk.append(values)
            chunk_lines.append(line)
            if len(chunk) >= chunk_rows:
                flush()
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the CSV ({exc}); "
                        "check the quotes on that line.") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (near line {previous_line + 1}, byte "
                        f"{exc.object[exc.start:exc.start + 1]!r}); save it as 'CSV UTF-8' or convert it, e.g. "
                        "iconv -f latin1 -t utf-8.") from None
    if header is None:  # only delimiters and spaces
        raise DataError(f"{path} has no column names; a CSV file needs a header row of column names "
                        "and at least one row of data.")
    if chunk:
        flush()
    if not line_parts:
        raise DataError(f"{path}: only a header ({len(header)} columns: {', '.join(header)}) and no data rows; "
                        "add at least one row of values.")
    columns = {}
    for j, name in enumerate(header):  # one column at a time, its chunks freed as it is joined
        columns[name] = np.concatenate(parts[j])
        parts[j].clear()
    return header, columns, np.concatenate(line_parts), headerless


def _convert(values: Sequence[str], name: str, as_text: bool, seen_before: bool, interned: dict[str, str],
             lines: list[int], path: Path) -> np.ndarray:
    """One chunk of one column: float64 (NaN for missing), or object str (None for missing) for a text column."""
    if as_text:
        return np.array([None if v.lower() in MISSING_TOKENS else interned.setdefault(v, v) for v in values],
                        dtype=object)
    try:
        numbers = np.array(values, dtype=np.float64)
    except ValueError:
        numbers = np.empty(len(values), dtype=np.float64)
        for i, value in enumerate(values):
            if value.lower() in MISSING_TOKENS:
                numbers[i] = np.nan
                continue
            try:
                numbers[i] = float(value)
            except ValueError:
                if seen_before:  # earlier chunks were read as numbers: read the file again, this column as text
                    raise _TextColumnFound(name) from None
                return _convert(values, name, True, False, interned, lines, path)
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        i = int(infinite[0])
        raise DataError(f"{path}: column {name!r} has an infinite value ({values[i]!r}) on line {lines[i]}; "
                        "replace it with a finite number or delete the row.")
    return numbers


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _check_header(header: list[str], path: Path, delimiter: str) -> None:
    numbers = [float(name) for name in header if _is_number(name)]
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


# ----------------------------------------------------------------------------- columns as features and targets
def column_index(header: Sequence[str], name: str, where: str, what: str = "target",
                 advice: str = "Pass target= one of these (default: the last column).") -> str:
    """``name`` if the header has it, else a :class:`DataError` listing the columns and the closest name.

    >>> column_index(["weight", "height", "kind"], "kind", "pets.csv")
    'kind'
    >>> column_index(["weight", "height", "kind"], "knd", "pets.csv")
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: no column named 'knd' for the target; the columns are: 'weight',
    'height', 'kind'. Did you mean 'kind'? Pass target= one of these (default: the last column).
    """
    if name in header:
        return name
    close = difflib.get_close_matches(name, list(header), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(f"{where}: no column named {name!r} for the {what}; the columns are: "
                    f"{', '.join(map(repr, header))}.{hint} {advice}")


def check_no_missing(table: Table, names: Sequence[str], advice: str) -> None:
    """A :class:`DataError` naming every column with missing values and their lines.

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "height", "kind"],
    ...               {"weight": np.array([4.0, np.nan, 3.5]), "height": np.array([25.0, 60.0, 23.0]),
    ...                "kind": np.array(["cat", "dog", None], dtype=object)}, sha256="", lines=np.array([2, 3, 5]))
    >>> check_no_missing(table, ["height"], "Fill them in.")  # none missing: nothing happens
    >>> check_no_missing(table, ["weight", "height", "kind"], "Fill them in.")
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: missing values in column 'weight' (line 3); column 'kind' (line 5).
    Fill them in.
    """
    problems = []
    for name in names:
        rows = np.flatnonzero(table.missing(name))
        if rows.size:
            problems.append(f"column {name!r} ({table.lines_of(rows)})")
    if problems:
        raise DataError(f"{table.where}: missing values in {'; '.join(problems)}. {advice}")


#: what to do about missing feature values, when nothing imputes them
FILL_ADVICE = ("Fill them in or delete those rows (empty cells, NA, NaN, null and ? count as missing), or impute "
               "them: --impute mean|median|most_frequent on the command line.")


def _looks_like_decimal_comma(value: str) -> bool:
    whole, comma, fraction = value.lstrip("+-").partition(",")
    return bool(comma) and whole.isdigit() and fraction.isdigit()


def text_features_error(table: Table, names: Sequence[str]) -> DataError:
    """The message for text in feature columns that nothing encodes.

    It shows the first value that is not a number, and recognises a decimal comma:

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "height", "kind"],
    ...               {"weight": np.array([4.0, np.nan, 3.5]), "height": np.array([25.0, 60.0, 23.0]),
    ...                "kind": np.array(["cat", "dog", None], dtype=object)}, sha256="", lines=np.array([2, 3, 5]))
    >>> print(text_features_error(table, ["kind"]))
    pets.csv: feature column 'kind' (line 2 has 'cat') is not numeric; features must be numbers. Encode text as
    numbers (one 0/1 column per category: --categorical onehot on the command line), drop the column, or pass
    target=COLUMN if it is the label column.
    >>> prices = Table("prices.csv", ["price"], {"price": np.array(["1,5", "2,0"], dtype=object)}, sha256="",
    ...                lines=np.array([2, 3]))
    >>> print(text_features_error(prices, ["price"]))
    prices.csv: feature column 'price' (line 2 has '1,5') is not numeric; features must be numbers. It looks like
    a decimal comma: write the numbers with a '.' (1.5, not 1,5).
    """
    problems, decimal_comma = [], False
    for name in names:
        column = table.columns[name]
        present = [i for i, v in enumerate(column) if v is not None]
        first = next((i for i in present if not _is_number(column[i])), present[0] if present else 0)
        problems.append(f"{name!r} ({table.line(first)} has {column[first]!r})")
        decimal_comma |= _looks_like_decimal_comma(column[first])
    what = f"column {problems[0]} is" if len(problems) == 1 else f"columns {', '.join(problems)} are"
    if decimal_comma:
        advice = "It looks like a decimal comma: write the numbers with a '.' (1.5, not 1,5)."
    else:
        advice = (f"Encode text as numbers (one 0/1 column per category: --categorical onehot on the command "
                  f"line), drop the column{'s' * (len(problems) > 1)}, or pass target=COLUMN if it is the "
                  "label column.")
    return DataError(f"{table.where}: feature {what} not numeric; features must be numbers. {advice}")


def as_float32(table: Table, name: str, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """float64 values of a column as float32, refusing a value beyond float32's range (with its line).

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "height", "kind"],
    ...               {"weight": np.array([4.0, np.nan, 3.5]), "height": np.array([25.0, 60.0, 23.0]),
    ...                "kind": np.array(["cat", "dog", None], dtype=object)}, sha256="", lines=np.array([2, 3, 5]))
    >>> as_float32(table, "height", table.columns["height"])
    array([25., 60., 23.], dtype=float32)
    >>> as_float32(table, "height", np.array([25.0, 1e39, 23.0]))
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: column 'height' has 1e+39 on line 3, beyond the largest number a
    feature can hold (±3.4e+38, float32); rescale the column (other units, or a logarithm) or delete the row.
    """
    check_float32_range(table, name, values, rows)
    return values.astype(np.float32)


def check_float32_range(table: Table, name: str, values: np.ndarray, rows: np.ndarray | None = None) -> None:
    """Refuse a value beyond float32's range, naming the file, column and line.

    ``rows`` maps the positions in ``values`` to the table's rows (default: the same).

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "height", "kind"],
    ...               {"weight": np.array([4.0, np.nan, 3.5]), "height": np.array([25.0, 60.0, 23.0]),
    ...                "kind": np.array(["cat", "dog", None], dtype=object)}, sha256="", lines=np.array([2, 3, 5]))
    >>> check_float32_range(table, "height", np.array([3.4e38, -3.4e38]))  # within range: nothing happens
    >>> check_float32_range(table, "height", np.array([1.0, -1e39]), rows=np.array([1, 2]))
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: column 'height' has -1e+39 on line 5, beyond the largest number a
    feature can hold (±3.4e+38, float32); rescale the column (other units, or a logarithm) or delete the row.
    """
    with np.errstate(invalid="ignore"):
        big = np.flatnonzero(np.abs(values) > FLOAT32_MAX)
    if big.size:
        i = int(big[0])
        row = i if rows is None else int(rows[i])
        raise DataError(f"{table.where}: column {name!r} has {values[i]:g} on {table.line(row)}, beyond the largest "
                        f"number a feature can hold (±{FLOAT32_MAX:.3g}, float32); rescale the column (other units, "
                        "or a logarithm) or delete the row.")


def numeric_features(table: Table, names: Sequence[str]) -> np.ndarray:
    """The named columns as float32 features (n_rows, len(names)): numbers only, none missing.

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "height", "kind"],
    ...               {"weight": np.array([4.0, np.nan, 3.5]), "height": np.array([25.0, 60.0, 23.0]),
    ...                "kind": np.array(["cat", "dog", None], dtype=object)}, sha256="", lines=np.array([2, 3, 5]))
    >>> numeric_features(table, ["height"]).tolist()
    [[25.0], [60.0], [23.0]]
    >>> numeric_features(table, ["height", "weight"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: missing values in column 'weight' (line 3). Fill them in or delete ...
    """
    text = [name for name in names if table.is_text(name)]
    if text:
        raise text_features_error(table, text)
    check_no_missing(table, names, FILL_ADVICE)
    if not names:
        return np.zeros((table.n_rows, 0), dtype=np.float32)
    return np.stack([as_float32(table, name, table.columns[name]) for name in names], axis=1)


def _whole(numbers: np.ndarray) -> bool:
    return bool(np.all(numbers == np.round(numbers)))


def is_continuous(numbers: np.ndarray) -> bool:
    """Numbers that are measurements, not labels: some are not whole, and there are more than
    :data:`MAX_AUTO_CLASSES` distinct values or no value repeats.

    >>> import numpy as np
    >>> is_continuous(np.array([0.0, 1.0, 2.0, 1.0]))  # whole numbers: labels
    False
    >>> is_continuous(np.array([0.5, 0.5, 1.0]))  # few values, repeated: labels
    False
    >>> is_continuous(np.array([1.5, 2.25, 3.0])), is_continuous(np.linspace(0, 1, 21))  # none repeats; > 20 values
    (True, True)
    """
    distinct = len(np.unique(numbers))
    return not _whole(numbers) and (distinct > MAX_AUTO_CLASSES or distinct == len(numbers) > 1)


def encode_target(table: Table, name: str, task: Task | None = None, *, flag: str = "task=",
                  ) -> tuple[np.ndarray, list[Any] | None, Task, str | None]:
    """The target column as ``(y, classes, task, note)``: class indices and labels, or float32 values.

    ``task=None`` decides: text, or whole numbers with at most
    :data:`MAX_AUTO_CLASSES` distinct values, are classes (the note says so and
    how to ask for regression); other numbers are a regression target. Missing
    labels, text for regression and continuous numbers for classification are
    refused. ``flag`` is how messages name the task option (``--task`` on the
    command line).

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "legs", "kind"],
    ...               {"weight": np.array([4.0, 30.5, 3.5]), "legs": np.array([4.0, 4.0, 2.0]),
    ...                "kind": np.array(["cat", "dog", "bird"], dtype=object)}, sha256="", lines=np.array([2, 3, 4]))
    >>> y, classes, task, note = encode_target(table, "kind")  # text: classes, sorted
    >>> y.tolist(), classes, task, note
    ([1, 2, 0], ['bird', 'cat', 'dog'], 'classification', None)
    >>> y, classes, task, note = encode_target(table, "legs")  # few whole numbers: classes, and a note
    >>> y.tolist(), classes, task
    ([1, 1, 0], [2, 4], 'classification')
    >>> note
    "target 'legs' holds 2 distinct whole numbers, so they are taken as classes; pass task=regression to predict
    them as numbers."
    >>> y, classes, task, note = encode_target(table, "weight")  # other numbers: a regression target
    >>> y, classes, task
    (array([ 4. , 30.5,  3.5], dtype=float32), None, 'regression')
    >>> encode_target(table, "weight", "classification")
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: task=classification needs class labels, but the target 'weight' is
    continuous (3 distinct values, e.g. 30.5 on line 3); use task=regression, or bin the values into classes first.
    """
    if task is not None:
        check_choice(task, "task", (*TASKS, None))
    column = table.columns[name]
    absent = np.flatnonzero(table.missing(name))
    if absent.size:
        raise DataError(f"{table.where}: the target column {name!r} has missing values ({table.lines_of(absent)}); "
                        "a model cannot learn from or be scored on a row without its target. Fill them in or "
                        "delete those rows.")
    note = None
    if column.dtype != object:
        numbers = column
        whole = _whole(numbers)
        if task is None:
            few = len(np.unique(numbers)) <= MAX_AUTO_CLASSES
            task = "classification" if whole and few else "regression"
            if task == "classification":
                note = (f"target {name!r} holds {len(np.unique(numbers))} distinct whole numbers, so they are taken "
                        f"as classes; pass {flag}regression to predict them as numbers.")
        if task == "regression":
            return as_float32(table, name, numbers), None, task, note
        if is_continuous(numbers):
            i = int(np.flatnonzero(numbers != np.round(numbers))[0])
            raise DataError(f"{table.where}: {flag}classification needs class labels, but the target {name!r} is "
                            f"continuous ({len(np.unique(numbers))} distinct values, e.g. {numbers[i]:g} on "
                            f"{table.line(i)}); use {flag}regression, or bin the values into classes first.")
        distinct, y = np.unique(numbers, return_inverse=True)
        classes: list[Any] = [int(v) if whole else float(v) for v in distinct]
    else:
        if task == "regression":
            i = next(i for i, v in enumerate(column) if not _is_number(v))
            raise DataError(f"{table.where}: {flag}regression needs a numeric target, but column {name!r} has "
                            f"{column[i]!r} on {table.line(i)}; use {flag}classification or another target.")
        task = "classification"
        classes = sorted(set(column.tolist()))
        index = {label: i for i, label in enumerate(classes)}
        y = np.array([index[label] for label in column])
    if len(classes) < 2:
        raise DataError(f"{table.where}: the target column {name!r} has only one class ({classes[0]!r}) in all "
                        f"{len(column)} rows; classification needs at least two. Check that target= names "
                        "the label column.")
    return y.reshape(-1).astype(np.int64), classes, task, note


# ----------------------------------------------------------------------------- the public readers
def load_csv(path: str | os.PathLike[str], target: str | None = None, *, delimiter: str | None = None,
             task: Task | None = None, max_bytes: int | None = None) -> Dataset:
    """Load a CSV file into a :class:`Dataset`.

    path : the file; ``target`` : the name of the label column (default: the last column).
    Every other column is a feature and must be numeric. The delimiter (``,``
    ``;`` tab or ``|``) is detected unless given. A first line of numbers only
    is read as data, the columns named ``x0, x1, …`` (``Dataset.notes`` says so).

    task : ``None`` decides from the target column: text labels, or whole numbers
        with at most ``MAX_AUTO_CLASSES`` (20) distinct values, mean classification;
        other numbers mean regression. Pass ``task=`` to override (continuous
        numbers cannot be classes).

    max_bytes : the largest file read (default 256 MiB); only regular files are read.

    For classification, ``classes`` holds the sorted distinct labels (numbers
    sorted as numbers) and ``y`` their indices. Empty cells and ``NA``, ``NaN``,
    ``null``, ``?`` count as missing (and are refused); lines that are entirely
    empty are skipped. Errors (:class:`DataError`) name the file, column and
    line; line numbers are as in a text editor or spreadsheet, with the header on line 1.

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
    table = read_table(path, delimiter=delimiter, max_bytes=max_bytes)
    t = table.header[-1] if target is None else column_index(table.header, target, str(path))
    features = [name for name in table.header if name != t]
    check_no_missing(table, [*features, t], FILL_ADVICE)
    if not features:
        raise DataError(f"{path}: the only column is the target {t!r}; there are no feature columns "
                        "to learn from.")
    X = numeric_features(table, features)
    y, classes, task, note = encode_target(table, t, task)
    summary = f"{len(classes)} classes" if classes is not None else "regression"
    return Dataset(path.stem, X, y, task, features, classes=classes, target_name=t,
                   description=f"{path.name}: {table.n_rows} rows, {len(features)} numeric features, "
                               f"target {t!r} ({summary})",
                   notes=table.notes + ((note,) if note else ()))


def load_features_csv(path: str | os.PathLike[str], *, feature_names: Sequence[str] | None = None,
                      n_features: int | None = None, delimiter: str | None = None,
                      max_bytes: int | None = None) -> tuple[np.ndarray, list[str]]:
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
    table = read_table(path, delimiter=delimiter, max_bytes=max_bytes)
    chosen = choose_features(table, wanted, n_features)[0]
    return numeric_features(table, chosen), chosen


def choose_features(table: Table, wanted: list[str] | None, n_features: int | None, *,
                    exclude: Sequence[str] = (), by_position: bool = True) -> tuple[list[str], list[str]]:
    """The table's columns for a model's features, and notes: by name when the model has names (any order,
    other columns ignored), else in file order (the count must match).

    A table that has none of the names but exactly as many columns (besides
    ``exclude``, the target) is taken in file order, and a note says so: a file
    without a header always, one with other names only if ``by_position``.

    >>> import numpy as np
    >>> table = Table("pets.csv", ["weight", "legs", "kind"],
    ...               {"weight": np.array([4.0, 30.5, 3.5]), "legs": np.array([4.0, 4.0, 2.0]),
    ...                "kind": np.array(["cat", "dog", "bird"], dtype=object)}, sha256="", lines=np.array([2, 3, 4]))
    >>> choose_features(table, ["legs", "weight"], None)  # by name, in the model's order
    (['legs', 'weight'], ["pets.csv: columns not used by the model, ignored: 'kind'."])
    >>> choose_features(table, None, 2, exclude=["kind"])  # no names: file order, the count checked
    (['weight', 'legs'], [])
    >>> choose_features(table, ["legs", "age"], None)
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: pets.csv: the model needs the feature columns 'legs', 'age'; it lacks 'age' (its
    columns: 'weight', 'legs', 'kind'). Rename the header to match, or give exactly 2 columns in the training order.
    """
    header = [name for name in table.header if name not in exclude]
    if wanted is not None:
        found = [name for name in wanted if name in header]
        if len(found) == len(wanted):
            extra = [name for name in header if name not in wanted]
            notes = [f"{table.where}: columns not used by the model, ignored: {', '.join(map(repr, extra[:10]))}"
                     f"{' and more' if len(extra) > 10 else ''}."] if extra else []
            return list(wanted), notes
        if not found and len(header) == len(wanted) and (by_position or table.headerless):
            return header, [f"{table.where}: none of its columns ({', '.join(map(repr, header[:6]))}"
                            f"{', …' if len(header) > 6 else ''}) has a name the model knows, so they are taken in "
                            f"file order as the model's {', '.join(map(repr, wanted[:6]))}"
                            f"{', …' if len(wanted) > 6 else ''}."]
        missing = [name for name in wanted if name not in header]
        raise DataError(f"{table.where}: the model needs the feature columns {', '.join(map(repr, wanted))}; "
                        f"{'the file' if table.path is not None else 'it'} lacks {', '.join(map(repr, missing))} "
                        f"(its columns: "
                        f"{', '.join(map(repr, table.header))}). Rename the header to match, or give exactly "
                        f"{len(wanted)} columns in the training order.")
    if n_features is not None and len(header) != n_features and table.path is None:
        raise DataError(f"{table.where} has {len(header)} features but the model takes {n_features}; use the model "
                        "on the kind of data it was trained on.")
    if n_features is not None and len(header) != n_features:
        raise DataError(f"{table.where}: the model expects {n_features} features but the file has {len(header)} "
                        f"columns ({', '.join(map(repr, header))}); drop any target or extra columns.")
    return header, []

