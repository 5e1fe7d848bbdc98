"""neuronkit's autodiff engine: Tensor, primitives, no_grad, Function, gradcheck.

Imports nothing from the rest of neuronkit; everything else is built on it.
"""

from . import tensor as ops
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .tensor import (
    DEFAULT_DTYPE,
    PRIMITIVES,
    Tensor,
    as_tensor,
    concatenate,
    is_grad_enabled,
    log_softmax,
    logsumexp,
    maximum,
    minimum,
    no_grad,
    softmax,
    softmax_cross_entropy,
    stack,
    unbroadcast,
    where,
)

__all__ = [
    "DEFAULT_DTYPE", "PRIMITIVES", "Function", "GradcheckError", "Tensor", "as_tensor", "concatenate",
    "gradcheck", "is_grad_enabled", "log_softmax", "logsumexp", "maximum", "minimum", "no_grad", "ops",
    "softmax", "softmax_cross_entropy", "stack", "unbroadcast", "where",
]
