"""Recurrent spiking networks in continuous time: populations, sparse connections, delays, monitors.

A :class:`Network` holds populations of leaky integrate-and-fire neurons (:class:`Population`), Poisson
sources (:class:`PoissonGroup`) and connections between them (:class:`Connection`), and steps them
forward with a fixed ``dt`` (milliseconds) on plain NumPy arrays (no :class:`~neuronkit.Tensor`, so no
autodiff graph grows). It is the clock-driven scheme Brian2 uses, step for step, so the same network
gives the same spikes in both
(``tests/test_simulation_brian2.py``).

**The neuron (all potentials in mV, times in ms)**

Current-based synapses (``kind="current"``), one exponential current ``g_s`` (in mV) per synapse type ``s``::

    tau_m dv/dt = -(v - v_rest) + sum_s g_s          dg_s/dt = -g_s / tau_s

integrated exactly over a step (the system is linear with constant coefficients), with
``a = exp(-dt/tau_m)`` and ``d_s = exp(-dt/tau_s)``::

    v(t+dt)   = v_rest + (v - v_rest) a + sum_s c_s g_s(t)
    g_s(t+dt) = g_s(t) d_s
    c_s = tau_s / (tau_s - tau_m) (d_s - a) = a (dt/tau_m) phi(x),  x = dt (tau_s - tau_m) / (tau_m tau_s),
    phi(x) = (e^x - 1) / x   (phi(0) = 1: the case tau_s == tau_m, c_s = (dt/tau_m) a, with no 0/0)

Conductance-based synapses (``kind="conductance"``): ``g_s`` is a conductance relative to the leak
(dimensionless) and each synapse type has a reversal potential ``E_s``::

    tau_m dv/dt = -(v - v_rest) + sum_s g_s (E_s - v)          dg_s/dt = -g_s / tau_s

integrated with exponential Euler (as Brian2's ``exponential_euler``): over one step the conductances are
held at their values at the start of the step, so ``v`` relaxes exactly towards ``v_inf``::

    G = 1 + sum_s g_s,   v_inf = (v_rest + sum_s g_s E_s) / G,   v(t+dt) = v_inf + (v - v_inf) exp(-G dt/tau_m)

and ``g_s`` decays exactly as above.

**One time step (Brian2's schedule: groups, thresholds, synapses, resets)**

1. the state monitors record ``v`` and ``g_s`` (values at ``t``);
2. every population integrates from ``t`` to ``t + dt``; a neuron that is refractory keeps ``v = v_reset``
   (its synaptic variables still decay and still receive input);
3. a neuron spikes if ``v > v_threshold``; a :class:`PoissonGroup` neuron spikes with probability
   ``rate_hz * dt / 1000``; the spike is stamped ``t``;
4. each spike adds the synapse's weight to ``g_s`` of its targets, now (``delay=0``) or ``k`` steps later
   (``delay = k dt``, through a ring buffer of pending input);
5. spiking neurons are reset to ``v_reset`` and held there for ``round(refractory/dt)`` steps: ``v`` is
   ``v_reset`` at ``t_spike + dt, ..., t_spike + refractory``.

Connectivity is drawn once, when the network is built, and stored per connection as CSR (rows are the
presynaptic neurons: ``indptr``, ``indices`` = targets, ``weights``): ``p`` connects each (pre, post)
pair independently with probability ``p`` (Brian2's ``connect(p=...)``), ``in_degree`` gives every
postsynaptic neuron exactly that many distinct presynaptic partners. A neuron is not connected to itself
unless ``allow_self=True``. One seed (a NumPy Generator) draws the initial potentials, the connectivity,
the random weights and, during runs, the Poisson spikes: the same seed gives the same result.

**The network file (JSON or TOML)**

:func:`load_network` reads it; :meth:`Network.config` writes the same form (as a dict)::

    [network]
    dt = 0.1          # ms
    seed = 0
    duration = 1000.0 # ms, the run's length (used by load_network's run options)

    [[population]]    # a population of LIF neurons (type = "lif", the default)
    name = "exc"
    n = 3200
    tau_m = 20.0
    v_rest = -49.0
    v_reset = -60.0
    v_threshold = -50.0
    refractory = 5.0
    v_init = [-60.0, -50.0]        # a number, or [low, high] drawn uniformly; absent: v_rest
    kind = "current"               # or "conductance" (then every synapse has a "reversal" in mV)
    role = "excitatory"            # optional: "excitatory" or "inhibitory" (else from its weights' sign)
    synapses = { e = { tau = 5.0 }, i = { tau = 10.0 } }

    [[population]]    # a Poisson source
    name = "input"
    type = "poisson"
    n = 100
    rate_hz = 5.0

    [[connection]]
    pre = "exc"
    post = "exc"
    synapse = "e"
    weight = 1.62                  # or [mean, std], drawn per synapse
    p = 0.02                       # or in_degree = 64
    delay = 0.0                    # ms, a whole number of steps
    allow_self = false
    name = "exc->exc"              # optional

    [record]
    spikes = ["exc", "inh"]        # or true (all) / false
    states = { exc = ["v"] }       # "v" and "g_<synapse>" ("g_e")
    neurons = { exc = [0, 1, 2] }  # which neurons' states (default: all)
    window = 100.0                 # ms: keep only the last 100 ms of monitor data

Every key is checked: an unknown one is refused with the file, the table and the key (and the closest
valid key). :func:`cuba_network` is Brian2's ``examples/CUBA.py`` (Vogels & Abbott 2005 as in Brette et
al. 2007, benchmark 2).
"""

from __future__ import annotations

import difflib
import json
import math
import sys
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, IndexRangeError, NameNotFoundError, ParameterError, ParameterTypeError
from ..init import make_rng
from ..validation import check_bool, check_choice, check_int, check_number, must_be

__all__ = ["Connection", "Connectivity", "Network", "PoissonGroup", "Population", "SimulationResult",
           "cuba_network", "load_network", "network_from_config", "PROGRESS_STEPS"]

_DEFAULT_SYNAPSES = {"current": {"e": {"tau": 5.0}, "i": {"tau": 10.0}},
                     "conductance": {"e": {"tau": 5.0, "reversal": 0.0}, "i": {"tau": 10.0, "reversal": -80.0}}}
_ROLES = ("excitatory", "inhibitory")
_TOLERANCE = 1e-9  # relative: how far a delay or duration may be from a whole number of steps
#: :meth:`Network.run` advances this many steps between reports to ``progress`` (and folds its spike log)
PROGRESS_STEPS = 1000


# --------------------------------------------------------------------------------------------- populations
class Population:
    """``n`` leaky integrate-and-fire neurons with exponential synapses (the module docstring has the equations).

    ``tau_m``, ``refractory`` (ms); ``v_rest``, ``v_reset``, ``v_threshold`` (mV); ``v_init``: ``None``
    (start at ``v_rest``), a number, or ``(low, high)`` drawn uniformly per neuron. ``synapses`` maps each
    synapse type to ``{"tau": ms}`` (and ``"reversal": mV`` when ``kind="conductance"``). ``role``
    (``"excitatory"``/``"inhibitory"``) labels the population in results; left ``None``, it comes from the
    sign of its outgoing connections. ``name`` defaults to ``"population{i}"`` (its place in the network).

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Population
    >>> exc = Population(3200, v_init=(-60.0, -50.0), name="exc")
    >>> exc
    Population(3200, name='exc', kind='current', synapses=['e', 'i'])
    >>> exc.config()["tau_m"], exc.synapses["i"]["tau"]
    (20.0, 10.0)
    """

    def __init__(self, n: int, *, tau_m: float = 20.0, v_rest: float = -49.0, v_reset: float = -60.0,
                 v_threshold: float = -50.0, refractory: float = 5.0,
                 v_init: float | tuple[float, float] | None = None,
                 synapses: Mapping[str, Mapping[str, float]] | None = None, kind: str = "current",
                 role: str | None = None, name: str | None = None) -> None:
        owner = f"Population {name!r}" if name else "Population"
        self.name = _check_name(name, "name", owner) if name is not None else None
        self.n = check_int(n, "n", low=1, owner=owner)
        self.tau_m = check_number(tau_m, "tau_m", low=0.0, low_open=True, owner=owner)
        self.v_rest = check_number(v_rest, "v_rest", owner=owner)
        self.v_reset = check_number(v_reset, "v_reset", owner=owner)
        self.v_threshold = check_number(v_threshold, "v_threshold", owner=owner)
        if self.v_reset >= self.v_threshold:
            raise ParameterError(must_be("v_reset", f"below v_threshold ({self.v_threshold:g} mV)", v_reset, owner)
                                 + "; a neuron reset above its threshold would fire at every step")
        self.refractory = check_number(refractory, "refractory", low=0.0, owner=owner)
        self.v_init = _check_init(v_init, owner)
        self.kind = check_choice(kind, "kind", ("current", "conductance"), owner=owner)
        self.role = check_choice(role, "role", (*_ROLES, None), owner=owner)
        self.synapses = _check_synapses(_DEFAULT_SYNAPSES[self.kind] if synapses is None else synapses,
                                        self.kind, owner)

    def config(self) -> dict[str, Any]:
        """The population as the network file writes it (JSON-able)."""
        out: dict[str, Any] = {"name": self.name, "n": self.n, "tau_m": self.tau_m, "v_rest": self.v_rest,
                               "v_reset": self.v_reset, "v_threshold": self.v_threshold,
                               "refractory": self.refractory, "kind": self.kind,
                               "synapses": {s: dict(p) for s, p in self.synapses.items()}}
        if self.v_init is not None:
            out["v_init"] = list(self.v_init) if isinstance(self.v_init, tuple) else self.v_init
        if self.role is not None:
            out["role"] = self.role
        return out

    def __repr__(self) -> str:
        return f"Population({self.n}, name={self.name!r}, kind={self.kind!r}, synapses={list(self.synapses)})"


