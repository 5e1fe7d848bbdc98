"""Crafted or odd model files (issue 10): refused quickly, with a message, without allocating what they declare.

- limits: only regular files are read (a FIFO never blocks, /dev/zero is not read), a size limit on the file
  (``max_bytes=`` / ``NEURONKIT_MAX_MODEL_FILE_BYTES``) and on the header, a depth limit on JSON;
- the declared structure is checked against the stored arrays before any layer is built, and layers are
  built around the stored arrays (no initialiser runs);
- an estimator's scaler, classes, feature names, target statistics and entry types are checked, the same
  way by ``nk.load`` and by the CLI's ``SavedEstimator``; ``training_data_`` round-trips;
- ``nk.save`` refuses NaN/inf weights unless ``allow_nonfinite=True``;
- a missing optional dependency is named as such, never reported as a damaged file.

Cases that could exhaust memory or block on the code before this fix run in a subprocess under
``RLIMIT_AS`` with a hard timeout (a safety bound, not a speed measurement).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import errors
from neuronkit import io as nkio
from neuronkit.cli import SavedEstimator, main

SRC = str(Path(nk.__file__).resolve().parents[1])


def run_python(code: str, *, memory_gb: float = 1.5, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter with this neuronkit, its address space limited to ``memory_gb``."""
    limit = int(memory_gb * 1024**3)
    prelude = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def resigned(path: Path, edit, *, name: str = "edited.nkm") -> Path:
    """A copy of the model file at ``path`` with ``edit(meta, arrays)`` applied and a valid checksum."""
    meta, arrays = nkio.read_model_file(path)
    edit(meta, arrays)
    out = path.with_name(name)
    nkio.write_model_file(out, meta, arrays)
    return out


def signed_model(path: Path, model: str, arrays: dict) -> Path:
    """A model file whose model description is the text ``model`` (any text), with a valid checksum."""
    import safetensors.numpy

    header = {"format": "neuronkit", "format_version": "1", "neuronkit_version": nk.__version__, "model": model,
              "checksum": nkio._checksum(model, arrays)}
    path.write_bytes(safetensors.numpy.save(arrays, metadata=header))
    return path


def raw_file(path: Path, header: bytes, data: bytes = b"") -> Path:
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)
    return path


