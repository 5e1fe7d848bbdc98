r"""Local learning rules: weight changes from pre- and post-synaptic spikes, without gradients.

A :class:`PlasticityRule` sees, at each time step, the spikes that arrive at a weight matrix
(``pre``, shape ``(batch, n_pre)``) and the spikes its neurons fire (``post``, ``(batch, n_post)``),
keeps its own traces in a state dict, and returns the change of the weights ``(n_post, n_pre)``
(rows are the postsynaptic neurons, as in :class:`~neuronkit.layers.Dense`). A rule never runs
inside ``backward``: a training loop of its own, :func:`~neuronkit.spiking.learning.learn`, applies it.

This file holds the rules. The interface they implement (:class:`PlasticityRule`), the registry
(:data:`PLASTICITY_RULES`, :func:`get_rule`) and the loop (:func:`~neuronkit.spiking.learning.learn`,
:class:`~neuronkit.spiking.learning.LearnHistory`) are in :mod:`neuronkit.spiking.learning`, re-exported
here. Each rule is registered beside its definition; other modules register theirs with
``PLASTICITY_RULES.register(name, cls)``.

* :class:`PairSTDP` (``"stdp"``): pre-before-post potentiates, post-before-pre depresses
  (additive or multiplicative, all-to-all or nearest-spike traces)
* :class:`TripletSTDP` (``"triplet"``): Pfister & Gerstner (2006), pairs plus post-pre-post triplets
* :class:`RewardSTDP` (``"rstdp"``): STDP into an eligibility trace, turned into a weight change by a
  reward (a third factor)
* :class:`Hebbian` (``"hebbian"``): dw = lr · post ⊗ pre
* :class:`Oja` (``"oja"``): Hebb with a decay; the weights go to the first principal component, unit norm
* :class:`SynapticScaling` (``"synaptic_scaling"``): each neuron's incoming weights scaled towards a
  target rate
* :class:`AdaptiveThreshold` (``"intrinsic"``): each neuron's threshold moved towards a target rate
* :class:`CombinedRule` (``"combined"``): several of these on the same weights at once

**Conventions.** Times are in milliseconds (``dt``, the ``tau``\ s); rates in Hz. Spikes are
numbers per step (0/1 for spikes; :class:`Hebbian` and :class:`Oja` take rates too). Every rule
sums its change over the batch rows (the rows are independent presentations). All rules with
traces run one step in the same order, so that their results can be worked out by hand:

1. the traces decay over the step: :math:`x \leftarrow x\, e^{-dt/\tau}`;
2. the weight change is computed from the spikes of this step and the traces as they are now
   (before this step's spikes are added to them);
3. this step's spikes are added to the traces.

So a pre and a post spike in the same step do not see each other (that pair gives no change),
and a pre spike at step :math:`t_0` and a post spike at :math:`t_0 + n` give
:math:`A_+ e^{-n\,dt/\tau_+}` exactly.

Rules that act on the neurons rather than on the weights (:class:`AdaptiveThreshold`) also
define :meth:`PlasticityRule.update_neuron`; :func:`learn` calls it after :meth:`~PlasticityRule.step`
and gives the neuron model the new values.

>>> import math
>>> import numpy as np
>>> from neuronkit.spiking.plasticity import get_rule
>>> rule = get_rule("stdp", a_plus=0.1, a_minus=0.1, tau_plus=20.0, tau_minus=20.0)
>>> w = np.full((1, 1), 0.5)
>>> state = rule.initial_state(1, 1)
>>> for pre, post in [(1, 0), (0, 0), (0, 1)]:            # pre at t=0, post at t=2
...     w += rule.step(w, np.array([[pre]], float), np.array([[post]], float), state)
>>> round(float(w[0, 0] - 0.5), 6), round(0.1 * math.exp(-2 / 20), 6)
(0.090484, 0.090484)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..validation import check_array, check_choice, check_number, must_be
from .learning import PLASTICITY_RULES, LearnHistory, PlasticityRule, get_rule, learn

# PLASTICITY_RULES, LearnHistory, PlasticityRule, get_rule and learn are learning.py's, listed here too
__all__ = ["PLASTICITY_RULES", "AdaptiveThreshold", "CombinedRule", "Hebbian", "LearnHistory", "Oja", "PairSTDP",
           "PlasticityRule", "RewardSTDP", "SynapticScaling", "TripletSTDP", "get_rule", "learn"]


# ---------------------------------------------------------------------------------- shared checks
def _magnitude(value: Any, name: str, owner: str, sign: str) -> float:
    """A learning rate or amplitude >= 0: a negative one is refused, saying the sign is part of the rule."""
    if isinstance(value, Real) and not isinstance(value, bool) and float(value) < 0:
        raise ParameterError(must_be(name, "a finite number >= 0", value, owner) +
                             f": it is a magnitude, the sign is built into the rule ({sign})")
    return check_number(value, name, low=0.0, owner=owner)


def _time_constant(value: Any, name: str, owner: str) -> float:
    return check_number(value, name, low=0.0, low_open=True, owner=owner)


def _bounds(w_min: Any, w_max: Any, owner: str, *, required: bool = False) -> tuple[float | None, float | None]:
    """Weight bounds (``None``: open on that side; ``required``: both must be set), ``w_min < w_max``."""
    low = None if w_min is None else check_number(w_min, "w_min", owner=owner)
    high = None if w_max is None else check_number(w_max, "w_max", owner=owner)
    if required and (low is None or high is None):
        raise ParameterError(f"{owner} needs finite w_min and w_max (the multiplicative variant's soft bounds scale "
                             f"the changes by the distance to them); got w_min={w_min!r}, w_max={w_max!r}")
    if low is not None and high is not None and not low < high:
        raise ParameterError(f"{owner} w_min must be below w_max; got w_min={w_min!r}, w_max={w_max!r}")
    return low, high


def _spikes(value: Any, name: str, owner: str) -> np.ndarray:
    """One step's spikes (or rates) as a 2-D float array ``(batch, n)``."""
    if isinstance(value, Tensor):
        raise ParameterTypeError(f"{owner} {name} is a Tensor; rules run on NumPy arrays (give {name}.data), so "
                                 "that no autodiff graph grows")
    array = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=np.float64)
    if array.ndim != 2:
        raise ShapeError(f"{owner} {name} must be one step's spikes, shape (batch, neurons); got shape {array.shape}")
    return array


