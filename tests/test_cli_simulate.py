"""``neuronkit simulate``: a network file (or the built-in cuba) run from the shell, its statistics, the spikes,
picture and report it writes, and every refusal (exit code 2 naming the flag, file or key; 1 for a failure
of the run; never a traceback without --debug).

The runs go through ``python -m neuronkit`` in a subprocess, as a user runs them; the refusals run
``neuronkit.cli.main`` in this process (the same code, faster). Every printed number is compared with the
same number computed here from the spikes the command saved.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuronkit.cli import main
from neuronkit.errors import DataError
from neuronkit.spiking.simulation import Network, cuba_network, load_network, network_from_config

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
EXAMPLES = ROOT / "examples"

SMALL = """
[network]
dt = 0.1
seed = 3
duration = 100.0

[[population]]
name = "drive"
type = "poisson"
n = 100
rate_hz = 40.0

[[population]]
name = "exc"
n = 160
v_rest = -60.0
v_reset = -65.0
v_init = [-65.0, -52.0]

[[population]]
name = "inh"
n = 40
v_rest = -60.0
v_reset = -65.0
tau_m = 10.0

[[connection]]
pre = "drive"
post = "exc"
weight = 2.5
in_degree = 30

[[connection]]
pre = "drive"
post = "inh"
weight = 2.5
in_degree = 30

[[connection]]
pre = "exc"
post = "inh"
weight = 0.8
p = 0.1
delay = 1.0

[[connection]]
pre = "inh"
post = "exc"
synapse = "i"
weight = -3.0
p = 0.2
delay = 0.5

