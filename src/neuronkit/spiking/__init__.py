"""Spiking neurons: neuron models with temporal dynamics, encoders, decoders, surrogate gradients.

One file per family:

==================  ==========================================================
``neurons.py``       :class:`~neuronkit.spiking.neurons.SpikingNeuron` (the base: a step
                     function on explicit state, run over time) and the models
``record.py``        :func:`~neuronkit.spiking.record.record`: look at membranes
                     and other state, only when asked
``surrogates.py``    surrogate gradients (:data:`~neuronkit.spiking.surrogates.SURROGATES`)
==================  ==========================================================

Data are time-major inside a spiking network: ``(T, batch, ...)``.
"""

from __future__ import annotations

from .neurons import ALIF, LI, LIF, NEURONS, SpikingNeuron, Synaptic, get_neuron
from .record import Recording, emit, record
from .surrogates import SURROGATES, Surrogate, get_surrogate

__all__ = ["SpikingNeuron", "Recording", "emit", "record",
           "SURROGATES", "Surrogate", "get_surrogate",
           "ALIF", "LI", "LIF", "NEURONS", "Synaptic", "get_neuron"]
