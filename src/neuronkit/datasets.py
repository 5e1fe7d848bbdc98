"""Datasets by name (``nk.datasets``): the bundled ones scikit-learn ships and generated ones for teaching,
and readers for image data (MNIST-format IDX files, folders of images in class sub-folders).

Text datasets (a :class:`~neuronkit.data.text.TextDataset` of texts and labels, not a feature
matrix) have their own names: :func:`load_text` (``"topics"``) and :func:`text_datasets`.

The code lives in :mod:`neuronkit.data.datasets`, beside the :class:`~neuronkit.data.Dataset`
record and the CSV reader it shares with the command line, and in
:mod:`neuronkit.data.images`; this module keeps the short public name.
"""

from __future__ import annotations

from .data.datasets import (
    BUNDLED,
    DATASETS,
    GENERATED,
    IMAGE_DATASETS,
    Dataset,
    available,
    blobs,
    digits,
    load,
    mnist5k,
    moons,
    spirals,
    xor,
)
from .data.images import load_idx, load_idx_pair, load_image_folder
from .data.text import TEXT_DATASETS, TextDataset, load_text, text_datasets

__all__ = ["BUNDLED", "DATASETS", "GENERATED", "Dataset", "available", "blobs", "load", "moons", "spirals", "xor",
           "IMAGE_DATASETS", "digits", "load_idx", "load_idx_pair", "load_image_folder", "mnist5k",
           "TEXT_DATASETS", "TextDataset", "load_text", "text_datasets"]
