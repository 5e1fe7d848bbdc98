"""Adaptive and dynamic activations (issue 16): values by hand, PyTorch on the same formulas (inputs and
parameters), the network, estimator, CLI and model-file paths, bad options, the timeline and what
summary() and the neuron's explanation say. Gradients against finite differences: tests/test_gradients.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from torch import nn

import neuronkit as nk
from neuronkit.activations import get_activation
from neuronkit.adaptive_activations import DynamicActivation, Rational, Swish, leaky_relu_fit
from neuronkit.callbacks import ActivationTimeline
from neuronkit.errors import ParameterError, ParameterTypeError, UnknownNameError

TOL = 1e-5


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


# ------------------------------------------------------------------------------------------ values by hand
def test_swish_at_beta_2_and_z_1_is_sigma_2():
    act = get_activation("swish", init=2.0)
    act.build(3, np.float64)
    out = act(nk.Tensor([[1.0, -1.0, 0.5]], dtype="float64")).data[0]
    np.testing.assert_allclose(out, [sigmoid(2.0), -sigmoid(-2.0), 0.5 * sigmoid(1.0)], rtol=1e-12)


def test_learnable_elu_threshold_relu_and_dynamic_by_hand():
    elu = get_activation("learnable_elu", init=0.5)
    np.testing.assert_allclose(elu(nk.Tensor([-math.log(2.0), 3.0], dtype="float64")).data, [-0.25, 3.0])
    thr = get_activation("threshold_relu", init=0.5)
    np.testing.assert_allclose(thr(nk.Tensor([-1.0, 0.25, 2.0], dtype="float64")).data, [0.5, 0.5, 2.0])
    dyn = get_activation("dynamic")
    dyn.build(1, np.float64)
    dyn.logits.data[0] = np.log([1.0, 2.0, 1.0, 0.0 + 1e-300])  # weights 1/4, 1/2, 1/4, ~0
    z = 1.0
    expected = 0.25 * z + 0.5 * math.tanh(z) + 0.25 * sigmoid(z)
    assert dyn(nk.Tensor([z], dtype="float64")).data[0] == pytest.approx(expected, rel=1e-12)


def test_rational_starts_as_leaky_relu():
    a, b = leaky_relu_fit(5, 4)
    z = np.linspace(-3.0, 3.0, 301)
    pau = Rational()
    out = pau(nk.Tensor(z, dtype="float64")).data
    leaky = np.where(z > 0, z, 0.01 * z)
    assert np.sqrt(np.mean((out - leaky) ** 2)) < 0.015
    assert a[1] == pytest.approx(0.505, abs=1e-6)  # leaky ReLU = (1.01 z + 0.99 |z|) / 2: the odd part exactly
    assert (b >= 0).all()
    # the numerator is the least-squares solution of P(z) = f(z)·Q(z) on 1,001 points of [-3, 3]: the residual
    # is orthogonal to every power z^j (the normal equations), so nudging a coefficient only makes it larger
    grid = np.linspace(-3.0, 3.0, 1001)
    f = np.where(grid > 0, grid, 0.01 * grid)
    powers = grid[:, None] ** np.arange(6)
    residual = powers @ a - f * (1 + np.abs(grid[:, None]) ** np.arange(1, 5) @ b)
    np.testing.assert_allclose(powers.T @ residual, 0.0, atol=1e-8)


# ------------------------------------------------------------------------------------------ PyTorch
def torch_formulas():
    basis = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "identity": lambda x: x}

    def dynamic(x, logits):
        w = torch.softmax(logits, dim=-1)
        return sum(basis[name](x) * w[:, k] for k, name in enumerate(basis))

    def rational(x, a, b):
        p = sum(a[..., j] * x ** j for j in range(a.shape[-1]))
        q = 1 + sum(torch.abs(b[..., k - 1]) * torch.abs(x) ** k for k in range(1, b.shape[-1] + 1))
        return p / q

    return {
        "swish": (lambda x, beta: x * torch.sigmoid(beta * x), {"beta": [0.5, 1.0, 2.0, 6.0]}),
        "learnable_elu": (lambda x, alpha: torch.where(x > 0, x, alpha * (torch.exp(torch.clamp(x, max=0)) - 1)),
                          {"alpha": [0.2, 1.0, 1.5, 0.7]}),
        "threshold_relu": (lambda x, threshold: torch.where(x > threshold, x, threshold),
                           {"threshold": [0.0, 0.3, -0.4, 0.05]}),
        "dynamic": (dynamic, {"logits": np.random.default_rng(1).standard_normal((4, 4))}),
        "rational": (rational, {"a": [0.06, 0.5, 1.0, 0.8, 0.3, 0.04], "b": [0.3, 1.6, -0.2, 0.07]}),
    }


ATTRIBUTES = {"swish": ["beta"], "learnable_elu": ["alpha"], "threshold_relu": ["threshold"],
              "dynamic": ["logits"], "rational": ["a", "b"]}


@pytest.mark.parametrize("name", sorted(ATTRIBUTES))
def test_values_and_gradients_match_torch_autograd(name):
    formula, parameters = torch_formulas()[name]
    rng = np.random.default_rng(len(name))
    x = (rng.choice([-1.0, 1.0], size=(16, 4)) * rng.uniform(0.5, 3.0, size=(16, 4))).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, size=x.shape).astype(np.float32)
    act = get_activation(name)
    act.build(4, np.float32)
    ours_params = []
    for attribute in ATTRIBUTES[name]:
        p = nk.Parameter(np.asarray(parameters[attribute], dtype=np.float32))
        setattr(act, attribute, p)
        ours_params.append(p)
    ours_x = nk.Tensor(x, requires_grad=True)
    out = act(ours_x)
    (out * weights).sum().backward()
    ref_x = torch.tensor(x, requires_grad=True)
    ref_params = [torch.tensor(np.asarray(parameters[a], dtype=np.float32), requires_grad=True)
                  for a in ATTRIBUTES[name]]
    ref = formula(ref_x, *ref_params)
    (ref * torch.tensor(weights)).sum().backward()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours_x.grad, ref_x.grad.numpy(), rtol=TOL, atol=TOL)
    for ours_p, ref_p in zip(ours_params, ref_params):
        np.testing.assert_allclose(ours_p.grad, ref_p.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_fixed_parameters_equal_torch_modules():
    x = np.linspace(-3.0, 3.0, 25, dtype=np.float32).reshape(5, 5) + 0.01
    tx = torch.tensor(x)
    swish = get_activation("swish")  # β = 1: SiLU
    np.testing.assert_allclose(swish(nk.Tensor(x)).data, nn.SiLU()(tx).numpy(), rtol=TOL, atol=TOL)
    elu = get_activation("learnable_elu", init=0.7)
    np.testing.assert_allclose(elu(nk.Tensor(x)).data, nn.ELU(alpha=0.7)(tx).numpy(), rtol=TOL, atol=TOL)
    thr = get_activation("threshold_relu", init=0.4)
    np.testing.assert_allclose(thr(nk.Tensor(x)).data, nn.Threshold(0.4, 0.4)(tx).numpy(), rtol=TOL, atol=TOL)
    relu_like = get_activation("threshold_relu")  # θ = 0: ReLU
    np.testing.assert_allclose(relu_like(nk.Tensor(x)).data, F.relu(tx).numpy())


# ------------------------------------------------------------------------------------------ networks and files
def xor_data(n: int = 64):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("name", sorted(ATTRIBUTES))
def test_trained_parameters_survive_save_and_load(name, tmp_path):
    X, y = xor_data()
    net = nk.mlp([2, 5, 2], activation=name, output="softmax", seed=0)
    before = {k: p.data.copy() for k, p in net.named_parameters() if ".activation." in k}
    nk.fit(net, X, y, epochs=3, batch_size=16, lr=0.05, progress=False, seed=0)
    after = {k: p.data.copy() for k, p in net.named_parameters() if ".activation." in k}
    assert after and any(not np.array_equal(before[k], after[k]) for k in after), "the activation did not learn"
    nk.save(net, tmp_path / "net.nk")
    loaded = nk.load(tmp_path / "net.nk")
    assert loaded["hidden1"].activation == net["hidden1"].activation  # same name and options
    for k, value in after.items():
        np.testing.assert_array_equal(dict(loaded.named_parameters())[k].data, value)
    np.testing.assert_array_equal(loaded.infer(X), net.infer(X))


def test_rational_per_neuron_has_one_row_per_neuron_in_the_file(tmp_path):
    net = nk.mlp([2, 3, 1], activation=nk.adaptive_activations.Rational(3, 2, per_neuron=True), seed=0)
    shapes = {k: p.shape for k, p in net.named_parameters() if ".activation." in k}
    assert shapes == {"hidden1.activation.numerator": (3, 4), "hidden1.activation.denominator": (3, 2)}
    net["hidden1"].activation.a.data[1] += 0.25
    nk.save(net, tmp_path / "r.nk")
    np.testing.assert_array_equal(nk.load(tmp_path / "r.nk")["hidden1"].activation.a.data,
                                  net["hidden1"].activation.a.data)


def test_estimator_with_swish_keeps_the_timeline_in_its_file(tmp_path):
    X, y = xor_data(80)
    clf = nk.NeuralClassifier(hidden_layer_sizes=(6,), activation="swish", max_iter=4, random_state=0,
                           learning_rate_init=0.05)
    timeline = ActivationTimeline(every=3, max_points=6)
    with pytest.warns(ConvergenceWarning):  # 4 epochs are few on purpose
        clf.fit(X, y, callbacks=[timeline])
    record = clf.history_.activation_timeline
    assert record is not None and len(record["steps"]) <= 6
    beta = np.asarray(record["parameters"]["hidden1.activation.beta"])
    assert beta.shape == (len(record["steps"]), 6)
    np.testing.assert_allclose(beta[0], 1.0)  # the start: β = 1 everywhere
    np.testing.assert_allclose(beta[-1], clf.network_["hidden1"].activation.beta.data, rtol=1e-6)  # the end
    clf.save(tmp_path / "clf.nk")
    loaded = nk.load(tmp_path / "clf.nk")
    assert loaded.history_.activation_timeline == record
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_cli_accepts_dynamic_and_writes_it_to_the_model_file(tmp_path, capsys):
    from neuronkit.cli import main

    path = tmp_path / "iris.nk"
    assert main(["train", "iris", "--epochs", "2", "--hidden", "4", "--activation", "dynamic", "--out",
                 str(path)]) == 0
    capsys.readouterr()
    model = nk.load(path)
    assert model.network_["hidden1"].activation.name == "dynamic"
    assert model.network_["hidden1"].activation.logits.shape == (4, 4)


# ------------------------------------------------------------------------------------------ bad options
@pytest.mark.parametrize(("make", "error", "fragment"), [
    (lambda: get_activation("swish", init=-1.0), ParameterError, "swish init must be a finite number >= 0; got -1"),
    (lambda: get_activation("learnable_elu", init=-0.5), ParameterError, "learnable_elu init must be"),
    (lambda: get_activation("threshold_relu", init=float("nan")), ParameterError, "threshold_relu init"),
    (lambda: get_activation("dynamic", basis=[]), ParameterError, "dynamic basis must be a non-empty list"),
    (lambda: get_activation("dynamic", basis=["relu", "tahn"]), UnknownNameError, "did you mean 'tanh'"),
    (lambda: get_activation("dynamic", basis=["relu", "relu"]), ParameterError, "distinct"),
    (lambda: get_activation("dynamic", basis=["softmax"]), ParameterError, "cannot hold 'softmax'"),
    (lambda: get_activation("dynamic", basis=["swish"]), ParameterError, "must be fixed"),
    (lambda: get_activation("dynamic", basis="relu"), ParameterTypeError, "a list of activation names"),
    (lambda: get_activation("rational", numerator=0), ParameterError, "rational numerator must be an integer >= 1"),
    (lambda: get_activation("rational", denominator=0), ParameterError, "rational denominator must be"),
    (lambda: get_activation("rational", per_neuron="yes"), ParameterTypeError, "per_neuron"),
    (lambda: ActivationTimeline(every=0), ParameterError, "ActivationTimeline every must be an integer >= 1"),
    (lambda: ActivationTimeline(max_points=1), ParameterError, "ActivationTimeline max_points"),
])
def test_bad_options_are_refused_with_a_clear_message(make, error, fragment):
    with pytest.raises(error) as info:
        make()
    assert fragment in str(info.value)


def test_timeline_needs_learnable_activations():
    X, y = xor_data(16)
    with pytest.raises(ParameterError, match="no.*learnable|has none"):
        nk.fit(nk.mlp([2, 3, 2], output="softmax", seed=0), X, y, epochs=1, progress=False,
               callbacks=[ActivationTimeline()])


# ------------------------------------------------------------------------------------------ the timeline
def test_timeline_stays_within_max_points_and_spans_the_run():
    X, y = xor_data(64)
    net = nk.mlp([2, 4, 2], activation="dynamic", output="softmax", seed=0)
    timeline = ActivationTimeline(every=1, max_points=5)
    history = nk.fit(net, X, y, epochs=6, batch_size=8, lr=0.05, progress=False, seed=0, callbacks=[timeline])
    steps = history.activation_timeline["steps"]  # 6 epochs of 8 steps: 48 steps, 49 samples offered
    assert len(steps) <= 5
    assert steps[0] == 0 and steps[-1] == 48
    gaps = np.diff(steps[:-1])
    assert len(set(gaps.tolist())) == 1 and timeline.every == gaps[0]  # evenly spaced, at the doubled interval
    logits = np.asarray(history.activation_timeline["parameters"]["hidden1.activation.logits"])
    assert logits.shape == (len(steps), 4, 4)
    np.testing.assert_array_equal(logits[0], 0.0)
    np.testing.assert_allclose(logits[-1], net["hidden1"].activation.logits.data, rtol=1e-6)
    assert history.activation_timeline["epochs"][-1] == 6.0
    assert nk.History.from_dict(history.to_dict()).activation_timeline == history.activation_timeline


def test_plot_activation_timeline_draws_each_quantity():
    X, y = xor_data(32)
    timeline = ActivationTimeline(every=2)
    history = nk.fit(nk.mlp([2, 3, 2], activation="rational", output="softmax", seed=0), X, y, epochs=2,
                     batch_size=8, progress=False, seed=0, callbacks=[timeline])
    fig = nk.inspect.plot_activation_timeline(history)
    assert [ax.get_title() for ax in fig.axes] == ["hidden1: numerator", "hidden1: denominator"]
    line = fig.axes[0].lines[1]  # a_1 over the run
    np.testing.assert_allclose(line.get_ydata(), np.asarray(timeline.parameters["hidden1.activation.numerator"])[:, 1])
    with pytest.raises(UnknownNameError, match="no recorded layer 'output'"):
        nk.inspect.plot_activation_timeline(timeline, layer="output")
    with pytest.raises(ParameterError, match="ActivationTimeline"):
        nk.inspect.plot_activation_timeline(nk.History())


# ------------------------------------------------------------------------------------------ what neurons became
def test_describe_neuron_says_what_each_activation_became():
    swish = Swish()
    swish.build(3, np.float64)
    swish.beta.data[:] = [6.0, 0.01, 1.5]
    assert [swish.describe_neuron(i) for i in range(3)] == ["swish β=6 (≈ relu)", "swish β=0.01 (≈ linear/2)",
                                                            "swish β=1.5"]
    dyn = DynamicActivation()
    dyn.build(1, np.float64)
    dyn.logits.data[0] = np.log([0.20, 0.71, 0.05, 0.04])
    assert dyn.describe_neuron(0) == "dynamic: 71% tanh, 20% relu"
    pau = Rational()
    pau.build(1, np.float64)
    assert pau.describe_neuron(0).startswith("rational ≈ leaky_relu")


def test_summary_and_explanation_show_the_drift():
    net = nk.mlp([2, 2, 1], activation="dynamic", seed=0)
    net["hidden1"].activation.logits.data[1] = np.log([0.20, 0.71, 0.05, 0.04])
    summary = net.summary()
    row = next(r for r in summary.rows if r["layer"] == "hidden1")
    assert row["activation_drift"][1] == "dynamic: 71% tanh, 20% relu"
    assert "[1] dynamic: 71% tanh, 20% relu" in str(summary)
    neuron = net["hidden1"].neurons[1]
    x = np.array([0.3, -0.2], dtype=np.float32)
    e = neuron.explain(x)
    assert e.drift == "dynamic: 71% tanh, 20% relu"
    assert "(learnt: dynamic: 71% tanh, 20% relu)" in str(e)
    w = np.array([0.20, 0.71, 0.05, 0.04])
    expected = w @ [max(e.z, 0.0), math.tanh(e.z), sigmoid(e.z), e.z]
    assert e.output == pytest.approx(expected, rel=1e-5)
    fixed = nk.mlp([2, 2, 1], seed=0)
    assert all("activation_drift" not in r for r in fixed.summary().rows)
    assert fixed["hidden1"].neurons[0].explain([1.0, 1.0]).drift is None


def test_the_timeline_finds_learnable_activations_in_a_bare_layer_and_inside_an_moe():
    X = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
    layer = nk.Dense(3, 1, activation="swish", seed=0)
    timeline = nk.callbacks.ActivationTimeline()
    nk.fit(layer, X, X[:, :1], epochs=1, progress=False, callbacks=[timeline])
    assert timeline.to_dict()["parameters"].keys() == {"Dense.activation.beta"}
    net = nk.build("moe(4,swish,experts=2,k=1),dense(out)", (3,), outputs=2, output="softmax", seed=0)
    timeline = nk.callbacks.ActivationTimeline()
    nk.fit(net, X, (X[:, 0] > 0).astype(np.int64), epochs=2, progress=False, callbacks=[timeline])
    recorded = timeline.to_dict()["parameters"]
    assert set(recorded) == {name for name, _ in net.named_parameters() if name.endswith(".beta")}
    last = {name: value[-1] for name, value in recorded.items()}
    params = dict(net.named_parameters())
    for name, value in last.items():
        np.testing.assert_allclose(value, params[name].data, rtol=1e-6)
