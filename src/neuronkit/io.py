"""Model files: one file holds a model's structure (JSON) and its weights (safetensors).

>>> import pathlib, tempfile
>>> import neuronkit as nk
>>> net = nk.mlp([4, 8, 3], output="softmax", seed=0)
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = pathlib.Path(tmp) / "iris.nkm"
...     nk.save(net, path)
...     same = nk.load(path)
>>> x = [[5.1, 3.5, 1.4, 0.2]]
>>> bool((same(x).data == net(x).data).all())
True

Format (version 1): a `safetensors <https://github.com/huggingface/safetensors>`_
file (8-byte little-endian header length, a JSON header, then the raw arrays)
whose ``__metadata__`` holds the strings::

    format             "neuronkit"
    format_version     "1"
    neuronkit_version  the version that wrote the file
    model              the model's description as a JSON string, e.g.
                       {"kind": "network", "network": net.config(), "training": true}
    checksum           "sha256:…" over ``model`` and every array's name, dtype, shape and bytes

Reading only parses JSON and copies bytes into arrays: nothing in a file is
ever executed, and class names are looked up in the layer registry
(:data:`neuronkit.layers.LAYERS`), never imported. Pickle files are refused
unopened.

Reading is bounded: only regular files are read (a FIFO, a device such as
``/dev/zero`` or a directory is refused before it is opened for reading), a
file larger than :data:`MAX_FILE_BYTES` (4 GiB; ``max_bytes=`` or the
environment variable ``NEURONKIT_MAX_MODEL_FILE_BYTES`` raise it) or with a
header larger than :data:`MAX_HEADER_BYTES` (16 MiB) is refused, and JSON nested
deeper than :data:`MAX_JSON_DEPTH` (64) is refused before it is parsed. The
structure a file declares is checked against the arrays it stores (names,
shapes, dtypes) before any layer is built, and layers are built around the
stored arrays, so no initial weights are drawn: a small file that declares a
huge layer is refused without allocating it. An estimator's scaler, classes,
feature names and target statistics are checked against its network.

Writes are atomic: the bytes go to a temporary file in the same
directory, which replaces the target only once it is complete and synced, so
an interrupted save leaves the previous file intact. A write holds an advisory
lock on its temporary file; the next write of the same file removes temporary
files that no live write holds (left by a killed process). The suggested
extension is ``.nkm``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; stale temporary files are left alone
    fcntl = None  # type: ignore[assignment]

import numpy as np

from ._version import __version__
from .engine import Tensor
from .errors import (
    MissingDependencyError,
    ModelFileError,
    ModelFileNotFoundError,
    NeuronkitError,
    ParameterError,
    ParameterTypeError,
)
from .layers import Module, Sequential, layer_expected_arrays, layer_from_config
from .registry import Registry
from .validation import check_bool

__all__ = [
    "FORMAT_VERSION", "KINDS", "MAX_FILE_BYTES", "MAX_HEADER_BYTES", "MAX_JSON_DEPTH", "EstimatorFile",
    "ModelFileError", "ModelFileNotFoundError", "build_model", "build_network", "json_depth", "load", "load_arrays",
    "read_estimator_file", "read_model_file", "register_kind", "save", "save_arrays", "write_model_file",
    "atomic_write_bytes",
    "export_onnx",
]

FORMAT = "neuronkit"
#: The model file format version this neuronkit writes; it reads this version and older.
FORMAT_VERSION = 1
#: The largest model file read (bytes) unless ``max_bytes=`` or ``NEURONKIT_MAX_MODEL_FILE_BYTES`` says otherwise.
MAX_FILE_BYTES = 4 * 1024**3
#: The environment variable that overrides :data:`MAX_FILE_BYTES` (a number of bytes).
MAX_FILE_BYTES_ENV = "NEURONKIT_MAX_MODEL_FILE_BYTES"
#: The largest JSON header read (bytes): the model's description, not its weights (those are arrays).
MAX_HEADER_BYTES = 16 * 1024**2
#: The deepest JSON nesting read, in the header and in the model description (a network config is ~5 deep).
MAX_JSON_DEPTH = 64
_DTYPES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float16", "float32", "float64")
# safetensors' dtype names for the dtypes above
_SAFETENSORS_DTYPES = {"BOOL": "bool", "I8": "int8", "U8": "uint8", "I16": "int16", "U16": "uint16", "I32": "int32",
                       "U32": "uint32", "I64": "int64", "U64": "uint64", "F16": "float16", "F32": "float32",
                       "F64": "float64"}

PathLike = str | os.PathLike[str]
Loader = Callable[[dict[str, Any], dict[str, np.ndarray]], Any]


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise MissingDependencyError('model files need the safetensors package: pip install "neuronkit[train]"') \
            from None
    return safetensors.numpy


# ---------------------------------------------------------------- low level

def write_model_file(path: PathLike, meta: dict[str, Any], arrays: Mapping[str, Any]) -> None:
    """Atomically write ``meta`` (a JSON-serialisable dict) and named ``arrays`` to one model file.

    Array names are non-empty strings; dtypes are bool, (u)int8–64 or float16/32/64.
    Parent directories are created. If writing fails, an existing file at ``path`` is left as it was.

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "demo.nkm"
    ...     write_model_file(path, {"kind": "demo", "answer": 42}, {"w": np.eye(2, dtype=np.float32)})
    ...     meta, arrays = read_model_file(path)
    >>> meta, arrays["w"].dtype, arrays["w"].shape
    ({'kind': 'demo', 'answer': 42}, dtype('float32'), (2, 2))
    """
    path = _as_path(path)
    model_json = _to_json(meta, "meta")
    depth = json_depth(model_json.encode("utf-8", "surrogatepass"))
    if depth > MAX_JSON_DEPTH:  # refuse to write what read_model_file would refuse to read
        raise ParameterError(f"meta is nested {depth} deep; model files hold JSON nested at most {MAX_JSON_DEPTH} "
                             "deep")
    tensors = _arrays_for_writing(arrays)
    header = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "neuronkit_version": __version__,
              "model": model_json, "checksum": _checksum(model_json, tensors)}
    data = _safetensors().save(tensors, metadata=header)
    header_bytes = int.from_bytes(data[:8], "little")
    if header_bytes > MAX_HEADER_BYTES:
        raise ParameterError(f"cannot write {path}: its header (the model's description and the arrays' names) "
                             f"would be {header_bytes:,} bytes, more than the {MAX_HEADER_BYTES:,} bytes model files "
                             "may hold; keep large data in arrays, not in meta")
    _atomic_write(path, data)


def read_model_file(path: PathLike, *, max_bytes: int | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and validate a model file: returns ``(meta, arrays)`` as given to :func:`write_model_file`.

    Raises :class:`ModelFileError` for a missing, empty, truncated, corrupted or
    foreign file (pickles are recognised and never opened), a file from a newer
    neuronkit, metadata that is not valid JSON, or a file beyond the limits: not a
    regular file, larger than ``max_bytes`` (default :data:`MAX_FILE_BYTES`, or the
    environment variable ``NEURONKIT_MAX_MODEL_FILE_BYTES``), a header larger than
    :data:`MAX_HEADER_BYTES`, JSON nested deeper than :data:`MAX_JSON_DEPTH`.
    Reading needs the safetensors package (``pip install "neuronkit[train]"``):
    without it, a :class:`~neuronkit.errors.MissingDependencyError` says so.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> from neuronkit.io import read_model_file
    >>> path = os.path.join(tempfile.mkdtemp(), "net.nkm")
    >>> nk.save(nk.mlp([2, 3, 1], seed=0), path)
    >>> meta, arrays = read_model_file(path)
    >>> meta["kind"], sorted(arrays)
    ('network', ['hidden1.bias', 'hidden1.weight', 'output.bias', 'output.weight'])
    """
    path = _as_path(path)
    safetensors = _safetensors()  # before reading: a missing package is not a damaged file
    data = _read_bytes(path, _file_limit(max_bytes))
    header, header_end = _parse_header(path, data)
    info = _neuronkit_metadata(path, header)
    _check_layout(path, data, header, header_end)
    try:
        arrays = safetensors.load(data)
    except Exception as exc:  # safetensors raises its own error type for any malformed content
        raise _corrupted(path, f"its arrays cannot be decoded ({exc})") from None
    del data
    if _checksum(info["model"], arrays) != info["checksum"]:
        raise _corrupted(path, "its checksum does not match its contents, so it was damaged or edited after "
                               "it was written")
    meta = _loads(info["model"], lambda what: ModelFileError(
        f"cannot load {path}: its model metadata {what}. The file was not written by neuronkit's save; save the "
        "model again."))
    if not isinstance(meta, dict):
        raise ModelFileError(f"cannot load {path}: its model metadata must be a JSON object; got "
                             f"{type(meta).__name__}. The file was not written by neuronkit's save.")
    return meta, arrays


