"""What every ``neuronkit`` command checks before it builds or loads anything, in the words of its flags.

Shared by :mod:`neuronkit.cli` and :mod:`neuronkit.inspect.cli` (neither imports the
other's handlers): the ``DATA`` argument, output paths (``--out``, ``--checkpoint``),
optional dependencies (the extra that brings each one), and the translation of a
library message's Python parameter names into the flags a user typed.

A value that cannot be right is a :class:`~neuronkit.errors.UsageError` (exit code 2)::

    >>> check_output_file(".", "--out")
    Traceback (most recent call last):
    ...
    neuronkit.errors.UsageError: --out '.' is a folder; give the path of a file to write, e.g. model.nkm
    >>> in_flags("learning_rate_init must be > 0; pass target= or clip_norm=1.0, or force=True")
    '--lr must be > 0; pass --target or --clip-norm 1.0, or --force'
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import UsageError

# ----------------------------------------------------------------------------- flags in messages
#: Python parameter (estimator, fit, report) -> the command-line flag a user types for it. Names with an
#: underscore are replaced wherever they stand; plain words only as ``name=``, ``name must``, ``name was``
#: (a checkpoint's settings), ``'name'``.
FLAGS: dict[str, str] = {
    "learning_rate_init": "--lr", "max_iter": "--epochs", "hidden_layer_sizes": "--hidden",
    "batch_size": "--batch-size", "random_state": "--seed", "early_stopping": "--early-stopping",
    "clip_norm": "--clip-norm", "test_size": "--test-size", "image_shape": "--image-shape", "out_dir": "--out",
    "solver": "--optimizer", "lr": "--lr", "epochs": "--epochs", "seed": "--seed", "alpha": "--alpha",
    "dropout": "--dropout", "activation": "--activation", "target": "--target", "resume": "--resume",
    "checkpoint": "--checkpoint", "force": "--force", "text_column": "--text-column", "min_count": "--min-count",
    "max_len": "--max-len", "architecture": "--model", "image_size": "--image-size",
}
_METAVARS = {"--resume": "PATH", "--checkpoint": "PATH", "--target": "COLUMN", "--text-column": "COLUMN"}
_PLACEHOLDERS = {"", "...", "…"}
_SWITCHES = {"--force", "--early-stopping"}


def _flag_with_value(match: re.Match[str]) -> str:
    flag, value = FLAGS[match.group(1)], match.group(2)
    if value == "True" and flag in _SWITCHES:  # force=True: the switch itself
        return flag
    if value in _PLACEHOLDERS:
        return f"{flag} {_METAVARS[flag]}" if value and flag in _METAVARS else flag
    return f"{flag} {value}"


def in_flags(message: str) -> str:
    """``message`` with the Python parameter names that have a flag replaced by the flag.

    Text in quotes (a column, a file name) is left alone.
    """
    names = "|".join(sorted(map(re.escape, FLAGS), key=len, reverse=True))
    free = r"(?<![\w/.'\"-])"  # not inside a word, a path or quotes
    # scikit-learn's form: "The 'max_iter' parameter of NeuralClassifier must be ..."
    message = re.sub(rf"The '({names})' parameter of \w+", lambda m: FLAGS[m.group(1)], message)
    message = re.sub(rf"{free}fit\(\.\.\., ({names})=([^\s,;)]*)\)", _flag_with_value, message)
    message = re.sub(rf"{free}({names})=([^\s,;)]*)", _flag_with_value, message)
    message = re.sub(rf"(?:\b(?:NeuralClassifier|NeuralRegressor|fit):? )?{free}({names})(?= (?:must|was)\b)",
                     lambda m: FLAGS[m.group(1)], message)
    underscored = "|".join(re.escape(n) for n in FLAGS if "_" in n)
    return re.sub(rf"{free}({underscored})(?![\w/'\"-])", lambda m: FLAGS[m.group(1)], message)


# ----------------------------------------------------------------------------- optional dependencies
#: importable name -> the extra of neuronkit that installs it
EXTRAS: dict[str, str] = {"sklearn": "train", "scipy": "train", "tqdm": "train", "safetensors": "train",
                          "matplotlib": "plot", "starlette": "dashboard", "uvicorn": "dashboard",
                          "wsproto": "dashboard", "onnx": "onnx", "optuna": "tune", "mpi4py": "mpi"}
_PACKAGES = {"sklearn": "scikit-learn"}


def missing_dependency_message(modules: Iterable[str], command: str, *, check: bool = True) -> str | None:
    """The message for ``modules`` that are not installed (None if all are), naming the extras to install.

    With ``check=False`` every module given is taken as missing (one whose import just failed).
    """
    missing = [m for m in modules if not (check and _installed(m))]
    if not missing:
        return None
    names = " and ".join(_PACKAGES.get(m, m) for m in missing)
    extras = ",".join(dict.fromkeys(EXTRAS.get(m, "all") for m in missing))
    verb = "is" if len(missing) == 1 else "are"
    return f'neuronkit {command} needs {names}, which {verb} not installed; install it with: ' \
           f'pip install "neuronkit[{extras}]"'


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken install, or an import blocker: not usable
        return False


# ----------------------------------------------------------------------------- DATA
def check_data(data: str, target: str | None, *, text_column: str | None = None, folders: bool = False,
               what: str = "DATA") -> None:
    """``DATA`` names a dataset (a text dataset too), an existing file (as :func:`neuronkit.data.load_data`
    reads it) or, with ``folders``, a folder of images; ``--target`` only with a CSV file, ``--text-column``
    only with a file. Anything else is a usage error, naming ``what`` was given (``DATA`` or a flag)."""
    from .data.datasets import DATASETS, available
    from .data.text import TEXT_DATASETS, text_datasets

    path = Path(data)
    named = path.suffix.lower() != ".csv" and (data in DATASETS or data in TEXT_DATASETS) and not path.exists()
    if named or (path.suffix.lower() != ".csv" and data in DATASETS):
        if target is not None:
            raise UsageError(f"--target is for CSV files; the dataset {data!r} has its own target. Leave out "
                             f"--target {target}")
        if text_column is not None and data not in TEXT_DATASETS:
            raise UsageError(f"--text-column is for CSV files of texts; the dataset {data!r} is a table. Leave out "
                             f"--text-column {text_column}")
        return
    if path.is_dir() and not folders:
        raise UsageError(f"{what} {data!r} is a folder; give a CSV file or a dataset name ({', '.join(available())})")
    if path.is_dir():
        if text_column is not None:
            raise UsageError(f"--text-column is for CSV files; {what} {data!r} is a folder (of images). Leave out "
                             f"--text-column {text_column}")
        return  # a folder of images in class sub-folders: read (and its problems named) by load_image_folder
    if not path.exists():
        names = [*available(), *text_datasets()]
        close = difflib.get_close_matches(data.lower(), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"{what} {data!r} is neither a dataset name ({', '.join(names)}) nor an existing "
                         f"file or folder (no such file in {Path.cwd()}){hint}")


# ----------------------------------------------------------------------------- --layer
def check_hidden_layer(model: object, layer: str | None, *, reader: str, fix: str) -> list[str]:
    """The hidden Dense layers of ``model`` (a network or an estimator); ``layer`` (None: the default, the first)
    must be one of them, else a usage error saying what ``reader`` ("--method conductance reads") needs (and,
    when there is none, the ``fix``)."""
    from .layers import Dense

    net = getattr(model, "network_", model)
    layers = dict(getattr(net, "layers", {}))
    names = list(layers)
    hidden = [name for name in names[:-1] if isinstance(layers[name], Dense)]
    if not hidden:
        raise UsageError(f"{reader} a hidden Dense layer, and the model has none (its layers: {', '.join(names)}); "
                         f"{fix}")
    if layer is not None and layer not in hidden:
        what = f"the model has no layer {layer!r}" if layer not in layers else \
            f"layer {layer!r} is {'the output layer' if layer == names[-1] else 'not a Dense layer'}"
        raise UsageError(f"--layer {layer}: {reader} a hidden Dense layer, and {what}; its hidden Dense layers: "
                         f"{', '.join(hidden)} (all its layers: {', '.join(names)})")
    return hidden


# ----------------------------------------------------------------------------- output paths
def check_neuron_index(spec: str, layer: str, n_neurons: int, index: int) -> None:
    """``--neuron LAYER[INDEX]``'s index must be one of the layer's ``n_neurons`` (a usage error naming the range)."""
    if not 0 <= index < n_neurons:
        raise UsageError(f"--neuron {spec}: layer {layer!r} has {n_neurons} neurons ({layer}[0] to "
                         f"{layer}[{n_neurons - 1}]); got index {index}")


def _first_existing(path: Path) -> Path:
    while not (path.exists() or path.is_symlink()) and path.parent != path:
        path = path.parent
    return path


def _check_can_write_in(folder: Path, flag: str, given: str) -> None:
    """The first existing ancestor of ``folder`` (missing folders are created) is a folder we can write in."""
    existing = _first_existing(folder)
    if not existing.is_dir():
        raise UsageError(f"{flag} {given!r} cannot be created: {str(existing)!r} is a file, not a folder; "
                         "choose another path")
    try:  # a real file, as the atomic write makes: permissions, read-only file systems, ACLs all count
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".neuronkit-check-"):
            pass
    except OSError as exc:
        raise UsageError(f"{flag} {given!r} cannot be written: no permission to write in {str(existing)!r} "
                         f"({exc.strerror or exc}); choose a folder you can write to") from None


def check_output_file(path: str, flag: str, example: str = "model.nkm") -> Path:
    """``path`` can be written as a file (folders missing on the way are created); else a usage error."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{flag} {path!r} is a folder; give the path of a file to write, e.g. {target / example}")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{flag} {path!r} is read-only; make it writable (chmod u+w {path}) or choose another path")
    _check_can_write_in(target.parent, flag, path)
    return target


def check_output_folder(path: str, flag: str) -> Path:
    """``path`` is (or can be made) a folder to write files in; else a usage error."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{flag} {path!r} is a file; give a folder to write into (it is created if missing)")
    _check_can_write_in(target, flag, path)
    return target
