r"""Elastic weight consolidation (Kirkpatrick et al. 2017): the Fisher information of each parameter, the
penalty that holds the important ones, and the per-neuron views of importance and change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..callbacks import Callback
from ..engine import Parameter, Tensor, no_grad
from ..engine.tensor import log_softmax
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..layers import Module
from ..training import outputs
from ..validation import check_array, check_choice, check_class_indices, check_int, check_number, must_be

__all__ = ["EWC", "FISHER_KINDS", "fisher_information", "neuron_change", "neuron_importance"]

#: the kinds of Fisher information: the model's own distribution ("true") or the labels ("empirical")
FISHER_KINDS = ("true", "empirical")


# ----------------------------------------------------------------------------- Fisher information
def fisher_information(model: Module, X: Any, y: Any = None, *, kind: str = "true", samples: int | None = None,
                       seed: int = 0) -> dict[str, np.ndarray]:
    r"""The diagonal Fisher information of each parameter of a softmax classifier, by parameter name.

    .. math:: F_i = \frac{1}{N}\sum_{n}\, \mathbb{E}_{c}\Big[\Big(\frac{\partial \log p_\theta(c\mid x_n)}
              {\partial\theta_i}\Big)^2\Big]

    ``kind="true"`` (the default, as Kirkpatrick et al. define it): the expectation is over
    the model's own distribution :math:`c \sim p_\theta(\cdot\mid x_n)`, taken exactly (every
    class, weighted by its probability; ``y`` is not needed). ``kind="empirical"``: the
    given label :math:`c = y_n` only — the mean squared gradient of the per-sample loss.
    Gradients are per sample (one backward pass per sample and class), so ``samples``
    (a random subset drawn with ``seed``) bounds the cost on large data. Float64 arrays,
    shaped like the parameters; names as ``model.named_parameters()`` gives them.

    Examples
    --------
    One softmax layer, one sample: the empirical Fisher is the squared gradient of
    :math:`-\log p(y\mid x)`, which is :math:`(p - e_y)\,x^\top` for the weights:

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.continual import fisher_information
    >>> net = nk.mlp([2, 2], output="softmax", seed=0)
    >>> net["output"].weight.data[:] = 0.0
    >>> F = fisher_information(net, [[1.0, 2.0]], [0], kind="empirical")
    >>> F["output.weight"]
    array([[0.25, 1.  ],
           [0.25, 1.  ]])
    """
    kind = check_choice(kind, "kind", FISHER_KINDS, owner="fisher_information")
    act = getattr(getattr(model, "output_activation", None), "name", None)
    if act != "softmax" or not hasattr(model, "logits"):
        raise ParameterError(f"fisher_information needs a classifier with a softmax output layer (log-probabilities "
                             f"of classes); this model's output activation is {act!r}")
    dtype = model.parameters()[0].dtype
    X = check_array(X.data if isinstance(X, Tensor) else X, "X", ndim=None, dtype=dtype, owner="fisher_information")
    n_classes = int(model.out_features)  # type: ignore[attr-defined]
    if kind == "empirical":
        if y is None:
            raise ParameterError("fisher_information(kind='empirical') needs y, the labels (or use kind='true', "
                                 "which takes the expectation over the model's own predictions)")
        y = check_class_indices(np.asarray(y), n_classes, owner="fisher_information")
        if len(y) != len(X):
            raise ShapeError(f"fisher_information: X has {len(X)} samples but y has {len(y)}; give one label per "
                             "sample")
    index = np.arange(len(X))
    if samples is not None:
        samples = check_int(samples, "samples", low=1, owner="fisher_information")
        if samples < len(X):
            index = np.sort(np.random.default_rng(check_int(seed, "seed", low=0)).choice(len(X), samples,
                                                                                          replace=False))
    named = model.named_parameters()
    total = {name: np.zeros(p.shape, dtype=np.float64) for name, p in named}
    was_training = [m.training for m in model.modules()]
    model.eval()  # dropout off: the Fisher of the network that predicts
    try:
        for n in index:
            xb = X[n:n + 1]
            if kind == "empirical":
                weights = {int(y[n]): 1.0}
            else:
                with no_grad():
                    probs = outputs(model, xb)[0].astype(np.float64)
                weights = {c: float(probs[c]) for c in range(n_classes) if probs[c] > 0}
            for c, weight in weights.items():
                for _, p in named:
                    p.grad = None
                log_p = log_softmax(model.logits(xb), axis=-1)
                log_p[0, c].backward()
                for name, p in named:
                    if p.grad is not None:
                        total[name] += weight * np.square(p.grad.astype(np.float64))
    finally:
        for m, mode in zip(model.modules(), was_training):
            m.training = mode
        for _, p in named:
            p.grad = None
    return {name: value / len(index) for name, value in total.items()}


# ----------------------------------------------------------------------------- EWC
@dataclass
class _Anchor:
    """One consolidated task: the parameters' values after it and their Fisher information."""

    name: str
    values: dict[str, np.ndarray]
    fisher: dict[str, np.ndarray]


