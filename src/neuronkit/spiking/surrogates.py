"""Surrogate gradients: the Heaviside step forward, a smooth function's derivative backward.

A spike is :math:`s = H(x)` with :math:`x = u - \\theta` (membrane minus threshold) and
:math:`H(x) = 1` for :math:`x > 0`, else 0 (as snnTorch: :math:`H(0) = 0`). Its true derivative is
zero almost everywhere, so learning replaces it in the backward pass by the derivative of a smooth
function :math:`\\sigma(x)` that looks like a step (Neftci, Mostafa & Zenke 2019):

- ``fast_sigmoid`` (slope :math:`k` = 25): :math:`\\sigma(x) = x / (1 + k|x|)`,
  :math:`\\sigma'(x) = 1 / (1 + k|x|)^2`;
- ``atan`` (:math:`\\alpha` = 2): :math:`\\sigma(x) = 1/2 + \\arctan(\\pi \\alpha x / 2) / \\pi`,
  :math:`\\sigma'(x) = (\\alpha/2) / (1 + (\\pi \\alpha x / 2)^2)`;
- ``triangle`` (width :math:`w` = 1): a piecewise quadratic ramp from 0 at :math:`-w` to 1 at :math:`w`,
  :math:`\\sigma'(x) = \\max(0, 1 - |x|/w) / w`;
- ``sigmoid`` (slope :math:`k` = 25): :math:`\\sigma(x) = 1 / (1 + e^{-kx})`,
  :math:`\\sigma'(x) = k \\sigma(x) (1 - \\sigma(x))`;
- ``straight_through``: :math:`\\sigma(x) = x`, :math:`\\sigma'(x) = 1`.

``fast_sigmoid``, ``atan``, ``sigmoid`` and ``straight_through`` give exactly snnTorch's
gradients (``snntorch.surrogate``). snnTorch's ``triangular`` is not a triangle (its backward is
:math:`-\\theta\\,\\mathrm{sign}(x)`, negative above the threshold, with no bounded support); ours is
the triangle of Esser et al. (2016) and Bellec et al. (2018), normalised to area 1.

Each surrogate is an object with ``__call__(x)`` (the step, as ``x``'s dtype), ``derivative(x)``
and ``function(x)`` (the smooth :math:`\\sigma`, which the tests differentiate by finite
differences), and a JSON-able ``config()``. :data:`SURROGATES` holds them by name;
:func:`get_surrogate` takes a name, a config dict, a surrogate or a derivative function.

>>> import numpy as np
>>> from neuronkit.spiking.surrogates import get_surrogate
>>> s = get_surrogate("fast_sigmoid")
>>> x = np.array([-0.04, 0.0, 0.04], dtype=np.float32)
>>> s(x), s.derivative(x)
(array([0., 0., 1.], dtype=float32), array([0.25, 1.  , 0.25], dtype=float32))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ..errors import ParameterError, ParameterTypeError
from ..registry import Registry
from ..validation import check_number, check_options, must_be

__all__ = ["ATan", "Custom", "FastSigmoid", "SURROGATES", "Sigmoid", "StraightThrough", "Surrogate", "Triangle",
           "get_surrogate"]


class Surrogate:
    """Base of surrogate gradients: ``__call__`` is the step :math:`H(x)`, ``derivative`` the backward.

    Subclasses set ``name`` and define ``derivative(x)`` and ``function(x)`` (the smooth function
    whose derivative it is); ``config()`` lists the constructor's options.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import StraightThrough
    >>> StraightThrough()(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """

    name: ClassVar[str] = "surrogate"
    _options: ClassVar[tuple[str, ...]] = ()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The Heaviside step :math:`H(x)`: 1 where ``x > 0``, else 0, in ``x``'s dtype."""
        x = _float(x)
        return (x > 0).astype(x.dtype)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """The surrogate derivative :math:`\\sigma'(x)` used in the backward pass (``x``'s shape and dtype)."""
        raise NotImplementedError(f"{type(self).__name__} defines no derivative(x)")

    def function(self, x: np.ndarray) -> np.ndarray:
        """The smooth function :math:`\\sigma(x)` whose derivative :meth:`derivative` is."""
        raise NotImplementedError(f"{type(self).__name__} defines no function(x)")

    def config(self) -> dict[str, Any]:
        """``{"name": ..., option: value, ...}``: what :func:`get_surrogate` rebuilds it from."""
        return {"name": self.name, **{key: getattr(self, key) for key in self._options}}

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={getattr(self, key)!r}" for key in self._options)
        return f"{type(self).__name__}({options})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Surrogate) and type(other) is type(self) and other.config() == self.config()

    __hash__ = object.__hash__


def _float(x: Any) -> np.ndarray:
    """``x`` as a floating array (float64 for integers), never a NumPy scalar."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _slope(value: Any, name: str, owner: str) -> float:
    return check_number(value, name, low=0.0, low_open=True, owner=owner)


class FastSigmoid(Surrogate):
    """Fast sigmoid (SuperSpike, Zenke & Ganguli 2018): :math:`\\sigma'(x) = 1 / (1 + k|x|)^2`.

    The smooth function is :math:`\\sigma(x) = x / (1 + k|x|)`; ``slope`` :math:`k > 0` (25, as
    ``snntorch.surrogate.fast_sigmoid``).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import FastSigmoid
    >>> FastSigmoid(slope=1.0).derivative(np.array([0.0, 1.0, -3.0]))    # 1, 1/4, 1/16
    array([1.    , 0.25  , 0.0625])
    """

    name = "fast_sigmoid"
    _options = ("slope",)

    def __init__(self, slope: float = 25.0) -> None:
        self.slope = _slope(slope, "slope", "fast_sigmoid")

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        d = np.abs(x, out=np.empty_like(x))
        d *= self.slope
        d += 1.0
        np.square(d, out=d)
        return np.reciprocal(d, out=d)

    def function(self, x: np.ndarray) -> np.ndarray:
        return x / (1.0 + self.slope * np.abs(x))


class ATan(Surrogate):
    """Arc-tangent (Fang et al. 2021): :math:`\\sigma'(x) = (\\alpha/2) / (1 + (\\pi \\alpha x / 2)^2)`.

    The smooth function is :math:`\\sigma(x) = 1/2 + \\arctan(\\pi \\alpha x / 2) / \\pi`; ``alpha`` > 0
    (2, as ``snntorch.surrogate.atan``, snnTorch's default surrogate).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import ATan
    >>> ATan(alpha=2.0).derivative(np.array([0.0, 1 / np.pi]))          # 1 at 0, 1/2 at 1/π
    array([1. , 0.5])
    """

    name = "atan"
    _options = ("alpha",)

    def __init__(self, alpha: float = 2.0) -> None:
        self.alpha = _slope(alpha, "alpha", "atan")

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        d = np.multiply(x, np.pi / 2 * self.alpha, out=np.empty_like(x))
        np.square(d, out=d)
        d += 1.0
        return np.divide(self.alpha / 2, d, out=d)

    def function(self, x: np.ndarray) -> np.ndarray:
        return 0.5 + np.arctan(np.pi / 2 * self.alpha * x) / np.pi


class Triangle(Surrogate):
    """Triangle (Esser et al. 2016; Bellec et al. 2018): :math:`\\sigma'(x) = \\max(0, 1 - |x|/w) / w`.

    A triangle of half-width ``width`` :math:`w` and area 1; the smooth function rises from 0 at
    :math:`-w` to 1 at :math:`w` (two parabolas). Not snnTorch's ``triangular``, whose backward is
    :math:`-\\theta\\,\\mathrm{sign}(x)`.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import Triangle
    >>> Triangle(width=0.5).derivative(np.array([0.0, 0.25, -0.5, 2.0]))
    array([2., 1., 0., 0.])
    """

    name = "triangle"
    _options = ("width",)

    def __init__(self, width: float = 1.0) -> None:
        self.width = _slope(width, "width", "triangle")

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        d = np.abs(x, out=np.empty_like(x))
        d *= -1.0 / self.width
        d += 1.0
        np.maximum(d, 0.0, out=d)
        d *= 1.0 / self.width
        return d

    def function(self, x: np.ndarray) -> np.ndarray:
        w = self.width
        z = np.clip(x, -w, w)
        return np.where(z < 0, (z + w) ** 2 / (2 * w * w), 1.0 - (w - z) ** 2 / (2 * w * w))


class Sigmoid(Surrogate):
    """Logistic sigmoid (SuperSpike): :math:`\\sigma'(x) = k\\,\\mathrm{sig}(kx)(1 - \\mathrm{sig}(kx))`.

    The smooth function is :math:`\\mathrm{sig}(kx) = 1 / (1 + e^{-kx})`, computed as
    :math:`(1 + \\tanh(kx/2))/2` so that no :math:`e^{\\pm kx}` overflows; ``slope`` :math:`k > 0`
    (25, as ``snntorch.surrogate.sigmoid``).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import Sigmoid
    >>> Sigmoid(slope=4.0).derivative(np.array([0.0, -1000.0]))      # k/4 at 0; 0, no overflow, far away
    array([1., 0.])
    """

    name = "sigmoid"
    _options = ("slope",)

    def __init__(self, slope: float = 25.0) -> None:
        self.slope = _slope(slope, "slope", "sigmoid")

    def function(self, x: np.ndarray) -> np.ndarray:
        x = _float(x)
        s = np.multiply(x, self.slope / 2, out=np.empty_like(x))
        np.tanh(s, out=s)
        s += 1.0
        s *= 0.5
        return s

    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = self.function(x)
        d = np.subtract(1.0, s, out=np.empty_like(s))
        d *= s
        d *= self.slope
        return d


class StraightThrough(Surrogate):
    """Straight-through estimator (Bengio et al. 2013): the step forward, the identity backward, :math:`\\sigma' = 1`.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import StraightThrough
    >>> StraightThrough().derivative(np.array([-5.0, 0.3]))
    array([1., 1.])
    """

    name = "straight_through"

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(_float(x))

    def function(self, x: np.ndarray) -> np.ndarray:
        return np.array(x, copy=True)


class Custom(Surrogate):
    """A surrogate from your own derivative ``derivative(x) -> array`` (and optionally its ``function``).

    ``derivative`` must return an array of ``x``'s shape; ``function`` (the smooth function whose
    derivative it is) is needed only to check it by finite differences. A custom surrogate
    cannot be written to a model file by name: its ``config()`` says so.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.surrogates import Custom
    >>> gauss = Custom(derivative=lambda x: np.exp(-x * x))
    >>> gauss.derivative(np.array([0.0]))
    array([1.])
    """

    name = "custom"

    def __init__(self, derivative: Callable[[np.ndarray], np.ndarray],
                 function: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        if not callable(derivative):
            raise ParameterTypeError(must_be("derivative", "a function x -> array", derivative, "Custom surrogate"))
        if function is not None and not callable(function):
            raise ParameterTypeError(must_be("function", "None or a function x -> array", function,
                                             "Custom surrogate"))
        self._derivative = derivative
        self._function = function

    def derivative(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        d = np.asarray(self._derivative(x))
        if d.shape != x.shape:
            raise ParameterError(f"Custom surrogate: derivative(x) returned shape {d.shape} for x of shape "
                                 f"{x.shape}; it must return one value per element of x")
        return d.astype(x.dtype, copy=False)

    def function(self, x: np.ndarray) -> np.ndarray:
        if self._function is None:
            raise ParameterError("this Custom surrogate was given no function=; pass the smooth function "
                                 "whose derivative it is to check it by finite differences")
        return np.asarray(self._function(np.asarray(x)))

    def config(self) -> dict[str, Any]:
        raise ParameterError("a Custom surrogate (your own derivative function) has no config to save; use a named "
                             f"one ({', '.join(SURROGATES.names())}) in a model you write to a file")

    def __repr__(self) -> str:
        return f"Custom(derivative={getattr(self._derivative, '__name__', self._derivative)!s})"

    def __eq__(self, other: object) -> bool:
        return other is self

    __hash__ = object.__hash__


#: surrogate gradient classes by name (a :class:`~neuronkit.registry.Registry`); options are their keywords
SURROGATES: Registry[type[Surrogate]] = Registry("surrogate gradient")
SURROGATES.register("fast_sigmoid", FastSigmoid, aliases=("superspike",))
SURROGATES.register("atan", ATan, aliases=("arctan",))
SURROGATES.register("triangle", Triangle)
SURROGATES.register("sigmoid", Sigmoid)
SURROGATES.register("straight_through", StraightThrough, aliases=("ste", "straight_through_estimator"))


def get_surrogate(spec: Any = "fast_sigmoid", **options: Any) -> Surrogate:
    """A surrogate from a name (with options), a config dict, a :class:`Surrogate`, or a derivative function.

    Examples
    --------
    >>> from neuronkit.spiking.surrogates import get_surrogate
    >>> get_surrogate("ATan", alpha=4.0)
    ATan(alpha=4.0)
    >>> get_surrogate({"name": "fast_sigmoid", "slope": 10.0}).config()
    {'name': 'fast_sigmoid', 'slope': 10.0}
    >>> type(get_surrogate(lambda x: 1.0 / (1.0 + x * x))).__name__
    'Custom'
    """
    if isinstance(spec, dict):
        if "name" not in spec:
            raise ParameterError(must_be("surrogate", "a dict with a 'name' key, e.g. {'name': 'atan', 'alpha': 2.0}",
                                         spec))
        config = dict(spec)
        return get_surrogate(config.pop("name"), **config, **options)
    if isinstance(spec, str):
        cls = SURROGATES.get(spec)
        check_options("surrogate gradient", cls.name, cls, options)
        return cls(**options)
    if options:
        raise ParameterError(f"surrogate options ({', '.join(options)}) go with a name, e.g. "
                             f"get_surrogate('fast_sigmoid', slope=10.0); got {spec!r}")
    if isinstance(spec, Surrogate):
        return spec
    if isinstance(spec, type) and issubclass(spec, Surrogate):
        return spec()
    if callable(spec):
        return Custom(derivative=spec)
    raise ParameterTypeError(must_be("surrogate", f"a name ({', '.join(SURROGATES.names())}), a config dict, a "
                                     "Surrogate or a derivative function x -> array", spec))
