"""KernelSHAP and GradientSHAP (nk.inspect.kernel_shap / gradient_shap) against their definitions and Captum.

KernelSHAP with every coalition must equal the Shapley values computed here from the definition (a sum
over subsets, with the network's own forward pass); its values are efficient. GradientSHAP's expectation
is the mean over the background of integrated gradients from each row. Captum 0.9 (torch, float64, the
same weights) is the independent reference: its exact ``ShapleyValues`` (one baseline at a time, averaged
over the background) for KernelSHAP, its ``KernelShap`` and ``GradientShap`` within their Monte Carlo error.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from captum.attr import GradientShap, KernelShap, ShapleyValues
from sklearn.exceptions import ConvergenceWarning

import neuronkit as nk
import neuronkit.inspect as ni

torch.set_num_threads(1)


def make_net(sizes=(6, 5, 4, 3), seed=0) -> nk.Sequential:
    return nk.mlp(list(sizes), output="softmax", seed=seed, dtype=np.float64)


def logit(net: nk.Sequential, rows: np.ndarray, t: int) -> np.ndarray:
    return np.asarray(net.logits(rows).data, dtype=np.float64)[:, t]


def shapley_by_definition(f, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """φᵢ = Σ_{S ⊆ N∖{i}} |S|!(M-|S|-1)!/M! (v(S∪{i}) - v(S)), v(S) = mean_b f(x_S, b_S̄)."""
    M = len(x)

    def v(S: tuple[int, ...]) -> float:
        mask = np.zeros(M, dtype=bool)
        mask[list(S)] = True
        return float(np.mean(f(np.where(mask, x, background))))

    phi = np.zeros(M)
    for i in range(M):
        others = [j for j in range(M) if j != i]
        for size in range(M):
            w = math.factorial(size) * math.factorial(M - size - 1) / math.factorial(M)
            for S in itertools.combinations(others, size):
                phi[i] += w * (v(tuple(sorted(S + (i,)))) - v(S))
    return phi


def torch_copy(net: nk.Sequential) -> torch.nn.Sequential:
    """The same MLP in torch (float64), up to the logits."""
    mods: list[torch.nn.Module] = []
    dense = [layer for layer in net.layers.values()]
    for k, layer in enumerate(dense):
        lin = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(layer.weight.data))
            lin.bias.copy_(torch.tensor(layer.bias.data))
        mods.append(lin)
        if k < len(dense) - 1:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


@pytest.fixture
def float64_torch():
    """Captum accumulates some attributions in torch's default dtype: float64 for the test, then back."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 6)), rng.normal(size=(5, 6))


# ---------------------------------------------------------------------------------------------- KernelSHAP

def test_kernel_shap_equals_the_shapley_values_by_enumeration(data):
    net = make_net()
    X, B = data
    targets = np.array([0, 2, 1])
    phi = ni.kernel_shap(net, X, B, target=targets)
    assert phi.exact and phi.method == "kernel_shap" and phi.shape == X.shape
    for i, t in enumerate(targets):
        exact = shapley_by_definition(lambda rows, t=t: logit(net, rows, t), X[i], B)
        np.testing.assert_allclose(phi[i], exact, rtol=1e-9, atol=1e-10)


