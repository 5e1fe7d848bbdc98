"""Text primitives and layers worked by hand: embedding lookups, masks, attention weights, errors.

The comparisons with PyTorch are in test_text_layers_torch.py; the gradients against finite
differences in test_gradients.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.engine import Parameter, Tensor
from neuronkit.engine import attention as attn
from neuronkit.errors import DataError, IndexRangeError, ShapeError

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


# ---------------------------------------------------------------------- Embedding
def test_embedding_refuses_bad_ids_naming_the_layer_the_id_and_the_vocabulary():
    emb = nk.Embedding(5, 2, seed=0, name="words")
    with pytest.raises(IndexRangeError, match=r"layer 'words' has num_embeddings=5 \(ids 0\.\.4\); got id 7 at "
                                              r"position \(1, 0\)"):
        emb(np.array([[1, 2], [7, 0]]))
    with pytest.raises(IndexRangeError, match="got id -1 at position \\(2,\\)"):
        emb.infer(np.array([0, 1, -1]))
    with pytest.raises(DataError, match=r"layer 'words' takes integer token ids; got np.float64\(1.5\) at position "
                                        r"\(0, 1\)"):
        emb(np.array([[1.0, 1.5]]))
    with pytest.raises(TypeError, match="layer 'words' takes integer token ids .*; got values of dtype <U3"):
        emb(np.array(["cat", "dog"]))
    with pytest.raises(TypeError, match="got True/False values"):
        emb(np.array([True, False]))
    with pytest.raises(ShapeError, match=r"layer 'words' takes token ids of shape \(batch, length\) or \(length,\); "
                                         r"got shape \(\)"):
        emb(np.array(3))
    np.testing.assert_array_equal(emb(np.array([[1.0, 4.0]])).data, emb.weight.data[[[1, 4]]])  # whole floats do


def test_embedding_options_are_checked():
    with pytest.raises(ValueError, match=r"Embedding padding_idx must be an integer in \[-4, 3\]; got 4"):
        nk.Embedding(4, 2, padding_idx=4)
    assert nk.Embedding(4, 2, padding_idx=-1, seed=0).padding_idx == 3  # counted from the end, as in PyTorch
    with pytest.raises(ValueError, match="Embedding embedding_dim must be an integer >= 1; got 0"):
        nk.Embedding(4, 0)
    emb = nk.Embedding(4, 3, init="ones", seed=0)
    assert (emb.weight.data == 1).all() and emb.config()["init"] == "ones"
    assert emb.output_shape((7,)) == (7, 3)
    with pytest.raises(ShapeError, match=r"takes a sequence of token ids \(L,\) per sample; got \(7, 3\)"):
        emb.output_shape((7, 3))


def test_the_padding_row_never_changes_in_training():
    net = nk.Sequential(nk.Embedding(6, 3, padding_idx=0, seed=0), nk.SequenceMeanPool(),
                        nk.Dense(3, 2, activation="softmax", seed=1))
    X = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [0, 0, 0, 0]])
    nk.fit(net, X, np.array([0, 1, 1]), epochs=5, batch_size=3, optimizer="adam", lr=0.1, progress=False, seed=0)
    np.testing.assert_array_equal(net[0].weight.data[0], 0.0)
    assert not np.allclose(net[0].weight.data[1], nk.Embedding(6, 3, padding_idx=0, seed=0).weight.data[1])


def nearest_table() -> nk.Embedding:
    emb = nk.Embedding(5, 2, padding_idx=4, seed=0)
    emb.weight.data[:4] = [[1.0, 0.0], [3.0, 0.3], [0.0, 2.0], [-1.0, -1.0]]
    return emb


def test_nearest_ranks_by_cosine_similarity():
    emb = nearest_table()
    ids, sims = emb.nearest(0, k=10)  # the query and the padding row (zeros) are left out
    assert ids.tolist() == [1, 2, 3]
    np.testing.assert_allclose(sims, [3 / np.sqrt(9.09), 0.0, -1 / np.sqrt(2)], rtol=1e-6)
    ids, sims = emb.nearest([0.0, -5.0], k=2)  # a vector: every row is a candidate
    assert ids.tolist() == [3, 0] and sims.tolist() == pytest.approx([1 / np.sqrt(2), 0.0])
    words = ["one", "three", "up", "down", "<pad>"]
    assert emb.nearest("up", k=1, vocabulary=words)[0] == ["three"]  # (0, 2)·(3, 0.3) > 0 = (0, 2)·(1, 0)
    assert emb.nearest(2, k=1, vocabulary={w: i for i, w in enumerate(words)})[0] == ["three"]


def test_nearest_refuses_unclear_queries():
    emb = nearest_table()
    with pytest.raises(ValueError, match=r"a word \('up'\) needs vocabulary="):
        emb.nearest("up")
    with pytest.raises(KeyError, match="'sideways' is not in the vocabulary"):
        emb.nearest("sideways", vocabulary=["a", "b", "c", "d", "e"])
    with pytest.raises(ValueError, match="vocabulary has 2 words but the layer has num_embeddings=5"):
        emb.nearest(0, vocabulary=["a", "b"])
    with pytest.raises(ValueError, match="the query vector is all zeros"):
        emb.nearest(4)
    with pytest.raises(ShapeError, match=r"must have embedding_dim=2 values; got shape \(3,\)"):
        emb.nearest([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"Embedding.nearest index must be an integer in \[0, 4\]; got 9"):
        emb.nearest(9)


# ------------------------------------------------------------- PositionalEmbedding
def test_positional_embedding_adds_a_vector_per_position_and_refuses_long_sequences():
    pos = nk.PositionalEmbedding(4, 2, seed=0, name="where")
    pos.weight.data[:] = [[0, 0], [1, 1], [2, 2], [3, 3]]
    x = nk.Tensor(np.zeros((2, 3, 2), np.float32), requires_grad=True)
    out = pos(x)
    np.testing.assert_array_equal(out.data[1], [[0, 0], [1, 1], [2, 2]])
    out.sum().backward()
    np.testing.assert_array_equal(pos.weight.grad, [[2, 2], [2, 2], [2, 2], [0, 0]])  # per batch, unused row 3: 0
    with pytest.raises(ShapeError, match=r"layer 'where' has positions for sequences of up to max_len=4 tokens; got "
                                         r"length 5"):
        pos(np.zeros((1, 5, 2), np.float32))
    with pytest.raises(ShapeError, match=r"max_len=4 .* got length 9"):
        pos.output_shape((9, 2))
    with pytest.raises(ShapeError, match=r"layer 'where' takes token vectors of shape \(batch, length, 2\) or "
                                         r"\(length, 2\); got shape \(1, 3, 5\)"):
        pos(np.zeros((1, 3, 5), np.float32))


# ------------------------------------------------------------------ sequence pools
X3 = np.array([[[1.0, -2.0], [3.0, 8.0], [50.0, 60.0]],
               [[4.0, 4.0], [-6.0, 2.0], [7.0, -9.0]]], np.float32)
M3 = np.array([[True, True, False], [True, True, True]])


def test_mean_pool_counts_only_real_tokens_and_its_gradient_is_one_over_the_count():
    x = nk.Tensor(X3, requires_grad=True)
    out = nk.SequenceMeanPool()(x, M3)
    np.testing.assert_allclose(out.data, [[2.0, 3.0], [5 / 3, -1.0]], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad[:, :, 0], [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(nk.SequenceMeanPool()(X3).data, X3.mean(axis=1), rtol=1e-6)  # no mask: all tokens


def test_max_pool_ignores_padding_however_large():
    x = nk.Tensor(X3, requires_grad=True)
    out = nk.SequenceMaxPool()(x, M3)
    np.testing.assert_array_equal(out.data, [[3.0, 8.0], [7.0, 4.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0], [[0, 0], [1, 1], [0, 0]])
    np.testing.assert_array_equal(nk.SequenceMaxPool()(X3).data, X3.max(axis=1))


@pytest.mark.parametrize("pool", [nk.SequenceMeanPool, nk.SequenceMaxPool])
def test_a_sequence_of_padding_only_pools_to_zeros_without_nan(pool):
    x = nk.Tensor(X3, requires_grad=True)
    mask = np.array([[False, False, False], [True, False, False]])
    out = pool()(x, mask)
    np.testing.assert_array_equal(out.data, [[0.0, 0.0], [4.0, 4.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0], 0.0)
    np.testing.assert_array_equal(pool().infer(X3[1], np.array([False, True, False])), [-6.0, 2.0])  # one sequence


@pytest.mark.parametrize("layer", [nk.Embedding(5, 4, seed=0, name="t"), nk.PositionalEmbedding(3, 4, seed=0, name="t"),
                                   nk.SequenceMeanPool(name="t"), nk.SequenceMaxPool(name="t"),
                                   nk.MultiHeadSelfAttention(4, 2, seed=0, name="t"),
                                   nk.TransformerEncoderBlock(4, 2, seed=0, name="t")])
def test_sequences_of_length_zero_are_refused(layer):
    x = np.zeros((2, 0), int) if isinstance(layer, nk.Embedding) else np.zeros((2, 0, 4), np.float32)
    with pytest.raises(ShapeError, match=r"layer 't' got sequences of length 0 \(shape \(2, 0(, 4)?\)\); every "
                                         "sequence needs at least one position"):
        layer(x)


def test_masks_are_checked_naming_the_layer_and_both_shapes():
    pool = nk.SequenceMeanPool(name="avg")
    with pytest.raises(ShapeError, match=r"layer 'avg': mask has shape \(2, 4\) but the input \(2, 3, 2\) has "
                                         r"\(batch, length\) = \(2, 3\)"):
        pool(X3, np.ones((2, 4), bool))
    with pytest.raises(TypeError, match="layer 'avg': mask must be a bool array, True at real tokens"):
        pool(X3, np.full((2, 3), 0.5))
    np.testing.assert_array_equal(pool(X3, M3.astype(int)).data, pool(X3, M3).data)  # 0/1 integers do


# ----------------------------------------------------------------- attention layers
def test_heads_must_divide_the_width():
    with pytest.raises(ValueError, match=r"MultiHeadSelfAttention embed_dim must be divisible by num_heads .*got "
                                         r"embed_dim=6, num_heads=4\. Heads that fit: \[1, 2, 3, 6\]"):
        nk.MultiHeadSelfAttention(6, 4)
    with pytest.raises(ValueError, match="TransformerEncoderBlock d_model must be divisible by num_heads"):
        nk.TransformerEncoderBlock(6, 4)
    assert nk.TransformerEncoderBlock(6, 3, seed=0).dim_feedforward == 24  # 4 * d_model by default


def test_attention_weights_rows_sum_to_one_over_the_keys_a_token_may_see():
    mhsa = nk.MultiHeadSelfAttention(6, 3, causal=True, seed=0)
    x = _rng.standard_normal((2, 5, 6)).astype(np.float32)
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    w = mhsa.attention_weights(x, mask)
    assert w.shape == (2, 3, 5, 5)
    allowed = np.tri(5, dtype=bool)[None, None] & mask[:, None, None, :]
    np.testing.assert_array_equal(w[~np.broadcast_to(allowed, w.shape)], 0.0)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(mhsa.attention_weights(x[1], mask[1]), w[1], rtol=1e-6)  # one sequence
    np.testing.assert_allclose(mhsa(x[1], mask[1]).data, mhsa(x, mask).data[1], rtol=1e-5, atol=1e-6)


def test_attention_dropout_acts_in_training_only_and_is_seeded():
    x = _rng.standard_normal((2, 4, 4)).astype(np.float32)
    a, b = (nk.MultiHeadSelfAttention(4, 2, dropout=0.5, seed=3) for _ in range(2))
    np.testing.assert_array_equal(a(x).data, b(x).data)  # the same seed: the same masks
    assert not np.allclose(a(x).data, a(x).data)
    a.eval()
    np.testing.assert_array_equal(a(x).data, a(x).data)
    np.testing.assert_allclose(a(x).data, nk.MultiHeadSelfAttention(4, 2, seed=3)(x).data, rtol=1e-6)


def test_attention_layers_refuse_the_wrong_width_naming_the_layer():
    block = nk.TransformerEncoderBlock(4, 2, seed=0, name="enc")
    with pytest.raises(ShapeError, match=r"layer 'enc' takes token vectors of shape \(batch, length, 4\) or "
                                         r"\(length, 4\); got shape \(2, 3, 5\)"):
        block(np.zeros((2, 3, 5), np.float32))
    with pytest.raises(ShapeError, match=r"layer 'enc' takes \(L, 4\) token vectors per sample; got \(3, 5\)"):
        block.output_shape((3, 5))
    assert block.output_shape((3, 4)) == (3, 4)
    assert nk.MultiHeadSelfAttention(4, 2, seed=0).output_shape((9, 4)) == (9, 4)
    assert nk.SequenceMaxPool().output_shape((9, 4)) == (4,)


# --------------------------------------------------------------- through Sequential
def text_net(pool=nk.SequenceMeanPool) -> nk.Sequential:
    return nk.Sequential(nk.Embedding(12, 8, padding_idx=0, seed=0), nk.PositionalEmbedding(6, 8, seed=1),
                         nk.TransformerEncoderBlock(8, 2, 16, 0.0, seed=2), pool(),
                         nk.Dense(8, 3, activation="softmax", seed=3))


@pytest.mark.parametrize("pool", [nk.SequenceMeanPool, nk.SequenceMaxPool])
def test_padding_does_not_change_a_prediction(pool):
    """The same sentence padded to 4 or to 6 tokens: the mask from padding_idx hides the padding everywhere."""
    net = text_net(pool)
    short = np.array([[3, 7, 5, 0], [9, 0, 0, 0]])
    long = np.concatenate([short, np.zeros((2, 2), int)], axis=1)
    np.testing.assert_allclose(net.infer(long), net.infer(short), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net(long).data, net(short).data, rtol=1e-5, atol=1e-6)
    unmasked = net.infer(long, mask=np.ones(long.shape, bool))  # padding counted: another answer
    assert not np.allclose(unmasked, net.infer(long), atol=1e-4)
    np.testing.assert_allclose(net.infer(long, mask=long != 0), net.infer(long), rtol=1e-6)


def test_sequential_passes_the_mask_to_forward_and_logits():
    net = text_net()
    ids = np.array([[3, 7, 5, 0, 0, 0]])
    mask = np.array([[True, True, False, False, False, False]])  # hides the 5 as well
    with nk.enable_grad():
        recorded = net.forward(ids, mask=mask)
        logits = net.logits(ids, mask=mask)
    np.testing.assert_allclose(recorded.data, net.infer(ids, mask=mask), rtol=1e-6)
    np.testing.assert_allclose(recorded.data, net.infer(np.array([[3, 7]])), rtol=1e-5)
    np.testing.assert_allclose(np.exp(logits.data) / np.exp(logits.data).sum(), recorded.data, rtol=1e-5)


def test_a_mask_for_a_network_without_mask_layers_is_refused():
    net = nk.mlp([3, 2], seed=0)
    with pytest.raises(ValueError, match="mask= was given, but no layer of this network takes a padding mask"):
        net(np.zeros((1, 3), np.float32), mask=np.ones((1, 3), bool))


def test_a_text_model_file_round_trips(tmp_path):
    net = text_net()
    ids = np.array([[3, 7, 5, 0, 0, 0], [1, 2, 0, 0, 0, 0]])
    nk.save(net, tmp_path / "text.nkm")
    loaded = nk.load(tmp_path / "text.nkm")
    assert [type(layer).__name__ for layer in loaded] == [type(layer).__name__ for layer in net]
    np.testing.assert_array_equal(loaded.infer(ids), net.infer(ids))


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_in_float64_pass_gradcheck_through_masks(norm_first):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4, 6))
    mask = np.array([[True, True, True, False], [True, True, True, True]])
    block = nk.TransformerEncoderBlock(6, 2, 5, 0.0, "gelu", norm_first=norm_first, causal=True, seed=0,
                                       dtype=np.float64)
    assert nk.gradcheck(lambda t: block(t, mask), x)
    mhsa = nk.MultiHeadSelfAttention(6, 3, seed=1, dtype=np.float64)
    assert nk.gradcheck(lambda t: nk.SequenceMaxPool()(mhsa(t, mask), mask), x)
    position = nk.PositionalEmbedding(4, 6, seed=2, dtype=np.float64)
    assert nk.gradcheck(lambda t: nk.SequenceMeanPool()(position(t), mask), x)


def test_a_custom_initialiser_is_named_custom_in_the_config_before_and_after_a_model_file():
    def halves(shape, rng=None, *, dtype=np.float32):
        return np.full(shape, 0.5, dtype)

    emb = nk.Embedding(4, 2, init=halves, seed=0)
    assert (emb.weight.data == 0.5).all() and emb.config()["init"] == "custom"
    clone = nk.layers.layer_from_config(emb.config(), emb.state_dict())
    assert clone.config() == emb.config()
    np.testing.assert_array_equal(clone.weight.data, 0.5)
