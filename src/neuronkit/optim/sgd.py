"""SGD: stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

The update rule is in :class:`SGD`'s docstring and :meth:`SGD._update`
follows it term for term (torch's single-tensor ``torch.optim.SGD``). It is
elementwise, so :class:`SGD` declares ``elementwise = True`` and the fast
paths of :mod:`._fast` apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..engine import Tensor
from ..errors import ParameterError
from ..validation import check_bool, check_number
from .base import OPTIMIZERS, Optimizer, _with_weight_decay

__all__ = ["SGD"]


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
    elementwise = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, *, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)

    def _configure(self, *, momentum: float, dampening: float, weight_decay: float, nesterov: bool) -> None:
        owner = type(self).__name__
        momentum = check_number(momentum, "momentum", low=0.0, high=1.0, high_open=True, owner=owner)
        dampening = check_number(dampening, "dampening", low=0.0, high=1.0, owner=owner)
        weight_decay = check_number(weight_decay, "weight_decay", low=0.0, owner=owner)
        nesterov = check_bool(nesterov, "nesterov", owner=owner)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ParameterError(f"{owner} nesterov=True requires momentum > 0 and dampening == 0; got "
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


OPTIMIZERS.register("sgd", SGD)
