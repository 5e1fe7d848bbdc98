"""Conv2d and Conv1d: hand-worked outputs, shapes, options, and the messages for bad arguments and inputs.

(The comparison with PyTorch over random configurations is in test_conv_torch.py; gradients in
test_gradients.py; the layer contract in test_layer_contract.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.engine import conv
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError


def test_hand_worked_conv2d_with_padding_and_stride():
    """x = 0..15 as 4x4; a 2x2 kernel [[1, 2], [3, 4]], padding 1, stride 2: each output by hand."""
    layer = nk.Conv2d(1, 1, 2, stride=2, padding=1, seed=0, dtype=np.float64)
    layer.weight.data[0, 0] = [[1, 2], [3, 4]]
    layer.bias.data[:] = 0.5
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    # the padded input's window at (2i, 2j); e.g. (0, 0) sees [[0, 0], [0, x00=0]] -> 4*0;
    # (0, 1) sees [[0, 0], [x01=1, x02=2]] -> 3*1 + 4*2 = 11; (1, 0) sees [[0, x10=4], [0, x20=8]] -> 2*4 + 4*8;
    # (1, 1) sees [[5, 6], [9, 10]] -> 5 + 12 + 27 + 40 = 84
    expected = np.array([[0, 11, 3 * 3], [2 * 4 + 4 * 8, 84, 7 + 3 * 11], [12 * 2, 13 + 2 * 14, 15]]) + 0.5
    np.testing.assert_array_equal(layer(x).data[0, 0], expected)
    assert layer.output_shape((1, 4, 4)) == (1, 3, 3)


def test_same_padding_keeps_the_size_and_pads_even_kernels_after():
    """A 2x2 kernel with 'same' pads one zero row/column at the bottom/right (PyTorch's choice)."""
    layer = nk.Conv2d(1, 1, 2, padding="same", bias=False, seed=0, dtype=np.float64)
    layer.weight.data[0, 0] = [[1, 0], [0, 0]]  # picks the top-left of each window: the input itself
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(layer(x).data, x)
    layer.weight.data[0, 0] = [[0, 0], [0, 1]]  # the bottom-right: shifted up-left, zeros at the edge
    np.testing.assert_array_equal(layer(x).data[0, 0], [[4, 5, 0], [7, 8, 0], [0, 0, 0]])
    assert conv.conv_padding("same", (2, 5), (1, 1), (1, 1)) == ((0, 1), (2, 2))


def test_groups_keep_channels_apart():
    """groups=2: output channel 0 sees only input channel 0, output channel 1 only input channel 1."""
    layer = nk.Conv2d(2, 2, 1, groups=2, bias=False, seed=0)
    assert layer.weight.shape == (2, 1, 1, 1)
    layer.weight.data[:, 0, 0, 0] = [10.0, 100.0]
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 2.0)])[None].astype(np.float32)
    np.testing.assert_array_equal(layer(x).data[0, :, 0, 0], [10.0, 200.0])


def test_dilation_spreads_the_taps():
    layer = nk.Conv1d(1, 1, 2, dilation=3, bias=False, seed=0, dtype=np.float64)
    layer.weight.data[0, 0] = [1.0, 10.0]
    x = np.arange(6.0).reshape(1, 1, 6)  # y[i] = x[i] + 10 x[i + 3]
    np.testing.assert_array_equal(layer(x).data[0, 0], [30.0, 41.0, 52.0])


def test_activation_and_prelu_per_filter():
    """The activation is applied per output; prelu has one slope per filter (channel)."""
    layer = nk.Conv2d(1, 2, 1, bias=False, activation="prelu", seed=0)
    layer.weight.data[:, 0, 0, 0] = [1.0, 1.0]
    slope = dict(layer.named_parameters())["activation.slope"]
    assert slope.shape == (2,)
    slope.data[:] = [0.5, 0.25]
    y = layer(-np.ones((1, 1, 2, 3), dtype=np.float32)).data
    np.testing.assert_array_equal(y[0, 0], np.full((2, 3), -0.5))
    np.testing.assert_array_equal(y[0, 1], np.full((2, 3), -0.25))
    relu = nk.Conv2d(1, 1, 1, activation="relu", bias=False, seed=0)
    relu.weight.data[...] = 1.0
    np.testing.assert_array_equal(relu([[[[-1.0, 2.0]]]]).data, [[[[0.0, 2.0]]]])


