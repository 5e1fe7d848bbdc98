"""Neuron health: dead, saturated, duplicate and frozen neurons; vanishing and exploding gradients.

:func:`health` examines a network on data and returns a :class:`HealthReport`;
:class:`HealthMonitor` is a training callback that does the same every epoch,
tracks the trends, and warns once (a :class:`NeuronHealthWarning`) when a
problem first appears. Neurons are named ``layer[i]``.

Per neuron, over the samples of ``X`` (z is the potential, f the activation):

==============  ==========================================================================
firing rate     fraction of samples with z > 0 (the neuron is "active")
dead            f'(z) = 0 on every sample, so the neuron gets no gradient at all and
                cannot recover. Only an activation that declares a zero-gradient region
                (``Activation.zero_gradient_below``: relu's z <= 0; leaky_relu or elu with
                a zero slope) can have dead neurons; leaky_relu, prelu, elu, selu, gelu,
                silu, softplus, sigmoid and tanh pass a gradient for every z
saturated       |f'(z)| < ε · max |f'| (ε = ``saturation_eps`` = 0.01) on at least
                ``saturation_fraction`` = 90 % of the samples: the neuron sits where its
                activation is flat (a sigmoid/tanh tail, far below 0 for elu/gelu/
                softplus) and barely learns. Not for relu-like activations with a
                zero-gradient region (that is "dead"), softmax or step
duplicate       two neurons of a layer that compute the same thing, whatever the data:
                their weight rows and biases are equal (‖r_i − r_j‖ <= ``duplicate_tol``
                = 1e-6 · max ‖r‖, plus ``weight_atol``), or two varying neurons whose
                outputs on the data are equal (std(a_i − a_j) <= ``duplicate_tol`` ·
                their std). Such neurons get equal gradients, so training never
                separates them. Merely correlated outputs are not duplicates: on data
                with few effective dimensions (iris) healthy random neurons correlate
                above 0.99, and a scaled copy gets its own gradient
frozen          (callback) ‖Δ(w, b)‖ <= ``frozen_tol`` · ‖(w, b)‖ over the last epoch
excitatory      fraction of incoming weights > 0; balance = (Σw⁺ - Σ|w⁻|) / Σ|w| in [-1, 1]
==============  ==========================================================================

Dead, saturated and duplicate neurons are looked for in hidden layers only (an
output layer is meant to be confident).

Convolution layers (:class:`~neuronkit.Conv2d`, :class:`~neuronkit.Conv1d`) are
checked the same way, filter by filter: a filter is one neuron applied at every
position, named ``conv1[5]`` like a Dense neuron, and its statistics run over
every position of every sample (firing rate: the fraction of (sample, position)
pairs with z > 0; a **dead filter** has f'(z) = 0 at every position of every
sample; a **saturated channel** is flat on at least 90 % of them). Its
activation is its own, or, when the layer's is the identity, that of an
:class:`~neuronkit.Activation` layer right after it (with only BatchNorm2d or
Dropout between: conv -> BatchNorm2d -> ReLU); z is then that Activation
layer's input. Per layer, ``grad_norm`` is ‖∂L/∂W‖
(Frobenius norm of the weight gradient of the mean loss over ``(X, y)``). With
r = grad_norm(first Dense layer) / grad_norm(last Dense layer):

* vanishing gradients: r < ``vanishing_ratio`` = 1e-3 (early layers learn
  1000× slower than the last);
* exploding gradients: r > ``exploding_ratio`` = 1e3, or any layer's norm
  above ``exploding_norm`` = 1e3, or a non-finite gradient.

Spiking layers (:class:`~neuronkit.spiking.SpikingDense`, :class:`~neuronkit.spiking.SpikingConv2d`
per filter) in a network that starts with an encoder are examined over time instead
(:class:`SpikingLayerHealth`): a neuron's **firing rate** is its spikes per time step over all
steps and samples (in Hz given ``dt``, the ms of a step); a **silent** neuron never fires on the
data; an **always-firing** one fires at more than ``always_firing_rate`` = 90 % of the steps (it
fires whatever the input, so its spikes carry almost no information, and it costs synaptic
operations at every step); the **synaptic operations** per sample (SynOps: each input spike
times the neurons it reaches, summed over time, the energy proxy of neuromorphic hardware) are
shown next to the multiply-accumulates of the same network run once as an ANN. With targets,
the surrogate gradients' norms per layer are checked as above.

Each problem comes with a plain-language remedy (:data:`REMEDIES`), fitted to
the layer where that matters (advice never repeats what the layer already does:
a layer initialised with He weights is not told to use He initialisation).

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([2, 4, 2], output="softmax", seed=0)
>>> net["hidden1"].bias.data[1] = -100.0      # potentials always negative: a dead ReLU
>>> report = nk.inspect.health(net, np.random.default_rng(0).normal(size=(50, 2)))
>>> report.dead
['hidden1[1]']
>>> print(report.problems[0].remedy[:52])
A dead relu neuron has z <= 0 on every sample, so it
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from .. import _html
from ..callbacks import Callback
from ..data.batches import batch_indices
from ..engine import Tensor
from ..errors import NeuronHealthWarning, ParameterError, ParameterTypeError, UnknownNameError
from ..layers import Activation, BatchNorm, BatchNorm2d, Dense, Module, Sequential
from ..registry import Registry
from ..validation import check_array, check_bool, check_int, check_number
from ._model import (
    CHANNELWISE_TYPES,
    CONV_TYPES,
    UNIT_TYPES,
    InspectedModel,
    channels_last,
    eval_mode,
    forward,
    grad_of,
    is_spiking_layer,
    preserved_grads,
    width,
)


@dataclass(frozen=True)
class Thresholds:
    """The numbers that decide what counts as a problem (see the module docstring).

    >>> Thresholds(saturation_eps=0.05).saturation_fraction
    0.9
    """

    saturation_eps: float = 0.01
    saturation_fraction: float = 0.9
    duplicate_tol: float = 1e-6
    weight_atol: float = 1e-8
    vanishing_ratio: float = 1e-3
    exploding_ratio: float = 1e3
    exploding_norm: float = 1e3
    frozen_tol: float = 1e-7
    #: spiking layers: a neuron that fires at more than this fraction of the time steps is "always firing"
    always_firing_rate: float = 0.9

    def __post_init__(self) -> None:
        fractions = ("saturation_eps", "saturation_fraction", "duplicate_tol", "always_firing_rate")
        for f in fields(self):
            value = check_number(getattr(self, f.name), f.name, low=0.0, low_open=True,
                                 high=1.0 if f.name in fractions else None, owner="threshold")
            object.__setattr__(self, f.name, value)

    @classmethod
    def of(cls, spec: Thresholds | dict[str, float] | None) -> Thresholds:
        if spec is None:
            return cls()
        if isinstance(spec, cls):
            return spec
        if isinstance(spec, dict):
            valid = tuple(f.name for f in fields(cls))
            unknown = sorted(set(map(str, spec)) - set(valid))
            if unknown:
                raise UnknownNameError(f"unknown thresholds {unknown}; valid names are: {', '.join(valid)}",
                                       kind="threshold", name=unknown[0], valid=valid)
            return cls(**spec)
        raise ParameterTypeError(f"thresholds must be a Thresholds or a dict; got {type(spec).__name__}")


# ------------------------------------------------------------------------------ problems and remedies
#: problem kind -> what to try, in words (the health report prints it under each problem)
REMEDIES: dict[str, str] = {
    "dead": ("A dead neuron's potential z stays where its activation has zero gradient (relu: z <= 0) on every "
             "sample, so it outputs a constant and gets no gradient: it cannot recover. Use He initialisation "
             "(init='he_normal'), a lower learning rate, leaky_relu (or elu/gelu) so negative potentials still pass "
             "a gradient, normalisation (BatchNorm/LayerNorm) before the activation, or reinitialise the neuron's "
             "weights and bias."),
    "saturated": ("A saturated neuron sits where its activation is flat (f'(z) almost 0: a sigmoid/tanh tail, or "
                  "far below 0 for elu/gelu/softplus), so its weights barely learn. Standardise the inputs, use "
                  "smaller initial weights (Glorot for sigmoid/tanh), a lower learning rate, or normalisation "
                  "(BatchNorm/LayerNorm) before the activation."),
    "duplicate": ("Duplicate neurons compute the same thing and waste capacity: neurons that start equal get equal "
                  "gradients, so training never separates them. If the layer started from a constant initialiser "
                  "(zeros, ones, constant), use a random one from a seed; if the copies were made later (weights "
                  "copied or edited), reinitialise one neuron of each pair with random weights, or remove it."),
    "vanishing_gradients": ("Gradients shrink layer by layer towards the input, so the early layers stop "
                            "learning. Use relu-family activations with He initialisation, fewer layers, "
                            "normalisation (BatchNorm/LayerNorm), or Glorot initialisation for sigmoid/tanh."),
    "exploding_gradients": ("Gradients grow layer by layer or are huge, so updates overshoot (the loss may become "
                            "NaN). Lower the learning rate, clip gradients (fit(..., clip_norm=1.0)), use smaller "
                            "He/Glorot-scaled initial weights, or add normalisation (BatchNorm/LayerNorm)."),
    "silent": ("A silent spiking neuron never crosses its threshold on the data: it sends no spikes, so the layers "
               "after it learn nothing from it, and while its membrane stays far below the threshold its surrogate "
               "gradient is small, so training may never wake it. Give it more input (larger initial weights, a "
               "higher encoder gain, more time steps T), lower its threshold (or learn it: learn_threshold=True), "
               "use a surrogate with wider support (atan, or fast_sigmoid with a smaller slope), or reinitialise its "
               "weights and bias (a large negative bias is the usual cause)."),
    "always_firing": ("An always-firing spiking neuron fires at nearly every time step whatever the input: its rate "
                      "is pinned at the maximum (one spike per step), so it tells the next layer almost nothing "
                      "about the input (as a saturated sigmoid does) and costs synaptic operations at every step. "
                      "Its input current is far above the threshold: lower its bias or weights (a smaller learning "
                      "rate, weight decay --alpha), raise its threshold (or learn_threshold=True), or add a "
                      "refractory period (LIF(refractory=...))."),
    "frozen": ("A frozen neuron's weights did not change during the last epoch: it gets no gradient (dead or "
               "saturated) or the learning rate has decayed to nothing. Fix the cause, raise the learning rate, or "
               "reinitialise the neuron."),
}


@dataclass(frozen=True)
class Problem:
    """One kind of problem in one layer: ``kind`` (a key of :data:`REMEDIES`), ``layer`` (or
    ``"network"``), the affected ``neurons`` (names; empty for layer-wide problems), a
    ``message`` and the measured ``value``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> problem = nk.inspect.health(net, X, y).problems[0]
    >>> problem.kind, problem.layer, problem.neurons
    ('dead', 'hidden1', ('hidden1[0]',))
    """

    kind: str
    layer: str
    neurons: tuple[str, ...]
    message: str
    value: float | None = None
    #: a remedy fitted to this layer (None: the general one of :data:`REMEDIES`)
    advice: str | None = None

    @property
    def remedy(self) -> str:
        return self.advice if self.advice is not None else REMEDIES.get(self.kind, "")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "layer": self.layer, "neurons": list(self.neurons), "message": self.message,
                "value": _finite_or_none(self.value), "remedy": self.remedy}

    def __str__(self) -> str:
        return f"{self.kind} in {self.layer}: {self.message}"


def _finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class LayerHealth:
    """Per-neuron statistics of one Dense layer (arrays of shape (n_neurons,)).

    ``firing_rate``, ``mean_activation``, ``std_activation``; ``dead`` and
    ``saturated`` (bool); ``saturation`` (fraction of samples with f'(z) < ε·max f');
    ``excitatory`` (fraction of weights > 0) and ``balance``; ``duplicates``
    (pairs (i, j, reason): neuron j repeats neuron i, the first of its group);
    ``grad_norm`` (‖∂L/∂W‖ or None without targets); ``frozen`` (bool per neuron;
    only from a :class:`HealthMonitor`); ``init`` (the initialiser's name);
    ``can_die`` / ``can_saturate``: whether the activation allows those findings;
    ``unit``: ``"neuron"``, or ``"filter"`` for a convolution layer (then the
    statistics run over every position of every sample).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> layer = nk.inspect.health(net, X, y).layers["hidden1"]
    >>> layer.firing_rate
    array([0.  , 0.75, 0.25])
    >>> layer.names(layer.dead)
    ('hidden1[0]',)
    """

    name: str
    activation: str
    family: str
    hidden: bool
    firing_rate: np.ndarray
    mean_activation: np.ndarray
    std_activation: np.ndarray
    dead: np.ndarray
    saturation: np.ndarray
    saturated: np.ndarray
    excitatory: np.ndarray
    balance: np.ndarray
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    grad_norm: float | None = None
    frozen: np.ndarray | None = None
    measured: bool = True  # False: no samples were examined (activation statistics are placeholders)
    init: str | None = None       # the layer's initialiser, by name (None: unknown or custom)
    can_die: bool = False         # its activation has a zero-gradient region (dead neurons are looked for)
    can_saturate: bool = False    # saturation is looked for
    unit: str = "neuron"          # "filter" for a convolution layer (its statistics run over every position)
    normalised: bool = False      # a BatchNorm layer sits between the layer and its activation

    @property
    def n_neurons(self) -> int:
        return len(self.firing_rate)

    def names(self, mask: np.ndarray) -> tuple[str, ...]:
        return tuple(f"{self.name}[{i}]" for i in np.flatnonzero(mask))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"activation": self.activation, "family": self.family, "hidden": self.hidden,
                               "grad_norm": _finite_or_none(self.grad_norm)}
        out["neurons"] = {}
        for i in range(self.n_neurons):
            entry: dict[str, Any] = {"excitatory": float(self.excitatory[i]), "balance": float(self.balance[i])}
            if self.measured:
                entry.update(firing_rate=float(self.firing_rate[i]), mean_activation=float(self.mean_activation[i]),
                             std_activation=float(self.std_activation[i]), dead=bool(self.dead[i]),
                             saturation=float(self.saturation[i]), saturated=bool(self.saturated[i]))
            if self.frozen is not None:
                entry["frozen"] = bool(self.frozen[i])
            out["neurons"][f"{self.name}[{i}]"] = entry
        out["duplicates"] = [[f"{self.name}[{i}]", f"{self.name}[{j}]", why] for i, j, why in self.duplicates]
        return out


@dataclass
class SpikingLayerHealth(LayerHealth):
    """Per-neuron statistics of one spiking layer (SpikingDense; SpikingConv2d per filter), over time and samples.

    ``firing_rate`` is the mean rate in spikes per time step (a neuron fires at most once per step, so
    it is in [0, 1]): its spikes over all steps of all samples (and, for a filter, all positions)
    over their number. ``rate_hz`` is the same per second, ``1000/dt`` times it, when ``dt``, the
    milliseconds one step covers, is known (given to :func:`health`, or an Izhikevich model's
    ``step_ms``), else None. ``silent``: the neuron
    never fires on the data; ``always_firing``: its rate is above ``Thresholds.always_firing_rate``
    (0.9). ``synops`` is the synaptic operations per sample: each input spike (each nonzero input)
    times the number of neurons it reaches (SpikingDense: ``out_features``; SpikingConv2d: the
    output positions its pixel reaches × ``out_channels/groups``), summed over time. ``macs`` is
    the multiply-accumulates per sample of the same layer run once as an ANN (Dense: in·out; conv:
    Ho·Wo·out·(in/groups)·kh·kw). ``model`` is the neuron model's name, ``steps`` T, ``spikes``
    False for a readout that gives membranes (LI: no rates, not checked), ``binary_input`` False
    when the layer's input is not 0/1 spikes (a current encoder: each event is then a
    multiply-accumulate, not an accumulate).

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.build("rate(10),dense(4,lif),dense(out,lif)", (3,), outputs=2, seed=0)
    >>> net["spiking1"].synapse.bias.data[:] = [-5.0, 5.0, 0.0, 0.0]   # one never fires, one always does
    >>> lh = nk.inspect.health(net, np.full((6, 3), 0.5)).layers["spiking1"]
    >>> lh.names(lh.silent), lh.names(lh.always_firing), lh.macs
    (('spiking1[0]',), ('spiking1[1]',), 12)
    """

    silent: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    always_firing: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    rate_hz: np.ndarray | None = None
    dt: float | None = None
    synops: float = 0.0
    macs: int = 0
    model: str = ""
    steps: int = 0
    spikes: bool = True
    binary_input: bool = True

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(model=self.model, steps=self.steps, synops_per_sample=float(self.synops),
                   ann_macs_per_sample=int(self.macs), emits_spikes=self.spikes, binary_input=self.binary_input)
        for i, entry in enumerate(out["neurons"].values()):
            entry.update(spikes_per_step=float(self.firing_rate[i]), silent=bool(self.silent[i]),
                         always_firing=bool(self.always_firing[i]))
            if self.rate_hz is not None:
                entry["rate_hz"] = float(self.rate_hz[i])
        return out


# ------------------------------------------------------------------------------ checks (a registry)
#: the type of a health check: ``fn(layers, gradients, thresholds) -> list of Problem``
Check = Callable[[dict[str, LayerHealth], "GradientHealth | None", Thresholds], list[Problem]]
#: health check name -> ``check(layers, gradients, thresholds) -> [Problem, ...]``, run by every report in order
CHECKS: Registry[Check] = Registry("health check")


def register_check(name: str, check: Check, remedy: str | None = None, *, replace: bool = False) -> Check:
    """Add a health check ``check(layers, gradients, thresholds) -> [Problem, ...]`` (and its remedy text).

    The remedy is looked up by the ``kind`` of the problems the check reports (usually ``name``).
    A name already taken is refused unless ``replace=True``. Returns ``check``.

    Examples
    --------
    Registering changes every health report, so this shows the built-in checks instead:

    >>> from neuronkit.inspect import CHECKS
    >>> "dead" in CHECKS
    True
    """
    if not callable(check):
        raise ParameterTypeError(f"check must be a function check(layers, gradients, thresholds) -> problems; "
                                 f"got {check!r}")
    CHECKS.register(name, check, replace=replace)
    if remedy is not None:
        REMEDIES[name] = remedy
    return check


def _check_dead(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in layers.values():
        if lh.dead.any():
            names = lh.names(lh.dead)
            where = "at every position of every sample" if lh.unit == "filter" else "on every sample"
            out.append(Problem("dead", lh.name, names, f"{len(names)} of {lh.n_neurons} {lh.activation} {lh.unit}s "
                               f"get no gradient (f'(z) = 0 {where}): {_listing(names)}",
                               len(names) / lh.n_neurons, _dead_advice(lh)))
    return out


def _dead_advice(lh: LayerHealth) -> str:
    """The dead remedy for this layer: what it does not do already."""
    if lh.activation == "relu":
        switch = "leaky_relu (or elu/gelu), whose gradient is never 0, so negative potentials still learn"
    else:  # a leaky_relu or elu declared with a zero slope: it is a relu
        switch = f"a non-zero slope for {lh.activation} (e.g. leaky_relu's negative_slope=0.01, elu's alpha=1.0)"
    fixes = [switch]
    if not (lh.init or "").startswith("he_"):
        fixes.append("He initialisation (init='he_normal')")
    if lh.unit == "filter":
        fixes.append("a lower learning rate")
        if not lh.normalised:
            fixes.append("BatchNorm2d between the convolution and the activation (Conv2d with activation='identity', "
                         "BatchNorm2d, Activation('relu'))")
        fixes.append("or reinitialise the filter's kernel and bias (a large negative bias is the usual cause)")
        return (f"A dead {lh.activation} filter has z <= 0 at every position of every image, so its feature map is "
                f"constant and its kernel gets no gradient: training cannot revive it. Use {', '.join(fixes)}.")
    fixes += ["a lower learning rate", "normalisation (BatchNorm/LayerNorm) before the activation",
              "or reinitialise the neuron's weights and bias"]
    return (f"A dead {lh.activation} neuron has z <= 0 on every sample, so it outputs a constant and gets no "
            f"gradient: training cannot revive it. Use {', '.join(fixes)}.")


def _check_saturated(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in layers.values():
        if lh.saturated.any():
            names = lh.names(lh.saturated)
            worst = float(lh.saturation[lh.saturated].max())
            what = "channels" if lh.unit == "filter" else "neurons"
            over = "(sample, position) pairs" if lh.unit == "filter" else "samples"
            out.append(Problem("saturated", lh.name, names,
                               f"{len(names)} of {lh.n_neurons} {lh.activation} {what} are saturated "
                               f"(|f'(z)| < {t.saturation_eps:g}·max |f'| on >= {t.saturation_fraction:.0%} of "
                               f"{over}, up to {worst:.0%}): {_listing(names)}", len(names) / lh.n_neurons,
                               _SATURATED_FILTER if lh.unit == "filter" else None))
    return out


_SATURATED_FILTER = ("A saturated channel's filter sits where its activation is flat (f'(z) almost 0) at nearly every "
                     "position, so its kernel barely learns. Scale the images (e.g. pixels to [0, 1] or standardised), "
                     "use smaller initial weights (Glorot for sigmoid/tanh), a lower learning rate, or BatchNorm2d "
                     "between the convolution and the activation.")


def _check_duplicates(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in layers.values():
        if lh.duplicates:
            pairs = [f"{lh.name}[{i}]~{lh.name}[{j}] ({why})" for i, j, why in lh.duplicates]
            names = tuple(sorted({f"{lh.name}[{k}]" for i, j, _ in lh.duplicates for k in (i, j)},
                                 key=lambda s: int(s[s.index("[") + 1:-1])))
            out.append(Problem("duplicate", lh.name, names, f"{len(pairs)} neuron(s) repeat another neuron of the "
                               f"layer: {_listing(pairs, 6)}", float(len(pairs)), _duplicate_advice(lh)))
    return out


#: initialiser names that give every neuron of a layer the same weights (health flags them)
CONSTANT_INITS = ("zeros", "ones", "constant")


def _duplicate_advice(lh: LayerHealth) -> str:
    """The duplicate remedy for this layer: a constant initialiser is named; a random one is not advised again."""
    head = ("Duplicate neurons compute the same thing and waste capacity: neurons that are equal get equal "
            "gradients, so training never separates them.")
    if lh.init in CONSTANT_INITS:
        return (f"{head} This layer was initialised with init={lh.init!r}, which gives every neuron the same "
                "weights: use a random initialiser from a seed (init='he_normal' for relu-like activations, "
                "'glorot_uniform' otherwise; leaving init unset picks one).")
    origin = f"at random (init={lh.init!r})" if lh.init else "by a custom initialiser"
    return (f"{head} This layer was initialised {origin}, so the copies were made afterwards (weights copied, "
            "edited or loaded so): reinitialise one neuron of each pair with random weights, or remove it (a "
            "narrower layer loses nothing).")


def _check_frozen(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in layers.values():
        if lh.frozen is not None and lh.frozen.any():
            names = lh.names(lh.frozen)
            out.append(Problem("frozen", lh.name, names, f"{len(names)} of {lh.n_neurons} neurons' weights did not "
                               f"change over the last epoch (relative change <= {t.frozen_tol:g}): {_listing(names)}",
                               len(names) / lh.n_neurons))
    return out


def _check_gradients(layers: dict[str, LayerHealth], gradients: GradientHealth | None,
                     t: Thresholds) -> list[Problem]:
    if gradients is None or not gradients.norms:
        return []
    norms = gradients.norms
    ratio = gradients.ratio
    bad = [name for name, v in norms.items() if not math.isfinite(v)]
    big = [name for name, v in norms.items() if math.isfinite(v) and v > t.exploding_norm]
    text = _norms_text(norms)
    if bad:
        return [Problem("exploding_gradients", "network", (), f"non-finite gradient in {', '.join(bad)} ({text})",
                        math.inf)]
    if ratio is not None and ratio > t.exploding_ratio:
        return [Problem("exploding_gradients", "network", (), f"the first layer's gradient is {ratio:.3g}× the "
                        f"last layer's (above {t.exploding_ratio:g}); ‖∂L/∂W‖ by layer: {text}", ratio)]
    if big:
        return [Problem("exploding_gradients", "network", (), f"gradient norm above {t.exploding_norm:g} in "
                        f"{', '.join(big)}; ‖∂L/∂W‖ by layer: {text}", max(norms[b] for b in big))]
    if ratio is not None and ratio < t.vanishing_ratio:
        return [Problem("vanishing_gradients", "network", (), f"the first layer's gradient is {ratio:.3g}× the "
                        f"last layer's (below {t.vanishing_ratio:g}); ‖∂L/∂W‖ by layer: {text}", ratio)]
    return []


for _name, _check in (("dead", _check_dead), ("saturated", _check_saturated), ("duplicate", _check_duplicates),
                      ("frozen", _check_frozen), ("gradients", _check_gradients)):
    register_check(_name, _check)


def _spiking(layers: dict[str, LayerHealth]) -> list[SpikingLayerHealth]:
    return [lh for lh in layers.values() if isinstance(lh, SpikingLayerHealth) and lh.spikes and lh.measured]


def _check_silent(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in _spiking(layers):
        if lh.silent.any():
            names = lh.names(lh.silent)
            where = " at any position" if lh.unit == "filter" else ""
            out.append(Problem("silent", lh.name, names, f"{len(names)} of {lh.n_neurons} {lh.model} {lh.unit}s never "
                               f"fire{where} in {lh.steps} steps of any sample: {_listing(names)}",
                               len(names) / lh.n_neurons))
    return out


def _check_always_firing(layers: dict[str, LayerHealth], gradients: Any, t: Thresholds) -> list[Problem]:
    out = []
    for lh in _spiking(layers):
        if lh.always_firing.any():
            names = lh.names(lh.always_firing)
            top = float(lh.firing_rate[lh.always_firing].max())
            out.append(Problem("always_firing", lh.name, names,
                               f"{len(names)} of {lh.n_neurons} {lh.model} {lh.unit}s fire at more than "
                               f"{t.always_firing_rate:.0%} of the time steps (up to {top:.0%}), whatever the input: "
                               f"{_listing(names)}", len(names) / lh.n_neurons))
    return out


register_check("silent", _check_silent)
register_check("always_firing", _check_always_firing)


def _listing(names: Any, limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


def _norms_text(norms: dict[str, float]) -> str:
    items = [f"{k} {v:.3g}" for k, v in norms.items()]
    return ", ".join(items if len(items) <= 4 else [*items[:2], "…", *items[-2:]])


@dataclass
class GradientHealth:
    """Per-layer gradient norms ‖∂L/∂W‖ (first to last Dense layer), their ratio first/last,
    and, from a :class:`HealthMonitor`, the ratio per epoch (``trend``: list of (epoch, ratio)).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> g = nk.inspect.health(net, X, y).gradients
    >>> sorted(g.norms), sorted(g.to_dict())
    (['hidden1', 'output'], ['norms', 'ratio_first_last', 'trend'])
    """

    norms: dict[str, float]
    trend: list[tuple[int, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return gradient_ratio(self.norms)

    def trend_text(self) -> str:
        if len(self.trend) < 2:
            return ""
        (e0, r0), (e1, r1) = self.trend[0], self.trend[-1]
        if not (math.isfinite(r0) and math.isfinite(r1)) or r0 <= 0 or r1 <= 0:
            return f"ratio first/last over training: {r0:.3g} (epoch {e0 + 1}) -> {r1:.3g} (epoch {e1 + 1})"
        change = math.log10(r1 / r0)
        word = "steady" if abs(change) < 0.5 else ("falling" if change < 0 else "rising")
        return f"ratio first/last over training: {r0:.3g} (epoch {e0 + 1}) -> {r1:.3g} (epoch {e1 + 1}), {word}"

    def to_dict(self) -> dict[str, Any]:
        return {"norms": {k: _finite_or_none(v) for k, v in self.norms.items()},
                "ratio_first_last": _finite_or_none(self.ratio),
                "trend": [[e + 1, _finite_or_none(r)] for e, r in self.trend]}


def gradient_ratio(norms: dict[str, float]) -> float | None:
    """‖∂L/∂W‖ of the first layer over that of the last (None with fewer than two layers or no gradient).

    Examples
    --------
    A first layer whose gradient is 100 times smaller than the last's: the gradient vanishes on the way back.

    >>> from neuronkit.inspect.health import gradient_ratio
    >>> gradient_ratio({"hidden1": 0.01, "output": 1.0}), gradient_ratio({"output": 1.0})
    (0.01, None)
    """
    values = list(norms.values())
    if len(values) < 2:
        return None
    first, last = values[0], values[-1]
    if not (math.isfinite(first) and math.isfinite(last)):
        return math.inf
    if last == 0.0:
        return None if first == 0.0 else math.inf
    return first / last


# ------------------------------------------------------------------------------ the report
class HealthReport:
    """The result of :func:`health` (or :meth:`HealthMonitor.report`).

    ``layers``: name -> :class:`LayerHealth`; ``problems``: list of :class:`Problem`;
    ``gradients``: :class:`GradientHealth` or None (no targets given);
    ``dead``/``saturated``/``frozen``: neuron names; ``duplicates``: name pairs;
    ``ok``: no problem found. ``str(report)`` is the text; ``to_dict()``/``to_json()`` export it.

    Examples
    --------
    Neuron hidden1[0] has a bias of -100: its ReLU never fires, so it is dead.

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> report = nk.inspect.health(net, X, y)
    >>> report.dead
    ['hidden1[0]']
    >>> [p.kind for p in report.problems], report.problems_of("dead")[0].neurons
    (['dead'], ('hidden1[0]',))
    """

    def __init__(self, layers: dict[str, LayerHealth], gradients: GradientHealth | None, thresholds: Thresholds,
                 n_samples: int, epoch: int | None = None) -> None:
        self.layers = layers
        self.gradients = gradients
        self.thresholds = thresholds
        self.n_samples = n_samples
        self.epoch = epoch
        self.problems: list[Problem] = [p for check in CHECKS.values() for p in check(layers, gradients, thresholds)]
        #: text models: per Embedding layer, the token ids (padding aside) that no text of X holds: their rows
        #: never get a gradient from this data and keep their initial vectors
        self.unused_embeddings: dict[str, np.ndarray] = {}
        #: per hidden Dense layer read by another Dense layer: how sparse its activity is (:func:`health` fills it)
        self.sparsity: dict[str, SparsityStats] = {}

    def _names(self, attr: str) -> list[str]:
        return [name for lh in self.layers.values() if getattr(lh, attr) is not None
                for name in lh.names(getattr(lh, attr))]

    @property
    def dead(self) -> list[str]:
        return self._names("dead")

    @property
    def saturated(self) -> list[str]:
        return self._names("saturated")

    @property
    def frozen(self) -> list[str]:
        return self._names("frozen")

    @property
    def duplicates(self) -> list[tuple[str, str]]:
        return [(f"{lh.name}[{i}]", f"{lh.name}[{j}]") for lh in self.layers.values() for i, j, _ in lh.duplicates]

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_of(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    @property
    def silent(self) -> list[str]:
        """Spiking neurons that never fire on the data."""
        return self._names("silent")

    @property
    def always_firing(self) -> list[str]:
        """Spiking neurons that fire at more than ``thresholds.always_firing_rate`` of the steps."""
        return self._names("always_firing")

    @property
    def spiking_layers(self) -> dict[str, SpikingLayerHealth]:
        return {name: lh for name, lh in self.layers.items() if isinstance(lh, SpikingLayerHealth)}

    @property
    def synops(self) -> float | None:
        """Synaptic operations per sample over all spiking layers (None without spiking layers)."""
        spiking = self.spiking_layers
        return float(sum(lh.synops for lh in spiking.values())) if spiking else None

    @property
    def ann_macs(self) -> int | None:
        """Multiply-accumulates per sample of the same network run once as an ANN (None without spiking layers)."""
        spiking = self.spiking_layers
        return int(sum(lh.macs for lh in spiking.values())) if spiking else None

    def _spiking_lines(self) -> list[str]:
        spiking = self.spiking_layers
        if not spiking:
            return []
        first = next(iter(spiking.values()))
        hz = first.rate_hz is not None
        lines = [f"  (firing of a spiking layer = spikes per time step, over {first.steps} steps; a filter's over "
                 "every position)" if any(lh.unit == "filter" for lh in spiking.values()) else
                 f"  (firing of a spiking layer = spikes per time step, over {first.steps} steps)",
                 "spiking layers: rates in spikes per step" + (f" (Hz at {first.dt:g} ms per step)" if hz else "")]
        header = ("layer", "model", "neurons", "mean", "median", "max", "silent", "always firing", "SynOps/sample",
                  "ANN MACs/sample")
        rows: list[tuple[str, ...]] = [header]
        for lh in spiking.values():
            r = lh.firing_rate
            if lh.spikes:
                stats = [f"{v:.3f}" + (f" ({v * 1000.0 / lh.dt:.3g} Hz)" if lh.dt is not None else "")
                         for v in (r.mean(), float(np.median(r)), r.max())]
                counts = [str(int(lh.silent.sum())), str(int(lh.always_firing.sum()))]
            else:
                stats, counts = ["-", "-", "-"], ["-", "-"]
            rows.append((lh.name, lh.model + ("" if lh.spikes else " (membrane)"), str(lh.n_neurons), *stats, *counts,
                         f"{lh.synops:,.0f}", f"{lh.macs:,}"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        for k, row in enumerate(rows):
            lines.append("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                                          enumerate(zip(row, widths))))
            if k == 0:
                lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
        synops, macs = self.synops or 0.0, self.ann_macs or 0
        ratio = f"{synops / macs:.3g}×" if macs else "n/a"
        lines.append(f"energy proxy: {synops:,.0f} synaptic operations per sample (one accumulate per input spike and "
                     f"neuron it reaches, over all steps) against {macs:,} multiply-accumulates for the same network "
                     f"run once as an ANN: {ratio}")
        if not all(lh.binary_input for lh in spiking.values()):
            odd = ", ".join(lh.name for lh in spiking.values() if not lh.binary_input)
            lines.append(f"  ({odd}: inputs are not 0/1 spikes (currents), so each of its operations is a "
                         "multiply-accumulate)")
        lines.append(f"silent = no spike on any step of any sample; always firing = a rate above "
                     f"{self.thresholds.always_firing_rate:.0%} of the steps: such a neuron fires whatever the input, "
                     "so its spikes carry almost no information (a neuron fires at most once per step)")
        return lines

    def to_dict(self) -> dict[str, Any]:
        spiking = None if not self.spiking_layers else {"synops_per_sample": self.synops,
                                                        "ann_macs_per_sample": self.ann_macs}
        return {"n_samples": self.n_samples, "epoch": None if self.epoch is None else self.epoch + 1,
                "spiking": spiking,
                "thresholds": asdict(self.thresholds),
                "layers": {name: lh.to_dict() for name, lh in self.layers.items()},
                "gradients": None if self.gradients is None else self.gradients.to_dict(),
                "problems": [p.to_dict() for p in self.problems],
                "unused_embeddings": {k: v.tolist() for k, v in self.unused_embeddings.items()},
                "sparsity": {name: stats.to_dict() for name, stats in self.sparsity.items()}}

    def to_json(self, path: Any = None, *, indent: int = 1) -> str:
        """The report as JSON text (also written to ``path`` if given)."""
        text = json.dumps(self.to_dict(), indent=indent)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text, encoding="utf-8")
        return text

    def __str__(self) -> str:
        t = self.thresholds
        when = f" after epoch {self.epoch + 1}" if self.epoch is not None else ""
        lines = [f"neuron health on {self.n_samples} samples{when}"]
        header = ("layer", "activation", "neurons", "firing", "dead", "saturated", "duplicates", "excitatory",
                  "‖∂L/∂W‖")
        rows = [header]
        for lh in self.layers.values():
            check = lh.hidden and lh.measured
            rows.append((lh.name, lh.activation, str(lh.n_neurons),
                         f"{lh.firing_rate.mean():.2f}" if lh.measured else "-",
                         str(int(lh.dead.sum())) if check and lh.can_die else "-",
                         str(int(lh.saturated.sum())) if check and lh.can_saturate else "-",
                         str(len(lh.duplicates)) if check else "-", f"{lh.excitatory.mean():.2f}",
                         "-" if lh.grad_norm is None else f"{lh.grad_norm:.3g}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for k, r in enumerate(rows):
            cells = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
            lines.append("  " + "  ".join(cells))
            if k == 0:
                lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
        if len(self.spiking_layers) < len(self.layers):
            lines.append("  (firing = mean fraction of samples with z > 0; excitatory = mean fraction of weights > 0)")
        lines += self._spiking_lines()
        lines += sparsity_lines(self.sparsity)
        if any(lh.unit == "filter" for lh in self.layers.values()):
            lines.append("  (a filter's statistics run over every position of every sample)")
        for name, ids in self.unused_embeddings.items():
            shown = ", ".join(map(str, ids[:12].tolist())) + (", …" if len(ids) > 12 else "")
            lines.append(f"{name}: {len(ids)} token ids never occur in these texts ({shown}); their rows get no "
                         "gradient from this data and keep their initial vectors (a tokenizer with a higher "
                         "min_count, or more data, leaves fewer such words)")
        if self.gradients is not None:
            ratio = self.gradients.ratio
            ratio_text = "n/a" if ratio is None else f"{ratio:.3g}"
            lines.append(f"gradient norm ratio first/last layer: {ratio_text} (vanishing below "
                         f"{t.vanishing_ratio:g}, exploding above {t.exploding_ratio:g})")
            trend = self.gradients.trend_text()
            if trend:
                lines.append(trend)
        else:
            lines.append("gradients: not measured (give targets y to check for vanishing/exploding gradients)")
        if not self.problems:
            lines.append("no problems found")
        else:
            lines.append(f"problems ({len(self.problems)}):")
            for p in self.problems:
                lines.append(f"  ! {p}")
                lines.append(f"    remedy: {p.remedy}")
        lines.append(f"thresholds: dead = f'(z) = 0 on every sample (relu: z <= 0); saturated = |f'(z)| < "
                     f"{t.saturation_eps:g}·max |f'| on >= {t.saturation_fraction:.0%} of samples; duplicate = "
                     f"equal weights and bias, or equal outputs on the data (within {t.duplicate_tol:g} "
                     "relative)")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The report as HTML for Jupyter: the layer table, each problem highlighted with its remedy.

        >>> import numpy as np, neuronkit as nk
        >>> report = nk.inspect.health(nk.mlp([2, 3, 1], seed=0), np.ones((4, 2)))
        >>> "<table" in report._repr_html_()
        True
        """
        return _html.health_html(self)


