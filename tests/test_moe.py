"""Mixture of Experts: routing against a per-sample reference, capacity, the balance loss, files, spec, bad input.

The gradients of the row gather/scatter primitives are in test_gradients.py's table; here the whole
layer is gradchecked in float64 (eval mode, and training without noise), and a small MoE learns digits.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.errors import ParameterError, ParameterTypeError
from neuronkit.inspect.routing import routing
from neuronkit.layers import MoE
from neuronkit.layers.moe import top_k, within_capacity

_rng = np.random.default_rng(16)


def reference(moe: MoE, x: np.ndarray) -> np.ndarray:
    """Eval-mode MoE, one sample at a time with every expert run: softmax over the top k gate values."""
    out = []
    for row in x:
        h = moe.gate.weight.data.astype(np.float64) @ row
        chosen = np.argsort(-h, kind="stable")[:moe.k]
        g = np.exp(h[chosen] - h[chosen].max())
        g /= g.sum()
        out.append(sum(gi * moe.experts[i].infer(row[None].astype(moe.dtype))[0] for gi, i in zip(g, chosen)))
    return np.array(out)


@pytest.mark.parametrize("expert", ["dense", (6,), (5, 3)])
def test_eval_output_is_the_top_k_mixture_of_experts(expert):
    moe = MoE(4, 3, experts=5, k=2, expert=expert, activation="tanh", seed=1).eval()
    x = _rng.standard_normal((7, 4)).astype(np.float32)
    np.testing.assert_allclose(moe(x).data, reference(moe, x), rtol=1e-5, atol=1e-6)


def test_a_prediction_never_depends_on_the_rest_of_the_batch():
    net = nk.Sequential(nk.Dense(4, 6, seed=0), MoE(6, 5, experts=4, k=2, capacity_factor=0.3, seed=2),
                        nk.Dense(5, 3, seed=3))
    X = _rng.standard_normal((40, 4)).astype(np.float32)
    batch = nk.training.predict(net, X)
    alone = np.stack([nk.training.predict(net, X[i:i + 1])[0] for i in range(len(X))])
    # equal up to float32 rounding (BLAS sums a batch's rows in another order than one row's), same routing
    np.testing.assert_allclose(batch, alone, rtol=1e-5, atol=1e-6)
    hidden = net["hidden1"].infer(X)
    np.testing.assert_array_equal(net["moe1"].route(hidden)[0],
                                  np.concatenate([net["moe1"].route(h[None])[0] for h in hidden]))
    # in training the capacity (0.3 * 40 * 2 / 4 = 6 per expert) makes samples depend on each other
    net.train()
    trained_batch = net(X).data
    assert not np.allclose(trained_batch[-5:], net(X[-5:]).data)


def test_top_k_and_capacity_by_hand():
    np.testing.assert_array_equal(top_k(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]]), 2), [[0, 2], [1, 2]])
    chosen = np.array([[0, 1], [0, 2], [0, 1], [1, 0]])
    # capacity 2: first choices in batch order (0, 0 take expert 0; the third 0 is dropped; 1 fits), then seconds
    np.testing.assert_array_equal(within_capacity(chosen, 3, 2),
                                  [[True, True], [True, True], [False, False], [True, False]])


def test_over_capacity_samples_get_zeros_in_training_only():
    moe = MoE(2, 2, experts=2, k=1, noise=False, capacity_factor=0.5, activation="identity", seed=0)
    moe.gate.weight.data[:] = [[1.0, 0.0], [-1.0, 0.0]]  # x0 > 0: expert 0, else expert 1
    x = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [-1.0, 1.0]], dtype=np.float32)
    assert moe.capacity(4) == 1  # ceil(0.5 * 4 * 1 / 2)
    out = moe.train()(x).data
    expected = moe.eval()(x).data
    np.testing.assert_array_equal(out[[0, 3]], expected[[0, 3]])  # each expert's first sample
    np.testing.assert_array_equal(out[[1, 2]], 0.0)  # over capacity: dropped
    assert np.all(expected[[1, 2]] != 0.0)


def test_only_the_chosen_experts_run():
    moe = MoE(3, 2, experts=4, k=1, noise=False, seed=0).eval()
    moe.gate.weight.data[:] = 0.0
    moe.gate.weight.data[2, 0] = 1.0  # every sample with x0 > 0 goes to expert 2
    calls = []
    for i, expert in enumerate(moe.experts):
        forward = expert.forward
        expert.forward = lambda x, i=i, forward=forward: (calls.append((i, len(x.data))), forward(x))[1]
    moe(np.abs(_rng.standard_normal((6, 3))).astype(np.float32))
    assert calls == [(2, 6)]


def test_gradients_through_the_layer_match_finite_differences():
    moe = MoE(3, 2, experts=3, k=2, expert=(4,), activation="tanh", noise=False, capacity_factor=0.7, seed=5,
              dtype=np.float64)
    x = _rng.standard_normal((6, 3))
    owners = [(m, name) for m in moe.modules() for name, p in vars(m).items() if isinstance(p, nk.Parameter)]
    assert len(owners) == len(moe.parameters()) == 13  # the gate, and 3 experts x (hidden and output W, b)
    for training in (False, True):  # training: with capacity (no noise, so the routing is fixed near x)
        moe.train(training)
        assert nk.gradcheck(lambda x: moe(x), x, rtol=1e-6)
        for owner, name in owners:  # every parameter, the gate's included (the softmax over the kept values)
            assert nk.gradcheck(lambda w, owner=owner, name=name: _with_parameter(owner, name, w, moe, x),
                                getattr(owner, name).data.copy(), rtol=1e-6)


def _with_parameter(owner: nk.Module, name: str, value: nk.Tensor, moe: MoE, x: np.ndarray) -> nk.Tensor:
    """The MoE output with ``owner.name`` replaced by ``value`` (the leaf gradcheck perturbs)."""
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        return moe(x)
    finally:
        setattr(owner, name, saved)


def test_balance_loss_is_the_switch_transformer_formula():
    moe = MoE(2, 2, experts=4, k=2, noise=False, balance=0.1, seed=0)
    x = _rng.standard_normal((9, 2)).astype(np.float64).astype(np.float32)
    moe.train()(x)
    loss = float(moe.own_penalty().data)
    h = x @ moe.gate.weight.data.T
    chosen = top_k(h, 2)
    f = np.bincount(chosen.ravel(), minlength=4) / chosen.size
    p = np.exp(h - h.max(1, keepdims=True))
    P = (p / p.sum(1, keepdims=True)).mean(0)
    assert loss == pytest.approx(0.1 * 4 * float(f @ P), rel=1e-5)
    assert float(moe.own_penalty().data) == 0.0  # taken once
    moe.eval()(x)
    assert float(moe.own_penalty().data) == 0.0  # eval computes none
    assert MoE(2, 2, balance=0.0, seed=0).own_penalty() is None
    # all on one expert with certainty: f = P = one-hot, the loss is α·E; uniform would be α
    one = MoE(2, 2, experts=4, k=1, noise=False, balance=0.1, seed=0)
    one.gate.weight.data[:] = [[50.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    one.train()(np.ones((5, 2), dtype=np.float32))
    assert float(one.own_penalty().data) == pytest.approx(0.4, rel=1e-5)


def test_fit_adds_the_balance_loss_to_the_gradient():
    X = _rng.standard_normal((32, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    grads = {}
    for balance in (0.0, 5.0):
        net = nk.Sequential(nk.Dense(3, 4, seed=0), MoE(4, 4, experts=3, k=1, noise=False, balance=balance, seed=1),
                            nk.Dense(4, 2, activation="softmax", seed=2))
        before = net["moe1"].gate.weight.data.copy()
        nk.fit(net, X, y, epochs=1, batch_size=32, optimizer="sgd", lr=1.0, progress=False, seed=0)
        grads[balance] = net["moe1"].gate.weight.data - before
    assert not np.allclose(grads[0.0], grads[5.0])


def test_noise_is_seeded_in_training_and_absent_in_eval():
    x = _rng.standard_normal((16, 3)).astype(np.float32)
    a, b = MoE(3, 2, experts=4, k=2, seed=7), MoE(3, 2, experts=4, k=2, seed=7)
    np.testing.assert_array_equal(a.train()(x).data, b.train()(x).data)
    first, second = a(x).data, a(x).data
    assert not np.array_equal(first, second)  # fresh noise each step
    np.testing.assert_array_equal(a.eval()(x).data, a.eval()(x).data)
    np.testing.assert_allclose(a(x).data, reference(a, x), rtol=1e-5, atol=1e-6)


def test_model_file_round_trip(tmp_path):
    net = nk.build("dense(8,relu),moe(6,experts=3,k=2,expert=5),dense(out)", input_shape=(4,), outputs=3,
                   output="softmax", seed=0)
    path = tmp_path / "moe.nkm"
    nk.save(net, path)
    back = nk.load(path)
    X = _rng.standard_normal((10, 4)).astype(np.float32)
    np.testing.assert_array_equal(nk.training.predict(back, X), nk.training.predict(net, X))
    assert back["moe1"].config() == net["moe1"].config()
    assert nk.spec_of(back) == "dense(8,relu),moe(6,experts=3,expert=5),dense(3,softmax)"


def test_spec_token_builds_and_round_trips():
    net = nk.build("moe(8, tanh, experts=6, k=1, noise=false, balance=0.05), dense(out)", input_shape=(5,),
                   outputs=2, seed=0)
    moe = net["moe1"]
    assert (moe.in_features, moe.out_features, moe.n_experts, moe.k, moe.noisy, moe.balance) == (5, 8, 6, 1, False,
                                                                                                0.05)
    assert moe.activation.name == "tanh" and moe.noise is None
    again = nk.build(nk.spec_of(net), input_shape=(5,), outputs=2, seed=0)
    assert again["moe1"].config() == moe.config()
    with pytest.raises(ParameterError, match="k .* at most experts=2"):
        nk.build("moe(8, experts=2, k=3), dense(out)", input_shape=(5,), outputs=2)


@pytest.mark.parametrize(("options", "error", "match"), [
    ({"experts": 3, "k": 4}, ParameterError, r"MoE k \(experts per sample\) must be at most experts=3; got k=4"),
    ({"experts": 0}, ParameterError, "MoE experts must be an integer >= 1; got 0"),
    ({"k": 0}, ParameterError, "MoE k must be an integer >= 1; got 0"),
    ({"capacity_factor": 0.0}, ParameterError, "MoE capacity_factor must be a finite number > 0"),
    ({"capacity_factor": -1.0}, ParameterError, "MoE capacity_factor must be a finite number > 0"),
    ({"balance": -0.01}, ParameterError, "MoE balance must be a finite number >= 0"),
    ({"expert": "conv"}, ParameterError, "MoE expert must be 'dense' or the hidden widths"),
    ({"expert": (8, 0)}, ParameterError, "MoE expert must be"),
    ({"expert": 2.5}, ParameterTypeError, "MoE expert must be"),
    ({"noise": "yes"}, ParameterTypeError, "MoE noise must be"),
])
def test_bad_options_are_refused(options, error, match):
    with pytest.raises(error, match=match):
        MoE(3, 2, **options)
    config = MoE(3, 2, seed=0).config() | options  # a model file declaring them is refused the same way
    with pytest.raises(error, match=match):
        nk.layers.layer_expected_arrays(config)


def test_routing_view_on_a_hand_set_gate():
    net = nk.Sequential(nk.Dense(2, 2, activation="identity", seed=0),
                        MoE(2, 2, experts=3, k=1, noise=False, seed=0), nk.Dense(2, 2, seed=1))
    net["hidden1"].weight.data[:] = np.eye(2)
    net["hidden1"].bias.data[:] = 0.0
    # expert 0 for x0 > x1 (class 0), expert 1 for x1 > x0 (class 1), expert 2 never
    net["moe1"].gate.weight.data[:] = [[1.0, 0.0], [0.0, 1.0], [-5.0, -5.0]]
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0], [3.0, 0.5], [0.2, 0.1]], dtype=np.float32)
    y = np.array([0, 1, 0, 1, 0, 0])
    r = routing(net, X, y, batch_size=4, top=2)
    assert r.layer == "moe1"
    np.testing.assert_array_equal(r.experts[:, 0], [0, 1, 0, 1, 0, 0])
    np.testing.assert_allclose(r.gates, 1.0)
    np.testing.assert_allclose(r.load, [4 / 6, 2 / 6, 0.0])
    np.testing.assert_allclose(r.batch_load, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(r.class_load, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(r.samples(1), [1, 3])
    # the gate probability of expert 0 is highest on [3, 0.5], then [2, 1] (largest x0 - x1)
    np.testing.assert_array_equal(r.top[0].indices, [4, 2])
    np.testing.assert_array_equal(r.top[1].indices, [3, 1])
    # class selectivity of the gate probabilities, computed by hand from the softmax over the three gate values
    h = X @ net["moe1"].gate.weight.data.T
    p = np.exp(h - h.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    means = np.stack([p[y == 0].mean(0), p[y == 1].mean(0)], axis=1)  # (experts, classes)
    mu_max, mu_rest = means.max(1), means.min(1)
    np.testing.assert_allclose([r.selectivity[f"moe1_gate[{i}]"] for i in range(3)],
                               (mu_max - mu_rest) / (mu_max + mu_rest), rtol=1e-5)
    assert "moe1" in str(r) and "66.7%" in str(r)
    with pytest.raises(ParameterError, match="no MoE layer"):
        routing(nk.mlp([2, 3, 2], seed=0), X)


def test_a_small_moe_learns_digits():
    ds = nk.datasets.load("digits")
    X = (ds.X / 16.0).astype(np.float32)
    y = ds.y
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1300], order[1300:]
    net = nk.build("dense(64,relu),moe(32,experts=4,k=1),dense(out)", input_shape=(64,), outputs=10,
                   output="softmax", seed=0)
    nk.fit(net, X[train], y[train], epochs=8, batch_size=32, lr=3e-3, progress=False, seed=0)
    accuracy = float(np.mean(nk.training.predict(net, X[test]).argmax(1) == y[test]))
    assert accuracy >= 0.93
    used = routing(net, X[test]).load
    assert used.max() < 0.9  # the balance loss keeps more than one expert in use


def test_a_first_moe_layer_fixes_the_networks_input_width():
    net = nk.build("moe(16,experts=4,k=1),dense(out,softmax)", input_shape=(8,), outputs=3, seed=0)
    assert net.in_features == 8
    X = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32)
    trace = nk.inspect.trace(net, X[0])  # inspection runs in eval mode: no gate noise
    with nk.eval_mode():
        expected = net.infer(X[:1])[0, 2]
    assert trace["output[2]"].output == pytest.approx(expected, rel=1e-5)
