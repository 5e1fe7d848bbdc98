"""The command line on images and texts: train/evaluate/predict/summary with --model on a generated image
folder, digits as 8x8 images, a CSV text column (quoted commas and line breaks) and the topics corpus; the
bad inputs (--model spec errors, image sizes, unreadable images, missing text columns, empty texts).

Commands run in this process (``neuronkit.cli.main``) to keep the tests fast; exit codes and messages are
those a user sees (tests/test_cli.py runs the same ``main`` in a subprocess).
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.cli import main

Image = pytest.importorskip("PIL.Image")

SMALL_CNN = "conv(4,3,relu),maxpool(2),flatten,dense(out)"
PATTERNS = ("columns", "rows", "squares")


def run(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def accuracy(out: str) -> float:
    return float(re.search(r"accuracy (\d\.\d+)", out).group(1))


def _picture(kind: str, rng: np.random.Generator, size: int = 12) -> np.ndarray:
    pixels = rng.integers(0, 60, size=(size, size)).astype(np.uint8)  # dark noise
    at = int(rng.integers(1, size - 5))
    if kind == "columns":
        pixels[:, at:at + 2] = 255
    elif kind == "rows":
        pixels[at:at + 2, :] = 255
    else:
        pixels[at:at + 4, at:at + 4] = 255
    return pixels


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """30 images of 12x12 per class (a bright column, a bright row, a bright square), and new images to predict."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for kind in PATTERNS:
        (root / "train" / kind).mkdir(parents=True)
        for i in range(30):
            Image.fromarray(_picture(kind, rng), mode="L").save(root / "train" / kind / f"{i:02d}.png")
    (root / "new").mkdir()
    for kind in PATTERNS:
        Image.fromarray(_picture(kind, rng), mode="L").save(root / "new" / f"{kind}.png")
    return root


@pytest.fixture(scope="module")
def image_model(images, tmp_path_factory):
    folder = tmp_path_factory.mktemp("image-model")
    code = main(["train", str(images / "train"), "--model", SMALL_CNN, "--epochs", "15", "--lr", "0.03",
                 "--out", str(folder / "shapes.nkm")])
    assert code == 0
    return folder / "shapes.nkm"


def test_image_folder_train_evaluate_predict_summary(images, image_model, capsys):
    code, out, err = run(capsys, "evaluate", image_model, images / "train")
    assert code == 0, err
    assert "the 18 held-out test samples of train" in out
    assert accuracy(out) >= 0.8  # 3 classes: chance is 1/3; 18 samples
    code, out, err = run(capsys, "predict", image_model, images / "new")
    assert code == 0, err
    rows = list(csv.reader(out.splitlines()))
    assert rows[0][:2] == ["file", "prediction"] and len(rows) == 4
    predicted = {row[0].rsplit("/", 1)[-1]: row[1] for row in rows[1:]}
    assert sum(predicted[f"{kind}.png"] == kind for kind in PATTERNS) >= 2
    code, out, err = run(capsys, "summary", image_model)
    assert code == 0, err
    assert f"architecture: {SMALL_CNN} = {SMALL_CNN.replace('out', '3,softmax')}" in out
    assert "input shape: (1, 12, 12): 12x12 images, grayscale (1 channel)" in out
    assert "total parameters: 343 (1.4 KB as float32)" in out  # conv 4·9+4 = 40; dense (4·5·5)·3+3 = 303
    assert "per prediction: 3,900 MACs" in out  # conv 4 filters · 10·10 positions · 3·3; dense 100·3


def test_image_folder_with_resizing_and_colour(images, tmp_path, capsys):
    """--image-size resizes every image (one of another size, one in colour); the model file remembers it and
    resizes the images it predicts for."""
    root = tmp_path / "mixed"
    for kind in ("columns", "rows"):
        (root / kind).mkdir(parents=True)
        for source in sorted((images / "train" / kind).iterdir())[:10]:
            (root / kind / source.name).write_bytes(source.read_bytes())
    Image.fromarray(np.full((20, 20, 3), 90, dtype=np.uint8), mode="RGB").save(root / "rows" / "big.png")
    code, out, err = run(capsys, "train", root, "--model", "flatten,dense(out)", "--image-size", "8x8", "--color",
                         "rgb", "--epochs", "3", "--out", tmp_path / "rgb.nkm")
    assert code == 0, err
    assert "note: 21 of 21 images resized to 8x8" in err and "17 images of 8x8, rgb (3 channels)" in err
    code, out, err = run(capsys, "summary", tmp_path / "rgb.nkm")
    assert "input shape: (3, 8, 8): 8x8 images, rgb (3 channels)" in out
    code, out, err = run(capsys, "predict", tmp_path / "rgb.nkm", images / "new")
    assert code == 0, err and len(out.splitlines()) == 4


