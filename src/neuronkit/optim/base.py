"""The :class:`Optimizer` base class, the optimiser registry and the building blocks of update rules.

What goes where in :mod:`neuronkit.optim`:

* here: what every optimiser shares: the parameter checks, the learning
  rate, :meth:`Optimizer.step` (the plain per-parameter loop, and the choice
  of a fast path), ``state_dict``/``load_state_dict``, the ``OPTIMIZERS``
  registry with :func:`get_optimizer`, and the helpers update rules are
  written with (:func:`_buffer`, :func:`_lerp`, :func:`_with_weight_decay`);
* :mod:`._fast`: the fused small-model step and the blocked large-parameter
  update, taken only for a class that declares ``elementwise = True``;
* one file per optimiser family (:mod:`.sgd`, :mod:`.rmsprop`, :mod:`.adam`):
  the class, its update rule (the equations in the docstring, the code
  following them term for term) and its ``OPTIMIZERS.register`` line;
* :mod:`.schedules` (learning-rate schedules) and :mod:`.clipping` (gradient clipping).

A new optimiser is a new file: a subclass defining ``buffers``, ``_configure``,
``_hyperparameters`` and ``_update`` (and ``elementwise = True`` if the rule is
elementwise), one ``OPTIMIZERS.register`` line, an import in ``__init__.py``,
and a row in the torch comparison table of tests/test_optim.py (and in the
path table of tests/test_optim_paths.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import numpy as np

from ..engine import Tensor
from ..errors import ModelFileError, ParameterError, ParameterTypeError, ShapeError
from ..registry import Registry
from ..validation import check_int, check_number, must_be
from ._fast import BLOCK_BYTES, FlatBuffers, step_fused, update_in_blocks

__all__ = ["OPTIMIZERS", "Optimizer", "get_optimizer"]


def _parameter_list(params: Any, owner: str, *, example: str = "lr=...", allow_empty: bool = False,
                    allow_repeats: bool = False) -> list[Tensor]:
    """The parameters as a list, checked: Tensors, each once, at least one (unless allowed otherwise)."""
    if isinstance(params, Tensor):
        params = [params]
    elif callable(getattr(params, "parameters", None)):
        raise ParameterTypeError(f"{owner} takes the parameters, not the model: write "
                                 f"{owner}(model.parameters(), {example}), not {owner}(model, {example})")
    try:
        items = list(params)
    except TypeError:
        raise ParameterTypeError(f"{owner} params must be an iterable of Parameters (e.g. model.parameters()); "
                                 f"got {type(params).__name__}") from None
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise ParameterTypeError(f"{owner} params must be Parameters (e.g. model.parameters()); "
                                     f"item {i} is a {type(p).__name__}")
    if not items and not allow_empty:
        raise ParameterError(f"{owner} got an empty parameter list; pass model.parameters() of a model with weights")
    if not allow_repeats and len({id(p) for p in items}) != len(items):
        raise ParameterError(f"{owner} got the same parameter more than once; each parameter must appear once")
    return items


class Optimizer:
    r"""Base class: holds the parameters, their state, step counts and the learning rate.

    Attributes
    ----------
    params : list of Parameter
        The parameters updated by :meth:`step`, in order (index ``i`` names
        ``state[i]`` and ``steps[i]``).
    lr : float
        The learning rate; schedules set it (any finite number >= 0).
    state : list of dict
        Per-parameter buffers (``state[i]["exp_avg"]``), created at a
        parameter's first update; each has the parameter's shape and dtype.
    steps : list of int
        How many updates each parameter has received (parameters whose
        ``.grad`` is None at a step are skipped and not counted).
    paths : tuple
        How the latest :meth:`step` updated each parameter: ``"fused"``,
        ``"blocked"``, ``"plain"``, or None (no gradient; also before any step).

    A subclass defines :meth:`_configure` (validate and store the other
    hyper-parameters), :meth:`_hyperparameters`, ``buffers`` (the names its
    state may hold) and :meth:`_update` (one parameter's update, written with
    ``out=`` ufuncs into the two scratch arrays it is given; it may add
    buffers to ``state``, shaped like the parameter, and never writes to the
    gradient).

    **Choosing a fast path: ``elementwise``.** Declare ``elementwise = True`` in
    the class body when your ``_update`` is elementwise: each entry of the new
    parameter and state depends only on the same entry of the parameter, the
    gradient and the state (and on scalars: ``lr``, ``t``, hyper-parameters),
    never on shapes, norms or neighbouring entries. Then :meth:`step` may run it
    on concatenated (fused) or blocked buffers, with results bit-for-bit those
    of the plain loop. The declaration belongs to the class that writes the
    rule: a class that defines ``_update`` without declaring ``elementwise`` in
    its own body gets ``False`` (the plain per-parameter path), even when a
    parent declared ``True``; a class that inherits its parent's ``_update``
    inherits its declaration.

    Examples
    --------
    One step of plain gradient descent, :math:`\theta \leftarrow \theta - \gamma g`:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> w = nk.Parameter(np.array([1.0, 2.0]))
    >>> opt = nk.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step(); w.data
    array([0.8, 1.6])
    >>> opt.zero_grad(); w.grad is None
    True
    >>> opt.hyperparameters["lr"]
    0.1
    """

    buffers: ClassVar[tuple[str, ...]] = ()
    elementwise: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_update" in cls.__dict__ and "elementwise" not in cls.__dict__:
            cls.elementwise = False  # a new rule is not known to be elementwise until its author says so

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        owner = type(self).__name__
        self.params = _parameter_list(params, owner)
        self.lr = check_number(lr, "lr", low=0.0, low_open=True, owner=owner)
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.steps: list[int] = [0] * len(self.params)
        self.paths: tuple[str | None, ...] = (None,) * len(self.params)
        self._scratch: dict[np.dtype, np.ndarray] = {}
        self._flat: FlatBuffers | Literal[False] | None = None  # None: not decided yet; False: never fuse

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_number(value, "lr", low=0.0, owner=type(self).__name__)

    # --------------------------------------------------------------- public
    def step(self) -> None:
        """Update every parameter that has a gradient, in place.

        The path is chosen explicitly (see ``elementwise`` in the class
        docstring and :mod:`neuronkit.optim._fast`): for an elementwise rule, a
        small model whose parameters all have gradients and the same step count
        takes the fused step, and in the per-parameter loop a large parameter is
        updated block by block; everything else is the plain loop, one
        ``_update`` call per parameter. ``paths`` records what was done.
        """
        elementwise = self.elementwise
        if elementwise and self._flat is not False and step_fused(self):
            return
        paths: list[str | None] = []
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                paths.append(None)
                continue
            if not isinstance(grad, np.ndarray) or grad.shape != p.data.shape:
                got = f"shape {grad.shape}" if isinstance(grad, np.ndarray) else f"a {type(grad).__name__}"
                raise ShapeError(f"{type(self).__name__}: parameter {i} has shape {p.data.shape} but its "
                                 f"gradient has {got}; gradients must be arrays shaped like their parameters")
            self.steps[i] += 1
            if elementwise and p.data.nbytes > 2 * BLOCK_BYTES and update_in_blocks(self, i, p.data, grad):
                paths.append("blocked")
                continue
            self._update(p.data, grad, self.state[i], self.steps[i], *self._temporaries(p.data))
            paths.append("plain")
        self.paths = tuple(paths)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to None (the next backward() starts afresh)."""
        for p in self.params:
            p.grad = None

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The learning rate and the other hyper-parameters, as JSON-able values."""
        return {"lr": self.lr, **self._hyperparameters()}

    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(json_dict, arrays)``: everything needed to continue bit-identically.

        ``json_dict`` holds ``type``, ``hyperparameters`` and ``steps`` (one
        count per parameter); ``arrays`` maps ``"state.{i}.{buffer}"`` to a
        copy of parameter ``i``'s buffer (contiguous, safetensors-ready).
        """
        meta = {"type": type(self).__name__, "hyperparameters": self.hyperparameters,
                "steps": list(self.steps)}
        arrays = {f"state.{i}.{name}": np.ascontiguousarray(buf).copy()
                  for i, state in enumerate(self.state) for name, buf in state.items()}
        return meta, arrays

    def load_state_dict(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore hyper-parameters, step counts and buffers from :meth:`state_dict`'s output.

        Checked before anything changes: the optimiser type, the number of
        parameters, the buffer names, shapes and dtypes, the step counts and the
        hyper-parameters. Arguments that are not dicts raise
        :class:`~neuronkit.errors.ParameterTypeError`; a state that does not fit
        this optimiser (it is usually read from a checkpoint file) raises
        :class:`~neuronkit.errors.ModelFileError`, naming what does not fit.
        """
        owner = type(self).__name__
        for name, given in (("meta", meta), ("arrays", arrays)):
            if not isinstance(given, dict):
                raise ParameterTypeError(must_be(name, "a dict, as returned by state_dict()", given,
                                                 f"{owner}.load_state_dict"))
        if meta.get("type") != owner:
            raise ModelFileError(f"this state is for a {meta.get('type')!r} optimiser; cannot load it into {owner}")
        steps = meta.get("steps")
        if not isinstance(steps, list) or len(steps) != len(self.params):
            count = len(steps) if isinstance(steps, list) else steps
            raise ModelFileError(f"{owner} state has steps for {count} parameters; this optimiser has "
                                 f"{len(self.params)}. Build the optimiser on the same parameters as the saved one")
        try:
            steps = [check_int(s, f"steps[{i}]", low=0, owner=f"{owner} state") for i, s in enumerate(steps)]
        except (ParameterError, ParameterTypeError) as exc:
            raise ModelFileError(str(exc)) from None
        state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        for key, value in arrays.items():
            parts = key.split(".") if isinstance(key, str) else []
            if (len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit()
                    or int(parts[1]) >= len(self.params) or parts[2] not in self.buffers):
                raise ModelFileError(f"{owner} state has an unexpected array {key!r}; expected "
                                     f"'state.<i>.<buffer>' with i < {len(self.params)} and buffer one of "
                                     f"{', '.join(self.buffers)}")
            p = self.params[int(parts[1])]
            value = np.asarray(value)
            if value.shape != p.data.shape:
                raise ModelFileError(f"{owner} state array {key!r} has shape {value.shape}; "
                                     f"parameter {parts[1]} has shape {p.data.shape}")
            if value.dtype.kind not in "fiu":
                raise ModelFileError(f"{owner} state array {key!r} has dtype {value.dtype}; it must hold numbers")
            state[int(parts[1])][parts[2]] = value
        hyper = meta.get("hyperparameters", {})
        if not isinstance(hyper, dict):
            raise ModelFileError(f"{owner} state hyperparameters must be a dict; got {hyper!r}")
        hyper = dict(hyper)
        try:
            lr = check_number(hyper.pop("lr", self.lr), "lr", low=0.0, owner=f"{owner} state")
            self._reconfigure(hyper)
        except (ParameterError, ParameterTypeError) as exc:
            raise ModelFileError(str(exc)) from None
        self.lr = lr
        self.steps = steps
        self._flat = None  # the fused step re-reads the state loaded below
        for target, loaded, p in zip(self.state, state, self.params, strict=True):
            for name in list(target):
                if name not in loaded:
                    del target[name]
            for name, value in loaded.items():
                if name in target:  # reuse the existing buffer
                    np.copyto(target[name], value)
                else:
                    target[name] = np.array(value, dtype=p.data.dtype, copy=True)

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v!r}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({hyper}; {len(self.params)} parameters)"

    # ------------------------------------------------------------ internals
    def _reconfigure(self, hyper: dict[str, Any]) -> None:
        """``_configure(**hyper)``, all or nothing: on an error the previous hyper-parameters are restored."""
        previous = self._hyperparameters()
        try:
            self._configure(**hyper)
        except TypeError as exc:
            if isinstance(exc, ParameterTypeError):
                self._configure(**previous)
                raise
            raise ParameterError(f"{type(self).__name__} state has hyper-parameters {sorted(hyper)} that do not "
                                 f"fit: {exc}") from None
        except ParameterError:
            self._configure(**previous)
            raise

    def _temporaries(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two scratch arrays shaped like ``data``: views into one buffer per dtype, reused by every step."""
        n = data.size
        buf = self._scratch.get(data.dtype)
        if buf is None or buf.size < 2 * n:
            # sized for the largest parameter updated whole; larger ones go block by block (BLOCK_BYTES)
            largest = max((p.data.size for p in self.params
                           if p.data.dtype == data.dtype and p.data.nbytes <= 2 * BLOCK_BYTES), default=0)
            buf = self._scratch[data.dtype] = np.empty(2 * max(largest, n), dtype=data.dtype)
        return buf[:n].reshape(data.shape), buf[n:2 * n].reshape(data.shape)

    def _configure(self, *args: Any, **hyperparameters: Any) -> None:
        # (*args: Any, **kwargs: Any) lets each subclass declare its own keyword-only hyper-parameters;
        # they are always passed by keyword
        raise NotImplementedError

    def _hyperparameters(self) -> dict[str, Any]:
        raise NotImplementedError

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int,
                tmp: np.ndarray, tmp2: np.ndarray) -> None:
        raise NotImplementedError


