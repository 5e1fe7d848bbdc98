"""A sparse autoencoder over one layer's activations: features that may be more monosemantic than neurons.

For activations x (d,) of a layer, the autoencoder has m features (m is often > d):

    f   = relu(W_enc (x - b_dec) + b_enc)          features, (m,)
    x̂   = W_dec f + b_dec                           reconstruction, (d,)
    L   = mean_batch ‖x - x̂‖² + l1 · mean_batch Σ_j f_j

``tied=True`` uses W_dec = W_encᵀ (half the parameters); untied, each decoder column is
renormalised to unit length after every step, so the L1 penalty cannot be dodged by
shrinking f and growing W_dec (Bricken et al., 2023, "Towards monosemanticity").
b_dec starts at the mean of the activations. Training is Adam on mini-batches (our own
engine, float64), with **dead-feature resampling**: every ``resample_every`` steps, each
feature that fired on no sample since the last check is re-initialised towards an input it
reconstructs badly (drawn with probability ∝ its squared error, from ``seed``): its decoder
column becomes that input's centred direction, its encoder row the same direction scaled to
0.2 × the mean norm of the live encoder rows, its bias 0; Adam's moments restart.

:func:`train_sae` fits one on a network's layer; :func:`sae_features` shows its features like
neurons: a network whose layer ``"sae"`` holds them (so :func:`top_activating`,
:func:`class_selectivity` and :func:`maximize_activation` address them as ``"sae[3]"``), their
selectivity, top samples and polysemanticity next to the layer's own neurons.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(64, 3))
>>> sae = SparseAutoencoder(3, 6, l1=0.01, seed=0).fit(X, epochs=5)
>>> sae.encode(X).shape, bool(sae.history[-1]["mse"] < sae.history[0]["mse"])
((64, 6), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.batches import batch_indices
from ..engine import Parameter, Tensor, no_grad
from ..errors import ParameterError
from ..init import make_rng
from ..layers import Dense, Sequential
from ..validation import check_array, check_bool, check_int, check_number
from ._model import InspectedModel
from ._model import width as layer_width
from .probes import Polysemanticity, _dense_layer, _dense_values, input_clusters_of, polysemanticity_scores
from .specialisation import Selectivity, class_selectivity, top_activating


class SparseAutoencoder:
    """A sparse autoencoder with ReLU features and an L1 penalty (see the module docstring for the equations).

    Parameters
    ----------
    in_features : int
        The width d of the activations it reads.
    n_features : int
        The number of features m (≥ 1).
    tied : bool
        W_dec = W_encᵀ.
    l1 : float
        The sparsity penalty's weight (≥ 0).
    seed : int
        Seed of the initial weights (decoder columns: random unit vectors; W_enc starts as W_decᵀ).

    >>> sae = SparseAutoencoder(4, 8, tied=True, seed=0)
    >>> sae.encode(np.zeros((2, 4))).shape
    (2, 8)
    """

    def __init__(self, in_features: int, n_features: int, *, tied: bool = False, l1: float = 1e-3,
                 seed: int = 0) -> None:
        self.in_features = check_int(in_features, "in_features", low=1, owner="SparseAutoencoder")
        n = check_int(n_features, "n_features", owner="SparseAutoencoder")
        if n < 1:
            raise ParameterError(f"SparseAutoencoder: n_features (the autoencoder's width, its number of features) "
                                 f"must be >= 1; got {n}. Give e.g. 2-8 times the layer's width")
        self.n_features = n
        self.tied = check_bool(tied, "tied", owner="SparseAutoencoder")
        self.l1 = check_number(l1, "l1", low=0.0, owner="SparseAutoencoder")
        self.seed = check_int(seed, "seed", low=0, owner="SparseAutoencoder")
        rng = make_rng(self.seed)
        dec = rng.standard_normal((self.in_features, n))
        dec /= np.linalg.norm(dec, axis=0, keepdims=True)
        self.W_enc = Parameter(dec.T.copy(), dtype=np.float64)
        self.b_enc = Parameter(np.zeros(n), dtype=np.float64)
        self.b_dec = Parameter(np.zeros(self.in_features), dtype=np.float64)
        self.W_dec = None if self.tied else Parameter(dec, dtype=np.float64)
        self.history: list[dict[str, float]] = []
        self.resampled: list[int] = []

    def parameters(self) -> list[Parameter]:
        """The trainable tensors: W_enc, b_enc, b_dec (and W_dec when untied)."""
        return [self.W_enc, self.b_enc, self.b_dec] + ([] if self.W_dec is None else [self.W_dec])

    def decoder(self) -> np.ndarray:
        """W_dec as an array (d, m): column j is feature j's direction in the layer's space."""
        return self.W_enc.data.T if self.W_dec is None else self.W_dec.data

    def _forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        f = ((x - self.b_dec) @ self.W_enc.T + self.b_enc).relu()
        dec = self.W_enc if self.W_dec is None else self.W_dec.T
        return f, f @ dec + self.b_dec

    def _check(self, X: Any) -> np.ndarray:
        X = check_array(X, "X", dtype=np.float64)
        if X.shape[1] != self.in_features:
            raise ParameterError(f"X has {X.shape[1]} columns but the autoencoder reads {self.in_features} "
                                 f"(the layer's width); give the activations of the layer it was made for")
        return X

    def encode(self, X: Any) -> np.ndarray:
        """Feature values f (n, m) of activations X (n, d)."""
        with no_grad():
            return self._forward(Tensor(self._check(X)))[0].data

    def reconstruct(self, X: Any) -> np.ndarray:
        """x̂ (n, d) for activations X (n, d)."""
        with no_grad():
            return self._forward(Tensor(self._check(X)))[1].data

    def losses(self, X: Any) -> dict[str, float]:
        """Over X: ``mse`` (mean ‖x - x̂‖²), ``l1`` (mean Σ f), ``l0`` (mean number of active features),
        ``dead`` (features active on no sample), ``explained`` (1 - mse / total variance)."""
        X = self._check(X)
        with no_grad():
            f, x_hat = self._forward(Tensor(X))
        mse = float(((X - x_hat.data) ** 2).sum(axis=1).mean())
        var = float(((X - X.mean(axis=0)) ** 2).sum(axis=1).mean())
        return {"mse": mse, "l1": float(f.data.sum(axis=1).mean()), "l0": float((f.data > 0).sum(axis=1).mean()),
                "dead": float((f.data.max(axis=0) <= 0).sum()), "explained": 1.0 - mse / var if var > 0 else 1.0}

    def fit(self, X: Any, *, epochs: int = 50, batch_size: int = 128, lr: float = 1e-3, resample_every: int = 200,
            seed: int | None = None) -> SparseAutoencoder:
        """Train on activations X (n, d): Adam, mini-batches shuffled from ``seed`` (default: the init seed).

        ``resample_every`` steps between dead-feature checks (0: never resample). Appends
        :meth:`losses` over X after each epoch to ``history``; the features revived are in ``resampled``.
        """
        from ..optim import get_optimizer

        X = self._check(X)
        epochs = check_int(epochs, "epochs", low=1)
        batch_size = check_int(batch_size, "batch_size", low=1)
        lr = check_number(lr, "lr", low=0.0, low_open=True)
        resample_every = check_int(resample_every, "resample_every", low=0)
        rng = make_rng(self.seed if seed is None else check_int(seed, "seed", low=0))
        if not self.history:
            self.b_dec.data[:] = X.mean(axis=0)
            self.history.append(self.losses(X))
        opt = get_optimizer("adam", self.parameters(), lr=lr)
        fired = np.zeros(self.n_features, dtype=bool)
        step = 0
        for _ in range(epochs):
            for rows in batch_indices(len(X), batch_size, shuffle=True, rng=rng):
                for p in self.parameters():
                    p.grad = None
                f, x_hat = self._forward(Tensor(X[rows]))
                diff = Tensor(X[rows]) - x_hat
                loss = (diff * diff).sum(axis=1).mean() + f.sum(axis=1).mean() * self.l1
                loss.backward()
                opt.step()
                if self.W_dec is not None:
                    self.W_dec.data /= np.maximum(np.linalg.norm(self.W_dec.data, axis=0, keepdims=True), 1e-12)
                fired |= (f.data > 0).any(axis=0)
                step += 1
                if resample_every and step % resample_every == 0:
                    if self._resample(X, np.flatnonzero(~fired), rng):
                        opt = get_optimizer("adam", self.parameters(), lr=lr)
                    fired[:] = False
            self.history.append(self.losses(X))
        return self

    def _resample(self, X: np.ndarray, dead: np.ndarray, rng: np.random.Generator) -> bool:
        if len(dead) == 0:
            return False
        err = ((X - self.reconstruct(X)) ** 2).sum(axis=1)
        p = err ** 2
        p = p / p.sum() if p.sum() > 0 else np.full(len(X), 1.0 / len(X))
        picks = rng.choice(len(X), size=len(dead), p=p)
        live = np.setdiff1d(np.arange(self.n_features), dead)
        scale = 0.2 * (float(np.linalg.norm(self.W_enc.data[live], axis=1).mean()) if len(live) else 1.0)
        for j, i in zip(dead, picks):
            d = X[i] - self.b_dec.data
            d = d / max(float(np.linalg.norm(d)), 1e-12)
            self.W_enc.data[j] = d * scale
            self.b_enc.data[j] = 0.0
            if self.W_dec is not None:
                self.W_dec.data[:, j] = d
        self.resampled.extend(int(j) for j in dead)
        return True


def train_sae(model: Any, X: Any, *, layer: str | None = None, n_features: int | None = None, tied: bool = False,
              l1: float = 1e-3, epochs: int = 50, batch_size: int = 128, lr: float = 1e-3,
              resample_every: int = 200, seed: int = 0) -> SparseAutoencoder:
    """A sparse autoencoder fitted on a Dense ``layer``'s outputs over X (default layer: the first hidden one;
    default width: 4 × the layer's).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([3, 4, 2], seed=0)
    >>> sae = nk.inspect.train_sae(net, np.random.default_rng(0).normal(size=(32, 3)), epochs=2)
    >>> sae.in_features, sae.n_features
    (4, 16)
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    name = _dense_layer(m, layer)
    acts = _dense_values(m, X, name)
    width = acts.shape[1] * 4 if n_features is None else n_features
    sae = SparseAutoencoder(acts.shape[1], width, tied=tied, l1=l1, seed=seed)
    return sae.fit(acts, epochs=epochs, batch_size=batch_size, lr=lr, resample_every=resample_every)


