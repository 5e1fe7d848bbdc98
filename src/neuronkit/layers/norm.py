"""Normalisation layers: BatchNorm (batch statistics, running averages), BatchNorm2d (the same per image
channel) and LayerNorm (per sample).

Both compute through the engine's fused ``normalize`` primitive. BatchNorm is the
model of a layer with non-trainable state: its running statistics are
``buffers`` (saved with the weights, never trained), updated only when
``self.in_training``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Parameter, Tensor, ops
from ..errors import ShapeError
from ..init import float_dtype
from ..validation import check_int, check_number
from .base import (
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    constructor_options,
    describe_shape,
    label,
    layer_input,
    register_layer,
)

__all__ = ["BatchNorm", "BatchNorm2d", "LayerNorm"]


@register_layer
class BatchNorm(Module):
    r"""Batch normalisation over features: y = γ (x - μ_B) / sqrt(σ²_B + eps) + β.

    Training uses the batch statistics and updates running averages
    (``running = (1 - momentum) running + momentum batch``, variance unbiased);
    eval mode uses the running averages. Input (N, num_features) (N >= 2 in training),
    or one sample (num_features,) in eval mode.

    Examples
    --------
    With :math:`\gamma = 1`, :math:`\beta = 0`, each feature of a batch of two
    becomes about :math:`\pm 1`:

    >>> import neuronkit as nk
    >>> bn = nk.BatchNorm(2)
    >>> bn([[1.0, 10.0], [3.0, 30.0]]).data.round(3)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.running_mean.round(3)
    array([0.2, 2. ], dtype=float32)
    """

    buffers = ("running_mean", "running_var")

    def __init__(self, num_features: int, *, momentum: float = 0.1, eps: float = 1e-5, name: str | None = None,
                 dtype: Any = np.float32) -> None:
        self.num_features = check_int(num_features, "num_features", low=1, owner="BatchNorm")
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0, owner="BatchNorm")
        self.eps = check_number(eps, "eps", low=0.0, owner="BatchNorm")
        dtype = float_dtype(dtype, owner="BatchNorm")
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        self.name = check_name(name, "BatchNorm")

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, self.num_features, self.gamma.dtype)
        if self.in_training:
            n = x.shape[0] if x.ndim == 2 else 1
            if n < 2:
                raise ShapeError(f"layer {label(self)!r} needs batches of at least 2 samples in training (it "
                                 f"normalises with the batch's statistics); got shape {x.shape}")
            xhat, mu, var = ops.normalize(x, axis=0, eps=self.eps)
            self.running_mean *= 1.0 - self.momentum
            self.running_mean += self.momentum * mu
            self.running_var *= 1.0 - self.momentum
            self.running_var += self.momentum * var * (n / (n - 1))
        else:
            xhat = (x - self.running_mean) * (1.0 / np.sqrt(self.running_var + self.eps))
        return xhat * self.gamma + self.beta

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The input shape, which must be ``(num_features,)`` per sample (BatchNorm2d normalises images).

        >>> import neuronkit as nk
        >>> nk.BatchNorm(4).output_shape((4,))
        (4,)
        """
        return _features_shape(self, in_shape, "batchnorm")

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``gamma``, ``beta`` (trained) and ``running_mean``, ``running_var`` (buffers), each (num_features,)."""
        shape, dtype = _features_and_dtype(cls, config)
        return {name: (shape, dtype) for name in ("gamma", "beta", "running_mean", "running_var")}

    def config(self) -> dict[str, Any]:
        return {"type": "BatchNorm", "num_features": self.num_features, "momentum": self.momentum,
                "eps": self.eps, "name": self.name, "dtype": str(self.gamma.dtype)}

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features})"


@register_layer
class LayerNorm(Module):
    """Layer normalisation per sample: y = γ (x - mean(x)) / sqrt(var(x) + eps) + β over features.

    Examples
    --------
    Each sample is standardised over its features:

    >>> import neuronkit as nk
    >>> ln = nk.LayerNorm(3)
    >>> ln([[1.0, 2.0, 3.0]]).data.round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """

    def __init__(self, num_features: int, *, eps: float = 1e-5, name: str | None = None,
                 dtype: Any = np.float32) -> None:
        self.num_features = check_int(num_features, "num_features", low=1, owner="LayerNorm")
        self.eps = check_number(eps, "eps", low=0.0, owner="LayerNorm")
        dtype = float_dtype(dtype, owner="LayerNorm")
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))
        self.name = check_name(name, "LayerNorm")

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, self.num_features, self.gamma.dtype)
        return ops.normalize(x, axis=-1, eps=self.eps)[0] * self.gamma + self.beta

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The input shape, which must be ``(num_features,)`` per sample.

        >>> import neuronkit as nk
        >>> try:
        ...     nk.LayerNorm(4, name="ln").output_shape((3,))
        ... except ValueError as error:
        ...     print(error)
        layer 'ln' normalises 4 features; the layer before it gives (3,): use layernorm(num_features=3), \
or let the spec infer it
        """
        return _features_shape(self, in_shape, "layernorm")

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``gamma`` and ``beta``, each (num_features,)."""
        shape, dtype = _features_and_dtype(cls, config)
        return {"gamma": (shape, dtype), "beta": (shape, dtype)}

    def config(self) -> dict[str, Any]:
        return {"type": "LayerNorm", "num_features": self.num_features, "eps": self.eps, "name": self.name,
                "dtype": str(self.gamma.dtype)}

    def __repr__(self) -> str:
        return f"LayerNorm({self.num_features})"


def _features_shape(layer: BatchNorm | LayerNorm, in_shape: tuple[int, ...], token: str) -> tuple[int, ...]:
    """``in_shape`` if it is ``(num_features,)``; else a ShapeError naming the layer, the shape and the fix."""
    shape = check_in_shape(in_shape, layer)
    if shape == (layer.num_features,):
        return shape
    if len(shape) == 1:
        fix = f"use {token}(num_features={shape[0]}), or let the spec infer it"
    elif token == "batchnorm" and len(shape) == 3:
        fix = f"for images use BatchNorm2d({shape[0]}) (the spec's batchnorm chooses it by the input shape)"
    else:
        fix = f"it takes one vector ({layer.num_features},) per sample"
    raise ShapeError(f"layer {label(layer)!r} normalises {layer.num_features} features; the layer before it gives "
                     f"{describe_shape(shape)}: {fix}")


@register_layer
class BatchNorm2d(Module):
    r"""Batch normalisation of image channels: each channel normalised over the batch and all positions.

    .. math:: y_{n,c,i,j} = \gamma_c \frac{x_{n,c,i,j} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \beta_c,
              \qquad \mu_c, \sigma^2_c \text{ over } (n, i, j)

    As :class:`BatchNorm` (and PyTorch's ``nn.BatchNorm2d``), with the statistics of each channel taken
    over N·H·W values: training uses the batch's (biased variance) and updates the running averages
    (``running = (1 - momentum) running + momentum batch``, the variance unbiased with N·H·W - 1);
    eval mode uses the running averages. ``gamma`` (γ, init 1) and ``beta`` (β, init 0) are
    (num_features,); unnamed in a network it is ``batchnorm1``, ...

    Shapes: (N, C, H, W) or one image (C, H, W), C = ``num_features``; the output has the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> bn = nk.BatchNorm2d(2)
    >>> x = np.array([[[[1.0, 3.0]], [[0.0, 0.0]]], [[[5.0, 7.0]], [[2.0, 2.0]]]], dtype=np.float32)  # (2, 2, 1, 2)
    >>> bn(x).data[:, 0].round(3)                    # channel 0: mean 4, variance 5
    array([[[-1.342, -0.447]],
    <BLANKLINE>
           [[ 0.447,  1.342]]], dtype=float32)
    >>> bn.running_mean.round(3), bn.running_var.round(3)        # unbiased: 20/3 and 4/3
    (array([0.4, 0.1], dtype=float32), array([1.567, 1.033], dtype=float32))
    """

    name_prefix = "batchnorm"
    buffers = ("running_mean", "running_var")

    def __init__(self, num_features: int, *, momentum: float = 0.1, eps: float = 1e-5, name: str | None = None,
                 dtype: Any = np.float32) -> None:
        self.num_features = check_int(num_features, "num_features", low=1, owner="BatchNorm2d")
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0, owner="BatchNorm2d")
        self.eps = check_number(eps, "eps", low=0.0, owner="BatchNorm2d")
        dtype = float_dtype(dtype, owner="BatchNorm2d")
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        self.name = check_name(name, "BatchNorm2d")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Unchanged, (C, H, W) with C = num_features; a ShapeError naming the layer otherwise."""
        in_shape = tuple(in_shape)
        self._check(len(in_shape) == 3 and in_shape[0] == self.num_features, in_shape)
        return in_shape

    def _check(self, fits: bool, shown: tuple[int, ...]) -> None:
        if not fits:
            c = self.num_features
            raise ShapeError(f"layer {label(self)!r} (BatchNorm2d) takes images (N, C={c}, H, W) or one image "
                             f"(C={c}, H, W); got shape {shown}")

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, self.gamma.dtype)
        self._check(x.ndim in (3, 4) and x.shape[-3] == self.num_features, x.shape)
        c = self.num_features
        if self.in_training:
            batch = ops.reshape(x, (1, *x.shape)) if x.ndim == 3 else x
            n, _, h, w = batch.shape
            count = n * h * w
            if count < 2:
                raise ShapeError(f"layer {label(self)!r} needs more than one value per channel in training (it "
                                 f"normalises with the batch's statistics); got shape {x.shape}")
            # channels first, one row per channel: the fused normalize over its N·H·W values
            rows = ops.reshape(ops.transpose(batch, (1, 0, 2, 3)), (c, count))
            xhat_rows, mu, var = ops.normalize(rows, axis=1, eps=self.eps)
            xhat = ops.transpose(ops.reshape(xhat_rows, (c, n, h, w)), (1, 0, 2, 3))
            if x.ndim == 3:
                xhat = ops.reshape(xhat, x.shape)
            self.running_mean *= 1.0 - self.momentum
            self.running_mean += self.momentum * mu
            self.running_var *= 1.0 - self.momentum
            self.running_var += self.momentum * var * (count / (count - 1))
        else:
            scale = 1.0 / np.sqrt(self.running_var + self.eps)
            xhat = (x - self.running_mean.reshape(c, 1, 1)) * scale.reshape(c, 1, 1)
        return xhat * ops.reshape(self.gamma, (c, 1, 1)) + ops.reshape(self.beta, (c, 1, 1))

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``gamma``, ``beta`` (trained) and ``running_mean``, ``running_var`` (buffers), each (num_features,)."""
        shape, dtype = _features_and_dtype(cls, config)
        return {name: (shape, dtype) for name in ("gamma", "beta", "running_mean", "running_var")}

    def config(self) -> dict[str, Any]:
        return {"type": "BatchNorm2d", "num_features": self.num_features, "momentum": self.momentum,
                "eps": self.eps, "name": self.name, "dtype": str(self.gamma.dtype)}

    def __repr__(self) -> str:
        return f"BatchNorm2d({self.num_features})"


def _features_and_dtype(cls: type[Module], config: dict[str, Any]) -> tuple[tuple[int], np.dtype]:
    options = constructor_options(cls, config, cls.__name__)
    features = check_int(options["num_features"], "num_features", low=1, owner=cls.__name__)
    return (features,), float_dtype(options["dtype"], owner=cls.__name__)
