"""Issue 10, data: right answers or clear refusals when a model meets data.

Features and target by the names stored in the model, the task checked, the held-out split recorded at
training and used again, a bounded CSV reader, and categorical columns + imputation kept in the model.
The command line runs in-process (``main``) except where a blocking read must be bounded by a timeout.
"""

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import data
from neuronkit.cli import main
from neuronkit.errors import DataError, ModelFileError

FAST = ["--hidden", "16", "--epochs", "60"]


def cli(*args):
    """(exit code, stdout, stderr) of ``neuronkit ARGS`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def metric(text, name):
    """The number after ``name`` on the first line that has it."""
    line = next(line for line in text.splitlines() if f"{name} " in line)
    return float(line.split(f"{name} ")[1].split()[0])


def predict(est, X):
    """An estimator's predictions for a plain array (scikit-learn warns that it has no column names)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return est.predict(X)


def write_rows(path, header, rows):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def houses(tmp_path_factory):
    """A regression CSV whose target (price_eur) is not the last column, a model trained on it, and the
    same rows with the columns in another order plus an id column."""
    folder = tmp_path_factory.mktemp("houses")
    rng = np.random.default_rng(0)
    n = 300
    area, rooms, age = rng.uniform(30, 200, n), rng.integers(1, 7, n), rng.uniform(0, 80, n)
    price = 3000 * area + 10000 * rooms - 500 * age + rng.normal(0, 5000, n)
    rows = [[f"{a:.1f}", f"{p:.0f}", r, f"{g:.1f}"] for a, p, r, g in zip(area, price, rooms, age)]
    source = write_rows(folder / "houses.csv", ["area", "price_eur", "rooms", "age"], rows)
    reordered = write_rows(folder / "reordered.csv", ["age", "id", "rooms", "price_eur", "area"],
                           [[g, i, r, p, a] for i, (a, p, r, g) in enumerate(rows)])
    model = folder / "houses.nkm"
    code, out, err = cli("train", source, "--target", "price_eur", "--hidden", "16", "--epochs", "60",
                         "--lr", "0.01", "--out", model)
    assert code == 0, err
    return source, reordered, model, out, price


# ----------------------------------------------------------------------------- 1. features and target by name
def test_evaluate_takes_features_and_target_by_the_names_in_the_model(houses):
    source, reordered, model, train_out, price = houses
    code, out, err = cli("evaluate", model, source)  # no --target: the stored one (price_eur, not the last column)
    assert code == 0, err
    assert metric(out, "R²") == pytest.approx(metric(train_out, "R²"), abs=1e-4) and metric(out, "R²") > 0.9

    code, out, err = cli("evaluate", model, reordered)  # columns in another order, an id column more
    assert code == 0, err
    est = nk.load(model)
    X = np.loadtxt(source, delimiter=",", skiprows=1, usecols=(0, 2, 3), dtype=np.float32)
    expected = nk.metrics.r2(price.round(), predict(est, X))
    assert metric(out, "R²") == pytest.approx(expected, abs=1e-3) and expected > 0.9
    assert "all 300 rows of reordered" in out
    assert "columns not used by the model, ignored: 'id'" in err


def test_evaluate_names_the_missing_columns(houses, tmp_path):
    _, _, model, _, _ = houses
    partial = write_rows(tmp_path / "partial.csv", ["area", "price_eur", "age"], [[50, 1e5, 3], [60, 2e5, 4]])
    code, out, err = cli("evaluate", model, partial)
    assert code == 1 and out == ""
    assert "the model needs the feature columns 'area', 'rooms', 'age'; the file lacks 'rooms'" in err
    absent = write_rows(tmp_path / "absent.csv", ["area", "rooms", "age", "price"], [[50, 2, 3, 1e5]] * 3)
    code, _, err = cli("evaluate", model, absent)
    assert code == 1 and "the model's target column 'price_eur' (recorded at training) is not in the file" in err
    code, out, err = cli("evaluate", model, absent, "--target", "price")
    assert code == 0 and "R²" in out, err


