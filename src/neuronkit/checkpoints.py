"""Resumable training checkpoints: weights, optimiser state, epoch/step, RNG and callback state.

One safetensors file (through :mod:`neuronkit.io`), written atomically. The
:class:`~neuronkit.callbacks.Checkpoint` callback writes them during
:func:`neuronkit.fit` (every few epochs, when training stops early, and once more
when it finishes, marked ``finished``); ``fit(resume=path)`` continues one exactly,
bit for bit, and gives back the finished model of a finished run without training.

A checkpoint records the **settings** that shape the data split and the model
(``fit``'s seed, learning rate, validation split, a checksum of the data…, or the
dict its caller gives); resuming with a different value is refused, every
difference named, unless ``force=True``.

While a run writes a checkpoint it holds an OS advisory lock (``fcntl.flock``) on a
sidecar file ``.NAME.lock`` beside it (:class:`CheckpointLock`): a second run given
the same checkpoint is refused, and since the operating system drops the lock when
its holder dies, a run killed with ``kill -9`` leaves no stale lock, only a
resumable checkpoint. The sidecar's existence means nothing; only the lock does.
The run that takes the lock removes the temporary files (``.NAME.*.tmp``) of
writes that were killed before it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelFileError, ParameterError, TrainingError
from .history import History
from .layers import Module, Sequential

try:  # POSIX; elsewhere checkpoints are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_KIND", "CheckpointLock", "check_settings", "data_checksum", "load_checkpoint",
           "save_checkpoint"]

#: the ``kind`` written in a checkpoint file's header (a model file's is the model's kind)
CHECKPOINT_KIND = "checkpoint"


def _module_rngs(model: Module) -> list[tuple[str, np.random.Generator]]:
    found = []
    for i, m in enumerate(model.modules()):
        rng = getattr(m, "rng", None)
        if isinstance(rng, np.random.Generator):
            found.append((f"{i}:{m.name}", rng))
    return found


# ----------------------------------------------------------------------------- settings
def data_checksum(*arrays: Any) -> str:
    """A short SHA-256 of arrays' shapes, dtypes and values (text labels hashed as text), for a settings dict.

    >>> data_checksum(np.arange(3)) == data_checksum([0, 1, 2]), data_checksum([0, 1]) == data_checksum([0, 2])
    (True, False)
    """
    digest = hashlib.sha256()
    for array in arrays:
        if array is None:
            digest.update(b"none;")
            continue
        a = np.asarray(array)
        if a.dtype.kind not in "biuf":  # text and objects: their text, not the pointers of an object array
            a = a.astype(str)
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape};".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists, NumPy scalars Python numbers)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if isinstance(v, np.generic) else repr(v)))


def _same(old: Any, new: Any) -> bool:
    """Equal as JSON values (1 and 1.0 are the same number; True and 1 are not the same setting)."""
    return bool(old == new) and isinstance(old, bool) == isinstance(new, bool)


def check_settings(path: str | Path, recorded: Mapping[str, Any] | None, current: Mapping[str, Any], *,
                   force: bool = False) -> list[str]:
    """The differences between a checkpoint's settings and this run's; refused unless ``force``.

    Each difference reads ``"NAME was OLD at the checkpoint, now NEW"``; a setting
    this run does not give is not compared. A checkpoint that recorded no settings
    (written before they were recorded) cannot be checked and is accepted.
    Returns the differences (empty when the settings agree, or when forced).

    Examples
    --------
    >>> from neuronkit.checkpoints import check_settings
    >>> check_settings("run.ckpt", {"lr": 0.1, "seed": 0}, {"lr": 0.1, "seed": 0})
    []
    >>> check_settings("run.ckpt", {"lr": 0.1, "seed": 0}, {"lr": 0.01, "seed": 0}, force=True)
    ['lr was 0.1 at the checkpoint, now 0.01']
    """
    if recorded is None:
        return []
    if not isinstance(recorded, Mapping):
        raise ModelFileError(f"checkpoint {path}: its settings must be a JSON object; got {type(recorded).__name__}")
    differences = []
    for name, value in _jsonable(dict(current)).items():
        if name not in recorded:
            differences.append(f"{name} was not recorded at the checkpoint, now {value!r}")
        elif not _same(recorded[name], value):
            differences.append(f"{name} was {recorded[name]!r} at the checkpoint, now {value!r}")
    if differences and not force:
        raise TrainingError(f"cannot resume from {path}: this run's settings differ from the checkpoint's: "
                            + "; ".join(differences) + ". Resume with the checkpoint's settings, or pass "
                            "force=True to continue its weights and optimiser state with this run's settings.")
    return differences


# ----------------------------------------------------------------------------- the lock
class CheckpointLock:
    """An exclusive OS advisory lock (``fcntl.flock``) on ``.NAME.lock`` beside the checkpoint ``NAME``.

    ``acquire()`` refuses (:class:`~neuronkit.errors.TrainingError`) when another run
    holds it, naming that run's process id, and then removes the temporary files
    ``.NAME.XXXXXXXX.tmp`` that killed writes left: while the lock is held no other
    run writes this checkpoint, so those older than the moment it was taken are
    stale. The lock lives as long as the open file: the OS releases it when the
    process ends in any way (``kill -9`` included). Not locked where ``fcntl`` is
    missing (Windows).

    Examples
    --------
    >>> import os, tempfile
    >>> from neuronkit.checkpoints import CheckpointLock
    >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
    >>> with CheckpointLock(path):
    ...     print(os.path.exists(os.path.join(os.path.dirname(path), ".run.ckpt.lock")))
    True
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.sidecar = self.path.with_name(f".{self.path.name}.lock")
        self._fd: int | None = None
        self.acquired_at: float | None = None

    def acquire(self) -> None:
        if fcntl is None or self._fd is not None:  # pragma: no cover - Windows
            return
        if self.path.is_dir():
            raise ParameterError(f"checkpoint {self.path} is a directory; give the path of a file (inside it, "
                                 "or elsewhere)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.sidecar, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:  # said of the checkpoint the user named, not of the hidden sidecar
            blocking = next((p for p in self.path.parents if p.exists() and not p.is_dir()), None)
            why = f"{blocking} is a file, not a folder" if blocking is not None else (exc.strerror or str(exc))
            raise TrainingError(f"cannot write checkpoint {self.path}: {why}; give a checkpoint path in a writable "
                                "folder") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 64).decode(errors="replace").strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise TrainingError(f"checkpoint {self.path} is in use by another training run ({who}); wait for it "
                                "to finish, or give this run another checkpoint path") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        self.acquired_at = time.time()
        self.remove_stale_temporaries()

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete this checkpoint's temporary files older than the lock (only while it is held)."""
        if self._fd is None or self.acquired_at is None:
            return []
        pattern = re.compile(rf"\.{re.escape(self.path.name)}\.[0-9a-f]{{8}}\.tmp")
        removed = []
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.path.parent):
                if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        if entry.stat(follow_symlinks=False).st_mtime < self.acquired_at:
                            os.unlink(entry.path)
                            removed.append(Path(entry.path))
        return removed

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock; the sidecar stays (deleting it would race)
            self._fd = None

    def __enter__(self) -> CheckpointLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


