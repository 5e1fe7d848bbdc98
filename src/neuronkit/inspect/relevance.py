"""DeepLIFT and layer-wise relevance propagation (LRP) for Dense networks, with their conservation checks.

Both explain a scalar F (the potential, i.e. the logit, of the ``target`` output neuron by default)
by passing it back through the network layer by layer, not by integrating gradients. They are
defined here for **multilayer perceptrons**: Dense layers with elementwise activations (Dropout is
the identity at inference); other layers are refused, by name. Softmax may only be the output
activation (F is then the logit).

**DeepLIFT, rescale rule** (Shrikumar et al. 2017). Every value is compared with its value at the
baseline x' (default zeros): Δz = z(x) - z(x'). A linear map passes multipliers back through its
weights (m_in = m_z W); an activation a = f(z) multiplies them by Δa/Δz (by f'(z) where |Δz| < 1e-10,
Captum's rule). Attribution: (xᵢ - x'ᵢ) mᵢ. *Summation to delta* holds exactly (up to rounding):
Σᵢ attributionᵢ = F(x) - F(x'), reported as ``delta``.

**LRP** (Bach et al. 2015; Montavon et al. 2019). The output relevance R = F(x) flows back; an
activation passes relevance through unchanged; a Dense layer z = W a + b splits the relevance Rⱼ of
each neuron over its inputs by a rule (one for all layers, or one per layer by name):

=========  =========================================================================================
epsilon    Rᵢ = aᵢ Σⱼ wⱼᵢ Rⱼ / (zⱼ + ε·sign(zⱼ))  (sign(0) = 1; ε = 0 is LRP-0, gradient × input for
           ReLU networks). The bias and ε absorb relevance: conservation Σ Rᵢ = F(x) holds when the
           biases are zero and ε → 0.
z+         Rᵢ = aᵢ Σⱼ w⁺ⱼᵢ Rⱼ / Σₖ aₖ w⁺ⱼₖ  with w⁺ = max(w, 0), no bias (Montavon's z⁺; Captum's
           ``Alpha1_Beta0_Rule(set_bias_to_zero=True)``). It assumes inputs aᵢ ≥ 0 (after ReLU);
           relevance is conserved exactly wherever the denominators are not 0 (a stabiliser of
           1e-9 keeps them apart from 0).
=========  =========================================================================================

The result reports ``delta`` = Σ Rᵢ - F(x): the conservation error (``baseline_values`` are 0).

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([3, 5, 2], output="softmax", seed=0)
>>> d = nk.inspect.deeplift(net, np.array([[1.0, -0.5, 2.0]]), target=1)
>>> bool(abs(d.delta[0]) < 1e-9)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..engine import Tensor, no_grad
from ..errors import ParameterError, ParameterTypeError
from ..layers import Dense, Dropout
from ..registry import Registry
from ..validation import check_number
from ._model import InspectedModel, eval_mode, grad_of
from .attribution import Attribution, Objective, _baseline, _targets, output_kind, register_attribution

#: LRP rule name -> ``fn(a, weight, bias, relevance, epsilon) -> relevance of the inputs`` for one Dense layer
LRP_RULES: Registry[Callable[..., np.ndarray]] = Registry("LRP rule")
#: keeps z+ denominators away from 0 (as Captum's rules do)
STABILISER = 1e-9
#: DeepLIFT takes f'(z) instead of Δa/Δz where |Δz| is below this (Captum's default)
DEEPLIFT_EPS = 1e-10


def _signed(z: np.ndarray, eps: float) -> np.ndarray:
    return z + eps * np.where(z >= 0, 1.0, -1.0)


def _epsilon_rule(a: np.ndarray, weight: np.ndarray, bias: np.ndarray, relevance: np.ndarray,
                  epsilon: float) -> np.ndarray:
    z = a @ weight.T + bias
    return a * ((relevance / _signed(z, epsilon)) @ weight)


def _zplus_rule(a: np.ndarray, weight: np.ndarray, bias: np.ndarray, relevance: np.ndarray,
                epsilon: float) -> np.ndarray:
    positive = np.clip(weight, 0.0, None)
    z = a @ positive.T
    return a * ((relevance / _signed(z, STABILISER)) @ positive)


LRP_RULES.register("epsilon", _epsilon_rule, aliases=("eps", "lrp_epsilon", "lrp-epsilon", "lrp0", "lrp-0"))
LRP_RULES.register("z+", _zplus_rule, aliases=("zplus", "z_plus", "alpha1beta0", "alpha1_beta0"))


class _Mlp:
    """The Dense layers of a network up to ``stop`` (exclusive), as float64 arrays, and its forward pass."""

    def __init__(self, m: InspectedModel, stop: int, what: str) -> None:
        if not m.flat or m.is_text:
            raise ParameterError(f"{what} is defined here for Dense networks of feature vectors; this network takes "
                                 "images or token ids: use nk.inspect.attribute (integrated gradients)")
        self.m = m
        self.layers: list[tuple[str, Dense]] = []
        for i, (name, layer) in enumerate(m.network.layers.items()):
            if i >= stop:
                break
            if isinstance(layer, Dropout):
                continue  # the identity at inference
            if not isinstance(layer, Dense):
                raise ParameterError(f"{what} takes Dense layers with elementwise activations (and Dropout); layer "
                                     f"{name!r} is a {type(layer).__name__}: use nk.inspect.attribute "
                                     "(integrated gradients) for this network")
            if layer.activation.name == "softmax" and i != stop - 1:
                raise ParameterError(f"{what} needs elementwise activations; layer {name!r} uses softmax, which "
                                     "is only allowed as the output activation (then F is the logit)")
            self.layers.append((name, layer))

    def network_input(self, X: np.ndarray) -> np.ndarray:
        return X if self.m.scale is None else X * self.m.scale + self.m.shift

    def run(self, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(input a, potential z, output f(z)) of each layer, float64."""
        out = []
        a = self.network_input(x)
        with eval_mode(self.m.network), no_grad():
            for _, layer in self.layers:
                z = a @ _weight(layer).T + _bias(layer)
                h = layer.activation(Tensor(z)).data.astype(np.float64)
                out.append((a, z, h))
                a = h
        return out


