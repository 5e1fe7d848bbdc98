"""The reduced Diehl & Cook (2015) network: its STDP rule by hand, normalisation, adaptive thresholds,
lateral inhibition, learning on the digits, reproducibility, saving, the receptive-field grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import DataError, ModelFileError, NotFittedError, ParameterError, ShapeError, UnknownNameError
from neuronkit.spiking.plasticity import PLASTICITY_RULES, get_rule
from neuronkit.spiking.unsupervised import DiehlCook, DiehlCookSTDP

# ---------------------------------------------------------------- the rule, by hand


def test_pre_then_post_potentiates_by_the_pre_trace_minus_the_target():
    # pre spike at step 0, post spike at step 3 (dt = 0.5 ms): x_pre = e^(-1.5/20) when the post spike comes
    rule = DiehlCookSTDP(eta_pre=1e-3, eta_post=0.05, x_tar=0.2, mu=0.5, tau_pre=20.0, tau_post=10.0, dt=0.5)
    w = np.array([[0.36]])
    state = rule.initial_state(1, 1)
    pre = [1.0, 0.0, 0.0, 0.0]
    post = [0.0, 0.0, 0.0, 1.0]
    changes = [rule.step(w, np.array([[p]]), np.array([[q]]), state)[0, 0] for p, q in zip(pre, post)]
    assert changes[:3] == [0.0, 0.0, 0.0]                     # the pre spike finds no post trace
    assert changes[3] == pytest.approx(0.05 * (math.exp(-1.5 / 20.0) - 0.2) * (1.0 - 0.36) ** 0.5, rel=1e-12)
    assert state["x_post"][0, 0] == 1.0 and state["x_pre"][0, 0] == pytest.approx(math.exp(-1.5 / 20.0))


def test_post_then_pre_depresses_by_the_post_trace():
    # post at step 0 (no pre trace: x_pre - x_tar = -x_tar), pre at step 2: -eta_pre * e^(-2 dt / tau_post)
    rule = DiehlCookSTDP(eta_pre=1e-3, eta_post=0.05, x_tar=0.2, mu=1.0, tau_post=10.0, dt=1.0)
    w = np.array([[0.5]])
    state = rule.initial_state(1, 1)
    first = rule.step(w, np.array([[0.0]]), np.array([[1.0]]), state)[0, 0]
    rule.step(w, np.array([[0.0]]), np.array([[0.0]]), state)
    third = rule.step(w, np.array([[1.0]]), np.array([[0.0]]), state)[0, 0]
    assert first == pytest.approx(0.05 * (0.0 - 0.2) * 0.5, rel=1e-12)
    assert third == pytest.approx(-1e-3 * math.exp(-2.0 / 10.0), rel=1e-12)


def test_the_soft_bound_stops_potentiation_at_w_max():
    rule = DiehlCookSTDP(eta_post=0.1, x_tar=0.0, mu=0.2, w_max=1.0)
    state = rule.initial_state(2, 1)
    dw = rule.step(np.array([[1.0, 1.2]]), np.array([[1.0, 1.0]]), np.array([[1.0]]), state)
    assert dw.tolist() == [[0.0, 0.0]]
    w = np.array([[1.5, -0.5]])
    assert rule.bound(w).tolist() == [[1.0, 0.0]]


def test_a_whole_presentation_at_once_equals_stepping_with_fixed_weights():
    rng = np.random.default_rng(3)
    rule = DiehlCookSTDP(eta_pre=0.01, eta_post=0.02, x_tar=0.3, mu=0.2, tau_pre=7.0, tau_post=13.0, dt=0.5)
    w = rng.uniform(0.0, 1.0, size=(4, 6))
    pre = (rng.random((40, 6)) < 0.2).astype(float)
    post = (rng.random((40, 4)) < 0.1).astype(float)
    state = rule.initial_state(6, 4)
    stepped = sum(rule.step(w, pre[t:t + 1], post[t:t + 1], state) for t in range(40))
    np.testing.assert_allclose(rule.presentation_dw(w, pre, post), stepped, rtol=1e-12, atol=1e-15)
    assert np.abs(stepped).max() > 1e-3                       # the comparison is not of zeros


def test_the_rule_is_registered_and_checks_its_constants():
    assert PLASTICITY_RULES.get("diehl_cook") is DiehlCookSTDP
    rule = get_rule("diehl-cook", eta_post=0.02)
    assert isinstance(rule, DiehlCookSTDP) and rule.eta_post == 0.02 and rule.config()["type"] == "diehl_cook"
    with pytest.raises(ParameterError, match=r"DiehlCookSTDP eta_post must be a finite number >= 0; got -0.01"):
        DiehlCookSTDP(eta_post=-0.01)
    with pytest.raises(ParameterError, match=r"DiehlCookSTDP w_max must be a finite number > 0"):
        DiehlCookSTDP(w_min=0.0, w_max=0.0)
    with pytest.raises(UnknownNameError, match="diehl_cook"):
        get_rule("diehl_crook")


# ---------------------------------------------------------------- the network

def _digits(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    ds = nk.datasets.load("digits")
    X, y = ds.X / 16.0, ds.y
    return (X, y) if n is None else (X[:n], y[:n])


def test_weights_are_normalised_after_every_image():
    X, _ = _digits(12)
    net = DiehlCook(64, 10, seed=0)
    assert net.weight_sum == pytest.approx(78.0 * 64 / 784)
    np.testing.assert_allclose(net.weights.sum(axis=1), net.weight_sum, rtol=1e-12)
    for image in X:
        before = net.weights.copy()
        net.fit(image[None, :])
        assert not np.array_equal(net.weights, before)         # it learned from this image
        np.testing.assert_allclose(net.weights.sum(axis=1), net.weight_sum, rtol=1e-12)
        assert net.weights.min() >= 0.0


def test_adaptive_thresholds_rise_by_theta_plus_per_spike():
    X, _ = _digits(20)
    net = DiehlCook(64, 10, theta_plus=0.3, tau_theta=math.inf, seed=1).fit(X)
    spikes = net.train_spike_counts_.sum(axis=0)
    assert spikes.sum() > 50
    np.testing.assert_allclose(net.theta, 0.3 * spikes, rtol=1e-12)
    # with a finite time constant theta decays between images: lower than the sum of the rises
    decaying = DiehlCook(64, 10, theta_plus=0.3, tau_theta=2000.0, seed=1).fit(X)
    assert (decaying.theta <= 0.3 * decaying.train_spike_counts_.sum(axis=0) + 1e-12).all()
    assert decaying.theta.sum() < 0.9 * 0.3 * decaying.train_spike_counts_.sum()


def test_lateral_inhibition_lets_few_neurons_fire_per_image_early_on():
    X, _ = _digits(20)
    inhibited = DiehlCook(64, 30, seed=2).fit(X).train_spike_counts_
    free = DiehlCook(64, 30, inhibition=0.0, seed=2).fit(X).train_spike_counts_
    active_inhibited = (inhibited > 0).sum(axis=1)
    active_free = (free > 0).sum(axis=1)
    assert active_inhibited.mean() <= 3.0, active_inhibited
    assert active_free.mean() >= 15.0, active_free


def test_a_small_network_learns_the_digits_without_labels():
    X, y = _digits()
    train, test = slice(0, 400), slice(1400, 1797)
    net = DiehlCook(64, 30, seed=0).fit(X[train])
    net.assign_labels(X[train], y[train])
    accuracy = net.score(X[test], y[test])
    assert accuracy >= 0.6, accuracy                           # chance is 0.10 (measured: 0.77)
    assert len(set(net.labels_.tolist()) - {-1}) >= 8          # the neurons cover most digits


def test_the_same_seed_gives_the_same_weights():
    X, _ = _digits(15)
    a = DiehlCook(64, 8, seed=5).fit(X)
    b = DiehlCook(64, 8, seed=5).fit(X)
    c = DiehlCook(64, 8, seed=6).fit(X)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.theta, b.theta)
    assert not np.array_equal(a.weights, c.weights)
    assert np.array_equal(a.spike_counts(X), b.spike_counts(X))  # inference is seeded too


def test_labels_and_predictions_by_hand():
    net = DiehlCook(2, 4, seed=0)
    counts = np.array([[4, 0, 1, 0], [2, 0, 3, 0], [0, 5, 0, 0]])
    net.assign_labels(np.zeros((3, 2)), np.array([7, 7, 9]), counts=counts)
    np.testing.assert_allclose(net.class_rates_, [[3.0, 0.0, 2.0, 0.0], [0.0, 5.0, 0.0, 0.0]])
    assert net.labels_.tolist() == [0, 1, 0, -1]               # neuron 3 never fired
    # image 0: class 7 neurons (0, 2) fire 1 on average, class 9 (neuron 1) 3 -> 9; image 1: 7
    assert net.predict(np.zeros((2, 2)), counts=np.array([[2, 3, 0, 9], [2, 0, 2, 0]])).tolist() == [9, 7]


def test_receptive_fields_are_the_weights_as_images():
    net = DiehlCook(64, 5, seed=0)
    fields = net.receptive_fields()
    assert fields.shape == (5, 8, 8)
    np.testing.assert_array_equal(fields.reshape(5, 64), net.weights)
    assert DiehlCook(10, 3, seed=0).receptive_fields().shape == (3, 10)   # 10 is not a square: flat
    assert DiehlCook(10, 3, image_shape=(2, 5), seed=0).receptive_fields().shape == (3, 2, 5)


def test_save_and_load_keep_weights_thresholds_labels_and_predictions(tmp_path):
    X, y = _digits(60)
    net = DiehlCook(64, 10, image_shape=(8, 8), presentation_ms=100.0, seed=0).fit(X[:40])
    net.assign_labels(X[:40], y[:40])
    path = tmp_path / "dc.nkm"
    net.save(path)
    again = DiehlCook.load(path)
    assert np.array_equal(again.weights, net.weights) and np.array_equal(again.theta, net.theta)
    assert again.labels_.tolist() == net.labels_.tolist() and again.classes_.tolist() == net.classes_.tolist()
    assert again.config() == net.config()
    assert np.array_equal(again.predict(X[40:]), net.predict(X[40:]))
    nk.io.save_arrays(tmp_path / "other.nkm", {"w": np.zeros(2)}, {"epoch": 1})
    with pytest.raises(ModelFileError, match="does not hold a DiehlCook network"):
        DiehlCook.load(tmp_path / "other.nkm")
    arrays = net.state_dict()
    arrays["weights"] = arrays["weights"][:, :10]
    with pytest.raises(ModelFileError, match=r"'weights' must have shape \(10, 64\).*got \(10, 10\)"):
        DiehlCook.from_state_dict(net.config(), arrays)


def test_bad_input_is_refused_with_what_to_do():
    net = DiehlCook(64, 4, seed=0)
    with pytest.raises(DataError, match=r"pixel values in \[0, 1\].*got values in \[0, 16\].*16"):
        net.fit(_digits(3)[0] * 16)
    with pytest.raises(ShapeError, match=r"must be \(samples, 64\) pixels.*got shape \(2, 10\)"):
        net.fit(np.zeros((2, 10)))
    with pytest.raises(NotFittedError, match="assign_labels"):
        net.predict(np.zeros((1, 64)))
    with pytest.raises(ParameterError, match=r"DiehlCook n_exc must be an integer >= 1; got 0"):
        DiehlCook(64, 0)
    with pytest.raises(ParameterError, match=r"image_shape must be \(height, width\) with height \* width = "
                                             r"n_input = 64; got \(7, 7\)"):
        DiehlCook(64, 3, image_shape=(7, 7))
    with pytest.raises(ParameterError, match=r"rule.dt must equal dt=0.5"):
        DiehlCook(64, 3, dt=0.5, rule=DiehlCookSTDP(dt=1.0))
    with pytest.raises(ShapeError, match=r"counts must be \(images, n_exc\) = \(2, 4\)"):
        net.assign_labels(np.zeros((2, 64)), [0, 1], counts=np.zeros((2, 3)))


# ---------------------------------------------------------------- the picture

def test_the_receptive_field_grid_shows_each_neurons_weights_and_label():
    from neuronkit.spiking.plots import receptive_fields

    net = DiehlCook(64, 5, seed=0)
    net.assign_labels(np.zeros((2, 64)), [3, 8], counts=np.array([[1, 0, 2, 0, 0], [0, 4, 0, 0, 0]]))
    fig = receptive_fields(net, ncols=3)
    tiles = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(tiles) == 5               # a 2 x 3 grid, one cell empty
    for index, ax in enumerate(tiles):
        np.testing.assert_array_equal(ax.images[0].get_array(), net.weights[index].reshape(8, 8))
    assert [ax.get_title() for ax in tiles] == ["0: 3", "1: 8", "2: 3", "3", "4"]
    weights = np.arange(6.0).reshape(2, 3)
    flat = receptive_fields(weights, shape=(1, 3))
    np.testing.assert_array_equal(flat.axes[0].images[0].get_array(), [[0.0, 1.0, 2.0]])
    with pytest.raises(ShapeError, match=r"height \* width = the inputs per neuron \(3"):
        receptive_fields(weights, shape=(2, 2))


# ---------------------------------------------------------------- the command line

def _cli(capsys, *args):
    from neuronkit.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_unsupervised_stdp_learns_digits_and_writes_the_fields(tmp_path, capsys):
    plot, out = tmp_path / "fields.png", tmp_path / "dc.nkm"
    code, stdout, stderr = _cli(capsys, "train", "digits", "--unsupervised-stdp", "--neurons", 20, "--test-size", 0.75,
                                "--plot", plot, "--out", out)
    assert code == 0, stderr
    assert ("training on digits: 449 images of 8x8, without labels: a Diehl & Cook network of 20 excitatory "
            "neurons learning by STDP, 1 epoch; 1348 images held out for testing") in stderr
    accuracy = float(stdout.split("test: accuracy ")[1].split()[0])
    assert accuracy >= 0.5, stdout                              # chance is 0.10 (measured: 0.68)
    assert "learned in " in stdout and "total time " in stdout
    assert plot.read_bytes()[:4] == b"\x89PNG" and f"receptive fields saved to {plot}" in stdout
    net = DiehlCook.load(out)
    assert net.n_exc == 20 and net.image_shape == (8, 8) and net.labels_ is not None
    assert net.images_seen_ == 449


@pytest.mark.parametrize("args, message", [
    (["digits", "--unsupervised-stdp", "--spiking"], "do not apply to it: --spiking"),
    (["digits", "--unsupervised-stdp", "--hidden", "10", "--lr", "0.1"], "do not apply to it: --hidden, --lr"),
    (["digits", "--neurons", "10"], "--neurons is for --unsupervised-stdp"),
    (["digits", "--plot", "f.png"], "--plot is for --unsupervised-stdp"),
    (["iris", "--unsupervised-stdp"], "DATA 'iris' is not an image dataset"),
    (["digits", "--unsupervised-stdp", "--neurons", "0"], "--neurons must be an integer >= 1; got 0"),
    (["digits", "--unsupervised-stdp", "--image-size", "4x4"], "--image-size is for folders of images"),
])
def test_train_unsupervised_stdp_refuses_what_does_not_apply(capsys, args, message):
    code, stdout, stderr = _cli(capsys, "train", *args)
    assert code == 2 and message in stderr, stderr
    assert stdout == ""
