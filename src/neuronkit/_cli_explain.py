"""``neuronkit explain MODEL … --method M``: one input explained by conductance, attribution or SHAP.

:func:`neuronkit.cli.cmd_explain` shows a neuron's arithmetic (``--method arithmetic``, the
default) itself and hands every other method here, with the sample it read (``--input`` of a
table model, or sample N of ``--data`` for an image or text model). Each method is one entry of
:data:`METHODS`: the flags it takes, the inputs it follows and the function that prints it
through :mod:`neuronkit.inspect`'s public functions. What is explained is a scalar F: the
potential of the ``--target`` output (the logit of a class; default: the predicted class, or the
only output), or of a hidden ``--neuron``. Every view prints the values sorted by size and
states its check: the completeness of integrated gradients, conductance and DeepLIFT
(Σ = F(x) - F(x')), LRP's conservation (Σ = F(x)), SHAP's efficiency (Σ = F(x) - E[F(background)]),
or that the method has none.

The path methods (conductance, internal influence, integrated gradients, DeepLIFT, occlusion)
start from a baseline x': the library's default (raw zeros for a table; a black image; the
padding embedding of a text) unless ``--baseline`` gives a table model's x' in raw units:
``mean``, the training mean its standard scaler records (which the network sees as 0), or one
value per feature. An all-zero input is far outside standardised training data, so F(x') and the
shares of F(x) - F(x') depend on it; SHAP's background plays this part for the SHAP methods.

A flag that does not apply to the method is a usage error naming the methods it goes with::

    >>> import argparse
    >>> check_method_options(argparse.Namespace(method="saliency", rule="zplus", neuron=None, target=None,
    ...                                         layer=None, background=None, background_size=None, seed=None,
    ...                                         steps=None, at=None, baseline=None))
    Traceback (most recent call last):
    ...
    neuronkit.errors.UsageError: --rule (the LRP rule) goes with --method lrp, not saliency. Leave out --rule zplus
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._cli_options import check_hidden_layer, check_neuron_index
from .errors import UsageError
from .inspect.attribution import COMPLETENESS_FLOOR, COMPLETENESS_RTOL

#: integration intervals along the path from the baseline when --steps is not given (the library's default)
DEFAULT_STEPS = 50
#: background rows drawn for SHAP when --background-size is not given (SHAP's cost grows with them)
BACKGROUND_SIZE = 20

#: flag dest -> (the flag, what it is)
FLAGS: dict[str, tuple[str, str]] = {
    "neuron": ("--neuron", "a neuron to explain"),
    "at": ("--at", "a position in a convolution neuron's output map"),
    "target": ("--target", "the output explained"),
    "layer": ("--layer", "the hidden layer whose neurons are compared"),
    "rule": ("--rule", "the LRP rule"),
    "background": ("--background", "the background data of SHAP"),
    "background_size": ("--background-size", "the number of SHAP background rows"),
    "seed": ("--seed", "the seed of SHAP's draws"),
    "steps": ("--steps", "the intervals along the path from the baseline"),
    "baseline": ("--baseline", "the input x' the path starts from"),
}
#: --baseline's words (any other value is one raw value per feature)
BASELINE_WORDS = ("zeros", "mean")


@dataclass
class Sample:
    """One input as the model takes it (unscaled), and what to call its positions.

    ``X``: (1, n_features), (1, C, H, W) or one text in a list; ``kind``: "table", "images" or "text";
    ``names``: the features' names (table); ``raw``: the values shown beside each position (table,
    images); ``words``: the word at each position of a text (None at padding).
    """

    X: Any
    kind: str
    names: list[str] | None = None
    raw: np.ndarray | None = None
    words: list[str | None] | None = None


@dataclass
class Context:
    """What a method's view needs: the model, the sample, what F is, and the options given."""

    model: Any
    sample: Sample
    target: int | None          # the output explained (None: a hidden neuron)
    neuron: str | None          # the hidden neuron explained instead, "hidden1[3]"
    through: tuple[str, int] | None     # conductance: the hidden neuron (layer, index) the flow goes through
    about: str                  # F in words: "the logit of class setosa (output[0])"
    args: argparse.Namespace
    top: int | None             # rows listed (None: all, --full)
    background: np.ndarray | None = None    # SHAP: the background rows
    background_words: str = ""              # where they come from
    start: np.ndarray | None = None         # the path methods' baseline x', one raw sample (None: the library's)
    start_words: str | None = None          # x' in words, when --baseline gave it

    @property
    def steps(self) -> int:
        return DEFAULT_STEPS if self.args.steps is None else int(self.args.steps)

    @property
    def baseline(self) -> str:
        """The baseline x' of the path methods, in words (``--baseline``, else the library's default for each kind
        of input)."""
        if self.start_words is not None:
            return self.start_words
        return {"table": "x' = 0 (every raw feature 0)", "images": "x' = 0 (a black image)",
                "text": "x' = the padding embedding at every position"}[self.sample.kind]


