"""Encoders: the first layer of a spiking network, turning data into time-major spikes or currents.

The data given to ``fit``, the estimators and the CLI stay ``(batch, features)`` (or
``(batch, C, H, W)``); an encoder turns them into ``(T, batch, ...)`` float32 arrays that the
spiking layers after it take and return. Every encoder is a layer without parameters:

====================  =============================================================  ==============
encoder               rule (per value x of a sample, steps t = 0 … T-1)               snnTorch
====================  =============================================================  ==============
``RateEncoder``       spike with probability min(gain·x, 1) at every step             ``spikegen.rate``
``LatencyEncoder``    one spike at step round(τ·ln(x / (x - θ))) (or linear in x):    ``spikegen.latency``
                      large values fire early, small ones late or not at all
``DeltaEncoder``      a spike where the sequence rises by at least θ since the        ``spikegen.delta``
                      last step (and -1 where it falls by θ, with ``off_spike``)
``CurrentEncoder``    the value itself at every step (a constant input current)       —
====================  =============================================================  ==============

Time-major: ``output_shape`` gives the per-sample shape *without* the time axis (as every
layer's ``output_shape`` has no batch axis), because the steps lead the batch: a network's
summary of a spiking model shows each layer's shape per sample and step, (T, ...) in total.
Encoders set ``makes_time_axis = True``: whatever follows them is ``(T, batch, ...)``.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

from ..engine import Tensor, ops
from ..errors import DataError, ShapeError
from ..init import make_rng
from ..layers.base import (
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    constructor_options,
    label,
    layer_input,
    register_layer,
)
from ..layers.counting import Count, register_cost
from ..validation import check_bool, check_int, check_number

_FLOAT32 = np.dtype(np.float32)

__all__ = ["CurrentEncoder", "DeltaEncoder", "Encoder", "LatencyEncoder", "RateEncoder"]


class Encoder(Module):
    """Base class of encoders: a layer without parameters turning (batch, ...) into time-major (T, batch, ...).

    Subclasses define :meth:`encode` (an array in, a float32 array out) and ``config()``; ``forward``
    checks the input and wraps the result, ``infer`` is the array path.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.encoders import Encoder
    >>> class Twice(Encoder):
    ...     def encode(self, x):
    ...         return np.stack([x, x])
    >>> Twice()(np.ones((3, 2), dtype=np.float32)).shape
    (2, 3, 2)
    """

    name_prefix = "encoder"
    #: its output gets a leading time axis (T, batch, ...) that its input lacks
    makes_time_axis = True

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The time-major float32 array (T, batch, ...) for a checked float32 input (batch, ...)."""
        raise NotImplementedError(f"{type(self).__name__} defines no encode(x)")

    def _input(self, x: Any) -> np.ndarray:
        data = layer_input(self, x, None, _FLOAT32).data
        if not np.isfinite(data).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(data))[0])
            raise DataError(f"layer {label(self)!r} ({type(self).__name__}) got {float(data[where])!r} at index "
                            f"{where}; its input must be finite: impute or drop missing values first")
        return data.astype(np.float32, copy=False)

    def forward(self, x: Any) -> Tensor:
        return Tensor(self.encode(self._input(x)))

    def infer(self, x: Any) -> np.ndarray:
        """The encoded array (T, batch, ...), without a graph."""
        return self.encode(self._input(x))

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """One sample's shape at one step: the input's (the time axis leads the batch, it is not per sample)."""
        return check_in_shape(in_shape, self)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: an encoder holds no arrays."""
        cls(**constructor_options(cls, config, cls.__name__))
        return {}


def _steps(steps: Any, owner: str) -> int:
    return check_int(steps, "steps", low=1, owner=owner)


def _unit_range(layer: Module, x: np.ndarray, clip: bool) -> np.ndarray:
    """``x`` clipped into [0, 1] (``clip``), or refused when outside it, naming the smallest and largest found."""
    if clip:
        return np.clip(x, np.float32(0.0), np.float32(1.0))
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        clipping = (", or give clip=True to clip them into [0, 1] (what snnTorch does; a scaler fitted on the "
                    "training data can map new data a little outside)") if hasattr(layer, "clip") else ""
        raise DataError(f"layer {label(layer)!r} ({type(layer).__name__}) takes values in [0, 1]; got values from "
                        f"{float(x.min()):g} to {float(x.max()):g}. Scale the features into [0, 1] first (e.g. "
                        f"nk.data.MinMaxScaler or sklearn.preprocessing.MinMaxScaler, or X / X.max()){clipping}")
    return x


@register_layer
class RateEncoder(Encoder):
    r"""Rate (Poisson/Bernoulli) coding: at each of ``steps`` steps, each value fires with probability gain·x.

    .. math:: s_{t} = [u_{t} < \min(\text{gain}\cdot x, 1)], \qquad u_t \sim U[0, 1) \text{ independent}

    so the expected firing rate of each input is gain·x (snnTorch's ``spikegen.rate(x, num_steps,
    gain)``: the same rule, ``torch.bernoulli``). ``x`` must be in [0, 1]: a value outside is refused,
    naming the smallest and largest found, unless ``clip=True`` (then clipped into [0, 1], as snnTorch
    does); gain·x above 1 fires at every step.

    Randomness: in training, the draws come from the layer's Generator (``rng``, or one made from
    ``seed``), new at every call. In evaluation (``nk.eval_mode()``, prediction, ``.eval()``), each
    sample's draws come from a Generator seeded by the layer's seed and the sample's values, so a
    sample gets the same spikes every time it is predicted, alone or in any batch, at any position
    (a seed is drawn once when none is given, and saved in the config, so a loaded model predicts
    the same).

    Input (batch, ...) -> output (T, batch, ...) float32 spikes (0 or 1). No parameters.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> enc = nk.spiking.RateEncoder(1000, seed=0)
    >>> spikes = enc(np.array([[0.0, 0.25, 1.0]]))
    >>> spikes.shape, spikes.data.mean(axis=0).round(2)
    ((1000, 1, 3), array([[0.  , 0.23, 1.  ]], dtype=float32))
    >>> enc.rule(np.array([0.5, 0.5], dtype=np.float32), np.array([0.4, 0.6], dtype=np.float32))
    array([1., 0.], dtype=float32)
    """

    def __init__(self, steps: int, *, gain: float = 1.0, clip: bool = False, seed: int | None = None,
                 rng: np.random.Generator | None = None, name: str | None = None) -> None:
        self.steps = _steps(steps, "RateEncoder")
        self.gain = check_number(gain, "gain", low=0.0, low_open=True, owner="RateEncoder")
        self.clip = check_bool(clip, "clip", owner="RateEncoder")
        self._rng = make_rng(seed, rng)
        # the seed of the evaluation draws (and of the config): drawn once when none is given
        given = seed is not None and not isinstance(seed, np.random.Generator)  # make_rng checked it is an int
        self.seed = int(seed) if seed is not None and given else int(self._rng.integers(2**63))
        self.name = check_name(name, "RateEncoder")

    def rule(self, x: np.ndarray, uniform: np.ndarray) -> np.ndarray:
        """The spikes for inputs ``x`` and uniform draws ``uniform`` in [0, 1) (of the output's shape).

        ``uniform < min(gain·x, 1)``, as float32: the rule of ``torch.bernoulli(clamp(gain·x, 0, 1))``.

        >>> import numpy as np
        >>> import neuronkit as nk
        >>> nk.spiking.RateEncoder(2, gain=2.0, seed=0).rule(np.float32([0.3]), np.float32([[0.5], [0.7]]))
        array([[1.],
               [0.]], dtype=float32)
        """
        probability = np.clip(x * np.float32(self.gain), 0.0, 1.0)
        return (uniform < probability).astype(np.float32)

    def encode(self, x: np.ndarray) -> np.ndarray:
        x = _unit_range(self, x, self.clip)
        if self.in_training:
            return self.rule(x, self._rng.random((self.steps, *x.shape), dtype=np.float32))
        return self.rule(x, self._evaluation_draws(x))

    def _evaluation_draws(self, x: np.ndarray) -> np.ndarray:
        """Uniform draws (T, batch, ...) where each sample's depend only on the seed and its own values."""
        uniform = np.empty((self.steps, *x.shape), dtype=np.float32)
        for i, sample in enumerate(x):  # tens of µs a sample: a prediction does not depend on its batch
            digest = hashlib.blake2b(np.ascontiguousarray(sample).tobytes(), digest_size=8).digest()
            rng = np.random.default_rng([self.seed, 1, int.from_bytes(digest, "little")])
            uniform[:, i] = rng.random((self.steps, *sample.shape), dtype=np.float32)
        return uniform

    def config(self) -> dict[str, Any]:
        return {"type": "RateEncoder", "steps": self.steps, "gain": self.gain, "clip": self.clip, "seed": self.seed,
                "name": self.name}

    def __repr__(self) -> str:
        return f"RateEncoder({self.steps}, gain={self.gain:g})"


@register_layer
class LatencyEncoder(Encoder):
    r"""Latency coding: each value fires once, the larger the earlier (snnTorch's ``spikegen.latency``).

    A value x in [0, 1] is the constant input of an RC circuit charging with time constant τ
    towards x; it fires when it crosses the threshold θ:

    .. math:: t(x) = \tau \ln\frac{x}{x - \theta} \quad (x \text{ clamped to at least } \theta + 10^{-7})

    or, with ``linear=True``, :math:`t(x) = \min(\tau (1 - x),\ \tau (1 - \theta))`. With
    ``normalize=True`` the times are stretched so the latest spike falls on step T - 1 (the log code:
    t·(T-1)/max t, the maximum over the whole input; the linear code: τ = T - 1). The spike is at step
    round(t); a value whose step is beyond T - 1 does not fire (snnTorch's ``bypass=True``; without it,
    snnTorch refuses such inputs). Values below θ fire at τ·ln((θ+10⁻⁷)/10⁻⁷) (log) or τ(1-θ) (linear),
    as in snnTorch (``clip=False``).

    ``normalize=True`` with the log code divides by the largest time in the *whole input*, so a sample's
    spikes can depend on the other samples of its batch (unless the batch holds a value below θ, as
    images with a black pixel do: then the largest time is the fixed one above).

    Input (batch, ...) with values in [0, 1] (others refused) -> (T, batch, ...) float32 spikes (one per
    value at most).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.spiking.LatencyEncoder(5, tau=1.0, normalize=True, linear=True)(np.array([[0.02, 0.5, 1.0]])).data[:, 0]
    array([[0., 0., 1.],
           [0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.],
           [1., 0., 0.]], dtype=float32)
    """

    def __init__(self, steps: int, *, tau: float = 5.0, threshold: float = 0.01, linear: bool = False,
                 normalize: bool = False, name: str | None = None) -> None:
        self.steps = _steps(steps, "LatencyEncoder")
        self.tau = check_number(tau, "tau", low=0.0, low_open=True, owner="LatencyEncoder")
        self.threshold = check_number(threshold, "threshold", low=0.0, high=1.0, low_open=True, high_open=True,
                                      owner="LatencyEncoder")
        self.linear = check_bool(linear, "linear", owner="LatencyEncoder")
        self.normalize = check_bool(normalize, "normalize", owner="LatencyEncoder")
        self.name = check_name(name, "LatencyEncoder")

    def spike_times(self, x: np.ndarray) -> np.ndarray:
        """The (real-valued) spike time of each value, before rounding; float32, as snnTorch computes it.

        >>> import numpy as np
        >>> import neuronkit as nk
        >>> nk.spiking.LatencyEncoder(5, tau=1.0, normalize=True, linear=True).spike_times(np.float32([0.02, 0.5, 1]))
        array([3.92, 2.  , 0.  ], dtype=float32)
        """
        steps = self.steps
        if self.linear:
            tau = float(steps - 1) if self.normalize else self.tau
            return np.minimum(tau * (1 - x), np.float32(tau * (1 - self.threshold)))  # snnTorch's -τ(x - 1), without -0
        x = np.maximum(x, np.float32(self.threshold + 1e-7))
        times = self.tau * np.log(x / (x - np.float32(self.threshold)))
        if self.normalize and times.size:
            times = times * np.float32(steps - 1) / times.max()
        return times.astype(np.float32, copy=False)

    def encode(self, x: np.ndarray) -> np.ndarray:
        x = _unit_range(self, x, clip=False)
        step = np.round(self.spike_times(x))
        spikes = (np.arange(self.steps, dtype=np.float32).reshape((-1,) + (1,) * x.ndim) == step)
        return spikes.astype(np.float32)

    def config(self) -> dict[str, Any]:
        return {"type": "LatencyEncoder", "steps": self.steps, "tau": self.tau, "threshold": self.threshold,
                "linear": self.linear, "normalize": self.normalize, "name": self.name}

    def __repr__(self) -> str:
        return (f"LatencyEncoder({self.steps}, tau={self.tau:g}, threshold={self.threshold:g}"
                f"{', linear=True' if self.linear else ''}{', normalize=True' if self.normalize else ''})")


@register_layer
class DeltaEncoder(Encoder):
    r"""Delta (change) coding of sequences: a spike where a value rose by at least θ since the step before.

    .. math:: s_t = [x_t - x_{t-1} \ge \theta] \;(-\,[x_t - x_{t-1} \le -\theta] \text{ with off\_spike}),
        \qquad x_{-1} = 0 \;(x_{-1} = x_0 \text{ with padding})

    snnTorch's ``spikegen.delta``. The input is a batch of sequences (batch, T, ...) (the layout of the
    data given to ``fit``), the output time-major (T, batch, ...) float32: 1 (and -1 with
    ``off_spike=True``) or 0. The first step compares with 0, or with itself (no spike) when
    ``padding=True``. ``output_shape`` maps one sample (T, ...) to one step's (...).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[1, 2, 0, 2, 2.9]])[:, :, None]              # one sequence of 5 steps, 1 feature
    >>> nk.spiking.DeltaEncoder(threshold=1.0, off_spike=True)(x).data.ravel()
    array([ 1.,  1., -1.,  1.,  0.], dtype=float32)
    >>> nk.spiking.DeltaEncoder(threshold=1.0, padding=True)(x).data.ravel()
    array([0., 1., 0., 1., 0.], dtype=float32)
    """

    def __init__(self, *, threshold: float = 0.1, off_spike: bool = False, padding: bool = False,
                 name: str | None = None) -> None:
        self.threshold = check_number(threshold, "threshold", low=0.0, low_open=True, owner="DeltaEncoder")
        self.off_spike = check_bool(off_spike, "off_spike", owner="DeltaEncoder")
        self.padding = check_bool(padding, "padding", owner="DeltaEncoder")
        self.name = check_name(name, "DeltaEncoder")

    def _sequences(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 2 or x.shape[1] == 0:
            raise ShapeError(f"layer {label(self)!r} (DeltaEncoder) takes a batch of sequences (batch, T, ...) with "
                             f"at least one step; got shape {x.shape}")
        return np.moveaxis(x, 1, 0)  # (T, batch, ...)

    def encode(self, x: np.ndarray) -> np.ndarray:
        data = self._sequences(x)
        before = np.concatenate([data[:1] if self.padding else np.zeros_like(data[:1]), data[:-1]])
        change = data - before
        spikes = (change >= self.threshold).astype(np.float32)
        if self.off_spike:
            spikes -= (change <= -self.threshold).astype(np.float32)
        return spikes

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """One step's shape: a sample (T, ...) without its time axis, which leads the batch in the output."""
        shape = check_in_shape(in_shape, self)
        if len(shape) < 2:
            raise ShapeError(f"layer {label(self)!r} (DeltaEncoder) takes sequences, one sample (T, features, ...); "
                             f"got the per-sample shape {shape}")
        return shape[1:]

    def config(self) -> dict[str, Any]:
        return {"type": "DeltaEncoder", "threshold": self.threshold, "off_spike": self.off_spike,
                "padding": self.padding, "name": self.name}

    def __repr__(self) -> str:
        return (f"DeltaEncoder(threshold={self.threshold:g}{', off_spike=True' if self.off_spike else ''}"
                f"{', padding=True' if self.padding else ''})")


@register_layer
class CurrentEncoder(Encoder):
    r"""Constant-current coding: each value is the input current at every one of ``steps`` steps.

    .. math:: I_t = x, \qquad t = 0, \dots, T-1

    The input coding of ANN-to-SNN conversion: the first spiking layer integrates w·x + b at every
    step, so its firing rate approximates the ReLU activation. Any real values are taken. Gradients
    flow back to ``x`` (the sum over the steps). Input (batch, ...) -> (T, batch, ...) float32.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.spiking.CurrentEncoder(3)(np.array([[0.5, -2.0]])).data[:, 0]
    array([[ 0.5, -2. ],
           [ 0.5, -2. ],
           [ 0.5, -2. ]], dtype=float32)
    """

    def __init__(self, steps: int, *, name: str | None = None) -> None:
        self.steps = _steps(steps, "CurrentEncoder")
        self.name = check_name(name, "CurrentEncoder")

    def encode(self, x: np.ndarray) -> np.ndarray:
        return np.repeat(x[None], self.steps, axis=0)

    def forward(self, x: Any) -> Tensor:
        if isinstance(x, Tensor) and x.requires_grad:  # keep the graph: d/dx is the sum over the steps
            x = layer_input(self, x, None, _FLOAT32)
            return ops.mul(ops.reshape(x, (1, *x.shape)), np.ones((self.steps,) + (1,) * x.ndim, dtype=x.dtype))
        return super().forward(x)

    def config(self) -> dict[str, Any]:
        return {"type": "CurrentEncoder", "steps": self.steps, "name": self.name}

    def __repr__(self) -> str:
        return f"CurrentEncoder({self.steps})"


register_cost(Encoder, lambda layer, shape, steps: Count(ops=steps * math.prod(shape)))  # one op per value a step
