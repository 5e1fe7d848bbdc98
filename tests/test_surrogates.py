"""Surrogate gradients: each derivative is its smooth function's (finite differences, float64), each
equals snnTorch's where snnTorch defines the same one, and the registry refuses what it does not know."""

from __future__ import annotations

import json

import numpy as np
import pytest
import snntorch.surrogate as snn_surrogate
import torch

import neuronkit as nk
from neuronkit.engine.spiking import spike
from neuronkit.spiking.surrogates import SURROGATES, Custom, Surrogate, Triangle, get_surrogate

# points away from every kink (0 for all; ±width for the triangle)
X = np.concatenate([np.linspace(-3.0, -0.013, 41), np.linspace(0.011, 3.0, 41), [-0.7, 0.45, 0.996, -1.004]])
NAMED = [("fast_sigmoid", {}), ("fast_sigmoid", {"slope": 3.0}), ("atan", {}), ("atan", {"alpha": 0.5}),
         ("triangle", {}), ("triangle", {"width": 0.3}), ("sigmoid", {}), ("sigmoid", {"slope": 2.0}),
         ("straight_through", {})]


@pytest.mark.parametrize(("name", "options"), NAMED)
def test_derivative_is_the_derivative_of_the_smooth_function(name, options):
    s = get_surrogate(name, **options)
    eps = 1e-6
    numeric = (s.function(X + eps) - s.function(X - eps)) / (2 * eps)
    np.testing.assert_allclose(s.derivative(X), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "options"), NAMED)
def test_forward_is_the_step_with_h0_equal_0_and_dtype_kept(name, options):
    s = get_surrogate(name, **options)
    x = np.array([-2.0, -1e-7, 0.0, 1e-7, 5.0], dtype=np.float32)
    out = s(x)
    assert out.dtype == np.float32 and s.derivative(x).dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 1.0, 1.0])


def test_hand_worked_values():
    # fast sigmoid k=25 at x=0.04: 1/(1+1)^2; atan alpha=2 at x=1/pi: 1/(1+1); sigmoid k=25 at 0: 25/4
    assert get_surrogate("fast_sigmoid").derivative(np.array([0.04]))[0] == pytest.approx(0.25)
    assert get_surrogate("atan").derivative(np.array([1 / np.pi]))[0] == pytest.approx(0.5)
    assert get_surrogate("sigmoid").derivative(np.array([0.0]))[0] == pytest.approx(6.25)
    np.testing.assert_allclose(Triangle(width=2.0).derivative(np.array([0.0, 1.0, -1.5, 2.0, -3.0])),
                               [0.5, 0.25, 0.125, 0.0, 0.0])
    # the triangle's smooth function goes from 0 at -w to 1/2 at 0 to 1 at w
    np.testing.assert_allclose(Triangle(width=2.0).function(np.array([-5.0, -2.0, 0.0, 2.0, 5.0])),
                               [0.0, 0.0, 0.5, 1.0, 1.0])


def test_sigmoid_does_not_overflow_far_from_the_threshold():
    s = get_surrogate("sigmoid", slope=25.0)
    d = s.derivative(np.array([-1000.0, 1000.0], dtype=np.float32))  # warnings are errors: exp would overflow
    np.testing.assert_array_equal(d, [0.0, 0.0])


SNNTORCH = [("fast_sigmoid", {"slope": 25.0}, snn_surrogate.fast_sigmoid(slope=25)),
            ("fast_sigmoid", {"slope": 5.0}, snn_surrogate.fast_sigmoid(slope=5)),
            ("atan", {"alpha": 2.0}, snn_surrogate.atan(alpha=2.0)),
            ("atan", {"alpha": 3.5}, snn_surrogate.atan(alpha=3.5)),
            ("sigmoid", {"slope": 25.0}, snn_surrogate.sigmoid(slope=25)),
            ("sigmoid", {"slope": 4.0}, snn_surrogate.sigmoid(slope=4)),
            ("straight_through", {}, snn_surrogate.straight_through_estimator())]


