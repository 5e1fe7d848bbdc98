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
unopened. Writes are atomic: the bytes go to a temporary file in the same
directory, which replaces the target only once it is complete and synced, so
an interrupted save leaves the previous file intact. The suggested extension
is ``.nkm``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .engine import Tensor
from .errors import MissingDependencyError, ModelFileError, ModelFileNotFoundError, ParameterError, ParameterTypeError
from .layers import Module, layer_from_config
from .registry import Registry

__all__ = [
    "FORMAT_VERSION", "KINDS", "ModelFileError", "ModelFileNotFoundError", "build_network", "load", "load_arrays",
    "read_model_file", "register_kind", "save", "save_arrays", "write_model_file",
]

FORMAT = "neuronkit"
#: The model file format version this neuronkit writes; it reads this version and older.
FORMAT_VERSION = 1
# safetensors' own limit on the JSON header
_MAX_HEADER_BYTES = 100_000_000
_DTYPES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float16", "float32", "float64")

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
    tensors = _arrays_for_writing(arrays)
    header = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "neuronkit_version": __version__,
              "model": model_json, "checksum": _checksum(model_json, tensors)}
    _atomic_write(path, _safetensors().save(tensors, metadata=header))


def read_model_file(path: PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and validate a model file: returns ``(meta, arrays)`` as given to :func:`write_model_file`.

    Raises :class:`ModelFileError` for a missing, empty, truncated, corrupted or
    foreign file (pickles are recognised and never opened), a file from a newer
    neuronkit, or metadata that is not valid JSON.
    """
    path = _as_path(path)
    data = _read_bytes(path)
    header, header_end = _parse_header(path, data)
    info = _neuronkit_metadata(path, header)
    _check_layout(path, data, header, header_end)
    try:
        arrays = _safetensors().load(data)
    except Exception as exc:  # safetensors raises its own error type for any malformed content
        raise _corrupted(path, f"its arrays cannot be decoded ({exc})") from None
    if _checksum(info["model"], arrays) != info["checksum"]:
        raise _corrupted(path, "its checksum does not match its contents, so it was damaged or edited after "
                               "it was written")
    try:
        meta = json.loads(info["model"])
    except ValueError as exc:
        raise ModelFileError(f"cannot load {path}: its model metadata is not valid JSON ({exc}). "
                             "The file was not written by neuronkit's save; save the model again.") from None
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
    """
    if not callable(loader):
        raise ParameterTypeError(f"loader must be a function loader(meta, arrays) -> object; got {loader!r}")
    KINDS.register(kind, loader, replace=True)


def _loader_for(kind: str) -> Loader | None:
    if kind not in KINDS and kind in _KIND_MODULES:
        importlib.import_module(_KIND_MODULES[kind])
    return KINDS.get(kind) if kind in KINDS else None


def save(obj: Any, path: PathLike) -> None:
    """Save a network (or an estimator) to one model file at ``path`` (suggested extension ``.nkm``).

    ``obj`` is a :class:`~neuronkit.Sequential` (or another registered layer),
    or any object with a ``_model_file()`` method whose kind is registered with
    :func:`register_kind`. The write is atomic and creates parent directories.
    Read it back with :func:`load`.
    """
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
    write_model_file(path, meta, arrays)


def load(path: PathLike) -> Any:
    """Load what :func:`save` wrote: the network (or estimator), with its weights and train/eval mode.

    Raises :class:`ModelFileError`, naming the path and the problem, for any file
    that is not a valid neuronkit model file.
    """
    path = _as_path(path)
    meta, arrays = read_model_file(path)
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
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:  # content the loader cannot use
        detail = f"missing entry {exc.args[0]!r}" if type(exc) is KeyError and exc.args else str(exc)
        raise ModelFileError(f"cannot load {path}: {detail}") from exc


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


def load_arrays(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_arrays`: returns ``(arrays, info)``; validated like :func:`load`."""
    path = _as_path(path)
    meta, arrays = read_model_file(path)
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
    """Rebuild a network from its ``config()`` and load its weights from ``arrays[prefix + name]``.

    Layer types are looked up in :data:`neuronkit.layers.LAYERS`. Every array
    the network needs must be present with the right shape and dtype, and no
    other array may start with ``prefix``; otherwise a :class:`ModelFileError` says which.
    """
    if not isinstance(config, dict):
        raise ModelFileError(f"the network structure must be a JSON object with a 'type'; got "
                             f"{type(config).__name__}")
    try:
        net = layer_from_config(config)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        detail = f"missing entry {exc.args[0]!r}" if type(exc) is KeyError and exc.args else str(exc)
        raise ModelFileError(f"the network structure cannot be rebuilt: {detail}") from None
    expected = net.state_dict()
    given = {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}
    missing = [prefix + n for n in expected if n not in given]
    unexpected = [prefix + n for n in given if n not in expected]
    if missing or unexpected:
        raise ModelFileError(f"the arrays do not match the network structure: missing {missing}, unexpected "
                             f"{unexpected}")
    for name, want in expected.items():
        got = np.asarray(given[name])
        if got.shape != want.shape or got.dtype != want.dtype:
            raise ModelFileError(f"array {prefix + name!r} is {got.dtype} with shape {got.shape}, but the network "
                                 f"structure needs {want.dtype} with shape {want.shape}")
    net.load_state_dict(given)
    return net


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
        out[name] = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return out


def _checksum(model_json: str, arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    model = model_json.encode()
    digest.update(b"%d\n" % len(model) + model)
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name], dtype=arrays[name].dtype.newbyteorder("<"))
        # one JSON line per array; its length is then fixed by dtype and shape, so the stream is unambiguous
        digest.update(json.dumps([name, array.dtype.name, list(array.shape)]).encode() + b"\n")
        digest.update(array.data)  # the buffer itself (a memoryview): no copy into bytes
    return "sha256:" + digest.hexdigest()


def atomic_write_text(path: PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: the old file survives a crash mid-write."""
    _atomic_write(_as_path(path), text.encode("utf-8"))


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
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        where = "" if path.is_absolute() else f" (relative to the current directory {Path.cwd()})"
        raise ModelFileNotFoundError(f"cannot load {path}: no such file{where}; check the path") from None
    except IsADirectoryError:
        raise ModelFileError(f"cannot load {path}: it is a directory, not a model file") from None
    if not data:
        raise ModelFileError(f"cannot load {path}: the file is empty (0 bytes). It was created but never written, "
                             "e.g. by an interrupted copy or download; save or copy the model again.")
    return data


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
    if header_len > _MAX_HEADER_BYTES or header_end > len(data):
        raise _truncated(path, header_end, len(data))
    try:
        header = json.loads(data[8:header_end])
    except ValueError as exc:
        raise _corrupted(path, f"its header is not valid JSON ({exc})") from None
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
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            raise _corrupted(path, f"the header entry for array {name!r} is malformed")
        data_end = max(data_end, offsets[1])
    if header_end + data_end > len(data):
        raise _truncated(path, header_end + data_end, len(data))
    if header_end + data_end < len(data):
        raise _corrupted(path, f"it has {len(data) - header_end - data_end} unexpected bytes after its data")