class PoissonGroup:
    """``n`` independent Poisson spike sources at ``rate_hz`` (one rate, or one per neuron).

    At each step a source spikes with probability ``rate_hz * dt / 1000`` (Brian2's ``PoissonGroup``);
    ``rate_hz * dt / 1000`` must not exceed 1.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import PoissonGroup
    >>> PoissonGroup(100, 5.0, name="input")
    PoissonGroup(100, 5.0, name='input')
    """

    role = "input"

    def __init__(self, n: int, rate_hz: float | Sequence[float] | np.ndarray, *, name: str = "input") -> None:
        owner = f"PoissonGroup {name!r}"
        self.name = _check_name(name, "name", owner)
        self.n = check_int(n, "n", low=1, owner=owner)
        if np.ndim(rate_hz) == 0:
            self.rate_hz: float | np.ndarray = check_number(rate_hz, "rate_hz", low=0.0, owner=owner)
        else:
            rates = np.asarray(rate_hz, dtype=np.float64)
            if rates.shape != (self.n,) or not (np.isfinite(rates).all() and (rates >= 0).all()):
                raise ParameterError(must_be("rate_hz", f"a number >= 0 or {self.n} of them (one per neuron)",
                                             rate_hz, owner))
            self.rate_hz = rates

    def config(self) -> dict[str, Any]:
        """The group as the network file writes it (JSON-able)."""
        rate = self.rate_hz.tolist() if isinstance(self.rate_hz, np.ndarray) else self.rate_hz
        return {"name": self.name, "type": "poisson", "n": self.n, "rate_hz": rate}

    def __repr__(self) -> str:
        rate = "[...]" if isinstance(self.rate_hz, np.ndarray) else repr(self.rate_hz)
        return f"PoissonGroup({self.n}, {rate}, name={self.name!r})"


# --------------------------------------------------------------------------------------------- connections
class Connection:
    """Random sparse synapses from ``pre`` onto synapse type ``synapse`` of ``post`` (objects or their names).

    Either ``p`` (each pair connected independently with that probability; 0.02 when neither is given)
    or ``in_degree`` (each postsynaptic neuron gets exactly that many distinct presynaptic partners).
    ``weight``: a number (mV for current synapses, a conductance relative to the leak for conductance
    synapses), or ``(mean, std)`` drawn per synapse from a normal distribution (conductances below 0 are
    clipped to 0). ``delay`` (ms) must be a whole number of steps of the network's ``dt``.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Connection
    >>> Connection("exc", "inh", synapse="e", weight=1.62, p=0.02)
    Connection('exc' -> 'inh', synapse='e', weight=1.62, p=0.02, delay=0.0)
    >>> Connection("exc", "inh", weight=(1.0, 0.1), in_degree=40).in_degree
    40
    """

    def __init__(self, pre: Population | PoissonGroup | str, post: Population | str, *, synapse: str = "e",
                 weight: float | tuple[float, float], p: float | None = None, in_degree: int | None = None,
                 delay: float = 0.0, allow_self: bool = False, name: str | None = None) -> None:
        owner = f"Connection {name!r}" if name else "Connection"
        self.pre = pre if isinstance(pre, (Population, PoissonGroup)) else _check_name(pre, "pre", owner)
        if isinstance(post, PoissonGroup):
            raise ParameterError(f"{owner} post must be a Population; got the PoissonGroup {post.name!r}, "
                                 "which has no synapses (it only sends spikes)")
        self.post = post if isinstance(post, Population) else _check_name(post, "post", owner)
        self.synapse = _check_name(synapse, "synapse", owner)
        if isinstance(weight, (tuple, list, np.ndarray)):
            if len(weight) != 2:
                raise ParameterError(must_be("weight", "a number or (mean, std)", weight, owner))
            self.weight: float | tuple[float, float] = (check_number(weight[0], "weight mean", owner=owner),
                                                        check_number(weight[1], "weight std", low=0.0, owner=owner))
        else:
            self.weight = check_number(weight, "weight", owner=owner)
        if p is not None and in_degree is not None:
            raise ParameterError(f"{owner}: give either p= (a connection probability) or in_degree= (a fixed "
                                 f"number of inputs per neuron), not both; got p={p!r}, in_degree={in_degree!r}")
        self.in_degree = None if in_degree is None else check_int(in_degree, "in_degree", low=0, owner=owner)
        self.p = None if in_degree is not None else check_number(0.02 if p is None else p, "p", low=0.0, high=1.0,
                                                                  owner=owner)
        self.delay = check_number(delay, "delay", low=0.0, owner=owner)
        self.allow_self = check_bool(allow_self, "allow_self", owner=owner)
        self.name = None if name is None else _check_name(name, "name", owner)

    @property
    def pre_name(self) -> str:
        """The presynaptic population's name."""
        return self.pre if isinstance(self.pre, str) else str(self.pre.name)

    @property
    def post_name(self) -> str:
        """The postsynaptic population's name."""
        return self.post if isinstance(self.post, str) else str(self.post.name)

    def config(self) -> dict[str, Any]:
        """The connection as the network file writes it (JSON-able)."""
        out: dict[str, Any] = {"name": self.name, "pre": self.pre_name, "post": self.post_name,
                               "synapse": self.synapse,
                               "weight": list(self.weight) if isinstance(self.weight, tuple) else self.weight}
        out.update({"in_degree": self.in_degree} if self.in_degree is not None else {"p": self.p})
        out.update({"delay": self.delay, "allow_self": self.allow_self})
        return out

    def __repr__(self) -> str:
        how = f"in_degree={self.in_degree}" if self.in_degree is not None else f"p={self.p}"
        return (f"Connection({self.pre_name!r} -> {self.post_name!r}, synapse={self.synapse!r}, "
                f"weight={self.weight}, {how}, delay={self.delay})")


