"""nk.inspect: traces, backprop terms, neuron health, attribution, specialisation, pictures.

Constructed cases with known answers first; then checks on a small model trained on digits.
"""

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import neuronkit as nk
from neuronkit import inspect as ni
from neuronkit.inspect import attribution
from neuronkit.registry import Registry


def relu(z):
    return np.maximum(z, 0.0)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def weights(net, name):
    layer = net[name]
    return layer.weight.data.astype(np.float64), layer.bias.data.astype(np.float64)


@pytest.fixture(scope="module")
def digits():
    return nk.datasets.load("digits")


@pytest.fixture(scope="module")
def clf(digits):
    """A small classifier trained on digits (scaler inside; inputs are raw pixels 0..16)."""
    with pytest.warns(ConvergenceWarning):  # 15 epochs on purpose: small and quick, not converged
        return nk.NeuralClassifier(hidden_layer_sizes=(32,), max_iter=15, random_state=0).fit(digits.X, digits.y)


def small_net(seed=0, dtype=np.float64):
    return nk.mlp([4, 5, 3], output="softmax", seed=seed, dtype=dtype)


# ---------------------------------------------------------------------------- trace, explain, backprop
def test_trace_records_every_neuron_as_numpy_computes_it():
    net = small_net()
    x = np.array([0.5, -1.0, 2.0, 0.1])
    t = ni.trace(net, x)
    W1, b1 = weights(net, "hidden1")
    W2, b2 = weights(net, "output")
    z1 = W1 @ x + b1
    z2 = W2 @ relu(z1) + b2
    np.testing.assert_allclose(t["hidden1"].z, z1)
    np.testing.assert_allclose(t["hidden1"].output, relu(z1))
    np.testing.assert_allclose(t.logits, z2)
    np.testing.assert_allclose(t.output, softmax(z2[None])[0])
    assert t["hidden1[3]"].name == "hidden1[3]" and t["hidden1[3]"].z == pytest.approx(z1[3])
    assert [n.name for n in t][:2] == ["hidden1[0]", "hidden1[1]"]
    assert t.prediction == int(np.argmax(z2))
    assert "hidden1[4]" in str(t)
    json.dumps(t.to_dict())
    with pytest.raises(KeyError, match="hidden1"):
        t["hidden9[0]"]


def test_trace_of_an_estimator_takes_raw_inputs(clf, digits):
    t = ni.trace(clf, digits.X[0])
    np.testing.assert_allclose(t.inputs, clf.transform_inputs(digits.X[:1])[0], rtol=1e-6)
    assert t.prediction == clf.predict(digits.X[:1])[0]


def test_explain_uses_the_layer_input():
    net = nk.mlp([3, 4, 4, 2], output="softmax", seed=1)
    x = np.array([1.0, -0.5, 0.25], dtype=np.float32)
    e = ni.explain(net, "hidden2[1]", x)
    h1 = ni.trace(net, x)["hidden1"].output
    assert e.inputs == pytest.approx(tuple(h1), rel=1e-6)
    assert e.output == pytest.approx(ni.trace(net, x)["hidden2[1]"].output, rel=1e-6)
    assert "hidden2[1]" in str(e)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "prelu"])
@pytest.mark.parametrize("neuron", ["hidden1[2]", "hidden2[0]", "output[1]"])
def test_backprop_terms_multiply_to_the_engine_gradient(activation, neuron):
    net = nk.mlp([3, 4, 3, 2], activation=activation, output="softmax", seed=2, dtype=np.float64)
    b = ni.backprop(net, [0.3, -1.2, 0.8], 1, neuron)
    assert b.matches_engine, b.max_error
    np.testing.assert_allclose(b.weight_grads, b.delta * b.inputs)
    if b.dL_dout is not None:
        assert b.delta == pytest.approx(b.dL_dout * b.dout_dz, rel=1e-12, abs=1e-15)
    assert "∂L/∂b" in str(b) and neuron in str(b)


