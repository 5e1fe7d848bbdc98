"""Rich displays for Jupyter: the HTML that the ``_repr_html_`` methods return.

One place builds every display (networks, layers, neurons, explanations, health reports,
histories), so they all look alike: a ``<div class="nk-repr">`` holding its own ``<style>``
(no JavaScript, no external resource, nothing fetched), colours taken from the page's
text colour (``currentColor``) and translucent tints, so a display reads in light and
dark notebook themes alike. Every user-provided string (layer, feature and metric names,
messages) goes through :func:`esc` (:func:`html.escape`).

The classes keep only a thin ``_repr_html_`` that calls a function here; the functions
read their object's public attributes and import nothing from neuronkit, so any module
may use them without an import cycle. A figure (a History's loss curve) is drawn with
``matplotlib.figure.Figure`` (headless, no pyplot) when matplotlib is installed and is
embedded as a base64 PNG; without matplotlib the display is the table alone.
"""

from __future__ import annotations

import base64
import html
import io
import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import Any

#: rows shown of a long list (neurons of a layer, weights of a neuron) before a "… N more" row
MAX_ROWS = 20

CSS = """
.nk-repr { font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px; color: inherit;
           margin: 2px 0; }
.nk-repr .nk-title { font-weight: 600; margin: 0 0 4px 0; }
.nk-repr table { border-collapse: collapse; margin: 2px 0 6px 0; color: inherit; background: transparent; }
.nk-repr th, .nk-repr td { padding: 2px 8px; border-bottom: 1px solid rgba(128, 128, 128, 0.35);
                           text-align: left; color: inherit; background: transparent; }
.nk-repr th { font-weight: 600; border-bottom: 1px solid currentColor; }
.nk-repr td.nk-num, .nk-repr th.nk-num { text-align: right; font-variant-numeric: tabular-nums;
                                         font-family: var(--jp-code-font-family, monospace); }
.nk-repr tr.nk-total td { border-top: 1px solid currentColor; font-weight: 600; }
.nk-repr tr.nk-bad td { background: rgba(220, 53, 69, 0.18); }
.nk-repr .nk-ok { color: rgb(40, 160, 80); font-weight: 600; }
.nk-repr .nk-warn { color: rgb(220, 53, 69); font-weight: 600; }
.nk-repr .nk-note { opacity: 0.75; font-size: 12px; margin: 2px 0; }
.nk-repr p { margin: 4px 0; }
.nk-repr img { max-width: 100%; background: white; }
"""