# ------------------------------------------------------------------------------ measuring
def _derivative(activation: Any, z: np.ndarray) -> np.ndarray:
    """f'(z) elementwise, from the engine (rows as wide as the layer, so per-neuron parameters line up)."""
    leaf = Tensor(z.copy(), requires_grad=True)
    activation(leaf).sum().backward()
    return grad_of(leaf)


def can_die(activation: Any) -> bool:
    """True if the activation declares a region where f'(z) is exactly 0 (relu), where neurons can die.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.inspect.health import can_die
    >>> can_die(nk.get_activation("relu")), can_die(nk.get_activation("leaky_relu")), can_die(nk.get_activation("tanh"))
    (True, False, False)
    """
    return getattr(activation, "zero_gradient_below", None) is not None


def can_saturate(activation: Any) -> bool:
    """True if saturation is looked for: the activation declares a flat tail (``Activation.saturates``).

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.inspect.health import can_saturate
    >>> can_saturate(nk.get_activation("sigmoid")), can_saturate(nk.get_activation("relu"))
    (True, False)
    """
    return bool(getattr(activation, "saturates", False))


#: the potentials on which an activation's largest |f'| is looked for (the reference for "saturated")
_PROBE = np.linspace(-20.0, 20.0, 401)


def _peak_derivative(activation: Any, width: int, dtype: Any) -> np.ndarray:
    """max over z of |f'(z)|, per neuron (shape (width,)), on a grid of potentials in [-20, 20]."""
    grid = np.repeat(_PROBE[:, None], width, axis=1).astype(dtype)
    return np.abs(_derivative(activation, grid)).astype(np.float64).max(axis=0)


