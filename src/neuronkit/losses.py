"""Loss functions: one registry; every loss is the mean over the batch.

================  ===================================================  =====================
name (aliases)    value                                                prediction / target
================  ===================================================  =====================
mse               mean((p - y)²)                                        any shape, same shape
mae (l1)          mean(|p - y|)                                         same
huber             mean(½d² if |d| <= δ else δ(|d| - ½δ)), d = p - y     same (δ = 1.0)
bce               mean(softplus(s) - y·s), s = logits                   logits, y in {0, 1}
cross_entropy     mean(-log softmax(s)[y])                              logits (N, C), y int (N,)
================  ===================================================  =====================

``bce`` and ``cross_entropy`` take *logits* (the potentials before the
sigmoid/softmax) and are computed stably (fused log-softmax; softplus). When a
network ends in a softmax (or sigmoid) neuron layer, training feeds these
losses the logits: :attr:`Loss.output_activation` says which activation the
loss already contains.

>>> import neuronkit as nk
>>> get_loss("mse")(nk.Tensor([1.0, 2.0]), [0.0, 0.0]).item()
2.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Tensor, as_tensor, ops
from .errors import ParameterError, ShapeError


class Loss:
    """Base class: ``__call__(prediction, target, weight=None) -> scalar Tensor`` (mean over the batch).

    A loss defines ``elementwise(prediction, target)`` (the loss of each output value) and
    inherits the mean (``forward``) and the sample-weighted mean (``weighted``:
    ``Σᵢ wᵢ lᵢ / Σᵢ wᵢ``, where lᵢ is sample i's mean over its outputs, as scikit-learn's
    MLP weighs samples). A loss may override ``forward`` or ``weighted`` with a fused form.
    """

    name = "loss"
    #: the output activation that this loss applies internally (None = takes outputs as they are)
    output_activation: str | None = None
    #: "regression" or "classification"
    task = "regression"

    def __call__(self, prediction: Tensor, target: Any, weight: Any = None) -> Tensor:
        prediction = as_tensor(prediction)
        target = self._target(prediction, target)
        if weight is None:
            return self.forward(prediction, target)
        return self.weighted(prediction, target, self._weight(prediction, weight))

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        raise NotImplementedError(f"loss {self.name!r} defines no elementwise(prediction, target); "
                                  "define it (or forward and weighted) in the subclass")

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return self.elementwise(prediction, target).mean()

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        """``Σᵢ wᵢ lᵢ / Σᵢ wᵢ`` over samples (0 if every weight is 0); ``weight`` has shape (N,)."""
        values = self.elementwise(prediction, target)
        total = float(weight.sum())
        per_output = values.size // max(len(weight), 1)
        scale = (weight / ((total if total > 0 else 1.0) * per_output)).astype(values.dtype)
        return (values * scale.reshape((-1,) + (1,) * (values.ndim - 1))).sum()

    def _weight(self, prediction: Tensor, weight: Any) -> np.ndarray:
        w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
        n = prediction.shape[0] if prediction.ndim else 1
        if w.shape != (n,):
            raise ShapeError(f"loss {self.name!r}: sample weights must have shape ({n},), one per sample; "
                             f"got shape {w.shape}")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            raise ParameterError(f"loss {self.name!r}: sample weights must be finite and >= 0")
        return w

    def _target(self, prediction: Tensor, target: Any) -> np.ndarray:
        y = np.asarray(target.data if isinstance(target, Tensor) else target, dtype=prediction.dtype)
        if y.shape != prediction.shape:
            if y.size != prediction.size:
                raise ValueError(f"loss {self.name!r}: target has shape {y.shape} but the prediction has shape "
                                 f"{prediction.shape}; give one target per output value")
            y = y.reshape(prediction.shape)
        return y

    def config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error: mean((p - y)²); gradient 2(p - y)/n."""

    name = "mse"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        diff = prediction - target
        return diff * diff


