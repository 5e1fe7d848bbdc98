"""Follow one input through a network: every neuron's potential and output, one neuron's
arithmetic, and the chain rule that trains its weights.

For neuron ``j`` of a Dense layer with input ``a`` (the previous layer's outputs,
or the features), weights ``w`` (row ``j`` of the weight matrix) and bias ``b``::

    z = Σᵢ wᵢ·aᵢ + b          the activation potential
    out = f(z)                the neuron's output

and on one sample with loss ``L`` the chain rule gives its weight gradients::

    ∂L/∂wᵢ = ∂L/∂out · ∂out/∂z · ∂z/∂wᵢ = δ · aᵢ,    ∂L/∂b = δ,    δ = ∂L/∂out · f'(z)

>>> import numpy as np, neuronkit as nk
>>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
>>> t = nk.inspect.trace(net, [0.5, -1.0])
>>> t["hidden1[0]"].output == max(t["hidden1[0]"].z, 0.0)
True
>>> b = nk.inspect.backprop(net, [0.5, -1.0], 1, "hidden1[0]")
>>> bool(b.matches_engine)
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Tensor, no_grad
from ..errors import NameNotFoundError
from ..neuron import Explanation, _fmt
from ._model import InspectedModel, eval_mode, forward, grad_of, plain, preserved_grads


@dataclass(frozen=True)
class NeuronTrace:
    """One neuron on one input: its stable ``name``, potential ``z``, ``output`` and whether ``z > 0``."""

    name: str
    z: float
    output: float

    @property
    def active(self) -> bool:
        return self.z > 0


@dataclass(frozen=True)
class LayerTrace:
    """One layer on one input: ``input`` (its input vector), ``z`` (potentials; None for non-Dense
    layers) and ``output``, each a 1-D float array.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> layer = nk.inspect.trace(net, [1.0, 0.0])["hidden1"]
    >>> layer.z.shape, layer.output.shape, len(layer.neurons())
    ((3,), (3,), 3)
    >>> bool(np.allclose(layer.output, np.maximum(layer.z, 0)))
    True
    """

    name: str
    kind: str
    activation: str | None
    input: np.ndarray
    z: np.ndarray | None
    output: np.ndarray

    def neurons(self) -> list[NeuronTrace]:
        if self.z is None:
            return []
        return [NeuronTrace(f"{self.name}[{i}]", float(z), float(o))
                for i, (z, o) in enumerate(zip(self.z, self.output))]


class Trace:
    """Every layer's and neuron's values for one input, addressed by stable names.

    ``trace["hidden1"]`` is a :class:`LayerTrace`; ``trace["hidden1[3]"]`` a
    :class:`NeuronTrace`. ``inputs`` is what the network received (after an
    estimator's scaler), ``output`` the network's output (probabilities for a
    softmax head), ``logits`` the output layer's potentials. ``str(trace)`` is a
    table; ``to_dict()`` is JSON-ready.

    Examples
    --------
    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> t = nk.inspect.trace(net, [1.0, 0.0])
    >>> t["hidden1[0]"].output, t["hidden1"].z.shape
    (0.0, (3,))
    >>> float(t["output"].output.sum())
    1.0
    """

    def __init__(self, inputs: np.ndarray, layers: list[LayerTrace], prediction: Any) -> None:
        self.inputs = inputs
        self.layers = {layer.name: layer for layer in layers}
        self.prediction = prediction

    @property
    def output(self) -> np.ndarray:
        return list(self.layers.values())[-1].output

    @property
    def logits(self) -> np.ndarray | None:
        return list(self.layers.values())[-1].z

    def __getitem__(self, name: str) -> LayerTrace | NeuronTrace:
        if not isinstance(name, str):
            raise NameNotFoundError(f"trace entries are named by strings ('hidden1' or 'hidden1[3]'); got {name!r}")
        if name in self.layers:
            return self.layers[name]
        layer_name, _, rest = name.partition("[")
        layer = self.layers.get(layer_name.replace(".neuron", ""))
        if layer is not None and layer.z is not None and rest.endswith("]"):
            try:
                index = int(rest[:-1])
            except ValueError:
                index = None
            if index is not None and -len(layer.z) <= index < len(layer.z):
                return layer.neurons()[index]
        raise NameNotFoundError(f"no layer or neuron {name!r} in this trace; layers are {', '.join(self.layers)} "
                                "and neurons are named like 'hidden1[3]'")

    def __iter__(self) -> Iterator[NeuronTrace]:
        for layer in self.layers.values():
            yield from layer.neurons()

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": self.inputs.tolist(), "prediction": plain(self.prediction),
                "layers": {name: {"kind": lt.kind, "activation": lt.activation,
                                  "z": None if lt.z is None else lt.z.tolist(), "output": lt.output.tolist()}
                           for name, lt in self.layers.items()}}

    def __str__(self) -> str:
        lines = [f"trace of one input ({len(self.inputs)} features); prediction: {self.prediction}"]
        for lt in self.layers.values():
            head = f"{lt.name} ({lt.kind}{', ' + lt.activation if lt.activation else ''})"
            lines.append(head)
            if lt.z is None:
                lines.append("  output " + np.array2string(lt.output, precision=4, threshold=12))
                continue
            for nt in lt.neurons():
                state = "" if lt.activation in ("identity", "softmax") else ("  active" if nt.active else "  silent")
                lines.append(f"  {nt.name:<14} z = {nt.z:>10.4g}   out = {nt.output:>10.4g}{state}")
        return "\n".join(lines)

    __repr__ = __str__


def trace(model: Any, x: Any) -> Trace:
    """Run one input ``x`` (shape (n_features,)) through ``model`` and record every neuron.

    ``model`` is a network or a fitted estimator (then ``x`` is unscaled, as in
    the data). The network runs in eval mode; nothing is stored on it.

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="relu", seed=0))
    >>> net["output"].weight.data[:] = [[0.8, 0.6]]; net["output"].bias.data[:] = [0.2]
    >>> round(nk.inspect.trace(net, [0.5, 0.3])["output[0]"].output, 6)
    0.78
    """
    m = InspectedModel(model)
    x = m.check_sample(x)
    records = m.records(x[None, :])
    layers = [LayerTrace(r.name, type(r.layer).__name__,
                         getattr(getattr(r.layer, "activation", None), "name", None),
                         r.input.data[0].astype(np.float64),
                         None if r.z is None else r.z.data[0].astype(np.float64),
                         r.output.data[0].astype(np.float64)) for r in records]
    out = layers[-1].output
    if m.classes is not None:
        prediction = m.classes[int(np.argmax(out))]
    elif m.is_classifier:
        prediction = int(np.argmax(out)) if len(out) > 1 else int(out[0] > 0.5)
    elif m.y_mean is not None:
        prediction = (out * m.y_scale + m.y_mean).tolist()
    else:
        prediction = out.tolist()
    return Trace(records[0].input.data[0].astype(np.float64), layers, prediction)


def explain(model: Any, neuron: str, x: Any) -> Explanation:
    """One neuron's arithmetic on one input: products wᵢ·aᵢ, their sum, the bias, z, f(z).

    ``a`` is the layer's own input for ``x`` (the previous layer's outputs), found
    by a forward pass; the arithmetic is :meth:`neuronkit.layers.NeuronView.explain`.

    >>> import neuronkit as nk
    >>> net = nk.Sequential(nk.Dense(2, 1, activation="relu", seed=0))
    >>> net["output"].weight.data[:] = [[0.8, 0.6]]; net["output"].bias.data[:] = [0.2]
    >>> print(nk.inspect.explain(net, "output[0]", [0.5, 0.3]))  # doctest: +ELLIPSIS
    output[0] (relu) on input x = [0.5, 0.3]
      1. products     w1·x1 = 0.8 × 0.5 = 0.4
    ...
      5. output       0.78
    """
    m = InspectedModel(model)
    layer_name, layer, index = m.neuron(neuron)
    x = m.check_sample(x)
    records = m.records(x[None, :])
    layer_input = records[m.layer_index(layer_name)].input.data[0]
    return layer.neurons[index].explain(layer_input)


@dataclass(frozen=True)
class Backprop:
    r"""The chain-rule terms for one neuron's weights on one sample (see the module docstring).

    Fields: ``neuron``; ``loss`` (name) and ``loss_value``; ``inputs`` aᵢ (= ∂z/∂wᵢ);
    ``weights``; ``z``; ``output``; ``dL_dout`` (∂L/∂out) and ``dout_dz`` (f'(z)),
    both None where the training graph gives δ directly (a softmax layer, whose
    outputs mix all its neurons, or an output layer whose activation the loss
    contains, e.g. sigmoid with bce); ``delta`` (∂L/∂z); ``weight_grads`` (δ·aᵢ); ``bias_grad`` (δ);
    ``engine_weight_grads`` and ``engine_bias_grad`` (what ``loss.backward()``
    puts in ``.grad``); ``max_error`` between the two. ``str()`` renders it for learners.

    Examples
    --------
    The chain rule :math:`\partial L / \partial w_i = \delta\, a_i` with
    :math:`\delta = \partial L / \partial z`, checked against the engine's gradient:

    >>> import numpy as np
    >>> import neuronkit as nk
    >>> net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    >>> net["hidden1"].bias.data[0] = -100.0
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> b = nk.inspect.backprop(net, [1.0, 0.0], 1, neuron="hidden1[1]")
    >>> b.max_error <= b.tolerance
    True
    >>> bool(np.allclose(b.weight_grads, b.delta * b.inputs))
    True
    """

    neuron: str
    activation: str
    loss: str
    loss_value: float
    inputs: np.ndarray
    weights: np.ndarray
    z: float
    output: float
    dL_dout: float | None
    dout_dz: float | None
    delta: float
    weight_grads: np.ndarray
    bias_grad: float
    engine_weight_grads: np.ndarray
    engine_bias_grad: float
    max_error: float
    tolerance: float

    @property
    def matches_engine(self) -> bool:
        """True if δ·aᵢ and δ equal the engine's gradients within ``tolerance`` (float32 rounding)."""
        return self.max_error <= self.tolerance

    def to_dict(self) -> dict[str, Any]:
        return {"neuron": self.neuron, "activation": self.activation, "loss": self.loss,
                "loss_value": self.loss_value, "inputs": self.inputs.tolist(), "weights": self.weights.tolist(),
                "z": self.z, "output": self.output, "dL_dout": self.dL_dout, "dout_dz": self.dout_dz,
                "delta": self.delta, "weight_grads": self.weight_grads.tolist(), "bias_grad": self.bias_grad,
                "engine_weight_grads": self.engine_weight_grads.tolist(), "engine_bias_grad": self.engine_bias_grad,
                "max_error": self.max_error, "matches_engine": self.matches_engine}

    def render(self, max_inputs: int = 12) -> str:
        """The text of ``str()``; shows the ``max_inputs`` weights with the largest ``|∂L/∂wᵢ|``."""
        f = lambda v: _fmt(v, 5)  # noqa: E731
        lines = [f"backprop through {self.neuron} ({self.activation}) on one sample; "
                 f"loss {self.loss} = {f(self.loss_value)}",
                 f"  forward      z = Σ wᵢ·aᵢ + b = {f(self.z)},  out = {self.activation}(z) = {f(self.output)}"]
        if self.dL_dout is not None and self.dout_dz is not None:
            lines += [f"  1. ∂L/∂out   = {f(self.dL_dout)}   (how the loss moves with this neuron's output; "
                      "backpropagated from the layers above)",
                      f"  2. ∂out/∂z   = {self.activation}'(z) = {f(self.dout_dz)}   (the activation's slope at z)",
                      f"  3. δ = ∂L/∂z = ∂L/∂out · ∂out/∂z = {f(self.dL_dout)} × {f(self.dout_dz)} = {f(self.delta)}"]
        else:
            why = ("softmax couples the layer's neurons, so δ comes from the whole layer; with cross-entropy "
                   "δ = p - onehot(y)") if self.activation == "softmax" else (
                   f"the {self.loss} loss takes the potential z and contains the {self.activation}; δ = p - y")
            lines.append(f"  1-3. δ = ∂L/∂z = {f(self.delta)}   ({why})")
        lines.append("  4. ∂z/∂wᵢ = aᵢ (the input on that weight), so ∂L/∂wᵢ = δ · aᵢ:")
        order = np.argsort(-np.abs(self.weight_grads), kind="stable")[:max_inputs]
        for i in sorted(order):
            lines.append(f"       w{i + 1}: {f(self.delta)} × {f(self.inputs[i])} = {f(self.weight_grads[i])}")
        hidden = len(self.weight_grads) - len(order)
        if hidden:
            lines.append(f"       … {hidden} more with smaller |∂L/∂wᵢ| (all in .weight_grads)")
        lines.append(f"     ∂L/∂b = δ = {f(self.bias_grad)}")
        verdict = "matches" if self.matches_engine else "DOES NOT match"
        lines.append(f"  check: {verdict} the engine's loss.backward() (max |difference| {self.max_error:.2g})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def backprop(model: Any, x: Any, y: Any, neuron: str) -> Backprop:
    """The chain rule for ``neuron``'s weights on one sample ``(x, y)``, checked against the engine.

    The loss is the network's training loss (cross-entropy from the logits for a
    softmax head, binary cross-entropy for one sigmoid neuron, else mean squared
    error), without any L2 penalty. ``∂L/∂out`` is found by making the neuron's
    layer output a leaf of a fresh graph; ``f'(z)`` by differentiating the
    activation at ``z``; the products are then compared with the ``.grad`` that a
    full ``loss.backward()`` leaves on the layer's weights (the model's existing
    ``.grad`` values are restored afterwards). Tolerance: ``1e-5 · (1 + max |grad|)``
    for float32 networks, 1e-10 · (…) for float64.

    >>> import neuronkit as nk
    >>> net = nk.mlp([3, 4, 1], activation="sigmoid", seed=0)
    >>> b = nk.inspect.backprop(net, [1.0, 2.0, 3.0], [0.5], "hidden1[2]")
    >>> bool(abs(b.delta - b.dL_dout * b.dout_dz) < 1e-6), bool(b.matches_engine)
    (True, True)
    """
    m = InspectedModel(model)
    layer_name, layer, j = m.neuron(neuron)
    x = m.check_sample(x)
    target = m.encode_targets(np.asarray(y)[None, ...], 1)
    loss_fn = m.loss()
    net = m.network
    pos = m.layer_index(layer_name)
    is_last = pos == len(net.layers) - 1
    # a softmax output mixes the layer's neurons, and a loss that contains the output activation takes
    # the potentials: either way δ = ∂L/∂z is the term the training graph has, not ∂L/∂out · f'(z)
    direct = layer.activation.name == "softmax" or (is_last and loss_fn.output_activation == layer.activation.name)
    dtype = layer.weight.dtype

    def loss_of(out: Tensor, z: Tensor) -> Tensor:
        after = forward(net, out, start=pos + 1)
        pred = m.loss_input(after, loss_fn) if after else (z if direct else out)
        return loss_fn(pred, target)

    with eval_mode(net), preserved_grads(net):
        records = m.records(x[None, :])
        rec = records[pos]
        a = rec.input.data[0].astype(np.float64)
        z_all = rec.potentials.data
        with no_grad():
            out_all = layer.activation(Tensor(z_all)).data
        dL_dout = dout_dz = None
        if not direct:  # ∂L/∂out: the layer's outputs as a leaf of a fresh graph for the layers above
            out_leaf = Tensor(out_all.copy(), requires_grad=True)
            loss_of(out_leaf, Tensor(z_all)).backward()
            dL_dout = float(grad_of(out_leaf)[0, j])
            zj = Tensor(np.full((1, layer.out_features), z_all[0, j], dtype=dtype), requires_grad=True)
            layer.activation(zj)[0, j].backward()  # a full-width row: per-neuron parameters (prelu) line up
            dout_dz = float(grad_of(zj)[0, j])
        z_leaf = Tensor(z_all.copy(), requires_grad=True)
        loss_z = loss_of(layer.activation(z_leaf), z_leaf)
        loss_value = float(loss_z.data)
        loss_z.backward()
        delta = float(grad_of(z_leaf)[0, j])
        with preserved_grads(net):  # the engine's own gradient on the layer's parameters, from fresh .grad
            _, net_in = m.input_tensor(x[None, :], requires_grad=False)
            full = forward(net, net_in)
            loss_fn(m.loss_input(full, loss_fn), target).backward()
            engine_w = grad_of(layer.weight)[j].astype(np.float64)
            engine_b = float(layer.bias.grad[j]) if layer.bias is not None and layer.bias.grad is not None else 0.0
    weight_grads = delta * a
    error = float(max(np.max(np.abs(weight_grads - engine_w)), abs(delta - engine_b) if layer.bias is not None
                      else 0.0))
    scale = 1.0 + float(max(np.max(np.abs(engine_w)), abs(engine_b)))
    tolerance = (1e-5 if dtype == np.float32 else 1e-10) * scale
    return Backprop(neuron=f"{layer_name}[{j}]", activation=layer.activation.name, loss=loss_fn.name,
                    loss_value=loss_value, inputs=a, weights=layer.weight.data[j].astype(np.float64),
                    z=float(z_all[0, j]), output=float(out_all[0, j]), dL_dout=dL_dout, dout_dz=dout_dz,
                    delta=delta, weight_grads=weight_grads, bias_grad=delta, engine_weight_grads=engine_w,
                    engine_bias_grad=engine_b, max_error=error, tolerance=tolerance)


__all__ = ["Backprop", "LayerTrace", "NeuronTrace", "Trace", "backprop", "explain", "trace"]
