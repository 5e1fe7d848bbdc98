"""Optimisers, learning-rate schedules and gradient clipping.

An optimiser only sees parameters: ``step()`` reads each ``p.grad`` and
updates ``p.data`` in place; ``zero_grad()`` sets the gradients to ``None``.
The update rules are those of ``torch.optim`` (single-tensor path), term for
term, so the same weights and gradients give the same results. Notation in the
docstrings: θ a parameter, g its gradient, γ the learning rate ``lr``, λ the
weight decay, t the number of updates this parameter has received (from 1).

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

What goes where:

* :mod:`.base`: the :class:`Optimizer` base class (parameter checks, ``lr``,
  ``step()`` and its choice of path, ``state_dict``), the ``OPTIMIZERS``
  registry and :func:`get_optimizer`;
* :mod:`.sgd`, :mod:`.rmsprop`, :mod:`.adam` (Adam, AdamW): one file per
  optimiser family, each class with its update rule and its registry entry;
* :mod:`._fast`: the fused small-model step and the blocked large-parameter
  update, beside the plain per-parameter loop of ``Optimizer.step``;
* :mod:`.schedules`: StepLR, ExponentialLR, CosineAnnealingLR,
  ReduceLROnPlateau, the ``SCHEDULES`` registry and :func:`get_schedule`;
* :mod:`.clipping`: :func:`clip_grad_norm`, :func:`clip_grad_value`.

**Adding an optimiser**: a new file with the subclass (its update rule in the
docstring and in ``_update``; ``elementwise = True`` if the rule is
elementwise, which lets the fast paths run it), an ``OPTIMIZERS.register``
line under the class, its import below, and an entry in the torch comparison
table of tests/test_optim.py (a test fails if a registered optimiser is
missing from it) and in the path table of tests/test_optim_paths.py.

**Paths.** ``step()`` updates each parameter by one of three paths, chosen
explicitly and recorded in ``optimizer.paths``: ``"fused"`` (a small model in
one call on concatenated buffers), ``"blocked"`` (a large parameter, cache-sized
block by block) and ``"plain"`` (one call per parameter). The fast paths are
taken only for a class that declares ``elementwise = True``; a subclass that
overrides ``_update`` without declaring it gets the plain path. Every path is
tested against ``torch.optim``.

Memory: the per-parameter state (momentum, moment estimates) is allocated at a
parameter's first update; after that a step allocates no array of parameter
size. Intermediate values go to two scratch arrays the size of the largest
parameter updated whole, shared by all parameters and reused by every step. The
fused path adds four arrays of the (small) model's size.

Resuming exactly: ``state_dict()`` returns ``(json_dict, arrays)``: the
hyper-parameters and step counts as JSON-able values, and a flat dict of named
NumPy arrays (``"state.0.exp_avg"``) that a safetensors file can hold;
``load_state_dict(json_dict, arrays)`` restores them (a state that does not fit
raises :class:`~neuronkit.errors.ModelFileError`). Schedules keep only JSON-able
state.
"""

from __future__ import annotations

from .base import OPTIMIZERS, Optimizer, get_optimizer
from .clipping import clip_grad_norm, clip_grad_value
from .schedules import (
    SCHEDULES,
    CosineAnnealingLR,
    ExponentialLR,
    ReduceLROnPlateau,
    Schedule,
    StepLR,
    get_schedule,
)

# Each optimiser's file registers it when imported; the import order is the order OPTIMIZERS lists them in.
# isort: off
from .sgd import SGD
from .rmsprop import RMSprop
from .adam import Adam, AdamW
# isort: on

__all__ = [
    "OPTIMIZERS", "SCHEDULES", "Adam", "AdamW", "CosineAnnealingLR", "ExponentialLR", "Optimizer", "RMSprop",
    "ReduceLROnPlateau", "SGD", "Schedule", "StepLR", "clip_grad_norm", "clip_grad_value", "get_optimizer",
    "get_schedule",
]
