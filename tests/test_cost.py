"""nk.inspect.cost: hand counts per layer kind, totals as sums, energy = counts × the Horowitz table, bad input."""

import math

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError
from neuronkit.inspect.cost import ENERGY_PJ, cost
from neuronkit.layers.moe import MoE

MAC = ENERGY_PJ["mult"] + ENERGY_PJ["add"]


def test_dense_counts_in_times_out_macs_per_layer_and_in_per_neuron():
    net = nk.Sequential(nk.Dense(5, 7, seed=0), nk.Dense(7, 2, activation="identity", seed=1))
    c = cost(net)
    assert c.layers["hidden1"].macs == 5 * 7 and c.layers["output"].macs == 7 * 2
    assert c.layers["hidden1"].ops == 7 * 2  # bias + relu per neuron
    assert c.layers["output"].ops == 2  # bias only (identity)
    assert c.layers["hidden1"].macs_per_neuron.tolist() == [5] * 7
    assert c.layers["hidden1"].parameters_per_neuron.tolist() == [6] * 7
    assert c.neuron("output[1]") == {"name": "output[1]", "macs": 7, "ops": 1, "parameters": 8, "bytes": 32,
                                     "energy_pj": pytest.approx(7 * MAC + 0.9 + 8 * 5.0)}


def test_conv_counts_k_k_cin_cout_hout_wout():
    conv = nk.Conv2d(3, 4, 3, stride=1, padding=0, seed=0)
    c = cost(nk.Sequential(conv, nk.Flatten()), (3, 8, 6))
    assert c.layers["conv1"].macs == 3 * 3 * 3 * 4 * 6 * 4
    assert c.layers["conv1"].macs_per_neuron.tolist() == [3 * 3 * 3 * 6 * 4] * 4
    assert c.layers["conv1"].parameters == conv.num_parameters() == 4 * (27 + 1)
    assert c.layers["flatten1"].macs == 0 and c.layers["flatten1"].ops == 0


def test_pooling_norm_and_kwinners_counts():
    net = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.BatchNorm2d(2), nk.MaxPool2d(2), nk.AvgPool2d(2),
                        nk.Flatten(), nk.layers.KWinners(2), nk.Dense(8, 2, seed=1), nk.LayerNorm(2))
    c = cost(net, (1, 10, 10))
    layers = list(c.layers.values())
    assert layers[1].macs == 2 * 8 * 8  # one affine per value
    assert layers[2].ops == 2 * 4 * 4 * 3  # 3 comparisons per 2x2 window
    assert layers[3].ops == 2 * 2 * 2 * 4  # 3 adds + 1 scale per window
    assert layers[5].ops == 8  # one comparison per value
    assert (layers[7].macs, layers[7].ops) == (2 * 2, 3 * 2)


def test_attention_counts_4le2_plus_2l2e():
    length, e, h = 5, 8, 2
    net = nk.Sequential(nk.layers.MultiHeadSelfAttention(e, h, seed=0), nk.SequenceMeanPool(), nk.Dense(e, 3, seed=1))
    c = cost(net, (length, e))
    att = c.layers[next(iter(c.layers))]
    assert att.macs == 4 * length * e * e + 2 * length * length * e
    assert att.ops == 4 * h * length * length + 4 * length * e
    assert att.parameters_read == att.parameters == 4 * e * e + 4 * e


def test_embedding_reads_only_the_looked_up_rows():
    net = nk.Sequential(nk.Embedding(100, 4, seed=0), nk.SequenceMeanPool(), nk.Dense(4, 2, seed=1))
    c = cost(net, (6,))
    emb = c.layers["embedding1"]
    assert (emb.parameters, emb.parameters_read, emb.macs) == (400, 24, 0)
    assert c.parameters_read == 24 + 10 < c.parameters


