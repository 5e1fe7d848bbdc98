r"""What a neuron costs: multiply-adds, parameter memory and an order-of-magnitude energy per prediction.

:func:`cost` counts, for one sample (one prediction) and every layer of a network, the
multiply-accumulates (MACs), the other elementwise operations (bias additions, activations,
comparisons of pooling, the softmax of attention, …), the parameters it holds and the parameters
it reads, and — for the layers that have neurons (Dense, convolution filters) — the same per neuron.

The counting rules, one per layer kind, and the energy table live with the layers
(``neuronkit.layers.counting``, where its table of counts per kind is), so that
``summary()`` shows the same numbers; :func:`register_cost` teaches them a new kind. The energy is
an **order-of-magnitude estimate** from published per-operation figures (Horowitz, "Computing's
energy problem (and what we can do about it)", ISSCC 2014, 45 nm process): a 32-bit float addition
0.9 pJ, a 32-bit float multiplication 3.7 pJ, a 32-bit read from an 8 KB SRAM 5 pJ, a 32-bit DRAM
read 640 pJ (:data:`ENERGY_PJ`). A MAC is priced as one multiplication and one addition (4.6 pJ),
every other operation as one addition (an exponential costs more: an under-estimate), each
parameter read once per prediction (``itemsize / 4`` words). ``energy_pj`` assumes the weights sit
in SRAM, ``energy_dram_pj`` that they come from DRAM: the two bracket what a real chip does. Real
hardware (other processes, caches, data movement of activations, NumPy's overheads) differs by
factors; compare networks with it, do not quote it as a measurement.

Spiking layers do no multiplications: each input spike adds the weight of each synapse it
reaches (a *synaptic operation*, SynOp, one accumulate: 0.9 pJ). With data ``X`` the SynOps are
counted from the spikes, as :func:`~neuronkit.inspect.health` counts them; without, the count
is the upper bound where every input is nonzero at every step (``synops_measured`` says which).

>>> import neuronkit as nk
>>> c = cost(nk.mlp([4, 8, 3], seed=0))
>>> c.macs, c.parameters, c.layers["hidden1"].macs_per_neuron.tolist()
(56, 67, [4, 4, 4, 4, 4, 4, 4, 4])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError, ParameterTypeError
from ..layers import Sequential
from ..layers.base import check_in_shape
from ..layers.counting import (
    COUNTERS,
    ENERGY_PJ,
    Count,
    compute_pj,
    energy_text,
    network_counts,
    parameter_dtype,
    read_pj,
    register_cost,
    words_per_parameter,
)
from ._model import InspectedModel, is_spiking_layer
from .health import Thresholds, spiking_health

__all__ = ["COUNTERS", "ENERGY_PJ", "Cost", "Count", "LayerCost", "cost", "register_cost"]

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
        return float(compute_pj(self.macs, self.ops, self.synops))

    @property
    def energy_pj(self) -> float:
        """Compute + every parameter read once from SRAM (5 pJ a 32-bit word), in pJ.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([1, 1], seed=0)).layers["output"].energy_pj      # 5.5 + 2 words x 5
        15.5
        """
        return self.compute_pj + read_pj(self.parameters_read * self.words_per_parameter)

    @property
    def energy_dram_pj(self) -> float:
        """Compute + every parameter read once from DRAM (640 pJ a 32-bit word), in pJ.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([1, 1], seed=0)).layers["output"].energy_dram_pj
        1285.5
        """
        return self.compute_pj + read_pj(self.parameters_read * self.words_per_parameter, "dram")

    def neuron_energy_pj(self) -> np.ndarray | None:
        """Each neuron's energy (its MACs, ops and its own weights read from SRAM), pJ; None without neurons.

        >>> import neuronkit as nk
        >>> cost(nk.mlp([2, 1], seed=0)).layers["output"].neuron_energy_pj()   # 2·4.6 + 0.9 + 3·5
        array([25.1])
        """
        if self.macs_per_neuron is None or self.parameters_per_neuron is None:
            return None
        ops = 0 if self.ops_per_neuron is None else self.ops_per_neuron
        return np.asarray(compute_pj(self.macs_per_neuron, ops)
                          + read_pj(self.parameters_per_neuron * self.words_per_parameter))

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
                            energy_text(lc.energy_pj)) for lc in self.layers.values()]
        rows.append(("total", "", f"{self.macs:,}", f"{self.ops:,}", f"{self.synops:,.0f}", f"{self.parameters:,}",
                     f"{self.parameters_read:,}", f"{self.memory_bytes:,}", energy_text(self.energy_pj)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                 for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(f"per prediction, {self.dtype.name}: ~{energy_text(self.energy_pj)} with the weights in SRAM, "
                     f"~{energy_text(self.energy_dram_pj)} from DRAM (order of magnitude: Horowitz, ISSCC 2014, "
                     "45 nm)")
        return "\n".join(lines + self.notes)

    __repr__ = __str__


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
    shape = _input_shape(m, input_shape)
    net = m.network
    dt = _memory_dtype(net, dtype)
    measured: dict[str, float] | None = None
    notes: list[str] = []
    if m.is_spiking:
        if X is not None:
            measured = {name: lh.synops for name, lh in spiking_health(m, m.check_X(X), Thresholds()).items()}
        else:
            notes.append("SynOps are upper bounds (every input active at every step): give X to count them from "
                         "the spikes")
    elif X is not None:
        raise ParameterError("cost X counts the synaptic operations of a spiking network; this network has no "
                             "spiking layer: leave X out")
    counts = network_counts(net, shape)
    layers: dict[str, LayerCost] = {}
    for name, layer in net.layers.items():
        c = counts[name]
        params = layer.num_parameters()
        spiking = is_spiking_layer(layer)
        layers[name] = LayerCost(
            name=name, kind=type(layer).__name__,
            neurons=int(getattr(layer, "out_features", 0) or getattr(layer, "out_channels", 0) or 0),
            macs=int(c.macs), ops=int(c.ops), parameters=params, parameters_read=int(c.read or 0),
            memory_bytes=params * dt.itemsize, words_per_parameter=words_per_parameter(dt),
            synops=float(measured[name] if measured is not None and name in measured else c.synops),
            synops_measured=not spiking or measured is not None, macs_per_neuron=c.per_neuron_macs,
            ops_per_neuron=c.per_neuron_ops, parameters_per_neuron=c.per_neuron_parameters)
    return Cost(layers, shape, dt, notes)


def _memory_dtype(net: Sequential, dtype: Any) -> np.dtype:
    if dtype is None:
        return parameter_dtype(net)
    try:
        found = np.dtype(dtype)
    except TypeError:
        raise ParameterTypeError(f"cost dtype must be a float type (float16, float32, float64); got {dtype!r}") \
            from None
    if found.kind != "f":
        raise ParameterError(f"cost dtype must be a float type (float16, float32, float64); got {found}")
    return found
