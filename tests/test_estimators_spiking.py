"""NeuralClassifier with a spiking architecture: fit, predict, predict_proba (decoded rates normalised per row),
the default spike loss, other spike losses, model-file round trips, and the refusals."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError
from neuronkit.training import outputs

SMALL_SNN = "rate(8),dense(32,lif),dense(out,lif)"


@pytest.fixture(scope="module")
def digits():
    data = nk.datasets.load("digits")
    return data.X, data.targets()


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.estimators.ConvergenceWarning)  # few epochs, on purpose
        return est.fit(X, y)


@pytest.fixture(scope="module")
def snn(digits):
    X, y = digits
    clf = nk.NeuralClassifier(architecture=SMALL_SNN, max_iter=4, learning_rate_init=2e-2, batch_size=32,
                              random_state=0)
    return _fit(clf, X[:500], y[:500])


def test_a_spiking_classifier_learns_digits(snn, digits):
    X, y = digits
    assert [type(layer).__name__ for layer in snn.network_] == ["RateEncoder", "SpikingDense", "SpikingDense"]
    assert snn.n_outputs_ == 10 and snn.out_activation_ == "lif" and snn.n_layers_ == 3
    assert snn.score(X[500:900], y[500:900]) > 0.5  # 10 classes: chance is 0.1
    assert [c.shape for c in snn.coefs_] == [(64, 32), (32, 10)]  # the synapses, scikit-learn's orientation


def test_rate_encoding_scales_to_unit_range_and_clips_beyond_it(snn, digits):
    X, _ = digits
    # the standard scaler (the default) gives values outside [0, 1], which rate coding refuses: min-max instead
    assert snn.scaler_.name == "minmax"
    x = snn.transform_inputs(X[:5] * 3.0)  # beyond the training range
    assert x.min() >= 0.0 and x.max() == 1.0
    assert snn.predict(X[:5] * 3.0).shape == (5,)


def test_predict_proba_is_the_decoded_rates_normalised_per_row(snn, digits):
    X, _ = digits
    spikes = outputs(snn.network_, snn.transform_inputs(X[600:650]))  # (T, n, classes)
    assert spikes.shape == (8, 50, 10) and set(np.unique(spikes)) <= {0.0, 1.0}
    rates = spikes.mean(axis=0).astype(np.float64)
    proba = snn.predict_proba(X[600:650])
    fired = rates.sum(axis=1) > 0
    assert fired.any()
    np.testing.assert_allclose(proba[fired], rates[fired] / rates[fired].sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(proba[~fired], 0.1)
    np.testing.assert_array_equal(snn.predict(X[600:650]), snn.classes_[np.argmax(rates, axis=1)])


def test_silent_outputs_give_the_uniform_distribution(snn, digits):
    X, _ = digits
    silent = copy.deepcopy(snn)
    silent.network_[-1].synapse.bias.data[:] = -100.0  # the output neurons never reach the threshold
    proba = silent.predict_proba(X[:7])
    np.testing.assert_array_equal(proba, np.full((7, 10), 0.1))
    np.testing.assert_array_equal(silent.predict(X[:7]), np.full(7, silent.classes_[0]))


def test_the_default_loss_of_a_spiking_network_is_rate_cross_entropy(digits):
    X, y = digits
    options = dict(architecture="rate(4),dense(8,lif),dense(out,lif)", max_iter=2, random_state=1, batch_size=50)
    default = _fit(nk.NeuralClassifier(**options), X[:200], y[:200])
    rate = _fit(nk.NeuralClassifier(**options, loss="rate_cross_entropy"), X[:200], y[:200])
    count = _fit(nk.NeuralClassifier(**options, loss="count_cross_entropy"), X[:200], y[:200])
    assert default.loss_curve_ == rate.loss_curve_
    assert default.loss_curve_ != count.loss_curve_
    loss = nk.get_loss("rate_cross_entropy")
    raw = outputs(default.network_, default.transform_inputs(X[:20]))
    expected = float(loss(nk.Tensor(raw), np.searchsorted(default.classes_, y[:20])).data)
    # evaluate's loss is the rate cross-entropy of the outputs
    assert nk.training.evaluate(default.network_, default.transform_inputs(X[:20]),
                                np.searchsorted(default.classes_, y[:20]), loss="rate_cross_entropy")["loss"] \
        == pytest.approx(expected, rel=1e-6)


def test_a_membrane_readout_gives_softmax_of_the_largest_membrane(digits, tmp_path):
    X, y = digits
    clf = _fit(nk.NeuralClassifier(architecture="rate(6),dense(16,lif),dense(out,li)", loss="membrane_cross_entropy",
                                   max_iter=2, random_state=0), X[:200], y[:200])
    assert clf.out_activation_ == "li"
    mem = outputs(clf.network_, clf.transform_inputs(X[:9])).astype(np.float64)  # (T, n, classes) membranes
    peak = mem.max(axis=0)
    expected = np.exp(peak - peak.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X[:9]), expected, rtol=1e-10)
    loaded = nk.load(_save(clf, tmp_path))
    assert loaded.get_params()["loss"] == "membrane_cross_entropy"
    np.testing.assert_array_equal(loaded.predict_proba(X[:30]), clf.predict_proba(X[:30]))


def _save(est, tmp_path, name="snn.nkm"):
    path = tmp_path / name
    nk.save(est, path)
    return path


def test_model_files_hold_the_spiking_layers_and_the_loss(snn, digits, tmp_path):
    X, _ = digits
    snn2 = snn.set_params(loss=None)
    loaded = nk.load(_save(snn2, tmp_path))
    assert [type(layer).__name__ for layer in loaded.network_] == ["RateEncoder", "SpikingDense", "SpikingDense"]
    assert type(loaded.network_["spiking1"].neuron).__name__ == "LIF"
    assert loaded.network_[0].steps == 8 and loaded.scaler_.name == "minmax"
    np.testing.assert_array_equal(loaded.predict_proba(X[:100]), snn.predict_proba(X[:100]))
    counted = _fit(nk.NeuralClassifier(architecture="rate(4),dense(8,lif),dense(out,lif)", loss="count_mse",
                                       max_iter=1, random_state=0), X[:100], digits[1][:100])
    again = nk.load(_save(counted, tmp_path, "count.nkm"))
    assert again.get_params()["loss"] == "count_mse"
    np.testing.assert_array_equal(again.predict(X[:50]), counted.predict(X[:50]))


@pytest.mark.parametrize("options, message", [
    ({"architecture": SMALL_SNN, "loss": "cross_entropy"}, "use a spike loss: 'rate_cross_entropy'"),
    ({"architecture": SMALL_SNN, "loss": "rate_entropy"}, "did you mean 'rate_cross_entropy'"),
    ({"hidden_layer_sizes": (4,), "loss": "rate_cross_entropy"}, "give a spiking architecture"),
])
def test_losses_that_do_not_fit_the_network_are_refused(digits, options, message):
    X, y = digits
    with pytest.raises(ParameterError, match=message):
        _fit(nk.NeuralClassifier(max_iter=1, random_state=0, **options), X[:60], y[:60])


def test_a_spiking_regressor_is_refused(digits):
    X, y = digits
    with pytest.raises(ParameterError, match="spiking networks here are classifiers"):
        _fit(nk.NeuralRegressor(architecture=SMALL_SNN, max_iter=1), X[:60], y[:60].astype(float))