def test_backprop_by_hand_for_a_tiny_regression_network():
    # one sigmoid hidden layer, identity output, L = (out - y)^2
    net = nk.Sequential(nk.Dense(2, 2, activation="sigmoid", seed=0, dtype=np.float64),
                        nk.Dense(2, 1, activation="identity", seed=1, dtype=np.float64))
    x, y = np.array([0.5, -0.3]), 0.7
    W1, b1 = weights(net, "hidden1")
    W2, b2 = weights(net, "output")
    z = W1 @ x + b1
    h = 1 / (1 + np.exp(-z))
    out = W2 @ h + b2
    dL_dout_final = 2 * (out[0] - y)
    dL_dh1 = dL_dout_final * W2[0, 1]
    dh_dz1 = h[1] * (1 - h[1])
    b = ni.backprop(net, x, [y], "hidden1[1]")
    assert b.dL_dout == pytest.approx(dL_dh1)
    assert b.dout_dz == pytest.approx(dh_dz1)
    np.testing.assert_allclose(b.weight_grads, dL_dh1 * dh_dz1 * x)
    assert b.loss == "mse" and b.loss_value == pytest.approx((out[0] - y) ** 2)


def test_inspection_leaves_the_models_gradients_alone(clf, digits):
    net = clf.network_
    markers = {name: np.full_like(p.data, 7.0) for name, p in net.named_parameters()}
    for name, p in net.named_parameters():
        p.grad = markers[name]
    try:
        assert ni.backprop(clf, digits.X[3], digits.y[3], "hidden1[5]").matches_engine
        ni.health(clf, digits.X[:20], digits.y[:20])
        ni.attribute(clf, digits.X[:2], "integrated_gradients", steps=4)
        ni.maximize_activation(clf, "hidden1[0]", steps=3)
        assert all(p.grad is markers[name] for name, p in net.named_parameters())
    finally:
        net.zero_grad()


def test_neuron_names_are_checked_with_helpful_messages():
    net = nk.Sequential(nk.Dense(2, 3, seed=0), nk.Dropout(0.5, seed=0), nk.Dense(3, 2, seed=0))
    x = [0.1, 0.2]
    with pytest.raises(ValueError, match="layers are: hidden1, dropout1, output"):
        ni.explain(net, "hiden1[0]", x)
    with pytest.raises(ValueError, match=r"has 3 neurons \(hidden1\[0\] .. hidden1\[2\]\); got index 3"):
        ni.explain(net, "hidden1[3]", x)
    with pytest.raises(ValueError, match="Dropout, which has no neurons"):
        ni.explain(net, "dropout1[0]", x)
    with pytest.raises(ValueError, match=r"LAYER\[INDEX\]"):
        ni.explain(net, "hidden1", x)
    assert ni.explain(net, "hidden1:2", x).label == ni.explain(net, "hidden1.neuron[2]", x).label
    with pytest.raises(ValueError, match=r"one sample of shape \(2,\)"):
        ni.trace(net, np.zeros((2, 2)))
    with pytest.raises(TypeError, match="nk.Sequential"):
        ni.trace("not a model", x)
    with pytest.raises(ValueError, match="not fitted"):
        ni.trace(nk.NeuralClassifier(), x)


# ---------------------------------------------------------------------------- health: known answers
def test_a_neuron_with_bias_minus_100_is_dead():
    net = nk.mlp([3, 6, 2], output="softmax", seed=0)
    net["hidden1"].bias.data[4] = -100.0
    X = np.random.default_rng(0).normal(size=(100, 3))
    report = ni.health(net, X)
    assert report.dead == ["hidden1[4]"]
    (problem,) = report.problems_of("dead")
    assert problem.neurons == ("hidden1[4]",)
    # the layer already uses He initialisation (relu's default), so the remedy does not advise it again
    assert "leaky_relu" in problem.remedy and "He initialisation" not in problem.remedy
    assert report.layers["hidden1"].firing_rate[4] == 0.0
    assert not report.ok


