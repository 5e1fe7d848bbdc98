"""Unsupervised learning with spikes: a reduced Diehl & Cook (2015) network that learns digits without labels.

Diehl, P. U. & Cook, M. (2015), *Unsupervised learning of digit recognition using spike-timing-dependent
plasticity*, Front. Comput. Neurosci. 9:99. The network:

* **input**: one Poisson spike train per pixel, at a rate proportional to its intensity (``max_rate_hz``
  for a white pixel, 63.75 Hz as in the paper: pixel values 0-255 divided by 4), for ``presentation_ms``;
* **excitatory layer**: ``n_exc`` leaky integrate-and-fire neurons, every one connected to every input
  through the learned weights ``weights`` (``(n_exc, n_input)``, rows are neurons, as in
  :class:`~neuronkit.layers.Dense`), each with an **adaptive threshold**: ``theta`` rises by
  ``theta_plus`` at each of its spikes and decays with ``tau_theta`` (homeostasis: a neuron that wins
  too often gets harder to excite, so every neuron ends up with a digit of its own);
* **lateral inhibition**: the paper's inhibitory layer (one inhibitory neuron per excitatory one, which
  inhibits every excitatory neuron but its partner) is replaced by its effect: each spike of an
  excitatory neuron lowers the membrane of every *other* excitatory neuron by ``inhibition`` mV on the
  next step (a soft winner-take-all);
* **learning**: :class:`DiehlCookSTDP` on the input -> excitatory weights, then the incoming weights of
  every neuron are scaled so they sum to ``weight_sum`` (78 for 784 inputs, scaled by ``n_input``);
* **rest**: between images the membranes, refractory counters and traces go back to rest (what the
  paper's 150 ms without input does); ``theta`` decays over the image and the rest. An image that makes
  fewer than ``min_spikes`` excitatory spikes is shown again with every rate raised by ``rate_boost_hz``
  (at most ``max_boosts`` times), as in the paper.

After :meth:`DiehlCook.fit` (no labels), :meth:`DiehlCook.assign_labels` labels each neuron with the class
it answers most on average, and :meth:`DiehlCook.predict` picks the class whose neurons fire most on
average. Plasticity and threshold changes are off while labelling and predicting.

What is reduced (and why): the synapses are current-based and instantaneous (an input spike raises the
membrane by ``input_gain · w`` mV; the paper's conductances with a 1 ms time constant act within about
one step of 0.5-1 ms), inhibition is the effective all-to-all connection above, and the weights of one
image are updated once, at its end, by the rule applied to the spikes of the whole presentation
(:meth:`DiehlCookSTDP.presentation_dw`), not at each spike. A neuron that wins an image moves about a
tenth of its weight (L1, measured on MNIST) towards it over the image's ~10 spikes; online, its later
spikes would see part of that change already. Updating at the end lets the input of an image be drawn
and weighted for all its steps at once, and keeps the loop over time to the membranes. The inputs are
Bernoulli draws per step with probability ``rate · dt`` (a Poisson process cut into steps). Each
membrane update step is

.. math::

    v \\leftarrow v_{rest} + (v - v_{rest})\\,e^{-dt/\\tau_m} + g\\,W s_t
        - \\text{inhibition}\\,(n_{t-1} - z_{t-1}), \\qquad
    z_t = [v > v_{th} + \\theta], \\qquad v \\leftarrow v_{reset} \\text{ where } z_t

with ``s_t`` the input spikes, ``z`` the excitatory spikes and ``n_{t-1}`` their count on the previous
step; a neuron in its refractory period stays at ``v_reset``.

Measured (``bench/bench_diehl_cook.py``): 100 neurons, one pass over the 4,000 training images of
MNIST-5k, test accuracy 0.77 on the 1,000 held-out ones, in about 10 s of CPU time for learning
(250 ms per image at dt = 1 ms); 30 neurons on 400 of the 8x8 digits reach about 0.7.

>>> import numpy as np
>>> from neuronkit.spiking.unsupervised import DiehlCook
>>> X = np.zeros((4, 4)); X[[0, 1], :2] = 1.0; X[[2, 3], 2:] = 1.0     # two patterns, no labels
>>> net = DiehlCook(4, 2, max_rate_hz=200.0, seed=0).fit(X)
>>> net.weights.shape, np.allclose(net.weights.sum(axis=1), net.weight_sum)
((2, 4), True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._blas import one_blas_thread
from ..errors import DataError, ModelFileError, NotFittedError, ParameterError, ShapeError
from ..init import make_rng
from ..validation import check_array, check_bool, check_consistent_length, check_int, check_number
from .plasticity import PLASTICITY_RULES, PlasticityRule

__all__ = ["DiehlCook", "DiehlCookSTDP"]


class DiehlCookSTDP(PlasticityRule):
    """The STDP rule of Diehl & Cook (2015): depression on a pre spike, potentiation towards a target on a post spike.

    Each synapse has a presynaptic trace ``x_pre`` and each neuron a postsynaptic trace ``x_post``; a trace
    decays with its time constant and rises by 1 at each spike of its neuron. With weights ``w`` of shape
    ``(n_post, n_pre)``, on each step of ``dt`` ms:

    .. math::

        x_{pre} &\\leftarrow x_{pre}\\,e^{-dt/\\tau_{pre}} + s_{pre}, \\qquad
        x_{post} \\leftarrow x_{post}\\,e^{-dt/\\tau_{post}} \\\\
        \\Delta w_{ij} &= \\eta_{post}\\,s_{post,i}\\,(x_{pre,j} - x_{tar})\\,(w_{max} - w_{ij})^{\\mu}
                        - \\eta_{pre}\\,s_{pre,j}\\,x_{post,i} \\\\
        x_{post} &\\leftarrow x_{post} + s_{post}

    so a post spike potentiates the synapses whose inputs fired recently (trace above ``x_tar``) and
    depresses the others, less and less as ``w`` nears ``w_max`` (``mu`` = 0: hard, additive; larger:
    softer bound), and every pre spike depresses its synapses by the post trace. A pre and a post spike
    on the same step count as pre before post (the pre trace already holds the new spike; the post
    trace not yet). The changes of all batch rows are summed. :meth:`presentation_dw` is the same rule
    over a whole presentation of ``T`` steps at once, with the weights held fixed.

    Parameters
    ----------
    eta_pre, eta_post : learning rates (>= 0) of the depression and the potentiation.
    x_tar : the presynaptic trace at which a post spike leaves the weight unchanged.
    mu : the exponent of the soft bound ``(w_max - w)**mu`` (>= 0).
    tau_pre, tau_post : the traces' time constants in ms.
    w_min, w_max : the bounds :meth:`bound` clips to.
    dt : the time step in ms.

    Examples
    --------
    A pre spike at t = 0 and a post spike 1 ms later (dt = 1 ms):
    dw = eta_post · (e^(-1/20) - x_tar) · (w_max - w)^mu.

    >>> import numpy as np
    >>> from neuronkit.spiking.unsupervised import DiehlCookSTDP
    >>> rule = DiehlCookSTDP(eta_post=0.01, x_tar=0.4, mu=0.2, tau_pre=20.0, dt=1.0)
    >>> w = np.array([[0.5]])
    >>> state = rule.initial_state(1, 1)
    >>> before = rule.step(w, np.array([[1.0]]), np.array([[0.0]]), state)
    >>> after = rule.step(w, np.array([[0.0]]), np.array([[1.0]]), state)
    >>> bool(np.isclose(after[0, 0], 0.01 * (np.exp(-1 / 20) - 0.4) * 0.5 ** 0.2))
    True
    """

    name = "diehl_cook"

    def __init__(self, *, eta_pre: float = 1e-4, eta_post: float = 1e-2, x_tar: float = 0.4, mu: float = 0.2,
                 tau_pre: float = 20.0, tau_post: float = 20.0, w_min: float = 0.0, w_max: float = 1.0,
                 dt: float = 1.0) -> None:
        owner = "DiehlCookSTDP"
        self.eta_pre = check_number(eta_pre, "eta_pre", low=0.0, owner=owner)
        self.eta_post = check_number(eta_post, "eta_post", low=0.0, owner=owner)
        self.x_tar = check_number(x_tar, "x_tar", owner=owner)
        self.mu = check_number(mu, "mu", low=0.0, owner=owner)
        self.tau_pre = check_number(tau_pre, "tau_pre", low=0.0, low_open=True, owner=owner)
        self.tau_post = check_number(tau_post, "tau_post", low=0.0, low_open=True, owner=owner)
        self.w_min = check_number(w_min, "w_min", owner=owner)
        self.w_max = check_number(w_max, "w_max", low=self.w_min, low_open=True, owner=owner)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """Both traces at zero: ``x_pre`` ``(batch, n_pre)``, ``x_post`` ``(batch, n_post)``."""
        return {"x_pre": np.zeros((batch, n_pre), dtype=dtype), "x_post": np.zeros((batch, n_post), dtype=dtype)}

    def _soft_bound(self, weights: np.ndarray) -> np.ndarray:
        room = np.maximum(self.w_max - weights, 0.0)  # a weight at or past w_max is not potentiated
        return room if self.mu == 1.0 else room ** self.mu

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """The weight change ``(n_post, n_pre)`` of one step; updates ``state["x_pre"]``, ``state["x_post"]``."""
        x_pre, x_post = state["x_pre"], state["x_post"]
        x_pre *= math.exp(-self.dt / self.tau_pre)
        x_pre += pre
        x_post *= math.exp(-self.dt / self.tau_post)
        potentiation = post.T @ x_pre - post.sum(axis=0)[:, None] * self.x_tar
        dw = self.eta_post * potentiation * self._soft_bound(weights) - self.eta_pre * (x_post.T @ pre)
        x_post += post
        return dw

    def presentation_dw(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
        """The summed change ``(n_post, n_pre)`` over a presentation, traces starting at zero, weights held fixed.

        ``pre`` is ``(T, n_pre)`` and ``post`` ``(T, n_post)`` (0/1 spikes of one sample over ``T``
        steps). The result equals the sum of :meth:`step` over the ``T`` steps when ``weights`` do not
        change in between; it costs a few matrix products over the ``k`` steps with a post spike
        instead of ``T`` steps: with the decay matrices ``D[t, t'] = exp(-(t - t') dt / tau)`` for
        ``t' <= t``, the traces at every step are ``D @ spikes``.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCookSTDP
        >>> rule = DiehlCookSTDP(eta_pre=0.1, eta_post=0.1, dt=1.0)
        >>> pre = np.array([[1.0], [0.0], [1.0]]); post = np.array([[0.0], [1.0], [0.0]])
        >>> w = np.array([[0.5]]); state = rule.initial_state(1, 1)
        >>> stepped = sum(rule.step(w, pre[t:t + 1], post[t:t + 1], state) for t in range(3))
        >>> bool(np.allclose(rule.presentation_dw(w, pre, post), stepped))
        True
        """
        pre = np.asarray(pre, dtype=np.float64)
        post = np.asarray(post, dtype=np.float64)
        steps = pre.shape[0]
        fired = np.flatnonzero(post.any(axis=1))  # the steps with a post spike
        if fired.size == 0:
            return np.zeros(np.shape(weights))
        decay_pre, decay_post = self._decay_matrices(steps)
        x_pre_at_post = decay_pre[fired] @ pre                 # (k, n_pre): x_pre at each step with a post spike
        potentiation = post[fired].T @ x_pre_at_post - post.sum(axis=0)[:, None] * self.x_tar
        # sum_t x_post(t) ⊗ pre(t) only needs, for each post step t_k, the pre spikes after it weighted by the decay
        pre_after_post = decay_post[:, fired].T @ pre          # (k, n_pre)
        depression = post[fired].T @ pre_after_post
        return self.eta_post * potentiation * self._soft_bound(weights) - self.eta_pre * depression

    def _decay_matrices(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``D_pre[t, t'] = e^{-(t-t') dt/tau_pre}`` for ``t' <= t`` and ``D_post`` for ``t' < t`` (the trace before
        step t's spikes), kept for the last ``steps`` asked (every presentation of a network has the same)."""
        key = (steps, self.dt, self.tau_pre, self.tau_post)
        cached = getattr(self, "_decay_cache", None)
        if cached is None or cached[0] != key:
            lag = np.arange(steps)[:, None] - np.arange(steps)[None, :]
            decay_pre = np.where(lag >= 0, np.exp(-np.maximum(lag, 0) * self.dt / self.tau_pre), 0.0)
            decay_post = np.where(lag >= 1, np.exp(-np.maximum(lag, 0) * self.dt / self.tau_post), 0.0)
            cached = self._decay_cache = (key, decay_pre, decay_post)
        return cached[1], cached[2]

    def config(self) -> dict[str, Any]:
        """The rule's name and constants (JSON).

        >>> from neuronkit.spiking.unsupervised import DiehlCookSTDP
        >>> DiehlCookSTDP().config()["eta_post"]
        0.01
        """
        return {"type": self.name, **{key: getattr(self, key) for key in _RULE_KEYS}}


