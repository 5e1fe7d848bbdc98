"""Layers that reshape or transform values without weights of their own: Flatten, Transpose and Activation.

``Flatten`` joins everything after the batch axis, the bridge from convolution maps to Dense
neurons; ``Activation`` applies an activation function on its own, for the usual
conv -> BatchNorm2d -> ReLU order, where the nonlinearity comes after the normalisation.

>>> import numpy as np
>>> import neuronkit as nk
>>> nk.Flatten()(np.zeros((2, 32, 5, 5), dtype=np.float32)).shape
(2, 800)
>>> nk.Activation("relu")(np.array([[-1.0, 2.0]], dtype=np.float32)).data
array([[0., 2.]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import get_activation
from ..engine import Tensor, ops
from ..errors import ParameterError, ShapeError
from ..init import float_dtype
from ..validation import check_int
from .base import ArraySpec, Module, check_name, constructor_options, label, layer_input, register_layer

__all__ = ["Activation", "Flatten", "Transpose"]


@register_layer
class Flatten(Module):
    """Flatten each sample: (N, d1, d2, ...) -> (N, d1·d2·...), as PyTorch's ``nn.Flatten()``.

    The first axis is the batch and is kept; the others are joined in C order, so a (C, H, W)
    feature map becomes channel after channel, row after row. No weights.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    >>> nk.Flatten()(x).data
    array([[ 0.,  1.,  2.,  3.,  4.,  5.],
           [ 6.,  7.,  8.,  9., 10., 11.]], dtype=float32)
    >>> nk.Flatten().output_shape((32, 5, 5))
    (800,)
    """

    name_prefix = "flatten"

    def __init__(self, *, name: str | None = None) -> None:
        self.name = check_name(name, "Flatten")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample shape joined: (C, H, W) -> (C·H·W,)."""
        return (math.prod(tuple(in_shape)),)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else None)
        if x.ndim < 2:
            raise ShapeError(f"layer {label(self)!r} (Flatten) takes a batch (N, ...) with at least 2 dimensions, "
                             f"the first being the samples; got shape {x.shape}")
        if x.ndim == 2:
            return x
        return ops.reshape(x, (x.shape[0], math.prod(x.shape[1:])))

    def infer(self, x: Any) -> np.ndarray:
        """The flattened array, without a graph (a float array of 3 or more dimensions: a reshape, no copy)."""
        if type(x) is np.ndarray and x.ndim > 2 and x.dtype.kind == "f":
            return x.reshape(x.shape[0], -1)
        return super().infer(x)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: it holds no arrays."""
        cls(**constructor_options(cls, config, "Flatten"))
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "Flatten", "name": self.name}

    def __repr__(self) -> str:
        return "Flatten()"


@register_layer
class Transpose(Module):
    """Swap two axes of each sample, as PyTorch's ``x.transpose(dim0, dim1)`` with the batch as axis 0.

    A text model's token vectors (N, L, D) become channels first (N, D, L) with ``Transpose(1, 2)``,
    so a :class:`Conv1d` slides its filters along the words (a "text CNN"); the same layer turns
    them back. No weights. ``dim0`` and ``dim1`` count the batch axis as 0, so both are >= 1.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.arange(12, dtype=np.float32).reshape(1, 3, 4)    # one text: 3 words, 4 values each
    >>> nk.Transpose(1, 2)(x).data
    array([[[ 0.,  4.,  8.],
            [ 1.,  5.,  9.],
            [ 2.,  6., 10.],
            [ 3.,  7., 11.]]], dtype=float32)
    >>> nk.Transpose(1, 2).output_shape((3, 4))
    (4, 3)
    """

    name_prefix = "transpose"

    def __init__(self, dim0: int = 1, dim1: int = 2, *, name: str | None = None) -> None:
        self.dim0 = check_int(dim0, "dim0", low=1, owner="Transpose")
        self.dim1 = check_int(dim1, "dim1", low=1, owner="Transpose")
        if self.dim0 == self.dim1:
            raise ParameterError(f"Transpose dim0 and dim1 must differ (two axes to swap); got {dim0} and {dim1}")
        self.name = check_name(name, "Transpose")

    def _axes(self, ndim: int, shown: tuple[Any, ...]) -> tuple[int, ...]:
        """The permutation for an input of ``ndim`` axes: a batch, or one sample (no batch axis)."""
        top = max(self.dim0, self.dim1)
        if ndim < top:
            raise ShapeError(f"layer {label(self)!r} (Transpose) swaps axes {self.dim0} and {self.dim1} of a batch "
                             f"(N, ...), or {self.dim0 - 1} and {self.dim1 - 1} of one sample; got shape {shown}")
        shift = 1 if ndim == top else 0  # one sample: its axes are the batch's shifted by one
        axes = list(range(ndim))
        axes[self.dim0 - shift], axes[self.dim1 - shift] = axes[self.dim1 - shift], axes[self.dim0 - shift]
        return tuple(axes)

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample shape with the two axes swapped: (L, D) -> (D, L) for Transpose(1, 2)."""
        shape = tuple(in_shape)  # one sample's shape: the batch's axes shifted by one
        if len(shape) < max(self.dim0, self.dim1):
            raise ShapeError(f"layer {label(self)!r} (Transpose) swaps axes {self.dim0 - 1} and {self.dim1 - 1} of "
                             f"each sample; the layer before it gives {shape}")
        axes = self._axes(len(shape) + 1, ("N", *shape))[1:]
        return tuple(shape[a - 1] for a in axes)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else None)
        return ops.transpose(x, self._axes(x.ndim, x.shape))

    def infer(self, x: Any) -> np.ndarray:
        """The swapped view of a float array, without a graph."""
        if type(x) is np.ndarray and x.dtype.kind == "f":
            return x.transpose(self._axes(x.ndim, x.shape))
        return super().infer(x)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: it holds no arrays."""
        cls(**constructor_options(cls, config, "Transpose"))
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "Transpose", "dim0": self.dim0, "dim1": self.dim1, "name": self.name}

    def __repr__(self) -> str:
        return f"Transpose({self.dim0}, {self.dim1})"


@register_layer
class Activation(Module):
    r"""An activation function as a layer of its own: y = f(x), elementwise (softmax: over the last axis).

    Parameters
    ----------
    activation : str or Activation
        Any name of :mod:`neuronkit.activations` (``"relu"``, ``"leaky_relu"``, ``"gelu"``, ...) or
        an activation object. A learnable one (``"prelu"``) has one parameter shared by every
        value (PyTorch's ``nn.PReLU()``).
    dtype : numpy dtype
        Of a learnable activation's parameters (``np.float32`` default, or ``np.float64``).

    It has no neurons of its own: the neurons are those of the layer before it (a conv filter, a
    Dense unit); it only moves their nonlinearity after, e.g., a BatchNorm2d.

    Examples
    --------
    .. math:: \mathrm{relu}(x) = \max(x, 0)

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> layer = nk.Activation("relu")
    >>> layer(np.array([[[-1.0, 0.5], [2.0, -3.0]]], dtype=np.float32)).data
    array([[[0. , 0.5],
            [2. , 0. ]]], dtype=float32)
    >>> layer.output_shape((16, 13, 13))
    (16, 13, 13)
    """

    name_prefix = "activation"

    def __init__(self, activation: Any, *, name: str | None = None, dtype: Any = np.float32) -> None:
        self.activation = get_activation(activation)
        self.dtype = float_dtype(dtype, owner="Activation")
        self.activation.build(1, self.dtype)
        self.name = check_name(name, "Activation")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Unchanged: an activation maps each value (softmax each row) to one value."""
        return tuple(in_shape)

    def potential(self, x: Any) -> Tensor:
        """The input, unchanged: what this layer's activation is applied to.

        A network that ends in an activation layer hands this to the fused losses
        (``Sequential.logits``), as it hands a Dense layer's ``potential``.
        """
        return layer_input(self, x, None, None)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, None)
        return self.activation(x)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """A learnable activation's parameters (prelu: ``activation.slope`` (1,)); none for the others."""
        options = constructor_options(cls, config, "Activation")
        dtype = float_dtype(options["dtype"], owner="Activation")
        activation = get_activation(options["activation"])
        activation.build(1, dtype)
        return {f"activation.{name}": (p.shape, p.dtype) for name, p in activation.named_parameters()}

    def config(self) -> dict[str, Any]:
        return {"type": "Activation", "activation": self.activation.config(), "name": self.name,
                "dtype": str(self.dtype)}

    def __repr__(self) -> str:
        return f"Activation({self.activation.name!r})"
