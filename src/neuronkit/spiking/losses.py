"""Spike losses: classification losses on a spiking network's time-major output (T, batch, classes).

Each is a :class:`~neuronkit.losses.Loss` registered in :data:`neuronkit.losses.LOSSES` (so
``fit(..., loss="rate_cross_entropy")`` and ``get_loss`` find it), takes the outputs (T, B, C)
and integer classes (B,), averages over the batch, and names in ``decoder`` the
:mod:`~neuronkit.spiking.decoders` entry that turns outputs into class scores
(:meth:`~neuronkit.losses.Loss.decode`, what ``fit``/``evaluate`` take the accuracy from):

==========================  ===============================================  =============  ============================
name                        loss of one sample (s: spikes, v: membranes)     decoder        snnTorch
==========================  ===============================================  =============  ============================
``rate_cross_entropy``      mean over t of -log softmax(s_t)[y]              rate           ``ce_rate_loss()``
``count_cross_entropy``     -log softmax(Σ_t s_t)[y]                         count          ``ce_count_loss()``
``count_mse``               mean over c of (Σ_t s_t[c] - n_c)² / T           count          ``mse_count_loss(…)``
``membrane_cross_entropy``  -log softmax(max_t v_t)[y]                       max_membrane   ``ce_max_membrane_loss()``
==========================  ===============================================  =============  ============================

where the target counts of ``count_mse`` are n_y = int(T·correct_rate) for the correct class and
int(T·incorrect_rate) for the others.

The values and the gradients with respect to the spikes (or membranes) are snnTorch's
(``snntorch.functional``), checked in ``tests/test_spiking_codec_snntorch.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor, ops
from ..errors import ShapeError
from ..losses import Loss, register
from ..validation import check_class_indices, check_number
from .decoders import get_decoder

__all__ = ["CountCrossEntropy", "CountMSE", "MembraneCrossEntropy", "RateCrossEntropy", "SpikeLoss"]


class SpikeLoss(Loss):
    """Base class of the spike losses: outputs (T, batch, classes), targets integer classes (batch,).

    Subclasses name their ``decoder`` and define ``forward`` and ``weighted`` (or ``elementwise``).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.losses import RateCrossEntropy
    >>> loss = RateCrossEntropy()
    >>> spikes = np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.0, 1.0]], [[1.0, 0.0]]])   # T=4, one sample, 2 classes
    >>> loss.decode(spikes)                                                          # the firing rates
    array([[0.75, 0.5 ]])
    """

    task = "classification"
    #: the name of the decoder (in neuronkit.spiking.decoders.DECODERS) that turns outputs into class scores
    decoder = "rate"

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """Class scores (batch, classes) from outputs (T, batch, classes): ``self.decoder``'s reduction over time."""
        return get_decoder(self.decoder)(outputs)

    def _time_major(self, prediction: Tensor) -> Tensor:
        if prediction.ndim != 3 or prediction.shape[0] == 0:
            raise ShapeError(f"loss {self.name!r} takes time-major outputs (T, batch, classes) with T >= 1; got shape "
                             f"{prediction.shape}. A spiking network puts time first (its first layer is an encoder "
                             "such as nk.spiking.RateEncoder); for a network without a time axis use cross_entropy")
        return prediction

    def _target(self, prediction: Tensor, target: Any) -> np.ndarray:
        prediction = self._time_major(prediction)
        y = np.asarray(target.data if isinstance(target, Tensor) else target)
        batch, classes = prediction.shape[1], prediction.shape[2]
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (batch,):
            raise ShapeError(f"loss {self.name!r} takes one integer class per sample, shape ({batch},) for outputs of "
                             f"shape {prediction.shape} (T, batch, classes); got targets of shape {y.shape}")
        return check_class_indices(y, classes, name="target", owner=f"loss {self.name!r}",
                                   where=f"the outputs have {classes} classes (their last axis)")


    def _weight(self, prediction: Tensor, weight: Any) -> np.ndarray:
        # one weight per sample, and the samples are axis 1 of the outputs (T, batch, classes)
        return super()._weight(Tensor(self._time_major(prediction).data[0]), weight)


def _repeat_over_time(target: np.ndarray, weight: np.ndarray | None, steps: int) -> tuple[Any, Any]:
    """Targets and weights of the (T·B) rows of outputs (T, B, C) reshaped to (T·B, C)."""
    return np.tile(target, steps), (None if weight is None else np.tile(weight, steps))


class RateCrossEntropy(SpikeLoss):
    r"""Cross-entropy of the spikes at every step, averaged over the steps (snnTorch's ``ce_rate_loss``).

    .. math:: L = \frac{1}{B}\sum_b \frac{1}{T}\sum_t -\log \operatorname{softmax}(s_{t,b})_{y_b},
        \qquad \frac{\partial L}{\partial s_{t,b,c}} = \frac{\operatorname{softmax}(s_{t,b})_c - [c = y_b]}{TB}

    It pushes the correct class to fire at every step and the others to stay silent. Decoder: ``rate``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> spikes = nk.Tensor(np.array([[[1.0, 0.0]], [[0.0, 0.0]]]), requires_grad=True)   # T=2, B=1, C=2
    >>> loss = nk.get_loss("rate_cross_entropy")(spikes, [0])
    >>> round(loss.item(), 4)                          # (log(1 + 1/e) + log 2) / 2
    0.5032
    >>> loss.backward(); spikes.grad.round(4)[:, 0]
    array([[-0.1345,  0.1345],
           [-0.25  ,  0.25  ]])
    """

    name = "rate_cross_entropy"
    decoder = "rate"

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        steps, batch, classes = self._time_major(prediction).shape
        rows, _ = _repeat_over_time(target, None, steps)
        return ops.softmax_cross_entropy(ops.reshape(prediction, (steps * batch, classes)), rows)

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        steps, batch, classes = self._time_major(prediction).shape
        rows, row_weights = _repeat_over_time(target, weight, steps)
        return ops.softmax_cross_entropy(ops.reshape(prediction, (steps * batch, classes)), rows, row_weights)


