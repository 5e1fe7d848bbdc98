"""Layers for token sequences: Embedding, PositionalEmbedding, and masked pooling over a sequence.

A text model reads integer token ids (N, L), turns each into a vector (:class:`Embedding`:
an *embedding neuron* per dimension, one learned weight per word), adds where each token sits
(:class:`PositionalEmbedding`), mixes the tokens (:mod:`neuronkit.layers.attention`) and pools
the sequence into one vector per sample (:class:`SequenceMeanPool`, :class:`SequenceMaxPool`)
for a :class:`~neuronkit.layers.Dense` head::

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Embedding(20, 8, padding_idx=0, seed=0), nk.PositionalEmbedding(6, 8, seed=1),
    ...                     nk.SequenceMeanPool(), nk.Dense(8, 2, activation="identity", seed=2))
    >>> ids = np.array([[4, 9, 2, 0, 0, 0], [7, 1, 1, 3, 5, 0]])   # 0 is padding
    >>> net(ids).shape
    (2, 2)

Masks: ``mask`` is a bool array (N, L), True where a real token is (False: padding). Layers
that use one have ``takes_mask = True`` and take ``forward(x, mask=None)``;
:class:`~neuronkit.layers.Sequential` passes ``mask=`` to them, and when none is given and its
first layer is an Embedding with a ``padding_idx``, the mask is ``ids != padding_idx``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..engine import Parameter, Tensor, no_grad, ops
from ..engine import attention as attn
from ..errors import DataError, IndexRangeError, NameNotFoundError, ParameterError, ParameterTypeError, ShapeError
from ..init import INITIALIZERS, float_dtype, get_initializer, make_rng
from ..validation import check_array, check_int, must_be
from .base import ArraySpec, Module, check_name, constructor_options, label, layer_input, register_layer

__all__ = ["Embedding", "PositionalEmbedding", "SequenceMaxPool", "SequenceMeanPool"]


class _TakesMask(Module):
    """A layer that takes a padding mask: ``layer(x, mask)``, ``infer(x, mask)`` (not registered itself)."""

    takes_mask = True

    def __call__(self, x: Any, mask: Any = None) -> Tensor:
        return self.forward(x, mask)

    def forward(self, x: Any, mask: Any = None) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} defines no forward(x, mask); a layer must")

    def infer(self, x: Any, mask: Any = None) -> np.ndarray:
        with no_grad():
            return self.forward(x, mask).data


def sequence_input(layer: Module, x: Any, dim: int | None, dtype: np.dtype | None) -> Tensor:
    """``x`` as a float Tensor of token vectors: a batch (N, L, dim) or one sequence (L, dim); else a ShapeError."""
    x = layer_input(layer, x, None, dtype)
    if x.ndim not in (2, 3) or (dim is not None and x.shape[-1] != dim):
        want = "D" if dim is None else str(dim)
        raise ShapeError(f"layer {label(layer)!r} takes token vectors of shape (batch, length, {want}) or "
                         f"(length, {want}); got shape {x.shape}")
    _check_length(layer, x.shape, x.ndim - 2)
    return x


def _check_length(layer: Module, shape: tuple[int, ...], axis: int) -> None:
    if shape[axis] == 0:
        raise ShapeError(f"layer {label(layer)!r} got sequences of length 0 (shape {shape}); every sequence needs "
                         "at least one position (an empty text is one padding token)")


def sequence_mask(layer: Module, mask: Any, x: Tensor) -> np.ndarray | None:
    """``mask`` as a bool array of ``x``'s (batch, length): True at real tokens. None stays None."""
    if mask is None:
        return None
    m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.dtype != bool:
        if m.dtype.kind not in "iuf" or not np.isin(m, (0, 1)).all():
            raise ParameterTypeError(f"layer {label(layer)!r}: mask must be a bool array, True at real tokens and "
                                     f"False at padding; got dtype {m.dtype}")
        m = m.astype(bool)
    if m.shape != x.shape[:-1]:
        raise ShapeError(f"layer {label(layer)!r}: mask has shape {m.shape} but the input {x.shape} has (batch, "
                         f"length) = {x.shape[:-1]}; give one True/False per token position")
    return m


