"""One artificial neuron, for learners: output = f(w·x + b), with its arithmetic shown.

The worked example of the seed texts (inputs [0.5, 0.3], weights [0.8, 0.6],
bias 0.2, ReLU)::

    >>> import neuronkit as nk
    >>> n = nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")
    >>> n([0.5, 0.3])
    0.78
    >>> print(n.explain([0.5, 0.3]))
    neuron (relu) on input x = [0.5, 0.3]
      1. products     w1·x1 = 0.8 × 0.5 = 0.4
                      w2·x2 = 0.6 × 0.3 = 0.18
      2. sum          Σ wi·xi = 0.4 + 0.18 = 0.58
      3. add bias     z = 0.58 + 0.2 = 0.78   (the activation potential)
      4. activation   relu(z) = max(0, z) = max(0, 0.78) = 0.78
      5. output       0.78

A neuron computes in float64; numbers are shown to 10 significant digits
(7 for float32 layers), which hides binary rounding such as 0.4 + 0.18 =
0.5800000000000001.

:func:`explain_neuron` is the one place the arithmetic is written out: ``Neuron``
and a layer's neuron views (``layer.neurons[i]``) both call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import _html
from .activations import Activation, get_activation
from .engine import Tensor, no_grad
from .errors import ParameterError, ParameterTypeError, ShapeError
from .validation import check_array, check_int, check_number, must_be


def _fmt(value: float, digits: int) -> str:
    text = format(float(value), f".{digits}g")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Explanation:
    """A neuron's computation on one input, as data and as text (``str(explanation)``).

    Fields: ``inputs``, ``weights``, ``products`` (wᵢ·xᵢ), ``weighted_sum``
    (Σ wᵢ·xᵢ), ``bias``, ``z`` (activation potential = weighted_sum + bias),
    ``activation`` (name), ``formula``, ``output``. For a softmax neuron,
    ``layer_z`` holds every potential of its layer (softmax needs them all).

    Examples
    --------
    >>> import neuronkit as nk
    >>> e = nk.Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu").explain([0.5, 0.3])
    >>> e.products, e.weighted_sum, e.z, e.output
    ((0.4, 0.18), 0.5800000000000001, 0.78, 0.78)
    """

    label: str
    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    products: tuple[float, ...]
    weighted_sum: float
    bias: float
    z: float
    activation: str
    formula: str
    output: float
    digits: int = 10
    layer_z: tuple[float, ...] | None = field(default=None)
    #: show only the ``top`` products largest in ``|wᵢ·xᵢ|`` (and a "… N more" line); None: all
    top: int | None = None
    #: the input before scaling (an estimator's scaler), shown next to each scaled xᵢ
    raw_inputs: tuple[float, ...] | None = None
    #: a name per input (feature names), shown next to each xᵢ
    input_names: tuple[str, ...] | None = None
    #: what a learnable activation has become for this neuron (``"dynamic: 71% tanh, 20% relu"``), or None
    drift: str | None = None

    def annotated(self, *, top: int | None = None, raw: Any = None, names: Any = None) -> Explanation:
        """The same explanation, shown with only the ``top`` largest products ``|wᵢ·xᵢ|`` (a "… N more" line
        stands for the rest), the unscaled input ``raw`` next to each scaled xᵢ, and/or the ``names``
        of the inputs. Options left as None keep their current setting.

        >>> e = Neuron([0.1, -2.0, 0.5], bias=0.0).explain([1.0, 1.0, 1.0])
        >>> print(e.annotated(top=2))
        neuron (identity) on input x (3 values; the 2 largest products |wi·xi| shown)
          1. products     w2·x2 = -2 × 1 = -2
                          w3·x3 = 0.5 × 1 = 0.5
                          … 1 more, together 0.1
          2. sum          Σ wi·xi = -1.4
          3. add bias     z = -1.4 + 0 = -1.4   (the activation potential)
          4. activation   identity(z) = z = -1.4
          5. output       -1.4
        """
        n = len(self.inputs)
        owner = f"explanation of {self.label}"
        if top is not None:
            top = check_int(top, "top", low=1, owner=owner)
        raw_values = self.raw_inputs
        if raw is not None:
            arr = check_array(raw, "raw", ndim=None, dtype=np.float64, finite=False, min_samples=0, owner=owner)
            if arr.shape != (n,):
                raise ShapeError(f"{owner}: raw must hold the {n} unscaled input values; got shape {arr.shape}")
            raw_values = tuple(float(v) for v in arr)
        labels = self.input_names
        if names is not None:
            if isinstance(names, (str, bytes)) or not hasattr(names, "__len__") or len(names) != n:
                raise ParameterError(must_be("names", f"a list of {n} input names", names, owner))
            labels = tuple(str(v) for v in names)
        return replace(self, top=self.top if top is None else top, raw_inputs=raw_values, input_names=labels)

    def to_dict(self) -> dict[str, Any]:
        return {"neuron": self.label, "inputs": list(self.inputs), "weights": list(self.weights),
                "products": list(self.products), "weighted_sum": self.weighted_sum, "bias": self.bias,
                "z": self.z, "activation": self.activation, "formula": self.formula, "output": self.output,
                "layer_z": None if self.layer_z is None else list(self.layer_z),
                "raw_inputs": None if self.raw_inputs is None else list(self.raw_inputs),
                "input_names": None if self.input_names is None else list(self.input_names), "drift": self.drift}

    def __str__(self) -> str:
        f = lambda v: _fmt(v, self.digits)  # noqa: E731
        n = len(self.products)
        shown = list(range(n))
        if self.top is not None and self.top < n:  # the largest |wi·xi| first (stable: ties keep input order)
            shown = sorted(shown, key=lambda i: -abs(self.products[i]))[:self.top]
        if len(shown) < n:
            head = (f"{self.label} ({self.activation}) on input x ({n} values; the {len(shown)} largest products "
                    "|wi·xi| shown)")
        else:
            head = f"{self.label} ({self.activation}) on input x = [{', '.join(f(v) for v in self.inputs)}]"
        if self.raw_inputs is not None:
            head += "; x is the scaled input, raw = the value before scaling"
        lines = [head]
        for k, i in enumerate(shown):
            lead = "  1. products     " if k == 0 else " " * 18
            w, x, p = self.weights[i], self.inputs[i], self.products[i]
            lines.append(f"{lead}w{i + 1}·x{i + 1} = {f(w)} × {f(x)} = {f(p)}{self._note(i, f)}")
        if len(shown) < n:
            kept = set(shown)
            rest = sum(p for i, p in enumerate(self.products) if i not in kept)
            lines.append(f"{' ' * 18}… {n - len(shown)} more, together {f(rest)}")
            lines.append(f"  2. sum          Σ wi·xi = {f(self.weighted_sum)}")
        else:
            terms = " + ".join(f(p) for p in self.products) if self.products else "0"
            lines.append(f"  2. sum          Σ wi·xi = {terms} = {f(self.weighted_sum)}")
        lines.append(f"  3. add bias     z = {f(self.weighted_sum)} + {f(self.bias)} = {f(self.z)}"
                     "   (the activation potential)")
        lines.append(f"  4. activation   {self._activation_step(f)}")
        if self.drift is not None:
            lines.append(f"{' ' * 18}(learnt: {self.drift})")
        lines.append(f"  5. output       {f(self.output)}")
        return "\n".join(lines)

    def _note(self, i: int, f: Any) -> str:
        parts = []
        if self.input_names is not None:
            parts.append(self.input_names[i])
        if self.raw_inputs is not None:
            parts.append(f"raw {f(self.raw_inputs[i])}")
        return f"   (x{i + 1}: {', '.join(parts)})" if parts else ""

    def _activation_step(self, f) -> str:
        if self.layer_z is not None:
            zs = ", ".join(f(v) for v in self.layer_z)
            return (f"softmax over the layer's potentials [{zs}]: e^z / Σ e^zj = {f(self.output)}")
        if self.formula == "z":
            return f"{self.activation}(z) = z = {f(self.output)}"
        value = f(self.z)
        shown = f"({value})" if value.startswith("-") else value
        substituted = re.sub(r"\bz\b", shown, self.formula)
        return f"{self.activation}(z) = {self.formula} = {substituted} = {f(self.output)}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython shows the text
        p.text(str(self))

    def _repr_html_(self) -> str:
        """The arithmetic as an HTML table for Jupyter: xᵢ, wᵢ, wᵢ·xᵢ, sum, bias, z, activation, output.

        >>> e = Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu").explain([0.5, 0.3])
        >>> 'z = sum + b</td><td class="nk-num">0.78</td>' in e._repr_html_()
        True
        """
        return _html.explanation_html(self, self._activation_step(lambda v: _fmt(v, self.digits)))


def _check_finite_input(x: np.ndarray, label: str) -> None:
    """Refuse NaN or ±inf in a neuron's input (its output would be a meaningless nan), naming the position."""
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        where = ", ".join(f"x{i + 1} = {x[i]}" for i in bad[:3]) + (", …" if bad.size > 3 else "")
        raise ParameterError(f"{label}: the input must hold finite numbers; got {where}. Replace missing or "
                        "infinite values (e.g. by the feature's mean) before asking the neuron")


