"""A table of bad calls into data, datasets, io, inspect and the command line.

Each row is (call, expected builtin exception, message fragment): the error must
be a :class:`~neuronkit.errors.NeuronkitError` and the builtin a Python user
would catch, with a message that says what was wrong. Command-line rows give the
arguments, the exit code and a fragment of the one-line message: never a
traceback, never the "hit a bug" line.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import data, datasets
from neuronkit import inspect as ni
from neuronkit import io as nkio
from neuronkit.cli import main
from neuronkit.errors import NeuronkitError

NET = nk.mlp([4, 5, 3], output="softmax", seed=0)
REG = nk.mlp([2, 3, 1], seed=0)
X4 = np.random.default_rng(0).normal(size=(10, 4))
Y3 = np.arange(10) % 3


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "d.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    (folder / "features.csv").write_text("a,b,c,d\n1,2,3,4\n")
    (folder / "notes.txt").write_text("not a model\n")
    nk.save(NET, folder / "net.nkm")
    nkio.save_arrays(folder / "ckpt.nkm", {"w": np.ones(2)}, {"epoch": 1})
    return folder


def fitted_scaler():
    return data.StandardScaler().fit(X4)


# (id, call taking the files folder, builtin exception, message fragment)
CALLS = [
    # ------------------------------------------------------------- data: arrays, Dataset
    ("as_arrays 1-D X", lambda f: data.as_arrays([1.0, 2.0]), ValueError, "X must be 2-D (n_samples, n_features)"),
    ("as_arrays text", lambda f: data.as_arrays([["a", "b"]]), ValueError, "X must be a numeric array"),
    ("as_arrays complex", lambda f: data.as_arrays(np.ones((2, 2)) * 1j), ValueError, "X holds complex numbers"),
    ("as_arrays object", lambda f: data.as_arrays(object()), ValueError, "X must be a numeric array"),
    ("as_arrays nan", lambda f: data.as_arrays([[1.0, np.nan]]), ValueError, "non-finite value (nan) at row 0"),
    ("as_arrays y length", lambda f: data.as_arrays(np.zeros((3, 2)), [1, 2]), ValueError,
     "X has 3 samples but y has 2"),
    ("as_arrays y 3-D", lambda f: data.as_arrays(np.zeros((2, 2)), np.zeros((2, 1, 1))), ValueError,
     "y must have shape (n_samples,) or (n_samples, n_outputs)"),
    ("as_arrays y complex", lambda f: data.as_arrays(np.zeros((2, 2)), [1j, 2j]), ValueError, "y holds complex"),
    ("as_arrays sparse", lambda f: data.as_arrays(_sparse()), TypeError, "sparse matrix"),
    ("Dataset task", lambda f: data.Dataset("d", np.zeros((2, 1)), [0, 1], "ranking", classes=["a", "b"]),
     ValueError, "task must be one of 'classification', 'regression'; got 'ranking'"),
    ("Dataset y None", lambda f: data.Dataset("d", np.zeros((2, 1)), None, "regression"), ValueError,
     "y is required"),
    ("Dataset names", lambda f: data.Dataset("d", np.zeros((2, 1)), [0, 1], "regression", 3), TypeError,
     "feature_names must be a list (or None); got 3"),
    ("Dataset classes", lambda f: data.Dataset("d", np.zeros((2, 1)), [0, 1], "classification", classes=2),
     TypeError, "classes must be a list (or None); got 2"),
    ("Dataset class index", lambda f: data.Dataset("d", np.zeros((2, 1)), [0, 5], "classification",
                                                    classes=["a", "b"]), ValueError,
     "y has class indices 0..5 but there are 2 classes"),
    ("labels of regression", lambda f: data.Dataset("d", np.zeros((2, 1)), [0.5, 1.5], "regression").labels(),
     ValueError, "regression dataset; it has no class labels"),
    # ------------------------------------------------------------- data: splits and batches
    ("split no y", lambda f: data.train_test_split(np.zeros((4, 1)), None), TypeError, "y is required"),
    ("split size type", lambda f: data.train_test_split(np.zeros((4, 1)), [0, 1, 0, 1], test_size="half"),
     TypeError, "test_size must be a finite number in (0, 1); got 'half'"),
    ("split size range", lambda f: data.train_test_split(np.zeros((4, 1)), [0, 1, 0, 1], test_size=1.0),
     ValueError, "test_size must be a finite number in (0, 1); got 1.0"),
    ("split size count", lambda f: data.train_test_split(np.zeros((4, 1)), [0, 1, 0, 1], test_size=4),
     ValueError, "test_size must be an integer in [1, 3]; got 4"),
    ("split size rounds to 0", lambda f: data.train_test_split(np.zeros((4, 1)), [0, 1, 0, 1], test_size=0.1),
     ValueError, "test_size=0.1 gives 0 of 4 samples"),
    ("split stratify", lambda f: data.train_test_split(np.zeros((4, 1)), [0, 1, 0, 1], stratify="yes"),
     TypeError, "stratify must be True, False or None (automatic); got 'yes'"),
    ("split stratify floats", lambda f: data.train_test_split(np.zeros((4, 1)), [0.5, 1.5, 2.5, 3.5],
                                                              stratify=True), ValueError, "stratify=True needs class"),
    ("three-way sizes", lambda f: data.train_val_test_split(np.zeros((10, 1)), np.arange(10) % 2, val_size=5,
                                                            test_size=5), ValueError, "leave no training samples"),
    ("batches size", lambda f: data.batches(10, 0), ValueError, "batch_size must be an integer >= 1; got 0"),
    ("batches rng", lambda f: data.batches(10, 2, rng="seed"), TypeError, "rng must be a numpy.random.Generator"),
    ("batch_indices n", lambda f: data.batch_indices(-1, 2), ValueError, "n must be an integer >= 0; got -1"),
    ("batch_indices shuffle", lambda f: data.batch_indices(4, 2, shuffle=None), TypeError,
     "shuffle must be True or False"),
    # ------------------------------------------------------------- data: scalers
    ("scaler name", lambda f: data.get_scaler("robust"), ValueError,
     "unknown scaler 'robust'; valid names are: standard, minmax, none"),
    ("scaler name typo", lambda f: data.get_scaler("standrad"), ValueError, "did you mean 'standard'?"),
    ("scaler type", lambda f: data.get_scaler(3), TypeError, "scaler must be a name"),
    ("scaler option", lambda f: data.get_scaler("standard", with_mean=False), TypeError,
     "scaler 'standard': "),
    ("scaler range", lambda f: data.MinMaxScaler(feature_range=(1, 0)), ValueError,
     "MinMaxScaler feature_range must be two numbers (low, high) with low < high; got (1, 0)"),
    ("scaler range type", lambda f: data.MinMaxScaler(feature_range=("a", "b")), TypeError,
     "MinMaxScaler feature_range must be a finite number; got 'a'"),
    ("scaler unfitted", lambda f: data.StandardScaler().transform(X4), ValueError, "not fitted yet"),
    ("scaler unfitted attr", lambda f: data.MinMaxScaler().inverse_transform(X4), AttributeError, "not fitted yet"),
    ("scaler columns", lambda f: fitted_scaler().transform(np.zeros((2, 3))), ValueError,
     "fitted on 4 features; X has 3 columns"),
    ("scaler dict", lambda f: data.Scaler.from_dict(["standard"]), TypeError, "scaler dict must be a dict"),
    ("scaler dict name", lambda f: data.Scaler.from_dict({"mean": [0.0]}), ValueError, "needs a 'name'"),
    ("scaler dict stats", lambda f: data.Scaler.from_dict({"name": "standard", "mean": ["a"], "scale": ["b"]}),
     ValueError, "statistics must be lists of numbers"),
    ("scaler dict scale", lambda f: data.Scaler.from_dict({"name": "standard", "mean": [0.0], "scale": [0.0]}),
     ValueError, "scale must be positive"),
    ("scaler dict names", lambda f: data.Scaler.from_dict({"name": "none", "feature_names_in": [1, 2]}),
     ValueError, "feature_names_in must be a list of strings"),
    # ------------------------------------------------------------- data: CSV and DATA
    ("csv path type", lambda f: data.load_csv(3), TypeError, "path must be a file path"),
    ("csv missing", lambda f: data.load_csv(f / "absent.csv"), ValueError, "CSV file not found"),
    ("csv task", lambda f: data.load_csv(f / "d.csv", task="clustering"), ValueError,
     "task must be one of 'classification', 'regression', None; got 'clustering'"),
    ("csv target type", lambda f: data.load_csv(f / "d.csv", target=2), TypeError, "target must be a column name"),
    ("csv target name", lambda f: data.load_csv(f / "d.csv", target="lable"), ValueError,
     "Did you mean 'label'?"),
    ("csv delimiter", lambda f: data.load_csv(f / "d.csv", delimiter="::"), ValueError,
     "delimiter must be a single character"),
    ("features csv names", lambda f: data.load_features_csv(f / "d.csv", feature_names="a"), TypeError,
     "feature_names must be a list of column names; got 'a'"),
    ("features csv empty", lambda f: data.load_features_csv(f / "d.csv", feature_names=[]), ValueError,
     "feature_names must be a non-empty list"),
    ("features csv count", lambda f: data.load_features_csv(f / "d.csv", n_features=0), ValueError,
     "n_features must be an integer >= 1; got 0"),
    ("load_data neither", lambda f: data.load_data(str(f / "absent")), ValueError, "is neither a dataset"),
    ("load_data type", lambda f: data.load_data(3), TypeError, "data must be a dataset name or the path"),
    ("load_data target", lambda f: data.load_data("moons", target="y"), ValueError,
     "target 'y' is for CSV files"),
    ("targets_for labels", lambda f: data.targets_for(_classes("cat", "dog"), data.load_data("moons")), ValueError,
     "labels the model was not trained on: [0, 1]"),
    ("check_features", lambda f: data.check_features(NET, "net.nkm", data.load_data("moons"), "evaluate"),
     ValueError, "moons has 2 features but the model net.nkm takes 4"),
    # ------------------------------------------------------------- datasets
    ("dataset unknown", lambda f: datasets.load("mnist"), ValueError, "unknown dataset 'mnist'; valid names are"),
    ("dataset typo", lambda f: datasets.load("spirls"), ValueError, "did you mean 'spirals'?"),
    ("dataset type", lambda f: datasets.load(7), TypeError, "dataset name must be a string; got 7"),
    ("dataset options", lambda f: datasets.load("iris", n=3), TypeError, "dataset 'iris' takes no options; got n"),
    ("dataset unknown option", lambda f: datasets.load("moons", classes=3), TypeError,
     "dataset 'moons' has no option 'classes'; its options are n, noise, seed, rng"),
    ("xor n", lambda f: datasets.xor(0), ValueError, "xor n must be an integer >= 1; got 0"),
    ("xor n type", lambda f: datasets.xor(2.5), TypeError, "xor n must be an integer >= 1; got 2.5"),
    ("moons noise", lambda f: datasets.moons(10, noise=-1), ValueError, "moons noise must be a finite number >= 0"),
    ("moons n", lambda f: datasets.moons(1), ValueError, "moons n must be an integer >= 2; got 1"),
    ("spirals classes", lambda f: datasets.spirals(10, classes=1), ValueError,
     "spirals classes must be an integer in [2, 10]; got 1"),
    ("spirals turns", lambda f: datasets.spirals(10, turns=0), ValueError, "spirals turns must be a finite number > 0"),
    ("blobs centers", lambda f: datasets.blobs(10, centers=[1.0, 2.0]), ValueError,
     "blobs centers must be an int or a finite array of shape (k, features)"),
    ("blobs many centers", lambda f: datasets.blobs(10, centers=11), ValueError,
     "blobs centers must be an integer in [1, 10]; got 11"),
    ("blobs features", lambda f: datasets.blobs(10, features=0), ValueError, "blobs features must be an integer >= 1"),
    # ------------------------------------------------------------- io
    ("save object", lambda f: nk.save(object(), f / "o.nkm"), TypeError, "save() takes a network"),
    ("save path type", lambda f: nk.save(NET, 3), TypeError, "path must be a str or pathlib.Path; got int"),
    ("save empty path", lambda f: nk.save(NET, ""), ValueError, "path is empty"),
    ("save to a folder", lambda f: nk.save(NET, f), ValueError, "it is a directory; give the path of a file"),
    ("load missing", lambda f: nk.load(f / "absent.nkm"), FileNotFoundError, "no such file"),
    ("load folder", lambda f: nk.load(f), ValueError, "it is a directory, not a model file"),
    ("load text", lambda f: nk.load(f / "notes.txt"), ValueError, "it looks like a text file"),
    ("load checkpoint", lambda f: nk.load(f / "ckpt.nkm"), ValueError, "read it with nk.io.load_arrays(path)"),
    ("load_arrays model", lambda f: nkio.load_arrays(f / "net.nkm"), ValueError, "not a checkpoint"),
    ("save_arrays info", lambda f: nkio.save_arrays(f / "a.nkm", {"w": np.ones(2)}, ["epoch"]), TypeError,
     "info must be a dict"),
    ("save_arrays arrays", lambda f: nkio.save_arrays(f / "a.nkm", [np.ones(2)]), TypeError,
     "arrays must be a dict of name -> numpy array"),
    ("save_arrays dtype", lambda f: nkio.save_arrays(f / "a.nkm", {"w": np.array(["a"])}), TypeError,
     "array 'w' has dtype <U1"),
    ("save_arrays name", lambda f: nkio.save_arrays(f / "a.nkm", {"": np.ones(2)}), ValueError,
     "array names must be non-empty strings"),
    ("meta not JSON", lambda f: nkio.write_model_file(f / "m.nkm", {"kind": object()}, {}), TypeError,
     "must be JSON-serialisable"),
    ("build_network config", lambda f: nkio.build_network([1, 2], {}), ValueError,
     "the network structure must be a JSON object"),
    ("build_network arrays", lambda f: nkio.build_network(NET.config(), {}), ValueError,
     "the arrays do not match the network structure"),
    ("register_kind loader", lambda f: nkio.register_kind("k", "loader"), TypeError, "loader must be a function"),
    ("register_kind name", lambda f: nkio.register_kind("", lambda meta, arrays: None), TypeError,
     "model kind name must be a non-empty string"),
    # ------------------------------------------------------------- inspect
    ("inspect model", lambda f: ni.trace("net", [1, 2, 3, 4]), TypeError, "model must be a network"),
    ("inspect unfitted", lambda f: ni.trace(nk.NeuralClassifier(), [1, 2, 3, 4]), ValueError, "is not fitted yet"),
    ("inspect unfitted attr", lambda f: ni.health(nk.NeuralRegressor(), X4), AttributeError, "is not fitted yet"),
    ("trace sample", lambda f: ni.trace(NET, np.zeros((2, 4))), ValueError, "one sample of shape (4,)"),
    ("trace features", lambda f: ni.trace(NET, [1, 2]), ValueError, "x has 2 features but the model takes 4"),
    ("trace text", lambda f: ni.trace(NET, ["a", "b", "c", "d"]), ValueError, "x must be a numeric array"),
    ("trace key", lambda f: ni.trace(NET, [1, 2, 3, 4])["hidden9[0]"], KeyError, "no layer or neuron 'hidden9[0]'"),
    ("trace key type", lambda f: ni.trace(NET, [1, 2, 3, 4])[0], KeyError, "named by strings"),
    ("neuron type", lambda f: ni.explain(NET, 3, [1, 2, 3, 4]), TypeError, "neuron must be a name like"),
    ("neuron form", lambda f: ni.explain(NET, "hidden1", [1, 2, 3, 4]), ValueError, "LAYER[INDEX]"),
    ("neuron layer", lambda f: ni.explain(NET, "hiden1[0]", [1, 2, 3, 4]), ValueError,
     "no layer named 'hiden1'; layers are: hidden1, output; did you mean 'hidden1'?"),
    ("neuron index", lambda f: ni.explain(NET, "hidden1[5]", [1, 2, 3, 4]), ValueError,
     "layer 'hidden1' has 5 neurons"),
    ("backprop y", lambda f: ni.backprop(NET, [1, 2, 3, 4], 7, "hidden1[0]"), ValueError,
     "class indices must be in [0, 3)"),
    ("backprop y shape", lambda f: ni.backprop(REG, [1, 2], [1.0, 2.0], "hidden1[0]"), ValueError,
     "y must hold 1 target value(s) per sample"),
    ("health nan", lambda f: ni.health(NET, np.full((3, 4), np.nan)), ValueError, "X has a non-finite value"),
    ("health y length", lambda f: ni.health(NET, X4, Y3[:4]), ValueError, "X has 10 samples but y has 4"),
    ("health y labels", lambda f: ni.health(NET, X4, ["a"] * 10), ValueError, "integer class indices"),
    ("health batch", lambda f: ni.health(NET, X4, batch_size=0), ValueError, "batch_size must be an integer >= 1"),
    ("thresholds name", lambda f: ni.Thresholds.of({"dead": 1}), ValueError, "unknown thresholds ['dead']"),
    ("thresholds value", lambda f: ni.Thresholds(saturation_eps=2), ValueError,
     "threshold saturation_eps must be a finite number in (0, 1]; got 2"),
    ("thresholds type", lambda f: ni.Thresholds.of([1]), TypeError, "thresholds must be a Thresholds or a dict"),
    ("monitor X", lambda f: ni.HealthMonitor([1.0, 2.0]), ValueError, "HealthMonitor: X must be 2-D"),
    ("monitor every", lambda f: ni.HealthMonitor(every=0), ValueError, "HealthMonitor every must be an integer >= 1"),
    ("monitor warn", lambda f: ni.HealthMonitor(warn="yes"), TypeError, "HealthMonitor warn must be True or False"),
    ("register check", lambda f: ni.register_check("x-check", "not a function"), TypeError,
     "check must be a function"),
    ("attribution method", lambda f: ni.attribute(NET, X4, "lime"), ValueError,
     "unknown attribution method 'lime'; valid names are: saliency"),
    ("attribution method type", lambda f: ni.attribute(NET, X4, 3), TypeError, "attribution method name must be"),
    ("attribution output", lambda f: ni.attribute(NET, X4, output="softmax"), ValueError,
     "output must be 'potential' (alias 'logit') or 'activation'"),
    ("attribution target", lambda f: ni.attribute(NET, X4, target=3), ValueError, "output index in 0..2"),
    ("attribution target shape", lambda f: ni.attribute(NET, X4, target=[0, 1]), ValueError,
     "one index or one per sample (10)"),
    ("attribution target text", lambda f: ni.attribute(NET, X4, target="cat"), ValueError,
     "target must be an output index 0..2"),
    ("attribution both", lambda f: ni.attribute(NET, X4, target=0, neuron="hidden1[0]"), ValueError,
     "either target= (an output neuron) or neuron="),
    ("attribution baseline", lambda f: ni.attribute(NET, X4, "integrated_gradients", baseline=np.zeros(3)),
     ValueError, "baseline must be a number, one sample (4,)"),
    ("attribution baseline nan", lambda f: ni.attribute(NET, X4, "occlusion", baseline=np.nan), ValueError,
     "baseline has a non-finite value"),
    ("attribution steps", lambda f: ni.attribute(NET, X4, steps=0), ValueError, "steps must be an integer >= 1"),
    ("attribution name taken", lambda f: ni.register_attribution("ig", lambda *a, **k: None), ValueError,
     "'ig' is already taken by 'integrated_gradients'"),
    ("top k", lambda f: ni.top_activating(NET, X4, "hidden1[0]", k=0), ValueError, "k must be an integer >= 1"),
    ("maximize lr", lambda f: ni.maximize_activation(NET, "hidden1[0]", lr=0), ValueError,
     "lr must be a finite number > 0; got 0"),
    ("maximize bounds", lambda f: ni.maximize_activation(NET, "hidden1[0]", bounds=(1, 0)), ValueError,
     "bounds must be (low, high) with low < high"),
    ("maximize seed", lambda f: ni.maximize_activation(NET, "hidden1[0]", seed=None), TypeError,
     "seed must be a non-negative integer"),
    ("ablate output layer", lambda f: ni.ablate(NET, X4, Y3, "output[0]"), ValueError, "only hidden neurons"),
    ("ablate neurons type", lambda f: ni.ablate(NET, X4, Y3, 3), TypeError, "neurons must be a neuron name"),
    ("ablate value", lambda f: ni.ablate(NET, X4, Y3, value="median"), ValueError,
     "value must be a number (0 silences a neuron) or 'mean'; got 'median'"),
    ("selectivity classes", lambda f: ni.class_selectivity(NET, X4, np.zeros(10)), ValueError,
     "at least two classes"),
    ("selectivity layer", lambda f: ni.class_selectivity(NET, X4, Y3, layer="hidden2"), ValueError,
     "no layer named 'hidden2'"),
    ("selectivity y shape", lambda f: ni.class_selectivity(NET, X4, np.zeros((10, 2))), ValueError,
     "y must be one label per sample"),
    ("plot layers", lambda f: ni.plot_weights(NET, layers=["hidden2"]), ValueError, "no Dense layer 'hidden2'"),
    ("plot bins", lambda f: ni.plot_activation_histograms(NET, X4, bins=0), ValueError, "bins must be an integer"),
    ("plot attributions", lambda f: ni.plot_attributions(X4, X4[:, :2]), ValueError,
     "X and attributions must have the same 2-D shape"),
    ("plot image shape", lambda f: ni.plot_attributions(X4, X4, image_shape=(3, 3)), ValueError,
     "holds 9 pixels but samples have 4 features"),
    ("plot image shape form", lambda f: ni.plot_attributions(X4, X4, image_shape="2x2"), ValueError,
     "image_shape must be (height, width)"),
    ("plot curves", lambda f: ni.plot_learning_curves({}), ValueError, "needs a History"),
    ("plot gradients", lambda f: ni.plot_gradient_norms(3), TypeError, "plot_gradient_norms takes a HealthMonitor"),
    ("report out_dir", lambda f: ni.write_report(NET, X4, out_dir=3), TypeError, "out_dir must be a folder path"),
    ("report out_dir file", lambda f: ni.write_report(NET, X4, out_dir=f / "d.csv"), ValueError, "is a file"),
]


def _sparse():
    sparse = pytest.importorskip("scipy.sparse")
    return sparse.csr_matrix(np.eye(2))


def _classes(*labels):
    class Model:
        classes_ = np.asarray(labels)

    return Model()


@pytest.mark.parametrize("call, error, fragment", [row[1:] for row in CALLS], ids=[row[0] for row in CALLS])
def test_bad_call(files, call, error, fragment):
    with pytest.raises(error) as info:
        call(files)
    assert isinstance(info.value, NeuronkitError), f"{type(info.value).__mro__} is not a NeuronkitError"
    assert fragment in str(info.value)


def test_every_row_has_its_own_id():
    ids = [row[0] for row in CALLS]
    assert len(ids) == len(set(ids))


# (arguments, with {f} for the files folder; exit code; message fragment)
COMMANDS = [
    (["train"], 2, "the following arguments are required: DATA"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    (["train", "moons", "--hidden", "0"], 2, "argument --hidden: layer widths must be positive integers"),
    (["train", "moons", "--batch-size", "many"], 2, "argument --batch-size: must be 'auto' or a positive integer"),
    (["train", "moons", "--activation", "rleu"], 2, "argument --activation: unknown activation 'rleu'"),
    (["train", "moons", "--optimizer", "lbfgs"], 2, "argument --optimizer: invalid choice: 'lbfgs'"),
    (["train", "moons", "--lr", "-1"], 2, "--lr must be a finite number > 0; got -1.0"),
    (["train", "moons", "--alpha", "nan"], 2, "--alpha must be a finite number >= 0; got nan"),
    (["train", "moons", "--epochs", "0"], 2, "--epochs must be an integer >= 1; got 0"),
    (["train", "moons", "--test-size", "0"], 2, "--test-size must be a finite number in (0, 1); got 0.0"),
    (["train", "moons", "--target", "y"], 2, "--target is for CSV files; the dataset 'moons' has its own target"),
    (["train", "{f}/absent"], 2, "is neither a dataset"),
    (["train", "{f}/absent.csv"], 2, "nor an existing file"),
    (["train", "{f}/d.csv", "--target", "lable"], 1, "no column named 'lable'"),
    (["summary", "{f}/absent.nkm"], 1, "no such file"),
    (["summary", "{f}/notes.txt"], 1, "it is not a neuronkit model file"),
    (["summary", "{f}/ckpt.nkm"], 1, "it holds named arrays (a checkpoint"),
    (["evaluate", "{f}/net.nkm", "iris"], 1, "neuronkit evaluate needs a model written by 'neuronkit train'"),
    (["predict", "{f}/net.nkm", "{f}/features.csv"], 1, "neuronkit predict needs a model written by"),
    (["explain", "{f}/net.nkm", "--input", "1,2"], 2, "--input has 2 values but the model takes 4 features"),
    (["explain", "{f}/net.nkm", "--input", "1,2,3,nan"], 2, "--input value 4 is nan; give finite numbers"),
    (["explain", "{f}/net.nkm", "--input", "1,2,x,4"], 2, "--input must be numbers separated by commas"),
    (["explain", "{f}/net.nkm", "--input", "1,2,3,4", "--neuron", "hidden1"], 2,
     "--neuron must be LAYER[INDEX] or LAYER:INDEX"),
    (["explain", "{f}/net.nkm", "--input", "1,2,3,4", "--neuron", "hidden1:x"], 2,
     "--neuron index must be an integer"),
    (["explain", "{f}/net.nkm", "--input", "1,2,3,4", "--neuron", "hidden9:0"], 2,
     "--neuron hidden9:0: the model has no layer 'hidden9'"),
    (["explain", "{f}/net.nkm", "--input", "1,2,3,4", "--neuron", "hidden1:9"], 2,
     "--neuron hidden1:9: layer 'hidden1' has 5 neurons (hidden1[0] to hidden1[4]); got index 9"),
    (["neuron", "--weights", "", "--input", "1"], 2, "--weights is empty"),
    (["neuron", "--weights", "1,2", "--input", "1"], 2, "--input has 1 values but --weights has 2"),
    (["neuron", "--weights", "1", "--input", "1", "--bias", "nan"], 2, "--bias must be a finite number; got nan"),
    (["inspect", "{f}/net.nkm", "moons"], 1, "moons has 2 features but the model"),
    (["inspect", "{f}/net.nkm", "iris", "--image-shape", "8by8"], 2, "argument --image-shape: must be HEIGHTxWIDTH"),
    (["inspect", "{f}/net.nkm", "iris", "--image-shape", "3x3", "--out", "{f}/r"], 2,
     "--image-shape 3x3 holds 9 pixels but the data has 4 features"),
]


@pytest.mark.parametrize("args, code, fragment", COMMANDS, ids=[" ".join(c[0])[:60] for c in COMMANDS])
def test_bad_command_line(files, capsys, args, code, fragment):
    argv = [a.format(f=files) for a in args]
    try:
        got = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        got = exc.code
    err = capsys.readouterr().err
    assert got == code, err
    assert fragment in err
    assert "Traceback" not in err and "hit a bug" not in err
    assert err.rstrip().splitlines()[-1].startswith("neuronkit")  # one line (argparse prints its usage above it)