# ----------------------------------------------------------------------------- save and load
def save_checkpoint(path: str | Path, state: Any, callbacks: Iterable[Any] = ()) -> None:
    """Write a resumable checkpoint of ``state`` (a :class:`~neuronkit.training.TrainState`) atomically.

    Examples
    --------
    ``fit(..., checkpoint=path)`` calls it after every epoch (see :func:`load_checkpoint`):

    >>> import os, tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
    >>> X = np.array([[0.0], [1.0]]); y = np.array([1.0, 3.0])
    >>> _ = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=1, batch_size=2, seed=0, progress=False, checkpoint=path)
    >>> os.path.getsize(path) > 0
    True
    """
    from .io import save_arrays

    arrays: dict[str, np.ndarray] = {f"model.{k}": v for k, v in state.model.state_dict().items()}
    opt_meta, opt_arrays = state.optimizer.state_dict()
    arrays.update({f"optim.{k}": v for k, v in opt_arrays.items()})
    cb_meta = {}
    for i, c in enumerate(callbacks):
        if hasattr(c, "state_dict"):
            m, a = c.state_dict()
            cb_meta[f"{i}:{type(c).__name__}"] = m
            arrays.update({f"callback.{i}.{k}": v for k, v in a.items()})
    if state.epoch_outputs:
        arrays["epoch.outputs"] = np.concatenate(state.epoch_outputs)
    meta = {
        "kind": CHECKPOINT_KIND,
        "network": state.model.config() if isinstance(state.model, Sequential) else None,
        "epoch": state.epoch, "step": state.step, "batch_in_epoch": state.batch_in_epoch,
        "seed": state.seed, "batch_size": state.batch_size, "epochs": state.epochs,
        "epoch_loss_sum": state.epoch_loss_sum, "epoch_count": state.epoch_count,
        "optimizer": opt_meta, "callbacks": cb_meta, "history": state.history.to_dict(),
        "rng": {name: rng.bit_generator.state for name, rng in _module_rngs(state.model)},
        "settings": _jsonable(state.settings), "initial_lr": state.initial_lr, "finished": bool(state.finished),
    }
    save_arrays(path, arrays, meta)


