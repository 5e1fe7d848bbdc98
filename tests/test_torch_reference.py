"""neuronkit against PyTorch (skipped where torch is not installed).

Forward values and gradients of every activation, every loss and random multi-layer
networks agree with PyTorch within 1e-5 (relative to the values' magnitude) in float32,
with neuronkit's defaults equal to PyTorch's. Weights copy across without transposes:
``Dense.weight`` has ``nn.Linear.weight``'s (out, in) layout.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.activations import ACTIVATIONS, get_activation
from neuronkit.losses import LOSSES, get_loss
from neuronkit.spiking import losses as spike_losses  # noqa: F401  (registers the spike losses in LOSSES)

torch = pytest.importorskip("torch")
import snntorch.functional as SF  # noqa: E402  (snnTorch: the reference of the spike losses)

F = torch.nn.functional
nn = torch.nn

TOL = 1e-5


def assert_close(actual, expected, what: str = "") -> None:
    """Within 1e-5, relative to the larger of 1 and the reference's magnitude."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, what
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL * scale, err_msg=what)


def off_kink(rng: np.random.Generator, shape) -> np.ndarray:
    return (rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 3.0, size=shape)).astype(np.float32)


# Every activation, built from its name with default options, next to PyTorch's default.
TORCH_ACTIVATIONS = {
    "identity": lambda x: x,
    "step": lambda x: (x >= 0).to(x.dtype),  # torch.heaviside has no derivative; ours is 0
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "prelu": None,  # a module with parameters: see test_prelu_matches_torch_module
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "silu": F.silu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "softmax": lambda x: F.softmax(x, dim=-1),
    # learnable per neuron (issue 16): compared with torch autograd on the same formula, parameters included,
    # in tests/test_adaptive_activations.py
    "swish": None, "learnable_elu": None, "threshold_relu": None, "dynamic": None, "rational": None,
}
TORCH_MODULES = {
    "identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU, "selu": nn.SELU, "gelu": nn.GELU, "silu": nn.SiLU, "softplus": nn.Softplus,
    "softsign": nn.Softsign, "softmax": lambda: nn.Softmax(dim=-1),
}


def test_every_activation_has_a_torch_reference():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATIONS)


def compare_elementwise(ours_fn, torch_fn, x: np.ndarray, weights: np.ndarray) -> None:
    """Forward, and the gradient of sum(f(x) * weights), from both libraries."""
    ours_x = nk.Tensor(x, requires_grad=True)
    ours = ours_fn(ours_x)
    (ours * weights).sum().backward()
    ref_x = torch.tensor(x, requires_grad=True)
    ref = torch_fn(ref_x)
    if ref.requires_grad:
        (ref * torch.tensor(weights)).sum().backward()
        ref_grad = ref_x.grad
    else:  # a comparison in torch: no graph; the true derivative is 0 away from the jump
        ref_grad = torch.zeros_like(ref_x)
    assert ours.dtype == np.float32
    assert_close(ours.data, ref, "forward")
    assert_close(ours_x.grad, ref_grad, "gradient")


@pytest.mark.parametrize("name", sorted(n for n, f in TORCH_ACTIVATIONS.items() if f is not None))
def test_activation_matches_torch_with_default_options(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # fixed per name (hash() is salted)
    x = off_kink(rng, (16, 5))
    weights = rng.uniform(0.5, 1.5, size=x.shape).astype(np.float32)
    compare_elementwise(get_activation(name), TORCH_ACTIVATIONS[name], x, weights)


@pytest.mark.parametrize(
    ("name", "options", "torch_fn"),
    [
        ("leaky_relu", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
        ("elu", {"alpha": 0.5}, lambda x: F.elu(x, alpha=0.5)),
        ("softplus", {"beta": 2.0}, lambda x: F.softplus(x, beta=2.0)),
    ],
)
def test_activation_options_match_torch(name, options, torch_fn):
    rng = np.random.default_rng(7)
    x = off_kink(rng, (32,))
    compare_elementwise(get_activation(name, **options), torch_fn, x, np.ones_like(x))


def test_extreme_inputs_match_torch():
    x = np.array([-1000.0, -30.0, -1.0, 1.0, 30.0, 1000.0], dtype=np.float32)
    for name in ["sigmoid", "tanh", "softplus", "elu", "selu", "gelu", "silu", "softsign", "softmax"]:
        compare_elementwise(get_activation(name), TORCH_ACTIVATIONS[name], x, np.ones_like(x))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "softsign"])
