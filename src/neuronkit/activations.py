"""Activation functions: one registry, names usable everywhere.

An activation turns a neuron's activation potential ``z = w·x + b`` into its
output ``f(z)``. Each is composed from engine primitives, so its gradient comes
for free. Names and defaults follow PyTorch (leaky slope 0.01, ELU alpha 1.0,
softplus beta 1).

>>> import neuronkit as nk
>>> relu = get_activation("relu")
>>> relu(nk.Tensor([-1.0, 0.0, 2.0])).data
array([0., 0., 2.], dtype=float32)
>>> get_activation("leaky_relu", negative_slope=0.1).negative_slope
0.1

Families (used by initialisers): ``relu`` (relu, leaky_relu, prelu, elu, selu,
gelu, silu, softplus), ``sigmoid`` (sigmoid, tanh, softsign, softmax), ``linear``
(identity), ``step``. Neuron health reads what an activation declares instead:
``zero_gradient_below`` (where f' is exactly 0: only relu, and leaky_relu or elu
with a zero slope, can have "dead" neurons) and ``saturates`` (a flat tail).

Names are looked up in :data:`ACTIVATIONS`, a :class:`~neuronkit.registry.Registry`:
case, spaces, ``-`` and ``_`` do not matter (``"Leaky-ReLU"`` is ``leaky_relu``), and
an unknown name gets the valid names and the closest one.

Where a new activation goes: a subclass of :class:`Activation` here, composed
from engine primitives (a new primitive only if the composite would be unstable
or slow), its options checked through :mod:`neuronkit.validation`, one
``register(name, cls)`` line below, and a case in the gradient table
(tests/test_gradients.py) and the PyTorch table (tests/test_torch_reference.py),
whose coverage tests fail until it has them. This module imports the engine,
the registry and validation only: never the layers (``Parameter`` is the engine's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .engine import Function, Parameter, Tensor, ops
from .errors import ModelFileError, ParameterError, ParameterTypeError, ShapeError
from .registry import Registry
from .validation import check_array, check_number, check_options, must_be


class Activation:
    """Base class: ``__call__(z: Tensor) -> Tensor`` plus a name, a formula and a family.

    ``formula`` is how :meth:`~neuronkit.Neuron.explain` writes it, with ``z``
    standing for the activation potential.

    Examples
    --------
    A subclass defines ``forward`` from engine operations; its gradient comes with them:

    >>> import neuronkit as nk
    >>> from neuronkit.activations import Activation
    >>> class Cube(Activation):
    ...     name, formula = "cube", "z^3"
    ...     def forward(self, z):
    ...         return z * z * z
    >>> Cube()(nk.Tensor([1.0, -2.0])).data
    array([ 1., -8.], dtype=float32)
    """

    name = "identity"
    formula = "z"
    family = "linear"
    #: fraction of the range above which a neuron counts as "active" (for health)
    active_threshold = 0.0
    #: f'(z) is exactly 0 for every z <= this value (relu: 0.0), so a neuron whose potential stays
    #: there on every sample gets no gradient at all: neuron health calls it "dead". None: f' is
    #: nowhere 0 on such a half-line (leaky_relu, elu, gelu, sigmoid, tanh, …), so it cannot die.
    zero_gradient_below: float | None = None
    #: f'(z) tends to 0 on a flat tail without reaching it (sigmoid, tanh, softsign; elu, selu, gelu, silu,
    #: softplus far below 0): neuron health looks for "saturated" neurons, stuck there. False for piecewise
    #: linear activations (identity, relu, leaky_relu, prelu: f' is a slope or 1), the step and softmax.
    saturates = False

    def __call__(self, z: Tensor) -> Tensor:
        if not isinstance(z, Tensor):
            z = Tensor(check_array(z, "z", ndim=None, dtype=None, finite=False, min_samples=0,
                                   owner=f"activation {self.name!r}"))
        return self.forward(z)

    def forward(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def infer(self, z: np.ndarray) -> np.ndarray:
        """``forward`` on an array, for prediction (no graph); may overwrite ``z``, which the caller owns."""
        return self.forward(Tensor(z)).data

    def options(self) -> dict[str, Any]:
        """The constructor arguments (JSON-serialisable), for model files."""
        return {}

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **self.options()}

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """Learnable parameters by name (none for fixed activations)."""
        return []

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def build(self, num_neurons: int, dtype: Any) -> None:
        """Called by a layer before use; learnable activations create their parameters here."""

    def neuron_formula(self, index: int) -> str:
        """The formula of neuron ``index`` with its own learnt parameters filled in (``formula`` if it has none).

        >>> get_activation("relu").neuron_formula(3)
        'max(0, z)'
        """
        return self.formula

    def describe_neuron(self, index: int) -> str | None:
        """What neuron ``index``'s learnable activation has become, in words; None for a fixed activation.

        Adaptive activations (:mod:`neuronkit.adaptive_activations`) say it: ``"swish β=6.3 (≈ relu)"``,
        ``"dynamic: 71% tanh, 20% relu"``. ``summary()`` and the neuron's explanation show it.

        >>> get_activation("tanh").describe_neuron(0) is None
        True
        """
        return None

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"{type(self).__name__}({opts})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.config() == other.config()

    __hash__ = object.__hash__


class Identity(Activation):
    r"""f(z) = z. The output head for regression.

    .. math:: f(z) = z, \qquad f'(z) = 1

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.activations.Identity()(nk.Tensor([-1.0, 2.0])).data
    array([-1.,  2.], dtype=float32)
    """

    name, formula, family = "identity", "z", "linear"

    def forward(self, z: Tensor) -> Tensor:
        return z

    def infer(self, z: np.ndarray) -> np.ndarray:
        return z


class Step(Activation):
    r"""Heaviside step (the perceptron's threshold): f(z) = 1 if z >= 0 else 0.

    Its gradient is 0 everywhere (it cannot be trained by backpropagation; use
    a surrogate gradient via :class:`neuronkit.engine.Function` for that).

    .. math:: f(z) = \begin{cases} 1 & z \ge 0 \\ 0 & z < 0 \end{cases}, \qquad f'(z) = 0

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.activations.Step()(nk.Tensor([-0.5, 0.0, 2.0])).data
    array([0., 1., 1.], dtype=float32)
    """

    name, formula, family = "step", "1 if z >= 0 else 0", "step"

    def forward(self, z: Tensor) -> Tensor:
        return _Heaviside.apply(z)


class _Heaviside(Function):
    """The step as an engine op with gradient 0, so backward() runs through a step layer."""

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:  # type: ignore[override]  # a Function's forward takes its own arrays
        return (z >= 0).astype(z.dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.zeros_like(grad),)


class Sigmoid(Activation):
    r"""f(z) = 1 / (1 + e^(-z)), computed stably for any z; f'(z) = f(z)(1 - f(z)).

    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z))

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> z = nk.Tensor([0.0, np.log(3.0)], requires_grad=True)
    >>> y = nk.activations.Sigmoid()(z)
    >>> y.data
    array([0.5 , 0.75], dtype=float32)
    >>> y.sum().backward(); z.grad
    array([0.25  , 0.1875], dtype=float32)
    """

    name, formula, family = "sigmoid", "1 / (1 + e^(-z))", "sigmoid"
    saturates = True
    active_threshold = 0.5

    def forward(self, z: Tensor) -> Tensor:
        return ops.sigmoid(z)


class Tanh(Activation):
    r"""f(z) = tanh(z) = (e^z - e^(-z)) / (e^z + e^(-z)); f'(z) = 1 - f(z)^2.

    .. math:: \tanh z = \frac{e^z - e^{-z}}{e^z + e^{-z}}, \qquad \tanh' z = 1 - \tanh^2 z

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> z = nk.Tensor([0.0, np.log(3.0)], dtype="float64", requires_grad=True)
    >>> y = nk.activations.Tanh()(z)
    >>> y.data
    array([0. , 0.8])
    >>> y.sum().backward(); z.grad
    array([1.  , 0.36])
    """

    name, formula, family = "tanh", "tanh(z)", "sigmoid"
    saturates = True

    def forward(self, z: Tensor) -> Tensor:
        return ops.tanh(z)


class ReLU(Activation):
    r"""f(z) = max(0, z); f'(0) is taken as 0 (as in PyTorch).

    .. math:: f(z) = \max(0, z), \qquad f'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}

    Examples
    --------
    >>> import neuronkit as nk
    >>> z = nk.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = nk.activations.ReLU()(z)
    >>> y.data
    array([0., 0., 2.], dtype=float32)
    >>> y.sum().backward(); z.grad
    array([0., 0., 1.], dtype=float32)
    """

    name, formula, family = "relu", "max(0, z)", "relu"
    zero_gradient_below = 0.0

    def forward(self, z: Tensor) -> Tensor:
        return ops.relu(z)

    def infer(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, out=z)


class LeakyReLU(Activation):
    r"""f(z) = z if z > 0 else negative_slope * z (default slope 0.01).

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}

    Examples
    --------
    with :math:`\alpha` = ``negative_slope``:

    >>> import neuronkit as nk
    >>> z = nk.Tensor([-2.0, 3.0], requires_grad=True)
    >>> y = nk.activations.LeakyReLU(negative_slope=0.1)(z)
    >>> y.data
    array([-0.2,  3. ], dtype=float32)
    >>> y.sum().backward(); z.grad
    array([0.1, 1. ], dtype=float32)
    """

    name, family = "leaky_relu", "relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = check_number(negative_slope, "negative_slope", owner="LeakyReLU")

    @property
    def zero_gradient_below(self) -> float | None:  # type: ignore[override]  # a slope of 0 is a relu
        return 0.0 if self.negative_slope == 0 else None

    @property
    def formula(self) -> str:  # type: ignore[override]
        return f"z if z > 0 else {self.negative_slope:g} * z"

    def options(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def forward(self, z: Tensor) -> Tensor:
        return ops.where(z.data > 0, z, z * self.negative_slope)


class PReLU(Activation):
    """Learnable leaky ReLU: f(z) = z if z > 0 else a * z, one slope ``a`` per neuron (init 0.25).

    Examples
    --------
    The slope :math:`a` is a :class:`~neuronkit.Parameter`, trained with the weights:

    >>> import neuronkit as nk
    >>> prelu = nk.activations.PReLU(init=0.25)
    >>> prelu(nk.Tensor([-2.0, 3.0])).data
    array([-0.5,  3. ], dtype=float32)
    """

    name, family = "prelu", "relu"
    formula = "z if z > 0 else a * z"

    def __init__(self, init: float = 0.25) -> None:
        self.init = check_number(init, "init", owner="PReLU")
        self.slope: Tensor | None = None

    def options(self) -> dict[str, Any]:
        return {"init": self.init}

    def build(self, num_neurons: int, dtype: Any) -> None:
        if self.slope is None or self.slope.shape != (num_neurons,):
            self.slope = Parameter(np.full(num_neurons, self.init, dtype=dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.slope is None else [("slope", self.slope)]

    def forward(self, z: Tensor) -> Tensor:
        if self.slope is None:
            self.build(z.shape[-1], z.dtype)
        return ops.where(z.data > 0, z, z * self.slope)


class ELU(Activation):
    r"""f(z) = z if z > 0 else alpha * (e^z - 1) (default alpha 1.0).

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.activations.ELU(alpha=1.0)(nk.Tensor([-np.log(2.0), 3.0])).data
    array([-0.5,  3. ], dtype=float32)
    """

    name, family = "elu", "relu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number(alpha, "alpha", owner="ELU")

    @property
    def zero_gradient_below(self) -> float | None:  # type: ignore[override]  # alpha 0 is a relu
        return 0.0 if self.alpha == 0 else None

    @property
    def saturates(self) -> bool:  # type: ignore[override]  # e^z flattens below 0, unless alpha is 0
        return self.alpha != 0

    @property
    def formula(self) -> str:  # type: ignore[override]
        return f"z if z > 0 else {self.alpha:g} * (e^z - 1)"

    def options(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def forward(self, z: Tensor) -> Tensor:
        return _elu(z, self.alpha)


def _elu(z: Tensor, alpha: float) -> Tensor:
    """``z if z > 0 else alpha·(e^z − 1)``. exp only of non-positive values (no overflow); where(),
    not minimum(z, 0), so that the slope at z = 0 is alpha as in PyTorch (minimum would split the
    gradient at the tie)."""
    negative = ops.where(z.data <= 0, z, 0.0)
    return ops.where(z.data > 0, z, (negative.exp() - 1.0) * alpha)


class SELU(Activation):
    r"""f(z) = scale * (z if z > 0 else alpha * (e^z - 1)), with the self-normalising constants.

    .. math:: f(z) = \lambda \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases},
        \quad \lambda \approx 1.0507,\ \alpha \approx 1.6733

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.activations.SELU()(nk.Tensor([0.0, 1.0])).data
    array([0.      , 1.050701], dtype=float32)
    """

    name, formula, family = "selu", "1.0507 * (z if z > 0 else 1.6733 * (e^z - 1))", "relu"
    saturates = True
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def forward(self, z: Tensor) -> Tensor:
        return _elu(z, self.alpha) * self.scale


class GELU(Activation):
    r"""Exact GELU: f(z) = z * Φ(z) = z/2 * (1 + erf(z / sqrt(2))).

    .. math:: f(z) = z\,\Phi(z) = \frac{z}{2}\left(1 + \operatorname{erf}\frac{z}{\sqrt 2}\right)

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.activations.GELU()(nk.Tensor([0.0, 1.0], dtype="float64")).data.round(4)
    array([0.    , 0.8413])
    """

    name, formula, family = "gelu", "z * Φ(z) = z/2 * (1 + erf(z/√2))", "relu"
    saturates = True

    def forward(self, z: Tensor) -> Tensor:
        return z * 0.5 * (ops.erf(z * (1.0 / math.sqrt(2.0))) + 1.0)


class SiLU(Activation):
    r"""SiLU (swish with β = 1): f(z) = z * sigmoid(z). ``"swish"`` is the learnable-β version.

    .. math:: f(z) = z\,\sigma(z), \qquad f'(z) = \sigma(z)\,(1 + z\,(1 - \sigma(z)))

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.activations.SiLU()(nk.Tensor([0.0, np.log(3.0)], dtype="float64")).data.round(4)
    array([0.   , 0.824])
    """

    name, formula, family = "silu", "z * sigmoid(z)", "relu"
    saturates = True

    def forward(self, z: Tensor) -> Tensor:
        return z * ops.sigmoid(z)


class Softplus(Activation):
    r"""f(z) = (1/beta) * log(1 + e^(beta z)) (default beta 1), computed stably.

    .. math:: f(z) = \frac{1}{\beta} \log\left(1 + e^{\beta z}\right), \qquad f'(z) = \sigma(\beta z)

    Examples
    --------
    >>> import neuronkit as nk
    >>> z = nk.Tensor([0.0], dtype="float64", requires_grad=True)
    >>> y = nk.activations.Softplus()(z)
    >>> y.data.round(4)
    array([0.6931])
    >>> y.sum().backward(); z.grad
    array([0.5])
    """

    name, family = "softplus", "relu"
    saturates = True

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = check_number(beta, "beta", low=0.0, low_open=True, owner="Softplus")

    @property
    def formula(self) -> str:  # type: ignore[override]
        return "log(1 + e^z)" if self.beta == 1 else f"log(1 + e^({self.beta:g} z)) / {self.beta:g}"

    def options(self) -> dict[str, Any]:
        return {"beta": self.beta}

    def forward(self, z: Tensor) -> Tensor:
        if self.beta == 1.0:
            return ops.softplus(z)
        return ops.softplus(z * self.beta) * (1.0 / self.beta)


class Softsign(Activation):
    r"""f(z) = z / (1 + ``|z|``).

    .. math:: f(z) = \frac{z}{1 + |z|}, \qquad f'(z) = \frac{1}{(1 + |z|)^2}

    Examples
    --------
    >>> import neuronkit as nk
    >>> z = nk.Tensor([-1.0, 3.0], requires_grad=True)
    >>> y = nk.activations.Softsign()(z)
    >>> y.data
    array([-0.5 ,  0.75], dtype=float32)
    >>> y.sum().backward(); z.grad
    array([0.25  , 0.0625], dtype=float32)
    """

    name, formula, family = "softsign", "z / (1 + |z|)", "sigmoid"
    saturates = True

    def forward(self, z: Tensor) -> Tensor:
        return z / (ops.absolute(z) + 1.0)


class Softmax(Activation):
    r"""f(z)_i = e^(z_i) / sum_j e^(z_j) over a layer's neurons (output layers for classes).

    Computed as exp(log_softmax(z)), per row, stable for any input.

    .. math:: f(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}

    Examples
    --------
    Each row of a (N, K) input becomes a distribution over the K neurons:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.activations.Softmax()(nk.Tensor([[0.0, np.log(3.0)], [5.0, 5.0]])).data
    array([[0.25, 0.75],
           [0.5 , 0.5 ]], dtype=float32)
    """

    name, formula, family = "softmax", "e^z_i / Σ_j e^z_j", "sigmoid"

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim == 0:
            raise ShapeError("activation 'softmax' normalises over the last axis (a layer's neurons); "
                             f"got a single value, shape {z.shape}. Use 'sigmoid' for one output.")
        return ops.softmax(z, axis=-1)

    def infer(self, z: np.ndarray) -> np.ndarray:
        return ops.softmax_array(z, -1, overwrite=True)


class Lambda(Activation):
    """Wraps a user callable ``f(z: Tensor) -> Tensor`` (gradients flow through engine ops).

    Examples
    --------
    >>> import neuronkit as nk
    >>> square = nk.activations.Lambda(lambda z: z * z)
    >>> square(nk.Tensor([3.0])).data
    array([9.], dtype=float32)
    """

    family = "custom"

    def __init__(self, fn: Callable[[Tensor], Tensor]) -> None:
        self.fn = fn
        self.name = getattr(fn, "__name__", "custom")
        self.formula = f"{self.name}(z)"

    def forward(self, z: Tensor) -> Tensor:
        out = self.fn(z)
        if not isinstance(out, Tensor):
            raise ParameterTypeError(f"activation {self.name!r} must return a neuronkit Tensor (compose it from "
                                     f"Tensor operations); got {type(out).__name__}")
        return out

    def config(self) -> dict[str, Any]:
        raise ModelFileError(
            f"the custom activation {self.name!r} is a Python function and cannot be saved in a model file; "
            "register it with nk.activations.register(name, cls) or use a built-in activation."
        )


#: every activation class by name (a :class:`~neuronkit.registry.Registry`)
ACTIVATIONS: Registry[type[Activation]] = Registry("activation", providers=("neuronkit.adaptive_activations",))
#: the built-in aliases (alias -> name); other spellings (case, "-", "_") need none
ALIASES = {"linear": "identity", "none": "identity", "threshold": "step", "heaviside": "step",
           "logistic": "sigmoid"}


def register(name: str, cls: type[Activation], *, aliases: tuple[str, ...] = (), replace: bool = False) -> None:
    """Add an activation class under ``name`` (and ``aliases``); a name taken by another needs ``replace=True``.

    Examples
    --------
    ``register("cube", Cube)`` would make ``get_activation("cube")`` build a ``Cube``
    (``Cube`` as in :class:`Activation`'s example). A name taken by another activation is refused:

    >>> from neuronkit.activations import Activation, register
    >>> class MyReLU(Activation):
    ...     def forward(self, z):
    ...         return z
    >>> try:
    ...     register("logistic", MyReLU)
    ... except ValueError as error:
    ...     print(error)
    the activation name 'logistic' is already taken by 'sigmoid'; pass replace=True to replace it
    """
    if not (isinstance(cls, type) and issubclass(cls, Activation)):
        raise ParameterTypeError(must_be("cls", "an Activation subclass", cls, "activations.register"))
    ACTIVATIONS.register(name, cls, aliases=aliases, replace=replace)


for _cls in (Identity, Step, Sigmoid, Tanh, ReLU, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Softplus,
             Softsign, Softmax):
    register(_cls.name, _cls, aliases=tuple(alias for alias, name in ALIASES.items() if name == _cls.name))


def available() -> list[str]:
    """Names of all registered activations (aliases excluded).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.activations.available()[:5]
    ['dynamic', 'elu', 'gelu', 'identity', 'leaky_relu']
    """
    return sorted(ACTIVATIONS)


def get_activation(spec: str | Activation | Callable[[Tensor], Tensor] | dict | None, **options: Any) -> Activation:
    """Look up an activation by name (with options), or accept an instance, a class or a callable.

    A dict is a saved config: ``{"name": "elu", "alpha": 0.3}``.

    >>> get_activation("logistic").name
    'sigmoid'
    >>> get_activation({"name": "Leaky-ReLU", "negative_slope": 0.2}).negative_slope
    0.2
    """
    if isinstance(spec, dict):
        if "name" not in spec:
            raise ParameterError(must_be("activation", "a dict with a 'name' key, e.g. {'name': 'elu', 'alpha': 1.0}",
                                         spec))
        config = dict(spec)
        return get_activation(config.pop("name"), **config, **options)
    if isinstance(spec, str):
        cls = ACTIVATIONS.get(spec)
    elif isinstance(spec, type) and issubclass(spec, Activation):
        cls = spec
    elif spec is None or isinstance(spec, Activation) or callable(spec):
        if options:
            raise ParameterError(f"activation options ({', '.join(options)}) go with a name, e.g. "
                                 f"get_activation('elu', alpha=0.5); got {spec!r}")
        if spec is None:
            return Identity()
        return spec if isinstance(spec, Activation) else Lambda(cast(Callable[[Tensor], Tensor], spec))
    else:
        raise ParameterTypeError(must_be("activation", "a name, an Activation or a function f(z) -> Tensor", spec))
    check_options("activation", cls.name, cls, options)
    return cls(**options)
