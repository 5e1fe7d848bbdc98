"""Lesson 15 (docs/lessons/15-what-a-neuron-contributes.md): every cell runs, and the numbers the prose states hold.

The page runs in one namespace (warnings as errors) with the runner of tests/test_lessons_2.py; the values
the prose gives are then checked here against a recomputation by hand or in NumPy, Captum on the same
weights copied into torch, scikit-learn, SciPy, or the benchmark's results file (bench/results/sae.json),
so a page gone stale fails here before the docs build shows wrong text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ._lessons import run_on_one_blas_thread

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")
torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")

from ._torch_mlp import torch_mlp  # noqa: E402  (after the importorskip of torch)

BENCH = Path(__file__).resolve().parents[1] / "bench" / "results" / "sae.json"


@pytest.fixture(scope="module")
def ns() -> dict:
    return run_on_one_blas_thread("15-what-a-neuron-contributes.md")




def _relu_forward(net, X: np.ndarray) -> list[np.ndarray]:
    """Each layer's output (logits last), recomputed in NumPy from the weights."""
    out, a = [], X
    for i, layer in enumerate(net):
        z = a @ layer.weight.data.T + layer.bias.data
        a = z if i == len(net) - 1 else np.maximum(z, 0)
        out.append(a)
    return out


def test_lesson_15_runs_within_its_budget(ns):
    assert ns["_cpu_seconds"] < 30
    assert len(ns["train"]) == 1200 and len(ns["test"]) == 597 and not set(ns["train"]) & set(ns["test"])


# ------------------------------------------------------------------ 1. conductance by hand
def test_the_tiny_network_by_hand(ns):
    tiny, x = ns["tiny"], ns["x"]
    h = np.maximum(x @ tiny["hidden1"].weight.data.T + tiny["hidden1"].bias.data, 0)
    h0 = np.maximum(tiny["hidden1"].bias.data, 0)
    assert h.tolist() == [[3.5, 0.75]] and h0.tolist() == [0.5, 0.0]                # "h = (3.5, 0.75)", "(0.5, 0)"
    assert (ns["F_x"], ns["F_base"]) == (5.0, 0.5)                                    # "F(x) = 5", "F(x') = 0.5"
    # neuron 2 switches on where α - 0.25 = 0 on the path (2α, α)
    w2, b2 = tiny["hidden1"].weight.data[1], tiny["hidden1"].bias.data[1]
    assert -b2 / float(w2 @ x[0]) == 0.25


def test_neuron_conductance_by_hand_equals_the_library_and_captum(ns):
    by_hand, neuron_cond = ns["by_hand"], ns["neuron_cond"]
    assert by_hand.tolist() == [[2.0, 1.0], [3.0, -1.5]]                            # "(2, 1)", "(3, -1.5)"
    np.testing.assert_allclose(neuron_cond, by_hand, atol=1e-12)
    model, x = torch_mlp(ns["tiny"]), torch.from_numpy(ns["x"])
    for j in range(2):                                  # Captum's neuron conductance, many Gauss-Legendre points
        ref = captum_attr.NeuronConductance(model, model[1]).attribute(x, neuron_selector=j, target=0, n_steps=2000)
        np.testing.assert_allclose(ref.detach().numpy()[0], by_hand[j], atol=2e-3)


