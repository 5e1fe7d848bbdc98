"""Text data: a word :class:`Tokenizer`, the :class:`TextDataset` record, CSV text columns and the demo corpus.

A text becomes a row of integer word ids, ready for an ``Embedding`` layer:

- **words** are what :data:`TOKEN_PATTERN` matches: runs of letters and digits
  (any alphabet), with apostrophes inside a word kept (``don't``, ``o'clock``;
  a typographic ``’`` counts as ``'``), after Unicode NFC normalisation (so an
  ``é`` typed as ``e`` plus an accent is the same word as a single ``é``). Numbers are words (``2024``, and
  ``3.5`` is the two words ``3`` and ``5``); punctuation, symbols and white
  space only separate words. Words are lower-cased unless ``lowercase=False``.
- **ids**: 0 is padding (``"<pad>"``), 1 an out-of-vocabulary word
  (``"<unk>"``), then the vocabulary by count, most frequent first, equal
  counts in alphabetical order, so the same texts always give the same ids.
- **a batch** of N texts is an int64 array (N, L), L the longest text's word
  count (capped by ``max_len``), padded on the right with 0: the padding mask
  the layers take is ``ids != 0``.

The tokenizer is stored in a model file as plain JSON (:meth:`Tokenizer.to_dict`),
checked as untrusted input when read back (:meth:`Tokenizer.from_dict`).

CSV text columns (:func:`read_text_table`, :func:`load_text_csv`) are read with
the standard library's ``csv``: quoted fields may hold the delimiter, quotes
(doubled) and line breaks; the file is UTF-8, with or without a byte-order
mark, unless ``encoding=`` says otherwise (a file that is not UTF-8 is refused,
naming the line of the first byte that does not decode, never guessed: any
bytes decode as Latin-1, so a guess could silently garble the text). One field
holds at most ``csv.field_size_limit()`` characters (131,072 by default, about
20,000 words); a longer one is refused naming its line.

>>> tok = Tokenizer().fit(["The cat sat.", "The dog sat down!"])
>>> tok.vocabulary
['<pad>', '<unk>', 'sat', 'the', 'cat', 'dog', 'down']
>>> tok.encode(["the cat sat", "a dog"]).tolist()
[[3, 4, 2], [1, 5, 0]]
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, IndexRangeError, ModelFileError, NotFittedError, ParameterError, ParameterTypeError
from ..registry import Registry
from ..validation import check_bool, check_int, must_be
from .csv import (
    MISSING_TOKENS,
    Table,
    _as_path,
    _check_header,
    _opened_csv,
    column_index,
    encode_target,
)

__all__ = [
    "MAX_VOCAB", "MAX_WORD_CHARS", "PAD", "TEXT_DATASETS", "TOKEN_PATTERN", "TextDataset", "Tokenizer", "UNK",
    "load_text", "load_text_csv", "read_text_table", "text_datasets", "texts_from_table",
]

#: what a word is: letters and digits (any alphabet), with apostrophes inside a word (``don't``)
TOKEN_PATTERN = r"[^\W_]+(?:'[^\W_]+)*"
_TOKEN = re.compile(TOKEN_PATTERN)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
#: the padding word, id 0
PAD = "<pad>"
#: the out-of-vocabulary word, id 1
UNK = "<unk>"
#: the most words (the two special ones included) a tokenizer may hold, fitted or read from a model file
MAX_VOCAB = 1_000_000
#: the longest word (characters) a tokenizer read from a model file may hold
MAX_WORD_CHARS = 200
_MAX_LEN = 1_000_000  # the largest max_len (words per text) a model file may declare
_FORMAT = "neuronkit.tokenizer"


def _texts(texts: Any, owner: str) -> list[str]:
    """``texts`` as a list of str: a list, tuple, 1-D array or pandas Series of strings (not one string)."""
    if isinstance(texts, str):
        raise ParameterTypeError(f"{owner} texts must be a list of strings, one per sample; got a single string "
                                 f"({texts[:40]!r}). Wrap it in a list: [text].")
    if hasattr(texts, "to_numpy") and not isinstance(texts, np.ndarray):  # a pandas Series
        texts = texts.to_numpy()
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise ParameterTypeError(f"{owner} texts must be a 1-D list of strings; got an array of shape "
                                     f"{texts.shape}")
        texts = texts.tolist()
    if not isinstance(texts, (list, tuple)):
        raise ParameterTypeError(must_be("texts", "a list of strings, one per sample", texts, owner=owner))
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterTypeError(f"{owner} texts[{i}] must be a string; got {type(text).__name__} "
                                     f"{text!r:.60}. Convert missing texts to strings or drop those samples.")
    return list(texts)


class Tokenizer:
    """Words to integer ids and back: 0 pads, 1 stands for an unknown word, then the vocabulary.

    Parameters
    ----------
    min_count : int, default 1
        A word seen fewer times than this in :meth:`fit`'s texts is left out of
        the vocabulary (it encodes as 1, ``"<unk>"``).
    max_vocab : int or None
        The most ids, the two special ones included (Keras's ``max_tokens``):
        the ``max_vocab - 2`` most frequent words are kept. At least 3.
    lowercase : bool, default True
        Lower-case the text before finding words.
    max_len : int or None
        The longest row :meth:`encode` returns by default: a text with more
        words keeps its first ``max_len``.

    ``fit(texts)`` finds the words (:data:`TOKEN_PATTERN`) and numbers them:
    id ``i + 2`` is the ``i``-th word sorted by count descending, then
    alphabetically. ``vocabulary[i]`` is the word of id ``i``.

    >>> tok = Tokenizer(min_count=2).fit(["Rain, rain, go away!", "Come again another day", "Rain again?"])
    >>> tok.vocabulary
    ['<pad>', '<unk>', 'rain', 'again']
    >>> ids = tok.encode(["Rain again today", "again"])
    >>> ids.tolist(), ids.dtype.name
    ([[2, 3, 1], [3, 0, 0]], 'int64')
    >>> tok.decode(ids)
    ['rain again <unk>', 'again']
    >>> Tokenizer.from_dict(tok.to_dict()).vocabulary == tok.vocabulary
    True
    """

    def __init__(self, *, min_count: int = 1, max_vocab: int | None = None, lowercase: bool = True,
                 max_len: int | None = None) -> None:
        self.min_count = check_int(min_count, "min_count", low=1, owner="Tokenizer")
        self.max_vocab = None if max_vocab is None else check_int(max_vocab, "max_vocab", low=3, high=MAX_VOCAB,
                                                                  owner="Tokenizer")
        self.lowercase = check_bool(lowercase, "lowercase", owner="Tokenizer")
        self.max_len = None if max_len is None else check_int(max_len, "max_len", low=1, owner="Tokenizer")
        self._vocabulary: list[str] | None = None
        self._ids: dict[str, int] = {}

    # ------------------------------------------------------------------ words
    def tokenize(self, text: str) -> list[str]:
        """The words of one text, in order (lower-cased unless ``lowercase=False``).

        >>> Tokenizer().tokenize("Don’t stop: 3.5 km to the C++ café!")
        ["don't", 'stop', '3', '5', 'km', 'to', 'the', 'c', 'café']
        """
        if not isinstance(text, str):
            raise ParameterTypeError(must_be("text", "a string", text, owner="Tokenizer.tokenize"))
        text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
        return _TOKEN.findall(text.lower() if self.lowercase else text)

    def fit(self, texts: Sequence[str]) -> Tokenizer:
        """Build the vocabulary from ``texts`` (a list of strings); returns the tokenizer.

        A text with no words is refused, naming it: training data should not
        hold empty samples.

        >>> Tokenizer().fit(["b a", "a c"]).vocabulary
        ['<pad>', '<unk>', 'a', 'b', 'c']
        """
        texts = _texts(texts, "Tokenizer.fit")
        if not texts:
            raise DataError("Tokenizer.fit needs at least one text; got an empty list")
        counts: Counter[str] = Counter()
        for i, text in enumerate(texts):
            words = self.tokenize(text)
            if not words:
                raise DataError(_no_words(i, text, "Tokenizer.fit"))
            counts.update(words)
        ranked = sorted((item for item in counts.items() if item[1] >= self.min_count), key=lambda wc: (-wc[1], wc[0]))
        if not ranked:
            top = max(counts.values())
            raise DataError(f"Tokenizer min_count={self.min_count} leaves no words: the most frequent word occurs "
                            f"{top} time{'s' * (top > 1)} in the {len(texts)} texts. Lower min_count.")
        limit = MAX_VOCAB if self.max_vocab is None else self.max_vocab
        self._set_vocabulary([PAD, UNK, *(word for word, _ in ranked[: limit - 2])])
        return self

    def _set_vocabulary(self, vocabulary: list[str]) -> None:
        self._vocabulary = vocabulary
        self._ids = {word: i for i, word in enumerate(vocabulary)}

    @property
    def fitted(self) -> bool:
        """Whether the tokenizer has a vocabulary (from :meth:`fit` or :meth:`from_dict`)."""
        return self._vocabulary is not None

    @property
    def vocabulary(self) -> list[str]:
        """The words by id: ``["<pad>", "<unk>", most frequent word, ...]`` (a copy)."""
        return list(self._fitted())

    @property
    def vocab_size(self) -> int:
        """The number of ids, the two special ones included: an ``Embedding``'s ``num_embeddings``."""
        return len(self._fitted())

    def _fitted(self) -> list[str]:
        if self._vocabulary is None:
            raise NotFittedError("this Tokenizer has no vocabulary yet; call fit(texts) on the training texts first "
                                 "(or read one with Tokenizer.from_dict)")
        return self._vocabulary

    # ------------------------------------------------------------------ ids
    def encode(self, texts: Sequence[str], max_len: int | None = None) -> np.ndarray:
        """Ids (N, L) int64 of N texts: L is the longest text's word count, capped at ``max_len``.

        ``max_len`` (default: the tokenizer's own, else no cap) keeps the first
        ``max_len`` words of a longer text; shorter rows are padded with 0 on the
        right. Unknown words are 1. A text with no words is refused, naming it
        (a model cannot classify nothing).

        >>> tok = Tokenizer().fit(["one two three four"])
        >>> tok.vocabulary[2:]
        ['four', 'one', 'three', 'two']
        >>> tok.encode(["four three two one", "five"], max_len=3).tolist()
        [[2, 4, 5], [1, 0, 0]]
        """
        self._fitted()
        texts = _texts(texts, "Tokenizer.encode")
        cap = self.max_len if max_len is None else check_int(max_len, "max_len", low=1, owner="Tokenizer.encode")
        rows = []
        for i, text in enumerate(texts):
            words = self.tokenize(text)
            if not words:
                raise DataError(_no_words(i, text, "Tokenizer.encode"))
            rows.append([self._ids.get(word, 1) for word in (words if cap is None else words[:cap])])
        ids = np.zeros((len(rows), max((len(r) for r in rows), default=0)), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return ids

    def decode(self, ids: Any) -> list[str] | str:
        """The words of ids, joined by spaces, padding left out: a list of N strings for (N, L) ids, one string
        for (L,) ids. Out-of-vocabulary words come back as ``"<unk>"``.

        >>> tok = Tokenizer().fit(["hello world"])
        >>> tok.decode([2, 1, 3, 0]), tok.decode([[3], [0]])
        ('hello <unk> world', ['world', ''])
        """
        vocabulary = self._fitted()
        array = np.asarray(ids)
        if array.dtype.kind not in "iu" or array.ndim not in (1, 2):
            raise ParameterError(f"Tokenizer.decode ids must be integer word ids, shape (L,) or (N, L); got "
                                 f"{array.dtype.name} of shape {array.shape}")
        bad = np.flatnonzero((array.reshape(-1) < 0) | (array.reshape(-1) >= len(vocabulary)))
        if bad.size:
            where = tuple(int(i) for i in np.unravel_index(int(bad[0]), array.shape))
            raise IndexRangeError(f"Tokenizer.decode: id {int(array.reshape(-1)[bad[0]])} at index {where} is "
                                  f"outside the vocabulary 0..{len(vocabulary) - 1}; these ids come from another "
                                  "tokenizer or model.")
        rows = [" ".join(vocabulary[i] for i in row if i != 0) for row in np.atleast_2d(array).tolist()]
        return rows[0] if array.ndim == 1 else rows

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for a model file: the options and the vocabulary (specials first).

        >>> Tokenizer(max_len=8).fit(["hi"]).to_dict()["vocabulary"]
        ['<pad>', '<unk>', 'hi']
        """
        return {"format": _FORMAT, "version": 1, "min_count": self.min_count, "max_vocab": self.max_vocab,
                "lowercase": self.lowercase, "max_len": self.max_len, "vocabulary": list(self._fitted())}

    @classmethod
    def from_dict(cls, data: Any, where: str = "the model file") -> Tokenizer:
        """The tokenizer from :meth:`to_dict`'s JSON, checked as untrusted input (types, limits, every word).

        Raises :class:`~neuronkit.errors.ModelFileError` naming ``where``.

        >>> Tokenizer.from_dict({"format": "neuronkit.tokenizer", "version": 1, "min_count": 1, "max_vocab": None,
        ...                      "lowercase": True, "max_len": None, "vocabulary": ["<pad>", "<unk>", "yes"]}
        ...                     ).encode(["Yes no"]).tolist()
        [[2, 1]]
        """
        def bad(what: str) -> ModelFileError:
            return ModelFileError(f"{where}: its tokenizer {what}; the file was damaged or not written by neuronkit. "
                                  "Train the model again.")
        if not isinstance(data, dict):
            raise bad(f"must be a JSON object; got {type(data).__name__}")
        if data.get("format") != _FORMAT or data.get("version") != 1:
            raise bad(f"must have format {_FORMAT!r} and version 1")
        unknown = sorted(set(data) - {"format", "version", "min_count", "max_vocab", "lowercase", "max_len",
                                      "vocabulary"})
        if unknown:
            raise bad(f"has unknown keys {', '.join(repr(str(k)[:50]) for k in unknown[:5])}")

        def whole(key: str, low: int, high: int, optional: bool) -> int | None:
            value = data.get(key)
            if value is None and optional:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise bad(f"{key!r} must be a whole number in [{low}, {high}]{' or null' if optional else ''}")
            return value

        min_count = whole("min_count", 1, 2**53, False)
        max_vocab = whole("max_vocab", 3, MAX_VOCAB, True)
        max_len = whole("max_len", 1, _MAX_LEN, True)
        lowercase = data.get("lowercase")
        if not isinstance(lowercase, bool):
            raise bad("'lowercase' must be true or false")
        vocabulary = data.get("vocabulary")
        if not isinstance(vocabulary, list) or not 3 <= len(vocabulary) <= (max_vocab or MAX_VOCAB):
            raise bad(f"'vocabulary' must be a list of 3 to {max_vocab or MAX_VOCAB} words (max_vocab)")
        if vocabulary[:2] != [PAD, UNK]:
            raise bad(f"'vocabulary' must start with {PAD!r} (id 0) and {UNK!r} (id 1)")
        for i, word in enumerate(vocabulary[2:], start=2):
            if not isinstance(word, str) or not 0 < len(word) <= MAX_WORD_CHARS or not _TOKEN.fullmatch(word) \
                    or (lowercase and word != word.lower()):
                raise bad(f"word {i} ({str(word)[:50]!r}) is not a {'lower-case ' * lowercase}word of at most "
                          f"{MAX_WORD_CHARS} characters (letters, digits, inner apostrophes)")
        if len(set(vocabulary)) != len(vocabulary):
            repeated = next(w for w, c in Counter(vocabulary).items() if c > 1)
            raise bad(f"'vocabulary' holds the word {repeated[:50]!r} twice")
        tokenizer = cls(min_count=min_count or 1, max_vocab=max_vocab, lowercase=lowercase, max_len=max_len)
        tokenizer._set_vocabulary(list(vocabulary))
        return tokenizer

    def __repr__(self) -> str:
        size = f"{self.vocab_size} ids" if self.fitted else "not fitted"
        return f"Tokenizer({size}, min_count={self.min_count}, max_vocab={self.max_vocab}, max_len={self.max_len})"


def _no_words(i: int, text: str, owner: str) -> str:
    return (f"{owner}: texts[{i}] ({text[:40]!r}) has no words (letters or digits); every text needs at least "
            "one word. Drop that sample or fill it in.")


# ----------------------------------------------------------------------------- the record
@dataclass(frozen=True, eq=False, repr=False)
class TextDataset:
    """Labelled texts: ``texts[i]`` has the class ``classes[y[i]]``.

    Attributes
    ----------
    name : str
        Short name (``"topics"``, or the CSV file's stem).
    texts : list of str, length n_samples
    y : ndarray, int64, shape (n_samples,)
        Class indices into ``classes``.
    classes : list
        The sorted distinct labels.
    target_name : str
        What the label is called (the CSV's target column).
    description : str
        One line saying where the texts come from.
    notes : tuple of str
        What the loader decided that a user should hear.

    >>> ds = TextDataset("tiny", ["a goal!", "add salt", "late goal"], [0, 1, 0], ["sport", "cooking"])
    >>> ds
    TextDataset('tiny', 3 texts, 2 classes)
    >>> ds.labels().tolist()
    ['sport', 'cooking', 'sport']
    """

    name: str
    texts: list[str]
    y: np.ndarray
    classes: list[Any]
    target_name: str = "label"
    description: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        owner = f"text dataset {self.name!r}"
        texts = _texts(self.texts, owner)
        if not isinstance(self.classes, (list, tuple)) or len(self.classes) < 1:
            raise ParameterTypeError(must_be("classes", "a non-empty list of labels", self.classes, owner=owner))
        y = np.asarray(self.y)
        if y.ndim != 1 or len(y) != len(texts):
            raise DataError(f"{owner}: y must hold one class index per text ({len(texts)},); got shape {y.shape}")
        if y.size and (y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= len(self.classes)):
            raise DataError(f"{owner}: y must hold class indices 0..{len(self.classes) - 1} (int); got "
                            f"{y.dtype.name} values {y[:5].tolist()}...")
        object.__setattr__(self, "texts", texts)
        object.__setattr__(self, "y", y.astype(np.int64))
        object.__setattr__(self, "classes", list(self.classes))

    @property
    def n_samples(self) -> int:
        return len(self.texts)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def labels(self) -> np.ndarray:
        """The class label of every text, shape (n_samples,)."""
        return np.asarray(self.classes, dtype=object)[self.y]

    def __repr__(self) -> str:
        return f"TextDataset({self.name!r}, {self.n_samples} texts, {self.n_classes} classes)"


# ----------------------------------------------------------------------------- CSV text columns
def _check_encoding(encoding: Any) -> str:
    if encoding is None:
        return "utf-8-sig"
    if not isinstance(encoding, str):
        raise ParameterTypeError(must_be("encoding", "an encoding name such as 'utf-8' or 'latin-1', or None",
                                         encoding))
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError(must_be("encoding", "an encoding Python knows, such as 'utf-8', 'latin-1' or 'cp1252'",
                                     encoding)) from None
    return "utf-8-sig" if name == "utf-8" else name  # a byte-order mark is dropped either way


def read_text_table(path: str | os.PathLike[str], *, encoding: str | None = None, delimiter: str | None = None,
                    max_bytes: int | None = None) -> Table:
    """Read a CSV file with text columns into a :class:`~neuronkit.data.csv.Table`: every column is text.

    ``columns[name]`` is an object array of ``str`` (stripped of surrounding
    white space; ``None`` where a cell is empty) and ``lines[i]`` is the line
    row ``i`` starts on (the header is line 1; a quoted field with line breaks
    spans several lines). ``encoding`` None means UTF-8 with or without a
    byte-order mark; a file that does not decode is refused, naming the line of
    the first bad byte (pass ``encoding="latin-1"`` or ``"cp1252"`` for such a
    file). The delimiter is detected unless given; only regular files of at
    most ``max_bytes`` (default 256 MiB) are read.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.csv"
    >>> _ = path.write_text('text,label\\n"Hello, world",greeting\\n"two\\nlines",other\\n', encoding="utf-8")
    >>> table = read_text_table(path)
    >>> table.columns["text"].tolist(), table.lines.tolist()
    (['Hello, world', 'two\\nlines'], [2, 3])
    """
    codec = _check_encoding(encoding)
    with _opened_csv(path, max_bytes, delimiter, codec) as (path, fh, digest, delimiter):
        stream = io.TextIOWrapper(fh, encoding=codec, newline="")
        try:
            header, rows, lines = _parse_text(stream, delimiter, path)
        except UnicodeDecodeError:
            stream.detach()
            fh.seek(0)
            raise _not_decodable(fh, path, codec) from None
        stream.detach()
    columns = {name: np.array([row[j] or None for row in rows], dtype=object) for j, name in enumerate(header)}
    return Table(path.stem, header, columns, digest, np.array(lines, dtype=np.int64), path)


def _not_decodable(fh: Any, path: Path, codec: str) -> DataError:
    """The error for a file that does not decode: the line and byte of the first undecodable byte."""
    number, byte = _first_bad_byte(fh, codec)
    name = "UTF-8" if codec == "utf-8-sig" else codec
    advice = ("If it was saved as Latin-1 or Windows-1252 (Excel's 'CSV' on Windows), pass encoding='latin-1' or "
              "'cp1252', or save it as 'CSV UTF-8'." if codec == "utf-8-sig" else
              "Give the encoding it was saved in, or save it as 'CSV UTF-8'.")
    return DataError(f"{path}, line {number}: the byte {byte!r} is not {name} text. {advice}")


def _first_bad_byte(fh: Any, codec: str) -> tuple[int, bytes]:
    """The line (from 1) and the first byte of ``fh`` that ``codec`` cannot decode."""
    decoder = codecs.getincrementaldecoder(codec)()
    for number, raw in enumerate(fh, start=1):
        try:
            decoder.decode(raw)
        except UnicodeDecodeError as exc:
            return number, raw[exc.start:exc.start + 1]
    return 0, b""  # pragma: no cover - the whole file decoded line by line


def _parse_text(stream: Any, delimiter: str, path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    reader = csv.reader(stream, delimiter=delimiter)
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
                _check_header(values, path, delimiter)
                header = values
                continue
            if len(values) != len(header):
                raise DataError(
                    f"{path}, line {line}: expected {len(header)} fields (one per header column) but got "
                    f"{len(values)}. Check for a missing or extra {delimiter!r}; a text that contains "
                    f"{delimiter!r}, a quote or a line break must be in double quotes (a quote inside doubled: \"\").")
            rows.append(values)
            lines.append(line)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit()
            raise DataError(f"{path}, line {previous_line + 1}: a field is longer than {limit:,} characters, the "
                            "limit for one CSV field (Python's csv.field_size_limit()); shorten that text, or raise "
                            f"the limit with csv.field_size_limit(n) before reading. A quote left open also makes a "
                            "field run on: check the quotes from that line on.") from None
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the CSV ({exc}); "
                        "check the quotes on that line.") from None
    if header is None:
        raise DataError(f"{path} has no column names; a CSV file needs a header row of column names "
                        "and at least one row of data.")
    if not rows:
        raise DataError(f"{path}: only a header ({len(header)} columns: {', '.join(header)}) and no data rows; "
                        "add at least one row of values.")
    return header, rows, lines


def texts_from_table(table: Table, text_column: str) -> list[str]:
    """The texts of one column of ``table``, refusing (naming the lines) empty texts and texts without words.

    What :func:`load_text_csv` reads the texts with, and what a command reading
    new texts to classify can use on :func:`read_text_table`'s table. A missing
    column is refused, listing the columns and the closest name.

    >>> import numpy as np
    >>> table = Table("t", ["text"], {"text": np.array(["a b", None, "?!"], dtype=object)}, sha256="")
    >>> texts_from_table(table, "text")
    Traceback (most recent call last):
    ...
    neuronkit.errors.DataError: t: the text column 'text' is empty on row 2; every sample needs a text. Fill them \
in or delete those rows.
    """
    where = table.where
    column_index(table.header, text_column, where, "text column", "Pass text_column= one of these.")
    texts = table.columns[text_column]
    empty = [i for i, text in enumerate(texts) if text is None]
    if empty:
        raise DataError(f"{where}: the text column {text_column!r} is empty on {table.lines_of(empty)}; every "
                        "sample needs a text. Fill them in or delete those rows.")
    wordless = [i for i, text in enumerate(texts) if not _TOKEN.search(text)]
    if wordless:
        raise DataError(f"{where}: the text column {text_column!r} has no words (letters or digits) on "
                        f"{table.lines_of(wordless)} (e.g. {texts[wordless[0]][:40]!r}); every sample needs at least "
                        "one word. Fill them in or delete those rows.")
    return [str(text) for text in texts]


def _labels(column: np.ndarray) -> np.ndarray:
    """A text column of labels as :func:`encode_target` takes it: numbers as float64 if all are numbers."""
    values = [None if v is None or v.lower() in MISSING_TOKENS else v for v in column]
    try:
        numbers = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=object)
    if not np.all(np.isfinite(numbers) | np.isnan(numbers)):
        return np.array(values, dtype=object)
    return numbers


def load_text_csv(path: str | os.PathLike[str], *, text_column: str, target: str, encoding: str | None = None,
                  delimiter: str | None = None, max_bytes: int | None = None) -> TextDataset:
    """Load labelled texts from two columns of a CSV file into a :class:`TextDataset`.

    Parameters
    ----------
    text_column : str
        The column of texts; every row needs one with at least one word (an empty
        or word-less text is refused, naming its lines).
    target : str
        The column of class labels (text, or whole numbers; missing labels are
        refused). Other columns are ignored.
    encoding, delimiter, max_bytes
        As :func:`read_text_table` (UTF-8 unless told).

    Examples
    --------

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text('review,stars\\n"Great, would buy again",5\\n"Broke after a day",1\\n"Fine",5\\n')
    >>> ds = load_text_csv(path, text_column="review", target="stars")
    >>> ds, ds.classes, ds.y.tolist()
    (TextDataset('reviews', 3 texts, 2 classes), [1, 5], [1, 0, 1])
    """
    for name, value in (("text_column", text_column), ("target", target)):
        if not isinstance(value, str):
            raise ParameterTypeError(must_be(name, "a column name (str)", value, owner="load_text_csv"))
    if text_column == target:
        raise ParameterError(f"load_text_csv text_column and target are both {target!r}; the labels must be "
                             "another column than the texts")
    table = read_text_table(path, encoding=encoding, delimiter=delimiter, max_bytes=max_bytes)
    column_index(table.header, text_column, table.where, "text column", "Pass text_column= one of these.")
    column_index(table.header, target, table.where, "target", "Pass target= the column of class labels.")
    texts = texts_from_table(table, text_column)
    labels = Table(table.name, [target], {target: _labels(table.columns[target])}, table.sha256, table.lines,
                   table.path)
    y, classes, _, _ = encode_target(labels, target, "classification", flag="")
    assert classes is not None  # classification
    counts = np.bincount(y, minlength=len(classes))
    path = _as_path(path)
    return TextDataset(path.stem, texts, y, classes, target_name=target,
                       description=f"{path.name}: {len(texts)} texts from column {text_column!r}, {len(classes)} "
                                   f"classes in {target!r} (smallest {int(counts.min())} texts)")


# ----------------------------------------------------------------------------- text datasets by name
#: text dataset name -> a function returning the :class:`TextDataset`; add your own with ``TEXT_DATASETS.register``
TEXT_DATASETS: Registry[Callable[[], TextDataset]] = Registry("text dataset")
_CORPUS = Path(__file__).parent / "corpus"


def text_datasets() -> list[str]:
    """The names :func:`load_text` accepts.

    >>> text_datasets()
    ['topics']
    """
    return TEXT_DATASETS.names()


def load_text(name: str) -> TextDataset:
    """The text dataset called ``name`` (any spelling; see :func:`text_datasets`).

    ``"topics"``: short English texts written for neuronkit (MIT licence), each
    about one of four topics: ``astronomy``, ``computing``, ``cooking``,
    ``sport``. Read from the package's own ``data/corpus/topics.csv``; nothing
    is downloaded.

    >>> ds = load_text("topics")
    >>> ds.classes
    ['astronomy', 'computing', 'cooking', 'sport']
    """
    return TEXT_DATASETS.get(name)()


def _topics() -> TextDataset:
    ds = load_text_csv(_CORPUS / "topics.csv", text_column="text", target="topic")
    return TextDataset("topics", ds.texts, ds.y, ds.classes, target_name="topic",
                       description=f"Topics: {ds.n_samples} short English texts written for neuronkit (MIT), each "
                                   "about astronomy, computing, cooking or sport.")


TEXT_DATASETS.register("topics", _topics)