@dataclass(frozen=True)
class Connectivity:
    """The synapses of one connection in CSR form, rows = presynaptic neurons.

    The targets of presynaptic neuron ``i`` are ``indices[indptr[i]:indptr[i+1]]`` (local indices in the
    postsynaptic population, increasing), their weights ``weights[indptr[i]:indptr[i+1]]``;
    ``delay_steps`` is the delay in steps of ``dt``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.simulation import Connectivity
    >>> c = Connectivity(np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([0.5, 0.5, 2.0]), n_post=2)
    >>> c.n_synapses, c.in_degree().tolist(), c.out_degree().tolist()
    (3, [1, 2], [2, 1])
    >>> c.to_dense()
    array([[0.5, 0. ],
           [0.5, 2. ]])
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    n_post: int
    delay_steps: int = 0

    @property
    def n_synapses(self) -> int:
        """The number of synapses."""
        return int(self.indices.size)

    def in_degree(self) -> np.ndarray:
        """The number of inputs of each postsynaptic neuron, shape (n_post,)."""
        return np.bincount(self.indices, minlength=self.n_post)

    def out_degree(self) -> np.ndarray:
        """The number of targets of each presynaptic neuron, shape (n_pre,)."""
        return np.diff(self.indptr)

    def to_dense(self) -> np.ndarray:
        """The weight matrix (n_post, n_pre) (rows are postsynaptic neurons, as ``Dense.weight``); small nets only."""
        dense = np.zeros((self.n_post, len(self.indptr) - 1), dtype=self.weights.dtype)
        pre = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        np.add.at(dense, (self.indices, pre), self.weights)
        return dense


# --------------------------------------------------------------------------------------------- results
class SimulationResult:
    """What :meth:`Network.run` recorded: spikes, states, rates.

    ``spikes[name]`` is ``(times_ms, indices)`` (float64 and int arrays of the same length, in time order);
    ``states[name][var]`` is ``(steps, n_recorded)`` sampled at ``state_times`` (the value at the start of
    each step, as Brian2's ``StateMonitor``); ``recorded_neurons[name]`` says which neurons. ``t_start``,
    ``duration`` (ms) span the run, ``wall_time`` is in seconds; ``populations`` maps every population to
    ``{"n": ..., "kind": "excitatory" | "inhibitory" | "input"}``. With a ``window``, the monitors hold only
    its last ``window`` ms (``record_start`` says from when); spike counts, and so :meth:`rate`, cover the
    whole run.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Network, Population
    >>> net = Network([Population(2, v_rest=-45.0, v_init=-60.0, name="pair")], [], seed=0)
    >>> res = net.run(50.0)
    >>> res.spikes["pair"]
    (array([21.9, 21.9, 48.8, 48.8]), array([0, 1, 0, 1]))
    >>> res.rate("pair").tolist()
    [40.0, 40.0]
    """

    def __init__(self, *, spikes: dict[str, tuple[np.ndarray, np.ndarray]], states: dict[str, dict[str, np.ndarray]],
                 state_times: np.ndarray, recorded_neurons: dict[str, np.ndarray], counts: dict[str, np.ndarray],
                 populations: dict[str, dict[str, Any]], t_start: float, duration: float, dt: float,
                 record_start: float, wall_time: float) -> None:
        self.spikes, self.states, self.state_times = spikes, states, state_times
        self.recorded_neurons, self.counts, self.populations = recorded_neurons, counts, populations
        self.t_start, self.duration, self.dt = t_start, duration, dt
        self.record_start, self.wall_time = record_start, wall_time

    def _population(self, name: str) -> dict[str, Any]:
        if name not in self.populations:
            raise NameNotFoundError(_unknown("population", name, list(self.populations)))
        return self.populations[name]

    def rate(self, name: str) -> np.ndarray:
        """The mean firing rate (Hz) of each neuron of population ``name`` over the run, shape (n,)."""
        self._population(name)
        return self.counts[name] / (self.duration / 1000.0)

    def mean_rate(self, name: str | None = None) -> float:
        """The mean rate (Hz) over the neurons of ``name`` (or of every non-input population)."""
        names = [name] if name is not None else [k for k, v in self.populations.items() if v["kind"] != "input"]
        total = sum(float(self.rate(k).sum()) for k in names)
        return total / max(1, sum(self.populations[k]["n"] for k in names))

    def rate_over_time(self, name: str, bin_ms: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
        """The population's rate (Hz per neuron) in bins of ``bin_ms``: (bin centres in ms, rates).

        The bins cover the recorded time (the window, if one was set); a last, shorter bin is divided by
        its own width. Needs the population's spikes recorded.
        """
        info = self._population(name)
        bin_ms = check_number(bin_ms, "bin_ms", low=0.0, low_open=True, owner="rate_over_time")
        if name not in self.spikes:
            raise ParameterError(f"rate_over_time: the spikes of {name!r} were not recorded; run with "
                                 f"spikes=True or spikes=[{name!r}, ...]")
        end = self.t_start + self.duration
        edges = np.arange(self.record_start, end, bin_ms)
        edges = np.append(edges, end) if edges[-1] < end - _TOLERANCE * bin_ms else edges
        if len(edges) < 2:
            edges = np.array([self.record_start, end])
        edges[-1] = end
        times = self.spikes[name][0]
        counts = np.histogram(times, bins=edges)[0]
        widths = np.diff(edges)
        return (edges[:-1] + edges[1:]) / 2, counts / (info["n"] * widths / 1000.0)

    def summary(self) -> dict[str, Any]:
        """The run in a few JSON-able numbers: time span, wall time, and per population its size, kind and rate.

        Examples
        --------
        >>> from neuronkit.spiking.simulation import Network, Population
        >>> res = Network([Population(2, v_rest=-45.0, v_init=-60.0, name="pair")]).run(50.0)
        >>> res.summary()["populations"]
        {'pair': {'n': 2, 'kind': 'excitatory', 'spikes': 4, 'mean_rate_hz': 40.0}}
        """
        return {"t_start_ms": self.t_start, "duration_ms": self.duration, "dt_ms": self.dt,
                "wall_time_s": self.wall_time,
                "populations": {name: {**info, "spikes": int(self.counts[name].sum()),
                                       "mean_rate_hz": self.mean_rate(name)}
                                for name, info in self.populations.items()}}

    def __repr__(self) -> str:
        rates = ", ".join(f"{k}: {self.mean_rate(k):.2f} Hz" for k in self.populations)
        return f"SimulationResult({self.duration:g} ms, {rates}; {self.wall_time:.2f} s)"


# --------------------------------------------------------------------------------------------- the network
class Network:
    """Populations and connections, built once (connectivity drawn from ``seed``) and run with :meth:`run`.

    ``dt`` in ms; ``dtype`` float64 (default) or float32 for the state and the weights. Connection ends
    given by name must name a population in ``populations``. Running again continues from where the last
    run stopped (``net.t`` is the time in ms).

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Connection, Network, PoissonGroup, Population
    >>> src = PoissonGroup(20, 50.0, name="input")
    >>> out = Population(5, v_rest=-65.0, v_reset=-65.0, name="out")
    >>> net = Network([src, out], [Connection("input", "out", weight=8.0, p=0.5)], dt=0.1, seed=0)
    >>> net.connectivity("input->out").n_synapses
    47
    >>> res = net.run(100.0, states={"out": ["v"]}, neurons={"out": [0]})
    >>> res.states["out"]["v"].shape, sorted(res.populations["input"].items())
    ((1000, 1), [('kind', 'input'), ('n', 20)])
    """

    def __init__(self, populations: Sequence[Population | PoissonGroup], connections: Sequence[Connection] = (),
                 *, dt: float = 0.1, seed: int | np.random.Generator | None = 0, dtype: Any = np.float64) -> None:
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner="Network")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = np.dtype(object)  # refused just below, with the value given
        if self.dtype not in (np.float32, np.float64):
            raise ParameterError(must_be("dtype", "float32 or float64", dtype, "Network"))
        self.seed = seed if isinstance(seed, int) or seed is None else None
        self._rng = make_rng(seed)
        self.populations = list(populations)
        self.connections = list(connections)
        for i, pop in enumerate(self.populations):
            if not isinstance(pop, (Population, PoissonGroup)):
                raise ParameterTypeError(f"Network populations[{i}] must be a Population or a PoissonGroup; "
                                         f"got {type(pop).__name__}")
            if pop.name is None:
                pop.name = f"population{i}"
        names = [str(p.name) for p in self.populations]
        for name in names:
            if names.count(name) > 1:
                raise ParameterError(f"Network: two populations are named {name!r}; give each a name of its own")
        self._by_name: dict[str, Population | PoissonGroup] = dict(zip(names, self.populations))
        self.t = 0.0
        self._step = 0
        self._build()

    # ------------------------------------------------------------------ building
    def population(self, name: str) -> Population | PoissonGroup:
        """The population called ``name`` (a close name is suggested for a typo)."""
        if name not in self._by_name:
            raise NameNotFoundError(_unknown("population", name, list(self._by_name)))
        return self._by_name[name]

    def connectivity(self, name: str) -> Connectivity:
        """The synapses drawn for connection ``name`` (CSR, local indices)."""
        if name not in self._connectivity:
            raise NameNotFoundError(_unknown("connection", name, list(self._connectivity)))
        return self._connectivity[name]

    def state_variables(self, population: str) -> tuple[str, ...]:
        """The state variables of ``population`` that :meth:`run` can record and :meth:`get_state` reads.

        ``"v"`` (the membrane potential, mV) and one ``"g_<synapse>"`` per synapse type, in the order of
        the population's ``synapses``: its synaptic current (mV) for ``kind="current"``, its conductance
        relative to the leak for ``kind="conductance"``. A :class:`PoissonGroup` has none: ``()``.

        Examples
        --------
        >>> from neuronkit.spiking.simulation import Network, PoissonGroup, Population
        >>> net = Network([PoissonGroup(5, 10.0, name="in"),
        ...                Population(3, synapses={"ampa": {"tau": 2.0}, "gaba": {"tau": 8.0}}, name="a")])
        >>> net.state_variables("a"), net.state_variables("in")
        (('v', 'g_ampa', 'g_gaba'), ())
        """
        pop = self.population(population)
        if not isinstance(pop, Population):
            return ()
        return ("v", *(f"g_{s}" for s in pop.synapses))

    def get_state(self, name: str, var: str = "v") -> np.ndarray:
        """A copy of state variable ``var`` (``"v"`` in mV, ``"g_<synapse>"``) of population ``name``, shape (n,).

        Examples
        --------
        >>> from neuronkit.spiking.simulation import Network, Population
        >>> net = Network([Population(3, v_init=-55.0, name="a")])
        >>> net.get_state("a").tolist(), net.get_state("a", "g_e").tolist()
        ([-55.0, -55.0, -55.0], [0.0, 0.0, 0.0])
        """
        block, offset, n, array = self._state_array(name, var, "get_state")
        return array[offset:offset + n].copy()

    def set_state(self, name: str, var: str, value: float | Sequence[float] | np.ndarray) -> None:
        """Set state variable ``var`` of population ``name`` to ``value`` (one number, or one per neuron).

        Examples
        --------
        >>> from neuronkit.spiking.simulation import Network, Population
        >>> net = Network([Population(2, name="a")])
        >>> net.set_state("a", "v", [-52.0, -58.0])
        >>> net.get_state("a").tolist()
        [-52.0, -58.0]
        """
        block, offset, n, array = self._state_array(name, var, "set_state")
        values = np.asarray(value, dtype=np.float64)
        if values.shape not in ((), (n,)) or not np.isfinite(values).all():
            raise ParameterError(must_be("value", f"a finite number or {n} of them (one per neuron of {name!r})",
                                         value, "Network.set_state"))
        array[offset:offset + n] = values

    def _state_array(self, name: str, var: str, method: str) -> tuple[_Block, int, int, np.ndarray]:
        pop = self.population(name)
        if not isinstance(pop, Population):
            raise ParameterError(f"Network.{method}: {name!r} is a PoissonGroup, which has no state variables")
        valid = list(self.state_variables(name))
        if var not in valid:
            raise NameNotFoundError(f"Network.{method}: " + _unknown("state variable", str(var), valid))
        block, offset = self._where[name]
        return block, offset, pop.n, block.v if var == "v" else block.g[var[2:]]

    def _build(self) -> None:
        rng, dt = self._rng, self.dt
        self._lif = [p for p in self.populations if isinstance(p, Population)]
        self._poisson = [p for p in self.populations if isinstance(p, PoissonGroup)]
        self._blocks = [_Block([p for p in self._lif if p.kind == kind], kind, dt, self.dtype, rng)
                        for kind in ("current", "conductance") if any(p.kind == kind for p in self._lif)]
        self._where: dict[str, tuple[_Block, int]] = {}  # LIF population -> (its block, its offset there)
        for block in self._blocks:
            for pop, offset in zip(block.populations, block.offsets):
                self._where[str(pop.name)] = (block, offset)
        self._sources: list[_Block | _PoissonSource] = [*self._blocks, *(_PoissonSource(p, dt) for p in self._poisson)]
        # population -> (the source that emits its spikes, its offset in that source's indices)
        self._emitter: dict[str, tuple[_Block | _PoissonSource, int]] = {}
        for source in self._sources:
            for name, lo, _ in source.ranges:
                self._emitter[name] = (source, lo)
        self._connectivity: dict[str, Connectivity] = {}
        plans: dict[tuple[int, int, str, int], list[tuple[Connectivity, int, int]]] = {}
        for i, con in enumerate(self.connections):
            if not isinstance(con, Connection):
                raise ParameterTypeError(f"Network connections[{i}] must be a Connection; got {type(con).__name__}")
            pre, post = self._resolve(con, con.pre, "pre", i), self._resolve(con, con.post, "post", i)
            if not isinstance(post, Population):
                raise ParameterError(f"Network connections[{i}] ({con.pre_name} -> {con.post_name}): post must "
                                     f"be a Population; {post.name!r} is a PoissonGroup, which has no synapses")
            owner = f"Connection {con.name or i} ({con.pre_name} -> {con.post_name})"
            if con.synapse not in post.synapses:
                raise ParameterError(f"{owner}: population {post.name!r} has no synapse type {con.synapse!r}; "
                                     f"its synapse types are: {', '.join(post.synapses)}")
            delay_steps = _whole_steps(con.delay, dt, "delay", owner)
            con_name = con.name or self._default_name(con)
            con.name = con_name
            if con_name in self._connectivity:
                raise ParameterError(f"Network: two connections are named {con_name!r}; give each a name= of "
                                     "its own")
            conn = _draw(con, pre.n, post.n, pre is post, delay_steps, post.kind, rng, self.dtype, owner)
            self._connectivity[con_name] = conn
            block, post_offset = self._where[str(post.name)]
            source, pre_offset = self._emitter[str(pre.name)]
            key = (self._sources.index(source), self._blocks.index(block), con.synapse, delay_steps)
            plans.setdefault(key, []).append((conn, pre_offset, post_offset))
        # Connections with the same source (a block of populations, or a Poisson group), target block,
        # synapse type and delay are merged into one projection, whose rows are all the source's neurons:
        # a step's spikes then cost one gather and one scatter per projection, whatever the number of
        # populations and connections, and are never split by population inside the loop.
        for (i, b, synapse, delay_steps), parts in plans.items():
            source = self._sources[i]
            source.projections.append(_Projection(parts, source.n, self._blocks[b], synapse, delay_steps,
                                                  self.dtype))
        for block in self._blocks:
            block.make_buffers([p for source in self._sources for p in source.projections])
        self._roles = self._infer_roles()

    def _resolve(self, con: Connection, end: Population | PoissonGroup | str, which: str,
                 i: int) -> Population | PoissonGroup:
        name = end if isinstance(end, str) else end.name
        if name not in self._by_name:
            raise NameNotFoundError(f"Network connections[{i}] {which}: "
                                    + _unknown("population", str(name), list(self._by_name)))
        found = self._by_name[str(name)]
        if not isinstance(end, str) and found is not end:
            raise ParameterError(f"Network connections[{i}] {which}: the population {name!r} given is not the "
                                 "one in the network's populations of that name; pass it in populations=[...]")
        return found

    def _default_name(self, con: Connection) -> str:
        base = f"{con.pre_name}->{con.post_name}"
        if base not in self._connectivity:
            return base
        base = f"{base}:{con.synapse}"
        k = 2
        name = base
        while name in self._connectivity:
            name, k = f"{base}#{k}", k + 1
        return name

    def _infer_roles(self) -> dict[str, str]:
        roles: dict[str, str] = {}
        for pop in self.populations:
            name = str(pop.name)
            if isinstance(pop, PoissonGroup):
                roles[name] = "input"
                continue
            if pop.role is not None:
                roles[name] = pop.role
                continue
            effect = 0.0
            for con in self.connections:
                if con.pre_name != name:
                    continue
                post = self._by_name[con.post_name]
                assert isinstance(post, Population)
                mean = con.weight[0] if isinstance(con.weight, tuple) else con.weight
                if post.kind == "conductance":
                    mean = abs(mean) * float(np.sign(post.synapses[con.synapse]["reversal"] - post.v_threshold))
                effect += mean * self._connectivity[str(con.name)].n_synapses
            roles[name] = "inhibitory" if effect < 0 else "excitatory"
        return roles

    # ------------------------------------------------------------------ running
    def run(self, duration_ms: float, *, spikes: bool | Sequence[str] = True,
            states: Mapping[str, Sequence[str]] | None = None,
            neurons: Mapping[str, Sequence[int]] | None = None, window: float | None = None,
            progress: bool | Callable[[int, int], object] = False) -> SimulationResult:
        """Advance the network by ``duration_ms`` (a whole number of steps) and return what was recorded.

        ``spikes``: ``True`` (every population), ``False``, or the names to record. ``states``: per population,
        the variables to record (:meth:`state_variables`: ``"v"``, ``"g_e"``, ...) for ``neurons[name]``
        (default: all of them). ``window`` (ms): keep only the last ``window`` ms of spikes and states
        (bounded memory for long runs).

        ``progress``: ``True`` draws a progress bar over the simulated time on standard error (tqdm; a
        line of text without it), or give a function ``progress(steps_done, steps_total)`` (steps of this
        run): it is called after every chunk of :data:`PROGRESS_STEPS` steps and at the end, never once per
        step, so watching costs the run nothing.

        Examples
        --------
        >>> from neuronkit.spiking.simulation import Network, Population
        >>> net = Network([Population(3, name="a")])
        >>> res = net.run(250.0, progress=lambda done, total: print(f"{done}/{total} steps"))
        1000/2500 steps
        2000/2500 steps
        2500/2500 steps
        """
        owner = "Network.run"
        steps = _whole_steps(check_number(duration_ms, "duration_ms", low=0.0, low_open=True, owner=owner),
                             self.dt, "duration_ms", owner)
        spike_names = self._spike_names(spikes)
        monitors = self._state_monitors(states or {}, neurons or {})
        window_steps = None
        if window is not None:
            window = check_number(window, "window", low=0.0, low_open=True, owner=owner)
            window_steps = max(1, min(steps, int(math.ceil(window / self.dt - _TOLERANCE))))
        if not (isinstance(progress, bool) or callable(progress)):
            raise ParameterTypeError(must_be("progress", "True, False or a function (steps_done, steps_total)",
                                             progress, owner))
        spike_log = _SpikeLog(self._sources, spike_names, window_steps)
        state_log = _StateLog(monitors, steps, window_steps, self.dtype)
        start_step, t_start = self._step, self.t
        bar = _ProgressBar(steps, self.dt) if progress is True else None
        report = bar.update if bar is not None else progress if callable(progress) else None
        wall = time.perf_counter()
        done = 0
        try:
            while done < steps:
                todo = min(PROGRESS_STEPS, steps - done)
                self._advance(self._step, todo, spike_log.fired, state_log)
                self._step += todo
                done += todo
                spike_log.compact(self._step)
                if report is not None:
                    report(done, steps)
        finally:
            if bar is not None:
                bar.close(done == steps)
        wall = time.perf_counter() - wall
        self.t = self._step * self.dt
        first = self._step - (window_steps if window_steps is not None else steps)
        state_rows = state_log.ordered(start_step, self._step)
        return SimulationResult(
            spikes=spike_log.result(self.dt, first),
            states=state_rows, state_times=np.arange(max(first, start_step), self._step) * self.dt,
            recorded_neurons={name: idx for name, (idx, _) in monitors.items()}, counts=spike_log.counts,
            populations={str(p.name): {"n": p.n, "kind": self._roles[str(p.name)]} for p in self.populations},
            t_start=t_start, duration=steps * self.dt, dt=self.dt, record_start=max(first, start_step) * self.dt,
            wall_time=wall)

    def _spike_names(self, spikes: bool | Sequence[str]) -> list[str]:
        if spikes is True:
            return [str(p.name) for p in self.populations]
        if spikes is False or spikes is None:
            return []
        if isinstance(spikes, str) or not isinstance(spikes, Sequence):
            raise ParameterTypeError(must_be("spikes", "True, False or a list of population names", spikes,
                                             "Network.run"))
        for name in spikes:
            self._check_population_name(name, "spikes")
        return list(dict.fromkeys(spikes))

    def _check_population_name(self, name: Any, where: str) -> None:
        if not isinstance(name, str) or name not in self._by_name:
            raise NameNotFoundError(f"Network.run {where}: " + _unknown("population", str(name),
                                                                       list(self._by_name)))

    def _state_monitors(self, states: Mapping[str, Sequence[str]], neurons: Mapping[str, Sequence[int]],
                        ) -> dict[str, tuple[np.ndarray, list[str]]]:
        if not isinstance(states, Mapping) or not isinstance(neurons, Mapping):
            raise ParameterTypeError("Network.run states and neurons must be dicts keyed by population name "
                                     "(states={'exc': ['v']}, neurons={'exc': [0, 1]})")
        for name in neurons:
            self._check_population_name(name, "neurons")
            if name not in states:
                raise ParameterError(f"Network.run neurons names {name!r} but states records nothing of it; add "
                                     f"states={{{name!r}: ['v']}}")
        monitors: dict[str, tuple[np.ndarray, list[str]]] = {}
        for name, variables in states.items():
            self._check_population_name(name, "states")
            pop = self._by_name[name]
            if not isinstance(pop, Population):
                raise ParameterError(f"Network.run states: {name!r} is a PoissonGroup, which has no state "
                                     "variables; record its spikes instead")
            valid = list(self.state_variables(name))
            if isinstance(variables, str):
                variables = [variables]
            for var in variables:
                if var not in valid:
                    raise NameNotFoundError(f"Network.run states[{name!r}]: "
                                            + _unknown("state variable", str(var), valid))
            if name in neurons:
                idx = np.asarray(neurons[name])
                if idx.ndim != 1 or idx.dtype.kind not in "iu":
                    raise ParameterTypeError(must_be(f"neurons[{name!r}]", "a list of neuron indices",
                                                     neurons[name], "Network.run"))
                bad = idx[(idx < 0) | (idx >= pop.n)]
                if bad.size:
                    raise IndexRangeError(f"Network.run neurons[{name!r}] has index {int(bad[0])}, but population "
                                          f"{name!r} has {pop.n} neurons (indices 0..{pop.n - 1})")
            else:
                idx = np.arange(pop.n)
            monitors[name] = (idx.astype(np.intp), list(dict.fromkeys(variables)))
        return monitors

    def _advance(self, first_step: int, steps: int, fired_log: list[list[tuple[int, np.ndarray]]],
                 state_log: _StateLog) -> None:
        """The inner loop: ``steps`` time steps from ``first_step``; kept small, everything preallocated.

        Every population integrates, fires and resets (``_Block.step``) before any spike is delivered:
        delivery only touches synaptic variables, so this is Brian2's order (groups, thresholds,
        synapses, resets). Spikes are logged per source as (step, indices) and counted later.
        """
        blocks = self._blocks
        emitters = [(source, source.projections, log) for source, log in zip(self._sources, fired_log)]
        delayed = [block for block in blocks if block.pending]
        rng = self._rng
        record_states = state_log.record if state_log.active else None
        where = self._where
        for step in range(first_step, first_step + steps):
            if record_states is not None:
                record_states(step, where)
            for block in blocks:
                block.step(step, rng)
            for source, projections, log in emitters:
                fired = source.fired if source.is_block else source.step(step, rng)
                if fired.size:
                    log.append((step, fired))
                    for projection in projections:
                        projection.send(fired, step)
            for block in delayed:
                block.receive(step)

    def config(self) -> dict[str, Any]:
        """The network as a JSON-able dict in the file format (:func:`network_from_config` rebuilds it)."""
        seed = self.seed if self.seed is not None else None
        network: dict[str, Any] = {"dt": self.dt, "seed": seed}
        if self.dtype != np.float64:
            network["dtype"] = str(self.dtype)
        return {"network": network, "population": [p.config() for p in self.populations],
                "connection": [c.config() for c in self.connections]}

    def __repr__(self) -> str:
        pops = ", ".join(f"{p.name}: {p.n}" for p in self.populations)
        n_syn = sum(c.n_synapses for c in self._connectivity.values())
        return f"Network({pops}; {len(self.connections)} connections, {n_syn} synapses; dt={self.dt} ms)"


# --------------------------------------------------------------------------------------------- internals
class _Block:
    """The LIF populations of one synapse kind, in one state vector (one set of array operations per step)."""

    def __init__(self, populations: list[Population], kind: str, dt: float, dtype: np.dtype,
                 rng: np.random.Generator) -> None:
        self.populations, self.kind, self.dtype = populations, kind, dtype
        sizes = [p.n for p in populations]
        self.offsets = [int(o) for o in np.cumsum([0, *sizes[:-1]])]
        self.bounds = np.cumsum(sizes)[:-1]  # where each population after the first starts
        self.names = [str(p.name) for p in populations]
        self.ranges = [(str(p.name), o, o + p.n) for p, o in zip(populations, self.offsets)]
        self.n = n = int(sum(sizes))
        self.projections: list[_Projection] = []
        self.is_block = True
        synapses = list(dict.fromkeys(s for p in populations for s in p.synapses))
        self.synapses = synapses

        def per_neuron(values: list[float]) -> Any:  # one number when all populations agree (cheaper)
            if all(v == values[0] for v in values):
                return dtype.type(values[0])
            return np.repeat(np.asarray(values, dtype=np.float64), sizes).astype(dtype)

        tau_m = np.array([p.tau_m for p in populations])
        self.v_rest = per_neuron([p.v_rest for p in populations])
        self.v_reset = per_neuron([p.v_reset for p in populations])
        self.v_threshold = per_neuron([p.v_threshold for p in populations])
        self.ref_steps = np.repeat(np.array([_refractory_steps(p, dt) for p in populations], dtype=np.int64), sizes)
        self.uniform_ref = bool((self.ref_steps == self.ref_steps[0]).all())
        self.max_ref = int(self.ref_steps.max())
        self.decay_m = per_neuron(list(np.exp(-dt / tau_m)))
        self.dt_over_tau_m = per_neuron(list(dt / tau_m))
        self.v_rest_leak = per_neuron([p.v_rest * -math.expm1(-dt / p.tau_m) for p in populations])
        self.decay: dict[str, Any] = {}
        self.coupling: dict[str, Any] = {}  # c_s of current synapses
        self.reversal: dict[str, Any] = {}
        for s in synapses:
            taus = [p.synapses[s]["tau"] if s in p.synapses else math.inf for p in populations]
            self.decay[s] = per_neuron([math.exp(-dt / tau) for tau in taus])
            if kind == "current":
                self.coupling[s] = per_neuron([_coupling(dt, p.tau_m, tau) for p, tau in zip(populations, taus)])
            else:
                self.reversal[s] = per_neuron([p.synapses[s].get("reversal", 0.0) if s in p.synapses else 0.0
                                               for p in populations])
        v = np.empty(n, dtype=dtype)
        for pop, offset in zip(populations, self.offsets):
            part = v[offset:offset + pop.n]
            if pop.v_init is None:
                part[:] = pop.v_rest
            elif isinstance(pop.v_init, tuple):
                part[:] = rng.uniform(pop.v_init[0], pop.v_init[1], pop.n)
            else:
                part[:] = pop.v_init
        self.v = v
        self.g = {s: np.zeros(n, dtype=dtype) for s in synapses}
        self.refractory_until = np.zeros(n, dtype=np.int64)  # first step at which the neuron integrates again
        self.last_refractory = -1  # the last step at which some neuron is still refractory
        self._tmp = np.empty(n, dtype=dtype)
        self._tmp2 = np.empty(n, dtype=dtype)
        self._mask = np.empty(n, dtype=bool)
        self.fired: np.ndarray = np.empty(0, dtype=np.intp)
        self.pending: dict[str, np.ndarray] = {}  # synapse -> (delay slots, n) ring buffer of delayed input
        self.pending_used: dict[str, list[bool]] = {}

    def make_buffers(self, projections: list[_Projection]) -> None:
        for proj in projections:
            if proj.block is self and proj.delay_steps > 0:
                slots = max(proj.delay_steps + 1, len(self.pending.get(proj.synapse, ())))
                self.pending[proj.synapse] = np.zeros((slots, self.n), dtype=self.dtype)
                self.pending_used[proj.synapse] = [False] * slots
        # (g_s, c_s, d_s) for the step: no dict lookups in the loop
        self._terms: list[tuple[np.ndarray, Any, Any]] = [(self.g[s], self.coupling.get(s), self.decay[s])
                                                          for s in self.synapses]

    def step(self, step: int, rng: np.random.Generator) -> np.ndarray:
        """Integrate from t to t + dt (v held while refractory), find the spikes (``self.fired``), reset them."""
        self.integrate(step)
        mask = self._mask
        np.greater(self.v, self.v_threshold, out=mask)
        fired: np.ndarray = mask.nonzero()[0]
        self.fired = fired
        if fired.size:
            self.v[fired] = self.v_reset if np.ndim(self.v_reset) == 0 else self.v_reset[fired]
            if self.max_ref > 0:
                self.refractory_until[fired] = step + (self.ref_steps[0] if self.uniform_ref
                                                       else self.ref_steps[fired])
                self.last_refractory = step + self.max_ref - 1
        return fired

    def integrate(self, step: int) -> None:
        v, tmp = self.v, self._tmp
        if self.kind == "current":
            v *= self.decay_m
            v += self.v_rest_leak
            for g, c, _ in self._terms:
                np.multiply(g, c, out=tmp)
                v += tmp
        else:
            # exponential Euler: G = 1 + sum g, v_inf = (v_rest + sum g E) / G, v <- v_inf + (v - v_inf) e^{-G dt/tau}
            big_g, drive = self._tmp, self._tmp2
            big_g.fill(1.0)
            drive[...] = self.v_rest
            for s, g in self.g.items():
                big_g += g
                drive += g * self.reversal[s]
            drive /= big_g  # v_inf
            v -= drive
            big_g *= -self.dt_over_tau_m
            np.exp(big_g, out=big_g)
            v *= big_g
            v += drive
        for g, _, d in self._terms:
            g *= d
        if step <= self.last_refractory:  # hold v at v_reset while refractory (not_refractory as in Brian2)
            np.less(step, self.refractory_until, out=self._mask)
            np.copyto(v, self.v_reset, where=self._mask)

    def receive(self, step: int) -> None:
        for s, buffer in self.pending.items():
            slot = step % len(buffer)
            used = self.pending_used[s]
            if used[slot]:
                self.g[s] += buffer[slot]
                buffer[slot].fill(0.0)
                used[slot] = False


class _ProgressBar:
    """``Network.run(progress=True)``: a tqdm bar over the simulated time (ms) on standard error.

    Without tqdm (it ships with ``neuronkit[train]``) a line of text is rewritten instead. Its rate is
    simulated milliseconds per second of wall time.
    """

    def __init__(self, steps: int, dt: float) -> None:
        self.dt = dt
        try:
            from tqdm.auto import tqdm
        except ImportError:  # pragma: no cover - tqdm ships with neuronkit[train]
            self.bar = None
            return
        self.bar = tqdm(total=steps * dt, unit="ms", desc="simulating", dynamic_ncols=True, leave=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} ms "
                                   "[{elapsed}<{remaining}, {rate_fmt}]")

    def update(self, done: int, steps: int) -> None:
        if self.bar is not None:
            self.bar.update(done * self.dt - self.bar.n)
        else:
            print(f"\r  simulated {done * self.dt:.1f} of {steps * self.dt:.1f} ms ({100 * done / steps:.0f}%)",
                  end="", file=sys.stderr, flush=True)

    def close(self, complete: bool) -> None:
        if self.bar is None:
            print(file=sys.stderr)
        elif complete:
            self.bar.close()
        else:  # interrupted (Ctrl-C, an error): the bar stays as last drawn, then a new line
            self.bar.fp.write("\n")
            self.bar.leave = False
            self.bar.close()


class _PoissonSource:
    def __init__(self, group: PoissonGroup, dt: float) -> None:
        self.name, self.n = str(group.name), group.n
        self.ranges = [(self.name, 0, self.n)]
        self.projections: list[_Projection] = []
        self.is_block = False
        self.fired = np.empty(0, dtype=np.intp)
        prob = np.asarray(group.rate_hz, dtype=np.float64) * dt / 1000.0
        if (prob > 1).any():
            raise ParameterError(f"PoissonGroup {group.name!r}: rate_hz * dt / 1000 must be <= 1 (at most one spike "
                                 f"per step); got rate {float(np.max(group.rate_hz)):g} Hz at dt {dt:g} ms. Lower "
                                 "the rate or dt")
        self.prob = float(prob) if prob.ndim == 0 else prob
        self.silent = bool(np.all(prob == 0))

    def step(self, step: int, rng: np.random.Generator) -> np.ndarray:
        if self.silent:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(rng.random(self.n) < self.prob)


class _Projection:
    """Merged connections from one source onto one synapse type of one block, with one delay."""

    def __init__(self, parts: list[tuple[Connectivity, int, int]], n_pre: int, block: _Block, synapse: str,
                 delay_steps: int, dtype: np.dtype) -> None:
        self.block, self.synapse, self.delay_steps = block, synapse, delay_steps
        pre = np.concatenate([np.repeat(np.arange(len(c.indptr) - 1) + pre_offset, np.diff(c.indptr))
                              for c, pre_offset, _ in parts])
        post = np.concatenate([c.indices.astype(np.intp) + post_offset for c, _, post_offset in parts])
        weights = np.concatenate([c.weights for c, _, _ in parts]).astype(dtype)
        order = np.argsort(pre, kind="stable")
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))]).astype(np.intp)
        self.indices = post[order]
        self.weights = weights[order]
        self.constant = bool(weights.size and (weights == weights[0]).all())
        self.weight: Any = self.weights[0] if self.constant else None
        self.target = block.g[synapse]
        # each presynaptic neuron's targets (and weights) as a view: a step's spikes gather them with one
        # list comprehension and one concatenate, without indexing indptr
        bounds = self.indptr.tolist()
        self.rows = [self.indices[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        self.weight_rows = None if self.constant else [self.weights[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def send(self, fired: np.ndarray, step: int) -> None:
        rows = self.rows
        if fired.size == 1:
            i = int(fired[0])
            targets = rows[i]
            weights: Any = self.weight if self.weight_rows is None else self.weight_rows[i]
        else:
            which = fired.tolist()
            targets = np.concatenate([rows[i] for i in which])
            weights = self.weight if self.weight_rows is None else np.concatenate(
                [self.weight_rows[i] for i in which])
        if not targets.size:
            return
        if self.delay_steps == 0:
            np.add.at(self.target, targets, weights)
        else:
            buffer = self.block.pending[self.synapse]
            slot = (step + self.delay_steps) % len(buffer)
            np.add.at(buffer[slot], targets, weights)
            self.block.pending_used[self.synapse][slot] = True


class _SpikeLog:
    """Spikes per source as (step, indices), folded every chunk of steps into counts and per-population chunks.

    Only the populations asked for keep their spikes; with a window, chunks older than it are dropped.
    """

    def __init__(self, sources: list[_Block | _PoissonSource], names: list[str], window_steps: int | None) -> None:
        self.sources, self.order, self.window_steps = sources, names, window_steps
        self.fired: list[list[tuple[int, np.ndarray]]] = [[] for _ in sources]
        self.source_counts = [np.zeros(source.n, dtype=np.int64) for source in sources]
        self.chunks: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {name: [] for name in names}

    @property
    def counts(self) -> dict[str, np.ndarray]:
        return {name: counts[lo:hi] for source, counts in zip(self.sources, self.source_counts)
                for name, lo, hi in source.ranges}

    def compact(self, now: int) -> None:
        """Fold the per-step entries into counts and chunks; drop chunks wholly before the window."""
        for source, entries, counts in zip(self.sources, self.fired, self.source_counts):
            if not entries:
                continue
            index = np.concatenate([f for _, f in entries])
            steps = np.repeat(np.array([s for s, _ in entries], dtype=np.int64), [f.size for _, f in entries])
            entries.clear()
            counts += np.bincount(index, minlength=source.n)
            for name, lo, hi in source.ranges:
                if name not in self.chunks:
                    continue
                if len(source.ranges) == 1:
                    self.chunks[name].append((steps, index.astype(np.int64)))
                else:
                    keep = (index >= lo) & (index < hi)
                    if keep.any():
                        self.chunks[name].append((steps[keep], index[keep].astype(np.int64) - lo))
        if self.window_steps is not None:
            first = now - self.window_steps
            for name, chunks in self.chunks.items():
                self.chunks[name] = [c for c in chunks if c[0][-1] >= first]

    def result(self, dt: float, first_step: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for name in self.order:
            chunks = self.chunks[name]
            steps = np.concatenate([c[0] for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
            index = np.concatenate([c[1] for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
            keep = steps >= first_step
            out[name] = (steps[keep] * dt, index[keep])
        return out


class _StateLog:
    """State monitors: preallocated (steps, n_recorded) arrays, or a ring of ``window`` rows."""

    def __init__(self, monitors: Mapping[str, tuple[np.ndarray, list[str]]], steps: int,
                 window_steps: int | None, dtype: np.dtype) -> None:
        self.monitors = monitors
        self.active = bool(monitors)
        self.rows = window_steps if window_steps is not None else steps
        self.data = {name: {var: np.empty((self.rows, idx.size), dtype=dtype) for var in variables}
                     for name, (idx, variables) in monitors.items()}
        self.start: int | None = None

    def record(self, step: int, where: Mapping[str, tuple[_Block, int]]) -> None:
        if self.start is None:
            self.start = step
        row = (step - self.start) % self.rows
        for name, (idx, variables) in self.monitors.items():
            block, offset = where[name]
            for var in variables:
                source = block.v if var == "v" else block.g[var[2:]]
                self.data[name][var][row] = source[idx + offset] if offset else source[idx]

    def ordered(self, start: int, stop: int) -> dict[str, dict[str, np.ndarray]]:
        total = stop - start
        if total <= self.rows:
            return self.data
        shift = total % self.rows  # the oldest kept row
        return {name: {var: np.roll(a, -shift, axis=0) for var, a in d.items()} for name, d in self.data.items()}


# --------------------------------------------------------------------------------------------- helpers
def _check_name(value: Any, name: str, owner: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterTypeError(must_be(name, "a non-empty string", value, owner))
    return value


def _check_init(v_init: Any, owner: str) -> float | tuple[float, float] | None:
    if v_init is None:
        return None
    if isinstance(v_init, (tuple, list)):
        if len(v_init) != 2:
            raise ParameterError(must_be("v_init", "None, a number or (low, high)", v_init, owner))
        low = check_number(v_init[0], "v_init low", owner=owner)
        high = check_number(v_init[1], "v_init high", low=low, owner=owner)
        return (low, high)
    return check_number(v_init, "v_init", owner=owner)


def _check_synapses(synapses: Any, kind: str, owner: str) -> dict[str, dict[str, float]]:
    if not isinstance(synapses, Mapping) or not synapses:
        raise ParameterTypeError(must_be("synapses", "a dict of synapse types ({'e': {'tau': 5.0}})", synapses, owner))
    keys = ("tau", "reversal") if kind == "conductance" else ("tau",)
    out: dict[str, dict[str, float]] = {}
    for s, params in synapses.items():
        _check_name(s, "synapse type", owner)
        if not isinstance(params, Mapping):
            raise ParameterTypeError(must_be(f"synapses[{s!r}]", "a dict like {'tau': 5.0}", params, owner))
        for key in params:
            if key not in keys:
                extra = " (a reversal potential needs kind='conductance')" if key == "reversal" else ""
                raise ParameterError(f"{owner} synapses[{s!r}]: unknown key {key!r}; valid keys: "
                                     f"{', '.join(keys)}{extra}")
        for key in keys:
            if key not in params:
                raise ParameterError(f"{owner} synapses[{s!r}] needs {key!r}"
                                     + (" (mV) for a conductance synapse" if key == "reversal" else " (ms)"))
        out[s] = {"tau": check_number(params["tau"], f"synapses[{s!r}] tau", low=0.0, low_open=True, owner=owner)}
        if kind == "conductance":
            out[s]["reversal"] = check_number(params["reversal"], f"synapses[{s!r}] reversal", owner=owner)
    return out


def _coupling(dt: float, tau_m: float, tau_s: float) -> float:
    """c_s = tau_s/(tau_s - tau_m) (e^{-dt/tau_s} - e^{-dt/tau_m}) in the form that holds at tau_s == tau_m."""
    if math.isinf(tau_s):
        return 0.0
    x = dt * (tau_s - tau_m) / (tau_m * tau_s)
    phi = math.expm1(x) / x if x != 0.0 else 1.0
    return math.exp(-dt / tau_m) * (dt / tau_m) * phi


def _whole_steps(value: float, dt: float, name: str, owner: str) -> int:
    """``value`` (ms) as a whole number of steps of ``dt``, or a refusal naming both."""
    steps = round(value / dt)
    if abs(steps * dt - value) > _TOLERANCE * max(abs(value), dt) or (value > 0 and steps == 0):
        hint = (f"not a multiple of dt ({dt:g} ms)" if value > dt else f"shorter than dt ({dt:g} ms)"
                + (": the smallest delay is dt, or 0" if name == "delay" else ""))
        raise ParameterError(f"{owner}: {name} = {value!r} ms is {hint}; use a whole number of steps, "
                             f"e.g. {max(steps, 1) * dt:g} ms")
    return int(steps)


def _refractory_steps(pop: Population, dt: float) -> int:
    return int(round(pop.refractory / dt))


def _draw(con: Connection, n_pre: int, n_post: int, same: bool, delay_steps: int, post_kind: str,
          rng: np.random.Generator, dtype: np.dtype, owner: str) -> Connectivity:
    """Draw one connection's synapses (CSR by presynaptic neuron) and weights."""
    no_self = same and not con.allow_self
    if con.in_degree is not None:
        available = n_pre - 1 if no_self else n_pre
        if con.in_degree > available:
            why = " (itself excluded: allow_self=False)" if no_self else ""
            raise ParameterError(f"{owner}: in_degree = {con.in_degree} but each neuron can have at most "
                                 f"{available} distinct inputs from {con.pre_name!r} ({n_pre} neurons){why}")
        pre_list, post_list = [], []
        for j in range(n_post):
            if no_self:
                chosen = rng.choice(n_pre - 1, con.in_degree, replace=False)
                chosen = chosen + (chosen >= j)  # skip j itself
            else:
                chosen = rng.choice(n_pre, con.in_degree, replace=False)
            pre_list.append(chosen)
            post_list.append(np.full(con.in_degree, j))
        pre = np.concatenate(pre_list) if pre_list else np.empty(0, dtype=np.int64)
        post = np.concatenate(post_list) if post_list else np.empty(0, dtype=np.int64)
        order = np.lexsort((post, pre))
        pre, post = pre[order], post[order]
    else:
        position = _bernoulli_positions(n_pre * n_post, float(con.p or 0.0), rng)
        pre, post = np.divmod(position, n_post)
        if no_self:
            keep = pre != post
            pre, post = pre[keep], post[keep]
    n_syn = pre.size
    if isinstance(con.weight, tuple):
        weights = rng.normal(con.weight[0], con.weight[1], n_syn)
        if post_kind == "conductance":
            np.maximum(weights, 0.0, out=weights)
    else:
        if post_kind == "conductance" and con.weight < 0:
            raise ParameterError(must_be("weight", ">= 0 (a conductance; inhibition comes from a synapse type "
                                         "with a low reversal potential)", con.weight, owner))
        weights = np.full(n_syn, con.weight)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))]).astype(np.int64)
    return Connectivity(indptr, post.astype(np.int64), weights.astype(dtype), n_post, delay_steps)


