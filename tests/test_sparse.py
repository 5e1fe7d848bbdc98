"""Sparse neurons: KWinners (k-winners-take-all), the ActivityL1 penalty, and the sparsity statistics of health."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError, ShapeError
from neuronkit.layers import ActivityL1, KWinners
from neuronkit.layers.sparse import winners


# ------------------------------------------------------------------ KWinners
def test_kwinners_keeps_the_k_largest_of_each_sample():
    x = np.array([[0.1, 0.9, -0.3, 0.5, 0.2], [-1.0, -2.0, -0.5, -3.0, -4.0]])
    out = KWinners(2)(x).data
    np.testing.assert_array_equal(out, [[0.0, 0.9, 0.0, 0.5, 0.0], [-1.0, 0.0, -0.5, 0.0, 0.0]])


def test_ties_go_to_the_lower_index():
    x = np.array([[1.0, 3.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(winners(x, 2), [[False, True, True, False, False],
                                                  [True, True, False, False, False]])
    np.testing.assert_array_equal(KWinners(3)(x).data, [[0.0, 3.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(KWinners(4)(x).data, [[1.0, 3.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0, 0.0]])


def test_gradient_reaches_the_winners_only():
    x = nk.Tensor(np.array([[0.3, -1.0, 2.0, 0.7]]), requires_grad=True)
    (KWinners(2)(x) * np.array([[1.0, 2.0, 3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0, 3.0, 4.0]])


def test_per_sample_values_of_any_shape_compete_together():
    x = np.arange(12.0).reshape(2, 2, 3) * np.array([1.0, -1.0, 1.0])
    out = KWinners(2)(x).data
    assert out.shape == (2, 2, 3)
    assert (out != 0).reshape(2, -1).sum(axis=1).tolist() == [2, 2]
    np.testing.assert_array_equal(out[0], [[0.0, 0.0, 0.0], [3.0, 0.0, 5.0]])  # [[0, -1, 2], [3, -4, 5]]: 5 and 3


def test_one_sample_is_one_row():
    np.testing.assert_array_equal(KWinners(1)(np.array([0.2, 0.5, 0.1])).data, [0.0, 0.5, 0.0])


def torch_kwta(x: np.ndarray, k: int, upstream: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference: torch.topk for the winners, scatter to put them back, and autograd."""
    t = torch.tensor(x, requires_grad=True)
    _, index = torch.topk(t, k, dim=1)
    mask = torch.zeros_like(t).scatter(1, index, 1.0)
    out = t * mask
    (out * torch.tensor(upstream)).sum().backward()
    return out.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize(("n", "f", "k"), [(5, 12, 3), (8, 64, 8), (3, 7, 7)])
def test_equals_a_torch_topk_scatter_implementation(n, f, k):
    rng = np.random.default_rng(n * f + k)
    x = rng.permutation(n * f).reshape(n, f) * 0.01 - 1.5  # distinct values: torch's order among ties is unspecified
    upstream = rng.standard_normal((n, f))
    leaf = nk.Tensor(x, requires_grad=True)
    out = KWinners(k)(leaf)
    (out * upstream).sum().backward()
    want_out, want_grad = torch_kwta(x, k, upstream)
    np.testing.assert_array_equal(out.data, want_out)
    np.testing.assert_array_equal(leaf.grad, want_grad)
    np.testing.assert_array_equal(KWinners(k).infer(x.astype(np.float32)), want_out.astype(np.float32))


def test_kwinners_in_a_sequential_after_dense():
    net = nk.Sequential(nk.Dense(4, 10, activation="tanh", seed=0), KWinners(3), nk.Dense(10, 2, seed=1))
    assert list(net.layers) == ["hidden1", "kwta1", "output"]
    X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    hidden = net["hidden1"].infer(X)
    kept = net["kwta1"].infer(hidden)
    assert ((kept != 0).sum(axis=1) == 3).all()
    np.testing.assert_allclose(net.infer(X), net["output"].infer(kept), rtol=1e-6)
    # (C order: gradcheck perturbs its float64 copy through reshape(-1), a copy for an F-ordered array)
    assert nk.gradcheck(lambda x: net["kwta1"](x), np.ascontiguousarray(hidden[:3], dtype=np.float64) * 10.0)