def test_value_and_derivative_at_zero_match_torch(name):
    x = np.zeros(3, dtype=np.float32)
    compare_elementwise(get_activation(name), TORCH_ACTIVATIONS[name], x, np.ones_like(x))


def test_defaults_equal_torch_defaults():
    assert get_activation("leaky_relu").negative_slope == nn.LeakyReLU().negative_slope
    assert get_activation("elu").alpha == nn.ELU().alpha
    assert get_activation("softplus").beta == nn.Softplus().beta
    assert nn.GELU().approximate == "none"  # torch's default is exact; so is ours (see gelu test)
    assert get_activation("prelu").init == pytest.approx(nn.PReLU().weight.item())
    assert get_loss("huber").delta == 1.0  # F.huber_loss default delta


def test_prelu_matches_torch_module_with_one_slope_per_neuron():
    rng = np.random.default_rng(3)
    layer = nk.Dense(4, 6, activation="prelu", seed=1)
    ref_lin, ref_act = nn.Linear(4, 6), nn.PReLU(num_parameters=6)
    slopes = rng.uniform(0.05, 0.5, size=6).astype(np.float32)
    assert np.all(layer.activation.slope.data == ref_act.weight.detach().numpy())  # both start at 0.25
    layer.activation.slope.data[:] = slopes
    with torch.no_grad():
        ref_lin.weight.copy_(torch.tensor(layer.weight.data))
        ref_lin.bias.copy_(torch.tensor(rng.normal(size=6).astype(np.float32)))
        ref_act.weight.copy_(torch.tensor(slopes))
    layer.bias.data[:] = ref_lin.bias.detach().numpy()
    x = rng.normal(size=(10, 4)).astype(np.float32)
    ours = layer(x)
    ref = ref_act(ref_lin(torch.tensor(x)))
    assert_close(ours.data, ref, "forward")
    ours.sum().backward()
    ref.sum().backward()
    assert_close(layer.activation.slope.grad, ref_act.weight.grad, "slope gradient")
    assert_close(layer.weight.grad, ref_lin.weight.grad, "weight gradient")


# -------------------------------------------------------------------- losses


def _regression(rng):
    p = rng.normal(size=(8, 3)).astype(np.float32)
    y = (p + off_kink(rng, (8, 3))).astype(np.float32)  # p - y away from 0 (mae) ...
    y[0, 0] = p[0, 0] + 1.5  # ... and both Huber regions are present
    y[0, 1] = p[0, 1] - 0.5
    return p, y


def _spikes(rng):
    return (rng.random((7, 6, 4)) < 0.4).astype(np.float32), rng.integers(0, 4, size=6)


TORCH_LOSSES = {
    "mse": (_regression, {}, F.mse_loss),
    "mae": (_regression, {}, F.l1_loss),
    "huber": (_regression, {}, F.huber_loss),
    "bce": (lambda rng: (3 * rng.normal(size=(10, 1)).astype(np.float32),
                         rng.integers(0, 2, size=(10, 1)).astype(np.float32)), {},
            F.binary_cross_entropy_with_logits),
    "cross_entropy": (lambda rng: (3 * rng.normal(size=(10, 4)).astype(np.float32), rng.integers(0, 4, size=10)),
                      {}, lambda s, y: F.cross_entropy(s, y.long())),
    # spike losses (neuronkit.spiking.losses) against snnTorch's: spikes or membranes (T, B, C), classes (B,)
    "rate_cross_entropy": (_spikes, {}, lambda s, y: SF.ce_rate_loss()(s, y.long()).reshape(())),  # (1,) there
    "count_cross_entropy": (_spikes, {}, lambda s, y: SF.ce_count_loss()(s, y.long())),
    "count_mse": (_spikes, {}, lambda s, y: SF.mse_count_loss(correct_rate=0.8, incorrect_rate=0.2)(s, y.long())),
    "membrane_cross_entropy": (lambda rng: (rng.normal(size=(7, 6, 4)).astype(np.float32), rng.integers(0, 4, size=6)),
                               {}, lambda v, y: SF.ce_max_membrane_loss()(v, y.long())),
}