def _layer_init(layer: Module) -> str | None:
    init = getattr(layer, "init", None)
    return init if isinstance(init, str) else None


def _weight_stats(layer: Module) -> tuple[np.ndarray, np.ndarray]:
    w = _kernel_rows(layer)
    positive = np.where(w > 0, w, 0.0).sum(axis=1)
    negative = np.where(w < 0, -w, 0.0).sum(axis=1)
    total = positive + negative
    balance = np.divide(positive - negative, total, out=np.zeros_like(total), where=total > 0)
    return (w > 0).mean(axis=1), balance


def _kernel_rows(layer: Any) -> np.ndarray:
    """Each neuron's weights as one float64 row: a Dense row, or a filter's kernel flattened."""
    w = layer.weight.data
    return w.reshape(w.shape[0], -1).astype(np.float64)


def _rows(layer: Any) -> np.ndarray:
    """Each neuron's weights and bias as one float64 row (a fresh array)."""
    w = _kernel_rows(layer)
    if layer.bias is None:
        return w
    return np.concatenate([w, layer.bias.data.astype(np.float64)[:, None]], axis=1)


def _duplicates(layer: Module, cov: np.ndarray, var: np.ndarray, mean: np.ndarray,
                t: Thresholds) -> list[tuple[int, int, str]]:
    """Neurons that repeat an earlier neuron of the layer: (i, j, reason), i the first of j's group.

    By the weights, whatever the data: rows (w, b) equal within ``duplicate_tol`` relative (plus
    ``weight_atol``). By the data: two varying neurons whose outputs differ by less than
    ``duplicate_tol`` of their spread, std(a_i − a_j) <= tol·√((var_i + var_j)/2) (they may differ
    in inputs that the data never varies). Such neurons get equal gradients and stay equal; a scaled
    copy does not (its gradient differs), so it is not counted.
    """
    w = _rows(layer)
    tol = t.duplicate_tol
    norm = np.sqrt((w * w).sum(axis=1))
    gram = w @ w.T
    d2 = np.clip(norm[:, None] ** 2 + norm[None, :] ** 2 - 2.0 * gram, 0.0, None)
    big = np.maximum(norm[:, None], norm[None, :])
    equal = np.sqrt(d2) <= tol * big + t.weight_atol * math.sqrt(w.shape[1])
    varying = var > 1e-12 * (1.0 + mean * mean)
    diff_var = np.clip(var[:, None] + var[None, :] - 2.0 * cov, 0.0, None)
    same_output = np.outer(varying, varying) & (diff_var <= tol * tol * 0.5 * (var[:, None] + var[None, :])) & ~equal
    out: list[tuple[int, int, str]] = []
    for column in np.flatnonzero(np.triu(equal | same_output, k=1).any(axis=0)):
        j = int(column)
        by_weights = np.flatnonzero(equal[:j, j])
        if by_weights.size:
            i = int(by_weights[0])
            gap = float(np.max(np.abs(w[i] - w[j])))
            why = "identical weights" if gap <= t.weight_atol else f"equal weights (max |difference| {gap:.2g})"
        else:
            i = int(np.flatnonzero(same_output[:j, j])[0])
            rel = math.sqrt(diff_var[i, j] / (0.5 * (var[i] + var[j])))
            why = f"equal outputs on the data (relative difference {rel:.2g})"
        out.append((i, j, why))
    return out