def feature_network(model: Any, layer: str, sae: SparseAutoencoder) -> Sequential:
    """The network up to ``layer`` followed by a Dense ReLU layer ``"sae"`` computing the autoencoder's features.

    Its weight is W_enc and its bias b_enc - W_enc b_dec, so ``"sae[j]"`` is feature j
    and every neuron tool applies to it (for an estimator, give it scaled inputs:
    the network has no scaler). The layers before are shared with the model, not copied.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([3, 4, 2], seed=0)
    >>> sae = SparseAutoencoder(4, 5, seed=0)
    >>> list(feature_network(net, "hidden1", sae).layers)
    ['hidden1', 'sae']
    """
    m = InspectedModel(model)
    name = _dense_layer(m, layer)
    if not isinstance(sae, SparseAutoencoder):
        raise ParameterError(f"sae must be a SparseAutoencoder (nk.inspect.train_sae); got {type(sae).__name__}")
    width = layer_width(m.network.layers[name])
    if sae.in_features != width:
        raise ParameterError(f"the autoencoder reads {sae.in_features} values but layer {name!r} has {width} "
                             f"neurons; train it on this layer's activations")
    stop = list(m.network.layers).index(name) + 1
    head = Dense(width, sae.n_features, activation="relu", dtype=np.float64, seed=0)
    head.weight.data[:] = sae.W_enc.data
    assert head.bias is not None  # a Dense layer has a bias unless asked not to
    head.bias.data[:] = sae.b_enc.data - sae.W_enc.data @ sae.b_dec.data
    kept = list(m.network.layers.items())[:stop]
    return Sequential(*kept, ("sae", head))


