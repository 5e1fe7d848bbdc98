r"""The neuromorphic bridge: spiking networks to and from NIR, the Neuromorphic Intermediate Representation.

`NIR <https://neuroir.org>`_ (the ``nir`` package, ``pip install "neuronkit[nir]"``) describes a spiking
network as a graph of continuous-time primitives (Affine, LIF, ...) that simulators and neuromorphic
chips read and write. :func:`to_nir` turns a :class:`~neuronkit.Sequential` of spiking layers into a
``nir.NIRGraph``, :func:`from_nir` turns a chain-shaped graph back into a Sequential, and
:func:`write_nir` / :func:`read_nir` store graphs as NIR's HDF5 files (``nir.write`` / ``nir.read``;
no pickle; the write is atomic, as :mod:`neuronkit.io`'s).

What maps to what
-----------------

=============================================  =====================================================
neuronkit                                      NIR
=============================================  =====================================================
encoder first in the Sequential                nothing: a NIR graph starts at the currents or spikes
                                               the encoder gives, so encode the data yourself and
                                               feed the graph (T, batch, ...) arrays
``SpikingDense`` (bias / ``bias=False``)       ``Affine`` / ``Linear`` + the neuron's node
``SpikingConv2d``                              ``Conv2d`` + the neuron's node
``LIF(reset="zero")``, β < 1                   ``LIF``
``LIF(reset="zero")``, β = 1                   ``IF``
``LI`` (β < 1 / β = 1)                         ``LI`` / ``I``
``Synaptic(reset="zero", reset_delay=False)``  ``CubaLIF``
``Temporal(Flatten())``                        ``Flatten`` (per sample: ``start_dim=0``)
``Temporal(AvgPool2d(...))``                   ``AvgPool2d``
(import only) ``SumPool2d``                    ``AvgPool2d``, the window size folded into the next
                                               weight node
(import only) a weight node with no neuron     ``SpikingDense``/``SpikingConv2d`` with ``LI(beta=0)``
                                               (no memory: the output is the current)
=============================================  =====================================================

Refused, naming the layer: max pooling (``MaxPool2d``, ``SpikeMaxPool2d``: NIR has no max pooling
node), ``ALIF``, ``Izhikevich`` and other models NIR has no node for, an encoder after the first
layer, a refractory period. On import, a node type outside the table is refused naming the node and
its type, and a graph that is not a chain (a node feeding two nodes, or fed by two; a recurrent
subgraph) is refused naming the node.

Parameters: discrete time against continuous time
--------------------------------------------------

NIR's neurons are differential equations, ``LIF``: :math:`\tau \dot v = (v_{leak} - v) + R\,I`,
:math:`z = H(v - v_{threshold})`, then :math:`v \leftarrow v_{reset}` where :math:`z = 1`;
``CubaLIF`` adds a synaptic current :math:`\tau_{syn} \dot I = -I + w_{in} S` feeding :math:`R\,I`.
Ours step with a decay per step. The conversion is the **forward-Euler step of length dt**, the
convention snnTorch's own export and import use, under which the discretised NIR equations and ours
are the same equations (not only close):

.. math::
    v_t = v_{t-1} + \frac{dt}{\tau}\big(v_{leak} - v_{t-1}\big) + \frac{dt\,R}{\tau} I_t
        = v_{leak} + \beta\,(v_{t-1} - v_{leak}) + I_t
    \quad\text{with}\quad \beta = 1 - \frac{dt}{\tau},\ \ R = \frac{\tau}{dt}

==================  ===================================================  =============================================
ours                NIR node field (written by to_nir)                   read back by from_nir
==================  ===================================================  =============================================
β (membrane decay)  ``tau = dt / (1 - β)``                               ``β = 1 - dt / tau``
input scale 1       ``r = tau / dt = 1 / (1 - β)``                       ``dt·r / tau`` folded into the weights before
``v_rest``          ``v_leak``                                           ``v_rest = v_leak``
``threshold`` θ     ``v_threshold``                                      ``threshold = v_threshold``
``v_reset``         ``v_reset``                                          ``v_reset``
β = 1 (LIF, LI)     ``IF`` / ``I`` with ``r = 1 / dt``                   β = 1, ``dt·r`` folded into the weights
α (synaptic decay)  ``tau_syn = dt / (1 - α)``, ``w_in = tau_syn / dt``  ``α = 1 - dt / tau_syn``
β of Synaptic       ``tau_mem = dt / (1 - β)``, ``r = tau_mem / dt``     ``β = 1 - dt / tau_mem`` (scale: below)
==================  ===================================================  =============================================

A CubaLIF node's input is scaled by :math:`(dt\,w_{in}/\tau_{syn})(dt\,R/\tau_{mem})`, 1 for the
graphs :func:`to_nir` writes; :func:`from_nir` folds any other scale into the weights before it.

So a graph is written for one time step: ``to_nir(model, dt=...)`` stores ``dt`` in the graph's
metadata and :func:`from_nir` reads it back (a graph from elsewhere needs ``dt=``: snnTorch writes
its graphs with ``dt = 1e-4``). ``tau`` given to our neurons means :math:`\beta = e^{-dt/\tau}`
(the exact decay); NIR's ``tau`` is the Euler one, :math:`dt/(1-\beta) \approx \tau + dt/2`. Times
are in the units of ``dt`` (milliseconds in NIR's documentation). Per-neuron constants are written
as arrays of the layer's output shape (NIR requires it: snnTorch's export needs per-neuron β and
thresholds for the same reason); on import a constant that varies over neurons becomes a per-neuron
list (dense layers) and must be the same for all neurons of a convolution. Neuron constants are
float64 in the graph, weights keep their dtype. Membranes start at rest (:math:`v_{leak}`) and
synaptic currents at 0, as our neurons' ``initial_state`` does.

Resets
------

NIR's LIF, IF and CubaLIF set the membrane to :math:`v_{reset}` at the step of the spike: our
``reset="zero"``. ``LIF(reset="zero")`` gives the same spikes with or without ``reset_delay`` (the
delayed reset only shows the membrane one step longer), so both export. NIR has **no subtract reset**
(and no neuron without reset): ``to_nir`` refuses ``reset="subtract"`` and ``reset="none"`` with
that reason, unless ``force=True`` (then a :class:`~neuronkit.errors.NeuronkitWarning`, and the
graph has a zero reset: its spikes differ). Our :class:`~neuronkit.spiking.Synaptic` applies its
zero reset one step late and drops that step's input by default (as snnTorch's ``Synaptic`` with its
default ``reset_delay=True``), which is not NIR's CubaLIF: export ``Synaptic(reset="zero",
reset_delay=False)`` (the reset at the step of the spike; what ``from_nir`` builds) or pass ``force=True``.

snnTorch 1.0 and NIR
--------------------

snnTorch's ``export_to_nir`` needs an unbatched sample and per-neuron β and thresholds (tensors of
the layer's width), and writes ``dt = 1e-4``; its ``import_from_nir`` reads ``LIF``/``CubaLIF`` with
``dt = 1e-4`` as ``Leaky``/``Synaptic`` with ``reset_mechanism="zero", reset_delay=False``. Its
limits, documented here rather than worked around (seen with snnTorch 1.0.0, nirtorch 2.6):

- no convolution or pooling graphs through NIR. Importing, snnTorch builds NIR's per-sample
  ``Flatten`` (``start_dim=0``) as ``torch.nn.Flatten(0, -1)``, which also joins the batch axis, so
  the next ``Linear`` gets one row of the wrong width; exporting, it traces the network with one
  unbatched sample, on which ``torch.nn.Flatten()`` (``start_dim=1``) joins the wrong axes, so the
  trace fails.
- NIR's ``IF`` is imported as a leaky neuron (``Leaky(beta=0.9)``), so an IF network does not
  survive the trip into snnTorch (ours maps ``IF`` to ``LIF(beta=1)``).

Which hardware reads NIR
------------------------

According to the NIR project's documentation (its README, ``docs/source/support.md`` and the
examples, January 2026), NIR graphs are read by the toolchains of five hardware platforms: Intel
Loihi 2 (Lava / Lava-DL), SpiNNaker2 (py-spinnaker2), SynSense Speck (Sinabs) and Xylo (Rockpool),
and BrainScaleS-2 (hxtorch, jaxsnn). BrainChip Akida is not among them. Simulators that read and
write NIR: hxtorch, Nengo, Norse, Rockpool, Sinabs, snnTorch, Spyx (Lava-DL and jaxsnn read only).
Each reads only some node types (NIR's ``docs/source/supported_primitives.md``): ``LIF`` and
``Affine`` are widely read, ``LI`` not by Lava or SpiNNaker2, and ``AvgPool2d`` (what our average
pooling writes) by snnTorch only, where the chips' toolchains read ``SumPool2d``. Whether a graph
fits a chip (sizes, weight precision) is that toolchain's check, not NIR's.

Examples
--------
>>> import numpy as np
>>> import neuronkit as nk
>>> from neuronkit.spiking import LIF, LI, SpikingDense, to_nir, from_nir
>>> net = nk.Sequential(SpikingDense(4, 3, neuron=LIF(beta=0.8, reset="zero"), seed=0),
...                     SpikingDense(3, 2, neuron=LI(beta=0.5), seed=1))
>>> graph = to_nir(net, dt=1.0)
>>> [type(graph.nodes[k]).__name__ for k in ("spiking1.synapse", "spiking1.neuron", "spiking2.neuron")]
['Affine', 'LIF', 'LI']
>>> graph.nodes["spiking1.neuron"].tau           # dt / (1 - beta)
array([5., 5., 5.])
>>> x = (np.random.default_rng(0).random((10, 1, 4)) < 0.5).astype(np.float32)
>>> back = from_nir(graph)
>>> bool(np.array_equal(back(x).data, net(x).data))
True
"""