def test_spec_builds_and_writes_kwta():
    net = nk.build("dense(64,relu),kwta(8),dense(out)", (5,), outputs=3, seed=0)
    assert [type(layer).__name__ for layer in net] == ["Dense", "KWinners", "Dense"]
    assert net["kwta1"].k == 8
    assert nk.spec_of(net) == "dense(64,relu),kwta(8),dense(3)"
    assert nk.build("dense(6,relu),KWinners(k=2),dense(2)", 3, seed=0)["kwta1"].k == 2


def test_spec_refuses_k_larger_than_the_layer_before():
    with pytest.raises(ShapeError, match=r"kwta\(8\) at token 2.*k=8.*\(4,\) per sample: use k <= 4"):
        nk.build("dense(4,relu),kwta(8),dense(out)", (5,), outputs=3, seed=0)


@pytest.mark.parametrize(("k", "error", "match"), [
    (0, ParameterError, "KWinners k must be an integer >= 1; got 0"),
    (-2, ParameterError, "k must be an integer >= 1; got -2"),
    (2.5, ParameterTypeError, "k must be an integer"),
    (True, ParameterTypeError, "k must be an integer"),
    ("3", ParameterTypeError, "k must be an integer"),
])
def test_bad_k_is_refused(k, error, match):
    with pytest.raises(error, match=match):
        KWinners(k)


def test_k_larger_than_the_input_is_a_shape_error_naming_the_layer():
    with pytest.raises(ShapeError, match=r"layer .winners. keeps the k=5 .*\(3,\) per sample \(input shape \(2, 3\)\)"):
        KWinners(5, name="winners")(np.ones((2, 3)))


def test_model_file_round_trip(tmp_path):
    net = nk.build("dense(12,relu),kwta(4),activity_l1(0.002),dense(out)", (5,), outputs=3, seed=2)
    X = np.random.default_rng(1).standard_normal((7, 5)).astype(np.float32)
    path = tmp_path / "sparse.nkm"
    nk.save(net, path)
    back = nk.load(path)
    assert [type(layer).__name__ for layer in back] == ["Dense", "KWinners", "ActivityL1", "Dense"]
    assert back["kwta1"].k == 4 and back["activity1"].weight == 0.002
    np.testing.assert_array_equal(back.infer(X), net.infer(X))


def test_model_file_with_a_bad_k_is_refused():
    config = KWinners(2).config() | {"k": 0}
    with pytest.raises(ParameterError, match="k must be an integer >= 1; got 0"):
        nk.layers.layer_expected_arrays(config)


# ------------------------------------------------------------------ ActivityL1
def test_penalty_value_worked_by_hand():
    layer = ActivityL1(0.1)
    a = np.array([[1.0, -2.0, 0.0], [0.5, 0.5, -3.0]])
    out = layer(nk.Tensor(a))
    np.testing.assert_array_equal(out.data, a)  # the identity
    # 0.1 · ((1 + 2 + 0) + (0.5 + 0.5 + 3)) / 2 samples = 0.1 · 7 / 2
    assert float(layer.own_penalty().data) == pytest.approx(0.35, rel=1e-12)


def test_penalty_is_zero_before_a_forward_pass_and_none_without_weight():
    assert float(ActivityL1(0.5).own_penalty().data) == 0.0
    assert ActivityL1(0.0).own_penalty() is None


def test_evaluation_adds_nothing():
    layer = ActivityL1(1.0)
    layer(nk.Tensor(np.ones((2, 3))))
    with nk.eval_mode():
        layer(nk.Tensor(np.full((2, 3), 5.0)))
    layer.infer(np.full((2, 3), 9.0))
    assert float(layer.own_penalty().data) == pytest.approx(3.0)  # still the training pass's: 1·6/2


@pytest.mark.parametrize(("weight", "error", "match"), [
    (-0.1, ParameterError, "ActivityL1 weight must be a finite number >= 0; got -0.1"),
    (float("nan"), ParameterError, "weight"),
    ("0.1", ParameterTypeError, "weight"),
])
def test_bad_weight_is_refused(weight, error, match):
    with pytest.raises(error, match=match):
        ActivityL1(weight)


def _net(weight: float) -> nk.Sequential:
    return nk.Sequential(nk.Dense(3, 5, activation="tanh", seed=0, dtype=np.float64), ActivityL1(weight),
                         nk.Dense(5, 2, activation="identity", seed=1, dtype=np.float64))


