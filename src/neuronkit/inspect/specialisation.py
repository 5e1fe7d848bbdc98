"""What each neuron learned: top-activating samples, activation maximisation, ablation, class selectivity.

* :func:`top_activating` — the k samples of X that excite a neuron most.
* :func:`maximize_activation` — an input optimised to excite one neuron:
  x* = argmax_x f(x) - λ‖x‖² by gradient ascent (Adam) from a small random start
  drawn from an explicit ``seed``; for a first-layer neuron, z = w·x + b, so x* = w / (2λ).
* :func:`ablate` — silence (output 0) or clamp each neuron in turn and measure the
  change in loss and accuracy, ranked; :func:`ablated_outputs` gives the network's
  outputs with a set of neurons silenced. Both work by a forward pass that replaces
  the neurons' outputs (a mask on the layer's output); the model is not modified.
* :func:`top_patches` — for a convolution filter (``conv2[5]``), the k images whose feature
  map peaks highest, the peak's position, and the input patch it sees: its receptive field,
  computed exactly (:func:`receptive_field`) through the kernel sizes, strides, paddings and
  dilations of every convolution and pooling layer before it.
* :func:`top_words` — for a text model, the vocabulary words that excite a neuron most: an
  embedding dimension (``embedding1[3]``: the words with the largest value in it) or a neuron
  of a layer after the pooling (``hidden1[2]``: the words whose one-word text gives it the
  highest value; for Embedding -> mean/max pooling -> Dense that is z = w·e_word + b, each
  word's own contribution to the potential).
* :func:`attention_weights` — each head's attention weights over one text, (heads, L, L), from
  the attention layer's own input in the network.
* :func:`class_selectivity` — per neuron (μ_max - μ_rest) / (μ_max + μ_rest), with
  μ_max the largest class-mean activation and μ_rest the mean of the other class
  means: 0 = responds equally to every class, 1 = responds to one class only.

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([4, 6, 3], output="softmax", seed=0)
>>> X = np.random.default_rng(0).normal(size=(30, 4)); y = np.arange(30) % 3
>>> report = nk.inspect.ablate(net, X, y)
>>> len(report.rows), report.rows[0].delta_loss >= report.rows[-1].delta_loss
(6, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.batches import batch_indices
from ..engine import Tensor, no_grad
from ..engine import conv as conv_ops
from ..errors import DataError, ParameterError, ParameterTypeError, ShapeError
from ..init import make_rng
from ..layers import (
    Activation,
    AvgPool1d,
    AvgPool2d,
    BatchNorm2d,
    Dense,
    Dropout,
    Embedding,
    MaxPool1d,
    MaxPool2d,
    MultiHeadSelfAttention,
    Parameter,
    TransformerEncoderBlock,
)
from ..validation import check_consistent_length, check_int, check_number, must_be
from ._model import CONV_TYPES, InspectedModel, eval_mode, forward, plain, preserved_grads


# ------------------------------------------------------------------------------ top-activating samples
@dataclass(frozen=True)
class TopActivating:
    """The ``k`` samples that excite ``neuron`` most: row ``indices`` into X and their ``values``, best first."""

    neuron: str
    indices: np.ndarray
    values: np.ndarray
    output: str


def _neuron_values(m: InspectedModel, X: np.ndarray, layer_name: str, index: int | None, potential: bool,
                   batch_size: int) -> np.ndarray:
    """A layer's potentials or outputs over X, shape (n,) for one neuron or (n, width) for all."""
    stop = m.layer_index(layer_name) + 1
    parts = []
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        rec = m.records(X[rows], stop=stop)[-1]
        values = (rec.potentials if potential else rec.output).data.astype(np.float64)
        parts.append(values if index is None else values[:, index])
    return np.concatenate(parts)


def _output_kind(output: str) -> bool:
    from .attribution import output_kind

    return output_kind(output) == "potential"


def top_activating(model: Any, X: Any, neuron: str, *, k: int = 9, output: str = "activation",
                   batch_size: int = 1024) -> TopActivating:
    """The ``k`` rows of X on which ``neuron`` has the highest output (or potential z).

    Ties keep the earlier sample first.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(1, 1, activation="relu", seed=0))
    >>> net["output"].weight.data[:] = 1.0
    >>> nk.inspect.top_activating(net, [[3.0], [-1.0], [5.0]], "output[0]", k=2).indices.tolist()
    [2, 0]
    """
    m = InspectedModel(model)
    layer_name, _, index = m.neuron(neuron)
    X = m.check_X(X)
    k = min(check_int(k, "k", low=1), len(X))
    potential = _output_kind(output)
    values = _neuron_values(m, X, layer_name, index, potential, check_int(batch_size, "batch_size", low=1))
    order = np.argsort(-values, kind="stable")[:k]
    return TopActivating(f"{layer_name}[{index}]", order, values[order], "potential" if potential else "activation")


