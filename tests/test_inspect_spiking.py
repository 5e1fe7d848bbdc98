"""Neuron health and the HTML report for spiking networks: rates, silent and always-firing neurons, synaptic
operations (SynOps) worked by hand, the report's spiking section."""

from __future__ import annotations

import base64
import re
import warnings
from html import escape

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError
from neuronkit.inspect.health import fan_out


def hand_net():
    """2 inputs -> 3 LIF (β 0.9, θ 1) -> 2 LIF, weights chosen so that every spike can be worked out.

    Inputs are 0 or 1, so rate coding fires exactly x at every step (probability 0 or 1).
    spiking1: neuron 0 gets a current of 2 (sample [1, 0]) or 4: it crosses θ at every step (always firing);
    neuron 1 gets -1: never fires (silent); neuron 2 gets 0.5: membranes 0.5, 0.95, 1.355 (spike), then
    0.9·1.355 + 0.5 - 1 = 0.7195: one spike in 4 steps (rate 0.25).
    spiking2: neuron 0 gets 1 from spiking1[0] at every step: 1 (no spike: H(0) = 0), 1.9, 1.71, 1.539: 3
    spikes (0.75); neuron 1 gets nothing: silent.
    """
    net = nk.build("rate(4),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    net["spiking1"].synapse.weight.data[:] = [[2.0, 2.0], [0.0, 0.0], [0.5, 0.0]]
    net["spiking1"].synapse.bias.data[:] = [0.0, -1.0, 0.0]
    net["spiking2"].synapse.weight.data[:] = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    net["spiking2"].synapse.bias.data[:] = 0.0
    return net


X_HAND = np.array([[1.0, 0.0], [1.0, 1.0]])


def test_rates_silent_and_always_firing_neurons_worked_by_hand():
    report = nk.inspect.health(hand_net(), X_HAND)
    first, second = report.layers["spiking1"], report.layers["spiking2"]
    np.testing.assert_array_equal(first.firing_rate, [1.0, 0.0, 0.25])
    np.testing.assert_array_equal(second.firing_rate, [0.75, 0.0])
    assert report.silent == ["spiking1[1]", "spiking2[1]"]
    assert report.always_firing == ["spiking1[0]"]
    assert [p.kind for p in report.problems] == ["silent", "silent", "always_firing"]
    assert report.problems_of("always_firing")[0].neurons == ("spiking1[0]",)
    assert first.model == "LIF" and first.steps == 4 and first.rate_hz is None and first.binary_input


def test_synaptic_operations_worked_by_hand():
    report = nk.inspect.health(hand_net(), X_HAND)
    # spiking1: sample [1, 0] sends 1 spike per step, [1, 1] 2: (4 + 8) spikes over 4 steps, each reaching 3
    # neurons: (12 + 24) / 2 = 18 per sample. spiking2: 4 + 1 input spikes per sample (spiking1[0] and [2]),
    # each reaching 2 neurons: 10. ANN: 2·3 + 3·2 = 12 multiply-accumulates.
    assert report.layers["spiking1"].synops == 18.0 and report.layers["spiking2"].synops == 10.0
    assert report.synops == 28.0 and report.ann_macs == 12
    text = str(report)
    assert "28 synaptic operations per sample" in text and "12 multiply-accumulates" in text and "2.33×" in text
    assert "a rate above 90% of the steps" in text
    data = report.to_dict()
    assert data["spiking"] == {"synops_per_sample": 28.0, "ann_macs_per_sample": 12}
    assert data["layers"]["spiking1"]["neurons"]["spiking1[1]"]["silent"] is True
    assert data["layers"]["spiking1"]["neurons"]["spiking1[2]"]["spikes_per_step"] == 0.25


def test_rates_in_hz_given_the_length_of_a_step():
    report = nk.inspect.health(hand_net(), X_HAND, dt=2.0)  # 2 ms per step: 1 spike per step is 500 Hz
    np.testing.assert_array_equal(report.layers["spiking1"].rate_hz, [500.0, 0.0, 125.0])
    assert "(Hz at 2 ms per step)" in str(report) and "0.250 (125 Hz)" in str(report)
    with pytest.raises(ParameterError, match="health dt must be a finite number > 0; got 0.0"):
        nk.inspect.health(hand_net(), X_HAND, dt=0.0)
    with pytest.raises(ParameterError, match="no spiking layer: leave dt out"):
        nk.inspect.health(nk.mlp([2, 3, 2], seed=0), X_HAND, dt=1.0)


def test_the_always_firing_threshold_is_a_setting():
    report = nk.inspect.health(hand_net(), X_HAND, thresholds={"always_firing_rate": 0.7})
    assert report.always_firing == ["spiking1[0]", "spiking2[0]"]
    assert "more than 70% of the time steps" in report.problems_of("always_firing")[1].message


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (1, 1, 1), (2, 1, 1), (1, 2, 2), (3, 0, 1)])
def test_a_convolution_input_reaches_the_positions_of_its_receptive_fields(stride, padding, dilation):
    layer = nk.spiking.SpikingConv2d(2, 3, 3, stride, padding, dilation, seed=0)
    layer.synapse.weight.data[:] = 1.0
    layer.synapse.bias.data[:] = 0.0
    reach = fan_out(layer, (2, 7, 6))
    for c in range(2):
        for h in range(7):
            for w in range(6):
                one = np.zeros((1, 2, 7, 6), np.float32)
                one[0, c, h, w] = 1.0  # the outputs this pixel takes part in: nonzero where its weight 1 is read
                assert reach[c, h, w] == np.count_nonzero(layer.synapse(one).data)


