"""Spiking neurons: neuron models with temporal dynamics, encoders, decoders, surrogate gradients.

One file per family:

==================  ==========================================================
``neurons.py``       :class:`~neuronkit.spiking.neurons.SpikingNeuron` (the base: a step
                     function on explicit state, run over time) and the models
``record.py``        :func:`~neuronkit.spiking.record.record`: look at membranes
                     and other state, only when asked
``surrogates.py``    surrogate gradients (:data:`~neuronkit.spiking.surrogates.SURROGATES`)
``encoders.py``      data (batch, ...) -> time-major spikes or currents (T, batch, ...)
``decoders.py``      time-major outputs -> class scores (rate, count, first spike, max membrane)
``losses.py``        spike losses, registered in ``neuronkit.losses.LOSSES``
``izhikevich.py``    :class:`~neuronkit.spiking.izhikevich.Izhikevich` (2003) and the
                     paper's cell types
``plots.py``         rasters, membrane traces, firing rates (matplotlib)
``layers.py``        :class:`~neuronkit.spiking.layers.SpikingDense`,
                     :class:`~neuronkit.spiking.layers.SpikingConv2d` (a weight layer
                     and a neuron population), :class:`~neuronkit.spiking.layers.Temporal`
``conversion.py``    ANN -> SNN conversion of a trained ReLU network
                     (:func:`~neuronkit.spiking.conversion.convert`)
``plasticity.py``    local learning rules (STDP, Hebbian, Oja, homeostasis), each
                     registered in :data:`~neuronkit.spiking.learning.PLASTICITY_RULES`
``learning.py``      applying them: the rule interface
                     (:class:`~neuronkit.spiking.learning.PlasticityRule`), the registry
                     (:func:`~neuronkit.spiking.learning.get_rule`) and the step loop
                     :func:`~neuronkit.spiking.learning.learn` (its
                     :class:`~neuronkit.spiking.learning.LearnHistory`)
``simulation.py``    recurrent networks in continuous time: populations, sparse
                     connections with delays, monitors, network files, CUBA
``nir.py``           export to and import from NIR, the Neuromorphic Intermediate
                     Representation (:func:`~neuronkit.spiking.nir.to_nir`,
                     :func:`~neuronkit.spiking.nir.from_nir`)
``sim_report.py``    what a simulation did: rates, CV of ISI, synchrony, problems
                     in words, the HTML report (``neuronkit simulate --report``)
==================  ==========================================================

``unsupervised.py`` holds :class:`~neuronkit.spiking.unsupervised.DiehlCook`, a reduced Diehl & Cook
(2015) network that learns digits without labels by STDP.

Data are time-major inside a spiking network: ``(T, batch, ...)``.
"""

from __future__ import annotations

from .conversion import ConversionReport, SpikeMaxPool2d, activation_scales, conversion_report, convert
from .decoders import DECODERS, Decoder, get_decoder
from .encoders import CurrentEncoder, DeltaEncoder, Encoder, LatencyEncoder, RateEncoder
from .izhikevich import IZHIKEVICH_PRESETS, Izhikevich
from .layers import SpikingConv2d, SpikingDense, SpikingExplanation, SpikingNeuronList, SpikingNeuronView, Temporal
from .learning import PLASTICITY_RULES, LearnHistory, PlasticityRule, get_rule, learn
from .losses import CountCrossEntropy, CountMSE, MembraneCrossEntropy, RateCrossEntropy, SpikeLoss
from .neurons import ALIF, LI, LIF, NEURONS, SpikingNeuron, Synaptic, get_neuron
from .nir import from_nir, read_nir, to_nir, write_nir
from .plasticity import (
    AdaptiveThreshold,
    CombinedRule,
    Hebbian,
    Oja,
    PairSTDP,
    RewardSTDP,
    SynapticScaling,
    TripletSTDP,
)
from .plots import (
    izhikevich_gallery,
    membrane_traces,
    population_raster,
    raster,
    rate_histogram,
    rate_over_time,
    receptive_fields,
    weight_change_map,
    weight_trajectories,
)
from .record import Recording, emit, record
from .simulation import (
    Connection,
    Connectivity,
    Network,
    PoissonGroup,
    Population,
    SimulationResult,
    cuba_network,
    load_network,
    network_from_config,
)
from .surrogates import SURROGATES, Surrogate, get_surrogate
from .unsupervised import DiehlCook, DiehlCookSTDP

__all__ = ["SpikingNeuron", "Recording", "emit", "record",
           "SURROGATES", "Surrogate", "get_surrogate",
           "ALIF", "LI", "LIF", "NEURONS", "Synaptic", "get_neuron",
           "CurrentEncoder", "DeltaEncoder", "Encoder", "LatencyEncoder", "RateEncoder",
           "DECODERS", "Decoder", "get_decoder",
           "CountCrossEntropy", "CountMSE", "MembraneCrossEntropy", "RateCrossEntropy", "SpikeLoss",
           "IZHIKEVICH_PRESETS", "Izhikevich", "raster", "membrane_traces", "rate_histogram", "izhikevich_gallery",
           "SpikingDense", "SpikingConv2d", "Temporal", "SpikingNeuronList", "SpikingNeuronView", "SpikingExplanation",
           "ConversionReport", "SpikeMaxPool2d", "activation_scales", "conversion_report", "convert",
           "PLASTICITY_RULES", "PlasticityRule", "get_rule",
           "Population", "PoissonGroup", "Connection", "Connectivity", "Network", "SimulationResult",
           "cuba_network", "network_from_config", "load_network",
           "AdaptiveThreshold", "CombinedRule", "Hebbian", "LearnHistory", "Oja", "PairSTDP", "RewardSTDP",
           "SynapticScaling", "TripletSTDP", "learn", "weight_change_map", "weight_trajectories",
           "from_nir", "read_nir", "to_nir", "write_nir",
           "DiehlCook", "DiehlCookSTDP", "receptive_fields",
           "population_raster", "rate_over_time"]
