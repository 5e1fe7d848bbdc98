"""Pictures of the deeper views of a network (needs matplotlib: ``pip install "neuronkit[plot]"``).

As in :mod:`neuronkit.inspect.plots`, every function returns a :class:`matplotlib.figure.Figure`
(made with ``matplotlib.figure.Figure``, so it renders headless through Agg) and, given ``path``,
also writes it as a PNG, atomically. The one-panel pictures draw into a caller's ``ax`` when one is
given (and return its figure), so they can be panels of a larger figure.

* :func:`plot_contributions` — each hidden neuron's share of one prediction's evidence
  (:func:`~neuronkit.inspect.contributions`), the cumulative share, the neurons that carried 80 %
* :func:`plot_attribution_methods` — several attribution methods on the same samples: a row per
  method, one colour scale per sample, each panel's conservation (completeness) error
* :func:`plot_probes` — held-out and training accuracy of a linear probe per layer, and chance
* :func:`plot_polysemanticity` — the class entropy of each unit's top-k samples, neurons (and a
  sparse autoencoder's features)
* :func:`plot_sae_features` — the top-ranked autoencoder features' top-activating samples (images)
  or their class histograms
* :func:`plot_tcav` — concepts' TCAV scores against their random counterparts, with p values
* :func:`plot_cost` — multiply-adds (or synaptic operations) and energy per layer

>>> import neuronkit as nk
>>> fig = nk.inspect.plot_cost(nk.inspect.cost(nk.mlp([4, 8, 3], seed=0)))
>>> [len(ax.patches) for ax in fig.axes]         # two layers: their MACs, then their energy
[2, 2]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import figure_and_axes, finish_figure, new_figure
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..layers.counting import energy_text
from ..validation import check_array, check_consistent_length, check_int, check_number, must_be
from .concepts import TCAVResult
from .conductance import Contributions
from .cost import Cost
from .plots import (
    DIVERGING,
    MAX_NAMED_FEATURES,
    _as_image,
    _grid,
    _image_shape,
    _label_features,
    _symmetric_limit,
    feature_names_of,
)
from .probes import Polysemanticity, Probes, _labels
from .sae import SAEFeatures

#: the colours of the pictures: evidence for (red), against (blue), the few that carried it (dark red)
FOR, AGAINST, CARRIED, NEUTRAL = "#ee9988", "#0077bb", "#cc3311", "#999999"
#: one colour per attribution method when their bars stand side by side (Paul Tol's bright scheme)
METHOD_COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")


def _checked(value: Any, kind: type, name: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise ParameterTypeError(must_be(name, what, type(value).__name__))
    return value


# ------------------------------------------------------------------------------ contributions
def plot_contributions(contributions: Contributions, *, fraction: float = 0.8, limit: int = 20,
                       target_name: Any = None, ax: Any = None, path: str | Path | None = None) -> Any:
    """Each hidden neuron's share of one prediction's evidence: horizontal bars, largest first.

    A bar is the neuron's ``share`` of F(x) − F(baseline) in % (its layer conductance over the
    total; see :func:`~neuronkit.inspect.contributions`): dark red for the fewest neurons that
    carried ``fraction`` of the positive evidence (:meth:`Contributions.carried`), light red for the
    other neurons that argued for the target, blue for those that argued against it. The line (top
    axis) is the cumulative share of the positive evidence down the table, with ``fraction`` dashed.
    At most ``limit`` neurons are drawn (the largest |conductance|, in the table's order); the title
    says how many were left out. ``target_name`` names the target in the title (default: its index).

    >>> import numpy as np, neuronkit as nk
    >>> table = nk.inspect.contributions(nk.mlp([3, 5, 2], output="softmax", seed=0), [1.0, -0.5, 2.0], target=1)
    >>> fig = nk.inspect.plot_contributions(table)
    >>> len(fig.axes[0].patches), fig.axes[0].get_yticklabels()[0].get_text() == table.names[0]
    (5, True)
    """
    c = _checked(contributions, Contributions, "contributions", "a Contributions table (nk.inspect.contributions)")
    fraction = check_number(fraction, "fraction", low=0.0, high=1.0, low_open=True)
    limit = check_int(limit, "limit", low=1)
    shown = np.sort(np.argsort(-np.abs(c.conductance), kind="stable")[:limit])
    carried = set(c.carried(fraction))
    colours = [CARRIED if c.names[i] in carried else FOR if c.conductance[i] > 0 else
               AGAINST if c.conductance[i] < 0 else NEUTRAL for i in shown]
    fig, ax = figure_and_axes(ax, 6.0, 1.4 + 0.22 * len(shown), "plot_contributions")
    rows = np.arange(len(shown))
    ax.barh(rows, 100.0 * c.share[shown], color=colours)
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.set_yticks(rows, labels=[c.names[i] for i in shown], fontsize=7)
    ax.set_ylim(len(shown) - 0.5, -0.5)  # the largest contribution on top
    ax.set_xlabel("share of F(x) − F(baseline) (%)")
    positive = np.clip(c.conductance, 0.0, None)
    if positive.sum() > 0:
        cumulative = np.cumsum(positive) / positive.sum()
        top = ax.twiny()
        top.plot(100.0 * cumulative[shown], rows, color="black", marker=".", linewidth=1.0)
        top.axvline(100.0 * fraction, color="black", linestyle="--", linewidth=0.8)
        top.set_xlim(0.0, 105.0)
        top.set_xlabel("cumulative share of the evidence for the target (%)", fontsize=8)
    target = c.target if target_name is None else target_name
    left_out = len(c.names) - len(shown)
    ax.set_title(f"{c.layer} → {target}: {len(carried)} of {len(c.names)} neurons carried {fraction:.0%} of the "
                 f"evidence" + (f"\n({left_out} with small shares not drawn)" if left_out else ""), fontsize=9)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ attribution methods side by side
def _methods(attributions: Any, shape: tuple[int, ...]) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(name, values, delta or None) per method, each checked to be shaped like X."""
    if not isinstance(attributions, Mapping) or not attributions:
        raise ParameterTypeError(must_be("attributions", "a non-empty dict method name -> attributions shaped "
                                         "like X", type(attributions).__name__))
    out = []
    for name, values in attributions.items():
        array = check_array(values, f"attributions[{name!r}]", ndim=None, dtype=np.float64, finite=False,
                            min_samples=0)
        if array.shape != shape:
            raise ShapeError(f"attributions[{name!r}] has shape {array.shape}; every method's must be X's {shape}")
        delta = getattr(values, "delta", None)
        out.append((str(name), array, None if delta is None else np.abs(np.asarray(delta, dtype=np.float64))))
    return out


def plot_attribution_methods(attributions: Mapping[str, Any], X: Any, *, n: int = 4,
                             image_shape: tuple[int, int] | None = None, titles: list[str] | None = None,
                             feature_names: Any = None, path: str | Path | None = None) -> Any:
    """Several attribution methods on the same samples, side by side, with their conservation errors.

    ``attributions`` maps a method's name (its row label or legend entry) to its values shaped like X, e.g.
    ``{"integrated gradients": nk.inspect.attribute(net, X, "integrated_gradients"), "DeepLIFT":
    nk.inspect.deeplift(net, X)}``. Samples that form images (``image_shape``, or a square
    number of features >= 64) are drawn as images, each with a column below it: a row per
    method, its heat map on one symmetric colour scale per sample shared by every method (red
    raises the explained output, blue lowers it), the method's conservation error in the title.
    Other samples get a panel each: for every feature (named by ``feature_names``), the methods'
    bars side by side, one colour per method, the panel's title giving the largest
    conservation error and its method. The conservation error is what a method reports as
    ``delta``: the sum of its attributions minus what it must sum to (e.g. F(x) − F(x')). The
    first ``n`` samples are drawn; it lays out a grid of its own, so it takes no ``ax``.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([3, 4, 2], output="softmax", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(2, 3))
    >>> fig = nk.inspect.plot_attribution_methods({"IG": nk.inspect.attribute(net, X, "integrated_gradients"),
    ...                                           "DeepLIFT": nk.inspect.deeplift(net, X)}, X)
    >>> len(fig.axes), [len(ax.patches) for ax in fig.axes]       # 2 samples: 2 methods x 3 features each
    (2, [6, 6])
    """
    X = check_array(X, "X", dtype=np.float64)
    methods = _methods(attributions, X.shape)
    n = min(check_int(n, "n", low=1), len(X))
    if titles is not None and (not isinstance(titles, (list, tuple)) or len(titles) < n):
        raise ParameterError(must_be("titles", f"a list of at least {n} strings (one per sample shown)", titles))
    shape = _image_shape(X.shape[1], image_shape)
    names = feature_names_of(None, X.shape[1], feature_names)
    limits = [_symmetric_limit(np.stack([values[i] for _, values, _ in methods])) for i in range(n)]

    def panel_title(delta: np.ndarray | None, i: int, head: str = "") -> str:
        error = "" if delta is None else f"|Σ error| {delta[i]:.1g}"
        return "\n".join(part for part in (head, error) if part)

    heads = [titles[i] if titles else f"sample {i}" for i in range(n)]
    if shape is None:  # a panel per sample, the methods' bars side by side for each feature
        panel = min(8.0, max(3.0, 0.25 * len(methods) * X.shape[1] + 1.0))  # inches: wide enough, not unbounded
        fig = new_figure(panel * min(n, 2), 2.6 * ((n + 1) // 2) + 0.6)
        axes = fig.subplots((n + 1) // 2, min(n, 2), squeeze=False).ravel()
        width = 0.8 / len(methods)
        for i, ax in enumerate(axes[:n]):
            for j, (name, values, _) in enumerate(methods):
                ax.bar(np.arange(X.shape[1]) - 0.4 + width * (j + 0.5), values[i], width=width,
                       color=METHOD_COLOURS[j % len(METHOD_COLOURS)], label=name if i == 0 else None)
            ax.axhline(0.0, color="black", linewidth=0.5)
            ax.set_ylim(-1.05 * limits[i], 1.05 * limits[i])
            errors = [(float(delta[i]), name) for name, _, delta in methods if delta is not None]
            worst = "largest |Σ error| {:.1g} ({})".format(*max(errors)) if errors else ""
            ax.set_title("\n".join(part for part in (heads[i], worst) if part), fontsize=7)
            ax.set_xlabel("feature", fontsize=7)
            ax.tick_params(labelsize=7)
            if X.shape[1] <= MAX_NAMED_FEATURES:
                ax.set_xticks(np.arange(X.shape[1]))
            _label_features(ax, names, X.shape[1])
        for ax in axes[n:]:
            fig.delaxes(ax)
        axes[0].set_ylabel("attribution", fontsize=8)
        fig.legend(loc="outside lower center", ncols=min(len(methods), 6), fontsize=7)
        return finish_figure(fig, path)
    fig = new_figure(1.7 * n + 0.9, 1.6 * (len(methods) + 1) + 0.5)
    axes = fig.subplots(len(methods) + 1, n, squeeze=False)
    for i in range(n):
        axes[0, i].imshow(X[i].reshape(shape), cmap="gray_r", interpolation="nearest")
        axes[0, i].set_title(heads[i], fontsize=8)
        im = None
        for row, (_, values, delta) in enumerate(methods, start=1):
            im = axes[row, i].imshow(values[i].reshape(shape), cmap=DIVERGING, vmin=-limits[i], vmax=limits[i],
                                     interpolation="nearest")
            axes[row, i].set_title(panel_title(delta, i), fontsize=7)
        fig.colorbar(im, ax=list(axes[1:, i]), location="bottom", shrink=0.8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("input", fontsize=8)
    for row, (name, _, _) in enumerate(methods, start=1):
        axes[row, 0].set_ylabel(name, fontsize=8)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ probes
def plot_probes(probes: Probes, *, ax: Any = None, path: str | Path | None = None) -> Any:
    """Accuracy of a linear probe per layer, input side first: training (light) and held-out (dark) bars,
    the chance level (the most frequent class of the held-out part) dashed.

    A layer whose held-out accuracy is high holds the classes linearly separable; a drop from
    one layer to the next means that layer discarded what the probe needs (see
    :func:`~neuronkit.inspect.probe_layers`). A probe that did not converge is marked ``*``.

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 1] > 0).astype(int)
    >>> probes = nk.inspect.probe_layers(nk.mlp([2, 3, 2], seed=0), X, y)
    >>> fig = nk.inspect.plot_probes(probes)
    >>> len(fig.axes[0].patches)          # input, hidden1, output: training and held-out bars
    6
    """
    p = _checked(probes, Probes, "probes", "a Probes result (nk.inspect.probe_layers)")
    fig, ax = figure_and_axes(ax, 1.0 + 1.1 * len(p.rows), 3.4, "plot_probes")
    x = np.arange(len(p.rows))
    ax.bar(x - 0.2, [r.train_accuracy for r in p.rows], width=0.4, color="#99bbdd",
           label=f"training ({p.n_train} samples)")
    held = ax.bar(x + 0.2, [r.test_accuracy for r in p.rows], width=0.4, color="#225588",
                  label=f"held out ({p.n_test} samples)")
    for bar, row in zip(held, p.rows):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.01,
                f"{row.test_accuracy:.2f}" + ("" if row.converged else "*"), ha="center", va="bottom", fontsize=7)
    ax.axhline(p.chance, color="black", linestyle="--", linewidth=0.8, label=f"chance ({p.chance:.2f})")
    ax.set_xticks(x, labels=[f"{r.layer}\n({r.width})" for r in p.rows], fontsize=8)
    ax.set_ylim(0.0, 1.12)
    ax.set_xlabel("layer (width), input side first")
    ax.set_ylabel("linear probe accuracy")
    ax.set_title("how linearly decodable the classes are at each layer", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ polysemanticity
def _live_entropy(poly: Polysemanticity) -> np.ndarray:
    return np.asarray(poly.entropy[poly.alive], dtype=np.float64)


def plot_polysemanticity(polysemanticity: Polysemanticity, *, features: SAEFeatures | None = None, bins: int = 10,
                         ax: Any = None, path: str | Path | None = None) -> Any:
    """Histogram of the class entropy of each live unit's top-k samples (:func:`~neuronkit.inspect.polysemanticity`).

    0 bits: a unit's top samples all come from one class (monosemantic, as far as the classes
    tell); log2(C) bits: from all C classes equally. Bars are the share of the live units (dead
    units, active on no sample, are left out and counted in the legend), so populations of
    different sizes compare. With ``features`` (:func:`~neuronkit.inspect.sae_features`) the
    autoencoder's features are drawn beside the neurons; dashed lines mark the means.

    >>> import numpy as np, neuronkit as nk
    >>> s = nk.inspect.polysemanticity_scores(np.array([[1.0, 1.0], [0.0, 1.0]]), [0, 1], k=2)
    >>> fig = nk.inspect.plot_polysemanticity(s, bins=4)
    >>> [round(float(p.get_height()), 2) for p in fig.axes[0].patches]   # one unit at 0 bits, one at 1 bit
    [0.5, 0.0, 0.0, 0.5]
    """
    poly = _checked(polysemanticity, Polysemanticity, "polysemanticity",
                    "a Polysemanticity result (nk.inspect.polysemanticity)")
    if features is not None:
        _checked(features, SAEFeatures, "features", "an SAEFeatures result (nk.inspect.sae_features) or None")
    bins = check_int(bins, "bins", low=1)
    top = float(np.log2(len(poly.classes))) if len(poly.classes) > 1 else 1.0
    edges = np.linspace(0.0, top, bins + 1)
    layers = sorted({unit.partition("[")[0] for unit in poly.units})
    series = [(f"neurons of {', '.join(layers)}", poly, "#225588")]
    if features is not None:
        series.append((f"autoencoder features on {features.layer}", features.features, "#cc6677"))
    fig, ax = figure_and_axes(ax, 5.6, 3.4, "plot_polysemanticity")
    data, weights, labels = [], [], []
    for label, pop, _ in series:
        live = _live_entropy(pop)
        dead = len(pop.units) - len(live)
        data.append(live)
        weights.append(np.full(len(live), 1.0 / max(len(live), 1)))
        labels.append(f"{label}: {len(live)} live" + (f", {dead} dead" if dead else ""))
    ax.hist(data, bins=edges, weights=weights, label=labels, color=[colour for _, _, colour in series])
    for live, (_, _, colour) in zip(data, series):
        if len(live):
            ax.axvline(float(live.mean()), color=colour, linestyle="--", linewidth=1.0)
    ax.set_xlabel(f"class entropy of the top-{poly.k} samples (bits; 0 = one class, {top:.2g} = all "
                  f"{len(poly.classes)} equally)", fontsize=8)
    ax.set_ylabel("share of the live units")
    means = ", ".join(f"{float(live.mean()):.2f}" for live in data if len(live))
    ax.set_title(f"how many classes excite each unit most (mean {means} bits)", fontsize=9)
    ax.legend(fontsize=7)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ sparse autoencoder features
def plot_sae_features(features: SAEFeatures, X: Any, y: Any = None, *, n: int = 6, k: int = 8,
                      image_shape: tuple[int, int] | None = None, path: str | Path | None = None) -> Any:
    """The ``n`` top-ranked features of a sparse autoencoder (most class-selective first) and what excites them.

    ``X`` are the samples :func:`~neuronkit.inspect.sae_features` ran on (as given to it, e.g.
    unscaled). When they are images (``image_shape``, a square >= 64 features, or X (n, C, H, W))
    each feature is a row of its ``k`` top-activating samples, like
    :func:`~neuronkit.inspect.plot_top_activating` (with their class when ``y`` is given);
    otherwise each feature is a panel with the classes (of ``y``, required then) of its top-k
    samples. Row labels give the feature's class selectivity and preferred class. It lays out a
    grid of its own, so it takes no ``ax``.

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> net = nk.mlp([3, 4, 2], seed=0)
    >>> found = nk.inspect.sae_features(net, X, y, nk.inspect.train_sae(net, X, n_features=6, epochs=3), k=5)
    >>> fig = nk.inspect.plot_sae_features(found, X, y, n=2, k=5)
    >>> [len(ax.patches) for ax in fig.axes]           # one bar per class
    [2, 2]
    """
    f = _checked(features, SAEFeatures, "features", "an SAEFeatures result (nk.inspect.sae_features)")
    X = check_array(X, "X", ndim=None, dtype=np.float64)
    n = check_int(n, "n", low=1)
    k = check_int(k, "k", low=1)
    chosen = f.ranking[:n]
    if not chosen:
        raise ParameterError("the autoencoder has no live feature (none is active on any sample): train it longer "
                             "or with a smaller l1, then call sae_features again")
    last = max(int(f.top[name].max()) for name in chosen)
    if last >= len(X):
        raise ShapeError(f"the features' top samples go up to index {last} but X has {len(X)} samples; give the X "
                         "that sae_features ran on")
    labels = None
    if y is not None:
        check_consistent_length(X, np.asarray(y), names=("X", "y"))
        labels = np.asarray(y)
    sel = f.selectivity

    def row_label(name: str) -> str:
        return f"{name}\nsel. {sel[name]:.2f}, class {sel.preferred[sel.neurons.index(name)]}"

    shape = _image_shape(X.shape[1], image_shape) if X.ndim == 2 else X.shape[1:]
    if shape is not None:
        cols = min(k, max(len(f.top[name]) for name in chosen))
        fig = new_figure(1.2 * cols + 1.2, 1.3 * len(chosen) + 0.4)
        axes = fig.subplots(len(chosen), cols, squeeze=False)
        for row, name in enumerate(chosen):
            top = f.top[name][:cols]
            for j, ax in enumerate(axes[row]):
                ax.set_xticks([])
                ax.set_yticks([])
                if j >= len(top):
                    ax.axis("off")
                    continue
                sample = X[top[j]]
                ax.imshow(sample.reshape(shape) if X.ndim == 2 else _as_image(sample), cmap="gray_r",
                          interpolation="nearest")
                ax.set_title(f"#{top[j]}" + ("" if labels is None else f" ({labels[top[j]]})"), fontsize=7)
            axes[row, 0].set_ylabel(row_label(name), fontsize=7)
        fig.suptitle(f"autoencoder features on {f.layer}: their top-activating samples", fontsize=9)
        return finish_figure(fig, path)
    if labels is None:
        raise ParameterError(f"samples of {X.shape[1]} features are not images, so plot_sae_features draws the "
                             "classes of each feature's top samples: give y (or image_shape=(height, width))")
    index, classes = _labels(labels, len(X))
    rows, cols = _grid(len(chosen))
    fig = new_figure(2.6 * cols + 0.4, 2.2 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, chosen):
        top = f.top[name][:k]
        counts = np.bincount(index[top], minlength=len(classes))
        ax.bar(np.arange(len(classes)), counts, color="#cc6677")
        ax.set_xticks(np.arange(len(classes)), labels=[str(c) for c in classes], fontsize=7)
        ax.set_title(row_label(name).replace("\n", ": "), fontsize=7)
        ax.set_xlabel("class", fontsize=7)
        ax.set_ylabel(f"of its top {len(top)}", fontsize=7)
    for ax in axes[len(chosen):]:
        fig.delaxes(ax)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ TCAV
def plot_tcav(result: TCAVResult | Mapping[str, TCAVResult], *, ax: Any = None,
              path: str | Path | None = None) -> Any:
    """TCAV scores of one concept (or a dict name -> result) against their random counterparts.

    For each concept: on the left its null distribution (random set against random set, grey
    dots), on the right its scores against each random set (green when significant, orange when
    not), a bar at each mean, and the p value of their Welch t-test under the name (see
    :func:`~neuronkit.inspect.tcav`). A score of 0.5 is what an unrelated direction gives.

    >>> import numpy as np, neuronkit as nk
    >>> rng = np.random.default_rng(1)
    >>> r = nk.inspect.tcav(nk.mlp([2, 3, 2], seed=0), rng.normal(size=(12, 2)), rng.normal(size=(10, 2)),
    ...                     target=0)
    >>> fig = nk.inspect.plot_tcav({"shifted": r})
    >>> [len(c.get_offsets()) for c in fig.axes[0].collections]      # 20 random and 20 concept CAVs
    [20, 20]
    """
    if isinstance(result, TCAVResult):
        results = [("concept", result)]
    elif isinstance(result, Mapping) and result and all(isinstance(r, TCAVResult) for r in result.values()):
        results = [(str(name), r) for name, r in result.items()]
    else:
        raise ParameterTypeError(must_be("result", "a TCAVResult (nk.inspect.tcav) or a non-empty dict name -> "
                                         "TCAVResult", type(result).__name__))
    fig, ax = figure_and_axes(ax, 3.0 + 1.6 * len(results), 3.4, "plot_tcav")
    labels = []
    for i, (name, r) in enumerate(results):
        for centre, scores, colour in ((i - 0.2, r.random_scores, NEUTRAL),
                                       (i + 0.2, r.scores, "#228833" if r.significant else "#ee7733")):
            spread = np.linspace(-0.1, 0.1, len(scores)) if len(scores) > 1 else np.zeros(len(scores))
            ax.scatter(centre + spread, scores, s=10, color=colour)
            mean = float(np.mean(scores))
            ax.plot([centre - 0.14, centre + 0.14], [mean, mean], color="black", linewidth=1.5)
        labels.append(f"{name}\np = {r.p_value:.2g}" + (" *" if r.significant else ""))
    ax.axhline(0.5, color="black", linestyle=":", linewidth=0.6)
    ax.set_xticks(np.arange(len(results)), labels=labels, fontsize=8)
    ax.set_xlim(-0.6, len(results) - 0.4)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("TCAV score (share of X pushed up)", fontsize=8)
    first = results[0][1]
    if len(results) == 1:
        verdict = "significant" if first.significant else "not significant"
        title = (f"TCAV on {first.layer} for output {first.target}: {first.score:.2f} against random "
                 f"{first.random_scores.mean():.2f},\np = {first.p_value:.2g} ({verdict} at α = {first.alpha})")
    else:
        title = (f"TCAV on {first.layer} for output {first.target}:\neach concept (right) against random sets "
                 "(grey, left)")
    ax.set_title(title, fontsize=8)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ cost
def _log_needed(values: np.ndarray) -> bool:
    positive = values[values > 0]
    return len(positive) > 1 and float(positive.max()) > 100.0 * float(positive.min())


def plot_cost(cost: Cost, *, log: bool | None = None, ax: Any = None, path: str | Path | None = None) -> Any:
    """What each layer costs per prediction: multiply-adds (spiking layers: synaptic operations) and energy.

    Two bars per layer (layers that compute nothing and hold nothing, like Flatten, are left
    out): the operations on the left axis, the energy with the weights in SRAM (pJ, an order of
    magnitude: see :func:`~neuronkit.inspect.cost`) on the right axis. ``log``: log scales
    (default: when a layer's value is over 100 times another's).

    >>> import neuronkit as nk
    >>> fig = nk.inspect.plot_cost(nk.inspect.cost(nk.mlp([4, 8, 3], seed=0)))
    >>> [float(p.get_height()) for p in fig.axes[0].patches]     # 4·8 and 8·3 MACs
    [32.0, 24.0]
    """
    c = _checked(cost, Cost, "cost", "a Cost result (nk.inspect.cost)")
    layers = [lc for lc in c.layers.values() if lc.macs or lc.synops or lc.ops or lc.parameters]
    if not layers:
        raise ParameterError("this cost has no layer that computes or holds anything; nothing to draw")
    operations = np.array([lc.macs + lc.synops for lc in layers], dtype=np.float64)
    energy = np.array([lc.energy_pj for lc in layers], dtype=np.float64)
    spiking = any(lc.synops for lc in layers)
    fig, ax = figure_and_axes(ax, 3.0 + 1.0 * len(layers), 3.4, "plot_cost")
    x = np.arange(len(layers))
    what = "MACs + SynOps" if spiking else "MACs"
    ops_bars = ax.bar(x - 0.2, operations, width=0.4, color="#4477aa", label=f"{what} per prediction")
    right = ax.twinx()
    energy_bars = right.bar(x + 0.2, energy, width=0.4, color="#ee7733", label="energy (pJ, weights in SRAM)")
    for axis, values in ((ax, operations), (right, energy)):
        top = float(values.max()) if values.max() > 0 else 1.0
        if log if log is not None else _log_needed(values):
            axis.set_yscale("log")
            axis.set_ylim(top=top * 10.0)  # room for the legend above the bars
        else:
            axis.set_ylim(0.0, top * 1.3)
    ax.set_xticks(x, labels=[f"{lc.name}\n{lc.kind}" for lc in layers], fontsize=7)
    ax.set_ylabel(what)
    right.set_ylabel("energy (pJ)")
    ax.legend(handles=[ops_bars, energy_bars], fontsize=7, loc="upper right", ncols=2)
    total = f"{c.macs:,} MACs" + (f", {c.synops:,.0f} SynOps" if spiking else "")
    ax.set_title(f"cost per prediction: {total}, ~{energy_text(c.energy_pj)}\n(an order of magnitude: "
                 "Horowitz, 45 nm)", fontsize=8)
    return finish_figure(fig, path)
