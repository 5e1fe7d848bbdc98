"""The routing view of a Mixture of Experts: where each sample goes, the load per batch and per class, and what
each expert specialises in.

:func:`routing` runs the network in eval mode up to the MoE layer and asks the layer where prediction
sends each sample (:meth:`~neuronkit.layers.MoE.route`: no noise, no capacity). Each expert's
specialisation comes from the existing inspection tools applied to the gate: a network of the layers
before the MoE and the gate as a softmax layer (its neuron ``i`` is the probability of expert ``i``),
so :func:`~neuronkit.inspect.class_selectivity` says how selective each expert's gate is for a class
and :func:`~neuronkit.inspect.top_activating` which samples the gate sends to it most surely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError, ParameterError, ShapeError
from ..layers import Dense, Sequential
from ..layers.moe import MoE
from ..validation import check_int
from ._model import InspectedModel
from .specialisation import Selectivity, TopActivating, class_selectivity, top_activating

__all__ = ["Routing", "routing"]


@dataclass(frozen=True)
class Routing:
    """Where an MoE layer sends the samples of X (eval-mode routing).

    ``experts`` (n, k) and ``gates`` (n, k): each sample's experts, best first, and their weights;
    ``load`` (E,): each expert's share of the n·k assignments; ``batch_load`` (batches, E): the same
    per batch of ``batch_size`` rows; ``classes`` and ``class_load`` (classes, E): the share of a
    class's assignments each expert gets (rows sum to 1), None without y; ``selectivity``: the class
    selectivity of each expert's gate probability (neurons ``{layer}_gate[i]``), None without y;
    ``top``: per expert, the samples its gate probability is highest on.

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.inspect.routing import routing        # nk.inspect.routing
    >>> net = nk.build("dense(4,relu),moe(4,experts=3,k=2),dense(out)", input_shape=(2,), outputs=2, seed=0)
    >>> r = routing(net, np.random.default_rng(0).standard_normal((20, 2)))
    >>> r.experts.shape, r.gates.shape, float(r.load.sum())
    ((20, 2), (20, 2), 1.0)
    """

    layer: str
    experts: np.ndarray
    gates: np.ndarray
    load: np.ndarray
    batch_load: np.ndarray
    classes: list[Any] | None
    class_load: np.ndarray | None
    selectivity: Selectivity | None
    top: dict[int, TopActivating]

    def samples(self, expert: int) -> np.ndarray:
        """The rows of X routed to ``expert`` (as any of their k choices), in order.

        >>> import numpy as np, neuronkit as nk
        >>> from neuronkit.inspect.routing import routing        # nk.inspect.routing
        >>> net = nk.Sequential(nk.Dense(2, 2, activation="identity", seed=0),
        ...                     nk.layers.MoE(2, 2, experts=2, k=1, noise=False, seed=0), nk.Dense(2, 2, seed=0))
        >>> net["hidden1"].weight.data[:] = np.eye(2)
        >>> net["moe1"].gate.weight.data[:] = [[1.0, 0.0], [0.0, 1.0]]
        >>> routing(net, [[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]).samples(0)
        array([0, 2])
        """
        n_experts = len(self.load)
        expert = check_int(expert, "expert", low=0, high=n_experts - 1, owner="Routing.samples")
        return np.flatnonzero((self.experts == expert).any(axis=1))

    def __str__(self) -> str:
        lines = [f"routing of {self.layer}: {len(self.experts)} samples, k={self.experts.shape[1]}",
                 "expert  load    samples" + ("  top class (share)" if self.class_load is not None else "")]
        for i, share in enumerate(self.load):
            line = f"{i:<6d}  {share:6.1%}  {len(self.samples(i)):7d}"
            if self.class_load is not None and self.classes is not None:
                received = self.class_load[:, i]
                best = int(received.argmax())
                line += f"  {self.classes[best]} ({received[best]:.0%})"
            lines.append(line)
        return "\n".join(lines)


def _moe_layer(m: InspectedModel, layer: str | None) -> tuple[str, MoE]:
    found = [(name, lay) for name, lay in m.network.layers.items() if isinstance(lay, MoE)]
    if not found:
        raise ParameterError("the network has no MoE layer to show the routing of; build one with "
                             "nk.layers.MoE(...) or a spec token moe(64, experts=4, k=2)")
    if layer is None:
        return found[0]
    names = [name for name, _ in found]
    if layer not in names:
        raise ParameterError(f"layer must name an MoE layer ({', '.join(names)}); got {layer!r}")
    return layer, m.network.layers[layer]  # type: ignore[return-value]


def _gate_network(m: InspectedModel, name: str, moe: MoE) -> tuple[Sequential, str]:
    """The layers before the MoE, then its gate as a softmax layer sharing the gate's weights (nothing copied)."""
    layers = list(m.network.layers.items())
    index = [n for n, _ in layers].index(name)
    activation = "softmax" if moe.n_experts >= 2 else "identity"
    gate = Dense(moe.in_features, moe.n_experts, activation=activation, bias=False, init="zeros", dtype=moe.dtype)
    gate.weight = moe.gate.weight
    gate_name = f"{name}_gate"
    return Sequential(*layers[:index], (gate_name, gate)), gate_name


def routing(model: Any, X: Any, y: Any = None, *, layer: str | None = None, batch_size: int = 256,
            top: int = 5) -> Routing:
    """Where the MoE ``layer`` (default: the first) sends each row of X, its load per batch and per class of y.

    Parameters
    ----------
    model : Sequential or fitted estimator
    X : array
        Inputs, as the model takes them.
    y : array, optional
        Labels (one per row): with them, the load per class and each expert's class selectivity.
    layer : str, optional
        The MoE layer's name (default: the network's first MoE layer).
    batch_size : int
        The batches ``batch_load`` is counted over (rows in order).
    top : int
        How many samples :attr:`Routing.top` lists per expert.

    Examples
    --------
    An identity layer, then a gate set by hand: expert 0 for x0 > x1 (class 0), expert 1 otherwise (class 1):

    >>> import numpy as np, neuronkit as nk
    >>> from neuronkit.inspect.routing import routing        # nk.inspect.routing
    >>> net = nk.Sequential(nk.Dense(2, 2, activation="identity", seed=0),
    ...                     nk.layers.MoE(2, 2, experts=2, k=1, noise=False, seed=0), nk.Dense(2, 2, seed=0))
    >>> net["hidden1"].weight.data[:] = np.eye(2)
    >>> net["moe1"].gate.weight.data[:] = [[1.0, 0.0], [0.0, 1.0]]
    >>> r = routing(net, [[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]], [0, 1, 0, 1])
    >>> r.load, r.class_load
    (array([0.5, 0.5]), array([[1., 0.],
           [0., 1.]]))
    """
    m = InspectedModel(model)
    name, moe = _moe_layer(m, layer)
    X = m.check_X(X)
    batch_size = check_int(batch_size, "batch_size", low=1, owner="routing")
    top = check_int(top, "top", low=1, owner="routing")
    index = list(m.network.layers).index(name)
    inputs = m.records(X, stop=index)[-1].output.data if index else m.input_tensor(X, requires_grad=False)[1].data
    experts, gates = moe.route(inputs)
    n_experts = moe.n_experts
    counts = np.zeros((len(X), n_experts))
    np.add.at(counts, (np.arange(len(X))[:, None], experts), 1.0)
    load = counts.sum(axis=0) / max(counts.sum(), 1.0)
    batches = [counts[i:i + batch_size].sum(axis=0) for i in range(0, len(X), batch_size)]
    batch_load = np.array([b / b.sum() for b in batches]) if batches else np.zeros((0, n_experts))
    gate_net, gate_name = _gate_network(m, name, moe)
    net_X = m.to_network_input(X)
    ranked = {i: top_activating(gate_net, net_X, f"{gate_name}[{i}]", k=top) for i in range(n_experts)}
    classes = class_load = selectivity = None
    if y is not None:
        labels = np.asarray(y)
        if labels.shape != (len(X),):
            raise ShapeError(f"y must be one label per row of X, shape ({len(X)},); got shape {labels.shape}")
        try:
            uniques, codes = np.unique(labels, return_inverse=True)
        except TypeError:
            raise DataError("y holds labels that cannot be sorted (mixed types?); give labels of one type") from None
        classes = [u.item() if isinstance(u, np.generic) else u for u in uniques]
        per_class = np.zeros((len(classes), n_experts))
        np.add.at(per_class, codes, counts)
        class_load = per_class / per_class.sum(axis=1, keepdims=True)
        if len(classes) >= 2:
            selectivity = class_selectivity(gate_net, net_X, labels, layer=gate_name)
    return Routing(name, experts, gates, load, batch_load, classes, class_load, selectivity, ranked)