@pytest.mark.parametrize(("name", "options", "reference"), SNNTORCH, ids=[f"{n}{o}" for n, o, _ in SNNTORCH])
def test_gradient_equals_snntorch(name, options, reference):
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 0.5, size=(6, 7)).astype(np.float32)
    g = rng.normal(size=(6, 7)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    out = reference(xt)
    out.backward(torch.tensor(g))
    ours = nk.Tensor(x, requires_grad=True)
    s = spike(ours, get_surrogate(name, **options).derivative)
    s.backward(g)
    np.testing.assert_array_equal(s.data, out.detach().numpy())
    ref = xt.grad.numpy()
    assert np.max(np.abs(ours.grad - ref)) / np.max(np.abs(ref)) <= 1e-5


def test_snntorch_triangular_is_not_a_triangle():
    """Why our triangle is not compared with snnTorch's: its backward is -threshold * sign(x), unbounded support."""
    x = torch.tensor([-2.0, -0.5, 0.5, 2.0], requires_grad=True)
    snn_surrogate.triangular(threshold=1)(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, -1.0, -1.0])
    np.testing.assert_array_equal(get_surrogate("triangle").derivative(x.detach().numpy()), [0.0, 0.5, 0.5, 0.0])


def test_spike_primitive_values_and_gradient():
    x = nk.Tensor(np.array([-0.5, 0.0, 0.2]), requires_grad=True)
    out = spike(x, get_surrogate("fast_sigmoid", slope=5.0).derivative)
    np.testing.assert_array_equal(out.data, [0.0, 0.0, 1.0])
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0 / 3.5 ** 2, 2.0, 3.0 / 4.0])


def test_registry_names_aliases_and_configs():
    assert SURROGATES.names() == ["fast_sigmoid", "atan", "triangle", "sigmoid", "straight_through"]
    assert type(get_surrogate("Fast-Sigmoid")).__name__ == "FastSigmoid"
    assert type(get_surrogate("STE")).__name__ == "StraightThrough"
    for name, options in NAMED:
        s = get_surrogate(name, **options)
        config = json.loads(json.dumps(s.config()))
        assert get_surrogate(config) == s and config["name"] == name
    assert get_surrogate("atan", alpha=3.0) != get_surrogate("atan")


def test_custom_surrogate():
    gauss = Custom(derivative=lambda x: np.exp(-x * x), function=lambda x: np.sqrt(np.pi) / 2 * np.tanh(x))
    np.testing.assert_allclose(gauss.derivative(np.array([0.0, 1.0])), [1.0, np.exp(-1.0)])
    assert isinstance(get_surrogate(lambda x: np.ones_like(x)), Custom)
    assert isinstance(get_surrogate(gauss), Surrogate) and get_surrogate(gauss) is gauss
    with pytest.raises(nk.errors.ParameterError, match="no config to save; use a named one"):
        gauss.config()
    with pytest.raises(nk.errors.ParameterError, match=r"returned shape \(\) for x of shape \(2,\)"):
        Custom(derivative=lambda x: 1.0).derivative(np.zeros(2))
    with pytest.raises(nk.errors.ParameterError, match="was given no function="):
        Custom(derivative=np.ones_like).function(np.zeros(2))
    with pytest.raises(TypeError, match="Custom surrogate derivative must be a function"):
        Custom(derivative=3.0)


def test_bad_surrogates_are_refused_with_the_valid_names():
    with pytest.raises(nk.errors.UnknownNameError, match=r"unknown surrogate gradient 'fast_sigmod'.*"
                                                         r"did you mean 'fast_sigmoid'"):
        get_surrogate("fast_sigmod")
    with pytest.raises(TypeError, match="surrogate gradient 'atan' has no option 'slope'; its options are: alpha"):
        get_surrogate("atan", slope=3.0)
    with pytest.raises(ValueError, match="fast_sigmoid slope must be a finite number > 0; got -1"):
        get_surrogate("fast_sigmoid", slope=-1)
    with pytest.raises(ValueError, match="options .slope. go with a name"):
        get_surrogate(Triangle(), slope=2.0)
    with pytest.raises(ValueError, match="a dict with a 'name' key"):
        get_surrogate({"slope": 2.0})
    with pytest.raises(TypeError, match="surrogate must be a name"):
        get_surrogate(42)