def token_ids(layer: Module, x: Any, num_embeddings: int) -> np.ndarray:
    """``x`` as integer token ids in [0, num_embeddings), shape (N, L) or (L,); each mistake its own message."""
    who = f"layer {label(layer)!r}"
    ids = np.asarray(x.data if isinstance(x, Tensor) else x)
    if ids.dtype.kind not in "iuf":
        kind = "True/False values" if ids.dtype.kind == "b" else f"values of dtype {ids.dtype}"
        raise ParameterTypeError(f"{who} takes integer token ids (a tokenizer turns text into them); got {kind}")
    if ids.ndim not in (1, 2):
        raise ShapeError(f"{who} takes token ids of shape (batch, length) or (length,); got shape {ids.shape}")
    _check_length(layer, ids.shape, -1)
    if ids.dtype.kind == "f":
        whole = np.isfinite(ids) & (ids == np.round(ids))
        if not whole.all():
            where = tuple(int(i) for i in np.argwhere(~whole)[0])
            raise DataError(f"{who} takes integer token ids; got {ids[where]!r} at position {where}")
        ids = ids.astype(np.intp)
    bad = (ids < 0) | (ids >= num_embeddings)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexRangeError(f"{who} has num_embeddings={num_embeddings} (ids 0..{num_embeddings - 1}); got id "
                              f"{int(ids[where])} at position {where}. Give the layer the vocabulary's size, or map "
                              "unknown words to the out-of-vocabulary id")
    return ids


