"""Population rasters and rate-over-time plots of a simulation draw the spikes they are given.

The pictures read a simulation result (``spikes``, ``populations``, ``duration``, ``rate_over_time``);
these tests give them a result built by hand from known spike arrays and read back what was drawn
(scatter offsets, colours, line data), comparing it with values worked out independently.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from neuronkit.errors import ParameterError, ParameterTypeError
from neuronkit.spiking.plots import POPULATION_COLORS, population_raster, rate_over_time


class HandMadeResult:
    """A simulation result as ``Network.run`` returns it, from given spike arrays (times in ms)."""

    def __init__(self, spikes, populations, duration):
        self.spikes = {name: (np.asarray(t, dtype=np.float64), np.asarray(i, dtype=np.int64))
                       for name, (t, i) in spikes.items()}
        self.populations = populations
        self.duration = duration

    def rate_over_time(self, name, bin_ms=10.0):
        edges = np.arange(0.0, self.duration + 1e-9, bin_ms)
        counts = np.histogram(self.spikes[name][0], bins=edges)[0]
        return (edges[:-1] + edges[1:]) / 2, counts / self.populations[name]["n"] / (bin_ms / 1000.0)


def small_result():
    """3 excitatory, 2 inhibitory neurons and 4 inputs over 40 ms."""
    return HandMadeResult(
        {"exc": ([1.0, 5.5, 12.0, 30.0], [0, 2, 1, 2]),
         "inh": ([3.0, 33.3], [1, 0]),
         "drive": ([0.1, 0.2, 0.3], [0, 1, 3])},
        {"drive": {"n": 4, "kind": "input"}, "exc": {"n": 3, "kind": "excitatory"},
         "inh": {"n": 2, "kind": "inhibitory"}},
        40.0)


def test_population_raster_stacks_the_populations_and_colours_them_by_kind():
    fig = population_raster(small_result())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    exc, inh = ax.collections                         # the input population is left out by default
    assert exc.get_offsets().tolist() == [[1.0, 0.0], [5.5, 2.0], [12.0, 1.0], [30.0, 2.0]]
    np.testing.assert_array_equal(inh.get_offsets(), [[3.0, 3 + 1], [33.3, 3 + 0]])   # above the 3 excitatory
    assert tuple(exc.get_facecolor()[0]) == to_rgba("tab:blue") and tuple(inh.get_facecolor()[0]) == to_rgba("tab:red")
    assert [c.get_label() for c in ax.collections] == ["exc (excitatory, 3)", "inh (inhibitory, 2)"]
    assert ax.get_xlim() == (0.0, 40.0) and ax.get_ylim() == (-0.5, 4.5)
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "neuron"
    assert ax.get_title() == "6 spikes from 5 neurons over 40 ms"


def test_population_raster_of_chosen_populations_own_colours_and_few_neurons():
    fig = Figure()
    ax = fig.subplots(1, 2)[0]
    result = small_result()
    assert population_raster(result, populations=["inh", "drive"], colors={"input": "black", "inh": "green"},
                             max_neurons=1, ax=ax) is fig
    drive, inh = ax.collections                       # in the network's order, whatever the order asked
    assert drive.get_offsets().tolist() == [[0.1, 0.0]]            # neuron 0 of drive only
    assert inh.get_offsets().tolist() == [[33.3, 1.0]]             # neuron 0 of inh, above drive's one
    assert tuple(drive.get_facecolor()[0]) == to_rgba("black") and tuple(inh.get_facecolor()[0]) == to_rgba("green")
    assert ax.get_title() == "2 spikes from 2 neurons over 40 ms"
    assert not fig.axes[1].collections
    assert POPULATION_COLORS["excitatory"] == "tab:blue" and POPULATION_COLORS["inhibitory"] == "tab:red"


def test_rate_over_time_draws_each_populations_rate_in_hz():
    result = small_result()
    ax = rate_over_time(result, bin_ms=20.0).axes[0]
    exc, inh = ax.lines
    assert exc.get_xdata().tolist() == [10.0, 30.0]
    # exc: 3 spikes in [0, 20), 1 in [20, 40) over 3 neurons and 0.02 s; inh: 1 and 1 over 2 neurons
    np.testing.assert_allclose(exc.get_ydata(), [3 / 3 / 0.02, 1 / 3 / 0.02])
    np.testing.assert_allclose(inh.get_ydata(), [1 / 2 / 0.02, 1 / 2 / 0.02])
    assert exc.get_color() == "tab:blue" and inh.get_color() == "tab:red"
    assert [line.get_label() for line in ax.lines] == ["exc", "inh"]
    assert ax.get_ylabel() == "rate (Hz per neuron)" and ax.get_title() == "population rates in bins of 20 ms"
    drive = rate_over_time(result, populations="drive", bin_ms=10.0).axes[0].lines
    np.testing.assert_allclose(drive[0].get_ydata(), [3 / 4 / 0.01, 0.0, 0.0, 0.0])


def test_population_pictures_refuse_what_they_cannot_draw():
    result = small_result()
    with pytest.raises(ParameterError, match=r"population_raster populations must be names of the network's "
                                             r"populations \(drive, exc, inh\); got 'ex'"):
        population_raster(result, populations=["ex"])
    with pytest.raises(ParameterTypeError, match=r"rate_over_time populations must be a population name or a "
                                                 r"non-empty list of them; got \[\]"):
        rate_over_time(result, populations=[])
    with pytest.raises(ParameterError, match=r"rate_over_time bin_ms must be a finite number > 0; got 0"):
        rate_over_time(result, bin_ms=0)
    with pytest.raises(ParameterError, match=r"population_raster max_neurons must be an integer >= 1; got 0"):
        population_raster(result, max_neurons=0)
    with pytest.raises(ParameterTypeError, match=r"population_raster colors must be a dict of population kind or "
                                                 r"name -> colour; got 'red'"):
        population_raster(result, colors="red")
    unrecorded = HandMadeResult({"exc": ([], [])}, {"exc": {"n": 3, "kind": "excitatory"},
                                                    "inh": {"n": 2, "kind": "inhibitory"}}, 10.0)
    with pytest.raises(ParameterError, match=r"population_raster: the spikes of population 'inh' were not recorded "
                                             r"\(recorded: exc\); run with spikes=True"):
        population_raster(unrecorded, populations="inh")
    with pytest.raises(ParameterError, match=r"rate_over_time: the result holds no spikes"):
        rate_over_time(HandMadeResult({}, {"exc": {"n": 3, "kind": "excitatory"}}, 10.0))
