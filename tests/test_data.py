"""Datasets, CSV loading (and every error it raises), validation, splits, scalers and mini-batches."""

import importlib.util
import json
import sys

import numpy as np
import pytest

from neuronkit import data, datasets
from neuronkit.data import DataError
from neuronkit.errors import NeuronkitError, NotFittedError, ShapeError

requires_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                      reason="scikit-learn (neuronkit[train]) is not installed")

# --------------------------------------------------------------------------- bundled datasets


@requires_sklearn

@pytest.mark.parametrize("name, shape, n_classes", [
    ("digits", (1797, 64), 10),
    ("iris", (150, 4), 3),
    ("wine", (178, 13), 3),
    ("breast_cancer", (569, 30), 2),
    ("diabetes", (442, 10), None),
])
def test_bundled_dataset_shapes_and_classes(name, shape, n_classes):
    ds = datasets.load(name)
    assert ds.name == name and ds.X.shape == shape and ds.X.dtype == np.float32
    assert ds.y.shape == (shape[0],) and len(ds.feature_names) == shape[1]
    assert ds.description and "\n" not in ds.description
    if n_classes is None:
        assert ds.task == "regression" and ds.y.dtype == np.float32 and ds.classes is None
    else:
        assert ds.task == "classification" and ds.y.dtype == np.int64
        assert ds.n_classes == n_classes and sorted(np.unique(ds.y)) == list(range(n_classes))


@requires_sklearn
def test_bundled_class_names_map_indices_to_labels():
    iris = datasets.load("iris")
    assert iris.classes == ["setosa", "versicolor", "virginica"]
    assert iris.labels()[0] == "setosa" and iris.labels()[-1] == "virginica"
    assert datasets.load("digits").classes == list(range(10))


def test_available_lists_every_name_and_each_loads():
    assert datasets.available()[:5] == ["digits", "iris", "wine", "breast_cancer", "diabetes"]
    for name in datasets.GENERATED:
        assert datasets.load(name, seed=0).name == name


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'") as info:
        datasets.load("mnist")
    assert all(name in str(info.value) for name in datasets.available())
    with pytest.raises(ValueError, match="load_csv"):
        datasets.load("my_data.csv")


def test_bundled_dataset_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes "import sklearn" fail
    with pytest.raises(ImportError, match=r'pip install "neuronkit\[train\]"'):
        datasets.load("iris")


def test_bundled_dataset_takes_no_options():
    with pytest.raises(TypeError, match="'iris' takes no options; got seed"):
        datasets.load("iris", seed=0)


@requires_sklearn
def test_dataset_names_are_normalised():
    assert datasets.load("Breast-Cancer").name == "breast_cancer"


# --------------------------------------------------------------------------- generators

