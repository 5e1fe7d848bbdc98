"""One self-contained HTML report of a model on data, plus its pictures as PNG files.

:func:`write_report` runs the health check, attribution, ablation and class
selectivity (and, for networks of feature vectors, contributions, several attribution
methods, probes, polysemanticity, optionally a sparse autoencoder and concepts), draws the
pictures of :mod:`neuronkit.inspect.plots` and :mod:`neuronkit.inspect.plots_understanding`, and writes
``report.html`` (images embedded as base64 data URIs, so the file stands alone)
and the PNGs into one folder. ``neuronkit inspect MODEL DATA`` calls it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError, ParameterTypeError
from ..io import atomic_write_text
from ..validation import check_int, must_be
from . import _report_sections as sections
from ._html import esc, img, table
from ._model import InspectedModel
from .concepts import TCAVResult
from .conductance import Contributions
from .probes import Polysemanticity, Probes
from .sae import SAEFeatures


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote: the ``html`` file, the ``images`` (name -> PNG path), the
    :class:`~neuronkit.inspect.HealthReport` (``health``) and any ``notes`` on skipped parts.

    The results behind the report's sections, None where a section was not made: ``contributions``
    (:class:`~neuronkit.inspect.Contributions` of the first sample), ``probes``
    (:class:`~neuronkit.inspect.Probes`), ``polysemanticity`` (a
    :class:`~neuronkit.inspect.Polysemanticity` of every hidden neuron), ``sae``
    (:class:`~neuronkit.inspect.SAEFeatures`, with ``features="sae"``) and ``concepts`` (concept name
    -> :class:`~neuronkit.inspect.TCAVResult`).
    """

    folder: Path
    html: Path
    images: dict[str, Path] = field(default_factory=dict)
    health: Any = None
    notes: list[str] = field(default_factory=list)
    contributions: Contributions | None = None
    probes: Probes | None = None
    polysemanticity: Polysemanticity | None = None
    sae: SAEFeatures | None = None
    concepts: dict[str, TCAVResult] | None = None

    def _picture(self, name: str, plot: Any, *args: Any, **kwargs: Any) -> Path:
        """Draw ``plot(*args, path=..., **kwargs)`` into ``NAME.png`` of the folder and list it in ``images``."""
        path = self.folder / f"{name}.png"
        plot(*args, path=path, **kwargs)
        self.images[name] = path
        return path


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; font-family: monospace; }
.problem { border-left: 4px solid #cc3311; padding: 0.3em 0.8em; margin: 0.6em 0; background: #fff5f2; }
.ok { border-left: 4px solid #228833; padding: 0.3em 0.8em; background: #f2fff4; }
figure { margin: 1em 0; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; }
.token { padding: 0.1em 0.25em; border-radius: 0.2em; }
"""


def write_report(model: Any, X: Any, y: Any = None, *, out_dir: str | Path, history: Any = None,
                 image_shape: tuple[int, int] | None = None, title: str | None = None,
                 attribution_samples: int = 8, top_neurons: int = 6, feature_names: Any = None,
                 vocabulary: Any = None, dt: float | None = None, features: str | None = None,
                 layer: str | None = None, sae_width: int | None = None, sae_l1: float | None = None, seed: int = 0,
                 concepts: Mapping[str, Any] | None = None, concept_target: Any = None) -> ReportFiles:
    """Inspect ``model`` on ``(X, y)`` and write ``report.html`` and PNG pictures into ``out_dir``.

    ``history`` (default: an estimator's ``history_``) gives the learning curves.
    ``image_shape`` draws samples as images (default: 8×8 for 64 features, any
    square >= 64). The report holds: the network summary; the health report
    with remedies; a per-neuron table (firing rate, dead/saturated, excitatory
    fraction, ablation Δloss, class selectivity); integrated-gradients
    attributions of the first ``attribution_samples`` samples; the
    ``top_neurons`` most important neurons' top-activating samples; and the
    pictures of activations, weights, gradient norms and learning curves.
    ``feature_names`` (one per column of X; default: an estimator's
    ``feature_names_in_``) name the features in the text and the pictures.
    Needs matplotlib (``pip install "neuronkit[plot]"``).

    An image network (X (n, C, H, W)) adds: its first convolution's filters as
    small images (``filters``), the feature maps of the first image
    (``feature_maps``), integrated-gradients heat maps over the images
    (``attributions``) and the top-activating patches of the first filters
    (``top_patches``). A text network (X token ids (n, L)) adds: each head's
    attention weights over the first text (``attention``, with an attention
    layer), each token of the first texts coloured by its integrated-gradients
    score, and (given ``vocabulary``, one word per id; default: a text
    estimator's tokenizer's) the words that excite the first hidden layer's
    neurons most. An estimator built from ``architecture=`` takes its inputs
    as it does: images (n, C, H, W) or flat rows, and texts.

    A spiking network (its first layer an encoder; an estimator with ``architecture="snn"``)
    gets its own report: the spiking health (rates, silent and always-firing neurons, synaptic
    operations against the ANN's multiply-accumulates) as tables, a spike raster of the first
    sample in every spiking layer (``raster``), the membrane traces of a few neurons of the
    first spiking layer on it (``membrane``: the most active ones that do not fire at every
    step, with the threshold), each spiking layer's firing-rate histogram (``rates_LAYER``) and
    the learning curves. ``dt`` (ms per step) gives times in ms and rates in Hz.

    A network of feature vectors gets the deeper views too, each a section of the page (its id in
    brackets) and its picture: which neurons of ``layer`` (default: the first hidden Dense layer)
    carried the first sample's prediction (``contributions``: layer conductance, the neurons that
    carried 80 % of the evidence); the first samples (at most 4 of ``attribution_samples``)
    explained by integrated gradients, DeepLIFT, LRP-ε, LRP-z⁺, GradientSHAP and, up to 16 features,
    KernelSHAP, with their conservation checks (``attribution-methods``; the SHAP background is 32
    samples drawn from X with ``seed``); for a classifier given y, linear probes per layer
    (``probes``) and the class entropy of every hidden neuron's top samples (``polysemanticity``, also
    a column of the neurons table). ``features="sae"`` trains a sparse autoencoder on ``layer``
    (``sae_width`` features, default 4 × its neurons; L1 weight ``sae_l1``; ``seed``), ranks its
    features and compares them with the neurons (``sae``). ``concepts`` (a dict name -> example
    inputs, at least 10 each) tests each concept with TCAV on ``layer`` for ``concept_target``
    (default: the most common predicted class) against 20 random sets drawn from X (``concepts``).
    Every report with a counting rule for its layers ends its health part with the cost per
    prediction (``cost``).

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> files = nk.inspect.write_report(net, X, y, out_dir=tempfile.mkdtemp())
    >>> files.html.name, files.health.dead
    ('report.html', ['hidden1[0]'])
    """
    from . import plots
    from .attribution import attribute
    from .health import health
    from .specialisation import ablate, class_selectivity

    m = InspectedModel(model, spiking=True)
    X = m.check_X(X)
    attribution_samples = check_int(attribution_samples, "attribution_samples", low=0)
    top_neurons = check_int(top_neurons, "top_neurons", low=1)
    options = sections.check_options(m, X, y, features=features, layer=layer, sae_width=sae_width, sae_l1=sae_l1,
                                     seed=seed, concepts=concepts, concept_target=concept_target)
    names = plots.feature_names_of(model, X.shape[1], feature_names) if m.flat else None
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ParameterTypeError(must_be("out_dir", "a folder path (str or pathlib.Path)", out_dir))
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"out_dir {str(folder)!r} is a file; give a folder for report.html and the pictures")
    folder.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(folder=folder, html=folder / "report.html")
    if m.is_spiking:
        return _spiking_report(m, model, X, y, files, history, title, dt)
    if dt is not None:
        raise ParameterError("write_report dt (the milliseconds of one time step) is for spiking networks; this "
                             "network has no spiking layer: leave dt out")
    report = health(model, X, y)
    files.health = report
    history = history if history is not None else getattr(model, "history_", None)
    shape = plots._image_shape(X.shape[1], image_shape) if m.flat else None

    ablation = None
    selectivity = None
    if y is not None and len(m.dense_layers()) > 1:
        ablation = ablate(model, X, y)
        if m.is_classifier:
            try:
                selectivity = class_selectivity(model, X, y)
            except ValueError as exc:
                files.notes.append(f"class selectivity skipped: {exc}")

    picture = files._picture
    picture("activations", plots.plot_activation_histograms, model, X)
    picture("weights", plots.plot_weights, model, feature_names=names)
    if report.gradients is not None:
        picture("gradients", plots.plot_gradient_norms, report)
    if history is not None and getattr(history, "history", {}).get("loss"):
        picture("learning_curves", plots.plot_learning_curves, history)
    n_attr = min(attribution_samples, len(X))
    ig = attribute(model, X[:n_attr], "integrated_gradients") if n_attr else None
    extra: list[str] = []
    if not m.flat:
        extra = _conv_and_text_parts(m, model, X, ig, files, picture, top_neurons, vocabulary)
    elif ig is not None:
        pred = ig.target
        assert pred is not None  # attribute() without neuron= always resolves one target per sample
        labels = [f"→ {m.label_of(int(t))}" for t in pred] if m.is_classifier else None
        picture("attributions", plots.plot_attributions, X[:n_attr], ig, image_shape=shape, titles=labels,
                feature_names=names)
    if shape is not None:
        if ablation is not None and ablation.rows:
            chosen = ablation.ranking[:top_neurons]
        else:
            first = m.dense_layers()[0][0]
            chosen = m.neuron_names(first)[:top_neurons]
        picture("top_activating", plots.plot_top_activating, model, X, chosen, k=8, image_shape=shape)

    costs = sections.cost_section(m.network, X, picture)
    deeper = _deeper_views(m, model, X, y, options, files, min(n_attr, sections.METHOD_SAMPLES), shape, names) \
        if m.flat and not m.is_text else []
    atomic_write_text(files.html, _html(m, X, report, ablation, selectivity, ig, files, title, names, extra,
                                        costs=costs, deeper=deeper))
    return files


def _deeper_views(m: InspectedModel, model: Any, X: np.ndarray, y: Any, options: sections.Options,
                  files: ReportFiles, n_methods: int, shape: tuple[int, int] | None,
                  names: list[str] | None) -> list[str]:
    """The sections on what a network of feature vectors computes and represents (their results go to ``files``)."""
    parts: list[str] = []
    if options.layer is not None:
        found, files.contributions = sections.contributions_section(m, model, X, options.layer, files._picture)
        parts += found
    if n_methods:
        parts += sections.attribution_methods_section(m, model, X, n_methods, options.seed, shape, names,
                                                      files._picture)
    if y is not None and m.is_classifier:
        found, files.probes = sections.probes_section(model, X, y, options.seed, files._picture, files.notes)
        parts += found
        if options.layer is not None:
            files.polysemanticity = sections.hidden_polysemanticity(m, X, y)
            parts += sections.polysemanticity_section(m, files.polysemanticity, files._picture)
    if options.features == "sae":
        found, files.sae = sections.sae_section(m, model, X, y, options, shape, files._picture)
        parts += found
    if options.concepts is not None:
        found, files.concepts = sections.concepts_section(m, model, X, options, files._picture)
        parts += found
    return parts


#: how many samples the spiking pictures run (the raster and traces show the first; the rates are over all of them)
SPIKING_SAMPLES = 256
#: how many membranes the spiking report draws
TRACES = 4


def _spiking_report(m: InspectedModel, model: Any, X: np.ndarray, y: Any, files: ReportFiles, history: Any,
                    title: str | None, dt: float | None) -> ReportFiles:
    """The report of a spiking network: its health, a raster, membrane traces and rate histograms."""
    from .._plotting import finish_figure, new_figure
    from ..engine import eval_mode, no_grad
    from ..spiking import plots as spike_plots
    from ..spiking.record import record
    from .health import health

    report = health(model, X, y, dt=dt)
    files.health = report
    layers = m.spiking_layers()
    shown = X[:SPIKING_SAMPLES]
    with eval_mode(), no_grad(), record(*(name for name, _ in layers)) as rec:
        m.network(m.spiking_input(shown))
    history = history if history is not None else getattr(model, "history_", None)
    if history is not None and getattr(history, "history", {}).get("loss"):
        from . import plots

        files._picture("learning_curves", plots.plot_learning_curves, history)
    spiking = [(name, layer) for name, layer in layers if "spikes" in rec[name]]
    if spiking:
        def rasters(path: Path) -> Any:
            fig = new_figure(6.0, 1.6 + 1.6 * len(spiking))
            for ax, (name, _) in zip(fig.subplots(len(spiking), 1, squeeze=False)[:, 0], spiking):
                spike_plots.raster(rec[name]["spikes"], sample=0, dt=dt, ax=ax)
                ax.set_title(f"{name}: {ax.get_title()}", fontsize=9)
            return finish_figure(fig, path)

        files._picture("raster", rasters)
        first, layer = spiking[0]
        lh = report.spiking_layers[first]
        order = [int(i) for i in np.argsort(-lh.firing_rate, kind="stable") if not lh.always_firing[i]]
        chosen = (order or list(range(lh.n_neurons)))[:TRACES]
        threshold = getattr(layer.neuron, "threshold", None)
        threshold = float(threshold) if isinstance(threshold, (int, float)) else None
        states = rec[first]
        if states["spikes"].ndim == 3:  # a dense layer: one membrane per neuron (a convolution's are per position)
            files._picture("membrane", spike_plots.membrane_traces, states, neurons=chosen, sample=0,
                           threshold=threshold, dt=dt)
        for name, _ in spiking:
            files._picture(f"rates_{name}", spike_plots.rate_histogram, rec[name]["spikes"], dt=dt)
    costs = sections.cost_section(model, shown, files._picture, spiking=True)  # an estimator's scaler applies
    atomic_write_text(files.html, _spiking_html(m, X, report, files, title, len(shown), costs))
    return files


def _spiking_html(m: InspectedModel, X: np.ndarray, report: Any, files: ReportFiles, title: str | None,
                  shown: int, costs: list[str]) -> str:
    net = m.network
    spiking = report.spiking_layers
    steps = next(iter(spiking.values())).steps
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title or 'neuronkit report')}"
             f"</title><style>{_CSS}</style></head><body>"]
    parts.append(f"<h1>{esc(title or 'neuronkit inspection report')}</h1>")
    what = f"{len(X)} samples × {X.shape[1]} features" if m.flat else f"{len(X)} images of shape {X.shape[1:]}"
    parts.append(f"<p>{what}; a spiking network over T = {steps} time steps: {len(spiking)} spiking layers, "
                 f"{net.num_parameters():,} parameters.</p>")
    parts.append(f"<pre>{esc(net.summary(input_shape=X.shape[1:]))}</pre>")
    parts.append("<h2>Neuron health</h2>")
    parts += _problems_html(report, "No silent or always-firing neurons and no vanishing or exploding gradients found.")
    hz = any(lh.dt is not None for lh in spiking.values())
    rows = []
    for lh in spiking.values():
        r = lh.firing_rate
        fires = lh.spikes
        rows.append([lh.name, lh.model + ("" if fires else " (membrane readout)"), lh.n_neurons,
                     f"{r.mean():.3f}" if fires else "-", f"{np.median(r):.3f}" if fires else "-",
                     f"{r.max():.3f}" if fires else "-", int(lh.silent.sum()) if fires else "-",
                     int(lh.always_firing.sum()) if fires else "-", f"{lh.synops:,.0f}", f"{lh.macs:,}",
                     "-" if lh.grad_norm is None else f"{lh.grad_norm:.3g}"])
    parts.append(table(["layer", "neuron model", "neurons", "mean rate", "median rate", "max rate", "silent",
                        "always firing", "SynOps/sample", "ANN MACs/sample", "‖∂L/∂W‖"], rows, "health"))
    synops, macs = report.synops or 0.0, report.ann_macs or 0
    parts.append(f"<p>Rates are spikes per time step (a neuron fires at most once per step), over the {steps} steps "
                 f"of all {report.n_samples} samples. Silent: no spike at all; always firing: a rate above "
                 f"{report.thresholds.always_firing_rate:.0%} of the steps (such a neuron fires whatever the input, "
                 f"so its spikes say little about it). Energy proxy: <b>{synops:,.0f}</b> synaptic operations per "
                 f"sample (each input spike times the neurons it reaches, summed over time: accumulates only) against "
                 f"<b>{macs:,}</b> multiply-accumulates for the same network run once as an ANN"
                 f"{f' ({synops / macs:.3g}×)' if macs else ''}.</p>")
    parts.append(f"<pre>{esc(report)}</pre>")
    parts += costs
    parts.append("<h2>Spiking activity</h2>")
    for name, caption in (("learning_curves", _CAPTIONS["learning_curves"]),
                          ("raster", "Spike raster of the first sample: a mark at (time, neuron) for every spike, "
                                     "one panel per spiking layer."),
                          ("membrane", "Membrane potentials of a few neurons of the first spiking layer on the first "
                                       "sample (the most active that do not fire at every step), with the threshold "
                                       "(dashed) and the spikes (dots).")):
        if name in files.images:
            parts.append(img(files.images[name], caption))
    for name in spiking:
        key = f"rates_{name}"
        if key in files.images:
            parts.append(img(files.images[key], f"Firing rates of {name} over the first {shown} samples: one bar "
                                                "per neuron (left) and their distribution (right)."))
    parts.append("<h2>Neurons</h2>")
    header = ["neuron", "rate (spikes/step)", *(["rate (Hz)"] if hz else []), "silent", "always firing",
              "excitatory", "balance"]
    rows = []
    for lh in spiking.values():
        if not lh.spikes:
            continue
        for i in range(lh.n_neurons):
            rows.append([f"{lh.name}[{i}]", f"{lh.firing_rate[i]:.3f}",
                         *([f"{lh.rate_hz[i]:.4g}"] if hz and lh.rate_hz is not None else ([""] if hz else [])),
                         "yes" if lh.silent[i] else "", "yes" if lh.always_firing[i] else "",
                         f"{lh.excitatory[i]:.2f}", f"{lh.balance[i]:+.2f}"])
    parts.append(table(header, rows, "neurons"))
    for note in files.notes:
        parts.append(f"<p><i>{esc(note)}</i></p>")
    parts.append("<p><small>Written by neuronkit.inspect.</small></p></body></html>")
    return "\n".join(parts)


def _conv_and_text_parts(m: InspectedModel, model: Any, X: np.ndarray, ig: Any, files: ReportFiles, picture: Any,
                         top_neurons: int, vocabulary: Any) -> list[str]:
    """The pictures (drawn now) and HTML sections of an image or a text network."""
    from . import plots
    from .specialisation import top_words

    parts: list[str] = []
    labels = None
    if ig is not None and m.is_classifier:
        assert ig.target is not None
        labels = [f"→ {m.label_of(int(t))}" for t in ig.target]
    if m.conv_layers() and not m.is_text:
        first = m.conv_layers()[0][0]
        picture("filters", plots.plot_filters, model, first)
        picture("feature_maps", plots.plot_feature_maps, model, X[0], first)
        if ig is not None:
            picture("attributions", plots.plot_image_attributions, X[:len(ig)], ig, titles=labels)
        chosen = m.neuron_names(first)[:top_neurons]
        picture("top_patches", plots.plot_top_patches, model, X, chosen, k=8)
        parts.append("<h2>Filters</h2>")
        parts += [img(files.images[n], _CAPTIONS[n].format(layer=first)) for n in ("filters", "feature_maps")]
        parts.append(img(files.images["top_patches"], _CAPTIONS["top_patches"]))
    if m.is_text:
        if vocabulary is None and m.tokenizer is not None:  # an estimator's own tokenizer names the ids
            vocabulary = m.tokenizer.vocabulary
        words = None if vocabulary is None else [str(w) for w in vocabulary]
        if any(getattr(layer, "takes_mask", False) and hasattr(layer, "num_heads")
               for layer in m.network.layers.values()):
            picture("attention", plots.plot_attention, model, X[0], vocabulary=words)
            parts.append("<h2>Attention</h2>")
            parts.append(img(files.images["attention"], _CAPTIONS["attention"]))
        if ig is not None:
            parts.append("<h2>Attribution over tokens</h2>")
            parts.append("<p>Integrated gradients of the predicted class's logit, per token (summed over the "
                         "embedding; baseline: the padding embedding): red words raise it, blue lower it.</p>")
            parts.append(_token_html(m, X[:len(ig)], np.asarray(ig, dtype=np.float64), words, labels))
        if words is not None:
            hidden = [name for name, _ in m.dense_layers()][:1]
            rows = []
            for name in hidden:
                for neuron in m.neuron_names(name)[:top_neurons]:
                    rows.append([neuron, ", ".join(top_words(model, neuron, words, k=8).words)])
            if rows:
                parts.append("<h2>Words that excite the neurons</h2>")
                parts.append("<p>Each neuron's potential on each one-word text, highest first.</p>")
                parts.append(table(["neuron", "words"], rows))
    if ig is not None and "attributions" in files.images:
        ok = "holds" if ig.completeness_ok else "does NOT hold (raise steps)"
        parts.append("<h2>Attribution</h2>")
        parts.append(f"<p>Completeness (attributions sum to f(x) − f(baseline)) {ok}: largest error "
                     f"{float(np.max(ig.completeness_error)):.3g}.</p>")
        parts.append(img(files.images["attributions"], _CAPTIONS["image_attributions"]))
    return parts


def _token_html(m: InspectedModel, ids: np.ndarray, scores: np.ndarray, words: list[str] | None,
                labels: list[str] | None) -> str:
    """Each text as its tokens, each on a background red (positive score) or blue (negative), padding left out."""
    masks = m.mask_of(ids)
    limit = float(np.max(np.abs(scores))) or 1.0
    lines = []
    for i, row in enumerate(ids):
        spans = []
        for t, token in enumerate(row):
            if masks is not None and not masks[i, t]:
                continue
            v = float(scores[i, t]) / limit
            colour = f"rgba(204, 51, 17, {v:.2f})" if v >= 0 else f"rgba(0, 119, 187, {-v:.2f})"
            text = words[token] if words is not None and 0 <= token < len(words) else str(token)
            spans.append(f'<span class="token" style="background: {colour}" title="{scores[i, t]:+.4g}">'
                         f"{esc(text)}</span>")
        head = f"{esc(labels[i])}: " if labels else ""
        lines.append(f"<p>{head}{' '.join(spans)}</p>")
    return "\n".join(lines)


def _feature_table(attributions: np.ndarray, names: list[str] | None, top: int = 10) -> str:
    """The features with the largest mean |attribution| over the samples shown, by name (else index)."""
    mean_abs = np.abs(attributions).mean(axis=0)
    mean = attributions.mean(axis=0)
    order = np.argsort(-mean_abs, kind="stable")[:top]
    label = (lambda i: names[i]) if names is not None else (lambda i: f"feature {i}")
    rows = [[label(int(i)), f"{mean_abs[i]:.4g}", f"{mean[i]:+.4g}"] for i in order]
    return ("<p>The features that moved the predictions most (mean over the samples above):</p>"
            + table(["feature", "mean |attribution|", "mean attribution"], rows))


_CAPTIONS = {
    "learning_curves": "Learning curves: loss (and accuracy) per epoch of training.",
    "activations": "Distribution of each layer's neuron outputs on the data (a spike at 0: silent ReLUs).",
    "weights": "Weight matrices: rows are neurons (layer[i]), columns their inputs; red excitatory (w > 0), "
               "blue inhibitory (w < 0), white 0.",
    "gradients": "Gradient norm ‖∂L/∂W‖ per layer on the data, input side first (log scale): a steep drop "
                 "towards the input means vanishing gradients.",
    "attributions": "Integrated gradients (baseline zeros, 50 steps) of the predicted class's logit: red pixels "
                    "raise it, blue lower it.",
    "top_activating": "The samples that excite the most important neurons (ranked by ablation) most; the number "
                      "is the neuron's output.",
    "filters": "The filters of {layer}: each kernel as a small image (red w > 0, blue w < 0; a filter's input "
               "channels side by side).",
    "feature_maps": "The feature maps of {layer} on the first image: each filter's output at every position.",
    "top_patches": "Each filter's top-activating image patches: the receptive field of its feature map's peak in "
                   "the images that excite it most (number: image index and peak value).",
    "image_attributions": "Integrated gradients (baseline the black image, 50 steps) of the predicted class's "
                          "logit, summed over channels: red pixels raise it, blue lower it.",
    "attention": "Each head's attention weights over the first text: row = token, column = the token it attends "
                 "to (darker = more).",
}


def _html(m: InspectedModel, X: np.ndarray, report: Any, ablation: Any, selectivity: Any, ig: Any,
          files: ReportFiles, title: str | None, names: list[str] | None = None, extra: list[str] | None = None, *,
          costs: list[str], deeper: list[str]) -> str:
    net = m.network
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title or 'neuronkit report')}"
             f"</title><style>{_CSS}</style></head><body>"]
    parts.append(f"<h1>{esc(title or 'neuronkit inspection report')}</h1>")
    if m.is_text:
        what = f"{len(X)} texts of {X.shape[1]} token ids"
    elif not m.flat:
        what = f"{len(X)} images of shape {X.shape[1:]}"
    else:
        what = f"{len(X)} samples × {X.shape[1]} features"
    parts.append(f"<p>{what}; {sum(1 for _ in m.dense_layers())} Dense layers, {len(m.conv_layers())} convolution "
                 f"layers, {net.num_parameters():,} parameters.</p>")
    if names is not None:
        shown = ", ".join(names[:40]) + (f", … ({len(names) - 40} more)" if len(names) > 40 else "")
        parts.append(f"<p>Features: {esc(shown)}</p>")
    # images: the summary with each layer's output shape and what a Dense layer would need instead of a convolution
    parts.append(f"<pre>{esc(net.summary() if m.is_text or m.flat else net.summary(input_shape=X.shape[1:]))}</pre>")

    parts.append("<h2>Neuron health</h2>")
    parts += _problems_html(report, "No dead, saturated or duplicate neurons and no vanishing or exploding gradients "
                                    "found.")
    parts.append(f"<pre>{esc(report)}</pre>")
    parts += _sparsity_html(report)
    parts += costs
    for name in ("learning_curves", "gradients", "activations", "weights"):
        if name in files.images:
            parts.append(img(files.images[name], _CAPTIONS[name]))

    parts.append("<h2>Neurons</h2>")
    deltas = {} if ablation is None else {r.neuron: r for r in ablation.rows}
    sel = {} if selectivity is None else {n: (selectivity.index[i], selectivity.preferred[i])
                                           for i, n in enumerate(selectivity.neurons)}
    poly = files.polysemanticity
    entropy = {} if poly is None else dict(zip(poly.units, poly.entropy))
    header = ["neuron", "activation", "firing rate", "mean output", "dead", "saturated", "excitatory",
              "balance", "Δ loss if silenced", "selectivity", "preferred class"]
    if poly is not None:
        header.append(f"class entropy (top-{poly.k})")
    rows = []
    for lh in report.layers.values():
        for i in range(lh.n_neurons):
            name = f"{lh.name}[{i}]"
            d = deltas.get(name)
            s = sel.get(name)
            h = entropy.get(name)
            rows.append([name, lh.activation, f"{lh.firing_rate[i]:.3f}", f"{lh.mean_activation[i]:.3g}",
                         "yes" if lh.dead[i] else "", "yes" if lh.saturated[i] else "", f"{lh.excitatory[i]:.2f}",
                         f"{lh.balance[i]:+.2f}", "" if d is None else f"{d.delta_loss:+.4f}",
                         "" if s is None else f"{s[0]:.3f}", "" if s is None else s[1]]
                        + ([] if poly is None else ["" if h is None or np.isnan(h) else f"{h:.2f}"]))
    parts.append("<p>Firing rate: fraction of samples with z &gt; 0. Excitatory: fraction of incoming weights "
                 "&gt; 0; balance (Σw⁺ − Σ|w⁻|)/Σ|w|. Δ loss: change in the loss when the neuron is silenced "
                 "(its output set to 0). Selectivity: (μ_max − μ_rest)/(μ_max + μ_rest) over class means."
                 + ("" if poly is None else f" Class entropy: of the classes of the {poly.k} samples that excite a "
                                            "hidden neuron most, in bits (see Polysemanticity below).") + "</p>")
    parts.append(table(header, rows, "neurons"))
    if ablation is not None:
        parts.append("<h2>Ablation: the most important neurons</h2>")
        parts.append(f"<pre>{esc(ablation.render(10))}</pre>")
    if selectivity is not None:
        parts.append("<h2>Class selectivity: the most selective neurons</h2>")
        parts.append(table(["neuron", "selectivity", "preferred class"],
                           [[n, f"{v:.3f}", c] for n, v, c in selectivity.top(10)]))
    if "top_activating" in files.images:
        parts.append("<h2>What the important neurons respond to</h2>")
        parts.append(img(files.images["top_activating"], _CAPTIONS["top_activating"]))
    parts += extra or []
    if m.flat and ig is not None and "attributions" in files.images:
        parts.append("<h2>Attribution</h2>")
        ok = "holds" if ig.completeness_ok else "does NOT hold (raise steps)"
        parts.append(f"<p>Completeness (attributions sum to f(x) − f(baseline)) {ok}: largest error "
                     f"{float(np.max(ig.completeness_error)):.3g}.</p>")
        parts.append(img(files.images["attributions"], _CAPTIONS["attributions"]))
        parts.append(_feature_table(np.asarray(ig, dtype=np.float64), names))
    parts += deeper
    for note in files.notes:
        parts.append(f"<p><i>{esc(note)}</i></p>")
    parts.append("<p><small>Written by neuronkit.inspect.</small></p></body></html>")
    return "\n".join(parts)



def _problems_html(report: Any, none_found: str) -> list[str]:
    """Each problem of a health report as a highlighted block with its remedy, or one line saying none was found."""
    if not report.problems:
        return [f'<div class="ok">{esc(none_found)}</div>']
    blocks = []
    for p in report.problems:
        neurons = f" <code>{esc(', '.join(p.neurons))}</code>" if p.neurons else ""
        blocks.append(f'<div class="problem"><b>{esc(p.kind)}</b> in <code>{esc(p.layer)}</code>: '
                      f"{esc(p.message)}{neurons}<br><i>Remedy:</i> {esc(p.remedy)}</div>")
    return blocks


def _sparsity_html(report: Any) -> list[str]:
    """The sparsity statistics of a health report as a table with the distribution of active shares (none: [])."""
    sparsity = getattr(report, "sparsity", {})
    if not sparsity:
        return []
    rows = []
    for st in sparsity.values():
        seen = np.flatnonzero(st.counts)
        spread = ", ".join(f"{st.shares[j]:.0%}: {int(st.counts[j])}" for j in seen[:12]) + (" …" if len(seen) > 12
                                                                                            else "")
        rows.append([st.name, st.feeds, st.neurons, f"{st.active_share:.1%}", f"{st.quantile(0.5):.1%}", spread,
                     f"{st.skipped_macs:,.1f} of {st.dense_macs:,}"])
    return ["<h3>Sparsity</h3>",
            "<p>Share of each hidden layer's neurons active (output not 0) per sample, as the next Dense layer reads "
            "them, and the multiply-adds per sample a sparse implementation would skip there (inactive inputs × the "
            "next layer's neurons).</p>",
            table(["layer", "feeds", "neurons", "active (mean)", "median", "samples by share active",
                    "skipped MACs/sample"], rows, "sparsity")]
