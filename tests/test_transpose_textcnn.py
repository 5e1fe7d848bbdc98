"""Transpose, and the text CNN it makes possible: token vectors (N, L, D) turned channels first for Conv1d.

The text CNN is checked against the same network written in PyTorch (weights copied across; the
padding mask applied as a masked max over the words), outputs and gradients, and on the topics corpus.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ShapeError

torch = pytest.importorskip("torch")


def test_transpose_equals_torch_forward_and_backward():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 4, 3)).astype(np.float32)
    g = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    layer = nk.Transpose(1, 3)
    xo = nk.Tensor(x, requires_grad=True)
    out = layer(xo)
    out.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    ref = xt.transpose(1, 3)
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(xo.grad, xt.grad.numpy())
    np.testing.assert_array_equal(layer.infer(x), out.data)
    np.testing.assert_array_equal(layer.infer(x[0]), out.data[0])  # one sample: its axes 0 and 2
    assert layer.output_shape((5, 4, 3)) == (3, 4, 5)


def test_transpose_refusals():
    with pytest.raises(ParameterError, match="dim0 and dim1 must differ"):
        nk.Transpose(2, 2)
    with pytest.raises(ValueError, match="dim0 must be"):
        nk.Transpose(0, 1)
    with pytest.raises(ShapeError, match=r"layer 'swap' \(Transpose\) swaps axes 0 and 1 of each sample; the layer "
                                         r"before it gives \(5,\)"):
        nk.Transpose(name="swap").output_shape((5,))
    with pytest.raises(ShapeError, match="got shape"):
        nk.Transpose(1, 3, name="swap")(np.zeros((2,), np.float32))


def test_a_spec_needs_transpose_to_put_a_conv_after_an_embedding():
    with pytest.raises(ShapeError, match="takes channels first"):
        nk.build("embedding(8),conv(4,3),seqmaxpool,dense(out)", input_shape=(6,), outputs=2, vocab_size=10)
    net = nk.build("textcnn", input_shape=(6,), outputs=2, vocab_size=10, seed=0)
    assert [type(layer).__name__ for layer in net] == ["Embedding", "Transpose", "Conv1d", "Transpose",
                                                        "SequenceMaxPool", "Dropout", "Dense"]
    assert net.output_shape((6,)) == (2,)
    assert nk.spec_of(net).startswith("embedding(64,padding_idx=0,init=glorot_uniform),transpose,conv(64,3,relu,")


def test_text_cnn_equals_torch():
    rng = np.random.default_rng(1)
    net = nk.build("embedding(6,padding_idx=0),transpose,conv(5,3,relu,padding=same),transpose,seqmaxpool,"
                   "dense(out)", input_shape=(7,), outputs=3, vocab_size=12, seed=2)
    ids = rng.integers(1, 12, (4, 7))
    ids[0, 4:] = 0
    ids[2, 2:] = 0  # padded texts: the max runs over real words only
    emb, conv, dense = net["embedding1"], net["conv1"], net["output"]
    E = torch.tensor(emb.weight.data, requires_grad=True)
    W = torch.tensor(conv.weight.data, requires_grad=True)
    b = torch.tensor(conv.bias.data, requires_grad=True)
    V = torch.tensor(dense.weight.data, requires_grad=True)
    c = torch.tensor(dense.bias.data, requires_grad=True)
    t_ids = torch.tensor(ids)
    vectors = torch.nn.functional.embedding(t_ids, E, padding_idx=0)  # row 0: no gradient, as nn.Embedding
    h = torch.relu(torch.nn.functional.conv1d(vectors.transpose(1, 2), W, b, padding="same")).transpose(1, 2)
    h = h.masked_fill(~(t_ids != 0)[:, :, None], float("-inf")).amax(dim=1)
    ref = h @ V.T + c
    out = net(ids)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for ours, theirs in ((emb.weight, E), (conv.weight, W), (conv.bias, b), (dense.weight, V)):
        expected = theirs.grad.numpy()
        assert np.abs(ours.grad - expected).max() <= 1e-4 * np.abs(expected).max()


def test_text_cnn_learns_topics():
    """On one stratified split of the topics corpus (measured: 0.887 from the CLI's default split; TF-IDF +
    logistic regression 0.876-0.907 over the bench's splits; chance 0.25)."""
    from neuronkit.data.text import Tokenizer

    data = nk.datasets.load_text("topics")
    train, test = nk.data.split_indices(len(data.texts), 0.2, labels=data.y, seed=0)
    tok = Tokenizer(max_len=40).fit([data.texts[i] for i in train])
    X_train, X_test = tok.encode([data.texts[i] for i in train]), tok.encode([data.texts[i] for i in test])
    net = nk.build("textcnn", input_shape=(X_train.shape[1],), outputs=4, output="softmax",
                   vocab_size=tok.vocab_size, seed=0)
    nk.fit(net, X_train, data.y[train], epochs=8, lr=3e-3, batch_size=32, seed=0, progress=False)
    accuracy = nk.training.evaluate(net, X_test[:, :X_train.shape[1]], data.y[test])["accuracy"]
    assert accuracy >= 0.8, accuracy
