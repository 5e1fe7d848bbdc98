"""The report's sections on what a network computes and represents (used by :func:`~.report.write_report`).

Each section function computes its view with the public inspection functions, draws its pictures
through ``picture(name, plot_fn, *args, **kwargs)`` (which writes ``NAME.png`` and returns its
path) and returns the HTML parts of a ``<section id=...>``, with the result objects the report
hands back. :func:`check_options` validates write_report's keyword options before any work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, MissingDependencyError, ParameterError
from ..layers import Dense
from ..validation import check_int, check_number, must_be
from ._html import esc, img, section, table
from ._model import InspectedModel
from .attribution import Attribution, attribute
from .concepts import MIN_EXAMPLES, TCAVResult, tcav
from .conductance import Contributions, contributions
from .cost import cost
from .plots_understanding import (
    plot_attribution_methods,
    plot_contributions,
    plot_cost,
    plot_polysemanticity,
    plot_probes,
    plot_sae_features,
    plot_tcav,
)
from .probes import Polysemanticity, Probes, _dense_values, polysemanticity_scores, probe_layers
from .relevance import deeplift, lrp
from .sae import SAEFeatures, sae_features, train_sae
from .shap import gradient_shap, kernel_shap

#: ``picture(name, plot_fn, *args, **kwargs)``: draw, write ``NAME.png`` into the report's folder, return its path
Picture = Callable[..., Path]

#: the most samples the attribution-methods figure compares
METHOD_SAMPLES = 4
#: the background rows (drawn from X with the seed) the SHAP estimators average absent features over
BACKGROUND = 32
#: KernelSHAP runs only up to this many features (its cost grows with the coalitions of the features)
KERNEL_SHAP_FEATURES = 16
#: each unit's top samples whose classes the polysemanticity measure counts
TOP_K = 20
#: the fraction of the evidence the contributions section names the neurons for
CARRIED = 0.8
#: the SAE section calls features and neurons "about as" monosemantic when their means differ by at most this share
SAME = 0.05
#: the SAE section draws this many top-ranked features, each with this many of its top samples
SAE_SHOWN, SAE_SAMPLES = 4, 6


@dataclass
class Options:
    """write_report's options for these sections, checked: the hidden Dense ``layer`` they read (None when
    the network has none), the autoencoder's settings, the concept sets and the TCAV target (an index)."""

    features: str | None
    layer: str | None
    sae_width: int | None
    sae_l1: float | None
    seed: int
    concepts: dict[str, np.ndarray] | None
    concept_target: int | None


def hidden_layers(m: InspectedModel) -> list[str]:
    """The Dense layers before the output layer (the ones with hidden neurons)."""
    names = list(m.network.layers)
    return [name for name, _ in m.dense_layers() if name != names[-1]]


def _hidden_layer(m: InspectedModel, layer: Any, needed: bool) -> str | None:
    hidden = hidden_layers(m)
    if layer is None:
        if not hidden and needed:
            raise ParameterError("write_report features='sae' and concepts read a hidden Dense layer; this network "
                                 "has none: leave them out")
        return hidden[0] if hidden else None
    found = m.layer(layer)  # an unknown name lists the layers
    if layer not in hidden:
        what = "the output layer" if isinstance(found, Dense) else f"a {type(found).__name__}"
        raise ParameterError(f"write_report layer {layer!r} is {what}; the autoencoder, the contributions and the "
                             f"concepts read a hidden Dense layer: {', '.join(hidden) or 'none in this network'}")
    return str(layer)


def _output_count(m: InspectedModel) -> int:
    return int(m.network.out_features or 1)


