"""Attention neurons: multi-head self-attention, and the Transformer encoder block built from it.

An attention head is a neuron that chooses what to listen to: each token asks a *query*, every
token offers a *key* and a *value*, and the token's output is the values averaged with the
weights ``softmax(query · key / √d)``. Heads look at the sequence independently; their outputs
are joined and projected back. Both layers have PyTorch's layouts, initialisation and numbers
(``nn.MultiheadAttention``, ``nn.TransformerEncoderLayer`` with ``batch_first=True``), so
weights copy across by name.

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> block = nk.TransformerEncoderBlock(8, 2, dropout=0.0, seed=0)
    >>> x = np.random.default_rng(0).standard_normal((3, 5, 8)).astype(np.float32)
    >>> mask = np.array([[True] * 5, [True] * 3 + [False] * 2, [True] * 4 + [False]])
    >>> block(x, mask).shape
    (3, 5, 8)
    >>> block.self_attn.attention_weights(x, mask).shape    # (N, heads, L, L)
    (3, 2, 5, 5)

Padding masks are (N, L) bool, True at real tokens (see :mod:`neuronkit.layers.embedding`);
padded tokens get zero attention. Padded positions are still computed (as in PyTorch): pool
them away with a masked pooling layer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import get_activation
from ..engine import Parameter, Tensor, no_grad, ops
from ..engine import attention as attn
from ..errors import ParameterError, ShapeError
from ..init import float_dtype, get_initializer, make_rng
from ..validation import check_bool, check_int, check_number
from .base import ArraySpec, check_name, constructor_options, label, register_layer
from .dense import Dense
from .dropout import Dropout
from .embedding import _TakesMask, sequence_input, sequence_mask
from .norm import LayerNorm

__all__ = ["MultiHeadSelfAttention", "TransformerEncoderBlock"]


def _linear_uniform(layer: Dense, generator: np.random.Generator, *, bias: bool = True) -> None:
    """PyTorch's nn.Linear initialisation: weight and bias ~ U(-1/√fan_in, 1/√fan_in)."""
    bound = 1.0 / math.sqrt(layer.in_features)
    layer.weight.data[...] = generator.uniform(-bound, bound, layer.weight.shape)
    if bias and layer.bias is not None:
        layer.bias.data[...] = generator.uniform(-bound, bound, layer.bias.shape)


def _check_heads(embed_dim: Any, num_heads: Any, owner: str, dim_name: str = "embed_dim") -> tuple[int, int]:
    embed_dim = check_int(embed_dim, dim_name, low=1, owner=owner)
    num_heads = check_int(num_heads, "num_heads", low=1, owner=owner)
    if embed_dim % num_heads:
        divisors = [h for h in range(1, embed_dim + 1) if embed_dim % h == 0]
        raise ParameterError(f"{owner} {dim_name} must be divisible by num_heads (each head gets {dim_name} / "
                             f"num_heads dimensions); got {dim_name}={embed_dim}, num_heads={num_heads}. "
                             f"Heads that fit: {divisors}")
    return embed_dim, num_heads


def _tokens_flat(x: Tensor) -> Tensor:
    """(N, L, D) or (L, D) -> (N·L, D): every token a row, for the per-token layers (Dense, LayerNorm)."""
    return ops.reshape(x, (-1, x.shape[-1]))