# ---------------------------------------------------------------- high level

#: model-file kind -> ``loader(meta, arrays)`` that rebuilds the object (see :func:`register_kind`)
KINDS: Registry[Loader] = Registry("model kind")
# kinds whose loader registers itself when its module is imported
_KIND_MODULES = {"classifier": "neuronkit.estimators", "regressor": "neuronkit.estimators"}


def register_kind(kind: str, loader: Loader) -> None:
    """Teach :func:`load` a kind of model: ``loader(meta, arrays)`` rebuilds the object.

    Objects saved under that kind implement ``obj._model_file() -> (meta, arrays)``
    with ``meta["kind"] == kind``; ``meta`` must be JSON-serialisable. A loader
    raises ``ValueError`` (or ``TypeError``/``KeyError``) for content it cannot
    use; :func:`load` adds the path. Registering a kind again replaces its loader.

    Examples
    --------
    Registering changes what every :func:`load` accepts, so the example only shows the kinds it knows:

    >>> import neuronkit as nk
    >>> from neuronkit.io import KINDS
    >>> "network" in KINDS
    True
    """
    if not callable(loader):
        raise ParameterTypeError(f"loader must be a function loader(meta, arrays) -> object; got {loader!r}")
    KINDS.register(kind, loader, replace=True)


def _loader_for(kind: str) -> Loader | None:
    if kind not in KINDS and kind in _KIND_MODULES:
        importlib.import_module(_KIND_MODULES[kind])
    return KINDS.get(kind) if kind in KINDS else None


def save(obj: Any, path: PathLike, *, allow_nonfinite: bool = False) -> None:
    """Save a network (or an estimator) to one model file at ``path`` (suggested extension ``.nkm``).

    ``obj`` is a :class:`~neuronkit.Sequential` (or another registered layer),
    or any object with a ``_model_file()`` method whose kind is registered with
    :func:`register_kind`. The write is atomic and creates parent directories.
    Read it back with :func:`load`.

    Weights that are NaN or infinite (a training run that diverged) are refused
    with a :class:`ModelFileError` naming the array, unless ``allow_nonfinite=True``
    (e.g. to keep a broken model for study). :func:`save_arrays` (checkpoints) does not check.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "net.nkm")
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> nk.save(net, path)
    >>> again = nk.load(path)
    >>> bool((again([[0.5, -1.0]]).data == net([[0.5, -1.0]]).data).all())
    True
    """
    allow_nonfinite = check_bool(allow_nonfinite, "allow_nonfinite", owner="save")
    if hasattr(obj, "_model_file"):
        meta, arrays = obj._model_file()
        if not isinstance(meta, dict) or not isinstance(meta.get("kind"), str):
            raise ParameterTypeError(f"{type(obj).__name__}._model_file() must return (meta, arrays) with meta a "
                                     f"dict holding a string 'kind'; got meta={meta!r}")
        if _loader_for(meta["kind"]) is None:
            raise ParameterTypeError(f"cannot save {type(obj).__name__}: no loader is registered for kind "
                                     f"{meta['kind']!r}, so load() could not read the file back; call "
                                     f"nk.io.register_kind({meta['kind']!r}, loader) first")
    elif isinstance(obj, Module):
        meta, arrays = _network_model_file(obj)
    else:
        raise ParameterTypeError(f"save() takes a network (e.g. nk.Sequential) or an estimator (e.g. "
                                 f"nk.NeuralClassifier); got {type(obj).__name__}")
    if not allow_nonfinite:
        _check_finite_weights(str(meta["kind"]), arrays)
    write_model_file(path, meta, arrays)


def _check_finite_weights(what: str, arrays: Mapping[str, Any]) -> None:
    for name, value in arrays.items():
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind != "f" or np.isfinite(array).all():
            continue
        nan = int(np.isnan(array).sum())
        inf = int(np.isinf(array).sum())
        counts = " and ".join(part for part in (f"{nan:,} NaN" if nan else "", f"{inf:,} infinite" if inf else "")
                              if part) + (" value" if nan + inf == 1 else " values")
        raise ModelFileError(
            f"cannot save this {what}: its array {name!r} holds {counts} (of {array.size:,}), so its "
            "predictions would be NaN or infinite. Training diverged: lower the learning rate and train again "
            "(or retrain from a checkpoint taken before it diverged). To save it all the same, e.g. to study it, "
            "pass allow_nonfinite=True.")