def check_options(m: InspectedModel, X: np.ndarray, y: Any, *, features: Any, layer: Any, sae_width: Any,
                  sae_l1: Any, seed: Any, concepts: Any, concept_target: Any) -> Options:
    """The options checked, each refusal naming the parameter, what it got and what to give instead."""
    seed = check_int(seed, "seed", low=0, owner="write_report")
    if features is not None and features != "sae":
        raise ParameterError(must_be("features", 'None or "sae" (train a sparse autoencoder on `layer` and add its '
                                     "section)", features, "write_report"))
    for name, value in (("sae_width", sae_width), ("sae_l1", sae_l1)):
        if value is not None and features != "sae":
            raise ParameterError(f"write_report {name} sets the sparse autoencoder; it needs features='sae' "
                                 f"(got {name}={value!r} without it)")
    if sae_width is not None:
        sae_width = check_int(sae_width, "sae_width", owner="write_report")
        if sae_width <= 0:
            raise ParameterError(f"write_report sae_width (the autoencoder's number of features) must be >= 1; got "
                                 f"{sae_width}. Give e.g. 4 times the layer's neurons, or leave it out for that")
    if sae_l1 is not None:
        sae_l1 = check_number(sae_l1, "sae_l1", low=0.0, owner="write_report")
    wanted = features is not None or concepts is not None
    if m.is_spiking and (wanted or layer is not None):
        raise ParameterError("write_report features, concepts and layer read the Dense neurons of a network of "
                             "rates; this is a spiking network: leave them out (its report shows spikes)")
    if wanted and (m.is_text or not m.flat):
        raise ParameterError("write_report features='sae' and concepts are available for networks of feature "
                             "vectors; this network takes images or token ids: leave them out")
    if features == "sae" and (y is None or not m.is_classifier):
        raise ParameterError("write_report features='sae' ranks the autoencoder's features by class: give y (the "
                             "class labels) and a classifier" + ("" if y is None else "; this network is a "
                                                                                         "regressor"))
    hidden = None if m.is_spiking else _hidden_layer(m, layer, wanted)
    checked = None
    target = None
    if concepts is not None:
        checked = _concept_sets(m, concepts, len(X))
        target = _concept_target(m, concept_target)
    elif concept_target is not None:
        raise ParameterError("write_report concept_target is the output the concepts are tested for; it needs "
                             f"concepts={{name: examples}} (got concept_target={concept_target!r} without them)")
    return Options(features, hidden, sae_width, sae_l1, seed, checked, target)


def _concept_sets(m: InspectedModel, concepts: Any, n_samples: int) -> dict[str, np.ndarray]:
    if not isinstance(concepts, Mapping) or not concepts:
        raise ParameterError(must_be("concepts", "a non-empty dict concept name -> example inputs (rows like X)",
                                     type(concepts).__name__, "write_report"))
    sets = {}
    for name, examples in concepts.items():
        what = f"concepts[{name!r}]"
        values = m.check_X(examples, what)
        if len(values) < MIN_EXAMPLES:
            raise DataError(f"write_report {what} has {len(values)} examples; a concept needs at least "
                            f"{MIN_EXAMPLES} to be more than noise: give more")
        if len(values) > n_samples:
            raise DataError(f"write_report {what} has {len(values)} examples but X only {n_samples} samples, and "
                            "each random set TCAV compares it with is drawn from X, as large as the concept: give "
                            "more samples or fewer examples")
        sets[str(name)] = values
    return sets


def _concept_target(m: InspectedModel, target: Any) -> int | None:
    if target is None:
        return None
    if m.classes is not None:
        return int(m.class_indices([target], "concept_target")[0])
    n_out = _output_count(m)
    return check_int(target, "concept_target", low=0, high=n_out - 1, owner=f"write_report ({n_out} outputs)")


def output_name(m: InspectedModel, index: int) -> str:
    """How the text names output ``index``: its class, or the output."""
    if m.is_classifier and _output_count(m) > 1:
        return f"class {m.label_of(index)}"
    return "the output" if _output_count(m) == 1 else f"output {index}"


