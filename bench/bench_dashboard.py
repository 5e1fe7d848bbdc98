"""The dashboard's speed (issue 15 item 4): updates reaching a real page, and what watching costs training.

* **D1, updates per second reaching the page**: ``python -m neuronkit dashboard --no-browser`` (a
  subprocess, as a user starts it) trains moons on the default 2-8-8-2 tanh network for many epochs;
  Debian's Chromium (headless, through Playwright) opens the token URL, and the page's own counter of
  update messages (``window.__nk.updates``) is read at the start and the end of a ``--window`` of 10 s.
  Target: >= 10 updates a second (the server sends at most ``--rate``, 20 by default).
* **D2, watched / unwatched training speed**: the same ``nk.fit`` (moons n = 20,000, noise 0.2, MLP
  2-32-32-2 tanh, Adam lr 0.01, batch 32, 10 epochs, about 2 s, seed 0: the same batches every run) timed without
  callbacks and with ``nk.callbacks.Dashboard(hub)`` publishing to a server in this process that a
  Chromium page is connected to, alternating unwatched and watched runs, ``--repeats`` (3) of each
  after a warm-up; the medians' ratio unwatched / watched is the speed of watched training relative
  to unwatched (target >= 0.8). The page draws the updates in its own processes, so on a small machine
  it competes with training for the cores: that is part of the cost measured.

The machine (CPU, cores, versions) and the load average before and after are written with the results;
other processes on the cores slow both sides and Chromium's drawing especially.

    python bench/bench_dashboard.py [--quick] [--repeats N] [--window S] [--rate R] [--epochs N] [--json FILE]

``--quick`` checks that the script works (a 3 s window, 1 repeat of 3 epochs); it writes nothing
unless ``--json`` is given. The full run writes ``bench/results/dashboard.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as C

ROOT = C.BENCH_DIR.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
URL = re.compile(r"(http://\S+token=[\w-]+)")
UPDATE_TARGET = 10.0
RATIO_TARGET = 0.8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def chromium(playwright: Any) -> Any:
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit("Debian's chromium is missing: apt-get install -y chromium (or run bash scripts/test.sh)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def wait_connected(page: Any, timeout_ms: float = 60_000) -> None:
    page.wait_for_function("() => window.__nk && window.__nk.connected && window.__nk.updates > 0",
                           timeout=timeout_ms)


# ----------------------------------------------------------------------------- D1
def update_rate(window: float, rate: float) -> dict[str, Any]:
    """Updates a second counted by a real page while the CLI's training session runs."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "neuronkit", "dashboard", "--no-browser", "--port", str(port),
                             "--hidden", "8,8", "--activation", "tanh", "--epochs", "100000", "--rate", str(rate)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        assert proc.stdout is not None
        for line in proc.stdout:  # the URL line (with the token)
            match = URL.search(line)
            if match:
                url = match.group(1)
                break
        if url is None:
            raise SystemExit(f"the dashboard did not start (exit {proc.wait()})")
        with sync_playwright() as p:
            browser = chromium(p)
            page = browser.new_page()
            page.goto(url)
            wait_connected(page)  # the first run starts with the session
            time.sleep(1.0)  # past the first burst (the whole history so far)
            n0, t0 = page.evaluate("window.__nk.updates"), time.perf_counter()
            time.sleep(window)
            n1, t1 = page.evaluate("window.__nk.updates"), time.perf_counter()
            errors = page.evaluate("window.__nk.errors")
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    per_second = (n1 - n0) / (t1 - t0)
    return {"updates": n1 - n0, "seconds": t1 - t0, "per_second": per_second, "server_rate": rate,
            "target": UPDATE_TARGET, "met": per_second >= UPDATE_TARGET, "page_errors": errors}