def test_sigmoid_network_fed_large_inputs_is_saturated_and_small_inputs_are_not():
    net = nk.mlp([5, 8, 2], activation="sigmoid", output="softmax", seed=0)
    X = np.random.default_rng(0).normal(size=(200, 5))
    assert ni.health(net, X).saturated == []
    report = ni.health(net, X * 1000.0)
    assert len(report.saturated) == 8
    assert "Standardise the inputs" in report.problems_of("saturated")[0].remedy
    assert report.layers["hidden1"].saturation.min() >= 0.9


def test_saturation_thresholds_are_adjustable():
    net = nk.mlp([1, 1, 1], activation="tanh", seed=0)
    net["hidden1"].weight.data[:] = 1.0
    X = np.linspace(-4, 4, 101)[:, None]  # |z| >= 3 on ~25% of samples: tanh'(3) ~ 0.0099
    assert ni.health(net, X).saturated == []
    assert ni.health(net, X, thresholds={"saturation_fraction": 0.2}).saturated == ["hidden1[0]"]


def deep(activation, init, depth=20, seed=0):
    return nk.mlp([16] + [32] * (depth - 1) + [4], activation=activation, output="softmax", init=init, seed=seed)


def test_vanishing_gradients_in_a_deep_sigmoid_network_but_not_in_he_relu():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(128, 16)), rng.integers(0, 4, 128)
    small = nk.init.get_initializer("normal", std=0.01)
    sigmoid_report = ni.health(deep("sigmoid", small), X, y)
    assert sigmoid_report.gradients.ratio < 1e-3
    (problem,) = sigmoid_report.problems_of("vanishing_gradients")
    assert "He initialisation" in problem.remedy
    relu_report = ni.health(deep("relu", "he_normal"), X, y)
    assert 1e-3 < relu_report.gradients.ratio < 1e3
    assert not relu_report.problems_of("vanishing_gradients")
    assert not relu_report.problems_of("exploding_gradients")


def test_exploding_gradients_with_a_large_initialisation():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 16)), rng.integers(0, 4, 64)
    report = ni.health(deep("relu", nk.init.get_initializer("normal", std=0.5)), X, y)
    (problem,) = report.problems_of("exploding_gradients")
    assert "clip" in problem.remedy


def test_two_identical_rows_are_duplicates():
    net = nk.mlp([4, 6, 2], output="softmax", seed=0)
    layer = net["hidden1"]
    layer.weight.data[3] = layer.weight.data[1]
    layer.bias.data[3] = layer.bias.data[1]
    X = np.random.default_rng(1).normal(size=(50, 4))
    report = ni.health(net, X)
    assert report.duplicates == [("hidden1[1]", "hidden1[3]")]
    assert report.layers["hidden1"].duplicates == [(1, 3, "identical weights")]
    # a scaled copy gets its own gradient (training separates it), and merely correlated outputs are no
    # duplicates: on low-dimensional data healthy random neurons correlate above 0.99 (issue 10)
    layer.weight.data[3] = 2.0 * layer.weight.data[1]
    layer.bias.data[3] = 2.0 * layer.bias.data[1]
    assert ni.health(net, X).layers["hidden1"].duplicates == []


def test_excitatory_balance_counts_weight_signs():
    net = nk.mlp([4, 2, 2], output="softmax", seed=0)
    net["hidden1"].weight.data[:] = [[1.0, 2.0, -1.0, 0.0], [-1.0, -1.0, -1.0, -1.0]]
    lh = ni.health(net, np.ones((3, 4))).layers["hidden1"]
    np.testing.assert_allclose(lh.excitatory, [0.5, 0.0])
    np.testing.assert_allclose(lh.balance, [0.5, -1.0])


def test_report_text_and_json(clf, digits):
    report = ni.health(clf, digits.X, digits.y)
    text = str(report)
    assert "hidden1" in text and "gradient norm ratio" in text and "no problems found" in text
    data = json.loads(report.to_json())
    assert data["n_samples"] == len(digits.X)
    assert set(data["layers"]["hidden1"]["neurons"]) == {f"hidden1[{i}]" for i in range(32)}
    assert data["gradients"]["ratio_first_last"] == pytest.approx(report.gradients.ratio)
    assert report.ok


