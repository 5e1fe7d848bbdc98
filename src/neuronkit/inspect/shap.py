"""SHAP: Shapley values of input features, with a background set standing in for absent features.

For a scalar f (the target output's logit by default, as in :func:`~neuronkit.inspect.attribute`),
one input x with M features and a **background set** B = {b₁ … b_K} (rows like X), a coalition
S ⊆ {1 … M} of "present" features is worth

    v(S) = (1/K) Σₖ f(x_S, bₖ_S̄)        (present features from x, absent ones from each background row)

so v(∅) = E_B[f(b)] and v(all) = f(x). The **Shapley value** of feature i is its average marginal
contribution over all orders in which features can arrive,

    φᵢ = Σ_{S ⊆ N∖{i}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {i}) − v(S)),

and the values are *efficient*: Σᵢ φᵢ = f(x) − E_B[f(b)] (reported per sample as ``delta``).

=============  ===========================================================================================
kernel_shap    KernelSHAP (Lundberg & Lee 2017): a weighted linear regression v(S) − v(∅) ≈ Σ_{i∈S} φᵢ
               over coalitions S, weighted by the Shapley kernel π(S) = (M − 1) / (C(M, |S|) |S| (M − |S|)),
               with Σφᵢ = f(x) − v(∅) imposed exactly. With all 2^M − 2 proper coalitions (a budget
               ``n_samples`` ≥ 2^M − 2) the solution *is* the Shapley values; with fewer, coalitions are
               drawn from the kernel (complementary pairs) and the values are an estimate.
gradient_shap  GradientSHAP / expected gradients (Erion et al. 2021; Captum's ``GradientShap``): the mean
               over draws of (x̃ − b) · ∇f(b + α(x̃ − b)), with b drawn uniformly from the background, α
               uniform in [0, 1] and x̃ = x + ε, ε ~ N(0, ``stdev``² I). Its expectation (``stdev=0``) is
               the mean over the background of integrated gradients from each bₖ; efficiency then holds in
               expectation only (the ``delta`` shrinks like 1/√n_samples).
=============  ===========================================================================================

**Assumptions.** Both replace an absent feature by background values drawn *independently of
the present ones* (interventional, "features independent"): on correlated features the model is
evaluated off the data manifold, and the values explain the model, not the data. The values are
relative to the background: another background gives other values (a zero background gives
occlusion-like answers). KernelSHAP's estimate from a partial budget is unbiased only in the limit;
GradientSHAP assumes f is differentiable along the paths (at ReLU kinks the gradient is one-sided)
and, being a Monte Carlo estimate, has the reported standard error ``stderr``. Cost: KernelSHAP
evaluates the network ``coalitions × K`` times per sample (keep the background small: tens of rows,
e.g. a sample or cluster centres of the training data), GradientSHAP ``n_samples`` gradients.

Both take feature vectors or images (n, C, H, W; each pixel of each channel is one feature);
text networks are refused (use :func:`~neuronkit.inspect.attribute`). Randomness comes from
``numpy.random.default_rng(seed)``: the same seed gives the same values, whatever ``batch_size``.

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([3, 5, 2], output="softmax", seed=0)
>>> rng = np.random.default_rng(0)
>>> X, background = rng.normal(size=(2, 3)), rng.normal(size=(8, 3))
>>> phi = nk.inspect.kernel_shap(net, X, background, target=1)
>>> phi.exact, bool(np.allclose(phi.sum(axis=1), phi.values - phi.expected_value))
(True, True)
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from ..errors import ParameterError, ShapeError
from ..init import make_rng
from ..validation import check_int, check_number
from ._model import InspectedModel
from .attribution import Attribution, Objective, _objective_for, output_kind

__all__ = ["ShapValues", "gradient_shap", "kernel_shap"]


class ShapValues(Attribution):
    """SHAP values: an array shaped like X (float64), with what produced them.

    Besides :class:`Attribution`'s ``method``, ``target``, ``neuron``, ``output``, ``values`` (f(x)),
    ``baseline_values`` (E_B[f(b)] per sample, also ``expected_value``) and ``delta``
    (Σ φ − (f(x) − E_B[f(b)]) per sample): ``background`` (the background set, as checked),
    ``n_samples`` (the budget: coalitions for KernelSHAP, gradient draws for GradientSHAP),
    ``seed``, ``exact`` (KernelSHAP: True when every coalition was enumerated) and ``stderr``
    (GradientSHAP: the Monte Carlo standard error of each value, shaped like X).

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="identity", seed=0))
    >>> phi = nk.inspect.kernel_shap(net, [[1.0, 2.0]], [[0.0, 0.0]])
    >>> bool(np.allclose(phi, net["output"].weight.data * [1.0, 2.0]))   # linear model: wᵢ(xᵢ − bᵢ)
    True
    """

    background: np.ndarray | None
    n_samples: int | None
    seed: int | None
    exact: bool | None
    stderr: np.ndarray | None

    def __array_finalize__(self, obj: Any) -> None:
        super().__array_finalize__(obj)
        for key in ("background", "n_samples", "seed", "exact", "stderr"):
            setattr(self, key, None)

    @property
    def expected_value(self) -> np.ndarray | None:
        """E_B[f(b)] per sample (the value of the empty coalition)."""
        return self.baseline_values


def _prepare(model: Any, X: Any, background: Any, target: Any, neuron: str | None, output: str,
             batch_size: int) -> tuple[InspectedModel, Objective, np.ndarray, np.ndarray, np.ndarray | None,
                                       str | None, str]:
    """The objective, X and the background flattened to (n, M), the targets, the neuron's name, the output kind."""
    kind = output_kind(output)
    m = InspectedModel(model)
    if m.is_text:
        raise ParameterError("SHAP here takes feature vectors or images; this network takes token ids (its first "
                             "layer is an Embedding): use nk.inspect.attribute(model, ids, method=...) for text")
    X = m.check_X(X)
    B = m.check_X(background, "background")
    if B.shape[1:] != X.shape[1:]:
        raise ShapeError(f"background rows must have the shape of one sample of X, {X.shape[1:]}; got "
                         f"{B.shape[1:]}")
    obj, targets, neuron = _objective_for(m, X, neuron=neuron, target=target, kind=kind, batch_size=batch_size)
    obj.sample_shape = None if m.flat else X.shape[1:]
    return m, obj, X.reshape(len(X), -1), B.reshape(len(B), -1), targets, neuron, kind