def test_layer_conductance_completeness_and_integrated_gradients(ns):
    layer_cond, ig, neuron_cond = ns["layer_cond"], ns["ig"], ns["neuron_cond"]
    np.testing.assert_allclose(layer_cond[0], [3.0, 1.5], atol=1e-12)                # "3", "1.5"
    assert layer_cond.sum() == pytest.approx(4.5, abs=1e-12) and layer_cond.completeness_ok
    np.testing.assert_allclose(ig[0], [5.0, -0.5], atol=1e-12)                       # "(5, -0.5)"
    np.testing.assert_allclose(neuron_cond.sum(axis=0), ig[0], atol=1e-12)
    # integrated gradients by a fine midpoint rule on the NumPy forward pass: ∂F/∂x = Σ_j v_j w_j 1[z_j > 0]
    tiny, x = ns["tiny"], ns["x"][0]
    W, b, v = tiny["hidden1"].weight.data, tiny["hidden1"].bias.data, tiny["output"].weight.data[0]
    alphas = (np.arange(100_000) + 0.5) / 100_000
    on = (np.outer(alphas, W @ x) + b) > 0
    np.testing.assert_allclose(x * ((on * v).mean(axis=0) @ W), [5.0, -0.5], atol=1e-4)


def test_the_kink_on_a_grid_point_loses_half_an_interval(ns):
    np.testing.assert_allclose(ns["fine"][0], np.array([3.0, -1.5]) * (0.75 - 1 / 400) / 0.75, atol=1e-12)
    assert ns["fine"][0].round(3).tolist() == [2.99, -1.495]


# ------------------------------------------------------------------ 2. contributions on the digits
def test_the_digits_network(ns):
    assert round(ns["accuracy"], 3) == 0.978                                          # "97.8 %"
    assert [layer.out_features for layer in ns["net"]] == [32, 32, 10]


def test_the_contribution_table_of_one_digit(ns):
    table, net, sample = ns["table"], ns["net"], ns["sample"].astype(np.float64)
    assert ns["y_test"][0] == 4 and table.target == 4                                 # "a 4 and the network says 4"
    logits = _relu_forward(net, np.vstack([sample, np.zeros(64)]))[-1][:, 4]
    assert (round(logits[0], 1), round(logits[1], 2)) == (18.9, 0.66)                 # "18.9 against 0.66"
    assert table.value == pytest.approx(logits[0]) and table.baseline_value == pytest.approx(logits[1])
    assert len(ns["carried"]) == 7                                                    # "7 carried 80 %"
    positive = np.clip(table.conductance, 0, None)
    assert positive[:6].sum() < 0.8 * positive.sum() <= positive[:7].sum()
    assert ns["carried"][0] == "hidden1[12]" and round(table.share[0], 2) == 0.32     # "a third (32 %)"
    assert table.names[-1] == "hidden1[2]" and round(-table.share[-1], 2) == 0.07     # "took back 7 %"
    assert round(abs(table.delta), 3) == 0.014                                        # completeness error 0.014
    # against Captum's layer conductance on the same weights (many steps), and the dead neurons carry 0
    model = torch_mlp(net)
    ref = captum_attr.LayerConductance(model, model[1]).attribute(
        torch.from_numpy(sample[None]), target=4, n_steps=500).detach().numpy()[0]
    order = [int(name[8:-1]) for name in table.names]
    np.testing.assert_allclose(table.conductance, ref[order], atol=0.02)
    assert np.all(ref[list(ns["never"])] == 0.0)
    assert ns["y_test"][ns["top_of_first"].indices].tolist() == [4] * 10             # "a 4-detector"


def test_deeplift_and_lrp_conservation(ns):
    methods, samples = ns["methods"], ns["samples"]
    logits = _relu_forward(ns["net"], samples)[-1]
    predicted = logits.argmax(axis=1)
    assert predicted.tolist() == ns["y_test"][:4].tolist() == [4, 4, 8, 2]
    F = logits[np.arange(4), predicted]
    np.testing.assert_allclose(methods["LRP-ε"].values, F, atol=1e-9)
    assert np.abs(methods["DeepLIFT"].delta).max() < 1e-12                           # "to rounding"
    assert np.abs(methods["LRP-z⁺"].delta).max() < 1e-7
    assert round(np.abs(methods["integrated gradients"].delta).max(), 2) == 0.03     # "0.03 at most"
    lost = -methods["LRP-ε"].delta
    assert round(lost[0], 2) == 1.56 and round(F[0], 2) == 18.87                      # "1.56 of … 18.87"
    assert round((lost / F).max(), 1) == 0.1                                          # "up to a tenth"
    # LRP-ε with ε → 0 on a ReLU network is gradient × input: the same map here
    gxi = nk_attribute(ns, samples, "grad_x_input")
    np.testing.assert_allclose(methods["LRP-ε"], gxi, atol=1e-6)


