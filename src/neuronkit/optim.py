"""Optimisers, learning-rate schedules and gradient clipping.

An optimiser only sees parameters: ``step()`` reads each ``p.grad`` and
updates ``p.data`` in place; ``zero_grad()`` sets the gradients to ``None``.
The update rules are those of ``torch.optim`` (single-tensor path), term for
term, so the same weights and gradients give the same results. Notation in the
docstrings: θ a parameter, g its gradient, γ the learning rate ``lr``, λ the
weight decay, t the number of updates this parameter has received (from 1).

Memory: the per-parameter state (momentum, moment estimates) is allocated at a
parameter's first update; after that a step allocates no array of parameter
size. Intermediate values go to two scratch arrays the size of the largest
parameter, shared by all parameters and reused by every step. Small models
(at most ``FUSE_MAX_SIZE`` numbers in all) are updated in one pass over flat
copies instead (see :meth:`Optimizer.step`), which adds four arrays of the
model's size.

>>> import numpy as np
>>> import neuronkit as nk
>>> w = nk.Parameter(np.array([1.0, -2.0]))
>>> opt = nk.SGD([w], lr=0.1)
>>> w.grad = np.array([0.5, -1.0])
>>> opt.step()
>>> w.data
array([ 0.95, -1.9 ])
>>> opt.zero_grad(); print(w.grad)
None

Resuming exactly: ``state_dict()`` returns ``(json_dict, arrays)``: the
hyper-parameters and step counts as JSON-able values, and a flat dict of named
NumPy arrays (``"state.0.exp_avg"``) that a safetensors file can hold;
``load_state_dict(json_dict, arrays)`` restores them. Schedules keep only
JSON-able state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any, ClassVar, Literal

import numpy as np

from .engine import Tensor

__all__ = [
    "OPTIMIZERS", "SCHEDULES", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "Optimizer", "RMSprop",
    "ReduceLROnPlateau", "SGD", "Schedule", "StepLR", "clip_grad_norm", "clip_grad_value", "get_optimizer",
    "get_schedule",
]


# ------------------------------------------------------------------ validation
def _check_number(owner: str, name: str, value: Any, *, low: float = 0.0, high: float = math.inf,
                  low_open: bool = False, high_open: bool = True) -> float:
    """``value`` as a float if it is a real number in the interval, else a ValueError naming it."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        if high == math.inf:
            allowed = f"> {low:g}" if low_open else f">= {low:g}"
        else:
            allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{owner} {name} must be a finite number {allowed}; got {value!r}")
    return float(value)


def _check_bool(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner} {name} must be True or False; got {value!r}")
    return bool(value)


