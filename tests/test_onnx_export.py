"""ONNX export (neuronkit.export.onnx, nk.io.export_onnx, ``neuronkit export``) against onnxruntime.

Each layer kind and activation: a small seeded network, its ONNX model run by onnxruntime on random
inputs, max|Δ| / max|ours| <= 1e-5. Trained models from the command line: the exported model on the
raw columns, images and token ids, against ``neuronkit predict``'s probabilities. Refusals name the layer.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import onnxruntime as ort
import pytest

import neuronkit as nk
from neuronkit.activations import ACTIVATIONS, get_activation
from neuronkit.cli import main
from neuronkit.errors import ParameterError, ParameterTypeError
from neuronkit.export.onnx import LAYER_WRITERS, to_onnx
from neuronkit.layers import LAYERS

TOLERANCE = 1e-5


def session(model):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def relative_error(got, ours):
    got, ours = np.asarray(got, np.float64), np.asarray(ours, np.float64)
    assert got.shape == ours.shape
    return float(np.abs(got - ours).max() / np.abs(ours).max())


def perturb(net, seed):
    """Every learnable activation parameter and every norm's statistics away from its initial value."""
    rng = np.random.default_rng(seed)
    for layer in _walk(net):
        for _, p in getattr(getattr(layer, "activation", None), "named_parameters", list)():
            p.data[...] = p.data + rng.normal(0.0, 0.3, p.shape).astype(p.dtype)
        if hasattr(layer, "running_mean"):
            layer.running_mean[...] = rng.normal(0.0, 0.5, layer.running_mean.shape)
            layer.running_var[...] = rng.uniform(0.5, 2.0, layer.running_var.shape)
            layer.gamma.data[...] = rng.uniform(0.5, 1.5, layer.gamma.shape)
            layer.beta.data[...] = rng.normal(0.0, 0.3, layer.beta.shape)
    return net


def _walk(module):
    yield module
    for child in getattr(module, "layers", {}).values() if isinstance(module, nk.Sequential) else ():
        yield from _walk(child)


def floats(*shape):
    return np.random.default_rng(7).standard_normal(shape).astype(np.float32)


def ids_with_padding(n=4, length=6, vocab=12):
    ids = np.random.default_rng(3).integers(1, vocab, (n, length))
    ids[0, 4:] = 0  # padded tails, and one sequence of padding only
    ids[1, 2:] = 0
    ids[3, :] = 0
    return ids.astype(np.int64)


