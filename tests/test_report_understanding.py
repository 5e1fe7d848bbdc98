"""The HTML report's deeper views (issue 18 item 5): each section shows what the inspection function computes.

One report of a small digits MLP with every section (an autoencoder and two concepts too) is written
once; the tests read its tables back and compare them with the public functions run on their own (or
with values worked out here), then check the refusals of the new options, each message by name.
"""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import DataError, ParameterError, ParameterTypeError, UnknownNameError
from neuronkit.inspect import (
    attribute,
    contributions,
    probe_layers,
    top_activating,
    train_sae,
    write_report,
)

SECTIONS = ["cost", "contributions", "attribution-methods", "probes", "polysemanticity", "sae", "concepts"]


def table_rows(page: str, cls: str) -> list[list[str]]:
    """The body cells of the table of class ``cls``, unescaped."""
    found = re.search(rf'<table class="{cls}"><thead>.*?</thead><tbody>(.*?)</tbody></table>', page, re.S)
    assert found, f"no table {cls!r}"
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1))]


def section_of(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]


def entropy_bits(labels: np.ndarray) -> float:
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0


@pytest.fixture(scope="module")
def digits():
    data = nk.datasets.load("digits")
    X, y = data.X[:240] / 16.0, data.y[:240]
    net = nk.mlp([64, 16, 10], output="softmax", seed=0)
    nk.fit(net, X, y, epochs=8, batch_size=32, progress=False, seed=0)
    return net, X, y


@pytest.fixture(scope="module")
def full(digits, tmp_path_factory):
    net, X, y = digits
    concepts = {"zeros": X[y == 0][:12]}
    files = write_report(net, X, y, out_dir=tmp_path_factory.mktemp("report"), attribution_samples=3, top_neurons=2,
                         features="sae", sae_width=24, sae_l1=0.002, seed=0, concepts=concepts)
    return files, files.html.read_text(encoding="utf-8")


def logits(net, X):
    """The output layer's potentials by hand: relu(X W₁ᵀ + b₁) W₂ᵀ + b₂."""
    hidden = np.maximum(X @ net["hidden1"].weight.data.T.astype(np.float64) + net["hidden1"].bias.data, 0.0)
    return hidden @ net["output"].weight.data.T.astype(np.float64) + net["output"].bias.data


