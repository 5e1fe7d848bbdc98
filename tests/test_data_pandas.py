"""pandas in nk.data (DataFrames and Series wherever arrays go), and batch_indices, the one batch iterator."""

import numpy as np
import pytest

from neuronkit import data
from neuronkit.errors import DataError, NeuronkitError, ParameterError, ParameterTypeError

pd = pytest.importorskip("pandas")


def frame(n=12):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"height": rng.normal(170, 10, n), "weight": rng.normal(70, 5, n),
                      "age": rng.integers(20, 60, n).astype(np.float64)}, index=[f"r{i}" for i in range(n)])
    y = pd.Series(np.arange(n) % 2, index=X.index, name="smoker")
    return X, y


# --------------------------------------------------------------------------- arrays


def test_as_arrays_reads_a_frame_and_a_series_like_their_values():
    X, y = frame()
    Xa, ya = data.as_arrays(X, y)
    np.testing.assert_array_equal(Xa, X.to_numpy(dtype=np.float32))
    np.testing.assert_array_equal(ya, y.to_numpy())
    assert Xa.dtype == np.float32 and ya.dtype == np.int64


def test_a_text_column_or_a_missing_value_is_refused_by_position():
    X, y = frame(4)
    with_text = X.assign(city=["Paris", "Rome", "Oslo", "Bern"])
    with pytest.raises(DataError, match="X must be a numeric array.*Encode text"):
        data.as_arrays(with_text, y)
    gap = X.copy()
    gap.iloc[2, 1] = np.nan
    with pytest.raises(DataError, match=r"non-finite value \(nan\) at row 2, column 1"):
        data.as_arrays(gap, y)
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        data.as_arrays(X, y.iloc[:3])


# --------------------------------------------------------------------------- splits


def test_a_split_of_a_frame_gives_frames_with_the_rows_numpy_gets():
    X, y = frame()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=4, seed=3)
    a_train, a_test, b_train, b_test = data.train_test_split(X.to_numpy(), y.to_numpy(), test_size=4, seed=3)
    assert isinstance(X_train, pd.DataFrame) and isinstance(y_test, pd.Series)
    assert list(X_test.columns) == ["height", "weight", "age"] and y_test.name == "smoker"
    np.testing.assert_array_equal(X_train.to_numpy(), a_train)  # the same rows, in the same order
    np.testing.assert_array_equal(X_test.to_numpy(), a_test)
    np.testing.assert_array_equal(y_train.to_numpy(), b_train)
    assert list(X_test.index) == list(y_test.index)  # rows stay paired with their labels
    assert sorted(X_train.index.tolist() + X_test.index.tolist()) == sorted(X.index.tolist())
    assert sorted(y_test.tolist()) == [0, 0, 1, 1]  # stratified by the Series' labels


def test_a_frame_with_a_plain_label_list_and_a_three_way_split():
    X, y = frame(20)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y.tolist(), test_size=0.25, seed=0)
    assert isinstance(X_train, pd.DataFrame) and isinstance(y_train, np.ndarray) and len(y_test) == 5
    parts = data.train_val_test_split(X, y, val_size=4, test_size=4, seed=1)
    assert [len(p) for p in parts] == [12, 4, 4, 12, 4, 4]
    assert all(isinstance(p, pd.DataFrame) for p in parts[:3]) and all(isinstance(p, pd.Series) for p in parts[3:])
    for X_part, y_part in zip(parts[:3], parts[3:]):
        assert list(X_part.index) == list(y_part.index)


# --------------------------------------------------------------------------- scalers


@pytest.mark.parametrize("name", ["standard", "minmax", "none"])
def test_a_scaler_fitted_on_a_frame_records_its_columns_and_scales_like_numpy(name):
    X, _ = frame()
    scaler = data.get_scaler(name).fit(X)
    assert list(scaler.feature_names_in_) == ["height", "weight", "age"]
    reference = data.get_scaler(name).fit(X.to_numpy())
    assert reference.feature_names_in_ is None
    np.testing.assert_array_equal(scaler.transform(X), reference.transform(X.to_numpy()))
    assert scaler.transform(X).dtype == np.float64  # float64 columns stay float64
    np.testing.assert_array_equal(scaler.transform(X.to_numpy()), scaler.transform(X))  # arrays carry no names
    restored = data.Scaler.from_dict(scaler.to_dict())
    assert list(restored.feature_names_in_) == ["height", "weight", "age"]