def explain_neuron(weights: np.ndarray, bias: float, activation: Activation, x: np.ndarray, *,
                   label: str = "neuron", layer_z: np.ndarray | None = None, index: int = 0,
                   width: int = 1) -> Explanation:
    """The arithmetic of ``f(w·x + b)``, step by step, in ``weights``' dtype (``x`` must be finite).

    Examples
    --------
    >>> import numpy as np
    >>> from neuronkit.activations import ReLU
    >>> from neuronkit.neuron import explain_neuron
    >>> e = explain_neuron(np.array([0.8, 0.6]), 0.2, ReLU(), np.array([0.5, 0.3]))
    >>> e.z, e.output
    (0.78, 0.78)

    A learnable activation shows this neuron's own parameters and what it has become (``drift``):

    >>> from neuronkit.adaptive_activations import Swish
    >>> swish = Swish(init=2.0)
    >>> swish.build(1, np.float64)
    >>> for line in str(explain_neuron(np.array([1.0]), 0.0, swish, np.array([1.0]))).splitlines()[-3:-1]:
    ...     print(line)
      4. activation   swish(z) = z * sigmoid(2 * z) = 1 * sigmoid(2 * 1) = 0.880797078
                      (learnt: swish β=2)
    """
    dtype = np.asarray(weights).dtype
    w = np.asarray(weights, dtype=dtype)
    x = check_array(x, "x", ndim=None, dtype=dtype, finite=False, min_samples=0, owner="explain_neuron")
    if w.ndim != 1 or x.shape != w.shape:
        raise ShapeError(f"explain_neuron: x must have the weights' shape {w.shape}; got shape {x.shape}")
    _check_finite_input(x, label)
    b = dtype.type(bias)
    products = w * x
    weighted_sum = dtype.type(0)
    for p in products:  # in the seeds' order: left to right
        weighted_sum = weighted_sum + p
    z = weighted_sum + b
    with no_grad():
        if layer_z is not None:
            out = activation(Tensor(np.asarray(layer_z, dtype=dtype))).data[index]
        else:
            # a row as wide as the layer, so per-neuron parameters (prelu's slopes) line up with index
            out = activation(Tensor(np.full(width, z, dtype=dtype))).data[index]
    digits = 7 if dtype == np.float32 else 10
    return Explanation(label=label, inputs=tuple(float(v) for v in x), weights=tuple(float(v) for v in w),
                       products=tuple(float(v) for v in products), weighted_sum=float(weighted_sum), bias=float(b),
                       z=float(z), activation=activation.name, formula=activation.neuron_formula(index),
                       output=float(out), digits=digits,
                       layer_z=None if layer_z is None else tuple(float(v) for v in layer_z),
                       drift=activation.describe_neuron(index))