# ------------------------------------------------------- building blocks of update rules
def _buffer(state: dict[str, np.ndarray], name: str, param: np.ndarray) -> np.ndarray:
    """``state[name]``, created as zeros shaped like ``param`` on first use."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(param)
    return buf


def _lerp(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``start ← start + weight·(end − start)`` in place, in the two forms ``torch.lerp`` uses."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:  # end − (end − start)(1 − weight): exact at weight = 1
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)


def _with_weight_decay(param: np.ndarray, grad: np.ndarray, weight_decay: float, out: np.ndarray) -> np.ndarray:
    """g + λθ (into ``out``), or ``grad`` itself when λ = 0. The caller's gradient is never written to."""
    if weight_decay == 0:
        return grad
    np.multiply(param, weight_decay, out=out)
    np.add(grad, out, out=out)
    return out


# ------------------------------------------------------------------ registry
#: every optimiser class by name (a :class:`~neuronkit.registry.Registry`)
OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")  # each optimiser's file registers it


def get_optimizer(spec: str | Optimizer | dict[str, Any], params: Iterable[Tensor] | None = None,
                  **options: Any) -> Optimizer:
    """Build an optimiser by name (``"sgd"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``) or accept one.

    ``spec`` may also be a dict ``{"name": "adam", "lr": 0.01}``. Names are
    looked up in ``OPTIMIZERS`` (case, spaces, ``-`` and ``_`` ignored:
    ``"Adam_W"`` is ``"adamw"``). An instance is returned as it is (then give
    neither params nor options).

    >>> import numpy as np, neuronkit as nk
    >>> get_optimizer("adam", [nk.Parameter(np.zeros(3))], lr=0.01)
    Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False; 1 parameters)
    """
    if isinstance(spec, Optimizer):
        if params is not None or options:
            raise ParameterError(f"get_optimizer got a ready {type(spec).__name__} together with params or "
                                 "options; pass the instance alone, or a name with params and options")
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        if "name" not in spec:
            raise ParameterError(f"an optimiser dict needs a 'name' key, e.g. {{'name': 'adam', 'lr': 0.001}}; "
                                 f"got {spec!r}")
        return get_optimizer(spec.pop("name"), params, **{**spec, **options})
    if not isinstance(spec, str):
        raise ParameterTypeError(f"optimizer must be a name or an Optimizer; got {spec!r}")
    cls = OPTIMIZERS.get(spec)
    if params is None:
        raise ParameterError(f"get_optimizer({spec!r}) needs the parameters: "
                             f"get_optimizer({spec!r}, model.parameters())")
    try:
        return cls(params, **options)
    except TypeError as exc:
        if isinstance(exc, ParameterTypeError) or "argument" not in str(exc):
            raise
        raise ParameterTypeError(f"optimizer {spec!r}: {exc}") from None