def test_inspect_takes_features_and_target_by_name(houses, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from neuronkit.inspect import report

    seen = {}

    def fake_report(model, X, y, **options):
        seen["X"], seen["y"] = X, y
        raise DataError("stop here")

    monkeypatch.setattr(report, "write_report", fake_report)
    source, reordered, model, _, price = houses
    code, out, err = cli("inspect", model, reordered, "--out", tmp_path / "r")
    assert code == 1 and "stop here" in err
    assert "inspecting on all 300 rows of reordered" in out
    X = np.loadtxt(source, delimiter=",", skiprows=1, usecols=(0, 2, 3), dtype=np.float32)
    np.testing.assert_array_equal(seen["X"], X)  # area, rooms, age: not the price, not the id
    np.testing.assert_allclose(seen["y"], price.round())


# ----------------------------------------------------------------------------- 2. the task
@pytest.fixture(scope="module")
def task_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("task")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2)).round(3)
    labels = write_rows(folder / "labels.csv", ["a", "b", "y"],
                        [[a, b, "yes" if a + b > 0 else "no"] for a, b in X])
    values = write_rows(folder / "values.csv", ["a", "b", "y"], [[a, b, round(2 * a - b, 4)] for a, b in X])
    counts = write_rows(folder / "counts.csv", ["a", "b", "y"], [[a, b, int(a > 0) + int(b > 0)] for a, b in X])
    for name, path in (("clf", labels), ("reg", values)):
        code, _, err = cli("train", path, *FAST, "--out", folder / f"{name}.nkm")
        assert code == 0, err
    return folder, labels, values, counts


def test_a_regressor_refuses_text_targets_and_takes_integer_ones(task_files):
    folder, labels, _, counts = task_files
    code, out, err = cli("evaluate", folder / "reg.nkm", labels)
    assert code == 1 and out == ""
    assert "the target 'y' holds text ('yes' on line 2)" in err and "is a regressor that predicts numbers" in err
    code, out, err = cli("evaluate", folder / "reg.nkm", counts)  # whole numbers are numbers to a regressor
    assert code == 0 and "R²" in out, err


def test_a_classifier_refuses_continuous_targets(task_files):
    folder, _, values, _ = task_files
    code, out, err = cli("evaluate", folder / "clf.nkm", values)
    assert code == 1 and out == ""
    assert "the target 'y' holds continuous values (200 distinct" in err
    assert "is a classifier of the classes ['no', 'yes']" in err


def test_task_flag_asks_for_regression_or_refuses_continuous_classes(task_files, tmp_path):
    _, _, values, counts = task_files
    code, out, err = cli("train", counts, *FAST, "--out", tmp_path / "c.nkm")
    assert code == 0 and "3 classes" in err
    assert "holds 3 distinct whole numbers, so they are taken as classes; pass --task regression" in err
    code, out, err = cli("train", counts, *FAST, "--task", "regression", "--out", tmp_path / "r.nkm")
    assert code == 0, err
    assert "features, regression;" in err and type(nk.load(tmp_path / "r.nkm")).__name__ == "NeuralRegressor"
    code, out, err = cli("train", values, *FAST, "--task", "classification", "--out", tmp_path / "x.nkm")
    assert code == 1 and not (tmp_path / "x.nkm").exists()
    assert "--task classification needs class labels, but the target 'y' is continuous" in err
    assert "use --task regression" in err


# ----------------------------------------------------------------------------- 3. the held-out split
@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("iris") / "iris.nkm"
    code, out, err = cli("train", "iris", *FAST, "--out", path)
    assert code == 0, err
    return path, out


def test_evaluate_on_a_dataset_uses_the_recorded_held_out_rows(iris_model):
    path, train_out = iris_model
    code, out, err = cli("evaluate", path, "iris")
    assert code == 0, err
    assert "evaluating on the 30 held-out test rows of iris (the split recorded in the model at training: " \
           "seed 0, --test-size 0.2" in out
    assert "(30 samples)" in out and metric(out, "accuracy") == metric(train_out, "accuracy")
    code, out, err = cli("evaluate", path, "iris", "--all-rows")
    assert code == 0 and "evaluating on all 150 rows of iris (--all-rows; 120 of them were used for training)" in out
    assert "(150 samples)" in out


