"""Layers and networks: Module, Dense (with neuron views), Dropout, the norms, Sequential, mlp.

One file per family of layers:

=================  ==========================================================
``base.py``         :class:`Module`, the layer registry (:data:`LAYERS`,
                    :func:`register_layer`, :func:`layer_from_config`,
                    :func:`layer_expected_arrays`), the shared input check
                    :func:`layer_input`
``dense.py``        :class:`Dense`, and its neurons (:class:`NeuronList`,
                    :class:`NeuronView`)
``dropout.py``      :class:`Dropout`
``norm.py``         :class:`BatchNorm`, :class:`LayerNorm`, :class:`BatchNorm2d`
``sequential.py``   :class:`Sequential`, :class:`Summary`, :func:`mlp`
``spec.py``         the architecture spec: :func:`~neuronkit.layers.spec.build`,
                    :func:`~neuronkit.layers.spec.spec_of`, …
``conv.py``         :class:`Conv2d`, :class:`Conv1d`; their neurons, one filter
                    each, in ``conv_neurons.py`` (:class:`ConvNeuronList`,
                    :class:`ConvNeuronView`, :class:`ConvExplanation`)
``pooling.py``      :class:`MaxPool2d`, :class:`AvgPool2d`, :class:`GlobalAvgPool2d`,
                    :class:`MaxPool1d`, :class:`AvgPool1d`
``shape.py``        :class:`Flatten`, :class:`Activation`, :class:`Transpose`
``embedding.py``    :class:`Embedding`, :class:`PositionalEmbedding`,
                    :class:`SequenceMeanPool`, :class:`SequenceMaxPool`
``attention.py``    :class:`MultiHeadSelfAttention`, :class:`TransformerEncoderBlock`
``sparse.py``       :class:`KWinners` (k-winners-take-all), :class:`ActivityL1`
                    (an activity sparsity penalty)
``moe.py``          :class:`MoE` (Mixture of Experts)
``counting.py``     what each layer kind costs per prediction (MACs, other
                    operations, parameters read) and the energy table, for
                    ``summary()`` and :func:`neuronkit.inspect.cost`
=================  ==========================================================

A new layer: a file here, ``@register_layer`` on the class, ``config()`` (and
``from_config`` when the constructor arguments are not the config), reads
``self.in_training`` (never ``self.training``) if it behaves differently in
training, checks its input with ``layer_input``, and passes
``tests/test_layer_contract.py`` (add its factory to the table there; the test
fails until you do), and gets a counting rule (``register_cost`` in ``counting.py``)
so that ``summary()`` can count its multiply-adds. Re-export it below.

``Parameter`` is the engine's; it is re-exported here for code that imported it from the layers.
"""

from ..engine import Parameter
from .attention import MultiHeadSelfAttention, TransformerEncoderBlock
from .base import (
    LAYERS,
    AttributeNotFoundError,
    Module,
    layer_expected_arrays,
    layer_from_config,
    layer_input,
    register_layer,
)
from .conv import Conv1d, Conv2d
from .conv_neurons import ConvExplanation, ConvNeuronList, ConvNeuronView
from .dense import Dense, NeuronList, NeuronView
from .dropout import Dropout
from .embedding import Embedding, PositionalEmbedding, SequenceMaxPool, SequenceMeanPool
from .moe import MoE
from .norm import BatchNorm, BatchNorm2d, LayerNorm
from .pooling import AvgPool1d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, MaxPool2d
from .sequential import Sequential, Summary, mlp
from .shape import Activation, Flatten, Transpose
from .sparse import ActivityL1, KWinners
from .spec import ARCHITECTURES, build, parse_spec, spec_of

__all__ = [
    "LAYERS", "AttributeNotFoundError", "BatchNorm", "Dense", "Dropout", "LayerNorm", "Module", "NeuronList",
    "NeuronView", "Parameter", "Sequential", "Summary", "layer_expected_arrays", "layer_from_config", "layer_input",
    "mlp",
    "register_layer",
    "ARCHITECTURES", "build", "parse_spec", "spec_of",
    "Conv1d", "Conv2d",
    "BatchNorm2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "MaxPool1d", "MaxPool2d", "Activation", "Flatten",
    "Transpose",
    "Embedding", "PositionalEmbedding", "SequenceMaxPool", "SequenceMeanPool",
    "MultiHeadSelfAttention", "TransformerEncoderBlock",
    "ConvExplanation", "ConvNeuronList", "ConvNeuronView",
    "ActivityL1", "KWinners",
    "MoE",
]
