"""Networks: Sequential (layers in order, with stable names), its Summary table, and ``mlp``.

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(4, 8, activation="relu", seed=0),
    ...                     nk.Dense(8, 3, activation="softmax", seed=1))
    >>> [name for name, _ in net.named_parameters()]
    ['hidden1.weight', 'hidden1.bias', 'output.weight', 'output.bias']
    >>> net["hidden1"].neurons[3]
    ReLUNeuron(in=4)
    >>> net(nk.Tensor([[0.1, 0.2, 0.3, 0.4]])).shape
    (1, 3)

Under ``no_grad`` (prediction) ``forward`` runs the layers' ``infer`` path: the
same values without Tensor bookkeeping. A container holds no training code and
no mode switch of its own: its layers read the mode per call.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .. import _html
from .._units import bytes_text
from ..activations import Activation
from ..engine import Tensor, is_grad_enabled, no_grad, ops
from ..errors import IndexRangeError, NameNotFoundError, ParameterError, ParameterTypeError, ShapeError
from ..init import make_rng
from ..validation import check_bool, check_int, check_number, must_be
from .base import (
    LAYERS,
    ArraySpec,
    Module,
    check_in_shape,
    check_name,
    layer_expected_arrays,
    layer_from_config,
    register_layer,
)
from .conv import Conv1d, Conv2d
from .conv_neurons import dense_equivalent_parameters, is_convolution
from .counting import (
    Count,
    compute_pj,
    energy_text,
    network_counts,
    parameter_dtype,
    read_pj,
    register_cost,
    words_per_parameter,
)
from .dense import Dense
from .dropout import Dropout
from .norm import BatchNorm, LayerNorm
from .pooling import MaxPool1d, MaxPool2d

__all__ = ["Sequential", "Summary", "mlp"]


class Summary:
    """A network's table: one row per layer (input neurons first). ``str()`` gives the text.

    Each row holds the layer's parameters and their memory (``memory_bytes``, at the network's
    dtype). When one sample's shape is known (a network of feature vectors, or
    ``net.summary(input_shape=(1, 28, 28))``), each row also holds what one prediction costs, as
    :func:`neuronkit.inspect.cost` counts it (``neuronkit.layers.counting``): the multiply-adds
    ``macs``, a spiking layer's synaptic operations ``synops`` (the upper bound where every input
    spikes at every step) and the energy ``energy_pj`` (weights read from SRAM, 45 nm, Horowitz
    2014: an order of magnitude). A layer kind without a counting rule has none of the three (a
    blank, not 0), and the totals are then not given. Built with an input shape, each row also
    holds the layer's per-sample ``output_shape``, and each convolution row its
    ``dense_equivalent``: the parameters a Dense layer with the same inputs and outputs would need
    (parameter sharing, in numbers).

    >>> import neuronkit as nk
    >>> print(nk.mlp([2, 3, 1], seed=0).summary())
    layer    kind   neurons  activation      parameters    memory  MACs
    -------------------------------------------------------------------
    input    Input  2        (pass-through)           0   0 bytes     0
    hidden1  Dense  3        relu                     9  36 bytes     6
    output   Dense  1        identity                 4  16 bytes     3
    total parameters: 13 (52 bytes as float32)
    per prediction: 9 MACs, ~113 pJ with the weights in SRAM (45 nm estimate, Horowitz 2014)

    (2·3 + 3·1 MACs; 9·4.6 pJ, 7 bias and ReLU additions at 0.9 pJ, 13 weights read at 5 pJ.)
    A layer of learnable activations (:mod:`neuronkit.adaptive_activations`) also gets, in its row's
    ``activation_drift`` and in a note, what each neuron's activation has become:

    >>> net = nk.mlp([2, 2, 1], activation="dynamic", seed=0)
    >>> net["hidden1"].activation.logits.data[0] = [0.0, 2.0, 0.0, -9.0]
    >>> for part in net.summary().notes()[0].split("; ["):
    ...     print(part)
    hidden1's learnt activations: [0] dynamic: 79% tanh, 11% relu, 11% sigmoid
    1] dynamic: 25% relu, 25% tanh, 25% sigmoid, 25% identity
    """

    def __init__(self, rows: list[dict[str, Any]], *, dtype: Any = None) -> None:
        self.rows = rows
        self.total_parameters = sum(r["parameters"] for r in rows)
        #: the parameters' dtype the memory is counted at (None: not known)
        self.dtype = None if dtype is None else np.dtype(dtype)

    @property
    def memory_bytes(self) -> int:
        """All parameters' memory in bytes."""
        return sum(r.get("memory_bytes", 0) for r in self.rows)

    def _total(self, key: str) -> Any:
        """The sum of ``key`` over the rows, or None when a row lacks it (a shape or a counting rule unknown)."""
        return sum(r[key] for r in self.rows) if self.rows and all(key in r for r in self.rows) else None

    @property
    def macs(self) -> int | None:
        """The multiply-adds of one prediction; None when they are not known.

        >>> import neuronkit as nk
        >>> nk.mlp([4, 8, 3], seed=0).summary().macs      # 4·8 + 8·3
        56
        """
        total = self._total("macs")
        return None if total is None else int(total)

    @property
    def synops(self) -> float:
        """A spiking network's synaptic operations per prediction (an upper bound); 0 without spiking layers."""
        return float(sum(r.get("synops", 0.0) for r in self.rows))

    @property
    def energy_pj(self) -> float | None:
        """The energy of one prediction in pJ, weights in SRAM (an order of magnitude); None when not known."""
        total = self._total("energy_pj")
        return None if total is None else float(total)

    def _columns(self) -> list[tuple[str, Any]]:
        """(header, cell of a row) for each column: output shapes, the dense comparison and MACs only when known."""
        columns: list[tuple[str, Any]] = [("layer", lambda r: r["layer"]), ("kind", lambda r: r["kind"]),
                                          ("neurons", lambda r: str(r["neurons"])),
                                          ("activation", lambda r: r["activation"])]
        if any("output_shape" in r for r in self.rows):
            columns.append(("output shape", lambda r: _shape_text(r.get("output_shape"))))
        columns.append(("parameters", lambda r: f"{r['parameters']:,}"))
        if any("dense_equivalent" in r for r in self.rows):
            columns.append(("dense equivalent", lambda r: f"{r['dense_equivalent']:,}"
                            if "dense_equivalent" in r else ""))
        if any("memory_bytes" in r for r in self.rows):
            columns.append(("memory", lambda r: bytes_text(r["memory_bytes"]) if "memory_bytes" in r else ""))
        if any("macs" in r for r in self.rows):
            columns.append(("MACs", _macs_text))
        return columns

    def totals(self) -> list[str]:
        """The total lines: parameters and their memory; MACs and energy per prediction when known.

        >>> import neuronkit as nk
        >>> nk.mlp([4, 8, 3], seed=0).summary().totals()[0]      # 67 float32 parameters, 4 bytes each
        'total parameters: 67 (268 bytes as float32)'
        """
        memory = f" ({bytes_text(self.memory_bytes)} as {self.dtype})" if self.dtype is not None else ""
        lines = [f"total parameters: {self.total_parameters:,}{memory}"]
        macs, energy = self.macs, self.energy_pj
        if macs is not None and energy is not None:
            synops = f" and ≤{self.synops:,.0f} SynOps" if self.synops else ""
            lines.append(f"per prediction: {macs:,} MACs{synops}, ~{energy_text(energy)} with the weights in SRAM "
                         "(45 nm estimate, Horowitz 2014)")
        return lines

    def notes(self) -> list[str]:
        """The lines under the table: what each convolution's sharing saves (or how to see it), what is not counted.

        >>> import neuronkit as nk
        >>> net = nk.Sequential(nk.Conv2d(1, 4, 3, seed=0), nk.Flatten())
        >>> net.summary(input_shape=(1, 5, 5)).notes()
        ["parameter sharing: conv1's 40 parameters stand for the 936 of a Dense layer with the same inputs and \
outputs (23x fewer)"]
        """
        notes = []
        for r in self.rows:
            if "dense_equivalent" in r and r["parameters"]:
                notes.append(f"parameter sharing: {r['layer']}'s {r['parameters']:,} parameters stand for the "
                             f"{r['dense_equivalent']:,} of a Dense layer with the same inputs and outputs "
                             f"({r['dense_equivalent'] / r['parameters']:,.0f}x fewer)")
        for r in self.rows:
            drift = r.get("activation_drift")
            if drift:
                shown = "; ".join(f"[{i}] {text}" for i, text in enumerate(drift[:MAX_DRIFT_SHOWN]))
                more = f"; … {len(drift) - MAX_DRIFT_SHOWN} more" if len(drift) > MAX_DRIFT_SHOWN else ""
                notes.append(f"{r['layer']}'s learnt activations: {shown}{more}")
        if self.synops:
            notes.append("SynOps: synaptic operations (one addition each) if every input spiked at every step, an "
                         "upper bound; nk.inspect.cost(net, X=X) counts them from the spikes")
        counted = any("macs" in r for r in self.rows)
        uncounted = [r for r in self.rows if "macs" not in r]
        if counted and uncounted:
            kinds = ", ".join(f"{r['layer']} ({r['kind']})" for r in uncounted)
            notes.append(f"per prediction: not counted, no counting rule for {kinds}; teach one with "
                         "nk.inspect.register_cost(kind, fn)")
        if any(r.get("convolution") and "dense_equivalent" not in r for r in self.rows):
            notes.append("convolution layers: summary(input_shape=(C, H, W)) compares each with a Dense layer of "
                         "the same inputs and outputs, and counts the multiply-adds per prediction")
        elif not counted:
            notes.append("per prediction: give summary(input_shape=...) one sample's shape to count the multiply-adds "
                         "and the energy")
        return notes

    def _table(self) -> tuple[list[str], list[list[str]], list[str], list[int]]:
        """The header, a row of cells per layer, the total row and the numeric columns' indices."""
        columns = self._columns()
        names = [name for name, _ in columns]
        body = [[cell(r) for _, cell in columns] for r in self.rows]
        total = ["total"] + [""] * (len(columns) - 1)
        total[names.index("parameters")] = f"{self.total_parameters:,}"
        if "memory" in names:
            total[names.index("memory")] = bytes_text(self.memory_bytes)
        if "MACs" in names and self.macs is not None:
            total[names.index("MACs")] = _macs_text({"macs": self.macs, "synops": self.synops})
        numeric = [i for i, name in enumerate(names) if name == "neurons" or name in _RIGHT_ALIGNED]
        return names, body, total, numeric

    def __str__(self) -> str:
        names, body, _, _ = self._table()
        table = [names] + body
        widths = [max(len(row[i]) for row in table) for i in range(len(names))]
        right = [i for i, name in enumerate(names) if name in _RIGHT_ALIGNED]
        lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                           for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in table]
        lines.insert(1, "-" * max(len(line) for line in lines))
        return "\n".join(lines + self.totals() + self.notes())

    __repr__ = __str__

    def _repr_html_(self, title: str = "network") -> str:
        """The table as HTML, for Jupyter: a total row, then the cost per prediction and the notes.

        >>> "<table" in mlp([2, 3, 1], seed=0).summary()._repr_html_()
        True
        """
        names, body, total, numeric = self._table()
        return _html.summary_html(names, body, total, numeric=numeric, notes=self.totals()[1:] + self.notes(),
                                  title=title)


