r"""What a neuron costs: multiply-adds, parameter memory and an order-of-magnitude energy per prediction.

:func:`cost` counts, for one sample (one prediction) and every layer of a network, the
multiply-accumulates (MACs), the other elementwise operations (bias additions, activations,
comparisons of pooling, the softmax of attention, …), the parameters it holds and the parameters
it reads, and — for the layers that have neurons (Dense, convolution filters) — the same per neuron.

The energy is an **order-of-magnitude estimate** from published per-operation figures (Horowitz,
"Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm process): a 32-bit
float addition 0.9 pJ, a 32-bit float multiplication 3.7 pJ, a 32-bit read from an 8 KB SRAM 5 pJ,
a 32-bit DRAM read 640 pJ (:data:`ENERGY_PJ`). A MAC is priced as one multiplication and one
addition (4.6 pJ), every other operation as one addition (an exponential costs more: an under-estimate),
each parameter read once per prediction (``itemsize / 4`` words). ``energy_pj`` assumes the weights
sit in SRAM, ``energy_dram_pj`` that they come from DRAM: the two bracket what a real chip does. Real
hardware (other processes, caches, data movement of activations, NumPy's overheads) differs by
factors; compare networks with it, do not quote it as a measurement.

Spiking layers do no multiplications: each input spike adds the weight of each synapse it
reaches (a *synaptic operation*, SynOp, one accumulate: 0.9 pJ). With data ``X`` the SynOps are
counted from the spikes, as :func:`~neuronkit.inspect.health` counts them; without, the count
is the upper bound where every input is nonzero at every step (``synops_measured`` says which).

Counts per layer kind (per sample; L tokens, E the embedding width, h heads):

========================  ==================================================================
Dense (in → out)           MACs ``rows·in·out``; ops ``rows·out`` per bias and per activation
Conv (K, C_in → C_out)     MACs ``C_out·H_out·W_out·K·K·C_in/groups``; ops per output as Dense
pooling                    max: ``k-1`` comparisons per output; average: ``k`` ops per output
BatchNorm (eval)           one MAC per value (a per-feature affine map)
LayerNorm                  2 MACs (variance, γ) and 3 ops (mean, centring, β) per value
Embedding                  no arithmetic; reads only the ``L·E`` rows looked up
attention                  MACs ``4·L·E² + 2·L²·E``; ops ``4·h·L²`` (scale, exp, sum, divide) + biases
MoE                        the gate, and only the ``k`` active experts (their parameters read)
k-winners                  one comparison per value
spiking                    SynOps (above); ops 2 per neuron per step (membrane update, threshold)
========================  ==================================================================

>>> import neuronkit as nk
>>> c = cost(nk.mlp([4, 8, 3], seed=0))
>>> c.macs, c.parameters, c.layers["hidden1"].macs_per_neuron.tolist()
(56, 67, [4, 4, 4, 4, 4, 4, 4, 4])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError, ParameterTypeError
from ..layers import (
    Activation,
    ActivityL1,
    AvgPool1d,
    AvgPool2d,
    BatchNorm,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool2d,
    KWinners,
    LayerNorm,
    MaxPool1d,
    MaxPool2d,
    Module,
    MultiHeadSelfAttention,
    PositionalEmbedding,
    SequenceMaxPool,
    SequenceMeanPool,
    Sequential,
    TransformerEncoderBlock,
    Transpose,
)
from ..layers.base import check_in_shape
from ..layers.moe import MoE
from ._model import InspectedModel, is_spiking_layer
from .health import Thresholds, ann_macs, spiking_health

__all__ = ["COUNTERS", "ENERGY_PJ", "Cost", "Count", "LayerCost", "cost", "register_cost"]

#: picojoules per operation, 45 nm (Horowitz, ISSCC 2014): 32-bit float add and mult, 32-bit reads
ENERGY_PJ: dict[str, float] = {"add": 0.9, "mult": 3.7, "sram_read": 5.0, "dram_read": 640.0}


@dataclass
class Count:
    """What one layer does for one sample (the value a counting function of :func:`register_cost` returns).

    ``read`` is the parameters read per prediction (None: all of them); ``per_neuron_*`` arrays (one
    value per neuron) only for layers with neurons; ``synops`` for spiking layers.

    >>> Count(macs=6, ops=3).macs
    6
    """

    macs: int = 0
    ops: int = 0
    read: int | None = None
    synops: float = 0.0
    per_neuron_macs: np.ndarray | None = None
    per_neuron_ops: np.ndarray | None = None
    per_neuron_parameters: np.ndarray | None = None


#: the counting function of each layer class: ``fn(layer, in_shape, steps) -> Count`` (steps: T of spiking nets)
COUNTERS: dict[type, Callable[[Any, tuple[int, ...], int], Count]] = {}


def register_cost(kind: type, fn: Callable[[Any, tuple[int, ...], int], Count]) -> None:
    """Teach :func:`cost` a layer class: ``fn(layer, in_shape, steps)`` gives its :class:`Count` for one sample.

    ``in_shape`` is one sample's input shape (one time step's in a spiking network, ``steps`` the time
    steps, 1 otherwise).

    >>> import neuronkit as nk
    >>> class Double(nk.Module):
    ...     def forward(self, x): return x * 2
    ...     def output_shape(self, in_shape): return in_shape
    >>> register_cost(Double, lambda layer, shape, steps: Count(ops=math.prod(shape)))
    >>> cost(nk.Sequential(nk.Dense(2, 3, seed=0), Double())).layers["double1"].ops
    3
    """
    if not (isinstance(kind, type) and issubclass(kind, Module)):
        raise ParameterError(f"register_cost takes a layer class (a subclass of nk.Module); got {kind!r}")
    if not callable(fn):
        raise ParameterError(f"register_cost takes a function fn(layer, in_shape, steps) -> Count; got {fn!r}")
    COUNTERS[kind] = fn


def _words(dtype: np.dtype) -> float:
    return dtype.itemsize / 4.0


@dataclass
class LayerCost:
    """One layer's cost per prediction (one sample); the per-neuron arrays for Dense and convolution layers.

    >>> import neuronkit as nk
    >>> lc = cost(nk.mlp([4, 8, 3], seed=0)).layers["output"]
    >>> lc.macs, lc.ops, lc.parameters, lc.memory_bytes
    (24, 3, 27, 108)
    """

    name: str
    kind: str
    neurons: int
    macs: int
    ops: int
    parameters: int
    parameters_read: int
    memory_bytes: int
    words_per_parameter: float
    synops: float = 0.0
    synops_measured: bool = True
    macs_per_neuron: np.ndarray | None = None
    ops_per_neuron: np.ndarray | None = None
    parameters_per_neuron: np.ndarray | None = None

    @property
    def compute_pj(self) -> float:
        """The arithmetic's energy: MACs × (mult + add) + (ops + SynOps) × add, in pJ.

        >>> import neuronkit as nk
        >>> round(cost(nk.mlp([1, 1], seed=0)).layers["output"].compute_pj, 6)   # 1 MAC + 1 bias add
        5.5
        """
        return (self.macs * (ENERGY_PJ["mult"] + ENERGY_PJ["add"])
                + (self.ops + self.synops) * ENERGY_PJ["add"])

    @property
    def energy_pj(self) -> float:
        """Compute + every parameter read once from SRAM (5 pJ a 32-bit word), in pJ.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([1, 1], seed=0)).layers["output"].energy_pj      # 5.5 + 2 words x 5
        15.5
        """
        return self.compute_pj + self.parameters_read * self.words_per_parameter * ENERGY_PJ["sram_read"]

    @property
    def energy_dram_pj(self) -> float:
        """Compute + every parameter read once from DRAM (640 pJ a 32-bit word), in pJ.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([1, 1], seed=0)).layers["output"].energy_dram_pj
        1285.5
        """
        return self.compute_pj + self.parameters_read * self.words_per_parameter * ENERGY_PJ["dram_read"]

    def neuron_energy_pj(self) -> np.ndarray | None:
        """Each neuron's energy (its MACs, ops and its own weights read from SRAM), pJ; None without neurons.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([2, 1], seed=0)).layers["output"].neuron_energy_pj()   # 2·4.6 + 0.9 + 3·5
        array([25.1])
        """
        if self.macs_per_neuron is None or self.parameters_per_neuron is None:
            return None
        ops = 0 if self.ops_per_neuron is None else self.ops_per_neuron
        return (self.macs_per_neuron * (ENERGY_PJ["mult"] + ENERGY_PJ["add"]) + ops * ENERGY_PJ["add"]
                + self.parameters_per_neuron * self.words_per_parameter * ENERGY_PJ["sram_read"])

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready).

        >>> import neuronkit as nk
        >>> cost(nk.mlp([2, 1], seed=0)).layers["output"].to_dict()["macs"]
        2
        """
        out: dict[str, Any] = {k: getattr(self, k) for k in (
            "name", "kind", "neurons", "macs", "ops", "parameters", "parameters_read", "memory_bytes", "synops",
            "synops_measured")}
        out.update(compute_pj=self.compute_pj, energy_pj=self.energy_pj, energy_dram_pj=self.energy_dram_pj)
        for key in ("macs_per_neuron", "ops_per_neuron", "parameters_per_neuron"):
            value = getattr(self, key)
            out[key] = None if value is None else value.tolist()
        return out


