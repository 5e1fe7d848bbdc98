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
(``nk.spiking.CurrentEncoder``, :math:`I_t = x` at every step), not as
spikes, so it has no rate to keep below 1; the first layer's current is then exactly the ANN's
:math:`W_1 x + b_1`, divided by :math:`\lambda_1`. (With spike-coded input, pixels in [0, 1] would be
rates already, :math:`\lambda_0 = 1` again; a wider input would need :math:`\lambda_0 = \max x`.)

The converted network is an :class:`~neuronkit.Sequential`: ``CurrentEncoder(steps)``, then one
:class:`~neuronkit.spiking.layers.SpikingDense` per Dense layer of the ANN (a
:class:`~neuronkit.spiking.layers.SpikingConv2d` per Conv2d), under the same name, with
``LIF(beta=1.0, threshold=1.0, reset="subtract")`` neurons; average pooling and flatten become
:class:`~neuronkit.spiking.layers.Temporal` layers applying them to the spikes at every step
(an average of rates is the rate of the average: it is linear). Max pooling of the spikes of each
step would not do: it passes a spike whenever any neuron of the window fires, which overstates the
largest rate, so MaxPool2d becomes :class:`SpikeMaxPool2d`, which fires when the largest spike
count of the window grows: its rate is the largest rate. (On the digits CNN of the bench, 3 splits,
at T = 100: pooling each step's spikes cost 0.7 point of accuracy, SpikeMaxPool2d 0.2; with average
pooling the converted CNN lost nothing.) Its output ``(T, batch, classes)``
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

from ..engine import Tensor, eval_mode, no_grad
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..layers.base import (
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    constructor_options,
    label,
    layer_from_config,
    layer_input,
    register_layer,
)
from ..layers.conv import Conv2d
from ..layers.counting import count_layer, register_cost, scaled
from ..layers.dense import Dense
from ..layers.dropout import Dropout
from ..layers.norm import BatchNorm, BatchNorm2d
from ..layers.pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d
from ..layers.sequential import Sequential
from ..layers.shape import Activation, Flatten
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
from .layers import SpikingConv2d, SpikingDense, Temporal
from .neurons import LI, LIF
from .record import record

__all__ = ["ConversionReport", "SpikeMaxPool2d", "activation_scales", "conversion_report", "convert"]

#: the ANN layers conversion understands, for messages
_UNDERSTOOD = ("Dense and Conv2d (relu; the last Dense identity, softmax or relu), Activation('relu'), BatchNorm "
               "and BatchNorm2d (folded into the weights), AvgPool2d, MaxPool2d, GlobalAvgPool2d, Flatten, and "
               "Dropout (dropped)")
#: layers without weights that the spiking network applies at every step (Temporal); they commute with λ
_PASSED = (AvgPool2d, MaxPool2d, GlobalAvgPool2d, Flatten)


@dataclass
class _Stage:
    """One weight layer of the ANN (Dense or Conv2d) with everything folded into it: y = f(W * x + b), f = relu or
    the output's; or (``weight`` None) a layer without weights passed through (pooling, flatten)."""

    name: str
    layer: Module  # the ANN's layer (its geometry, for a convolution)
    weight: np.ndarray | None = None  # Dense (out, in) / Conv2d (out, in/groups, kh, kw), float64
    bias: np.ndarray | None = None  # (out,), float64
    relu: bool = False  # is a ReLU applied (always for a hidden layer)
    closed: bool = True  # has its nonlinearity (or the end of the network) been seen?
    dtype: Any = np.float32

    def potential(self, x: np.ndarray) -> np.ndarray:
        """W * x + b (float64 arrays), or the layer without weights applied."""
        if self.weight is None:
            return np.asarray(self.layer.infer(x))
        assert self.bias is not None
        if isinstance(self.layer, Dense):
            return x @ self.weight.T + self.bias
        conv = Conv2d(**{**_conv_geometry(self.layer), "bias": True}, activation="identity", init="zeros",
                      name=self.name, dtype=np.float64)
        conv.weight.data[...] = self.weight
        assert conv.bias is not None
        conv.bias.data[...] = self.bias
        return np.asarray(conv.infer(x))


def _conv_geometry(layer: Any) -> dict[str, Any]:
    config = layer.config()
    return {key: config[key] for key in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                                         "dilation", "groups")}