GENERATORS = [datasets.xor, datasets.spirals, datasets.moons, datasets.blobs]


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_generator_is_deterministic_per_seed_and_differs_across_seeds(make):
    a, b, c = make(120, seed=7), make(120, seed=7), make(120, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape[0] == 120 and a.X.dtype == np.float32 and a.y.dtype == np.int64
    assert a.task == "classification" and a.n_classes >= 2


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_generator_never_touches_global_random_state(make):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    make(50, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_load_gives_the_same_generated_data_every_call():
    np.testing.assert_array_equal(datasets.load("spirals").X, datasets.load("spirals").X)
    np.testing.assert_array_equal(datasets.load("xor", n=50).X, datasets.xor(50, seed=0).X)
    assert not np.array_equal(datasets.load("moons", seed=1).X, datasets.load("moons").X)


def test_seed_and_rng_give_the_same_data():
    np.testing.assert_array_equal(datasets.moons(40, seed=3).X, datasets.moons(40, rng=np.random.default_rng(3)).X)


def test_xor_labels_are_the_sign_xor_without_noise():
    ds = datasets.xor(500, noise=0.0, seed=0)
    np.testing.assert_array_equal(ds.y, (ds.X[:, 0] > 0) != (ds.X[:, 1] > 0))
    assert np.abs(ds.X).max() <= 1.0


def test_spirals_splits_points_evenly_over_the_arms():
    ds = datasets.spirals(100, classes=3, noise=0.0, seed=0)
    assert np.bincount(ds.y).tolist() == [34, 33, 33]
    assert np.linalg.norm(ds.X, axis=1).max() <= 1.0 + 1e-6  # radius t in [0, 1]


def test_moons_points_lie_on_their_half_circles_without_noise():
    ds = datasets.moons(200, noise=0.0, seed=0)
    upper, lower = ds.X[ds.y == 0], ds.X[ds.y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0, rtol=1e-6)


def test_blobs_cluster_around_given_centres():
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    ds = datasets.blobs(400, centers=centres, std=0.5, seed=0)
    assert ds.X.shape == (400, 3)
    for k in range(2):
        np.testing.assert_allclose(ds.X[ds.y == k].mean(axis=0), centres[k], atol=0.15)
    assert datasets.blobs(30, centers=4, features=5, seed=0).X.shape == (30, 5)


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.xor(0), "n must be an integer >= 1"),
    (lambda: datasets.moons(10, noise=-1.0), "noise must be a finite number >= 0"),
    (lambda: datasets.spirals(10, classes=1), r"classes must be an integer in \[2, 10\]"),
    (lambda: datasets.blobs(10, centers=[1.0, 2.0]), r"shape \(k, features\)"),
    (lambda: datasets.xor(10, seed=-1), "seed must be an integer >= 0"),
])
def test_generator_arguments_are_validated(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- CSV loading


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_string_labels_round_trip(tmp_path):
    path = write(tmp_path, "weight,height,kind\n4.0,25,cat\n30.5,60,dog\n3.5,23,cat\n12,40,bird\n")
    ds = data.load_csv(path)
    assert ds.task == "classification" and ds.classes == ["bird", "cat", "dog"]
    assert ds.labels().tolist() == ["cat", "dog", "cat", "bird"]
    assert ds.y.tolist() == [1, 2, 1, 0] and ds.y.dtype == np.int64
    assert ds.feature_names == ["weight", "height"] and ds.target_name == "kind" and ds.name == "data"
    np.testing.assert_array_equal(ds.X, np.array([[4, 25], [30.5, 60], [3.5, 23], [12, 40]], np.float32))


def test_csv_target_column_can_be_anywhere(tmp_path):
    path = write(tmp_path, "label,a,b\nyes,1,2\nno,3,4\n")
    ds = data.load_csv(path, target="label")
    assert ds.feature_names == ["a", "b"] and ds.classes == ["no", "yes"]


def test_csv_task_is_decided_from_the_target(tmp_path):
    ints = data.load_csv(write(tmp_path, "a,grade\n1,10\n2,2\n3,3\n4,2\n"))
    assert ints.task == "classification" and ints.classes == [2, 3, 10]  # sorted as numbers
    assert ints.labels().tolist() == [10, 2, 3, 2]
    floats = data.load_csv(write(tmp_path, "a,price\n1,3.5\n2,7.25\n3,1\n"))
    assert floats.task == "regression" and floats.classes is None and floats.y.dtype == np.float32
    many = data.load_csv(write(tmp_path, "a,age\n" + "".join(f"{i},{i}\n" for i in range(30))))
    assert many.task == "regression"  # 30 distinct whole numbers: more than MAX_AUTO_CLASSES


def test_csv_task_override(tmp_path):
    path = write(tmp_path, "a,score\n1,1\n2,2\n3,1\n")
    assert data.load_csv(path, task="regression").y.tolist() == [1.0, 2.0, 1.0]
    floats = write(tmp_path, "a,price\n1,3.5\n2,7.25\n3,3.5\n", "floats.csv")
    assert data.load_csv(floats, task="classification").classes == [3.5, 7.25]
    with pytest.raises(ValueError, match="task must be"):
        data.load_csv(path, task="clustering")


@pytest.mark.parametrize("text, name", [
    ("a;b;label\n1.5;2;x\n3;4;y\n", "semicolon.csv"),
    ("a\tb\tlabel\n1.5\t2\tx\n3\t4\ty\n", "tabs.tsv"),
    ("\ufeffa,b,label\n1.5,2,x\n\n3,4,y\n,,\n", "bom_and_blank_lines.csv"),
    ('a,b,label\n1.5,2,x\n3,4,"y"\n', "quoted.csv"),
    ("a | b | label\n1.5 | 2 | x\n3 | 4 | y\n", "pipes_and_spaces.csv"),
])
def test_csv_dialects_are_detected(tmp_path, text, name):
    ds = data.load_csv(write(tmp_path, text, name))
    assert ds.feature_names == ["a", "b"] and ds.classes == ["x", "y"]
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4]])