#: the summary's columns of numbers right-aligned in the text (the HTML aligns the neurons too)
_RIGHT_ALIGNED = ("parameters", "dense equivalent", "memory", "MACs")


def _macs_text(row: dict[str, Any]) -> str:
    """A row's multiply-adds: ``1,234``; a spiking layer's synaptic operations ``≤1,234 SynOps``; blank if unknown."""
    if "macs" not in row:
        return ""
    synops = row.get("synops", 0.0)
    if not synops:
        return f"{row['macs']:,}"
    return (f"{row['macs']:,} + " if row["macs"] else "") + f"≤{synops:,.0f} SynOps"


def _cost_of(parameters: int, count: Count | None, dtype: np.dtype) -> dict[str, Any]:
    """A summary row's cost: the parameters' memory; with a count, the MACs (SynOps) and the energy (SRAM reads)."""
    cost: dict[str, Any] = {"memory_bytes": parameters * dtype.itemsize}
    if count is not None:
        cost["macs"] = int(count.macs)
        if count.synops:
            cost["synops"] = float(count.synops)
        words = (count.read or 0) * words_per_parameter(dtype)
        cost["energy_pj"] = float(compute_pj(count.macs, count.ops, count.synops) + read_pj(words))
    return cost


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "" if shape is None else " × ".join(map(str, shape))