def _weight(layer: Dense) -> np.ndarray:
    return layer.weight.data.astype(np.float64)


def _bias(layer: Dense) -> np.ndarray:
    return np.zeros(layer.out_features) if layer.bias is None else layer.bias.data.astype(np.float64)


def _slope(layer: Dense, z: np.ndarray) -> np.ndarray:
    """f'(z) elementwise, by the activation's own gradient."""
    with eval_mode(layer):
        leaf = Tensor(z, requires_grad=True)
        layer.activation(leaf).sum().backward()
    return grad_of(leaf).astype(np.float64)


def _pick(n_out: int, column: int | None, target: np.ndarray | None, n: int) -> np.ndarray:
    onehot = np.zeros((n, n_out))
    onehot[np.arange(n), column if column is not None else target] = 1.0
    return onehot


def _deeplift(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
              batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
    """DeepLIFT (rescale) of the neuron ``obj`` describes, for flat rows X (the attribution method's form)."""
    net = _Mlp(obj.model, obj.position + 1, "DeepLIFT")
    fwd, ref = net.run(X), net.run(baseline)
    last = len(net.layers) - 1
    onehot = _pick(fwd[-1][1].shape[1], obj.column, target, len(X))
    use = 1 if obj.potential else 2
    f_x, f_b = (fwd[-1][use] * onehot).sum(axis=1), (ref[-1][use] * onehot).sum(axis=1)
    m = onehot
    for i in range(last, -1, -1):
        (_, z, h), (_, z0, h0) = fwd[i], ref[i]
        layer = net.layers[i][1]
        if i != last or not obj.potential:
            dz = z - z0
            small = np.abs(dz) < DEEPLIFT_EPS
            rescale = np.where(small, _slope(layer, z), (h - h0) / np.where(small, 1.0, dz))
            m = m * rescale
        m = m @ _weight(layer)
    if obj.model.scale is not None:
        m = m * obj.model.scale
    values = (X - baseline) * m
    return values, {"values": f_x, "baseline_values": f_b, "delta": values.sum(axis=1) - (f_x - f_b)}


def _rule_table(rule: Any, names: list[str]) -> list[str]:
    """One canonical rule per Dense layer from a name or a mapping layer name -> rule name."""
    if isinstance(rule, str):
        return [LRP_RULES.canonical(rule)] * len(names)
    if not isinstance(rule, Mapping):
        raise ParameterTypeError(f"rule must be a rule name ({', '.join(LRP_RULES.names())}) or a dict layer name -> "
                                 f"rule name; got {type(rule).__name__}")
    unknown = [key for key in rule if key not in names]
    if unknown:
        raise ParameterError(f"rule names layers the LRP pass does not go through: {unknown}; its Dense layers are: "
                             f"{', '.join(names)}")
    missing = [name for name in names if name not in rule]
    if missing:
        raise ParameterError(f"rule gives no rule for layers {missing}: give one for every Dense layer "
                             f"({', '.join(names)})")
    return [LRP_RULES.canonical(rule[name]) for name in names]


def _lrp_with(rule: Any, epsilon: float) -> Callable[..., tuple[np.ndarray, dict[str, Any]]]:
    def method(obj: Objective, X: np.ndarray, target: Any, *, baseline: np.ndarray, steps: int,
               batch_size: int) -> tuple[np.ndarray, dict[str, Any]]:
        net = _Mlp(obj.model, obj.position + 1, "LRP")
        rules = _rule_table(rule, [name for name, _ in net.layers])
        fwd = net.run(X)
        onehot = _pick(fwd[-1][1].shape[1], obj.column, target, len(X))
        f_x = (fwd[-1][1 if obj.potential else 2] * onehot).sum(axis=1)
        relevance = onehot * f_x[:, None]
        for (_, layer), (a, _, _), name in zip(reversed(net.layers), reversed(fwd), reversed(rules)):
            relevance = LRP_RULES.get(name)(a, _weight(layer), _bias(layer), relevance, epsilon)
        # relevance of the network's inputs; an estimator's scaler is a per-feature affine map, so each scaled
        # feature's relevance is its unscaled feature's
        return relevance, {"values": f_x, "baseline_values": np.zeros_like(f_x),
                           "delta": relevance.sum(axis=1) - f_x}
    return method


def _explain(model: Any, X: Any, method: Callable[..., tuple[np.ndarray, dict[str, Any]]], name: str, target: Any,
             output: str, baseline: Any) -> Attribution:
    m = InspectedModel(model)
    X = m.check_X(X)
    last = len(m.network.layers) - 1
    kind = output_kind(output)
    layer = m.network[last]
    if kind == "activation" and getattr(getattr(layer, "activation", None), "name", None) == "softmax":
        raise ParameterError(f"{name} explains the logit of a softmax output (output='potential'); the probability "
                             "is not an elementwise function of one logit")
    obj = Objective(m, last, None, kind == "potential")
    targets = _targets(m, obj, X, target, 1024)
    base = _baseline(baseline, X)
    values, info = method(obj, X, targets, baseline=base, steps=1, batch_size=1024)
    return Attribution(values, method=name, target=targets, output=kind,
                       baseline=base if name == "deeplift" else None, **info)


def deeplift(model: Any, X: Any, *, target: Any = None, output: str = "potential", baseline: Any = None,
             ) -> Attribution:
    """DeepLIFT attributions (rescale rule) of the target output, shaped like X (see the module docstring).

    Parameters
    ----------
    model : network or fitted estimator (Dense layers, elementwise activations)
    X : array (n_samples, n_features), unscaled for an estimator
    target : int, label or array, optional
        The output neuron (default: the predicted class; output 0 for a single output).
    output : ``"potential"`` (the logit; default) or ``"activation"`` (not for a softmax output)
    baseline : number, (n_features,) or (n_samples, n_features); default zeros

    Returns
    -------
    Attribution
        ``values`` F(x), ``baseline_values`` F(x'), ``delta`` (Σ - (F(x) - F(x')), zero up to rounding).

    Examples
    --------
    For a linear network DeepLIFT is (x - x') times the weights:

    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="identity", seed=0))
    >>> net["output"].weight.data[:] = [[2.0, -1.0]]
    >>> deeplift(net, [[1.0, 3.0]], baseline=[0.5, 0.0]).tolist()
    [[1.0, -3.0]]
    """
    return _explain(model, X, _deeplift, "deeplift", target, output, baseline)


def lrp(model: Any, X: Any, *, target: Any = None, rule: str | Mapping[str, str] = "epsilon",
        epsilon: float = 1e-9, output: str = "potential") -> Attribution:
    """Layer-wise relevance propagation of the target output, shaped like X (see the module docstring).

    Parameters
    ----------
    model : network or fitted estimator (Dense layers, elementwise activations)
    X : array (n_samples, n_features), unscaled for an estimator
    target : int, label or array, optional
        As :func:`deeplift`.
    rule : ``"epsilon"`` or ``"z+"``, or a dict giving each Dense layer's rule by name
        (e.g. ``{"hidden1": "z+", "output": "epsilon"}``).
    epsilon : float
        The ε of the epsilon rule (≥ 0).
    output : ``"potential"`` (default) or ``"activation"``

    Returns
    -------
    Attribution
        ``values`` F(x) (the output relevance), ``delta`` = Σ Rᵢ - F(x) (the conservation error).

    Examples
    --------
    >>> import numpy as np, neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="identity", seed=0))
    >>> net["output"].weight.data[:] = [[2.0, -1.0]]; net["output"].bias.data[:] = 0.0
    >>> r = lrp(net, [[1.0, 3.0]], epsilon=0.0)
    >>> r.tolist(), r.delta.tolist()
    ([[2.0, -3.0]], [0.0])
    """
    epsilon = check_number(epsilon, "epsilon", low=0.0)
    if isinstance(rule, str):
        rule = LRP_RULES.canonical(rule)
    return _explain(model, X, _lrp_with(rule, epsilon), "lrp", target, output, None)


register_attribution("deeplift", _deeplift, aliases=("deep_lift",))
register_attribution("lrp", _lrp_with("epsilon", 1e-9), aliases=("lrp_epsilon",))
