"""Spiking layers (SpikingDense, SpikingConv2d, Temporal) and their neuron views.

The layers are checked against their definition: the weight layer applied at each time step,
then the neuron model over time (a small integrate-and-fire neuron written here as a plain
loop, and a smooth leaky integrator for float64 gradient checks), and, with the library's LIF,
against nn.Linear/nn.Conv2d + snntorch.Leaky with the weights copied.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.engine import Tensor, ops
from neuronkit.errors import IndexRangeError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.spiking.layers import SpikingConv2d, SpikingDense, Temporal
from neuronkit.spiking.neurons import SpikingNeuron
from neuronkit.spiking.record import record


class IF(SpikingNeuron):
    """Integrate and fire: mem_t = mem_{t-1} + I_t; a spike when mem_t >= 1, which then subtracts 1."""

    def initial_state(self, shape, dtype=np.float32):
        return {"mem": np.zeros(shape, dtype=dtype)}

    def step(self, current, state):
        mem = state["mem"] + current
        spikes = (mem.data >= 1.0).astype(mem.dtype)
        return spikes, {"mem": mem - spikes}


class SoftLeaky(SpikingNeuron):
    """A smooth stand-in for gradient checks: mem_t = 0.8 mem_{t-1} + I_t, output sigmoid(mem_t)."""

    def initial_state(self, shape, dtype=np.float32):
        return {"mem": np.zeros(shape, dtype=dtype)}

    def step(self, current, state):
        mem = state["mem"] * 0.8 + current
        return ops.sigmoid(mem), {"mem": mem}


def if_loop(currents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The IF neuron in plain NumPy: spikes and membranes (T, ...)."""
    mem = np.zeros(currents.shape[1:], dtype=np.float64)
    spikes, mems = [], []
    for current in currents.astype(np.float64):
        mem = mem + current
        s = (mem >= 1.0).astype(np.float64)
        mem = mem - s
        spikes.append(s)
        mems.append(mem)
    return np.array(spikes), np.array(mems)


rng = np.random.default_rng(13)


def spikes_in(*shape: int, p: float = 0.4) -> np.ndarray:
    return (rng.random(shape) < p).astype(np.float32)


# ------------------------------------------------------------------ SpikingDense
def test_a_hand_worked_spiking_dense_neuron():
    """Weights [0.5, 0.25], bias 0.1; inputs x_1..x_4 = [1,0], [1,1], [0,1], [1,0]:
    currents 0.6, 0.85, 0.35, 0.6; IF membrane 0.6, 1.45 -> spike, 0.45 + 0.35 = 0.8, 1.4 -> spike."""
    layer = SpikingDense(2, 1, neuron=IF(), seed=0)
    layer.synapse.weight.data[:] = [[0.5, 0.25]]
    layer.synapse.bias.data[:] = [0.1]
    x = np.array([[[1, 0]], [[1, 1]], [[0, 1]], [[1, 0]]], dtype=np.float32)
    with record() as rec:
        out = layer(x)
    np.testing.assert_array_equal(out.data.ravel(), [0, 1, 0, 1])
    np.testing.assert_allclose(layer.currents(x).data.ravel(), [0.6, 0.85, 0.35, 0.6], rtol=1e-6)
    # the neuron records under the layer's name (it takes it when the layer runs)
    assert layer.name is None and list(rec) == [f"if@{id(layer.neuron):x}"]
    layer.name = "spiking1"
    with record() as rec:
        layer(x)
    np.testing.assert_allclose(rec["spiking1"]["mem"].ravel(), [0.6, 0.45, 0.8, 0.4], rtol=1e-6)


def test_spiking_dense_is_dense_at_each_step_then_the_neuron():
    layer = SpikingDense(7, 5, neuron=IF(), seed=1)
    layer.synapse.bias.data[:] = rng.normal(0, 0.3, 5)
    x = spikes_in(9, 4, 7)
    dense = nk.Dense(7, 5, activation="identity", seed=0)
    dense.load_state_dict(layer.synapse.state_dict())
    currents = np.stack([dense(x[t]).data for t in range(9)])
    expected, _ = if_loop(currents)
    out = layer(x).data
    assert out.shape == (9, 4, 5) and out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)
    assert 0 < out.mean() < 1  # both spikes and silence occur, so the comparison could fail
    # one sample (T, in) is a batch of one
    np.testing.assert_array_equal(layer(x[:, 2]).data, out[:, 2])
    np.testing.assert_array_equal(layer.infer(x), out)


