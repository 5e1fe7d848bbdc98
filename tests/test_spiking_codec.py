"""Encoders, decoders and spike losses (neuronkit.spiking), and fit/evaluate on time-major outputs.

Hand-worked values for every encoder, decoder and loss, their bad inputs, and training a tiny
spiking network (an integrate-and-fire neuron written here on the SpikingNeuron base) with
``nk.fit(..., loss="rate_cross_entropy")``. snnTorch comparisons: test_spiking_codec_snntorch.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import DataError, ParameterError, ShapeError, UnknownNameError
from neuronkit.layers import layer_from_config
from neuronkit.spiking import (
    DECODERS,
    CountMSE,
    CurrentEncoder,
    DeltaEncoder,
    LatencyEncoder,
    RateEncoder,
    SpikeLoss,
    SpikingNeuron,
    get_decoder,
)
from neuronkit.training import default_loss, evaluate, outputs


# ----------------------------------------------------------------------------- encoders
def test_rate_encoder_rule_is_uniform_below_gain_times_x_clipped_at_one():
    enc = RateEncoder(2, gain=2.0, seed=0)
    x = np.float32([0.1, 0.3, 0.6])  # gain·x = 0.2, 0.6, 1.2 -> probabilities 0.2, 0.6, 1
    u = np.float32([[0.19, 0.61, 0.999], [0.2, 0.59, 0.0]])
    np.testing.assert_array_equal(enc.rule(x, u), [[1, 0, 1], [0, 1, 1]])
    assert enc.rule(x, u).dtype == np.float32


def test_rate_encoder_fires_at_rate_gain_times_x():
    x = np.array([[0.0, 0.1, 0.5, 0.9, 1.0]], dtype=np.float32)
    spikes = RateEncoder(4000, seed=1)(x).data
    assert spikes.shape == (4000, 1, 5) and spikes.dtype == np.float32
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    rates = spikes.mean(axis=0)[0]
    sigma = np.sqrt(x[0] * (1 - x[0]) / 4000)
    assert np.all(np.abs(rates - x[0]) <= 4 * sigma + 1e-9)  # 0 and 1 exactly, the others within 4 sigma
    halved = RateEncoder(4000, gain=0.5, seed=2)(x).data.mean(axis=0)[0]
    assert abs(halved[-1] - 0.5) < 4 * np.sqrt(0.25 / 4000)


def test_rate_encoder_is_deterministic_per_seed_and_repeats_in_eval_mode():
    x = np.random.default_rng(0).random((8, 6)).astype(np.float32)
    a, b, c = RateEncoder(5, seed=7), RateEncoder(5, seed=7), RateEncoder(5, seed=8)
    first = a(x).data
    np.testing.assert_array_equal(first, b(x).data)  # same seed, same draws
    assert not np.array_equal(first, c(x).data)
    assert not np.array_equal(first, a(x).data)  # training: new draws at every call
    with nk.eval_mode():
        once, twice = a(x).data, a(x).data
    np.testing.assert_array_equal(once, twice)  # evaluation: the same spikes every time
    np.testing.assert_array_equal(once, b.eval().infer(x))  # ... from the seed, whatever was drawn before
    assert not np.array_equal(once, first)  # a stream apart from the training draws
    alone = [b.infer(x[i:i + 1])[:, 0] for i in (5, 0)]  # each sample's spikes whatever its batch and place
    np.testing.assert_array_equal(np.stack(alone, axis=1), once[:, [5, 0]])
    np.testing.assert_array_equal(b.infer(x[::-1])[:, ::-1], once)
    given = RateEncoder(5, rng=np.random.default_rng(3)).eval()
    again = RateEncoder(5, rng=np.random.default_rng(3)).eval()
    np.testing.assert_array_equal(given.infer(x), again.infer(x))


def test_rate_encoder_without_seed_saves_the_one_it_drew():
    x = np.random.default_rng(1).random((3, 4)).astype(np.float32)
    enc = RateEncoder(6).eval()
    config = json.loads(json.dumps(enc.config()))
    assert isinstance(config["seed"], int)
    clone = layer_from_config(config).eval()
    np.testing.assert_array_equal(clone.infer(x), enc.infer(x))  # a loaded model predicts the same spikes


def test_rate_encoder_refuses_values_outside_0_1_naming_min_and_max():
    enc = RateEncoder(3, seed=0, name="enc")
    with pytest.raises(DataError, match=r"layer 'enc' \(RateEncoder\) takes values in \[0, 1\]; got values from "
                                        r"-0\.5 to 1\.25.*MinMaxScaler"):
        enc(np.array([[0.2, -0.5], [1.25, 0.0]]))
    with pytest.raises(DataError, match=r"got nan at index \(0, 1\)"):
        enc(np.array([[0.2, np.nan]]))
    with pytest.raises(DataError, match=r"or give clip=True to clip them into \[0, 1\]"):
        enc(np.array([[1.5]]))
    clipped = RateEncoder(50, clip=True, seed=0)(np.array([[-0.5, 1.5, 0.0, 1.0]])).data
    np.testing.assert_array_equal(clipped.sum(axis=0), [[0, 50, 0, 50]])  # as 0 and 1: never and always
    assert RateEncoder(2, clip=True, seed=0).config()["clip"] is True


@pytest.mark.parametrize("make", [lambda steps: RateEncoder(steps), lambda steps: LatencyEncoder(steps),
                                  lambda steps: CurrentEncoder(steps)], ids=["rate", "latency", "current"])
def test_encoders_refuse_zero_steps(make):
    with pytest.raises(ParameterError, match=r"Encoder steps must be an integer >= 1; got 0"):
        make(0)
    with pytest.raises(TypeError, match=r"steps must be"):
        make(2.5)


def test_encoder_options_are_checked():
    with pytest.raises(ParameterError, match=r"RateEncoder gain must be a finite number > 0; got -1"):
        RateEncoder(3, gain=-1)
    with pytest.raises(ParameterError, match=r"LatencyEncoder threshold must be a finite number in \(0, 1\); got 1"):
        LatencyEncoder(3, threshold=1.0)
    with pytest.raises(ParameterError, match=r"LatencyEncoder tau must be a finite number > 0; got 0"):
        LatencyEncoder(3, tau=0.0)
    with pytest.raises(ParameterError, match=r"DeltaEncoder threshold must be a finite number > 0; got 0"):
        DeltaEncoder(threshold=0.0)
    with pytest.raises(ParameterError, match="give either seed= or rng="):
        RateEncoder(3, seed=1, rng=np.random.default_rng(1))


def test_latency_encoder_log_code_worked_by_hand():
    # t = τ ln(x / (x - θ)), τ = 5, θ = 0.01: x = 1 -> 0.050, 0.5 -> 0.101, 0.02 -> 3.466, 0 (clamped to
    # θ + 1e-7) -> 57.6, beyond the last step: no spike
    x = np.array([[1.0, 0.5, 0.02, 0.0]], dtype=np.float32)
    enc = LatencyEncoder(10, tau=5.0, threshold=0.01)
    np.testing.assert_allclose(enc.spike_times(x[0]), [0.0503, 0.1010, 3.4657, 57.565], rtol=1e-3)
    spikes = enc(x).data
    assert spikes.shape == (10, 1, 4) and spikes.dtype == np.float32
    np.testing.assert_array_equal(spikes[:, 0].sum(axis=0), [1, 1, 1, 0])
    assert spikes[0, 0, 0] == spikes[0, 0, 1] == spikes[3, 0, 2] == 1


def test_latency_encoder_normalized_codes_worked_by_hand():
    x = np.array([[0.02, 0.5, 1.0]], dtype=np.float32)
    linear = LatencyEncoder(5, normalize=True, linear=True)  # τ = T-1 = 4: t = 4(1 - x) = 3.92, 2, 0
    np.testing.assert_array_equal(np.argmax(linear(x).data[:, 0], axis=0), [4, 2, 0])
    log = LatencyEncoder(5, tau=1.0, normalize=True)  # times stretched so the largest (x = 0.02) lands on T-1
    times = log.spike_times(x[0])
    np.testing.assert_allclose(times, [4.0, 0.1166, 0.0580], atol=1e-3)  # snnTorch's docstring example
    np.testing.assert_array_equal(np.argmax(log(x).data[:, 0], axis=0), [4, 0, 0])
    unclamped = LatencyEncoder(5, tau=2.0, linear=True)  # t = 2(1 - x), and 2(1 - θ) = 1.98 below θ
    np.testing.assert_allclose(unclamped.spike_times(np.float32([0.0, 0.75])), [1.98, 0.5])


def test_latency_encoder_refuses_values_outside_0_1():
    with pytest.raises(DataError, match=r"layer 'lat' \(LatencyEncoder\) takes values in \[0, 1\]; got values "
                                        r"from 0 to 2\. Scale the features into \[0, 1\] first \(e\.g\. "
                                        r"nk\.data\.MinMaxScaler or sklearn\.preprocessing\.MinMaxScaler, or "
                                        r"X / X\.max\(\)\)$"):
        LatencyEncoder(4, name="lat")(np.array([[0.0, 2.0]]))


def test_delta_encoder_worked_by_hand_and_time_major():
    seq = np.array([[1, 2, 2.9, 3, 3.9], [1, 2, 0, 2, 2.9]], dtype=np.float32)[:, :, None]  # (B=2, T=5, F=1)
    out = DeltaEncoder(threshold=1.0)(seq).data
    assert out.shape == (5, 2, 1) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0, 0], [1, 1, 0, 0, 0])  # snnTorch's docstring examples
    np.testing.assert_array_equal(DeltaEncoder(threshold=1.0, padding=True)(seq).data[:, 0, 0], [0, 1, 0, 0, 0])
    np.testing.assert_array_equal(DeltaEncoder(threshold=1.0, off_spike=True)(seq).data[:, 1, 0], [1, 1, -1, 1, 0])
    with pytest.raises(ShapeError, match=r"layer 'd' \(DeltaEncoder\) takes a batch of sequences \(batch, T, \.\.\.\)"
                                         r".*got shape \(4,\)"):
        DeltaEncoder(name="d")(np.zeros(4))
    assert DeltaEncoder().output_shape((5, 3)) == (3,)
    with pytest.raises(ShapeError, match=r"per-sample shape \(5,\)"):
        DeltaEncoder().output_shape((5,))


def test_current_encoder_repeats_the_input_and_sums_gradients_over_steps():
    x = nk.Tensor(np.array([[0.5, -2.0], [3.0, 0.0]], dtype=np.float32), requires_grad=True)
    out = CurrentEncoder(3)(x)
    assert out.shape == (3, 2, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.stack([x.data] * 3))
    (out * np.arange(3, dtype=np.float32).reshape(3, 1, 1)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 0 + 1 + 2, dtype=np.float32))
    np.testing.assert_array_equal(CurrentEncoder(2).infer(np.ones((1, 2, 2))), np.ones((2, 1, 2, 2)))


def test_encoders_keep_the_per_sample_shape_and_refuse_a_scalar():
    for enc in (RateEncoder(3, seed=0), LatencyEncoder(3), CurrentEncoder(3)):
        assert enc.output_shape((1, 8, 8)) == (1, 8, 8)
        assert enc.makes_time_axis and enc.input_kind == "float" and enc.num_parameters() == 0
        assert enc.infer(np.zeros((2, 1, 3, 3))).shape == (3, 2, 1, 3, 3)
        with pytest.raises(ShapeError, match=r"takes a batch of inputs .* got shape \(\)"):
            enc(np.float32(0.5))


def test_a_sequential_names_encoders_and_predicts_time_major_in_batches():
    net = nk.Sequential(CurrentEncoder(4), _TinySpiking(3, 2, seed=0))
    assert list(net.layers) == ["encoder1", "spiking1"]
    X = 3 * np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    whole = outputs(net, X)
    assert whole.shape == (4, 7, 2) and 0 < whole.mean() < 1
    np.testing.assert_allclose(outputs(net, X, batch_size=3), whole, rtol=1e-6)  # batches joined along axis 1


# ----------------------------------------------------------------------------- decoders
SPIKES = np.array([[[1.0, 0.0, 0.0]], [[1.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]])  # (T=4, B=1, C=3)


def test_decoders_worked_by_hand():
    assert DECODERS.names() == ["rate", "count", "first_spike", "max_membrane"]
    np.testing.assert_array_equal(get_decoder("rate")(SPIKES), [[0.75, 0.5, 0.0]])
    np.testing.assert_array_equal(get_decoder("count")(SPIKES), [[3.0, 2.0, 0.0]])
    np.testing.assert_array_equal(get_decoder("first_spike")(SPIKES), [[0.0, -1.0, -4.0]])  # never: -T
    membranes = np.array([[[0.1, -0.5]], [[0.7, -0.2]], [[0.3, -0.4]]])
    np.testing.assert_array_equal(get_decoder("max_membrane")(membranes), [[0.7, -0.2]])
    # the earliest class wins the argmax, even against one that fires more often later
    late = np.zeros((5, 1, 2))
    late[3:, 0, 0] = 1
    late[2, 0, 1] = 1
    assert get_decoder("first_spike")(late).argmax(axis=1)[0] == 1
    assert get_decoder("count")(late).argmax(axis=1)[0] == 0


def test_decoder_tensor_forms_give_the_same_values_and_their_gradients():
    x = nk.Tensor(np.array([[[0.1, -0.5]], [[0.7, -0.2]], [[0.3, -0.4]]]), requires_grad=True)
    for name in DECODERS:
        np.testing.assert_allclose(DECODERS[name].tensor(x).data, DECODERS[name](x.data), rtol=1e-12)
    grads = {}
    for name in ("rate", "count", "max_membrane"):
        x.grad = None
        DECODERS[name].tensor(x).sum().backward()
        grads[name] = x.grad[:, 0].copy()
    np.testing.assert_allclose(grads["rate"], np.full((3, 2), 1 / 3))
    np.testing.assert_array_equal(grads["count"], np.ones((3, 2)))
    np.testing.assert_array_equal(grads["max_membrane"], [[0, 0], [1, 1], [0, 0]])
    assert not DECODERS["first_spike"].tensor(x).requires_grad  # piecewise constant: no gradient


def test_decoders_refuse_outputs_without_a_time_axis_and_unknown_names():
    with pytest.raises(ShapeError, match=r"decoder 'rate' takes time-major outputs \(T, batch, classes\) with "
                                         r"T >= 1; got shape \(4, 3\)"):
        get_decoder("rate")(np.zeros((4, 3)))
    with pytest.raises(ShapeError, match=r"got shape \(0, 2, 3\)"):
        get_decoder("count")(np.zeros((0, 2, 3)))
    with pytest.raises(UnknownNameError, match=r"unknown spike decoder 'rates'.*did you mean 'rate'"):
        get_decoder("rates")
    with pytest.raises(TypeError, match="decoder must be a name"):
        get_decoder(3)


# ----------------------------------------------------------------------------- spike losses
def test_spike_losses_are_in_the_one_loss_registry_with_their_decoders():
    names = {"rate_cross_entropy": "rate", "count_cross_entropy": "count", "count_mse": "count",
             "membrane_cross_entropy": "max_membrane"}
    assert set(names) <= set(nk.losses.available())
    for name, decoder in names.items():
        loss = nk.get_loss(name)
        assert isinstance(loss, SpikeLoss) and loss.task == "classification" and loss.decoder == decoder
        assert loss.output_activation is None
        np.testing.assert_array_equal(loss.decode(SPIKES), DECODERS[decoder](SPIKES))
    assert type(nk.get_loss("ce_rate_loss")).__name__ == "RateCrossEntropy"  # snnTorch's names are aliases
    mse = nk.get_loss({"name": "count_mse", "correct_rate": 1.0, "incorrect_rate": 0.0})
    assert mse.config() == {"name": "count_mse", "correct_rate": 1.0, "incorrect_rate": 0.0}
    assert nk.get_loss(mse.config()).config() == mse.config()


def test_base_loss_decode_is_the_identity():
    out = np.array([[0.2, 0.8]])
    assert nk.get_loss("cross_entropy").decode(out) is out


def _ce(scores, y):
    scores = np.asarray(scores, dtype=np.float64)
    return np.log(np.exp(scores).sum()) - scores[y]


def test_spike_loss_values_worked_by_hand():
    spikes = nk.Tensor(SPIKES)  # one sample of class 0
    rate = np.mean([_ce([1, 0, 0], 0), _ce([1, 1, 0], 0), _ce([0, 1, 0], 0), _ce([1, 0, 0], 0)])
    assert nk.get_loss("rate_cross_entropy")(spikes, [0]).item() == pytest.approx(rate, rel=1e-6)
    assert nk.get_loss("count_cross_entropy")(spikes, [0]).item() == pytest.approx(_ce([3, 2, 0], 0), rel=1e-6)
    # T = 4: target counts int(4·0.8) = 3 for class 0, int(4·0.2) = 0 for the others; counts (3, 2, 0)
    assert nk.get_loss("count_mse")(spikes, [0]).item() == pytest.approx((0 + 4 + 0) / 3 / 4)
    assert CountMSE(1.0, 0.5)(spikes, [1]).item() == pytest.approx(((3 - 2) ** 2 + (2 - 4) ** 2 + 2 ** 2) / 3 / 4)
    membranes = nk.Tensor(np.array([[[0.5, 0.0]], [[1.0, 0.2]], [[0.3, 0.0]]]))
    assert nk.get_loss("membrane_cross_entropy")(membranes, [1]).item() == pytest.approx(_ce([1.0, 0.2], 1),
                                                                                         rel=1e-6)


def test_spike_losses_weigh_samples_like_the_other_losses():
    rng = np.random.default_rng(4)
    spikes = (rng.random((5, 3, 4)) < 0.5).astype(np.float64)
    y, w = np.array([0, 3, 1]), np.array([2.0, 0.0, 1.0])
    for name in ("rate_cross_entropy", "count_cross_entropy", "count_mse", "membrane_cross_entropy"):
        loss = nk.get_loss(name)
        each = [loss(nk.Tensor(spikes[:, i:i + 1]), y[i:i + 1]).item() for i in range(3)]
        assert loss(nk.Tensor(spikes), y).item() == pytest.approx(np.mean(each), rel=1e-9), name
        assert loss(nk.Tensor(spikes), y, weight=w).item() == pytest.approx((2 * each[0] + each[2]) / 3,
                                                                            rel=1e-9), name


@pytest.mark.parametrize("name", ["rate_cross_entropy", "count_cross_entropy", "count_mse",
                                  "membrane_cross_entropy"])
def test_spike_losses_refuse_bad_input(name):
    loss = nk.get_loss(name)
    with pytest.raises(ShapeError, match=rf"loss '{name}' takes time-major outputs \(T, batch, classes\) with T >= 1;"
                                         r" got shape \(4, 3\).*encoder"):
        loss(nk.Tensor(np.zeros((4, 3))), [0, 1, 2, 0])
    with pytest.raises(ShapeError, match=r"one integer class per sample, shape \(2,\) for outputs of shape "
                                         r"\(5, 2, 3\).*got targets of shape \(3,\)"):
        loss(nk.Tensor(np.zeros((5, 2, 3))), [0, 1, 2])
    with pytest.raises(DataError, match=r"class indices 0\.\.3 but the outputs have 3 classes"):
        loss(nk.Tensor(np.zeros((5, 2, 3))), [0, 3])
    with pytest.raises(ShapeError, match=r"sample weights must have shape \(2,\)"):
        loss(nk.Tensor(np.zeros((5, 2, 3))), [0, 1], weight=[1.0, 1.0, 1.0])


def test_count_mse_rates_are_checked():
    with pytest.raises(ParameterError, match=r"count_mse correct_rate must be a finite number in \[0, 1\]; got 1.5"):
        nk.get_loss("count_mse", correct_rate=1.5)


# ----------------------------------------------------------------------------- training on spikes
class _Spike(nk.Function):
    """Heaviside forward; the fast-sigmoid surrogate 1 / (1 + 10|v|)² backward."""

    @staticmethod
    def forward(ctx, v):
        ctx.v = v
        return (v >= 0).astype(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad / (1.0 + 10.0 * np.abs(ctx.v)) ** 2,)


class _IF(SpikingNeuron):
    """Integrate-and-fire, threshold 1, subtract reset (the reset detached, as snnTorch does)."""

    def initial_state(self, shape, dtype=np.float32):
        return {"mem": np.zeros(shape, dtype=dtype)}

    def step(self, current, state):
        mem = current + state["mem"]
        spikes = _Spike.apply(mem - 1.0)
        return spikes, {"mem": mem - spikes.detach()}


class _TinySpiking(nk.Module):
    """A Dense on the (T·B, F) rows of (T, B, F), then the IF neurons: (T, B, out) spikes."""

    name_prefix = "spiking"

    def __init__(self, in_features, out_features, seed):
        self.synapse = nk.Dense(in_features, out_features, activation="identity", seed=seed)
        self.neuron = _IF()
        self.out_features = out_features

    def forward(self, x):
        x = nk.engine.as_tensor(x)
        steps, batch, features = x.shape
        currents = self.synapse(x.reshape(steps * batch, features)).reshape(steps, batch, self.out_features)
        return self.neuron(currents)


def _digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = nk.data.train_test_split(X, data.target, test_size=0.25, stratify=True,
                                                               seed=0)
    return X_train, X_test, y_train, y_test


def test_fit_and_evaluate_a_spiking_network_with_a_spike_loss():
    X_train, X_test, y_train, y_test = _digits()
    net = nk.Sequential(RateEncoder(8, seed=0), _TinySpiking(64, 10, seed=0))
    history = nk.fit(net, X_train, y_train, loss="rate_cross_entropy", epochs=4, batch_size=64, lr=0.01,
                     progress=False, seed=0, validation_data=(X_test, y_test))
    assert history.baseline_loss is None  # no constant predictor to compare spikes with
    assert type(default_loss(net)).__name__ == "RateCrossEntropy"  # the default for a network starting with an encoder
    logs = evaluate(net, X_test, y_test, loss="rate_cross_entropy")
    out = outputs(net, X_test)
    assert out.shape == (8, len(X_test), 10)
    predicted = nk.get_loss("rate_cross_entropy").decode(out).argmax(axis=1)
    assert logs["accuracy"] == pytest.approx(np.mean(predicted == y_test))  # accuracy from the decoded rates
    assert history.history["val_accuracy"][-1] == pytest.approx(logs["accuracy"])  # eval-mode draws repeat
    assert logs["accuracy"] > 0.85
    assert history.history["accuracy"][-1] > 0.8 and history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(DataError, match=r"RateEncoder\) takes values in \[0, 1\]; got values from 0 to 16"):
        nk.fit(net, X_train * 16, y_train, loss="rate_cross_entropy", epochs=1, progress=False)
    with pytest.raises(DataError, match=r"class indices 0\.\.10 but the output layer has 10 neurons"):
        nk.fit(net, X_train[:3], [0, 1, 10], loss="rate_cross_entropy", epochs=1, progress=False)


def test_a_rate_coded_spiking_mlp_learns_digits():
    """RateEncoder(10) + SpikingDense(64, 32) + SpikingDense(32, 10) (LIF, beta 0.9): 4 epochs, test accuracy > 0.8
    (0.88 when written; a constant predictor gets 0.10)."""
    from neuronkit.spiking.layers import SpikingDense

    X_train, X_test, y_train, y_test = _digits()
    net = nk.Sequential(RateEncoder(10, seed=0), SpikingDense(64, 32, seed=0), SpikingDense(32, 10, seed=1))
    nk.fit(net, X_train, y_train, loss="count_mse", epochs=4, batch_size=64, lr=0.02, progress=False, seed=0)
    logs = evaluate(net, X_test, y_test, loss="count_mse")
    assert logs["accuracy"] > 0.8
    counts = outputs(net, X_test).sum(axis=0)
    assert logs["accuracy"] == pytest.approx(np.mean(counts.argmax(axis=1) == y_test))