_RULE_KEYS = ("eta_pre", "eta_post", "x_tar", "mu", "tau_pre", "tau_post", "w_min", "w_max", "dt")

PLASTICITY_RULES.register("diehl_cook", DiehlCookSTDP)

#: the potentiation rate of :class:`DiehlCook`'s default rule (the paper's 0.01 learns from 60,000 images;
#: with 4,000, 0.02 gives 3 points more accuracy on MNIST-5k)
DEFAULT_ETA_POST = 0.02

#: the network's constants (besides the rule's), in the order of :meth:`DiehlCook.config`
_NET_KEYS = ("n_input", "n_exc", "image_shape", "presentation_ms", "rest_ms", "dt", "max_rate_hz", "rate_boost_hz",
             "min_spikes", "max_boosts", "tau_m", "v_rest", "v_reset", "v_threshold", "refractory", "input_gain",
             "inhibition", "theta_plus", "tau_theta", "weight_sum", "init_max")


class DiehlCook:
    """A reduced Diehl & Cook (2015) network: Poisson inputs, LIF neurons with adaptive thresholds, lateral
    inhibition and STDP; learns receptive fields without labels (see the module docstring for the equations).

    Parameters
    ----------
    n_input : inputs (pixels), e.g. 784 for 28x28 images.
    n_exc : excitatory neurons (the paper's smallest network has 100).
    image_shape : ``(height, width)`` of the images, for :meth:`receptive_fields` (default: square if
        ``n_input`` is a square, else none).
    presentation_ms, rest_ms : how long each image is shown, and the rest after it (ms; the rest only
        lets ``theta`` decay, the state is reset).
    dt : the time step (ms).
    max_rate_hz : the Poisson rate of a pixel of value 1 (rates are proportional to the pixel values,
        which must be in [0, 1]); ``rate_boost_hz``, ``min_spikes``, ``max_boosts``: an image answered
        by fewer than ``min_spikes`` spikes is shown again with every rate raised by ``rate_boost_hz``.
    tau_m, v_rest, v_reset, v_threshold, refractory : the LIF neurons (ms, mV).
    input_gain : mV added to a membrane per unit of weight of an input spike (default
        ``0.6 · sqrt(784 / n_input)``: 0.6 for MNIST's 784 pixels, 2.1 for the 64 of the 8x8 digits;
        measured best on each, as the weights of fewer inputs are as large but add up to less).
    inhibition : mV taken from every other excitatory membrane by each excitatory spike (50: about
        four times the gap from rest to threshold, so the first neuron to fire mostly silences the
        others, as the paper's strong inhibition does; on MNIST-5k 20 mV lost about 4 points of
        accuracy and 5 mV about 10).
    theta_plus, tau_theta : the adaptive threshold's rise per spike (mV) and decay time constant (ms;
        ``inf``: no decay). The paper's 0.05 mV and 10^7 ms suit 60,000 images; with a few thousand,
        thresholds that rise faster and forget within about 500 images (1 mV, 2·10^5 ms; an image and
        its rest take 400 ms) share the images among all the neurons sooner and keep the thresholds
        within reach of the input. Measured on MNIST-5k (4,000 images, one epoch): 0.79 test accuracy;
        0.5 mV left 10-15 neurons that never won an image (0.77), 2 mV 0.75, 0.25 mV 0.68; with no
        decay the thresholds keep rising, more and more images need boosting, and accuracy falls.
    weight_sum : the sum of each neuron's incoming weights after each image (default
        ``78 · n_input / 784``).
    init_max : initial weights are uniform in ``[0, init_max]``, then normalised.
    rule : the STDP rule (default :class:`DiehlCookSTDP` with ``dt`` and ``eta_post = 0.02``, twice
        the paper's, as the network learns from fewer images: 3 points more accuracy on MNIST-5k).
    seed : an int or a ``numpy.random.Generator`` for the initial weights and the Poisson inputs.

    Attributes
    ----------
    weights : ``(n_exc, n_input)`` float64, the learned input weights.
    theta : ``(n_exc,)`` the adaptive thresholds (mV above ``v_threshold``).
    labels_ : ``(n_exc,)`` each neuron's class after :meth:`assign_labels` (-1: it never fired).
    classes_ : the classes seen by :meth:`assign_labels`.
    train_spike_counts_ : ``(presentations, n_exc)`` spikes per image during the last :meth:`fit`.
    boosts_ : how many times the last :meth:`fit` showed an image again with boosted rates.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.unsupervised import DiehlCook
    >>> X = np.zeros((6, 4)); X[::2, :2] = 1.0; X[1::2, 2:] = 1.0
    >>> net = DiehlCook(4, 4, max_rate_hz=200.0, seed=0).fit(X, epochs=2)
    >>> net.assign_labels(X, [0, 1, 0, 1, 0, 1]).predict(X).tolist()
    [0, 1, 0, 1, 0, 1]
    """

    def __init__(self, n_input: int, n_exc: int = 100, *, image_shape: Sequence[int] | None = None,
                 presentation_ms: float = 250.0, rest_ms: float = 150.0, dt: float = 1.0,
                 max_rate_hz: float = 63.75, rate_boost_hz: float = 32.0, min_spikes: int = 5, max_boosts: int = 3,
                 tau_m: float = 100.0, v_rest: float = -65.0, v_reset: float = -65.0, v_threshold: float = -52.0,
                 refractory: float = 5.0, input_gain: float | None = None, inhibition: float = 50.0,
                 theta_plus: float = 1.0, tau_theta: float = 2e5, weight_sum: float | None = None,
                 init_max: float = 0.3, rule: DiehlCookSTDP | None = None,
                 seed: int | np.random.Generator | None = None) -> None:
        owner = "DiehlCook"
        self.n_input = check_int(n_input, "n_input", low=1, owner=owner)
        self.n_exc = check_int(n_exc, "n_exc", low=1, owner=owner)
        self.image_shape = _image_shape(image_shape, self.n_input)
        self.dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
        self.presentation_ms = check_number(presentation_ms, "presentation_ms", low=self.dt, owner=owner)
        self.rest_ms = check_number(rest_ms, "rest_ms", low=0.0, owner=owner)
        self.max_rate_hz = check_number(max_rate_hz, "max_rate_hz", low=0.0, low_open=True, owner=owner)
        self.rate_boost_hz = check_number(rate_boost_hz, "rate_boost_hz", low=0.0, owner=owner)
        self.min_spikes = check_int(min_spikes, "min_spikes", low=0, owner=owner)
        self.max_boosts = check_int(max_boosts, "max_boosts", low=0, owner=owner)
        self.tau_m = check_number(tau_m, "tau_m", low=0.0, low_open=True, owner=owner)
        self.v_rest = check_number(v_rest, "v_rest", owner=owner)
        self.v_reset = check_number(v_reset, "v_reset", owner=owner)
        self.v_threshold = check_number(v_threshold, "v_threshold", owner=owner)
        self.refractory = check_number(refractory, "refractory", low=0.0, owner=owner)
        self.input_gain = (0.6 * math.sqrt(784 / self.n_input) if input_gain is None else
                           check_number(input_gain, "input_gain", low=0.0, low_open=True, owner=owner))
        self.inhibition = check_number(inhibition, "inhibition", low=0.0, owner=owner)
        self.theta_plus = check_number(theta_plus, "theta_plus", low=0.0, owner=owner)
        self.tau_theta = check_number(tau_theta, "tau_theta", low=0.0, low_open=True, finite=False, owner=owner)
        self.weight_sum = (78.0 * self.n_input / 784 if weight_sum is None else
                           check_number(weight_sum, "weight_sum", low=0.0, low_open=True, owner=owner))
        self.init_max = check_number(init_max, "init_max", low=0.0, low_open=True, owner=owner)
        if rule is None:
            rule = DiehlCookSTDP(eta_post=DEFAULT_ETA_POST, dt=self.dt)
        elif not isinstance(rule, DiehlCookSTDP):
            raise ParameterError(f"DiehlCook rule must be a DiehlCookSTDP (the paper's rule); got {rule!r}")
        elif rule.dt != self.dt:
            raise ParameterError(f"DiehlCook rule.dt must equal dt={self.dt:g} ms (the network's step); got "
                                 f"{rule.dt:g}: make the rule with DiehlCookSTDP(dt={self.dt:g}, ...)")
        self.rule = rule
        self.rng = make_rng(seed)
        weights = self.rng.uniform(0.0, self.init_max, size=(self.n_exc, self.n_input))
        self.weights = self._normalise(weights)
        self.theta = np.zeros(self.n_exc)
        self.labels_: np.ndarray | None = None
        self.classes_: np.ndarray | None = None
        self.class_rates_: np.ndarray | None = None
        self.train_spike_counts_: np.ndarray | None = None
        self.images_seen_ = 0
        self.boosts_ = 0

    # ------------------------------------------------------------------ constants worked out once
    @property
    def steps(self) -> int:
        """Time steps per presentation: ``round(presentation_ms / dt)``."""
        return max(1, round(self.presentation_ms / self.dt))

    def _normalise(self, weights: np.ndarray) -> np.ndarray:
        """Scale each row (a neuron's incoming weights) to sum to ``weight_sum`` (a row of zeros stays zero)."""
        sums = weights.sum(axis=1, keepdims=True)
        np.divide(weights * self.weight_sum, sums, out=weights, where=sums > 0)
        return weights

    def _pixels(self, X: Any, name: str = "X") -> np.ndarray:
        """Images as (n, n_input) float64 in [0, 1]; (n, H, W) and (n, 1, H, W) are flattened."""
        X = check_array(X, name, ndim=None, dtype=np.float64, owner="DiehlCook")
        if X.ndim > 2:
            X = X.reshape(len(X), -1)
        if X.ndim != 2 or X.shape[1] != self.n_input:
            raise ShapeError(f"DiehlCook {name} must be (samples, {self.n_input}) pixels (or images with "
                             f"{self.n_input} pixels each), as n_input says; got shape {np.shape(X)}")
        low, high = float(X.min(initial=0.0)), float(X.max(initial=0.0))
        if low < 0.0 or high > 1.0:
            raise DataError(f"DiehlCook {name} must hold pixel values in [0, 1] (they set the spike rates); got "
                            f"values in [{low:g}, {high:g}]: divide by the largest value (e.g. 255, or 16 for "
                            "the digits dataset's flat table)")
        return X

    # ------------------------------------------------------------------ the simulation
    def _simulate(self, pixels: np.ndarray, rate_hz: float, rng: np.random.Generator, *, learn: bool,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Show a batch of images for one presentation: spike counts (batch, n_exc).

        With ``learn`` (one image) the thresholds rise with the spikes, and the input spikes
        (T, n_input) and excitatory spikes (T, n_exc) come back for the rule (else two empty arrays)."""
        steps, batch = self.steps, len(pixels)
        active = np.flatnonzero(pixels.any(axis=0))  # pixels that are black in every image never spike
        probability = pixels[:, active] * (rate_hz * self.dt / 1000.0)
        weights_in = self.input_gain * self.weights[:, active].T          # (active, n_exc)
        leak = math.exp(-self.dt / self.tau_m)
        refractory_steps = round(self.refractory / self.dt)
        # the membrane relative to rest: u = v - v_rest
        reset = self.v_reset - self.v_rest
        threshold = self.v_threshold - self.v_rest + self.theta          # (n_exc,); rises with spikes when learning
        u = np.zeros((batch, self.n_exc))
        held_until = np.zeros((batch, self.n_exc), dtype=np.int64)       # refractory: held at reset before this step
        last_held = 0                                                    # no neuron is held from this step on
        counts = np.zeros((batch, self.n_exc), dtype=np.int64)
        inhibition: np.ndarray | None = None
        if learn:
            pre = rng.random((steps, active.size)) < probability[0]
            drive = pre @ weights_in                                    # the input of every step at once
            post = np.zeros((steps, self.n_exc), dtype=bool)
            threshold = threshold.copy()
        else:
            probability = probability.astype(np.float32)
        for t in range(steps):
            u *= leak
            u += drive[t] if learn else (rng.random(probability.shape, dtype=np.float32) < probability) @ weights_in
            if inhibition is not None:
                u -= inhibition
                inhibition = None
            if t < last_held:
                np.copyto(u, reset, where=held_until > t)
            fired = u > threshold
            if not fired.any():
                continue
            u[fired] = reset
            held_until[fired] = last_held = t + 1 + refractory_steps
            counts += fired
            # each spike inhibits every other neuron of its sample on the next step
            inhibition = self.inhibition * (fired.sum(axis=1, keepdims=True) - fired)
            if learn:
                post[t] = fired[0]
                threshold += self.theta_plus * fired[0]
        if not learn:
            return counts, np.zeros((0, self.n_input), dtype=bool), np.zeros((0, self.n_exc), dtype=bool)
        self.theta = threshold - (self.v_threshold - self.v_rest)
        pre_full = np.zeros((steps, self.n_input), dtype=bool)
        pre_full[:, active] = pre
        return counts, pre_full, post

    def _present(self, image: np.ndarray) -> np.ndarray:
        """Show one image with learning on (boosted while it draws too few spikes); its spike counts."""
        total = np.zeros(self.n_exc, dtype=np.int64)
        for boost in range(self.max_boosts + 1):
            rate = self.max_rate_hz + boost * self.rate_boost_hz
            counts, pre, post = self._simulate(image[None, :], rate, self.rng, learn=True)
            total += counts[0]
            if post.any():
                self.weights += self.rule.presentation_dw(self.weights, pre, post)
                self.rule.bound(self.weights)
                self._normalise(self.weights)
            if math.isfinite(self.tau_theta):  # theta decays over the image and the rest after it
                self.theta *= math.exp(-(self.presentation_ms + self.rest_ms) / self.tau_theta)
            if counts.sum() >= self.min_spikes:
                break
            self.boosts_ += 1
        return total

    def fit(self, X: Any, *, epochs: int = 1, progress: bool = False) -> DiehlCook:
        """Learn from the images ``X`` (no labels): each image is shown once per epoch, in order.

        ``X`` is ``(n, n_input)`` (or ``(n, H, W)``, ``(n, 1, H, W)``) with pixel values in [0, 1].
        ``progress=True`` shows a progress bar (tqdm) on standard error. The spike counts of every
        presentation are kept in ``train_spike_counts_`` ``(epochs · n, n_exc)``. Returns ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> X = np.eye(4)[[0, 1, 2, 3]]
        >>> net = DiehlCook(4, 3, max_rate_hz=300.0, seed=1).fit(X)
        >>> net.train_spike_counts_.shape, bool(net.theta.max() > 0)
        ((4, 3), True)
        """
        pixels = self._pixels(X)
        epochs = check_int(epochs, "epochs", low=1, owner="DiehlCook.fit")
        progress = check_bool(progress, "progress", owner="DiehlCook.fit")
        bar = _progress_bar(epochs * len(pixels)) if progress else None
        counts = np.zeros((epochs * len(pixels), self.n_exc), dtype=np.int64)
        self.boosts_ = 0
        try:
            with one_blas_thread():
                for epoch in range(epochs):
                    for i, image in enumerate(pixels):
                        counts[epoch * len(pixels) + i] = self._present(image)
                        self.images_seen_ += 1
                        if bar is not None:
                            bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        self.train_spike_counts_ = counts
        return self

    def spike_counts(self, X: Any, *, seed: int | None = 0, batch_size: int = 500) -> np.ndarray:
        """Each neuron's spikes for each image ``(n, n_exc)``, learning off (weights and thresholds fixed).

        Images are shown ``batch_size`` at a time (each on its own membranes; the inhibition stays
        within an image); one that draws fewer than ``min_spikes`` spikes is shown again with boosted
        rates, and its counts are those of its last showing. ``seed`` fixes the Poisson inputs (the same
        counts for the same images; ``None``: fresh ones from the network's generator).

        Examples
        --------
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> net = DiehlCook(4, 3, max_rate_hz=300.0, seed=0)
        >>> net.spike_counts(np.ones((2, 4))).shape
        (2, 3)
        """
        pixels = self._pixels(X)
        batch_size = check_int(batch_size, "batch_size", low=1, owner="DiehlCook.spike_counts")
        rng = self.rng if seed is None else make_rng(seed)
        counts = np.zeros((len(pixels), self.n_exc), dtype=np.int64)
        with one_blas_thread():
            for start in range(0, len(pixels), batch_size):
                todo = np.arange(start, min(start + batch_size, len(pixels)))
                for boost in range(self.max_boosts + 1):
                    rate = self.max_rate_hz + boost * self.rate_boost_hz
                    counts[todo] = self._simulate(pixels[todo], rate, rng, learn=False)[0]
                    todo = todo[counts[todo].sum(axis=1) < self.min_spikes]
                    if todo.size == 0:
                        break
        return counts

    def assign_labels(self, X: Any, y: Any, *, counts: np.ndarray | None = None) -> DiehlCook:
        """Label each neuron with the class it answers most on average (learning off).

        ``class_rates_[c, i]`` is neuron ``i``'s mean spike count over the images of class ``c``;
        ``labels_[i]`` is the class of its largest mean (-1 for a neuron that never fired). ``counts``
        (from :meth:`spike_counts`) saves showing the images again. Returns ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> net = DiehlCook(2, 2, seed=0)
        >>> counts = np.array([[3, 0], [0, 2], [4, 1]])
        >>> net.assign_labels(np.zeros((3, 2)), ["a", "b", "a"], counts=counts).labels_.tolist()
        [0, 1]
        >>> net.classes_.tolist()
        ['a', 'b']
        """
        y = np.asarray(y)
        if y.ndim != 1:
            raise ShapeError(f"DiehlCook.assign_labels y must be one label per image, shape (n,); got shape {y.shape}")
        check_consistent_length(X, y, owner="DiehlCook.assign_labels")
        counts = self.spike_counts(X) if counts is None else _counts(counts, len(y), self.n_exc)
        classes, index = np.unique(y, return_inverse=True)
        rates = np.zeros((len(classes), self.n_exc))
        np.add.at(rates, index, counts)
        rates /= np.bincount(index, minlength=len(classes))[:, None]
        self.classes_ = classes
        self.class_rates_ = rates
        self.labels_ = np.where(rates.max(axis=0) > 0, rates.argmax(axis=0), -1)
        return self

    def predict(self, X: Any, *, counts: np.ndarray | None = None) -> np.ndarray:
        """The class of each image: the class whose labelled neurons fire most on average (learning off).

        Needs :meth:`assign_labels` first. ``counts`` (from :meth:`spike_counts`) saves showing the
        images again. A class with no neuron of its own is never predicted; an image without spikes
        gets the first class.

        Examples
        --------
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> net = DiehlCook(2, 3, seed=0)
        >>> net = net.assign_labels(np.zeros((2, 2)), [0, 1], counts=np.array([[5, 0, 4], [0, 3, 0]]))
        >>> net.labels_.tolist(), net.predict(np.zeros((2, 2)), counts=np.array([[0, 1, 0], [2, 0, 1]])).tolist()
        ([0, 1, 0], [1, 0])
        """
        if self.labels_ is None or self.classes_ is None:
            raise NotFittedError("this DiehlCook has no neuron labels yet; call assign_labels(X, y) with labelled "
                                 "images first (after fit)")
        counts = self.spike_counts(X) if counts is None else _counts(counts, len(np.asarray(X)), self.n_exc)
        scores = np.full((len(counts), len(self.classes_)), -1.0)
        for c in range(len(self.classes_)):
            mine = self.labels_ == c
            if mine.any():
                scores[:, c] = counts[:, mine].mean(axis=1)
        return self.classes_[scores.argmax(axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """The fraction of images :meth:`predict` classifies right.

        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> X = np.zeros((6, 4)); X[::2, :2] = 1.0; X[1::2, 2:] = 1.0
        >>> net = DiehlCook(4, 4, max_rate_hz=200.0, seed=0).fit(X, epochs=2).assign_labels(X, [0, 1] * 3)
        >>> net.score(X, [0, 1] * 3)
        1.0
        """
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def receptive_fields(self) -> np.ndarray:
        """Each neuron's incoming weights as an image ``(n_exc, H, W)`` (``(n_exc, n_input)`` without ``image_shape``).

        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> DiehlCook(784, 10, seed=0).receptive_fields().shape
        (10, 28, 28)
        """
        if self.image_shape is None:
            return self.weights.copy()
        return self.weights.reshape(self.n_exc, *self.image_shape).copy()

    # ------------------------------------------------------------------ saving
    def config(self) -> dict[str, Any]:
        """The constants (JSON): the network's and its rule's.

        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> DiehlCook(64, 10, seed=0).config()["weight_sum"]
        6.36734693877551
        """
        config = {key: getattr(self, key) for key in _NET_KEYS}
        config["image_shape"] = None if self.image_shape is None else list(self.image_shape)
        config["rule"] = self.rule.config()
        return config

    def state_dict(self) -> dict[str, np.ndarray]:
        """The learned arrays: ``weights``, ``theta`` and, once labelled, ``labels`` and ``class_rates``.

        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> sorted(DiehlCook(4, 2, seed=0).state_dict())
        ['theta', 'weights']
        """
        arrays = {"weights": self.weights.copy(), "theta": self.theta.copy()}
        if self.labels_ is not None and self.class_rates_ is not None:
            arrays["labels"] = self.labels_.astype(np.int64)
            arrays["class_rates"] = self.class_rates_.copy()
        return arrays

    @classmethod
    def from_state_dict(cls, config: Any, arrays: dict[str, np.ndarray], *,
                        classes: Sequence[Any] | None = None, seed: int | None = None) -> DiehlCook:
        """A network made from :meth:`config` around the arrays of :meth:`state_dict` (no weights drawn).

        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> net = DiehlCook(4, 2, seed=0)
        >>> again = DiehlCook.from_state_dict(net.config(), net.state_dict())
        >>> bool(np.array_equal(again.weights, net.weights))
        True
        """
        if not isinstance(config, dict):
            raise ModelFileError(f"a DiehlCook config must be a JSON object; got {type(config).__name__}")
        options = dict(config)
        unknown = sorted(set(options) - set(_NET_KEYS) - {"rule"})
        if unknown:
            raise ModelFileError(f"a DiehlCook config holds unknown keys {unknown}; known: "
                                 f"{', '.join(_NET_KEYS)}, rule")
        rule_config = dict(options.pop("rule", {}) or {})
        rule_config.pop("type", None)
        n_exc, n_input = int(options["n_exc"]), int(options["n_input"])
        expected = {"weights": (n_exc, n_input), "theta": (n_exc,)}
        for name, shape in expected.items():
            if name not in arrays or np.shape(arrays[name]) != shape:
                got = np.shape(arrays[name]) if name in arrays else "missing"
                raise ModelFileError(f"the DiehlCook array {name!r} must have shape {shape} (n_exc={n_exc}, "
                                     f"n_input={n_input}); got {got}")
        net = cls(**{key: value for key, value in options.items() if key != "init_max"},
                  init_max=options.get("init_max", 0.3), rule=DiehlCookSTDP(**rule_config), seed=seed)
        net.weights = np.array(arrays["weights"], dtype=np.float64)
        net.theta = np.array(arrays["theta"], dtype=np.float64)
        if "labels" in arrays:
            rates = np.array(arrays["class_rates"], dtype=np.float64)
            net.labels_ = np.array(arrays["labels"], dtype=np.int64)
            net.class_rates_ = rates
            net.classes_ = np.asarray(classes) if classes is not None else np.arange(len(rates))
            if len(net.classes_) != len(rates):
                raise ModelFileError(f"the DiehlCook file names {len(net.classes_)} classes but its class_rates "
                                     f"have {len(rates)} rows")
        return net

    def save(self, path: str | Path) -> None:
        """Write the network to one file (safetensors arrays + JSON constants; no pickle), atomically.

        >>> import os, tempfile
        >>> import numpy as np
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> path = os.path.join(tempfile.mkdtemp(), "dc.nkm")
        >>> net = DiehlCook(4, 2, seed=0)
        >>> net.save(path)
        >>> bool(np.array_equal(DiehlCook.load(path).weights, net.weights))
        True
        """
        from ..io import save_arrays

        classes = None if self.classes_ is None else self.classes_.tolist()
        save_arrays(path, self.state_dict(), {"model": "DiehlCook", "config": self.config(), "classes": classes,
                                              "images_seen": self.images_seen_})

    @classmethod
    def load(cls, path: str | Path) -> DiehlCook:
        """Read a network written by :meth:`save` (a :class:`ModelFileError` names the file and the problem).

        >>> import os, tempfile
        >>> from neuronkit.spiking.unsupervised import DiehlCook
        >>> path = os.path.join(tempfile.mkdtemp(), "dc.nkm")
        >>> DiehlCook(4, 2, seed=0).save(path)
        >>> DiehlCook.load(path).n_exc
        2
        """
        from ..io import load_arrays

        arrays, info = load_arrays(path)
        if info.get("model") != "DiehlCook":
            raise ModelFileError(f"{path} does not hold a DiehlCook network (it holds {info.get('model')!r}); "
                                 "write one with DiehlCook.save")
        try:
            net = cls.from_state_dict(info.get("config"), arrays, classes=info.get("classes"))
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFileError(f"cannot load {path}: {exc}") from None
        net.images_seen_ = int(info.get("images_seen", 0))
        return net

    def __repr__(self) -> str:
        return (f"DiehlCook(n_input={self.n_input}, n_exc={self.n_exc}, images_seen={self.images_seen_}, "
                f"labelled={self.labels_ is not None})")


def _image_shape(shape: Sequence[int] | None, n_input: int) -> tuple[int, int] | None:
    if shape is None:
        side = math.isqrt(n_input)
        return (side, side) if side * side == n_input else None
    shape = tuple(shape)
    if len(shape) != 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape) \
            or shape[0] * shape[1] != n_input:
        raise ParameterError(f"DiehlCook image_shape must be (height, width) with height * width = n_input = "
                             f"{n_input}; got {shape!r}")
    return int(shape[0]), int(shape[1])


def _counts(counts: Any, n: int, n_exc: int) -> np.ndarray:
    counts = np.asarray(counts)
    if counts.shape != (n, n_exc):
        raise ShapeError(f"DiehlCook counts must be (images, n_exc) = ({n}, {n_exc}), one row per image of X; got "
                         f"shape {counts.shape}")
    return counts


def _progress_bar(total: int) -> Any:
    """A tqdm bar over images on standard error (None without tqdm)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm ships with neuronkit[train]
        return None
    return tqdm(total=total, unit="image", desc="STDP", dynamic_ncols=True)
