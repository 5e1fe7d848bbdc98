"""Learning-rate schedules: each ``step()`` sets the optimiser's ``lr``, as ``torch.optim.lr_scheduler``.

A schedule is a :class:`Schedule` subclass defining ``_configure`` (validate
and store its hyper-parameters through :mod:`neuronkit.validation`),
``_hyperparameters`` and ``_next_lr`` (the rule, its formula in the
docstring), registered in ``SCHEDULES`` beside its definition (a short name
and the class name as an alias), with a row in the torch comparison of
tests/test_optim.py. :class:`ReduceLROnPlateau` decides "has the metric
improved?" with :func:`neuronkit.monitor.improved`, the rule early stopping
and checkpoints share.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from ..errors import ModelFileError, ParameterError, ParameterTypeError
from ..monitor import improved, worst
from ..registry import Registry
from ..validation import check_choice, check_int, check_number, must_be
from .base import Optimizer

__all__ = ["SCHEDULES", "CosineAnnealingLR", "ExponentialLR", "ReduceLROnPlateau", "Schedule", "StepLR",
           "get_schedule"]

#: every learning-rate schedule class by name (a :class:`~neuronkit.registry.Registry`)
SCHEDULES: Registry[type[Schedule]] = Registry("schedule")  # each schedule is registered below its class


class Schedule:
    """Base class of learning-rate schedules: each ``step()`` sets ``optimizer.lr``.

    Schedules follow ``torch.optim.lr_scheduler``: they are *chainable* (each
    step starts from the optimiser's current lr, so a change made by hand or
    by another schedule carries on), ``step()`` is called once per epoch after
    the epoch's optimiser steps, and ``last_epoch`` counts the steps.
    ``base_lr`` is the optimiser's lr when the schedule was made.

    ``state_dict()`` is JSON-able; :meth:`load_state_dict` restores the
    schedule's counters, not the optimiser's lr, which the optimiser's own
    state holds (restore both for an exact resume).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> from neuronkit.optim import ExponentialLR
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step()
    >>> opt.lr, schedule.last_epoch
    (0.25, 2)
    """

    needs_metric: ClassVar[bool] = False  # True when step() takes the monitored value

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ParameterTypeError(f"{type(self).__name__} needs a neuronkit optimiser (e.g. nk.SGD(...)); "
                                     f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self.last_lr = optimizer.lr

    @property
    def lr(self) -> float:
        """The learning rate set by the latest step (the optimiser's lr at creation before any)."""
        return self.last_lr

    def step(self) -> None:
        """Advance one epoch and set the optimiser's lr."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.optimizer.lr)
        self.last_lr = self.optimizer.lr

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def _hyperparameters(self) -> dict[str, Any]:
        raise NotImplementedError

    def _counters(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch, "last_lr": self.last_lr}

    def state_dict(self) -> dict[str, Any]:
        """The type, hyper-parameters and counters, as JSON-able values."""
        return {"type": type(self).__name__, **self._hyperparameters(), **self._counters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyper-parameters and counters saved by :meth:`state_dict`."""
        owner = type(self).__name__
        if not isinstance(state, dict):
            raise ParameterTypeError(must_be("state", "a dict, as returned by state_dict()", state,
                                             f"{owner}.load_state_dict"))
        state = dict(state)
        kind = state.pop("type", None)
        if kind != owner:
            raise ModelFileError(f"this state is for a {kind!r} schedule; cannot load it into {owner}")
        counters = {key: state.pop(key) for key in self._counters() if key in state}
        missing = set(self._counters()) - set(counters)
        if missing:
            raise ModelFileError(f"{owner} state is missing {', '.join(sorted(missing))}")
        previous = self._hyperparameters()
        try:
            try:
                self._configure(**state)
            except TypeError as exc:
                if isinstance(exc, ParameterTypeError):
                    raise
                raise ModelFileError(f"{owner} state has hyper-parameters {sorted(state)} that do not fit: "
                                     f"{exc}") from None
            self._load_counters(self._read_counters(counters))
        except (ParameterError, ParameterTypeError) as exc:
            self._configure(**previous)  # all or nothing
            raise ModelFileError(str(exc)) from None
        except ModelFileError:
            self._configure(**previous)
            raise

    def _read_counters(self, counters: dict[str, Any]) -> dict[str, Any]:
        """The saved counters, checked (a :class:`ParameterError` names a bad one)."""
        owner = f"{type(self).__name__} state"
        return {"base_lr": check_number(counters["base_lr"], "base_lr", low=0.0, owner=owner),
                "last_epoch": check_int(counters["last_epoch"], "last_epoch", low=0, owner=owner),
                "last_lr": check_number(counters["last_lr"], "last_lr", low=0.0, owner=owner)}

    def _load_counters(self, counters: dict[str, Any]) -> None:
        self.base_lr, self.last_epoch, self.last_lr = counters["base_lr"], counters["last_epoch"], counters["last_lr"]

    def _configure(self, *args: Any, **hyperparameters: Any) -> None:
        # (*args: Any, **kwargs: Any) lets each subclass declare its own keyword-only hyper-parameters;
        # they are always passed by keyword
        raise NotImplementedError

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({hyper}; epoch {self.last_epoch}, lr={self.last_lr:g})"


class StepLR(Schedule):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs.

    lr ← γ·lr when ``last_epoch`` is a multiple of ``step_size``; so from a
    fresh start lr(e) = base_lr · γ^⌊e / step_size⌋.

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=1.0)
    >>> schedule = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     schedule.step(); lrs.append(opt.lr)
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self._configure(step_size=step_size, gamma=gamma)

    def _configure(self, *, step_size: int, gamma: float) -> None:
        self.step_size = check_int(step_size, "step_size", low=1, owner="StepLR")
        self.gamma = check_number(gamma, "gamma", low=0.0, low_open=True, owner="StepLR")

    def _hyperparameters(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


SCHEDULES.register("step", StepLR, aliases=("StepLR",))


class ExponentialLR(Schedule):
    """Multiply the lr by ``gamma`` every epoch: lr(e) = base_lr · γ^e from a fresh start.

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step(); schedule.lr
    0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self._configure(gamma=gamma)

    def _configure(self, *, gamma: float) -> None:
        self.gamma = check_number(gamma, "gamma", low=0.0, low_open=True, owner="ExponentialLR")

    def _hyperparameters(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


SCHEDULES.register("exponential", ExponentialLR, aliases=("ExponentialLR",))


class CosineAnnealingLR(Schedule):
    """Anneal the lr along a half cosine from ``base_lr`` to ``eta_min`` over ``T_max`` epochs.

    From a fresh start, lr(e) = η_min + (base_lr − η_min)(1 + cos(π e / T_max)) / 2;
    as in torch it is computed recursively (chainable)::

        lr ← η_min + (lr − η_min) · (1 + cos(π e / T_max)) / (1 + cos(π (e − 1) / T_max))

    and past ``T_max`` it rises again (period 2·T_max), like torch's.

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=1.0)
    >>> schedule = CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     schedule.step(); lrs.append(round(opt.lr, 4))
    >>> lrs
    [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 (torch's name)
        super().__init__(optimizer)
        self._configure(T_max=T_max, eta_min=eta_min)

    def _configure(self, *, T_max: int, eta_min: float) -> None:  # noqa: N803
        self.T_max = check_int(T_max, "T_max", low=1, owner="CosineAnnealingLR")
        self.eta_min = check_number(eta_min, "eta_min", low=0.0, owner="CosineAnnealingLR")

    def _hyperparameters(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}

    def _next_lr(self, lr: float) -> float:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:  # leaving the minimum: the ratio below would divide by 0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - eta_min) + eta_min


SCHEDULES.register("cosine", CosineAnnealingLR, aliases=("CosineAnnealingLR",))


class ReduceLROnPlateau(Schedule):
    """Multiply the lr by ``factor`` when a monitored metric stops improving.

    ``step(metric)`` once per epoch. A value is an improvement when it beats
    the best so far by more than ``threshold`` (``mode="min"``: below
    best·(1 − threshold) in ``"rel"`` mode, best − threshold in ``"abs"``;
    mirrored for ``"max"``). After more than ``patience`` epochs without
    improvement, lr ← max(lr·factor, min_lr) (skipped if that changes lr by
    ``eps`` or less), then ``cooldown`` epochs pass in which bad epochs are not
    counted. Same rules as torch's.

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=1.0)
    >>> schedule = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0]:
    ...     schedule.step(loss)
    >>> schedule.lr
    0.5
    """

    needs_metric = True

    def __init__(self, optimizer: Optimizer, mode: str = "min", *, factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8) -> None:
        super().__init__(optimizer)
        self._configure(mode=mode, factor=factor, patience=patience, threshold=threshold,
                        threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr, eps=eps)
        self.best: float | None = None  # None until the first metric
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def _configure(self, *, mode: str, factor: float, patience: int, threshold: float, threshold_mode: str,
                   cooldown: int, min_lr: float, eps: float) -> None:
        owner = "ReduceLROnPlateau"
        self.mode = check_choice(mode, "mode", ("min", "max"), owner=owner)
        self.factor = check_number(factor, "factor", low=0.0, high=1.0, low_open=True, high_open=True, owner=owner)
        self.patience = check_int(patience, "patience", low=0, owner=owner)
        self.threshold = check_number(threshold, "threshold", low=0.0, owner=owner)
        self.threshold_mode = check_choice(threshold_mode, "threshold_mode", ("rel", "abs"), owner=owner)
        self.cooldown = check_int(cooldown, "cooldown", low=0, owner=owner)
        self.min_lr = check_number(min_lr, "min_lr", low=0.0, owner=owner)
        self.eps = check_number(eps, "eps", low=0.0, owner=owner)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"mode": self.mode, "factor": self.factor, "patience": self.patience, "threshold": self.threshold,
                "threshold_mode": self.threshold_mode, "cooldown": self.cooldown, "min_lr": self.min_lr,
                "eps": self.eps}

    def _counters(self) -> dict[str, Any]:
        return {**super()._counters(), "best": self.best, "num_bad_epochs": self.num_bad_epochs,
                "cooldown_counter": self.cooldown_counter}

    def _read_counters(self, counters: dict[str, Any]) -> dict[str, Any]:
        owner = "ReduceLROnPlateau state"
        best = counters["best"]
        return {**super()._read_counters(counters),
                "best": None if best is None else check_number(best, "best", finite=False, owner=owner),
                "num_bad_epochs": check_int(counters["num_bad_epochs"], "num_bad_epochs", low=0, owner=owner),
                "cooldown_counter": check_int(counters["cooldown_counter"], "cooldown_counter", low=0, owner=owner)}

    def _load_counters(self, counters: dict[str, Any]) -> None:
        super()._load_counters(counters)
        self.best, self.num_bad_epochs, self.cooldown_counter = (counters["best"], counters["num_bad_epochs"],
                                                                 counters["cooldown_counter"])

    def _is_better(self, value: float) -> bool:
        """:func:`neuronkit.monitor.improved` against the best so far (the worst value before any metric,
        as torch compares with ±inf)."""
        best = worst(self.mode) if self.best is None else self.best
        return improved(value, best, mode=self.mode, delta=self.threshold, relative=self.threshold_mode == "rel")

    def step(self, metric: float) -> None:  # type: ignore[override]
        """Record one epoch's metric (e.g. the validation loss) and reduce the lr if it has plateaued."""
        try:
            value = float(metric)
        except (TypeError, ValueError):
            raise ParameterTypeError(f"ReduceLROnPlateau.step needs the monitored value as a number, e.g. "
                                     f"schedule.step(val_loss); got {metric!r}") from None
        self.last_epoch += 1
        if self._is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            old_lr = self.optimizer.lr
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self.last_lr = self.optimizer.lr


SCHEDULES.register("plateau", ReduceLROnPlateau, aliases=("ReduceLROnPlateau",))


def get_schedule(spec: str | Schedule | dict[str, Any], optimizer: Optimizer | None = None,
                 **options: Any) -> Schedule:
    """Build a schedule by name (``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"``, or the class name).

    ``spec`` may also be a dict ``{"name": "step", "step_size": 10}``; an
    instance is returned as it is. Names are looked up in ``SCHEDULES``
    (case, spaces, ``-`` and ``_`` ignored).

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=0.1)
    >>> get_schedule("cosine", opt, T_max=10)
    CosineAnnealingLR(T_max=10, eta_min=0.0; epoch 0, lr=0.1)
    """
    if isinstance(spec, Schedule):
        if optimizer is not None or options:
            raise ParameterError(f"get_schedule got a ready {type(spec).__name__} together with an optimiser or "
                                 "options; pass the instance alone, or a name with the optimiser and options")
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        if "name" not in spec:
            raise ParameterError(f"a schedule dict needs a 'name' key, e.g. {{'name': 'step', 'step_size': 10}}; "
                                 f"got {spec!r}")
        return get_schedule(spec.pop("name"), optimizer, **{**spec, **options})
    if not isinstance(spec, str):
        raise ParameterTypeError(f"schedule must be a name or a Schedule; got {spec!r}")
    cls = SCHEDULES.get(spec)
    if optimizer is None:
        raise ParameterError(f"get_schedule({spec!r}) needs the optimiser: get_schedule({spec!r}, optimizer, ...)")
    try:
        return cls(optimizer, **options)
    except TypeError as exc:
        if isinstance(exc, ParameterTypeError) or "argument" not in str(exc):
            raise
        raise ParameterTypeError(f"schedule {spec!r}: {exc}") from None