@dataclass(frozen=True)
class Method:
    """An entry of :data:`METHODS`: what the values are, the flags and inputs it takes, and its view."""

    heading: str
    options: frozenset[str]
    inputs: frozenset[str]
    view: Callable[[Context], None]


# ----------------------------------------------------------------------------- printing
def _number(value: float) -> str:
    return f"{float(value):.6g}"


def _positions(sample: Sample, n: int) -> tuple[str, list[str], str, list[str], np.ndarray]:
    """For the ``n`` values of one sample: (what a position is, each one's label, the heading of what is shown
    beside it, what is, the positions that count: a text's padding does not)."""
    if sample.kind == "text":
        words = [*(sample.words or []), *[None] * n][:n]
        keep = np.array([i for i, w in enumerate(words) if w is not None], dtype=np.intp)
        return "token", [f"position {i}" for i in range(n)], "word", [repr(w) for w in words], keep
    raw = [""] * n if sample.raw is None else [_number(v) for v in np.asarray(sample.raw).reshape(-1)]
    if sample.kind == "images":
        shape = np.shape(sample.X)[1:]
        cells = [np.unravel_index(flat, shape) for flat in range(n)]
        labels = [f"pixel ({i}, {j})" if shape[0] == 1 else f"channel {c}, pixel ({i}, {j})" for c, i, j in cells]
        return "pixel", labels, "raw value", raw, np.arange(n)
    names = sample.names or [f"x{i + 1}" for i in range(n)]
    return "feature", names, "raw value" if sample.raw is not None else "", raw, np.arange(n)


