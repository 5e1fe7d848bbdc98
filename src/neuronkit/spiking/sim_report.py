"""What a simulation did, in numbers, words and pictures: per-population statistics and an HTML report.

:func:`population_stats` reads a simulation result (what
:meth:`Network.run <neuronkit.spiking.simulation.Network.run>` returns) and gives, per population:

* the mean firing rate in Hz and its standard deviation across neurons — neuron ``i`` fired
  ``k_i`` spikes in the ``T`` ms of the run: ``r_i = 1000·k_i / T`` (``result.rate(name)``);
* the irregularity of its firing: the coefficient of variation of the inter-spike intervals
  ``CV_i = sd(ISI_i) / mean(ISI_i)`` of each neuron with at least :data:`MIN_ISI_SPIKES` spikes,
  averaged over those neurons (1 for a Poisson process, 0 for a clock);
* how synchronous it is: Golomb's ``χ`` (Golomb 2007, Scholarpedia "Neuronal synchrony measures")
  on spike counts ``c_i(b)`` in bins of :data:`SYNCHRONY_BIN_MS`:
  ``χ² = Var_b[(1/N) Σ_i c_i(b)] / ((1/N) Σ_i Var_b[c_i(b)])`` — about ``1/√N`` for independent
  neurons, 1 when all fire in the same bins.

The CV and χ are computed on the spikes the monitors kept (the last ``window`` ms of a windowed run).
:func:`simulation_problems` puts what went wrong in plain words (a silent population, runaway
rates above :data:`RUNAWAY_HZ`, a synchronous population of at least :data:`SYNCHRONY_MIN_NEURONS`
neurons), and :func:`simulation_report` builds a self-contained HTML page (figures embedded as
PNG data URIs: nothing fetched, one file to send):
the network's populations and connections, the statistics, the problems, the raster, the rates
over time, the rate and CV histograms, the recorded state traces and the run's wall time.
:func:`write_simulation_report` writes it atomically. ``neuronkit simulate --report`` calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._html import CSS, Raw, esc, number, png_data_uri, table
from .._plotting import new_figure
from ..errors import ParameterTypeError
from ..validation import check_number, must_be
from .plots import _population_color, _recorded_span, population_raster, rate_over_time

__all__ = ["MIN_ISI_SPIKES", "RUNAWAY_HZ", "SYNCHRONY_BIN_MS", "SYNCHRONY_LIMIT", "SYNCHRONY_MIN_NEURONS",
           "PopulationStats", "population_stats", "simulation_problems", "simulation_report", "write_simulation_report"]

#: spikes a neuron needs (two intervals) for its CV of ISI to be counted
MIN_ISI_SPIKES = 3
#: a mean rate above this (Hz) is reported as runaway excitation
RUNAWAY_HZ = 100.0
#: the bin (ms) of the spike counts the synchrony χ is computed on
SYNCHRONY_BIN_MS = 1.0
#: a population (of at least SYNCHRONY_MIN_NEURONS) with χ above this is reported as firing synchronously
SYNCHRONY_LIMIT = 0.5
#: fewer neurons than this are not judged synchronous: independent neurons alone give χ ≈ 1/√N
SYNCHRONY_MIN_NEURONS = 10
#: state traces drawn per recorded population and variable
MAX_TRACES = 8


@dataclass(frozen=True)
class PopulationStats:
    """One population's firing over a run (see the module docstring for the definitions).

    ``spikes``: the spikes recorded over ``span_ms``; ``rates`` (Hz, one per neuron, over the whole
    run); ``rate_mean``/``rate_std`` across neurons;
    ``silent``: neurons without a spike; ``cvs``: the CV of ISI of each neuron with at least
    :data:`MIN_ISI_SPIKES` spikes and ``cv_isi`` their mean (None if no neuron has enough);
    ``synchrony``: Golomb's χ (None for fewer than 2 neurons or no spike).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.sim_report import PopulationStats
    >>> s = PopulationStats("exc", "excitatory", 2, 3, 100.0, np.array([20.0, 10.0]), np.array([]), 0.0)
    >>> s.rate_mean, s.rate_std, s.silent, s.cv_isi
    (15.0, 5.0, 0, None)
    """

    name: str
    kind: str
    n: int
    spikes: int
    span_ms: float
    rates: np.ndarray
    cvs: np.ndarray
    synchrony: float | None

    @property
    def rate_mean(self) -> float:
        return float(self.rates.mean()) if self.n else 0.0

    @property
    def rate_std(self) -> float:
        return float(self.rates.std()) if self.n else 0.0

    @property
    def silent(self) -> int:
        return int(np.sum(self.rates == 0.0))

    @property
    def cv_isi(self) -> float | None:
        return float(self.cvs.mean()) if self.cvs.size else None


def _check_result(result: Any, owner: str) -> None:
    for attribute in ("spikes", "populations", "duration"):
        if not hasattr(result, attribute):
            raise ParameterTypeError(must_be("result", "what Network.run returns (with spikes, populations and "
                                             "duration)", type(result).__name__, owner))


def _cvs(times: np.ndarray, indices: np.ndarray, n: int) -> np.ndarray:
    """The CV of the inter-spike intervals of each neuron with at least MIN_ISI_SPIKES spikes."""
    order = np.lexsort((times, indices))
    t, i = times[order], indices[order]
    same = i[1:] == i[:-1]
    isi, owner = np.diff(t)[same], i[1:][same]
    counts = np.bincount(owner, minlength=n).astype(np.float64)           # intervals per neuron
    enough = counts >= MIN_ISI_SPIKES - 1
    if not enough.any():
        return np.zeros(0)
    mean = np.bincount(owner, weights=isi, minlength=n)[enough] / counts[enough]
    square = np.bincount(owner, weights=isi * isi, minlength=n)[enough] / counts[enough]
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))
    return np.asarray(std / mean)


def _synchrony(times: np.ndarray, indices: np.ndarray, n: int, start: float, end: float) -> float | None:
    """Golomb's χ on spike counts in bins of SYNCHRONY_BIN_MS (sparse: no (neurons × bins) array is made)."""
    bins = max(1, int(np.ceil((end - start) / SYNCHRONY_BIN_MS - 1e-9)))
    if n < 2 or times.size == 0:
        return None
    b = np.minimum(((times - start) / SYNCHRONY_BIN_MS).astype(np.int64), bins - 1)
    pairs, per_pair = np.unique(indices * bins + b, return_counts=True)               # c_i(b) where > 0
    mean_neurons = np.bincount(indices, minlength=n).astype(np.float64) / bins         # E_b[c_i]
    square = np.bincount(pairs // bins, weights=per_pair.astype(np.float64) ** 2, minlength=n) / bins
    var_neurons = square - mean_neurons ** 2                                           # Var_b[c_i]
    population = np.bincount(b, minlength=bins).astype(np.float64) / n                 # (1/N) Σ_i c_i(b)
    mean_var = float(var_neurons.mean())
    if mean_var <= 0.0:
        return None
    return float(np.sqrt(max(float(population.var()), 0.0) / mean_var))


def population_stats(result: Any) -> dict[str, PopulationStats]:
    """Rates (mean ± s.d. across neurons), CV of ISI and synchrony of every population whose spikes were recorded.

    The rates are ``result.rate(name)`` (spike counts over the whole run); the CV of ISI and the
    synchrony are computed on the recorded spikes (the last ``window`` ms of a windowed run).

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Network, PoissonGroup
    >>> from neuronkit.spiking.sim_report import population_stats
    >>> res = Network(populations=[PoissonGroup(200, 50.0, name="drive")], seed=0).run(500.0)
    >>> s = population_stats(res)["drive"]
    >>> s.n, s.spikes == len(res.spikes["drive"][0]), s.rate_mean == 1000 * s.spikes / 200 / 500
    (200, True, True)
    >>> 0.8 < s.cv_isi < 1.1, s.synchrony < 0.2                 # Poisson: irregular, independent
    (True, True)
    """
    _check_result(result, "population_stats")
    start, end = _recorded_span(result)
    out = {}
    for name, info in result.populations.items():
        if name not in result.spikes:
            continue
        times, indices = (np.asarray(a) for a in result.spikes[name])
        times, indices = times.astype(np.float64), indices.astype(np.int64)
        n = int(info["n"])
        rates = np.asarray(result.rate(name), dtype=np.float64)
        out[name] = PopulationStats(name, str(info.get("kind", "")), n, int(times.size), end - start, rates,
                                    _cvs(times, indices, n), _synchrony(times, indices, n, start, end))
    return out


def simulation_problems(stats: Mapping[str, PopulationStats]) -> list[str]:
    """What went wrong in a run, in plain words, one sentence per problem (empty: none found).

    Input populations are left out (their rates are given). A population is *silent* if none of
    its neurons fired, *runaway* if its mean rate is above :data:`RUNAWAY_HZ`, *synchronous* if its
    χ is above :data:`SYNCHRONY_LIMIT` (populations of :data:`SYNCHRONY_MIN_NEURONS` or more); each
    sentence says what to change.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.sim_report import PopulationStats, simulation_problems
    >>> quiet = PopulationStats("exc", "excitatory", 2, 0, 100.0, np.zeros(2), np.zeros(0), None)
    >>> print(simulation_problems({"exc": quiet})[0].split(". ")[0])
    population exc is silent: none of its 2 neurons fired in 100 ms
    """
    problems = []
    for s in stats.values():
        if s.kind == "input":
            continue
        if s.spikes == 0:
            problems.append(f"population {s.name} is silent: none of its {s.n} neurons fired in {s.span_ms:g} ms. "
                            "Its membranes never reached the threshold: give it more input (stronger or more "
                            "excitatory connections, higher input rates) or a threshold closer to rest.")
        elif s.rate_mean > RUNAWAY_HZ:
            problems.append(f"population {s.name} runs away: its neurons fire at {s.rate_mean:.4g} Hz on average "
                            f"(above {RUNAWAY_HZ:g} Hz; the refractory period is what bounds them). Excitation "
                            "outweighs inhibition: weaken the excitatory weights or strengthen the inhibitory ones "
                            "(more negative weights, higher connection probability).")
        if s.synchrony is not None and s.synchrony > SYNCHRONY_LIMIT and s.n >= SYNCHRONY_MIN_NEURONS:
            problems.append(f"population {s.name} fires in synchrony: χ = {s.synchrony:.2f} (1 = every neuron fires "
                            f"in the same {SYNCHRONY_BIN_MS:g} ms bins; independent neurons give about "
                            f"{1 / np.sqrt(s.n):.2f}). A network in the asynchronous irregular state has small χ: "
                            "add heterogeneity (random initial potentials, random weights) or stronger, faster "
                            "inhibition.")
    return problems


# ---------------------------------------------------------------------------- the report
_PAGE_CSS = """
body { margin: 2em auto; max-width: 70em; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.problem { border-left: 4px solid #cc3311; padding: 0.3em 0.8em; margin: 0.6em 0; background: #fff5f2; }
.ok { border-left: 4px solid #228833; padding: 0.3em 0.8em; background: #f2fff4; }
figure { margin: 1em 0; } figcaption { font-size: 0.85em; opacity: 0.8; }
.nk-repr .nk-note { margin-bottom: 1em; }
"""


def _figure(fig: Any, caption: str) -> str:
    return (f'<figure><img alt="{esc(caption[:40])}" src="{png_data_uri(fig)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _config(network: Any) -> dict[str, Any] | None:
    if network is None:
        return None
    if isinstance(network, Mapping):
        return dict(network)
    if hasattr(network, "config"):
        return dict(network.config())
    raise ParameterTypeError(must_be("network", "a Network, its config() dict or None", type(network).__name__,
                                     "simulation_report"))


# the unit of a connection's weight and of the synaptic variables ``g_<synapse>``, by the target's ``kind``
_WEIGHT_UNITS = {"current": "mV", "conductance": "× g_leak"}
_NBSP = "\u00a0"  # between a number and its unit: "-80 mV" never breaks in two


def _quantity(value: Any, unit: str) -> str:
    return f"{number(value)}{_NBSP}{unit}"


def _weight(value: Any, unit: str | None) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        text = f"{number(value[0])} ± {number(value[1])}"
    else:
        text = number(value) if isinstance(value, (int, float)) else str(value)
    return f"{text}{_NBSP}{unit}" if unit else text


def _kinds(config: Mapping[str, Any] | None) -> dict[str, str]:
    """Each LIF population's synapse kind ("current" or "conductance") as the config says."""
    return {str(p.get("name")): str(p.get("kind", "current")) for p in (config or {}).get("population", [])
            if isinstance(p, Mapping) and "rate_hz" not in p and p.get("type", "lif") == "lif"}


def _population_row(p: Mapping[str, Any], kind: str) -> list[Any]:
    name = p.get("name", "")
    if "rate_hz" in p:
        rate = p["rate_hz"]
        rate = (f"{number(min(rate))}–{number(max(rate))}" if isinstance(rate, (list, tuple)) and rate
                else number(rate))
        return [name, kind, p.get("n", ""), f"Poisson input, {rate}{_NBSP}Hz", "-", "-"]
    v_init = p.get("v_init")
    if v_init is None:
        start = ""
    elif isinstance(v_init, (list, tuple)):
        start = f"starts uniform in {number(v_init[0])}…{_quantity(v_init[1], 'mV')}"
    else:
        start = f"starts at {_quantity(v_init, 'mV')}"
    membrane = [f"τm {_quantity(p.get('tau_m'), 'ms')}, refractory {_quantity(p.get('refractory'), 'ms')}",
                f"rest {_quantity(p.get('v_rest'), 'mV')}, reset {_quantity(p.get('v_reset'), 'mV')}, threshold "
                f"{_quantity(p.get('v_threshold'), 'mV')}"] + ([start] if start else [])
    lines = []
    for key, syn in (p.get("synapses") or {}).items():
        line = f"{key}: τ {_quantity(syn.get('tau'), 'ms')}"
        if "reversal" in syn:
            line += f", E {_quantity(syn['reversal'], 'mV')}"
        lines.append(esc(line))
    synapse_kind = p.get("kind", "current")
    return [name, kind, p.get("n", ""), f"LIF, {synapse_kind} synapses", Raw("<br>".join(map(esc, membrane))),
            Raw("<br>".join(lines)) if lines else "none"]


def _network_tables(config: Mapping[str, Any], result: Any) -> list[str]:
    """The populations (size, kind, membrane, synapses with their units) and the connections (p or in-degree,
    weight with its unit, delay in ms), with a note on the units."""
    kinds = {name: info.get("kind", "") for name, info in result.populations.items()}
    rows = [_population_row(p, kinds.get(p.get("name", ""), "")) for p in config.get("population", [])]
    parts = [table(["population", "kind", "neurons", "model", "membrane", "synapses"], rows, numeric=[2])]
    synapse_kinds = _kinds(config)
    if synapse_kinds:
        reversal = (" (a conductance synapse also has a reversal potential E, towards which it pulls v)"
                    if "conductance" in synapse_kinds.values() else "")
        parts.append("<p class='nk-note'>Membrane: τm, the membrane time constant; refractory, how long v is held at "
                     "reset after a spike; a neuron fires when v crosses the threshold. Synapses: one synaptic "
                     f"variable g per type, which decays with time constant τ{reversal}.</p>")
    rows = []
    for c in config.get("connection", []):
        how = f"in-degree {c['in_degree']}" if c.get("in_degree") is not None else f"p = {number(c.get('p'))}"
        unit = _WEIGHT_UNITS.get(synapse_kinds.get(str(c.get("post")), ""))
        rows.append([c.get("name") or f"{c.get('pre')} → {c.get('post')}", c.get("pre", ""), c.get("post", ""),
                     c.get("synapse", ""), how, _weight(c.get("weight"), unit), number(c.get("delay", 0.0))])
    if rows:
        parts.append(table(["connection", "from", "to", "synapse", "connectivity", "weight per spike",
                            "delay (ms)"], rows, numeric=[5, 6]))
        notes = {"current": "Current synapses (mV): g is a current in mV, and v moves towards v_rest + g.",
                 "conductance": "Conductance synapses (× g_leak): g is a conductance relative to the target's leak "
                                "conductance (0.05 is 5% of it), and pulls v towards the synapse's reversal "
                                "potential E."}
        used = " ".join(notes[kind] for kind in _WEIGHT_UNITS if kind in synapse_kinds.values())
        parts.append("<p class='nk-note'>Weight per spike: what one presynaptic spike adds to the synaptic variable "
                     f"g of its targets (a ± b: drawn per synapse, mean a and s.d. b). {esc(used)} Delay: from the "
                     "spike to its arrival, in ms (a whole number of time steps).</p>")
    return parts


def _histograms(stats: Mapping[str, PopulationStats], result: Any) -> Any:
    """One row per population: its neurons' rates (left) and CVs of ISI (right)."""
    fig = new_figure(8.0, 1.0 + 1.8 * len(stats))
    axes = fig.subplots(len(stats), 2, squeeze=False)
    for (left, right), s in zip(axes, stats.values()):
        color = _population_color(result, s.name, None, "simulation_report")
        left.hist(s.rates, bins=30, color=color)
        left.set_title(f"{s.name}: rate {s.rate_mean:.3g} ± {s.rate_std:.2g} Hz, {s.silent} silent", fontsize=9)
        left.set_xlabel("rate (Hz)", fontsize=8)
        left.set_ylabel("neurons", fontsize=8)
        if s.cvs.size:
            right.hist(s.cvs, bins=30, color=color)
            right.set_title(f"{s.name}: CV of ISI {s.cv_isi:.3g} over {s.cvs.size} neurons", fontsize=9)
        else:
            right.set_title(f"{s.name}: no neuron fired {MIN_ISI_SPIKES} spikes (no CV)", fontsize=9)
        right.set_xlabel("CV of ISI", fontsize=8)
    return fig


def _traces(result: Any, synapse_kinds: Mapping[str, str]) -> list[str]:
    """One figure per recorded population and variable: the first MAX_TRACES recorded neurons over time."""
    states = getattr(result, "states", None) or {}
    times = getattr(result, "state_times", None)
    which = getattr(result, "recorded_neurons", None) or {}
    parts = []
    for name, variables in states.items():
        for variable, values in variables.items():
            values = np.asarray(values, dtype=np.float64)
            if values.ndim != 2 or values.shape[0] == 0:
                continue
            t = np.asarray(times, dtype=np.float64) if times is not None and len(times) == values.shape[0] \
                else np.arange(values.shape[0], dtype=np.float64)
            indices = list(np.asarray(which.get(name, range(values.shape[1]))).tolist())
            shown = min(values.shape[1], MAX_TRACES)
            fig = new_figure(7.0, 2.8)
            ax = fig.subplots()
            for k in range(shown):
                ax.plot(t, values[:, k], linewidth=0.8, label=f"{name}[{indices[k] if k < len(indices) else k}]")
            kind = synapse_kinds.get(name)
            synapse = variable[2:] if variable.startswith("g_") else None
            if variable == "v":
                unit, what = "mV", " (the membrane potential, reset after each spike)."
            elif synapse is not None and kind == "conductance":
                unit, what = _WEIGHT_UNITS[kind], (f" (the conductance of synapse {synapse}, relative to the leak "
                                                   "conductance).")
            elif synapse is not None and kind == "current":
                unit, what = _WEIGHT_UNITS[kind], f" (the current of synapse {synapse}, in mV)."
            else:
                unit, what = None, "."
            ax.set_xlabel("time (ms)")
            ax.set_ylabel(f"{variable} ({unit})" if unit else variable)
            # beside the axes, not over the traces (a spike's reset reaches the top corners)
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
            ax.set_title(f"{name}.{variable}: {shown} of {values.shape[1]} recorded neurons", fontsize=9)
            parts.append(_figure(fig, f"{name}.{variable} over time for {shown} of the {values.shape[1]} recorded "
                                 f"neurons{what}"))
    return parts


def _in_words(s: PopulationStats) -> str:
    """What one population did, in a sentence for a learner."""
    never = f" ({s.silent} of them never fired)" if 0 < s.silent < s.n else ""
    text = f"{s.name}: its {s.n:,} neurons fired {s.rate_mean:.3g} spikes per second on average{never}"
    if s.cv_isi is not None:
        shape = ("regularly, like a clock" if s.cv_isi < 0.3 else "fairly regularly" if s.cv_isi < 0.7 else
                 "irregularly, about as a Poisson process would" if s.cv_isi <= 1.3 else "in bursts")
        text += (f"; they fired {shape} (CV of ISI {s.cv_isi:.2f}, over the {s.cvs.size:,} neurons with "
                 f"{MIN_ISI_SPIKES} spikes or more)")
    if s.synchrony is not None:
        together = ("independently of each other" if s.synchrony < 0.2 else "partly together"
                    if s.synchrony <= SYNCHRONY_LIMIT else "together, in synchrony")
        text += f" and {together} (χ {s.synchrony:.2f})"
    return text + "."


def simulation_report(result: Any, *, network: Any = None, title: str | None = None, bin_ms: float = 10.0) -> str:
    """The HTML page of a simulation: network, statistics, problems in plain words, raster, rates, traces.

    ``network``: the :class:`~neuronkit.spiking.simulation.Network` that ran (or its ``config()``)
    for the table of populations and connections; ``bin_ms``: the bins of the rate-over-time plot.
    The page stands alone (styles inline, figures as PNG data URIs). Needs matplotlib.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Network, PoissonGroup
    >>> from neuronkit.spiking.sim_report import simulation_report
    >>> net = Network(populations=[PoissonGroup(50, 20.0, name="drive")], seed=0)
    >>> page = simulation_report(net.run(100.0), network=net, title="drive alone")
    >>> page.startswith("<!DOCTYPE html>"), "<h1>drive alone</h1>" in page, "data:image/png;base64," in page
    (True, True, True)
    """
    _check_result(result, "simulation_report")
    bin_ms = check_number(bin_ms, "bin_ms", low=0.0, low_open=True, owner="simulation_report")
    config = _config(network)
    stats = population_stats(result)
    problems = simulation_problems(stats)
    heading = title or "neuronkit simulation"
    neurons = sum(int(info["n"]) for info in result.populations.values())
    duration = float(result.duration)
    wall = getattr(result, "wall_time", None)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(heading)}</title>"
             f"<style>{CSS}{_PAGE_CSS}</style></head><body><div class='nk-repr'>", f"<h1>{esc(heading)}</h1>"]
    dt = (config or {}).get("network", {}).get("dt")
    run = f"{duration:g} ms simulated" + (f" at dt = {number(dt)} ms" if dt is not None else "")
    if wall is not None:
        run += f" in {float(wall):.3g} s of wall time ({float(wall) * 1000.0 / duration:.3g} s per simulated s)"
    parts.append(f"<p>{len(result.populations)} populations, {neurons:,} neurons; {esc(run)}.</p>")
    if config is not None:
        parts.append("<h2>Network</h2>")
        parts += _network_tables(config, result)
    parts.append("<h2>Firing</h2>")
    rows = [[s.name, s.kind, s.n, s.spikes, f"{s.rate_mean:.4g}", f"{s.rate_std:.4g}", s.silent,
             "-" if s.cv_isi is None else f"{s.cv_isi:.3f}", "-" if s.synchrony is None else f"{s.synchrony:.3f}"]
            for s in stats.values()]
    classes = ["nk-bad" if any(p.startswith(f"population {s.name} ") for p in problems) else None
               for s in stats.values()]
    parts.append(table(["population", "kind", "neurons", "spikes", "mean rate (Hz)", "s.d. (Hz)", "silent",
                        "CV of ISI", "synchrony χ"], rows, numeric=range(2, 9), row_classes=classes))
    span = next(iter(stats.values())).span_ms if stats else duration
    parts.append(f"<p class='nk-note'>Rates are spikes per neuron over the whole run ({duration:g} ms), in Hz: mean "
                 f"and standard deviation across the neurons. CV of ISI: the standard deviation of a neuron's "
                 f"intervals between spikes over their mean (1: as irregular as a Poisson process; 0: a clock), "
                 f"averaged over the neurons with at least {MIN_ISI_SPIKES} spikes. Synchrony χ (Golomb): the "
                 f"variance of the population's spike count in {SYNCHRONY_BIN_MS:g} ms bins over the mean variance "
                 "of one neuron's — about 1/√N for independent neurons, 1 when all fire together. CV and χ are "
                 f"computed on the spikes recorded ({span:g} ms).</p>")
    parts += [f"<p>{esc(_in_words(s))}</p>" for s in stats.values() if s.kind != "input" and s.spikes]
    if problems:
        parts += [f'<div class="problem"><b>Problem:</b> {esc(p)}</div>' for p in problems]
    elif stats:
        parts.append('<div class="ok">No silent population, no runaway rates (all below '
                     f'{RUNAWAY_HZ:g} Hz), no synchronous population.</div>')
    if stats:
        parts.append("<h2>Activity</h2>")
        every = list(stats)
        parts.append(_figure(population_raster(result, populations=every),
                             "Spike raster: a dot for every spike (time, neuron), the populations stacked from the "
                             "bottom; excitatory blue, inhibitory red, inputs grey."))
        parts.append(_figure(rate_over_time(result, populations=every, bin_ms=bin_ms),
                             f"Firing rate of each population over time, in bins of {bin_ms:g} ms (Hz per neuron)."))
        parts.append(_figure(_histograms(stats, result),
                             "Left: how the neurons' rates spread; right: how irregular each neuron fires (CV of "
                             "ISI)."))
    traces = _traces(result, _kinds(config))
    if traces:
        parts.append("<h2>Recorded states</h2>")
        parts += traces
    parts.append("<p><small>Written by neuronkit.spiking.sim_report.</small></p></div></body></html>")
    return "\n".join(parts)


def write_simulation_report(result: Any, path: str | Path, *, network: Any = None, title: str | None = None,
                            bin_ms: float = 10.0) -> Path:
    """Write :func:`simulation_report` to ``path`` (atomically: a crash leaves the old file); returns the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from neuronkit.spiking.simulation import Network, PoissonGroup
    >>> from neuronkit.spiking.sim_report import write_simulation_report
    >>> res = Network(populations=[PoissonGroup(10, 20.0, name="drive")], seed=0).run(50.0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_simulation_report(res, pathlib.Path(folder) / "run.html")
    ...     path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    from ..io import atomic_write_text

    page = simulation_report(result, network=network, title=title, bin_ms=bin_ms)
    atomic_write_text(path, page)
    return Path(path)
