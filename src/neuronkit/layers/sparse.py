r"""Sparse neurons: k-winners-take-all, and an activity (L1) penalty that makes few neurons fire.

Two ways to get a layer whose neurons are mostly silent on each sample, so that a sparse
implementation could skip the multiply-adds of the silent ones (``nk.inspect.health`` counts them):

- :class:`KWinners` (``kwta(k)`` in a spec) forces it: per sample, only the ``k`` largest values of
  the layer before it pass; the rest are set to 0. Sparsity is exact and fixed (k of n).
- :class:`ActivityL1` (``activity_l1(weight)`` in a spec) encourages it: the identity, adding
  ``weight · mean over the batch of Σ|a|`` to the training loss, so training trades a little
  loss for fewer and smaller activations (the command line's ``train --sparsity``).

>>> import numpy as np, neuronkit as nk
>>> net = nk.Sequential(nk.Dense(3, 6, activation="relu", seed=0), nk.layers.KWinners(2), nk.Dense(6, 2, seed=1))
>>> hidden = net[1].infer(net[0].infer(np.ones((4, 3), dtype=np.float32)))
>>> (hidden != 0).sum(axis=1)          # at most 2 of the 6 neurons pass on each sample
array([2, 2, 2, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor, ops, where
from ..errors import ShapeError
from ..validation import check_int, check_number
from .base import (
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    constructor_options,
    describe_shape,
    label,
    layer_input,
    register_layer,
)

__all__ = ["ActivityL1", "KWinners", "winners"]


def winners(values: np.ndarray, k: int) -> np.ndarray:
    """The bool mask of the ``k`` largest of each row of ``values`` (N, F): ties go to the lower index.

    The order is that of a stable sort by decreasing value, so the result never depends on
    the machine: among equal values at the k-th place the earlier neurons win. NaN never wins
    while a number is left.

    >>> import numpy as np
    >>> winners(np.array([[0.5, 2.0, 2.0, 1.0], [3.0, 3.0, 3.0, 3.0]]), 2)
    array([[False,  True,  True, False],
           [ True,  True, False, False]])
    """
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]  # -NaN is NaN: sorted last
    mask = np.zeros(values.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


@register_layer
class KWinners(Module):
    r"""k-winners-take-all: per sample, keeps the ``k`` largest values of its input and sets the rest to 0.

    .. math:: y_{ni} = x_{ni}\,[\,x_{ni} \text{ is among the } k \text{ largest of } x_{n\cdot}\,]

    The gradient flows to the winners only (∂y/∂x is 1 on them, 0 elsewhere). Ties at the
    k-th place go to the lower index (see ``neuronkit.layers.sparse.winners``), so the winners are the same on
    every machine. The same in training and in evaluation (no boosting).

    Parameters
    ----------
    k : int
        How many values of each sample pass (>= 1, and at most the values per sample).
    name : str, optional

    Shapes: one sample ``(F,)`` or a batch ``(N, ...)`` whose per-sample values (all of them,
    e.g. every channel and position of an image) compete; output of the same shape.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> kwta = nk.layers.KWinners(2)
    >>> kwta(np.array([[0.1, 0.9, -0.3, 0.5], [2.0, 1.0, 1.0, 0.0]])).data
    array([[0. , 0.9, 0. , 0.5],
           [2. , 1. , 0. , 0. ]])
    """

    name_prefix = "kwta"

    def __init__(self, k: int, *, name: str | None = None) -> None:
        self.k = check_int(k, "k", low=1, owner="KWinners")
        self.name = check_name(name, "KWinners")

    def _per_sample(self, sample_shape: tuple[int, ...], input_shape: tuple[int, ...] | None = None) -> int:
        """The values of one sample of ``sample_shape`` (refused when fewer than k); ``input_shape`` for messages."""
        per_sample = int(np.prod(sample_shape))
        if per_sample < self.k:
            raise ShapeError(f"layer {label(self)!r} keeps the k={self.k} largest values of each sample, but the "
                             f"layer before it gives {describe_shape(sample_shape)} per sample"
                             + ("" if input_shape is None else f" (input shape {input_shape})") + ": use "
                             f"k <= {per_sample}, or a wider layer before it")
        return per_sample

    def _mask(self, x: np.ndarray) -> np.ndarray:
        """The winners as a bool array of x's shape."""
        per_sample = self._per_sample(x.shape[1:] if x.ndim > 1 else x.shape, x.shape)
        return winners(x.reshape(-1, per_sample), self.k).reshape(x.shape)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, None)
        return where(self._mask(x.data), x, 0.0)  # the gradient reaches the winners only (losers give +0, not -0)

    def infer(self, x: Any) -> np.ndarray:
        data = x if type(x) is np.ndarray and x.ndim >= 1 and x.dtype.kind == "f" else \
            layer_input(self, x, None, None).data
        return np.where(self._mask(data), data, data.dtype.type(0))

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape unchanged; a ShapeError when a sample has fewer than k values.

        >>> import neuronkit as nk
        >>> nk.layers.KWinners(8).output_shape((64,))
        (64,)
        """
        shape = check_in_shape(in_shape, self)
        self._per_sample(shape)
        return shape

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: the layer holds no arrays (its options are checked all the same)."""
        options = constructor_options(cls, config, "KWinners")
        check_int(options["k"], "k", low=1, owner="KWinners")
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "KWinners", "k": self.k, "name": self.name}

    def __repr__(self) -> str:
        return f"KWinners(k={self.k})"