def table(values: Any, labels: list[str], heading: str, *, unit: str, top: int | None, beside: str = "",
          shown_beside: list[str] | None = None, keep: np.ndarray | None = None) -> str:
    """``values`` (one per label) as rows largest in size first: rank, label, what is beside it, value; the
    ``top`` largest (None: all) of the positions in ``keep`` (default all).

    >>> print(table([0.5, -2.0, 1.0], ["a", "b", "c"], "value", unit="feature", top=2))
      rank  feature           value
         1  b                    -2
         2  c                     1
      (the 2 largest of 3 features; --full lists them all)
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    keep = np.arange(v.size) if keep is None else keep
    order = keep[np.argsort(-np.abs(v[keep]), kind="stable")]
    shown = order if top is None else order[:top]
    side = [""] * v.size if shown_beside is None else shown_beside
    width = max([len(unit), *(len(labels[i]) for i in shown)])
    room = max([len(beside), *(len(side[i]) for i in shown)])
    gap = "  " if room else ""
    lines = [f"  {'rank':>4}  {unit:<{width}}{gap}{beside:>{room}}  {heading:>14}"]
    lines += [f"  {rank:>4}  {labels[i]:<{width}}{gap}{side[i]:>{room}}  {_number(v[i]):>14}"
              for rank, i in enumerate(shown, 1)]
    if len(shown) < len(order):
        lines.append(f"  (the {len(shown)} largest of {len(order)} {unit}s; --full lists them all)")
    return "\n".join(lines)


def ranked(ctx: Context, values: Any, heading: str) -> str:
    """The values of the sample by position (feature, pixel or token), largest in size first (``--full``: all)."""
    v = np.asarray(values).reshape(-1)
    unit, labels, beside, shown_beside, keep = _positions(ctx.sample, v.size)
    return table(v, labels, heading, unit=unit, top=ctx.top, beside=beside, shown_beside=shown_beside, keep=keep)


def _difference(a: float, b: float) -> str:
    """``a - b = c`` with a negative b in parentheses."""
    return f"{_number(a)} - {_number(b) if b >= 0 else f'({_number(b)})'} = {_number(a - b)}"


def check(prop: str, total: float, sides: str, error: float, tolerance: float, advice: str) -> str:
    """One check line: the property, Σ and what it must equal, the error against the 5 % tolerance, and what a
    failure means.

    >>> check("completeness", 1.0, "F(x) - F(x') = 3 - 2 = 1", 0.0, 0.15, "raise --steps")
    "check (completeness): Σ = 1; F(x) - F(x') = 3 - 2 = 1 (error 0, within the 5% tolerance 0.15)"
    """
    line = (f"check ({prop}): Σ = {_number(total)}; {sides} (error {error:.2g}, "
            f"{'within' if error <= tolerance else 'beyond'} the 5% tolerance {tolerance:.2g})")
    return line if error <= tolerance else f"{line}: {advice}"


# ----------------------------------------------------------------------------- the views
#: the advice when a path sum misses its check
MORE_STEPS = "raise --steps (the path sum's error shrinks like 1/steps)"
#: attribution method -> (the property its values have, the right side of the sum, what a failure means)
CHECKS: dict[str, tuple[str, str, str]] = {
    "integrated_gradients": ("completeness", "F(x) - F(x')", MORE_STEPS),
    "deeplift": ("summation to delta", "F(x) - F(x')", "DeepLIFT sums exactly; a gap is rounding"),
    "lrp": ("conservation", "F(x)", "the biases and ε absorbed the rest (only bias-free networks conserve "
                                    "exactly under the epsilon rule)"),
    "kernel_shap": ("efficiency", "F(x) - E[F(background)]", "efficiency is imposed; a gap is rounding"),
    "gradient_shap": ("efficiency", "F(x) - E[F(background)]", "GradientSHAP is a Monte Carlo estimate: "
                                                               "efficiency holds in expectation only"),
}
#: why LRP's z+ rule may not conserve relevance
Z_PLUS_LOSS = ("z+ passes a neuron's relevance on only through inputs with aᵢw⁺ᵢ ≠ 0: a neuron whose positive "
               "weights meet only zero inputs loses it, and negative inputs (z+ assumes ≥ 0) distort it")
#: attribution methods without a summation property: what their values are instead
NO_CHECK: dict[str, str] = {
    "saliency": "saliency is a sensitivity |∂F/∂xᵢ|, not a share of F",
    "grad_x_input": "gradient × input xᵢ·∂F/∂xᵢ sums to F(x) - F(0) only for a linear F",
    "occlusion": "occlusion's F(x) - F(x with xᵢ = x'ᵢ) changes one position at a time; they need not add up",
}


def check_line(name: str, att: Any, advice: str | None = None) -> str:
    """The check an attribution's values pass (or fail), in one line (``advice``: what a failure means, if not
    the method's usual one)."""
    if name not in CHECKS or att.delta is None:
        return f"check: none: {NO_CHECK.get(name, f'{name} has no summation property')}"
    prop, rhs, usual = CHECKS[name]
    fx, fb = float(att.values[0]), float(att.baseline_values[0])
    sides = f"F(x) = {_number(fx)}" if rhs == "F(x)" else f"{rhs} = {_difference(fx, fb)}"
    return check(prop, float(np.sum(att[0])), sides, float(abs(att.delta[0])), float(att.tolerance[0]),
                 usual if advice is None else advice)