@dataclass
class SAEFeatures:
    """An autoencoder's features shown like neurons, next to the layer's neurons.

    ``ranking``: feature names, most class-selective live feature first; ``selectivity``
    and ``neuron_selectivity``: :class:`Selectivity` of the features and of the neurons;
    ``features`` / ``neurons``: their :class:`Polysemanticity`; ``top``: the top-``k``
    sample indices of each feature; ``network``: :func:`feature_network`; ``losses``: the
    autoencoder's losses over X.

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(30, 2)); y = (X[:, 0] > 0).astype(int)
    >>> net = nk.mlp([2, 3, 2], seed=0)
    >>> report = nk.inspect.sae_features(net, X, y, nk.inspect.train_sae(net, X, epochs=2), k=5)
    >>> report.layer, len(report.features.units), len(report.neurons.units)
    ('hidden1', 12, 3)
    """

    layer: str
    ranking: list[str]
    selectivity: Selectivity
    neuron_selectivity: Selectivity
    features: Polysemanticity
    neurons: Polysemanticity
    top: dict[str, np.ndarray]
    network: Sequential
    losses: dict[str, float]

    def comparison(self) -> dict[str, dict[str, float]]:
        """Mean class entropy, effective classes, clusters, live share and class selectivity (live units only),
        for ``"neurons"`` and ``"features"``: lower entropy and higher selectivity = more monosemantic."""
        out = {}
        for key, poly, sel in (("neurons", self.neurons, self.neuron_selectivity),
                               ("features", self.features, self.selectivity)):
            row = poly.summary()
            alive = poly.alive
            row["selectivity"] = float(sel.index[alive].mean()) if alive.any() else float("nan")
            row["units"] = float(len(poly.units))
            out[key] = row
        return out

    def render(self, limit: int = 10) -> str:
        c = self.comparison()
        lines = [f"sparse autoencoder on {self.layer}: {len(self.features.units)} features, explained variance "
                 f"{self.losses['explained']:.3f}, {self.losses['l0']:.2f} active per sample, "
                 f"{int(self.losses['dead'])} dead",
                 f"  {'':<10}{'entropy':>9}{'classes':>9}{'clusters':>10}{'select.':>9}{'alive':>7}"]
        for key in ("neurons", "features"):
            r = c[key]
            lines.append(f"  {key:<10}{r['entropy']:>9.3f}{r['effective_classes']:>9.2f}{r['clusters']:>10.2f}"
                         f"{r['selectivity']:>9.3f}{r['alive']:>7.2f}")
        lines.append(f"  (means over live units of the class entropy of each one's top-{self.features.k} samples in "
                     "bits and the classes it stands for, 2^entropy: lower = more monosemantic; input clusters among "
                     "those samples; class selectivity: higher = more; the share of units alive)")
        sel = self.selectivity
        lines.append("  most selective features: " + ", ".join(
            f"{name} ({sel[name]:.2f}, class {sel.preferred[sel.neurons.index(name)]})"
            for name in self.ranking[:limit]))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def sae_features(model: Any, X: Any, y: Any, sae: SparseAutoencoder, *, layer: str | None = None, k: int = 20,
                 max_clusters: int = 5, seed: int = 0) -> SAEFeatures:
    """Rank an autoencoder's features by class selectivity and compare their monosemanticity with the neurons'.

    Both use the same measures over X, y: class selectivity
    (:func:`class_selectivity`) and polysemanticity (class entropy and input clusters
    of the top-``k`` samples, :func:`polysemanticity_scores`).

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> net = nk.mlp([3, 4, 2], seed=0)
    >>> sae = nk.inspect.train_sae(net, X, n_features=6, epochs=3)
    >>> report = nk.inspect.sae_features(net, X, y, sae, k=5)
    >>> sorted(report.comparison())
    ['features', 'neurons']
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    name = _dense_layer(m, layer)
    net = feature_network(model, name, sae)
    Xn = m.to_network_input(X)
    labels = np.asarray(y) if m.classes is None else np.asarray(m.classes)[m.encode_targets(y, len(X))]
    acts = _dense_values(m, X, name)
    feats = sae.encode(acts)
    names = [f"sae[{j}]" for j in range(sae.n_features)]
    selectivity = class_selectivity(net, Xn, labels, layer="sae")
    neuron_sel = class_selectivity(model, X, y, layer=name)
    groups = input_clusters_of(X, acts, max_clusters=max_clusters, seed=seed)  # once, for features and neurons
    features = polysemanticity_scores(feats, labels, input_clusters=groups, k=k, units=names)
    neurons = polysemanticity_scores(acts, labels, input_clusters=groups, k=k, units=m.neuron_names(name))
    live = features.alive
    order = sorted((j for j in range(sae.n_features) if live[j]), key=lambda j: (-selectivity.index[j], j))
    top = {names[j]: top_activating(net, Xn, names[j], k=k).indices for j in order}
    return SAEFeatures(name, [names[j] for j in order], selectivity, neuron_sel, features, neurons, top, net,
                       sae.losses(acts))
