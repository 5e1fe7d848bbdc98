"""Pooling primitives on (N, C, H, W) Tensors: max and average over windows, with their VJPs beside them.

Layout and arguments are PyTorch's (``F.max_pool2d`` / ``F.avg_pool2d``): ``kernel_size``,
``stride`` (default: the kernel size) and ``padding`` are an int or an (h, w) pair; the output is

.. math:: H_{out} = \\left\\lfloor \\frac{H + 2 p_h - k_h}{s_h} \\right\\rfloor + 1

(likewise :math:`W_{out}`), so odd sizes drop the last row or column (floor mode). Max pooling pads
with :math:`-\\infty` (padding never wins); average pooling pads with zeros and divides by
:math:`k_h k_w` everywhere (PyTorch's ``count_include_pad=True``). Padding is at most half the kernel.

Index-based max pooling: the forward pass keeps, for each output, which window position won (the
first maximum in row-major order, as PyTorch), and the VJP sends each gradient straight there; no
window is recomputed and no Python loop runs over output positions (only over the ``kh·kw`` kernel
offsets). The 2x2/stride-2 case without padding (the usual CNN downsampling) has its own path on
the four strided quarter-grids of the input, beside the general one and tested against it.

The 1-d versions (N, C, L) are composites: the 2-d primitive on (N, C, 1, L).

>>> import numpy as np
>>> from neuronkit.engine import Tensor, pool
>>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
>>> pool.max_pool2d(x, 2).data
array([[[[ 5.,  7.],
         [13., 15.]]]])
>>> pool.max_pool2d(x, 2).sum().backward(); x.grad[0, 0]
array([[0., 0., 0., 0.],
       [0., 1., 0., 1.],
       [0., 0., 0., 0.],
       [0., 1., 0., 1.]])

This module imports nothing from neuronkit but the engine's tensor module and :mod:`neuronkit.errors`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import ParameterError, ParameterTypeError, ShapeError
from .tensor import Tensor, as_tensor, make, reshape

__all__ = ["PoolGeometry", "avg_pool1d", "avg_pool2d", "avg_pool2d_array", "max_pool1d", "max_pool2d",
           "max_pool2d_array", "pool_geometry"]


class PoolGeometry(NamedTuple):
    """The checked window geometry of a 2-d pooling: kernel, stride, padding and output size, each (h, w).

    >>> from neuronkit.engine.pool import pool_geometry
    >>> pool_geometry((26, 26), 2)
    PoolGeometry(kernel=(2, 2), stride=(2, 2), padding=(0, 0), out=(13, 13))
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    out: tuple[int, int]


def _pair(value: Any, name: str, owner: str, low: int) -> tuple[int, int]:
    """An int or a pair of ints, each >= ``low``, as a pair."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    rule = f"an integer >= {low} or a pair of them"
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items):
        raise ParameterTypeError(f"{owner} {name} must be {rule}; got {value!r}")
    if any(v < low for v in items):
        raise ParameterError(f"{owner} {name} must be {rule}; got {value!r}")
    return int(items[0]), int(items[1])


def pool_geometry(size: tuple[int, ...], kernel_size: Any, stride: Any = None, padding: Any = 0, *,
                  owner: str = "pool") -> PoolGeometry:
    """Check a pooling's arguments against an input of spatial ``size`` (H, W); the output size follows.

    ``stride=None`` is the kernel size. Refused: a kernel, stride or padding that is not a
    positive integer (padding: >= 0) or a pair of them, padding above half the kernel (as
    PyTorch), and an input smaller than the kernel (the message gives both).

    Examples
    --------
    >>> from neuronkit.engine.pool import pool_geometry
    >>> pool_geometry((11, 11), 2).out                       # floor((11 - 2) / 2) + 1
    (5, 5)
    >>> pool_geometry((7, 9), (3, 2), stride=(2, 1), padding=(1, 0)).out
    (4, 8)
    """
    kernel = _pair(kernel_size, "kernel_size", owner, 1)
    strides = kernel if stride is None else _pair(stride, "stride", owner, 1)
    pads = _pair(padding, "padding", owner, 0)
    if pads[0] > kernel[0] // 2 or pads[1] > kernel[1] // 2:
        raise ParameterError(f"{owner} padding must be at most half the kernel size {kernel}; got {padding!r}")
    out = tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, strides, pads))
    if min(n + 2 * p - k for n, k, p in zip(size, kernel, pads)) < 0:
        raise ShapeError(f"{owner}: an input of spatial size {tuple(size)} is smaller than the kernel {kernel} "
                         f"(with padding {pads}); give a larger input or a smaller kernel")
    return PoolGeometry(kernel, strides, pads, (out[0], out[1]))


def _check_input(x: Tensor, ndim: int, owner: str, layout: str) -> None:
    if x.ndim != ndim:
        raise ShapeError(f"{owner} takes a batch of shape {layout}; got shape {x.shape}")


def _window(xp: np.ndarray, a: int, b: int, geometry: PoolGeometry) -> tuple[slice, ...]:
    """The index of the (a, b) kernel offset's positions in the padded input: one entry per output."""
    (sh, sw), (ho, wo) = geometry.stride, geometry.out
    return (slice(None), slice(None), slice(a, a + sh * (ho - 1) + 1, sh), slice(b, b + sw * (wo - 1) + 1, sw))


