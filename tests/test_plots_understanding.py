"""The pictures of the deeper views (issue 18 item 5): each draws what its result holds, bar by bar, point by point."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError
from neuronkit.inspect import (
    Attribution,
    Contributions,
    ProbeRow,
    Probes,
    TCAVResult,
    cost,
    plot_attribution_methods,
    plot_contributions,
    plot_cost,
    plot_polysemanticity,
    plot_probes,
    plot_sae_features,
    plot_tcav,
    polysemanticity_scores,
    sae_features,
    train_sae,
)
from neuronkit.inspect.plots_understanding import AGAINST, CARRIED, NEUTRAL

PNG = b"\x89PNG\r\n\x1a\n"


def heights(ax):
    return [float(p.get_height()) for p in ax.patches]


def hand_contributions() -> Contributions:
    """Four neurons, sorted: 3 and 1 for the target, 0, and -0.5 against; F(x) - F(x') = 3.5."""
    conductance = np.array([3.0, 1.0, 0.0, -0.5])
    return Contributions("h", 1, ["h[2]", "h[0]", "h[1]", "h[3]"], conductance, conductance / 3.5, 4.0, 0.5, 0.0)


# ------------------------------------------------------------------------------ contributions
def test_contributions_bars_are_the_shares_with_the_carriers_highlighted(tmp_path):
    path = tmp_path / "c.png"
    fig = plot_contributions(hand_contributions(), target_name="class 1", path=path)
    bars, cumulative = fig.axes
    assert [float(p.get_width()) for p in bars.patches] == pytest.approx([300 / 3.5, 100 / 3.5, 0.0, -50 / 3.5])
    assert [p.get_facecolor() for p in bars.patches] == [to_rgba(CARRIED), to_rgba(CARRIED), to_rgba(NEUTRAL),
                                                         to_rgba(AGAINST)]   # 3 + 1 of the 4 positive: 80 % needs 2
    assert [t.get_text() for t in bars.get_yticklabels()] == ["h[2]", "h[0]", "h[1]", "h[3]"]
    line = cumulative.lines[0]
    assert line.get_xdata().tolist() == pytest.approx([75.0, 100.0, 100.0, 100.0])  # of the positive evidence, 4
    assert bars.get_title() == "h → class 1: 2 of 4 neurons carried 80% of the evidence"
    assert path.read_bytes()[:8] == PNG and [p.name for p in tmp_path.iterdir()] == ["c.png"]  # no temporary left


def test_contributions_limit_keeps_the_largest_in_table_order_and_says_so():
    fig = plot_contributions(hand_contributions(), limit=3, fraction=0.7)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["h[2]", "h[0]", "h[3]"]   # |0| is the smallest
    assert ax.get_title() == ("h → 1: 1 of 4 neurons carried 70% of the evidence\n"
                              "(1 with small shares not drawn)")


def test_contributions_draws_into_a_given_axes():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plot_contributions(hand_contributions(), ax=right) is fig
    assert len(right.patches) == 4 and not left.patches


@pytest.mark.parametrize("call, error, message", [
    (lambda: plot_contributions({"h[0]": 1.0}), ParameterTypeError,
     "contributions must be a Contributions table (nk.inspect.contributions); got 'dict'"),
    (lambda: plot_contributions(hand_contributions(), fraction=0.0), ParameterError, "fraction"),
    (lambda: plot_contributions(hand_contributions(), limit=0), ParameterError, "limit"),
    (lambda: plot_contributions(hand_contributions(), ax="left"), ParameterTypeError,
     "plot_contributions ax must be a matplotlib Axes or None; got 'left'"),
])
def test_contributions_refusals(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


# ------------------------------------------------------------------------------ attribution methods
def test_attribution_methods_as_images_share_one_scale_per_sample():
    X = np.random.default_rng(0).random((3, 64))
    first = Attribution(X.copy(), delta=np.array([1e-3, 0.0, 2.0]))
    second = -2.0 * X                                            # a plain array: no conservation error to show
    fig = plot_attribution_methods({"one": first, "two": second}, X, n=3, titles=["a", "b", "c"])
    grid = [ax for ax in fig.axes if ax.images]
    assert len(grid) == 3 * (1 + 2)                              # the inputs, then a row per method
    inputs, row_one, row_two = grid[:3], grid[3:6], grid[6:]   # row by row
    for i in range(3):
        limit = 2.0 * np.abs(X[i]).max()
        assert row_one[i].images[0].get_clim() == pytest.approx((-limit, limit))
        assert row_two[i].images[0].get_clim() == pytest.approx((-limit, limit))
        np.testing.assert_allclose(row_two[i].images[0].get_array(), second[i].reshape(8, 8))
    assert [ax.get_title() for ax in inputs] == ["a", "b", "c"]
    assert [ax.get_title() for ax in row_one] == ["|Σ error| 0.001", "|Σ error| 0", "|Σ error| 2"]
    assert [ax.get_title() for ax in row_two] == ["", "", ""]
    assert row_one[0].get_ylabel() == "one" and row_two[0].get_ylabel() == "two"


def test_attribution_methods_as_bars_stand_side_by_side_per_feature():
    X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    a = Attribution(np.array([[1.0, -2.0, 0.5], [0.1, 0.2, 0.3]]), delta=np.array([0.01, 0.0]))
    b = Attribution(np.array([[0.5, -1.0, 4.0], [0.0, -0.6, 0.0]]), delta=np.array([0.02, 0.0]))
    fig = plot_attribution_methods({"a": a, "b": b}, X, feature_names=["x", "y", "z"])
    first, second = fig.axes
    assert heights(first) == [1.0, -2.0, 0.5, 0.5, -1.0, 4.0]                 # method a's bars, then b's
    assert [p.get_x() + p.get_width() / 2 for p in first.patches] == pytest.approx([-0.2, 0.8, 1.8, 0.2, 1.2, 2.2])
    assert first.get_ylim() == pytest.approx((-4.2, 4.2)) and second.get_ylim() == pytest.approx((-0.63, 0.63))
    assert first.get_title() == "sample 0\nlargest |Σ error| 0.02 (b)"
    assert [t.get_text() for t in first.get_xticklabels()] == ["x", "y", "z"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b"]


@pytest.mark.parametrize("call, error, message", [
    (lambda X: plot_attribution_methods([np.zeros((2, 3))], X), ParameterTypeError,
     "attributions must be a non-empty dict method name -> attributions shaped like X; got 'list'"),
    (lambda X: plot_attribution_methods({}, X), ParameterTypeError, "attributions must be a non-empty dict"),
    (lambda X: plot_attribution_methods({"a": np.zeros((2, 2))}, X), ShapeError,
     r"attributions\['a'\] has shape \(2, 2\); every method's must be X's \(2, 3\)"),
    (lambda X: plot_attribution_methods({"a": X}, X, titles=["only one"]), ParameterError,
     "titles must be a list of at least 2 strings"),
])
def test_attribution_methods_refusals(call, error, message):
    with pytest.raises(error, match=message):
        call(np.ones((2, 3)))


# ------------------------------------------------------------------------------ probes
def test_probes_bars_are_the_accuracies_against_chance():
    probes = Probes([ProbeRow("input", 4, 0.9, 0.8, True), ProbeRow("hidden1", 6, 1.0, 0.95, False)], chance=0.5,
                    n_train=70, n_test=30, seed=0)
    ax = plot_probes(probes).axes[0]
    assert heights(ax) == [0.9, 1.0, 0.8, 0.95]                     # training bars, then held-out ones
    assert list(ax.lines[0].get_ydata()) == [0.5, 0.5]              # chance
    assert [t.get_text() for t in ax.texts] == ["0.80", "0.95*"]    # * : the probe did not converge
    assert [t.get_text() for t in ax.get_xticklabels()] == ["input\n(4)", "hidden1\n(6)"]
    with pytest.raises(ParameterTypeError, match="probes must be a Probes result"):
        plot_probes([0.8, 0.95])


# ------------------------------------------------------------------------------ polysemanticity and SAE features
@pytest.fixture(scope="module")
def found():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)
    net = nk.mlp([3, 4, 3], seed=0)
    return X, y, sae_features(net, X, y, train_sae(net, X, n_features=6, epochs=3), k=5, max_clusters=2)


def test_polysemanticity_histogram_by_hand():
    # unit 0: top-2 samples both class 0 (0 bits); unit 1: classes 0 and 1 (1 bit); unit 2: dead
    acts = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    scores = polysemanticity_scores(acts, [0, 0, 1, 1], k=2, units=["h[0]", "h[1]", "h[2]"])
    ax = plot_polysemanticity(scores, bins=2).axes[0]
    assert heights(ax) == [0.5, 0.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["neurons of h: 2 live, 1 dead"]
    assert [line.get_xdata()[0] for line in ax.lines] == [0.5]       # the mean entropy


def test_polysemanticity_with_features_compares_two_populations(found):
    _, _, features = found
    ax = plot_polysemanticity(features.neurons, features=features, bins=4).axes[0]
    assert len(ax.patches) == 8
    neurons, feats = heights(ax)[:4], heights(ax)[4:]
    assert sum(neurons) == pytest.approx(1.0) and sum(feats) == pytest.approx(1.0)   # shares of the live units
    live = features.features.entropy[features.features.alive]
    expected = np.histogram(live, bins=np.linspace(0, np.log2(3), 5))[0] / len(live)
    assert feats == pytest.approx(expected.tolist())
    with pytest.raises(ParameterTypeError, match="features must be an SAEFeatures result"):
        plot_polysemanticity(features.neurons, features=features.features)


def test_sae_features_class_histograms_count_the_top_samples(found):
    X, y, features = found
    fig = plot_sae_features(features, X, y, n=2, k=5)
    assert len(fig.axes) == 2
    for ax, name in zip(fig.axes, features.ranking[:2]):
        assert heights(ax) == np.bincount(y[features.top[name][:5]], minlength=3).tolist()
        assert ax.get_title().startswith(f"{name}: sel. {features.selectivity[name]:.2f}, class ")


def test_sae_features_as_images_show_the_top_samples(found):
    X, y, features = found
    fig = plot_sae_features(features, X, y, n=3, k=4, image_shape=(1, 3))
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3 * 4
    top = features.top[features.ranking[0]]
    np.testing.assert_array_equal(shown[0].images[0].get_array(), X[top[0]].reshape(1, 3))
    assert shown[0].get_title() == f"#{top[0]} ({y[top[0]]})"


def test_sae_features_refusals(found):
    X, y, features = found
    with pytest.raises(ParameterError, match="are not images, so plot_sae_features draws the classes .* give y"):
        plot_sae_features(features, X)
    with pytest.raises(ShapeError, match="but X has 10 samples; give the X that sae_features ran on"):
        plot_sae_features(features, X[:10], y[:10])
    with pytest.raises(ParameterTypeError, match="features must be an SAEFeatures result"):
        plot_sae_features(features.features, X, y)


# ------------------------------------------------------------------------------ TCAV
def tcav_result(score_low: float, significant: bool) -> TCAVResult:
    scores = np.linspace(score_low, 1.0, 20)
    return TCAVResult("hidden1", 2, float(scores.mean()), scores, np.full(20, 0.5), 1e-6 if significant else 0.4,
                      significant, 0.05, 12, np.zeros(5))


def test_tcav_points_are_the_scores_and_the_null():
    r = tcav_result(0.8, True)
    ax = plot_tcav(r).axes[0]
    null, concept = ax.collections
    assert null.get_offsets()[:, 1].tolist() == [0.5] * 20
    assert concept.get_offsets()[:, 1].tolist() == pytest.approx(r.scores.tolist())
    assert concept.get_offsets()[:, 0].mean() == pytest.approx(0.2) and null.get_offsets()[:, 0].mean() == \
        pytest.approx(-0.2)
    assert ax.get_title() == ("TCAV on hidden1 for output 2: 0.90 against random 0.50,\n"
                              "p = 1e-06 (significant at α = 0.05)")


def test_tcav_of_several_concepts_names_each_with_its_p_value():
    ax = plot_tcav({"stripes": tcav_result(0.8, True), "dots": tcav_result(0.0, False)}).axes[0]
    assert len(ax.collections) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stripes\np = 1e-06 *", "dots\np = 0.4"]
    with pytest.raises(ParameterTypeError, match="result must be a TCAVResult .* or a non-empty dict"):
        plot_tcav({"stripes": 0.9})


# ------------------------------------------------------------------------------ cost
def test_cost_bars_are_the_macs_and_the_energy():
    found = cost(nk.mlp([4, 8, 3], seed=0))
    fig = plot_cost(found)
    ops, energy = fig.axes
    assert heights(ops) == [32.0, 24.0] and ops.get_yscale() == "linear"
    assert heights(energy) == pytest.approx([lc.energy_pj for lc in found.layers.values()])
    assert "cost per prediction: 56 MACs" in ops.get_title()


def test_cost_switches_to_log_scales_and_leaves_out_idle_layers():
    net = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(72, 1, seed=1))
    found = cost(net, (1, 8, 8))
    ops, energy = plot_cost(found).axes
    assert [t.get_text() for t in ops.get_xticklabels()] == ["conv1\nConv2d", "output\nDense"]    # no Flatten
    assert heights(ops) == [648.0, 72.0] and ops.get_yscale() == "linear"      # 9x apart
    wide = cost(nk.mlp([300, 2, 1], seed=0))
    ops, energy = plot_cost(wide).axes
    assert heights(ops) == [600.0, 2.0] and ops.get_yscale() == "log" and energy.get_yscale() == "log"
    assert plot_cost(wide, log=False).axes[0].get_yscale() == "linear"


def test_cost_of_a_spiking_network_counts_synaptic_operations():
    net = nk.build("rate(3),dense(5,lif),dense(out,lif)", (4,), outputs=2, seed=0)
    found = cost(net, X=np.ones((2, 4)))
    ops = plot_cost(found).axes[0]
    assert heights(ops) == [0.0] + [lc.synops for lc in list(found.layers.values())[1:]]
    assert ops.get_ylabel() == "MACs + SynOps"
    with pytest.raises(ParameterTypeError, match="cost must be a Cost result"):
        plot_cost(found.to_dict())
