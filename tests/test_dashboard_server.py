"""The dashboard's web server: routes, token/Host/Origin checks, static files, uploads, the websocket, uvicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

import neuronkit as nk
from neuronkit.dashboard import Hub
from neuronkit.dashboard.server import BackgroundServer, PortInUseError, allowed_hosts, bind, create_app
from neuronkit.dashboard.session import Session, UploadLimits
from neuronkit.data import prepare_training
from neuronkit.errors import NeuronkitError

with warnings.catch_warnings():
    # Starlette 1.10's TestClient asks for httpx2 and warns once, at import, when it falls back to httpx (what the
    # test extra installs today); only that named warning, only around this import
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated",
                            category=StarletteDeprecationWarning)
    from starlette.testclient import TestClient, WebSocketDenialResponse

TOKEN = "t" * 10 + "0123456789abcdef"
AUTH = {"X-Neuronkit-Token": TOKEN}
SMALL = {"dataset": "moons", "n": 200, "hidden": [6, 4], "epochs": 3, "seed": 2}
ROUTES = [("GET", "/"), ("GET", "/static/app.js"), ("GET", "/api/hello"), ("GET", "/api/neuron?layer=hidden1&index=0"),
          ("POST", "/api/control"), ("POST", "/api/config"), ("POST", "/api/upload?name=a.csv"),
          ("GET", "/api/export"), ("GET", "/api/replay"), ("GET", "/api/replay/0")]


@pytest.fixture
def static(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>dash</title>")
    (folder / "app.js").write_text("export const ok = 1;\n")
    return folder


@pytest.fixture
def session(tmp_path):
    s = Session.train(SMALL, rate=1000.0, out=tmp_path / "run.nkm", limits=UploadLimits(bytes=4000, rows=200))
    s._thread.join()
    yield s
    s.close()


@pytest.fixture
def client(session, static):
    app = create_app(session, token=TOKEN, hosts={"testserver"}, static_dir=static)
    with TestClient(app) as c:
        yield c


def csv_bytes(X, y) -> bytes:
    rows = ["a,b,label", *(f"{p:.4f},{q:.4f},{c}" for (p, q), c in zip(np.asarray(X).tolist(), y))]
    return ("\n".join(rows) + "\n").encode()


# ------------------------------------------------------------------ guard: token, Host, Origin
def test_every_route_and_the_websocket_need_the_token(client):
    for method, path in ROUTES:
        response = client.request(method, path)
        assert response.status_code == 403, path
        assert "token" in response.json()["error"]
        wrong = client.request(method, path, headers={"X-Neuronkit-Token": TOKEN[:-1] + "x"})
        assert wrong.status_code == 403, path
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect("/ws"):
            pass
    assert denied.value.status_code == 403
    with pytest.raises(WebSocketDenialResponse):
        with client.websocket_connect("/ws?token=wrong"):
            pass


def test_the_token_by_header_query_or_cookie_and_the_redirect(client):
    assert client.get("/api/hello", headers=AUTH).json()["type"] == "hello"
    assert client.get(f"/api/hello?token={TOKEN}").status_code == 200
    response = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"neuronkit_token={TOKEN}") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/")  # the TestClient keeps the cookie, as a browser does
    assert page.status_code == 200 and "<title>dash</title>" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert client.get("/?token=nope", follow_redirects=False).status_code == 403


def test_foreign_origin_and_bad_host_are_refused(client):
    evil = client.get("/api/hello", headers={**AUTH, "Origin": "http://evil.example"})
    assert evil.status_code == 403 and "Origin" in evil.json()["error"]
    assert client.get("/api/hello", headers={**AUTH, "Origin": "http://testserver"}).status_code == 200
    rebinding = client.get("/api/hello", headers={**AUTH, "Host": "attacker.example:8765"})
    assert rebinding.status_code == 403 and "Host" in rebinding.json()["error"]
    with pytest.raises(WebSocketDenialResponse):
        with client.websocket_connect("/ws", headers={**AUTH, "Origin": "http://evil.example"}):
            pass
    assert allowed_hosts("0.0.0.0", 9) >= {"127.0.0.1:9", "localhost:9", "[::1]:9"}
    assert "[::1]:9" in allowed_hosts("::1", 9)


def test_static_files_and_no_path_traversal(client):
    assert client.get("/static/app.js", headers=AUTH).text == "export const ok = 1;\n"
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/%2e%2e/%2e%2e/session.py",
                 "/static//etc/passwd", "/static/%2Fetc%2Fpasswd", "/static/..%2Fserver.py",
                 "/static/..%5cserver.py"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 404, path
        assert "import" not in response.text and "root:" not in response.text
    missing = client.get("/api/nothing", headers=AUTH)
    assert missing.status_code == 404 and "error" in missing.json()


# ------------------------------------------------------------------ the API
def test_hello_neuron_and_control(client, session):
    hello = client.get("/api/hello", headers=AUTH).json()
    assert hello["mode"] == "train" and hello["info"]["classes"] == ["0", "1"] and hello["config"]["epochs"] == 3
    card = client.get("/api/neuron?layer=hidden1&index=2&sample=5", headers=AUTH).json()
    x = np.asarray(session.hub.data["X"])[5]
    assert card["explanation"]["z"] == pytest.approx(
        float(session.estimator.network_["hidden1"].neurons[2].explain(x).z), rel=1e-6)
    bad = client.get("/api/neuron?layer=hidden1&index=x", headers=AUTH)
    assert bad.status_code == 400 and "index must be an integer" in bad.json()["error"]
    assert client.get("/api/neuron?layer=hidden1&index=50", headers=AUTH).status_code == 400
    done = client.post("/api/control", json={"action": "pause"}, headers=AUTH).json()
    assert done["ok"] and done["status"]["paused"] is True
    assert client.post("/api/control", content=b"{not json", headers=AUTH).status_code == 400
    huge = client.post("/api/control", content=b" " * 70_000, headers=AUTH)
    assert huge.status_code == 413


def test_configure_with_a_bad_activation_is_a_400_naming_it(client):
    response = client.post("/api/config", json={"activation": "wiggle"}, headers=AUTH)
    assert response.status_code == 400
    assert "activation must be one of" in response.json()["error"] and "'wiggle'" in response.json()["error"]
    response = client.post("/api/config", json={"epochs": 2, "hidden": [3]}, headers=AUTH)
    assert response.status_code == 200 and response.json()["config"]["hidden"] == [3]


def test_upload_good_bad_and_too_large(client, session, tmp_path):
    ds = nk.data.datasets.load("blobs", n=90, centers=3, seed=1)
    good = client.post("/api/upload?name=three.csv&target=label", content=csv_bytes(ds.X, ds.y), headers=AUTH)
    assert good.status_code == 200 and good.json()["classes"] == ["0", "1", "2"]
    hello = client.post("/api/config", json={"dataset": "upload:three", "epochs": 2}, headers=AUTH).json()
    assert hello["info"]["classes"] == ["0", "1", "2"] and hello["info"]["dataset"] == "upload:three"

    bad = b"a,b,label\n1,2,x\n3,four,y\n5,6,x\n7,8,y\n9,1,x\n"
    (tmp_path / "bad.csv").write_bytes(bad)
    with pytest.raises(NeuronkitError) as cli:
        prepare_training(tmp_path / "bad.csv", test_size=0.2, seed=0)
    response = client.post("/api/upload?name=bad.csv", content=bad, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"] == str(cli.value).replace(str(tmp_path / "bad.csv"), "bad.csv")

    too_big = client.post("/api/upload?name=big.csv", content=b"a,b\n" + b"1,2\n" * 2000, headers=AUTH)
    assert too_big.status_code == 413 and "4,000" in too_big.json()["error"]
    rows = client.post("/api/upload?name=rows.csv", content=b"a,b\n" + b"1,0\n2,1\n" * 125, headers=AUTH)
    assert rows.status_code == 400 and "250 data rows; the dashboard accepts at most 200" in rows.json()["error"]
    traversal = client.post("/api/upload?name=../../evil.csv", content=csv_bytes(ds.X, ds.y), headers=AUTH)
    assert traversal.status_code == 400 and "upload name must be" in traversal.json()["error"]


def test_export_and_replay(client, session, tmp_path):
    response = client.get("/api/export", headers=AUTH)
    assert response.status_code == 200 and "moons.nkm" in response.headers["content-disposition"]
    path = tmp_path / "exported.nkm"
    path.write_bytes(response.content)
    model = nk.load(path)
    X = np.asarray(session.hub.data["X"])
    np.testing.assert_allclose(model.network_(X).data, session.estimator.network_(X).data, rtol=1e-6)
    index = client.get("/api/replay", headers=AUTH).json()
    assert index["live"] is True and index["frames"][0]["step"] == 0 and index["frames"][-1]["step"] == 15
    frame = client.get("/api/replay/0", headers=AUTH).json()
    assert frame["replay"] is True and frame["status"]["step"] == 0 and frame["curves"]["epochs"] == []
    assert client.get(f"/api/replay/{len(index['frames'])}", headers=AUTH).status_code == 400
    paged = client.get('/api/replay/1?sample=3&pages={"hidden1": 0}', headers=AUTH).json()
    assert paged["graph"]["layers"][1]["shown"] == list(range(6)) and paged["status"]["step"] == 5
    assert client.get("/api/replay/1?pages=[", headers=AUTH).status_code == 400


def test_a_bug_is_a_500_without_a_traceback(client, session, monkeypatch):
    def broken():
        raise KeyError("secret internals")

    monkeypatch.setattr(session, "hello", broken)
    response = client.get("/api/hello", headers=AUTH)
    assert response.status_code == 500 and response.json() == {
        "error": "internal error (KeyError); see the dashboard's terminal"}


# ------------------------------------------------------------------ the websocket
def test_websocket_sends_hello_then_updates_with_increasing_seq(tmp_path, static):
    session = Session.train({**SMALL, "epochs": 3000}, rate=50.0, out=tmp_path / "ws.nkm")
    app = create_app(session, token=TOKEN, hosts={"testserver"}, static_dir=static)
    try:
        with TestClient(app) as client, client.websocket_connect("/ws", headers=AUTH) as ws:
            hello = json.loads(ws.receive_text())
            assert hello["type"] == "hello" and hello["mode"] == "train"
            seqs, points = [], 0
            while len(seqs) < 4:
                update = json.loads(ws.receive_text())
                assert update["type"] == "update" and update["run"] == hello["run"]
                if update["graph"] is not None:
                    seqs.append(update["seq"])
                points += len(update["curves"]["epochs"])
            assert seqs == sorted(set(seqs)) and points >= 1
            ws.send_text(json.dumps({"type": "view", "pages": {}, "sample": 9}))
            ws.send_text("not json")
            message = json.loads(ws.receive_text())
            while message["type"] != "error":
                message = json.loads(ws.receive_text())
            assert "error" in message
    finally:
        session.close()


# ------------------------------------------------------------------ running it
def test_a_busy_port_is_refused_before_starting():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PortInUseError) as info:
            bind("127.0.0.1", port)
        assert str(info.value) == (f"port {port} is in use (another dashboard?); pass --port N, or --port 0 for a "
                                   "free one")
        assert isinstance(info.value, OSError) and isinstance(info.value, NeuronkitError)
        with pytest.raises(PortInUseError):
            BackgroundServer(Hub(), port=port).start()
    finally:
        taken.close()


def test_background_server_serves_a_hub_and_stops():
    hub = Hub(rate=1000.0)
    X = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    nk.fit(nk.mlp([2, 3, 2], output="softmax", seed=0), X, (X[:, 1] > 0).astype(int), epochs=1, batch_size=8,
           progress=False, callbacks=[nk.callbacks.Dashboard(hub)])
    server = BackgroundServer(hub, port=0).start()
    try:
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=") and server.port > 0
        base = f"http://127.0.0.1:{server.port}"
        hello = httpx.get(f"{base}/api/hello", headers={"X-Neuronkit-Token": server.token}, timeout=10)
        assert hello.status_code == 200 and hello.json()["mode"] == "watch"
        assert httpx.get(f"{base}/api/hello", timeout=10).status_code == 403
    finally:
        server.stop()
    time.sleep(0.05)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/api/hello", timeout=2)


def test_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(tmp_path):
    src = str(Path(nk.__file__).resolve().parents[1])
    code = ("from neuronkit.dashboard.session import Session; from neuronkit.dashboard.server import serve; "
            f"serve(Session.train({{'n': 100, 'epochs': 100000}}, out={str(tmp_path / 'm.nkm')!r}), port=0, "
            "open_browser=False)")
    env = {**os.environ, "PYTHONPATH": src, "PYTHONWARNINGS": "error"}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("neuronkit dashboard: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].strip()
        base, token = url.split("/?token=")
        hello = httpx.get(f"{base}/api/hello", headers={"X-Neuronkit-Token": token}, timeout=10)
        assert hello.status_code == 200 and hello.json()["status"]["status"] in ("running", "finished")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert (tmp_path / "m.nkm").is_file() and (tmp_path / "m.nkreplay").is_file()  # the stopped run was saved
