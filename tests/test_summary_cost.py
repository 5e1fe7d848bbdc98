"""summary() shows what nk.inspect.cost counts: memory and MACs per layer, the energy per prediction, blanks
where a count is not known (no input shape, a layer kind without a rule), one registry of counting rules."""

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError
from neuronkit.inspect.cost import ENERGY_PJ, cost
from neuronkit.layers import counting
from neuronkit.layers.base import LAYERS
from neuronkit.layers.moe import MoE
from neuronkit.spiking.neurons import SpikingNeuron

MAC = ENERGY_PJ["mult"] + ENERGY_PJ["add"]


def rows_by_layer(summary):
    return {r["layer"]: r for r in summary.rows if r["layer"] != "input"}


def assert_summary_matches_cost(net, input_shape=None):
    """Every layer's MACs, SynOps and bytes, and the energy per prediction, as nk.inspect.cost gives them."""
    summary = net.summary(input_shape)
    c = cost(net, input_shape)
    rows = rows_by_layer(summary)
    assert list(rows) == list(c.layers)
    for name, lc in c.layers.items():
        assert (rows[name]["macs"], rows[name]["memory_bytes"]) == (lc.macs, lc.memory_bytes), name
        assert rows[name].get("synops", 0.0) == lc.synops, name
        assert rows[name]["energy_pj"] == pytest.approx(lc.energy_pj, rel=1e-12), name
    assert summary.macs == c.macs and summary.memory_bytes == c.memory_bytes and summary.synops == c.synops
    assert summary.energy_pj == pytest.approx(c.energy_pj, rel=1e-12)
    return summary, c


def test_dense_network_hand_counts():
    net = nk.mlp([4, 8, 3], seed=0)
    summary, c = assert_summary_matches_cost(net)
    rows = rows_by_layer(summary)
    assert (rows["hidden1"]["macs"], rows["output"]["macs"]) == (4 * 8, 8 * 3)
    assert (rows["hidden1"]["memory_bytes"], rows["output"]["memory_bytes"]) == (40 * 4, 27 * 4)  # float32
    assert summary.rows[0]["macs"] == summary.rows[0]["memory_bytes"] == 0  # the input row does nothing
    # 56 MACs; 8 biases + 8 ReLUs + 3 biases (identity output) at one addition each; 67 weights read from SRAM
    energy = 56 * MAC + 19 * ENERGY_PJ["add"] + 67 * ENERGY_PJ["sram_read"]
    assert summary.energy_pj == pytest.approx(energy) == pytest.approx(609.7)
    text = str(summary)
    assert text.splitlines()[3].split() == ["hidden1", "Dense", "8", "relu", "40", "160", "bytes", "32"]
    assert text.splitlines()[-2:] == [
        "total parameters: 67 (268 bytes as float32)",
        "per prediction: 56 MACs, ~610 pJ with the weights in SRAM (45 nm estimate, Horowitz 2014)"]


def test_memory_follows_the_dtype_and_is_human_readable():
    net = nk.mlp([100, 50, 10], seed=0, dtype=np.float64)  # 5,050 + 510 parameters, 8 bytes each
    summary, c = assert_summary_matches_cost(net)
    assert summary.memory_bytes == 5560 * 8 == c.memory_bytes
    text = str(summary)
    assert "total parameters: 5,560 (44.5 KB as float64)" in text
    assert text.splitlines()[3].split()[-3:] == ["40.4", "KB", "5,000"]  # 5,050 · 8 bytes; 100·50 MACs
    # float64: each parameter is two 32-bit words to read; 50 biases + 50 ReLUs + 10 biases are additions
    assert summary.energy_pj == pytest.approx(5500 * MAC + 110 * ENERGY_PJ["add"] + 5560 * 2 * ENERGY_PJ["sram_read"])


def test_conv_network_with_and_without_an_input_shape():
    net = nk.Sequential(nk.Conv2d(1, 3, 3, activation="relu", seed=0), nk.BatchNorm2d(3), nk.MaxPool2d(2),
                        nk.Flatten(), nk.Dense(27, 4, seed=1))
    summary, _ = assert_summary_matches_cost(net, (1, 8, 8))
    rows = rows_by_layer(summary)
    assert rows["conv1"]["macs"] == 3 * 6 * 6 * 3 * 3  # 3 filters at 6·6 positions, 3·3 weights each
    assert rows["output"]["macs"] == 27 * 4 and rows["pool1"]["macs"] == 0  # pooling: comparisons, no MACs
    # without the input shape the MACs are unknown: no column, no energy line, a note saying how
    plain = net.summary()
    assert all("macs" not in r and "energy_pj" not in r for r in plain.rows)
    assert plain.macs is None and plain.energy_pj is None
    assert [r["memory_bytes"] for r in plain.rows] == [30 * 4, 6 * 4, 0, 0, 112 * 4]  # known without a shape
    text = str(plain)
    assert text.splitlines()[0].split()[-2:] == ["parameters", "memory"] and "per prediction:" not in text
    assert "counts the multiply-adds per prediction" in text


def test_text_network_counts_need_the_sequence_length():
    net = nk.Sequential(nk.Embedding(30, 8, seed=0), nk.PositionalEmbedding(7, 8, seed=0),
                        nk.layers.TransformerEncoderBlock(8, 2, dim_feedforward=16, seed=1), nk.SequenceMeanPool(),
                        nk.Dense(8, 3, seed=2))
    summary, c = assert_summary_matches_cost(net, (7,))
    rows = rows_by_layer(summary)
    assert rows["embedding1"]["macs"] == 0 and rows["output"]["macs"] == 8 * 3
    # an embedding reads only the 7 rows looked up (7·8 values), not its 30 rows
    assert rows["embedding1"]["energy_pj"] == pytest.approx(7 * 8 * ENERGY_PJ["sram_read"])
    plain = net.summary()
    assert plain.macs is None and "give summary(input_shape=...) one sample's shape" in str(plain)