def load(path: PathLike, *, max_bytes: int | None = None) -> Any:
    """Load what :func:`save` wrote: the network (or estimator), with its weights and train/eval mode.

    Raises :class:`ModelFileError`, naming the path and the problem, for any file
    that is not a valid neuronkit model file. Files larger than ``max_bytes``
    (default :data:`MAX_FILE_BYTES`, 4 GiB, or the environment variable
    ``NEURONKIT_MAX_MODEL_FILE_BYTES``) are refused unread.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "net.nkm")
    >>> nk.save(nk.mlp([2, 3, 1], seed=0), path)
    >>> [layer.name for layer in nk.load(path)]
    ['hidden1', 'output']
    """
    path = _as_path(path)
    meta, arrays = read_model_file(path, max_bytes=max_bytes)
    return build_model(meta, arrays, source=path)


def build_model(meta: dict[str, Any], arrays: dict[str, np.ndarray], *, source: PathLike = "the model file") -> Any:
    """The object that ``(meta, arrays)`` from :func:`read_model_file` describe, by its kind's loader.

    What :func:`load` does after reading; ``source`` (the path) goes into the messages.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> from neuronkit.io import build_model, read_model_file
    >>> path = os.path.join(tempfile.mkdtemp(), "net.nkm")
    >>> nk.save(nk.mlp([2, 3, 1], seed=0), path)
    >>> type(build_model(*read_model_file(path), source=path)).__name__
    'Sequential'
    """
    path = source
    kind = meta.get("kind")
    if kind == "arrays":
        raise ModelFileError(f"cannot load {path} as a model: it holds named arrays (a checkpoint written by "
                             "save_arrays); read it with nk.io.load_arrays(path)")
    if not isinstance(kind, str):
        raise ModelFileError(f"cannot load {path}: its model metadata has no 'kind'; the file was not written by "
                             "neuronkit's save. Save the model again.")
    loader = _loader_for(kind)
    if loader is None:
        known = ", ".join(sorted(set(KINDS) | set(_KIND_MODULES)))
        raise ModelFileError(f"cannot load {path}: it holds a model of kind {kind!r}, which this neuronkit "
                             f"({__version__}) does not know (known kinds: {known}). If it is a kind of your own, "
                             f"call nk.io.register_kind({kind!r}, loader) before loading; otherwise upgrade "
                             "neuronkit: pip install -U neuronkit")
    try:
        return loader(meta, arrays)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:  # unusable content
        raise ModelFileError(f"cannot load {path}: {_detail(exc)}") from exc


def save_arrays(path: PathLike, arrays: Mapping[str, Any], info: dict[str, Any] | None = None) -> None:
    """Atomically save named arrays plus a JSON-serialisable dict ``info`` (a checkpoint).

    For training state: weights, optimiser moments, epoch, a generator's
    ``bit_generator.state``. Read it back with :func:`load_arrays`.

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "checkpoints" / "epoch3.nkm"
    ...     save_arrays(path, {"hidden1.weight": np.ones((2, 3))}, {"epoch": 3})
    ...     arrays, info = load_arrays(path)
    >>> sorted(arrays), info
    (['hidden1.weight'], {'epoch': 3})
    """
    if info is None:
        info = {}
    if not isinstance(info, dict):
        raise ParameterTypeError(f"info must be a dict (JSON-serialisable); got {type(info).__name__}")
    write_model_file(path, {"kind": "arrays", "info": info}, arrays)


