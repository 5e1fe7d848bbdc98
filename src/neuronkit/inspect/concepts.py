"""User-defined concepts: concept activation vectors and TCAV (Kim et al., 2018), with a significance test.

A **concept activation vector** (CAV) for a layer is the unit normal v of a linear
classifier (logistic regression, scikit-learn) that separates the layer's outputs on
examples of the concept from its outputs on other (random) examples, pointing towards the
concept. The **conceptual sensitivity** of a sample x is the directional derivative of the
network's output for class ``target`` (its potential, the logit) along v:
S(x) = ∇_h z_target(h(x)) · v, with h the layer's outputs. The **TCAV score** is the share
of samples of X with S(x) > 0: how often pushing the layer towards the concept raises the class.

A CAV learned from a handful of examples can point anywhere, so one score means little.
:func:`tcav` learns ``n_random`` (≥ 20) CAVs, each against a different random set drawn from
``random`` (same size as the concept set, from ``seed``), and as a null distribution
``n_random`` CAVs of one random set against the others; the concept is **significant** when
a two-sided Welch t-test between the two lists of scores gives p < ``alpha``
(when both lists are constant: p = 0 if they differ, 1 if equal).

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
>>> rng = np.random.default_rng(0)
>>> cav = nk.inspect.concept_vector(net, rng.normal(size=(12, 2)) + 3, rng.normal(size=(12, 2)), layer="hidden1")
>>> cav.vector.shape
(3,)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import DataError, ParameterError
from ..validation import check_int, check_number
from ._model import InspectedModel, eval_mode, forward, grad_of, preserved_grads
from .probes import _dense_layer, _dense_values, _sklearn

#: the fewest examples a concept (and each random set) may have
MIN_EXAMPLES = 10


@dataclass(frozen=True)
class ConceptVector:
    """A unit ``vector`` in ``layer``'s output space pointing towards the concept, the separating classifier's
    ``accuracy`` on its own training examples, and the ``bias`` of its decision boundary (v·h + bias = 0)."""

    layer: str
    vector: np.ndarray
    bias: float
    accuracy: float


@dataclass
class TCAVResult:
    """TCAV of a concept for one output: ``score`` (mean over the concept's CAVs), ``scores`` (one per random
    counterpart), ``random_scores`` (the null: random against random), ``p_value``, ``significant``
    (p < ``alpha``), ``sensitivities`` (S(x) per sample of X along the first CAV), and the settings.

    >>> import numpy as np, neuronkit as nk
    >>> rng = np.random.default_rng(1)
    >>> r = nk.inspect.tcav(nk.mlp([2, 3, 2], seed=0), rng.normal(size=(12, 2)), rng.normal(size=(10, 2)),
    ...                     target=0)
    >>> 0.0 <= r.score <= 1.0, sorted(r.to_dict())[:3]
    (True, ['alpha', 'layer', 'n_examples'])
    """

    layer: str
    target: int
    score: float
    scores: np.ndarray
    random_scores: np.ndarray
    p_value: float
    significant: bool
    alpha: float
    n_examples: int
    sensitivities: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "target": self.target, "score": self.score, "scores": self.scores.tolist(),
                "random_scores": self.random_scores.tolist(), "p_value": self.p_value,
                "significant": self.significant, "alpha": self.alpha, "n_examples": self.n_examples}

    def __str__(self) -> str:
        verdict = "significant" if self.significant else "not significant"
        return (f"TCAV on {self.layer} for output {self.target}: score {self.score:.3f} "
                f"(± {self.scores.std():.3f} over {len(self.scores)} random counterparts) against random "
                f"{self.random_scores.mean():.3f} ± {self.random_scores.std():.3f}: p = {self.p_value:.3g}, "
                f"{verdict} at α = {self.alpha}")


def _cav(sk: Any, positive: np.ndarray, negative: np.ndarray, layer: str, C: float) -> ConceptVector:
    data = np.concatenate([positive, negative])
    labels = np.r_[np.ones(len(positive)), np.zeros(len(negative))]
    clf = sk.linear_model.LogisticRegression(C=C, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sk.exceptions.ConvergenceWarning)  # a separable set: the direction is kept
        clf.fit(data, labels)
    w = clf.coef_[0].astype(np.float64)
    norm = float(np.linalg.norm(w))
    if norm == 0.0:  # the classifier found no direction (identical activations): no concept to point to
        return ConceptVector(layer, w, float(clf.intercept_[0]), float(clf.score(data, labels)))
    return ConceptVector(layer, w / norm, float(clf.intercept_[0]) / norm, float(clf.score(data, labels)))


def _examples(m: InspectedModel, X: Any, what: str, minimum: int) -> np.ndarray:
    X = m.check_X(X, what)
    if len(X) < minimum:
        raise DataError(f"{what} has {len(X)} examples; a concept activation vector needs at least {minimum} "
                        f"(min_examples) to be more than noise: give more examples")
    return X


def concept_vector(model: Any, concept: Any, negatives: Any, *, layer: str | None = None, C: float = 1.0,
                   min_examples: int = MIN_EXAMPLES) -> ConceptVector:
    """The CAV of ``concept`` examples against ``negatives`` at a Dense ``layer`` (default: the first hidden one).

    Each set needs at least ``min_examples`` samples; ``C`` is the logistic regression's
    inverse L2 strength.

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 2, activation="identity", seed=0), nk.Dense(2, 2, seed=0))
    >>> net["hidden1"].weight.data[:] = np.eye(2); net["hidden1"].bias.data[:] = 0.0
    >>> rng = np.random.default_rng(0)
    >>> near = rng.normal(size=(20, 2)) * 0.1
    >>> cav = nk.inspect.concept_vector(net, near + [2.0, 0.0], near, layer="hidden1")
    >>> round(float(cav.vector[0]), 3), cav.accuracy     # the concept is "more of feature 0"
    (1.0, 1.0)
    """
    sk = _sklearn()
    m = InspectedModel(model)
    name = _dense_layer(m, layer)
    minimum = check_int(min_examples, "min_examples", low=2)
    pos = _dense_values(m, _examples(m, concept, "concept", minimum), name)
    neg = _dense_values(m, _examples(m, negatives, "negatives", minimum), name)
    return _cav(sk, pos, neg, name, check_number(C, "C", low=0.0, low_open=True))


def _layer_gradients(m: InspectedModel, X: np.ndarray, layer: str, target: int) -> np.ndarray:
    """∇_h z_target per sample of X (n, width): the gradient of the output's potential for class ``target`` with
    respect to ``layer``'s outputs h."""
    pos = list(m.network.layers).index(layer)
    with eval_mode(m.network), preserved_grads(m.network):
        h = m.records(X, stop=pos + 1)[-1].output.data.astype(np.float64)
        leaf = Tensor(h, requires_grad=True)
        last = forward(m.network, leaf, start=pos + 1)[-1]
        out = last.z if last.z is not None else last.output
        out[:, target].sum().backward()
        return np.asarray(grad_of(leaf), dtype=np.float64)


