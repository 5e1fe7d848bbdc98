"""ANN -> SNN conversion (nk.spiking.convert, activation_scales, conversion_report).

Checked against hand-worked numbers (the normalisation of a 2-layer net, an integrate-and-fire
trace, BatchNorm folded into the weights), against a bound on the spike counts of every layer
that holds at every step (derived below), and on digits: a small trained MLP converts within 2
points of its accuracy at T = 100 (the bench holds the issue's 1 point on the mean of 3 splits).
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import DataError, ParameterError, ParameterTypeError, ShapeError
from neuronkit.spiking import LI, LIF, CurrentEncoder
from neuronkit.training import evaluate, predict

# ---------------------------------------------------------------- the 2-layer net worked by hand
W1 = [[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]
B1 = [0.0, 0.0, 0.5]
W2 = [[1.0, 1.0, 0.0], [0.0, -1.0, 2.0]]
B2 = [0.0, 1.0]
X_HAND = np.array([[1.0, 2.0], [4.0, 1.0], [2.0, 2.0], [0.0, 1.0]])
# hidden1 = relu(x W1ᵀ + b1): [1, 2, 0], [4, 1, 3.5], [2, 2, 0.5], [0, 1, 0]
#   positive values sorted: 0.5 1 1 1 2 2 2 3.5 4     -> max 4, median (50th percentile) 2
# output = relu(hidden1 W2ᵀ + b2): [3, 0], [5, 7], [4, 0], [1, 0]
#   positive values sorted: 1 3 4 5 7                 -> max 7, median 4


def hand_net(dtype=np.float32) -> nk.Sequential:
    net = nk.Sequential(nk.Dense(2, 3, seed=0, dtype=dtype), nk.Dense(3, 2, activation="softmax", seed=0, dtype=dtype))
    net["hidden1"].weight.data[:] = W1
    net["hidden1"].bias.data[:] = B1
    net["output"].weight.data[:] = W2
    net["output"].bias.data[:] = B2
    return net


@pytest.mark.parametrize("percentile, lam1, lam2", [(100, 4.0, 7.0), (50, 2.0, 4.0)])
def test_normalisation_by_hand(percentile, lam1, lam2):
    net = hand_net()
    assert nk.spiking.activation_scales(net, X_HAND, percentile=percentile) == {"hidden1": lam1, "output": lam2}
    snn = nk.spiking.convert(net, X_HAND, percentile=percentile)
    assert [type(layer).__name__ for layer in snn] == ["CurrentEncoder", "SpikingDense", "SpikingDense"]
    assert [layer.name for layer in snn] == ["encoder1", "hidden1", "output"]
    # W'_1 = W_1 λ_0 / λ_1 with λ_0 = 1, b'_1 = b_1 / λ_1; W'_2 = W_2 λ_1 / λ_2, b'_2 = b_2 / λ_2
    np.testing.assert_allclose(snn["hidden1"].synapse.weight.data, np.array(W1) / lam1, rtol=1e-7)
    np.testing.assert_allclose(snn["hidden1"].synapse.bias.data, np.array(B1) / lam1, rtol=1e-7)
    np.testing.assert_allclose(snn["output"].synapse.weight.data, np.array(W2) * lam1 / lam2, rtol=1e-7)
    np.testing.assert_allclose(snn["output"].synapse.bias.data, np.array(B2) / lam2, rtol=1e-7)
    neuron = snn["hidden1"].neuron  # integrate-and-fire: no leak, threshold 1, subtract reset
    assert isinstance(neuron, LIF)
    assert (float(neuron.beta), float(neuron.threshold), neuron.reset) == (1.0, 1.0, "subtract")
    readout = snn["output"].neuron  # the default readout: integrators, no leak
    assert isinstance(readout, LI) and float(readout.beta) == 1.0
    spiking = nk.spiking.convert(net, X_HAND, percentile=percentile, readout="spikes")["output"].neuron
    assert isinstance(spiking, LIF) and (float(spiking.beta), spiking.reset) == (1.0, "subtract")
    assert isinstance(snn["encoder1"], CurrentEncoder) and snn["encoder1"].steps == 100


def test_membrane_readout_and_options():
    snn = nk.spiking.convert(hand_net(), X_HAND, steps=7, percentile=100, reset="zero", name="converted")
    assert snn.name == "converted" and snn["encoder1"].steps == 7
    assert isinstance(snn["output"].neuron, LI) and float(snn["output"].neuron.beta) == 1.0
    assert snn["hidden1"].neuron.reset == "zero"
    # the LI membrane after t steps is the sum over τ <= t of the output currents W'_2 s_1(τ) + b'_2,
    # s_1(τ) the spikes of hidden1 at step τ
    x = X_HAND[:1].astype(np.float32)
    with nk.spiking.record("hidden1") as rec:
        out = snn.infer(x)
    hidden = rec["hidden1"]["spikes"][:, 0]
    expected = np.cumsum(hidden @ (np.array(W2).T * 4 / 7) + np.array(B2) / 7, axis=0)
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-6, atol=1e-6)
    assert out.shape == (7, 1, 2)


def test_integrate_and_fire_trace_by_hand():
    """One hidden neuron with the constant current 0.75: subtract keeps the charge above threshold, zero loses it.

    snnTorch's delayed reset: the spike of step t (mem_t > 1) is subtracted at step t + 1.
    subtract: mem 0.75, 1.5*, 1.25*, 1.0, 1.75*, 1.5*, 1.25*, 1.0   -> 5 spikes in 8 steps (rate 0.625 -> 0.75)
    zero:     mem 0.75, 1.5*, 0.75, 1.5*, 0.75, 1.5*, 0.75, 1.5*   -> 4 spikes (rate 0.5 forever)
    """
    ann = nk.Sequential(nk.Dense(1, 1, seed=0), nk.Dense(1, 2, activation="identity", seed=0))
    ann["hidden1"].weight.data[:] = 1.0
    ann["hidden1"].bias.data[:] = 0.0
    ann["output"].weight.data[:] = [[1.0], [-1.0]]
    ann["output"].bias.data[:] = 0.0
    expected = {"subtract": ([0.75, 1.5, 1.25, 1.0, 1.75, 1.5, 1.25, 1.0], [0, 1, 1, 0, 1, 1, 1, 0]),
                "zero": ([0.75, 1.5, 0.75, 1.5, 0.75, 1.5, 0.75, 1.5], [0, 1, 0, 1, 0, 1, 0, 1])}
    for reset, (mem, spikes) in expected.items():
        snn = nk.spiking.convert(ann, [[1.0]], steps=8, percentile=100, reset=reset)  # λ_hidden1 = 1
        with nk.spiking.record("hidden1") as rec:
            snn.infer(np.array([[0.75]], dtype=np.float32))
        np.testing.assert_allclose(rec["hidden1"]["mem"].ravel(), mem, rtol=1e-6)
        np.testing.assert_array_equal(rec["hidden1"]["spikes"].ravel(), spikes)


# ---------------------------------------------------------------- rates approach activation / λ
def _count_bounds(weights: list[np.ndarray]) -> list[float]:
    """E_l: a bound on |N_l(t) - t·r_l| (spike count after t steps minus t times the ideal rate), for every t.

    An integrate-and-fire neuron (threshold 1, subtract reset, delayed by one step) whose summed input
    after s steps is c_s = s·μ + δ_s with |δ_s| <= D for all s fires N_t times with
        N_t <= max_s c_s <= t·μ + D     (it fires at s only if c_s - N_{s-1} > 1, so N_s < c_s), and
        N_t >= t·min(1, μ) - 1 - 3D     (the last step s <= t it did not fire had c_s - N_{s-1} <= 1,
                                         and it fired at every step after s),
    so |N_t - t·clip(μ, 0, 1)| <= 1 + 3D. Layer 1's input is the constant current (D = 0): E_1 = 1.
    Layer l's input counts are off by at most E_{l-1} each: D_l = max_i Σ_j |W'_l,ij| · E_{l-1}.
    """
    bounds = [1.0]
    for W in weights[1:]:
        bounds.append(1.0 + 3.0 * float(np.abs(W).sum(axis=1).max()) * bounds[-1])
    return bounds


@pytest.mark.parametrize("percentile", [100.0, 90.0])
def test_firing_rates_approach_activation_over_scale(percentile):
    rng = np.random.default_rng(0)
    ann = nk.Sequential(nk.Dense(6, 8, seed=1, dtype=np.float64), nk.Dense(8, 5, seed=2, dtype=np.float64),
                        nk.Dense(5, 3, activation="identity", seed=3, dtype=np.float64))
    for layer in ann:
        layer.bias.data[:] = rng.uniform(-0.2, 0.4, layer.out_features)
    X = rng.integers(-8, 9, size=(20, 6)) / 8.0  # any real input (a current); exact in float32, as the encoder's
    snn = nk.spiking.convert(ann, X, steps=1000, percentile=percentile, readout="spikes")
    names = ["hidden1", "hidden2", "output"]
    weights = [snn[name].synapse.weight.data for name in names]
    biases = [snn[name].synapse.bias.data for name in names]
    scales = nk.spiking.activation_scales(ann, X, percentile=percentile)

    # the ideal rates: r_0 = x (a current), r_l = clip(W'_l r_{l-1} + b'_l, 0, 1)
    targets, r = [], X
    for W, b in zip(weights, biases):
        r = np.clip(r @ W.T + b, 0.0, 1.0)
        targets.append(r)
    if percentile == 100.0:  # nothing saturates on the calibration data: the rate is the ANN's activation / λ
        activations, a = [], X
        for layer in ann:
            a = np.maximum(a @ layer.weight.data.T + layer.bias.data, 0.0)
            activations.append(a)
        for name, a, target in zip(names, activations, targets):
            np.testing.assert_allclose(target, a / scales[name], atol=1e-12)
    else:  # 10% of the positive activations exceed λ: those neurons fire at every step
        assert (targets[0] == 1.0).any()

    with nk.spiking.record(*names) as rec:
        snn.infer(X)
    steps = np.arange(1, 1001)[:, None, None]
    worst = {}
    for name, target, bound in zip(names, targets, _count_bounds(weights)):
        counts = np.cumsum(rec[name]["spikes"], axis=0)  # N_l(t) for every t = 1..1000
        error = np.abs(counts - steps * target)
        assert error.max() <= bound + 1e-6, (name, error.max(), bound)
        worst[name] = error.max() / 1000  # the rate's error at T = 1000
        # ... so the rate's error falls as 1/T: at T = 10, 100, 1000 at most bound/T
        for T in (10, 100, 1000):
            assert np.abs(counts[T - 1] / T - target).max() <= (bound + 1e-6) / T
    assert worst["hidden1"] <= 1e-3  # (one spike in 1000 steps)
    assert max(worst.values()) < 0.02


# ---------------------------------------------------------------- BatchNorm folded in
def test_batchnorm_folded_into_the_weights():
    rng = np.random.default_rng(3)
    bn1, bn2 = nk.BatchNorm(3, dtype=np.float64), nk.BatchNorm(3, dtype=np.float64)
    for bn in (bn1, bn2):
        bn.gamma.data[:] = rng.uniform(0.5, 2.0, 3)
        bn.beta.data[:] = rng.uniform(-0.5, 0.5, 3)
        bn.running_mean[:] = rng.uniform(-1.0, 1.0, 3)
        bn.running_var[:] = rng.uniform(0.5, 2.0, 3)
    # Dense -> BatchNorm -> ReLU (folded into hidden1), Dropout, BatchNorm after the ReLU (folded into output)
    ann = nk.Sequential(nk.Dense(2, 3, activation="identity", seed=0, dtype=np.float64), bn1, nk.Activation("relu"),
                        nk.Dropout(0.3, seed=0), bn2, nk.Dense(3, 2, activation="identity", seed=1, dtype=np.float64))
    X = rng.normal(size=(50, 2))
    snn = nk.spiking.convert(ann, X, percentile=100)
    assert [layer.name for layer in snn] == ["encoder1", "hidden1", "output"]
    lam = nk.spiking.activation_scales(ann, X, percentile=100)

    def affine(bn, z):  # BatchNorm in eval mode, by its definition
        return bn.gamma.data * (z - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta.data

    hidden = np.maximum(affine(bn1, X @ ann[0].weight.data.T + ann[0].bias.data), 0.0)
    logits = affine(bn2, hidden) @ ann[5].weight.data.T + ann[5].bias.data
    np.testing.assert_allclose(logits, predict(ann, X), rtol=1e-10)  # (the ANN itself, in eval mode)
    assert lam["hidden1"] == pytest.approx(hidden.max(), rel=1e-12)
    assert lam["output"] == pytest.approx(logits.max(), rel=1e-12)
    # the converted layers' currents are the folded ANN's potentials over λ
    currents1 = X @ snn["hidden1"].synapse.weight.data.T + snn["hidden1"].synapse.bias.data
    np.testing.assert_allclose(np.maximum(currents1, 0.0) * lam["hidden1"], hidden, rtol=1e-10, atol=1e-12)
    currents2 = (hidden / lam["hidden1"]) @ snn["output"].synapse.weight.data.T + snn["output"].synapse.bias.data
    np.testing.assert_allclose(currents2 * lam["output"], logits, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("pool", ["avg", "max"])
def test_convolutions_batchnorm2d_folded_and_rates_bounded(pool):
    """conv -> BatchNorm2d -> ReLU -> pool -> Flatten -> Dropout -> Dense: the BatchNorm folded into the
    convolution, the pooling and flattening applied to the spikes, the bound of ``_count_bounds`` on every
    layer (an average of counts off by at most E is off by at most E, and so is the largest of them)."""
    rng = np.random.default_rng(5)
    bn = nk.BatchNorm2d(3, dtype=np.float64)
    bn.gamma.data[:] = rng.uniform(0.5, 2.0, 3)
    bn.beta.data[:] = rng.uniform(-0.3, 0.5, 3)
    bn.running_mean[:] = rng.uniform(-0.5, 0.5, 3)
    bn.running_var[:] = rng.uniform(0.5, 2.0, 3)
    pooling = nk.AvgPool2d(2) if pool == "avg" else nk.MaxPool2d(2)
    ann = nk.Sequential(nk.Conv2d(1, 3, 3, padding=1, seed=0, dtype=np.float64), bn, nk.Activation("relu"),
                        pooling, nk.Flatten(), nk.Dropout(0.2, seed=0),
                        nk.Dense(12, 4, activation="identity", seed=1, dtype=np.float64))
    X = rng.integers(0, 9, size=(10, 1, 4, 4)) / 8.0
    snn = nk.spiking.convert(ann, X, steps=500, percentile=100, readout="spikes")
    pool_type = "Temporal" if pool == "avg" else "SpikeMaxPool2d"
    assert [(layer.name, type(layer).__name__) for layer in snn] == [
        ("encoder1", "CurrentEncoder"), ("conv1", "SpikingConv2d"), ("pool1", pool_type), ("flatten1", "Temporal"),
        ("output", "SpikingDense")]
    if pool == "avg":
        assert isinstance(snn["pool1"].layer, nk.AvgPool2d) and snn["pool1"].layer is not ann["pool1"]
    else:
        assert (snn["pool1"].pool.kernel_size, snn["pool1"].pool.stride) == (2, 2)
    lam = nk.spiking.activation_scales(ann, X, percentile=100)

    z = ann["conv1"].infer(X)  # the convolution (identity), then BatchNorm2d by its definition, then ReLU
    shape = (1, 3, 1, 1)
    normalised = (bn.gamma.data.reshape(shape) * (z - bn.running_mean.reshape(shape))
                  / np.sqrt(bn.running_var.reshape(shape) + bn.eps) + bn.beta.data.reshape(shape))
    hidden = np.maximum(normalised, 0.0)
    assert lam["conv1"] == pytest.approx(hidden.max(), rel=1e-12)
    currents = snn["conv1"].synapse.infer(X)  # the folded convolution over λ
    np.testing.assert_allclose(currents * lam["conv1"], normalised, rtol=1e-10, atol=1e-12)

    rate1 = np.clip(currents, 0.0, 1.0)
    np.testing.assert_allclose(rate1, hidden / lam["conv1"], atol=1e-12)  # nothing saturates at percentile 100
    windows = rate1.reshape(10, 3, 2, 2, 2, 2)
    pooled = (windows.mean(axis=(3, 5)) if pool == "avg" else windows.max(axis=(3, 5))).reshape(10, 12)
    W, b = snn["output"].synapse.weight.data, snn["output"].synapse.bias.data
    rate2 = np.clip(pooled @ W.T + b, 0.0, 1.0)
    with nk.spiking.record("conv1", "output") as rec:
        snn.infer(X)
    steps = np.arange(1, 501)
    bounds = _count_bounds([np.ones((1, 1)), W])
    for name, target, bound in (("conv1", rate1, bounds[0]), ("output", rate2, bounds[1])):
        counts = np.cumsum(rec[name]["spikes"], axis=0)
        error = np.abs(counts - steps.reshape(-1, *(1,) * target.ndim) * target)
        assert error.max() <= bound + 1e-6, (name, error.max(), bound)
    assert bounds[0] == 1.0
    report = nk.spiking.conversion_report(ann, snn, X, np.arange(10) % 4, steps=(500,))
    assert report.rates["conv1"] == pytest.approx(rec["conv1"]["spikes"].mean(), rel=1e-9)
    assert report.rates["output"] == pytest.approx(rec["output"]["spikes"].mean(), rel=1e-9)


def test_spike_max_pool_fires_at_the_largest_rate():
    """Its output count after every step t is the largest input count of the window; 0/1 spikes."""
    rng = np.random.default_rng(7)
    rates = rng.random((2, 3, 4, 4))
    spikes = (rng.random((50, 2, 3, 4, 4)) < rates).astype(np.float32)  # (T, B, C, H, W), Bernoulli
    pool = nk.spiking.SpikeMaxPool2d(2, name="spool")
    out = pool.infer(spikes)
    assert out.shape == (50, 2, 3, 2, 2) and out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, 1.0}
    counts = np.cumsum(spikes, axis=0).reshape(50, 2, 3, 2, 2, 2, 2).max(axis=(4, 6))
    np.testing.assert_array_equal(np.cumsum(out, axis=0), counts)
    np.testing.assert_array_equal(pool.infer(spikes[:, 1]), out[:, 1])  # one sample (T, C, H, W)
    np.testing.assert_array_equal(pool(spikes).data, out)
    assert pool.output_shape((3, 4, 4)) == (3, 2, 2) and pool.output_shape((50, 3, 4, 4)) == (50, 3, 2, 2)
    with pytest.raises(ShapeError, match=r"layer 'spool' \(SpikeMaxPool2d\) takes time-major spikes \(T, batch, C, "
                                         r"H, W\) or one sample \(T, C, H, W\); got shape \(3, 4, 4\)"):
        pool.infer(spikes[0, 0])
    with pytest.raises(ShapeError, match=r"T = 0 time steps"):
        pool.infer(spikes[:0])
    with pytest.raises(ShapeError, match=r"layer 'spool' \(SpikeMaxPool2d\) pools \(C, H, W\).*got shape "
                                         r"\(50, 2, 3, 1, 1\)"):
        pool.infer(spikes[:, :, :, :1, :1])


# ---------------------------------------------------------------- digits, and the report
@pytest.fixture(scope="module")
def digits_mlp():
    ds = nk.datasets.load("digits")
    X, y = ds.X / 16.0, ds.y
    train, test = nk.data.split_indices(len(y), 0.25, labels=y, seed=0)
    ann = nk.build("dense(64,relu),dense(out)", (64,), outputs=10, output="softmax", seed=0)
    nk.fit(ann, X[train], y[train], epochs=8, batch_size=32, seed=0, progress=False)
    return ann, X[train], X[test], y[test]


def test_digits_converts_within_two_points_at_100_steps(digits_mlp):
    ann, X_train, X_test, y_test = digits_mlp
    ann_accuracy = evaluate(ann, X_test, y_test)["accuracy"]
    assert ann_accuracy > 0.93
    for readout, loss in (("spikes", "count_cross_entropy"), ("membrane", "membrane_cross_entropy")):
        snn = nk.spiking.convert(ann, X_train[:500], steps=100, readout=readout)
        accuracy = evaluate(snn, X_test, y_test, loss=loss)["accuracy"]
        assert accuracy >= ann_accuracy - 0.02, (readout, accuracy, ann_accuracy)


def test_conversion_report_is_the_accuracy_of_runs_of_each_length(digits_mlp):
    ann, X_train, X_test, y_test = digits_mlp
    X, y = X_test[:120], y_test[:120]
    snn = nk.spiking.convert(ann, X_train[:500], steps=30, readout="spikes")
    report = nk.spiking.conversion_report(ann, snn, X, y, steps=(3, 10, 30), batch_size=50)
    assert report.steps == (3, 10, 30) and report.readout == "spikes"
    assert report.ann_accuracy == evaluate(ann, X, y)["accuracy"]
    for T, accuracy in zip(report.steps, report.snn_accuracy):  # a fresh conversion run for T steps, decoded by count
        spikes = nk.spiking.convert(ann, X_train[:500], steps=T, readout="spikes").infer(X.astype(np.float32))
        assert accuracy == np.mean(spikes.sum(axis=0).argmax(axis=1) == y)
    assert report.snn_accuracy[0] < report.snn_accuracy[2]  # 3 steps are too few: most outputs have not fired
    assert report.gap(30) == pytest.approx(report.ann_accuracy - report.snn_accuracy[2])
    with nk.spiking.record("hidden1") as rec:
        snn.infer(X.astype(np.float32))
    assert report.rates["hidden1"] == pytest.approx(rec["hidden1"]["spikes"].mean(), rel=1e-6)
    text = str(report)
    assert "     30" in text and f"ANN accuracy: {report.ann_accuracy:.4f}" in text
    assert report.to_dict()["snn_accuracy"] == list(report.snn_accuracy)
    membrane = nk.spiking.convert(ann, X_train[:500], steps=30)  # (the default readout)
    assert nk.spiking.conversion_report(ann, membrane, X, y, steps=(30,)).snn_accuracy[0] == \
        evaluate(membrane, X, y, loss="membrane_cross_entropy")["accuracy"]


def test_a_converted_network_saves_and_loads(tmp_path):
    snn = nk.spiking.convert(hand_net(), X_HAND, steps=12)
    path = tmp_path / "converted.nk"
    nk.io.save(snn, path)
    back = nk.io.load(path)
    assert [(layer.name, type(layer).__name__) for layer in back] == [
        ("encoder1", "CurrentEncoder"), ("hidden1", "SpikingDense"), ("output", "SpikingDense")]
    x = X_HAND.astype(np.float32)
    np.testing.assert_array_equal(back.infer(x), snn.infer(x))
    assert float(back["hidden1"].neuron.beta) == 1.0 and isinstance(back["output"].neuron, LI)


# ---------------------------------------------------------------- refusals
def test_refuses_what_it_cannot_convert():
    X = np.ones((4, 2))
    tanh = nk.Sequential(nk.Dense(2, 3, activation="tanh", seed=0), nk.Dense(3, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'hidden1' \(Dense\) has activation 'tanh'.*retrain with "
                                             r"activation='relu'"):
        nk.spiking.convert(tanh, X)
    linear = nk.Sequential(nk.Dense(2, 3, activation="identity", seed=0), nk.Dense(3, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'output' \(Dense\) follows 'hidden1', which has no ReLU"):
        nk.spiking.convert(linear, X)
    norm = nk.Sequential(nk.Dense(2, 3, seed=0), nk.LayerNorm(3), nk.Dense(3, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'layernorm1' \(LayerNorm\) cannot be converted \(yet\)\. "
                                             r"Conversion takes a ReLU network of Dense and Conv2d"):
        nk.spiking.convert(norm, X)
    images = np.ones((4, 1, 5, 5))
    conv1d = nk.Sequential(nk.Conv1d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(6, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'conv1' \(Conv1d\) cannot be converted"):
        nk.spiking.convert(conv1d, np.ones((4, 1, 5)))
    linear_conv = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.Flatten(), nk.Dense(18, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'output' \(Dense\) follows 'conv1', which has no ReLU"):
        nk.spiking.convert(linear_conv, images)
    pool_first = nk.Sequential(nk.Conv2d(1, 2, 3, seed=0), nk.AvgPool2d(3), nk.Activation("relu"), nk.Flatten(),
                               nk.Dense(2, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'pool1' \(AvgPool2d\) pools 'conv1''s output before its ReLU"):
        nk.spiking.convert(pool_first, images)
    norm_after_relu = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.BatchNorm2d(2), nk.Flatten(),
                                    nk.Dense(18, 2, seed=0))
    with pytest.raises(ParameterError, match=r"layer 'batchnorm1' \(BatchNorm2d\) normalises what is not a "
                                             r"convolution's output before its ReLU"):
        nk.spiking.convert(norm_after_relu, images)
    conv_last = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.Flatten())
    with pytest.raises(ParameterError, match=r"the network does not end with a Dense layer"):
        nk.spiking.convert(conv_last, images)
    conv = nk.Sequential(nk.Conv2d(1, 2, 3, activation="relu", seed=0), nk.Flatten(), nk.Dense(18, 2, seed=0))
    with pytest.raises(ShapeError, match=r"convert: X_calibration must have shape \(n_samples, 1, H, W\) \(layer "
                                         r"'conv1' takes images with 1 channels\); got shape \(4, 2, 5, 5\)"):
        nk.spiking.convert(conv, np.ones((4, 2, 5, 5)))
    with pytest.raises(ShapeError, match=r"layer 'conv1' needs images of at least 3x3"):
        nk.spiking.convert(conv, np.ones((4, 1, 2, 2)))
    one_output = nk.mlp([2, 3, 1], seed=0)
    with pytest.raises(ParameterError, match=r"output layer 'output' has 1 neuron.*one output neuron per class"):
        nk.spiking.convert(one_output, X)
    with pytest.raises(ParameterTypeError, match=r"convert model must be a trained nk.Sequential.*got 'Dense'"):
        nk.spiking.convert(nk.Dense(2, 2, seed=0), X)
    estimator = nk.NeuralClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    estimator.network_ = nk.mlp([2, 3, 2], output="softmax", seed=0)  # (as fit leaves it, without the fitting)
    with pytest.raises(ParameterTypeError, match=r"got a fitted NeuralClassifier\. Convert its network_.*"
                                                 r"est\.scaler_\.transform\(X\)"):
        nk.spiking.convert(estimator, X)


def test_refuses_bad_arguments():
    net = hand_net()
    with pytest.raises(ShapeError, match=r"X_calibration must have shape \(n_samples, 2\) \(layer 'hidden1' takes 2 "
                                         r"inputs\); got shape \(4, 3\)"):
        nk.spiking.convert(net, np.ones((4, 3)))
    with pytest.raises(ShapeError, match=r"got shape \(2,\)"):
        nk.spiking.convert(net, np.ones(2))
    with pytest.raises(ParameterError, match=r"convert steps must be an integer >= 1; got 0"):
        nk.spiking.convert(net, X_HAND, steps=0)
    for bad in (0, -5, 100.5):
        with pytest.raises(ParameterError, match=r"convert percentile must be a finite number in \(0, 100\]; got "):
            nk.spiking.convert(net, X_HAND, percentile=bad)
    with pytest.raises(ParameterError, match=r"convert reset must be one of"):
        nk.spiking.convert(net, X_HAND, reset="none")
    with pytest.raises(ParameterError, match=r"convert readout must be one of"):
        nk.spiking.convert(net, X_HAND, readout="first_spike")
    with pytest.raises(ValueError, match=r"convert: X_calibration has a non-finite value \(nan\) at row 0, column 0"):
        nk.spiking.convert(net, [[np.nan, 1.0]])
    snn = nk.spiking.convert(net, X_HAND, steps=5)
    with pytest.raises(DataError, match=r"conversion_report: y has class indices 0\.\.7 but the output layer has 2"):
        nk.spiking.conversion_report(net, snn, X_HAND, [0, 1, 7, 0])
    with pytest.raises(ShapeError, match=r"X has 4 samples but y has 3"):
        nk.spiking.conversion_report(net, snn, X_HAND, [0, 1, 1])
    with pytest.raises(ParameterTypeError, match=r"conversion_report snn must be a converted network"):
        nk.spiking.conversion_report(net, net, X_HAND, [0, 1, 1, 0])
    with pytest.raises(ParameterError, match=r"conversion_report steps must be an integer >= 1; got 0"):
        nk.spiking.conversion_report(net, snn, X_HAND, [0, 1, 1, 0], steps=(0, 10))
    report = nk.spiking.conversion_report(net, snn, X_HAND, [0, 1, 1, 0], steps=5)
    with pytest.raises(ParameterError, match=r"gap steps must be one of the steps measured \(5,\); got 7"):
        report.gap(7)
