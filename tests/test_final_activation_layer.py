"""A network that ends in an Activation layer trains on its logits, as one whose last Dense has the activation.

Before the fix, ``Sequential.logits`` returned the softmax probabilities of a network ending in
``Activation("softmax")``, and the fused cross-entropy took them for logits: a wrong loss and wrong
gradients with no error.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError


def _pair():
    fused = nk.Sequential(nk.Dense(4, 5, activation="tanh", seed=1), nk.Dense(5, 3, activation="softmax", seed=2))
    split = nk.Sequential(nk.Dense(4, 5, activation="tanh", seed=1), nk.Dense(5, 3, activation="identity", seed=2),
                          nk.Activation("softmax"))
    return fused, split


def test_logits_of_a_final_activation_layer_are_its_input():
    fused, split = _pair()
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(split.logits(x).data, fused.logits(x).data, rtol=1e-6)
    probabilities = split(x).data
    assert not np.allclose(split.logits(x).data, probabilities)  # the logits are not the probabilities
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_training_a_final_activation_layer_equals_the_fused_network():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    fused, split = _pair()
    h1 = nk.fit(fused, X, y, epochs=5, lr=0.05, batch_size=8, seed=0, progress=False)
    h2 = nk.fit(split, X, y, epochs=5, lr=0.05, batch_size=8, seed=0, progress=False)
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(split[1].weight.data, fused[1].weight.data, rtol=1e-5, atol=1e-7)


def test_a_last_layer_with_an_activation_and_no_potential_is_refused():
    class Squash(nk.Module):  # a layer with an activation but no way to give its input back
        def __init__(self):
            self.activation = nk.get_activation("sigmoid")
            self.name = None

        def forward(self, x):
            return self.activation(nk.Tensor(x))

    net = nk.Sequential(nk.Dense(2, 2, activation="identity", seed=0), Squash())
    with pytest.raises(ParameterError, match="no potential"):
        net.logits(np.zeros((1, 2), np.float32))
