"""Issue 10, neuron health tells the truth: "dead" only where the gradient is zero for every sample,
a duplicate rule that stays quiet on healthy random networks, and advice that does not repeat what
the layer already does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import neuronkit as nk
from neuronkit import inspect as ni
from neuronkit.errors import UnknownNameError

X4 = np.random.default_rng(0).normal(size=(120, 4))


def net_with_a_negative_neuron(activation, **options):
    """hidden1[2] has z = w·x - 100 < 0 on every sample of X4."""
    act = nk.activations.get_activation(activation, **options)
    net = nk.mlp([4, 5, 2], activation=act, output="softmax", seed=0)
    net["hidden1"].bias.data[2] = -100.0
    return net


# ------------------------------------------------------------------ dead
@pytest.mark.parametrize("activation", ["leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "swish", "softplus"])
def test_activations_with_a_gradient_everywhere_are_never_dead(activation):  # was "dead" for the relu family
    report = ni.health(net_with_a_negative_neuron(activation), X4)
    assert report.dead == []
    assert report.problems_of("dead") == []
    assert "use leaky_relu" not in str(report)


@pytest.mark.parametrize("activation", ["elu", "selu", "gelu", "silu", "softplus"])  # as sigmoid/tanh already were
def test_a_neuron_on_a_flat_tail_is_saturated_instead(activation):
    report = ni.health(net_with_a_negative_neuron(activation), X4)
    assert report.saturated == ["hidden1[2]"]
    (problem,) = report.problems_of("saturated")
    assert "flat" in problem.remedy


@pytest.mark.parametrize("activation", ["leaky_relu", "prelu"])
def test_piecewise_linear_activations_pass_their_slope_and_are_neither_dead_nor_saturated(activation):
    report = ni.health(net_with_a_negative_neuron(activation), X4)
    assert report.ok, [str(p) for p in report.problems]
    table_row = next(line for line in str(report).splitlines() if line.strip().startswith("hidden1"))
    assert table_row.split()[4:6] == ["-", "-"]  # dead and saturated are not looked for


@pytest.mark.parametrize("activation, options, fix", [("relu", {}, "leaky_relu (or elu/gelu)"),
                                                      ("leaky_relu", {"negative_slope": 0.0}, "non-zero slope"),
                                                      ("elu", {"alpha": 0.0}, "non-zero slope")])
def test_only_a_zero_gradient_region_makes_a_dead_neuron(activation, options, fix):
    report = ni.health(net_with_a_negative_neuron(activation, **options), X4)
    assert report.dead == ["hidden1[2]"]
    (problem,) = report.problems_of("dead")
    assert fix in problem.remedy and "f'(z) = 0 on every sample" in problem.message


def test_dead_advice_names_he_initialisation_only_where_it_is_not_used():
    net = nk.mlp([4, 5, 2], output="softmax", init="normal", seed=0)
    net["hidden1"].bias.data[2] = -100.0
    (problem,) = ni.health(net, X4).problems_of("dead")
    assert "He initialisation (init='he_normal')" in problem.remedy
    (problem,) = ni.health(net_with_a_negative_neuron("relu"), X4).problems_of("dead")  # he_normal already
    assert "He initialisation" not in problem.remedy


def test_the_activations_declare_where_their_gradient_is_zero():
    get = nk.activations.get_activation
    assert get("relu").zero_gradient_below == 0.0
    assert get("leaky_relu", negative_slope=0.0).zero_gradient_below == 0.0
    for name in ("leaky_relu", "prelu", "elu", "gelu", "silu", "softplus", "tanh", "sigmoid", "identity"):
        assert get(name).zero_gradient_below is None, name
    for name in ("relu", "leaky_relu", "prelu", "identity", "step", "softmax"):
        assert not get(name).saturates, name


def test_health_monitor_does_not_warn_of_dead_leaky_relu_neurons():  # was: a "dead" warning every run
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    net = net_with_a_negative_neuron("leaky_relu")
    monitor = ni.HealthMonitor(X, warn=False)
    nk.fit(net, X, y, epochs=2, seed=0, progress=False, callbacks=[monitor])
    assert monitor.history["dead"]["hidden1"] == [0, 0]
    assert not [p for _, p in monitor.problems if p.kind == "dead"]


# ------------------------------------------------------------------ duplicates
@pytest.mark.parametrize("n_in", [2, 4, 16])
@pytest.mark.parametrize("activation", ["relu", "tanh", "elu"])
def test_fresh_random_networks_have_no_duplicates(n_in, activation):
    rng = np.random.default_rng(1)
    # few effective dimensions: every feature is a noisy copy of one signal (correlated like iris's)
    signal = rng.normal(size=(200, 1))
    X = signal + 0.05 * rng.normal(size=(200, n_in))
    for width in (8, 64, 256):
        for seed in range(2):
            net = nk.mlp([n_in, width, 16, 3], activation=activation, output="softmax", seed=seed)
            report = ni.health(net, X)
            assert report.duplicates == [], (width, seed, report.duplicates[:3])


@pytest.fixture(scope="module")
def iris():
    return nk.datasets.load("iris")


@pytest.fixture(scope="module")
def iris_model(iris):  # the CLI's default architecture (100 hidden relu neurons), briefly trained
    with pytest.warns(ConvergenceWarning):
        return nk.NeuralClassifier(hidden_layer_sizes=(100,), max_iter=30, random_state=0).fit(iris.X, iris.y)


def test_a_trained_iris_model_has_no_duplicates(iris, iris_model):  # was 110 "duplicate" pairs (249 at 200 epochs)
    report = ni.health(iris_model, iris.X, iris.y)
    assert report.duplicates == []
    assert report.problems_of("duplicate") == []


def test_a_trained_digits_model_has_no_duplicates():
    digits = nk.datasets.load("digits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = nk.NeuralClassifier(hidden_layer_sizes=(64, 32), max_iter=5, random_state=0).fit(digits.X, digits.y)
    assert ni.health(est, digits.X).duplicates == []


def test_a_copied_neuron_is_a_duplicate_and_the_advice_does_not_repeat_the_random_init(iris, iris_model):
    layer = iris_model.network_["hidden1"]
    saved = layer.weight.data.copy(), layer.bias.data.copy()
    try:
        for j in (40, 70):  # two copies of neuron 7
            layer.weight.data[j] = layer.weight.data[7]
            layer.bias.data[j] = layer.bias.data[7]
        report = ni.health(iris_model, iris.X)
    finally:
        layer.weight.data[:], layer.bias.data[:] = saved
    assert report.duplicates == [("hidden1[7]", "hidden1[40]"), ("hidden1[7]", "hidden1[70]")]
    (problem,) = report.problems_of("duplicate")
    assert problem.neurons == ("hidden1[7]", "hidden1[40]", "hidden1[70]") and problem.value == 2
    assert "initialised at random (init='glorot_normal')" in problem.remedy  # the estimator's choice
    assert "reinitialise one neuron of each pair" in problem.remedy
    assert "random initialiser" not in problem.remedy and "random seed" not in problem.remedy


def test_a_constant_initialisation_makes_every_neuron_a_duplicate_and_is_named():
    net = nk.mlp([4, 5, 2], output="softmax", init="zeros", seed=0)
    report = ni.health(net, X4)
    assert report.layers["hidden1"].duplicates == [(0, j, "identical weights") for j in range(1, 5)]
    (problem,) = report.problems_of("duplicate")
    assert "init='zeros'" in problem.remedy and "use a random initialiser" in problem.remedy


def test_neurons_that_differ_only_in_an_input_the_data_never_varies_are_duplicates_on_the_data():
    net = nk.mlp([4, 6, 2], activation="tanh", output="softmax", seed=0)
    w = net["hidden1"].weight.data
    w[4] = w[1]
    net["hidden1"].bias.data[4] = net["hidden1"].bias.data[1]
    w[4, 3] += 0.5                    # differs in input 3 ...
    X = X4.copy()
    X[:, 3] = 0.0                     # ... which is always 0 here
    (dup,) = ni.health(net, X).layers["hidden1"].duplicates
    assert dup[:2] == (1, 4) and dup[2].startswith("equal outputs on the data")
    assert ni.health(net, X4).layers["hidden1"].duplicates == []


def test_duplicate_tolerance_is_a_threshold_and_the_old_correlation_one_is_gone():
    net = nk.mlp([4, 6, 2], output="softmax", seed=0)
    w = net["hidden1"].weight.data
    w[3] = w[1] * 1.001
    net["hidden1"].bias.data[3] = net["hidden1"].bias.data[1] * 1.001
    assert ni.health(net, X4).duplicates == []
    assert ni.health(net, X4, thresholds={"duplicate_tol": 0.01}).duplicates == [("hidden1[1]", "hidden1[3]")]
    with pytest.raises(UnknownNameError, match="duplicate_tol"):
        ni.Thresholds.of({"duplicate_correlation": 0.99})


# ------------------------------------------------------------------ feature names in plots and the report
def _tick_labels(ax):
    return [t.get_text() for t in ax.get_xticklabels()]


NAMES = ["sepal length", "sepal width", "petal length", "petal width"]


def test_plot_weights_names_the_first_layers_features():  # was: ticks 0, 1, 2, 3
    pytest.importorskip("matplotlib")
    net = nk.mlp([4, 3, 2], seed=0)
    fig = ni.plot_weights(net, feature_names=NAMES)
    assert _tick_labels(fig.axes[0]) == NAMES
    assert fig.axes[0].get_xlabel() == "input feature"
    with pytest.raises(ValueError, match="feature_names has 3 names but the samples have 4 features"):
        ni.plot_weights(net, feature_names=NAMES[:3])


@pytest.fixture(scope="module")
def small_iris_model(iris):  # fitted on a DataFrame: it knows its feature names
    pd = pytest.importorskip("pandas")
    with pytest.warns(ConvergenceWarning):
        return nk.NeuralClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(
            pd.DataFrame(iris.X, columns=NAMES), iris.y)


def test_plots_take_an_estimators_own_feature_names(small_iris_model):
    pytest.importorskip("matplotlib")
    assert _tick_labels(ni.plot_weights(small_iris_model).axes[0]) == NAMES


def test_plot_attributions_bars_are_named():
    pytest.importorskip("matplotlib")
    fig = ni.plot_attributions(X4[:2], X4[:2] * 0.1, feature_names=NAMES)
    assert _tick_labels(fig.axes[0]) == NAMES and _tick_labels(fig.axes[1]) == NAMES


def test_write_report_names_the_features(iris, small_iris_model, tmp_path):
    pytest.importorskip("matplotlib")
    files = ni.write_report(small_iris_model, iris.X[::10], iris.y[::10], out_dir=tmp_path / "r",
                            attribution_samples=3, feature_names=iris.feature_names)
    html = files.html.read_text(encoding="utf-8")
    assert "Features: sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)" in html
    assert "<td>petal length (cm)</td>" in html  # the attribution table, by name
    # without feature_names, the report and the plots use the names the model was fitted with
    assert ni.plots.feature_names_of(small_iris_model, 4) == NAMES
