"""What the page shows, computed from a frame: the run's description, the graph, response maps, neuron cards.

Every function here is pure: it reads a network (the hub's shadow copy, loaded with one frame's
parameters) and arrays, and returns JSON-ready dicts. The server calls them; the tests check their
numbers against the library's own (``nk.inspect``, ``layer.neurons[i].explain``).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Tensor, eval_mode, no_grad
from ..errors import ParameterError
from ..inspect import attribute
from ..inspect._model import UNIT_TYPES, channels_last, is_spiking_layer, preserved_grads
from ..inspect.cost import cost
from ..inspect.health import health as inspect_health
from ..layers import Dense, Flatten
from ..layers.conv_neurons import is_convolution
from ..validation import check_int

__all__ = ["conv_view", "encode_u8", "graph", "grid_points", "layer_health", "neuron_card", "neuron_map", "points",
           "raster", "response_maps", "round_sig", "run_info"]


def _layer_rows(model: Any) -> list[dict[str, Any]]:
    rows = []
    for layer in model:
        act = getattr(layer, "activation", None)
        rows.append({"name": getattr(layer, "name", type(layer).__name__), "kind": type(layer).__name__,
                     "in": getattr(layer, "in_features", None), "units": getattr(layer, "out_features", None),
                     "activation": getattr(act, "name", None)})
    return rows


def run_info(model: Any, data: Mapping[str, Any], *, dataset: str | None = None,
             feature_names: list[str] | None = None, classes: list[Any] | None = None, task: str | None = None,
             config: Mapping[str, Any] | None = None, image_shape: Any = None) -> dict[str, Any]:
    """The run as the page's header and side panel describe it (JSON-ready).

    Keys: ``dataset``, ``task`` ("classification" or "regression"), ``n_train``, ``n_val``,
    ``n_features``, ``feature_names``, ``classes`` (names, or None for regression),
    ``input_shape`` (the shape of one sample, e.g. [1, 8, 8] for images), ``is_2d`` (two
    features: the page draws response maps), ``layers`` (name, kind, in, units, activation),
    ``config`` (the settings the run was started with) and ``image_shape`` ((C, H, W) when flat
    inputs are the pixels of an image, e.g. [1, 8, 8] for digits: cards then draw weights as images).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> info = run_info(net, {"X": np.zeros((5, 2)), "y": np.array([0, 1, 0, 1, 1])})
    >>> info["task"], info["classes"], info["is_2d"], [r["name"] for r in info["layers"]]
    ('classification', ['0', '1'], True, ['hidden1', 'output'])
    """
    X = np.asarray(data["X"])
    y = data.get("y")
    shape = [int(s) for s in X.shape[1:]]
    n_features = int(np.prod(shape)) if shape else 1
    if task is None:
        task = "classification" if y is not None and np.asarray(y).dtype.kind in "iub" else "regression"
    if classes is None and task == "classification" and y is not None:
        classes = [str(c) for c in range(int(np.max(np.asarray(y))) + 1)]
    if feature_names is None:
        feature_names = [f"x{i + 1}" for i in range(n_features)]
    X_val = data.get("X_val")
    return {"dataset": dataset or "data", "task": task, "n_train": int(len(X)),
            "n_val": 0 if X_val is None else int(len(X_val)), "n_features": n_features,
            "feature_names": [str(f) for f in feature_names], "classes": None if classes is None else
            [str(c) for c in classes], "input_shape": shape, "is_2d": shape == [2], "layers": _layer_rows(model),
            "config": dict(config or {}),
            "image_shape": None if image_shape is None else [int(v) for v in image_shape]}


# ------------------------------------------------------------------------------ small helpers (public, tested)
def round_sig(x: Any, digits: int = 4) -> Any:
    """``x`` rounded to ``digits`` significant digits, JSON-ready: a float (or None for NaN/±inf) for a
    number, nested lists for an array.

    The result is the double nearest the rounded decimal, so JSON shows it short (0.1235, not
    0.12350000000000001).

    >>> round_sig(3.14159), round_sig(-0.000123456), round_sig(123456.0), round_sig(float("nan"))
    (3.142, -0.0001235, 123500.0, None)
    >>> round_sig(np.array([[1.23456, 0.0], [np.inf, 2e-9]]))
    [[1.235, 0.0], [None, 2e-09]]
    """
    if isinstance(x, (float, int, np.floating, np.integer)) and not isinstance(x, bool) and \
            isinstance(digits, int) and 1 <= digits <= 15:  # one number (most calls): the decimal rounding at once
        v = float(x)
        return (float(f"{v:.{digits}g}") + 0.0) if math.isfinite(v) else None
    digits = check_int(digits, "digits", low=1, high=15)
    a = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(a)
    safe = np.where(finite, a, 0.0)
    mag = np.floor(np.log10(np.abs(safe), out=np.zeros_like(safe), where=safe != 0))
    k = (digits - 1 - mag).astype(np.int64)
    up = np.power(10.0, np.maximum(k, 0))
    down = np.power(10.0, np.maximum(-k, 0))
    # an exact integer divided (or multiplied) by an exact power of ten: correctly rounded, so it prints short
    r = np.where(k >= 0, np.round(safe * up) / up, np.round(safe / down) * down) + 0.0
    if a.ndim == 0:
        return float(r) if finite else None
    out = r.tolist()
    if not finite.all():
        out = _none_where(out, finite.tolist())
    return out


def _none_where(values: Any, keep: Any) -> Any:
    if isinstance(values, list):
        return [_none_where(v, k) for v, k in zip(values, keep)]
    return values if keep else None


def encode_u8(values: Any, vmin: float, vmax: float) -> str:
    """``values`` quantised to bytes (``vmin`` -> 0, ``vmax`` -> 255, clipped) and base64-encoded, in C order.

    The page decodes a byte q as ``vmin + q / 255 · (vmax - vmin)``: within half a step,
    ``(vmax - vmin) / 510``, of the value. NaN becomes 0; ``vmax <= vmin`` gives all zeros.

    >>> encode_u8([0.0, 0.5, 1.0, 2.0], 0.0, 1.0)
    'AID//w=='
    >>> list(base64.b64decode(encode_u8([0.0, 0.5, 1.0, 2.0, float("nan")], 0.0, 1.0)))
    [0, 128, 255, 255, 0]
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    span = float(vmax) - float(vmin)
    if not (math.isfinite(span) and span > 0):
        q = np.zeros(a.shape, dtype=np.uint8)
    else:
        scaled = np.nan_to_num((a - float(vmin)) * (255.0 / span), nan=0.0, posinf=255.0, neginf=0.0)
        q = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _float(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------------------ the network, layer by layer
@dataclass
class _Step:
    """One layer's part of a recorded forward pass (arrays; ``timed``: the output is time-major (T, N, ...))."""

    name: str
    layer: Any
    input: np.ndarray
    output: np.ndarray
    timed: bool


def _forward(net: Any, X: np.ndarray, *, stop: int | None = None) -> list[_Step]:
    """Run ``net``'s layers one by one on ``X`` (eval mode, no graph), keeping every layer's input and output.

    The layers' own array path (``infer``): the values of ``net.infer`` without building a graph.
    """
    steps: list[_Step] = []
    timed = False
    h: Any = X
    with eval_mode(), no_grad():
        for name, layer in list(net.layers.items())[:stop]:
            out = np.asarray(layer.infer(h))
            timed = timed or bool(getattr(layer, "makes_time_axis", False))
            steps.append(_Step(name, layer, h, out, timed))
            h = out
    return steps


def _unit_count(layer: Any) -> int | None:
    """How many neurons a layer has: Dense/spiking out features, convolution filters; None for other kinds."""
    if is_spiking_layer(layer):
        return int(layer.synapse.weight.shape[0])
    for attr in ("out_features", "out_channels"):
        value = vars(layer).get(attr)
        if isinstance(value, int):
            return value
    return None


def _has_neurons(layer: Any) -> bool:
    return is_spiking_layer(layer) or isinstance(layer, UNIT_TYPES)


def _is_conv(layer: Any) -> bool:
    return is_convolution(layer) or (is_spiking_layer(layer) and is_convolution(layer.synapse))


def _shapes(net: Any, info: Mapping[str, Any]) -> list[tuple[int, ...] | None]:
    """Each layer's per-sample output shape (no batch or time axis), from ``info["input_shape"]``; None past
    a layer that cannot say."""
    shape: tuple[int, ...] | None = tuple(int(s) for s in info.get("input_shape") or ()) or None
    out: list[tuple[int, ...] | None] = []
    for layer in net:
        if shape is not None:
            try:
                shape = tuple(int(s) for s in layer.output_shape(shape))
            except Exception:  # noqa: BLE001 - an unusual layer: stop inferring shapes, draw it without units
                shape = None
        out.append(shape)
    return out


def _neuron_layers(net: Any) -> list[str]:
    return [name for name, layer in net.layers.items() if _has_neurons(layer)]


def _mean_per_unit(step: _Step) -> np.ndarray | None:
    """Mean output of each unit over the samples (and time, and positions): (units,), or None."""
    out = step.output.astype(np.float64)
    if step.timed:
        out = out.reshape(-1, *out.shape[2:])
    if out.ndim == 2:
        return out.mean(axis=0)
    if out.ndim > 2:
        return channels_last(out).mean(axis=0)
    return None


def _sample_rows(X: Any, limit: int, seed: int = 0) -> np.ndarray:
    """Row indices of at most ``limit`` rows of X (all of them in order when it has no more; else a sorted
    random subset drawn from ``seed``)."""
    n = len(X)
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def _health(net: Any, X: np.ndarray | None) -> Any:
    """The library's health report on ``X`` (None without data); only the per-neuron statistics are used."""
    if X is None or len(X) == 0:
        return None
    return inspect_health(net, X)


def _flags(report: Any, name: str, count: int) -> list[list[str]]:
    """Each neuron's problems by the library's rules: dead, saturated, duplicate; silent, always_firing."""
    flags: list[list[str]] = [[] for _ in range(count)]
    lh = None if report is None else report.layers.get(name)
    if lh is None or not lh.measured:
        return flags
    for kind in ("dead", "saturated", "silent", "always_firing"):
        mask = getattr(lh, kind, None)
        if mask is not None and len(mask) == count:
            for i in np.flatnonzero(mask):
                flags[int(i)].append(kind)
    for _, j, _ in lh.duplicates:
        flags[int(j)].append("duplicate")
    return flags


# ------------------------------------------------------------------------------ the graph
def _page(pages: Mapping[str, int] | None, name: str, units: int | None, page_size: int) -> tuple[int, int, list[int]]:
    """(page, pages, shown indices) of a layer: a page asked for outside the layer is clamped to it."""
    if not units:
        return 0, 1, []
    count = max(1, math.ceil(units / page_size))
    asked = (pages or {}).get(name, 0)
    page = min(max(check_int(asked, f"pages[{name!r}]"), 0), count - 1)
    return page, count, list(range(page * page_size, min(units, (page + 1) * page_size)))


def _weight_matrix(layer: Any) -> np.ndarray | None:
    """A layer's (out, in) weight matrix when its neurons each take one value of a vector input."""
    if is_spiking_layer(layer):
        layer = layer.synapse
    w = getattr(getattr(layer, "weight", None), "data", None)
    if isinstance(layer, Dense) and isinstance(w, np.ndarray) and w.ndim == 2:
        return w
    return None


def _activation_name(layer: Any) -> str | None:
    if is_spiking_layer(layer):
        return type(layer.neuron).__name__
    return getattr(getattr(layer, "activation", None), "name", None)


def graph(net: Any, info: Mapping[str, Any], *, pages: Mapping[str, int] | None = None, page_size: int = 16,
          X_sample: Any = None) -> dict[str, Any]:
    """The network as the page draws it (GRAPH): the input, then every layer, with paging for wide layers.

    Each layer: ``name``, ``kind``, ``units`` (neurons; filters for a convolution; the values
    of a flat layer such as Flatten; None when it has no such count), ``activation``, ``page``,
    ``pages``, ``shown`` (the neuron indices on this page: ``page·page_size`` on), ``labels``
    (input layer: the names of the shown features), ``w`` (a row per shown neuron, a column per
    shown neuron of the layer before, when both are drawn as neurons), ``b``, ``w_absmax`` (over
    the whole layer), ``mean_act`` (mean output of each shown neuron over ``X_sample``, at most
    256 rows) and ``flags`` (the library's health findings: "dead", "saturated", "duplicate",
    "silent", "always_firing"). Numbers have 4 significant digits.

    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 40, 3], output="softmax", seed=0)
    >>> info = run_info(net, {"X": np.zeros((4, 2)), "y": np.array([0, 1, 2, 0])})
    >>> g = graph(net, info, pages={"hidden1": 2})
    >>> [(lay["name"], lay["units"], lay["pages"]) for lay in g["layers"]]
    [('input', 2, 1), ('hidden1', 40, 3), ('output', 3, 1)]
    >>> g["layers"][1]["shown"][0], len(g["layers"][2]["w"][0])     # page 2: neurons 32..39
    (32, 8)
    """
    page_size = check_int(page_size, "page_size", low=1, high=1024)
    shapes = _shapes(net, info)
    X = None
    if X_sample is not None:
        X = np.asarray(X_sample)
        X = X[_sample_rows(X, 256)]
    steps = _forward(net, X) if X is not None and len(X) else None
    report = _health(net, X) if X is not None and len(X) else None
    n_in = int(info.get("n_features") or 0)
    names = [str(f) for f in info.get("feature_names") or []]
    page, count, shown = _page(pages, "input", n_in, page_size)
    in_mean = None if X is None or not len(X) else X.reshape(len(X), -1).astype(np.float64).mean(axis=0)
    layers = [{"name": "input", "kind": "Input", "units": n_in, "activation": None, "page": page, "pages": count,
               "shown": shown, "labels": [names[i] if i < len(names) else f"x{i + 1}" for i in shown],
               "w": None, "b": None, "w_absmax": None,
               "mean_act": None if in_mean is None else round_sig(in_mean[shown]), "flags": None}]
    prev_units: int | None = n_in
    prev_flat, prev_shown = len(info.get("input_shape") or []) == 1, shown
    for k, (name, layer) in enumerate(net.layers.items()):
        shape = shapes[k]
        units = _unit_count(layer)
        flat = shape is not None and len(shape) == 1
        if units is None and shape is not None:
            units = shape[0] if flat else (shape[0] if len(shape) > 1 else None)
        page, count, shown = _page(pages, name, units, page_size)
        entry: dict[str, Any] = {"name": name, "kind": type(layer).__name__, "units": units,
                                 "activation": _activation_name(layer), "page": page, "pages": count, "shown": shown,
                                 "labels": None, "w": None, "b": None, "w_absmax": None, "mean_act": None,
                                 "flags": None}
        W = _weight_matrix(layer)
        weight = getattr(getattr(layer.synapse if is_spiking_layer(layer) else layer, "weight", None), "data", None)
        if _has_neurons(layer) and isinstance(weight, np.ndarray) and weight.size:
            entry["w_absmax"] = round_sig(np.max(np.abs(weight)))
        if W is not None:
            if prev_flat and W.shape[1] == prev_units:
                entry["w"] = round_sig(W[np.ix_(shown, prev_shown)])
        bias = getattr(layer, "bias", None)
        if _has_neurons(layer) and bias is not None and shown:
            entry["b"] = round_sig(np.asarray(bias.data)[shown])
        if steps is not None and shown:
            mean = _mean_per_unit(steps[k])
            if mean is not None and len(mean) == units:
                entry["mean_act"] = round_sig(mean[shown])
        if _has_neurons(layer) and units and report is not None:
            flags = _flags(report, name, units)
            entry["flags"] = [flags[i] for i in shown]
        layers.append(entry)
        prev_flat, prev_shown, prev_units = flat, shown, units
    return {"page_size": page_size, "layers": layers}


def layer_health(net: Any, X_sample: Any) -> dict[str, dict[str, float]]:
    """The fraction of each neuron layer's neurons that are dead and saturated (the library's rules), for the
    health curves.

    Spiking layers: ``dead`` is the fraction of silent neurons (they never fire on the sample) and
    ``saturated`` that of always-firing ones. At most 256 rows of ``X_sample`` are used.

    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[:2] = -100.0
    >>> layer_health(net, np.random.default_rng(0).normal(size=(20, 2)))
    {'hidden1': {'dead': 0.5, 'saturated': 0.0}, 'output': {'dead': 0.0, 'saturated': 0.0}}
    """
    X = np.asarray(X_sample)
    report = _health(net, X[_sample_rows(X, 256)])
    out: dict[str, dict[str, float]] = {}
    if report is None:
        return out
    for name, lh in report.layers.items():
        n = max(lh.n_neurons, 1)
        dead = getattr(lh, "silent", None) if is_spiking_layer(net[name]) else lh.dead
        saturated = getattr(lh, "always_firing", None) if is_spiking_layer(net[name]) else lh.saturated
        out[name] = {"dead": float(np.sum(dead)) / n if dead is not None else 0.0,
                     "saturated": float(np.sum(saturated)) / n if saturated is not None else 0.0}
    return out


# ------------------------------------------------------------------------------ response maps (2-D inputs)
def _takes_unit_range(net: Any) -> bool:
    """True when the network starts with an encoder that refuses inputs outside [0, 1]."""
    first = next(iter(net))
    return bool(getattr(first, "makes_time_axis", False)) and not getattr(first, "clip", True)


def _extent(net: Any, X: np.ndarray) -> list[float]:
    """[xmin, xmax, ymin, ymax]: the data's range padded by 10 % on each side (within [0, 1] for an encoder
    that takes only that range)."""
    lo = X.min(axis=0).astype(np.float64)
    hi = X.max(axis=0).astype(np.float64)
    pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)
    lo, hi = lo - pad, hi + pad
    if _takes_unit_range(net):
        lo, hi = np.maximum(lo, 0.0), np.minimum(hi, 1.0)
    return [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]


