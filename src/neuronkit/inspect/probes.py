"""What a layer represents: linear probes per layer, and how polysemantic each neuron is.

* :func:`probe_layers` — a probing classifier on each layer: a logistic regression
  (scikit-learn, on standardised activations) trained on part of X and scored on the
  rest. Its held-out accuracy says how *linearly decodable* the classes are at that depth
  (the input itself is row ``"input"``, the baseline every layer is compared with).
* :func:`polysemanticity` / :func:`polysemanticity_scores` — per neuron (or any unit, e.g.
  a sparse-autoencoder feature), two numbers about the samples that excite it most:

  - **class entropy** H = -Σ_c p_c log2 p_c, with p_c the share of class c among the
    unit's top-k activating samples (only samples on which it is active, value > 0, count).
    H = 0: one class only (monosemantic for the labels); H = log2(C): all C classes alike.
    ``effective_classes`` = 2^H.
  - **input clusters**: the inputs X are split once into K clusters by k-means
    (``n_init=10``; K = 2 .. ``max_clusters`` chosen by the largest mean silhouette); a unit's
    count is the number of those clusters that hold at least ``min_share`` (default 0.1) of its
    top-k samples. 1: its top samples look alike; more: it responds to different-looking inputs.

  A unit active on no sample (dead) has entropy NaN and 0 clusters.

>>> import numpy as np
>>> acts = np.array([[1.0, 1.0], [0.9, 0.0], [0.0, 0.8], [0.0, 0.0]])
>>> s = polysemanticity_scores(acts, [0, 0, 1, 1], k=4)
>>> s.entropy.tolist()          # unit 0 fires for class 0 only; unit 1 for one sample of each class
[0.0, 1.0]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, MissingDependencyError, ParameterError, ShapeError
from ..validation import check_array, check_consistent_length, check_int, check_number
from ._model import InspectedModel, plain
from .specialisation import _neuron_values


def _sklearn() -> Any:
    """The scikit-learn module (imported on first use), or a MissingDependencyError saying how to install it."""
    try:
        import sklearn.cluster
        import sklearn.exceptions
        import sklearn.linear_model
        import sklearn.metrics
        import sklearn.model_selection
        import sklearn.pipeline
        import sklearn.preprocessing
    except ImportError:
        raise MissingDependencyError('probes, polysemanticity and concept vectors need scikit-learn; install it with: '
                                     'pip install "neuronkit[train]"') from None
    return sklearn


def _dense_layer(m: InspectedModel, name: Any, default: int | None = 0) -> str:
    """``name`` checked to be a Dense layer of the network (None: the ``default``-th Dense layer).

    An unknown name lists the layers there are; a layer without neurons lists the Dense ones.
    """
    dense = [n for n, _ in m.dense_layers()]
    if name is None and default is not None:
        return dense[default]
    m.layer(name)  # an UnknownNameError listing the layers
    if name not in dense:
        raise ParameterError(f"layer must name a Dense layer ({', '.join(dense)}); {name!r} is a "
                             f"{type(m.network.layers[name]).__name__}")
    return str(name)


def _dense_values(m: InspectedModel, X: np.ndarray, name: str, batch_size: int = 1024) -> np.ndarray:
    """A Dense layer's outputs over X, (n_samples, width) float64."""
    return _neuron_values(m, X, name, None, False, batch_size)


