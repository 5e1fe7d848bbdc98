"""nk.inspect on image and text models: filter health, top patches, top words, attribution, pictures, report.

Constructed cases with known answers: filters made dead by a large negative bias, a pattern planted
in one image, receptive fields worked out by hand and checked against the engine's gradient,
integrated-gradients completeness, saliency against finite differences, PyTorch for the gradient norms.
"""

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ShapeError


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
    assert report.unused_embeddings == {}                              # ids 1..6 all occur
    first = nk.inspect.health(net, IDS[:1])                            # "1 2 3": ids 4, 5, 6 never occur
    assert first.unused_embeddings["embedding1"].tolist() == [4, 5, 6]
    assert "embedding1: 3 token ids never occur in these texts (4, 5, 6)" in str(first)
    assert first.to_dict()["unused_embeddings"] == {"embedding1": [4, 5, 6]}


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


# ---------------------------------------------------------------------------- attribution on images and tokens
def logits_of(net, X, target):
    return net.logits(X).data[np.arange(len(X)), target].astype(np.float64)


def test_image_saliency_maps_equal_central_finite_differences():
    net = cnn()
    net["conv1"].bias.data[:] = [0.05, -0.02, 0.01, 0.03]
    X, target = images(2), np.array([1, 2])
    sal = nk.inspect.attribute(net, X, "saliency", target=target)
    assert sal.shape == X.shape
    h = 1e-6
    n, d = len(X), X[0].size
    eye = np.eye(d).reshape(d, *X.shape[1:]) * h
    fd = np.empty((n, d))
    for i in range(n):
        up, down = X[i] + eye, X[i] - eye
        fd[i] = (logits_of(net, up, np.full(d, target[i])) - logits_of(net, down, np.full(d, target[i]))) / (2 * h)
    np.testing.assert_allclose(sal.reshape(n, d), np.abs(fd), rtol=1e-6, atol=1e-8)
    gx = nk.inspect.attribute(net, X, "grad_x_input", target=target)
    np.testing.assert_allclose(gx.reshape(n, d), X.reshape(n, d) * fd, rtol=1e-6, atol=1e-8)


def test_integrated_gradients_on_a_small_cnn_are_complete_within_one_percent_at_64_steps():
    net = cnn()
    net["conv1"].bias.data[:] = [0.05, -0.02, 0.01, 0.03]
    X = images(4, seed=3)
    ig = nk.inspect.attribute(net, X, "integrated_gradients", steps=64)
    target = net.logits(X).data.argmax(axis=1)
    np.testing.assert_array_equal(ig.target, target)
    np.testing.assert_allclose(ig.values, logits_of(net, X, target), rtol=1e-12)
    np.testing.assert_allclose(ig.baseline_values, logits_of(net, np.zeros_like(X), target), rtol=1e-12)
    total = ig.reshape(len(X), -1).sum(axis=1)
    assert np.all(np.abs(total - (ig.values - ig.baseline_values)) <= 0.01 * np.abs(ig.values - ig.baseline_values))


def test_grad_x_input_of_a_linear_conv_net_sums_to_the_logit():
    """conv (no bias) -> avg pool -> dense (no bias) is linear: Σ x·∂f/∂x = f(x) exactly."""
    net = nk.Sequential(nk.Conv2d(2, 3, 3, padding=1, bias=False, seed=0, dtype=np.float64), nk.AvgPool2d(2),
                        nk.Flatten(), nk.Dense(3 * 3 * 3, 2, activation="identity", bias=False, seed=1,
                                               dtype=np.float64))
    X = np.random.default_rng(2).normal(size=(3, 2, 6, 6))
    gx = nk.inspect.attribute(net, X, "grad_x_input", target=0)
    np.testing.assert_allclose(gx.sum(axis=(1, 2, 3)), net(X).data[:, 0], rtol=1e-10)


def linear_text_net():
    """embedding (pad 0) -> masked mean pool -> one linear output: f = w·mean_t(e_t) + b."""
    net = nk.Sequential(nk.Embedding(7, 3, padding_idx=0, seed=0, dtype=np.float64), nk.SequenceMeanPool(),
                        nk.Dense(3, 1, activation="identity", seed=1, dtype=np.float64))
    net["output"].bias.data[:] = 0.25
    return net