class CountCrossEntropy(SpikeLoss):
    r"""Cross-entropy of the spike counts (snnTorch's ``ce_count_loss``).

    .. math:: L = \frac{1}{B}\sum_b -\log \operatorname{softmax}\Big(\sum_t s_{t,b}\Big)_{y_b}

    Decoder: ``count``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> spikes = np.array([[[1.0, 0.0]], [[1.0, 0.0]]])            # class 0 fired twice: counts (2, 0)
    >>> round(nk.get_loss("count_cross_entropy")(nk.Tensor(spikes), [0]).item(), 4)   # log(1 + e^-2)
    0.1269
    """

    name = "count_cross_entropy"
    decoder = "count"

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(ops.sum_(self._time_major(prediction), axis=0), target)

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(ops.sum_(self._time_major(prediction), axis=0), target, weight)


class MembraneCrossEntropy(SpikeLoss):
    r"""Cross-entropy of the highest membrane potential of each output (snnTorch's ``ce_max_membrane_loss``).

    .. math:: L = \frac{1}{B}\sum_b -\log \operatorname{softmax}\Big(\max_t v_{t,b}\Big)_{y_b}

    For a leaky-integrator readout (``LI``), whose output is its membrane (T, B, C). The gradient
    reaches the step of each maximum (shared equally on exact ties; snnTorch gives it to one of them).
    Decoder: ``max_membrane``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> membranes = np.array([[[0.5, 0.0]], [[1.0, 0.2]], [[0.3, 0.0]]])    # maxima (1.0, 0.2)
    >>> round(nk.get_loss("membrane_cross_entropy")(nk.Tensor(membranes), [1]).item(), 4)   # log(1 + e^0.8)
    1.1711
    """

    name = "membrane_cross_entropy"
    decoder = "max_membrane"

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(ops.max_(self._time_major(prediction), axis=0), target)

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(ops.max_(self._time_major(prediction), axis=0), target, weight)


class CountMSE(SpikeLoss):
    r"""Squared error between spike counts and target counts, per step (snnTorch's ``mse_count_loss``).

    .. math:: L = \frac{1}{T}\cdot\frac{1}{BC}\sum_{b,c}\Big(\sum_t s_{t,b,c} - n_{b,c}\Big)^2, \qquad
        n_{b,c} = \begin{cases}\lfloor T\cdot\text{correct\_rate}\rfloor & c = y_b \\
        \lfloor T\cdot\text{incorrect\_rate}\rfloor & \text{otherwise}\end{cases}

    The correct class should fire at ``correct_rate`` of the steps, the others at ``incorrect_rate``
    (defaults 0.8 and 0.2, the values of snnTorch's tutorials; its class defaults are 1 and 0). Decoder:
    ``count``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> spikes = np.ones((5, 1, 2))                     # both classes fired 5 times; targets 4 and 1
    >>> round(nk.get_loss("count_mse")(nk.Tensor(spikes), [0]).item(), 6)     # ((5-4)² + (5-1)²) / 2 / 5
    1.7
    """

    name = "count_mse"
    decoder = "count"

    def __init__(self, correct_rate: float = 0.8, incorrect_rate: float = 0.2) -> None:
        self.correct_rate = check_number(correct_rate, "correct_rate", low=0.0, high=1.0, owner="count_mse")
        self.incorrect_rate = check_number(incorrect_rate, "incorrect_rate", low=0.0, high=1.0, owner="count_mse")

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "correct_rate": self.correct_rate, "incorrect_rate": self.incorrect_rate}

    def __repr__(self) -> str:
        return f"CountMSE(correct_rate={self.correct_rate:g}, incorrect_rate={self.incorrect_rate:g})"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        steps, batch, classes = self._time_major(prediction).shape
        # snnTorch's int(): the target counts are whole numbers of spikes
        on, off = int(steps * self.correct_rate), int(steps * self.incorrect_rate)
        wanted = np.full((batch, classes), off, dtype=prediction.dtype)
        wanted[np.arange(batch), target] = on
        diff = ops.sum_(prediction, axis=0) - wanted
        return diff * diff * (1.0 / steps)


# Registered in the one loss registry. neuronkit.losses cannot import this module (it imports
# neuronkit.losses for Loss: that would be a cycle); instead it names this module as a provider of
# losses and imports it by name the first time a loss name is not found (the providers of losses.LOSSES).
for _cls, _alias in ((RateCrossEntropy, "ce_rate_loss"), (CountCrossEntropy, "ce_count_loss"),
                     (CountMSE, "mse_count_loss"), (MembraneCrossEntropy, "ce_max_membrane_loss")):
    register(_cls.name, _cls, aliases=(_alias,))