def load_arrays(path: PathLike, *, max_bytes: int | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_arrays`: returns ``(arrays, info)``; validated like :func:`load`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from neuronkit.io import load_arrays, save_arrays
    >>> path = os.path.join(tempfile.mkdtemp(), "arrays.nka")
    >>> save_arrays(path, {"w": np.array([1.0, 2.0])}, {"note": "hi"})
    >>> arrays, info = load_arrays(path)
    >>> arrays["w"], info["note"]
    (array([1., 2.]), 'hi')
    """
    path = _as_path(path)
    meta, arrays = read_model_file(path, max_bytes=max_bytes)
    if meta.get("kind") != "arrays":
        raise ModelFileError(f"cannot read {path} as arrays: it holds a model of kind {meta.get('kind')!r}, not "
                             "a checkpoint; load it with nk.load(path), or nk.io.read_model_file(path) for its "
                             "raw arrays")
    info = meta.get("info")
    if not isinstance(info, dict):
        raise ModelFileError(f"cannot read {path}: its 'info' must be a JSON object; got {type(info).__name__}. "
                             "The file was not written by save_arrays.")
    return arrays, info


# ---------------------------------------------------------------- networks

def build_network(config: dict[str, Any], arrays: Mapping[str, np.ndarray], *, prefix: str = "") -> Module:
    """Rebuild a network from its ``config()`` around its weights, ``arrays[prefix + name]``.

    Layer types are looked up in :data:`neuronkit.layers.LAYERS`. The arrays the
    structure declares (:func:`~neuronkit.layers.base.layer_expected_arrays`) are
    checked against the given ones first: every array the network needs must be
    present with the right shape and dtype, and no other array may start with
    ``prefix``; otherwise a :class:`ModelFileError` says which, before any layer is
    built. The layers then take the given arrays as their weights (no initialiser runs).

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.io import build_network
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> again = build_network(net.config(), net.state_dict())
    >>> bool((again([[1.0, 2.0]]).data == net([[1.0, 2.0]]).data).all())
    True
    """
    if not isinstance(config, dict):
        raise ModelFileError(f"the network structure must be a JSON object with a 'type'; got "
                             f"{type(config).__name__}")
    given = {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}
    try:
        expected = layer_expected_arrays(config)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"the network structure cannot be rebuilt: {_detail(exc)}") from None
    missing = [prefix + n for n in expected if n not in given]
    unexpected = [prefix + n for n in given if n not in expected]
    if missing or unexpected:
        raise ModelFileError(f"the arrays do not match the network structure: missing {_few(missing)}, unexpected "
                             f"{_few(unexpected)}")
    for name, (shape, dtype) in expected.items():
        got = np.asarray(given[name])
        if got.shape != shape or got.dtype != dtype:
            raise ModelFileError(f"array {prefix + name!r} is {got.dtype} with shape {got.shape}, but the network "
                                 f"structure needs {np.dtype(dtype)} with shape {shape}")
    try:
        return layer_from_config(config, given)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"the network structure cannot be rebuilt: {_detail(exc)}") from None


def _detail(exc: BaseException, limit: int = 600) -> str:
    """What an exception says, for a message: a KeyError's missing entry named, a long text shortened."""
    text = f"missing entry {exc.args[0]!r}" if type(exc) is KeyError and exc.args else str(exc)
    return text if len(text) <= limit else text[:limit] + " …"


def _few(names: list[str], limit: int = 10) -> str:
    return str(names) if len(names) <= limit else f"{names[:limit]} and {len(names) - limit} more"


def _network_model_file(net: Module) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        config = net.config()
    except NotImplementedError as exc:
        raise ParameterTypeError(f"{exc}; give the layer config() and from_config() and register it with "
                                 "@neuronkit.layers.register_layer") from None
    arrays = net.state_dict()
    try:  # refuse now what load() could not rebuild (unregistered layers or activations)
        build_network(json.loads(_to_json(config, "the network config")), arrays)
    except ModelFileError as exc:
        raise ModelFileError(f"cannot save {type(net).__name__}: load() could not rebuild it: {exc}") from None
    return {"kind": "network", "network": config, "training": net.training}, arrays


def _load_network(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Module:
    net = build_network(meta["network"], arrays)
    training = meta.get("training", True)
    if not isinstance(training, bool):
        raise ModelFileError(f"'training' must be true or false; got {training!r}")
    net.train(training)
    return net


register_kind("network", _load_network)


# ---------------------------------------------------------------- estimators

#: the label dtypes an estimator file may name (kinds: bool, int, unsigned, float, str; object for mixed labels)
_LABEL_KINDS = "biufUO"


@dataclass
class EstimatorFile:
    """What an estimator's model file holds, checked for consistency (see :func:`read_estimator_file`).

    ``classes`` for a classifier; ``y_mean``, ``y_scale``, ``y_1d`` for a regressor;
    ``training_data`` is None when the file records none.
    """

    kind: str
    params: dict[str, Any]
    network: Sequential
    scaler: Any
    n_features_in: int
    feature_names: list[str] | None
    history: Any
    extra: dict[str, Any]
    classes: Any = None  # np.ndarray of a classifier's labels
    y_mean: Any = None  # np.ndarray (n_outputs,) of a regressor
    y_scale: Any = None
    y_1d: bool = True
    training_data: dict[str, Any] | None = None
    curves: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None  # one sample's shape, for a network from architecture=
    tokenizer: Any = None  # a fitted neuronkit Tokenizer, for a text model trained on texts


def _entry_error(name: str, rule: str, value: Any) -> ModelFileError:
    shown = repr(value)
    shown = shown if len(shown) <= 200 else shown[:200] + " …"
    kind = "null" if value is None else {dict: "a JSON object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__)
    return ModelFileError(f"its entry {name!r} must be {rule}; got {kind} {shown}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(extra: dict[str, Any], key: str, length: int, *, positive: bool = False) -> np.ndarray:
    value = extra.get(key)
    rule = f"a list of {length} finite numbers{' > 0' if positive else ''} (one per network output)"
    if key not in extra:
        raise ModelFileError(f"its entry 'extra' lacks {key!r}, {rule}")
    if not isinstance(value, list) or len(value) != length or not all(_number(v) for v in value):
        raise _entry_error(f"extra.{key}", rule, value)
    array = np.asarray(value, dtype=np.float64)
    if not np.isfinite(array).all() or (positive and not (array > 0).all()):
        raise _entry_error(f"extra.{key}", rule, value)
    return array


def _classes(extra: dict[str, Any], network: Sequential) -> np.ndarray:
    labels, dtype_text = extra.get("classes"), extra.get("classes_dtype")
    if "classes" not in extra:
        raise KeyError("classes")  # load() says "missing entry 'classes'"
    if not isinstance(labels, list) or len(labels) < 2 or not all(
            isinstance(v, (str, int, float, bool)) for v in labels):
        raise _entry_error("extra.classes", "a list of at least two labels (strings or numbers)", labels)
    if any(isinstance(v, float) and not math.isfinite(v) for v in labels):
        raise _entry_error("extra.classes", "a list of labels, none of them NaN or infinite", labels)
    dtype = None  # files that name no dtype: NumPy's choice for the labels
    if "classes_dtype" in extra:
        rule = "a NumPy dtype string such as '<U6' or '<i8'"
        if not isinstance(dtype_text, str) or len(dtype_text) > 32:
            raise _entry_error("extra.classes_dtype", rule, dtype_text)
        try:
            dtype = np.dtype(dtype_text)
        except (TypeError, ValueError):
            raise _entry_error("extra.classes_dtype", rule, dtype_text) from None
        if dtype.kind not in _LABEL_KINDS:
            raise _entry_error("extra.classes_dtype", "a dtype of bool, integer, float or string labels "
                               "(kinds b, i, u, f, U, or O for labels of mixed types)", dtype_text)
    try:
        classes = np.asarray(labels, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise ModelFileError(f"its class labels {labels[:10]!r} cannot be held as {dtype_text!r}") from None
    if classes.shape != (len(labels),) or classes.tolist() != labels:  # e.g. '<U1' would cut 'setosa' to 's'
        raise ModelFileError(f"its class labels {labels[:10]!r} do not survive as {dtype_text!r} (they would read "
                             f"{classes.tolist()[:10]!r}); the file was damaged or edited")
    if len(set(classes.tolist())) != len(labels):
        raise _entry_error("extra.classes", "a list of distinct labels", labels)
    with contextlib.suppress(TypeError):  # labels of mixed types have no order to check
        if sorted(labels) != labels:
            raise _entry_error("extra.classes", "a sorted list of labels (as fit stores them)", labels)
    outputs = network.out_features
    activation = network.output_activation
    one_sigmoid = outputs == 1 and activation is not None and activation.name == "sigmoid"
    if (one_sigmoid and len(labels) != 2) or (not one_sigmoid and len(labels) != outputs):
        rule = "2 classes (one sigmoid output)" if outputs == 1 else f"one class per output ({outputs})"
        raise ModelFileError(f"it lists {len(labels)} classes, but its network has {outputs} output(s), which "
                             f"needs {rule}")
    return classes


def _history(value: Any) -> Any:
    from .history import History

    if not isinstance(value, dict):
        raise _entry_error("history", "a JSON object (History.to_dict())", value)
    rules = {"epochs": (list, "a list of epoch numbers"), "history": (dict, "a JSON object of lists of numbers"),
             "notes": (list, "a list of strings")}
    for key, (kind, rule) in rules.items():
        if key in value and not isinstance(value[key], kind):
            raise _entry_error(f"history.{key}", rule, value[key])
    curves = value.get("history", {})
    for key, values in curves.items():
        if not isinstance(values, list) or not all(_number(v) for v in values):
            raise _entry_error(f"history.history.{key}", "a list of numbers", values)
    if not all(type(e) is int for e in value.get("epochs", [])):
        raise _entry_error("history.epochs", "a list of epoch numbers", value["epochs"])
    if not all(isinstance(n, str) for n in value.get("notes", [])):
        raise _entry_error("history.notes", "a list of strings", value["notes"])
    if value.get("baseline_loss") is not None and not _number(value["baseline_loss"]):
        raise _entry_error("history.baseline_loss", "a number or null", value["baseline_loss"])
    if not isinstance(value.get("interrupted", False), bool):
        raise _entry_error("history.interrupted", "true or false", value["interrupted"])
    if value.get("failed") is not None and not isinstance(value["failed"], str):
        raise _entry_error("history.failed", "a string or null", value["failed"])
    try:
        return History.from_dict(value)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ModelFileError(f"its entry 'history' cannot be read: {_detail(exc, 200)}") from None


def _curves(extra: dict[str, Any]) -> dict[str, Any]:
    """The estimator's training curves in ``extra`` (absent from files written before they were saved)."""
    curves: dict[str, Any] = {}
    for key in ("loss_curve", "validation_scores"):
        value = extra.get(key)
        if key in extra and not (value is None and key == "validation_scores"):
            if not isinstance(value, list) or not all(_number(v) for v in value):
                raise _entry_error(f"extra.{key}", "a list of numbers" + (" or null" if key != "loss_curve" else ""),
                                   value)
        if key in extra:
            curves[key] = value
    for key in ("n_iter", "t"):
        if key in extra:
            if type(extra[key]) is not int or extra[key] < 0:
                raise _entry_error(f"extra.{key}", "an integer >= 0", extra[key])
            curves[key] = extra[key]
    return curves


def read_estimator_file(kind: str, meta: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> EstimatorFile:
    """The parts of an estimator's model file (``kind`` "classifier" or "regressor"), each checked.

    The network is built only after its arrays match its declared structure
    (:func:`build_network`); then the scaler (a fitted one, finite, one value per
    feature: ``scaler: null`` is refused, never read as "unscaled"), ``n_features_in``
    and the feature names (against the network's inputs), the classes (one per output,
    or two for one sigmoid output; their dtype must hold them unchanged) or the target
    statistics (finite, one per output, scale > 0), ``history``, ``extra`` and
    ``training_data`` (their JSON types). Anything wrong is a :class:`ModelFileError`
    naming the entry (or a ``KeyError`` for a missing one); :func:`load` adds the path.
    Both ``nk.load`` and the CLI's ``SavedEstimator`` read estimator files through this.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 5)
    >>> clf = nk.NeuralClassifier((4,), learning_rate_init=0.1, tol=1e-2, random_state=0)
    >>> clf = clf.fit(X, np.array(["no", "yes", "yes", "yes"] * 5))  # logical or
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nk.save(clf, pathlib.Path(tmp) / "or.nkm")
    ...     meta, arrays = read_model_file(pathlib.Path(tmp) / "or.nkm")
    >>> parts = read_estimator_file(meta["kind"], meta, arrays)
    >>> parts.kind, parts.classes.tolist(), parts.n_features_in, parts.scaler
    ('classifier', ['no', 'yes'], 2, StandardScaler(fitted on 2 features))
    >>> probabilities = parts.network(parts.scaler.transform(X[:4])).data  # the network sees scaled inputs
    >>> [layer.name for layer in parts.network], parts.classes[probabilities.argmax(axis=1)].tolist()
    (['hidden1', 'output'], ['no', 'yes', 'yes', 'yes'])
    >>> read_estimator_file("classifier", {**meta, "n_features_in": 3}, arrays)
    Traceback (most recent call last):
    ...
    neuronkit.errors.ModelFileError: its entry 'n_features_in' says 3 features, but its network takes 2 inputs
    """
    from .data.scalers import scaler_from_model_file

    if kind not in ("classifier", "regressor"):
        raise ModelFileError(f"an estimator file has kind 'classifier' or 'regressor'; got {kind!r}")
    for key in ("params", "network", "scaler", "n_features_in", "history"):
        if key not in meta:
            raise KeyError(key)
    params = meta["params"]
    if not isinstance(params, dict):
        raise _entry_error("params", "a JSON object of the estimator's parameters", params)
    extra = meta.get("extra", {})
    if not isinstance(extra, dict):
        raise _entry_error("extra", "a JSON object", extra)
    network = build_network(meta["network"], arrays)
    if not isinstance(network, Sequential):
        raise ModelFileError(f"this {kind} model file holds a {type(network).__name__}, not the Sequential network "
                             "an estimator trains; load it with nk.load instead")
    network.eval()
    if network.out_features is None:
        raise ModelFileError("its network has no Dense layer, so it is not an estimator's network")
    n_features = meta["n_features_in"]
    if type(n_features) is not int or n_features < 1:
        raise _entry_error("n_features_in", "an integer >= 1", n_features)
    input_shape, tokenizer = _architecture_parts(params, extra, network, n_features)
    if input_shape is None and network.in_features is None:
        raise ModelFileError("its network takes images or token ids (it does not start with a Dense layer), but the "
                             "file records no input shape; the file was edited. Train the model again.")
    if input_shape is None and network.in_features is not None and network.in_features != n_features:
        raise ModelFileError(f"its entry 'n_features_in' says {n_features} features, but its network takes "
                             f"{network.in_features} inputs")
    try:
        scaler = scaler_from_model_file(meta["scaler"], n_features)
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelFileError(f"its entry 'scaler' cannot be used: {_detail(exc, 300)}") from None
    names = meta.get("feature_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise _entry_error("feature_names", "a list of column names (strings) or null", names)
    if names is not None and len(names) != n_features:
        raise ModelFileError(f"its entry 'feature_names' has {len(names)} names, but the model takes {n_features} "
                             "features")
    if names is not None and len(set(names)) != len(names):
        raise _entry_error("feature_names", "a list of distinct column names", names)
    training_data = meta.get("training_data")
    if "training_data" in meta and not isinstance(training_data, dict):
        raise _entry_error("training_data", "a JSON object describing the training data", training_data)
    history = _history(meta["history"])
    if input_shape is not None and getattr(next(iter(network)), "input_kind", "float") == "ids" \
            and getattr(scaler, "name", None) != "none":
        raise ModelFileError("its network takes token ids, which are never scaled, but its entry 'scaler' is a "
                             f"{getattr(scaler, 'name', type(scaler).__name__)!r} scaler; the file was edited. Train "
                             "the model again.")
    parts = EstimatorFile(kind, params, network, scaler, n_features, names, history, extra,
                          training_data=training_data, curves=_curves(extra), input_shape=input_shape,
                          tokenizer=tokenizer)
    outputs = network.out_features or 0
    if kind == "classifier":
        parts.classes = _classes(extra, network)
    else:
        parts.y_mean = _numbers(extra, "y_mean", outputs)
        parts.y_scale = _numbers(extra, "y_scale", outputs, positive=True)
        y_1d = extra.get("y_1d", True)
        if not isinstance(y_1d, bool):
            raise _entry_error("extra.y_1d", "true or false", y_1d)
        parts.y_1d = y_1d
    return parts


def _architecture_parts(params: dict[str, Any], extra: dict[str, Any], network: Sequential,
                        n_features: int) -> tuple[tuple[int, ...] | None, Any]:
    """An estimator file's ``extra.input_shape`` and ``extra.tokenizer`` (a network from ``architecture=``),
    checked against its parameters and its network: (sample shape or None, Tokenizer or None)."""
    from .data.text import Tokenizer

    architecture, declared = params.get("architecture"), params.get("input_shape")
    if architecture is not None and not (isinstance(architecture, str) and len(architecture) <= 20_000) and not (
            isinstance(architecture, list) and all(isinstance(item, dict) for item in architecture)):
        raise _entry_error("params.architecture", "a spec (a string of at most 20000 characters, or a list of layer "
                           "objects) or null", architecture)
    if params.get("tokenizer") is not None:
        raise _entry_error("params.tokenizer", "null (the tokenizer is stored in 'extra.tokenizer')",
                           params.get("tokenizer"))
    shape = extra.get("input_shape")
    if (shape is None) != (architecture is None):
        raise ModelFileError("its entries 'params.architecture' and 'extra.input_shape' must be given together (a "
                             "network built from an architecture records the shape of one sample); the file has "
                             f"{'only the architecture' if shape is None else 'only the input shape'}")
    if declared is not None and not (isinstance(declared, list) and declared == shape):
        raise _entry_error("params.input_shape", f"null or the shape in 'extra.input_shape' ({shape})", declared)
    if shape is None:
        if "tokenizer" in extra:
            raise ModelFileError("its entry 'extra.tokenizer' belongs to a text model, but the file has no "
                                 "architecture; the file was edited. Train the model again.")
        return None, None
    if not isinstance(shape, list) or not 1 <= len(shape) <= 3 or not all(
            type(v) is int and 1 <= v <= 2**31 for v in shape):
        raise _entry_error("extra.input_shape", "a list of 1 to 3 positive integers (one sample's shape)", shape)
    if math.prod(shape) != n_features:
        raise ModelFileError(f"its entry 'extra.input_shape' {shape} holds {math.prod(shape)} values, but "
                             f"'n_features_in' says {n_features}")
    try:
        out = network.output_shape(tuple(shape))
    except NeuronkitError as exc:
        raise ModelFileError(f"its network does not take samples of its entry 'extra.input_shape' {shape}: "
                             f"{_detail(exc, 300)}") from None
    if out != (network.out_features,):
        raise ModelFileError(f"its network gives {out} per sample, not one value per output "
                             f"({network.out_features}); the file was edited. Train the model again.")
    tokenizer = None
    if extra.get("tokenizer") is not None:
        first = next(iter(network))
        if getattr(first, "input_kind", "float") != "ids":
            raise ModelFileError(f"its entry 'extra.tokenizer' makes token ids, but its first layer {first.name!r} "
                                 f"({type(first).__name__}) does not take ids; the file was edited. Train the model "
                                 "again.")
        tokenizer = Tokenizer.from_dict(extra["tokenizer"], where="its entry 'extra.tokenizer'")
        rows = int(vars(first).get("num_embeddings", 0))
        if tokenizer.vocab_size > rows:
            raise ModelFileError(f"its tokenizer makes ids 0..{tokenizer.vocab_size - 1}, but layer {first.name!r} "
                                 f"has {rows} rows (num_embeddings); the file was edited. Train the model again.")
    return tuple(shape), tokenizer


# ---------------------------------------------------------------- helpers

def _as_path(path: PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterTypeError(f"path must be a str or pathlib.Path; got {type(path).__name__}")
    if not os.fspath(path):
        raise ParameterError("path is empty; give the model file's path, e.g. 'model.nkm'")
    return Path(path).expanduser()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        raise TypeError("a NumPy array; pass arrays in `arrays`, not in the JSON part")
    raise TypeError(f"a {type(value).__name__}, which JSON cannot hold")


def _to_json(value: Any, what: str) -> str:
    if not isinstance(value, dict):
        raise ParameterTypeError(f"{what} must be a dict; got {type(value).__name__}")
    try:
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ParameterTypeError(f"{what} must be JSON-serialisable (dicts, lists, str, numbers, bool, None); it "
                                 f"holds {exc}") from None


def _arrays_for_writing(arrays: Mapping[str, Any]) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise ParameterTypeError(f"arrays must be a dict of name -> numpy array; got {type(arrays).__name__}")
    out: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ParameterError(f"array names must be non-empty strings other than '__metadata__'; got {name!r}")
        try:
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
        except (TypeError, ValueError) as exc:
            raise ParameterTypeError(f"array {name!r} is not an array: {exc}") from None
        if array.dtype.name not in _DTYPES:
            raise ParameterTypeError(f"array {name!r} has dtype {array.dtype}; model files hold "
                                     f"{', '.join(_DTYPES)}")
        # safetensors copies raw memory: it needs C-contiguous little-endian data
        # (np.require, not np.ascontiguousarray, which makes a 0-d array (a learnt scalar) 1-d)
        out[name] = np.require(array, dtype=array.dtype.newbyteorder("<"), requirements="C")
    return out


def _checksum(model_json: str, arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    model = model_json.encode()
    digest.update(b"%d\n" % len(model) + model)
    for name in sorted(arrays):
        array = np.require(arrays[name], dtype=arrays[name].dtype.newbyteorder("<"), requirements="C")
        # one JSON line per array; its length is then fixed by dtype and shape, so the stream is unambiguous
        digest.update(json.dumps([name, array.dtype.name, list(array.shape)]).encode() + b"\n")
        digest.update(array.data)  # the buffer itself (a memoryview): no copy into bytes
    return "sha256:" + digest.hexdigest()


def atomic_write_text(path: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: the old file survives a crash mid-write."""
    _atomic_write(_as_path(path), text.encode("utf-8"))


def atomic_write_bytes(path: PathLike, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically, as model files are written (the module docstring says how).

    The bytes go to a temporary file beside ``path`` (``.NAME.XXXXXXXX.tmp``), which is synced and then
    renamed over ``path``: a reader sees the old file or the whole new one, never a part, and a crash
    mid-write leaves the old file as it was. Missing parent folders are made; a symbolic link is
    followed (its target is replaced); a file being replaced keeps its permissions. For pictures,
    archives and other binary outputs (``atomic_write_text`` is the text twin).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from neuronkit.io import atomic_write_bytes
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "out" / "picture.png"
    ...     atomic_write_bytes(path, b"\\x89PNG")
    ...     atomic_write_bytes(path, b"\\x89PNG\\r\\n")     # replaces it whole
    ...     path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'\\x89PNG\\r\\n', ['picture.png'])
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParameterTypeError(f"atomic_write_bytes data must be bytes (or a bytearray or memoryview); got "
                                 f"{type(data).__name__}" + ("; for text use atomic_write_text, which writes UTF-8"
                                                             if isinstance(data, str) else ""))
    _atomic_write(_as_path(path), bytes(data))


def _atomic_write(path: Path, data: bytes) -> None:
    if path.is_symlink():
        path = path.resolve()
    if path.is_dir():
        raise ParameterError(f"cannot write {path}: it is a directory; give the path of a file (inside it, or "
                             "elsewhere)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide permissions, as for any new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    if fcntl is not None:  # held while writing; the OS drops it if this process dies (see _remove_stale_temps)
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with os.fdopen(fd, "wb") as fh:
            with contextlib.suppress(FileNotFoundError):  # replacing a file keeps its permissions
                os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _remove_stale_temps(path)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


#: a temporary file younger than this is never removed as stale (it may be one just created, not yet locked)
_STALE_TEMP_SECONDS = 10.0


def _remove_stale_temps(path: Path) -> None:
    """Remove ``.NAME.XXXXXXXX.tmp`` files that killed writes of ``path`` left behind.

    A live write holds an advisory lock (``fcntl.flock``) on its temporary file, which the OS
    releases when the writer dies; a temporary file whose lock can be taken, and that is older
    than a few seconds, belongs to no live write. Without ``fcntl`` (Windows) nothing is removed.
    """
    if fcntl is None:
        return
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.tmp")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime < _STALE_TEMP_SECONDS or not entry.is_file(
                        follow_symlinks=False):
                    continue
                fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a live write holds it
                    os.unlink(entry.path)
                finally:
                    os.close(fd)


def _file_limit(max_bytes: int | None) -> int:
    """The size limit for one read: ``max_bytes``, else the environment variable, else :data:`MAX_FILE_BYTES`."""
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ParameterError(f"max_bytes must be a positive number of bytes (an int); got {max_bytes!r}")
        return max_bytes
    text = os.environ.get(MAX_FILE_BYTES_ENV)
    if text is None or not text.strip():
        return MAX_FILE_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ParameterError(f"the environment variable {MAX_FILE_BYTES_ENV} must be a positive number of bytes, "
                             f"e.g. {MAX_FILE_BYTES}; got {text!r}")
    return value


_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: Path, mode: int) -> ModelFileError:
    what = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    return ModelFileError(f"cannot load {path}: it is {what}, not a model file; neuronkit reads model files only "
                          "from regular files (a file written by nk.save()). Give the path of one.")


def _too_large(path: Path, size: int, limit: int) -> ModelFileError:
    return ModelFileError(
        f"cannot load {path}: the file is {size:,} bytes, more than the limit of {limit:,} bytes for a model file. "
        f"If it is a model you trust, raise the limit: nk.load(path, max_bytes=...) or the environment variable "
        f"{MAX_FILE_BYTES_ENV}.")


def _read_bytes(path: Path, limit: int) -> bytes:
    """The whole file, read once and never more than ``limit`` bytes; only a regular file is opened."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        where = "" if path.is_absolute() else f" (relative to the current directory {Path.cwd()})"
        raise ModelFileNotFoundError(f"cannot load {path}: no such file{where}; check the path") from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    if info.st_size > limit:
        raise _too_large(path, info.st_size, limit)
    # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        wanted = min(os.fstat(fd).st_size, limit) + 1  # one byte more tells a file that grew past its size
        data = fh.read(wanted)
        if len(data) == wanted:  # longer than its size said (it grew, or a size-less file): read on, bounded
            parts = [data]
            total = len(data)
            while total <= limit and (chunk := fh.read(min(1 << 24, limit + 1 - total))):
                parts.append(chunk)
                total += len(chunk)
            data = b"".join(parts)
            if len(data) > limit:
                raise _too_large(path, len(data), limit)
    if not data:
        raise ModelFileError(f"cannot load {path}: the file is empty (0 bytes). It was created but never written, "
                             "e.g. by an interrupted copy or download; save or copy the model again.")
    return data


# a JSON string (escapes included): removed before brackets are counted, so brackets inside strings do not count
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPEN, _CLOSE = np.zeros(256, np.int8), np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_CLOSE[[ord("]"), ord("}")]] = 1


def json_depth(text: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text, found without parsing it (strings are skipped).

    Linear in the length and recursion-free, so a header nested 10,000 deep is measured,
    and refused, before ``json.loads`` could exhaust the stack.

    >>> json_depth(b'{"a": [1, {"b": "[[["}]}')
    3
    """
    codes = np.frombuffer(_JSON_STRING.sub(b'""', text), dtype=np.uint8)
    deepest = depth = 0
    for start in range(0, codes.size, 1 << 20):  # in blocks, so a 16 MiB header needs no 100 MB of counts
        block = codes[start:start + (1 << 20)]
        levels = depth + np.cumsum(_OPEN[block].astype(np.int32) - _CLOSE[block])
        deepest, depth = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def _loads(text: bytes | str, error: Callable[[str], ModelFileError]) -> Any:
    """``json.loads`` of a text of bounded depth; ``error(what)`` makes the exception for a text it refuses."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise error(f"is JSON nested {depth} deep, deeper than the limit of {MAX_JSON_DEPTH}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: only if the depth scan were wrong; never a crash
        raise error(f"is not valid JSON ({str(exc)[:200]})") from None


def _not_a_model_file(path: Path, data: bytes) -> ModelFileError:
    signatures = [
        (b"PK\x03\x04", "a zip archive, such as a PyTorch .pt/.pth file from torch.save, a NumPy .npz or a "
                        "Keras .keras file"),
        (b"\x89HDF\r\n\x1a\n", "an HDF5 file, such as a Keras .h5 file"),
        (b"\x93NUMPY", "a NumPy .npy file"),
        (b"\x1f\x8b", "a gzip-compressed file"),
    ]
    looks_like = next((desc for magic, desc in signatures if data.startswith(magic)), None)
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        looks_like = "a Python pickle, such as a PyTorch .pt/.pth, joblib or pickle.dump file"
    elif looks_like is None and b"\0" not in data[:512]:
        with contextlib.suppress(UnicodeDecodeError):
            data[:512].decode("utf-8")
            looks_like = "a text file"
    if looks_like is None and len(data) < 9:
        return ModelFileError(f"cannot load {path}: the file is only {len(data)} bytes long, too short to be a "
                              "model file; it is truncated or not a model file")
    message = f"cannot load {path}: it is not a neuronkit model file"
    if looks_like:
        message += f" (it looks like {looks_like})"
    if looks_like is not None and ("pickle" in looks_like or "zip" in looks_like):
        message += ". neuronkit never unpickles files, because unpickling can run arbitrary code"
    return ModelFileError(message + ". neuronkit model files are safetensors files written by nk.save(); pass the "
                                    "path of one of those.")


def _corrupted(path: Path, what: str) -> ModelFileError:
    return ModelFileError(f"cannot load {path}: the file is corrupted: {what}. Restore it from a backup or save "
                          "the model again.")


def _parse_header(path: Path, data: bytes) -> tuple[dict[str, Any], int]:
    """The JSON header of a safetensors file and the offset where its data starts."""
    # a safetensors header is a JSON object, so byte 8 is "{": pickles, zips and text files fail this test
    if len(data) < 9 or data[8:9] != b"{":
        raise _not_a_model_file(path, data)
    header_len = int.from_bytes(data[:8], "little")
    header_end = 8 + header_len
    if header_end > len(data):
        raise _truncated(path, header_end, len(data))
    if header_len > MAX_HEADER_BYTES:
        raise ModelFileError(f"cannot load {path}: its header is {header_len:,} bytes, more than the limit of "
                             f"{MAX_HEADER_BYTES:,} bytes; a neuronkit model's description is far smaller, so the file "
                             "is damaged or was crafted. Save the model again.")
    header = _loads(data[8:header_end], lambda what: _corrupted(path, f"its header {what}"))
    if not isinstance(header, dict):
        raise _corrupted(path, "its header is not a JSON object")
    return header, header_end


def _truncated(path: Path, expected: int, actual: int) -> ModelFileError:
    return ModelFileError(f"cannot load {path}: the file is truncated: its header says it holds at least {expected} "
                          f"bytes but it has {actual}. The save or copy was interrupted; save or copy it again.")


def _neuronkit_metadata(path: Path, header: dict[str, Any]) -> dict[str, str]:
    info = header.get("__metadata__")
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        names = [name for name in header if name != "__metadata__"]
        examples = ", ".join(repr(n) for n in names[:3]) + (", …" if len(names) > 3 else "")
        raise ModelFileError(
            f"cannot load {path}: it is a safetensors file but not a neuronkit model file: it has no neuronkit "
            f"metadata (it holds {len(names)} arrays{': ' + examples if names else ''}). It may be weights saved by "
            "PyTorch or Hugging Face. To use them, read them with safetensors.numpy.load_file(path) and copy them "
            "into a matching network with net.load_state_dict(arrays).")
    version = info.get("format_version")
    try:
        number = int(version)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _corrupted(path, f"its format_version {version!r} is not a number") from None
    if number > FORMAT_VERSION:
        writer = info.get("neuronkit_version", "a newer version")
        raise ModelFileError(
            f"cannot load {path}: it was written by neuronkit {writer} in model file format version {number}, but "
            f"this neuronkit ({__version__}) reads format version {FORMAT_VERSION} and older. Upgrade neuronkit: "
            "pip install -U neuronkit")
    if number < 1:
        raise _corrupted(path, f"its format_version {version!r} is not a valid version")
    for key in ("model", "checksum"):
        if not isinstance(info.get(key), str):
            raise _corrupted(path, f"its neuronkit metadata lacks {key!r}")
    return info


def _check_layout(path: Path, data: bytes, header: dict[str, Any], header_end: int) -> None:
    """Check the array entries' offsets against the file size, to tell truncation from corruption."""
    data_end = 0
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            raise _corrupted(path, f"the header entry for array {name!r} is malformed")
        dtype, shape = entry.get("dtype"), entry.get("shape")
        if dtype not in _SAFETENSORS_DTYPES:
            raise _corrupted(path, f"array {name!r} has dtype {str(dtype)[:40]!r}; model files hold "
                                   f"{', '.join(_SAFETENSORS_DTYPES)}")
        if not isinstance(shape, list) or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
            raise _corrupted(path, f"array {name!r} has shape {str(shape)[:80]}; a shape is a list of at most 32 "
                                   "sizes >= 0")
        nbytes = math.prod(shape) * np.dtype(_SAFETENSORS_DTYPES[dtype]).itemsize
        if nbytes != offsets[1] - offsets[0]:
            raise _corrupted(path, f"array {name!r} is declared {dtype} of shape {tuple(shape)}, {nbytes:,} bytes, "
                                   f"but its data spans {offsets[1] - offsets[0]:,} bytes")
        spans.append((offsets[0], offsets[1], name))
        data_end = max(data_end, offsets[1])
    spans.sort()
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start < end:
            raise _corrupted(path, f"the data of arrays {first!r} and {second!r} overlap")
    if header_end + data_end > len(data):
        raise _truncated(path, header_end + data_end, len(data))
    if header_end + data_end < len(data):
        raise _corrupted(path, f"it has {len(data) - header_end - data_end} unexpected bytes after its data")


def export_onnx(obj: Any, path: PathLike, *, input_shape: Any = None) -> Any:
    """Write ``obj`` (a network, or a fitted estimator with its preprocessing) as an ONNX model file at ``path``.

    The model is built by :func:`neuronkit.export.onnx.to_onnx` (which says what the file takes and gives;
    needs the ``onnx`` package: ``pip install "neuronkit[onnx]"``) and written atomically. ``path``
    must be a file in an existing folder. Returns the ``onnx.ModelProto`` written. Spiking models go to
    NIR (:func:`neuronkit.spiking.nir.write_nir`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import neuronkit as nk
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     model = nk.io.export_onnx(nk.mlp([4, 8, 3], seed=0), pathlib.Path(tmp) / "net.onnx")
    ...     (pathlib.Path(tmp) / "net.onnx").stat().st_size > 100, model.graph.input[0].name
    (True, 'input')
    """
    target = _as_path(path)
    if target.is_dir():
        raise ParameterError(f"cannot write the ONNX model to {target}: it is a folder; give the path of a file, "
                             f"e.g. {target / 'model.onnx'}")
    if not target.parent.is_dir():
        where = "is a file" if target.parent.exists() else "does not exist"
        raise ParameterError(f"cannot write the ONNX model to {target}: the folder {target.parent} {where}; create "
                             "the folder first, or give a path in an existing one")
    try:
        importlib.import_module("onnx")
    except ImportError:
        raise MissingDependencyError('ONNX export needs the onnx package; install it with: pip install '
                                     '"neuronkit[onnx]"') from None
    from .export.onnx import to_onnx

    model = to_onnx(obj, input_shape=input_shape)
    atomic_write_bytes(target, model.SerializeToString())
    return model