#: the neurons whose learnt activation a summary's notes name, per layer (the row keeps them all)
MAX_DRIFT_SHOWN = 8


def _activation_drift(activation: Any, neurons: Any) -> list[str] | None:
    """What each neuron's learnable activation has become (``Activation.describe_neuron``), or None."""
    if not isinstance(activation, Activation) or not isinstance(neurons, int) or not activation.named_parameters():
        return None
    drift = [activation.describe_neuron(i) for i in range(neurons)]
    return None if any(text is None for text in drift) else [str(text) for text in drift]


@register_layer
class Sequential(Module):
    """Layers applied in order; each gets a stable name.

    Names: a layer's own ``name=`` if given; otherwise Dense layers are
    ``hidden1``, ``hidden2``, … and the last Dense is ``output``; other layers
    are named by their type's ``name_prefix``: ``dropout1``, ``batchnorm1``,
    ``conv1``, … Layers may also be given as ``(name, layer)`` pairs, or as one
    list. ``net["hidden1"]`` and ``net[0]`` both work.

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 3, seed=0), nk.Dense(3, 1, activation="sigmoid", seed=1))
    >>> [layer.name for layer in net]
    ['hidden1', 'output']
    >>> net["output"] is net[1]
    True
    >>> net([[0.5, -0.5]]).shape
    (1, 1)
    """

    def __init__(self, *layers: Module | tuple[str, Module]) -> None:
        first = layers[0] if len(layers) == 1 else None
        if isinstance(first, (list, tuple)) and not (first and isinstance(first[0], str)):
            layers = tuple(first)  # one list (or tuple) of layers
        if not layers:
            raise ParameterError("Sequential needs at least one layer, e.g. Sequential(Dense(4, 3), Dense(3, 1))")
        items: list[tuple[str | None, Module]] = []
        for i, item in enumerate(layers):
            name, layer = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
            if not isinstance(layer, Module):
                raise ParameterTypeError(f"Sequential: item {i} is {type(layer).__name__}, not a layer "
                                         "(Dense, Dropout, …) or a (name, layer) pair")
            if name is not None and not isinstance(name, str):
                raise ParameterTypeError(must_be(f"item {i}'s name", "a string", name, "Sequential"))
            items.append((name or layer.name, layer))
        names = _layer_names([(name, type(layer)) for name, layer in items])
        self.layers: dict[str, Module] = {}
        for name, (_, layer) in zip(names, items):
            layer.name = name
            self.layers[name] = layer
        self._check_chain()

    def _check_chain(self) -> None:
        width = None
        prev = None
        for name, layer in self.layers.items():
            fin = _width_in(layer)
            if width is not None and fin is not None and fin != width:
                raise ShapeError(f"layer {name!r} takes {fin} inputs but the layer before it ({prev!r}) "
                                 f"has {width} neurons; make them equal")
            width = getattr(layer, "out_features", width)
            prev = name

    # ---- access
    def __getitem__(self, key: str | int) -> Module:
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            n = len(self.layers)
            if not -n <= key < n:
                raise IndexRangeError(f"this network has {n} layers (0..{n - 1}); got index {key}")
            return list(self.layers.values())[key]
        if not isinstance(key, str):
            raise ParameterTypeError(must_be("a layer key", "a layer name or a position (int)", key, "Sequential:"))
        if key not in self.layers:
            close = difflib.get_close_matches(key, list(self.layers), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise NameNotFoundError(f"no layer named {key!r}; layers are: {', '.join(self.layers)}{hint}")
        return self.layers[key]

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers.values())

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def in_features(self) -> int | None:
        """The number of input features per sample, for a network that takes vectors; None otherwise.

        The width of its first layer that fixes one (Dense, BatchNorm, LayerNorm), passing over
        the layers that take any width (Dropout, Activation). A network that starts with a
        convolution, a pooling layer, Flatten or an Embedding takes images or token ids, not a
        vector of features: None (its ``output_shape`` tells what it takes).

        >>> import neuronkit as nk
        >>> nk.mlp([4, 8, 3], dropout=0.1, seed=0).in_features
        4
        >>> print(nk.build("conv(4,3,relu),flatten,dense(out)", input_shape=(1, 8, 8), outputs=3, seed=0).in_features)
        None
        """
        for layer in self.layers.values():
            if type(layer).__name__ in _ANY_WIDTH:
                continue
            vector = isinstance(layer, _VECTOR_LAYERS) or getattr(layer, "takes_vectors", False)
            return _width_in(layer) if vector else None
        return None

    @property
    def out_features(self) -> int | None:
        out = None
        for layer in self.layers.values():
            out = getattr(layer, "out_features", out)
        return out

    @property
    def output_activation(self) -> Activation | None:
        last = list(self.layers.values())[-1]
        return getattr(last, "activation", None)

    def _members(self) -> Iterable[tuple[str, Any]]:
        return self.layers.items()

    # ---- compute
    def __call__(self, x: Any, *, mask: Any = None) -> Tensor:
        return self.forward(x, mask=mask)

    def forward(self, x: Any, *, mask: Any = None) -> Tensor:
        """The outputs for ``x``; ``mask`` (N, L) bool, True at real tokens, goes to the layers that take one.

        Without ``mask``, a network whose first layer is an Embedding with a ``padding_idx``
        masks the positions holding that id (``ids != padding_idx``).
        """
        if not is_grad_enabled():  # nothing to record: the layers' array path, same values (batch 1: 29 → 24 µs)
            return Tensor(self.infer(x, mask=mask))
        if self._one_sample(x):  # one image, sequence or text: run as a batch of one, give one output back
            out = self.forward(_batch_of_one(x), mask=None if mask is None else _batch_of_one(mask))
            return out.reshape(out.shape[1:])
        mask = self._padding_mask(x, mask)
        return _run(list(self.layers.values()), x, mask)

    def _one_sample(self, x: Any) -> bool:
        """Is ``x`` one sample of a network whose first layer takes images, sequences or token ids?"""
        first = next(iter(self.layers.values()), None)
        rank = getattr(first, "sample_ndim", None)
        return rank is not None and (x.ndim if isinstance(x, (Tensor, np.ndarray)) else np.ndim(x)) == rank

    def infer(self, x: Any, *, mask: Any = None) -> np.ndarray:
        if self._one_sample(x):
            return self.infer(_batch_of_one(x), mask=None if mask is None else _batch_of_one(mask))[0]
        with no_grad():
            mask = self._padding_mask(x, mask)
            layers = list(self.layers.values())
            i, n = 0, len(layers)
            while i < n:
                layer = layers[i]
                if i + 1 < n and _relu_then_max_pool(layer, layers[i + 1]):  # as in _run: pool, then ReLU
                    x = layers[i + 1].infer(layer._potential_array(x))  # type: ignore[attr-defined]
                    x = np.maximum(x, 0)
                    i += 2
                    continue
                if mask is not None and getattr(layer, "takes_mask", False):
                    x = layer.infer(x, mask=mask)  # type: ignore[call-arg]
                else:
                    x = layer.infer(x)
                i += 1
        return x

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape: each layer's ``output_shape`` in turn.

        The first layer that does not fit raises a ShapeError naming it and the shape it gets.

        >>> import neuronkit as nk
        >>> net = nk.mlp([4, 8, 3], seed=0)
        >>> net.output_shape((4,))
        (3,)
        >>> try:
        ...     net.output_shape((5,))
        ... except ValueError as error:
        ...     print(str(error)[:62])
        layer 'hidden1' takes 4 inputs; the layer before it gives (5,)
        """
        shape = check_in_shape(in_shape, "Sequential.output_shape")
        for layer in self.layers.values():
            shape = layer.output_shape(shape)
        return shape

    def logits(self, x: Any, *, mask: Any = None) -> Tensor:
        """The output before the last layer's activation (what fused losses take)."""
        if self._one_sample(x):
            out = self.logits(_batch_of_one(x), mask=None if mask is None else _batch_of_one(mask))
            return out.reshape(out.shape[1:])
        mask = self._padding_mask(x, mask)
        layers = list(self.layers.values())
        x = _run(layers[:-1], x, mask)
        last = layers[-1]
        potential = getattr(last, "potential", None)
        if potential is not None:
            return potential(x)
        activation = getattr(last, "activation", None)
        if activation is not None and getattr(activation, "name", "identity") != "identity":
            raise ParameterError(f"layer {last.name!r} ({type(last).__name__}) applies {activation.name} but "
                                 "cannot give its input before it (no potential); end the network in a Dense, "
                                 "convolution or Activation layer")
        return last(x)

    def _padding_mask(self, x: Any, mask: Any) -> Any:
        """The mask to pass on: ``mask`` as given, else ``ids != padding_idx`` after an Embedding with one."""
        if mask is not None:
            if not any(getattr(layer, "takes_mask", False) for layer in self.layers.values()):
                raise ParameterError("mask= was given, but no layer of this network takes a padding mask (those "
                                     "that do: SequenceMeanPool, SequenceMaxPool, MultiHeadSelfAttention, "
                                     "TransformerEncoderBlock); leave it out")
            return mask
        first = next(iter(self.layers.values()))
        padding = getattr(first, "padding_idx", None)
        if padding is None or getattr(first, "input_kind", "float") != "ids":
            return None
        if not any(getattr(layer, "takes_mask", False) for layer in self.layers.values()):
            return None
        ids = np.asarray(x.data if isinstance(x, Tensor) else x)
        return ids != padding

    # ---- description
    def summary(self, input_shape: Any = None) -> Summary:
        """The layers as a table: name, kind, neurons, activation, parameters, memory, MACs (see :class:`Summary`).

        The multiply-adds and the energy per prediction need one sample's shape: a network of
        feature vectors knows it; for images and token ids give ``input_shape`` (one sample's, e.g.
        ``(1, 28, 28)``). With it, each row also shows the layer's output shape, and each
        convolution the parameters a Dense layer with the same inputs and outputs would need: what
        sharing one filter over all positions saves.

        >>> import neuronkit as nk
        >>> net = nk.Sequential(nk.Conv2d(1, 8, 3, seed=0), nk.MaxPool2d(2), nk.Flatten(), nk.Dense(1352, 10, seed=1))
        >>> [(r["layer"], r["output_shape"], r.get("dense_equivalent")) for r in net.summary((1, 28, 28)).rows]
        [('input', (1, 28, 28), None), ('conv1', (8, 26, 26), 4245280), ('pool1', (8, 13, 13), None), \
('flatten1', (1352,), None), ('output', (10,), None)]
        """
        rows: list[dict[str, Any]] = []
        shape = counted = None  # the shape shown after each layer; the one the counting starts from
        width = self.in_features
        if input_shape is not None:
            shape = counted = check_in_shape(input_shape, "summary")
            rows.append({"layer": "input", "kind": "Input", "neurons": math.prod(shape),
                         "activation": "(pass-through)", "parameters": 0, "output_shape": shape})
        elif width is not None and not any(is_convolution(layer) for layer in self.layers.values()):
            counted = (width,)
            rows.append({"layer": "input", "kind": "Input", "neurons": width, "activation": "(pass-through)",
                         "parameters": 0})
        counts = {} if counted is None else network_counts(self, counted, strict=False)
        dtype = parameter_dtype(self)
        if rows:  # the input neurons hold nothing and compute nothing
            rows[0].update(_cost_of(0, Count() if counts else None, dtype))
        steps = None  # after an encoder, the time steps T: spiking layers give (T, ...) per sample
        for name, layer in self.layers.items():
            in_shape = shape
            if shape is not None:
                shape = layer.output_shape(shape)
            neurons = getattr(layer, "out_features", getattr(layer, "out_channels", getattr(layer, "num_features", "")))
            act = getattr(layer, "activation", None)
            model = getattr(layer, "neuron", None)  # a spiking layer's neuron model, shown where an activation is
            inner = vars(layer).get("layer")  # Temporal(MaxPool2d): a layer applied at each time step
            kind = type(layer).__name__ + (f"({type(inner).__name__})" if isinstance(inner, Module) else "")
            params = layer.num_parameters()
            row = {"layer": name, "kind": kind, "neurons": neurons,
                   "activation": act.name if act is not None else type(model).__name__ if isinstance(model, Module)
                   else "-", "parameters": params, **_cost_of(params, counts.get(name), dtype)}
            drift = _activation_drift(act, neurons)
            if drift is not None:
                row["activation_drift"] = drift
            encoder_steps = getattr(layer, "steps", None)
            if layer.name_prefix == "encoder" and isinstance(encoder_steps, int):
                steps = encoder_steps
            if shape is not None:
                row["output_shape"] = shape if steps is None else (steps, *shape)
            if is_convolution(layer):
                row["convolution"] = True
                if in_shape is not None:
                    row["dense_equivalent"] = dense_equivalent_parameters(layer, in_shape)
            rows.append(row)
        return Summary(rows, dtype=dtype)

    def config(self) -> dict[str, Any]:
        return {"type": "Sequential", "layers": [layer.config() for layer in self.layers.values()]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        return cls(*[layer_from_config(c) for c in _layer_configs(config)])

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """Each layer's arrays under its name in the network (``hidden1.weight``, …)."""
        arrays: dict[str, ArraySpec] = {}
        for name, layer_config in _named_configs(config):
            arrays.update({f"{name}.{key}": spec for key, spec in layer_expected_arrays(layer_config).items()})
        return arrays

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Any) -> Sequential:
        """The network around stored arrays: each layer gets the arrays under its name, none is initialised."""
        layers: list[Module] = []
        claimed: set[str] = set()
        for name, layer_config in _named_configs(config):
            own = {key[len(name) + 1:]: value for key, value in arrays.items() if key.startswith(name + ".")}
            claimed.update(name + "." + key for key in own)
            layers.append(layer_from_config(layer_config, own))
        unexpected = sorted(set(arrays) - claimed)
        if unexpected:
            raise ParameterError(f"state does not match the network: unexpected {unexpected}")
        return cls(*layers)

    def __repr__(self) -> str:
        inner = ",\n  ".join(f"{name}: {layer!r}" for name, layer in self.layers.items())
        return f"Sequential(\n  {inner}\n)"

    def _repr_html_(self) -> str:
        """The summary table as HTML (what Jupyter shows for a network).

        >>> "<td>hidden1</td>" in mlp([2, 3, 1], seed=0)._repr_html_()
        True
        """
        return self.summary()._repr_html_(f"Sequential: {len(self)} layers")


