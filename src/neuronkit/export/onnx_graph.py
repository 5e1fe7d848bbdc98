"""The small graph builder the ONNX export writes through, and the activations as ONNX operators.

:class:`Graph` collects nodes and constants (``initializers``) under unique names; each method
returns the name of the tensor it made. :func:`activation` writes one activation of
:data:`neuronkit.activations.ACTIVATIONS` (the learnable and dynamic ones as composites of
standard operators) on a tensor whose neurons lie along one axis.

>>> import numpy as np
>>> from neuronkit.export.onnx_graph import Graph
>>> g = Graph(np.float32)
>>> g.op("Relu", g.const(np.array([-1.0, 2.0], np.float32), "x"))
'Relu_2'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..activations import Activation
from ..errors import ParameterError

__all__ = ["ACTIVATION_WRITERS", "Graph", "activation"]


class Graph:
    """Nodes and constants of one ONNX graph, in the float ``dtype`` of the network (float32 or float64).

    >>> import numpy as np
    >>> g = Graph(np.float32)
    >>> y = g.op("Add", g.scalar(1.0), g.scalar(2.0))
    >>> [n.op_type for n in g.nodes], y
    (['Add'], 'Add_3')
    """

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def name(self, hint: str) -> str:
        """A fresh tensor name from ``hint``."""
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, array: Any, hint: str = "const", *, dtype: Any = None) -> str:
        """A constant tensor (an initializer); float arrays take ``dtype``, by default the graph's."""
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(self.dtype if dtype is None else dtype)
        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def scalar(self, value: float) -> str:
        """A float constant of shape () (broadcasts against anything)."""
        return self.const(np.array(value, dtype=self.dtype), "c")

    def ints(self, values: Any) -> str:
        """An int64 1-D constant (axes, shapes, indices)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), "i")

    def op(self, op_type: str, *inputs: str, outputs: int = 1, domain: str = "", **attributes: Any) -> Any:
        """Add one node; its output name, or a list of ``outputs`` names."""
        names = [self.name(op_type) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, domain=domain or None, **attributes))
        return names[0] if outputs == 1 else names

    def per_neuron(self, values: Any, axis: int, rank: int, hint: str = "param") -> str:
        """Per-neuron values (C,) shaped to broadcast along ``axis`` (-1, or 1 for channels) of a rank-``rank``
        tensor."""
        values = np.asarray(values)
        if axis != -1 and values.ndim >= 1 and values.size > 1:
            values = values.reshape(values.shape + (1,) * (rank - 1 - axis))
        return self.const(values, hint)


ActivationWriter = Callable[[Graph, Activation, str, int, int], str]
#: activation name -> writer(graph, activation, x, axis, rank) -> output name; a new activation: one writer here
ACTIVATION_WRITERS: dict[str, ActivationWriter] = {}


def _writes(*names: str) -> Callable[[ActivationWriter], ActivationWriter]:
    def decorate(fn: ActivationWriter) -> ActivationWriter:
        for name in names:
            ACTIVATION_WRITERS[name] = fn
        return fn
    return decorate


def activation(g: Graph, act: Activation, x: str, *, axis: int = -1, rank: int = 2, owner: str = "") -> str:
    """``act`` applied to tensor ``x`` whose neurons lie along ``axis`` (-1, or 1 for a convolution's channels).

    A name without a writer (a custom activation) is an error naming ``owner`` (the layer).

    >>> import numpy as np
    >>> from neuronkit.activations import get_activation
    >>> g = Graph(np.float32)
    >>> swish = get_activation("swish")
    >>> swish.build(3, np.float32)  # one β per neuron (a layer builds its activation)
    >>> _ = activation(g, swish, "x")
    >>> [n.op_type for n in g.nodes]
    ['Mul', 'Sigmoid', 'Mul']
    """
    writer = ACTIVATION_WRITERS.get(act.name)
    if writer is None or type(act).__name__ == "Lambda":
        raise ParameterError(f"{owner or 'the network'} uses the activation {act.name!r}, which has no ONNX export "
                             f"(a custom activation); exportable ones: {', '.join(sorted(ACTIVATION_WRITERS))}. "
                             "Register it as a class composed from built-in activations, or train with one of those")
    return writer(g, act, x, axis, rank)


def _param(act: Activation, name: str) -> np.ndarray:
    value = dict(act.named_parameters()).get(name)
    if value is None:
        raise ParameterError(f"activation {act.name!r} has no parameters yet; build it (use it in a layer) before "
                             "exporting")
    return np.asarray(value.data)


@_writes("identity")
def _identity(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Identity", x)


@_writes("step")
def _step(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Cast", g.op("GreaterOrEqual", x, g.scalar(0.0)), to=helper.np_dtype_to_tensor_dtype(g.dtype))


@_writes("sigmoid", "tanh", "relu", "softsign")
def _plain(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op({"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softsign": "Softsign"}[act.name], x)


@_writes("leaky_relu")
def _leaky_relu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("LeakyRelu", x, alpha=float(act.negative_slope))  # type: ignore[attr-defined]


@_writes("prelu")
def _prelu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("PRelu", x, g.per_neuron(_param(act, "slope"), axis, rank, "slope"))


@_writes("elu")
def _elu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Elu", x, alpha=float(act.alpha))  # type: ignore[attr-defined]


@_writes("selu")
def _selu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Selu", x, alpha=float(act.alpha), gamma=float(act.scale))  # type: ignore[attr-defined]


@_writes("gelu")
def _gelu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """z · 0.5 · (erf(z / √2) + 1), as the activation computes it."""
    erf = g.op("Erf", g.op("Mul", x, g.scalar(1.0 / np.sqrt(2.0))))
    return g.op("Mul", g.op("Mul", x, g.scalar(0.5)), g.op("Add", erf, g.scalar(1.0)))


@_writes("silu")
def _silu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Mul", x, g.op("Sigmoid", x))


@_writes("softplus")
def _softplus(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    beta = float(act.beta)  # type: ignore[attr-defined]
    if beta == 1.0:
        return g.op("Softplus", x)
    return g.op("Mul", g.op("Softplus", g.op("Mul", x, g.scalar(beta))), g.scalar(1.0 / beta))


@_writes("softmax")
def _softmax(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    return g.op("Softmax", x, axis=axis)


@_writes("swish")
def _swish(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """z · σ(βz), β per neuron."""
    beta = g.per_neuron(_param(act, "beta"), axis, rank, "beta")
    return g.op("Mul", x, g.op("Sigmoid", g.op("Mul", x, beta)))


@_writes("learnable_elu")
def _learnable_elu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """z if z > 0 else α(e^min(z, 0) − 1), α per neuron (e^ of non-positive values only, as the activation)."""
    alpha = g.per_neuron(_param(act, "alpha"), axis, rank, "alpha")
    negative = g.op("Sub", g.op("Exp", g.op("Min", x, g.scalar(0.0))), g.scalar(1.0))
    return g.op("Where", g.op("Greater", x, g.scalar(0.0)), x, g.op("Mul", negative, alpha))


@_writes("threshold_relu")
def _threshold_relu(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """max(z, θ), θ per neuron."""
    return g.op("Max", x, g.per_neuron(_param(act, "threshold"), axis, rank, "threshold"))


@_writes("dynamic")
def _dynamic(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """Σₖ wₖ gₖ(z): the mixture weights w = softmax(logits) are constants at inference."""
    weights = act.weights()  # type: ignore[attr-defined]  # (neurons, K), float64
    out = None
    for k, basis in enumerate(act.functions):  # type: ignore[attr-defined]
        term = g.op("Mul", activation(g, basis, x, axis=axis, rank=rank), g.per_neuron(weights[:, k], axis, rank, "w"))
        out = term if out is None else g.op("Add", out, term)
    assert out is not None  # the basis is never empty
    return out


@_writes("rational")
def _rational(g: Graph, act: Activation, x: str, axis: int, rank: int) -> str:
    """P(z) / (1 + Σₖ |bₖ| |z|ᵏ), the powers built up in the activation's order."""
    a, b = _param(act, "numerator"), np.abs(_param(act, "denominator"))

    def coefficient(values: np.ndarray, j: int) -> str:
        return g.per_neuron(values[..., j], axis, rank, "coef")

    power = x
    numerator = g.op("Add", coefficient(a, 0), g.op("Mul", x, coefficient(a, 1)))
    for j in range(2, a.shape[-1]):
        power = g.op("Mul", power, x)
        numerator = g.op("Add", numerator, g.op("Mul", power, coefficient(a, j)))
    magnitude = g.op("Abs", x)
    power = magnitude
    denominator = g.op("Add", g.op("Mul", magnitude, coefficient(b, 0)), g.scalar(1.0))
    for k in range(2, b.shape[-1] + 1):
        power = g.op("Mul", power, magnitude)
        denominator = g.op("Add", denominator, g.op("Mul", power, coefficient(b, k - 1)))
    return g.op("Div", numerator, denominator)
