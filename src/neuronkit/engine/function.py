"""Operations with a gradient you define yourself.

Subclass :class:`Function`, write ``forward`` on NumPy arrays and ``backward``
returning one gradient per input, and call ``MyOp.apply(*tensors, **options)``.
This is how surrogate gradients (spiking neurons) and straight-through
estimators are written.

>>> import numpy as np
>>> from neuronkit.engine import Tensor
>>> class StraightThroughSign(Function):
...     '''sign(x) forward; the gradient passes through unchanged where |x| <= 1.'''
...     @staticmethod
...     def forward(ctx, x):
...         ctx.x = x
...         return np.sign(x)
...     @staticmethod
...     def backward(ctx, grad):
...         return (grad * (np.abs(ctx.x) <= 1),)
>>> x = Tensor([-2.0, 0.5], requires_grad=True)
>>> StraightThroughSign.apply(x).sum().backward()
>>> x.grad
array([0., 1.], dtype=float32)
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..errors import ShapeError
from .tensor import Tensor, as_tensor, make, unbroadcast


class Function:
    r"""Base class for an operation with a hand-written vector-Jacobian product.

    ``forward(ctx, *arrays, **options) -> ndarray`` receives the inputs' NumPy
    arrays; store on ``ctx`` whatever ``backward`` needs.
    ``backward(ctx, grad) -> tuple`` receives the gradient of the output and
    returns one gradient (an array shaped like that input, or None) per input.

    Examples
    --------
    A square with its derivative :math:`\frac{d}{dx} x^2 = 2x` written by hand:

    >>> import numpy as np
    >>> from neuronkit.engine import Function, Tensor
    >>> class Square(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.x = x
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return (2 * ctx.x * grad,)
    >>> x = Tensor([1.0, -3.0], requires_grad=True)
    >>> y = Square.apply(x)
    >>> y.data, y.op
    (array([1., 9.], dtype=float32), 'Square')
    >>> y.sum().backward()
    >>> x.grad
    array([ 2., -6.], dtype=float32)
    """

    @staticmethod
    def forward(ctx: Any, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        tensors = tuple([as_tensor(x) for x in inputs])
        ctx = SimpleNamespace()
        out = np.asarray(cls.forward(ctx, *[t.data for t in tensors], **options))
        if out.dtype.kind != "f":
            out = out.astype(tensors[0].dtype if tensors else np.float32)

        def vjp(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
            grads = cls.backward(ctx, g)
            if not isinstance(grads, tuple):
                grads = (grads,)
            if len(grads) != len(tensors):
                raise ShapeError(
                    f"{cls.__name__}.backward returned {len(grads)} gradients for {len(tensors)} inputs; "
                    "return one per input (None where there is none)."
                )
            return tuple([None if gr is None else _fit(np.asarray(gr, dtype=t.dtype), t.shape)
                          for gr, t in zip(grads, tensors, strict=True)])

        return make(out, tensors, vjp, cls.__name__)


def _fit(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Shape a returned gradient like its input: reshape, broadcast a scalar, or sum out broadcast axes."""
    if grad.shape == shape:
        return grad
    if grad.size == math.prod(shape):  # math.prod, not np.prod: a few µs less on every backward
        return grad.reshape(shape)
    return unbroadcast(np.broadcast_to(grad, np.broadcast_shapes(grad.shape, shape)), shape)
