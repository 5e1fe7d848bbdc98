"""Understanding a network one neuron at a time: traces, neuron health, attribution, specialisation.

Every function takes a network (:class:`~neuronkit.Sequential`) or a fitted
estimator (then inputs are unscaled, as in the data), and addresses neurons by
stable names: ``"hidden1[3]"`` is neuron 3 of layer ``hidden1``; ``"conv1[5]"`` is filter 5
(output channel 5) of convolution layer ``conv1``. Image networks take X as (n, C, H, W),
text networks token ids (n, L) (their padding mask as the network builds it). Nothing here
changes the model or makes layers record anything: each function runs its own
observing forward pass (in eval mode) and leaves the network as it was.

=====================  ==============================================================
trace, explain         one input through every neuron; one neuron's arithmetic
backprop               the chain-rule terms of one neuron's weight gradients
health, HealthMonitor  dead, saturated, duplicate, frozen neurons; vanishing/exploding
                       gradients; a report with remedies (a function and a callback)
attribute              saliency, gradient × input, integrated gradients, occlusion
kernel_shap, ...       SHAP values against a background set: KernelSHAP, GradientSHAP
conductance, ...       how much each neuron contributes (conductance, internal influence,
                       a contribution table); DeepLIFT and LRP with conservation checks
top_activating, ...    what a neuron learned: top samples, activation maximisation,
                       ablation, class selectivity; a filter's top image patches
                       (receptive fields), the words that excite a text neuron
routing                an MoE layer's routing: where samples go, load per batch
                       and per class, each expert's specialisation
cost                   multiply-adds, parameter memory and energy per neuron, layer
                       and prediction (an order of magnitude; spiking: SynOps)
probe_layers, ...      what a layer represents: linear probes per layer, polysemanticity
                       per neuron, a sparse autoencoder's features, concept vectors (TCAV)
plot_*, write_report   pictures (matplotlib, optional) and a self-contained HTML report;
                       pictures of the deeper views: contributions, attribution methods side
                       by side, probes, polysemanticity, autoencoder features, TCAV, cost
=====================  ==============================================================

>>> import neuronkit as nk
>>> net = nk.mlp([4, 8, 3], output="softmax", seed=0)
>>> nk.inspect.trace(net, [0.1, 0.2, 0.3, 0.4])["hidden1[3]"].name
'hidden1[3]'
"""

from __future__ import annotations

from .attribution import ATTRIBUTIONS, Attribution, attribute, register_attribution
from .concepts import ConceptVector, TCAVResult, concept_vector, tcav
from .conductance import (
    Contributions,
    LayerAttribution,
    contributions,
    internal_influence,
    layer_conductance,
    neuron_conductance,
)
from .cost import COUNTERS, ENERGY_PJ, Cost, Count, LayerCost, cost, register_cost
from .health import (
    CHECKS,
    REMEDIES,
    GradientHealth,
    HealthMonitor,
    HealthReport,
    LayerHealth,
    NeuronHealthWarning,
    Problem,
    SparsityStats,
    SpikingLayerHealth,
    Thresholds,
    health,
    register_check,
)
from .plots import (
    plot_activation_histograms,
    plot_activation_timeline,
    plot_attention,
    plot_attributions,
    plot_feature_maps,
    plot_filters,
    plot_gradient_norms,
    plot_image_attributions,
    plot_learning_curves,
    plot_top_activating,
    plot_top_patches,
    plot_weights,
)
from .plots_understanding import (
    plot_attribution_methods,
    plot_contributions,
    plot_cost,
    plot_polysemanticity,
    plot_probes,
    plot_sae_features,
    plot_tcav,
)
from .probes import Polysemanticity, ProbeRow, Probes, polysemanticity, polysemanticity_scores, probe_layers
from .relevance import LRP_RULES, deeplift, lrp
from .report import ReportFiles, write_report
from .routing import Routing, routing
from .sae import SAEFeatures, SparseAutoencoder, feature_network, sae_features, train_sae
from .shap import ShapValues, gradient_shap, kernel_shap
from .specialisation import (
    AblationReport,
    AblationRow,
    Maximization,
    Selectivity,
    TopActivating,
    TopPatches,
    TopWords,
    ablate,
    ablated_outputs,
    attention_weights,
    class_selectivity,
    maximize_activation,
    receptive_field,
    top_activating,
    top_patches,
    top_words,
)
from .trace import Backprop, LayerTrace, NeuronTrace, Trace, backprop, explain, trace

__all__ = [
    "ATTRIBUTIONS", "CHECKS", "REMEDIES", "AblationReport", "AblationRow", "Attribution", "Backprop",
    "GradientHealth", "HealthMonitor", "HealthReport", "LayerHealth", "LayerTrace", "Maximization",
    "NeuronHealthWarning", "NeuronTrace", "Problem", "ReportFiles", "Selectivity", "Thresholds", "TopActivating",
    "Trace", "ablate", "ablated_outputs", "attribute", "backprop", "class_selectivity", "explain", "health",
    "maximize_activation", "plot_activation_histograms", "plot_attributions", "plot_gradient_norms",
    "plot_learning_curves", "plot_top_activating", "plot_weights", "register_attribution", "register_check",
    "top_activating", "trace", "write_report",
    "TopPatches", "TopWords", "receptive_field", "top_patches", "top_words", "attention_weights",
    "plot_attention", "plot_feature_maps", "plot_filters", "plot_image_attributions", "plot_top_patches",
    "SpikingLayerHealth", "SparsityStats",
    "plot_activation_timeline",
    "Routing", "routing",
    "COUNTERS", "ENERGY_PJ", "Cost", "Count", "LayerCost", "cost", "register_cost",
    "ShapValues", "kernel_shap", "gradient_shap",
    "Contributions", "LayerAttribution", "contributions", "internal_influence", "layer_conductance",
    "neuron_conductance",
    "LRP_RULES", "deeplift", "lrp",
    "ProbeRow", "Probes", "Polysemanticity", "probe_layers", "polysemanticity", "polysemanticity_scores",
    "SAEFeatures", "SparseAutoencoder", "feature_network", "sae_features", "train_sae",
    "ConceptVector", "TCAVResult", "concept_vector", "tcav",
    "plot_attribution_methods", "plot_contributions", "plot_cost", "plot_polysemanticity", "plot_probes",
    "plot_sae_features", "plot_tcav",
]