from __future__ import annotations

import io as _bytes_io
import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import (
    MissingDependencyError,
    ModelFileError,
    ModelFileNotFoundError,
    NeuronkitWarning,
    ParameterError,
    ParameterTypeError,
)
from ..init import float_dtype
from ..io import _as_path, atomic_write_bytes
from ..layers.base import Module, label
from ..layers.dropout import Dropout
from ..layers.pooling import AvgPool2d
from ..layers.sequential import Sequential
from ..layers.shape import Flatten
from ..validation import check_bool, check_choice, check_number, must_be
from .encoders import Encoder
from .layers import SpikingConv2d, SpikingDense, Temporal
from .neurons import LI, LIF, SpikingNeuron, Synaptic

__all__ = ["from_nir", "read_nir", "to_nir", "write_nir"]

_INSTALL = 'NIR export and import need the nir package; install it with: pip install "neuronkit[nir]"'


def _nir() -> Any:
    """The ``nir`` module (an optional extra), or a MissingDependencyError that says how to install it."""
    try:
        import nir
    except ImportError as error:
        raise MissingDependencyError(_INSTALL) from error
    return nir


# ---------------------------------------------------------------------------------- export
def to_nir(model: Any, *, dt: float = 1.0, input_shape: Any = None, pooling: str = "avg",
           force: bool = False) -> Any:
    """A ``nir.NIRGraph`` for a Sequential of spiking layers (or one spiking layer), discretised with step ``dt``.

    The graph is the chain ``input -> <layer>.synapse -> <layer>.neuron -> ... -> output``: a
    :class:`~neuronkit.spiking.SpikingDense` gives an ``Affine`` (``Linear`` without bias) node and
    its neuron's node, a :class:`~neuronkit.spiking.SpikingConv2d` a ``Conv2d`` node and the
    neuron's; ``Temporal(Flatten())`` and ``Temporal(AvgPool2d)`` give ``Flatten`` and ``AvgPool2d``
    nodes; dropout is left out; an encoder at the start is left out (the graph takes what it gives).
    Neuron constants convert as the module docstring's table says (:math:`\\tau = dt/(1-\\beta)`,
    :math:`R = \\tau/dt`, ...). ``dt`` goes into ``graph.metadata["dt"]``.

    Parameters
    ----------
    model : Sequential or a spiking layer
    dt : float, > 0
        The time step the model's decays are for (snnTorch reads graphs with ``dt = 1e-4``).
    input_shape : tuple of int, optional
        One time step of one sample, e.g. ``(1, 28, 28)``; needed when the network starts with a
        convolution or a bare neuron (a dense layer gives its ``in_features``).
    pooling : "avg" or "sum"
        How average pooling is written: as ``AvgPool2d`` nodes, or as ``SumPool2d`` nodes with the
        window's :math:`1/(k_h k_w)` folded into the next weight node (the same network; the form the
        chips' toolchains read, see the module docstring).
    force : bool
        Export a subtract or no reset as NIR's zero reset (with a warning) instead of refusing.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.spiking import LIF, SpikingDense, to_nir
    >>> net = nk.Sequential(SpikingDense(3, 2, bias=False, neuron=LIF(beta=0.9, reset="zero"), seed=0))
    >>> graph = to_nir(net, dt=1e-4)
    >>> list(graph.nodes), graph.metadata["dt"]
    (['input', 'spiking1.synapse', 'spiking1.neuron', 'output'], 0.0001)
    >>> round(float(graph.nodes["spiking1.neuron"].tau[0]), 6), round(float(graph.nodes["spiking1.neuron"].r[0]), 6)
    (0.001, 10.0)
    >>> try:
    ...     to_nir(nk.Sequential(SpikingDense(3, 2, neuron=LIF(beta=0.9), seed=0)))
    ... except ValueError as error:
    ...     print(error)
    layer 'spiking1' (SpikingDense): its LIF has reset='subtract', and NIR's LIF has no subtract reset (it sets
    the membrane to v_reset at a spike); use reset='zero', or pass force=True to export it as a zero reset (its
    spikes then differ)
    """
    nir = _nir()
    dt = check_number(dt, "dt", low=0.0, low_open=True, owner="to_nir")
    force = check_bool(force, "force", owner="to_nir")
    pooling = check_choice(pooling, "pooling", ("avg", "sum"), owner="to_nir")
    layers = _export_layers(model)
    shape = _first_shape(layers, input_shape)
    nodes: dict[str, Any] = {"input": nir.Input(input_type={"input": np.array(shape)})}
    pooled, pooled_at = 1.0, ""  # sum poolings' 1/window not yet folded into a weight node
    for i, layer in enumerate(layers):
        where = f"layer {label(layer)!r} ({type(layer).__name__})"
        key = layer.name or f"{type(layer).__name__.lower()}{i + 1}"
        if isinstance(layer, (SpikingDense, SpikingConv2d)):
            synapse, shape = _synapse_node(nir, layer, shape, pooled)
            pooled = 1.0
            nodes[f"{key}.synapse"] = synapse
            nodes[f"{key}.neuron"] = _neuron_node(nir, layer.neuron, shape, dt, force, where)
        elif isinstance(layer, SpikingNeuron):
            if pooled != 1.0:
                break
            nodes[key] = _neuron_node(nir, layer, shape, dt, force, where)
        elif isinstance(layer, Temporal) and isinstance(layer.layer, Dropout):
            continue  # the identity when the graph runs
        elif isinstance(layer, Temporal) and isinstance(layer.layer, (Flatten, AvgPool2d)):
            inner = layer.layer
            if isinstance(inner, Flatten):
                nodes[key] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)
            else:
                kind = nir.AvgPool2d if pooling == "avg" else nir.SumPool2d
                nodes[key] = kind(kernel_size=_pair(inner.kernel_size), stride=_pair(inner.stride),
                                  padding=_pair(inner.padding))
                if pooling == "sum":  # the average is the sum over the window size
                    pooled, pooled_at = pooled / math.prod(_pair(inner.kernel_size).tolist()), label(layer)
            shape = tuple(inner.output_shape(shape))
        else:
            raise ParameterError(f"{where} has no NIR node: {_no_node(layer)}")
    if pooled != 1.0:
        raise ParameterError(f"to_nir(pooling='sum'): layer {pooled_at!r} has no weight layer after it (before a "
                             "neuron or the end) to take the window's 1/size; use pooling='avg'")
    nodes["output"] = nir.Output(output_type={"output": np.array(shape)})
    names = list(nodes)
    edges = [(a, b) for a, b in zip(names, names[1:])]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt, "source": "neuronkit"})