def test_a_scaler_refuses_a_frame_with_other_columns_naming_them():
    X, _ = frame()
    scaler = data.StandardScaler().fit(X)
    with pytest.raises(DataError, match=r"fitted on the columns \['height', 'weight', 'age'\]; X has the columns "
                                        r"\['age', 'weight', 'height'\] \(the same names in another order\)"):
        scaler.transform(X[["age", "weight", "height"]])
    renamed = X.rename(columns={"age": "years"})
    with pytest.raises(DataError, match=r"missing \['age'\]; unexpected \['years'\]"):
        scaler.transform(renamed)
    with pytest.raises(DataError, match=r"missing \['age'\]\)"):
        scaler.inverse_transform(X[["height", "weight"]])


def test_a_frame_without_string_column_names_records_none():
    scaler = data.MinMaxScaler().fit(pd.DataFrame(np.eye(3)))
    assert scaler.feature_names_in_ is None and "feature_names_in" not in scaler.to_dict()
    assert scaler.transform(pd.DataFrame(np.eye(3))).dtype == np.float64


# --------------------------------------------------------------------------- Dataset


def test_a_dataset_from_a_frame_keeps_the_column_names():
    X, y = frame()
    ds = data.Dataset("people", X, y, "classification", classes=["no", "yes"], target_name=y.name)
    assert ds.feature_names == ["height", "weight", "age"] and ds.X.dtype == np.float32
    np.testing.assert_array_equal(ds.y, y.to_numpy())
    assert ds.targets().tolist() == ["no", "yes"] * 6
    assert data.Dataset("plain", X.to_numpy(), y, "regression").feature_names == ["x1", "x2", "x3"]
    with pytest.raises(DataError, match=r"feature_names \['a', 'b', 'c'\] differ from the DataFrame's columns"):
        data.Dataset("people", X, y, "classification", ["a", "b", "c"], classes=["no", "yes"])


# --------------------------------------------------------------------------- batch_indices


@pytest.mark.parametrize("n, batch_size, seed, epoch", [(103, 10, 0, 0), (103, 10, 0, 1), (7, 3, 5, 4),
                                                        (64, 64, 2, 9), (5, 8, 1, 0)])
def test_batch_indices_are_the_seeded_epoch_permutation_cut_into_batches(n, batch_size, seed, epoch):
    got = data.batch_indices(n, batch_size, shuffle=True, seed=seed, epoch=epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n)  # the order training has always used
    expected = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    assert len(got) == len(expected) == -(-n // batch_size)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    plain = data.batch_indices(n, batch_size, shuffle=False)
    np.testing.assert_array_equal(np.concatenate(plain), np.arange(n))


def test_batch_indices_differ_across_epochs_and_repeat_for_the_same_epoch():
    first, second = (np.concatenate(data.batch_indices(50, 8, seed=0, epoch=e)) for e in (0, 1))
    assert not np.array_equal(first, second) and sorted(first) == sorted(second) == list(range(50))
    np.testing.assert_array_equal(np.concatenate(data.batch_indices(50, 8, seed=0, epoch=1)), second)
    assert data.batch_indices(0, 4) == []
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(np.concatenate(data.batch_indices(9, 4, rng=rng)),
                                  np.random.default_rng(3).permutation(9))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n": -1, "batch_size": 2}, ParameterError, "n must be an integer >= 0; got -1"),
    ({"n": 10, "batch_size": 0}, ParameterError, "batch_size must be an integer >= 1; got 0"),
    ({"n": 10.0, "batch_size": 2}, ParameterTypeError, "n must be an integer >= 0; got 10.0"),
    ({"n": 10, "batch_size": 2, "shuffle": "yes"}, ParameterTypeError, "shuffle must be True or False"),
    ({"n": 10, "batch_size": 2, "seed": -1}, ParameterError, "seed must be an integer >= 0; got -1"),
    ({"n": 10, "batch_size": 2, "epoch": 1.5}, ParameterTypeError, "epoch must be an integer >= 0"),
    ({"n": 10, "batch_size": 2, "rng": 3}, ParameterTypeError, "rng must be a numpy.random.Generator"),
])
def test_batch_indices_arguments_are_checked(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        data.batch_indices(**kwargs)
    assert isinstance(info.value, NeuronkitError)