# ------------------------------------------------------------------------------ contributions
def contributions_section(m: InspectedModel, model: Any, X: np.ndarray, layer: str,
                          picture: Picture) -> tuple[list[str], Contributions]:
    """Layer conductance of the first sample's prediction: the table, the picture and who carried 80 %."""
    found = contributions(model, X[:1], layer=layer)
    what = output_name(m, found.target)
    path = picture("contributions", plot_contributions, found, fraction=CARRIED, target_name=what)
    carried = found.carried(CARRIED)
    summary = (f"These <b>{len(carried)}</b> neurons carried {CARRIED:.0%} of the evidence for {esc(what)}: "
               f"<code>{esc(', '.join(carried))}</code>." if carried else
               f"No neuron of {esc(layer)} argued for {esc(what)} (every conductance is ≤ 0).")
    rows = [[r["neuron"], f"{r['conductance']:+.4g}", f"{r['share']:+.1%}"] for r in found.rows()]
    parts = [f"<p>Which neurons of <code>{esc(layer)}</code> the prediction for the first sample rests on. A "
             f"neuron's <i>conductance</i> is its share of F(x) − F(x′), where F is the logit (potential) of "
             f"{esc(what)} (the predicted one), x the sample and x′ the all-zeros baseline: the gradient of F "
             f"along the neuron times the neuron's change, summed along the straight path from x′ to x. The "
             f"shares add up to F(x) − F(x′), here {found.value:.4g} − ({found.baseline_value:.4g}) = "
             f"{found.value - found.baseline_value:.4g} (completeness error {abs(found.delta):.2g}); a negative "
             f"share argued against {esc(what)}.</p>",
             f"<p>{summary}</p>",
             img(path, f"Each neuron's share of the evidence for {what} (dark red: the fewest neurons that carried "
                       f"{CARRIED:.0%} of it; blue: against), and the cumulative share of the evidence for it."),
             table(["neuron", "conductance", "share"], rows, "contributions")]
    return section("contributions", f"Contributions: which neurons carried the prediction ({what})", parts), found


# ------------------------------------------------------------------------------ attribution methods side by side
_EXPECTED = {
    "integrated gradients": ("F(x) − F(0)", "≈ (a path sum of 50 steps)"),
    "DeepLIFT": ("F(x) − F(0)", "exactly"),
    "LRP-ε": ("F(x)", "≈ (the biases and ε absorb some)"),
    "LRP-z⁺": ("F(x)", "exactly for inputs ≥ 0 (no bias)"),
    "GradientSHAP": ("F(x) − E[F(background)]", "≈ (a Monte Carlo estimate)"),
    "KernelSHAP": ("F(x) − E[F(background)]", "exactly (imposed)"),
}


def attribution_methods_section(m: InspectedModel, model: Any, X: np.ndarray, n: int, seed: int,
                                image_shape: tuple[int, int] | None, feature_names: list[str] | None,
                                picture: Picture) -> list[str]:
    """The first ``n`` samples explained by every method that applies, their conservation checks and a figure
    (a method that refuses the network, or is too costly for it, is named in the section with the reason)."""
    shown = X[:n]
    methods: dict[str, Attribution] = {"integrated gradients": attribute(model, shown, "integrated_gradients")}
    refusals = []
    for label, explain in (("DeepLIFT", lambda: deeplift(model, shown)),
                           ("LRP-ε", lambda: lrp(model, shown, rule="epsilon")),
                           ("LRP-z⁺", lambda: lrp(model, shown, rule="z+"))):
        try:
            methods[label] = explain()
        except ParameterError as exc:
            refusals.append(f"{label} skipped: {exc}")
    rng = np.random.default_rng(seed)
    background = X[np.sort(rng.choice(len(X), size=min(len(X), BACKGROUND), replace=False))]
    methods["GradientSHAP"] = gradient_shap(model, shown, background, seed=seed)
    if X.shape[1] <= KERNEL_SHAP_FEATURES:
        methods["KernelSHAP"] = kernel_shap(model, shown, background, seed=seed)
    else:
        refusals.append(f"KernelSHAP skipped: its cost grows with the coalitions of the {X.shape[1]} features "
                        f"(run here up to {KERNEL_SHAP_FEATURES}); call nk.inspect.kernel_shap yourself with a "
                        "budget n_samples")
    targets = methods["integrated gradients"].target
    titles = None if targets is None else [f"→ {m.label_of(int(t))}" for t in targets]
    path = picture("attribution_methods", plot_attribution_methods, methods, shown, image_shape=image_shape,
                   titles=titles, feature_names=feature_names)
    rows = []
    for label, values in methods.items():
        assert values.delta is not None and values.values is not None and values.baseline_values is not None
        total = np.abs(values.values - values.baseline_values)
        sums_to, expected = _EXPECTED[label]
        rows.append([label, sums_to, expected, f"{float(np.max(np.abs(values.delta))):.2g}",
                     f"{float(np.max(total)):.4g}"])
    against = [f"{' and '.join(names)} {what}" for names, what in (
        ([k for k in ("integrated gradients", "DeepLIFT") if k in methods], "with the all-zeros input"),
        ([k for k in ("LRP-ε", "LRP-z⁺") if k in methods], "with nothing (it splits F(x) itself)"),
        ([k for k in ("GradientSHAP", "KernelSHAP") if k in methods],
         f"with {len(background)} background samples drawn from X (seed {seed}) standing in for absent features"),
    ) if names]
    layout = ("a row per method under each sample, one colour scale per sample" if image_shape is not None else
              "a panel per sample, the methods' bars side by side for each feature")
    parts = [f"<p>The first {n} samples, each explained by {len(methods)} methods: every method splits the logit F "
             "of the sample's predicted class over the input features (positive values raise it, negative ones "
             f"lower it). They differ in what they compare the sample with: {'; '.join(against)}. Where they "
             "agree, the explanation does not hinge on the method.</p>",
             img(path, f"Attribution methods side by side ({layout}); the titles give |Σ attributions − what they "
                       "must sum to|."),
             "<p>Conservation: each method's attributions must add up to a known total; the largest error over "
             "the samples, against the largest total:</p>",
             table(["method", "attributions sum to", "expected to hold", "largest |error|", "largest |total|"], rows,
                   "conservation")]
    parts += [f"<p><i>{esc(note)}</i></p>" for note in refusals]
    return section("attribution-methods", "Attribution methods compared", parts)


