"""Resumable training checkpoints: weights, optimiser state, epoch/step, RNG and callback state.

One safetensors file (through :mod:`neuronkit.io`), written atomically. The
:class:`~neuronkit.callbacks.Checkpoint` callback writes them during
:func:`neuronkit.fit` (every few epochs and when training stops early);
``fit(resume=path)`` continues one exactly, bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelFileError, TrainingError
from .history import History
from .layers import Module, Sequential

__all__ = ["CHECKPOINT_KIND", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_KIND = "checkpoint"


def _module_rngs(model: Module) -> list[tuple[str, np.random.Generator]]:
    found = []
    for i, m in enumerate(model.modules()):
        rng = getattr(m, "rng", None)
        if isinstance(rng, np.random.Generator):
            found.append((f"{i}:{m.name}", rng))
    return found


def save_checkpoint(path: str | Path, state: Any, callbacks: Iterable[Any] = ()) -> None:
    """Write a resumable checkpoint of ``state`` (a :class:`~neuronkit.training.TrainState`) atomically."""
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
    }
    save_arrays(path, arrays, meta)


def load_checkpoint(path: str | Path, state: Any, callbacks: Iterable[Any] = ()) -> None:
    """Restore ``state`` (and the callbacks' states) from a checkpoint written by :func:`save_checkpoint`."""
    from .io import load_arrays

    arrays, meta = load_arrays(path)
    if meta.get("kind") != CHECKPOINT_KIND:
        raise TrainingError(f"{path} is not a training checkpoint (it holds a {meta.get('kind')!r}); "
                            "to continue training a saved model, load it with nk.load() and call fit again")
    if meta["batch_size"] != state.batch_size:
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
    restored = History.from_dict(meta["history"])
    state.history.history, state.history.epochs, state.history.notes = (restored.history, restored.epochs,
                                                                        restored.notes)
