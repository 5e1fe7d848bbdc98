"""Spiking neurons: neuron models with temporal dynamics, encoders, decoders, surrogate gradients.

One file per family:

==================  ==========================================================
``neurons.py``       :class:`~neuronkit.spiking.neurons.SpikingNeuron` (the base: a step
                     function on explicit state, run over time) and the models
``record.py``        :func:`~neuronkit.spiking.record.record`: look at membranes
                     and other state, only when asked
==================  ==========================================================

Data are time-major inside a spiking network: ``(T, batch, ...)``.
"""

from __future__ import annotations

from .neurons import SpikingNeuron
from .record import Recording, emit, record

__all__ = ["SpikingNeuron", "Recording", "emit", "record"]