def _network(model: Any) -> Sequential:
    """``model`` if it is a Sequential; a fitted estimator is refused with what to do instead."""
    if hasattr(model, "network_") and not isinstance(model, Sequential):
        raise ParameterTypeError(f"convert takes a trained nk.Sequential; got a fitted {type(model).__name__}. Convert "
                                 "its network_, and give the converted network (and X_calibration) the inputs the "
                                 "estimator gives its network, est.scaler_.transform(X) (its scaler), and read "
                                 "its class k as est.classes_[k]")
    if not isinstance(model, Sequential):
        raise ParameterTypeError(must_be("model", "a trained nk.Sequential of ReLU Dense/Conv2d layers",
                                         type(model).__name__, "convert"))
    return model


def _refuse(layer: Module, why: str) -> ParameterError:
    return ParameterError(f"convert: layer {label(layer)!r} ({type(layer).__name__}) {why}. Conversion takes a ReLU "
                          f"network of {_UNDERSTOOD}")


def _batchnorm_affine(layer: BatchNorm | BatchNorm2d) -> tuple[np.ndarray, np.ndarray]:
    """BatchNorm in eval mode as y = a·x + c (per feature or channel)."""
    a = layer.gamma.data.astype(np.float64) / np.sqrt(layer.running_var.astype(np.float64) + layer.eps)
    c = layer.beta.data.astype(np.float64) - a * layer.running_mean.astype(np.float64)
    return a, c


def _weight_stage(layer: Dense | Conv2d, stages: list[_Stage], pending: Any) -> _Stage:
    """A Dense or Conv2d layer as a stage (a BatchNorm before it, ``pending``, folded into its inputs)."""
    open_stage = next((s for s in reversed(stages) if s.weight is not None and not s.closed), None)
    last = next((s for s in reversed(stages) if s.weight is not None), None)
    if open_stage is not None:
        raise _refuse(layer, f"follows {open_stage.name!r}, which has no ReLU after it: every Dense or Conv2d but the "
                      "last Dense needs activation='relu' (or an Activation('relu') layer after it)")
    if last is not None and not last.relu:
        raise _refuse(layer, f"follows the output layer {last.name!r} (softmax)")
    activation = layer.activation.name
    allowed = ("relu", "identity", "softmax") if isinstance(layer, Dense) else ("relu", "identity")
    if activation not in allowed:
        raise _refuse(layer, f"has activation {activation!r}: an integrate-and-fire neuron's rate is a ReLU (it "
                      "cannot be negative and it grows linearly with the input current); retrain with "
                      "activation='relu' (the output Dense layer may be 'identity' or 'softmax')")
    weight = layer.weight.data.astype(np.float64)
    out = weight.shape[0]
    bias = np.zeros(out) if layer.bias is None else layer.bias.data.astype(np.float64)
    if pending is not None:  # a BatchNorm before this Dense layer: W (a x + c) + b
        a, c = pending
        bias = bias + weight @ c
        weight = weight * a
    return _Stage(str(layer.name), layer, weight, bias, relu=activation == "relu", closed=activation != "identity",
                  dtype=layer.dtype)


