"""Attribution: how much each input feature drives an output (or a hidden neuron).

For a scalar function f of one input x (n_features,) — by default the
*potential* of the target output neuron, i.e. the pre-softmax **logit**
(``output="potential"``; ``output="activation"`` takes the probability / the
neuron's output f(z) instead) — and a baseline x' (default: zeros in the model's
input space; for an estimator that is the unscaled zero, e.g. a blank image):

=====================  =========================================================================
saliency               |∂f/∂xᵢ|  (gradient magnitude; Simonyan et al. 2014)
grad_x_input           xᵢ · ∂f/∂xᵢ  (signed; exactly wᵢxᵢ, each feature's contribution, for a
                       linear model f = w·x + b)
integrated_gradients   (xᵢ - x'ᵢ) · ∫₀¹ ∂f/∂xᵢ(x' + α(x - x')) dα  (Sundararajan et al. 2017),
                       trapezoidal rule with ``steps`` intervals. Completeness: Σᵢ attributionᵢ =
                       f(x) - f(x') within 5 % of max(|f(x)|, |f(x')|, |f(x) - f(x')|); the
                       result reports the error per sample (``completeness_error``).
occlusion              f(x) - f(x with feature i set to x'ᵢ), one feature at a time
=====================  =========================================================================

**Images** (a network whose first layer is a convolution, X (n, C, H, W)): every method works
pixel by pixel and returns maps with the input's shape (n, C, H, W); the default baseline is
the black image (zeros). Occlusion sets one pixel of one channel at a time.

**Text** (a network whose first layer is an :class:`~neuronkit.Embedding`, X token ids (n, L)):
ids are not differentiable, so the methods work on the embedding outputs e (n, L, D) — the
network from its second layer on, with the padding mask of the ids — and each token's score is
the sum over the embedding dimension: one score per token, shape (n, L) (saliency: Σ_d |∂f/∂e_td|;
gradient × input: Σ_d e_td ∂f/∂e_td; integrated gradients: Σ_d of the per-value attributions, so
completeness holds per text). The baseline (``baseline=None``) is the padding embedding (the
Embedding's ``padding_idx`` row, which is zero unless edited) at every position, or zeros for an
Embedding without padding; ``baseline="zeros"`` or ``"padding"`` choose, and an array (D,),
(L, D) or (n, L, D) gives any other. Padding positions get no attribution when the network
masks them (their embeddings do not reach f). The per-value attributions are in
``Attribution.embedding`` (n, L, D).

Methods live in :data:`ATTRIBUTIONS` (add one with :func:`register_attribution`).
Work is done in chunks of at most ``batch_size`` network inputs (an
integrated-gradients sample costs ``steps + 1``, an occlusion sample
``n_features + 1``), so memory stays bounded for any X. Gradients are computed in
float64 from the input on (the weights stay as stored).

>>> import numpy as np, neuronkit as nk
>>> net = nk.Sequential(nk.Dense(3, 1, activation="identity", seed=0))
>>> X = np.array([[1.0, 2.0, 3.0]])
>>> a = nk.inspect.attribute(net, X, method="grad_x_input")
>>> bool(np.allclose(a, net["output"].weight.data * X))
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.batches import batch_indices
from ..engine import Tensor, no_grad
from ..errors import ParameterError, ShapeError, UnknownNameError
from ..registry import Registry
from ..validation import check_array, check_int
from ._model import InspectedModel, eval_mode, forward, grad_of, preserved_grads

#: what a method explains of a neuron: its potential z (the logit of an output neuron) or its output f(z)
OUTPUTS: Registry[str] = Registry("attribution output")
OUTPUTS.register("potential", "potential", aliases=("logit", "logits", "z"))
OUTPUTS.register("activation", "activation", aliases=("probability", "output"))

#: integrated gradients: ``|Σ attributions - (f(x) - f(x'))|`` must be at most COMPLETENESS_RTOL times the
#: scale ``max(|f(x)|, |f(x')|, |f(x) - f(x')|, COMPLETENESS_FLOOR)`` for ``completeness_ok``
COMPLETENESS_RTOL = 0.05
#: the floor of that scale (see ``COMPLETENESS_RTOL``)
COMPLETENESS_FLOOR = 1e-3


class Attribution(np.ndarray):
    """An array shaped like X (float64) with what produced it.

    Attributes: ``method``; ``target`` (class index per sample, or None for a
    neuron); ``neuron`` (name or None); ``output`` ("potential" or "activation");
    ``baseline`` (n_samples, n_features) where the method uses one; and for
    integrated gradients ``values`` (f(x)), ``baseline_values`` (f(x')), ``delta``
    (Σ attributions - (f(x) - f(x')) per sample), ``completeness_error`` (``|delta|``),
    ``embedding`` (text models: the attributions of each embedding value, (n, L, D), before the sum over D),
    ``tolerance`` (per sample: ``0.05 · max(|f(x)|, |f(x')|, |f(x) - f(x')|, 1e-3)``) and
    ``completeness_ok``. The trapezoidal rule is exact for a linear f; at the kinks
    of ReLU networks its error shrinks like 1/steps (raise ``steps`` if not ok).
    Arrays derived from it (slices, arithmetic) carry no metadata.
    """

    method: str | None
    target: np.ndarray | None
    neuron: str | None
    output: str | None
    baseline: np.ndarray | None
    values: np.ndarray | None
    baseline_values: np.ndarray | None
    delta: np.ndarray | None
    embedding: np.ndarray | None

    def __new__(cls, array: np.ndarray, **info: Any) -> Attribution:
        obj = np.asarray(array, dtype=np.float64).view(cls)
        for key, value in info.items():
            setattr(obj, key, value)
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        for key in ("method", "target", "neuron", "output", "baseline", "values", "baseline_values", "delta",
                    "embedding"):
            setattr(self, key, None)

    @property
    def completeness_error(self) -> np.ndarray | None:
        return None if self.delta is None else np.abs(self.delta)

    @property
    def tolerance(self) -> np.ndarray | None:
        if self.values is None or self.baseline_values is None:
            return None
        scale = np.maximum.reduce([np.abs(self.values), np.abs(self.baseline_values),
                                   np.abs(self.values - self.baseline_values)])
        return COMPLETENESS_RTOL * np.maximum(scale, COMPLETENESS_FLOOR)

    @property
    def completeness_ok(self) -> bool | None:
        """True if every sample's attributions sum to f(x) - f(x') within ``tolerance`` (IG only)."""
        if self.delta is None:
            return None
        return bool(np.all(np.abs(self.delta) <= self.tolerance))


@dataclass
class Objective:
    """The scalar fᵢ of sample i that a method explains, and its input gradient, in chunks.

    fᵢ is the potential z (``potential=True``) or the output f(z) of one neuron of the layer at
    ``position``: the neuron ``column``, or, when ``column`` is None, the one ``target[i]`` names
    (an output neuron per sample: its class). :func:`attribute` builds it; an attribution method
    (see :func:`register_attribution`) receives it and calls :meth:`value` and :meth:`gradient` on
    rows of X, shape (n, n_features), getting float64 arrays of shape (n,) and (n, n_features).

    >>> import numpy as np, neuronkit as nk
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> net = nk.Sequential(nk.Dense(2, 3, activation="relu", seed=0), nk.Dense(3, 2, activation="softmax", seed=1))
    >>> logit = Objective(InspectedModel(net), position=1, column=None, potential=True)
    >>> f = logit.value(X, target=np.array([0, 1]))  # sample 0's logit of class 0, sample 1's of class 1
    >>> bool(np.allclose(f, [net.logits(X).data[0, 0], net.logits(X).data[1, 1]]))
    True

    For a linear neuron f(x) = w·x + b the gradient is w in every row:

    >>> line = nk.Sequential(nk.Dense(2, 1, activation="identity"))
    >>> line["output"].weight.data[:] = [[2.0, -1.0]]
    >>> line["output"].bias.data[:] = [0.5]
    >>> f, grad = Objective(InspectedModel(line), position=0, column=0, potential=True).gradient(X, None)
    >>> f.tolist(), grad.tolist()
    ([0.5, -2.0], [[2.0, -1.0], [2.0, -1.0]])
    """

    model: InspectedModel
    position: int          # index of the layer holding the neuron(s)
    column: int | None     # a fixed neuron, or None: the per-sample ``target`` column
    potential: bool        # z (True) or f(z)
    #: one sample's shape when rows of X are flattened images (C, H, W) or embeddings (L, D); None: features
    sample_shape: tuple[int, ...] | None = None
    #: the first layer to run (1 for a text model: rows of X are the Embedding's outputs)
    start: int = 0
    #: the padding mask (1, L) of the text being attributed (every row of X belongs to it), or None
    mask: np.ndarray | None = None

    def _select(self, X: np.ndarray, target: np.ndarray | None, grad: bool) -> tuple[Tensor, Tensor]:
        if self.start:  # embedding outputs: float64 from here on (the weights stay as stored)
            leaf = Tensor(np.asarray(X, dtype=np.float64), requires_grad=grad)
            net_in = leaf
        else:
            leaf, net_in = self.model.input_tensor(X, requires_grad=grad)
        if self.sample_shape is not None:
            net_in = net_in.reshape((len(X), *self.sample_shape))
        mask = None if self.mask is None else np.broadcast_to(self.mask, (len(X), self.mask.shape[-1]))
        rec = forward(self.model.network, net_in, start=self.start, stop=self.position + 1, mask=mask)[-1]
        values = rec.potentials if self.potential else rec.output
        if self.column is not None:
            return leaf, values[:, self.column]
        mask = np.zeros(values.shape, dtype=values.dtype)
        mask[np.arange(len(X)), target] = 1.0
        return leaf, (values * mask).sum(axis=1)

    def value(self, X: np.ndarray, target: np.ndarray | None) -> np.ndarray:
        """fᵢ for each row of X, shape (n,)."""
        with eval_mode(self.model.network), no_grad():
            return self._select(X, target, grad=False)[1].data.astype(np.float64)

    def gradient(self, X: np.ndarray, target: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(fᵢ, ∂fᵢ/∂xᵢ) for each row; rows are independent in eval mode, so one backward of Σ fᵢ suffices."""
        with eval_mode(self.model.network), preserved_grads(self.model.network):
            leaf, f = self._select(X, target, grad=True)
            f.sum().backward()
        return f.data.astype(np.float64), grad_of(leaf).astype(np.float64)


#: the type of an attribution method (see :data:`ATTRIBUTIONS`)
Method = Callable[..., tuple[np.ndarray, dict[str, Any]]]
#: attribution method name -> ``fn(objective, X, target, *, baseline, steps, batch_size) -> (values, info)``
ATTRIBUTIONS: Registry[Method] = Registry("attribution method")


def register_attribution(name: str, method: Method, *, aliases: tuple[str, ...] = (),
                         replace: bool = False) -> Method:
    """Add a method ``fn(objective, X, target, *, baseline, steps, batch_size) -> (values, info)``.

    A name (or alias) already taken is refused unless ``replace=True``. Returns ``method``.

    Examples
    --------
    Registering changes what :func:`attribute` accepts everywhere, so this shows the built-in methods:

    >>> from neuronkit.inspect import ATTRIBUTIONS
    >>> ATTRIBUTIONS.names()[:4]
    ['saliency', 'grad_x_input', 'integrated_gradients', 'occlusion']
    """
    return ATTRIBUTIONS.register(name, method, aliases=aliases, replace=replace)


def _saliency(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
              batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
    out = np.empty_like(X)
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        out[rows] = np.abs(obj.gradient(X[rows], _rows(target, rows))[1])
    return out, {}


def _grad_x_input(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
                  batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
    out = np.empty_like(X)
    for rows in batch_indices(len(X), batch_size, shuffle=False):
        out[rows] = X[rows] * obj.gradient(X[rows], _rows(target, rows))[1]
    return out, {}


def _integrated_gradients(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
                          batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
    n, d = X.shape
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] = 0.5 / steps  # trapezoidal rule
    out = np.empty_like(X)
    fx = np.empty(n)
    fb = np.empty(n)
    per_chunk = max(1, batch_size // (steps + 1))
    for rows in batch_indices(n, per_chunk, shuffle=False):
        x, b = X[rows], baseline[rows]
        k = len(x)
        path = b[:, None, :] + alphas[None, :, None] * (x - b)[:, None, :]       # (k, steps+1, d)
        t = None if target is None else np.repeat(target[rows], steps + 1)
        f, g = obj.gradient(path.reshape(k * (steps + 1), d), t)
        g = g.reshape(k, steps + 1, d)
        f = f.reshape(k, steps + 1)
        out[rows] = (x - b) * np.einsum("s,ksd->kd", weights, g)
        fb[rows], fx[rows] = f[:, 0], f[:, -1]
    delta = out.sum(axis=1) - (fx - fb)
    return out, {"values": fx, "baseline_values": fb, "delta": delta}


def _occlusion(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
               batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
    n, d = X.shape
    out = np.empty_like(X)
    per_chunk = max(1, batch_size // (d + 1))
    eye = np.eye(d, dtype=bool)
    for rows in batch_indices(n, per_chunk, shuffle=False):
        x, b = X[rows], baseline[rows]
        k = len(x)
        variants = np.where(eye[None, :, :], b[:, None, :], x[:, None, :])      # (k, d, d): feature i occluded
        batch = np.concatenate([x[:, None, :], variants], axis=1).reshape(k * (d + 1), d)
        t = None if target is None else np.repeat(target[rows], d + 1)
        f = obj.value(batch, t).reshape(k, d + 1)
        out[rows] = f[:, :1] - f[:, 1:]
    return out, {}


register_attribution("saliency", _saliency, aliases=("gradient", "gradients"))
register_attribution("grad_x_input", _grad_x_input, aliases=("input_x_gradient", "gradient_x_input"))
register_attribution("integrated_gradients", _integrated_gradients, aliases=("ig",))
register_attribution("occlusion", _occlusion)
#: alias -> attribution method name (the registry's own table)
ALIASES = ATTRIBUTIONS.aliases  # alias -> method name (the registry resolves them)


def output_kind(output: Any) -> str:
    """``"potential"`` or ``"activation"`` for any name of :data:`OUTPUTS` ("logit", "probability", …).

    Examples
    --------
    >>> from neuronkit.inspect.attribution import output_kind
    >>> output_kind("logit"), output_kind("probability")
    ('potential', 'activation')
    """
    try:
        return OUTPUTS.get(output)
    except UnknownNameError as exc:  # the registry's message, plus what each name means
        raise UnknownNameError(f"output must be 'potential' (alias 'logit') or 'activation' (alias 'probability'); "
                               f"{exc}", kind=exc.kind, name=exc.name, valid=exc.valid,
                               suggestion=exc.suggestion) from None


def _rows(target: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if target is None else target[rows]


def _targets(m: InspectedModel, obj: Objective, X: np.ndarray, target: Any, batch_size: int) -> np.ndarray:
    n_out = m.network.out_features or 1
    if target is None:
        if n_out == 1:
            return np.zeros(len(X), dtype=np.intp)
        if not m.is_classifier:
            raise ParameterError(f"target= is needed: the network has {n_out} outputs and is not a classifier; "
                                 f"give the output index to explain (0..{n_out - 1})")
        last = [m.records(X[rows], stop=obj.position + 1)[-1]
                for rows in batch_indices(len(X), batch_size, shuffle=False)]
        logits = np.concatenate([(r.z if r.z is not None else r.output).data for r in last])
        return logits.argmax(axis=1).astype(np.intp)
    t = np.asarray(target)
    whole = t.dtype.kind in "iu" or (t.dtype.kind == "f" and bool(np.all(np.isfinite(t) & (t == np.round(t)))))
    if m.classes is not None and not whole:
        t = m.class_indices(t, "target")
    elif t.dtype.kind == "f" and whole:
        t = t.astype(np.intp)
    if t.dtype.kind not in "iu":
        raise ParameterError(f"target must be an output index 0..{n_out - 1} (or one per sample); got {target!r}")
    t = np.broadcast_to(t, (len(X),)) if t.ndim == 0 else t
    if t.shape != (len(X),):
        raise ShapeError(f"target must be one index or one per sample ({len(X)}); got shape {t.shape}")
    if t.min() < 0 or t.max() >= n_out:
        raise ParameterError(f"target must be an output index in 0..{n_out - 1}; got {target!r}")
    return t.astype(np.intp)


def _baseline(baseline: Any, X: np.ndarray) -> np.ndarray:
    if baseline is None:
        return np.zeros_like(X)
    b = check_array(baseline, "baseline", ndim=None, dtype=np.float64, min_samples=0)
    try:
        return np.broadcast_to(b, X.shape).copy()
    except ValueError:
        one = X.shape[1:] if len(X.shape) > 2 else f"({X.shape[1]},)"
        raise ShapeError(f"baseline must be a number, one sample {one} or one per sample {X.shape}; "
                         f"got shape {b.shape}") from None


def _text_baseline(baseline: Any, embedding: Any, E: np.ndarray) -> np.ndarray:
    """The baseline embeddings (n, L, D): the padding row (default, zeros without one), zeros, or given values."""
    if isinstance(baseline, str):
        if baseline not in ("zeros", "padding"):
            raise ParameterError(f"baseline must be 'padding', 'zeros', a number or an array of embeddings "
                                 f"(D,), (L, D) or (n, L, D); got {baseline!r}")
        if baseline == "padding" and embedding.padding_idx is None:
            raise ParameterError(f"baseline='padding' needs an Embedding with a padding_idx; layer "
                                 f"{embedding.name!r} has none: use baseline='zeros'")
        baseline = None if baseline == "padding" else 0.0
    if baseline is None:
        if embedding.padding_idx is None:
            return np.zeros_like(E)
        row = embedding.weight.data[embedding.padding_idx].astype(np.float64)
        return np.broadcast_to(row, E.shape).copy()
    return _baseline(baseline, E)



def _objective_for(m: InspectedModel, X: np.ndarray, *, neuron: Any, target: Any, kind: str,
                  batch_size: int) -> tuple[Objective, np.ndarray | None, str | None]:
    """What an attribution explains: a hidden ``neuron`` ("hidden1[3]") or the output ``target`` of each sample
    of ``X`` (the predicted class by default); returns the objective, the targets and the neuron's stable name."""
    if neuron is not None:
        if target is not None:
            raise ParameterError("give either target= (an output neuron) or neuron= (a hidden neuron), not both")
        layer_name, _, index = m.neuron(neuron)
        return Objective(m, m.layer_index(layer_name), index, kind == "potential"), None, f"{layer_name}[{index}]"
    last = len(m.network.layers) - 1
    obj = Objective(m, last, None, kind == "potential")
    if obj.potential and m.network[last].__class__.__name__ != "Dense":
        obj.potential = False
    return obj, _targets(m, obj, X, target, batch_size), None

def attribute(model: Any, X: Any, method: str = "saliency", *, target: Any = None, neuron: str | None = None,
              output: str = "potential", baseline: Any = None, steps: int = 50,
              batch_size: int = 1024) -> Attribution:
    """Attribute the model's output (or a hidden neuron) to each input feature: an array shaped like X.

    Parameters
    ----------
    model : network or fitted estimator
    X : array (n_samples, n_features), images (n_samples, C, H, W) or token ids (n_samples, L)
        Unscaled for an estimator; attributions are per feature as given (per pixel for images,
        per token for text: see the module docstring).
    method : str
        ``"saliency"``, ``"grad_x_input"``, ``"integrated_gradients"`` or ``"occlusion"``
        (see the module docstring), or a name added with :func:`register_attribution`.
    target : int, label or array, optional
        The output neuron to explain: an index (or an estimator's class label),
        one for all samples or one per sample. Default: the predicted class for a
        classifier, output 0 for a single-output network.
    neuron : str, optional
        Explain a hidden neuron instead, e.g. ``"hidden1[3]"`` (then no target).
    output : ``"potential"`` (default; the logit for an output layer) or ``"activation"``
        (the probability for a softmax head; f(z) for a hidden neuron).
    baseline : number, (n_features,) or (n_samples, n_features), optional
        The reference input of integrated gradients and occlusion (default zeros; for text the
        padding embedding: see the module docstring).
    steps : int
        Integration intervals of integrated gradients (trapezoidal rule).
    batch_size : int
        At most this many network inputs per forward/backward pass.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([4, 8, 3], output="softmax", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(5, 4))
    >>> ig = nk.inspect.attribute(net, X, method="integrated_gradients", steps=64)
    >>> ig.shape, ig.completeness_ok
    ((5, 4), True)
    """
    key = ATTRIBUTIONS.canonical(method)
    kind = output_kind(output)
    steps = check_int(steps, "steps", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    m = InspectedModel(model)
    X = m.check_X(X)
    ids = X if m.is_text else None
    if m.is_text:  # attribute over the embedding outputs (see the module docstring)
        first = m.network[0]
        with no_grad():
            X = np.asarray(first.infer(ids), dtype=np.float64)
    obj, targets, neuron = _objective_for(m, X if ids is None else ids, neuron=neuron, target=target, kind=kind,
                                         batch_size=batch_size)
    base = _baseline(baseline, X) if ids is None else _text_baseline(baseline, m.network[0], X)
    method_fn = ATTRIBUTIONS.get(key)
    n, shape = len(X), X.shape[1:]
    obj.sample_shape = None if m.flat else shape
    flat, flat_base = X.reshape(n, -1), base.reshape(n, -1)
    if ids is None:
        values, info = method_fn(obj, flat, targets, baseline=flat_base, steps=steps, batch_size=batch_size)
        values = values.reshape(X.shape)
        extra: dict[str, Any] = {}
    else:  # one text at a time: every row a method passes on belongs to that text, so one mask serves it
        obj.start = 1
        masks = m.mask_of(ids)
        parts: list[tuple[np.ndarray, dict[str, Any]]] = []
        for i in range(n):
            obj.mask = None if masks is None else masks[i:i + 1]
            parts.append(method_fn(obj, flat[i:i + 1], None if targets is None else targets[i:i + 1],
                                   baseline=flat_base[i:i + 1], steps=steps, batch_size=batch_size))
        per_value = np.concatenate([p[0] for p in parts]).reshape(X.shape)
        info = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
        values = per_value.sum(axis=-1)
        extra = {"embedding": per_value}
    return Attribution(values, method=key, target=targets, neuron=neuron, output=kind,
                       baseline=base if key in ("integrated_gradients", "occlusion") else None, **info, **extra)