def _export_layers(model: Any) -> list[Module]:
    if isinstance(model, Sequential):
        layers = list(model)
    elif isinstance(model, (SpikingDense, SpikingConv2d, SpikingNeuron)):
        layers = [model]
    else:
        raise ParameterTypeError(must_be("model", "a Sequential of spiking layers or one spiking layer",
                                         type(model).__name__, "to_nir"))
    while layers and isinstance(layers[0], Encoder):
        layers = layers[1:]  # NIR graphs start at what the encoder gives
    for layer in layers:
        if isinstance(layer, Encoder):
            raise ParameterError(f"to_nir: layer {label(layer)!r} ({type(layer).__name__}) is an encoder after "
                                 "the first layer; NIR graphs have no encoders: only leading ones are left out")
    if not layers:
        raise ParameterError("to_nir: the model has no layer after its encoder; give it spiking layers")
    return layers


def _first_shape(layers: list[Module], input_shape: Any) -> tuple[int, ...]:
    if input_shape is not None:
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
        if not shape or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
                                for n in shape):
            raise ParameterError(must_be("input_shape", "a tuple of positive ints (one time step of one sample, "
                                         "e.g. (1, 28, 28))", input_shape, "to_nir"))
        return tuple(int(n) for n in shape)
    first = layers[0]
    if isinstance(first, SpikingDense):
        return (first.in_features,)
    raise ParameterError(f"to_nir needs input_shape= for a network that starts with layer {label(first)!r} "
                         f"({type(first).__name__}): one time step of one sample, e.g. input_shape=(1, 28, 28) "
                         "(NIR's nodes record their input shapes)")


