r"""The neurons of a convolution layer: one filter, the same weights at every position (parameter sharing).

A Dense neuron owns one weight per input. A convolutional neuron owns one small kernel
(``in_channels/groups × kh × kw`` weights and a bias) and applies it at every position of the
image: its output over all positions is its *feature map*. At output position (i, j) it sees
only its *receptive field*, the window of the input under the kernel there:

.. math::

    y_{k,i,j} = f\Big(b_k + \sum_{c,p,q} W_{k,c,p,q}\;
                x_{c,\; i s_h + p d_h - \text{pad}_t,\; j s_w + q d_w - \text{pad}_l}\Big)

(x is 0 outside the image, in the padding). ``conv.neurons[k]`` is a view onto filter k of the
layer's weight (out, in/groups, kh, kw): ``.kernel`` (editing it edits the layer), ``.bias``,
``.activation``; ``explain(x, at=(i, j))`` writes out that sum at one position, ``feature_map(x)``
computes the whole map, and ``parameter_count`` against ``dense_equivalent_parameters(input_shape)``
shows what sharing saves: a Dense layer with the same inputs and outputs needs one weight per
(input, output) pair.

>>> import numpy as np
>>> import neuronkit as nk
>>> conv = nk.Conv2d(1, 4, 3, seed=0, name="conv1")
>>> neuron = conv.neurons[2]
>>> neuron.kernel.shape, neuron.parameter_count
((1, 3, 3), 10)
>>> neuron.dense_equivalent_parameters((1, 28, 28))     # 26·26 outputs, each wired to 784 inputs + a bias
530660
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .. import _html
from ..engine import no_grad
from ..engine.conv import conv_padding
from ..errors import IndexRangeError, ParameterTypeError, ShapeError
from ..neuron import Explanation, explain_neuron
from ..validation import check_array, must_be
from .base import Module, _UnitList, _UnitView

__all__ = ["ConvExplanation", "ConvNeuronList", "ConvNeuronView", "dense_equivalent_parameters", "is_convolution"]

_AXES = {1: ("position",), 2: ("row", "column")}


def is_convolution(layer: Any) -> bool:
    """True for a convolution layer (Conv1d, Conv2d): a Module whose weight is (out, in/groups, kh, kw) or 3-d.

    >>> import neuronkit as nk
    >>> is_convolution(nk.Conv2d(1, 2, 3, seed=0)), is_convolution(nk.Dense(2, 3, seed=0))
    (True, False)
    """
    weight = getattr(layer, "weight", None)
    return (isinstance(layer, Module) and hasattr(layer, "kernel_size") and hasattr(layer, "out_channels")
            and weight is not None and weight.ndim == len(layer.kernel_size) + 2)


def dense_equivalent_parameters(layer: Module, input_shape: Any) -> int:
    """Parameters of a Dense layer with the same inputs and outputs as convolution ``layer`` on ``input_shape``.

    Every output value (out_channels × output positions) would be a Dense neuron wired to every
    input value (C × H × W), with a bias if the layer has biases. ``input_shape`` is one sample's,
    (C, H, W) (Conv1d: (C, L)).

    Examples
    --------
    >>> import neuronkit as nk
    >>> conv = nk.Conv2d(1, 16, 3, seed=0)              # 160 parameters
    >>> dense_equivalent_parameters(conv, (1, 28, 28))  # 16·26·26 outputs × (784 inputs + 1)
    8490560
    """
    shape = tuple(input_shape)
    outputs = math.prod(layer.output_shape(shape))
    has_bias = getattr(layer, "bias", None) is not None
    return outputs * (math.prod(shape) + int(has_bias))


@dataclass(frozen=True, eq=False)
class ConvExplanation(Explanation):
    """A convolutional neuron's arithmetic at one output position: an :class:`~neuronkit.Explanation` of its
    receptive field (the inputs are the patch under the kernel, flattened channel by channel, row by row).

    Extra fields: ``position`` (the output position), ``patch`` (in/groups, kh, kw) (zeros where the
    kernel lies on padding), ``kernel`` (the filter), ``product_map`` (kernel × patch, the same shape),
    ``input_positions`` (for each kernel axis, the input coordinate each tap reads; outside
    0..size-1 is padding), ``input_sizes`` (the input's sizes) and ``channels`` (the input channels it sees).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> conv = nk.Conv2d(1, 1, 2, seed=0, name="c")
    >>> conv.weight.data[:] = [[[[1.0, 2.0], [3.0, 4.0]]]]
    >>> e = conv.neurons[0].explain(np.arange(9.0, dtype=np.float32).reshape(1, 3, 3), at=(1, 0))
    >>> e.patch[0], e.weighted_sum                   # rows 1-2, columns 0-1 of the image
    (array([[3., 4.],
           [6., 7.]], dtype=float32), 57.0)
    """

    position: tuple[int, ...] = ()
    input_sizes: tuple[int, ...] = ()
    channels: tuple[int, ...] = ()
    input_positions: tuple[tuple[int, ...], ...] = ()
    patch: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kernel: np.ndarray = field(default_factory=lambda: np.zeros(0))
    product_map: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def receptive_field(self) -> str:
        """Where the patch lies in the input, e.g. ``rows 2..4, columns 5..7 of channel 0``.

        >>> import numpy as np
        >>> import neuronkit as nk
        >>> conv = nk.Conv2d(1, 1, 3, padding=1, seed=0)
        >>> conv.neurons[0].explain(np.ones((1, 4, 4), dtype=np.float32), at=(0, 2)).receptive_field()
        'rows -1..1 (row -1 is padding), columns 1..3 of channel 0'
        """
        parts = []
        for name, coords, size in zip(_AXES[len(self.input_positions)], self.input_positions, self.input_sizes):
            step = coords[1] - coords[0] if len(coords) > 1 else 1
            span = f"{name}s {coords[0]}..{coords[-1]}" + (f" (every {step})" if step > 1 else "")
            outside = [c for c in coords if c < 0 or c >= size]
            if outside:
                span += f" ({name} {', '.join(map(str, outside))} {'is' if len(outside) == 1 else 'are'} padding)"
            parts.append(span)
        chans = self.channels
        which = f"channel {chans[0]}" if len(chans) == 1 else f"channels {chans[0]}..{chans[-1]}"
        return f"{', '.join(parts)} of {which}"

    def __str__(self) -> str:
        at = self.position[0] if len(self.position) == 1 else self.position
        return f"receptive field of output {at}: {self.receptive_field()}\n" + super().__str__()

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data, with the position, patch, kernel and products as nested lists."""
        return {**super().to_dict(), "position": list(self.position), "channels": list(self.channels),
                "input_positions": [list(c) for c in self.input_positions], "patch": self.patch.tolist(),
                "kernel": self.kernel.tolist(), "product_map": self.product_map.tolist()}


class ConvNeuronList(_UnitList):
    """The neurons (filters) of a convolution layer, indexable and iterable: ``conv.neurons[k]``.

    >>> import neuronkit as nk
    >>> conv = nk.Conv2d(3, 8, 3, seed=0, name="conv1")
    >>> len(conv.neurons), conv.neurons[7].label
    (8, 'conv1[7]')
    """

    _counted = "{n} filters (neurons 0..{last})"
    _noun = "convolutional neurons (filters)"

    def __len__(self) -> int:
        return int(self.layer.out_channels)


class ConvNeuronView(_UnitView):
    """One filter of a convolution layer, shared over every position: a view onto ``weight[index]``.

    ``kernel`` is a NumPy view (in/groups, kh, kw) (editing it edits the layer), ``weights`` the same
    values flattened, ``bias`` a float.

    Examples
    --------
    A hand-made vertical-edge detector on a 4x4 image whose right half is bright:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> conv = nk.Conv2d(1, 1, 3, activation="relu", seed=0, name="edges")
    >>> neuron = conv.neurons[0]
    >>> neuron.kernel[:] = [[-1.0, 0.0, 1.0]] * 3
    >>> neuron.bias = 0.5
    >>> image = np.array([[[0, 0, 1, 1]] * 4], dtype=np.float32)
    >>> neuron.feature_map(image)
    array([[3.5, 3.5],
           [3.5, 3.5]], dtype=float32)
    >>> print(neuron.explain(image, at=(0, 1)).annotated(top=3))
    receptive field of output (0, 1): rows 0..2, columns 1..3 of channel 0
    edges[0] at (0, 1) (relu) on input x (9 values; the 3 largest products |wi·xi| shown)
      1. products     w3·x3 = 1 × 1 = 1   (x3: x[0, 0, 3])
                      w6·x6 = 1 × 1 = 1   (x6: x[0, 1, 3])
                      w9·x9 = 1 × 1 = 1   (x9: x[0, 2, 3])
                      … 6 more, together 0
      2. sum          Σ wi·xi = 3
      3. add bias     z = 3 + 0.5 = 3.5   (the activation potential)
      4. activation   relu(z) = max(0, z) = max(0, 3.5) = 3.5
      5. output       3.5
    """

    default_name = "conv"
    units = "filters"

    # ---- what it holds
    @property
    def kernel(self) -> np.ndarray:
        """The filter's weights, shape (in_channels/groups, kh, kw): a view into the layer's weight."""
        return self.layer.weight.data[self.index]

    @property
    def weights(self) -> np.ndarray:
        """The kernel flattened (channel by channel, row by row): a view, in the order ``explain`` lists them."""
        return self.kernel.reshape(-1)

    @property
    def channels(self) -> range:
        """The input channels this filter sees: all of them, or its group's (``groups`` > 1)."""
        layer: Any = self.layer
        per_group_in = layer.in_channels // layer.groups
        group = self.index // (layer.out_channels // layer.groups)
        return range(group * per_group_in, (group + 1) * per_group_in)

    @property
    def parameter_count(self) -> int:
        """Its weights and bias: the same few numbers at every position of the image."""
        return int(self.kernel.size) + int(self.layer.bias is not None)

    def dense_equivalent_parameters(self, input_shape: Any) -> int:
        """What its feature map would cost from a Dense layer: one weight per (input value, output position)
        plus a bias per output position. ``input_shape`` is one sample's, (C, H, W).

        >>> import neuronkit as nk
        >>> nk.Conv2d(1, 8, 5, seed=0).neurons[0].dense_equivalent_parameters((1, 28, 28))   # 24·24·(784 + 1)
        452160
        """
        shape = tuple(input_shape)
        positions = math.prod(self.layer.output_shape(shape)[1:])
        return positions * (math.prod(shape) + int(self.layer.bias is not None))

    def unshared_parameters(self, input_shape: Any) -> int:
        """Its parameters if each output position had its own copy of the filter (a locally connected layer).

        >>> import neuronkit as nk
        >>> nk.Conv2d(1, 8, 5, seed=0).neurons[0].unshared_parameters((1, 28, 28))            # 24·24·26
        14976
        """
        positions = math.prod(self.layer.output_shape(tuple(input_shape))[1:])
        return positions * self.parameter_count

    # ---- what it computes
    def _sample(self, x: Any) -> np.ndarray:
        """``x`` as one sample (C, *sizes) of the layer's dtype (a batch of one is accepted)."""
        layer: Any = self.layer
        dims = len(layer.kernel_size)
        x = check_array(x, "input", ndim=None, dtype=layer.weight.dtype, finite=False, min_samples=0,
                        owner=f"neuron {self.label}")
        if x.ndim == dims + 2 and x.shape[0] == 1:
            x = x[0]
        if x.ndim != dims + 1:
            axes = "H, W" if dims == 2 else "L"
            raise ShapeError(f"neuron {self.label} explains one input (C={layer.in_channels}, {axes}); got shape "
                             f"{x.shape}" + (": pick one sample, e.g. x[0]" if x.ndim == dims + 2 else ""))
        layer.output_shape(x.shape)  # the layer's own message if the channels or sizes do not fit
        return x

    def _position(self, at: Any, out_sizes: tuple[int, ...]) -> tuple[int, ...]:
        dims = len(out_sizes)
        items = (at,) if dims == 1 and not isinstance(at, (tuple, list)) else tuple(at) if isinstance(
            at, (tuple, list)) else None
        where = "an output position " + ("i" if dims == 1 else "(i, j)")
        if items is None or len(items) != dims or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                                      for v in items):
            raise ParameterTypeError(must_be("at", f"{where} of integers", at, f"neuron {self.label}"))
        if any(not 0 <= v < n for v, n in zip(items, out_sizes)):
            ranges = ", ".join(f"0..{n - 1}" for n in out_sizes)
            raise IndexRangeError(f"neuron {self.label}: position at={at!r} is outside its output map of size "
                                  f"{'x'.join(map(str, out_sizes))} (valid: {ranges})")
        return tuple(int(v) for v in items)

    def explain(self, x: Any, at: Any = None) -> ConvExplanation:
        """The arithmetic at output position ``at`` ((i, j); Conv1d: i) on one input ``x`` (C, H, W).

        The inputs of the explanation are the receptive field (the patch under the kernel there,
        zeros on padding), flattened in the kernel's order; the sum plus the bias is the layer's
        potential at that position, and the output its value there (see :class:`ConvExplanation`).
        Without ``at``: the position where this filter's output on ``x`` is largest (the first one).
        """
        layer: Any = self.layer
        x = self._sample(x)
        out_sizes = tuple(layer.output_shape(x.shape)[1:])
        if at is None:
            feature_map = self.feature_map(x)
            at = np.unravel_index(int(np.argmax(feature_map)), feature_map.shape)
        at = self._position(at, out_sizes)
        pads = conv_padding(layer.padding, layer.kernel_size, layer.stride, layer.dilation)
        coords = [tuple(int(i * s - p[0] + q * d) for q in range(k))
                  for i, s, p, d, k in zip(at, layer.stride, pads, layer.dilation, layer.kernel_size)]
        channels = self.channels
        patch = np.zeros(self.kernel.shape, dtype=x.dtype)
        inside = [np.array([0 <= c < n for c in axis]) for axis, n in zip(coords, x.shape[1:])]
        taps = [np.flatnonzero(m) for m in inside]
        sources = [np.asarray(axis)[m] for axis, m in zip(coords, inside)]
        if all(t.size for t in taps):
            patch[np.ix_(np.arange(len(channels)), *taps)] = x[np.ix_(np.asarray(channels), *sources)]
        layer_z = None
        if self.activation.name == "softmax":  # over the layer's channels at this position
            with no_grad():
                layer_z = layer.potential(x).data[(slice(None), *at)]
        flat = explain_neuron(self.weights, self.bias, self.activation, patch.reshape(-1),
                              label=f"{self.label} at {at[0] if len(at) == 1 else at}", layer_z=layer_z,
                              index=self.index, width=len(ConvNeuronList(layer)))
        names = []
        for c in channels:
            for position in np.ndindex(*self.kernel.shape[1:]):
                where = [coords[a][q] for a, q in enumerate(position)]
                off = any(not 0 <= w < n for w, n in zip(where, x.shape[1:]))
                names.append(f"x[{c}, {', '.join(map(str, where))}]" + (" padding" if off else ""))
        explanation = ConvExplanation(
            **{f: getattr(flat, f) for f in Explanation.__dataclass_fields__}, position=at,
            input_sizes=tuple(x.shape[1:]), channels=tuple(channels), input_positions=tuple(coords), patch=patch,
            kernel=self.kernel.copy(), product_map=self.kernel * patch)
        return cast(ConvExplanation, explanation.annotated(names=names))

    def feature_map(self, x: Any) -> np.ndarray:
        """Its output at every position: (H_out, W_out) for one input (C, H, W), (N, H_out, W_out) for a batch.

        >>> import numpy as np
        >>> import neuronkit as nk
        >>> conv = nk.Conv2d(1, 2, 2, seed=0)
        >>> conv.neurons[1].feature_map(np.ones((5, 1, 4, 4), dtype=np.float32)).shape
        (5, 3, 3)
        """
        layer: Any = self.layer
        with no_grad():
            out = layer.infer(x)
        channel_axis = out.ndim - len(layer.kernel_size) - 1
        return np.take(out, self.index, axis=channel_axis)

    # ---- displays
    def __repr__(self) -> str:
        cls = type(self.activation).__name__
        if cls in ("Lambda", "Identity"):
            cls = "Linear" if cls == "Identity" else "Custom"
        return f"{cls}ConvNeuron(kernel={'x'.join(map(str, self.kernel.shape))})"

    def _repr_html_(self) -> str:
        """The kernel as small tables (one per input channel, cells tinted by sign and size), its bias and activation.

        >>> import neuronkit as nk
        >>> "<td>bias b</td>" in nk.Conv2d(1, 2, 3, seed=0).neurons[0]._repr_html_()
        True
        """
        kernel = self.kernel.reshape(self.kernel.shape[0], -1, self.kernel.shape[-1])  # 1-d: one row
        scale = float(np.max(np.abs(kernel))) or 1.0
        parts = []
        shown = list(self.channels)[:_html.MAX_ROWS]
        for c, k2 in zip(shown, kernel):
            rows = [[_tinted(v, scale) for v in row] for row in k2]
            parts.append(_html.table([f"channel {c}"] + [""] * (k2.shape[1] - 1), rows,
                                     numeric=range(k2.shape[1])))
        if len(self.channels) > len(shown):
            parts.append(_html.paragraph(f"… {len(self.channels) - len(shown)} more channels", "nk-note"))
        facts = [["bias b", _html.number(self.bias, 7)],
                 ["activation", f"{self.activation.name}: f(z) = {self.activation.formula}"],
                 ["parameters", f"{self.parameter_count:,} (shared by every position)"]]
        parts.append(_html.table(["", "value"], facts))
        head = f"{self.label}: a {'x'.join(map(str, self.kernel.shape))} filter slid over the input"
        return _html.block(head, *parts)


def _tinted(value: float, scale: float) -> _html.Raw:
    """A kernel value in a cell tinted blue (positive) or red (negative), stronger for larger |value|."""
    alpha = 0.6 * min(abs(float(value)) / scale, 1.0)
    colour = "33, 102, 172" if value >= 0 else "214, 47, 39"
    return _html.Raw(f'<span style="background: rgba({colour}, {alpha:.2f}); padding: 0 4px">'
                     f"{_html.esc(_html.number(value, 3))}</span>")


ConvNeuronList._view = ConvNeuronView
