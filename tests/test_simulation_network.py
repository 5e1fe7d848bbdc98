"""Networks: connectivity statistics, Poisson sources, monitors and windows, seeds, files, bad input."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from neuronkit.errors import (
    DataError,
    IndexRangeError,
    NameNotFoundError,
    NeuronkitError,
    ParameterError,
    ParameterTypeError,
)
from neuronkit.spiking import simulation as sim
from neuronkit.spiking.simulation import (
    Connection,
    Network,
    PoissonGroup,
    Population,
    cuba_network,
    load_network,
    network_from_config,
)


# ------------------------------------------------------------------ connectivity
def test_probability_p_gives_binomial_in_degrees_within_three_standard_deviations():
    n_pre, n_post, p = 2000, 1500, 0.02
    pre, post = Population(n_pre, name="pre"), Population(n_post, name="post")
    net = Network([pre, post], [Connection(pre, post, weight=1.0, p=p)], seed=4)
    conn = net.connectivity("pre->post")
    degrees = conn.in_degree()
    # mean in-degree n_pre p = 40; its standard error sqrt(n_pre p (1-p) / n_post)
    assert abs(degrees.mean() - n_pre * p) <= 3 * math.sqrt(n_pre * p * (1 - p) / n_post)
    # the spread of a binomial (a scheme that gave everyone 40 would fail here): variance n_pre p (1-p) = 39.2
    assert degrees.var() == pytest.approx(n_pre * p * (1 - p), rel=0.15)
    assert abs(conn.out_degree().mean() - n_post * p) <= 3 * math.sqrt(n_post * p * (1 - p) / n_pre)
    # CSR well formed: indptr increasing, targets increasing within each row, in range
    assert conn.indptr[0] == 0 and conn.indptr[-1] == conn.n_synapses and (np.diff(conn.indptr) >= 0).all()
    for i in range(0, n_pre, 97):
        row = conn.indices[conn.indptr[i]:conn.indptr[i + 1]]
        assert (np.diff(row) > 0).all() and (row < n_post).all()
    assert (conn.weights == 1.0).all()


def test_no_self_connections_unless_asked():
    pop = Population(200, name="a")
    plain = Network([pop], [Connection(pop, pop, weight=1.0, p=0.5)], seed=0).connectivity("a->a")
    assert np.diagonal(plain.to_dense()).sum() == 0
    pop = Population(200, name="a")
    own = Network([pop], [Connection(pop, pop, weight=1.0, p=0.5, allow_self=True)], seed=0).connectivity("a->a")
    assert 70 <= np.diagonal(own.to_dense()).sum() <= 130  # about 100 of 200
    full = Network([Population(5, name="a")], [Connection("a", "a", weight=2.0, p=1.0)]).connectivity("a->a")
    np.testing.assert_array_equal(full.to_dense(), 2.0 * (1 - np.eye(5)))


def test_fixed_in_degree_gives_every_neuron_exactly_that_many_distinct_inputs():
    pop = Population(60, name="a")
    conn = Network([pop], [Connection(pop, pop, weight=(1.0, 0.5), in_degree=59)], seed=2).connectivity("a->a")
    dense = conn.to_dense()
    assert (conn.in_degree() == 59).all() and np.diagonal(dense).sum() == 0  # all but itself
    other = Population(30, name="b")
    conn = Network([pop, other], [Connection(pop, other, weight=1.0, in_degree=7)], seed=2).connectivity("a->b")
    assert (conn.in_degree() == 7).all() and conn.n_synapses == 7 * 30
    assert (conn.to_dense() > 0).sum() == 7 * 30  # distinct partners


def test_drawn_weights_have_the_given_mean_and_spread():
    pre, post = Population(400, name="a"), Population(400, name="b")
    conn = Network([pre, post], [Connection(pre, post, weight=(2.0, 0.5), p=0.1)], seed=0).connectivity("a->b")
    w = conn.weights
    assert abs(w.mean() - 2.0) <= 3 * 0.5 / math.sqrt(w.size)
    assert w.std() == pytest.approx(0.5, rel=0.05)


def test_bernoulli_positions_are_increasing_and_cover_p_of_the_pairs():
    rng = np.random.default_rng(0)
    total = 10_000_000
    positions = sim._bernoulli_positions(total, 0.001, rng)
    assert (np.diff(positions) > 0).all() and positions[0] >= 0 and positions[-1] < total
    assert abs(positions.size - 10_000) <= 3 * math.sqrt(10_000)
    assert sim._bernoulli_positions(10, 1.0, rng).tolist() == list(range(10))
    assert sim._bernoulli_positions(10, 0.0, rng).size == 0


# ------------------------------------------------------------------ sources, runs, monitors
def test_poisson_sources_fire_at_their_rate():
    res = Network([PoissonGroup(2000, 20.0, name="in")], seed=1).run(1000.0)
    # each neuron's count is Poisson(20) (binomial over 10,000 steps): the mean over 2000 within 3 s.e.
    assert abs(res.rate("in").mean() - 20.0) <= 3 * math.sqrt(20.0 / 2000)
    times, index = res.spikes["in"]
    assert (np.diff(times) >= 0).all() and times.max() < 1000.0 and index.max() < 2000
    centres, rates = res.rate_over_time("in", bin_ms=100.0)
    np.testing.assert_allclose(centres, np.arange(50.0, 1000.0, 100.0))
    assert np.abs(rates - 20.0).max() < 5 * math.sqrt(20.0 / (2000 * 0.1))
    per_neuron = Network([PoissonGroup(3, [0.0, 1000.0, 0.0], name="in")], seed=1).run(10.0).rate("in")
    assert per_neuron[0] == 0.0 and per_neuron[2] == 0.0 and 300.0 <= per_neuron[1] <= 1000.0


def test_rate_over_time_is_counts_over_neurons_and_bin_width():
    net = Network([Population(2, v_rest=-45.0, v_init=-60.0, name="a")])
    res = net.run(50.0)  # spikes at 21.9 and 48.8 ms, both neurons
    centres, rates = res.rate_over_time("a", bin_ms=20.0)
    np.testing.assert_allclose(centres, [10.0, 30.0, 45.0])  # last bin 40..50 is 10 ms wide
    np.testing.assert_allclose(rates, [0.0, 2 / (2 * 0.02), 2 / (2 * 0.01)])


def test_the_same_seed_gives_the_same_network_and_spikes_another_seed_does_not():
    def run(seed):
        net = cuba_network(seed=seed, n=1000)
        return net, net.run(100.0)

    (a, ra), (b, rb), (_, rc) = run(5), run(5), run(6)
    np.testing.assert_array_equal(a.connectivity("exc->inh").indices, b.connectivity("exc->inh").indices)
    for name in ("exc", "inh"):
        for x, y in zip(ra.spikes[name], rb.spikes[name]):
            np.testing.assert_array_equal(x, y)
    assert ra.spikes["exc"][0].size != rc.spikes["exc"][0].size or not np.array_equal(ra.spikes["exc"][1],
                                                                                    rc.spikes["exc"][1])


def test_two_runs_continue_where_the_first_stopped():
    def make():
        src = PoissonGroup(50, 40.0, name="in")
        exc = Population(40, v_init=(-60.0, -50.0), name="exc")
        return Network([src, exc], [Connection(src, exc, weight=2.0, p=0.2),
                                    Connection(exc, exc, weight=0.5, p=0.1, delay=1.5)], seed=3)

    whole = make().run(80.0, states={"exc": ["v"]})
    net = make()
    first, second = net.run(30.0, states={"exc": ["v"]}), net.run(50.0, states={"exc": ["v"]})
    assert net.t == pytest.approx(80.0) and second.t_start == pytest.approx(30.0)
    for name in ("in", "exc"):
        np.testing.assert_allclose(np.concatenate([first.spikes[name][0], second.spikes[name][0]]),
                                   whole.spikes[name][0])
        np.testing.assert_array_equal(np.concatenate([first.spikes[name][1], second.spikes[name][1]]),
                                      whole.spikes[name][1])
    np.testing.assert_array_equal(np.concatenate([first.states["exc"]["v"], second.states["exc"]["v"]]),
                                  whole.states["exc"]["v"])
    np.testing.assert_allclose(second.state_times, np.arange(300, 800) * 0.1)
    assert whole.spikes["exc"][0].size > 20


def test_a_window_keeps_only_the_last_window_ms_and_rates_still_cover_the_run():
    def run(**options):
        return cuba_network(seed=1, n=800).run(600.0, states={"exc": ["v", "g_i"]},
                                                neurons={"exc": [0, 5, 9]}, **options)

    full, tail = run(), run(window=100.0)
    assert tail.states["exc"]["v"].shape == (1000, 3) and full.states["exc"]["v"].shape == (6000, 3)
    np.testing.assert_array_equal(tail.states["exc"]["v"], full.states["exc"]["v"][-1000:])
    np.testing.assert_array_equal(tail.states["exc"]["g_i"], full.states["exc"]["g_i"][-1000:])
    np.testing.assert_allclose(tail.state_times, full.state_times[-1000:])
    times, index = full.spikes["exc"]
    keep = times >= 500.0 - 1e-9
    np.testing.assert_allclose(tail.spikes["exc"][0], times[keep])
    np.testing.assert_array_equal(tail.spikes["exc"][1], index[keep])
    assert tail.record_start == pytest.approx(500.0) and keep.sum() > 50
    np.testing.assert_array_equal(tail.rate("exc"), full.rate("exc"))
    centres, _ = tail.rate_over_time("exc", bin_ms=50.0)
    np.testing.assert_allclose(centres, [525.0, 575.0])


def test_a_windowed_spike_monitor_holds_bounded_memory():
    # the loop of Network.run, watched from inside: what the spike monitor holds after each chunk of steps
    net = Network([PoissonGroup(100, 100.0, name="in")], seed=0)
    log = sim._SpikeLog(net._sources, ["in"], window_steps=50)
    held = []
    for start in range(0, 20_000, 1000):
        net._advance(start, 1000, log.fired, sim._StateLog({}, 1000, None, np.dtype(np.float64)))
        log.compact(start + 1000)
        held.append(sum(c[0].size for c in log.chunks["in"]))
    # about 1000 spikes per chunk of 1000 steps (100 neurons, p = 0.01); only the chunk holding the window is kept
    assert max(held) <= 1300 and log.counts["in"].sum() >= 18_000


def test_a_windowed_run_holds_the_same_memory_however_long_it_runs():
    import tracemalloc

    def peak(duration, window):  # the most memory Network.run held at once (NumPy's arrays are traced)
        net = Network([PoissonGroup(200, 50.0, name="in"), Population(20, v_rest=-60.0, v_reset=-65.0, name="out")],
                      [Connection("in", "out", weight=2.0, in_degree=25, delay=1.0)], dt=0.5, seed=0)
        tracemalloc.start()
        try:
            res = net.run(duration, states={"out": ["v", "g_e"]}, window=window)
            return tracemalloc.get_traced_memory()[1], res
        finally:
            tracemalloc.stop()

    short, _ = peak(1000.0, 50.0)
    long, res = peak(4000.0, 50.0)
    unbounded, _ = peak(4000.0, None)
    assert res.states["out"]["v"].shape == (100, 20) and res.rate("out").mean() > 5.0   # it fired all along
    assert abs(long - short) < 0.1 * short and long < 2**20                              # 4x the time, same memory
    assert unbounded > 4 * long          # 8000 rows of 2 x 20 states, ~40,000 spikes: what the window saves


def test_only_what_is_asked_is_recorded():
    net = cuba_network(seed=0, n=200)
    res = net.run(20.0, spikes=["inh"])
    assert set(res.spikes) == {"inh"} and res.states == {}
    assert res.rate("exc").shape == (160,)  # rates come from counts, recorded or not
    res = net.run(20.0, spikes=False, states={"inh": "v"}, neurons={"inh": [3]})
    assert res.spikes == {} and res.states["inh"]["v"].shape == (200, 1)
    assert res.populations == {"exc": {"n": 160, "kind": "excitatory"}, "inh": {"n": 40, "kind": "inhibitory"}}


def test_roles_come_from_the_sign_of_the_outgoing_weights():
    a, b, c = Population(5, name="a"), Population(5, name="b"), Population(5, name="c")
    net = Network([a, b, c, PoissonGroup(3, 1.0, name="in")],
                  [Connection(a, b, weight=1.0, p=1.0), Connection(b, a, synapse="i", weight=-2.0, p=1.0)])
    kinds = {k: v["kind"] for k, v in net.run(1.0).populations.items()}
    assert kinds == {"a": "excitatory", "b": "inhibitory", "c": "excitatory", "in": "input"}


def test_conductance_synapses_pull_v_towards_their_reversal_potential():
    driver = PoissonGroup(1, 10_000.0, name="drive")  # a spike every step
    target = Population(2, kind="conductance", v_rest=-65.0, v_init=-65.0, v_threshold=100.0,
                        synapses={"e": {"tau": 5.0, "reversal": 0.0}, "i": {"tau": 5.0, "reversal": -80.0}},
                        name="t")
    net = Network([driver, target], [Connection(driver, target, synapse="e", weight=0.02, p=1.0)], dt=0.1)
    res = net.run(200.0, states={"t": ["v", "g_e"]})
    g = res.states["t"]["g_e"][-1, 0]
    # steady state: g = 0.02 / (1 - e^{-dt/5}), v = (v_rest + g E) / (1 + g)
    g_inf = 0.02 / -math.expm1(-0.1 / 5.0)
    assert g == pytest.approx(g_inf, rel=1e-6)
    assert res.states["t"]["v"][-1, 0] == pytest.approx((-65.0 + g_inf * 0.0) / (1 + g_inf), abs=0.05)
    assert net.run(0.1).populations["drive"]["kind"] == "input"


def test_state_variables_are_what_run_records_and_get_state_reads():
    net = Network([PoissonGroup(4, 100.0, name="in"),
                   Population(3, synapses={"ampa": {"tau": 2.0}, "nmda": {"tau": 80.0}, "gaba": {"tau": 8.0}},
                              name="cur"),
                   Population(2, kind="conductance", name="cond")],
                  [Connection("in", "cur", synapse="nmda", weight=3.0, p=1.0),
                   Connection("in", "cond", synapse="e", weight=0.1, p=1.0)], seed=0)
    assert net.state_variables("cur") == ("v", "g_ampa", "g_nmda", "g_gaba")     # the synapses' order
    assert net.state_variables("cond") == ("v", "g_e", "g_i")
    assert net.state_variables("in") == ()
    res = net.run(5.0, states={"cur": list(net.state_variables("cur")), "cond": list(net.state_variables("cond"))})
    for name in ("cur", "cond"):
        assert tuple(res.states[name]) == net.state_variables(name)
        for var in net.state_variables(name):
            assert res.states[name][var].shape == (50, net.population(name).n)
            assert net.get_state(name, var).shape == (net.population(name).n,)
    assert res.states["cur"]["g_nmda"][-1].min() > 0 and res.states["cur"]["g_ampa"].max() == 0.0
    with pytest.raises(NameNotFoundError, match="unknown state variable 'g_gabba'; valid: v, g_ampa, g_nmda, g_gaba; "
                                                "did you mean 'g_gaba'"):
        net.run(1.0, states={"cur": ["g_gabba"]})
    with pytest.raises(NameNotFoundError, match="unknown population 'con'; valid: in, cur, cond; did you mean"):
        net.state_variables("con")


def test_float32_networks_run_close_to_float64():
    r64 = cuba_network(seed=0, n=400).run(100.0, states={"exc": ["v"]}, neurons={"exc": [0]})
    r32 = cuba_network(seed=0, n=400, dtype=np.float32).run(100.0, states={"exc": ["v"]}, neurons={"exc": [0]})
    assert r32.states["exc"]["v"].dtype == np.float32
    v64, v32 = r64.states["exc"]["v"][:200], r32.states["exc"]["v"][:200]
    np.testing.assert_allclose(v32, v64, rtol=0, atol=1e-3)


# ------------------------------------------------------------------ files
CUBA_TOML = """
[network]
dt = 0.1
seed = 7
duration = 50.0

