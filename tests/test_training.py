"""The training loop: fit, history, callbacks, checkpoints and exact resume."""

import json

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.callbacks import Callback, EarlyStopping, HistoryLogger, LRScheduler
from neuronkit.training import TrainingError, TrainingInterrupted


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, size=n)
    X = centers[y] + rng.normal(scale=0.7, size=(n, 2))
    return X.astype(np.float32), y


def net(seed=0, dropout=0.0):
    return nk.mlp([2, 16, 3], output="softmax", seed=seed, dropout=dropout)


def test_fit_learns_and_reports_history():
    X, y = blobs()
    model = net()
    history = nk.fit(model, X, y, epochs=15, lr=0.05, seed=0, validation_split=0.2, progress=False)
    assert len(history) == 15
    assert set(history.history) >= {"loss", "val_loss", "accuracy", "val_accuracy", "lr"}
    assert history["loss"][-1] < history["loss"][0] * 0.5
    assert history["val_accuracy"][-1] > 0.9
    logs = nk.training.evaluate(model, X, y)
    assert logs["accuracy"] > 0.9 and logs["loss"] < 0.5


def test_same_seed_same_result_and_different_seed_differs():
    X, y = blobs()
    runs = []
    for seed in (3, 3, 4):
        model = net(seed=0)
        nk.fit(model, X, y, epochs=3, lr=0.05, seed=seed, batch_size=16, progress=False)
        runs.append(model.state_dict())
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])
    assert any(not np.array_equal(runs[0][k], runs[2][k]) for k in runs[0])


def test_one_sgd_step_by_hand():
    # A single linear neuron, MSE, one full-batch SGD step: w <- w - lr * 2/n * X^T (Xw + b - y)
    X = np.array([[1.0, 2.0], [3.0, -1.0]], dtype=np.float64)
    y = np.array([1.0, 0.0])
    layer = nk.Dense(2, 1, activation="identity", init="zeros", dtype=np.float64)
    layer.weight.data[:] = [[0.5, -0.25]]
    model = nk.Sequential(layer)
    nk.fit(model, X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=2, shuffle=False, seed=0, progress=False)
    w, b = np.array([0.5, -0.25]), 0.0
    residual = X @ w + b - y
    np.testing.assert_allclose(model["output"].weight.data[0], w - 0.1 * 2 / 2 * X.T @ residual, rtol=1e-12)
    np.testing.assert_allclose(model["output"].bias.data, [b - 0.1 * 2 / 2 * residual.sum()], rtol=1e-12)


def test_early_stopping_restores_best_weights():
    X, y = blobs(120)
    rng = np.random.default_rng(1)
    y_noisy = rng.integers(0, 3, size=len(y))  # pure noise: validation loss must rise as the net memorises
    model = nk.mlp([2, 64, 64, 3], output="softmax", seed=0)
    stopper = EarlyStopping("val_loss", patience=3)
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, state, logs):
            snapshots.append(state.model.state_dict())

    history = nk.fit(model, X, y_noisy, epochs=200, lr=0.05, seed=0, validation_split=0.3,
                     callbacks=[stopper, Snap()], progress=False)
    assert stopper.stopped_epoch is not None and len(history) < 200
    best = int(np.argmin(history["val_loss"]))
    assert best == stopper.best_epoch
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[best][k])
    assert any("early stopping" in n for n in history.notes)


def test_overfitting_is_diagnosed_in_words():
    X, y = blobs(60)
    y = np.random.default_rng(2).integers(0, 3, size=len(y))
    model = nk.mlp([2, 128, 128, 3], output="softmax", seed=0)
    history = nk.fit(model, X, y, epochs=120, lr=0.02, seed=0, validation_split=0.4, progress=False)
    text = history.diagnosis()
    assert text.startswith("Over-fitting")
    assert "early stopping" in text


