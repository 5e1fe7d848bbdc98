"""Check analytic gradients against central finite differences.

>>> from neuronkit.engine import Tensor
>>> gradcheck(lambda x: (x * x).sum(), [1.0, -2.0, 3.0])
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import GradcheckError, ParameterTypeError
from .tensor import Tensor


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> bool:
    """Compare ``fn``'s backward pass with central finite differences in float64.

    Every input is copied to a float64 leaf tensor. A non-scalar output is
    reduced to ``sum(out * r)`` with a fixed random ``r``, so every output
    element is checked. For each input, the error is

        err = ||g_analytic - g_numeric|| / max(||g_analytic|| + ||g_numeric||, atol)

    where g_numeric[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps); it must
    be below ``rtol``. Returns True, or raises :class:`GradcheckError` naming
    the input and the worst element (or returns False if ``raise_on_failure``
    is false).

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> nk.gradcheck(lambda x: (x * x).sum(), np.array([1.0, -2.0, 3.0]))
    True
    >>> nk.gradcheck(lambda x: nk.engine.softmax(x), np.array([[0.5, -1.0, 2.0]]))
    True
    """
    leaves = [Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64, order="C"),
                     requires_grad=True)
              for x in inputs]
    probe = fn(*leaves)
    if not isinstance(probe, Tensor):
        raise ParameterTypeError(f"gradcheck: fn must return a Tensor, got {type(probe).__name__}")
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, size=probe.shape)

    def scalar(*xs: Tensor) -> Tensor:
        out = fn(*xs)
        return (out * weights).sum() if out.size != 1 else out.sum()

    loss = scalar(*leaves)
    loss.backward()
    for k, leaf in enumerate(leaves):
        analytic = np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad
        numeric = np.zeros_like(leaf.data)
        flat = leaf.data.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            up = scalar(*[Tensor(x.data.copy()) for x in leaves]).item()
            flat[i] = orig - eps
            down = scalar(*[Tensor(x.data.copy()) for x in leaves]).item()
            flat[i] = orig
            numeric.reshape(-1)[i] = (up - down) / (2 * eps)
        denom = max(float(np.linalg.norm(analytic) + np.linalg.norm(numeric)), atol)
        err = np.linalg.norm(analytic - numeric) / denom
        if not err < rtol:
            worst = int(np.argmax(np.abs(analytic - numeric)))
            msg = (f"gradcheck failed for input {k} (shape {leaf.shape}): relative error {err:.3e} >= {rtol:.0e}; "
                   f"worst element {np.unravel_index(worst, leaf.shape)}: analytic "
                   f"{analytic.reshape(-1)[worst]:.8g} vs numeric {numeric.reshape(-1)[worst]:.8g}")
            if raise_on_failure:
                raise GradcheckError(msg)
            return False
    return True