def test_inspect_on_a_dataset_uses_the_held_out_rows_and_says_so(iris_model, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from neuronkit.inspect import report

    seen = []

    def fake_report(model, X, y, **options):
        seen.append(len(X))
        raise DataError("stop here")

    monkeypatch.setattr(report, "write_report", fake_report)
    code, out, err = cli("inspect", iris_model[0], "iris", "--out", tmp_path / "r")
    assert code == 1 and "stop here" in err
    assert "inspecting on the 30 held-out test rows of iris" in out and seen == [30]
    code, out, err = cli("inspect", iris_model[0], "iris", "--all-rows", "--out", tmp_path / "r")
    assert "inspecting on all 150 rows of iris (--all-rows; 120 of them were used for training)" in out
    assert seen == [30, 150]


def test_a_changed_dataset_is_refused_by_its_checksum(iris_model, monkeypatch):
    from neuronkit.data import sources

    iris = nk.datasets.load("iris")
    X = iris.X.copy()
    X[0, 0] += 0.5
    changed = nk.data.Dataset("iris", X, iris.y, "classification", iris.feature_names, classes=iris.classes,
                              target_name=iris.target_name)
    monkeypatch.setattr(sources, "load", lambda name: changed)
    code, out, err = cli("evaluate", iris_model[0], "iris")
    assert code == 1 and out == ""
    assert "the dataset 'iris' is not the data the model was trained on: its checksum differs" in err
    assert "Pass --all-rows" in err
    code, out, err = cli("evaluate", iris_model[0], "iris", "--all-rows")
    assert code == 0 and "all 150 rows of iris (--all-rows)" in out


def test_a_csv_uses_its_held_out_rows_while_the_file_is_unchanged(task_files, tmp_path):
    _, labels, _, _ = task_files
    copy = tmp_path / "labels.csv"
    copy.write_bytes(labels.read_bytes())
    code, out, err = cli("train", copy, *FAST, "--test-size", "0.25", "--seed", "3", "--out", tmp_path / "m.nkm")
    assert code == 0, err
    code, out, err = cli("evaluate", tmp_path / "m.nkm", copy)
    assert code == 0 and "the 50 held-out test rows of labels (" in out and "seed 3, --test-size 0.25" in out
    with copy.open("a") as fh:
        fh.write("0.5,0.5,yes\n")
    code, out, err = cli("evaluate", tmp_path / "m.nkm", copy)
    assert code == 0 and "all 201 rows of labels (the file differs from the one the model was trained on" in out


def test_a_model_without_a_recorded_split_says_it_uses_all_rows(tmp_path):
    iris = nk.datasets.load("iris")
    with pytest.warns(Warning):  # few epochs on purpose
        est = nk.NeuralClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(iris.X, iris.targets())
    nk.save(est, tmp_path / "api.nkm")
    code, out, err = cli("evaluate", tmp_path / "api.nkm", "iris")
    assert code == 0, err
    assert "all 150 rows of iris: the model records no training split" in out and "(150 samples)" in out


# ----------------------------------------------------------------------------- 4. a bare network
def test_evaluate_and_predict_refuse_a_bare_network_clearly(tmp_path):
    net = nk.mlp([4, 8, 3], seed=0)
    nk.save(net, tmp_path / "net.nkm")
    features = write_rows(tmp_path / "f.csv", ["a", "b", "c", "d"], [[1, 2, 3, 4]])
    for command, target in (("evaluate", "iris"), ("predict", features)):
        code, out, err = cli(command, tmp_path / "net.nkm", target)
        assert code == 1 and out == "" and "AttributeError" not in err
        assert f"neuronkit {command} needs a model written by 'neuronkit train'" in err
        assert "holds a Sequential, saved without the input scaling, class labels or feature names" in err


# ----------------------------------------------------------------------------- 6. the CSV reader
def run_module(*args, timeout=60):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in [os.path.dirname(os.path.dirname(nk.__file__)),
                                                                    os.environ.get("PYTHONPATH")] if p)}
    proc = subprocess.run([sys.executable, "-m", "neuronkit", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_or_a_device_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code, _, err = run_module("train", fifo, timeout=60)  # today: blocks forever waiting for a writer
    assert code == 1 and f"{fifo} is a named pipe (FIFO), not a regular file" in err
    with pytest.raises(DataError, match="/dev/zero is a device, not a regular file"):
        data.load_csv("/dev/zero")


def test_a_csv_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # sparse: 300 MB that take no disk and are never read
        fh.truncate(300 * 2**20)
    tracemalloc.start()
    with pytest.raises(DataError) as info:
        data.load_csv(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "big.csv is 314.6 MB, more than the limit of 268.4 MB for a CSV file" in str(info.value)
    assert "--max-csv-mb 301" in str(info.value) and "max_bytes=" in str(info.value)
    assert peak < 2**20  # refused by its size, not by reading it
    small = write_rows(tmp_path / "small.csv", ["a", "b", "y"], [[1, 2, "x"], [3, 4, "y"]] * 20)
    with pytest.raises(DataError, match="more than the limit of 100 bytes"):
        data.load_csv(small, max_bytes=100)
    assert data.load_csv(small, max_bytes=10_000).n_samples == 40
    code, _, err = cli("train", small, "--max-csv-mb", "0.0001")
    assert code == 1 and "raise the limit with --max-csv-mb" in err
    code, _, err = cli("evaluate", "m.nkm", small, "--max-csv-mb", "0")
    assert code == 2 and "argument --max-csv-mb: must be a number of MiB > 0, e.g. 1024; got '0'" in err


def test_reading_keeps_memory_proportional_to_the_file(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(40_000, 4)).round(4)
    path = tmp_path / "many.csv"
    np.savetxt(path, np.column_stack([values, rng.integers(0, 2, len(values))]), delimiter=",", fmt="%g",
               header="a,b,c,d,label", comments="")
    tracemalloc.start()
    ds = data.load_csv(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ds.X.shape == (40_000, 4)
    assert peak < 6 * path.stat().st_size  # 4.2x: 8 bytes a value; before: the text and a string per value (17x)


def test_a_first_line_of_numbers_is_data_with_a_note(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("0,0,5,13,0\n1,2,3,4,1\n" * 10)
    ds = data.load_csv(path)
    assert ds.n_samples == 20 and ds.feature_names == ["x0", "x1", "x2", "x3"] and ds.target_name == "x4"
    assert ds.X[0].tolist() == [0, 0, 5, 13]
    assert "its first line is all numbers, so it was read as data, not as column names" in ds.notes[0]
    code, out, err = cli("train", path, "--hidden", "4", "--epochs", "2", "--out", tmp_path / "n.nkm")
    assert code == 0, err
    assert "note: numbers.csv: its first line is all numbers" in err and "the columns are named x0, x1, x2, …" in err
    assert "training on numbers: 16 samples, 4 features, 2 classes" in err


def test_missing_labels_are_refused_not_a_class(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,NaN\n5,6,y\n7,8,x\n9,1,y\n")
    code, out, err = cli("train", path, "--epochs", "2")
    assert code == 1 and "the target column 'label' has missing values (line 3)" in err


def test_an_overflowing_value_names_the_file_column_and_line(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("a,b,label\n1,2,x\n3,1e308,y\n5,6,y\n7,8,x\n9,1,y\n")
    with pytest.raises(DataError) as info:
        data.load_csv(path)
    assert f"{path}: column 'b' has 1e+308 on line 3, beyond the largest number a feature can hold" in str(info.value)
    code, _, err = cli("train", path, "--epochs", "2")
    assert code == 1 and "column 'b' has 1e+308 on line 3" in err
    path.write_text("a,b,label\n1,2,x\n3,1e999,y\n")
    with pytest.raises(DataError, match=r"column 'b' has an infinite value \('1e999'\) on line 3"):
        data.load_csv(path)


# ----------------------------------------------------------------------------- 7. classes on both sides
def test_a_test_size_that_leaves_a_class_out_is_refused(tmp_path):
    code, out, err = cli("train", "iris", "--test-size", "0.99", "--epochs", "2", "--out", tmp_path / "x.nkm")
    assert code == 1 and not (tmp_path / "x.nkm").exists()
    assert "--test-size 0.99 leaves 2 training rows, and none of class" in err
    assert "training rows per class: setosa" in err and "Use a smaller --test-size" in err
    code, out, err = cli("train", "iris", "--test-size", "0.01", "--epochs", "2", "--out", tmp_path / "x.nkm")
    assert code == 1 and "--test-size 0.01 leaves 2 test rows, and none of class" in err
    assert "Use a larger --test-size" in err


# ----------------------------------------------------------------------------- 8, 9. categories and imputation
@pytest.fixture(scope="module")
def shops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shops")
    rng = np.random.default_rng(2)
    n = 200
    area, city = rng.uniform(30, 200, n), rng.choice(["Lyon", "Nice", "Paris"], n)
    price = 3000 * area + np.select([city == "Paris", city == "Lyon"], [200000, 50000], 0) + rng.normal(0, 5000, n)
    rows = [["" if i % 17 == 0 else f"{a:.1f}", "NA" if i % 23 == 0 else c, f"{p:.0f}"]
            for i, (a, c, p) in enumerate(zip(area, city, price))]
    path = write_rows(folder / "shops.csv", ["area", "city", "price"], rows)
    model = folder / "shops.nkm"
    code, out, err = cli("train", path, "--categorical", "onehot", "--impute", "median", "--hidden", "16",
                         "--epochs", "100", "--lr", "0.01", "--out", model)
    assert code == 0, err
    return folder, path, model, rows


def test_without_the_flags_text_and_missing_values_are_refused_naming_the_flag(shops):
    _, path, _, _ = shops
    code, _, err = cli("train", path, "--epochs", "2", "--impute", "mean")
    assert code == 1 and "feature column 'city' (line 3 has 'Paris') is not numeric" in err
    assert "--categorical onehot" in err
    code, _, err = cli("train", path, "--epochs", "2", "--categorical", "onehot")
    assert code == 1 and "missing values in column 'area' (lines 2, 19, 36" in err
    assert "--impute mean|median|most_frequent" in err


def test_the_model_keeps_categories_and_training_row_medians(shops):
    _, path, model, rows = shops
    est = nk.load(model)
    assert list(est.feature_names_in_) == ["area", "city=Lyon", "city=Nice", "city=Paris"]
    from neuronkit.io import read_model_file

    record = data.check_training_data(read_model_file(model)[0]["training_data"])
    assert record["columns"] == ["area", "city"] and record["target"] == "price"
    assert record["preprocess"]["categorical"] == {"city": ["Lyon", "Nice", "Paris"]}
    train, _ = data.split_indices(len(rows), 0.2, seed=0)
    area = np.array([float(r[0]) if r[0] else np.nan for r in rows])
    sklearn_impute = pytest.importorskip("sklearn.impute")
    median = sklearn_impute.SimpleImputer(strategy="median").fit(area[train, None]).statistics_[0]
    assert record["preprocess"]["fill"]["area"] == pytest.approx(median)
    assert median != pytest.approx(np.nanmedian(area))  # training rows only, not every row
    cities = np.array([r[1] for r in rows], dtype=object)[train]
    frequent = sklearn_impute.SimpleImputer(strategy="most_frequent", missing_values="NA").fit(cities[:, None])
    assert record["preprocess"]["fill"]["city"] == frequent.statistics_[0]


def test_predict_applies_the_stored_recipe_by_column_name(shops, tmp_path):
    _, _, model, _ = shops
    est = nk.load(model)
    fill = data.check_training_data(nk.io.read_model_file(model)[0]["training_data"])["preprocess"]["fill"]
    new = tmp_path / "new.csv"
    new.write_text("city,area,notes\nParis,50,a\nLyon,,b\nNA,80,c\n")
    code, out, err = cli("predict", model, new)
    assert code == 0, err
    city = {"Lyon": [1, 0, 0], "Nice": [0, 1, 0], "Paris": [0, 0, 1]}
    X = np.array([[50, *city["Paris"]], [fill["area"], *city["Lyon"]], [80, *city[fill["city"]]]], np.float32)
    printed = [float(line) for line in out.splitlines()[1:]]
    np.testing.assert_allclose(printed, predict(est, X), rtol=1e-5)
    assert "columns not used by the model, ignored: 'notes'" in err


def test_an_unseen_category_is_named_or_encoded_as_zeros(shops, tmp_path):
    _, path, model, _ = shops
    new = tmp_path / "new.csv"
    new.write_text("area,city\n50,Paris\n70,Oslo\n")
    code, out, err = cli("predict", model, new)
    assert code == 1 and out == ""
    assert "column 'city' has the category 'Oslo' on line 3, which the model did not see at training" in err
    assert "--unknown-category zeros" in err
    code, out, err = cli("predict", model, new, "--unknown-category", "zeros")
    assert code == 0, err
    est = nk.load(model)
    X = np.array([[50, 0, 0, 1], [70, 0, 0, 0]], np.float32)
    np.testing.assert_allclose([float(v) for v in out.splitlines()[1:]], predict(est, X), rtol=1e-5)
    code, out, err = cli("evaluate", model, path)
    assert code == 0 and "the 40 held-out test rows of shops" in out and metric(out, "R²") > 0.8


def test_the_recipe_matches_scikit_learns_imputer_and_encoder():
    sk = pytest.importorskip("sklearn.preprocessing")
    impute = pytest.importorskip("sklearn.impute")
    rng = np.random.default_rng(5)
    size = rng.normal(size=40).round(2)
    size[[3, 7, 20]] = np.nan
    colour = rng.choice(["red", "green", "blue"], 40).astype(object)
    table = data.Table("t", ["size", "colour"], {"size": size, "colour": colour}, sha256="")
    rows = np.arange(30)
    for strategy in ("mean", "median", "most_frequent"):
        recipe = data.Recipe.fit(table, ["size", "colour"], rows, categorical="onehot", impute=strategy)
        filled = impute.SimpleImputer(strategy=strategy).fit(size[rows, None]).transform(size[:, None])
        onehot = sk.OneHotEncoder(sparse_output=False).fit(colour[:, None]).transform(colour[:, None])
        np.testing.assert_allclose(recipe.transform(table), np.hstack([filled, onehot]), rtol=1e-6)


BAD_RECORDS = [
    ("not a dict", [], "must be a JSON object"),
    ("columns", {"columns": "area"}, "'columns' must be a list"),
    ("task", {"task": "clustering"}, "'task' must be one of"),
    ("too many categories",
     {"preprocess": {"columns": ["a", "b"], "categorical": {"b": [f"c{i}" for i in range(1001)]}}},
     "categories of 'b' must be a list of at most 1000 names"),
    ("fill nan", {"preprocess": {"columns": ["a", "b"], "impute": "mean", "fill": {"a": float("nan")}}},
     "fill value of 'a' must be a finite number"),
    ("fill category", {"preprocess": {"columns": ["a", "b"], "categorical": {"b": ["x"]}, "impute": "mean",
                                      "fill": {"b": "y"}}}, "fill value of 'b' must be one of its categories"),
    ("split seed", {"split": {"seed": -1, "test_size": 0.2, "stratify": True, "n_rows": 10, "n_test": 2,
                              "sha256": "0" * 64}}, "'split' must hold whole numbers"),
    ("split checksum", {"split": {"seed": 0, "test_size": 0.2, "stratify": True, "n_rows": 10, "n_test": 2,
                                  "sha256": "xyz"}}, "a sha256 checksum"),
    ("metrics", {"test_metrics": {"r2": "high"}}, "'test_metrics' must map"),
]


@pytest.mark.parametrize("name, change, fragment", BAD_RECORDS, ids=[r[0] for r in BAD_RECORDS])
def test_a_bad_training_record_is_a_model_file_error(name, change, fragment):
    good = {"source": "d.csv", "source_kind": "csv", "target": "y", "task": "regression", "columns": ["a", "b"],
            "preprocess": {"columns": ["a", "b"], "categorical": {}, "impute": None, "fill": {}},
            "split": {"seed": 0, "test_size": 0.2, "stratify": False, "n_rows": 10, "n_test": 2, "sha256": "0" * 64},
            "test_metrics": {"r2": 0.5}}
    assert data.check_training_data(json.loads(json.dumps(good))) == good
    record = change if not isinstance(change, dict) else {**good, **change}
    with pytest.raises(ModelFileError, match="m.nkm: its (training-data|preprocessing) record") as info:
        data.check_training_data(record, "m.nkm")
    assert fragment in str(info.value)


@pytest.mark.parametrize("edit, fragment", [
    (lambda r: r["preprocess"]["fill"].update(area="a lot"), "fill value of 'area' must be a finite number"),
    (lambda r: r["preprocess"]["categorical"].update(city=["Lyon"] * 2), "categories of 'city' must be distinct"),
    (lambda r: r["preprocess"]["categorical"].update(city=["Lyon", "Paris"]), "its training-data record describes"),
    (lambda r: r.update(split={"seed": 0, "test_size": 0.2, "stratify": False, "n_rows": 1e9}), "'split' must hold"),
], ids=["fill", "categories", "feature count", "split"])
def test_an_edited_record_in_a_model_file_is_refused_when_read(shops, tmp_path, edit, fragment):
    from neuronkit.io import read_model_file, write_model_file

    _, path, model, _ = shops
    meta, arrays = read_model_file(model)
    edit(meta["training_data"])
    write_model_file(tmp_path / "edited.nkm", meta, arrays)  # a valid file (checksum and all) with a bad record
    for command in ("evaluate", "predict"):
        code, out, err = cli(command, tmp_path / "edited.nkm", path)
        assert code == 1 and out == "" and "Traceback" not in err
        assert f"{tmp_path / 'edited.nkm'}: its " in err and fragment in err and "Train the model again" in err
