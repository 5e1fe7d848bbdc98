"""Pooling, Flatten, Activation and BatchNorm2d against PyTorch, and their hand-worked values and refusals.

"Equal" is max|Δ| / max|reference| <= 1e-5 for outputs and <= 1e-4 for gradients in float32,
over seeded random configurations (kernel, stride, padding, odd sizes). The upstream gradient is
random, so a gradient sent to the wrong window position fails.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest
import torch

import neuronkit as nk
from neuronkit.engine import Tensor, pool
from neuronkit.engine.pool import pool_geometry
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError
from neuronkit.layers.norm import _BatchNorm2dTraining

F = torch.nn.functional


def assert_equal(actual, reference, tol: float, what: str) -> None:
    reference = reference.detach().numpy() if isinstance(reference, torch.Tensor) else np.asarray(reference)
    actual = np.asarray(actual)
    assert actual.shape == reference.shape, (what, actual.shape, reference.shape)
    assert actual.dtype == np.float32, what
    scale = float(np.max(np.abs(reference)))
    assert scale > 0, what
    error = float(np.max(np.abs(actual - reference))) / scale
    assert error <= tol, f"{what}: max|Δ|/max|ref| = {error:.2e} > {tol:.0e}"


def run_both(layer, module, x: np.ndarray, rng: np.random.Generator, what: str):
    """Forward and input gradient (for a random upstream gradient) of a neuronkit layer and a torch module."""
    ours = Tensor(x, requires_grad=True)
    out = layer(ours)
    theirs = torch.tensor(x, requires_grad=True)
    ref = module(theirs)
    assert_equal(out.data, ref, 1e-5, f"{what}: output")
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    ref.backward(torch.tensor(g))
    assert_equal(ours.grad, theirs.grad, 1e-4, f"{what}: input gradient")
    return out


def random_configs(count: int, seed: int) -> list[tuple]:
    """(kernel, stride, padding, input shape): kernels up to 4, strides up to 3 or None, odd and even sizes."""
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        kernel = tuple(int(k) for k in rng.integers(1, 5, size=2))
        stride = None if rng.random() < 0.25 else tuple(int(s) for s in rng.integers(1, 4, size=2))
        padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), *(int(n) for n in rng.integers(4, 12, size=2)))
        configs.append((kernel, stride, padding, shape))
    configs += [(2, None, 0, (3, 4, 9, 7)), (2, 2, 0, (2, 3, 8, 8)), ((2, 2), (2, 2), (0, 0), (2, 2, 5, 6))]
    return configs


CONFIGS = random_configs(30, seed=2026)


@pytest.mark.parametrize(("kernel", "stride", "padding", "shape"), CONFIGS)
def test_max_and_avg_pool2d_equal_torch(kernel, stride, padding, shape):
    rng = np.random.default_rng(zlib.crc32(repr((kernel, stride, padding, shape)).encode()))
    x = rng.standard_normal(shape).astype(np.float32)
    what = f"kernel {kernel} stride {stride} padding {padding} on {shape}"
    run_both(nk.MaxPool2d(kernel, stride, padding), torch.nn.MaxPool2d(kernel, stride, padding), x, rng,
             "MaxPool2d " + what)
    run_both(nk.AvgPool2d(kernel, stride, padding), torch.nn.AvgPool2d(kernel, stride, padding), x, rng,
             "AvgPool2d " + what)


@pytest.mark.parametrize(("kernel", "stride", "padding", "length"), [(2, None, 0, 9), (3, 2, 1, 10), (4, 1, 2, 7),
                                                                      (1, 3, 0, 8), (3, None, 1, 11)])
def test_1d_pools_equal_torch(kernel, stride, padding, length):
    rng = np.random.default_rng(length * 10 + kernel)
    x = rng.standard_normal((3, 2, length)).astype(np.float32)
    run_both(nk.MaxPool1d(kernel, stride, padding), torch.nn.MaxPool1d(kernel, stride, padding), x, rng, "MaxPool1d")
    run_both(nk.AvgPool1d(kernel, stride, padding), torch.nn.AvgPool1d(kernel, stride, padding), x, rng, "AvgPool1d")


def test_one_unbatched_sample_equals_torch():
    rng = np.random.default_rng(5)
    image = rng.standard_normal((3, 7, 5)).astype(np.float32)
    run_both(nk.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), image, rng, "MaxPool2d (C, H, W)")
    run_both(nk.AvgPool2d(2), torch.nn.AvgPool2d(2), image, rng, "AvgPool2d (C, H, W)")
    run_both(nk.MaxPool1d(2), torch.nn.MaxPool1d(2), image[0], rng, "MaxPool1d (C, L)")


def test_global_avg_pool_and_flatten_equal_torch():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3, 5, 6)).astype(np.float32)
    gap = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    run_both(nk.GlobalAvgPool2d(), gap, x, rng, "GlobalAvgPool2d")
    run_both(nk.Flatten(), torch.nn.Flatten(), x, rng, "Flatten")


def test_activation_layer_equals_torch():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    run_both(nk.Activation("relu"), torch.nn.ReLU(), x, rng, "relu")
    run_both(nk.Activation("gelu"), torch.nn.GELU(), x, rng, "gelu")
    layer, module = nk.Activation("prelu"), torch.nn.PReLU()  # one shared slope, 0.25, in both
    run_both(layer, module, x, rng, "prelu")
    assert_equal(layer.activation.slope.grad, module.weight.grad, 1e-4, "prelu slope gradient")


@pytest.mark.parametrize(("shape", "momentum", "eps"), [((4, 3, 5, 6), 0.1, 1e-5), ((2, 5, 3, 3), 0.3, 1e-3),
                                                        ((1, 2, 4, 7), 1.0, 1e-5)])
def test_batchnorm2d_equals_torch_in_training_and_eval(shape, momentum, eps):
    rng = np.random.default_rng(shape[1])
    c = shape[1]
    layer = nk.BatchNorm2d(c, momentum=momentum, eps=eps)
    module = torch.nn.BatchNorm2d(c, momentum=momentum, eps=eps)
    gamma, beta = rng.uniform(0.5, 2.0, c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    layer.gamma.data[:], layer.beta.data[:] = gamma, beta
    with torch.no_grad():
        module.weight.copy_(torch.tensor(gamma))
        module.bias.copy_(torch.tensor(beta))
    for step in range(2):  # training: batch statistics, running averages updated twice
        x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
        run_both(layer, module, x, rng, f"BatchNorm2d training step {step}")
        assert_equal(layer.gamma.grad, module.weight.grad, 1e-4, "gamma gradient")
        assert_equal(layer.beta.grad, module.bias.grad, 1e-4, "beta gradient")
        layer.zero_grad()
        module.zero_grad()
        assert_equal(layer.running_mean, module.running_mean, 1e-5, "running mean")
        assert_equal(layer.running_var, module.running_var, 1e-5, "running variance")
    layer.eval()
    module.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    run_both(layer, module, x, rng, "BatchNorm2d eval")
    assert_equal(layer.gamma.grad, module.weight.grad, 1e-4, "gamma gradient (eval)")


def test_batchnorm2d_training_gradients_match_finite_differences():
    """The fused training computation (x, γ, β) against central differences in float64, batch and one image."""
    rng = np.random.default_rng(10)
    for shape in ((3, 2, 3, 2), (2, 4, 3)):
        c = shape[-3]
        fused = lambda x, gamma, beta: _BatchNorm2dTraining.apply(x, gamma, beta, eps=1e-3, stats={})  # noqa: E731
        assert nk.gradcheck(fused, rng.standard_normal(shape) * 2 + 1, rng.uniform(0.5, 2, c), rng.standard_normal(c),
                            rtol=1e-6)


def test_a_small_network_equals_torch():
    """BatchNorm2d -> Activation -> MaxPool2d -> AvgPool2d -> Flatten -> Dense in one Sequential, weights copied."""
    rng = np.random.default_rng(8)
    net = nk.Sequential(nk.BatchNorm2d(2), nk.Activation("relu"), nk.MaxPool2d(2), nk.AvgPool2d(3, 1, 1),
                        nk.Flatten(), nk.Dense(2 * 4 * 3, 5, activation="identity", seed=0))
    module = torch.nn.Sequential(torch.nn.BatchNorm2d(2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.AvgPool2d(3, 1, 1), torch.nn.Flatten(), torch.nn.Linear(24, 5))
    with torch.no_grad():
        module[5].weight.copy_(torch.tensor(net[5].weight.data))
        module[5].bias.copy_(torch.tensor(net[5].bias.data))
    x = rng.standard_normal((3, 2, 9, 7)).astype(np.float32)
    run_both(net, module, x, rng, "network")
    assert_equal(net[5].weight.grad, module[5].weight.grad, 1e-4, "dense weight gradient")


# ------------------------------------------------------------ the 2x2 fast path against the general one


@pytest.mark.parametrize("shape", [(2, 3, 8, 6), (2, 3, 9, 7), (1, 2, 5, 4), (1, 1, 2, 2)])
def test_the_2x2_fast_paths_equal_the_general_paths(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, :2] = x[0, 0, 1, :2] = 1.5  # a window of four tied maxima: the first one wins in both
    geometry = pool_geometry(shape[2:], 2)
    g = rng.standard_normal((shape[0], shape[1], *geometry.out)).astype(np.float32)
    for fast, general in ((pool._max_pool_2x2, pool._max_pool_general), (pool._avg_pool_2x2, pool._avg_pool_general)):
        out_fast, vjp_fast = fast(x, geometry)
        out_general, vjp_general = general(x, geometry)
        np.testing.assert_array_equal(out_fast, out_general)
        np.testing.assert_allclose(vjp_fast(g)[0], vjp_general(g)[0], rtol=0, atol=1e-7)
    assert pool.max_pool2d(Tensor(x), 2).data.shape == (shape[0], shape[1], shape[2] // 2, shape[3] // 2)


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, None, 0), (3, 2, 1), ((2, 3), 1, (1, 0))])
def test_the_prediction_path_equals_forward(kernel, stride, padding):
    """``infer`` on arrays (no winners kept, the geometry remembered per input size) gives forward's values."""
    rng = np.random.default_rng(9)
    for layer in (nk.MaxPool2d(kernel, stride, padding, name="p"), nk.AvgPool2d(kernel, stride, padding, name="p")):
        for shape in ((2, 3, 9, 8), (1, 2, 6, 7), (2, 3, 9, 8)):  # a new size, then the first again
            x = rng.standard_normal(shape).astype(np.float32)
            np.testing.assert_array_equal(layer.infer(x), layer(x).data)
        too_small = (1, 1, 1, 1) if padding == 0 else (1, 1, 0, 1)
        with pytest.raises(ShapeError, match=f"layer 'p' .*got shape {re.escape(str(too_small))}"):
            layer.infer(np.zeros(too_small, dtype=np.float32))
    x = rng.standard_normal((2, 3, 4, 5))
    assert nk.Flatten().infer(x).shape == (2, 60) and np.shares_memory(nk.Flatten().infer(x), x)


