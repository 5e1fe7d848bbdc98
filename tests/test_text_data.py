"""Text data: the Tokenizer on hand-worked sentences, its model-file JSON refused when bad, CSV text columns
(quotes, line breaks, BOM, Latin-1, long fields, empty texts), the topics corpus and its TF-IDF baseline."""

from __future__ import annotations

import collections
import csv
import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.data.text import PAD, UNK, TextDataset, Tokenizer, load_text, load_text_csv, read_text_table
from neuronkit.errors import (
    DataError,
    IndexRangeError,
    ModelFileError,
    NotFittedError,
    ParameterError,
    ParameterTypeError,
    UnknownNameError,
)

SENTENCES = ["The cat sat on the mat.", "The dog ate the cat's food!", "A cat, a dog."]
# counts: the 4; a, cat, dog 2; ate, cat's, food, mat, on, sat 1 -> by count, then alphabetically
VOCABULARY = [PAD, UNK, "the", "a", "cat", "dog", "ate", "cat's", "food", "mat", "on", "sat"]


# ----------------------------------------------------------------------------- words
@pytest.mark.parametrize("text, words", [
    ("Don't stop!", ["don't", "stop"]),
    ("It’s o’clock", ["it's", "o'clock"]),  # typographic apostrophes count as '
    ("3.5 km in 2024, 10,000 people", ["3", "5", "km", "in", "2024", "10", "000", "people"]),
    ("café Straße naïve", ["café", "straße", "naïve"]),
    ("cafe\u0301 nai\u0308ve", ["café", "naïve"]),  # decomposed accents: NFC makes them the same words
    ("snake_case and well-known C++", ["snake", "case", "and", "well", "known", "c"]),
    ("'quoted' words'", ["quoted", "words"]),
    ("  \t\n", []),
    ("?!... -- ***", []),
])
def test_tokenize_words(text, words):
    assert Tokenizer().tokenize(text) == words


def test_tokenize_keeps_case_when_asked():
    assert Tokenizer(lowercase=False).tokenize("The THE the") == ["The", "THE", "the"]


# ----------------------------------------------------------------------------- vocabulary and ids
def test_fit_vocabulary_by_count_then_alphabet():
    tok = Tokenizer().fit(SENTENCES)
    assert tok.vocabulary == VOCABULARY
    assert tok.vocab_size == 12


def test_encode_hand_worked():
    tok = Tokenizer().fit(SENTENCES)
    ids = tok.encode(["the cat ate a fish", "Dog"])
    assert ids.dtype == np.int64
    assert ids.tolist() == [[2, 4, 6, 3, 1], [5, 0, 0, 0, 0]]  # fish is unknown (1); padding 0 on the right


def test_min_count_and_max_vocab():
    assert Tokenizer(min_count=2).fit(SENTENCES).vocabulary == [PAD, UNK, "the", "a", "cat", "dog"]
    assert Tokenizer(max_vocab=4).fit(SENTENCES).vocabulary == [PAD, UNK, "the", "a"]
    assert Tokenizer(min_count=2, max_vocab=5).fit(SENTENCES).encode(["the dog sat"]).tolist() == [[2, 1, 1]]


def test_max_len_truncates_keeping_the_first_words():
    tok = Tokenizer(max_len=3).fit(SENTENCES)
    assert tok.encode(["the cat sat on the mat", "a"]).tolist() == [[2, 4, 11], [3, 0, 0]]
    assert tok.encode(["the cat sat on the mat"], max_len=5).tolist() == [[2, 4, 11, 10, 2]]  # the call's own wins
    assert Tokenizer().fit(SENTENCES).encode(["a a a a a a a"]).shape == (1, 7)  # no cap: the longest text


def test_lowercase_false_keeps_words_apart():
    tok = Tokenizer(lowercase=False).fit(["The the the", "The"])
    assert tok.vocabulary == [PAD, UNK, "The", "the"]  # 2 each: in code-point order, capitals first
    assert tok.encode(["the The THE"]).tolist() == [[3, 2, 1]]


