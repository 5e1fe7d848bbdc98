"""nk.inspect on image and text models: filter health, top patches, top words, attribution, pictures, report.

Constructed cases with known answers: filters made dead by a large negative bias, a pattern planted
in one image, receptive fields worked out by hand and checked against the engine's gradient,
integrated-gradients completeness, saliency against finite differences, PyTorch for the gradient norms.
"""

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ShapeError


def cnn(dtype=np.float64, activation="relu"):
    """conv(1->4, 3x3) -> maxpool 2 -> flatten -> dense 3 (softmax), on 8x8 images."""
    return nk.Sequential(nk.Conv2d(1, 4, 3, activation=activation, seed=0, dtype=dtype), nk.MaxPool2d(2),
                         nk.Flatten(), nk.Dense(4 * 3 * 3, 3, activation="softmax", seed=1, dtype=dtype))


def images(n=6, seed=0):
    return np.random.default_rng(seed).random((n, 1, 8, 8))


def text_net(dtype=np.float64, vocab=7, dim=4):
    """embedding (pad 0) -> masked mean pool -> dense 5 relu -> dense 3 softmax."""
    return nk.Sequential(nk.Embedding(vocab, dim, padding_idx=0, seed=0, dtype=dtype), nk.SequenceMeanPool(),
                         nk.Dense(dim, 5, activation="tanh", seed=1, dtype=dtype),
                         nk.Dense(5, 3, activation="softmax", seed=2, dtype=dtype))


IDS = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 2, 0], [3, 3, 1, 4, 6]])


# ---------------------------------------------------------------------------- health: dead filters, saturation
def test_a_filter_made_dead_by_a_large_negative_bias_is_found_and_named_like_a_dense_neuron():
    net = cnn()
    conv = net["conv1"]
    conv.weight.data[:] = 0.1                 # positive kernels on positive pixels: z > 0 everywhere
    conv.bias.data[:] = 0.0
    conv.bias.data[2] = -100.0                # z <= 0 at every position of every image: dead
    report = nk.inspect.health(net, images())
    assert report.dead == ["conv1[2]"]
    lh = report.layers["conv1"]
    assert lh.unit == "filter"
    np.testing.assert_array_equal(lh.firing_rate, [1.0, 1.0, 0.0, 1.0])  # over all 6·6·6 (sample, position) pairs
    problem = report.problems_of("dead")[0]
    assert problem.neurons == ("conv1[2]",)
    assert "filters" in problem.message and "every position of every sample" in problem.message
    assert "BatchNorm2d" in problem.remedy and "bias" in problem.remedy
    assert "conv1[2]" in report.to_json()


def test_one_positive_position_in_one_image_keeps_a_filter_alive():
    net = nk.Sequential(nk.Conv2d(1, 1, 1, activation="relu", seed=0, dtype=np.float64), nk.Flatten(),
                        nk.Dense(16, 2, activation="softmax", seed=1, dtype=np.float64))
    net["conv1"].weight.data[:] = 1.0
    net["conv1"].bias.data[:] = -0.5
    X = np.zeros((3, 1, 4, 4))
    assert nk.inspect.health(net, X).dead == ["conv1[0]"]
    X[1, 0, 2, 3] = 1.0                       # z = 0.5 at one position of one image
    report = nk.inspect.health(net, X)
    assert report.dead == []
    assert report.layers["conv1"].firing_rate[0] == pytest.approx(1 / 48)


def test_dead_filter_through_batchnorm2d_and_a_separate_activation_layer():
    net = nk.Sequential(nk.Conv2d(1, 3, 3, seed=0, dtype=np.float64), nk.BatchNorm2d(3, dtype=np.float64),
                        nk.Activation("relu"), nk.Flatten(), nk.Dense(3 * 6 * 6, 2, activation="softmax", seed=1,
                                                                        dtype=np.float64))
    net["conv1"].weight.data[:] = 0.1
    net["conv1"].bias.data[:] = [0.0, -100.0, 0.0]
    report = nk.inspect.health(net, images())
    assert report.dead == ["conv1[1]"]
    lh = report.layers["conv1"]
    assert lh.activation == "relu" and lh.normalised
    assert "BatchNorm2d between" not in report.problems_of("dead")[0].remedy  # it has one already
    # without the Activation layer the filter is linear and cannot die
    linear = nk.Sequential(nk.Conv2d(1, 3, 3, seed=0), nk.Flatten(), nk.Dense(108, 2, seed=1))
    linear["conv1"].bias.data[:] = -100.0
    assert nk.inspect.health(linear, images()).dead == []


