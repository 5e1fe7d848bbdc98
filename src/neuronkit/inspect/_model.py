"""What inspection sees of a model: its network, how inputs reach it, and stable neuron names.

Every public function of :mod:`neuronkit.inspect` takes either a network
(:class:`~neuronkit.Sequential`) or a fitted estimator
(:class:`~neuronkit.NeuralClassifier` / :class:`~neuronkit.NeuralRegressor`).
For an estimator, inputs are given as in the data (unscaled): the stored scaler
is a per-feature affine map ``x_net = x · scale + shift``, and it is applied
inside the differentiable graph, so gradients and attributions are with respect
to the features the user passed in.

Layers do not record anything: :func:`forward` is an opt-in observer that runs
a network layer by layer and returns each layer's input, potential ``z`` and
output, optionally editing a layer's output on the way (ablation, clamping).
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Tensor, no_grad, ops
from ..engine import eval_mode as engine_eval_mode
from ..errors import (
    DataError,
    GraphError,
    NotFittedError,
    ParameterError,
    ParameterTypeError,
    ShapeError,
    UnknownNameError,
)
from ..layers import (
    AvgPool1d,
    AvgPool2d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool2d,
    MaxPool1d,
    MaxPool2d,
    Module,
    Sequential,
)
from ..layers.embedding import token_ids
from ..losses import Loss
from ..validation import check_array, check_class_indices, check_consistent_length

_NAME = re.compile(r"^\s*(?P<layer>[A-Za-z_][\w]*)(?:\.(?:neurons?|channels?|filters?))?"
                   r"\s*\[\s*(?P<index>-?\d+)\s*\]\s*$")
_COLON = re.compile(r"^\s*(?P<layer>[A-Za-z_][\w]*)\s*:\s*(?P<index>-?\d+)\s*$")


@dataclass
class LayerRecord:
    """One layer's step of a forward pass: its ``input``, potential ``z`` (Dense only) and ``output``."""

    name: str
    layer: Module
    input: Tensor
    z: Tensor | None
    output: Tensor

    @property
    def potentials(self) -> Tensor:
        """``z``, for the record of a Dense layer (the only kind of layer with potentials)."""
        if self.z is None:
            raise ParameterError(f"layer {self.name!r} is a {type(self.layer).__name__}, which has no potentials z; "
                                 "only Dense layers have them")
        return self.z


def grad_of(t: Tensor) -> np.ndarray:
    """``t.grad`` after a backward pass that must have reached ``t`` (an error, not None, if it did not)."""
    if t.grad is None:
        raise GraphError("the backward pass did not reach this tensor (is it frozen, or outside the graph?), "
                         "so it has no gradient")
    return t.grad


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds (for JSON); anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


@contextlib.contextmanager
def eval_mode(net: Module) -> Iterator[None]:
    """Run in eval mode (dropout off, running statistics) for this thread, without touching ``net``'s flags."""
    with engine_eval_mode():
        yield


@contextlib.contextmanager
def preserved_grads(net: Module) -> Iterator[None]:
    """Let backward passes run for inspection, then put every parameter's ``.grad`` back as it was."""
    saved = [(p, p.grad) for p in net.parameters()]
    try:
        for p, _ in saved:
            p.grad = None
        yield
    finally:
        for p, g in saved:
            p.grad = g


def forward(net: Sequential, x: Any, *, start: int = 0, stop: int | None = None,
            edits: Mapping[str, Callable[[Tensor], Tensor]] | None = None, mask: np.ndarray | None = None
            ) -> list[LayerRecord]:
    """Run ``net``'s layers ``start`` to ``stop`` (exclusive; default: all) on ``x``, recording each one.

    Dense and convolution layers record their potential ``z`` (a convolution's is
    (N, C, *sizes): one map per filter). ``mask`` (N, L), True at real tokens,
    goes to the layers that take one (as :meth:`~neuronkit.Sequential.forward` passes it).
    ``edits[name](output) -> Tensor`` replaces that layer's output before the
    next layer sees it (the record keeps the edited output). The network itself
    is not changed.
    """
    records: list[LayerRecord] = []
    h = x
    for name, layer in list(net.layers.items())[start:stop]:
        if isinstance(layer, Dense):
            z = layer.potential(h)
            out = layer.activation(z)
        elif isinstance(layer, CONV_TYPES):
            z = layer.potential(h)
            out = conv_activation(layer, z)
        elif mask is not None and getattr(layer, "takes_mask", False):
            z, out = None, layer(h, mask=mask)  # type: ignore[call-arg]
        else:
            z, out = None, layer(h)
        if edits and name in edits:
            out = edits[name](out)
        records.append(LayerRecord(name, layer, h, z, out))
        h = out
    return records