def test_every_loss_has_a_torch_reference():
    assert set(TORCH_LOSSES) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
def test_loss_matches_torch(name):
    make, options, torch_fn = TORCH_LOSSES[name]
    prediction, target = make(np.random.default_rng(11))
    ours_p = nk.Tensor(prediction, requires_grad=True)
    ours = get_loss(name, **options)(ours_p, target)
    ours.backward()
    ref_p = torch.tensor(prediction, requires_grad=True)
    ref = torch_fn(ref_p, torch.tensor(target))
    ref.backward()
    assert ours.dtype == np.float32
    assert_close(ours.data, ref, "value")
    assert_close(ours_p.grad, ref_p.grad, "gradient")


def test_huber_with_delta_matches_torch():
    p, y = _regression(np.random.default_rng(5))
    ours_p = nk.Tensor(p, requires_grad=True)
    ours = get_loss("huber", delta=0.7)(ours_p, y)
    ours.backward()
    ref_p = torch.tensor(p, requires_grad=True)
    ref = F.huber_loss(ref_p, torch.tensor(y), delta=0.7)
    ref.backward()
    assert_close(ours.data, ref)
    assert_close(ours_p.grad, ref_p.grad)


# ------------------------------------------------------------------ networks

NETWORKS = [  # widths, activation per layer (the last is the output's), loss
    ([3, 2], ["identity"], "mse"),
    ([5, 8, 3], ["relu", "softmax"], "cross_entropy"),
    ([4, 6, 6, 1], ["tanh", "tanh", "sigmoid"], "bce"),
    ([6, 10, 8, 8, 4], ["prelu", "gelu", "elu", "identity"], "huber"),
    ([3, 7, 7, 7, 7, 7, 2], ["leaky_relu", "selu", "silu", "softplus", "softsign", "identity"], "mse"),
    ([8, 16, 16, 16, 16, 16, 16, 16, 5], ["relu"] * 4 + ["tanh"] * 3 + ["softmax"], "cross_entropy"),
]


def build_pair(widths, activations, seed):
    """The same network in both libraries: weights, biases and PReLU slopes copied across."""
    rng = np.random.default_rng(seed)
    layers, modules = [], []
    for i, (fin, fout, act) in enumerate(zip(widths[:-1], widths[1:], activations, strict=True)):
        dense = nk.Dense(fin, fout, activation=act, seed=seed + i)
        dense.bias.data[:] = rng.normal(scale=0.1, size=fout)  # non-zero, so bias gradients are tested too
        linear = nn.Linear(fin, fout)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(dense.weight.data.copy()))  # (out, in) both sides
            linear.bias.copy_(torch.from_numpy(dense.bias.data.copy()))
        modules.append(linear)
        if act == "prelu":
            dense.activation.slope.data[:] = rng.uniform(0.05, 0.4, size=fout)
            prelu = nn.PReLU(num_parameters=fout)
            with torch.no_grad():
                prelu.weight.copy_(torch.from_numpy(dense.activation.slope.data.copy()))
            modules.append(prelu)
        else:
            modules.append(TORCH_MODULES[act]())
        layers.append(dense)
    return nk.Sequential(*layers), nn.Sequential(*modules)


@pytest.mark.parametrize(("widths", "activations", "loss_name"), NETWORKS,
                         ids=[f"depth{len(w) - 1}-{'-'.join(a)}" for w, a, _ in NETWORKS])