def test_csv_explicit_delimiter(tmp_path):
    path = write(tmp_path, "a;b,c;label\n1;2;x\n3;4;y\n")
    assert data.load_csv(path, delimiter=";").feature_names == ["a", "b,c"]
    with pytest.raises(ValueError, match="delimiter must be a single character"):
        data.load_csv(path, delimiter=";;")


def test_csv_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere" / "absent.csv"
    with pytest.raises(DataError, match="CSV file not found") as info:
        data.load_csv(path)
    assert str(path) in str(info.value)


# (file text, load_csv options, fragments the message must contain)
CSV_ERRORS = [
    ("", {}, ["data.csv is empty", "header row"]),
    (" \n\n", {}, ["data.csv is empty"]),
    ("a,b,label\n", {}, ["only a header", "a, b, label", "no data rows"]),
    ("a,b,label\n1,2,x\n,3,y\n4,NA,x\n5,6,\n", {},
     ["missing values", "column 'a' (line 3)", "column 'b' (line 4)", "column 'label' (line 5)", "Fill them in"]),
    ("a,b,label\n" + "1,,x\n" * 8, {}, ["column 'b' (lines 2, 3, 4, 5, 6 and 3 more)"]),
    ("a,city,label\n1,Paris,x\n2,Rome,y\n", {},
     ["feature column 'city' (line 2 has 'Paris') is not numeric", "Encode", "drop the column"]),
    ("a,b,c,label\n1,x,y,1\n2,3,z,2\n", {}, ["columns 'b' (line 2 has 'x'), 'c' (line 2 has 'y') are not numeric"]),
    ("a;b;label\n1,5;2;x\n3;4;y\n", {}, ["column 'a' (line 2 has '1,5')", "decimal comma"]),
    ("a,b,label\n1,2,x\n3,4,y\n", {"target": "lable"},
     ["no column named 'lable'", "'a', 'b', 'label'", "Did you mean 'label'?"]),
    ("a,b,label\n1,2,x\n3,4,x\n", {}, ["target column 'label' has only one class ('x')", "at least two"]),
    ("a,b,label\n1,2,x\n1,2,3,y\n", {}, ["data.csv, line 3", "expected 3 fields", "got 4"]),
    ("a,b,label\n1,2,x\n3,y\n", {}, ["line 3", "expected 3 fields", "got 2"]),
    ('a,b,label\n1,2,"x\ny"\n3,4\n', {}, ["line 4", "got 2"]),  # a quoted line break: lines as in an editor
    ("a,a,label\n1,2,x\n3,4,y\n", {}, ["column name 'a' appears twice", "columns 1 and 2", "rename"]),
    ("a,,label\n1,2,x\n3,4,y\n", {}, ["column 2 of the header has no name"]),
    ("a,b,label\n1,inf,x\n3,4,y\n", {}, ["column 'b' has an infinite value ('inf') on line 2"]),
    ("a,b,label\n1,2,x\n3,4,y\n", {"task": "regression"}, ["needs a numeric target", "'x' on line 2"]),
    ("label\nx\ny\n", {}, ["only column is the target 'label'"]),
    ("5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n", {}, ["line 1 (5.1,3.5,1.4,0.2,setosa) looks like data"]),
]


@pytest.mark.parametrize("text, options, fragments", CSV_ERRORS, ids=[f[2][0][:40] for f in CSV_ERRORS])
def test_csv_errors_say_what_and_where(tmp_path, text, options, fragments):
    with pytest.raises(DataError) as info:
        data.load_csv(write(tmp_path, text), **options)
    message = str(info.value)
    assert "data.csv" in message
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, ValueError)


def test_csv_numbered_column_names_are_a_header(tmp_path):
    ds = data.load_csv(write(tmp_path, "0,1,2,label\n1,2,3,x\n4,5,6,y\n"))
    assert ds.feature_names == ["0", "1", "2"] and ds.n_samples == 2


def test_features_csv_picks_the_model_columns_by_name(tmp_path):
    path = write(tmp_path, "height,kind,weight\n25,cat,4.0\n60,dog,30.5\n")
    X, names = data.load_features_csv(path, feature_names=["weight", "height"], n_features=2)
    assert names == ["weight", "height"] and X.dtype == np.float32
    np.testing.assert_array_equal(X, [[4.0, 25.0], [30.5, 60.0]])