def _stages(model: Any) -> list[_Stage]:
    """The ANN as a list of folded stages; a layer conversion cannot take is refused, by name and why."""
    network = _network(model)
    stages: list[_Stage] = []
    pending: tuple[np.ndarray, np.ndarray] | None = None  # an affine map x -> a·x + c on the next Dense's input
    for layer in network:
        weighted = [s for s in stages if s.weight is not None]
        open_stage = weighted[-1] if weighted and not weighted[-1].closed else None
        ended = bool(weighted) and weighted[-1].closed and not weighted[-1].relu  # after a softmax output
        if isinstance(layer, (Dense, Conv2d)):
            if pending is not None and not isinstance(layer, Dense):
                raise _refuse(layer, "follows a BatchNorm that comes after a ReLU: only a BatchNorm before the ReLU "
                              "(conv -> batchnorm -> relu) is folded into a convolution")
            stages.append(_weight_stage(layer, stages, pending))
            pending = None
        elif isinstance(layer, Activation):
            name = layer.activation.name
            if name == "identity":
                continue
            if name not in ("relu", "softmax"):
                raise _refuse(layer, f"applies {name!r}: an integrate-and-fire neuron's rate is a ReLU; retrain with "
                              "'relu'")
            if open_stage is None:
                if name == "relu" and weighted and weighted[-1].relu:
                    continue  # relu(relu(z)) = relu(z)
                raise _refuse(layer, f"applies {name!r} to what is not the output of a Dense or Conv2d layer")
            if name == "softmax" and not isinstance(open_stage.layer, Dense):
                raise _refuse(layer, "applies softmax to a convolution; the output layer must be a Dense layer")
            open_stage.relu, open_stage.closed = name == "relu", True
        elif isinstance(layer, (BatchNorm, BatchNorm2d)):
            a, c = _batchnorm_affine(layer)
            if ended:
                raise _refuse(layer, "comes after the output layer's softmax")
            if open_stage is not None:  # Dense/Conv2d -> BatchNorm -> ReLU: fold into the weights and bias
                assert open_stage.weight is not None and open_stage.bias is not None
                open_stage.weight = open_stage.weight * a.reshape(-1, *(1,) * (open_stage.weight.ndim - 1))
                open_stage.bias = open_stage.bias * a + c
            elif isinstance(layer, BatchNorm2d):
                raise _refuse(layer, "normalises what is not a convolution's output before its ReLU: only "
                              "conv -> batchnorm -> relu is folded")
            else:  # after a ReLU (or first): fold into the next Dense's inputs
                pending = (a, c) if pending is None else (pending[0] * a, pending[1] * a + c)
        elif isinstance(layer, Dropout):
            continue  # the identity in eval mode
        elif isinstance(layer, _PASSED):
            if ended:
                raise _refuse(layer, "comes after the output layer")
            if pending is not None:
                raise _refuse(layer, "follows a BatchNorm that comes after a ReLU; put the BatchNorm before the ReLU")
            if open_stage is not None and not isinstance(layer, Flatten):
                raise _refuse(layer, f"pools {open_stage.name!r}'s output before its ReLU; put the ReLU first "
                              "(activation='relu' on the convolution)")
            stages.append(_Stage(str(layer.name), layer_from_config({**layer.config(), "name": None})))
        else:
            raise _refuse(layer, "cannot be converted (yet)")
    weighted = [s for s in stages if s.weight is not None]
    if not weighted or not isinstance(weighted[-1].layer, Dense):
        raise ParameterError("convert: the network does not end with a Dense layer (one output neuron per class); "
                             f"conversion takes a ReLU network of {_UNDERSTOOD}")
    if pending is not None:
        raise ParameterError("convert: the network ends with a BatchNorm after its last ReLU; put the output Dense "
                             "layer last")
    out = weighted[-1]
    if stages[-1] is not out:
        raise _refuse(stages[-1].layer, f"comes after the output layer {out.name!r}")
    out.closed = True
    assert out.weight is not None
    if out.weight.shape[0] < 2:
        raise ParameterError(f"convert: the output layer {out.name!r} has {out.weight.shape[0]} neuron; a converted "
                             "network is a classifier whose output neuron that fires most (or integrates most) names "
                             "the class, so it needs one output neuron per class (>= 2)")
    return stages


def _check_calibration(X: Any, stages: list[_Stage], what: str, owner: str) -> np.ndarray:
    """``X`` as float64, of the shape the first layer takes (a ShapeError naming the layer otherwise)."""
    X = check_array(X, what, ndim=None, dtype=np.float64, owner=owner)
    first = stages[0].layer
    if isinstance(first, Dense):
        expected, fits = f"(n_samples, {first.in_features})", X.ndim == 2 and X.shape[1] == first.in_features
        takes = f"{first.in_features} inputs"
    else:
        expected, fits = "(n_samples, C, H, W)", X.ndim == 4
        takes = "images (C, H, W)"
        if isinstance(first, Conv2d):
            expected, fits = f"(n_samples, {first.in_channels}, H, W)", fits and X.shape[1] == first.in_channels
            takes = f"images with {first.in_channels} channels"
        elif isinstance(first, Flatten):
            dense = next(s.layer for s in stages if s.weight is not None)
            size = dense.in_features if isinstance(dense, Dense) else None
            fits = X.ndim >= 2 and (size is None or int(np.prod(X.shape[1:])) == size)
            expected, takes = f"(n_samples, ...) with {size} values per sample", f"{size} values after flatten"
    if not fits:
        raise ShapeError(f"{owner}: {what} must have shape {expected} (layer {stages[0].name!r} takes {takes}); got "
                         f"shape {X.shape}")
    return X


