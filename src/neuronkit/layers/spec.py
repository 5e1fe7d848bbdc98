r"""One way to describe an architecture: a one-line spec (or JSON, TOML), built by :func:`~neuronkit.layers.spec.build`.

A spec lists the layers in order; :func:`build` turns it into a :class:`~neuronkit.Sequential`
for a given per-sample input shape, working out every size the shapes flowing through
imply (``in_features``, ``in_channels``, ``num_features``, embedding widths) from each
layer's ``output_shape``. The layers get the network's stable names (``conv1``,
``pool1``, ``flatten1``, ``hidden1``, ``output``, ``embedding1``, ``attention1``, …)::

    >>> import neuronkit as nk
    >>> net = nk.build("conv(8,3,relu),maxpool(2),flatten,dense(32,relu),dropout(0.3),dense(out)",
    ...                input_shape=(1, 28, 28), outputs=10, seed=0)
    >>> list(net.layers)
    ['conv1', 'pool1', 'flatten1', 'hidden1', 'dropout1', 'output']
    >>> net["conv1"].in_channels, net["hidden1"].in_features   # 28 -> conv 3x3 -> 26 -> pool 2 -> 13; 8·13·13
    (1, 1352)
    >>> nk.spec_of(net)
    'conv(8,3,relu),maxpool(2),flatten,dense(32,relu),dropout(0.3),dense(10)'

The grammar of the one-line form (spaces and line breaks anywhere between tokens)::

    spec     := layer ("," layer)*
    layer    := NAME [ "(" [ argument ("," argument)* ] ")" ]
    argument := value | NAME "=" value          positional arguments first
    value    := INT | FLOAT | NAME | 'text' | "text" | true | false | none
              | "(" value ("," value)* ")"      a tuple: kernel_size=(3,5)
              | NAME "(" NAME "=" value, … ")"  an activation with options: leaky_relu(negative_slope=0.2)

A bare ``NAME`` value is a string (``padding=same``, ``relu``); ``out`` as the width of the
last ``dense`` stands for ``build(..., outputs=N)`` (a dense without a width at the end does
too). Every option is the layer constructor's keyword (``conv(32,3,stride=2,padding=same)``);
the ones each token takes by position are listed below. Token names ignore case, ``_``
and ``-``.

The tokens, with the arguments each takes by position (all options also by name), and the
layer each builds (chosen by the shape of its input, per sample):

- ``dense(out_features, activation)``: Dense; the activation defaults to identity here.
- ``dropout(p)``: Dropout.
- ``batchnorm``: BatchNorm on (F,), BatchNorm2d on (C, H, W).
- ``layernorm``: LayerNorm over the last axis.
- ``activation(activation)``, or the activation's bare name (``relu``, ``tanh``,
  ``leaky_relu(negative_slope=0.1)``): an Activation layer.
- ``conv(out_channels, kernel_size, activation)``: Conv2d on (C, H, W), Conv1d on (C, L);
  ``conv2d`` and ``conv1d`` insist on one.
- ``maxpool(kernel_size, stride, padding)``, ``avgpool(...)``: MaxPool2d/AvgPool2d on (C, H, W),
  MaxPool1d/AvgPool1d on (C, L).
- ``globalavgpool``: GlobalAvgPool2d, (C, H, W) -> (C,).
- ``flatten``: Flatten, (C, H, W) -> (C·H·W,).
- ``transpose(dim0, dim1)``: Transpose (default 1, 2): token vectors (L, D) -> (D, L), so a
  ``conv`` slides its filters along the words, and back again (the ``textcnn`` architecture).
- ``embedding(embedding_dim)``: Embedding, the first layer, ids (L,) -> (L, D); its
  ``num_embeddings`` comes from ``build(..., vocab_size=N)``.
- ``position(max_len)``: PositionalEmbedding (learned, added to (L, D)); ``max_len`` defaults
  to the input's L.
- ``seqmeanpool``, ``seqmaxpool``: SequenceMeanPool / SequenceMaxPool, (L, D) and the padding
  mask -> (D,).
- ``attention(num_heads)``: MultiHeadSelfAttention on (L, D).
- ``encoder(num_heads, dim_feedforward)``: TransformerEncoderBlock on (L, D).
- ``kwta(k)``: KWinners, k-winners-take-all (per sample, the k largest values pass).
- ``activity_l1(weight)``: ActivityL1, an activity sparsity penalty on the layer before it.
- ``moe(out_features, activation)``: MoE (Mixture of Experts) on (F,), with its options by name:
  ``moe(64, experts=4, k=2)``, ``expert=32`` for MLP experts; the activation defaults to relu.

The same spec as JSON is a list of objects, one per layer, with the token under ``"layer"``
and the options by name: ``[{"layer": "conv", "out_channels": 32, "kernel_size": 3,
"activation": "relu"}, {"layer": "maxpool", "kernel_size": 2}, …]``. As TOML, one
``[[layer]]`` table per layer::

    [[layer]]
    layer = "conv"
    out_channels = 32
    kernel_size = 3
    activation = "relu"

A bad spec is refused with its position (the token number, and in the one-line form the
column) and what is valid::

    >>> try:
    ...     nk.build("dense(8),dense(8),relu,conv3d(4),dense(2)", input_shape=(4,))
    ... except ValueError as error:
    ...     print(str(error)[:60])
    unknown layer 'conv3d' at token 4 (col 24); valid: dense, dr

:data:`ARCHITECTURES` holds named specs (``"cnn"`` is the issue's image network,
``"transformer"`` a small text encoder); :func:`spec_of` gives the line back for a network
built from one.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..errors import NeuronkitError, ParameterError, ParameterTypeError, ShapeError, UnknownNameError
from ..init import make_rng
from ..registry import Registry, normalise
from ..validation import check_int, must_be
from .base import LAYERS, Module, check_in_shape
from .sequential import Sequential, _layer_names

__all__ = ["ARCHITECTURES", "build", "parse_spec", "spec_of"]

#: named architectures (a :class:`~neuronkit.registry.Registry` of one-line specs), for ``build("cnn", ...)``
#: and the command line's ``--model cnn``; their last ``dense(out)`` takes ``build(..., outputs=N)``
ARCHITECTURES: Registry[str] = Registry("architecture")
ARCHITECTURES.register(
    "cnn", "conv(32,3,relu),maxpool(2),conv(64,3,relu),maxpool(2),flatten,dense(128,relu),dropout(0.3),dense(out)")
ARCHITECTURES.register("smallcnn", "conv(16,3,relu),maxpool(2),conv(32,3,relu),maxpool(2),flatten,dense(out)")
ARCHITECTURES.register("mlp", "flatten,dense(128,relu),dropout(0.2),dense(64,relu),dense(out)")
# The text architectures draw their embeddings Glorot-uniform (small vectors), not N(0, 1) as an Embedding
# does by default (PyTorch's): on the topics corpus (bench/bench_accuracy_text.py, 3 splits) textmean reaches
# 0.912 mean test accuracy that way and 0.737 from N(0, 1), where the averaged unit-variance vectors swamp
# what training adds in its 20 epochs.
ARCHITECTURES.register("textmean",
                       "embedding(64,padding_idx=0,init=glorot_uniform),seqmeanpool,dense(64,relu),dense(out)")
ARCHITECTURES.register("textcnn", "embedding(64,padding_idx=0,init=glorot_uniform),transpose,"
                                  "conv(64,3,relu,padding=same),transpose,seqmaxpool,dropout(0.3),dense(out)")
ARCHITECTURES.register("transformer", "embedding(64,padding_idx=0,init=glorot_uniform),position,"
                                      "encoder(4,128,dropout=0.1),seqmeanpool,dense(out)")

OUT = "out"  # the width of the last dense that build(..., outputs=N) fills
_NOT_BUILT = ("seed", "rng", "dtype", "self")  # constructor arguments build passes itself, never a spec


# ------------------------------------------------------------------ the tokens
@dataclass(frozen=True)
class _Token:
    """A spec token: the layer classes it builds by input rank, its positional arguments, what build infers."""

    name: str
    classes: dict[int | None, str]  # input rank -> layer class name; None: any rank
    positional: tuple[str, ...] = ()
    always: int = 0  # how many leading positionals spec_of always writes (the essential ones)
    infer: Callable[[tuple[int, ...], dict[str, Any], _Context], None] | None = None  # fills inferred options
    inferred: tuple[str, ...] = ()  # options build works out (spec_of leaves them out)
    defaults: dict[str, Any] = field(default_factory=dict)  # spec defaults that differ from the constructor's
    simplify: Callable[[dict[str, Any]], None] | None = None  # drops options spec_of need not write
    layout: str | None = None  # "sequence": takes/gives (L, D) token vectors; "grid": channels first; None: any
    gives: str | None = None  # the layout it gives (None: keeps its input's)
    written: int | None = None  # how many leading positionals spec_of writes by position (None: all)


@dataclass
class _Context:
    vocab_size: int | None
    first: bool


def _set(options: dict[str, Any], key: str, value: Any) -> None:
    options.setdefault(key, value)


def _infer_dense(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    _set(options, "in_features", math.prod(shape))  # a (C, H, W) input is refused by Dense.output_shape


def _infer_channels(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    _set(options, "in_channels", shape[0])


def _infer_features(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    _set(options, "num_features", shape[0])


def _infer_last_axis(key: str) -> Callable[[tuple[int, ...], dict[str, Any], _Context], None]:
    def infer(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
        _set(options, key, shape[-1])
    return infer


def _infer_embedding(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    if not ctx.first:
        raise ParameterError("embedding takes token ids, so it must be the first layer")
    if "num_embeddings" not in options:
        if ctx.vocab_size is None:
            raise ParameterError("embedding needs the vocabulary size: build(..., vocab_size=N), or "
                                 "embedding(64, num_embeddings=N)")
        options["num_embeddings"] = ctx.vocab_size


def _infer_position(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    _set(options, "max_len", shape[0])
    _set(options, "embedding_dim", shape[-1])


def _simplify_pool(options: dict[str, Any]) -> None:
    if options.get("stride") in (None, options.get("kernel_size")):
        options.pop("stride", None)


def _simplify_encoder(options: dict[str, Any]) -> None:
    if options.get("dim_feedforward") in (None, 4 * options.get("d_model", 0)):
        options.pop("dim_feedforward", None)


def _conv(name: str, classes: dict[int | None, str]) -> _Token:
    return _Token(name, classes, ("out_channels", "kernel_size", "activation"), 2, _infer_channels, ("in_channels",),
                  layout="grid", gives="grid")


def _pool(name: str, classes: dict[int | None, str]) -> _Token:
    return _Token(name, classes, ("kernel_size", "stride", "padding"), 1, simplify=_simplify_pool, layout="grid",
                  gives="grid", written=1)


_TOKENS: Registry[_Token] = Registry("layer")
for _token, _aliases in [
    (_Token("dense", {None: "Dense"}, ("out_features", "activation"), 1, _infer_dense, ("in_features",),
            {"activation": "identity"}, gives="vector"), ()),
    (_Token("dropout", {None: "Dropout"}, ("p",), 1), ()),
    (_Token("batchnorm", {1: "BatchNorm", 3: "BatchNorm2d"}, infer=_infer_features, inferred=("num_features",)),
     ("batchnorm1d", "batchnorm2d", "bn")),
    (_Token("layernorm", {None: "LayerNorm"}, infer=_infer_last_axis("num_features"), inferred=("num_features",)),
     ()),
    (_Token("activation", {None: "Activation"}, ("activation",), 1), ()),
    (_conv("conv", {3: "Conv2d", 2: "Conv1d"}), ()),
    (_conv("conv2d", {3: "Conv2d"}), ()),
    (_conv("conv1d", {2: "Conv1d"}), ()),
    (_pool("maxpool", {3: "MaxPool2d", 2: "MaxPool1d"}), ("maxpool2d", "maxpool1d")),
    (_pool("avgpool", {3: "AvgPool2d", 2: "AvgPool1d"}), ("avgpool2d", "avgpool1d")),
    (_Token("globalavgpool", {3: "GlobalAvgPool2d"}, layout="grid", gives="vector"), ("globalavgpool2d", "gap")),
    (_Token("flatten", {None: "Flatten"}, gives="vector"), ()),
    (_Token("transpose", {None: "Transpose"}, ("dim0", "dim1")), ()),
    (_Token("embedding", {1: "Embedding"}, ("embedding_dim",), 1, _infer_embedding, ("num_embeddings",),
            gives="sequence"), ()),
    (_Token("position", {2: "PositionalEmbedding"}, ("max_len",), 1, _infer_position, ("embedding_dim",),
            layout="sequence", gives="sequence"), ("positionalembedding",)),
    (_Token("seqmeanpool", {2: "SequenceMeanPool"}, layout="sequence", gives="vector"),
     ("sequencemeanpool",)),
    (_Token("seqmaxpool", {2: "SequenceMaxPool"}, layout="sequence", gives="vector"), ("sequencemaxpool",)),
    (_Token("attention", {2: "MultiHeadSelfAttention"}, ("num_heads",), 1, _infer_last_axis("embed_dim"),
            ("embed_dim",), layout="sequence", gives="sequence"), ("multiheadselfattention", "selfattention")),
    (_Token("encoder", {2: "TransformerEncoderBlock"}, ("num_heads", "dim_feedforward"), 1,
            _infer_last_axis("d_model"), ("d_model",), simplify=_simplify_encoder, layout="sequence",
            gives="sequence"), ("transformerencoderblock",)),
    (_Token("kwta", {None: "KWinners"}, ("k",), 1), ("kwinners",)),
    (_Token("activity_l1", {None: "ActivityL1"}, ("weight",), 1), ("activityl1",)),
]:
    _TOKENS.register(_token.name, _token, aliases=_aliases)

# a Mixture of Experts in place of a dense layer: moe(64, experts=4, k=2) (its activation defaults to relu)
_TOKENS.register("moe", _Token("moe", {1: "MoE"}, ("out_features", "activation"), 1, _infer_dense, ("in_features",),
                               gives="vector"), aliases=("mixtureofexperts",))


# ------------------------------------------------------------ spiking networks
# An encoder turns the data into spikes over time, (T, batch, ...); after it, dense and conv build spiking layers
# (their activation position names the neuron model: dense(128,lif)) and the layers without memory are applied at
# each time step (Temporal). The spiking classes register themselves when neuronkit.spiking is imported, which
# build does on first need, so that `import neuronkit` stays free of it.
def _infer_encoder(shape: tuple[int, ...], options: dict[str, Any], ctx: _Context) -> None:
    if not ctx.first:
        raise ParameterError("an encoder turns the data into spikes over time, so it must be the first layer")


def _simplify_spike_encoder(options: dict[str, Any]) -> None:
    options.pop("seed", None)  # drawn from build's generator: spec_of leaves it to build(..., seed=)


for _token, _aliases in [
    (_Token("rate", {None: "RateEncoder"}, ("steps",), 1, _infer_encoder, simplify=_simplify_spike_encoder),
     ("rateencoder", "poisson")),
    (_Token("latency", {None: "LatencyEncoder"}, ("steps",), 1, _infer_encoder), ("latencyencoder",)),
    (_Token("current", {None: "CurrentEncoder"}, ("steps",), 1, _infer_encoder), ("currentencoder",)),
]:
    _TOKENS.register(_token.name, _token, aliases=_aliases)

_ENCODERS = ("rate", "latency", "current")
#: the tokens that build a spiking layer after an encoder (their activation position names the neuron model)
_SPIKING_CLASSES = {"dense": "SpikingDense", "conv": "SpikingConv2d", "conv2d": "SpikingConv2d"}
#: the tokens applied at each time step after an encoder, wrapped in Temporal
_PER_STEP = ("dropout", "maxpool", "avgpool", "globalavgpool", "flatten")

ARCHITECTURES.register("snn", "rate(25),dense(128,lif),dense(out,lif)")


#: How the spec names spiking neuron models ("is_neuron_name", "neuron_spec"): functions that
#: neuronkit.spiking.layers registers here when it loads. It sits above this module, so it is not imported
#: from here; the layer registry imports it by name (its provider) the first time a spiking type is asked for.
_NEURON_NAMING: dict[str, Callable[[Any], Any]] = {}


def register_neuron_naming(is_neuron_name: Callable[[Any], bool], neuron_spec: Callable[[Any], Any]) -> None:
    """Called by :mod:`neuronkit.spiking.layers` on import: how a spec line names its neuron models."""
    _NEURON_NAMING.update(is_neuron_name=is_neuron_name, neuron_spec=neuron_spec)


def _load_spiking() -> dict[str, Callable[[Any], Any]]:
    """The spiking naming functions, loading neuronkit.spiking through the layer registry on first need (its
    layer types, encoders and neuron models register then)."""
    if not _NEURON_NAMING:
        LAYERS.canonical("SpikingDense")
    return _NEURON_NAMING


def _spiking_flags(items: list[_Item]) -> list[bool]:
    """For each item: does it come after an encoder (so it works on spikes over time)?"""
    flags, after = [], False
    for item in items:
        flags.append(after)
        after = after or item.token in _ENCODERS
    return flags


def _is_neuron(value: Any) -> bool:
    """Does an activation-position value name a spiking neuron model (``lif``, ``lif(beta=0.8)``)?"""
    return bool(_load_spiking()["is_neuron_name"](value))


def _spiking_item(item: _Item, shape: tuple[int, ...]) -> tuple[type[Module], _Item]:
    """The class a token after an encoder builds, and the item with its options for it."""
    if item.token in _SPIKING_CLASSES:
        if item.token.startswith("conv") and len(shape) != 3:
            raise item.error(f"conv after an encoder takes images (C, H, W) at each time step; it gets {shape} here",
                             ShapeError)
        options = dict(item.options)
        neuron = options.pop("activation", options.pop("neuron", "lif"))
        named = neuron.get("name") if isinstance(neuron, Mapping) else neuron
        if isinstance(named, str) and named in ACTIVATIONS and not _is_neuron(neuron):
            raise item.error(f"after an encoder, {item.token} builds a spiking layer: its activation position names "
                             f"a spiking neuron model (lif, lif(beta=0.8), ...); got {neuron!r}")
        options["neuron"] = neuron
        cls = LAYERS.get(_SPIKING_CLASSES[item.token])
        return cls, _Item(item.token, options, item.number, item.col, item.text)
    if item.token in _PER_STEP:
        return LAYERS.get("Temporal"), item
    if item.token in _ENCODERS:
        raise item.error("a network has one encoder, the first layer")
    raise item.error(f"{item.token} cannot follow an encoder: the layers after it work on spikes over time (T, batch, "
                     f"...); use dense or conv with a neuron model (dense(128,lif)) and "
                     f"{', '.join(_PER_STEP)} (applied at each time step)")

#: the token spec_of writes for each layer class
_TOKEN_OF_CLASS = {cls: "conv" if token.name.startswith("conv") else token.name
                   for token in (_TOKENS.get(n) for n in _TOKENS.names()) for cls in token.classes.values()}
_TOKEN_OF_CLASS.update({"SpikingDense": "dense", "SpikingConv2d": "conv"})


# ---------------------------------------------------------------- parsed items
@dataclass
class _Item:
    """One layer of a parsed spec: its token, its options by name, and where it was written."""

    token: str  # the canonical token name
    options: dict[str, Any]
    number: int  # 1-based position among the layers
    col: int | None = None  # 1-based column of the token in a one-line spec
    text: str = ""  # the layer as written

    @property
    def where(self) -> str:
        return f"token {self.number}" + (f" (col {self.col})" if self.col is not None else "")

    def error(self, message: str, kind: type[NeuronkitError] = ParameterError) -> NeuronkitError:
        """The error ``kind`` with ``message`` placed: "dense at token 5 (col 40): dense needs a width: …"."""
        return kind(f"{self.text or self.token} at {self.where}: {message}")


_LEXEME = re.compile(r"""\s*(?:(?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
                            |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)
                            |(?P<string>'[^']*'|"[^"]*")
                            |(?P<punct>[(),=]))""", re.VERBOSE)
_WORDS = {"true": True, "false": False, "none": None, "null": None}


class _Parser:
    """The one-line form, read left to right with the column of every lexeme (for the messages)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lexemes: list[tuple[str, str, int]] = []  # (kind, text, 0-based offset)
        pos = 0
        while text[pos:].strip():
            match = _LEXEME.match(text, pos)
            if match is None or match.lastgroup is None:
                col = len(text) - len(text[pos:].lstrip()) + 1
                if text[col - 1] in "'\"":
                    raise ParameterError(f"the quote {text[col - 1]} at col {col} of the spec {text!r} is not closed")
                raise ParameterError(f"unexpected character {text[col - 1]!r} at col {col} of the spec {text!r}; a "
                                     "spec is layers separated by commas, e.g. conv(32,3,relu),maxpool(2),flatten,"
                                     "dense(10)")
            self.lexemes.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
            pos = match.end()
        self.i = 0

    def at(self, text: str) -> bool:
        """Is the next lexeme ``text``?"""
        return self.i < len(self.lexemes) and self.lexemes[self.i][1] == text

    def done(self) -> bool:
        return self.i >= len(self.lexemes)

    def col(self) -> int:
        return (self.lexemes[self.i][2] if not self.done() else len(self.text)) + 1

    def take(self, punct: str | None = None) -> tuple[str, str, int]:
        if self.done():
            raise ParameterError(f"the spec ends too early at col {self.col()}: expected "
                                 f"{repr(punct) if punct else 'more'} in {self.text!r}")
        lexeme = self.lexemes[self.i]
        if punct is not None and lexeme[1] != punct:
            raise ParameterError(f"expected {punct!r} at col {lexeme[2] + 1}; got {lexeme[1]!r} in {self.text!r}")
        self.i += 1
        return lexeme

    def items(self) -> list[_Item]:
        if self.done():
            raise ParameterError("the spec is empty; give layers separated by commas, e.g. "
                                 "'dense(64,relu),dense(out)'")
        items = [self.layer(1)]
        while not self.done():
            comma = self.take()
            if comma[1] != ",":
                raise ParameterError(f"expected ',' between layers at col {comma[2] + 1}; got {comma[1]!r} "
                                     f"after {items[-1].text!r} (token {len(items)})")
            if self.done():
                raise ParameterError(f"a layer must follow the ',' at col {comma[2] + 1} of {self.text!r}")
            items.append(self.layer(len(items) + 1))
        return items

    def layer(self, number: int) -> _Item:
        kind, word, start = self.take()
        if kind != "name":
            raise ParameterError(f"expected a layer name at token {number} (col {start + 1}); got {word!r}")
        positional: list[tuple[Any, int]] = []
        keywords: dict[str, tuple[Any, int]] = {}
        if self.at("("):
            self.take("(")
            while not self.done() and not self.at(")"):
                col = self.col()
                if self.lexemes[self.i][0] == "name" and self.i + 1 < len(self.lexemes) \
                        and self.lexemes[self.i + 1][1] == "=":
                    key = self.take()[1]
                    self.take("=")
                    if key in keywords:
                        raise ParameterError(f"option {key!r} is given twice at token {number} (col {col})")
                    keywords[key] = (self.value(), col)
                elif keywords:
                    raise ParameterError(f"a positional argument follows a keyword at token {number} (col {col}); "
                                         "give positional arguments first")
                else:
                    positional.append((self.value(), col))
                if not self.at(","):
                    break
                self.take(",")
            if self.done():
                raise ParameterError(f"missing ')' for the '(' of {word!r} at token {number} (col {start + 1})")
            self.take(")")
        kind, last, end = self.lexemes[self.i - 1]
        return _item(word, positional, keywords, number, start + 1, self.text[start:end + len(last)])

    def value(self) -> Any:
        kind, word, start = self.take()
        if kind == "number":
            return float(word) if any(c in word for c in ".eE") else int(word)
        if kind == "string":
            return word[1:-1]
        if kind == "name" and self.at("("):
            return self.call(word, start)
        if kind == "name":
            return _WORDS[word.lower()] if word.lower() in _WORDS else word
        if word == "(":
            values = [self.value()]
            while self.at(","):
                self.take(",")
                values.append(self.value())
            self.take(")")
            return tuple(values)
        raise ParameterError(f"expected a value at col {start + 1}; got {word!r} in {self.text!r}")

    def call(self, name: str, start: int) -> dict[str, Any]:
        """``leaky_relu(negative_slope=0.2)`` as a value: an activation with options, ``{"name": ..., ...}``."""
        self.take("(")
        options: dict[str, Any] = {"name": name}
        while not self.done() and not self.at(")"):
            kind, key, col = self.take()
            if kind != "name" or not self.at("="):
                raise ParameterError(f"{name}(...) at col {start + 1} takes options by name, e.g. "
                                     f"leaky_relu(negative_slope=0.2); got {key!r} at col {col + 1}")
            self.take("=")
            options[key] = self.value()
            if not self.at(","):
                break
            self.take(",")
        self.take(")")
        return options


