r"""What a layer costs per prediction: multiply-adds, other operations, parameters read; the energy table.

A *counting rule* per layer kind gives, for one sample (one prediction), a :class:`Count`: the
multiply-accumulates (MACs), the other elementwise operations (bias additions, activations,
comparisons of pooling, the softmax of attention, …), the parameters it reads, and — for the
layers that have neurons (Dense, convolution filters) — the same per neuron. The rules sit in one
registry, :data:`COUNTERS` (teach it a new kind with :func:`register_cost`); :func:`network_counts`
walks a network's shapes and applies them. :meth:`Sequential.summary
<neuronkit.layers.sequential.Sequential.summary>` shows the counts; :func:`neuronkit.inspect.cost`
adds per-neuron views and the synaptic operations measured from spikes.

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
spiking                    SynOps, upper bound ``T·`` the synapse's MACs; ops 2 per neuron per step
========================  ==================================================================

The energy is an **order-of-magnitude estimate** from published per-operation figures (Horowitz,
"Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm process): a 32-bit
float addition 0.9 pJ, a 32-bit float multiplication 3.7 pJ, a 32-bit read from an 8 KB SRAM 5 pJ,
a 32-bit DRAM read 640 pJ (:data:`ENERGY_PJ`). A MAC is priced as one multiplication and one
addition (:func:`compute_pj`), every other operation and every synaptic operation as one addition,
each parameter read once per prediction (:func:`read_pj`, ``itemsize / 4`` words a parameter).

>>> import neuronkit as nk
>>> counts = network_counts(nk.mlp([4, 8, 3], seed=0), (4,))
>>> [(name, c.macs, c.ops, c.read) for name, c in counts.items()]      # 4·8 and 8·3; bias (+ relu) per neuron
[('hidden1', 32, 16, 40), ('output', 24, 3, 27)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

from ..errors import ParameterError
from .attention import MultiHeadSelfAttention, TransformerEncoderBlock
from .base import Module
from .conv import Conv1d, Conv2d
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding, PositionalEmbedding, SequenceMaxPool, SequenceMeanPool
from .norm import BatchNorm, BatchNorm2d, LayerNorm
from .pooling import AvgPool1d, AvgPool2d, GlobalAvgPool2d, MaxPool1d, MaxPool2d
from .shape import Activation, Flatten, Transpose
from .sparse import ActivityL1, KWinners

__all__ = ["COUNTERS", "ENERGY_PJ", "Count", "compute_pj", "count_layer", "network_counts", "register_cost",
           "read_pj", "words_per_parameter"]

#: picojoules per operation, 45 nm (Horowitz, ISSCC 2014): 32-bit float add and mult, 32-bit reads
ENERGY_PJ: dict[str, float] = {"add": 0.9, "mult": 3.7, "sram_read": 5.0, "dram_read": 640.0}


@dataclass
class Count:
    """What one layer does for one sample (the value a counting function of :func:`register_cost` returns).

    ``read`` is the parameters read per prediction (None: all of them; ``network_counts`` fills it
    in); ``per_neuron_*`` arrays (one value per neuron) only for layers with neurons; ``synops`` for
    spiking layers.

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


CountFn = Callable[[Any, tuple[int, ...], int], Count]

#: the counting function of each layer class: ``fn(layer, in_shape, steps) -> Count`` (steps: T of spiking nets)
COUNTERS: dict[type, CountFn] = {}


def register_cost(kind: type, fn: CountFn) -> None:
    """Teach the counting (``summary()``, :func:`neuronkit.inspect.cost`) a layer class.

    ``fn(layer, in_shape, steps)`` gives its :class:`Count` for one sample; ``in_shape`` is one
    sample's input shape (one time step's in a spiking network, ``steps`` the time steps, 1 otherwise).

    >>> import neuronkit as nk
    >>> class Double(nk.Module):
    ...     def forward(self, x): return x * 2
    ...     def output_shape(self, in_shape): return in_shape
    >>> register_cost(Double, lambda layer, shape, steps: Count(ops=math.prod(shape)))
    >>> count_layer(Double(), (3,)).ops
    3
    """
    if not (isinstance(kind, type) and issubclass(kind, Module)):
        raise ParameterError(f"register_cost takes a layer class (a subclass of nk.Module); got {kind!r}")
    if not callable(fn):
        raise ParameterError(f"register_cost takes a function fn(layer, in_shape, steps) -> Count; got {fn!r}")
    COUNTERS[kind] = fn


def counter(kind: type) -> CountFn | None:
    """The counting rule of layer class ``kind`` or of its nearest registered base class; None if there is none.

    >>> import neuronkit as nk
    >>> counter(nk.Dense) is COUNTERS[nk.Dense], counter(nk.Module)
    (True, None)
    """
    for klass in kind.__mro__:
        if klass is Module:
            break
        if klass in COUNTERS:
            return COUNTERS[klass]
    return None


def count_layer(layer: Any, in_shape: tuple[int, ...], steps: int = 1) -> Count:
    """``layer``'s :class:`Count` for one sample of shape ``in_shape`` (``steps``: a spiking network's T).

    Raises ParameterError for a layer kind without a rule, naming the known kinds.

    >>> import neuronkit as nk
    >>> count_layer(nk.Conv2d(1, 4, 3, seed=0), (1, 5, 5)).macs       # 4 filters · 3·3 outputs · 3·3·1
    324
    """
    fn = counter(type(layer))
    if fn is None:
        known = sorted(k.__name__ for k in COUNTERS)
        raise ParameterError(f"no counting rule for layer {getattr(layer, 'name', None)!r} of kind "
                             f"{type(layer).__name__}; known kinds: {', '.join(known)}. Teach it with "
                             f"nk.inspect.register_cost({type(layer).__name__}, fn)")
    return fn(layer, in_shape, steps)


