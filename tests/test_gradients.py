"""One table of gradient checks: every engine primitive, every activation, every loss.

Each case is checked against central finite differences in float64 with the public
``nk.gradcheck`` (relative error < 1e-6), and run again in float32 to show that the
dtype survives forward and backward. ``test_every_op_is_in_the_table`` fails when a
primitive, activation or loss is added without a case here.

Inputs of non-smooth functions stay away from their kinks (|x| >= 0.2 from the kink,
no ties); the documented values *at* the kinks are tested in test_activations_losses.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.activations import ACTIVATIONS, get_activation
from neuronkit.engine import PRIMITIVES, conv, indexing, ops, pool
from neuronkit.engine import attention as attn
from neuronkit.engine import spiking as spiking_ops
from neuronkit.losses import LOSSES, get_loss
from neuronkit.spiking.surrogates import get_surrogate as get_spike_surrogate

_rng = np.random.default_rng(20240611)


def smooth(*shape: int) -> np.ndarray:
    """Standard normal values (for smooth functions)."""
    return _rng.standard_normal(shape)


def off_kink(*shape: int, at: float = 0.0) -> np.ndarray:
    """Values at distance 0.2..2 from ``at``, either side (for functions with a kink at ``at``)."""
    return at + _rng.choice([-1.0, 1.0], size=shape) * _rng.uniform(0.2, 2.0, size=shape)


def positive(*shape: int) -> np.ndarray:
    return _rng.uniform(0.5, 2.0, size=shape)


def distinct(*shape: int) -> np.ndarray:
    """A permutation of well-separated values: no ties for max/maximum."""
    return _rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.37 - 1.0


def prelu_with_slope(z: nk.Tensor, slope: nk.Tensor) -> nk.Tensor:
    """PReLU with its learnable slope (one per neuron) as a checked input."""
    act = get_activation("prelu")
    act.slope = slope
    return act(z)


def loss(name: str, target: np.ndarray, **options) -> object:
    fn = get_loss(name, **options)
    return lambda prediction: fn(prediction, target)


Y_REG = smooth(4, 3)
HUBER_D = np.array([[-2.0, -0.7, 0.3], [0.6, 1.5, -1.3], [2.2, -0.4, 0.9], [-1.6, 0.25, 1.8]])  # |d| not 0 or 1
Y_BIN = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
Y_SOFT = np.array([0.2, 0.9, 0.5, 0.0, 1.0, 0.35])
Y_CLASS = np.array([0, 2, 1, 1, 0])
GATHER_INDEX = np.array([[2], [0], [1], [2]])
WHERE_MASK = np.array([[True, False, True], [False, False, True]])
MASK = np.array([[True, False, True], [False, False, True], [True, True, False], [False, True, True]])
EMBEDDING_IDS = np.array([[1, 3, 0, 3], [4, 1, 1, 2]])  # repeats (their gradients add up) and the padding id 0
ZERO_ROW_0 = np.array([[0.0], [1.0], [1.0], [1.0], [1.0]])
KEY_MASK = np.array([[True, True, False, True], [False, False, False, False], [True, False, True, True]])
DROP_KEEP = (np.random.default_rng(5).random((3, 2, 4, 4)) >= 0.3) / 0.7
SPIKE_WEIGHTS = np.array([1.0, 0.0, 2.5, 0.5, 1.0])


def case(kind: str, name: str, fn, *inputs: np.ndarray, variant: str = ""):
    return pytest.param(fn, inputs, id=f"{kind}:{name}" + (f"[{variant}]" if variant else ""))


CASES = [
    # ---------------------------------------------------------------- primitives
    case("primitive", "add", ops.add, smooth(3, 4), smooth(3, 4)),
    case("primitive", "add", ops.add, smooth(3, 4), smooth(4), variant="bias (n,)"),
    case("primitive", "add", ops.add, smooth(3, 4), smooth(1, 4), variant="bias (1,n)"),
    case("primitive", "add", ops.add, smooth(3, 4), smooth(3, 1), variant="column (m,1)"),
    case("primitive", "add", ops.add, smooth(3, 4), smooth(), variant="0-d scalar"),
    case("primitive", "mul", ops.mul, smooth(3, 4), smooth(3, 4)),
    case("primitive", "mul", ops.mul, smooth(2, 3, 4), smooth(1, 4), variant="broadcast 3-d"),
    case("primitive", "neg", ops.neg, smooth(5)),
    case("primitive", "power", lambda a: ops.power(a, 3.0), smooth(5), variant="cube"),
    case("primitive", "power", lambda a: ops.power(a, 2.5), positive(5), variant="fractional"),
    case("primitive", "power", lambda a: ops.power(a, -1.0), positive(5), variant="reciprocal"),
    case("primitive", "exp", ops.exp, smooth(2, 3)),
    case("primitive", "log", ops.log, positive(2, 3)),
    case("primitive", "abs", ops.absolute, off_kink(2, 3)),
    case("primitive", "matmul", ops.matmul, smooth(3, 4), smooth(4, 2)),
    case("primitive", "matmul", ops.matmul, smooth(4), smooth(4, 2), variant="vector @ matrix"),
    case("primitive", "matmul", ops.matmul, smooth(3, 4), smooth(4), variant="matrix @ vector"),
    case("primitive", "matmul", ops.matmul, smooth(4), smooth(4), variant="vector @ vector"),
    case("primitive", "matmul", ops.matmul, smooth(2, 3, 4), smooth(4, 5), variant="batched"),
    case("primitive", "linear", ops.linear, smooth(5, 3), smooth(2, 3), smooth(2)),
    case("primitive", "linear", ops.linear, smooth(5, 3), smooth(2, 3), variant="no bias"),
    case("primitive", "weight_penalty", lambda w: ops.weight_penalty(w, l1=0.3, l2=0.7), off_kink(3, 4)),
    case("primitive", "weight_penalty", lambda w: ops.weight_penalty(w, l2=0.7), smooth(3, 4), variant="l2 only"),
    case("primitive", "sum", lambda a: ops.sum_(a), smooth(3, 4)),
    case("primitive", "sum", lambda a: ops.sum_(a, axis=1), smooth(3, 4), variant="axis=1"),
    case("primitive", "sum", lambda a: ops.sum_(a, axis=(0, 2), keepdims=True), smooth(2, 3, 4),
         variant="axes (0, 2), keepdims"),
    case("primitive", "max", lambda a: ops.max_(a), distinct(3, 4)),
    case("primitive", "max", lambda a: ops.max_(a, axis=0), distinct(3, 4), variant="axis=0"),
    case("primitive", "max", lambda a: ops.max_(a, axis=-1, keepdims=True), distinct(3, 4), variant="keepdims"),
    case("primitive", "reshape", lambda a: ops.reshape(a, (4, 3)), smooth(2, 6)),
    case("primitive", "transpose", lambda a: ops.transpose(a, None), smooth(2, 5)),
    case("primitive", "transpose", lambda a: ops.transpose(a, (1, 2, 0)), smooth(2, 3, 4), variant="axes"),
    case("primitive", "getitem", lambda a: ops.getitem(a, (slice(1, None), 0)), smooth(4, 3), variant="basic"),
    case("primitive", "getitem", lambda a: ops.getitem(a, [0, 2, 0]), smooth(4, 3), variant="repeated rows"),
    case("primitive", "getitem", lambda a: ops.getitem(a, MASK), smooth(4, 3), variant="boolean mask"),
    case("primitive", "gather", lambda a: ops.gather(a, GATHER_INDEX, axis=1), smooth(4, 3)),
    case("primitive", "concatenate", lambda a, b, c: ops.concatenate([a, b, c], axis=1),
         smooth(2, 3), smooth(2, 1), smooth(2, 2)),
    case("primitive", "where", lambda a, b: ops.where(WHERE_MASK, a, b), smooth(2, 3), smooth(2, 3)),
    case("primitive", "where", lambda a, b: ops.where(WHERE_MASK, a, b), smooth(2, 3), smooth(3),
         variant="broadcast"),
    case("primitive", "maximum", ops.maximum, distinct(3, 4), distinct(3, 4) + 0.1),
    case("primitive", "relu", ops.relu, off_kink(3, 4)),
    case("primitive", "sigmoid", ops.sigmoid, 3 * smooth(3, 4)),
    case("primitive", "tanh", ops.tanh, smooth(3, 4)),
    case("primitive", "softplus", ops.softplus, 3 * smooth(3, 4)),
    case("primitive", "erf", ops.erf, smooth(3, 4)),
    case("primitive", "logsumexp", lambda a: ops.logsumexp(a), smooth(3, 4)),
    case("primitive", "logsumexp", lambda a: ops.logsumexp(a, axis=0, keepdims=True), smooth(3, 4),
         variant="axis=0, keepdims"),
    case("primitive", "log_softmax", lambda a: ops.log_softmax(a), smooth(3, 4)),
    case("primitive", "log_softmax", lambda a: ops.log_softmax(a, axis=0), smooth(3, 4), variant="axis=0"),
    case("primitive", "softmax", lambda a: ops.softmax(a), smooth(3, 4)),
    case("primitive", "softmax", lambda a: ops.softmax(a, axis=0), smooth(3, 4), variant="axis=0"),
    case("primitive", "softmax_cross_entropy", lambda z: ops.softmax_cross_entropy(z, Y_CLASS), smooth(5, 3)),
    case("primitive", "normalize", lambda a: ops.normalize(a, axis=0, eps=0.1)[0], smooth(5, 3)),
    case("primitive", "normalize", lambda a: ops.normalize(a, axis=-1, eps=1e-5)[0], smooth(4, 6),
         variant="axis=-1"),
    # --------------------------------------------- composites (built from primitives)
    case("composite", "sub", lambda a, b: a - b, smooth(3), smooth(3)),
    case("composite", "rsub", lambda a: 2.0 - a, smooth(3)),
    case("composite", "div", lambda a, b: a / b, smooth(3), positive(3)),
    case("composite", "rdiv", lambda a: 1.0 / a, positive(3)),
    case("composite", "sqrt", lambda a: a.sqrt(), positive(3)),
    case("composite", "mean", lambda a: ops.mean(a, axis=0), smooth(3, 4)),
    case("composite", "minimum", ops.minimum, distinct(2, 3), distinct(2, 3) + 0.1),
    case("composite", "stack", lambda a, b: ops.stack([a, b], axis=1), smooth(2, 3), smooth(2, 3)),
    # --------------------------------------------------------------- activations
    case("activation", "identity", get_activation("identity"), smooth(3, 4)),
    case("activation", "step", get_activation("step"), off_kink(3, 4)),
    case("activation", "sigmoid", get_activation("sigmoid"), 3 * smooth(3, 4)),
    case("activation", "tanh", get_activation("tanh"), smooth(3, 4)),
    case("activation", "relu", get_activation("relu"), off_kink(3, 4)),
    case("activation", "leaky_relu", get_activation("leaky_relu"), off_kink(3, 4)),
    case("activation", "leaky_relu", get_activation("leaky_relu", negative_slope=0.2), off_kink(3, 4),
         variant="slope 0.2"),
    case("activation", "prelu", prelu_with_slope, off_kink(3, 4), np.array([0.1, 0.25, -0.3, 0.6]),
         variant="slope is checked too"),
    case("activation", "elu", get_activation("elu"), off_kink(3, 4)),
    case("activation", "elu", get_activation("elu", alpha=0.5), off_kink(3, 4), variant="alpha 0.5"),
    case("activation", "selu", get_activation("selu"), off_kink(3, 4)),
    case("activation", "gelu", get_activation("gelu"), 2 * smooth(3, 4)),
    case("activation", "silu", get_activation("silu"), 2 * smooth(3, 4)),
    case("activation", "softplus", get_activation("softplus"), 2 * smooth(3, 4)),
    case("activation", "softplus", get_activation("softplus", beta=2.0), 2 * smooth(3, 4), variant="beta 2"),
    case("activation", "softsign", get_activation("softsign"), off_kink(3, 4)),
    case("activation", "softmax", get_activation("softmax"), smooth(3, 4)),
    # -------------------------------------------------------------------- losses
    case("loss", "mse", loss("mse", Y_REG), smooth(4, 3)),
    case("loss", "mae", loss("mae", Y_REG), Y_REG + off_kink(4, 3)),
    case("loss", "huber", loss("huber", Y_REG), Y_REG + HUBER_D),
    case("loss", "huber", loss("huber", Y_REG, delta=0.5), Y_REG + HUBER_D + 0.05, variant="delta 0.5"),
    case("loss", "bce", loss("bce", Y_BIN), 2 * smooth(6)),
    case("loss", "bce", loss("bce", Y_SOFT), 2 * smooth(6), variant="soft targets"),
    case("loss", "cross_entropy", loss("cross_entropy", Y_CLASS), smooth(5, 3)),
    # ------------------------------------------------- convolution (engine/conv.py)
    case("primitive", "conv2d", conv.conv2d, smooth(2, 3, 5, 6), smooth(4, 3, 3, 3), smooth(4)),
    case("primitive", "conv2d", lambda x, w: conv.conv2d(x, w, stride=2, padding=1), smooth(2, 2, 7, 6),
         smooth(3, 2, 3, 2), variant="stride 2, padding 1, no bias"),
    case("primitive", "conv2d", lambda x, w, b: conv.conv2d(x, w, b, dilation=2, padding=(1, 2)),
         smooth(1, 2, 7, 8), smooth(2, 2, 2, 3), smooth(2), variant="dilation 2, padding (1, 2)"),
    case("primitive", "conv2d", lambda x, w, b: conv.conv2d(x, w, b, stride=(2, 1), groups=2),
         smooth(2, 4, 5, 5), smooth(6, 2, 3, 3), smooth(6), variant="groups 2, stride (2, 1)"),
    case("primitive", "conv2d", lambda x, w: conv.conv2d(x, w, padding="same", dilation=(1, 2)), smooth(1, 2, 5, 4),
         smooth(2, 2, 4, 2), variant="same, even kernel"),
    case("primitive", "conv2d", lambda x, w: conv.conv2d(x, w, padding=((0, 1), (2, 0)), stride=(1, 3)),
         smooth(2, 1, 4, 7), smooth(2, 1, 2, 2), variant="asymmetric padding, stride (1, 3)"),
    case("primitive", "conv1d", conv.conv1d, smooth(2, 3, 9), smooth(4, 3, 3), smooth(4)),
    case("primitive", "conv1d", lambda x, w, b: conv.conv1d(x, w, b, stride=2, dilation=2, padding=2, groups=3),
         smooth(2, 3, 11), smooth(6, 1, 3), smooth(6), variant="stride, dilation, padding, groups"),
    case("primitive", "conv1d", lambda x, w: conv.conv1d(x, w, padding="same"), smooth(1, 2, 6), smooth(3, 2, 4),
         variant="same, even kernel"),
    # ---------------------------------------------- pooling (engine/pool.py; no ties in max-pool inputs)
    case("primitive", "max_pool2d", lambda a: pool.max_pool2d(a, 2), distinct(2, 2, 5, 5),
         variant="2x2 stride 2 fast path, odd size"),
    case("primitive", "max_pool2d", lambda a: pool.max_pool2d(a, 3, stride=2, padding=1), distinct(2, 2, 6, 7),
         variant="3x3 stride 2 padding 1"),
    case("primitive", "max_pool2d", lambda a: pool.max_pool2d(a, (2, 3), stride=(1, 2)), distinct(1, 2, 4, 7),
         variant="overlapping (2, 3) windows"),
    case("primitive", "avg_pool2d", lambda a: pool.avg_pool2d(a, 2), smooth(2, 2, 5, 4),
         variant="2x2 stride 2 fast path, odd size"),
    case("primitive", "avg_pool2d", lambda a: pool.avg_pool2d(a, 3, stride=2, padding=1), smooth(2, 2, 6, 7),
         variant="3x3 stride 2 padding 1"),
    case("primitive", "avg_pool2d", lambda a: pool.avg_pool2d(a, (2, 3), stride=1, padding=(1, 0)),
         smooth(1, 2, 4, 5), variant="overlapping, padded rows"),
    case("composite", "max_pool1d", lambda a: pool.max_pool1d(a, 3, stride=2, padding=1), distinct(2, 3, 9)),
    case("composite", "avg_pool1d", lambda a: pool.avg_pool1d(a, 2), smooth(2, 3, 7)),
    # ------------------------------------------- text primitives (engine/attention.py)
    case("primitive", "embedding", lambda w: attn.embedding(w, EMBEDDING_IDS), smooth(5, 3)),
    case("primitive", "embedding", lambda w: attn.embedding(w * ZERO_ROW_0, EMBEDDING_IDS, padding_idx=0),
         smooth(5, 3), variant="padding row (held at 0, as the layer keeps it)"),
    case("primitive", "scaled_dot_product_attention", attn.scaled_dot_product_attention,
         smooth(3, 2, 4, 5), smooth(3, 2, 4, 5), smooth(3, 2, 4, 3)),
    case("primitive", "scaled_dot_product_attention", lambda q, k, v: attn.scaled_dot_product_attention(
        q, k, v, KEY_MASK, causal=True), 2 * smooth(3, 2, 4, 5), 2 * smooth(3, 2, 4, 5), smooth(3, 2, 4, 3),
        variant="padding mask (one sample all padding), causal"),
    case("primitive", "scaled_dot_product_attention", lambda q, k, v: attn.scaled_dot_product_attention(
        q, k, v, KEY_MASK, dropout_mask=DROP_KEEP), smooth(3, 2, 4, 5), smooth(3, 2, 4, 5), smooth(3, 2, 4, 3),
        variant="dropout on the weights"),
    case("primitive", "scaled_dot_product_attention", attn.scaled_dot_product_attention,
         smooth(2, 1, 2, 3), smooth(2, 1, 5, 3), smooth(2, 1, 5, 4), variant="2 queries, 5 keys"),
    # ------------------------------------------- spike losses (spiking/losses.py): outputs (T, B, C)
    case("loss", "rate_cross_entropy", loss("rate_cross_entropy", Y_CLASS), smooth(4, 5, 3)),
    case("loss", "rate_cross_entropy", lambda p: get_loss("rate_cross_entropy")(p, Y_CLASS, weight=SPIKE_WEIGHTS),
         smooth(4, 5, 3), variant="sample weights"),
    case("loss", "count_cross_entropy", loss("count_cross_entropy", Y_CLASS), smooth(4, 5, 3)),
    case("loss", "count_mse", loss("count_mse", Y_CLASS), smooth(4, 5, 3)),
    case("loss", "count_mse", loss("count_mse", Y_CLASS, correct_rate=1.0, incorrect_rate=0.0), smooth(4, 5, 3),
         variant="rates 1 and 0"),
    case("loss", "membrane_cross_entropy", loss("membrane_cross_entropy", Y_CLASS), distinct(4, 5, 3)),
]

# ---------------------------------------------------------------- spiking primitives (engine/spiking.py)
# The step has no derivative, so each case runs the smooth function of a surrogate in its place (the
# surrogate's derivative is that function's derivative: the composite is then differentiable and the
# VJP must match finite differences). Resets use the exact step (derivative 0, as the detached reset),
# so currents stay away from the threshold (no membrane within eps of it). Truncated BPTT changes the
# gradient on purpose: tests/test_spiking_neurons.py checks it against the plain loop with detached state.
_SMOOTH = get_spike_surrogate("sigmoid", slope=2.0)
_SPIKING = {"derivative": _SMOOTH.derivative, "function": _SMOOTH.function}


def _lif(**options):
    return lambda current, beta, threshold: spiking_ops.lif(current, beta, threshold, **_SPIKING, **options)[0]


def _beta(*shape: int) -> np.ndarray:
    return _rng.uniform(0.3, 0.9, size=shape)


def _threshold(*shape: int) -> np.ndarray:
    return _rng.uniform(0.8, 1.2, size=shape)


CASES += [
    case("primitive", "spike", lambda x: spiking_ops.spike(x, **_SPIKING), off_kink(3, 4)),
    case("primitive", "lif", _lif(), 0.9 * smooth(6, 2, 3), _beta(3), _threshold(3), variant="subtract"),
    case("primitive", "lif", _lif(reset="zero"), 0.9 * smooth(6, 2, 3), _beta(3), _threshold(3), variant="zero"),
    case("primitive", "lif", _lif(reset="none"), 0.9 * smooth(6, 2, 3), _beta(), _threshold(), variant="none, scalars"),
    case("primitive", "lif", _lif(reset_delay=False), 0.9 * smooth(6, 2, 3), _beta(3), _threshold(3),
         variant="subtract, no reset delay"),
    case("primitive", "lif", _lif(reset="zero", reset_delay=False), 0.9 * smooth(6, 2, 3), _beta(3), _threshold(3),
         variant="zero, no reset delay"),
    case("primitive", "lif", _lif(refractory_steps=2, v_rest=-0.2, v_reset=-0.5), 0.9 * smooth(7, 2, 3), _beta(3),
         _threshold(3), variant="refractory 2, v_rest, v_reset"),
    case("primitive", "lif", _lif(refractory_steps=1, reset_delay=False, reset="zero"), 0.9 * smooth(7, 2, 3),
         _beta(3), _threshold(3), variant="refractory 1, zero, no reset delay"),
    case("primitive", "alif", lambda current, beta, threshold: spiking_ops.alif(
        current, beta, threshold, rho=0.8, adaptation=0.3, **_SPIKING)[0], 0.9 * smooth(6, 2, 3), _beta(3),
        _threshold(3)),
    case("primitive", "leaky_integrator", spiking_ops.leaky_integrator, smooth(5, 2, 3), _beta(3)),
    case("primitive", "leaky_integrator", lambda current, beta: spiking_ops.leaky_integrator(
        current, beta, v_rest=0.3), smooth(7, 2, 3), _beta(), variant="v_rest, scalar beta"),
    case("primitive", "synaptic", lambda current, alpha, beta, threshold: spiking_ops.synaptic(
        current, alpha, beta, threshold, **_SPIKING)[0], 0.6 * smooth(6, 2, 3), _beta(3), _beta(3), _threshold(3),
        variant="subtract"),
    case("primitive", "synaptic", lambda current, alpha, beta, threshold: spiking_ops.synaptic(
        current, alpha, beta, threshold, reset="zero", **_SPIKING)[0], 0.6 * smooth(7, 2, 3), _beta(), _beta(3),
        _threshold(3), variant="zero, scalar alpha"),
]

CASES += [  # synaptic with the reset at the step of the spike (NIR's CubaLIF)
    case("primitive", "synaptic", lambda current, alpha, beta, threshold: spiking_ops.synaptic(
        current, alpha, beta, threshold, reset_delay=False, **_SPIKING)[0], 0.6 * smooth(6, 2, 3), _beta(3), _beta(3),
        _threshold(3), variant="subtract, no reset delay"),
    case("primitive", "synaptic", lambda current, alpha, beta, threshold: spiking_ops.synaptic(
        current, alpha, beta, threshold, reset="zero", reset_delay=False, **_SPIKING)[0], 0.6 * smooth(7, 2, 3),
        _beta(3), _beta(), _threshold(3), variant="zero, no reset delay, scalar beta"),
]


def learnable(name: str, *attributes: str, **options):
    """A learnable activation with its parameters (set as ``attributes``, one per neuron) as checked inputs."""
    def fn(z, *parameters):
        act = get_activation(name, **options)
        for attribute, parameter in zip(attributes, parameters):
            setattr(act, attribute, parameter)
        return act(z)
    return fn


CASES += [  # adaptive activations (issue 16): inputs and per-neuron parameters both checked
    case("activation", "swish", learnable("swish", "beta"), 2 * smooth(3, 4), np.array([1.0, 2.0, 0.05, -0.7])),
    case("activation", "learnable_elu", learnable("learnable_elu", "alpha"), off_kink(3, 4),
         np.array([1.0, 0.3, 1.7, 0.05])),
    case("activation", "threshold_relu", learnable("threshold_relu", "threshold"), off_kink(3, 4),
         np.array([0.0, 0.1, -0.1, 0.05])),
    case("activation", "dynamic", learnable("dynamic", "logits"), 2 * smooth(3, 4), smooth(4, 4)),
    case("activation", "dynamic", learnable("dynamic", "logits", basis=["elu", "gelu"]), 2 * smooth(3, 4),
         smooth(4, 2), variant="basis elu gelu"),
    case("activation", "rational", learnable("rational", "a", "b"), off_kink(3, 4),
         np.array([0.06, 0.5, 1.0, 0.8, 0.3, 0.04]), np.array([0.3, 1.6, -0.2, 0.07])),
    case("activation", "rational", learnable("rational", "a", "b", numerator=3, denominator=2, per_neuron=True),
         off_kink(3, 4), 0.5 * smooth(4, 4), np.array([[0.3, 0.2], [-0.4, 0.5], [0.6, -0.3], [0.2, 0.9]]),
         variant="(3, 2) per neuron"),
]


def _kwta(x):
    return nk.layers.KWinners(5)(x)


def _activity_l1(x):
    """ActivityL1's output plus the penalty it keeps (0.3 · mean over the batch of Σ|x|)."""
    layer = nk.layers.ActivityL1(0.3)
    return layer(x) + layer.own_penalty()


