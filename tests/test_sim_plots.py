"""The pictures and the report of a simulation: population rasters, rates over time, per-population statistics
(rates, CV of ISI, synchrony), the problems in words, the HTML report.

They read a simulation result (``spikes``, ``populations``, ``duration``, ``rate_over_time``, ``states``);
these tests give them a result built by hand from known spike arrays and read back what was drawn
(scatter offsets, colours, line data) or written, comparing it with values worked out independently:
by hand, or from a dense (neurons × bins) count matrix.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from neuronkit.errors import ParameterError, ParameterTypeError
from neuronkit.spiking.plots import POPULATION_COLORS, population_raster, rate_over_time
from neuronkit.spiking.sim_report import (
    MIN_ISI_SPIKES,
    PopulationStats,
    population_stats,
    simulation_problems,
    simulation_report,
    write_simulation_report,
)


class HandMadeResult:
    """A simulation result as ``Network.run`` returns it, from given spike arrays (times in ms)."""

    def __init__(self, spikes, populations, duration):
        self.spikes = {name: (np.asarray(t, dtype=np.float64), np.asarray(i, dtype=np.int64))
                       for name, (t, i) in spikes.items()}
        self.populations = populations
        self.duration = duration

    def rate(self, name):
        return np.bincount(self.spikes[name][1], minlength=self.populations[name]["n"]) / (self.duration / 1000.0)

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


def test_pictures_of_a_real_windowed_run_show_the_recorded_time():
    from neuronkit.spiking.simulation import Connection, Network, PoissonGroup, Population

    drive = PoissonGroup(50, 80.0, name="drive")
    exc = Population(30, v_rest=-60.0, v_reset=-65.0, name="exc")
    inh = Population(10, v_rest=-60.0, v_reset=-65.0, name="inh")
    net = Network([drive, exc, inh], [Connection(drive, exc, weight=3.0, in_degree=20),
                                      Connection(drive, inh, weight=3.0, in_degree=20),
                                      Connection(inh, exc, synapse="i", weight=-2.0, p=0.3)], seed=4)
    res = net.run(120.0, window=40.0)
    ax = population_raster(res).axes[0]
    assert ax.get_xlim() == pytest.approx((80.0, 120.0))
    exc_dots, inh_dots = ax.collections
    t, i = res.spikes["exc"]
    assert len(t) > 10 and t.min() >= 80.0
    np.testing.assert_array_equal(exc_dots.get_offsets(), np.c_[t, i])
    np.testing.assert_array_equal(inh_dots.get_offsets(), np.c_[res.spikes["inh"][0], res.spikes["inh"][1] + 30])
    line = rate_over_time(res, populations=["exc"], bin_ms=10.0).axes[0].lines[0]
    edges = np.arange(80.0, 120.1, 10.0)
    np.testing.assert_allclose(line.get_xdata(), (edges[:-1] + edges[1:]) / 2)
    np.testing.assert_allclose(line.get_ydata(), np.histogram(t, bins=edges)[0] / 30 / 0.01)
    stats = population_stats(res)["exc"]                  # rates over the whole run, the rest over the window
    assert (stats.spikes, stats.span_ms) == (len(t), pytest.approx(40.0))
    np.testing.assert_allclose(stats.rates, res.rate("exc"))
    assert stats.rates.sum() * 0.12 > len(t)               # more spikes in 120 ms than in the last 40


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


# ---------------------------------------------------------------- statistics and the report
def cuba_like_config():
    """A network config as Network.config() gives it (the file format)."""
    lif = {"tau_m": 20.0, "v_rest": -49.0, "v_reset": -60.0, "v_threshold": -50.0, "refractory": 5.0,
           "synapses": {"e": {"tau": 5.0}, "i": {"tau": 10.0}}}
    return {"network": {"dt": 0.1, "seed": 0, "duration": 100.0},
            "population": [{"name": "exc", "n": 3, **lif}, {"name": "inh", "n": 2, **lif}],
            "connection": [{"pre": "exc", "post": "inh", "synapse": "e", "weight": 1.62, "p": 0.02, "delay": 0.0},
                           {"pre": "inh", "post": "exc", "synapse": "i", "weight": [-9.0, 0.5], "in_degree": 2,
                            "delay": 0.2}]}


def test_rates_and_cv_of_isi_worked_by_hand():
    # exc neuron 0: spikes at 0, 10, 30 ms (ISIs 10, 20: CV = 5/15); neuron 1: 5, 10, 15, 20 (CV 0); neuron 2: one
    result = HandMadeResult({"exc": ([30.0, 0.0, 5.0, 10.0, 10.0, 15.0, 20.0, 50.0], [0, 0, 1, 0, 1, 1, 1, 2])},
                            {"exc": {"n": 4, "kind": "excitatory"}}, 200.0)
    s = population_stats(result)["exc"]
    assert (s.n, s.spikes, s.span_ms, s.kind) == (4, 8, 200.0, "excitatory")
    np.testing.assert_allclose(s.rates, [3 / 0.2, 4 / 0.2, 1 / 0.2, 0.0])
    assert s.rate_mean == pytest.approx(8 / 4 / 0.2) and s.rate_std == pytest.approx(np.std([15.0, 20.0, 5.0, 0.0]))
    assert s.silent == 1
    np.testing.assert_allclose(s.cvs, [5.0 / 15.0, 0.0], atol=1e-12)
    assert s.cv_isi == pytest.approx((1 / 3) / 2) and MIN_ISI_SPIKES == 3


def test_synchrony_is_one_for_lockstep_firing_and_matches_a_dense_computation():
    n = 20
    times = np.repeat([3.2, 40.5, 77.0], n)
    lockstep = HandMadeResult({"p": (times, np.tile(np.arange(n), 3))}, {"p": {"n": n, "kind": "excitatory"}}, 100.0)
    assert population_stats(lockstep)["p"].synchrony == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    times = rng.uniform(0.0, 250.0, 400)
    indices = rng.integers(0, 30, 400)
    result = HandMadeResult({"p": (times, indices)}, {"p": {"n": 30, "kind": "excitatory"}}, 250.0)
    counts = np.zeros((30, 250))                      # dense c_i(b) in 1 ms bins
    np.add.at(counts, (indices, np.floor(times).astype(int)), 1.0)
    chi = np.sqrt(counts.mean(axis=0).var() / counts.var(axis=1).mean())
    assert population_stats(result)["p"].synchrony == pytest.approx(chi, rel=1e-12)
    assert chi < 0.5


def test_problems_in_plain_words():
    silent = PopulationStats("exc", "excitatory", 40, 0, 100.0, np.zeros(40), np.zeros(0), None)
    runaway = PopulationStats("inh", "inhibitory", 10, 1500, 100.0, np.full(10, 150.0), np.zeros(0), 0.2)
    lockstep = PopulationStats("sync", "excitatory", 50, 500, 100.0, np.full(50, 100.0), np.zeros(0), 0.93)
    small = PopulationStats("pair", "excitatory", 4, 8, 100.0, np.full(4, 20.0), np.zeros(0), 0.9)
    fast_input = PopulationStats("drive", "input", 10, 5000, 100.0, np.full(10, 500.0), np.zeros(0), None)
    problems = simulation_problems({s.name: s for s in (silent, runaway, lockstep, small, fast_input)})
    assert len(problems) == 3
    assert problems[0].startswith("population exc is silent: none of its 40 neurons fired in 100 ms.")
    assert problems[1].startswith("population inh runs away: its neurons fire at 150 Hz on average (above 100 Hz")
    assert problems[2].startswith("population sync fires in synchrony: χ = 0.93")
    assert simulation_problems({"p": PopulationStats("p", "excitatory", 10, 5, 100.0, np.full(10, 5.0), np.zeros(0),
                                                     0.1)}) == []


def test_report_holds_the_network_the_numbers_from_the_spikes_and_the_problems(tmp_path):
    rng = np.random.default_rng(0)
    t_exc, i_exc = np.sort(rng.uniform(0, 100.0, 20)), rng.integers(0, 3, 20)
    result = HandMadeResult({"exc": (t_exc, i_exc), "inh": ([], [])},
                            {"exc": {"n": 3, "kind": "excitatory"}, "inh": {"n": 2, "kind": "inhibitory"}}, 100.0)
    result.wall_time = 0.25
    result.states = {"exc": {"v": np.linspace(-60.0, -50.0, 30).reshape(10, 3)}}
    result.state_times = np.arange(10) * 0.1
    page = simulation_report(result, network=cuba_like_config(), title="two <populations>")
    assert page.startswith("<!DOCTYPE html>") and "<h1>two &lt;populations&gt;</h1>" in page
    rates = np.bincount(i_exc, minlength=3) / 0.1      # Hz over the 100 ms, computed from the spike arrays
    firing = page[page.index("<h2>Firing</h2>"):]
    row = re.search(r"<tr class=\"nk-bad\"><td>inh</td>.*?</tr>", firing)   # inh is silent: its row is highlighted
    assert row is not None and "<td class=\"nk-num\">0</td>" in row.group(0)
    exc_row = re.search(r"<tr><td>exc</td>(.*?)</tr>", firing).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", exc_row)
    assert cells[:6] == ["excitatory", "3", "20", f"{rates.mean():.4g}", f"{rates.std():.4g}",
                         str(int(np.sum(rates == 0)))]
    assert "population inh is silent: none of its 2 neurons fired in 100 ms." in page
    assert "0.25 s of wall time" in page and "at dt = 0.1 ms" in page
    assert "in-degree 2" in page and "p = 0.02" in page and "-9 ± 0.5\u00a0mV" in page and "τm 20\u00a0ms" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4                           # raster, rates over time, histograms, the v traces
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert "exc.v over time for 3 of the 3 recorded neurons (the membrane potential" in page
    assert f"exc: its 3 neurons fired {rates.mean():.3g} spikes per second on average" in page
    path = write_simulation_report(result, tmp_path / "deep" / "run.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def network_cells(page, header):
    """The rows of the report's table whose first header cell is ``header``: lists of cell texts."""
    found = re.search(rf"<table><thead><tr><th>{header}</th>.*?</thead><tbody>(.*?)</tbody>", page, re.S)
    assert found is not None, header
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1))]


