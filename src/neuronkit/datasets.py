"""Datasets by name (``nk.datasets``): the bundled ones scikit-learn ships and generated ones for teaching.

The code lives in :mod:`neuronkit.data.datasets`, beside the :class:`~neuronkit.data.Dataset`
record and the CSV reader it shares with the command line; this module keeps the
short public name.
"""

from __future__ import annotations

from .data.datasets import BUNDLED, DATASETS, GENERATED, Dataset, available, blobs, load, moons, spirals, xor

__all__ = ["BUNDLED", "DATASETS", "GENERATED", "Dataset", "available", "blobs", "load", "moons", "spirals", "xor"]
