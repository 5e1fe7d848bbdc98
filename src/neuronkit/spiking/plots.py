"""Pictures of spiking neurons over time (needs matplotlib: ``pip install "neuronkit[plot]"``).

* :func:`raster` — who fired when: a mark at (time, neuron) for every spike of one sample
* :func:`membrane_traces` — membrane potentials over time, with the threshold and the spikes marked
* :func:`rate_histogram` — each neuron's firing rate (spikes per step, or Hz given ``dt``) and how
  the rates are spread (silent and always-firing neurons counted)
* :func:`izhikevich_gallery` — the five cell types of Izhikevich (2003) answering a step of current
* :func:`population_raster` — a simulated network's spikes, one colour per population (excitatory
  blue, inhibitory red, as in the published CUBA figure), and :func:`rate_over_time` — each
  population's firing rate (Hz) in bins over the run: these two take what
  :meth:`Network.run <neuronkit.spiking.simulation.Network.run>` returns

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

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import figure_and_axes, finish_figure, new_figure
from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..validation import check_array, check_int, check_number, must_be
from .izhikevich import IZHIKEVICH_PRESETS, Izhikevich
from .record import record

__all__ = ["MAX_TRACES", "izhikevich_gallery", "membrane_traces", "raster", "rate_histogram",
           "CHANGE_COLOURS", "MAX_FIELDS", "weight_change_map", "weight_trajectories", "receptive_fields",
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
    fig, ax = figure_and_axes(ax, 6.0, 1.2 + 0.12 * min(one.shape[1], 40), owner)
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
    fig, ax = figure_and_axes(ax, 6.0, 3.0, owner)
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


# ------------------------------------------------------------------ plasticity (neuronkit.spiking.plasticity)
#: how many postsynaptic neurons :func:`weight_change_map` draws as images when ``neurons`` is not given
MAX_FIELDS = 100
#: the diverging colour map of weight changes: blue for depression, white for none, red for potentiation
CHANGE_COLOURS = "RdBu_r"


def _weight_change(before: Any, after: Any, layer: Any, owner: str) -> np.ndarray:
    """Δw (n_post, n_pre) from a learn() history (``weight_change``) or from two weight matrices."""
    if hasattr(before, "weight_change") and hasattr(before, "snapshots"):
        if after is not None:
            raise ParameterError(f"{owner}: give a learn() history alone, or the weights before and after; got a "
                                 f"history and after={type(after).__name__}")
        return np.asarray(before.weight_change(layer), dtype=np.float64)
    if after is None:
        raise ParameterError(f"{owner} needs the weights after learning: weight_change_map(before, after), or a "
                             "history from learn()")
    old = check_array(before.data if isinstance(before, Tensor) else before, "before", ndim=2, dtype=np.float64,
                      owner=owner)
    new = check_array(after.data if isinstance(after, Tensor) else after, "after", ndim=2, dtype=np.float64,
                      owner=owner)
    if old.shape != new.shape:
        raise ShapeError(f"{owner}: before has shape {old.shape} but after has {new.shape}; give the same layer's "
                         "weights (n_post, n_pre) twice")
    return new - old


def weight_change_map(before: Any, after: Any = None, *, layer: str | None = None, shape: Any = None,
                      neurons: Any = None, path: str | Path | None = None) -> Any:
    """The change of each weight, Δw = after - before, as an image (blue: depressed, red: potentiated).

    ``before`` and ``after`` are weight matrices ``(n_post, n_pre)`` (rows are the postsynaptic
    neurons, as ``SpikingDense.synapse.weight``), or ``before`` is the
    :class:`~neuronkit.spiking.plasticity.LearnHistory` of :func:`~neuronkit.spiking.plasticity.learn`
    (``layer`` picks the learning layer; default its first). The colour map is diverging and centred
    at 0 (its limits are ±max|Δw|). Without ``shape``: one image, a row per postsynaptic neuron and
    a column per input. With ``shape`` (e.g. ``(28, 28)``, whose product must be ``n_pre``): one
    small image per postsynaptic neuron, its incoming changes laid out as the input image (the
    first ``MAX_FIELDS`` = 100 neurons, or those listed in ``neurons``), with one colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plots import weight_change_map
    >>> before = np.zeros((2, 4)); after = np.array([[0.5, 0.0, -0.25, 0.0], [0.0, 0.0, 0.0, 1.0]])
    >>> fig = weight_change_map(before, after)
    >>> image = fig.axes[0].images[0]
    >>> image.get_array().tolist(), image.get_clim()
    ([[0.5, 0.0, -0.25, 0.0], [0.0, 0.0, 0.0, 1.0]], (-1.0, 1.0))
    >>> grid = weight_change_map(before, after, shape=(2, 2))        # each neuron's changes as a 2x2 image
    >>> grid.axes[1].images[0].get_array().tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    owner = "weight_change_map"
    change = _weight_change(before, after, layer, owner)
    n_post, n_pre = change.shape
    limit = float(np.abs(change).max()) if change.size else 0.0
    limit = limit if limit > 0 else 1.0
    changed = int(np.count_nonzero(change))
    title = f"Δw: {changed} of {change.size} weights changed, max |Δw| = {float(np.abs(change).max()):.3g}"
    if shape is None:
        fig, ax = figure_and_axes(None, 6.0, 1.5 + 0.15 * min(n_post, 30), owner)
        image = ax.imshow(change, cmap=CHANGE_COLOURS, vmin=-limit, vmax=limit, aspect="auto",
                          interpolation="nearest")
        ax.set_xlabel("presynaptic input")
        ax.set_ylabel("postsynaptic neuron")
        _integer_ticks(ax.yaxis)
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, label="Δw")
        return finish_figure(fig, path)
    if not isinstance(shape, (tuple, list)) or len(shape) != 2 or not all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in shape):
        raise ParameterTypeError(must_be("shape", "an image shape (height, width) such as (28, 28)", shape, owner))
    shape = tuple(int(s) for s in shape)
    if int(np.prod(shape)) != n_pre:
        raise ShapeError(f"{owner}: shape {shape} holds {int(np.prod(shape))} values but each neuron has {n_pre} "
                         "inputs; give the input's image shape")
    if neurons is None:
        chosen = list(range(min(n_post, MAX_FIELDS)))
    else:
        listed = [neurons] if isinstance(neurons, (int, np.integer)) and not isinstance(neurons, bool) else neurons
        if not isinstance(listed, (list, tuple, range, np.ndarray)) or len(listed) == 0:
            raise ParameterTypeError(must_be("neurons", "a neuron index or a non-empty list of them", neurons, owner))
        chosen = [check_int(i, "neurons", low=0, high=n_post - 1, owner=f"{owner} ({n_post} neurons)")
                  for i in listed]
    cols = int(np.ceil(np.sqrt(len(chosen))))
    rows = -(-len(chosen) // cols)
    fig = new_figure(1.3 * cols + 1.0, 1.3 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    image = None
    for ax, i in zip(axes, chosen):
        image = ax.imshow(change[i].reshape(shape), cmap=CHANGE_COLOURS, vmin=-limit, vmax=limit,
                          interpolation="nearest")
        ax.set_title(f"neuron {i}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(chosen):]:
        ax.set_axis_off()
    fig.suptitle(title, fontsize=9)
    fig.colorbar(image, ax=list(axes), label="Δw", shrink=0.8)
    return finish_figure(fig, path)


def weight_trajectories(history: Any, *, layer: str | None = None, synapses: Any = None, count: int = 8,
                        ax: Any = None, path: str | Path | None = None) -> Any:
    """Chosen weights over the steps of :func:`~neuronkit.spiking.plasticity.learn`, from its snapshots.

    ``synapses`` lists ``(post, pre)`` pairs; by default the ``count`` weights that changed the most.
    The x axis is the time in ms (snapshot step × the rule's ``dt``); take snapshots with
    ``learn(..., record_every=...)`` (without, only the first and last points exist).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import LearnHistory
    >>> from neuronkit.spiking.plots import weight_trajectories
    >>> h = LearnHistory(rule={"type": "stdp"}, layers=("s",), dt=0.5, snapshot_steps=[0, 10, 20],
    ...                  snapshots={"s": [np.zeros((1, 2)), np.array([[0.1, 0.0]]), np.array([[0.3, 0.0]])]},
    ...                  before={"s": np.zeros((1, 2))}, after={"s": np.array([[0.3, 0.0]])})
    >>> line = weight_trajectories(h, count=1).axes[0].lines[0]
    >>> line.get_xdata().tolist(), line.get_ydata().tolist(), line.get_label()
    ([0.0, 5.0, 10.0], [0.0, 0.1, 0.3], 'w[0, 0]')
    """
    owner = "weight_trajectories"
    if not hasattr(history, "snapshots") or not hasattr(history, "snapshot_steps"):
        raise ParameterTypeError(must_be("history", "the LearnHistory that learn() returns", type(history).__name__,
                                         owner))
    history.weight_change(layer)                                    # refuses a layer it did not learn
    name = layer if layer is not None else history.layers[0]
    stack = np.stack(history.snapshots[name])                       # (snapshots, n_post, n_pre)
    n_post, n_pre = stack.shape[1:]
    if synapses is None:
        count = check_int(count, "count", low=1, owner=owner)
        moved = np.abs(stack[-1] - stack[0]).ravel()
        order = np.argsort(-moved, kind="stable")[:count]
        pairs = [(int(k // n_pre), int(k % n_pre)) for k in order]
    else:
        if not isinstance(synapses, (list, tuple)) or not synapses:
            raise ParameterTypeError(must_be("synapses", "a non-empty list of (post, pre) pairs", synapses, owner))
        pairs = []
        for pair in synapses:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ParameterTypeError(must_be("synapses", "a list of (post, pre) pairs", synapses, owner))
            pairs.append((check_int(pair[0], "post", low=0, high=n_post - 1, owner=f"{owner} ({n_post} neurons)"),
                          check_int(pair[1], "pre", low=0, high=n_pre - 1, owner=f"{owner} ({n_pre} inputs)")))
    times = np.asarray(history.snapshot_steps, dtype=np.float64) * float(history.dt)
    fig, ax = figure_and_axes(ax, 6.0, 3.0, owner)
    for i, j in pairs:
        ax.plot(times, stack[:, i, j], linewidth=1.0, marker="." if len(times) < 30 else None, label=f"w[{i}, {j}]")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("weight")
    ax.set_title(f"{name}: {len(pairs)} weight{'s' if len(pairs) != 1 else ''} over {len(times)} snapshots",
                 fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return finish_figure(fig, path)


def receptive_fields(weights_or_model: Any, *, shape: tuple[int, int] | None = (28, 28), ncols: int | None = None,
                     labels: Any = None, path: str | Path | None = None) -> Any:
    """The learned input weights of each neuron as an image: a grid of tiles, one per neuron.

    ``weights_or_model`` is a weight matrix ``(neurons, inputs)`` (rows are neurons, as in
    :class:`~neuronkit.layers.Dense`), an array of images ``(neurons, H, W)``, or a network with a
    ``receptive_fields()`` method (e.g. :class:`~neuronkit.spiking.unsupervised.DiehlCook`, whose
    ``image_shape`` and neuron labels ``labels_`` are then used). ``shape`` is ``(H, W)`` of a tile
    for a weight matrix (``H·W`` must equal the inputs). ``ncols`` tiles per row (default: about a
    square grid). ``labels`` (one per neuron; -1 or ``None`` for none) go into the tiles' titles.
    Every tile shares one grey scale from 0 (or the smallest weight, if negative) to the largest
    weight, so a strong field looks strong; its pixels are the weights themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.spiking.plots import receptive_fields
    >>> weights = np.arange(12.0).reshape(3, 4)                 # 3 neurons, 2x2 pixels each
    >>> fig = receptive_fields(weights, shape=(2, 2), labels=[7, -1, 3])
    >>> fig.axes[0].images[0].get_array().tolist(), [ax.get_title() for ax in fig.axes[:3]]
    ([[0.0, 1.0], [2.0, 3.0]], ['0: 7', '1', '2: 3'])
    """
    owner = "receptive_fields"
    if hasattr(weights_or_model, "receptive_fields") and callable(weights_or_model.receptive_fields):
        model = weights_or_model
        values = np.asarray(model.receptive_fields(), dtype=np.float64)
        if labels is None and getattr(model, "labels_", None) is not None:
            classes = getattr(model, "classes_", None)
            labels = [None if label < 0 else (classes[label] if classes is not None else label)
                      for label in np.asarray(model.labels_)]
    else:
        values = check_array(weights_or_model, "weights", ndim=(2, 3), dtype=np.float64, owner=owner)
    if values.ndim == 2:
        if shape is None or len(shape) != 2 or values.shape[1] != int(shape[0]) * int(shape[1]):
            raise ShapeError(f"{owner}: shape must be (height, width) with height * width = the inputs per neuron "
                             f"({values.shape[1]}, weights of shape {values.shape}); got shape={shape!r}")
        values = values.reshape(len(values), int(shape[0]), int(shape[1]))
    neurons = len(values)
    if neurons == 0:
        raise ShapeError(f"{owner}: no neurons to draw (weights of shape {values.shape})")
    if labels is not None:
        labels = list(labels)
        if len(labels) != neurons:
            raise ShapeError(f"{owner}: labels must hold one label per neuron ({neurons}); got {len(labels)}")
    ncols = math.ceil(math.sqrt(neurons)) if ncols is None else check_int(ncols, "ncols", low=1, owner=owner)
    nrows = math.ceil(neurons / ncols)
    low, high = min(0.0, float(values.min())), float(values.max())
    fig = new_figure(0.2 + 0.9 * ncols, 0.5 + 1.0 * nrows)
    fig.set_layout_engine("none")  # a fixed grid: constrained layout takes seconds for 100 axes
    grid = fig.subplots(nrows, ncols, squeeze=False,
                        gridspec_kw={"left": 0.02, "right": 0.98, "bottom": 0.02, "top": 1 - 0.5 / (0.5 + nrows),
                                     "wspace": 0.1, "hspace": 0.3})
    for index, ax in enumerate(grid.ravel()):
        ax.set_axis_off()
        if index >= neurons:
            continue
        ax.imshow(values[index], cmap="gray_r", vmin=low, vmax=high if high > low else low + 1.0,
                  interpolation="nearest")
        label = None if labels is None else labels[index]
        has_label = label is not None and not (isinstance(label, (int, np.integer)) and label < 0)
        ax.set_title(f"{index}: {label}" if has_label else f"{index}", fontsize=7, pad=2)
    fig.suptitle(f"receptive fields of {neurons} neurons (weights, 0 = white, {high:.3g} = black)", fontsize=9)
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
    fig, ax = figure_and_axes(ax, 7.0, 2.0 + min(total, 400) / 160.0, owner)
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
    fig, ax = figure_and_axes(ax, 7.0, 2.6, owner)
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