def test_deterministic_whatever_the_order():
    rng = np.random.default_rng(0)
    texts = SENTENCES * 3 + ["zebra yak", "yak zebra xylophone"]
    vocabularies = {tuple(Tokenizer().fit([texts[i] for i in rng.permutation(len(texts))]).vocabulary)
                    for _ in range(5)}
    assert len(vocabularies) == 1
    assert list(vocabularies.pop())[-3:] == ["yak", "zebra", "xylophone"]  # 2, 2, 1


def test_accepts_arrays_and_series():
    import pandas as pd
    tok = Tokenizer().fit(np.array(SENTENCES, dtype=object))
    assert tok.vocabulary == VOCABULARY
    assert tok.encode(pd.Series(["a cat"])).tolist() == [[3, 4]]


def test_decode():
    tok = Tokenizer().fit(SENTENCES)
    ids = tok.encode(["the cat ate a fish", "Dog"])
    assert tok.decode(ids) == ["the cat ate a <unk>", "dog"]
    assert tok.decode(ids[1]) == "dog"
    assert tok.decode(np.zeros((2, 3), dtype=np.int32)) == ["", ""]


def test_decode_refuses_bad_ids():
    tok = Tokenizer().fit(SENTENCES)
    with pytest.raises(IndexRangeError, match=r"id 12 at index \(0, 1\) is outside the vocabulary 0\.\.11"):
        tok.decode([[2, 12]])
    with pytest.raises(IndexRangeError, match=r"id -1 at index \(0,\)"):
        tok.decode([-1])
    with pytest.raises(ParameterError, match="integer word ids.*float64 of shape \\(2,\\)"):
        tok.decode([1.0, 2.0])
    with pytest.raises(ParameterError, match="shape \\(1, 1, 1\\)"):
        tok.decode([[[1]]])


# ----------------------------------------------------------------------------- bad input
def test_bad_options():
    with pytest.raises(ParameterError, match="Tokenizer min_count must be an integer >= 1; got 0"):
        Tokenizer(min_count=0)
    with pytest.raises(ParameterError, match="Tokenizer max_vocab must be an integer in \\[3, 1000000\\]; got 2"):
        Tokenizer(max_vocab=2)
    with pytest.raises(ParameterTypeError, match="Tokenizer lowercase must be True or False; got 'yes'"):
        Tokenizer(lowercase="yes")
    with pytest.raises(ParameterError, match="Tokenizer max_len must be an integer >= 1; got 0"):
        Tokenizer(max_len=0)
    with pytest.raises(ParameterError, match="Tokenizer.encode max_len must be an integer >= 1; got -3"):
        Tokenizer().fit(SENTENCES).encode(["a"], max_len=-3)


def test_bad_texts():
    with pytest.raises(ParameterTypeError, match="a single string \\('hello world'\\). Wrap it in a list"):
        Tokenizer().fit("hello world")
    with pytest.raises(ParameterTypeError, match="texts\\[1\\] must be a string; got NoneType None"):
        Tokenizer().fit(["fine", None])
    with pytest.raises(ParameterTypeError, match="texts must be a 1-D list of strings; got an array of shape"):
        Tokenizer().fit(np.array([["a", "b"]]))
    with pytest.raises(ParameterTypeError, match="texts must be a list of strings"):
        Tokenizer().fit(42)
    with pytest.raises(DataError, match="needs at least one text; got an empty list"):
        Tokenizer().fit([])


def test_empty_texts_are_named():
    with pytest.raises(DataError, match=r"Tokenizer.fit: texts\[2\] \('\?!'\) has no words"):
        Tokenizer().fit(["one", "two", "?!"])
    tok = Tokenizer().fit(SENTENCES)
    with pytest.raises(DataError, match=r"Tokenizer.encode: texts\[1\] \(''\) has no words"):
        tok.encode(["a cat", ""])


def test_min_count_that_leaves_nothing():
    with pytest.raises(DataError, match="min_count=5 leaves no words: the most frequent word occurs 4 times"):
        Tokenizer(min_count=5).fit(SENTENCES)


def test_not_fitted():
    for use in (lambda t: t.encode(["a"]), lambda t: t.decode([1]), lambda t: t.vocabulary, lambda t: t.to_dict()):
        with pytest.raises(NotFittedError, match="call fit\\(texts\\) on the training texts first"):
            use(Tokenizer())
    assert repr(Tokenizer()) == "Tokenizer(not fitted, min_count=1, max_vocab=None, max_len=None)"


