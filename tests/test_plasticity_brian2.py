"""Pair and triplet STDP against Brian2's event-driven synapses (its numpy target) on the same spike trains.

Brian2 updates each trace only at a spike, decaying it exactly over the time since the last one; ours
decays it by exp(-dt/tau) at every step. On spike trains where no pre and post spike fall on the same
step (ours gives such a pair nothing, Brian2 runs the pre pathway first) the weights agree to rounding.
"""

from __future__ import annotations

import json

import numpy as np

from neuronkit.spiking.plasticity import PairSTDP, TripletSTDP

from ._brian2 import run_brian2

BRIAN2 = r'''
import json, sys
import numpy as np
from brian2 import SpikeGeneratorGroup, Synapses, defaultclock, ms, prefs, run, start_scope

prefs.codegen.target = "numpy"
out = []
for case in json.loads(sys.argv[1]):
    start_scope()
    defaultclock.dt = 1 * ms
    pre = SpikeGeneratorGroup(case["n_pre"], case["pre_i"], np.array(case["pre_t"]) * ms)
    post = SpikeGeneratorGroup(case["n_post"], case["post_i"], np.array(case["post_t"]) * ms)
    taus = {key: value * ms for key, value in case["taus"].items()}
    if case["kind"] == "pair":
        set_or_add = "=" if case["nearest"] else "+="
        model = """w : 1
                   dx/dt = -x/tau_plus : 1 (event-driven)
                   dy/dt = -y/tau_minus : 1 (event-driven)"""
        on_pre = f"w = w - a_minus * y\nx {set_or_add} 1"
        on_post = f"w = w + a_plus * x\ny {set_or_add} 1"
    else:
        model = """w : 1
                   dr1/dt = -r1/tau_plus : 1 (event-driven)
                   dr2/dt = -r2/tau_x : 1 (event-driven)
                   do1/dt = -o1/tau_minus : 1 (event-driven)
                   do2/dt = -o2/tau_y : 1 (event-driven)"""
        on_pre = "w = w - o1 * (a2_minus + a3_minus * r2)\nr1 += 1\nr2 += 1"
        on_post = "w = w + r1 * (a2_plus + a3_plus * o2)\no1 += 1\no2 += 1"
    synapses = Synapses(pre, post, model, on_pre=on_pre, on_post=on_post, namespace={**taus, **case["amplitudes"]})
    synapses.connect()
    synapses.w = 0.0
    run(case["steps"] * ms)
    w = np.zeros((case["n_post"], case["n_pre"]))
    w[synapses.j[:], synapses.i[:]] = synapses.w[:]
    out.append(w.tolist())
print(json.dumps(out))
'''


def _trains(seed: int, n_pre: int, n_post: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Random spikes (steps, n): pre spikes on even steps, post spikes on odd ones (never in the same step)."""
    rng = np.random.default_rng(seed)
    pre = (rng.random((steps, n_pre)) < 0.15) * (np.arange(steps) % 2 == 0)[:, None]
    post = (rng.random((steps, n_post)) < 0.15) * (np.arange(steps) % 2 == 1)[:, None]
    return pre.astype(np.float64), post.astype(np.float64)


def _ours(rule, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    w = np.zeros((post.shape[1], pre.shape[1]))
    state = rule.initial_state(pre.shape[1], post.shape[1])
    for x, y in zip(pre, post):
        w += rule.step(w, x[None], y[None], state)
    return w


def _case(kind: str, pre: np.ndarray, post: np.ndarray, taus: dict, amplitudes: dict, nearest: bool = False):
    pre_t, pre_i = np.nonzero(pre)
    post_t, post_i = np.nonzero(post)
    return {"kind": kind, "n_pre": pre.shape[1], "n_post": post.shape[1], "steps": len(pre) + 1, "nearest": nearest,
            "pre_i": pre_i.tolist(), "pre_t": pre_t.tolist(), "post_i": post_i.tolist(), "post_t": post_t.tolist(),
            "taus": taus, "amplitudes": amplitudes}


def test_pair_and_triplet_stdp_match_brian2():
    pre, post = _trains(0, 5, 3, 300)
    pair = {"a_plus": 0.01, "a_minus": 0.012}
    pair_taus = {"tau_plus": 17.0, "tau_minus": 34.0}
    triplet = {"a2_plus": 0.004, "a3_plus": 0.006, "a2_minus": 0.007, "a3_minus": 0.002}
    triplet_taus = {"tau_plus": 16.8, "tau_minus": 33.7, "tau_x": 101.0, "tau_y": 125.0}
    rules = [PairSTDP(**pair, **pair_taus, w_min=None, w_max=None),
             PairSTDP(**pair, **pair_taus, trace="nearest", w_min=None, w_max=None),
             TripletSTDP(**triplet, **triplet_taus, w_min=None, w_max=None)]
    cases = [_case("pair", pre, post, pair_taus, pair), _case("pair", pre, post, pair_taus, pair, nearest=True),
             _case("triplet", pre, post, triplet_taus, triplet)]
    theirs = run_brian2(BRIAN2, json.dumps(cases), timeout=300)
    for rule, reference in zip(rules, theirs):
        ours, reference = _ours(rule, pre, post), np.array(reference)
        assert np.abs(reference).min() > 1e-4                        # every synapse saw spikes both ways
        np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    assert not np.allclose(_ours(rules[0], pre, post), _ours(rules[1], pre, post))  # the two traces differ here