# ------------------------------------------------------------------------------ activation maximisation
@dataclass(frozen=True)
class Maximization:
    """An input ``x`` (n_features,) that excites ``neuron``: its ``value`` (f at x, without the
    penalty), the objective f(x) - λ‖x‖² per step (``history``), and the settings used."""

    neuron: str
    x: np.ndarray
    value: float
    history: list[float]
    l2: float
    seed: int


def maximize_activation(model: Any, neuron: str, *, steps: int = 300, lr: float = 0.05, l2: float = 0.01,
                        seed: int = 0, init_scale: float = 0.01, bounds: tuple[float, float] | None = None,
                        output: str = "potential") -> Maximization:
    """Optimise an input to excite ``neuron``: maximise f(x) - ``l2``·‖x‖² over x.

    f is the neuron's potential z (default; for monotone activations such as
    relu and sigmoid the same x maximises f(z), and z has a gradient even where a
    ReLU is silent) or its output (``output="activation"``). The start is
    ``init_scale`` · N(0, 1) noise from ``numpy.random.default_rng(seed)``; the
    optimiser is Adam with learning rate ``lr`` for ``steps`` steps; ``bounds``
    (low, high) clips x after every step (e.g. (0, 16) for digit pixels). x is in
    the model's input space (unscaled for an estimator).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="relu", seed=0))
    >>> net["output"].weight.data[:] = [[1.0, -2.0]]
    >>> r = nk.inspect.maximize_activation(net, "output[0]", l2=0.5, steps=500)
    >>> np.round(r.x, 2).tolist()             # w / (2λ)
    [1.0, -2.0]
    """
    from ..optim import get_optimizer

    m = InspectedModel(model)
    if not m.flat:
        raise ParameterError("maximize_activation optimises a vector of input features; this network takes images "
                             "or token ids: use top_patches (images) or top_words (text) to see what a neuron "
                             "responds to")
    layer_name, _, index = m.neuron(neuron)
    steps = check_int(steps, "steps", low=1)
    lr = check_number(lr, "lr", low=0.0, low_open=True)
    l2 = check_number(l2, "l2", low=0.0)
    init_scale = check_number(init_scale, "init_scale", low=0.0)
    if seed is None or isinstance(seed, np.random.Generator):
        raise ParameterTypeError(must_be("seed", "a non-negative integer (it is recorded with the result)", seed))
    rng = make_rng(seed)
    if bounds is not None:
        rule = "(low, high) with low < high"
        if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
            raise ParameterError(must_be("bounds", rule, bounds))
        low, high = (check_number(b, "bounds") for b in bounds)
        if not low < high:
            raise ParameterError(must_be("bounds", rule, bounds))
    potential = _output_kind(output)
    stop = m.layer_index(layer_name) + 1
    x = Parameter(init_scale * rng.standard_normal(m.n_features), dtype=np.float64)
    if bounds is not None:
        np.clip(x.data, low, high, out=x.data)
    opt = get_optimizer("adam", [x], lr=lr)
    history: list[float] = []
    net_scale = None if m.scale is None else Tensor(m.scale)
    with eval_mode(m.network), preserved_grads(m.network):
        for _ in range(steps):
            x.grad = None
            net_in = x.reshape(1, -1) if net_scale is None else x.reshape(1, -1) * net_scale + m.shift
            rec = forward(m.network, net_in, stop=stop)[-1]
            f = (rec.potentials if potential else rec.output)[0, index]
            objective = f - (x * x).sum() * l2
            history.append(float(objective.data))
            (-objective).backward()
            opt.step()
            if bounds is not None:
                np.clip(x.data, low, high, out=x.data)
    final = x.data.copy()
    value = float(_neuron_values(m, final[None, :], layer_name, index, potential, 1)[0])
    return Maximization(f"{layer_name}[{index}]", final, value, history, l2, int(seed))