def refused(path, *fragments, loader=nk.load) -> str:
    with pytest.raises(errors.ModelFileError) as info:
        loader(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A saved 3-class classifier (labels 'ant', 'bee', 'cat') and a regressor, 3 features each."""
    from sklearn.exceptions import ConvergenceWarning

    folder = tmp_path_factory.mktemp("fitted")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(45, 3))
    labels = np.array(["ant", "bee", "cat"])[np.arange(45) % 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs on purpose: only the file matters
        clf = nk.NeuralClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, labels)
        reg = nk.NeuralRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, X @ [1.0, 2.0, 3.0])
    clf.save(folder / "clf.nkm")
    reg.save(folder / "reg.nkm")
    return {"classifier": folder / "clf.nkm", "regressor": folder / "reg.nkm", "X": X}


# ------------------------------------------------------------------ only regular files, bounded reads

def test_a_fifo_dev_zero_and_a_directory_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.nkm"
    os.mkfifo(fifo)
    result = run_python(f"""
        import neuronkit as nk
        for path in ({str(fifo)!r}, "/dev/zero", {str(tmp_path)!r}):
            try:
                nk.load(path)
            except nk.errors.ModelFileError as exc:
                print(type(exc).__name__, exc)
        """, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert "it is a FIFO (named pipe), not a model file" in lines[0] and str(fifo) in lines[0]
    assert "/dev/zero: it is a character device, not a model file" in lines[1]
    assert "it is a directory" in lines[2]
    assert all("regular files" in line for line in lines[:2])


def test_the_cli_refuses_dev_zero_with_a_message_not_a_memory_error():
    env = {**os.environ, "PYTHONPATH": SRC}
    limit = 1024**3
    code = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit})); "
            "from neuronkit.cli import main; sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", code, "summary", "/dev/zero"], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("neuronkit summary: error: cannot load /dev/zero: it is a character device")
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr


def test_the_file_size_limit_is_a_parameter_and_an_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "net.nkm"
    nk.save(nk.mlp([4, 8, 3], seed=0), path)
    size = path.stat().st_size
    message = refused(path, f"{size:,} bytes, more than the limit of 1,000 bytes", "max_bytes=",
                      "NEURONKIT_MAX_MODEL_FILE_BYTES", loader=lambda p: nk.load(p, max_bytes=1000))
    assert str(path) in message
    assert nk.load(path, max_bytes=size).config() == nk.mlp([4, 8, 3], seed=0).config()
    monkeypatch.setenv("NEURONKIT_MAX_MODEL_FILE_BYTES", "1000")
    refused(path, "more than the limit of 1,000 bytes")
    refused(path, "more than the limit", loader=nkio.load_arrays)
    assert isinstance(nk.load(path, max_bytes=size), nk.Sequential)  # the parameter wins over the variable
    monkeypatch.setenv("NEURONKIT_MAX_MODEL_FILE_BYTES", "lots")
    with pytest.raises(errors.ParameterError, match="NEURONKIT_MAX_MODEL_FILE_BYTES must be a positive number"):
        nk.load(path)
    assert nkio.MAX_FILE_BYTES == 4 * 1024**3 and nkio.MAX_HEADER_BYTES == 16 * 1024**2


def test_a_header_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "net.nkm"
    nk.save(nk.mlp([4, 3], seed=0), path)
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = data[8:8 + n] + b" " * (nkio.MAX_HEADER_BYTES + 1 - n)  # JSON may end in spaces: still valid
    raw_file(tmp_path / "big.nkm", header, data[8 + n:])
    refused(tmp_path / "big.nkm", "its header is 16,777,217 bytes, more than the limit of 16,777,216 bytes")


def test_json_nested_10000_deep_is_refused_before_parsing(tmp_path):
    deep = b"[" * 10_000 + b"]" * 10_000
    raw_file(tmp_path / "deep_header.nkm", b'{"__metadata__": {"format": "neuronkit"}, "x": ' + deep + b"}")
    message = refused(tmp_path / "deep_header.nkm", "nested 10001 deep", "limit of 64")
    assert "corrupted" in message
    path = tmp_path / "net.nkm"
    nk.save(nk.mlp([2, 2], seed=0), path)
    meta, arrays = nkio.read_model_file(path)
    model = json.dumps(meta)[:-1] + ', "deep": ' + "[" * 5_000 + "]" * 5_000 + "}"  # signed, so it gets parsed
    signed_model(tmp_path / "deep.nkm", model, arrays)
    refused(tmp_path / "deep.nkm", "its model metadata is JSON nested 5001 deep, deeper than the limit of 64")
    assert nkio.json_depth(b'{"a": "[[[[", "b": [{"c": "\\"]]"}]}') == 3


def test_header_entries_must_declare_what_their_bytes_hold(tmp_path):
    meta = {"format": "neuronkit", "format_version": "1", "model": "{}", "checksum": "x"}
    header = json.dumps({"__metadata__": meta, "w": {"dtype": "F32", "shape": [100000, 100000],
                                                     "data_offsets": [0, 8]}})
    raw_file(tmp_path / "shape.nkm", header.encode(), b"\0" * 8)
    refused(tmp_path / "shape.nkm", "array 'w' is declared F32 of shape (100000, 100000), 40,000,000,000 bytes, "
                                    "but its data spans 8 bytes")
    header = header.replace('"F32", "shape": [100000, 100000]', '"C64", "shape": [1]')
    raw_file(tmp_path / "dtype.nkm", header.encode(), b"\0" * 8)
    refused(tmp_path / "dtype.nkm", "array 'w' has dtype 'C64'")


# ------------------------------------------------------------------ structure checked before any layer is built

def test_declared_layers_larger_than_their_arrays_are_refused_without_allocating(tmp_path):
    """30000x30000 Dense, an 8000x8000 orthogonal-init Dense, a BatchNorm of 1e9 features, in files of a few KB."""
    path = tmp_path / "small.nkm"
    nk.save(nk.mlp([3, 2], seed=0), path)

    def dense(n_in, n_out, init):
        def edit(meta, arrays):
            meta["network"]["layers"][0].update(in_features=n_in, out_features=n_out, init=init)
        return edit

    def batchnorm(meta, arrays):  # a BatchNorm with arrays of 3 values that declares 10^9 features
        meta["network"]["layers"].insert(0, {"type": "BatchNorm", "num_features": 10**9, "momentum": 0.1,
                                             "eps": 1e-5, "name": "norm", "dtype": "float32"})
        arrays.update({f"norm.{name}": np.ones(3, np.float32)
                       for name in ("gamma", "beta", "running_mean", "running_var")})

    crafted = [resigned(path, dense(30000, 30000, "glorot_uniform"), name="huge.nkm"),
               resigned(path, dense(8000, 8000, "orthogonal"), name="orthogonal.nkm"),
               resigned(path, batchnorm, name="batchnorm.nkm")]
    assert all(p.stat().st_size < 4000 for p in crafted)
    result = run_python(f"""
        import time
        import neuronkit as nk
        for path in {[str(p) for p in crafted]!r}:
            start = time.perf_counter()
            try:
                nk.load(path)
                print("loaded", path)
            except nk.errors.ModelFileError as exc:
                print(round(time.perf_counter() - start, 3), exc)
        """, memory_gb=1.5, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert "array 'output.weight' is float32 with shape (2, 3), but the network structure needs float32 with " \
           "shape (30000, 30000)" in lines[0]
    assert "shape (8000, 8000)" in lines[1]
    assert "array 'norm.gamma' is float32 with shape (3,), but the network structure needs float32 with shape " \
           "(1000000000,)" in lines[2]
    # a safety bound far above the milliseconds these take, far below the 41-101 s they took before
    assert all(float(line.split()[0]) < 10 for line in lines), lines


def test_loading_runs_no_initialiser(tmp_path, monkeypatch):
    net = nk.Sequential(nk.Dense(6, 5, init="orthogonal", seed=0), nk.Dense(5, 2, activation="prelu", seed=1))
    nk.save(net, tmp_path / "net.nkm")
    from neuronkit.layers import dense

    drawn = []
    real = dense.get_initializer
    monkeypatch.setattr(dense, "get_initializer", lambda name, **kw: drawn.append(name) or real(name, **kw))
    loaded = nk.load(tmp_path / "net.nkm")
    assert set(drawn) == {"zeros"}  # the constructor's zeros (no work); no orthogonal draw
    assert loaded.config() == net.config() and loaded["hidden1"].init == "orthogonal"
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value)


def test_a_wrong_dtype_or_a_missing_array_is_named_before_building(tmp_path):
    path = tmp_path / "net.nkm"
    nk.save(nk.mlp([3, 4, 2], seed=0), path)
    resigned(path, lambda meta, arrays: arrays.update({"hidden1.bias": arrays["hidden1.bias"].astype(np.float64)}))
    refused(tmp_path / "edited.nkm", "array 'hidden1.bias' is float64 with shape (4,), but the network structure "
                                     "needs float32 with shape (4,)")
    resigned(path, lambda meta, arrays: arrays.pop("output.bias"))
    refused(tmp_path / "edited.nkm", "missing ['output.bias'], unexpected []")
    resigned(path, lambda meta, arrays: meta["network"]["layers"][0].update(in_features="3"))
    refused(tmp_path / "edited.nkm", "Dense in_features must be an integer >= 1; got '3'")


# ------------------------------------------------------------------ estimator files

def _set(path_in_meta, value):
    def edit(meta, arrays):
        target = meta
        for key in path_in_meta[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path_in_meta[-1]]
        else:
            target[path_in_meta[-1]] = value
    return edit


_DELETE = object()
NAN, INF = float("nan"), float("inf")
ESTIMATOR_CASES = [
    # (kind, id, edit, fragments of the message)
    ("classifier", "nan-scale", _set(["scaler", "scale"], [1.0, NAN, 1.0]), ["'scaler'", "scale must be finite"]),
    ("classifier", "inf-scale", _set(["scaler", "scale"], [1.0, INF, 1.0]), ["'scaler'", "scale must be finite"]),
    ("classifier", "nan-mean", _set(["scaler", "mean"], [NAN, 0.0, 0.0]), ["mean must be finite"]),
    ("classifier", "zero-scale", _set(["scaler", "scale"], [1.0, 0.0, 1.0]), ["scale must be positive"]),
    ("classifier", "scaler-null", _set(["scaler"], None), ["'scaler'", "{'name': 'none'} for unscaled inputs",
                                                           "got None"]),
    ("classifier", "scaler-unfitted", _set(["scaler"], {"name": "standard"}), ["has no fitted statistics"]),
    ("classifier", "scaler-length", _set(["scaler"], {"name": "standard", "mean": [0.0] * 4, "scale": [1.0] * 4}),
     ["fitted on 4 features, but the model takes 3"]),
    ("classifier", "minmax-reversed", _set(["scaler"], {"name": "minmax", "feature_range": [0, 1],
                                                        "data_min": [1.0, 0, 0], "data_max": [0.0, 1, 1]}),
     ["data_min must be <= data_max"]),
    ("classifier", "five-classes", _set(["extra", "classes"], ["a", "b", "c", "d", "e"]),
     ["lists 5 classes, but its network has 3 output(s)"]),
    ("classifier", "truncating-dtype", _set(["extra", "classes_dtype"], "<U1"),
     ["class labels ['ant', 'bee', 'cat'] do not survive as '<U1'", "['a', 'b', 'c']"]),
    ("classifier", "bytes-dtype", _set(["extra", "classes_dtype"], "|S3"), ["'extra.classes_dtype'", "kinds b, i"]),
    ("classifier", "datetime-dtype", _set(["extra", "classes_dtype"], "<M8[s]"), ["'extra.classes_dtype'"]),
    ("classifier", "bad-dtype", _set(["extra", "classes_dtype"], "wobble"), ["'extra.classes_dtype'"]),
    ("classifier", "int-dtype", _set(["extra", "classes_dtype"], "<i8"), ["cannot be held as '<i8'"]),
    ("classifier", "duplicate-classes", _set(["extra", "classes"], ["ant", "ant", "cat"]), ["distinct labels"]),
    ("classifier", "classes-not-a-list", _set(["extra", "classes"], "abc"), ["'extra.classes' must be a list"]),
    ("classifier", "classes-missing", _set(["extra", "classes"], _DELETE), ["missing entry 'classes'"]),
    ("classifier", "feature-names-count", _set(["feature_names"], ["a", "b"]),
     ["'feature_names' has 2 names, but the model takes 3 features"]),
    ("classifier", "feature-names-dict", _set(["feature_names"], {"a": 1}), ["'feature_names' must be a list"]),
    ("classifier", "feature-names-duplicate", _set(["feature_names"], ["a", "a", "b"]), ["distinct column names"]),
    ("classifier", "n-features", _set(["n_features_in"], 5),
     ["'n_features_in' says 5 features, but its network takes 3 inputs"]),
    ("classifier", "n-features-text", _set(["n_features_in"], "3"), ["'n_features_in' must be an integer >= 1"]),
    ("classifier", "extra-list", _set(["extra"], [1, 2]), ["its entry 'extra' must be a JSON object; got a list"]),
    ("classifier", "history-list", _set(["history"], [1, 2]), ["its entry 'history' must be a JSON object"]),
    ("classifier", "history-curves", _set(["history", "history"], {"loss": "low"}),
     ["'history.history.loss' must be a list of numbers"]),
    ("classifier", "training-data-list", _set(["training_data"], ["x"]), ["'training_data' must be a JSON object"]),
    ("classifier", "params-list", _set(["params"], []), ["'params' must be a JSON object"]),
    ("classifier", "loss-curve", _set(["extra", "loss_curve"], {"a": 1}), ["'extra.loss_curve'"]),
    ("regressor", "y-mean-nan", _set(["extra", "y_mean"], [NAN]), ["'extra.y_mean' must be a list of 1 finite"]),
    ("regressor", "y-mean-length", _set(["extra", "y_mean"], [0.0, 1.0]), ["'extra.y_mean' must be a list of 1"]),
    ("regressor", "y-scale-zero", _set(["extra", "y_scale"], [0.0]), ["'extra.y_scale' must be a list of 1 finite "
                                                                      "numbers > 0"]),
    ("regressor", "y-scale-inf", _set(["extra", "y_scale"], [INF]), ["'extra.y_scale'"]),
    ("regressor", "y-scale-text", _set(["extra", "y_scale"], "1"), ["'extra.y_scale'"]),
    ("regressor", "y-1d-text", _set(["extra", "y_1d"], "yes"), ["'extra.y_1d' must be true or false"]),
    ("regressor", "scaler-null-regressor", _set(["scaler"], None), ["'scaler'"]),
]


@pytest.mark.parametrize("kind, case, edit, fragments", ESTIMATOR_CASES, ids=[c[1] for c in ESTIMATOR_CASES])
def test_an_inconsistent_estimator_file_is_refused_by_load_and_by_the_cli_view(fitted, kind, case, edit, fragments):
    path = resigned(fitted[kind], edit, name=f"{kind}-{case}.nkm")
    for loader in (nk.load, SavedEstimator.read):
        message = refused(path, *fragments, loader=loader)
        assert message.startswith(f"cannot load {path}: "), message


def test_the_cli_names_the_entry_of_a_wrong_type(fitted, capsys):
    path = resigned(fitted["classifier"], _set(["extra"], [1, 2]), name="extra-list.nkm")
    assert main(["summary", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"neuronkit summary: error: cannot load {path}: its entry 'extra' must be a JSON object")
    assert "AttributeError" not in err and "unexpected error" not in err


def test_valid_estimator_files_still_load_the_same_through_both_readers(fitted):
    X = fitted["X"]
    for kind in ("classifier", "regressor"):
        est, view = nk.load(fitted[kind]), SavedEstimator.read(fitted[kind])
        np.testing.assert_allclose(view.predict(X), est.predict(X), rtol=1e-5, atol=1e-6) if kind == "regressor" \
            else np.testing.assert_array_equal(view.predict(X), est.predict(X))
    assert nk.load(fitted["classifier"]).classes_.tolist() == ["ant", "bee", "cat"]


def test_a_one_sigmoid_output_classifier_needs_two_classes(fitted):
    def one_output(meta, arrays):
        last = meta["network"]["layers"][-1]
        last.update(out_features=1, activation={"name": "sigmoid"})
        arrays["output.weight"] = arrays["output.weight"][:1].copy()
        arrays["output.bias"] = arrays["output.bias"][:1].copy()

    three = resigned(fitted["classifier"], one_output, name="sigmoid3.nkm")
    refused(three, "lists 3 classes, but its network has 1 output(s), which needs 2 classes (one sigmoid output)",
            loader=SavedEstimator.read)

    def two_classes(meta, arrays):
        one_output(meta, arrays)
        meta["extra"]["classes"] = ["ant", "bee"]

    two = resigned(fitted["classifier"], two_classes, name="sigmoid2.nkm")
    assert SavedEstimator.read(two).classes_.tolist() == ["ant", "bee"]
    refused(two, "one (sigmoid) output, but a NeuralClassifier has one softmax output per class")


def test_training_data_round_trips_and_is_absent_when_not_recorded(fitted, tmp_path):
    est = nk.load(fitted["regressor"])
    assert not hasattr(est, "training_data_")
    assert not hasattr(SavedEstimator.read(fitted["regressor"]), "training_data_")
    recipe = {"features": ["a", "b", "c"], "target": "y", "split": {"seed": 0, "test_size": 0.2}}
    est.training_data_ = recipe
    est.save(tmp_path / "with.nkm")
    assert nkio.read_model_file(tmp_path / "with.nkm")[0]["training_data"] == recipe
    assert nk.load(tmp_path / "with.nkm").training_data_ == recipe
    assert SavedEstimator.read(tmp_path / "with.nkm").training_data_ == recipe
    est.training_data_ = ["not", "a", "dict"]
    with pytest.raises(errors.ParameterTypeError, match="training_data_ must be a dict"):
        est.save(tmp_path / "bad.nkm")


# ------------------------------------------------------------------ non-finite weights

def test_save_refuses_nan_weights_unless_allowed(tmp_path):
    net = nk.mlp([3, 4, 2], seed=0)
    net["hidden1"].weight.data[0, :2] = np.nan
    net["output"].bias.data[1] = np.inf
    with pytest.raises(errors.ModelFileError) as info:
        nk.save(net, tmp_path / "nan.nkm")
    message = str(info.value)
    assert "array 'hidden1.weight' holds 2 NaN values (of 12)" in message
    assert "lower the learning rate and train again" in message and "allow_nonfinite=True" in message
    assert not (tmp_path / "nan.nkm").exists()
    nk.save(net, tmp_path / "nan.nkm", allow_nonfinite=True)
    assert np.isnan(nk.load(tmp_path / "nan.nkm")["hidden1"].weight.data).sum() == 2
    nkio.save_arrays(tmp_path / "checkpoint.nkm", net.state_dict())  # checkpoints keep what training left
    assert np.isinf(nkio.load_arrays(tmp_path / "checkpoint.nkm")[0]["output.bias"]).sum() == 1


def test_an_estimator_with_infinite_weights_is_not_saved(fitted, tmp_path):
    est = nk.load(fitted["regressor"])
    est.network_["output"].weight.data[0, 0] = np.inf
    for save in (est.save, lambda path: nk.save(est, path)):
        with pytest.raises(errors.ModelFileError,
                           match=r"this regressor: its array 'output.weight' holds 1 infinite value \(of 4\)"):
            save(tmp_path / "inf.nkm")
    est.save(tmp_path / "inf.nkm", allow_nonfinite=True)
    assert np.isinf(nk.load(tmp_path / "inf.nkm").network_["output"].weight.data[0, 0])


# ------------------------------------------------------------------ a missing optional dependency

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("safetensors", "sklearn", "scipy"):
            raise ImportError(f"No module named {name!r}")
sys.meta_path.insert(0, Block())
"""


def test_with_only_numpy_the_cli_names_the_extra_instead_of_calling_the_file_corrupted(tmp_path):
    path = tmp_path / "net.nkm"
    nk.save(nk.mlp([4, 3], seed=0), path)
    result = run_python(BLOCKER + f"""
from neuronkit.cli import main
import neuronkit as nk
code = main(["summary", {str(path)!r}])
try:
    nk.load({str(path)!r})
except ImportError as exc:
    print(type(exc).__name__, exc)
sys.exit(code)
""")
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'pip install "neuronkit[train]"' in result.stderr, result.stderr
    assert "corrupted" not in result.stderr and "backup" not in result.stderr
    assert result.stdout.startswith("MissingDependencyError model files need the safetensors package")


def test_without_scikit_learn_summary_reads_an_estimator_file_and_load_names_the_extra(fitted):
    blocker = BLOCKER.replace('("safetensors", "sklearn", "scipy")', '("sklearn", "scipy")')
    path = fitted["classifier"]
    result = run_python(blocker + f"""
from neuronkit.cli import main
import neuronkit as nk
code = main(["summary", {str(path)!r}])
try:
    nk.load({str(path)!r})
except ImportError as exc:
    print(type(exc).__name__, exc)
sys.exit(code)
""")
    assert result.returncode == 0, result.stderr
    assert "NeuralClassifier from" in result.stdout and "classes: ant, bee, cat" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("MissingDependencyError NeuralClassifier and NeuralRegressor")
    assert "pip install 'neuronkit[train]'" in result.stdout


def test_what_could_not_be_read_back_is_not_written(tmp_path):
    deep: list = []
    for _ in range(70):
        deep = [deep]
    with pytest.raises(errors.ParameterError, match="meta is nested 72 deep; model files hold JSON nested at most 64"):
        nkio.write_model_file(tmp_path / "deep.nkm", {"kind": "demo", "deep": deep}, {})
    with pytest.raises(errors.ParameterError, match="its header .* would be 17,000,2.. bytes, more than the "
                                                    "16,777,216 bytes"):
        nkio.write_model_file(tmp_path / "big.nkm", {"kind": "demo", "notes": "x" * 17_000_000}, {})
    assert not (tmp_path / "deep.nkm").exists() and not (tmp_path / "big.nkm").exists()


def test_the_next_write_removes_temporary_files_that_killed_writes_left(tmp_path):
    import fcntl
    import os
    import time

    import neuronkit as nk

    net = nk.mlp([2, 3, 1], seed=0)
    stale, young, held = (tmp_path / f".m.nkm.{tag}.tmp" for tag in ("deadbeef", "0badcafe", "12345678"))
    for temp in (stale, young, held):
        temp.write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(held, (old, old))
    other = tmp_path / ".other.nkm.deadbeef.tmp"  # another file's temporary: not ours to touch
    other.write_bytes(b"partial")
    os.utime(other, (old, old))
    fd = os.open(held, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a write still in progress holds its lock
    try:
        nk.save(net, tmp_path / "m.nkm")
    finally:
        os.close(fd)
    assert not stale.exists()
    assert young.exists() and held.exists() and other.exists()
    assert nk.load(tmp_path / "m.nkm").config() == net.config()
