"""Pooling layers: MaxPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, AvgPool1d (PyTorch's names and layouts).

A pooling layer has no weights: it summarises each window of each channel by its maximum or its
mean, shrinking the image (and, for max pooling, making the output insensitive to small shifts).
Each computes through the engine's pooling primitives (:mod:`neuronkit.engine.pool`); max
pooling keeps the index of each window's winner for the backward pass.

Shapes: images (N, C, H, W) or one image (C, H, W) -> (N, C, H_out, W_out) with
:math:`H_{out} = \\lfloor (H + 2p - k) / s \\rfloor + 1` (stride defaults to the kernel size);
sequences (N, C, L) or (C, L) for the 1-d versions. Unnamed, a network calls them ``pool1``,
``pool2``, ...

>>> import numpy as np
>>> import neuronkit as nk
>>> pool = nk.MaxPool2d(2)
>>> pool(np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4)).data
array([[[[ 5.,  7.],
         [13., 15.]]]], dtype=float32)
>>> pool.output_shape((16, 26, 26))
(16, 13, 13)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Tensor, ops
from ..engine import pool as pool_ops
from ..errors import NeuronkitError, ParameterError, ParameterTypeError, ShapeError
from ..validation import must_be
from .base import ArraySpec, Module, check_name, constructor_options, label, layer_input, register_layer

__all__ = ["AvgPool1d", "AvgPool2d", "GlobalAvgPool2d", "MaxPool1d", "MaxPool2d"]


def _window_argument(value: Any, name: str, owner: str, low: int, dims: int) -> int | tuple[int, ...]:
    """An int, or (2-d only) a pair of ints, each >= ``low``: an int if all entries are equal (as stored in configs)."""
    rule = f"an integer >= {low}" + (" or a pair of them" if dims == 2 else "")
    items = tuple(value) if isinstance(value, (tuple, list)) and dims == 2 else (value,) * dims
    if len(items) != dims or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items):
        raise ParameterTypeError(must_be(name, rule, value, owner))
    if any(v < low for v in items):
        raise ParameterError(must_be(name, rule, value, owner))
    return int(items[0]) if len(set(items)) == 1 else tuple(int(v) for v in items)


def _as_tuple(value: int | tuple[int, ...], dims: int) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,) * dims


def _float_dtype(x: Any) -> np.dtype | None:
    """A float array's own dtype (so ``layer_input`` takes it as it is), else None (converted, checked)."""
    return x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else None


