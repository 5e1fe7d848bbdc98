"""Spiking neurons: neuron models with temporal dynamics, encoders, decoders, surrogate gradients.

One file per family:

==================  ==========================================================
``neurons.py``       :class:`~neuronkit.spiking.neurons.SpikingNeuron` (the base: a step
                     function on explicit state, run over time) and the models
``record.py``        :func:`~neuronkit.spiking.record.record`: look at membranes
                     and other state, only when asked
``layers.py``        :class:`~neuronkit.spiking.layers.SpikingDense`,
                     :class:`~neuronkit.spiking.layers.SpikingConv2d` (a weight layer
                     and a neuron population), :class:`~neuronkit.spiking.layers.Temporal`
==================  ==========================================================

Data are time-major inside a spiking network: ``(T, batch, ...)``.
"""

from __future__ import annotations

from .layers import SpikingConv2d, SpikingDense, SpikingExplanation, SpikingNeuronList, SpikingNeuronView, Temporal
from .neurons import SpikingNeuron
from .record import Recording, emit, record

__all__ = ["SpikingNeuron", "Recording", "emit", "record",
           "SpikingDense", "SpikingConv2d", "Temporal", "SpikingNeuronList", "SpikingNeuronView", "SpikingExplanation"]