def test_spiking_dense_gradients_pass_float64_finite_differences():
    layer = SpikingDense(4, 3, neuron=SoftLeaky(), seed=2, dtype=np.float64)
    x = rng.normal(size=(5, 2, 4))
    W, b = layer.synapse.weight.data.copy(), rng.normal(size=3)

    def run(x, W, b):
        layer.synapse.weight, layer.synapse.bias = W, b
        return layer(x)

    assert nk.gradcheck(run, x, W, b)


def test_spiking_dense_gradients_equal_the_per_step_composition():
    layer = SpikingDense(6, 4, neuron=SoftLeaky(), seed=3)
    x = Tensor(spikes_in(8, 3, 6), requires_grad=True)
    g = rng.normal(size=(8, 3, 4)).astype(np.float32)
    (layer(x) * g).sum().backward()
    got = {name: p.grad.copy() for name, p in layer.named_parameters()}
    got_x = x.grad.copy()
    layer.zero_grad()
    x2 = Tensor(x.data.copy(), requires_grad=True)
    currents = ops.stack([layer.synapse(x2[t]) for t in range(8)], axis=0)
    (layer.neuron(currents) * g).sum().backward()
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(got[name], p.grad, rtol=1e-5, atol=1e-6 * np.abs(p.grad).max())
        assert np.abs(p.grad).max() > 0
    np.testing.assert_allclose(got_x, x2.grad, rtol=1e-5, atol=1e-7)


def test_parameters_are_the_synapse_and_the_neuron():
    layer = SpikingDense(3, 2, neuron=IF(), seed=0, name="s")
    assert [name for name, _ in layer.named_parameters()] == ["synapse.weight", "synapse.bias"]
    assert layer.weight is layer.synapse.weight and layer.bias is layer.synapse.bias
    assert SpikingDense(3, 2, neuron=IF(), bias=False, seed=0).bias is None
    net = nk.Sequential(SpikingDense(3, 4, neuron=IF(), seed=0), SpikingDense(4, 2, neuron=IF(), seed=1))
    assert [layer.name for layer in net] == ["spiking1", "spiking2"]
    assert net.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2
    assert net(spikes_in(6, 5, 3)).shape == (6, 5, 2)


def test_the_same_seed_draws_the_same_weights():
    a = SpikingDense(5, 3, neuron=IF(), seed=4)
    b = SpikingDense(5, 3, neuron=IF(), rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a.synapse.weight.data, b.synapse.weight.data)
    assert not np.array_equal(a.synapse.weight.data, SpikingDense(5, 3, neuron=IF(), seed=5).synapse.weight.data)


def test_output_shape_with_and_without_the_time_axis():
    layer = SpikingDense(6, 3, neuron=IF(), seed=0, name="spiking1")
    assert layer.output_shape((6,)) == (3,)
    assert layer.output_shape((25, 6)) == (25, 3)
    with pytest.raises(ShapeError, match=r"layer 'spiking1' takes 6 inputs per time step; the layer before it "
                                         r"gives \(2, 3, 3\): flatten it first"):
        layer.output_shape((2, 3, 3))
    with pytest.raises(ShapeError, match=r"gives \(5,\): give it 6 inputs"):
        layer.output_shape((5,))


@pytest.mark.parametrize("shape, message", [
    ((6,), r"got shape \(6,\), which has no time axis: put an encoder first \(rate\(25\)"),
    ((4, 3, 5), r"takes time-major input \(T, batch, 6\) or one sample \(T, 6\); got shape \(4, 3, 5\)"),
    ((2, 4, 3, 6), r"got shape \(2, 4, 3, 6\)"),
    ((0, 3, 6), r"T = 0 time steps \(shape \(0, 3, 6\)\)"),
])
def test_spiking_dense_refuses_bad_inputs_naming_the_layer(shape, message):
    layer = SpikingDense(6, 3, neuron=IF(), seed=0, name="spiking1")
    for call in (layer, layer.infer):
        with pytest.raises(ShapeError, match="layer 'spiking1' .*" + message):
            call(np.zeros(shape, dtype=np.float32))