def _percentile(p: Any, owner: str) -> float:
    return check_number(p, "percentile", low=0.0, high=100.0, low_open=True, owner=owner)


def _scales(stages: list[_Stage], X: np.ndarray, percentile: float) -> list[float]:
    """λ for each weight stage: the percentile of its positive activations (ReLU'd potentials) on X; 1 if none is > 0.

    The layers without weights in between (pooling, flatten) commute with a positive scale, so they leave λ as it is.
    """
    scales = []
    a = X
    for stage in stages:
        a = stage.potential(a)
        if stage.weight is not None:
            a = np.maximum(a, 0.0)  # (the output's potentials too: its rates are relu)
            positive = a[a > 0]
            scales.append(float(np.percentile(positive, percentile)) if positive.size else 1.0)
    return scales


def activation_scales(model: Any, X_calibration: Any, *, percentile: float = 99.9) -> dict[str, float]:
    r"""The normalisation scale :math:`\lambda_l` of each Dense or Conv2d layer: the ``percentile``-th percentile of
    its positive ReLU activations on ``X_calibration``.

    Zeros are left out (as in Rueckauer et al.'s SNN toolbox): in a ReLU layer most values are 0,
    and a percentile over them all would say little about how fast the active neurons fire. A
    layer with no positive activation gets 1. BatchNorm layers are folded first; the output layer's
    scale is taken over its positive potentials (before softmax). ``percentile=100`` is the maximum
    (Diehl et al. 2015).

    Parameters
    ----------
    model : Sequential
        A trained ReLU network (see :func:`convert`).
    X_calibration : array (n_samples, in_features) or (n_samples, C, H, W)
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
    names = [s.name for s in stages if s.weight is not None]
    return dict(zip(names, _scales(stages, X, _percentile(percentile, "activation_scales"))))


def convert(model: Any, X_calibration: Any, *, steps: int = 100, percentile: float = 99.9, reset: str = "subtract",
            readout: str = "membrane", name: str | None = None) -> Sequential:
    r"""A spiking network of integrate-and-fire neurons that computes what a trained ReLU network does.

    Each Dense layer l becomes a :class:`~neuronkit.spiking.layers.SpikingDense` (each Conv2d a
    :class:`~neuronkit.spiking.layers.SpikingConv2d`) of the same name and size with weights
    :math:`W_l \lambda_{l-1} / \lambda_l` and bias :math:`b_l / \lambda_l` (:func:`activation_scales`;
    :math:`\lambda_0 = 1`, see the module's text) and neurons ``LIF(beta=1.0, threshold=1.0,
    reset=reset)``: integrate-and-fire, no leak. A ``nk.spiking.CurrentEncoder``
    first feeds each sample as a constant current for ``steps`` steps. BatchNorm layers are folded
    into the Dense layer before them (when a ReLU follows) or after them, BatchNorm2d into the
    convolution before it; average pooling and flatten run on the spikes at every step, max pooling
    becomes :class:`SpikeMaxPool2d` (the largest spike count of each window); Dropout is left out.

    Parameters
    ----------
    model : Sequential
        A trained ReLU network: Dense and Conv2d layers with ``activation="relu"`` (or an
        ``Activation("relu")`` after each), the last layer a Dense one with ``"identity"``,
        ``"softmax"`` or ``"relu"`` and at least 2 outputs (one per class); AvgPool2d, MaxPool2d,
        GlobalAvgPool2d and Flatten after a ReLU. Anything else (tanh, sigmoid, LayerNorm, Conv1d,
        ...) is refused, naming the layer and why.
    X_calibration : array (n_samples, in_features) or (n_samples, C, H, W)
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
        ``encoder1`` (CurrentEncoder), then the ANN's layer names (Dropout left out); input the
        ANN's, (batch, in_features) or (batch, C, H, W); output (T, batch, classes): membranes
        (readout ``"membrane"``) or spikes (``"spikes"``).

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
    scales = iter(_scales(stages, X, percentile))
    layers: list[Any] = [CurrentEncoder(steps)]
    previous = 1.0  # λ_0: the input is a current, not spikes
    for stage in stages:
        if isinstance(stage.layer, MaxPool2d):  # the largest rate of each window
            pool = stage.layer
            layers.append(SpikeMaxPool2d(pool.kernel_size, pool.stride, pool.padding, name=stage.name))
            continue
        if stage.weight is None:  # average pooling, flatten: at every time step, on the spikes
            layers.append(Temporal(stage.layer, name=stage.name))
            continue
        assert stage.bias is not None
        scale, dtype = next(scales), stage.dtype
        if stage is stages[-1] and readout == "membrane":
            neuron: Any = LI(beta=1.0, dtype=dtype)
        else:
            neuron = LIF(beta=1.0, threshold=1.0, reset=reset, dtype=dtype)
        if isinstance(stage.layer, Conv2d):
            layer: Any = SpikingConv2d(**_conv_geometry(stage.layer), bias=True, neuron=neuron, init="zeros",
                                       name=stage.name, dtype=dtype)
        else:
            out_features, in_features = stage.weight.shape
            layer = SpikingDense(in_features, out_features, neuron=neuron, init="zeros", name=stage.name, dtype=dtype)
        layer.synapse.weight.data[...] = stage.weight * (previous / scale)
        layer.synapse.bias.data[...] = stage.bias / scale
        layers.append(layer)
        previous = scale
    snn = Sequential(*layers)
    snn.name = name
    return snn