# one small seeded network per layer kind, with its inputs
LAYER_CASES = {
    "Dense": lambda: (nk.Sequential(nk.Dense(5, 4, activation="tanh", seed=0), nk.Dense(4, 3, seed=1)), floats(6, 5)),
    "Dropout": lambda: (nk.Sequential(nk.Dense(5, 4, seed=0), nk.Dropout(0.5, seed=0)), floats(6, 5)),
    "Conv2d": lambda: (nk.Sequential(nk.Conv2d(2, 3, 3, stride=2, padding=(1, 2), dilation=1, activation="relu",
                                               seed=0),
                                     nk.Conv2d(3, 4, 2, groups=1, padding="same", seed=1)), floats(3, 2, 7, 6)),
    "Conv1d": lambda: (nk.Sequential(nk.Conv1d(3, 4, 3, dilation=2, padding=1, activation="elu", seed=0),
                                     nk.Conv1d(4, 4, 1, groups=2, seed=1)), floats(3, 3, 9)),
    "MaxPool2d": lambda: (nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.MaxPool2d(2, padding=1)),
                          floats(2, 1, 7, 7)),
    "AvgPool2d": lambda: (nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.AvgPool2d(3, stride=2, padding=1)),
                          floats(2, 1, 8, 7)),
    "MaxPool1d": lambda: (nk.Sequential(nk.Conv1d(2, 2, 3, seed=0), nk.MaxPool1d(2)), floats(2, 2, 9)),
    "AvgPool1d": lambda: (nk.Sequential(nk.Conv1d(2, 2, 3, seed=0), nk.AvgPool1d(3, padding=1)), floats(2, 2, 9)),
    "GlobalAvgPool2d": lambda: (nk.Sequential(nk.Conv2d(1, 3, 3, seed=0), nk.GlobalAvgPool2d()), floats(2, 1, 6, 5)),
    "BatchNorm": lambda: (perturb(nk.Sequential(nk.Dense(4, 5, seed=0), nk.BatchNorm(5)), 1), floats(6, 4)),
    "BatchNorm2d": lambda: (perturb(nk.Sequential(nk.Conv2d(1, 3, 3, seed=0), nk.BatchNorm2d(3)), 1),
                            floats(2, 1, 6, 6)),
    "LayerNorm": lambda: (nk.Sequential(nk.Dense(4, 5, seed=0), nk.LayerNorm(5)), floats(6, 4)),
    "Flatten": lambda: (nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(18, 3, seed=1)),
                        floats(2, 1, 5, 5)),
    "Transpose": lambda: (nk.Sequential(nk.Embedding(12, 4, seed=0), nk.Transpose(1, 2), nk.Conv1d(4, 3, 2, seed=1)),
                          ids_with_padding()),
    "Activation": lambda: (perturb(nk.Sequential(nk.Dense(4, 5, seed=0), nk.Activation("swish")), 2), floats(6, 4)),
    "Embedding": lambda: (nk.Sequential(nk.Embedding(12, 4, seed=0), nk.Flatten()), ids_with_padding()),
    "PositionalEmbedding": lambda: (nk.Sequential(nk.Embedding(12, 4, seed=0), nk.PositionalEmbedding(8, 4, seed=1)),
                                    ids_with_padding()),
    "SequenceMeanPool": lambda: (nk.Sequential(nk.Embedding(12, 4, padding_idx=0, seed=0), nk.SequenceMeanPool(),
                                               nk.Dense(4, 2, activation="identity", seed=1)), ids_with_padding()),
    "SequenceMaxPool": lambda: (nk.Sequential(nk.Embedding(12, 4, padding_idx=0, seed=0), nk.SequenceMaxPool(),
                                              nk.Dense(4, 2, activation="identity", seed=1)), ids_with_padding()),
    "MultiHeadSelfAttention": lambda: (nk.Sequential(nk.Embedding(12, 4, padding_idx=0, seed=0),
                                                     nk.MultiHeadSelfAttention(4, 2, causal=True, seed=1),
                                                     nk.SequenceMeanPool()), ids_with_padding()),
    "TransformerEncoderBlock": lambda: (nk.Sequential(
        nk.Embedding(12, 8, padding_idx=0, seed=0), nk.PositionalEmbedding(6, 8, seed=1),
        nk.TransformerEncoderBlock(8, 2, dim_feedforward=16, dropout=0.1, seed=2),
        nk.TransformerEncoderBlock(8, 2, dim_feedforward=16, norm_first=True, activation="gelu", seed=3),
        nk.SequenceMaxPool(), nk.Dense(8, 3, activation="softmax", seed=4)), ids_with_padding()),
    "KWinners": lambda: (nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.KWinners(5)), floats(3, 1, 5, 5)),
    "ActivityL1": lambda: (nk.Sequential(nk.Dense(4, 5, seed=0), nk.ActivityL1(0.1)), floats(6, 4)),
    "MoE": lambda: (nk.Sequential(nk.layers.MoE(4, 3, experts=4, k=2, seed=0),
                                  nk.layers.MoE(3, 2, experts=3, k=1, expert=(5,), activation="tanh", seed=1)),
                    floats(9, 4)),
    "Sequential": lambda: (nk.Sequential(nk.Sequential(nk.Dense(4, 5, seed=0), nk.LayerNorm(5)),
                                         nk.Dense(5, 2, seed=1)), floats(6, 4)),
}


def _spiking(name):
    return LAYERS.get(name).__module__.startswith("neuronkit.spiking")


def test_every_non_spiking_layer_kind_has_a_writer_and_a_case():
    kinds = {name for name in LAYERS.names() if not _spiking(name)}
    assert kinds - set(LAYER_WRITERS) == set()
    assert kinds - set(LAYER_CASES) == set()


@pytest.mark.parametrize("kind", sorted(LAYER_CASES))
def test_layer_kind_agrees_with_onnxruntime(kind):
    net, x = LAYER_CASES[kind]()
    assert any(type(layer).__name__ == kind for layer in _walk(net))
    net.eval()
    ours = net.infer(x)
    got = session(to_onnx(net)).run(None, {"input": x})[0]
    assert relative_error(got, ours) <= TOLERANCE