@dataclass
class Cost:
    """A network's cost per prediction: one :class:`LayerCost` per layer, totals as sums. ``str()`` is a table.

    >>> import neuronkit as nk
    >>> c = cost(nk.mlp([4, 8, 3], seed=0))
    >>> c.macs == sum(lc.macs for lc in c.layers.values()), c.neuron("hidden1[2]")["macs"]
    (True, 4)
    """

    layers: dict[str, LayerCost]
    input_shape: tuple[int, ...]
    dtype: np.dtype
    notes: list[str] = field(default_factory=list)

    def _total(self, key: str) -> Any:
        return sum(getattr(lc, key) for lc in self.layers.values())

    @property
    def macs(self) -> int:
        """All layers' MACs per prediction."""
        return int(self._total("macs"))

    @property
    def ops(self) -> int:
        """All layers' other operations per prediction."""
        return int(self._total("ops"))

    @property
    def synops(self) -> float:
        """All spiking layers' synaptic operations per prediction."""
        return float(self._total("synops"))

    @property
    def parameters(self) -> int:
        """All parameters the network holds."""
        return int(self._total("parameters"))

    @property
    def parameters_read(self) -> int:
        """The parameters one prediction reads (fewer than held with embeddings or MoE)."""
        return int(self._total("parameters_read"))

    @property
    def memory_bytes(self) -> int:
        """The parameters' memory in bytes at the cost's dtype."""
        return int(self._total("memory_bytes"))

    @property
    def energy_pj(self) -> float:
        """Per prediction, weights in SRAM, pJ (an order of magnitude)."""
        return float(self._total("energy_pj"))

    @property
    def energy_dram_pj(self) -> float:
        """Per prediction, weights from DRAM, pJ (an order of magnitude)."""
        return float(self._total("energy_dram_pj"))

    def neuron(self, name: str) -> dict[str, Any]:
        """One neuron's cost, by its stable name (``"hidden1[3]"``): MACs, ops, parameters, bytes, energy.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([2, 1], seed=0)).neuron("output[0]")["parameters"]
        3
        """
        layer_name, _, rest = str(name).partition("[")
        lc = self.layers.get(layer_name)
        if lc is None or lc.macs_per_neuron is None or lc.parameters_per_neuron is None:
            with_neurons = [n for n, c in self.layers.items() if c.macs_per_neuron is not None]
            raise ParameterError(f"no layer with neurons named {layer_name!r}; layers with neurons: "
                                 f"{', '.join(with_neurons) or '(none)'}")
        try:
            index = int(rest.rstrip("]"))
        except ValueError:
            raise ParameterError(f"a neuron name is layer[index], e.g. '{layer_name}[0]'; got {name!r}") from None
        if not 0 <= index < lc.neurons:
            raise ParameterError(f"{layer_name} has neurons 0..{lc.neurons - 1}; got index {index}")
        params = int(lc.parameters_per_neuron[index])
        energy = lc.neuron_energy_pj()
        return {"name": f"{layer_name}[{index}]", "macs": int(lc.macs_per_neuron[index]),
                "ops": 0 if lc.ops_per_neuron is None else int(lc.ops_per_neuron[index]),
                "parameters": params, "bytes": params * self.dtype.itemsize,
                "energy_pj": float(energy[index]) if energy is not None else 0.0}

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready): per layer and the totals.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([2, 1], seed=0)).to_dict()["total"]["parameters"]
        3
        """
        return {"input_shape": list(self.input_shape), "dtype": self.dtype.name,
                "layers": [lc.to_dict() for lc in self.layers.values()],
                "total": {"macs": self.macs, "ops": self.ops, "synops": self.synops, "parameters": self.parameters,
                          "parameters_read": self.parameters_read, "memory_bytes": self.memory_bytes,
                          "energy_pj": self.energy_pj, "energy_dram_pj": self.energy_dram_pj},
                "notes": list(self.notes)}

    def __str__(self) -> str:
        header = ("layer", "kind", "MACs", "other ops", "SynOps", "params", "read", "bytes", "energy (SRAM)")
        rows = [header] + [(lc.name, lc.kind, f"{lc.macs:,}", f"{lc.ops:,}", f"{lc.synops:,.0f}",
                            f"{lc.parameters:,}", f"{lc.parameters_read:,}", f"{lc.memory_bytes:,}",
                            _energy_text(lc.energy_pj)) for lc in self.layers.values()]
        rows.append(("total", "", f"{self.macs:,}", f"{self.ops:,}", f"{self.synops:,.0f}", f"{self.parameters:,}",
                     f"{self.parameters_read:,}", f"{self.memory_bytes:,}", _energy_text(self.energy_pj)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                 for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(f"per prediction, {self.dtype.name}: ~{_energy_text(self.energy_pj)} with the weights in SRAM, "
                     f"~{_energy_text(self.energy_dram_pj)} from DRAM (order of magnitude: Horowitz, ISSCC 2014, "
                     "45 nm)")
        return "\n".join(lines + self.notes)

    __repr__ = __str__


def _energy_text(pj: float) -> str:
    for unit, scale in (("mJ", 1e9), ("µJ", 1e6), ("nJ", 1e3)):
        if pj >= scale:
            return f"{pj / scale:.3g} {unit}"
    return f"{pj:.3g} pJ"


# ------------------------------------------------------------------------------ counting, one layer kind each
def _activation_ops(layer: Any) -> int:
    act = getattr(layer, "activation", None)
    return 0 if act is None or getattr(act, "name", "") == "identity" else 1


def _dense(layer: Dense, shape: tuple[int, ...], steps: int) -> Count:
    rows = math.prod(shape) // layer.in_features  # a Dense layer on (L, in) tokens runs once per token
    per_output = (layer.bias is not None) + _activation_ops(layer)
    n = layer.out_features
    return Count(macs=rows * layer.in_features * n, ops=rows * n * per_output,
                 per_neuron_macs=np.full(n, rows * layer.in_features, dtype=np.int64),
                 per_neuron_ops=np.full(n, rows * per_output, dtype=np.int64),
                 per_neuron_parameters=np.full(n, layer.in_features + (layer.bias is not None), dtype=np.int64))


def _conv(layer: Conv1d | Conv2d, shape: tuple[int, ...], steps: int) -> Count:
    positions = math.prod(layer.output_shape(shape)[1:])
    fan_in = (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)
    per_output = (layer.bias is not None) + _activation_ops(layer)
    n = layer.out_channels
    return Count(macs=n * positions * fan_in, ops=n * positions * per_output,
                 per_neuron_macs=np.full(n, positions * fan_in, dtype=np.int64),
                 per_neuron_ops=np.full(n, positions * per_output, dtype=np.int64),
                 per_neuron_parameters=np.full(n, fan_in + (layer.bias is not None), dtype=np.int64))


def _window(layer: Any) -> int:
    k = layer.kernel_size  # an int (the same along every axis) or a pair
    return math.prod(k) if isinstance(k, tuple) else int(k) ** int(getattr(layer, "dims", 2))


def _max_pool(layer: Any, shape: tuple[int, ...], steps: int) -> Count:
    return Count(ops=math.prod(layer.output_shape(shape)) * (_window(layer) - 1))


def _avg_pool(layer: Any, shape: tuple[int, ...], steps: int) -> Count:
    return Count(ops=math.prod(layer.output_shape(shape)) * _window(layer))


def _per_value(ops: int = 0, macs: int = 0) -> Callable[[Any, tuple[int, ...], int], Count]:
    return lambda layer, shape, steps: Count(macs=macs * math.prod(shape), ops=ops * math.prod(shape))


def _embedding(layer: Embedding, shape: tuple[int, ...], steps: int) -> Count:
    return Count(read=math.prod(shape) * layer.embedding_dim)


def _positional(layer: PositionalEmbedding, shape: tuple[int, ...], steps: int) -> Count:
    return Count(ops=math.prod(shape), read=math.prod(shape))


def _attention(layer: MultiHeadSelfAttention, shape: tuple[int, ...], steps: int) -> Count:
    length, e = shape
    biases = 4 * length * e if layer.in_proj_bias is not None else 0
    return Count(macs=4 * length * e * e + 2 * length * length * e, ops=4 * layer.num_heads * length * length + biases)


def _transformer(layer: TransformerEncoderBlock, shape: tuple[int, ...], steps: int) -> Count:
    length, d = shape
    parts = [_attention(layer.self_attn, shape, steps), _dense(layer.linear1, shape, steps),
             _dense(layer.linear2, (length, layer.dim_feedforward), steps),
             _per_value(3, 2)(layer.norm1, shape, steps), _per_value(3, 2)(layer.norm2, shape, steps)]
    return Count(macs=sum(p.macs for p in parts), ops=sum(p.ops for p in parts) + 2 * length * d)  # + residuals


def _moe(layer: MoE, shape: tuple[int, ...], steps: int) -> Count:
    rows = math.prod(shape) // layer.in_features
    expert = _count(layer.experts[0], (layer.in_features,), steps)
    k, n = layer.k, layer.n_experts
    # the gate, the top-k choice (one comparison per expert), a softmax over k (3 ops each), then k experts
    # whose outputs are mixed by their gate weights (k MACs per output); prediction uses no noise
    macs = rows * (layer.in_features * n + k * expert.macs + k * layer.out_features)
    ops = rows * (n + 3 * k + k * expert.ops)
    read = layer.gate.num_parameters() + k * layer.experts[0].num_parameters()
    return Count(macs=macs, ops=ops, read=read)


def _sequential(layer: Sequential, shape: tuple[int, ...], steps: int) -> Count:
    total = Count(read=0)
    for inner in layer.layers.values():
        c = _count(inner, shape, steps)
        total.macs += c.macs
        total.ops += c.ops
        total.read = (total.read or 0) + (inner.num_parameters() if c.read is None else c.read)
        shape = inner.output_shape(shape)
    return total


for _kind, _fn in ((Dense, _dense), (Conv1d, _conv), (Conv2d, _conv), (MaxPool1d, _max_pool),
                   (MaxPool2d, _max_pool), (AvgPool1d, _avg_pool), (AvgPool2d, _avg_pool),
                   (GlobalAvgPool2d, _per_value(1)), (BatchNorm, _per_value(macs=1)),
                   (BatchNorm2d, _per_value(macs=1)), (LayerNorm, _per_value(3, 2)), (Embedding, _embedding),
                   (PositionalEmbedding, _positional), (SequenceMeanPool, _per_value(1)),
                   (SequenceMaxPool, _per_value(1)), (MultiHeadSelfAttention, _attention),
                   (TransformerEncoderBlock, _transformer), (MoE, _moe), (KWinners, _per_value(1)),
                   (Activation, lambda layer, shape, steps: Count(ops=_activation_ops(layer) * math.prod(shape))),
                   (Flatten, _per_value()), (Transpose, _per_value()), (Dropout, _per_value()),
                   (ActivityL1, _per_value()), (Sequential, _sequential)):
    COUNTERS[_kind] = _fn


def _spiking_counters() -> None:
    """The spiking layers: SynOps counted in :func:`cost` (they need the data), neuron updates here."""
    from ..spiking.conversion import SpikeMaxPool2d
    from ..spiking.encoders import Encoder
    from ..spiking.layers import SpikingConv2d, SpikingDense, Temporal

    def spiking(layer: Any, shape: tuple[int, ...], steps: int) -> Count:
        out = layer.output_shape(shape)
        n = layer.out_features if hasattr(layer, "out_features") else layer.out_channels
        per_neuron_updates = 2 * steps * (math.prod(out) // n)
        return Count(ops=2 * steps * math.prod(out), synops=float(steps * ann_macs(layer, out)),
                     per_neuron_ops=np.full(n, per_neuron_updates, dtype=np.int64))

    COUNTERS[SpikingDense] = spiking
    COUNTERS[SpikingConv2d] = spiking
    COUNTERS[Encoder] = lambda layer, shape, steps: Count(ops=steps * math.prod(shape))
    COUNTERS[Temporal] = lambda layer, shape, steps: _scaled(_count(layer.layer, shape, steps), steps)
    COUNTERS[SpikeMaxPool2d] = lambda layer, shape, steps: _scaled(_max_pool(layer, shape, steps), steps)


def _scaled(c: Count, steps: int) -> Count:
    return Count(macs=c.macs * steps, ops=c.ops * steps, read=c.read)


_spiking_counters()


def _counter(layer: Any) -> Callable[[Any, tuple[int, ...], int], Count]:
    for klass in type(layer).__mro__:
        if klass is Module:
            break
        if klass in COUNTERS:
            return COUNTERS[klass]
    known = sorted(k.__name__ for k in COUNTERS)
    raise ParameterError(f"cost does not know how to count layer {getattr(layer, 'name', None)!r} of kind "
                         f"{type(layer).__name__}; known kinds: {', '.join(known)}. Teach it with "
                         f"nk.inspect.register_cost({type(layer).__name__}, fn)")


def _count(layer: Any, shape: tuple[int, ...], steps: int) -> Count:
    return _counter(layer)(layer, shape, steps)


# ------------------------------------------------------------------------------ the public function
def _input_shape(m: InspectedModel, input_shape: Any) -> tuple[int, ...]:
    if input_shape is not None:
        return check_in_shape(input_shape, "cost")
    if m.input_shape is not None:
        return tuple(int(v) for v in m.input_shape)
    if m.flat and m.n_features:
        return (m.n_features,)
    raise ParameterError("cost needs input_shape=: one sample's shape, e.g. (1, 28, 28) for images or (L,) token "
                         "ids for text; this network does not say what it takes")


def cost(model: Any, input_shape: Any = None, *, dtype: Any = None, X: Any = None) -> Cost:
    """Multiply-adds, parameter memory and energy of one prediction, per layer and per neuron.

    Parameters
    ----------
    model : Sequential or fitted estimator
        The network.
    input_shape : tuple of int, optional
        One sample's shape (no batch axis); needed unless the network takes feature vectors.
    dtype : str or numpy dtype, optional
        The parameters' type for memory and reads (default: the network's own).
    X : array, optional
        Data of a spiking network: its synaptic operations are then counted from the spikes
        (mean per sample); without it, the upper bound where every input is active at every step.

    Returns
    -------
    Cost
        Per layer (:class:`LayerCost`) and totals; :meth:`Cost.neuron` for one neuron.

    Raises
    ------
    ParameterError
        A layer kind with no counting rule (it is named, with the known kinds), a bad ``input_shape``.

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 4, 3, seed=0), nk.Flatten(), nk.Dense(36, 2, seed=1))
    >>> c = cost(net, (1, 5, 5))
    >>> c.layers["conv1"].macs, c.layers["output"].macs      # 4·3·3·1·3·3 and 36·2
    (324, 72)
    """
    m = InspectedModel(model, spiking=True)
    shape = given = _input_shape(m, input_shape)
    net = m.network
    dt = _memory_dtype(net, dtype)
    words = _words(np.dtype(dt))
    steps = 1
    measured: dict[str, float] | None = None
    notes: list[str] = []
    if m.is_spiking:
        steps = int(getattr(next(iter(net.layers.values())), "steps", 1))
        if X is not None:
            measured = {name: lh.synops for name, lh in spiking_health(m, m.check_X(X), Thresholds()).items()}
        else:
            notes.append("SynOps are upper bounds (every input active at every step): give X to count them from "
                         "the spikes")
    elif X is not None:
        raise ParameterError("cost X counts the synaptic operations of a spiking network; this network has no "
                             "spiking layer: leave X out")
    layers: dict[str, LayerCost] = {}
    for name, layer in net.layers.items():
        c = _count(layer, shape, steps)
        params = layer.num_parameters()
        read = params if c.read is None else c.read
        neurons = int(getattr(layer, "out_features", 0) or getattr(layer, "out_channels", 0) or 0)
        per_params = c.per_neuron_parameters
        if is_spiking_layer(layer):
            per_params = _per_neuron_parameters(vars(layer)["synapse"])
        synops = c.synops if measured is None or name not in measured else measured[name]
        layers[name] = LayerCost(
            name=name, kind=type(layer).__name__, neurons=neurons, macs=int(c.macs), ops=int(c.ops),
            parameters=params, parameters_read=int(read), memory_bytes=params * np.dtype(dt).itemsize,
            words_per_parameter=words, synops=float(synops),
            synops_measured=not is_spiking_layer(layer) or measured is not None,
            macs_per_neuron=c.per_neuron_macs if c.per_neuron_macs is not None else
            (np.zeros(neurons, dtype=np.int64) if is_spiking_layer(layer) else None),
            ops_per_neuron=c.per_neuron_ops, parameters_per_neuron=per_params)
        shape = layer.output_shape(shape)
    return Cost(layers, given, np.dtype(dt), notes)


def _memory_dtype(net: Sequential, dtype: Any) -> np.dtype:
    if dtype is None:
        params = net.parameters()
        return np.dtype(params[0].dtype) if params else np.dtype(np.float32)
    try:
        found = np.dtype(dtype)
    except TypeError:
        raise ParameterTypeError(f"cost dtype must be a float type (float16, float32, float64); got {dtype!r}") \
            from None
    if found.kind != "f":
        raise ParameterError(f"cost dtype must be a float type (float16, float32, float64); got {found}")
    return found


def _per_neuron_parameters(synapse: Any) -> np.ndarray:
    n = synapse.out_features if isinstance(synapse, Dense) else synapse.out_channels
    return np.full(n, synapse.num_parameters() // n, dtype=np.int64)
