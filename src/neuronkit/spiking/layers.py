r"""Spiking layers: a weight layer feeding a population of spiking neurons, run over time.

A spiking layer is two parts, each a field: ``synapse``, an ordinary weight layer (a
:class:`~neuronkit.Dense` or :class:`~neuronkit.Conv2d` without activation) that turns the
input spikes of each time step into input currents, and ``neuron``, a
``SpikingNeuron`` population (:mod:`neuronkit.spiking`) that integrates those currents
over time and fires. Data are time-major: a layer takes ``(T, batch, ...)`` and returns the
spikes ``(T, batch, ...)``. The synapse runs once on all ``T·batch`` rows (one matrix
product, not T of them); the neuron then runs its time loop::

    >>> import numpy as np
    >>> from neuronkit.spiking.layers import SpikingDense
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class IF(SpikingNeuron):                 # integrate-and-fire at 1, subtract 1
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         mem = state["mem"] + current
    ...         spikes = (mem.data >= 1.0).astype(np.float32)
    ...         return spikes, {"mem": mem - spikes}
    >>> layer = SpikingDense(2, 1, neuron=IF(), seed=0)
    >>> layer.synapse.weight.data[:] = [[0.5, 0.25]]
    >>> x = np.array([[[1, 0]], [[1, 1]], [[0, 1]], [[1, 0]]], dtype=np.float32)   # (T=4, batch=1, 2)
    >>> layer(x).data.ravel()                       # currents 0.5, 0.75, 0.25, 0.5: sums 0.5, 1.25 -> fire...
    array([0., 1., 0., 1.], dtype=float32)

:class:`Temporal` applies a layer without memory (pooling, flatten, dropout) at every time step
by merging the time and batch axes. ``layer.neurons[i]`` is a view onto neuron ``i`` of a
spiking layer: its weights, bias, the neuron model's parameters, and
:meth:`SpikingNeuronView.explain`, the membrane update written out step by step.

Shapes for ``output_shape`` (what :func:`neuronkit.build` infers sizes from) leave out the
time axis, as an encoder's do: ``SpikingDense(784, 128).output_shape((784,)) == (128,)``; a
shape that does carry it, ``(T, 784)``, gives ``(T, 128)``. ``Sequential.summary`` shows the
time axis of every layer after an encoder.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..engine import Tensor, eval_mode, no_grad, ops
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..init import float_dtype
from ..layers.base import (
    ArraySpec,
    Module,
    _UnitList,
    _UnitView,
    built_from_arrays,
    check_name,
    constructor_options,
    label,
    layer_expected_arrays,
    layer_from_config,
    layer_input,
    register_layer,
)
from ..layers.conv import Conv2d
from ..layers.counting import Count, count_layer, register_cost, scaled
from ..layers.dense import Dense
from ..layers.spec import register_neuron_naming
from ..validation import check_array, check_int, check_options, must_be
from .neurons import SpikingNeuron

__all__ = ["SpikingConv2d", "SpikingDense", "SpikingExplanation", "SpikingNeuronList", "SpikingNeuronView",
           "SpikingStep", "Temporal", "is_neuron_name", "make_neuron", "neuron_spec"]

#: the decays a bare neuron name gets when its model needs one and the name gives neither it nor its time
#: constant: ``"lif"`` is LIF(beta=0.9), the issue's workload; ``"synaptic"`` is Synaptic(alpha=0.8, beta=0.9)
DEFAULT_DECAYS = {"beta": (0.9, ("tau", "tau_mem")), "alpha": (0.8, ("tau_syn",))}


def _neuron_registry() -> Any:
    from . import neurons  # the models register themselves in neurons.NEURONS

    registry = getattr(neurons, "NEURONS", None)
    if registry is None:
        raise ParameterError("no spiking neuron models are registered in this version of neuronkit; pass a "
                             "SpikingNeuron instance as neuron=")
    return registry


def is_neuron_name(value: Any) -> bool:
    """Does ``value`` name a registered spiking neuron model (``"lif"``, or the spec's ``{"name": "lif", ...}``)?

    Examples
    --------
    >>> from neuronkit.spiking.layers import is_neuron_name
    >>> is_neuron_name("lif"), is_neuron_name({"name": "alif", "rho": 0.9}), is_neuron_name("relu")
    (True, True, False)
    """
    name = value.get("name") if isinstance(value, Mapping) else value
    if not isinstance(name, str):
        return False
    try:
        return name in _neuron_registry()
    except ParameterError:
        return False


def _from_name(name: str, options: Mapping[str, Any], dtype: Any) -> SpikingNeuron:
    cls = _neuron_registry().get(name)
    check_options("spiking neuron", name, cls, options)
    options = dict(options)
    parameters = inspect.signature(cls).parameters
    for decay, (value, time_constants) in DEFAULT_DECAYS.items():
        needed = decay in parameters and parameters[decay].default is None
        if needed and options.get(decay) is None and all(options.get(tau) is None for tau in time_constants):
            options[decay] = value
    if "dtype" in parameters and "dtype" not in options:
        options["dtype"] = dtype
    return cls(**options)


def make_neuron(spec: Any = "lif", *, dtype: Any = np.float32, owner: str = "neuron") -> Module:
    """The neuron population a spiking layer's ``neuron=`` names.

    ``spec`` is a ``SpikingNeuron`` (a model such as ``LIF``, used as it is), a name in the
    neuron registry (``"lif"`` is ``LIF(beta=0.9)``: a name whose model needs a decay it does not
    give gets the one in ``DEFAULT_DECAYS``), the spec's form ``{"name": "lif", "beta": 0.8}``,
    or a saved config ``{"type": "LIF", ...}`` (what a spiking layer's ``config()`` stores).

    Examples
    --------
    >>> from neuronkit.spiking.layers import make_neuron
    >>> make_neuron("lif"), make_neuron({"name": "lif", "beta": 0.8, "reset": "zero"})
    (LIF(beta=0.9, threshold=1.0, reset='subtract'), LIF(beta=0.8, threshold=1.0, reset='zero'))
    >>> make_neuron("synaptic")
    Synaptic(alpha=0.8, beta=0.9)
    """
    return _make_neuron(spec, dtype, owner)


def _make_neuron(spec: Any, dtype: Any, owner: str) -> SpikingNeuron:
    if isinstance(spec, SpikingNeuron):
        return spec
    if isinstance(spec, str):
        return _from_name(spec, {}, dtype)
    if isinstance(spec, Mapping) and isinstance(spec.get("type"), str):
        neuron = layer_from_config(spec)
        if not isinstance(neuron, SpikingNeuron):
            raise ParameterTypeError(must_be("neuron", "a spiking neuron model's config", spec.get("type"), owner))
        return neuron
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        options = {key: value for key, value in spec.items() if key != "name"}
        return _from_name(spec["name"], options, dtype)
    if isinstance(spec, Module):
        raise ParameterTypeError(must_be("neuron", "a spiking neuron model (nk.spiking.LIF(...), ...) or its name",
                                         type(spec).__name__, owner))
    raise ParameterTypeError(must_be("neuron", "a spiking neuron model or its name, e.g. 'lif' or "
                                     "nk.spiking.LIF(beta=0.8)", spec, owner))


def _neuron_config(neuron: Module) -> dict[str, Any]:
    """The neuron's config as a layer stores it: without a name (the neuron takes its layer's when it runs)."""
    config = dict(neuron.config())
    if "name" in config:
        config["name"] = None
    return config


def neuron_spec(neuron: Module) -> Any:
    """How the architecture spec writes a neuron: its name (``"lif"``), or ``{"name": "lif", options}``
    with the options that differ from what the bare name builds.

    Examples
    --------
    >>> from neuronkit.spiking import LIF
    >>> from neuronkit.spiking.layers import neuron_spec
    >>> neuron_spec(LIF(beta=0.9)), neuron_spec(LIF(beta=0.8, threshold=0.5))
    ('lif', {'name': 'lif', 'beta': 0.8, 'threshold': 0.5})
    """
    registry = _neuron_registry()
    config = _neuron_config(neuron) if hasattr(type(neuron), "config") else {}
    kind = config.get("type", type(neuron).__name__)
    names = [n for n in registry.names() if registry.get(n) is type(neuron)]
    if not names:
        raise ParameterError(f"the spec cannot describe a {kind}: it is not a registered spiking neuron model "
                             f"(those are: {', '.join(registry.names())})")
    name = names[0]
    reference = _neuron_config(_from_name(name, {}, config.get("dtype", np.float32)))
    options = {key: value for key, value in config.items()
               if key not in ("type", "name", "dtype") and reference.get(key) != value}
    return name if not options else {"name": name, **options}


# ------------------------------------------------------------------ the layers
class _SpikingLayer(Module):
    """What SpikingDense and SpikingConv2d share: synapse -> currents on the T·B rows -> neuron over time."""

    name_prefix = "spiking"
    synapse: Any
    neuron: SpikingNeuron
    _sample_ndim = 1  # the rank of one time step of one sample: (in,) for Dense, (C, H, W) for Conv2d

    @property
    def dtype(self) -> np.dtype:
        return self.synapse.weight.dtype

    @property
    def weight(self) -> Any:
        """The synapse's weight Parameter (its ``neurons[i].weights`` are views onto it)."""
        return self.synapse.weight

    @property
    def bias(self) -> Any:
        return self.synapse.bias

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        """``x`` as a Tensor (T, B, ...), and whether it was one sample (T, ...) (then B = 1 was added)."""
        x = layer_input(self, x, None, self.dtype)
        n = self._sample_ndim
        if x.ndim == n:
            raise ShapeError(f"layer {label(self)!r} takes time-major input (T, batch, {self._needs()}) or one sample "
                             f"(T, {self._needs()}); got shape {x.shape}, which has no time axis: put an encoder "
                             "first (rate(25) in a spec, nk.spiking.RateEncoder(25)) to turn data into spikes over "
                             "time")
        if x.ndim not in (n + 1, n + 2) or not self._fits(x.shape[-n:]):
            raise ShapeError(f"layer {label(self)!r} takes time-major input (T, batch, {self._needs()}) or one sample "
                             f"(T, {self._needs()}); got shape {x.shape}")
        if x.shape[0] == 0:
            raise ShapeError(f"layer {label(self)!r} got an input with T = 0 time steps (shape {x.shape}); give at "
                             "least one step")
        if x.ndim == n + 1:
            return ops.reshape(x, (x.shape[0], 1, *x.shape[1:])), True
        return x, False

    def _needs(self) -> str:
        raise NotImplementedError

    def _fits(self, step_shape: tuple[int, ...]) -> bool:
        raise NotImplementedError

    def currents(self, x: Any) -> Tensor:
        """The input currents (T, batch, ...) the synapse gives the neurons: one weight-layer call on T·batch rows."""
        x, single = self._input(x)
        T, B = x.shape[:2]
        z = self.synapse.potential(ops.reshape(x, (T * B, *x.shape[2:])))
        z = ops.reshape(z, (T, B, *z.shape[1:]))
        return ops.reshape(z, (T, *z.shape[2:])) if single else z

    def forward(self, x: Any) -> Tensor:
        x, single = self._input(x)
        T, B = x.shape[:2]
        z = self.synapse.potential(ops.reshape(x, (T * B, *x.shape[2:])))
        currents = ops.reshape(z, (T, B, *z.shape[1:]))
        self.neuron.name = self.name  # the neuron records (emit) under its layer's name
        spikes = self.neuron(currents)
        return ops.reshape(spikes, (T, *spikes.shape[2:])) if single else spikes

    def output_shape(self, in_shape: Any) -> tuple[int, ...]:
        """One sample's output shape, without the time axis (as :func:`neuronkit.build` passes it) or with it."""
        shape = tuple(in_shape)
        n = self._sample_ndim
        if len(shape) == n + 1:
            return (shape[0], *self._step_shape(shape[1:], shape))
        return self._step_shape(shape, shape)

    def _step_shape(self, step: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def neurons(self) -> SpikingNeuronList:
        """The layer's neurons as views: ``layer.neurons[i]`` (weights, bias, model parameters, explain)."""
        return SpikingNeuronList(self)

    # ---- model files
    def config(self) -> dict[str, Any]:
        synapse = self.synapse.config()
        config: dict[str, Any] = {"type": type(self).__name__}
        config.update({key: value for key, value in synapse.items()
                       if key not in ("type", "activation", "name", "dtype", "l1", "l2")})
        config.update({"neuron": _neuron_config(self.neuron), "name": self.name, "dtype": str(self.dtype)})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        config = dict(config)
        if config.get("init") == "custom":  # the weights are loaded next: any initialiser does
            config["init"] = "zeros"
        constructor_options(cls, config, cls.__name__)
        return cls(**{"seed": 0, **config})

    @classmethod
    def _synapse_config(cls, options: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """The synapse's arrays under ``synapse.`` and the neuron model's (learned β, θ) under ``neuron.``."""
        options = constructor_options(cls, config, cls.__name__)
        arrays = {f"synapse.{key}": spec for key, spec in layer_expected_arrays(cls._synapse_config(options)).items()}
        neuron = options["neuron"]
        if isinstance(neuron, Mapping) and isinstance(neuron.get("type"), str):
            arrays.update({f"neuron.{key}": spec for key, spec in layer_expected_arrays(neuron).items()})
        else:  # a name: build the (small) neuron to see
            built = _make_neuron(neuron, float_dtype(options["dtype"], owner=cls.__name__), cls.__name__)
            arrays.update({f"neuron.{key}": (value.shape, value.dtype) for key, value in built.state_dict().items()})
        return arrays

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Any) -> Module:
        """The layer around stored weights: no initialiser runs (the constructor's zeros cost no work)."""
        return built_from_arrays(cls, config, arrays, lambda layer: layer.synapse)


@register_layer
class SpikingDense(_SpikingLayer):
    r"""A fully connected layer of spiking neurons: currents I_t = x_t Wᵀ + b, then the neuron model over time.

    .. math::

        I_{t,j} = \sum_i W_{ji}\, x_{t,i} + b_j, \qquad s_{t,j} = \text{neuron}(I_{1..t,j})

    (for the default LIF: :math:`m_t = \beta m_{t-1} + I_t - s_{t-1}\theta`, :math:`s_t = H(m_t - \theta)`).

    Parameters
    ----------
    in_features, out_features : int
        Inputs per time step, and neurons.
    neuron : str, dict or SpikingNeuron
        The neuron model: ``"lif"`` (``LIF(beta=0.9)``, the default), any name of the neuron
        registry, ``{"name": "lif", "beta": 0.8}``, or a model (``nk.spiking.LIF(beta=0.8)``).
    bias : bool
        Whether the neurons have a bias (a constant input current).
    init : str or callable, optional
        Weight initialiser (default Glorot uniform, as a Dense layer without activation).
    seed, rng, name, dtype
        As for :class:`~neuronkit.Dense`.

    Attributes: ``synapse`` (a :class:`~neuronkit.Dense` with identity activation: ``weight``
    (out_features, in_features), ``bias`` (out_features,)) and ``neuron`` (the population).
    Shapes: input (T, batch, in_features) or one sample (T, in_features); output the spikes,
    (T, batch, out_features) or (T, out_features). Inside a
    :func:`~neuronkit.spiking.record.record` block the neuron's state (``mem``, ...) is recorded
    under the layer's name.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.layers import SpikingDense
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class Step(SpikingNeuron):                      # fires whenever the current is positive
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         return (current.data > 0).astype(np.float32), {"mem": current}
    >>> layer = SpikingDense(3, 2, neuron=Step(), seed=0)
    >>> layer(np.ones((5, 4, 3), dtype=np.float32)).shape   # T = 5 steps, batch 4
    (5, 4, 2)
    >>> layer.output_shape((3,)), layer.synapse.weight.shape
    ((2,), (2, 3))
    """

    def __init__(self, in_features: int, out_features: int, *, neuron: Any = "lif", bias: bool = True,
                 init: Any = None, seed: int | None = None, rng: np.random.Generator | None = None,
                 name: str | None = None, dtype: Any = np.float32) -> None:
        owner = "SpikingDense"
        in_features = check_int(in_features, "in_features", low=1, owner=owner)
        out_features = check_int(out_features, "out_features", low=1, owner=owner)
        dtype = float_dtype(dtype, owner=owner)
        self.in_features, self.out_features = in_features, out_features  # fields: Sequential checks the chain
        self.synapse = Dense(in_features, out_features, activation="identity", init=init, bias=bias, seed=seed,
                             rng=rng, dtype=dtype)
        self.neuron = _make_neuron(neuron, dtype, owner)
        self.name = check_name(name, owner)

    def _needs(self) -> str:
        return str(self.in_features)

    def _fits(self, step_shape: tuple[int, ...]) -> bool:
        return step_shape == (self.in_features,)

    def _step_shape(self, step: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
        if step != (self.in_features,):
            fix = "flatten it first (a flatten layer)" if len(step) > 1 else \
                f"give it {self.in_features} inputs, or let the spec infer in_features"
            raise ShapeError(f"layer {label(self)!r} takes {self.in_features} inputs per time step; the layer before "
                             f"it gives {shape}: {fix}")
        return (self.out_features,)

    @classmethod
    def _synapse_config(cls, options: dict[str, Any]) -> dict[str, Any]:
        return {"type": "Dense", "in_features": options["in_features"], "out_features": options["out_features"],
                "activation": "identity", "init": options["init"], "bias": options["bias"], "l1": 0.0, "l2": 0.0,
                "name": None, "dtype": options["dtype"]}

    def __repr__(self) -> str:
        return (f"SpikingDense({self.in_features}, {self.out_features}, neuron={type(self.neuron).__name__}"
                f"{', name=' + repr(self.name) if self.name else ''})")


@register_layer
class SpikingConv2d(_SpikingLayer):
    r"""A convolution layer of spiking neurons: currents I_t = conv2d(x_t, W) + b, then the neuron model over time.

    Every output position of every filter is one spiking neuron with its own membrane; the
    filter's weights are shared over the positions, as in :class:`~neuronkit.Conv2d`.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        As for :class:`~neuronkit.Conv2d` (PyTorch's ``nn.Conv2d``).
    neuron : str, dict or SpikingNeuron
        The neuron model, as for :class:`SpikingDense` (default ``"lif"``: ``LIF(beta=0.9)``).
    init, seed, rng, name, dtype
        As for :class:`~neuronkit.Conv2d`.

    Shapes: input (T, batch, in_channels, H, W) or one sample (T, in_channels, H, W); output the
    spikes (T, batch, out_channels, Ho, Wo) (Ho, Wo as Conv2d's). The convolution runs once on
    all T·batch images.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.layers import SpikingConv2d
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class Step(SpikingNeuron):
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         return (current.data > 0).astype(np.float32), {"mem": current}
    >>> layer = SpikingConv2d(1, 4, 3, padding=1, neuron=Step(), seed=0)
    >>> layer(np.ones((6, 2, 1, 8, 8), dtype=np.float32)).shape
    (6, 2, 4, 8, 8)
    >>> layer.output_shape((1, 28, 28))
    (4, 28, 28)
    """

    _sample_ndim = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, *, neuron: Any = "lif", init: Any = None,
                 seed: int | None = None, rng: np.random.Generator | None = None, name: str | None = None,
                 dtype: Any = np.float32) -> None:
        owner = "SpikingConv2d"
        in_channels = check_int(in_channels, "in_channels", low=1, owner=owner)
        out_channels = check_int(out_channels, "out_channels", low=1, owner=owner)
        dtype = float_dtype(dtype, owner=owner)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.synapse = Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                              activation="identity", init=init, seed=seed, rng=rng, dtype=dtype)
        self.neuron = _make_neuron(neuron, dtype, owner)
        self.name = check_name(name, owner)

    @property
    def kernel_size(self) -> tuple[int, ...]:
        return tuple(self.synapse.kernel_size)

    def _needs(self) -> str:
        return f"C={self.in_channels}, H, W"

    def _fits(self, step_shape: tuple[int, ...]) -> bool:
        return step_shape[0] == self.in_channels

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        tensor, single = super()._input(x)
        try:
            self.synapse.output_shape(tensor.shape[2:])
        except ShapeError:
            raise ShapeError(f"layer {label(self)!r}: its {'x'.join(map(str, self.kernel_size))} kernel does not fit "
                             f"images of {tensor.shape[-2:]} (input shape {tuple(np.shape(x))}): use larger "
                             "inputs, more padding or a smaller kernel") from None
        return tensor, single

    def _step_shape(self, step: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(step) != 3 or step[0] != self.in_channels:
            raise ShapeError(f"layer {label(self)!r} needs (C={self.in_channels}, H, W) per time step; the layer "
                             f"before it gives {shape}")
        return self.synapse.output_shape(step)

    @classmethod
    def _synapse_config(cls, options: dict[str, Any]) -> dict[str, Any]:
        keys = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                "init", "dtype")
        return {"type": "Conv2d", **{key: options[key] for key in keys}, "activation": "identity", "name": None}

    def __repr__(self) -> str:
        k = self.kernel_size
        return (f"SpikingConv2d({self.in_channels}, {self.out_channels}, kernel_size={k}, "
                f"neuron={type(self.neuron).__name__}{', name=' + repr(self.name) if self.name else ''})")


@register_layer
class Temporal(Module):
    """A layer without memory over time applied at every time step: (T, batch, ...) -> (T, batch, ...).

    The time and batch axes are merged into one, the layer runs once on the ``T·batch`` rows, and
    the axes are split again: pooling, flatten and dropout (a fresh mask per step and sample)
    work on spikes this way. Spiking layers and neuron models carry state from step to step and
    are refused.

    Parameters
    ----------
    layer : Module
        The layer to apply (MaxPool2d, AvgPool2d, Flatten, Dropout, ...).
    name : str, optional
        Its name in a network (Sequential names an unnamed one ``temporal1``, ...).

    Shapes: input (T, batch, ...) (``layer``'s input per step); output (T, batch, ...). For a
    layer with a fixed sample rank (pooling: (C, H, W)), one sample (T, C, H, W) is taken too.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.spiking.layers import Temporal
    >>> pool = Temporal(nk.MaxPool2d(2))
    >>> pool(np.ones((5, 3, 4, 8, 8), dtype=np.float32)).shape     # T=5, batch 3, 4 channels
    (5, 3, 4, 4, 4)
    >>> Temporal(nk.Flatten()).output_shape((4, 4, 4))
    (64,)
    """

    name_prefix = "temporal"

    def __init__(self, layer: Module, *, name: str | None = None) -> None:
        if not isinstance(layer, Module):
            raise ParameterTypeError(must_be("layer", "a layer (MaxPool2d, Flatten, Dropout, ...)",
                                             type(layer).__name__, "Temporal"))
        if isinstance(layer, (SpikingNeuron, _SpikingLayer, Temporal)):
            raise ParameterError(f"Temporal applies a layer without memory at each time step; a "
                                 f"{type(layer).__name__} runs over time itself: put it in the network directly")
        self.layer = layer
        self.name = check_name(name, "Temporal")

    def _one_sample(self, ndim: int) -> bool:
        rank = getattr(self.layer, "sample_ndim", None)
        return rank is not None and ndim == rank + 1

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        x = layer_input(self, x, None, None if isinstance(x, Tensor) else _float(x))
        if x.ndim < 2:
            raise ShapeError(f"layer {label(self)!r} takes time-major input (T, batch, ...); got shape {x.shape}: put "
                             "an encoder first to give the data a time axis")
        if x.shape[0] == 0:
            raise ShapeError(f"layer {label(self)!r} got an input with T = 0 time steps (shape {x.shape}); give at "
                             "least one step")
        single = self._one_sample(x.ndim)
        if single:
            x = ops.reshape(x, (x.shape[0], 1, *x.shape[1:]))
        try:
            self.layer.output_shape(x.shape[2:])
        except ShapeError as error:
            raise ShapeError(f"layer {label(self)!r} applies {type(self.layer).__name__} at each time step of "
                             f"(T, batch, ...); got shape {x.shape if not single else x.shape[:1] + x.shape[2:]}: "
                             f"{error}") from None
        return x, single

    def forward(self, x: Any) -> Tensor:
        x, single = self._input(x)
        T, B = x.shape[:2]
        y = self.layer(ops.reshape(x, (T * B, *x.shape[2:])))
        return ops.reshape(y, (T, *y.shape[1:]) if single else (T, B, *y.shape[1:]))

    def infer(self, x: Any) -> np.ndarray:
        x, single = self._input(x)
        T, B = x.shape[:2]
        y = self.layer.infer(x.data.reshape(T * B, *x.shape[2:]))
        return y.reshape((T, *y.shape[1:]) if single else (T, B, *y.shape[1:]))

    def output_shape(self, in_shape: Any) -> tuple[int, ...]:
        """The layer's per-step output shape (the time axis left out, or kept for a one-sample shape with it)."""
        shape = tuple(in_shape)
        try:
            if self._one_sample(len(shape)):
                return (shape[0], *self.layer.output_shape(shape[1:]))
            return self.layer.output_shape(shape)
        except ShapeError as error:
            raise ShapeError(f"layer {label(self)!r} applies {type(self.layer).__name__} at each time step; the layer "
                             f"before it gives {shape}: {error}") from None

    def config(self) -> dict[str, Any]:
        return {"type": "Temporal", "layer": self.layer.config(), "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Temporal:
        constructor_options(cls, config, "Temporal")
        config = dict(config)
        inner = config.pop("layer")
        if not isinstance(inner, Mapping):
            raise ParameterTypeError(must_be("layer", "a layer config (a dict with a 'type')", inner, "Temporal"))
        return cls(layer_from_config(inner), **config)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """The inner layer's arrays under ``layer.`` (none for pooling, flatten, dropout)."""
        options = constructor_options(cls, config, "Temporal")
        return {f"layer.{key}": spec for key, spec in layer_expected_arrays(options["layer"]).items()}

    def __repr__(self) -> str:
        return f"Temporal({self.layer!r}{', name=' + repr(self.name) if self.name else ''})"


def _float(x: Any) -> Any:
    dtype = getattr(x, "dtype", None)
    return dtype if dtype is not None and np.dtype(dtype).kind == "f" else np.float32


# ------------------------------------------------------------- neuron views
class SpikingNeuronList(_UnitList):
    """The neurons of a spiking layer (its synapse's output units), indexable and iterable.

    >>> import numpy as np
    >>> from neuronkit.spiking.layers import SpikingDense
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> layer = SpikingDense(3, 2, neuron=SpikingNeuron(), seed=0, name="s")
    >>> len(layer.neurons), layer.neurons[1].label
    (2, 's[1]')
    """

    _noun = "spiking neurons"

    def __len__(self) -> int:
        return int(self.layer.synapse.weight.shape[0])


def _per_neuron(value: Any, index: int, width: int) -> Any:
    """A neuron model's parameter for neuron ``index``: a scalar as it is, a per-neuron vector's entry."""
    data = value.data if isinstance(value, Tensor) else value
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            return float(data)
        if data.shape == (width,):
            return float(data[index])
        return data
    return data


class SpikingNeuronView(_UnitView):
    """Neuron ``index`` of a spiking layer: its input weights, bias, the neuron model's parameters.

    ``weights`` is a NumPy view onto row ``index`` of the synapse's weight (a Dense synapse: shape
    (in_features,); a convolution: the filter (in_channels/groups, kh, kw)); editing it edits the
    layer. ``model_parameters`` are the neuron model's numbers for this neuron (β, θ, ...: a
    per-neuron learned value is this neuron's entry). :meth:`explain` writes out its membrane
    update over time.

    Examples
    --------
    >>> from neuronkit.spiking.layers import SpikingDense
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> n = SpikingDense(2, 3, neuron=SpikingNeuron(), seed=0, name="s").neurons[2]
    >>> n.weights[:] = [0.5, -1.0]
    >>> n.layer.synapse.weight.data[2]
    array([ 0.5, -1. ], dtype=float32)
    """

    default_name = "spiking"
    units = "neurons"
    layer: _SpikingLayer

    @property
    def weights(self) -> np.ndarray:
        return self.layer.synapse.weight.data[self.index]

    @property
    def model(self) -> Module:
        """The layer's neuron model (shared by all its neurons)."""
        return self.layer.neuron

    @property
    def activation(self) -> Any:
        raise ParameterError(f"neuron {self.label} is a spiking neuron: it has no activation function but a neuron "
                             f"model ({type(self.model).__name__}); see .model and .model_parameters")

    @property
    def model_parameters(self) -> dict[str, Any]:
        """The neuron model's numbers for this neuron (β, θ, dt, ...): a per-neuron or learnt value is this neuron's."""
        width = len(self.layer.neurons)
        out: dict[str, Any] = {}
        for key, value in vars(self.model).items():
            if key.startswith("_") or isinstance(value, (bool, str)) or value is None:
                continue
            if isinstance(value, (int, float, np.number)):
                out[key] = float(value)
            elif isinstance(value, (Tensor, np.ndarray)):
                out[key] = _per_neuron(value, self.index, width)
        return out

    def explain(self, inputs_over_time: Any, sample: int = 0, *, at: Any = None, top: int = 6) -> SpikingExplanation:
        """This neuron's update at every time step for one input sample: input current, leak, membrane, spike, reset.

        ``inputs_over_time``: one sample over time, (T, in_features) (a convolution: (T, C, H, W)),
        or a batch (T, batch, ...) and ``sample`` picks one. A convolution neuron is one filter at
        one output position: give ``at=(i, j)``. The input current ``I = w·x + b`` is computed
        here (its products left to right, in the layer's dtype); the neuron model's own ``step``
        advances the state. ``top`` limits the products shown per step (the largest ``|wᵢ·xᵢ|``;
        a "… N more" term stands for the rest).
        """
        owner = f"neuron {self.label}"
        top = check_int(top, "top", low=1, owner=owner)
        x = check_array(inputs_over_time, "inputs_over_time", ndim=None, dtype=self.layer.dtype, finite=True,
                        min_samples=0, owner=owner)
        layer = self.layer
        conv = isinstance(layer, SpikingConv2d)
        if conv and at is None:
            raise ParameterError(f"{owner} is a filter applied at every position: give the output position, "
                                 "explain(inputs_over_time, at=(i, j))")
        if not conv and at is not None:
            raise ParameterError(f"{owner} is one neuron of a SpikingDense layer; at= is for convolution neurons")
        step: tuple[Any, ...] = (layer.in_channels, "H", "W") if isinstance(layer, SpikingConv2d) else \
            (layer.in_features,) if isinstance(layer, SpikingDense) else ()
        fits = (lambda shape: len(shape) == 3 and shape[0] == step[0]) if conv else (lambda shape: shape == step)
        needs = ", ".join(map(str, step))
        n = len(step)
        if x.ndim == n + 2 and fits(x.shape[2:]):
            if x.shape[1] == 0:
                raise ShapeError(f"{owner}: inputs_over_time has an empty batch (shape {x.shape})")
            sample = check_int(sample, "sample", low=0, high=x.shape[1] - 1, owner=owner)
            x = x[:, sample]
        elif x.ndim == n + 1 and fits(x.shape[1:]):
            sample = 0
        else:
            hint = f" (no time axis: give (T, {needs}), e.g. the encoder's output)" if fits(x.shape) else ""
            raise ShapeError(f"{owner} takes inputs over time (T, {needs}) or (T, batch, {needs}); got shape "
                             f"{x.shape}{hint}")
        if x.shape[0] == 0:
            raise ShapeError(f"{owner}: inputs_over_time has T = 0 time steps; give at least one")
        return _explain(self, x, sample, top, at)

    def __call__(self, inputs_over_time: Any) -> np.ndarray:
        """This neuron's spikes (T,) for one sample's inputs over time (T, in_features)."""
        return self.explain(inputs_over_time).spikes

    def __repr__(self) -> str:
        return f"Spiking{type(self.model).__name__}Neuron(in={self.weights.size})"


# ------------------------------------------------------------- explanations
@dataclass(frozen=True)
class SpikingStep:
    """One time step of a spiking neuron's explanation (see :class:`SpikingExplanation`).

    >>> SpikingStep(1, (), (), 0.0, 0.5, 0.5, {"mem": 0.0}, {"mem": 0.5}, False, 0.0).current
    0.5
    """

    t: int
    #: the inputs with a nonzero product: (i, xᵢ, wᵢ·xᵢ), 0-based i
    terms: tuple[tuple[int, float, float], ...]
    weights: tuple[float, ...]
    weighted_sum: float
    bias: float
    current: float
    before: dict[str, float]
    after: dict[str, float]
    spike: bool
    #: the layer's output for this neuron at this step: the spike (0/1), or a readout's membrane
    output: float = 0.0


@dataclass(frozen=True)
class SpikingExplanation:
    """A spiking neuron's computation over time on one input sample, as data and as text (``str()``).

    ``steps`` holds one ``SpikingStep`` per time step: the input current's arithmetic
    (I = Σ wᵢ·xᵢ + b), the state before and after the step, and whether the neuron fired;
    ``currents``, ``membrane`` and ``spikes`` are the same as arrays (T,).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.layers import SpikingDense
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class IF(SpikingNeuron):
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         mem = state["mem"] + current
    ...         spikes = (mem.data >= 1.0).astype(np.float32)
    ...         return spikes, {"mem": mem - spikes}
    >>> layer = SpikingDense(2, 1, neuron=IF(), seed=0, name="s")
    >>> layer.synapse.weight.data[:] = [[0.5, 0.25]]
    >>> e = layer.neurons[0].explain([[1, 0], [1, 1]])
    >>> e.currents, e.spikes
    (array([0.5 , 0.75]), array([0., 1.]))
    >>> print(e)
    s[0] (IF) over 2 time steps (sample 0)
      t=1  input current  I = w·x + b = w1 + b = 0.5 + 0 = 0.5
           state          mem: 0 -> 0.5
           threshold      no spike
      t=2  input current  I = w·x + b = w1 + w2 + b = 0.5 + 0.25 + 0 = 0.75
           state          mem: 0.5 -> 0.25
           threshold      SPIKE
      spikes  0 1   (1 spike in 2 steps: rate 0.5)
    """

    label: str
    model: str
    sample: int
    steps: tuple[SpikingStep, ...]
    digits: int = 7
    #: the model's numbers shown in the heading and used by the text (β, θ, reset, ...)
    parameters: tuple[tuple[str, Any], ...] = ()
    top: int = 6
    #: False for a readout without threshold (LI): its output is its membrane, it never spikes
    fires: bool = True

    @property
    def currents(self) -> np.ndarray:
        return np.array([s.current for s in self.steps])

    @property
    def membrane(self) -> np.ndarray:
        """The membrane potential after each step (the state ``mem``; else the model's first state variable)."""
        return np.array([s.after["mem"] if "mem" in s.after else next(iter(s.after.values())) for s in self.steps])

    @property
    def spikes(self) -> np.ndarray:
        return np.array([float(s.spike) for s in self.steps])

    @property
    def outputs(self) -> np.ndarray:
        """What the layer gives for this neuron at each step: its spikes, or a readout's membrane."""
        return np.array([s.output for s in self.steps])

    def to_dict(self) -> dict[str, Any]:
        return {"neuron": self.label, "model": self.model, "sample": self.sample,
                "parameters": dict(self.parameters),
                "steps": [{"t": s.t, "terms": [list(term) for term in s.terms], "weighted_sum": s.weighted_sum,
                           "bias": s.bias, "current": s.current, "before": s.before, "after": s.after,
                           "spike": s.spike, "output": s.output} for s in self.steps]}

    def _f(self, value: float) -> str:
        text = format(float(value), f".{self.digits}g")
        return "0" if text == "-0" else text

    def _current(self, s: SpikingStep) -> str:
        f = self._f
        terms = list(s.terms)
        shown = terms
        if len(terms) > self.top:
            shown = sorted(terms, key=lambda term: -abs(term[2]))[:self.top]
            shown.sort()
        names = [f"w{i + 1}" if x == 1.0 else f"w{i + 1}·x{i + 1}" for i, x, _ in shown]
        values = [f(p) for _, _, p in shown]
        if len(shown) < len(terms):
            kept = {i for i, _, _ in shown}
            rest = sum(p for i, _, p in terms if i not in kept)
            names.append(f"… {len(terms) - len(shown)} more")
            values.append(f(rest))
        if not names:
            names, values = ["0"], ["0"]
        return (f"I = w·x + b = {' + '.join(names)} + b = {' + '.join(values)} + {f(s.bias)} = {f(s.current)}"
                .replace("+ -", "- "))

    def _lif_lines(self, s: SpikingStep, previous: SpikingStep | None) -> list[str] | None:
        """The LIF update written out (leak, reset, membrane, threshold), or None for another model."""
        p = dict(self.parameters)
        if self.model != "LIF" or not {"beta", "threshold", "reset"} <= set(p) or set(s.before) != {"mem"}:
            return None
        if p.get("v_rest", 0.0) or p.get("v_reset", 0.0) or p.get("refractory", 0.0) or not p.get("reset_delay", True):
            return None
        f = self._f
        beta = min(max(float(p["beta"]), 0.0), 1.0)  # a learnt β is clipped to [0, 1], as LIF does
        theta, mode = float(p["threshold"]), p["reset"]
        mem0 = s.before["mem"]
        fired_before = previous is not None and previous.spike
        lines = []
        if mode == "zero" and fired_before:  # snnTorch: the membrane goes to 0, then leaks and takes the input
            lines.append(f"reset          the spike at t={s.t - 1} sets mem to 0 (before the leak)")
            mem0 = 0.0
        leak = beta * mem0
        lines.append(f"leak           β·mem = {f(beta)} × {f(mem0)} = {f(leak)}")
        reset = ""
        if mode == "subtract" and fired_before:
            lines.append(f"reset          the spike at t={s.t - 1} subtracts θ = {f(theta)}")
            reset = f" - {f(theta)}"
        note = "   (no reset)" if mode == "none" else ""
        lines.append(f"membrane       mem = {f(leak)} + {f(s.current)}{reset} = {f(s.after['mem'])}{note}"
                     .replace("+ -", "- "))
        m = s.after["mem"]
        lines.append(f"threshold      {f(m)} > θ = {f(theta)}: SPIKE" if s.spike else
                     f"threshold      {f(m)} ≤ θ = {f(theta)}: no spike")
        return lines

    def __str__(self) -> str:
        p = dict(self.parameters)
        shown = [f"{symbol} = {self._f(p[k])}" for k, symbol in _SYMBOLS.items() if isinstance(p.get(k), float)]
        shown += [f"{p['reset']} reset"] if isinstance(p.get("reset"), str) else []
        heading = f"{self.label} ({self.model}{': ' + ', '.join(shown) if shown else ''}) over {len(self.steps)} " \
                  f"time steps (sample {self.sample})"
        lines = [heading]
        previous = None
        for s in self.steps:
            lines.append(f"  t={s.t:<3d}input current  {self._current(s)}")
            body = self._lif_lines(s, previous)
            if body is None:
                states = ", ".join(f"{k}: {self._f(s.before[k])} -> {self._f(s.after[k])}" for k in s.after)
                body = [f"state          {states}", "threshold      " + ("SPIKE" if s.spike else "no spike")
                        if self.fires else f"output         {self._f(s.output)}   (a readout: its output is the "
                        "membrane)"]
            lines.extend(" " * 7 + line for line in body)
            previous = s
        if not self.fires:
            return "\n".join(lines)
        n = int(sum(s.spike for s in self.steps))
        raster = " ".join("1" if s.spike else "0" for s in self.steps)
        lines.append(f"  spikes  {raster}   ({n} spike{'s' if n != 1 else ''} in {len(self.steps)} steps: rate "
                     f"{self._f(round(n / len(self.steps), 4))})")
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython shows the text
        p.text(str(self))


_SYMBOLS = {"beta": "β", "threshold": "θ", "alpha": "α"}


def _value(v: Any) -> np.ndarray:
    return v.data if isinstance(v, Tensor) else np.asarray(v)


def _dense_current(view: SpikingNeuronView, x_t: np.ndarray) -> tuple[tuple[tuple[int, float, float], ...],
                                                                         tuple[float, ...], Any, Any]:
    """A SpikingDense neuron's input current at one step: (terms, weights, Σ wᵢ·xᵢ, I), in the layer's dtype."""
    dtype = view.layer.dtype
    w = view.weights.astype(dtype)
    products = w * x_t
    weighted = dtype.type(0)
    for p in products:  # left to right, as a learner would add them
        weighted = weighted + p
    terms = tuple((int(i), float(x_t[i]), float(products[i])) for i in np.flatnonzero(x_t))
    return terms, tuple(float(v) for v in w), weighted, weighted + dtype.type(view.bias)


def _conv_current(view: SpikingNeuronView, x_t: np.ndarray, at: Any) -> tuple[tuple[tuple[int, float, float], ...],
                                                                              tuple[float, ...], Any, Any]:
    """A convolution neuron's input current at position ``at``: its receptive field, as the Conv2d neuron explains."""
    e = view.layer.synapse.neurons[view.index].explain(x_t, at=at)
    terms = tuple((i, x, p) for i, (x, p) in enumerate(zip(e.inputs, e.products)) if x != 0)
    return terms, e.weights, e.weighted_sum, e.z


def _explain(view: SpikingNeuronView, x: np.ndarray, sample: int, top: int, at: Any = None) -> SpikingExplanation:
    """Run the neuron model's ``step`` for neuron ``view.index`` on the currents I_t = w·x_t + b computed here.

    Each neuron of a population is independent, so the model steps on a row of the layer's width that
    holds this neuron's current (its per-neuron constants line up with the index).
    """
    layer = view.layer
    dtype = layer.dtype
    width = len(layer.neurons)
    neuron = layer.neuron
    state = neuron.initial_state((1, width), dtype)
    label = view.label if at is None else f"{view.label} at {tuple(int(i) for i in at)}"
    steps = []
    with no_grad(), eval_mode():
        for t in range(x.shape[0]):
            terms, weights, weighted, current = (_dense_current(view, x[t]) if at is None
                                                 else _conv_current(view, x[t], at))
            column = np.zeros((1, width), dtype=dtype)
            column[0, view.index] = current
            before = {k: float(_value(state[k])[0, view.index]) for k in neuron.state_names}
            spikes, state = neuron.step(Tensor(column), state)
            after = {k: float(_value(state[k])[0, view.index]) for k in neuron.state_names}
            output = float(_value(spikes)[0, view.index])
            steps.append(SpikingStep(t + 1, terms, weights, float(weighted), float(view.bias), float(current),
                                     before, after, output > 0, output))
    # a model with a threshold fires; one without that gives other values than 0/1 is a readout (a leaky
    # integrator): its output is its membrane, and it never spikes
    fires = hasattr(neuron, "threshold") or all(s.output in (0.0, 1.0) for s in steps)
    if not fires:
        steps = [replace(s, spike=False) for s in steps]
    parameters = tuple((k, v) for k, v in {**_model_config(neuron), **view.model_parameters}.items())
    return SpikingExplanation(label, type(neuron).__name__, sample, tuple(steps),
                              7 if dtype == np.float32 else 10, parameters, top, fires)


def _model_config(neuron: SpikingNeuron) -> dict[str, Any]:
    """The model's settings that are words or switches (``reset="subtract"``, ``reset_delay=True``)."""
    return {key: value for key, value in vars(neuron).items()
            if isinstance(value, (str, bool)) and not key.startswith("_") and key != "name"}


SpikingNeuronList._view = SpikingNeuronView
register_neuron_naming(is_neuron_name, neuron_spec)  # the architecture spec names neuron models with these


def _count(layer: _SpikingLayer, shape: tuple[int, ...], steps: int) -> Count:
    """One sample over T steps: no multiplications; each input spike adds one weight per synapse it reaches (a
    SynOp; at most T times the synapse's MACs, every input active at every step), and each neuron updates its
    membrane and compares it with its threshold at every step (2 ops)."""
    synapse = layer.synapse
    n = synapse.out_features if isinstance(synapse, Dense) else synapse.out_channels
    outputs = math.prod(layer.output_shape(shape))  # per step: neurons × positions
    return Count(ops=2 * steps * outputs, synops=float(steps * count_layer(synapse, shape).macs),
                 per_neuron_macs=np.zeros(n, dtype=np.int64),
                 per_neuron_ops=np.full(n, 2 * steps * (outputs // n), dtype=np.int64),
                 per_neuron_parameters=np.full(n, synapse.num_parameters() // n, dtype=np.int64))


register_cost(_SpikingLayer, _count)
register_cost(Temporal, lambda layer, shape, steps: scaled(count_layer(layer.layer, shape, steps), steps))