def test_random_network_matches_torch(widths, activations, loss_name):
    seed = len(widths) * 100
    net, ref = build_pair(widths, activations, seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, widths[0])).astype(np.float32)
    n_out = widths[-1]
    if loss_name == "cross_entropy":
        target = rng.integers(0, n_out, size=12)
    elif loss_name == "bce":
        target = rng.integers(0, 2, size=(12, n_out)).astype(np.float32)
    else:
        target = rng.normal(size=(12, n_out)).astype(np.float32)

    ours_x = nk.Tensor(x, requires_grad=True)
    ref_x = torch.tensor(x, requires_grad=True)
    # outputs (probabilities for softmax/sigmoid heads)
    assert_close(net(x).data, ref(ref_x), "network output")
    # the loss takes logits when it contains the output activation
    loss = get_loss(loss_name)
    ours_in = net.logits(ours_x) if loss.output_activation else net(ours_x)
    ref_in = ref[:-1](ref_x) if loss.output_activation else ref(ref_x)
    ours_loss = loss(ours_in, target)
    torch_loss = {"mse": F.mse_loss, "huber": F.huber_loss, "bce": F.binary_cross_entropy_with_logits,
                  "cross_entropy": lambda s, y: F.cross_entropy(s, y.long())}[loss_name]
    ref_loss = torch_loss(ref_in, torch.tensor(target))
    assert_close(ours_loss.data, ref_loss, "loss")

    ours_loss.backward()
    ref_loss.backward()
    assert_close(ours_x.grad, ref_x.grad, "input gradient")
    ref_params = dict(ref.named_parameters())
    torch_index = 0
    for name, dense in net.layers.items():
        linear = ref[torch_index]
        assert_close(dense.weight.grad, linear.weight.grad, f"{name}.weight gradient")
        assert_close(dense.bias.grad, linear.bias.grad, f"{name}.bias gradient")
        if dense.activation.name == "prelu":
            assert_close(dense.activation.slope.grad, ref_params[f"{torch_index + 1}.weight"].grad,
                         f"{name}.activation.slope gradient")
        torch_index += 2


def test_dense_weight_layout_is_torch_linear_layout():
    dense = nk.Dense(3, 5, seed=0)
    assert dense.weight.shape == tuple(nn.Linear(3, 5).weight.shape) == (5, 3)
    assert dense.bias.shape == tuple(nn.Linear(3, 5).bias.shape) == (5,)


@pytest.mark.parametrize("kind", ["BatchNorm", "LayerNorm"])
@pytest.mark.parametrize("layout", ["C", "F"])
def test_normalisation_layers_match_torch(kind, layout):
    """Forward, gradients (input, γ, β) and BatchNorm's running statistics equal torch's, over 3 steps."""
    rng = np.random.default_rng(11)
    ours = nk.BatchNorm(6, momentum=0.2) if kind == "BatchNorm" else nk.LayerNorm(6)
    theirs = nn.BatchNorm1d(6, momentum=0.2) if kind == "BatchNorm" else nn.LayerNorm(6)
    gamma, beta = rng.uniform(0.5, 2.0, 6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    ours.gamma.data[...], ours.beta.data[...] = gamma, beta
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(gamma))
        theirs.bias.copy_(torch.from_numpy(beta))
    for step in range(3):
        x = (3.0 * rng.standard_normal((9, 6)) + rng.standard_normal(6)).astype(np.float32)
        x = np.asfortranarray(x) if layout == "F" else x
        g = rng.standard_normal((9, 6)).astype(np.float32)
        xt = nk.Tensor(x, requires_grad=True)
        out = ours(xt)
        (out * g).sum().backward()
        tx = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
        tout = theirs(tx)
        (tout * torch.from_numpy(g)).sum().backward()
        assert_close(out.data, tout, f"{kind} output, step {step}")
        assert_close(xt.grad, tx.grad, f"{kind} input gradient, step {step}")
        assert_close(ours.gamma.grad, theirs.weight.grad, f"{kind} gamma gradient, step {step}")
        assert_close(ours.beta.grad, theirs.bias.grad, f"{kind} beta gradient, step {step}")
        ours.gamma.grad = ours.beta.grad = None
        theirs.zero_grad()
    if kind == "BatchNorm":
        assert_close(ours.running_mean, theirs.running_mean, "running mean")
        assert_close(ours.running_var, theirs.running_var, "running variance")
        ours.eval(), theirs.eval()
        x = rng.standard_normal((4, 6)).astype(np.float32)
        assert_close(ours(x).data, theirs(torch.from_numpy(x)), "BatchNorm in eval mode")