def test_spiking_dense_refuses_bad_arguments():
    with pytest.raises(ParameterError, match="SpikingDense out_features must be an integer >= 1; got 0"):
        SpikingDense(3, 0, neuron=IF())
    with pytest.raises(ParameterTypeError, match=r"SpikingDense neuron must be a spiking neuron model \(nk.spiking."
                                                 r"LIF\(...\), ...\) or its name; got 'Dense'"):
        SpikingDense(3, 2, neuron=nk.Dense(2, 2, seed=0))
    with pytest.raises(ParameterTypeError, match="SpikingDense neuron must be a spiking neuron model or its name"):
        SpikingDense(3, 2, neuron=3.5)


# ------------------------------------------------------------------ SpikingConv2d
def test_spiking_conv2d_is_conv2d_at_each_step_then_the_neuron():
    layer = SpikingConv2d(2, 3, 3, stride=1, padding=1, neuron=IF(), seed=5)
    layer.synapse.bias.data[:] = [0.2, -0.1, 0.4]
    x = spikes_in(6, 2, 2, 5, 4)
    conv = nk.Conv2d(2, 3, 3, padding=1, seed=0)
    conv.load_state_dict(layer.synapse.state_dict())
    currents = np.stack([conv(x[t]).data for t in range(6)])
    expected, _ = if_loop(currents)
    out = layer(x).data
    assert out.shape == (6, 2, 3, 5, 4)
    np.testing.assert_array_equal(out, expected)
    assert 0 < out.mean() < 1
    np.testing.assert_array_equal(layer(x[:, 1]).data, out[:, 1])
    assert layer.output_shape((2, 5, 4)) == (3, 5, 4) and layer.output_shape((6, 2, 5, 4)) == (6, 3, 5, 4)


def test_spiking_conv2d_gradients_pass_float64_finite_differences():
    layer = SpikingConv2d(1, 2, 2, stride=2, neuron=SoftLeaky(), seed=6, dtype=np.float64)
    x = rng.normal(size=(3, 2, 1, 4, 4))

    def run(x, W, b):
        layer.synapse.weight, layer.synapse.bias = W, b
        return layer(x)

    assert nk.gradcheck(run, x, layer.synapse.weight.data.copy(), rng.normal(size=2))


@pytest.mark.parametrize("shape, message", [
    ((2, 5, 5), r"got shape \(2, 5, 5\), which has no time axis"),
    ((4, 3, 3, 5, 5), r"got shape \(4, 3, 3, 5, 5\)"),
    ((4, 3, 2, 1, 1), r"its 3x3 kernel does not fit images of \(1, 1\)"),
])
def test_spiking_conv2d_refuses_bad_inputs_naming_the_layer(shape, message):
    layer = SpikingConv2d(2, 3, 3, neuron=IF(), seed=0, name="sconv")
    with pytest.raises(ShapeError, match="layer 'sconv'.*" + message):
        layer(np.zeros(shape, dtype=np.float32))


# ------------------------------------------------------------------ Temporal
def test_temporal_pooling_and_flatten_apply_at_each_step():
    x = rng.normal(size=(4, 3, 2, 6, 6)).astype(np.float32)
    pool = Temporal(nk.MaxPool2d(2))
    expected = np.stack([nk.MaxPool2d(2)(x[t]).data for t in range(4)])
    np.testing.assert_array_equal(pool(x).data, expected)
    np.testing.assert_array_equal(pool.infer(x), expected)
    np.testing.assert_array_equal(pool(x[:, 1]).data, expected[:, 1])  # one sample (T, C, H, W)
    assert pool.output_shape((2, 6, 6)) == (2, 3, 3) and pool.output_shape((4, 2, 6, 6)) == (4, 2, 3, 3)
    flat = Temporal(nk.Flatten())
    np.testing.assert_array_equal(flat(x).data, x.reshape(4, 3, 72))
    assert flat.output_shape((2, 6, 6)) == (72,)
    avg = Temporal(nk.AvgPool2d(3))
    np.testing.assert_allclose(avg(x).data[2, 1, 0, 0, 0], x[2, 1, 0, :3, :3].mean(), rtol=1e-6)


