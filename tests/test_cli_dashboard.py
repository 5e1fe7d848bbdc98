"""``neuronkit dashboard`` and ``neuronkit train --dashboard``, run as a user runs them (a subprocess).

A server is started on a free port, its URL (with the token) read from the output, the HTTP API and the
websocket asked (httpx; a small wsproto client), and the process stopped with SIGINT (Ctrl-C): exit 0, no
traceback. Usage errors (exit 2) run ``main`` in-process: they are refused before anything is built.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

import neuronkit as nk
from neuronkit.cli import main
from neuronkit.dashboard import read_replay

from ._blocker import BLOCKER

SRC = str(Path(__file__).resolve().parents[1] / "src")
URL = re.compile(r"(http://[^\s/]+:(\d+)/\S*token=([\w-]+))")


def env() -> dict[str, str]:
    # PYTHONFAULTHANDLER: a process that does not stop after Ctrl-C is sent SIGABRT, and prints every thread's stack
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), "PYTHONFAULTHANDLER": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """``python -m neuronkit ARGS`` in the background; its output (stdout and stderr) read line by line."""

    def __init__(self, *args: str, cwd: Path, sigint_ignored: bool = False) -> None:
        # sigint_ignored: started as a shell script's background job is, with SIGINT ignored
        ignore = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None
        self.proc = subprocess.Popen([sys.executable, "-m", "neuronkit", *args], cwd=cwd, env=env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     preexec_fn=ignore)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 120.0) -> re.Match[str]:
        """The first line (from here on) that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None or not self.lines.empty(), \
                    f"exited with {self.proc.returncode}:\n{''.join(self.output)}"
                continue
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matched {pattern!r}:\n{''.join(self.output)}")

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C; the exit code and the whole output."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # say where it hangs: the faulthandler's stacks of every thread
            self.proc.send_signal(signal.SIGABRT)
            self.proc.wait(timeout=30)
            self._close()
            raise AssertionError("still running 60 s after Ctrl-C; its output and stacks:\n" + "".join(self.output)) \
                from None
        self._close()
        return code, "".join(self.output)

    def _close(self) -> None:
        self.reader.join(timeout=10)  # it reads the pipe to its end
        while not self.lines.empty():
            self.output.append(self.lines.get())
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if not self.proc.stdout.closed:
            self._close()


@pytest.fixture
def running():
    started: list[Running] = []

    def start(*args: str, cwd: Path, sigint_ignored: bool = False) -> Running:
        started.append(Running(*args, cwd=cwd, sigint_ignored=sigint_ignored))
        return started[-1]

    yield start
    for r in started:
        r.kill()


def api(port: int, token: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", params=params, headers={"X-Neuronkit-Token": token},
                     timeout=30)


def ws_messages(port: int, token: str, until, timeout: float = 60.0) -> list[dict]:
    """The JSON messages of ``/ws`` up to the first one ``until(message)`` accepts (a minimal wsproto client)."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, CloseConnection, RejectConnection, Request, TextMessage

    ws = WSConnection(ConnectionType.CLIENT)
    messages: list[dict] = []
    text = ""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(ws.send(Request(host=f"127.0.0.1:{port}", target=f"/ws?token={token}")))
        while time.monotonic() < deadline:
            data = sock.recv(1 << 16)
            ws.receive_data(data or None)
            for event in ws.events():
                if isinstance(event, RejectConnection):
                    raise AssertionError(f"websocket refused: {event.status_code}")
                if isinstance(event, CloseConnection):
                    return messages
                if isinstance(event, AcceptConnection):
                    continue
                if isinstance(event, TextMessage):
                    text += event.data
                    if event.message_finished:
                        messages.append(json.loads(text))
                        text = ""
                        if until(messages[-1]):
                            sock.sendall(ws.send(CloseConnection(code=1000)))
                            return messages
            if not data:
                return messages
    raise AssertionError(f"no accepted message in {timeout} s; got {[m.get('type') for m in messages]}")


def assert_clean_stop(code: int, output: str) -> None:
    assert code == 0, output
    assert "dashboard stopped" in output
    assert "Traceback" not in output and "bug" not in output


def test_train_dashboard_stops_on_ctrl_c_even_when_started_with_sigint_ignored(running, tmp_path):
    """A script's background job inherits SIGINT ignored; the page kept open after training still stops on it."""
    r = running("train", "iris", "--epochs", "2", "--dashboard", "--no-browser", "--port", str(free_port()), "--out",
                "iris.nkm", cwd=tmp_path, sigint_ignored=True)
    r.wait_for(r"dashboard still open at http://127\.0\.0\.1:\d+/")
    assert_clean_stop(*r.interrupt())
    assert nk.load(tmp_path / "iris.nkm").n_features_in_ == 4