# ------------------------------------------------------------------------------ ablation
def _resolve_neurons(m: InspectedModel, neurons: Any) -> list[tuple[str, int]]:
    """Hidden neurons by name, layer name, or None for all of them."""
    last = list(m.network.layers)[-1]
    if neurons is None:
        return [(name, i) for name, layer in m.dense_layers() if name != last for i in range(layer.out_features)]
    if isinstance(neurons, str):
        neurons = [neurons]
    if not isinstance(neurons, (list, tuple)):
        raise ParameterTypeError(must_be("neurons", "a neuron name ('hidden1[3]'), a layer name, a list of them "
                                         "or None", neurons))
    out: list[tuple[str, int]] = []
    for item in neurons:
        if isinstance(item, str) and item in m.network.layers:
            layer = m.network.layers[item]
            if not isinstance(layer, Dense):
                raise ParameterError(f"layer {item!r} is a {type(layer).__name__}, which has no neurons")
            out.extend((item, i) for i in range(layer.out_features))
        else:
            name, _, index = m.neuron(item)
            out.append((name, index))
    if any(name == last for name, _ in out):
        raise ParameterError(f"only hidden neurons can be ablated; {last!r} is the output layer (its neurons are "
                             "the model's answers)")
    if not out:
        raise ParameterError("no neurons to ablate; give neuron names like 'hidden1[3]' or a layer name")
    return out


def _clamp_values(m: InspectedModel, X: np.ndarray, targets: list[tuple[str, int]], value: Any,
                  batch_size: int) -> dict[tuple[str, int], float]:
    if isinstance(value, str):
        if value != "mean":
            raise ParameterError(must_be("value", "a number (0 silences a neuron) or 'mean'", value))
        means = {name: _neuron_values(m, X, name, None, False, batch_size).mean(axis=0)
                 for name in {name for name, _ in targets}}
        return {(name, i): float(means[name][i]) for name, i in targets}
    v = check_number(value, "value")
    return {key: v for key in targets}


def _mask_edit(columns: dict[int, float]):
    def edit(out: Tensor) -> Tensor:
        keep = np.ones(out.shape[-1], dtype=out.dtype)
        fill = np.zeros(out.shape[-1], dtype=out.dtype)
        for i, v in columns.items():
            keep[i], fill[i] = 0.0, v
        return out * keep + fill

    return edit