def _check_step(owner: str, weights: np.ndarray, pre: Any, post: Any) -> tuple[np.ndarray, np.ndarray]:
    """``pre`` (batch, n_pre) and ``post`` (batch, n_post) that fit ``weights`` (n_post, n_pre)."""
    if not isinstance(weights, np.ndarray):
        raise ParameterTypeError(must_be("weights", "a NumPy array (n_post, n_pre), e.g. layer.synapse.weight.data",
                                         type(weights).__name__, owner))
    pre, post = _spikes(pre, "pre", owner), _spikes(post, "post", owner)
    if weights.ndim != 2 or pre.shape[0] != post.shape[0] or weights.shape != (post.shape[1], pre.shape[1]):
        raise ShapeError(f"{owner}: weights {weights.shape} must be (n_post, n_pre) for pre {pre.shape} "
                         f"(batch, n_pre) and post {post.shape} (batch, n_post)")
    return pre, post


def _add_spikes(trace: np.ndarray, spikes: np.ndarray, nearest: bool) -> None:
    """Step 3 of every trace rule: all-to-all adds the spikes, nearest sets the trace to 1 where one came."""
    if nearest:
        np.copyto(trace, 1.0, where=spikes != 0)
    else:
        trace += spikes


def _rate_state(n_post: int, batch: int, dtype: Any, start: float) -> np.ndarray:
    return np.full((batch, n_post), start, dtype=dtype)


def _update_rate(rate: np.ndarray, post: np.ndarray, decay: float, dt: float) -> None:
    r"""The rate estimate (Hz): :math:`r \leftarrow d\, r + (1 - d)\, 1000\, s / dt`, :math:`d = e^{-dt/\tau}`."""
    rate *= decay
    rate += (1.0 - decay) * (1000.0 / dt) * post


