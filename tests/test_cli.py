"""The neuronkit command line, run as a user runs it (a subprocess): exit codes, messages, files."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import neuronkit as nk


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "neuronkit.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    code, out, err = run("train", "iris", "--epochs", "150", "--hidden", "16", "--out", folder / "iris.nkm")
    assert code == 0, err
    return folder / "iris.nkm", out, err


def test_train_reports_test_metrics_and_saves(iris_model):
    path, out, err = iris_model
    assert path.exists()
    assert "training on iris: 120 samples, 4 features, 3 classes; 30 samples held out" in err
    line = next(line for line in out.splitlines() if line.startswith("test: accuracy"))
    assert float(line.split()[2]) >= 0.9
    assert f"model saved to {path}" in out
    assert "Traceback" not in err


def test_summary_evaluate_explain_predict(iris_model, tmp_path):
    path, _, _ = iris_model
    code, out, _ = run("summary", path)
    assert code == 0
    assert "classes: setosa, versicolor, virginica" in out
    assert "hidden1" in out and "(pass-through)" in out and "softmax" in out

    code, out, _ = run("evaluate", path, "iris")
    assert code == 0 and "accuracy" in out
    assert float(out.split("accuracy")[1].split()[0]) > 0.9

    code, out, _ = run("explain", path, "--input", "5.1,3.5,1.4,0.2", "--neuron", "hidden1:3")
    assert code == 0, out
    assert out.startswith("prediction: setosa")
    assert "hidden1[3] (relu)" in out and "add bias" in out and "output" in out
    # the printed output equals the network's own hidden activation on the scaled input
    est = nk.load(path)
    # trained from a file with named columns, so the model knows its feature names: an unnamed array
    # gets scikit-learn's usual warning (the CLI itself matches columns by name before predicting)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        xs = est.transform_inputs(np.array([[5.1, 3.5, 1.4, 0.2]]))
    expected = est.network_["hidden1"](xs).data[0, 3]
    printed = float(out.strip().splitlines()[-1].split()[-1])
    assert printed == pytest.approx(float(expected), rel=1e-5, abs=1e-6)

    features = tmp_path / "x.csv"
    features.write_text("sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n"
                        "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    code, out, err = run("predict", path, features, "--out", tmp_path / "p.csv")
    assert code == 0, err
    rows = list(csv.reader((tmp_path / "p.csv").read_text().splitlines()))
    assert rows[0][0] == "prediction" and [r[0] for r in rows[1:]] == ["setosa", "virginica"]
    assert sum(float(v) for v in rows[1][1:]) == pytest.approx(1.0, abs=1e-4)


def test_neuron_command_shows_the_seed_arithmetic():
    code, out, _ = run("neuron", "--weights", "0.8,0.6", "--bias", "0.2", "--activation", "relu", "--input", "0.5,0.3")
    assert code == 0
    assert "w1·x1 = 0.8 × 0.5 = 0.4" in out
    assert "Σ wi·xi = 0.4 + 0.18 = 0.58" in out
    assert "z = 0.58 + 0.2 = 0.78" in out
    assert out.strip().endswith("output       0.78")


def test_train_csv_with_string_labels_and_a_regression_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    path = tmp_path / "d.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "answer"])
        w.writerows([a, b, lab] for (a, b), lab in zip(X, labels))
    code, out, err = run("train", path, "--target", "answer", "--epochs", "100", "--out", tmp_path / "m.nkm")
    assert code == 0, err
    assert "2 classes" in err
    assert float(out.split("test: accuracy")[1].split()[0]) >= 0.9
    assert list(nk.load(tmp_path / "m.nkm").classes_) == ["no", "yes"]

    reg = tmp_path / "r.csv"
    with reg.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "amount"])
        w.writerows([a, b, 3.5 * a - b + 0.1] for a, b in X)
    code, out, err = run("train", reg, "--epochs", "200", "--out", tmp_path / "r.nkm")
    assert code == 0, err
    assert "regression" in err
    assert float(out.split("test: R²")[1].split()[0]) > 0.9


BAD_CSVS = {
    "missing_value": ("a,b,label\n1,2,x\n3,,y\n", "missing"),
    "non_numeric": ("a,b,label\n1,hello,x\n3,4,y\n", "'b'"),
    "absent_target": ("a,b,label\n1,2,x\n3,4,y\n", "'nope'"),
    "empty": ("", "empty"),
    "single_class": ("a,b,label\n1,2,x\n3,4,x\n", "class"),
    "header_only": ("a,b,label\n", "no data rows|no rows|header"),
    "ragged": ("a,b,label\n1,2,x\n3,4\n", "line 3"),
}


@pytest.mark.parametrize("kind", list(BAD_CSVS))
def test_bad_csv_gives_clear_message_exit_1_no_traceback(tmp_path, kind):
    text, expected = BAD_CSVS[kind]
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    target = "nope" if kind == "absent_target" else "label"
    code, out, err = run("train", path, "--target", target, "--epochs", "2")
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert err.startswith("neuronkit train: error:")
    assert path.name in err or str(path) in err
    import re

    assert re.search(expected, err, flags=re.IGNORECASE), err


def test_usage_and_data_errors():
    code, _, err = run("train")
    assert code == 2 and "the following arguments are required: DATA" in err
    code, _, err = run("train", "no_such_thing")
    assert code == 2 and "neither" in err and "digits" in err and "Traceback" not in err  # a usage error
    code, _, err = run("summary", "missing.nkm")
    assert code == 1 and "missing.nkm" in err and "Traceback" not in err
    code, _, err = run("neuron", "--weights", "0.8,x", "--input", "1,2")
    assert code == 2 and "--weights must be numbers" in err  # a malformed option: a usage error
    code, _, err = run("neuron", "--weights", "0.8,0.6", "--input", "1")
    assert code == 2 and "--input has 1 values but --weights has 2" in err
    code, _, err = run("train", "iris", "--hidden", "0")
    assert code == 2 and "--hidden" in err
    code, _, err = run("--debug", "summary", "missing.nkm")
    assert code != 0 and "Traceback" in err


def test_bad_model_file_exit_1(tmp_path):
    bogus = tmp_path / "bogus.nkm"
    bogus.write_bytes(b"\x80\x04garbage that is not a model")
    code, _, err = run("summary", bogus)
    assert code == 1 and "not a neuronkit model file" in err and "Traceback" not in err


def test_explain_rejects_bad_neuron(iris_model):
    path, _, _ = iris_model
    code, _, err = run("explain", path, "--input", "1,2,3,4", "--neuron", "hidden9:0")
    assert code == 2 and "no layer 'hidden9'" in err
    code, _, err = run("explain", path, "--input", "1,2,3,4", "--neuron", "hidden1:99")
    assert code == 2 and "has 16 neurons" in err
    code, _, err = run("explain", path, "--input", "1,2,3")
    assert code == 2 and "--input has 3 values but the model takes 4 features" in err


def test_evaluate_refuses_unknown_labels_and_other_feature_counts(iris_model, tmp_path):
    bad = tmp_path / "pets.csv"
    bad.write_text("sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),label\n"
                   "1,2,3,4,cat\n2,3,4,5,dog\n")
    model = iris_model[0]
    code, out, err = run("evaluate", model, bad, "--target", "label")
    assert code == 1 and "Traceback" not in err and out == ""
    assert "labels the model was not trained on: ['cat', 'dog']" in err and "setosa" in err
    other = tmp_path / "other.csv"
    other.write_text("a,b,c,d,label\n1,2,3,4,cat\n2,3,4,5,dog\n")  # features are taken by name, not position
    code, out, err = run("evaluate", model, other, "--target", "label")
    assert code == 1 and out == "" and "lacks 'sepal length (cm)', 'sepal width (cm)'" in err
    code, out, err = run("evaluate", model, "wine")
    assert code == 1 and "Traceback" not in err
    assert "wine: the model needs the feature columns 'sepal length (cm)'" in err and "it lacks" in err


def test_a_diverging_run_is_a_clear_error_not_an_unexpected_one(tmp_path):
    code, out, err = run("train", "diabetes", "--optimizer", "sgd", "--lr", "1e6", "--out", tmp_path / "d.nkm",
                         cwd=tmp_path)
    assert code == 1 and "Traceback" not in err and "unexpected" not in err and "RuntimeWarning" not in err
    assert "became inf" in err and "Try a lower learning rate" in err
    assert not (tmp_path / "d.nkm").exists()  # nothing half-written


def test_non_finite_alpha_is_refused_by_name(tmp_path):
    code, out, err = run("train", "iris", "--alpha", "nan", cwd=tmp_path)
    assert code == 2 and "--alpha must be a finite number >= 0; got nan" in err and "Traceback" not in err


def test_explain_checks_the_neuron_before_printing_anything(tmp_path):
    code, _, _ = run("train", "iris", "--dropout", "0.1", "--epochs", "3", "--out", tmp_path / "bn.nkm", cwd=tmp_path)
    assert code == 0
    code, out, err = run("explain", tmp_path / "bn.nkm", "--input", "5.1,3.5,1.4,0.2", "--neuron", "dropout1:0")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "layer 'dropout1' is a Dropout, which has no neurons to explain" in err
