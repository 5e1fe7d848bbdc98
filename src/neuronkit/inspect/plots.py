"""Pictures of what the neurons do (needs matplotlib: ``pip install "neuronkit[plot]"``).

Every function returns a :class:`matplotlib.figure.Figure` and, given ``path``,
also writes it as a PNG. Where a picture has an axis of input features
(:func:`plot_weights`' first layer, :func:`plot_attributions`' bars), ``feature_names``
labels it (default: an estimator's ``feature_names_in_``, else the indices 0, 1, 2, …);
up to :data:`MAX_NAMED_FEATURES` features are named, one tick each. Figures are
created with ``matplotlib.figure.Figure`` (not pyplot): they render headless
through Agg, register nothing globally, and leave the user's backend alone.
Display one in a notebook by evaluating it.

* :func:`plot_activation_histograms` — distribution of each Dense or convolution layer's outputs on X
* :func:`plot_gradient_norms` — ‖∂L/∂W‖ per layer over epochs (from a :class:`HealthMonitor`)
  or per layer (from a :class:`HealthReport`), log scale
* :func:`plot_weights` — weight matrices as heat maps, diverging colours centred at 0
  (red: excitatory w > 0, blue: inhibitory w < 0)
* :func:`plot_attributions` — inputs (e.g. 8×8 digits) beside their attribution maps
* :func:`plot_top_activating` — for each neuron, its top-k activating samples
* :func:`plot_learning_curves` — loss (and accuracy) per epoch from a History
* :func:`plot_filters` — each kernel of a convolution layer as a small image (a grid of filters)
* :func:`plot_feature_maps` — a convolution layer's feature maps (one per filter) on one input
* :func:`plot_image_attributions` — images beside their attribution heat maps (summed over channels)
* :func:`plot_top_patches` — a filter's top-activating image patches (its receptive field)
* :func:`plot_attention` — each head's attention weights over one sentence, words on the axes

The pictures of the deeper views (contributions, attribution methods side by side, probes,
polysemanticity, autoencoder features, TCAV, cost) are in :mod:`neuronkit.inspect.plots_understanding`.

>>> import numpy as np, neuronkit as nk
>>> fig = nk.inspect.plot_weights(nk.mlp([4, 3, 2], seed=0))
>>> len(fig.axes) >= 2
True
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import finish_figure, new_figure
from ..errors import ParameterError, ParameterTypeError, ShapeError, UnknownNameError
from ..validation import check_array, check_int, must_be
from ._model import InspectedModel

#: the colour map for signed values: red positive (excitation), blue negative (inhibition), white 0
DIVERGING = "RdBu_r"   # red for positive (excitation), blue for negative (inhibition), white at 0
#: above this many features an axis keeps matplotlib's numeric ticks (names would overlap)
MAX_NAMED_FEATURES = 40


def feature_names_of(model: Any, n_features: int, feature_names: Any = None) -> list[str] | None:
    """``feature_names`` checked against ``n_features`` (a list of strings), or the names the model
    was fitted with (``feature_names_in_``), or None when neither is known.

    Examples
    --------
    >>> from neuronkit.inspect.plots import feature_names_of
    >>> feature_names_of(None, 2, ["age", "income"]), feature_names_of(None, 2)
    (['age', 'income'], None)
    """
    if feature_names is None:
        stored = getattr(model, "feature_names_in_", None)
        if stored is None or len(stored) != n_features:
            return None
        return [str(v) for v in stored]
    if isinstance(feature_names, (str, bytes)) or not hasattr(feature_names, "__len__"):
        raise ParameterTypeError(must_be("feature_names", f"a list of {n_features} names (one per feature)",
                                         feature_names))
    names = list(feature_names)
    if len(names) != n_features:
        raise ParameterError(f"feature_names has {len(names)} names but the samples have {n_features} features; "
                             "give one name per feature, in column order")
    return [str(v) for v in names]


def _label_features(ax: Any, names: list[str] | None, n_features: int) -> None:
    """Name an axis's feature ticks (x axis) when the names are known and few enough to read."""
    if names is None or n_features > MAX_NAMED_FEATURES:
        return
    ax.set_xticks(np.arange(n_features), labels=names, rotation=45 if n_features > 3 else 0,
                  ha="right" if n_features > 3 else "center", fontsize=7)


