"""Lesson 9 (docs/lessons/09-parameter-sharing.md): every code cell runs, in order, and the prose's numbers hold.

The cells run as in tests/test_lessons_2.py, with a copy of its runner (one namespace, matplotlib's Agg
backend, warnings as errors; the budget of 10 s is on this process's CPU time).
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