def _count(net: Sequential, shape: tuple[int, ...], steps: int) -> Count:
    """A network used as a layer (an MoE expert): its layers' counts and reads, summed."""
    counts = network_counts(net, shape, steps=steps).values()
    return Count(macs=sum(c.macs for c in counts), ops=sum(c.ops for c in counts),
                 read=sum(c.read or 0 for c in counts), synops=sum(c.synops for c in counts))


register_cost(Sequential, _count)


def _layer_configs(config: dict[str, Any]) -> list[Any]:
    layers = config.get("layers")
    if not isinstance(layers, list) or set(config) != {"layers"}:
        raise ParameterError("a Sequential config must be {'type': 'Sequential', 'layers': [layer configs]}; "
                             f"got keys {sorted(map(str, config))}")
    if not layers:
        raise ParameterError("a Sequential config needs at least one layer; got 'layers': []")
    return layers


def _named_configs(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """Each layer config of a Sequential config with the name the network gives that layer."""
    configs = _layer_configs(config)
    items = []
    for i, layer_config in enumerate(configs):
        if not isinstance(layer_config, dict) or not isinstance(layer_config.get("type"), str):
            raise ParameterError(must_be(f"layer {i} of a Sequential config", "a dict with a 'type' naming the "
                                         "layer class", layer_config))
        items.append((check_name(layer_config.get("name"), layer_config["type"]), LAYERS.get(layer_config["type"])))
    return list(zip(_layer_names(items), configs))


def _layer_names(items: list[tuple[str | None, type[Module]]]) -> list[str]:
    """The names a Sequential gives its layers: its own if it has one, else ``hidden1``…``output`` for Dense
    layers (the last is ``output``) and, for the others, the type's ``name_prefix`` and a counter per prefix:
    ``dropout1``, ``batchnorm1``, ``conv1``, ``pool1``, … (BatchNorm and BatchNorm2d share ``batchnorm``).

    Model files store these names: a prefix, once released, stays as it is."""
    dense_positions = [i for i, (_, kind) in enumerate(items) if issubclass(kind, Dense)]
    counters: dict[str, int] = {}
    names: list[str] = []
    for i, (name, kind) in enumerate(items):
        if name is None:
            if issubclass(kind, Dense):
                if i == dense_positions[-1]:
                    name = "output"
                else:
                    counters["hidden"] = counters.get("hidden", 0) + 1
                    name = f"hidden{counters['hidden']}"
            else:
                key = kind.name_prefix
                counters[key] = counters.get(key, 0) + 1
                name = f"{key}{counters[key]}"
        if name in names:
            raise ParameterError(f"Sequential: two layers are named {name!r}; names must be unique")
        names.append(name)
    return names


def _batch_of_one(x: Any) -> Any:
    """One sample as a batch of one: a leading axis of length 1 (a Tensor stays in the graph)."""
    return x.reshape((1, *x.shape)) if isinstance(x, Tensor) else np.asarray(x)[None]


#: layers that take vectors of any width and keep it: ``in_features`` looks past them
def _run(layers: list[Module], x: Any, mask: Any) -> Any:
    """The layers applied in turn, with the ReLU of a convolution followed by max-pooling moved after the pooling.

    Max-pooling a ReLU's output equals the ReLU of the max-pooled potential (ReLU does not decrease,
    so it keeps each window's maximum), and so do the gradients: the window's winner gets the
    gradient, times ReLU's derivative there. Moved after the pooling, the ReLU and its gradient
    touch a quarter of the values (2x2 pooling), and the convolution's output is not transposed for
    it (bench/bench_cnn.py: about 7% of a training epoch). Tested against the layers run one by one.
    """
    i, n = 0, len(layers)
    while i < n:
        layer = layers[i]
        if i + 1 < n and _relu_then_max_pool(layer, layers[i + 1]):
            x = ops.relu(layers[i + 1](layer.potential(x)))  # type: ignore[attr-defined]
            i += 2
            continue
        x = layer(x, mask=mask) if mask is not None and getattr(layer, "takes_mask", False) else layer(x)  # type: ignore[call-arg]
        i += 1
    return x


def _relu_then_max_pool(layer: Module, following: Module) -> bool:
    return (type(following) in (MaxPool2d, MaxPool1d) and type(layer) in (Conv2d, Conv1d)
            and layer.activation.name == "relu")  # type: ignore[attr-defined]


_ANY_WIDTH = ("Dropout", "Activation")
#: layers whose width is the network's number of input features when they come first (a layer defined
#: elsewhere says so with a class attribute ``takes_vectors = True``, e.g. MoE)
_VECTOR_LAYERS = (Dense, BatchNorm, LayerNorm)


def _width_in(layer: Module) -> int | None:
    """The number of inputs a layer takes, if it fixes one."""
    width = vars(layer).get("in_features", vars(layer).get("num_features"))
    return width if isinstance(width, int) else None


def mlp(sizes: list[int], *, activation: Any = "relu", output: Any = "identity", dropout: float = 0.0,
        batch_norm: bool = False, init: Any = None, seed: int | None = None,
        rng: np.random.Generator | None = None, dtype: Any = np.float32) -> Sequential:
    """A multi-layer perceptron from layer widths, e.g. ``mlp([64, 32, 10], output="softmax", seed=0)``.

    One generator (from ``seed`` or ``rng``) initialises every layer, so the same seed gives the same network.

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.mlp([4, 8, 3], output="softmax", seed=0)
    >>> [(layer.name, layer.in_features, layer.out_features) for layer in net]
    [('hidden1', 4, 8), ('output', 8, 3)]
    >>> float(net([[0.1, 0.2, 0.3, 0.4]]).data.sum().round(6))
    1.0
    """
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
        error = ParameterError if isinstance(sizes, (list, tuple)) else ParameterTypeError
        raise error(must_be("sizes", "a list of layer widths, input and output included (e.g. [4, 8, 3])", sizes,
                            "mlp"))
    sizes = [check_int(size, f"sizes[{i}]", low=1, owner="mlp") for i, size in enumerate(sizes)]
    dropout = check_number(dropout, "dropout", low=0.0, high=1.0, high_open=True, owner="mlp")
    batch_norm = check_bool(batch_norm, "batch_norm", owner="mlp")
    generator = make_rng(seed, rng)
    layers: list[Module] = []
    for i, (fin, fout) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(Dense(fin, fout, activation=output if last else activation, init=init, rng=generator,
                            dtype=dtype))
        if not last:
            if batch_norm:
                layers.append(BatchNorm(fout, dtype=dtype))
            if dropout:
                layers.append(Dropout(dropout, rng=generator))
    return Sequential(*layers)
