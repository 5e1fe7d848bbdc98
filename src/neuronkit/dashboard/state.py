"""What the training side and the dashboard's server share: frames, curves and controls, behind one lock.

The training thread *publishes* a :class:`Frame` (a copy of every parameter, taken at a batch
boundary, so never half-updated) at most ``rate`` times a second, appends the curves (loss per
sampled batch, logs per epoch, per-layer gradient norms) and, at every batch boundary, passes
through :meth:`Hub.gate`, where pause, single steps, a new learning rate and stop requests take
effect. The server only reads: the newest frame, the curves since what a page already has, and a
*shadow* copy of the network loaded with a frame's parameters (:meth:`Hub.network_at`), so the
forward passes behind neuron cards and response maps never touch the weights being trained.

A :class:`Recorder` keeps a bounded sample of frames for replay and writes them, with the
curves, to a replay file (safetensors + JSON, :func:`neuronkit.io.save_arrays`) beside the model.

>>> import numpy as np
>>> hub = Hub(rate=1000.0)
>>> _ = hub.publish(step=3, epoch=0, params={"hidden1.weight": np.ones((2, 2))})
>>> frame = hub.latest()
>>> frame.seq, frame.step, frame.params["hidden1.weight"].shape
(0, 3, (2, 2))
>>> hub.add_epoch({"loss": 0.5, "accuracy": 0.75}, step=3)
>>> hub.epochs_since(0)
[{'epoch': 1, 'step': 3, 'loss': 0.5, 'accuracy': 0.75}]
"""

from __future__ import annotations

import copy
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelFileError, ParameterError
from ..io import load_arrays, save_arrays
from ..validation import check_int, check_number

#: what a replay file says it is (``info["format"]``)
REPLAY_FORMAT = "neuronkit-replay"
#: the file name suffix of a recorded run, written beside the model (``digits.nkm`` -> ``digits.nkreplay``)
REPLAY_SUFFIX = ".nkreplay"
#: statuses of a run, as the page shows them
STATUSES = ("idle", "running", "paused", "finished", "stopped", "failed")


@dataclass(frozen=True)
class Frame:
    """The network's parameters at one batch boundary (copies: the training thread keeps going).

    ``seq`` counts publications (0, 1, …); ``step`` is the number of optimiser steps done;
    ``epoch`` the epochs completed; ``time`` seconds since training began; ``params`` maps
    :meth:`~neuronkit.Module.state_dict` names to arrays.
    """

    seq: int
    step: int
    epoch: int
    time: float
    params: Mapping[str, np.ndarray]
    loss: float = math.nan


@dataclass
class _Controls:
    paused: bool = False
    steps: int = 0  # batches to run while paused
    lr: float | None = None  # a new learning rate, applied at the next batch boundary
    stop: bool = False


@dataclass
class Curves:
    """Append-only series (a page asks for what it does not have yet: ``*_since(k)``)."""

    batches: list[tuple[int, float]] = field(default_factory=list)  # (step, loss), sampled
    epochs: list[dict[str, float]] = field(default_factory=list)  # {"epoch", "step", "loss", "val_loss", ...}
    grad_norms: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # (step, {layer: ‖g‖})
    health: list[tuple[int, dict[str, dict[str, float]]]] = field(default_factory=list)  # (step, {layer: {...}})


