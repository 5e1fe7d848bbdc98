r"""Applying local learning rules: the rule interface, the registry of rules, and :func:`learn`, the step loop.

* :class:`PlasticityRule`: what every rule is, ``step(weights, pre, post, state) -> dw`` on NumPy
  arrays (never Tensors: no autodiff graph grows), with :meth:`~PlasticityRule.bound`,
  :meth:`~PlasticityRule.update_neuron` and :meth:`~PlasticityRule.config`;
* :data:`PLASTICITY_RULES` and :func:`get_rule`: rules by name (``"stdp"``, ``"oja"``, ...) or config;
* :func:`learn`: run spiking layers step by step on spikes (or on data through an encoder) and
  apply a rule's change at every step; it returns a :class:`LearnHistory`.

The rules themselves (pair and triplet STDP, reward-modulated STDP, Hebbian, Oja, synaptic scaling,
adaptive thresholds, combinations) are in :mod:`neuronkit.spiking.plasticity`, which registers them
here and re-exports everything in this module (``from neuronkit.spiking.plasticity import learn``
works). The interface lives here rather than with the rules so that the dependency runs one way:
``plasticity`` imports ``learning``, never the reverse.

Examples
--------
>>> from neuronkit.spiking.learning import PLASTICITY_RULES, get_rule
>>> get_rule({"type": "oja", "lr": 0.1}), get_rule("hebb", lr=0.5).lr
(Oja(lr=0.1), 0.5)
>>> PLASTICITY_RULES.canonical("pair_stdp")
'stdp'
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from ..engine import Tensor, eval_mode, no_grad
from ..errors import NameNotFoundError, ParameterError, ParameterTypeError, ShapeError
from ..init import make_rng
from ..layers.base import Module, label
from ..layers.sequential import Sequential
from ..registry import Registry
from ..validation import check_array, check_bool, check_int, check_number, check_options, must_be
from .encoders import Encoder
from .layers import SpikingDense, Temporal
from .neurons import LIF, SpikingNeuron

__all__ = ["PLASTICITY_RULES", "LearnHistory", "PlasticityRule", "get_rule", "learn"]


# ---------------------------------------------------------------------------------- the rule interface
class PlasticityRule:
    """Base class of local learning rules: ``step(weights, pre, post, state) -> dw``.

    Subclasses define :meth:`initial_state` (their traces, zeros) and :meth:`step`, and write their
    equations in their docstring. ``step`` updates ``state`` in place and returns the weight change
    ``dw`` of shape ``(n_post, n_pre)`` summed (not averaged) over the batch rows; the caller adds it
    to the weights and then calls :meth:`bound` on them. ``reward`` is the third factor of
    reward-modulated rules (one number, or one per batch row), ``None`` for the others.

    A rule that acts on the neurons (their threshold) names what it moves in ``neuron_params``
    and defines :meth:`update_neuron`; a rule that needs a reward sets ``needs_reward``.

    Examples
    --------
    A plain Hebbian rule, dw = lr · post ⊗ pre:

    >>> import numpy as np
    >>> from neuronkit.spiking.learning import PlasticityRule
    >>> class Coincidence(PlasticityRule):
    ...     def __init__(self, lr):
    ...         self.lr = lr
    ...     def step(self, weights, pre, post, state, *, reward=None):
    ...         return self.lr * post.T @ pre
    >>> rule = Coincidence(0.5)
    >>> w = np.zeros((1, 2))
    >>> state = rule.initial_state(2, 1, batch=1)
    >>> w += rule.step(w, np.array([[1.0, 0.0]]), np.array([[1.0]]), state)
    >>> rule.bound(w)
    array([[0.5, 0. ]])
    """

    #: the rule's registry name
    name: str = "rule"
    #: the weight bounds every change is clipped to (``None``: unbounded on that side)
    w_min: float | None = None
    w_max: float | None = None
    #: the time step in ms (the rules with time constants use it)
    dt: float = 1.0
    #: the neuron constants the rule moves (``("threshold",)``); :func:`learn` hands them to :meth:`update_neuron`
    neuron_params: tuple[str, ...] = ()
    #: True for a rule whose ``step`` needs ``reward=`` (a third factor)
    needs_reward: bool = False

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """The rule's traces before the first step (zeros); none for a rule without traces."""
        return {}

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """The weight change ``(n_post, n_pre)`` for one time step; updates the traces in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} defines no step(weights, pre, post, state)")

    def update_neuron(self, neuron_params: dict[str, np.ndarray], post: np.ndarray,
                      state: dict[str, np.ndarray]) -> None:
        """Move the neuron constants in ``neuron_params`` (arrays ``(n_post,)``, changed in place) after a step.

        ``post`` is this step's spikes ``(batch, n_post)``. The base rule moves nothing; :func:`learn`
        calls this after :meth:`step` at every step with the layer's constants named in
        ``neuron_params`` and gives the neuron model their new values.
        """

    def bound(self, weights: np.ndarray) -> np.ndarray:
        """Clip ``weights`` in place to ``[w_min, w_max]`` (the sides that are set) and return them."""
        if self.w_min is not None or self.w_max is not None:
            np.clip(weights, self.w_min, self.w_max, out=weights)
        return weights

    def config(self) -> dict[str, Any]:
        """The rule's name and constants, as JSON (for model files and reports)."""
        return {"type": self.name}

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self.config().items() if key != "type")
        return f"{type(self).__name__}({options})"


