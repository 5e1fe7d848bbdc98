r"""Convolution primitives: :func:`conv2d` and :func:`conv1d`, forward and VJP side by side.

A 2-d convolution (PyTorch's cross-correlation) of an input ``x`` (N, C, H, W) with a weight
``w`` (O, C/groups, kh, kw) and a bias ``b`` (O,) is

.. math::

    y_{n,o,i,j} = b_o + \sum_{c,p,q} w_{o,c,p,q}\,
    x_{n,\,g(o) C_g + c,\; i s_h + p d_h - \text{pad}_t,\; j s_w + q d_w - \text{pad}_l}

with ``s`` the stride, ``d`` the dilation and ``g(o)`` the group of output channel ``o``
(``C_g = C / groups`` input channels each); positions outside the image read 0 (zero padding).
Output size per axis: ``(size + pad_before + pad_after - d (k - 1) - 1) // s + 1``.

How it is computed (speed): the input is read channels-last, as a strided view of its windows
(N, Ho, Wo, kh, kw, C) that one copy turns into the ``im2col`` matrix (N·Ho·Wo, kh·kw·C), plus a
column of ones for the bias; one BLAS product with the weight (kh·kw·C, O) and the bias as its last
row gives the output as an (N·Ho·Wo, O) matrix. That
matrix *is* the output in NHWC memory order, returned as an (N, O, Ho, Wo) view without a copy
(as :func:`~neuronkit.engine.tensor.linear` returns feature-major arrays): element-wise
operations keep the layout, and the next convolution then reads its windows along contiguous
channels. The weight gradient is one product ``colsᵀ G`` (its last row, from the ones, is the bias
gradient); the input gradient is a fused col2im:
per kernel offset, one product of G with that offset's weights, added as a whole (N, Ho, Wo, C)
slab into the positions it read (a loop over the kh·kw offsets, none over positions).

For the layers around a convolution: an array made to match a conv output should take its layout
(``np.empty_like(x)``, not ``np.empty(x.shape)``): NumPy runs element-wise operations over operands of
mixed layouts several times slower (a 2x2 max-pool's backward pass on the bench CNN's first conv
output: about 1 ms with matching layouts, 6 ms mixed; 1 thread).

>>> import numpy as np
>>> from neuronkit.engine import Tensor, conv
>>> x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
>>> w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
>>> y = conv.conv2d(x, w, stride=2)
>>> y.data[0, 0]
array([[10., 18.],
       [42., 50.]])
>>> y.sum().backward(); w.grad[0, 0]
array([[20., 24.],
       [36., 40.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ParameterError, ParameterTypeError, ShapeError
from .tensor import Tensor, as_tensor, make

__all__ = ["conv1d", "conv2d", "conv_output_size", "conv_padding", "forward_array"]

Pads = tuple[tuple[int, ...], ...]  # (before, after) per spatial axis


def _ints(value: Any, name: str, n: int, low: int) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each >= ``low``, as a tuple of ``n`` ints."""
    items = (value,) * n if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        out = tuple(items)
    except TypeError:
        out = ()
    if len(out) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in out):
        raise ParameterTypeError(f"conv {name} must be an int or {n} ints; got {value!r}")
    if any(v < low for v in out):
        raise ParameterError(f"conv {name} must be >= {low}; got {value!r}")
    return tuple(int(v) for v in out)


def conv_padding(padding: Any, kernel_size: tuple[int, ...], stride: tuple[int, ...],
                 dilation: tuple[int, ...]) -> Pads:
    """The zero padding (before, after) per spatial axis that ``padding`` asks for.

    ``padding`` is an int (all sides), one int per axis (both sides of it), one (before, after)
    pair per axis, ``"valid"`` (none) or ``"same"`` (output size = input size; stride 1 only, as in
    PyTorch; an even kernel puts the extra row or column after, as PyTorch does).

    Examples
    --------
    >>> from neuronkit.engine.conv import conv_padding
    >>> conv_padding(1, (3, 3), (1, 1), (1, 1))
    ((1, 1), (1, 1))
    >>> conv_padding("same", (4, 3), (1, 1), (1, 2))
    ((1, 2), (2, 2))
    """
    n = len(kernel_size)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return ((0, 0),) * n
        if mode == "same":
            if any(s != 1 for s in stride):
                raise ParameterError(f"conv padding='same' needs stride 1 (as in PyTorch); got stride {stride}: "
                                     "give the padding as numbers for a strided convolution")
            totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ParameterError(f"conv padding must be an int, a pair, 'same' or 'valid'; got {padding!r}")
    if isinstance(padding, (tuple, list)) and len(padding) == n and all(isinstance(p, (tuple, list))
                                                                        for p in padding):
        pairs = tuple(_ints(p, "padding (before, after)", 2, 0) for p in padding)
        return pairs
    return tuple((p, p) for p in _ints(padding, "padding", n, 0))


