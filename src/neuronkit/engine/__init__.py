"""neuronkit's autodiff engine: Tensor, primitives, no_grad, Function, gradcheck.

Imports nothing from the rest of neuronkit but :mod:`neuronkit.errors`; everything else is built on it.
Grad mode (:class:`no_grad`) and the eval override (:class:`eval_mode`) are per thread and task.
"""

from . import attention, conv, pool
from . import spiking as spiking_ops
from . import tensor as ops
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .tensor import (
    DEFAULT_DTYPE,
    PRIMITIVES,
    Parameter,
    Tensor,
    as_tensor,
    concatenate,
    enable_grad,
    eval_mode,
    is_eval_forced,
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

PRIMITIVES.update({"conv2d": conv.conv2d, "conv1d": conv.conv1d})

__all__ = [
    "DEFAULT_DTYPE", "PRIMITIVES", "Function", "GradcheckError", "Parameter", "Tensor", "as_tensor",
    "concatenate", "conv", "enable_grad", "eval_mode", "gradcheck", "is_eval_forced", "is_grad_enabled", "log_softmax",
    "logsumexp", "maximum", "minimum", "no_grad", "ops", "softmax", "softmax_cross_entropy", "stack",
    "unbroadcast", "where",
    "pool",
]

PRIMITIVES.update({"max_pool2d": pool.max_pool2d, "avg_pool2d": pool.avg_pool2d})

# primitives in their own files (imported here, not at the bottom of tensor.py: that would be a cycle)
PRIMITIVES.update({
    "embedding": attention.embedding,
    "scaled_dot_product_attention": attention.scaled_dot_product_attention,
})

# spiking neurons: the surrogate spike and the fused time loops (engine/spiking.py)
PRIMITIVES.update({
    "spike": spiking_ops.spike,
    "lif": spiking_ops.lif,
    "alif": spiking_ops.alif,
    "leaky_integrator": spiking_ops.leaky_integrator,
    "synaptic": spiking_ops.synaptic,
})

# row gather and scatter (engine/indexing.py): what a Mixture of Experts runs each expert on
from . import indexing  # noqa: E402

__all__ += ["indexing"]
PRIMITIVES.update({"index_select": indexing.index_select, "index_add": indexing.index_add})