def activation_health(m: InspectedModel, X: np.ndarray, thresholds: Thresholds,
                      batch_size: int = 1024) -> dict[str, LayerHealth]:
    """Per-layer neuron statistics over X, streamed in batches (memory O(batch · width + width²)).

    Examples
    --------
    Usually reached through :func:`health`, which builds the ``InspectedModel`` and ``Thresholds``:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> nk.inspect.health(net, X).layers["hidden1"].dead
    array([ True, False, False])
    """
    units = m.unit_layers()
    dense = m.dense_layers()
    last = dense[-1][0] if dense else None
    sources = {name: _activation_source(m.network, name) for name, _ in units}
    acc: dict[str, dict[str, Any]] = {}
    for name, layer in units:
        k = width(layer)
        acc[name] = {"rows": 0, "fire": np.zeros(k), "s1": np.zeros(k), "s2": np.zeros((k, k)), "sat": np.zeros(k),
                     "zmax": np.full(k, -np.inf)}
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        records = {rec.name: rec for rec in m.records(X[rows])}
        for name, _ in units:
            a = acc[name]
            source, act = sources[name]
            if source == name:
                zt, outt = records[name].potentials, records[name].output
            else:  # conv -> [BatchNorm2d] -> Activation: z is what the Activation layer receives
                zt, outt = records[source].input, records[source].output
            z_rows = channels_last(zt.data)
            z = z_rows.astype(np.float64)
            out = channels_last(outt.data).astype(np.float64)
            a["rows"] += len(z)
            a["fire"] += (z > 0).sum(axis=0)
            a["zmax"] = np.maximum(a["zmax"], z.max(axis=0))
            a["s1"] += out.sum(axis=0)
            a["s2"] += out.T @ out
            if name != last and can_saturate(act):
                if "peak" not in a:
                    a["peak"] = _peak_derivative(act, z_rows.shape[1], z_rows.dtype)
                d = np.abs(_derivative(act, z_rows).astype(np.float64))
                a["sat"] += (d < thresholds.saturation_eps * a["peak"]).sum(axis=0)
    layers: dict[str, LayerHealth] = {}
    for name, layer in units:
        a = acc[name]
        act = sources[name][1]
        hidden = name != last
        n = max(a["rows"], 1)
        mean = a["s1"] / n
        cov = a["s2"] / n - np.outer(mean, mean)
        var = np.clip(np.diag(cov).copy(), 0.0, None)
        std = np.sqrt(var)
        none = np.zeros(width(layer), bool)
        limit = act.zero_gradient_below if can_die(act) else None
        dead = (a["zmax"] <= limit) if (hidden and limit is not None) else none
        saturation = a["sat"] / n
        saturated = (saturation >= thresholds.saturation_fraction) if hidden and can_saturate(act) else none
        excitatory, balance = _weight_stats(layer)
        duplicates = _duplicates(layer, cov, var, mean, thresholds) if hidden else []
        layers[name] = LayerHealth(name=name, activation=act.name, family=act.family, hidden=hidden,
                                   firing_rate=a["fire"] / n, mean_activation=mean, std_activation=std, dead=dead,
                                   saturation=saturation, saturated=saturated, excitatory=excitatory,
                                   balance=balance, duplicates=duplicates, init=_layer_init(layer),
                                   can_die=can_die(act), can_saturate=can_saturate(act), unit=_unit_word(layer),
                                   normalised=_normalised(m.network, name, sources[name][0]))
    return layers


