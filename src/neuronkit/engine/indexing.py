r"""Row gather and scatter on Tensors: :func:`index_select` and :func:`index_add`, with their VJPs beside them.

These are what a Mixture of Experts runs each expert on: pick the rows (samples) routed to an expert,
run the expert on those rows only, and add its outputs back into the rows they came from.

.. math::

    \text{index\_select}(a, i)_r = a_{i_r} \qquad
    \text{index\_add}(b, i, v)_n = b_n + \sum_{r:\, i_r = n} v_r

The two are each other's transpose: the gradient of ``index_select`` is an ``index_add`` into
zeros (a row picked twice collects both gradients), and the gradient of ``index_add`` for the
values is an ``index_select`` of the output gradient. Both are primitives (not ``getitem`` with an
integer array) because they name the operation the MoE needs and check the index once, with a
message; the gradients use ``np.add.at`` (unbuffered, so repeated rows add up).

>>> import numpy as np
>>> from neuronkit.engine import Tensor, indexing
>>> a = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
>>> rows = indexing.index_select(a, [2, 0, 2])
>>> rows.data
array([[5., 6.],
       [1., 2.],
       [5., 6.]], dtype=float32)
>>> rows.sum().backward(); a.grad            # row 2 was picked twice
array([[1., 1.],
       [0., 0.],
       [2., 2.]], dtype=float32)

This module imports nothing from neuronkit but the engine's tensor module and :mod:`neuronkit.errors`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import IndexRangeError, ParameterTypeError, ShapeError
from .tensor import Tensor, as_tensor, make

__all__ = ["index_add", "index_select", "scatter_rows"]


def _rows(index: Any, n: int, owner: str) -> np.ndarray:
    """``index`` as a 1-d intp array of row numbers in 0..n-1 (refused otherwise, with the reason)."""
    raw = index.data if isinstance(index, Tensor) else np.asarray(index)
    if raw.size == 0:
        return np.zeros(0, dtype=np.intp)
    integral = raw.dtype.kind in "iu" or (raw.dtype.kind == "f" and bool(np.all(raw == np.round(raw))))
    if raw.ndim != 1 or not integral:
        raise ParameterTypeError(f"{owner} index must be a 1-d array of row numbers (integers); got "
                                 f"{raw.dtype} of shape {raw.shape}")
    rows = raw.astype(np.intp)
    if rows.min() < 0 or rows.max() >= n:
        raise IndexRangeError(f"{owner} index must hold row numbers in 0..{n - 1}; got values from {rows.min()} "
                              f"to {rows.max()}")
    return rows


def index_select(a: Any, index: Any) -> Tensor:
    r"""The rows ``a[index]`` (along axis 0), in the order of ``index``; rows may repeat.

    .. math:: y_r = a_{i_r}

    Derivative: :math:`\partial L / \partial a_n = \sum_{r:\, i_r = n} \partial L / \partial y_r`
    (an ``index_add`` of the output gradient into zeros).

    Shapes: a (N, ...), index (R,) -> (R, ...).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, indexing
    >>> indexing.index_select(Tensor([[1.0], [2.0], [3.0]]), [1, 1]).data
    array([[2.],
           [2.]], dtype=float32)
    """
    a = as_tensor(a)
    if a.ndim == 0:
        raise ShapeError("index_select takes rows of an array with at least one dimension; got a scalar")
    rows = _rows(index, a.shape[0], "index_select")
    shape, dtype = a.shape, a.dtype

    def vjp(g):
        full = np.zeros(shape, dtype=g.dtype if g.dtype.kind == "f" else dtype)
        np.add.at(full, rows, g)
        return (full,)

    return make(a.data[rows], (a,), vjp, "index_select")


def index_add(base: Any, index: Any, values: Any) -> Tensor:
    r"""``base`` with row ``values[r]`` added to row ``index[r]`` (repeated rows add up); ``base`` is not changed.

    .. math:: y_n = b_n + \sum_{r:\, i_r = n} v_r

    Derivative: :math:`\partial L / \partial b = \partial L / \partial y` and
    :math:`\partial L / \partial v_r = (\partial L / \partial y)_{i_r}` (an ``index_select``).

    Shapes: base (N, ...), index (R,), values (R, ...) -> (N, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor, indexing
    >>> b = Tensor(np.zeros((3, 2), dtype=np.float32), requires_grad=True)
    >>> v = Tensor([[1.0, 1.0], [2.0, 2.0], [4.0, 4.0]], requires_grad=True)
    >>> y = indexing.index_add(b, [0, 2, 0], v)
    >>> y.data
    array([[5., 5.],
           [0., 0.],
           [2., 2.]], dtype=float32)
    >>> (y * Tensor([[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])).sum().backward(); v.grad
    array([[1., 1.],
           [3., 3.],
           [1., 1.]], dtype=float32)
    """
    base, values = as_tensor(base), as_tensor(values)
    if base.ndim == 0:
        raise ShapeError("index_add adds rows into an array with at least one dimension; got a scalar")
    rows = _rows(index, base.shape[0], "index_add")
    if values.shape != (len(rows),) + base.shape[1:]:
        raise ShapeError(f"index_add: values must be one row per index, shape {(len(rows),) + base.shape[1:]}; "
                         f"got {values.shape}")
    out = np.array(base.data, dtype=np.result_type(base.dtype, values.dtype), copy=True)
    np.add.at(out, rows, values.data)

    def vjp(g):  # each gradient in its input's dtype (a float64 base and float32 values give a float64 sum)
        return g.astype(base.dtype, copy=False), g[rows].astype(values.dtype, copy=False)

    return make(out, (base, values), vjp, "index_add")


def scatter_rows(values: Any, index: Any, n: int) -> Tensor:
    """``n`` rows of zeros with ``values[r]`` added to row ``index[r]``: :func:`index_add` into zeros (a composite).

    Examples
    --------
    >>> from neuronkit.engine import Tensor, indexing
    >>> indexing.scatter_rows(Tensor([[1.0], [2.0]]), [2, 2], 3).data
    array([[0.],
           [0.],
           [3.]], dtype=float32)
    """
    values = as_tensor(values)
    return index_add(Tensor(np.zeros((n,) + values.shape[1:], dtype=values.dtype)), index, values)
