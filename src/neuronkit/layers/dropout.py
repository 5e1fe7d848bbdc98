"""Dropout: a regulariser that behaves differently in training and in evaluation.

The pattern for every mode-dependent layer: the mode is read through
``self.in_training`` (so ``nk.eval_mode()`` and ``predict`` from other threads
see eval behaviour without the model being switched), and the randomness comes
from a Generator the layer was given (``seed=``/``rng=``), never global state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor
from ..init import make_rng
from ..validation import check_number
from .base import ArraySpec, Module, check_name, constructor_options, layer_input, register_layer

__all__ = ["Dropout"]


@register_layer
class Dropout(Module):
    """Randomly zeroes a fraction ``p`` of inputs during training, scaling the rest by 1/(1-p).

    Identity in eval mode. ``seed``/``rng`` drive the masks. Takes inputs of any shape
    (at least one dimension).

    >>> import neuronkit as nk
    >>> drop = nk.Dropout(0.5, seed=0)
    >>> drop.eval()(nk.Tensor([1.0, 2.0])).data
    array([1., 2.], dtype=float32)
    """

    def __init__(self, p: float = 0.5, *, seed: int | None = None, rng: np.random.Generator | None = None,
                 name: str | None = None) -> None:
        self.p = check_number(p, "p", low=0.0, high=1.0, high_open=True, owner="Dropout")
        self.rng = make_rng(seed, rng)
        self.name = check_name(name, "Dropout")

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, None)
        if not self.in_training or self.p == 0.0:
            return x
        keep = (self.rng.random(x.shape) >= self.p).astype(x.dtype) * (1.0 / (1.0 - self.p))
        return x * keep

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: dropout holds no arrays (its options are checked all the same)."""
        options = constructor_options(cls, config, "Dropout")
        check_number(options["p"], "p", low=0.0, high=1.0, high_open=True, owner="Dropout")
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "Dropout", "p": self.p, "name": self.name}

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