def test_ties_send_the_gradient_to_the_first_maximum_as_torch():
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, 1.0, 2.0], [2.0, 0.0, 2.0]]]], dtype=np.float32)
    for kernel, stride in ((2, 2), (2, 1), (3, 1)):
        ours = Tensor(x, requires_grad=True)
        pool.max_pool2d(ours, kernel, stride).sum().backward()
        theirs = torch.tensor(x, requires_grad=True)
        F.max_pool2d(theirs, kernel, stride).sum().backward()
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


# ------------------------------------------------------------------ hand-worked values


def test_hand_worked_max_pool_with_padding():
    """3x3 image, 2x2 windows, stride 2, padding 1: windows of the -inf-padded 5x5 grid."""
    x = Tensor(np.array([[[[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0], [7.0, -8.0, 9.0]]]]), requires_grad=True)
    y = pool.max_pool2d(x, 2, stride=2, padding=1)
    # windows: {1}, {-2, 3}, {-4, 7}, {5, -6, -8, 9}
    np.testing.assert_array_equal(y.data[0, 0], [[1.0, 3.0], [7.0, 9.0]])
    y.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    np.testing.assert_array_equal(x.grad[0, 0], [[10.0, 0.0, 20.0], [0.0, 0.0, 0.0], [30.0, 0.0, 40.0]])