# ------------------------------------------------------------------------------ probes
def probes_section(model: Any, X: np.ndarray, y: Any, seed: int, picture: Picture,
                   notes: list[str]) -> tuple[list[str], Probes | None]:
    """A linear probe per layer: the table of accuracies and the picture (skipped, with a note, when impossible)."""
    try:
        probes = probe_layers(model, X, y, seed=seed)
    except (MissingDependencyError, DataError) as exc:
        notes.append(f"probes skipped: {exc}")
        return [], None
    path = picture("probes", plot_probes, probes)
    best = max(probes.rows, key=lambda r: r.test_accuracy)
    rows = [[r.layer, r.width, f"{r.train_accuracy:.3f}", f"{r.test_accuracy:.3f}", "yes" if r.converged else "no"]
            for r in probes.rows]
    parts = [f"<p>How much of the class each layer holds in a linearly readable form: a logistic regression "
             f"(a <i>probe</i>) is trained on the layer's outputs for {probes.n_train} samples and scored on "
             f"{probes.n_test} others (split with seed {probes.seed}). Chance (always the most frequent class) is "
             f"{probes.chance:.3f}; the best layer here is <code>{esc(best.layer)}</code> "
             f"({best.test_accuracy:.3f} held out). A probe reads what a layer holds, not what the network "
             "uses.</p>",
             img(path, "Linear probe accuracy per layer, training and held out, against chance."),
             table(["layer", "width", "train accuracy", "held-out accuracy", "converged"], rows, "probes")]
    return section("probes", "Probes: what each layer holds", parts), probes


# ------------------------------------------------------------------------------ polysemanticity
def hidden_polysemanticity(m: InspectedModel, X: np.ndarray, y: Any) -> Polysemanticity:
    """The class entropy of the top-:data:`TOP_K` samples of every neuron of every hidden Dense layer."""
    layers = hidden_layers(m)
    values = np.hstack([_dense_values(m, X, name) for name in layers])
    units = [unit for name in layers for unit in m.neuron_names(name)]
    return polysemanticity_scores(values, y, k=TOP_K, units=units)