CASES += [  # sparse neurons (layers/sparse.py): distinct values keep the winners fixed; |x| >= 0.2 keeps off |x|'s kink
    case("layer", "kwta", _kwta, distinct(4, 9)),
    case("layer", "kwta", _kwta, distinct(3, 2, 4), variant="per-sample values of any shape"),
    case("layer", "activity_l1", _activity_l1, off_kink(4, 6)),
]

CASES += [  # row gather and scatter (engine/indexing.py), what a Mixture of Experts runs each expert on
    case("primitive", "index_select", lambda a: indexing.index_select(a, [3, 0, 3, 1]), smooth(4, 3),
         variant="repeated rows"),
    case("primitive", "index_select", lambda a: indexing.index_select(a, [2, 0]), smooth(3, 2, 2), variant="3-d"),
    case("primitive", "index_add", lambda b, v: indexing.index_add(b, [0, 2, 0], v), smooth(4, 3), smooth(3, 3),
         variant="repeated rows"),
    case("primitive", "index_add", lambda b, v: indexing.index_add(b, [1], v), smooth(2, 2, 2), smooth(1, 2, 2),
         variant="3-d"),
]

CASE_IDS = [c.id for c in CASES]


def covered(kind: str) -> set[str]:
    return {i.split(":", 1)[1].split("[")[0] for i in CASE_IDS if i.startswith(kind + ":")}


