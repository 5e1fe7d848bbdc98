"""The text layers equal PyTorch in float32, weights copied across, over seeded random configurations.

"Equal": max|Δ| / max|reference| <= 1e-5 for outputs and <= 1e-4 for gradients (of the inputs
and of every weight), with the loss sum(out * G) for a random G. Masks are right-padded (every
sequence keeps at least its first token, so no query is left without a key: PyTorch gives NaN
there, neuronkit zeros, tested in test_text_layers.py). Plus a small end-to-end training run.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk

torch = pytest.importorskip("torch")

OUT_TOL, GRAD_TOL = 1e-5, 1e-4


def rel(got, ref) -> float:
    got = got.detach().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    return float(np.abs(got.astype(np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))


def padding_mask(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    """(n, length) bool, True at real tokens: each row keeps 1..length tokens from the left; one row is full."""
    lengths = rng.integers(1, length + 1, size=n)
    lengths[rng.integers(n)] = length
    return np.arange(length)[None, :] < lengths[:, None]


def causal_torch_mask(length: int):
    return torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)  # True: may not attend


# ------------------------------------------------------------------------------ Embedding
@pytest.mark.parametrize("seed", range(4))
def test_embedding_equals_torch_with_padding_idx_gradients(seed):
    rng = np.random.default_rng(seed)
    vocab, dim = int(rng.integers(3, 30)), int(rng.integers(1, 9))
    padding = [None, 0, int(rng.integers(vocab)), -1][seed]
    ours = nk.Embedding(vocab, dim, padding_idx=padding, seed=seed)
    ref = torch.nn.Embedding(vocab, dim, padding_idx=padding)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.data))
    ids = rng.integers(0, vocab, size=(int(rng.integers(1, 5)), int(rng.integers(1, 9))))
    if padding is not None:
        ids[0, -1] = padding % vocab  # the padding id is used
    ids[-1, 0] = ids[0, 0]  # and a repeated id
    G = rng.standard_normal(ids.shape + (dim,)).astype(np.float32)
    out = ours(ids)
    (out * nk.Tensor(G)).sum().backward()
    expected = ref(torch.from_numpy(ids))
    (expected * torch.from_numpy(G)).sum().backward()
    assert rel(out.data, expected) == 0.0  # a lookup: the same numbers
    assert rel(ours.weight.grad, ref.weight.grad) <= GRAD_TOL
    if padding is not None:
        assert (ours.weight.grad[padding] == 0).all() and (ours.weight.data[padding] == 0).all()


def test_embedding_initialises_as_torch_does():
    """N(0, 1) weights (mean and spread of 40,000 draws), and a zero padding row."""
    layer = nk.Embedding(1000, 40, padding_idx=3, seed=0)
    w = np.delete(layer.weight.data, 3, axis=0)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02
    assert (layer.weight.data[3] == 0).all()
    assert torch.nn.Embedding(1000, 40, padding_idx=3).weight[3].abs().sum().item() == 0.0


# ----------------------------------------------------------------- MultiHeadSelfAttention
def copy_attention(ours: nk.MultiHeadSelfAttention, ref) -> None:
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.from_numpy(ours.in_proj_weight.data))
        ref.out_proj.weight.copy_(torch.from_numpy(ours.out_proj.weight.data))
        if ours.in_proj_bias is not None:
            ours.in_proj_bias.data[:] = np.random.default_rng(0).standard_normal(ours.in_proj_bias.shape) * 0.1
            ours.out_proj.bias.data[:] = np.random.default_rng(1).standard_normal(ours.out_proj.bias.shape) * 0.1
            ref.in_proj_bias.copy_(torch.from_numpy(ours.in_proj_bias.data))
            ref.out_proj.bias.copy_(torch.from_numpy(ours.out_proj.bias.data))


def attention_grads(ours: nk.MultiHeadSelfAttention, ref) -> list[tuple[str, np.ndarray, object]]:
    pairs = [("in_proj_weight", ours.in_proj_weight, ref.in_proj_weight),
             ("out_proj.weight", ours.out_proj.weight, ref.out_proj.weight)]
    if ours.in_proj_bias is not None:
        pairs += [("in_proj_bias", ours.in_proj_bias, ref.in_proj_bias),
                  ("out_proj.bias", ours.out_proj.bias, ref.out_proj.bias)]
    return [(name, a.grad, b.grad) for name, a, b in pairs]


@pytest.mark.parametrize("seed", range(8))
def test_self_attention_equals_torch_multihead_attention(seed):
    rng = np.random.default_rng(100 + seed)
    heads = int(rng.choice([1, 2, 4]))
    E = heads * int(rng.integers(1, 5))
    n, length = int(rng.integers(1, 5)), int(rng.integers(1, 8))
    causal, bias, masked = bool(seed % 2), seed % 3 != 2, seed % 4 != 3
    ours = nk.MultiHeadSelfAttention(E, heads, bias=bias, causal=causal, seed=seed)
    ref = torch.nn.MultiheadAttention(E, heads, bias=bias, batch_first=True)
    copy_attention(ours, ref)
    X = rng.standard_normal((n, length, E)).astype(np.float32)
    G = rng.standard_normal((n, length, E)).astype(np.float32)
    mask = padding_mask(rng, n, length) if masked else None

    x = nk.Tensor(X, requires_grad=True)
    out = ours(x, mask)
    (out * nk.Tensor(G)).sum().backward()
    tx = torch.from_numpy(X).requires_grad_(True)
    expected, avg = ref(tx, tx, tx, key_padding_mask=None if mask is None else torch.from_numpy(~mask),
                        attn_mask=causal_torch_mask(length) if causal else None, need_weights=True)
    (expected * torch.from_numpy(G)).sum().backward()

    assert rel(out.data, expected) <= OUT_TOL
    assert rel(x.grad, tx.grad) <= GRAD_TOL
    for name, got, want in attention_grads(ours, ref):
        assert rel(got, want) <= GRAD_TOL, name
    # the weights each head gives, and their average over heads (PyTorch's default)
    weights = ours.attention_weights(X, mask)
    _, per_head = ref(tx, tx, tx, key_padding_mask=None if mask is None else torch.from_numpy(~mask),
                      attn_mask=causal_torch_mask(length) if causal else None, average_attn_weights=False)
    assert rel(weights, per_head) <= OUT_TOL
    assert rel(weights.mean(axis=1), avg) <= OUT_TOL


def test_self_attention_initialises_as_torch_does():
    """Xavier-uniform in_proj (bound sqrt(6 / 4E)), out_proj U(±1/√E), zero biases."""
    E = 64
    layer = nk.MultiHeadSelfAttention(E, 4, seed=0)
    bound = np.sqrt(6.0 / (E + 3 * E))
    w = layer.in_proj_weight.data
    assert w.shape == (3 * E, E) and np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    o = layer.out_proj.weight.data
    assert np.abs(o).max() <= 1 / np.sqrt(E) and np.abs(o).max() > 0.98 / np.sqrt(E)
    assert (layer.in_proj_bias.data == 0).all() and (layer.out_proj.bias.data == 0).all()
    ref = torch.nn.MultiheadAttention(E, 4)
    assert float(ref.in_proj_weight.detach().abs().max()) <= bound and not ref.in_proj_bias.detach().any()


# ----------------------------------------------------------------- TransformerEncoderBlock
TORCH_NAMES = {"norm1.gamma": "norm1.weight", "norm1.beta": "norm1.bias", "norm2.gamma": "norm2.weight",
               "norm2.beta": "norm2.bias"}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_block_equals_torch_transformer_encoder_layer(seed, norm_first):
    rng = np.random.default_rng(200 + seed)
    heads = int(rng.choice([1, 2, 3]))
    d = heads * int(rng.integers(-(-4 // heads), 5))  # d_model >= 4: LayerNorm over 2 values gives ±1, no gradient
    ff = int(rng.integers(1, 12))
    n, length = int(rng.integers(1, 4)), int(rng.integers(1, 7))
    activation = ["relu", "gelu"][seed % 2]
    causal = seed % 3 == 1
    ours = nk.TransformerEncoderBlock(d, heads, ff, 0.0, activation, norm_first=norm_first, causal=causal,
                                      seed=seed)
    ref = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=activation, batch_first=True,
                                           norm_first=norm_first)
    for name, value in ours.state_dict().items():  # LayerNorm scales and shifts away from 1 and 0 too
        if name.startswith("norm"):
            value = value + rng.standard_normal(value.shape).astype(np.float32) * 0.3
        if name.endswith("bias") and name.startswith("self_attn"):
            value = value + rng.standard_normal(value.shape).astype(np.float32) * 0.1
        ours.load_state_dict({**ours.state_dict(), name: value})
    ref_params = dict(ref.named_parameters())
    with torch.no_grad():
        for name, value in ours.state_dict().items():
            ref_params[TORCH_NAMES.get(name, name)].copy_(torch.from_numpy(value))
    assert len(ref_params) == len(ours.state_dict())

    X = rng.standard_normal((n, length, d)).astype(np.float32)
    G = rng.standard_normal((n, length, d)).astype(np.float32)
    mask = padding_mask(rng, n, length)
    x = nk.Tensor(X, requires_grad=True)
    out = ours(x, mask)
    (out * nk.Tensor(G)).sum().backward()
    tx = torch.from_numpy(X).requires_grad_(True)
    expected = ref(tx, src_mask=causal_torch_mask(length) if causal else None,
                   src_key_padding_mask=torch.from_numpy(~mask))
    (expected * torch.from_numpy(G)).sum().backward()

    assert rel(out.data, expected) <= OUT_TOL
    assert rel(x.grad, tx.grad) <= GRAD_TOL
    for name, parameter in ours.named_parameters():
        assert rel(parameter.grad, ref_params[TORCH_NAMES.get(name, name)].grad) <= GRAD_TOL, name


def test_encoder_block_in_eval_mode_equals_torch_and_dropout_only_trains():
    rng = np.random.default_rng(7)
    ours = nk.TransformerEncoderBlock(6, 2, 10, 0.3, seed=3)
    ref = torch.nn.TransformerEncoderLayer(6, 2, 10, dropout=0.3, batch_first=True).eval()
    ref_params = dict(ref.named_parameters())
    with torch.no_grad():
        for name, value in ours.state_dict().items():
            ref_params[TORCH_NAMES.get(name, name)].copy_(torch.from_numpy(value))
    X = rng.standard_normal((2, 5, 6)).astype(np.float32)
    mask = np.array([[True] * 5, [True, True, True, False, False]])
    with torch.no_grad():
        expected = ref(torch.from_numpy(X), src_key_padding_mask=torch.from_numpy(~mask)).numpy()
    got = ours.eval()(X, mask).data
    real = mask  # PyTorch's fast path (eval, no grad) returns zeros at padded positions
    assert rel(got[real], expected[real]) <= OUT_TOL
    ours.train()
    first, second = ours(X, mask).data, ours(X, mask).data
    assert not np.allclose(first, second)  # fresh dropout masks each call in training


# --------------------------------------------- positions and pools, against the PyTorch idioms
def torch_masked_mean(x, mask):
    m = mask[..., None].to(x.dtype)
    return (x * m).sum(1) / m.sum(1).clamp(min=1)


def torch_masked_max(x, mask):
    return x.masked_fill(~mask[..., None], float("-inf")).amax(1)


class TorchTextModel(torch.nn.Module):
    """Embedding -> learned positions -> encoder layer -> masked mean or max -> linear, written as PyTorch users do."""

    def __init__(self, vocab, d, heads, ff, length, classes, norm_first, pool):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, d, padding_idx=0)
        self.position = torch.nn.Embedding(length, d)
        self.encoder = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True,
                                                        norm_first=norm_first)
        self.pool = pool
        self.output = torch.nn.Linear(d, classes)

    def forward(self, ids):
        mask = ids != 0
        x = self.embedding(ids) + self.position(torch.arange(ids.shape[1]))
        return self.output(self.pool(self.encoder(x, src_key_padding_mask=~mask), mask))


@pytest.mark.parametrize(("seed", "pooling"), [(0, "mean"), (1, "max")])
def test_a_whole_text_model_equals_its_pytorch_version(seed, pooling):
    """Outputs and the gradient of every weight, through the padding mask that Sequential makes from padding_idx."""
    rng = np.random.default_rng(300 + seed)
    vocab, heads, ff, length, classes = 13, 2, 10, 7, 3
    d = 2 * int(rng.integers(2, 5))
    norm_first = bool(seed % 2)
    ours = nk.Sequential(nk.Embedding(vocab, d, padding_idx=0, seed=seed), nk.PositionalEmbedding(length, d, seed=1),
                         nk.TransformerEncoderBlock(d, heads, ff, 0.0, norm_first=norm_first, seed=2),
                         nk.SequenceMeanPool() if pooling == "mean" else nk.SequenceMaxPool(),
                         nk.Dense(d, classes, activation="identity", seed=3))
    ref = TorchTextModel(vocab, d, heads, ff, length, classes, norm_first,
                         torch_masked_mean if pooling == "mean" else torch_masked_max)
    names = {"embedding1.weight": "embedding.weight", "position1.weight": "position.weight",
             "output.weight": "output.weight", "output.bias": "output.bias"}
    names.update({f"encoder1.{ours_name}": "encoder." + TORCH_NAMES.get(ours_name, ours_name)
                  for ours_name in ours["encoder1"].state_dict()})
    ref_params = dict(ref.named_parameters())
    with torch.no_grad():
        for name, value in ours.state_dict().items():
            ref_params[names[name]].copy_(torch.from_numpy(value))
    assert set(names.values()) == set(ref_params)

    ids = rng.integers(1, vocab, size=(4, length))
    for i, size in enumerate(rng.integers(1, length + 1, size=4)):
        ids[i, size:] = 0  # right padding, as a tokenizer writes it
    G = rng.standard_normal((4, classes)).astype(np.float32)
    out = ours.forward(ids)  # no mask given: ids != padding_idx
    (out * nk.Tensor(G)).sum().backward()
    expected = ref(torch.from_numpy(ids))
    (expected * torch.from_numpy(G)).sum().backward()
    assert rel(out.data, expected) <= OUT_TOL
    assert rel(ours.infer(ids), expected) <= OUT_TOL
    for name, parameter in ours.named_parameters():
        assert rel(parameter.grad, ref_params[names[name]].grad) <= GRAD_TOL, name


# ------------------------------------------------------------------------- end to end
def before_task(rng: np.random.Generator, n: int, length: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Sequences (right-padded with 0) holding one 5 and one 7; label 1 when the 5 comes first."""
    fillers = np.array([1, 2, 3, 4, 6, 8, 9])
    X = np.zeros((n, length), dtype=np.int64)
    y = np.zeros(n, dtype=np.int64)
    for i in range(n):
        size = int(rng.integers(3, length + 1))
        X[i, :size] = rng.choice(fillers, size=size)
        a, b = rng.choice(size, size=2, replace=False)
        X[i, a], X[i, b] = 5, 7
        y[i] = int(a < b)
    return X, y


def test_a_small_transformer_learns_which_token_comes_first():
    rng = np.random.default_rng(0)
    X, y = before_task(rng, 600)
    X_test, y_test = before_task(rng, 300)
    net = nk.Sequential(
        nk.Embedding(10, 16, padding_idx=0, seed=1),
        nk.PositionalEmbedding(8, 16, seed=2),
        nk.TransformerEncoderBlock(16, 2, 32, 0.0, seed=3),
        nk.SequenceMeanPool(),
        nk.Dense(16, 2, activation="softmax", seed=4),
    )
    nk.fit(net, X, y, epochs=25, batch_size=32, optimizer="adam", lr=3e-3, progress=False, seed=0)
    accuracy = float((net.infer(X_test).argmax(axis=1) == y_test).mean())
    assert accuracy >= 0.95, accuracy