def test_temporal_dropout_draws_a_mask_per_step_and_is_identity_in_eval():
    drop = Temporal(nk.Dropout(0.5, seed=0))
    x = np.ones((6, 2, 50), dtype=np.float32)
    y = drop(x).data
    assert set(np.unique(y)) == {0.0, 2.0}
    assert not np.array_equal(y[0], y[1])  # a fresh mask per time step
    with nk.eval_mode():
        np.testing.assert_array_equal(drop(x).data, x)


def test_temporal_gradients_pass_through_the_merged_axes():
    pool = Temporal(nk.AvgPool2d(2))
    assert nk.gradcheck(lambda x: pool(x), rng.normal(size=(2, 3, 1, 4, 4)))


def test_temporal_refuses_layers_with_memory_and_bad_inputs():
    with pytest.raises(ParameterError, match="a SpikingDense runs over time itself"):
        Temporal(SpikingDense(3, 2, neuron=IF(), seed=0))
    with pytest.raises(ParameterTypeError, match="Temporal layer must be a layer"):
        Temporal("maxpool")
    pool = Temporal(nk.MaxPool2d(2), name="tpool")
    with pytest.raises(ShapeError, match=r"layer 'tpool' takes time-major input \(T, batch, ...\); got shape \(5,\)"):
        pool(np.zeros(5, dtype=np.float32))
    with pytest.raises(ShapeError, match=r"layer 'tpool' applies MaxPool2d at each time step of \(T, batch, ...\); "
                                         r"got shape \(3, 2, 4\)"):
        pool(np.zeros((3, 2, 4), dtype=np.float32))
    with pytest.raises(ShapeError, match="T = 0 time steps"):
        pool(np.zeros((0, 2, 1, 4, 4), dtype=np.float32))


# ------------------------------------------------------------------ neuron views
def test_neuron_views_see_the_weights_bias_and_model():
    layer = SpikingDense(3, 4, neuron=IF(), seed=0, name="s")
    n = layer.neurons[2]
    assert len(layer.neurons) == 4 and n.label == "s[2]" and n.model is layer.neuron
    n.weights[:] = [1.0, -2.0, 0.5]
    np.testing.assert_array_equal(layer.synapse.weight.data[2], [1.0, -2.0, 0.5])
    n.bias = 0.25
    assert layer.synapse.bias.data[2] == 0.25 and n.bias == 0.25
    assert [v.index for v in layer.neurons] == [0, 1, 2, 3] and layer.neurons[-1].index == 3
    with pytest.raises(IndexRangeError, match=r"layer 's' has 4 neurons \(0..3\); got index 4"):
        layer.neurons[4]
    with pytest.raises(ParameterTypeError, match="neuron index"):
        layer.neurons["2"]
    with pytest.raises(ParameterError, match=r"neuron s\[2\] is a spiking neuron: it has no activation"):
        _ = n.activation
    conv = SpikingConv2d(2, 3, 3, neuron=IF(), seed=0, name="c")
    assert conv.neurons[1].weights.shape == (2, 3, 3)


