r"""Convolution layers: :class:`Conv2d` (images, (N, C, H, W)) and :class:`Conv1d` (sequences, (N, C, L)).

A convolutional neuron is one filter, the same weights applied at every position of the input:
parameter sharing. ``Conv2d(in_channels, out_channels, kernel_size)`` holds ``out_channels``
such neurons in ``weight`` (out_channels, in_channels/groups, kh, kw), PyTorch's layout, so
weights copy across without transposes; each neuron's output over all positions is its
feature map (one output channel).

Arguments, layouts and results are PyTorch's (``nn.Conv2d``/``nn.Conv1d``), with a keyword-only
``activation=`` (default identity) as on :class:`~neuronkit.Dense`. The computation is the
engine's :func:`~neuronkit.engine.conv.conv2d` (an im2col product; see its module for the method).

Initial weights (``init=None``): the initialiser registry's default for the activation, as Dense
(He normal for ReLU-like activations, Glorot uniform otherwise), with fans computed from the
4-d weight shape: fan_in = in_channels/groups·kh·kw, fan_out = out_channels·kh·kw. Biases start
at 0. (PyTorch draws U(±1/sqrt(fan_in)) for both instead; copy its weights to compare.)

>>> import numpy as np
>>> import neuronkit as nk
>>> conv = nk.Conv2d(1, 4, 3, padding=1, activation="relu", seed=0)
>>> conv(np.zeros((2, 1, 8, 8), dtype=np.float32)).shape
(2, 4, 8, 8)
>>> conv.output_shape((1, 28, 28)), conv.num_parameters()
((4, 28, 28), 40)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import get_activation
from ..engine import Parameter, Tensor, conv, ops
from ..errors import ParameterError, ParameterTypeError, ShapeError
from ..init import INITIALIZERS, default_for, float_dtype, get_initializer, make_rng
from ..validation import check_bool, check_int, check_options, must_be
from .base import (
    ArraySpec,
    Module,
    built_from_arrays,
    check_name,
    constructor_options,
    label,
    layer_input,
    register_layer,
)
from .conv_neurons import ConvNeuronList
from .dense import _activation_arrays

__all__ = ["Conv1d", "Conv2d"]


def _tuple(value: Any, name: str, n: int, low: int, owner: str) -> tuple[int, ...]:
    """An int or ``n`` ints (a tuple or list), each >= ``low``, as a tuple of ``n`` ints."""
    rule = f"an integer >= {low} or {n} of them" if n > 1 else f"an integer >= {low}"
    items = [value] * n if not isinstance(value, (tuple, list)) else list(value)
    if len(items) != n:
        raise ParameterTypeError(must_be(name, rule, value, owner))
    return tuple(check_int(v, name, low=low, owner=owner) for v in items)


def _padding(value: Any, n: int, owner: str) -> tuple[int, ...] | str:
    """``"same"``, ``"valid"`` or ``n`` ints >= 0 (an int is the same on every axis)."""
    if isinstance(value, str):
        mode = value.lower()
        if mode not in ("same", "valid"):
            raise ParameterError(must_be("padding", f"an integer >= 0, {n} of them, 'same' or 'valid'", value,
                                         owner))
        return mode
    return _tuple(value, "padding", n, 0, owner)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: arguments, parameters, input checks, config and arrays."""

    name_prefix = "conv"
    _dims = 2
    _axes: tuple[str, ...] = ("H", "W")

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, *, activation: Any = "identity",
                 init: Any = None, seed: int | None = None, rng: np.random.Generator | None = None,
                 name: str | None = None, dtype: Any = np.float32) -> None:
        owner, n = type(self).__name__, self._dims
        self.in_channels = check_int(in_channels, "in_channels", low=1, owner=owner)
        self.out_channels = check_int(out_channels, "out_channels", low=1, owner=owner)
        self.kernel_size = _tuple(kernel_size, "kernel_size", n, 1, owner)
        self.stride = _tuple(stride, "stride", n, 1, owner)
        self.padding = _padding(padding, n, owner)
        self.dilation = _tuple(dilation, "dilation", n, 1, owner)
        self.groups = check_int(groups, "groups", low=1, owner=owner)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ParameterError(f"{owner} in_channels ({self.in_channels}) and out_channels ({self.out_channels}) "
                                 f"must both be divisible by groups; got groups={self.groups}")
        if self.padding == "same" and any(s != 1 for s in self.stride):
            raise ParameterError(f"{owner} padding='same' needs stride 1 (as in PyTorch); got stride={stride!r}: "
                                 "give the padding as numbers for a strided convolution")
        self._pads = conv.conv_padding(self.padding, self.kernel_size, self.stride, self.dilation)
        self.activation = get_activation(activation)
        dtype = float_dtype(dtype, owner=owner)
        if init is None:
            init = default_for(self.activation.name, self.activation.family)
        self.init = INITIALIZERS.canonical(init) if isinstance(init, str) else init  # its name in the config
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        w = get_initializer(self.init)(shape, make_rng(seed, rng), dtype=dtype)
        self.weight = Parameter(np.ascontiguousarray(w, dtype=dtype))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dtype)) if check_bool(bias, "bias", owner=owner) \
            else None
        self.activation.build(self.out_channels, dtype)
        self.name = check_name(name, owner)

    @property
    def dtype(self) -> np.dtype:
        return self.weight.dtype

    # ---- shapes
    def _needs(self) -> str:
        return f"(C={self.in_channels}, {', '.join(self._axes)})"

    def _spatial_out(self, spatial: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
        """The output sizes for input sizes ``spatial``; a ShapeError naming the layer if the kernel does not fit."""
        out = tuple(conv.conv_output_size(size, k, s, p, d) for size, k, s, p, d in
                    zip(spatial, self.kernel_size, self.stride, self._pads, self.dilation))
        if min(out) < 1:
            reach = tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation))
            pads = tuple(sum(p) for p in self._pads)
            x = "x".join
            what = "images" if self._dims == 2 else "sequences"
            raise ShapeError(
                f"layer {label(self)!r} needs {what} of at least {x(map(str, reach))} ({x(self._axes)}) for its "
                f"{x(map(str, self.kernel_size))} kernel (dilation {x(map(str, self.dilation))}, padding "
                f"{x(map(str, pads))} in all); got shape {shape}: use larger inputs, more padding or a smaller kernel")
        return out

    def output_shape(self, in_shape: Any) -> tuple[int, ...]:
        """The per-sample output shape (out_channels, *sizes) for a per-sample input shape (in_channels, *sizes).

        A ShapeError names the layer and the shape when the channels or the sizes do not fit.
        """
        shape = tuple(in_shape)
        if len(shape) != self._dims + 1 or shape[0] != self.in_channels:
            raise ShapeError(f"layer {label(self)!r} needs {self._needs()} per sample; got shape {shape}")
        return (self.out_channels, *self._spatial_out(shape[1:], shape))

    def _input(self, x: Any) -> Tensor:
        x = layer_input(self, x, None, self.weight.dtype)
        n = self._dims
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            raise ShapeError(f"layer {label(self)!r} needs input (N, {self._needs()[1:]} or {self._needs()}; "
                             f"got shape {x.shape}" + (
                                 f": {x.shape[-n - 1]} channels, not {self.in_channels}" if x.ndim in (n + 1, n + 2)
                                 else ""))
        self._spatial_out(x.shape[-n:], x.shape)
        return x

    # ---- computation
    def potential(self, x: Any) -> Tensor:
        """The convolution before the activation, (N, out_channels, *sizes) (one sample: no N axis)."""
        x = self._input(x)
        single = x.ndim == self._dims + 1
        if single:
            x = ops.reshape(x, (1, *x.shape))
        fn = conv.conv2d if self._dims == 2 else conv.conv1d
        z = fn(x, self.weight, self.bias, self.stride, self._pads, self.dilation, self.groups)
        return ops.reshape(z, z.shape[1:]) if single else z

    @property
    def neurons(self) -> ConvNeuronList:
        """The filters as neurons, ``conv.neurons[k]``: kernel, bias, explain(x, at=(i, j)), feature_map(x)."""
        return ConvNeuronList(self)

    def forward(self, x: Any) -> Tensor:
        z = self.potential(x)
        if self.activation.name == "identity":
            return z
        # the activation sees the channels (the neurons) on the last axis, as a Dense layer's: prelu has one
        # slope per filter, softmax normalises over the channels at each position
        axis = 0 if z.ndim == self._dims + 1 else 1
        order = tuple(i for i in range(z.ndim) if i != axis) + (axis,)
        back = tuple(int(i) for i in np.argsort(order))
        return ops.transpose(self.activation(ops.transpose(z, order)), back)

    def infer(self, x: Any) -> np.ndarray:
        """The outputs as an array without a graph: straight to the engine's array path for a batch array.

        (At batch 1 the Tensor bookkeeping of ``forward`` costs as much as the arithmetic.) The result is a
        view of channels-last memory, as ``forward``'s; the activation runs on that channels-last array.
        """
        y = self._potential_array(x)
        if self.activation.name == "identity":
            return y
        channels = y.ndim - self._dims - 1  # 1, or 0 for one sample
        return np.moveaxis(self.activation.infer(np.moveaxis(y, channels, -1)), -1, channels)

    def _potential_array(self, x: Any) -> np.ndarray:
        """``infer`` before the activation (Sequential pools it first when a max-pooling follows a ReLU)."""
        W = self.weight.data
        n = self._dims
        if not (type(x) is np.ndarray and x.ndim == n + 2 and x.dtype == W.dtype and x.shape[1] == self.in_channels):
            x = self._input(x).data  # checks (naming the layer), converts, or refuses
            if x.ndim == n + 1:
                return self._potential_array(x[None])[0]
        else:
            self._spatial_out(x.shape[2:], x.shape)
        if n == 1:
            x, W = x[:, :, None, :], W[:, :, None, :]
        y = conv.forward_array(x, W, None if self.bias is None else self.bias.data, self._strides2, self._pads2,
                               self._dilation2, self.groups)  # (N, O, Ho, Wo), channels-last memory
        return y[:, :, 0, :] if n == 1 else y

    @property
    def _strides2(self) -> tuple[int, ...]:
        return self.stride if self._dims == 2 else (1, *self.stride)

    @property
    def _dilation2(self) -> tuple[int, ...]:
        return self.dilation if self._dims == 2 else (1, *self.dilation)

    @property
    def _pads2(self) -> tuple[tuple[int, ...], ...]:
        return self._pads if self._dims == 2 else ((0, 0), *self._pads)

    # ---- model files
    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride),
                "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
                "dilation": list(self.dilation), "groups": self.groups, "bias": self.bias is not None,
                "activation": self.activation.config(),
                "init": self.init if isinstance(self.init, str) else "custom", "name": self.name,
                "dtype": str(self.dtype)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        config = dict(config)
        if config.get("init") == "custom":  # the weights are loaded next: any initialiser does
            config["init"] = "zeros"
        check_options("layer type", cls.__name__, cls, config, complete=True)
        return cls(**{"seed": 0, **config})

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """``weight`` (out, in/groups, *kernel), ``bias`` (out,) unless ``bias=False``, a learnable activation's."""
        owner = cls.__name__
        options = constructor_options(cls, config, owner)
        fin = check_int(options["in_channels"], "in_channels", low=1, owner=owner)
        fout = check_int(options["out_channels"], "out_channels", low=1, owner=owner)
        groups = check_int(options["groups"], "groups", low=1, owner=owner)
        if fin % groups or fout % groups:
            raise ParameterError(f"{owner} in_channels ({fin}) and out_channels ({fout}) must both be divisible by "
                                 f"groups; got groups={groups}")
        kernel = _tuple(options["kernel_size"], "kernel_size", cls._dims, 1, owner)
        dtype = float_dtype(options["dtype"], owner=owner)
        arrays: dict[str, ArraySpec] = {"weight": ((fout, fin // groups, *kernel), dtype)}
        if check_bool(options["bias"], "bias", owner=owner):
            arrays["bias"] = ((fout,), dtype)
        arrays.update(_activation_arrays(options["activation"], fout, dtype))
        return arrays

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Any) -> Module:
        """The layer around stored weights: no initialiser runs (the constructor's zeros cost no work)."""
        return built_from_arrays(cls, config, arrays)

    def __repr__(self) -> str:
        k = self.kernel_size if self._dims > 1 else self.kernel_size[0]
        options = "".join(f", {key}={value!r}" for key, value, default in (
            ("stride", self.stride, (1,) * self._dims), ("padding", self.padding, (0,) * self._dims),
            ("dilation", self.dilation, (1,) * self._dims), ("groups", self.groups, 1)) if value != default)
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={k}{options}, "
                f"activation={self.activation.name!r}{', name=' + repr(self.name) if self.name else ''})")


@register_layer
class Conv2d(_ConvNd):
    r"""A 2-d convolution layer: ``out_channels`` filters slid over images, y = f(conv2d(x, W) + b).

    .. math::

        y_{n,o,i,j} = f\Big(b_o + \sum_{c,p,q} W_{o,c,p,q}\, x_{n,c,\,i s_h + p d_h - \text{pad}_t,\,
        j s_w + q d_w - \text{pad}_l}\Big)

    (the sum over the ``in_channels/groups`` channels of the output channel's group; outside the image,
    x is 0).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input, and filters (neurons) of the layer.
    kernel_size, stride, dilation : int or (int, int)
        Filter size (kh, kw), step between positions, spacing of the filter's taps.
    padding : int, (int, int), "same" or "valid"
        Zeros added on each side (top/bottom, left/right); ``"same"`` keeps the size (stride 1; an even
        kernel pads one more at the bottom/right, as PyTorch).
    groups : int
        Split the channels into groups that see only their own inputs (``groups=in_channels``: depthwise).
    bias : bool
        Whether each filter has a bias.
    activation : str, Activation or callable
        Applied to each output (default ``"identity"``); it sees the channels on the last axis, so
        ``prelu`` has one slope per filter.
    init : str or callable, optional
        Weight initialiser (default by activation, as Dense; fans from the 4-d shape).
    seed, rng, name, dtype
        As for :class:`~neuronkit.Dense`.

    Shapes: input (N, in_channels, H, W) or one image (in_channels, H, W); output (N, out_channels, Ho, Wo),
    ``Ho = (H + pad_t + pad_b - dilation_h (kh - 1) - 1) // stride_h + 1`` (likewise Wo). Attributes:
    ``weight`` (out_channels, in_channels/groups, kh, kw), ``bias`` (out_channels,), ``kernel_size``,
    ``stride``, ``dilation`` (pairs), ``padding`` (a pair or "same"/"valid"), ``groups``, ``activation``.

    Examples
    --------
    A vertical-edge filter on an image that is dark on the left and bright on the right:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> conv = nk.Conv2d(1, 1, 3, seed=0)
    >>> conv.weight.data[0, 0] = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
    >>> image = np.repeat([[0, 0, 1, 1, 1]], 4, axis=0).astype(np.float32)[None, None]
    >>> conv(image).data[0, 0]
    array([[3., 3., 0.],
           [3., 3., 0.]], dtype=float32)
    >>> conv.output_shape((1, 28, 28)), conv.weight.shape
    ((1, 26, 26), (1, 1, 3, 3))
    """

    sample_ndim = 3

    _dims = 2
    _axes = ("H", "W")


@register_layer
class Conv1d(_ConvNd):
    r"""A 1-d convolution layer over sequences: y = f(conv1d(x, W) + b), x (N, in_channels, L).

    .. math:: y_{n,o,i} = f\Big(b_o + \sum_{c,p} W_{o,c,p}\, x_{n,c,\,i s + p d - \text{pad}}\Big)

    Arguments as :class:`Conv2d` with single ints (``padding`` an int, "same" or "valid"); weight
    (out_channels, in_channels/groups, k). Input (N, in_channels, L) or one sequence (in_channels, L);
    output (N, out_channels, Lo), ``Lo = (L + 2 pad - dilation (k - 1) - 1) // stride + 1``.

    Examples
    --------
    A difference filter finds where a signal steps up:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> conv = nk.Conv1d(1, 1, 2, bias=False, seed=0)
    >>> conv.weight.data[0, 0] = [-1.0, 1.0]
    >>> conv(np.array([[[0.0, 0.0, 2.0, 2.0]]], dtype=np.float32)).data
    array([[[0., 2., 0.]]], dtype=float32)
    >>> conv.output_shape((1, 100))
    (1, 99)
    """

    sample_ndim = 2

    _dims = 1
    _axes = ("L",)
