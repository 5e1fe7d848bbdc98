"""Convolutional neurons (issue 12 item 2): one filter shared over all positions, looked at one position at a time.

Hand-worked values for a 3x3 filter, and for random configurations (stride, padding, dilation,
groups, channels) the explanation's sum plus bias is the layer's potential at that position and its
output the layer's output there. Parameter sharing in numbers: a filter's parameters against a Dense
layer with the same inputs and outputs, per neuron and in ``summary()``.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import IndexRangeError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.layers.conv_neurons import ConvExplanation, dense_equivalent_parameters, is_convolution

IMAGE = np.array([[[1, 2, 0, 1],
                   [0, 1, 3, 1],
                   [2, 1, 0, 0],
                   [1, 0, 2, 1]]], dtype=np.float32)  # (C=1, H=4, W=4)
SOBEL_X = [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]


def sobel(**options) -> nk.Conv2d:
    conv = nk.Conv2d(1, 2, 3, activation="relu", seed=0, **{"name": "conv1", **options})
    conv.neurons[0].kernel[0] = SOBEL_X
    conv.neurons[0].bias = 0.5
    return conv


def test_hand_worked_3x3_filter():
    """Sobel-x + 0.5, ReLU, on the 4x4 image: the 2x2 feature map worked out window by window.

    (0, 0): patch [[1,2,0],[0,1,3],[2,1,0]] -> 1 - 6 + 2 = -3, z = -2.5, relu 0
    (0, 1): patch [[2,0,1],[1,3,1],[1,0,0]] -> 2 - 1 + 2 - 2 + 1 = 2, z = 2.5
    (1, 0): patch [[0,1,3],[2,1,0],[1,0,2]] -> -3 + 4 + 1 - 2 = 0, z = 0.5
    (1, 1): patch [[1,3,1],[1,0,0],[0,2,1]] -> 1 - 1 + 2 - 1 = 1, z = 1.5
    """
    neuron = sobel().neurons[0]
    np.testing.assert_array_equal(neuron.feature_map(IMAGE), [[0.0, 2.5], [0.5, 1.5]])
    e = neuron.explain(IMAGE, at=(1, 1))
    assert isinstance(e, ConvExplanation)
    np.testing.assert_array_equal(e.patch[0], [[1, 3, 1], [1, 0, 0], [0, 2, 1]])
    np.testing.assert_array_equal(e.product_map[0], [[1, 0, -1], [2, 0, 0], [0, 0, -1]])
    assert e.products == (1.0, 0.0, -1.0, 2.0, 0.0, 0.0, 0.0, 0.0, -1.0)
    assert (e.weighted_sum, e.bias, e.z, e.output) == (1.0, 0.5, 1.5, 1.5)
    assert e.input_positions == ((1, 2, 3), (1, 2, 3)) and e.channels == (0,) and e.position == (1, 1)
    assert neuron.explain(IMAGE, at=(0, 0)).z == -2.5 and neuron.explain(IMAGE, at=(0, 0)).output == 0.0
    assert neuron.explain(IMAGE, at=(0, 1)).z == 2.5 and neuron.explain(IMAGE, at=(1, 0)).z == 0.5
    assert neuron.explain(IMAGE).position == (0, 1)  # without at: where it responds most (2.5)
    lines = str(e).splitlines()
    assert lines[0] == "receptive field of output (1, 1): rows 1..3, columns 1..3 of channel 0"
    assert lines[1] == "conv1[0] at (1, 1) (relu) on input x = [1, 3, 1, 1, 0, 0, 0, 2, 1]"
    assert lines[2] == "  1. products     w1·x1 = 1 × 1 = 1   (x1: x[0, 1, 1])"
    assert "w9·x9 = -1 × 1 = -1   (x9: x[0, 3, 3])" in lines[10]
    assert lines[-3:] == ["  3. add bias     z = 1 + 0.5 = 1.5   (the activation potential)",
                          "  4. activation   relu(z) = max(0, z) = max(0, 1.5) = 1.5", "  5. output       1.5"]


def test_hand_worked_padding_reads_zeros():
    """padding=1: at (0, 0) the kernel hangs over row -1 and column -1, which read 0.

    patch [[0,0,0],[0,1,2],[0,0,1]] -> 2·0 - 2·2 + 0 - 1·1 = -5, z = -4.5
    """
    e = sobel(padding=1).neurons[0].explain(IMAGE, at=(0, 0))
    np.testing.assert_array_equal(e.patch[0], [[0, 0, 0], [0, 1, 2], [0, 0, 1]])
    assert (e.weighted_sum, e.z, e.output) == (-5.0, -4.5, 0.0)
    assert e.receptive_field() == ("rows -1..1 (row -1 is padding), columns -1..1 (column -1 is padding) of "
                                   "channel 0")
    assert e.input_names[0] == "x[0, -1, -1] padding" and e.input_names[4] == "x[0, 0, 0]"


def test_hand_worked_stride_and_dilation():
    """stride 2, dilation 2 on a 7x7 image: output (1, 0) reads rows 2, 4, 6 and columns 0, 2, 4."""
    image = np.arange(49, dtype=np.float64).reshape(1, 7, 7)
    conv = nk.Conv2d(1, 1, 3, stride=2, dilation=2, seed=0, dtype=np.float64)
    conv.weight.data[:] = 1.0
    e = conv.neurons[0].explain(image, at=(1, 0))
    assert e.input_positions == ((2, 4, 6), (0, 2, 4))
    assert e.receptive_field() == "rows 2..6 (every 2), columns 0..4 (every 2) of channel 0"
    assert e.weighted_sum == sum(7 * r + c for r in (2, 4, 6) for c in (0, 2, 4)) == 3 * 84 + 3 * 6 == 270.0


CONFIGS = [  # (in_channels, out_channels, kernel, stride, padding, dilation, groups, size)
    (1, 3, 3, 1, 0, 1, 1, (6, 7)),
    (2, 4, (3, 2), (2, 1), 1, 1, 1, (7, 6)),
    (3, 2, 3, 1, "same", 2, 1, (6, 6)),
    (4, 6, 2, 2, (1, 0), 1, 2, (5, 7)),
    (2, 2, 5, 3, 2, (1, 2), 2, (9, 11)),
    (3, 3, 4, 1, "same", 1, 1, (5, 5)),  # an even kernel: PyTorch pads one more after
]


@pytest.mark.parametrize("config", CONFIGS)
def test_explain_equals_the_layer_at_every_position(config):
    cin, cout, kernel, stride, padding, dilation, groups, size = config
    rng = np.random.default_rng(cin * 10 + cout)
    conv = nk.Conv2d(cin, cout, kernel, stride, padding, dilation, groups, activation="tanh", seed=1,
                     dtype=np.float64)
    conv.bias.data[:] = rng.standard_normal(cout)
    x = rng.standard_normal((cin, *size))
    with nk.no_grad():
        z = conv.potential(x).data
        y = conv(x).data
    for k, neuron in enumerate(conv.neurons):
        np.testing.assert_allclose(neuron.feature_map(x), y[k], rtol=1e-12)
        assert neuron.channels == range(k // (cout // groups) * (cin // groups), (k // (cout // groups) + 1)
                                        * (cin // groups))
        for at in np.ndindex(*z.shape[1:]):
            e = neuron.explain(x, at=at)
            assert e.z == pytest.approx(z[(k, *at)], rel=1e-12, abs=1e-12), (k, at)
            assert e.output == pytest.approx(y[(k, *at)], rel=1e-12, abs=1e-12), (k, at)
            assert e.patch.shape == neuron.kernel.shape


def test_float32_explanations_match_the_layer():
    rng = np.random.default_rng(3)
    conv = nk.Conv2d(3, 4, 3, padding=1, activation="relu", seed=2)
    x = rng.standard_normal((3, 5, 5)).astype(np.float32)
    z = conv.potential(x).data
    for at in ((0, 0), (2, 3), (4, 4)):
        assert conv.neurons[3].explain(x, at=at).z == pytest.approx(float(z[(3, *at)]), rel=1e-5, abs=1e-6)


def test_conv1d_neurons_take_one_position():
    conv = nk.Conv1d(2, 3, 3, stride=2, padding=1, seed=0, dtype=np.float64)
    x = np.arange(14.0).reshape(2, 7)
    z = conv.potential(x).data
    e = conv.neurons[1].explain(x, at=2)
    assert e.input_positions == ((3, 4, 5),) and e.patch.shape == (2, 3)
    np.testing.assert_array_equal(e.patch, [[3, 4, 5], [10, 11, 12]])
    assert e.z == pytest.approx(z[1, 2], rel=1e-12)
    assert e.receptive_field() == "positions 3..5 of channels 0..1"
    assert str(e).startswith("receptive field of output 2: positions 3..5 of channels 0..1")
    assert conv.neurons[1].feature_map(x).shape == (4,)


def test_softmax_and_prelu_filters_use_the_layer_at_that_position():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 4))
    for activation in ("softmax", "prelu"):
        conv = nk.Conv2d(2, 3, 2, activation=activation, seed=0, dtype=np.float64)
        if activation == "prelu":
            conv.activation.slope.data[:] = [0.1, 0.2, 0.3]
        y = conv.infer(x)
        for k in range(3):
            assert conv.neurons[k].explain(x, at=(1, 2)).output == pytest.approx(y[k, 1, 2], rel=1e-12)


def test_the_kernel_is_a_view_and_the_bias_can_be_set():
    conv = nk.Conv2d(2, 4, 3, groups=2, seed=0, name="c")
    neuron = conv.neurons[3]
    assert neuron.kernel.shape == (1, 3, 3) and neuron.weights.shape == (9,)
    neuron.kernel[0, 1, 2] = 7.0
    neuron.bias = -1.5
    assert conv.weight.data[3, 0, 1, 2] == 7.0 and conv.bias.data[3] == -1.5
    assert list(neuron.channels) == [1] and neuron.label == "c[3]"
    assert repr(neuron) == "LinearConvNeuron(kernel=1x3x3)"
    assert repr(nk.Conv2d(1, 2, 3, activation="relu", seed=0).neurons[0]) == "ReLUConvNeuron(kernel=1x3x3)"
    assert repr(conv.neurons) == "<4 convolutional neurons (filters) of layer 'c'>"
    assert [n.index for n in conv.neurons] == [0, 1, 2, 3] and conv.neurons[-1].index == 3
    with pytest.raises(ParameterError, match="layer 'c2' was built with bias=False; its filters have no bias"):
        nk.Conv2d(1, 1, 3, bias=False, seed=0, name="c2").neurons[0].bias = 1.0


def test_parameter_sharing_in_numbers():
    """Conv2d(1, 16, 3) on 28x28: 10 parameters per filter; a Dense layer with the same inputs and outputs
    needs 784 + 1 per output value, 26·26 output values per filter."""
    conv = nk.Conv2d(1, 16, 3, seed=0)
    neuron = conv.neurons[5]
    assert neuron.parameter_count == 3 * 3 + 1 == 10
    assert neuron.unshared_parameters((1, 28, 28)) == 26 * 26 * 10 == 6760
    assert neuron.dense_equivalent_parameters((1, 28, 28)) == 26 * 26 * (784 + 1) == 530660
    assert dense_equivalent_parameters(conv, (1, 28, 28)) == 16 * 530660 == 8490560
    no_bias = nk.Conv2d(16, 32, 3, bias=False, seed=0)
    assert no_bias.neurons[0].parameter_count == 144
    assert dense_equivalent_parameters(no_bias, (16, 13, 13)) == 32 * 11 * 11 * 16 * 13 * 13
    assert is_convolution(conv) and is_convolution(nk.Conv1d(1, 2, 3, seed=0))
    assert not is_convolution(nk.Dense(2, 3, seed=0)) and not is_convolution(nk.MaxPool2d(2))


def test_summary_shows_what_a_dense_layer_would_need():
    net = nk.Sequential(nk.Conv2d(1, 16, 3, activation="relu", seed=0), nk.MaxPool2d(2),
                        nk.Conv2d(16, 32, 3, activation="relu", seed=1), nk.MaxPool2d(2), nk.Flatten(),
                        nk.Dense(800, 10, activation="identity", seed=2))
    summary = net.summary(input_shape=(1, 28, 28))
    rows = {r["layer"]: r for r in summary.rows}
    assert [r["output_shape"] for r in summary.rows] == [(1, 28, 28), (16, 26, 26), (16, 13, 13), (32, 11, 11),
                                                         (32, 5, 5), (800,), (10,)]
    conv1, conv2 = (r for r in summary.rows if r["kind"] == "Conv2d")
    assert (conv1["neurons"], conv1["parameters"], conv1["dense_equivalent"]) == (16, 160, 8490560)
    assert (conv2["parameters"], conv2["dense_equivalent"]) == (16 * 9 * 32 + 32, 32 * 11 * 11 * (16 * 13 * 13 + 1))
    assert "dense_equivalent" not in rows["output"]
    text = str(summary)
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "kind", "neurons", "activation", "output", "shape", "parameters", "dense",
                                "equivalent", "memory", "MACs"]
    # conv1: 160 float32 parameters; 16 filters x 26·26 positions x 3·3 weights
    assert lines[3].split()[:2] == [conv1["layer"], "Conv2d"]
    assert lines[3].split()[-5:] == ["160", "8,490,560", "640", "bytes", f"{16 * 26 * 26 * 9:,}"]
    assert summary.macs == 16 * 26 * 26 * 9 + 32 * 11 * 11 * 16 * 9 + 800 * 10
    assert (f"parameter sharing: {conv1['layer']}'s 160 parameters stand for the 8,490,560 of a Dense layer with "
            "the same inputs and outputs (53,066x fewer)") in text
    assert summary.total_parameters == net.num_parameters()
    html = summary._repr_html_()
    assert "8,490,560" in html and "16 × 26 × 26" in html
    # without an input shape the conv rows say how to get the comparison
    assert "summary(input_shape=" in str(net.summary())


def test_mlp_summaries_have_no_convolution_columns():
    net = nk.mlp([4, 8, 3], seed=0)
    assert str(net.summary()).splitlines()[0].split() == ["layer", "kind", "neurons", "activation", "parameters",
                                                          "memory", "MACs"]
    assert [r["layer"] for r in net.summary(input_shape=(4,)).rows] == ["input", "hidden1", "output"]


# ------------------------------------------------------------------ refusals


def test_bad_positions_and_inputs_are_refused():
    neuron = sobel().neurons[0]
    with pytest.raises(IndexRangeError, match=r"neuron conv1\[0\]: position at=\(2, 0\) is outside its output map "
                                              r"of size 2x2 \(valid: 0..1, 0..1\)"):
        neuron.explain(IMAGE, at=(2, 0))
    with pytest.raises(ParameterTypeError, match=r"neuron conv1\[0\] at must be an output position \(i, j\) of "
                                                 r"integers; got 1"):
        neuron.explain(IMAGE, at=1)
    with pytest.raises(ShapeError, match=r"neuron conv1\[0\] explains one input \(C=1, H, W\); got shape "
                                         r"\(2, 1, 4, 4\): pick one sample, e.g. x\[0\]"):
        neuron.explain(np.stack([IMAGE, IMAGE]), at=(0, 0))
    assert neuron.explain(IMAGE[None], at=(1, 1)).z == 1.5  # a batch of one is one sample
    with pytest.raises(ShapeError, match="layer 'conv1'"):
        neuron.explain(np.zeros((3, 4, 4), dtype=np.float32), at=(0, 0))
    with pytest.raises(ShapeError, match="layer 'conv1'"):
        neuron.explain(np.zeros((1, 2, 2), dtype=np.float32), at=(0, 0))
    with pytest.raises(IndexRangeError, match=r"layer 'conv1' has 2 filters \(neurons 0..1\); got index 2"):
        sobel().neurons[2]
    with pytest.raises(ParameterTypeError, match="neuron index must be an integer in 0..1"):
        sobel().neurons["0"]


def test_the_kernel_displays_as_tinted_tables():
    conv = nk.Conv2d(2, 1, 2, seed=0, name="<c>")
    conv.weight.data[:] = [[[[1.0, -2.0], [0.5, 0.0]], [[3.0, 0.25], [-1.0, 2.0]]]]
    html = conv.neurons[0]._repr_html_()
    assert "channel 0" in html and "channel 1" in html and "&lt;c&gt;[0]" in html and "<c>" not in html
    assert "rgba(214, 47, 39, 0.40)" in html  # -2 of a largest |value| 3: red at 0.6 · 2/3
    assert "rgba(33, 102, 172, 0.60)" in html  # 3: the strongest blue
    assert "9 (shared by every position)" in html  # 2·2·2 weights and a bias
    layer_html = nk.Conv2d(2, 3, 2, seed=0, name="c")._repr_html_()  # the layer's table lists its filters
    assert all(f"<td>c[{k}]</td>" in layer_html for k in range(3))


def test_neurons_of_a_spec_built_network_by_their_stable_names():
    """The issue's ``net["conv1"].neurons[k]`` on the named "cnn" architecture: explain at a position of conv2."""
    net = nk.build("cnn", input_shape=(1, 28, 28), outputs=10, seed=0)
    x = np.random.default_rng(11).random((1, 28, 28), dtype=np.float32)
    assert len(net["conv1"].neurons) == net["conv1"].out_channels
    with nk.no_grad():
        conv2_input = net["pool1"](net["conv1"](x)).data  # what conv2 sees
        z = net["conv2"].potential(conv2_input).data
    e = net["conv2"].neurons[5].explain(conv2_input, at=(4, 6))
    assert e.z == pytest.approx(float(z[5, 4, 6]), rel=1e-5, abs=1e-6)
    assert e.label == "conv2[5] at (4, 6)" and len(e.products) == net["conv2"].in_channels * 9
    rows = {r["layer"]: r for r in net.summary(input_shape=(1, 28, 28)).rows}
    assert rows["conv1"]["output_shape"] == (32, 26, 26) and rows["pool2"]["output_shape"] == (64, 5, 5)
    assert rows["conv2"]["dense_equivalent"] == 64 * 11 * 11 * (32 * 13 * 13 + 1)
