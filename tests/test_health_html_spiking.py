"""The notebook view of a health report shows a spiking layer's rates, silent and always-firing counts and SynOps."""

from __future__ import annotations

import re

import numpy as np

import neuronkit as nk


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)]
            for r in rows]


def test_the_notebook_view_has_the_spiking_table():
    net = nk.build("rate(10),dense(4,lif),dense(out,lif)", (3,), outputs=2, seed=0)
    net["spiking1"].synapse.bias.data[:] = [-5.0, 5.0, 0.0, 0.0]  # neuron 0 never fires, neuron 1 at every step
    report = nk.inspect.health(net, np.full((6, 3), 0.5))
    lh = report.layers["spiking1"]
    html = report._repr_html_()
    rows = {r[0]: r for r in _cells(html) if r and r[0] in ("spiking1", "spiking2") and len(r) == 10}
    assert rows["spiking1"][:3] == ["spiking1", "LIF", "4"]
    assert float(rows["spiking1"][3]) == round(float(lh.firing_rate.mean()), 3)
    assert float(rows["spiking1"][5]) == 1.0  # the always-firing neuron's rate
    assert rows["spiking1"][6:8] == ["1", "1"]  # one silent, one always firing
    assert rows["spiking1"][8:] == [f"{lh.synops:,.0f}", "12"]  # ANN MACs: 3 inputs x 4 neurons
    assert "rates in spikes per time step over 10 steps" in html
    assert "fraction of samples with z &gt; 0" not in html  # the Dense note is not shown for a spiking network