def _pair(value: Any) -> np.ndarray:
    return np.array(value if isinstance(value, tuple) else (value, value))


def _no_node(layer: Module) -> str:
    inner = layer.layer if isinstance(layer, Temporal) else layer
    kind = type(inner).__name__
    if "MaxPool" in kind:
        return "NIR has no max pooling node; use average pooling (AvgPool2d), which NIR has"
    if isinstance(inner, SpikingNeuron):
        return f"NIR has no {kind} neuron; its neurons are LIF, IF, LI, I and CubaLIF (our Synaptic)"
    return ("NIR graphs here take SpikingDense, SpikingConv2d, LIF/LI/Synaptic neurons, and Flatten, "
            "AvgPool2d or Dropout in Temporal")


def _synapse_node(nir: Any, layer: Any, shape: tuple[int, ...], pooled: float) -> tuple[Any, tuple[int, ...]]:
    """The weight layer's node (its weights times ``pooled``, a sum pooling's 1/window) and the shape after it."""
    synapse = layer.synapse
    weight = np.array(synapse.weight.data)
    if pooled != 1.0:
        weight = (weight * pooled).astype(weight.dtype)
    bias = None if synapse.bias is None else np.array(synapse.bias.data)
    if isinstance(layer, SpikingDense):
        if shape != (layer.in_features,):
            raise ParameterError(f"layer {label(layer)!r} (SpikingDense) takes {layer.in_features} inputs per time "
                                 f"step; what comes before it gives {shape}" +
                                 (": flatten it first (Temporal(Flatten()))" if len(shape) > 1 else ""))
        node = nir.Linear(weight=weight) if bias is None else nir.Affine(weight=weight, bias=bias)
        return node, (layer.out_features,)
    if len(shape) != 3:
        raise ParameterError(f"layer {label(layer)!r} (SpikingConv2d) takes (C, H, W) per time step; the layer "
                             f"before it gives {shape}: give to_nir input_shape=(C, H, W)")
    pads = synapse._pads
    padding: Any = tuple(p[0] for p in pads) if all(a == b for a, b in pads) else "same"
    node = nir.Conv2d(input_shape=shape[1:], weight=weight, stride=tuple(synapse.stride), padding=padding,
                      dilation=tuple(synapse.dilation), groups=synapse.groups,
                      bias=np.zeros(weight.shape[0], dtype=weight.dtype) if bias is None else bias)
    return node, tuple(synapse.output_shape(shape))


def _per_neuron(held: Any, shape: tuple[int, ...], what: str, where: str) -> np.ndarray:
    """A constant (one number, or one per neuron) as a float64 array of the layer's output shape."""
    value = np.asarray(held.data if isinstance(held, Tensor) else held, dtype=np.float64)
    try:
        return np.array(np.broadcast_to(value, shape))
    except ValueError:
        raise ParameterError(f"{where}: its {what} has shape {value.shape}, which does not fit its neurons "
                             f"{shape}") from None


def _reset_refused(neuron: Any, force: bool, where: str, why: str, fix: str = "reset='zero'") -> None:
    message = f"{where}: its {type(neuron).__name__} has reset={neuron.reset!r}, and {why}"
    if not force:
        raise ParameterError(f"{message}; use {fix}, or pass force=True to export it as a zero reset "
                             "(its spikes then differ)")
    warnings.warn(f"{message}; exported as a zero reset (force=True): the graph's spikes differ from the model's",
                  NeuronkitWarning, stacklevel=4)


def _decay_tau(decay: np.ndarray, dt: float, what: str, where: str) -> np.ndarray:
    """The Euler time constant dt / (1 - decay) of decays below 1."""
    if np.any(decay >= 1.0):
        raise ParameterError(f"{where}: its {what} is 1 for some neurons but not all (an infinite time "
                             "constant in NIR); make it 1 for all (an integrator) or below 1 for all")
    return dt / (1.0 - decay)