def test_explain_shows_each_step_and_agrees_with_the_layer():
    layer = SpikingDense(3, 2, neuron=IF(), seed=0, name="s")
    layer.synapse.weight.data[:] = [[0.5, 0.25, -0.125], [0.0, 0.0, 0.0]]
    layer.synapse.bias.data[:] = [0.125, 0.0]
    x = np.array([[1, 0, 0], [1, 1, 1], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    e = layer.neurons[0].explain(x)
    np.testing.assert_array_equal(e.currents, [0.625, 0.75, 0.0, 0.875])
    np.testing.assert_array_equal(e.membrane, [0.625, 0.375, 0.375, 0.25])
    np.testing.assert_array_equal(e.spikes, [0, 1, 0, 1])
    with record() as rec:
        spikes = layer(x).data[:, 0]
    np.testing.assert_array_equal(spikes, e.spikes)
    np.testing.assert_allclose(rec["s"]["mem"][:, 0, 0], e.membrane, rtol=1e-6)
    text = str(e).splitlines()
    assert text[0] == "s[0] (IF) over 4 time steps (sample 0)"
    assert text[4] == "  t=2  input current  I = w·x + b = w1 + w2 + w3 + b = 0.5 + 0.25 - 0.125 + 0.125 = 0.75"
    assert text[5] == "       state          mem: 0.625 -> 0.375"
    assert text[6] == "       threshold      SPIKE"
    assert text[7] == "  t=3  input current  I = w·x + b = w3 + b = -0.125 + 0.125 = 0"
    assert text[-1] == "  spikes  0 1 0 1   (2 spikes in 4 steps: rate 0.5)"
    # a batch and a sample index; inputs that are not 0/1 show their products
    batch = np.stack([x * 0.5, x], axis=1)
    assert layer.neurons[0].explain(batch, sample=1).spikes.tolist() == [0, 1, 0, 1]
    half = str(layer.neurons[0].explain(batch, sample=0)).splitlines()
    assert half[1] == "  t=1  input current  I = w·x + b = w1·x1 + b = 0.25 + 0.125 = 0.375"
    assert e.to_dict()["steps"][1]["terms"] == [[0, 1.0, 0.5], [1, 1.0, 0.25], [2, 1.0, -0.125]]


def test_explain_shows_only_the_largest_products_when_there_are_many():
    layer = SpikingDense(10, 1, neuron=IF(), seed=0, name="s")
    layer.synapse.weight.data[0] = np.arange(1, 11) / 100
    e = layer.neurons[0].explain(np.ones((1, 10), dtype=np.float32), top=3)
    assert str(e).splitlines()[1] == ("  t=1  input current  I = w·x + b = w8 + w9 + w10 + … 7 more + b = "
                                      "0.08 + 0.09 + 0.1 + 0.28 + 0 = 0.55")


@pytest.mark.parametrize("x, sample, error, message", [
    (np.zeros(3), 0, ShapeError, r"got shape \(3,\) \(no time axis: give \(T, 3\), e.g. the encoder's output\)"),
    (np.zeros((4, 2)), 0, ShapeError, r"takes inputs over time \(T, 3\) or \(T, batch, 3\); got shape \(4, 2\)"),
    (np.zeros((0, 3)), 0, ShapeError, "T = 0 time steps"),
    (np.zeros((4, 2, 3)), 2, ParameterError, r"neuron s\[1\] sample must be an integer in \[0, 1\]; got 2"),
    (np.full((2, 3), np.nan), 0, ValueError, r"neuron s\[1\]: inputs_over_time has a non-finite value"),
])
def test_explain_refuses_bad_inputs(x, sample, error, message):
    layer = SpikingDense(3, 2, neuron=IF(), seed=0, name="s")
    with pytest.raises(error, match=message):
        layer.neurons[1].explain(x, sample=sample)


# ------------------------------------------------------------------ against snnTorch
def _relative(got, ref):
    return float(np.abs(np.asarray(got, dtype=np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_spiking_dense_equals_linear_and_snntorch_leaky(reset):
    """nn.Linear + snntorch.Leaky over T, weights copied: the same spikes, membranes and weight gradients."""
    import snntorch
    import torch
    from snntorch import surrogate

    T, B, fin, fout = 25, 16, 20, 12
    layer = SpikingDense(fin, fout, neuron=nk.spiking.LIF(beta=0.9, reset=reset), seed=7, name="spiking1")
    layer.synapse.weight.data *= 2.0
    layer.synapse.bias.data[:] = rng.normal(0, 0.2, fout)
    fc = torch.nn.Linear(fin, fout)
    with torch.no_grad():
        fc.weight.copy_(torch.from_numpy(layer.synapse.weight.data))
        fc.bias.copy_(torch.from_numpy(layer.synapse.bias.data))
    leaky = snntorch.Leaky(beta=0.9, spike_grad=surrogate.fast_sigmoid(slope=25), reset_mechanism=reset)
    x = spikes_in(T, B, fin, p=0.5)
    g = rng.normal(size=(T, B, fout)).astype(np.float32)

    mem = leaky.init_leaky()
    spikes, mems = [], []
    xt = torch.from_numpy(x)
    for t in range(T):
        spk, mem = leaky(fc(xt[t]), mem)
        spikes.append(spk)
        mems.append(mem)
    ref = torch.stack(spikes)
    (ref * torch.from_numpy(g)).sum().backward()

    with record() as rec:
        out = layer(x)
    (out * g).sum().backward()
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    assert 0.05 < out.data.mean() < 0.95
    assert _relative(rec["spiking1"]["mem"], torch.stack(mems).detach().numpy()) <= 1e-5
    assert _relative(layer.synapse.weight.grad, fc.weight.grad.numpy()) <= 1e-4
    assert _relative(layer.synapse.bias.grad, fc.bias.grad.numpy()) <= 1e-4


def test_spiking_conv2d_equals_conv2d_and_snntorch_leaky():
    import snntorch
    import torch
    from snntorch import surrogate

    T, B = 10, 4
    layer = SpikingConv2d(2, 3, 3, stride=1, padding=1, neuron=nk.spiking.LIF(beta=0.8), seed=8, name="sconv")
    layer.synapse.weight.data *= 3.0
    conv = torch.nn.Conv2d(2, 3, 3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(layer.synapse.weight.data))
        conv.bias.copy_(torch.from_numpy(layer.synapse.bias.data))
    leaky = snntorch.Leaky(beta=0.8, spike_grad=surrogate.fast_sigmoid(slope=25))
    x = spikes_in(T, B, 2, 6, 6, p=0.5)
    g = rng.normal(size=(T, B, 3, 6, 6)).astype(np.float32)
    mem = leaky.init_leaky()
    spikes = []
    for t in range(T):
        spk, mem = leaky(conv(torch.from_numpy(x[t])), mem)
        spikes.append(spk)
    ref = torch.stack(spikes)
    (ref * torch.from_numpy(g)).sum().backward()
    out = layer(x)
    (out * g).sum().backward()
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    assert 0.05 < out.data.mean() < 0.95
    assert _relative(layer.synapse.weight.grad, conv.weight.grad.numpy()) <= 1e-4
    assert _relative(layer.synapse.bias.grad, conv.bias.grad.numpy()) <= 1e-4


def test_neuron_views_of_a_lif_layer_explain_its_membrane():
    """The LIF arithmetic written out: leak β·mem, the input current, the reset of the step after a spike."""
    lif = nk.spiking.LIF(beta=0.5, learn_threshold=True)
    layer = SpikingDense(2, 2, neuron=lif, seed=0, name="spiking1")
    layer.synapse.weight.data[:] = [[0.5, 0.25], [0.0, 0.0]]
    layer.synapse.bias.data[:] = [0.25, 0.0]
    x = np.array([[1, 1], [1, 0], [1, 1], [0, 0]], dtype=np.float32)
    n = layer.neurons[0]
    assert n.model_parameters["beta"] == 0.5 and n.model_parameters["threshold"] == 1.0
    e = n.explain(x)
    # currents 1, 0.75, 1, 0.25; mem 1 (not > 1), 0.5 + 0.75 = 1.25 -> spike, 0.625 + 1 - 1 = 0.625, 0.3125 + 0.25
    np.testing.assert_array_equal(e.currents, [1.0, 0.75, 1.0, 0.25])
    np.testing.assert_array_equal(e.membrane, [1.0, 1.25, 0.625, 0.5625])
    np.testing.assert_array_equal(e.spikes, [0, 1, 0, 0])
    with record() as rec:
        np.testing.assert_array_equal(layer(x).data[:, 0], e.spikes)
    np.testing.assert_allclose(rec["spiking1"]["mem"][:, 0, 0], e.membrane, rtol=1e-6)
    assert str(e).splitlines() == [
        "spiking1[0] (LIF: β = 0.5, θ = 1, subtract reset) over 4 time steps (sample 0)",
        "  t=1  input current  I = w·x + b = w1 + w2 + b = 0.5 + 0.25 + 0.25 = 1",
        "       leak           β·mem = 0.5 × 0 = 0",
        "       membrane       mem = 0 + 1 = 1",
        "       threshold      1 ≤ θ = 1: no spike",
        "  t=2  input current  I = w·x + b = w1 + b = 0.5 + 0.25 = 0.75",
        "       leak           β·mem = 0.5 × 1 = 0.5",
        "       membrane       mem = 0.5 + 0.75 = 1.25",
        "       threshold      1.25 > θ = 1: SPIKE",
        "  t=3  input current  I = w·x + b = w1 + w2 + b = 0.5 + 0.25 + 0.25 = 1",
        "       leak           β·mem = 0.5 × 1.25 = 0.625",
        "       reset          the spike at t=2 subtracts θ = 1",
        "       membrane       mem = 0.625 + 1 - 1 = 0.625",
        "       threshold      0.625 ≤ θ = 1: no spike",
        "  t=4  input current  I = w·x + b = 0 + b = 0 + 0.25 = 0.25",
        "       leak           β·mem = 0.5 × 0.625 = 0.3125",
        "       membrane       mem = 0.3125 + 0.25 = 0.5625",
        "       threshold      0.5625 ≤ θ = 1: no spike",
        "  spikes  0 1 0 0   (1 spike in 4 steps: rate 0.25)",
    ]
    zero = SpikingDense(2, 1, neuron=nk.spiking.LIF(beta=0.5, reset="zero"), seed=0, name="z")
    zero.synapse.weight.data[:] = [[0.75, 0.75]]
    text = str(zero.neurons[0].explain(np.ones((3, 2), dtype=np.float32))).splitlines()
    assert text[4] == "       threshold      1.5 > θ = 1: SPIKE"
    assert text[6:9] == ["       reset          the spike at t=1 sets mem to 0 (before the leak)",
                         "       leak           β·mem = 0.5 × 0 = 0",
                         "       membrane       mem = 0 + 1.5 = 1.5"]
    np.testing.assert_array_equal(zero.neurons[0].explain(np.ones((3, 2), dtype=np.float32)).membrane, [1.5] * 3)


@pytest.mark.parametrize("neuron", ["li", "alif", "synaptic", {"name": "lif", "beta": 0.7, "refractory": 2.0}])
def test_explain_of_the_other_models_follows_their_own_step(neuron):
    """Models without the LIF text show their state before and after each step; the values are the layer's."""
    layer = SpikingDense(4, 3, neuron=neuron, seed=11, name="out")
    layer.synapse.weight.data *= 3.0
    x = spikes_in(12, 2, 4, p=0.6)
    with record() as rec:
        out = layer(x).data
    for i in range(3):
        e = layer.neurons[i].explain(x, sample=1)
        np.testing.assert_allclose(e.outputs, out[:, 1, i], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(e.membrane, rec["out"]["mem"][:, 1, i], rtol=1e-5, atol=1e-6)
    text = str(e)
    assert "state          mem: 0 -> " in text or "state          syn: 0 -> " in text
    if neuron == "li":
        assert not e.fires and "(a readout: its output is the membrane)" in text and "spikes" not in text
    else:
        assert e.fires and text.splitlines()[-1].startswith("  spikes  ")
    assert 0 < np.abs(out).sum()


def test_a_convolution_neuron_explains_its_patch_at_a_position():
    layer = SpikingConv2d(1, 2, 2, neuron=IF(), seed=0, name="sconv")
    layer.synapse.weight.data[1, 0] = [[0.5, 0.25], [0.0, 0.125]]
    layer.synapse.bias.data[:] = [0.0, 0.125]
    x = np.zeros((3, 1, 3, 3), dtype=np.float32)
    x[:, 0, 1:, 1:] = [[[1, 1], [0, 1]], [[1, 0], [0, 0]], [[1, 1], [1, 1]]]  # the patch at (1, 1), per step
    e = layer.neurons[1].explain(x, at=(1, 1))
    # currents: 0.5 + 0.25 + 0.125 + 0.125 = 1, 0.5 + 0.125 = 0.625, 0.875 + 0.125 = 1
    np.testing.assert_array_equal(e.currents, [1.0, 0.625, 1.0])
    np.testing.assert_array_equal(e.spikes, [1, 0, 1])
    np.testing.assert_array_equal(layer(x).data[:, 1, 1, 1], e.spikes)
    assert str(e).splitlines()[1] == "  t=1  input current  I = w·x + b = w1 + w2 + w4 + b = 0.5 + 0.25 + 0.125 + " \
                                     "0.125 = 1"
    assert e.label == "sconv[1] at (1, 1)"
    with pytest.raises(ParameterError, match=r"give the output position, explain\(inputs_over_time, at=\(i, j\)\)"):
        layer.neurons[1].explain(x)
    with pytest.raises(ShapeError, match=r"no time axis: give \(T, 1, H, W\)"):
        layer.neurons[1].explain(x[0], at=(1, 1))
    with pytest.raises(ParameterError, match="at= is for convolution neurons"):
        SpikingDense(2, 1, neuron=IF(), seed=0).neurons[0].explain(np.zeros((2, 2)), at=(0, 0))