def test_token_grad_x_input_of_a_linear_text_model_is_each_words_share():
    net = linear_text_net()
    emb, w = net["embedding1"].weight.data, net["output"].weight.data[0]
    gx = nk.inspect.attribute(net, IDS, "grad_x_input")
    assert gx.shape == IDS.shape
    count = (IDS != 0).sum(axis=1, keepdims=True)
    expected = np.where(IDS != 0, emb[IDS] @ w / count, 0.0)     # w·e_t / (real tokens); padding 0
    np.testing.assert_allclose(gx, expected, rtol=1e-12)
    assert gx.embedding.shape == (3, 5, 3)


def test_token_integrated_gradients_are_complete_and_padding_gets_nothing():
    net = text_net()
    ig = nk.inspect.attribute(net, IDS, "integrated_gradients", steps=64)
    assert ig.shape == IDS.shape
    np.testing.assert_array_equal(ig[IDS == 0], 0.0)
    np.testing.assert_allclose(ig.values, net.logits(IDS).data[np.arange(3), ig.target], rtol=1e-12)
    change = ig.values - ig.baseline_values
    assert np.all(np.abs(ig.sum(axis=1) - change) <= 0.01 * np.abs(change))
    # the baseline is the padding embedding at every position (zero, as the padding row never trains)
    np.testing.assert_array_equal(ig.baseline, 0.0)


def test_token_saliency_equals_finite_differences_over_the_embedding_values():
    net = text_net()
    target = np.array([0, 1, 2])
    sal = nk.inspect.attribute(net, IDS, "saliency", target=target)
    E = net["embedding1"].weight.data[IDS]                       # (3, 5, 4)
    rest = nk.Sequential(*[(name, layer) for name, layer in list(net.layers.items())[1:]])
    mask = IDS != 0
    h = 1e-6
    expected = np.zeros(IDS.shape)
    for i in range(3):
        for t in range(5):
            for d in range(4):
                up, down = E[i:i + 1].copy(), E[i:i + 1].copy()
                up[0, t, d] += h
                down[0, t, d] -= h
                f = [rest.logits(v, mask=mask[i:i + 1]).data[0, target[i]] for v in (up, down)]
                expected[i, t] += abs(f[0] - f[1]) / (2 * h)
    np.testing.assert_allclose(sal, expected, rtol=1e-6, atol=1e-9)


def test_token_baselines_padding_zeros_or_given():
    net = linear_text_net()
    net["embedding1"].weight.data[0] = [1.0, 2.0, 3.0]           # an edited padding row
    ig = nk.inspect.attribute(net, IDS[:1], "integrated_gradients", steps=8)
    np.testing.assert_array_equal(ig.baseline[0, 4], [1.0, 2.0, 3.0])
    zeros = nk.inspect.attribute(net, IDS[:1], "integrated_gradients", steps=8, baseline="zeros")
    np.testing.assert_array_equal(zeros.baseline, 0.0)
    assert zeros.baseline_values[0] == pytest.approx(0.25)          # f(0) = b
    no_pad = nk.Sequential(nk.Embedding(7, 3, seed=0), nk.SequenceMeanPool(), nk.Dense(3, 1, seed=1))
    with pytest.raises(ParameterError, match="padding_idx.*baseline='zeros'"):
        nk.inspect.attribute(no_pad, IDS, "integrated_gradients", baseline="padding")


# ---------------------------------------------------------------------------- receptive fields, top patches, words
def strided_stack(pool):
    """conv 3x3 stride 2 padding 1 -> pool 2 -> conv 3x3 dilation 2 (hand-worked receptive field below)."""
    return nk.Sequential(nk.Conv2d(1, 2, 3, stride=2, padding=1, seed=0, dtype=np.float64), pool(2),
                         nk.Conv2d(2, 3, 3, dilation=2, seed=1, dtype=np.float64), nk.Flatten(),
                         nk.Dense(3 * 3 * 3, 2, seed=2, dtype=np.float64))