class MAE(Loss):
    """Mean absolute error: mean(|p - y|); gradient sign(p - y)/n (0 where p = y)."""

    name = "mae"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.absolute(prediction - target)


class Huber(Loss):
    """Huber loss with threshold δ (default 1.0): quadratic near 0, linear beyond δ."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        if not isinstance(delta, (int, float)) or isinstance(delta, bool) or delta <= 0:
            raise ValueError(f"huber delta must be a positive number; got {delta!r}")
        self.delta = float(delta)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "delta": self.delta}

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        d = prediction - target
        a = ops.absolute(d)
        quadratic = d * d * 0.5
        linear = (a - 0.5 * self.delta) * self.delta
        return ops.where(a.data <= self.delta, quadratic, linear)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy from logits s: mean(softplus(s) - y·s) = mean(-y log σ(s) - (1-y) log(1-σ(s)))."""

    name = "bce"
    output_activation = "sigmoid"
    task = "classification"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        if np.any((target < 0) | (target > 1)):
            raise ValueError("loss 'bce': targets must be probabilities in [0, 1] (usually 0 or 1); "
                             f"got values from {target.min():g} to {target.max():g}")
        return ops.softplus(prediction) - prediction * target


class CrossEntropy(Loss):
    """Cross-entropy from logits (N, C) and integer classes (N,): mean(-log softmax(s)[y]) (fused)."""

    name = "cross_entropy"
    output_activation = "softmax"
    task = "classification"

    def _target(self, prediction: Tensor, target: Any) -> np.ndarray:
        y = np.asarray(target.data if isinstance(target, Tensor) else target)
        if prediction.ndim != 2:
            raise ValueError(f"loss 'cross_entropy' takes logits of shape (batch, classes); got {prediction.shape}")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (prediction.shape[0],):
            raise ValueError(f"loss 'cross_entropy' takes one integer class per sample, shape ({prediction.shape[0]},);"
                             f" got shape {y.shape}")
        if y.dtype.kind == "f":
            if not np.all(y == np.round(y)):
                raise ValueError("loss 'cross_entropy': targets must be integer class indices, not probabilities")
            y = y.astype(np.intp)
        if y.dtype.kind not in "iu":
            raise ValueError(f"loss 'cross_entropy': targets must be integer class indices; got dtype {y.dtype}")
        n_classes = prediction.shape[1]
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"loss 'cross_entropy': class indices must be in [0, {n_classes}); "
                             f"got values from {y.min()} to {y.max()}")
        return y

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(prediction, target)

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(prediction, target, weight)


LOSSES: dict[str, type[Loss]] = {}
ALIASES = {"l2": "mse", "mean_squared_error": "mse", "squared_error": "mse", "l1": "mae",
           "mean_absolute_error": "mae", "binary_cross_entropy": "bce", "log_loss": "cross_entropy",
           "binary_crossentropy": "bce", "ce": "cross_entropy", "categorical_crossentropy": "cross_entropy",
           "crossentropy": "cross_entropy", "smooth_l1": "huber"}


def register(name: str, cls: type[Loss]) -> None:
    LOSSES[name] = cls


for _cls in (MSE, MAE, Huber, BinaryCrossEntropy, CrossEntropy):
    register(_cls.name, _cls)


def available() -> list[str]:
    return sorted(LOSSES)


def get_loss(spec: str | Loss | dict, **options: Any) -> Loss:
    """Look up a loss by name (options such as ``delta=`` are passed on) or accept an instance."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        return get_loss(spec.pop("name"), **spec)
    if not isinstance(spec, str):
        raise TypeError(f"loss must be a name or a Loss; got {spec!r}")
    key = spec.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in LOSSES:
        raise ValueError(f"unknown loss {spec!r}; valid names are: {', '.join(available())} "
                         f"(aliases: {', '.join(sorted(ALIASES))})")
    return LOSSES[key](**options)