def _welch_p(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import stats

    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    if va + vb == 0.0:
        return 1.0 if a.mean() == b.mean() else 0.0
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / ((va ** 2 / (len(a) - 1) if va else 0.0) + (vb ** 2 / (len(b) - 1) if vb else 0.0))
    return float(2.0 * stats.t.sf(abs(t), df))


def tcav(model: Any, X: Any, concept: Any, *, target: Any, layer: str | None = None, random: Any = None,
         n_random: int = 20, alpha: float = 0.05, min_examples: int = MIN_EXAMPLES, C: float = 1.0,
         seed: int = 0) -> TCAVResult:
    """TCAV score of ``concept`` (example inputs) for output ``target`` over the samples X, tested for significance.

    ``random``: the pool the random sets are drawn from (default: X), each set as large
    as the concept set, without replacement. ``n_random`` ≥ 20 random counterparts; see
    the module docstring for the test. ``target`` is an output index (an estimator's class
    label for a fitted classifier).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    >>> rng = np.random.default_rng(0)
    >>> r = nk.inspect.tcav(net, rng.normal(size=(20, 2)), rng.normal(size=(10, 2)) + 2, target=1,
    ...                     random=rng.normal(size=(40, 2)))
    >>> len(r.scores), len(r.random_scores)
    (20, 20)
    """
    sk = _sklearn()
    m = InspectedModel(model)
    name = _dense_layer(m, layer)
    if name == list(m.network.layers)[-1]:
        raise ParameterError(f"layer {name!r} is the output layer; a concept vector lives in a hidden layer: "
                             f"{', '.join(n for n, _ in m.dense_layers()[:-1]) or 'none here'}")
    minimum = check_int(min_examples, "min_examples", low=2)
    n_random = check_int(n_random, "n_random", low=20)
    alpha = check_number(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
    C = check_number(C, "C", low=0.0, low_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    X = m.check_X(X)
    n_out = int(m.network.out_features or 1)
    if m.classes is not None and not isinstance(target, (int, np.integer)):
        target = int(m.class_indices([target], "target")[0])
    target = check_int(target, "target")
    if not 0 <= target < n_out:
        raise ParameterError(f"target must be an output index 0..{n_out - 1} (the network has {n_out} outputs); "
                             f"got {target}")
    concept_X = _examples(m, concept, "concept", minimum)
    pool = X if random is None else m.check_X(random, "random")
    if len(pool) < len(concept_X):
        raise DataError(f"the random pool has {len(pool)} samples; each random set is as large as the concept set "
                        f"({len(concept_X)}): give a pool of at least that many")
    pos = _dense_values(m, concept_X, name)
    pool_acts = _dense_values(m, pool, name)
    sets = [pool_acts[rng.choice(len(pool), size=len(pos), replace=False)] for _ in range(n_random + 1)]
    grads = _layer_gradients(m, X, name, target)

    def score(cav: ConceptVector) -> float:
        return float(np.mean(grads @ cav.vector > 0))

    cavs = [_cav(sk, pos, neg, name, C) for neg in sets[1:]]
    scores = np.array([score(c) for c in cavs])
    null = np.array([score(_cav(sk, sets[0], neg, name, C)) for neg in sets[1:]])
    p = _welch_p(scores, null)
    return TCAVResult(name, target, float(scores.mean()), scores, null, p, p < alpha, alpha, len(pos),
                      grads @ cavs[0].vector)