def test_images_of_the_wrong_size_are_named_with_both_sizes(image_model, tmp_path, capsys):
    (tmp_path / "odd").mkdir()
    Image.fromarray(np.zeros((10, 14), dtype=np.uint8), mode="L").save(tmp_path / "odd" / "small.png")
    code, out, err = run(capsys, "predict", image_model, tmp_path / "odd")
    assert code == 1
    assert re.search(r"image \S*small\.png is 10x14 \(height x width\), but the model \S*shapes\.nkm takes 12x12 "
                     r"images, grayscale \(1 channel\); resize it to 12x12", err), err


def test_an_unreadable_image_is_named(images, tmp_path, capsys):
    root = tmp_path / "broken"
    for kind in ("columns", "rows"):
        (root / kind).mkdir(parents=True)
        for source in sorted((images / "train" / kind).iterdir())[:3]:
            (root / kind / source.name).write_bytes(source.read_bytes())
    (root / "rows" / "notes.txt").write_text("not an image")
    code, out, err = run(capsys, "train", root, "--model", "flatten,dense(out)", "--epochs", "1")
    assert code == 1
    assert re.search(r"\S*rows/notes\.txt is not an image Pillow can read", err), err


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    code = main(["train", "digits", "--model", "conv(8,3,relu,padding=same),maxpool(2),flatten,dense(out)",
                 "--epochs", "5", "--lr", "0.01", "--out", str(folder / "digits.nkm")])
    assert code == 0
    return folder / "digits.nkm"


def test_digits_as_images_with_a_cnn(digits_model, capsys):
    code, out, err = run(capsys, "evaluate", digits_model, "digits")
    assert code == 0, err
    assert "the 359 held-out test samples of digits" in out
    assert accuracy(out) >= 0.8  # 10 classes: chance is 0.1
    est = nk.load(digits_model)
    assert est.input_shape_ == (1, 8, 8) and type(est.network_["conv1"]).__name__ == "Conv2d"
    assert est.training_data_["inputs"] == {"kind": "images", "shape": [1, 8, 8], "size": None, "color": "grayscale"}


def test_images_of_another_size_than_the_model_takes(digits_model, tmp_path, capsys):
    for kind in ("a", "b"):
        (tmp_path / kind).mkdir()
        Image.fromarray(np.zeros((10, 10), dtype=np.uint8), mode="L").save(tmp_path / kind / "x.png")
    code, out, err = run(capsys, "evaluate", digits_model, tmp_path)
    assert code == 1
    assert "its images are 10x10, grayscale (1 channel), but the model" in err
    assert "takes 8x8 images, grayscale (1 channel) (shape (1, 8, 8), the images (1, 10, 10))" in err


def _texts_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def text_csv(tmp_path_factory):
    """The topics corpus as a CSV file, every text given a quoted comma and a line break."""
    corpus = nk.datasets.load_text("topics")
    path = tmp_path_factory.mktemp("texts") / "texts.csv"
    labels = corpus.labels()
    _texts_csv(path, [[i, text.replace(" ", ", \n", 1), label] for i, (text, label) in
                      enumerate(zip(corpus.texts, labels))])
    return path