def test_the_report_holds_every_section_and_stands_alone(full):
    files, page = full
    assert re.findall(r'<section id="([^"]+)">', page) == SECTIONS
    assert set(files.images) >= {"contributions", "attribution_methods", "probes", "polysemanticity", "sae_features",
                                 "sae_polysemanticity", "concepts", "cost"}
    embedded = re.findall(r'<img alt="(\w+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert sorted(name for name, _ in embedded) == sorted(files.images)     # every picture inside the page
    for name, data in embedded:
        assert base64.b64decode(data) == files.images[name].read_bytes()
    assert "http://" not in page and "https://" not in page
    assert [p.name for p in files.folder.iterdir() if p.name.endswith(".tmp")] == []   # written atomically


def test_the_contributions_table_is_that_of_the_first_sample_for_its_predicted_class(digits, full):
    net, X, _ = digits
    files, page = full
    predicted = int(np.argmax(logits(net, X[:1])))
    expected = contributions(net, X[0], layer="hidden1")
    assert expected.target == predicted
    assert table_rows(page, "contributions") == [[name, f"{c:+.4g}", f"{s:+.1%}"] for name, c, s in
                                                  zip(expected.names, expected.conductance, expected.share)]
    assert files.contributions.names == expected.names
    # completeness: the conductances add up to the change of the predicted class's logit from the zero input
    change = logits(net, X[:1])[0, predicted] - logits(net, np.zeros((1, 64)))[0, predicted]
    assert files.contributions.conductance.sum() == pytest.approx(change, abs=1e-4)
    carried = expected.carried(0.8)
    assert (f"These <b>{len(carried)}</b> neurons carried 80% of the evidence for class {predicted}: "
            f"<code>{', '.join(carried)}</code>") in section_of(page, "contributions")


def test_the_attribution_methods_are_checked_for_conservation(digits, full):
    net, X, _ = digits
    _, page = full
    rows = {row[0]: row for row in table_rows(page, "conservation")}
    assert list(rows) == ["integrated gradients", "DeepLIFT", "LRP-ε", "LRP-z⁺", "GradientSHAP"]
    ig = attribute(net, X[:3], "integrated_gradients")
    assert rows["integrated gradients"][3] == f"{float(np.max(np.abs(ig.delta))):.2g}"
    assert float(rows["DeepLIFT"][3]) < 1e-9 and float(rows["LRP-z⁺"][3]) < 1e-6   # exact up to rounding
    assert rows["GradientSHAP"][1] == "F(x) − E[F(background)]"
    assert "KernelSHAP skipped: its cost grows with the coalitions of the 64 features" in \
        html.unescape(section_of(page, "attribution-methods"))


def test_the_probe_accuracies_are_those_of_probe_layers(digits, full):
    net, X, y = digits
    files, page = full
    expected = probe_layers(net, X, y, seed=0)
    assert table_rows(page, "probes") == [[r.layer, str(r.width), f"{r.train_accuracy:.3f}",
                                          f"{r.test_accuracy:.3f}", "yes" if r.converged else "no"]
                                         for r in expected.rows]
    assert files.probes.rows == expected.rows
    assert f"Chance (always the most frequent class) is {expected.chance:.3f}" in page


def test_the_class_entropy_column_is_worked_out_from_each_neurons_top_samples(digits, full):
    net, X, y = digits
    files, page = full
    header = re.search(r'<table class="neurons"><thead><tr>(.*?)</tr>', page).group(1)
    assert header.endswith("<th>class entropy (top-20)</th>")
    column = {row[0]: row[-1] for row in table_rows(page, "neurons")}
    by_hand = {}
    for j in range(16):
        top = top_activating(net, X, f"hidden1[{j}]", k=20)
        active = top.indices[top.values > 0]
        by_hand[f"hidden1[{j}]"] = entropy_bits(y[active]) if len(active) else None
    assert {name: column[name] for name in by_hand} == {name: "" if h is None else f"{h:.2f}"
                                                        for name, h in by_hand.items()}
    assert column["output[0]"] == ""                              # hidden neurons only
    live = [h for h in by_hand.values() if h is not None]
    assert table_rows(page, "polysemanticity")[0][:4] == ["hidden1", "16", str(len(live)), f"{np.mean(live):.2f}"]


def test_features_sae_trains_the_autoencoder_asked_for_and_compares_it(digits, full):
    net, X, _ = digits
    files, page = full
    found = files.sae
    assert found.layer == "hidden1" and len(found.features.units) == 24
    same = train_sae(net, X, layer="hidden1", n_features=24, l1=0.002, seed=0)    # width, L1 weight and seed used
    np.testing.assert_array_equal(found.network["sae"].weight.data, same.W_enc.data)
    part = section_of(page, "sae")
    assert "A sparse autoencoder with <b>24</b> features was trained on the outputs of <code>hidden1</code>" in part
    c = found.comparison()
    word = "more" if c["features"]["entropy"] < c["neurons"]["entropy"] else "less"
    if abs(c["features"]["entropy"] - c["neurons"]["entropy"]) <= 0.05 * max(c["features"]["entropy"],
                                                                               c["neurons"]["entropy"]):
        word = "about as"
    assert f"the features are <b>{word}</b> monosemantic ({c['features']['entropy']:.3f} bits against the " \
           f"neurons' {c['neurons']['entropy']:.3f}" in part
    ranked = table_rows(page, "sae-features")
    assert [row[0] for row in ranked] == found.ranking[:20]
    assert ranked[0][1] == f"{found.selectivity[found.ranking[0]]:.3f}"
    assert [row[1] for row in table_rows(page, "sae-comparison")] == ["16", "24"]


def test_concepts_are_tested_for_the_most_common_prediction(digits, full):
    net, X, _ = digits
    files, page = full
    common = int(np.bincount(np.argmax(logits(net, X), axis=1)).argmax())
    assert f"<h2>Concepts (TCAV) for class {common}</h2>" in page
    result = files.concepts["zeros"]
    assert result.target == common and result.layer == "hidden1" and result.n_examples == 12
    assert len(result.scores) == len(result.random_scores) == 20
    # the logit is linear in hidden1 (z = W₂h + b₂), so S(x) = W₂[common]·v is the same for every sample: each
    # concept direction scores 0 or 1
    assert np.allclose(result.sensitivities, result.sensitivities[0])
    assert set(np.unique(result.scores)) <= {0.0, 1.0} and result.score == pytest.approx(result.scores.mean())
    assert table_rows(page, "concepts") == [["zeros", "12", f"{result.score:.3f} ± {result.scores.std():.3f}",
                                             f"{result.random_scores.mean():.3f} ± {result.random_scores.std():.3f}",
                                             f"{result.p_value:.3g}", "yes" if result.significant else "no"]]


def test_a_network_with_a_batchnorm_gets_kernel_shap_and_says_why_lrp_is_missing(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.argmax(X[:, :3], axis=1)
    net = nk.Sequential(nk.Dense(4, 6, activation="relu", seed=0), nk.BatchNorm(6),
                        nk.Dense(6, 3, activation="softmax", seed=1))
    nk.fit(net, X, y, epochs=5, batch_size=16, progress=False, seed=0)
    files = write_report(net, X, y, out_dir=tmp_path, attribution_samples=2, feature_names=list("abcd"))
    page = files.html.read_text(encoding="utf-8")
    rows = {row[0]: row for row in table_rows(page, "conservation")}
    assert list(rows) == ["integrated gradients", "GradientSHAP", "KernelSHAP"]
    assert float(rows["KernelSHAP"][3]) < 1e-9                      # efficiency is imposed
    part = html.unescape(section_of(page, "attribution-methods"))
    for method in ("DeepLIFT", "LRP-ε", "LRP-z⁺"):
        assert f"{method} skipped: " in part and "layer 'batchnorm1' is a BatchNorm" in part


def test_a_regressor_gets_contributions_but_no_class_sections(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    net = nk.mlp([3, 5, 1], seed=0)
    files = write_report(net, X, X[:, 0], out_dir=tmp_path, attribution_samples=0)
    page = files.html.read_text(encoding="utf-8")
    assert re.findall(r'<section id="([^"]+)">', page) == ["cost", "contributions"]
    assert files.probes is None and files.polysemanticity is None and files.sae is None and files.concepts is None
    assert "Contributions: which neurons carried the prediction (the output)" in page
    assert files.contributions.layer == "hidden1" and len(files.contributions.names) == 5


def refuse(tmp_path, net, X, y, **options):
    out = tmp_path / "never"
    try:
        write_report(net, X, y, out_dir=out, **options)
    finally:
        assert not out.exists()                                   # refused before anything is written


NET = nk.mlp([4, 6, 3], output="softmax", seed=0)
X4 = np.random.default_rng(2).normal(size=(30, 4))
Y4 = np.arange(30) % 3


@pytest.mark.parametrize("options, y, error, message", [
    ({"features": "pca"}, Y4, ParameterError,
     "write_report features must be None or \"sae\" (train a sparse autoencoder on `layer` and add its section); "
     "got 'pca'"),
    ({"features": "sae", "sae_width": 0}, Y4, ParameterError,
     "write_report sae_width (the autoencoder's number of features) must be >= 1; got 0. Give e.g. 4 times"),
    ({"features": "sae", "sae_width": 2.5}, Y4, ParameterTypeError, "sae_width"),
    ({"sae_width": 8}, Y4, ParameterError,
     "write_report sae_width sets the sparse autoencoder; it needs features='sae' (got sae_width=8 without it)"),
    ({"features": "sae", "sae_l1": -1.0}, Y4, ParameterError, "sae_l1"),
    ({"features": "sae"}, None, ParameterError,
     "write_report features='sae' ranks the autoencoder's features by class: give y (the class labels)"),
    ({"layer": "nope"}, Y4, UnknownNameError, "no layer named 'nope'; layers are: hidden1, output"),
    ({"layer": "output"}, Y4, ParameterError,
     "write_report layer 'output' is the output layer; the autoencoder, the contributions and the concepts read a "
     "hidden Dense layer: hidden1"),
    ({"concepts": [X4[:12]]}, Y4, ParameterError,
     "write_report concepts must be a non-empty dict concept name -> example inputs (rows like X); got 'list'"),
    ({"concepts": {"few": X4[:3]}}, Y4, DataError,
     "write_report concepts['few'] has 3 examples; a concept needs at least 10"),
    ({"concepts": {"wide": np.ones((12, 5))}}, Y4, ParameterError, "concepts\\['wide'\\]"),
    ({"concept_target": 1}, Y4, ParameterError,
     "write_report concept_target is the output the concepts are tested for; it needs concepts="),
    ({"concepts": {"c": X4[:12]}, "concept_target": 3}, Y4, ParameterError, "concept_target"),
    ({"seed": -1}, Y4, ParameterError, "seed"),
])
def test_write_report_refuses_bad_options_by_name(tmp_path, options, y, error, message):
    with pytest.raises(error, match=re.escape(message) if "\\" not in message else message):
        refuse(tmp_path, NET, X4, y, **options)


def test_the_deeper_options_are_refused_where_they_cannot_apply(tmp_path):
    regressor = nk.mlp([4, 6, 1], seed=0)
    with pytest.raises(ParameterError, match="give y \\(the class labels\\) and a classifier; this network is a "
                                             "regressor"):
        refuse(tmp_path, regressor, X4, X4[:, 0], features="sae")
    with pytest.raises(ParameterError, match="features='sae' and concepts read a hidden Dense layer; this network "
                                             "has none"):
        refuse(tmp_path, nk.mlp([4, 3], output="softmax", seed=0), X4, Y4, features="sae")
    spiking = nk.build("rate(3),dense(5,lif),dense(out,lif)", (4,), outputs=3, seed=0)
    with pytest.raises(ParameterError, match="this is a spiking network: leave them out"):
        refuse(tmp_path, spiking, X4, Y4, features="sae")
    conv = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(72, 6, seed=1),
                         nk.Dense(6, 3, activation="softmax", seed=2))
    with pytest.raises(ParameterError, match="networks of feature vectors; this network takes images or token ids"):
        refuse(tmp_path, conv, np.ones((12, 1, 8, 8)), np.arange(12) % 3, concepts={"c": np.ones((10, 1, 8, 8))})