def load_checkpoint(path: str | Path, state: Any, callbacks: Iterable[Any] = (), *,
                    force: bool = False) -> list[str]:
    """Restore ``state`` (and the callbacks' states) from a checkpoint written by :func:`save_checkpoint`.

    ``state.settings`` must agree with the checkpoint's (:func:`check_settings`)
    unless ``force``; forced, a different learning rate takes effect (the other
    optimiser hyper-parameters continue from the checkpoint). A finished run's
    checkpoint sets ``state.finished``: fit then trains no further epoch. Returns the
    settings that differ (forced), in :func:`check_settings`'s words.

    Examples
    --------
    ``fit(..., resume=path)`` is the usual way in. A finished run's checkpoint trains nothing more:
    resumed with ``epochs=3``, a run that finished its 2 epochs returns their history:

    >>> import os, tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> _ = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=2, batch_size=4, seed=0, progress=False, checkpoint=path)
    >>> history = nk.fit(nk.mlp([1, 1], seed=0), X, y, epochs=3, batch_size=4, seed=0, progress=False, resume=path)
    >>> len(history.history["loss"])
    2
    """
    from .io import load_arrays

    arrays, meta = load_arrays(path)
    if meta.get("kind") != CHECKPOINT_KIND:
        raise TrainingError(f"{path} is not a training checkpoint (it holds a {meta.get('kind')!r}); "
                            "to continue training a saved model, load it with nk.load() and call fit again")
    forced = check_settings(path, meta.get("settings"), state.settings, force=force)
    if meta["batch_size"] != state.batch_size:  # even forced: the position in the epoch is counted in batches
        raise TrainingError(f"checkpoint {path} was made with batch_size={meta['batch_size']}; resume with the same "
                            f"batch size (got {state.batch_size})")
    model_state = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    try:
        state.model.load_state_dict(model_state)
    except (ValueError, ModelFileError) as exc:
        raise TrainingError(f"checkpoint {path} does not fit this network: {exc}") from None
    try:
        state.optimizer.load_state_dict(meta["optimizer"],
                                        {k[len("optim."):]: v for k, v in arrays.items() if k.startswith("optim.")})
    except (ValueError, ModelFileError) as exc:
        raise TrainingError(f"checkpoint {path} does not fit this optimiser: {exc}") from None
    recorded_lr = meta.get("initial_lr")
    if force and state.initial_lr is not None and recorded_lr is not None and recorded_lr != state.initial_lr:
        state.optimizer.lr = state.initial_lr  # forced with another learning rate: this run's takes effect
    for i, c in enumerate(callbacks):
        key = f"{i}:{type(c).__name__}"
        if hasattr(c, "load_state_dict") and key in meta["callbacks"]:
            prefix = f"callback.{i}."
            c.load_state_dict(meta["callbacks"][key],
                              {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
    for name, rng in _module_rngs(state.model):
        if name in meta["rng"]:
            rng.bit_generator.state = meta["rng"][name]
    state.seed = int(meta["seed"])
    state.epoch, state.step, state.batch_in_epoch = int(meta["epoch"]), int(meta["step"]), int(meta["batch_in_epoch"])
    state.epoch_loss_sum, state.epoch_count = float(meta["epoch_loss_sum"]), float(meta["epoch_count"])
    state.epoch_outputs = [arrays["epoch.outputs"]] if "epoch.outputs" in arrays else []
    state.finished = bool(meta.get("finished", False))
    restored = History.from_dict(meta["history"])
    history = state.history
    history.history, history.epochs, history.notes = restored.history, restored.epochs, restored.notes
    history.early_stopping, history.start_loss = restored.early_stopping, restored.start_loss
    return forced