def _check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner} {name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{owner} {name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)


def _parameter_list(params: Any, owner: str) -> list[Tensor]:
    """The parameters as a list, checked: Tensors, each once, at least one."""
    if isinstance(params, Tensor):
        params = [params]
    elif callable(getattr(params, "parameters", None)):
        raise TypeError(f"{owner} takes the parameters, not the model: write "
                        f"{owner}(model.parameters(), lr=...), not {owner}(model, lr=...)")
    try:
        items = list(params)
    except TypeError:
        raise TypeError(f"{owner} params must be an iterable of Parameters (e.g. model.parameters()); "
                        f"got {type(params).__name__}") from None
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise TypeError(f"{owner} params must be Parameters (e.g. model.parameters()); "
                            f"item {i} is a {type(p).__name__}")
    if not items:
        raise ValueError(f"{owner} got an empty parameter list; pass model.parameters() of a model with weights")
    if len({id(p) for p in items}) != len(items):
        raise ValueError(f"{owner} got the same parameter more than once; each parameter must appear once")
    return items


# ------------------------------------------------------------------ optimisers
class Optimizer:
    """Base class: holds the parameters, their state, step counts and the learning rate.

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

    A subclass defines :meth:`_configure` (validate and store the other
    hyper-parameters), ``buffers`` (the names its state may hold) and
    :meth:`_update` (one parameter's update, written with ``out=`` ufuncs).
    """

    buffers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        owner = type(self).__name__
        self.params = _parameter_list(params, owner)
        self.lr = _check_number(owner, "lr", lr, low_open=True)
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.steps: list[int] = [0] * len(self.params)
        self._scratch: dict[np.dtype, np.ndarray] = {}
        self._flat: _FlatBuffers | Literal[False] | None = None  # None: not decided yet; False: never fuse

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_number(type(self).__name__, "lr", value)

    # --------------------------------------------------------------- public
    def step(self) -> None:
        """Update every parameter that has a gradient, in place.

        A small model (at most ``FUSE_MAX_SIZE`` numbers) whose parameters all have
        gradients and the same step count is updated by one ``_update`` call on flat
        concatenated copies: with a few thousand numbers a step costs per-call overhead,
        not arithmetic. The built-in rules are elementwise, so the result is bit-for-bit
        that of the per-parameter loop; a subclass that overrides ``_update`` always
        gets the loop. In the loop, a large parameter is updated block by block
        (``BLOCK_BYTES`` per array), so that the dozen passes of a rule such as Adam's
        run in the CPU cache instead of streaming the whole parameter from memory each time.
        """
        flat = self._flat
        if flat is not False and self._step_fused(flat):
            return
        blocks = type(self)._update in _ELEMENTWISE_UPDATES
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            if grad.shape != p.data.shape:
                raise ValueError(f"{type(self).__name__}: parameter {i} has shape {p.data.shape} but its "
                                 f"gradient has shape {grad.shape}; gradients must match their parameters")
            self.steps[i] += 1
            if blocks and p.data.nbytes > 2 * BLOCK_BYTES and self._update_in_blocks(i, p.data, grad):
                continue
            self._update(p.data, grad, self.state[i], self.steps[i], *self._temporaries(p.data))

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
        parameters, the buffer names and their shapes.
        """
        owner = type(self).__name__
        if meta.get("type") != owner:
            raise ValueError(f"this state is for a {meta.get('type')!r} optimiser; cannot load it into {owner}")
        steps = meta.get("steps")
        if not isinstance(steps, list) or len(steps) != len(self.params):
            count = len(steps) if isinstance(steps, list) else steps
            raise ValueError(f"{owner} state has steps for {count} parameters; this optimiser has "
                             f"{len(self.params)}. Build the optimiser on the same parameters as the saved one")
        steps = [_check_int(owner, f"steps[{i}]", s, 0) for i, s in enumerate(steps)]
        state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        for key, value in arrays.items():
            parts = key.split(".")
            if (len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit()
                    or int(parts[1]) >= len(self.params) or parts[2] not in self.buffers):
                raise ValueError(f"{owner} state has an unexpected array {key!r}; expected "
                                 f"'state.<i>.<buffer>' with i < {len(self.params)} and buffer one of "
                                 f"{', '.join(self.buffers)}")
            p = self.params[int(parts[1])]
            value = np.asarray(value)
            if value.shape != p.data.shape:
                raise ValueError(f"{owner} state array {key!r} has shape {value.shape}; "
                                 f"parameter {parts[1]} has shape {p.data.shape}")
            state[int(parts[1])][parts[2]] = value
        hyper = dict(meta.get("hyperparameters", {}))
        lr = hyper.pop("lr", self.lr)
        _check_number(owner, "lr", lr)
        try:
            self._configure(**hyper)
        except TypeError as exc:
            raise ValueError(f"{owner} state has hyper-parameters {sorted(hyper)} that do not fit: {exc}") from None
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
    def _update_in_blocks(self, i: int, param: np.ndarray, grad: np.ndarray) -> bool:
        """``_update`` of parameter ``i`` over consecutive blocks; False (nothing done) unless every
        array is C-contiguous. Elementwise rules give bit-for-bit the result of one call."""
        state = self.state[i]
        arrays = [param, grad, *state.values()]
        if not all(a.flags.c_contiguous and a.dtype == param.dtype for a in arrays):
            return False
        flat_p, flat_g = param.reshape(-1), grad.reshape(-1)
        flat_state = {name: buf.reshape(-1) for name, buf in state.items()}
        block = BLOCK_BYTES // param.itemsize
        tmp, tmp2 = self._temporaries(flat_p[:block])
        parts = []
        for a in range(0, flat_p.size, block):
            part = {name: buf[a:a + block] for name, buf in flat_state.items()}
            n = min(block, flat_p.size - a)
            self._update(flat_p[a:a + block], flat_g[a:a + block], part, self.steps[i], tmp[:n], tmp2[:n])
            parts.append(part)
        for name in parts[0].keys() - flat_state.keys():  # buffers the rule created at this step
            state[name] = np.concatenate([part[name] for part in parts]).reshape(param.shape)
        return True

    def _step_fused(self, flat: _FlatBuffers | None) -> bool:
        """The fused step of :meth:`step`, given ``self._flat`` (the caller has ruled out False); returns False
        (having changed nothing) when it does not apply."""
        params = self.params
        t = self.steps[0]
        if self.steps.count(t) != len(params):
            return False
        if flat is None:  # first step, or after load_state_dict: (re)build from the per-parameter state
            built = self._flat = _FlatBuffers.build(self)
            if built is False:
                return False
            flat = built
        dtype = flat.param.dtype
        grads = []
        for p in params:
            g = p.grad
            if g is None or g.shape != p.data.shape or g.dtype != dtype:
                return False
            grads.append(g.ravel())
        np.concatenate([p.data.ravel() for p in params], out=flat.param)
        np.concatenate(grads, out=flat.grad)
        t += 1
        self._update(flat.param, flat.grad, flat.state, t, flat.tmp, flat.tmp2)
        self.steps[:] = [t] * len(params)
        flat.expose_state(self.state)
        for p, view in zip(params, flat.param_views, strict=True):
            np.copyto(p.data, view)
        return True

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


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay.

    At step t, for each parameter θ with gradient g (as in ``torch.optim.SGD``)::

        g ← g + λ θ                            if weight_decay λ ≠ 0
        b ← g                                  at t = 1      } if momentum μ ≠ 0
        b ← μ b + (1 − τ) g                    afterwards    }   (τ = dampening)
        g ← g + μ b   (nesterov)   or   g ← b   (otherwise)  }
        θ ← θ − γ g

    Parameters
    ----------
    params : iterable of Parameter
        E.g. ``model.parameters()``.
    lr : float
        Learning rate γ > 0 (torch's default 1e-3).
    momentum : float
        μ in [0, 1).
    dampening : float
        τ in [0, 1]: the fraction of each new gradient left out of the momentum.
    weight_decay : float
        λ >= 0 (L2 penalty added to the gradient).
    nesterov : bool
        Nesterov momentum; requires momentum > 0 and dampening 0.

    State: ``momentum_buffer`` (b), shape of θ, when μ ≠ 0.

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.array([1.0]))
    >>> opt = nk.SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     w.grad = np.array([1.0])
    ...     opt.step()
    >>> w.data  # 1 − 0.5·1 − 0.5·(0.9·1 + 1)
    array([-0.45])
    """

    buffers = ("momentum_buffer",)

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, *, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)

    def _configure(self, *, momentum: float, dampening: float, weight_decay: float, nesterov: bool) -> None:
        owner = type(self).__name__
        momentum = _check_number(owner, "momentum", momentum, high=1.0)
        dampening = _check_number(owner, "dampening", dampening, high=1.0, high_open=False)
        weight_decay = _check_number(owner, "weight_decay", weight_decay)
        nesterov = _check_bool(owner, "nesterov", nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"{owner} nesterov=True requires momentum > 0 and dampening == 0; got "
                             f"momentum={momentum!r}, dampening={dampening!r}. "
                             f"Use e.g. {owner}(params, lr=0.01, momentum=0.9, nesterov=True)")
        self.momentum, self.dampening, self.weight_decay, self.nesterov = momentum, dampening, weight_decay, nesterov

    def _hyperparameters(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "dampening": self.dampening, "weight_decay": self.weight_decay,
                "nesterov": self.nesterov}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int,
                tmp: np.ndarray, tmp2: np.ndarray) -> None:
        g = _with_weight_decay(param, grad, self.weight_decay, tmp)
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                state["momentum_buffer"] = buf = np.array(g, dtype=param.dtype, copy=True)
            else:
                buf *= self.momentum
                if self.dampening == 0:
                    buf += g
                else:
                    np.multiply(g, 1.0 - self.dampening, out=tmp2)
                    buf += tmp2
            if self.nesterov:
                np.multiply(buf, self.momentum, out=tmp2)
                np.add(g, tmp2, out=tmp2)
                g = tmp2
            else:
                g = buf
        np.multiply(g, self.lr, out=tmp2)
        param -= tmp2


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    At step t (as in ``torch.optim.RMSprop``; v, ḡ, b start at 0)::

        g ← g + λ θ                            if weight_decay λ ≠ 0
        v ← α v + (1 − α) g²
        ḡ ← ḡ + (1 − α)(g − ḡ)                 if centered
        d ← √(v − ḡ²) + ε   (centered)   or   d ← √v + ε
        b ← μ b + g / d ;  θ ← θ − γ b         if momentum μ > 0
        θ ← θ − γ g / d                        otherwise

    Note ε is added *outside* the square root.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        γ > 0 (torch's default 1e-2).
    alpha : float
        Smoothing constant α in [0, 1).
    eps : float
        ε >= 0, added to the denominator.
    weight_decay : float
        λ >= 0.
    momentum : float
        μ in [0, 1).
    centered : bool
        Normalise by an estimate of the gradient's variance (v − ḡ²) instead of v.

    State: ``square_avg`` (v), ``grad_avg`` (ḡ, if centered), ``momentum_buffer`` (b, if μ > 0).

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.array([1.0]))
    >>> opt = nk.RMSprop([w], lr=0.01, alpha=0.75, eps=0.0)
    >>> w.grad = np.array([3.0]); opt.step()
    >>> w.data  # 1 − 0.01·3/√(0.25·9)
    array([0.98])
    """

    buffers = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, *, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)

    def _configure(self, *, alpha: float, eps: float, weight_decay: float, momentum: float, centered: bool) -> None:
        owner = type(self).__name__
        self.alpha = _check_number(owner, "alpha", alpha, high=1.0)
        self.eps = _check_number(owner, "eps", eps)
        self.weight_decay = _check_number(owner, "weight_decay", weight_decay)
        self.momentum = _check_number(owner, "momentum", momentum, high=1.0)
        self.centered = _check_bool(owner, "centered", centered)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "eps": self.eps, "weight_decay": self.weight_decay,
                "momentum": self.momentum, "centered": self.centered}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int,
                tmp: np.ndarray, tmp2: np.ndarray) -> None:
        g = _with_weight_decay(param, grad, self.weight_decay, tmp)
        v = _buffer(state, "square_avg", param)
        v *= self.alpha
        np.multiply(g, 1.0 - self.alpha, out=tmp2)
        tmp2 *= g
        v += tmp2
        if self.centered:
            mean = _buffer(state, "grad_avg", param)
            _lerp(mean, g, 1.0 - self.alpha, tmp2)
            np.multiply(mean, mean, out=tmp2)
            np.subtract(v, tmp2, out=tmp2)
            np.sqrt(tmp2, out=tmp2)
        else:
            np.sqrt(v, out=tmp2)
        tmp2 += self.eps  # d
        if self.momentum > 0:
            buf = _buffer(state, "momentum_buffer", param)
            buf *= self.momentum
            np.divide(g, tmp2, out=tmp2)
            buf += tmp2
            np.multiply(buf, self.lr, out=tmp2)
            param -= tmp2
        else:
            np.multiply(g, self.lr, out=tmp)  # (γ g) / d, in torch's order; g is no longer needed
            tmp /= tmp2
            param -= tmp


FUSE_MAX_SIZE = 1 << 15  # numbers in all; above this the copies cost more than the calls they save
BLOCK_BYTES = 1 << 18  # per array and block: with the ~6 arrays of an update, well inside a 1-2 MiB L2 cache


class _FlatBuffers:
    """Flat copies of a small model's parameters, gradients and optimiser state, for the fused step.

    ``state`` maps a buffer name to one flat array; each parameter's ``Optimizer.state[i][name]``
    is a view into it, so ``state_dict`` keeps working on per-parameter arrays (``load_state_dict``
    drops the flat buffers; the next step rebuilds them from the loaded arrays).
    """

    __slots__ = ("param", "grad", "tmp", "tmp2", "param_views", "slices", "shapes", "state", "views")
    param: np.ndarray  # the concatenated parameters
    grad: np.ndarray  # the concatenated gradients
    tmp: np.ndarray  # the two scratch arrays of ``_update``
    tmp2: np.ndarray
    param_views: list[np.ndarray]  # ``param`` split into the parameters' shapes
    slices: list[slice]  # each parameter's range in the flat arrays
    shapes: list[tuple[int, ...]]
    state: dict[str, np.ndarray]  # buffer name -> flat buffer
    views: dict[str, list[np.ndarray]]  # buffer name -> its per-parameter views

    @classmethod
    def build(cls, optimizer: Optimizer) -> _FlatBuffers | Literal[False]:
        params = optimizer.params
        total = sum(p.data.size for p in params)
        dtypes = {p.data.dtype for p in params}
        if (len(params) < 2 or total > FUSE_MAX_SIZE or len(dtypes) != 1
                or type(optimizer)._update not in _ELEMENTWISE_UPDATES):
            return False
        self = cls()
        dtype = dtypes.pop()
        self.param, self.grad, self.tmp, self.tmp2 = (np.empty(total, dtype=dtype) for _ in range(4))
        bounds = np.cumsum([0] + [p.data.size for p in params]).tolist()
        self.slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.shapes = [p.data.shape for p in params]
        self.param_views = self.split(self.param)
        self.state, self.views = {}, {}
        return self if self.adopt_state(optimizer.state) else False

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        return [flat[s].reshape(shape) for s, shape in zip(self.slices, self.shapes, strict=True)]

    def adopt_state(self, state: list[dict[str, np.ndarray]]) -> bool:
        """Copy the per-parameter state into flat buffers and make each parameter's entries views of
        them; False if the parameters hold different buffers (then no fusing)."""
        names = state[0].keys()
        if any(s.keys() != names for s in state):
            return False
        for name in names:
            self.state[name] = np.concatenate([s[name].ravel() for s in state]).astype(self.param.dtype, copy=False)
            self.views[name] = views = self.split(self.state[name])
            for s, v in zip(state, views, strict=True):
                s[name] = v
        return True

    def expose_state(self, state: list[dict[str, np.ndarray]]) -> None:
        """Give each parameter views of buffers that ``_update`` has just created."""
        for name, flat in self.state.items():
            if name not in self.views:
                self.views[name] = views = self.split(flat)
                for s, v in zip(state, views, strict=True):
                    s[name] = v


def _buffer(state: dict[str, np.ndarray], name: str, param: np.ndarray) -> np.ndarray:
    """``state[name]``, created as zeros shaped like ``param`` on first use."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(param)
    return buf


