"""What every layer shares: :class:`Module`, the layer registry, and the input check.

A layer is a :class:`Module` whose fields are its state: :class:`Parameter` s
(trainable), ``buffers`` (arrays saved with the weights but not trained, such as
running statistics) and child modules. The traversals (parameters, buffers,
``state_dict``, ``train``/``eval``) find them by walking the fields.

The contract every layer keeps (``tests/test_layer_contract.py`` checks each
registered type):

- ``forward(x) -> Tensor`` records a graph; ``infer(x) -> ndarray`` gives the
  same values without one (override it only to make prediction leaner);
- the training/eval mode is read through ``self.in_training``, never
  ``self.training``: ``nk.eval_mode()`` switches it per thread without touching
  the model, so a prediction never changes a model that another thread uses;
- ``config()`` returns the JSON-serialisable constructor arguments plus
  ``"type"``, and ``from_config`` rebuilds the layer from them (the default
  passes them to the constructor);
- ``expected_arrays(config)`` states the arrays a layer of that config holds
  (``{name: (shape, dtype)}``, equal to its ``state_dict()``'s) without building
  it, and ``from_arrays(config, arrays)`` builds the layer around stored arrays
  without drawing initial weights: a model file is checked against its declared
  structure before anything of the declared size is allocated;
- inputs are checked by :func:`layer_input`: a wrong shape is a
  :class:`~neuronkit.errors.ShapeError` that names the layer and both shapes;
- ``output_shape(in_shape)`` gives the per-sample output shape (no batch axis)
  for a per-sample input shape, or a ShapeError naming the layer and the shape
  when the input does not fit (the default: the shape unchanged). This is what
  :func:`neuronkit.build` infers ``in_features``/``in_channels`` from.

Class attributes a layer may set:

- ``name_prefix``: what :class:`~neuronkit.Sequential` names an unnamed layer of
  this type with, plus a counter per prefix (``conv1``, ``pool1``, ``dropout1``);
  default the lower-cased class name (Dense layers are ``hidden1``… and
  ``output`` whatever their prefix). A subclass inherits a prefix its parent sets
  explicitly, and otherwise gets its own lower-cased class name;
- ``input_kind``: ``"float"`` (the default) or ``"ids"`` (integer token ids, as
  :class:`Embedding` takes): what the training functions convert ``X`` to;
- ``takes_mask``: True for a layer whose ``forward(x, mask=None)`` and
  ``infer(x, mask=None)`` take the padding mask (a bool array (N, L), True where
  a real token is); :class:`~neuronkit.Sequential` passes ``mask=`` to those only.

A new layer: a file in this package, ``@register_layer`` on the class,
``config()`` (and ``from_config`` if the constructor arguments are not the
config), reads ``self.in_training`` if it behaves differently in training, and
an entry in the table of ``tests/test_layer_contract.py`` (which fails until the
new type has one).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .. import _html
from ..activations import Activation
from ..engine import Parameter, Tensor, is_eval_forced, no_grad
from ..errors import AttributeNotFoundError, IndexRangeError, ParameterError, ParameterTypeError, ShapeError
from ..init import INITIALIZERS, default_for
from ..registry import Registry
from ..validation import check_array, check_bool, check_number, check_options, must_be

__all__ = ["LAYERS", "ArraySpec", "AttributeNotFoundError", "Module", "check_in_shape", "check_name", "describe_shape",
           "label", "layer_expected_arrays", "layer_from_config", "layer_input", "register_layer"]

#: what a layer states about each array it holds: (shape, dtype)
ArraySpec = tuple[tuple[int, ...], np.dtype]

#: every layer type by class name (a :class:`~neuronkit.registry.Registry`): what model files may name
LAYERS: Registry[type[Module]] = Registry("layer type", providers=("neuronkit.spiking",))


def label(layer: Module) -> str:
    """How messages name a layer: its name in the network, or its class outside one.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.layers.base import label
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> label(net[0]), label(nk.Dense(2, 3, seed=0))
    ('hidden1', 'Dense')
    """
    return layer.name or type(layer).__name__


def check_name(name: Any, owner: str) -> str | None:
    """A layer's ``name=``: a string or None (a network names its unnamed layers).

    Examples
    --------
    >>> from neuronkit.layers.base import check_name
    >>> check_name("encoder", "Dense"), check_name(None, "Dense")
    ('encoder', None)
    """
    if name is not None and not isinstance(name, str):
        raise ParameterTypeError(must_be("name", "a string or None", name, owner))
    return name


def check_in_shape(in_shape: Any, layer: Module | str) -> tuple[int, ...]:
    """A per-sample shape given to ``output_shape``: a tuple of positive ints (no batch axis).

    Examples
    --------
    >>> from neuronkit.layers.base import check_in_shape
    >>> check_in_shape([1, 28, 28], "Conv2d")
    (1, 28, 28)
    >>> try:
    ...     check_in_shape((0, 3), "Conv2d")
    ... except ValueError as error:
    ...     print(str(error)[-36:])
    without the batch axis); got (0, 3)
    """
    owner = layer if isinstance(layer, str) else f"layer {label(layer)!r}"
    rule = "a tuple of positive ints (one sample's shape, without the batch axis)"
    if not isinstance(in_shape, (tuple, list)) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in in_shape):
        raise ParameterTypeError(must_be("in_shape", rule, in_shape, owner))
    if not all(n >= 1 for n in in_shape):
        raise ParameterError(must_be("in_shape", rule, tuple(in_shape), owner))
    return tuple(int(n) for n in in_shape)


def describe_shape(shape: tuple[int, ...]) -> str:
    """A per-sample shape as messages show it: ``(32, 7, 7) = 1568 values`` (or ``(800,)``).

    >>> from neuronkit.layers.base import describe_shape
    >>> describe_shape((32, 7, 7)), describe_shape((800,))
    ('(32, 7, 7) = 1568 values', '(800,)')
    """
    return f"{shape} = {int(np.prod(shape))} values" if len(shape) != 1 else str(shape)


def register_layer(cls: type[Module]) -> type[Module]:
    """Class decorator: make a layer type loadable from a model file by its class name.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.layers import LAYERS
    >>> LAYERS.get("Dense") is nk.Dense
    True
    """
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ParameterTypeError(must_be("register_layer's argument", "a Module subclass", cls))
    return LAYERS.register(cls.__name__, cls)


def _split_config(config: Any) -> tuple[type[Module], dict[str, Any]]:
    """The layer class a config names, and the config without its ``"type"``."""
    rule = "a dict with a 'type' key naming the layer class"
    if not isinstance(config, Mapping):
        raise ParameterTypeError(must_be("a layer config", rule, config))
    if "type" not in config:
        raise ParameterError(f"a layer config must be {rule}; got keys {sorted(map(str, config))}")
    config = dict(config)
    return LAYERS.get(config.pop("type")), config


def layer_from_config(config: Mapping[str, Any], arrays: Mapping[str, np.ndarray] | None = None) -> Module:
    """Rebuild a layer (or a whole network) from its ``config()``; ``config["type"]`` names the class.

    With ``arrays`` (its ``state_dict()``, as a model file stores it), the layer is built
    around them (:meth:`Module.from_arrays`): no initial weights are drawn. Check them
    against :func:`layer_expected_arrays` first; a mismatch is a ParameterError.

    Examples
    --------
    >>> from neuronkit.layers import layer_from_config
    >>> import neuronkit as nk
    >>> layer = layer_from_config(nk.Dense(2, 3, activation="tanh", seed=0).config())
    >>> type(layer).__name__, layer.in_features, layer.out_features, layer.activation.name
    ('Dense', 2, 3, 'tanh')
    """
    cls, config = _split_config(config)
    return cls.from_config(config) if arrays is None else cls.from_arrays(config, arrays)


def layer_expected_arrays(config: Mapping[str, Any]) -> dict[str, ArraySpec]:
    """The arrays a layer of this ``config()`` holds, ``{name: (shape, dtype)}``, worked out without building it.

    >>> import neuronkit as nk
    >>> layer_expected_arrays(nk.Dense(3, 2, seed=0).config())
    {'weight': ((2, 3), dtype('float32')), 'bias': ((2,), dtype('float32'))}
    """
    cls, config = _split_config(config)
    return cls.expected_arrays(config)


def constructor_options(cls: type, config: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """A saved config completed with the constructor's defaults (refusing unknown and missing options)."""
    check_options("layer type", owner, cls, config, complete=True)
    bound = inspect.signature(cls).bind(**config)
    bound.apply_defaults()
    return dict(bound.arguments)