@register_layer
class ActivityL1(Module):
    r"""The identity, adding an activity sparsity penalty on its input to the training loss.

    .. math:: \text{penalty} = \lambda \cdot \frac{1}{N} \sum_{n=1}^{N} \sum_i |a_{ni}|

    for a batch ``a`` of N samples (λ is ``weight``): λ times the mean over the batch of each
    sample's L1 norm, so the penalty does not grow with the batch size, and its gradient is
    λ·sign(a)/N. Put it after the layer whose activity should be sparse
    (``dense(64,relu),activity_l1(1e-3),dense(out)``). ``fit`` adds it the way it adds a Dense
    layer's ``l1``/``l2`` (through :meth:`~neuronkit.layers.Module.own_penalty`): each training
    forward pass (in training mode) keeps its penalty, which the step adds to
    the loss before ``backward()``. Prediction and evaluation add nothing.

    Parameters
    ----------
    weight : float
        λ >= 0 (0: no penalty).
    name : str, optional

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> sparse = nk.layers.ActivityL1(0.5)
    >>> out = sparse(nk.Tensor(np.array([[1.0, -2.0], [0.0, 3.0]])))
    >>> float(sparse.own_penalty().data)       # 0.5 · (|1| + |-2| + |0| + |3|) / 2 samples
    1.5
    """

    name_prefix = "activity"

    def __init__(self, weight: float, *, name: str | None = None) -> None:
        self.weight = check_number(weight, "weight", low=0.0, owner="ActivityL1")
        self.name = check_name(name, "ActivityL1")
        self._penalty: Tensor | None = None  # the last training forward pass's penalty (a node of its graph)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, None)
        if self.weight and self.in_training:
            n = x.shape[0] if x.ndim > 1 else 1
            self._penalty = ops.absolute(x).sum() * (self.weight / n)
        return x

    def infer(self, x: Any) -> np.ndarray:
        return layer_input(self, x, None, None).data

    def own_penalty(self) -> Tensor | None:
        """The penalty of the last training forward pass (0 before the first; None with weight 0)."""
        if not self.weight:
            return None
        return self._penalty if self._penalty is not None else Tensor(np.zeros((), np.float32))

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: the layer holds no arrays (its options are checked all the same)."""
        options = constructor_options(cls, config, "ActivityL1")
        check_number(options["weight"], "weight", low=0.0, owner="ActivityL1")
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "ActivityL1", "weight": self.weight, "name": self.name}

    def __repr__(self) -> str:
        return f"ActivityL1(weight={self.weight:g})"