class Adam(Optimizer):
    """Adam: steps scaled by bias-corrected running moments of the gradient.

    At step t (as in ``torch.optim.Adam``; m, v, v̂ start at 0)::

        g ← g + λ θ                            if weight_decay λ ≠ 0 (L2, coupled)
        m ← m + (1 − β₁)(g − m)                 (= β₁ m + (1 − β₁) g)
        v ← β₂ v + (1 − β₂) g²
        v̂ ← max(v̂, v)                          if amsgrad (then v̂ replaces v below)
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    Note ε is added after the bias correction of √v.

    Parameters
    ----------
    params : iterable of Parameter
    lr : float
        γ > 0.
    betas : (float, float)
        β₁, β₂, each in [0, 1).
    eps : float
        ε >= 0.
    weight_decay : float
        λ >= 0, added to the gradient (use :class:`AdamW` for decoupled decay).
    amsgrad : bool
        Use the running maximum of v (AMSGrad).

    State: ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq`` (v̂, if amsgrad).

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.array([1.0, 1.0]))
    >>> opt = nk.Adam([w], lr=0.1, eps=0.0)
    >>> w.grad = np.array([4.0, -0.5]); opt.step()
    >>> w.data  # the first step moves each weight by lr, against its gradient's sign
    array([0.9, 1.1])
    """

    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    decoupled_weight_decay: ClassVar[bool] = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, *, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def _configure(self, *, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> None:
        owner = type(self).__name__
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner} betas must be a pair (beta1, beta2) such as (0.9, 0.999); got {betas!r}")
        self.betas = (_check_number(owner, "betas[0]", betas[0], high=1.0),
                      _check_number(owner, "betas[1]", betas[1], high=1.0))
        self.eps = _check_number(owner, "eps", eps)
        self.weight_decay = _check_number(owner, "weight_decay", weight_decay)
        self.amsgrad = _check_bool(owner, "amsgrad", amsgrad)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay,
                "amsgrad": self.amsgrad}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int,
                tmp: np.ndarray, tmp2: np.ndarray) -> None:
        beta1, beta2 = self.betas
        if self.decoupled_weight_decay:
            if self.weight_decay != 0:
                param *= 1.0 - self.lr * self.weight_decay
            g = grad
        else:
            g = _with_weight_decay(param, grad, self.weight_decay, tmp)
        m = _buffer(state, "exp_avg", param)
        v = _buffer(state, "exp_avg_sq", param)
        _lerp(m, g, 1.0 - beta1, tmp2)
        v *= beta2
        np.multiply(g, 1.0 - beta2, out=tmp2)
        tmp2 *= g
        v += tmp2
        if self.amsgrad:
            v_max = _buffer(state, "max_exp_avg_sq", param)
            np.maximum(v_max, v, out=v_max)
            v = v_max
        # γ/(1 − β₁ᵗ) · m / (√v/c + ε) with c = √(1 − β₂ᵗ), written as (γc/(1 − β₁ᵗ)) · m / (√v + εc):
        # the same number in five passes over the parameter instead of six (this loop is memory-bound)
        bias_correction2_sqrt = (1.0 - beta2**t) ** 0.5
        np.sqrt(v, out=tmp2)
        tmp2 += self.eps * bias_correction2_sqrt
        np.divide(m, tmp2, out=tmp2)
        tmp2 *= self.lr * bias_correction2_sqrt / (1.0 - beta1**t)
        param -= tmp2


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks θ directly, outside the moments.

    At step t (as in ``torch.optim.AdamW``)::

        θ ← θ (1 − γ λ)
        then the Adam update of :class:`Adam` with λ = 0 in the gradient.

    Same parameters as :class:`Adam`; ``weight_decay`` λ defaults to 1e-2.

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.array([2.0]))
    >>> opt = nk.AdamW([w], lr=0.1, eps=0.0, weight_decay=0.5)
    >>> w.grad = np.array([3.0]); opt.step()
    >>> w.data  # 2·(1 − 0.1·0.5) − 0.1
    array([1.8])
    """

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, *, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}
# the update rules known to be elementwise (safe to apply to concatenated parameters at once)
_ELEMENTWISE_UPDATES = {SGD._update, RMSprop._update, Adam._update}


def _registry_key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")


def get_optimizer(spec: str | Optimizer | dict[str, Any], params: Iterable[Tensor] | None = None,
                  **options: Any) -> Optimizer:
    """Build an optimiser by name (``"sgd"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``) or accept one.

    ``spec`` may also be a dict ``{"name": "adam", "lr": 0.01}``. Case, ``-``
    and ``_`` are ignored in names. An instance is returned as it is (then
    give neither params nor options).

    >>> import numpy as np, neuronkit as nk
    >>> get_optimizer("adam", [nk.Parameter(np.zeros(3))], lr=0.01)
    Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False; 1 parameters)
    """
    if isinstance(spec, Optimizer):
        if params is not None or options:
            raise ValueError(f"get_optimizer got a ready {type(spec).__name__} together with params or options; "
                             "pass the instance alone, or a name with params and options")
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        if "name" not in spec:
            raise ValueError(f"an optimiser dict needs a 'name' key, e.g. {{'name': 'adam', 'lr': 0.001}}; "
                             f"got {spec!r}")
        return get_optimizer(spec.pop("name"), params, **{**spec, **options})
    if not isinstance(spec, str):
        raise TypeError(f"optimizer must be a name or an Optimizer; got {spec!r}")
    cls = OPTIMIZERS.get(_registry_key(spec))
    if cls is None:
        raise ValueError(f"unknown optimizer {spec!r}; valid names are: {', '.join(OPTIMIZERS)}")
    if params is None:
        raise ValueError(f"get_optimizer({spec!r}) needs the parameters: get_optimizer({spec!r}, model.parameters())")
    try:
        return cls(params, **options)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise TypeError(f"optimizer {spec!r}: {exc}") from None


# ------------------------------------------------------------------ schedules
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
    """

    needs_metric: ClassVar[bool] = False  # True when step() takes the monitored value

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs a neuronkit optimiser (e.g. nk.SGD(...)); "
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
        state = dict(state)
        kind = state.pop("type", None)
        if kind != owner:
            raise ValueError(f"this state is for a {kind!r} schedule; cannot load it into {owner}")
        counters = {key: state.pop(key) for key in self._counters() if key in state}
        missing = set(self._counters()) - set(counters)
        if missing:
            raise ValueError(f"{owner} state is missing {', '.join(sorted(missing))}")
        try:
            self._configure(**state)
        except TypeError as exc:
            raise ValueError(f"{owner} state has hyper-parameters {sorted(state)} that do not fit: {exc}") from None
        self._load_counters(counters)

    def _load_counters(self, counters: dict[str, Any]) -> None:
        owner = type(self).__name__
        self.base_lr = _check_number(owner, "base_lr", counters["base_lr"])
        self.last_epoch = _check_int(owner, "last_epoch", counters["last_epoch"], 0)
        self.last_lr = _check_number(owner, "last_lr", counters["last_lr"])

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
        self.step_size = _check_int("StepLR", "step_size", step_size, 1)
        self.gamma = _check_number("StepLR", "gamma", gamma, low_open=True)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


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
        self.gamma = _check_number("ExponentialLR", "gamma", gamma, low_open=True)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


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
        self.T_max = _check_int("CosineAnnealingLR", "T_max", T_max, 1)
        self.eta_min = _check_number("CosineAnnealingLR", "eta_min", eta_min)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"T_max": self.T_max, "eta_min": self.eta_min}

    def _next_lr(self, lr: float) -> float:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:  # leaving the minimum: the ratio below would divide by 0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - eta_min) + eta_min


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
        self.mode = _check_choice(owner, "mode", mode, ("min", "max"))
        self.factor = _check_number(owner, "factor", factor, high=1.0, low_open=True)
        self.patience = _check_int(owner, "patience", patience, 0)
        self.threshold = _check_number(owner, "threshold", threshold)
        self.threshold_mode = _check_choice(owner, "threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = _check_int(owner, "cooldown", cooldown, 0)
        self.min_lr = _check_number(owner, "min_lr", min_lr)
        self.eps = _check_number(owner, "eps", eps)

    def _hyperparameters(self) -> dict[str, Any]:
        return {"mode": self.mode, "factor": self.factor, "patience": self.patience, "threshold": self.threshold,
                "threshold_mode": self.threshold_mode, "cooldown": self.cooldown, "min_lr": self.min_lr,
                "eps": self.eps}

    def _counters(self) -> dict[str, Any]:
        return {**super()._counters(), "best": self.best, "num_bad_epochs": self.num_bad_epochs,
                "cooldown_counter": self.cooldown_counter}

    def _load_counters(self, counters: dict[str, Any]) -> None:
        super()._load_counters(counters)
        best = counters["best"]
        if best is not None and not (isinstance(best, Real) and not isinstance(best, bool)):
            raise ValueError(f"ReduceLROnPlateau best must be a number or None; got {best!r}")
        self.best = None if best is None else float(best)
        self.num_bad_epochs = _check_int("ReduceLROnPlateau", "num_bad_epochs", counters["num_bad_epochs"], 0)
        self.cooldown_counter = _check_int("ReduceLROnPlateau", "cooldown_counter", counters["cooldown_counter"], 0)

    def _is_better(self, value: float) -> bool:
        if self.best is None:  # no metric yet: compare with the worst value, as torch does
            best = math.inf if self.mode == "min" else -math.inf
        else:
            best = self.best
        if self.mode == "min":
            return value < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return value > (best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metric: float) -> None:  # type: ignore[override]
        """Record one epoch's metric (e.g. the validation loss) and reduce the lr if it has plateaued."""
        try:
            value = float(metric)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step needs the monitored value as a number, e.g. "
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


SCHEDULES: dict[str, type[Schedule]] = {"step": StepLR, "exponential": ExponentialLR, "cosine": CosineAnnealingLR,
                                        "plateau": ReduceLROnPlateau}
_SCHEDULE_ALIASES = {_registry_key(cls.__name__): key for key, cls in SCHEDULES.items()}


def get_schedule(spec: str | Schedule | dict[str, Any], optimizer: Optimizer | None = None,
                 **options: Any) -> Schedule:
    """Build a schedule by name (``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"``, or the class name).

    ``spec`` may also be a dict ``{"name": "step", "step_size": 10}``; an
    instance is returned as it is.

    >>> import numpy as np, neuronkit as nk
    >>> opt = nk.SGD([nk.Parameter(np.zeros(1))], lr=0.1)
    >>> get_schedule("cosine", opt, T_max=10)
    CosineAnnealingLR(T_max=10, eta_min=0.0; epoch 0, lr=0.1)
    """
    if isinstance(spec, Schedule):
        if optimizer is not None or options:
            raise ValueError(f"get_schedule got a ready {type(spec).__name__} together with an optimiser or "
                             "options; pass the instance alone, or a name with the optimiser and options")
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        if "name" not in spec:
            raise ValueError(f"a schedule dict needs a 'name' key, e.g. {{'name': 'step', 'step_size': 10}}; "
                             f"got {spec!r}")
        return get_schedule(spec.pop("name"), optimizer, **{**spec, **options})
    if not isinstance(spec, str):
        raise TypeError(f"schedule must be a name or a Schedule; got {spec!r}")
    key = _registry_key(spec)
    cls = SCHEDULES.get(_SCHEDULE_ALIASES.get(key, key))
    if cls is None:
        raise ValueError(f"unknown schedule {spec!r}; valid names are: {', '.join(SCHEDULES)} "
                         f"(or the class names {', '.join(c.__name__ for c in SCHEDULES.values())})")
    if optimizer is None:
        raise ValueError(f"get_schedule({spec!r}) needs the optimiser: get_schedule({spec!r}, optimizer, ...)")
    try:
        return cls(optimizer, **options)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise TypeError(f"schedule {spec!r}: {exc}") from None


# ------------------------------------------------------------------ clipping
def _gradient_owners(params: Iterable[Tensor] | Tensor) -> list[Tensor]:
    if isinstance(params, Tensor):
        return [params] if params.grad is not None else []
    return [p for p in params if p.grad is not None]


def _rescale_gradients(owners: list[Tensor], factor: float) -> None:
    """Multiply each distinct gradient by ``factor`` exactly once, even when gradients share memory.

    The same array may be the gradient of several parameters: it is scaled
    once (deduplicated by identity). A view (or read-only array) may overlap
    another gradient, so it is replaced by a scaled copy, computed before any
    array is scaled in place.
    """
    copies: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for p in owners:
        g = p.grad
        assert g is not None  # owners come from _gradient_owners: each has a gradient
        if not (g.flags.owndata and g.flags.writeable) and id(g) not in copies:
            copies[id(g)] = (g, g * factor)
    scaled: dict[int, np.ndarray] = {}  # the arrays already scaled in place (kept alive: ids stay unique)
    for p in owners:
        g = p.grad
        assert g is not None  # at most replaced by a scaled copy (a parameter listed twice), never None
        if id(g) in copies:
            p.grad = copies[id(g)][1]
        elif id(g) not in scaled:
            np.multiply(g, factor, out=g)
            scaled[id(g)] = g


def clip_grad_norm(params: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0, *,
                   error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``; return the norm before.

    With gradients g₁ … gₙ (parameters whose ``.grad`` is None are ignored)::

        total = ‖(‖g₁‖_p, …, ‖gₙ‖_p)‖_p          (p = norm_type; inf: the largest |entry|)
        c = min(1, max_norm / (total + 1e-6))
        gᵢ ← c · gᵢ

    as ``torch.nn.utils.clip_grad_norm_``. The gradients are scaled in place,
    each array once even if several parameters share it (a shared array counts
    once per parameter in the norm, as two separate gradients would).

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.zeros(2)); w.grad = np.array([3.0, 4.0])
    >>> clip_grad_norm([w], max_norm=1.0)
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    max_norm = _check_number("clip_grad_norm", "max_norm", max_norm)
    # a flag rather than one `if`: mypy deems a float that is a numbers.Real impossible, and would then skip the rest
    ok = isinstance(norm_type, Real) and not isinstance(norm_type, bool) and norm_type > 0
    if not ok:
        raise ValueError(f"clip_grad_norm norm_type must be a number > 0 or math.inf; got {norm_type!r}")
    owners = _gradient_owners(params)
    if not owners:
        return 0.0
    grads = [g for q in owners if (g := q.grad) is not None]  # one per owner (the test only narrows the type)
    p = float(norm_type)
    if p == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif p == 2.0:
        total = math.hypot(*(float(np.linalg.norm(g.ravel())) for g in grads))
    else:
        total = math.fsum(float(np.linalg.norm(g.ravel(), ord=p)) ** p for g in grads) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total {p:g}-norm of the gradients is {total}, so they cannot be clipped; "
                           "the loss or the inputs hold nan/inf, or pass error_if_nonfinite=False")
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0 or coefficient != coefficient:  # clamped to 1: multiplying by 1 changes nothing
        _rescale_gradients(owners, coefficient)
    return total


def clip_grad_value(params: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value] (as ``torch.nn.utils.clip_grad_value_``).

    In place; clamping is idempotent, so gradients that share memory are
    still correct. A view or read-only gradient is replaced by a clamped copy.

    >>> import numpy as np, neuronkit as nk
    >>> w = nk.Parameter(np.zeros(3)); w.grad = np.array([-3.0, 0.5, 2.0])
    >>> clip_grad_value([w], 1.0); w.grad
    array([-1. ,  0.5,  1. ])
    """
    clip_value = _check_number("clip_grad_value", "clip_value", clip_value)
    for p in _gradient_owners(params):
        g = p.grad
        assert g is not None  # _gradient_owners keeps only parameters with a gradient
        if g.flags.owndata and g.flags.writeable:
            np.clip(g, -clip_value, clip_value, out=g)
        else:
            p.grad = np.clip(g, -clip_value, clip_value)