def _lookup(word: str, number: int, col: int | None) -> tuple[str, dict[str, Any]]:
    """The token ``word`` names (and, for a bare activation name, its activation), or the error saying what is."""
    if word in _TOKENS:
        return _TOKENS.canonical(word), {}
    if word in ACTIVATIONS:
        return "activation", {"activation": ACTIVATIONS.canonical(word)}
    valid = _TOKENS.names()
    close = difflib.get_close_matches(normalise(word), [normalise(n) for n in valid + ACTIVATIONS.names()], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = f"token {number}" + (f" (col {col})" if col is not None else "")
    raise UnknownNameError(f"unknown layer {word!r} at {where}; valid: {', '.join(valid)}, or an activation "
                           f"({', '.join(ACTIVATIONS.names())}){hint}", kind="layer", name=word,
                           valid=tuple(valid), suggestion=close[0] if close else None)


def _item(word: str, positional: list[tuple[Any, int]], keywords: dict[str, tuple[Any, int]], number: int,
          col: int | None, text: str) -> _Item:
    token, options = _lookup(word, number, col)
    item = _Item(token, options, number, col, text)
    names = _TOKENS.get(token).positional
    if token == "activation" and options:  # a bare activation name: its options are the activation's
        if positional:
            raise item.error(f"{word}(...) takes its options by name, e.g. leaky_relu(negative_slope=0.2)")
        if keywords:
            options["activation"] = {"name": options["activation"], **{k: v for k, (v, _) in keywords.items()}}
        return item
    if len(positional) > len(names):
        takes = f"at most {len(names)} positional arguments ({', '.join(names)})" if names else \
            "no positional arguments"
        raise item.error(f"{token} takes {takes}; got {len(positional)}: give the others by "
                         "name (option=value)")
    for key, (value, _) in zip(names, positional):
        options[key] = value
    for key, (value, at) in keywords.items():
        if key in options:
            where = f"token {number}" + (f" (col {at})" if at else "")
            raise ParameterError(f"option {key!r} of {token} is given by position and by name at {where}")
        options[key] = value
    return item


def _items_from_dicts(layers: Any, source: str) -> list[_Item]:
    """The JSON/TOML form: a list of ``{"layer": token, option: value, ...}``."""
    if not isinstance(layers, list) or not layers:
        raise ParameterError(must_be("a spec " + source, "a non-empty list of layers, each a dict with a 'layer' "
                                     "key, e.g. [{'layer': 'dense', 'out_features': 10}]", layers))
    items = []
    for number, layer in enumerate(layers, 1):
        if not isinstance(layer, Mapping) or not isinstance(layer.get("layer"), str):
            raise ParameterError(must_be(f"token {number} of the spec {source}", "a dict with a 'layer' key naming "
                                         "the layer, e.g. {'layer': 'conv', 'out_channels': 32, 'kernel_size': 3}",
                                         layer))
        keywords = {str(k): (_plain(v), 0) for k, v in layer.items() if k != "layer"}
        items.append(_item(layer["layer"], [], keywords, number, None, str(layer["layer"])))
    return items


def _plain(value: Any) -> Any:
    """JSON/TOML lists as tuples (kernel sizes), recursively."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _items(spec: Any) -> list[_Item]:
    """Any form of a spec as parsed items: a line, JSON or TOML text, a file, a named architecture, dicts."""
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and spec.strip().lower().endswith((".json", ".toml"))
                                         and "(" not in spec):
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ParameterError(f"cannot read the spec file {str(path)!r}: {error.strerror or error}") from None
        try:
            return _items_from_text(text, path.suffix.lower())
        except ParameterError as error:
            raise type(error)(f"{path}: {error}") from None
    if isinstance(spec, str):
        word = spec.strip()
        if word in ARCHITECTURES:
            return _Parser(ARCHITECTURES.get(word)).items()
        if re.fullmatch(r"[A-Za-z_][\w-]*", word) and word not in _TOKENS and word not in ACTIVATIONS:
            names = ARCHITECTURES.names()
            close = difflib.get_close_matches(normalise(word), names + _TOKENS.names(), n=1)
            raise UnknownNameError(f"unknown architecture or layer {word!r}; the architectures are: "
                                   f"{', '.join(names)}; the layers: {', '.join(_TOKENS.names())}"
                                   + (f"; did you mean {close[0]!r}?" if close else ""), kind="architecture",
                                   name=word, valid=tuple(names), suggestion=close[0] if close else None)
        return _items_from_text(spec, "")
    if isinstance(spec, Mapping):
        return _items_from_dicts(spec.get("layer", spec.get("layers")), "(a dict: its 'layer' list)")
    if isinstance(spec, (list, tuple)):
        return _items_from_dicts(list(spec), "(a list)")
    raise ParameterTypeError(must_be("spec", "a one-line spec, JSON or TOML text, a file path, an architecture name, "
                                     "or a list of layer dicts", spec, "build"))


def _items_from_text(text: str, suffix: str) -> list[_Item]:
    if suffix == ".toml" or (suffix != ".json" and re.search(r"^\s*\[\[\s*layers?\s*\]\]", text, re.MULTILINE)):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ParameterError(f"the spec is not valid TOML: {error}") from None
        return _items_from_dicts(data.get("layer", data.get("layers")), "(TOML: its [[layer]] tables)")
    if suffix == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ParameterError(f"the spec is not valid JSON: {error.msg} (line {error.lineno}, col "
                                 f"{error.colno})") from None
        return _items_from_dicts(data.get("layer", data.get("layers")) if isinstance(data, dict) else data,
                                 "(JSON)")
    return _Parser(text).items()


def parse_spec(spec: Any) -> list[dict[str, Any]]:
    """A spec in any form as its JSON form: one dict per layer, the token under ``"layer"``, options by name.

    The one-line form's positional arguments get their names; bare activation names become
    ``activation`` layers; nothing is inferred yet (that needs the input shape: :func:`build`).

    Examples
    --------
    >>> from neuronkit.layers.spec import parse_spec
    >>> parse_spec("conv(32, 3, relu, stride=2), maxpool(2), tanh, dense(out)")
    [{'layer': 'conv', 'out_channels': 32, 'kernel_size': 3, 'activation': 'relu', 'stride': 2}, \
{'layer': 'maxpool', 'kernel_size': 2}, {'layer': 'activation', 'activation': 'tanh'}, \
{'layer': 'dense', 'out_features': 'out'}]
    """
    return [{"layer": item.token, **item.options} for item in _items(spec)]


# ----------------------------------------------------------------------- build
def _layer_class(item: _Item, shape: tuple[int, ...]) -> type[Module]:
    token = _TOKENS.get(item.token)
    name = token.classes.get(len(shape), token.classes.get(None))
    if name is None:
        takes = " or ".join(_RANK_WORDS[rank] for rank in token.classes if rank is not None)
        raise item.error(f"{item.token} takes {takes}; it gets {shape} per sample here", ShapeError)
    if name not in LAYERS:
        raise item.error(f"{item.token} here needs the layer type {name}, which this version of neuronkit does "
                         "not have")
    return LAYERS.get(name)


_RANK_WORDS = {1: "vectors (F,)", 2: "sequences (C, L)", 3: "images (C, H, W)"}


def _provisional_names(items: list[_Item]) -> list[str]:
    """The names the network will give its layers, known before they are built (for the messages)."""
    kinds: list[tuple[str | None, type[Module]]] = []
    for item, spiking in zip(items, _spiking_flags(items)):
        name = item.options.get("name")
        classes = [LAYERS.get(c) for c in _TOKENS.get(item.token).classes.values() if c in LAYERS]
        if spiking and (item.token in _SPIKING_CLASSES or item.token in _PER_STEP):
            classes = [LAYERS.get(_SPIKING_CLASSES.get(item.token, "Temporal"))]
        kinds.append((name if isinstance(name, str) else None, classes[0] if classes else Module))
    try:
        return _layer_names(kinds)
    except ParameterError as error:
        raise ParameterError(f"spec: {error}") from None


def build(spec: Any, input_shape: Any, *, outputs: int | None = None, output: Any = None,
          vocab_size: int | None = None, seed: int | None = None, rng: np.random.Generator | None = None,
          dtype: Any = np.float32) -> Sequential:
    """A :class:`~neuronkit.Sequential` from a spec, for inputs of ``input_shape`` per sample.

    Parameters
    ----------
    spec : str, list of dict, dict or path
        A one-line spec (the grammar at the top of this page), a name in :data:`ARCHITECTURES`,
        JSON or TOML text, a ``.json``/``.toml`` file, or the parsed JSON form.
    input_shape : tuple of int
        One sample's shape, without the batch axis: ``(1, 28, 28)`` for 28x28 grey images
        (channels first), ``(n_features,)`` for a table, ``(L,)`` for L token ids.
    outputs : int, optional
        The width of the last ``dense`` when the spec says ``dense(out)`` (or gives no width);
        with it, the network must end in ``(outputs,)``.
    output : str, optional
        The activation of the last ``dense`` when the spec names none (``"softmax"``).
    vocab_size : int, optional
        ``num_embeddings`` of an ``embedding`` that does not give it.
    seed, rng : int or numpy.random.Generator
        Where every layer's initial weights (and dropout masks) come from: one generator for all.
    dtype : numpy dtype
        ``np.float32`` (default) or ``np.float64``, for every layer that holds weights.

    Sizes are worked out from the shapes flowing through: ``conv(32,3)`` on ``(1, 28, 28)`` is
    a ``Conv2d(1, 32, 3)`` giving ``(32, 26, 26)``, and a ``maxpool(2)`` after it gives
    ``(32, 13, 13)``. An error names the token, its position and what would fit.

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.build("dense(8,tanh),batchnorm,dense(out)", input_shape=(3,), outputs=2, output="softmax",
    ...                seed=0)
    >>> [(name, type(layer).__name__) for name, layer in net.layers.items()]
    [('hidden1', 'Dense'), ('batchnorm1', 'BatchNorm'), ('output', 'Dense')]
    >>> net["batchnorm1"].num_features, net["output"].activation.name, net.output_shape((3,))
    (8, 'softmax', (2,))
    >>> text = nk.build("transformer", input_shape=(12,), vocab_size=500, outputs=3, seed=0)
    >>> [(name, type(layer).__name__) for name, layer in text.layers.items()]  # doctest: +NORMALIZE_WHITESPACE
    [('embedding1', 'Embedding'), ('position1', 'PositionalEmbedding'), ('encoder1', 'TransformerEncoderBlock'),
     ('pool1', 'SequenceMeanPool'), ('output', 'Dense')]
    """
    items = _items(spec)
    shape = (check_int(input_shape, "input_shape", low=1, owner="build"),) if isinstance(
        input_shape, (int, np.integer)) and not isinstance(input_shape, bool) else check_in_shape(input_shape, "build")
    if outputs is not None:
        outputs = check_int(outputs, "outputs", low=1, owner="build")
    if vocab_size is not None:
        vocab_size = check_int(vocab_size, "vocab_size", low=1, owner="build")
    generator = make_rng(seed, rng)
    spiking = _spiking_flags(items)
    if any(item.token in _ENCODERS for item in items):
        _load_spiking()  # registers the encoders and the spiking layer types
    names = _provisional_names(items)
    denses = [i for i, item in enumerate(items) if item.token == "dense"] or [-1]
    layout = "vector" if len(shape) == 1 else "grid"
    # an activation layer after the last dense gives the output activation itself: it must agree with output=
    trailing = [item for item in items[denses[-1] + 1:] if item.token == "activation"] if denses != [-1] else []
    if trailing and output is not None and not _same_activation(trailing[-1].options["activation"], output):
        raise trailing[-1].error(f"the spec ends in the activation {trailing[-1].options['activation']!r} but "
                                 f"build(..., output={output!r}) asks for another; give one of them")
    layers: list[Module] = []
    for i, item in enumerate(items):
        token = _TOKENS.get(item.token)
        if token.layout == "sequence" and layout != "sequence":
            raise item.error(f"{item.token} works on a sequence of token vectors (L, D), as embedding gives; it "
                             f"gets {shape} here", ShapeError)
        if token.layout == "grid" and layout == "sequence":
            raise item.error(f"{item.token} takes channels first (C, L) or (C, H, W); it gets token vectors "
                             f"(L={shape[0]}, D={shape[-1]}) from the layers before it: pool them first "
                             "(seqmeanpool) or use attention/encoder", ShapeError)
        temporal: Any = None
        if spiking[i]:
            cls, item = _spiking_item(item, shape)
            if cls.__name__ == "Temporal":
                temporal, cls = cls, _layer_class(item, shape)
        else:
            cls = _layer_class(item, shape)
            activation = item.options.get("activation")
            named = activation.get("name") if isinstance(activation, Mapping) else activation
            if item.token in _SPIKING_CLASSES and isinstance(named, str) and named not in ACTIVATIONS \
                    and _is_neuron(activation):
                raise item.error(f"{named} is a "
                                 "spiking neuron model: spiking layers take spikes over time, so an encoder must come "
                                 "first, e.g. rate(25),dense(128,lif)")
        _check_option_names(cls, item)
        options = {**(token.defaults if cls.__name__ not in _SPIKING_CLASSES.values() else {}), **item.options}
        for key, value in item.options.items():
            if value == OUT and not (item.token == "dense" and key == "out_features" and i == denses[-1]):
                raise item.error(f"{key}={OUT} stands for build(..., outputs=N), and only as the width of the last "
                                 "dense: dense(out)")
        if item.token == "dense":
            # a spiking output layer gives spikes (a spike loss decodes them): output= does not apply to it
            _dense_width(item, options, i == denses[-1], outputs, None if trailing or spiking[i] else output)
        try:
            if token.infer is not None:
                token.infer(shape, options, _Context(vocab_size, first=i == 0))
            _check_required(cls, item, options)
            if temporal is not None:  # a layer without memory, applied at each time step
                name = options.pop("name", None)
                inner = _construct(cls, options, generator, dtype, "")
                inner.name = None
                layers.append(temporal(inner, name=name if name is not None else names[i]))
            else:
                layers.append(_construct(cls, options, generator, dtype, names[i]))
            shape = layers[-1].output_shape(shape)
        except NeuronkitError as error:
            raise item.error(str(error), type(error)) from None
        layout = token.gives or layout
        if item.token == "transpose" and len(shape) == 2:  # (L, D) token vectors <-> (C, L) channels first
            layout = "grid" if layout == "sequence" else "sequence"
    if output is not None and denses == [-1]:
        raise ParameterError(f"build(..., output={output!r}) sets the activation of the last dense; the spec has "
                             "no dense layer (end it with dense(out))")
    if outputs is not None and shape != (outputs,):
        last = "it has no dense layer" if denses == [-1] else \
            f"its last dense has {getattr(layers[denses[-1]], 'out_features', '?')}"
        raise ShapeError(f"the spec's network gives {shape} per sample, but outputs={outputs} ({last}): end it with "
                         "dense(out), which takes outputs")
    return Sequential(*layers)


def _dense_width(item: _Item, options: dict[str, Any], last: bool, outputs: int | None, output: Any) -> None:
    """The last dense takes ``outputs`` for a width of ``out`` (or none), and ``output`` for its activation."""
    width = options.get("out_features")
    if width is None and (not last or outputs is None):
        raise item.error("dense needs a width: dense(128)" + (", or dense(out) with build(..., outputs=N)"
                                                                 if last else ""))
    if width in (None, OUT):
        if outputs is None:
            raise item.error("dense(out) takes its width from build(..., outputs=N); give outputs, or a width: "
                             "dense(10)")
        options["out_features"] = outputs
    if last and output is not None:
        if "activation" in item.options and not _same_activation(item.options["activation"], output):
            raise item.error(f"the spec gives the output layer activation {item.options['activation']!r} but "
                             f"build(..., output={output!r}) asks for another; give one of them")
        options["activation"] = output


def _same_activation(a: Any, b: Any) -> bool:
    """Do two activation specs (names in any spelling, or configs) name the same activation?"""
    def canonical(spec: Any) -> Any:
        return ACTIVATIONS.canonical(spec) if isinstance(spec, str) and spec in ACTIVATIONS else spec
    return bool(canonical(a) == canonical(b))


def _check_option_names(cls: type[Module], item: _Item) -> None:
    """Refuse an option the layer's constructor does not have (or that build passes itself), suggesting one."""
    parameters = inspect.signature(cls).parameters
    allowed = [p for p in parameters if p not in _NOT_BUILT]
    unknown = [key for key in item.options if key not in allowed]
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise item.error(f"{item.token} ({cls.__name__}) has no option {unknown[0]!r}; its options are: "
                         f"{', '.join(allowed)}{hint}", ParameterTypeError)


def _check_required(cls: type[Module], item: _Item, options: dict[str, Any]) -> None:
    """Refuse a layer without a required argument (one its constructor has no default for), showing the form."""
    missing = [p.name for p in inspect.signature(cls).parameters.values() if p.default is p.empty
               and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in options]
    if missing:
        form = ",".join(_TOKENS.get(item.token).positional) or ",".join(missing)
        raise ParameterError(f"{item.token} needs {', '.join(missing)}: {item.token}({form})")


def _construct(cls: type[Module], options: dict[str, Any], generator: np.random.Generator, dtype: Any,
               name: str) -> Module:
    """The layer, drawing from the network's one generator, named as the network will name it (for messages)."""
    parameters = inspect.signature(cls).parameters
    extra: dict[str, Any] = {"rng": generator} if "rng" in parameters else {}
    if "dtype" in parameters:
        extra["dtype"] = dtype
    layer = cls(**options, **extra)
    if layer.name is None:
        layer.name = name
    return layer


# --------------------------------------------------------------------- spec_of
def spec_of(net: Sequential) -> str:
    """The one-line spec of a network built from layers the spec knows (the inverse of :func:`build`).

    Sizes that :func:`build` infers (``in_features``, ``in_channels``, ``num_features``,
    ``num_embeddings``, …) are left out, as are options at their default, so
    ``build(spec_of(net), input_shape, vocab_size=...)`` rebuilds the same architecture.
    A layer whose name is not the one the network would give it keeps it (``name=``).

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(4, 8, activation="relu", seed=0), nk.Dropout(0.25),
    ...                     nk.Dense(8, 2, activation="identity", seed=1, name="logits"))
    >>> nk.spec_of(net)
    'dense(8,relu),dropout(0.25),dense(2,name=logits)'
    """
    if not isinstance(net, Sequential):
        raise ParameterTypeError(must_be("net", "a Sequential (what build gives)", type(net).__name__, "spec_of"))
    automatic = _layer_names([(None, type(layer)) for layer in net])
    parts = []
    for (name, layer), auto in zip(net.layers.items(), automatic):
        token, options = _describe(name, layer)
        if name != auto:
            options["name"] = name
        parts.append(_format(token, options))
    return ",".join(parts)


def _describe(name: str, layer: Module) -> tuple[str, dict[str, Any]]:
    """The token and the options (defaults and inferred sizes left out) that describe ``layer``."""
    kind = type(layer).__name__
    if kind == "Temporal":  # a layer applied at each time step: written as that layer (build wraps it again)
        return _describe(name, vars(layer)["layer"])
    if kind not in _TOKEN_OF_CLASS:
        known = ", ".join(sorted(_TOKEN_OF_CLASS))
        raise ParameterError(f"spec_of: layer {name!r} is a {kind}, which a spec cannot describe (it knows: {known})")
    token = _TOKENS.get(_TOKEN_OF_CLASS[kind])
    config = {key: _plain(value) for key, value in layer.config().items() if key not in ("type", "name", "dtype")}
    if kind in _SPIKING_CLASSES.values():  # the neuron model goes in the activation position: dense(128,lif)
        del config["neuron"]
        config["activation"] = _plain(_load_spiking()["neuron_spec"](vars(layer)["neuron"]))
    if "init" in config and config["init"] == _default_init(layer):
        del config["init"]
    if token.simplify is not None:
        token.simplify(config)
    parameters = inspect.signature(type(layer)).parameters
    options = {}
    for key, value in config.items():
        value = _short(value)
        default = token.defaults.get(key, parameters[key].default if key in parameters else inspect.Parameter.empty)
        if key in token.inferred or (value == _short(default) and key not in token.positional[:token.always]):
            continue
        options[key] = value
    if token.name == "activation":  # a bare activation name, with its options if it has any
        activation = options.pop("activation")
        return (activation if isinstance(activation, str) else activation.pop("name")), (
            {} if isinstance(activation, str) else activation)
    return token.name, options


def _default_init(layer: Module) -> Any:
    """The ``init`` a layer of the same config gets when it names none (spec_of leaves that one out)."""
    config = {key: value for key, value in layer.config().items() if key != "type"}
    try:
        return type(layer).from_config({**config, "init": None}).config().get("init")
    except (NeuronkitError, TypeError):
        return None


def _short(value: Any) -> Any:
    """An activation config without options as its name, a tuple of equal sizes as one: (3, 3) -> 3."""
    if isinstance(value, dict) and set(value) == {"name"}:
        return value["name"]
    if isinstance(value, tuple) and value and all(v == value[0] for v in value) and isinstance(value[0], int):
        return value[0]
    return value


def format_layer(layer: dict[str, Any]) -> str:
    """One layer in :func:`parse_spec`'s form written back as a spec token, its leading options by position.

    >>> format_layer({"layer": "dense", "out_features": 64, "activation": "relu"})
    'dense(64,relu)'
    >>> ",".join(format_layer(layer) for layer in parse_spec("dense(64, relu), dropout(p=0.2), kwta(8)"))
    'dense(64,relu),dropout(0.2),kwta(8)'
    """
    return _format(str(layer["layer"]), {key: value for key, value in layer.items() if key != "layer"})


def _format(token: str, options: dict[str, Any]) -> str:
    entry = _TOKENS.get(token) if token in _TOKENS else None
    positional = list(entry.positional[:entry.written]) if entry is not None else []
    args = []
    for key in positional:
        if key not in options:
            break
        args.append(_format_value(options.pop(key)))
    args.extend(f"{key}={_format_value(value)}" for key, value in options.items())
    return f"{token}({','.join(args)})" if args else token


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(_format_value(v) for v in value) + ")"
    if isinstance(value, dict):
        options = dict(value)
        name = options.pop("name")
        return f"{name}(" + ",".join(f"{k}={_format_value(v)}" for k, v in options.items()) + ")"
    text = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text.lower() not in _WORDS:
        return text
    return repr(text)
