"""Continual learning: Fisher information by hand, the EWC penalty and its gradient, the scenarios, the report,
a seeded split-digits run where EWC forgets less than fine-tuning, model files, figures and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import neuronkit as nk
from neuronkit import continual as cl
from neuronkit.engine import Tensor
from neuronkit.engine.tensor import softmax_cross_entropy
from neuronkit.errors import NeuronkitError, ParameterError, ParameterTypeError, ShapeError


# ----------------------------------------------------------------------------- a hand-set tiny network
def _tiny():
    """2 inputs, 3 tanh neurons, 2 softmax outputs, float64, hand-set weights; 3 samples."""
    net = nk.mlp([2, 3, 2], activation="tanh", output="softmax", seed=0, dtype=np.float64)
    net["hidden1"].weight.data[:] = [[0.5, -0.3], [0.1, 0.8], [-0.7, 0.2]]
    net["hidden1"].bias.data[:] = [0.1, -0.2, 0.05]
    net["output"].weight.data[:] = [[0.4, -0.6, 0.9], [-0.2, 0.3, 0.5]]
    net["output"].bias.data[:] = [0.05, -0.1]
    X = np.array([[1.0, 2.0], [-0.5, 0.3], [0.2, -1.2]])
    y = np.array([0, 1, 1])
    return net, X, y


def _hand_gradients(net, x, c):
    """∂ log p(c | x) / ∂θ for the tiny network, by the chain rule written out."""
    W1, b1 = net["hidden1"].weight.data, net["hidden1"].bias.data
    W2, b2 = net["output"].weight.data, net["output"].bias.data
    h = np.tanh(W1 @ x + b1)
    z = W2 @ h + b2
    p = np.exp(z - z.max())
    p /= p.sum()
    d2 = np.eye(2)[c] - p                      # ∂ log p_c / ∂z
    d1 = (W2.T @ d2) * (1 - h ** 2)            # back through tanh
    grads = {"hidden1.weight": np.outer(d1, x), "hidden1.bias": d1, "output.weight": np.outer(d2, h),
             "output.bias": d2}
    return grads, p


def test_empirical_fisher_is_the_mean_squared_gradient_worked_by_hand():
    net, X, y = _tiny()
    F = cl.fisher_information(net, X, y, kind="empirical")
    expected = {name: np.zeros_like(p.data) for name, p in net.named_parameters()}
    for x, c in zip(X, y):
        grads, _ = _hand_gradients(net, x, c)
        for name in expected:
            expected[name] += grads[name] ** 2 / len(X)
    assert list(F) == ["hidden1.weight", "hidden1.bias", "output.weight", "output.bias"]
    for name in expected:
        np.testing.assert_allclose(F[name], expected[name], rtol=1e-10, atol=1e-14)


def test_true_fisher_weights_each_class_gradient_by_the_model_s_probability():
    net, X, _ = _tiny()
    F = cl.fisher_information(net, X)  # kind="true": no labels needed
    expected = {name: np.zeros_like(p.data) for name, p in net.named_parameters()}
    for x in X:
        for c in range(2):
            grads, p = _hand_gradients(net, x, c)
            for name in expected:
                expected[name] += p[c] * grads[name] ** 2 / len(X)
    for name in expected:
        np.testing.assert_allclose(F[name], expected[name], rtol=1e-10, atol=1e-14)
    # and against autodiff: the mean squared gradient of the cross-entropy with labels drawn as the model predicts
    empirical_0 = cl.fisher_information(net, X, [0, 0, 0], kind="empirical")
    empirical_1 = cl.fisher_information(net, X, [1, 1, 1], kind="empirical")
    assert not np.allclose(empirical_0["output.bias"], F["output.bias"])
    assert np.all(F["hidden1.weight"] <= np.maximum(empirical_0["hidden1.weight"], empirical_1["hidden1.weight"]))


def test_fisher_on_a_subset_of_samples_uses_the_drawn_ones_and_leaves_the_network_as_it_was():
    net, X, y = _tiny()
    net.train()
    index = np.sort(np.random.default_rng(4).choice(3, 2, replace=False))
    F = cl.fisher_information(net, X, y, kind="empirical", samples=2, seed=4)
    G = cl.fisher_information(net, X[index], y[index], kind="empirical")
    for name in F:
        np.testing.assert_allclose(F[name], G[name], rtol=1e-12)
    assert net.training and all(m.training for m in net.modules())
    assert all(p.grad is None for p in net.parameters())


def test_a_task_head_s_fisher_is_zero_on_the_other_heads_neurons():
    net = cl.multihead_mlp(2, [3], heads=2, classes_per_head=2, seed=1)
    X = np.array([[0.3, -0.4], [1.0, 0.5]], dtype=np.float32)
    F = cl.fisher_information(cl.TaskHead(net, 1, 2), X, [0, 1], kind="empirical")
    assert np.all(F["network.output.weight"][:2] == 0) and np.all(F["network.output.bias"][:2] == 0)
    assert np.all(F["network.output.weight"][2:] > 0)


# ----------------------------------------------------------------------------- the EWC penalty
def _consolidated(lam=3.0):
    net, X, y = _tiny()
    ewc = cl.EWC(net, lam=lam, kind="empirical")
    ewc.consolidate(X, y, name="A")
    rng = np.random.default_rng(0)
    for p in net.parameters():
        p.data += rng.normal(scale=0.3, size=p.shape)
    return net, ewc, X, y


def test_the_penalty_is_lambda_over_two_times_the_fisher_weighted_squared_distance():
    net, ewc, _, _ = _consolidated(lam=3.0)
    anchor = ewc.anchors[0]
    by_hand = sum(float(np.sum(anchor.fisher[n] * (p.data - anchor.values[n]) ** 2)) for n, p in
                  net.named_parameters())
    assert ewc.value() == pytest.approx(1.5 * by_hand, rel=1e-12)
    assert float(ewc.penalty().data) == pytest.approx(ewc.value(), rel=1e-12)
    # a second task adds its own term around its own anchor
    ewc.consolidate(np.array([[0.0, 1.0]]), [1], name="B")
    assert ewc.value() == pytest.approx(1.5 * by_hand, rel=1e-12)  # at B's anchor, B's term is 0
    assert len(ewc.anchors) == 2 and [a.name for a in ewc.anchors] == ["A", "B"]


def test_the_penalty_gradient_matches_central_finite_differences_and_autodiff():
    net, ewc, X, y = _consolidated()
    ewc.consolidate(X[:2], y[:2])  # a second task's term too
    for p in net.parameters():
        p.data += 0.1
    grads = {id(p): g for p, g in ewc.gradients()}
    for p in net.parameters():
        p.grad = None
    ewc.penalty().backward()
    h = 1e-6
    for name, p in net.named_parameters():
        np.testing.assert_allclose(grads[id(p)], p.grad, rtol=1e-9, atol=1e-14)
        for idx in list(np.ndindex(p.shape))[:4]:
            old = p.data[idx]
            p.data[idx] = old + h
            up = ewc.value()
            p.data[idx] = old - h
            down = ewc.value()
            p.data[idx] = old
            assert grads[id(p)][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-10), (name, idx)


def test_fit_with_the_ewc_callback_takes_the_step_of_the_loss_plus_the_penalty():
    net, ewc, X, y = _consolidated(lam=50.0)
    before = {n: p.data.copy() for n, p in net.named_parameters()}
    for p in net.parameters():
        p.grad = None
    softmax_cross_entropy(net.logits(Tensor(X)), y).backward()
    data_grad = {n: p.grad.copy() for n, p in net.named_parameters()}
    penalty_grad = {id(p): g for p, g in ewc.gradients()}
    nk.fit(net, X, y, epochs=1, batch_size=3, optimizer="sgd", lr=0.1, shuffle=False, progress=False, seed=0,
           callbacks=[ewc], metrics=None)
    for n, p in net.named_parameters():
        expected = before[n] - 0.1 * (data_grad[n] + penalty_grad[id(p)])
        np.testing.assert_allclose(p.data, expected, rtol=1e-10, atol=1e-12)
    assert len(ewc.penalties) == 1 and ewc.penalties[0] == pytest.approx(ewc.value())


def test_without_a_consolidated_task_or_with_lambda_zero_the_callback_adds_nothing():
    net, X, y = _tiny()
    assert cl.EWC(net).gradients() == [] and cl.EWC(net).value() == 0.0
    ewc = cl.EWC(net, lam=0.0, kind="empirical")
    ewc.consolidate(X, y)
    assert ewc.gradients() == []


def test_neuron_importance_and_change_are_per_row_sums_and_norms():
    net, ewc, _, _ = _consolidated()
    imp = cl.neuron_importance(ewc.fisher)
    np.testing.assert_allclose(imp["hidden1"], ewc.fisher["hidden1.weight"].sum(axis=1))
    np.testing.assert_allclose(imp["output"], ewc.fisher["output.weight"].sum(axis=1))
    anchor = ewc.anchors[0].values
    moved = cl.neuron_change(anchor, net.state_dict())
    w, b = net["hidden1"].weight.data - anchor["hidden1.weight"], net["hidden1"].bias.data - anchor["hidden1.bias"]
    np.testing.assert_allclose(moved["hidden1"], np.sqrt((w ** 2).sum(axis=1) + b ** 2))


# ----------------------------------------------------------------------------- scenarios and heads
def test_split_digits_gives_disjoint_classes_with_labels_within_each_head():
    a, b = cl.split_digits(seed=1)
    assert (a.head, b.head) == (0, 1) and a.classes == (0, 1, 2, 3, 4) and b.classes == (5, 6, 7, 8, 9)
    assert set(a.y_train) == set(b.y_train) == set(range(5)) and set(b.y_test) == set(range(5))
    assert len(a.X_train) + len(b.X_train) + len(a.X_test) + len(b.X_test) == 1797
    assert 0.0 <= a.X_train.min() and a.X_train.max() == 1.0
    shared = cl.split_digits(seed=1, shared_head=True)
    assert shared[1].head is None and set(shared[1].y_train) == set(range(5, 10))
    np.testing.assert_array_equal(shared[1].X_train, b.X_train)
    assert [t.classes for t in cl.split_digits(tasks=5)] == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]


def test_permuted_digits_applies_one_fixed_pixel_permutation_per_task():
    tasks = cl.permuted_digits(tasks=3, seed=2)
    base = tasks[0]
    for task in tasks[1:]:
        # find the permutation from one sample's distinct pixels, then check it holds for every sample
        perm = np.array([np.flatnonzero((base.X_train == task.X_train[:, [j]]).all(axis=0))[0] for j in range(64)])
        np.testing.assert_array_equal(task.X_train, base.X_train[:, perm])
        np.testing.assert_array_equal(task.X_test, base.X_test[:, perm])
        np.testing.assert_array_equal(task.y_train, base.y_train)
    assert not np.array_equal(tasks[1].X_train, tasks[2].X_train)


def test_a_task_head_predicts_over_its_own_block_and_trains_only_the_shared_layers_and_itself():
    net = cl.multihead_mlp(64, [16], heads=2, classes_per_head=5, seed=0)
    tasks = cl.split_digits(seed=0)
    head = cl.TaskHead(net, 1, 5)
    z = net.logits(tasks[1].X_test[:4]).data[:, 5:]
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(head.infer(tasks[1].X_test[:4]), expected / expected.sum(axis=1, keepdims=True),
                               rtol=1e-5)
    before = net.state_dict()
    nk.fit(head, tasks[1].X_train, tasks[1].y_train, epochs=1, progress=False, seed=0)
    after = net.state_dict()
    np.testing.assert_array_equal(after["output.weight"][:5], before["output.weight"][:5])  # head 0 untouched
    assert not np.array_equal(after["output.weight"][5:], before["output.weight"][5:])
    assert not np.array_equal(after["hidden1.weight"], before["hidden1.weight"])


def test_a_multihead_network_saves_and_loads_with_the_same_task_predictions(tmp_path):
    net = cl.multihead_mlp(64, [16], heads=2, classes_per_head=5, seed=0)
    tasks = cl.split_digits(seed=0)
    cl.train_sequence(net, tasks, strategy="ewc", epochs=1, seed=0, fisher_samples=50)
    nk.save(net, tmp_path / "heads.nk")
    loaded = nk.load(tmp_path / "heads.nk")
    for t in (0, 1):
        np.testing.assert_array_equal(cl.TaskHead(loaded, t, 5).infer(tasks[t].X_test),
                                      cl.TaskHead(net, t, 5).infer(tasks[t].X_test))


# ----------------------------------------------------------------------------- the report
def test_report_metrics_on_a_hand_written_matrix():
    acc = np.array([[0.9, 0.2, 0.1], [0.6, 0.8, 0.1], [0.7, 0.5, 0.95]])
    r = cl.ContinualResult("naive", ["A", "B", "C"], acc)
    assert r.average_accuracy == pytest.approx((0.7 + 0.5 + 0.95) / 3)
    np.testing.assert_allclose(r.forgetting, [0.9 - 0.7, 0.8 - 0.5])
    assert r.average_forgetting == pytest.approx(0.25)
    assert r.backward_transfer == pytest.approx(((0.7 - 0.9) + (0.5 - 0.8)) / 2)


def test_most_changed_lists_the_neurons_that_moved_most_with_their_earlier_importance():
    change = [{"h": np.array([1.0, 1.0, 1.0])}, {"h": np.array([0.2, 3.0, 1.5]), "out": np.array([2.0])}]
    importance = [{"h": np.array([5.0, 0.5, 1.0]), "out": np.array([7.0])}, {"h": np.ones(3), "out": np.ones(1)}]
    r = cl.ContinualResult("ewc", ["A", "B"], np.eye(2), change, importance)
    rows = r.most_changed(1, k=3)
    assert [row["neuron"] for row in rows] == ["h[1]", "out[0]", "h[2]"]
    assert [row["earlier_importance"] for row in rows] == [0.5, 7.0, 1.0]
    assert r.most_changed(0, k=1)[0]["earlier_importance"] is None
    text = r.summary(k=1)
    assert "average accuracy 0.500; average forgetting 1.000; backward transfer -1.000" in text
    assert "\nB        0.000  1.000\n" in text
    assert "changed most while learning B: h[1] 3 (importance 0.5)" in text


def test_ewc_forgets_less_than_fine_tuning_on_split_digits():
    tasks = cl.split_digits(seed=0)
    results = {}
    for strategy in ("naive", "ewc"):
        net = cl.multihead_mlp(64, [32], heads=2, classes_per_head=5, seed=0)
        results[strategy] = cl.train_sequence(net, tasks, strategy=strategy, lam=100.0, epochs=15, seed=0,
                                              fisher_samples=200)
    naive, ewc = results["naive"], results["ewc"]
    np.testing.assert_array_equal(naive.accuracy[0], ewc.accuracy[0])  # the same first task
    assert naive.accuracy[0, 0] > 0.95
    assert ewc.forgetting[0] < naive.forgetting[0] - 0.02
    assert ewc.accuracy[1, 1] > 0.9 and ewc.average_accuracy > naive.average_accuracy
    # in a multi-head network the first head's neurons do not move while the second task is learnt
    assert np.all(naive.change[1]["output"][:5] == 0) and np.all(naive.change[1]["output"][5:] > 0)
    # EWC holds the neurons that mattered for task A: their movement, weighted by importance, is smaller
    imp = naive.importance[0]["hidden1"]
    assert (imp @ ewc.change[1]["hidden1"]) < (imp @ naive.change[1]["hidden1"])
    d = ewc.to_dict()
    assert d["accuracy"] == ewc.accuracy.tolist() and d["settings"]["lam"] == 100.0
    assert results["naive"].to_dict()["settings"]["lam"] == 0.0


def test_class_incremental_fine_tuning_forgets_the_first_classes_entirely():
    tasks = cl.split_digits(seed=0, shared_head=True)
    net = cl.multihead_mlp(64, [32], heads=1, classes_per_head=10, seed=0)
    r = cl.train_sequence(net, tasks, epochs=10, seed=0)
    assert r.accuracy[0, 0] > 0.95 and r.accuracy[0, 1] == 0.0   # it has never seen 5-9
    assert r.accuracy[1, 0] < 0.05                                 # after 5-9, it predicts only 5-9


# ----------------------------------------------------------------------------- figures
def test_the_accuracy_matrix_figure_shows_the_values_and_writes_a_png(tmp_path):
    acc = np.array([[0.9, 0.1], [0.5, 0.8]])
    fig = cl.plot_accuracy_matrix(cl.ContinualResult("naive", ["A", "B"], acc), path=tmp_path / "m.png")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), acc)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["0.10", "0.50", "0.80", "0.90"]
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_task_accuracy_and_neuron_change_figures_draw_each_strategy():
    naive = cl.ContinualResult("naive", ["A", "B"], np.array([[0.9, 0.1], [0.5, 0.8]]),
                               [{"hidden1": np.ones(2)}, {"hidden1": np.array([2.0, 0.5])}],
                               [{"hidden1": np.array([1.0, 0.0])}, {"hidden1": np.ones(2)}])
    ewc = cl.ContinualResult("ewc", ["A", "B"], np.array([[0.9, 0.1], [0.85, 0.75]]), naive.change, naive.importance)
    fig = cl.plot_task_accuracy({"naive": naive, "EWC": ewc})
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [0.9, 0.5])
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.9, 0.85])
    np.testing.assert_array_equal(fig.axes[1].get_lines()[0].get_ydata(), [0.8])
    scatter = cl.plot_neuron_change({"naive": naive}).axes[0].collections[0]
    np.testing.assert_array_equal(scatter.get_offsets(), [[1.0, 2.0], [0.0, 0.5]])


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, error, words", [
    (lambda net: cl.EWC(net, lam=-1.0), ParameterError, "lam"),
    (lambda net: cl.EWC(net, kind="diagonal"), ParameterError, "'true', 'empirical'"),
    (lambda net: cl.EWC(net, samples=0), ParameterError, "samples"),
    (lambda net: cl.EWC("net"), ParameterTypeError, "network"),
    (lambda net: cl.fisher_information(net, [[1.0, 2.0]], kind="empirical"), ParameterError, "needs y"),
    (lambda net: cl.fisher_information(net, [[1.0, 2.0]], [0, 1], kind="empirical"), NeuronkitError, "y"),
    (lambda net: cl.fisher_information(net, [[1.0, 2.0]], [2], kind="empirical"), NeuronkitError, "y"),
    (lambda net: cl.fisher_information(nk.mlp([2, 1], seed=0), [[1.0, 2.0]]), ParameterError, "softmax"),
    (lambda net: cl.TaskHead(net, 1, 3), ParameterError, "not a whole number of heads"),
    (lambda net: cl.TaskHead(net, 2, 1), ParameterError, "head"),
    (lambda net: cl.TaskHead("net", 0, 1), ParameterTypeError, "network"),
    (lambda net: cl.multihead_mlp(2, [3], heads=0, classes_per_head=2), ParameterError, "heads"),
    (lambda net: cl.split_digits(tasks=3), ParameterError, "2, 5 or 10"),
    (lambda net: cl.split_digits(test_size=1.5), ParameterError, "test_size"),
    (lambda net: cl.permuted_digits(tasks=0), ParameterError, "tasks"),
    (lambda net: cl.train_sequence(net, []), ParameterError, "non-empty list of Task"),
    (lambda net: cl.train_sequence(net, ["task"]), ParameterTypeError, "tasks[0]"),
    (lambda net: cl.train_sequence(net, cl.split_digits(), strategy="replay"), ParameterError, "strategy"),
    (lambda net: cl.train_sequence(net, cl.split_digits(), lam=-2.0), ParameterError, "lam"),
    (lambda net: cl.train_sequence(net, cl.split_digits(tasks=5)), ParameterError, "5 equal heads"),
    (lambda net: cl.train_sequence(net, [cl.split_digits()[0], cl.split_digits(shared_head=True)[1]]),
     ParameterError, "mix both"),
    (lambda net: cl.train_sequence(net, [cl.Task("empty", np.zeros((0, 64)), np.zeros(0, int), np.zeros((1, 64)),
                                                 np.zeros(1, int))]), ParameterError, "no training"),
    (lambda net: cl.plot_accuracy_matrix(np.eye(2)), ParameterTypeError, "ContinualResult"),
    (lambda net: cl.plot_task_accuracy({}), ParameterTypeError, "results"),
    (lambda net: cl.ContinualResult("x", ["A"], np.eye(1), [{}]).most_changed(3), ParameterError, "task"),
])
def test_bad_input_is_refused_with_a_message_naming_it(call, error, words):
    net = cl.multihead_mlp(2, [3], heads=2, classes_per_head=1, seed=0)
    with pytest.raises(error) as info:
        call(net)
    assert words in str(info.value)


def test_the_neuron_change_figure_names_the_layers_when_one_is_missing():
    r = cl.ContinualResult("x", ["A", "B"], np.eye(2), [{"hidden1": np.ones(1)}] * 2, [{"hidden1": np.ones(1)}] * 2)
    with pytest.raises(ParameterError, match="no layer 'hidden9'; layers are hidden1"):
        cl.plot_neuron_change({"x": r}, layer="hidden9")


def test_consolidating_a_model_that_does_not_share_the_network_s_parameters_is_refused():
    net, X, y = _tiny()
    other, _, _ = _tiny()
    with pytest.raises(ParameterError, match="does not use the network's parameters"):
        cl.EWC(net).consolidate(X, y, model=other)
    with pytest.raises(ShapeError, match="X has 3 samples but y has 2"):
        cl.fisher_information(net, X, [0, 1], kind="empirical")


# ----------------------------------------------------------------------------- the benchmark script
def test_the_benchmark_s_quick_run_reports_every_scenario_and_writes_its_figures(tmp_path):
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "bench"
    sys.path.insert(0, str(bench))
    try:
        import bench_continual
    finally:
        sys.path.remove(str(bench))
    out = bench_continual.run(["--quick", "--json", str(tmp_path / "c.json"), "--figures", str(tmp_path)])
    assert set(out["scenarios"]) == {"split", "permuted", "class-incremental"}
    for name, entry in out["scenarios"].items():
        assert set(entry) == {"naive", "ewc λ=100"}
        naive = entry["naive"]
        matrix = np.array(naive["accuracy"])
        assert matrix.shape == ((3, 3) if name == "permuted" else (2, 2))
        assert naive["average_accuracy"] == pytest.approx(matrix[-1].mean())
    # class-incremental: after the second task, fine-tuning has lost the first classes (2 epochs already)
    assert out["scenarios"]["class-incremental"]["naive"]["accuracy"][1][0] < 0.1
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "continual_class-incremental.png", "continual_matrices.png", "continual_neurons.png",
        "continual_permuted.png", "continual_split.png"]
    assert (tmp_path / "c.json").exists()


class _StopAt(nk.callbacks.Callback):
    """Raises KeyboardInterrupt, as Ctrl-C would, after step ``step``."""

    def __init__(self, step):
        self.step = step

    def on_batch_end(self, state, loss):
        if state.step == self.step:
            raise KeyboardInterrupt


def test_the_penalty_survives_a_checkpoint_and_an_exact_resume(tmp_path):
    net, ewc, X, y = _consolidated(lam=20.0)
    start = net.state_dict()
    copy = cl.EWC(net)
    copy.load_state_dict(*ewc.state_dict())
    assert copy.value() == ewc.value() and copy.lam == 20.0 and [a.name for a in copy.anchors] == ["A"]
    options = dict(epochs=4, batch_size=2, optimizer="sgd", lr=0.05, seed=0, progress=False, metrics=None)
    nk.fit(net, X, y, callbacks=[ewc], **options)
    straight, straight_penalties = net.state_dict(), list(ewc.penalties)
    net.load_state_dict(start)
    ewc.penalties.clear()
    with pytest.raises(nk.errors.TrainingInterrupted):          # Ctrl-C after 3 of the 8 steps: saved
        nk.fit(net, X, y, callbacks=[ewc, _StopAt(3)], checkpoint=tmp_path / "run.ckpt", **options)
    net.load_state_dict(start)                                    # the checkpoint brings the weights back
    fresh = cl.EWC(net)                                           # and the consolidated task
    nk.fit(net, X, y, callbacks=[fresh, _StopAt(-1)], resume=tmp_path / "run.ckpt", **options)
    for name, value in straight.items():
        np.testing.assert_allclose(net.state_dict()[name], value, rtol=1e-12)
    assert len(fresh.anchors) == 1 and fresh.anchors[0].name == "A"
    assert len(straight_penalties) == 4 and fresh.penalties == pytest.approx(straight_penalties, rel=1e-12)
    other = cl.EWC(nk.mlp([2, 2], output="softmax", seed=0))
    with pytest.raises(ParameterError, match="the saved penalty is over parameters"):
        other.load_state_dict(*ewc.state_dict())
