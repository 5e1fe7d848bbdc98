r"""ANN -> SNN conversion: a trained ReLU network becomes integrate-and-fire neurons with the same weights, rescaled.

A ReLU neuron's activation :math:`a = \max(0, w \cdot x + b)` and the firing rate of an
integrate-and-fire neuron (no leak, :math:`\beta = 1`; threshold :math:`\theta = 1`; reset by
subtraction) fed the same current at every step agree: the membrane gains :math:`w \cdot x + b`
per step and loses 1 per spike, so over T steps it fires :math:`\approx T \min(1, a)` times — the
rate is the activation, clipped at one spike per step (Cao et al. 2015; Diehl et al. 2015).
Conversion keeps the weights and fixes the one thing that differs, the scale: layer l's
activations are divided by :math:`\lambda_l`, the ``percentile``-th percentile of its positive
activations on calibration data (data-based normalisation; Rueckauer et al. 2017 take the 99.9th,
so that a few outliers do not make every other neuron fire slowly), which puts almost all rates
below 1:

.. math::

    W'_l = W_l \, \frac{\lambda_{l-1}}{\lambda_l}, \qquad b'_l = \frac{b_l}{\lambda_l}, \qquad
    r_l \approx \min\!\Big(1, \frac{a_l}{\lambda_l}\Big)

:math:`\lambda_0 = 1`, whatever the input's range: the input is fed as a constant current
(:class:`~neuronkit.spiking.encoders.CurrentEncoder`, :math:`I_t = x` at every step), not as
spikes, so it has no rate to keep below 1; the first layer's current is then exactly the ANN's
:math:`W_1 x + b_1`, divided by :math:`\lambda_1`. (With spike-coded input, pixels in [0, 1] would be
rates already, :math:`\lambda_0 = 1` again; a wider input would need :math:`\lambda_0 = \max x`.)

The converted network is an :class:`~neuronkit.Sequential`: ``CurrentEncoder(steps)``, then one
:class:`~neuronkit.spiking.layers.SpikingDense` per Dense layer of the ANN, under the same name,
with ``LIF(beta=1.0, threshold=1.0, reset="subtract")`` neurons. Its output ``(T, batch, classes)``
is, by default, the membranes of ``LI(beta=1.0)`` integrators in the output layer
(``readout="membrane"``: the class whose input current has summed highest wins; the
``max_membrane`` decoder, ``nk.evaluate(snn, X, y, loss="membrane_cross_entropy")``), or the
output layer's spikes (``readout="spikes"``: the class that fires most often wins; the ``count``
decoder, ``loss="count_cross_entropy"``). Both were tried (``bench/bench_snn_conversion.py``,
digits, 3 splits): equal from T = 100 on, where both are within 0.1 point of the ANN; at T = 10
the membrane readout is half a point better (a class needs whole spikes to win by count, and at
small T many outputs have fired as often as each other), so it is the default.
:func:`conversion_report` gives the accuracy against T.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import eval_mode, no_grad
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..layers.base import Module, label
from ..layers.dense import Dense
from ..layers.dropout import Dropout
from ..layers.norm import BatchNorm
from ..layers.sequential import Sequential
from ..layers.shape import Activation
from ..validation import (
    check_array,
    check_choice,
    check_class_indices,
    check_consistent_length,
    check_int,
    check_number,
    must_be,
)
from .encoders import CurrentEncoder
from .layers import SpikingDense
from .neurons import LI, LIF
from .record import record

__all__ = ["ConversionReport", "activation_scales", "conversion_report", "convert"]

#: the ANN layers conversion understands, for messages
_UNDERSTOOD = ("Dense (relu; the last one identity, softmax or relu), Activation('relu'), BatchNorm (folded into "
               "the Dense before or after it) and Dropout (dropped)")


@dataclass
class _Stage:
    """One Dense layer of the ANN with everything folded into it: y = f(x Wᵀ + b), f = relu or the output's."""

    name: str
    weight: np.ndarray  # (out, in), float64
    bias: np.ndarray  # (out,), float64
    relu: bool = False  # is a ReLU applied (always for a hidden layer)
    closed: bool = False  # has its nonlinearity (or the end of the network) been seen?
    dtype: Any = np.float32


