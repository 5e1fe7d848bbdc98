"""ONNX export: a network, or a fitted estimator with its input preprocessing, as an ONNX model.

:func:`to_onnx` builds the model (an ``onnx.ModelProto``) with the ``onnx`` package's helper
API, opset :data:`OPSET` (and ``ai.onnx.ml`` :data:`ML_OPSET` for the preprocessing), and checks
it with ``onnx.checker``; :func:`neuronkit.io.export_onnx` writes it to a file (atomically), and
``neuronkit export MODEL.nkm OUT.onnx`` does the same from the command line.

What the exported model takes and gives:

==========================  ==================================================================
model                       inputs → outputs
==========================  ==================================================================
network (``Sequential``)    ``input`` (N, then one sample's shape), float (token ids: int64) → ``output``
estimator, table columns    one input per column the model was trained on, named as the column,
(``neuronkit train`` CSV)   shape (N, 1): float for numbers (NaN = missing, filled as at
                            training when trained with ``--impute``), string for one-hot text
                            columns ("" = missing); a category not seen at training gives
                            all zeros (as ``--unknown-category zeros``)
estimator, other tables     ``X`` (N, features) float32
estimator, images           ``images`` (N, C, H, W) float32, as ``neuronkit predict`` reads a
                            folder (resized, values in [0, 1])
estimator, texts            ``ids`` (N, L) int64: the token ids, 0-padded to the training width
                            L. **The tokenizer stays in Python**: ``est.tokenizer_.encode(texts,
                            max_len=L)``, padded with 0 to L columns
classifier                  → ``probabilities`` (N, classes) in ``classes_`` order and ``label``
                            (N,) (string or int64, the class with the largest probability)
regressor                   → ``prediction`` (N,) (or (N, outputs)), in the target's units
==========================  ==================================================================

The stored scaler becomes ``ai.onnx.ml`` ``Scaler`` (standard) or ``Sub``/``Mul``/``Add``
(min-max); imputation ``ai.onnx.ml`` ``Imputer``; one-hot encoding ``ai.onnx.ml``
``OneHotEncoder``.

How the layers map: Dense ``MatMul``/``Add``; convolutions ``Conv``; pooling ``MaxPool``,
``AveragePool`` (zero padding counted), ``ReduceMean``; BatchNorm/BatchNorm2d
``BatchNormalization`` (running statistics); LayerNorm ``LayerNormalization``; Dropout and
ActivityL1 nothing (identity at inference); Flatten, Transpose; Embedding ``Gather``;
PositionalEmbedding ``Slice`` + ``Add``; the masked sequence pools and attention take the padding
mask the network builds (``ids != padding_idx`` after an Embedding with a ``padding_idx``);
attention is written out (``MatMul``, ``Softmax``, ``Trilu`` for a causal mask); KWinners
``TopK`` + ``ScatterElements`` (ties to the lower index, as the layer); MoE ``TopK`` over the gate,
softmax over the k kept values, every expert computed and the k chosen ones taken with
``GatherElements`` (the same numbers as running only the chosen experts). Activations, learnable
and dynamic ones included, are composites of standard operators
(:mod:`neuronkit.export.onnx_graph`).

Refused with a message naming the layer: spiking networks (they go to NIR:
:func:`neuronkit.spiking.nir.write_nir`), layer types and activations without an export.

>>> import numpy as np
>>> import neuronkit as nk
>>> net = nk.mlp([4, 8, 3], activation="swish", seed=0)
>>> model = to_onnx(net)
>>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
(['input'], ['output'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from ..errors import ModelFileError, ParameterError, ParameterTypeError
from ..layers import Module, Sequential
from ..layers.base import label
from .onnx_graph import Graph, activation

__all__ = ["LAYER_WRITERS", "ML_OPSET", "OPSET", "to_onnx"]

#: the ONNX opset the export writes (``ai.onnx``)
OPSET = 21
#: the ``ai.onnx.ml`` opset of the preprocessing operators
ML_OPSET = 3
#: the ONNX IR version written (10: what opset 21 needs; readable by onnxruntime 1.17 and later)
IR_VERSION = 10

#: a tensor in the graph: its name and its rank (batch axis included)
Flow = tuple[str, int]
LayerWriter = Callable[[Graph, Any, Flow, "str | None"], Flow]
#: layer type name -> writer(graph, layer, flow, mask) -> flow; ``mask`` is the (N, L) bool mask tensor or None.
#: A new layer type: one writer here (tests/test_onnx_export.py fails until it has one and a case)
LAYER_WRITERS: dict[str, LayerWriter] = {}

_NIR = "spiking models go to NIR: neuronkit.spiking.nir.write_nir(network, path)"


def _writes(*names: str) -> Callable[[LayerWriter], LayerWriter]:
    def decorate(fn: LayerWriter) -> LayerWriter:
        for name in names:
            LAYER_WRITERS[name] = fn
        return fn
    return decorate


def to_onnx(obj: Any, *, input_shape: Sequence[int] | None = None) -> onnx.ModelProto:
    """The ONNX model of a network or of a fitted estimator (see the module docstring for inputs and outputs).

    Parameters
    ----------
    obj : Sequential, Module or fitted NeuralClassifier / NeuralRegressor
        What to export: a network (or one layer), or an estimator as ``nk.load`` gives it back
        from a file of ``neuronkit train`` (with its scaler and preprocessing).
    input_shape : tuple of int, optional
        One sample's shape, for a network whose first layer does not say it (a Dense, convolution,
        Embedding or MoE layer does; a convolution's sizes and a sequence length stay free).

    Returns
    -------
    onnx.ModelProto
        Checked by ``onnx.checker``; ``model.SerializeToString()`` is the file's bytes.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> import onnxruntime as ort
    >>> net = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.GlobalAvgPool2d(),
    ...                     nk.Dense(2, 3, activation="softmax", seed=1))
    >>> session = ort.InferenceSession(to_onnx(net).SerializeToString())
    >>> x = np.random.default_rng(0).random((2, 1, 5, 5), dtype=np.float32)
    >>> bool(np.allclose(session.run(None, {"input": x})[0], net.infer(x), atol=1e-6))
    True
    """
    if hasattr(obj, "network_"):
        return _estimator_model(obj)
    if not isinstance(obj, Module):
        raise ParameterTypeError(f"to_onnx takes a network (nk.Sequential or a layer) or a fitted estimator (from "
                                 f"nk.load of a 'neuronkit train' file); got {type(obj).__name__}")
    layers = list(obj) if isinstance(obj, Sequential) else [obj]
    _refuse(layers)
    g = Graph(_dtype(obj))
    first = layers[0]
    ids = getattr(first, "input_kind", "float") == "ids"
    shape = _input_dims(first, input_shape)
    element = TensorProto.INT64 if ids else helper.np_dtype_to_tensor_dtype(g.dtype)
    inputs = [helper.make_tensor_value_info("input", element, ["N", *shape])]
    mask = _padding_mask(g, layers, "input")
    x, rank = _run(g, layers, ("input", len(shape) + 1), mask)
    return _model(g, inputs, {"output": (x, helper.np_dtype_to_tensor_dtype(g.dtype), rank)})


# ----------------------------------------------------------------------------- networks
def _dtype(net: Module) -> np.dtype:
    for p in net.parameters():
        return np.dtype(p.dtype)
    return np.dtype(getattr(net, "dtype", np.float32))


def _refuse(layers: list[Module]) -> None:
    """A spiking layer anywhere, or a layer type without a writer: the error naming it."""
    for layer in layers:
        kind = type(layer).__name__
        if type(layer).__module__.startswith("neuronkit.spiking"):
            raise ParameterError(f"layer {label(layer)!r} ({kind}) is a spiking layer, which ONNX does not describe; "
                                 f"{_NIR}")
        if isinstance(layer, Sequential):
            _refuse(list(layer))
        elif kind not in LAYER_WRITERS:
            raise ParameterError(f"layer {label(layer)!r} ({kind}) has no ONNX export; exportable layer types: "
                                 f"{', '.join(sorted(LAYER_WRITERS))}")


def _input_dims(first: Module, input_shape: Sequence[int] | None) -> list[int | str]:
    """One sample's dims for the graph input: given, else from the first layer (free sizes named)."""
    if input_shape is not None:
        if not isinstance(input_shape, (tuple, list)) or not input_shape or not all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in input_shape):
            raise ParameterError(f"input_shape must be one sample's shape, a tuple of positive ints (e.g. (1, 28, "
                                 f"28)); got {input_shape!r}")
        return [int(n) for n in input_shape]
    kind = type(first).__name__
    if kind in ("Dense", "MoE"):
        return [int(first.in_features)]  # type: ignore[attr-defined]
    if kind == "Conv2d":
        return [int(first.in_channels), "H", "W"]  # type: ignore[attr-defined]
    if kind == "Conv1d":
        return [int(first.in_channels), "L"]  # type: ignore[attr-defined]
    if kind == "Embedding":
        return ["L"]
    if isinstance(first, Sequential):
        return _input_dims(next(iter(first)), None)
    raise ParameterError(f"the first layer {label(first)!r} ({kind}) does not say one sample's shape; give "
                         "input_shape=, e.g. to_onnx(net, input_shape=(16,))")