#: the convolution layer types: their neurons are filters, one output channel each
CONV_TYPES = (Conv1d, Conv2d)
#: the layer types whose neurons inspection addresses by name (``hidden1[3]``, ``conv1[5]``)
UNIT_TYPES = (Dense, Conv1d, Conv2d)
#: layers that keep each channel's values apart, so a filter's activation may come after them
#: (conv -> BatchNorm2d -> Activation("relu"))
CHANNELWISE_TYPES = (BatchNorm2d, Dropout)


def conv_activation(layer: Conv1d | Conv2d, z: Tensor) -> Tensor:
    """The layer's activation on a batch of its potentials z (N, C, *sizes), as its own forward applies it.

    The activation sees the channels on the last axis (prelu: one slope per filter).

    >>> import numpy as np, neuronkit as nk
    >>> conv = nk.Conv2d(1, 2, 1, activation="relu", seed=0)
    >>> z = conv.potential(np.ones((1, 1, 2, 2), np.float32))
    >>> bool(np.array_equal(conv_activation(conv, z).data, conv(np.ones((1, 1, 2, 2), np.float32)).data))
    True
    """
    if layer.activation.name == "identity":
        return z
    order = (0, *range(2, z.ndim), 1)
    back = tuple(int(i) for i in np.argsort(order))
    return ops.transpose(layer.activation(ops.transpose(z, order)), back)


def channels_last(values: np.ndarray) -> np.ndarray:
    """A layer's values as rows of units: (N, k) stays, (N, C, *sizes) -> (N·positions, C).

    >>> channels_last(np.arange(8).reshape(1, 2, 2, 2)).tolist()
    [[0, 4], [1, 5], [2, 6], [3, 7]]
    """
    if values.ndim == 2:
        return values
    return np.moveaxis(values, 1, -1).reshape(-1, values.shape[1])


def width(layer: Module) -> int:
    """How many neurons (Dense), filters (convolution) or embedding dimensions a layer has; 0 for other layers.

    >>> import neuronkit as nk
    >>> width(nk.Dense(3, 4, seed=0)), width(nk.Conv2d(1, 6, 3, seed=0)), width(nk.Flatten())
    (4, 6, 0)
    """
    return int(getattr(layer, "out_features", None) or getattr(layer, "out_channels", None)
               or getattr(layer, "embedding_dim", None) or 0)


def is_spiking_layer(layer: Any) -> bool:
    """A spiking layer (SpikingDense, SpikingConv2d): a weight layer (``synapse``) feeding a neuron population.

    >>> import neuronkit as nk
    >>> is_spiking_layer(nk.Dense(2, 3, seed=0))
    False
    """
    return isinstance(getattr(layer, "synapse", None), (Dense, Conv2d)) and hasattr(layer, "neuron")


def _holds_text(X: Any) -> bool:
    """True for a string or a sequence of strings (an estimator's texts), False for token ids."""
    if isinstance(X, str):
        return True
    arr = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
    return arr.dtype.kind in "UO" and arr.ndim == 1 and all(isinstance(v, str) for v in arr)


def _input_form(net: Sequential) -> tuple[str, int]:
    """(input kind, dimensions of one sample): ("float", 1) features, ("float", 3) images, ("ids", 1) token ids;
    ("float", 0) for a network that starts by flattening (any sample shape)."""
    layer: Any
    for layer in net.layers.values():
        if getattr(layer, "makes_time_axis", False):  # a spiking network's encoder: what follows says
            continue
        if is_spiking_layer(layer):
            return "float", int(layer._sample_ndim)
        if type(layer).__name__ == "Temporal":  # a layer applied at each time step of a spiking network
            layer = layer.layer
        if isinstance(layer, Embedding):
            return "ids", 1
        if isinstance(layer, Flatten):
            return "float", 0
        if isinstance(layer, CONV_TYPES):
            return "float", len(layer.kernel_size) + 1
        if isinstance(layer, (MaxPool2d, AvgPool2d, GlobalAvgPool2d, BatchNorm2d)):
            return "float", 3
        if isinstance(layer, (MaxPool1d, AvgPool1d)):
            return "float", 2
        if isinstance(layer, Dense):
            return "float", 1
        if getattr(layer, "takes_mask", False):  # sequences of vectors (N, L, D)
            return "float", 2
    return "float", 1


