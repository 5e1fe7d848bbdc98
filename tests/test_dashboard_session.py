"""The dashboard's Session: run configuration, training runs and their controls, uploads, export, replay."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk
from neuronkit.dashboard import Dashboard, Hub, read_replay
from neuronkit.dashboard.session import ClientView, RunConfig, Session, UploadLimits, UploadTooLarge, safe_upload_name
from neuronkit.data import prepare_training
from neuronkit.errors import DataError, ParameterError, ParameterTypeError


def frame(X):
    """Rows with the feature names the models were trained with (as the CLI's models, they keep them)."""
    import pandas as pd

    return pd.DataFrame(np.asarray(X), columns=["x1", "x2"])


SMALL = {"dataset": "moons", "n": 200, "hidden": [6, 4], "epochs": 4, "batch_size": 32, "seed": 1}


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


@pytest.fixture
def finished(tmp_path):
    session = Session.train(SMALL, rate=1000.0, out=tmp_path / "run.nkm")
    session._thread.join()
    yield session
    session.close()


def csv_text(X, y, names=("a", "b", "c")) -> str:
    lines = [",".join(names)]
    lines += [f"{x0:.5f},{x1:.5f},{label}" for (x0, x1), label in zip(X.tolist(), y)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ RunConfig
def test_run_config_defaults_and_overrides():
    cfg = RunConfig.from_dict({})
    assert (cfg.dataset, cfg.hidden, cfg.activation, cfg.optimizer, cfg.lr) == ("moons", (8, 8), "tanh", "adam", 0.03)
    cfg2 = RunConfig.from_dict({"hidden": [3], "lr": 0.5}, base=cfg)
    assert cfg2.hidden == (3,) and cfg2.lr == 0.5 and cfg2.activation == "tanh"
    assert cfg2.to_dict()["hidden"] == [3]


@pytest.mark.parametrize("body, names", [
    ({"activaton": "relu"}, ["'activaton'", "activation"]),
    ({"activation": "softmax"}, ["activation", "'relu'", "'softmax'"]),
    ({"dataset": "mnist"}, ["dataset", "'moons'", "'mnist'"]),
    ({"dataset": "upload:pets"}, ["dataset", "upload:NAME"]),
    ({"hidden": []}, ["hidden", "[]"]),
    ({"hidden": [4, 0]}, ["hidden", "in [1, 1024]"]),
    ({"lr": -1}, ["lr", "-1"]),
    ({"optimizer": "lbfgs"}, ["optimizer", "'adam'"]),
    ({"validation": 0.9}, ["validation", "0.9"]),
])
def test_run_config_refuses_bad_values_naming_them(body, names):
    with pytest.raises(ParameterError) as info:
        RunConfig.from_dict(body)
    for name in names:
        assert name in str(info.value)


def test_run_config_refuses_wrong_types():
    with pytest.raises(ParameterTypeError, match="epochs must be an integer"):
        RunConfig.from_dict({"epochs": "ten"})
    with pytest.raises(ParameterTypeError, match="JSON object"):
        RunConfig.from_dict([1, 2])


# ------------------------------------------------------------------ a training run
def test_train_run_reaches_hello_curves_model_file_and_replay(finished, tmp_path):
    session = finished
    est = session.estimator
    hello = session.hello()
    assert hello["type"] == "hello" and hello["mode"] == "train" and hello["config"]["hidden"] == [6, 4]
    assert hello["info"]["dataset"] == "moons" and hello["info"]["classes"] == ["0", "1"]
    assert hello["info"]["n_train"] == 160 and hello["info"]["n_val"] == 40  # validation 0.2 of 200
    assert hello["can"] == {"configure": True, "control": True, "export": True, "replay": True}
    X = np.asarray(session.hub.data["X"])
    assert len(hello["points"]["x"]) == 160 and set(hello["points"]["label"]) == {0, 1}
    # the network's inputs are standardised training rows; X_raw is them unscaled
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.15)
    np.testing.assert_allclose(est.scaler_.transform(session.hub.data["X_raw"]), X, atol=1e-5)

    client = ClientView()
    update = session.update(client)
    assert update["type"] == "update" and update["run"] == hello["run"] and update["replay"] is False
    assert [layer["name"] for layer in update["graph"]["layers"]] == ["input", "hidden1", "hidden2", "output"]
    assert update["maps"]["grid"] == 40 and set(update["maps"]["neurons"]) == {"hidden1", "hidden2"}
    epochs = update["curves"]["epochs"]
    assert [row["epoch"] for row in epochs] == [1, 2, 3, 4]
    np.testing.assert_allclose([row["loss"] for row in epochs], est.loss_curve_)
    np.testing.assert_allclose([row["val_accuracy"] for row in epochs], est.validation_scores_)
    assert all("val_loss" in row and "accuracy" in row for row in epochs)
    assert update["status"]["status"] == "finished" and update["status"]["step"] == 4 * 5
    assert update["status"]["lr"] == pytest.approx(0.03)
    assert session.update(client) is None  # nothing new

    # the model file and the replay, written when the run ended
    model = nk.load(tmp_path / "run.nkm")
    rows = frame(session.hub.data["X_raw"])
    np.testing.assert_allclose(model.predict_proba(rows), est.predict_proba(rows))
    replay = read_replay(tmp_path / "run.nkreplay")
    index = session.replay_index()
    assert [f["step"] for f in index["frames"]] == [f.step for f in replay.frames] and index["live"] is True
    last = session.replay_frame(len(index["frames"]) - 1, client)
    assert last["replay"] is True and last["status"]["step"] == 20
    first = session.replay_frame(1, client)
    step = first["status"]["step"]
    assert step < 20 and all(row["step"] <= step for row in first["curves"]["epochs"])
    with pytest.raises(ParameterError, match="frame must be an integer in"):
        session.replay_frame(len(index["frames"]), client)


def test_export_gives_a_model_file_that_predicts_as_the_session(finished):
    data, name = finished.export()
    assert name == "moons.nkm"
    path = Path(finished.out).with_name("exported.nkm")
    path.write_bytes(data)
    model = nk.load(path)
    X_raw = frame(finished.hub.data["X_raw"])
    np.testing.assert_array_equal(model.predict(X_raw), finished.estimator.predict(X_raw))
    assert list(model.feature_names_in_) == ["x1", "x2"]


def test_neuron_card_is_the_neurons_own_explanation(finished):
    card = finished.neuron("hidden1", 2, sample=7)
    x = np.asarray(finished.hub.data["X"])[7]
    expected = finished.estimator.network_["hidden1"].neurons[2].explain(x)
    assert card["explanation"]["z"] == pytest.approx(float(expected.z), rel=1e-6)
    assert card["explanation"]["output"] == pytest.approx(float(expected.output), rel=1e-6)
    with pytest.raises(ParameterError):
        finished.neuron("hidden1", 99, sample=0)


def test_view_message_pages_and_sample():
    client = ClientView()
    client.dirty = False
    client.set_view({"type": "view", "pages": {"hidden1": 1}, "sample": 3})
    assert client.pages == {"hidden1": 1} and client.sample == 3 and client.dirty
    with pytest.raises(ParameterError):
        client.set_view({"pages": {"hidden1": -1}})
    with pytest.raises(ParameterTypeError):
        client.set_view({"pages": [1]})


def test_a_wide_layer_is_paged_as_the_view_asks(tmp_path):
    session = Session.train({**SMALL, "hidden": [20], "epochs": 1}, rate=1000.0, out=tmp_path / "w.nkm")
    try:
        session._thread.join()
        client = ClientView()
        hidden = session.update(client)["graph"]["layers"][1]
        assert hidden["shown"] == list(range(16)) and hidden["pages"] == 2
        client.set_view({"pages": {"hidden1": 1}})
        update = session.update(client)
        assert update["graph"]["layers"][1]["shown"] == [16, 17, 18, 19]
        assert sorted(m["index"] for m in update["maps"]["neurons"]["hidden1"]) == [16, 17, 18, 19]
    finally:
        session.close()


# ------------------------------------------------------------------ controls
def test_pause_step_set_lr_and_stop(tmp_path):
    session = Session.train({**SMALL, "epochs": 5000}, rate=1000.0, out=tmp_path / "c.nkm")
    hub = session.hub
    try:
        session.control({"action": "pause"})
        seq = hub.latest().seq
        session.control({"action": "step", "n": 1})  # paused: every step publishes, so the frame is exact
        wait_for(lambda: hub.latest().seq > seq and hub.status == "paused")
        time.sleep(0.05)
        start = hub.latest().step
        time.sleep(0.2)
        assert hub.latest().step == start  # paused: no steps
        session.control({"action": "step", "n": 3})
        wait_for(lambda: hub.latest().step >= start + 3)
        time.sleep(0.2)
        assert hub.latest().step == start + 3
        session.control({"action": "set_lr", "lr": 0.005})
        session.control({"action": "step", "n": 1})
        wait_for(lambda: hub.latest().step == start + 4)
        assert session.estimator._optimizer.lr == 0.005
        assert session.status()["lr"] == 0.005
        with pytest.raises(ParameterError, match="action must be one of"):
            session.control({"action": "explode"})
        with pytest.raises(ParameterError, match="lr must be"):
            session.control({"action": "set_lr", "lr": 0})
        out = session.control({"action": "stop"})
        assert out["ok"] is True
        session._thread.join(10)
        assert hub.status == "stopped" and (tmp_path / "c.nkm").is_file()
        # start: a new run with the same configuration, and a new run id
        run = session.hello()["run"]
        session.control({"action": "start"})
        assert session.hello()["run"] != run and session.running
    finally:
        session.close()
    assert not session.running


def test_configure_starts_a_new_run_and_refuses_bad_settings(tmp_path):
    session = Session.train({**SMALL, "epochs": 5000}, rate=1000.0, out=tmp_path / "c.nkm")
    try:
        run = session.hello()["run"]
        with pytest.raises(ParameterError, match="activation"):
            session.configure({"activation": "nope"})
        assert session.running and session.hello()["run"] == run  # a refused config leaves the run alone
        hello = session.configure({"dataset": "spirals", "classes": 3, "hidden": [5], "epochs": 2})
        assert hello["run"] != run and hello["info"]["dataset"] == "spirals"
        assert hello["info"]["classes"] == ["0", "1", "2"] and hello["config"]["hidden"] == [5]
        assert [r["units"] for r in hello["info"]["layers"]] == [5, 3]
    finally:
        session.close()


def test_a_diverging_run_fails_with_its_reason(tmp_path):
    session = Session.train({**SMALL, "lr": 10.0, "activation": "relu", "hidden": [64, 64], "epochs": 50},
                            rate=1000.0, out=tmp_path / "d.nkm")
    try:
        session._thread.join()
        status = session.update(ClientView())["status"]
        assert status["status"] == "failed" and "diverged" in status["message"] and "diverged" in session.error
        with pytest.raises(ParameterError, match="the last run failed"):
            session.export()
        assert not (tmp_path / "d.nkm").exists()
    finally:
        session.close()


# ------------------------------------------------------------------ uploads
def test_upload_of_three_classes_trains_on_them(tmp_path):
    session = Session.train({**SMALL, "epochs": 2}, rate=1000.0, out=tmp_path / "u.nkm")
    try:
        ds = nk.data.datasets.load("blobs", n=120, centers=3, seed=0)
        labels = np.array(["red", "green", "blue"])[ds.y]
        info = session.upload("../some/dir/colours.csv".split("/")[-1], csv_text(ds.X, labels).encode(), "c")
        assert info["dataset"] == "upload:colours" and info["classes"] == ["blue", "green", "red"]
        assert info["rows"] == 120 and info["features"] == 2 and info["feature_names"] == ["a", "b"]
        assert "upload:colours" in session.hello()["options"]["datasets"]
        hello = session.configure({"dataset": "upload:colours"})
        assert hello["info"]["classes"] == ["blue", "green", "red"] and hello["info"]["dataset"] == "upload:colours"
        session._thread.join()
        assert list(session.estimator.classes_) == ["blue", "green", "red"]
        assert session.export()[1] == "colours.nkm"
    finally:
        session.close()


@pytest.mark.parametrize("text", [
    "a,b,c\n1.0,2.0,x\n1.5,oops,y\n2.0,3.0,x\n2.5,1.0,y\n3.0,2.0,x\n",  # text in a numeric column
    "a,b,c\n1.0,2.0,x\n1.5,2.5\n2.0,3.0,x\n",  # a ragged row
])
def test_a_bad_csv_gets_the_command_lines_message(tmp_path, text):
    path = tmp_path / "pets.csv"
    path.write_text(text)
    with pytest.raises(DataError) as cli:
        prepare_training(path, test_size=0.2, seed=0)
    session = Session(Hub(), "train")
    with pytest.raises(DataError) as page:
        session.upload("pets.csv", text.encode())
    assert str(page.value) == str(cli.value).replace(str(path), "pets.csv")
    assert "line 3" in str(page.value) and str(tmp_path) not in str(page.value)


def test_upload_limits_and_names():
    session = Session(Hub(), "train")
    session.limits = UploadLimits(bytes=2000, rows=30, columns=3)
    ds = nk.data.datasets.load("moons", n=40, seed=0)
    with pytest.raises(UploadTooLarge, match="2,000 bytes"):
        session.upload("big.csv", b"a,b\n" + b"1,2\n" * 1000)
    with pytest.raises(DataError, match="40 data rows; the dashboard accepts at most 30"):
        session.upload("rows.csv", csv_text(ds.X, ds.y).encode())
    wide = "a,b,c,d\n" + "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(20))
    with pytest.raises(DataError, match="4 columns; the dashboard accepts at most 3"):
        session.upload("wide.csv", wide.encode())
    assert safe_upload_name("C:\\Users\\me\\pets.CSV") == "pets"
    for bad in ("..", "../etc/passwd", "a\x00b.csv", "", "x/", ".hidden.csv", 7):
        with pytest.raises(ParameterError, match="upload name must be"):
            safe_upload_name(bad)


# ------------------------------------------------------------------ explore and watch
def test_explore_a_model_file_with_its_replay_and_data(finished, tmp_path):
    X_raw, y = finished.hub.data["X_raw"], finished.hub.data["y"]
    csv = tmp_path / "points.csv"
    csv.write_text(csv_text(X_raw, y, names=("x1", "x2", "class")))
    session = Session.explore(tmp_path / "run.nkm", csv)
    hello = session.hello()
    assert hello["mode"] == "explore" and hello["can"] == {"configure": False, "control": False, "export": True,
                                                          "replay": True}
    assert hello["info"]["n_train"] == len(X_raw) and hello["info"]["is_2d"]
    model = nk.load(tmp_path / "run.nkm")
    x = model.transform_inputs(frame(X_raw[4:5]))[0]
    card = session.neuron("hidden2", 1, sample=4)
    hidden1 = model.network_["hidden1"]
    h = np.array([hidden1.neurons[j].explain(x).output for j in range(hidden1.out_features)])
    expected = model.network_["hidden2"].neurons[1].explain(h)
    assert card["explanation"]["z"] == pytest.approx(float(expected.z), rel=1e-4)
    assert card["explanation"]["output"] == pytest.approx(float(expected.output), rel=1e-4)
    index = session.replay_index()
    assert index["live"] is False and len(index["frames"]) == len(read_replay(tmp_path / "run.nkreplay").frames)
    early = session.replay_frame(0, ClientView())
    assert early["status"]["step"] == 0 and early["graph"]["layers"][1]["name"] == "hidden1"
    assert session.export() == ((tmp_path / "run.nkm").read_bytes(), "run.nkm")
    with pytest.raises(ParameterError, match="explores a saved model"):
        session.control({"action": "pause"})
    with pytest.raises(ParameterError, match="explores a saved model"):
        session.configure({})


def test_explore_a_bare_network_on_a_csv(tmp_path):
    net = nk.mlp([2, 3, 2], activation="relu", output="softmax", seed=3)
    nk.save(net, tmp_path / "net.nkm")
    (tmp_path / "pts.csv").write_text("a,b,c\n0.1,0.2,0\n0.3,-0.1,1\n-0.5,0.5,1\n")
    session = Session.explore(tmp_path / "net.nkm", tmp_path / "pts.csv")
    hello = session.hello()
    assert hello["info"]["feature_names"] == ["a", "b"] and hello["points"]["label"] == [0, 1, 1]
    card = session.neuron("hidden1", 1, sample=2)
    expected = net["hidden1"].neurons[1].explain(np.array([-0.5, 0.5], dtype=np.float32))
    assert card["explanation"]["inputs"] == [-0.5, 0.5]
    assert card["explanation"]["output"] == pytest.approx(float(expected.output), rel=1e-6)
    assert hello["can"]["replay"] is False
    with pytest.raises(ParameterError, match="records no replay"):
        session.replay_index()


def test_watch_serves_a_hub_someone_else_trains(tmp_path):
    hub = Hub(rate=1000.0)
    X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    net = nk.mlp([2, 3, 2], output="softmax", seed=0)
    nk.fit(net, X, y, epochs=2, batch_size=16, progress=False, callbacks=[Dashboard(hub)])
    session = Session.watch(hub)
    hello = session.hello()
    assert hello["mode"] == "watch" and hello["can"]["configure"] is False and hello["can"]["control"] is True
    assert session.update(ClientView())["status"]["step"] == 8
    data, name = session.export()
    path = tmp_path / name
    path.write_bytes(data)
    np.testing.assert_allclose(nk.load(path)(X).data, net(X).data, rtol=1e-6)
    with pytest.raises(ParameterError, match="watches a run started elsewhere"):
        session.upload("x.csv", b"a,b\n1,2\n")


def test_watching_a_convolutional_and_a_spiking_network_sends_filters_maps_and_rasters():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(32, 1, 6, 6)).astype(np.float32)
    y = (X[:, 0, :3].mean(axis=(1, 2)) > X[:, 0, 3:].mean(axis=(1, 2))).astype(np.int64)
    net = nk.build("conv(4,3,relu),flatten,dense(out,softmax)", input_shape=(1, 6, 6), outputs=2, seed=0)
    hub = Hub(rate=1e4)
    nk.fit(net, X, y, epochs=1, batch_size=16, progress=False, callbacks=[Dashboard(hub)], seed=0)
    update = Session.watch(hub).update(ClientView())
    conv = update["conv"]["conv1"]
    assert len(conv["filters"]) == 4 and conv["maps"][0]["shape"] == [4, 4]
    # the first feature map is filter 0 applied to sample 0: relu(w * x + b) at the top-left corner
    w, b = net["conv1"].weight.data[0, 0], net["conv1"].bias.data[0]
    assert conv["maps"][0]["data"][0] == pytest.approx(max(0.0, float((w * X[0, 0, :3, :3]).sum() + b)), abs=1e-3)

    Xs = rng.uniform(size=(32, 2)).astype(np.float32)
    snn = nk.build("rate(5),dense(3,lif),dense(out,lif)", (2,), outputs=2, seed=0)
    hub = Hub(rate=1e4)
    nk.fit(snn, Xs, (Xs[:, 0] > 0.5).astype(np.int64), epochs=1, batch_size=16, progress=False,
           callbacks=[Dashboard(hub)], seed=0)
    update = Session.watch(hub).update(ClientView())
    assert update["raster"]["spiking1"]["steps"] == 5