def _attribution_view(name: str) -> Callable[[Context], None]:
    def view(ctx: Context) -> None:
        from .inspect import attribute

        att = attribute(ctx.model, ctx.sample.X, method=name, target=ctx.target, neuron=ctx.neuron,
                        baseline=ctx.start, steps=ctx.steps)
        path = f", {ctx.steps} steps" if name == "integrated_gradients" else ""
        base = f" from the baseline {ctx.baseline}" if name in ("integrated_gradients", "deeplift", "occlusion") else ""
        print(f"{METHOD_WORDS[name]} of {ctx.about}{base}{path}:")
        print(ranked(ctx, att[0], METHODS[ctx.args.method].heading))
        print(check_line(name, att))
    return view


def _lrp(ctx: Context) -> None:
    from .inspect import lrp
    from .inspect._model import InspectedModel

    rule = "z+" if ctx.args.rule == "zplus" else "epsilon"
    att = lrp(ctx.model, ctx.sample.X, target=ctx.target, rule=rule)
    print(f"LRP ({rule} rule) relevance of {ctx.about}, passed back from F(x):")
    print(ranked(ctx, att[0], "relevance"))
    print(check_line("lrp", att, None if rule == "epsilon" else Z_PLUS_LOSS))
    m = InspectedModel(ctx.model)
    negative = int(np.sum(m.to_network_input(m.check_X(ctx.sample.X)) < 0))
    if rule == "z+" and negative:
        print(f"note: z+ assumes every layer's inputs are >= 0 (as after ReLU); {negative} of the values the first "
              "layer reads are negative, so their relevance is not the z+ rule's")


def background(model: Any, args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """The SHAP background: --background-size rows (seeded) of --background, else of the model's training data
    (a bundled dataset it records); and where they come from, in words."""
    import sys

    from .data import prepare_evaluation

    spec = args.background
    record = getattr(model, "training_data_", None)
    record = record if isinstance(record, dict) else {}
    if spec is None:
        if record.get("source_kind") != "dataset":
            trained = f" (it was trained on {record['source']})" if record.get("source") else ""
            raise UsageError(f"--method {args.method} needs background data standing in for absent features, and "
                             f"{args.model} records no bundled dataset it was trained on{trained}: give --background "
                             "DATA (a dataset name or a CSV file of the same features)")
        spec = record["source"]
    data = prepare_evaluation(model, spec, training_data=record or None, all_rows=True, model_path=args.model)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    size = BACKGROUND_SIZE if args.background_size is None else int(args.background_size)
    seed = 0 if args.seed is None else int(args.seed)
    n = len(data.X)
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(size, n), replace=False))
    source = f"{data.name}{' (the data the model was trained on)' if args.background is None else ''}"
    return np.asarray(data.X)[rows], f"{len(rows)} of its {n} rows drawn with seed {seed}, from {source}"


def _shap_view(name: str) -> Callable[[Context], None]:
    def view(ctx: Context) -> None:
        from .inspect import gradient_shap, kernel_shap

        seed = 0 if ctx.args.seed is None else int(ctx.args.seed)
        explain = kernel_shap if name == "kernel_shap" else gradient_shap
        phi = explain(ctx.model, ctx.sample.X, ctx.background, target=ctx.target, neuron=ctx.neuron, seed=seed)
        if name == "kernel_shap":
            how = "every coalition enumerated: exact Shapley values" if phi.exact else \
                f"{phi.n_samples} coalitions drawn: an estimate"
        else:
            how = f"{phi.n_samples} gradient draws: an estimate"
        print(f"{METHOD_WORDS[name]} of {ctx.about}; background: {ctx.background_words}; {how}")
        print(f"E[F(background)] = {_number(np.asarray(phi.baseline_values)[0])}")
        print(ranked(ctx, phi[0], "SHAP value"))
        print(check_line(name, phi))
    return view


def _layer_of(ctx: Context) -> str:
    return ctx.args.layer or hidden_layers(ctx.model, ctx.args)[0]


