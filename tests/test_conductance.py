"""Neuron/layer conductance, internal influence, contributions, DeepLIFT and LRP (issue 18, items 1-2).

Each method is checked against its defining property (completeness, summation to delta, conservation),
hand-worked values on tiny networks, and Captum 0.9 on the same weights copied into torch (float64).
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, UnknownNameError

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")

from ._torch_mlp import torch_mlp  # noqa: E402  (after the importorskip of torch)


def _net(activation: str = "tanh", sizes: tuple[int, ...] = (4, 6, 5, 3), seed: int = 0) -> nk.Sequential:
    """A float64 MLP with non-zero biases (so baselines and kinks matter)."""
    net = nk.mlp(list(sizes), activation=activation, output="softmax", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 100)
    for layer in net:
        layer.bias.data[:] = rng.normal(scale=0.3, size=layer.bias.data.shape)
    return net


X = np.random.default_rng(7).normal(size=(5, 4))
BASE = np.random.default_rng(8).normal(scale=0.2, size=(5, 4))


def _hand_net() -> nk.Sequential:
    """hidden: relu(W1 x + b1), W1 = [[1, 2], [-1, 1]], b1 = 0.5; output F = 3 h0 - 2 h1 + 0.1."""
    net = nk.Sequential(nk.Dense(2, 2, activation="relu", seed=0, dtype=np.float64),
                        nk.Dense(2, 1, activation="identity", seed=1, dtype=np.float64))
    net["hidden1"].weight.data[:] = [[1.0, 2.0], [-1.0, 1.0]]
    net["hidden1"].bias.data[:] = [0.5, 0.5]
    net["output"].weight.data[:] = [[3.0, -2.0]]
    net["output"].bias.data[:] = [0.1]
    return net


# ---------------------------------------------------------------------------------------------------- conductance
def test_layer_conductance_hand_worked_two_layer_network():
    # x = (1, 2): z = (5.5, 1.5), z(0) = (0.5, 0.5); both neurons stay active on the path, so F is linear in h
    # and conductance_j = v_j (h_j(x) - h_j(0)) = (3 · 5, -2 · 1)
    net = _hand_net()
    c = nk.inspect.layer_conductance(net, [[1.0, 2.0]], steps=3)
    np.testing.assert_allclose(c, [[15.0, -2.0]], atol=1e-12)
    assert c.names == ["hidden1[0]", "hidden1[1]"] and c.layer == "hidden1"
    np.testing.assert_allclose(c.values, [3 * 5.5 - 2 * 1.5 + 0.1])
    np.testing.assert_allclose(c.baseline_values, [3 * 0.5 - 2 * 0.5 + 0.1])
    # internal influence: ∂F/∂h is the output weights everywhere
    np.testing.assert_allclose(nk.inspect.internal_influence(net, [[1.0, 2.0]], steps=3), [[3.0, -2.0]], atol=1e-12)
    # neuron conductance: v_j · W1[j] · x per feature
    np.testing.assert_allclose(nk.inspect.neuron_conductance(net, [[1.0, 2.0]], "hidden1[0]", steps=3),
                               [[3.0, 12.0]], atol=1e-12)
    np.testing.assert_allclose(nk.inspect.neuron_conductance(net, [[1.0, 2.0]], "hidden1[1]", steps=3),
                               [[2.0, -4.0]], atol=1e-12)


def test_layer_conductance_at_a_kink_is_exact_in_h():
    # h = relu(x - 1), F = 3 h: on the path 0 -> 3 the neuron switches on at α = 1/3; the sum in h is exact
    net = nk.Sequential(nk.Dense(1, 1, activation="relu", seed=0, dtype=np.float64),
                        nk.Dense(1, 1, activation="identity", seed=1, dtype=np.float64))
    net["hidden1"].weight.data[:] = 1.0
    net["hidden1"].bias.data[:] = -1.0
    net["output"].weight.data[:] = 3.0
    net["output"].bias.data[:] = 0.0
    for steps in (1, 4, 7):
        np.testing.assert_allclose(nk.inspect.layer_conductance(net, [[3.0]], steps=steps), [[6.0]], atol=1e-12)


def test_layer_conductance_completeness_and_convergence():
    net = _net("tanh")
    coarse = nk.inspect.layer_conductance(net, X, layer="hidden1", target=2, baseline=BASE, steps=8)
    fine = nk.inspect.layer_conductance(net, X, layer="hidden1", target=2, baseline=BASE, steps=256)
    assert fine.completeness_ok
    np.testing.assert_allclose(fine.sum(axis=1), fine.values - fine.baseline_values, atol=1e-4)
    # the error of the Stieltjes sum shrinks with steps (like 1/steps² for a smooth network)
    assert np.max(np.abs(coarse.delta)) > 1e-6
    assert np.max(np.abs(fine.delta)) < np.max(np.abs(coarse.delta)) / 100
    # and completeness holds for the second hidden layer too
    second = nk.inspect.layer_conductance(net, X, layer="hidden2", target=0, steps=256)
    np.testing.assert_allclose(second.sum(axis=1), second.values - second.baseline_values, atol=1e-4)


def test_neuron_conductance_sums_to_layer_conductance():
    net = _net("tanh")
    layer = nk.inspect.layer_conductance(net, X, layer="hidden2", target=1, steps=400)
    for j in (0, 3):
        nc = nk.inspect.neuron_conductance(net, X, f"hidden2[{j}]", target=1, steps=400)
        assert nc.shape == X.shape and nc.neuron == f"hidden2[{j}]"
        np.testing.assert_allclose(nc.sum(axis=1), layer[:, j], atol=1e-4)


def test_layer_conductance_matches_captum():
    net = _net("tanh")
    model = torch_mlp(net, "tanh")
    x, b = torch.from_numpy(X), torch.from_numpy(BASE)
    ours = nk.inspect.layer_conductance(net, X, layer="hidden1", target=2, baseline=BASE, steps=500)
    ref = captum_attr.LayerConductance(model, model[1]).attribute(x, baselines=b, target=2, n_steps=500)
    np.testing.assert_allclose(ours, ref.detach().numpy(), atol=2e-3 * np.abs(ours).max())


def test_neuron_conductance_and_internal_influence_match_captum():
    net = _net("tanh")
    model = torch_mlp(net, "tanh")
    x, b = torch.from_numpy(X), torch.from_numpy(BASE)
    ours = nk.inspect.neuron_conductance(net, X, "hidden2[3]", target=0, baseline=BASE, steps=400)
    ref = captum_attr.NeuronConductance(model, model[3]).attribute(x, neuron_selector=3, baselines=b, target=0,
                                                                    method="gausslegendre", n_steps=400)
    np.testing.assert_allclose(ours, ref.detach().numpy(), atol=2e-3 * np.abs(ours).max())
    ours_ii = nk.inspect.internal_influence(net, X, layer="hidden2", target=0, baseline=BASE, steps=400)
    ref_ii = captum_attr.InternalInfluence(model, model[3]).attribute(x, baselines=b, target=0, n_steps=400)
    np.testing.assert_allclose(ours_ii, ref_ii.detach().numpy(), atol=5e-3 * np.abs(ours_ii).max())


def test_conductance_matches_captum_on_a_relu_network():
    net = _net("relu", seed=3)
    model = torch_mlp(net, "relu")
    ours = nk.inspect.layer_conductance(net, X, layer="hidden2", target=1, steps=2000)
    ref = captum_attr.LayerConductance(model, model[3]).attribute(torch.from_numpy(X), target=1, n_steps=2000)
    np.testing.assert_allclose(ours, ref.detach().numpy(), atol=5e-3 * np.abs(ours).max())


def test_contributions_table():
    net = _net("tanh", sizes=(4, 8, 3))
    table = nk.inspect.contributions(net, X[0], target=1, steps=300)
    c = nk.inspect.layer_conductance(net, X[:1], target=1, steps=300)
    order = np.argsort(-c[0])
    assert table.names == [f"hidden1[{i}]" for i in order]
    np.testing.assert_allclose(table.conductance, np.asarray(c[0])[order])
    assert np.all(np.diff(table.conductance) <= 0)
    np.testing.assert_allclose(table.share.sum(), 1.0, atol=1e-3)  # shares of F(x) - F(x')
    positive = np.clip(table.conductance, 0, None)
    carried = table.carried(0.8)
    k = len(carried)
    assert carried == table.names[:k]
    assert positive[:k].sum() >= 0.8 * positive.sum() - 1e-12
    assert k == 1 or positive[:k - 1].sum() < 0.8 * positive.sum()
    assert str(table).startswith("contributions of layer 'hidden1' to output 1")
    assert table.rows()[0]["neuron"] == table.names[0]


# ---------------------------------------------------------------------------------------------------- DeepLIFT
@pytest.mark.filterwarnings("ignore:Setting forward, backward hooks:UserWarning")  # Captum's own notice
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_deeplift_summation_to_delta_and_captum(activation):
    net = _net(activation, seed=1)
    d = nk.inspect.deeplift(net, X, target=2, baseline=BASE)
    logits = net.logits(X).data[:, 2] - net.logits(BASE).data[:, 2]
    np.testing.assert_allclose(d.sum(axis=1), logits, atol=1e-10)
    np.testing.assert_allclose(d.delta, 0.0, atol=1e-10)
    model = torch_mlp(net, activation)
    ref = captum_attr.DeepLift(model).attribute(torch.from_numpy(X).requires_grad_(), baselines=torch.from_numpy(BASE),
                                                target=2)
    np.testing.assert_allclose(d, ref.detach().numpy(), atol=1e-9)


def test_deeplift_hand_worked_and_through_attribute():
    # both hidden neurons stay in the linear part of relu between baseline 0 and x: DeepLIFT = gradient × input
    net = _hand_net()
    np.testing.assert_allclose(nk.inspect.deeplift(net, [[1.0, 2.0]]), [[3.0 + 2.0, 12.0 - 4.0]], atol=1e-12)
    # x = (-2, 0): h0 falls 0.5 -> 0 over Δz0 = -2 (rescale 1/4); h1 rises 0.5 -> 2.5 (rescale 1)
    # m_x = 3 · 1/4 · (1, 2) - 2 · 1 · (-1, 1) = (2.75, -0.5); attribution = x · m_x
    np.testing.assert_allclose(nk.inspect.deeplift(net, [[-2.0, 0.0]]), [[-5.5, 0.0]], atol=1e-12)
    net2 = _net("relu")
    via = nk.inspect.attribute(net2, X, method="deeplift", target=0, baseline=BASE)
    np.testing.assert_allclose(via, nk.inspect.deeplift(net2, X, target=0, baseline=BASE), atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # three epochs suffice here
def test_deeplift_of_an_estimator_is_in_unscaled_features():
    rng = np.random.default_rng(0)
    Xd = rng.normal(loc=5.0, scale=3.0, size=(60, 3))
    y = (Xd[:, 0] > 5.0).astype(int)
    est = nk.NeuralClassifier((4,), max_iter=3, random_state=0).fit(Xd, y)
    d = nk.inspect.deeplift(est, Xd[:3], target=1, baseline=Xd.mean(axis=0))
    np.testing.assert_allclose(d.delta, 0.0, atol=1e-5)
    np.testing.assert_allclose(d.values - d.baseline_values, d.sum(axis=1), atol=1e-5)


# ---------------------------------------------------------------------------------------------------- LRP
def test_lrp_epsilon_conserves_as_epsilon_goes_to_zero():
    net = _net("relu", seed=2)
    for layer in net:
        layer.bias.data[:] = 0.0
    Xp = np.abs(X)
    errors = [np.max(np.abs(nk.inspect.lrp(net, Xp, target=1, epsilon=eps).delta)) for eps in (1e-1, 1e-3, 0.0)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-10
    r = nk.inspect.lrp(net, Xp, target=1, epsilon=0.0)
    np.testing.assert_allclose(r.values, net.logits(Xp).data[:, 1])
    np.testing.assert_allclose(r.delta, r.sum(axis=1) - r.values)


def test_lrp_epsilon_zero_is_gradient_x_input_for_relu_without_biases():
    net = _net("relu", seed=2)
    for layer in net:
        layer.bias.data[:] = 0.0
    r = nk.inspect.lrp(net, X, target=0, epsilon=0.0)
    gxi = nk.inspect.attribute(net, X, method="grad_x_input", target=0)
    np.testing.assert_allclose(r, gxi, atol=1e-10)


def test_lrp_zplus_conserves_with_hidden_biases():
    # z+ ignores the biases of its layers and passes on all relevance wherever its denominators are > 0;
    # the top layer (epsilon = 0, no bias) passes on all of F(x)
    net = _net("relu", seed=4)
    net["output"].bias.data[:] = 0.0
    Xp = np.abs(X) + 0.1
    rules = {"hidden1": "z+", "hidden2": "z+", "output": "epsilon"}
    r = nk.inspect.lrp(net, Xp, target=2, rule=rules, epsilon=0.0)
    np.testing.assert_allclose(r.delta, 0.0, atol=1e-7 * np.abs(r.values).max())  # the 1e-9 stabiliser
    np.testing.assert_allclose(r.values, net.logits(Xp).data[:, 2])
    # the epsilon rule on the same network loses the hidden biases' share: conservation fails, and is reported
    eps = nk.inspect.lrp(net, Xp, target=2, epsilon=0.0)
    assert np.max(np.abs(eps.delta)) > 1e-3
    np.testing.assert_allclose(eps.delta, eps.sum(axis=1) - eps.values)


@pytest.mark.parametrize("rules", [{"hidden1": "epsilon", "hidden2": "epsilon", "output": "epsilon"},
                                   {"hidden1": "z+", "hidden2": "z+", "output": "epsilon"}])
def test_lrp_matches_captum_rules_per_layer(rules):
    from captum.attr._utils.lrp_rules import Alpha1_Beta0_Rule, EpsilonRule

    net = _net("relu", seed=5)
    Xp = np.abs(X) + 0.1
    model = torch_mlp(net, "relu")
    for name, module in zip(["hidden1", "hidden2", "output"], [model[0], model[2], model[4]]):
        module.rule = EpsilonRule(epsilon=1e-3) if rules[name] == "epsilon" else Alpha1_Beta0_Rule(
            set_bias_to_zero=True)
    ref = captum_attr.LRP(model).attribute(torch.from_numpy(Xp).requires_grad_(), target=1)
    ours = nk.inspect.lrp(net, Xp, target=1, rule=rules, epsilon=1e-3)
    np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_with_clear_messages():
    net = _net("relu")
    with pytest.raises(ParameterError, match=r"output index in 0\.\.2; got 3"):
        nk.inspect.layer_conductance(net, X, target=3)
    with pytest.raises(ParameterError, match=r"output index in 0\.\.2"):
        nk.inspect.deeplift(net, X, target=-1)
    with pytest.raises(UnknownNameError, match="no layer named 'hiden1'; layers are: hidden1, hidden2, output; "
                                               "did you mean 'hidden1'"):
        nk.inspect.layer_conductance(net, X, layer="hiden1")
    with pytest.raises(ParameterError, match="layer 'output' is a Dense \\(the output layer\\).*hidden1, hidden2"):
        nk.inspect.internal_influence(net, X, layer="output")
    with pytest.raises(UnknownNameError, match="no layer named 'h2'"):
        nk.inspect.neuron_conductance(net, X, "h2[0]")
    with pytest.raises(ParameterError, match=r"has 6 neurons .* got index 9"):
        nk.inspect.neuron_conductance(net, X, "hidden1[9]")
    with pytest.raises(ParameterError, match="one prediction; x holds 5 samples"):
        nk.inspect.contributions(net, X)
    with pytest.raises(ParameterError, match="steps must be an integer >= 1; got 0"):
        nk.inspect.layer_conductance(net, X, steps=0)
    with pytest.raises(UnknownNameError, match="unknown LRP rule 'gamma'"):
        nk.inspect.lrp(net, X, rule="gamma")
    with pytest.raises(ParameterError, match="epsilon"):
        nk.inspect.lrp(net, X, epsilon=-1.0)
    with pytest.raises(ParameterError, match=r"no rule for layers \['output'\]"):
        nk.inspect.lrp(net, X, rule={"hidden1": "z+", "hidden2": "z+"})
    with pytest.raises(ParameterError, match=r"does not go through: \['out'\]"):
        nk.inspect.lrp(net, X, rule={"hidden1": "z+", "hidden2": "z+", "output": "z+", "out": "z+"})
    with pytest.raises(ParameterTypeError, match="rule must be a rule name"):
        nk.inspect.lrp(net, X, rule=3)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="logit of a softmax output"):
        nk.inspect.deeplift(net, X, output="probability")
    normed = nk.Sequential(nk.Dense(4, 3, seed=0), nk.LayerNorm(3), nk.Dense(3, 2, seed=1))
    with pytest.raises(ParameterError, match="layer 'layernorm1' is a LayerNorm"):
        nk.inspect.lrp(normed, X, target=0)
    with pytest.raises(ParameterError, match="layer 'layernorm1' is a LayerNorm"):
        nk.inspect.deeplift(normed, X, target=0)