def conv_output_size(size: int, kernel: int, stride: int, pads: tuple[int, ...], dilation: int) -> int:
    """Output length along one axis: ``(size + before + after - dilation (kernel - 1) - 1) // stride + 1``.

    Zero or less means the (padded) input is smaller than the dilated kernel.

    Examples
    --------
    >>> from neuronkit.engine.conv import conv_output_size
    >>> conv_output_size(28, 3, 1, (0, 0), 1), conv_output_size(7, 3, 2, (1, 1), 1)
    (26, 4)
    """
    return (size + pads[0] + pads[1] - dilation * (kernel - 1) - 1) // stride + 1


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``: every BLAS product of the convolutions goes through here, so a profiler can time them apart."""
    return np.matmul(a, b)


#: below this many input channels per group, im2col copies one kernel offset at a time (see _im2col)
SLAB_CHANNELS = 8


def _im2col(X: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], pads: Pads,
            dilation: tuple[int, ...], groups: int, ones: bool) -> tuple[np.ndarray, tuple[int, ...]]:
    """The windows of X (N, C, H, W) as a (groups, N·Ho·Wo, kh·kw·C/groups [+ 1]) matrix, and (Ho, Wo).

    Columns in (kh, kw, C) order, then (``ones``) a column of ones: the product with the weight matrix
    then adds the bias, and the weight gradient's product gives the bias gradient as its last row, with
    no pass of their own. With many channels, one copy of the strided window view (its inner runs are
    kw·C long); with few (an image's 1 or 3), one copy per kernel offset, whose runs are a whole output
    row: 3 times faster for C = 1 (the copy of the view would run 3 values at a time).
    """
    N, C, H, W = X.shape
    kh, kw = kernel
    (pt, pb), (pl, pr) = pads
    Ho = conv_output_size(H, kh, stride[0], pads[0], dilation[0])
    Wo = conv_output_size(W, kw, stride[1], pads[1], dilation[1])
    Xl = X.transpose(0, 2, 3, 1)  # channels-last view: free when X is the output of a convolution
    if pt or pb or pl or pr:
        padded = np.zeros((N, H + pt + pb, W + pl + pr, C), dtype=X.dtype)
        padded[:, pt:pt + H, pl:pl + W, :] = Xl
        Xl = padded
    Cg = C // groups
    K = kh * kw * Cg
    cols = np.empty((groups, N * Ho * Wo, K + ones), dtype=X.dtype)
    if ones:
        cols[:, :, K] = 1
    if groups == 1 and C < SLAB_CHANNELS:
        windows = cols[0, :, :K].reshape(N, Ho, Wo, kh, kw, C)
        h_span, w_span = stride[0] * (Ho - 1) + 1, stride[1] * (Wo - 1) + 1
        for p in range(kh):
            for q in range(kw):
                r, c = p * dilation[0], q * dilation[1]
                windows[:, :, :, p, q, :] = Xl[:, r:r + h_span:stride[0], c:c + w_span:stride[1], :]
        return cols, (Ho, Wo)
    sn, sh, sw, sc = Xl.strides
    shape = (N, Ho, Wo, kh, kw, groups, Cg)
    strides = (sn, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1], sc * Cg, sc)
    if Xl.flags.c_contiguous:  # the window view straight on the memory: 5 µs less than as_strided at batch 1
        source = np.ndarray(shape, Xl.dtype, buffer=Xl, strides=strides)
    else:
        source = as_strided(Xl, shape=shape, strides=strides, writeable=False)
    if groups == 1:
        cols[0, :, :K].reshape(N, Ho, Wo, kh, kw, C)[...] = source[:, :, :, :, :, 0, :]
    else:
        cols[:, :, :K].reshape(groups, N, Ho, Wo, kh, kw, Cg)[...] = source.transpose(5, 0, 1, 2, 3, 4, 6)
    return cols, (Ho, Wo)


def _weight_matrix(Wt: np.ndarray, B: np.ndarray | None, groups: int) -> np.ndarray:
    """w (O, C/groups, kh, kw) as (groups, kh·kw·C/groups, O/groups), the order of the im2col columns, then
    the bias (O,) as one more row (the row the ones column of the im2col matrix multiplies)."""
    Co, Cg, kh, kw = Wt.shape
    Wm = Wt.reshape(groups, Co // groups, Cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(groups, kh * kw * Cg,
                                                                                     Co // groups)
    if B is None:
        return Wm
    return np.concatenate([Wm, B.reshape(groups, 1, Co // groups).astype(Wm.dtype, copy=False)], axis=1)


def _input_grad(G: np.ndarray, Wt: np.ndarray, x_shape: tuple[int, ...], stride: tuple[int, ...], pads: Pads,
                dilation: tuple[int, ...], out_hw: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The input gradient (N, C, H, W) from the output gradient G (groups, N·Ho·Wo, O/groups): a fused col2im.

    For each kernel offset (p, q), one product ``G w[:, :, p, q]`` gives the (N, Ho, Wo, C) slab that
    offset read, added into the strided positions it read from: a loop over the kh·kw offsets, none
    over positions. (One product for all offsets, then the additions, is 2 times slower: the slabs of
    its result are strided, and NumPy adds them C values at a time; here each addition runs along a
    whole output row.) Returned as an (N, C, H, W) view of channels-last memory.
    """
    N, C, H, W = x_shape
    groups = G.shape[0]
    _, Cg, kh, kw = Wt.shape
    Ho, Wo = out_hw
    (pt, pb), (pl, pr) = pads
    # w as (kh, kw, groups, O/groups, C/groups): the (p, q) block maps a group's output gradient to its inputs
    Wb = Wt.reshape(groups, -1, Cg, kh, kw).transpose(3, 4, 0, 1, 2)
    grad = np.zeros((N, H + pt + pb, W + pl + pr, C), dtype=dtype)
    h_span, w_span = stride[0] * (Ho - 1) + 1, stride[1] * (Wo - 1) + 1
    for p in range(kh):
        for q in range(kw):
            r, c = p * dilation[0], q * dilation[1]
            target = grad[:, r:r + h_span:stride[0], c:c + w_span:stride[1], :]
            if groups == 1:
                target += _product(G[0], Wb[p, q, 0]).reshape(N, Ho, Wo, C)
            else:
                slab = _product(G, Wb[p, q])  # (groups, M, C/groups)
                target += slab.reshape(groups, N, Ho, Wo, Cg).transpose(1, 2, 3, 0, 4).reshape(N, Ho, Wo, C)
    return grad[:, pt:pt + H, pl:pl + W, :].transpose(0, 3, 1, 2)


def _check(X: np.ndarray, Wt: np.ndarray, B: np.ndarray | None, groups: int, what: str) -> None:
    n = 4 if what == "conv2d" else 3
    layout = "(N, C, H, W)" if n == 4 else "(N, C, L)"
    wlayout = "(out, in/groups, kh, kw)" if n == 4 else "(out, in/groups, k)"
    if X.ndim != n:
        raise ShapeError(f"{what} takes input {layout}; got shape {X.shape}")
    if Wt.ndim != n:
        raise ShapeError(f"{what} takes a weight {wlayout}; got shape {Wt.shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ParameterError(f"{what} groups must be an int >= 1; got {groups!r}")
    if Wt.shape[0] % groups:
        raise ShapeError(f"{what}: weight shape {Wt.shape} has {Wt.shape[0]} output channels, not divisible by "
                         f"groups={groups}")
    if X.shape[1] != Wt.shape[1] * groups:
        raise ShapeError(f"{what}: input shape {X.shape} has {X.shape[1]} channels; weight shape {Wt.shape} with "
                         f"groups={groups} needs {Wt.shape[1] * groups}")
    if B is not None and B.shape != (Wt.shape[0],):
        raise ShapeError(f"{what}: bias shape {B.shape} does not match weight shape {Wt.shape}; need "
                         f"({Wt.shape[0]},)")


def _forward(X: np.ndarray, Wt: np.ndarray, B: np.ndarray | None, stride: tuple[int, ...], pads: Pads,
             dilation: tuple[int, ...], groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """The convolution of X (N, C, H, W) on arrays: the output as an (N·Ho·Wo, O) matrix, the im2col matrix,
    the weight matrix, and (Ho, Wo). Arguments already checked and normalised."""
    N, C, H, W = X.shape
    Co, Cg, kh, kw = Wt.shape
    Ho = conv_output_size(H, kh, stride[0], pads[0], dilation[0])
    Wo = conv_output_size(W, kw, stride[1], pads[1], dilation[1])
    if Ho < 1 or Wo < 1:
        raise ShapeError(f"conv: input shape {X.shape} is smaller than the kernel {Wt.shape[2:]} (dilation "
                         f"{dilation}, padding {pads}): each spatial size must be at least dilation*(kernel-1)+1 "
                         "after padding")
    cols, _ = _im2col(X, (kh, kw), stride, pads, dilation, groups, B is not None)
    Wm = _weight_matrix(Wt, B, groups)  # the bias is its last row, multiplied by the ones column of cols
    if groups == 1:
        out = _product(cols[0], Wm[0])
    else:
        out = _product(cols, Wm).transpose(1, 0, 2).reshape(N * Ho * Wo, Co)
    return out, cols, Wm, (Ho, Wo)


def forward_array(X: np.ndarray, Wt: np.ndarray, B: np.ndarray | None, stride: tuple[int, ...], pads: Pads,
                  dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """The values of :func:`conv2d` on arrays, without a graph (the layers' prediction path).

    ``stride``, ``dilation`` pairs and ``pads`` ((top, bottom), (left, right)), as :func:`conv_padding`
    gives them; X (N, C, H, W) and the weight are not checked. The result is an (N, O, Ho, Wo) view of
    channels-last memory, whose ``transpose(0, 2, 3, 1)`` is C-contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import conv
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv.forward_array(x, np.ones((1, 1, 2, 2)), np.array([0.5]), (1, 1), ((0, 0), (0, 0)), (1, 1), 1)[0, 0]
    array([[ 8.5, 12.5],
           [20.5, 24.5]])
    """
    out, _, _, (Ho, Wo) = _forward(X, Wt, B, stride, pads, dilation, groups)
    return out.reshape(X.shape[0], Ho, Wo, Wt.shape[0]).transpose(0, 3, 1, 2)


def _conv(x: Tensor, w: Tensor, b: Tensor | None, stride: tuple[int, ...], pads: Pads,
          dilation: tuple[int, ...], groups: int, op: str, unsqueeze: bool) -> Tensor:
    """The shared 2-d computation; ``unsqueeze``: x, w and the result are 1-d convolutions (H = kh = 1)."""
    X, Wt = x.data, w.data
    if unsqueeze:
        X, Wt = X[:, :, None, :], Wt[:, :, None, :]
    dtype = np.result_type(X.dtype, Wt.dtype)
    N = X.shape[0]
    Co, Cg, kh, kw = Wt.shape
    try:
        out, cols, Wm, (Ho, Wo) = _forward(X, Wt, None if b is None else b.data, stride, pads, dilation, groups)
    except ShapeError:
        shape = x.shape[2:]
        raise ShapeError(f"{op}: input shape {x.shape} is smaller than the kernel {w.shape[2:]} (dilation "
                         f"{dilation[2 - len(shape):]}, padding {pads[2 - len(shape):]}): each spatial size must "
                         "be at least dilation*(kernel-1)+1 after padding") from None
    M, Og = N * Ho * Wo, Co // groups
    out = out.astype(dtype, copy=False)
    y = out.reshape(N, Ho, Wo, Co).transpose(0, 3, 1, 2)  # NHWC memory, NCHW view
    if unsqueeze:
        y = y[:, :, 0, :]

    def vjp(g):
        G = (g[:, :, None, :] if unsqueeze else g).transpose(0, 2, 3, 1).reshape(M, groups, Og)  # free for NHWC
        Gg = G.transpose(1, 0, 2)
        gx = gw = gb = None
        if x.requires_grad:
            gx = _input_grad(Gg if groups > 1 else G[:, 0, :][None], Wt, X.shape, stride, pads, dilation, (Ho, Wo),
                             dtype)
            if unsqueeze:
                gx = gx[:, :, 0, :]
            gx = gx.astype(x.dtype, copy=False)
        if w.requires_grad or (b is not None and b.requires_grad):
            # (groups, K [+ 1], O/groups); with a bias, its last row is the bias gradient (the ones column)
            gm = _product(cols.transpose(0, 2, 1), Gg) if groups > 1 else _product(cols[0].T, G[:, 0, :])[None]
            K = kh * kw * Cg
            if w.requires_grad:
                gw = gm[:, :K].reshape(groups, kh, kw, Cg, Og).transpose(0, 4, 3, 1, 2).reshape(Co, Cg, kh, kw)
                gw = np.ascontiguousarray(gw[:, :, 0, :] if unsqueeze else gw, dtype=w.dtype)
            if b is not None and b.requires_grad:
                gb = gm[:, K, :].reshape(Co).astype(b.dtype)  # a copy: the gradient owns its memory
        return (gx, gw) if b is None else (gx, gw, gb)

    parents = (x, w) if b is None else (x, w, b)
    return make(y, parents, vjp, op)


def conv2d(x: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    r"""2-d convolution of x (N, C, H, W) with weight (O, C/groups, kh, kw) and bias (O,): (N, O, Ho, Wo).

    As ``torch.nn.functional.conv2d``: ``stride``, ``dilation`` an int or a pair; ``padding`` an int, a
    pair, ((top, bottom), (left, right)), ``"valid"`` or ``"same"`` (stride 1; an even kernel pads the
    extra row/column at the bottom/right, as PyTorch); ``groups`` splits the channels into groups that
    see only their own inputs. The math and the method are in the module docstring.

    Examples
    --------
    A 2×2 kernel of ones sums each 2×2 window; with ``padding="same"`` the output keeps the input's size:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, conv
    >>> x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    >>> conv.conv2d(x, Tensor(np.ones((1, 1, 2, 2)))).data[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> conv.conv2d(x, Tensor(np.ones((1, 1, 2, 2))), padding="same").shape
    (1, 1, 3, 3)
    """
    weight = as_tensor(weight)
    x = as_tensor(x, weight.dtype)
    _check(x.data, weight.data, None if bias is None else bias.data, groups, "conv2d")
    kernel = weight.shape[2:]
    stride_ = _ints(stride, "stride", 2, 1)
    dilation_ = _ints(dilation, "dilation", 2, 1)
    pads = conv_padding(padding, kernel, stride_, dilation_)
    return _conv(x, weight, bias, stride_, pads, dilation_, int(groups), "conv2d", False)


def conv1d(x: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    r"""1-d convolution of x (N, C, L) with weight (O, C/groups, k) and bias (O,): (N, O, Lo).

    :func:`conv2d` with a height of 1: ``y[n, o, i] = b[o] + Σ_{c,p} w[o, c, p] x[n, c, i·s + p·d - pad]``.
    ``padding`` is an int, a (before, after) pair, ``"valid"`` or ``"same"`` (stride 1).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, conv
    >>> x = Tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> conv.conv1d(x, Tensor([[[1.0, -1.0]]])).data
    array([[[-1., -1., -1.]]], dtype=float32)
    >>> conv.conv1d(x, Tensor([[[1.0, 0.0, 2.0]]]), padding=1).data
    array([[[ 4.,  7., 10.,  3.]]], dtype=float32)
    """
    weight = as_tensor(weight)
    x = as_tensor(x, weight.dtype)
    _check(x.data, weight.data, None if bias is None else bias.data, groups, "conv1d")
    kernel = weight.shape[2:]
    stride_ = _ints(stride, "stride", 1, 1)
    dilation_ = _ints(dilation, "dilation", 1, 1)
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        padding = (tuple(padding),)
    pads = conv_padding(padding, kernel, stride_, dilation_)
    return _conv(x, weight, bias, (1,) + stride_, ((0, 0),) + pads, (1,) + dilation_, int(groups), "conv1d", True)
