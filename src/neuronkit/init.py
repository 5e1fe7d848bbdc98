"""Weight initialisers: one registry; randomness always passed in.

Every initialiser is ``fn(shape, rng, *, dtype, **options) -> ndarray`` for a
weight of shape ``(out_features, in_features)`` (fan_in = in_features,
fan_out = out_features). ``rng`` is a ``numpy.random.Generator``.

==================  ====================================================
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
==================  ====================================================

Defaults by activation family (:func:`default_for`): He for the ReLU family,
LeCun normal for SELU, Glorot for sigmoid/tanh and everything else.

>>> import numpy as np
>>> w = get_initializer("He-Normal")((256, 784), np.random.default_rng(0))
>>> round(float(w.std() * np.sqrt(784 / 2)), 1)
1.0

Names are looked up in :data:`INITIALIZERS`, a :class:`~neuronkit.registry.Registry`
(case, spaces, ``-`` and ``_`` do not matter). Where a new initialiser goes: a
function here under ``@initializer(name)``, which checks the shape, the
generator and the dtype for it; its own options go through
:mod:`neuronkit.validation`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ParameterError, ParameterTypeError
from .registry import Registry
from .validation import check_int, check_number, check_options, must_be

#: the type of an initialiser: ``fn(shape, rng, ...) -> numpy.ndarray``
Initializer = Callable[..., np.ndarray]

#: every initialiser by name (a :class:`~neuronkit.registry.Registry`)
INITIALIZERS: Registry[Initializer] = Registry("initializer")
#: the built-in aliases (alias -> name)
ALIASES = {
    "glorot": "glorot_uniform", "xavier": "glorot_uniform", "xavier_uniform": "glorot_uniform",
    "xavier_normal": "glorot_normal", "he": "he_normal", "kaiming": "he_normal",
    "kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform", "lecun": "lecun_normal",
}


def float_dtype(dtype: Any, name: str = "dtype", *, owner: str | None = None) -> np.dtype:
    """``dtype`` as a NumPy dtype, if it is float32 or float64 (the dtypes layers and initialisers compute in).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.float_dtype("float64")
    dtype('float64')
    """
    who = f"{owner} {name}" if owner else name
    try:
        found = np.dtype(dtype)
    except TypeError:
        raise ParameterTypeError(f"{who} must be float32 or float64; got {dtype!r}") from None
    if found not in (np.float32, np.float64):
        raise ParameterError(f"{who} must be float32 or float64; got {found}")
    return found


def check_generator(rng: Any, name: str = "rng", *, owner: str | None = None) -> np.random.Generator:
    """``rng`` if it is a ``numpy.random.Generator`` (randomness is always passed in).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> rng = np.random.default_rng(0)
    >>> nk.init.check_generator(rng) is rng
    True
    """
    if not isinstance(rng, np.random.Generator):
        who = f"{owner} {name}" if owner else name
        raise ParameterTypeError(f"{who} must be a numpy.random.Generator; got {type(rng).__name__}. "
                                 "Create one with numpy.random.default_rng(seed).")
    return rng


def _check_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not shape:
        raise ParameterTypeError(must_be("shape", "a tuple of sizes, e.g. (out_features, in_features)", shape))
    return tuple(check_int(size, f"shape[{i}]", low=1) for i, size in enumerate(shape))


def initializer(name: str, *, random: bool = True) -> Callable[[Initializer], Initializer]:
    """Register ``fn(shape, rng, *, dtype, **options)`` under ``name`` (and its :data:`ALIASES`).

    The registered function checks ``shape`` (sizes >= 1), ``rng`` (a Generator, when
    ``random``) and ``dtype`` (float32 or float64) before calling ``fn``.

    Examples
    --------
    Registering (left out here, to keep the registry as it is) would be
    ``nk.init.initializer("halves")(fn)``; the checks it adds are those every built-in has:

    >>> import neuronkit as nk
    >>> try:
    ...     nk.init.zeros((0, 3))
    ... except ValueError as error:
    ...     print(error)
    shape[0] must be an integer >= 1; got 0
    """
    def decorator(fn: Initializer) -> Initializer:
        @functools.wraps(fn)
        def checked(shape: Any, rng: Any = None, *, dtype: Any = np.float32, **options: Any) -> np.ndarray:
            owner = f"initializer {name!r}"
            if random:
                check_generator(rng, owner=owner)
            return fn(_check_shape(shape), rng, dtype=float_dtype(dtype, owner=owner), **options)

        aliases = tuple(alias for alias, target in ALIASES.items() if target == name)
        return INITIALIZERS.register(name, checked, aliases=aliases)
    return decorator


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


@initializer("zeros", random=False)
def zeros(shape, rng=None, *, dtype=np.float32):
    """All zeros. Every neuron of a layer then computes the same thing and gets the same gradient, so
    they never differ: fine for biases, not for weights.

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.zeros((2, 3))
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    return np.zeros(shape, dtype=dtype)