def _neuron_node(nir: Any, neuron: Any, shape: tuple[int, ...], dt: float, force: bool, where: str) -> Any:
    if type(neuron) is LIF:
        if neuron.refractory_steps:
            raise ParameterError(f"{where}: its LIF has a refractory period ({neuron.refractory}); NIR's LIF has "
                                 "none: set refractory=0")
        if neuron.reset != "zero":
            _reset_refused(neuron, force, where, "NIR's LIF has no subtract reset (it sets the membrane to "
                           "v_reset at a spike)" if neuron.reset == "subtract" else
                           "NIR's LIF always resets (to v_reset at a spike)")
        beta = _per_neuron(neuron.beta, shape, "beta", where)
        threshold = _per_neuron(neuron.threshold, shape, "threshold", where)
        v_reset = np.full(shape, float(neuron.v_reset))
        if np.all(beta == 1.0):  # no leak: the integrate-and-fire neuron
            return nir.IF(r=np.full(shape, 1.0 / dt), v_threshold=threshold, v_reset=v_reset)
        tau = _decay_tau(beta, dt, "beta", where)
        return nir.LIF(tau=tau, r=tau / dt, v_leak=np.full(shape, float(neuron.v_rest)), v_threshold=threshold,
                       v_reset=v_reset)
    if type(neuron) is LI:
        beta = _per_neuron(neuron.beta, shape, "beta", where)
        if np.all(beta == 1.0):
            return nir.I(r=np.full(shape, 1.0 / dt))
        tau = _decay_tau(beta, dt, "beta", where)
        return nir.LI(tau=tau, r=tau / dt, v_leak=np.full(shape, float(neuron.v_rest)))
    if type(neuron) is Synaptic:
        if neuron.reset != "zero":
            _reset_refused(neuron, force, where, "NIR's CubaLIF has no subtract reset (it sets the membrane to "
                           "v_reset at a spike)" if neuron.reset == "subtract" else
                           "NIR's CubaLIF always resets (to v_reset at a spike)",
                           fix="reset='zero', reset_delay=False" if neuron.reset_delay else "reset='zero'")
        elif neuron.reset_delay:
            _reset_refused(neuron, force, where, "reset_delay=True: its reset acts one step after the spike and "
                           "drops that step's input, unlike NIR's CubaLIF (which is Synaptic(reset='zero', "
                           "reset_delay=False))", fix="reset_delay=False")
        tau_syn = _decay_tau(_per_neuron(neuron.alpha, shape, "alpha", where), dt, "alpha", where)
        tau_mem = _decay_tau(_per_neuron(neuron.beta, shape, "beta", where), dt, "beta", where)
        return nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=tau_mem / dt, v_leak=np.zeros(shape),
                           v_threshold=_per_neuron(neuron.threshold, shape, "threshold", where),
                           v_reset=np.zeros(shape), w_in=tau_syn / dt)
    raise ParameterError(f"{where} has no NIR node: {_no_node(neuron)}")


# ---------------------------------------------------------------------------------- import
_WEIGHTS = ("Affine", "Linear", "Conv2d")
_NEURONS = ("LIF", "IF", "LI", "I", "CubaLIF")
_SHAPES = ("Flatten", "AvgPool2d", "SumPool2d")


