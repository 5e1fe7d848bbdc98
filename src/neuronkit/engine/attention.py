"""Primitives for text models: an embedding lookup and scaled dot-product attention.

Each forward sits beside its vector-Jacobian product, as in :mod:`neuronkit.engine.tensor`.

- :func:`embedding` gathers rows of a weight matrix by integer id; its gradient is a
  scatter-add of the output gradient into those rows, done by sorting the ids once and
  summing each run with ``np.add.reduceat`` (2-3 times faster than ``np.add.at`` on a batch of
  sentences; ``bench/bench_attention.py`` measures both, and the tests check it against
  ``np.add.at``).
- :func:`scaled_dot_product_attention` is fused: a padding mask makes whole rows of scores
  ``-inf``, where the composite (``matmul`` → ``where`` → ``softmax`` → ``matmul``) divides 0 by 0
  for a row whose keys are all masked; the fused version gives such a row zero weights, and
  keeps the probabilities for the backward pass instead of recording four graph nodes.
- :func:`attention_probabilities` gives the attention weights on arrays, for looking at them.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError, ShapeError
from .tensor import ArrayLike, Tensor, _raw, as_tensor, make

__all__ = ["attention_probabilities", "embedding", "embedding_gradient", "scaled_dot_product_attention"]


def embedding_gradient(grad: np.ndarray, ids: np.ndarray, num_embeddings: int,
                       padding_idx: int | None = None) -> np.ndarray:
    r"""The gradient of an embedding's weight: row ``i`` is the sum of ``grad`` over the positions whose id is ``i``.

    ``grad`` is ``ids.shape + (D,)``; the result is ``(num_embeddings, D)``, with the row
    ``padding_idx`` (if given) zero. Equal to ``np.add.at(out, ids, grad)``, computed by sorting
    the ids and summing each run of equal ids with one ``np.add.reduceat``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.attention import embedding_gradient
    >>> embedding_gradient(np.array([[1.0], [2.0], [4.0]]), np.array([2, 0, 2]), 4)
    array([[2.],
           [0.],
           [5.],
           [0.]])
    """
    flat = ids.reshape(-1)
    rows = grad.reshape(flat.size, grad.shape[-1])
    out = np.zeros((num_embeddings, rows.shape[1]), dtype=grad.dtype)
    if flat.size:
        order = np.argsort(flat, kind="stable")
        sorted_ids = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
        out[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


def embedding(weight: Tensor, ids: ArrayLike, padding_idx: int | None = None) -> Tensor:
    r"""Rows of ``weight`` picked by integer ``ids``: ``out[..., :] = weight[ids[...], :]``.

    ``weight`` is (num_embeddings, D) and ``ids`` any shape of integers in
    ``[0, num_embeddings)``; the output is ``ids.shape + (D,)``. The gradient of row ``i`` is
    the sum of the output gradients at the positions holding ``i``
    (:func:`embedding_gradient`); the row ``padding_idx`` gets none, so it never changes in
    training (PyTorch's ``nn.Embedding(padding_idx=...)``). The ids are checked by the layer
    (:class:`~neuronkit.layers.Embedding`), not here; ids carry no gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Parameter
    >>> from neuronkit.engine.attention import embedding
    >>> W = Parameter(np.arange(6.0, dtype=np.float32).reshape(3, 2))
    >>> out = embedding(W, [[2, 0, 2]], padding_idx=0)
    >>> out.data
    array([[[4., 5.],
            [0., 1.],
            [4., 5.]]], dtype=float32)
    >>> out.sum().backward(); W.grad
    array([[0., 0.],
           [0., 0.],
           [2., 2.]], dtype=float32)
    """
    weight = as_tensor(weight)
    idx = np.asarray(_raw(ids))
    if idx.dtype.kind not in "iu":
        raise ParameterError(f"embedding: ids must be integers; got dtype {idx.dtype}")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, dim); got shape {weight.shape}")
    out = np.take(weight.data, idx, axis=0)

    def vjp(g):
        return (embedding_gradient(g, idx, weight.shape[0], padding_idx),)

    return make(out, (weight,), vjp, "embedding")


def _allowed_keys(mask: np.ndarray | None, causal: bool, n: int, lq: int, lk: int) -> np.ndarray | None:
    """Where a query may look, broadcastable to (N, H, Lq, Lk): real keys (``mask``) and, if causal, not ahead."""
    allowed = None
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != (n, lk):
            raise ShapeError(f"scaled_dot_product_attention: mask must be (N, L) = {(n, lk)}, True at real "
                             f"tokens; got shape {m.shape}")
        allowed = m[:, None, None, :]
    if causal:
        lower = np.tri(lq, lk, dtype=bool)[None, None]
        allowed = lower if allowed is None else allowed & lower
    return allowed


def _probabilities(scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis of ``scores`` (changed in place) restricted to ``allowed``; rows with none: 0."""
    if allowed is not None:
        np.copyto(scores, -np.inf, where=~allowed)
    m = np.max(scores, axis=-1, keepdims=True)
    empty = None
    if allowed is not None:
        empty = np.isneginf(m)
        m[empty] = 0.0  # a row with no allowed key: exp(-inf - 0) = 0 everywhere, no inf - inf
    scores -= m
    np.exp(scores, out=scores)
    total = np.sum(scores, axis=-1, keepdims=True)
    if empty is not None:
        total[empty] = 1.0  # 0 / 1: the row's weights are all zero
    scores /= total
    return scores


def attention_probabilities(q: ArrayLike, k: ArrayLike, mask: ArrayLike | None = None,
                            causal: bool = False) -> np.ndarray:
    r"""The attention weights ``softmax(q kᵀ / √d)`` on arrays, (N, H, Lq, Lk), with no graph.

    Row ``[n, h, i]`` is how much query ``i`` of head ``h`` looks at each key: it sums to 1
    over the keys it may see (``mask[n, j]`` True, and ``j <= i`` if ``causal``) and is 0
    elsewhere; a row with no key to see is all zeros. The same numbers as
    :func:`scaled_dot_product_attention` uses.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.attention import attention_probabilities
    >>> q = np.zeros((1, 1, 2, 4)); k = np.ones((1, 1, 3, 4))
    >>> attention_probabilities(q, k, mask=np.array([[True, True, False]])).round(3)
    array([[[[0.5, 0.5, 0. ],
             [0.5, 0.5, 0. ]]]])
    """
    Q, K = np.asarray(_raw(q)), np.asarray(_raw(k))
    n, _, lq, d = Q.shape
    scores = (Q @ np.swapaxes(K, -1, -2)) * Q.dtype.type(1.0 / math.sqrt(d))
    return _probabilities(scores, _allowed_keys(None if mask is None else _raw(mask), causal, n, lq, K.shape[2]))


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: ArrayLike | None = None,
                                 causal: bool = False, *, dropout_mask: np.ndarray | None = None) -> Tensor:
    r"""Attention of each query over the keys: ``softmax(q kᵀ / √d) v``, for q, k, v of shape (N, H, L, d).

    With :math:`S = q k^\top / \sqrt d` and :math:`P = \operatorname{softmax}(S)` over the keys
    (max-subtracted, stable at any scale), the output is :math:`O = (P \odot D) v`, where
    :math:`D` is ``dropout_mask`` (an (N, H, Lq, Lk) array of 0 and 1/(1-p): dropout on the
    attention weights, as PyTorch applies it; none by default).

    - ``mask`` (N, Lk) bool, True at real tokens: padded keys get weight exactly 0;
    - ``causal``: query ``i`` sees keys ``j <= i`` only;
    - a query whose keys are all masked gets all-zero weights and a zero output (and no
      gradient), not NaN: PyTorch gives NaN there.

    Gradients, with :math:`G` the gradient of :math:`O` and :math:`\tilde P = P \odot D`:
    :math:`\partial v = \tilde P^\top G`, :math:`\partial P = (G v^\top) \odot D`,
    :math:`\partial S = P \odot (\partial P - \sum_j \partial P \odot P)`,
    :math:`\partial q = \partial S\, k / \sqrt d`, :math:`\partial k = \partial S^\top q / \sqrt d`.

    Fused primitive (stability, and speed): see the module docstring.

    Examples
    --------
    Two keys with equal scores share the weight; masking the second leaves the first:

    >>> import numpy as np
    >>> from neuronkit.engine import Tensor
    >>> from neuronkit.engine.attention import scaled_dot_product_attention
    >>> q = Tensor(np.zeros((1, 1, 1, 2), np.float32)); k = Tensor(np.ones((1, 1, 2, 2), np.float32))
    >>> v = Tensor([[[[1.0, 0.0], [3.0, 2.0]]]])
    >>> scaled_dot_product_attention(q, k, v).data
    array([[[[2., 1.]]]], dtype=float32)
    >>> scaled_dot_product_attention(q, k, v, mask=np.array([[True, False]])).data
    array([[[[1., 0.]]]], dtype=float32)
    >>> scaled_dot_product_attention(q, k, v, mask=np.array([[False, False]])).data
    array([[[[0., 0.]]]], dtype=float32)
    """
    q = as_tensor(q)
    k = as_tensor(k, q.dtype)
    v = as_tensor(v, q.dtype)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4 or k.shape != v.shape[:3] + (q.shape[3],) \
            or q.shape[:2] != k.shape[:2]:
        raise ShapeError(f"scaled_dot_product_attention: q, k, v must be (N, H, L, d) with the same N, H and d "
                         f"(k and v the same L); got {q.shape}, {k.shape}, {v.shape}")
    Q, K, V = q.data, k.data, v.data
    scale = Q.dtype.type(1.0 / math.sqrt(Q.shape[-1]))
    allowed = _allowed_keys(None if mask is None else _raw(mask), causal, Q.shape[0], Q.shape[2], K.shape[2])
    P = _probabilities((Q @ np.swapaxes(K, -1, -2)) * scale, allowed)
    if dropout_mask is not None:
        dropout_mask = np.asarray(dropout_mask, dtype=Q.dtype)
    weights = P if dropout_mask is None else P * dropout_mask
    out = weights @ V

    def vjp(g):
        gv = np.swapaxes(weights, -1, -2) @ g if v.requires_grad else None
        gp = g @ np.swapaxes(V, -1, -2)
        if dropout_mask is not None:
            gp *= dropout_mask
        gs = P * (gp - np.sum(gp * P, axis=-1, keepdims=True))
        gs *= scale
        gq = gs @ K if q.requires_grad else None
        gk = np.swapaxes(gs, -1, -2) @ Q if k.requires_grad else None
        return gq, gk, gv

    return make(out, (q, k, v), vjp, "scaled_dot_product_attention")