def ablated_outputs(model: Any, X: Any, neurons: Any, *, value: Any = 0.0, output: str = "activation",
                    batch_size: int = 1024) -> np.ndarray:
    """The network's outputs on X with ``neurons`` (names, or a layer name) all replaced by ``value``.

    ``value`` 0 silences them (a lesion); a number clamps them; ``"mean"`` clamps
    each to its mean output over X. ``output="activation"`` gives the last layer's
    outputs (probabilities for a softmax head), ``"potential"`` its logits.
    Shape (n_samples, n_outputs), float64.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> X = np.ones((1, 2))
    >>> out = nk.inspect.ablated_outputs(net, X, "hidden1")   # every hidden neuron silenced
    >>> bool(np.allclose(out, net["output"].bias.data))
    True
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    batch_size = check_int(batch_size, "batch_size", low=1)
    targets = _resolve_neurons(m, neurons)
    potential = _output_kind(output)
    clamp = _clamp_values(m, X, targets, value, batch_size)
    by_layer: dict[str, dict[int, float]] = {}
    for (name, i), v in clamp.items():
        by_layer.setdefault(name, {})[i] = v
    edits = {name: _mask_edit(columns) for name, columns in by_layer.items()}
    parts = []
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        last = m.records(X[rows], edits=edits)[-1]
        parts.append(((last.z if potential and last.z is not None else last.output).data).astype(np.float64))
    return np.concatenate(parts)


@dataclass(frozen=True)
class AblationRow:
    """One neuron silenced (or clamped): the ``loss`` and ``accuracy`` without it and the changes."""

    neuron: str
    value: float
    loss: float
    delta_loss: float
    accuracy: float | None
    delta_accuracy: float | None


@dataclass
class AblationReport:
    """Ablation of each neuron in turn, ``rows`` ranked by ``delta_loss`` (most harmful to lose first).

    Examples
    --------
    Neuron hidden1[0] has a bias of -100, so it never fires: silencing it changes nothing.

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> report = nk.inspect.ablate(net, X, y)
    >>> [row.neuron for row in report.rows]
    ['hidden1[2]', 'hidden1[1]', 'hidden1[0]']
    >>> report.rows[-1].neuron, report.rows[-1].delta_loss
    ('hidden1[0]', 0.0)
    """

    base_loss: float
    base_accuracy: float | None
    loss_name: str
    rows: list[AblationRow] = field(default_factory=list)

    @property
    def ranking(self) -> list[str]:
        return [r.neuron for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"loss": self.loss_name, "base_loss": self.base_loss, "base_accuracy": self.base_accuracy,
                "rows": [vars(r) for r in self.rows]}

    def render(self, limit: int = 10) -> str:
        acc = self.base_accuracy is not None
        lines = [f"ablation: each neuron's output replaced in turn; base {self.loss_name} loss "
                 f"{self.base_loss:.4g}" + (f", accuracy {self.base_accuracy:.4f}" if acc else "")]
        lines.append(f"  {'neuron':<14}{'Δ loss':>10}" + (f"{'Δ accuracy':>12}" if acc else ""))
        for r in self.rows[:limit]:
            lines.append(f"  {r.neuron:<14}{r.delta_loss:>+10.4f}" + (f"{r.delta_accuracy:>+12.4f}" if acc else ""))
        if len(self.rows) > limit:
            lines.append(f"  … {len(self.rows) - limit} more (least important last)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def ablate(model: Any, X: Any, y: Any, neurons: Any = None, *, value: Any = 0.0,
           batch_size: int = 1024) -> AblationReport:
    """Replace each neuron's output in turn (``value`` 0: silence it; a number or ``"mean"``: clamp it)
    and report the change in the training loss (and accuracy for a classifier), ranked.

    ``neurons``: names, a layer name, or None for every hidden neuron. Each
    neuron costs one forward pass of the layers above it; nothing is changed on
    the model.

    Examples
    --------
    Neuron hidden1[0] has a bias of -100, so it never fires: silencing it changes nothing.

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> report = nk.inspect.ablate(net, X, y)
    >>> worst = report.rows[0]; worst.neuron, worst.delta_loss > 0
    ('hidden1[2]', True)
    >>> report.rows[-1].neuron, report.rows[-1].delta_loss
    ('hidden1[0]', 0.0)
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    batch_size = check_int(batch_size, "batch_size", low=1)
    target = m.encode_targets(y, len(X))
    targets = _resolve_neurons(m, neurons)
    clamp = _clamp_values(m, X, targets, value, batch_size)
    loss_fn = m.loss()
    classify = m.is_classifier

    def score(outputs: list[tuple[np.ndarray, Any]]) -> tuple[float, float | None]:
        total, correct = 0.0, 0
        for part, records in outputs:
            pred = m.loss_input(records, loss_fn)
            total += float(loss_fn(pred, target[part]).data) * len(part)
            if classify:
                raw = pred.data
                labels = raw.argmax(axis=1) if raw.shape[1] > 1 else (raw[:, 0] > (
                    0 if loss_fn.output_activation == "sigmoid" else 0.5)).astype(int)
                correct += int((labels == np.asarray(target[part]).reshape(-1)).sum())
        return total / len(X), (correct / len(X) if classify else None)

    net = m.network
    with eval_mode(net), no_grad():
        parts = batch_indices(len(X), batch_size, shuffle=False)
        inputs = [m.input_tensor(X[part], requires_grad=False)[1] for part in parts]
        masks = [m.mask_of(X[part]) for part in parts]  # text: the padding mask of each batch
        base_loss, base_acc = score([(part, forward(net, h, mask=k)) for part, h, k in zip(parts, inputs, masks)])
        rows = []
        by_layer: dict[str, list[int]] = {}
        for name, i in targets:
            by_layer.setdefault(name, []).append(i)
        for name, indices in by_layer.items():
            pos = m.layer_index(name)
            # the layer's own records once per batch; then only the layers above run per neuron
            own = [forward(net, h, stop=pos + 1, mask=k) for h, k in zip(inputs, masks)]
            for i in indices:
                v = clamp[(name, i)]
                edit = _mask_edit({i: v})
                results = []
                for part, recs, k in zip(parts, own, masks):
                    edited = edit(recs[-1].output)
                    results.append((part, forward(net, edited, start=pos + 1, mask=k)))
                loss, acc = score(results)
                rows.append(AblationRow(f"{name}[{i}]", v, loss, loss - base_loss, acc,
                                        None if acc is None or base_acc is None else acc - base_acc))
    rows.sort(key=lambda r: (-r.delta_loss, r.neuron))
    return AblationReport(base_loss, base_acc, loss_fn.name, rows)


