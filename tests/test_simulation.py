"""The simulation against closed forms: the membrane, the PSP of one spike, delays, the refractory hold.

Everything in float64 at 1e-10: the steps are exact integrations of a linear system, so the recorded
membrane equals the closed-form solution at every sample (not merely to O(dt)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuronkit.spiking.simulation import Connection, Network, Population

DT = 0.1


def closed_form_membrane(t, v0, v_rest, tau_m):
    return v_rest + (v0 - v_rest) * np.exp(-t / tau_m)


def psp(s, w, tau_s, tau_m):
    """The membrane response (mV above rest) to g jumping by w at s = 0, for s >= 0."""
    s = np.asarray(s, dtype=np.float64)
    if tau_s == tau_m:
        shape = (s / tau_m) * np.exp(-s / tau_m)
    else:
        shape = tau_s / (tau_s - tau_m) * (np.exp(-s / tau_s) - np.exp(-s / tau_m))
    return np.where(s >= 0, w * shape, 0.0)


def test_membrane_relaxes_as_the_closed_form():
    pop = Population(3, tau_m=20.0, v_rest=-55.0, v_reset=-70.0, v_threshold=-50.0, name="a")
    net = Network([pop], dt=DT)
    net.set_state("a", "v", [-70.0, -60.0, -52.0])
    res = net.run(200.0, states={"a": ["v"]})
    t = res.state_times
    assert t.shape == (2000,) and t[0] == 0.0 and t[-1] == pytest.approx(199.9)
    v = res.states["a"]["v"]
    expected = np.stack([closed_form_membrane(t, v0, -55.0, 20.0) for v0 in (-70.0, -60.0, -52.0)], axis=1)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-10)
    assert res.spikes["a"][0].size == 0  # v_rest below threshold: silent


def test_a_constant_drive_above_threshold_fires_when_the_closed_form_crosses():
    # v_rest = -45 > v_threshold = -50: from -60, v crosses -50 at t* = 20 ln 3 = 21.97 ms; the step whose
    # update crosses is stamped at its start (Brian2's convention): 21.9 ms. Then reset, 5 ms hold, again.
    pop = Population(1, tau_m=20.0, v_rest=-45.0, v_reset=-60.0, v_threshold=-50.0, refractory=5.0,
                     v_init=-60.0, name="a")
    res = Network([pop], dt=DT).run(100.0)
    t_cross = 20.0 * math.log(3.0)
    first = math.ceil(t_cross / DT) - 1  # the step that crosses
    # v = v_reset at t_spike + dt ... t_spike + 5 ms; the climb starts from there, as from t = 0
    period = 50 + first
    times, index = res.spikes["a"]
    assert times.size == 3 and (index == 0).all()
    np.testing.assert_allclose(times, [first * DT, (first + period) * DT, (first + 2 * period) * DT], atol=1e-9)
    assert res.rate("a") == pytest.approx([30.0])


@pytest.mark.parametrize(("tau_e", "weight"), [(5.0, 2.0), (20.0, 1.5), (40.0, -3.0)])
def test_one_spike_through_an_exponential_synapse_gives_the_analytic_psp(tau_e, weight):
    # The driver fires once (its long refractory period forbids a second spike); the target, at rest
    # below threshold, shows the PSP w tau_e/(tau_e - tau_m) (e^{-s/tau_e} - e^{-s/tau_m}) from one step
    # after the spike (tau_e == tau_m: w (s/tau_m) e^{-s/tau_m}).
    driver = Population(1, v_rest=-45.0, v_init=-60.0, refractory=1000.0, name="driver")
    target = Population(2, tau_m=20.0, v_rest=-70.0, v_init=-70.0, v_threshold=-20.0,
                        synapses={"e": {"tau": tau_e}}, name="target")
    net = Network([driver, target], [Connection(driver, target, synapse="e", weight=weight, p=1.0)], dt=DT)
    res = net.run(150.0, states={"target": ["v", "g_e"]})
    (t_spike,) = res.spikes["driver"][0]
    s = (np.arange(res.state_times.size) - (round(t_spike / DT) + 1)) * DT  # from the sample after the spike
    expected = -70.0 + psp(s, weight, tau_e, 20.0)
    v = res.states["target"]["v"]
    np.testing.assert_allclose(v, np.stack([expected, expected], axis=1), rtol=0, atol=1e-10)
    g = res.states["target"]["g_e"][:, 0]
    np.testing.assert_allclose(g, np.where(s >= 0, weight * np.exp(-np.maximum(s, 0) / tau_e), 0.0), atol=1e-12)
    assert np.abs(v[:, 0] + 70.0).max() > 0.1 * abs(weight)  # the PSP is there


@pytest.mark.parametrize("k", [1, 7, 30])
def test_a_delay_of_k_steps_shifts_the_psp_by_exactly_k_steps(k):
    def run(delay):
        driver = Population(1, v_rest=-45.0, v_init=-60.0, refractory=1000.0, name="driver")
        target = Population(1, v_rest=-70.0, v_init=-70.0, name="target")
        con = Connection(driver, target, weight=2.0, p=1.0, delay=delay)
        return Network([driver, target], [con], dt=DT).run(100.0, states={"target": ["v"]})

    now, later = run(0.0), run(k * DT)
    v0, vk = now.states["target"]["v"][:, 0], later.states["target"]["v"][:, 0]
    np.testing.assert_array_equal(now.spikes["driver"][0], later.spikes["driver"][0])
    np.testing.assert_allclose(vk[k:], v0[:-k], rtol=0, atol=1e-12)
    np.testing.assert_allclose(vk[:k + 220], -70.0, atol=1e-12)  # nothing before the spike + delay
    assert v0[260] > -70.0 + 0.2


@pytest.mark.parametrize("refractory", [5.0, 2.5, 0.3])
def test_the_refractory_period_holds_v_at_v_reset_for_round_ref_over_dt_steps(refractory):
    pop = Population(1, v_rest=-40.0, v_reset=-60.0, v_threshold=-50.0, refractory=refractory, v_init=-60.0,
                     name="a")
    res = Network([pop], dt=DT).run(60.0, states={"a": ["v"]})
    v = res.states["a"]["v"][:, 0]
    steps = round(refractory / DT)
    spike_steps = np.round(res.spikes["a"][0] / DT).astype(int)
    assert spike_steps.size >= 2
    for n in spike_steps[:-1]:
        # v is v_reset at t_spike + dt ... t_spike + refractory: `steps` samples, then it climbs again
        np.testing.assert_array_equal(v[n + 1:n + 1 + steps], -60.0)
        assert v[n + 1 + steps] > -60.0 + 0.05
    # the time between spikes: the hold plus the closed-form climb from -60 past -50 (to -40, tau 20)
    crossing_step = math.ceil(20.0 * math.log(2.0) / DT) - 1
    assert np.diff(spike_steps).tolist() == [steps + crossing_step] * (spike_steps.size - 1)


def test_synaptic_input_during_the_refractory_period_is_kept_and_acts_after_it():
    # A spike arriving while the target is refractory raises g (v held); v feels it once the hold ends.
    driver = Population(1, v_rest=-45.0, v_init=-60.0, refractory=1000.0, name="driver")
    target = Population(1, v_rest=-70.0, v_reset=-70.0, v_init=-49.0, refractory=40.0, name="target")
    res = Network([driver, target], [Connection(driver, target, weight=5.0, p=1.0)], dt=DT).run(
        80.0, states={"target": ["v", "g_e"]})
    assert res.spikes["target"][0].tolist() == [0.0]  # -49 starts above threshold: fires at once
    (t_in,) = res.spikes["driver"][0]  # 21.9 ms, inside the 40 ms hold
    v, g = res.states["target"]["v"][:, 0], res.states["target"]["g_e"][:, 0]
    n_in, n_free = round(t_in / DT), 400
    assert g[n_in + 1] == pytest.approx(5.0) and (v[1:n_free + 1] == -70.0).all()
    # after the hold: v starts from -70 with g(t) = 5 e^{-(t - t_in - dt)/5} already decayed
    s0 = (n_free - n_in - 1) * DT
    t = np.arange(0, 200) * DT
    g0 = 5.0 * math.exp(-s0 / 5.0)
    expected = -70.0 + psp(t, g0, 5.0, 20.0)
    np.testing.assert_allclose(v[n_free:n_free + 200], expected, atol=1e-10)


def test_current_synapse_variants_sum_linearly():
    # two synapse types with different tau on one neuron: the response is the sum of the two PSPs
    driver = Population(1, v_rest=-45.0, v_init=-60.0, refractory=1000.0, name="driver")
    target = Population(1, v_rest=-70.0, v_init=-70.0, synapses={"fast": {"tau": 2.0}, "slow": {"tau": 30.0}},
                        name="target")
    cons = [Connection(driver, target, synapse="fast", weight=4.0, p=1.0),
            Connection(driver, target, synapse="slow", weight=-1.0, p=1.0, delay=1.0)]
    res = Network([driver, target], cons, dt=DT).run(100.0, states={"target": ["v"]})
    (t_spike,) = res.spikes["driver"][0]
    s = (np.arange(res.state_times.size) - (round(t_spike / DT) + 1)) * DT
    expected = -70.0 + psp(s, 4.0, 2.0, 20.0) + psp(s - 1.0, -1.0, 30.0, 20.0)
    np.testing.assert_allclose(res.states["target"]["v"][:, 0], expected, atol=1e-10)