# ----------------------------------------------------------------------------- neuronkit dashboard
def test_dashboard_trains_from_the_page_and_stops_on_ctrl_c(running, tmp_path):
    port = free_port()
    r = running("dashboard", "--no-browser", "--port", str(port), "--hidden", "5,3", "--seed", "2", cwd=tmp_path)
    url, shown_port, token = r.wait_for(URL).groups()
    assert int(shown_port) == port and url.startswith(f"http://127.0.0.1:{port}/")
    hello = api(port, token, "/api/hello")
    assert hello.status_code == 200, hello.text
    body = hello.json()
    assert body["type"] == "hello" and body["mode"] == "train"
    assert body["config"]["dataset"] == "moons" and body["config"]["hidden"] == [5, 3]
    assert body["config"]["seed"] == 2 and body["config"]["activation"] == "tanh"
    assert body["can"]["configure"] and body["can"]["control"]
    assert httpx.get(f"http://127.0.0.1:{port}/api/hello", timeout=30).status_code == 403  # no token
    # started from the page: the updates' graph is the network of the options given
    assert httpx.post(f"http://127.0.0.1:{port}/api/control", json={"action": "start"},
                      headers={"X-Neuronkit-Token": token}, timeout=30).status_code == 200
    messages = ws_messages(port, token, lambda m: m["type"] == "update")
    update = messages[-1]
    # the run id changes when the training thread attaches to the hub, which may come after the first hello on a
    # loaded machine: the page and the updates agree on it once the run is going
    assert update["run"] == api(port, token, "/api/hello").json()["run"]
    assert [layer["units"] for layer in update["graph"]["layers"]] == [2, 5, 3, 2]
    assert_clean_stop(*r.interrupt())