def test_a_learnt_activation_run_shows_what_each_neuron_drifted_to(tmp_path):
    session = Session.train({"activation": "dynamic", "epochs": 400, "hidden": [4], "n": 200}, out=None)
    try:
        deadline = time.monotonic() + 60
        while session.hub.status == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session.hub.status == "finished" and session.hub.recorder is None
        update = session.update(ClientView())
        # the activation's own parameters count for their layer in the gradient norms
        assert {name for _, norms in update["curves"]["grad_norms"] for name in norms} == {"hidden1", "output"}
        card = session.neuron("hidden1", 0, sample=0)
        with session.hub.network_at() as net:
            described = net["hidden1"].activation.describe_neuron(0)
        assert f"(learnt: {described})" in card["explanation"]["text"]
    finally:
        session.close()
    assert list(tmp_path.iterdir()) == []


def test_exploring_a_convolutional_model_on_its_images(tmp_path, capsys):
    from neuronkit.cli import main

    path = tmp_path / "conv.nkm"
    assert main(["train", "digits", "--model", "conv(4,3,relu),flatten,dense(out)", "--epochs", "3",
                 "--out", str(path)]) == 0
    est = nk.load(path)
    session = Session.explore(path, "digits")
    update = session.update(ClientView())
    assert [f["index"] for f in update["conv"]["conv1"]["filters"]] == [0, 1, 2, 3]
    # the epochs the model file keeps are the page's curves
    assert [row["loss"] for row in update["curves"]["epochs"]] == pytest.approx(est.loss_curve_)
    card = session.neuron("conv1", 2, sample=5)
    images = nk.datasets.load("digits", images=True).X
    x = est._network_inputs(est.scaler_.transform(est._architecture_inputs(images[5:6], first=False)[0]))
    expected = est.network_["conv1"].neurons[2].explain(x[0], at=tuple(card["explanation"]["position"]))
    assert card["explanation"]["z"] == pytest.approx(expected.z, rel=1e-5)
