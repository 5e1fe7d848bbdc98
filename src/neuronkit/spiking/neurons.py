"""Spiking neuron models: each a step function on explicit state, run over time.

A :class:`SpikingNeuron` is a population of spiking neurons (one per input current). Its
:meth:`~SpikingNeuron.step` is the model's update equation, written line by line as in the
docstring; :meth:`~SpikingNeuron.forward` runs it over a time-major input ``(T, batch, ...)`` and
returns the spikes ``(T, batch, ...)``. The other state (membrane, synaptic current, adaptive
threshold) is handed to :func:`neuronkit.spiking.record.emit`, so a
:func:`~neuronkit.spiking.record.record` block can look at it; the return shape never changes.

The plain time loop here (``step`` on Tensors, one autodiff node per operation and step) is the
reference; a model may run ``forward`` as one fused primitive of :mod:`neuronkit.engine.spiking`
with a hand-derived VJP, tested against this loop.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..engine import Parameter, Tensor, as_tensor, ops
from ..engine import spiking as spiking_ops
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..init import float_dtype
from ..layers.base import ArraySpec, Module, check_name, label, layer_from_config, layer_input, register_layer
from ..registry import Registry
from ..validation import check_bool, check_choice, check_int, check_number, must_be
from .record import emit
from .surrogates import Surrogate, get_surrogate

__all__ = ["ALIF", "LI", "LIF", "NEURONS", "SpikingNeuron", "Synaptic", "get_neuron"]


class SpikingNeuron(Module):
    """Base class of spiking neuron populations: ``step(current, state) -> (spikes, state)``.

    Subclasses set ``state_names`` (the first one is the membrane potential), and define
    :meth:`initial_state` and :meth:`step`; ``forward`` loops ``step`` over the time axis.

    Examples
    --------
    A perfect integrator that fires when its sum reaches 1 and subtracts 1 (surrogate-free, for show):

    >>> import numpy as np
    >>> from neuronkit.spiking.neurons import SpikingNeuron
    >>> class IF(SpikingNeuron):
    ...     def initial_state(self, shape, dtype=np.float32):
    ...         return {"mem": np.zeros(shape, dtype=dtype)}
    ...     def step(self, current, state):
    ...         mem = state["mem"] + current
    ...         spikes = (mem.data >= 1.0).astype(np.float32)
    ...         return spikes, {"mem": mem - spikes}
    >>> IF()(np.full((4, 1, 1), 0.5, dtype=np.float32)).data.ravel()
    array([0., 1., 0., 1.], dtype=float32)
    """

    name_prefix = "neuron"
    #: the names of the state variables; the first is the membrane potential
    state_names: tuple[str, ...] = ("mem",)

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float32) -> dict[str, np.ndarray]:
        """The state before the first step, one array of ``shape`` (batch, ...) per name in ``state_names``."""
        raise NotImplementedError(f"{type(self).__name__} defines no initial_state(shape, dtype)")

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One time step: the spikes and the new state from the input current and the state (arrays or Tensors)."""
        raise NotImplementedError(f"{type(self).__name__} defines no step(current, state)")

    def _time_major(self, currents: Any, dtype: Any = None) -> Tensor:
        """The input as a Tensor (of ``dtype``, if given) with a time axis first and at least one step."""
        x = as_tensor(currents) if dtype is None else layer_input(self, currents, None, dtype)
        if x.ndim < 2:
            raise ShapeError(f"layer {label(self)!r} ({type(self).__name__}) takes time-major input (T, batch, ...); "
                             f"got shape {x.shape}: put an encoder (e.g. nk.spiking.RateEncoder) first to give the "
                             "data a time axis")
        if x.shape[0] == 0:
            raise ShapeError(f"layer {label(self)!r} ({type(self).__name__}) got an input with T = 0 time steps "
                             f"(shape {x.shape}); give at least one step")
        return x

    def forward(self, currents: Any) -> Tensor:
        """The spikes (T, batch, ...) for input currents (T, batch, ...): ``step`` looped over time.

        A neuron with a ``truncation`` attribute K (truncated BPTT) has its state detached from the
        graph before steps K, 2K, ...; subclasses with a fused loop are tested against this one
        (call it as ``SpikingNeuron.forward(neuron, currents)``).
        """
        x = self._time_major(currents)
        state: dict[str, Any] = self.initial_state(x.shape[1:], x.dtype)
        spikes: list[Any] = []
        trace: dict[str, list[np.ndarray]] = {name: [] for name in self.state_names}
        truncation = getattr(self, "truncation", None)
        for t in range(x.shape[0]):
            if truncation and t and t % truncation == 0:  # truncated BPTT: the state entering step t is a constant
                state = {k: Tensor(v.data) if isinstance(v, Tensor) else v for k, v in state.items()}
            s, state = self.step(x[t], state)
            spikes.append(s)
            for name in self.state_names:
                value = state[name]
                trace[name].append(value.data if isinstance(value, Tensor) else np.asarray(value))
        out = ops.stack([as_tensor(s) for s in spikes], axis=0)
        emit(self, {"spikes": out.data, **{name: np.stack(v) for name, v in trace.items()}})
        return out