def layer_input(layer: Module, x: Any, features: int | None, dtype: np.dtype | None) -> Tensor:
    """``x`` as a Tensor of ``dtype`` (None keeps a floating dtype) with ``features`` values per sample.

    With ``features``, the input is one sample ``(features,)`` or a batch ``(n, features)``;
    without, any input with at least one dimension. A wrong shape is a ShapeError naming the layer.

    Examples
    --------
    >>> import neuronkit as nk
    >>> from neuronkit.layers import layer_input
    >>> layer = nk.Dense(2, 1, seed=0)
    >>> layer_input(layer, [1.0, 2.0], 2, None).shape
    (2,)
    >>> try:
    ...     layer_input(layer, [1.0, 2.0, 3.0], 2, None)
    ... except ValueError as error:
    ...     print(type(error).__name__)
    ShapeError
    """
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype and not x.requires_grad:
            x = Tensor(x.data.astype(dtype))
    elif type(x) is np.ndarray and x.dtype == dtype:  # the common case, checked in a fraction of the time
        x = Tensor(x)
    else:
        x = Tensor(check_array(x, "input", ndim=None, dtype=dtype, finite=False, min_samples=0,
                               owner=f"layer {label(layer)!r}"))
    if features is None:
        if x.ndim == 0:
            raise ShapeError(f"layer {label(layer)!r} takes a batch of inputs (at least one dimension); "
                             f"got shape {x.shape}")
    elif x.ndim not in (1, 2) or x.shape[-1] != features:
        raise ShapeError(
            f"layer {label(layer)!r} expects input of shape (batch, {features}) or ({features},); "
            f"got shape {x.shape}. Check the number of input features (columns)."
        )
    return x


