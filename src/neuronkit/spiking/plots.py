"""Pictures of spiking neurons over time (needs matplotlib: ``pip install "neuronkit[plot]"``).

* :func:`raster` — who fired when: a mark at (time, neuron) for every spike of one sample
* :func:`membrane_traces` — membrane potentials over time, with the threshold and the spikes marked
* :func:`rate_histogram` — each neuron's firing rate (spikes per step, or Hz given ``dt``) and how
  the rates are spread (silent and always-firing neurons counted)
* :func:`izhikevich_gallery` — the five cell types of Izhikevich (2003) answering a step of current
* :func:`population_raster` — a simulated network's spikes, one colour per population (excitatory
  blue, inhibitory red, as in the published CUBA figure)
* :func:`rate_over_time` — each population's firing rate (Hz) in bins over the run

(these two take what :meth:`Network.run <neuronkit.spiking.simulation.Network.run>` returns; the
others take arrays:)

Each takes an array, time first — ``(T, neurons)`` for one sample, ``(T, batch, ...)`` for a batch
(``sample=`` picks one; the trailing axes are the neurons, flattened) — or what a
:func:`~neuronkit.spiking.record` block holds for one layer (``rec["lif1"]``: its spikes
and its membrane). Each returns a :class:`matplotlib.figure.Figure` and, given ``path``, also
writes it as a PNG. As in :mod:`neuronkit.inspect.plots`, figures are made with
``matplotlib.figure.Figure`` (not pyplot): they render headless through Agg and leave the user's
backend alone; ``ax=`` draws into an axes of your own figure instead.

>>> import numpy as np
>>> from neuronkit.spiking.plots import raster
>>> spikes = np.array([[1, 0], [0, 1], [1, 1]])           # T = 3 steps, 2 neurons
>>> raster(spikes).axes[0].collections[0].get_offsets().tolist()   # (time step, neuron) per spike
[[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [2.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import finish_figure, new_figure
from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..validation import check_array, check_int, check_number, must_be
from .izhikevich import IZHIKEVICH_PRESETS, Izhikevich
from .record import record

__all__ = ["MAX_TRACES", "izhikevich_gallery", "membrane_traces", "raster", "rate_histogram",
           "POPULATION_COLORS", "population_raster", "rate_over_time"]

#: how many neurons :func:`membrane_traces` draws when ``neurons`` is not given (the first ones)
MAX_TRACES = 8
SPIKE_COLOUR = "#cc3311"


def _membrane_key(entry: Mapping[str, Any], owner: str) -> str:
    """The membrane in a recorded layer's states: the first state that is not ``spikes``."""
    keys = [key for key in entry if key != "spikes"]
    if not keys:
        raise ParameterError(f"{owner}: the recording holds only spikes (states: {', '.join(entry) or 'none'}); "
                             "give the membrane array itself")
    return "mem" if "mem" in keys else keys[0]


def _over_time(values: Any, name: str, owner: str) -> np.ndarray:
    """An array time first: (T,), (T, neurons) or (T, batch, ...), as float64."""
    if isinstance(values, Tensor):
        values = values.data
    if isinstance(values, Mapping):
        raise ParameterTypeError(f"{owner}: {name} is a dict of {', '.join(map(str, values))}; give one array "
                                 f"(e.g. rec[layer]['spikes'])")
    array = check_array(values, name, ndim=None, dtype=np.float64, finite=False, min_samples=0, owner=owner)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ShapeError(f"{owner}: {name} must have a time axis first, (T, neurons) or (T, batch, ...), with T >= 1; "
                         f"got shape {array.shape}")
    return array


def _one_sample(array: np.ndarray, sample: Any, name: str, owner: str) -> np.ndarray:
    """(T, neurons) of one sample: (T,) is one neuron, (T, N) one sample, (T, batch, ...) sample ``sample``."""
    if array.ndim == 1:
        return array[:, None]
    if array.ndim == 2:
        return array
    batch = array.shape[1]
    index = check_int(sample, "sample", low=0, high=batch - 1, owner=f"{owner} ({name} has {batch} samples)")
    return array[:, index].reshape(array.shape[0], -1)


