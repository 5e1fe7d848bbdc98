"""Datasets by name (``nk.datasets``): the bundled ones scikit-learn ships and generated ones for teaching.

Text datasets (a :class:`~neuronkit.data.text.TextDataset` of texts and labels, not a feature
matrix) have their own names: :func:`load_text` (``"topics"``) and :func:`text_datasets`.

The code lives in :mod:`neuronkit.data.datasets`, beside the :class:`~neuronkit.data.Dataset`
record and the CSV reader it shares with the command line; this module keeps the
short public name.
"""

from __future__ import annotations

from .data.datasets import BUNDLED, DATASETS, GENERATED, Dataset, available, blobs, load, moons, spirals, xor
from .data.text import TEXT_DATASETS, TextDataset, load_text, text_datasets

__all__ = ["BUNDLED", "DATASETS", "GENERATED", "Dataset", "available", "blobs", "load", "moons", "spirals", "xor",
           "TEXT_DATASETS", "TextDataset", "load_text", "text_datasets"]