def nk_attribute(ns: dict, X: np.ndarray, method: str) -> np.ndarray:
    return np.asarray(ns["nk"].inspect.attribute(ns["net"], X, method))


def test_shap_backgrounds(ns):
    shap, net, samples = ns["shap"], ns["net"], ns["samples"]
    predicted = [4, 4, 8, 2]
    digits_logits = _relu_forward(net, ns["background"])[-1]
    expected = digits_logits[:, predicted].mean(axis=0)
    for name in ("KernelSHAP, 20 digits", "GradientSHAP, 20 digits"):
        np.testing.assert_allclose(shap[name].expected_value, expected, atol=1e-9)
    assert round(expected[0], 1) == -1.6 and round(expected[3], 1) == -8.2            # "−1.6 … −8.2 for the 2"
    assert np.all(expected < 0)
    f_x = _relu_forward(net, samples.astype(np.float64))[-1][np.arange(4), predicted]
    for phi in shap.values():
        np.testing.assert_allclose(phi.values, f_x, atol=1e-9)
    blank = _relu_forward(net, np.zeros((1, 64)))[-1][0, predicted]
    np.testing.assert_allclose(shap["KernelSHAP, blank"].expected_value, blank, atol=1e-9)
    for name in ("KernelSHAP, 20 digits", "KernelSHAP, blank"):
        assert np.abs(shap[name].delta).max() < 1e-9 and not shap[name].exact           # drawn, not enumerated
        assert shap[name].n_samples == 2048
    assert shap["GradientSHAP, 20 digits"].n_samples == 200
    assert round(np.abs(shap["GradientSHAP, 20 digits"].delta).max(), 1) == 2.8       # "up to 2.8"
    assert np.abs(shap["GradientSHAP, blank"].delta).max() < 0.1                      # "under 0.1"


def test_when_the_methods_agree(ns):
    agreement, every, samples = ns["agreement"], ns["every"], ns["samples"]
    names = list(every)
    assert names == ["integrated gradients", "DeepLIFT", "LRP-ε", "LRP-z⁺", "KernelSHAP, 20 digits",
                     "GradientSHAP, 20 digits", "KernelSHAP, blank", "GradientSHAP, blank"]
    a, b = 1, 6                                           # one entry recomputed: DeepLIFT against KernelSHAP (blank)
    r = np.mean([np.corrcoef(np.asarray(every[names[a]][s]), np.asarray(every[names[b]][s]))[0, 1]
                 for s in range(len(samples))])
    assert agreement[a, b] == pytest.approx(r)
    blank_block = [0, 1, 2, 6, 7]
    block = agreement[np.ix_(blank_block, blank_block)]
    assert round(block.min(), 2) == 0.94 and round(block.max(), 2) == 1.0             # "0.94 to 1.00"
    assert round(agreement[4, 5], 2) == 0.99                                          # "with each other (0.99)"
    across = agreement[np.ix_([4, 5], blank_block)]
    assert 0.25 <= across.min() and across.max() <= 0.35                              # "about 0.3"
    assert agreement[3, [0, 1, 2, 4, 5, 6, 7]].max() < 0.5                            # z⁺ stands apart
    assert np.all(np.asarray(every["LRP-z⁺"]) >= 0)                                   # only positive evidence
    on_blank = ns["on_blank"]
    assert round(float((~ns["ink"]).mean()), 2) == 0.55
    for name in ("integrated gradients", "DeepLIFT", "LRP-ε", "LRP-z⁺", "GradientSHAP, blank"):
        assert on_blank[name] == 0.0                                                  # "exactly 0 %"
    assert [round(100 * on_blank[name]) for name in ("GradientSHAP, 20 digits", "KernelSHAP, 20 digits")] == [47, 48]
    assert round(100 * on_blank["KernelSHAP, blank"]) == 5                            # "5 % … the estimate's error"
    # the exact Shapley value of a pixel that is blank in the image and in the background is 0: with 2^k
    # coalitions enumerated (a small model, k = 6 features, two of them 0 in x and b) KernelSHAP gives 0 there
    nk = ns["nk"]
    small = nk.mlp([6, 5, 3], output="softmax", seed=1, dtype=np.float64)
    x = np.array([[0.5, 0.0, 1.0, 0.0, 0.3, 0.9]])
    exact = nk.inspect.kernel_shap(small, x, np.zeros((1, 6)), target=0)
    assert exact.exact and np.abs(exact[0, [1, 3]]).max() < 1e-12


