"""What a neuron represents: linear probes, polysemanticity, a sparse autoencoder's features, TCAV (issue 18 item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import neuronkit as nk
from neuronkit.errors import DataError, ParameterError, UnknownNameError
from neuronkit.inspect import (
    SparseAutoencoder,
    concept_vector,
    feature_network,
    polysemanticity,
    polysemanticity_scores,
    probe_layers,
    sae_features,
    tcav,
    train_sae,
)
from neuronkit.inspect._model import InspectedModel
from neuronkit.inspect.concepts import _layer_gradients


def identity_net(d: int, n_out: int = 2, activation: str = "identity") -> nk.Sequential:
    """hidden1 = X exactly (identity weights, float64), then an output layer."""
    net = nk.Sequential(nk.Dense(d, d, activation=activation, dtype=np.float64, seed=0),
                        nk.Dense(d, n_out, activation="softmax", dtype=np.float64, seed=1))
    net["hidden1"].weight.data[:] = np.eye(d)
    net["hidden1"].bias.data[:] = 0.0
    return net


def blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    return centres[y] + rng.normal(size=(n, 4)), y


# ------------------------------------------------------------------------------ probes
def test_probe_on_a_layer_that_is_the_input_equals_a_direct_logistic_regression():
    X, y = blobs()
    probes = probe_layers(identity_net(4, 3), X, y, seed=3, test_size=0.25)
    train, test = train_test_split(np.arange(len(X)), test_size=0.25, random_state=3, stratify=y)
    direct = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[train], y[train])
    assert probes["hidden1"].test_accuracy == pytest.approx(direct.score(X[test], y[test]), abs=0)
    assert probes["hidden1"].train_accuracy == pytest.approx(direct.score(X[train], y[train]), abs=0)
    assert probes["input"].test_accuracy == probes["hidden1"].test_accuracy
    assert probes.n_test == len(test) and probes.chance == pytest.approx(np.bincount(y[test]).max() / len(test))
    assert [r.layer for r in probes.rows] == ["input", "hidden1", "output"]
    assert probes["hidden1"].test_accuracy > 0.8


def test_probe_on_a_silent_layer_falls_to_the_training_majority():
    X, y = blobs()
    y = np.where(np.arange(len(X)) % 4 == 0, 1, 0)  # 1 in 4 samples of class 1
    net = identity_net(4, 2, activation="relu")
    net["hidden1"].bias.data[:] = -100.0  # every neuron silent: the layer carries nothing about the class
    probes = probe_layers(net, X, y, seed=0)
    train, test = train_test_split(np.arange(len(X)), test_size=0.3, random_state=0, stratify=y)
    majority = np.bincount(y[train]).argmax()
    assert probes["hidden1"].test_accuracy == pytest.approx(np.mean(y[test] == majority))
    assert "hidden1" in probes.render()


# ------------------------------------------------------------------------------ polysemanticity
def test_polysemanticity_entropy_and_clusters_by_hand():
    rng = np.random.default_rng(0)
    inputs = np.concatenate([rng.normal(size=(6, 2)) * 0.05 + [5.0, 5.0],   # samples 0-5: a blob at (5, 5)
                             rng.normal(size=(6, 2)) * 0.05 - [5.0, 5.0]])  # samples 6-11: a blob at (-5, -5)
    y = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    acts = np.zeros((12, 4))
    acts[[0, 1, 2], 0] = [3.0, 2.0, 1.0]           # unit 0: class 0 only, one blob
    acts[[0, 3, 6, 9], 1] = [4.0, 3.0, 2.0, 1.0]   # unit 1: classes 0, 1, 0, 1 over both blobs
    acts[:6, 2] = np.arange(6, 0, -1)              # unit 2: top 4 = samples 0..3: classes 0, 0, 0, 1
    s = polysemanticity_scores(acts, y, inputs=inputs, k=4, seed=0)
    p = np.array([0.75, 0.25])
    assert s.entropy[0] == 0.0 and s.entropy[1] == pytest.approx(1.0)
    assert s.entropy[2] == pytest.approx(-(p * np.log2(p)).sum())
    assert np.isnan(s.entropy[3]) and s.clusters[3] == 0 and s.n_active.tolist() == [3, 4, 4, 0]
    assert s.clusters[:3].tolist() == [1, 2, 1]
    assert s.effective_classes[1] == pytest.approx(2.0)
    assert s.summary()["alive"] == pytest.approx(0.75)
    # the clusters given as labels (two blobs: samples 0-5 and 6-11) count the same as the inputs clustered here
    from neuronkit.inspect.probes import input_clusters_of
    groups = input_clusters_of(inputs, acts, seed=0)
    assert len(set(groups[:6])) == 1 and len(set(groups[6:])) == 1 and groups[0] != groups[6]
    given = polysemanticity_scores(acts, y, input_clusters=groups, k=4)
    assert given.clusters.tolist() == s.clusters.tolist()
    with pytest.raises(ParameterError, match="give inputs= .* or input_clusters= .*, not both"):
        polysemanticity_scores(acts, y, inputs=inputs, input_clusters=groups)
    with pytest.raises(ValueError, match="input_clusters"):
        polysemanticity_scores(acts, y, input_clusters=groups[:5])
    with pytest.raises(ParameterError, match="cluster labels >= 0"):
        polysemanticity_scores(acts, y, input_clusters=-np.ones(12, dtype=int))


def test_polysemanticity_of_a_network_reads_its_layer():
    X, y = blobs(60)
    net = nk.mlp([4, 5, 3], output="softmax", seed=0, dtype=np.float64)
    s = polysemanticity(net, X, y, k=10)
    W, b = net["hidden1"].weight.data, net["hidden1"].bias.data
    by_hand = polysemanticity_scores(np.maximum(X @ W.T + b, 0.0), y, inputs=X, k=10)
    np.testing.assert_array_equal(s.entropy, by_hand.entropy)
    np.testing.assert_array_equal(s.clusters, by_hand.clusters)
    assert s.units == [f"hidden1[{i}]" for i in range(5)]


# ------------------------------------------------------------------------------ sparse autoencoder
def low_rank(n: int = 256, seed: int = 0) -> np.ndarray:
    """Non-negative data made of 4 sparse parts in 6 dimensions (what an SAE should find)."""
    rng = np.random.default_rng(seed)
    parts = np.abs(rng.normal(size=(4, 6)))
    codes = rng.exponential(size=(n, 4)) * (rng.random((n, 4)) < 0.3)
    return codes @ parts


@pytest.mark.parametrize("tied", [False, True])
def test_sae_reconstruction_improves(tied):
    X = low_rank()
    sae = SparseAutoencoder(6, 12, tied=tied, l1=1e-3, seed=0).fit(X, epochs=40, lr=1e-2, batch_size=64)
    first, last = sae.history[0], sae.history[-1]
    assert last["mse"] < 0.2 * first["mse"]
    assert last["explained"] > 0.9
    np.testing.assert_allclose(sae.reconstruct(X), sae.encode(X) @ sae.decoder().T + sae.b_dec.data)


def test_sae_l1_penalty_sparsifies():
    X = low_rank()
    fits = [SparseAutoencoder(6, 12, l1=l1, seed=0).fit(X, epochs=30, lr=1e-2, resample_every=0).history[-1]
            for l1 in (0.0, 0.3, 1.0)]
    l0 = [f["l0"] for f in fits]
    assert l0[0] > l0[1] > l0[2] and l0[2] < 0.5 * l0[0]       # fewer active features per sample
    assert fits[0]["l1"] > fits[1]["l1"] > fits[2]["l1"]
    assert fits[0]["mse"] < fits[2]["mse"]                      # sparsity is bought with reconstruction error
    sparse = SparseAutoencoder(6, 12, l1=1.0, seed=0).fit(X, epochs=2, lr=1e-2)
    # the untied decoder's columns stay unit vectors
    np.testing.assert_allclose(np.linalg.norm(sparse.decoder(), axis=0), 1.0)


def test_sae_resampling_revives_a_dead_feature():
    X = low_rank()
    kept, revived = (SparseAutoencoder(6, 8, l1=1e-3, seed=0) for _ in range(2))
    for sae in (kept, revived):
        sae.b_enc.data[3] = -1000.0  # feature 3 never fires
    kept.fit(X, epochs=5, lr=1e-2, resample_every=0)
    revived.fit(X, epochs=5, lr=1e-2, resample_every=10)
    assert kept.encode(X)[:, 3].max() == 0.0 and kept.resampled == []
    assert 3 in revived.resampled
    assert revived.encode(X)[:, 3].max() > 0.0


def test_sae_features_are_neurons_of_the_feature_network():
    X, y = blobs(90)
    net = nk.mlp([4, 5, 3], output="softmax", seed=0, dtype=np.float64)
    sae = train_sae(net, X, n_features=8, epochs=10, lr=1e-2, seed=1)
    acts = np.maximum(X @ net["hidden1"].weight.data.T + net["hidden1"].bias.data, 0.0)
    feats = sae.encode(acts)
    np.testing.assert_allclose(feature_network(net, "hidden1", sae)(X).data, feats, atol=1e-10)
    report = sae_features(net, X, y, sae, k=10)
    # class selectivity of each feature, worked out from the feature values: (mu_max - mu_rest) / (mu_max + mu_rest)
    means = np.stack([feats[y == c].mean(axis=0) for c in range(3)], axis=1)
    mu_max = means.max(axis=1)
    mu_rest = (means.sum(axis=1) - mu_max) / 2
    total = mu_max + mu_rest
    expected = np.divide(mu_max - mu_rest, total, out=np.zeros_like(total), where=total > 0)
    np.testing.assert_allclose(report.selectivity.index, expected, atol=1e-12)
    ranked = [report.selectivity[name] for name in report.ranking]
    assert ranked == sorted(ranked, reverse=True)
    assert report.top[report.ranking[0]].tolist() == np.argsort(-feats[:, int(report.ranking[0][4:-1])],
                                                                kind="stable")[:10].tolist()
    c = report.comparison()
    assert c["features"]["units"] == 8 and c["neurons"]["units"] == 5
    assert c["neurons"]["entropy"] == pytest.approx(np.nanmean(polysemanticity(net, X, y, k=10).entropy))
    assert "features" in report.render()


# ------------------------------------------------------------------------------ concepts (TCAV)
def planted_net() -> nk.Sequential:
    """hidden1 = relu(x); output 1's logit is 2·h0, output 0's is h1 + h2: concept 'large x0' raises class 1."""
    net = identity_net(3, 2, activation="relu")
    net["output"].weight.data[:] = [[0.0, 1.0, 1.0], [2.0, 0.0, 0.0]]
    net["output"].bias.data[:] = 0.0
    return net


def test_layer_gradients_match_finite_differences():
    net = nk.mlp([3, 4, 4, 2], output="softmax", seed=2, dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(5, 3))
    grads = _layer_gradients(InspectedModel(net), X, "hidden1", 1)
    h = np.maximum(X @ net["hidden1"].weight.data.T + net["hidden1"].bias.data, 0.0)

    def logit(hh):
        h2 = np.maximum(hh @ net["hidden2"].weight.data.T + net["hidden2"].bias.data, 0.0)
        return (h2 @ net["output"].weight.data.T + net["output"].bias.data)[:, 1]

    eps = 1e-6
    numeric = np.stack([(logit(h + eps * np.eye(4)[j]) - logit(h - eps * np.eye(4)[j])) / (2 * eps)
                        for j in range(4)], axis=1)
    np.testing.assert_allclose(grads, numeric, atol=1e-6)


def test_tcav_finds_a_planted_concept_and_not_a_random_one():
    rng = np.random.default_rng(0)
    net = planted_net()
    X = np.abs(rng.normal(size=(30, 3)))
    pool = np.abs(rng.normal(size=(200, 3)))
    planted = np.abs(rng.normal(size=(15, 3))) * [0.2, 1.0, 1.0] + [3.0, 0.0, 0.0]
    found = tcav(net, X, planted, target=1, layer="hidden1", random=pool, seed=0)
    assert found.score == 1.0 and found.significant and found.p_value < 1e-6
    assert len(found.scores) == len(found.random_scores) == 20
    cav = concept_vector(net, planted, pool[:15], layer="hidden1")
    assert cav.vector[0] > 0.9  # the concept points along h0
    # the sensitivity is the gradient of the logit (2, 0, 0) along the CAV, for every sample
    assert found.sensitivities.shape == (30,) and np.ptp(found.sensitivities) < 1e-12
    random_concept = np.abs(rng.normal(size=(15, 3)))
    other = tcav(net, X, random_concept, target=1, layer="hidden1", random=pool, seed=0)
    assert not other.significant and other.p_value > 0.05
    assert "not significant" in str(other)


# ------------------------------------------------------------------------------ bad input
def test_bad_input_has_clear_messages():
    net = planted_net()
    X = np.abs(np.random.default_rng(0).normal(size=(30, 3)))
    with pytest.raises(ParameterError, match=r"n_features .* must be >= 1; got 0"):
        SparseAutoencoder(3, 0)
    with pytest.raises(ParameterError, match="n_features"):
        train_sae(net, X, n_features=0)
    with pytest.raises(DataError, match="concept has 5 examples; .* at least 10"):
        tcav(net, X, X[:5], target=1)
    with pytest.raises(DataError, match="negatives has 3 examples"):
        concept_vector(net, X[:10], X[:3], layer="hidden1")
    with pytest.raises(UnknownNameError, match="no layer named 'hiden1'; layers are: hidden1, output; did you mean"):
        probe_layers(net, X, np.arange(30) % 2, layers=["hiden1"])
    with pytest.raises(UnknownNameError, match="layers are: hidden1, output"):
        tcav(net, X, X[:10], target=1, layer="conv9")
    with pytest.raises(UnknownNameError, match="layers are: hidden1, output"):
        train_sae(net, X, layer="nope")
    with pytest.raises(ParameterError, match="n_random"):
        tcav(net, X, X[:10], target=1, n_random=5)
    with pytest.raises(ParameterError, match=r"target must be an output index 0\.\.1"):
        tcav(net, X, X[:10], target=2)
    with pytest.raises(ParameterError, match="output layer"):
        tcav(net, X, X[:10], target=0, layer="output")
    with pytest.raises(ParameterError, match="autoencoder reads 5 values but layer 'hidden1' has 3"):
        feature_network(net, "hidden1", SparseAutoencoder(5, 4))
    with pytest.raises(ParameterError, match="k"):
        polysemanticity_scores(np.ones((3, 2)), [0, 1, 0], k=0)