def from_nir(graph: Any, *, dt: float | None = None, dtype: Any = np.float32) -> Sequential:
    """The Sequential a chain-shaped NIR graph (or NIR file) describes, stepping with ``dt``.

    Nodes map as the module docstring's table says: a weight node (``Affine``, ``Linear``,
    ``Conv2d``) and the neuron node after it become one spiking layer (a weight node without one
    gets ``LI(beta=0)``, a neuron without memory); ``LIF``/``IF`` become ``LIF(reset="zero",
    reset_delay=False)``, ``LI``/``I`` become ``LI``, ``CubaLIF`` becomes ``Synaptic(reset="zero",
    reset_delay=False)``, with
    :math:`\\beta = 1 - dt/\\tau` and the input scale (:math:`dt\\,R/\\tau`, ...) folded into the
    weights; ``Flatten``, ``AvgPool2d`` and ``SumPool2d`` become Temporal layers.

    Parameters
    ----------
    graph : nir.NIRGraph, or the path of a NIR file
    dt : float, optional
        The time step; by default the one :func:`to_nir` stored in the graph's metadata (a graph from
        elsewhere needs it: snnTorch's use ``1e-4``).
    dtype : float32 (default) or float64
        The layers' dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import nir
    >>> from neuronkit.spiking import from_nir
    >>> graph = nir.NIRGraph.from_list(
    ...     nir.Affine(weight=np.array([[1.0, 1.0]]), bias=np.array([0.0])),
    ...     nir.LIF(tau=np.array([2.0]), r=np.array([2.0]), v_leak=np.array([0.0]), v_threshold=np.array([1.5]),
    ...             v_reset=np.array([0.0])))
    >>> net = from_nir(graph, dt=1.0)           # beta = 1 - 1/2, input scale dt·r/tau = 1
    >>> net[0].neuron
    LIF(beta=0.5, threshold=1.5, reset='zero')
    >>> net(np.ones((4, 1, 2), dtype=np.float32)).data.ravel()   # 2, then 2 again after each reset
    array([1., 1., 1., 1.], dtype=float32)
    """
    nir = _nir()
    if isinstance(graph, (str, os.PathLike)):
        graph = read_nir(graph)
    if not isinstance(graph, nir.NIRGraph):
        raise ParameterTypeError(must_be("graph", "a nir.NIRGraph or the path of a NIR file", type(graph).__name__,
                                         "from_nir"))
    if dt is None:
        dt = (graph.metadata or {}).get("dt") if isinstance(graph.metadata, Mapping) else None
        if dt is None:
            raise ParameterError("from_nir: the graph does not record its time step (graphs from to_nir do); "
                                 "pass dt=..., the step its time constants are to be discretised with "
                                 "(snnTorch writes and reads its graphs with dt=1e-4)")
    dt = check_number(float(np.asarray(dt)), "dt", low=0.0, low_open=True, owner="from_nir")
    dtype = float_dtype(dtype, owner="from_nir")
    chain = _chain(nir, graph)
    layers: list[Module] = []
    pooled = 1.0  # the window sizes of sum poolings not yet folded into a weight node
    pooled_at = ""
    i = 0
    while i < len(chain):
        key, node = chain[i]
        kind = type(node).__name__
        if kind in _WEIGHTS:
            neuron: SpikingNeuron = LI(beta=0.0, dtype=dtype)
            scale = np.ones(())
            if i + 1 < len(chain) and type(chain[i + 1][1]).__name__ in _NEURONS:
                neuron, scale = _named_neuron(chain[i + 1][0], chain[i + 1][1], dt, dtype)
                i += 1
            layers.append(_weight_layer(key, node, neuron, scale, pooled, dtype))
            pooled = 1.0
        elif kind in _NEURONS:
            neuron, scale = _named_neuron(key, node, dt, dtype)
            if not np.allclose(scale, 1.0, rtol=1e-6, atol=0.0) or pooled != 1.0:
                raise ParameterError(f"from_nir: node {key!r} ({kind}) scales its input by "
                                     f"{_show(scale * pooled)} (dt·r/tau, ...) and no weight node comes before it "
                                     "to fold that into; neuronkit's neurons take their input as it is")
            layers.append(neuron)
        elif kind == "Flatten":
            layers.append(Temporal(_flatten(key, node)))
        elif kind in ("AvgPool2d", "SumPool2d"):
            kernel = tuple(int(k) for k in np.broadcast_to(np.asarray(node.kernel_size), (2,)))
            stride = tuple(int(s) for s in np.broadcast_to(np.asarray(node.stride), (2,)))
            padding = tuple(int(p) for p in np.broadcast_to(np.asarray(node.padding), (2,)))
            layers.append(Temporal(AvgPool2d(kernel, stride, padding)))
            if kind == "SumPool2d":  # a sum is the average times the window: the factor goes into the next weights
                pooled *= math.prod(kernel)
                pooled_at = key
        else:
            raise ParameterError(f"from_nir: node {key!r} has type {kind}, which neuronkit cannot map; it maps "
                                 f"{', '.join(_WEIGHTS + _NEURONS + _SHAPES)}, Input and Output")
        i += 1
    if pooled != 1.0:
        raise ParameterError(f"from_nir: SumPool2d node {pooled_at!r} has no weight node after it to take its "
                             "window size (neuronkit pools by averaging); put a weight node after it")
    if not layers:
        raise ParameterError("from_nir: the graph has no node between its Input and Output")
    return Sequential(*layers)


def _chain(nir: Any, graph: Any) -> list[tuple[str, Any]]:
    """The graph's nodes from its Input to its Output, in order (Input and Output left out); refuses branches."""
    nodes = graph.nodes
    outgoing: dict[str, list[str]] = {k: [] for k in nodes}
    incoming: dict[str, list[str]] = {k: [] for k in nodes}
    for a, b in graph.edges:
        for end in (a, b):
            if end not in nodes:
                raise ParameterError(f"from_nir: the graph has an edge ({a!r}, {b!r}) to or from node {end!r}, "
                                     "which it does not hold")
        outgoing[a].append(b)
        incoming[b].append(a)
    for key, node in nodes.items():
        if isinstance(node, nir.NIRGraph):
            raise ParameterError(f"from_nir: node {key!r} is a subgraph (NIRGraph, e.g. a recurrent layer); "
                                 "from_nir takes feed-forward chains Input -> ... -> Output")
        for edges, what in ((outgoing[key], "feeds"), (incoming[key], "is fed by")):
            if len(edges) > 1:
                raise ParameterError(f"from_nir: the graph is not a chain: node {key!r} ({type(node).__name__}) "
                                     f"{what} {len(edges)} nodes ({', '.join(map(repr, sorted(edges)))}); from_nir "
                                     "takes feed-forward chains Input -> ... -> Output")
    starts = [k for k, node in nodes.items() if isinstance(node, nir.Input)]
    if len(starts) != 1:
        raise ParameterError(f"from_nir: the graph needs one Input node; it has {len(starts)}")
    chain: list[tuple[str, Any]] = []
    key = starts[0]
    seen = {key}
    while outgoing[key]:
        key = outgoing[key][0]
        if key in seen:
            raise ParameterError(f"from_nir: the graph is not a chain: it comes back to node {key!r}")
        seen.add(key)
        if not isinstance(nodes[key], nir.Output):
            chain.append((key, nodes[key]))
    if not isinstance(nodes[key], nir.Output):
        raise ParameterError(f"from_nir: the chain from the Input ends at node {key!r} ({type(nodes[key]).__name__}), "
                             "not at an Output node")
    left = sorted(set(nodes) - seen)
    if left:
        raise ParameterError(f"from_nir: the graph is not a chain: node {left[0]!r} ({type(nodes[left[0]]).__name__}) "
                             "is not on the path from the Input to the Output")
    return chain