class EWC(Callback):
    r"""Elastic weight consolidation: a quadratic penalty that holds important weights near their old values.

    After each task, :meth:`consolidate` stores the network's parameters :math:`\theta^{*(t)}`
    and their diagonal Fisher information :math:`F^{(t)}` (:func:`fisher_information`). As a
    callback of :func:`neuronkit.fit` it adds, after every backward pass, the gradient of

    .. math:: \Omega(\theta) = \sum_t \frac{\lambda}{2} \sum_i F^{(t)}_i (\theta_i - \theta^{*(t)}_i)^2,
              \qquad \frac{\partial\Omega}{\partial\theta_i} = \lambda \sum_t F^{(t)}_i (\theta_i - \theta^{*(t)}_i)

    to the parameters' gradients (one penalty per earlier task, as in the paper). The data
    loss averages over the batch, so ``lam`` is on that scale. ``network`` is the whole
    network (a :class:`TaskHead` view of it trains the same parameters); the values of
    :math:`\Omega` at the end of each epoch go into ``penalties``.

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.continual import EWC
    >>> net = nk.mlp([1, 2], output="softmax", seed=0)
    >>> ewc = EWC(net, lam=10.0)
    >>> ewc.consolidate([[1.0], [-1.0]], [0, 1], name="task A")
    >>> ewc.value()
    0.0
    >>> net["output"].bias.data += 1.0      # move every bias by 1: Ω = λ/2 Σ F_bias
    >>> bool(np.isclose(ewc.value(), 5.0 * ewc.anchors[0].fisher["output.bias"].sum()))
    True
    """

    def __init__(self, network: Module, lam: float = 100.0, *, kind: str = "true", samples: int | None = None,
                 seed: int = 0) -> None:
        if not isinstance(network, Module):
            raise ParameterTypeError(must_be("network", "a neuronkit network (a Module)", type(network).__name__,
                                             "EWC"))
        self.network = network
        self.lam = check_number(lam, "lam", low=0.0, owner="EWC")
        self.kind = check_choice(kind, "kind", FISHER_KINDS, owner="EWC")
        self.samples = None if samples is None else check_int(samples, "samples", low=1, owner="EWC")
        self.seed = check_int(seed, "seed", low=0, owner="EWC")
        self.anchors: list[_Anchor] = []
        self.penalties: list[float] = []
        self._params = dict(network.named_parameters())

    def consolidate(self, X: Any, y: Any = None, *, model: Module | None = None, name: str | None = None) -> None:
        """Store the current parameters and their Fisher information on (X, y) as one more task to keep.

        ``model`` is what the task predicts with (its :class:`TaskHead`, or the network,
        the default); its parameters are the network's.
        """
        model = self.network if model is None else model
        fisher = fisher_information(model, X, y, kind=self.kind, samples=self.samples, seed=self.seed)
        by_param = {id(p): f for (_, p), f in zip(model.named_parameters(), fisher.values())}
        missing = [n for n, p in self._params.items() if id(p) not in by_param]
        if missing and model is not self.network:
            raise ParameterError(f"EWC.consolidate: the model does not use the network's parameters {missing[:3]}; "
                                 "give a TaskHead of the network EWC was built with")
        self.anchors.append(_Anchor(name or f"task {len(self.anchors)}",
                                    {n: p.data.astype(np.float64) for n, p in self._params.items()},
                                    {n: by_param[id(p)] for n, p in self._params.items()}))

    @property
    def fisher(self) -> dict[str, np.ndarray]:
        """The Fisher information summed over the consolidated tasks (zeros before any)."""
        total = {n: np.zeros(p.shape) for n, p in self._params.items()}
        for anchor in self.anchors:
            for n in total:
                total[n] += anchor.fisher[n]
        return total

    def value(self) -> float:
        """Ω at the current parameters."""
        out = 0.0
        for anchor in self.anchors:
            for n, p in self._params.items():
                out += float(np.sum(anchor.fisher[n] * np.square(p.data.astype(np.float64) - anchor.values[n])))
        return 0.5 * self.lam * out

    def gradients(self) -> list[tuple[Parameter, np.ndarray]]:
        """∂Ω/∂θ for each parameter, in the parameter's dtype (empty before any task is consolidated)."""
        if not self.anchors or self.lam == 0:
            return []
        out: list[tuple[Parameter, np.ndarray]] = []
        for n, p in self._params.items():
            theta = p.data.astype(np.float64)
            g = np.zeros(p.shape)
            for anchor in self.anchors:
                g += anchor.fisher[n] * (theta - anchor.values[n])
            out.append((p, (self.lam * g).astype(p.dtype)))  # type: ignore[arg-type]
        return out

    def penalty(self) -> Tensor:
        """Ω as a Tensor in the autodiff graph (for a loop of your own; ``fit`` uses :meth:`gradients`)."""
        total = Tensor(np.zeros((), dtype=np.float64))
        for anchor in self.anchors:
            for n, p in self._params.items():
                diff = p - Tensor(anchor.values[n].astype(p.dtype))
                total = total + (diff * diff * Tensor(anchor.fisher[n].astype(p.dtype))).sum()
        return total * (0.5 * self.lam)

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The consolidated tasks and the penalty record, for a checkpoint: (JSON-able dict, arrays).

        A resumed ``fit`` (``resume=``) then keeps the same penalty though the ``EWC`` given to it is new.
        """
        meta = {"lam": self.lam, "kind": self.kind, "anchors": [a.name for a in self.anchors],
                "parameters": list(self._params), "penalties": list(self.penalties)}
        arrays = {}
        for t, anchor in enumerate(self.anchors):
            for n in self._params:
                arrays[f"{t}.values.{n}"] = anchor.values[n]
                arrays[f"{t}.fisher.{n}"] = anchor.fisher[n]
        return meta, arrays

    def load_state_dict(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` gave (the network's parameters must have the same names and shapes)."""
        if list(meta.get("parameters", [])) != list(self._params):
            raise ParameterError(f"EWC.load_state_dict: the saved penalty is over parameters {meta.get('parameters')}; "
                                 f"this network has {list(self._params)}")
        anchors = []
        for t, name in enumerate(meta["anchors"]):
            values, fisher = {}, {}
            for n, p in self._params.items():
                values[n] = np.asarray(arrays[f"{t}.values.{n}"], dtype=np.float64)
                fisher[n] = np.asarray(arrays[f"{t}.fisher.{n}"], dtype=np.float64)
                if values[n].shape != p.shape or fisher[n].shape != p.shape:
                    raise ShapeError(f"EWC.load_state_dict: task {name!r} stores {n} with shape {values[n].shape}; "
                                     f"the parameter has {p.shape}")
            anchors.append(_Anchor(str(name), values, fisher))
        self.lam = check_number(meta["lam"], "lam", low=0.0, owner="EWC.load_state_dict")
        self.anchors = anchors
        self.penalties = [float(v) for v in meta.get("penalties", [])]

    def on_after_backward(self, state: Any) -> None:
        for p, g in self.gradients():
            p.grad = g if p.grad is None else p.grad + g

    def on_epoch_end(self, state: Any, logs: dict[str, float]) -> None:
        self.penalties.append(self.value())