def _network(model: Any) -> Sequential:
    """The Sequential inside ``model`` (itself, or a fitted estimator's ``network_``)."""
    network = getattr(model, "network_", model)
    if not isinstance(network, Sequential):
        raise ParameterTypeError(must_be("model", "a trained nk.Sequential of Dense ReLU layers (or a fitted "
                                         "estimator, whose network_ is one)", type(model).__name__, "convert"))
    return network


def _refuse(layer: Module, why: str) -> ParameterError:
    return ParameterError(f"convert: layer {label(layer)!r} ({type(layer).__name__}) {why}. Conversion takes a ReLU "
                          f"network of {_UNDERSTOOD}")


def _batchnorm_affine(layer: BatchNorm) -> tuple[np.ndarray, np.ndarray]:
    """BatchNorm in eval mode as y = a·x + c (per feature)."""
    a = layer.gamma.data.astype(np.float64) / np.sqrt(layer.running_var.astype(np.float64) + layer.eps)
    c = layer.beta.data.astype(np.float64) - a * layer.running_mean.astype(np.float64)
    return a, c


def _stages(model: Any) -> list[_Stage]:
    """The ANN as a list of folded Dense stages; a layer conversion cannot take is refused, by name and why."""
    network = _network(model)
    stages: list[_Stage] = []
    pending: tuple[np.ndarray, np.ndarray] | None = None  # an affine map x -> a·x + c on the next Dense's input
    for layer in network:
        open_stage = stages[-1] if stages and not stages[-1].closed else None
        if isinstance(layer, Dense):
            if open_stage is not None:
                raise _refuse(layer, f"follows {open_stage.name!r}, which has no ReLU after it: every Dense but the "
                              "last needs activation='relu' (or an Activation('relu') layer after it)")
            if stages and not stages[-1].relu:
                raise _refuse(layer, f"follows the output layer {stages[-1].name!r} (softmax)")
            activation = layer.activation.name
            if activation not in ("relu", "identity", "softmax"):
                raise _refuse(layer, f"has activation {activation!r}: an integrate-and-fire neuron's rate is a ReLU "
                              "(it cannot be negative and it grows linearly with the input current); retrain with "
                              "activation='relu' (the output layer may be 'identity' or 'softmax')")
            weight = layer.weight.data.astype(np.float64)
            bias = np.zeros(layer.out_features) if layer.bias is None else layer.bias.data.astype(np.float64)
            if pending is not None:  # a BatchNorm before this layer: W (a x + c) + b
                a, c = pending
                bias = bias + weight @ c
                weight = weight * a
                pending = None
            stages.append(_Stage(str(layer.name), weight, bias, relu=activation == "relu",
                                 closed=activation != "identity", dtype=layer.dtype))
        elif isinstance(layer, Activation):
            name = layer.activation.name
            if name == "identity":
                continue
            if name not in ("relu", "softmax"):
                raise _refuse(layer, f"applies {name!r}: an integrate-and-fire neuron's rate is a ReLU; retrain with "
                              "'relu'")
            if open_stage is None:
                if name == "relu" and stages and stages[-1].relu:
                    continue  # relu(relu(z)) = relu(z)
                raise _refuse(layer, f"applies {name!r} to what is not the output of a Dense layer")
            open_stage.relu, open_stage.closed = name == "relu", True
        elif isinstance(layer, BatchNorm):
            a, c = _batchnorm_affine(layer)
            if open_stage is not None:  # Dense -> BatchNorm -> ReLU: fold into the Dense's weights and bias
                open_stage.weight = open_stage.weight * a[:, None]
                open_stage.bias = open_stage.bias * a + c
            elif stages and not stages[-1].relu:
                raise _refuse(layer, "comes after the output layer's softmax")
            else:  # after a ReLU (or first): fold into the next Dense's inputs
                pending = (a, c) if pending is None else (pending[0] * a, pending[1] * a + c)
        elif isinstance(layer, Dropout):
            continue  # the identity in eval mode
        else:
            raise _refuse(layer, "cannot be converted yet")
    if not stages:
        raise ParameterError(f"convert: the network has no Dense layer; conversion takes a ReLU network of "
                             f"{_UNDERSTOOD}")
    if pending is not None:
        raise ParameterError("convert: the network ends with a BatchNorm after its last ReLU; put the output Dense "
                             "layer last")
    out = stages[-1]
    out.closed = True
    if out.weight.shape[0] < 2:
        raise ParameterError(f"convert: the output layer {out.name!r} has {out.weight.shape[0]} neuron; a converted "
                             "network is a classifier whose output neuron that fires most (or integrates most) names "
                             "the class, so it needs one output neuron per class (>= 2)")
    return stages


