"""Local learning rules: weight changes from pre- and post-synaptic spikes, without gradients.

A :class:`PlasticityRule` sees, at each time step, the spikes that arrive at a weight matrix
(``pre``, shape ``(batch, n_pre)``) and the spikes its neurons fire (``post``, ``(batch, n_post)``),
keeps its own traces in a state dict, and returns the change of the weights ``(n_post, n_pre)``
(rows are the postsynaptic neurons, as in :class:`~neuronkit.layers.Dense`). A rule never runs
inside ``backward``: a training loop of its own applies it.

Rules are looked up by name in :data:`PLASTICITY_RULES` (:func:`get_rule`); other modules register
theirs there with ``PLASTICITY_RULES.register(name, cls)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import Registry

__all__ = ["PLASTICITY_RULES", "PlasticityRule", "get_rule"]


class PlasticityRule:
    """Base class of local learning rules: ``step(weights, pre, post, state) -> dw``.

    Subclasses define :meth:`initial_state` (their traces, zeros) and :meth:`step`, and write their
    equations in their docstring. ``step`` updates ``state`` in place and returns the weight change
    ``dw`` of shape ``(n_post, n_pre)`` summed (not averaged) over the batch rows; the caller adds it
    to the weights and then calls :meth:`bound` on them. ``reward`` is the third factor of
    reward-modulated rules (one number, or one per batch row), ``None`` for the others.

    Examples
    --------
    A plain Hebbian rule, dw = lr · post ⊗ pre:

    >>> import numpy as np
    >>> from neuronkit.spiking.plasticity import PlasticityRule
    >>> class Coincidence(PlasticityRule):
    ...     def __init__(self, lr):
    ...         self.lr = lr
    ...     def step(self, weights, pre, post, state, *, reward=None):
    ...         return self.lr * post.T @ pre
    >>> rule = Coincidence(0.5)
    >>> w = np.zeros((1, 2))
    >>> state = rule.initial_state(2, 1, batch=1)
    >>> w += rule.step(w, np.array([[1.0, 0.0]]), np.array([[1.0]]), state)
    >>> rule.bound(w)
    array([[0.5, 0. ]])
    """

    #: the rule's registry name
    name: str = "rule"
    #: the weight bounds every change is clipped to (``None``: unbounded on that side)
    w_min: float | None = None
    w_max: float | None = None

    def initial_state(self, n_pre: int, n_post: int, *, batch: int = 1,
                      dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """The rule's traces before the first step (zeros); none for a rule without traces."""
        return {}

    def step(self, weights: np.ndarray, pre: np.ndarray, post: np.ndarray, state: dict[str, np.ndarray], *,
             reward: Any = None) -> np.ndarray:
        """The weight change ``(n_post, n_pre)`` for one time step; updates the traces in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} defines no step(weights, pre, post, state)")

    def bound(self, weights: np.ndarray) -> np.ndarray:
        """Clip ``weights`` in place to ``[w_min, w_max]`` (the sides that are set) and return them."""
        if self.w_min is not None or self.w_max is not None:
            np.clip(weights, self.w_min, self.w_max, out=weights)
        return weights

    def config(self) -> dict[str, Any]:
        """The rule's name and constants, as JSON (for model files and reports)."""
        return {"type": self.name}


#: every local learning rule by name
PLASTICITY_RULES: Registry[type[PlasticityRule]] = Registry("plasticity rule")


def get_rule(rule: Any, **options: Any) -> PlasticityRule:
    """A rule object: ``rule`` itself, or the rule registered under that name made with ``options``.

    Examples
    --------
    >>> from neuronkit.spiking.plasticity import PlasticityRule, get_rule
    >>> rule = PlasticityRule()
    >>> get_rule(rule) is rule
    True
    """
    if isinstance(rule, PlasticityRule):
        return rule
    return PLASTICITY_RULES.get(rule)(**options)
