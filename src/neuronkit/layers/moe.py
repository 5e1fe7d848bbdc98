r"""Mixture of Experts: a gate sends each sample to its ``k`` best experts; only those run on it.

The layer (Shazeer et al. 2017, "Outrageously large neural networks: the sparsely-gated
mixture-of-experts layer") for a sample :math:`x`:

.. math::

    H(x)_i &= (x W_g)_i + \epsilon_i \cdot \mathrm{softplus}((x W_{noise})_i),
        \quad \epsilon_i \sim \mathcal{N}(0, 1) \text{ (training only)} \\
    T(x) &= \text{the } k \text{ experts with the largest } H(x)_i \\
    g(x)_i &= \frac{e^{H(x)_i}}{\sum_{j \in T(x)} e^{H(x)_j}} \text{ for } i \in T(x), \text{ else } 0 \\
    y &= \sum_{i \in T(x)} g(x)_i \, E_i(x)

Each expert :math:`E_i` is a Dense layer (``expert="dense"``) or a small MLP (``expert=32`` or
``expert=(64, 32)``: hidden widths, ReLU, then the output layer). Only the chosen experts are
computed: the rows routed to expert :math:`i` are gathered
(:func:`~neuronkit.engine.indexing.index_select`), the expert runs on them, and its weighted
outputs are added back into their rows (:func:`~neuronkit.engine.indexing.index_add`).

**Load balancing** (the Switch Transformer's auxiliary loss, Fedus, Zoph and Shazeer 2022, eq. 4):

.. math:: L_{balance} = \alpha \cdot E \cdot \sum_{i=1}^{E} f_i P_i

with :math:`f_i` the share of the batch's :math:`N k` assignments that go to expert :math:`i`
(counted before the capacity drops any) and :math:`P_i` the batch mean of the softmax over all
:math:`E` gate values :math:`H(x)`. It is :math:`\alpha` when the load is uniform and grows as
it concentrates; ``fit`` adds it to the loss through :meth:`MoE.own_penalty` (``balance`` is
:math:`\alpha`; 0 turns it off).

**Expert capacity** (training only): an expert takes at most
:math:`C = \lceil \text{capacity\_factor} \cdot N k / E \rceil` assignments of a batch of
:math:`N`. First choices are served before second choices (GShard's priority), each in batch
order; an assignment over capacity is dropped: that expert contributes nothing to the sample
(its gate weight is not renormalised), and a sample whose every choice was dropped gets zeros.
At prediction (eval mode) there is no noise and no capacity, so a sample's output never depends
on the rest of its batch.

>>> import numpy as np, neuronkit as nk
>>> moe = nk.layers.MoE(4, 3, experts=4, k=2, seed=0)
>>> moe.eval()(np.ones((5, 4), dtype=np.float32)).shape
(5, 3)
>>> experts, gates = moe.route(np.ones((1, 4), dtype=np.float32))
>>> experts.shape, float(gates.sum())
((1, 2), 1.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import Activation, get_activation
from ..engine import Tensor, ops
from ..engine.indexing import index_select, scatter_rows
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..init import float_dtype, make_rng
from ..validation import check_bool, check_int, check_number, must_be
from .base import (
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    constructor_options,
    describe_shape,
    label,
    layer_input,
    register_layer,
)
from .counting import Count, count_layer, register_cost
from .dense import Dense
from .sequential import Sequential

__all__ = ["MoE"]

_EXPERT_RULE = "'dense' or the hidden widths of an MLP expert (an int >= 1 or a tuple of them)"


def _check_expert(expert: Any) -> str | tuple[int, ...]:
    if isinstance(expert, str):
        if expert.lower() != "dense":
            raise ParameterError(must_be("expert", _EXPERT_RULE, expert, "MoE"))
        return "dense"
    widths = tuple(expert) if isinstance(expert, (tuple, list)) else (expert,)
    if not widths or any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) for w in widths):
        raise ParameterTypeError(must_be("expert", _EXPERT_RULE, expert, "MoE"))
    if any(w < 1 for w in widths):
        raise ParameterError(must_be("expert", _EXPERT_RULE, expert, "MoE"))
    return tuple(int(w) for w in widths)


def _check_options(in_features: Any, out_features: Any, experts: Any, k: Any, expert: Any, noise: Any,
                   capacity_factor: Any, balance: Any) -> tuple[Any, ...]:
    """Every MoE option checked (the constructor and ``expected_arrays`` share it)."""
    fin = check_int(in_features, "in_features", low=1, owner="MoE")
    fout = check_int(out_features, "out_features", low=1, owner="MoE")
    n_experts = check_int(experts, "experts", low=1, owner="MoE")
    k = check_int(k, "k", low=1, owner="MoE")
    if k > n_experts:
        raise ParameterError(f"MoE k (experts per sample) must be at most experts={n_experts}; got k={k}: lower k "
                             "or add experts")
    return (fin, fout, n_experts, k, _check_expert(expert), check_bool(noise, "noise", owner="MoE"),
            check_number(capacity_factor, "capacity_factor", low=0.0, low_open=True, owner="MoE"),
            check_number(balance, "balance", low=0.0, owner="MoE"))


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """The columns of the ``k`` largest values of each row, largest first (ties: the lower column first).

    >>> import numpy as np
    >>> from neuronkit.layers.moe import top_k
    >>> top_k(np.array([[0.1, 0.9, 0.5], [2.0, 2.0, 1.0]]), 2)
    array([[1, 2],
           [0, 1]])
    """
    return np.argsort(-values, axis=1, kind="stable")[:, :k]


def within_capacity(chosen: np.ndarray, experts: int, capacity: int) -> np.ndarray:
    """Which assignments (N, k) an expert of ``capacity`` takes: first choices first, then in batch order.

    >>> import numpy as np
    >>> from neuronkit.layers.moe import within_capacity
    >>> within_capacity(np.array([[0, 1], [0, 1], [0, 2]]), 3, 2)   # expert 0 is full after two samples
    array([[ True,  True],
           [ True,  True],
           [False,  True]])
    """
    n, k = chosen.shape
    order = chosen.T.ravel()  # slot-major: every first choice, then every second choice, ...
    onehot = order[:, None] == np.arange(experts)
    rank = np.cumsum(onehot, axis=0)[np.arange(order.size), order] - 1
    return (rank < capacity).reshape(k, n).T


@register_layer
class MoE(Module):
    r"""A Mixture of Experts layer: noisy top-k gating, load balancing, expert capacity (see the module text).

    Parameters
    ----------
    in_features, out_features : int
        Inputs and outputs per sample.
    experts : int
        How many experts (>= 1).
    k : int
        Experts per sample (1 <= k <= experts).
    expert : "dense", int or tuple of int
        Each expert: one Dense layer ``in -> out``, or an MLP with these hidden widths (ReLU).
    activation : str or Activation
        The experts' output activation (default ``"relu"``: an MoE is usually a hidden layer).
    noise : bool
        Noisy gating in training (a learned, softplus noise scale per expert; none in eval).
    capacity_factor : float
        Expert capacity in training, :math:`\lceil \text{capacity\_factor} \cdot N k / E \rceil` (> 0).
    balance : float
        The weight :math:`\alpha` of the load-balancing loss (>= 0; 0: none).
    seed, rng : int or numpy.random.Generator
        The initial weights and the gate noise.
    dtype : numpy dtype
        ``np.float32`` (default) or ``np.float64``.

    The gate is ``gate`` (a Dense of E neurons without bias: ``moe.gate.neurons[i]`` is expert
    i's gate neuron), the noise scale ``noise`` (Dense, softplus, starting at zero weights), the
    experts ``experts[i]``; parameters are named ``gate.weight``, ``noise.weight``,
    ``expert0.weight``, … (``expert0.hidden1.weight`` for MLP experts).

    Shapes: input (N, in_features) or (in_features,); output (N, out_features).

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> moe = nk.layers.MoE(2, 1, experts=2, k=1, activation="identity", noise=False, seed=0)
    >>> moe.gate.weight.data[:] = [[1.0, 0.0], [0.0, 1.0]]       # expert 0 for x0 > x1, else expert 1
    >>> moe.experts[0].weight.data[:] = [[1.0, 1.0]]; moe.experts[1].weight.data[:] = [[-1.0, -1.0]]
    >>> moe.eval()(np.array([[2.0, 1.0], [1.0, 2.0]], dtype=np.float32)).data
    array([[ 3.],
           [-3.]], dtype=float32)
    """

    takes_vectors = True  # a first MoE layer fixes the network's number of input features

    name_prefix = "moe"

    def __init__(self, in_features: int, out_features: int, *, experts: int = 4, k: int = 2, expert: Any = "dense",
                 activation: Any = "relu", noise: bool = True, capacity_factor: float = 1.25, balance: float = 0.01,
                 seed: int | None = None, rng: np.random.Generator | None = None, name: str | None = None,
                 dtype: Any = np.float32) -> None:
        (self.in_features, self.out_features, self.n_experts, self.k, self.expert, self.noisy, self.capacity_factor,
         self.balance) = _check_options(in_features, out_features, experts, k, expert, noise, capacity_factor, balance)
        self._activation = get_activation(activation).config()  # each expert builds its own (a learnable one: each)
        dtype = float_dtype(dtype, owner="MoE")
        self.name = check_name(name, "MoE")
        generator = make_rng(seed, rng)
        self.gate = Dense(self.in_features, self.n_experts, activation="identity", bias=False, rng=generator,
                          dtype=dtype, name="gate")
        self.noise = Dense(self.in_features, self.n_experts, activation="softplus", bias=False, init="zeros",
                           rng=generator, dtype=dtype, name="noise") if self.noisy else None
        self.experts = [self._make_expert(i, generator, dtype) for i in range(self.n_experts)]
        self.rng = generator  # the gate noise in training
        self._balance_loss: Tensor | None = None

    def _make_expert(self, index: int, generator: np.random.Generator, dtype: np.dtype) -> Module:
        if self.expert == "dense":
            return Dense(self.in_features, self.out_features, activation=self._activation, rng=generator, dtype=dtype,
                         name=f"expert{index}")
        widths = (self.in_features, *self.expert)
        layers: list[Module] = [Dense(a, b, activation="relu", rng=generator, dtype=dtype)
                                for a, b in zip(widths[:-1], widths[1:])]
        layers.append(Dense(widths[-1], self.out_features, activation=self._activation, rng=generator, dtype=dtype))
        mlp = Sequential(*layers)
        mlp.name = f"expert{index}"
        return mlp

    def _members(self) -> list[tuple[str, Any]]:
        children: list[tuple[str, Any]] = [("gate", self.gate)]
        if self.noise is not None:
            children.append(("noise", self.noise))
        return children + [(f"expert{i}", e) for i, e in enumerate(self.experts)]

    @property
    def dtype(self) -> np.dtype:
        return self.gate.weight.dtype

    @property
    def activation(self) -> Activation:
        """The experts' output activation (expert 0's; every expert has the same kind)."""
        last: Any = self.experts[0]
        return last.activation if isinstance(last, Dense) else list(last)[-1].activation

    def capacity(self, batch: int) -> int:
        r"""How many assignments an expert takes from a training batch of ``batch`` samples: ⌈factor·N·k/E⌉.

        >>> import neuronkit as nk
        >>> nk.layers.MoE(8, 8, experts=4, k=2, capacity_factor=1.25, seed=0).capacity(32)   # 1.25·32·2/4
        20
        """
        return math.ceil(self.capacity_factor * batch * self.k / self.n_experts)

    # ---- compute
    def _gate_values(self, x: Tensor, training: bool) -> Tensor:
        """H(x): the gate's values, plus the scaled noise in training."""
        values = self.gate(x)
        if training and self.noise is not None:
            eps = self.rng.standard_normal(values.shape).astype(values.dtype)
            values = values + self.noise(x) * eps
        return values

    def route(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """Where prediction sends each sample: its ``k`` experts (N, k), best first, and their gate weights (N, k).

        No noise and no capacity (the eval-mode routing); each row's weights sum to 1.

        >>> import numpy as np, neuronkit as nk
        >>> moe = nk.layers.MoE(2, 1, experts=3, k=2, seed=0)
        >>> moe.gate.weight.data[:] = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
        >>> experts, gates = moe.route([[2.0, 0.0]])
        >>> experts, gates.round(3)
        (array([[0, 1]]), array([[0.881, 0.119]], dtype=float32))
        """
        x = layer_input(self, x, self.in_features, self.dtype)
        values = self.gate.infer(x.data.reshape(-1, self.in_features))
        chosen = top_k(values, self.k)
        return chosen, ops.softmax_array(np.take_along_axis(values, chosen, axis=1), axis=1)

    def forward(self, x: Any) -> Tensor:
        x = layer_input(self, x, self.in_features, self.dtype)
        if x.ndim == 1:
            return ops.reshape(self.forward(ops.reshape(x, (1, self.in_features))), (self.out_features,))
        training = self.in_training
        n, k = x.shape[0], self.k
        values = self._gate_values(x, training)
        chosen = top_k(values.data, k)
        gates = ops.softmax(ops.gather(values, chosen, axis=1), axis=1)  # softmax over the k kept values
        kept = within_capacity(chosen, self.n_experts, self.capacity(n)) if training else None
        if training and self.balance > 0 and n:
            self._balance_loss = self._balance(values, chosen)
        flat_gates = ops.reshape(gates, (n * k,))
        flat_experts = chosen.ravel()
        pieces, rows = [], []
        for i, expert in enumerate(self.experts):
            mine = flat_experts == i
            if kept is not None:
                mine &= kept.ravel()
            slots = np.flatnonzero(mine)  # positions in (N, k), flattened
            if slots.size == 0:
                continue  # an expert no sample chose is not run
            samples = slots // k
            weight = ops.reshape(index_select(flat_gates, slots), (slots.size, 1))
            pieces.append(expert(index_select(x, samples)) * weight)
            rows.append(samples)
        if not pieces:
            return Tensor(np.zeros((n, self.out_features), dtype=x.dtype))
        values_out = pieces[0] if len(pieces) == 1 else ops.concatenate(pieces, axis=0)
        return scatter_rows(values_out, np.concatenate(rows), n)

    def _balance(self, values: Tensor, chosen: np.ndarray) -> Tensor:
        """α·E·Σ f_i P_i (Switch Transformer): f from the top-k choices, P the mean softmax over all experts."""
        n_experts = self.n_experts
        share = np.bincount(chosen.ravel(), minlength=n_experts).astype(values.dtype) / chosen.size  # f_i
        mean_probability = ops.mean(ops.softmax(values, axis=1), axis=0)  # P_i
        return ops.sum_(mean_probability * share) * (self.balance * n_experts)

    def own_penalty(self) -> Tensor | None:
        """The load-balancing loss of the last training forward pass (taken once: the next call gives 0 until the
        next training forward); None when ``balance`` is 0.

        >>> import numpy as np, neuronkit as nk
        >>> moe = nk.layers.MoE(3, 2, experts=4, k=1, balance=0.01, seed=0)
        >>> _ = moe.train()(np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32))
        >>> 0.01 <= float(moe.own_penalty().data) <= 0.04     # α when balanced, up to α·E all on one expert
        True
        """
        if self.balance == 0:
            return None
        loss, self._balance_loss = self._balance_loss, None
        return loss if loss is not None else Tensor(np.zeros((), dtype=self.dtype))

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = check_in_shape(in_shape, self)
        if shape != (self.in_features,):
            raise ShapeError(f"layer {label(self)!r} takes {self.in_features} inputs, one vector per sample; the layer "
                             f"before it gives {describe_shape(shape)}")
        return (self.out_features,)

    # ---- files
    def config(self) -> dict[str, Any]:
        return {"type": "MoE", "in_features": self.in_features, "out_features": self.out_features,
                "experts": self.n_experts, "k": self.k,
                "expert": self.expert if isinstance(self.expert, str) else list(self.expert),
                "activation": self._activation, "noise": self.noisy, "capacity_factor": self.capacity_factor,
                "balance": self.balance, "name": self.name, "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MoE:
        options = constructor_options(cls, config, "MoE")
        options.pop("seed", None)
        options.pop("rng", None)
        return cls(**options, seed=0)  # the weights are loaded next

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``gate.weight`` (E, in), ``noise.weight`` (E, in) with noise, and each expert's Dense arrays."""
        options = constructor_options(cls, config, "MoE")
        fin, fout, n_experts, _, expert, noise, _, _ = _check_options(
            options["in_features"], options["out_features"], options["experts"], options["k"], options["expert"],
            options["noise"], options["capacity_factor"], options["balance"])
        dtype = float_dtype(options["dtype"], owner="MoE")
        arrays: dict[str, ArraySpec] = {"gate.weight": ((n_experts, fin), dtype)}
        if noise:
            arrays["noise.weight"] = ((n_experts, fin), dtype)
        widths = (fin,) if expert == "dense" else (fin, *expert)
        names = [f"hidden{j + 1}" for j in range(len(widths) - 1)] + ["output"] if expert != "dense" else [""]
        layers = [(a, b, "relu") for a, b in zip(widths[:-1], widths[1:])] + [(widths[-1], fout,
                                                                                 options["activation"])]
        for i in range(n_experts):
            for layer_name, (a, b, activation) in zip(names, layers):
                prefix = f"expert{i}." + (f"{layer_name}." if layer_name else "")
                dense = Dense.expected_arrays({"in_features": a, "out_features": b, "activation": activation,
                                               "dtype": str(dtype)})
                arrays.update({prefix + key: spec for key, spec in dense.items()})
        return arrays

    def __repr__(self) -> str:
        expert = "'dense'" if self.expert == "dense" else str(self.expert)
        return (f"MoE({self.in_features}, {self.out_features}, experts={self.n_experts}, k={self.k}, expert={expert}"
                f"{', name=' + repr(self.name) if self.name else ''})")


def _count(layer: MoE, shape: tuple[int, ...], steps: int) -> Count:
    """Per sample: the gate, the top-k choice (one comparison per expert), a softmax over k (3 ops each), then
    k experts whose outputs are mixed by their gate weights (k MACs per output); prediction uses no noise."""
    rows = math.prod(shape) // layer.in_features
    expert = count_layer(layer.experts[0], (layer.in_features,), steps)
    k, n = layer.k, layer.n_experts
    macs = rows * (layer.in_features * n + k * expert.macs + k * layer.out_features)
    ops = rows * (n + 3 * k + k * expert.ops)
    read = layer.gate.num_parameters() + k * layer.experts[0].num_parameters()
    return Count(macs=macs, ops=ops, read=read)


register_cost(MoE, _count)