def _padding_mask(g: Graph, layers: list[Module], ids: str) -> str | None:
    """``ids != padding_idx`` when the network starts with an Embedding with a padding_idx and a layer takes the
    mask (as :class:`~neuronkit.Sequential` builds it); else None."""
    padding = getattr(layers[0], "padding_idx", None)
    if padding is None or not any(getattr(layer, "takes_mask", False) for layer in layers):
        return None
    return g.op("Not", g.op("Equal", ids, g.const(np.array(padding, dtype=np.int64), "padding_idx")))


def _run(g: Graph, layers: list[Module], x: Flow, mask: str | None) -> Flow:
    for layer in layers:
        x = LAYER_WRITERS[type(layer).__name__](g, layer, x, mask)
    return x


def _model(g: Graph, inputs: list[onnx.ValueInfoProto],
           outputs: dict[str, tuple[str, int, int]]) -> onnx.ModelProto:
    """The checked model; ``outputs``: name -> (tensor, element type, rank)."""
    out_infos = []
    for name, (tensor, element, rank) in outputs.items():
        g.nodes.append(helper.make_node("Identity", [tensor], [name]))
        out_infos.append(helper.make_tensor_value_info(name, element, ["N", *(f"{name}_{i}" for i in range(1, rank))]))
    graph = helper.make_graph(g.nodes, "neuronkit", inputs, out_infos, g.initializers)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)]
    model = helper.make_model(graph, producer_name="neuronkit", ir_version=IR_VERSION, opset_imports=opsets)
    onnx.checker.check_model(model, full_check=True)
    return model


