"""Local learning rules worked by hand (float64), and the learn() loop that applies them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.engine import Tensor
from neuronkit.errors import NameNotFoundError, ParameterError, ParameterTypeError, ShapeError, UnknownNameError
from neuronkit.spiking import LIF, RateEncoder, SpikingDense, Temporal
from neuronkit.spiking.learning import PLASTICITY_RULES, _LIFArrays, get_rule, learn
from neuronkit.spiking.plasticity import (
    AdaptiveThreshold,
    CombinedRule,
    Hebbian,
    Oja,
    PairSTDP,
    RewardSTDP,
    SynapticScaling,
    TripletSTDP,
)


def one(value: bool) -> np.ndarray:
    return np.array([[float(value)]])


def run(rule, pre_times, post_times, steps, *, w=0.0, reward=None):
    """The summed Δw of one synapse for spike times (steps), the weight held at ``w``."""
    weights, state, total = np.full((1, 1), w), rule.initial_state(1, 1), 0.0
    for t in range(steps):
        kwargs = {} if reward is None else {"reward": reward}
        total += rule.step(weights, one(t in pre_times), one(t in post_times), state, **kwargs)[0, 0]
    return total


# ------------------------------------------------------------------ pair STDP
def test_pre_before_post_potentiates_by_a_plus_times_the_decayed_trace():
    rule = PairSTDP(a_plus=0.01, a_minus=0.012, tau_plus=20.0, tau_minus=20.0, dt=1.0)
    assert run(rule, {10}, {15}, 20) == pytest.approx(0.01 * math.exp(-5 / 20), rel=1e-12)


def test_post_before_pre_depresses_by_a_minus_times_the_decayed_trace():
    rule = PairSTDP(a_plus=0.01, a_minus=0.012, tau_plus=20.0, tau_minus=30.0, dt=1.0)
    assert run(rule, {15}, {10}, 20) == pytest.approx(-0.012 * math.exp(-5 / 30), rel=1e-12)


def test_dt_scales_the_decay():
    rule = PairSTDP(a_plus=0.01, tau_plus=20.0, dt=0.5)
    assert run(rule, {10}, {20}, 25) == pytest.approx(0.01 * math.exp(-5 / 20), rel=1e-12)  # 10 steps of 0.5 ms


def test_a_pre_and_a_post_spike_in_the_same_step_do_not_see_each_other():
    rule = PairSTDP(a_plus=0.01, a_minus=0.012)
    assert run(rule, {5}, {5}, 10) == 0.0
    # each sees the partners before it: pre 0, then pre+post at 5: +A+ e^{-5/20}; post-pre pairs: none earlier
    assert run(rule, {0, 5}, {5}, 10) == pytest.approx(0.01 * math.exp(-5 / 20), rel=1e-12)


def test_all_to_all_sums_every_earlier_spike_nearest_keeps_the_latest():
    all_to_all = PairSTDP(a_plus=0.01, a_minus=0.0, trace="all_to_all")
    nearest = PairSTDP(a_plus=0.01, a_minus=0.0, trace="nearest")
    d = math.exp(-1 / 20)
    assert run(all_to_all, {0, 5}, {10}, 11) == pytest.approx(0.01 * (d ** 10 + d ** 5), rel=1e-12)
    assert run(nearest, {0, 5}, {10}, 11) == pytest.approx(0.01 * d ** 5, rel=1e-12)


def test_the_change_is_summed_over_the_batch_rows():
    rule = PairSTDP(a_plus=0.01, a_minus=0.0)
    w, state = np.zeros((2, 3)), rule.initial_state(3, 2, batch=2)
    rule.step(w, np.array([[1.0, 0, 0], [1.0, 1.0, 0]]), np.zeros((2, 2)), state)
    dw = rule.step(w, np.zeros((2, 3)), np.array([[1.0, 0.0], [1.0, 0.0]]), state)
    d = math.exp(-1 / 20)
    np.testing.assert_allclose(dw, [[0.02 * d, 0.01 * d, 0.0], [0.0, 0.0, 0.0]], rtol=1e-12)


def test_additive_weights_are_clipped_to_the_bounds():
    rule = PairSTDP(a_plus=0.5, a_minus=0.5, w_min=0.1, w_max=0.6)
    w, state = np.array([[0.5, 0.3]]), rule.initial_state(2, 1)
    for pre, post in [([1, 0], [0]), ([0, 0], [1]), ([0, 1], [0])]:  # input 0 before, input 1 after the post spike
        w += rule.step(w, np.array([pre], float), np.array([post], float), state)
        rule.bound(w)
    assert w.tolist() == [[0.6, 0.1]]


def test_multiplicative_changes_scale_with_the_distance_to_the_bounds():
    rule = PairSTDP(a_plus=0.1, a_minus=0.1, variant="multiplicative", w_min=0.0, w_max=1.0)
    d = math.exp(-1 / 20)
    assert run(rule, {0}, {1}, 2, w=0.25) == pytest.approx(0.1 * 0.75 * d, rel=1e-12)
    assert run(rule, {0}, {1}, 2, w=0.75) == pytest.approx(0.1 * 0.25 * d, rel=1e-12)
    assert run(rule, {1}, {0}, 2, w=0.25) == pytest.approx(-0.1 * 0.25 * d, rel=1e-12)
    assert run(rule, {1}, {0}, 2, w=1.0) == pytest.approx(-0.1 * d, rel=1e-12)
    assert run(rule, {0}, {1}, 2, w=1.0) == 0.0  # at w_max nothing more to gain: a soft bound


# ------------------------------------------------------------------ triplet STDP
def test_triplet_post_pre_post_adds_a3_plus_r1_o2():
    rule = TripletSTDP(w_min=None, w_max=None)  # the paper's visual-cortex minimal all-to-all constants
    r1 = math.exp(-5 / 16.8)    # the pre trace at the second post spike (pre at 5, post at 10)
    o1 = math.exp(-5 / 33.7)    # the post trace at the pre spike (post at 0, pre at 5)
    o2 = math.exp(-10 / 125.0)  # the slow post trace at the second post spike, before it is added to
    expected = -7e-3 * o1 + r1 * (5e-10 + 6.2e-3 * o2)
    assert run(rule, {5}, {0, 10}, 11) == pytest.approx(expected, rel=1e-12)
    pairs_only = TripletSTDP(a3_plus=0.0, w_min=None, w_max=None)
    assert run(rule, {5}, {0, 10}, 11) - run(pairs_only, {5}, {0, 10}, 11) == pytest.approx(6.2e-3 * r1 * o2,
                                                                                              rel=1e-9)


def test_triplet_pre_post_pre_subtracts_a3_minus_o1_r2():
    rule = TripletSTDP(a2_plus=0.0, a3_plus=0.0, a2_minus=0.0, a3_minus=0.01, tau_x=100.0, w_min=None, w_max=None)
    # pre at 0, post at 4, pre at 10: the second pre sees o1 = e^{-6/33.7}, r2 = e^{-10/100}
    assert run(rule, {0, 10}, {4}, 11) == pytest.approx(-0.01 * math.exp(-6 / 33.7) * math.exp(-10 / 100),
                                                        rel=1e-12)


# ------------------------------------------------------------------ reward-modulated STDP
def test_rstdp_zero_reward_changes_nothing_and_the_sign_follows_the_reward():
    rule = RewardSTDP(lr=0.5, tau_e=50.0, a_plus=1.0, a_minus=1.0, w_min=None, w_max=None)
    assert run(rule, {2}, {5}, 10, reward=0.0) == 0.0
    up, down = run(rule, {2}, {5}, 10, reward=1.0), run(rule, {2}, {5}, 10, reward=-1.0)
    assert up > 0 and down == -up
    # by hand: e jumps to e^{-3/20} at step 5, then decays by e^{-1/50} per step; each step adds lr · e
    e5 = math.exp(-3 / 20)
    assert up == pytest.approx(0.5 * sum(e5 * math.exp(-k / 50) for k in range(5)), rel=1e-12)
    assert run(rule, {5}, {2}, 10, reward=1.0) < 0  # post before pre: a negative eligibility


def test_rstdp_reward_per_batch_row():
    rule = RewardSTDP(lr=1.0, a_plus=1.0, a_minus=0.0, w_min=None, w_max=None)
    w, state = np.zeros((1, 1)), rule.initial_state(1, 1, batch=2)
    rule.step(w, np.ones((2, 1)), np.zeros((2, 1)), state, reward=np.array([0.0, 0.0]))
    dw = rule.step(w, np.zeros((2, 1)), np.ones((2, 1)), state, reward=np.array([1.0, -3.0]))
    assert dw[0, 0] == pytest.approx((1.0 - 3.0) * math.exp(-1 / 20), rel=1e-12)


def test_rstdp_refuses_a_missing_or_misshapen_reward():
    rule = RewardSTDP()
    w, state = np.zeros((1, 1)), rule.initial_state(1, 1, batch=2)
    with pytest.raises(ParameterError, match="RewardSTDP reward must be a number or one number per batch row"):
        rule.step(w, np.zeros((2, 1)), np.zeros((2, 1)), state)
    with pytest.raises(ShapeError, match=r"shape \(2,\); got shape \(3,\)"):
        rule.step(w, np.zeros((2, 1)), np.zeros((2, 1)), state, reward=[1.0, 2.0, 3.0])


# ------------------------------------------------------------------ Hebbian and Oja
def test_hebbian_by_hand():
    rule = Hebbian(lr=0.1)
    pre = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    post = np.array([[1.0, 0.5], [2.0, 0.0]])
    # ΔW[i, j] = 0.1 Σ_b post[b, i] pre[b, j]
    expected = 0.1 * np.array([[1 * 1 + 2 * 0, 1 * 0 + 2 * 1, 1 * 2 + 2 * 1], [0.5, 0.0, 1.0]])
    np.testing.assert_allclose(rule.step(np.zeros((2, 3)), pre, post, {}), expected, rtol=1e-12)


def test_oja_converges_to_the_first_principal_component_with_unit_norm():
    rng = np.random.default_rng(0)
    covariance = np.array([[3.0, 1.2], [1.2, 1.0]])
    data = rng.multivariate_normal([0.0, 0.0], covariance, size=4000)
    rule = Oja(lr=0.005)
    w = np.array([[0.3, -0.8]])
    for x in data:
        x = x[None]
        w += rule.step(w, x, x @ w.T, {})
    values, vectors = np.linalg.eigh(np.cov(data.T))
    first = vectors[:, np.argmax(values)]
    assert abs(float(w[0] @ first)) / np.linalg.norm(w[0]) > 0.99
    assert np.linalg.norm(w[0]) == pytest.approx(1.0, abs=0.05)


# ------------------------------------------------------------------ homeostasis
def _driven_layer() -> tuple[SpikingDense, np.ndarray]:
    """10 LIF neurons (τ = 20 ms) driven by 50 Poisson inputs at 20 Hz (2 s at dt = 1 ms), excitatory weights."""
    spikes = (np.random.default_rng(0).random((2000, 1, 50)) < 0.02).astype(np.float64)
    layer = SpikingDense(50, 10, neuron=LIF(tau=20.0, dtype=np.float64), bias=False, dtype=np.float64, seed=0)
    layer.synapse.weight.data[:] = np.random.default_rng(1).uniform(0.0, 0.4, (10, 50))
    return layer, spikes


def test_synaptic_scaling_brings_a_poisson_driven_lif_population_to_its_target_rate():
    layer, spikes = _driven_layer()
    before = layer.synapse.weight.data.copy()
    history = learn(layer, spikes, SynapticScaling(lr=3e-4, target_rate=20.0, tau=200.0), epochs=6)
    rates = history.rates[history.layers[0]]
    assert rates[0].mean() > 60.0                                   # it started far above the target
    assert rates[-1].mean() == pytest.approx(20.0, rel=0.10)
    assert np.all(np.abs(rates[-1] - 20.0) <= 0.2 * 20.0)
    ratios = layer.synapse.weight.data / before                     # one factor per neuron: rows keep their shape
    np.testing.assert_allclose(ratios, ratios[:, :1] * np.ones((1, 50)), rtol=1e-9)


def test_intrinsic_plasticity_brings_the_rate_to_its_target_through_the_threshold():
    layer, spikes = _driven_layer()
    before = layer.synapse.weight.data.copy()
    history = learn(layer, spikes, AdaptiveThreshold(lr=5e-5, target_rate=20.0, tau=200.0), epochs=4)
    rates = history.rates[history.layers[0]]
    assert rates[0].mean() > 30.0
    assert rates[-1].mean() == pytest.approx(20.0, rel=0.10)
    np.testing.assert_array_equal(layer.synapse.weight.data, before)        # the weights did not move
    theta = history.neuron_params[history.layers[0]]["threshold"]
    assert np.all(theta > 1.0)                                              # too fast: thresholds went up
    np.testing.assert_array_equal(layer.neuron.threshold, theta)            # the model holds them
    assert layer.neuron.config()["threshold"] == theta.tolist()


# ------------------------------------------------------------------ learn()
def _layer(seed: int = 0) -> SpikingDense:
    return SpikingDense(4, 3, neuron=LIF(beta=0.8, dtype=np.float64), bias=False, dtype=np.float64, seed=seed)


def test_learn_changes_weights_only_where_pre_and_post_spikes_occurred():
    layer = _layer()
    layer.synapse.weight.data[:] = [[0.9, 0.9, 0.0, 0.3], [0.9, 0.0, 0.9, 0.3], [0.1, 0.1, 0.1, 0.1]]
    spikes = np.zeros((40, 2, 4))
    rng = np.random.default_rng(0)
    spikes[:, :, :3] = rng.random((40, 2, 3)) < 0.3         # input 3 never fires
    before = layer.synapse.weight.data.copy()
    history = learn(layer, spikes, PairSTDP(a_plus=0.01, a_minus=0.013, w_min=None))
    fired = history.rates[history.layers[0]][0] > 0       # neuron 2's inputs are too weak: it never fires
    assert fired.tolist() == [True, True, False]
    changed = layer.synapse.weight.data != before
    assert changed.tolist() == [[True, True, True, False], [True, True, True, False], [False] * 4]


def test_learn_is_reproducible_with_a_seed_through_a_rate_encoder():
    def model() -> nk.Sequential:
        return nk.Sequential(RateEncoder(30, seed=5), SpikingDense(6, 3, neuron=LIF(beta=0.9), seed=1))

    data = np.random.default_rng(0).random((8, 6))
    a, b, c = model(), model(), model()
    for net in (a, b, c):
        net[1].synapse.weight.data[:] = np.abs(net[1].synapse.weight.data) + 0.3
    learn(a, data, "stdp", seed=7, epochs=2)
    learn(b, data, "stdp", seed=7, epochs=2)
    learn(c, data, "stdp", seed=8, epochs=2)
    np.testing.assert_array_equal(a[1].synapse.weight.data, b[1].synapse.weight.data)
    assert not np.array_equal(a[1].synapse.weight.data, c[1].synapse.weight.data)


def test_learn_builds_no_autodiff_graph(monkeypatch):
    layer = _layer()
    layer.synapse.weight.data[:] = 0.6
    created = []
    original = Tensor.__init__

    def counting(self, *args, **kwargs):
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Tensor, "__init__", counting)
    history = learn(layer, (np.random.default_rng(0).random((30, 2, 4)) < 0.5).astype(float), "stdp")
    monkeypatch.undo()
    assert created == []                                      # LIF runs on arrays: not one Tensor
    assert layer.synapse.weight.grad is None
    assert history.total_dw[history.layers[0]][0] > 0


def test_other_neuron_models_step_without_a_graph(monkeypatch):
    net = nk.Sequential(SpikingDense(4, 3, neuron=nk.spiking.ALIF(beta=0.8), seed=0),
                        SpikingDense(3, 2, neuron="lif", seed=1))
    created = []
    original = Tensor.__init__

    def counting(self, *args, **kwargs):
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Tensor, "__init__", counting)
    learn(net, (np.random.default_rng(0).random((10, 2, 4)) < 0.5).astype(np.float32), "hebbian")
    monkeypatch.undo()
    assert created and all(t._parents == () for t in created)   # ALIF's own step under no_grad
    assert all(p.grad is None for p in net.parameters())


@pytest.mark.parametrize("options", [
    {"reset": "subtract"}, {"reset": "zero", "v_reset": -0.2}, {"reset": "none"},
    {"reset": "subtract", "refractory": 2.0}, {"reset": "zero", "reset_delay": False, "refractory": 3.0},
    {"reset": "subtract", "reset_delay": False, "v_rest": 0.1},
])
def test_the_array_lif_step_gives_the_spikes_and_membranes_of_lif_forward(options):
    neuron = LIF(beta=[0.9, 0.7, 0.5], threshold=[1.0, 0.8, 1.2], dtype=np.float64, name="lif", **options)
    currents = np.random.default_rng(1).uniform(-0.2, 0.9, (60, 2, 3))
    with nk.no_grad(), nk.spiking.record() as rec:
        expected = neuron(currents).data
    arrays = _LIFArrays(neuron, 3, np.dtype(np.float64))
    state = arrays.initial(2)
    spikes, mem = [], []
    for current in currents:
        spikes.append(arrays.step(current, state))
        mem.append(state["mem"])
    np.testing.assert_array_equal(np.stack(spikes), expected)
    np.testing.assert_allclose(np.stack(mem), rec["lif"]["mem"], rtol=1e-12, atol=1e-12)
    assert 0 < expected.mean() < 0.9


def test_learn_reports_the_rates_of_lif_forward():
    neuron = LIF(beta=[0.9, 0.7, 0.5], threshold=[1.0, 0.8, 1.2], dtype=np.float64, refractory=2.0)
    layer = SpikingDense(5, 3, neuron=neuron, bias=True, dtype=np.float64, seed=3)
    layer.synapse.weight.data[:] = np.random.default_rng(0).uniform(0.0, 0.8, (3, 5))
    spikes = (np.random.default_rng(1).random((50, 2, 5)) < 0.4).astype(np.float64)
    with nk.no_grad():
        expected = layer(spikes).data.mean(axis=(0, 1)) * 1000.0
    net = nk.Sequential(layer, SpikingDense(3, 1, neuron="lif", dtype=np.float64, seed=0))
    history = learn(net, spikes, Hebbian(lr=0.0), layers=0)
    np.testing.assert_allclose(history.rates[history.layers[0]][0], expected, rtol=1e-12)
    assert expected.min() > 0


def test_learn_through_temporal_layers_and_a_chosen_layer():
    net = nk.Sequential(Temporal(nk.Dropout(0.5)), SpikingDense(4, 3, neuron="lif", seed=0),
                        SpikingDense(3, 2, neuron="lif", seed=1, name="out"))
    first = net[1].synapse.weight.data.copy()
    history = learn(net, np.ones((10, 1, 4), dtype=np.float32), Hebbian(lr=0.1), layers="out")
    assert history.layers == ("out",)
    np.testing.assert_array_equal(net[1].synapse.weight.data, first)  # not chosen: runs, does not learn


def test_learn_rstdp_with_a_reward_function():
    layer = _layer()
    layer.synapse.weight.data[:] = 0.7
    spikes = (np.random.default_rng(2).random((30, 1, 4)) < 0.5).astype(float)
    calls = []

    def reward(step, post):
        calls.append((step, post.shape))
        return 0.0

    before = layer.synapse.weight.data.copy()
    learn(layer, spikes, RewardSTDP(lr=1.0), reward=reward)
    np.testing.assert_array_equal(layer.synapse.weight.data, before)       # R = 0: nothing moves
    assert calls[:2] == [(0, (1, 3)), (1, (1, 3))] and len(calls) == 30
    learn(layer, spikes, RewardSTDP(lr=1.0), reward=np.array([1.0]))
    assert not np.array_equal(layer.synapse.weight.data, before)


def test_snapshots_stay_bounded():
    layer = _layer()
    history = learn(layer, np.ones((50, 1, 4)), Hebbian(lr=0.001), record_every=1, max_snapshots=6)
    steps = history.snapshot_steps
    assert len(steps) <= 6 and steps[0] == 0
    interval = steps[1] - steps[0]
    assert steps == list(range(0, interval * len(steps), interval))
    np.testing.assert_array_equal(history.snapshots[history.layers[0]][0], history.before[history.layers[0]])
    assert history.steps == 50


def test_every_rule_rebuilds_from_its_config():
    options = {"combined": {"rules": ["stdp", {"type": "intrinsic", "lr": 0.5}]}}
    for name in PLASTICITY_RULES:
        rule = get_rule(name, **options.get(name, {}))
        assert get_rule(rule.config()).config() == rule.config()
        assert rule.config()["type"] == name


def test_combined_rules_add_their_changes_and_keep_their_own_traces():
    def trained(rule):
        layer, spikes = _driven_layer()
        history = learn(layer, spikes[:400], rule)
        return layer.synapse.weight.data.copy(), layer.neuron.threshold, history

    stdp = PairSTDP(a_plus=0.001, a_minus=0.001)
    intrinsic = AdaptiveThreshold(lr=5e-5, target_rate=20.0, tau=200.0)
    w_both, theta_both, history = trained(CombinedRule([stdp, intrinsic]))
    layer, spikes = _driven_layer()
    # the same run by hand: each rule on its own state, the changes added
    w = layer.synapse.weight.data
    arrays = _LIFArrays(layer.neuron, 10, np.dtype(np.float64))
    neuron_state, traces = arrays.initial(1), [stdp.initial_state(50, 10), intrinsic.initial_state(50, 10)]
    for x in spikes[:400]:
        post = arrays.step(x @ w.T, neuron_state)
        dw = stdp.step(w, x, post, traces[0]) + intrinsic.step(w, x, post, traces[1])
        w += dw
        stdp.bound(w)
        intrinsic.update_neuron({"threshold": arrays.threshold}, post, traces[1])
    np.testing.assert_allclose(w_both, w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(theta_both, arrays.threshold, rtol=1e-12)
    assert np.any(theta_both != 1.0) and history.rule["type"] == "combined"
    with pytest.raises(ParameterError, match="the rules must share one time step; got dt = 1 \\(stdp\\), 0.5"):
        CombinedRule(["stdp", PairSTDP(dt=0.5)])
    with pytest.raises(ParameterTypeError, match="CombinedRule rules must be a non-empty list"):
        CombinedRule("stdp")


# ------------------------------------------------------------------ refusals
def test_unknown_rule_names_the_valid_ones():
    with pytest.raises(UnknownNameError, match="unknown plasticity rule 'stpd'; valid names are: stdp.*did you mean"):
        learn(_layer(), np.zeros((3, 1, 4)), "stpd")


@pytest.mark.parametrize("make, name", [
    (lambda: PairSTDP(a_minus=-0.01), "a_minus"), (lambda: PairSTDP(a_plus=-1), "a_plus"),
    (lambda: Hebbian(lr=-0.1), "lr"), (lambda: RewardSTDP(lr=-1.0), "lr"), (lambda: Oja(lr=-1), "lr"),
    (lambda: TripletSTDP(a3_plus=-1e-3), "a3_plus"), (lambda: SynapticScaling(lr=-1.0), "lr"),
])
def test_a_negative_learning_rate_is_refused_saying_the_sign_is_built_in(make, name):
    with pytest.raises(ParameterError, match=rf"{name} must be a finite number >= 0; got -.*the sign is built into"):
        make()


def test_bad_rule_options_are_refused():
    with pytest.raises(ParameterTypeError, match="plasticity rule 'stdp' has no option 'lr'; its options are: a_plus"):
        get_rule("stdp", lr=0.1)
    with pytest.raises(ParameterError, match="plasticity rule 'combined' needs 'rules'"):
        get_rule("combined")
    with pytest.raises(ParameterError, match="needs finite w_min and w_max"):
        PairSTDP(variant="multiplicative", w_max=None)
    with pytest.raises(ParameterError, match="w_min must be below w_max"):
        PairSTDP(w_min=1.0, w_max=0.5)
    with pytest.raises(ParameterError, match="PairSTDP tau_plus must be a finite number > 0; got 0"):
        PairSTDP(tau_plus=0)
    with pytest.raises(ParameterError, match="variant must be one of"):
        PairSTDP(variant="hard")
    with pytest.raises(ParameterTypeError, match="PairSTDP weights must be a NumPy array .* got 'Parameter'"):
        PairSTDP().step(nk.Parameter(np.zeros((1, 1))), np.zeros((1, 1)), np.zeros((1, 1)), {})
    with pytest.raises(ParameterTypeError, match=r"Hebbian pre is a Tensor; rules run on NumPy arrays \(give pre"):
        Hebbian().step(np.zeros((1, 1)), Tensor(np.zeros((1, 1))), np.zeros((1, 1)), {})
    with pytest.raises(ShapeError, match=r"weights \(2, 2\) must be \(n_post, n_pre\) for pre \(1, 3\)"):
        PairSTDP().step(np.zeros((2, 2)), np.zeros((1, 3)), np.zeros((1, 2)), PairSTDP().initial_state(3, 2))


def test_learn_refuses_a_model_without_spiking_dense():
    with pytest.raises(ParameterError, match=r"needs a model with a SpikingDense layer.*hidden1 \(Dense\)"):
        learn(nk.Sequential(nk.Dense(4, 2, seed=0), nk.Dense(2, 1, seed=0)), np.zeros((3, 1, 4)))
    with pytest.raises(ParameterTypeError, match="learn model must be a SpikingDense or a Sequential"):
        learn(nk.Dense(4, 2, seed=0), np.zeros((3, 1, 4)))


def test_learn_refuses_inputs_of_the_wrong_shape_naming_both():
    with pytest.raises(ShapeError, match=r"\(T, batch, 4\) for layer 'SpikingDense'.*got shape \(10, 1, 5\)"):
        learn(_layer(), np.zeros((10, 1, 5)))
    with pytest.raises(ShapeError, match=r"got shape \(10,\)"):
        learn(_layer(), np.zeros(10))


def test_learn_refuses_a_missing_reward_and_a_reward_not_needed():
    with pytest.raises(ParameterError, match="learn reward must be given for the rule 'rstdp'"):
        learn(_layer(), np.zeros((3, 1, 4)), "rstdp")
    with pytest.raises(ParameterError, match="the rule 'stdp' takes no reward"):
        learn(_layer(), np.zeros((3, 1, 4)), "stdp", reward=1.0)
    with pytest.raises(ShapeError, match=r"one per sample, shape \(1,\); got shape \(2,\)"):
        learn(_layer(), np.zeros((3, 1, 4)), "rstdp", reward=[1.0, 2.0])


def test_learn_refuses_unknown_layers():
    net = nk.Sequential(SpikingDense(4, 3, seed=0, name="a"), SpikingDense(3, 2, seed=0, name="b"))
    with pytest.raises(ParameterError, match="'c' is not a SpikingDense layer of the model; .* are: a, b"):
        learn(net, np.zeros((3, 1, 4)), layers=["c"])


def test_history_names_a_missing_layer():
    history = learn(_layer(), np.zeros((3, 1, 4)))
    with pytest.raises(NameNotFoundError, match="no learning layer named 'x'"):
        history.weight_change("x")


def test_learn_refuses_spikes_given_to_a_model_that_encodes():
    net = nk.Sequential(RateEncoder(5, seed=0), SpikingDense(4, 2, seed=0, name="exc"))
    with pytest.raises(ShapeError, match=r"turns the data \(10, 3, 4\) into \(5, 10, 3, 4\), but layer 'exc' "
                                         r"takes \(T, batch, 4\)"):
        learn(net, np.random.default_rng(0).random((10, 3, 4)))


def test_progress_prints_one_line_per_epoch(capsys):
    learn(_layer(), np.ones((5, 1, 4)), Hebbian(lr=0.01), epochs=2, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("learn epoch 2/2: SpikingDense: rate ")


def test_learn_takes_images_through_a_temporal_flatten():
    net = nk.Sequential(Temporal(nk.Flatten()), SpikingDense(4, 2, neuron=LIF(beta=0.5), bias=False, seed=0))
    net[1].synapse.weight.data[:] = [[0.7, 0.7, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    images = np.zeros((3, 2, 1, 2, 2), dtype=np.float32)   # (T, batch, C, H, W): pixel (0, 0) fires at step 0
    images[0, :, 0, 0, 0] = images[1, :, 0, 0, 0] = 1.0     # and 1; neuron 0 fires at step 1 (0.7, 0.35 + 0.7)
    history = learn(net, images, Hebbian(lr=0.5))
    np.testing.assert_allclose(history.weight_change(), [[1.0, 0, 0, 0], [0, 0, 0, 0]])  # 2 rows · 0.5 · 1 · 1


def test_a_rule_moving_thresholds_needs_lif_neurons():
    layer = SpikingDense(4, 2, neuron=nk.spiking.ALIF(beta=0.8), seed=0, name="adaptive")
    with pytest.raises(ParameterError, match="the rule 'intrinsic' moves the neurons' threshold, which learn\\(\\) "
                                             "does for LIF neurons; layer 'adaptive' has ALIF"):
        learn(layer, np.zeros((3, 1, 4)), "intrinsic")


def test_the_loop_and_the_rule_interface_are_learning_py_s_and_plasticity_re_exports_them():
    from neuronkit.spiking import learning, plasticity

    for name in ("learn", "LearnHistory", "PlasticityRule", "get_rule", "PLASTICITY_RULES"):
        assert getattr(plasticity, name) is getattr(learning, name) is getattr(nk.spiking, name), name
    assert learn.__module__ == "neuronkit.spiking.learning" and PairSTDP.__module__ == "neuronkit.spiking.plasticity"
    assert PLASTICITY_RULES.get("stdp") is PairSTDP and isinstance(get_rule("oja"), Oja)
