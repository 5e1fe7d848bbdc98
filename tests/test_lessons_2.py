"""Lessons 5-9 (docs/lessons/05-09): every code cell runs, in order, and the numbers the prose states hold.

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