def _contributions(ctx: Context) -> None:
    from .inspect import contributions

    c = contributions(ctx.model, ctx.sample.X, target=ctx.target, layer=_layer_of(ctx), baseline=ctx.start,
                      steps=ctx.steps)
    print(f"conductance of each neuron of {c.layer} for {ctx.about}, from the baseline {ctx.baseline}, "
          f"{ctx.steps} steps:")
    print(c)
    carried = c.carried(0.8)
    if carried:
        print(f"the {len(carried)} neuron{'s' * (len(carried) != 1)} that carried 80% of the evidence for "
              f"{ctx.about}: {', '.join(carried)}")
    change = c.value - c.baseline_value
    tolerance = COMPLETENESS_RTOL * max(abs(c.value), abs(c.baseline_value), abs(change), COMPLETENESS_FLOOR)
    print(check("completeness", float(c.conductance.sum()), f"F(x) - F(x') = {_difference(c.value, c.baseline_value)}",
                abs(c.delta), tolerance, MORE_STEPS))


def _neuron_conductance(ctx: Context) -> None:
    from .inspect import layer_conductance, neuron_conductance

    assert ctx.through is not None  # the view of conductance through one neuron
    layer, index = ctx.through
    neuron = f"{layer}[{index}]"
    split = neuron_conductance(ctx.model, ctx.sample.X, neuron, target=ctx.target, baseline=ctx.start,
                               steps=ctx.steps)
    whole = layer_conductance(ctx.model, ctx.sample.X, layer=layer, target=ctx.target, baseline=ctx.start,
                              steps=ctx.steps)
    assert split.values is not None and split.baseline_values is not None  # a path method reports F(x), F(x')
    assert whole.delta is not None and whole.tolerance is not None
    fx, fb = float(split.values[0]), float(split.baseline_values[0])
    print(f"conductance of {neuron} for {ctx.about}: the part of F(x) - F(x') = {_difference(fx, fb)} that flows "
          f"through {neuron}, split over the input (baseline {ctx.baseline}, {ctx.steps} steps):")
    print(ranked(ctx, split[0], "conductance"))
    through, own = float(np.sum(split[0])), float(whole[0, index])
    print(f"total through {neuron}: {_number(through)}; its layer conductance: {_number(own)} (difference "
          f"{abs(through - own):.2g}: both are sums over the {ctx.steps} steps of the path)")
    print(check("completeness", float(np.sum(whole[0])), f"F(x) - F(x') = {_difference(fx, fb)}, carried by the "
                f"{whole.shape[1]} neurons of {layer}", float(abs(whole.delta[0])), float(whole.tolerance[0]),
                MORE_STEPS))


def _conductance(ctx: Context) -> None:
    (_neuron_conductance if ctx.through else _contributions)(ctx)


def _internal_influence(ctx: Context) -> None:
    from .inspect import internal_influence

    values = internal_influence(ctx.model, ctx.sample.X, layer=_layer_of(ctx), target=ctx.target,
                                baseline=ctx.start, steps=ctx.steps)
    print(f"internal influence of each neuron of {values.layer} on {ctx.about}: ∂F/∂h averaged along the path from "
          f"the baseline {ctx.baseline} ({ctx.steps} steps)")
    print(table(values[0], values.names or [], "influence", unit="neuron", top=ctx.top))
    print("check: none: internal influence is a sensitivity (units of F per unit of a neuron's output), not a share "
          "of F(x) - F(x'); conductance (--method conductance) is the share")


#: each method's name in the output's words
METHOD_WORDS = {"integrated_gradients": "integrated gradients", "deeplift": "DeepLIFT (rescale)",
                "saliency": "saliency |∂F/∂x|", "grad_x_input": "gradient × input", "occlusion": "occlusion",
                "kernel_shap": "KernelSHAP values", "gradient_shap": "GradientSHAP values"}

