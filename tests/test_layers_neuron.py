"""Neurons, Dense layers and their neuron views, Sequential, initialisers.

The two worked examples of the seed texts are reproduced exactly, through ``nk.Neuron``
and through a Dense layer's neuron view (docs/worked-examples.md tells the story).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.init import INITIALIZERS, default_for, get_initializer

# ------------------------------------------------- seed example (a): ReLU neuron
# "inputs [0.5, 0.3], weights [0.8, 0.6], bias = 0.2, and ReLU activation:
#  Weighted sum = (0.5 × 0.8) + (0.3 × 0.6) = 0.4 + 0.18 = 0.58; With bias = 0.58 + 0.2 = 0.78;
#  ReLU activation: output = max(0, 0.78) = 0.78"

RELU_X, RELU_W, RELU_B = [0.5, 0.3], [0.8, 0.6], 0.2


def relu_dense(dtype=np.float64) -> nk.Dense:
    layer = nk.Dense(2, 3, activation="relu", seed=0, dtype=dtype)
    layer.neurons[1].weights[:] = RELU_W  # a view: this writes row 1 of layer.weight
    layer.neurons[1].bias = RELU_B
    return layer


def explanations_a():
    return [nk.Neuron(weights=RELU_W, bias=RELU_B, activation="relu").explain(RELU_X),
            relu_dense().neurons[1].explain(RELU_X)]


@pytest.mark.parametrize("explanation", explanations_a(), ids=["Neuron", "Dense.neurons[1]"])
def test_seed_relu_example_fields(explanation):
    e = explanation
    assert e.inputs == (0.5, 0.3) and e.weights == (0.8, 0.6) and e.bias == 0.2
    assert e.products == pytest.approx((0.4, 0.18), abs=1e-15)
    assert e.weighted_sum == pytest.approx(0.58, abs=1e-15)
    assert e.z == pytest.approx(0.78, abs=1e-15)
    assert e.output == pytest.approx(0.78, abs=1e-15)
    assert e.activation == "relu" and e.formula == "max(0, z)"


@pytest.mark.parametrize("explanation", explanations_a(), ids=["Neuron", "Dense.neurons[1]"])
def test_seed_relu_example_text_follows_the_seed_steps_in_order(explanation):
    lines = str(explanation).splitlines()
    assert lines[0].endswith("(relu) on input x = [0.5, 0.3]")
    expected_steps = [  # the seed's order: products, weighted sum, bias, activation, output
        "1. products     w1·x1 = 0.8 × 0.5 = 0.4",
        "w2·x2 = 0.6 × 0.3 = 0.18",
        "2. sum          Σ wi·xi = 0.4 + 0.18 = 0.58",
        "3. add bias     z = 0.58 + 0.2 = 0.78",
        "4. activation   relu(z) = max(0, z) = max(0, 0.78) = 0.78",
        "5. output       0.78",
    ]
    assert len(lines) == 1 + len(expected_steps)
    for line, step in zip(lines[1:], expected_steps, strict=True):
        assert line.strip().startswith(step), (line, step)


def test_seed_relu_example_call_and_layer_forward():
    assert nk.Neuron(weights=RELU_W, bias=RELU_B, activation="relu")(RELU_X) == pytest.approx(0.78, abs=1e-15)
    layer = relu_dense()
    assert layer(RELU_X).data[1] == pytest.approx(0.78, abs=1e-15)
    assert layer.neurons[1](RELU_X) == pytest.approx(0.78, abs=1e-15)
    np.testing.assert_array_equal(layer.weight.data[1], RELU_W)
    assert layer.bias.data[1] == RELU_B


def test_seed_relu_example_in_float32():
    e = relu_dense(np.float32).neurons[1].explain(RELU_X)
    assert e.output == pytest.approx(0.78, rel=1e-7)
    assert "z = 0.58 + 0.2 = 0.78" in str(e)  # 7 significant digits hide float32 rounding


# --------------------------------------------- seed example (b): sigmoid neuron
# "x = (4, 80), w = (0.2, 0.00001), b = 1 ... = (0.808) + 1 = (1.808) ... 1/(1+e^-1.808) = 0.71".
# The formula it states gives 0.2·4 + 0.00001·80 = 0.8 + 0.0008 = 0.8008, z = 1.8008, σ(z) = 0.858246...

SIG_X, SIG_W, SIG_B = [4.0, 80.0], [0.2, 0.00001], 1.0
SIGMA_1_8008 = 1.0 / (1.0 + math.exp(-1.8008))


def sigmoid_dense(dtype=np.float64) -> nk.Dense:
    layer = nk.Dense(2, 1, activation="sigmoid", seed=0, dtype=dtype)
    layer.neurons[0].weights[:] = SIG_W
    layer.neurons[0].bias = SIG_B
    return layer


@pytest.mark.parametrize(
    "explanation",
    [nk.Neuron(weights=SIG_W, bias=SIG_B, activation="sigmoid").explain(SIG_X),
     sigmoid_dense().neurons[0].explain(SIG_X)],
    ids=["Neuron", "Dense.neurons[0]"],
)
def test_seed_sigmoid_example_the_formula_wins(explanation):
    e = explanation
    assert e.products == pytest.approx((0.8, 0.0008), rel=1e-14)
    assert e.weighted_sum == pytest.approx(0.8008, rel=1e-14)  # the text says 0.808
    assert e.z == pytest.approx(1.8008, rel=1e-14)  # the text says 1.808
    assert e.output == pytest.approx(SIGMA_1_8008, rel=1e-14)
    assert round(e.output, 6) == 0.858246  # the text says 0.71
    text = str(e)
    for step in ["0.2 × 4 = 0.8", "1e-05 × 80 = 0.0008", "0.8 + 0.0008 = 0.8008", "z = 0.8008 + 1 = 1.8008",
                 "1 / (1 + e^(-1.8008)) = 0.8582462907", "5. output       0.8582462907"]:
        assert step in text
    assert "0.808 " not in text and "1.808 " not in text and "0.71" not in text


def test_the_seed_sigmoid_texts_numbers_are_inconsistent():
    sigmoid = nk.get_activation("sigmoid")
    as_printed = sigmoid(nk.Tensor([1.808], dtype=np.float64)).item()
    assert round(as_printed, 4) == 0.8591  # σ of the text's own z is not 0.71 either
    assert abs(as_printed - 0.71) > 0.1 and abs(SIGMA_1_8008 - 0.71) > 0.1
    assert 0.00001 * 80 == pytest.approx(0.0008)  # not 0.008, which 0.808 would need


def test_seed_sigmoid_example_through_a_float32_layer():
    layer = sigmoid_dense(np.float32)
    e = layer.neurons[0].explain(SIG_X)
    assert e.output == pytest.approx(SIGMA_1_8008, rel=1e-6)
    assert layer(np.array([SIG_X], dtype=np.float32)).data[0, 0] == pytest.approx(SIGMA_1_8008, rel=1e-6)
    assert "z = 0.8008 + 1 = 1.8008" in str(e)


# ------------------------------------------------------------ neuron views


def test_neuron_views_are_views_onto_rows_of_the_weight_matrix():
    layer = nk.Dense(4, 3, activation="tanh", seed=0)
    assert len(layer.neurons) == 3
    n = layer.neurons[2]
    assert np.shares_memory(n.weights, layer.weight.data)
    n.weights[0] = 5.0
    assert layer.weight.data[2, 0] == 5.0
    n.bias = -1.5
    assert layer.bias.data[2] == -1.5 and n.bias == -1.5
    assert layer.neurons[-1].index == 2
    assert [v.index for v in layer.neurons] == [0, 1, 2]
    assert n.activation is layer.activation


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("relu", "ReLUNeuron(in=4)"), ("sigmoid", "SigmoidNeuron(in=4)"), ("tanh", "TanhNeuron(in=4)"),
     ("identity", "LinearNeuron(in=4)"), ("leaky_relu", "LeakyReLUNeuron(in=4)"), ("prelu", "PReLUNeuron(in=4)"),
     (lambda z: z, "CustomNeuron(in=4)")],
)
def test_neuron_repr(activation, expected):
    assert repr(nk.Dense(4, 8, activation=activation, seed=0).neurons[3]) == expected


def test_every_neuron_explanation_equals_the_layer_forward():
    rng = np.random.default_rng(0)
    x = rng.normal(size=5)
    for activation in ["relu", "sigmoid", "tanh", "elu", "gelu", "softplus", "softmax", "prelu", "identity"]:
        layer = nk.Dense(5, 4, activation=activation, seed=1, dtype=np.float64)
        layer.bias.data[:] = rng.normal(size=4)
        if activation == "prelu":
            layer.activation.slope.data[:] = [0.1, 0.2, 0.3, 0.4]  # per-neuron slopes must line up
        out = layer(x).data
        for i, neuron in enumerate(layer.neurons):
            e = neuron.explain(x)
            assert e.output == pytest.approx(out[i], rel=1e-12), (activation, i)
            assert e.z == pytest.approx(layer.potential(x).data[i], rel=1e-12)


def test_softmax_neuron_explanation_shows_the_layer_potentials():
    layer = nk.Dense(2, 3, activation="softmax", seed=0, dtype=np.float64)
    e = layer.neurons[1].explain([1.0, 2.0])
    np.testing.assert_allclose(e.layer_z, layer.potential([1.0, 2.0]).data)
    assert "softmax over the layer's potentials" in str(e)
    assert e.to_dict()["layer_z"] == list(e.layer_z)


def test_neuron_computes_in_float64_and_reports_its_parts():
    n = nk.Neuron(weights=[1.0, -2.0, 0.5], bias=0.25, activation="tanh")
    assert n([0.1, 0.2, 0.3]) == pytest.approx(math.tanh(0.1 - 0.4 + 0.15 + 0.25), rel=1e-15)
    assert repr(n) == "Neuron(weights=[1.0, -2.0, 0.5], bias=0.25, activation='tanh')"
    d = n.explain([0.1, 0.2, 0.3]).to_dict()
    assert d["products"] == pytest.approx([0.1, -0.4, 0.15]) and d["activation"] == "tanh"


# ----------------------------------------------------------- Dense and Sequential


def test_dense_forward_is_f_of_x_wt_plus_b():
    layer = nk.Dense(3, 2, activation="sigmoid", seed=4, dtype=np.float64)
    layer.bias.data[:] = [0.5, -0.5]
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    expected = 1 / (1 + np.exp(-(x @ layer.weight.data.T + layer.bias.data)))
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-14)
    assert layer(x[0]).shape == (2,)  # a single sample without a batch axis


def test_sequential_names_layers_and_parameters():
    net = nk.Sequential(nk.Dense(4, 8, seed=0), nk.Dropout(0.5, seed=0), nk.Dense(8, 6, activation="prelu", seed=1),
                        nk.Dense(6, 3, activation="softmax", seed=2))
    assert list(net.layers) == ["hidden1", "dropout1", "hidden2", "output"]
    assert [name for name, _ in net.named_parameters()] == [
        "hidden1.weight", "hidden1.bias", "hidden2.weight", "hidden2.bias", "hidden2.activation.slope",
        "output.weight", "output.bias"]
    assert net["hidden1"] is net[0] and net["output"] is net[-1]
    assert net["hidden2"].neurons[3].label == "hidden2[3]"
    assert repr(net["hidden1"].neurons[3]) == "ReLUNeuron(in=4)"
    assert net.in_features == 4 and net.out_features == 3 and net.output_activation.name == "softmax"


def test_sequential_accepts_given_names():
    net = nk.Sequential(("encoder", nk.Dense(3, 4, seed=0)), nk.Dense(4, 2, seed=1, name="head"))
    assert list(net.layers) == ["encoder", "head"]
    assert [n for n, _ in net.named_parameters()][:2] == ["encoder.weight", "encoder.bias"]


def test_summary_lists_every_layer_and_the_parameter_count():
    net = nk.Sequential(nk.Dense(4, 8, seed=0), nk.Dropout(0.5, seed=0), nk.Dense(8, 3, activation="softmax", seed=1))
    summary = net.summary()
    assert [(r["layer"], r["kind"], r["neurons"], r["activation"], r["parameters"]) for r in summary.rows] == [
        ("input", "Input", 4, "(pass-through)", 0),
        ("hidden1", "Dense", 8, "relu", 4 * 8 + 8),
        ("dropout1", "Dropout", "", "-", 0),
        ("output", "Dense", 3, "softmax", 8 * 3 + 3),
    ]
    assert summary.total_parameters == net.num_parameters() == 67
    lines = str(summary).splitlines()
    assert lines[0].split() == ["layer", "kind", "neurons", "activation", "parameters", "memory", "MACs"]
    assert set(lines[1]) == {"-"}
    assert lines[3].split() == ["hidden1", "Dense", "8", "relu", "40", "160", "bytes", "32"]  # 40·4 bytes, 4·8 MACs
    assert lines[-2] == "total parameters: 67 (268 bytes as float32)"
    # 56 MACs at 4.6 pJ, 8 + 3 biases and activations at 0.9 pJ each, 67 weights read from SRAM at 5 pJ: 612.4 pJ
    assert lines[-1] == "per prediction: 56 MACs, ~612 pJ with the weights in SRAM (45 nm estimate, Horowitz 2014)"


def test_mlp_builds_named_layers_from_widths():
    net = nk.mlp([3, 16, 8, 2], activation="tanh", output="softmax", seed=0)
    assert list(net.layers) == ["hidden1", "hidden2", "output"]
    assert [layer.activation.name for layer in net] == ["tanh", "tanh", "softmax"]
    assert net(np.zeros((5, 3))).shape == (5, 2)


def test_logits_are_the_output_before_the_last_activation():
    net = nk.mlp([3, 4, 2], output="softmax", seed=0)
    x = np.ones((2, 3), dtype=np.float32)
    probs = nk.get_activation("softmax")(net.logits(x)).data
    np.testing.assert_allclose(probs, net(x).data, rtol=1e-6)


def test_dropout_scales_in_training_and_is_identity_in_eval():
    drop = nk.Dropout(0.25, seed=0)
    x = np.ones((200, 50), dtype=np.float32)
    y = drop(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    drop.eval()
    assert np.array_equal(drop(x).data, x)
    assert np.array_equal(nk.Dropout(0.25, seed=3)(x).data, nk.Dropout(0.25, seed=3)(x).data)


def test_state_dict_round_trip():
    a = nk.mlp([3, 4, 2], seed=0)
    b = nk.mlp([3, 4, 2], seed=1)
    b.load_state_dict(a.state_dict())
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_array_equal(a(x).data, b(x).data)


# ----------------------------------------------------------------- initialisers


def weights_of(net: nk.Module) -> list[np.ndarray]:
    return [p.data for p in net.parameters()]


def test_same_seed_same_network_different_seed_different_network():
    for a, b in zip(weights_of(nk.mlp([5, 7, 3], seed=42)), weights_of(nk.mlp([5, 7, 3], seed=42)), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(nk.mlp([5, 7, 3], seed=42)[0].weight.data, nk.mlp([5, 7, 3], seed=43)[0].weight.data)
    np.testing.assert_array_equal(nk.Dense(3, 4, seed=9).weight.data,
                                  nk.Dense(3, 4, rng=np.random.default_rng(9)).weight.data)


def test_initialisation_never_touches_numpy_global_random_state():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    nk.mlp([4, 8, 2], seed=0)
    nk.Dense(4, 8, seed=1)
    nk.Dropout(0.5, seed=2)(np.ones((3, 3)))
    assert np.array_equal(np.random.get_state()[1], before)


FAN_OUT, FAN_IN = 300, 1000  # a weight of shape (out, in)


@pytest.mark.parametrize(
    ("name", "expected_std", "bound"),
    [
        ("he_normal", math.sqrt(2 / FAN_IN), None),
        ("he_uniform", math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
        ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
        ("glorot_uniform", math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("lecun_normal", math.sqrt(1 / FAN_IN), None),
        ("lecun_uniform", math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    ],
)
def test_initialiser_statistics(name, expected_std, bound):
    w = get_initializer(name)((FAN_OUT, FAN_IN), np.random.default_rng(0))
    assert w.shape == (FAN_OUT, FAN_IN) and w.dtype == np.float32
    assert abs(w.mean()) < 0.01 * expected_std  # standard error of the mean: 0.0018 std
    assert w.std() == pytest.approx(expected_std, rel=0.01)  # 300,000 samples: std error ~0.13%
    if bound is not None:
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound


@pytest.mark.parametrize("shape", [(64, 128), (128, 64), (50, 50)])
def test_orthogonal_is_orthogonal(shape):
    w = get_initializer("orthogonal")(shape, np.random.default_rng(0), dtype=np.float64)
    rows, cols = shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    w2 = get_initializer("orthogonal", gain=2.0)(shape, np.random.default_rng(0), dtype=np.float64)
    np.testing.assert_allclose(w2, 2 * w)


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("relu", "he_normal"), ("leaky_relu", "he_normal"), ("prelu", "he_normal"), ("elu", "he_normal"),
     ("gelu", "he_normal"), ("silu", "he_normal"), ("sigmoid", "glorot_uniform"), ("tanh", "glorot_uniform"),
     ("softmax", "glorot_uniform"), ("identity", "glorot_uniform"), ("selu", "lecun_normal")],
)
def test_default_initialiser_per_activation(activation, expected):
    layer = nk.Dense(4, 2, activation=activation, seed=0)
    assert layer.init == expected
    act = layer.activation
    assert default_for(act.name, act.family) == expected


def test_default_initialisation_statistics_in_a_layer():
    relu = nk.Dense(FAN_IN, FAN_OUT, activation="relu", seed=0)
    assert relu.weight.data.std() == pytest.approx(math.sqrt(2 / FAN_IN), rel=0.01)
    tanh = nk.Dense(FAN_IN, FAN_OUT, activation="tanh", seed=0)
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(tanh.weight.data).max() <= bound
    assert tanh.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert np.all(relu.bias.data == 0) and np.all(tanh.bias.data == 0)


def test_every_initialiser_is_seeded_and_typed():
    for name, fn in INITIALIZERS.items():
        a = fn((6, 5), np.random.default_rng(1), dtype=np.float64)
        b = fn((6, 5), np.random.default_rng(1), dtype=np.float64)
        assert a.dtype == np.float64 and a.shape == (6, 5), name
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("training", [False, True])
def test_a_network_called_under_no_grad_gives_the_recorded_forward_values_without_a_graph(training):
    """Under no_grad, Sequential runs the layers' array path (infer): same values as the graph forward."""
    net = nk.mlp([5, 6, 4, 3], activation="prelu", output="softmax", batch_norm=True, seed=4)
    x = np.random.default_rng(5).standard_normal((9, 5)).astype(np.float32)
    net.train() if training else net.eval()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    recorded = net(x)
    after_recorded = {k: v.copy() for k, v in net.state_dict().items()}
    net.load_state_dict(before)  # batch norm's running statistics moved in training mode
    with nk.no_grad():
        fast = net(x)
    assert recorded.requires_grad and not fast.requires_grad and fast.data.dtype == np.float32
    np.testing.assert_allclose(fast.data, recorded.data, rtol=1e-5, atol=1e-7)
    moved = [k for k in before if not np.array_equal(before[k], after_recorded[k])]
    assert bool(moved) == training  # running statistics move in training mode only
    for k, v in net.state_dict().items():  # and the array path moved them alike
        np.testing.assert_allclose(v, after_recorded[k], rtol=1e-6)
