"""The bad-input table: each row is one bad input and the refusal neuronkit promises for it.

A row is ``(id, call, expected, fragment)``:

- ``call`` is a command line (a list of arguments for ``neuronkit``) or an API call (a function of
  the ``files`` dict below);
- ``expected`` is the exit code for a command line, the exception type for an API call;
- ``fragment`` is a piece of the message (the one line on stderr, or ``str(exception)``).

``{name}`` in a command line or a fragment is replaced by the path of ``files[name]``: ``model`` (an
iris classifier written by ``neuronkit train``, so it knows its feature names), ``csv`` (feature
rows for it), ``dir`` (an existing folder), ``file`` (an existing regular file), ``tmp`` (an empty
folder for outputs), and the crafted inputs the fixture writes (``checkpoint``, ``regression_csv``,
``two_columns_csv``, ``no_label_csv``, ``overflow_csv``, ``text_csv``, ``huge_model``). Adding a case is
adding one line to ``ROWS``. Command lines run in-process
(``neuronkit.cli.main``), in a temporary working directory; a refusal must come with no traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import errors
from neuronkit.cli import main

pytest.importorskip("sklearn")  # the model file is written by `neuronkit train`

TRAIN = ["train", "iris", "--epochs", "1"]  # a run that would be short, if a refusal failed to come
EXPLAIN = ["explain", "{model}", "--input", "5.1,3.5,1.4,0.2"]

ROWS = [
    # --- DATA and --target
    ("unknown-dataset", ["train", "irs"], 2, "'irs' is neither a dataset name"),
    ("unknown-dataset-suggests", ["evaluate", "{model}", "digts"], 2, "did you mean 'digits'?"),
    ("missing-csv", ["evaluate", "{model}", "{tmp}/none.csv"], 2, "nor an existing file"),
    ("data-is-a-folder", ["inspect", "{model}", "{dir}"], 2, "is a folder; give a CSV file or a dataset name"),
    ("target-with-a-dataset", [*TRAIN, "--target", "species"], 2, "--target is for CSV files"),
    # --- option values (usage errors, in the flags' words)
    ("lr-negative", [*TRAIN, "--lr", "-1"], 2, "--lr must be a finite number > 0; got -1.0"),
    ("lr-negative-exponent", [*TRAIN, "--lr", "-1e-3"], 2, "--lr must be a finite number > 0; got -0.001"),
    ("epochs-zero", ["train", "iris", "--epochs", "0"], 2, "--epochs must be an integer >= 1; got 0"),
    ("clip-norm-zero", [*TRAIN, "--clip-norm", "0"], 2, "--clip-norm must be a finite number > 0; got 0.0"),
    ("bias-minus-inf", ["neuron", "--weights", "1", "--input", "1", "--bias", "-inf"], 2,
     "--bias must be a finite number; got -inf"),
    ("weights-nan", ["neuron", "--weights", "-1,nan", "--input", "1,2"], 2, "--weights value 2 is nan"),
    # --- explain: --input and --neuron checked against the model, before anything is printed
    ("input-count", ["explain", "{model}", "--input", "-1,2,3"], 2,
     "--input has 3 values but the model takes 4 features (sepal length (cm), "),
    ("input-nan", ["explain", "{model}", "--input", "1,2,nan,4"], 2, "--input value 3 is nan; give finite numbers"),
    ("neuron-malformed", [*EXPLAIN, "--neuron", "hidden1"], 2, "--neuron must be LAYER[INDEX] or LAYER:INDEX"),
    ("neuron-unknown-layer", [*EXPLAIN, "--neuron", "hidden9[0]"], 2,
     "the model has no layer 'hidden9'; its layers with neurons are hidden1, output"),
    ("neuron-of-the-input-layer", [*EXPLAIN, "--neuron", "input[0]"], 2, "the input layer has no neurons"),
    ("neuron-out-of-range", [*EXPLAIN, "--neuron", "hidden1:99"], 2, "has 8 neurons (hidden1[0] to hidden1[7])"),
    # --- output paths, checked before any training or loading
    ("out-is-a-folder", [*TRAIN, "--out", "{dir}"], 2, "--out '{dir}' is a folder; give the path of a file"),
    ("out-under-a-file", [*TRAIN, "--out", "{file}/m.nkm"], 2, "'{file}' is a file, not a folder"),
    ("checkpoint-is-a-folder", [*TRAIN, "--checkpoint", "{dir}"], 2, "--checkpoint '{dir}' is a folder"),
    ("checkpoint-under-a-file", [*TRAIN, "--checkpoint", "{file}/run.ckpt"], 2,
     "--checkpoint '{file}/run.ckpt' cannot be created"),
    ("out-is-the-checkpoint", [*TRAIN, "--out", "{tmp}/a", "--checkpoint", "{tmp}/a"], 2,
     "--out and --checkpoint are the same file"),
    ("resume-missing", [*TRAIN, "--resume", "{tmp}/none.ckpt"], 2, "--resume '{tmp}/none.ckpt' does not exist"),
    ("predict-out-is-a-folder", ["predict", "{model}", "{csv}", "--out", "{dir}"], 2, "--out '{dir}' is a folder"),
    ("inspect-out-is-a-file", ["inspect", "{model}", "iris", "--out", "{file}"], 2,
     "--out '{file}' is a file; give a folder"),
    ("inspect-image-shape", ["inspect", "{model}", "iris", "--image-shape", "3x3", "--out", "{tmp}/report"], 2,
     "--image-shape 3x3 holds 9 pixels but the data has 4 features"),
    # --- data: by name, the task checked, refused with the file, column and line (exit 1: the data are wrong)
    ("classifier-on-continuous-targets", ["evaluate", "{model}", "{regression_csv}"], 1,
     "the target 'species' holds continuous values"),
    ("missing-feature-columns", ["evaluate", "{model}", "{two_columns_csv}"], 1,
     "the file lacks 'petal length (cm)', 'petal width (cm)'"),
    ("missing-label", ["train", "{no_label_csv}"], 1, "the target column 'y' has missing values (line 4)"),
    ("beyond-float32", ["train", "{overflow_csv}"], 1, "column 'a' has 1e+308 on line 3"),
    ("text-column-names-the-flag", ["train", "{text_csv}"], 1, "--categorical onehot"),
    ("classification-of-continuous", ["train", "{regression_csv}", "--target", "species", "--task",
                                      "classification"], 1, "--task classification needs class labels"),
    ("test-size-leaves-a-class-out", ["train", "iris", "--test-size", "0.99"], 1,
     "leaves 2 training rows, and none of class"),
    # --- training: divergence, resume
    ("diverging-run-writes-no-model", ["train", "iris", "--lr", "1e6", "--epochs", "30", "--hidden", "8"], 1,
     "training diverged at epoch"),
    ("resume-with-another-seed", ["train", "iris", "--epochs", "3", "--hidden", "8", "--resume", "{checkpoint}",
                                  "--seed", "3"], 1, "--seed was 0 at the checkpoint, now 3"),
    # --- model files: only regular files, the declared structure checked before anything is built
    ("model-is-a-device", ["summary", "/dev/zero"], 1, "it is a character device, not a model file"),
    ("model-declares-a-huge-layer", ["summary", "{huge_model}"], 1,
     "needs float32 with shape (30000, 30000)"),
    # --- API calls
    ("debug-raises-the-usage-error", lambda f: main(["--debug", "train", "irs"]), errors.UsageError,
     "did you mean 'iris'?"),
    ("save-nan-weights", lambda f: nk.save(_nan_network(), Path(f["tmp"]) / "n.nkm"), errors.ModelFileError,
     "holds 1 NaN value"),
    ("load-a-huge-layer", lambda f: nk.load(f["huge_model"]), errors.ModelFileError,
     "needs float32 with shape (30000, 30000)"),
    ("history-as-a-list", lambda f: nk.History.from_dict([]), errors.ModelFileError,
     "history must be a JSON object"),
    ("metric-lengths-differ", lambda f: nk.metrics.accuracy([1, 2, 3, 4], [1]), errors.ShapeError,
     "y_true has 4 samples but y_pred has 1"),
    ("tensor-of-none", lambda f: nk.Tensor(None), errors.ParameterTypeError, "got None"),
    ("tensor-of-complex", lambda f: nk.Tensor([1 + 2j]), errors.ParameterTypeError, "complex values"),
    ("second-backward", lambda f: _backward_twice(), errors.GraphError,
     "Trying to backward through the graph a second time"),
    ("neuron-nan-input", lambda f: nk.Neuron(weights=[1, 2], bias=0).explain([1, float("nan")]),
     errors.ParameterError, "got x2 = nan"),
]


def _nan_network():
    net = nk.mlp([2, 3, 1], seed=0)
    net["hidden1"].weight.data[0, 0] = np.nan
    return net


def _backward_twice():
    loss = (nk.mlp([2, 3, 1], seed=0)([[1.0, 2.0]]) ** 2).sum()
    loss.backward()
    loss.backward()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-input")
    model = folder / "iris.nkm"
    checkpoint = folder / "run.ckpt"
    assert main(["train", "iris", "--epochs", "5", "--hidden", "8", "--out", str(model), "--checkpoint",
                 str(checkpoint)]) == 0
    names = "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)"
    rng = np.random.default_rng(0)
    regression_csv = folder / "regression.csv"
    regression_csv.write_text(f"{names},species\n" + "".join(",".join(f"{v:.3f}" for v in row) + "\n"
                                                              for row in rng.normal(size=(20, 5))))
    two_columns_csv = folder / "two-columns.csv"
    two_columns_csv.write_text("sepal length (cm),sepal width (cm),species\n5,3,setosa\n")
    tables = {"no_label_csv": "a,b,y\n1,2,0\n3,4,1\n5,6,\n1,1,0\n2,2,1\n",
              "overflow_csv": "a,b,y\n1,2,0\n1e308,4,1\n5,6,0\n1,1,0\n2,2,1\n",
              "text_csv": "a,color,y\n1,red,0\n3,blue,1\n5,red,0\n1,blue,0\n2,red,1\n"}
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    # a few hundred bytes, checksum intact, declaring a 30000 x 30000 layer (3.6 GB) over small arrays
    net = nk.mlp([4, 8, 3], output="softmax", seed=0)
    config = net.config()
    config["layers"][0].update(in_features=30000, out_features=30000)
    huge_model = folder / "huge.nkm"
    nk.io.write_model_file(huge_model, {"kind": "network", "network": config, "training": False}, net.state_dict())
    csv = folder / "x.csv"
    csv.write_text("sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n")
    (folder / "a-folder").mkdir()
    (folder / "a-file").write_text("not a folder\n")
    return {"model": model, "csv": csv, "dir": folder / "a-folder", "file": folder / "a-file",
            "checkpoint": checkpoint, "regression_csv": regression_csv, "two_columns_csv": two_columns_csv,
            "huge_model": huge_model, **{name: folder / f"{name}.csv" for name in tables}}


@pytest.mark.parametrize("call, expected, fragment", [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_bad_input_is_refused_clearly(files, tmp_path, monkeypatch, capsys, call, expected, fragment):
    monkeypatch.chdir(tmp_path)  # a default output (DATA.nkm) would land here
    paths = {**{k: str(v) for k, v in files.items()}, "tmp": str(tmp_path)}
    fragment = fragment.format(**paths)
    capsys.readouterr()
    if callable(call):
        with pytest.raises(expected) as info:
            call(paths)
        assert fragment in str(info.value)
        return
    try:
        code = main([arg.format(**paths) for arg in call])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == expected, err
    assert fragment in err, err
    assert "Traceback" not in err and "hit a bug" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "a refused command wrote something"