[record]
states = { exc = ["v"] }
neurons = { exc = [4, 7] }
"""


def cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "neuronkit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def run(capsys, *args):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def printed_rows(out):
    """The statistics table: population -> (kind, neurons, spikes, mean rate, s.d., CV or None, χ or None)."""
    rows = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+(excitatory|inhibitory|input)\s+(\d+)\s+(\d+)\s+(\S+) ± (\S+)\s+(\S+)\s+(\S+)$", line)
        if m:
            number = (lambda s: None if s == "-" else float(s))
            rows[m.group(1)] = (m.group(2), int(m.group(3)), int(m.group(4)), float(m.group(5)), float(m.group(6)),
                                number(m.group(7)), number(m.group(8)))
    return rows


def spikes_from_csv(path):
    """population -> (times, indices) as the CSV holds them."""
    found = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["population", "neuron", "time_ms"]
        for population, neuron, time in reader:
            found.setdefault(population, ([], []))
            found[population][0].append(float(time))
            found[population][1].append(int(neuron))
    return {name: (np.array(t), np.array(i)) for name, (t, i) in found.items()}


def cv_of_isi(times, indices):
    """The mean over neurons with >= 3 spikes of sd(ISI) / mean(ISI), neuron by neuron (a plain loop)."""
    cvs = []
    for neuron in np.unique(indices):
        isi = np.diff(np.sort(times[indices == neuron]))
        if len(isi) >= 2:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else None


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simulate")
    (folder / "small.toml").write_text(SMALL)
    code, out, err = cli("simulate", "small.toml", "--save-spikes", "out/spikes.csv", "--report", "out/run.html",
                         "--plot", "out/raster.png", "--record", "inh:g_e", cwd=folder)
    assert code == 0, err
    return folder, out, err


def test_simulate_prints_what_the_saved_spikes_give(small_run):
    folder, out, err = small_run
    assert "simulating small.toml: 3 populations, 300 neurons, 4 connections; 100 ms at dt = 0.1 ms, seed 3" in err
    rows = printed_rows(out)
    assert list(rows) == ["drive", "exc", "inh"]
    spikes = spikes_from_csv(folder / "out" / "spikes.csv")
    sizes = {"drive": 100, "exc": 160, "inh": 40}
    for name, (kind, n, count, mean, sd, cv, _) in rows.items():
        times, indices = spikes[name]
        assert (n, count) == (sizes[name], len(times))
        assert kind == {"drive": "input", "exc": "excitatory", "inh": "inhibitory"}[name]
        rates = np.bincount(indices, minlength=n) / 0.1                   # Hz over the 100 ms
        assert mean == float(f"{rates.mean():.4g}") and sd == float(f"{rates.std():.3g}")
        assert cv == (None if cv_of_isi(times, indices) is None else round(cv_of_isi(times, indices), 3))
        assert np.all((times >= 0) & (times < 100.0)) and np.all(np.diff(times) >= 0)
    assert rows["exc"][2] > 10 and 0 < rows["inh"][3] < 100      # a network that fires, and not away
    assert re.search(r"^simulated 100 ms in \d\.?\d* s of wall time$", out, re.M)
    assert "spikes written to out/spikes.csv" in out and "report written to out/run.html" in out
    assert "raster and rates drawn in out/raster.png" in out


def test_simulate_runs_the_same_network_as_python(small_run):
    folder, out, _ = small_run
    net, options = load_network(folder / "small.toml")
    result = net.run(**options)
    spikes = spikes_from_csv(folder / "out" / "spikes.csv")
    for name in ("drive", "exc", "inh"):
        np.testing.assert_array_equal(spikes[name][1], result.spikes[name][1])
        np.testing.assert_allclose(spikes[name][0], result.spikes[name][0], rtol=0, atol=1e-12)


def test_simulate_writes_a_report_and_a_picture(small_run):
    folder, out, _ = small_run
    rows = printed_rows(out)
    page = (folder / "out" / "run.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<h1>neuronkit simulate small.toml</h1>" in page
    firing = page[page.index("<h2>Firing</h2>"):]
    for name, (_, n, count, mean, _, _, _) in rows.items():
        cells = re.findall(r"<td[^>]*>(.*?)</td>", re.search(rf"<tr[^>]*><td>{name}</td>(.*?)</tr>", firing).group(1))
        assert cells[1:3] == [str(n), str(count)] and float(cells[3]) == pytest.approx(mean, rel=1e-3)
    assert "in-degree 30" in page and "p = 0.1" in page and "drive-&gt;exc" in page
    assert "exc.v over time for 2 of the 2 recorded neurons" in page    # the file's [record] neurons
    assert "inh.g_e over time for 8 of the 10 recorded neurons" in page  # --record: the first 10 neurons
    assert (folder / "out" / "raster.png").read_bytes().startswith(b"\x89PNG")


def test_simulate_draws_a_progress_bar_on_a_terminal_only(tmp_path, small_run):
    import fcntl
    import pty
    import select
    import struct
    import termios

    _, _, piped = small_run                                         # standard error a pipe: no bar
    assert piped.splitlines() == ["simulating small.toml: 3 populations, 300 neurons, 4 connections; 100 ms at "
                                  "dt = 0.1 ms, seed 3"]
    (tmp_path / "small.toml").write_text(SMALL)
    leader, follower = pty.openpty()                                # standard error a terminal: a tqdm bar
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # 24 rows, 100 columns
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    with subprocess.Popen([sys.executable, "-m", "neuronkit", "simulate", "small.toml", "--duration", "250"],
                          cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=follower, text=True) as proc:
        os.close(follower)
        seen = b""
        try:
            while True:
                ready, _, _ = select.select([leader], [], [], 120)
                assert ready, "no output from the command on its terminal"
                try:
                    data = os.read(leader, 4096)
                except OSError:                                     # EIO: the command closed the terminal
                    break
                if not data:
                    break
                seen += data
        finally:
            os.close(leader)
        out = proc.stdout.read()
        assert proc.wait(timeout=120) == 0, seen
    err = seen.decode()
    assert err.startswith("simulating small.toml: 3 populations")
    assert re.search(r"\rsimulating: 100%\|█+\| 250\.0/250\.0 ms \[\d\d:\d\d<\d\d:\d\d, +[\d.]+ms/s\]", err), err
    assert "simulated 250 ms in" in out and "simulating" not in out


def test_simulate_cuba_built_in_with_json_spikes(tmp_path):
    code, out, err = cli("simulate", "cuba", "--duration", 50, "--seed", 2, "--save-spikes", "s.json", "--quiet",
                         cwd=tmp_path)
    assert code == 0, err
    assert err == ""                                                   # --quiet: no header, no progress
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["duration_ms"] == 50.0
    assert {k: (v["n"], v["kind"]) for k, v in saved["populations"].items()} == {
        "exc": (3200, "excitatory"), "inh": (800, "inhibitory")}
    rows = printed_rows(out)
    reference = cuba_network(seed=2).run(50.0)
    for name, (_, n, count, mean, sd, _, _) in rows.items():
        indices = np.array(saved["populations"][name]["indices"])
        rates = np.bincount(indices, minlength=n) / 0.05
        assert count == len(indices) and mean == float(f"{rates.mean():.4g}") and sd == float(f"{rates.std():.3g}")
        np.testing.assert_array_equal(indices, reference.spikes[name][1])
    assert 1.0 < rows["exc"][3] < 30.0                                 # CUBA fires at a few Hz


def test_the_example_files_run_and_cuba_toml_is_the_built_in_network(tmp_path, capsys):
    net, options = load_network(EXAMPLES / "cuba.toml")
    assert options == {"duration_ms": 1000.0, "spikes": ["exc", "inh"]}
    ours, theirs = net.run(30.0), cuba_network(seed=0).run(30.0)
    for name in ("exc", "inh"):
        np.testing.assert_array_equal(ours.spikes[name][1], theirs.spikes[name][1])
    assert [c.config()["weight"] for c in net.connections] == [1.62, 1.62, -9.0, -9.0]
    code, out, _ = run(capsys, "simulate", EXAMPLES / "ei_delays.toml", "--duration", 100, "--quiet")
    rows = printed_rows(out)
    assert code == 0 and list(rows) == ["input", "exc", "inh"] and rows["exc"][2] > 0
    assert "problem:" not in out


def test_window_keeps_the_last_milliseconds(tmp_path, capsys):
    (tmp_path / "small.toml").write_text(SMALL)
    code, out, _ = run(capsys, "simulate", tmp_path / "small.toml", "--window", 20, "--save-spikes",
                       tmp_path / "w.csv", "--quiet")
    assert code == 0 and "; rates over the whole run, CV, synchrony and saved spikes over the last 20 ms" in out
    times = np.concatenate([t for t, _ in spikes_from_csv(tmp_path / "w.csv").values()])
    assert times.min() >= 80.0 and times.max() < 100.0


def test_seed_and_dt_rebuild_the_files_network(tmp_path, capsys):
    (tmp_path / "small.toml").write_text(SMALL)
    code, out, _ = run(capsys, "simulate", tmp_path / "small.toml", "--seed", 5, "--dt", 0.25, "--duration", 50,
                       "--save-spikes", tmp_path / "s.csv", "--quiet")
    assert code == 0
    net, _ = load_network(tmp_path / "small.toml")
    config = net.config()
    config["network"].update(seed=5, dt=0.25)
    expected = network_from_config(config).run(50.0)
    saved = spikes_from_csv(tmp_path / "s.csv")
    for name in ("drive", "exc", "inh"):
        np.testing.assert_array_equal(saved[name][1], expected.spikes[name][1])
        np.testing.assert_allclose(saved[name][0], expected.spikes[name][0], rtol=0, atol=1e-12)
    assert np.all(np.isclose(saved["exc"][0] / 0.25, np.round(saved["exc"][0] / 0.25)))   # on the 0.25 ms grid


def test_problems_are_named_in_plain_words(tmp_path, capsys):
    (tmp_path / "quiet.json").write_text(json.dumps({
        "network": {"dt": 0.1, "duration": 50.0},
        "population": [{"name": "still", "n": 20, "v_rest": -70.0, "v_reset": -75.0}]}))
    code, out, _ = run(capsys, "simulate", tmp_path / "quiet.json", "--quiet")
    assert code == 0
    assert "problem: population still is silent: none of its 20 neurons fired in 50 ms." in out
    (tmp_path / "wild.json").write_text(json.dumps({
        "network": {"dt": 0.1, "duration": 50.0},
        "population": [{"name": "wild", "n": 20, "v_rest": -30.0, "refractory": 1.0}]}))
    code, out, _ = run(capsys, "simulate", tmp_path / "wild.json", "--quiet")
    assert code == 0 and "problem: population wild runs away: its neurons fire at" in out
    assert "problem: population wild fires in synchrony" in out                 # all start at rest together


# ------------------------------------------------------------------ refusals
def refused(capsys, *args, code=2):
    got, out, err = run(capsys, *args)
    assert got == code, (out, err)
    assert out == "" and "Traceback" not in err and err.count("\n") == 1, err
    return err.strip()


def test_usage_errors_name_the_flag_file_or_key(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.toml").write_text(SMALL)
    err = refused(capsys, "simulate", "nothere.toml")
    assert err.startswith("neuronkit simulate: error: NET 'nothere.toml' does not exist (in ")
    assert "a built-in network: cuba" in err
    (tmp_path / "net.yaml").write_text("network: {}")
    assert "NET 'net.yaml' must be a .toml or .json network file" in refused(capsys, "simulate", "net.yaml")
    (tmp_path / "typo.toml").write_text(SMALL.replace("tau_m = 10.0", "tau_mem = 10.0"))
    err = refused(capsys, "simulate", "typo.toml")
    assert "typo.toml: [[population]] 3 ('inh'): unknown key 'tau_mem'" in err and "did you mean 'tau_m'?" in err
    (tmp_path / "broken.json").write_text("{\"network\": ")
    assert "broken.json: not valid JSON" in refused(capsys, "simulate", "broken.json")
    for value in ("-5", "0", "nan"):
        assert f"--duration must be a finite number > 0; got {float(value)}" in refused(
            capsys, "simulate", "small.toml", "--duration", value)
    assert ("--duration 10.05 ms is not a whole number of time steps of dt = 0.1 ms; give a multiple of dt, e.g. "
            "10") in refused(capsys, "simulate", "small.toml", "--duration", "10.05")
    assert "--dt must be a finite number > 0; got -0.1" in refused(capsys, "simulate", "cuba", "--dt", "-0.1")
    assert "--window must be a finite number > 0; got 0.0" in refused(capsys, "simulate", "cuba", "--window", "0")
    assert "--seed must be an integer >= 0; got -1" in refused(capsys, "simulate", "cuba", "--seed", "-1")
    err = refused(capsys, "simulate", "small.toml", "--dt", "0.3")
    assert err.startswith("neuronkit simulate: error: --dt 0.3: Connection exc->inh (exc -> inh): delay = 1.0 ms "
                          "is not a multiple of dt (0.3 ms); use a whole number of steps, e.g. 0.9 ms")


def test_record_and_output_flags_are_checked_before_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.toml").write_text(SMALL)
    assert ("--record must be POPULATION:VARIABLE, e.g. exc:v (the membrane potential of population exc); got "
            "'exc'") in refused(capsys, "simulate", "small.toml", "--record", "exc")
    assert ("--record ex:v: the network has no population 'ex' (populations: drive, exc, inh); did you mean 'exc'?"
            in refused(capsys, "simulate", "small.toml", "--record", "ex:v"))
    assert ("--record exc:u: population 'exc' has no state variable 'u'; its variables are v, g_e, g_i"
            in refused(capsys, "simulate", "small.toml", "--record", "exc:u"))
    assert ("--record drive:v: population 'drive' has no state variable 'v'; it is a Poisson input, which has no "
            "state variables") in refused(capsys, "simulate", "small.toml", "--record", "drive:v")
    assert "--save-spikes writes .csv (population,neuron,time_ms per spike) or .json" in refused(
        capsys, "simulate", "cuba", "--save-spikes", "s.npz")
    assert "--plot writes a PNG picture; give a file ending in .png" in refused(
        capsys, "simulate", "cuba", "--plot", "r.jpg")
    (tmp_path / "folder.html").mkdir()
    assert "--report 'folder.html' is a folder" in refused(capsys, "simulate", "cuba", "--report", "folder.html")
    assert not any(p.suffix in (".csv", ".png", ".npz") for p in tmp_path.iterdir())    # nothing was written


def test_a_failure_of_the_run_exits_1_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.toml").write_text(SMALL)

    def failing_run(self, *args, **kwargs):
        raise DataError("the membrane of exc[3] became NaN")

    monkeypatch.setattr(Network, "run", failing_run)
    err = refused(capsys, "simulate", "small.toml", "--quiet", code=1)
    assert err == "neuronkit simulate: error: the membrane of exc[3] became NaN"
    with pytest.raises(DataError, match="became NaN"):
        main(["--debug", "simulate", "small.toml", "--quiet"])
