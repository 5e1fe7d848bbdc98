"""Model files keep 0-d arrays 0-d: a spiking layer's learnt scalar beta and threshold save and load."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import neuronkit as nk


def test_a_learnt_scalar_beta_and_threshold_round_trip(tmp_path):
    net = nk.build("rate(5),dense(4,lif(beta=0.8,learn_beta=true,learn_threshold=true)),dense(out,lif)",
                   input_shape=(3,), outputs=2, seed=0)
    neuron = net["spiking1"].neuron
    neuron.beta.data[...] = 0.625
    neuron.threshold.data[...] = 1.25
    path = tmp_path / "snn.nkm"
    nk.save(net, path)
    loaded = nk.load(path)
    assert loaded["spiking1"].neuron.beta.shape == ()
    assert float(loaded["spiking1"].neuron.beta.data) == 0.625
    assert float(loaded["spiking1"].neuron.threshold.data) == 1.25
    x = np.random.default_rng(0).random((6, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.eval().infer(x), net.eval().infer(x))


def test_a_spiking_layer_config_builds_in_a_fresh_process_without_importing_spiking():
    code = ("import neuronkit as nk; from neuronkit.layers import layer_from_config; "
            "layer = layer_from_config({'type': 'SpikingDense', 'in_features': 3, 'out_features': 2}); "
            "print(type(layer).__name__, layer.out_features)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["SpikingDense", "2"]