def test_moe_counts_only_the_active_experts():
    moe = MoE(6, 3, experts=4, k=2, seed=0)
    c = cost(nk.Sequential(moe, nk.Dense(3, 2, seed=1)), (6,))
    lc = c.layers[next(iter(c.layers))]
    expert_params = moe.experts[0].num_parameters()
    assert lc.parameters_read == 6 * 4 + 2 * expert_params
    assert lc.parameters == moe.num_parameters() > lc.parameters_read
    assert lc.macs == 6 * 4 + 2 * 6 * 3 + 2 * 3


def test_totals_are_sums_and_energy_is_counts_times_the_table():
    net = nk.Sequential(nk.Conv2d(1, 3, 3, seed=0), nk.MaxPool2d(2), nk.Flatten(), nk.Dense(12, 4, seed=1))
    c = cost(net, (1, 6, 6), dtype="float64")
    for key in ("macs", "ops", "parameters", "parameters_read", "memory_bytes"):
        assert getattr(c, key) == sum(getattr(lc, key) for lc in c.layers.values())
    assert c.memory_bytes == 8 * c.parameters
    words = 2 * c.parameters_read  # float64: two 32-bit words a parameter
    assert c.energy_pj == pytest.approx(c.macs * (3.7 + 0.9) + c.ops * 0.9 + words * 5.0)
    assert c.energy_dram_pj == pytest.approx(c.macs * (3.7 + 0.9) + c.ops * 0.9 + words * 640.0)
    d = c.layers["output"]
    assert d.neuron_energy_pj().sum() == pytest.approx(d.energy_pj)  # the neurons make up the layer
    assert c.to_dict()["total"]["macs"] == c.macs and "Horowitz" in str(c)


def test_spiking_synops_upper_bound_and_measured_from_spikes():
    net = nk.build("rate(4),dense(3,lif),dense(out,lif)", (5,), outputs=2, seed=0)
    bound = cost(net)
    first = bound.layers["spiking1"]
    assert first.synops == 4 * 5 * 3 and not first.synops_measured
    X = np.random.default_rng(0).uniform(0, 1, size=(6, 5))
    measured = cost(net, X=X)
    report = nk.inspect.health(net, X)
    for name in ("spiking1", "spiking2"):
        assert measured.layers[name].synops == pytest.approx(report.layers[name].synops)
        assert measured.layers[name].synops <= bound.layers[name].synops
    lc = measured.layers["spiking1"]
    assert lc.compute_pj == pytest.approx((lc.ops + lc.synops) * 0.9) and lc.macs == 0
    assert lc.ops == 2 * 4 * 3  # update and threshold per neuron per step


def test_unknown_layer_kind_is_refused_by_name():
    class Mystery(nk.Module):
        def forward(self, x):
            return x

        def output_shape(self, in_shape):
            return in_shape

    with pytest.raises(ParameterError, match="kind Mystery.*known kinds: .*Dense.*register_cost"):
        cost(nk.Sequential(nk.Dense(2, 2, seed=0), Mystery()))


def test_bad_input_is_refused():
    net = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten())
    with pytest.raises(ParameterError, match="input_shape"):
        cost(net)
    with pytest.raises(ParameterError, match="spiking"):
        cost(nk.mlp([2, 2], seed=0), X=np.ones((2, 2)))
    with pytest.raises(ParameterError, match="layers with neurons: hidden1, output"):
        cost(nk.mlp([2, 3, 2], seed=0)).neuron("nope[0]")
    with pytest.raises(ParameterError, match="0..2"):
        cost(nk.mlp([2, 3, 2], seed=0)).neuron("hidden1[3]")
    with pytest.raises(ParameterError, match="float type"):
        cost(nk.mlp([2, 2], seed=0), dtype="int8")
    assert math.isfinite(cost(nk.mlp([2, 2], seed=0), dtype="float16").energy_pj)


def test_the_html_report_shows_the_cost_per_prediction(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 4))
    y = np.arange(40) % 3
    net = nk.mlp([4, 8, 3], output="softmax", seed=0)
    files = nk.inspect.write_report(net, X, y, out_dir=tmp_path)
    html = files.html.read_text()
    assert "Cost per prediction" in html and "Horowitz" in html
    assert str(cost(net)).splitlines()[0] in html.replace("&#x27;", "'").replace("&quot;", '"')