def test_dead_conv1d_filter_and_saturated_channels():
    net = nk.Sequential(nk.Conv1d(2, 3, 3, activation="relu", seed=0, dtype=np.float64), nk.Flatten(),
                        nk.Dense(3 * 8, 2, seed=1, dtype=np.float64))
    net["conv1"].weight.data[:] = 0.2
    net["conv1"].bias.data[:] = [0.0, 0.0, -50.0]
    X = np.random.default_rng(1).random((5, 2, 10))
    assert nk.inspect.health(net, X).dead == ["conv1[2]"]
    sig = nk.Sequential(nk.Conv2d(1, 2, 3, activation="sigmoid", seed=0, dtype=np.float64), nk.Flatten(),
                        nk.Dense(72, 2, seed=1, dtype=np.float64))
    sig["conv1"].weight.data[0] = 10.0        # 90 · pixel: far on the sigmoid's flat tail
    sig["conv1"].weight.data[1] = 0.01        # near 0: steep
    sig["conv1"].bias.data[:] = 0.0
    report = nk.inspect.health(sig, images() + 1.0)
    assert report.saturated == ["conv1[0]"]
    problem = report.problems_of("saturated")[0]
    assert "channels" in problem.message and "(sample, position) pairs" in problem.message
    assert "Scale the images" in problem.remedy


def test_gradient_norms_of_a_cnn_equal_pytorch():
    import torch

    net = cnn()
    X, y = images(), np.array([0, 1, 2, 0, 1, 2])
    norms = nk.inspect.health(net, X, y).gradients.norms
    assert list(norms) == ["conv1", "output"]
    conv = torch.nn.Conv2d(1, 4, 3).double()
    dense = torch.nn.Linear(36, 3).double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(net["conv1"].weight.data))
        conv.bias.copy_(torch.from_numpy(net["conv1"].bias.data))
        dense.weight.copy_(torch.from_numpy(net["output"].weight.data))
        dense.bias.copy_(torch.from_numpy(net["output"].bias.data))
    h = torch.nn.functional.max_pool2d(torch.relu(conv(torch.from_numpy(X))), 2).flatten(1)
    torch.nn.functional.cross_entropy(dense(h), torch.from_numpy(y)).backward()
    assert norms["conv1"] == pytest.approx(float(conv.weight.grad.norm()), rel=1e-9)
    assert norms["output"] == pytest.approx(float(dense.weight.grad.norm()), rel=1e-9)


def test_text_model_health_uses_the_padding_mask_and_finds_a_dead_neuron():
    net = text_net()
    net["hidden1"].activation = nk.get_activation("relu")
    net["hidden1"].bias.data[3] = -100.0
    report = nk.inspect.health(net, IDS, np.array([0, 1, 2]))
    assert report.dead == ["hidden1[3]"]
    # the mean over real tokens only: the hidden layer's mean output is the one the network computes
    emb = net["embedding1"].weight.data
    pooled = np.stack([emb[row[row != 0]].mean(axis=0) for row in IDS])
    hidden = np.maximum(pooled @ net["hidden1"].weight.data.T + net["hidden1"].bias.data, 0.0)
    np.testing.assert_allclose(report.layers["hidden1"].mean_activation, hidden.mean(axis=0), rtol=1e-12)
    assert report.gradients.norms["hidden1"] > 0


def test_health_monitor_watches_conv_filters():
    """The callback's hooks driven by hand (nk.fit takes (n_samples, n_features) tables on main)."""
    from types import SimpleNamespace

    X = images(16)
    y = np.arange(16) % 3
    net = cnn()
    net["conv1"].bias.data[1] = -100.0
    monitor = nk.inspect.HealthMonitor(X, warn=False)
    state = SimpleNamespace(model=net, epoch=0, notes=[])
    monitor.on_train_begin(state)
    opt = nk.optim.SGD(net.parameters(), lr=0.1)
    for epoch in range(2):
        state.epoch = epoch
        monitor.on_epoch_begin(state)
        net.zero_grad()
        nk.losses.get_loss("cross_entropy")(net.logits(X), y).backward()
        monitor.on_after_backward(state)
        opt.step()
        monitor.on_epoch_end(state, {})
    assert monitor.history["dead"]["conv1"] == [1, 1]
    assert monitor.history["frozen"]["conv1"] == [1, 1]   # the dead filter gets no gradient; the others moved
    assert monitor.report().dead == monitor.report().frozen == ["conv1[1]"]
    assert any("conv1[1]" in note for note in state.notes)


def test_bad_image_input_names_the_layer_and_the_shape():
    with pytest.raises(ShapeError, match=r"'conv1' needs \(C=1, H, W\).*\(3, 8, 8\)"):
        nk.inspect.health(cnn(), np.zeros((2, 3, 8, 8)))
