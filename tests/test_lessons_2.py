"""Lessons 5-10 (docs/lessons/05-10): every code cell runs, in order, and the numbers the prose states hold.

Each page is a MyST Markdown notebook; its ```{code-cell} blocks are executed in one namespace per
page (matplotlib's Agg backend, warnings as errors, as the suite runs), then a few values the prose
states are checked, so a page that goes stale fails here before the docs build shows wrong text.
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LESSONS = Path(__file__).resolve().parent.parent / "docs" / "lessons"
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.S | re.M)
HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def cells(name: str) -> list[str]:
    text = (LESSONS / name).read_text(encoding="utf-8")
    assert text.startswith(HEADER), f"{name} must start with the jupytext MyST header"
    found = CELL.findall(text)
    assert found, f"{name} has no code cells"
    # a cell's own option lines (":tags: [...]") are MyST metadata, not Python
    return ["\n".join(line for line in cell.splitlines() if not line.startswith(":")) for cell in found]


def run(name: str) -> dict:
    """Execute ``name``'s code cells in order in one namespace; the namespace, with its run time.

    ``_seconds`` is the wall time, ``_cpu_seconds`` this process's CPU time: the budget (under 10 s a
    page) is checked on the CPU time, which other jobs on a busy machine do not inflate.
    """
    namespace: dict = {"__name__": "__lesson__"}
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, source in enumerate(cells(name)):
            try:
                exec(compile(source, f"{name}[cell {i + 1}]", "exec"), namespace)
            except Exception as exc:  # name the cell, so a stale page is found at once
                raise AssertionError(f"{name}: code cell {i + 1} failed: {exc!r}\n{source}") from exc
    namespace["_seconds"] = time.perf_counter() - start
    namespace["_cpu_seconds"] = time.process_time() - cpu
    plt.close("all")
    return namespace


def test_lesson_5_hand_gradients_equal_the_engines():
    ns = run("05-gradient-descent-and-backprop.md")
    # the forward pass and the chain for hidden1[0] the prose works through
    assert np.allclose(ns["z"], [0.0, 1.0]) and round(ns["y_hat"], 4) == 0.2189 and round(ns["loss"], 4) == 0.6101
    assert round(ns["dL_dyhat"], 4) == -1.5621 and round(ns["delta"][0], 4) == -0.5858
    assert np.allclose(ns["dL_dW"][0].round(4), [-0.5858, -1.1716])
    # hand = engine, and inspect.backprop's own check agrees
    assert ns["largest_difference"] < 1e-12
    assert np.allclose(ns["hidden"].weight.grad, ns["dL_dW"], rtol=0, atol=1e-12)
    assert ns["chain"].matches_engine and abs(ns["chain"].delta - ns["delta"][0]) < 1e-12
    # gradient descent finds w ≈ 2, b ≈ 1; the loss ends near the noise floor 0.01
    assert abs(ns["w_learned"] - 2) < 0.1 and abs(ns["b_learned"] - 1) < 0.1 and ns["losses"][-1] < 0.02
    slow, good, big = (ns["runs"][lr] for lr in (0.05, 0.5, 1.1))
    assert slow[-1] > 2 * good[-1]                     # still falling after 40 steps
    assert good[10] < 0.02                             # at the noise floor within about ten steps
    assert big[-1] > big[0]                            # diverges
    assert abs(ns["history"]["loss"][-1] - ns["losses"][-1]) < 1e-3   # fit runs the same loop
    assert ns["_cpu_seconds"] < 10


def test_lesson_6_the_health_report_finds_each_trouble_and_its_fix():
    ns = run("06-trouble-spots.md")
    dead = ["hidden1[0]", "hidden1[1]", "hidden1[2]", "hidden1[3]"]
    assert ns["report"].dead == dead
    assert np.all(ns["moved"][:4] == 0) and np.all(ns["moved"][4:] > 0)   # dead: not one weight moved
    assert ns["revived"].dead == []
    sig = ns["nk"].inspect.health(ns["sig"], ns["Xc"], ns["yc"])
    assert len(sig.saturated) == 8 and sig.gradients.ratio < 1e-6          # "millions of times smaller"
    assert ns["scaled"].saturated == [] and ns["scaled"].ok
    vanishing = ns["vanishing"]
    assert [p.kind for p in vanishing.problems] == ["vanishing_gradients"]
    assert 1e-6 < vanishing.gradients.ratio < 1e-4                         # "about 10^-5"
    assert ns["healthy"].ok and ns["healthy"].gradients.ratio > 0.1
    assert abs(ns["curves"]["sigmoid"][-1] - np.log(2)) < 0.01            # a coin toss
    assert ns["curves"]["leaky relu + He"][-1] < 0.3
    kinds = [p.kind for p in ns["exploding"].problems]
    assert "exploding_gradients" in kinds and "dead" in kinds
    assert ns["fixed"].ok and ns["largest_norm"] < 10
    assert ns["_cpu_seconds"] < 10


def test_lesson_7_the_diagnosis_reads_each_learning_curve():
    ns = run("07-over-and-under-fitting.md")
    under, over, stopped = ns["under"], ns["over"], ns["stopped"]
    assert under.diagnosis().startswith("Under-fitting")
    assert abs(under.baseline_loss - np.log(10)) < 0.01                     # "ln 10 ≈ 2.30"
    assert 1.35 < under["loss"][-1] < 1.45 and 1.55 < under["val_loss"][-1] < 1.65   # "about 1.4 … 1.6"
    assert under["accuracy"][-1] < 0.45 and under["val_accuracy"][-1] < 0.45     # "barely two in five"
    assert over.diagnosis().startswith("Over-fitting")
    assert over["accuracy"][-1] == 1.0                                      # every training image right
    low = int(np.argmin(over["val_loss"]))
    assert low < 20 and over["val_loss"][-1] > over["val_loss"][low]       # lowest early, then rises
    es = stopped.early_stopping
    assert es["restored"] and es["stopped_epoch"] - es["best_epoch"] == 5 and len(stopped) < 60
    assert stopped.diagnosis().startswith(f"Early stopping at epoch {es['stopped_epoch'] + 1}")
    assert abs(ns["best"]["loss"] - es["best"]) < 1e-6                     # the best epoch's weights are back
    assert ns["more_data"]["loss"] < ns["best"]["loss"] and ns["more_data"]["accuracy"] > ns["best"]["accuracy"]
    assert ns["_cpu_seconds"] < 10


def test_lesson_8_attribution_specialisation_and_ablation_say_what_the_prose_says():
    ns = run("08-interpretability.md")
    assert ns["scores"]["accuracy"] > 0.95
    maps, samples = ns["maps"], ns["samples"]
    assert np.all(maps["saliency"] >= 0)                                  # "always ≥ 0"
    blank = samples == 0
    assert np.any(maps["saliency"][blank] > 0)                            # lights up blank pixels too
    assert np.all(maps["grad_x_input"][blank] == 0) and np.all(maps["integrated_gradients"][blank] == 0)
    ig = maps["integrated_gradients"]
    assert ig.completeness_ok                                             # Σ IG = z(x) - z(x') within 5%
    assert np.allclose(ig.sum(axis=1), ig.values - ig.baseline_values, rtol=0.05)
    top = ns["selectivity"].top(1)[0]
    assert top[0] == ns["neuron"] and top[1] > 0.5
    assert np.all(ns["y_test"][ns["top"].indices] == top[2])             # its top-8 are all its digit
    ablation = ns["ablation"]
    assert ablation.rows[0].delta_accuracy < 0 and ablation.ranking[0] != ns["neuron"]   # not the most needed
    assert ns["rank"] > 1
    assert ns["_cpu_seconds"] < 10


def test_lesson_9_parameter_sharing():
    ns = run("09-parameter-sharing.md")
    assert ns["X"].shape == (1797, 1, 8, 8)                              # 64 input neurons per image, as (1, 8, 8)
    assert ns["accuracy"] > 0.9                                          # the small CNN learned digits
    # the receptive-field arithmetic: by hand = the layer, at the position where neuron 3 fires most (not a 0)
    assert ns["k"] == 3 and ns["by_hand"] > 0.5
    assert abs(ns["by_hand"] - ns["by_layer"]) < 1e-5
    assert ns["patch"].shape == (3, 3)
    explanation = ns["explanation"]                                      # the neuron view's arithmetic agrees
    assert np.allclose(explanation.patch[0], ns["patch"]) and abs(explanation.output - ns["by_layer"]) < 1e-5
    assert explanation.position == (ns["i"], ns["j"])
    # parameter counts: 8·9 + 8 = 80 against 64·512 + 512 = 33,280 ("416 times as many")
    assert ns["conv_parameters"] == 80 and ns["outputs"] == 512
    assert ns["dense_parameters"] == 33_280 and ns["dense_parameters"] // ns["conv_parameters"] == 416
    # neuron 3 is the edge detector the prose names: cosine 0.89 with the horizontal-edge Sobel kernel
    assert ns["best"] == 3 and ns["similarity"][3, 1] > 0.85
    kernels, maps = ns["kernels"], ns["feature_maps"]
    assert (kernels[3][0] < 0).all() and (kernels[3][2] > 0).all()         # negative top row, positive bottom row
    assert int(ns["y"][ns["test"][0]]) == 9 and np.unravel_index(maps[3].argmax(), (8, 8))[0] <= 1  # top of the 9
    assert (kernels[1] < 0).all() and ns["conv"].bias.data[1] < 0 and maps[1].max() == 0  # dead: map 1 is empty
    # text: the embedding's size, an accuracy well above chance, attention rows that sum to 1
    assert ns["embedding"].num_parameters() == ns["tok"].vocab_size * 16
    assert ns["text_accuracy"] > 0.75
    assert np.allclose(ns["weights"].sum(axis=1), 1.0, atol=1e-5)
    received = dict(zip(ns["words"], ns["received"]))
    assert ns["words"][2] == "<unk>"                                     # "tracked" is not a training word
    assert max(received, key=received.get) == "telescope" and 0.3 < received["telescope"] < 0.5
    assert received["a"] < 0.05                                          # "under 0.05 for 'the' or 'a'"
    assert all(r < 0.05 for w, r in zip(ns["words"], ns["received"]) if w == "the")
    assert ns["topic"] == "astronomy"
    assert ns["_cpu_seconds"] < 10


def test_lesson_10_spiking_neurons():
    ns = run("10-spiking-neurons.md")
    # the five LIF steps worked by hand (exact binary fractions): I, u, spike
    assert ns["by_hand"] == [(0.625, 0.625, 0.0), (1.0, 1.46875, 1.0), (1.0, 1.1015625, 1.0),
                             (-0.375, -0.548828125, 0.0), (0.625, 0.21337890625, 0.0)]
    # the layer (fused LIF loop) and its neuron view's explanation give the same membrane and spikes
    hand_u = [u for _, u, _ in ns["by_hand"]]
    assert np.array_equal(ns["membrane"], np.float32(hand_u))
    assert np.array_equal(ns["spikes"].data[:, 0, 0], [0, 1, 1, 0, 0])
    explanation = ns["explanation"]
    assert np.array_equal(explanation.membrane, np.float32(hand_u))
    assert np.array_equal(explanation.spikes, [0, 1, 1, 0, 0])
    assert np.allclose(explanation.currents, [0.625, 1.0, 1.0, -0.375, 0.625])
    text = str(explanation)
    assert "the spike at t=2 subtracts θ = 1" in text and "mem = 1.101562 + 1 - 1 = 1.101562" in text
    assert round(0.75 * 1.46875, 2) == 1.10                               # "the leak kept 1.10 of the 1.47"
    # 60 steps of random input: the recorded membrane is the LIF recursion on the layer's own currents
    inputs, beta, theta = ns["inputs"], ns["beta"], ns["theta"]
    u, s, fired = 0.0, 0.0, []
    for t in range(60):
        u = beta * u + float(ns["w"] @ inputs[t] + ns["b"]) - s * theta
        s = float(u > theta)
        fired.append(s)
    assert ns["n_spikes"] == int(sum(fired)) > 0
    assert np.array_equal(ns["out"].data[:, 0, 0], fired)
    # firing rate against a constant current: silent up to (1-β)θ = 0.25, every step above (2-β)θ = 1.25
    levels, rates, rate_at = ns["levels"], ns["rates"], ns["rate_at"]
    assert rate_at[0.25] == 0.0 and rate_at[0.3] > 0.0 and rate_at[1.3] == 1.0
    assert np.all(rates[levels <= 0.25] == 0) and np.all(rates[levels > 0.26] > 0)
    assert np.all(rates[levels >= 1.3] == 1.0) and np.all(rates[levels < 1.2] < 1.0)   # (at 1.25 itself: rounding)
    assert np.all(np.diff(rates) >= 0)                                   # more input, more spikes
    # rate coding: the rate over the steps is the image; the error halves with four times the steps
    assert ns["trains"].shape == (25, 64) and ns["y"][ns["test"][9]] == 0
    assert np.abs(ns["trains"].mean(axis=0) - ns["image"]).mean() < 0.1
    error = ns["coding_error"]
    assert 1.7 < error[25] / error[100] < 2.3 and 1.7 < error[100] / error[400] < 2.3
    assert "takes values in [0, 1]" in ns["refusal"] and "got values from 0 to 15" in ns["refusal"]
    # no derivative through the true step; the surrogate's gradient reaches every weight
    probe = ns["probe"]
    assert np.all(probe.weight.grad != 0)
    zero = ns["nk"].spiking.SpikingDense(3, 1, neuron=ns["nk"].spiking.LIF(beta=beta, surrogate=ns["true_step"]))
    zero.weight.data[:] = ns["w"]
    zero.bias.data[:] = ns["b"]
    zero(inputs[:, None, :]).sum().backward()
    assert np.all(zero.weight.grad == 0)
    # the spike primitive: step forward, 1/(1 + 25|u - θ|)² backward
    m = ns["membranes"]
    assert np.array_equal(ns["fired"].data, [0, 0, 1, 1])
    assert np.allclose(m.grad, 1 / (1 + 25 * np.abs(m.data - 1.0)) ** 2, rtol=1e-6)
    assert ns["fast"].derivative(np.array([0.0]))[0] == 1.0              # "1 at the threshold"
    assert ns["nk"].spiking.SURROGATES.names()[:2] == ["fast_sigmoid", "atan"]
    # BPTT through a leaky integrator: d u_5 / d w = Σ β^(5-t) x_t, by the engine and by hand
    expected = [0.75**4 + 0.75**3 + 0.75**2 + 1, 0.75**3 + 0.75**2, 0.75]
    assert np.allclose(ns["readout"].weight.grad[0], expected, rtol=1e-6)
    assert np.allclose(ns["bptt_by_hand"], expected, rtol=1e-6)
    assert round(0.75**10, 2) == 0.06
    # the spiking MLP learns the digits: "about 95%" held out (95-97% on other splits)
    assert 0.93 <= ns["scores"]["accuracy"] <= 0.98
    assert len(ns["history"]["accuracy"]) == 12 and ns["history"]["accuracy"][-1] > 0.93
    counts, predicted, shown, y, test = ns["counts"], ns["predicted"], ns["shown"], ns["y"], ns["test"]
    assert ns["test_outputs"].shape == (12, len(test), 10)
    assert np.array_equal(predicted, counts.argmax(axis=1))
    assert abs(np.mean(predicted == y[test]) - ns["scores"]["accuracy"]) < 1e-9   # evaluate decodes the same way
    known, misread = shown
    assert predicted[known] == y[test[known]] and counts[known].max() >= 10      # "nearly every step" of 12
    assert counts[known].sum() - counts[known].max() <= 2                         # the others "almost silent"
    assert predicted[misread] != y[test[misread]] and (counts[misread] > 0).sum() >= 2
    # energy: the counts the prose gives, and the proxy "about 0.7 of the energy"
    hidden, input_spikes = ns["hidden"], ns["input_spikes"]
    assert hidden.shape == (12, len(test), 64) and input_spikes.shape == (12, len(test), 64)
    assert ns["macs"] == 4736
    assert np.isclose(ns["synops"], (input_spikes.sum() * 64 + hidden.sum() * 10) / len(test))
    assert 3.3 < ns["synops"] / ns["macs"] < 4.2                          # "nearly four times as many" ...
    assert 0.6 < ns["synops"] * 0.9 / (ns["macs"] * 4.6) < 0.8           # ... about 0.7 of the energy
    per_neuron = hidden.mean(axis=(0, 1))
    assert 0.25 < hidden.mean() < 0.4                                      # "about a third of the steps"
    assert 1 <= np.sum(per_neuron == 0) <= 10 and per_neuron.max() > 0.9  # a few silent, a few at almost every step
    health = ns["health"]                                                   # the health report names the same ones
    assert health.silent == [f"spiking1[{i}]" for i in np.flatnonzero(per_neuron == 0)]
    assert health.always_firing == [f"spiking1[{i}]" for i in np.flatnonzero(per_neuron > 0.9)]
    assert np.isclose(health.synops, ns["synops"], rtol=1e-9) and health.ann_macs == ns["macs"]
    # the encoder's evaluation draws are the ones the network saw: the hidden spikes follow from them
    net = ns["net"]
    with ns["nk"].eval_mode():
        again = net["spiking1"](input_spikes).data
    assert np.array_equal(again, hidden)
    # Izhikevich (2003): the five patterns the prose describes, from the spike intervals (ms)
    isi = ns["intervals"]
    rs, ib, ch, fs, lts = (isi[n] for n in ("regular_spiking", "intrinsically_bursting", "chattering",
                                              "fast_spiking", "low_threshold_spiking"))
    assert 20 < rs[0] < 24 and np.all(rs[1:] > 1.9 * rs[0])                # adapts: then twice as long
    assert np.all(ib[:2] < 5) and np.all(ib[2:] > 30) and np.ptp(ib[3:]) < 1   # a burst of 3, then steady singles
    gaps = np.flatnonzero(ch > 20)
    assert len(gaps) >= 3 and np.all(ch[ch <= 20] < 7)                      # repeated bursts of close spikes
    bursts = np.cumsum(ch)[gaps]
    assert np.all(np.abs(np.diff(bursts) - 60) < 3)                         # "about every 60 ms"
    assert len(fs) == max(len(v) for v in isi.values()) and np.all(np.abs(fs[4:] - 8) < 0.5)   # most, ~8 ms apart
    assert lts[0] < 3.5 and 13 < lts[-1] < 15 and np.all(np.diff(lts[:6]) > 0)   # slows down: 3 -> ~14 ms
    # conversion: nothing after one step, most digits after 5, within a point of the ReLU network from 25 on
    report = ns["report"]
    assert report.steps == (1, 2, 5, 10, 25, 50, 100, 200) and report.ann_accuracy > 0.94
    assert report.snn_accuracy[0] < 0.2 and report.snn_accuracy[2] > 0.9
    assert all(report.gap(t) < 0.01 for t in (25, 50, 100, 200))
    converted = ns["converted"]
    assert [layer.name for layer in converted] == ["encoder1", "hidden1", "output"]
    assert converted["hidden1"].neuron.beta == 1.0 and converted["hidden1"].neuron.reset == "subtract"
    assert ns["_cpu_seconds"] < 10