def test_padding_mask_matters_in_the_exported_model():
    """The exported mask is the network's: changing a padded token's id (not to padding) changes the output."""
    net, x = LAYER_CASES["SequenceMeanPool"]()
    model = session(to_onnx(net))
    changed = x.copy()
    changed[0, 5] = 3  # was padding: now a real token
    assert not np.allclose(model.run(None, {"input": changed})[0], model.run(None, {"input": x})[0])
    assert relative_error(model.run(None, {"input": changed})[0], net.infer(changed)) <= TOLERANCE


ACTIVATION_OPTIONS = {"leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.7}, "softplus": {"beta": 2.0},
                      "prelu": {"init": 0.1}, "dynamic": {"basis": ["relu", "tanh", "elu", "softsign"]},
                      "rational": {"per_neuron": True}}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS.names()))
@pytest.mark.parametrize("where", ["dense", "conv"])
def test_activation_agrees_with_onnxruntime(name, where):
    act = get_activation(name, **ACTIVATION_OPTIONS.get(name, {}))
    if where == "dense":
        net, x = nk.Sequential(nk.Dense(4, 6, activation=act, seed=0)), floats(8, 4) * 3
    else:  # the neurons are the channels (axis 1)
        net, x = nk.Sequential(nk.Conv2d(2, 3, 3, activation=act, seed=0)), floats(2, 2, 5, 5) * 3
    perturb(net, 5)
    got = session(to_onnx(net)).run(None, {"input": x})[0]
    assert relative_error(got, net.infer(x)) <= TOLERANCE


def test_float64_network_and_given_input_shape():
    net = nk.Sequential(nk.LayerNorm(3, dtype=np.float64), nk.Activation("rational", dtype=np.float64))
    perturb(net, 0)
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    model = to_onnx(net, input_shape=(2, 3))
    assert relative_error(session(model).run(None, {"input": x})[0], net.infer(x)) <= 1e-10  # float64 all the way
    with pytest.raises(ParameterError, match=r"does not say one sample's shape; give input_shape="):
        to_onnx(net)
    with pytest.raises(ParameterError, match=r"input_shape must be one sample's shape.*got \(0, 3\)"):
        to_onnx(net, input_shape=(0, 3))


# ----------------------------------------------------------------------------- refusals
def test_spiking_model_is_refused_naming_nir():
    from neuronkit.spiking import LIF, SpikingDense

    net = nk.Sequential(SpikingDense(3, 2, neuron=LIF(beta=0.9), seed=0))
    with pytest.raises(ParameterError, match=r"layer '\w+' \(SpikingDense\) is a spiking layer.*neuronkit\.spiking"
                                             r"\.nir\.write_nir"):
        to_onnx(net)


def test_layer_without_export_and_custom_activation_are_named():
    class Doubler(nk.layers.Module):  # not registered: no test elsewhere sees it
        def forward(self, x):
            return nk.Tensor(x) * 2.0

    net = nk.Sequential(nk.Dense(2, 2, seed=0), Doubler())
    with pytest.raises(ParameterError, match=r"layer 'doubler1' \(Doubler\) has no ONNX export; exportable"):
        to_onnx(net)
    net = nk.Sequential(nk.Dense(2, 2, activation=lambda z: z * z, seed=0, name="squares"))
    with pytest.raises(ParameterError, match=r"layer 'squares' \(Dense\) uses the activation '<lambda>', which has "
                                             r"no ONNX export"):
        to_onnx(net)
    with pytest.raises(ParameterTypeError, match=r"to_onnx takes a network .*; got str"):
        to_onnx("model.nkm")


def test_output_path_that_cannot_be_written(tmp_path):
    net = nk.mlp([2, 3, 1], seed=0)
    with pytest.raises(ParameterError, match=r"it is a folder; give the path of a file"):
        nk.io.export_onnx(net, tmp_path)
    with pytest.raises(ParameterError, match=r"the folder \S*missing does not exist; create the folder first"):
        nk.io.export_onnx(net, tmp_path / "missing" / "net.onnx")
    assert list(tmp_path.iterdir()) == []
    path = tmp_path / "net.onnx"
    nk.io.export_onnx(net, path)
    x = floats(3, 2)
    assert relative_error(ort.InferenceSession(str(path)).run(None, {"input": x})[0], net.infer(x)) <= TOLERANCE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.onnx"]  # no temporary file left


