"""Adam and AdamW: steps scaled by bias-corrected running moments of the gradient.

The update rules are in the classes' docstrings and :meth:`Adam._update`
follows them term for term (torch's single-tensor ``torch.optim.Adam`` and
``torch.optim.AdamW``); AdamW is Adam with ``decoupled_weight_decay = True``
and inherits its rule (and its ``elementwise = True`` declaration).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from ..engine import Tensor
from ..errors import ParameterError
from ..validation import check_bool, check_number, must_be
from .base import OPTIMIZERS, Optimizer, _buffer, _lerp, _with_weight_decay

__all__ = ["Adam", "AdamW"]


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
    elementwise = True
    decoupled_weight_decay: ClassVar[bool] = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, *, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, lr)
        self._configure(betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def _configure(self, *, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> None:
        owner = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ParameterError(must_be("betas", "a pair (beta1, beta2) such as (0.9, 0.999)", betas, owner))
        self.betas = (check_number(betas[0], "betas[0]", low=0.0, high=1.0, high_open=True, owner=owner),
                      check_number(betas[1], "betas[1]", low=0.0, high=1.0, high_open=True, owner=owner))
        self.eps = check_number(eps, "eps", low=0.0, owner=owner)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0, owner=owner)
        self.amsgrad = check_bool(amsgrad, "amsgrad", owner=owner)

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


OPTIMIZERS.register("adam", Adam)
OPTIMIZERS.register("adamw", AdamW)