# ------------------------------------------------------------------------------ class selectivity
@dataclass
class Selectivity:
    """Class selectivity per neuron: ``neurons`` (names), ``index`` (n,), ``preferred`` (the class
    with the largest mean activation), ``class_means`` (n, n_classes), ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> s = nk.inspect.class_selectivity(net, X, y)
    >>> s.neurons
    ['hidden1[0]', 'hidden1[1]', 'hidden1[2]']
    >>> [(name, round(index, 3), int(cls)) for name, index, cls in s.top(1)]
    [('hidden1[2]', 1.0, 0)]
    """

    neurons: list[str]
    index: np.ndarray
    preferred: list[Any]
    class_means: np.ndarray
    classes: list[Any]

    def __getitem__(self, neuron: str) -> float:
        return float(self.index[self.neurons.index(neuron)])

    def top(self, k: int = 10) -> list[tuple[str, float, Any]]:
        """The ``k`` most selective neurons as (name, index, preferred class)."""
        order = np.argsort(-self.index, kind="stable")[:k]
        return [(self.neurons[i], float(self.index[i]), self.preferred[i]) for i in order]

    def to_dict(self) -> dict[str, Any]:
        return {name: {"selectivity": float(self.index[i]), "preferred_class": plain(self.preferred[i]),
                       "class_means": self.class_means[i].tolist()} for i, name in enumerate(self.neurons)}