def _bernoulli_positions(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """The positions in ``range(total)`` kept by independent Bernoulli(p) draws, increasing.

    The gaps between kept positions are geometric, so they are drawn directly: about ``p * total`` numbers
    instead of ``total`` (Brian2 skips the same way).
    """
    if p == 0.0 or total == 0:
        return np.empty(0, dtype=np.int64)
    if p == 1.0:
        return np.arange(total, dtype=np.int64)
    parts = []
    last = -1
    expected = p * total
    while True:
        size = int(expected + 5 * math.sqrt(expected) + 100)
        position = last + np.cumsum(rng.geometric(p, size))
        if position[-1] >= total:
            parts.append(position[position < total])
            break
        parts.append(position)
        last = int(position[-1])
        expected = p * (total - last)
    return np.concatenate(parts).astype(np.int64)


def _unknown(kind: str, name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {kind} {name!r}; valid: {', '.join(valid) or '(none)'}{hint}"


# --------------------------------------------------------------------------------------------- CUBA
def cuba_network(seed: int | None = 0, *, n: int = 4000, dt: float = 0.1, dtype: Any = np.float64) -> Network:
    """Brian2's ``examples/CUBA.py``: Vogels & Abbott (2005) as benchmark 2 of Brette et al. (2007).

    4000 LIF neurons (``n``: 80% excitatory "exc", 20% inhibitory "inh"), tau_m = 20 ms, v_rest = -49 mV,
    v_threshold = -50 mV, v_reset = -60 mV, refractory 5 ms, v drawn uniformly in [-60, -50] mV; exponential
    current synapses tau_e = 5 ms, tau_i = 10 ms; every pair connected with p = 0.02 (self-connections
    allowed, as Brian2's ``connect('i<3200', p=0.02)``), weights w_e = 60 * 0.27 / 10 = 1.62 mV and
    w_i = -20 * 4.5 / 10 = -9 mV, no delays. Brian2 runs it for 1 s at dt = 0.1 ms: about 5.6 Hz.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import cuba_network
    >>> net = cuba_network(seed=1, n=400)
    >>> [p.n for p in net.populations], [round(c.weight, 6) for c in net.connections]
    ([320, 80], [1.62, 1.62, -9.0, -9.0])
    """
    n = check_int(n, "n", low=5, owner="cuba_network")
    n_exc = n * 4 // 5
    common: dict[str, Any] = {"tau_m": 20.0, "v_rest": -49.0, "v_reset": -60.0, "v_threshold": -50.0,
                              "refractory": 5.0, "v_init": (-60.0, -50.0),
                              "synapses": {"e": {"tau": 5.0}, "i": {"tau": 10.0}}}
    exc = Population(n_exc, name="exc", role="excitatory", **common)
    inh = Population(n - n_exc, name="inh", role="inhibitory", **common)
    w_e, w_i = 60 * 0.27 / 10, -20 * 4.5 / 10
    connections = [Connection(pre, post, synapse=s, weight=w, p=0.02, allow_self=True)
                   for pre, s, w in ((exc, "e", w_e), (inh, "i", w_i)) for post in (exc, inh)]
    return Network([exc, inh], connections, dt=dt, seed=seed, dtype=dtype)


# --------------------------------------------------------------------------------------------- files
_NETWORK_KEYS = ("dt", "seed", "duration", "dtype")
_LIF_KEYS = ("name", "type", "n", "tau_m", "v_rest", "v_reset", "v_threshold", "refractory", "v_init", "synapses",
             "kind", "role")
_POISSON_KEYS = ("name", "type", "n", "rate_hz")
_CONNECTION_KEYS = ("name", "pre", "post", "synapse", "weight", "p", "in_degree", "delay", "allow_self")
_RECORD_KEYS = ("spikes", "states", "neurons", "window")
_TOP_KEYS = ("network", "population", "connection", "record")


def _check_keys(table: Any, valid: tuple[str, ...], where: str, source: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ParameterError(f"{source}: {where} must be a table of keys ({', '.join(valid)}); got {table!r}")
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(f"{source}: {where}: unknown key {key!r}; valid keys: {', '.join(valid)}{hint}")
    return dict(table)


def _tables(config: Mapping[str, Any], key: str, source: str) -> list[Any]:
    tables = config.get(key, [])
    if not isinstance(tables, list):
        raise ParameterError(f"{source}: {key!r} must be a list of tables ([[{key}]] in TOML); got {tables!r}")
    return tables


def _parse(config: Any, source: str) -> tuple[Network, dict[str, Any]]:
    config = _check_keys(config, _TOP_KEYS, "the top level", source)
    network = _check_keys(config.get("network", {}), _NETWORK_KEYS, "[network]", source)
    populations: list[Population | PoissonGroup] = []
    for i, table in enumerate(_tables(config, "population", source)):
        label = f"[[population]] {i + 1}" + (f" ({table['name']!r})" if isinstance(table, Mapping)
                                             and "name" in table else "")
        kind = table.get("type", "lif") if isinstance(table, Mapping) else "lif"
        if kind not in ("lif", "poisson"):
            raise ParameterError(f"{source}: {label}: type must be 'lif' or 'poisson'; got {kind!r}")
        params = _check_keys(table, _POISSON_KEYS if kind == "poisson" else _LIF_KEYS, label, source)
        params.pop("type", None)
        try:
            if kind == "poisson":
                for key in ("n", "rate_hz"):
                    if key not in params:
                        raise ParameterError(f"needs {key!r}")
                populations.append(PoissonGroup(params.pop("n"), params.pop("rate_hz"), **params))
            else:
                if "n" not in params:
                    raise ParameterError("needs 'n' (the number of neurons)")
                v_init = params.get("v_init")
                if isinstance(v_init, list):
                    params["v_init"] = tuple(v_init)
                populations.append(Population(params.pop("n"), **params))
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"{source}: {label}: {exc}") from None
    connections = []
    for i, table in enumerate(_tables(config, "connection", source)):
        label = f"[[connection]] {i + 1}"
        params = _check_keys(table, _CONNECTION_KEYS, label, source)
        try:
            for key in ("pre", "post", "weight"):
                if key not in params:
                    raise ParameterError(f"needs {key!r}")
            if isinstance(params["weight"], list):
                params["weight"] = tuple(params["weight"])
            connections.append(Connection(params.pop("pre"), params.pop("post"), **params))
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"{source}: {label}: {exc}") from None
    dtype = network.get("dtype", "float64")
    if dtype not in ("float32", "float64"):
        raise ParameterError(f"{source}: [network] dtype must be 'float32' or 'float64'; got {dtype!r}")
    seed = network.get("seed", 0)
    if seed is not None:
        seed = check_int(seed, "seed", low=0, owner=f"{source}: [network]")
    try:
        net = Network(populations, connections, dt=network.get("dt", 0.1), seed=seed, dtype=dtype)
    except (ValueError, TypeError, KeyError) as exc:
        raise type(exc)(f"{source}: {exc}") from None
    record = _check_keys(config.get("record", {}), _RECORD_KEYS, "[record]", source)
    options: dict[str, Any] = {"duration_ms": check_number(network.get("duration", 1000.0), "duration",
                                                           low=0.0, low_open=True, owner=f"{source}: [network]")}
    options.update(record)
    # the run's own checks, now, so that a bad [record] is refused naming the file before anything runs
    try:
        net._spike_names(options.get("spikes", True))
        net._state_monitors(options.get("states") or {}, options.get("neurons") or {})
        if options.get("window") is not None:
            check_number(options["window"], "window", low=0.0, low_open=True)
        _whole_steps(options["duration_ms"], net.dt, "duration", "[network]")
    except (ValueError, TypeError, KeyError) as exc:
        raise type(exc)(f"{source}: [record]/[network]: {exc}") from None
    return net, options


def network_from_config(config: Mapping[str, Any]) -> Network:
    """A :class:`Network` from a dict in the file format (the module docstring), as :meth:`Network.config` gives.

    Unknown keys are refused, naming the table and the key. (``[record]`` and ``duration`` are checked too;
    :func:`load_network` returns them as run options.)

    Examples
    --------
    >>> from neuronkit.spiking.simulation import cuba_network, network_from_config
    >>> net = network_from_config(cuba_network(seed=3, n=100).config())
    >>> net.connectivity("exc->inh").n_synapses == cuba_network(seed=3, n=100).connectivity("exc->inh").n_synapses
    True
    """
    return _parse(config, "config")[0]


def load_network(path: str | Path) -> tuple[Network, dict[str, Any]]:
    """Read a network file (``.toml`` or ``.json``): the :class:`Network` and the options for :meth:`Network.run`.

    The run options are ``duration_ms`` (from ``[network] duration``, default 1000) and the ``[record]``
    keys (``spikes``, ``states``, ``neurons``, ``window``): ``net.run(**options)``. A file that cannot be
    read, or holds an unknown key or a bad value, is refused naming the file and the key.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from neuronkit.spiking.simulation import load_network
    >>> spec = {"network": {"dt": 0.1, "duration": 30.0},
    ...         "population": [{"name": "a", "n": 3, "v_rest": -45.0, "v_init": -60.0}],
    ...         "record": {"spikes": ["a"]}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
    >>> _ = path.write_text(json.dumps(spec))
    >>> net, options = load_network(path)
    >>> options
    {'duration_ms': 30.0, 'spikes': ['a']}
    >>> net.run(**options).spikes["a"][0][:3]
    array([21.9, 21.9, 21.9])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise DataError(f"{path}: a network file must end in .toml or .json; got {suffix or 'no suffix'!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"network file {path} does not exist") from None
    try:
        config = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from None
    return _parse(config, str(path))