@initializer("ones", random=False)
def ones(shape, rng=None, *, dtype=np.float32):
    """All ones (same caveat as :func:`zeros` for weights).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.ones(2, dtype="float64")
    array([1., 1.])
    """
    return np.ones(shape, dtype=dtype)


@initializer("constant", random=False)
def constant(shape, rng=None, *, dtype=np.float32, value: float = 0.0):
    """Every entry ``value`` (default 0).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.constant((1, 2), value=0.5)
    array([[0.5, 0.5]], dtype=float32)
    """
    return np.full(shape, check_number(value, "value", owner="constant"), dtype=dtype)


@initializer("uniform")
def uniform(shape, rng, *, dtype=np.float32, low: float = -0.05, high: float = 0.05):
    r"""Independent draws from :math:`U(\text{low}, \text{high})` (default :math:`\pm 0.05`).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.uniform((3, 4), np.random.default_rng(0), low=-0.1, high=0.1)
    >>> W.shape, W.dtype, bool(np.abs(W).max() <= 0.1)
    ((3, 4), dtype('float32'), True)
    """
    low = check_number(low, "low", owner="uniform")
    high = check_number(high, "high", low=low, owner="uniform")
    return rng.uniform(low, high, size=shape).astype(dtype)


@initializer("normal")
def normal(shape, rng, *, dtype=np.float32, mean: float = 0.0, std: float = 0.05):
    r"""Independent draws from :math:`N(\text{mean}, \text{std}^2)` (default mean 0, std 0.05).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.normal((2, 2), np.random.default_rng(0), std=0.0, mean=1.0)
    >>> W
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    mean = check_number(mean, "mean", owner="normal")
    std = check_number(std, "std", low=0.0, owner="normal")
    return (mean + std * rng.standard_normal(shape)).astype(dtype)


@initializer("glorot_uniform")
def glorot_uniform(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    r"""Glorot (Xavier) uniform: :math:`W \sim U(-a, a)` with
    :math:`a = \text{gain}\sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.

    For a weight of shape (out, in), fan_in is ``in`` and fan_out is ``out``; it keeps the variance of
    the signal about equal forwards and backwards for sigmoid and tanh layers.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.glorot_uniform((4, 2), np.random.default_rng(0))
    >>> W.shape, bool(np.abs(W).max() <= 1.0)
    ((4, 2), True)
    """
    fan_in, fan_out = _fans(shape)
    a = check_number(gain, "gain", owner="glorot_uniform") * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape).astype(dtype)


@initializer("glorot_normal")
def glorot_normal(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    r"""Glorot (Xavier) normal: :math:`W \sim N(0, \sigma^2)` with
    :math:`\sigma = \text{gain}\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.init.glorot_normal((300, 100), np.random.default_rng(0), dtype="float64").std().round(2).item()
    0.07
    """
    fan_in, fan_out = _fans(shape)
    std = check_number(gain, "gain", owner="glorot_normal") * math.sqrt(2.0 / (fan_in + fan_out))
    return (std * rng.standard_normal(shape)).astype(dtype)


@initializer("he_uniform")
def he_uniform(shape, rng, *, dtype=np.float32):
    r"""He (Kaiming) uniform: :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6 / \text{fan\_in}}` (for ReLU layers).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.he_uniform((3, 6), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= 1.0)
    True
    """
    fan_in, _ = _fans(shape)
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


@initializer("he_normal")
def he_normal(shape, rng, *, dtype=np.float32):
    r"""He (Kaiming) normal: :math:`W \sim N(0, 2 / \text{fan\_in})`, which keeps a ReLU layer's output variance
    equal to its input's (ReLU zeroes half the signal, the 2 puts it back).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.init.he_normal((500, 200), np.random.default_rng(0), dtype="float64").std().round(2).item()
    0.1
    """
    fan_in, _ = _fans(shape)
    return (math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


@initializer("lecun_uniform")
def lecun_uniform(shape, rng, *, dtype=np.float32):
    r"""LeCun uniform: :math:`W \sim U(-a, a)`, :math:`a = \sqrt{3 / \text{fan\_in}}`
    (variance :math:`1 / \text{fan\_in}`).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.lecun_uniform((2, 3), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= 1.0)
    True
    """
    fan_in, _ = _fans(shape)
    a = math.sqrt(3.0 / fan_in)
    return rng.uniform(-a, a, size=shape).astype(dtype)


@initializer("lecun_normal")
def lecun_normal(shape, rng, *, dtype=np.float32):
    r"""LeCun normal: :math:`W \sim N(0, 1 / \text{fan\_in})` (the default for SELU layers).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.init.lecun_normal((400, 100), np.random.default_rng(0), dtype="float64").std().round(2).item()
    0.1
    """
    fan_in, _ = _fans(shape)
    return (math.sqrt(1.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)


@initializer("orthogonal")
def orthogonal(shape, rng, *, dtype=np.float32, gain: float = 1.0):
    """A (scaled) orthogonal matrix: the rows (or columns, whichever are fewer) are orthonormal, times ``gain``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> W = nk.init.orthogonal((3, 3), np.random.default_rng(0), dtype="float64")
    >>> np.allclose(W @ W.T, np.eye(3))
    True
    """
    gain = check_number(gain, "gain", owner="orthogonal")
    rows, cols = shape[0], int(np.prod(shape[1:]))
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over orthogonal matrices)
    if rows < cols:
        q = q.T
    return (gain * q[:rows, :cols]).reshape(shape).astype(dtype)


_DEFAULT_BY_FAMILY = {"relu": "he_normal", "sigmoid": "glorot_uniform", "linear": "glorot_uniform"}


def available() -> list[str]:
    """Names of all registered initialisers (aliases excluded).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.available()[:4]
    ['constant', 'glorot_normal', 'glorot_uniform', 'he_normal']
    """
    return sorted(INITIALIZERS)


def default_for(activation_name: str, family: str) -> str:
    """The initialiser used when none is given: He for ReLU-like, LeCun for SELU, else Glorot.

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.default_for("relu", "relu"), nk.init.default_for("tanh", "sigmoid"), nk.init.default_for("selu", "relu")
    ('he_normal', 'glorot_uniform', 'lecun_normal')
    """
    if activation_name == "selu":
        return "lecun_normal"
    return _DEFAULT_BY_FAMILY.get(family, "glorot_uniform")


def get_initializer(spec: str | Initializer, **options: Any) -> Initializer:
    """Look up an initialiser by name; options (``value=``, ``std=``, ``gain=`` …) are bound.

    A callable ``fn(shape, rng, *, dtype)`` is accepted as is.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.init.get_initializer("Xavier").__name__
    'glorot_uniform'
    >>> nk.init.get_initializer("constant", value=2.0)((1, 2))
    array([[2., 2.]], dtype=float32)
    """
    if callable(spec):
        if options:
            raise ParameterError(f"initializer options ({', '.join(options)}) go with a name, e.g. "
                                 f"get_initializer('normal', std=0.01); got {spec!r}")
        return spec
    if not isinstance(spec, str):
        raise ParameterTypeError(must_be("init", "a name or a function(shape, rng, *, dtype)", spec))
    key = INITIALIZERS.canonical(spec)
    fn = INITIALIZERS.get(key)
    if not options:
        return fn
    check_options("initializer", key, fn, options, fixed=("shape", "rng", "dtype"))

    def bound(shape, rng=None, *, dtype=np.float32):
        return fn(shape, rng, dtype=dtype, **options)

    bound.__name__ = key
    return bound


def make_rng(seed: int | np.random.Generator | None = None, rng: np.random.Generator | None = None,
             ) -> np.random.Generator:
    """One ``numpy.random.Generator`` from ``seed`` (an int) or ``rng``; never global state.

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.init.make_rng(0).integers(10, size=3)
    array([8, 6, 5])
    >>> nk.init.make_rng(seed=0).integers(10, size=3)
    array([8, 6, 5])
    """
    if rng is not None and seed is not None:
        raise ParameterError("give either seed= or rng=, not both")
    if rng is not None:
        return check_generator(rng)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(None if seed is None else check_int(seed, "seed", low=0))
