"""Adaptive and dynamic activations: each neuron learns its own activation function.

Every class here keeps its parameters per neuron (one row per neuron of the layer) and
trains them with the weights; each is registered in :data:`neuronkit.activations.ACTIVATIONS`,
so its name works wherever an activation name does (``nk.mlp([...], activation="dynamic")``,
the estimators, the CLI's ``--activation``, model files):

=================  ==========================================================  ======================
name               f(z), per neuron                                            parameters (init)
=================  ==========================================================  ======================
``swish``          z·σ(βz)                                                     β (1: SiLU)
``learnable_elu``  z if z > 0 else α(e^z − 1)                                  α (1: ELU)
``threshold_relu`` max(z, θ) = θ + max(0, z − θ)                               θ (0: ReLU)
``dynamic``        Σₖ softmax(ℓ)ₖ gₖ(z) over a basis (relu, tanh, sigmoid, z)  logits ℓ (0: uniform)
``rational``       P(z) / (1 + Σₖ ``|bₖ|·|z|ᵏ``), degrees (5, 4)               a, b (fit to leaky ReLU)
=================  ==========================================================  ======================

:meth:`~neuronkit.activations.Activation.describe_neuron` says what one neuron's activation has
become (``"dynamic: 71% tanh, 20% relu"``, ``"swish β=6.3 (≈ relu)"``); ``summary()``, the neuron's
explanation and :class:`~neuronkit.callbacks.ActivationTimeline` read it.

This module registers its classes when first imported; the registry imports it by name the first
time one of its names is looked up (as the spiking package's layers are), so ``import neuronkit``
does not load it and no import cycle arises.

>>> import neuronkit as nk
>>> net = nk.mlp([2, 3, 1], activation="swish", seed=0)
>>> net["hidden1"].activation.beta.data
array([1., 1., 1.], dtype=float32)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .activations import Activation, get_activation, register
from .engine import Parameter, Tensor, ops
from .errors import ParameterError, ParameterTypeError
from .validation import check_bool, check_int, check_number, must_be

__all__ = ["DynamicActivation", "LearnableELU", "Rational", "Swish", "ThresholdReLU", "leaky_relu_fit"]


def _per_neuron(activation: Activation, z: Tensor) -> None:
    """Build the parameters on first use for the width of ``z`` (a layer builds them itself)."""
    if not activation.named_parameters():
        activation.build(z.shape[-1] if z.ndim else 1, z.dtype)


def _value(parameter: Tensor | None, index: int) -> float:
    if parameter is None:
        raise ParameterError("this activation has no parameters yet: build(num_neurons, dtype) it, or use it in a "
                             "layer first")
    return float(parameter.data[index])


class Swish(Activation):
    r"""Swish with a learnable β per neuron: f(z) = z·σ(βz) (Ramachandran, Zoph & Le, 2017).

    .. math:: f(z) = z\,\sigma(\beta z), \qquad
        \frac{\partial f}{\partial z} = \sigma(\beta z)\,(1 + \beta z\,(1 - \sigma(\beta z))), \qquad
        \frac{\partial f}{\partial \beta} = z^2\,\sigma(\beta z)\,(1 - \sigma(\beta z))

    With β = 1 it is SiLU (``torch.nn.SiLU``); as β grows it tends to ReLU, at β = 0 it is z/2.
    ``init`` (default 1) must be >= 0.

    Examples
    --------
    At β = 2 and z = 1, f = 1·σ(2):

    >>> import neuronkit as nk
    >>> from neuronkit.adaptive_activations import Swish
    >>> swish = Swish(init=2.0)
    >>> swish.build(1, "float64")
    >>> swish(nk.Tensor([1.0], dtype="float64")).data.round(6)
    array([0.880797])
    """

    name, family = "swish", "relu"
    formula = "z * sigmoid(β * z)"
    saturates = True

    def __init__(self, init: float = 1.0) -> None:
        self.init = check_number(init, "init", low=0.0, owner="swish")
        self.beta: Tensor | None = None

    def options(self) -> dict[str, Any]:
        return {"init": self.init}

    def build(self, num_neurons: int, dtype: Any) -> None:
        if self.beta is None or self.beta.shape != (num_neurons,):
            self.beta = Parameter(np.full(num_neurons, self.init, dtype=dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.beta is None else [("beta", self.beta)]

    def forward(self, z: Tensor) -> Tensor:
        _per_neuron(self, z)
        return z * ops.sigmoid(z * self.beta)

    def neuron_formula(self, index: int) -> str:
        return f"z * sigmoid({_value(self.beta, index):.4g} * z)"

    def describe_neuron(self, index: int) -> str:
        beta = _value(self.beta, index)
        near = " (≈ relu)" if beta > 5 else " (≈ linear/2)" if abs(beta) < 0.1 else ""
        return f"swish β={beta:.3g}{near}"


class LearnableELU(Activation):
    r"""ELU with a learnable α per neuron: f(z) = z if z > 0 else α(e^z − 1) (Clevert et al., 2016).

    .. math:: f(z) = \begin{cases} z & z > 0 \\ \alpha (e^z - 1) & z \le 0 \end{cases}, \qquad
        \frac{\partial f}{\partial \alpha} = \begin{cases} 0 & z > 0 \\ e^z - 1 & z \le 0 \end{cases}

    At a fixed α it is ``torch.nn.ELU(alpha)``; the slope at z = 0 is α, as in PyTorch.
    ``init`` (default 1) must be >= 0 (α = 0 is a ReLU).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.adaptive_activations import LearnableELU
    >>> elu = LearnableELU(init=0.5)
    >>> elu(nk.Tensor([-np.log(2.0), 3.0], dtype="float64")).data
    array([-0.25,  3.  ])
    """

    name, family = "learnable_elu", "relu"
    formula = "z if z > 0 else α * (e^z - 1)"
    saturates = True

    def __init__(self, init: float = 1.0) -> None:
        self.init = check_number(init, "init", low=0.0, owner="learnable_elu")
        self.alpha: Tensor | None = None

    def options(self) -> dict[str, Any]:
        return {"init": self.init}

    def build(self, num_neurons: int, dtype: Any) -> None:
        if self.alpha is None or self.alpha.shape != (num_neurons,):
            self.alpha = Parameter(np.full(num_neurons, self.init, dtype=dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.alpha is None else [("alpha", self.alpha)]

    def forward(self, z: Tensor) -> Tensor:
        _per_neuron(self, z)
        negative = ops.where(z.data <= 0, z, 0.0)  # e^z only of z <= 0: no overflow
        return ops.where(z.data > 0, z, (negative.exp() - 1.0) * self.alpha)

    def neuron_formula(self, index: int) -> str:
        return f"z if z > 0 else {_value(self.alpha, index):.4g} * (e^z - 1)"

    def describe_neuron(self, index: int) -> str:
        alpha = _value(self.alpha, index)
        return f"elu α={alpha:.3g}" + (" (≈ relu)" if abs(alpha) < 0.05 else "")


class ThresholdReLU(Activation):
    r"""ReLU with a learnable threshold θ per neuron: f(z) = max(z, θ) = θ + max(0, z − θ).

    .. math:: f(z) = \begin{cases} z & z > \theta \\ \theta & z \le \theta \end{cases}, \qquad
        \frac{\partial f}{\partial z} = [z > \theta], \qquad \frac{\partial f}{\partial \theta} = [z \le \theta]

    This is ``torch.nn.Threshold(θ, θ)`` (PyTorch's thresholding with the replacement value equal to the
    threshold), with θ learnt per neuron, as the bend and floor of FReLU (Qiu, Xu & Cai, 2018, "FReLU:
    Flexible Rectified Linear Units") are learnt. θ = 0 (the default ``init``) is the ReLU. Keras'
    ``ThresholdedReLU`` (z·[z > θ]) is not used: it jumps at θ, so θ would get no gradient. Below its own θ a
    neuron gets no gradient through z, like a ReLU below 0.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.adaptive_activations import ThresholdReLU
    >>> act = ThresholdReLU(init=0.5)
    >>> act(nk.Tensor([-1.0, 0.25, 2.0])).data
    array([0.5, 0.5, 2. ], dtype=float32)
    """

    name, family = "threshold_relu", "relu"
    formula = "max(z, θ)"

    def __init__(self, init: float = 0.0) -> None:
        self.init = check_number(init, "init", owner="threshold_relu")
        self.threshold: Tensor | None = None

    def options(self) -> dict[str, Any]:
        return {"init": self.init}

    def build(self, num_neurons: int, dtype: Any) -> None:
        if self.threshold is None or self.threshold.shape != (num_neurons,):
            self.threshold = Parameter(np.full(num_neurons, self.init, dtype=dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.threshold is None else [("threshold", self.threshold)]

    def forward(self, z: Tensor) -> Tensor:
        _per_neuron(self, z)
        assert self.threshold is not None  # built just above
        # where(), not maximum(): at a tie the gradient goes to θ, as torch.nn.Threshold's does (x > θ keeps x)
        return ops.where(z.data > self.threshold.data, z, self.threshold)

    def neuron_formula(self, index: int) -> str:
        return f"max(z, {_value(self.threshold, index):.4g})"

    def describe_neuron(self, index: int) -> str:
        return f"threshold_relu θ={_value(self.threshold, index):.3g}"


#: the basis functions a dynamic activation may mix: fixed and elementwise
def _basis_function(name: Any, owner: str) -> Activation:
    if not isinstance(name, str):
        raise ParameterTypeError(must_be("basis", "a list of activation names, e.g. ['relu', 'tanh']", name, owner))
    activation = get_activation(name)  # an unknown name: the registry's message with the valid names
    activation.build(1, np.float64)
    if activation.name == "softmax" or activation.named_parameters():
        raise ParameterError(f"{owner} basis cannot hold {activation.name!r}: the basis functions must be fixed and "
                             "act on each neuron alone (e.g. relu, tanh, sigmoid, identity, elu, gelu, silu)")
    return activation


class DynamicActivation(Activation):
    r"""A per-neuron mixture over a basis of activations, its weights learnt: f(z) = Σₖ wₖ gₖ(z).

    .. math:: f_i(z) = \sum_k w_{ik}\, g_k(z), \qquad w_{i\cdot} = \operatorname{softmax}(\ell_{i\cdot})

    Neuron i has one logit ℓᵢₖ per basis function gₖ (default relu, tanh, sigmoid, identity), all 0 at
    the start (a uniform mixture); the softmax keeps the weights positive and summing to 1, so a neuron
    can drift towards one basis function or stay a blend (in the spirit of adaptive blending units,
    Sütfeld et al., 2020). ``basis``: at least one fixed, elementwise activation name, no repeats.

    Examples
    --------
    At the start every basis function has weight 1/4: at z = 0, (0 + 0 + 0.5 + 0) / 4:

    >>> import neuronkit as nk
    >>> from neuronkit.adaptive_activations import DynamicActivation
    >>> dyn = DynamicActivation()
    >>> dyn(nk.Tensor([0.0])).data
    array([0.125], dtype=float32)
    >>> dyn.describe_neuron(0)
    'dynamic: 25% relu, 25% tanh, 25% sigmoid, 25% identity'
    """

    name, family = "dynamic", "sigmoid"
    formula = "Σ_k w_k g_k(z), w = softmax(logits)"

    def __init__(self, basis: Sequence[str] = ("relu", "tanh", "sigmoid", "identity")) -> None:
        owner = "dynamic"
        if isinstance(basis, str) or not isinstance(basis, Sequence):
            raise ParameterTypeError(must_be("basis", "a list of activation names, e.g. ['relu', 'tanh']", basis,
                                             owner))
        if len(basis) == 0:
            raise ParameterError(must_be("basis", "a non-empty list of activation names, e.g. ['relu', 'tanh']",
                                         list(basis), owner))
        self.functions = [_basis_function(name, owner) for name in basis]
        self.basis = [f.name for f in self.functions]
        if len(set(self.basis)) != len(self.basis):
            raise ParameterError(must_be("basis", "a list of distinct activation names", list(basis), owner))
        self.logits: Tensor | None = None

    @property
    def saturates(self) -> bool:  # type: ignore[override]  # a blend with a flat tail saturates
        return any(f.saturates for f in self.functions)

    def options(self) -> dict[str, Any]:
        return {"basis": list(self.basis)}

    def build(self, num_neurons: int, dtype: Any) -> None:
        if self.logits is None or self.logits.shape != (num_neurons, len(self.basis)):
            self.logits = Parameter(np.zeros((num_neurons, len(self.basis)), dtype=dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.logits is None else [("logits", self.logits)]

    def weights(self) -> np.ndarray:
        """The mixture weights, shape (neurons, basis functions): each row sums to 1."""
        if self.logits is None:
            raise ParameterError("this activation has no parameters yet: build(num_neurons, dtype) it first")
        return ops.softmax_array(np.asarray(self.logits.data, dtype=np.float64), -1)

    def forward(self, z: Tensor) -> Tensor:
        _per_neuron(self, z)
        assert self.logits is not None  # built just above
        w = ops.softmax(self.logits, axis=-1)  # (neurons, K)
        out: Tensor | None = None
        for k, g in enumerate(self.functions):
            term = g(z) * w[:, k]
            out = term if out is None else out + term
        assert out is not None  # the basis is never empty
        return out

    def neuron_formula(self, index: int) -> str:
        return " + ".join(f"{w:.3g} * {_as_call(g)}" for w, g in zip(self.weights()[index], self.functions))

    def describe_neuron(self, index: int) -> str:
        w = self.weights()[index]
        order = np.argsort(-w, kind="stable")
        shown = [k for k in order if w[k] >= 0.1][:4] or [int(order[0])]
        return "dynamic: " + ", ".join(f"{100 * w[k]:.0f}% {self.basis[k]}" for k in shown)


def _as_call(activation: Activation) -> str:
    """A basis function as a term of a formula: ``tanh(z)``, ``z``, ``max(0, z)``."""
    formula = activation.formula
    return formula if formula == "z" or formula.startswith(("max(", "tanh(")) else f"{activation.name}(z)"


@functools.lru_cache(maxsize=32)
def _fit_cached(numerator: int, denominator: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    z = np.linspace(-3.0, 3.0, 1001)
    target = np.where(z > 0, z, 0.01 * z)
    powers = z[:, None] ** np.arange(numerator + 1)  # (points, m + 1)
    absolute = np.abs(z[:, None]) ** np.arange(1, denominator + 1)  # (points, n)
    # P(z) - f(z)·Σ c_k |z|^k = f(z) is linear in (a, c): least squares, then c -> |c| as the formula uses
    solution, *_ = np.linalg.lstsq(np.concatenate([powers, -target[:, None] * absolute], axis=1), target, rcond=None)
    c = np.abs(solution[numerator + 1:])
    # the numerator again, for the denominator as it is (the same when no c was negative)
    a, *_ = np.linalg.lstsq(powers, target * (1.0 + absolute @ c), rcond=None)
    return tuple(float(v) for v in a), tuple(float(v) for v in c)


def leaky_relu_fit(numerator: int = 5, denominator: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The safe PAU coefficients (a, b) closest to leaky ReLU (slope 0.01) on [-3, 3], by least squares.

    As in Molina et al. (2020), a PAU starts as leaky ReLU. Multiplying out the denominator,
    ``P(z) − f(z)·Σₖ cₖ|z|ᵏ = f(z)`` is linear in the coefficients, and is solved by least squares on
    1,001 points of [-3, 3]; then b = ``|c|`` and the numerator is solved again for that denominator.
    Computed once per pair of degrees (cached).

    Examples
    --------
    >>> from neuronkit.adaptive_activations import leaky_relu_fit
    >>> a, b = leaky_relu_fit(5, 4)
    >>> a.shape, b.shape, round(float(a[1]), 3)
    ((6,), (4,), 0.505)
    """
    a, b = _fit_cached(check_int(numerator, "numerator", low=1, owner="rational"),
                       check_int(denominator, "denominator", low=1, owner="rational"))
    return np.array(a), np.array(b)


class Rational(Activation):
    r"""Safe Padé activation unit (Molina, Schramowski & Kersting, 2020): a learnable rational function.

    .. math:: f(z) = \frac{P(z)}{Q(z)} = \frac{\sum_{j=0}^{m} a_j z^j}{1 + \sum_{k=1}^{n} |b_k|\,|z|^k}

    The paper's "safe" PAU: Q(z) >= 1, so f has no poles. Degrees (m, n) = (``numerator``,
    ``denominator``), default (5, 4) as in the paper, both >= 1. The coefficients are shared by the
    layer (``per_neuron=False``, as in the paper) or learnt per neuron; they start at
    :func:`leaky_relu_fit`, the least-squares fit to leaky ReLU on [-3, 3].

    Examples
    --------
    At the start it is leaky ReLU to within about 0.01:

    >>> import neuronkit as nk
    >>> from neuronkit.adaptive_activations import Rational
    >>> pau = Rational()
    >>> pau(nk.Tensor([-2.0, 0.0, 2.0], dtype="float64")).data.round(2)
    array([-0.02,  0.06,  2.  ])
    """

    name, family = "rational", "relu"
    formula = "P(z) / (1 + Σ_k |b_k| |z|^k)"
    saturates = False

    def __init__(self, numerator: int = 5, denominator: int = 4, *, per_neuron: bool = False) -> None:
        self.numerator = check_int(numerator, "numerator", low=1, owner="rational")
        self.denominator = check_int(denominator, "denominator", low=1, owner="rational")
        self.per_neuron = check_bool(per_neuron, "per_neuron", owner="rational")
        self.a: Tensor | None = None
        self.b: Tensor | None = None

    def options(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "per_neuron": self.per_neuron}

    def build(self, num_neurons: int, dtype: Any) -> None:
        a, b = leaky_relu_fit(self.numerator, self.denominator)
        lead = (num_neurons,) if self.per_neuron else ()
        if self.a is None or self.a.shape != lead + a.shape:
            self.a = Parameter(np.broadcast_to(a, lead + a.shape).astype(dtype))
            self.b = Parameter(np.broadcast_to(b, lead + b.shape).astype(dtype))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [] if self.a is None or self.b is None else [("numerator", self.a), ("denominator", self.b)]

    def forward(self, z: Tensor) -> Tensor:
        _per_neuron(self, z)
        assert self.a is not None and self.b is not None  # built just above
        a, b = self.a, ops.absolute(self.b)
        power = z
        numerator = a[..., 0] + z * a[..., 1]
        for j in range(2, self.numerator + 1):
            power = power * z
            numerator = numerator + power * a[..., j]
        magnitude = ops.absolute(z)
        power = magnitude
        denominator = magnitude * b[..., 0] + 1.0
        for k in range(2, self.denominator + 1):
            power = power * magnitude
            denominator = denominator + power * b[..., k - 1]
        return numerator / denominator

    def curve(self, index: int = 0, z: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(z, f(z)) of neuron ``index`` on ``z`` (default 121 points of [-3, 3]), in float64."""
        z = np.linspace(-3.0, 3.0, 121) if z is None else np.asarray(z, dtype=np.float64)
        if self.a is None or self.b is None:
            raise ParameterError("this activation has no parameters yet: build(num_neurons, dtype) it first")
        a = np.asarray(self.a.data if not self.per_neuron else self.a.data[index], dtype=np.float64)
        b = np.abs(np.asarray(self.b.data if not self.per_neuron else self.b.data[index], dtype=np.float64))
        p = z[:, None] ** np.arange(len(a)) @ a
        q = 1.0 + np.abs(z[:, None]) ** np.arange(1, len(b) + 1) @ b
        return z, p / q

    def describe_neuron(self, index: int) -> str:
        z, f = self.curve(index)
        candidates = {name: get_activation(name).infer(z.copy()) for name in _LOOKALIKES}
        errors = {name: float(np.sqrt(np.mean((f - g) ** 2))) for name, g in candidates.items()}
        best = min(errors, key=errors.__getitem__)
        return f"rational ≈ {best} (rms {errors[best]:.2g} on [-3, 3])"


#: the activations a rational one is compared with, to say what it has become
_LOOKALIKES = ("relu", "leaky_relu", "tanh", "sigmoid", "identity", "silu", "elu", "softplus")

for _cls in (Swish, LearnableELU, ThresholdReLU, DynamicActivation, Rational):
    register(_cls.name, _cls)
del _cls