# ---------------------------------------------------------------------------------- shared pieces
Number = float | np.ndarray  # a constant of a neuron: one for all, or one per neuron (features,)


def _constant(value: Any, name: str, owner: str, *, low: float | None = None, high: float | None = None,
              low_open: bool = False) -> Number:
    """A number, or a 1-D sequence of numbers (one per neuron), each within the bounds."""
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value)
        if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iuf":
            raise ParameterTypeError(must_be(name, "a number or a 1-D list of numbers (one per neuron)", value, owner))
        for v in array.tolist():
            check_number(v, name, low=low, high=high, low_open=low_open, owner=owner)
        return array.astype(np.float64)
    return check_number(value, name, low=low, high=high, low_open=low_open, owner=owner)


def _decay(value: Any, tau: Any, dt: float, name: str, tau_name: str, owner: str) -> Number:
    """A decay factor in [0, 1], given itself or as a time constant: ``exp(-dt / tau)`` (exactly one of them)."""
    if (value is None) == (tau is None):
        raise ParameterError(f"{owner} needs exactly one of {name} (the decay per step, in [0, 1]) and {tau_name} "
                             f"(a time constant > 0: {name} = exp(-dt/{tau_name})); got {name}={value!r}, "
                             f"{tau_name}={tau!r}")
    if value is not None:
        return _constant(value, name, owner, low=0.0, high=1.0)
    tau = _constant(tau, tau_name, owner, low=0.0, low_open=True)
    return np.exp(-dt / tau) if isinstance(tau, np.ndarray) else math.exp(-dt / tau)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return [float(v) for v in value] if isinstance(value, (list, tuple, np.ndarray)) else float(value)


def _shape(value: Any) -> tuple[int, ...]:
    return (len(value),) if isinstance(value, (list, tuple, np.ndarray)) else ()


def _held(value: Number, learn: bool, dtype: np.dtype) -> Parameter | Number:
    """A constant the neuron holds: a Parameter (shape () or (features,)) when it learns, else as given."""
    if learn:
        return Parameter(np.asarray(value, dtype=dtype))
    return value.astype(dtype) if isinstance(value, np.ndarray) else value


def _value(held: Any) -> Any:
    """A held constant's numbers (for the plain loop and messages)."""
    return held.data if isinstance(held, Tensor) else held