def class_selectivity(model: Any, X: Any, y: Any, *, layer: str | None = None,
                      batch_size: int = 1024) -> Selectivity:
    """Selectivity index (μ_max - μ_rest) / (μ_max + μ_rest) of every neuron of the hidden layers (or ``layer``).

    μ are the neuron's mean outputs per class of y (every class must have a
    sample). The index is in [0, 1] for non-negative outputs (ReLU, sigmoid);
    outputs that can be negative (tanh, leaky ReLU) are first shifted by the
    neuron's minimum over X. A neuron with μ_max + μ_rest = 0 (dead) gets 0.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(1, 2, activation="relu", seed=0), nk.Dense(2, 2, seed=0))
    >>> net["hidden1"].weight.data[:] = [[1.0], [0.0]]; net["hidden1"].bias.data[:] = [0.0, 1.0]
    >>> s = nk.inspect.class_selectivity(net, [[1.0], [0.0]], [0, 1])
    >>> s["hidden1[0]"], s["hidden1[1]"]    # fires for class 0 only; fires equally for both
    (1.0, 0.0)
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    batch_size = check_int(batch_size, "batch_size", low=1)
    if m.classes is not None:
        labels = m.encode_targets(y, len(X))
        classes = list(m.classes)
    else:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ShapeError(f"y must be one label per sample, shape ({len(X)},); got shape {y.shape}")
        check_consistent_length(X, y)
        try:
            uniques, labels = np.unique(y, return_inverse=True)
        except TypeError:
            raise DataError("y holds labels that cannot be sorted (mixed types?); give labels of one type") from None
        classes = list(uniques)
    if len(classes) < 2:
        raise DataError("class selectivity needs labels of at least two classes")
    present = np.bincount(labels, minlength=len(classes))
    if np.any(present == 0):
        missing = ", ".join(str(plain(classes[i])) for i in np.flatnonzero(present == 0))
        raise DataError(f"y has no sample of class(es) {missing}; class selectivity needs every class in X")
    layer_names = [layer] if layer is not None else [n for n, _ in m.dense_layers()[:-1]] or \
        [m.dense_layers()[-1][0]]
    names: list[str] = []
    indices: list[np.ndarray] = []
    preferred: list[Any] = []
    means_all: list[np.ndarray] = []
    onehot = np.eye(len(classes))[labels]
    for name in layer_names:
        if not isinstance(m.layer(name), Dense):
            raise ParameterError(f"layer must name a Dense layer ({', '.join(n for n, _ in m.dense_layers())}); "
                                 f"got {name!r}")
        acts = _neuron_values(m, X, name, None, False, batch_size)
        acts = acts - np.minimum(acts.min(axis=0), 0.0)
        means = (onehot.T @ acts / present[:, None]).T                     # (n_neurons, n_classes)
        best = means.argmax(axis=1)
        mu_max = means[np.arange(len(means)), best]
        mu_rest = (means.sum(axis=1) - mu_max) / (len(classes) - 1)
        total = mu_max + mu_rest
        index = np.divide(mu_max - mu_rest, total, out=np.zeros_like(total), where=total > 0)
        names.extend(m.neuron_names(name))
        indices.append(index)
        preferred.extend(classes[b] for b in best)
        means_all.append(means)
    return Selectivity(names, np.concatenate(indices), preferred, np.concatenate(means_all), classes)


# ------------------------------------------------------------------------------ receptive fields and patches
#: layers that keep every position where it is (a receptive field passes through them unchanged)
_POINTWISE = (Activation, BatchNorm2d, Dropout)


def _window(layer: Any, name: str) -> list[tuple[int, int, int, int]] | None:
    """(kernel, stride, padding before, dilation) per spatial axis of a conv/pool layer; None if pointwise."""
    if isinstance(layer, CONV_TYPES):
        pads = conv_ops.conv_padding(layer.padding, layer.kernel_size, layer.stride, layer.dilation)
        return [(k, s, p[0], d) for k, s, p, d in zip(layer.kernel_size, layer.stride, pads, layer.dilation)]
    if isinstance(layer, (MaxPool2d, AvgPool2d, MaxPool1d, AvgPool1d)):
        dims = 2 if isinstance(layer, (MaxPool2d, AvgPool2d)) else 1
        k, s, p = ((v,) * dims if isinstance(v, int) else tuple(v) for v in (layer.kernel_size, layer.stride,
                                                                             layer.padding))
        return [(k[a], s[a], p[a], 1) for a in range(dims)]
    if isinstance(layer, _POINTWISE):
        return None
    raise ParameterError(f"layer {name!r} ({type(layer).__name__}) does not keep positions, so the receptive field "
                         "of a later filter cannot be traced through it; ask about a convolution before it")


def receptive_field(model: Any, layer: str, position: Any) -> tuple[tuple[int, int], ...]:
    r"""The input region that one position of a layer's output sees: ``((start, stop), ...)`` per axis.

    Traced back exactly through every convolution and pooling layer up to ``layer``: an output
    index range :math:`[a, b]` of a layer with kernel k, stride s, padding p (before) and
    dilation d comes from the inputs :math:`[a s - p,\; b s - p + d (k - 1)]`. Activation,
    BatchNorm2d and Dropout layers keep positions. ``stop`` is exclusive; a region may reach
    beyond the image (into the zero padding): ``start < 0`` or ``stop`` > the image size.

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 2, 3, stride=2, padding=1, seed=0), nk.MaxPool2d(2),
    ...                     nk.Conv2d(2, 2, 3, dilation=2, seed=0))
    >>> nk.inspect.receptive_field(net, "conv2", (0, 1))       # rows -1..19, columns 3..23
    ((-1, 20), (3, 24))
    """
    m = InspectedModel(model)
    target = m.layer(layer)
    names = list(m.network.layers)
    stop = names.index(layer)
    window = _window(target, layer)
    dims = len(window) if window is not None else None
    if dims is None:
        raise ParameterError(f"layer {layer!r} ({type(target).__name__}) has no window of its own; give a "
                             "convolution or pooling layer")
    pos = (position,) if isinstance(position, (int, np.integer)) else tuple(position)
    if len(pos) != dims or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in pos):
        raise ParameterError(must_be("position", f"{dims} non-negative integer(s), one per spatial axis of "
                                                 f"{layer!r}'s output", position))
    lo, hi = [int(v) for v in pos], [int(v) for v in pos]
    for name in reversed(names[:stop + 1]):
        w = _window(m.network.layers[name], name)
        if w is None:
            continue
        for a, (k, s, p, d) in enumerate(w):
            lo[a], hi[a] = lo[a] * s - p, hi[a] * s - p + d * (k - 1)
    return tuple((lo[a], hi[a] + 1) for a in range(dims))


def _crop(image: np.ndarray, box: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``image`` (C, *sizes) inside ``box``, zeros where the box reaches past the edges (the padding)."""
    out = np.zeros((image.shape[0], *(b - a for a, b in box)), dtype=image.dtype)
    src = tuple(slice(max(a, 0), min(b, n)) for (a, b), n in zip(box, image.shape[1:]))
    dst = tuple(slice(s.start - a, s.stop - a) for s, (a, _) in zip(src, box))
    if all(s.stop > s.start for s in src):
        out[(slice(None), *dst)] = image[(slice(None), *src)]
    return out


@dataclass(frozen=True)
class TopPatches:
    """The ``k`` images that excite a filter most: row ``indices`` into X, each one's peak ``values``
    (the largest value of the filter's feature map), the peak's ``positions`` (k, dims) in the map,
    its receptive field ``boxes`` (k, dims, 2) as [start, stop) per axis in input coordinates, and
    the input ``patches`` ``(k, C, *size)`` inside those boxes (zeros beyond the image's edges).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 1, 2, bias=False, seed=0), nk.Flatten(), nk.Dense(9, 2, seed=1))
    >>> net["conv1"].weight.data[:] = 1.0
    >>> X = np.zeros((3, 1, 4, 4)); X[1, 0, 2:4, 0:2] = 1.0
    >>> top = nk.inspect.top_patches(net, X, "conv1[0]", k=1)
    >>> top.indices.tolist(), top.positions.tolist(), top.boxes.tolist(), float(top.values[0])
    ([1], [[2, 0]], [[[2, 4], [0, 2]]], 4.0)
    """

    neuron: str
    indices: np.ndarray
    values: np.ndarray
    positions: np.ndarray
    boxes: np.ndarray
    patches: np.ndarray
    output: str