def _labels(y: Any, n: int, m: InspectedModel | None = None) -> tuple[np.ndarray, list[Any]]:
    """Labels as indices 0..C-1 and the list of classes."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ShapeError(f"y must be one label per sample, shape ({n},); got shape {y.shape}")
    check_consistent_length(np.empty(n), y)
    try:
        classes, labels = np.unique(y, return_inverse=True)
    except TypeError:
        raise DataError("y holds labels that cannot be sorted (mixed types?); give labels of one type") from None
    return labels.astype(np.intp), [plain(c) for c in classes]


# ------------------------------------------------------------------------------ probing classifiers
@dataclass(frozen=True)
class ProbeRow:
    """One layer's probe: ``layer`` (``"input"`` for X itself), its ``width``, the probe's ``train_accuracy``
    and held-out ``test_accuracy``, and whether the logistic regression ``converged``."""

    layer: str
    width: int
    train_accuracy: float
    test_accuracy: float
    converged: bool


@dataclass
class Probes:
    """Linear probes per layer (``rows``, input first), the ``chance`` accuracy (the most frequent class in the
    held-out part), the sizes of the two parts and the ``seed`` of the split.

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 1] > 0).astype(int)
    >>> probes = nk.inspect.probe_layers(nk.mlp([2, 3, 2], seed=0), X, y)
    >>> probes["input"].width, probes.n_test
    (2, 12)
    """

    rows: list[ProbeRow]
    chance: float
    n_train: int
    n_test: int
    seed: int

    def __getitem__(self, layer: str) -> ProbeRow:
        for row in self.rows:
            if row.layer == layer:
                return row
        raise ParameterError(f"no probe for layer {layer!r}; probed: {', '.join(r.layer for r in self.rows)}")

    def to_dict(self) -> dict[str, Any]:
        return {"chance": self.chance, "n_train": self.n_train, "n_test": self.n_test, "seed": self.seed,
                "rows": [vars(r) for r in self.rows]}

    def render(self) -> str:
        lines = [f"linear probes (logistic regression, held-out accuracy on {self.n_test} samples; chance "
                 f"{self.chance:.3f})", f"  {'layer':<12}{'width':>7}{'train':>9}{'test':>9}"]
        for r in self.rows:
            lines.append(f"  {r.layer:<12}{r.width:>7}{r.train_accuracy:>9.3f}{r.test_accuracy:>9.3f}"
                         + ("" if r.converged else "  (not converged)"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _fit_probe(train: np.ndarray, y_train: np.ndarray, *, C: float = 1.0, max_iter: int = 1000) -> tuple[Any, bool]:
    """A standardise + logistic-regression pipeline fitted on (train, y_train), and whether it converged."""
    sk = _sklearn()
    probe = sk.pipeline.make_pipeline(sk.preprocessing.StandardScaler(),
                                      sk.linear_model.LogisticRegression(C=C, max_iter=max_iter))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", sk.exceptions.ConvergenceWarning)
        probe.fit(train, y_train)
    converged = not any(issubclass(w.category, sk.exceptions.ConvergenceWarning) for w in caught)
    return probe, converged


def probe_layers(model: Any, X: Any, y: Any, *, layers: Any = None, test_size: float = 0.3, C: float = 1.0,
                 max_iter: int = 1000, seed: int = 0, batch_size: int = 1024) -> Probes:
    """How linearly decodable the classes of y are from each layer's outputs: held-out accuracy of a linear probe.

    X is split once (stratified, ``sklearn.model_selection.train_test_split`` with
    ``random_state=seed``) into a training part and a held-out part of share
    ``test_size``; for the input and each Dense layer (or the ``layers`` named), a
    logistic regression (L2, inverse strength ``C``) on standardised activations is
    fitted on the training part and scored on both. The probe is linear, so a layer
    whose classes are tangled scores low even if later layers untangle them: that is
    the point (Alain & Bengio, 2016). Convolution layers are not probed (their outputs
    are maps, not one vector per sample).

    >>> import numpy as np, neuronkit as nk
    >>> X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
    >>> probes = nk.inspect.probe_layers(nk.mlp([3, 5, 2], seed=0), X, y)
    >>> [row.layer for row in probes.rows]
    ['input', 'hidden1', 'output']
    """
    sk = _sklearn()
    m = InspectedModel(model)
    X = m.check_X(X)
    labels, classes = _labels(y, len(X))
    if len(classes) < 2:
        raise DataError("a probe needs labels of at least two classes")
    test_size = check_number(test_size, "test_size", low=0.0, high=1.0, low_open=True, high_open=True)
    C = check_number(C, "C", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1)
    seed = check_int(seed, "seed", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    dense = [name for name, _ in m.dense_layers()]
    names = dense if layers is None else [layers] if isinstance(layers, str) else list(layers)
    names = [_dense_layer(m, name, None) for name in names]
    idx = np.arange(len(X))
    try:
        train, test = sk.model_selection.train_test_split(idx, test_size=test_size, random_state=seed,
                                                          stratify=labels)
    except ValueError as exc:
        raise DataError(f"X cannot be split into a probe's training and held-out parts with test_size={test_size} "
                        f"(every class needs samples in both): {exc}") from None
    rows = []
    for name in ["input", *names]:
        if name == "input":
            values = m.to_network_input(X).reshape(len(X), -1)
        else:
            values = _dense_values(m, X, name, batch_size)
        probe, converged = _fit_probe(values[train], labels[train], C=C, max_iter=max_iter)
        rows.append(ProbeRow(name, values.shape[1], float(probe.score(values[train], labels[train])),
                             float(probe.score(values[test], labels[test])), converged))
    chance = float(np.bincount(labels[test]).max() / len(test))
    return Probes(rows, chance, len(train), len(test), seed)


# ------------------------------------------------------------------------------ polysemanticity
@dataclass
class Polysemanticity:
    """Per unit: ``units`` (names), ``entropy`` (bits, NaN for a dead unit), ``effective_classes`` (2^entropy),
    ``clusters`` (input clusters among its top samples, 0 for a dead unit), ``n_active`` (how many of its top-k
    samples it is active on), ``classes`` and the ``k`` used. See the module docstring for the definitions.

    >>> import numpy as np, neuronkit as nk
    >>> s = nk.inspect.polysemanticity_scores(np.array([[1.0, 0.0], [1.0, 0.0]]), [0, 1], k=2)
    >>> s["unit[0]"]["entropy"], s.summary()["alive"]
    (1.0, 0.5)
    """

    units: list[str]
    entropy: np.ndarray
    effective_classes: np.ndarray
    clusters: np.ndarray
    n_active: np.ndarray
    classes: list[Any]
    k: int

    def __getitem__(self, unit: str) -> dict[str, Any]:
        if unit not in self.units:
            raise ParameterError(f"no unit {unit!r}; units are {self.units[0]} .. {self.units[-1]}")
        i = self.units.index(unit)
        return {"entropy": float(self.entropy[i]), "effective_classes": float(self.effective_classes[i]),
                "clusters": int(self.clusters[i]), "n_active": int(self.n_active[i])}

    @property
    def alive(self) -> np.ndarray:
        """True for the units active on at least one sample."""
        return self.n_active > 0

    def summary(self) -> dict[str, float]:
        """Means over the live units: entropy, effective classes, clusters; and the share of live units."""
        a = self.alive
        if not a.any():
            return {"entropy": float("nan"), "effective_classes": float("nan"), "clusters": float("nan"),
                    "alive": 0.0}
        return {"entropy": float(self.entropy[a].mean()), "effective_classes": float(self.effective_classes[a].mean()),
                "clusters": float(self.clusters[a].mean()), "alive": float(a.mean())}

    def to_dict(self) -> dict[str, Any]:
        return {name: self[name] for name in self.units}


def _input_clusters(points: np.ndarray, max_clusters: int, seed: int) -> np.ndarray:
    """k-means cluster labels of the rows of ``points``, K in 2..max_clusters chosen by the mean silhouette
    (on at most 2,000 rows); all 0 when there are fewer than 3 distinct rows."""
    sk = _sklearn()
    distinct = len(np.unique(points, axis=0))
    best, best_score = np.zeros(len(points), dtype=int), -np.inf
    for c in range(2, min(max_clusters, distinct - 1) + 1):
        km = sk.cluster.KMeans(n_clusters=c, n_init=10, random_state=seed).fit(points)
        score = float(sk.metrics.silhouette_score(points, km.labels_, sample_size=min(len(points), 2000),
                                                  random_state=seed))
        if score > best_score:
            best, best_score = km.labels_.astype(int), score
    return best


def input_clusters_of(inputs: Any, activations: Any = None, *, max_clusters: int = 5, seed: int = 0) -> np.ndarray:
    """The k-means cluster label of each sample (K in 2..``max_clusters`` by the silhouette), as
    :func:`polysemanticity_scores` counts clusters among a unit's top samples (``activations``: checked to have
    one row per sample, if given).

    >>> import numpy as np
    >>> blobs = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [5.0, 5.1]])
    >>> labels = input_clusters_of(blobs, seed=0)
    >>> len(set(labels[:3])), len(set(labels[3:])), bool(labels[0] != labels[3])
    (1, 1, True)
    """
    points = check_array(inputs, "inputs", ndim=None, dtype=np.float64)
    if activations is not None:
        check_consistent_length(activations, points, names=("activations", "inputs"))
    return _input_clusters(points.reshape(len(points), -1), check_int(max_clusters, "max_clusters", low=2),
                           check_int(seed, "seed", low=0))


def polysemanticity_scores(activations: Any, y: Any, *, inputs: Any = None, k: int = 20, max_clusters: int = 5,
                           min_share: float = 0.1, seed: int = 0, units: list[str] | None = None,
                           input_clusters: Any = None) -> Polysemanticity:
    """Class entropy and input clusters of each unit's top-``k`` activating samples (see the module docstring).

    ``activations`` (n_samples, n_units): any units' values (neurons, autoencoder
    features); ``y`` one class label per sample; ``inputs`` (n_samples, ...) the samples
    themselves for the cluster count (None: clusters are not counted, all 0 for live units too).
    ``input_clusters`` (n_samples,) gives the samples' cluster labels instead of ``inputs``
    (what ``input_clusters_of(inputs)`` returns: the k-means of the same samples need not run twice
    when two sets of units are scored on them).

    >>> import numpy as np
    >>> acts = np.array([[2.0], [1.5], [1.0], [0.0]])
    >>> s = polysemanticity_scores(acts, ["a", "b", "a", "b"], k=3)
    >>> round(float(s.entropy[0]), 3), int(s.n_active[0])     # classes a, b, a among the top 3
    (0.918, 3)
    """
    acts = check_array(activations, "activations", ndim=2, dtype=np.float64)
    labels, classes = _labels(y, len(acts))
    k = check_int(k, "k", low=1)
    max_clusters = check_int(max_clusters, "max_clusters", low=2)
    min_share = check_number(min_share, "min_share", low=0.0, high=1.0, low_open=True)
    seed = check_int(seed, "seed", low=0)
    groups = None
    if inputs is not None and input_clusters is not None:
        raise ParameterError("give inputs= (the samples, clustered here) or input_clusters= (their cluster labels), "
                             "not both")
    if inputs is not None:
        groups = input_clusters_of(inputs, acts, max_clusters=max_clusters, seed=seed)
    elif input_clusters is not None:
        groups = check_array(input_clusters, "input_clusters", ndim=1, dtype=np.int64)
        check_consistent_length(acts, groups, names=("activations", "input_clusters"))
        if groups.min(initial=0) < 0:
            raise ParameterError("input_clusters must be cluster labels >= 0 (one per sample); got a negative label")
    n_units = acts.shape[1]
    names = units if units is not None else [f"unit[{i}]" for i in range(n_units)]
    entropy = np.full(n_units, np.nan)
    clusters = np.zeros(n_units, dtype=int)
    n_active = np.zeros(n_units, dtype=int)
    for j in range(n_units):
        order = np.argsort(-acts[:, j], kind="stable")[:k]
        top = order[acts[order, j] > 0]
        n_active[j] = len(top)
        if len(top) == 0:
            continue
        p = np.bincount(labels[top], minlength=len(classes)) / len(top)
        p = p[p > 0]
        entropy[j] = float(-(p * np.log2(p)).sum()) + 0.0
        if groups is not None:
            share = np.bincount(groups[top]) / len(top)
            clusters[j] = int((share >= min_share - 1e-12).sum())
    return Polysemanticity(names, entropy, np.exp2(entropy), clusters, n_active, classes, k)


def polysemanticity(model: Any, X: Any, y: Any, *, layer: str | None = None, k: int = 20, max_clusters: int = 5,
                    min_share: float = 0.1, seed: int = 0, batch_size: int = 1024) -> Polysemanticity:
    """The polysemanticity of every neuron of a Dense ``layer`` (default: the first hidden layer) over X, y.

    Class entropy and input clusters (in the model's input space) among each neuron's
    top-``k`` activating samples; see the module docstring.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(1, 2, activation="relu", seed=0), nk.Dense(2, 2, seed=0))
    >>> net["hidden1"].weight.data[:] = [[1.0], [-1.0]]; net["hidden1"].bias.data[:] = 0.0
    >>> s = nk.inspect.polysemanticity(net, [[1.0], [2.0], [-1.0], [-2.0]], [0, 0, 1, 1], k=2)
    >>> s.entropy.tolist(), s.clusters.tolist()
    ([0.0, 0.0], [1, 1])
    """
    m = InspectedModel(model)
    X = m.check_X(X)
    name = _dense_layer(m, layer)
    acts = _dense_values(m, X, name, check_int(batch_size, "batch_size", low=1))
    return polysemanticity_scores(acts, y, inputs=X, k=k, max_clusters=max_clusters, min_share=min_share,
                                  seed=seed, units=m.neuron_names(name))