def _detached_step(x: Any) -> Tensor:
    """H(x) as a constant Tensor (the reset: detached from the graph, as snnTorch)."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor((data > 0).astype(data.dtype))


def _clamped(beta: Any) -> Any:
    """A learnt decay clipped to [0, 1] (as snnTorch's ``beta.clamp(0, 1)``); a constant is already inside."""
    return ops.minimum(ops.maximum(beta, 0.0), 1.0) if isinstance(beta, Tensor) else beta


def _truncation(value: Any, owner: str) -> int | None:
    return None if value is None else check_int(value, "truncation", low=1, owner=owner)


class _Neuron(SpikingNeuron):
    """What the models below share: dtype, name, surrogate, learnt constants, config and arrays."""

    _learnable: tuple[tuple[str, str], ...] = ()  # (constant, its learn_ flag)
    _dtype: np.dtype

    def _setup(self, dtype: Any, name: Any, owner: str) -> None:
        self._dtype = float_dtype(dtype, owner=owner)
        self.name = check_name(name, owner)

    def _surrogate(self, surrogate: Any) -> Surrogate:
        return get_surrogate(surrogate)

    @property
    def dtype(self) -> np.dtype:
        """The dtype the neuron computes in (float32 by default)."""
        return self._dtype

    def initial_state(self, shape: tuple[int, ...], dtype: Any = None) -> dict[str, np.ndarray]:
        """Every state variable at rest: zeros of ``shape`` (``v_rest`` for a membrane with one)."""
        dtype = self._dtype if dtype is None else dtype
        rest = getattr(self, "v_rest", 0.0)
        state = {name: np.zeros(shape, dtype=dtype) for name in self.state_names}
        state["mem"] = np.full(shape, rest, dtype=dtype)
        return state

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """The learnt constants (``learn_beta`` -> ``beta``, ...): shape () or (features,), the config's dtype."""
        dtype = float_dtype(config.get("dtype", "float32"), owner=cls.__name__)
        out: dict[str, ArraySpec] = {}
        for constant, flag in cls._learnable:
            if config.get(flag):
                given = config.get(constant)
                if given is None:  # given as a time constant
                    given = config.get(cls._time_constant(constant))
                out[constant] = (_shape(given), dtype)
        return out

    @staticmethod
    def _time_constant(constant: str) -> str:
        return {"beta": "tau", "alpha": "tau_syn"}.get(constant, constant)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """The neuron ``config()`` describes (without ``"type"``)."""
        from ..validation import check_options

        check_options("layer type", cls.__name__, cls, config)
        return cls(**config)

    def _currents(self, currents: Any) -> Tensor:
        return self._time_major(currents, self._dtype)


# ---------------------------------------------------------------------------------- LIF
@register_layer
class LIF(_Neuron):
    """Leaky integrate-and-fire neurons (snnTorch's ``Leaky``): a leak, a threshold and a reset.

    With :math:`r_t = H(u_{t-1} - \\theta)` (the previous step's spike, detached from the graph:
    ``reset_delay=True``, snnTorch's default) and :math:`H(x) = 1` for :math:`x > 0`:

    .. math::
        u_t &= v_{rest} + \\beta (u_{t-1} - v_{rest}) + I_t - r_t (\\theta - v_{reset})
              &\\text{reset="subtract"} \\\\
        u_t &= v_{rest} + \\beta \\big((1 - r_t) u_{t-1} + r_t v_{reset} - v_{rest}\\big) + I_t
              &\\text{reset="zero" (snnTorch: the membrane goes to } v_{reset}\\text{, then leaks)} \\\\
        u_t &= v_{rest} + \\beta (u_{t-1} - v_{rest}) + I_t &\\text{reset="none"} \\\\
        s_t &= H(u_t - \\theta)

    in the backward pass :math:`\\partial s_t / \\partial u_t` is the surrogate's derivative. With
    :math:`v_{rest} = v_{reset} = 0` this is snnTorch's :math:`u_t = \\beta u_{t-1} + I_t - r_t\\theta`.
    ``reset_delay=False``: the spike of step t resets at step t (the membrane recorded is the one
    after the reset). ``refractory`` (time units; ``round(refractory / dt)`` steps): after a spike,
    the membrane is held at :math:`v_{reset}` for that many steps, takes no input and cannot fire.

    Parameters
    ----------
    beta, tau : float or list of floats (one per neuron)
        Exactly one: the decay per step :math:`\\beta \\in [0, 1]`, or the membrane time constant
        (:math:`\\beta = e^{-dt/\\tau}`).
    dt : float
        The time step (the units of ``tau`` and ``refractory``).
    threshold : float or list, > 0
        :math:`\\theta`; ``v_rest`` and ``v_reset`` must lie below it.
    learn_beta, learn_threshold : bool
        Make :math:`\\beta` / :math:`\\theta` Parameters (shape () or (features,)), trained by BPTT;
        a learnt :math:`\\beta` is clipped to [0, 1] in the forward pass, as snnTorch does.
    surrogate : str, dict or Surrogate
        The surrogate gradient (:data:`~neuronkit.spiking.surrogates.SURROGATES`), fast sigmoid by default.
    truncation : int or None
        Truncated BPTT: the state's gradient is cut every ``truncation`` steps (None: full BPTT).

    Input currents ``(T, batch, ...)`` -> spikes ``(T, batch, ...)`` (float32 0/1); ``forward``
    runs the fused :func:`neuronkit.engine.spiking.lif` and emits ``{"spikes", "mem"}`` to
    :func:`~neuronkit.spiking.record.record`. :meth:`step` is the same update on Tensors, one step.

    Examples
    --------
    A neuron with :math:`\\beta = 0.5` fed 0.75 per step crosses :math:`\\theta = 1` at the second step:

    >>> import numpy as np
    >>> from neuronkit.spiking import LIF, record
    >>> lif = LIF(beta=0.5, name="lif")
    >>> with record() as rec:
    ...     spikes = lif(np.full((4, 1, 1), 0.75, dtype=np.float32))
    >>> spikes.data.ravel()
    array([0., 1., 0., 0.], dtype=float32)
    >>> rec["lif"]["mem"].ravel()           # 0.75, 0.375+0.75, 0.5625+0.75-1 (reset), 0.15625+0.75
    array([0.75   , 1.125  , 0.3125 , 0.90625], dtype=float32)
    """

    state_names = ("mem",)
    _learnable = (("beta", "learn_beta"), ("threshold", "learn_threshold"))

    def __init__(self, beta: Any = None, *, tau: Any = None, dt: float = 1.0, threshold: Any = 1.0,
                 v_rest: float = 0.0, v_reset: float = 0.0, reset: str = "subtract", reset_delay: bool = True,
                 refractory: float = 0.0, learn_beta: bool = False, learn_threshold: bool = False,
                 surrogate: Any = "fast_sigmoid", truncation: int | None = None, dtype: Any = np.float32,
                 name: str | None = None) -> None:
        owner = type(self).__name__
        self._setup(dtype, name, owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        decay = _decay(beta, tau, self.dt, "beta", "tau", owner)
        theta = _constant(threshold, "threshold", owner, low=0.0, low_open=True)
        self._given = {"beta": _jsonable(beta), "tau": _jsonable(tau), "threshold": _jsonable(threshold)}
        self.v_rest = check_number(v_rest, "v_rest", owner=owner)
        self.v_reset = check_number(v_reset, "v_reset", owner=owner)
        self._check_potentials(theta)
        self.reset = check_choice(reset, "reset", ("subtract", "zero", "none"), owner=owner)
        self.reset_delay = check_bool(reset_delay, "reset_delay", owner=owner)
        self.refractory = check_number(refractory, "refractory", low=0.0, owner=owner)
        self.learn_beta = check_bool(learn_beta, "learn_beta", owner=owner)
        self.learn_threshold = check_bool(learn_threshold, "learn_threshold", owner=owner)
        self.surrogate = self._surrogate(surrogate)
        self.truncation = _truncation(truncation, owner)
        self.beta = _held(decay, self.learn_beta, self._dtype)
        self.threshold = _held(theta, self.learn_threshold, self._dtype)

    def _check_potentials(self, theta: Number) -> None:
        """Refuse a threshold that ``v_rest`` or ``v_reset`` does not lie below."""
        for potential in ("v_rest", "v_reset"):
            if not np.all(getattr(self, potential) < np.asarray(theta)):
                raise ParameterError(must_be(potential, f"below the threshold {_jsonable(theta)}",
                                             getattr(self, potential), type(self).__name__))

    def set_threshold(self, threshold: Any) -> None:
        """Give the neurons new thresholds :math:`\\theta`: one number, or one per neuron ``(features,)``.

        Checked as the constructor's ``threshold`` (> 0, above ``v_rest`` and ``v_reset``);
        :meth:`config` then writes the new values, so a saved model keeps them. A learnt threshold
        (``learn_threshold=True``) of the same shape is overwritten in place (an optimizer holding
        the Parameter keeps it); of another shape it becomes a new Parameter. Homeostatic rules
        (:func:`~neuronkit.spiking.learning.learn` with ``"intrinsic"``) store their thresholds
        through it.

        Examples
        --------
        >>> from neuronkit.spiking import LIF
        >>> neuron = LIF(beta=0.9)
        >>> neuron.set_threshold([0.5, 1.5])
        >>> neuron.threshold, neuron.config()["threshold"]
        (array([0.5, 1.5], dtype=float32), [0.5, 1.5])
        """
        owner = type(self).__name__
        theta = _constant(threshold, "threshold", owner, low=0.0, low_open=True)
        self._check_potentials(theta)
        held = self.threshold
        if isinstance(held, Tensor) and held.data.shape == np.shape(theta):
            held.data[...] = theta
        else:
            self.threshold = _held(theta, self.learn_threshold, self._dtype)
        self._given["threshold"] = _jsonable(theta)

    @property
    def refractory_steps(self) -> int:
        """The refractory period in steps: ``round(refractory / dt)``."""
        return int(round(self.refractory / self.dt))

    def forward(self, currents: Any) -> Tensor:
        """Spikes ``(T, batch, ...)`` for currents ``(T, batch, ...)``: the fused time loop."""
        x = self._currents(currents)
        spikes, mem = spiking_ops.lif(
            x, self.beta, self.threshold, derivative=self.surrogate.derivative, v_rest=self.v_rest,
            v_reset=self.v_reset, reset=self.reset, reset_delay=self.reset_delay,
            refractory_steps=self.refractory_steps, truncation=self.truncation)
        emit(self, {"spikes": spikes.data, "mem": mem})
        return spikes

    def initial_state(self, shape: tuple[int, ...], dtype: Any = None) -> dict[str, np.ndarray]:
        """``mem`` at ``v_rest``; with a refractory period also ``refractory``, the steps each neuron still waits."""
        state = super().initial_state(shape, dtype)
        if self.refractory_steps:
            state["refractory"] = np.zeros(shape, dtype=np.int64)
        return state

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One step of the equations above, on Tensors: ``(spikes, {"mem": ...})``."""
        beta, theta, mem = _clamped(self.beta), self.threshold, as_tensor(state["mem"])
        v_rest, v_reset, R = self.v_rest, self.v_reset, self.refractory_steps
        count: Any = state.get("refractory")
        if self.reset_delay:
            reset = _detached_step(mem - theta)                       # r_t = H(u_{t-1} - θ), detached
            if R:
                count = np.where(reset.data > 0, R, count)
            if self.reset == "zero":
                mem = mem * (1.0 - reset) + reset * v_reset           # (1 - r_t) u_{t-1} + r_t v_reset
            mem = v_rest + beta * (mem - v_rest) + current            # leak towards v_rest, add the input
            if self.reset == "subtract":
                mem = mem - reset * (theta - v_reset)                 # - r_t (θ - v_reset)
            active = self._hold(count, R, mem.dtype)
            if active is not None:
                mem = mem * active + (1.0 - active) * v_reset         # refractory: held at v_reset
            spikes = spiking_ops.spike(mem - theta, self.surrogate.derivative)  # s_t = H(u_t - θ)
            if active is not None:
                spikes = spikes * active
        else:
            active = self._hold(count, R, mem.dtype)
            mem = v_rest + beta * (mem - v_rest) + current            # p_t
            if active is not None:
                mem = mem * active + (1.0 - active) * v_reset
            spikes = spiking_ops.spike(mem - theta, self.surrogate.derivative)  # s_t = H(p_t - θ)
            if active is not None:
                spikes = spikes * active
            fired = Tensor(spikes.data.copy())                        # the reset, detached
            if self.reset == "subtract":
                mem = mem - fired * (theta - v_reset)
            elif self.reset == "zero":
                mem = mem * (1.0 - fired) + fired * v_reset
        new = {"mem": mem}
        if R:
            count = np.maximum(count - 1, 0)
            if not self.reset_delay:
                count = np.where(spikes.data > 0, R, count)
            new["refractory"] = count
        return spikes, new

    @staticmethod
    def _hold(count: Any, R: int, dtype: Any) -> np.ndarray | None:
        return None if not R else (count == 0).astype(dtype)

    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "beta": self._given["beta"], "tau": self._given["tau"], "dt": self.dt,
                "threshold": self._given["threshold"], "v_rest": self.v_rest, "v_reset": self.v_reset,
                "reset": self.reset, "reset_delay": self.reset_delay, "refractory": self.refractory,
                "learn_beta": self.learn_beta, "learn_threshold": self.learn_threshold,
                "surrogate": self.surrogate.config(), "truncation": self.truncation, "dtype": str(self._dtype),
                "name": self.name}

    def __repr__(self) -> str:
        decay = f"tau={self._given['tau']!r}" if self._given["tau"] is not None else f"beta={self._given['beta']!r}"
        return f"{type(self).__name__}({decay}, threshold={self._given['threshold']!r}, reset={self.reset!r})"


# ---------------------------------------------------------------------------------- LI (readout)
@register_layer
class LI(_Neuron):
    """Leaky integrators: a membrane without threshold or spikes, the readout of a spiking network.

    .. math:: u_t = v_{rest} + \\beta (u_{t-1} - v_{rest}) + I_t

    Its OUTPUT is the membrane ``(T, batch, ...)`` (for ``membrane_cross_entropy`` and the
    ``max_membrane`` decoder); ``beta`` or ``tau`` as in :class:`LIF` (learnt with ``learn_beta``).
    ``forward`` runs the fused :func:`neuronkit.engine.spiking.leaky_integrator` and emits ``{"mem"}``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking import LI
    >>> LI(beta=0.5)(np.array([1.0, 0.0, 2.0], dtype=np.float32).reshape(3, 1, 1)).data.ravel()  # 1, .5, .25+2
    array([1.  , 0.5 , 2.25], dtype=float32)
    """

    state_names = ("mem",)
    _learnable = (("beta", "learn_beta"),)

    def __init__(self, beta: Any = None, *, tau: Any = None, dt: float = 1.0, v_rest: float = 0.0,
                 learn_beta: bool = False, truncation: int | None = None, dtype: Any = np.float32,
                 name: str | None = None) -> None:
        owner = type(self).__name__
        self._setup(dtype, name, owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        decay = _decay(beta, tau, self.dt, "beta", "tau", owner)
        self._given = {"beta": _jsonable(beta), "tau": _jsonable(tau)}
        self.v_rest = check_number(v_rest, "v_rest", owner=owner)
        self.learn_beta = check_bool(learn_beta, "learn_beta", owner=owner)
        self.truncation = _truncation(truncation, owner)
        self.beta = _held(decay, self.learn_beta, self._dtype)

    def forward(self, currents: Any) -> Tensor:
        """The membranes ``(T, batch, ...)`` for currents ``(T, batch, ...)``: the fused time loop."""
        x = self._currents(currents)
        mem = spiking_ops.leaky_integrator(x, self.beta, v_rest=self.v_rest, truncation=self.truncation)
        emit(self, {"mem": mem.data})
        return mem

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One step on Tensors: the output is the new membrane."""
        mem = self.v_rest + _clamped(self.beta) * (as_tensor(state["mem"]) - self.v_rest) + current
        return mem, {"mem": mem}

    def config(self) -> dict[str, Any]:
        return {"type": "LI", "beta": self._given["beta"], "tau": self._given["tau"], "dt": self.dt,
                "v_rest": self.v_rest, "learn_beta": self.learn_beta, "truncation": self.truncation,
                "dtype": str(self._dtype), "name": self.name}

    def __repr__(self) -> str:
        decay = f"tau={self._given['tau']!r}" if self._given["tau"] is not None else f"beta={self._given['beta']!r}"
        return f"LI({decay})"


# ---------------------------------------------------------------------------------- Synaptic
@register_layer
class Synaptic(_Neuron):
    """Current-based LIF neurons (snnTorch's ``Synaptic``, NIR's ``CubaLIF``): a synaptic current feeds the membrane.

    With :math:`r_t = H(u_{t-1} - \\theta)` (the previous step's spike, detached from the graph:
    ``reset_delay=True``, snnTorch's default):

    .. math::
        i^{syn}_t &= \\alpha\\, i^{syn}_{t-1} + I_t \\\\
        u_t &= \\beta u_{t-1} + i^{syn}_t - r_t \\theta &\\text{reset="subtract"} \\\\
        u_t &= (\\beta u_{t-1} + i^{syn}_t)(1 - r_t) &\\text{reset="zero" (as snnTorch's Synaptic)} \\\\
        s_t &= H(u_t - \\theta)

    ``reset_delay=False``: the spike of step t resets at step t, :math:`p_t = \\beta u_{t-1} + i^{syn}_t`,
    :math:`s_t = H(p_t - \\theta)`, :math:`u_t = p_t - s_t \\theta` (subtract) or :math:`(1 - s_t)\\, p_t`
    (zero); the membrane recorded is the one after the reset. ``Synaptic(reset="zero",
    reset_delay=False)`` is NIR's ``CubaLIF`` (with :math:`v_{leak} = v_{reset} = 0`) and snnTorch's
    ``Synaptic(reset_mechanism="zero", reset_delay=False)``: what :func:`~neuronkit.spiking.nir.from_nir`
    builds and :func:`~neuronkit.spiking.nir.to_nir` writes.

    ``alpha``/``tau_syn`` and ``beta``/``tau_mem``: exactly one of each pair (a decay in [0, 1] or a
    time constant, decay = exp(-dt/tau)). Resting and reset potentials are 0; the synaptic current
    is not reset. State ``("syn", "mem")``. ``forward`` runs the fused
    :func:`neuronkit.engine.spiking.synaptic` and emits ``{"spikes", "syn", "mem"}``.

    Examples
    --------
    One input pulse: the synaptic current decays by half per step, the membrane sums it and fires
    when it goes above 1.5 (at 1.5 exactly it does not: :math:`H(0) = 0`):

    >>> import numpy as np
    >>> from neuronkit.spiking import Synaptic, record
    >>> neuron = Synaptic(alpha=0.5, beta=1.0, threshold=1.5, name="syn")
    >>> with record() as rec:
    ...     spikes = neuron(np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32).reshape(4, 1, 1))
    >>> rec["syn"]["syn"].ravel(), rec["syn"]["mem"].ravel(), spikes.data.ravel()
    (array([1.   , 0.5  , 0.25 , 0.125], dtype=float32), array([1.   , 1.5  , 1.75 , 0.375], dtype=float32), \
array([0., 0., 1., 0.], dtype=float32))

    A constant current of 0.6 with α = 0 and β = 0.5 and the reset at the spike: the membrane
    reaches 0.6, 0.9, 1.05 (a spike, then 0), 0.6, ... (a delayed reset would hold it one step longer):

    >>> cuba = Synaptic(alpha=0.0, beta=0.5, reset="zero", reset_delay=False, name="cuba")
    >>> with record() as rec:
    ...     spikes = cuba(np.full((5, 1, 1), 0.6, dtype=np.float32))
    >>> spikes.data.ravel(), rec["cuba"]["mem"].ravel().round(4)
    (array([0., 0., 1., 0., 0.], dtype=float32), array([0.6, 0.9, 0. , 0.6, 0.9], dtype=float32))
    """

    state_names = ("syn", "mem")
    _learnable = (("alpha", "learn_alpha"), ("beta", "learn_beta"), ("threshold", "learn_threshold"))

    def __init__(self, alpha: Any = None, beta: Any = None, *, tau_syn: Any = None, tau_mem: Any = None,
                 dt: float = 1.0, threshold: Any = 1.0, reset: str = "subtract", reset_delay: bool = True,
                 learn_alpha: bool = False, learn_beta: bool = False, learn_threshold: bool = False,
                 surrogate: Any = "fast_sigmoid", truncation: int | None = None, dtype: Any = np.float32,
                 name: str | None = None) -> None:
        owner = type(self).__name__
        self._setup(dtype, name, owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        syn_decay = _decay(alpha, tau_syn, self.dt, "alpha", "tau_syn", owner)
        mem_decay = _decay(beta, tau_mem, self.dt, "beta", "tau_mem", owner)
        theta = _constant(threshold, "threshold", owner, low=0.0, low_open=True)
        self._given = {"alpha": _jsonable(alpha), "beta": _jsonable(beta), "tau_syn": _jsonable(tau_syn),
                       "tau_mem": _jsonable(tau_mem), "threshold": _jsonable(threshold)}
        self.reset = check_choice(reset, "reset", ("subtract", "zero", "none"), owner=owner)
        self.reset_delay = check_bool(reset_delay, "reset_delay", owner=owner)
        self.learn_alpha = check_bool(learn_alpha, "learn_alpha", owner=owner)
        self.learn_beta = check_bool(learn_beta, "learn_beta", owner=owner)
        self.learn_threshold = check_bool(learn_threshold, "learn_threshold", owner=owner)
        self.surrogate = self._surrogate(surrogate)
        self.truncation = _truncation(truncation, owner)
        self.alpha = _held(syn_decay, self.learn_alpha, self._dtype)
        self.beta = _held(mem_decay, self.learn_beta, self._dtype)
        self.threshold = _held(theta, self.learn_threshold, self._dtype)

    @staticmethod
    def _time_constant(constant: str) -> str:
        return {"beta": "tau_mem", "alpha": "tau_syn"}.get(constant, constant)

    def forward(self, currents: Any) -> Tensor:
        """Spikes ``(T, batch, ...)`` for currents ``(T, batch, ...)``: the fused time loop."""
        x = self._currents(currents)
        spikes, syn, mem = spiking_ops.synaptic(x, self.alpha, self.beta, self.threshold,
                                                derivative=self.surrogate.derivative, reset=self.reset,
                                                reset_delay=self.reset_delay, truncation=self.truncation)
        emit(self, {"spikes": spikes.data, "syn": syn, "mem": mem})
        return spikes

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One step of the equations above, on Tensors."""
        alpha, beta, theta = _clamped(self.alpha), _clamped(self.beta), self.threshold
        syn, mem = as_tensor(state["syn"]), as_tensor(state["mem"])
        if self.reset_delay:
            reset = _detached_step(mem - theta)                       # r_t = H(u_{t-1} - θ), detached
            syn = alpha * syn + current                               # i_t = α i_{t-1} + I_t
            mem = beta * mem + syn                                    # β u_{t-1} + i_t
            if self.reset == "subtract":
                mem = mem - reset * theta                             # - r_t θ
            elif self.reset == "zero":
                mem = mem * (1.0 - reset)                             # (β u_{t-1} + i_t)(1 - r_t)
            spikes = spiking_ops.spike(mem - theta, self.surrogate.derivative)  # s_t = H(u_t - θ)
        else:
            syn = alpha * syn + current                               # i_t = α i_{t-1} + I_t
            mem = beta * mem + syn                                    # p_t = β u_{t-1} + i_t
            spikes = spiking_ops.spike(mem - theta, self.surrogate.derivative)  # s_t = H(p_t - θ)
            fired = Tensor(spikes.data.copy())                        # the reset, detached
            if self.reset == "subtract":
                mem = mem - fired * theta                             # u_t = p_t - s_t θ
            elif self.reset == "zero":
                mem = mem * (1.0 - fired)                             # u_t = (1 - s_t) p_t
        return spikes, {"syn": syn, "mem": mem}

    def config(self) -> dict[str, Any]:
        # a config without "reset_delay" (written before it existed) loads with the default, True
        return {"type": type(self).__name__, **self._given, "dt": self.dt, "reset": self.reset,
                "reset_delay": self.reset_delay, "learn_alpha": self.learn_alpha, "learn_beta": self.learn_beta,
                "learn_threshold": self.learn_threshold, "surrogate": self.surrogate.config(),
                "truncation": self.truncation, "dtype": str(self._dtype), "name": self.name}

    def __repr__(self) -> str:
        options = "" if self.reset == "subtract" else f", reset={self.reset!r}"  # the default reset left out
        options += "" if self.reset_delay else ", reset_delay=False"
        return (f"{type(self).__name__}(alpha={_jsonable(_value(self.alpha))!r}, "
                f"beta={_jsonable(_value(self.beta))!r}{options})")


# ---------------------------------------------------------------------------------- ALIF
@register_layer
class ALIF(_Neuron):
    """Adaptive LIF neurons: the threshold rises with each spike and decays back (Bellec et al. 2018).

    With :math:`h_{t-1}` the previous step's spike (detached, as the reset):

    .. math::
        b_t &= \\rho\\, b_{t-1} + a\\, h_{t-1} \\\\
        \\theta_t &= \\theta + b_t \\\\
        u_t &= \\beta u_{t-1} + I_t - h_{t-1} \\theta \\quad\\text{(subtract; "zero": }
              \\beta (1 - h_{t-1}) u_{t-1} + I_t\\text{)} \\\\
        s_t &= H(u_t - \\theta_t)

    ``rho`` (in [0, 1]) is the adaptation's decay per step, ``adaptation`` (:math:`a \\ge 0`) how
    much a spike raises the threshold. The subtract reset removes the baseline :math:`\\theta`.
    State ``("mem", "b")``; with ``adaptation=0`` it is :class:`LIF`.

    Examples
    --------
    A constant input: after each spike the threshold jumps by 1, so the next spike comes later:

    >>> import numpy as np
    >>> from neuronkit.spiking import ALIF, record
    >>> neuron = ALIF(beta=0.0, rho=0.5, adaptation=1.0, name="alif")
    >>> with record() as rec:
    ...     spikes = neuron(np.full((4, 1, 1), 1.4, dtype=np.float32))
    >>> spikes.data.ravel(), rec["alif"]["b"].ravel()
    (array([1., 0., 0., 1.], dtype=float32), array([0.  , 1.  , 0.5 , 0.25], dtype=float32))
    """

    state_names = ("mem", "b")
    _learnable = (("beta", "learn_beta"), ("threshold", "learn_threshold"))

    def __init__(self, beta: Any = None, *, tau: Any = None, dt: float = 1.0, threshold: Any = 1.0,
                 rho: float = 0.95, adaptation: float = 0.1, reset: str = "subtract", reset_delay: bool = True,
                 learn_beta: bool = False, learn_threshold: bool = False, surrogate: Any = "fast_sigmoid",
                 truncation: int | None = None, dtype: Any = np.float32, name: str | None = None) -> None:
        owner = "ALIF"
        self._setup(dtype, name, owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        decay = _decay(beta, tau, self.dt, "beta", "tau", owner)
        theta = _constant(threshold, "threshold", owner, low=0.0, low_open=True)
        self._given = {"beta": _jsonable(beta), "tau": _jsonable(tau), "threshold": _jsonable(threshold)}
        self.rho = check_number(rho, "rho", low=0.0, high=1.0, owner=owner)
        self.adaptation = check_number(adaptation, "adaptation", low=0.0, owner=owner)
        self.reset = check_choice(reset, "reset", ("subtract", "zero", "none"), owner=owner)
        self.reset_delay = check_bool(reset_delay, "reset_delay", owner=owner)
        self.learn_beta = check_bool(learn_beta, "learn_beta", owner=owner)
        self.learn_threshold = check_bool(learn_threshold, "learn_threshold", owner=owner)
        self.surrogate = self._surrogate(surrogate)
        self.truncation = _truncation(truncation, owner)
        self.beta = _held(decay, self.learn_beta, self._dtype)
        self.threshold = _held(theta, self.learn_threshold, self._dtype)

    def forward(self, currents: Any) -> Tensor:
        """Spikes ``(T, batch, ...)`` for currents ``(T, batch, ...)``: the fused time loop."""
        x = self._currents(currents)
        spikes, mem, b = spiking_ops.alif(x, self.beta, self.threshold, rho=self.rho, adaptation=self.adaptation,
                                          derivative=self.surrogate.derivative, reset=self.reset,
                                          reset_delay=self.reset_delay, truncation=self.truncation)
        emit(self, {"spikes": spikes.data, "mem": mem, "b": b})
        return spikes

    def initial_state(self, shape: tuple[int, ...], dtype: Any = None) -> dict[str, np.ndarray]:
        """``mem`` and ``b`` at 0, and ``spiked`` (the previous step's spikes) at 0."""
        state = super().initial_state(shape, dtype)
        state["spiked"] = np.zeros(shape, dtype=state["mem"].dtype)
        return state

    def step(self, current: Any, state: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """One step of the equations above, on Tensors."""
        beta, theta, mem = _clamped(self.beta), self.threshold, as_tensor(state["mem"])
        fired = Tensor(np.asarray(state["spiked"]))                   # h_{t-1}, detached
        b = self.rho * np.asarray(state["b"]) + self.adaptation * fired.data  # b_t = ρ b_{t-1} + a h_{t-1}
        if self.reset_delay:
            if self.reset == "zero":
                mem = mem * (1.0 - fired)                             # (1 - h_{t-1}) u_{t-1}
            mem = beta * mem + current
            if self.reset == "subtract":
                mem = mem - fired * theta                             # - h_{t-1} θ
            spikes = spiking_ops.spike(mem - (theta + b), self.surrogate.derivative)  # s_t = H(u_t - θ_t)
        else:
            mem = beta * mem + current
            spikes = spiking_ops.spike(mem - (theta + b), self.surrogate.derivative)
            now = Tensor(spikes.data.copy())
            if self.reset == "subtract":
                mem = mem - now * theta
            elif self.reset == "zero":
                mem = mem * (1.0 - now)
        return spikes, {"mem": mem, "b": b, "spiked": spikes.data.copy()}

    def config(self) -> dict[str, Any]:
        return {"type": "ALIF", **self._given, "dt": self.dt, "rho": self.rho, "adaptation": self.adaptation,
                "reset": self.reset, "reset_delay": self.reset_delay, "learn_beta": self.learn_beta,
                "learn_threshold": self.learn_threshold, "surrogate": self.surrogate.config(),
                "truncation": self.truncation, "dtype": str(self._dtype), "name": self.name}

    def __repr__(self) -> str:
        return f"ALIF(beta={_jsonable(_value(self.beta))!r}, rho={self.rho!r}, adaptation={self.adaptation!r})"


# ---------------------------------------------------------------------------------- registry
#: spiking neuron models by name (a :class:`~neuronkit.registry.Registry`): what specs and the CLI may say
NEURONS: Registry[type[SpikingNeuron]] = Registry("spiking neuron")
NEURONS.register("lif", LIF, aliases=("leaky",))
NEURONS.register("li", LI, aliases=("leaky_integrator",))
NEURONS.register("synaptic", Synaptic)
NEURONS.register("alif", ALIF, aliases=("adaptive_lif",))


def get_neuron(spec: Any, **options: Any) -> SpikingNeuron:
    """A neuron population from a name with options, a saved config (``{"type": "LIF", ...}``) or an instance.

    Examples
    --------
    >>> from neuronkit.spiking import get_neuron
    >>> get_neuron("lif", beta=0.9)
    LIF(beta=0.9, threshold=1.0, reset='subtract')
    >>> get_neuron({"type": "LI", "tau": 5.0}).beta.__round__(4)
    0.8187
    """
    if isinstance(spec, SpikingNeuron):
        if options:
            raise ParameterError(f"neuron options ({', '.join(options)}) go with a name, e.g. "
                                 f"get_neuron('lif', beta=0.9); got {spec!r}")
        return spec
    if isinstance(spec, Mapping):
        if options:
            raise ParameterError(f"neuron options ({', '.join(options)}) go with a name, not a config")
        layer = layer_from_config(spec)
        if not isinstance(layer, SpikingNeuron):
            raise ParameterTypeError(must_be("neuron config", "the config of a spiking neuron", dict(spec)))
        return layer
    if isinstance(spec, str):
        cls = NEURONS.get(spec)
        from ..validation import check_options

        check_options("spiking neuron", NEURONS.canonical(spec), cls, options)
        return cls(**options)
    raise ParameterTypeError(must_be("neuron", f"a name ({', '.join(NEURONS.names())}), a neuron config or a "
                                     "SpikingNeuron", spec))