def test_hand_worked_avg_pool_counts_the_padding():
    """count_include_pad: the corner window of a padded 2x2 image holds one value and three zeros."""
    x = Tensor(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]), requires_grad=True)
    y = pool.avg_pool2d(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(y.data[0, 0], [[40 / 9, 40 / 9], [40 / 9, 40 / 9]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], np.full((2, 2), 4 / 9))
    np.testing.assert_array_equal(pool.avg_pool2d(x, 2, padding=1).data[0, 0], [[1.0, 2.0], [3.0, 4.0]])


def test_output_shapes_follow_the_floor_rule():
    assert nk.MaxPool2d(2).output_shape((16, 26, 26)) == (16, 13, 13)
    assert nk.MaxPool2d(2).output_shape((32, 11, 11)) == (32, 5, 5)
    assert nk.AvgPool2d(3, stride=2, padding=1).output_shape((4, 7, 8)) == (4, 4, 4)
    assert nk.MaxPool1d(3, stride=2).output_shape((5, 10)) == (5, 4)
    assert nk.GlobalAvgPool2d().output_shape((7, 3, 3)) == (7,)
    assert nk.Flatten().output_shape((32, 5, 5)) == (800,)
    assert nk.BatchNorm2d(3).output_shape((3, 4, 4)) == (3, 4, 4)
    assert nk.Activation("tanh").output_shape((3, 4)) == (3, 4)
    for layer in (nk.MaxPool2d(2), nk.AvgPool2d(2), nk.GlobalAvgPool2d(), nk.Flatten(), nk.BatchNorm2d(3)):
        x = np.ones((2, 3, 6, 5), dtype=np.float32)
        assert layer(x).shape == (2, *layer.output_shape((3, 6, 5)))


def test_name_prefixes():
    assert [layer.name_prefix for layer in (nk.MaxPool2d(2), nk.AvgPool2d(2), nk.MaxPool1d(2), nk.AvgPool1d(2),
                                            nk.GlobalAvgPool2d())] == ["pool"] * 5
    assert (nk.Flatten().name_prefix, nk.Activation("relu").name_prefix, nk.BatchNorm2d(2).name_prefix) == \
        ("flatten", "activation", "batchnorm")


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: nk.MaxPool2d(0), ParameterError, "MaxPool2d kernel_size must be an integer >= 1 or a pair of them; "
                                              "got 0"),
    (lambda: nk.MaxPool2d(2.0), ParameterTypeError, "MaxPool2d kernel_size must be .*; got 2.0"),
    (lambda: nk.AvgPool2d((2, 2, 2)), ParameterTypeError, r"AvgPool2d kernel_size must be .*; got \(2, 2, 2\)"),
    (lambda: nk.AvgPool2d(2, stride=0), ParameterError, "AvgPool2d stride must be an integer >= 1"),
    (lambda: nk.MaxPool2d(3, padding=2), ParameterError, "MaxPool2d padding must be at most half the kernel size 3; "
                                                         "got 2; pad less"),
    (lambda: nk.MaxPool1d((2, 2)), ParameterTypeError, r"MaxPool1d kernel_size must be an integer >= 1; got \(2, 2\)"),
    (lambda: nk.AvgPool2d(2, padding=-1), ParameterError, "AvgPool2d padding must be an integer >= 0"),
    (lambda: nk.BatchNorm2d(0), ParameterError, "BatchNorm2d num_features must be an integer >= 1; got 0"),
    (lambda: nk.Activation("relux"), ParameterError, "relux"),
])
def test_bad_arguments_are_refused_with_the_rule(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(("layer", "shape", "message"), [
    (nk.MaxPool2d(3, name="pool1"), (2, 3, 2, 8), r"layer 'pool1' \(MaxPool2d, kernel_size=3, padding=0\) needs "
                                                   r"inputs of at least the kernel size .*got shape \(2, 3, 2, 8\)"),
    (nk.MaxPool2d(2, name="pool1"), (2, 8), r"layer 'pool1' \(MaxPool2d\) takes images \(N, C, H, W\) or one image "
                                            r"\(C, H, W\); got shape \(2, 8\)"),
    (nk.AvgPool1d(2, name="p"), (2, 3, 4, 4), r"layer 'p' \(AvgPool1d\) takes sequences \(N, C, L\) .*got shape "
                                              r"\(2, 3, 4, 4\)"),
    (nk.GlobalAvgPool2d(name="gap"), (2, 8), r"layer 'gap' \(GlobalAvgPool2d\) takes images .*got shape \(2, 8\)"),
    (nk.BatchNorm2d(3, name="bn"), (2, 4, 5, 5), r"layer 'bn' \(BatchNorm2d\) takes images \(N, C=3, H, W\) or one "
                                                 r"image \(C=3, H, W\); got shape \(2, 4, 5, 5\)"),
    (nk.BatchNorm2d(3, name="bn"), (1, 3, 1, 1), r"layer 'bn' needs more than one value per channel in training"),
    (nk.Flatten(name="flat"), (5,), r"layer 'flat' \(Flatten\) takes a batch \(N, \.\.\.\) with at least 2 "
                                    r"dimensions.*got shape \(5,\)"),
])
def test_bad_shapes_name_the_layer_and_the_shape(layer, shape, message):
    with pytest.raises(ShapeError, match=message):
        layer(np.zeros(shape, dtype=np.float32))


def test_output_shape_refuses_what_does_not_fit():
    with pytest.raises(ShapeError, match=r"layer 'MaxPool2d' .*got shape \(16, 1, 1\)"):
        nk.MaxPool2d(2).output_shape((16, 1, 1))
    with pytest.raises(ShapeError, match=r"C=8.*got shape \(4, 5, 5\)"):
        nk.BatchNorm2d(8).output_shape((4, 5, 5))


def test_engine_pools_refuse_wrong_ranks_and_sizes():
    with pytest.raises(ShapeError, match=r"max_pool2d takes a batch of shape \(N, C, H, W\); got shape \(3, 4, 4\)"):
        pool.max_pool2d(Tensor(np.zeros((3, 4, 4))), 2)
    with pytest.raises(ShapeError, match=r"avg_pool2d: an input of spatial size \(1, 4\) is smaller than the kernel"):
        pool.avg_pool2d(Tensor(np.zeros((1, 1, 1, 4))), 2)
    with pytest.raises(ShapeError, match=r"max_pool1d takes a batch of shape \(N, C, L\)"):
        pool.max_pool1d(Tensor(np.zeros((3, 4))), 2)
    with pytest.raises(ParameterTypeError, match="avg_pool1d kernel_size must be an integer; got"):
        pool.avg_pool1d(Tensor(np.zeros((1, 3, 4))), (1, 2))


def test_the_activation_layer_has_no_neurons():
    with pytest.raises(AttributeError, match="has no neurons"):
        nk.Activation("relu").neurons  # noqa: B018
