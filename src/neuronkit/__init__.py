"""neuronkit: build, train and understand neural networks one neuron at a time.

>>> import neuronkit as nk
>>> nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")([0.5, 0.3])
0.78

The engine, neurons, layers, activations, initialisers and losses load with
the package (NumPy only). Training, data, estimators, model files and
inspection load on first use, so ``import neuronkit`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import activations, errors, init, losses
from ._version import __version__
from .activations import get_activation
from .engine import Function, GradcheckError, Parameter, Tensor, enable_grad, eval_mode, gradcheck, no_grad
from .layers import (
    ARCHITECTURES,
    Activation,
    AvgPool1d,
    AvgPool2d,
    BatchNorm,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2d,
    LayerNorm,
    MaxPool1d,
    MaxPool2d,
    Module,
    Sequential,
    Transpose,
    build,
    mlp,
    spec_of,
)
from .layers.attention import MultiHeadSelfAttention, TransformerEncoderBlock
from .layers.embedding import Embedding, PositionalEmbedding, SequenceMaxPool, SequenceMeanPool
from .layers.moe import MoE
from .layers.sparse import ActivityL1, KWinners
from .losses import get_loss
from .neuron import Explanation, Neuron

# name -> module that defines it, imported on first access
_LAZY = {
    "optim": "neuronkit.optim",
    "SGD": "neuronkit.optim", "Adam": "neuronkit.optim", "AdamW": "neuronkit.optim",
    "RMSprop": "neuronkit.optim", "get_optimizer": "neuronkit.optim",
    "callbacks": "neuronkit.callbacks",
    "training": "neuronkit.training", "fit": "neuronkit.training", "History": "neuronkit.training",
    "metrics": "neuronkit.metrics",
    "data": "neuronkit.data", "datasets": "neuronkit.datasets",
    "estimators": "neuronkit.estimators",
    "NeuralClassifier": "neuronkit.estimators", "NeuralRegressor": "neuronkit.estimators",
    "io": "neuronkit.io", "save": "neuronkit.io", "load": "neuronkit.io",
    "inspect": "neuronkit.inspect",
    "spiking": "neuronkit.spiking",
    "federated": "neuronkit.federated", "continual": "neuronkit.continual",
    "distributed": "neuronkit.distributed",
    "tune": "neuronkit.tune",  # a callable module: nk.tune(data, ...) runs the search
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'neuronkit' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BatchNorm", "Dense", "Dropout", "Explanation", "Function", "GradcheckError", "LayerNorm", "Module",
    "Neuron", "Parameter", "Sequential", "Tensor", "activations", "get_activation", "get_loss", "gradcheck",
    "init", "losses", "mlp", "no_grad", "enable_grad", "eval_mode", "errors", "__version__", *sorted(_LAZY),
    "ARCHITECTURES", "build", "spec_of",
    "Conv1d", "Conv2d",
    "BatchNorm2d", "AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "MaxPool1d", "MaxPool2d", "Activation", "Flatten",
    "Transpose",
    "Embedding", "PositionalEmbedding", "SequenceMaxPool", "SequenceMeanPool",
    "MultiHeadSelfAttention", "TransformerEncoderBlock",
    "MoE", "KWinners", "ActivityL1",
]