def esc(value: Any) -> str:
    """``value`` as text safe inside HTML (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(str(value), quote=True)


def number(value: Any, digits: int = 4) -> str:
    """A number to ``digits`` significant digits ("nan", "inf" as such; "-0" shown as "0")."""
    if value is None:
        return "-"
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    text = format(value, f".{digits}g")
    return "0" if text == "-0" else text


Cell = Any  # a cell: text (escaped) or a Raw (inserted as is)


class Raw(str):
    """HTML built here (already escaped), to be inserted into a cell as is."""


class Span:
    """A cell that spans ``columns`` columns (a label across a table's input columns)."""

    def __init__(self, value: Cell, columns: int) -> None:
        self.value = value
        self.columns = columns


def _cell(tag: str, value: Cell, numeric: bool) -> str:
    span = ""
    if isinstance(value, Span):
        span = f' colspan="{value.columns}"' if value.columns > 1 else ""
        value = value.value
    text = value if isinstance(value, Raw) else esc(value)
    return f'<{tag} class="nk-num"{span}>{text}</{tag}>' if numeric else f"<{tag}{span}>{text}</{tag}>"


def _cells(tag: str, row: Sequence[Cell], right: set[int]) -> str:
    out, column = [], 0
    for value in row:
        out.append(_cell(tag, value, column in right))
        column += value.columns if isinstance(value, Span) else 1
    return "".join(out)


def table(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, numeric: Iterable[int] = (),
          row_classes: Sequence[str | None] | None = None, caption: str | None = None) -> str:
    """An HTML table: ``header`` names, ``rows`` of cells (escaped), columns ``numeric`` right-aligned.

    ``row_classes``: a CSS class per row (``"nk-bad"`` highlights a problem, ``"nk-total"`` a total).

    >>> html_text = table(["layer", "neurons"], [["<b>", 3]], numeric=[1])
    >>> html_text[html_text.index("<tbody>"):]
    '<tbody><tr><td>&lt;b&gt;</td><td class="nk-num">3</td></tr></tbody></table>'
    """
    right = set(numeric)
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + _cells("th", header, right) + "</tr></thead>")
    out.append("<tbody>")
    for k, row in enumerate(rows):
        cls = row_classes[k] if row_classes is not None and k < len(row_classes) else None
        attr = f' class="{cls}"' if cls else ""
        out.append(f"<tr{attr}>" + _cells("td", row, right) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def block(title: str, *parts: str) -> str:
    """One display: the style, a title (escaped) and the parts (HTML built here)."""
    return (f'<div class="nk-repr"><style>{CSS}</style><div class="nk-title">{esc(title)}</div>'
            + "".join(parts) + "</div>")


def paragraph(text: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def png_data_uri(figure: Any) -> str:
    """A matplotlib figure as a ``data:image/png;base64,…`` URI (nothing written to disk)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------- networks and layers
def summary_html(header: Sequence[str], body: Sequence[Sequence[Cell]], total: Sequence[Cell], *,
                 numeric: Sequence[int] = (), notes: Sequence[str] = (), title: str = "network") -> str:
    """A network's summary: a row per layer, the total row, then the notes (cells as
    :class:`~neuronkit.layers.sequential.Summary` gives them)."""
    classes: list[str | None] = [None] * len(body) + ["nk-total"]
    return block(title, table(header, [*body, total], numeric=numeric, row_classes=classes),
                 *(paragraph(note, "nk-note") for note in notes))


def _weights_preview(weights: Any, digits: int = 4, shown: int = 6) -> str:
    values = [number(v, digits) for v in list(weights)[:shown]]
    more = len(weights) - shown
    return "[" + ", ".join(values) + (f", … {more} more" if more > 0 else "") + "]"


def layer_html(layer: Any) -> str:
    """A layer: its kind, name, activation and parameter shapes; for a layer with neurons, a row per neuron."""
    kind = type(layer).__name__
    activation = getattr(layer, "activation", None)
    facts = [["kind", kind], ["name", layer.name or "(unnamed)"]]
    if activation is not None:
        facts.append(["activation", f"{activation.name}: f(z) = {activation.formula}"])
    for name, p in layer.named_parameters():
        facts.append([f"{name} shape", " × ".join(str(s) for s in p.shape) or "scalar"])
    facts.append(["parameters", f"{layer.num_parameters():,}"])
    parts = [table(["property", "value"], facts)]
    try:
        neurons = layer.neurons
    except AttributeError:  # layers without a weight matrix have no neurons
        neurons = None
    if neurons is not None:
        rows = [[n.label, _weights_preview(n.weights), number(n.bias)] for n in list(neurons)[:MAX_ROWS]]
        if len(neurons) > MAX_ROWS:
            rows.append([f"… {len(neurons) - MAX_ROWS} more neurons", "", ""])
        parts.append(table(["neuron", "weights", "bias"], rows, numeric=[2]))
    title = f"{kind} {layer.name!s}" if layer.name else kind
    return block(title, *parts)


# ---------------------------------------------------------------------------- a neuron and its arithmetic
def neuron_html(label: str, weights: Any, bias: float, activation: Any) -> str:
    """A neuron: one row per weight (the first :data:`MAX_ROWS`), its bias and activation."""
    rows: list[list[Cell]] = [[f"w{i + 1}", number(w, 7)] for i, w in enumerate(list(weights)[:MAX_ROWS])]
    if len(weights) > MAX_ROWS:
        rows.append([f"… {len(weights) - MAX_ROWS} more", ""])
    rows.append(["bias b", number(bias, 7)])
    head = (f"{label}: output = {activation.name}(Σ wi·xi + b), f(z) = {activation.formula}, "
            f"{len(weights)} inputs")
    return block(head, table(["", "value"], rows, numeric=[1]))


def explanation_html(e: Any, activation_step: str) -> str:
    """An :class:`~neuronkit.neuron.Explanation` as a table: xᵢ, wᵢ, wᵢ·xᵢ, then sum, bias, z, activation, output.

    ``activation_step`` is the explanation's own text of step 4 (the formula with z substituted).
    """
    f: Callable[[float], str] = lambda v: number(v, e.digits)  # noqa: E731
    n = len(e.products)
    shown = list(range(n))
    if e.top is not None and e.top < n:  # as the text: the largest |wi·xi|, ties in input order
        shown = sorted(shown, key=lambda i: -abs(e.products[i]))[:e.top]
    header = ["i"]
    if e.input_names is not None:
        header.append("input")
    header.append("x_i")
    if e.raw_inputs is not None:
        header.append("raw")
    header += ["w_i", "w_i·x_i"]
    width = len(header)
    rows: list[list[Cell]] = []
    for i in shown:
        row: list[Cell] = [i + 1]
        if e.input_names is not None:
            row.append(e.input_names[i])
        row.append(f(e.inputs[i]))
        if e.raw_inputs is not None:
            row.append(f(e.raw_inputs[i]))
        rows.append(row + [f(e.weights[i]), f(e.products[i])])
    if len(shown) < n:
        kept = set(shown)
        rest = sum(p for i, p in enumerate(e.products) if i not in kept)
        rows.append([Span(f"… {n - len(shown)} more, together", width - 1), f(rest)])

    def step(name: str, value: str) -> list[Cell]:
        return [Span(name, width - 1), value]

    steps = [step("sum Σ w_i·x_i", f(e.weighted_sum)), step("bias b", f(e.bias)),
             step("z = sum + b", f(e.z)), step(f"activation: {activation_step}", ""),
             step("output", f(e.output))]
    classes: list[str | None] = [None] * len(rows) + ["nk-total"] + [None] * 3 + ["nk-total"]
    numeric = range(1, width) if e.input_names is None else range(2, width)
    title = f"{e.label} ({e.activation}) on input x: output = {e.activation}(Σ w_i·x_i + b)"
    parts = [table(header, rows + steps, numeric=numeric, row_classes=classes)]
    if e.raw_inputs is not None:
        parts.append(paragraph("x_i is the scaled input; raw is the value before scaling", "nk-note"))
    return block(title, *parts)


# ---------------------------------------------------------------------------- health report
def health_html(report: Any) -> str:
    """A :class:`~neuronkit.inspect.health.HealthReport`: per layer, then each problem (highlighted) and its remedy."""
    troubled = {p.layer for p in report.problems}
    header = ["layer", "activation", "neurons", "firing", "dead", "saturated", "duplicates", "excitatory",
              "‖∂L/∂W‖"]
    rows = []
    for lh in report.layers.values():
        check = lh.hidden and lh.measured
        rows.append([lh.name, lh.activation, lh.n_neurons,
                     f"{lh.firing_rate.mean():.2f}" if lh.measured else "-",
                     int(lh.dead.sum()) if check and lh.can_die else "-",
                     int(lh.saturated.sum()) if check and lh.can_saturate else "-",
                     len(lh.duplicates) if check else "-", f"{lh.excitatory.mean():.2f}",
                     "-" if lh.grad_norm is None else number(lh.grad_norm, 3)])
    classes = ["nk-bad" if lh.name in troubled else None for lh in report.layers.values()]
    when = f" after epoch {report.epoch + 1}" if report.epoch is not None else ""
    spiking = report.spiking_layers
    parts = [table(header, rows, numeric=range(2, len(header)), row_classes=classes)]
    if len(spiking) < len(report.layers):
        parts.append(paragraph("firing = mean fraction of samples with z > 0; excitatory = mean fraction of "
                               "weights > 0", "nk-note"))
    if spiking:  # a spiking layer's firing is its rate: spikes per time step; the table the text report has
        steps = next(iter(spiking.values())).steps
        spike_rows = []
        for lh in spiking.values():
            rate = lh.firing_rate
            rates = ([f"{rate.mean():.3f}", f"{statistics.median(rate.tolist()):.3f}", f"{rate.max():.3f}",
                      int(lh.silent.sum()), int(lh.always_firing.sum())] if lh.spikes
                     else ["membrane", "-", "-", "-", "-"])
            spike_rows.append([lh.name, lh.model, lh.n_neurons, *rates, f"{lh.synops:,.0f}", f"{lh.macs:,}"])
        parts.append(table(["layer", "model", "neurons", "mean rate", "median", "max", "silent", "always firing",
                            "SynOps/sample", "ANN MACs/sample"], spike_rows, numeric=range(2, 10)))
        parts.append(paragraph(f"rates in spikes per time step over {steps} steps (a neuron fires at most once per "
                               "step); SynOps: one accumulate per input spike and neuron it reaches", "nk-note"))
    if report.gradients is not None:
        ratio = report.gradients.ratio
        t = report.thresholds
        parts.append(paragraph(f"gradient norm ratio first/last layer: {'n/a' if ratio is None else number(ratio, 3)}"
                               f" (vanishing below {t.vanishing_ratio:g}, exploding above {t.exploding_ratio:g})"))
    else:
        parts.append(paragraph("gradients: not measured (give targets y to check for vanishing/exploding gradients)",
                               "nk-note"))
    if not report.problems:
        parts.append(paragraph("no problems found", "nk-ok"))
    else:
        parts.append(paragraph(f"problems ({len(report.problems)}):", "nk-warn"))
        problem_rows = [[p.kind, p.layer, ", ".join(p.neurons) or "(whole layer)", p.message, p.remedy]
                        for p in report.problems]
        parts.append(table(["problem", "layer", "neurons", "finding", "remedy"], problem_rows,
                           row_classes=["nk-bad"] * len(problem_rows)))
    return block(f"neuron health on {report.n_samples} samples{when}", *parts)


# ---------------------------------------------------------------------------- training history
def _loss_curve(history: dict[str, list[float]]) -> str | None:
    """The loss curves as a PNG data URI, or None without matplotlib or without a loss curve."""
    curves = [key for key in ("loss", "val_loss") if history.get(key)]
    if not curves:
        return None
    try:
        from matplotlib.figure import Figure
    except ImportError:  # the display is the table alone
        return None
    fig = Figure(figsize=(4.5, 2.6), dpi=80, layout="constrained")
    ax = fig.subplots()
    for key in curves:
        values = history[key]
        ax.plot(range(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return png_data_uri(fig)


def history_html(h: Any) -> str:
    """A :class:`~neuronkit.History`: each curve's first and last value, the diagnosis, and the loss curve."""
    n = len(h.epochs)
    if n == 0:
        return block("History: no epochs recorded yet")
    rows = [[key, number(values[0]), number(values[-1])] for key, values in h.history.items() if values]
    parts = [table(["quantity", "epoch 1" if h.epochs[0] == 0 else f"epoch {h.epochs[0] + 1}",
                    f"epoch {h.epochs[-1] + 1} (last)"], rows, numeric=[1, 2]),
             paragraph(h.diagnosis())]
    parts += [paragraph(note, "nk-note") for note in h.notes]
    uri = _loss_curve(h.history)
    if uri is not None:
        parts.append(f'<img alt="loss per epoch" src="{uri}">')
    return block(f"History: {n} epoch{'s' if n != 1 else ''}", *parts)
