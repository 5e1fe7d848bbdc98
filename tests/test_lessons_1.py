"""The first four lessons (docs/lessons/01-04) run, and still say what their prose says.

Each page is a MyST Markdown notebook: its ``{code-cell}`` blocks are run in order in one
namespace per page (matplotlib's Agg backend, warnings as errors), and the values the
prose states are checked, so a page that goes stale fails here.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

LESSONS = Path(__file__).resolve().parent.parent / "docs" / "lessons"
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)


def code_cells(page: str) -> list[str]:
    """The page's code cells in order (a cell's leading ``:option:`` lines dropped)."""
    text = (LESSONS / page).read_text(encoding="utf-8")
    cells = []
    for body in CELL.findall(text):
        lines = body.splitlines()
        while lines and lines[0].startswith(":"):
            lines.pop(0)
        cells.append("\n".join(lines))
    return cells


def run_page(page: str) -> dict[str, Any]:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    text = (LESSONS / page).read_text(encoding="utf-8")
    assert text.startswith("---\njupytext:\n"), f"{page}: no jupytext header"
    assert "format_name: myst" in text and "name: python3" in text, f"{page}: not a MyST notebook"
    namespace: dict[str, Any] = {"__name__": "__lesson__"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for i, cell in enumerate(code_cells(page)):
                exec(compile(cell, f"{page}[cell {i}]", "exec"), namespace)  # noqa: S102  # our own pages
    finally:
        plt.close("all")
    return namespace


def test_lesson_01_one_neuron_reproduces_the_worked_examples_and_the_slip() -> None:
    ns = run_page("01-one-neuron.md")
    relu = ns["relu_explained"]
    assert relu.output == pytest.approx(0.78) and relu.weighted_sum == pytest.approx(0.58)
    assert "max(0, 0.78) = 0.78" in str(relu)
    sig = ns["obesity_explained"]
    assert sig.weighted_sum == pytest.approx(0.8008) and sig.z == pytest.approx(1.8008)
    assert round(sig.output, 4) == 0.8582  # the text prints 0.808, 1.808 and 0.71
    assert "0.8 + 0.0008 = 0.8008" in str(sig)
    sigmoid = ns["sigmoid"]
    values = [round(sigmoid(np.array([z], dtype=np.float64)).item(), 4) for z in (1.8008, 1.808, 0.8954)]
    assert values == [0.8582, 0.8591, 0.71]


def test_lesson_02_activations_shows_slopes_and_saturation_in_numbers() -> None:
    ns = run_page("02-activations.md")
    assert np.allclose(ns["two_linear_layers"], ns["one_linear_layer"])
    value_and_slope = ns["value_and_slope"]
    _, step_slope = value_and_slope("step", [-1.0, 0.0, 1.0])
    assert list(step_slope) == [0.0, 0.0, 0.0]
    _, slopes = value_and_slope("sigmoid", [0.0, 10.0, 20.0])
    assert slopes[0] == 0.25 and round(slopes[1], 7) == 4.54e-05 and slopes[2] < 3e-9  # the prose's numbers
    _, leaky = value_and_slope("leaky_relu", [-3.0])
    assert leaky[0] == pytest.approx(0.01)
    _, gelu = value_and_slope("gelu", [-1.0, -0.5])
    assert gelu[0] < 0 < gelu[1]  # negative below about -0.75
    assert 0.25**10 == pytest.approx(ns["best_case_sigmoid"][-1]) and ns["best_case_sigmoid"][-1] < 1e-6
    assert ns["nk"].inspect.health(ns["net"], ns["X_scaled"]).saturated == []
    assert ns["nk"].inspect.health(ns["net"], ns["X_huge"]).saturated == ["hidden1[0]", "hidden1[1]", "hidden1[3]"]
    share = ns["flat_share"]
    assert round(float(share[2]), 2) == 0.87 and min(share[[0, 1, 3]]) >= 0.9


def test_lesson_03_layers_traces_the_shapes_and_one_flower() -> None:
    ns = run_page("03-layers.md")
    net = ns["net"]
    assert net.summary().total_parameters == 43 == 5 * 4 + 5 + 3 * 5 + 3
    assert ns["W1"].shape == (5, 4) and ns["W2"].shape == (3, 5)
    assert ns["Z1"].shape == (150, 5) and ns["Y_by_hand"].shape == (150, 3)
    assert np.shares_memory(net["hidden1"].neurons[3].weights, net["hidden1"].weight.data)
    assert ns["W1"][3, 0] == pytest.approx(ns["saved"][0])  # the page put the weight back
    assert np.abs(ns["Y_net"] - ns["Y_by_hand"]).max() < 1e-6
    t = ns["t"]
    assert np.allclose(t["hidden1"].z, ns["Z1"][50], atol=1e-5)
    assert [n.active for n in t["hidden1"].neurons()] == [True, True, False, False, False]  # as printed
    assert t.prediction == 1


def test_lesson_04_initialisation_shows_symmetry_the_duplicate_finding_and_the_scale() -> None:
    ns = run_page("04-initialisation.md")
    runs = ns["runs"]
    relu_zero, _ = runs["relu, zeros"]
    assert not relu_zero["hidden1"].weight.data.any() and not relu_zero["hidden1"].bias.data.any()
    sigmoid_zero, _ = runs["sigmoid, zeros"]
    rows = np.column_stack([sigmoid_zero["hidden1"].weight.data, sigmoid_zero["hidden1"].bias.data])
    # moved, but all six alike (to float32 rounding: OpenBLAS on some CPUs orders a few rows' sums differently)
    assert np.allclose(rows, rows[0], rtol=1e-4, atol=1e-6) and np.abs(rows[0]).max() > 0.5
    he_net, _ = runs["relu, he_normal"]
    assert len({tuple(r) for r in he_net["hidden1"].weight.data.round(3)}) == 6
    accuracy = {name: round(history["accuracy"][-1], 3) for name, (_, history) in runs.items()}
    assert accuracy == {"relu, zeros": 0.5, "relu, he_normal": 0.99, "sigmoid, zeros": 0.875}
    assert runs["relu, zeros"][1]["loss"][-1] == pytest.approx(np.log(2), abs=0.01)
    grad = ns["grad"]
    assert np.allclose(grad, grad[0], rtol=1e-5, atol=1e-9) and np.abs(grad).max() > 1e-3
    kinds = {name: [p.kind for p in report.problems] for name, report in ns["reports"].items()}
    assert kinds == {"relu, zeros": ["dead", "duplicate"], "relu, he_normal": [], "sigmoid, zeros": ["duplicate"]}
    assert "init='zeros'" in ns["duplicate"].remedy
    spread = ns["relu_spread"]
    assert spread["normal, std 0.05"][-1] < 1e-4 and spread["normal, std 1"][-1] > 1e8
    assert 0.7 < spread["he_normal"][-1] < 1.3 and round(spread["normal, std 1"][1], 2) == 7.28