def test_underfitting_is_diagnosed_in_words():
    # XOR-like labels: a network without hidden neurons cannot beat the constant predictor
    X = np.random.default_rng(0).uniform(-1, 1, size=(400, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nk.mlp([2, 2], output="softmax", seed=0)
    history = nk.fit(model, X, y, epochs=40, lr=0.05, seed=0, progress=False)
    text = history.diagnosis()
    assert text.startswith("Under-fitting") and "more neurons or layers" in text
    assert history.baseline_loss == pytest.approx(np.log(2), abs=0.01)


def test_good_fit_is_neither():
    X, y = blobs(300)
    history = nk.fit(net(), X, y, epochs=20, lr=0.05, seed=0, validation_split=0.2, progress=False)
    assert history.diagnosis().startswith("No sign")


def test_nan_stops_training_naming_layer_and_step():
    X, y = blobs()
    X[:, 0] *= 1e30
    model = nk.mlp([2, 8, 1], output="identity", seed=0)
    with pytest.raises(TrainingError, match=r"step 1.*hidden1\.weight|step 1.*output"):
        with np.errstate(all="ignore"):
            nk.fit(model, X, y.astype(np.float32) * 1e30, loss="mse", epochs=2, lr=1.0, seed=0, progress=False)


def test_bad_arguments_have_clear_messages():
    X, y = blobs(30)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1; got 0"):
        nk.fit(net(), X, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="X has 30 samples but y has 29"):
        nk.fit(net(), X, y[:-1], progress=False)
    with pytest.raises(ValueError, match="class indices 0..2 but the output layer has 2 neurons"):
        nk.fit(nk.mlp([2, 2], output="softmax", seed=0), X, y, progress=False)
    with pytest.raises(ValueError, match="layer 'hidden1' expects input of shape \\(batch, 2\\)"):
        nk.fit(net(), np.zeros((30, 5)), y, progress=False)
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss'.*validation"):
        nk.fit(net(), X, y, epochs=2, callbacks=[EarlyStopping()], progress=False)


def test_history_logger_writes_csv_and_json(tmp_path):
    X, y = blobs(60)
    nk.fit(net(), X, y, epochs=3, seed=0, progress=False, callbacks=[HistoryLogger(tmp_path / "h.json")],
           history_file=str(tmp_path / "h.csv"))
    rows = json.loads((tmp_path / "h.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    lines = (tmp_path / "h.csv").read_text().strip().splitlines()
    assert lines[0].startswith("epoch,loss") and len(lines) == 4


def test_lr_schedule_callback_changes_lr():
    X, y = blobs(60)
    model = net()
    opt = nk.optim.SGD(model.parameters(), lr=0.1)
    sched = nk.optim.StepLR(opt, step_size=2, gamma=0.5)
    history = nk.fit(model, X, y, optimizer=opt, epochs=5, seed=0, progress=False, callbacks=[LRScheduler(sched)])
    np.testing.assert_allclose(history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025])


class InterruptAt(Callback):
    def __init__(self, step):
        self.step = step

    def on_batch_end(self, state, loss):
        if state.step == self.step:
            raise KeyboardInterrupt


@pytest.mark.parametrize("interrupt_step", [1, 7, 10, 23])
def test_interrupted_training_resumes_to_identical_weights(tmp_path, interrupt_step):
    X, y = blobs(80)
    kwargs = dict(epochs=4, batch_size=8, lr=0.01, seed=5, validation_split=0.25, progress=False)
    # steps per epoch: 60 training samples / 8 -> 8 steps; interrupts land mid-epoch and at epoch ends
    reference = net(seed=1, dropout=0.3)
    ref_hist = nk.fit(reference, X, y, **kwargs)

    model = net(seed=1, dropout=0.3)
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(TrainingInterrupted) as info:
        nk.fit(model, X, y, checkpoint=ckpt, callbacks=[InterruptAt(interrupt_step)], **kwargs)
    assert info.value.checkpoint == ckpt and ckpt.exists()

    resumed = net(seed=99, dropout=0.3)  # different initial weights and dropout stream: all come from the file
    resumed["dropout1"].rng = np.random.default_rng(123)
    hist = nk.fit(resumed, X, y, resume=ckpt, **kwargs)
    for k, v in reference.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v, err_msg=k)
    np.testing.assert_allclose(hist["loss"], ref_hist["loss"], rtol=1e-6)
    np.testing.assert_allclose(hist["val_loss"], ref_hist["val_loss"], rtol=1e-6)


def test_resume_with_early_stopping_and_adam_state(tmp_path):
    X, y = blobs(80)
    kwargs = dict(epochs=6, batch_size=16, seed=2, validation_split=0.25, progress=False, early_stopping=50)
    reference = net(seed=1)
    nk.fit(reference, X, y, **kwargs)
    model = net(seed=1)
    with pytest.raises(TrainingInterrupted):
        nk.fit(model, X, y, checkpoint=tmp_path / "c", callbacks=[InterruptAt(9)], **kwargs)
    resumed = net(seed=7)
    nk.fit(resumed, X, y, resume=tmp_path / "c", **kwargs)
    for k, v in reference.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[k], v)


def test_resume_rejects_mismatched_network_and_batch_size(tmp_path):
    X, y = blobs(40)
    nk.fit(net(), X, y, epochs=1, seed=0, checkpoint=tmp_path / "c", progress=False)
    with pytest.raises(TrainingError, match="does not fit this network"):
        nk.fit(nk.mlp([2, 5, 3], output="softmax", seed=0), X, y, resume=tmp_path / "c", progress=False)
    with pytest.raises(TrainingError, match="batch_size=32; resume with the same batch size"):
        nk.fit(net(), X, y, batch_size=8, resume=tmp_path / "c", progress=False)


def test_regularisation_adds_penalty_gradient():
    layer = nk.Dense(3, 2, activation="identity", l2=0.5, l1=0.25, seed=0, dtype=np.float64)
    model = nk.Sequential(layer)
    model.penalty().backward()
    W = layer.weight.data
    np.testing.assert_allclose(layer.weight.grad, 0.5 * 2 * W + 0.25 * np.sign(W))


def test_dropout_and_batchnorm_modes():
    x = np.ones((1000, 4), dtype=np.float32)
    d = nk.Dropout(0.25, seed=0)
    out = d(x).data
    assert abs((out == 0).mean() - 0.25) < 0.05
    np.testing.assert_allclose(out[out != 0], 1 / 0.75, rtol=1e-6)
    d.eval()
    np.testing.assert_array_equal(d(x).data, x)

    bn = nk.BatchNorm(3, dtype=np.float64)
    batch = np.random.default_rng(0).normal(2.0, 3.0, size=(50, 3))
    y = bn(batch).data
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(0), 1, rtol=1e-5)
    np.testing.assert_allclose(bn.running_mean, 0.1 * batch.mean(0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * batch.var(0, ddof=1))
    bn.eval()
    np.testing.assert_allclose(bn(batch).data, (batch - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))


def test_batchnorm_and_layernorm_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    for ours, theirs in ((nk.BatchNorm(5), torch.nn.BatchNorm1d(5)), (nk.LayerNorm(5), torch.nn.LayerNorm(5))):
        xt = torch.tensor(x, requires_grad=True)
        out_t = theirs(xt)
        (out_t * torch.arange(5.0)).sum().backward()
        xn = nk.Tensor(x, requires_grad=True)
        out_n = ours(xn)
        (out_n * np.arange(5.0, dtype=np.float32)).sum().backward()
        np.testing.assert_allclose(out_n.data, out_t.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(xn.grad, xt.grad.numpy(), atol=1e-5)
        if isinstance(ours, nk.BatchNorm):
            np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-5)


def test_fit_penalty_gradient_equals_the_graph_penalty():
    # fit adds the L1/L2 gradient directly; one full-batch SGD step must equal a step on loss + penalty()
    X, y = blobs(40)
    X = X.astype(np.float64)

    def build():
        return nk.Sequential(nk.Dense(2, 6, l2=0.3, l1=0.05, seed=0, dtype=np.float64),
                             nk.Dense(6, 3, activation="softmax", l2=0.1, seed=1, dtype=np.float64))

    a, b = build(), build()
    nk.fit(a, X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=40, shuffle=False, seed=0, progress=False)
    total = nk.get_loss("cross_entropy")(b.logits(X), y) + b.penalty()
    total.backward()
    for p in b.parameters():
        p.data -= 0.1 * p.grad
    for k, v in b.state_dict().items():
        np.testing.assert_allclose(a.state_dict()[k], v, rtol=1e-12, atol=1e-15, err_msg=k)


def test_a_custom_layer_penalty_without_direct_gradient_still_counts():
    class Shrink(nk.Module):
        """Identity layer that penalises a scale parameter through the graph only."""

        def __init__(self):
            self.scale = nk.Parameter(np.array([2.0]))

        def forward(self, x):
            return nk.Tensor(x) * self.scale if not isinstance(x, nk.Tensor) else x * self.scale

        def own_penalty(self):
            return (self.scale * self.scale).sum() * 10.0

    X, y = blobs(40)
    X = X.astype(np.float64)
    layer = nk.Dense(2, 3, activation="softmax", seed=0, dtype=np.float64)
    model = nk.Sequential(Shrink(), layer)
    before = model["shrink1"].scale.data.copy()
    nk.fit(model, X, y, optimizer="sgd", lr=0.01, epochs=1, batch_size=40, seed=0, progress=False)
    # the penalty's gradient 2 * 10 * scale = 40 dominates: the scale must have shrunk by about lr * 40
    assert before[0] - model["shrink1"].scale.data[0] > 0.3


def test_fit_takes_an_optimiser_dict_like_get_optimizer():
    X = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    a, b = (nk.mlp([3, 4, 2], output="softmax", seed=1) for _ in range(2))
    nk.fit(a, X, y, optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9}, epochs=2, seed=0, progress=False)
    nk.fit(b, X, y, optimizer=nk.SGD(b.parameters(), lr=0.1, momentum=0.9), epochs=2, seed=0, progress=False)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