@register_layer
class SpikeMaxPool2d(Module):
    r"""Max pooling of firing rates: a window fires whenever the largest spike count inside it grows.

    .. math::

        N_t = \sum_{\tau \le t} s_\tau, \qquad y_t = \mathrm{maxpool}(N_t) - \mathrm{maxpool}(N_{t-1})

    so the spikes a window has given after t steps are :math:`\mathrm{maxpool}(N_t)`, the largest
    count of its inputs: the output rate is the largest input rate, what max pooling of ReLU
    activations is in the ANN. (Each count grows by at most 1 a step, so :math:`y_t` is 0 or 1.)
    :func:`convert` uses it for MaxPool2d layers: pooling the spikes of each step instead passes a
    spike whenever any input fires, which overstates the largest rate. The time loop is a running
    sum and one pooling of all steps; no gradient flows through it (a converted network is not
    trained).

    Parameters
    ----------
    kernel_size, stride, padding
        As for :class:`~neuronkit.MaxPool2d`.
    name : str, optional
        Its name in a network (unnamed: ``pool1``, ...).

    Shapes: spikes (T, batch, C, H, W) or one sample (T, C, H, W) -> (T, batch, C, H_out, W_out)
    (or (T, C, H_out, W_out)). :meth:`output_shape` leaves the time axis out, as Temporal's.

    Examples
    --------
    Two neurons in one window, firing at rates 1/2 and 1/3: the window fires at rate 1/2.

    >>> import numpy as np
    >>> from neuronkit.spiking.conversion import SpikeMaxPool2d
    >>> a = [0, 1, 0, 1, 0, 1]; b = [1, 0, 0, 1, 0, 0]
    >>> spikes = np.array([[[[[x, y]]]] for x, y in zip(a, b)], dtype=np.float32)     # (T=6, 1, 1, 1, 2)
    >>> SpikeMaxPool2d((1, 2))(spikes).data.ravel()         # counts a: 0 1 1 2 2 3, b: 1 1 1 2 2 2; max 1 1 1 2 2 3
    array([1., 0., 0., 1., 0., 1.], dtype=float32)
    """

    name_prefix = "pool"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, *, name: str | None = None) -> None:
        self.pool = MaxPool2d(kernel_size, stride, padding)
        self.name = check_name(name, "SpikeMaxPool2d")

    def _input(self, x: Any) -> tuple[np.ndarray, bool]:
        """``x`` as an array (T, B, C, H, W), and whether it was one sample (T, C, H, W)."""
        array = layer_input(self, x, None, _float_dtype(x)).data
        if array.ndim not in (4, 5):
            raise ShapeError(f"layer {label(self)!r} (SpikeMaxPool2d) takes time-major spikes (T, batch, C, H, W) or "
                             f"one sample (T, C, H, W); got shape {array.shape}")
        if array.shape[0] == 0:
            raise ShapeError(f"layer {label(self)!r} got an input with T = 0 time steps (shape {array.shape}); give "
                             "at least one step")
        single = array.ndim == 4
        if single:
            array = array[:, None]
        self._pooled_shape(array.shape[2:], array.shape)
        return array, single

    def _pooled_shape(self, sample: tuple[int, ...], shown: tuple[int, ...]) -> tuple[int, ...]:
        try:
            return self.pool.output_shape(sample)
        except ShapeError as error:
            raise ShapeError(f"layer {label(self)!r} (SpikeMaxPool2d) pools (C, H, W) at each step of (T, batch, "
                             f"C, H, W); got shape {shown}: {error}") from None

    def infer(self, x: Any) -> np.ndarray:
        spikes, single = self._input(x)
        T, B = spikes.shape[:2]
        counts = np.cumsum(spikes, axis=0)  # N_t
        pooled = self.pool.infer(np.ascontiguousarray(counts.reshape(T * B, *spikes.shape[2:])))
        pooled = pooled.reshape(T, B, *pooled.shape[1:])
        out = np.diff(pooled, axis=0, prepend=np.zeros((1, *pooled.shape[1:]), dtype=pooled.dtype))
        return out[:, 0] if single else out

    def forward(self, x: Any) -> Tensor:
        return Tensor(self.infer(x))

    def output_shape(self, in_shape: Any) -> tuple[int, ...]:
        """The per-step output shape (C, H_out, W_out) for (C, H, W); a shape with the time axis keeps it."""
        shape = check_in_shape(in_shape, self)
        if len(shape) == 4:
            return (shape[0], *self._pooled_shape(shape[1:], shape))
        return self._pooled_shape(shape, shape)

    def config(self) -> dict[str, Any]:
        return {**self.pool.config(), "type": "SpikeMaxPool2d", "name": self.name}

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: it holds no arrays (its options are checked all the same)."""
        cls(**constructor_options(cls, config, "SpikeMaxPool2d"))
        return {}

    def __repr__(self) -> str:
        return (f"SpikeMaxPool2d(kernel_size={self.pool.kernel_size}, stride={self.pool.stride}, "
                f"padding={self.pool.padding}{', name=' + repr(self.name) if self.name else ''})")


def _float_dtype(x: Any) -> Any:
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None and np.dtype(dtype).kind == "f" else np.float32


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
    ANN accuracy: 0.9600 (readout: membrane)
    >>> report.gap(100)
    0.0050000000000000044
    """

    ann_accuracy: float
    steps: tuple[int, ...]
    snn_accuracy: tuple[float, ...]
    readout: str = "membrane"
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
                      spikes: dict[str, list[float]]) -> np.ndarray:
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
            train = rec[name]["spikes"]
            total = spikes.setdefault(name, [0.0, 0.0])  # spikes, and neuron-steps
            total[0] += float(train.sum(dtype=np.float64))
            total[1] += train.size
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
    if not isinstance(snn, Sequential) or not isinstance(next(iter(snn)), CurrentEncoder):
        raise ParameterTypeError(must_be("snn", "a converted network (from nk.spiking.convert: a Sequential whose "
                                         "first layer is a CurrentEncoder)", type(snn).__name__, owner))
    X = _check_calibration(X, stages, "X", owner)
    classes = int(getattr(stages[-1].layer, "out_features", 0))  # (the last stage is the output Dense)
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
    spikes: dict[str, list[float]] = {}  # per layer: spikes, and neuron-steps, over the whole run
    with no_grad(), eval_mode():
        for start in range(0, len(X), batch_size):
            xb, yb = X[start:start + batch_size].astype(dtype), y[start:start + batch_size]
            correct_ann += int((network.infer(xb).argmax(axis=1) == yb).sum())
            scores = _scores_over_time(snn, xb, readout, measured, spikes)
            correct += (scores.argmax(axis=2) == yb).sum(axis=1)
    n = max(len(X), 1)
    rates = {name: count / max(size, 1.0) for name, (count, size) in spikes.items()}
    return ConversionReport(ann_accuracy=correct_ann / n, steps=measured,
                            snn_accuracy=tuple(float(c / n) for c in correct), readout=readout, rates=rates)


register_cost(SpikeMaxPool2d, lambda layer, shape, steps: scaled(count_layer(layer.pool, shape, steps), steps))
