"""Spike rasters, membrane traces, firing-rate histograms and the Izhikevich gallery draw the data they are given.

Each test reads back what was drawn (scatter offsets, line data, bar heights) and compares it with
values worked out by hand or simulated independently.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from neuronkit.errors import MissingDependencyError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.spiking import IZHIKEVICH_PRESETS, Izhikevich, record
from neuronkit.spiking.plots import izhikevich_gallery, membrane_traces, raster, rate_histogram


def recorded_izhikevich() -> dict[str, np.ndarray]:
    """An Izhikevich population (2 samples × 3 neurons, different currents) run for 60 steps, recorded."""
    neuron = Izhikevich.preset("RS", dt=0.25, name="izh")
    currents = np.zeros((60, 2, 3), dtype=np.float32)
    currents[10:] = np.array([[5.0, 10.0, 20.0], [0.0, 15.0, 40.0]], dtype=np.float32)
    with record() as rec:
        neuron(currents)
    return rec["izh"]


# ---------------------------------------------------------------- raster
def test_raster_marks_each_spike_at_its_step_and_neuron():
    spikes = np.zeros((6, 4))
    spikes[0, 3] = spikes[2, 0] = spikes[2, 1] = spikes[5, 3] = 1.0
    fig = raster(spikes)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.collections[0].get_offsets().tolist() == [[0, 3], [2, 0], [2, 1], [5, 3]]
    assert ax.get_xlabel() == "time step" and ax.get_ylabel() == "neuron"
    assert ax.get_title() == "4 spikes from 4 neurons over 6 steps"
    assert ax.get_ylim() == (-0.5, 3.5) and ax.get_xlim() == (-0.5, 5.5)


def test_raster_of_one_sample_of_a_batch_in_ms_and_of_conv_maps():
    spikes = np.zeros((4, 3, 2, 2))                 # (T, batch, C, H): the trailing axes are 4 neurons
    spikes[1, 2, 1, 0] = 1.0                        # sample 2, neuron 1·2 + 0 = 2, step 1
    spikes[3, 2, 0, 1] = 1.0                        # sample 2, neuron 1, step 3
    spikes[0, 0, 0, 0] = 1.0                        # sample 0: not drawn
    ax = raster(spikes, sample=2, dt=0.25).axes[0]
    assert ax.collections[0].get_offsets().tolist() == [[0.25, 2.0], [0.75, 1.0]]
    assert ax.get_xlabel() == "time (ms)" and ax.get_title() == "sample 2: 2 spikes from 4 neurons over 4 steps"


def test_raster_of_a_recorded_layer_into_an_axes_of_ones_own():
    entry = recorded_izhikevich()
    fig = Figure()
    ax = fig.subplots(1, 2)[1]
    assert raster(entry, sample=1, ax=ax) is fig
    steps, neurons = np.nonzero(entry["spikes"][:, 1])
    assert len(steps) >= 3
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.c_[steps, neurons])
    assert not fig.axes[0].collections                # the other axes untouched


def test_raster_refuses_what_it_cannot_draw():
    with pytest.raises(ParameterError, match=r"raster \(spikes has 2 samples\) sample must be an integer in \[0, 1\]; "
                                             r"got 2"):
        raster(np.zeros((3, 2, 4)), sample=2)
    with pytest.raises(ShapeError, match=r"raster: spikes must have a time axis first.*T >= 1; got shape \(0, 3\)"):
        raster(np.zeros((0, 3)))
    with pytest.raises(ParameterError, match=r"raster: the recording has no 'spikes' \(states: mem\)"):
        raster({"mem": np.zeros((3, 1, 2))})
    with pytest.raises(ParameterTypeError, match="raster ax must be a matplotlib Axes or None; got 'left'"):
        raster(np.zeros((3, 2)), ax="left")


# ---------------------------------------------------------------- membrane traces
def test_membrane_traces_draw_each_chosen_neuron_the_threshold_and_the_spikes():
    mem = np.array([[0.2, 0.0, 0.4], [0.9, 0.5, 1.1], [1.3, 0.7, 0.3], [0.1, 1.0, 0.6]])  # T = 4, 3 neurons
    spikes = mem >= 1.0
    ax = membrane_traces(mem, neurons=[2, 1], threshold=1.0, spikes=spikes, dt=0.5).axes[0]
    (third, second, line) = ax.lines
    assert third.get_xdata().tolist() == [0.0, 0.5, 1.0, 1.5] and third.get_ydata().tolist() == [0.4, 1.1, 0.3, 0.6]
    assert second.get_ydata().tolist() == [0.0, 0.5, 0.7, 1.0]
    assert third.get_label() == "neuron 2" and second.get_label() == "neuron 1"
    assert line.get_ydata().tolist() == [1.0, 1.0] and line.get_xdata().tolist() == [0.0, 1.5]
    assert line.get_linestyle() == "--"
    # spikes of the drawn neurons only (neuron 0's at step 2 is not drawn), at (t, membrane)
    assert sorted(ax.collections[0].get_offsets().tolist()) == [[0.5, 1.1], [1.5, 1.0]]
    assert ax.get_xlabel() == "time (ms)"


def test_membrane_traces_of_a_recorded_izhikevich_layer():
    entry = recorded_izhikevich()
    ax = membrane_traces(entry, sample=1).axes[0]
    assert len(ax.lines) == 3                                           # all 3 neurons (fewer than MAX_TRACES)
    for i, line in enumerate(ax.lines):
        np.testing.assert_array_equal(line.get_ydata(), entry["v"][:, 1, i])  # the membrane of an Izhikevich: v
    steps, neurons = np.nonzero(entry["spikes"][:, 1])
    expected = np.c_[steps, entry["v"][steps, 1, neurons]]
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), expected)
    assert np.all(expected[:, 1] == 30.0)                               # spikes drawn at the peak
    assert not membrane_traces(entry, spikes=False).axes[0].collections  # no markers when asked


def test_membrane_traces_default_to_the_first_neurons_and_prefer_mem():
    mem = np.arange(3 * 20, dtype=np.float64).reshape(3, 20)
    ax = membrane_traces({"spikes": np.zeros((3, 20)), "syn": -mem, "mem": mem}, spikes=False).axes[0]
    assert [line.get_label() for line in ax.lines] == [f"neuron {i}" for i in range(8)]
    assert ax.lines[7].get_ydata().tolist() == [7.0, 27.0, 47.0]        # mem, not syn
    assert ax.lines[0].get_xdata().tolist() == [0.0, 1.0, 2.0]


def test_membrane_traces_refuse_what_they_cannot_draw():
    with pytest.raises(ParameterError, match=r"membrane_traces \(3 neurons\) neurons must be an integer in \[0, 2\]; "
                                             r"got 3"):
        membrane_traces(np.zeros((4, 3)), neurons=[0, 3])
    with pytest.raises(ParameterTypeError, match="membrane_traces neurons must be a neuron index or a non-empty list"):
        membrane_traces(np.zeros((4, 3)), neurons=[])
    with pytest.raises(ShapeError, match=r"spikes has shape \(4, 2\) but mem has \(4, 3\)"):
        membrane_traces(np.zeros((4, 3)), spikes=np.zeros((4, 2)))
    with pytest.raises(ParameterError, match="the recording holds only spikes"):
        membrane_traces({"spikes": np.zeros((4, 3))})


# ---------------------------------------------------------------- firing rates
def test_rate_histogram_bars_are_the_rates_worked_out_by_hand():
    spikes = np.zeros((5, 2, 4))                     # T = 5, 2 samples, 4 neurons: 10 steps per neuron
    spikes[:, :, 0] = 1.0                            # neuron 0: every step -> 10/10
    spikes[[0, 2], 0, 1] = 1.0
    spikes[4, 1, 1] = 1.0                            # neuron 1: 3/10
    spikes[1, 1, 3] = 1.0                            # neuron 3: 1/10; neuron 2 silent
    fig = rate_histogram(spikes, bins=5)
    bars, spread = fig.axes
    np.testing.assert_allclose([p.get_height() for p in bars.patches], [1.0, 0.3, 0.0, 0.1], rtol=0, atol=1e-12)
    # 5 bins over [0, 1]: 0.0 and 0.1 in the first, 0.3 in the second, 1.0 in the last
    assert [p.get_height() for p in spread.patches] == [2, 1, 0, 0, 1]
    assert spread.get_title() == "4 neurons: 1 silent, 1 always firing"
    assert bars.get_ylabel() == "firing rate (spikes / step)"
    # in Hz: one step is 0.5 ms, so a spike every step is 2000 Hz
    hz = rate_histogram(spikes, dt=0.5).axes[0]
    np.testing.assert_allclose([p.get_height() for p in hz.patches], [2000.0, 600.0, 0.0, 200.0], rtol=1e-12)
    assert hz.get_ylabel() == "firing rate (Hz)"


def test_rate_histogram_of_a_recorded_layer():
    entry = recorded_izhikevich()
    heights = [p.get_height() for p in rate_histogram(entry).axes[0].patches]
    counts = entry["spikes"].astype(np.float64).sum(axis=(0, 1))        # per neuron, over 60 steps × 2 samples
    np.testing.assert_allclose(heights, counts / 120, rtol=0, atol=1e-12)
    assert heights[2] > heights[0] > 0.0                                 # more current, more spikes


def test_rate_histogram_refuses_bad_options():
    with pytest.raises(ParameterError, match="rate_histogram dt must be a finite number > 0; got 0"):
        rate_histogram(np.zeros((3, 2)), dt=0)
    with pytest.raises(ParameterError, match="rate_histogram bins must be an integer >= 1; got 0"):
        rate_histogram(np.zeros((3, 2)), bins=0)


# ---------------------------------------------------------------- the Izhikevich gallery
def test_izhikevich_gallery_draws_each_cell_type_and_the_current(tmp_path):
    fig = izhikevich_gallery(duration_ms=100.0, rest_ms=10.0, path=tmp_path / "gallery.png")
    assert (tmp_path / "gallery.png").read_bytes()[:4] == b"\x89PNG"
    *panels, bottom = fig.axes
    assert len(panels) == 5
    current = np.zeros((1000, 1, 1))
    current[100:] = 10.0
    for ax, name in zip(panels, IZHIKEVICH_PRESETS.names()):
        neuron = Izhikevich.preset(name, dt=0.05)
        state = neuron.initial_state((1, 1), np.float64)
        v = []
        for t in range(1000):
            _, state = neuron.step(current[t], state)
            v.append(state["v"][0, 0])
        (line,) = ax.lines
        np.testing.assert_array_equal(line.get_ydata(), v)
        np.testing.assert_allclose(line.get_xdata(), np.arange(1000) * 0.1, rtol=0, atol=1e-12)
        a, b, c, d = IZHIKEVICH_PRESETS.get(name)
        assert ax.get_title().startswith(name.replace("_", " ")) and f"c={c:g}, d={d:g}" in ax.get_title()
        assert max(v) == 30.0                                           # every type fires in 90 ms of I = 10
    assert panels[0].get_title() == "regular spiking (RS): a=0.02, b=0.2, c=-65, d=8"
    np.testing.assert_array_equal(bottom.lines[0].get_ydata(), current[:, 0, 0])
    assert bottom.get_xlabel() == "time (ms)"


def test_izhikevich_gallery_refuses_a_duration_shorter_than_a_step():
    with pytest.raises(ParameterError, match=r"duration_ms = 0.05 is shorter than one step \(0.1 ms\)"):
        izhikevich_gallery(duration_ms=0.05, rest_ms=0.0)


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "neuronkit\[plot\]"'):
        raster(np.ones((2, 2)))