def _pad(x: np.ndarray, padding: tuple[int, int], value: float) -> np.ndarray:
    ph, pw = padding
    if not (ph or pw):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _crop(g: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    ph, pw = padding
    return g[:, :, ph:g.shape[2] - ph, pw:g.shape[3] - pw]


def _is_2x2(geometry: PoolGeometry) -> bool:
    """The fast path's case: 2x2 windows, stride 2, no padding (odd sizes drop the last row/column)."""
    return geometry.kernel == (2, 2) and geometry.stride == (2, 2) and geometry.padding == (0, 0)


# ==================================================================== max pooling


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    r"""Max pooling over (N, C, H, W): each output is the largest value in its window.

    .. math:: y_{n,c,i,j} = \max_{0 \le a < k_h,\ 0 \le b < k_w} x_{n,c,\,i s_h + a - p_h,\,j s_w + b - p_w}

    Derivative: the gradient of :math:`y_{n,c,i,j}` goes to the one input that was the maximum
    (the first in row-major window order on ties, as PyTorch); inputs that win several
    overlapping windows collect each. The winners' positions are kept from the forward pass.

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out); see :func:`pool_geometry`.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, pool
    >>> x = Tensor([[[[1.0, 5.0, 2.0], [3.0, 4.0, 9.0], [0.0, 8.0, 7.0]]]], requires_grad=True)
    >>> y = pool.max_pool2d(x, 2, stride=1)
    >>> y.data
    array([[[[5., 9.],
             [8., 9.]]]], dtype=float32)
    >>> y.sum().backward(); x.grad[0, 0]          # 9 wins two windows
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 1., 0.]], dtype=float32)
    """
    x = as_tensor(x)
    _check_input(x, 4, "max_pool2d", "(N, C, H, W)")
    geometry = pool_geometry(x.shape[2:], kernel_size, stride, padding, owner="max_pool2d")
    if _is_2x2(geometry):
        out, vjp = _max_pool_2x2(x.data, geometry)
    else:
        out, vjp = _max_pool_general(x.data, geometry)
    return make(out, (x,), vjp, "max_pool2d")


def _max_pool_general(X: np.ndarray, geometry: PoolGeometry) -> tuple[np.ndarray, Any]:
    """Any window: one pass per kernel offset, keeping the running maximum and its offset."""
    kh, kw = geometry.kernel
    xp = _pad(X, geometry.padding, -np.inf)
    offsets = [(a, b) for a in range(kh) for b in range(kw)]
    out = xp[_window(xp, 0, 0, geometry)].copy()
    winner = np.zeros(out.shape, dtype=np.uint8 if len(offsets) <= 256 else np.int32)
    for k, (a, b) in enumerate(offsets[1:], start=1):
        candidate = xp[_window(xp, a, b, geometry)]
        better = candidate > out  # strict: the first maximum keeps its place
        np.copyto(out, candidate, where=better)
        winner[better] = k

    def vjp(g):  # each output's gradient to the position that won its window
        gp = np.zeros(xp.shape, dtype=g.dtype)
        for k, (a, b) in enumerate(offsets):
            gp[_window(gp, a, b, geometry)] += g * (winner == k)
        return (_crop(gp, geometry.padding),)

    return out, vjp


def _max_pool_2x2(X: np.ndarray, geometry: PoolGeometry) -> tuple[np.ndarray, Any]:
    """2x2 windows, stride 2: the maximum of the four quarter-grids x[0::2, 0::2], x[0::2, 1::2], ...

    Three comparisons per output decide the winner (top pair, bottom pair, top or bottom), the same
    first-maximum rule as the general path; the three boolean masks are all the VJP needs.
    """
    ho, wo = geometry.out
    rows, cols = slice(0, 2 * ho, 2), slice(1, 2 * ho, 2)
    left, right = slice(0, 2 * wo, 2), slice(1, 2 * wo, 2)
    a, b = X[:, :, rows, left], X[:, :, rows, right]
    c, d = X[:, :, cols, left], X[:, :, cols, right]
    top_right, top = b > a, np.maximum(a, b)  # (np.maximum on strided views: ~6x faster than np.where)
    bottom_right, bottom = d > c, np.maximum(c, d)
    lower = bottom > top
    out = np.maximum(top, bottom)
    even = X.shape[2] == 2 * ho and X.shape[3] == 2 * wo

    def vjp(g):  # the winner of each window gets g, written straight into the four quarter-grids
        # in X's memory layout (a convolution's output is channels-last): mixing layouts costs ~5x here
        gx = np.empty_like(X, dtype=g.dtype) if even else np.zeros_like(X, dtype=g.dtype)
        g = _like(g, out)  # a gradient in another layout (after a Flatten) is copied once, not read 6x strided
        g_bottom = g * lower
        g_top = g - g_bottom
        for g_half, right_won, r in ((g_top, top_right, rows), (g_bottom, bottom_right, cols)):
            np.multiply(g_half, right_won, out=gx[:, :, r, right])
            np.subtract(g_half, gx[:, :, r, right], out=gx[:, :, r, left])
        return (gx,)

    return out, vjp


def _like(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``g`` in the memory layout of ``out`` (a pooled conv output is channels-last): one copy if it is not."""
    if g.strides == out.strides or g.dtype != out.dtype:
        return g
    same = np.empty_like(out)
    np.copyto(same, g)
    return same


# ================================================================ average pooling


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    r"""Average pooling over (N, C, H, W), zero padding counted in the mean (``count_include_pad=True``).

    .. math:: y_{n,c,i,j} = \frac{1}{k_h k_w} \sum_{a < k_h,\ b < k_w} x_{n,c,\,i s_h + a - p_h,\,j s_w + b - p_w}

    Derivative: every input in a window gets :math:`1 / (k_h k_w)` of that window's gradient
    (summed over the windows it belongs to; padding positions are dropped).

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out); see :func:`pool_geometry`.

    Examples
    --------
    >>> from neuronkit.engine import Tensor, pool
    >>> x = Tensor([[[[1.0, 2.0], [3.0, 6.0]]]], requires_grad=True)
    >>> pool.avg_pool2d(x, 2).data
    array([[[[3.]]]], dtype=float32)
    >>> pool.avg_pool2d(x, 2, padding=1).data[0, 0]      # the zeros of the padding count
    array([[0.25, 0.5 ],
           [0.75, 1.5 ]], dtype=float32)
    >>> pool.avg_pool2d(x, 2).sum().backward(); x.grad[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]], dtype=float32)
    """
    x = as_tensor(x)
    _check_input(x, 4, "avg_pool2d", "(N, C, H, W)")
    geometry = pool_geometry(x.shape[2:], kernel_size, stride, padding, owner="avg_pool2d")
    if _is_2x2(geometry):
        out, vjp = _avg_pool_2x2(x.data, geometry)
    else:
        out, vjp = _avg_pool_general(x.data, geometry)
    return make(out, (x,), vjp, "avg_pool2d")


def _avg_pool_general(X: np.ndarray, geometry: PoolGeometry) -> tuple[np.ndarray, Any]:
    """Any window: the sum of one strided slice per kernel offset, times 1 / (kh kw)."""
    kh, kw = geometry.kernel
    scale = X.dtype.type(1.0 / (kh * kw))
    xp = _pad(X, geometry.padding, 0.0)
    offsets = [(a, b) for a in range(kh) for b in range(kw)]
    out = xp[_window(xp, 0, 0, geometry)].copy()
    for a, b in offsets[1:]:
        out += xp[_window(xp, a, b, geometry)]
    out *= scale
    shape = xp.shape

    def vjp(g):
        share = g * scale
        gp = np.zeros(shape, dtype=g.dtype)
        for a, b in offsets:
            gp[_window(gp, a, b, geometry)] += share
        return (_crop(gp, geometry.padding),)

    return out, vjp


def _avg_pool_2x2(X: np.ndarray, geometry: PoolGeometry) -> tuple[np.ndarray, Any]:
    """2x2 windows, stride 2: the mean of the four quarter-grids; the VJP writes a quarter into each."""
    ho, wo = geometry.out
    rows, cols = slice(0, 2 * ho, 2), slice(1, 2 * ho, 2)
    left, right = slice(0, 2 * wo, 2), slice(1, 2 * wo, 2)
    out = X[:, :, rows, left] + X[:, :, rows, right]
    out += X[:, :, cols, left]
    out += X[:, :, cols, right]
    out *= X.dtype.type(0.25)

    def vjp(g):
        share = _like(g, out) * g.dtype.type(0.25)
        gx = np.zeros_like(X, dtype=g.dtype) if 2 * ho != X.shape[2] or 2 * wo != X.shape[3] \
            else np.empty_like(X, dtype=g.dtype)  # in X's layout (a conv output is channels-last)
        for r in (rows, cols):
            for c in (left, right):
                gx[:, :, r, c] = share
        return (gx,)

    return out, vjp


# ===================================================== prediction (arrays, no graph)


def max_pool2d_array(X: np.ndarray, geometry: PoolGeometry) -> np.ndarray:
    """The values of :func:`max_pool2d` on an (N, C, H, W) array for a checked ``geometry``, without a graph.

    The prediction path: no winners are kept (a running ``np.maximum`` over the kernel offsets;
    2x2/stride 2: of the four quarter-grids).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.pool import max_pool2d_array, pool_geometry
    >>> X = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d_array(X, pool_geometry(X.shape[2:], 2))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    if _is_2x2(geometry):
        ho, wo = geometry.out
        rows, cols = slice(0, 2 * ho, 2), slice(1, 2 * ho, 2)
        left, right = slice(0, 2 * wo, 2), slice(1, 2 * wo, 2)
        out = np.maximum(X[:, :, rows, left], X[:, :, rows, right])
        np.maximum(out, X[:, :, cols, left], out=out)
        return np.maximum(out, X[:, :, cols, right], out=out)
    xp = _pad(X, geometry.padding, -np.inf)
    kh, kw = geometry.kernel
    out = xp[_window(xp, 0, 0, geometry)].copy()
    for a in range(kh):
        for b in range(kw):
            np.maximum(out, xp[_window(xp, a, b, geometry)], out=out)
    return out