# ---------------------------------------------------------------------------------- pair STDP
class PairSTDP(PlasticityRule):
    r"""Pair-based spike-timing-dependent plasticity with a pre trace x and a post trace y.

    Per step (the order of the module docstring: decay, change, then add this step's spikes),
    for presynaptic input j and postsynaptic neuron i:

    .. math::
        x_j &\leftarrow x_j\, e^{-dt/\tau_+}, \qquad y_i \leftarrow y_i\, e^{-dt/\tau_-} \\
        \Delta w_{ij} &= A_+\, F_+(w_{ij})\, s^{post}_i\, x_j \;-\; A_-\, F_-(w_{ij})\, s^{pre}_j\, y_i \\
        x_j &\leftarrow x_j + s^{pre}_j \;\;(\text{"nearest": } 1), \qquad
        y_i \leftarrow y_i + s^{post}_i \;\;(\text{"nearest": } 1)

    summed over the batch rows. ``variant="additive"``: :math:`F_\pm = 1` and the weights are then
    clipped to ``[w_min, w_max]`` (hard bounds, Song et al. 2000); ``"multiplicative"``: soft bounds
    :math:`F_+ = w_{max} - w`, :math:`F_- = w - w_{min}` (van Rossum et al. 2000, Gütig et al. 2003).
    A pre spike at step :math:`t_0` and a post spike at :math:`t_0 + n` (:math:`n \ge 1`) change
    the weight by :math:`A_+ e^{-n\,dt/\tau_+}`; the reverse order by :math:`-A_- e^{-n\,dt/\tau_-}`;
    a pre and a post spike in the same step by nothing (neither is in the other's trace yet).

    Parameters
    ----------
    a_plus, a_minus : float, >= 0
        :math:`A_+`, :math:`A_-`: magnitudes (the depression's minus sign is part of the rule).
        Defaults 0.01 and 0.0105 (A-/A+ = 1.05, Song et al. 2000).
    tau_plus, tau_minus : float, > 0
        Trace time constants in ms (20).
    dt : float
        The time step in ms.
    variant : "additive" or "multiplicative"
    trace : "all_to_all" or "nearest"
        All-to-all: every earlier spike counts (the trace sums them); nearest: only the latest.
    w_min, w_max : float or None
        Weight bounds (0 and 1); the multiplicative variant needs both.

    Examples
    --------
    A pre spike at t = 10 ms, a post spike at t = 15 ms (dt = 1, τ = 20): Δw = A+ e^{-5/20}:

    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import PairSTDP
    >>> rule = PairSTDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0)
    >>> w, state = np.full((1, 1), 0.5), rule.initial_state(1, 1)
    >>> for t in range(20):
    ...     w += rule.step(w, np.array([[t == 10]], float), np.array([[t == 15]], float), state)
    >>> bool(np.isclose(w[0, 0] - 0.5, 0.01 * np.exp(-5 / 20)))
    True
    """

    name = "stdp"

    def __init__(self, *, a_plus: float = 0.01, a_minus: float = 0.0105, tau_plus: float = 20.0,
                 tau_minus: float = 20.0, dt: float = 1.0, variant: str = "additive", trace: str = "all_to_all",
                 w_min: float | None = 0.0, w_max: float | None = 1.0) -> None:
        owner = type(self).__name__
        self.a_plus = _magnitude(a_plus, "a_plus", owner, "pre-before-post adds a_plus · x")
        self.a_minus = _magnitude(a_minus, "a_minus", owner, "post-before-pre subtracts a_minus · y")
        self.tau_plus = _time_constant(tau_plus, "tau_plus", owner)
        self.tau_minus = _time_constant(tau_minus, "tau_minus", owner)
        self.dt = _time_constant(dt, "dt", owner)
        self.variant = check_choice(variant, "variant", ("additive", "multiplicative"), owner=owner)
        self.trace = check_choice(trace, "trace", ("all_to_all", "nearest"), owner=owner)
        self.w_min, self.w_max = _bounds(w_min, w_max, owner, required=self.variant == "multiplicative")
        self._soft_bounds = (self.w_min or 0.0, self.w_max or 0.0)  # set (both) for the multiplicative variant
        self._decay_x = math.exp(-self.dt / self.tau_plus)
        self._decay_y = math.exp(-self.dt / self.tau_minus)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """``x`` (batch, n_pre) and ``y`` (batch, n_post), zeros."""
        return {"x": np.zeros((batch, n_pre), dtype=dtype), "y": np.zeros((batch, n_post), dtype=dtype)}

    def _decay(self, state: dict[str, np.ndarray]) -> None:
        """Step 1: the traces decay over one step."""
        state["x"] *= self._decay_x
        state["y"] *= self._decay_y

    def _add(self, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Step 3: this step's spikes join the traces."""
        nearest = self.trace == "nearest"
        _add_spikes(state["x"], pre, nearest)
        _add_spikes(state["y"], post, nearest)

    def _soft(self, potentiation: np.ndarray, depression: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if self.variant == "multiplicative":
            low, high = self._soft_bounds
            return self.a_plus * (high - weights) * potentiation - self.a_minus * (weights - low) * depression
        return self.a_plus * potentiation - self.a_minus * depression

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """Δw (n_post, n_pre) of this step, summed over the batch; the traces in ``state`` move on one step."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        self._decay(state)
        dw = self._soft(post.T @ state["x"], state["y"].T @ pre, weights)
        self._add(pre, post, state)
        return dw

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "a_plus": self.a_plus, "a_minus": self.a_minus, "tau_plus": self.tau_plus,
                "tau_minus": self.tau_minus, "dt": self.dt, "variant": self.variant, "trace": self.trace,
                "w_min": self.w_min, "w_max": self.w_max}


PLASTICITY_RULES.register("stdp", PairSTDP, aliases=("pair_stdp",))


# ---------------------------------------------------------------------------------- triplet STDP
class TripletSTDP(PlasticityRule):
    r"""Triplet STDP (Pfister & Gerstner 2006): pair terms plus post-pre-post and pre-post-pre triplets.

    Two presynaptic traces :math:`r_1` (:math:`\tau_+`), :math:`r_2` (:math:`\tau_x`) and two
    postsynaptic ones :math:`o_1` (:math:`\tau_-`), :math:`o_2` (:math:`\tau_y`); per step, in the
    order of the module docstring (so :math:`o_2, r_2` are the values just before this step's
    spikes, the paper's :math:`t - \epsilon`):

    .. math::
        \Delta w_{ij} &= s^{post}_i\, r_{1,j} \big(A_2^+ + A_3^+\, o_{2,i}\big)
                       \;-\; s^{pre}_j\, o_{1,i} \big(A_2^- + A_3^-\, r_{2,j}\big) \\
        r_{1,2} &\leftarrow r_{1,2} + s^{pre}, \qquad o_{1,2} \leftarrow o_{1,2} + s^{post}

    all traces decaying as :math:`e^{-dt/\tau}` first; summed over the batch rows, then clipped to
    ``[w_min, w_max]``. The defaults are the paper's minimal all-to-all model fitted to visual
    cortex data (Sjöström et al. 2001; Table 4): :math:`A_2^+ = 5\cdot10^{-10}`,
    :math:`A_3^+ = 6.2\cdot10^{-3}`, :math:`A_2^- = 7\cdot10^{-3}`, :math:`A_3^- = 0`,
    :math:`\tau_+ = 16.8`, :math:`\tau_- = 33.7`, :math:`\tau_y = 125` ms (:math:`\tau_x = 101` ms is
    used only when :math:`A_3^- > 0`, as in the full model). ``trace="nearest"`` sets a trace to 1
    at a spike instead of adding 1 (the paper's nearest-spike variant; its constants differ).

    Examples
    --------
    A post-pre-post triplet (post at 0, pre at 5, post at 10 ms) adds :math:`A_3^+ r_1 o_2` to the
    pair terms, :math:`r_1 = e^{-5/\tau_+}`, :math:`o_2 = e^{-10/\tau_y}` at the second post spike:

    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import TripletSTDP
    >>> def run(rule):
    ...     w, state = np.zeros((1, 1)), rule.initial_state(1, 1)
    ...     for t in range(11):
    ...         w += rule.step(w, np.array([[t == 5]], float), np.array([[t in (0, 10)]], float), state)
    ...     return w[0, 0]
    >>> extra = run(TripletSTDP(w_min=None)) - run(TripletSTDP(a3_plus=0.0, w_min=None))
    >>> bool(np.isclose(extra, 6.2e-3 * np.exp(-5 / 16.8) * np.exp(-10 / 125)))
    True
    """

    name = "triplet"

    def __init__(self, *, a2_plus: float = 5e-10, a3_plus: float = 6.2e-3, a2_minus: float = 7e-3,
                 a3_minus: float = 0.0, tau_plus: float = 16.8, tau_minus: float = 33.7, tau_x: float = 101.0,
                 tau_y: float = 125.0, dt: float = 1.0, trace: str = "all_to_all", w_min: float | None = 0.0,
                 w_max: float | None = 1.0) -> None:
        owner = type(self).__name__
        self.a2_plus = _magnitude(a2_plus, "a2_plus", owner, "post spikes add r1 · (a2_plus + a3_plus · o2)")
        self.a3_plus = _magnitude(a3_plus, "a3_plus", owner, "post spikes add r1 · (a2_plus + a3_plus · o2)")
        self.a2_minus = _magnitude(a2_minus, "a2_minus", owner, "pre spikes subtract o1 · (a2_minus + a3_minus · r2)")
        self.a3_minus = _magnitude(a3_minus, "a3_minus", owner, "pre spikes subtract o1 · (a2_minus + a3_minus · r2)")
        self.tau_plus = _time_constant(tau_plus, "tau_plus", owner)
        self.tau_minus = _time_constant(tau_minus, "tau_minus", owner)
        self.tau_x = _time_constant(tau_x, "tau_x", owner)
        self.tau_y = _time_constant(tau_y, "tau_y", owner)
        self.dt = _time_constant(dt, "dt", owner)
        self.trace = check_choice(trace, "trace", ("all_to_all", "nearest"), owner=owner)
        self.w_min, self.w_max = _bounds(w_min, w_max, owner)
        self._decays = {key: math.exp(-self.dt / tau) for key, tau in
                        (("r1", self.tau_plus), ("r2", self.tau_x), ("o1", self.tau_minus), ("o2", self.tau_y))}

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """``r1``, ``r2`` (batch, n_pre) and ``o1``, ``o2`` (batch, n_post), zeros."""
        return {"r1": np.zeros((batch, n_pre), dtype=dtype), "r2": np.zeros((batch, n_pre), dtype=dtype),
                "o1": np.zeros((batch, n_post), dtype=dtype), "o2": np.zeros((batch, n_post), dtype=dtype)}

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """Δw (n_post, n_pre) of this step, summed over the batch; the four traces move on one step."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        for key, decay in self._decays.items():
            state[key] *= decay
        r1, r2, o1, o2 = state["r1"], state["r2"], state["o1"], state["o2"]
        dw = self.a2_plus * (post.T @ r1) + self.a3_plus * ((post * o2).T @ r1) \
            - self.a2_minus * (o1.T @ pre) - self.a3_minus * (o1.T @ (pre * r2))
        nearest = self.trace == "nearest"
        for key, spikes in (("r1", pre), ("r2", pre), ("o1", post), ("o2", post)):
            _add_spikes(state[key], spikes, nearest)
        return dw

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "a2_plus": self.a2_plus, "a3_plus": self.a3_plus, "a2_minus": self.a2_minus,
                "a3_minus": self.a3_minus, "tau_plus": self.tau_plus, "tau_minus": self.tau_minus,
                "tau_x": self.tau_x, "tau_y": self.tau_y, "dt": self.dt, "trace": self.trace, "w_min": self.w_min,
                "w_max": self.w_max}


PLASTICITY_RULES.register("triplet", TripletSTDP, aliases=("triplet_stdp",))


# ---------------------------------------------------------------------------------- reward-modulated STDP
class RewardSTDP(PlasticityRule):
    r"""Reward-modulated STDP (Izhikevich 2007; Florian 2007): pair STDP feeds an eligibility trace e,
    and a reward R turns it into a weight change.

    Per step, for each batch row b (x, y: the traces of :class:`PairSTDP`, same order):

    .. math::
        e_{b,ij} &\leftarrow e_{b,ij}\, e^{-dt/\tau_e}
                  + A_+\, s^{post}_{b,i}\, x_{b,j} - A_-\, s^{pre}_{b,j}\, y_{b,i} \\
        \Delta w_{ij} &= \eta \sum_b R_b\, e_{b,ij}

    ``reward`` (required at every step) is one number for all rows or one per row ``(batch,)``;
    with R = 0 the weights do not move, and the sign of R flips the change. The eligibility of
    this step's pairings counts already (the change uses e after it is updated). The weights are
    clipped to ``[w_min, w_max]``.

    Parameters
    ----------
    lr : float, >= 0
        :math:`\eta`.
    tau_e : float, > 0
        The eligibility trace's time constant in ms (Izhikevich 2007: 1000).
    a_plus, a_minus, tau_plus, tau_minus, trace
        The STDP window, as in :class:`PairSTDP` (defaults 1, 1.05, 20 ms, 20 ms).
    dt, w_min, w_max
        As in :class:`PairSTDP`.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import RewardSTDP
    >>> rule = RewardSTDP(lr=0.1, tau_e=100.0, a_plus=1.0, a_minus=1.0, w_min=None, w_max=None)
    >>> w, state = np.zeros((1, 1)), rule.initial_state(1, 1)
    >>> w += rule.step(w, np.array([[1.0]]), np.array([[0.0]]), state, reward=0.0)   # pre
    >>> w += rule.step(w, np.array([[0.0]]), np.array([[1.0]]), state, reward=0.0)   # post: e = e^{-1/20}
    >>> float(w[0, 0]), bool(np.isclose(state["e"][0, 0, 0], np.exp(-1 / 20)))
    (0.0, True)
    >>> dw = rule.step(w, np.array([[0.0]]), np.array([[0.0]]), state, reward=-2.0)  # a punishment
    >>> bool(np.isclose(dw[0, 0], 0.1 * -2.0 * np.exp(-1 / 20) * np.exp(-1 / 100)))
    True
    """

    name = "rstdp"
    needs_reward = True

    def __init__(self, *, lr: float = 0.01, tau_e: float = 1000.0, a_plus: float = 1.0, a_minus: float = 1.05,
                 tau_plus: float = 20.0, tau_minus: float = 20.0, dt: float = 1.0, trace: str = "all_to_all",
                 w_min: float | None = 0.0, w_max: float | None = 1.0) -> None:
        owner = type(self).__name__
        self.lr = _magnitude(lr, "lr", owner, "the reward's sign decides the direction")
        self.tau_e = _time_constant(tau_e, "tau_e", owner)
        self.stdp = PairSTDP(a_plus=a_plus, a_minus=a_minus, tau_plus=tau_plus, tau_minus=tau_minus, dt=dt,
                             trace=trace, w_min=None, w_max=None)
        self.dt = self.stdp.dt
        self.w_min, self.w_max = _bounds(w_min, w_max, owner)
        self._decay_e = math.exp(-self.dt / self.tau_e)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """The STDP traces ``x``, ``y`` and the eligibility ``e`` (batch, n_post, n_pre), zeros."""
        return {**self.stdp.initial_state(n_pre, n_post, batch=batch, dtype=dtype),
                "e": np.zeros((batch, n_post, n_pre), dtype=dtype)}

    def _reward(self, reward: Any, batch: int) -> Any:
        owner = type(self).__name__
        if reward is None:
            raise ParameterError(must_be("reward", "a number or one number per batch row (batch,)", reward, owner) +
                                 ": reward-modulated STDP needs the third factor at every step (learn(..., "
                                 "reward=...) or step(..., reward=...))")
        if isinstance(reward, Real) and not isinstance(reward, bool):
            return check_number(reward, "reward", owner=owner)
        values = check_array(reward, "reward", ndim=None, dtype=np.float64, min_samples=0, owner=owner)
        if values.ndim == 0:
            return float(values)
        if values.shape != (batch,):
            raise ShapeError(f"{owner} reward must be one number or one per batch row, shape ({batch},); got shape "
                             f"{values.shape}")
        return values

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """Δw = lr · Σ_b R_b e_b (n_post, n_pre); the traces and the eligibility move on one step."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        r = self._reward(reward, pre.shape[0])
        self.stdp._decay(state)
        x, y, e = state["x"], state["y"], state["e"]
        e *= self._decay_e
        e += self.stdp.a_plus * post[:, :, None] * x[:, None, :]
        e -= self.stdp.a_minus * y[:, :, None] * pre[:, None, :]
        self.stdp._add(pre, post, state)
        if isinstance(r, float):
            return (self.lr * r) * e.sum(axis=0)
        return self.lr * np.tensordot(r.astype(e.dtype), e, axes=1)

    def config(self) -> dict[str, Any]:
        stdp = self.stdp.config()
        return {"type": self.name, "lr": self.lr, "tau_e": self.tau_e,
                **{key: stdp[key] for key in ("a_plus", "a_minus", "tau_plus", "tau_minus", "dt", "trace")},
                "w_min": self.w_min, "w_max": self.w_max}


PLASTICITY_RULES.register("rstdp", RewardSTDP, aliases=("reward_stdp",))


# ---------------------------------------------------------------------------------- Hebbian and Oja
class Hebbian(PlasticityRule):
    r"""Plain Hebbian learning: weights grow with the product of pre- and postsynaptic activity.

    .. math:: \Delta w_{ij} = \eta \sum_b y_{b,i}\, x_{b,j} \qquad (\Delta W = \eta\, Y^\top X)

    with ``pre`` = X (batch, n_pre) and ``post`` = Y (batch, n_post): spikes or rates. Without
    bounds the weights grow without limit (that is Hebb's rule); ``w_min``/``w_max`` clip them.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import Hebbian
    >>> rule = Hebbian(lr=0.5)
    >>> rule.step(np.zeros((2, 3)), np.array([[1.0, 0.0, 2.0]]), np.array([[1.0, 3.0]]), {})
    array([[0.5, 0. , 1. ],
           [1.5, 0. , 3. ]])
    """

    name = "hebbian"

    def __init__(self, *, lr: float = 0.01, w_min: float | None = None, w_max: float | None = None) -> None:
        owner = type(self).__name__
        self.lr = _magnitude(lr, "lr", owner, "co-active pre and post always strengthen the weight")
        self.w_min, self.w_max = _bounds(w_min, w_max, owner)

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """ΔW = lr · postᵀ pre (n_post, n_pre)."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        return self.lr * (post.T @ pre)

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "lr": self.lr, "w_min": self.w_min, "w_max": self.w_max}


PLASTICITY_RULES.register("hebbian", Hebbian, aliases=("hebb",))


class Oja(PlasticityRule):
    r"""Oja's rule (1982): Hebbian growth with a decay that keeps each row of W at unit norm.

    For each postsynaptic neuron i (a row of W) with output :math:`y_i` (``post``) and input x (``pre``):

    .. math:: \Delta w_{ij} = \eta \sum_b y_{b,i}\,\big(x_{b,j} - y_{b,i}\, w_{ij}\big)

    For a linear neuron, :math:`y = w \cdot x`, on zero-mean data, :math:`w` converges to the
    unit-norm eigenvector of the input covariance with the largest eigenvalue (the first principal
    component), up to its sign. Several neurons trained alone all find that same component.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import Oja
    >>> rule = Oja(lr=0.1)
    >>> w = np.array([[0.6, 0.0]])
    >>> x = np.array([[1.0, 1.0]]); y = x @ w.T                       # y = 0.6
    >>> rule.step(w, x, y, {})                                        # 0.1 · 0.6 · (x - 0.6 w)
    array([[0.0384, 0.06  ]])
    """

    name = "oja"

    def __init__(self, *, lr: float = 0.01) -> None:
        self.lr = _magnitude(lr, "lr", type(self).__name__, "the Hebbian term adds, the decay subtracts")

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """ΔW = lr · (postᵀ pre - diag(Σ_b post²) W)."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        return self.lr * (post.T @ pre - (post * post).sum(axis=0)[:, None] * weights)

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "lr": self.lr}


PLASTICITY_RULES.register("oja", Oja)


# ---------------------------------------------------------------------------------- homeostasis
class SynapticScaling(PlasticityRule):
    r"""Synaptic scaling (Turrigiano 1998): each neuron's incoming weights scaled by one factor towards a target rate.

    Each neuron keeps an estimate of its firing rate (Hz), an exponential average over
    :math:`\tau`; the weights of a neuron firing below ``target_rate`` grow in proportion, those of
    a neuron firing above it shrink:

    .. math::
        r_{b,i} &\leftarrow d\, r_{b,i} + (1 - d)\, \frac{1000\, s^{post}_{b,i}}{dt}, \quad d = e^{-dt/\tau} \\
        \Delta w_{ij} &= \eta\, dt \sum_b \Big(1 - \frac{r_{b,i}}{r_{target}}\Big)\, w_{ij}

    (:math:`\eta` per ms, so the result does not depend on dt). The estimate starts at the target
    (no scaling before the neuron has fired or kept silent for a while). Multiplicative scaling
    keeps the ratios of a neuron's weights, so what other rules learnt stays; it is meant for
    excitatory (non-negative) weights.

    Examples
    --------
    A silent neuron's weights grow, by the same factor:

    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import SynapticScaling
    >>> rule = SynapticScaling(lr=0.01, target_rate=10.0, tau=10.0)
    >>> w, state = np.array([[0.2, 0.4]]), rule.initial_state(2, 1)
    >>> for _ in range(50):
    ...     w += rule.step(w, np.zeros((1, 2)), np.zeros((1, 1)), state)
    >>> float(round(w[0, 1] / w[0, 0], 12)), bool(w[0, 0] > 0.2)
    (2.0, True)
    """

    name = "synaptic_scaling"

    def __init__(self, *, lr: float = 1e-3, target_rate: float = 10.0, tau: float = 1000.0, dt: float = 1.0,
                 w_min: float | None = None, w_max: float | None = None) -> None:
        owner = type(self).__name__
        self.lr = _magnitude(lr, "lr", owner, "a neuron below its target scales up, above it down")
        self.target_rate = check_number(target_rate, "target_rate", low=0.0, low_open=True, owner=owner)
        self.tau = _time_constant(tau, "tau", owner)
        self.dt = _time_constant(dt, "dt", owner)
        self.w_min, self.w_max = _bounds(w_min, w_max, owner)
        self._decay = math.exp(-self.dt / self.tau)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """``rate`` (batch, n_post): the rate estimate in Hz, starting at the target."""
        return {"rate": _rate_state(n_post, batch, dtype, self.target_rate)}

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """ΔW = lr · dt · Σ_b (1 - r_b / target) W, row by row; the rate estimate moves on one step."""
        pre, post = _check_step(type(self).__name__, weights, pre, post)
        _update_rate(state["rate"], post, self._decay, self.dt)
        factor = (1.0 - state["rate"] / self.target_rate).sum(axis=0)
        return (self.lr * self.dt) * factor[:, None] * weights

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "lr": self.lr, "target_rate": self.target_rate, "tau": self.tau, "dt": self.dt,
                "w_min": self.w_min, "w_max": self.w_max}


PLASTICITY_RULES.register("synaptic_scaling", SynapticScaling, aliases=("scaling",))


class AdaptiveThreshold(PlasticityRule):
    r"""Intrinsic plasticity: each neuron's threshold moves with the gap between its rate and a target rate.

    The weights do not change (``step`` returns zeros); :meth:`update_neuron` moves the thresholds
    :math:`\theta` (what :func:`learn` gives it: the LIF neurons' ``threshold``), with the rate
    estimate of :class:`SynapticScaling`:

    .. math::
        r_{b,i} &\leftarrow d\, r_{b,i} + (1 - d)\, \frac{1000\, s^{post}_{b,i}}{dt}, \quad d = e^{-dt/\tau} \\
        \theta_i &\leftarrow \mathrm{clip}\Big(\theta_i + \eta\, dt \sum_b (r_{b,i} - r_{target}),\;
                   \theta_{min},\, \theta_{max}\Big)

    (:math:`\eta` in threshold units per Hz per ms). A neuron firing too often raises its
    threshold, one too quiet lowers it. ``theta_min`` (0.01 by default) keeps the threshold above
    the resting potential of a neuron resting at 0, as LIF requires.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import AdaptiveThreshold
    >>> rule = AdaptiveThreshold(lr=1e-4, target_rate=10.0, tau=1.0)
    >>> params, state = {"threshold": np.array([1.0, 1.0])}, rule.initial_state(3, 2)
    >>> rule.update_neuron(params, np.array([[1.0, 0.0]]), state)    # neuron 0 fired, neuron 1 did not
    >>> bool(params["threshold"][0] > 1.0), bool(params["threshold"][1] < 1.0)
    (True, True)
    """

    name = "intrinsic"
    neuron_params = ("threshold",)

    def __init__(self, *, lr: float = 1e-4, target_rate: float = 10.0, tau: float = 100.0, dt: float = 1.0,
                 theta_min: float = 0.01, theta_max: float | None = None) -> None:
        owner = type(self).__name__
        self.lr = _magnitude(lr, "lr", owner, "a neuron above its target raises its threshold, below lowers it")
        self.target_rate = check_number(target_rate, "target_rate", low=0.0, low_open=True, owner=owner)
        self.tau = _time_constant(tau, "tau", owner)
        self.dt = _time_constant(dt, "dt", owner)
        self.theta_min = check_number(theta_min, "theta_min", owner=owner)
        self.theta_max = None if theta_max is None else check_number(theta_max, "theta_max", low=self.theta_min,
                                                                     low_open=True, owner=owner)
        self._decay = math.exp(-self.dt / self.tau)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """``rate`` (batch, n_post): the rate estimate in Hz, starting at the target."""
        return {"rate": _rate_state(n_post, batch, dtype, self.target_rate)}

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """Zeros (n_post, n_pre): this rule moves thresholds, in :meth:`update_neuron`."""
        _check_step(type(self).__name__, weights, pre, post)
        return np.zeros_like(weights)

    def update_neuron(self, neuron_params: dict[str, np.ndarray], post: np.ndarray,
                      state: dict[str, np.ndarray]) -> None:
        """Update the rate estimate and move ``neuron_params["threshold"]`` (n_post,) in place."""
        theta = neuron_params["threshold"]
        post = _spikes(post, "post", type(self).__name__)
        _update_rate(state["rate"], post, self._decay, self.dt)
        theta += (self.lr * self.dt) * (state["rate"] - self.target_rate).sum(axis=0)
        np.clip(theta, self.theta_min, self.theta_max, out=theta)

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "lr": self.lr, "target_rate": self.target_rate, "tau": self.tau, "dt": self.dt,
                "theta_min": self.theta_min, "theta_max": self.theta_max}


PLASTICITY_RULES.register("intrinsic", AdaptiveThreshold, aliases=("adaptive_threshold", "intrinsic_plasticity"))



# ---------------------------------------------------------------------------------- several rules at once
class CombinedRule(PlasticityRule):
    r"""Several rules on the same weights at once (STDP with synaptic scaling or adaptive thresholds).

    .. math:: \Delta w = \sum_k \Delta w^{(k)}

    Each rule keeps its own traces (under ``"{k}.{name}"`` in the state) and sees the same spikes
    and weights; :meth:`update_neuron` calls each rule's in turn, ``reward`` goes to the rules that
    need one. The weights are clipped to the tightest bounds of the rules (the largest ``w_min``,
    the smallest ``w_max``). All rules must share ``dt``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import CombinedRule, Hebbian
    >>> rule = CombinedRule([Hebbian(lr=0.5), {"type": "hebbian", "lr": 0.25, "w_max": 1.0}])
    >>> w = np.zeros((1, 1))
    >>> w += rule.step(w, np.ones((1, 1)), np.ones((1, 1)), rule.initial_state(1, 1))
    >>> w, rule.w_max, rule.config()["rules"][1]["lr"]
    (array([[0.75]]), 1.0, 0.25)
    """

    name = "combined"

    def __init__(self, rules: Any) -> None:
        owner = type(self).__name__
        if isinstance(rules, (str, Mapping, PlasticityRule)) or not isinstance(rules, (list, tuple)) or not rules:
            raise ParameterTypeError(must_be("rules", "a non-empty list of rules (objects, names or configs)", rules,
                                             owner))
        self.rules = [get_rule(rule) for rule in rules]
        steps = {rule.dt for rule in self.rules}
        if len(steps) > 1:
            raise ParameterError(f"{owner}: the rules must share one time step; got dt = "
                                 f"{', '.join(f'{rule.dt:g} ({rule.name})' for rule in self.rules)}")
        self.dt = self.rules[0].dt
        lows = [rule.w_min for rule in self.rules if rule.w_min is not None]
        highs = [rule.w_max for rule in self.rules if rule.w_max is not None]
        self.w_min, self.w_max = _bounds(max(lows) if lows else None, min(highs) if highs else None, owner)
        self.neuron_params = tuple(dict.fromkeys(p for rule in self.rules for p in rule.neuron_params))
        self.needs_reward = any(rule.needs_reward for rule in self.rules)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """Every rule's traces, as ``"{k}.{name}"``."""
        return {f"{k}.{key}": value for k, rule in enumerate(self.rules)
                for key, value in rule.initial_state(n_pre, n_post, batch=batch, dtype=dtype).items()}

    def _each(self, state: dict[str, np.ndarray]) -> list[tuple[PlasticityRule, str, dict[str, np.ndarray]]]:
        return [(rule, f"{k}.", {key[len(f"{k}."):]: value for key, value in state.items()
                                 if key.startswith(f"{k}.")}) for k, rule in enumerate(self.rules)]

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """The sum of the rules' changes (n_post, n_pre); each rule's traces move on one step."""
        total = np.zeros_like(weights)
        for rule, prefix, own in self._each(state):
            total += rule.step(weights, pre, post, own, reward=reward if rule.needs_reward else None)
            state.update({prefix + key: value for key, value in own.items()})
        return total

    def update_neuron(self, neuron_params: dict[str, np.ndarray], post: np.ndarray,
                      state: dict[str, np.ndarray]) -> None:
        """Each rule's :meth:`~PlasticityRule.update_neuron` in turn."""
        for rule, prefix, own in self._each(state):
            if rule.neuron_params:
                rule.update_neuron(neuron_params, post, own)
                state.update({prefix + key: value for key, value in own.items()})

    def config(self) -> dict[str, Any]:
        return {"type": self.name, "rules": [rule.config() for rule in self.rules]}


PLASTICITY_RULES.register("combined", CombinedRule)
