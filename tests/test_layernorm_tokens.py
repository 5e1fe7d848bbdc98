"""LayerNorm normalises the last axis of any input, as PyTorch's nn.LayerNorm: token vectors (N, L, D) included."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ShapeError

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape", [(7,), (3, 7), (2, 5, 7), (2, 3, 4, 7)])
def test_layernorm_equals_torch_on_any_rank(shape):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    ours = nk.LayerNorm(7)
    ours.gamma.data[:] = rng.uniform(0.5, 1.5, 7)
    ours.beta.data[:] = rng.standard_normal(7)
    ref = torch.nn.LayerNorm(7)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.gamma.data))
        ref.bias.copy_(torch.tensor(ours.beta.data))
    xt = torch.tensor(x, requires_grad=True)
    g = rng.standard_normal(shape).astype(np.float32)
    ref(xt).backward(torch.tensor(g))
    xo = nk.Tensor(x, requires_grad=True)
    out = ours(xo)
    out.backward(g)
    expected = ref(torch.tensor(x)).detach().numpy()
    assert np.abs(out.data - expected).max() <= 1e-5 * np.abs(expected).max()
    assert np.abs(xo.grad - xt.grad.numpy()).max() <= 1e-4 * np.abs(xt.grad.numpy()).max()
    np.testing.assert_allclose(ours.gamma.grad, ref.weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_layernorm_after_attention_in_a_spec_and_a_wrong_width_named():
    net = nk.build("embedding(8),attention(2),layernorm,seqmeanpool,dense(out)", input_shape=(5,), outputs=3,
                   vocab_size=20, seed=0)
    assert net["layernorm1"].num_features == 8
    out = net(np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]]))
    assert out.shape == (2, 3)
    with pytest.raises(ShapeError, match=r"layer 'ln' normalises the last axis of 8 features; got shape \(2, 5, 6\)"):
        nk.LayerNorm(8, name="ln")(np.zeros((2, 5, 6), np.float32))
