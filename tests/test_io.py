"""Model files: round trips, every kind of bad file, atomic writes, no code execution."""

import ast
import json
import os
import pickle  # only to craft hostile files; neuronkit itself never imports it
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy as stn

import neuronkit as nk
from neuronkit import io as nkio
from neuronkit.io import ModelFileError
from neuronkit.layers import Module
from neuronkit.registry import Registry

X = np.random.default_rng(0).normal(size=(6, 4))


def rich_net(dtype):
    """Every saved kind of state: Dense weights, PReLU slopes, BatchNorm running stats, custom names."""
    net = nk.Sequential(
        ("encoder", nk.Dense(4, 8, activation="prelu", seed=0, dtype=dtype)),
        nk.BatchNorm(8, dtype=dtype),
        nk.Dropout(0.3, seed=1),
        nk.Dense(8, 5, activation="tanh", seed=2, dtype=dtype, name="middle"),
        nk.LayerNorm(5, dtype=dtype),
        nk.Dense(5, 3, activation="softmax", seed=3, dtype=dtype),
    )
    rng = np.random.default_rng(4)
    net["encoder"].activation.slope.data[...] = rng.uniform(0.0, 0.5, 8)
    net["layernorm1"].gamma.data[...] = rng.normal(size=5)
    for _ in range(3):  # moves the BatchNorm running statistics away from their initial values
        net(X)
    return net.eval()


def saved_net(tmp_path):
    path = tmp_path / "model.nkm"
    nk.save(nk.mlp([4, 8, 3], output="softmax", seed=0), path)
    return path


