"""The two fast paths of :meth:`Optimizer.step`, beside the plain per-parameter loop in :mod:`.base`.

Both run an optimiser's ``_update`` on other buffers than one parameter's own
arrays, which gives the same numbers only for an *elementwise* rule (each
output entry depends on the same entry of the parameter, gradient and state,
and on scalars). So :meth:`Optimizer.step` takes them only for a class that
declares ``elementwise = True``; every other class gets the plain loop.

* **fused** (:func:`step_fused`): a small model (at most ``FUSE_MAX_SIZE``
  numbers in all, two or more parameters, one dtype, every parameter with a
  gradient and the same step count) is updated by *one* ``_update`` call on
  flat concatenated copies (:class:`FlatBuffers`). With a few thousand numbers
  a step costs per-call overhead, not arithmetic: one call instead of one per
  parameter. Adds four arrays of the model's size.
* **blocked** (:func:`update_in_blocks`): a parameter larger than
  ``2 * BLOCK_BYTES`` is updated ``BLOCK_BYTES`` at a time, so that the dozen
  passes of a rule such as Adam's run in the CPU cache instead of streaming the
  whole parameter from memory each time.

Each step records the path it took per parameter in ``Optimizer.paths``
(``"fused"``, ``"blocked"``, ``"plain"``, or None for a parameter without a
gradient); tests/test_optim_paths.py asserts it for every case and compares
every path with ``torch.optim``.

A new fast path goes here, is chosen in :meth:`Optimizer.step` by an explicit
declaration (never by testing which function a class uses), records its name
in ``paths``, and gets a row in the path tests.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import numpy as np

__all__ = ["BLOCK_BYTES", "FUSE_MAX_SIZE", "FlatBuffers", "step_fused", "update_in_blocks"]

FUSE_MAX_SIZE = 1 << 15  # numbers in all; above this the copies cost more than the calls they save
BLOCK_BYTES = 1 << 18  # per array and block: with the ~6 arrays of an update, well inside a 1-2 MiB L2 cache


class _Stepper(Protocol):
    """What the fast paths use of an :class:`~neuronkit.optim.Optimizer` (typed here to import nothing above)."""

    params: list[Any]
    state: list[dict[str, np.ndarray]]
    steps: list[int]
    paths: tuple[str | None, ...]
    _flat: FlatBuffers | Literal[False] | None

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray], t: int,
                tmp: np.ndarray, tmp2: np.ndarray) -> None: ...

    def _temporaries(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class FlatBuffers:
    """Flat copies of a small model's parameters, gradients and optimiser state, for the fused step.

    ``state`` maps a buffer name to one flat array; each parameter's ``Optimizer.state[i][name]``
    is a view into it, so ``state_dict`` keeps working on per-parameter arrays (``load_state_dict``
    drops the flat buffers; the next step rebuilds them from the loaded arrays).
    """

    __slots__ = ("param", "grad", "tmp", "tmp2", "param_views", "slices", "shapes", "state", "views", "paths")
    param: np.ndarray  # the concatenated parameters
    grad: np.ndarray  # the concatenated gradients
    tmp: np.ndarray  # the two scratch arrays of ``_update``
    tmp2: np.ndarray
    param_views: list[np.ndarray]  # ``param`` split into the parameters' shapes
    slices: list[slice]  # each parameter's range in the flat arrays
    shapes: list[tuple[int, ...]]
    state: dict[str, np.ndarray]  # buffer name -> flat buffer
    views: dict[str, list[np.ndarray]]  # buffer name -> its per-parameter views
    paths: tuple[str, ...]  # ("fused",) * number of parameters: what a fused step records

    @classmethod
    def build(cls, optimizer: _Stepper) -> FlatBuffers | Literal[False]:
        """The flat buffers, or False when the model is not one to fuse (the caller has checked ``elementwise``)."""
        params = optimizer.params
        total = sum(p.data.size for p in params)
        dtypes = {p.data.dtype for p in params}
        if len(params) < 2 or total > FUSE_MAX_SIZE or len(dtypes) != 1:
            return False
        self = cls()
        dtype = dtypes.pop()
        self.param, self.grad, self.tmp, self.tmp2 = (np.empty(total, dtype=dtype) for _ in range(4))
        bounds = np.cumsum([0] + [p.data.size for p in params]).tolist()
        self.slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.shapes = [p.data.shape for p in params]
        self.param_views = self.split(self.param)
        self.state, self.views = {}, {}
        self.paths = ("fused",) * len(params)
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


def step_fused(opt: _Stepper) -> bool:
    """One ``_update`` call over all parameters at once; returns False (having changed nothing) when the
    fused step does not apply (the caller has ruled out ``opt._flat is False``)."""
    params = opt.params
    t = opt.steps[0]
    if opt.steps.count(t) != len(params):
        return False
    flat = opt._flat
    if flat is None:  # first step, or after load_state_dict: (re)build from the per-parameter state
        built = opt._flat = FlatBuffers.build(opt)
        if built is False:
            return False
        flat = built
    elif flat is False:
        return False
    dtype = flat.param.dtype
    grads = []
    try:
        for p in params:
            g = p.grad
            if g is None or g.shape != p.data.shape or g.dtype != dtype:
                return False  # the plain loop skips a missing gradient and names a bad one
            grads.append(g.ravel())
    except AttributeError:  # a gradient that is not an array (a try costs nothing until it catches)
        return False
    np.concatenate([p.data.ravel() for p in params], out=flat.param)
    np.concatenate(grads, out=flat.grad)
    t += 1
    opt._update(flat.param, flat.grad, flat.state, t, flat.tmp, flat.tmp2)
    opt.steps[:] = [t] * len(params)
    flat.expose_state(opt.state)
    for p, view in zip(params, flat.param_views, strict=True):
        np.copyto(p.data, view)
    opt.paths = flat.paths
    return True


def update_in_blocks(opt: _Stepper, i: int, param: np.ndarray, grad: np.ndarray) -> bool:
    """``_update`` of parameter ``i`` over consecutive blocks of ``BLOCK_BYTES``; False (nothing done) unless
    every array is C-contiguous and of the parameter's dtype. An elementwise rule gives bit-for-bit the
    result of one call."""
    state = opt.state[i]
    arrays = [param, grad, *state.values()]
    if not all(a.flags.c_contiguous and a.dtype == param.dtype for a in arrays):
        return False
    flat_p, flat_g = param.reshape(-1), grad.reshape(-1)
    flat_state = {name: buf.reshape(-1) for name, buf in state.items()}
    block = BLOCK_BYTES // param.itemsize
    tmp, tmp2 = opt._temporaries(flat_p[:block])
    parts = []
    for a in range(0, flat_p.size, block):
        part = {name: buf[a:a + block] for name, buf in flat_state.items()}
        n = min(block, flat_p.size - a)
        opt._update(flat_p[a:a + block], flat_g[a:a + block], part, opt.steps[i], tmp[:n], tmp2[:n])
        parts.append(part)
    for name in parts[0].keys() - flat_state.keys():  # buffers the rule created at this step
        state[name] = np.concatenate([part[name] for part in parts]).reshape(param.shape)
    return True
