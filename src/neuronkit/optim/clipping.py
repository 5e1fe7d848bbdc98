"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Both act on the ``.grad`` arrays of the parameters they are given, in place
(a view or read-only gradient is replaced by a clipped copy), between
``backward()`` and the optimiser's ``step()``; ``nk.fit`` calls them when
given ``clip_norm``/``clip_value``. Tested against torch in tests/test_optim.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import ParameterError, ParameterTypeError, TrainingError
from ..validation import check_number, must_be
from .base import _parameter_list

__all__ = ["clip_grad_norm", "clip_grad_value"]


def _norm_type(norm_type: Any) -> float:
    """The p of a p-norm: a number > 0, or math.inf."""
    rule = "a number > 0 or math.inf"
    if isinstance(norm_type, bool) or not isinstance(norm_type, Real):
        raise ParameterTypeError(must_be("norm_type", rule, norm_type, "clip_grad_norm"))
    p = float(norm_type)
    if not p > 0:  # also refuses nan
        raise ParameterError(must_be("norm_type", rule, norm_type, "clip_grad_norm"))
    return p


def _gradient_owners(params: Iterable[Tensor] | Tensor, owner: str) -> list[Tensor]:
    """The parameters (checked: Tensors; none, or repeats, allowed as in torch) that have a gradient."""
    return [p for p in _parameter_list(params, owner, example="...", allow_empty=True, allow_repeats=True)
            if p.grad is not None]


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
    max_norm = check_number(max_norm, "max_norm", low=0.0, owner="clip_grad_norm")
    p = _norm_type(norm_type)
    owners = _gradient_owners(params, "clip_grad_norm")
    if not owners:
        return 0.0
    grads = [g for q in owners if (g := q.grad) is not None]  # one per owner (the test only narrows the type)
    if p == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif p == 2.0:
        total = math.hypot(*(float(np.linalg.norm(g.ravel())) for g in grads))
    else:
        total = math.fsum(float(np.linalg.norm(g.ravel(), ord=p)) ** p for g in grads) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise TrainingError(f"the total {p:g}-norm of the gradients is {total}, so they cannot be clipped; "
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
    clip_value = check_number(clip_value, "clip_value", low=0.0, owner="clip_grad_value")
    for p in _gradient_owners(params, "clip_grad_value"):
        g = p.grad
        assert g is not None  # _gradient_owners keeps only parameters with a gradient
        if g.flags.owndata and g.flags.writeable:
            np.clip(g, -clip_value, clip_value, out=g)
        else:
            p.grad = np.clip(g, -clip_value, clip_value)
