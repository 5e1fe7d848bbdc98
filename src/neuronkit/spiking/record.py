"""Observers for spiking layers: record membranes and other state only when asked.

A spiking layer returns its spikes and nothing else; what happened inside it over time (the
membrane potential, the synaptic current, an adaptive threshold) is kept only while a
:func:`record` block is open::

    >>> import numpy as np
    >>> from neuronkit.spiking.record import record, emit
    >>> class Probe:                                   # any object a spiking layer would be
    ...     name = "lif1"
    >>> probe = Probe()
    >>> with record() as rec:
    ...     emit(probe, {"mem": np.zeros((3, 2, 4))})
    >>> rec["lif1"]["mem"].shape
    (3, 2, 4)
    >>> emit(probe, {"mem": np.zeros(1)})             # outside a block: nothing is kept
    >>> sorted(rec)
    ['lif1']

Layers call :func:`emit` with their state trajectories, time-major ``(T, batch, ...)``; the
cost outside a block is one context-variable lookup. Calls of the same layer inside one block
are joined along the batch axis (axis 1), so a model predicted in batches records all samples.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["Recording", "emit", "record"]

_ACTIVE: contextvars.ContextVar[tuple[Recording, ...]] = contextvars.ContextVar("neuronkit_spike_records",
                                                                               default=())


class Recording(Mapping[str, dict[str, np.ndarray]]):
    """What a :func:`record` block saw: ``recording[layer_name][state_name]`` -> array (T, batch, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.record import Recording
    >>> r = Recording()
    >>> r._add("lif1", {"mem": np.ones((2, 1, 3))}); r._add("lif1", {"mem": np.zeros((2, 4, 3))})
    >>> r["lif1"]["mem"].shape                           # two calls joined along the batch axis
    (2, 5, 3)
    """

    def __init__(self, only: Any = None) -> None:
        self._only = only
        self._parts: dict[str, dict[str, list[np.ndarray]]] = {}

    def _add(self, name: str, states: Mapping[str, np.ndarray]) -> None:
        slot = self._parts.setdefault(name, {})
        for key, value in states.items():
            slot.setdefault(key, []).append(np.array(value, copy=True))

    def __getitem__(self, name: str) -> dict[str, np.ndarray]:
        if name not in self._parts:
            from ..errors import NameNotFoundError

            known = ", ".join(self._parts) or "none"
            raise NameNotFoundError(f"no spiking layer named {name!r} was recorded; recorded: {known}")
        return {key: (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1))
                for key, parts in self._parts[name].items()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __repr__(self) -> str:
        return f"Recording({', '.join(self._parts) or 'empty'})"


def _key(layer: Any) -> str:
    name = getattr(layer, "name", None)
    return name if name else f"{type(layer).__name__.lower()}@{id(layer):x}"


def emit(layer: Any, states: Mapping[str, np.ndarray]) -> None:
    """Hand a layer's state trajectories to every open :func:`record` block (a no-op when none is open).

    ``states`` maps a state name ("mem", "spikes", "syn", "threshold", ...) to its time-major array.
    The arrays are copied, so a layer may reuse its buffers.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.record import emit
    >>> emit(object(), {"mem": np.zeros(2)}) is None
    True
    """
    active = _ACTIVE.get()
    if not active:
        return
    for rec in active:
        if rec._only is None or layer in rec._only or _key(layer) in rec._only:
            rec._add(_key(layer), states)


@contextmanager
def record(*layers: Any) -> Iterator[Recording]:
    """Record the state of spiking layers (all of them, or only ``layers``: objects or names) inside a block.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.record import emit, record
    >>> class L:
    ...     name = "lif2"
    >>> with record("lif1") as rec:                       # only lif1
    ...     emit(L(), {"mem": np.zeros((1, 1, 1))})
    >>> len(rec)
    0
    """
    rec = Recording(only=set(layers) if layers else None)
    token = _ACTIVE.set(_ACTIVE.get() + (rec,))
    try:
        yield rec
    finally:
        _ACTIVE.reset(token)
