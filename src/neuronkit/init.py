"""Weight initialisers: one registry; randomness always passed in.

Every initialiser is ``fn(shape, rng, *, dtype, **options) -> ndarray`` for a
weight of shape ``(out_features, in_features)`` (fan_in = in_features,
fan_out = out_features). ``rng`` is a ``numpy.random.Generator``.

=================  =====================================================
zeros / ones        all 0 / all 1
constant(value)     all ``value``
uniform(low, high)  U(low, high), default U(-0.05, 0.05)
normal(mean, std)   N(mean, std²), default N(0, 0.05²)
glorot_uniform      U(-a, a), a = gain·sqrt(6 / (fan_in + fan_out))   (xavier_uniform)
glorot_normal       N(0, gain²·2 / (fan_in + fan_out))                (xavier_normal)
he_uniform          U(-a, a), a = sqrt(6 / fan_in)                    (kaiming_uniform)
he_normal           N(0, 2 / fan_in)                                  (kaiming_normal)
lecun_uniform       U(-a, a), a = sqrt(3 / fan_in)
lecun_normal        N(0, 1 / fan_in)                                  (lecun)
orthogonal(gain)    a (semi-)orthogonal matrix times gain
=================  =====================================================

Defaults by activation family (:func:`default_for`): He for the ReLU family,
LeCun normal for SELU, Glorot for sigmoid/tanh and everything else.

>>> import numpy as np
>>> w = get_initializer("he_normal")((256, 784), np.random.default_rng(0))
>>> round(float(w.std() * np.sqrt(784 / 2)), 1)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Initializer = Callable[..., np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        return shape[0] if shape else 1, shape[0] if shape else 1
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def zeros(shape, rng=None, *, dtype=np.float32):
    return np.zeros(shape, dtype=dtype)


def ones(shape, rng=None, *, dtype=np.float32):
    return np.ones(shape, dtype=dtype)


def constant(shape, rng=None, *, dtype=np.float32, value: float = 0.0):
    return np.full(shape, value, dtype=dtype)


def uniform(shape, rng, *, dtype=np.float32, low: float = -0.05, high: float = 0.05):
    return rng.uniform(low, high, size=shape).astype(dtype)


def normal(shape, rng, *, dtype=np.float32, mean: float = 0.0, std: float = 0.05):
    return (mean + std * rng.standard_normal(shape)).astype(dtype)


def glorot_uniform(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    fan_in, fan_out = _fans(shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


def glorot_normal(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    fan_in, fan_out = _fans(shape)
    return (gain * math.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)).astype(dtype)


def he_uniform(shape, rng, *, dtype=np.float32):
    fan_in, _ = _fans(shape)
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


def he_normal(shape, rng, *, dtype=np.float32):
    fan_in, _ = _fans(shape)
    return (math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


def lecun_uniform(shape, rng, *, dtype=np.float32):
    fan_in, _ = _fans(shape)
    a = math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


def lecun_normal(shape, rng, *, dtype=np.float32):
    fan_in, _ = _fans(shape)
    return (math.sqrt(1.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


def orthogonal(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    rows, cols = shape[0], int(np.prod(shape[1:]))
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over orthogonal matrices)
    if rows < cols:
        q = q.T
    return (gain * q[:rows, :cols]).reshape(shape).astype(dtype)


INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros, "ones": ones, "constant": constant, "uniform": uniform, "normal": normal,
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "lecun_uniform": lecun_uniform, "lecun_normal": lecun_normal, "orthogonal": orthogonal,
}
ALIASES = {
    "glorot": "glorot_uniform", "xavier": "glorot_uniform", "xavier_uniform": "glorot_uniform",
    "xavier_normal": "glorot_normal", "he": "he_normal", "kaiming": "he_normal",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform", "lecun": "lecun_normal",
}

_DEFAULT_BY_FAMILY = {"relu": "he_normal", "sigmoid": "glorot_uniform", "linear": "glorot_uniform"}


def available() -> list[str]:
    return sorted(INITIALIZERS)


def default_for(activation_name: str, family: str) -> str:
    """The initialiser used when none is given: He for ReLU-like, LeCun for SELU, else Glorot."""
    if activation_name == "selu":
        return "lecun_normal"
    return _DEFAULT_BY_FAMILY.get(family, "glorot_uniform")


def get_initializer(spec: str | Initializer, **options: Any) -> Initializer:
    """Look up an initialiser by name; options (``value=``, ``std=``, ``gain=`` …) are bound.

    A callable ``fn(shape, rng, *, dtype)`` is accepted as is.
    """
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"init must be a name or a function(shape, rng, *, dtype); got {spec!r}")
    key = ALIASES.get(spec.lower(), spec.lower())
    if key not in INITIALIZERS:
        raise ValueError(f"unknown init {spec!r}; valid names are: {', '.join(available())} "
                         f"(aliases: {', '.join(sorted(ALIASES))})")
    fn = INITIALIZERS[key]
    if not options:
        return fn

    def bound(shape, rng, *, dtype=np.float32):
        return fn(shape, rng, dtype=dtype, **options)

    bound.__name__ = key
    return bound


def make_rng(seed: int | np.random.Generator | None = None, rng: np.random.Generator | None = None,
             ) -> np.random.Generator:
    """One ``numpy.random.Generator`` from ``seed`` (an int) or ``rng``; never global state."""
    if rng is not None and seed is not None:
        raise ValueError("give either seed= or rng=, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}. "
                            "Create one with numpy.random.default_rng(seed).")
        return rng
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return np.random.default_rng(seed)