def test_kernel_shap_is_efficient(data):
    net = make_net()
    X, B = data
    phi = ni.kernel_shap(net, X, B, target=1)
    fx, fb = logit(net, X, 1), logit(net, B, 1).mean()
    np.testing.assert_allclose(phi.sum(axis=1), fx - fb, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(phi.values, fx, rtol=1e-12)
    np.testing.assert_allclose(phi.expected_value, np.full(3, fb), rtol=1e-12)
    assert np.all(np.abs(phi.delta) < 1e-10) and phi.completeness_ok


def test_kernel_shap_of_a_linear_model_is_w_times_x_minus_the_background_mean():
    net = nk.Sequential(nk.Dense(3, 1, activation="identity", dtype=np.float64))
    net["output"].weight.data[:] = [[2.0, -1.0, 0.5]]
    net["output"].bias.data[:] = [3.0]
    B = np.array([[0.0, 1.0, 2.0], [2.0, 3.0, 0.0]])   # mean (1, 2, 1)
    phi = ni.kernel_shap(net, [[4.0, 0.0, -1.0]], B)
    np.testing.assert_allclose(phi, [[2.0 * 3.0, -1.0 * -2.0, 0.5 * -2.0]], atol=1e-12)   # 6, 2, -1


def test_kernel_shap_from_drawn_coalitions_approaches_the_exact_values_and_is_seeded():
    net = make_net((10, 8, 2), seed=1)
    rng = np.random.default_rng(2)
    x, B = rng.normal(size=(1, 10)), rng.normal(size=(4, 10))
    exact = ni.kernel_shap(net, x, B, target=0, n_samples=2 ** 10 - 2)
    drawn = ni.kernel_shap(net, x, B, target=0, n_samples=600, seed=5)
    assert exact.exact and not drawn.exact
    scale = np.abs(exact).max()
    assert np.abs(drawn - exact).max() < 0.1 * scale
    assert abs(drawn.sum() - exact.sum()) < 1e-10      # efficiency is imposed, also when drawn
    again = ni.kernel_shap(net, x, B, target=0, n_samples=600, seed=5, batch_size=7)
    np.testing.assert_array_equal(again, drawn)
    other = ni.kernel_shap(net, x, B, target=0, n_samples=600, seed=6)
    assert not np.array_equal(other, drawn)
    # a bigger budget is closer (averaged over seeds, so one lucky draw cannot decide it)
    err = [np.mean([np.abs(ni.kernel_shap(net, x, B, target=0, n_samples=n, seed=s) - exact).mean()
                    for s in range(4)]) for n in (40, 800)]
    assert err[1] < err[0]


def test_kernel_shap_equals_captums_exact_shapley_values(data, float64_torch):
    net = make_net()
    X, B = data
    model = torch_copy(net)
    sv = ShapleyValues(model)
    xt = torch.tensor(X)
    ref = np.mean([sv.attribute(xt, baselines=torch.tensor(b[None]).expand_as(xt), target=2).numpy() for b in B],
                  axis=0)   # Shapley values are linear in v: the background's mean of single-baseline values
    # Captum sums the marginal contributions in float32 (ShapleyValues' total is torch.float): ~1e-6 agreement
    np.testing.assert_allclose(ni.kernel_shap(net, X, B, target=2), ref, rtol=0, atol=1e-5 * np.abs(ref).max())


def test_kernel_shap_agrees_with_captums_kernel_shap_within_its_sampling_error(data, float64_torch):
    net = make_net()
    X, B = data
    x, b = X[:1], B[:1]
    torch.manual_seed(0)
    ref = KernelShap(torch_copy(net)).attribute(torch.tensor(x), baselines=torch.tensor(b), target=0,
                                                 n_samples=3000, perturbations_per_eval=3000).numpy()
    ours = ni.kernel_shap(net, x, b, target=0)
    exact = shapley_by_definition(lambda rows: logit(net, rows, 0), x[0], b)
    np.testing.assert_allclose(ours[0], exact, rtol=1e-9, atol=1e-10)
    assert np.abs(ref - ours).max() < 0.1 * np.abs(exact).max()


def test_kernel_shap_explains_a_hidden_neuron_and_probabilities(data):
    net = make_net()
    X, B = data

    def hidden(rows):
        return np.maximum(rows @ net["hidden1"].weight.data.T + net["hidden1"].bias.data, 0.0)[:, 3]

    phi = ni.kernel_shap(net, X[:1], B, neuron="hidden1[3]", output="activation")
    assert phi.neuron == "hidden1[3]" and phi.target is None
    np.testing.assert_allclose(phi[0], shapley_by_definition(hidden, X[0], B), atol=1e-10)
    prob = ni.kernel_shap(net, X[:1], B, target=1, output="probability")
    p, pb = np.asarray(net(X[:1]).data), np.asarray(net(B).data)
    np.testing.assert_allclose(prob.sum(), p[0, 1] - pb[:, 1].mean(), atol=1e-10)


def test_kernel_shap_on_images_is_per_pixel_and_efficient():
    net = nk.Sequential(nk.Conv2d(1, 2, 2, activation="relu", seed=0, dtype=np.float64), nk.Flatten(),
                        nk.Dense(8, 2, activation="softmax", seed=1, dtype=np.float64))
    rng = np.random.default_rng(3)
    X, B = rng.normal(size=(2, 1, 3, 3)), rng.normal(size=(3, 1, 3, 3))
    phi = ni.kernel_shap(net, X, B, target=1)
    assert phi.shape == X.shape and phi.exact and phi.background.shape == B.shape
    f = np.asarray(net.logits(X).data)[:, 1]
    fb = np.asarray(net.logits(B).data)[:, 1].mean()
    np.testing.assert_allclose(phi.sum(axis=(1, 2, 3)), f - fb, atol=1e-10)
    exact = shapley_by_definition(lambda rows: np.asarray(net.logits(rows.reshape(-1, 1, 3, 3)).data)[:, 1],
                                  X[0].ravel(), B.reshape(3, -1))
    np.testing.assert_allclose(phi[0].ravel(), exact, atol=1e-10)


def test_kernel_shap_of_an_estimator_works_on_unscaled_features():
    rng = np.random.default_rng(4)
    X = rng.normal(loc=5.0, scale=3.0, size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 10).astype(int)
    with pytest.warns(ConvergenceWarning):  # 5 epochs on purpose: the scaler is what matters here
        clf = nk.NeuralClassifier((6,), max_iter=5, random_state=0).fit(X, y)
    phi = ni.kernel_shap(clf, X[:2], X[10:20], target=1, output="probability")
    proba = clf.predict_proba(X[:2])[:, 1]
    np.testing.assert_allclose(phi.sum(axis=1), proba - clf.predict_proba(X[10:20])[:, 1].mean(), atol=1e-6)


# ---------------------------------------------------------------------------------------------- GradientSHAP

def test_gradient_shap_of_a_linear_model_with_one_background_row_is_exact():
    net = nk.Sequential(nk.Dense(3, 1, activation="identity", dtype=np.float64))
    net["output"].weight.data[:] = [[2.0, -1.0, 0.5]]
    phi = ni.gradient_shap(net, [[4.0, 0.0, -1.0]], [[1.0, 2.0, 1.0]], n_samples=7)
    np.testing.assert_allclose(phi, [[6.0, 2.0, -1.0]], atol=1e-12)
    np.testing.assert_allclose(phi.stderr, 0.0, atol=1e-12)


def test_gradient_shap_approaches_the_mean_of_integrated_gradients_over_the_background(data):
    net = make_net()
    X, B = data
    phi = ni.gradient_shap(net, X, B, target=0, n_samples=4000, seed=1)
    ig = np.mean([ni.attribute(net, X, "integrated_gradients", target=0, baseline=b, steps=400) for b in B], axis=0)
    assert np.all(np.abs(phi - ig) <= 5 * phi.stderr + 1e-6)
    assert np.abs(phi - ig).max() < 0.05 * np.abs(ig).max()
    # efficiency holds in expectation: Σ IG from each row is f(x) - f(b)
    fx, fb = logit(net, X, 0), logit(net, B, 0).mean()
    np.testing.assert_allclose(phi.values, fx, rtol=1e-12)
    # (the sum's standard error is at most the sum of the features' standard errors)
    np.testing.assert_allclose(phi.delta, phi.sum(axis=1) - (fx - fb), rtol=1e-12, atol=1e-14)
    assert np.all(np.abs(phi.delta) <= 5 * phi.stderr.sum(axis=1))


def test_gradient_shap_agrees_with_captums_within_the_monte_carlo_error(data, float64_torch):
    net = make_net()
    X, B = data
    torch.manual_seed(0)
    for stdev in (0.0, 0.2):
        ref = GradientShap(torch_copy(net)).attribute(torch.tensor(X), baselines=torch.tensor(B), target=2,
                                                      n_samples=3000, stdevs=stdev).numpy()
        ours = ni.gradient_shap(net, X, B, target=2, n_samples=3000, stdev=stdev, seed=0)
        assert np.all(np.abs(ours - ref) <= 6 * np.sqrt(2) * ours.stderr + 1e-6), stdev


def test_gradient_shap_is_determined_by_its_seed(data):
    net = make_net()
    X, B = data
    a = ni.gradient_shap(net, X, B, n_samples=64, stdev=0.1, seed=3)
    b = ni.gradient_shap(net, X, B, n_samples=64, stdev=0.1, seed=3, batch_size=5)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(a, ni.gradient_shap(net, X, B, n_samples=64, stdev=0.1, seed=4))
    np.testing.assert_array_equal(a.target, net(X).data.argmax(axis=1))   # default: the predicted class


# ---------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("fn", [ni.kernel_shap, ni.gradient_shap])
def test_bad_input_is_refused_with_a_clear_message(fn, data):
    net = make_net()
    X, B = data
    with pytest.raises(nk.errors.ShapeError, match="background has 4 features but the model takes 6"):
        fn(net, X, B[:, :4])
    with pytest.raises(ValueError, match=r"target must be an output index in 0\.\.2; got 3"):
        fn(net, X, B, target=3)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1; got 0"):
        fn(net, X, B, n_samples=0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0; got -1"):
        fn(net, X, B, seed=-1)
    with pytest.raises(ValueError, match="give either target= .* or neuron="):
        fn(net, X, B, target=0, neuron="hidden1[0]")
    with pytest.raises(nk.errors.UnknownNameError, match="no layer named 'hiden1'"):
        fn(net, X, B, neuron="hiden1[0]")


def test_gradient_shap_refuses_negative_noise_and_both_refuse_text(data):
    net = make_net()
    X, B = data
    with pytest.raises(ValueError, match="stdev must be"):
        ni.gradient_shap(net, X, B, stdev=-0.1)
    text = nk.Sequential(nk.Embedding(10, 4, seed=0), nk.Flatten(), nk.Dense(12, 2, seed=1))
    ids = np.array([[1, 2, 3]])
    for fn in (ni.kernel_shap, ni.gradient_shap):
        with pytest.raises(ValueError, match="token ids .* use nk.inspect.attribute"):
            fn(text, ids, ids)


def test_one_feature_gets_the_whole_difference():
    net = nk.Sequential(nk.Dense(1, 4, activation="tanh", seed=0, dtype=np.float64),
                        nk.Dense(4, 1, activation="identity", seed=1, dtype=np.float64))
    x, B = np.array([[1.5]]), np.array([[0.0], [-1.0], [2.0]])
    expected = np.asarray(net(x).data)[0, 0] - np.asarray(net(B).data)[:, 0].mean()
    np.testing.assert_allclose(ni.kernel_shap(net, x, B), [[expected]], rtol=1e-12)
    gs = ni.gradient_shap(net, x, B, n_samples=3000, seed=0)
    assert abs(gs[0, 0] - expected) <= 5 * gs.stderr[0, 0]
