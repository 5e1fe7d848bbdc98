"""Loss functions: one registry; every loss is the mean over the batch.

================  ===================================================  =====================
name (aliases)    value                                                prediction / target
================  ===================================================  =====================
mse               mean((p - y)²)                                        any shape, same shape
mae (l1)          mean(|p - y|)                                         same
huber             mean(½d² if |d| <= δ else δ(|d| - ½δ)), d = p - y     same (δ = 1.0)
bce               mean(softplus(s) - y·s), s = logits                   logits, y in {0, 1}
cross_entropy     mean(-log softmax(s)[y])                              logits (N, C), y int (N,)
================  ===================================================  =====================

``bce`` and ``cross_entropy`` take *logits* (the potentials before the
sigmoid/softmax) and are computed stably (fused log-softmax; softplus). When a
network ends in a softmax (or sigmoid) neuron layer, training feeds these
losses the logits: :attr:`Loss.output_activation` says which activation the
loss already contains.

>>> import neuronkit as nk
>>> get_loss("mse")(nk.Tensor([1.0, 2.0]), [0.0, 0.0]).item()
2.5

Names are looked up in :data:`LOSSES`, a :class:`~neuronkit.registry.Registry`
(case, spaces, ``-`` and ``_`` do not matter). Where a new loss goes: a
:class:`Loss` subclass here defining ``elementwise`` (or a fused ``forward`` and
``weighted``), one ``register`` line below, a case in the gradient table and the
PyTorch table of the tests. Targets are checked in ``_target`` through
:mod:`neuronkit.validation` (class indices through ``check_class_indices``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Tensor, ops
from .errors import DataError, ParameterError, ParameterTypeError, ShapeError
from .registry import Registry
from .validation import check_array, check_class_indices, check_number, check_options, must_be


class Loss:
    """Base class: ``__call__(prediction, target, weight=None) -> scalar Tensor`` (mean over the batch).

    A loss defines ``elementwise(prediction, target)`` (the loss of each output value) and
    inherits the mean (``forward``) and the sample-weighted mean (``weighted``:
    ``Σᵢ wᵢ lᵢ / Σᵢ wᵢ``, where lᵢ is sample i's mean over its outputs, as scikit-learn's
    MLP weighs samples). A loss may override ``forward`` or ``weighted`` with a fused form.

    Examples
    --------
    A loss needs only its ``elementwise`` form; the batch mean and the sample weights come with the base:

    >>> import neuronkit as nk
    >>> from neuronkit.losses import Loss
    >>> class Squared(Loss):
    ...     def elementwise(self, prediction, target):
    ...         return (prediction - target) ** 2
    >>> loss = Squared()
    >>> loss(nk.Tensor([[1.0], [3.0]]), [[0.0], [0.0]]).item()
    5.0
    >>> loss(nk.Tensor([[1.0], [3.0]]), [[0.0], [0.0]], weight=[3.0, 1.0]).item()
    3.0
    """

    name = "loss"
    #: the output activation that this loss applies internally (None = takes outputs as they are)
    output_activation: str | None = None
    #: "regression" or "classification"
    task = "regression"

    def __call__(self, prediction: Tensor, target: Any, weight: Any = None) -> Tensor:
        if target is None:
            raise ParameterTypeError(must_be("target", "an array of targets, one per prediction", target,
                                             f"loss {self.name!r}:"))
        if not isinstance(prediction, Tensor):
            prediction = Tensor(check_array(prediction, "prediction", ndim=None, dtype=None, finite=False,
                                            min_samples=0, owner=f"loss {self.name!r}"))
        target = self._target(prediction, target)
        if weight is None:
            return self.forward(prediction, target)
        return self.weighted(prediction, target, self._weight(prediction, weight))

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        raise NotImplementedError(f"loss {self.name!r} defines no elementwise(prediction, target); "
                                  "define it (or forward and weighted) in the subclass")

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return self.elementwise(prediction, target).mean()

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        """``Σᵢ wᵢ lᵢ / Σᵢ wᵢ`` over samples (0 if every weight is 0); ``weight`` has shape (N,)."""
        values = self.elementwise(prediction, target)
        total = float(weight.sum())
        per_output = values.size // max(len(weight), 1)
        scale = (weight / ((total if total > 0 else 1.0) * per_output)).astype(values.dtype)
        return (values * scale.reshape((-1,) + (1,) * (values.ndim - 1))).sum()

    def _weight(self, prediction: Tensor, weight: Any) -> np.ndarray:
        owner = f"loss {self.name!r}"
        w = check_array(weight.data if isinstance(weight, Tensor) else weight, "sample weights", ndim=None,
                        dtype=np.float64, finite=False, min_samples=0, owner=owner)
        n = prediction.shape[0] if prediction.ndim else 1
        if w.shape != (n,):
            raise ShapeError(f"{owner}: sample weights must have shape ({n},), one per sample; got shape {w.shape}")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            raise ParameterError(f"{owner}: sample weights must be finite and >= 0")
        return w

    def _target(self, prediction: Tensor, target: Any) -> np.ndarray:
        y = target.data if isinstance(target, Tensor) else target
        if not (type(y) is np.ndarray and y.dtype == prediction.dtype):
            y = check_array(y, "target", ndim=None, dtype=prediction.dtype, finite=False, min_samples=0,
                            owner=f"loss {self.name!r}")
        if y.shape != prediction.shape:
            if y.size != prediction.size:
                raise ShapeError(f"loss {self.name!r}: target has shape {y.shape} but the prediction has shape "
                                 f"{prediction.shape}; give one target per output value")
            y = y.reshape(prediction.shape)
        return y

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """The network's outputs as the predictions they stand for (what labels and accuracy are taken from).

        The identity here; a loss on outputs of another form overrides it (a spike loss reduces
        time-major outputs (T, batch, classes) to class scores (batch, classes) with its decoder).

        >>> import numpy as np
        >>> from neuronkit.losses import MSE
        >>> MSE().decode(np.array([[0.5, 2.0]]))
        array([[0.5, 2. ]])
        """
        return outputs

    def config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    r"""Mean squared error: mean((p - y)²); gradient 2(p - y)/n.

    .. math:: L = \frac{1}{n}\sum_i (p_i - y_i)^2, \qquad \frac{\partial L}{\partial p_i} = \frac{2}{n}(p_i - y_i)

    Examples
    --------
    >>> import neuronkit as nk
    >>> p = nk.Tensor([1.0, 3.0], requires_grad=True)
    >>> loss = nk.losses.MSE()(p, [0.0, 1.0])
    >>> loss.item()
    2.5
    >>> loss.backward(); p.grad
    array([1., 2.], dtype=float32)
    """

    name = "mse"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        diff = prediction - target
        return diff * diff


class MAE(Loss):
    r"""Mean absolute error: ``mean(|p - y|)``; gradient sign(p - y)/n (0 where p = y).

    .. math:: L = \frac{1}{n}\sum_i |p_i - y_i|, \qquad
        \frac{\partial L}{\partial p_i} = \frac{1}{n}\operatorname{sign}(p_i - y_i)

    Examples
    --------
    >>> import neuronkit as nk
    >>> p = nk.Tensor([1.0, -3.0], requires_grad=True)
    >>> loss = nk.losses.MAE()(p, [0.0, 0.0])
    >>> loss.item()
    2.0
    >>> loss.backward(); p.grad
    array([ 0.5, -0.5], dtype=float32)
    """

    name = "mae"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.absolute(prediction - target)


class Huber(Loss):
    r"""Huber loss with threshold δ (default 1.0): quadratic near 0, linear beyond δ.

    .. math:: \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
        \delta (|r| - \tfrac12 \delta) & |r| > \delta \end{cases}, \qquad r = p - y

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.losses.Huber(delta=1.0)(nk.Tensor([0.5, 3.0]), [0.0, 0.0]).item()
    1.3125
    """

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_number(delta, "delta", low=0.0, low_open=True, owner="Huber")

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "delta": self.delta}

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        d = prediction - target
        a = ops.absolute(d)
        quadratic = d * d * 0.5
        linear = (a - 0.5 * self.delta) * self.delta
        return ops.where(a.data <= self.delta, quadratic, linear)


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy from logits s: mean(softplus(s) - y·s) = mean(-y log σ(s) - (1-y) log(1-σ(s))).

    Examples
    --------
    From logits :math:`s` with :math:`\sigma` the sigmoid:

    .. math:: L = \frac{1}{n}\sum_i \left(-y_i \log\sigma(s_i) - (1 - y_i)\log(1 - \sigma(s_i))\right),
        \qquad \frac{\partial L}{\partial s_i} = \frac{\sigma(s_i) - y_i}{n}

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> s = nk.Tensor([0.0, np.log(3.0)], dtype="float64", requires_grad=True)
    >>> loss = nk.losses.BinaryCrossEntropy()(s, [1.0, 1.0])
    >>> round(loss.item(), 6)
    0.490415
    >>> loss.backward(); s.grad.round(6)
    array([-0.25 , -0.125])
    """

    name = "bce"
    output_activation = "sigmoid"
    task = "classification"

    def elementwise(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        if np.any((target < 0) | (target > 1)):
            raise DataError("loss 'bce': targets must be probabilities in [0, 1] (usually 0 or 1); "
                             f"got values from {target.min():g} to {target.max():g}")
        return ops.softplus(prediction) - prediction * target


class CrossEntropy(Loss):
    r"""Cross-entropy from logits (N, C) and integer classes (N,): mean(-log softmax(s)[y]) (fused).

    Examples
    --------
    From logits :math:`s` (N, C) and classes :math:`y` (N,):

    .. math:: L = -\frac{1}{N}\sum_n \log \frac{e^{s_{n y_n}}}{\sum_c e^{s_{nc}}}, \qquad
        \frac{\partial L}{\partial s_{nc}} = \frac{\operatorname{softmax}(s_n)_c - [c = y_n]}{N}

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> s = nk.Tensor([[0.0, np.log(3.0)]], dtype="float64", requires_grad=True)
    >>> loss = nk.losses.CrossEntropy()(s, [1])
    >>> round(loss.item(), 6)
    0.287682
    >>> loss.backward(); s.grad.round(6)
    array([[ 0.25, -0.25]])
    """

    name = "cross_entropy"
    output_activation = "softmax"
    task = "classification"

    def _target(self, prediction: Tensor, target: Any) -> np.ndarray:
        y = np.asarray(target.data if isinstance(target, Tensor) else target)
        if prediction.ndim != 2:
            raise ShapeError(f"loss 'cross_entropy' takes logits of shape (batch, classes); got shape "
                             f"{prediction.shape}")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (prediction.shape[0],):
            raise ShapeError(f"loss 'cross_entropy' takes one integer class per sample, shape ({prediction.shape[0]},);"
                             f" got shape {y.shape}")
        n_classes = prediction.shape[1]
        return check_class_indices(y, n_classes, name="target", owner="loss 'cross_entropy'",
                                   where=f"the logits have {n_classes} columns, one per class")

    def forward(self, prediction: Tensor, target: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(prediction, target)

    def weighted(self, prediction: Tensor, target: np.ndarray, weight: np.ndarray) -> Tensor:
        return ops.softmax_cross_entropy(prediction, target, weight)


#: every loss class by name (a :class:`~neuronkit.registry.Registry`)
LOSSES: Registry[type[Loss]] = Registry("loss", providers=("neuronkit.spiking.losses",))  # + the spike losses
#: the built-in aliases (alias -> name); other spellings (case, "-", "_") need none
ALIASES = {"l2": "mse", "mean_squared_error": "mse", "squared_error": "mse", "l1": "mae",
           "mean_absolute_error": "mae", "binary_cross_entropy": "bce", "log_loss": "cross_entropy",
           "ce": "cross_entropy", "categorical_cross_entropy": "cross_entropy", "smooth_l1": "huber"}


def register(name: str, cls: type[Loss], *, aliases: tuple[str, ...] = (), replace: bool = False) -> None:
    """Add a loss class under ``name`` (and ``aliases``); a name taken by another needs ``replace=True``.

    Examples
    --------
    ``register("my_loss", MyLoss)`` makes ``get_loss("my_loss")`` build a ``MyLoss``. A name taken by
    another loss is refused:

    >>> from neuronkit.losses import Loss, register
    >>> class MyLoss(Loss):
    ...     def elementwise(self, prediction, target):
    ...         return (prediction - target) ** 2
    >>> try:
    ...     register("l2", MyLoss)
    ... except ValueError as error:
    ...     print(error)
    the loss name 'l2' is already taken by 'mse'; pass replace=True to replace it
    """
    if not (isinstance(cls, type) and issubclass(cls, Loss)):
        raise ParameterTypeError(must_be("cls", "a Loss subclass", cls, "losses.register"))
    LOSSES.register(name, cls, aliases=aliases, replace=replace)


for _cls in (MSE, MAE, Huber, BinaryCrossEntropy, CrossEntropy):
    register(_cls.name, _cls, aliases=tuple(alias for alias, name in ALIASES.items() if name == _cls.name))

def available() -> list[str]:
    """Names of all registered losses (aliases excluded).

    Examples
    --------
    >>> import neuronkit as nk
    >>> nk.losses.available()  # doctest: +NORMALIZE_WHITESPACE
    ['bce', 'count_cross_entropy', 'count_mse', 'cross_entropy', 'huber', 'mae', 'membrane_cross_entropy', 'mse',
     'rate_cross_entropy']
    """
    return sorted(LOSSES)


def get_loss(spec: str | Loss | dict, **options: Any) -> Loss:
    """Look up a loss by name (options such as ``delta=`` are passed on) or accept an instance.

    A dict is a saved config: ``{"name": "huber", "delta": 0.5}``.

    Examples
    --------
    >>> import neuronkit as nk
    >>> mse = nk.get_loss("MSE")
    >>> type(mse).__name__
    'MSE'
    >>> float(mse(nk.Tensor([1.0, 2.0]), [0.0, 0.0]).item())
    2.5
    >>> nk.get_loss({"name": "huber", "delta": 0.5}).delta
    0.5
    """
    if isinstance(spec, Loss):
        if options:
            raise ParameterError(f"loss options ({', '.join(options)}) go with a name, e.g. "
                                 f"get_loss('huber', delta=0.5); got {spec!r}")
        return spec
    if isinstance(spec, dict):
        if "name" not in spec:
            raise ParameterError(must_be("loss", "a dict with a 'name' key, e.g. {'name': 'huber', 'delta': 1.0}",
                                         spec))
        config = dict(spec)
        return get_loss(config.pop("name"), **config, **options)
    if isinstance(spec, type) and issubclass(spec, Loss):
        cls = spec
    elif isinstance(spec, str):
        cls = LOSSES.get(spec)
    else:
        raise ParameterTypeError(must_be("loss", "a name or a Loss", spec))
    check_options("loss", cls.name, cls, options)
    return cls(**options)