def _objective(net: nk.Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """mse loss plus the activity penalty, on a training-mode forward pass.

    (With gradients recorded: under no_grad a Sequential runs its layers' inference path, which adds no penalty.)
    """
    out = net(nk.Tensor(X))
    return float(nk.get_loss("mse")(out, y).data) + float(net.penalty().data)


def test_penalty_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    net = _net(0.25)
    total = nk.get_loss("mse")(net(nk.Tensor(X)), y) + net.penalty()
    net.zero_grad()
    total.backward()
    W = net["hidden1"].weight
    numeric = np.zeros_like(W.data)
    for idx in np.ndindex(W.shape):
        keep = W.data[idx]
        W.data[idx] = keep + 1e-6
        up = _objective(net, X, y)
        W.data[idx] = keep - 1e-6
        down = _objective(net, X, y)
        W.data[idx] = keep
        numeric[idx] = (up - down) / 2e-6
    np.testing.assert_allclose(W.grad, numeric, rtol=1e-6, atol=1e-9)
    penalty_part = W.grad - _plain_gradient(net, X, y)
    assert np.abs(penalty_part).max() > 1e-3  # the penalty changed the gradient


def _plain_gradient(net: nk.Sequential, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    weight = net["activity1"].weight
    net["activity1"].weight = 0.0
    try:
        net.zero_grad()
        nk.get_loss("mse")(net(nk.Tensor(X)), y).backward()
        return net["hidden1"].weight.grad.copy()
    finally:
        net["activity1"].weight = weight


def test_fit_adds_the_penalty_to_the_loss_it_descends():
    """One SGD step of fit equals W - lr·(∂loss/∂W + ∂penalty/∂W), the penalty's part worked out here."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    net, twin = _net(0.5), _net(0.5)
    h = np.tanh(X @ twin["hidden1"].weight.data.T + twin["hidden1"].bias.data)
    # ∂/∂W of 0.5·mean_n Σ_j |h_nj|: 0.5/N · Σ_n sign(h_nj)·(1 - h_nj²)·x_ni
    by_hand = 0.5 / len(X) * (np.sign(h) * (1.0 - h * h)).T @ X
    want = twin["hidden1"].weight.data - 0.1 * (_plain_gradient(twin, X, y) + by_hand)
    nk.fit(net, X, y, loss="mse", optimizer="sgd", lr=0.1, epochs=1, batch_size=8, shuffle=False, progress=False,
           metrics=[])
    np.testing.assert_allclose(net["hidden1"].weight.data, want, rtol=1e-10, atol=1e-12)


def test_training_with_the_penalty_makes_activity_sparser():
    data = nk.datasets.moons(200, seed=0)
    X, y = data.X, data.y
    activity = {}
    for weight in (0.0, 0.05):
        net = nk.Sequential(nk.Dense(2, 32, activation="relu", seed=0), ActivityL1(weight),
                            nk.Dense(32, 2, activation="softmax", seed=1))
        nk.fit(net, X, y, epochs=30, lr=0.01, seed=0, progress=False)
        activity[weight] = float(np.abs(net["hidden1"].infer(np.asarray(X, np.float32))).sum(axis=1).mean())
    assert activity[0.05] < 0.5 * activity[0.0]


# ------------------------------------------------------------------ sparsity statistics in health
X_HAND = np.array([[1.0, 2.0], [-1.0, 3.0], [-1.0, -1.0], [2.0, -5.0]])


def hand_set(*between: nk.Module, output: str = "identity") -> nk.Sequential:
    """hidden1 = relu(x1, x2, -x1-x2); hidden2 = relu(sum, -h1); output Dense(2, 4).

    On X_HAND hidden1 gives [1, 2, 0], [0, 3, 0], [0, 0, 2], [2, 0, 3]: 2, 1, 1, 2 of 3 active;
    hidden2 gives [3, 0], [3, 0], [2, 0], [5, 0]: 1 of 2 active on every sample.
    """
    h1 = nk.Dense(2, 3, activation="relu", seed=0, dtype=np.float64)
    h1.weight.data[:] = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    h2 = nk.Dense(3, 2, activation="relu", seed=0, dtype=np.float64)
    h2.weight.data[:] = [[1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]]
    return nk.Sequential(h1, *between, h2, nk.Dense(2, 4, activation=output, seed=1, dtype=np.float64))


def test_health_counts_active_neurons_and_skipped_multiply_adds_by_hand():
    report = nk.inspect.health(hand_set(), X_HAND)
    assert list(report.sparsity) == ["hidden1", "hidden2"]  # the output layer feeds nothing
    s1, s2 = report.sparsity["hidden1"], report.sparsity["hidden2"]
    assert (s1.feeds, s1.neurons, s1.fan_out) == ("hidden2", 3, 2)
    np.testing.assert_array_equal(s1.counts, [0, 2, 2, 0])
    assert s1.active_share == pytest.approx(6 / 12)
    assert (s1.min_share, s1.quantile(0.5), s1.max_share) == (pytest.approx(1 / 3), pytest.approx(1 / 3),
                                                               pytest.approx(2 / 3))
    assert s1.skipped_macs == pytest.approx((1 + 2 + 2 + 1) / 4 * 2)  # inactive inputs × hidden2's 2 neurons
    assert s1.dense_macs == 6
    np.testing.assert_array_equal(s2.counts, [0, 4, 0])
    assert (s2.active_share, s2.skipped_macs, s2.dense_macs) == (0.5, 4.0, 8)


def test_health_sees_the_winners_of_a_kwta_layer():
    s1 = nk.inspect.health(hand_set(KWinners(1)), X_HAND).sparsity["hidden1"]
    assert s1.feeds == "hidden2"
    np.testing.assert_array_equal(s1.counts, [0, 4, 0, 0])  # one winner (positive on every sample) of three
    assert s1.skipped_macs == pytest.approx(2 * 2)


def test_sparsity_in_the_text_and_json_of_the_report():
    report = nk.inspect.health(hand_set(), X_HAND)
    text = str(report)
    assert "sparsity: the share of each hidden layer's neurons active" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("hidden1  hidden2"))
    assert row.split() == ["hidden1", "hidden2", "3", "50.0%", "33.3%", "33.3%", "66.7%", "3.0", "6"]
    assert "in all: 7.0 of 14 multiply-adds per sample skipped (50.0%)" in text
    entry = report.to_dict()["sparsity"]["hidden1"]
    assert entry["active_count_histogram"] == [0, 2, 2, 0]
    assert entry["skipped_macs_per_sample"] == pytest.approx(3.0)
    assert entry["active_share_mean"] == pytest.approx(0.5)


def test_sparsity_in_the_html_report(tmp_path):
    files = nk.inspect.write_report(hand_set(output="softmax"), X_HAND, np.array([0, 1, 2, 3]),
                                    out_dir=tmp_path)
    html = files.html.read_text(encoding="utf-8")
    assert "<h3>Sparsity</h3>" in html
    assert "33%: 2, 67%: 2" in html  # the distribution of hidden1's active share
    assert "3.0 of 6" in html


def test_no_sparsity_rows_without_a_hidden_dense_read_by_a_dense():
    net = nk.Sequential(nk.Dense(2, 3, seed=0))
    report = nk.inspect.health(net, X_HAND)
    assert report.sparsity == {} and "sparsity:" not in str(report)


# ------------------------------------------------------------------ train --sparsity
def cli(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "neuronkit.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_train_sparsity_puts_an_activity_penalty_after_each_hidden_layer(tmp_path):
    code, out, err = cli("train", "iris", "--hidden", "8,6", "--epochs", "3", "--sparsity", "0.01", "--out",
                         "m.nkm", cwd=tmp_path)
    assert code == 0, err
    net = nk.load(tmp_path / "m.nkm").network_
    assert [type(layer).__name__ for layer in net] == ["Dense", "ActivityL1", "Dense", "ActivityL1", "Dense"]
    assert [layer.weight for layer in net if isinstance(layer, ActivityL1)] == [0.01, 0.01]
    assert net["hidden1"].init == "glorot_normal" and net["hidden2"].out_features == 6


def test_train_sparsity_with_a_spec():
    from neuronkit.cli import _with_activity_l1

    spec = _with_activity_l1("conv(4,3,relu),maxpool(2),flatten,dense(16,relu),dense(out)", 0.5)
    net = nk.build(spec, (1, 8, 8), outputs=3, seed=0)
    assert [type(layer).__name__ for layer in net] == ["Conv2d", "MaxPool2d", "Flatten", "ActivityL1", "Dense",
                                                       "ActivityL1", "Dense"]


@pytest.mark.parametrize(("args", "message"), [
    (["--sparsity", "-0.5"], "--sparsity must be a finite number >= 0; got -0.5"),
    (["--sparsity", "0.1", "--spiking"], "--sparsity penalises the outputs of the hidden layers"),
    (["--sparsity", "0.1", "--model", "dense(out)"], "has no such layer read by another one"),
])
def test_train_sparsity_bad_values_are_usage_errors(tmp_path, args, message):
    code, _, err = cli("train", "iris", "--epochs", "1", *args, cwd=tmp_path)
    assert code == 2
    assert message in err