def grid_points(extent: list[float], grid: int) -> np.ndarray:
    """The ``grid``·``grid`` points of a response map, (G·G, 2), row by row: row 0 is ``ymax``, column 0 ``xmin``.

    >>> grid_points([0.0, 1.0, 0.0, 2.0], 2).tolist()
    [[0.0, 2.0], [1.0, 2.0], [0.0, 0.0], [1.0, 0.0]]
    """
    xs = np.linspace(extent[0], extent[1], grid)
    ys = np.linspace(extent[3], extent[2], grid)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _per_sample(step: _Step) -> np.ndarray:
    """A layer's output as (N, units): over time, the mean (a spiking layer's rate)."""
    out = step.output.astype(np.float64)
    if step.timed:
        out = out.mean(axis=0)
    return out.reshape(len(out), -1)


def _u8_maps(values: np.ndarray, indices: list[int]) -> list[dict[str, Any]]:
    """:func:`_u8_map` of the columns ``indices`` of ``values`` (N, units), quantised together (one pass)."""
    if not indices:
        return []
    cols = values[:, indices].T  # (k, N)
    vmin, vmax = cols.min(axis=1), cols.max(axis=1)
    span = vmax - vmin
    flat = ~(np.isfinite(span) & (span > 0))
    scale = np.where(flat, 0.0, 255.0 / np.where(flat, 1.0, span))
    scaled = np.nan_to_num((cols - vmin[:, None]) * scale[:, None], nan=0.0, posinf=255.0, neginf=0.0)
    q = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return [{"index": int(i), "min": round_sig(float(lo)), "max": round_sig(float(hi)),
             "data": base64.b64encode(row.tobytes()).decode("ascii")} for i, lo, hi, row in zip(indices, vmin, vmax, q)]