def built_from_arrays(cls: type[Module], config: Mapping[str, Any], arrays: Any,
                      weights_of: Callable[[Any], Any] = lambda layer: layer) -> Any:
    """The layer of ``config`` around stored ``arrays``, built with zeros instead of drawn initial weights.

    ``weights_of(layer)`` is the part that holds the weights (the layer, or a spiking layer's synapse):
    its ``init`` is set back to the initialiser the config names (or, with none, the default for
    its activation), so the rebuilt layer describes itself as the one that was saved.
    """
    config = dict(config)
    init = config.get("init")
    if init is None or isinstance(init, str):  # (anything else is refused by the constructor, as in from_config)
        config["init"] = "zeros"
    layer = cls.from_config(config)
    weighted = weights_of(layer)
    if isinstance(init, str) and init != "custom":
        weighted.init = INITIALIZERS.canonical(init)  # the config names the initialiser it was trained from
    elif init is None:
        weighted.init = default_for(weighted.activation.name, weighted.activation.family)
    layer.load_state_dict(arrays, assign=True)
    return layer


class _UnitList:
    """The units of a layer as a sequence, ``layer.neurons[k]`` (negative indices count from the end).

    A subclass sets ``_view`` (the class of one unit's view, built as ``_view(layer, index)``),
    ``__len__``, and how messages name its units: ``_counted`` ("{n} neurons (0..{last})") and
    ``_noun`` (the repr's "neurons").
    """

    _view: Any = None
    _counted = "{n} neurons (0..{last})"
    _noun = "neurons"

    def __init__(self, layer: Any) -> None:
        self.layer = layer

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ParameterTypeError(must_be("neuron index", f"an integer in 0..{n - 1}", index,
                                             f"layer {label(self.layer)!r}:"))
        if not -n <= index < n:
            raise IndexRangeError(f"layer {label(self.layer)!r} has {self._counted.format(n=n, last=n - 1)}; got "
                                  f"index {index}")
        return self._view(self.layer, int(index) % n)

    def __iter__(self) -> Iterator[Any]:
        return (self._view(self.layer, i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<{len(self)} {self._noun} of layer {label(self.layer)!r}>"


class _UnitView:
    """What a view onto unit ``index`` of a layer (a Dense neuron, a convolution filter) shares:
    ``bias`` (a float, writable), ``activation`` and ``label`` (``hidden1[3]``).

    Subclasses set ``default_name`` (the label's layer name when the layer has none) and
    ``units`` (what the message for a layer without biases calls them).

    >>> import neuronkit as nk
    >>> n = nk.Dense(2, 3, activation="tanh", seed=0, name="h").neurons[1]
    >>> n.bias = 0.5
    >>> n.label, n.bias, n.activation.name
    ('h[1]', 0.5, 'tanh')
    """

    default_name = "layer"
    units = "units"

    def __init__(self, layer: Any, index: int) -> None:
        self.layer: Any = layer
        self.index = index

    @property
    def bias(self) -> float:
        bias = self.layer.bias
        return 0.0 if bias is None else float(bias.data[self.index])

    @bias.setter
    def bias(self, value: float) -> None:
        if self.layer.bias is None:
            raise ParameterError(f"layer {label(self.layer)!r} was built with bias=False; its {self.units} have no "
                                 "bias")
        self.layer.bias.data[self.index] = check_number(value, "bias", owner=f"neuron {self.label}")

    @property
    def activation(self) -> Activation:
        return self.layer.activation

    @property
    def label(self) -> str:
        return f"{self.layer.name or self.default_name}[{self.index}]"


class Module:
    """Base class for layers and networks.

    Parameters are the :class:`Parameter` attributes (and those of child
    modules), found in attribute order. ``buffers`` names non-trainable
    arrays (running statistics) that are saved with the weights.

    Examples
    --------
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 1], seed=0)
    >>> [name for name, _ in net.named_parameters()]
    ['hidden1.weight', 'hidden1.bias', 'output.weight', 'output.bias']
    >>> sum(p.data.size for p in net.parameters())
    13
    """

    buffers: tuple[str, ...] = ()
    training: bool = True
    name: str | None = None
    #: Sequential names unnamed layers of this type ``{name_prefix}{counter}``; default: the class name, lower-cased
    name_prefix: str = "module"
    #: what the first layer takes as X: "float" arrays, or integer token "ids"
    input_kind: str = "float"
    #: does ``forward``/``infer`` take ``mask=`` (a padding mask)?
    takes_mask: bool = False
    #: the rank of one sample for a layer whose input is not a vector (Conv2d 3: (C, H, W); Conv1d 2;
    #: Embedding 1: (L,) ids); None for the others. As a network's first layer, it tells Sequential
    #: that an input of this rank is one sample, which it runs as a batch of one.
    sample_ndim: int | None = None
    _auto_prefix: bool = True  # is name_prefix the default (the lower-cased class name), not set by the class?

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name_prefix" in vars(cls):
            cls._auto_prefix = False  # set by the class: its subclasses inherit it
        elif cls._auto_prefix:
            cls.name_prefix = cls.__name__.lower()

    def __call__(self, x: Any) -> Tensor:
        return self.forward(x)

    def forward(self, x: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} defines no forward(x); a layer must")

    def output_shape(self, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape for a per-sample input shape (no batch axis).

        A layer whose input does not fit raises a :class:`~neuronkit.errors.ShapeError`
        naming the layer and the shape. The default keeps the shape (element-wise layers).

        Examples
        --------
        >>> import neuronkit as nk
        >>> nk.Dropout(0.5).output_shape((3, 4))
        (3, 4)
        >>> nk.Dense(4, 2, seed=0).output_shape((4,))
        (2,)
        """
        return check_in_shape(in_shape, self)

    def infer(self, x: Any) -> np.ndarray:
        """The outputs for ``x`` as an array, recording no graph: the prediction path.

        The same values as ``forward``; a layer may override it with a leaner version on
        arrays (at batch 1, Tensor bookkeeping costs as much as the arithmetic).
        """
        with no_grad():
            return self.forward(x).data

    @property
    def neurons(self) -> Any:
        """Only layers with a weight matrix (Dense) have neurons; a network's are in its layers.

        (A property, not ``__getattr__``: a class with ``__getattr__`` makes every attribute read slower.)
        """
        kind = type(self).__name__
        layers = vars(self).get("layers", {})
        with_neurons = [name for name, layer in layers.items() if hasattr(layer, "neurons")]
        if with_neurons:
            message = (f"{kind} has no attribute 'neurons': neurons belong to its layers, e.g. "
                       f"net[{with_neurons[0]!r}].neurons[0] (layers with neurons: {', '.join(with_neurons)})")
        else:
            message = f"{kind} has no neurons (layers with a weight matrix, such as Dense, have them)"
        raise AttributeNotFoundError(message, name="neurons", obj=self)

    # ---- parameters and state
    def _members(self) -> Iterable[tuple[str, Any]]:
        """The named fields the traversals below walk (a container lists its children instead)."""
        return vars(self).items()

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Tensor]]:
        """Trainable tensors by stable name: the module's Parameters, then learnable activations' (e.g. prelu)."""
        out: list[tuple[str, Tensor]] = []
        learnable_activations: list[tuple[str, Tensor]] = []
        for key, value in self._members():
            if isinstance(value, Parameter):
                out.append((prefix + key, value))
            elif isinstance(value, Module):
                out.extend(value.named_parameters(f"{prefix}{key}."))
            elif isinstance(value, Activation):
                learnable_activations.extend((f"{prefix}{key}.{name}", p) for name, p in value.named_parameters())
        return out + learnable_activations  # weights first, then e.g. "hidden1.activation.slope"

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> list[tuple[str, np.ndarray]]:
        out = [(prefix + b, getattr(self, b)) for b in self.buffers]
        for key, value in self._members():
            if isinstance(value, Module):
                out.extend(value.named_buffers(f"{prefix}{key}."))
        return out

    def modules(self) -> Iterator[Module]:
        yield self
        for _, value in self._members():
            if isinstance(value, Module):
                yield from value.modules()

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set the training flag of this module and every child (``eval()`` is ``train(False)``)."""
        mode = check_bool(mode, "mode", owner=f"{type(self).__name__}.train")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    @property
    def in_training(self) -> bool:
        """The mode this call computes in: ``training``, unless inside ``nk.eval_mode()`` (then False).

        Layers whose computation depends on the mode (dropout, batch statistics) read this,
        never ``training`` directly: prediction switches the mode per call and per thread,
        without touching the shared model.
        """
        return self.training and not is_eval_forced()

    def num_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    def penalty(self) -> Tensor | None:
        """The regularisation term this module adds to the loss (None if none)."""
        terms = [t for m in self.modules() if (t := m.own_penalty()) is not None]
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def own_penalty(self) -> Tensor | None:
        return None

    def own_penalty_gradients(self) -> list[tuple[Parameter, np.ndarray]]:
        """The gradient of :meth:`own_penalty` for each penalised parameter, as arrays.

        ``fit`` adds these to the gradients after ``backward()`` instead of putting the
        penalty in the graph: the same numbers, without graph nodes on every step.
        """
        return []

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by stable name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(b, copy=True) for name, b in self.named_buffers()})
        return state

    def _buffer_slots(self, prefix: str = "") -> list[tuple[str, Module, str]]:
        """(name, owner, attribute) of every buffer: where ``load_state_dict(assign=True)`` puts an array."""
        out = [(prefix + b, self, b) for b in self.buffers]
        for key, value in self._members():
            if isinstance(value, Module):
                out.extend(value._buffer_slots(f"{prefix}{key}."))
        return out

    def load_state_dict(self, state: Mapping[str, Any], *, assign: bool = False) -> None:
        """Copy arrays into the parameters and buffers, checking names, shapes (and dtypes, by conversion).

        With ``assign=True`` (as in PyTorch) the arrays themselves become the parameters' and
        buffers' data, without a copy where their dtype and layout allow: the model then
        shares them, so pass arrays nothing else uses (a model file's, just read).
        """
        if not isinstance(state, Mapping):
            raise ParameterTypeError(must_be("state", "a dict of arrays by name (from state_dict())",
                                             type(state).__name__, "load_state_dict"))
        parameters = dict(self.named_parameters())
        buffers = {name: (owner, attribute) for name, owner, attribute in self._buffer_slots()}
        targets: dict[str, np.ndarray] = {n: p.data for n, p in parameters.items()}
        targets.update(dict(self.named_buffers()))
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise ParameterError(f"state does not match the network: missing {missing}, unexpected {unexpected}")
        values = {}
        for key, target in targets.items():  # check every entry before changing any
            value = check_array(state[key], key, ndim=None, dtype=target.dtype, finite=False, min_samples=0,
                                owner="load_state_dict")
            if value.shape != target.shape:
                raise ShapeError(f"state entry {key!r} has shape {value.shape}; the network expects {target.shape}")
            values[key] = value
        for key, value in values.items():
            if not assign:
                targets[key][...] = value
                continue
            value = np.require(value, dtype=targets[key].dtype, requirements=["C", "W"])
            if key in parameters:
                parameters[key].data = value
            else:
                owner, attribute = buffers[key]
                setattr(owner, attribute, value)

    def _repr_html_(self) -> str:
        """The layer as HTML for Jupyter: kind, activation, weight shape, and a row per neuron.

        >>> import neuronkit as nk
        >>> "<td>weight shape</td><td>3 × 2</td>" in nk.Dense(2, 3, seed=0)._repr_html_()
        True
        """
        return _html.layer_html(self)

    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (``type`` names the class)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved: it has no config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Module:
        """The layer that ``config()`` describes (without its ``"type"``): by default, ``cls(**config)``."""
        check_options("layer type", cls.__name__, cls, config, complete=True)
        return cls(**config)

    @classmethod
    def expected_arrays(cls, config: dict[str, Any]) -> dict[str, ArraySpec]:
        """The arrays a layer of this config holds, ``{name: (shape, dtype)}`` as in its ``state_dict()``.

        A model file's arrays are checked against this before the layer is built, so a file
        that declares a huge layer is refused without allocating it. Layers override this to
        work it out from the config alone (all built-in ones do); the default builds the layer.
        """
        layer = cls.from_config(config)
        return {name: (value.shape, value.dtype) for name, value in layer.state_dict().items()}

    @classmethod
    def from_arrays(cls, config: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> Module:
        """The layer of this config holding ``arrays`` (its ``state_dict()``, e.g. read from a model file).

        The arrays become the layer's (``load_state_dict(assign=True)``). Layers whose
        constructor draws initial weights override this to skip that work (Dense does).
        """
        layer = cls.from_config(config)
        layer.load_state_dict(arrays, assign=True)
        return layer
