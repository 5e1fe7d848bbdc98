"""Spiking networks in the architecture spec, in summaries and in model files.

After an encoder (``rate(25)``, ``latency(25)``, ``current(25)``), ``dense``/``conv`` name a neuron
model in their activation position and build spiking layers, and the layers without memory are
applied at each time step; ``spec_of`` writes the line back; a spiking model saves and loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError, UnknownNameError

spiking = nk.spiking
rng = np.random.default_rng(5)


def kinds(net):
    return [(name, type(layer).__name__) for name, layer in net.layers.items()]


def test_the_snn_architecture():
    net = nk.build("snn", input_shape=(64,), outputs=10, seed=0)
    assert nk.ARCHITECTURES.get("snn") == "rate(25),dense(128,lif),dense(out,lif)"
    assert kinds(net) == [("encoder1", "RateEncoder"), ("spiking1", "SpikingDense"), ("spiking2", "SpikingDense")]
    assert net["encoder1"].steps == 25
    assert (net["spiking1"].in_features, net["spiking1"].out_features, net["spiking2"].out_features) == (64, 128, 10)
    for name in ("spiking1", "spiking2"):
        neuron = net[name].neuron
        assert type(neuron).__name__ == "LIF" and neuron.beta == pytest.approx(0.9) and neuron.reset == "subtract"
    out = net(rng.random((3, 64)).astype(np.float32))
    assert out.shape == (25, 3, 10) and set(np.unique(out.data)) <= {0.0, 1.0}
    assert net.output_shape((64,)) == (10,)
    assert nk.spec_of(net) == "rate(25),dense(128,lif),dense(10,lif)"


def test_the_neuron_takes_its_options_and_spec_of_writes_them_back():
    line = "rate(10,gain=0.5),dense(32,lif(beta=0.8,threshold=0.5)),dropout(0.2),dense(4,lif(reset=zero))"
    net = nk.build(line, input_shape=(6,), seed=1)
    assert kinds(net) == [("encoder1", "RateEncoder"), ("spiking1", "SpikingDense"), ("temporal1", "Temporal"),
                          ("spiking2", "SpikingDense")]
    first, last = net["spiking1"].neuron, net["spiking2"].neuron
    assert (first.beta, first.threshold, first.reset) == (pytest.approx(0.8), pytest.approx(0.5), "subtract")
    assert (last.beta, last.reset) == (pytest.approx(0.9), "zero")
    assert type(net["temporal1"].layer).__name__ == "Dropout" and net["temporal1"].layer.p == 0.2
    assert nk.spec_of(net) == line
    again = nk.build(nk.spec_of(net), input_shape=(6,), seed=1)
    assert again.config() == net.config()
    # a dense after an encoder without a neuron is a LIF(beta=0.9) layer
    plain = nk.build("rate(5),dense(3)", input_shape=(2,), seed=0)
    assert type(plain["spiking1"].neuron).__name__ == "LIF" and nk.spec_of(plain) == "rate(5),dense(3,lif)"


def test_a_spiking_convolutional_network():
    line = "rate(8),conv(4,3,lif,padding=1),maxpool(2),conv(6,3,lif(beta=0.7)),avgpool(2),flatten,dense(out,lif)"
    net = nk.build(line, input_shape=(1, 10, 10), outputs=3, seed=2)
    assert kinds(net) == [("encoder1", "RateEncoder"), ("spiking1", "SpikingConv2d"), ("temporal1", "Temporal"),
                          ("spiking2", "SpikingConv2d"), ("temporal2", "Temporal"), ("temporal3", "Temporal"),
                          ("spiking3", "SpikingDense")]
    assert [type(net[n].layer).__name__ for n in ("temporal1", "temporal2", "temporal3")] == \
        ["MaxPool2d", "AvgPool2d", "Flatten"]
    assert (net["spiking2"].in_channels, net["spiking3"].in_features) == (4, 6 * 1 * 1)  # 10 -> 5 -> 3 -> 1
    x = rng.random((2, 1, 10, 10)).astype(np.float32)
    assert net(x).shape == (8, 2, 3)
    assert nk.spec_of(net) == line.replace("dense(out,lif)", "dense(3,lif)")
    summary = net.summary((1, 10, 10))
    shapes = {r["layer"]: r["output_shape"] for r in summary.rows}
    assert shapes == {"input": (1, 10, 10), "encoder1": (8, 1, 10, 10), "spiking1": (8, 4, 10, 10),
                      "temporal1": (8, 4, 5, 5), "spiking2": (8, 6, 3, 3), "temporal2": (8, 6, 1, 1),
                      "temporal3": (8, 6), "spiking3": (8, 3)}
    text = str(summary)
    assert "SpikingConv2d        4        LIF" in text and "8 × 4 × 10 × 10" in text
    assert [r["kind"] for r in summary.rows][3:6] == ["Temporal(MaxPool2d)", "SpikingConv2d", "Temporal(AvgPool2d)"]
    assert "stand for the" in text  # the dense-equivalent note, for the spiking convolution too


def test_the_other_encoders_and_the_json_form():
    latency = nk.build("latency(12,tau=3.0),dense(4,lif)", input_shape=(5,), seed=0)
    current = nk.build("current(7),dense(4,lif)", input_shape=(5,), seed=0)
    assert kinds(latency)[0] == ("encoder1", "LatencyEncoder") and latency["encoder1"].tau == 3.0
    assert kinds(current)[0] == ("encoder1", "CurrentEncoder") and current["encoder1"].steps == 7
    assert nk.spec_of(latency) == "latency(12,tau=3.0),dense(4,lif)"
    as_json = json.dumps([{"layer": "rate", "steps": 4}, {"layer": "dense", "out_features": 3, "activation": "lif"}])
    net = nk.build(as_json, input_shape=(2,), seed=0)
    assert kinds(net) == [("encoder1", "RateEncoder"), ("spiking1", "SpikingDense")]
    assert nk.layers.parse_spec("rate(25),dense(10,lif(beta=0.8))") == [
        {"layer": "rate", "steps": 25}, {"layer": "dense", "out_features": 10,
                                         "activation": {"name": "lif", "beta": 0.8}}]


@pytest.mark.parametrize("line, shape, error, message", [
    ("dense(8,lif),dense(2)", (4,), ParameterError,
     r"dense\(8,lif\) at token 1 \(col 1\): lif is a spiking neuron model: spiking layers take spikes over time, so "
     r"an encoder must come first, e.g. rate\(25\),dense\(128,lif\)"),
    ("rate(5),dense(8,relu)", (4,), ParameterError,
     r"dense\(8,relu\) at token 2 \(col 9\): after an encoder, dense builds a spiking layer: its activation position "
     r"names a spiking neuron model \(lif, lif\(beta=0.8\), ...\); got 'relu'"),
    ("rate(5),batchnorm,dense(2,lif)", (4,), ParameterError,
     r"batchnorm at token 2 \(col 9\): batchnorm cannot follow an encoder: the layers after it work on spikes over "
     r"time"),
    ("dense(4),rate(5),dense(2,lif)", (4,), ParameterError,
     r"rate\(5\) at token 2 \(col 10\): an encoder turns the data into spikes over time, so it must be the first "
     r"layer"),
    ("rate(5),current(5),dense(2,lif)", (4,), ParameterError, r"current\(5\) at token 2.*a network has one encoder"),
    ("rate(5),conv(4,3,lif)", (4,), ShapeError, r"conv after an encoder takes images \(C, H, W\) at each time step"),
    ("rate(5),dense(4,lif(bta=0.8))", (4,), ParameterTypeError, r"dense\(4,lif\(bta=0.8\)\) at token 2.*bta"),
    ("rate(0),dense(4,lif)", (4,), ParameterError, r"rate\(0\) at token 1 \(col 1\): RateEncoder steps must be"),
    ("rate(5),dense(4,lif(beta=1.5))", (4,), ParameterError, r"at token 2.*beta"),
])
def test_bad_spiking_specs_are_refused_with_their_position(line, shape, error, message):
    with pytest.raises(error, match=message):
        nk.build(line, input_shape=shape, seed=0)


def test_an_unknown_neuron_name_is_not_taken_for_an_activation():
    with pytest.raises(UnknownNameError, match="lfi"):
        nk.build("rate(5),dense(4,lfi)", input_shape=(3,), seed=0)


# ------------------------------------------------------------------ model files
def _trained_like(net):
    """Make the weights differ from any fresh initialisation, so a load that re-initialised would show."""
    for p in net.parameters():
        p.data[...] = rng.normal(0, 0.5, p.shape).astype(p.dtype)
    return net


def test_a_spiking_model_saves_and_loads(tmp_path):
    # (a learnt β per neuron: a learnt scalar, shape (), comes back from a model file as (1,), see the report)
    net = _trained_like(nk.build("rate(6),dense(3,lif(beta=(0.8,0.85,0.9),learn_beta=true)),dense(out,lif)",
                                 input_shape=(5,), outputs=3, seed=4))
    assert [name for name, _ in net.named_parameters()] == [
        "spiking1.synapse.weight", "spiking1.synapse.bias", "spiking1.neuron.beta", "spiking2.synapse.weight",
        "spiking2.synapse.bias"]
    x = rng.random((4, 5)).astype(np.float32)
    path = tmp_path / "snn.nkm"
    nk.save(net, path)
    loaded = nk.load(path)
    assert loaded.config() == net.config() and nk.spec_of(loaded) == nk.spec_of(net)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value)
    with nk.eval_mode():  # the rate encoder draws the same spikes in eval mode
        np.testing.assert_array_equal(loaded(x).data, net(x).data)
        assert 0 < net(x).data.mean() < 1


def test_a_spiking_model_file_loads_in_a_fresh_process(tmp_path):
    """A process that never imported nk.spiking loads it when the file names its layer types."""
    net = _trained_like(nk.build("rate(5),conv(2,3,lif),maxpool(2),flatten,dense(out,lif)", input_shape=(1, 6, 6),
                                 outputs=2, seed=6))
    x = rng.random((3, 1, 6, 6)).astype(np.float32)
    nk.save(net, tmp_path / "snn.nkm")
    np.save(tmp_path / "x.npy", x)
    with nk.eval_mode():
        expected = net(x).data
    code = ("import sys, numpy as np, neuronkit as nk\n"
            "assert 'neuronkit.spiking' not in sys.modules\n"
            f"net = nk.load({str(tmp_path / 'snn.nkm')!r})\n"
            "with nk.eval_mode():\n"
            f"    np.save({str(tmp_path / 'out.npy')!r}, net(np.load({str(tmp_path / 'x.npy')!r})).data)\n")
    src = str(Path(nk.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