# ----------------------------------------------------------------------------- layer writers
@_writes("Sequential")
def _sequential(g: Graph, net: Sequential, x: Flow, mask: str | None) -> Flow:
    return _run(g, list(net), x, mask)


@_writes("Dense")
def _dense(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    z = g.op("MatMul", x[0], g.const(np.ascontiguousarray(layer.weight.data.T), "weight"))
    if layer.bias is not None:
        z = g.op("Add", z, g.const(layer.bias.data, "bias"))
    return activation(g, layer.activation, z, axis=-1, rank=x[1], owner=f"layer {label(layer)!r} (Dense)"), x[1]


@_writes("Conv1d", "Conv2d")
def _conv(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    pads = [p[0] for p in layer._pads] + [p[1] for p in layer._pads]
    inputs = [x[0], g.const(layer.weight.data, "weight")] + ([] if layer.bias is None else
                                                             [g.const(layer.bias.data, "bias")])
    z = g.op("Conv", *inputs, kernel_shape=list(layer.kernel_size), strides=list(layer.stride), pads=pads,
             dilations=list(layer.dilation), group=int(layer.groups))
    owner = f"layer {label(layer)!r} ({type(layer).__name__})"
    return activation(g, layer.activation, z, axis=1, rank=x[1], owner=owner), x[1]


@_writes("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")
def _pool(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    dims = x[1] - 2

    def each(value: Any) -> list[int]:
        return list(value) if isinstance(value, tuple) else [int(value)] * dims

    pads = each(layer.padding) * 2
    if type(layer).__name__.startswith("Max"):
        return g.op("MaxPool", x[0], kernel_shape=each(layer.kernel_size), strides=each(layer.stride), pads=pads), x[1]
    return g.op("AveragePool", x[0], kernel_shape=each(layer.kernel_size), strides=each(layer.stride), pads=pads,
                count_include_pad=1), x[1]


@_writes("GlobalAvgPool2d")
def _global_pool(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return g.op("ReduceMean", x[0], g.ints([-2, -1]), keepdims=0), x[1] - 2


@_writes("BatchNorm", "BatchNorm2d")
def _batch_norm(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    arrays = [g.const(a, "bn") for a in (layer.gamma.data, layer.beta.data, layer.running_mean, layer.running_var)]
    return g.op("BatchNormalization", x[0], *arrays, epsilon=float(layer.eps)), x[1]


@_writes("LayerNorm")
def _layer_norm(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return g.op("LayerNormalization", x[0], g.const(layer.gamma.data, "gamma"), g.const(layer.beta.data, "beta"),
                axis=-1, epsilon=float(layer.eps)), x[1]


@_writes("Dropout", "ActivityL1")
def _identity(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return x  # identity at inference


@_writes("Flatten")
def _flatten(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return g.op("Flatten", x[0], axis=1), 2


@_writes("Transpose")
def _transpose(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    perm = list(range(x[1]))
    perm[layer.dim0], perm[layer.dim1] = perm[layer.dim1], perm[layer.dim0]
    return g.op("Transpose", x[0], perm=perm), x[1]


@_writes("Activation")
def _activation_layer(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return activation(g, layer.activation, x[0], axis=-1, rank=x[1], owner=f"layer {label(layer)!r} (Activation)"), x[1]


@_writes("Embedding")
def _embedding(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return g.op("Gather", g.const(layer.weight.data, "embedding"), x[0], axis=0), x[1] + 1


@_writes("PositionalEmbedding")
def _positional(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    length = g.op("Shape", x[0], start=1, end=2)
    rows = g.op("Slice", g.const(layer.weight.data, "positions"), g.ints([0]), length, g.ints([0]))
    return g.op("Add", x[0], rows), x[1]


@_writes("SequenceMeanPool")
def _sequence_mean(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    if mask is None:
        return g.op("ReduceMean", x[0], g.ints([1]), keepdims=0), x[1] - 1
    real = g.op("Cast", mask, to=helper.np_dtype_to_tensor_dtype(g.dtype))  # (N, L)
    count = g.op("Max", g.op("ReduceSum", real, g.ints([1]), keepdims=1), g.scalar(1.0))
    weights = g.op("Unsqueeze", g.op("Div", real, count), g.ints([2]))  # 1/count at real tokens, 0 at padding
    return g.op("ReduceSum", g.op("Mul", x[0], weights), g.ints([1]), keepdims=0), x[1] - 1


@_writes("SequenceMaxPool")
def _sequence_max(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    if mask is None:
        return g.op("ReduceMax", x[0], g.ints([1]), keepdims=0), x[1] - 1
    real = g.op("Unsqueeze", mask, g.ints([2]))  # (N, L, 1)
    pooled = g.op("ReduceMax", g.op("Where", real, x[0], g.scalar(-np.inf)), g.ints([1]), keepdims=0)
    any_real = g.op("Greater", g.op("ReduceSum", g.op("Cast", mask, to=TensorProto.INT64), g.ints([1]), keepdims=1),
                    g.const(np.array(0, dtype=np.int64), "zero"))  # (N, 1)
    return g.op("Where", any_real, pooled, g.scalar(0.0)), x[1] - 1


def _attention(g: Graph, layer: Any, x: str, mask: str | None) -> str:
    """Multi-head self-attention on (N, L, E) tokens; padded keys and (if causal) later keys get weight 0, and a
    query with no key to see gets zero weights, as the layer."""
    heads, d, E = layer.num_heads, layer.head_dim, layer.embed_dim
    qkv = g.op("MatMul", x, g.const(np.ascontiguousarray(layer.in_proj_weight.data.T), "in_proj"))
    if layer.in_proj_bias is not None:
        qkv = g.op("Add", qkv, g.const(layer.in_proj_bias.data, "in_proj_bias"))
    qkv = g.op("Transpose", g.op("Reshape", qkv, g.ints([0, 0, 3, heads, d])), perm=[2, 0, 3, 1, 4])
    q, k, v = (g.op("Squeeze", part, g.ints([0])) for part in g.op("Split", qkv, axis=0, num_outputs=3, outputs=3))
    scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), g.scalar(1.0 / np.sqrt(d)))
    allowed = None if mask is None else g.op("Unsqueeze", mask, g.ints([1, 2]))  # (N, 1, 1, L)
    if layer.causal:
        length = g.op("Shape", x, start=1, end=2)
        square = g.op("Concat", length, length, axis=0)
        ones = g.op("ConstantOfShape", square, value=helper.make_tensor("one", TensorProto.INT64, [1], [1]))
        lower = g.op("Cast", g.op("Trilu", ones, upper=0), to=TensorProto.BOOL)  # key j <= query i
        allowed = lower if allowed is None else g.op("And", allowed, lower)
    if allowed is None:
        weights = g.op("Softmax", scores, axis=-1)
    else:
        lowest = g.scalar(float(np.finfo(g.dtype).min))  # exp(lowest - max) is 0: masked keys get no weight
        weights = g.op("Softmax", g.op("Where", allowed, scores, lowest), axis=-1)
        weights = g.op("Mul", weights, g.op("Cast", allowed, to=helper.np_dtype_to_tensor_dtype(g.dtype)))
    out = g.op("MatMul", weights, v)  # (N, H, L, d)
    joined = g.op("Reshape", g.op("Transpose", out, perm=[0, 2, 1, 3]), g.ints([0, 0, E]))
    return _dense(g, layer.out_proj, (joined, 3), None)[0]


@_writes("MultiHeadSelfAttention")
def _mhsa(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    return _attention(g, layer, x[0], mask), x[1]


@_writes("TransformerEncoderBlock")
def _encoder_block(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    def norm(which: Any, t: str) -> str:
        return _layer_norm(g, which, (t, 3), None)[0]

    def feed_forward(t: str) -> str:
        return _dense(g, layer.linear2, _dense(g, layer.linear1, (t, 3), None), None)[0]

    h = x[0]
    if layer.norm_first:
        h = g.op("Add", h, _attention(g, layer.self_attn, norm(layer.norm1, h), mask))
        return g.op("Add", h, feed_forward(norm(layer.norm2, h))), x[1]
    h = norm(layer.norm1, g.op("Add", h, _attention(g, layer.self_attn, h, mask)))
    return norm(layer.norm2, g.op("Add", h, feed_forward(h))), x[1]


@_writes("KWinners")
def _kwinners(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    """The k largest values of each sample kept (TopK: equal values go to the lower index, as the layer)."""
    flat = g.op("Flatten", x[0], axis=1)
    _, winners = g.op("TopK", flat, g.ints([layer.k]), axis=1, largest=1, sorted=1, outputs=2)
    zeros = g.op("ConstantOfShape", g.op("Shape", flat), value=helper.make_tensor("z", TensorProto.BOOL, [1], [False]))
    ones = g.op("ConstantOfShape", g.op("Shape", winners), value=helper.make_tensor("o", TensorProto.BOOL, [1], [True]))
    keep = g.op("ScatterElements", zeros, winners, ones, axis=1)
    kept = g.op("Where", keep, flat, g.scalar(0.0))
    return g.op("Reshape", kept, g.op("Shape", x[0])), x[1]


@_writes("MoE")
def _moe(g: Graph, layer: Any, x: Flow, mask: str | None) -> Flow:
    """Gate, TopK, softmax over the k kept values; every expert computed, the k chosen taken by GatherElements."""
    values = _dense(g, layer.gate, x, None)[0]  # (N, E), no noise at inference
    top, chosen = g.op("TopK", values, g.ints([layer.k]), axis=1, largest=1, sorted=1, outputs=2)
    gates = g.op("Softmax", top, axis=1)  # (N, k)
    outs = []
    for expert in layer.experts:
        out = LAYER_WRITERS[type(expert).__name__](g, expert, x, None)[0]
        outs.append(g.op("Unsqueeze", out, g.ints([1])))
    stacked = g.op("Concat", *outs, axis=1)  # (N, E, out)
    index = g.op("Unsqueeze", chosen, g.ints([2]))  # (N, k, 1)
    shape = g.op("Concat", g.op("Shape", chosen), g.ints([layer.out_features]), axis=0)
    picked = g.op("GatherElements", stacked, g.op("Expand", index, shape), axis=1)  # (N, k, out)
    weighted = g.op("Mul", picked, g.op("Unsqueeze", gates, g.ints([2])))
    return g.op("ReduceSum", weighted, g.ints([1]), keepdims=0), x[1]


# ----------------------------------------------------------------------------- estimators
def _estimator_model(est: Any) -> onnx.ModelProto:
    """A fitted estimator: the raw inputs ``neuronkit predict`` takes, its preprocessing, network and outputs."""
    network = est.network_
    if getattr(est, "spiking", False):
        raise ParameterError(f"this {type(est).__name__} has a spiking network, which ONNX does not describe; {_NIR}")
    layers = list(network)
    _refuse(layers)
    g = Graph(_dtype(network))
    float_type = helper.np_dtype_to_tensor_dtype(g.dtype)
    record = getattr(est, "training_data_", None)
    shape = tuple(getattr(est, "input_shape_", ()) or ())
    n_features = int(est.n_features_in_)
    mask = None
    if hasattr(est, "tokenizer_"):
        inputs = [helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", n_features])]
        mask = _padding_mask(g, layers, "ids")
        x: Flow = ("ids", 2)
    else:
        if len(shape) == 3:
            inputs = [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", *shape])]
            features = g.op("Flatten", "images", axis=1)
        elif isinstance(record, dict) and isinstance(record.get("preprocess"), dict) and "inputs" not in record:
            inputs, features = _recipe_inputs(g, record)
        else:
            inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", n_features])]
            features = "X"
        features = _scaled(g, est.scaler_, features)
        if g.dtype != np.float32:
            features = g.op("Cast", features, to=float_type)
        if shape and len(shape) != 1:
            features = g.op("Reshape", features, g.ints([-1, *shape]))
        x = (features, len(shape) + 1 if shape else 2)
    out = _run(g, layers, x, mask)[0]
    if hasattr(est, "classes_"):
        return _model(g, inputs, {"probabilities": (out, float_type, 2), **_label(g, est.classes_, out)})
    scaled = g.op("Add", g.op("Mul", out, g.const(np.asarray(est.y_scale_), "y_scale")),
                  g.const(np.asarray(est.y_mean_), "y_mean"))
    rank = 2
    if getattr(est, "_y_1d", True) and len(est.y_mean_) == 1:
        scaled, rank = g.op("Squeeze", scaled, g.ints([1])), 1
    return _model(g, inputs, {"prediction": (scaled, float_type, rank)})


def _label(g: Graph, classes: np.ndarray, probabilities: str) -> dict[str, tuple[str, int, int]]:
    """``label``: the class with the largest probability (the first on ties, as ``predict``)."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iub":
        table, element = classes.astype(np.int64), TensorProto.INT64
    elif classes.dtype.kind == "f":
        table, element = classes.astype(g.dtype), helper.np_dtype_to_tensor_dtype(g.dtype)
    else:
        table, element = np.array([str(c) for c in classes], dtype=object), TensorProto.STRING
    best = g.op("ArgMax", probabilities, axis=1, keepdims=0, select_last_index=0)
    return {"label": (g.op("Gather", g.const(table, "classes"), best, axis=0), element, 1)}


def _scaled(g: Graph, scaler: Any, x: str) -> str:
    """The stored scaler on features ``x`` (N, F) float32."""
    name = getattr(scaler, "name", "none")
    if name == "none":
        return x
    if name == "standard":
        return g.op("Scaler", x, offset=[float(v) for v in scaler.mean], scale=[float(1.0 / v) for v in scaler.scale],
                    domain="ai.onnx.ml")
    if name == "minmax":
        from ..data.scalers import _nonzero_scale  # the scaler's own rule for a constant feature

        low, high = (float(v) for v in scaler.feature_range)
        scale = (high - low) / _nonzero_scale(scaler.data_max - scaler.data_min)
        shifted = g.op("Sub", x, g.const(scaler.data_min, "data_min", dtype=np.float32))
        return g.op("Add", g.op("Mul", shifted, g.const(scale, "scale", dtype=np.float32)),
                    g.const(np.array(low), "low", dtype=np.float32))
    raise ParameterError(f"the model's input scaler {name!r} has no ONNX export (standard, minmax and none have)")


def _recipe_inputs(g: Graph, record: dict[str, Any]) -> tuple[list[onnx.ValueInfoProto], str]:
    """One input per column of the training recipe, imputed and one-hot encoded as at training: features (N, F)."""
    from ..data.preprocess import Recipe

    try:
        recipe = Recipe.from_dict(record["preprocess"])
    except ModelFileError as exc:
        raise ParameterError(f"the model's preprocessing record cannot be read: {exc}") from None
    inputs, blocks = [], []
    for column in recipe.columns:
        fill = recipe.fill.get(column)
        if column in recipe.categories:
            inputs.append(helper.make_tensor_value_info(column, TensorProto.STRING, ["N", 1]))
            categories = list(recipe.categories[column])
            known = categories + ([""] if fill is not None else [])  # "" is a missing cell
            onehot = g.op("OneHotEncoder", column, cats_strings=known, zeros=1, domain="ai.onnx.ml")
            block = g.op("Reshape", onehot, g.ints([-1, len(known)]))
            if fill is not None:  # the missing cell's column goes to the fill category's
                route = np.vstack([np.eye(len(categories), dtype=np.float32),
                                   (np.array(categories) == str(fill)).astype(np.float32)[None]])
                block = g.op("MatMul", block, g.const(route, "fill", dtype=np.float32))
            blocks.append(g.op("Cast", block, to=TensorProto.FLOAT))
        else:
            inputs.append(helper.make_tensor_value_info(column, TensorProto.FLOAT, ["N", 1]))
            block = column
            if fill is not None:
                block = g.op("Imputer", column, imputed_value_floats=[float(fill)], replaced_value_float=float("nan"),
                             domain="ai.onnx.ml")
            blocks.append(block)
    features = blocks[0] if len(blocks) == 1 else g.op("Concat", *blocks, axis=1)
    return inputs, features