# ------------------------------------------------------------------ 3. what a neuron represents
def test_probes_recomputed_with_scikit_learn(ns):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    before, after = ns["probes_before"], ns["probes"]
    as_percent = lambda p: [round(100 * row.test_accuracy) for row in p.rows]  # noqa: E731
    assert as_percent(before) == [94, 84, 77, 60] and as_percent(after) == [94, 94, 98, 96]
    assert after.n_test == 180 and after.n_train == 417                              # "70 % … the other 180"
    X_test, y_test = ns["X_test"], ns["y_test"]
    train, test = train_test_split(np.arange(len(X_test)), test_size=0.3, random_state=0, stratify=y_test)
    hidden2 = _relu_forward(ns["net"], X_test)[1]
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(hidden2[train], y_test[train])
    assert probe.score(hidden2[test], y_test[test]) == pytest.approx(after["hidden2"].test_accuracy)


def test_polysemanticity_by_its_definition(ns):
    poly, X_test, y_test = ns["poly"], ns["X_test"], ns["y_test"]
    hidden1 = _relu_forward(ns["net"], X_test)[0]
    for j in range(32):                                   # class entropy of the top 20 active images, recomputed
        top = np.argsort(-hidden1[:, j], kind="stable")[:20]
        top = top[hidden1[top, j] > 0]
        if len(top) == 0:
            assert np.isnan(poly.entropy[j])
            continue
        p = np.bincount(y_test[top], minlength=10) / len(top)
        p = p[p > 0]
        assert poly.entropy[j] == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-12)
    assert int(poly.alive.sum()) == 25 and round(ns["summary"]["alive"], 2) == 0.78   # "25 … the other 7 are dead"
    assert round(ns["summary"]["entropy"], 2) == 0.92 and round(ns["summary"]["effective_classes"]) == 2
    zero = [poly.units[j] for j in range(32) if poly.entropy[j] == 0]
    assert sorted(zero, key=lambda n: int(n[8:-1])) == ["hidden1[6]", "hidden1[12]", "hidden1[18]", "hidden1[23]"]
    majority = [int(np.bincount(y_test[np.argsort(-hidden1[:, int(n[8:-1])], kind="stable")[:20]]).argmax())
                for n in ("hidden1[23]", "hidden1[6]", "hidden1[18]", "hidden1[12]")]
    assert majority == [8, 0, 6, 4]                                                   # "8s, 0s, 6s and 4s"
    assert ns["carried"][0] == "hidden1[12]"                                          # "carried a third of the 4"
    assert int((poly.entropy[poly.alive] >= 1).sum()) == 11                           # "11 of the 25"
    assert sorted(np.flatnonzero(~poly.alive).tolist()) == ns["never"].tolist()       # "the same 7"
    worst = poly.units[int(np.nanargmax(poly.entropy))]
    assert worst == "hidden1[24]" and round(poly["hidden1[24]"]["entropy"], 2) == 1.87
    top = np.argsort(-hidden1[:, 24], kind="stable")[:20]
    assert sorted(set(y_test[top].tolist())) == [1, 4, 7, 9]                           # "1s, 4s, 7s and 9s"