def assert_refused(path, *fragments, loader=nk.load):
    with pytest.raises(ModelFileError) as info:
        loader(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ------------------------------------------------------------------ round trips

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_network_round_trip_gives_identical_outputs(tmp_path, dtype):
    net = rich_net(dtype)
    path = tmp_path / "net.nkm"
    nk.save(net, path)
    same = nk.load(path)
    assert isinstance(same, nk.Sequential)
    assert list(same.layers) == ["encoder", "batchnorm1", "dropout1", "middle", "layernorm1", "output"]
    assert same.config() == net.config()
    assert not same.training  # saved in eval mode, loaded in eval mode
    before, after = net.state_dict(), same.state_dict()
    assert list(after) == list(before)
    for name in before:
        assert after[name].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(after[name], before[name])
    assert "batchnorm1.running_mean" in after and "encoder.activation.slope" in after
    np.testing.assert_array_equal(same(X).data, net(X).data)


def test_training_mode_is_restored(tmp_path):
    net = nk.mlp([4, 8, 3], dropout=0.5, seed=0)
    nk.save(net, tmp_path / "m.nkm")
    assert nk.load(tmp_path / "m.nkm").training


def test_single_layer_round_trip_and_str_path_and_parent_dirs(tmp_path):
    layer = nk.Dense(3, 2, activation="leaky_relu", seed=0)
    path = str(tmp_path / "new" / "dir" / "layer.weights")  # any extension; parents created
    nk.save(layer, path)
    same = nk.load(path)
    assert isinstance(same, nk.Dense)
    np.testing.assert_array_equal(same(X[:, :3]).data, layer(X[:, :3]).data)


def test_overwrite_replaces_the_file_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "m.nkm"
    nk.save(nk.mlp([2, 3], seed=0), path)
    nk.save(nk.mlp([2, 5], seed=1), path)
    assert nk.load(path).out_features == 5
    assert os.listdir(tmp_path) == ["m.nkm"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_overwrite_keeps_the_file_permissions(tmp_path):
    path = saved_net(tmp_path)
    path.chmod(0o600)
    nk.save(nk.mlp([4, 3], seed=1), path)
    assert path.stat().st_mode & 0o777 == 0o600


def square(z):
    return z * z


def test_save_refuses_what_load_could_not_rebuild(tmp_path):
    with pytest.raises(ValueError, match="custom activation 'square'"):
        nk.save(nk.Sequential(nk.Dense(2, 2, activation=square)), tmp_path / "a.nkm")

    class Unregistered(Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="register_layer"):
        nk.save(nk.Sequential(nk.Dense(2, 2), Unregistered()), tmp_path / "b.nkm")
    with pytest.raises(TypeError, match="save\\(\\) takes a network"):
        nk.save({"weights": np.zeros(2)}, tmp_path / "c.nkm")
    assert os.listdir(tmp_path) == []



# ------------------------------------------------------------------ low level and checkpoints

def test_arrays_round_trip_all_dtypes_and_layouts(tmp_path):
    arrays = {
        "f16": np.arange(4, dtype=np.float16), "f32": np.ones((2, 3), np.float32), "i64": np.arange(5),
        "u8": np.array([0, 255], np.uint8), "mask": np.array([True, False]), "scalar": np.array(2.5),
        "empty": np.zeros((0, 3), np.float32),
        "strided": np.arange(12.0).reshape(3, 4)[:, ::2],  # not contiguous
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "big_endian": np.arange(3, dtype=">f4"),
        "tensor": nk.Tensor([1.0, 2.0]),
    }
    rng = np.random.default_rng(7)
    info = {"epoch": np.int64(3), "loss": 0.25, "history": [1.0, 0.5], "rng": rng.bit_generator.state}
    nkio.save_arrays(tmp_path / "ckpt.nkm", arrays, info)
    loaded, loaded_info = nkio.load_arrays(tmp_path / "ckpt.nkm")
    assert sorted(loaded) == sorted(arrays)
    for name, value in arrays.items():
        expected = value.data if isinstance(value, nk.Tensor) else value
        assert loaded[name].dtype == expected.dtype.newbyteorder("=")
        np.testing.assert_array_equal(loaded[name], expected)
        assert loaded[name].flags.writeable
    assert loaded_info["epoch"] == 3 and loaded_info["history"] == [1.0, 0.5]
    restored = np.random.default_rng()
    restored.bit_generator.state = loaded_info["rng"]
    assert restored.random() == rng.random()


def test_checkpoints_and_models_are_not_confused(tmp_path):
    nkio.save_arrays(tmp_path / "ckpt.nkm", {"w": np.zeros(2)})
    assert_refused(tmp_path / "ckpt.nkm", "checkpoint", "load_arrays")
    assert_refused(saved_net(tmp_path), "'network'", "nk.load(path)", loader=nkio.load_arrays)


@pytest.mark.parametrize("arrays, info, error, match", [
    ({"w": np.array([object()])}, {}, TypeError, "dtype object"),
    ({"w": np.array([1 + 2j])}, {}, TypeError, "dtype complex128"),
    ({"": np.zeros(1)}, {}, ValueError, "non-empty strings"),
    ({"__metadata__": np.zeros(1)}, {}, ValueError, "__metadata__"),
    ({"w": np.zeros(1)}, {"best": np.zeros(2)}, TypeError, "pass arrays in `arrays`"),
    ({"w": np.zeros(1)}, {"callback": print}, TypeError, "JSON-serialisable"),
    ({"w": np.zeros(1)}, ["not", "a", "dict"], TypeError, "info must be a dict"),
])
def test_unwritable_content_is_refused_before_touching_the_disk(tmp_path, arrays, info, error, match):
    with pytest.raises(error, match=match):
        nkio.save_arrays(tmp_path / "x.nkm", arrays, info)
    assert os.listdir(tmp_path) == []


def test_missing_safetensors_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r'pip install "neuronkit\[train\]"'):
        nk.save(nk.mlp([2, 2], seed=0), tmp_path / "m.nkm")


# ------------------------------------------------------------------ atomic writes

@pytest.mark.parametrize("fail_in, exc", [("fsync", OSError("disk full")), ("fsync", KeyboardInterrupt()),
                                          ("replace", OSError("device busy"))])
def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch, fail_in, exc):
    path = saved_net(tmp_path)
    original = path.read_bytes()

    def crash(*args):
        # the new bytes are in a temporary file next to the target at this moment
        assert any(name.endswith(".tmp") for name in os.listdir(tmp_path))
        raise exc

    monkeypatch.setattr(nkio.os, fail_in, crash)
    with pytest.raises(type(exc)):
        nk.save(nk.mlp([4, 16, 3], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.nkm"]
    assert nk.load(path).out_features == 3


def test_atomic_write_bytes_replaces_whole_keeps_the_old_file_on_a_crash_and_refuses_text(tmp_path, monkeypatch):
    path = tmp_path / "figures" / "raster.png"
    nkio.atomic_write_bytes(str(path), b"\x89PNG first")                # a str path; the folder is made
    path.chmod(0o600)
    nkio.atomic_write_bytes(path, memoryview(b"\x89PNG second"))
    assert path.read_bytes() == b"\x89PNG second" and path.stat().st_mode & 0o777 == 0o600
    link = tmp_path / "latest.png"
    link.symlink_to(path)
    nkio.atomic_write_bytes(link, bytearray(b"third"))                  # the link's target is replaced
    assert link.is_symlink() and path.read_bytes() == b"third"

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(nkio.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        nkio.atomic_write_bytes(path, b"fourth")
    monkeypatch.undo()
    assert path.read_bytes() == b"third" and os.listdir(path.parent) == ["raster.png"]
    with pytest.raises(nk.errors.ParameterTypeError, match="data must be bytes .*got str; for text use "
                                                           "atomic_write_text"):
        nkio.atomic_write_bytes(path, "text")
    with pytest.raises(nk.errors.ParameterError, match="it is a directory"):
        nkio.atomic_write_bytes(tmp_path, b"x")


# ------------------------------------------------------------------ bad files

def test_missing_file(tmp_path):
    assert_refused(tmp_path / "nope.nkm", "no such file", "check the path")
    with pytest.raises(FileNotFoundError):  # so "resume if a checkpoint exists" code works too
        nkio.load_arrays(tmp_path / "nope.nkm")


def test_directory(tmp_path):
    assert_refused(tmp_path, "is a directory")


def test_empty_file(tmp_path):
    (tmp_path / "m.nkm").write_bytes(b"")
    assert_refused(tmp_path / "m.nkm", "empty (0 bytes)", "save or copy the model again")


@pytest.mark.parametrize("keep, fragment", [(5, "only 5 bytes long"), (40, "truncated"), (-10, "truncated")])
def test_truncated_file(tmp_path, keep, fragment):
    path = saved_net(tmp_path)
    path.write_bytes(path.read_bytes()[:keep])
    assert_refused(path, fragment)


def test_truncated_file_says_how_many_bytes(tmp_path):
    path = saved_net(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    assert_refused(path, f"at least {len(data)} bytes but it has {len(data) - 10}", "interrupted")


def test_corrupted_data_bytes(tmp_path):
    path = saved_net(tmp_path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_refused(path, "corrupted", "checksum does not match", "Restore it from a backup")


def test_corrupted_header_bytes(tmp_path):
    path = saved_net(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"dtype":', b'"dtype"#', 1))
    assert_refused(path, "corrupted", "header is not valid JSON")


def test_garbage_after_the_data(tmp_path):
    path = saved_net(tmp_path)
    path.write_bytes(path.read_bytes() + b"\0" * 16)
    assert_refused(path, "corrupted", "16 unexpected bytes")


def test_corrupted_header_offsets(tmp_path):
    path = tmp_path / "m.nkm"
    stn.save_file({"w": np.zeros(2)}, path, metadata={"format": "neuronkit", "format_version": "1", "model": "{}",
                                                       "checksum": "x"})
    path.write_bytes(path.read_bytes().replace(b'"data_offsets":[0,16]', b'"data_offsets":[9,"x"]'))
    assert_refused(path, "corrupted", "header entry for array 'w' is malformed")


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}])
def test_foreign_safetensors_file(tmp_path, metadata):
    path = tmp_path / "model.safetensors"
    weights = {f"model.layers.{i}.weight": np.zeros((2, 2), np.float32) for i in range(4)}
    stn.save_file(weights, path, metadata=metadata)
    assert_refused(path, "safetensors file but not a neuronkit model file", "4 arrays", "PyTorch or Hugging Face",
                   "load_state_dict")


def hostile_pickle(marker: Path) -> bytes:
    """A pickle whose unpickling creates ``marker``: what a malicious .pt file could do."""

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    return pickle.dumps(Payload(), protocol=4)


def test_hostile_payload_really_runs_when_unpickled(tmp_path):
    pickle.loads(hostile_pickle(tmp_path / "proof"))  # the fixture is live: unpickling would run it
    assert (tmp_path / "proof").exists()


def test_pickle_is_refused_unopened(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(hostile_pickle(marker))
    assert_refused(path, "not a neuronkit model file", "pickle", "never unpickles")
    assert_refused(path, "pickle", loader=nkio.load_arrays)
    assert not marker.exists()


def test_torch_zip_file_is_refused_unopened(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pth"
    with zipfile.ZipFile(path, "w") as archive:  # the layout of torch.save since PyTorch 1.6
        archive.writestr("archive/data.pkl", hostile_pickle(marker))
    assert_refused(path, "not a neuronkit model file", "zip archive", "PyTorch", "never unpickles")
    assert not marker.exists()


@pytest.mark.parametrize("content, fragment", [
    (b'{"type": "Sequential", "layers": []}', "text file"),
    (b"hello world, this is not a model\n", "text file"),
    (b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "HDF5"),
    (b"\x93NUMPY\x01\x00" + b"\0" * 64, "NumPy .npy"),
    (b"\x01\x02\x03\xff" * 20, "not a neuronkit model file"),
])
def test_other_files_are_not_model_files(tmp_path, content, fragment):
    path = tmp_path / "thing"
    path.write_bytes(content)
    assert_refused(path, "not a neuronkit model file", fragment, "written by nk.save()")


def write_raw(path, description, arrays=None, **overrides):
    """A safetensors file with neuronkit metadata as given (a valid checksum unless overridden)."""
    arrays = arrays if arrays is not None else {"w": np.zeros(2, np.float32)}
    model_json = description if isinstance(description, str) else json.dumps(description)
    metadata = {"format": "neuronkit", "format_version": "1", "neuronkit_version": nk.__version__,
                "model": model_json, "checksum": nkio._checksum(model_json, arrays), **overrides}
    stn.save_file(arrays, path, metadata={k: v for k, v in metadata.items() if v is not None})
    return path


def test_newer_format_version(tmp_path):
    path = write_raw(tmp_path / "m.nkm", {"kind": "network"}, format_version="2", neuronkit_version="9.0.0")
    assert_refused(path, "neuronkit 9.0.0", "format version 2", f"neuronkit ({nk.__version__})",
                   "format version 1 and older", "pip install -U neuronkit")


@pytest.mark.parametrize("overrides, fragment", [
    ({"format_version": "one"}, "format_version 'one' is not a number"),
    ({"format_version": "0"}, "not a valid version"),
    ({"checksum": None}, "lacks 'checksum'"),
    ({"model": None}, "lacks 'model'"),
])
def test_damaged_neuronkit_metadata(tmp_path, overrides, fragment):
    path = write_raw(tmp_path / "m.nkm", {"kind": "network"}, **overrides)
    assert_refused(path, "corrupted", fragment)


def test_invalid_json_in_model_metadata(tmp_path):
    path = write_raw(tmp_path / "m.nkm", '{"kind": "network", "network": {')
    assert_refused(path, "model metadata is not valid JSON")


def test_model_metadata_must_be_an_object(tmp_path):
    assert_refused(write_raw(tmp_path / "m.nkm", "[1, 2]"), "must be a JSON object")


def test_edited_file_fails_the_checksum(tmp_path):
    path = saved_net(tmp_path)
    path.write_bytes(path.read_bytes().replace(b'Dense', b'Evil!'))
    assert_refused(path, "corrupted", "damaged or edited")


def test_unknown_layer_type_is_an_error_not_code(tmp_path):
    marker = tmp_path / "pwned"
    config = nk.mlp([4, 3], seed=0).config()
    config["layers"][0]["type"] = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    arrays = {"output.weight": np.zeros((3, 4), np.float32), "output.bias": np.zeros(3, np.float32)}
    path = write_raw(tmp_path / "m.nkm", {"kind": "network", "network": config}, arrays)
    message = assert_refused(path, "cannot be rebuilt", "unknown layer type",
                             "valid names are: Dense, Dropout,")
    assert all(name in message for name in ("BatchNorm", "Conv2d", "Embedding", "MaxPool2d"))
    assert "Traceback" not in message
    assert not marker.exists()


def test_invalid_layer_arguments(tmp_path):
    config = nk.mlp([4, 3], seed=0).config()
    config["layers"][0]["in_features"] = -1
    path = write_raw(tmp_path / "m.nkm", {"kind": "network", "network": config})
    assert_refused(path, "cannot be rebuilt", "in_features must be an integer >= 1")


@pytest.mark.parametrize("change, fragment", [
    (lambda a: a.pop("output.bias"), "missing ['output.bias']"),
    (lambda a: a.update(extra=np.zeros(1, np.float32)), "unexpected ['extra']"),
    (lambda a: a.update({"output.weight": np.zeros((4, 3), np.float32)}),
     "'output.weight' is float32 with shape (4, 3), but the network structure needs float32 with shape (3, 4)"),
    (lambda a: a.update({"output.bias": np.zeros(3, np.float64)}),
     "'output.bias' is float64 with shape (3,), but the network structure needs float32"),
])
def test_arrays_that_do_not_match_the_structure(tmp_path, change, fragment):
    net = nk.mlp([4, 3], seed=0)
    arrays = net.state_dict()
    change(arrays)
    path = write_raw(tmp_path / "m.nkm", {"kind": "network", "network": net.config()}, arrays)
    assert_refused(path, fragment)


def test_unknown_kind(tmp_path):
    path = write_raw(tmp_path / "m.nkm", {"kind": "transformer"})
    assert_refused(path, "kind 'transformer'", "register_kind('transformer', loader)", "upgrade")
    assert_refused(write_raw(tmp_path / "n.nkm", {"no": "kind"}), "has no 'kind'")


# ------------------------------------------------------------------ the _model_file protocol

class Scaler:
    """A tiny object saved through the protocol estimators use."""

    def __init__(self, scale):
        self.scale = np.asarray(scale, dtype=np.float64)

    def _model_file(self):
        return {"kind": "test-scaler", "note": "hi"}, {"scale": self.scale}


def load_scaler(meta, arrays):
    if meta["note"] != "hi":
        raise ValueError("the note must be 'hi'")
    return Scaler(arrays["scale"])


def test_registered_kind_round_trip(tmp_path, monkeypatch):
    kinds = Registry(nkio.KINDS.kind)  # a copy of the registry, so the kind added here is gone after the test
    for name, loader in nkio.KINDS.items():
        kinds.register(name, loader)
    monkeypatch.setattr(nkio, "KINDS", kinds)
    nkio.register_kind("test-scaler", load_scaler)
    nk.save(Scaler([1.0, 2.0]), tmp_path / "s.nkm")
    np.testing.assert_array_equal(nk.load(tmp_path / "s.nkm").scale, [1.0, 2.0])
    # a loader's ValueError is reported as a ModelFileError naming the file
    write_raw(tmp_path / "bad.nkm", {"kind": "test-scaler", "note": "bye"})
    assert_refused(tmp_path / "bad.nkm", "the note must be 'hi'")
    assert_refused(write_raw(tmp_path / "worse.nkm", {"kind": "test-scaler"}), "missing entry 'note'")


def test_save_refuses_an_unregistered_kind(tmp_path):
    with pytest.raises(TypeError, match="register_kind\\('test-scaler', loader\\)"):
        nk.save(Scaler([1.0]), tmp_path / "s.nkm")
    assert not (tmp_path / "s.nkm").exists()


def test_register_kind_validates():
    with pytest.raises(TypeError, match="non-empty string"):
        nkio.register_kind("", load_scaler)
    with pytest.raises(TypeError, match="loader must be a function"):
        nkio.register_kind("x", "not callable")


# ------------------------------------------------------------------ no code execution, by construction

def test_io_module_uses_no_code_loading_tools():
    tree = ast.parse(Path(nkio.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve", "torch"}
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}