_OUTPUT = frozenset({"target", "neuron"})
_FLOWING = frozenset({"table", "images"})
_ANY = frozenset({"table", "images", "text"})
#: method -> its entry; ``arithmetic`` is neuronkit.cli's own view (one neuron's w·x + b)
METHODS: dict[str, Method] = {
    "arithmetic": Method("arithmetic", frozenset({"neuron", "at"}), _ANY, lambda ctx: None),  # shown by the cli
    "conductance": Method("conductance", frozenset({"target", "neuron", "layer", "steps", "baseline"}), _FLOWING,
                          _conductance),
    "internal_influence": Method("influence", frozenset({"target", "layer", "steps", "baseline"}), _FLOWING,
                                 _internal_influence),
    "integrated_gradients": Method("attribution", _OUTPUT | {"steps", "baseline"}, _ANY,
                                   _attribution_view("integrated_gradients")),
    "deeplift": Method("attribution", _OUTPUT | {"baseline"}, frozenset({"table"}), _attribution_view("deeplift")),
    "lrp": Method("relevance", frozenset({"target", "rule"}), frozenset({"table"}), _lrp),
    "gradient_shap": Method("SHAP value", _OUTPUT | {"background", "background_size", "seed"}, _FLOWING,
                            _shap_view("gradient_shap")),
    "kernel_shap": Method("SHAP value", _OUTPUT | {"background", "background_size", "seed"}, _FLOWING,
                          _shap_view("kernel_shap")),
    "saliency": Method("saliency", _OUTPUT, _ANY, _attribution_view("saliency")),
    "gradient_x_input": Method("attribution", _OUTPUT, _ANY, _attribution_view("grad_x_input")),
    "occlusion": Method("attribution", _OUTPUT | {"baseline"}, _ANY, _attribution_view("occlusion")),
}
_INPUT_WORDS = {"table": "table features", "images": "images", "text": "texts"}


# ----------------------------------------------------------------------------- checks and the entry point
def check_method_options(args: argparse.Namespace) -> None:
    """Every flag given applies to ``--method``; else a usage error naming the methods it goes with."""
    method = METHODS[args.method]
    for dest, (flag, what) in FLAGS.items():
        value = getattr(args, dest)
        if value is None or dest in method.options:
            continue
        takers = [name for name, m in METHODS.items() if dest in m.options]
        raise UsageError(f"{flag} ({what}) goes with --method {', '.join(takers)}, not {args.method}. Leave out "
                         f"{flag} {value}{_hint(dest, value, args.method)}")
    if args.method == "conductance" and args.neuron is not None and args.layer is not None:
        raise UsageError(f"--neuron {args.neuron} names its layer; --layer picks the layer whose neurons are compared "
                         "when no --neuron is given. Give one of them")
    if args.method not in ("arithmetic", "conductance") and args.neuron is not None and args.target is not None:
        raise UsageError(f"--method {args.method} explains one value: an output (--target {args.target}) or a hidden "
                         f"neuron (--neuron {args.neuron}); give one of them")


def _hint(dest: str, value: Any, method: str) -> str:
    """What to do instead of a flag that does not go with ``method``, where there is something."""
    if dest == "target" and method == "arithmetic":
        return f" (the arithmetic of an output neuron: --neuron output[{value}])"
    if dest == "baseline" and "background" in METHODS[method].options:
        return " (SHAP's background data plays the baseline's part: --background DATA)"
    return ""


