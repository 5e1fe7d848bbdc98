"""The Izhikevich (2003) neuron: hand-computed steps, the paper's firing patterns, recording, bad input.

The firing-pattern tests use the paper's protocol for its Fig. 2: a neuron at rest receives a step
of dc current I = 10, simulated at 0.1 ms resolution (``dt = 0.05``: two half steps of 0.05 ms for
v and one step of 0.1 ms for u per step). Each test states the property of the paper's text that
it checks, on the inter-spike intervals (ISIs).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError, UnknownNameError
from neuronkit.layers import layer_expected_arrays, layer_from_config
from neuronkit.spiking import IZHIKEVICH_PRESETS, Izhikevich, record

STEPS_PER_MS = 10  # dt = 0.05: one step is 0.1 ms


def step_current(amplitude: float, *, rest_ms: float = 20.0, total_ms: float = 300.0,
                 after: float = 0.0, until_ms: float | None = None) -> np.ndarray:
    """I(t): 0 for ``rest_ms``, then ``amplitude`` (until ``until_ms``, then ``after``), shape (T, 1, 1)."""
    current = np.zeros((int(total_ms * STEPS_PER_MS), 1, 1))
    stop = None if until_ms is None else int(until_ms * STEPS_PER_MS)
    current[int(rest_ms * STEPS_PER_MS):stop] = amplitude
    if stop is not None:
        current[stop:] = after
    return current


def spike_times_ms(preset: str, current: np.ndarray) -> np.ndarray:
    neuron = Izhikevich.preset(preset, dt=0.05)
    return np.flatnonzero(neuron(current).data[:, 0, 0]) / STEPS_PER_MS


def isis(preset: str, amplitude: float = 10.0) -> np.ndarray:
    return np.diff(spike_times_ms(preset, step_current(amplitude)))


# ---------------------------------------------------------------- the update, by hand
def test_the_first_two_steps_of_a_regular_spiking_neuron_by_hand():
    """RS (a, b, c, d = 0.02, 0.2, -65, 8), v = -65, u = b·v = -13, I = 10, dt = 0.5 (the paper's code)."""
    rs = Izhikevich.preset("regular_spiking")
    state = rs.initial_state((1,), np.float64)
    assert state["v"][0] == -65.0 and state["u"][0] == -13.0
    current = np.array([10.0])
    # step 1: v' = 0.04·(-65)² + 5·(-65) + 140 - (-13) + 10 = 169 - 325 + 163 = 7 -> v = -65 + 0.5·7 = -61.5
    #         v' = 0.04·(-61.5)² + 5·(-61.5) + 163 = 151.29 - 307.5 + 163 = 6.79 -> v = -61.5 + 3.395 = -58.105
    #         u = -13 + 2·0.5·0.02·(0.2·(-58.105) + 13) = -13 + 0.02·1.379 = -12.97242
    spikes, state = rs.step(current, state)
    np.testing.assert_allclose(state["v"], [-58.105], rtol=0, atol=1e-12)
    np.testing.assert_allclose(state["u"], [-12.97242], rtol=0, atol=1e-12)
    assert spikes.tolist() == [0.0]
    # step 2: v' = 0.04·3376.191025 - 290.525 + 12.97242 + 150 = 7.495061 -> v = -58.105 + 3.7475305 = -54.3574695
    #         v' = 0.04·2954.7345... - 271.7873475 + 162.97242 = 9.3744521 -> v = -49.6702434
    #         u = -12.97242 + 0.02·(0.2·(-49.6702434) + 12.97242) = -12.97242 + 0.0607674 = -12.9116526
    spikes, state = rs.step(current, state)
    np.testing.assert_allclose(state["v"], [-49.6702434], rtol=0, atol=1e-7)
    np.testing.assert_allclose(state["u"], [-12.9116526], rtol=0, atol=1e-7)
    assert spikes.tolist() == [0.0]


def test_a_spike_is_drawn_at_its_peak_and_reset_on_the_next_step_by_hand():
    rs = Izhikevich.preset("RS")
    # v = -20, u = -10, I = 10: v' = 16 - 100 + 140 + 10 + 10 = 76 -> v = 18;
    # v' = 12.96 + 90 + 160 = 262.96 -> v = 149.48 >= 30: a spike; u from the uncapped v:
    # u = -10 + 0.02·(0.2·149.48 + 10) = -10 + 0.02·39.896 = -9.20208; v is drawn at the peak, 30
    spikes, state = rs.step(np.array([10.0]), {"v": np.array([-20.0]), "u": np.array([-10.0])})
    assert spikes.tolist() == [1.0]
    np.testing.assert_allclose(state["v"], [30.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(state["u"], [-9.20208], rtol=0, atol=1e-12)
    # next step, I = 0: v <- c = -65, u <- u + d = -1.20208; v' = 169 - 325 + 140 + 1.20208 = -14.79792
    # -> v = -72.39896; v' = 0.04·5241.60941 - 361.9948 + 141.20208 = -11.12834 -> v = -77.96313
    # u = -1.20208 + 0.02·(0.2·(-77.96313) + 1.20208) = -1.20208 - 0.28781 = -1.48989
    spikes, state = rs.step(np.array([0.0]), state)
    assert spikes.tolist() == [0.0]
    v1 = -65.0 + 0.5 * -14.79792
    dv = 0.04 * v1 * v1 + 5 * v1 + 140 + 1.20208
    np.testing.assert_allclose(state["v"], [v1 + 0.5 * dv], rtol=0, atol=1e-9)
    np.testing.assert_allclose(state["v"], [-77.96313], rtol=0, atol=1e-5)
    np.testing.assert_allclose(state["u"], [-1.48989], rtol=0, atol=1e-5)


def test_forward_is_the_step_loop_over_a_batch_and_is_recorded():
    rng = np.random.default_rng(0)
    currents = (rng.random((400, 3, 2)) * 20.0).astype(np.float32)
    neuron = Izhikevich.preset("CH", dt=0.25, name="izh")
    with record() as rec:
        out = neuron(currents)
    assert out.dtype == np.float32 and out.shape == (400, 3, 2) and not out.requires_grad
    state = neuron.initial_state((3, 2), np.float32)
    for t in range(400):
        spikes, state = neuron.step(currents[t], state)
        np.testing.assert_array_equal(out.data[t], spikes)
        np.testing.assert_array_equal(rec["izh"]["v"][t], state["v"])
        np.testing.assert_array_equal(rec["izh"]["u"][t], state["u"])
    np.testing.assert_array_equal(rec["izh"]["spikes"], out.data)
    assert rec["izh"]["v"].dtype == np.float32 and rec["izh"]["v"].max() == 30.0  # spikes drawn at the peak
    assert 20 < out.data.sum() < 400 * 6  # it fires, not always
    # each neuron of the batch is on its own: the same as running its current alone
    alone = neuron(currents[:, 1:2, 0:1]).data
    np.testing.assert_array_equal(alone[:, 0, 0], out.data[:, 1, 0])


def test_u_init_and_v_init():
    neuron = Izhikevich(0.02, 0.2, -65.0, 8.0, v_init=-70.0)
    assert neuron.initial_state((2,))["u"].tolist() == [-14.0, -14.0]  # b·v_init
    neuron = Izhikevich(0.02, 0.2, -65.0, 8.0, v_init=-70.0, u_init=-12.5)
    state = neuron.initial_state((1, 2), np.float64)
    assert state["v"].tolist() == [[-70.0, -70.0]] and state["u"].tolist() == [[-12.5, -12.5]]


# ---------------------------------------------------------------- the paper's firing patterns
def test_regular_spiking_adapts():
    """The paper: RS neurons fire a few spikes at a short period, then the period grows
    (spike frequency adaptation): the ISIs after the first are about twice as long, and stay long."""
    intervals = isis("regular_spiking")
    assert len(intervals) >= 5
    assert intervals[0] < 25.0                                   # ~46 Hz at first
    assert np.all(intervals[1:] >= 1.8 * intervals[0])           # then the period roughly doubles
    assert np.ptp(intervals[1:]) < 0.02 * intervals[1:].mean()  # and stays there (~22 Hz): tonic, no bursts


def test_intrinsically_bursting_bursts_then_fires_tonically():
    """The paper: IB neurons fire a stereotyped burst of spikes, then repetitive single spikes:
    three spikes within ~7 ms, then single spikes at a long, regular period."""
    intervals = isis("intrinsically_bursting")
    assert np.all(intervals[:2] < 5.0)                           # the initial burst
    tonic = intervals[2:]
    assert len(tonic) >= 6 and np.all(tonic > 25.0)              # then only single spikes
    assert np.ptp(tonic[1:]) < 0.02 * tonic[1:].mean()          # at a regular period (~32 ms)


def test_chattering_repeats_bursts():
    """The paper: CH neurons fire stereotyped bursts of closely spaced spikes, again and again:
    the ISIs are either short (within a burst, < 7 ms) or long (between bursts, > 40 ms)."""
    intervals = isis("chattering")
    short, long = intervals < 7.0, intervals > 40.0
    assert np.all(short | long)                                  # nothing in between: bursts, not tonic firing
    assert long.sum() >= 4                                       # at least five bursts in 280 ms
    burst_sizes = np.diff(np.flatnonzero(np.r_[True, long, True])) # spikes per burst
    assert np.all(burst_sizes >= 4)                              # each a burst of several spikes


def test_fast_spiking_fires_fast_without_adapting():
    """The paper: FS neurons fire periodic trains at very high frequency, practically without
    adaptation (slowing down). Here: once ``u`` has settled (its time constant is 1/a = 10 ms,
    five times shorter than the other cells'; within 30 ms of the step), the ISIs are equal up to the
    0.1 ms grid the spike times fall on (within 0.3 ms, < 5 %) at > 100 Hz, over 250 ms of current;
    the rate is over four times an RS neuron's."""
    times = spike_times_ms("fast_spiking", step_current(10.0))
    intervals = np.diff(times)
    assert np.all(intervals < 10.0)                              # > 100 Hz throughout
    steady = np.diff(times[times > 20.0 + 30.0])
    assert len(steady) >= 25
    assert np.ptp(steady) <= 0.3 + 1e-9 and np.ptp(steady) < 0.05 * steady.mean()  # periodic: no slowing down
    assert 1000.0 / steady.mean() > 4 * 1000.0 / isis("regular_spiking")[-1]


def test_low_threshold_spiking_has_a_low_threshold_and_rebounds():
    """The paper: LTS neurons have low firing thresholds, which b = 0.25 accounts for (RS has 0.2).
    A resting state exists while 0.04v² + (5 - b)v + 140 + I = 0 has a root, i.e. for
    I <= (5 - b)²/0.16 - 140: 4.0 for b = 0.2, 1.02 for b = 0.25. So a step of I = 2 keeps an LTS
    neuron firing and leaves an RS neuron silent. The same b makes LTS fire a rebound spike when a
    hyperpolarising current (I = -10 for 100 ms) is released, while RS returns to rest silently:
    the paper shows rebound for its thalamo-cortical cell (0.02, 0.25, -65, 0.05), which differs
    from LTS only in d, and d acts only after a spike (it is b = 0.25 that lets u sink far enough
    during the hyperpolarisation to push v over the threshold when it ends).
    At the paper's I = 10 it fires a fast train that adapts noticeably (as the paper says)."""
    assert (5 - 0.2) ** 2 / 0.16 - 140 == pytest.approx(4.0) and (5 - 0.25) ** 2 / 0.16 - 140 < 1.02
    weak = step_current(2.0, rest_ms=50.0, total_ms=500.0)
    lts_times = spike_times_ms("low_threshold_spiking", weak)
    assert np.sum(lts_times > 250.0) >= 3                        # keeps firing
    assert spike_times_ms("regular_spiking", weak).size == 0     # RS does not fire at all
    pulse = step_current(-10.0, rest_ms=50.0, until_ms=150.0, after=0.0, total_ms=250.0)
    rebound = spike_times_ms("low_threshold_spiking", pulse)
    assert rebound.size >= 1 and np.all((rebound > 150.0) & (rebound < 170.0))  # only after the release
    assert spike_times_ms("regular_spiking", pulse).size == 0
    intervals = isis("low_threshold_spiking")
    assert intervals[0] < 5.0 and intervals[-1] > 2.5 * intervals[0]  # > 200 Hz at first, then adapts to ~70 Hz


def test_the_default_step_is_the_papers_network_code():
    """dt = 0.5: a step is 1 ms, as the paper's MATLAB loop (v twice by 0.5 ms, u once by 1 ms)."""
    neuron = Izhikevich.preset("RS")
    assert neuron.dt == 0.5 and neuron.step_ms == 1.0
    current = np.full((300, 1, 1), 10.0)
    v, u, c, d = -65.0, -13.0, -65.0, 8.0
    fired_at = []
    for t in range(300):                                         # the paper's loop, transcribed
        if v >= 30:
            v, u = c, u + d
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + 10)
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + 10)
        u = u + 0.02 * (0.2 * v - u)
        if v >= 30:
            fired_at.append(t)
    assert len(fired_at) >= 5
    assert np.flatnonzero(neuron(current).data[:, 0, 0]).tolist() == fired_at


# ---------------------------------------------------------------- presets, config, bad input
def test_the_presets_are_the_papers_table():
    assert {name: IZHIKEVICH_PRESETS.get(name) for name in IZHIKEVICH_PRESETS.names()} == {
        "regular_spiking": (0.02, 0.2, -65.0, 8.0), "intrinsically_bursting": (0.02, 0.2, -55.0, 4.0),
        "chattering": (0.02, 0.2, -50.0, 2.0), "fast_spiking": (0.1, 0.2, -65.0, 2.0),
        "low_threshold_spiking": (0.02, 0.25, -65.0, 2.0)}
    fs = Izhikevich.preset("fs", dt=0.25, name="inhibitory")
    assert (fs.a, fs.b, fs.c, fs.d, fs.dt, fs.name) == (0.1, 0.2, -65.0, 2.0, 0.25, "inhibitory")
    assert Izhikevich.preset("Low threshold spiking", b=0.3).b == 0.3
    with pytest.raises(UnknownNameError, match="regular_spiking.*did you mean 'chattering'"):
        Izhikevich.preset("chatering")
    with pytest.raises(ParameterTypeError, match="Izhikevich preset 'RS' has no option 'tau'; its options are: a, b"):
        Izhikevich.preset("RS", tau=5.0)


def test_config_round_trip_and_expected_arrays():
    neuron = Izhikevich.preset("IB", dt=0.1, v_init=-70.0, name="ib")
    config = json.loads(json.dumps(neuron.config()))
    assert config == {"type": "Izhikevich", "a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0, "dt": 0.1, "v_peak": 30.0,
                      "v_init": -70.0, "u_init": None, "name": "ib"}
    clone = layer_from_config(config)
    assert isinstance(clone, Izhikevich) and clone.config() == config
    assert layer_expected_arrays(config) == {}
    with pytest.raises(ParameterError, match="Izhikevich c must be below v_peak = 30 mV"):
        layer_expected_arrays(config | {"c": 40.0})
    assert repr(neuron) == "Izhikevich(a=0.02, b=0.2, c=-55.0, d=4.0, dt=0.1)"


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"c": 30.0}, ParameterError, "Izhikevich c must be below v_peak = 30 mV (c is the potential a spike resets to; "
                                  "at or above the peak the neuron would fire at every step); got 30.0"),
    ({"dt": 0.0}, ParameterError, "Izhikevich dt must be a finite number > 0; got 0.0"),
    ({"a": "fast"}, ParameterTypeError, "Izhikevich a must be a finite number; got 'fast'"),
    ({"d": float("nan")}, ParameterError, "Izhikevich d must be a finite number; got nan"),
    ({"u_init": True}, ParameterTypeError, "Izhikevich u_init must be a finite number; got True"),
    ({"name": 3}, ParameterTypeError, "Izhikevich name must be a string or None; got 3"),
])
def test_bad_options_are_refused(options, error, message):
    with pytest.raises(error) as info:
        Izhikevich(**({"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0} | options))
    assert str(info.value) == message


def test_input_without_a_time_axis_or_with_no_steps_is_refused():
    neuron = Izhikevich.preset("RS", name="izh")
    with pytest.raises(ShapeError, match=r"layer 'izh' takes time-major currents \(T, batch, ...\); got shape "
                                         r"\(5,\).*shape \(T, 1, 1\)"):
        neuron(np.ones(5))
    with pytest.raises(ShapeError, match=r"layer 'izh' got currents with T = 0 time steps \(shape \(0, 2, 3\)\)"):
        neuron(np.ones((0, 2, 3)))


def test_a_model_file_holds_an_izhikevich_population(tmp_path):
    net = nk.Sequential([Izhikevich.preset("FS", dt=0.25, v_init=-70.0)])
    currents = np.full((80, 2, 3), 12.0, dtype=np.float32)
    nk.save(net, tmp_path / "izh.nk")
    loaded = nk.load(tmp_path / "izh.nk")
    assert loaded[0].config() == net[0].config() and loaded[0].name == "neuron1"
    expected = net(currents).data
    assert expected.sum() > 0
    np.testing.assert_array_equal(loaded(currents).data, expected)