#: every local learning rule by name (:mod:`neuronkit.spiking.plasticity` registers the rules it defines, and
#: is imported by name the first time a name is looked up, should nothing have imported it yet)
PLASTICITY_RULES: Registry[type[PlasticityRule]] = Registry("plasticity rule",
                                                            providers=("neuronkit.spiking.plasticity",))


def get_rule(rule: Any, **options: Any) -> PlasticityRule:
    """A rule object: ``rule`` itself, the rule registered under that name made with ``options``,
    or a rule's ``config()`` (``{"type": "stdp", "a_plus": 0.02}``).

    Examples
    --------
    >>> from neuronkit.spiking.learning import PlasticityRule, get_rule
    >>> rule = PlasticityRule()
    >>> get_rule(rule) is rule
    True
    >>> get_rule("pair_stdp", a_plus=0.02).a_plus, get_rule({"type": "oja", "lr": 0.1}).lr
    (0.02, 0.1)
    """
    if isinstance(rule, PlasticityRule):
        if options:
            raise ParameterError(f"rule options ({', '.join(options)}) go with a rule name, e.g. "
                                 f"get_rule('stdp', a_plus=0.01); got the rule object {rule!r}")
        return rule
    if isinstance(rule, Mapping):
        config = dict(rule)
        if not isinstance(config.get("type"), str):
            raise ParameterTypeError(must_be("rule config", "a dict with the rule's name under 'type', e.g. "
                                             "{'type': 'stdp', 'a_plus': 0.01}", rule))
        kind = config.pop("type")
        return get_rule(kind, **{**config, **options})
    cls = PLASTICITY_RULES.get(rule)
    check_options("plasticity rule", PLASTICITY_RULES.canonical(rule), cls, options, complete=True)
    return cls(**options)



# ---------------------------------------------------------------------------------- the training loop
@dataclass
class LearnHistory:
    """What :func:`learn` did: the weights before and after, snapshots on the way, rates and changes per epoch.

    All keyed by the learning layers' names (``layers``). ``snapshots[name]`` holds a copy of the
    weights ``(n_post, n_pre)`` at each of ``snapshot_steps`` (step 0 is before the first step; at
    most ``max_snapshots``: when there would be more, every other one is dropped and the interval
    doubles, so memory stays bounded however long the run). ``rates[name]`` is ``(epochs, n_post)``:
    each neuron's mean firing rate in Hz over the epoch (spikes per step and sample, times
    ``1000 / dt``, with the rule's ``dt``: 1 ms for a rule without time constants).
    ``total_dw[name]`` is ``(epochs,)``: the sum of ``|dw|`` over the epoch's steps.
    ``neuron_params[name]`` holds the neuron constants a homeostatic rule moved (``threshold``).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.learning import LearnHistory
    >>> h = LearnHistory(rule={"type": "stdp"}, layers=("s",), dt=1.0, before={"s": np.zeros((1, 2))},
    ...                  after={"s": np.array([[0.5, -0.25]])})
    >>> h.weight_change()
    array([[ 0.5 , -0.25]])
    """

    rule: dict[str, Any]
    layers: tuple[str, ...]
    dt: float
    steps: int = 0
    before: dict[str, np.ndarray] = field(default_factory=dict)
    after: dict[str, np.ndarray] = field(default_factory=dict)
    snapshot_steps: list[int] = field(default_factory=list)
    snapshots: dict[str, list[np.ndarray]] = field(default_factory=dict)
    rates: dict[str, np.ndarray] = field(default_factory=dict)
    total_dw: dict[str, np.ndarray] = field(default_factory=dict)
    neuron_params: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    wall_time: float = 0.0

    def _layer(self, layer: str | None) -> str:
        if layer is None:
            return self.layers[0]
        if layer not in self.layers:
            raise NameNotFoundError(f"no learning layer named {layer!r} in this history; it has: "
                                    f"{', '.join(self.layers)}")
        return layer

    def weight_change(self, layer: str | None = None) -> np.ndarray:
        """``after - before`` (n_post, n_pre) for ``layer`` (default: the first learning layer)."""
        name = self._layer(layer)
        return self.after[name] - self.before[name]