# ----------------------------------------------------------------------------- D2
def watched_ratio(repeats: int, epochs: int, n: int) -> dict[str, Any]:
    """The same fit timed unwatched and watched (a Chromium page connected), alternating; medians."""
    from playwright.sync_api import sync_playwright

    import neuronkit as nk
    from neuronkit.dashboard import Dashboard, Hub
    from neuronkit.dashboard.server import BackgroundServer
    from neuronkit.datasets import moons

    data = moons(n, noise=0.2, seed=0)
    X, y = data.X.astype("float32"), data.y

    def fit(callbacks: list[Any]) -> tuple[float, float]:
        net = nk.mlp([2, 32, 32, 2], activation="tanh", output="softmax", seed=0)
        time.sleep(C.SETTLE_SECONDS)
        start = time.perf_counter()
        history = nk.fit(net, X, y, epochs=epochs, batch_size=32, optimizer="adam", lr=0.01, seed=0, progress=False,
                         callbacks=callbacks)
        return time.perf_counter() - start, float(history.history["loss"][-1])

    hub = Hub(rate=20.0)
    server = BackgroundServer(hub, host="127.0.0.1", port=free_port())
    server.start()
    times: dict[str, list[float]] = {"unwatched": [], "watched": []}
    losses: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = chromium(p)
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_function("() => window.__nk && window.__nk.connected", timeout=60_000)
            fit([])  # warm-up, both ways
            fit([Dashboard(hub)])
            updates0 = page.evaluate("window.__nk.updates")
            for _ in range(repeats):
                for name, callbacks in (("unwatched", []), ("watched", [Dashboard(hub)])):
                    seconds, loss = fit(callbacks)
                    times[name].append(seconds)
                    losses[name] = loss
            updates = page.evaluate("window.__nk.updates") - updates0
            errors = page.evaluate("window.__nk.errors")
            browser.close()
    finally:
        server.stop()
    medians = {name: statistics.median(t) for name, t in times.items()}
    ratio = medians["unwatched"] / medians["watched"]
    return {"workload": f"moons n={n}, 2-32-32-2 tanh, Adam lr 0.01, batch 32, {epochs} epochs", "times": times,
            "median": medians, "speed_ratio": ratio, "target": RATIO_TARGET, "met": ratio >= RATIO_TARGET,
            "final_loss": losses, "page_updates_while_watched": updates, "page_errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short check that the script works (writes nothing)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs of each side in D2 (default 3)")
    parser.add_argument("--window", type=float, default=None, help="seconds the page's updates are counted (10)")
    parser.add_argument("--rate", type=float, default=20.0, help="the server's update rate (default 20 a second)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs of each D2 fit (default 10)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here (default "
                        "bench/results/dashboard.json; nothing with --quick)")
    args = parser.parse_args(argv)
    if args.quick:
        C.SETTLE_SECONDS = 0.0
    window = args.window or (3.0 if args.quick else 10.0)
    repeats = args.repeats or (1 if args.quick else 3)
    results: dict[str, Any] = {"machine": C.machine_info(), "quick": args.quick, "load_before": load_average()}
    d1 = results["updates"] = update_rate(window, args.rate)
    print(f"D1 updates reaching the page: {d1['per_second']:.1f}/s over {d1['seconds']:.1f} s "
          f"(target >= {UPDATE_TARGET:g}: {'met' if d1['met'] else 'NOT met'})", flush=True)
    epochs = args.epochs or (3 if args.quick else 10)
    d2 = results["watched"] = watched_ratio(repeats, epochs, 400 if args.quick else 20000)
    print(f"D2 {d2['workload']}: unwatched {d2['median']['unwatched']:.3f} s, watched {d2['median']['watched']:.3f} s "
          f"(medians of {repeats}); speed ratio {d2['speed_ratio']:.2f} (target >= {RATIO_TARGET:g}: "
          f"{'met' if d2['met'] else 'NOT met'}); {d2['page_updates_while_watched']} updates drawn", flush=True)
    results["load_after"] = load_average()
    print(f"machine: {results['machine']['cpu']}, {results['machine']['cpu_count']} cores; load average "
          f"{results['load_before']} -> {results['load_after']}")
    out = args.json or (None if args.quick else C.BENCH_DIR / "results" / "dashboard.json")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