def test_receptive_field_worked_by_hand_and_equal_to_the_gradients_support():
    # conv2 [p, p+4] <- pool [2p, 2p+9] <- conv1 [4p-1, 4p+19]: 21 pixels wide
    net = strided_stack(nk.AvgPool2d)
    assert nk.inspect.receptive_field(net, "conv2", (0, 1)) == ((-1, 20), (3, 24))
    assert nk.inspect.receptive_field(net, "pool1", (2, 0)) == ((7, 12), (-1, 4))
    assert nk.inspect.receptive_field(net, "conv1", (1, 1)) == ((1, 4), (1, 4))
    # every input pixel in the field (and none outside) reaches the position (average pooling passes all)
    x = nk.Tensor(np.random.default_rng(0).random((1, 1, 28, 28)), requires_grad=True)
    z = net["conv2"].potential(net["pool1"](net["conv1"](x)))
    z[0, 1, 1, 2].backward()
    rows, cols = np.nonzero(x.grad[0, 0])
    (r0, r1), (c0, c1) = nk.inspect.receptive_field(net, "conv2", (1, 2))
    assert (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1) == (max(r0, 0), min(r1, 28), c0, c1)
    with pytest.raises(ParameterError, match="Flatten.*does not keep positions|no window"):
        nk.inspect.receptive_field(net, "flatten1", 0)


def test_a_planted_pattern_is_the_top_patch_of_its_filter():
    pattern = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    net = nk.Sequential(nk.Conv2d(1, 2, 3, padding=1, activation="relu", seed=0, dtype=np.float64),
                        nk.MaxPool2d(2), nk.Flatten(), nk.Dense(32, 2, seed=1, dtype=np.float64))
    net["conv1"].weight.data[0, 0] = pattern - 0.5      # matches the cross, punishes the corners
    net["conv1"].bias.data[:] = 0.0
    X = np.random.default_rng(4).random((8, 1, 8, 8)) * 0.2
    X[5, 0, 2:5, 4:7] += pattern
    top = nk.inspect.top_patches(net, X, "conv1[0]", k=3)
    assert top.indices[0] == 5
    assert top.positions[0].tolist() == [3, 5]                   # the cross's centre (padding 1)
    assert top.boxes[0].tolist() == [[2, 5], [4, 7]]
    np.testing.assert_array_equal(top.patches[0], X[5, :, 2:5, 4:7])
    assert top.values[0] == pytest.approx(np.sum(X[5, 0, 2:5, 4:7] * (pattern - 0.5)))
    assert top.values[0] > top.values[1] >= top.values[2]
    # a peak on the edge: the patch has zeros where the field reaches into the padding
    edge = np.zeros((1, 1, 8, 8))
    edge[0, 0, 0, 0:2] = 1.0
    net["conv1"].weight.data[1, 0] = [[0, 0, 0], [0, 1, 1], [0, 0, 0]]
    corner = nk.inspect.top_patches(net, edge, "conv1.channel[1]", k=1)
    assert corner.boxes[0].tolist() == [[-1, 2], [-1, 2]]
    np.testing.assert_array_equal(corner.patches[0, 0], [[0, 0, 0], [0, 1, 1], [0, 0, 0]])


def test_top_patches_through_a_strided_stack_crop_the_receptive_field():
    net = strided_stack(nk.MaxPool2d)
    X = np.random.default_rng(5).random((4, 1, 28, 28))
    top = nk.inspect.top_patches(net, X, "conv2[2]", k=4)
    z = net["conv2"].potential(net["pool1"](net["conv1"](X))).data[:, 2]
    np.testing.assert_allclose(top.values, np.sort(z.reshape(4, -1).max(axis=1))[::-1], rtol=1e-12)
    for i, pos, box, patch in zip(top.indices, top.positions, top.boxes, top.patches):
        assert z[i][tuple(pos)] == top.values[list(top.indices).index(i)]
        assert box.tolist() == [list(b) for b in nk.inspect.receptive_field(net, "conv2", tuple(pos))]
        assert patch.shape == (1, 21, 21)
        (r0, r1), (c0, c1) = box
        inside = X[i, :, max(r0, 0):r1, max(c0, 0):c1]
        np.testing.assert_array_equal(patch[:, max(r0, 0) - r0:, max(c0, 0) - c0:][:, :inside.shape[1],
                                                                                    :inside.shape[2]], inside)