def _u8_map(values: np.ndarray) -> dict[str, Any]:
    vmin, vmax = float(np.min(values)), float(np.max(values))
    return {"min": round_sig(vmin), "max": round_sig(vmax), "data": encode_u8(values, vmin, vmax)}


def _hidden_layers(net: Any) -> list[str]:
    """Layers with neurons, the last one (the output) left out."""
    return _neuron_layers(net)[:-1]


def _output_map(net: Any, info: Mapping[str, Any], out: np.ndarray) -> dict[str, Any]:
    """The decision surface: class index and confidence for a classifier, the value for a regression."""
    if info.get("task") != "classification":
        values = out[:, 0]
        return {"kind": "value", "classes": None, **_u8_map(values)}
    if out.shape[1] == 1:  # one sigmoid output: P(class 1)
        p = np.clip(out[:, 0], 0.0, 1.0)
        argmax, confidence, k = (p > 0.5).astype(np.uint8), np.maximum(p, 1.0 - p), 2
    else:
        act = getattr(net.output_activation, "name", None)
        if act == "softmax":
            probs = out
        elif is_spiking_layer(list(net)[-1]) or act in ("sigmoid",):  # rates or independent scores: normalise
            total = out.sum(axis=1, keepdims=True)
            probs = np.divide(out, total, out=np.full_like(out, 1.0 / out.shape[1]), where=total > 0)
        else:  # logits
            e = np.exp(out - out.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
        argmax, confidence, k = np.argmax(out, axis=1).astype(np.uint8), probs.max(axis=1), out.shape[1]
    return {"kind": "classes", "classes": int(k), "argmax": base64.b64encode(argmax.tobytes()).decode("ascii"),
            "confidence": encode_u8(confidence, 0.0, 1.0)}


def response_maps(net: Any, info: Mapping[str, Any], X_train: Any, *, shown: Mapping[str, list[int]] | None = None,
                  grid: int = 40) -> dict[str, Any]:
    """Each shown hidden neuron's output over the input plane, and the decision surface (MAPS; 2-D inputs).

    One forward pass over the ``grid``·``grid`` points of the plane spanned by ``X_train`` (its
    range padded by 10 %, in network input coordinates) records every layer. Each map is
    quantised to bytes between its own ``min`` and ``max`` (:func:`encode_u8`; row 0 is ``ymax``).
    ``shown``: the neuron indices of each hidden layer (default: the first 16). The output is
    ``{"kind": "classes", "classes", "argmax", "confidence"}`` (class index per point; the
    largest probability 0..1 as bytes) for a classifier of any number of classes, or
    ``{"kind": "value", "min", "max", "data"}`` for a regression.

    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 8, 3], output="softmax", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> maps = response_maps(net, run_info(net, {"X": X, "y": np.arange(50) % 3}), X, grid=20)
    >>> len(base64.b64decode(maps["neurons"]["hidden1"][0]["data"])), maps["output"]["classes"]
    (400, 3)
    """
    if not info.get("is_2d"):
        raise ParameterError(f"response maps need 2 input features (a point of the plane per input); this run has "
                             f"input shape {info.get('input_shape')}")
    grid = check_int(grid, "grid", low=2, high=512)
    X = np.asarray(X_train, dtype=np.float64).reshape(len(X_train), -1)
    if len(X) == 0 or X.shape[1] != 2:
        raise ParameterError(f"response maps need training data of shape (n, 2); got shape {X.shape}")
    extent = _extent(net, X)
    steps = {s.name: s for s in _forward(net, grid_points(extent, grid))}
    neurons: dict[str, list[dict[str, Any]]] = {}
    for name in _hidden_layers(net):
        values = _per_sample(steps[name])
        wanted = (shown or {}).get(name)
        indices = list(range(min(16, values.shape[1]))) if wanted is None else \
            [i for i in (int(v) for v in wanted) if 0 <= i < values.shape[1]]
        neurons[name] = _u8_maps(values, indices)
    last = list(steps.values())[-1]
    return {"grid": grid, "extent": [round_sig(v, 6) for v in extent], "neurons": neurons,
            "output": _output_map(net, info, _per_sample(last))}


def neuron_map(net: Any, info: Mapping[str, Any], X_train: Any, layer: str, index: int, *,
               grid: int = 64) -> dict[str, Any] | None:
    """One neuron's response map (``grid``·``grid``, as in :func:`response_maps`), or None when the inputs are
    not 2-D or the layer's neurons do not give one value per point (a convolution).

    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> X = np.array([[0.0, 0.0], [1.0, 2.0]])
    >>> m = neuron_map(net, {"is_2d": True}, X, "hidden1", 2, grid=8)
    >>> m["grid"], m["extent"], len(base64.b64decode(m["data"]))
    (8, [-0.1, 1.1, -0.2, 2.2], 64)
    """
    if not info.get("is_2d"):
        return None
    X = np.asarray(X_train, dtype=np.float64).reshape(len(X_train), -1)
    extent = _extent(net, X)
    position = list(net.layers).index(layer)
    values = _per_sample(_forward(net, grid_points(extent, grid), stop=position + 1)[-1])
    if values.shape[1] != _unit_count(net[layer]):
        return None
    return {"grid": grid, "extent": [round_sig(v, 6) for v in extent], "index": int(index),
            **_u8_map(values[:, index])}


def points(info: Mapping[str, Any], X: Any, y: Any, n: int = 400, seed: int = 0) -> dict[str, Any] | None:
    """At most ``n`` training points for the maps (``hello.points``): ``x``, ``y`` (network input coordinates)
    and ``label`` (class index, or the target value); None unless the inputs are 2-D.

    >>> info = {"is_2d": True, "task": "classification"}
    >>> points(info, [[0.0, 1.0], [2.0, 3.0]], [1, 0])
    {'x': [0.0, 2.0], 'y': [1.0, 3.0], 'label': [1, 0]}
    """
    if not info.get("is_2d") or X is None:
        return None
    n = check_int(n, "n", low=1)
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    rows = _sample_rows(X, n, seed)
    labels: list[Any] = []
    if y is not None:
        yy = np.asarray(y)[rows]
        if info.get("task") == "classification":
            labels = [int(v) for v in yy.reshape(len(yy), -1)[:, 0]]
        else:
            labels = round_sig(yy.reshape(len(yy), -1)[:, 0])
    return {"x": round_sig(X[rows, 0]), "y": round_sig(X[rows, 1]), "label": labels}


# ------------------------------------------------------------------------------ the neuron card
def _check_neuron(net: Any, layer: Any, index: Any) -> tuple[str, Any, int]:
    """(name, layer, index) of a neuron the page asked for; a ParameterError naming what is valid otherwise."""
    with_neurons = _neuron_layers(net)
    if not isinstance(layer, str) or layer not in net.layers or layer not in with_neurons:
        raise ParameterError(f"layer must be one of the layers with neurons: {', '.join(with_neurons) or 'none'}; "
                             f"got {layer!r}")
    count = _unit_count(net[layer]) or 0
    word = "filters" if _is_conv(net[layer]) else "neurons"
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < count:
        raise ParameterError(f"layer {layer!r} has {count} {word}: index must be 0..{count - 1}; got {index!r}")
    return layer, net[layer], int(index)


def _label(info: Mapping[str, Any], y: Any, row: int) -> Any:
    if y is None:
        return None
    value = np.asarray(y)[row]
    classes = info.get("classes")
    if info.get("task") == "classification" and np.ndim(value) == 0:
        k = int(value)
        return classes[k] if classes and 0 <= k < len(classes) else str(k)
    return round_sig(value)


def _image_shape(info: Mapping[str, Any]) -> list[int] | None:
    """(C, H, W) of one sample as an image: the input shape, or for flat images (digits' 64 pixels) the
    ``image_shape`` the run's info names."""
    for key in ("input_shape", "image_shape"):
        shape = info.get(key) or []
        if len(shape) == 3:
            return [int(v) for v in shape]
    return None


def _is_image(info: Mapping[str, Any]) -> bool:
    return _image_shape(info) is not None


def _weights_image(net: Any, info: Mapping[str, Any], name: str, layer: Any) -> dict[str, Any] | None:
    """{"shape": [H, W]} when the neuron's weights form an image: a filter (channels stacked vertically), or
    the first Dense layer of an image network reached through Flatten alone."""
    if _is_conv(layer):
        kernel = (layer.synapse if is_spiking_layer(layer) else layer).weight.data[0]
        return {"shape": [int(kernel.shape[0] * kernel.shape[1]), int(kernel.shape[-1])]} if kernel.ndim == 3 else None
    image = _image_shape(info)
    if image is None:
        return None
    before = list(net.layers)[:list(net.layers).index(name)]
    flat_input = len(info.get("input_shape") or []) != 3  # the pixels come flat: the first layer reads them
    if (not before and not flat_input) or not all(
            isinstance(net[b], Flatten) or getattr(net[b], "makes_time_axis", False)
            or type(net[b]).__name__ == "Dropout" for b in before):
        return None
    c, h, w = image
    if getattr(layer, "in_features", c * h * w) != c * h * w:
        return None
    return {"shape": [c * h, w]}


def _centre(layer: Any, x_in: np.ndarray) -> tuple[int, ...]:
    conv = layer.synapse if is_spiking_layer(layer) else layer
    sizes = conv.output_shape(tuple(x_in.shape[-3:]))[1:]
    return tuple(int(s) // 2 for s in sizes)


def _explanation(layer: Any, index: int, x_in: np.ndarray) -> dict[str, Any]:
    """The arithmetic of neuron ``index`` on its input ``x_in`` (one sample): exactly the neuron view's
    ``explain`` (a filter at the centre of its output map; a spiking neuron over time)."""
    view = layer.neurons[index]
    if is_spiking_layer(layer):
        x_t = x_in[:, 0]  # (T, ...) one sample over time
        at = _centre(layer, x_t) if _is_conv(layer) else None
        e = view.explain(x_t, at=at) if at is not None else view.explain(x_t)
        w = np.asarray(view.weights, dtype=np.float64).ravel()
        mean_in = x_t.reshape(len(x_t), -1).astype(np.float64).mean(axis=0)
        if at is not None:  # the mean input over time under the kernel at the centre is not a plain vector
            mean_in = np.zeros_like(w)
        products = w * mean_in if mean_in.shape == w.shape else np.zeros_like(w)
        bias = float(layer.bias.data[index]) if layer.bias is not None else 0.0
        return {"kind": "spiking", "inputs": round_sig(mean_in), "weights": round_sig(w),
                "products": round_sig(products), "weighted_sum": _float(products.sum()), "bias": bias,
                "z": _float(np.mean(e.currents)), "output": _float(np.mean(e.spikes)),
                "formula": f"{e.model} neuron over {len(e.steps)} steps; output = spikes per step",
                "text": str(e), "currents": round_sig(e.currents), "membrane": round_sig(e.membrane),
                "spikes": [int(s) for s in e.spikes], "position": None if at is None else list(at)}
    if _is_conv(layer):
        at = _centre(layer, x_in[0])
        e = view.explain(x_in[0], at=at)
        d = e.to_dict()
        return {"kind": "conv", "inputs": d["inputs"], "weights": d["weights"], "products": d["products"],
                "weighted_sum": d["weighted_sum"], "bias": d["bias"], "z": d["z"], "output": d["output"],
                "formula": d["formula"], "text": str(e), "position": list(at)}
    e = view.explain(x_in[0])
    d = e.to_dict()
    return {"kind": "dense", "inputs": d["inputs"], "weights": d["weights"], "products": d["products"],
            "weighted_sum": d["weighted_sum"], "bias": d["bias"], "z": d["z"], "output": d["output"],
            "formula": d["formula"], "text": str(e), "position": None}


def _unit_values(step: _Step, index: int) -> np.ndarray:
    """One neuron's value per sample: its output (Dense), its largest output over positions (a filter), its
    spikes per step (spiking)."""
    out = step.output.astype(np.float64)
    if step.timed:
        out = out.mean(axis=0)
    unit = out[:, index]
    return unit.reshape(len(unit), -1).max(axis=1)


def _input_gradient_times_input(net: Any, x: np.ndarray, position: int, index: int,
                                at: tuple[int, ...] | None) -> np.ndarray:
    """Gradient × input of one neuron's output (a filter's at position ``at``) w.r.t. the network input,
    through the engine's autodiff (float64 from the input on; the network's gradients are left as they were)."""
    leaf = Tensor(np.asarray(x[None], dtype=np.float64), requires_grad=True)
    with eval_mode(), preserved_grads(net):
        h: Any = leaf
        for layer in list(net)[:position + 1]:
            h = layer(h)
        target = h[(0, index, *at)] if at is not None else h[0, index]
        target.backward()
    grad = leaf.grad if leaf.grad is not None else np.zeros(leaf.shape)
    return (np.asarray(grad, dtype=np.float64) * leaf.data)[0]


def _attributions(net: Any, info: Mapping[str, Any], name: str, layer: Any, index: int, x: np.ndarray,
                  x_in: np.ndarray) -> dict[str, Any]:
    """Gradient × input of the neuron's output for the chosen sample, per network input (None for a spiking
    network, whose encoder passes no gradient)."""
    names = [str(f) for f in info.get("feature_names") or []]
    if is_spiking_layer(layer) or getattr(next(iter(net)), "makes_time_axis", False):
        return {"method": None, "names": None, "values": None}
    if isinstance(layer, Dense):
        values = np.asarray(attribute(net, x[None], "grad_x_input", neuron=f"{name}[{index}]",
                                      output="activation"))[0]
    else:
        values = _input_gradient_times_input(net, x, list(net.layers).index(name), index, _centre(layer, x_in[0]))
    flat = values.ravel()
    return {"method": "grad_x_input", "names": names if len(names) == flat.size and not _is_image(info) else None,
            "values": round_sig(flat)}


def _feature_map(step: _Step, index: int) -> dict[str, Any]:
    out = step.output.astype(np.float64)
    fmap = out[:, 0, index].mean(axis=0) if step.timed else out[0, index]
    return {"index": index, "shape": [int(s) for s in fmap.shape], "data": round_sig(fmap.ravel()),
            "min": round_sig(fmap.min()), "max": round_sig(fmap.max())}


def neuron_card(net: Any, info: Mapping[str, Any], data: Mapping[str, Any], layer: str, index: int, *,
                sample: int = 0, step: int | None = None) -> dict[str, Any]:
    """Everything the page's card shows about neuron ``layer[index]`` on training sample ``sample``.

    ``data`` is the hub's arrays: ``X``, ``y`` (network inputs), optionally ``X_raw`` (unscaled).
    The ``explanation`` is exactly ``net[layer].neurons[index].explain(x)`` on the sample's input to
    that layer (a filter: at the centre of its output map; a spiking neuron: over the time steps,
    with ``z`` the mean current and ``output`` the spikes per step). ``health`` (flags by the
    library's rules, ``active_fraction`` = share of z > 0, ``mean`` and ``std`` of the output) and
    ``top`` (the 8 samples the neuron answers most) run over at most 512 training rows;
    ``firing_rate`` is the share of those rows where the output is > 0 (a filter: of rows and
    positions; a spiking neuron: spikes per step). ``attributions``: gradient × input of the
    neuron's output on the sample. ``map``: its response map (2-D inputs), ``feature_map``: a
    filter's map on the sample.

    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> X = np.array([[0.5, -1.0], [1.0, 2.0]]); y = np.array([0, 1])
    >>> card = neuron_card(net, run_info(net, {"X": X, "y": y}), {"X": X, "y": y}, "hidden1", 2, sample=1)
    >>> card["name"], card["explanation"]["z"] == net["hidden1"].neurons[2].explain(X[1]).z
    ('hidden1[2]', True)
    """
    name, lay, index = _check_neuron(net, layer, index)
    X = np.asarray(data["X"])
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 0 <= sample < len(X):
        raise ParameterError(f"sample must be a training row 0..{len(X) - 1}; got {sample!r}")
    sample = int(sample)
    y = data.get("y")
    raw = data.get("X_raw")
    raw = X if raw is None else np.asarray(raw)
    position = list(net.layers).index(name)
    x = X[sample]
    steps_one = _forward(net, x[None], stop=position + 1)
    x_in = steps_one[-1].input
    explanation = _explanation(lay, index, x_in)
    # statistics over (a sample of) the training rows
    rows = _sample_rows(X, 512)
    R = X[rows]
    steps = _forward(net, R, stop=position + 1)
    values = _unit_values(steps[-1], index)
    out = steps[-1].output.astype(np.float64)
    if steps[-1].timed:
        firing = float(out[:, :, index].mean())
    else:
        firing = float((out[:, index] > 0).mean())
    report = _health(net, R)
    lh = None if report is None else report.layers.get(name)
    flags = _flags(report, name, _unit_count(lay) or 0)[index]
    health = {"flags": flags,
              "active_fraction": None if lh is None else _float(lh.firing_rate[index]),
              "mean": None if lh is None else round_sig(lh.mean_activation[index]),
              "std": None if lh is None else round_sig(lh.std_activation[index])}
    order = np.argsort(-values, kind="stable")[:8]
    top = [{"index": int(rows[k]), "value": round_sig(values[k]), "label": _label(info, y, int(rows[k])),
            "image": round_sig(raw[int(rows[k])].ravel()) if _is_image(info) else None} for k in order]
    weights = np.asarray(lay.neurons[index].weights, dtype=np.float64)
    bias = getattr(lay, "bias", None)
    is_conv = _is_conv(lay)
    return {"name": f"{name}[{index}]", "layer": name, "index": index, "kind": type(lay).__name__,
            "activation": _activation_name(lay),
            "bias": None if bias is None else _float(np.asarray(bias.data)[index]),
            "weights": round_sig(weights.ravel()), "weights_image": _weights_image(net, info, name, lay),
            "step": None if step is None else int(step),
            "sample": {"index": sample, "label": _label(info, y, sample), "raw": round_sig(raw[sample].ravel()),
                       "input": round_sig(x.ravel())},
            "explanation": explanation, "health": health, "firing_rate": firing, "top": top,
            "attributions": _attributions(net, info, name, lay, index, x, x_in),
            "map": None if is_conv else neuron_map(net, info, X, name, index),
            "feature_map": _feature_map(steps_one[-1], index) if is_conv else None,
            "cost": _neuron_cost(net, x.shape, f"{name}[{index}]")}


def _neuron_cost(net: Any, sample_shape: tuple[int, ...], neuron: str) -> dict[str, Any] | None:
    """The neuron's multiply-adds, parameters, bytes and energy per prediction (``nk.inspect.cost``), or None for a
    network with a layer kind that has no counting rule."""
    try:
        found = cost(net, input_shape=tuple(int(s) for s in sample_shape)).neuron(neuron)
    except ParameterError:
        return None
    return {key: found[key] if key != "energy_pj" else round_sig(found[key]) for key in
            ("macs", "ops", "parameters", "bytes", "energy_pj")}


# ------------------------------------------------------------------------------ filters and spikes
def _one_sample(x: Any) -> np.ndarray:
    return np.asarray(x)[None]


def conv_view(net: Any, info: Mapping[str, Any], x: Any, *, shown: Mapping[str, list[int]] | None = None
              ) -> dict[str, Any] | None:
    """The filters (channel-mean weights) and feature maps of the shown filters of every convolution layer for
    one sample ``x`` (CONV); None for a network without convolutions. Default: the first 16 filters.

    >>> import neuronkit as nk
    >>> net = nk.build("conv(4,3,relu),flatten,dense(out)", input_shape=(1, 6, 6), outputs=2, seed=0)
    >>> view = conv_view(net, {"input_shape": [1, 6, 6]}, np.zeros((1, 6, 6)))
    >>> view["conv1"]["filters"][0]["shape"], view["conv1"]["maps"][3]["shape"]
    ([3, 3], [4, 4])
    """
    names = [name for name in _neuron_layers(net) if _is_conv(net[name])]
    if not names:
        return None
    steps = {s.name: s for s in _forward(net, _one_sample(x), stop=list(net.layers).index(names[-1]) + 1)}
    out: dict[str, Any] = {}
    for name in names:
        layer = net[name]
        kernel = (layer.synapse if is_spiking_layer(layer) else layer).weight.data.astype(np.float64)
        count = kernel.shape[0]
        wanted = (shown or {}).get(name)
        indices = list(range(min(16, count))) if wanted is None else [int(i) for i in wanted if 0 <= int(i) < count]
        filters = []
        for i in indices:
            k = kernel[i].mean(axis=0)
            filters.append({"index": i, "shape": [int(s) for s in k.shape], "data": round_sig(k.ravel())})
        maps = []
        for i in indices:
            fmap = _feature_map(steps[name], i)
            maps.append({"index": i, "shape": fmap["shape"], "data": fmap["data"]})
        out[name] = {"filters": filters, "maps": maps}
    return out


def raster(net: Any, info: Mapping[str, Any], x: Any, *, max_events: int = 20000) -> dict[str, Any] | None:
    """The spikes of every spiking layer over time for one sample ``x`` (RASTER): ``steps`` T and ``spikes``,
    [t, neuron] pairs (a filter layer's neurons numbered channel by channel, row by row). None for a network
    without spiking layers; a readout that gives membranes instead of spikes is left out.

    >>> import neuronkit as nk
    >>> net = nk.build("rate(5),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    >>> r = raster(net, {}, np.array([0.9, 0.8]))
    >>> r["spiking1"]["steps"], all(0 <= t < 5 and 0 <= n < 3 for t, n in r["spiking1"]["spikes"])
    (5, True)
    """
    max_events = check_int(max_events, "max_events", low=1)
    if not any(is_spiking_layer(layer) for layer in net):
        return None
    out: dict[str, Any] = {}
    for s in _forward(net, _one_sample(x)):
        if not is_spiking_layer(s.layer) or not s.timed:
            continue
        spikes = s.output[:, 0].reshape(s.output.shape[0], -1)
        if not np.all((spikes == 0) | (spikes == 1)):
            continue
        events = np.argwhere(spikes > 0)[:max_events]
        out[s.name] = {"steps": int(spikes.shape[0]), "spikes": events.astype(int).tolist()}
    return out