def top_patches(model: Any, X: Any, neuron: str, *, k: int = 9, output: str = "activation",
                batch_size: int = 256) -> TopPatches:
    """The ``k`` images of X on which a convolution filter's feature map peaks highest, with the patch it saw.

    ``neuron`` names the filter (``"conv2[5]"``, also ``"conv2.channel[5]"``); its value at each
    position is the layer's output (``output="activation"``) or potential z. Per image the peak
    is the largest value over all positions (the first in row-major order on ties); images are
    ranked by it (ties keep the earlier image). The patch is the peak position's receptive field
    (:func:`receptive_field`). X: images (n, C, H, W) (or sequences (n, C, L) for Conv1d).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 2, 3, padding=1, activation="relu", seed=0), nk.MaxPool2d(2),
    ...                     nk.Flatten(), nk.Dense(32, 3, seed=1))
    >>> top = nk.inspect.top_patches(net, np.random.default_rng(0).random((5, 1, 8, 8)), "conv1[1]", k=2)
    >>> top.patches.shape, top.boxes.shape
    ((2, 1, 3, 3), (2, 2, 2))
    """
    m = InspectedModel(model)
    layer_name, _, index = m.neuron(neuron, CONV_TYPES)
    X = m.check_X(X)
    k = min(check_int(k, "k", low=1), len(X))
    potential = _output_kind(output)
    batch_size = check_int(batch_size, "batch_size", low=1)
    stop = m.layer_index(layer_name) + 1
    maps = []
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        rec = m.records(X[rows], stop=stop)[-1]
        maps.append((rec.potentials if potential else rec.output).data[:, index].astype(np.float64))
    fmap = np.concatenate(maps)                                   # (n, *sizes)
    flat = fmap.reshape(len(X), -1)
    peak = flat.argmax(axis=1)
    values = flat[np.arange(len(X)), peak]
    order = np.argsort(-values, kind="stable")[:k]
    positions = np.stack(np.unravel_index(peak[order], fmap.shape[1:]), axis=1)
    boxes = np.array([receptive_field(m.network, layer_name, tuple(int(v) for v in pos)) for pos in positions])
    patches = np.stack([_crop(X[i], tuple(map(tuple, box))) for i, box in zip(order, boxes)])
    return TopPatches(f"{layer_name}[{index}]", order, values[order], positions, boxes, patches,
                      "potential" if potential else "activation")


# ------------------------------------------------------------------------------ words that excite a neuron
@dataclass(frozen=True)
class TopWords:
    """The ``k`` vocabulary ``words`` (and their ``ids``) that excite ``neuron`` most, with their ``values``.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Embedding(3, 1, seed=0), nk.SequenceMeanPool(), nk.Dense(1, 1, seed=1))
    >>> net["embedding1"].weight.data[:, 0] = [0.5, -1.0, 2.0]
    >>> nk.inspect.top_words(net, "embedding1[0]", ["a", "b", "c"], k=2).words
    ['c', 'a']
    """

    neuron: str
    words: list[str]
    ids: np.ndarray
    values: np.ndarray

    def __str__(self) -> str:
        return f"{self.neuron}: " + ", ".join(f"{w} ({v:.3g})" for w, v in zip(self.words, self.values))