def test_top_words_of_a_neuron_after_pooling_and_of_an_embedding_dimension():
    words = ["<pad>", "goal", "match", "rain", "cloud", "vote", "law"]
    net = linear_text_net()
    emb = net["embedding1"].weight.data
    emb[:] = [[0, 0, 0], [3, 0, 0], [2, 1, 0], [0, 3, 0], [0, 2, 1], [0, 0, 3], [1, 0, 2]]
    net["output"].weight.data[:] = [[1.0, -1.0, 0.5]]
    top = nk.inspect.top_words(net, "output[0]", words, k=4)
    # z(one-word text) = w·e + b: goal 3.25, law 2.25, match 1.25, vote 1.75
    assert top.words == ["goal", "law", "vote", "match"]
    np.testing.assert_allclose(top.values, [3.25, 2.25, 1.75, 1.25])
    dim = nk.inspect.top_words(net, "embedding1[1]", words, k=2)
    assert dim.words == ["rain", "cloud"] and dim.ids.tolist() == [3, 4]
    assert "<pad>" not in nk.inspect.top_words(net, "embedding1[0]", words, k=7).words
    with pytest.raises(ParameterError, match="vocabulary has 3 words.*7 token ids"):
        nk.inspect.top_words(net, "output[0]", words[:3])
    with pytest.raises(ParameterError, match="needs a text model"):
        nk.inspect.top_words(cnn(), "output[0]", words)


# ---------------------------------------------------------------------------- attention heads, pictures, the report
WORDS = ["<pad>", "goal", "match", "rain", "cloud", "vote", "law"]


def attention_net(norm_first=False):
    return nk.Sequential(nk.Embedding(7, 4, padding_idx=0, seed=0, dtype=np.float64),
                         nk.PositionalEmbedding(5, 4, seed=3, dtype=np.float64),
                         nk.TransformerEncoderBlock(4, 2, norm_first=norm_first, dropout=0.0, seed=1,
                                                    dtype=np.float64),
                         nk.SequenceMeanPool(), nk.Dense(4, 5, activation="relu", seed=1, dtype=np.float64),
                         nk.Dense(5, 3, activation="softmax", seed=2, dtype=np.float64))


@pytest.mark.parametrize("norm_first", [False, True])
def test_attention_weights_are_the_heads_weights_on_the_layers_own_input(norm_first):
    net = attention_net(norm_first)
    ids = IDS[0]
    w = nk.inspect.attention_weights(net, ids)
    x = net["position1"](net["embedding1"](ids[None])).data
    block = net["encoder1"]
    if norm_first:
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        x = (x - mu) / np.sqrt(var + block.layer_norm_eps) * block.norm1.gamma.data + block.norm1.beta.data
    np.testing.assert_allclose(w, block.self_attn.attention_weights(x, ids[None] != 0)[0], rtol=1e-12)
    assert w.shape == (2, 5, 5)
    np.testing.assert_array_equal(w[:, :, 3:], 0.0)                     # padding keys get nothing
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)
    with pytest.raises(ShapeError, match="one text"):
        nk.inspect.attention_weights(net, IDS)


def test_pictures_hold_the_kernels_the_maps_and_the_attention_weights():
    net = cnn()
    fig = nk.inspect.plot_filters(net)
    tiles = [ax.images[0].get_array() for ax in fig.axes if ax.images and ax.get_title().startswith("conv1[")]
    assert len(tiles) == 4
    for k, tile in enumerate(tiles):
        np.testing.assert_array_equal(tile, net["conv1"].weight.data[k, 0])
    x = images(1)[0]
    fig = nk.inspect.plot_feature_maps(net, x)
    maps = {ax.get_title(): ax.images[0].get_array() for ax in fig.axes if ax.images}
    np.testing.assert_allclose(maps["conv1[2]"], net["conv1"](x[None]).data[0, 2], rtol=1e-12)
    X = images(2)
    ig = nk.inspect.attribute(net, X, "integrated_gradients", steps=8)
    fig = nk.inspect.plot_image_attributions(X, ig)
    heat = [ax.images[0].get_array() for ax in fig.axes if ax.images][1::2]
    np.testing.assert_allclose(heat[1], np.asarray(ig)[1].sum(axis=0), rtol=1e-12)
    bn = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0, dtype=np.float64), nk.BatchNorm2d(2, dtype=np.float64),
                       nk.Activation("relu"), nk.Flatten(), nk.Dense(72, 2, activation="identity", seed=1,
                                                                      dtype=np.float64))
    bn["conv1"].bias.data[:] = [-100.0, 100.0]
    fig = nk.inspect.plot_activation_histograms(bn, images(2))
    assert [ax.get_title() for ax in fig.axes] == ["conv1 (relu)\n50% exactly 0", "output (identity)\n0% exactly 0"]
    text = attention_net()
    fig = nk.inspect.plot_attention(text, IDS[1], vocabulary=WORDS)
    heads = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in heads] == ["head 0", "head 1"]
    assert [t.get_text() for t in heads[0].get_xticklabels()] == ["cloud", "vote", "law", "match"]
    np.testing.assert_allclose(heads[1].images[0].get_array(), nk.inspect.attention_weights(text, IDS[1])[1, :4, :4],
                               rtol=1e-12)