def test_text_csv_train_evaluate_predict(text_csv, tmp_path, capsys):
    model = tmp_path / "texts.nkm"
    code, out, err = run(capsys, "train", text_csv, "--text-column", "text", "--target", "label", "--epochs", "10",
                         "--lr", "0.01", "--min-count", "2", "--out", model)
    assert code == 0, err
    assert "training on texts: 777 texts, 4 classes; model textmean; 194 samples held out" in err
    assert accuracy(out) >= 0.65  # 4 topics: chance is 1/4; 194 held-out texts
    code, out, err = run(capsys, "evaluate", model, text_csv)
    assert code == 0, err
    assert "the 194 held-out test samples of texts" in out and accuracy(out) >= 0.65
    new = tmp_path / "new.csv"
    _texts_csv(new, [[1, "The telescope tracked a comet,\nthen a distant galaxy and its stars.", ""],
                     [2, "Stir the sauce, add garlic\nand simmer the soup for ten minutes.", ""]])
    code, out, err = run(capsys, "predict", model, new)
    assert code == 0, err
    assert [row[0] for row in csv.reader(out.splitlines())] == ["prediction", "astronomy", "cooking"]
    code, out, err = run(capsys, "summary", model)
    assert ("architecture: textmean = embedding(64,padding_idx=0,init=glorot_uniform),seqmeanpool,dense(64,relu),"
            "dense(4,softmax)") in out
    vocabulary = int(re.search(r"vocabulary: (\d+) ids", out).group(1))
    assert vocabulary == nk.load(model).tokenizer_.vocab_size == nk.load(model).network_["embedding1"].num_embeddings
    report = model.parent / "text-report"
    code, out, err = run(capsys, "inspect", model, text_csv, "--out", report)  # fed its texts through its tokenizer
    assert code == 0, err
    assert "token ids never occur in these texts" in out and (report / "report.html").stat().st_size > 1000
    est = nk.load(model)
    held_out = set(est.training_data_["split"].items())
    assert ("n_test", 194) in held_out
    # the tokenizer saw the training texts only: a word found in held-out texts only is unknown
    train_rows = set(range(971)) - set(int(i) for i in _held_out_ids(est, text_csv))
    train_words = {w for i, t in enumerate(_column(text_csv, "text")) if i in train_rows for w in
                   est.tokenizer_.tokenize(t)}
    assert set(est.tokenizer_.vocabulary[2:]) <= train_words


def _column(path, name):
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[name] for row in csv.DictReader(fh)]


def _held_out_ids(est, path):
    from neuronkit.data.split import split_indices

    labels = _column(path, "label")
    _, codes = np.unique(labels, return_inverse=True)
    split = est.training_data_["split"]
    return split_indices(len(labels), split["test_size"], labels=codes, seed=split["seed"])[1]


def test_topics(tmp_path, capsys):
    model = tmp_path / "topics.nkm"
    code, out, err = run(capsys, "train", "topics", "--epochs", "8", "--lr", "0.01", "--out", model)
    assert code == 0, err
    assert accuracy(out) >= 0.65  # chance 1/4 on 194 held-out texts
    code, out2, err = run(capsys, "evaluate", model, "topics")
    assert code == 0 and accuracy(out2) == accuracy(out)


def test_a_transformer_model_file_from_the_command_line(tmp_path, capsys):
    """Texts cut to 8 words, 2 epochs: the file round trip (held-out metrics equal after loading), not the
    accuracy, is tested here (the estimator tests train transformers)."""
    model = tmp_path / "topics.nkm"
    spec = "embedding(16,padding_idx=0),position,encoder(2,32,dropout=0.0),seqmeanpool,dense(out)"
    code, out, err = run(capsys, "train", "topics", "--model", spec, "--max-len", "8", "--epochs", "2", "--out",
                         model)
    assert code == 0, err
    code, out2, err = run(capsys, "evaluate", model, "topics")
    assert code == 0 and accuracy(out2) == accuracy(out)
    code, out3, err = run(capsys, "summary", model)
    assert re.search(r"encoder1 +TransformerEncoderBlock", out3) and "input: texts, read as up to 8 word ids" in out3
    # a text model's summary knows one sample's shape (8 ids), so it counts the cost of a prediction
    net = nk.load(model).network_
    assert f"per prediction: {net.summary(input_shape=(8,)).macs:,} MACs" in out3


