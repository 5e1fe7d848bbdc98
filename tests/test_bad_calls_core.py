"""Bad calls to the public entry points of the core (activations, initialisers, losses, metrics,
neurons, layers, networks), one row each: (callable, args, builtin exception, message fragment).

Every row must raise a :class:`~neuronkit.errors.NeuronkitError` that is also the builtin a
Python user would catch (``ValueError``, ``TypeError``, ``KeyError``, ``IndexError``,
``AttributeError``), with a message naming what was wrong: never a raw ``KeyError``, an
``IndexError`` from a list, an ``AttributeError`` or a NumPy message.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import init, metrics
from neuronkit.errors import NeuronkitError
from neuronkit.layers import Module, layer_from_config, register_layer

NET = nk.mlp([3, 4, 2], seed=0)
DENSE = nk.Dense(3, 2, seed=0, name="h")
NO_BIAS = nk.Dense(3, 2, bias=False, seed=0, name="nb")
RNG = np.random.default_rng(0)
LOGITS = nk.Tensor(np.zeros((2, 3)))


class Kw(dict):
    """Keyword arguments, as the last entry of a row's args."""


def call(method, *args):
    """A bound method, called later (the row's callable)."""
    return method(*args)


ROWS = [
    # ---------------------------------------------------------------- activations
    (nk.get_activation, ({"alpha": 1},), ValueError, "activation must be a dict with a 'name' key"),
    (nk.get_activation, (5,), TypeError, "activation must be a name, an Activation or a function"),
    (nk.get_activation, ("rleu",), ValueError, "unknown activation 'rleu'; valid names are: identity"),
    (nk.get_activation, ({"name": "elu", "alpha": "x"},), TypeError, "ELU alpha must be a finite number; got 'x'"),
    (nk.get_activation, ("leaky_relu", Kw(slope=0.1)), TypeError, "has no option 'slope'"),
    (nk.get_activation, ("softplus", Kw(beta=-1)), ValueError, "Softplus beta must be a finite number > 0"),
    (nk.get_activation("relu"), ("abc",), ValueError, "activation 'relu': z must be a numeric array"),
    (nk.get_activation("softmax"), (nk.Tensor(5.0),), ValueError, "got a single value, shape (). Use 'sigmoid'"),
    (nk.get_activation(lambda z: z.data), (nk.Tensor([1.0]),), TypeError, "must return a neuronkit Tensor"),
    (call, (nk.get_activation(lambda z: z).config,), ValueError, "cannot be saved in a model file"),
    (nk.activations.register, ("fn", abs), TypeError, "cls must be an Activation subclass"),
    # ---------------------------------------------------------------- initialisers
    (init.get_initializer, (5,), TypeError, "init must be a name or a function"),
    (init.get_initializer, ("he-normall",), ValueError, "did you mean 'he_normal'?"),
    (init.get_initializer, ("normal", Kw(sigma=1)), TypeError, "initializer 'normal' has no option 'sigma'"),
    (init.get_initializer("he_normal"), ("ab", RNG), TypeError, "shape must be a tuple of sizes"),
    (init.get_initializer("he_normal"), ((2, 0), RNG), ValueError, "shape[1] must be an integer >= 1; got 0"),
    (init.get_initializer("he_normal"), ((2, 2), None), TypeError, "rng must be a numpy.random.Generator"),
    (init.get_initializer("normal", std=-1), ((2, 2), RNG), ValueError, "normal std must be a finite number >= 0"),
    (init.get_initializer("zeros"), ((2, 2), None, Kw(dtype="int32")), ValueError,
     "dtype must be float32 or float64; got int32"),
    (init.make_rng, ("a",), TypeError, "seed must be an integer >= 0; got 'a'"),
    (init.make_rng, (0, RNG), ValueError, "either seed= or rng=, not both"),
    # ---------------------------------------------------------------- losses
    (nk.get_loss, ({},), ValueError, "loss must be a dict with a 'name' key"),
    (nk.get_loss, (5,), TypeError, "loss must be a name or a Loss"),
    (nk.get_loss, ("mean_square",), ValueError, "unknown loss 'mean_square'"),
    (nk.get_loss, ("mse", Kw(foo=1)), TypeError, "loss 'mse' has no option 'foo'; it takes no options"),
    (nk.get_loss, ("huber", Kw(delta="a")), TypeError, "Huber delta must be a finite number > 0; got 'a'"),
    (nk.get_loss("mse"), (nk.Tensor([1.0, 2.0]), "ab"), ValueError, "loss 'mse': target must be a numeric array"),
    (nk.get_loss("mse"), ("abc", [1.0]), ValueError, "loss 'mse': prediction must be a numeric array"),
    (nk.get_loss("mse"), (nk.Tensor([1.0]), None), TypeError, "loss 'mse': target must be an array of targets"),
    (nk.get_loss("mse"), (nk.Tensor([1.0, 2.0]), [1.0, 2.0, 3.0]), ValueError, "target has shape (3,)"),
    (nk.get_loss("mse"), (nk.Tensor([1.0, 2.0]), [1.0, 2.0], [1.0]), ValueError, "sample weights must have shape"),
    (nk.get_loss("cross_entropy"), (LOGITS, ["a", "b"]), ValueError, "target must be integer class indices"),
    (nk.get_loss("cross_entropy"), (LOGITS, [True, False]), ValueError, "got dtype bool"),
    (nk.get_loss("cross_entropy"), (LOGITS, [np.nan, 1]), ValueError, "with non-integer values"),
    (nk.get_loss("cross_entropy"), (LOGITS, [0, 3]), ValueError, "the logits have 3 columns, one per class"),
    (nk.get_loss("cross_entropy"), (nk.Tensor(np.zeros(3)), [1]), ValueError, "logits of shape (batch, classes)"),
    (nk.get_loss("bce"), (nk.Tensor(np.zeros(2)), [0.0, 2.0]), ValueError, "targets must be probabilities"),
    # ---------------------------------------------------------------- metrics
    (metrics.get_metric, (5,), TypeError, "a metric name must be a string; got 5"),
    (metrics.get_metric, ("accuracyy",), ValueError, "unknown metric 'accuracyy'"),
    (metrics.accuracy, ([0, 1], [0, 1, 1]), ValueError, "y_true has 2 samples but y_pred has 3"),
    (metrics.accuracy, (None, [1]), TypeError, "metric 'accuracy': y_true must be an array of labels; got None"),
    (metrics.balanced_accuracy, ([0, 1], [0]), ValueError, "y_true has 2 samples but y_pred has 1"),
    (metrics.r2, ([0.0, 1.0], [0.0, 1.0, 1.0]), ValueError, "metric 'r2': y_true has 2 samples"),
    (metrics.mse, (["a"], [1.0]), ValueError, "metric 'mse': y_true must be a numeric array"),
    # ---------------------------------------------------------------- a single neuron
    (nk.Neuron, ("abc",), TypeError, "Neuron weights must be a list of numbers; got 'abc'"),
    (nk.Neuron, ([],), ValueError, "weights must be a non-empty 1-D list of numbers; got shape (0,)"),
    (nk.Neuron, ([float("nan")],), ValueError, "Neuron weights must be finite numbers"),
    (nk.Neuron, ([1.0], "a"), TypeError, "Neuron bias must be a finite number; got 'a'"),
    (nk.Neuron, ([1.0], 0.0, "nope"), ValueError, "unknown activation 'nope'"),
    (nk.Neuron([1.0]), (["a"],), ValueError, "Neuron: input must be a numeric array"),
    (nk.Neuron([1.0]), ([1, 2],), ValueError, "the input needs 1 values; got shape (2,)"),
    (nk.neuron.explain_neuron, (np.ones(1), 0.0, nk.get_activation("relu"), [1.0, 2.0]), ValueError,
     "explain_neuron: x must have the weights' shape (1,); got shape (2,)"),
    # ---------------------------------------------------------------- Dense and its neurons
    (nk.Dense, (3, "2"), TypeError, "Dense out_features must be an integer >= 1; got '2'"),
    (nk.Dense, (3, 2, Kw(bias="yes")), TypeError, "Dense bias must be True or False"),
    (nk.Dense, (3, 2, Kw(dtype="abc")), TypeError, "Dense dtype must be float32 or float64; got 'abc'"),
    (nk.Dense, (3, 2, Kw(l1=float("nan"))), ValueError, "Dense l1 must be a finite number >= 0; got nan"),
    (nk.Dense, (3, 2, Kw(name=5)), TypeError, "Dense name must be a string or None; got 5"),
    (nk.Dense, (3, 2, Kw(init=5)), TypeError, "init must be a name or a function"),
    (nk.Dense, (3, 2, Kw(rng=np.random.RandomState(0))), TypeError, "rng must be a numpy.random.Generator"),
    (DENSE, (np.zeros((2, 3, 4)),), ValueError, "layer 'h' expects input of shape (batch, 3) or (3,)"),
    (DENSE.infer, (np.zeros((2, 3, 4)),), ValueError, "got shape (2, 3, 4)"),
    (DENSE, ("abc",), ValueError, "layer 'h': input must be a numeric array"),
    (DENSE, (None,), ValueError, "got shape ()"),
    (operator.getitem, (DENSE.neurons, "a"), TypeError, "layer 'h': neuron index must be an integer in 0..1"),
    (operator.getitem, (DENSE.neurons, 99), IndexError, "layer 'h' has 2 neurons (0..1); got index 99"),
    (setattr, (DENSE.neurons[0], "bias", "a"), TypeError, "neuron h[0] bias must be a finite number"),
    (setattr, (NO_BIAS.neurons[0], "bias", 1.0), ValueError, "layer 'nb' was built with bias=False"),
    (DENSE.neurons[0].explain, ("abc",), ValueError, "neuron h[0]: input must be a numeric array"),
    (DENSE.neurons[0].explain, ([1, 2],), ValueError, "takes one input of shape (3,); got shape (2,)"),
    # ---------------------------------------------------------------- other layers
    (nk.Dropout, ("a",), TypeError, "Dropout p must be a finite number in [0, 1); got 'a'"),
    (nk.Dropout, (1.0,), ValueError, "Dropout p must be a finite number in [0, 1); got 1.0"),
    (nk.Dropout(0.5, seed=0), ("abc",), ValueError, "layer 'Dropout': input must be a numeric array"),
    (nk.BatchNorm, (0,), ValueError, "BatchNorm num_features must be an integer >= 1; got 0"),
    (nk.BatchNorm, (3, Kw(momentum=2)), ValueError, "BatchNorm momentum must be a finite number in [0, 1]"),
    (nk.BatchNorm(3), (np.zeros((1, 3)),), ValueError, "needs batches of at least 2 samples in training"),
    (nk.BatchNorm(3), (np.zeros(3),), ValueError, "got shape (3,)"),  # one sample, in training mode
    (nk.LayerNorm, (3, Kw(eps="a")), TypeError, "LayerNorm eps must be a finite number >= 0; got 'a'"),
    (nk.LayerNorm(3), (np.zeros((2, 4)),), ValueError,
     "layer 'LayerNorm' normalises the last axis of 3 features; got shape (2, 4)"),
    (getattr, (nk.Dropout(), "neurons"), AttributeError, "Dropout has no neurons"),
    # ---------------------------------------------------------------- networks
    (operator.getitem, (NET, 5), IndexError, "this network has 2 layers (0..1); got index 5"),
    (operator.getitem, (NET, "hiden1"), KeyError, "no layer named 'hiden1'; layers are: hidden1, output; did you"),
    (operator.getitem, (NET, 1.5), TypeError, "a layer key must be a layer name or a position (int); got 1.5"),
    (getattr, (NET, "neurons"), AttributeError, "neurons belong to its layers, e.g. net['hidden1'].neurons[0]"),
    (NET, (np.zeros((2, 5)),), ValueError, "layer 'hidden1' expects input of shape (batch, 3)"),
    (NET.infer, (np.zeros((2, 5)),), ValueError, "got shape (2, 5)"),
    (nk.Sequential, (), ValueError, "Sequential needs at least one layer"),
    (nk.Sequential, ([],), ValueError, "Sequential needs at least one layer"),
    (nk.Sequential, (5,), TypeError, "Sequential: item 0 is int, not a layer"),
    (nk.Sequential, ((1, nk.Dense(3, 2, seed=0)), nk.Dense(2, 1, seed=0)), TypeError,
     "Sequential item 0's name must be a string; got 1"),
    (nk.Sequential, (nk.Dense(3, 2, seed=0), nk.Dense(3, 2, seed=0)), ValueError, "takes 3 inputs but the layer"),
    (nk.mlp, (3,), TypeError, "mlp sizes must be a list of layer widths"),
    (nk.mlp, ([3],), ValueError, "mlp sizes must be a list of layer widths"),
    (nk.mlp, (["a", "b"],), TypeError, "mlp sizes[0] must be an integer >= 1; got 'a'"),
    (nk.mlp, ([3, 4, 2], Kw(dropout=2)), ValueError, "mlp dropout must be a finite number in [0, 1)"),
    (nk.mlp, ([3, 4, 2], Kw(batch_norm="x")), TypeError, "mlp batch_norm must be True or False"),
    (NET.train, ("no",), TypeError, "Sequential.train mode must be True or False"),
    (NET.load_state_dict, (5,), TypeError, "load_state_dict state must be a dict of arrays"),
    (NET.load_state_dict, ({},), ValueError, "state does not match the network: missing ["),
    (DENSE.load_state_dict, ({"weight": np.zeros((3, 2)), "bias": np.zeros(2)},), ValueError,
     "state entry 'weight' has shape (3, 2); the network expects (2, 3)"),
    (DENSE.load_state_dict, ({"weight": [["a"] * 3] * 2, "bias": np.zeros(2)},), ValueError,
     "load_state_dict: weight must be a numeric array"),
    # ---------------------------------------------------------------- layer configs (model files)
    (layer_from_config, (5,), TypeError, "a layer config must be a dict with a 'type' key"),
    (layer_from_config, ({},), ValueError, "a layer config must be a dict with a 'type' key naming the layer class"),
    (layer_from_config, ({"type": "Dnese"},), ValueError, "unknown layer type 'Dnese'; valid names are: Dense"),
    (layer_from_config, ({"type": None},), TypeError, "a layer type name must be a string; got None"),
    (layer_from_config, ({"type": "Dense"},), ValueError, "layer type 'Dense' needs 'in_features', 'out_features'"),
    (layer_from_config, ({"type": "Dense", "in_features": 2, "out_features": 2, "foo": 1},), TypeError,
     "layer type 'Dense' has no option 'foo'"),
    (layer_from_config, ({"type": "Sequential"},), ValueError, "a Sequential config must be"),
    (register_layer, (5,), TypeError, "register_layer's argument must be a Module subclass"),
    (register_layer, (int,), TypeError, "register_layer's argument must be a Module subclass"),
]


