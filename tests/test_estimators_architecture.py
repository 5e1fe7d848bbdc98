"""NeuralClassifier/NeuralRegressor with ``architecture=`` (CNNs on images, text models on token ids or texts):
training, model-file round trips (predictions equal after nk.save/nk.load), and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.data.text import Tokenizer
from neuronkit.errors import DataError, ModelFileError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.estimators import ConvergenceWarning
from neuronkit.io import read_model_file, write_model_file

SMALL_CNN = "conv(8,3,relu,padding=same),maxpool(2),flatten,dense(out)"
SMALL_TRANSFORMER = "embedding(16,padding_idx=0),position,encoder(2,32,dropout=0.0),seqmeanpool,dense(out)"


@pytest.fixture(scope="module")
def digits():
    data = nk.datasets.load("digits", images=True)
    return data.X, data.targets()


@pytest.fixture(scope="module")
def cnn(digits):
    X, y = digits
    clf = nk.NeuralClassifier(architecture=SMALL_CNN, max_iter=5, learning_rate_init=0.01, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        return clf.fit(X[:600], y[:600])


@pytest.fixture(scope="module")
def topics():
    data = nk.datasets.load_text("topics")
    order = np.random.default_rng(0).permutation(data.n_samples)
    texts, labels = np.asarray(data.texts, dtype=object)[order], data.labels()[order]
    return texts[:700], labels[:700], texts[700:], labels[700:]


def _reload(est, tmp_path, name="model.nkm"):
    nk.save(est, tmp_path / name)
    return nk.load(tmp_path / name)


def test_cnn_on_digit_images_learns_and_round_trips(cnn, digits, tmp_path):
    X, y = digits
    assert cnn.input_shape_ == (1, 8, 8) and cnn.n_features_in_ == 64
    assert [type(layer).__name__ for layer in cnn.network_] == ["Conv2d", "MaxPool2d", "Flatten", "Dense"]
    accuracy = cnn.score(X[600:1000], y[600:1000])
    assert accuracy > 0.7  # 10 classes: chance is 0.1
    loaded = _reload(cnn, tmp_path)
    assert loaded.get_params()["architecture"] == SMALL_CNN and loaded.input_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(loaded.predict_proba(X[600:700]), cnn.predict_proba(X[600:700]))
    # the flattened images (n, 64) are the same inputs
    np.testing.assert_array_equal(cnn.predict_proba(X[600:700].reshape(100, -1)), cnn.predict_proba(X[600:700]))


def test_flat_X_with_input_shape_trains_the_same_network_as_images(digits):
    X, y = digits
    options = {"architecture": SMALL_CNN, "max_iter": 2, "tol": 0.0, "random_state": 3}
    with pytest.warns(ConvergenceWarning):
        images = nk.NeuralClassifier(**options).fit(X[:200], y[:200])
    with pytest.warns(ConvergenceWarning):
        flat = nk.NeuralClassifier(input_shape=(1, 8, 8), **options).fit(X[:200].reshape(200, 64), y[:200])
    assert flat.input_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(flat.predict_proba(X[200:260]), images.predict_proba(X[200:260]))


def test_images_of_the_wrong_shape_are_refused_naming_both_shapes(cnn, digits):
    X, _ = digits
    with pytest.raises(ShapeError, match=r"samples of shape \(3, 8, 8\): 3 channels of 8x8, but the model takes "
                                         r"\(1, 8, 8\): 1 channel of 8x8"):
        cnn.predict(np.repeat(X[:2], 3, axis=1))
    with pytest.raises(ShapeError, match=r"\(1, 9, 9\)"):
        cnn.predict(np.zeros((2, 1, 9, 9)))
    with pytest.raises(ShapeError, match="expecting 64 features"):
        cnn.predict(np.zeros((2, 81)))


def test_transformer_on_token_ids_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 12, size=(80, 6))
    ids[::3, 4:] = 0  # padding at the end of some rows
    y = (ids == 5).any(axis=1).astype(int)
    clf = nk.NeuralClassifier(architecture=SMALL_TRANSFORMER, max_iter=3, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(ids, y)
    assert clf.scaler_.name == "none" and clf.network_["embedding1"].num_embeddings == 12
    assert clf.transform_inputs(ids[:2]).dtype == np.int64
    loaded = _reload(clf, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(ids), clf.predict_proba(ids))
    assert type(loaded.network_["encoder1"]).__name__ == "TransformerEncoderBlock"
    with pytest.raises(DataError, match=r"token id 12 at row 1, column 2, outside the vocabulary of layer "
                                        r"'embedding1' \(ids 0\.\.11\)"):
        clf.predict(np.array([[1, 2, 3, 0, 0, 0], [1, 2, 12, 0, 0, 0]]))
    with pytest.raises(DataError, match=r"whole numbers >= 0; got 1\.5 at row 0, column 0"):
        clf.predict(np.array([[1.5, 2, 3, 0, 0, 0]]))


def test_text_classifier_with_a_tokenizer_learns_topics_and_round_trips(topics, tmp_path):
    texts, labels, test_texts, test_labels = topics
    clf = nk.NeuralClassifier(architecture="textmean", tokenizer=Tokenizer(min_count=2, max_len=40), max_iter=8,
                              learning_rate_init=0.01, tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(texts, labels)
    assert clf.tokenizer_.fitted and not clf.tokenizer.fitted  # the template stays unfitted (clone-safe)
    assert clf.network_["embedding1"].num_embeddings == clf.tokenizer_.vocab_size
    assert clf.n_features_in_ == clf.input_shape_[0] <= 40
    accuracy = clf.score(test_texts, test_labels)
    assert accuracy > 0.6  # four topics: chance is about 0.25
    loaded = _reload(clf, tmp_path)
    assert loaded.tokenizer_.vocabulary == clf.tokenizer_.vocabulary and not loaded.tokenizer.fitted
    assert loaded.tokenizer.min_count == 2 and loaded.tokenizer.max_len == 40
    np.testing.assert_array_equal(loaded.predict_proba(test_texts), clf.predict_proba(test_texts))


def test_token_ids_out_of_range_cannot_come_from_the_tokenizer(topics):
    """Words never seen in training become id 1 (<unk>), and a text longer than the training width is cut:
    every id the tokenizer makes is inside the embedding, so no text can be refused for its ids."""
    texts, labels, _, _ = topics
    clf = nk.NeuralClassifier(architecture="embedding(8,padding_idx=0),seqmeanpool,dense(out)",
                              tokenizer=Tokenizer(), max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(texts[:100], labels[:100])
    unseen = ["zyxxy qwertyuiop " * 200, "Brandnewword", "x"]
    ids = clf.transform_inputs(unseen)
    assert ids.shape == (3, clf.n_features_in_) and ids.max() < clf.network_["embedding1"].num_embeddings
    assert set(ids[1].tolist()) == {1, 0}  # <unk>, then padding
    assert clf.predict_proba(unseen).shape == (3, 4)
    with pytest.raises(DataError, match=r"texts\[1\] \('  !'\) has no words"):
        clf.predict(["fine", "  !"])


def test_regressor_with_a_cnn(digits):
    X, y = digits
    reg = nk.NeuralRegressor(architecture="conv(4,3,relu),flatten,dense(out)", max_iter=20, tol=0.0,
                             learning_rate_init=0.01, random_state=0)
    target = X[:300, 0].mean(axis=(1, 2))  # the mean pixel: a CNN can learn it
    with pytest.warns(ConvergenceWarning):
        reg.fit(X[:300], target)
    assert reg.score(X[300:400], X[300:400, 0].mean(axis=(1, 2))) > 0.8
    assert reg.predict(X[:3]).shape == (3,)


@pytest.mark.parametrize("options, error, message", [
    ({"architecture": "cnn", "hidden_layer_sizes": (64,)}, ParameterError,
     r"describes the whole network, so hidden_layer_sizes \(options of the MLP"),
    ({"architecture": "cnn", "dropout": 0.2, "activation": "tanh"}, ParameterError, r"so activation, dropout"),
    ({"input_shape": (1, 8, 8)}, ParameterError, r"input_shape= is for a network described by architecture="),
    ({"tokenizer": Tokenizer()}, ParameterError, r"tokenizer= is for a network described by architecture="),
    ({"architecture": "textmean", "tokenizer": "words"}, ParameterTypeError,
     r"tokenizer must be a neuronkit Tokenizer"),
    ({"architecture": SMALL_CNN, "tokenizer": Tokenizer()}, ParameterError,
     r"starts with an embedding \(e\.g\. 'textmean'\); architecture='conv\(8,3,relu,padding=same\),.*' does not\. "
     r"Leave tokenizer out"),
    ({"architecture": SMALL_CNN, "input_shape": (0, 8)}, ParameterError, r"input_shape must be one sample's shape"),
    ({"architecture": SMALL_CNN, "input_shape": (1, 9, 9)}, ShapeError,
     r"samples of shape \(1, 8, 8\): 1 channel of 8x8, but the model takes \(1, 9, 9\)"),
    ({"architecture": "conv(8,9),flatten,dense(out)"}, ShapeError, r"conv\(8,9\) at token 1 \(col 1\)"),
    ({"architecture": "conv(8,3),cnv(2)"}, ParameterError, r"unknown layer 'cnv' at token 2 \(col 11\)"),
])
def test_refusals(digits, options, error, message):
    X, y = digits
    with pytest.raises(error, match=message):
        nk.NeuralClassifier(max_iter=1, **options).fit(X[:40], y[:40])


def test_flat_X_that_does_not_hold_input_shape_is_refused(digits):
    X, y = digits
    with pytest.raises(ShapeError, match=r"input_shape=\(1, 9, 9\) holds 81 values per sample, but X has 64 columns"):
        nk.NeuralClassifier(architecture=SMALL_CNN, input_shape=(1, 9, 9), max_iter=1).fit(X[:40].reshape(40, -1),
                                                                                         y[:40])


def _edited(cnn, tmp_path, edit):
    nk.save(cnn, tmp_path / "a.nkm")
    meta, arrays = read_model_file(tmp_path / "a.nkm")
    edit(meta)
    write_model_file(tmp_path / "b.nkm", meta, arrays)
    return tmp_path / "b.nkm"


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["extra"].update(input_shape=[4, 4, 4]),
     r"not take samples of its entry 'extra.input_shape' \[4, 4, 4\]: .*conv1"),
    (lambda m: m["extra"].update(input_shape=[1, 8, 9]), r"holds 72 values, but 'n_features_in' says 64"),
    (lambda m: m["extra"].update(input_shape="8x8"), r"'extra.input_shape' must be a list of 1 to 3 positive"),
    (lambda m: m["extra"].pop("input_shape"), r"'params.architecture' and 'extra.input_shape' must be given together"),
    (lambda m: m["params"].update(architecture=7), r"'params.architecture' must be a spec"),
    (lambda m: m["params"].update(tokenizer={"vocabulary": []}), r"'params.tokenizer' must be null"),
    (lambda m: m["extra"].update(tokenizer=Tokenizer().fit(["a b"]).to_dict()),
     r"'extra.tokenizer' makes token ids, but its first layer 'conv1' \(Conv2d\) does not take ids"),
])
def test_model_files_with_edited_architecture_entries_are_refused(cnn, tmp_path, edit, message):
    path = _edited(cnn, tmp_path, edit)
    with pytest.raises(ModelFileError, match=message):
        nk.load(path)


def test_a_text_model_file_with_a_damaged_tokenizer_is_refused(topics, tmp_path):
    texts, labels, _, _ = topics
    clf = nk.NeuralClassifier(architecture="embedding(4,padding_idx=0),seqmeanpool,dense(out)",
                              tokenizer=Tokenizer(), max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(texts[:50], labels[:50])

    def grow(meta):
        meta["extra"]["tokenizer"]["vocabulary"] += ["extraword"]

    with pytest.raises(ModelFileError, match=r"its tokenizer makes ids 0\.\.\d+, but layer 'embedding1' has \d+ rows"):
        nk.load(_edited(clf, tmp_path, grow))

    def unscale(meta):
        meta["scaler"] = {"name": "standard", "mean": [0.0] * clf.n_features_in_, "scale": [1.0] * clf.n_features_in_}

    with pytest.raises(ModelFileError, match=r"takes token ids, which are never scaled"):
        nk.load(_edited(clf, tmp_path, unscale))


def test_a_text_classifier_clones_with_its_tokenizer_unfitted(topics):
    """scikit-learn's clone (cross-validation, grid search) copies the tokenizer template; fitting the clone
    fits its own copy, never the template."""
    from sklearn.base import clone

    texts, labels, _, _ = topics
    template = Tokenizer(min_count=2)
    clf = nk.NeuralClassifier(architecture="embedding(4,padding_idx=0),seqmeanpool,dense(out)", tokenizer=template,
                              max_iter=1, random_state=0)
    copy = clone(clf)
    assert copy.tokenizer is not template and copy.tokenizer.min_count == 2
    with pytest.warns(ConvergenceWarning):
        copy.fit(texts[:60], labels[:60])
    assert copy.tokenizer_.fitted and not copy.tokenizer.fitted and not template.fitted
    assert copy.set_params(tokenizer=Tokenizer(min_count=3)).get_params()["tokenizer"].min_count == 3