def _symmetric_limit(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def _image_shape(n_features: int, image_shape: tuple[int, int] | None) -> tuple[int, int] | None:
    if image_shape is None:
        side = math.isqrt(n_features)
        return (side, side) if side * side == n_features and side >= 8 else None
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__") or len(image_shape) != 2:
        raise ParameterError(must_be("image_shape", "(height, width)", image_shape))
    h, w = (check_int(v, "image_shape", low=1) for v in image_shape)
    if h * w != n_features:
        raise ShapeError(f"image_shape {image_shape!r} holds {h * w} pixels but samples have {n_features} features")
    return h, w


def plot_activation_histograms(model: Any, X: Any, *, bins: int = 30, path: str | Path | None = None) -> Any:
    """One histogram per Dense or convolution layer of its neurons' outputs over X (all neurons pooled;
    a filter's at every position, after an Activation layer that follows it), with the
    fraction of exact zeros (silent ReLUs) in the title.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> fig = nk.inspect.plot_activation_histograms(net, X)
    >>> type(fig).__name__
    'Figure'
    """
    from .health import _activation_source

    m = InspectedModel(model)
    X = m.check_X(X)
    bins = check_int(bins, "bins", low=1)
    dense = m.unit_layers()
    records = {r.name: r for r in m.records(X)}
    fig = new_figure(3.2 * len(dense), 2.8)
    axes = fig.subplots(1, len(dense), squeeze=False)[0]
    for ax, (name, _) in zip(axes, dense):
        source, act = _activation_source(m.network, name)  # conv -> BatchNorm2d -> Activation: after the latter
        values = records[source].output.data.astype(np.float64).ravel()
        zeros = float(np.mean(values == 0.0))
        low, high = float(values.min()), float(values.max())
        if high <= low:
            low, high = low - 0.5, high + 0.5
        ax.hist(values, bins=bins, range=(low, high), color="#4477aa")
        ax.set_title(f"{name} ({act.name})\n{zeros:.0%} exactly 0", fontsize=9)
        ax.set_xlabel("output")
    axes[0].set_ylabel("count")
    return finish_figure(fig, path)


def plot_gradient_norms(source: Any, *, path: str | Path | None = None) -> Any:
    """‖∂L/∂W‖ per layer: lines over epochs from a :class:`HealthMonitor` (or its ``history``),
    or bars from a :class:`HealthReport` measured with targets. Log scale.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> fig = nk.inspect.plot_gradient_norms(nk.inspect.health(net, X, y))
    >>> type(fig).__name__
    'Figure'
    """
    from .health import HealthMonitor, HealthReport

    history = source.history if isinstance(source, HealthMonitor) else source
    fig = new_figure(6.0, 3.6)
    ax = fig.subplots()
    if isinstance(history, dict) and "grad_norm" in history:
        epochs = history["epoch"]
        if not epochs:
            raise ParameterError("the HealthMonitor has no epochs recorded yet; train with it first")
        for name, values in history["grad_norm"].items():
            ax.plot(epochs, np.maximum(np.asarray(values, dtype=np.float64), 1e-300), marker=".", label=name)
        ax.set_xlabel("epoch")
        ax.set_title("gradient norm per layer over training")
        ax.legend(fontsize=8)
    elif isinstance(source, HealthReport):
        if source.gradients is None:
            raise ParameterError("this HealthReport has no gradients; call health(model, X, y) with targets y")
        names = list(source.gradients.norms)
        values = np.maximum(np.asarray([source.gradients.norms[n] for n in names], dtype=np.float64), 1e-300)
        ax.bar(names, values, color="#4477aa")
        ax.set_title("gradient norm per layer (input side first)")
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    else:
        raise ParameterTypeError("plot_gradient_norms takes a HealthMonitor (after training), its .history, or a "
                                 f"HealthReport; got {type(source).__name__}")
    ax.set_yscale("log")
    ax.set_ylabel("‖∂L/∂W‖")
    return finish_figure(fig, path)


def plot_weights(model: Any, *, layers: list[str] | None = None, feature_names: Any = None,
                 path: str | Path | None = None) -> Any:
    """Each Dense layer's weight matrix (rows: its neurons, columns: its inputs) as a heat map,
    coloured on a diverging scale centred at 0 (red excitatory, blue inhibitory). The first
    layer's columns are the input features, named by ``feature_names`` when known.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> fig = nk.inspect.plot_weights(net, feature_names=["a", "b"])
    >>> len(fig.axes) >= 2
    True
    """
    m = InspectedModel(model)
    dense = dict(m.dense_layers())
    names_in = feature_names_of(model, m.n_features, feature_names)
    first = next(iter(dense))
    if isinstance(layers, str):
        layers = [layers]
    if layers is not None and not isinstance(layers, (list, tuple)):
        raise ParameterTypeError(must_be("layers", "a list of Dense layer names or None", layers))
    names = list(dense) if layers is None else list(layers)
    if not names:
        raise ParameterError(must_be("layers", f"one or more of the Dense layers {', '.join(dense)} (or None for "
                                               "all)", layers))
    for name in names:
        if not isinstance(name, str) or name not in dense:
            raise UnknownNameError(f"no Dense layer {name!r}; layers with weights: {', '.join(dense)}", kind="layer",
                                   name=name, valid=tuple(dense))
    fig = new_figure(3.4 * len(names), 3.4)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        w = dense[name].weight.data.astype(np.float64)
        limit = _symmetric_limit(w)
        im = ax.imshow(w, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
        ax.set_title(f"{name}.weight {w.shape[0]}×{w.shape[1]}", fontsize=9)
        if name == first:
            _label_features(ax, names_in, w.shape[1])
        ax.set_xlabel("input feature" if name == first else "input")
        ax.set_ylabel(f"neuron ({name}[i])")
        fig.colorbar(im, ax=ax, shrink=0.8)
    return finish_figure(fig, path)


def plot_attributions(X: Any, attributions: Any, *, image_shape: tuple[int, int] | None = None, n: int = 8,
                      titles: list[str] | None = None, feature_names: Any = None,
                      path: str | Path | None = None) -> Any:
    """The first ``n`` samples (top row) and their attributions (bottom row, diverging colours at 0).

    Samples are drawn as images when ``image_shape`` is given or the feature
    count is a square >= 64 (8×8 digits and larger); otherwise attributions are bar charts,
    one bar per feature, named by ``feature_names`` when given.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> values = nk.inspect.attribute(net, X, method="gradient_x_input")
    >>> type(nk.inspect.plot_attributions(X, values)).__name__
    'Figure'
    """
    X = check_array(X, "X", dtype=np.float64)
    A = check_array(attributions, "attributions", ndim=None, dtype=np.float64, finite=False, min_samples=0)
    if A.shape != X.shape:
        raise ShapeError(f"X and attributions must have the same 2-D shape; got {X.shape} and {A.shape}")
    n = min(check_int(n, "n", low=1), len(X))
    if titles is not None and (not isinstance(titles, (list, tuple)) or len(titles) < n):
        raise ParameterError(must_be("titles", f"a list of at least {n} strings (one per sample shown)", titles))
    shape = _image_shape(X.shape[1], image_shape)
    names = feature_names_of(None, X.shape[1], feature_names)
    fig = new_figure(1.6 * n if shape else 3.0 * n, 3.4 if shape else 2.6)
    if shape is None:
        axes = fig.subplots(1, n, squeeze=False)[0]
        for i, ax in enumerate(axes):
            colours = np.where(A[i] >= 0, "#cc3311", "#0077bb")
            ax.bar(np.arange(X.shape[1]), A[i], color=colours)
            ax.axhline(0.0, color="black", linewidth=0.5)
            ax.set_title(titles[i] if titles else f"sample {i}", fontsize=8)
            ax.set_xlabel("feature")
            _label_features(ax, names, X.shape[1])
        return finish_figure(fig, path)
    axes = fig.subplots(2, n, squeeze=False)
    limit = _symmetric_limit(A[:n])
    im = None
    for i in range(n):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(X[i].reshape(shape), cmap="gray_r", interpolation="nearest")
        top.set_title(titles[i] if titles else f"sample {i}", fontsize=8)
        im = bottom.imshow(A[i].reshape(shape), cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("input", fontsize=8)
    axes[1, 0].set_ylabel("attribution", fontsize=8)
    fig.colorbar(im, ax=list(axes[1]), shrink=0.8)
    return finish_figure(fig, path)


def plot_top_activating(model: Any, X: Any, neurons: list[str], *, k: int = 8,
                        image_shape: tuple[int, int] | None = None, display_X: Any = None,
                        path: str | Path | None = None) -> Any:
    """A grid: one row per neuron (named on the left), its ``k`` top-activating samples of X as images.

    ``display_X`` (same rows as X) is what is drawn, if different from X.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> fig = nk.inspect.plot_top_activating(net, X, ["hidden1[1]"], k=2, image_shape=(1, 2))
    >>> type(fig).__name__
    'Figure'
    """
    from .specialisation import top_activating

    m = InspectedModel(model)
    X = m.check_X(X)
    show = X if display_X is None else check_array(display_X, "display_X", ndim=None, dtype=np.float64,
                                                   finite=False, min_samples=0)
    if show.shape != X.shape:
        raise ShapeError(f"display_X must have X's shape {X.shape}; got {show.shape}")
    shape = _image_shape(X.shape[1], image_shape)
    if shape is None:
        raise ParameterError(f"samples of {X.shape[1]} features are not images; give image_shape=(height, width)")
    if isinstance(neurons, str):
        neurons = [neurons]
    if not isinstance(neurons, (list, tuple)) or not neurons:
        raise ParameterTypeError(must_be("neurons", "a neuron name ('hidden1[3]') or a non-empty list of them",
                                         neurons))
    k = min(check_int(k, "k", low=1), len(X))
    tops = [top_activating(m.model, X, name, k=k) for name in neurons]
    fig = new_figure(1.2 * k + 0.8, 1.25 * len(tops) + 0.3)
    axes = fig.subplots(len(tops), k, squeeze=False)
    for row, top in enumerate(tops):
        for col in range(k):
            ax = axes[row, col]
            ax.imshow(show[top.indices[col]].reshape(shape), cmap="gray_r", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{top.values[col]:.2g}", fontsize=7)
        axes[row, 0].set_ylabel(top.neuron, fontsize=8)
    return finish_figure(fig, path)


def plot_learning_curves(history: Any, *, path: str | Path | None = None) -> Any:
    """Loss (and val_loss) per epoch, and accuracy-like metrics on a second panel if present.

    ``history``: a :class:`neuronkit.History`, a fitted estimator (its ``history_``) or a dict of lists.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> history = nk.fit(net, X, y, epochs=2, batch_size=4, progress=False, seed=0)
    >>> type(nk.inspect.plot_learning_curves(history)).__name__
    'Figure'
    """
    hist = getattr(history, "history_", history)
    data = getattr(hist, "history", hist)
    if not isinstance(data, dict) or not data.get("loss"):
        raise ParameterError("plot_learning_curves needs a History (or an estimator trained with neuronkit) with a "
                             "'loss' curve")
    metrics = [k for k in data if k not in ("loss", "val_loss", "lr") and not k.startswith("val_")]
    panels = 2 if metrics else 1
    fig = new_figure(4.2 * panels, 3.2)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    epochs = np.arange(1, len(data["loss"]) + 1)
    for key in ("loss", "val_loss"):
        if data.get(key):
            axes[0].plot(epochs[:len(data[key])], data[key], label=key)
    axes[0].set_xlabel("epoch")
    axes[0].set_title("loss")
    axes[0].legend(fontsize=8)
    if metrics:
        for key in metrics:
            for name in (key, f"val_{key}"):
                if data.get(name):
                    axes[1].plot(epochs[:len(data[name])], data[name], label=name)
        axes[1].set_xlabel("epoch")
        axes[1].set_title(", ".join(metrics))
        axes[1].legend(fontsize=8)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ convolution and text pictures
def _grid(n: int) -> tuple[int, int]:
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def _conv_layer(m: InspectedModel, layer: str | None) -> tuple[str, Any]:
    from ._model import CONV_TYPES

    convs = m.conv_layers()
    if not convs:
        raise ParameterError("the network has no convolution layer (Conv2d or Conv1d), so it has no filters to draw")
    if layer is None:
        return convs[0]
    found = m.layer(layer)
    if not isinstance(found, CONV_TYPES):
        raise ParameterError(f"layer {layer!r} is a {type(found).__name__}, not a convolution; convolution layers: "
                             f"{', '.join(n for n, _ in convs)}")
    return layer, found


def _as_image(values: np.ndarray) -> np.ndarray:
    """A (C, H, W) or (C, L) array as one picture: RGB for 3 channels in [0, 1], else the channel mean."""
    if values.ndim == 2:  # a sequence (C, L): channels as rows
        return values
    if values.shape[0] == 3:
        lo, hi = float(values.min()), float(values.max())
        return np.moveaxis((values - lo) / (hi - lo if hi > lo else 1.0), 0, -1)
    return values.mean(axis=0)


def plot_filters(model: Any, layer: str | None = None, *, max_filters: int = 64,
                 path: str | Path | None = None) -> Any:
    """Each filter of a convolution layer as a small image: its kernel, one tile per filter.

    ``layer`` defaults to the first convolution. A filter's kernels over its input channels
    are drawn side by side in its tile (Conv1d: one row per channel); colours are diverging,
    centred at 0 and shared by all tiles (red w > 0, blue w < 0). At most ``max_filters``.

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 6, 3, seed=0), nk.Flatten(), nk.Dense(6 * 6 * 6, 2, seed=1))
    >>> fig = nk.inspect.plot_filters(net)
    >>> sum(1 for ax in fig.axes if ax.images)
    6
    """
    m = InspectedModel(model)
    name, conv = _conv_layer(m, layer)
    w = conv.weight.data.astype(np.float64)
    n = min(conv.out_channels, check_int(max_filters, "max_filters", low=1))
    rows, cols = _grid(n)
    fig = new_figure(1.2 * cols + 1.0, 1.2 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    limit = _symmetric_limit(w[:n])
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        kernel = w[i]
        if kernel.ndim == 3:  # (in, kh, kw): channels side by side with a blank column between
            gap = np.full((kernel.shape[1], 1), np.nan)
            tile = np.concatenate([np.concatenate([c, gap], axis=1) for c in kernel], axis=1)[:, :-1]
        else:
            tile = kernel
        im = ax.imshow(tile, cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"{name}[{i}]", fontsize=7)
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.6)
    fig.suptitle(f"{name}: {n} of {conv.out_channels} filters, weight {tuple(w.shape)}", fontsize=9)
    return finish_figure(fig, path)


def plot_feature_maps(model: Any, x: Any, layer: str | None = None, *, output: str = "activation",
                      max_maps: int = 64, path: str | Path | None = None) -> Any:
    """A convolution layer's feature maps on one input ``x`` (C, H, W): one tile per filter.

    Each tile is the filter's output (``output="potential"``: z) at every position; the input
    image is drawn first. Colours: the ``viridis`` scale shared by all tiles.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 4, 3, activation="relu", seed=0), nk.Flatten(), nk.Dense(144, 2, seed=1))
    >>> fig = nk.inspect.plot_feature_maps(net, np.random.default_rng(0).random((1, 8, 8)))
    >>> sum(1 for ax in fig.axes if ax.images)        # the input and 4 maps
    5
    """
    from .attribution import output_kind

    m = InspectedModel(model)
    name, conv = _conv_layer(m, layer)
    X = m.check_X(x, "x")
    if len(X) != 1:
        raise ShapeError(f"x must be one input {X.shape[1:]} (or (1, ...)); got {len(X)} samples")
    rec = m.records(X, stop=m.layer_index(name) + 1)[-1]
    maps = (rec.potentials if output_kind(output) == "potential" else rec.output).data[0].astype(np.float64)
    n = min(len(maps), check_int(max_maps, "max_maps", low=1))
    rows, cols = _grid(n + 1)
    fig = new_figure(1.4 * cols + 1.0, 1.4 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    lo, hi = float(maps[:n].min()), float(maps[:n].max())
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i == 0:
            ax.imshow(_as_image(X[0]), cmap="gray_r", interpolation="nearest", aspect="auto")
            ax.set_title("input", fontsize=7)
        elif i <= n:
            tile = maps[i - 1] if maps[i - 1].ndim == 2 else maps[i - 1][None, :]
            im = ax.imshow(tile, cmap="viridis", vmin=lo, vmax=hi if hi > lo else lo + 1.0, interpolation="nearest",
                           aspect="auto")
            ax.set_title(f"{name}[{i - 1}]", fontsize=7)
        else:
            ax.axis("off")
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.6)
    fig.suptitle(f"{name}: feature maps ({output}) of one input", fontsize=9)
    return finish_figure(fig, path)


def plot_image_attributions(X: Any, attributions: Any, *, n: int = 8, titles: list[str] | None = None,
                            path: str | Path | None = None) -> Any:
    """Images (top row) and their attribution heat maps (bottom row): the attributions summed over channels.

    ``X`` and ``attributions`` are (n, C, H, W) (e.g. :func:`~neuronkit.inspect.attribute` on an image
    network); colours are diverging, centred at 0 and shared: red pixels raise the output, blue lower it.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(72, 3, activation="softmax", seed=1))
    >>> X = np.random.default_rng(0).random((2, 1, 8, 8))
    >>> fig = nk.inspect.plot_image_attributions(X, nk.inspect.attribute(net, X, "grad_x_input"))
    >>> sum(1 for ax in fig.axes if ax.images)
    4
    """
    X = check_array(X, "X", ndim=(3, 4), dtype=np.float64)
    A = check_array(attributions, "attributions", ndim=(3, 4), dtype=np.float64, finite=False)
    if A.shape != X.shape:
        raise ShapeError(f"X and attributions must have the same shape (n, C, H, W); got {X.shape} and {A.shape}")
    if X.ndim == 3:  # sequences (n, C, L): one row each
        X, A = X[:, :, None, :], A[:, :, None, :]
    n = min(check_int(n, "n", low=1), len(X))
    if titles is not None and (not isinstance(titles, (list, tuple)) or len(titles) < n):
        raise ParameterError(must_be("titles", f"a list of at least {n} strings (one per image shown)", titles))
    heat = A[:n].sum(axis=1)
    limit = _symmetric_limit(heat)
    fig = new_figure(1.6 * n + 0.8, 3.4)
    axes = fig.subplots(2, n, squeeze=False)
    im = None
    for i in range(n):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(_as_image(X[i]), cmap="gray_r", interpolation="nearest")
        top.set_title(titles[i] if titles else f"sample {i}", fontsize=8)
        im = bottom.imshow(heat[i], cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    if im is not None:
        fig.colorbar(im, ax=list(axes[1]), shrink=0.8)
    return finish_figure(fig, path)


def plot_top_patches(model: Any, X: Any, neurons: list[str], *, k: int = 8, path: str | Path | None = None) -> Any:
    """For each filter (row), its ``k`` top-activating image patches (:func:`~neuronkit.inspect.top_patches`).

    Each patch is the receptive field of the filter's peak in one image (zeros beyond the edges);
    the title is the peak value.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.Flatten(), nk.Dense(72, 2, seed=1))
    >>> fig = nk.inspect.plot_top_patches(net, np.random.default_rng(0).random((6, 1, 8, 8)), ["conv1[0]"], k=3)
    >>> sum(1 for ax in fig.axes if ax.images)
    3
    """
    from .specialisation import top_patches

    if isinstance(neurons, str):
        neurons = [neurons]
    if not isinstance(neurons, (list, tuple)) or not neurons:
        raise ParameterError(must_be("neurons", "a non-empty list of filter names like 'conv1[0]'", neurons))
    tops = [top_patches(model, X, name, k=k) for name in neurons]
    cols = max(len(t.indices) for t in tops)
    fig = new_figure(1.2 * cols + 1.2, 1.3 * len(tops) + 0.3)
    axes = fig.subplots(len(tops), cols, squeeze=False)
    # one grey scale for every patch (the input's range), so a faint patch looks faint, not stretched to full contrast
    lo = min(float(np.min(top.patches)) for top in tops)
    hi = max(float(np.max(top.patches)) for top in tops)
    for row, top in enumerate(tops):
        for j, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= len(top.indices):
                ax.axis("off")
                continue
            ax.imshow(_as_image(top.patches[j]), cmap="gray_r", interpolation="nearest", vmin=lo,
                      vmax=hi if hi > lo else lo + 1.0)
            ax.set_title(f"#{top.indices[j]}: {top.values[j]:.3g}", fontsize=7)
        axes[row, 0].set_ylabel(top.neuron, fontsize=8)
    return finish_figure(fig, path)


def plot_attention(model: Any, ids: Any, *, vocabulary: Any = None, layer: str | None = None,
                   path: str | Path | None = None) -> Any:
    """Each head's attention weights over one sentence: one heat map per head, rows = queries, columns = keys.

    ``ids`` is one text (L,); ``vocabulary`` (one word per id) labels the axes with its words
    (else the ids). Padding positions are left out. Weights from
    :func:`~neuronkit.inspect.attention_weights` (``layer``: default the first attention layer).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Embedding(5, 4, padding_idx=0, seed=0), nk.MultiHeadSelfAttention(4, 2, seed=1),
    ...                     nk.SequenceMeanPool(), nk.Dense(4, 2, seed=2))
    >>> fig = nk.inspect.plot_attention(net, [3, 1, 4, 0], vocabulary=["<pad>", "the", "cat", "sat", "down"])
    >>> [ax.get_title() for ax in fig.axes if ax.images]
    ['head 0', 'head 1']
    """
    from .specialisation import attention_weights

    m = InspectedModel(model)
    weights = attention_weights(model, ids, layer)
    X = m.check_X(ids, "ids")
    mask = m.mask_of(X)
    keep = np.ones(X.shape[1], bool) if mask is None else mask[0]
    tokens = X[0][keep]
    if vocabulary is not None:
        words = [str(w) for w in vocabulary]
        labels = [words[i] if 0 <= i < len(words) else str(i) for i in tokens]
    else:
        labels = [str(i) for i in tokens]
    heads = len(weights)
    fig = new_figure(2.6 * heads + 0.8, 2.8)
    axes = fig.subplots(1, heads, squeeze=False)[0]
    im = None
    for h, ax in enumerate(axes):
        w = weights[h][np.ix_(keep, keep)]
        im = ax.imshow(w, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"head {h}", fontsize=9)
        ax.set_xticks(np.arange(len(labels)), labels=labels, rotation=60, fontsize=7)
        ax.set_yticks(np.arange(len(labels)), labels=labels if h == 0 else [""] * len(labels), fontsize=7)
        ax.set_xlabel("attends to (key)", fontsize=7)
    axes[0].set_ylabel("token (query)", fontsize=7)
    if im is not None:
        fig.colorbar(im, ax=list(axes), shrink=0.8)
    return finish_figure(fig, path)


# ------------------------------------------------------------------------------ learnable activations
def _timeline_of(source: Any) -> dict[str, Any]:
    """The record of an ActivationTimeline: from itself, a History, a fitted estimator or the dict."""
    hist = getattr(source, "history_", source)
    if hasattr(hist, "activation_timeline"):
        hist = hist.activation_timeline
    elif hasattr(hist, "to_dict") and hasattr(hist, "max_points"):
        hist = hist.to_dict()
    if not isinstance(hist, dict) or not isinstance(hist.get("parameters"), dict) or not hist.get("steps"):
        raise ParameterError("plot_activation_timeline needs what an ActivationTimeline recorded: the callback, "
                             "a History (or estimator) trained with callbacks=[nk.callbacks.ActivationTimeline()], "
                             f"or its dict; got {type(source).__name__} without one")
    return hist


def plot_activation_timeline(source: Any, layer: str | None = None, *, path: str | Path | None = None) -> Any:
    """How each neuron's learnable activation parameters moved during training, one panel per quantity.

    ``source``: an :class:`~neuronkit.callbacks.ActivationTimeline`, a :class:`~neuronkit.History` that holds
    one's record (``history.activation_timeline``), a fitted estimator or the record itself. ``layer``: which
    layer (default: the first recorded). A per-neuron parameter (swish's β, ELU's α, the threshold θ) is one
    panel with a line per neuron; a dynamic activation gets a panel per basis function showing each neuron's
    mixture weight (softmax of its logits); a rational one a panel per coefficient. The x axis is in epochs.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> X = np.random.default_rng(0).standard_normal((32, 2)); y = X[:, 0] * X[:, 1]
    >>> timeline = nk.callbacks.ActivationTimeline(every=2)
    >>> _ = nk.fit(nk.mlp([2, 3, 1], activation="dynamic", seed=0), X, y, epochs=2, batch_size=8,
    ...            progress=False, seed=0, callbacks=[timeline])
    >>> fig = nk.inspect.plot_activation_timeline(timeline, layer="hidden1")
    >>> [ax.get_title() for ax in fig.axes]
    ['hidden1: weight of relu', 'hidden1: weight of tanh', 'hidden1: weight of sigmoid', 'hidden1: weight of identity']
    """
    record = _timeline_of(source)
    layers = list(record.get("activations", {}))
    if layer is None:
        layer = layers[0] if layers else None
    if layer is None or layer not in layers:
        raise UnknownNameError(f"plot_activation_timeline: no recorded layer {layer!r}; recorded: "
                               f"{', '.join(layers) or 'none'}", kind="layer", name=layer, valid=tuple(layers))
    config = record["activations"][layer]
    x = np.asarray(record["epochs"], dtype=np.float64)
    panels: list[tuple[str, np.ndarray, str]] = []  # (title, values (samples, lines), line label)
    for key, samples in record["parameters"].items():
        if not key.startswith(f"{layer}.activation."):
            continue
        name = key[len(layer) + len(".activation."):]
        values = np.asarray(samples, dtype=np.float64)
        if name == "logits" and values.ndim == 3:  # a dynamic activation: mixture weights per basis function
            weights = np.exp(values - values.max(axis=-1, keepdims=True))
            weights /= weights.sum(axis=-1, keepdims=True)
            basis = list(config.get("basis", [])) or [str(k) for k in range(values.shape[-1])]
            panels += [(f"{layer}: weight of {basis[k]}", weights[:, :, k], "neuron ")
                       for k in range(values.shape[-1])]
        elif values.ndim == 3:  # per neuron, several coefficients: a panel per coefficient
            panels += [(f"{layer}: {name}[{k}]", values[:, :, k], "neuron ") for k in range(values.shape[-1])]
        else:  # one value per neuron, or a layer's shared coefficients (a rational activation's a_j, b_k)
            shared = {"numerator": "a", "denominator": "b"}.get(name) if config.get("name") == "rational" else None
            panels.append((f"{layer}: {name}", values.reshape(len(values), -1), shared or "neuron "))
    rows, cols = _grid(len(panels))
    fig = new_figure(3.4 * cols, 2.6 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, values, label) in zip(axes, panels):
        for j in range(values.shape[1]):
            ax.plot(x, values[:, j], lw=1.0, label=f"{label}{j}" if values.shape[1] <= 10 else None)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
    for ax in axes[len(panels):]:
        fig.delaxes(ax)
    if panels and panels[0][1].shape[1] <= 10:
        axes[0].legend(fontsize=7)
    return finish_figure(fig, path)