def _split(args: tuple) -> tuple[tuple, dict]:
    return (args[:-1], dict(args[-1])) if args and isinstance(args[-1], Kw) else (args, {})


def _id(row: tuple) -> str:
    fn, args, error, fragment = row
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{name}-{fragment[:40]}"


@pytest.mark.parametrize(("fn", "args", "error", "fragment"), ROWS, ids=[_id(r) for r in ROWS])
def test_bad_call(fn, args, error, fragment):
    positional, keywords = _split(args)
    with pytest.raises(NeuronkitError) as info:
        fn(*positional, **keywords)
    assert isinstance(info.value, error), f"{type(info.value).__name__} is not a {error.__name__}"
    assert fragment in str(info.value), str(info.value)


def test_a_layer_subclass_that_forgets_forward_says_so():
    class Half(Module):
        pass

    with pytest.raises(NotImplementedError, match="Half defines no forward"):
        Half()(np.zeros(2))


def test_none_in_an_input_is_refused_not_turned_into_nan():
    import neuronkit as nk
    from neuronkit.errors import DataError
    from neuronkit.validation import check_array

    with pytest.raises(DataError, match=r"holds None at index \(0, 1\)"):
        check_array([[1.0, None]], "X", finite=False)
    with pytest.raises(DataError, match="None"):
        nk.mlp([2, 3, 1], seed=0)([[None, 1.0]])