class Neuron:
    """A single neuron: ``output = activation(Σ wᵢ·xᵢ + bias)``, computed in float64.

    Parameters
    ----------
    weights : sequence of float
        One weight per input.
    bias : float
        Added to the weighted sum.
    activation : str, Activation or callable
        Any registered activation except softmax (which needs a whole layer).

    >>> n = Neuron(weights=[0.2, 0.00001], bias=1.0, activation="sigmoid")
    >>> round(n([4, 80]), 6)
    0.858246
    """

    def __init__(self, weights: Any, bias: float = 0.0, activation: Any = "identity") -> None:
        if isinstance(weights, (str, bytes)):
            raise ParameterTypeError(must_be("weights", "a list of numbers", weights, "Neuron"))
        w = check_array(weights, "weights", ndim=None, dtype=np.float64, finite=False, min_samples=0, owner="Neuron")
        if w.ndim != 1 or w.size == 0:
            raise ShapeError(f"Neuron: weights must be a non-empty 1-D list of numbers; got shape {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ParameterError(must_be("weights", "finite numbers", weights, "Neuron"))
        self.weights = w
        self.bias = check_number(bias, "bias", owner="Neuron")
        self.activation = get_activation(activation)
        if self.activation.name == "softmax":
            raise ParameterError("activation 'softmax' normalises over a whole layer and is not defined for a single "
                                 "neuron; use a Dense layer, or 'sigmoid' for one output")
        self.activation.build(1, np.float64)

    def _input(self, x: Any) -> np.ndarray:
        arr = check_array(x, "input", ndim=None, dtype=np.float64, finite=False, min_samples=0, owner="Neuron")
        if arr.shape != self.weights.shape:
            raise ShapeError(f"this neuron has {self.weights.size} weights, so the input needs {self.weights.size} "
                             f"values; got shape {arr.shape}")
        _check_finite_input(arr, "Neuron")
        return arr

    def explain(self, x: Any, *, top: int | None = None, raw: Any = None, names: Any = None) -> Explanation:
        """The arithmetic on input ``x``: products, their sum, the bias, z, the activation, the output.

        ``top``: list only the ``top`` products largest in ``|wᵢ·xᵢ|`` (a "… N more" line for the rest);
        ``raw``: the input before scaling, shown next to each xᵢ; ``names``: a name per input.
        The default (all None) writes out every product. See :meth:`Explanation.annotated`.

        >>> n = Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")
        >>> print(n.explain([0.5, 0.3], names=["sepal", "petal"], raw=[5.1, 1.4]).__str__().splitlines()[1])
          1. products     w1·x1 = 0.8 × 0.5 = 0.4   (x1: sepal, raw 5.1)
        """
        explanation = explain_neuron(self.weights, self.bias, self.activation, self._input(x))
        if top is None and raw is None and names is None:
            return explanation
        return explanation.annotated(top=top, raw=raw, names=names)

    def __call__(self, x: Any) -> float:
        return self.explain(x).output

    def __repr__(self) -> str:
        return (f"Neuron(weights={self.weights.tolist()}, bias={self.bias}, "
                f"activation={self.activation.name!r})")

    def _repr_html_(self) -> str:
        """The neuron as HTML for Jupyter: its weights, bias and activation (``explain(x)`` shows the arithmetic).

        >>> "<td>w2</td>" in Neuron(weights=[0.8, 0.6], bias=0.2, activation="relu")._repr_html_()
        True
        """
        return _html.neuron_html("neuron", self.weights, self.bias, self.activation)