def avg_pool2d_array(X: np.ndarray, geometry: PoolGeometry) -> np.ndarray:
    """The values of :func:`avg_pool2d` on an (N, C, H, W) array for a checked ``geometry``, without a graph.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.pool import avg_pool2d_array, pool_geometry
    >>> X = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d_array(X, pool_geometry(X.shape[2:], 2))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    fn = _avg_pool_2x2 if _is_2x2(geometry) else _avg_pool_general
    return fn(X, geometry)[0]  # (the VJP closure it also builds costs nothing until called)


# ============================================================== 1-d (composites)


def _as_2d(x: Tensor, owner: str) -> Tensor:
    _check_input(x, 3, owner, "(N, C, L)")
    return reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))


def _args_1d(kernel_size: Any, stride: Any, padding: Any, owner: str) -> tuple[Any, Any, Any]:
    """A 1-d pooling's ints as the 2-d primitive's pairs: kernel (1, k), stride (1, s), padding (0, p)."""
    for name, value in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
            raise ParameterTypeError(f"{owner} {name} must be an integer; got {value!r}")
    return (1, kernel_size), None if stride is None else (1, stride), (0, padding)


def max_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    r"""Max pooling over (N, C, L): :func:`max_pool2d` on (N, C, 1, L) with a (1, k) window.

    .. math:: y_{n,c,i} = \max_{0 \le a < k} x_{n,c,\,i s + a - p}

    Examples
    --------
    >>> from neuronkit.engine import Tensor, pool
    >>> pool.max_pool1d(Tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2).data
    array([[[3., 2.]]], dtype=float32)
    """
    x = as_tensor(x)
    kernel, strides, pads = _args_1d(kernel_size, stride, padding, "max_pool1d")
    out = max_pool2d(_as_2d(x, "max_pool1d"), kernel, strides, pads)
    return reshape(out, (out.shape[0], out.shape[1], out.shape[3]))


def avg_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    r"""Average pooling over (N, C, L) (zero padding counted): :func:`avg_pool2d` on (N, C, 1, L).

    .. math:: y_{n,c,i} = \frac{1}{k} \sum_{0 \le a < k} x_{n,c,\,i s + a - p}

    Examples
    --------
    >>> from neuronkit.engine import Tensor, pool
    >>> pool.avg_pool1d(Tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2).data
    array([[[2., 1.]]], dtype=float32)
    """
    x = as_tensor(x)
    kernel, strides, pads = _args_1d(kernel_size, stride, padding, "avg_pool1d")
    out = avg_pool2d(_as_2d(x, "avg_pool1d"), kernel, strides, pads)
    return reshape(out, (out.shape[0], out.shape[1], out.shape[3]))