def test_thresholds_are_validated():
    with pytest.raises(ValueError, match="unknown thresholds \\['dead'\\]; valid names are: saturation_eps"):
        ni.Thresholds.of({"dead": 1})
    with pytest.raises(ValueError, match="saturation_fraction must be a finite number in \\(0, 1\\]; got 2"):
        ni.Thresholds(saturation_fraction=2)
    with pytest.raises(ValueError, match="vanishing_ratio must be a finite number > 0; got -1"):
        ni.Thresholds(vanishing_ratio=-1)


def test_health_monitor_warns_once_per_problem_and_tracks_frozen_neurons():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    net = nk.mlp([8, 6, 2], output="softmax", seed=0)
    net["hidden1"].bias.data[2] = -100.0
    monitor = ni.HealthMonitor(X)
    with pytest.warns(ni.NeuronHealthWarning) as caught:
        history = nk.fit(net, X, y, epochs=4, seed=0, progress=False, callbacks=[monitor])
    messages = [str(w.message) for w in caught]
    assert sum("dead in hidden1" in m for m in messages) == 1        # once, though dead every epoch
    assert sum("frozen in hidden1" in m for m in messages) == 1
    assert all("hidden1[2]" in m for m in messages) and "epoch 1:" in messages[0]
    assert monitor.history["dead"]["hidden1"] == [1, 1, 1, 1]
    assert monitor.history["frozen"]["hidden1"] == [1, 1, 1, 1]
    assert len(monitor.history["grad_norm"]["output"]) == 4
    report = monitor.report()
    assert report.frozen == ["hidden1[2]"] and report.dead == ["hidden1[2]"]
    assert "over training" in str(report)
    assert any("HealthMonitor" in note for note in history.notes)


