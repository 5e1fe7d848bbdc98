"""The fully connected layer, and its neurons as views onto rows of its weight matrix.

A layer stores a weight matrix; a neuron is a view onto one row of it::

    >>> import neuronkit as nk
    >>> layer = nk.Dense(2, 3, activation="relu", seed=0, name="h")
    >>> layer.neurons[1].weights.shape, len(layer.neurons)
    ((2,), 3)
    >>> layer.neurons[1]
    ReLUNeuron(in=2)

``Dense.weight`` is (out_features, in_features) and ``Dense.bias`` is
(out_features,), PyTorch's layout, so weights copy across without transposes.
``infer`` is the prediction fast path: for a float array of the right shape and
dtype it goes straight to :func:`~neuronkit.engine.ops.linear_array` without a
check or a Tensor (keep it that way; bench/bench_predict.py measures it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _html
from ..activations import get_activation
from ..engine import Parameter, Tensor, no_grad, ops
from ..errors import ParameterError, ShapeError
from ..init import INITIALIZERS, default_for, float_dtype, get_initializer, make_rng
from ..neuron import Explanation, explain_neuron
from ..validation import check_array, check_bool, check_int, check_number, check_options
from .base import (
    ArraySpec,
    Module,
    _UnitList,
    _UnitView,
    built_from_arrays,
    check_in_shape,
    check_name,
    constructor_options,
    describe_shape,
    label,
    layer_input,
    register_layer,
)

__all__ = ["Dense", "NeuronList", "NeuronView"]


@register_layer
class Dense(Module):
    r"""A fully connected layer of ``out_features`` neurons: y = f(x Wᵀ + b).

    Parameters
    ----------
    in_features, out_features : int
        Inputs per neuron and number of neurons.
    activation : str, Activation or callable
        Any name of :mod:`neuronkit.activations` (default ``"relu"``).
    init : str or callable, optional
        Weight initialiser; default by activation (He for ReLU-like, Glorot otherwise).
        Biases start at 0.
    bias : bool
        Whether the neurons have a bias.
    l1, l2 : float
        Regularisation added to the loss: ``l1·Σ|W| + l2·ΣW²`` (weights, not biases).
    seed, rng : int or numpy.random.Generator
        Where the initial weights come from (give one; none draws fresh entropy).
    dtype : numpy dtype
        ``np.float32`` (default) or ``np.float64``.

    Shapes: input (N, in_features) or (in_features,); output (N, out_features).

    Examples
    --------
    Each neuron computes :math:`y_j = f\left(\sum_i W_{ji} x_i + b_j\right)`:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> layer = nk.Dense(2, 3, activation="relu", seed=0)
    >>> layer.weight.shape, layer.bias.shape
    ((3, 2), (3,))
    >>> layer.weight.data[:] = [[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]
    >>> layer(np.array([[2.0, 3.0]])).data
    array([[2., 3., 0.]], dtype=float32)
    """

    def __init__(self, in_features: int, out_features: int, *, activation: Any = "relu", init: Any = None,
                 bias: bool = True, l1: float = 0.0, l2: float = 0.0, seed: int | None = None,
                 rng: np.random.Generator | None = None, name: str | None = None, dtype: Any = np.float32) -> None:
        self.in_features = check_int(in_features, "in_features", low=1, owner="Dense")
        self.out_features = check_int(out_features, "out_features", low=1, owner="Dense")
        self.activation = get_activation(activation)
        if self.activation.name == "softmax" and self.out_features == 1:
            raise ParameterError("activation 'softmax' over out_features=1 always outputs 1; use 'sigmoid' for one "
                                 "output, or out_features >= 2 for one neuron per class")
        dtype = float_dtype(dtype, owner="Dense")
        if init is None:
            init = default_for(self.activation.name, self.activation.family)
        self.init = INITIALIZERS.canonical(init) if isinstance(init, str) else init  # its name in the config
        generator = make_rng(seed, rng)
        w = get_initializer(self.init)((self.out_features, self.in_features), generator, dtype=dtype)
        self.weight = Parameter(np.ascontiguousarray(w, dtype=dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype)) if check_bool(bias, "bias", owner="Dense") \
            else None
        self.activation.build(self.out_features, dtype)
        self.l1 = check_number(l1, "l1", low=0.0, owner="Dense")
        self.l2 = check_number(l2, "l2", low=0.0, owner="Dense")
        self.name = check_name(name, "Dense")

    @property
    def dtype(self) -> np.dtype:
        return self.weight.dtype

    def potential(self, x: Any) -> Tensor:
        """The activation potentials z = x Wᵀ + b, shape (N, out_features)."""
        x = layer_input(self, x, self.in_features, self.weight.dtype)
        if x.ndim == 1:
            return ops.reshape(ops.linear(ops.reshape(x, (1, -1)), self.weight, self.bias), (self.out_features,))
        return ops.linear(x, self.weight, self.bias)

    def forward(self, x: Any) -> Tensor:
        return self.activation(self.potential(x))

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``(out_features,)`` for an input of ``(in_features,)`` per sample; else a ShapeError saying what fits.

        >>> import neuronkit as nk
        >>> nk.Dense(1568, 10, seed=0).output_shape((1568,))
        (10,)
        >>> try:
        ...     nk.Dense(800, 10, seed=0, name="hidden1").output_shape((32, 7, 7))
        ... except ValueError as error:
        ...     print(error)
        layer 'hidden1' takes 800 inputs; the layer before it gives (32, 7, 7) = 1568 values: \
use flatten, then dense(..., in_features=1568), or let the spec infer it
        """
        shape = check_in_shape(in_shape, self)
        size = int(np.prod(shape))
        if shape == (self.in_features,):
            return (self.out_features,)
        if size != self.in_features:
            fix = f"dense(..., in_features={size}), or let the spec infer it"
            fix = "use " + fix if len(shape) == 1 else "use flatten, then " + fix
            raise ShapeError(f"layer {label(self)!r} takes {self.in_features} inputs; the layer before it gives "
                             f"{describe_shape(shape)}: {fix}")
        raise ShapeError(f"layer {label(self)!r} takes {self.in_features} inputs, one vector per sample; the layer "
                         f"before it gives {describe_shape(shape)}: flatten it first (a flatten layer)")

    def infer(self, x: Any) -> np.ndarray:
        W = self.weight.data
        if not (type(x) is np.ndarray and x.ndim == 2 and x.dtype == W.dtype
                and x.shape[1] == W.shape[1]):  # the common case, checked in a fraction of the time
            x = layer_input(self, x, self.in_features, W.dtype).data
            if x.ndim == 1:
                return self.infer(x.reshape(1, -1)).reshape(self.out_features)
        z = ops.linear_array(x, W, None if self.bias is None else self.bias.data)
        return self.activation.infer(z)

    def own_penalty(self) -> Tensor | None:
        if not (self.l1 or self.l2):
            return None
        return ops.weight_penalty(self.weight, self.l1, self.l2)

    def own_penalty_gradients(self) -> list[tuple[Parameter, np.ndarray]]:
        if not (self.l1 or self.l2):
            return []
        W = self.weight.data
        grad = ops.weight_penalty_gradient(W, self.l1, self.l2, W.dtype.type(1))
        assert grad is not None  # l1 or l2 is set
        return [(self.weight, grad)]

    @property
    def neurons(self) -> NeuronList:
        """The layer's neurons as views: ``layer.neurons[i]`` (weights are row i of ``weight``)."""
        return NeuronList(self)

    def config(self) -> dict[str, Any]:
        return {"type": "Dense", "in_features": self.in_features, "out_features": self.out_features,
                "activation": self.activation.config(), "init": self.init if isinstance(self.init, str) else "custom",
                "bias": self.bias is not None, "l1": self.l1, "l2": self.l2, "name": self.name,
                "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Dense:
        config = dict(config)
        if config.get("init") == "custom":  # the weights are loaded next: any initialiser does
            config["init"] = "zeros"
        check_options("layer type", "Dense", cls, config, complete=True)
        return cls(**{"seed": 0, **config})

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``weight`` (out, in), ``bias`` (out,) unless ``bias=False``, and a learnable activation's parameters."""
        options = constructor_options(cls, config, "Dense")
        fin = check_int(options["in_features"], "in_features", low=1, owner="Dense")
        fout = check_int(options["out_features"], "out_features", low=1, owner="Dense")
        dtype = float_dtype(options["dtype"], owner="Dense")
        arrays: dict[str, ArraySpec] = {"weight": ((fout, fin), dtype)}
        if check_bool(options["bias"], "bias", owner="Dense"):
            arrays["bias"] = ((fout,), dtype)
        arrays.update(_activation_arrays(options["activation"], fout, dtype))
        return arrays

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Any) -> Dense:
        """The layer around stored weights: no initialiser runs (the constructor's zeros cost no work)."""
        return built_from_arrays(cls, config, arrays)

    def __repr__(self) -> str:
        return (f"Dense({self.in_features}, {self.out_features}, activation={self.activation.name!r}"
                f"{', name=' + repr(self.name) if self.name else ''})")


def _activation_arrays(spec: Any, neurons: int, dtype: np.dtype) -> dict[str, ArraySpec]:
    """A learnable activation's parameters for ``neurons`` neurons, found on two tiny probes (1 and 2 neurons).

    A dimension that is 1 on the first probe and 2 on the second is per neuron; the others are fixed.
    """
    probes = []
    for n in (1, 2):
        activation = get_activation(spec)
        activation.build(n, dtype)
        probes.append(dict(activation.named_parameters()))
    return {f"activation.{name}": (tuple(neurons if (a, b) == (1, 2) else a
                                         for a, b in zip(p.shape, probes[1][name].shape)), p.dtype)
            for name, p in probes[0].items()}


class NeuronList(_UnitList):
    """The neurons of a Dense layer, indexable and iterable."""

    def __len__(self) -> int:
        return int(self.layer.out_features)


class NeuronView(_UnitView):
    """One neuron of a Dense layer: a view onto row ``index`` of its weight matrix.

    ``weights`` is a NumPy view (editing it edits the layer); ``bias`` is a float.

    Examples
    --------
    >>> import neuronkit as nk
    >>> layer = nk.Dense(2, 3, activation="relu", seed=0)
    >>> n = layer.neurons[1]
    >>> n.weights[:] = [0.5, -1.0]
    >>> layer.weight.data[1]
    array([ 0.5, -1. ], dtype=float32)
    """

    default_name = "dense"
    units = "neurons"
    layer: Dense

    @property
    def weights(self) -> np.ndarray:
        return self.layer.weight.data[self.index]

    def explain(self, x: Any) -> Explanation:
        """This neuron's arithmetic on one input ``x`` (shape (in_features,)): see :class:`neuronkit.Explanation`."""
        x = check_array(x, "input", ndim=None, dtype=self.layer.dtype, finite=False, min_samples=0,
                        owner=f"neuron {self.label}")
        if x.shape != (self.layer.in_features,):
            raise ShapeError(f"neuron {self.label} takes one input of shape ({self.layer.in_features},); "
                             f"got shape {x.shape}")
        layer_z = None
        if self.activation.name == "softmax":
            with no_grad():
                layer_z = self.layer.potential(x).data
        return explain_neuron(self.weights, self.bias, self.activation, x, label=self.label, layer_z=layer_z,
                              index=self.index, width=self.layer.out_features)

    def __call__(self, x: Any) -> float:
        return self.explain(x).output

    def __repr__(self) -> str:
        cls = type(self.activation).__name__
        if cls in ("Lambda", "Identity"):
            cls = "Linear" if cls == "Identity" else "Custom"
        return f"{cls}Neuron(in={self.layer.in_features})"

    def _repr_html_(self) -> str:
        """The neuron as HTML for Jupyter: its weights, bias and activation.

        >>> "<td>bias b</td>" in Dense(2, 3, seed=0, name="h").neurons[1]._repr_html_()
        True
        """
        return _html.neuron_html(self.label, self.weights, self.bias, self.activation)


NeuronList._view = NeuronView