def _check_calibration(X: Any, stages: list[_Stage], what: str, owner: str) -> np.ndarray:
    width = stages[0].weight.shape[1]
    X = check_array(X, what, ndim=None, dtype=np.float64, owner=owner)
    if X.ndim != 2 or X.shape[1] != width:
        raise ShapeError(f"{owner}: {what} must have shape (n_samples, {width}) (layer {stages[0].name!r} takes "
                         f"{width} inputs); got shape {X.shape}")
    return X


def _percentile(p: Any, owner: str) -> float:
    return check_number(p, "percentile", low=0.0, high=100.0, low_open=True, owner=owner)


def _scales(stages: list[_Stage], X: np.ndarray, percentile: float) -> list[float]:
    """λ_l for each stage: the percentile of its positive activations (ReLU'd potentials) on X; 1 if none is > 0."""
    scales = []
    a = X
    for stage in stages:
        a = np.maximum(a @ stage.weight.T + stage.bias, 0.0)  # (the output's potentials too: its rates are relu)
        positive = a[a > 0]
        scales.append(float(np.percentile(positive, percentile)) if positive.size else 1.0)
    return scales


def activation_scales(model: Any, X_calibration: Any, *, percentile: float = 99.9) -> dict[str, float]:
    r"""The normalisation scale :math:`\lambda_l` of each Dense layer: the ``percentile``-th percentile of its positive
    ReLU activations on ``X_calibration``.

    Zeros are left out (as in Rueckauer et al.'s SNN toolbox): in a ReLU layer most values are 0,
    and a percentile over them all would say little about how fast the active neurons fire. A
    layer with no positive activation gets 1. BatchNorm layers are folded first; the output layer's
    scale is taken over its positive potentials (before softmax). ``percentile=100`` is the maximum
    (Diehl et al. 2015).

    Parameters
    ----------
    model : Sequential
        A trained ReLU network (see :func:`convert`).
    X_calibration : array (n_samples, in_features)
        Data like the training data (a few hundred samples are enough).
    percentile : float in (0, 100]

    Returns
    -------
    dict
        ``{layer name: λ}`` in layer order.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(1, 2, seed=0), nk.Dense(2, 2, activation="identity", seed=0))
    >>> net["hidden1"].weight.data[:] = [[1.0], [-1.0]]; net["hidden1"].bias.data[:] = 0.0
    >>> X = np.array([[1.0], [2.0], [4.0], [-3.0]])        # hidden1's positive activations: 1, 2, 4, 3
    >>> nk.spiking.activation_scales(net, X, percentile=100)["hidden1"]
    4.0
    >>> nk.spiking.activation_scales(net, X, percentile=50)["hidden1"]     # the median of 1, 2, 3, 4
    2.5
    """
    stages = _stages(model)
    X = _check_calibration(X_calibration, stages, "X_calibration", "activation_scales")
    return dict(zip((s.name for s in stages), _scales(stages, X, _percentile(percentile, "activation_scales"))))


