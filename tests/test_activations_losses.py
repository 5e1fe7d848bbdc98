"""Activations and losses: extreme inputs, documented values at kinks, defaults, hand-computed values.

Gradients away from kinks are in test_gradients.py; PyTorch comparisons in
test_torch_reference.py. Warnings are errors (pyproject), and the extreme-input tests
also turn NumPy's overflow/invalid/divide-by-zero into exceptions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.activations import SELU, get_activation
from neuronkit.engine import ops
from neuronkit.losses import get_loss

BIG = 1000.0
EXTREMES = [-BIG, -1.0, 0.0, 1.0, BIG]
SELU_NEG_LIMIT = -SELU.scale * SELU.alpha  # selu(-inf) = -1.7581

# name -> the expected values at EXTREMES (z = -1000, -1, 0, 1, 1000)
ELEMENTWISE_LIMITS = {
    "sigmoid": [0.0, 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-1)), 1.0],
    "tanh": [-1.0, math.tanh(-1), 0.0, math.tanh(1), 1.0],
    "softplus": [0.0, math.log1p(math.exp(-1)), math.log(2), 1 + math.log1p(math.exp(-1)), BIG],
    "elu": [-1.0, math.exp(-1) - 1, 0.0, 1.0, BIG],
    "selu": [SELU_NEG_LIMIT, SELU.scale * SELU.alpha * (math.exp(-1) - 1), 0.0, SELU.scale, SELU.scale * BIG],
    "gelu": [0.0, -1 * 0.5 * (1 + math.erf(-1 / math.sqrt(2))), 0.0, 0.5 * (1 + math.erf(1 / math.sqrt(2))), BIG],
    "silu": [0.0, -1 / (1 + math.e), 0.0, 1 / (1 + math.exp(-1)), BIG],
}
# the derivative at the same points (0 at the saturated ends, 1 where the function becomes linear)
ELEMENTWISE_SLOPE_LIMITS = {
    "sigmoid": (0.0, 0.0), "tanh": (0.0, 0.0), "softplus": (0.0, 1.0), "elu": (0.0, 1.0),
    "selu": (0.0, SELU.scale), "gelu": (0.0, 1.0), "silu": (0.0, 1.0),
}
DTYPES = [np.float32, np.float64]


def strict():
    """Raise instead of returning inf/NaN silently (underflow to 0 is the correct answer here)."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


def assert_finite_grad(x: nk.Tensor) -> None:
    assert x.grad is not None and x.grad.dtype == x.dtype
    assert np.all(np.isfinite(x.grad)), x.grad