@pytest.mark.parametrize("args, code, message", [
    (["digits", "--model", "cnn", "--hidden", "64"], 2, "--model describes the whole network, so --hidden"),
    (["digits", "--model", "conv(8,3),cnv(2)"], 2,
     "--model 'conv(8,3),cnv(2)': unknown layer 'cnv' at token 2 (col 11)"),
    (["digits", "--model", "conv(8,9),flatten,dense(out)"], 2,
     "--model 'conv(8,9),flatten,dense(out)' does not fit digits (samples of shape (1, 8, 8)): conv(8,9) at token 1"),
    (["topics", "--hidden", "32"], 2, "--hidden builds a multi-layer perceptron on table features; DATA 'topics' "
                                      "holds texts: give the network with --model"),
    (["iris", "--image-size", "8x8"], 2, "--image-size is for a folder of images in class sub-folders"),
    (["digits", "--max-len", "8"], 2, "--max-len is for texts"),
    (["iris", "--model", "cnn", "--image-size", "8"], 2, "--image-size is for a folder of images"),
])
def test_usage_errors(args, code, message, capsys):
    got, out, err = run(capsys, "train", *args)
    assert got == code
    assert message in err, err


def test_text_column_missing_and_empty_texts_are_named(tmp_path, capsys):
    path = tmp_path / "t.csv"
    _texts_csv(path, [[1, "a fine text", "x"], [2, "another text", "y"]])
    code, out, err = run(capsys, "train", path, "--text-column", "body", "--target", "label")
    assert code == 1
    assert "no column named 'body'" in err and "--text-column" in err and "'text'" in err, err
    _texts_csv(path, [[1, "a fine text", "x"], [2, "", "y"], [3, "more, text", "x"], [4, "?!", "y"]])
    code, out, err = run(capsys, "train", path, "--text-column", "text", "--target", "label")
    assert code == 1
    assert "the text column 'text' is empty on line 3" in err, err


def test_explain_a_sample_of_an_image_model(digits_model, capsys):
    code, out, err = run(capsys, "explain", digits_model, "--data", "digits", "--input-index", "5", "--full")
    assert code == 0, err
    assert out.startswith("sample 5 of digits: an image of shape (1, 8, 8); label 5\nprediction: ")
    est = nk.load(digits_model)
    probabilities = est.predict_proba(nk.datasets.load("digits", images=True).X[5:6])[0]
    winner = int(np.argmax(probabilities))
    assert f"x of output[{winner}] = the outputs of layer flatten1 (shape (128,))" in out
    printed = float(out.strip().splitlines()[-1].split()[-1])  # the neuron's output: the winning probability
    assert printed == pytest.approx(float(probabilities[winner]), rel=1e-5)


def test_explain_a_convolution_neuron_at_one_position(digits_model, capsys):
    code, out, err = run(capsys, "explain", digits_model, "--data", "digits", "--input-index", "5", "--neuron",
                         "conv1[2]", "--at", "3,4")
    assert code == 0, err
    assert "x of conv1[2] = the input (shape (1, 8, 8))" in out
    assert "receptive field of output (3, 4): rows 2..4, columns 3..5 of channel 0" in out
    image = nk.datasets.load("digits", images=True).X[5:6]
    expected = nk.load(digits_model).network_["conv1"](image).data[0, 2, 3, 4]
    printed = float(out.strip().splitlines()[-1].split()[-1])
    assert printed == pytest.approx(float(expected), rel=1e-5)


def test_explain_and_inspect_say_what_applies(digits_model, capsys):
    code, out, err = run(capsys, "explain", digits_model, "--input", "1,2,3")
    assert code == 2 and "is an image model (its inputs: (1, 8, 8)); --input gives the features of a table" in err
    code, out, err = run(capsys, "explain", digits_model, "--data", "digits", "--input-index", "1797")
    assert code == 2 and "--input-index 1797: digits has 1797 samples (0 to 1796)" in err
    code, out, err = run(capsys, "explain", digits_model, "--data", "digits", "--neuron", "pool1:0")
    assert code == 2 and "layer 'pool1' is a MaxPool2d, whose neurons are not explained from the command line; " \
                         "layers with neurons to explain: conv1, output" in err
    code, out, err = run(capsys, "explain", digits_model, "--data", "digits", "--neuron", "conv1:0", "--at", "9,1")
    assert code == 2 and "--at 9,1: neuron conv1[0]: position at=(9, 1) is outside its output map of size 8x8" in err
    report = digits_model.parent / "report"
    code, out, err = run(capsys, "inspect", digits_model, "digits", "--out", report)
    assert code == 0, err  # the report of an image model: its filters, feature maps, attributions, top patches
    for picture in ("filters.png", "feature_maps.png", "attributions.png", "top_patches.png"):
        assert (report / picture).stat().st_size > 1000, picture
        assert picture in (report / "report.html").read_text(encoding="utf-8") or picture in out
    code, out, err = run(capsys, "inspect", digits_model, "digits", "--image-shape", "8x8", "--out", report)
    assert code == 2 and "this model takes images or texts of its own shape: leave --image-shape out" in err