def test_one_sample_has_no_batch_axis():
    layer = nk.Conv2d(3, 5, 3, padding=1, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7)).astype(np.float32)
    np.testing.assert_allclose(layer(x[1]).data, layer(x).data[1], rtol=1e-6, atol=1e-6)
    assert layer(x[1]).shape == (5, 6, 7)


def test_default_initialisation_uses_the_fan_of_the_filter():
    """He normal for relu with fan_in = in/groups * kh * kw: std sqrt(2 / 72) for 8 channels and 3x3."""
    layer = nk.Conv2d(8, 400, 3, activation="relu", seed=0, dtype=np.float64)
    assert layer.init == "he_normal"
    assert abs(layer.weight.data.std() - np.sqrt(2 / 72)) < 0.01 * np.sqrt(2 / 72)
    np.testing.assert_array_equal(layer.bias.data, 0.0)
    assert nk.Conv1d(2, 3, 4, seed=0).init == "glorot_uniform"
    same = [nk.Conv2d(2, 3, 3, seed=5).weight.data, nk.Conv2d(2, 3, 3, rng=np.random.default_rng(5)).weight.data]
    np.testing.assert_array_equal(*same)


def test_attributes_for_the_neuron_views():
    layer = nk.Conv2d(4, 6, (3, 5), stride=2, padding=(1, 2), dilation=(2, 1), groups=2, seed=0)
    assert (layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
            layer.groups) == (4, 6, (3, 5), (2, 2), (1, 2), (2, 1), 2)
    assert layer.activation.name == "identity" and layer.name_prefix == "conv"
    assert nk.Conv2d(1, 1, 3, padding="SAME", seed=0).padding == "same"
    assert repr(layer) == ("Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 1), "
                           "groups=2, activation='identity')")


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"kernel_size": 0}, ParameterError, "Conv2d kernel_size must be an integer >= 1; got 0"),
    ({"kernel_size": (3, 3, 3)}, ParameterTypeError,
     r"kernel_size must be an integer >= 1 or 2 of them; got \(3, 3, 3\)"),
    ({"stride": True}, ParameterTypeError, "stride must be an integer >= 1; got True"),
    ({"padding": "full"}, ParameterError,
     "padding must be an integer >= 0, 2 of them, 'same' or 'valid'; got 'full'"),
    ({"padding": -1}, ParameterError, "padding must be an integer >= 0; got -1"),
    ({"groups": 2}, ParameterError, r"in_channels \(3\) and out_channels \(4\) must both be divisible by groups"),
    ({"padding": "same", "stride": 2}, ParameterError, "padding='same' needs stride 1"),
    ({"in_channels": 0}, ParameterError, "in_channels must be an integer >= 1; got 0"),
])
def test_bad_arguments_are_refused_with_their_name(options, error, message):
    with pytest.raises(error, match=message):
        nk.Conv2d(**{"in_channels": 3, "out_channels": 4, "kernel_size": 3, **options})