class _LIFArrays:
    """LIF's step (:class:`~neuronkit.spiking.neurons.LIF`) on NumPy arrays, line by line as ``LIF.step``.

    The reset uses the spikes of the previous step kept in the state (``LIF.step`` recomputes them
    as H(u - θ): the same numbers while θ is fixed; when a rule moves θ, the spike that happened).
    ``threshold`` is a per-neuron array, the one a homeostatic rule moves in place.
    """

    def __init__(self, neuron: LIF, n: int, dtype: np.dtype) -> None:
        value = lambda held: held.data if isinstance(held, Tensor) else held  # noqa: E731
        self.beta = np.clip(np.asarray(value(neuron.beta), dtype=dtype), 0.0, 1.0)
        self.threshold = np.array(np.broadcast_to(np.asarray(value(neuron.threshold), dtype=dtype), (n,)))
        self.v_rest, self.v_reset = neuron.v_rest, neuron.v_reset
        self.reset, self.delay, self.R = neuron.reset, neuron.reset_delay, neuron.refractory_steps
        self.n, self.dtype = n, dtype

    def initial(self, batch: int) -> dict[str, np.ndarray]:
        return {"mem": np.full((batch, self.n), self.v_rest, dtype=self.dtype),
                "spiked": np.zeros((batch, self.n), dtype=self.dtype),
                "count": np.zeros((batch, self.n), dtype=np.int64)}

    def step(self, current: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        mem, theta, R = state["mem"], self.threshold, self.R
        v_rest, v_reset = self.v_rest, self.v_reset
        count = state["count"]
        fired = state["spiked"]                                            # r_t: the previous step's spikes
        if self.delay:                                                     # the reset from the previous step
            if R:
                count = np.where(fired > 0, R, count)
            if self.reset == "zero":
                mem = mem * (1.0 - fired) + fired * v_reset
        mem = v_rest + self.beta * (mem - v_rest) + current
        if self.delay and self.reset == "subtract":
            mem = mem - fired * (theta - v_reset)
        if R:                                                              # refractory: held at v_reset
            active = (count == 0).astype(self.dtype)
            mem = mem * active + (1.0 - active) * v_reset
        spikes = (mem - theta > 0).astype(self.dtype)
        if R:
            spikes *= active
        if not self.delay:                                                 # the reset at the step of the spike
            if self.reset == "subtract":
                mem = mem - spikes * (theta - v_reset)
            elif self.reset == "zero":
                mem = mem * (1.0 - spikes) + spikes * v_reset
        if R:
            count = np.maximum(count - 1, 0)
            if not self.delay:
                count = np.where(spikes > 0, R, count)
        state["mem"], state["spiked"], state["count"] = mem, spikes, count
        return spikes


class _ModelSteps:
    """Any other neuron model: its own ``step`` under ``no_grad`` (Tensors without parents), state kept as arrays."""

    threshold = None

    def __init__(self, neuron: SpikingNeuron, n: int, dtype: np.dtype) -> None:
        self.neuron, self.n, self.dtype = neuron, n, dtype

    def initial(self, batch: int) -> dict[str, np.ndarray]:
        return dict(self.neuron.initial_state((batch, self.n), self.dtype))

    def step(self, current: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        with no_grad():
            spikes, new = self.neuron.step(Tensor(current), state)
        state.clear()
        state.update({key: value.data if isinstance(value, Tensor) else np.asarray(value)
                      for key, value in new.items()})
        return np.asarray(spikes.data if isinstance(spikes, Tensor) else spikes, dtype=self.dtype)


@dataclass
class _Stage:
    """One layer of the step loop: a spiking layer (``neurons`` set) or a stateless one applied per step."""

    name: str
    layer: Any  # a SpikingDense (``neurons`` set) or a Temporal
    learns: bool = False
    neurons: _LIFArrays | _ModelSteps | None = None


def _stages(model: Any, layers: Any, rule: PlasticityRule, owner: str) -> tuple[list[Module], list[_Stage]]:
    """The layers run once on the data (up to an encoder) and the stages of the step loop."""
    items: list[tuple[str, Module]]
    if isinstance(model, SpikingDense):
        items = [(label(model), model)]
    elif isinstance(model, Sequential):
        items = list(model.layers.items())
    else:
        raise ParameterTypeError(must_be("model", "a SpikingDense or a Sequential with SpikingDense layers",
                                         type(model).__name__, owner))
    names = [name for name, layer in items if isinstance(layer, SpikingDense)]
    if not names:
        kinds = ", ".join(f"{name} ({type(layer).__name__})" for name, layer in items)
        raise ParameterError(f"{owner} needs a model with a SpikingDense layer (its weights are what a rule "
                             f"changes); this one has: {kinds}")
    chosen = _chosen(layers, items, names, owner)
    encoder_at = next((i for i, (_, layer) in enumerate(items) if isinstance(layer, Encoder)), -1)
    front = [layer for _, layer in items[:encoder_at + 1]]
    stages = []
    for name, layer in items[encoder_at + 1:]:
        if isinstance(layer, SpikingDense):
            stages.append(_Stage(name, layer, name in chosen, _neuron_steps(layer, name, rule, name in chosen,
                                                                            owner)))
        elif isinstance(layer, Temporal):
            stages.append(_Stage(name, layer))
        else:
            raise ParameterError(f"{owner} runs a model step by step through an encoder, SpikingDense and Temporal "
                                 f"layers; layer {name!r} is a {type(layer).__name__}, which it cannot step "
                                 "(train the SpikingDense layers on their own, or with the layers before them as "
                                 "their input)")
    return front, stages


def _chosen(layers: Any, items: list[tuple[str, Module]], names: list[str], owner: str) -> set[str]:
    if layers is None:
        return set(names)
    listed = [layers] if isinstance(layers, (str, int)) else list(layers)
    chosen = set()
    for key in listed:
        if isinstance(key, int) and not isinstance(key, bool):
            index = check_int(key, "layers", low=-len(items), high=len(items) - 1,
                              owner=f"{owner} ({len(items)} layers)")
            key = items[index][0]
        if key not in names:
            raise ParameterError(f"{owner} layers: {key!r} is not a SpikingDense layer of the model; its SpikingDense "
                                 f"layers are: {', '.join(names)}")
        chosen.add(key)
    if not chosen:
        raise ParameterError(f"{owner} layers is empty; name at least one of: {', '.join(names)}")
    return chosen


def _neuron_steps(layer: SpikingDense, name: str, rule: PlasticityRule, learns: bool,
                  owner: str) -> _LIFArrays | _ModelSteps:
    n, dtype = layer.out_features, layer.dtype
    if type(layer.neuron) is LIF:
        return _LIFArrays(layer.neuron, n, dtype)
    if learns and rule.neuron_params:
        raise ParameterError(f"{owner}: the rule {rule.name!r} moves the neurons' {', '.join(rule.neuron_params)}, "
                             f"which learn() does for LIF neurons; layer {name!r} has {type(layer.neuron).__name__}")
    return _ModelSteps(layer.neuron, n, dtype)


def _reward(reward: Any, rule: PlasticityRule, samples: int, owner: str) -> Any:
    if reward is None:
        if rule.needs_reward:
            raise ParameterError(must_be("reward", f"given for the rule {rule.name!r}: a number, one per sample "
                                         f"({samples},) or a function reward(step, post_spikes)", reward, owner))
        return None
    if not rule.needs_reward:
        raise ParameterError(f"{owner}: the rule {rule.name!r} takes no reward; got reward={reward!r} (use 'rstdp' "
                             "for reward-modulated learning)")
    if callable(reward):
        return reward
    if isinstance(reward, Real) and not isinstance(reward, bool):
        return check_number(reward, "reward", owner=owner)
    values = check_array(reward, "reward", ndim=1, dtype=np.float64, min_samples=0, owner=owner)
    if values.shape != (samples,):
        raise ShapeError(f"{owner} reward must be one number or one per sample, shape ({samples},); got shape "
                         f"{values.shape}")
    return values


def _front_layers(front: list[Module], seed: Any) -> list[Module]:
    """The layers run once on the data; given a seed, a random encoder is replaced by a copy drawing from it."""
    if seed is None:
        return front
    rng = make_rng(seed)
    out = []
    for layer in front:
        config = layer.config() if hasattr(layer, "config") else {}
        if isinstance(layer, Encoder) and "seed" in config:
            config = {key: value for key, value in config.items() if key != "type"}
            layer = type(layer).from_config({**config, "seed": int(rng.integers(2**62))})
        out.append(layer)
    return out


def _time_major(inputs: Any, front: list[Module], first: _Stage, owner: str) -> tuple[Any, int]:
    """The inputs checked: data for the encoder (batch, ...), or time-major (T, batch, in); and the sample count."""
    if front:
        data = check_array(inputs, "inputs", ndim=None, dtype=np.float32, owner=owner)
        if data.ndim < 2:
            raise ShapeError(f"{owner}: inputs must be a batch of samples for the encoder {label(front[-1])!r}, "
                             f"(batch, features...); got shape {data.shape}")
        return data, data.shape[0]
    layer = first.layer
    need = getattr(layer, "in_features", None)
    spikes = check_array(inputs, "inputs", ndim=None, dtype=layer.dtype if isinstance(layer, SpikingDense) else None,
                         min_samples=0, owner=owner)
    if spikes.ndim == 2 and need is not None:
        spikes = spikes[:, None]
    if spikes.ndim < 3 or spikes.shape[0] == 0 or spikes.shape[1] == 0 or (need is not None and
                                                                           spikes.shape[2:] != (need,)):
        width = need if need is not None else "in"
        raise ShapeError(f"{owner}: inputs must be time-major spikes (T, batch, {width}) for layer {first.name!r} "
                         f"({type(layer).__name__}) with T, batch >= 1 (or one sample (T, {width})); got shape "
                         f"{np.shape(inputs)}. A model that starts with an encoder takes the data itself")
    return spikes, spikes.shape[1]


def learn(model: Any, inputs: Any, rule: Any = "stdp", *, layers: Any = None, epochs: int = 1,
          batch_size: int | None = None, reward: Any = None, lr_scale: float = 1.0, record_every: int | None = None,
          max_snapshots: int = 100, seed: Any = None, progress: bool = False) -> LearnHistory:
    r"""Train spiking layers with a local rule: run them step by step and apply the rule's change at each step.

    ``model`` is a :class:`~neuronkit.spiking.layers.SpikingDense` or a Sequential holding
    SpikingDense layers (with :class:`~neuronkit.spiking.layers.Temporal` layers between them, and
    possibly an encoder first). ``inputs`` are time-major spikes ``(T, batch, in)`` (or one sample
    ``(T, in)``), or, for a model starting with an encoder, the data the encoder takes
    ``(batch, ...)`` (encoded anew each epoch). Each batch of ``batch_size`` samples (default: all)
    is presented from rest (neuron states and the rule's traces start anew) for its T steps, all
    samples in parallel. At each step t, layer by layer:

    .. math::
        I_t = x_t W^\top + b, \quad s_t = \text{neuron}(I_t), \quad
        W \leftarrow \mathrm{bound}\big(W + \text{lr\_scale} \cdot \text{rule.step}(W, x_t, s_t)\big)

    then ``rule.update_neuron`` moves the neurons' constants (a homeostatic threshold), which the
    next step uses; ``x_t`` is the input spikes of the layer (the layer before's spikes), the
    current of step t uses W before step t's change. Everything runs on NumPy arrays: no
    autodiff graph is built (LIF neurons run a NumPy copy of ``LIF.step``; other models their own
    ``step`` under ``no_grad``), and ``Parameter.grad`` is untouched. The weights (and moved
    thresholds) are changed in place in the model. Temporal layers run in evaluation mode (no
    dropout).

    Parameters
    ----------
    rule : str, dict or PlasticityRule
        A name in :data:`PLASTICITY_RULES`, a rule's config, or a rule object.
    layers : str, int or list of them, optional
        The SpikingDense layers that learn (names or positions); default all. The others run.
    epochs : int
        Passes over the inputs.
    reward : float, array (samples,) or callable
        The third factor of a rule that needs one (``rstdp``): a number, one per sample, or
        ``reward(step, post)`` called at each step with the learning layer's spikes (batch, n_post).
    lr_scale : float
        Multiplies every change (1: the rule's own learning rates).
    record_every : int, optional
        Keep a copy of the weights every this many steps (at most ``max_snapshots``; see
        :class:`LearnHistory`). Without it, only the weights before and after are kept.
    seed : int or Generator, optional
        The draws of a random encoder (``RateEncoder``): the same seed gives the same spikes, and
        so the same weights. Without it, the encoder draws from its own generator.
    progress : bool
        Print one line per epoch (rates and total change) to stderr.

    Returns a :class:`LearnHistory`.

    Examples
    --------
    Input 0 fires at steps 0 and 1; the neuron (membrane 0.8, then 0.4 + 0.8 > 1) fires at step 1.
    The pair (pre 0, post 1) adds A+ e^{-1/20}; the spikes of step 1 do not see each other; input 1
    never fires and keeps its weight:

    >>> import numpy as np
    >>> from neuronkit.spiking import LIF, SpikingDense
    >>> from neuronkit.spiking.learning import learn
    >>> layer = SpikingDense(2, 1, neuron=LIF(beta=0.5), bias=False, dtype=np.float64, seed=0)
    >>> layer.synapse.weight.data[:] = [[0.8, 0.5]]
    >>> spikes = np.zeros((4, 1, 2)); spikes[[0, 1], 0, 0] = 1.0      # (T=4, batch=1, 2 inputs)
    >>> history = learn(layer, spikes, "stdp")
    >>> history.weight_change().round(6), round(float(0.01 * np.exp(-1 / 20)), 6)
    (array([[0.009512, 0.      ]]), 0.009512)
    >>> history.rates["SpikingDense"]                     # 1 spike in 4 steps of 1 ms
    array([[250.]])
    """
    owner = "learn"
    started = time.perf_counter()
    rule = get_rule(rule)
    epochs = check_int(epochs, "epochs", low=1, owner=owner)
    lr_scale = check_number(lr_scale, "lr_scale", low=0.0, owner=owner)
    max_snapshots = check_int(max_snapshots, "max_snapshots", low=2, owner=owner)
    every = None if record_every is None else check_int(record_every, "record_every", low=1, owner=owner)
    progress = check_bool(progress, "progress", owner=owner)
    front, stages = _stages(model, layers, rule, owner)
    front = _front_layers(front, seed)
    data, samples = _time_major(inputs, front, stages[0], owner)
    size = samples if batch_size is None else check_int(batch_size, "batch_size", low=1, owner=owner)
    reward = _reward(reward, rule, samples, owner)
    learning = [stage for stage in stages if stage.learns]
    weights: dict[str, np.ndarray] = {stage.name: stage.layer.synapse.weight.data for stage in learning}
    history = LearnHistory(rule=rule.config(), layers=tuple(weights), dt=rule.dt,
                           before={name: w.copy() for name, w in weights.items()},
                           snapshot_steps=[0], snapshots={name: [w.copy()] for name, w in weights.items()})
    rates: dict[str, list[np.ndarray]] = {name: [] for name in weights}
    changes: dict[str, list[float]] = {name: [] for name in weights}
    step = 0
    for epoch in range(epochs):
        counts = {stage.name: np.zeros(weights[stage.name].shape[0]) for stage in learning}
        moved = dict.fromkeys(weights, 0.0)
        rows = 0
        for start in range(0, samples, size):
            chunk = slice(start, min(start + size, samples))
            spikes = _encoded(front, data, chunk, stages[0])
            states = _initial_states(stages, rule, spikes.shape[1])
            for t in range(spikes.shape[0]):
                x = spikes[t]
                for stage in stages:
                    x = _run(stage, x, states, rule, _reward_now(reward, step, chunk), lr_scale, counts, moved)
                step += 1
                if every is not None and step % every == 0:
                    every = _snapshot(history, weights, step, every, max_snapshots)
            rows += spikes.shape[0] * spikes.shape[1]
        for name in weights:
            rates[name].append(counts[name] / rows * (1000.0 / rule.dt))
            changes[name].append(moved[name])
        if progress:
            summary = "; ".join(f"{name}: rate {np.mean(rates[name][-1]):.3g} Hz, sum|dw| {moved[name]:.4g}"
                                for name in weights)
            print(f"learn epoch {epoch + 1}/{epochs}: {summary}", file=sys.stderr)
    for stage in learning:
        neurons = stage.neurons
        if rule.neuron_params and isinstance(neurons, _LIFArrays):
            stage.layer.neuron.set_threshold(neurons.threshold)  # config() then writes what the neuron holds
            history.neuron_params[stage.name] = {"threshold": neurons.threshold.copy()}
    history.after = {name: w.copy() for name, w in weights.items()}
    history.rates = {name: np.array(values) for name, values in rates.items()}
    history.total_dw = {name: np.array(values) for name, values in changes.items()}
    history.steps = step
    history.wall_time = time.perf_counter() - started
    return history


def _encoded(front: list[Module], data: np.ndarray, chunk: slice, first: _Stage) -> np.ndarray:
    """A batch of the inputs as time-major spikes (T, batch, ...): the front layers run on the data, or a slice."""
    if not front:
        return data[:, chunk]
    x: Any = data[chunk]
    with no_grad():
        for layer in front:
            x = layer.infer(x) if isinstance(layer, Encoder) else layer(x).data
    x = np.asarray(x)
    need = getattr(first.layer, "in_features", None)
    if need is not None and (x.ndim != 3 or x.shape[2] != need):
        raise ShapeError(f"learn: the encoder {label(front[-1])!r} turns the data {data[chunk].shape} into {x.shape}, "
                         f"but layer {first.name!r} takes (T, batch, {need}); give the model the data itself, "
                         f"(batch, {need}) (it encodes it), not spikes")
    return x


def _initial_states(stages: list[_Stage], rule: PlasticityRule, batch: int) -> dict[str, tuple[Any, Any]]:
    states: dict[str, tuple[Any, Any]] = {}
    for stage in stages:
        if stage.neurons is None:
            continue
        layer = stage.layer
        traces = rule.initial_state(layer.in_features, layer.out_features, batch=batch, dtype=layer.dtype) \
            if stage.learns else None
        states[stage.name] = (stage.neurons.initial(batch), traces)
    return states


def _reward_now(reward: Any, step: int, chunk: slice) -> Any:
    if callable(reward):
        return lambda post: reward(step, post)
    if reward is None or isinstance(reward, float):
        return reward
    return reward[chunk]


def _run(stage: _Stage, x: np.ndarray, states: dict[str, tuple[Any, Any]], rule: PlasticityRule, reward: Any,
         lr_scale: float, counts: dict[str, np.ndarray], moved: dict[str, float]) -> np.ndarray:
    """One layer, one step: its spikes; a learning layer's weights (and neuron constants) change in place."""
    layer = stage.layer
    if stage.neurons is None:  # a Temporal layer: its layer on this step's (1, batch, ...)
        with no_grad(), eval_mode():
            return np.asarray(layer(x[None]).data[0])
    w = layer.synapse.weight.data
    if x.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ShapeError(f"learn: layer {stage.name!r} takes {w.shape[1]} inputs per step, (batch, {w.shape[1]}); "
                         f"what reaches it has shape {x.shape} per step (the data after the encoder: "
                         f"{'(T, ' + ', '.join(map(str, x.shape)) + ')'}); give the encoder data of "
                         f"{w.shape[1]} features, or flatten it first")
    x = x.astype(w.dtype, copy=False)
    current = x @ w.T
    if layer.synapse.bias is not None:
        current += layer.synapse.bias.data
    neuron_state, traces = states[stage.name]
    post = stage.neurons.step(current, neuron_state)
    if stage.learns:
        r = reward(post) if callable(reward) else reward
        dw = rule.step(w, x, post, traces, reward=r)
        if lr_scale != 1.0:
            dw *= lr_scale
        w += dw
        rule.bound(w)
        if rule.neuron_params and stage.neurons.threshold is not None:
            rule.update_neuron({"threshold": stage.neurons.threshold}, post, traces)
        counts[stage.name] += post.sum(axis=0)
        moved[stage.name] += float(np.abs(dw).sum())
    return post


def _snapshot(history: LearnHistory, weights: dict[str, np.ndarray], step: int, every: int, limit: int) -> int:
    """Keep the weights at ``step``; past ``limit`` snapshots, drop every other one and double the interval."""
    history.snapshot_steps.append(step)
    for name, w in weights.items():
        history.snapshots[name].append(w.copy())
    if len(history.snapshot_steps) > limit:
        history.snapshot_steps[:] = history.snapshot_steps[::2]
        for name in weights:
            history.snapshots[name][:] = history.snapshots[name][::2]
        every *= 2
    return every