def test_moe_counts_the_active_experts_only():
    net = nk.Sequential(MoE(6, 3, experts=4, k=2, seed=0), nk.Dense(3, 2, seed=1))
    summary, _ = assert_summary_matches_cost(net)
    moe = summary.rows[1]
    assert moe["macs"] == 6 * 4 + 2 * 6 * 3 + 2 * 3  # gate, two experts, the mix
    assert moe["memory_bytes"] == net[0].num_parameters() * 4  # all experts are held


def test_spiking_networks_show_synops_upper_bounds():
    net = nk.build("rate(4),dense(3,lif),dense(out,lif)", (5,), outputs=2, seed=0)
    summary, c = assert_summary_matches_cost(net, (5,))
    rows = rows_by_layer(summary)
    assert rows["spiking1"]["macs"] == 0 and rows["spiking1"]["synops"] == 4 * 5 * 3  # T · in · out
    assert rows["spiking2"]["synops"] == 4 * 3 * 2
    text = str(summary)
    assert "≤60 SynOps" in text and "per prediction: 0 MACs and ≤84 SynOps" in text
    assert "an upper bound; nk.inspect.cost(net, X=X) counts them from the spikes" in text
    conv = nk.build("rate(3),conv(2,3,lif),maxpool(2),flatten,dense(out,lif)", input_shape=(1, 8, 8), outputs=2,
                    seed=0)
    summary, _ = assert_summary_matches_cost(conv, (1, 8, 8))
    assert rows_by_layer(summary)["spiking1"]["synops"] == 3 * 2 * 6 * 6 * 9  # T · filters · positions · 3·3


def test_a_converted_network_with_spike_max_pooling_is_counted():
    ann = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.MaxPool2d(2), nk.Flatten(),
                        nk.Dense(2 * 3 * 3, 2, seed=1))
    X = np.random.default_rng(0).uniform(0, 1, size=(8, 1, 8, 8)).astype(np.float32)
    snn = nk.spiking.convert(ann, X, steps=4)
    summary, c = assert_summary_matches_cost(snn, (1, 8, 8))
    pool = next(lc for lc in c.layers.values() if lc.kind == "SpikeMaxPool2d")
    assert pool.ops == 4 * 2 * 3 * 3 * 3  # T · outputs · (2·2 - 1) comparisons


def test_a_layer_kind_without_a_rule_is_blank_not_zero():
    class Mystery(nk.Module):
        def forward(self, x):
            return x

        def output_shape(self, in_shape):
            return in_shape

    net = nk.Sequential(nk.Dense(2, 3, seed=0), Mystery(), nk.Dense(3, 1, seed=1))
    summary = net.summary()
    rows = rows_by_layer(summary)
    assert "macs" not in rows["mystery1"] and rows["mystery1"]["memory_bytes"] == 0
    assert rows["hidden1"]["macs"] == 6 and rows["output"]["macs"] == 3  # the others are still counted
    assert summary.macs is None and summary.energy_pj is None  # a total would be wrong
    lines = str(summary).splitlines()
    mystery = next(line for line in lines if line.startswith("mystery1"))
    assert mystery.split()[-2:] == ["0", "bytes"]  # the MACs cell is empty
    assert not any(line.startswith("per prediction: ") and "MACs" in line for line in lines)
    assert "per prediction: not counted, no counting rule for mystery1 (Mystery); teach one with " \
           "nk.inspect.register_cost(kind, fn)" in lines
    with pytest.raises(ParameterError, match="kind Mystery; known kinds: .*Dense"):
        cost(net)  # cost refuses rather than leaving a layer out


def test_one_registry_teaches_summary_and_cost():
    assert nk.inspect.register_cost is counting.register_cost and nk.inspect.COUNTERS is counting.COUNTERS
    assert nk.inspect.Count is counting.Count and nk.inspect.ENERGY_PJ is counting.ENERGY_PJ

    class Scale(nk.Module):
        def forward(self, x):
            return x * 3

        def output_shape(self, in_shape):
            return in_shape

    nk.inspect.register_cost(Scale, lambda layer, shape, steps: counting.Count(macs=5))
    net = nk.Sequential(nk.Dense(2, 2, seed=0), Scale())
    assert rows_by_layer(net.summary())["scale1"]["macs"] == 5 == cost(net).layers["scale1"].macs
    with pytest.raises(ParameterError, match="a layer class .* got <class 'int'>"):
        counting.register_cost(int, lambda layer, shape, steps: counting.Count())
    with pytest.raises(ParameterError, match="a function fn\\(layer, in_shape, steps\\) -> Count; got 3"):
        counting.register_cost(Scale, 3)


def test_every_layer_kind_has_a_counting_rule():
    import neuronkit.spiking  # noqa: F401  (registers the spiking layers)

    missing = [name for name, kind in LAYERS.items() if counting.counter(kind) is None
               and not issubclass(kind, SpikingNeuron)]  # neuron models run inside spiking layers
    assert missing == []


def test_the_html_table_shows_memory_macs_and_the_energy():
    html = nk.mlp([4, 8, 3], seed=0).summary()._repr_html_()
    assert '<th class="nk-num">memory</th>' in html and '<th class="nk-num">MACs</th>' in html
    assert '<td class="nk-num">268 bytes</td><td class="nk-num">56</td></tr>' in html  # the total row
    assert "per prediction: 56 MACs, ~610 pJ" in html