def test_synaptic_operations_of_a_convolution_worked_by_hand():
    net = nk.build("rate(3),conv(2,3,lif,padding=1),flatten,dense(out,lif)", (1, 4, 4), outputs=2, seed=0)
    report = nk.inspect.health(net, np.ones((2, 1, 4, 4)))
    # a 3x3 kernel with padding 1 on 4 pixels: pixels 0..3 of a row are read by 2, 3, 3, 2 output positions,
    # so the 16 pixels reach (2+3+3+2)² = 100 positions of each of the 2 filters: 200 per step, 600 over 3 steps
    assert report.layers["spiking1"].synops == 600.0
    assert report.layers["spiking1"].macs == 2 * 4 * 4 * 9 and report.layers["spiking1"].unit == "filter"
    spikes = report.layers["spiking2"]
    assert spikes.macs == 32 * 2
    assert report.layers["spiking1"].firing_rate.shape == (2,)  # per filter, over positions


def test_a_membrane_readout_has_no_rates_and_is_not_checked():
    net = nk.build("rate(4),dense(3,lif),dense(out,li)", (2,), outputs=2, seed=0)
    report = nk.inspect.health(net, X_HAND)
    readout = report.layers["spiking2"]
    assert not readout.spikes and not readout.silent.any() and readout.model == "LI"
    assert "LI (membrane)" in str(report)


def test_gradient_norms_of_the_synapses_for_the_spike_loss():
    net = hand_net()
    report = nk.inspect.health(net, X_HAND, [0, 1])
    x = nk.Tensor(np.asarray(X_HAND, np.float32))
    with nk.engine.eval_mode():
        nk.get_loss("rate_cross_entropy")(net(x), np.array([0, 1])).backward()
    for name in ("spiking1", "spiking2"):
        expected = float(np.linalg.norm(net[name].synapse.weight.grad.astype(np.float64)))
        assert report.gradients.norms[name] == pytest.approx(expected, rel=1e-6)


def test_health_of_a_fitted_spiking_estimator(tmp_path):
    data = nk.datasets.load("digits")
    clf = nk.NeuralClassifier(architecture="rate(5),dense(16,lif),dense(out,lif)", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.estimators.ConvergenceWarning)
        clf.fit(data.X[:200], data.targets()[:200])
    report = nk.inspect.health(clf, data.X[200:260] * 2.0, data.targets()[200:260])  # unscaled, beyond training
    assert list(report.layers) == ["spiking1", "spiking2"] and report.layers["spiking1"].n_neurons == 16
    with nk.engine.eval_mode():  # the encoder's evaluation spikes: each reaches the 16 neurons of spiking1
        spikes = clf.network_[0](clf.transform_inputs(data.X[200:260] * 2.0)).data
    assert report.layers["spiking1"].synops == pytest.approx(16 * np.count_nonzero(spikes) / 60, rel=1e-12)
    assert set(report.gradients.norms) == {"spiking1", "spiking2"}