def _values(obj: Objective, rows: np.ndarray, t: int | None, batch_size: int) -> np.ndarray:
    """f on many rows for one target, in chunks of at most ``batch_size``."""
    out = np.empty(len(rows))
    tt = None if t is None else np.full(min(batch_size, len(rows)), t, dtype=np.intp)
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        out[start:start + len(chunk)] = obj.value(chunk, None if tt is None else tt[:len(chunk)])
    return out


def shapley_kernel(M: int, sizes: np.ndarray) -> np.ndarray:
    """The Shapley kernel weight π(S) = (M − 1) / (C(M, |S|) |S| (M − |S|)) of coalitions of the given sizes.

    Defined for 0 < |S| < M (the empty and the full coalition get infinite weight: KernelSHAP
    imposes them as constraints). With these weights the constrained regression's solution is
    the Shapley values.

    >>> from neuronkit.inspect.shap import shapley_kernel
    >>> shapley_kernel(3, np.array([1, 2])).tolist()     # (3-1) / (3·1·2) each
    [0.3333333333333333, 0.3333333333333333]
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    choose = np.array([comb(M, int(k)) for k in sizes], dtype=np.float64)
    return (M - 1) / (choose * sizes * (M - sizes))


def _coalitions(M: int, budget: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, bool]:
    """(masks (K, M) bool, weights (K,), exact): every proper coalition if the budget allows, else kernel draws."""
    if M < 2:
        return np.zeros((0, M), dtype=bool), np.zeros(0), True
    if M <= 30 and budget >= 2 ** M - 2:
        codes = np.arange(1, 2 ** M - 1, dtype=np.int64)
        masks = ((codes[:, None] >> np.arange(M)) & 1).astype(bool)
        return masks, shapley_kernel(M, masks.sum(axis=1)), True
    # draws from the kernel itself (size k with probability ∝ (M-1)/(k(M-k)), then a uniform subset of that
    # size), in complementary pairs (z, 1-z) to cancel the odd terms; each drawn coalition then weighs the same
    sizes = np.arange(1, M)
    p = (M - 1) / (sizes * (M - sizes))
    n_pairs = (budget + 1) // 2
    k = rng.choice(sizes, size=n_pairs, p=p / p.sum())
    order = np.argsort(rng.random((n_pairs, M)), axis=1)
    half = np.argsort(order, axis=1) < k[:, None]             # a uniform random subset of size k per row
    masks = np.concatenate([half, ~half])[:budget] if budget > 1 else half[:1]
    return masks, np.ones(len(masks)), False


def _solve(masks: np.ndarray, weights: np.ndarray, y: np.ndarray, total: float) -> np.ndarray:
    """argmin Σ w (y − z·φ)² subject to Σφ = total (the KKT system; least squares if it is singular)."""
    M = masks.shape[1]
    if len(masks) == 0:
        return np.full(M, total / M)
    Z = masks.astype(np.float64)
    w = weights / weights.sum()
    A = np.zeros((M + 1, M + 1))
    A[:M, :M] = Z.T @ (w[:, None] * Z)
    A[:M, M] = A[M, :M] = 1.0
    rhs = np.append(Z.T @ (w * y), total)
    return np.linalg.lstsq(A, rhs, rcond=None)[0][:M]


def kernel_shap(model: Any, X: Any, background: Any, *, target: Any = None, neuron: str | None = None,
                output: str = "potential", n_samples: int = 2048, seed: int = 0,
                batch_size: int = 4096) -> ShapValues:
    """KernelSHAP values of each feature of each sample of X, against a background set.

    Parameters
    ----------
    model : network or fitted estimator
    X : array (n_samples, n_features) or images (n_samples, C, H, W); unscaled for an estimator
    background : array (K, n_features) or (K, C, H, W)
        Where absent features take their values from (see the module docstring): each
        coalition is evaluated against every row and averaged.
    target, neuron, output
        What is explained, as in :func:`~neuronkit.inspect.attribute` (default: the predicted
        class's logit).
    n_samples : int
        The budget of coalitions per sample (each costs K network evaluations). At least
        2^M − 2 (M features) enumerates every coalition and gives the exact Shapley values
        (``exact=True``; the default 2048 does so up to M = 11); fewer draws them from the kernel.
    seed : int
        Seeds the draws (unused when exact).
    batch_size : int
        At most this many network inputs per forward pass.

    Returns
    -------
    ShapValues
        Shaped like X; ``values`` f(x), ``expected_value`` E_B[f(b)], ``delta`` the efficiency gap
        (zero up to rounding: efficiency is imposed).

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([4, 6, 3], output="softmax", seed=0)
    >>> rng = np.random.default_rng(1)
    >>> phi = nk.inspect.kernel_shap(net, rng.normal(size=(3, 4)), rng.normal(size=(10, 4)), target=2)
    >>> phi.shape, phi.exact, bool(np.all(np.abs(phi.delta) < 1e-9))
    ((3, 4), True, True)
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0)
    rng = make_rng(seed)
    _, obj, X2, B, targets, neuron, kind = _prepare(model, X, background, target, neuron, output, batch_size)
    n, M = X2.shape
    K = len(B)
    masks, weights, exact = _coalitions(M, n_samples, rng)
    phi = np.empty((n, M))
    fx = np.empty(n)
    fb = np.empty(n)
    per_chunk = max(1, batch_size // K)
    for i in range(n):
        t = None if targets is None else int(targets[i])
        fx[i] = _values(obj, X2[i:i + 1], t, batch_size)[0]
        fb[i] = _values(obj, B, t, batch_size).mean()
        v = np.empty(len(masks))
        for start in range(0, len(masks), per_chunk):
            z = masks[start:start + per_chunk]
            rows = np.where(z[:, None, :], X2[i][None, None, :], B[None, :, :]).reshape(-1, M)
            v[start:start + len(z)] = _values(obj, rows, t, batch_size).reshape(len(z), K).mean(axis=1)
        phi[i] = _solve(masks, weights, v - fb[i], fx[i] - fb[i])
    shape = (n, *obj.sample_shape) if obj.sample_shape is not None else (n, M)
    return ShapValues(phi.reshape(shape), method="kernel_shap", target=targets, neuron=neuron, output=kind,
                      values=fx, baseline_values=fb, delta=phi.sum(axis=1) - (fx - fb),
                      background=B.reshape((K, *shape[1:])), n_samples=n_samples, seed=seed, exact=exact)


def gradient_shap(model: Any, X: Any, background: Any, *, target: Any = None, neuron: str | None = None,
                  output: str = "potential", n_samples: int = 200, stdev: float = 0.0, seed: int = 0,
                  batch_size: int = 1024) -> ShapValues:
    """GradientSHAP (expected gradients) of each feature of each sample of X, against a background set.

    φ = mean over ``n_samples`` draws of (x̃ − b) · ∇f(b + α(x̃ − b)), b uniform from the
    background, α ~ U[0, 1], x̃ = x + N(0, ``stdev``² I) (see the module docstring for what it
    assumes). With ``stdev=0`` its expectation is the mean over the background of integrated
    gradients from each row, so Σφ → f(x) − E_B[f(b)] as ``n_samples`` grows.

    Parameters
    ----------
    model, X, background, target, neuron, output
        As in :func:`kernel_shap`.
    n_samples : int
        Gradient draws per sample (the Monte Carlo budget; ``stderr`` reports the error).
    stdev : float
        The standard deviation of the noise added to x (SmoothGrad-style; 0: none).
    seed : int
        Seeds the draws: the same seed gives the same values, whatever ``batch_size``.
    batch_size : int
        At most this many network inputs per forward/backward pass.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.mlp([4, 6, 3], output="softmax", seed=0)
    >>> rng = np.random.default_rng(1)
    >>> X, background = rng.normal(size=(2, 4)), rng.normal(size=(10, 4))
    >>> phi = nk.inspect.gradient_shap(net, X, background, target=0, n_samples=50, seed=3)
    >>> phi.shape, phi.stderr.shape
    ((2, 4), (2, 4))
    >>> bool(np.array_equal(phi, nk.inspect.gradient_shap(net, X, background, target=0, n_samples=50, seed=3)))
    True
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    stdev = check_number(stdev, "stdev", low=0.0)
    seed = check_int(seed, "seed", low=0)
    rng = make_rng(seed)
    _, obj, X2, B, targets, neuron, kind = _prepare(model, X, background, target, neuron, output, batch_size)
    n, M = X2.shape
    K = len(B)
    phi = np.empty((n, M))
    err = np.empty((n, M))
    fx = np.empty(n)
    fb = np.empty(n)
    for i in range(n):
        t = None if targets is None else int(targets[i])
        fx[i] = _values(obj, X2[i:i + 1], t, batch_size)[0]
        fb[i] = _values(obj, B, t, batch_size).mean()
        # all of this sample's draws first, in one order, so the chunking cannot change them
        picks = rng.integers(K, size=n_samples)
        alphas = rng.random(n_samples)
        noisy = X2[i] + (stdev * rng.standard_normal((n_samples, M)) if stdev > 0 else 0.0)
        diffs = noisy - B[picks]
        points = B[picks] + alphas[:, None] * diffs
        grads = np.empty((n_samples, M))
        for start in range(0, n_samples, batch_size):
            chunk = points[start:start + batch_size]
            tt = None if t is None else np.full(len(chunk), t, dtype=np.intp)
            grads[start:start + len(chunk)] = obj.gradient(chunk, tt)[1]
        terms = diffs * grads
        phi[i] = terms.mean(axis=0)
        err[i] = terms.std(axis=0, ddof=1) / np.sqrt(n_samples) if n_samples > 1 else np.nan
    shape = (n, *obj.sample_shape) if obj.sample_shape is not None else (n, M)
    return ShapValues(phi.reshape(shape), method="gradient_shap", target=targets, neuron=neuron, output=kind,
                      values=fx, baseline_values=fb, delta=phi.sum(axis=1) - (fx - fb),
                      background=B.reshape((K, *shape[1:])), n_samples=n_samples, seed=seed, exact=None,
                      stderr=err.reshape(shape))