def _integer_ticks(axis: Any) -> None:
    """Neuron indices on an axis: whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _time_axis(steps: int, dt: Any, owner: str) -> tuple[np.ndarray, str]:
    if dt is None:
        return np.arange(steps, dtype=np.float64), "time step"
    dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
    return np.arange(steps, dtype=np.float64) * dt, "time (ms)"


def _axes(ax: Any, width: float, height: float, owner: str) -> tuple[Any, Any]:
    if ax is None:
        fig = new_figure(width, height)
        return fig, fig.subplots()
    if not hasattr(ax, "figure") or not hasattr(ax, "scatter"):
        raise ParameterTypeError(must_be("ax", "a matplotlib Axes or None", ax, owner))
    return ax.figure, ax


def raster(spikes: Any, *, sample: int = 0, dt: float | None = None, ax: Any = None,
           path: str | Path | None = None) -> Any:
    """Spike raster of one sample: a mark at (time, neuron) for every spike (a nonzero entry).

    ``spikes``: ``(T, N)``, ``(T,)`` (one neuron) or ``(T, batch, ...)`` (``sample`` picks one; its
    trailing axes are flattened into N neurons), or a recorded layer (``rec["lif1"]``). The x axis
    is the step ``t`` (``0 .. T-1``), or ``t·dt`` in ms given ``dt``; the y axis the neuron index.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plots import raster
    >>> spikes = np.zeros((5, 2, 3)); spikes[4, 1, 2] = 1.0      # sample 1, neuron 2, step 4
    >>> fig = raster(spikes, sample=1, dt=0.5)
    >>> fig.axes[0].collections[0].get_offsets().tolist(), fig.axes[0].get_title()
    ([[2.0, 2.0]], 'sample 1: 1 spike from 3 neurons over 5 steps')
    """
    owner = "raster"
    if isinstance(spikes, Mapping):
        if "spikes" not in spikes:
            raise ParameterError(f"{owner}: the recording has no 'spikes' (states: {', '.join(spikes)})")
        spikes = spikes["spikes"]
    array = _over_time(spikes, "spikes", owner)
    one = _one_sample(array, sample, "spikes", owner) != 0
    times, xlabel = _time_axis(one.shape[0], dt, owner)
    steps, neurons = np.nonzero(one)
    fig, ax = _axes(ax, 6.0, 1.2 + 0.12 * min(one.shape[1], 40), owner)
    ax.scatter(times[steps], neurons.astype(np.float64), marker="|", s=40, color="black", linewidths=1.0)
    step = 1.0 if dt is None else float(dt)
    ax.set_xlim(-0.5 * step, (one.shape[0] - 0.5) * step)
    ax.set_ylim(-0.5, one.shape[1] - 0.5)
    _integer_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("neuron")
    count = int(one.sum())
    prefix = f"sample {sample}: " if array.ndim >= 3 else ""
    ax.set_title(f"{prefix}{count} spike{'s' if count != 1 else ''} from {one.shape[1]} neurons over "
                 f"{one.shape[0]} steps", fontsize=9)
    return finish_figure(fig, path)


def membrane_traces(mem: Any, *, neurons: Any = None, sample: int = 0, threshold: float | None = None,
                    spikes: Any = None, dt: float | None = None, ax: Any = None,
                    path: str | Path | None = None) -> Any:
    """Membrane potential over time, one line per neuron, with the threshold and the spikes marked.

    ``mem`` is shaped as :func:`raster`'s ``spikes``, or a recorded layer (``rec["lif1"]``; its
    membrane is ``"mem"``, else its first state, e.g. an Izhikevich neuron's ``"v"``; its
    ``"spikes"`` are marked unless ``spikes=False``). ``neurons``: an index or a list of them
    (default: the first ``MAX_TRACES`` = 8). ``threshold`` draws a dashed horizontal line.
    ``spikes`` (same shape as ``mem``) puts a dot on the trace at each step where the neuron fired.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plots import membrane_traces
    >>> mem = np.array([0.5, 0.95, 1.2, 0.2])                  # one neuron, subtract reset
    >>> fig = membrane_traces(mem, threshold=1.0, spikes=mem >= 1.0)
    >>> ax = fig.axes[0]
    >>> ax.lines[0].get_ydata().tolist(), ax.lines[1].get_ydata().tolist()   # the trace, the threshold
    ([0.5, 0.95, 1.2, 0.2], [1.0, 1.0])
    >>> ax.collections[0].get_offsets().tolist()                  # the spike: step 2, at its membrane
    [[2.0, 1.2]]
    """
    owner = "membrane_traces"
    if isinstance(mem, Mapping):
        entry = mem
        mem = entry[_membrane_key(entry, owner)]
        if spikes is None:
            spikes = entry.get("spikes")
    values = _over_time(mem, "mem", owner)
    trace = _one_sample(values, sample, "mem", owner)
    count = trace.shape[1]
    if neurons is None:
        chosen = list(range(min(count, MAX_TRACES)))
    else:
        listed = [neurons] if isinstance(neurons, (int, np.integer)) and not isinstance(neurons, bool) else neurons
        if not isinstance(listed, (list, tuple, range, np.ndarray)) or len(listed) == 0:
            raise ParameterTypeError(must_be("neurons", "a neuron index or a non-empty list of them", neurons, owner))
        chosen = [check_int(i, "neurons", low=0, high=count - 1, owner=f"{owner} ({count} neurons)") for i in listed]
    fired = None
    if spikes is not None and spikes is not False:
        spike_values = _over_time(spikes, "spikes", owner)
        if spike_values.shape != values.shape:
            raise ShapeError(f"{owner}: spikes has shape {spike_values.shape} but mem has {values.shape}; "
                             "give the spikes of the same layer and steps")
        fired = _one_sample(spike_values, sample, "spikes", owner) != 0
    if threshold is not None:
        threshold = check_number(threshold, "threshold", owner=owner)
    times, xlabel = _time_axis(trace.shape[0], dt, owner)
    fig, ax = _axes(ax, 6.0, 3.0, owner)
    for i in chosen:
        ax.plot(times, trace[:, i], linewidth=1.0, label=f"neuron {i}")
    if threshold is not None:
        ax.plot([times[0], times[-1]], [threshold, threshold], linestyle="--", color="grey", linewidth=1.0,
                label="threshold")
    if fired is not None:
        steps, which = np.nonzero(fired[:, chosen])
        columns = np.asarray(chosen)[which]
        ax.scatter(times[steps], trace[steps, columns], s=14, color=SPIKE_COLOUR, zorder=3, label="spike")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("membrane")
    if len(chosen) > 1 or threshold is not None or fired is not None:
        ax.legend(fontsize=7, loc="upper right")
    return finish_figure(fig, path)


def rate_histogram(spikes: Any, *, dt: float | None = None, bins: int = 20, path: str | Path | None = None) -> Any:
    """Each neuron's firing rate (left: one bar per neuron) and how the rates spread (right: a histogram).

    The rate of a neuron is its spike count over all steps and all samples divided by the steps
    ``T·batch`` (spikes per step, between 0 and 1), or, given ``dt`` (the ms one step covers),
    ``1000 / dt`` times that (Hz). ``spikes``: ``(T, N)``, ``(T,)`` or ``(T, batch, ...)`` (the
    trailing axes are the neurons), or a recorded layer. The title counts the silent neurons
    (rate 0) and the always-firing ones (a spike at every step).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plots import rate_histogram
    >>> spikes = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])   # T = 4, 3 neurons
    >>> fig = rate_histogram(spikes)
    >>> [float(bar.get_height()) for bar in fig.axes[0].patches]            # 2/4, 0/4, 4/4
    [0.5, 0.0, 1.0]
    >>> fig.axes[1].get_title()
    '3 neurons: 1 silent, 1 always firing'
    """
    owner = "rate_histogram"
    if isinstance(spikes, Mapping):
        if "spikes" not in spikes:
            raise ParameterError(f"{owner}: the recording has no 'spikes' (states: {', '.join(spikes)})")
        spikes = spikes["spikes"]
    array = _over_time(spikes, "spikes", owner) != 0
    per_neuron = array.reshape(array.shape[0], -1) if array.ndim <= 2 else \
        array.reshape(array.shape[0] * array.shape[1], -1)                    # (T·batch, N)
    per_step = per_neuron.mean(axis=0)
    bins = check_int(bins, "bins", low=1, owner=owner)
    if dt is None:
        rates, unit = per_step, "spikes / step"
    else:
        rates, unit = per_step * (1000.0 / check_number(dt, "dt", low=0.0, low_open=True, owner=owner)), "Hz"
    silent, always = int(np.sum(per_step == 0.0)), int(np.sum(per_step == 1.0))
    fig = new_figure(9.0, 3.0)
    left, right = fig.subplots(1, 2)
    left.bar(np.arange(len(rates)), rates, color="#4477aa", width=0.8)
    left.set_xlabel("neuron")
    _integer_ticks(left.xaxis)
    left.set_ylabel(f"firing rate ({unit})")
    left.set_title(f"rate per neuron (mean {rates.mean():.3g} {unit})", fontsize=9)
    top = float(rates.max()) if rates.size and rates.max() > 0 else 1.0
    right.hist(rates, bins=bins, range=(0.0, top), color="#4477aa")
    right.set_xlabel(f"firing rate ({unit})")
    right.set_ylabel("neurons")
    right.set_title(f"{len(rates)} neurons: {silent} silent, {always} always firing", fontsize=9)
    return finish_figure(fig, path)


def izhikevich_gallery(*, current: float = 10.0, rest_ms: float = 20.0, duration_ms: float = 300.0,
                       dt: float = 0.05, path: str | Path | None = None) -> Any:
    """The five cell types of Izhikevich (2003) answering a step of current: the paper's Fig. 2.

    Each neuron (:data:`~neuronkit.spiking.izhikevich.IZHIKEVICH_PRESETS`) starts at rest
    (v = -65 mV, u = b·v), gets I = 0 for ``rest_ms`` and then ``current`` (the paper's 10) until
    ``duration_ms``, simulated with half step ``dt`` (0.05: 0.1 ms per step). One panel per cell
    type draws ``v`` (mV) against time (ms), spikes reaching +30 mV; the bottom panel the current.

    Examples
    --------
    >>> from neuronkit.spiking.plots import izhikevich_gallery
    >>> fig = izhikevich_gallery(duration_ms=60.0)
    >>> [ax.get_title().split(" (")[0] for ax in fig.axes[:5]]
    ['regular spiking', 'intrinsically bursting', 'chattering', 'fast spiking', 'low threshold spiking']
    >>> float(fig.axes[0].lines[0].get_ydata().max())          # a spike, drawn at its peak
    30.0
    """
    owner = "izhikevich_gallery"
    current = check_number(current, "current", owner=owner)
    dt = check_number(dt, "dt", low=0.0, low_open=True, owner=owner)
    duration_ms = check_number(duration_ms, "duration_ms", low=0.0, low_open=True, owner=owner)
    rest_ms = check_number(rest_ms, "rest_ms", low=0.0, high=duration_ms, owner=owner)
    step_ms = 2.0 * dt
    steps = int(round(duration_ms / step_ms))
    if steps < 1:
        raise ParameterError(f"{owner}: duration_ms = {duration_ms} is shorter than one step ({step_ms} ms); "
                             "give a longer duration or a smaller dt")
    currents = np.zeros((steps, 1, 1))
    currents[int(round(rest_ms / step_ms)):] = current
    times = np.arange(steps) * step_ms
    names = IZHIKEVICH_PRESETS.names()
    abbreviations = {name: alias for alias, name in IZHIKEVICH_PRESETS.aliases.items()}
    fig = new_figure(7.0, 1.5 * len(names) + 1.0)
    axes = fig.subplots(len(names) + 1, 1, sharex=True, height_ratios=[3] * len(names) + [1])
    for ax, name in zip(axes, names):
        neuron = Izhikevich.preset(name, dt=dt, name=name)
        with record(neuron) as rec:
            neuron(currents)
        ax.plot(times, rec[name]["v"][:, 0, 0], color="black", linewidth=0.8)
        ax.set_title(f"{name.replace('_', ' ')} ({abbreviations.get(name, name)}): a={neuron.a:g}, b={neuron.b:g}, "
                     f"c={neuron.c:g}, d={neuron.d:g}", fontsize=8)
        ax.set_ylabel("v (mV)", fontsize=8)
        ax.set_ylim(-90.0, 40.0)
    axes[-1].plot(times, currents[:, 0, 0], color="#4477aa", linewidth=1.0)
    axes[-1].set_ylabel("I", fontsize=8)
    axes[-1].set_xlabel("time (ms)")
    return finish_figure(fig, path)


# ---------------------------------------------------------------------------- populations of a simulation
#: the colour of each kind of population in :func:`population_raster` and :func:`rate_over_time`: excitatory blue
#: and inhibitory red, as in the published CUBA figure (Vogels & Abbott 2005; Brian2's ``examples/CUBA.py``)
POPULATION_COLORS = {"excitatory": "tab:blue", "inhibitory": "tab:red", "input": "tab:gray"}


def _chosen_populations(result: Any, populations: Any, owner: str) -> list[str]:
    """The populations to draw, in the network's order: those named, or every recorded one that is not an input
    (every recorded one if all are inputs)."""
    recorded = [name for name in result.populations if name in result.spikes]
    if populations is None:
        chosen = [name for name in recorded if result.populations[name].get("kind") != "input"] or recorded
        if not chosen:
            raise ParameterError(f"{owner}: the result holds no spikes (none were recorded); run the network with "
                                 "spikes=True")
        return chosen
    listed = [populations] if isinstance(populations, str) else populations
    if not isinstance(listed, (list, tuple)) or not listed:
        raise ParameterTypeError(must_be("populations", "a population name or a non-empty list of them", populations,
                                         owner))
    for name in listed:
        if name not in result.populations:
            raise ParameterError(must_be("populations", "names of the network's populations ("
                                         + ", ".join(result.populations) + ")", name, owner))
        if name not in result.spikes:
            raise ParameterError(f"{owner}: the spikes of population {name!r} were not recorded (recorded: "
                                 f"{', '.join(recorded) or 'none'}); run with spikes=True or name it in spikes=[...]")
    return [name for name in result.populations if name in listed]


def _recorded_span(result: Any) -> tuple[float, float]:
    """(start, end) in ms of what the monitors hold: the run, or its last ``window`` ms."""
    end = float(getattr(result, "t_start", 0.0)) + float(result.duration)
    return float(getattr(result, "record_start", end - float(result.duration))), end


def _population_color(result: Any, name: str, colors: Any, owner: str) -> Any:
    """A population's colour: ``colors[name]``, else ``colors[kind]``, else the default of its kind."""
    table = POPULATION_COLORS if colors is None else colors
    if not isinstance(table, Mapping):
        raise ParameterTypeError(must_be("colors", "a dict of population kind or name -> colour", colors, owner))
    kind = result.populations[name].get("kind")
    return table.get(name, table.get(kind, POPULATION_COLORS.get(kind, "black")))


def population_raster(result: Any, *, populations: Any = None, colors: Mapping[str, Any] | None = None,
                      max_neurons: int | None = None, ax: Any = None, path: str | Path | None = None) -> Any:
    """Spike raster of a simulation: a dot at (time in ms, neuron) for every spike, one colour per population.

    ``result`` is what :meth:`Network.run <neuronkit.spiking.simulation.Network.run>` returns: its
    ``spikes[name]`` are ``(times_ms (k,), indices (k,))``. The populations are stacked from the
    bottom in the network's order: population ``j``'s neuron ``i`` is drawn at ``y = i +`` the
    neurons drawn below it (CUBA: excitatory 0..3199, inhibitory 3200..3999, as in Brian2's
    figure). ``populations``: names to draw (default every recorded population but the inputs);
    ``colors``: population kind or name -> colour (default :data:`POPULATION_COLORS`: excitatory
    blue, inhibitory red); ``max_neurons``: draw only the first ``max_neurons`` of each population.
    One scatter per population (``ax.collections[j]``), labelled ``"name (kind, n)"``.

    Examples
    --------
    >>> from neuronkit.spiking.simulation import Connection, Network, PoissonGroup, Population
    >>> from neuronkit.spiking.plots import population_raster
    >>> drive = PoissonGroup(20, 100.0, name="drive")
    >>> exc = Population(8, name="exc")
    >>> net = Network(populations=[drive, exc], connections=[Connection(drive, exc, weight=4.0, p=0.5)], seed=1)
    >>> res = net.run(50.0)
    >>> fig = population_raster(res)
    >>> dots = fig.axes[0].collections[0].get_offsets()        # (time, neuron) of every spike of exc
    >>> len(dots) == len(res.spikes["exc"][0]), fig.axes[0].collections[0].get_label()
    (True, 'exc (excitatory, 8)')
    """
    owner = "population_raster"
    names = _chosen_populations(result, populations, owner)
    if max_neurons is not None:
        max_neurons = check_int(max_neurons, "max_neurons", low=1, owner=owner)
    sizes = {name: int(result.populations[name]["n"]) for name in names}
    shown = {name: sizes[name] if max_neurons is None else min(sizes[name], max_neurons) for name in names}
    total = sum(shown.values())
    fig, ax = _axes(ax, 7.0, 2.0 + min(total, 400) / 160.0, owner)
    dot = 0.8 if total > 1000 else 3.0 if total > 100 else 12.0
    offset, count = 0, 0
    for name in names:
        times, indices = (np.asarray(a) for a in result.spikes[name])
        keep = indices < shown[name]
        kind = result.populations[name].get("kind", "")
        ax.scatter(times[keep].astype(np.float64), (indices[keep] + offset).astype(np.float64), s=dot, marker="o",
                   linewidths=0, color=_population_color(result, name, colors, owner),
                   label=f"{name} ({kind}, {sizes[name]})")
        offset += shown[name]
        count += int(keep.sum())
    duration = float(result.duration)
    ax.set_xlim(*_recorded_span(result))
    ax.set_ylim(-0.5, total - 0.5)
    _integer_ticks(ax.yaxis)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.legend(fontsize=7, loc="upper right", markerscale=(30.0 / dot) ** 0.5, framealpha=0.8)
    ax.set_title(f"{count} spike{'s' if count != 1 else ''} from {total} neurons over {duration:g} ms", fontsize=9)
    return finish_figure(fig, path)


def rate_over_time(result: Any, *, populations: Any = None, bin_ms: float = 10.0,
                   colors: Mapping[str, Any] | None = None, ax: Any = None, path: str | Path | None = None) -> Any:
    """The firing rate of each population over time: one line per population, in Hz per neuron.

    Each line is ``result.rate_over_time(name, bin_ms=bin_ms)``: the spikes of the population in
    each bin of ``bin_ms`` ms, divided by its neurons and the bin's length in seconds, drawn at the
    bin centres. ``populations`` and ``colors`` as in :func:`population_raster` (default: every
    recorded population but the inputs; excitatory blue, inhibitory red).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.simulation import Network, PoissonGroup
    >>> from neuronkit.spiking.plots import rate_over_time
    >>> res = Network(populations=[PoissonGroup(100, 20.0, name="drive")], seed=0).run(200.0)
    >>> line = rate_over_time(res, bin_ms=50.0).axes[0].lines[0]
    >>> line.get_xdata().tolist()                                   # the bin centres (ms)
    [25.0, 75.0, 125.0, 175.0]
    >>> bool(np.allclose(line.get_ydata(), res.rate_over_time("drive", bin_ms=50.0)[1]))
    True
    """
    owner = "rate_over_time"
    names = _chosen_populations(result, populations, owner)
    bin_ms = check_number(bin_ms, "bin_ms", low=0.0, low_open=True, owner=owner)
    fig, ax = _axes(ax, 7.0, 2.6, owner)
    for name in names:
        centres, hz = result.rate_over_time(name, bin_ms=bin_ms)
        ax.plot(np.asarray(centres, dtype=np.float64), np.asarray(hz, dtype=np.float64), linewidth=1.2,
                color=_population_color(result, name, colors, owner), label=name)
    ax.set_xlim(*_recorded_span(result))
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz per neuron)")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(f"population rates in bins of {bin_ms:g} ms", fontsize=9)
    return finish_figure(fig, path)