def test_the_html_report_of_a_spiking_network(tmp_path):
    files = nk.inspect.write_report(hand_net(), X_HAND, [0, 1], out_dir=tmp_path, dt=1.0)
    assert sorted(files.images) == ["cost", "membrane", "raster", "rates_spiking1", "rates_spiking2"]
    html = files.html.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="([\w]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert [alt for alt, _ in images] == ["cost", "raster", "membrane", "rates_spiking1", "rates_spiking2"]
    for _, data in images:  # the pictures themselves, embedded: the file stands alone
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<b>28</b> synaptic operations per sample" in html and "<b>12</b> multiply-accumulates" in html
    counted = nk.inspect.cost(hand_net(), X=X_HAND)                 # the cost section counts the same spikes
    assert counted.synops == 28.0 and f"<pre>{escape(str(counted))}</pre>" in html
    assert "a spiking network over T = 4 time steps: 2 spiking layers" in html
    # the health table: spiking1 has rates 1, 0, 0.25 (mean 0.417, median 0.25, max 1), 1 silent, 1 always firing
    assert re.search(r"<td>spiking1</td><td>LIF</td><td>3</td><td>0.417</td><td>0.250</td><td>1.000</td>"
                     r"<td>1</td><td>1</td><td>18</td><td>6</td>", html)
    assert "<td>spiking1[2]</td><td>0.250</td><td>250</td><td></td><td></td>" in html  # a rate in Hz at 1 ms
    assert "<td>spiking2[1]</td><td>0.000</td><td>0</td><td>yes</td><td></td>" in html
    assert '<b>silent</b> in <code>spiking1</code>' in html and '<b>always_firing</b> in <code>spiking1</code>' \
        in html


def test_the_report_of_a_spiking_convolution_has_no_membrane_traces(tmp_path):
    net = nk.build("rate(3),conv(2,3,lif,padding=1),flatten,dense(out,lif)", (1, 4, 4), outputs=2, seed=0)
    files = nk.inspect.write_report(net, np.ones((2, 1, 4, 4)), out_dir=tmp_path)
    assert sorted(files.images) == ["cost", "raster", "rates_spiking1", "rates_spiking2"]
    assert "<b>600</b> synaptic operations" not in files.html.read_text()  # + the dense layer's
    assert files.health.synops == 600.0 + files.health.layers["spiking2"].synops


@pytest.mark.parametrize("call", [
    lambda net: nk.inspect.trace(net, X_HAND[0]),
    lambda net: nk.inspect.attribute(net, X_HAND, target=0),
    lambda net: nk.inspect.top_activating(net, X_HAND, "spiking1[0]"),
    lambda net: nk.inspect.plot_weights(net),
])
def test_functions_for_dense_neurons_refuse_a_spiking_network_saying_what_to_use(call):
    with pytest.raises(ParameterError, match=r"this is a spiking network .* use nk.inspect.health or write_report"):
        call(hand_net())


def test_the_health_monitor_follows_silent_neurons_of_a_spiking_network():
    net = hand_net()
    monitor = nk.inspect.HealthMonitor(X_HAND)
    with pytest.warns(nk.inspect.NeuronHealthWarning) as caught:
        nk.fit(net, X_HAND, [0, 1], loss="rate_cross_entropy", lr=1e-6, epochs=2, batch_size=2, seed=0,
               progress=False, callbacks=[monitor])
    # lr 1e-6: the weights barely move, so the hand-worked neurons stay as they are
    assert monitor.history["silent"] == {"spiking1": [1, 1], "spiking2": [1, 1]}
    assert monitor.history["always_firing"] == {"spiking1": [1, 1], "spiking2": [0, 0]}
    assert monitor.history["grad_norm"]["spiking1"][0] > 0
    messages = [str(w.message) for w in caught]
    assert sum("silent in spiking1" in m for m in messages) == 1  # warned once, when it first appears
    assert any("always_firing in spiking1" in m for m in messages)
    assert monitor.report().silent == ["spiking1[1]", "spiking2[1]"]