class InspectedModel:
    """A network or a fitted estimator, seen the same way by every inspection function."""

    def __init__(self, model: Any, *, spiking: bool = False) -> None:
        """``spiking=True``: the caller examines spiking networks too (health, the report); the other inspection
        functions follow values through Dense and convolution neurons and refuse them, saying what to use."""
        self.model = model
        self.scale: np.ndarray | None = None
        self.shift: np.ndarray | None = None
        self.classes: np.ndarray | None = None
        self.y_mean: np.ndarray | None = None
        self.y_scale: np.ndarray | None = None
        if isinstance(model, Sequential):
            self.network = model
        elif isinstance(getattr(model, "network_", None), Sequential):
            self.network = model.network_
            self.classes = getattr(model, "classes_", None)
            self.y_mean = getattr(model, "y_mean_", None)
            self.y_scale = getattr(model, "y_scale_", None)
            self._affine_from_scaler(model)
        elif hasattr(model, "network_") or hasattr(type(model), "_model_file"):
            raise NotFittedError(f"this {type(model).__name__} is not fitted yet: call fit(X, y) before inspecting it")
        else:
            raise ParameterTypeError(f"model must be a network (nk.Sequential, e.g. nk.mlp([...])) or a fitted "
                                     f"nk.NeuralClassifier / nk.NeuralRegressor; got {type(model).__name__}")
        if self.spiking_layers() and not spiking:
            raise ParameterError("this is a spiking network (its first layer, an encoder, turns the data into spikes "
                                 "over time); this inspection function follows values through Dense and convolution "
                                 "neurons. For spiking neurons use nk.inspect.health or write_report (rates, silent "
                                 "and always-firing neurons, synaptic operations), nk.spiking.record (membranes "
                                 "over time) and network['spiking1'].neurons[i].explain(inputs_over_time) (one "
                                 "neuron's membrane update step by step)")
        if not self.unit_layers() and not self.spiking_layers():
            raise ParameterError("the network has no Dense, convolution or spiking layer, so it has no neurons to "
                                 "inspect")
        self.input_kind, self.input_rank = _input_form(self.network)
        #: an estimator built from ``architecture=``: one sample's shape (its inputs arrive flat or shaped)
        self.input_shape: tuple[int, ...] | None = getattr(model, "input_shape_", None) if model is not self.network \
            else None
        #: an estimator's fitted tokenizer (texts in, token ids to the network), or None
        self.tokenizer: Any = getattr(model, "tokenizer_", None) if model is not self.network else None

    def _affine_from_scaler(self, est: Any) -> None:
        scaler = getattr(est, "scaler_", None)
        n = int(getattr(est, "n_features_in_", self.network.in_features or 0))
        if scaler is None or n == 0:
            return
        zero = np.asarray(scaler.transform(np.zeros((1, n))), dtype=np.float64)[0]
        one = np.asarray(scaler.transform(np.ones((1, n))), dtype=np.float64)[0]
        probe = np.random.default_rng(0).normal(size=(3, n)) * 10.0
        if not np.allclose(np.asarray(scaler.transform(probe), dtype=np.float64), probe * (one - zero) + zero,
                           rtol=1e-6, atol=1e-6):
            raise ParameterError(f"the estimator's scaler {scaler!r} is not a per-feature affine map; inspection "
                                 "needs one (standard, minmax or none) to differentiate through it")
        self.scale, self.shift = one - zero, zero

    # ------------------------------------------------------------------ structure
    @property
    def flat(self) -> bool:
        """True for a network of feature vectors (n_samples, n_features); False for images, sequences, token ids."""
        return self.input_kind == "float" and self.input_rank == 1

    @property
    def is_text(self) -> bool:
        """True when the network takes token ids (its first layer is an Embedding)."""
        return self.input_kind == "ids"

    @property
    def is_spiking(self) -> bool:
        """True when the network starts with an encoder (rate, latency, ...): it works on spikes over time."""
        return bool(getattr(next(iter(self.network.layers.values())), "makes_time_axis", False))

    @property
    def n_features(self) -> int:
        n = self.network.in_features if self.flat else None
        if n is None and self.flat and self.is_spiking:  # encoder -> SpikingDense: the features it takes
            first = next((layer for layer in self.network.layers.values() if is_spiking_layer(layer)), None)
            n = getattr(first, "in_features", None)
        return int(n) if n is not None else 0

    def spiking_layers(self) -> list[tuple[str, Any]]:
        """The spiking layers (SpikingDense, SpikingConv2d), by name: their neurons are ``spiking1[7]``."""
        return [(name, layer) for name, layer in self.network.layers.items() if is_spiking_layer(layer)]

    def spiking_input(self, X: np.ndarray) -> np.ndarray:
        """X as a spiking network's encoder takes it: an estimator's own ``transform_inputs`` (scaled, clipped to
        the encoder's range, shaped), else X in the network's dtype."""
        transform = getattr(self.model, "transform_inputs", None) if self.model is not self.network else None
        if transform is not None:
            return np.asarray(transform(X.reshape(len(X), -1) if self.input_shape is not None else X))
        return np.asarray(X, dtype=self.network.parameters()[0].dtype)

    def dense_layers(self) -> list[tuple[str, Dense]]:
        return [(name, layer) for name, layer in self.network.layers.items() if isinstance(layer, Dense)]

    def unit_layers(self) -> list[tuple[str, Any]]:
        """The layers with neurons: Dense layers and convolution layers (whose neurons are filters)."""
        return [(name, layer) for name, layer in self.network.layers.items() if isinstance(layer, UNIT_TYPES)]

    def conv_layers(self) -> list[tuple[str, Any]]:
        return [(name, layer) for name, layer in self.network.layers.items() if isinstance(layer, CONV_TYPES)]

    def layer_index(self, name: str) -> int:
        return list(self.network.layers).index(name)

    def neuron(self, name: Any, kinds: tuple[type, ...] = (Dense,)) -> tuple[str, Any, int]:
        """Parse a stable neuron name (``"hidden1[3]"``; also ``"hidden1.neuron[3]"``, ``"hidden1:3"``).

        ``kinds``: the layer types whose neurons the caller handles (a convolution's
        filters are ``conv1[5]``, also ``conv1.channel[5]`` or ``conv1.filter[5]``).
        """
        if not isinstance(name, str):
            raise ParameterTypeError(f"neuron must be a name like 'hidden1[3]'; got {name!r}")
        match = _NAME.match(name) or _COLON.match(name)
        if match is None:
            raise ParameterError(f"neuron must be named LAYER[INDEX], e.g. 'hidden1[3]'; got {name!r}")
        layer_name, index = match["layer"], int(match["index"])
        layer = self.layer(layer_name)
        if not isinstance(layer, kinds):
            fitting = ", ".join(n for n, lay in self.network.layers.items() if isinstance(lay, kinds))
            if isinstance(layer, CONV_TYPES):
                what = ("whose neurons are filters, which this function does not take (for filters: "
                        "nk.inspect.top_patches, plot_feature_maps, health)")
            elif isinstance(layer, UNIT_TYPES):
                what = "whose neurons this function does not take"
            else:
                what = "which has no neurons"
            raise ParameterError(f"layer {layer_name!r} is a {type(layer).__name__}, {what}; "
                                 f"layers with neurons here: {fitting or 'none'}")
        n = width(layer)
        if not -n <= index < n:
            word = "filters" if isinstance(layer, CONV_TYPES) else "neurons"
            raise ParameterError(f"layer {layer_name!r} has {n} {word} ({layer_name}[0] .. {layer_name}[{n - 1}]); "
                                 f"got index {index}")
        return layer_name, layer, index % n

    def layer(self, name: Any) -> Module:
        """The layer called ``name``, or an :class:`~neuronkit.errors.UnknownNameError` listing the layers."""
        layers = self.network.layers
        if not isinstance(name, str) or name not in layers:
            close = difflib.get_close_matches(str(name), list(layers), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownNameError(f"no layer named {name!r}; layers are: {', '.join(layers)}{hint}", kind="layer",
                                   name=name, valid=tuple(layers), suggestion=close[0] if close else None)
        return layers[name]

    def neuron_names(self, layer_name: str) -> list[str]:
        layer = self.network.layers[layer_name]
        return [f"{layer_name}[{i}]" for i in range(width(layer))]

    # ------------------------------------------------------------------ data
    def check_X(self, X: Any, what: str = "X") -> np.ndarray:
        """X as a float64 array (n_samples, n_features) of finite values (one sample may be 1-D).

        An array-like, a Tensor or a pandas DataFrame; checked by :func:`neuronkit.validation.check_array`.
        For an image or sequence network, X is (n_samples, C, H, W) or (n_samples, C, L) (one sample
        without the first axis), checked against the network's shapes; for a text network, integer
        token ids (n_samples, L) (returned as integers).
        """
        if not self.flat:
            return self._check_shaped(X, what)
        X = check_array(X.data if isinstance(X, Tensor) else X, what, ndim=(1, 2), dtype=np.float64, finite=False)
        if X.ndim == 1:
            X = X[None, :]
        if X.shape[1] != self.n_features:
            raise ShapeError(f"{what} has {X.shape[1]} features but the model takes {self.n_features}; "
                             f"give shape (n_samples, {self.n_features})")
        return check_array(X, what, dtype=np.float64)

    def check_sample(self, x: Any, what: str = "x") -> np.ndarray:
        """One sample as a float64 vector (n_features,); (1, n_features) is accepted too."""
        if not self.flat:
            raise ParameterError("this function follows one vector of input features through Dense neurons; this "
                                 "network takes images or token ids: use nk.inspect.plot_feature_maps or "
                                 "top_patches (images), attention_weights or top_words (text), or attribute")
        arr = check_array(x.data if isinstance(x, Tensor) else x, what, ndim=None, dtype=np.float64, finite=False,
                          min_samples=0)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 1:
            raise ShapeError(f"{what} must be one sample of shape ({self.n_features},); got shape {arr.shape}")
        return self.check_X(arr, what)[0]

    def _check_shaped(self, X: Any, what: str) -> np.ndarray:
        rank = self.input_rank
        first: Any = next(iter(self.network.layers.values()))
        if self.is_text:
            if self.tokenizer is not None and _holds_text(X):  # an estimator's texts: its own ids, padded
                return np.asarray(self.model.transform_inputs([X] if isinstance(X, str) else X))
            ids = np.asarray(X.data if isinstance(X, Tensor) else X)
            if ids.ndim == 1:
                ids = ids[None, :]
            if ids.ndim != 2 or ids.shape[1] == 0 or ids.shape[0] == 0:
                raise ShapeError(f"{what} must be token ids of shape (n_samples, length) (one text: (length,)); "
                                 f"got shape {ids.shape}")
            return token_ids(first, ids, first.num_embeddings)
        if self.input_shape is not None and np.ndim(X) == 2 and len(self.input_shape) > 1:
            flat = check_array(X, what, dtype=np.float64, finite=False)  # an estimator's flat rows (n, C·H·W)
            if flat.shape[1] == int(np.prod(self.input_shape)):
                X = flat.reshape((len(flat), *self.input_shape))
        arr = check_array(X.data if isinstance(X, Tensor) else X, what, ndim=(rank, rank + 1) if rank else None,
                          dtype=np.float64, finite=False, min_samples=0)
        if rank == 0 and arr.ndim < 2:  # a flattening network: any sample shape, but a batch axis first
            raise ShapeError(f"{what} must be a batch of samples (n_samples, ...) for this network, which starts by "
                             f"flattening each sample; got shape {arr.shape}")
        if arr.ndim == rank:
            arr = arr[None]
        if len(arr) == 0:
            raise ShapeError(f"{what} holds no samples; give at least one, shape (n_samples, ...)")
        self.network.output_shape(arr.shape[1:])  # a ShapeError naming the first layer that does not fit
        return check_array(arr, what, ndim=rank + 1 if rank else None, dtype=np.float64)

    def mask_of(self, X: np.ndarray) -> np.ndarray | None:
        """The padding mask of token ids X (True at real tokens) that the network builds, or None."""
        if not self.is_text:
            return None
        return self.network._padding_mask(X, None)  # the one rule Sequential.forward applies

    def to_network_input(self, X: np.ndarray) -> np.ndarray:
        """Apply the estimator's scaler (identity for a bare network); images are scaled as flat rows."""
        if self.scale is None:
            return X
        return (X.reshape(len(X), -1) * self.scale + self.shift).reshape(X.shape)

    def input_tensor(self, X: np.ndarray, *, requires_grad: bool) -> tuple[Tensor, Tensor]:
        """(leaf for X, the network's input) with the scaler inside the graph."""
        if self.is_text:  # ids: no gradient reaches them (attribution starts at the embedding outputs)
            ids = Tensor(np.asarray(X))
            return ids, ids
        if requires_grad:
            leaf = Tensor(np.asarray(X, dtype=np.float64), requires_grad=True)
            if self.scale is None:
                net_in = leaf
            elif leaf.ndim == 2:
                net_in = leaf * self.scale + self.shift
            else:  # images: the scaler works on flat rows, as the estimator applies it
                net_in = (leaf.reshape(len(X), -1) * self.scale + self.shift).reshape(leaf.shape)
        else:
            net_dtype = self.network.parameters()[0].dtype
            leaf = Tensor(np.asarray(X, dtype=np.float64))
            net_in = Tensor(self.to_network_input(leaf.data).astype(net_dtype))
        return leaf, net_in

    def records(self, X: np.ndarray, **kwargs: Any) -> list[LayerRecord]:
        """A recorded eval-mode forward pass without a graph."""
        with eval_mode(self.network), no_grad():
            if self.is_text:
                kwargs.setdefault("mask", self.mask_of(X))
            return forward(self.network, self.input_tensor(X, requires_grad=False)[1], **kwargs)

    # ------------------------------------------------------------------ targets and loss
    @property
    def is_classifier(self) -> bool:
        if self.classes is not None:
            return True
        act = getattr(self.network.output_activation, "name", None)
        return act == "softmax" or (act == "sigmoid" and self.network.out_features == 1)

    def loss(self) -> Loss:
        from ..training import default_loss

        return default_loss(self.network)

    def encode_targets(self, y: Any, n: int) -> np.ndarray:
        """Targets in the network's terms: class indices (via ``classes_``) or standardised values."""
        y = np.asarray(y.data if isinstance(y, Tensor) else y)
        if y.ndim == 0:
            y = y.reshape(1)
        check_consistent_length(np.empty(n), y)
        loss = self.loss()
        if self.classes is not None:
            if y.ndim != 1:
                raise ShapeError(f"y must be one class label per sample, shape ({n},); got shape {y.shape}")
            return self.class_indices(y, "y")
        if loss.output_activation == "softmax":
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            n_out = self.network.out_features or 0
            return check_class_indices(y, n_out, where=f"the output layer has {n_out} neurons")
        if y.dtype.kind not in "biuf":
            raise DataError(f"y must hold numbers (the network's targets); got dtype {y.dtype}")
        n_out = self.network.out_features or 1
        if y.size != n * n_out:
            raise ShapeError(f"y must hold {n_out} target value(s) per sample, shape ({n}, {n_out}); got shape "
                             f"{y.shape}")
        y = y.astype(np.float64)
        if self.y_mean is not None:
            y = (y.reshape(n, -1) - self.y_mean) / self.y_scale
        return y.reshape(n, -1)

    def loss_input(self, records: list[LayerRecord], loss: Loss) -> Tensor:
        """What the loss takes: the last potentials (logits) if it contains the output activation."""
        last = records[-1]
        act = getattr(getattr(last.layer, "activation", None), "name", None)
        if loss.output_activation is not None and act == loss.output_activation and last.z is not None:
            return last.z
        return last.output

    def label_of(self, index: int) -> Any:
        return self.classes[index] if self.classes is not None else index

    def class_indices(self, labels: Any, what: str) -> np.ndarray:
        """An estimator's class labels as indices into its ``classes_`` (each label must be one of them)."""
        assert self.classes is not None  # only called for an estimator with classes
        labels = np.asarray(labels)
        try:
            idx = np.clip(np.searchsorted(self.classes, labels), 0, len(self.classes) - 1)
            bad = self.classes[idx] != labels
        except TypeError:  # labels that cannot be compared with the classes (text against numbers)
            bad = np.ones(labels.shape, dtype=bool)
            idx = np.zeros(labels.shape, dtype=np.intp)
        if np.any(bad):
            raise DataError(f"{what} holds labels the model does not know, e.g. {labels[bad].flat[0]!r}; "
                            f"its classes are {list(self.classes)}")
        return np.asarray(idx, dtype=np.intp)