def test_features_csv_without_matching_names(tmp_path):
    path = write(tmp_path, "h,w\n25,4.0\n60,30.5\n")
    X, names = data.load_features_csv(path, feature_names=["weight", "height"])  # none match: file order
    assert names == ["h", "w"] and X[0].tolist() == [25.0, 4.0]
    X, _ = data.load_features_csv(path, n_features=2)
    assert X.shape == (2, 2)
    with pytest.raises(DataError, match="lacks 'height'"):
        data.load_features_csv(write(tmp_path, "weight,kind\n4,cat\n", "part.csv"), feature_names=["weight", "height"])
    with pytest.raises(DataError, match=r"expects 3 features but the file has 2 columns \('h', 'w'\)"):
        data.load_features_csv(path, n_features=3)
    with pytest.raises(DataError, match=r"column 'w' \(line 3\)"):
        data.load_features_csv(write(tmp_path, "h,w\n1,2\n3,\n", "gap.csv"))
    with pytest.raises(DataError, match="feature column 'w' \\(line 2 has 'heavy'\\)"):
        data.load_features_csv(write(tmp_path, "h,w\n1,heavy\n", "text.csv"))


def test_csv_directory_and_encoding_errors(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        data.load_csv(tmp_path)
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b,label\n1,2,caf\u00e9\n3,4,x\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        data.load_csv(path)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("X, y, error, message", [
    ([1.0, 2.0], None, ShapeError, r"X must be 2-D \(n_samples, n_features\); got shape \(2,\)\. For one feature"),
    (np.zeros((2, 2, 2)), None, ShapeError, r"got shape \(2, 2, 2\)"),
    (np.zeros((0, 3)), None, DataError, "at least 1 sample"),
    ([[1.0, "a"]], None, DataError, "X must be a numeric array"),
    ([[1.0, 2.0], [3.0]], None, DataError, "X must be a numeric array"),
    ([[1.0, 2.0], [3.0, np.nan]], None, DataError, r"non-finite value \(nan\) at row 1, column 1 \(X\[1, 1\]\)"),
    (np.zeros((3, 2)), [0, 1], ShapeError, "X has 3 samples but y has 2"),
    (np.zeros((2, 2)), [1.0, np.inf], DataError, r"y has a non-finite value \(inf\) at \(y\[1\]\)"),
])
def test_as_arrays_messages(X, y, error, message):
    with pytest.raises(error, match=message) as info:
        data.as_arrays(X, y)
    assert isinstance(info.value, ValueError) and isinstance(info.value, NeuronkitError)


def test_as_arrays_converts_and_keeps_labels():
    X, y = data.as_arrays([[1, 2], [3, 4]], np.array(["a", "b"]))
    assert X.dtype == np.float32 and y.tolist() == ["a", "b"]
    assert data.as_arrays(np.ones((1, 1)), dtype=np.float64)[0].dtype == np.float64


def test_dataset_checks_its_fields():
    X = np.zeros((3, 2), np.float32)
    with pytest.raises(DataError, match="3 feature names for 2 feature columns"):
        data.Dataset("d", X, np.array([0, 1, 0]), "classification", ["a", "b", "c"], classes=["x", "y"])
    with pytest.raises(DataError, match=r"y has class indices 0..2 but there are 2 classes; class indices must be in "
                                        r"\[0, 2\)"):
        data.Dataset("d", X, np.array([0, 1, 2]), "classification", ["a", "b"], classes=["x", "y"])
    with pytest.raises(ValueError, match="task must be"):
        data.Dataset("d", X, np.zeros(3), "ranking", ["a", "b"])


# --------------------------------------------------------------------------- splitting


def test_stratified_split_keeps_class_proportions():
    iris = datasets.load("iris")
    X_train, X_test, y_train, y_test = data.train_test_split(iris.X, iris.y, test_size=0.2, seed=0)
    assert np.bincount(y_test).tolist() == [10, 10, 10] and np.bincount(y_train).tolist() == [40, 40, 40]
    assert X_train.shape == (120, 4) and X_test.shape == (30, 4)
    # rows stay paired with their labels
    rows = {tuple(row): label for row, label in zip(iris.X.tolist(), iris.y.tolist(), strict=True)}
    assert all(rows[tuple(row)] == label for row, label in zip(X_test.tolist(), y_test.tolist(), strict=True))


def test_stratified_split_puts_every_class_in_both_parts_when_possible():
    y = np.array([0] * 90 + [1] * 8 + [2] * 2)
    X = np.arange(100, dtype=np.float32).reshape(-1, 1)
    for seed in range(20):
        _, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.1, seed=seed)
        assert set(y_test.tolist()) == {0, 1, 2} and set(y_train.tolist()) == {0, 1, 2} and len(y_test) == 10
    # a class with a single sample goes to training
    _, _, y_train, y_test = data.train_test_split(X, np.array([0] * 50 + [1] * 49 + [2]), test_size=0.5, seed=0)
    assert 2 in y_train and 2 not in y_test


