"""Spiking primitives: the surrogate-gradient spike and fused time loops of spiking neurons.

Each primitive takes time-major input currents ``(T, batch, ...)``. The fused ones run the whole
time loop forward on arrays (writing membranes and spikes into preallocated ``(T, ...)``
arrays, no graph node per step) and give a hand-derived reverse loop as their VJP. Why fused: a
Tensor per operation and step costs ~10 graph nodes per step, and backpropagation through time
walks them all; the fused loop does ~5 in-place ufunc calls per step forward and 2 backward, and
computes every surrogate derivative in one call over all steps.

Notation: :math:`u_t` membrane, :math:`I_t` input current, :math:`\\beta` leak (clipped to
[0, 1], as snnTorch clamps it), :math:`\\theta` threshold, :math:`H` the step (:math:`H(0) = 0`),
:math:`h_t = H(u_t - \\theta)` the spikes (the output; in the backward pass
:math:`\\partial h_t / \\partial u_t` is the surrogate ``derivative(u_t - θ)``). A reset uses the
spikes *detached* from the graph (as snnTorch's ``mem_reset``). ``truncation=K`` cuts the
gradient through the state every K steps (truncated BPTT: the state entering steps K, 2K, ... is
treated as a constant).

Engines never import the spiking package: surrogates come in as a ``derivative`` function (and,
for finite-difference checks only, a smooth ``function`` that replaces the step in the forward
pass; the resets still use the exact step, whose derivative is zero, as the detached reset's).

>>> import numpy as np
>>> from neuronkit.engine import Tensor
>>> from neuronkit.engine.spiking import lif
>>> I = Tensor(np.array([[0.75], [0.75], [0.75], [0.75]]), requires_grad=True)
>>> spikes, mem = lif(I, 0.5, 1.0, derivative=lambda x: np.ones_like(x))
>>> mem.ravel()                  # 0.75, 0.375+0.75, then 0.5625+0.75-1 (reset), 0.15625+0.75
array([0.75   , 1.125  , 0.3125 , 0.90625])
>>> spikes.data.ravel()
array([0., 1., 0., 0.])

This module imports nothing from neuronkit but the engine's tensor module and :mod:`neuronkit.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ParameterError, ShapeError
from .tensor import Tensor, as_tensor, make, unbroadcast

__all__ = ["alif", "leaky_integrator", "lif", "spike", "synaptic"]

Derivative = Callable[[np.ndarray], np.ndarray]


def spike(x: Any, derivative: Derivative, function: Derivative | None = None) -> Tensor:
    """The spike :math:`H(x)` (1 where ``x > 0``) with the surrogate gradient ``g * derivative(x)``.

    ``x`` is the membrane minus the threshold, any shape. ``function`` (for checks by finite
    differences) replaces the step in the forward pass by the smooth function whose derivative
    ``derivative`` is.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor
    >>> from neuronkit.engine.spiking import spike
    >>> x = Tensor([-0.5, 0.0, 0.5], requires_grad=True)
    >>> s = spike(x, lambda v: 1.0 / (1.0 + 2.0 * np.abs(v)) ** 2)
    >>> s.data
    array([0., 0., 1.], dtype=float32)
    >>> s.sum().backward(); x.grad
    array([0.25, 1.  , 0.25], dtype=float32)
    """
    x = as_tensor(x)
    xd = x.data
    out = (xd > 0).astype(x.dtype) if function is None else np.asarray(function(xd), dtype=x.dtype)

    def vjp(g: np.ndarray) -> tuple[np.ndarray]:
        return (g * np.asarray(derivative(xd), dtype=g.dtype),)

    return make(out, (x,), vjp, "spike")


# ------------------------------------------------------------------ helpers
def _currents(currents: Any, owner: str) -> Tensor:
    x = as_tensor(currents)
    if x.ndim < 2:
        raise ShapeError(f"{owner} takes time-major currents (T, batch, ...); got shape {x.shape}")
    if x.shape[0] == 0:
        raise ShapeError(f"{owner} got currents with T = 0 time steps (shape {x.shape}); give at least one step")
    return x


def _value(p: Any, dtype: np.dtype) -> tuple[Tensor | None, Any]:
    """A parameter that is a Tensor (may learn) or a number: (the Tensor or None, its value in ``dtype``)."""
    if isinstance(p, Tensor):
        return p, p.data.astype(dtype, copy=False)
    value = np.asarray(p, dtype=dtype)
    return None, value if value.ndim else dtype.type(value)


def _reverse(G: np.ndarray, coef: Any, truncation: int | None) -> None:
    """In place: ``G[t] += coef[t+1] * G[t+1]`` from the last step back (``coef`` per step or constant).

    The carry into step t is cut where ``(t + 1) % truncation == 0`` (the state entering that step is
    detached)."""
    steps = G.shape[0]
    per_step = isinstance(coef, np.ndarray) and coef.ndim == G.ndim
    tmp = np.empty_like(G[0])
    for t in range(steps - 2, -1, -1):
        if truncation is not None and (t + 1) % truncation == 0:
            continue
        np.multiply(G[t + 1], coef[t + 1] if per_step else coef, out=tmp)
        G[t] += tmp


def _clip_mask(p: Tensor, value: Any) -> Any:
    """The gradient mask of ``clip(p, 0, 1)``: 1 inside [0, 1] (as torch.clamp), 0 outside."""
    return ((value >= 0) & (value <= 1)).astype(p.dtype)


def _gradients(parents: list[Tensor], grads: dict[int, np.ndarray | None]) -> tuple[np.ndarray | None, ...]:
    """The gradients in the parents' order, each in its parent's dtype (a float32 beta of float64 currents)."""
    out = [grads.get(id(p)) for p in parents]
    return tuple(None if g is None else np.asarray(g).astype(p.dtype, copy=False) for g, p in zip(out, parents))


# ------------------------------------------------------------------ LIF (and ALIF)
def lif(currents: Any, beta: Any, threshold: Any, *, derivative: Derivative, function: Derivative | None = None,
        v_rest: float = 0.0, v_reset: float = 0.0, reset: str = "subtract", reset_delay: bool = True,
        refractory_steps: int = 0, truncation: int | None = None) -> tuple[Tensor, np.ndarray]:
    """Leaky integrate-and-fire over T steps, fused: ``(spikes (T, ...) Tensor, membranes (T, ...) array)``.

    With the reset of step t coming from the spike of step t-1 (``reset_delay=True``, snnTorch's
    ``Leaky``), :math:`r_t = h_{t-1}` and

    .. math::
        u_t &= v_{rest} + \\beta (u_{t-1} - v_{rest}) + I_t - r_t (\\theta - v_{reset})
              \\quad\\text{(subtract)} \\\\
        u_t &= v_{rest} + \\beta ((1 - r_t) u_{t-1} + r_t v_{reset} - v_{rest}) + I_t
              \\quad\\text{(zero: snnTorch's Leaky)} \\\\
        h_t &= H(u_t - \\theta)

    (``none``: no reset term). With ``reset_delay=False`` the spike of step t resets at step t:
    :math:`p_t = v_{rest} + \\beta(u_{t-1} - v_{rest}) + I_t`, :math:`h_t = H(p_t - \\theta)`,
    :math:`u_t = p_t - h_t(\\theta - v_{reset})` (subtract) or :math:`(1 - h_t) p_t + h_t v_{reset}`
    (zero); the membranes returned are :math:`u_t` (after the reset). ``refractory_steps`` R:
    for R steps after a spike the membrane is held at :math:`v_{reset}`, takes no input and cannot
    fire. The state starts at :math:`u_{-1} = v_{rest}`, no spike pending.

    ``beta`` and ``threshold`` are numbers or Tensors (scalar or broadcasting against one step
    ``(batch, ...)``, e.g. ``(features,)``); Tensors that require a gradient get one. Returns
    the spikes and the membranes (an array, for recording).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor
    >>> from neuronkit.engine.spiking import lif
    >>> I = np.array([1.5, 0.0, 0.0], dtype=np.float32).reshape(3, 1, 1)
    >>> lif(I, 0.5, 1.0, derivative=np.ones_like, reset="zero")[1].ravel()    # 1.5, then 0.5·0 + 0, 0
    array([1.5, 0. , 0. ], dtype=float32)
    """
    return _lif("lif", currents, beta, threshold, derivative, function, v_rest, v_reset, reset, reset_delay,
                refractory_steps, truncation, None, 0.0)[:2]


def alif(currents: Any, beta: Any, threshold: Any, *, rho: float, adaptation: float, derivative: Derivative,
         function: Derivative | None = None, reset: str = "subtract", reset_delay: bool = True,
         truncation: int | None = None) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Adaptive LIF, fused: the threshold :math:`\\theta_t = \\theta + b_t` rises by ``adaptation`` with each spike.

    .. math::
        b_t = \\rho\\, b_{t-1} + a\\, h_{t-1}, \\qquad h_t = H(u_t - (\\theta + b_t))

    and the membrane as :func:`lif` (a subtract reset removes the baseline :math:`\\theta`, as in
    Bellec et al. 2018's LSNN). The adaptation follows the spikes detached from the graph (as the
    reset), so gradients reach the currents, :math:`\\beta` and the baseline :math:`\\theta`.
    Returns ``(spikes, membranes, b)``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.spiking import alif
    >>> I = np.full((4, 1, 1), 1.4, dtype=np.float32)
    >>> s, u, b = alif(I, 0.0, 1.0, rho=0.5, adaptation=1.0, derivative=np.ones_like)
    >>> s.data.ravel(), b.ravel()         # after the spike the threshold is 2, then 1.5 (1.4 stays below), then 1.25
    (array([1., 0., 0., 1.], dtype=float32), array([0.  , 1.  , 0.5 , 0.25], dtype=float32))
    """
    spikes, mem, b = _lif("alif", currents, beta, threshold, derivative, function, 0.0, 0.0, reset, reset_delay, 0,
                          truncation, float(rho), float(adaptation))
    return spikes, mem, (b if b is not None else np.zeros_like(mem))


def _lif(op: str, currents: Any, beta: Any, threshold: Any, derivative: Derivative, function: Derivative | None,
         v_rest: float, v_reset: float, reset: str, reset_delay: bool, refractory_steps: int,
         truncation: int | None, rho: float | None, adaptation: float,
         ) -> tuple[Tensor, np.ndarray, np.ndarray | None]:
    if reset not in ("subtract", "zero", "none"):
        raise ParameterError(f"{op}: reset must be 'subtract', 'zero' or 'none'; got {reset!r}")
    x = _currents(currents, op)
    current = np.ascontiguousarray(x.data)  # step slices of a transposed view (a Dense output) are slow
    dtype = current.dtype
    steps, shape = current.shape[0], current.shape[1:]
    beta_t, beta_v = _value(beta, dtype)
    theta_t, theta = _value(threshold, dtype)
    b = np.clip(beta_v, 0, 1) if beta_t is not None else beta_v  # a learnt beta may leave [0, 1]: clamp
    R = int(refractory_steps)
    adaptive = rho is not None
    delay = bool(reset_delay)
    jump = theta - dtype.type(v_reset)  # what a subtract reset removes
    rest = dtype.type(v_rest) * (1 - b) if v_rest else None  # the leak's pull towards v_rest

    # Masks are float 0/1 arrays used in multiplications: a masked ufunc (where=) or a masked copy is
    # 10-40 times slower on random masks, and a comparison written straight into floats 6 times slower
    # than into booleans followed by one copy.
    mem = np.empty_like(current)  # the membrane compared with the threshold, per step
    spk = np.empty_like(current)  # h_t, the exact spikes
    post = np.empty_like(current) if not delay and reset != "none" else mem  # the state after the reset
    act: Any = np.empty_like(current) if R else None  # 1 where the neuron is not refractory
    thr: Any = np.empty_like(current) if adaptive else None  # theta + b_t
    u: np.ndarray = np.full(shape, v_rest, dtype=dtype)
    h = np.zeros(shape, dtype=dtype)  # the previous step's spikes
    above = np.empty(shape, dtype=bool)
    tmp = np.empty(shape, dtype=dtype)
    count: Any = np.zeros(shape, dtype=dtype) if R else None  # refractory steps left
    adapt: Any = np.zeros(shape, dtype=dtype) if adaptive else None
    held = b * dtype.type(v_reset)  # a zero reset, leaked: beta * v_reset
    unit_jump = np.ndim(jump) == 0 and float(jump) == 1.0
    for t in range(steps):
        m = mem[t]
        if R:
            if delay:  # a spike at t-1 starts the refractory period at t
                np.subtract(1, h, out=tmp)
                count *= tmp
                count += R * h
            np.less(count, 0.5, out=above)
            active = act[t]
            np.copyto(active, above)
        if delay and reset == "zero":  # u_{t-1} replaced by v_reset where it fired, then leaked
            np.subtract(1, h, out=tmp)
            np.multiply(u, tmp, out=m)
            m *= b
            if v_reset:
                m += h * held
        else:
            np.multiply(u, b, out=m)
        m += current[t]
        if rest is not None:
            m += rest
        if delay and reset == "subtract":
            if unit_jump:  # theta - v_reset = 1 (the default): subtract the spikes themselves
                m -= h
            else:
                np.multiply(h, jump, out=tmp)
                m -= tmp
        if R:  # held at v_reset while refractory
            m *= active
            if v_reset:
                m += (1 - active) * dtype.type(v_reset)
        h = spk[t]
        if adaptive:
            np.add(adapt, theta, out=thr[t])
            np.greater(m, thr[t], out=above)
            np.copyto(h, above)
            adapt *= rho
            np.multiply(h, adaptation, out=tmp)
            adapt += tmp
        else:
            np.greater(m, theta, out=above)
            np.copyto(h, above)
        if R:
            count -= 1
            np.maximum(count, 0, out=count)
            if not delay:  # a spike at t starts the refractory period at t+1
                np.subtract(1, h, out=tmp)
                count *= tmp
                count += R * h
        if delay or reset == "none":
            u = m
        else:
            p = post[t]
            if reset == "subtract":
                np.multiply(h, jump, out=tmp)
                np.subtract(m, tmp, out=p)
            else:
                np.subtract(1, h, out=tmp)
                np.multiply(m, tmp, out=p)
                if v_reset:
                    p += h * dtype.type(v_reset)
            u = p
    thresholds = thr if adaptive else theta
    if function is None:
        out = spk
    else:  # checks only: the smooth function in place of the step (resets above stay exact)
        out = np.asarray(function(mem - thresholds), dtype=dtype)
        if act is not None:
            out = out * act
    parents = [p for p in (x, beta_t, theta_t) if p is not None]

    def vjp(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        gd = np.asarray(derivative(mem - thresholds), dtype=dtype)
        gd *= g  # dL/dh_t times dh_t/du_t
        if act is not None:
            gd *= act
        learn_theta = theta_t is not None and theta_t.requires_grad
        G = gd.copy() if learn_theta else gd  # dL/du_t (delay) or dL/dp_t (no delay), built backwards
        coef: Any = b
        if reset == "zero" or act is not None:
            coef = np.empty_like(current)
            coef[0] = 0
            coef[1:] = b
            if reset == "zero":
                coef[1:] *= 1 - spk[:-1]
            if act is not None:
                coef *= act
        _reverse(G, coef, truncation)
        grads: dict[int, np.ndarray | None] = {}
        into = G * act if act is not None else G  # what reaches the update expression of each step
        if x.requires_grad:
            grads[id(x)] = into
        if beta_t is not None and beta_t.requires_grad:
            if delay:
                before = mem[:-1] if reset != "zero" else mem[:-1] * (1 - spk[:-1]) + spk[:-1] * dtype.type(v_reset)
            else:
                before = post[:-1]
            full = into[1:] * (before - dtype.type(v_rest))
            grads[id(beta_t)] = unbroadcast(full, beta_t.shape) * _clip_mask(beta_t, beta_v)
        if learn_theta and theta_t is not None:
            full = -gd
            if reset == "subtract" and delay:
                full[1:] -= into[1:] * spk[:-1]
            elif reset == "subtract":
                carried = G[:-1] - gd[:-1]  # the gradient reaching u_t from step t+1 (0 where truncated)
                full[:-1] -= spk[:-1] * carried
            grads[id(theta_t)] = unbroadcast(full, theta_t.shape)
        return _gradients(parents, grads)

    return make(out, tuple(parents), vjp, op), post, (thr - theta if thr is not None else None)


# ------------------------------------------------------------------ leaky integrator (readout)
def leaky_integrator(currents: Any, beta: Any, *, v_rest: float = 0.0, truncation: int | None = None) -> Tensor:
    """Leaky integrators' membranes (no spikes, no reset): :math:`u_t = v_{rest} + \\beta(u_{t-1} - v_{rest}) + I_t`.

    The output is the membranes ``(T, ...)``, :math:`u_{-1} = v_{rest}`; the gradient reaches
    the currents and a ``beta`` Tensor (clipped to [0, 1] in the forward pass, as snnTorch).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine import Tensor
    >>> from neuronkit.engine.spiking import leaky_integrator
    >>> I = Tensor(np.array([1.0, 0.0, 2.0], dtype=np.float32).reshape(3, 1), requires_grad=True)
    >>> u = leaky_integrator(I, 0.5)
    >>> u.data.ravel()                                    # 1, 0.5, 0.25 + 2
    array([1.  , 0.5 , 2.25], dtype=float32)
    >>> u[2].sum().backward(); I.grad.ravel()             # du_2/dI_t = 0.5^(2-t)
    array([0.25, 0.5 , 1.  ], dtype=float32)
    """
    x = _currents(currents, "leaky_integrator")
    current = np.ascontiguousarray(x.data)  # step slices of a transposed view (a Dense output) are slow
    dtype = current.dtype
    beta_t, beta_v = _value(beta, dtype)
    b = np.clip(beta_v, 0, 1) if beta_t is not None else beta_v
    rest = dtype.type(v_rest) * (1 - b) if v_rest else None
    mem = np.empty_like(current)
    u: np.ndarray = np.full(current.shape[1:], v_rest, dtype=dtype)
    for t in range(current.shape[0]):
        np.multiply(u, b, out=mem[t])
        mem[t] += current[t]
        if rest is not None:
            mem[t] += rest
        u = mem[t]
    parents = [p for p in (x, beta_t) if p is not None]

    def vjp(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        G = np.array(g, dtype=dtype, copy=True)
        _reverse(G, b, truncation)
        grads: dict[int, np.ndarray | None] = {id(x): G}
        if beta_t is not None and beta_t.requires_grad:
            full = G[1:] * (mem[:-1] - dtype.type(v_rest))
            grads[id(beta_t)] = unbroadcast(full, beta_t.shape) * _clip_mask(beta_t, beta_v)
        return _gradients(parents, grads)

    return make(mem, tuple(parents), vjp, "leaky_integrator")


# ------------------------------------------------------------------ synaptic (current-based LIF)
def synaptic(currents: Any, alpha: Any, beta: Any, threshold: Any, *, derivative: Derivative,
             function: Derivative | None = None, reset: str = "subtract", reset_delay: bool = True,
             truncation: int | None = None) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Current-based LIF (snnTorch's ``Synaptic``), fused: ``(spikes, synaptic currents, membranes)``.

    With :math:`r_t = h_{t-1}` (the spike of the previous step, detached; ``reset_delay=True``,
    snnTorch's default):

    .. math::
        s^{syn}_t &= \\alpha\\, s^{syn}_{t-1} + I_t \\\\
        u_t &= \\beta u_{t-1} + s^{syn}_t - r_t \\theta \\quad\\text{(subtract)}, \\qquad
        (\\beta u_{t-1} + s^{syn}_t)(1 - r_t) \\quad\\text{(zero, as snnTorch's Synaptic)} \\\\
        h_t &= H(u_t - \\theta)

    With ``reset_delay=False`` the spike of step t resets at step t (NIR's ``CubaLIF``, snnTorch's
    ``Synaptic(reset_delay=False)``): :math:`p_t = \\beta u_{t-1} + s^{syn}_t`,
    :math:`h_t = H(p_t - \\theta)`, :math:`u_t = p_t - h_t \\theta` (subtract) or
    :math:`(1 - h_t)\\, p_t` (zero); the membranes returned are :math:`u_t` (after the reset).
    The synaptic current is never reset; the state starts at 0.

    The VJP (the reset's spike detached), with :math:`g_t` the gradient reaching :math:`h_t` times
    ``derivative`` of :math:`p_t - \\theta` and :math:`k_t = 1 - h_t` (zero reset) or 1:
    :math:`G_t = \\partial L / \\partial p_t = g_t + k_t \\beta G_{t+1}`,
    :math:`S_t = \\partial L/\\partial s^{syn}_t = G_t + \\alpha S_{t+1}`,
    :math:`\\partial L/\\partial I_t = S_t`, :math:`\\partial L/\\partial\\beta = \\sum_t G_t u_{t-1}`,
    :math:`\\partial L/\\partial\\alpha = \\sum_t S_t s^{syn}_{t-1}` and
    :math:`\\partial L/\\partial\\theta = -\\sum_t g_t - \\sum_t h_t \\beta G_{t+1}` (the last sum for
    the subtract reset only). The delayed reset is the same with the reset's factor one step later.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.engine.spiking import synaptic
    >>> I = np.array([1.0, 0.0, 0.0], dtype=np.float32).reshape(3, 1)
    >>> s, syn, u = synaptic(I, 0.5, 1.0, 2.0, derivative=np.ones_like)
    >>> syn.ravel(), u.ravel()                        # the current decays, the membrane keeps summing it
    (array([1.  , 0.5 , 0.25], dtype=float32), array([1.  , 1.5 , 1.75], dtype=float32))
    >>> I = np.full((4, 1), 0.6, dtype=np.float32)    # alpha 0, beta 0.5: 0.6, 0.9, 1.05 fires and resets now
    >>> synaptic(I, 0.0, 0.5, 1.0, derivative=np.ones_like, reset="zero", reset_delay=False)[2].ravel().round(4)
    array([0.6, 0.9, 0. , 0.6], dtype=float32)
    """
    if reset not in ("subtract", "zero", "none"):
        raise ParameterError(f"synaptic: reset must be 'subtract', 'zero' or 'none'; got {reset!r}")
    x = _currents(currents, "synaptic")
    current = np.ascontiguousarray(x.data)  # step slices of a transposed view (a Dense output) are slow
    dtype = current.dtype
    alpha_t, alpha_v = _value(alpha, dtype)
    beta_t, beta_v = _value(beta, dtype)
    theta_t, theta = _value(threshold, dtype)
    a = np.clip(alpha_v, 0, 1) if alpha_t is not None else alpha_v
    b = np.clip(beta_v, 0, 1) if beta_t is not None else beta_v
    delay = bool(reset_delay)
    shape = current.shape[1:]
    syn = np.empty_like(current)
    mem = np.empty_like(current)  # the membrane compared with the threshold (p_t without delay)
    spk = np.empty_like(current)
    post = np.empty_like(current) if not delay and reset != "none" else mem  # the state after the reset
    s: np.ndarray = np.zeros(shape, dtype=dtype)
    u: np.ndarray = np.zeros(shape, dtype=dtype)
    h = np.zeros(shape, dtype=dtype)
    above = np.empty(shape, dtype=bool)
    tmp = np.empty(shape, dtype=dtype)
    for t in range(current.shape[0]):
        np.multiply(s, a, out=syn[t])
        syn[t] += current[t]
        s = syn[t]
        m = mem[t]
        np.multiply(u, b, out=m)
        m += s
        if delay and reset == "subtract":
            np.multiply(h, theta, out=tmp)
            m -= tmp
        elif delay and reset == "zero":
            np.subtract(1, h, out=tmp)
            m *= tmp
        h = spk[t]
        np.greater(m, theta, out=above)  # into booleans, then one copy: 6 times faster than into floats
        np.copyto(h, above)
        if delay or reset == "none":
            u = m
        else:  # the reset at the step of the spike
            p = post[t]
            if reset == "subtract":
                np.multiply(h, theta, out=tmp)
                np.subtract(m, tmp, out=p)
            else:
                np.subtract(1, h, out=tmp)
                np.multiply(m, tmp, out=p)
            u = p
    out = spk if function is None else np.asarray(function(mem - theta), dtype=dtype)
    parents = [p for p in (x, alpha_t, beta_t, theta_t) if p is not None]

    def vjp(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        gd = np.asarray(derivative(mem - theta), dtype=dtype)
        gd *= g
        keep: Any = None  # k: the zero reset's factor (1 - h) on the path from one step's membrane to the next
        if reset == "zero":
            keep = np.ones_like(current)
            keep[1:] -= spk[:-1]
        Gm = gd.copy()
        _reverse(Gm, b if keep is None else keep * b, truncation)
        # dL/ds_t through the membrane: with the delayed zero reset, (1 - r_t) also multiplies s_t
        into = Gm * keep if delay and keep is not None else Gm
        Gs = into.copy()
        _reverse(Gs, a, truncation)
        grads: dict[int, np.ndarray | None] = {id(x): Gs}
        if alpha_t is not None and alpha_t.requires_grad:
            grads[id(alpha_t)] = unbroadcast(Gs[1:] * syn[:-1], alpha_t.shape) * _clip_mask(alpha_t, alpha_v)
        if beta_t is not None and beta_t.requires_grad:
            grads[id(beta_t)] = unbroadcast(into[1:] * post[:-1], beta_t.shape) * _clip_mask(beta_t, beta_v)
        if theta_t is not None and theta_t.requires_grad:
            full = -gd
            if reset == "subtract" and delay:
                full[1:] -= Gm[1:] * spk[:-1]
            elif reset == "subtract":
                carried = Gm[:-1] - gd[:-1]  # the gradient reaching u_t from step t+1 (0 where truncated)
                full[:-1] -= spk[:-1] * carried
            grads[id(theta_t)] = unbroadcast(full, theta_t.shape)
        return _gradients(parents, grads)

    return make(out, tuple(parents), vjp, "synaptic"), syn, post
