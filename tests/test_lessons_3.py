"""Lesson 11 (docs/lessons/11-plasticity-and-simulation.md): every cell runs, and the numbers the prose states hold.

The page runs in one namespace (matplotlib's Agg backend, warnings as errors) with the runner of
tests/test_lessons_2.py; the values the prose gives are then checked here, so a page that goes
stale fails before the docs build shows wrong text.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ._lessons import run_on_one_blas_thread

pytest.importorskip("matplotlib")
pytest.importorskip("nir")


@pytest.fixture(scope="module")
def ns() -> dict:
    return run_on_one_blas_thread("11-plasticity-and-simulation.md")


def test_lesson_11_runs_within_its_budget(ns):
    assert ns["_cpu_seconds"] < 10


def test_stdp_pair_by_hand_equals_pair_stdp(ns):
    # pre at 10 ms, post at 15 ms, dt 1 ms, tau 20 ms, A+ 0.01: Δw = 0.01 e^{-5/20} = 0.007788
    expected = 0.01 * math.exp(-5 / 20)
    assert round(expected, 6) == 0.007788 and round(math.exp(-5 / 20), 4) == 0.7788
    assert abs(ns["dw_hand"] - expected) < 1e-15
    assert abs(ns["dw_rule"] - ns["dw_hand"]) < 1e-15
    # the traces the plot shows: x is 1 at the pre spike, e^{-5/20} at the post spike; the rule's x is the same
    x_hand, y_hand = ns["x_hand"], ns["y_hand"]
    assert x_hand[9] == 0 and x_hand[10] == 1.0 and abs(x_hand[15] - math.exp(-5 / 20)) < 1e-15
    assert np.allclose(ns["x_rule"], x_hand, rtol=0, atol=1e-15)
    assert np.all(y_hand[:15] == 0) and y_hand[15] == 1.0


def test_stdp_window(ns):
    window, deltas = ns["window"], ns["deltas"]
    a_plus, a_minus = 0.01, 0.0105
    for d, dw in zip(deltas, window):
        if d > 0:
            assert np.isclose(dw, a_plus * math.exp(-d / 20), rtol=1e-12)
        elif d < 0:
            assert np.isclose(dw, -a_minus * math.exp(d / 20), rtol=1e-12)
        else:
            assert dw == 0.0                                              # same step: no change
    assert round(a_plus * math.exp(-1 / 20), 6) == 0.009512 and round(-a_minus * math.exp(-1 / 20), 6) == -0.009988
    assert window.sum() < 0 and round(window.sum(), 5) == -0.00895       # "depression wins"


def test_additive_and_multiplicative_bounds(ns):
    additive, multiplicative = ns["additive"], ns["multiplicative"]
    step = 0.01 * math.exp(-5 / 20)
    assert np.argmax(additive >= 1.0) + 1 == 65 == math.ceil(0.5 / step)  # "at the bound after 65 pairings"
    assert np.allclose(additive[:64], 0.5 + step * np.arange(1, 65)) and np.all(additive[64:] == 1.0)
    assert np.allclose(multiplicative, 1 - 0.5 * (1 - step) ** np.arange(1, 151), rtol=1e-12)
    assert round(multiplicative[-1], 4) == 0.8452 and multiplicative[-1] < 1.0


def test_stdp_learns_the_first_spikes_of_a_repeating_pattern(ns):
    change = ns["stdp_change"]
    after = ns["stdp_history"].after[ns["stdp_history"].layers[0]][0]
    assert np.allclose(after[:2], 0.52, atol=0.005) and 2 * after[0] > 1.0          # "0.52 each, 2 × 0.52 > 1"
    assert np.allclose(after[2:4], 0.03, atol=0.005) and np.all(after[4:10] == 0.0)  # "keep 0.03", the rest 0
    assert np.all(np.abs(change[10:]) < 0.1) and change[10:].min() < 0 < change[10:].max()   # noise: < 0.1, either way
    assert (0.5, round(0.9 * 0.5 + 0.5, 2), round(0.9 * 0.95 + 0.5, 3)) == (0.5, 0.95, 1.355)
    assert ns["latency_before"] == 2 and ns["latency_after"] == 0
    assert len(ns["stdp_history"].snapshot_steps) == 51                # the trajectories: a snapshot every 100 ms


def test_reward_modulated_stdp(ns):
    changes = ns["reward_changes"]
    expected = 0.01 * math.exp(-5 / 20) * math.exp(-25 / 200)
    assert np.isclose(changes[1.0], expected, rtol=1e-12) and round(expected, 6) == 0.006873
    assert changes[0.0] == 0.0 and np.isclose(changes[-1.0], -expected, rtol=1e-12)


def test_hebb_grows_and_oja_finds_the_first_principal_component(ns):
    pc1, w_oja = ns["pc1"], ns["w_oja"]
    data = ns["data"]
    assert data.shape == (1000, 2)
    assert abs(ns["eigenvalues"][-1] - 4.084) < 1e-3
    assert 1e15 < ns["norms_hebb"][-1] < 1e17                            # "about 10^16"
    assert np.all(np.diff(ns["norms_hebb"][100:]) > 0)                    # growing, without bound
    assert ns["cos_hebb"] > 0.999                                         # towards the component too
    assert abs(np.linalg.norm(w_oja) - 1) < 0.01                          # Oja: unit length
    angle = np.degrees(np.arccos(ns["cos_oja"]))
    assert ns["cos_oja"] > 0.999 and 1.0 < angle < 2.0                   # "about a degree and a half"
    assert np.allclose(np.abs(w_oja), np.abs(pc1), atol=0.03)
    # the component by eigh is the direction of largest variance of the data
    assert np.var(data @ pc1) > np.var(data @ np.array([pc1[1], -pc1[0]]))


def test_homeostasis_brings_the_rates_to_the_target(ns):
    fixed, scaled, adapted = ns["fixed"], ns["scaled"], ns["adapted"]
    assert fixed.shape == scaled.shape == adapted.shape == (30, 4)
    without = fixed.mean(axis=0)
    assert 200 < without[0] < 260 and 840 < without[-1] < 900 and np.all(np.diff(without) > 0)  # "230 to 880 Hz"
    for rates in (scaled, adapted):
        late = rates[-10:].mean(axis=0)
        assert np.all(np.abs(late - 10) < 2)                              # "about 10 Hz"
        assert np.all(rates[10:].mean(axis=0) < 20)                       # "within a couple of seconds"
    weights = ns["scaled_layer"].synapse.weight.data
    assert np.all(weights < 0.1) and np.ptp(weights.mean(axis=1)) < 0.002   # shrunk, to nearly the same value
    assert np.all(ns["adapted_layer"].synapse.weight.data == ns["drive"][:, None])   # weights kept
    theta = np.asarray(ns["adapted_layer"].neuron.threshold)
    assert np.all(np.diff(theta) > 0) and np.ptp(theta / ns["drive"]) < 0.2 * np.mean(theta / ns["drive"])


def test_cuba_network_rates_and_balance(ns):
    assert round(ns["alone"], 1) == 18.9
    result = ns["result"]
    assert [p.n for p in ns["net"].populations] == [3200, 800] and result.duration == 1000.0
    assert 5.5 < ns["mean_rate"] < 6.1                                    # "about 5.8 Hz" (Brian2: 5.6)
    assert ns["mean_rate"] < ns["alone"] / 2.5                            # "a third of what each would do alone"
    # the raster data: indices within each population, times within the run
    times, neurons = result.spikes["exc"]
    assert neurons.max() < 3200 and times.min() >= 0 and times.max() < 1000
    _, binned = result.rate_over_time("exc", bin_ms=10.0)
    assert 10 < binned[0] < 12 and 2.5 < binned[2:5].min() < 4            # "about 11 Hz", then a dip to about 3
    assert 1.0 < binned[10:].std() < 1.8                                  # "fluctuates ... by about 1.4 Hz"
    assert abs(binned[10:].mean() - ns["mean_rate"]) < 0.3
    # the mean currents against K·w·τ·r
    g_mean, g_expected = ns["g_mean"], ns["g_expected"]
    assert abs(g_mean["g_e"] - g_expected["g_e"]) < 0.15 * abs(g_expected["g_e"])
    assert abs(g_mean["g_i"] - g_expected["g_i"]) < 0.05 * abs(g_expected["g_i"])
    assert 64 * 1.62 * 5 == pytest.approx(518.4) and 16 * 9 * 10 == 1440
    assert -55 < ns["resting_point"] < -53.5                              # "about 5 mV below its rest"
    balance = ns["balance"]
    assert abs(balance["no synapses at all"] - 18.9) < 0.3                # "its own 19 Hz"
    assert balance["no inhibition"] > 120                                 # "runs away to over 120 Hz"
    assert 1.7 < balance["half the inhibition"] / balance["CUBA as published"] < 2.3   # "doubles"
    assert 2.5 < balance["no excitation"] < 3.5                           # "about 3 Hz"


def test_delays(ns):
    onsets = ns["onsets"]
    assert onsets[0.0] == pytest.approx(1.1) and onsets[2.0] == pytest.approx(3.1)
    assert onsets[2.0] - onsets[0.0] == pytest.approx(2.0)
    assert "0.25 ms is not a multiple of dt (0.1 ms)" in ns["delay_refusal"]


def test_diehl_cook_learns_digits_without_labels(ns):
    learner = ns["learner"]
    assert learner.n_exc == 30 and learner.train_spike_counts_.shape == (400, 30)
    assert 0.66 <= ns["dc_accuracy"] <= 0.76                              # "about seven held-out digits in ten"
    per_digit = ns["per_digit"]
    assert per_digit.sum() == np.sum(learner.labels_ >= 0) == 30
    assert per_digit.min() == 2 and per_digit.max() == 4                  # "two to four per digit"
    assert learner.receptive_fields().shape == (30, 8, 8)


def test_nir_export_conversion_and_round_trip(ns):
    graph = ns["graph"]
    kinds = {key: type(node).__name__ for key, node in graph.nodes.items()}
    assert kinds == {"input": "Input", "spiking1.synapse": "Affine", "spiking1.neuron": "LIF",
                     "spiking2.synapse": "Affine", "spiking2.neuron": "LI", "output": "Output"}
    lif, li = graph.nodes["spiking1.neuron"], graph.nodes["spiking2.neuron"]
    assert np.allclose(lif.tau, 10.0) and np.allclose(lif.r, 10.0)        # β = 0.9: τ = 1 / 0.1 = 10, R = 10
    assert np.allclose(li.tau, 5.0) and np.allclose(li.r, 5.0)            # β = 0.8: τ = 5
    assert ns["same_output"]
    assert abs(float(ns["back"]["spiking1"].neuron.beta) - 0.9) < 1e-6
    assert "no subtract reset" in ns["nir_refusal"] and "force=True" in ns["nir_refusal"]