def convert(model: Any, X_calibration: Any, *, steps: int = 100, percentile: float = 99.9, reset: str = "subtract",
            readout: str = "membrane", name: str | None = None) -> Sequential:
    r"""A spiking network of integrate-and-fire neurons that computes what a trained ReLU network does.

    Each Dense layer l becomes a :class:`~neuronkit.spiking.layers.SpikingDense` of the same name
    and size with weights :math:`W_l \lambda_{l-1} / \lambda_l` and bias :math:`b_l / \lambda_l`
    (:func:`activation_scales`; :math:`\lambda_0 = 1`, see the module's text) and neurons
    ``LIF(beta=1.0, threshold=1.0, reset=reset)``: integrate-and-fire, no leak. A
    :class:`~neuronkit.spiking.encoders.CurrentEncoder` first feeds each sample as a constant
    current for ``steps`` steps. BatchNorm layers are folded into the Dense layer before them (when
    a ReLU follows) or after them; Dropout is left out.

    Parameters
    ----------
    model : Sequential or fitted estimator
        A trained ReLU network: Dense layers with ``activation="relu"`` (or an ``Activation("relu")``
        after each), the last one ``"identity"``, ``"softmax"`` or ``"relu"``, with at least 2
        outputs (one per class). Anything else (tanh, sigmoid, convolutions, ...) is refused, naming
        the layer.
    X_calibration : array (n_samples, in_features)
        Data to set the scales on (training data; a few hundred samples do).
    steps : int >= 1
        T, the steps the encoder gives each sample (the accuracy grows with T; see :func:`conversion_report`).
    percentile : float in (0, 100]
        Which percentile of each layer's positive activations becomes its scale λ (100: the maximum).
    reset : "subtract" or "zero"
        What a spike does to the membrane: subtract the threshold (keeps the charge above it, so the
        rate stays proportional to the current: the accurate choice), or set it to 0 (loses that charge).
    readout : "membrane" or "spikes"
        The output layer: ``LI(beta=1.0)`` integrators whose membrane (the summed current) names
        the class (the default: better at small T), or integrate-and-fire neurons whose spike
        count does.
    name : str, optional
        The converted network's name.

    Returns
    -------
    Sequential
        ``encoder1`` (CurrentEncoder), then the ANN's layer names; input (batch, in_features),
        output (T, batch, classes): spikes (readout ``"spikes"``) or membranes (``"membrane"``).

    Examples
    --------
    One ReLU neuron with activation 0.5 and an output layer: the hidden neuron's rate becomes 0.5 / λ:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> ann = nk.Sequential(nk.Dense(1, 1, seed=0), nk.Dense(1, 2, activation="identity", seed=0))
    >>> ann["hidden1"].weight.data[:] = 1.0; ann["hidden1"].bias.data[:] = 0.0
    >>> ann["output"].weight.data[:] = [[1.0], [-1.0]]; ann["output"].bias.data[:] = 0.0
    >>> snn = nk.spiking.convert(ann, [[1.0], [0.5]], steps=20, percentile=100)   # λ_hidden1 = 1
    >>> [layer.name for layer in snn]
    ['encoder1', 'hidden1', 'output']
    >>> with nk.spiking.record("hidden1") as rec:
    ...     membranes = snn.infer(np.array([[0.5]], dtype=np.float32))
    >>> int(rec["hidden1"]["spikes"].sum())             # 9 spikes in 20 steps: the rate 0.45 ≈ 0.5 / λ
    9
    >>> membranes[-1]                                   # the output integrators: ±1 per hidden spike
    array([[ 9., -9.]], dtype=float32)
    >>> spiking = nk.spiking.convert(ann, [[1.0], [0.5]], steps=20, percentile=100, readout="spikes")
    >>> spiking.infer(np.array([[0.5]], dtype=np.float32)).sum(axis=0)    # spike counts: class 0 fires
    array([[8., 0.]], dtype=float32)
    """
    owner = "convert"
    stages = _stages(model)
    steps = check_int(steps, "steps", low=1, owner=owner)
    percentile = _percentile(percentile, owner)
    reset = check_choice(reset, "reset", ("subtract", "zero"), owner=owner)
    readout = check_choice(readout, "readout", ("spikes", "membrane"), owner=owner)
    if name is not None and not isinstance(name, str):
        raise ParameterTypeError(must_be("name", "a string or None", name, owner))
    X = _check_calibration(X_calibration, stages, "X_calibration", owner)
    scales = _scales(stages, X, percentile)
    layers: list[Any] = [CurrentEncoder(steps)]
    previous = 1.0  # λ_0: the input is a current, not spikes
    for i, (stage, scale) in enumerate(zip(stages, scales)):
        last = i == len(stages) - 1
        dtype = stage.dtype
        if last and readout == "membrane":
            neuron: Any = LI(beta=1.0, dtype=dtype)
        else:
            neuron = LIF(beta=1.0, threshold=1.0, reset=reset, dtype=dtype)
        out_features, in_features = stage.weight.shape
        layer = SpikingDense(in_features, out_features, neuron=neuron, init="zeros", name=stage.name, dtype=dtype)
        layer.synapse.weight.data[...] = stage.weight * (previous / scale)
        layer.synapse.bias.data[...] = stage.bias / scale
        layers.append(layer)
        previous = scale
    snn = Sequential(*layers)
    snn.name = name
    return snn