def test_the_sparse_autoencoder_against_the_neurons(ns):
    sae, features, comparison = ns["sae"], ns["features"], ns["comparison"]
    assert sae.n_features == 128 and sae.l1 == 1.0
    assert round(features.losses["explained"], 2) == 0.88                             # "88 %"
    assert round(features.losses["l0"]) == 13 and features.losses["dead"] == 0         # "13 of the 128", none dead
    neurons, feats = comparison["neurons"], comparison["features"]
    assert (round(feats["selectivity"], 2), round(neurons["selectivity"], 2)) == (0.85, 0.54)
    assert (round(feats["entropy"], 2), round(neurons["entropy"], 2)) == (1.16, 0.92)
    # the features as a network: its layer computes the autoencoder's encoding of hidden1
    hidden1 = _relu_forward(ns["net"], ns["X_test"])[0]
    np.testing.assert_allclose(ns["feature_values"], sae.encode(hidden1), atol=1e-9)
    assert ns["best"] == "sae[76]" and round(features.selectivity["sae[76]"], 2) == 1.0
    assert ns["best_active"] == 3                                                     # "fires on three 4s"
    j = features.features.units.index("sae[76]")
    assert set(ns["y_test"][ns["feature_values"][:, j] > 0].tolist()) == {4}
    assert len(ns["common"]) == 103 and ns["common"][0] == "sae[22]"                 # "the 103 features"
    assert round(features.selectivity["sae[22]"], 2) == 0.98
    assert ns["y_test"][ns["common_top"].indices].tolist() == [0] * 20                # "twenty 0s"


def test_the_benchmark_figures_quoted(ns):
    bench = json.loads(BENCH.read_text())
    assert bench["seeds"] == 3 and bench["sae_epochs"] == 200 and bench["l1"] == [0.01, 0.1, 0.3, 1.0, 3.0]
    assert bench["features_per_neuron"] == 4 and bench["top_k"] == 20
    mean = bench["mean"]["sae"]
    runs = {l1: mean[f"hidden1 l1={l1:g}"] for l1 in bench["l1"]}
    neurons = runs[0.01]["neurons"]
    assert round(neurons["selectivity"], 2) == 0.40 and round(neurons["entropy"], 2) == 1.16
    assert (round(runs[0.01]["features"]["selectivity"], 2), round(runs[3.0]["features"]["selectivity"], 2)) \
        == (0.65, 0.94)                                                               # "from 0.65 to 0.94"
    assert all(runs[l1]["features"]["entropy"] > neurons["entropy"] for l1 in (0.01, 0.1, 0.3, 1.0))
    assert round(runs[1.0]["features"]["entropy"], 2) == 1.18 and round(runs[3.0]["features"]["entropy"], 2) == 0.72
    assert round(100 * runs[3.0]["explained"]) == 59                                  # "explains 59 %"


def test_tcav_and_its_significance_test(ns):
    from scipy import stats

    t7, t4, t1 = ns["tcav_7"], ns["tcav_4"], ns["tcav_1"]
    for r in (t7, t4, t1):
        assert len(r.scores) == len(r.random_scores) == 20 and r.layer == "hidden1"
        assert r.p_value == pytest.approx(stats.ttest_ind(r.scores, r.random_scores, equal_var=False).pvalue)
        assert r.significant
    assert (round(t7.score, 2), round(t7.random_scores.mean(), 2), round(t7.p_value, 2)) == (0.59, 0.33, 0.03)
    assert round(t7.scores.std(), 2) == 0.32                                          # "± 0.32"
    assert (round(t4.score, 2), round(t4.random_scores.mean(), 2)) == (0.25, 0.90)     # "lowers the 4"
    assert (round(t1.score, 2), round(t1.random_scores.mean(), 2)) == (0.70, 0.12)
    bars = ns["bars"].reshape(-1, 8, 8)
    assert bars.shape == (30, 8, 8) and np.all(bars[:, 2:] == 0)                     # strokes in row 0 or 1 only
    assert np.all((bars > 0).sum(axis=(1, 2)) >= 3)
    # on the last hidden layer the logit's gradient is the output weight row for every image (torch's autograd on
    # the same weights), so each CAV there scores 0 or 1: "TCAV would say nothing"
    model = torch_mlp(ns["net"])
    h2 = model[:4](torch.from_numpy(ns["X_test"][:50].astype(np.float64))).detach().requires_grad_()
    model[4](h2)[:, 7].sum().backward()
    np.testing.assert_allclose(h2.grad.numpy(), np.tile(ns["net"]["output"].weight.data[7], (50, 1)), atol=1e-12)