# ----------------------------------------------------------------------------- model-file JSON
def test_to_dict_round_trip_through_json():
    tok = Tokenizer(min_count=1, max_vocab=50, max_len=6, lowercase=True).fit(SENTENCES)
    data = json.loads(json.dumps(tok.to_dict()))
    back = Tokenizer.from_dict(data, where="m.nk")
    assert (back.vocabulary, back.min_count, back.max_vocab, back.max_len, back.lowercase) == (
        VOCABULARY, 1, 50, 6, True)
    texts = ["the cat sat on the mat and purred", "A DOG"]
    np.testing.assert_array_equal(back.encode(texts), tok.encode(texts))
    assert back.encode(texts).shape == (2, 6)


def _good() -> dict:
    return Tokenizer(max_vocab=20).fit(SENTENCES).to_dict()


def _with(**changes) -> dict:
    data = _good()
    data.update(changes)
    return data


BAD_DICTS = [
    ("a list", ["<pad>", "<unk>"], "must be a JSON object; got list"),
    ("wrong format", _with(format="something.else"), "must have format 'neuronkit.tokenizer' and version 1"),
    ("version 2", _with(version=2), "version 1"),
    ("unknown key", _with(extra=1), "unknown keys 'extra'"),
    ("min_count bool", _with(min_count=True), "'min_count' must be a whole number"),
    ("min_count 0", _with(min_count=0), "'min_count' must be a whole number in \\[1,"),
    ("min_count text", _with(min_count="1"), "'min_count' must be a whole number"),
    ("max_vocab 2", _with(max_vocab=2), "'max_vocab' must be a whole number in \\[3, 1000000\\] or null"),
    ("max_vocab huge", _with(max_vocab=10**9), "'max_vocab' must be a whole number"),
    ("max_len 0", _with(max_len=0), "'max_len' must be a whole number in \\[1, 1000000\\] or null"),
    ("max_len float", _with(max_len=4.0), "'max_len' must be a whole number"),
    ("lowercase text", _with(lowercase="yes"), "'lowercase' must be true or false"),
    ("vocabulary a dict", _with(vocabulary={"the": 2}), "'vocabulary' must be a list of 3 to 20 words"),
    ("vocabulary too short", _with(vocabulary=[PAD, UNK]), "'vocabulary' must be a list of 3 to 20 words"),
    ("vocabulary over max_vocab", _with(vocabulary=[PAD, UNK] + [f"w{i}" for i in range(19)]),
     "list of 3 to 20 words \\(max_vocab\\)"),
    ("specials missing", _with(vocabulary=["the", "a", "cat"]), "must start with '<pad>' \\(id 0\\) and '<unk>'"),
    ("specials swapped", _with(vocabulary=[UNK, PAD, "cat"]), "must start with '<pad>'"),
    ("word with a space", _with(vocabulary=[PAD, UNK, "two words"]), "word 2 \\('two words'\\) is not a lower-case"),
    ("upper-case word", _with(vocabulary=[PAD, UNK, "Cat"]), "word 2 \\('Cat'\\) is not a lower-case word"),
    ("empty word", _with(vocabulary=[PAD, UNK, ""]), "word 2 \\(''\\)"),
    ("number as word", _with(vocabulary=[PAD, UNK, 7]), "word 2 \\('7'\\)"),
    ("special again", _with(vocabulary=[PAD, UNK, PAD]), "word 2 \\('<pad>'\\)"),
    ("long word", _with(vocabulary=[PAD, UNK, "a" * 201]), "at most 200 characters"),
    ("repeated word", _with(vocabulary=[PAD, UNK, "cat", "dog", "cat"]), "holds the word 'cat' twice"),
]


@pytest.mark.parametrize("data, message", [case[1:] for case in BAD_DICTS], ids=[case[0] for case in BAD_DICTS])
def test_from_dict_refuses(data, message):
    with pytest.raises(ModelFileError, match="^model.nk: its tokenizer .*" + message):
        Tokenizer.from_dict(data, where="model.nk")