@dataclass
class ConversionReport:
    """The accuracy of a converted network against the number of steps T, and the ANN's: :func:`conversion_report`.

    ``str(report)`` is a table; ``to_dict()`` is JSON-able.

    Examples
    --------
    >>> from neuronkit.spiking.conversion import ConversionReport
    >>> report = ConversionReport(ann_accuracy=0.96, steps=(10, 100), snn_accuracy=(0.7, 0.955))
    >>> print(report)
    steps T  SNN accuracy  ANN - SNN
    -------------------------------
         10        0.7000     0.2600
        100        0.9550     0.0050
    ANN accuracy: 0.9600 (readout: spikes)
    >>> report.gap(100)
    0.0050000000000000044
    """

    ann_accuracy: float
    steps: tuple[int, ...]
    snn_accuracy: tuple[float, ...]
    readout: str = "spikes"
    #: mean firing rate (spikes per neuron per step) of each spiking layer over the run at the largest T
    rates: dict[str, float] = field(default_factory=dict)

    def gap(self, steps: int) -> float:
        """ANN accuracy minus SNN accuracy at ``steps`` (one of the steps measured)."""
        if steps not in self.steps:
            raise ParameterError(must_be("steps", f"one of the steps measured {self.steps}", steps,
                                         "ConversionReport.gap"))
        return self.ann_accuracy - self.snn_accuracy[self.steps.index(steps)]

    def to_dict(self) -> dict[str, Any]:
        return {"ann_accuracy": self.ann_accuracy, "steps": list(self.steps), "snn_accuracy": list(self.snn_accuracy),
                "readout": self.readout, "rates": dict(self.rates)}

    def __str__(self) -> str:
        lines = ["steps T  SNN accuracy  ANN - SNN", "-" * 31]
        lines += [f"{t:>7}  {a:>12.4f}  {self.ann_accuracy - a:>9.4f}" for t, a in zip(self.steps, self.snn_accuracy)]
        lines.append(f"ANN accuracy: {self.ann_accuracy:.4f} (readout: {self.readout})")
        return "\n".join(lines)


def _readout(snn: Sequential) -> str:
    last = list(snn)[-1]
    return "membrane" if isinstance(getattr(last, "neuron", None), LI) else "spikes"