def top_words(model: Any, neuron: str, vocabulary: Any, *, k: int = 10, output: str = "potential",
              batch_size: int = 1024) -> TopWords:
    """The ``k`` words of ``vocabulary`` (one string per token id) that excite ``neuron`` most.

    For an embedding dimension (``"embedding1[3]"``) a word's value is its embedding's value in
    that dimension. For a neuron of a later layer (``"hidden1[2]"``, after the pooling) it is the
    neuron's potential (``output="potential"``, default) or output on the one-word text
    ``[word]`` (masks and positions as the network applies them). The padding id is left out.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Embedding(4, 2, padding_idx=0, seed=0), nk.SequenceMeanPool(),
    ...                     nk.Dense(2, 1, seed=1))
    >>> net["embedding1"].weight.data[:] = [[0, 0], [1, 0], [0, 1], [1, 1]]
    >>> net["output"].weight.data[:] = [[2.0, -1.0]]; net["output"].bias.data[:] = 0.5
    >>> top = nk.inspect.top_words(net, "output[0]", ["<pad>", "goal", "rain", "match"], k=3)
    >>> top.words, top.values.tolist()                # z = 2·e1 - e2 + 0.5
    (['goal', 'match', 'rain'], [2.5, 1.5, -0.5])
    """
    m = InspectedModel(model)
    if not m.is_text:
        raise ParameterError("top_words needs a text model (its first layer an Embedding of token ids); this "
                             "network takes numbers: use top_activating or top_patches")
    embedding: Any = m.network[0]
    layer_name, layer, index = m.neuron(neuron, (Dense, Embedding))
    if isinstance(vocabulary, (str, bytes)) or not hasattr(vocabulary, "__len__"):
        raise ParameterTypeError(must_be("vocabulary", f"a list of {embedding.num_embeddings} words, one per "
                                                       "token id", vocabulary))
    words = [str(w) for w in vocabulary]
    if len(words) != embedding.num_embeddings:
        raise ParameterError(f"vocabulary has {len(words)} words but the network's Embedding {embedding.name!r} "
                             f"has {embedding.num_embeddings} token ids; give one word per id, in id order (a "
                             "tokenizer's vocabulary)")
    k = check_int(k, "k", low=1)
    ids = np.array([i for i in range(embedding.num_embeddings) if i != embedding.padding_idx])
    if isinstance(layer, Embedding):
        values = layer.weight.data[ids, index].astype(np.float64)
    else:
        values = _neuron_values(m, ids[:, None], layer_name, index, _output_kind(output),
                                check_int(batch_size, "batch_size", low=1))
    order = np.argsort(-values, kind="stable")[:k]
    return TopWords(f"{layer_name}[{index}]", [words[i] for i in ids[order]], ids[order], values[order])


# ------------------------------------------------------------------------------ attention heads
def attention_weights(model: Any, ids: Any, layer: str | None = None) -> np.ndarray:
    """Each head's attention weights over one text: (heads, L, L), ``[h, i, j]`` = how much token i attends to j.

    ``layer`` names a :class:`~neuronkit.MultiHeadSelfAttention` or
    :class:`~neuronkit.TransformerEncoderBlock` (default: the first of them). The layer's
    input is found by running the network on ``ids`` (L,) up to it, with the padding mask
    the network builds; a block's attention sees its first LayerNorm's output when
    ``norm_first``. The weights are :meth:`~neuronkit.MultiHeadSelfAttention.attention_weights` (rows sum
    to 1 over the real tokens; padding columns are 0).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Embedding(5, 4, padding_idx=0, seed=0), nk.MultiHeadSelfAttention(4, 2, seed=1),
    ...                     nk.SequenceMeanPool(), nk.Dense(4, 2, seed=2))
    >>> w = nk.inspect.attention_weights(net, [3, 1, 4, 0])
    >>> w.shape, w.sum(axis=-1).round(6).tolist()[0], bool((w[:, :, 3] == 0).all())
    ((2, 4, 4), [1.0, 1.0, 1.0, 1.0], True)
    """
    m = InspectedModel(model)
    kinds = (MultiHeadSelfAttention, TransformerEncoderBlock)
    found = [name for name, lay in m.network.layers.items() if isinstance(lay, kinds)]
    if not found:
        raise ParameterError("the network has no attention layer (MultiHeadSelfAttention or "
                             "TransformerEncoderBlock), so it has no attention weights to show")
    name = found[0] if layer is None else layer
    target = m.layer(name)
    if not isinstance(target, kinds):
        raise ParameterError(f"layer {name!r} is a {type(target).__name__}, not an attention layer; attention "
                             f"layers: {', '.join(found)}")
    X = m.check_X(ids)
    if len(X) != 1:
        raise ShapeError(f"ids must be one text (L,) or (1, L); got {len(X)} texts: pass them one at a time")
    record = m.records(X, stop=m.layer_index(name) + 1)[-1]
    mask = m.mask_of(X)
    x = record.input
    attention: Any = target
    if isinstance(target, TransformerEncoderBlock):
        attention = target.self_attn
        if target.norm_first:
            with no_grad():  # LayerNorm over each token's vector, as the block applies it
                t = x if isinstance(x, Tensor) else Tensor(x)
                x = target.norm1(t.reshape(-1, t.shape[-1])).reshape(t.shape)
    with eval_mode(m.network):
        return np.asarray(attention.attention_weights(x, mask))[0]