def test_train_dashboard_on_a_host_other_than_this_machine_is_warned_about(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (neuronkit dashboard: serve warns, tests/test_dashboard_server.py)
    assert main(["train", "iris", "--dashboard", "--host", "0.0.0.0", "--checkpoint", "."]) == 2
    err = capsys.readouterr().err
    assert "warning: --host 0.0.0.0 lets anyone who can reach this machine on the network open the dashboard" in err
    assert main(["train", "iris", "--dashboard", "--host", "localhost", "--checkpoint", "."]) == 2
    assert "warning" not in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-cli") / "tiny.nkm"
    nk.save(nk.mlp([2, 3, 2], output="softmax", seed=0), path)
    return path


@pytest.mark.parametrize("args, message", [
    (["dashboard", "--port", "70000"], "--port must be an integer in [0, 65535]; got 70000"),
    (["dashboard", "--port", "-1"], "--port must be an integer in [0, 65535]; got -1"),
    (["dashboard", "--lr", "0"], "--lr must be a finite number > 0; got 0.0"),
    (["dashboard", "--epochs", "0"], "--epochs must be an integer >= 1; got 0"),
    (["dashboard", "--host", " "], "--host is empty; give an address to listen on"),
    (["dashboard", "--dataset", "mnist"], "--dataset must be one of 'moons', 'xor', 'spirals', 'blobs', 'iris', "
                                          "'wine', 'breast_cancer', 'digits'; got 'mnist'"),
    (["dashboard", "--activation", "softsign"], "--activation must be one of 'relu', 'tanh',"),
    (["dashboard", "--hidden", "4,2000"], "--hidden must be an integer in [1, 1024]; got 2000"),
    (["dashboard", "missing.nkm"], "MODEL 'missing.nkm' does not exist"),
    (["dashboard", "digits"], "to train on the dataset 'digits' from the page, run: neuronkit dashboard --dataset "
                              "digits"),
    (["dashboard", "{model}", "--hidden", "4", "--lr", "0.1"],
     "--hidden, --lr set up a training run; with MODEL the dashboard explores the trained model"),
    (["dashboard", "{model}", "--epochs", "3"], "--epochs sets up a training run"),
    (["dashboard", "{model}", "missing.csv"], "missing.csv"),
    (["train", "iris", "--port", "9000"], "--port is an option of --dashboard; add --dashboard"),
    (["train", "iris", "--no-browser", "--host", "0.0.0.0"], "--host and --no-browser are options of --dashboard"),
    (["train", "digits", "--dashboard", "--unsupervised-stdp"], "--dashboard watches networks trained by gradient "
                                                                "descent; --unsupervised-stdp learns without it"),
], ids=["port-high", "port-negative", "lr", "epochs", "host", "dataset", "activation", "width", "model-missing",
        "dataset-as-model", "run-options", "run-option", "data-missing", "train-port", "train-host", "train-stdp"])
def test_usage_errors_exit_2_with_one_line(capsys, tmp_path, monkeypatch, tiny_model, args, message):
    monkeypatch.chdir(tmp_path)
    assert main([a.format(model=tiny_model) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"neuronkit {args[0]}: error: "), err
    assert message in err
    assert list(tmp_path.iterdir()) == []




@pytest.mark.parametrize("blocked, args, fragment", [
    ("starlette,uvicorn", ["dashboard", "--no-browser"], 'neuronkit dashboard needs starlette and uvicorn, which are '
                                                         'not installed; install it with: pip install '
                                                         '"neuronkit[dashboard]"'),
    ("uvicorn", ["train", "iris", "--dashboard", "--no-browser"],
     'neuronkit train --dashboard needs uvicorn, which is not installed; install it with: pip install '
     '"neuronkit[dashboard]"'),
], ids=["dashboard", "train"])
def test_a_missing_dashboard_extra_is_named(tmp_path, blocked, args, fragment):
    proc = subprocess.run([sys.executable, "-c", BLOCKER, blocked, *args], capture_output=True, text=True, env=env(),
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert fragment in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_busy_port_exits_1_and_says_so(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args in (["dashboard", "--no-browser", "--port", str(port)],
                     ["train", "iris", "--epochs", "1", "--dashboard", "--no-browser", "--port", str(port)]):
            proc = subprocess.run([sys.executable, "-m", "neuronkit", *args], capture_output=True, text=True,
                                  env=env(), cwd=tmp_path, timeout=120)
            assert proc.returncode == 1, proc.stderr
            line = proc.stderr.strip().splitlines()[-1]
            assert line.startswith(f"neuronkit {args[0]}: error: ") and str(port) in line, proc.stderr
            assert f"port {port} is in use" in line and "--port" in line
            assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # refused before training: no model, no replay


# ----------------------------------------------------------------------------- train --dashboard
def test_train_with_dashboard_serves_the_run_saves_the_model_and_replay(running, tmp_path):
    port = free_port()
    r = running("train", "digits", "--hidden", "16", "--epochs", "2", "--dashboard", "--no-browser", "--port",
                str(port), "--out", "digits16.nkm", cwd=tmp_path)
    _, shown_port, token = r.wait_for(URL).groups()
    assert int(shown_port) == port
    hello = api(port, token, "/api/hello").json()
    assert hello["mode"] == "watch" and hello["can"]["configure"] is False
    updates = [m for m in ws_messages(port, token, lambda m: m["type"] == "update" and
                                      m["status"]["status"] in ("finished", "stopped")) if m["type"] == "update"]
    assert updates, "no update reached the websocket"
    r.wait_for(r"dashboard still open at http://127\.0\.0\.1:\d+/")
    # after training: the model is saved, the replay written beside it, the run described as the CLI knows it
    assert "model saved to digits16.nkm" in "".join(r.output)
    hello = api(port, token, "/api/hello").json()
    info = hello["info"]
    est = nk.load(tmp_path / "digits16.nkm")
    assert info["dataset"] == "digits" and info["classes"] == [str(c) for c in est.classes_]
    assert info["feature_names"] == [str(f) for f in est.feature_names_in_]
    curves = ws_messages(port, token, lambda m: m["type"] == "update")[-1]["curves"]
    assert [e["epoch"] for e in curves["epochs"]] == [1, 2]
    np.testing.assert_allclose([e["loss"] for e in curves["epochs"]], est.loss_curve_, rtol=1e-3)
    code, output = r.interrupt()
    assert_clean_stop(code, output)
    replay = read_replay(tmp_path / "digits16.nkreplay")
    steps = [frame.step for frame in replay.frames]  # frames published while it trained, step by step
    assert len(steps) >= 2 and steps == sorted(steps) and steps[0] < steps[-1]
    assert replay.run["dataset"] == "digits"
    # the last recorded frame holds the saved model's weights
    last = replay.frames[-1]
    np.testing.assert_allclose(last.params["hidden1.weight"], est.network_["hidden1"].weight.data, rtol=1e-6)


# ----------------------------------------------------------------------------- dashboard MODEL DATA
@pytest.fixture(scope="module")
def digits_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-explore") / "digits.nkm"
    assert main(["train", "digits", "--epochs", "3", "--hidden", "12", "--out", str(path)]) == 0
    return path


def test_dashboard_explores_a_model_with_the_librarys_numbers(running, digits_model, tmp_path):
    port = free_port()
    r = running("dashboard", str(digits_model), "digits", "--no-browser", "--port", str(port), cwd=tmp_path)
    _, _, token = r.wait_for(URL).groups()
    hello = api(port, token, "/api/hello").json()
    assert hello["mode"] == "explore" and hello["can"]["configure"] is False and hello["can"]["control"] is False
    est = nk.load(digits_model)
    layer = est.network_["hidden1"]
    for index, sample in ((3, 0), (7, 5)):
        card = api(port, token, "/api/neuron", layer="hidden1", index=index, sample=sample)
        assert card.status_code == 200, card.text
        card = card.json()
        assert card["name"] == f"hidden1[{index}]" and card["sample"]["index"] == sample
        np.testing.assert_allclose(card["weights"], layer.weight.data[index], rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(card["bias"], layer.bias.data[index], rtol=1e-3, atol=1e-6)
        # the card's input is the raw sample scaled as the model scales it
        x = est.scaler_.transform(np.asarray([card["sample"]["raw"]], dtype=np.float64))[0]
        np.testing.assert_allclose(card["sample"]["input"], x, rtol=1e-3, atol=1e-5)
        expected = layer.neurons[index].explain(x.astype(layer.weight.data.dtype))
        shown = card["explanation"]
        np.testing.assert_allclose([shown["z"], shown["output"], shown["weighted_sum"]],
                                   [expected.z, expected.output, expected.weighted_sum], rtol=1e-3, atol=1e-5)
    bad = api(port, token, "/api/neuron", layer="hidden1", index=99, sample=0)
    assert bad.status_code == 400 and "hidden1" in bad.json()["error"]
    assert_clean_stop(*r.interrupt())