def _scores_over_time(snn: Sequential, X: np.ndarray, readout: str, steps: Sequence[int],
                      spikes: dict[str, float]) -> np.ndarray:
    """Class scores (len(steps), batch, classes) of the first t steps for each t, from one run of max(steps) steps.

    The network is causal, so the first t steps of a run of T >= t steps are a run of t steps.
    """
    layers = list(snn)
    T = max(steps)
    h: Any = np.repeat(X[None], T, axis=0)  # the constant current of every step (the encoder's job, for T)
    names = [str(layer.name) for layer in layers[1:]]
    with record(*names) as rec:
        for layer in layers[1:]:
            h = layer.infer(h)
    for name in names:
        if "spikes" in rec.get(name, {}):
            spikes[name] = spikes.get(name, 0.0) + float(rec[name]["spikes"].sum(dtype=np.float64))
    index = np.asarray(steps) - 1
    if readout == "spikes":
        return np.cumsum(h, axis=0)[index]
    return np.maximum.accumulate(h, axis=0)[index]  # the max_membrane decoder over the first t steps


def conversion_report(model: Any, snn: Sequential, X: Any, y: Any, *,
                      steps: Iterable[int] = (10, 25, 50, 100, 200), batch_size: int = 256) -> ConversionReport:
    """The accuracy of the converted network ``snn`` on (X, y) after each number of steps T, and the ANN's.

    The spiking network runs once for the largest T; its class scores after t steps (spike counts,
    or the highest membrane so far for a membrane readout) give the accuracy at each T (a run of t
    steps is the first t steps of a longer one). The encoder's own ``steps`` is not used, nor changed.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> ann = nk.Sequential(nk.Dense(1, 1, seed=0), nk.Dense(1, 2, activation="identity", seed=0))
    >>> ann["hidden1"].weight.data[:] = 1.0; ann["hidden1"].bias.data[:] = 0.0
    >>> ann["output"].weight.data[:] = [[1.0], [-1.0]]; ann["output"].bias.data[:] = [0.0, 0.3]
    >>> X, y = np.array([[0.1], [0.5], [1.0]]), np.array([1, 0, 0])
    >>> snn = nk.spiking.convert(ann, X, percentile=100, readout="spikes")
    >>> report = nk.spiking.conversion_report(ann, snn, X, y, steps=(2, 20))
    >>> report.ann_accuracy, report.snn_accuracy
    (1.0, (0.6666666666666666, 1.0))
    """
    owner = "conversion_report"
    stages = _stages(model)
    if not isinstance(snn, Sequential) or not getattr(next(iter(snn)), "makes_time_axis", False):
        raise ParameterTypeError(must_be("snn", "a converted network (from nk.spiking.convert)", type(snn).__name__,
                                         owner))
    X = _check_calibration(X, stages, "X", owner)
    classes = stages[-1].weight.shape[0]
    y = check_class_indices(y, classes, owner=owner, where=f"the output layer has {classes} neurons")
    check_consistent_length(X, y, owner=owner)
    lengths = (steps,) if isinstance(steps, (int, np.integer)) else tuple(steps)
    if not lengths:
        raise ParameterError(must_be("steps", "a non-empty list of step counts", steps, owner))
    measured = tuple(check_int(t, "steps", low=1, owner=owner) for t in lengths)
    batch_size = check_int(batch_size, "batch_size", low=1, owner=owner)
    network = _network(model)
    dtype = stages[0].dtype
    readout = _readout(snn)
    correct_ann = 0
    correct = np.zeros(len(measured))
    spikes: dict[str, float] = {}  # spikes per layer over the whole run
    with no_grad(), eval_mode():
        for start in range(0, len(X), batch_size):
            xb, yb = X[start:start + batch_size].astype(dtype), y[start:start + batch_size]
            correct_ann += int((network.infer(xb).argmax(axis=1) == yb).sum())
            scores = _scores_over_time(snn, xb, readout, measured, spikes)
            correct += (scores.argmax(axis=2) == yb).sum(axis=1)
    n = max(len(X), 1)
    rates = {name: count / (n * max(measured) * _width(snn[name])) for name, count in spikes.items()}
    return ConversionReport(ann_accuracy=correct_ann / n, steps=measured,
                            snn_accuracy=tuple(float(c / n) for c in correct), readout=readout, rates=rates)


def _width(layer: Module) -> int:
    return int(getattr(layer, "out_features", 1))