# ------------------------------------------------------------- extreme inputs


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE_LIMITS))
def test_elementwise_activations_at_plus_minus_1000(name, dtype):
    x = nk.Tensor(np.array(EXTREMES, dtype=dtype), requires_grad=True)
    with strict():
        y = get_activation(name)(x)
        y.sum().backward()
    assert y.dtype == dtype and not np.any(np.isnan(y.data))
    np.testing.assert_allclose(y.data, ELEMENTWISE_LIMITS[name], rtol=1e-6, atol=1e-7)
    assert_finite_grad(x)
    low, high = ELEMENTWISE_SLOPE_LIMITS[name]
    np.testing.assert_allclose([x.grad[0], x.grad[-1]], [low, high], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_softmax_and_log_softmax_at_plus_minus_1000(dtype):
    z = np.array([[-BIG, 0.0, BIG], [BIG, BIG, -BIG], [-BIG, -BIG, -BIG]], dtype=dtype)
    x = nk.Tensor(z, requires_grad=True)
    with strict():
        p = get_activation("softmax")(x)
        (p * nk.Tensor(np.array([1.0, 2.0, 3.0], dtype=dtype))).sum().backward()
    np.testing.assert_allclose(p.data, [[0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(p.data.sum(axis=1), 1.0, rtol=1e-6)  # normalised per row, not per batch
    assert_finite_grad(x)

    x = nk.Tensor(z, requires_grad=True)
    with strict():
        logp = ops.log_softmax(x)
        logp.sum().backward()
    np.testing.assert_allclose(logp.data, [[-2 * BIG, -BIG, 0], [-math.log(2), -math.log(2), -2 * BIG - math.log(2)],
                                           [-math.log(3)] * 3], rtol=1e-6)
    assert_finite_grad(x)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_logsumexp_at_plus_minus_1000(dtype):
    x = nk.Tensor(np.array([[BIG, BIG], [-BIG, -BIG], [BIG, -BIG]], dtype=dtype), requires_grad=True)
    with strict():
        y = ops.logsumexp(x, axis=1)
        y.sum().backward()
    np.testing.assert_allclose(y.data, [BIG + math.log(2), -BIG + math.log(2), BIG], rtol=1e-7)
    np.testing.assert_allclose(x.grad, [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_bce_at_plus_minus_1000(dtype):
    logits = nk.Tensor(np.array([BIG, BIG, -BIG, -BIG], dtype=dtype), requires_grad=True)
    y = np.array([1.0, 0.0, 1.0, 0.0])
    with strict():
        value = get_loss("bce")(logits, y)
        value.backward()
    # per sample: confident right -> 0, confident wrong -> 1000
    assert value.item() == pytest.approx((0 + BIG + BIG + 0) / 4, rel=1e-7)
    assert_finite_grad(logits)
    np.testing.assert_allclose(logits.grad, [0.0, 0.25, -0.25, 0.0], atol=1e-7)  # (σ(s) - y) / n


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_cross_entropy_at_plus_minus_1000(dtype):
    logits = nk.Tensor(np.array([[BIG, -BIG, 0.0], [BIG, -BIG, 0.0]], dtype=dtype), requires_grad=True)
    with strict():
        value = get_loss("cross_entropy")(logits, [0, 1])
        value.backward()
    assert value.item() == pytest.approx((0.0 + 2 * BIG) / 2, rel=1e-7)
    assert_finite_grad(logits)
    np.testing.assert_allclose(logits.grad, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-7)  # (softmax - onehot) / n


# ---------------------------------------------------------- values at kinks


def grad_at(fn, value: float | list[float]) -> np.ndarray:
    x = nk.Tensor(np.atleast_1d(np.asarray(value, dtype=np.float64)), requires_grad=True)
    fn(x).sum().backward()
    return x.grad


def test_relu_derivative_at_zero_is_zero():
    assert grad_at(get_activation("relu"), 0.0)[0] == 0.0
    assert grad_at(ops.relu, [-0.0, 0.0, 1e-300])[:2].tolist() == [0.0, 0.0]


def test_abs_derivative_at_zero_is_zero():
    assert grad_at(ops.absolute, [0.0, -2.0, 2.0]).tolist() == [0.0, -1.0, 1.0]


def test_maximum_tie_splits_the_gradient_in_half():
    a = nk.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = nk.Tensor([1.0, 5.0, 0.0], requires_grad=True)
    ops.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0]
    assert b.grad.tolist() == [0.5, 1.0, 0.0]


def test_max_reduction_shares_the_gradient_among_tied_maxima():
    assert grad_at(lambda x: x.max(), [3.0, 1.0, 3.0, 3.0]).tolist() == pytest.approx([1 / 3, 0, 1 / 3, 1 / 3])


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [  # PyTorch's derivative at exactly 0 (checked against torch in test_torch_reference.py)
        ("leaky_relu", {}, 0.01),
        ("leaky_relu", {"negative_slope": 0.2}, 0.2),
        ("elu", {}, 1.0),
        ("elu", {"alpha": 0.5}, 0.5),
        ("selu", {}, SELU.scale * SELU.alpha),
        ("prelu", {}, 0.25),
        ("gelu", {}, 0.5),
        ("silu", {}, 0.5),
        ("softplus", {}, 0.5),
        ("step", {}, 0.0),
    ],
)
def test_derivative_at_zero_matches_pytorch(name, options, expected):
    assert grad_at(get_activation(name, **options), 0.0)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "value"), [("relu", 0.0), ("leaky_relu", 0.0), ("elu", 0.0), ("selu", 0.0), ("step", 1.0)]
)
def test_value_at_zero(name, value):
    assert get_activation(name)(nk.Tensor([0.0])).item() == value


def test_step_has_zero_gradient_and_stays_in_the_graph():
    layer = nk.Dense(2, 1, activation="step", seed=0)
    out = layer([[1.0, -1.0], [0.0, 0.0]])
    assert out.requires_grad
    get_loss("mse")(out, [[1.0], [0.0]]).backward()
    np.testing.assert_array_equal(layer.weight.grad, [[0.0, 0.0]])


def test_mae_derivative_where_prediction_equals_target_is_zero():
    p = nk.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    get_loss("mae")(p, [1.0, 0.0, 5.0]).backward()
    np.testing.assert_allclose(p.grad, [0.0, 1 / 3, -1 / 3])


# -------------------------------------------------------------- defaults


def test_defaults_follow_pytorch():
    assert get_activation("leaky_relu").negative_slope == 0.01
    assert get_activation("elu").alpha == 1.0
    assert get_activation("softplus").beta == 1.0
    assert get_activation("prelu").init == 0.25
    assert get_loss("huber").delta == 1.0


def test_gelu_is_the_exact_erf_form_not_the_tanh_approximation():
    z = np.array([-2.0, -0.5, 0.7, 1.5])
    exact = z * 0.5 * (1 + np.array([math.erf(v / math.sqrt(2)) for v in z]))
    tanh_approx = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    y = get_activation("gelu")(nk.Tensor(z)).data
    np.testing.assert_allclose(y, exact, rtol=1e-12)
    assert np.max(np.abs(y - tanh_approx)) > 1e-5


def test_prelu_has_one_learnable_slope_per_neuron():
    layer = nk.Dense(3, 4, activation="prelu", seed=0, dtype=np.float64)
    slope = layer.activation.slope
    assert slope.shape == (4,) and slope.requires_grad and np.all(slope.data == 0.25)
    assert ("activation.slope", slope) in layer.named_parameters()
    slope.data[:] = [0.1, 0.2, 0.3, 0.4]
    layer.weight.data[:] = -1.0
    out = layer([1.0, 1.0, 1.0])  # z = -3 for every neuron
    np.testing.assert_allclose(out.data, [-0.3, -0.6, -0.9, -1.2])
    out.sum().backward()
    np.testing.assert_allclose(slope.grad, [-3.0] * 4)  # d(a z)/da = z


def test_activation_names_and_aliases_resolve():
    assert get_activation("swish").name == "swish" and get_activation("SiLU").name == "silu"
    assert get_activation("Leaky-ReLU").name == "leaky_relu"
    assert get_activation(None).name == "identity"
    assert get_activation({"name": "elu", "alpha": 0.3}).alpha == 0.3
    assert get_activation("elu", alpha=0.3) == get_activation({"name": "elu", "alpha": 0.3})


def test_activation_from_a_function_gets_gradients():
    act = get_activation(lambda z: z * z)
    x = nk.Tensor([3.0], requires_grad=True)
    act(x).backward()
    assert x.grad.tolist() == [6.0]


# ------------------------------------------------------------ loss values


def test_losses_on_a_hand_computed_example():
    p = nk.Tensor([[1.0, 2.0], [3.0, -1.0]], dtype=np.float64)
    y = np.array([[0.0, 2.0], [1.0, 1.0]])  # d = [1, 0, 2, -2]
    assert get_loss("mse")(p, y).item() == pytest.approx((1 + 0 + 4 + 4) / 4)
    assert get_loss("mae")(p, y).item() == pytest.approx((1 + 0 + 2 + 2) / 4)
    assert get_loss("huber")(p, y).item() == pytest.approx((0.5 + 0 + 1.5 + 1.5) / 4)


def test_bce_and_cross_entropy_equal_their_textbook_formulas():
    s = np.array([0.3, -1.2, 2.0])
    y = np.array([1.0, 0.0, 1.0])
    sig = 1 / (1 + np.exp(-s))
    textbook = np.mean(-y * np.log(sig) - (1 - y) * np.log(1 - sig))
    assert get_loss("bce")(nk.Tensor(s), y).item() == pytest.approx(textbook, rel=1e-12)

    logits = np.array([[1.0, 2.0, 0.5], [0.1, -0.3, 0.2]])
    targets = [1, 2]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    textbook = -np.mean(np.log(probs[[0, 1], targets]))
    assert get_loss("cross_entropy")(nk.Tensor(logits), targets).item() == pytest.approx(textbook, rel=1e-12)


def test_losses_average_over_the_batch():
    single = get_loss("mse")(nk.Tensor([[2.0]]), [[0.0]]).item()
    batch = get_loss("mse")(nk.Tensor([[2.0], [2.0], [2.0]]), [[0.0], [0.0], [0.0]]).item()
    assert single == batch == 4.0
    logits = nk.Tensor(np.zeros((4, 3)), requires_grad=True)
    get_loss("cross_entropy")(logits, [0, 1, 2, 0]).backward()
    assert logits.grad[0].tolist() == pytest.approx([(1 / 3 - 1) / 4, 1 / 12, 1 / 12])


def test_losses_declare_the_activation_they_contain():
    assert get_loss("bce").output_activation == "sigmoid"
    assert get_loss("cross_entropy").output_activation == "softmax"
    assert get_loss("mse").output_activation is None
    assert get_loss("ce").name == "cross_entropy" and get_loss("l1").name == "mae"