def polysemanticity_section(m: InspectedModel, poly: Polysemanticity, picture: Picture) -> list[str]:
    """The per-layer summary of the hidden neurons' class entropy and its histogram."""
    path = picture("polysemanticity", plot_polysemanticity, poly)
    rows = []
    for name in hidden_layers(m):
        mine = np.array([unit.partition("[")[0] == name for unit in poly.units])
        live = mine & poly.alive
        entropy = poly.entropy[live]
        most = poly.units[int(np.flatnonzero(live)[np.argmax(entropy)])] if live.any() else "-"
        rows.append([name, int(mine.sum()), int(live.sum()),
                     f"{entropy.mean():.2f}" if live.any() else "-",
                     f"{poly.effective_classes[live].mean():.2f}" if live.any() else "-", most])
    top = np.log2(len(poly.classes)) if len(poly.classes) > 1 else 0.0
    parts = [f"<p>For each hidden neuron, the classes of the {poly.k} samples that excite it most: their entropy is "
             f"0 bits when they are all of one class (the neuron looks monosemantic) and up to {top:.2g} bits when "
             f"they spread over all {len(poly.classes)} classes (polysemantic, or a feature the classes do not "
             "name). 2^entropy is the number of classes it effectively answers to. A dead neuron (active on no "
             "sample) has none. The per-neuron values are the column <i>class entropy</i> of the neurons "
             "table.</p>",
             img(path, "Class entropy of each live hidden neuron's top samples."),
             table(["layer", "neurons", "live", "mean class entropy (bits)", "mean effective classes",
                    "most polysemantic"], rows, "polysemanticity")]
    return section("polysemanticity", "Polysemanticity: how many classes excite a neuron", parts)


# ------------------------------------------------------------------------------ sparse autoencoder
def sae_section(m: InspectedModel, model: Any, X: np.ndarray, y: Any, options: Options,
                image_shape: tuple[int, int] | None, picture: Picture) -> tuple[list[str], SAEFeatures]:
    """Train a sparse autoencoder on the layer, rank its features and compare them with the layer's neurons."""
    layer = options.layer
    assert layer is not None  # check_options refuses features='sae' without a hidden layer
    l1: dict[str, Any] = {} if options.sae_l1 is None else {"l1": options.sae_l1}  # None: train_sae's default
    sae = train_sae(model, X, layer=layer, n_features=options.sae_width, seed=options.seed, **l1)
    found = sae_features(model, X, y, sae, layer=layer, k=TOP_K, seed=options.seed)
    c = found.comparison()
    neurons, feats = c["neurons"], c["features"]

    def verdict(key: str, lower_is_better: bool) -> str:
        a, b = feats[key], neurons[key]
        if not np.isfinite(a) or not np.isfinite(b) or abs(a - b) <= SAME * max(abs(a), abs(b)):
            return "about as"
        return "more" if (a < b) == lower_is_better else "less"

    losses = found.losses
    n_features = len(found.features.units)
    compare = table(["", "units", "live share", "mean class entropy (bits)", "mean effective classes",
                     "mean input clusters", "mean selectivity"],
                    [[key, int(r["units"]), f"{r['alive']:.2f}", f"{r['entropy']:.3f}",
                      f"{r['effective_classes']:.2f}", f"{r['clusters']:.2f}", f"{r['selectivity']:.3f}"]
                     for key, r in (("neurons", neurons), ("features", feats))], "sae-comparison")
    sel, poly = found.selectivity, found.features
    ranked = []
    for name in found.ranking[:20]:
        j = poly.units.index(name)
        ranked.append([name, f"{sel[name]:.3f}", sel.preferred[sel.neurons.index(name)], f"{poly.entropy[j]:.2f}",
                       int(poly.clusters[j]), int(poly.n_active[j])])
    more = len(found.ranking) - len(ranked)
    poly_path = picture("sae_polysemanticity", plot_polysemanticity, found.neurons, features=found)
    feature_path = picture("sae_features", plot_sae_features, found, X, y, n=SAE_SHOWN, k=SAE_SAMPLES,
                           image_shape=image_shape)
    parts = [f"<p>A sparse autoencoder with <b>{n_features}</b> features was trained on the outputs of "
             f"<code>{esc(layer)}</code> ({len(found.neurons.units)} neurons; L1 weight {sae.l1:g}, seed "
             f"{options.seed}): it rebuilds them from few active features. It explains {losses['explained']:.1%} "
             f"of their variance with {losses['l0']:.2f} features active per sample on average; "
             f"{int(losses['dead'])} features are dead (never active).</p>",
             f"<p>Are the features more monosemantic than the neurons? By class entropy of their top-{TOP_K} "
             f"samples the features are <b>{verdict('entropy', True)}</b> monosemantic "
             f"({feats['entropy']:.3f} bits against the neurons' {neurons['entropy']:.3f}; lower is more "
             f"monosemantic); by class selectivity they are <b>{verdict('selectivity', False)}</b> selective "
             f"({feats['selectivity']:.3f} against {neurons['selectivity']:.3f}; higher is more selective). "
             "Means over live units.</p>",
             compare,
             img(poly_path, "Class entropy of the top samples: the layer's neurons against the autoencoder's "
                            "features."),
             img(feature_path, "The most class-selective features and the samples that excite them most."),
             f"<p>The live features, most class-selective first"
             f"{f' (the first {len(ranked)} of {len(found.ranking)})' if more else ''}:</p>",
             table(["feature", "selectivity", "preferred class", f"class entropy (top-{TOP_K})", "input clusters",
                    f"active on (of top-{TOP_K})"], ranked, "sae-features")]
    return section("sae", f"Sparse autoencoder features of {layer}", parts), found