def test_the_report_of_a_cnn_embeds_the_filter_images(tmp_path):
    import base64

    net = cnn()
    files = nk.inspect.write_report(net, images(6), np.arange(6) % 3, out_dir=tmp_path, attribution_samples=2,
                                    top_neurons=2)
    assert {"filters", "feature_maps", "attributions", "top_patches"} <= set(files.images)
    page = files.html.read_text(encoding="utf-8")
    encoded = base64.b64encode(files.images["filters"].read_bytes()).decode("ascii")
    assert f'<img alt="filters" src="data:image/png;base64,{encoded}">' in page
    from matplotlib.image import imread

    assert imread(files.images["filters"]).shape[0] > 100                 # a real PNG, not an empty file
    assert "6 images of shape (1, 8, 8)" in page and "conv1[0]" in page
    assert "The filters of conv1" in page and "Completeness" in page


def test_the_report_of_a_text_model_colours_each_real_token(tmp_path):
    net = attention_net()
    files = nk.inspect.write_report(net, IDS, np.arange(3), out_dir=tmp_path, vocabulary=WORDS, top_neurons=2)
    page = files.html.read_text(encoding="utf-8")
    assert "attention" in files.images
    assert page.count('class="token"') == int((IDS != 0).sum())          # padding is left out
    ig = nk.inspect.attribute(net, IDS, "integrated_gradients")
    assert f'title="{ig[0, 0]:+.4g}">goal</span>' in page
    top = nk.inspect.top_words(net, "hidden1[0]", WORDS, k=8)
    assert f"<td>hidden1[0]</td><td>{', '.join(top.words)}</td>" in page


def test_ablation_of_a_text_model_uses_the_padding_mask():
    net = text_net()
    y = np.array([0, 1, 2])
    report = nk.inspect.ablate(net, IDS, y, "hidden1[1]")
    emb = net["embedding1"].weight.data
    pooled = np.stack([emb[row[row != 0]].mean(axis=0) for row in IDS])
    h = np.tanh(pooled @ net["hidden1"].weight.data.T + net["hidden1"].bias.data)
    h[:, 1] = 0.0
    z = h @ net["output"].weight.data.T + net["output"].bias.data
    loss = np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(3), y])
    assert report.rows[0].loss == pytest.approx(loss, rel=1e-12)


def test_functions_for_feature_vectors_point_image_and_text_users_elsewhere():
    with pytest.raises(ParameterError, match="filters.*top_patches"):
        nk.inspect.top_activating(cnn(), images(), "conv1[0]")
    with pytest.raises(ParameterError, match="images or token ids.*plot_feature_maps"):
        nk.inspect.trace(cnn(), images(1)[0])
    with pytest.raises(ParameterError, match="top_patches \\(images\\) or top_words \\(text\\)"):
        nk.inspect.maximize_activation(text_net(), "hidden1[0]")
    with pytest.raises(ParameterError, match="Flatten, which has no neurons"):
        nk.inspect.top_patches(cnn(), images(), "flatten1[0]")
    with pytest.raises(ParameterError, match="'conv1' has 4 filters \\(conv1\\[0\\] .. conv1\\[3\\]\\); got index 4"):
        nk.inspect.top_patches(cnn(), images(), "conv1[4]")