def test_split_is_a_partition_and_deterministic_per_seed():
    X = np.arange(50, dtype=np.float32).reshape(-1, 1)
    y = np.arange(50) % 2
    a = data.train_test_split(X, y, seed=1)
    b = data.train_test_split(X, y, seed=1)
    c = data.train_test_split(X, y, seed=2)
    for part_a, part_b in zip(a, b, strict=True):
        np.testing.assert_array_equal(part_a, part_b)
    assert not np.array_equal(a[1], c[1])
    assert sorted(np.concatenate([a[0], a[1]]).ravel().tolist()) == list(range(50))
    assert len(a[1]) == 10


def test_split_with_string_labels_and_regression_targets():
    X = np.zeros((6, 1))
    _, _, _, y_test = data.train_test_split(X, ["a", "a", "a", "b", "b", "b"], test_size=2, seed=0)
    assert sorted(y_test.tolist()) == ["a", "b"]
    y = np.linspace(0, 1, 6)
    _, _, y_train, y_test = data.train_test_split(X, y, test_size=2, seed=0)  # float y: not stratified
    assert len(y_test) == 2 and X.dtype == np.float64
    with pytest.raises(DataError, match="stratify=True needs class labels"):
        data.train_test_split(X, y, stratify=True, seed=0)


def test_unstratified_split_ignores_labels():
    y = np.array([0] * 95 + [1] * 5)
    misses = sum(1 not in data.train_test_split(np.zeros((100, 1)), y, test_size=0.1, stratify=False, seed=s)[3]
                 for s in range(20))
    assert misses > 0  # with stratify=True class 1 would always be there


@pytest.mark.parametrize("size, error, message", [
    (0.0, ValueError, r"test_size must be a finite number in \(0, 1\); got 0.0"),
    (1.5, ValueError, r"test_size must be a finite number in \(0, 1\); got 1.5"),
    ("half", TypeError, r"test_size must be a finite number in \(0, 1\); got 'half'"),
    (10, ValueError, r"test_size must be an integer in \[1, 9\]; got 10"), (0.01, ValueError, "gives 0 of 10"),
])
def test_split_size_is_validated(size, error, message):
    with pytest.raises(error, match=message):
        data.train_test_split(np.zeros((10, 1)), np.arange(10) % 2, test_size=size, seed=0)


def test_train_val_test_split_sizes_stratification_and_disjointness():
    X = np.arange(200, dtype=np.float32).reshape(-1, 1)
    y = np.repeat([0, 1, 2, 3], 50)
    X_train, X_val, X_test, y_train, y_val, y_test = data.train_val_test_split(
        X, y, val_size=0.1, test_size=0.2, seed=0)
    assert (len(X_train), len(X_val), len(X_test)) == (140, 20, 40)
    assert np.bincount(y_val).tolist() == [5] * 4 and np.bincount(y_test).tolist() == [10] * 4
    ids = np.concatenate([X_train, X_val, X_test]).ravel()
    assert sorted(ids.tolist()) == list(range(200))
    again = data.train_val_test_split(X, y, val_size=0.1, test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[1], X_val)
    with pytest.raises(ValueError, match="leave no training samples"):
        data.train_val_test_split(X, y, val_size=0.5, test_size=0.5, seed=0)


# --------------------------------------------------------------------------- scaling

def sample_matrix():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(40, 4)) * [1.0, 10.0, 0.1, 1.0]
    X[:, 3] = 7.5  # a constant column
    return X


@requires_sklearn
@pytest.mark.parametrize("ours, theirs, options", [
    (data.StandardScaler, "StandardScaler", {}),
    (data.MinMaxScaler, "MinMaxScaler", {}),
    (data.MinMaxScaler, "MinMaxScaler", {"feature_range": (-1, 1)}),
])
def test_scalers_match_scikit_learn(ours, theirs, options):
    from sklearn import preprocessing

    X, X_new = sample_matrix(), sample_matrix()[:5] * 1.5
    scaler, reference = ours(**options).fit(X), getattr(preprocessing, theirs)(**options).fit(X)
    np.testing.assert_allclose(scaler.transform(X), reference.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.transform(X_new), reference.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12)
    assert np.all(np.isfinite(scaler.transform(X)))  # the constant column divides by 1, not 0


