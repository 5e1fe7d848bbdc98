"""The dashboard page's static files: the contract's test hooks exist, the scripts parse as ES modules,
every module they import is shipped, and nothing is loaded from another host (the page works offline)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import neuronkit.dashboard

STATIC = Path(neuronkit.dashboard.__file__).parent / "static"

#: the ids the contract's page test hooks name (HELPERS.md, "Page test hooks")
HOOK_IDS = ["graph", "card", "card-steps", "status", "btn-start", "btn-pause", "btn-step", "lr", "dataset", "hidden",
            "activation", "btn-apply", "upload", "upload-target", "upload-error", "timeline", "btn-live", "btn-export",
            "maps", "decision", "curves"]
#: the card's fields ([data-field=NAME] inside #card)
CARD_FIELDS = ["name", "bias", "z", "output", "weighted_sum", "activation", "firing_rate", "cost"]
#: what the contract says each hook is
HOOK_TAGS = {"graph": ("svg", None), "upload": ("input", "file"), "timeline": ("input", "range"), "lr": ("input", None),
             "decision": ("canvas", None), "card-steps": ("pre", None), "dataset": ("select", None),
             "activation": ("select", None), "hidden": ("input", "text")}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Every element's tag, attributes and enclosing ids."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append((tag, a, [i for _, i in self.stack if i]))
        if tag not in VOID:
            self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), [i for _, i in self.stack if i]))

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                return


def _page() -> _Page:
    page = _Page()
    page.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    page.close()
    return page


def _ids(page: _Page) -> list[str]:
    return [str(a["id"]) for _, a, _ in page.elements if a.get("id")]


def test_every_contract_hook_exists_once_with_the_right_element():
    page = _page()
    ids = _ids(page)
    assert [i for i in HOOK_IDS if ids.count(i) != 1] == []
    assert sorted({i for i in ids if ids.count(i) > 1}) == []  # no duplicate ids at all
    by_id = {str(a["id"]): (tag, a) for tag, a, _ in page.elements if a.get("id")}
    for hook, (tag, kind) in HOOK_TAGS.items():
        assert by_id[hook][0] == tag, hook
        if kind is not None:
            assert by_id[hook][1].get("type") == kind, hook


def test_card_fields_are_inside_the_card_and_the_decision_surface_inside_maps():
    page = _page()
    fields = {str(a["data-field"]): within for _, a, within in page.elements if a.get("data-field")}
    assert sorted(fields) == sorted(CARD_FIELDS)
    assert all("card" in within for within in fields.values())
    within = {str(a["id"]): w for _, a, w in page.elements if a.get("id")}
    assert "maps" in within["decision"] and "maps" in within["graph"]
    assert "card" in within["card-steps"]


def test_buttons_have_labels_and_inputs_have_labels():
    page = _page()
    label_for = {str(a["for"]) for tag, a, _ in page.elements if tag == "label" and a.get("for")}
    for tag, a, _ in page.elements:
        if tag == "button":
            assert a.get("type") in ("button", "submit"), a
            assert a.get("aria-label") or a.get("id") in ("btn-apply",), a
        if tag in ("input", "select") and a.get("type") != "hidden":
            assert a.get("id") in label_for or a.get("aria-label"), a


def _modules() -> list[Path]:
    return sorted(STATIC.glob("*.js"))


def test_the_page_loads_app_js_as_a_module_and_every_import_is_shipped():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script type="module" src="/static/app\.js"></script>', html)
    assert re.search(r'<link rel="stylesheet" href="/static/app\.css">', html)
    names = {p.name for p in _modules()}
    assert "app.js" in names
    imported = set()
    for path in _modules():
        for spec in re.findall(r'^import .*? from "([^"]+)";$', path.read_text(encoding="utf-8"), flags=re.M):
            assert spec.startswith("./"), (path.name, spec)  # relative: served from /static/
            imported.add(spec[2:])
    assert imported <= names
    assert names - imported == {"app.js"}  # every other module is used


@pytest.mark.parametrize("name", [p.name for p in sorted(STATIC.glob("*.js"))])
def test_each_script_parses_as_an_es_module(name, tmp_path):
    node = shutil.which("node")
    assert node is not None, "node is needed to check the page's scripts (apt-get install -y nodejs)"
    # node decides module vs script by the extension: .mjs is always parsed as an ES module
    copy = tmp_path / (Path(name).stem + ".mjs")
    copy.write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_node_check_rejects_a_broken_module(tmp_path):
    # the check above would pass vacuously if node accepted anything
    bad = tmp_path / "bad.mjs"
    bad.write_text('import { a } from "./a.js";\nconst x = ;\n', encoding="utf-8")
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run([node, "--check", str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "SyntaxError" in done.stderr


#: the only absolute URL allowed: the SVG namespace (a name, never fetched)
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}


def test_no_asset_comes_from_another_host():
    files = [p for p in STATIC.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".css")]
    assert len(files) >= 3
    for path in files:
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'`)>]*", text))
        urls = {u.replace("%3A", ":").replace("%2F", "/") for u in urls}
        assert urls - ALLOWED_URLS == set(), path.name
        assert "@import" not in text and "fonts.googleapis" not in text
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/static/", "/api/", "#", "data:")), src


def test_no_favicon_request_and_no_inline_handlers():
    # a missing /favicon.ico would be a console error in the browser test; inline handlers would need 'unsafe-inline'
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<link rel="icon" href="data:', html)
    assert re.search(r"\son[a-z]+=", html) is None
    for path in _modules():
        assert "innerHTML" not in path.read_text(encoding="utf-8"), path.name  # text is set as text, never as markup


def test_the_page_sends_only_what_the_contract_names():
    app = (STATIC / "app.js").read_text(encoding="utf-8")
    routes = set(re.findall(r'["`](/api/[a-z]+)', app)) | set(re.findall(r'["`]/ws["`]', app))
    assert routes == {"/api/hello", "/api/neuron", "/api/control", "/api/config", "/api/upload", "/api/export",
                      "/api/replay"}
    assert "/ws`" in app  # the websocket
    actions = set(re.findall(r'action: "([a-z_]+)"', app)) | set(re.findall(r'"(resume)" : "(pause)"', app)[0])
    assert actions == {"start", "pause", "resume", "step", "stop", "set_lr"}
    assert 'type: "view", pages: ' in app and "sample: state.view.sample" in app
    assert "window.__nk = nk" in app
    assert set(re.findall(r"(\w+): (?:false|null|0|\[\])", app.split("const nk = ", 1)[1].split("};", 1)[0])) == {
        "connected", "updates", "lastSeq", "run", "errors"}


def _run_node(tmp_path: Path, script: str) -> str:
    """Run ``script`` (an ES module) beside a copy of the page's modules; its stdout."""
    node = shutil.which("node")
    assert node is not None
    for path in _modules():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (tmp_path / "check.mjs").write_text(script, encoding="utf-8")
    done = subprocess.run([node, str(tmp_path / "check.mjs")], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_page_helpers_agree_with_python(tmp_path):
    import base64
    import json

    numbers = [0.0, 1234.5678, -0.000012345, 0.1 + 0.2, 3.0, 123456.0, -2.5, 0.98765432]
    raw = bytes([0, 1, 2, 127, 128, 255])
    out = json.loads(_run_node(tmp_path, f"""
import * as u from "./util.js";
const lut = u.divergingLut(-2, 2);
console.log(JSON.stringify({{
  fmt: {json.dumps(numbers)}.map((v) => u.fmt(v)),
  missing: [u.fmt(null), u.fmt(undefined)],
  b64: Array.from(u.b64bytes({json.dumps(base64.b64encode(raw).decode())})),
  ends: [u.diverging(-1), u.diverging(0), u.diverging(1), u.diverging(-7), u.diverging(0.5)],
  lut: [Array.from(lut.slice(0, 4)), Array.from(lut.slice(127 * 4, 129 * 4)), Array.from(lut.slice(255 * 4))],
  flat: u.flatten([[1, 2], [3, [4, 5]]]),
  time: [u.fmtTime(5), u.fmtTime(65), u.fmtTime(3725)],
}}));
"""))
    # 4 significant digits, as Python's format "g" gives them
    assert [float(s) for s in out["fmt"]] == [float(f"{v:.4g}") for v in numbers]
    assert out["missing"] == ["—", "—"]
    assert out["b64"] == list(raw)
    neg, mid, pos, clipped, half = out["ends"]
    assert (neg, mid, pos) == ([232, 113, 10], [247, 247, 247], [47, 111, 222])  # orange, white, blue
    assert clipped == neg
    assert half == [(m + p) / 2 for m, p in zip(mid, pos)]
    first, middle, last = out["lut"]
    assert first == [*neg, 255] and last == [*pos, 255]
    # bytes 127 and 128 straddle 0 on [-2, 2]: both all but white
    assert all(abs(c - 247) <= 1 for k, c in enumerate(middle) if k % 4 != 3)  # (bytes: rounded)
    assert out["flat"] == [1, 2, 3, 4, 5]
    assert out["time"] == ["0:05", "1:05", "1:02:05"]


def test_chart_and_graph_modules_import_without_a_browser(tmp_path):
    # importing must not touch the DOM (the page's modules only do so when called)
    out = _run_node(tmp_path, """
import { drawChart } from "./chart.js";
import { GraphView } from "./graph.js";
import { CardView, bars } from "./card.js";
console.log([typeof drawChart, typeof GraphView, typeof CardView, typeof bars].join(","));
""")
    assert out.strip() == "function,function,function,function"