def _initial(init: Any, shape: tuple[int, int], generator: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    """N(0, 1) draws (PyTorch's nn.Embedding) without ``init``; else the named initialiser's."""
    if init is None:
        return generator.standard_normal(shape).astype(dtype)
    return np.asarray(get_initializer(init)(shape, generator, dtype=dtype), dtype=dtype)


def _init_name(init: Any) -> Any:
    return INITIALIZERS.canonical(init) if isinstance(init, str) else init


def _table_options(cls: type[Module], config: dict[str, Any], rows: str) -> tuple[dict[str, Any], int, int, np.dtype]:
    options = constructor_options(cls, config, cls.__name__)
    n = check_int(options[rows], rows, low=1, owner=cls.__name__)
    dim = check_int(options["embedding_dim"], "embedding_dim", low=1, owner=cls.__name__)
    return options, n, dim, float_dtype(options["dtype"], owner=cls.__name__)


def _restore(cls: type[Module], config: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> Module:
    """The layer around stored arrays, drawing no weights; its config names the initialiser it was given."""
    config = dict(config)
    init = config.get("init")
    config["init"] = "zeros"
    layer = cls.from_config(config)
    layer.init = init if init in (None, "custom") else _init_name(init)  # type: ignore[attr-defined]
    layer.load_state_dict(arrays, assign=True)
    return layer


@register_layer
class Embedding(Module):
    r"""A table of learned vectors, one per token id: ``out[n, t] = weight[ids[n, t]]``.

    Each of the ``embedding_dim`` columns is an *embedding neuron*: its value for a word is
    that word's weight, learned like any other (only the rows of the ids in a batch get a
    gradient). Equal to PyTorch's ``nn.Embedding`` (weights N(0, 1); the row ``padding_idx``
    is zero and gets no gradient, so it never changes in training).

    Parameters
    ----------
    num_embeddings : int
        Vocabulary size: ids are 0 .. num_embeddings - 1.
    embedding_dim : int
        Length of each vector.
    padding_idx : int, optional
        The id of padding (negative counts from the end, as in PyTorch); :class:`Sequential`
        builds its mask from it (``ids != padding_idx``).
    init : str or callable, optional
        An initialiser of :mod:`neuronkit.init` instead of N(0, 1).
    seed, rng, name, dtype
        As for :class:`~neuronkit.layers.Dense`.

    Shapes: ids (N, L) or (L,) of integers (floats that are whole numbers are accepted);
    output (N, L, embedding_dim) or (L, embedding_dim). An id out of range is an
    :class:`~neuronkit.errors.IndexRangeError` naming the layer, the id, its position and
    ``num_embeddings``.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> emb = nk.Embedding(4, 2, padding_idx=0, seed=0)
    >>> emb.weight.data[:] = [[0, 0], [1, 0], [0, 1], [1, 1]]
    >>> emb(np.array([[3, 1, 0]])).data
    array([[[1., 1.],
            [1., 0.],
            [0., 0.]]], dtype=float32)
    >>> ids, similarity = emb.nearest(1, k=2)
    >>> ids.tolist(), similarity.round(3).tolist()
    ([3, 2], [0.707, 0.0])
    """

    sample_ndim = 1

    input_kind = "ids"
    name_prefix = "embedding"

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, *,
                 init: Any = None, seed: int | None = None, rng: np.random.Generator | None = None,
                 name: str | None = None, dtype: Any = np.float32) -> None:
        self.num_embeddings = check_int(num_embeddings, "num_embeddings", low=1, owner="Embedding")
        self.embedding_dim = check_int(embedding_dim, "embedding_dim", low=1, owner="Embedding")
        if padding_idx is not None:
            padding_idx = check_int(padding_idx, "padding_idx", low=-self.num_embeddings,
                                    high=self.num_embeddings - 1, owner="Embedding") % self.num_embeddings
        self.padding_idx = padding_idx
        dtype = float_dtype(dtype, owner="Embedding")
        self.init = _init_name(init)
        weight = _initial(self.init, (self.num_embeddings, self.embedding_dim), make_rng(seed, rng), dtype)
        if padding_idx is not None:
            weight[padding_idx] = 0.0
        self.weight = Parameter(np.ascontiguousarray(weight))
        self.name = check_name(name, "Embedding")

    def forward(self, x: Any) -> Tensor:
        return attn.embedding(self.weight, token_ids(self, x, self.num_embeddings), self.padding_idx)

    def infer(self, x: Any) -> np.ndarray:
        return np.take(self.weight.data, token_ids(self, x, self.num_embeddings), axis=0)

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(L,) ids per sample -> (L, embedding_dim)."""
        if len(in_shape) != 1:
            raise ShapeError(f"layer {label(self)!r} takes a sequence of token ids (L,) per sample; got {in_shape}")
        return (in_shape[0], self.embedding_dim)

    def nearest(self, index_or_vector: Any, k: int = 5, *,
                vocabulary: Sequence[str] | Mapping[str, int] | None = None) -> tuple[Any, np.ndarray]:
        r"""The ``k`` tokens whose vectors point most nearly the same way: cosine similarity, highest first.

        :math:`\cos(u, w_i) = u \cdot w_i / (\lVert u\rVert \lVert w_i\rVert)` for the query
        :math:`u` (a token id, a word of ``vocabulary``, or a vector of length
        ``embedding_dim``) against every row :math:`w_i`. The query token itself and rows of
        zeros (the padding row) are left out; ties go to the lower id.

        ``vocabulary``: the words in id order (a list), or ``{word: id}``. With it, the
        tokens come back as words; without, as ids. Returns ``(tokens, similarities)``.

        Examples
        --------
        >>> import neuronkit as nk
        >>> emb = nk.Embedding(3, 2, seed=0)
        >>> emb.weight.data[:] = [[1, 0], [0.9, 0.1], [-1, 0]]
        >>> words, sims = emb.nearest("cat", k=2, vocabulary=["cat", "kitten", "stone"])
        >>> words, sims.round(3).tolist()
        (['kitten', 'stone'], [0.994, -1.0])
        """
        owner = "Embedding.nearest"
        k = check_int(k, "k", low=1, owner=owner)
        words = self._vocabulary(vocabulary)
        W = self.weight.data.astype(np.float64)
        exclude = None
        if isinstance(index_or_vector, str):
            if words is None:
                raise ParameterError(f"{owner}: a word ({index_or_vector!r}) needs vocabulary= (the words in id "
                                     "order, or {word: id}) to find its id")
            if index_or_vector not in words:
                raise NameNotFoundError(f"{owner}: {index_or_vector!r} is not in the vocabulary")
            exclude = words.index(index_or_vector)
        elif isinstance(index_or_vector, (int, np.integer)) and not isinstance(index_or_vector, bool):
            exclude = check_int(index_or_vector, "index", low=0, high=self.num_embeddings - 1, owner=owner)
        if exclude is not None:
            query = W[exclude]
        else:
            query = check_array(index_or_vector, "vector", ndim=1, dtype=np.float64, owner=owner)
            if query.shape != (self.embedding_dim,):
                raise ShapeError(f"{owner}: the vector must have embedding_dim={self.embedding_dim} values; got "
                                 f"shape {query.shape}")
        norms = np.linalg.norm(W, axis=1)
        qnorm = float(np.linalg.norm(query))
        if qnorm == 0.0:
            raise ParameterError(f"{owner}: the query vector is all zeros (the padding row?): it has no direction "
                                 "to compare")
        usable = norms > 0
        if exclude is not None:
            usable[exclude] = False
        candidates = np.flatnonzero(usable)
        sims = (W[candidates] @ query) / (norms[candidates] * qnorm)
        order = np.argsort(-sims, kind="stable")[:k]
        ids, best = candidates[order], sims[order]
        if words is None:
            return ids, best
        return [words[i] for i in ids], best

    def _vocabulary(self, vocabulary: Any) -> list[str] | None:
        if vocabulary is None:
            return None
        if isinstance(vocabulary, Mapping):
            words = [""] * self.num_embeddings
            for word, index in vocabulary.items():
                i = check_int(index, f"vocabulary[{word!r}]", low=0, high=self.num_embeddings - 1,
                              owner="Embedding.nearest")
                words[i] = str(word)
            return words
        if isinstance(vocabulary, str) or not isinstance(vocabulary, Sequence):
            raise ParameterTypeError(must_be("vocabulary", "the words in id order (a list) or {word: id}",
                                             type(vocabulary).__name__, "Embedding.nearest"))
        if len(vocabulary) != self.num_embeddings:
            raise ParameterError(f"Embedding.nearest: vocabulary has {len(vocabulary)} words but the layer has "
                                 f"num_embeddings={self.num_embeddings}; give one word per id")
        return [str(word) for word in vocabulary]

    def config(self) -> dict[str, Any]:
        init = self.init if self.init is None or isinstance(self.init, str) else "custom"
        return {"type": "Embedding", "num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim,
                "padding_idx": self.padding_idx, "init": init, "name": self.name, "dtype": str(self.weight.dtype)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Embedding:
        config = dict(config)
        if config.get("init") == "custom":  # the weights are loaded next: any initialiser does
            config["init"] = None
        return super().from_config(config)  # type: ignore[return-value]

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``weight`` (num_embeddings, embedding_dim)."""
        _, n, dim, dtype = _table_options(cls, config, "num_embeddings")
        return {"weight": ((n, dim), dtype)}

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> Module:
        return _restore(cls, config, arrays)

    def __repr__(self) -> str:
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"Embedding({self.num_embeddings}, {self.embedding_dim}{padding})"


@register_layer
class PositionalEmbedding(Module):
    r"""A learned vector per position, added to the token vectors: ``out[n, t] = x[n, t] + weight[t]``.

    ``weight`` is (max_len, embedding_dim), drawn N(0, 1) as PyTorch's ``nn.Embedding`` (the
    usual PyTorch idiom for learned positions is ``x + nn.Embedding(max_len, D)(arange(L))``).
    A sequence longer than ``max_len`` is refused (a ShapeError naming both lengths): there
    is no learned vector for its later positions.

    Shapes: (N, L, embedding_dim) or (L, embedding_dim), L <= max_len; output the same.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> pos = nk.PositionalEmbedding(3, 2, seed=0)
    >>> pos.weight.data[:] = [[0, 0], [10, 10], [20, 20]]
    >>> pos(np.ones((1, 2, 2), np.float32)).data
    array([[[ 1.,  1.],
            [11., 11.]]], dtype=float32)
    """

    name_prefix = "position"

    def __init__(self, max_len: int, embedding_dim: int, *, init: Any = None, seed: int | None = None,
                 rng: np.random.Generator | None = None, name: str | None = None, dtype: Any = np.float32) -> None:
        self.max_len = check_int(max_len, "max_len", low=1, owner="PositionalEmbedding")
        self.embedding_dim = check_int(embedding_dim, "embedding_dim", low=1, owner="PositionalEmbedding")
        dtype = float_dtype(dtype, owner="PositionalEmbedding")
        self.init = _init_name(init)
        self.weight = Parameter(np.ascontiguousarray(
            _initial(self.init, (self.max_len, self.embedding_dim), make_rng(seed, rng), dtype)))
        self.name = check_name(name, "PositionalEmbedding")

    def forward(self, x: Any) -> Tensor:
        x = sequence_input(self, x, self.embedding_dim, self.weight.dtype)
        length = x.shape[-2]
        self._check_length(length)
        return x + ops.getitem(self.weight, slice(0, length))

    def _check_length(self, length: int) -> None:
        if length > self.max_len:
            raise ShapeError(f"layer {label(self)!r} has positions for sequences of up to max_len={self.max_len} "
                             f"tokens; got length {length}. Cut the sequences (the tokenizer's max length) or build "
                             "the layer with a larger max_len")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(L, embedding_dim) per sample, unchanged; L > max_len is refused."""
        if len(in_shape) != 2 or in_shape[1] != self.embedding_dim:
            raise ShapeError(f"layer {label(self)!r} takes (L, {self.embedding_dim}) token vectors per sample; "
                             f"got {in_shape}")
        self._check_length(in_shape[0])
        return tuple(in_shape)

    def config(self) -> dict[str, Any]:
        init = self.init if self.init is None or isinstance(self.init, str) else "custom"
        return {"type": "PositionalEmbedding", "max_len": self.max_len, "embedding_dim": self.embedding_dim,
                "init": init, "name": self.name, "dtype": str(self.weight.dtype)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PositionalEmbedding:
        config = dict(config)
        if config.get("init") == "custom":
            config["init"] = None
        return super().from_config(config)  # type: ignore[return-value]

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``weight`` (max_len, embedding_dim)."""
        _, n, dim, dtype = _table_options(cls, config, "max_len")
        return {"weight": ((n, dim), dtype)}

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> Module:
        return _restore(cls, config, arrays)

    def __repr__(self) -> str:
        return f"PositionalEmbedding({self.max_len}, {self.embedding_dim})"


class _SequencePool(_TakesMask):
    """Pooling over the positions of a sequence (N, L, D) -> (N, D), counting only real tokens."""

    name_prefix = "pool"

    def __init__(self, *, name: str | None = None) -> None:
        self.name = check_name(name, type(self).__name__)

    def forward(self, x: Any, mask: Any = None) -> Tensor:
        x = sequence_input(self, x, None, None)
        return self._pool(x, sequence_mask(self, mask, x))

    def _pool(self, x: Tensor, mask: np.ndarray | None) -> Tensor:
        raise NotImplementedError

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(L, D) per sample -> (D,)."""
        if len(in_shape) != 2:
            raise ShapeError(f"layer {label(self)!r} takes a sequence of vectors (L, D) per sample; got {in_shape}")
        return (in_shape[1],)

    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "name": self.name}

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """None: pooling holds no arrays (its options are checked all the same)."""
        constructor_options(cls, config, cls.__name__)
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@register_layer
class SequenceMeanPool(_SequencePool):
    r"""The mean of the token vectors over the real tokens of each sequence: (N, L, D) + mask -> (N, D).

    :math:`y_n = \sum_t m_{nt} x_{nt} / \sum_t m_{nt}`, with :math:`m` the mask (all ones
    without one): padding never counts. A sequence with no real token gives zeros (the sum
    over no tokens; PyTorch code usually divides by ``clamp(count, min=1)``, which gives the
    same), so one empty text does not stop a batch.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], np.float32)
    >>> nk.SequenceMeanPool()(x, mask=np.array([[True, True, False]])).data
    array([[2., 3.]], dtype=float32)
    >>> nk.SequenceMeanPool()(x, mask=np.array([[False, False, False]])).data
    array([[0., 0.]], dtype=float32)
    """

    def _pool(self, x: Tensor, mask: np.ndarray | None) -> Tensor:
        if mask is None:
            return ops.mean(x, axis=-2)
        count = np.maximum(mask.sum(axis=-1, keepdims=True), 1)
        weights = (mask / count).astype(x.dtype)[..., None]  # 1/count at real tokens, 0 at padding
        return ops.sum_(x * weights, axis=-2)


@register_layer
class SequenceMaxPool(_SequencePool):
    r"""The largest value of each feature over the real tokens of each sequence: (N, L, D) + mask -> (N, D).

    :math:`y_{nd} = \max_{t: m_{nt}} x_{ntd}`: padding never counts (however large its
    values). A sequence with no real token gives zeros, and no gradient. The gradient goes to
    the token holding the maximum (shared equally on exact ties).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> x = np.array([[[1.0, 5.0], [3.0, 4.0], [100.0, 100.0]]], np.float32)
    >>> nk.SequenceMaxPool()(x, mask=np.array([[True, True, False]])).data
    array([[3., 5.]], dtype=float32)
    """

    def _pool(self, x: Tensor, mask: np.ndarray | None) -> Tensor:
        if mask is None:
            return ops.max_(x, axis=-2)
        real = mask[..., None]
        pooled = ops.max_(ops.where(real, x, -np.inf), axis=-2)
        return ops.where(real.any(axis=-2), pooled, 0.0)