def test_from_dict_fuzzed_refuses_with_model_file_error_only():
    """Random damage to a good record: read back, or refused with ModelFileError (never a raw Python error)."""
    rng = np.random.default_rng(0)
    junk = [None, True, -1, 0, 2**70, 1.5, float("nan"), "", "x" * 300, [], {}, ["<pad>"], {"a": 1}, [1, 2, 3],
            [PAD, UNK, None], [PAD, UNK, ["nested"]], [PAD, UNK, "ok", "ok"]]
    outcomes = collections.Counter()
    for _ in range(300):
        data = _good()
        for key in rng.choice(sorted(data), size=rng.integers(1, 3), replace=False):
            data[str(key)] = junk[rng.integers(len(junk))]
        try:
            Tokenizer.from_dict(data, where="fuzz.nk")
            outcomes["read"] += 1
        except ModelFileError as exc:
            assert str(exc).startswith("fuzz.nk: its tokenizer ")
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200 and outcomes["read"] >= 1, outcomes  # some damage is harmless (max_len: None)


def test_from_dict_accepts_case_when_not_lowercase():
    tok = Tokenizer.from_dict(_with(lowercase=False, vocabulary=[PAD, UNK, "Cat", "cat"]))
    assert tok.encode(["cat Cat CAT"]).tolist() == [[3, 2, 1]]