def neuron_importance(fisher: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each neuron's importance: the Fisher information of its incoming weights, summed, by layer name.

    A layer's weight (out, in, …) gives one value per neuron (row); biases and other
    parameters are left out (the brief's definition: what the neuron's inputs mean to
    the earlier tasks).

    >>> import numpy as np
    >>> from neuronkit.continual import neuron_importance
    >>> neuron_importance({"hidden1.weight": np.array([[1.0, 2.0], [0.0, 0.5]]), "hidden1.bias": np.ones(2)})
    {'hidden1': array([3. , 0.5])}
    """
    out = {}
    for name, value in fisher.items():
        layer, _, kind = name.rpartition(".")
        if kind == "weight" and np.ndim(value) >= 2:
            out[layer] = np.asarray(value, dtype=np.float64).reshape(len(value), -1).sum(axis=1)
    return out


def neuron_change(before: Mapping[str, np.ndarray], after: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """How far each neuron moved: the norm of the change of its incoming weights and bias, by layer name.

    ``before`` and ``after`` are ``state_dict()`` s of the same network.

    >>> import numpy as np
    >>> from neuronkit.continual import neuron_change
    >>> a = {"h.weight": np.zeros((2, 2)), "h.bias": np.zeros(2)}
    >>> b = {"h.weight": np.array([[3.0, 0.0], [0.0, 0.0]]), "h.bias": np.array([4.0, 0.0])}
    >>> neuron_change(a, b)
    {'h': array([5., 0.])}
    """
    out = {}
    for name, value in after.items():
        layer, _, kind = name.rpartition(".")
        if kind != "weight" or np.ndim(value) < 2:
            continue
        d = (np.asarray(value, np.float64) - np.asarray(before[name], np.float64)).reshape(len(value), -1)
        sq = np.square(d).sum(axis=1)
        bias = f"{layer}.bias"
        if bias in after and bias in before:
            sq += np.square(np.asarray(after[bias], np.float64) - np.asarray(before[bias], np.float64))
        out[layer] = np.sqrt(sq)
    return out