def test_every_op_is_in_the_table():
    assert set(PRIMITIVES) - covered("primitive") == set(), "primitives without a gradient case"
    assert set(ACTIVATIONS) - covered("activation") == set(), "activations without a gradient case"
    assert set(LOSSES) - covered("loss") == set(), "losses without a gradient case"
    # and the table names nothing that does not exist
    assert covered("primitive") <= set(PRIMITIVES)
    assert covered("activation") <= set(ACTIVATIONS)
    assert covered("loss") <= set(LOSSES)


def test_coverage_test_would_catch_a_missing_case(monkeypatch):
    monkeypatch.setitem(PRIMITIVES, "brand_new_op", ops.neg)
    with pytest.raises(AssertionError, match="primitives without a gradient case"):
        test_every_op_is_in_the_table()


@pytest.mark.parametrize(("fn", "inputs"), CASES)
def test_gradient_matches_finite_differences(fn, inputs):
    assert nk.gradcheck(fn, *inputs, rtol=1e-6)


@pytest.mark.parametrize(("fn", "inputs"), CASES)
def test_float32_stays_float32(fn, inputs):
    leaves = [nk.Tensor(np.asarray(x, dtype=np.float32), requires_grad=True) for x in inputs]
    out = fn(*leaves)
    assert out.dtype == np.float32
    assert isinstance(out.data, np.ndarray)
    (out * np.linspace(0.5, 1.5, out.size).reshape(out.shape)).sum().backward()
    for leaf in leaves:
        assert leaf.grad is not None and leaf.grad.dtype == np.float32 and leaf.grad.shape == leaf.shape


def test_gradcheck_catches_a_wrong_gradient():
    class WrongSquare(nk.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.x = x
            return x * x

        @staticmethod
        def backward(ctx, grad):
            return (grad * ctx.x,)  # should be 2x

    with pytest.raises(nk.GradcheckError, match=r"input 0 \(shape \(3,\)\): relative error"):
        nk.gradcheck(WrongSquare.apply, [1.0, 2.0, 3.0])
    assert nk.gradcheck(WrongSquare.apply, [1.0, 2.0, 3.0], raise_on_failure=False) is False