IMAGE_RECORD = {"source": "photos", "source_kind": "images", "target": "class", "task": "classification",
                "columns": [], "preprocess": {"columns": []}, "split": None, "test_metrics": None,
                "inputs": {"kind": "images", "shape": [3, 28, 28], "size": [28, 28], "color": "rgb"}}
TEXT_RECORD = {"source": "texts.csv", "source_kind": "csv", "target": "label", "task": "classification",
               "columns": ["text"], "preprocess": {"columns": ["text"]}, "split": None, "test_metrics": None,
               "inputs": {"kind": "text", "text_column": "text", "min_count": 2, "max_len": None}}


def test_training_records_of_image_and_text_models_are_read_back():
    from neuronkit.data import check_training_data

    assert check_training_data(IMAGE_RECORD)["inputs"] == IMAGE_RECORD["inputs"]
    assert check_training_data(TEXT_RECORD)["inputs"] == TEXT_RECORD["inputs"]


@pytest.mark.parametrize("record, message", [
    ({**IMAGE_RECORD, "inputs": None}, "'inputs' must be a JSON object with kind 'images' or 'text'"),
    ({**IMAGE_RECORD, "inputs": {**IMAGE_RECORD["inputs"], "shape": [3, 28]}}, "shape must be [channels, height"),
    ({**IMAGE_RECORD, "inputs": {**IMAGE_RECORD["inputs"], "size": [14, 14]}}, "size must be null or the [height"),
    ({**IMAGE_RECORD, "inputs": {**IMAGE_RECORD["inputs"], "color": "grayscale"}}, "as many channels as its shape"),
    ({**IMAGE_RECORD, "columns": ["a"], "preprocess": {"columns": ["a"]}}, "describes images, which come from"),
    ({**IMAGE_RECORD, "task": "regression"}, "belongs to a classifier, but its task is regression"),
    ({**TEXT_RECORD, "inputs": {**TEXT_RECORD["inputs"], "text_column": "body"}}, "text_column must be its one"),
    ({**TEXT_RECORD, "inputs": {**TEXT_RECORD["inputs"], "min_count": 0}}, "min_count must be a whole number >= 1"),
    ({**TEXT_RECORD, "source_kind": "folder"}, "'source_kind' must be 'csv', 'dataset' or 'images'"),
])
def test_damaged_training_records_of_image_and_text_models_are_refused(record, message):
    from neuronkit.data import check_training_data
    from neuronkit.errors import ModelFileError

    with pytest.raises(ModelFileError, match=re.escape(message)):
        check_training_data(record, "m.nkm")


def test_a_latin1_text_csv_needs_its_encoding(tmp_path, capsys):
    path = tmp_path / "menu.csv"
    rows = [("café crème, très chaud", "drink"), ("thé glacé", "drink"), ("crêpe flambée", "food"),
            ("gâteau à la crème", "food")] * 3
    path.write_bytes(("text,kind\n" + "".join(f'"{t}",{k}\n' for t, k in rows)).encode("latin-1"))
    code, out, err = run(capsys, "train", path, "--text-column", "text", "--target", "kind", "--epochs", "1")
    assert code == 1 and "line 2" in err and "latin-1" in err, err
    code, out, err = run(capsys, "train", path, "--text-column", "text", "--target", "kind", "--epochs", "1",
                         "--encoding", "latin-1", "--out", tmp_path / "menu.nkm")
    assert code == 0, err
    assert {"café", "crème", "glacé"} <= set(nk.load(tmp_path / "menu.nkm").tokenizer_.vocabulary)