def test_wrong_channel_count_names_the_layer_and_both_shapes():
    layer = nk.Conv2d(3, 4, 3, name="conv1")
    with pytest.raises(ShapeError, match=r"layer 'conv1' needs input \(N, C=3, H, W\) or \(C=3, H, W\); got shape "
                                         r"\(2, 1, 28, 28\): 1 channels, not 3"):
        layer(np.zeros((2, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"layer 'conv1' needs \(C=3, H, W\) per sample; got shape \(28, 28\)"):
        layer.output_shape((28, 28))
    with pytest.raises(ShapeError, match=r"got shape \(28, 28\)$"):
        layer.infer(np.zeros((28, 28), dtype=np.float32))


def test_an_image_smaller_than_the_kernel_is_refused():
    layer = nk.Conv2d(1, 2, 5, dilation=2, padding=1, name="conv1")
    message = (r"layer 'conv1' needs images of at least 9x9 \(HxW\) for its 5x5 kernel \(dilation 2x2, padding 2x2 "
               r"in all\); got shape \(4, 1, 6, 12\)")
    with pytest.raises(ShapeError, match=message):
        layer(np.zeros((4, 1, 6, 12), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"got shape \(1, 6, 12\)"):
        layer.output_shape((1, 6, 12))
    assert layer.output_shape((1, 7, 12)) == (2, 1, 6)  # 7 + 2 - 9 + 1, 12 + 2 - 9 + 1
    with pytest.raises(ShapeError, match=r"layer 'seq' needs sequences of at least 3 \(L\)"):
        nk.Conv1d(1, 1, 3, name="seq")(np.zeros((1, 1, 2), dtype=np.float32))


def test_the_engine_checks_its_operands():
    x, w = nk.Tensor(np.zeros((1, 2, 5, 5))), nk.Tensor(np.zeros((3, 1, 3, 3)))
    with pytest.raises(ShapeError, match=r"input shape \(1, 2, 5, 5\) has 2 channels; weight shape \(3, 1, 3, 3\) "
                                         r"with groups=1 needs 1"):
        conv.conv2d(x, w)
    with pytest.raises(ShapeError, match="not divisible by groups=2"):
        conv.conv2d(x, w, groups=2)
    with pytest.raises(ShapeError, match=r"conv1d takes input \(N, C, L\); got shape \(1, 2, 5, 5\)"):
        conv.conv1d(x, nk.Tensor(np.zeros((3, 2, 3))))
    with pytest.raises(ShapeError, match="smaller than the kernel"):
        conv.conv2d(x, nk.Tensor(np.zeros((3, 2, 6, 1))))
    with pytest.raises(ParameterError, match="stride must be >= 1"):
        conv.conv2d(x, nk.Tensor(np.zeros((3, 2, 3, 3))), stride=0)


def test_the_output_keeps_a_channels_last_memory_layout():
    """The output is an (N, C, H, W) view of NHWC memory, and the next convolution takes it as it is."""
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    a, b = nk.Conv2d(3, 4, 3, seed=0), nk.Conv2d(4, 2, 3, seed=1)
    h = a(x).data
    assert h.transpose(0, 2, 3, 1).flags.c_contiguous
    np.testing.assert_allclose(b(h).data, b(np.ascontiguousarray(h)).data, rtol=0, atol=0)


def test_each_operand_gets_its_gradient_alone():
    """Only the bias, only the weight, or only the input needing a gradient: each is right on its own.

    The bias gradient is the sum of the output gradient over N, H, W; the weight's and the input's are
    compared with the case where all three need one.
    """
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    g = rng.standard_normal((2, 4, 2, 6))  # H: (6 - 3) // 2 + 1; W: 5 + 2 - 2 + 1
    every = [nk.Tensor(a, requires_grad=True) for a in (x, w, b)]
    conv.conv2d(*every, stride=(2, 1), padding=(0, 1)).backward(g)
    np.testing.assert_allclose(every[2].grad, g.sum(axis=(0, 2, 3)), rtol=1e-12)
    for k in range(3):
        alone = [nk.Tensor(a, requires_grad=(i == k)) for i, a in enumerate((x, w, b))]
        conv.conv2d(*alone, stride=(2, 1), padding=(0, 1)).backward(g)
        np.testing.assert_allclose(alone[k].grad, every[k].grad, rtol=1e-12)
        assert all(alone[i].grad is None for i in range(3) if i != k)