def test_a_network_that_flattens_images_first_is_inspected_on_the_images():
    net = nk.Sequential(nk.Flatten(), nk.Dense(64, 5, activation="relu", seed=0, dtype=np.float64),
                        nk.Dense(5, 3, activation="softmax", seed=1, dtype=np.float64))
    net["hidden1"].weight.data[:] = np.abs(net["hidden1"].weight.data)   # positive pixels: alive
    net["hidden1"].bias.data[:] = [0.0, 0.0, -100.0, 0.0, 0.0]
    X = images(4)
    assert nk.inspect.health(net, X).dead == ["hidden1[2]"]
    gx = nk.inspect.attribute(net, X, "grad_x_input", target=1)
    assert gx.shape == X.shape
    ig = nk.inspect.attribute(net, X, "integrated_gradients", target=1, steps=4)
    np.testing.assert_allclose(ig.values, logits_of(net, X, np.full(4, 1)), rtol=1e-12)
    with pytest.raises(ShapeError, match="'hidden1' takes 64 inputs"):
        nk.inspect.health(net, np.zeros((2, 1, 7, 7)))


# ---------------------------------------------------------------------------- estimators built from architecture=
def test_an_image_estimator_is_inspected_on_its_own_inputs(tmp_path):
    from sklearn.exceptions import ConvergenceWarning

    digits = nk.datasets.load("digits")
    X = digits.X[:120].reshape(-1, 1, 8, 8)
    est = nk.NeuralClassifier(architecture="conv(4,3,relu),maxpool(2),flatten,dense(out)", max_iter=2,
                              random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, digits.y[:120])
    shaped = nk.inspect.health(est, X[:40], digits.y[:40])
    flat = nk.inspect.health(est, digits.X[:40], digits.y[:40])      # flat rows (n, 64) are the same images
    assert list(shaped.gradients.norms) == ["conv1", "output"]
    assert shaped.gradients.norms == flat.gradients.norms
    ig = nk.inspect.attribute(est, X[:3], "integrated_gradients", steps=64)   # raw pixels (the scaler inside)
    logits = est.network_.logits(est.transform_inputs(X[:3])).data.astype(np.float64)
    np.testing.assert_allclose(ig.values, logits[np.arange(3), ig.target], rtol=1e-5)
    blank = est.network_.logits(est.transform_inputs(np.zeros((3, 1, 8, 8)))).data.astype(np.float64)
    np.testing.assert_allclose(ig.baseline_values, blank[np.arange(3), ig.target], rtol=1e-5)
    assert ig.completeness_ok       # within 5 %: the path from a blank image crosses many ReLU/max-pool kinks
    files = nk.inspect.write_report(est, X[:20], digits.y[:20], out_dir=tmp_path, attribution_samples=2)
    assert {"filters", "feature_maps", "attributions", "top_patches"} <= set(files.images)


def test_a_text_estimator_is_inspected_on_its_texts(tmp_path):
    from sklearn.exceptions import ConvergenceWarning

    from neuronkit.data import Tokenizer

    texts = ["the goal won the match", "rain and cloud today", "a vote on the law", "the match ended in rain",
             "cloud cover and rain", "parliament passed the law"] * 3
    y = [0, 1, 2, 0, 1, 2] * 3
    est = nk.NeuralClassifier(architecture="embedding(8,padding_idx=0),seqmeanpool,dense(6,relu),dense(out)",
                              tokenizer=Tokenizer(), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(texts, y)
    ids = est.transform_inputs(texts[:3])
    by_text = nk.inspect.attribute(est, texts[:3], "grad_x_input")
    np.testing.assert_allclose(by_text, nk.inspect.attribute(est.network_, ids, "grad_x_input",
                                                             target=by_text.target), rtol=1e-12)
    files = nk.inspect.write_report(est, texts, y, out_dir=tmp_path, top_neurons=2)
    page = files.html.read_text(encoding="utf-8")
    top = nk.inspect.top_words(est, "hidden1[0]", est.tokenizer_.vocabulary, k=8)
    import html

    assert f"<td>hidden1[0]</td><td>{html.escape(', '.join(top.words))}</td>" in page   # the tokenizer's words
    assert ">goal</span>" in page