def time_steps(net: Any) -> int:
    """The time steps T of a spiking network (its first layer, an encoder, makes the time axis); 1 otherwise."""
    first = next(iter(net.layers.values()))
    return int(getattr(first, "steps", 1)) if getattr(first, "makes_time_axis", False) else 1


@overload
def network_counts(net: Any, in_shape: tuple[int, ...], *, steps: int | None = None,
                   strict: Literal[True] = True) -> dict[str, Count]: ...
@overload
def network_counts(net: Any, in_shape: tuple[int, ...], *, steps: int | None = None,
                   strict: bool) -> dict[str, Count | None]: ...
def network_counts(net: Any, in_shape: tuple[int, ...], *, steps: int | None = None,
                   strict: bool = True) -> dict[str, Count] | dict[str, Count | None]:
    """Each layer's :class:`Count` for one sample of shape ``in_shape``, walking the shapes layer by layer.

    ``read`` is filled in (all the layer's parameters unless its rule says fewer); ``steps`` is the
    time steps (default: ``time_steps(net)``). A layer kind without a rule raises ParameterError, or
    with ``strict=False`` gets None (unknown, not 0).

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Conv2d(1, 4, 3, seed=0), nk.Flatten(), nk.Dense(36, 2, seed=1))
    >>> {name: c.macs for name, c in network_counts(net, (1, 5, 5)).items()}     # 4·3·3·1·3·3 and 36·2
    {'conv1': 324, 'flatten1': 0, 'output': 72}
    """
    steps = time_steps(net) if steps is None else steps
    counts: dict[str, Count | None] = {}
    shape = in_shape
    for name, layer in net.layers.items():
        out = layer.output_shape(shape)  # first: a shape that does not fit is refused by the layer, by name
        if strict or counter(type(layer)) is not None:
            c = count_layer(layer, shape, steps)
            c.read = layer.num_parameters() if c.read is None else c.read
            counts[name] = c
        else:
            counts[name] = None
        shape = out
    return counts


def parameter_dtype(net: Any) -> np.dtype:
    """The dtype a network's parameters are stored in (its first parameter's; float32 without parameters)."""
    params = net.parameters()
    return np.dtype(params[0].dtype) if params else np.dtype(np.float32)


def words_per_parameter(dtype: np.dtype) -> float:
    """The 32-bit words one parameter of ``dtype`` takes to read.

    >>> words_per_parameter(np.dtype("float64")), words_per_parameter(np.dtype("float16"))
    (2.0, 0.5)
    """
    return dtype.itemsize / 4.0


def compute_pj(macs: Any, ops: Any, synops: Any = 0.0) -> Any:
    """The arithmetic's energy in pJ: ``macs·(mult + add) + (ops + synops)·add`` (arrays work too).

    >>> round(compute_pj(1, 1), 6)       # one MAC and one bias addition: 3.7 + 0.9 + 0.9
    5.5
    """
    return macs * (ENERGY_PJ["mult"] + ENERGY_PJ["add"]) + (ops + synops) * ENERGY_PJ["add"]


def read_pj(words: Any, memory: str = "sram") -> Any:
    """Reading ``words`` 32-bit words from ``memory`` ("sram": 5 pJ a word, "dram": 640 pJ), in pJ.

    >>> read_pj(2), read_pj(2, "dram")
    (10.0, 1280.0)
    """
    return words * ENERGY_PJ[f"{memory}_read"]


def energy_text(pj: float) -> str:
    """An energy in pJ, nJ, µJ or mJ, three significant digits.

    >>> energy_text(609.7), energy_text(12345.0)
    ('610 pJ', '12.3 nJ')
    """
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


def per_value(ops: int = 0, macs: int = 0) -> CountFn:
    """The rule of a layer doing ``macs`` MACs and ``ops`` other operations per input value (norms, reshapes)."""
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
             per_value(3, 2)(layer.norm1, shape, steps), per_value(3, 2)(layer.norm2, shape, steps)]
    return Count(macs=sum(p.macs for p in parts), ops=sum(p.ops for p in parts) + 2 * length * d)  # + residuals


def scaled(c: Count, steps: int) -> Count:
    """A layer without memory applied at each of ``steps`` time steps: its arithmetic ``steps`` times, one read."""
    return Count(macs=c.macs * steps, ops=c.ops * steps, read=c.read)


_RULES: Mapping[type, CountFn] = {
    Dense: _dense, Conv1d: _conv, Conv2d: _conv, MaxPool1d: _max_pool, MaxPool2d: _max_pool, AvgPool1d: _avg_pool,
    AvgPool2d: _avg_pool, GlobalAvgPool2d: per_value(1), BatchNorm: per_value(macs=1), BatchNorm2d: per_value(macs=1),
    LayerNorm: per_value(3, 2), Embedding: _embedding, PositionalEmbedding: _positional,
    SequenceMeanPool: per_value(1), SequenceMaxPool: per_value(1), MultiHeadSelfAttention: _attention,
    TransformerEncoderBlock: _transformer, KWinners: per_value(1),
    Activation: lambda layer, shape, steps: Count(ops=_activation_ops(layer) * math.prod(shape)),
    Flatten: per_value(), Transpose: per_value(), Dropout: per_value(), ActivityL1: per_value(),
}
COUNTERS.update(_RULES)  # MoE (moe.py), Sequential (sequential.py) and the spiking layers register where defined