def _show(value: Any) -> str:
    array = np.unique(np.asarray(value, dtype=np.float64))
    return f"{array[0]:.6g}" if array.size == 1 else f"{array.min():.6g}..{array.max():.6g}"


def _arr(node: Any, name: str) -> np.ndarray:
    return np.asarray(getattr(node, name), dtype=np.float64)


def _constant(value: np.ndarray, name: str, key: str, *, uniform: bool = False) -> Any:
    """A node parameter as our neuron takes it: one number, or a list of one per neuron (a 1-D layer)."""
    flat = value.ravel()
    if flat.size and np.all(flat == flat[0]):
        return float(flat[0])
    if uniform or value.ndim != 1:
        raise ParameterError(f"from_nir: node {key!r} has a {name} that varies over its neurons "
                             f"({_show(value)}, shape {value.shape}); neuronkit takes one {name} for all of "
                             "them here" + ("" if uniform else " (one per neuron only for a 1-D layer)"))
    return flat.tolist()


def _decay(tau: np.ndarray, dt: float, name: str, key: str) -> np.ndarray:
    if np.any(tau < dt):
        raise ParameterError(f"from_nir: node {key!r} has {name} = {_show(tau)} below the time step dt = {dt:g}: its "
                             "Euler step 1 - dt/tau would be negative; pass a smaller dt")
    return 1.0 - dt / tau


def _named_neuron(key: str, node: Any, dt: float, dtype: np.dtype) -> tuple[SpikingNeuron, np.ndarray]:
    """:func:`_neuron`, a neuron's own refusal (a threshold below the reset, ...) naming the node."""
    try:
        return _neuron(key, node, dt, dtype)
    except ParameterError as error:
        if str(error).startswith("from_nir:"):
            raise
        raise ParameterError(f"from_nir: node {key!r} ({type(node).__name__}): {error}") from None


def _neuron(key: str, node: Any, dt: float, dtype: np.dtype) -> tuple[SpikingNeuron, np.ndarray]:
    """Our neuron for a NIR neuron node, and the factor its input current is scaled by (for the weights)."""
    kind = type(node).__name__
    if kind in ("LIF", "IF"):
        if kind == "LIF":
            tau = _arr(node, "tau")
            beta, scale, v_rest = _decay(tau, dt, "tau", key), dt * _arr(node, "r") / tau, _arr(node, "v_leak")
        else:
            beta, scale, v_rest = np.ones(()), dt * _arr(node, "r"), np.zeros(())
        neuron: SpikingNeuron = LIF(beta=_constant(beta, "tau", key), threshold=_constant(_arr(node, "v_threshold"),
                                    "v_threshold", key), v_rest=_constant(v_rest, "v_leak", key, uniform=True),
                                    v_reset=_constant(_arr(node, "v_reset"), "v_reset", key, uniform=True),
                                    reset="zero", reset_delay=False, dtype=dtype)
        return neuron, scale
    if kind in ("LI", "I"):
        if kind == "LI":
            tau = _arr(node, "tau")
            beta, scale, v_rest = _decay(tau, dt, "tau", key), dt * _arr(node, "r") / tau, _arr(node, "v_leak")
        else:
            beta, scale, v_rest = np.ones(()), dt * _arr(node, "r"), np.zeros(())
        return LI(beta=_constant(beta, "tau", key), v_rest=_constant(v_rest, "v_leak", key, uniform=True),
                  dtype=dtype), scale
    # CubaLIF
    for name in ("v_leak", "v_reset"):
        if np.any(_arr(node, name) != 0.0):
            raise ParameterError(f"from_nir: node {key!r} (CubaLIF) has {name} = {_show(_arr(node, name))}; "
                                 f"neuronkit's Synaptic rests and resets at 0: only {name} = 0 maps")
    tau_syn, tau_mem = _arr(node, "tau_syn"), _arr(node, "tau_mem")
    alpha, beta = _decay(tau_syn, dt, "tau_syn", key), _decay(tau_mem, dt, "tau_mem", key)
    scale = (dt * _arr(node, "w_in") / tau_syn) * (dt * _arr(node, "r") / tau_mem)
    return Synaptic(alpha=_constant(alpha, "tau_syn", key), beta=_constant(beta, "tau_mem", key),
                    threshold=_constant(_arr(node, "v_threshold"), "v_threshold", key), reset="zero",
                    reset_delay=False, dtype=dtype), scale


