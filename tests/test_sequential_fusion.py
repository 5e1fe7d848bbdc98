"""Sequential moves a convolution's ReLU after the max-pooling that follows it: same values, same gradients.

Checked against the same layers run one by one (the plain path), in float64, on inputs with
ties (a blank image: every window equal) and windows whose values are all negative (ReLU's
zero gradient), for Conv2d + MaxPool2d (2x2 fast path and a general window) and Conv1d + MaxPool1d.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.layers.sequential import _relu_then_max_pool


def _one_by_one(net, x):
    for layer in net.layers.values():
        x = layer(x)
    return x


def _grads(net, x, through):
    net.zero_grad()
    xt = nk.Tensor(x, requires_grad=True)
    out = through(xt)
    weights = np.random.default_rng(5).standard_normal(out.shape)
    (out * weights).sum().backward()
    return out.data, xt.grad.copy(), [p.grad.copy() for p in net.parameters()]


CASES = {
    "conv2d-2x2": (lambda: nk.Sequential(nk.Conv2d(2, 3, 3, activation="relu", seed=1, dtype=np.float64),
                                         nk.MaxPool2d(2), nk.Flatten(),
                                         nk.Dense(3 * 3 * 3, 4, activation="identity", seed=2, dtype=np.float64)),
                   (5, 2, 8, 9)),
    "conv2d-3x3-stride2-pad1": (lambda: nk.Sequential(
        nk.Conv2d(1, 4, 3, padding=1, activation="relu", seed=3, dtype=np.float64), nk.MaxPool2d(3, 2, 1),
        nk.Conv2d(4, 2, 2, activation="relu", seed=4, dtype=np.float64), nk.MaxPool2d(2)), (3, 1, 9, 9)),
    "conv1d": (lambda: nk.Sequential(nk.Conv1d(3, 5, 3, activation="relu", seed=5, dtype=np.float64),
                                     nk.MaxPool1d(2)), (4, 3, 11)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("inputs", ["random", "ties", "negative"])
def test_fused_relu_pool_equals_layers_one_by_one(case, inputs):
    make, shape = CASES[case]
    net = make()
    assert any(_relu_then_max_pool(a, b) for a, b in zip(list(net.layers.values()), list(net.layers.values())[1:]))
    rng = np.random.default_rng(0)
    x = {"random": rng.standard_normal(shape), "ties": np.zeros(shape),
         "negative": -np.abs(rng.standard_normal(shape)) - 1.0}[inputs]
    if inputs != "random":  # biases that make every potential of the first layer negative, or all equal
        first = next(iter(net.layers.values()))
        first.bias.data[...] = -1.0 if inputs == "negative" else 0.25
        if inputs == "negative":
            first.weight.data[...] = np.abs(first.weight.data)
    fused = _grads(net, x, net)
    plain = _grads(net, x, lambda t: _one_by_one(net, t))
    np.testing.assert_array_equal(fused[0], plain[0])
    np.testing.assert_allclose(fused[1], plain[1], rtol=0, atol=1e-12)
    for a, b in zip(fused[2], plain[2]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    if inputs == "negative":
        assert not np.any(fused[1])  # every window's maximum is negative: ReLU passes no gradient


def test_logits_use_the_same_path():
    net = CASES["conv2d-2x2"][0]()
    x = np.random.default_rng(1).standard_normal((2, 2, 8, 9))
    np.testing.assert_array_equal(net.logits(nk.Tensor(x)).data, _one_by_one(net, nk.Tensor(x)).data)


def test_only_relu_convolutions_followed_by_max_pooling_are_moved():
    conv = nk.Conv2d(1, 2, 3, activation="relu", seed=0)
    assert _relu_then_max_pool(conv, nk.MaxPool2d(2))
    assert not _relu_then_max_pool(conv, nk.AvgPool2d(2))  # ReLU does not commute with a mean
    assert not _relu_then_max_pool(nk.Conv2d(1, 2, 3, activation="tanh", seed=0), nk.MaxPool2d(2))
    assert not _relu_then_max_pool(nk.Dense(2, 2, activation="relu", seed=0), nk.MaxPool2d(2))


@pytest.mark.parametrize("case", sorted(CASES))
def test_prediction_path_pools_before_relu_with_the_same_values(case):
    make, shape = CASES[case]
    net = make()
    x = np.random.default_rng(2).standard_normal(shape)
    expected = x
    for layer in net.layers.values():
        expected = layer.infer(expected)
    np.testing.assert_array_equal(net.infer(x), expected)
    np.testing.assert_allclose(net.infer(x[0]), expected[0], rtol=1e-12, atol=0)  # one sample (BLAS may round it apart)