# ------------------------------------------------------------------ 4. what it costs
def test_the_cost_by_its_formula(ns):
    price, one = ns["price"], ns["one"]
    sizes = [(64, 32), (32, 32), (32, 10)]
    assert price.macs == sum(i * o for i, o in sizes) == 3392                          # "3,392 MACs"
    assert price.parameters == sum(i * o + o for i, o in sizes) == 3466                # "3,466 parameters"
    assert price.memory_bytes == 4 * 3466 and round(price.memory_bytes / 1000, 1) == 13.9   # "13.9 kB"
    assert one == {"name": "hidden1[3]", "macs": 64, "ops": 2, "parameters": 65, "bytes": 260,
                   "energy_pj": pytest.approx(64 * 4.6 + 2 * 0.9 + 65 * 5)}
    assert round(one["energy_pj"] / 1000, 1) == 0.6                                    # "about 0.6 nJ"
    compute = price.macs * 4.6 + price.ops * 0.9
    assert price.energy_pj == pytest.approx(compute + 3466 * 5.0)
    assert price.energy_dram_pj == pytest.approx(compute + 3466 * 640.0)
    assert round(price.energy_pj / 1000) == 33 and round(price.energy_dram_pj / 1e6, 1) == 2.2   # "33 nJ", "2.2 µJ"


def test_the_neurons_that_never_fire(ns):
    hidden1 = _relu_forward(ns["net"], ns["X"][ns["train"]])[0]
    never = np.flatnonzero(hidden1.max(axis=0) == 0)
    assert never.tolist() == ns["never"].tolist() and len(never) == 7
    assert ns["saved"] == 7 * (64 + 32) == 672 and round(100 * ns["saved"] / ns["price"].macs) == 20   # "20%"
    assert not set(f"hidden1[{j}]" for j in never) & set(ns["carried"])                # they carried nothing


# ------------------------------------------------------------------ the page and the API reference
def test_the_command_lines_use_the_contracted_flags():
    text = (Path(__file__).resolve().parents[1] / "docs" / "lessons" / "15-what-a-neuron-contributes.md").read_text()
    for flag in ["--method conductance --neuron hidden1[3]", "--features sae", "--layer hidden1", "--sae-width 128",
                 "--sae-l1 1.0", "--seed 0", "--rule zplus", "--background digits"]:
        assert flag in text, flag


def test_every_inspect_name_the_lesson_uses_is_in_the_api_reference(ns):
    """The API page of neuronkit.inspect documents the names of its ``__all__`` (docs/conf.py's table)."""
    api = (Path(__file__).resolve().parents[1] / "docs" / "api" / "index.md").read_text()
    assert "   neuronkit.inspect\n" in api
    used = {"attribute", "layer_conductance", "neuron_conductance", "contributions", "deeplift", "lrp",
            "kernel_shap", "gradient_shap", "probe_layers", "polysemanticity", "train_sae", "sae_features",
            "top_activating", "tcav", "cost"}
    assert used <= set(ns["nk"].inspect.__all__)
