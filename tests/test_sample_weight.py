"""Sample weights: each loss's weighted mean equals PyTorch's per-sample losses averaged with the
same weights, integer weights equal repeated samples, and the gradients pass finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ShapeError

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "bce", "cross_entropy"])
def test_weighted_loss_and_gradient_equal_torch(name):
    rng = np.random.default_rng(0)
    p = rng.normal(size=(7, 3)) * 2
    if name == "cross_entropy":
        y = rng.integers(0, 3, size=7)
    elif name == "bce":
        y = rng.integers(0, 2, size=(7, 3)).astype(np.float64)
    else:
        y = rng.normal(size=(7, 3))
    w = rng.integers(0, 4, size=7).astype(np.float64)
    w[0] = 2.5
    pred = nk.Tensor(p, dtype=np.float64, requires_grad=True)
    value = nk.get_loss(name)(pred, y, weight=w)
    value.backward()
    pt = torch.tensor(p, requires_grad=True)
    per = _per_sample_with_grad(name, pt, y)
    expected = (per * torch.tensor(w)).sum() / w.sum()
    expected.backward()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(pred.grad, pt.grad.numpy(), rtol=1e-10, atol=1e-14)


def _per_sample_with_grad(name, pt, y):
    yt = torch.tensor(y)
    if name == "mse":
        return ((pt - yt) ** 2).mean(dim=1)
    if name == "mae":
        return (pt - yt).abs().mean(dim=1)
    if name == "huber":
        return F.huber_loss(pt, yt, reduction="none", delta=1.0).mean(dim=1)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(pt, yt, reduction="none").mean(dim=1)
    return F.cross_entropy(pt, torch.tensor(y, dtype=torch.long), reduction="none")


@pytest.mark.parametrize("name", ["mse", "cross_entropy"])
def test_integer_weights_equal_repeated_samples(name):
    rng = np.random.default_rng(1)
    p = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5) if name == "cross_entropy" else rng.normal(size=(5, 4))
    w = np.array([0, 1, 3, 2, 1])
    loss = nk.get_loss(name)
    weighted = loss(nk.Tensor(p, dtype=np.float64), y, weight=w).item()
    repeated = loss(nk.Tensor(np.repeat(p, w, axis=0), dtype=np.float64), np.repeat(y, w, axis=0)).item()
    assert weighted == pytest.approx(repeated, rel=1e-12)


@pytest.mark.parametrize("name", ["mse", "bce", "cross_entropy"])
def test_weighted_loss_gradcheck(name):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, size=6) if name == "cross_entropy" else rng.integers(0, 2, size=(6, 3)).astype(float)
    w = rng.uniform(0, 2, size=6)
    assert nk.gradcheck(lambda p: nk.get_loss(name)(p, y, weight=w), rng.normal(size=(6, 3)))


def test_all_zero_weights_give_zero_loss_and_bad_weights_are_refused():
    loss = nk.get_loss("cross_entropy")
    p = nk.Tensor(np.ones((3, 2)), requires_grad=True)
    value = loss(p, [0, 1, 0], weight=np.zeros(3))
    value.backward()
    assert value.item() == 0.0 and not p.grad.any()
    with pytest.raises(ShapeError, match=r"sample weights must have shape \(3,\)"):
        loss(p, [0, 1, 0], weight=[1.0, 2.0])
    with pytest.raises(ParameterError, match="finite and >= 0"):
        loss(p, [0, 1, 0], weight=[1.0, -2.0, 1.0])