def baseline_spec(text: str) -> str | np.ndarray:
    """``--baseline`` as given: ``"zeros"``, ``"mean"`` or the raw values V,V,... (any number of them; the model
    checks the count).

    >>> baseline_spec("Mean"), baseline_spec("5.8, 3,4.4,1.3").tolist()
    ('mean', [5.8, 3.0, 4.4, 1.3])
    >>> baseline_spec("median")
    Traceback (most recent call last):
    ...
    neuronkit.errors.UsageError: --baseline must be zeros, mean or one raw value per feature separated by commas
    (e.g. 5.8,3,4.4,1.3); got 'median'
    """
    word = text.strip().lower()
    if word in BASELINE_WORDS:
        return word
    try:
        values = np.array([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError:
        raise UsageError(f"--baseline must be zeros, mean or one raw value per feature separated by commas (e.g. "
                         f"5.8,3,4.4,1.3); got {text!r}") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise UsageError(f"--baseline value {bad[0] + 1} is {values[bad[0]]}; give finite numbers")
    return values


def check_baseline(args: argparse.Namespace) -> None:
    """``--baseline`` (when given, with a method that takes it) is one of its forms, for a table model's --input."""
    if args.baseline is None:
        return
    if args.data is not None:
        raise UsageError(f"--baseline {args.baseline} sets the input x' a table model's path starts from (with "
                         "--input); the path of an image or text model (--data) starts from a black image or the "
                         "padding embedding. Leave out --baseline")
    baseline_spec(args.baseline)


def _training_mean(model: Any, model_path: str, n: int) -> np.ndarray:
    """The training data's mean per feature in raw units, as the model's standard scaler records it; else a usage
    error saying what the model records instead."""
    scaler = getattr(model, "scaler_", None)
    mean = getattr(scaler, "mean", None)
    if mean is not None:
        return np.asarray(mean, dtype=np.float64)
    example = ""
    if scaler is None:
        records = "a network file holds no scaler, so no statistics of its training data"
    elif getattr(scaler, "data_min", None) is not None:
        records = "its minmax scaler keeps each feature's training min and max, not the mean"
        middle = (np.asarray(scaler.data_min) + np.asarray(scaler.data_max)) / 2
        example = f"; e.g. the middle of each training range, {','.join(_number(v) for v in middle)}"
    else:
        records = f"its scaler is {getattr(scaler, 'name', type(scaler).__name__)!r}, which keeps no statistics"
    raise UsageError(f"--baseline mean: {model_path} records no training mean: {records}. Give the baseline as "
                     f"{n} raw values instead, --baseline V,V,... (one per feature, in order{example}), or --baseline "
                     "zeros")


def start(model: Any, sample: Sample, args: argparse.Namespace) -> tuple[np.ndarray | None, str | None]:
    """The path methods' baseline x' (one raw sample) and its words, from ``--baseline``; (None, None) for the
    library's default (not given, or ``zeros``)."""
    spec = None if args.baseline is None else baseline_spec(args.baseline)
    if spec is None or (isinstance(spec, str) and spec == "zeros"):
        return None, None
    n = int(np.shape(sample.X)[1])
    if isinstance(spec, str):
        return _training_mean(model, args.model, n), "x' = the training mean"
    if spec.size != n:
        names = sample.names or []
        which = f" ({', '.join(names)})" if names and len(names) <= 20 else ""
        raise UsageError(f"--baseline has {spec.size} value{'s' * (spec.size != 1)} but the model takes {n} "
                         f"features{which}; give one raw value per feature, in order (or --baseline zeros or mean)")
    return spec, "x' = the --baseline values"


def hidden_layers(model: Any, args: argparse.Namespace) -> list[str]:
    """The hidden Dense layers of a model; ``--layer`` must be one of them (a usage error naming them)."""
    return check_hidden_layer(model, args.layer, reader=f"--method {args.method} reads",
                              fix="use --method integrated_gradients")


def check_neuron(model: Any, args: argparse.Namespace, layer: str, index: int) -> str:
    """``--neuron`` of an attribution or conductance method: a neuron of a (hidden, for conductance) Dense layer."""
    from .layers import Dense

    net = getattr(model, "network_", model)
    hidden = args.method == "conductance"
    if hidden:
        usable = check_hidden_layer(model, None, reader=f"--method {args.method} reads",
                                    fix="use --method integrated_gradients")
    else:
        usable = [name for name, module in net.layers.items() if isinstance(module, Dense)]
    kind = "a hidden Dense layer's neuron (the output is --target)" if hidden else "a Dense layer's neuron"
    if layer not in usable:
        what = f"the model has no layer {layer!r}" if layer not in net.layers else \
            f"layer {layer!r} is a {type(net[layer]).__name__}" + (" (the output layer)" if
                                                                    layer == list(net.layers)[-1] else "")
        raise UsageError(f"--neuron {args.neuron}: --method {args.method} explains {kind}; {what}. Layers it takes: "
                         f"{', '.join(usable) or 'none'}")
    check_neuron_index(args.neuron, layer, net[layer].out_features, index)
    return f"{layer}[{index}]"


def target_index(model: Any, sample: Sample, text: str | None, model_path: str) -> int:
    """``--target`` as an output index: a class label as ``predict`` prints it, else an output index.

    Without ``--target``: the predicted class of a classifier, the only output of a single-output
    model; a model with several outputs that is not a classifier needs one.
    """
    from .inspect._model import InspectedModel

    m = InspectedModel(model)
    n_out = m.network.out_features or 1
    classes = None if m.classes is None else [str(c) for c in m.classes]
    if text is None:
        if n_out == 1:
            return 0
        if not m.is_classifier:
            raise UsageError(f"--target is needed: {model_path} has {n_out} outputs and is not a classifier; give the "
                             f"output index to explain (0 to {n_out - 1})")
        last = m.records(m.check_X(sample.X))[-1]
        return int(np.argmax((last.z if last.z is not None else last.output).data[0]))
    if classes is not None and text in classes:
        return classes.index(text)
    if text.strip().lstrip("+").isdigit() and int(text) < n_out:
        return int(text)
    valid = f"output indices 0 to {n_out - 1}"
    valid = valid if classes is None else f"its classes {', '.join(classes)} (or {valid})"
    raise UsageError(f"--target {text}: {model_path} has no such output; give {valid}")


def about(model: Any, target: int | None, neuron: str | None) -> str:
    """F in words: the logit of a class, an output's potential, or a hidden neuron's potential."""
    from .inspect._model import InspectedModel

    if neuron is not None:
        return f"the potential z of {neuron}"
    m = InspectedModel(model)
    last = list(m.network.layers)[-1]
    if m.classes is not None:  # an estimator's classifier: one output per class
        return f"the logit of class {m.classes[target]} ({last}[{target}])"
    if m.is_classifier:
        return f"the logit of {last}[{target}]"
    return f"the potential z of {last}[{target}]"


def check_input(kind: str, args: argparse.Namespace) -> None:
    """``--method`` follows this kind of input ("table", "images", "text"); else a usage error naming the methods
    that do."""
    method = METHODS[args.method]
    if kind not in method.inputs:
        takers = [name for name, m in METHODS.items() if kind in m.inputs and name != "arithmetic"]
        raise UsageError(f"--method {args.method} takes {' and '.join(_INPUT_WORDS[k] for k in sorted(method.inputs))}"
                         f"; {args.model} takes {_INPUT_WORDS[kind]}. Methods for it: {', '.join(takers)}")


def context(model: Any, sample: Sample, args: argparse.Namespace, *, neuron: tuple[str, int] | None,
            top: int | None) -> Context:
    """What ``--method`` explains of ``sample``, every flag checked against the model (before anything is printed)."""
    check_input(sample.kind, args)
    if args.method in ("conductance", "internal_influence") and neuron is None:
        hidden_layers(model, args)
    name = None if neuron is None else check_neuron(model, args, *neuron)
    through = neuron if name is not None and args.method == "conductance" else None
    explained = None if through is not None else name
    target = None if explained is not None else target_index(model, sample, args.target, args.model)
    ctx = Context(model, sample, target, explained, through, about(model, target, explained), args, top)
    if "background" in METHODS[args.method].options:
        ctx.background, ctx.background_words = background(model, args)
    if "baseline" in METHODS[args.method].options:
        ctx.start, ctx.start_words = start(model, sample, args)
    return ctx


def baseline_line(ctx: Context) -> str:
    """The baseline ``--baseline`` gave, its raw values and, for an estimator, the x' the network sees."""
    raw = ", ".join(_number(v) for v in np.asarray(ctx.start).reshape(-1))
    line = f"baseline:      {ctx.baseline} = [{raw}]"
    if not hasattr(ctx.model, "transform_inputs"):
        return line
    scaled = np.asarray(ctx.model.transform_inputs(np.asarray(ctx.start)[None, :]), dtype=np.float64)[0]
    return f"{line}   (scaled: [{', '.join(_number(v) for v in scaled)}])"


def show(ctx: Context) -> int:
    """Print what the method says about the sample (see the module docstring); returns the exit code."""
    if ctx.start is not None:
        print(baseline_line(ctx))
    METHODS[ctx.args.method].view(ctx)
    return 0