def test_cli_export_refusals(tmp_path, capsys):
    model = tmp_path / "net.nkm"
    nk.save(nk.mlp([2, 3, 1], seed=0), model)
    assert main(["export", str(model), str(tmp_path)]) == 2
    assert "is a folder; give the path of a file to write" in capsys.readouterr().err
    assert main(["export", str(model), str(tmp_path / "no" / "m.onnx")]) == 2
    assert "does not exist; create it first" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "none.nkm"), str(tmp_path / "m.onnx")]) == 2
    assert "MODEL" in capsys.readouterr().err
    assert main(["export", str(model), str(tmp_path / "m.onnx")]) == 0
    assert "inputs: input float32 [N, 2]" in capsys.readouterr().out


# ----------------------------------------------------------------------------- trained models from the CLI
def predicted(capsys, model, data):
    """``neuronkit predict``'s labels and probabilities."""
    capsys.readouterr()
    assert main(["predict", str(model), str(data)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, rows = rows[0], rows[1:]
    first = header.index("prediction")
    return [r[first] for r in rows], np.array([[float(v) for v in r[first + 1:]] for r in rows])


def exported(capsys, model, tmp_path):
    out = tmp_path / "model.onnx"
    assert main(["export", str(model), str(out)]) == 0
    capsys.readouterr()
    return ort.InferenceSession(str(out))


def test_iris_from_the_cli(tmp_path, capsys):
    model = tmp_path / "iris.nkm"
    assert main(["train", "iris", "--epochs", "20", "--hidden", "8", "--activation", "swish", "--out", str(model)]) == 0
    data = tmp_path / "new.csv"
    rows = np.random.default_rng(0).uniform([4, 2, 1, 0.1], [8, 4.5, 7, 2.5], (25, 4)).round(2)
    names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    data.write_text(",".join(names) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    labels, proba = predicted(capsys, model, data)
    onnx_model = exported(capsys, model, tmp_path)
    feeds = {name: rows[:, [i]].astype(np.float32) for i, name in enumerate(names)}
    got_proba, got_labels = onnx_model.run(["probabilities", "label"], feeds)
    assert relative_error(got_proba, proba) <= TOLERANCE
    assert got_labels.tolist() == labels


def test_csv_with_a_categorical_column_and_missing_values(tmp_path, capsys):
    rng = np.random.default_rng(1)
    n = 120
    size, weight = rng.normal(5, 2, n).round(2), rng.normal(50, 10, n).round(1)
    colour = rng.choice(["red", "green", "blue"], n)
    label = np.where((size > 5) ^ (colour == "red"), "yes", "no")
    lines = ["size,colour,weight,label"]
    for i in range(n):
        cells = [str(size[i]), str(colour[i]), str(weight[i]), str(label[i])]
        if i % 17 == 3:
            cells[0] = ""  # missing number
        if i % 23 == 5:
            cells[1] = ""  # missing category
        lines.append(",".join(cells))
    train = tmp_path / "train.csv"
    train.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.nkm"
    assert main(["train", str(train), "--target", "label", "--categorical", "onehot", "--impute", "median",
                 "--epochs", "15", "--hidden", "6", "--out", str(model)]) == 0
    new = tmp_path / "new.csv"
    new_rows = [["7.5", "green", "41.0"], ["", "red", "60.5"], ["3.1", "", "49.0"], ["4.4", "blue", ""],
                ["6.0", "red", "55.5"]]
    new.write_text("weight,size,colour\n" + "".join(f"{r[2]},{r[0]},{r[1]}\n" for r in new_rows))
    labels, proba = predicted(capsys, model, new)
    onnx_model = exported(capsys, model, tmp_path)
    assert [i.name for i in onnx_model.get_inputs()] == ["size", "colour", "weight"]

    def number(i):
        return np.array([[float(r[i]) if r[i] else np.nan] for r in new_rows], np.float32)

    feeds = {"size": number(0), "colour": np.array([[r[1]] for r in new_rows], dtype=object), "weight": number(2)}
    got_proba, got_labels = onnx_model.run(["probabilities", "label"], feeds)
    assert relative_error(got_proba, proba) <= TOLERANCE
    assert got_labels.tolist() == labels


def test_digits_images_with_a_conv_model(tmp_path, capsys):
    model = tmp_path / "digits.nkm"
    assert main(["train", "digits", "--model", "conv(4,3,relu,padding=same),batchnorm2d,maxpool(2),flatten,dense(out)",
                 "--epochs", "2", "--lr", "0.01", "--out", str(model)]) == 0
    capsys.readouterr()
    est = nk.load(model)
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    images = nk.data.load_data("digits").X[:12].reshape(12, 8, 8)
    for i, image in enumerate(images):  # digits' values are 0..16: written as 8-bit grey levels
        Image.fromarray(np.round(image * 255 / 16).astype(np.uint8)).save(folder / f"{i:02d}.png")
    labels, proba = predicted(capsys, model, folder)
    X, _ = nk.data.prepare_prediction(est, folder)
    onnx_model = exported(capsys, model, tmp_path)
    got_proba, got_labels = onnx_model.run(["probabilities", "label"], {"images": X.astype(np.float32)})
    assert relative_error(got_proba, proba) <= TOLERANCE
    assert [str(v) for v in got_labels] == labels


def test_text_model_takes_token_ids(tmp_path, capsys):
    corpus = nk.datasets.load_text("topics")
    train = tmp_path / "texts.csv"
    with open(train, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(list(zip(corpus.texts, corpus.labels()))[::4])  # every topic
    model = tmp_path / "texts.nkm"
    spec = "embedding(8,padding_idx=0),position,encoder(2,16,dropout=0.0),seqmeanpool,dense(out)"
    assert main(["train", str(train), "--text-column", "text", "--target", "label", "--model", spec, "--max-len", "8",
                 "--epochs", "2", "--out", str(model)]) == 0
    new = tmp_path / "new.csv"
    with open(new, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["text"], *[[t] for t in corpus.texts[1:300:20]], ["ok"]])
    capsys.readouterr()
    labels, proba = predicted(capsys, model, new)
    est = nk.load(model)
    texts = [*corpus.texts[1:300:20], "ok"]
    width = est.n_features_in_  # the tokenizer stays in Python: ids padded with 0 to the training width
    ids = est.tokenizer_.encode(texts, max_len=width)
    ids = np.pad(ids, ((0, 0), (0, width - ids.shape[1]))).astype(np.int64)
    assert (ids == 0).any()  # padding to mask
    onnx_model = exported(capsys, model, tmp_path)
    got_proba, got_labels = onnx_model.run(["probabilities", "label"], {"ids": ids})
    assert relative_error(got_proba, proba) <= TOLERANCE
    assert got_labels.tolist() == labels


def test_regressor_prediction(tmp_path, capsys):
    model = tmp_path / "diabetes.nkm"
    assert main(["train", "diabetes", "--epochs", "5", "--hidden", "6", "--out", str(model)]) == 0
    capsys.readouterr()
    names = [str(n) for n in nk.load(model).feature_names_in_]
    X = nk.data.load_data("diabetes").X[:20].astype(np.float32)
    data = tmp_path / "new.csv"
    data.write_text(",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in X))
    values, _ = predicted(capsys, model, data)
    onnx_model = exported(capsys, model, tmp_path)
    assert [i.name for i in onnx_model.get_inputs()] == names
    (got,) = onnx_model.run(["prediction"], {name: X[:, [j]] for j, name in enumerate(names)})
    assert relative_error(got, np.array(values, dtype=float)) <= TOLERANCE


def test_cli_refuses_a_spiking_model_naming_nir(tmp_path, capsys):
    model = tmp_path / "snn.nkm"
    assert main(["train", "iris", "--spiking", "--steps", "4", "--hidden", "8", "--epochs", "1", "--out",
                 str(model)]) == 0
    capsys.readouterr()
    assert main(["export", str(model), str(tmp_path / "snn.onnx")]) == 1
    assert "spiking models go to NIR: neuronkit.spiking.nir.write_nir" in capsys.readouterr().err
    assert not (tmp_path / "snn.onnx").exists()