def _normalised(net: Sequential, name: str, source: str) -> bool:
    """True if a BatchNorm/BatchNorm2d layer sits between layer ``name`` and the layer ``source`` of its activation."""
    names = list(net.layers)
    between = names[names.index(name) + 1:names.index(source)]
    return any(isinstance(net.layers[n], (BatchNorm, BatchNorm2d)) for n in between)


def _unit_word(layer: Module) -> str:
    return "filter" if isinstance(layer, CONV_TYPES) else "neuron"


def _activation_source(net: Sequential, name: str) -> tuple[str, Any]:
    """(the layer whose input is the potential the activation sees, that activation) for Dense/conv ``name``.

    The layer itself and its activation; or, when that is the identity, an Activation layer right
    after it (only channel-wise layers, BatchNorm2d/BatchNorm/Dropout, between).
    """
    names = list(net.layers)
    i = names.index(name)
    layer: Any = net.layers[name]
    if layer.activation.name == "identity":
        j = i + 1
        while j < len(names) and isinstance(net.layers[names[j]], (*CHANNELWISE_TYPES, BatchNorm)):
            j += 1
        if j < len(names) and isinstance(net.layers[names[j]], Activation):
            after: Any = net.layers[names[j]]
            return names[j], after.activation
    return name, layer.activation


def gradient_norms(m: InspectedModel, X: np.ndarray, y: Any, batch_size: int = 1024) -> dict[str, float]:
    """‖∂L/∂W‖ per Dense or convolution layer for the mean training loss over (X, y) (no L2 penalty), in eval mode.

    Gradients of the batches are accumulated with weights len(batch)/N, so the
    result is the full-data gradient; the model's ``.grad`` values are restored.

    Examples
    --------
    Usually reached through :func:`health` with targets:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> norms = nk.inspect.health(net, X, y).gradients.norms
    >>> sorted(norms), all(v > 0 for v in norms.values())
    (['hidden1', 'output'], True)
    """
    target = m.encode_targets(y, len(X))
    loss_fn = m.loss()
    net = m.network
    n = len(X)
    with eval_mode(net), preserved_grads(net):
        for rows in batch_indices(n, batch_size, shuffle=False):
            _, net_in = m.input_tensor(X[rows], requires_grad=False)
            records = forward(net, net_in, mask=m.mask_of(X[rows]))
            (loss_fn(m.loss_input(records, loss_fn), target[rows]) * (len(rows) / n)).backward()
        norms = {}
        for name, layer in m.unit_layers():
            g = layer.weight.grad
            norms[name] = 0.0 if g is None else float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
    return norms