class Hub:
    """The one place the training thread and the server meet (thread-safe).

    Parameters
    ----------
    rate : float
        Frames published per second at most (the page's update rate); 20 by default.
    record : path or None
        Write a replay file here (``.nkreplay``) when training ends or stops.
    max_frames : int
        Frames kept for replay at most; when full, every other frame is dropped and the
        recording interval doubles, so a long run stays covered from start to end.
    max_record_bytes : int
        Upper bound on the replay file's parameter bytes (frames are dropped to stay under it).

    Examples
    --------
    The server pauses, steps and changes the learning rate; the training thread obeys at its next
    batch boundary (:meth:`gate`):

    >>> hub = Hub(rate=10.0)
    >>> hub.step(2)          # pause, but let two batches through
    >>> hub.gate(), hub.gate(), hub.paused
    (False, False, True)
    >>> hub.request_stop()
    >>> hub.gate()           # a stop request ends the wait
    True
    """

    def __init__(self, *, rate: float = 20.0, record: str | os.PathLike[str] | None = None, max_frames: int = 200,
                 max_record_bytes: int = 64 * 1024**2) -> None:
        self.rate = check_number(rate, "rate", low=0.1, high=1e6)
        self.interval = 1.0 / self.rate
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._frame: Frame | None = None
        self._seq = -1
        self._last_publish = -math.inf
        self._controls = _Controls()
        self._shadow: Any = None
        self._shadow_lock = threading.Lock()
        self.curves = Curves()
        self.status = "idle"
        self.message = ""
        self.info: dict[str, Any] = {}  # what the run is: dataset, config, layers (set by whoever trains)
        self.data: dict[str, Any] = {}  # arrays the views read: X, y, X_val, y_val (network inputs), X_raw
        self.started = time.perf_counter()
        self.total_steps = 0
        self.lr: float | None = None  # the optimiser's learning rate as last published (or as just requested)
        self.recorder = Recorder(record, max_frames=max_frames, max_bytes=max_record_bytes) if record else None

    # ------------------------------------------------------------------ training side
    def attach(self, model: Any, *, info: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
               total_steps: int = 0) -> None:
        """A new run of ``model`` begins: keep a shadow copy for the server, clear the curves.

        ``data`` holds the arrays the views read: ``X``, ``y`` (what the network trains on),
        optionally ``X_val``, ``y_val`` and ``X_raw`` (``X`` before scaling, as the user knows it).
        """
        with self._lock:
            self._shadow = copy.deepcopy(model)
            self.curves = Curves()
            self._last_publish = -math.inf
            self._controls.stop = False
            self.total_steps = int(total_steps)
            self.started = time.perf_counter()
            if info is not None:
                self.info = dict(info)
            if data is not None:
                self.data = dict(data)
            self.status = "paused" if self._controls.paused else "running"
            self.message = ""
            if self.recorder is not None:
                self.recorder.clear()
            self._changed.notify_all()

    def due(self) -> bool:
        """True when a frame should be published now (at most ``rate`` per second)."""
        return time.perf_counter() - self._last_publish >= self.interval

    def publish(self, *, step: int, epoch: int, params: Mapping[str, np.ndarray], loss: float = math.nan,
                copy_params: bool = True) -> Frame:
        """Make a new frame the newest (``params`` are copied unless ``copy_params=False``)."""
        arrays = {k: np.array(v, copy=True) if copy_params else v for k, v in params.items()}
        now = time.perf_counter()
        with self._lock:
            self._seq += 1
            frame = Frame(self._seq, int(step), int(epoch), now - self.started, arrays, float(loss))
            self._frame = frame
            self._last_publish = now
            self._changed.notify_all()
        if self.recorder is not None:
            self.recorder.offer(frame)
        return frame

    def add_batch_loss(self, step: int, loss: float) -> None:
        with self._lock:
            self.curves.batches.append((int(step), float(loss)))

    def add_epoch(self, logs: Mapping[str, float], *, step: int) -> None:
        with self._lock:
            row: dict[str, float] = {"epoch": len(self.curves.epochs) + 1, "step": int(step)}
            row.update({k: float(v) for k, v in logs.items() if isinstance(v, (int, float))})
            self.curves.epochs.append(row)
            self._changed.notify_all()

    def add_grad_norms(self, step: int, norms: Mapping[str, float]) -> None:
        with self._lock:
            self.curves.grad_norms.append((int(step), {k: float(v) for k, v in norms.items()}))

    def add_health(self, step: int, health: Mapping[str, Mapping[str, float]]) -> None:
        with self._lock:
            self.curves.health.append((int(step), {k: dict(v) for k, v in health.items()}))

    def gate(self, optimizer: Any = None) -> bool:
        """Called by the training thread at each batch boundary: waits while paused (a single step
        passes), applies a new learning rate; returns True if training should stop."""
        with self._lock:
            c = self._controls
            self._apply_lr(optimizer)
            while c.paused and not c.stop:
                if c.steps > 0:
                    c.steps -= 1
                    break
                if self.status == "running":
                    self.status = "paused"
                    self._changed.notify_all()
                self._changed.wait(0.25)
                self._apply_lr(optimizer)  # a rate set while paused holds for the very next (stepped) batch
            else:
                if self.status == "paused" and not c.stop:
                    self.status = "running"
                    self._changed.notify_all()
            return c.stop

    def _apply_lr(self, optimizer: Any) -> None:
        c = self._controls
        if c.lr is not None and optimizer is not None and hasattr(optimizer, "lr"):
            optimizer.lr = c.lr
            c.lr = None

    def end(self, status: str, message: str = "") -> None:
        """The run ended ("finished", "stopped" or "failed"): say so and write the recording."""
        if status not in STATUSES:
            raise ParameterError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        with self._lock:
            self.status = status
            self.message = message
            self._changed.notify_all()
        if self.recorder is not None:
            self.recorder.write(self.curves_dict(), self.info)

    # ------------------------------------------------------------------ controls (server side)
    def pause(self) -> None:
        with self._lock:
            self._controls.paused = True
            self._changed.notify_all()

    def resume(self) -> None:
        with self._lock:
            self._controls.paused = False
            self._controls.steps = 0
            self._changed.notify_all()

    def step(self, n: int = 1) -> None:
        """Run ``n`` more batches, then stay paused."""
        n = check_int(n, "n", low=1, high=1_000_000)
        with self._lock:
            self._controls.paused = True
            self._controls.steps += n
            self._changed.notify_all()

    def set_lr(self, lr: float) -> None:
        lr = check_number(lr, "lr", low=0.0, low_open=True, high=10.0)
        with self._lock:
            self._controls.lr = self.lr = float(lr)
            self._changed.notify_all()

    def request_stop(self) -> None:
        with self._lock:
            self._controls.stop = True
            self._changed.notify_all()

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._controls.paused

    # ------------------------------------------------------------------ reading (server side)
    def latest(self) -> Frame | None:
        with self._lock:
            return self._frame

    def wait_newer(self, seq: int, timeout: float) -> Frame | None:
        """The newest frame if its ``seq`` is above ``seq``, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._frame is None or self._frame.seq <= seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return self._frame

    def batches_since(self, k: int) -> list[tuple[int, float]]:
        with self._lock:
            return self.curves.batches[k:]

    def epochs_since(self, k: int) -> list[dict[str, float]]:
        with self._lock:
            return [dict(row) for row in self.curves.epochs[k:]]

    def grad_norms_since(self, k: int) -> list[tuple[int, dict[str, float]]]:
        with self._lock:
            return self.curves.grad_norms[k:]

    def health_since(self, k: int) -> list[tuple[int, dict[str, dict[str, float]]]]:
        with self._lock:
            return self.curves.health[k:]

    def curves_dict(self) -> dict[str, Any]:
        """Every curve as JSON-ready lists."""
        with self._lock:
            return {"batches": [list(p) for p in self.curves.batches],
                    "epochs": [dict(r) for r in self.curves.epochs],
                    "grad_norms": [[s, dict(n)] for s, n in self.curves.grad_norms],
                    "health": [[s, {k: dict(v) for k, v in h.items()}] for s, h in self.curves.health]}

    def snapshot_status(self) -> dict[str, Any]:
        """Status, progress and the latest frame's step, for the page's header."""
        with self._lock:
            f = self._frame
            return {"status": self.status, "message": self.message, "seq": None if f is None else f.seq,
                    "step": None if f is None else f.step, "epoch": None if f is None else f.epoch,
                    "total_steps": self.total_steps, "paused": self._controls.paused,
                    "elapsed": None if f is None else round(f.time, 3)}

    @contextmanager
    def network_at(self, frame: Frame | None = None) -> Iterator[Any]:
        """The shadow network with ``frame``'s parameters (the newest by default), held for the block.

        One thread at a time; the training model is never touched. Raises if nothing was attached.
        """
        frame = frame if frame is not None else self.latest()
        if self._shadow is None or frame is None:
            raise ParameterError("no network yet: the dashboard has no run attached (start training first)")
        with self._shadow_lock:
            self._shadow.load_state_dict(frame.params)
            yield self._shadow

    def set_network(self, network: Any) -> None:
        """Use ``network`` (not copied) as the shadow: for exploring a trained model with no training run."""
        with self._lock:
            self._shadow = network


class Recorder:
    """A bounded sample of frames for replay, written to a ``.nkreplay`` file (atomic; no pickle).

    Examples
    --------
    Offered 100 frames with room for 10, it keeps a thinned sample from start to end:

    >>> import numpy as np, os, tempfile
    >>> rec = Recorder(os.path.join(tempfile.mkdtemp(), "run.nkreplay"), max_frames=10)
    >>> for k in range(100):
    ...     rec.offer(Frame(k, k, 0, k / 10, {"w": np.full(2, float(k))}))
    >>> [f.step for f in rec.frames]
    [0, 16, 32, 48, 64, 80, 96]
    >>> read_replay(rec.write({"epochs": []}, {})).frames[1].params["w"]
    array([16., 16.])
    """

    def __init__(self, path: str | os.PathLike[str], *, max_frames: int = 200, max_bytes: int = 64 * 1024**2) -> None:
        self.path = Path(path)
        self.max_frames = check_int(max_frames, "max_frames", low=2, high=100_000)
        self.max_bytes = check_int(max_bytes, "max_record_bytes", low=1024)
        self.frames: list[Frame] = []
        self.every = 1  # keep one offered frame in `every`
        self._offered = 0
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.frames = []
            self.every = 1
            self._offered = 0

    def _limit(self, frame: Frame) -> int:
        size = sum(a.nbytes for a in frame.params.values()) or 1
        return max(2, min(self.max_frames, self.max_bytes // size))

    def offer(self, frame: Frame) -> None:
        with self._lock:
            keep = self._offered % self.every == 0
            self._offered += 1
            if not keep:
                return
            self.frames.append(frame)
            if len(self.frames) > self._limit(frame):
                # thin out: keep every other frame (always the first), record half as often from now on
                self.frames = self.frames[::2]
                self.every *= 2

    def write(self, curves: Mapping[str, Any], info: Mapping[str, Any]) -> Path | None:
        """Write the frames and curves (plus the newest frame, always kept) to :attr:`path`."""
        with self._lock:
            frames = list(self.frames)
        if not frames:
            return None
        arrays: dict[str, np.ndarray] = {}
        meta = []
        for k, f in enumerate(frames):
            meta.append({"step": f.step, "epoch": f.epoch, "time": round(f.time, 6), "loss": _json_float(f.loss)})
            for name, value in f.params.items():
                arrays[f"frame{k:05d}/{name}"] = value
        save_arrays(self.path, arrays, {"format": REPLAY_FORMAT, "version": 1, "frames": meta,
                                        "curves": json_safe(curves), "run": json_safe(info)})
        return self.path


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def json_safe(value: Any) -> Any:
    """``value`` ready for strict JSON: NaN and infinities become None, tuples lists, NumPy scalars Python numbers.

    >>> json_safe({"loss": float("nan"), "step": np.int64(3), "xy": (1.5, float("inf"))})
    {'loss': None, 'step': 3, 'xy': [1.5, None]}
    """
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


@dataclass(frozen=True)
class Replay:
    """A recorded run read back: ``frames`` (parameters included), ``curves`` and ``run`` info."""

    path: Path
    frames: list[Frame]
    curves: dict[str, Any]
    run: dict[str, Any]


def read_replay(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Replay:
    """Read a ``.nkreplay`` file written by :class:`Recorder` (validated; refused naming the file).

    >>> import os, tempfile
    >>> import numpy as np
    >>> from neuronkit.io import save_arrays
    >>> path = os.path.join(tempfile.mkdtemp(), "other.nka")
    >>> save_arrays(path, {"w": np.ones(2)}, {"note": "a checkpoint"})
    >>> try:
    ...     read_replay(path)
    ... except ValueError as error:
    ...     print(str(error).split(": ", 1)[1])
    it is a neuronkit arrays file but not a recorded run (format None); replay files are written by the
    dashboard (*.nkreplay)
    """
    path = Path(path)
    arrays, info = load_arrays(path, max_bytes=max_bytes)
    if info.get("format") != REPLAY_FORMAT:
        raise ModelFileError(f"cannot read {path} as a replay: it is a neuronkit arrays file but not a recorded run "
                             f"(format {info.get('format')!r}); replay files are written by the dashboard "
                             f"(*{REPLAY_SUFFIX})")
    meta = info.get("frames")
    if not isinstance(meta, list) or not meta:
        raise ModelFileError(f"cannot read {path}: its 'frames' must be a non-empty list")
    frames = []
    for k, m in enumerate(meta):
        prefix = f"frame{k:05d}/"
        params = {name[len(prefix):]: a for name, a in arrays.items() if name.startswith(prefix)}
        if not isinstance(m, dict) or not params:
            raise ModelFileError(f"cannot read {path}: frame {k} has no parameters or no step/epoch entry")
        try:
            step, epoch, t = int(m["step"]), int(m["epoch"]), float(m["time"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"cannot read {path}: frame {k}'s entry {m!r} needs numbers step, epoch and "
                                 f"time") from exc
        loss = m.get("loss")
        frames.append(Frame(k, step, epoch, t, params, float(loss) if isinstance(loss, (int, float)) else math.nan))
    curves, run = info.get("curves"), info.get("run")
    curves = curves if isinstance(curves, dict) else {}
    run = run if isinstance(run, dict) else {}
    return Replay(path, frames, curves, run)
