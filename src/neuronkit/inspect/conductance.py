"""How much each hidden neuron contributes to an output: conductance and internal influence.

For a scalar F of the input (the potential, i.e. the logit, of the ``target`` output neuron by default;
``output="activation"`` takes its probability / f(z)), a hidden Dense layer with outputs h(x) (k neurons),
a baseline x' and the straight path x(α) = x' + α (x - x'):

=====================  =========================================================================
layer_conductance      neuron j's share of F(x) - F(x'): ∫₀¹ ∂F/∂hⱼ · dhⱼ/dα dα (Dhamdhere et al.
                       2018), one value per neuron, shape (n, k). Completeness: Σⱼ = F(x) - F(x')
                       (every path from x to F passes through the layer).
neuron_conductance     the same flow through one neuron j, split over the input features:
                       (xᵢ - x'ᵢ) ∫₀¹ ∂F/∂hⱼ · ∂hⱼ/∂xᵢ dα, shape like X; Σᵢ = layer conductance of j.
internal_influence     ∫₀¹ ∂F/∂hⱼ dα (Leino et al. 2018): the integrated gradient *at* the layer,
                       without the change of hⱼ (a sensitivity, not a share).
contributions          one prediction's per-neuron table: conductance, share, sorted, and how few
                       neurons carried a given fraction of the evidence.
=====================  =========================================================================

The integrals are sums over ``steps`` intervals of the path: the trapezoidal rule in α for neuron
conductance and internal influence; for layer conductance the Stieltjes sum
Σₛ ½(gₛ + gₛ₊₁)(hₛ₊₁ - hₛ) with gₛ = ∂F/∂h at x(αₛ), which is exact when F is linear in h and whose
error otherwise shrinks like 1/steps (faster for smooth activations). Every result reports
``delta`` (Σ - (F(x) - F(x'))) per sample and ``completeness_ok`` (within 5 %, as integrated gradients).

Works on networks and fitted estimators of feature vectors or images whose chosen layer is a hidden
Dense layer (not the output layer). Gradients are computed in float64 from the input on.

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([3, 4, 2], output="softmax", seed=0)
>>> x = np.array([[1.0, -0.5, 2.0]])
>>> c = nk.inspect.layer_conductance(net, x, layer="hidden1", target=1, steps=200)
>>> c.shape, c.completeness_ok
((1, 4), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.batches import batch_indices
from ..engine import Tensor, no_grad
from ..errors import ParameterError
from ..layers import Dense
from ..validation import check_int, check_number
from ._model import InspectedModel, eval_mode, forward, grad_of, preserved_grads
from .attribution import Attribution, Objective, _baseline, _targets, output_kind


class LayerAttribution(Attribution):
    """An :class:`Attribution` with one value per neuron of ``layer`` (shape (n_samples, neurons)).

    ``names`` are the neurons' stable names (``hidden1[0]`` ...). Slices and arithmetic carry no metadata.
    """

    layer: str | None
    names: list[str] | None

    def __array_finalize__(self, obj: Any) -> None:
        super().__array_finalize__(obj)
        self.layer = None
        self.names = None


class _Split:
    """A network cut after a hidden Dense layer: x -> h (the layer's outputs) -> F (one output per sample)."""

    def __init__(self, model: Any, X: Any, layer: Any, target: Any, output: str, batch_size: int,
                 what: str) -> None:
        self.m = InspectedModel(model)
        if self.m.is_text:
            raise ParameterError(f"{what} follows feature vectors or images; this network takes token ids: use "
                                 "nk.inspect.attribute (integrated gradients over the embeddings)")
        self.X = self.m.check_X(X)
        layers = list(self.m.network.layers.items())
        hidden = [name for name, lay in layers[:-1] if isinstance(lay, Dense)]
        if layer is None:
            if not hidden:
                raise ParameterError(f"{what} needs a hidden Dense layer; this network has none")
            layer = hidden[-1]
        lay = self.m.layer(layer)  # an unknown name lists the layers that exist
        if layer not in hidden:
            raise ParameterError(f"layer {layer!r} is a {type(lay).__name__}"
                                 f"{' (the output layer)' if layer == layers[-1][0] else ''}; {what} takes a hidden "
                                 f"Dense layer: {', '.join(hidden) or 'none here'}")
        self.layer = layer
        self.position = self.m.layer_index(layer)
        self.names = self.m.neuron_names(layer)
        kind = output_kind(output)
        last = len(layers) - 1
        self.potential = kind == "potential" and isinstance(layers[-1][1], Dense)
        self.output = kind
        self.target = _targets(self.m, Objective(self.m, last, None, self.potential), self.X, target, batch_size)

    def hidden(self, X: np.ndarray, *, grad: bool) -> tuple[Tensor, Tensor]:
        """(input leaf, h) for rows of X (shaped as the network takes them)."""
        leaf, net_in = self.m.input_tensor(X, requires_grad=grad)
        return leaf, forward(self.m.network, net_in, stop=self.position + 1)[-1].output

    def head(self, h: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(F, ∂F/∂h) for rows of h, float64."""
        with preserved_grads(self.m.network):
            leaf = Tensor(np.asarray(h, dtype=np.float64), requires_grad=True)
            rec = forward(self.m.network, leaf, start=self.position + 1)[-1]
            values = rec.potentials if self.potential else rec.output
            pick = np.zeros(values.shape)
            pick[np.arange(len(h)), target] = 1.0
            f = (values * pick).sum(axis=1)
            f.sum().backward()
        return f.data.astype(np.float64), grad_of(leaf).astype(np.float64)

    def paths(self, rows: np.ndarray, base: np.ndarray, steps: int) -> np.ndarray:
        """The path points of ``rows``: (len(rows) · (steps + 1), *sample shape), sample by sample."""
        x, b = self.X[rows], base[rows]
        alphas = np.linspace(0.0, 1.0, steps + 1).reshape(1, -1, *([1] * (x.ndim - 1)))
        path = b[:, None] + alphas * (x - b)[:, None]
        return path.reshape(len(rows) * (steps + 1), *x.shape[1:])


def _trapezoid(steps: int) -> np.ndarray:
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] = 0.5 / steps
    return weights


def _layer_pass(model: Any, X: Any, layer: Any, target: Any, output: str, baseline: Any, steps: int,
                batch_size: int, what: str) -> tuple[_Split, np.ndarray, dict[str, np.ndarray]]:
    """Along every sample's path: h (n, steps+1, k), g = ∂F/∂h (n, steps+1, k), F (n, steps+1)."""
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    split = _Split(model, X, layer, target, output, batch_size, what)
    base = _baseline(baseline, split.X)
    n, k = len(split.X), len(split.names)
    h_all, g_all, f_all = np.empty((n, steps + 1, k)), np.empty((n, steps + 1, k)), np.empty((n, steps + 1))
    with eval_mode(split.m.network):
        for rows in batch_indices(n, max(1, batch_size // (steps + 1)), shuffle=False):
            with no_grad():
                h = split.hidden(split.paths(rows, base, steps), grad=False)[1].data.astype(np.float64)
            f, g = split.head(h, np.repeat(split.target[rows], steps + 1))
            h_all[rows] = h.reshape(len(rows), steps + 1, k)
            g_all[rows] = g.reshape(len(rows), steps + 1, k)
            f_all[rows] = f.reshape(len(rows), steps + 1)
    return split, base, {"h": h_all, "g": g_all, "f": f_all}


def _result(split: _Split, values: np.ndarray, method: str, base: np.ndarray, f: np.ndarray | None,
            ) -> LayerAttribution:
    info: dict[str, Any] = {}
    if f is not None:
        info = {"values": f[:, -1], "baseline_values": f[:, 0], "delta": values.sum(axis=1) - (f[:, -1] - f[:, 0])}
    out = LayerAttribution(values, method=method, target=split.target, output=split.output, baseline=base, **info)
    out.layer, out.names = split.layer, split.names
    return out


def layer_conductance(model: Any, X: Any, *, layer: str | None = None, target: Any = None,
                      output: str = "potential", baseline: Any = None, steps: int = 50,
                      batch_size: int = 1024) -> LayerAttribution:
    """Each neuron's conductance: its share of F(x) - F(x') for the target output, shape (n, neurons).

    Parameters
    ----------
    model : network or fitted estimator
    X : array (n_samples, n_features) (unscaled for an estimator) or images (n_samples, C, H, W)
    layer : str, optional
        A hidden Dense layer (default: the last one). An unknown name lists the layers.
    target : int, label or array, optional
        The output neuron (default: the predicted class; output 0 for a single output).
    output : ``"potential"`` (the logit; default) or ``"activation"``
    baseline : number or array shaped like one sample or like X (default zeros)
    steps : int
        Intervals along the path (the sum's error shrinks like 1/steps).
    batch_size : int
        At most this many network inputs per pass.

    Returns
    -------
    LayerAttribution
        With ``values`` F(x), ``baseline_values`` F(x'), ``delta`` = Σⱼ - (F(x) - F(x')),
        ``completeness_ok``, ``layer`` and the neurons' ``names``.

    Examples
    --------
    One ReLU neuron between input and output: all of F(x) - F(x') flows through it.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(1, 1, activation="relu", seed=0), nk.Dense(1, 1, activation="identity"))
    >>> net["hidden1"].weight.data[:] = 2.0; net["hidden1"].bias.data[:] = 0.0
    >>> net["output"].weight.data[:] = 3.0; net["output"].bias.data[:] = 1.0
    >>> layer_conductance(net, [[1.5]]).tolist()    # F(1.5) - F(0) = 3 · 2 · 1.5
    [[9.0]]
    """
    split, base, p = _layer_pass(model, X, layer, target, output, baseline, steps, batch_size, "layer_conductance")
    g, h = p["g"], p["h"]
    values = np.einsum("nsk,nsk->nk", 0.5 * (g[:, 1:] + g[:, :-1]), h[:, 1:] - h[:, :-1])
    return _result(split, values, "layer_conductance", base, p["f"])


def internal_influence(model: Any, X: Any, *, layer: str | None = None, target: Any = None,
                       output: str = "potential", baseline: Any = None, steps: int = 50,
                       batch_size: int = 1024) -> LayerAttribution:
    """Each neuron's internal influence ∫₀¹ ∂F/∂hⱼ(x(α)) dα: the layer's gradient averaged along the path.

    Parameters are those of :func:`layer_conductance`. Unlike conductance it is a sensitivity (units of F
    per unit of hⱼ) with no completeness property: ``delta`` is not reported. For a network that is linear
    after the layer it is the constant ∂F/∂h.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 2, activation="tanh", seed=0), nk.Dense(2, 1, activation="identity"))
    >>> net["output"].weight.data[:] = [[0.5, -2.0]]
    >>> internal_influence(net, [[1.0, 2.0]]).round(9).tolist()
    [[0.5, -2.0]]
    """
    split, base, p = _layer_pass(model, X, layer, target, output, baseline, steps, batch_size, "internal_influence")
    values = np.einsum("s,nsk->nk", _trapezoid(steps), p["g"])
    return _result(split, values, "internal_influence", base, None)


def neuron_conductance(model: Any, X: Any, neuron: str, *, target: Any = None, output: str = "potential",
                       baseline: Any = None, steps: int = 50, batch_size: int = 1024) -> Attribution:
    """The conductance of one hidden neuron split over the input features: an array shaped like X.

    (xᵢ - x'ᵢ) ∫₀¹ ∂F/∂hⱼ · ∂hⱼ/∂xᵢ dα (trapezoidal rule): how much of the target's change flows from
    feature i *through* neuron j. Summed over the features it is the neuron's layer conductance;
    ``delta`` is that sum minus F(x) - F(x') (the other neurons' share), so it is not a completeness
    error here: ``values``/``baseline_values`` are F(x), F(x').

    Parameters
    ----------
    neuron : str
        A neuron of a hidden Dense layer, e.g. ``"hidden1[3]"``.
    Others as :func:`layer_conductance`.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="relu", seed=0), nk.Dense(1, 1, activation="identity"))
    >>> net["hidden1"].weight.data[:] = [[1.0, -1.0]]; net["hidden1"].bias.data[:] = 0.5
    >>> net["output"].weight.data[:] = 2.0
    >>> neuron_conductance(net, [[3.0, 1.0]], "hidden1[0]").round(9).tolist()  # 2·relu(x₀ - x₁ + 0.5): linear here
    [[6.0, -2.0]]
    """
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    probe = InspectedModel(model)
    layer_name, _, j = probe.neuron(neuron)
    split = _Split(model, X, layer_name, target, output, batch_size, "neuron_conductance")
    base = _baseline(baseline, split.X)
    n = len(split.X)
    weights = _trapezoid(steps)
    out = np.empty(split.X.shape)
    f_all = np.empty((n, steps + 1))
    with eval_mode(split.m.network):
        for rows in batch_indices(n, max(1, batch_size // (steps + 1)), shuffle=False):
            path = split.paths(rows, base, steps)
            with no_grad():
                h = split.hidden(path, grad=False)[1].data.astype(np.float64)
            f, g = split.head(h, np.repeat(split.target[rows], steps + 1))
            with preserved_grads(split.m.network):
                leaf, h_t = split.hidden(path, grad=True)
                (h_t[:, j] * g[:, j]).sum().backward()  # ∂F/∂hⱼ · ∂hⱼ/∂x for every path point
            dx = grad_of(leaf).astype(np.float64).reshape(len(rows), steps + 1, *split.X.shape[1:])
            integral = np.tensordot(weights, np.moveaxis(dx, 1, 0), axes=1)
            out[rows] = (split.X[rows] - base[rows]) * integral
            f_all[rows] = f.reshape(len(rows), steps + 1)
    through = out.reshape(n, -1).sum(axis=1)
    return Attribution(out, method="neuron_conductance", target=split.target, neuron=f"{layer_name}[{j}]",
                       output=split.output, baseline=base, values=f_all[:, -1], baseline_values=f_all[:, 0],
                       delta=through - (f_all[:, -1] - f_all[:, 0]))


@dataclass
class Contributions:
    """One prediction's per-neuron contribution table (see :func:`contributions`).

    Rows are sorted by ``conductance``, largest first. ``share`` is each neuron's conductance over the
    total F(x) - F(x') (signed: a negative share argued against the target). ``delta`` is the
    completeness error of the sum.

    >>> import numpy as np, neuronkit as nk
    >>> table = nk.inspect.contributions(nk.mlp([2, 3, 2], output="softmax", seed=0), [1.0, -1.0], target=0)
    >>> table.layer, len(table.rows()), bool(np.all(np.diff(table.conductance) <= 0))
    ('hidden1', 3, True)
    """

    layer: str
    target: int
    names: list[str]
    conductance: np.ndarray
    share: np.ndarray
    value: float
    baseline_value: float
    delta: float

    def carried(self, fraction: float = 0.8) -> list[str]:
        """The fewest neurons whose positive conductances reach ``fraction`` of all positive conductance.

        "These neurons carried 80 % of the evidence for the target" (the evidence *for* it: neurons that
        argued against it are not counted).

        >>> table = Contributions("h", 0, ["h[1]", "h[0]", "h[2]"], np.array([3.0, 1.0, -0.5]),
        ...                       np.array([3.0, 1.0, -0.5]) / 3.5, 3.5, 0.0, 0.0)
        >>> table.carried(0.75), table.carried(0.8)
        (['h[1]'], ['h[1]', 'h[0]'])
        """
        fraction = check_number(fraction, "fraction", low=0.0, high=1.0)
        positive = np.clip(self.conductance, 0.0, None)
        total = positive.sum()
        if total <= 0.0:
            return []
        needed = int(np.searchsorted(np.cumsum(positive), fraction * total - 1e-12 * total)) + 1
        return self.names[:min(needed, int((positive > 0).sum()))]

    def rows(self) -> list[dict[str, Any]]:
        """The table as a list of dicts (name, conductance, share), for JSON or a DataFrame."""
        return [{"neuron": name, "conductance": float(c), "share": float(s)}
                for name, c, s in zip(self.names, self.conductance, self.share)]

    def __str__(self) -> str:
        lines = [f"contributions of layer {self.layer!r} to output {self.target}: F(x) = {self.value:.4g}, "
                 f"F(baseline) = {self.baseline_value:.4g}, completeness error {abs(self.delta):.2g}",
                 f"{'neuron':<16}{'conductance':>14}{'share':>9}"]
        lines += [f"{name:<16}{c:>14.4g}{s:>9.1%}" for name, c, s in zip(self.names, self.conductance, self.share)]
        carried = self.carried(0.8)
        if carried:
            lines.append(f"{len(carried)} of {len(self.names)} neurons carried 80% of the evidence for output "
                         f"{self.target}")
        return "\n".join(lines)


def contributions(model: Any, x: Any, *, target: Any = None, layer: str | None = None, output: str = "potential",
                  baseline: Any = None, steps: int = 200) -> Contributions:
    """One prediction's per-neuron contribution table: each neuron's layer conductance and share, sorted.

    Parameters
    ----------
    model : network or fitted estimator
    x : one sample (n_features,) (or (1, n_features); one image (C, H, W))
    target, layer, output, baseline, steps : as :func:`layer_conductance`

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([4, 6, 3], output="softmax", seed=0)
    >>> table = nk.inspect.contributions(net, [0.5, -1.0, 2.0, 0.3], target=2)
    >>> len(table.names), bool(np.isclose(table.conductance.sum(), table.value - table.baseline_value, atol=1e-3))
    (6, True)
    """
    m = InspectedModel(model)
    X = m.check_X(x)
    if len(X) != 1:
        raise ParameterError(f"contributions explains one prediction; x holds {len(X)} samples: give one "
                             "(use layer_conductance for many)")
    c = layer_conductance(model, X, layer=layer, target=target, output=output, baseline=baseline, steps=steps)
    assert c.values is not None and c.baseline_values is not None and c.delta is not None and c.names is not None
    order = np.argsort(-np.asarray(c[0]), kind="stable")
    cond = np.asarray(c[0])[order]
    change = float(c.values[0] - c.baseline_values[0])
    total = change if abs(change) > 1e-12 else float(np.abs(cond).sum()) or 1.0
    return Contributions(layer=str(c.layer), target=int(np.asarray(c.target)[0]), names=[c.names[i] for i in order],
                         conductance=cond, share=cond / total, value=float(c.values[0]),
                         baseline_value=float(c.baseline_values[0]), delta=float(c.delta[0]))