# ------------------------------------------------------------------------------ spiking layers
def fan_out(layer: Any, in_shape: tuple[int, ...]) -> np.ndarray:
    """How many neurons of a spiking layer one input value reaches (the synaptic operations of one input spike).

    SpikingDense: every input reaches all ``out_features`` neurons (shape (in_features,)). SpikingConv2d
    on inputs (C, H, W): the pixel (h, w) of a channel lies in the receptive field of some output
    positions (fewer at the borders, with stride or without padding) of each of the
    ``out_channels/groups`` filters that read its channel: an array (C, H, W).

    >>> import neuronkit as nk
    >>> from neuronkit.spiking import SpikingConv2d
    >>> fan_out(SpikingConv2d(1, 2, 3, seed=0), (1, 4, 4))[0]       # 2 filters, 2x2 output positions
    array([[2., 4., 4., 2.],
           [4., 8., 8., 4.],
           [4., 8., 8., 4.],
           [2., 4., 4., 2.]])
    """
    synapse = layer.synapse
    if isinstance(synapse, Dense):
        return np.full(synapse.in_features, float(synapse.out_features))
    channels, *size = in_shape
    reach = []
    for n, k, s, d, (before, _) in zip(size, synapse.kernel_size, synapse.stride, synapse.dilation, synapse._pads):
        out = (n + before + _ - d * (k - 1) - 1) // s + 1
        count = np.zeros(n)
        for o in range(out):  # output position o reads inputs o·s - before + j·d, j < k
            taps = o * s - before + d * np.arange(k)
            np.add.at(count, taps[(taps >= 0) & (taps < n)], 1.0)
        reach.append(count)
    per_channel = np.multiply.outer(*reach) * (synapse.out_channels // synapse.groups)
    return np.broadcast_to(per_channel, (channels, *per_channel.shape)).copy()


def ann_macs(layer: Any, out_shape: tuple[int, ...]) -> int:
    """The multiply-accumulates of a spiking layer's synapse run once as an ANN layer, per sample.

    >>> import neuronkit as nk
    >>> from neuronkit.spiking import SpikingDense
    >>> ann_macs(SpikingDense(64, 128, seed=0), (128,))
    8192
    """
    synapse = layer.synapse
    if isinstance(synapse, Dense):
        return int(synapse.in_features * synapse.out_features)
    per_output = (synapse.in_channels // synapse.groups) * math.prod(synapse.kernel_size)
    return int(math.prod(out_shape) * per_output)


def _step_ms(neuron: Any, given: float | None) -> float | None:
    if given is not None:
        return given
    step_ms = getattr(neuron, "step_ms", None)  # a model whose time unit is known (Izhikevich: ms)
    return None if step_ms is None else float(step_ms)


def spiking_health(m: InspectedModel, X: np.ndarray, thresholds: Thresholds, batch_size: int = 1024,
                   dt: float | None = None) -> dict[str, SpikingLayerHealth]:
    """Per spiking layer: rates, silent and always-firing neurons, synaptic operations, streamed in batches.

    The network runs layer by layer in eval mode (a rate encoder draws its evaluation spikes);
    a :func:`neuronkit.spiking.record` block gives each layer's spikes. Usually reached through
    :func:`health`:

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.build("rate(5),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    >>> report = nk.inspect.health(net, np.ones((4, 2)))
    >>> report.layers["spiking1"].steps, report.layers["spiking1"].firing_rate.shape
    (5, (3,))
    """
    from ..engine import no_grad
    from ..spiking.record import record

    spiking = dict(m.spiking_layers())
    names = list(spiking)
    acc: dict[str, dict[str, Any]] = {}
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        h: Any = m.spiking_input(X[rows])
        with eval_mode(m.network), no_grad(), record(*names) as rec:
            for name, layer in m.network.layers.items():
                x = h
                h = layer(h).data
                if name not in spiking:
                    continue
                a = acc.setdefault(name, {"count": 0.0, "steps": 0, "sum2": 0.0, "synops": 0.0, "binary": True,
                                          "out_shape": h.shape[2:], "T": h.shape[0]})
                nonzero = (x != 0)
                a["binary"] = a["binary"] and bool(np.all((x == 0) | (x == 1)))
                a["synops"] += float((nonzero.sum(axis=(0, 1)) * fan_out(spiking[name], x.shape[2:])).sum())
        for name in names:
            a = acc[name]
            states = rec[name]
            a["spikes"] = "spikes" in states
            if not a["spikes"]:
                continue
            s = states["spikes"].astype(np.float64)  # (T, B, units) or (T, B, C, H, W)
            per_sample = s.reshape(s.shape[0], s.shape[1], s.shape[2], -1).mean(axis=(0, 3))  # (B, units)
            a["count"] = a["count"] + s.reshape(s.shape[0], s.shape[1], s.shape[2], -1).sum(axis=(0, 1, 3))
            a["steps"] += s.shape[0] * s.shape[1] * (s[0, 0, 0].size if s.ndim > 3 else 1)
            a["sum2"] = a["sum2"] + (per_sample ** 2).sum(axis=0)
    n = len(X)
    last = names[-1] if names else None
    layers: dict[str, SpikingLayerHealth] = {}
    for name, layer in spiking.items():
        a = acc[name]
        k = len(layer.neurons) if hasattr(layer, "out_features") else int(layer.out_channels)
        zeros = np.zeros(k)
        rate = a["count"] / max(a["steps"], 1) if a["spikes"] else zeros
        std = np.sqrt(np.clip(a["sum2"] / n - rate ** 2, 0.0, None)) if a["spikes"] else zeros
        none = np.zeros(k, bool)
        excitatory, balance = _weight_stats(layer.synapse)
        # by the weights only (spikes of equal neurons are equal); hidden layers only, as for Dense layers
        duplicates = _duplicates(layer.synapse, np.zeros((k, k)), zeros, zeros, thresholds) if name != last else []
        step = _step_ms(layer.neuron, dt)
        model = type(layer.neuron).__name__
        fires = a["spikes"]
        layers[name] = SpikingLayerHealth(
            name=name, activation=model, family="spiking", hidden=name != last,
            firing_rate=rate, mean_activation=rate, std_activation=std, dead=none, saturation=zeros,
            saturated=none, excitatory=excitatory, balance=balance, duplicates=duplicates,
            init=_layer_init(layer.synapse), unit=_unit_word(layer.synapse),
            silent=(a["count"] == 0) if fires else none,
            always_firing=(rate > thresholds.always_firing_rate) if fires else none,
            rate_hz=None if step is None or not fires else rate * 1000.0 / step, dt=step,
            synops=a["synops"] / n, macs=ann_macs(layer, a["out_shape"]), model=model, steps=int(a["T"]),
            spikes=bool(fires), binary_input=a["binary"])
    return layers


def spike_loss(m: InspectedModel) -> Any:
    """The loss a spiking model trains with: an estimator's ``loss`` (default ``rate_cross_entropy``), or for a
    network ``membrane_cross_entropy`` when it ends in an LI readout, else ``rate_cross_entropy``.

    >>> import neuronkit as nk
    >>> from neuronkit.inspect._model import InspectedModel
    >>> spike_loss(InspectedModel(nk.build("snn", (4,), outputs=2, seed=0), spiking=True)).name
    'rate_cross_entropy'
    """
    from ..losses import get_loss
    from ..spiking import losses as _registered  # noqa: F401  (the spike losses register themselves)

    name = getattr(m.model, "loss", None) if m.model is not m.network else None
    if not isinstance(name, str):
        last = m.spiking_layers()[-1][1]
        name = "membrane_cross_entropy" if type(last.neuron).__name__ == "LI" else "rate_cross_entropy"
    return get_loss(name)


def spiking_gradient_norms(m: InspectedModel, X: np.ndarray, y: Any, batch_size: int = 1024) -> dict[str, float]:
    """‖∂L/∂W‖ of each spiking layer's synapse for the mean spike loss over (X, y) (surrogate gradients, eval mode).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.build("rate(5),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    >>> sorted(nk.inspect.health(net, np.ones((4, 2)), [0, 1, 0, 1]).gradients.norms)
    ['spiking1', 'spiking2']
    """
    from ..validation import check_class_indices

    loss_fn = spike_loss(m)
    n = len(X)
    labels = np.asarray(y.data if isinstance(y, Tensor) else y)
    if m.classes is not None:
        target = m.class_indices(labels, "y")
    else:
        target = check_class_indices(labels, int(m.network.out_features or 0), name="y",
                                     where=f"the output layer has {m.network.out_features} neurons")
    if len(target) != n:
        from ..errors import ShapeError

        raise ShapeError(f"y must hold one class per sample of X ({n}); got {len(target)}")
    net = m.network
    with eval_mode(net), preserved_grads(net):
        for rows in batch_indices(n, batch_size, shuffle=False):
            out = net(Tensor(m.spiking_input(X[rows])))
            (loss_fn(out, target[rows]) * (len(rows) / n)).backward()
        norms = {}
        for name, layer in m.spiking_layers():
            g = layer.synapse.weight.grad
            norms[name] = 0.0 if g is None else float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
    return norms


def health(model: Any, X: Any, y: Any = None, *, thresholds: Thresholds | dict[str, float] | None = None,
           batch_size: int = 1024, dt: float | None = None) -> HealthReport:
    """Examine every neuron of ``model`` on the samples ``X`` (and targets ``y``): a :class:`HealthReport`.

    X: (n_samples, n_features), unscaled for an estimator. With ``y`` the
    per-layer gradient norms of the training loss are measured too (vanishing /
    exploding gradients). ``thresholds``: a :class:`Thresholds` or a dict of its
    fields. Work is done ``batch_size`` samples at a time.

    A spiking network (its first layer an encoder) gets the spiking checks instead
    (:class:`SpikingLayerHealth` per spiking layer, neurons ``spiking1[7]``): mean firing rates
    in spikes per step (and in Hz given ``dt``, the milliseconds one step covers, as the
    spiking plots take it), silent neurons (never fire on X), always-firing ones (above
    ``Thresholds.always_firing_rate``, 90 % of the steps), and the synaptic operations per
    sample (the energy proxy) next to the multiply-accumulates of the same network run as an
    ANN; with ``y``, the surrogate gradients' norms per layer for the model's spike loss.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([3, 4, 1], activation="sigmoid", seed=0)
    >>> X = np.full((20, 3), 100.0)          # huge inputs push sigmoids onto their tails
    >>> nk.inspect.health(net, X).saturated
    ['hidden1[0]', 'hidden1[1]', 'hidden1[2]', 'hidden1[3]']

    Image networks take X as (n, C, H, W) and their filters are checked too (``conv1[5]``);
    text networks take token ids (n, L), with the padding mask the network builds, and the
    report lists the Embedding rows no text uses (``unused_embeddings``):

    >>> text = nk.Sequential(nk.Embedding(6, 2, padding_idx=0, seed=0), nk.SequenceMeanPool(),
    ...                      nk.Dense(2, 2, seed=1))
    >>> nk.inspect.health(text, [[1, 2, 0], [2, 4, 0]]).unused_embeddings
    {'embedding1': array([3, 5])}
    """
    m = InspectedModel(model, spiking=True)
    X = m.check_X(X)
    batch_size = check_int(batch_size, "batch_size", low=1)
    t = Thresholds.of(thresholds)
    if m.is_spiking:
        if dt is not None:
            dt = check_number(dt, "dt", low=0.0, low_open=True, owner="health")
        spiking = spiking_health(m, X, t, batch_size, dt)
        gradients = None if y is None else GradientHealth(spiking_gradient_norms(m, X, y, batch_size))
        for name, value in ({} if gradients is None else gradients.norms).items():
            spiking[name].grad_norm = value
        return HealthReport(dict(spiking), gradients, t, len(X))
    if dt is not None:
        raise ParameterError("health dt (the milliseconds of one time step) gives the firing rates of spiking layers "
                             "in Hz; this network has no spiking layer: leave dt out")
    layers = activation_health(m, X, t, batch_size)
    gradients = None
    if y is not None:
        norms = gradient_norms(m, X, y, batch_size)
        for name, value in norms.items():
            layers[name].grad_norm = value
        gradients = GradientHealth(norms)
    report = HealthReport(layers, gradients, t, len(X))
    report.sparsity = sparsity_stats(m, X, batch_size)
    if m.is_text:
        first: Any = m.network[0]
        seen = np.zeros(first.num_embeddings, bool)
        seen[X.ravel()] = True
        if first.padding_idx is not None:
            seen[first.padding_idx] = True
        if not seen.all():
            report.unused_embeddings[list(m.network.layers)[0]] = np.flatnonzero(~seen)
    return report


# ------------------------------------------------------------------------------ the callback
class HealthMonitor(Callback):
    """A training callback that checks neuron health every epoch and warns once per new problem.

    Parameters
    ----------
    X : array (n_samples, n_features), images (n, C, H, W) or token ids (n, L), optional
        Samples to examine the activations on (dead, saturated, duplicate
        neurons) every ``every`` epochs. They are fed to the network as they are:
        for an estimator's network, pass inputs scaled as it sees them.
        Without X only gradients and frozen neurons are tracked.
    every : int
        Examine activations every ``every`` epochs (gradients and weights every epoch).
    thresholds : Thresholds or dict, optional
    warn : bool
        Issue a :class:`NeuronHealthWarning` (via :mod:`warnings`) the first time
        each problem appears — once per neuron for neuron problems, once per kind
        for gradient problems. Either way, problems are recorded in ``problems``
        as (epoch, Problem) and noted in the training history's notes.

    Per epoch it records (in ``history``): the mean over the epoch's batches of
    ‖∂L/∂W‖ per Dense layer (the training gradient, penalty included), their
    ratio first/last, the count of frozen neurons per layer, and (with X) the
    counts of dead and saturated neurons. A spiking network's layers are its spiking layers
    (their synapses' gradients and weights), and with X it also records the counts of silent
    and always-firing neurons (``silent``, ``always_firing``), warning when one appears.
    :meth:`report` gives the latest :class:`HealthReport` with the gradient trend.

    >>> import numpy as np, neuronkit as nk
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 2)).astype(np.float32); y = (X[:, 0] > 0).astype(int)
    >>> monitor = nk.inspect.HealthMonitor(X)
    >>> _ = nk.fit(nk.mlp([2, 8, 2], output="softmax", seed=0), X, y, epochs=3, seed=0, progress=False,
    ...            callbacks=[monitor])
    >>> sorted(monitor.history)
    ['dead', 'epoch', 'frozen', 'grad_norm', 'grad_ratio', 'saturated']
    """

    def __init__(self, X: Any = None, *, every: int = 1, thresholds: Thresholds | dict[str, float] | None = None,
                 warn: bool = True, batch_size: int = 1024) -> None:
        data = X.data if isinstance(X, Tensor) else X
        # a table (or token ids) is 2-D; sequences (n, C, L) and images (n, C, H, W) have more axes
        self.X = None if X is None else check_array(data, "X", ndim=2 if np.ndim(data) < 3 else (3, 4),
                                                    dtype=np.float64, owner="HealthMonitor")
        self.every = check_int(every, "every", low=1, owner="HealthMonitor")
        self.batch_size = check_int(batch_size, "batch_size", low=1, owner="HealthMonitor")
        self.thresholds = Thresholds.of(thresholds)
        self.warn = check_bool(warn, "warn", owner="HealthMonitor")
        self.history: dict[str, Any] = {}
        self.problems: list[tuple[int, Problem]] = []
        self._seen: set[tuple[str, str]] = set()
        self._sums: dict[str, float] = {}
        self._batches = 0
        self._snapshot: dict[str, np.ndarray] | None = None
        self._model: InspectedModel | None = None
        self._last: dict[str, LayerHealth] = {}
        self._frozen: dict[str, np.ndarray] = {}
        self._layers: dict[str, Any] = {}

    # ---- helpers
    def _dense(self, state: Any) -> list[tuple[str, Any]]:
        """The layers with neurons (Dense and convolution layers), by name."""
        model = state.model
        if isinstance(model, Sequential):
            return [(n, layer) for n, layer in model.layers.items()
                    if isinstance(layer, UNIT_TYPES) or is_spiking_layer(layer)]
        return [(f"dense{i + 1}", layer) for i, layer in enumerate(m for m in model.modules() if isinstance(m, Dense))]

    # ---- hooks
    def on_train_begin(self, state: Any) -> None:
        names = [n for n, _ in self._dense(state)]
        self.history = {"epoch": [], "grad_norm": {n: [] for n in names}, "grad_ratio": [],
                        "frozen": {n: [] for n in names}, "dead": {n: [] for n in names},
                        "saturated": {n: [] for n in names}}
        self._model = InspectedModel(state.model, spiking=True) if isinstance(state.model, Sequential) else None
        if self._model is not None and self._model.is_spiking:  # spiking layers: silent and always-firing neurons
            self.history.update(silent={n: [] for n in names}, always_firing={n: [] for n in names})
        self._layers = dict(self._dense(state))
        self.problems, self._seen, self._last, self._frozen = [], set(), {}, {}

    def on_epoch_begin(self, state: Any) -> None:
        self._sums = {}
        self._batches = 0
        self._snapshot = {n: _rows(layer) for n, layer in self._layers.items()}

    def on_after_backward(self, state: Any) -> None:  # every training step: the layers found at train begin
        for name, layer in self._layers.items():
            g = layer.weight.grad
            value = 0.0 if g is None else float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
            self._sums[name] = self._sums.get(name, 0.0) + value
        self._batches += 1

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        epoch = state.epoch
        dense = self._dense(state)
        self.history["epoch"].append(epoch + 1)
        norms = {n: self._sums.get(n, 0.0) / max(self._batches, 1) for n, _ in dense}
        for n, v in norms.items():
            self.history["grad_norm"][n].append(v)
        ratio = gradient_ratio(norms)
        self.history["grad_ratio"].append(math.nan if ratio is None else ratio)
        self._frozen = {}
        for n, layer in dense:
            if self._snapshot is None or n not in self._snapshot:
                self.history["frozen"][n].append(0)
                continue
            now = _rows(layer)
            change = np.linalg.norm(now - self._snapshot[n], axis=1)
            frozen = change <= self.thresholds.frozen_tol * np.linalg.norm(now, axis=1)
            self._frozen[n] = frozen
            self.history["frozen"][n].append(int(frozen.sum()))
        if self._model is not None and self.X is not None and (epoch + 1) % self.every == 0:
            X = self._model.check_X(self.X, "HealthMonitor X")
            if self._model.is_spiking:
                self._last = dict(spiking_health(self._model, X, self.thresholds, self.batch_size))
            else:
                self._last = activation_health(self._model, X, self.thresholds, self.batch_size)
        for n, _ in dense:
            lh = self._last.get(n)
            self.history["dead"][n].append(int(lh.dead.sum()) if lh is not None else 0)
            self.history["saturated"][n].append(int(lh.saturated.sum()) if lh is not None else 0)
            if "silent" in self.history:
                spiking = lh if isinstance(lh, SpikingLayerHealth) else None
                self.history["silent"][n].append(int(spiking.silent.sum()) if spiking is not None else 0)
                self.history["always_firing"][n].append(int(spiking.always_firing.sum()) if spiking is not None else 0)
        report = self.report(epoch=epoch)
        self._announce(state, report)

    # ---- results
    def report(self, *, epoch: int | None = None) -> HealthReport:
        """The latest health: activations (if X was given), frozen neurons, gradient norms and their trend."""
        names = list(self.history.get("grad_norm", {}))
        layers: dict[str, LayerHealth] = {}
        for n in names:
            lh = self._last.get(n)
            if lh is None and is_spiking_layer(self._layers[n]):
                layer = self._layers[n]
                zeros = np.zeros(len(layer.neurons))
                excitatory, balance = _weight_stats(layer.synapse)
                lh = SpikingLayerHealth(n, type(layer.neuron).__name__, "spiking", n != names[-1], zeros, zeros, zeros,
                                        zeros.astype(bool), zeros, zeros.astype(bool), excitatory, balance,
                                        measured=False, init=_layer_init(layer.synapse), unit=_unit_word(layer.synapse),
                                        silent=zeros.astype(bool), always_firing=zeros.astype(bool),
                                        model=type(layer.neuron).__name__)
            elif lh is None:
                layer = self._layers[n]
                act = layer.activation
                zeros = np.zeros(width(layer))
                excitatory, balance = _weight_stats(layer)
                lh = LayerHealth(n, act.name, act.family, n != names[-1], zeros, zeros, zeros, zeros.astype(bool),
                                 zeros, zeros.astype(bool), excitatory, balance, measured=False,
                                 init=_layer_init(layer), can_die=can_die(act), can_saturate=can_saturate(act),
                                 unit=_unit_word(layer))
            else:
                lh = replace(lh)  # a copy: grad_norm and frozen are this report's
            lh.grad_norm = self.history["grad_norm"][n][-1] if self.history["grad_norm"][n] else None
            lh.frozen = self._frozen.get(n)
            layers[n] = lh
        gradients = None
        if names and self.history["grad_norm"][names[0]]:
            norms = {n: self.history["grad_norm"][n][-1] for n in names}
            trend = [(e - 1, r) for e, r in zip(self.history["epoch"], self.history["grad_ratio"])]
            gradients = GradientHealth(norms, trend)
        n_samples = 0 if self.X is None else len(self.X)
        last_epoch = epoch if epoch is not None else (self.history["epoch"][-1] - 1 if self.history.get("epoch")
                                                      else None)
        return HealthReport(layers, gradients, self.thresholds, n_samples, last_epoch)

    def _announce(self, state: Any, report: HealthReport) -> None:
        for problem in report.problems:
            keys = [(problem.kind, n) for n in problem.neurons] or [(problem.kind, problem.layer)]
            new = [k for k in keys if k not in self._seen]
            if not new:
                continue
            self._seen.update(new)
            self.problems.append((state.epoch, problem))
            fresh = [k[1] for k in new] if problem.neurons else []
            what = f"{problem.kind} in {problem.layer}: {problem.message}"
            if fresh and len(fresh) < len(problem.neurons):
                what += f" (new: {_listing(fresh)})"
            state.notes.append(f"HealthMonitor: epoch {state.epoch + 1}: {what}")
            if self.warn:
                warnings.warn(f"epoch {state.epoch + 1}: {what}. Remedy: {problem.remedy}", NeuronHealthWarning,
                              stacklevel=2)


# ------------------------------------------------------------------------------ sparsity
@dataclass
class SparsityStats:
    """How sparse a hidden Dense layer's activity is, as the next Dense layer reads it, over the samples.

    ``feeds`` is the Dense layer that reads the activity (the next one, after whatever sits
    between: a :class:`~neuronkit.layers.KWinners`, dropout, an activation); ``neurons`` the values
    it reads per sample and ``fan_out`` its neurons (each value it reads takes part in
    ``fan_out`` multiply-adds). A neuron is **active** on a sample when the value it passes on
    is not exactly 0 (a ReLU at or below 0, a k-winners loser are inactive). ``counts[j]`` is
    the number of samples on which exactly ``j`` neurons are active (the distribution, j = 0 …
    ``neurons``). A sparse implementation skips the multiply-adds of the inactive inputs:
    ``skipped_macs`` = mean over the samples of (inactive values × ``fan_out``), out of
    ``dense_macs`` = ``neurons × fan_out`` per sample.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.build("dense(6,relu),kwta(2),dense(3)", (4,), seed=0)
    >>> s = nk.inspect.health(net, np.random.default_rng(0).normal(size=(10, 4))).sparsity["hidden1"]
    >>> s.feeds, s.max_share <= 2 / 6, s.dense_macs
    ('output', True, 18)
    """

    name: str
    feeds: str
    neurons: int
    fan_out: int
    counts: np.ndarray

    @property
    def n_samples(self) -> int:
        return int(self.counts.sum())

    @property
    def shares(self) -> np.ndarray:
        """The share of neurons active for each possible count j: j / neurons (the x axis of ``counts``)."""
        return np.arange(self.neurons + 1) / self.neurons

    @property
    def active_share(self) -> float:
        """The mean over the samples of the share of neurons active on a sample."""
        n = self.n_samples
        return float(self.counts @ self.shares / n) if n else math.nan

    def quantile(self, q: float) -> float:
        """The share of active neurons below which a fraction ``q`` of the samples lie (the lower one at a step)."""
        n = self.n_samples
        if not n:
            return math.nan
        j = int(np.searchsorted(np.cumsum(self.counts), q * n, side="left"))
        return float(self.shares[min(j, self.neurons)])

    @property
    def min_share(self) -> float:
        nonzero = np.flatnonzero(self.counts)
        return float(self.shares[nonzero[0]]) if nonzero.size else math.nan

    @property
    def max_share(self) -> float:
        nonzero = np.flatnonzero(self.counts)
        return float(self.shares[nonzero[-1]]) if nonzero.size else math.nan

    @property
    def dense_macs(self) -> int:
        """The multiply-adds per sample of the next layer on these values, every one computed."""
        return self.neurons * self.fan_out

    @property
    def skipped_macs(self) -> float:
        """The multiply-adds per sample (mean over the samples) a sparse implementation skips: inactive × fan-out."""
        n = self.n_samples
        inactive = (self.neurons - np.arange(self.neurons + 1)) @ self.counts / n if n else math.nan
        return float(inactive * self.fan_out)

    def to_dict(self) -> dict[str, Any]:
        return {"feeds": self.feeds, "neurons": self.neurons, "fan_out": self.fan_out,
                "active_share_mean": _finite_or_none(self.active_share),
                "active_share_min": _finite_or_none(self.min_share),
                "active_share_median": _finite_or_none(self.quantile(0.5)),
                "active_share_max": _finite_or_none(self.max_share),
                "active_count_histogram": self.counts.astype(int).tolist(),
                "skipped_macs_per_sample": _finite_or_none(self.skipped_macs),
                "dense_macs_per_sample": self.dense_macs}


def sparsity_stats(m: InspectedModel, X: np.ndarray, batch_size: int = 1024) -> dict[str, SparsityStats]:
    """Per hidden Dense layer followed (later) by another Dense layer: its :class:`SparsityStats` over X.

    The activity counted is the next Dense layer's input (in eval mode), streamed in batches.
    Layers whose activity feeds a convolution, or nothing (the output layer), are left out.

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.inspect._model import InspectedModel
    >>> net = nk.mlp([2, 4, 3], seed=0)
    >>> stats = sparsity_stats(InspectedModel(net), np.ones((5, 2)))
    >>> list(stats), stats["hidden1"].n_samples
    (['hidden1'], 5)
    """
    units = m.unit_layers()
    pairs = [(name, following) for (name, layer), (following, reader) in zip(units, units[1:])
             if isinstance(layer, Dense) and isinstance(reader, Dense)]
    if not pairs or len(X) == 0:
        return {}
    readers: dict[str, Any] = dict(units)
    counts = {name: np.zeros(readers[following].in_features + 1, dtype=np.int64) for name, following in pairs}
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        records = {rec.name: rec for rec in m.records(X[rows])}
        for name, following in pairs:
            values = records[following].input.data
            active = (values.reshape(len(values), -1) != 0).sum(axis=1)
            counts[name] += np.bincount(active, minlength=len(counts[name]))
    return {name: SparsityStats(name=name, feeds=following, neurons=readers[following].in_features,
                                fan_out=readers[following].out_features, counts=counts[name])
            for name, following in pairs}


def sparsity_lines(sparsity: dict[str, SparsityStats]) -> list[str]:
    """The text of the sparsity statistics (a table, one row per layer), as a health report prints them.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.build("dense(4,relu),kwta(1),dense(2)", (3,), seed=0)
    >>> print(sparsity_lines(nk.inspect.health(net, np.ones((3, 3))).sparsity)[-1])
    skipped = the next layer's multiply-adds on inactive (zero) inputs per sample, which a sparse implementation \
would not do, out of all its multiply-adds on them
    """
    if not sparsity:
        return []
    header = ("layer", "feeds", "neurons", "active mean", "min", "median", "max", "skipped MACs/sample", "of")
    rows: list[tuple[str, ...]] = [header]
    for s in sparsity.values():
        rows.append((s.name, s.feeds, str(s.neurons), f"{s.active_share:.1%}", f"{s.min_share:.1%}",
                     f"{s.quantile(0.5):.1%}", f"{s.max_share:.1%}", f"{s.skipped_macs:,.1f}", f"{s.dense_macs:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["sparsity: the share of each hidden layer's neurons active (output not 0) per sample, as the next Dense "
             "layer reads them"]
    for k, row in enumerate(rows):
        lines.append("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
    skipped = sum(s.skipped_macs for s in sparsity.values())
    total = sum(s.dense_macs for s in sparsity.values())
    lines.append(f"  in all: {skipped:,.1f} of {total:,} multiply-adds per sample skipped ({skipped / total:.1%})")
    lines.append("skipped = the next layer's multiply-adds on inactive (zero) inputs per sample, which a sparse "
                 "implementation would not do, out of all its multiply-adds on them")
    return lines