@register_layer
class MultiHeadSelfAttention(_TakesMask):
    r"""Multi-head self-attention with PyTorch ``nn.MultiheadAttention``'s layout and numbers.

    For tokens :math:`X` (L, E) and each head :math:`h` (of ``num_heads``, each
    :math:`d = E / \text{heads}` wide):

    .. math::

        [Q\;K\;V] = X W_{in}^\top + b_{in}, \qquad
        A_h = \operatorname{softmax}\!\left(Q_h K_h^\top / \sqrt d\right), \qquad
        Y = [A_1 V_1 \cdots A_H V_H]\, W_{out}^\top + b_{out}

    Weights: ``in_proj_weight`` (3E, E) (rows: query, key, value), ``in_proj_bias`` (3E,),
    ``out_proj.weight`` (E, E), ``out_proj.bias`` (E,), PyTorch's names and layout;
    initialised as PyTorch does (Xavier-uniform ``in_proj_weight``, ``out_proj.weight``
    U(±1/√E), zero biases).

    Parameters
    ----------
    embed_dim, num_heads : int
        E, and the number of heads (E must be divisible by it).
    dropout : float
        Dropout on the attention weights, in training only (from ``seed``/``rng``).
    bias : bool
        Whether the projections have biases.
    causal : bool
        Each token attends only to itself and earlier tokens.

    Shapes: (N, L, E) or (L, E), with a ``mask`` (N, L) or (L,) bool, True at real tokens
    (padded keys get zero weight; a token that may see no key at all gets zero weights and a
    zero attention output, so its output is ``out_proj.bias``, where PyTorch gives NaN);
    output the same shape as the input.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> mhsa = nk.MultiHeadSelfAttention(4, 2, seed=0)
    >>> x = np.random.default_rng(1).standard_normal((1, 3, 4)).astype(np.float32)
    >>> mhsa(x, np.array([[True, True, False]])).shape
    (1, 3, 4)
    >>> w = mhsa.attention_weights(x, np.array([[True, True, False]]))
    >>> w.shape, w.sum(axis=-1).round(6).tolist(), bool((w[..., 2] == 0).all())
    ((1, 2, 3, 3), [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]], True)
    """

    name_prefix = "attention"

    def __init__(self, embed_dim: int, num_heads: int, *, dropout: float = 0.0, bias: bool = True,
                 causal: bool = False, seed: int | None = None, rng: np.random.Generator | None = None,
                 name: str | None = None, dtype: Any = np.float32) -> None:
        owner = "MultiHeadSelfAttention"
        self.embed_dim, self.num_heads = _check_heads(embed_dim, num_heads, owner)
        self.dropout = check_number(dropout, "dropout", low=0.0, high=1.0, high_open=True, owner=owner)
        bias = check_bool(bias, "bias", owner=owner)
        self.causal = check_bool(causal, "causal", owner=owner)
        dtype = float_dtype(dtype, owner=owner)
        generator = make_rng(seed, rng)
        E = self.embed_dim
        self.in_proj_weight = Parameter(get_initializer("glorot_uniform")((3 * E, E), generator, dtype=dtype))
        self.in_proj_bias = Parameter(np.zeros(3 * E, dtype=dtype)) if bias else None
        self.out_proj = Dense(E, E, activation="identity", init="zeros", bias=bias, rng=generator, name="out_proj",
                              dtype=dtype)
        _linear_uniform(self.out_proj, generator, bias=False)  # its bias stays 0, as in PyTorch
        self.rng = generator  # the dropout masks
        self.name = check_name(name, owner)

    @property
    def head_dim(self) -> int:
        return self.embed_dim // self.num_heads

    def _qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The queries, keys and values of (N, L, E) tokens, each (N, heads, L, head_dim)."""
        n, length, _ = x.shape
        qkv = ops.linear(_tokens_flat(x), self.in_proj_weight, self.in_proj_bias)  # (N·L, 3E)
        qkv = ops.transpose(ops.reshape(qkv, (n, length, 3, self.num_heads, self.head_dim)), (2, 0, 3, 1, 4))
        return ops.getitem(qkv, 0), ops.getitem(qkv, 1), ops.getitem(qkv, 2)

    def _batch(self, x: Any, mask: Any) -> tuple[Tensor, np.ndarray | None, bool]:
        x = sequence_input(self, x, self.embed_dim, self.in_proj_weight.dtype)
        m = sequence_mask(self, mask, x)
        single = x.ndim == 2
        if single:
            x = ops.reshape(x, (1,) + x.shape)
            m = None if m is None else m[None]
        return x, m, single

    def forward(self, x: Any, mask: Any = None) -> Tensor:
        x, m, single = self._batch(x, mask)
        n, length, E = x.shape
        q, k, v = self._qkv(x)
        keep = None
        if self.dropout and self.in_training:
            keep = (self.rng.random((n, self.num_heads, length, length)) >= self.dropout).astype(x.dtype)
            keep *= x.dtype.type(1.0 / (1.0 - self.dropout))
        heads = attn.scaled_dot_product_attention(q, k, v, m, self.causal, dropout_mask=keep)  # (N, H, L, d)
        joined = ops.reshape(ops.transpose(heads, (0, 2, 1, 3)), (n * length, E))
        out = self.out_proj.potential(joined)
        return ops.reshape(out, (length, E) if single else (n, length, E))

    def attention_weights(self, x: Any, mask: Any = None) -> np.ndarray:
        """Each head's attention weights over the keys: (N, heads, L, L), or (heads, L, L) for one sequence.

        ``[n, h, i, j]`` is how much token ``i`` listens to token ``j`` in head ``h``: each row
        sums to 1 over the keys it may see (real tokens, and not later ones if ``causal``) and is
        0 elsewhere. Computed on demand, as in eval mode (no dropout); the layer caches nothing.
        PyTorch's averaged weights are ``attention_weights(x).mean(axis=1)``.

        Examples
        --------
        >>> import numpy as np
        >>> import neuronkit as nk
        >>> mhsa = nk.MultiHeadSelfAttention(4, 1, causal=True, seed=0)
        >>> w = mhsa.attention_weights(np.ones((3, 4), np.float32))
        >>> w.round(3)
        array([[[1.   , 0.   , 0.   ],
                [0.5  , 0.5  , 0.   ],
                [0.333, 0.333, 0.333]]], dtype=float32)
        """
        with no_grad():
            x, m, single = self._batch(x, mask)
            q, k, _ = self._qkv(x)
            weights = attn.attention_probabilities(q.data, k.data, m, self.causal)
        return weights[0] if single else weights

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(L, embed_dim) per sample, unchanged."""
        if len(in_shape) != 2 or in_shape[1] != self.embed_dim:
            raise ShapeError(f"layer {label(self)!r} takes (L, {self.embed_dim}) token vectors per sample; got "
                             f"{in_shape}")
        return tuple(in_shape)

    def config(self) -> dict[str, Any]:
        return {"type": "MultiHeadSelfAttention", "embed_dim": self.embed_dim, "num_heads": self.num_heads,
                "dropout": self.dropout, "bias": self.in_proj_bias is not None, "causal": self.causal,
                "name": self.name, "dtype": str(self.in_proj_weight.dtype)}

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``in_proj_weight`` (3E, E), ``out_proj.weight`` (E, E); with ``bias``, ``in_proj_bias`` (3E,) and
        ``out_proj.bias`` (E,)."""
        options = constructor_options(cls, config, cls.__name__)
        E, _ = _check_heads(options["embed_dim"], options["num_heads"], cls.__name__)
        dtype = float_dtype(options["dtype"], owner=cls.__name__)
        arrays: dict[str, ArraySpec] = {"in_proj_weight": ((3 * E, E), dtype)}
        if check_bool(options["bias"], "bias", owner=cls.__name__):
            arrays["in_proj_bias"] = ((3 * E,), dtype)
        arrays["out_proj.weight"] = ((E, E), dtype)
        if options["bias"]:
            arrays["out_proj.bias"] = ((E,), dtype)
        return arrays

    def __repr__(self) -> str:
        causal = ", causal=True" if self.causal else ""
        return f"MultiHeadSelfAttention({self.embed_dim}, {self.num_heads}{causal})"


@register_layer
class TransformerEncoderBlock(_TakesMask):
    r"""A Transformer encoder block: self-attention and a feed-forward net, each with a residual and a LayerNorm.

    Equal to PyTorch's ``nn.TransformerEncoderLayer(batch_first=True)`` with the same weights
    (same names: ``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``; LayerNorm's
    ``gamma``/``beta`` are PyTorch's ``weight``/``bias``). With :math:`\text{SA}` the
    self-attention (then dropout) and :math:`\text{FF}(x) = \text{drop}(W_2\,\text{drop}(f(W_1 x + b_1)) + b_2)`:

    .. math::

        \text{post-norm (default):}\quad x \leftarrow \text{LN}_1(x + \text{SA}(x)),\quad
        x \leftarrow \text{LN}_2(x + \text{FF}(x))

        \text{norm\_first:}\quad x \leftarrow x + \text{SA}(\text{LN}_1(x)),\quad
        x \leftarrow x + \text{FF}(\text{LN}_2(x))

    Parameters
    ----------
    d_model, num_heads : int
        Token width and number of attention heads (d_model divisible by it).
    dim_feedforward : int, optional
        Width of the feed-forward layer (its neurons are ``linear1.neurons``); default 4·d_model.
    dropout : float
        Dropout on the attention weights and after each sub-layer, in training only.
    activation : str
        The feed-forward neurons' activation (any name of :mod:`neuronkit.activations`;
        PyTorch offers "relu" and "gelu").
    norm_first, causal : bool
        Pre-norm instead of post-norm; causal self-attention.
    layer_norm_eps, bias, seed, rng, name, dtype
        As in PyTorch / the other layers. Linear layers start as PyTorch's nn.Linear.

    Shapes: (N, L, d_model) or (L, d_model) with an optional ``mask`` (N, L) / (L,) bool,
    True at real tokens; output the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> block = nk.TransformerEncoderBlock(4, 2, dim_feedforward=6, dropout=0.0, seed=0)
    >>> [name for name, _ in block.named_parameters()][:4]
    ['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias']
    >>> y = block(np.ones((2, 3, 4), np.float32))
    >>> y.shape, float(np.abs(y.data.mean(axis=-1)).max()) < 1e-6    # post-norm: each token normalised
    ((2, 3, 4), True)
    """

    name_prefix = "encoder"

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int | None = None, dropout: float = 0.1,
                 activation: Any = "relu", *, norm_first: bool = False, causal: bool = False,
                 layer_norm_eps: float = 1e-5, bias: bool = True, seed: int | None = None,
                 rng: np.random.Generator | None = None, name: str | None = None, dtype: Any = np.float32) -> None:
        owner = "TransformerEncoderBlock"
        self.d_model, self.num_heads = _check_heads(d_model, num_heads, owner, "d_model")
        self.dim_feedforward = 4 * self.d_model if dim_feedforward is None else \
            check_int(dim_feedforward, "dim_feedforward", low=1, owner=owner)
        p = check_number(dropout, "dropout", low=0.0, high=1.0, high_open=True, owner=owner)
        self.norm_first = check_bool(norm_first, "norm_first", owner=owner)
        self.layer_norm_eps = check_number(layer_norm_eps, "layer_norm_eps", low=0.0, owner=owner)
        bias = check_bool(bias, "bias", owner=owner)
        dtype = float_dtype(dtype, owner=owner)
        generator = make_rng(seed, rng)
        d, ff = self.d_model, self.dim_feedforward
        self.self_attn = MultiHeadSelfAttention(d, self.num_heads, dropout=p, bias=bias, causal=causal,
                                                rng=generator, name="self_attn", dtype=dtype)
        self.linear1 = Dense(d, ff, activation=get_activation(activation), init="zeros", bias=bias, rng=generator,
                             name="linear1", dtype=dtype)
        self.dropout = Dropout(p, rng=generator, name="dropout")
        self.linear2 = Dense(ff, d, activation="identity", init="zeros", bias=bias, rng=generator, name="linear2",
                             dtype=dtype)
        _linear_uniform(self.linear1, generator)
        _linear_uniform(self.linear2, generator)
        self.norm1 = LayerNorm(d, eps=self.layer_norm_eps, name="norm1", dtype=dtype)
        self.norm2 = LayerNorm(d, eps=self.layer_norm_eps, name="norm2", dtype=dtype)
        self.dropout1 = Dropout(p, rng=generator, name="dropout1")
        self.dropout2 = Dropout(p, rng=generator, name="dropout2")
        self.name = check_name(name, owner)

    @property
    def causal(self) -> bool:
        return self.self_attn.causal

    def forward(self, x: Any, mask: Any = None) -> Tensor:
        x = sequence_input(self, x, self.d_model, self.norm1.gamma.dtype)
        m = sequence_mask(self, mask, x)
        if self.norm_first:
            x = x + self._attend(self._norm(self.norm1, x), m)
            return x + self._feed_forward(self._norm(self.norm2, x))
        x = self._norm(self.norm1, x + self._attend(x, m))
        return self._norm(self.norm2, x + self._feed_forward(x))

    def _attend(self, x: Tensor, mask: np.ndarray | None) -> Tensor:
        return self.dropout1(self.self_attn(x, mask))

    def _feed_forward(self, x: Tensor) -> Tensor:
        hidden = self.dropout(self.linear1(_tokens_flat(x)))
        return ops.reshape(self.dropout2(self.linear2(hidden)), x.shape)

    @staticmethod
    def _norm(norm: LayerNorm, x: Tensor) -> Tensor:
        return ops.reshape(norm(_tokens_flat(x)), x.shape)

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """(L, d_model) per sample, unchanged."""
        if len(in_shape) != 2 or in_shape[1] != self.d_model:
            raise ShapeError(f"layer {label(self)!r} takes (L, {self.d_model}) token vectors per sample; got "
                             f"{in_shape}")
        return tuple(in_shape)

    def config(self) -> dict[str, Any]:
        return {"type": "TransformerEncoderBlock", "d_model": self.d_model, "num_heads": self.num_heads,
                "dim_feedforward": self.dim_feedforward, "dropout": self.dropout.p,
                "activation": self.linear1.activation.config(), "norm_first": self.norm_first,
                "causal": self.causal, "layer_norm_eps": self.layer_norm_eps, "bias": self.linear1.bias is not None,
                "name": self.name, "dtype": str(self.norm1.gamma.dtype)}

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """Its sub-layers' arrays under their names (``self_attn.in_proj_weight``, ``linear1.weight``, …)."""
        owner = cls.__name__
        options = constructor_options(cls, config, owner)
        d, heads = _check_heads(options["d_model"], options["num_heads"], owner, "d_model")
        ff = 4 * d if options["dim_feedforward"] is None else \
            check_int(options["dim_feedforward"], "dim_feedforward", low=1, owner=owner)
        dtype, bias = str(float_dtype(options["dtype"], owner=owner)), options["bias"]
        parts = {
            "self_attn": MultiHeadSelfAttention.expected_arrays(
                {"embed_dim": d, "num_heads": heads, "bias": bias, "dtype": dtype}),
            "linear1": Dense.expected_arrays({"in_features": d, "out_features": ff, "bias": bias, "dtype": dtype,
                                              "activation": options["activation"]}),
            "linear2": Dense.expected_arrays({"in_features": ff, "out_features": d, "bias": bias, "dtype": dtype,
                                              "activation": "identity"}),
            "norm1": LayerNorm.expected_arrays({"num_features": d, "dtype": dtype}),
            "norm2": LayerNorm.expected_arrays({"num_features": d, "dtype": dtype}),
        }
        return {f"{part}.{key}": spec for part, arrays in parts.items() for key, spec in arrays.items()}

    def __repr__(self) -> str:
        return (f"TransformerEncoderBlock({self.d_model}, {self.num_heads}, dim_feedforward={self.dim_feedforward}"
                f"{', norm_first=True' if self.norm_first else ''}{', causal=True' if self.causal else ''})")
