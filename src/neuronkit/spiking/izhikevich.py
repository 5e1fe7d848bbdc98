"""The Izhikevich (2003) neuron: two variables, four parameters, the firing patterns of cortical cells.

Izhikevich, E. M. (2003). Simple model of spiking neurons. *IEEE Transactions on Neural
Networks* 14(6), 1569-1572. https://doi.org/10.1109/TNN.2003.820440

.. math::

    v' = 0.04 v^2 + 5 v + 140 - u + I, \\qquad u' = a (b v - u), \\qquad
    \\text{if } v \\ge 30\\text{ mV: } v \\leftarrow c,\\; u \\leftarrow u + d

``v`` is the membrane potential (mV), ``u`` a recovery variable (potassium activation and
sodium inactivation, lumped) that pulls ``v`` down; time is in ms. The four numbers
``a, b, c, d`` choose the cell type: :data:`IZHIKEVICH_PRESETS` holds the paper's table.

>>> import numpy as np
>>> from neuronkit.spiking import Izhikevich
>>> rs = Izhikevich.preset("regular_spiking", dt=0.05)          # one step = 0.1 ms
>>> current = np.zeros((3000, 1, 1)); current[200:] = 10.0       # rest 20 ms, then I = 10 for 280 ms
>>> spike_times = np.flatnonzero(rs(current).data[:, 0, 0]) / 10  # ms
>>> np.round(np.diff(spike_times), 1).tolist()                   # inter-spike intervals: they grow
[21.6, 45.1, 45.1, 45.2, 45.2, 45.1]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import ParameterError, ShapeError
from ..layers.base import ArraySpec, check_name, constructor_options, label, layer_input, register_layer
from ..registry import Registry
from ..validation import check_number, check_options, must_be
from .neurons import SpikingNeuron
from .record import emit

__all__ = ["IZHIKEVICH_PRESETS", "Izhikevich"]

#: The cell types of Izhikevich (2003), Fig. 2: name -> (a, b, c, d); the aliases are the paper's abbreviations
IZHIKEVICH_PRESETS: Registry[tuple[float, float, float, float]] = Registry("Izhikevich preset")
IZHIKEVICH_PRESETS.register("regular_spiking", (0.02, 0.2, -65.0, 8.0), aliases=("RS",))
IZHIKEVICH_PRESETS.register("intrinsically_bursting", (0.02, 0.2, -55.0, 4.0), aliases=("IB",))
IZHIKEVICH_PRESETS.register("chattering", (0.02, 0.2, -50.0, 2.0), aliases=("CH",))
IZHIKEVICH_PRESETS.register("fast_spiking", (0.1, 0.2, -65.0, 2.0), aliases=("FS",))
IZHIKEVICH_PRESETS.register("low_threshold_spiking", (0.02, 0.25, -65.0, 2.0), aliases=("LTS",))


@register_layer
class Izhikevich(SpikingNeuron):
    """A population of Izhikevich (2003) neurons, one per input current: currents (T, batch, ...) -> spikes.

    **The model** (time in ms, ``v`` in mV; ``I`` is the input current, in the paper's units)::

        v' = 0.04 v² + 5 v + 140 - u + I
        u' = a (b v - u)
        if v >= v_peak (30 mV):  v <- c,  u <- u + d

    **How it is integrated: the paper's scheme.** The MATLAB code of the paper advances one
    1 ms step as: reset the neurons whose ``v`` reached 30 mV in the previous step, then two
    Euler half steps of 0.5 ms for ``v`` ("for numerical stability") with the same ``u`` and
    ``I``, then one Euler step of 1 ms for ``u`` from the *new* ``v``. One call of :meth:`step`
    is that, with ``dt`` the half step (the paper's 0.5 ms), so a step covers ``2·dt`` ms
    (:attr:`step_ms`)::

        fired = v >= v_peak                          # the spike of the previous step
        v <- c where fired;  u <- u + d where fired
        v <- v + dt (0.04 v² + 5 v + 140 - u + I)     # half step 1
        v <- v + dt (0.04 v² + 5 v + 140 - u + I)     # half step 2
        u <- u + 2 dt · a (b v - u)                    # one full step, from the new v
        spikes = (v >= v_peak)
        v <- min(v, v_peak)

    The last line draws a spike at its peak, as the paper's figures do (a half step can throw
    ``v`` far above 30 mV; that value only says a spike happened, and the next step resets ``v``
    to ``c`` whatever it is, so capping it changes no spike and no ``u``).

    The default ``dt = 0.5`` is the paper's network code (1 ms steps): spike times fall on
    whole ms and, for fast cells, come out irregular. ``dt = 0.05`` (0.1 ms steps, the
    resolution the paper states for its Fig. 2) reproduces the figure's firing patterns; the
    tests and :func:`~neuronkit.spiking.plots.izhikevich_gallery` use it.

    **State** ``("v", "u")``: start at ``v_init`` (-65 mV) and ``u_init`` (default ``b·v_init``,
    as the paper's code). Both are recorded by :func:`~neuronkit.spiking.record`
    (``rec[name]["v"]``, ``["u"]``, ``["spikes"]``, each (T, batch, ...)).

    **No gradient**: the spikes are a step function of the currents and this model has no
    surrogate gradient, so its output carries no graph (train ``LIF`` networks; use this
    one to simulate and look). The time loop runs on NumPy arrays (no fused primitive is needed
    without a backward pass), vectorised over the batch and the neurons.

    Parameters
    ----------
    a, b, c, d : float
        Time scale of ``u`` (1/ms), sensitivity of ``u`` to ``v``, reset potential (mV, below
        ``v_peak``), after-spike jump of ``u``. :meth:`preset` gives the paper's cell types.
    dt : float
        The Euler half step for ``v`` in ms (> 0); a step covers ``2·dt`` ms.
    v_peak : float
        The spike cut-off (mV).
    v_init, u_init : float
        The initial state; ``u_init=None`` means ``b·v_init``.

    Examples
    --------
    One step by hand (RS: a, b, c, d = 0.02, 0.2, -65, 8; v = -65, u = b·v = -13, I = 10):
    v' = 0.04·4225 - 325 + 140 + 13 + 10 = 7, so v = -65 + 0.5·7 = -61.5; then
    v' = 0.04·3782.25 - 307.5 + 153 + 10 = 6.79, so v = -61.5 + 0.5·6.79 = -58.105;
    u = -13 + 1·0.02·(0.2·(-58.105) + 13) = -12.9724.

    >>> import numpy as np
    >>> from neuronkit.spiking import Izhikevich
    >>> rs = Izhikevich.preset("RS")
    >>> spikes, state = rs.step(np.array([10.0]), rs.initial_state((1,), np.float64))
    >>> spikes, np.round(state["v"], 4), np.round(state["u"], 4)
    (array([0.]), array([-58.105]), array([-12.9724]))
    """

    state_names = ("v", "u")

    def __init__(self, a: float, b: float, c: float, d: float, *, dt: float = 0.5, v_peak: float = 30.0,
                 v_init: float = -65.0, u_init: float | None = None, name: str | None = None) -> None:
        owner = "Izhikevich"
        self.a = check_number(a, "a", owner=owner)
        self.b = check_number(b, "b", owner=owner)
        self.v_peak = check_number(v_peak, "v_peak", owner=owner)
        self.c = check_number(c, "c", owner=owner)
        if self.c >= self.v_peak:
            raise ParameterError(must_be("c", f"below v_peak = {self.v_peak:g} mV (c is the potential a spike resets "
                                         "to; at or above the peak the neuron would fire at every step)", c, owner))
        self.d = check_number(d, "d", owner=owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        self.v_init = check_number(v_init, "v_init", owner=owner)
        self.u_init = None if u_init is None else check_number(u_init, "u_init", owner=owner)
        self.name = check_name(name, owner)

    @classmethod
    def preset(cls, name: str, /, **options: Any) -> Izhikevich:
        """The paper's cell type ``name`` (see :data:`IZHIKEVICH_PRESETS`); ``options`` go to the constructor.

        Options may also override ``a``, ``b``, ``c`` or ``d`` (a variant of the cell type).

        >>> from neuronkit.spiking import Izhikevich
        >>> Izhikevich.preset("chattering", dt=0.05, name="ch")
        Izhikevich(a=0.02, b=0.2, c=-50.0, d=2.0, dt=0.05)
        >>> Izhikevich.preset("RS", d=6.0).d
        6.0
        >>> try:
        ...     Izhikevich.preset("bursting")
        ... except ValueError as error:
        ...     print(str(error)[:58])
        unknown Izhikevich preset 'bursting'; valid names are: reg
        """
        check_options("Izhikevich preset", name, cls, options)
        params: dict[str, Any] = dict(zip("abcd", IZHIKEVICH_PRESETS.get(name)))
        params.update(options)
        return cls(**params)

    @property
    def step_ms(self) -> float:
        """The time one step covers, in ms: ``2·dt`` (two half steps of ``v``, one step of ``u``).

        >>> from neuronkit.spiking import Izhikevich
        >>> Izhikevich.preset("FS", dt=0.05).step_ms
        0.1
        """
        return 2.0 * self.dt

    def initial_state(self, shape: tuple[int, ...], dtype: Any = np.float32) -> dict[str, np.ndarray]:
        """``v = v_init`` and ``u = u_init`` (default ``b·v_init``) for every neuron of ``shape`` (batch, ...)."""
        u_init = self.b * self.v_init if self.u_init is None else self.u_init
        return {"v": np.full(shape, self.v_init, dtype=dtype), "u": np.full(shape, u_init, dtype=dtype)}

    def step(self, current: Any, state: dict[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One step of ``2·dt`` ms, the paper's scheme (see the class docstring): spikes and the new (v, u)."""
        current = current.data if isinstance(current, Tensor) else np.asarray(current)
        v, u = state["v"], state["u"]
        a, b, c, d, dt = self.a, self.b, self.c, self.d, self.dt
        fired = v >= self.v_peak                               # the spike of the previous step
        v = np.where(fired, c, v)                              # v <- c
        u = np.where(fired, u + d, u)                          # u <- u + d
        v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current)   # half step 1
        v = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current)   # half step 2
        u = u + 2.0 * dt * a * (b * v - u)                     # one full step, from the new v
        spikes = (v >= self.v_peak).astype(v.dtype)
        v = np.minimum(v, self.v_peak)                         # a spike drawn at its peak
        return spikes, {"v": v, "u": u}

    def forward(self, currents: Any) -> Tensor:
        """The spikes (T, batch, ...) for input currents (T, batch, ...); emits ``spikes``, ``v`` and ``u``."""
        x = layer_input(self, currents, None, None).data
        if x.ndim < 2:
            raise ShapeError(f"layer {label(self)!r} takes time-major currents (T, batch, ...); got shape {x.shape}. "
                             "Give one row of currents per time step: for one neuron over T steps, shape (T, 1, 1)")
        if x.shape[0] == 0:
            raise ShapeError(f"layer {label(self)!r} got currents with T = 0 time steps (shape {x.shape}); "
                             "give at least one step")
        state: dict[str, np.ndarray] = self.initial_state(x.shape[1:], x.dtype)
        spikes = np.empty_like(x)
        trace = {name: np.empty_like(x) for name in self.state_names}
        for t in range(x.shape[0]):
            spikes[t], state = self.step(x[t], state)
            for name in self.state_names:
                trace[name][t] = state[name]
        emit(self, {"spikes": spikes, **trace})
        return Tensor(spikes)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: the model's parameters are numbers in its config, not arrays (they are checked all the same)."""
        cls.from_config(dict(constructor_options(cls, config, "Izhikevich")))
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "Izhikevich", "a": self.a, "b": self.b, "c": self.c, "d": self.d, "dt": self.dt,
                "v_peak": self.v_peak, "v_init": self.v_init, "u_init": self.u_init, "name": self.name}

    def __repr__(self) -> str:
        return f"Izhikevich(a={self.a}, b={self.b}, c={self.c}, d={self.d}, dt={self.dt})"