class _Pool(Module):
    """Shared by the window poolings: argument checks, config, output shape, the (un)batched input."""

    name_prefix = "pool"
    dims = 2
    layout = "images (N, C, H, W) or one image (C, H, W)"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, *, name: str | None = None) -> None:
        owner = type(self).__name__
        self.kernel_size = _window_argument(kernel_size, "kernel_size", owner, 1, self.dims)
        self.stride = self.kernel_size if stride is None else _window_argument(stride, "stride", owner, 1,
                                                                                    self.dims)
        self.padding = _window_argument(padding, "padding", owner, 0, self.dims)
        kernel, pads = _as_tuple(self.kernel_size, self.dims), _as_tuple(self.padding, self.dims)
        if any(p > k // 2 for p, k in zip(pads, kernel)):
            raise ParameterError(must_be("padding", f"at most half the kernel size {self.kernel_size}", padding,
                                         owner) + "; pad less or use a larger kernel")
        self.name = check_name(name, owner)
        self._geometries: dict[tuple[int, ...], pool_ops.PoolGeometry] = {}  # infer's, for the last input size

    def _pool(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _spatial_out(self, sample_shape: tuple[int, ...], shown: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape for a per-sample input; errors show ``shown`` (what the user gave)."""
        kind = type(self).__name__
        if len(sample_shape) != self.dims + 1:
            raise ShapeError(f"layer {label(self)!r} ({kind}) takes {self.layout}; got shape {shown}")
        size = sample_shape[1:] if self.dims == 2 else (1, sample_shape[1])
        kernel, stride, padding = (_as_tuple(v, self.dims) for v in (self.kernel_size, self.stride, self.padding))
        if self.dims == 1:
            kernel, stride, padding = (1, *kernel), (1, *stride), (0, *padding)
        try:
            geometry = pool_ops.pool_geometry(size, kernel, stride, padding, owner=kind)
        except NeuronkitError:
            raise ShapeError(f"layer {label(self)!r} ({kind}, kernel_size={self.kernel_size}, padding="
                             f"{self.padding}) needs inputs of at least the kernel size (after padding); got shape "
                             f"{shown}: give larger inputs, or a smaller kernel") from None
        out = geometry.out if self.dims == 2 else geometry.out[1:]
        return (sample_shape[0], *out)

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape, e.g. (C, H, W) -> (C, H_out, W_out); a ShapeError if it does not fit."""
        in_shape = tuple(in_shape)
        return self._spatial_out(in_shape, in_shape)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, _float_dtype(x))
        if x.ndim == self.dims + 1:  # one sample, as PyTorch takes it
            self._spatial_out(x.shape, x.shape)
            out = self._pool(ops.reshape(x, (1, *x.shape)))
            return ops.reshape(out, out.shape[1:])
        self._spatial_out(x.shape[1:], x.shape)
        return self._pool(x)

    def infer(self, x: Any) -> np.ndarray:
        """The pooled array without a graph; a float (N, C, H, W) array goes straight to the engine's array path."""
        if not (self.dims == 2 and type(x) is np.ndarray and x.ndim == 4 and x.dtype.kind == "f"):
            return super().infer(x)
        geometry = self._geometries.get(x.shape[2:])
        if geometry is None:
            self._spatial_out(x.shape[1:], x.shape)  # the layer's message if it does not fit
            geometry = pool_ops.pool_geometry(x.shape[2:], self.kernel_size, self.stride, self.padding)
            self._geometries = {x.shape[2:]: geometry}  # the last input size: one entry, replaced, never growing
        return self._array(x, geometry)

    def _array(self, x: np.ndarray, geometry: pool_ops.PoolGeometry) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: a pooling layer holds no arrays (its options are checked all the same)."""
        options = constructor_options(cls, config, cls.__name__)
        cls(**options)  # cheap: checks the options
        return {}

    def config(self) -> dict[str, Any]:
        def plain(value: int | tuple[int, ...]) -> int | list[int]:
            return list(value) if isinstance(value, tuple) else value

        return {"type": type(self).__name__, "kernel_size": plain(self.kernel_size), "stride": plain(self.stride),
                "padding": plain(self.padding), "name": self.name}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")


@register_layer
class MaxPool2d(_Pool):
    r"""2-d max pooling: each output is the largest value of its window, channel by channel.

    .. math:: y_{n,c,i,j} = \max_{a < k_h,\ b < k_w} x_{n,c,\,i s_h + a - p_h,\,j s_w + b - p_w}

    Parameters
    ----------
    kernel_size : int or (int, int)
        The window.
    stride : int or (int, int), optional
        The step between windows (default: the kernel size, non-overlapping windows).
    padding : int or (int, int)
        Implicit :math:`-\infty` border (at most half the kernel), so it never wins.

    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), :math:`H_{out} = \lfloor (H + 2p - k)/s
    \rfloor + 1`. The gradient goes only to each window's maximum (the first one on ties).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[[[1, 2, 0], [4, 3, 9], [5, 6, 7]]]], dtype=np.float32)
    >>> nk.MaxPool2d(2, stride=1)(x).data
    array([[[[4., 9.],
             [6., 9.]]]], dtype=float32)
    >>> nk.MaxPool2d(2).output_shape((16, 11, 11))     # odd sizes drop the last row and column
    (16, 5, 5)
    """

    sample_ndim = 3

    def _pool(self, x: Tensor) -> Tensor:
        return pool_ops.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def _array(self, x: np.ndarray, geometry: pool_ops.PoolGeometry) -> np.ndarray:
        return pool_ops.max_pool2d_array(x, geometry)


@register_layer
class AvgPool2d(_Pool):
    r"""2-d average pooling: each output is the mean of its window (zero padding counted, as PyTorch's default).

    .. math:: y_{n,c,i,j} = \frac{1}{k_h k_w} \sum_{a < k_h,\ b < k_w} x_{n,c,\,i s_h + a - p_h,\,j s_w + b - p_w}

    Parameters as :class:`MaxPool2d` (padding adds zeros, which count in the mean:
    ``count_include_pad=True``).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[[[1, 2, 0, 4], [3, 6, 2, 8]]]], dtype=np.float32)
    >>> nk.AvgPool2d(2)(x).data
    array([[[[3. , 3.5]]]], dtype=float32)
    """

    sample_ndim = 3

    def _pool(self, x: Tensor) -> Tensor:
        return pool_ops.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def _array(self, x: np.ndarray, geometry: pool_ops.PoolGeometry) -> np.ndarray:
        return pool_ops.avg_pool2d_array(x, geometry)


@register_layer
class MaxPool1d(_Pool):
    r"""1-d max pooling over sequences (N, C, L) or (C, L): :math:`y_{n,c,i} = \max_{a<k} x_{n,c,\,is+a-p}`.

    ``kernel_size``, ``stride`` (default: the kernel size) and ``padding`` are ints.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.MaxPool1d(2)(np.array([[[1, 3, 2, 0, 5]]], dtype=np.float32)).data
    array([[[3., 2.]]], dtype=float32)
    """

    sample_ndim = 2

    dims = 1
    layout = "sequences (N, C, L) or one sequence (C, L)"

    def _pool(self, x: Tensor) -> Tensor:
        return pool_ops.max_pool1d(x, self.kernel_size, self.stride, self.padding)  # type: ignore[arg-type]


@register_layer
class AvgPool1d(_Pool):
    r"""1-d average pooling over sequences (N, C, L) or (C, L): :math:`y_{n,c,i} = \frac1k \sum_{a<k} x_{n,c,\,is+a-p}`.

    Zero padding counts in the mean (``count_include_pad=True``).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.AvgPool1d(2)(np.array([[[1, 3, 2, 0, 5]]], dtype=np.float32)).data
    array([[[2., 1.]]], dtype=float32)
    """

    sample_ndim = 2

    dims = 1
    layout = "sequences (N, C, L) or one sequence (C, L)"

    def _pool(self, x: Tensor) -> Tensor:
        return pool_ops.avg_pool1d(x, self.kernel_size, self.stride, self.padding)  # type: ignore[arg-type]


@register_layer
class GlobalAvgPool2d(Module):
    r"""Global average pooling: each channel's mean over the whole image, (N, C, H, W) -> (N, C).

    .. math:: y_{n,c} = \frac{1}{HW} \sum_{i,j} x_{n,c,i,j}

    PyTorch's ``nn.AdaptiveAvgPool2d(1)`` followed by a flatten. One image (C, H, W) gives (C,).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[[[1, 2], [3, 6]], [[0, 0], [0, 4]]]], dtype=np.float32)
    >>> nk.GlobalAvgPool2d()(x).data
    array([[3., 1.]], dtype=float32)
    """

    sample_ndim = 3

    name_prefix = "pool"

    def __init__(self, *, name: str | None = None) -> None:
        self.name = check_name(name, "GlobalAvgPool2d")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(C, H, W) -> (C,); a ShapeError for any other rank."""
        in_shape = tuple(in_shape)
        self._check(len(in_shape) == 3, in_shape)
        return in_shape[:1]

    def _check(self, fits: bool, shown: tuple[int, ...]) -> None:
        if not fits:
            raise ShapeError(f"layer {label(self)!r} (GlobalAvgPool2d) takes images (N, C, H, W) or one image "
                             f"(C, H, W); got shape {shown}")

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, _float_dtype(x))
        self._check(x.ndim in (3, 4), x.shape)
        return ops.mean(x, axis=(-2, -1))

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: it holds no arrays."""
        cls(**constructor_options(cls, config, "GlobalAvgPool2d"))
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": "GlobalAvgPool2d", "name": self.name}

    def __repr__(self) -> str:
        return "GlobalAvgPool2d()"