def _weight_layer(key: str, node: Any, neuron: SpikingNeuron, scale: np.ndarray, pooled: float,
                  dtype: np.dtype) -> Module:
    """The spiking layer of a weight node, the neuron's input scale (and a sum pooling's window) folded in."""
    kind = type(node).__name__
    weight = np.asarray(node.weight, dtype=np.float64) * pooled
    bias = np.asarray(node.bias, dtype=np.float64) if kind != "Linear" else None
    if kind in ("Affine", "Linear"):
        if weight.ndim != 2:
            raise ParameterError(f"from_nir: node {key!r} ({kind}) has a weight of shape {weight.shape}; neuronkit "
                                 "maps 2-D weights (out, in)")
        out = weight.shape[0]
        factor = np.broadcast_to(scale, (out,)) if scale.ndim <= 1 else None
        if factor is None:
            raise ParameterError(f"from_nir: the neuron after node {key!r} has shape {scale.shape}, not ({out},)")
        layer: Any = SpikingDense(weight.shape[1], out, neuron=neuron, bias=bias is not None, init="zeros",
                                  dtype=dtype)
        layer.synapse.weight.data[...] = weight * factor[:, None]
        if bias is not None:
            layer.synapse.bias.data[...] = bias * factor
        return layer
    # Conv2d
    if weight.ndim != 4:
        raise ParameterError(f"from_nir: node {key!r} (Conv2d) has a weight of shape {weight.shape}; neuronkit "
                             "maps (C_out, C_in, kH, kW)")
    out = weight.shape[0]
    per_channel = scale.reshape(out, -1) if scale.ndim == 3 else np.broadcast_to(scale, (out, 1))
    if np.any(per_channel != per_channel[:, :1]):
        raise ParameterError(f"from_nir: the neuron after node {key!r} scales its input differently over the "
                             "positions of a channel; neuronkit folds the scale into the convolution, one per "
                             "channel")
    factor = per_channel[:, 0]
    padding = node.padding
    if isinstance(padding, str):
        padding = 0 if padding == "valid" else padding
    else:
        padding = tuple(int(p) for p in np.broadcast_to(np.asarray(padding), (2,)))
    layer = SpikingConv2d(weight.shape[1] * int(node.groups), out, tuple(weight.shape[2:]),
                          tuple(int(s) for s in np.broadcast_to(np.asarray(node.stride), (2,))), padding,
                          tuple(int(d) for d in np.broadcast_to(np.asarray(node.dilation), (2,))), int(node.groups),
                          True, neuron=neuron, init="zeros", dtype=dtype)
    layer.synapse.weight.data[...] = weight * factor[:, None, None, None]
    layer.synapse.bias.data[...] = np.asarray(node.bias, dtype=np.float64) * factor
    return layer


def _flatten(key: str, node: Any) -> Flatten:
    shape = node.input_type.get("input") if isinstance(node.input_type, Mapping) else None
    rank = None if shape is None else len(np.atleast_1d(shape))
    start, end = int(node.start_dim), int(node.end_dim)
    whole = start == 0 and (end == -1 or (rank is not None and end == rank - 1))
    if not whole:
        raise ParameterError(f"from_nir: node {key!r} (Flatten) flattens dimensions {start}..{end} of each sample; "
                             "neuronkit's Flatten joins all of them (start_dim=0, end_dim=-1)")
    return Flatten()


# ---------------------------------------------------------------------------------- files
def write_nir(model: Any, path: Any, *, dt: float = 1.0, input_shape: Any = None, pooling: str = "avg",
              force: bool = False) -> None:
    """Write a model (through :func:`to_nir`, with these options) or a ``nir.NIRGraph`` to a NIR file.

    The file is NIR's HDF5 format (``nir.write``: arrays and strings, no pickle), which any NIR
    reader takes. The write is atomic: the bytes go to a temporary file that replaces ``path`` only
    when complete, so a crash leaves the old file.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> from neuronkit.spiking import LIF, SpikingDense, write_nir, read_nir
    >>> path = os.path.join(tempfile.mkdtemp(), "net.nir")
    >>> write_nir(nk.Sequential(SpikingDense(3, 2, neuron=LIF(beta=0.9, reset="zero"), seed=0)), path)
    >>> sorted(read_nir(path).nodes)
    ['input', 'output', 'spiking1.neuron', 'spiking1.synapse']
    """
    nir = _nir()
    target = _as_path(path)
    graph = model if isinstance(model, nir.NIRGraph) else to_nir(model, dt=dt, input_shape=input_shape,
                                                                  pooling=pooling, force=force)
    buffer = _bytes_io.BytesIO()
    nir.write(buffer, graph)
    atomic_write_bytes(target, buffer.getvalue())


def read_nir(path: Any) -> Any:
    """The ``nir.NIRGraph`` in a NIR file (``nir.read``); :func:`from_nir` turns it into a Sequential.

    A missing file, a file that is not HDF5 and a file that HDF5 holds but NIR cannot read are
    refused naming the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import neuronkit as nk
    >>> from neuronkit.spiking import read_nir
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.nir")
    >>> with open(path, "w") as f:
    ...     _ = f.write("not a graph")
    >>> try:
    ...     read_nir(path)
    ... except nk.errors.ModelFileError as error:
    ...     print(str(error).replace(path, "notes.nir"))
    notes.nir is not a NIR file: it is not HDF5 (NIR files are HDF5, written by nir.write or write_nir)
    """
    nir = _nir()
    import h5py  # nir's dependency

    file = _as_path(path)
    if not file.exists():
        raise ModelFileNotFoundError(f"no NIR file at {file}; check the path (write one with write_nir)")
    if file.is_dir():
        raise ModelFileError(f"{file} is a directory; give the path of a NIR file")
    if not h5py.is_hdf5(file):
        raise ModelFileError(f"{file} is not a NIR file: it is not HDF5 (NIR files are HDF5, written by nir.write "
                             "or write_nir)")
    try:
        graph = nir.read(file)
    except (KeyError, ValueError, TypeError, AssertionError, OSError) as error:
        raise ModelFileError(f"{file} is an HDF5 file that nir cannot read as a graph: {error}") from None
    if not isinstance(graph, nir.NIRGraph):
        raise ModelFileError(f"{file} holds a single {type(graph).__name__} node, not a NIR graph")
    return graph
