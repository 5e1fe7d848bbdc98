"""Text primitives and layers worked by hand: embedding lookups, masks, attention weights, errors.

The comparisons with PyTorch are in test_text_layers_torch.py; the gradients against finite
differences in test_gradients.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuronkit.engine import Parameter, Tensor
from neuronkit.engine import attention as attn

_rng = np.random.default_rng(1234)


# ---------------------------------------------------------------- engine/attention.py
@pytest.mark.parametrize(("vocab", "dim", "shape"), [(7, 3, (4, 6)), (50, 5, (3, 40)), (3, 2, (0,)), (9, 1, (12,))])
def test_embedding_gradient_equals_add_at(vocab, dim, shape):
    ids = _rng.integers(0, vocab, size=shape)
    grad = _rng.standard_normal(shape + (dim,)).astype(np.float32)
    expected = np.zeros((vocab, dim), np.float32)
    np.add.at(expected, ids, grad)
    got = attn.embedding_gradient(grad, ids, vocab)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    expected[2] = 0.0
    np.testing.assert_allclose(attn.embedding_gradient(grad, ids, vocab, padding_idx=2), expected, rtol=1e-6,
                               atol=1e-6)


def test_embedding_gathers_rows_and_the_padding_row_gets_no_gradient():
    weight = Parameter(np.arange(12.0).reshape(4, 3))
    out = attn.embedding(weight, np.array([[3, 1], [1, 0]]), padding_idx=1)
    np.testing.assert_array_equal(out.data, [[[9, 10, 11], [3, 4, 5]], [[3, 4, 5], [0, 1, 2]]])
    (out * Tensor(np.arange(12.0).reshape(2, 2, 3))).sum().backward()
    np.testing.assert_array_equal(weight.grad, [[9, 10, 11], [0, 0, 0], [0, 0, 0], [0, 1, 2]])


def test_embedding_primitive_refuses_float_ids():
    with pytest.raises(ValueError, match="ids must be integers; got dtype float64"):
        attn.embedding(Parameter(np.zeros((3, 2))), np.array([0.0, 1.0]))


def _naive_attention(q, k, v, allowed):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    weights = np.zeros(scores.shape)
    for index in np.ndindex(*scores.shape[:-1]):
        keys = allowed[index]
        if keys.any():
            e = np.exp(scores[index][keys] - scores[index][keys].max())
            weights[index + (keys,)] = e / e.sum()
        out[index] = weights[index] @ v[index[:2]]
    return out, weights


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_a_loop_over_queries_with_masks(causal):
    q, k, v = (_rng.standard_normal((2, 3, 5, 4)) for _ in range(3))
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    allowed = np.broadcast_to(mask[:, None, None, :], (2, 3, 5, 5)).copy()
    if causal:
        allowed &= np.tri(5, dtype=bool)
    expected_out, expected_weights = _naive_attention(q, k, v, allowed)
    out = attn.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask, causal)
    np.testing.assert_allclose(out.data, expected_out, rtol=1e-12, atol=1e-12)
    weights = attn.attention_probabilities(q, k, mask, causal)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-12, atol=1e-12)
    assert (weights[~allowed] == 0).all()
    if causal:  # sample 1, query 0 sees only key 0, which is padding: a zero row, not NaN
        np.testing.assert_array_equal(weights[1, :, 0], 0.0)
        np.testing.assert_array_equal(out.data[1, :, 0], 0.0)


def test_attention_is_stable_at_extreme_scores_and_all_masked_rows_are_zero():
    q = Tensor(np.full((1, 1, 2, 2), 1000.0), requires_grad=True)
    k = Tensor(np.array([[[[1000.0, 1000.0], [-1000.0, 999.0]]]]), requires_grad=True)
    v = Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), requires_grad=True)
    out = attn.scaled_dot_product_attention(q, k, v)
    np.testing.assert_allclose(out.data, [[[[1.0, 2.0], [1.0, 2.0]]]])  # the first key wins outright
    empty = attn.scaled_dot_product_attention(q, k, v, mask=np.array([[False, False]]))
    np.testing.assert_array_equal(empty.data, 0.0)
    empty.sum().backward()
    for t in (q, k, v):
        assert np.isfinite(t.grad).all() and (t.grad == 0).all()


def test_attention_refuses_mismatched_shapes():
    q = Tensor(np.zeros((2, 1, 3, 4)))
    with pytest.raises(ValueError, match=r"q, k, v must be \(N, H, L, d\).*\(2, 1, 3, 4\), \(2, 1, 3, 5\)"):
        attn.scaled_dot_product_attention(q, Tensor(np.zeros((2, 1, 3, 5))), q)
    with pytest.raises(ValueError, match=r"mask must be \(N, L\) = \(2, 3\).*got shape \(2, 4\)"):
        attn.scaled_dot_product_attention(q, q, q, mask=np.ones((2, 4), bool))
