"""RMSprop: the gradient divided by a running root-mean-square of recent gradients.

The update rule is in :class:`RMSprop`'s docstring and :meth:`RMSprop._update`
follows it term for term (torch's single-tensor ``torch.optim.RMSprop``). It is
elementwise, so :class:`RMSprop` declares ``elementwise = True`` and the fast
paths of :mod:`._fast` apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..engine import Tensor
from ..validation import check_bool, check_number
from .base import OPTIMIZERS, Optimizer, _buffer, _lerp, _with_weight_decay

__all__ = ["RMSprop"]


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
    elementwise = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, *, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)

    def _configure(self, *, alpha: float, eps: float, weight_decay: float, momentum: float, centered: bool) -> None:
        owner = type(self).__name__
        self.alpha = check_number(alpha, "alpha", low=0.0, high=1.0, high_open=True, owner=owner)
        self.eps = check_number(eps, "eps", low=0.0, owner=owner)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0, owner=owner)
        self.momentum = check_number(momentum, "momentum", low=0.0, high=1.0, high_open=True, owner=owner)
        self.centered = check_bool(centered, "centered", owner=owner)

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


OPTIMIZERS.register("rmsprop", RMSprop)