def test_report_gives_weights_delays_and_synapses_with_their_units():
    from neuronkit.spiking.simulation import Connection, Network, PoissonGroup, Population

    cond = Population(4, kind="conductance", v_init=(-65.0, -55.0), name="cond",
                      synapses={"e": {"tau": 5.0, "reversal": 0.0}, "i": {"tau": 10.0, "reversal": -80.0}})
    cur = Population(3, tau_m=10.0, v_init=-52.0, synapses={"ampa": {"tau": 2.0}}, name="cur")
    net = Network([PoissonGroup(5, 200.0, name="drive"), cond, cur],
                  [Connection("drive", "cond", weight=0.04, in_degree=2),
                   Connection("drive", "cur", synapse="ampa", weight=(1.5, 0.25), p=1.0, delay=0.3),
                   Connection("cond", "cond", synapse="i", weight=0.05, p=1.0, delay=1.5)], seed=0)
    result = net.run(20.0, states={"cond": ["v", "g_e"], "cur": ["g_ampa"]})
    page = simulation_report(result, network=net)
    nbsp = "\u00a0"
    assert network_cells(page, "connection") == [
        ["drive-&gt;cond", "drive", "cond", "e", "in-degree 2", f"0.04{nbsp}× g_leak", "0"],
        ["drive-&gt;cur", "drive", "cur", "ampa", "p = 1", f"1.5 ± 0.25{nbsp}mV", "0.3"],
        ["cond-&gt;cond", "cond", "cond", "i", "p = 1", f"0.05{nbsp}× g_leak", "1.5"]]
    assert "<th class=\"nk-num\">weight per spike</th><th class=\"nk-num\">delay (ms)</th>" in page
    populations = network_cells(page, "population")
    assert populations[0] == ["drive", "input", "5", f"Poisson input, 200{nbsp}Hz", "-", "-"]
    assert populations[1][3:] == ["LIF, conductance synapses",
                                  f"τm 20{nbsp}ms, refractory 5{nbsp}ms<br>rest -49{nbsp}mV, reset -60{nbsp}mV, "
                                  f"threshold -50{nbsp}mV<br>starts uniform in -65…-55{nbsp}mV",
                                  f"e: τ 5{nbsp}ms, E 0{nbsp}mV<br>i: τ 10{nbsp}ms, E -80{nbsp}mV"]
    assert populations[2][3:] == ["LIF, current synapses",
                                  f"τm 10{nbsp}ms, refractory 5{nbsp}ms<br>rest -49{nbsp}mV, reset -60{nbsp}mV, "
                                  f"threshold -50{nbsp}mV<br>starts at -52{nbsp}mV", f"ampa: τ 2{nbsp}ms"]
    assert ("Conductance synapses (× g_leak): g is a conductance relative to the target&#x27;s leak conductance"
            in page and "Current synapses (mV): g is a current in mV" in page)
    assert "cond.g_e over time for 4 of the 4 recorded neurons (the conductance of synapse e, relative to the " \
           "leak conductance)." in page
    assert "cur.g_ampa over time for 3 of the 3 recorded neurons (the current of synapse ampa, in mV)." in page
    current_only = simulation_report(small_result(), network=cuba_like_config())
    assert "Conductance synapses" not in current_only and "reversal potential" not in current_only


def test_report_refuses_what_is_not_a_result():
    with pytest.raises(ParameterTypeError, match=r"simulation_report result must be what Network.run returns "
                                                 r"\(with spikes, populations and duration\); got 'dict'"):
        simulation_report({"spikes": {}})
    with pytest.raises(ParameterTypeError, match=r"simulation_report network must be a Network, its config\(\) "
                                                 r"dict or None; got 'int'"):
        simulation_report(HandMadeResult({}, {}, 10.0), network=3)