# ------------------------------------------------------------------------------ concepts
def concepts_section(m: InspectedModel, model: Any, X: np.ndarray, options: Options,
                     picture: Picture) -> tuple[list[str], dict[str, TCAVResult]]:
    """TCAV of each concept for the target (default: the most common predicted class), a table and a picture."""
    assert options.concepts is not None and options.layer is not None
    target = options.concept_target
    chosen = "given"
    if target is None:
        outputs = m.records(X)[-1].output.data
        predicted = outputs.argmax(axis=1) if outputs.shape[1] > 1 else np.zeros(len(X), dtype=np.intp)
        target = int(np.bincount(predicted).argmax())
        chosen = "the most common prediction on X"
    results = {name: tcav(model, X, examples, target=target, layer=options.layer, seed=options.seed)
               for name, examples in options.concepts.items()}
    what = output_name(m, target)
    path = picture("concepts", plot_tcav, results)
    rows = [[name, r.n_examples, f"{r.score:.3f} ± {r.scores.std():.3f}",
             f"{r.random_scores.mean():.3f} ± {r.random_scores.std():.3f}", f"{r.p_value:.3g}",
             "yes" if r.significant else "no"] for name, r in results.items()]
    first = next(iter(results.values()))
    parts = [f"<p>Does pushing <code>{esc(options.layer)}</code> towards a concept raise the logit of {esc(what)} "
             f"({chosen})? A concept's direction (its CAV) separates the layer's outputs on its examples from "
             f"those on a random set of X; its TCAV score is the share of X whose logit rises along it. Learned "
             f"against {len(first.scores)} random sets and compared with random directions (random set against "
             f"random set) by a Welch t-test: significant when p &lt; {first.alpha}.</p>",
             img(path, f"TCAV scores for {what}: each concept's (right) against random directions (grey, left)."),
             table(["concept", "examples", "TCAV score", "random", "p", "significant"], rows, "concepts")]
    return section("concepts", f"Concepts (TCAV) for {what}", parts), results


# ------------------------------------------------------------------------------ cost
def cost_section(model: Any, X: np.ndarray, picture: Picture, *, spiking: bool = False) -> list[str]:
    """What one prediction costs, layer by layer, as text and bars ([] when a layer kind has no counting rule);
    a spiking network's synaptic operations are counted from its spikes on X (as the model takes X)."""
    shape = tuple(int(s) for s in np.asarray(X).shape[1:])
    try:
        found = cost(model, input_shape=shape, X=X if spiking else None)
    except ParameterError:
        return []
    path = picture("cost", plot_cost, found)
    what = "Synaptic operations (measured from the spikes on the data)" if spiking else "Multiply-adds"
    parts = [f"<p>{what}, parameters and an order-of-magnitude energy per prediction (Horowitz, ISSCC 2014, "
             "45 nm figures; the weights read from SRAM, and in the last line from DRAM).</p>",
             f"<pre>{esc(found)}</pre>",
             img(path, "Operations and energy per prediction, layer by layer.")]
    return section("cost", "Cost per prediction", parts, level=3)
