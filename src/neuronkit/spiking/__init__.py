"""Spiking neurons: neuron models with temporal dynamics, encoders, decoders, surrogate gradients.

One file per family:

==================  ==========================================================
``neurons.py``       :class:`~neuronkit.spiking.neurons.SpikingNeuron` (the base: a step
                     function on explicit state, run over time) and the models
``record.py``        :func:`~neuronkit.spiking.record.record`: look at membranes
                     and other state, only when asked
``izhikevich.py``    :class:`~neuronkit.spiking.izhikevich.Izhikevich` (2003) and the
                     paper's cell types
``plots.py``         rasters, membrane traces, firing rates (matplotlib)
==================  ==========================================================

Data are time-major inside a spiking network: ``(T, batch, ...)``.
"""

from __future__ import annotations

from .izhikevich import IZHIKEVICH_PRESETS, Izhikevich
from .neurons import SpikingNeuron
from .plots import izhikevich_gallery, membrane_traces, raster, rate_histogram
from .record import Recording, emit, record

__all__ = ["SpikingNeuron", "Recording", "emit", "record", "IZHIKEVICH_PRESETS", "Izhikevich", "raster",
           "membrane_traces", "rate_histogram", "izhikevich_gallery"]
