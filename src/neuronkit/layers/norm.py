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

from ..engine import Function, Parameter, Tensor, ops
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

    The statistics are taken over the last axis, as PyTorch's ``nn.LayerNorm(num_features)``:
    input (num_features,), (N, num_features) or any (N, ..., num_features), such as the
    (N, L, D) token vectors of a text model; the output has the input's shape.

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
        x = layer_input(self, x, None, self.gamma.dtype)
        if x.shape[-1] != self.num_features:
            raise ShapeError(f"layer {label(self)!r} normalises the last axis of {self.num_features} features; "
                             f"got shape {x.shape}. Check the width of the layer before it.")
        return ops.normalize(x, axis=-1, eps=self.eps)[0] * self.gamma + self.beta

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The input shape, whose last axis must be ``num_features`` (``(L, num_features)`` for token vectors).

        >>> import neuronkit as nk
        >>> try:
        ...     nk.LayerNorm(4, name="ln").output_shape((3,))
        ... except ValueError as error:
        ...     print(error)
        layer 'ln' normalises 4 features; the layer before it gives (3,): use layernorm(num_features=3), \
or let the spec infer it
        """
        shape = check_in_shape(in_shape, self)
        if len(shape) >= 2 and shape[-1] == self.num_features:
            return shape
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

    sample_ndim = 3

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
        if not self.in_training:
            scale = 1.0 / np.sqrt(self.running_var + self.eps)
            xhat = (x - self.running_mean.reshape(c, 1, 1)) * scale.reshape(c, 1, 1)
            return xhat * ops.reshape(self.gamma, (c, 1, 1)) + ops.reshape(self.beta, (c, 1, 1))
        count = x.size // c
        if count < 2:
            raise ShapeError(f"layer {label(self)!r} needs more than one value per channel in training (it "
                             f"normalises with the batch's statistics); got shape {x.shape}")
        stats: dict[str, np.ndarray] = {}
        y = _BatchNorm2dTraining.apply(x, self.gamma, self.beta, eps=self.eps, stats=stats)
        self.running_mean *= 1.0 - self.momentum
        self.running_mean += self.momentum * stats["mean"]
        self.running_var *= 1.0 - self.momentum
        self.running_var += self.momentum * stats["var"] * (count / (count - 1))
        return y

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


class _BatchNorm2dTraining(Function):
    """BatchNorm2d in training, fused (speed): y = γ x̂ + β with x̂ = (x - μ_c) / √(σ²_c + ε) over (N, H, W).

    The composite (transpose to channels-first rows, ``normalize``, transpose back, then the broadcast
    γ·x̂ + β, whose gradients sum over three axes) ran about five times slower than PyTorch's; here every
    per-channel sum is a product with a vector of ones on the (N, C, H·W) view (BLAS), and the VJP is
    the closed form (m = N·H·W)::

        ∂L/∂β = Σ g,  ∂L/∂γ = Σ g x̂,  ∂L/∂x = γ / √(σ² + ε) · (g - ∂L/∂β / m - x̂ ∂L/∂γ / m)

    ``stats`` receives the batch mean and (biased) variance per channel, for the running averages.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *, eps: float,  # type: ignore[override]
                stats: dict[str, np.ndarray]) -> np.ndarray:  # (a Function's forward takes its own arrays)
        single = x.ndim == 3  # one image (C, H, W): a batch of one
        n, c = (1, x.shape[0]) if single else x.shape[:2]
        x3 = x.reshape(n, c, -1)
        ones = np.ones(x3.shape[2], dtype=x.dtype)
        count = x3.shape[0] * x3.shape[2]
        mean = (x3 @ ones).sum(axis=0) / x.dtype.type(count)
        xhat = x3 - mean[:, None]
        var = (np.square(xhat) @ ones).sum(axis=0) / x.dtype.type(count)
        rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
        xhat *= rstd[:, None]
        ctx.xhat, ctx.rstd, ctx.gamma, ctx.ones, ctx.count, ctx.shape = xhat, rstd, gamma, ones, count, x.shape
        stats["mean"], stats["var"] = mean, var
        return (xhat * gamma[:, None] + beta[:, None]).reshape(x.shape)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g3 = grad.reshape(ctx.xhat.shape)
        g_beta = (g3 @ ctx.ones).sum(axis=0)
        g_gamma = ((g3 * ctx.xhat) @ ctx.ones).sum(axis=0)
        inv_m = grad.dtype.type(1.0 / ctx.count)
        gx = g3 - (g_beta * inv_m)[:, None]
        gx -= ctx.xhat * (g_gamma * inv_m)[:, None]
        gx *= (ctx.gamma * ctx.rstd)[:, None]
        return gx.reshape(ctx.shape), g_gamma, g_beta


def _features_and_dtype(cls: type[Module], config: dict[str, Any]) -> tuple[tuple[int], np.dtype]:
    options = constructor_options(cls, config, cls.__name__)
    features = check_int(options["num_features"], "num_features", low=1, owner=cls.__name__)
    return (features,), float_dtype(options["dtype"], owner=cls.__name__)
