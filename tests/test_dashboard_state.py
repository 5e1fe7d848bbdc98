"""The dashboard's shared state: frames taken at batch boundaries, controls through the gate, replay files."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.dashboard import Dashboard, Hub, read_replay
from neuronkit.dashboard.publisher import grad_norms
from neuronkit.errors import ModelFileError, ParameterError


def _data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).normal(size=(n, 2))
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64)


def test_frames_are_copies_taken_at_batch_boundaries() -> None:
    X, y = _data()
    net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    hub = Hub(rate=1000.0)
    seen: list[tuple[int, dict[str, np.ndarray]]] = []

    class Spy(nk.callbacks.Callback):
        def on_batch_end(self, state, loss):  # runs after the dashboard's hook: the frame is this batch's
            frame = hub.latest()
            seen.append((frame.step, state.model.state_dict()))

    history = nk.fit(net, X, y, epochs=2, batch_size=16, progress=False, callbacks=[Dashboard(hub), Spy()], seed=0)
    assert len(seen) == 8
    final = hub.latest()
    assert final.step == 8 and hub.status == "finished"
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(final.params[name], value)
    epochs = hub.epochs_since(0)
    assert [r["epoch"] for r in epochs] == [1, 2] and [r["step"] for r in epochs] == [4, 8]
    assert [r["loss"] for r in epochs] == history.history["loss"]
    assert [r["accuracy"] for r in epochs] == history.history["accuracy"]


def test_frame_weights_match_the_step_they_name() -> None:
    X, y = _data()
    hub = Hub(rate=1e6)  # every batch (a batch takes far more than a microsecond)
    frames = []

    class Keep(nk.callbacks.Callback):
        def on_batch_end(self, state, loss):
            frames.append((hub.latest(), state.model.state_dict()))

    nk.fit(nk.mlp([2, 3, 2], output="softmax", seed=1), X, y, epochs=1, batch_size=8, progress=False,
           callbacks=[Dashboard(hub), Keep()], seed=0)
    for frame, weights in frames:
        for name in weights:
            np.testing.assert_array_equal(frame.params[name], weights[name])
    # frames are copies: later training did not change the first one
    first, weights0 = frames[0]
    assert not np.array_equal(first.params["hidden1.weight"], frames[-1][0].params["hidden1.weight"])
    np.testing.assert_array_equal(first.params["hidden1.weight"], weights0["hidden1.weight"])


def test_publishing_is_limited_to_the_rate() -> None:
    X, y = _data(256)
    hub = Hub(rate=0.5)  # one frame per two seconds at most: only the forced ones (begin, end)
    nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=3, batch_size=8, progress=False,
           callbacks=[Dashboard(hub)], seed=0)
    assert hub.latest().seq == 1 and hub.latest().step == 96
    assert [row["step"] for row in hub.epochs_since(0)] == [32, 64, 96]  # every epoch's logs, frame or not


def test_short_epochs_leave_batch_losses_and_gradient_norms_their_turn() -> None:
    X, y = _data(64)
    hub = Hub(rate=100.0)  # epochs of two batches take far less than 10 ms
    nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=400, batch_size=32, progress=False,
           callbacks=[Dashboard(hub)], seed=0)
    assert len(hub.batches_since(0)) > 0 and len(hub.grad_norms_since(0)) > 0


def test_the_last_frame_holds_the_weights_early_stopping_restored() -> None:
    X, y = _data(128)
    net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    hub = Hub(rate=1e4)
    history = nk.fit(net, X, y, epochs=200, batch_size=16, progress=False, lr=0.5, validation_split=0.25,
                     early_stopping=2, callbacks=[Dashboard(hub)], seed=0)
    assert history.early_stopping is not None
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(hub.latest().params[name], value)


def test_grad_norms_are_per_layer_l2_norms() -> None:
    net = nk.mlp([3, 4, 2], output="softmax", seed=0)
    x = nk.Tensor(np.random.default_rng(0).normal(size=(5, 3)))
    nk.get_loss("cross_entropy")(net(x), np.array([0, 1, 1, 0, 1])).backward()
    norms = grad_norms(net)
    params = dict(net.named_parameters())
    expected = np.sqrt(np.sum(params["hidden1.weight"].grad ** 2) + np.sum(params["hidden1.bias"].grad ** 2))
    assert set(norms) == {"hidden1", "output"}
    assert norms["hidden1"] == pytest.approx(expected, rel=1e-12)


def _train_in_thread(hub: Hub, epochs: int = 50) -> tuple[threading.Thread, list]:
    X, y = _data(64)
    out: list = []

    def run() -> None:
        out.append(nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=epochs, batch_size=16,
                          progress=False, callbacks=[Dashboard(hub)], seed=0, lr=0.01))

    thread = threading.Thread(target=run, daemon=True)
    return thread, out


def _wait(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def test_pause_holds_training_and_step_runs_exactly_n_batches() -> None:
    hub = Hub(rate=1e4)
    hub.pause()
    thread, _ = _train_in_thread(hub)
    thread.start()
    # paused from the start: the first batch runs, its frame is published, and the gate holds after it
    _wait(lambda: hub.status == "paused" and hub.latest() is not None and hub.latest().step == 1)
    first = hub.latest().step
    time.sleep(0.1)
    assert hub.latest().step == first  # held
    hub.step(3)
    _wait(lambda: hub.latest().step == first + 3)
    time.sleep(0.1)
    assert hub.latest().step == first + 3
    hub.set_lr(0.5)
    hub.step(1)
    _wait(lambda: hub.latest().step == first + 4)
    hub.request_stop()
    thread.join(10)
    assert not thread.is_alive() and hub.status == "stopped"


def test_set_lr_reaches_the_optimizer() -> None:
    X, y = _data(64)
    hub = Hub(rate=1e4)
    seen = []

    class LR(nk.callbacks.Callback):
        def on_epoch_end(self, state, logs):
            seen.append(state.optimizer.lr)
            if len(seen) == 1:
                hub.set_lr(0.25)

    nk.fit(nk.mlp([2, 3, 2], output="softmax", seed=0), X, y, epochs=3, batch_size=16, progress=False, lr=0.01,
           callbacks=[Dashboard(hub), LR()], seed=0)
    assert seen == [0.01, 0.25, 0.25]


def test_bad_controls_are_refused() -> None:
    hub = Hub()
    with pytest.raises(ParameterError, match="lr"):
        hub.set_lr(-1)
    with pytest.raises(ParameterError, match="n"):
        hub.step(0)
    with pytest.raises(ParameterError, match="rate"):
        Hub(rate=0)
    with pytest.raises(ParameterError, match="no network"):
        with hub.network_at():
            pass


def test_recorder_stays_bounded_and_covers_the_run(tmp_path) -> None:
    X, y = _data(256)
    path = tmp_path / "run.nkreplay"
    hub = Hub(rate=1e5, record=path, max_frames=10)
    nk.fit(nk.mlp([2, 4, 2], output="softmax", seed=0), X, y, epochs=4, batch_size=8, progress=False,
           callbacks=[Dashboard(hub)], seed=0)
    replay = read_replay(path)
    steps = [f.step for f in replay.frames]
    assert 5 <= len(steps) <= 10
    assert steps[0] == 0 and steps == sorted(steps) and steps[-1] >= 64  # from the start to near the end
    assert [r["epoch"] for r in replay.curves["epochs"]] == [1, 2, 3, 4]
    # each recorded frame is the network's weights at that step: the first is the initial network
    init = nk.mlp([2, 4, 2], output="softmax", seed=0).state_dict()
    for name, value in init.items():
        np.testing.assert_array_equal(replay.frames[0].params[name], value)


def test_read_replay_refuses_other_files(tmp_path) -> None:
    path = tmp_path / "x.nka"
    nk.io.save_arrays(path, {"w": np.ones(2)}, {"format": "something"})
    with pytest.raises(ModelFileError, match="not a recorded run"):
        read_replay(path)
    (tmp_path / "junk.nkreplay").write_bytes(b"\x00" * 16)
    with pytest.raises(ModelFileError):
        read_replay(tmp_path / "junk.nkreplay")


def test_network_at_loads_a_frame_without_touching_the_model() -> None:
    X, y = _data(64)
    net = nk.mlp([2, 4, 2], output="softmax", seed=0)
    hub = Hub(rate=1e4)
    nk.fit(net, X, y, epochs=1, batch_size=16, progress=False, callbacks=[Dashboard(hub)], seed=0)
    trained = net.state_dict()
    with hub.network_at() as shadow:
        assert shadow is not net
        np.testing.assert_array_equal(shadow.infer(X), net.infer(X))
    replayed = hub.latest()
    first = type(replayed)(0, 0, 0, 0.0, nk.mlp([2, 4, 2], output="softmax", seed=0).state_dict())
    with hub.network_at(first) as shadow:
        read_first = shadow.infer(X)
    np.testing.assert_array_equal(read_first, nk.mlp([2, 4, 2], output="softmax", seed=0).infer(X))
    for name, value in trained.items():
        np.testing.assert_array_equal(net.state_dict()[name], value)


def test_callbacks_module_exposes_the_dashboard() -> None:
    assert nk.callbacks.Dashboard is Dashboard
    with pytest.raises(AttributeError, match="Nothing"):
        nk.callbacks.Nothing  # noqa: B018


def test_a_rate_set_while_paused_holds_for_the_next_stepped_batch() -> None:
    X, y = _data(64)
    hub = Hub(rate=1e4)
    hub.pause()
    rates: list[float] = []

    class Rate(nk.callbacks.Callback):
        def on_after_backward(self, state):  # the rate the coming update uses
            rates.append(state.optimizer.lr)

    thread = threading.Thread(target=lambda: nk.fit(
        nk.mlp([2, 3, 2], output="softmax", seed=0), X, y, epochs=20, batch_size=16, progress=False, lr=0.01,
        callbacks=[Dashboard(hub), Rate()], seed=0), daemon=True)
    thread.start()
    _wait(lambda: hub.status == "paused")
    hub.set_lr(0.5)
    hub.step(1)
    _wait(lambda: len(rates) == 2)
    hub.request_stop()
    thread.join(10)
    assert rates == [0.01, 0.5]