def test_standard_scaler_statistics_and_dtypes():
    X = sample_matrix()
    s = data.StandardScaler().fit(X)
    np.testing.assert_allclose(s.mean, X.mean(axis=0))
    assert s.scale[3] == 1.0 and s.n_features == 4
    assert s.transform(X).dtype == np.float64 and s.transform(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(s.fit_transform(X).std(axis=0)[:3], 1.0)


@pytest.mark.parametrize("name", ["standard", "minmax", "none"])
def test_scaler_round_trips_through_json(name):
    X = sample_matrix()
    scaler = data.get_scaler(name).fit(X)
    spec = json.loads(json.dumps(scaler.to_dict()))
    restored = data.Scaler.from_dict(spec)
    assert type(restored) is type(scaler) and restored.to_dict() == scaler.to_dict()
    np.testing.assert_array_equal(restored.transform(X), scaler.transform(X))
    # arrays (as stored in a weights file) work in place of lists
    again = data.get_scaler({"name": name, **scaler.options(), **scaler.arrays()})
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))


def test_unfitted_scaler_round_trips_and_says_fit_first():
    scaler = data.Scaler.from_dict(data.MinMaxScaler(feature_range=(-1, 1)).to_dict())
    assert scaler.feature_range == (-1.0, 1.0) and not scaler.is_fitted
    assert repr(scaler) == "MinMaxScaler(feature_range=[-1.0, 1.0], not fitted)"
    with pytest.raises(NotFittedError, match=r"not fitted yet; call fit\(X_train\) first"):
        scaler.transform([[1.0]])


def test_scaler_checks_feature_count():
    scaler = data.StandardScaler().fit(np.zeros((3, 4)))
    with pytest.raises(DataError, match=r"fitted on 4 features; X has 3 columns \(shape \(2, 3\)\)"):
        scaler.transform(np.zeros((2, 3)))


def test_scaler_registry():
    assert isinstance(data.get_scaler("standard"), data.StandardScaler)
    assert isinstance(data.get_scaler("MinMax"), data.MinMaxScaler)
    assert isinstance(data.get_scaler("none"), data.IdentityScaler)
    assert isinstance(data.get_scaler(None), data.IdentityScaler)
    assert data.get_scaler("minmax", feature_range=(2, 3)).feature_range == (2.0, 3.0)
    with pytest.raises(ValueError, match="unknown scaler 'robust'; valid names are: standard, minmax, none"):
        data.get_scaler("robust")
    with pytest.raises(ValueError, match=r"feature_range must be two numbers \(low, high\) with low < high"):
        data.MinMaxScaler(feature_range=(1, 1))
    with pytest.raises(ValueError, match="StandardScaler.from_dict got a dict for scaler 'minmax'"):
        data.StandardScaler.from_dict({"name": "minmax"})
    with pytest.raises(ValueError, match=r"unknown keys \['centre'\]"):
        data.Scaler.from_dict({"name": "standard", "centre": [0.0]})
    with pytest.raises(ValueError, match="needs all of mean, scale"):
        data.Scaler.from_dict({"name": "standard", "mean": [0.0]})


# --------------------------------------------------------------------------- batches


def test_batches_cover_every_index_once_per_epoch():
    rng = np.random.default_rng(0)
    orders = []
    for _ in range(3):
        chunks = list(data.batches(103, 10, shuffle=True, rng=rng))
        assert [len(c) for c in chunks] == [10] * 10 + [3]  # the last partial batch is kept
        order = np.concatenate(chunks)
        assert sorted(order.tolist()) == list(range(103)) and order.dtype.kind == "i"
        orders.append(order)
    assert not np.array_equal(orders[0], orders[1])  # a new order each epoch from the same generator


def test_batches_without_shuffle_and_with_a_seed():
    assert [b.tolist() for b in data.batches(5, 2, shuffle=False)] == [[0, 1], [2, 3], [4]]
    first = [b.tolist() for b in data.batches(20, 8, rng=3)]
    assert first == [b.tolist() for b in data.batches(20, 8, rng=3)]
    assert list(data.batches(0, 4, shuffle=False)) == []
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1; got 0"):
        data.batches(10, 0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator or an int seed; got RandomState"):
        data.batches(10, 2, rng=np.random.RandomState(0))


def test_a_dataset_without_targets_is_refused_by_name():
    with pytest.raises(DataError, match="dataset 'mine': y is required"):
        data.Dataset("mine", np.zeros((3, 2)), None, "regression", ["a", "b"])