def test_health_monitor_sees_vanishing_gradients_during_training_and_can_stay_quiet():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 16)).astype(np.float32)
    y = rng.integers(0, 4, 64)
    net = deep("sigmoid", nk.init.get_initializer("normal", std=0.01))
    monitor = ni.HealthMonitor(warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warn=False: nothing may be issued
        nk.fit(net, X, y, epochs=2, seed=0, progress=False, callbacks=[monitor])
    kinds = [p.kind for _, p in monitor.problems]
    assert kinds.count("vanishing_gradients") == 1      # recorded once, at epoch 1
    # ... and the early layers, with gradients ~1e-30, do not move at all: frozen
    frozen = {p.layer for _, p in monitor.problems if p.kind == "frozen"}
    assert "hidden1" in frozen and "output" not in frozen
    assert all(r < 1e-3 for r in monitor.history["grad_ratio"])
    assert not monitor.report().layers["hidden1"].measured   # no X: activations were not examined


# ---------------------------------------------------------------------------- attribution
def test_gradient_x_input_is_each_features_exact_contribution_in_a_linear_model():
    net = nk.Sequential(nk.Dense(5, 3, activation="identity", seed=0))
    X = np.random.default_rng(0).normal(size=(10, 5))
    W, b = weights(net, "output")
    a = ni.attribute(net, X, "grad_x_input", target=2)
    np.testing.assert_allclose(a, W[2] * X, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(a).sum(axis=1) + b[2], X @ W[2] + b[2], rtol=1e-6)
    np.testing.assert_allclose(ni.attribute(net, X, "saliency", target=2), np.abs(np.broadcast_to(W[2], X.shape)))
    # with a zero baseline, occlusion and integrated gradients give the same exact contributions
    np.testing.assert_allclose(ni.attribute(net, X, "occlusion", target=2), W[2] * X, rtol=1e-5, atol=1e-6)
    ig = ni.attribute(net, X, "integrated_gradients", target=2, steps=3)
    np.testing.assert_allclose(ig, W[2] * X, rtol=1e-6)
    assert ig.completeness_error.max() < 1e-5 and ig.completeness_ok


def test_integrated_gradients_are_complete_on_a_trained_digits_model(clf, digits):
    X = digits.X[:150]
    ig = ni.attribute(clf, X, "integrated_gradients")       # 50 steps, baseline 0 (a blank image)
    assert ig.shape == X.shape and ig.method == "integrated_gradients"
    assert ig.completeness_ok, (ig.completeness_error / ig.tolerance).max()
    # f(x) is the predicted class's logit: check it and f(0) with an independent forward pass
    logits = nk.training.outputs(clf.network_, clf.transform_inputs(X), logits=True)
    blank = nk.training.outputs(clf.network_, clf.transform_inputs(np.zeros((1, 64))), logits=True)[0]
    assert np.array_equal(ig.target, np.argmax(logits, axis=1))
    rows = np.arange(len(X))
    np.testing.assert_allclose(ig.values, logits[rows, ig.target], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ig.baseline_values, blank[ig.target], rtol=1e-4, atol=1e-4)
    sums = np.asarray(ig).sum(axis=1)
    assert np.all(np.abs(sums - (ig.values - ig.baseline_values)) <= ig.tolerance)
    # chunking does not change the answer
    np.testing.assert_allclose(ni.attribute(clf, X[:5], "ig", batch_size=60), ig[:5], rtol=1e-9)


def test_attribution_to_a_hidden_neuron_and_through_the_scaler(clf, digits):
    x = digits.X[:4]
    W, _ = weights(clf.network_, "hidden1")
    scale = clf.transform_inputs(np.ones((1, 64)))[0] - clf.transform_inputs(np.zeros((1, 64)))[0]
    # z of a first-layer neuron is w·(x·scale + shift) + b, so ∂z/∂x = w·scale
    grad = ni.attribute(clf, x, "grad_x_input", neuron="hidden1[7]")
    np.testing.assert_allclose(grad, x * W[7] * scale, rtol=1e-4, atol=1e-6)
    assert grad.neuron == "hidden1[7]" and grad.target is None


def test_attribution_targets_and_options(clf, digits):
    X = digits.X[:6]
    sal = ni.attribute(clf, X, "saliency", target=3)
    assert np.array_equal(sal.target, np.full(6, 3)) and np.all(np.asarray(sal) >= 0)
    per_sample = ni.attribute(clf, X, "saliency", target=digits.y[:6])
    assert np.array_equal(per_sample.target, digits.y[:6])
    prob = ni.attribute(clf, X, "integrated_gradients", output="probability", steps=20)
    assert prob.output == "activation" and np.all((prob.values >= 0) & (prob.values <= 1))
    with pytest.raises(ValueError, match="valid names are: saliency, grad_x_input, integrated_gradients, occl"):
        ni.attribute(clf, X, "lime")
    with pytest.raises(ValueError, match="either target= .* or neuron="):
        ni.attribute(clf, X, target=1, neuron="hidden1[0]")
    with pytest.raises(ValueError, match="output must be 'potential'"):
        ni.attribute(clf, X, output="softmax")
    with pytest.raises(ValueError, match="target must be an output index in 0..9"):
        ni.attribute(clf, X, target=10)
    with pytest.raises(ValueError, match="baseline must be a number, one sample \\(64,\\)"):
        ni.attribute(clf, X, "integrated_gradients", baseline=np.zeros(3))
    with pytest.raises(ValueError, match="X has 3 features but the model takes 64"):
        ni.attribute(clf, np.zeros((2, 3)))


def test_attribution_methods_live_in_a_registry(monkeypatch):
    def ones(objective, X, target, *, baseline, steps, batch_size):
        return np.ones_like(X), {}

    with pytest.raises(ValueError, match="'ig' is already taken by 'integrated_gradients'"):
        ni.register_attribution("ig", ones)  # refused before anything is registered
    registry = Registry(ni.ATTRIBUTIONS.kind)  # a copy, so the method added here is gone after the test
    for name, method in ni.ATTRIBUTIONS.items():
        registry.register(name, method)
    monkeypatch.setattr(attribution, "ATTRIBUTIONS", registry)
    ni.register_attribution("ones", ones)
    net = nk.Sequential(nk.Dense(2, 1, activation="identity", seed=0))
    assert np.all(ni.attribute(net, [[1.0, 2.0]], "ones") == 1.0)


# ---------------------------------------------------------------------------- specialisation
def test_ablation_matches_recomputing_by_hand_without_the_neuron():
    net = nk.mlp([4, 5, 3, 3], output="softmax", seed=3, dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(40, 4))
    y = np.arange(40) % 3
    before = {k: v.copy() for k, v in net.state_dict().items()}
    W1, b1 = weights(net, "hidden1")
    W2, b2 = weights(net, "hidden2")
    W3, b3 = weights(net, "output")

    def by_hand(silence=None, value=0.0):
        h1 = relu(X @ W1.T + b1)
        if silence is not None:
            h1[:, silence] = value
        return softmax(relu(h1 @ W2.T + b2) @ W3.T + b3)

    np.testing.assert_allclose(ni.ablated_outputs(net, X, "hidden1[2]"), by_hand(2), rtol=1e-12)
    np.testing.assert_allclose(ni.ablated_outputs(net, X, ["hidden1[2]"], value=1.5), by_hand(2, 1.5), rtol=1e-12)
    report = ni.ablate(net, X, y)
    row = {r.neuron: r for r in report.rows}["hidden1[2]"]
    p = by_hand(2)
    assert row.loss == pytest.approx(-np.mean(np.log(p[np.arange(40), y])), rel=1e-10)
    assert row.accuracy == pytest.approx(np.mean(p.argmax(axis=1) == y))
    base = by_hand()
    assert report.base_loss == pytest.approx(-np.mean(np.log(base[np.arange(40), y])), rel=1e-10)
    assert len(report.rows) == 8 and report.ranking[0] == report.rows[0].neuron
    assert [r.delta_loss for r in report.rows] == sorted((r.delta_loss for r in report.rows), reverse=True)
    for key, value in net.state_dict().items():   # nothing was left changed on the model
        np.testing.assert_array_equal(value, before[key])
    with pytest.raises(ValueError, match="only hidden neurons can be ablated"):
        ni.ablate(net, X, y, ["output[0]"])


def test_mean_ablation_clamps_to_the_mean_output(clf, digits):
    X, y = digits.X[:200], digits.y[:200]
    mean = ni.top_activating(clf, X, "hidden1[0]", k=200).values.mean()
    report = ni.ablate(clf, X, y, "hidden1", value="mean")
    assert {r.neuron: r.value for r in report.rows}["hidden1[0]"] == pytest.approx(mean, rel=1e-5)
    assert report.base_accuracy == pytest.approx(clf.score(X, y))
    assert "Δ loss" in str(report)


def test_top_activating_samples(clf, digits):
    X = digits.X[:300]
    top = ni.top_activating(clf, X, "hidden1[5]", k=5)
    acts = np.array([ni.trace(clf, x)["hidden1[5]"].output for x in X])
    np.testing.assert_array_equal(top.indices, np.argsort(-acts, kind="stable")[:5])
    np.testing.assert_allclose(top.values, acts[top.indices], rtol=1e-6)


def test_activation_maximisation_finds_w_over_2_lambda_and_is_seeded():
    net = nk.mlp([3, 4, 2], output="softmax", seed=0, dtype=np.float64)
    W, _ = weights(net, "hidden1")
    r = ni.maximize_activation(net, "hidden1[1]", l2=0.5, steps=600, lr=0.05, seed=1)
    np.testing.assert_allclose(r.x, W[1] / (2 * 0.5), atol=5e-3)
    assert r.history[-1] > r.history[0]
    again = ni.maximize_activation(net, "output[0]", steps=50, seed=4)
    np.testing.assert_array_equal(again.x, ni.maximize_activation(net, "output[0]", steps=50, seed=4).x)
    assert not np.array_equal(again.x, ni.maximize_activation(net, "output[0]", steps=50, seed=5).x)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        ni.maximize_activation(net, "output[0]", seed=-1)


def test_activation_maximisation_of_a_digits_neuron_beats_the_data(clf, digits):
    r = ni.maximize_activation(clf, "hidden1[3]", bounds=(0.0, 16.0), steps=200, l2=0.001)
    assert r.x.min() >= 0.0 and r.x.max() <= 16.0
    best_sample = ni.top_activating(clf, digits.X, "hidden1[3]", k=1, output="potential").values[0]
    assert r.value > best_sample


def test_class_selectivity_by_hand_and_on_digits(clf, digits):
    net = nk.Sequential(nk.Dense(1, 2, activation="relu", seed=0), nk.Dense(2, 3, seed=0))
    net["hidden1"].weight.data[:] = [[1.0], [0.0]]
    net["hidden1"].bias.data[:] = [0.0, 1.0]
    X = np.array([[3.0], [1.0], [0.0]])
    s = ni.class_selectivity(net, X, ["a", "b", "c"])
    # neuron 0: class means (3, 1, 0): μ_max = 3, μ_rest = 0.5 -> 2.5 / 3.5
    assert s["hidden1[0]"] == pytest.approx(2.5 / 3.5)
    assert s["hidden1[1]"] == 0.0 and s.preferred[0] == "a"
    sel = ni.class_selectivity(clf, digits.X, digits.y)
    assert len(sel.neurons) == 32 and np.all((sel.index >= 0) & (sel.index <= 1))
    name, value, preferred = sel.top(1)[0]
    assert sel[name] == value and preferred in clf.classes_
    with pytest.raises(ValueError, match="at least two classes"):
        ni.class_selectivity(net, X, np.array([0, 0, 0]))
    with pytest.raises(ValueError, match="no sample of class\\(es\\) 2, 3, 4, 5, 6, 7, 8, 9;"):
        ni.class_selectivity(clf, digits.X[:2], np.array([0, 1]))


# ---------------------------------------------------------------------------- pictures
def png_shape(path):
    from matplotlib.image import imread

    return imread(path).shape


def test_every_picture_renders_to_png(tmp_path, clf, digits):
    X = digits.X[:100]
    rng = np.random.default_rng(0)
    Xs, ys = rng.normal(size=(64, 2)).astype(np.float32), rng.integers(0, 2, 64)
    monitor = ni.HealthMonitor(Xs, warn=False)
    net = nk.mlp([2, 8, 8, 2], output="softmax", seed=0)
    nk.fit(net, Xs, ys, epochs=3, seed=0, progress=False, callbacks=[monitor])
    ig = ni.attribute(clf, X[:6], "integrated_gradients", steps=16)
    figures = {
        "hist": ni.plot_activation_histograms(clf, X, path=tmp_path / "hist.png"),
        "grad_epochs": ni.plot_gradient_norms(monitor, path=tmp_path / "grad_epochs.png"),
        "grad_layers": ni.plot_gradient_norms(ni.health(clf, X, digits.y[:100]), path=tmp_path / "grad_layers.png"),
        "weights": ni.plot_weights(clf, path=tmp_path / "weights.png"),
        "attr": ni.plot_attributions(X[:6], ig, n=6, path=tmp_path / "attr.png"),
        "attr_bars": ni.plot_attributions(Xs[:2], np.ones((2, 2)), path=tmp_path / "attr_bars.png"),
        "top": ni.plot_top_activating(clf, X, ["hidden1[0]", "hidden1[1]"], k=5, path=tmp_path / "top.png"),
        "curves": ni.plot_learning_curves(clf, path=tmp_path / "curves.png"),
    }
    for name, fig in figures.items():
        height, width = png_shape(tmp_path / f"{name}.png")[:2]
        assert height >= 100 and width >= 150, name
        assert fig.axes
    # diverging colour map centred at 0 for the weights
    image = figures["weights"].axes[0].images[0]
    assert image.get_cmap().name == "RdBu_r" and image.norm.vmin == -image.norm.vmax
    with pytest.raises(ValueError, match="not images; give image_shape"):
        ni.plot_top_activating(net, Xs, ["hidden1[0]"])


def test_plotting_without_matplotlib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "neuronkit\[plot\]"'):
        ni.plot_weights(nk.mlp([2, 2, 2], seed=0))
