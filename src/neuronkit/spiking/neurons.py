"""Spiking neuron models: each a step function on explicit state, run over time.

A :class:`SpikingNeuron` is a population of spiking neurons (one per input current). Its
:meth:`~SpikingNeuron.step` is the model's update equation, written line by line as in the
docstring; :meth:`~SpikingNeuron.forward` runs it over a time-major input ``(T, batch, ...)`` and
returns the spikes ``(T, batch, ...)``. The other state (membrane, synaptic current, adaptive
threshold) is handed to :func:`neuronkit.spiking.record.emit`, so a
:func:`~neuronkit.spiking.record.record` block can look at it; the return shape never changes.

The plain time loop here (``step`` on Tensors, one autodiff node per operation and step) is the
reference; a model may run ``forward`` as one fused primitive of :mod:`neuronkit.engine.spiking`
with a hand-derived VJP, tested against this loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor, as_tensor, ops
from ..errors import ShapeError
from ..layers.base import Module
from .record import emit

__all__ = ["SpikingNeuron"]


class SpikingNeuron(Module):
    """Base class of spiking neuron populations: ``step(current, state) -> (spikes, state)``.

    Subclasses set ``state_names`` (the first one is the membrane potential), and define
    :meth:`initial_state` and :meth:`step`; ``forward`` loops ``step`` over the time axis.

    Examples
    --------
    A perfect integrator that fires when its sum reaches 1 and subtracts 1 (surrogate-free, for show):

    >>> import numpy as np
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class IF(SpikingNeuron):
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         mem = state["mem"] + current
    ...         spikes = (mem.data >= 1.0).astype(np.float32)
    ...         return spikes, {"mem": mem - spikes}
    >>> IF()(np.full((4, 1, 1), 0.5, dtype=np.float32)).data.ravel()
    array([0., 1., 0., 1.], dtype=float32)
    """

    name_prefix = "neuron"
    #: the names of the state variables; the first is the membrane potential
    state_names: tuple[str, ...] = ("mem",)

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float32) -> dict[str, np.ndarray]:
        """The state before the first step, one array of ``shape`` (batch, ...) per name in ``state_names``."""
        raise NotImplementedError(f"{type(self).__name__} defines no initial_state(shape, dtype)")

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One time step: the spikes and the new state from the input current and the state (arrays or Tensors)."""
        raise NotImplementedError(f"{type(self).__name__} defines no step(current, state)")

    def _time_major(self, currents: Any) -> Tensor:
        x = as_tensor(currents)
        if x.ndim < 2:
            raise ShapeError(f"{type(self).__name__} takes time-major input (T, batch, ...); got shape {x.shape}: "
                             "put an encoder (e.g. nk.spiking.RateEncoder) first to give the data a time axis")
        if x.shape[0] == 0:
            raise ShapeError(f"{type(self).__name__} got an input with T = 0 time steps (shape {x.shape}); "
                             "give at least one step")
        return x

    def forward(self, currents: Any) -> Tensor:
        """The spikes (T, batch, ...) for input currents (T, batch, ...): ``step`` looped over time."""
        x = self._time_major(currents)
        state: dict[str, Any] = self.initial_state(x.shape[1:], x.dtype)
        spikes: list[Any] = []
        trace: dict[str, list[np.ndarray]] = {name: [] for name in self.state_names}
        for t in range(x.shape[0]):
            s, state = self.step(x[t], state)
            spikes.append(s)
            for name in self.state_names:
                value = state[name]
                trace[name].append(value.data if isinstance(value, Tensor) else np.asarray(value))
        out = ops.stack([as_tensor(s) for s in spikes], axis=0)
        emit(self, {"spikes": out.data, **{name: np.stack(v) for name, v in trace.items()}})
        return out
