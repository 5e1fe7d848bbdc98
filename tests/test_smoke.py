import numpy as np

import neuronkit as nk


def test_seed_relu_example():
    n = nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")
    assert n([0.5, 0.3]) == 0.78


def test_dense_backward_matches_hand_gradient():
    layer = nk.Dense(3, 2, activation="identity", seed=0, dtype=np.float64)
    x = np.array([[1.0, 2.0, 3.0]])
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, np.vstack([x[0], x[0]]))
    np.testing.assert_allclose(layer.bias.grad, [1.0, 1.0])
