"""Lesson 12 (docs/lessons/12-dashboard.md): every cell runs, and the numbers the prose states hold.

The page runs in one namespace (matplotlib's Agg backend, warnings as errors) with the runner of
tests/test_lessons_2.py; the values the prose gives are then checked here against the library's
own functions, so a page that goes stale fails before the docs build shows wrong text.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest

from ._lessons import run_on_one_blas_thread

pytest.importorskip("matplotlib")


PAGE = Path(__file__).resolve().parent.parent / "docs" / "lessons" / "12-dashboard.md"


@pytest.fixture(scope="module")
def ns() -> dict:
    return run_on_one_blas_thread("12-dashboard.md")


def test_lesson_12_runs_within_its_budget(ns):
    assert ns["_cpu_seconds"] < 10


def test_screenshots_the_page_shows_exist_and_are_small():
    images = re.findall(r"!\[[^\]]*\]\((\.\./_static/dashboard/[\w-]+\.png)\)", PAGE.read_text(encoding="utf-8"))
    assert len(images) == 3
    for src in images:
        path = (PAGE.parent / src).resolve()
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", src
        assert len(data) < 300_000, f"{src}: {len(data)} bytes"


def test_frames_are_taken_at_batch_boundaries(ns):
    hub, last = ns["hub"], ns["last"]
    assert len(hub.data["X"]) == 320 and ns["batches_per_epoch"] == 10       # 400 rows, 80 held out
    # "seq 0 to 441 are 442 publications": begin + 400 steps + 40 epoch ends + the end
    assert last.seq == 441 == 1 + 400 + 40 + 1 - 1
    assert (last.step, last.epoch, hub.status) == (400, 40, "finished")
    assert set(last.params) == set(ns["net"].state_dict())
    for name, value in ns["net"].state_dict().items():                       # the last frame is the trained net
        assert np.array_equal(last.params[name], value)
    # every published batch's loss, one per step 1..400; an epoch row at every 10th step
    assert [s for s, _ in hub.curves.batches] == list(range(1, 401))
    epochs = ns["epochs"]
    assert [row["step"] for row in epochs] == list(range(10, 401, 10))
    assert epochs[-1]["loss"] == pytest.approx(ns["history"]["loss"][-1])
    assert epochs[-1]["val_loss"] == pytest.approx(ns["history"]["val_loss"][-1])
    assert epochs[0]["loss"] == pytest.approx(0.33, abs=0.005) and epochs[-1]["loss"] < 0.0015   # "0.33 … 0.001"


def test_first_layer_maps_are_tanh_of_a_plane_and_the_decision_agrees_with_predict(ns):
    maps, G = ns["maps"], ns["G"]
    assert G == 40 and len(base64.b64decode(maps["neurons"]["hidden1"][0]["data"])) == 1600   # "1,600 bytes"
    assert [e["index"] for e in maps["neurons"]["hidden1"]] == list(range(8))
    # quantisation: half a step of 1/255 of a map's range (at most 2, tanh), plus 4-digit rounding of min and max
    assert ns["worst"] < 2 / 510 + 2e-3
    net, grid = ns["net"], ns["grid"]
    predict = ns["predict"]
    out = predict(net, grid)
    assert ns["agreement"] == 1.0
    argmax = np.frombuffer(base64.b64decode(maps["output"]["argmax"]), dtype=np.uint8)
    for k in (0, 39, 820, 1599):                                                 # a few points, by the library
        assert argmax[k] == np.argmax(out[k])
        assert abs(ns["confidence"].ravel()[k] - out[k].max()) <= 1 / 255
    # the grid: row 0 is the top of the plane, the extent the data's range padded by 10 %
    X = ns["hub"].data["X"].astype(np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    assert maps["extent"][0] == pytest.approx(lo[0] - 0.1 * (hi[0] - lo[0]), abs=1e-5)
    assert grid[0, 1] == pytest.approx(maps["extent"][3]) and grid[-1, 1] == pytest.approx(maps["extent"][2])


def test_the_neuron_card_is_w_dot_x_plus_b(ns):
    card, e = ns["card"], ns["e"]
    net, x = ns["net"], ns["hub"].data["X"][0]
    assert card["name"] == "hidden1[3]" and card["activation"] == "tanh" and card["step"] == 400
    w = net["hidden1"].neurons[3].weights.astype(np.float64)
    b = float(net["hidden1"].neurons[3].bias)
    assert abs(ns["z_by_hand"] - (w @ x.astype(np.float64) + b)) < 1e-12
    assert abs(e["z"] - ns["z_by_hand"]) < 1e-6 and abs(e["output"] - np.tanh(ns["z_by_hand"])) < 1e-6
    assert e["z"] == net["hidden1"].neurons[3].explain(x).z                      # exactly the neuron's explain
    assert e["text"] == str(net["hidden1"].neurons[3].explain(x))
    # the card's statistics: no flags, active fraction = share of z > 0 on the training rows
    z_all = ns["hub"].data["X"].astype(np.float64) @ w + b
    assert card["health"]["flags"] == [] and card["health"]["active_fraction"] == pytest.approx(np.mean(z_all > 0))
    assert card["firing_rate"] == pytest.approx(np.mean(np.tanh(z_all) > 0))
    top = card["top"]
    assert top[0]["value"] == pytest.approx(np.tanh(z_all).max(), abs=1e-3) and top[0]["index"] == int(np.argmax(z_all))


def test_replay_keeps_a_thinned_sample_from_start_to_end(ns):
    replay, kept = ns["replay"], ns["kept"]
    assert len(replay.frames) == 111 and kept[:8] == [0, 4, 8, 11, 15, 19, 22, 26] and kept[-1] == 400
    assert len(replay.frames) <= 200                                            # max_frames
    assert {k: len(v) for k, v in ns["replay"].curves.items()}["epochs"] == 40
    early = ns["early"]
    assert (early.step, early.epoch) == (11, 1)                    # "after 11 steps (one epoch and a batch)"
    accuracies = {step: acc for step, (_, acc) in ns["surfaces"].items()}
    assert round(accuracies[11], 2) == 0.92 and accuracies[400] == 1.0         # "92 %", "100 %"
    # the replayed last frame is the trained network
    for name, value in ns["net"].state_dict().items():
        assert np.array_equal(replay.frames[-1].params[name], value)


def test_trouble_a_dead_neuron_and_a_learning_rate_too_large(ns):
    hidden1 = ns["hidden1"]
    assert hidden1["flags"][5] == ["dead"] and hidden1["mean_act"][5] == 0.0
    assert sum(1 for f in hidden1["flags"] if "dead" in f) == 1
    assert ns["views"].layer_health(ns["relu"], ns["X"])["hidden1"]["dead"] == 0.125      # "one neuron in eight"
    slow, fast = ns["epochs"], ns["fast_epochs"]
    assert fast[0]["loss"] == pytest.approx(2.3, abs=0.05) and fast[0]["loss"] > np.log(2)  # "2.3", above a coin toss
    assert min(r["loss"] for r in fast[10:]) > 0.3                               # "never settles below 0.3"
    assert round(fast[-1]["val_accuracy"], 2) == 0.72 and slow[-1]["val_accuracy"] == 1.0   # "72 % instead of 100 %"
    assert slow[-1]["loss"] < 0.0015
