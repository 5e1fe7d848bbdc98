"""Spiking neuron models: hand-computed traces, the fused loops equal the plain step loops (values and
gradients), truncated BPTT, recording, configs and refusals. snnTorch comparisons: test_spiking_snntorch.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ShapeError, UnknownNameError
from neuronkit.layers import layer_from_config
from neuronkit.spiking import ALIF, LI, LIF, NEURONS, SpikingNeuron, Synaptic, get_neuron, record


def column(*values: float) -> np.ndarray:
    """One neuron, one sample: (T, 1, 1) float64 (so the hand arithmetic is exact to 1e-12)."""
    return np.array(values, dtype=np.float64).reshape(-1, 1, 1)


def run(neuron: SpikingNeuron, currents: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    with record() as rec:
        spikes = neuron(currents)
    return spikes.data.ravel(), {k: v.ravel() for k, v in rec[neuron.name].items()}


F64 = {"dtype": np.float64}


# ------------------------------------------------------------------ hand-computed traces
def test_lif_subtract_trace():
    # beta 0.5, theta 1; I = 1.2, 0.5, 0, 0.9
    # t0: u = 1.2 > 1: spike.  t1: u = 0.5*1.2 + 0.5 - 1 = 0.1.  t2: 0.05.  t3: 0.025 + 0.9 = 0.925
    spikes, rec = run(LIF(beta=0.5, name="n", **F64), column(1.2, 0.5, 0.0, 0.9))
    np.testing.assert_allclose(rec["mem"], [1.2, 0.5 * 1.2 + 0.5 - 1, 0.5 * 0.1, 0.5 * 0.05 + 0.9])
    np.testing.assert_array_equal(spikes, [1, 0, 0, 0])
    np.testing.assert_array_equal(rec["spikes"], spikes)


def test_lif_zero_trace_is_snntorch_leaky():
    # the membrane is zeroed at the step after the spike, then leaks and takes that step's input:
    # t0: 1.2 spike.  t1: 0.5*0 + 0.5 = 0.5.  t2: 0.25.  t3: 0.125 + 0.9 = 1.025 spike
    spikes, rec = run(LIF(beta=0.5, reset="zero", name="n", **F64), column(1.2, 0.5, 0.0, 0.9))
    np.testing.assert_allclose(rec["mem"], [1.2, 0.5, 0.25, 0.125 + 0.9])
    np.testing.assert_array_equal(spikes, [1, 0, 0, 1])


def test_lif_no_reset_trace():
    # t0: 1.2.  t1: 0.6 + 0.5 = 1.1.  t2: 0.55.  t3: 0.275 + 0.9 = 1.175
    spikes, rec = run(LIF(beta=0.5, reset="none", name="n", **F64), column(1.2, 0.5, 0.0, 0.9))
    np.testing.assert_allclose(rec["mem"], [1.2, 1.1, 0.55, 1.175])
    np.testing.assert_array_equal(spikes, [1, 1, 0, 1])


def test_lif_without_reset_delay_resets_in_the_same_step():
    # subtract: t0: p = 1.2 spike, u = 0.2.  t1: 0.1 + 0.5 = 0.6.  t2: 0.3.  t3: 0.15 + 0.9 = 1.05 spike, u = 0.05
    spikes, rec = run(LIF(beta=0.5, reset_delay=False, name="n", **F64), column(1.2, 0.5, 0.0, 0.9))
    np.testing.assert_allclose(rec["mem"], [0.2, 0.6, 0.3, 0.05])
    np.testing.assert_array_equal(spikes, [1, 0, 0, 1])
    # zero: t0: spike, u = 0.  t1: 0.5.  t2: 0.25.  t3: 0.125 + 0.9 = 1.025 spike, u = 0
    spikes, rec = run(LIF(beta=0.5, reset="zero", reset_delay=False, name="n", **F64), column(1.2, 0.5, 0.0, 0.9))
    np.testing.assert_allclose(rec["mem"], [0.0, 0.5, 0.25, 0.0])
    np.testing.assert_array_equal(spikes, [1, 0, 0, 1])


def test_lif_refractory_period():
    # refractory 2 steps (2.0 time units at dt = 1, or 1.0 at dt = 0.5): after the spike at t0 the membrane
    # is held at v_reset = 0 for t1, t2 and takes no input; t3: 0.5*0 + 1.2 spikes again; t4 held
    for neuron in (LIF(beta=0.5, refractory=2.0, name="n", **F64),
                   LIF(beta=0.5, dt=0.5, refractory=1.0, name="n", **F64)):
        assert neuron.refractory_steps == 2
        spikes, rec = run(neuron, column(1.2, 1.2, 1.2, 1.2, 1.2))
        np.testing.assert_allclose(rec["mem"], [1.2, 0.0, 0.0, 1.2, 0.0])
        np.testing.assert_array_equal(spikes, [1, 0, 0, 1, 0])
    # without the reset delay, 1 step: t0 spike u = 0.2; t1 held at 0; t2: 1.2 spike u = 0.2; t3 held; t4 spike
    spikes, rec = run(LIF(beta=0.5, refractory=1.0, reset_delay=False, name="n", **F64), column(*[1.2] * 5))
    np.testing.assert_allclose(rec["mem"], [0.2, 0.0, 0.2, 0.0, 0.2])
    np.testing.assert_array_equal(spikes, [1, 0, 1, 0, 1])


def test_lif_resting_and_reset_potentials():
    neuron = LIF(beta=0.5, v_rest=-0.5, v_reset=-1.0, name="n", **F64)
    # at rest without input the membrane stays at v_rest
    _, rec = run(neuron, column(0.0, 0.0, 0.0))
    np.testing.assert_allclose(rec["mem"], [-0.5, -0.5, -0.5])
    # subtract removes theta - v_reset = 2: t0: -0.5 + 0.5*0 + 2 = 1.5 spike; t1: -0.5 + 0.5*(1.5+0.5) - 2 = -1.5;
    # t2: -0.5 + 0.5*(-1.5+0.5) = -1
    spikes, rec = run(neuron, column(2.0, 0.0, 0.0))
    np.testing.assert_allclose(rec["mem"], [1.5, -1.5, -1.0])
    np.testing.assert_array_equal(spikes, [1, 0, 0])
    # zero: the membrane goes to v_reset = -1, then leaks towards v_rest: -0.5 + 0.5*(-1+0.5) = -0.75, then -0.625
    _, rec = run(LIF(beta=0.5, v_rest=-0.5, v_reset=-1.0, reset="zero", name="n", **F64), column(2.0, 0.0, 0.0))
    np.testing.assert_allclose(rec["mem"], [1.5, -0.75, -0.625])


def test_tau_gives_beta():
    assert LIF(tau=5.0, dt=0.5).beta == pytest.approx(np.exp(-0.1))
    np.testing.assert_allclose(LIF(tau=[1.0, 2.0]).beta, np.exp([-1.0, -0.5]).astype(np.float32))


def test_li_trace():
    # u_t = beta u_{t-1} + I_t: 1, 0.5, 0.25 + 2; with v_rest = 1 (u_{-1} = 1): 1 + 0 + 1 = 2, 1 + 0.5 + 0, 1 + 0.25 + 2
    out, rec = run(LI(beta=0.5, name="n", **F64), column(1.0, 0.0, 2.0))
    np.testing.assert_allclose(out, [1.0, 0.5, 2.25])
    np.testing.assert_array_equal(rec["mem"], out)
    out, _ = run(LI(beta=0.5, v_rest=1.0, name="n", **F64), column(1.0, 0.0, 2.0))
    np.testing.assert_allclose(out, [2.0, 1.5, 3.25])


@pytest.mark.parametrize(("reset", "mem", "spikes"), [
    ("subtract", [1.0, 1.5, 1.75, 1.75 + 0.125 - 1.5], [0, 0, 1, 0]),   # H(0) = 0: 1.5 does not fire
    ("zero", [1.0, 1.5, 1.75, 0.0], [0, 0, 1, 0]),                      # (1.75 + 0.125)(1 - 1)
    ("none", [1.0, 1.5, 1.75, 1.875], [0, 0, 1, 1]),
])
def test_synaptic_traces(reset, mem, spikes):
    # syn: 1, 0.5, 0.25, 0.125 (alpha 0.5); the membrane (beta 1) sums it
    out, rec = run(Synaptic(alpha=0.5, beta=1.0, threshold=1.5, reset=reset, name="n", **F64), column(1, 0, 0, 0))
    np.testing.assert_allclose(rec["syn"], [1.0, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(rec["mem"], mem)
    np.testing.assert_array_equal(out, spikes)


@pytest.mark.parametrize(("reset", "mem", "spikes"), [
    ("subtract", [1.0, 1.5, 1.75 - 1.5, 0.25 + 0.125], [0, 0, 1, 0]),   # reset at the spike: 1.75 - 1.5 at t2
    ("zero", [1.0, 1.5, 0.0, 0.125], [0, 0, 1, 0]),                     # 0 at t2; t3 keeps its input 0.125
    ("none", [1.0, 1.5, 1.75, 1.875], [0, 0, 1, 1]),
])
def test_synaptic_without_reset_delay_traces(reset, mem, spikes):
    # syn: 1, 0.5, 0.25, 0.125; the membrane after the reset is recorded (the delayed zero reset gives 1.75, 0)
    out, rec = run(Synaptic(alpha=0.5, beta=1.0, threshold=1.5, reset=reset, reset_delay=False, name="n", **F64),
                   column(1, 0, 0, 0))
    np.testing.assert_allclose(rec["syn"], [1.0, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(rec["mem"], mem)
    np.testing.assert_array_equal(out, spikes)


def test_alif_trace():
    # beta 0, rho 0.5, a = 1, constant 1.4: t0 spike (theta 1); b: 0, 1, 0.5, 0.25 -> thresholds 1, 2, 1.5, 1.25;
    # subtract removes the baseline 1: u = 1.4, 0.4, 1.4, 1.4 -> spikes at t0 and t3
    spikes, rec = run(ALIF(beta=0.0, rho=0.5, adaptation=1.0, name="n", **F64), column(1.4, 1.4, 1.4, 1.4))
    np.testing.assert_allclose(rec["b"], [0.0, 1.0, 0.5, 0.25])
    np.testing.assert_allclose(rec["mem"], [1.4, 0.4, 1.4, 1.4])
    np.testing.assert_array_equal(spikes, [1, 0, 0, 1])
    # without adaptation it is a LIF
    x = np.random.default_rng(0).normal(0.5, 0.6, size=(9, 2, 3))
    np.testing.assert_array_equal(ALIF(beta=0.7, adaptation=0.0, **F64)(x).data, LIF(beta=0.7, **F64)(x).data)


# ------------------------------------------------------------------ fused == plain loop
_rng = np.random.default_rng(13)
LIF_CASES = {
    "subtract": {},
    "zero": {"reset": "zero"},
    "none": {"reset": "none"},
    "subtract, no delay": {"reset_delay": False},
    "zero, no delay": {"reset": "zero", "reset_delay": False},
    "refractory 2, v_rest, v_reset": {"refractory": 2.0, "v_rest": -0.2, "v_reset": -0.6},
    "refractory 1, zero, no delay": {"refractory": 1.0, "reset": "zero", "reset_delay": False},
    "truncation 3": {"truncation": 3},
    "truncation 2, zero, no delay": {"truncation": 2, "reset": "zero", "reset_delay": False},
    "atan, per-neuron threshold": {"surrogate": "atan", "threshold": [0.7, 1.0, 1.3]},
}


def compare_with_plain_loop(make, x, learnt=()):
    """The fused forward and the plain step loop: same spikes and recorded state, same gradients."""
    results = []
    weights = _rng.uniform(0.5, 1.5, size=x.shape)
    for plain in (False, True):
        neuron = make()
        current = nk.Tensor(x.copy(), requires_grad=True)
        with record() as rec:
            out = SpikingNeuron.forward(neuron, current) if plain else neuron(current)
        (out * weights).sum().backward()
        grads = [current.grad] + [getattr(neuron, name).grad for name in learnt]
        results.append((out.data, rec[neuron.name], grads))
    (fused, fused_rec, fused_grads), (loop, loop_rec, loop_grads) = results
    np.testing.assert_array_equal(fused, loop)
    assert fused.sum() > 0 and (fused == 0).sum() > 0  # some spikes, some silence
    for key, value in loop_rec.items():
        np.testing.assert_allclose(fused_rec[key], value, rtol=1e-12, atol=1e-12, err_msg=key)
    for a, b in zip(fused_grads, loop_grads):
        assert a is not None and b is not None and np.abs(b).max() > 0
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", list(LIF_CASES))
def test_lif_fused_equals_plain_loop(case):
    x = _rng.normal(0.4, 0.7, size=(10, 2, 3))
    options = {"beta": [0.6, 0.8, 0.9], "learn_beta": True, "learn_threshold": True, "name": "n", **F64}
    options.update(LIF_CASES[case])
    compare_with_plain_loop(lambda: LIF(**options), x, ("beta", "threshold"))


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_synaptic_fused_equals_plain_loop(reset):
    x = _rng.normal(0.3, 0.6, size=(10, 2, 3))
    compare_with_plain_loop(lambda: Synaptic(alpha=0.7, beta=[0.6, 0.8, 0.9], reset=reset, learn_alpha=True,
                                             learn_beta=True, learn_threshold=True, truncation=4, name="n", **F64),
                            x, ("alpha", "beta", "threshold"))


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
@pytest.mark.parametrize("truncation", [None, 3])
def test_synaptic_without_reset_delay_fused_equals_plain_loop(reset, truncation):
    x = _rng.normal(0.3, 0.6, size=(10, 2, 3))
    compare_with_plain_loop(lambda: Synaptic(alpha=[0.5, 0.7, 0.9], beta=[0.6, 0.8, 0.9], threshold=[0.8, 1.0, 1.2],
                                             reset=reset, reset_delay=False, learn_alpha=True, learn_beta=True,
                                             learn_threshold=True, truncation=truncation, name="n", **F64),
                            x, ("alpha", "beta", "threshold"))


@pytest.mark.parametrize(("reset", "delay"), [("subtract", True), ("zero", True), ("subtract", False)])
def test_alif_fused_equals_plain_loop(reset, delay):
    x = _rng.normal(0.5, 0.6, size=(10, 2, 3))
    compare_with_plain_loop(lambda: ALIF(beta=[0.6, 0.8, 0.9], rho=0.8, adaptation=0.4, reset=reset, reset_delay=delay,
                                         learn_beta=True, learn_threshold=True, name="n", **F64),
                            x, ("beta", "threshold"))


def test_li_fused_equals_plain_loop():
    x = _rng.normal(size=(8, 2, 3))
    for options in ({}, {"truncation": 3, "v_rest": 0.4}):
        results = []
        for plain in (False, True):
            neuron = LI(beta=[0.3, 0.6, 0.9], learn_beta=True, name="n", **F64, **options)
            current = nk.Tensor(x.copy(), requires_grad=True)
            out = SpikingNeuron.forward(neuron, current) if plain else neuron(current)
            (out * np.linspace(-1, 1, out.size).reshape(out.shape)).sum().backward()
            results.append((out.data, current.grad, neuron.beta.grad))
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_truncation_cuts_the_gradient_to_earlier_steps():
    """With truncation 2, a loss on the last step (T = 6) reaches the currents of steps 4 and 5 only."""
    x = nk.Tensor(np.full((6, 1, 1), 0.1), requires_grad=True)
    out = LI(beta=0.5, truncation=2, **F64)(x)
    out[5].sum().backward()
    np.testing.assert_allclose(x.grad.ravel(), [0, 0, 0, 0, 0.5, 1.0])
    x.grad = None
    LI(beta=0.5, **F64)(x)[5].sum().backward()                     # full BPTT: 0.5^(5-t)
    np.testing.assert_allclose(x.grad.ravel(), 0.5 ** np.arange(5, -1, -1))


def test_a_learnt_beta_is_clipped_to_0_1_as_in_snntorch():
    neuron = LI(beta=0.5, learn_beta=True, **F64)
    neuron.beta.data[...] = 1.3                                    # drifted out of [0, 1] in training
    x = nk.Tensor(np.ones((3, 1, 1)), requires_grad=True)
    out = neuron(x)
    np.testing.assert_allclose(out.data.ravel(), [1.0, 2.0, 3.0])  # beta used as 1
    out.sum().backward()
    assert neuron.beta.grad == 0.0


# ------------------------------------------------------------------ dtype, recording, configs, registry
def test_float32_in_float32_out_and_inputs_converted():
    neuron = LIF(beta=0.9, learn_beta=True)
    out = neuron(np.ones((3, 2, 4)))                                # float64 data: computed in the neuron's float32
    assert out.dtype == np.float32 and neuron.beta.dtype == np.float32
    out.sum().backward()
    assert neuron.beta.grad.dtype == np.float32
    # float64 currents that carry a gradient stay float64; the float32 parameters' gradients stay float32
    for make in (lambda: LIF(beta=0.9, learn_beta=True, learn_threshold=True), lambda: LI(beta=0.9, learn_beta=True),
                 lambda: Synaptic(alpha=0.5, beta=0.9, learn_alpha=True, learn_beta=True, learn_threshold=True)):
        neuron = make()
        x = nk.Tensor(np.full((3, 2, 4), 0.8), requires_grad=True)
        out = neuron(x)
        (out * 2.0).sum().backward()
        assert out.dtype == x.grad.dtype == np.float64
        assert all(p.grad.dtype == np.float32 for p in neuron.parameters())


def test_recording_names_and_shapes():
    net = nk.Sequential([LIF(beta=0.9), LI(beta=0.8)])
    with record() as rec:
        net(np.ones((5, 3, 2), dtype=np.float32))
    names = list(rec)
    assert names == [net[0].name, net[1].name] and len(set(names)) == 2
    assert rec[names[0]]["spikes"].shape == rec[names[0]]["mem"].shape == (5, 3, 2)
    assert set(rec[names[1]]) == {"mem"}


@pytest.mark.parametrize("neuron", [LIF(tau=[2.0, 4.0], dt=0.5, learn_beta=True, refractory=1.5, truncation=5,
                                        surrogate={"name": "atan", "alpha": 3.0}, name="a"),
                                    LI(beta=0.9, name="b"), Synaptic(tau_syn=2.0, beta=0.9, name="c"),
                                    ALIF(beta=0.8, rho=0.9, adaptation=0.5, learn_threshold=True, name="d")],
                         ids=["LIF", "LI", "Synaptic", "ALIF"])
def test_config_round_trip(neuron):
    config = json.loads(json.dumps(neuron.config()))
    clone = layer_from_config(config)
    assert clone.config() == neuron.config() and type(clone) is type(neuron)
    assert get_neuron(config).config() == neuron.config()
    for key, value in vars(neuron).items():
        if isinstance(value, nk.Tensor):
            np.testing.assert_array_equal(getattr(clone, key).data, value.data)


def test_synaptic_reset_delay_is_in_its_config_and_an_old_config_without_it_loads_as_delayed():
    neuron = Synaptic(alpha=0.5, beta=[0.7, 0.9], reset="zero", reset_delay=False, name="cuba")
    config = json.loads(json.dumps(neuron.config()))
    assert config["reset_delay"] is False and layer_from_config(config).reset_delay is False
    assert repr(neuron) == "Synaptic(alpha=0.5, beta=[0.699999988079071, 0.8999999761581421], reset='zero', " \
                           "reset_delay=False)"
    old = {key: value for key, value in config.items() if key != "reset_delay"}  # a file from before the option
    clone = layer_from_config(old)
    assert clone.reset_delay is True and clone.config() == {**config, "reset_delay": True}
    x = np.full((3, 1, 2), 1.2, dtype=np.float32)  # fires at t0; the delayed zero reset drops t1's input
    np.testing.assert_array_equal(clone(x).data[:, 0], [[1, 1], [0, 0], [1, 1]])
    np.testing.assert_array_equal(neuron(x).data[:, 0], [[1, 1], [1, 1], [1, 1]])


def test_synaptic_messages_name_the_class_they_are_raised_for():
    class CurrentLIF(Synaptic):
        pass

    with pytest.raises(ValueError, match=r"^CurrentLIF needs exactly one of alpha .* and tau_syn"):
        CurrentLIF(beta=0.9)
    with pytest.raises(TypeError, match=r"^CurrentLIF reset_delay must be True or False; got 'no'"):
        CurrentLIF(alpha=0.5, beta=0.9, reset_delay="no")
    assert repr(CurrentLIF(alpha=0.5, beta=0.25)) == "CurrentLIF(alpha=0.5, beta=0.25)"


def test_lif_set_threshold_changes_the_spikes_and_the_config():
    neuron = LIF(beta=0.5, name="n", **F64)
    x = column(0.8, 0.8, 0.8, 0.8)                                  # membrane 0.8, 1.2: fires at t1 with θ = 1
    np.testing.assert_array_equal(neuron(x).data.ravel(), [0, 1, 0, 0])
    neuron.set_threshold(0.7)                                       # 0.8 > 0.7: fires at t0, then 0.4 + 0.8 - 1 ...
    np.testing.assert_array_equal(neuron(x).data.ravel(), [1, 0, 1, 0])
    assert neuron.config()["threshold"] == 0.7
    neuron.set_threshold(np.array([0.7, 2.0]))                      # one per neuron
    assert neuron.config()["threshold"] == [0.7, 2.0]
    clone = layer_from_config(json.loads(json.dumps(neuron.config())))
    np.testing.assert_array_equal(clone.threshold, [0.7, 2.0])
    np.testing.assert_array_equal(clone(np.repeat(x, 2, axis=2)).data[:, 0], [[1, 0], [0, 0], [1, 0], [0, 0]])


def test_lif_set_threshold_keeps_a_learnt_parameter_of_the_same_shape():
    neuron = LIF(beta=0.9, threshold=[1.0, 1.0], learn_threshold=True)
    parameter = neuron.threshold
    neuron.set_threshold([0.5, 1.5])
    assert neuron.threshold is parameter and list(neuron.parameters()) == [parameter]
    np.testing.assert_array_equal(parameter.data, np.array([0.5, 1.5], dtype=np.float32))
    neuron.set_threshold([0.5, 1.5, 2.5])                           # another shape: a new Parameter
    assert isinstance(neuron.threshold, nk.Parameter) and neuron.threshold.shape == (3,)
    clone = layer_from_config(neuron.config(), neuron.state_dict())  # what a model file holds loads back
    assert clone.config() == neuron.config()
    np.testing.assert_array_equal(clone.threshold.data, [0.5, 1.5, 2.5])


@pytest.mark.parametrize(("value", "message"), [
    (0.0, r"LIF threshold must be a finite number > 0; got 0"),
    ([1.0, -1.0], r"LIF threshold must be a finite number > 0; got -1"),
    (0.1, r"LIF v_rest must be below the threshold 0.1; got 0.2"),
    ("1", r"LIF threshold must be a finite number > 0; got '1'"),
])
def test_lif_set_threshold_refuses_what_the_constructor_refuses(value, message):
    neuron = LIF(beta=0.9, v_rest=0.2, v_reset=-1.0)
    with pytest.raises((ValueError, TypeError), match=message):
        neuron.set_threshold(value)
    assert neuron.threshold == 1.0 and neuron.config()["threshold"] == 1.0  # unchanged


def test_registry_and_get_neuron():
    assert NEURONS.names()[:4] == ["lif", "li", "synaptic", "alif"]
    neuron = get_neuron("LIF", beta=0.8, reset="zero")
    assert isinstance(neuron, LIF) and neuron.beta == 0.8 and neuron.reset == "zero"
    assert get_neuron(neuron) is neuron
    with pytest.raises(UnknownNameError, match="unknown spiking neuron 'synaptik'.*did you mean 'synaptic'"):
        get_neuron("synaptik")
    with pytest.raises(TypeError, match="spiking neuron 'li' has no option 'threshold'"):
        get_neuron("li", beta=0.5, threshold=1.0)
    with pytest.raises(TypeError, match="neuron must be a name"):
        get_neuron(3)


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: LIF(beta=0.9, threshold=0.0), ValueError, r"LIF threshold must be a finite number > 0; got 0"),
    (lambda: LIF(beta=0.9, threshold=-1), ValueError, r"LIF threshold must be a finite number > 0; got -1"),
    (lambda: LIF(beta=0.9, threshold=[1.0, 0.0]), ValueError, r"LIF threshold must be a finite number > 0; got 0"),
    (lambda: LIF(beta=1.5), ValueError, r"LIF beta must be a finite number in \[0, 1\]; got 1.5"),
    (lambda: LIF(beta=-0.1), ValueError, r"LIF beta must be a finite number in \[0, 1\]; got -0.1"),
    (lambda: LIF(beta=[0.5, 2.0]), ValueError, r"LIF beta must be a finite number in \[0, 1\]; got 2"),
    (lambda: LIF(), ValueError, r"LIF needs exactly one of beta .* and tau .*; got beta=None, tau=None"),
    (lambda: LIF(beta=0.9, tau=3.0), ValueError, r"needs exactly one of beta .*; got beta=0.9, tau=3.0"),
    (lambda: LIF(tau=0.0), ValueError, r"LIF tau must be a finite number > 0; got 0"),
    (lambda: LIF(beta=0.9, dt=0), ValueError, r"LIF dt must be a finite number > 0; got 0"),
    (lambda: LIF(beta=0.9, reset="hard"), ValueError, r"LIF reset must be one of 'subtract', 'zero', 'none'; got "
                                                     r"'hard'"),
    (lambda: LIF(beta=0.9, surrogate="fast_sigmod"), ValueError, r"unknown surrogate gradient 'fast_sigmod'"),
    (lambda: LIF(beta=0.9, v_reset=1.0), ValueError, r"LIF v_reset must be below the threshold 1.0; got 1.0"),
    (lambda: LIF(beta=0.9, refractory=-1.0), ValueError, r"LIF refractory must be a finite number >= 0; got -1"),
    (lambda: LIF(beta=0.9, truncation=0), ValueError, r"LIF truncation must be an integer >= 1; got 0"),
    (lambda: LIF(beta=0.9, learn_beta="yes"), TypeError, r"LIF learn_beta must be True or False; got 'yes'"),
    (lambda: LIF(beta="0.9"), TypeError, r"LIF beta must be a finite number in \[0, 1\]; got '0.9'"),
    (lambda: LIF(beta=[[0.5]]), TypeError, r"LIF beta must be a number or a 1-D list of numbers"),
    (lambda: Synaptic(beta=0.9), ValueError, r"Synaptic needs exactly one of alpha .* and tau_syn"),
    (lambda: ALIF(beta=0.9, rho=1.2), ValueError, r"ALIF rho must be a finite number in \[0, 1\]; got 1.2"),
    (lambda: ALIF(beta=0.9, adaptation=-0.1), ValueError, r"ALIF adaptation must be a finite number >= 0"),
])
def test_bad_parameters_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("neuron", [LIF(beta=0.9, name="lif1"), LI(beta=0.9, name="lif1"),
                                    Synaptic(alpha=0.5, beta=0.9, name="lif1"), ALIF(beta=0.9, name="lif1")],
                         ids=["LIF", "LI", "Synaptic", "ALIF"])
def test_inputs_without_time_or_with_no_steps_are_refused(neuron):
    with pytest.raises(ShapeError, match=r"layer 'lif1' \(\w+\) takes time-major input \(T, batch, \.\.\.\); got "
                                         r"shape \(4,\): put an encoder"):
        neuron(np.ones(4, dtype=np.float32))
    with pytest.raises(ShapeError, match=r"layer 'lif1' \(\w+\) got an input with T = 0 time steps \(shape "
                                         r"\(0, 2, 4\)\); give at least one step"):
        neuron(np.ones((0, 2, 4), dtype=np.float32))
    with pytest.raises(ParameterError, match="T = 0"):                 # the plain loop says the same
        SpikingNeuron.forward(neuron, np.ones((0, 2, 4), dtype=np.float32))
