"""Errors at the public boundary: one test per message.

Each message names the parameter (or the layer), the value received and what is
allowed; shape errors name the layer and both shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.activations import available as activation_names
from neuronkit.init import available as init_names
from neuronkit.init import make_rng
from neuronkit.losses import available as loss_names


def message(exc_type, fn, *args, **kwargs) -> str:
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    return str(info.value)


# ----------------------------------------------------------------------- shapes


def test_wrong_input_shape_names_the_layer_and_both_shapes():
    net = nk.Sequential(nk.Dense(4, 3, seed=0), nk.Dense(3, 2, seed=1))
    text = message(ValueError, net, np.zeros((5, 3)))
    assert "layer 'hidden1'" in text
    assert "(batch, 4) or (4,)" in text and "got shape (5, 3)" in text


def test_wrong_input_shape_of_a_layer_outside_a_network_names_its_kind():
    text = message(ValueError, nk.Dense(4, 3, seed=0), np.zeros(7))
    assert "layer 'Dense'" in text and "(batch, 4)" in text and "got shape (7,)" in text


def test_non_numeric_input():
    text = message(nk.errors.DataError, nk.Dense(2, 1, seed=0), [["a", "b"]])
    assert "layer 'Dense'" in text and "numeric" in text


def test_layers_that_do_not_chain():
    text = message(ValueError, nk.Sequential, nk.Dense(4, 3, seed=0), nk.Dense(5, 2, seed=1))
    assert "layer 'output' takes 5 inputs" in text and "'hidden1') has 3 neurons" in text


def test_neuron_with_wrong_length_input():
    text = message(ValueError, nk.Neuron(weights=[0.8, 0.6], bias=0.2), [0.5, 0.3, 0.1])
    assert "2 weights" in text and "needs 2 values" in text and "got shape (3,)" in text


def test_neuron_view_with_wrong_length_input():
    net = nk.Sequential(nk.Dense(3, 2, seed=0))
    text = message(ValueError, net["output"].neurons[1].explain, [1.0, 2.0])
    assert "neuron output[1]" in text and "shape (3,)" in text and "got shape (2,)" in text


def test_neuron_index_out_of_range():
    text = message(IndexError, nk.Dense(3, 4, seed=0, name="h").neurons.__getitem__, 4)
    assert "layer 'h' has 4 neurons (0..3)" in text and "got index 4" in text


def test_loss_shape_mismatch():
    text = message(ValueError, nk.get_loss("mse"), nk.Tensor(np.zeros((4, 2))), np.zeros((4, 3)))
    assert "loss 'mse'" in text and "target has shape (4, 3)" in text and "prediction has shape (4, 2)" in text


def test_cross_entropy_target_shape():
    text = message(ValueError, nk.get_loss("cross_entropy"), nk.Tensor(np.zeros((4, 3))), [0, 1])
    assert "one integer class per sample, shape (4,)" in text and "got shape (2,)" in text


def test_backward_without_argument_on_a_non_scalar():
    x = nk.Tensor([1.0, 2.0], requires_grad=True)
    text = message(ValueError, (x * 2.0).backward)
    assert "single-value tensor" in text and "got shape (2,)" in text and ".sum()" in text


def test_backward_with_a_gradient_of_the_wrong_shape():
    x = nk.Tensor([1.0, 2.0], requires_grad=True)
    text = message(ValueError, (x * 2.0).backward, np.ones(3))
    assert "shape (3,)" in text and "expected (2,)" in text


# ------------------------------------------------------------- names and values


def test_unknown_activation_lists_the_valid_names():
    text = message(ValueError, nk.Dense, 2, 2, activation="rleu")
    assert "unknown activation 'rleu'" in text
    assert all(name in text for name in activation_names())


def test_unknown_init_lists_the_valid_names():
    text = message(ValueError, nk.Dense, 2, 2, init="kaiming_uniformm")
    assert "unknown initializer 'kaiming_uniformm'" in text
    assert "did you mean 'he_uniform'?" in text  # the name that the alias kaiming_uniform stands for
    assert all(name in text for name in init_names())


def test_unknown_loss_lists_the_valid_names():
    text = message(ValueError, nk.get_loss, "mean_square")
    assert "unknown loss 'mean_square'" in text
    assert all(name in text for name in loss_names())


def test_unknown_activation_option():
    text = message(TypeError, nk.get_activation, "leaky_relu", slope=0.1)
    assert "activation 'leaky_relu'" in text and "'slope'" in text


def test_activation_option_of_the_wrong_kind():
    text = message(TypeError, nk.get_activation, "elu", alpha="big")
    assert "ELU alpha must be a finite number; got 'big'" in text


def test_softplus_beta_must_be_positive():
    text = message(ValueError, nk.get_activation, "softplus", beta=0)
    assert "Softplus beta must be a finite number > 0; got 0" in text


@pytest.mark.parametrize("param", ["in_features", "out_features"])
def test_layer_size_must_be_a_positive_integer(param):
    sizes = {"in_features": 3, "out_features": 2, param: 0}
    text = message(ValueError, nk.Dense, sizes["in_features"], sizes["out_features"])
    assert f"{param} must be an integer >= 1; got 0" in text


def test_layer_size_must_be_an_integer_not_a_float():
    assert "in_features must be an integer >= 1; got 2.5" in message(TypeError, nk.Dense, 2.5, 3)


@pytest.mark.parametrize("param", ["l1", "l2"])
def test_regularisation_must_not_be_negative(param):
    text = message(ValueError, nk.Dense, 3, 2, **{param: -0.01})
    assert f"Dense {param} must be a finite number >= 0; got -0.01" in text


def test_dropout_p_out_of_range():
    text = message(ValueError, nk.Dropout, 1.5)
    assert "Dropout p must be a finite number in [0, 1); got 1.5" in text


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), ("abc", TypeError), (1.5, TypeError), (True, TypeError)])
def test_bad_seed(seed, error):
    text = message(error, nk.Dense, 3, 2, seed=seed)
    assert f"seed must be an integer >= 0; got {seed!r}" in text


def test_seed_and_rng_together():
    text = message(ValueError, make_rng, 0, np.random.default_rng(0))
    assert "either seed= or rng=, not both" in text


def test_rng_must_be_a_generator():
    text = message(TypeError, nk.Dense, 3, 2, rng=np.random.RandomState(0))
    assert "rng must be a numpy.random.Generator; got RandomState" in text and "default_rng" in text


def test_bad_dtype():
    text = message(ValueError, nk.Dense, 3, 2, dtype=np.int32)
    assert "dtype must be float32 or float64; got int32" in text


def test_softmax_on_a_single_neuron():
    text = message(ValueError, nk.Neuron, weights=[1.0, 2.0], activation="softmax")
    assert "activation 'softmax'" in text and "single neuron" in text and "'sigmoid'" in text


def test_softmax_on_a_layer_of_one_neuron():
    text = message(ValueError, nk.Dense, 3, 1, activation="softmax")
    assert "out_features=1 always outputs 1" in text and "'sigmoid'" in text


def test_neuron_weights_must_be_a_non_empty_vector():
    text = message(ValueError, nk.Neuron, weights=[[1.0, 2.0]])
    assert "weights must be a non-empty 1-D list" in text and "got shape (1, 2)" in text


def test_neuron_bias_must_be_finite():
    text = message(ValueError, nk.Neuron, weights=[1.0], bias=float("nan"))
    assert "bias must be a finite number; got nan" in text


def test_cross_entropy_targets_out_of_range():
    text = message(ValueError, nk.get_loss("cross_entropy"), nk.Tensor(np.zeros((3, 4))), [0, 4, 2])
    assert "class indices must be in [0, 4)" in text and "class indices 0..4" in text


def test_cross_entropy_negative_targets():
    text = message(ValueError, nk.get_loss("cross_entropy"), nk.Tensor(np.zeros((2, 4))), [-1, 2])
    assert "class indices must be in [0, 4)" in text and "class indices -1..2" in text


def test_cross_entropy_targets_must_be_integers():
    text = message(ValueError, nk.get_loss("cross_entropy"), nk.Tensor(np.zeros((2, 4))), [0.5, 1.0])
    assert "must be integer class indices" in text and "non-integer values" in text


def test_bce_targets_must_be_probabilities():
    text = message(ValueError, nk.get_loss("bce"), nk.Tensor(np.zeros(3)), [0.0, 2.0, 1.0])
    assert "targets must be probabilities in [0, 1]" in text and "got values from 0 to 2" in text


def test_huber_delta_must_be_positive():
    assert "Huber delta must be a finite number > 0; got -1" in message(ValueError, nk.get_loss, "huber", delta=-1)


def test_unknown_layer_name_lists_the_layers():
    net = nk.mlp([2, 3, 1], seed=0)
    text = message(KeyError, net.__getitem__, "hidden2")
    assert "no layer named 'hidden2'" in text and "hidden1, output" in text


def test_duplicate_layer_names():
    text = message(ValueError, nk.Sequential, ("a", nk.Dense(2, 2, seed=0)), ("a", nk.Dense(2, 2, seed=1)))
    assert "two layers are named 'a'" in text


def test_function_backward_must_return_one_gradient_per_input():
    class TwoInputs(nk.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    out = TwoInputs.apply(nk.Tensor([1.0], requires_grad=True), nk.Tensor([2.0]))
    text = message(ValueError, out.backward)
    assert "TwoInputs.backward returned 1 gradients for 2 inputs" in text


def test_backward_on_a_tensor_that_needs_no_gradient():
    text = message(RuntimeError, nk.Tensor([1.0]).backward)
    assert "does not require grad" in text and "no_grad" in text


def test_power_with_a_tensor_exponent():
    text = message(TypeError, nk.engine.ops.power, nk.Tensor([2.0]), nk.Tensor([3.0]))
    assert "exponent must be a number" in text and "exp(b * log(a))" in text