# ----------------------------------------------------------------------------- CSV text columns
def _write(tmp_path, content: str | bytes, name: str = "texts.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_csv_quotes_commas_and_newlines(tmp_path):
    path = _write(tmp_path, 'id,text,label\n'
                            '1,"Salt, pepper, and ""a lot"" of garlic",cooking\n'
                            '2,"First line\nsecond line,\r\nthird line",sport\n'
                            '\n'
                            '3,plain words,cooking\n')
    ds = load_text_csv(path, text_column="text", target="label")
    assert ds.texts == ['Salt, pepper, and "a lot" of garlic', "First line\nsecond line,\r\nthird line",
                        "plain words"]
    assert ds.classes == ["cooking", "sport"] and ds.y.tolist() == [0, 1, 0]
    assert read_text_table(path).lines.tolist() == [2, 3, 7]  # the 3-line field, then a blank line skipped
    assert ds.target_name == "label" and ds.name == "texts"
    assert "3 texts from column 'text', 2 classes in 'label' (smallest 1 texts)" in ds.description


def test_csv_utf8_with_bom_and_semicolons(tmp_path):
    path = _write(tmp_path, "\ufefftext;label\nCafé crème, s'il vous plaît;food\nGo team!;sport\n".encode())
    ds = load_text_csv(path, text_column="text", target="label")
    assert ds.texts == ["Café crème, s'il vous plaît", "Go team!"]


def test_csv_latin1_refused_unless_asked(tmp_path):
    content = "text,label\nfine words,a\nmore words,b\ncaf\u00e9 au lait,a\n".encode("latin-1")
    path = _write(tmp_path, content)
    with pytest.raises(DataError, match=r"texts.csv, line 4: the byte b'\\xe9' is not UTF-8 text\. .*"
                                        r"encoding='latin-1' or 'cp1252'"):
        load_text_csv(path, text_column="text", target="label")
    assert load_text_csv(path, text_column="text", target="label", encoding="latin-1").texts[2] == "café au lait"
    assert load_text_csv(path, text_column="text", target="label", encoding="Latin_1").texts[2] == "café au lait"
    with pytest.raises(DataError, match=r"line 4: the byte b'\\xe9' is not ascii text"):
        load_text_csv(path, text_column="text", target="label", encoding="ascii")


def test_csv_bad_encoding_option(tmp_path):
    path = _write(tmp_path, "text,label\na,b\nc,d\n")
    with pytest.raises(ParameterError, match="encoding must be an encoding Python knows.*; got 'klingon'"):
        load_text_csv(path, text_column="text", target="label", encoding="klingon")
    with pytest.raises(ParameterTypeError, match="encoding must be an encoding name"):
        load_text_csv(path, text_column="text", target="label", encoding=8)


def test_csv_long_fields(tmp_path):
    long = " ".join(["word"] * 20_000)  # 99,999 characters: under the field limit
    path = _write(tmp_path, f'text,label\n"{long}",a\nshort,b\n')
    ds = load_text_csv(path, text_column="text", target="label")
    assert len(ds.texts[0]) == 99_999
    assert Tokenizer().fit(ds.texts).encode(ds.texts).shape == (2, 20_000)
    limit = csv.field_size_limit()
    too_long = "x" * (limit + 10)
    path = _write(tmp_path, f'text,label\nshort,a\nshort,b\n"{too_long}",a\n', "long.csv")
    with pytest.raises(DataError, match=f"long.csv, line 4: a field is longer than {limit:,} characters.*"
                                        "csv.field_size_limit"):
        load_text_csv(path, text_column="text", target="label")
    assert csv.field_size_limit() == limit  # the global limit is left alone


def test_csv_empty_texts_named_by_line(tmp_path):
    path = _write(tmp_path, 'text,label\nfine,a\n"",b\nok,a\n   ,b\n')
    with pytest.raises(DataError, match="the text column 'text' is empty on lines 3, 5; every sample needs a text"):
        load_text_csv(path, text_column="text", target="label")
    path = _write(tmp_path, 'text,label\nfine,a\n"multi\nline",b\n"?!",a\n', "punct.csv")
    with pytest.raises(DataError, match=r"punct.csv: the text column 'text' has no words \(letters or digits\) on "
                                        r"line 5 \(e.g. '\?!'\)"):
        load_text_csv(path, text_column="text", target="label")


def test_csv_columns_named(tmp_path):
    path = _write(tmp_path, "review,stars\ngood,5\nbad,1\n")
    with pytest.raises(DataError, match="no column named 'reveiw' for the text column; the columns are: 'review', "
                                        "'stars'. Did you mean 'review'\\? Pass text_column= one of these"):
        load_text_csv(path, text_column="reveiw", target="stars")
    with pytest.raises(DataError, match="no column named 'label' for the target"):
        load_text_csv(path, text_column="review", target="label")
    with pytest.raises(ParameterError, match="text_column and target are both 'review'"):
        load_text_csv(path, text_column="review", target="review")
    with pytest.raises(ParameterTypeError, match="load_text_csv text_column must be a column name"):
        load_text_csv(path, text_column=None, target="stars")


def test_csv_labels(tmp_path):
    ds = load_text_csv(_write(tmp_path, "text,stars\ngood,5\nbad,1\nfine,10\n"), text_column="text", target="stars")
    assert ds.classes == [1, 5, 10] and ds.y.tolist() == [1, 0, 2]  # whole numbers sorted as numbers
    with pytest.raises(DataError, match="the target column 'stars' has missing values \\(line 3\\)"):
        load_text_csv(_write(tmp_path, "text,stars\ngood,5\nbad,NA\n", "m.csv"), text_column="text", target="stars")
    with pytest.raises(DataError, match="the target column 'stars' has only one class \\('x'\\)"):
        load_text_csv(_write(tmp_path, "text,stars\ngood,x\nbad,x\n", "o.csv"), text_column="text", target="stars")


def test_csv_file_problems(tmp_path):
    with pytest.raises(DataError, match="line 3: expected 2 fields .* must be in double quotes"):
        load_text_csv(_write(tmp_path, "text,label\na,b\nhello, world,c\n"), text_column="text", target="label")
    with pytest.raises(DataError, match="only a header"):
        load_text_csv(_write(tmp_path, "text,label\n", "h.csv"), text_column="text", target="label")
    with pytest.raises(DataError, match="is empty"):
        load_text_csv(_write(tmp_path, "", "e.csv"), text_column="text", target="label")
    with pytest.raises(DataError, match="CSV file not found"):
        load_text_csv(tmp_path / "nope.csv", text_column="text", target="label")


def test_csv_fuzzed_bytes_refused_with_data_error_only(tmp_path):
    """Random short files of CSV-ish bytes: a TextDataset, or a DataError (never a raw Python error)."""
    rng = np.random.default_rng(1)
    alphabet = [b"a", b"b", b" ", b",", b";", b'"', b"\n", b"\r\n", b"\xe9", b"\xc3\xa9", b"\x00", b"1", b"?", b"\t"]
    outcomes = collections.Counter()
    for i in range(150):
        def noise(size: int, letters: list[bytes] = alphabet) -> bytes:
            return b"".join(letters[k] for k in rng.integers(len(letters), size=size))
        if i % 2:  # rows of a word, quoted fuzzed UTF-8 text and a label: readable
            clean = alphabet[:8] + alphabet[9:10] + alphabet[11:]
            body = b"".join(b'"w' + noise(rng.integers(0, 8), clean).replace(b'"', b'""') + b'",' + [b"x", b"y"][r % 2]
                            + b"\n" for r in range(4))
        else:
            body = noise(rng.integers(0, 40))
        path = _write(tmp_path, b"text,label\n" + body, f"f{i}.csv")
        try:
            ds = load_text_csv(path, text_column="text", target="label")
            assert len(ds.texts) == len(ds.y) >= 2
            outcomes["read"] += 1
        except DataError as exc:
            assert str(exc).startswith(str(path)), exc
            outcomes["refused"] += 1
    assert outcomes["refused"] > 50 and outcomes["read"] > 10, outcomes


def test_text_dataset_checks():
    with pytest.raises(DataError, match="y must hold one class index per text \\(2,\\); got shape \\(3,\\)"):
        TextDataset("d", ["a", "b"], [0, 1, 0], ["x", "y"])
    with pytest.raises(DataError, match="class indices 0..1"):
        TextDataset("d", ["a", "b"], [0, 2], ["x", "y"])
    with pytest.raises(ParameterTypeError, match="text dataset 'd' texts\\[1\\] must be a string"):
        TextDataset("d", ["a", 3], [0, 1], ["x", "y"])


# ----------------------------------------------------------------------------- the corpus
@pytest.fixture(scope="module")
def topics():
    return load_text("topics")


def test_corpus_counts_and_names(topics):
    assert nk.datasets.load_text("Topics").texts == topics.texts
    assert nk.datasets.text_datasets() == ["topics"]
    assert topics.classes == ["astronomy", "computing", "cooking", "sport"]
    counts = np.bincount(topics.y).tolist()
    assert sum(counts) >= 600 and min(counts) >= 150 and max(counts) - min(counts) <= 5, counts
    assert repr(topics) == f"TextDataset('topics', {sum(counts)} texts, 4 classes)"


def test_corpus_unknown_name():
    with pytest.raises(UnknownNameError, match="unknown text dataset 'topic'; valid names are: topics"):
        load_text("topic")


def test_corpus_no_duplicates_and_varied(topics):
    normalised = [" ".join(Tokenizer().tokenize(text)) for text in topics.texts]
    repeated = [text for text, n in collections.Counter(normalised).items() if n > 1]
    assert repeated == []
    lengths = np.array([len(words.split()) for words in normalised])
    assert 9 <= lengths.mean() <= 16, lengths.mean()  # sentences, not keywords and not paragraphs
    assert lengths.min() <= 4 and lengths.max() >= 20 and lengths.std() >= 3  # short and long ones
    openings = collections.Counter(" ".join(words.split()[:2]) for words in normalised)
    assert openings.most_common(1)[0][1] <= 0.03 * len(normalised), openings.most_common(3)  # not templates
    assert Tokenizer().fit(topics.texts).vocab_size >= 2000


def test_corpus_tfidf_baseline(topics):
    """TF-IDF + logistic regression on 3 stratified 80/20 splits: the accuracy our text model must approach.

    Neither trivial (1.0) nor noise (0.5): the sentences are varied and some are ambiguous."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    accuracies = []
    texts = np.array(topics.texts, dtype=object)
    for seed in range(3):  # neuronkit's own stratified split, as bench/bench_text_baseline.py and the CLI draw it
        train, test = nk.data.split_indices(len(texts), 0.2, labels=topics.y, seed=seed)
        vectorizer = TfidfVectorizer()
        model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(texts[train]), topics.y[train])
        accuracies.append(float(np.mean(model.predict(vectorizer.transform(texts[test])) == topics.y[test])))
    mean = float(np.mean(accuracies))
    print(f"TF-IDF + logistic regression on topics: {accuracies} mean {mean:.3f}")
    assert 0.80 <= mean <= 0.96, accuracies


def test_corpus_is_package_data():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["neuronkit"]
    corpus = Path(nk.__file__).parent / "data" / "corpus"
    assert (corpus / "topics.csv").is_file() and (corpus / "README.md").is_file()
    assert "data/corpus/*.csv" in globs and "data/corpus/*.md" in globs  # installed with the package
    assert "written for neuronkit" in (corpus / "README.md").read_text() and "MIT" in (corpus / "README.md").read_text()