[[population]]
name = "exc"
n = 320
v_init = [-60.0, -50.0]
synapses = { e = { tau = 5.0 }, i = { tau = 10.0 } }

[[population]]
name = "inh"
n = 80
v_init = [-60.0, -50.0]

[[connection]]
pre = "exc"
post = "exc"
weight = 1.62
p = 0.02

[[connection]]
pre = "inh"
post = "exc"
synapse = "i"
weight = -9.0
p = 0.02
delay = 0.5

[record]
spikes = ["exc"]
states = { exc = ["v"] }
neurons = { exc = [0, 1, 2] }
window = 20.0
"""


def test_a_toml_file_gives_the_network_and_the_run_options(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(CUBA_TOML)
    net, options = load_network(path)
    assert options == {"duration_ms": 50.0, "spikes": ["exc"], "states": {"exc": ["v"]},
                       "neurons": {"exc": [0, 1, 2]}, "window": 20.0}
    assert [p.n for p in net.populations] == [320, 80] and net.dt == 0.1
    assert net.connectivity("inh->exc").delay_steps == 5
    res = net.run(**options)
    assert res.states["exc"]["v"].shape == (200, 3) and set(res.spikes) == {"exc"}


def test_config_round_trips_through_json_to_the_same_network(tmp_path):
    net = cuba_network(seed=2, n=300)
    text = json.dumps(net.config())
    path = tmp_path / "cuba.json"
    path.write_text(text)
    again, options = load_network(path)
    assert options == {"duration_ms": 1000.0}
    for name in ("exc->exc", "exc->inh", "inh->exc", "inh->inh"):
        np.testing.assert_array_equal(again.connectivity(name).indices, net.connectivity(name).indices)
    a, b = net.run(30.0), again.run(30.0)
    np.testing.assert_array_equal(a.spikes["exc"][1], b.spikes["exc"][1])
    assert network_from_config(net.config()).config() == net.config()


@pytest.mark.parametrize(("text", "message"), [
    ('[network]\ndt = 0.1\nsed = 1\n', "[network]: unknown key 'sed'; valid keys: dt, seed, duration, dtype; did "
                                       "you mean 'seed'?"),
    ('[[population]]\nname = "exc"\nn = 10\ntau = 20.0\n', "[[population]] 1 ('exc'): unknown key 'tau'"),
    ('[[population]]\nname = "a"\nn = 10\n[[connection]]\npre = "a"\npost = "a"\nweight = 1.0\nprob = 0.1\n',
     "[[connection]] 1: unknown key 'prob'"),
    ('[[population]]\nname = "a"\nn = 10\n[record]\nspike = true\n', "[record]: unknown key 'spike'"),
    ('[simulation]\ndt = 0.1\n', "the top level: unknown key 'simulation'"),
    ('[[population]]\nname = "a"\nn = 10\nsynapses = { e = { tau = -5.0 } }\n',
     "synapses['e'] tau must be a finite number > 0; got -5.0"),
    ('[[population]]\nname = "a"\nn = 10\n[[connection]]\npre = "a"\npost = "b"\nweight = 1.0\n',
     "unknown population 'b'; valid: a"),
    ('[network]\nduration = 0.0\n', "duration must be a finite number > 0; got 0.0"),
    ('[[population]]\nname = "a"\ntype = "izhikevich"\nn = 3\n', "type must be 'lif' or 'poisson'"),
    ('[[population]]\nname = "a"\nn = 10\n[record]\nstates = { a = ["u"] }\n', "unknown state variable 'u'"),
    ('[network\n', "not valid TOML"),
])
def test_bad_files_are_refused_naming_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(NeuronkitError) as info:
        load_network(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_files_of_another_kind_or_missing_are_refused(tmp_path):
    with pytest.raises(DataError, match=r"\.toml or \.json; got '\.yaml'"):
        load_network(tmp_path / "net.yaml")
    with pytest.raises(FileNotFoundError, match="network file .*nope.json does not exist"):
        load_network(tmp_path / "nope.json")
    (tmp_path / "a.json").write_text('{"population": {"name": "a"}}')
    with pytest.raises(ParameterError, match="'population' must be a list of tables"):
        load_network(tmp_path / "a.json")


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Connection("a", "b", weight=1.0, p=1.5), ParameterError, "Connection p must be a finite number in "
                                                                      "[0, 1]; got 1.5"),
    (lambda: Connection("a", "b", weight=1.0, p=-0.1), ParameterError, "p must be a finite number in [0, 1]"),
    (lambda: Connection("a", "b", weight=1.0, p=0.1, in_degree=3), ParameterError, "either p= "),
    (lambda: Connection("a", "b", weight=1.0, delay=-1.0), ParameterError, "delay must be a finite number >= 0"),
    (lambda: Connection("a", "b", weight="heavy"), ParameterTypeError, "weight must be a finite number"),
    (lambda: Connection("a", "b", weight=(1.0, -0.5)), ParameterError, "weight std must be a finite number >= 0"),
    (lambda: Population(10, tau_m=-20.0), ParameterError, "Population tau_m must be a finite number > 0; got -20.0"),
    (lambda: Population(10, synapses={"e": {"tau": 0.0}}), ParameterError, "synapses['e'] tau must be a finite "
                                                                          "number > 0"),
    (lambda: Population(10, v_reset=-50.0, v_threshold=-50.0, name="x"), ParameterError,
     "Population 'x' v_reset must be below v_threshold (-50 mV); got -50.0"),
    (lambda: Population(10, refractory=-1.0), ParameterError, "refractory must be a finite number >= 0"),
    (lambda: Population(0), ParameterError, "n must be an integer >= 1; got 0"),
    (lambda: Population(5, kind="conductance", synapses={"e": {"tau": 5.0}}), ParameterError,
     "synapses['e'] needs 'reversal' (mV) for a conductance synapse"),
    (lambda: Population(5, synapses={"e": {"tau": 5.0, "reversal": 0.0}}), ParameterError,
     "unknown key 'reversal'; valid keys: tau (a reversal potential needs kind='conductance')"),
    (lambda: Population(5, v_init=(-50.0, -60.0)), ParameterError,
     "v_init high must be a finite number >= -50; got -60.0"),
    (lambda: PoissonGroup(3, [1.0, 2.0]), ParameterError, "rate_hz must be a number >= 0 or 3 of them"),
    (lambda: PoissonGroup(3, -1.0), ParameterError, "rate_hz must be a finite number >= 0"),
])
def test_bad_parameters_are_refused_with_a_message(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


def two(**connection):
    a, b = Population(10, name="exc"), Population(5, name="inh")
    return Network([a, b], [Connection(**{"pre": "exc", "post": "inh", "weight": 1.0, **connection})])


def test_bad_networks_are_refused_with_a_message():
    with pytest.raises(ParameterError, match=r"delay = 0\.05 ms is shorter than dt \(0\.1 ms\).*e\.g\. 0\.1 ms"):
        two(delay=0.05)
    with pytest.raises(ParameterError, match=r"delay = 0\.25 ms is not a multiple of dt \(0\.1 ms\).*e\.g\. 0\.2"):
        two(delay=0.25)
    assert two(delay=0.3).connectivity("exc->inh").delay_steps == 3
    with pytest.raises(ParameterError, match=r"delay = 1e-12 ms is shorter than dt"):
        two(delay=1e-12)
    with pytest.raises(ParameterError, match=r"in_degree = 11 but each neuron can have at most 10 distinct inputs "
                                             r"from 'exc' \(10 neurons\)"):
        two(in_degree=11)
    with pytest.raises(ParameterError, match=r"at most 9 distinct inputs .* \(itself excluded: allow_self=False\)"):
        two(in_degree=10, post="exc")
    with pytest.raises(NameNotFoundError, match="unknown population 'ihn'; valid: exc, inh; did you mean 'inh'"):
        two(post="ihn")
    with pytest.raises(ParameterError, match="population 'inh' has no synapse type 'x'; its synapse types are: e, i"):
        two(synapse="x")
    with pytest.raises(ParameterError, match="two populations are named 'a'"):
        Network([Population(2, name="a"), Population(3, name="a")])
    with pytest.raises(ParameterError, match="post must be a Population; got the PoissonGroup 'in'"):
        Connection("a", PoissonGroup(2, 1.0, name="in"), weight=1.0)
    for dtype in ("float16", "double-ish", np.int32):
        with pytest.raises(ParameterError, match="Network dtype must be float32 or float64; got"):
            Network([Population(2)], dtype=dtype)
    with pytest.raises(ParameterError, match="at most one spike per step"):
        Network([PoissonGroup(2, 20_000.0, name="in")])
    with pytest.raises(ParameterError, match="weight must be >= 0 \\(a conductance"):
        Network([Population(2, name="a"), Population(2, kind="conductance", name="b")],
                [Connection("a", "b", weight=-1.0)])


def test_bad_runs_are_refused_with_a_message():
    net = two()
    for duration in (0.0, -5.0):
        with pytest.raises(ParameterError, match="Network.run duration_ms must be a finite number > 0"):
            net.run(duration)
    with pytest.raises(ParameterError, match="duration_ms = 1.05 ms is not a multiple of dt"):
        net.run(1.05)
    with pytest.raises(ParameterError, match=r"duration_ms = 1e-12 ms is shorter than dt \(0\.1 ms\); use a whole "
                                             r"number of steps, e\.g\. 0\.1 ms"):
        net.run(1e-12)
    with pytest.raises(NameNotFoundError, match="spikes: unknown population 'exx'; valid: exc, inh; did you mean"):
        net.run(1.0, spikes=["exx"])
    with pytest.raises(NameNotFoundError, match=r"unknown state variable 'u'; valid: v, g_e, g_i"):
        net.run(1.0, states={"exc": ["u"]})
    with pytest.raises(IndexRangeError, match="neurons\\['inh'\\] has index 5, but population 'inh' has 5 neurons"):
        net.run(1.0, states={"inh": ["v"]}, neurons={"inh": [0, 5]})
    with pytest.raises(ParameterError, match="neurons names 'exc' but states records nothing of it"):
        net.run(1.0, neurons={"exc": [0]})
    with pytest.raises(ParameterError, match="window must be a finite number > 0"):
        net.run(1.0, window=0.0)
    res = net.run(1.0, spikes=["inh"])
    with pytest.raises(ParameterError, match="the spikes of 'exc' were not recorded"):
        res.rate_over_time("exc")
    with pytest.raises(NameNotFoundError, match="unknown population 'ex'"):
        res.rate("ex")


def test_progress_is_reported_once_per_chunk_of_steps_and_as_a_bar_on_stderr(capsys):
    calls = []
    net = Network([Population(3, v_rest=-45.0, v_init=-60.0, name="a")])
    quiet = Network([Population(3, v_rest=-45.0, v_init=-60.0, name="a")]).run(250.0)
    res = net.run(250.0, progress=lambda done, total: calls.append((done, total, net._step)))
    assert sim.PROGRESS_STEPS == 1000
    assert calls == [(1000, 2500, 1000), (2000, 2500, 2000), (2500, 2500, 2500)]     # after each chunk, not per step
    np.testing.assert_array_equal(res.spikes["a"][0], quiet.spikes["a"][0])        # watching changes nothing
    calls.clear()
    net.run(100.0, progress=lambda done, total: calls.append((done, total)))         # steps of this run
    assert calls == [(1000, 1000)]
    assert capsys.readouterr() == ("", "")
    net.run(250.0, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("\rsimulating:   0%|") and err.endswith("\n")
    assert re.search(r"\rsimulating: 100%\|█+\| 250\.0/250\.0 ms \[\d\d:\d\d<\d\d:\d\d, +[\d.]+ms/s\]\n$", err), err
    for bad in ("yes", 1, None):
        with pytest.raises(ParameterTypeError, match="Network.run progress must be True, False or a function "
                                                     f"\\(steps_done, steps_total\\); got {bad!r}"):
            net.run(1.0, progress=bad)


def test_an_interrupted_run_leaves_its_bar_as_drawn_and_ends_the_line(capsys, monkeypatch):
    net = Network([Population(3, name="a")])

    def interrupt(self, *args):  # Ctrl-C during the first chunk
        raise KeyboardInterrupt

    monkeypatch.setattr(Network, "_advance", interrupt)
    with pytest.raises(KeyboardInterrupt):
        net.run(250.0, progress=True)
    bar, rest = capsys.readouterr().err.split("\n")
    assert bar.startswith("\rsimulating:   0%|") and "0.0/250.0 ms" in bar and "100%" not in bar
    assert rest.strip() == ""                                   # the line after the bar is left empty


def test_the_contract_signatures_hold():
    # what the simcli and docs helpers build on (HELPERS.md, THE SIMULATION API)
    import inspect

    def keywords(fn):
        return {name: p.default for name, p in inspect.signature(fn).parameters.items()
                if p.kind is p.KEYWORD_ONLY}

    assert keywords(Population) == {"tau_m": 20.0, "v_rest": -49.0, "v_reset": -60.0, "v_threshold": -50.0,
                                    "refractory": 5.0, "v_init": None, "synapses": None, "kind": "current",
                                    "role": None, "name": None}
    assert keywords(Connection)["delay"] == 0.0 and keywords(Connection)["allow_self"] is False
    assert keywords(Network.run) == {"spikes": True, "states": None, "neurons": None, "window": None,
                                     "progress": False}
    assert keywords(Network)["dt"] == 0.1 and keywords(Network)["seed"] == 0
    assert Population(2).synapses == {"e": {"tau": 5.0}, "i": {"tau": 10.0}}


def test_populations_sharing_a_state_block_behave_as_when_alone():
    # Populations of one kind share one state vector with per-neuron parameters; each must still follow
    # its own tau_m, v_rest, v_reset, threshold and refractory period, exactly as when simulated alone.
    def make(name):
        return {"a": Population(3, tau_m=20.0, v_rest=-45.0, v_init=(-60.0, -50.0), refractory=5.0, name="a"),
                "b": Population(4, tau_m=10.0, v_rest=-40.0, v_reset=-65.0, v_threshold=-48.0, refractory=2.0,
                                v_init=-55.0, synapses={"x": {"tau": 3.0}}, name="b"),
                "c": Population(2, kind="conductance", tau_m=15.0, v_rest=-44.0, v_init=-70.0, name="c")}[name]

    together = Network([make("a"), make("b"), make("c")], seed=0).run(100.0, states={"b": ["v"], "c": ["v"]})
    for name in ("a", "b", "c"):
        alone = Network([make(name)], seed=0).run(100.0, states=None if name == "a" else {name: ["v"]})
        if name == "a":  # its uniform v_init draws the same numbers first in both
            np.testing.assert_array_equal(alone.spikes["a"][1], together.spikes["a"][1])
        np.testing.assert_allclose(alone.spikes[name][0], together.spikes[name][0])
        assert alone.spikes[name][0].size >= 4
        if name != "a":
            np.testing.assert_allclose(alone.states[name]["v"], together.states[name]["v"], rtol=0, atol=1e-12)
