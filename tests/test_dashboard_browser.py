"""The dashboard end to end in a real browser: Debian's Chromium driven by Playwright (headless).

``python -m neuronkit dashboard`` runs in a subprocess as a user starts it; the page is opened at the printed
token URL. The test watches it train, clicks a neuron and checks the card's numbers against the library's own
(``neuron.explain`` on the exported model), uploads a CSV file (a good one and a bad one), replays an earlier
frame and goes live again, and fails on any console error. Screenshots go to ``test-artifacts/dashboard/``.
``scripts/test.sh`` installs Chromium (``apt-get install -y chromium``) when it is missing.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import neuronkit as nk

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
URL = re.compile(r"(http://[^\s/]+:\d+/\S*token=[\w-]+)")
STEP = re.compile(r"step\D{0,3}(\d+)", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agrees(shown: str, value: float) -> bool:
    """Does the text ``shown`` (a number as the page prints it) equal ``value`` to the digits it shows?"""
    match = re.search(r"[-+−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", shown)
    assert match, f"no number in {shown!r}"
    text = match.group(0).replace("−", "-")
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    last_digit = 10.0 ** exponent  # the place of the last digit shown
    return abs(float(text) - value) <= 0.5 * last_digit * 1.001 + 1e-12 * abs(value)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard on a free port, training moons, and its token URL. 400 epochs of moons take about a second
    here, over before a page connects: the run is long enough to watch, and the test pauses and stops it."""
    cwd = tmp_path_factory.mktemp("dashboard-browser")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "neuronkit", "dashboard", "--no-browser", "--port", str(port),
                             "--epochs", "20000"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    lines = []
    url = None
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = URL.search(line)
        url = match.group(1) if match else None
    if url is None:
        proc.kill()
        pytest.fail(f"the dashboard did not print its URL:\n{''.join(lines)}")
    yield {"url": url, "base": f"http://127.0.0.1:{port}", "cwd": cwd, "proc": proc}
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    assert proc.returncode == 0, out
    assert "Traceback" not in out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: apt-get install -y chromium (bash scripts/test.sh does it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def status_text(page) -> str:
    return page.inner_text("#status")


def shown_step(page) -> int:
    match = STEP.search(status_text(page))
    assert match, f"#status shows no step: {status_text(page)!r}"
    assert page.get_attribute("#status", "data-step") == match.group(1)
    return int(match.group(1))


def hello(page, base: str) -> dict:
    response = page.request.get(f"{base}/api/hello")
    assert response.ok, response.text()
    return response.json()


def wait_status(page, word: str, timeout: float = 30_000) -> None:
    page.wait_for_function("(w) => document.querySelector('#status').innerText.toLowerCase().includes(w)", arg=word,
                           timeout=timeout)


def card_numbers(page) -> dict[str, str]:
    return {f: page.inner_text(f"#card [data-field={f}]") for f in ("name", "z", "output", "bias", "weighted_sum")}


def test_the_dashboard_in_chromium(server, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = server["base"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(server["url"])
    assert page.url.rstrip("/") == base, "the token URL should set the cookie and redirect to /"

    # --- it trains, live
    page.wait_for_function("() => window.__nk && window.__nk.connected && window.__nk.updates > 10", timeout=60_000)
    assert re.search(r"running|training", status_text(page), re.IGNORECASE), status_text(page)
    info = hello(page, base)["info"]
    assert info["dataset"] == "moons" and info["is_2d"] is True
    units = {"input": 2} | {layer["name"]: layer["units"] for layer in info["layers"]}
    assert list(units.values()) == [2, 8, 8, 2]
    for name, n in units.items():
        assert page.locator(f"#graph circle.neuron[data-layer='{name}']").count() == n, name
    assert page.locator("#graph circle.neuron").count() == 20
    for name in ("hidden1", "hidden2"):
        assert page.locator(f"#maps canvas.map[data-layer='{name}']").count() == 8
    page.wait_for_timeout(1500)  # a few more updates: the curves have points
    page.screenshot(path=ARTIFACTS / "training.png", full_page=True)
    for hook in ("graph", "curves", "maps"):
        page.locator(f"#{hook}").screenshot(path=ARTIFACTS / f"{hook}.png")

    # --- pause, then a neuron card; its numbers are the library's (the exported model, the same sample)
    page.click("#btn-pause")
    wait_status(page, "paused")
    page.click("#graph circle.neuron[data-layer='hidden1'][data-index='3']")
    page.wait_for_function("() => document.querySelector('#card [data-field=name]').innerText.includes('hidden1[3]')",
                           timeout=15_000)
    page.wait_for_function("() => document.querySelector('#card [data-field=z]').innerText.trim() !== ''")
    paused = card_numbers(page)
    steps = page.inner_text("#card-steps")
    assert "hidden1[3]" in paused["name"] and re.search(r"[×*·]", steps) and "+" in steps, steps
    page.locator("#card").screenshot(path=ARTIFACTS / "neuron_card.png")

    page.click("#btn-stop")  # export needs a run that ended
    page.wait_for_function("() => /stopped|finished/i.test(document.querySelector('#status').innerText)",
                           timeout=30_000)
    for _ in range(100):  # the run's thread ends after the status says so (it saves the model first)
        export = page.request.get(f"{base}/api/export")
        if export.ok or "still training" not in export.text():
            break
        page.wait_for_timeout(100)
    assert export.ok, export.text()
    (tmp_path / "exported.nkm").write_bytes(export.body())
    est = nk.load(tmp_path / "exported.nkm")
    card = page.request.get(f"{base}/api/neuron?layer=hidden1&index=3&sample=0").json()  # the page's sample: 0
    # the card shows the sample rounded to 4 digits; the row it is, exactly, from the dataset the run generated
    config = hello(page, base)["config"]
    moons = nk.datasets.load("moons", n=config["n"], noise=config["noise"], seed=config["seed"])
    rows = np.asarray(moons.X, dtype=np.float32).astype(np.float64)
    raw = rows[np.argmin(np.abs(rows - np.asarray(card["sample"]["raw"])).sum(axis=1))]
    np.testing.assert_allclose(raw, card["sample"]["raw"], rtol=1e-3)
    x = est.scaler_.transform(raw[None, :])[0]
    layer = est.network_["hidden1"]
    expected = layer.neurons[3].explain(x.astype(layer.weight.data.dtype))
    for field, value in (("z", expected.z), ("output", expected.output), ("bias", expected.bias),
                         ("weighted_sum", expected.weighted_sum)):
        assert agrees(paused[field], value), (field, paused[field], value)
    assert math.isclose(card["explanation"]["z"], expected.z, rel_tol=1e-3, abs_tol=1e-5)

    # --- replay: an earlier frame, then live again
    index = page.request.get(f"{base}/api/replay").json()
    assert len(index["frames"]) >= 2
    last_step = shown_step(page)
    page.eval_on_selector("#timeline", "(el) => { el.value = el.min; el.dispatchEvent(new Event('input', "
                                       "{bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); }")
    page.wait_for_function("(s) => { const m = /step\\D{0,3}(\\d+)/i.exec(document.querySelector('#status')"
                           ".innerText); return m && Number(m[1]) < s; }", arg=last_step, timeout=15_000)
    assert shown_step(page) < last_step
    page.screenshot(path=ARTIFACTS / "replay.png", full_page=True)
    page.click("#btn-live")
    page.wait_for_function("(s) => { const m = /step\\D{0,3}(\\d+)/i.exec(document.querySelector('#status')"
                           ".innerText); return m && Number(m[1]) >= s; }", arg=last_step, timeout=15_000)

    # --- a CSV upload: three classes; the run switches to it
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    labels = np.repeat([0, 1, 2], 40)
    points = centres[labels] + rng.normal(scale=0.5, size=(120, 2))
    good = tmp_path / "three.csv"
    good.write_text("a,b,kind\n" + "".join(f"{p[0]:.4f},{p[1]:.4f},k{c}\n" for p, c in zip(points, labels)))
    page.set_input_files("#upload", str(good))
    page.wait_for_function("() => document.querySelector('#dataset').value === 'upload:three'", timeout=15_000)
    run_before = page.evaluate("window.__nk.run")
    page.click("#btn-apply")  # the upload picks the data; Apply starts the run
    page.wait_for_function("(r) => window.__nk.run !== r", arg=run_before, timeout=30_000)
    new = hello(page, base)
    assert new["info"]["classes"] == ["k0", "k1", "k2"] and new["info"]["dataset"] == "upload:three"
    page.wait_for_function("() => window.__nk.updates > 0 && document.querySelectorAll("
                           "\"#graph circle.neuron[data-layer='output']\").length === 3", timeout=30_000)
    page.screenshot(path=ARTIFACTS / "upload.png", full_page=True)

    # --- a bad CSV: the page shows the command line's message
    assert problems == []
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,kind\n1,2,k0\n3,k1\n5,6,k2\n")
    cli = subprocess.run([sys.executable, "-m", "neuronkit", "train", str(bad)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert cli.returncode == 1
    cli_message = cli.stderr.strip().splitlines()[-1].split("error: ", 1)[1]
    page.set_input_files("#upload", str(bad))
    page.wait_for_function("() => document.querySelector('#upload-error').innerText.trim() !== ''", timeout=15_000)
    shown = page.inner_text("#upload-error")
    # the CLI names the path it was given, the page the uploaded file's name
    assert cli_message.startswith(f"{bad}, line 3: expected 3 fields")
    assert cli_message.replace(str(bad), "ragged.csv") in shown, (shown, cli_message)
    page.screenshot(path=ARTIFACTS / "upload_error.png", full_page=True)

    assert page.evaluate("window.__nk.errors") == []
    # Chromium logs the refused upload's HTTP 400 itself, as a console error; nothing else may appear
    assert all(re.fullmatch(r"console error: Failed to load resource: .* status of 400 \(Bad Request\)", p)
               for p in problems), problems
    context.close()
