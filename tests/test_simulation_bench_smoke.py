"""bench/bench_cuba.py keeps working: one quick pass (Brian2's numpy target, 20 ms, one seed), in this process.

Nothing is timed seriously here; the test checks that every contender reports, that the ratios are the
quotients of the reported times, and that both simulators' CUBA is in its asynchronous irregular state
from the start (the first 20 ms: a few Hz, not silent, not epileptic). The full run is
``python bench/bench_cuba.py`` (1 s, 5 seeds, Brian2's cython target, cold and warm).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_cuba_quick_reports_both_simulators(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import bench_cuba
    finally:
        sys.path.remove(str(BENCH))
    out = tmp_path / "cuba.json"
    results = bench_cuba.run(["--quick", "--seeds", "1", "--duration", "20", "--json", str(out)])
    assert json.loads(out.read_text())["ratios"] == results["ratios"]
    assert results["brian2_target"] == "numpy" and results["duration_ms"] == 20.0 and results["seeds"] == 1
    assert results["machine"]["cpu"] and len(results["load_before"]) == 3
    brian, ours = results["brian2"], results["neuronkit"]
    assert brian["cold"] is None and results["ratios"]["run neuronkit/brian2 (cold)"] is None  # numpy: no compiling
    for runs in (brian["seeds"], ours["seeds"], [brian["warm"]]):
        for r in runs:
            assert r["run"] > 0 and r["build"] > 0 and r["run_again"] > 0
            assert 2.0 < r["rate"] < 20.0, r  # 20 ms from uniform potentials: some neurons fire, not all
            assert abs(r["synapses"] - 320_000) < 5 * 560  # binomial(4000 x 4000, 0.02): mean 320,000, sd 560
    ratios = results["ratios"]
    assert ratios["run neuronkit/brian2 (warm)"] == pytest.approx(ours["median_run"] / brian["median_run"])
    assert ratios["mean rate neuronkit/brian2"] == pytest.approx(ours["mean_rate"] / brian["mean_rate"])
