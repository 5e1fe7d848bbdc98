// neuronkit dashboard: the page. Talks to the server through /api/* and the /ws websocket
// (messages "hello" and "update" in, "view" out), renders at most one frame per animation frame.

import { drawChart } from "./chart.js";
import { CardView } from "./card.js";
import { GraphView } from "./graph.js";
import { arr, b64bytes, classColor, divergingLut, el, fmt, fmtTime, isObj, paintBytes, paintMatrix, plotPoints, rgb } from "./util.js";

const GENERATED = new Set(["moons", "xor", "spirals", "blobs", "circles"]);
const CARD_REFRESH_MS = 500; // the open card follows new frames at most ~2 per second
const CURVES_REFRESH_MS = 150;
const REPLAY_POLL_MS = 2500;

const nk = { connected: false, updates: 0, lastSeq: null, run: null, errors: [] };
window.__nk = nk;

const $ = (id) => document.getElementById(id);

const state = {
  hello: null,
  mode: null,
  can: { configure: false, control: false, export: false, replay: false },
  run: null,
  status: null,
  view: { pages: {}, sample: 0 },
  curves: emptyCurves(),
  curvesDirty: true,
  pending: null, // newest update not drawn yet (older ones are dropped)
  lastDrawn: null,
  replay: { active: false, frames: [], k: null, inflight: false, want: null },
  selected: null, // {layer, index}
  card: { inflight: false, seq: null, at: 0, timer: null },
  rateTimes: [],
};

let graph = null;
let card = null;
let ws = null;
let backoff = 500;
let reconnectTimer = null;
let rafQueued = false;
let lastCurvesDraw = 0;

function emptyCurves() {
  return { batches: [], epochs: [], grad_norms: [], health: [] };
}

// ------------------------------------------------------------------ errors
function recordError(err, where = "") {
  const text = `${where ? `${where}: ` : ""}${err && err.message ? err.message : String(err)}`;
  nk.errors.push(text);
  const bar = $("errorbar");
  if (bar) {
    bar.querySelector(".errorbar-text").textContent = text;
    bar.hidden = false;
  }
}

window.addEventListener("error", (e) => recordError(e.error || e.message, "page"));
window.addEventListener("unhandledrejection", (e) => recordError(e.reason, "page"));

class HttpError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

async function request(url, opts = {}) {
  const res = await fetch(url, { credentials: "same-origin", ...opts });
  const type = res.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await res.json() : null;
  if (!res.ok) throw new HttpError((body && body.error) || `${res.status} ${res.statusText} (${url.split("?")[0]})`, res.status);
  return body;
}

const postJSON = (url, data) => request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

// ------------------------------------------------------------------ websocket
function connect() {
  clearTimeout(reconnectTimer);
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws`);
  ws = sock;
  sock.addEventListener("open", () => {
    if (ws !== sock) return;
    nk.connected = true;
    backoff = 500;
    // a new connection is a new client on the server: it sends the curves again from the start
    state.curves = emptyCurves();
    state.curvesDirty = true;
    sendView();
  });
  sock.addEventListener("message", (ev) => {
    if (ws !== sock) return;
    try {
      const msg = JSON.parse(ev.data);
      if (msg.type === "hello") applyHello(msg);
      else if (msg.type === "update") onUpdate(msg);
      else if (msg.type === "error") recordError(msg.error || "server error", "server");
    } catch (err) {
      recordError(err, "message");
    }
  });
  sock.addEventListener("close", () => {
    if (ws !== sock) return;
    nk.connected = false;
    ws = null;
    setStatusText("offline", "Disconnected: reconnecting…");
    reconnectTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  });
}

function reconnectNow() {
  const old = ws;
  ws = null;
  nk.connected = false;
  if (old) { try { old.close(); } catch { /* already closed */ } }
  backoff = 500;
  connect();
}

function sendView() {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(JSON.stringify({ type: "view", pages: state.view.pages, sample: state.view.sample }));
}

// ------------------------------------------------------------------ hello
async function refetchHello() {
  try {
    applyHello(await request("/api/hello"));
  } catch (err) {
    recordError(err, "hello");
  }
}

function applyHello(h) {
  if (!isObj(h)) return;
  const newRun = h.run !== state.run;
  state.hello = h;
  state.mode = h.mode || null;
  state.can = { configure: false, control: false, export: false, replay: false, ...(isObj(h.can) ? h.can : {}) };
  if (newRun) {
    state.run = h.run;
    nk.run = h.run;
    state.curves = emptyCurves();
    state.curvesDirty = true;
    state.view.pages = {};
    state.pending = null;
    state.lastDrawn = null;
    closeCard();
    graph.clear();
  }
  if (newRun) {
    $("decision-panel").hidden = true;
    $("decision-legend").replaceChildren();
    $("graph-empty").hidden = false;
    renderExtras(null, null);
  }
  document.body.classList.toggle("explore", state.mode === "explore");
  $("mode").textContent = state.mode || "";
  $("btn-live").textContent = state.mode === "explore" ? "Latest" : "Live";
  fillOptions(h);
  fillConfig(isObj(h.config) ? h.config : null);
  fillRunInfo(h);
  const lim = isObj(h.limits) ? h.limits : {};
  const facts = [Number.isFinite(lim.upload_bytes) ? `${fmtBytes(lim.upload_bytes)}` : null,
    Number.isFinite(lim.upload_rows) ? `${lim.upload_rows.toLocaleString("en")} rows` : null,
    Number.isFinite(lim.upload_columns) ? `${lim.upload_columns} columns` : null].filter(Boolean);
  if (!$("upload-note").textContent || $("upload-note").dataset.limits === "1") {
    $("upload-note").textContent = facts.length ? `Up to ${facts.join(", ")}; a header row; the target is the last column unless named.` : "";
    $("upload-note").dataset.limits = "1";
  }
  applyCan();
  if (state.can.replay) refreshReplayIndex();
  scheduleRender();
}

function fmtBytes(n) {
  const MiB = 1024 * 1024;
  return n >= MiB ? `${Number((n / MiB).toPrecision(3))} MiB` : n >= 1024 ? `${Number((n / 1024).toPrecision(3))} KiB` : `${n} bytes`;
}

function fillSelect(select, values, current) {
  const list = arr(values).map(String);
  if (current && !list.includes(String(current))) list.push(String(current));
  const same = select.options.length === list.length && list.every((v, i) => select.options[i].value === v);
  if (!same) select.replaceChildren(...list.map((v) => el("option", { value: v, text: v })));
  if (current !== undefined && current !== null && document.activeElement !== select) select.value = String(current);
}

function fillOptions(h) {
  const o = isObj(h.options) ? h.options : {};
  const c = isObj(h.config) ? h.config : {};
  fillSelect($("dataset"), o.datasets, c.dataset);
  fillSelect($("activation"), o.activations, c.activation);
  fillSelect($("cfg-optimizer"), o.optimizers, c.optimizer);
  toggleGenerated();
}

const CONFIG_INPUTS = { n: "cfg-n", noise: "cfg-noise", classes: "cfg-classes", validation: "cfg-validation", lr: "cfg-lr",
  l2: "cfg-l2", batch_size: "cfg-batch", epochs: "cfg-epochs", seed: "cfg-seed" };

function fillConfig(c) {
  if (!c) return;
  for (const [key, id] of Object.entries(CONFIG_INPUTS)) {
    const input = $(id);
    if (c[key] !== undefined && c[key] !== null && document.activeElement !== input) input.value = String(c[key]);
  }
  if (Array.isArray(c.hidden) && document.activeElement !== $("hidden")) $("hidden").value = c.hidden.join(",");
  if (Number.isFinite(c.lr) && document.activeElement !== $("lr")) $("lr").value = String(c.lr);
}

function fillRunInfo(h) {
  const info = isObj(h.info) ? h.info : {};
  const rows = [
    ["Mode", h.mode], ["Dataset", info.dataset], ["Task", info.task],
    ["Samples", info.n_train !== undefined ? `${info.n_train} train · ${info.n_val || 0} validation` : null],
    ["Features", info.n_features !== undefined ? `${info.n_features}${arr(info.input_shape).length > 1 ? ` (${arr(info.input_shape).join("×")})` : ""}` : null],
    ["Classes", Array.isArray(info.classes) ? `${info.classes.length}: ${info.classes.slice(0, 12).join(", ")}${info.classes.length > 12 ? ", …" : ""}` : null],
    ["Layers", arr(info.layers).map((l) => `${l.name} ${l.units ?? ""}`.trim()).join(" → ") || null],
    ["Run", h.run],
  ];
  const dl = $("runinfo");
  dl.replaceChildren();
  for (const [k, v] of rows) if (v !== null && v !== undefined && v !== "") dl.append(el("dt", { text: k }), el("dd", { text: String(v) }));
  const metric = metricKey(state.curves.epochs);
  $("metric-title").textContent = metric ? `${label(metric)} per epoch` : info.task === "regression" ? "Metric per epoch" : "Accuracy per epoch";
}

function applyCan() {
  const can = state.can;
  const st = state.status || {};
  const status = st.status || "idle";
  const live = !state.replay.active;
  const active = status === "running" || status === "paused";
  $("btn-start").disabled = !can.control || active || (state.mode !== null && state.mode !== "train");
  $("btn-start").textContent = status === "idle" ? "Start" : "Restart";
  $("btn-pause").disabled = !can.control || !active;
  const paused = Boolean(st.paused) || status === "paused";
  $("btn-pause").textContent = paused ? "Resume" : "Pause";
  $("btn-pause").setAttribute("aria-label", paused ? "Resume training" : "Pause training");
  $("btn-step").disabled = !can.control || !active;
  $("btn-stop").disabled = !can.control || !active;
  $("lr").disabled = !can.control;
  for (const node of $("settings").elements) node.disabled = !can.configure;
  // a watched or explored run is not configured from the page: its settings would only be clutter
  $("settings").hidden = !can.configure;
  document.querySelector(".upload").hidden = !can.configure;
  document.querySelector(".timeline-bar").hidden = !can.replay;
  $("upload").disabled = !can.configure;
  $("upload-target").disabled = !can.configure;
  const exp = $("btn-export");
  // the server exports a run's model once its thread has ended (stop it, or let it finish)
  const exportable = can.export && !(state.mode === "train" && active);
  exp.title = can.export && !exportable ? "Stop the run (or let it finish) to export its model" : "";
  if (exportable) { exp.setAttribute("href", "/api/export"); exp.removeAttribute("aria-disabled"); exp.removeAttribute("tabindex"); }
  else { exp.removeAttribute("href"); exp.setAttribute("aria-disabled", "true"); exp.setAttribute("tabindex", "-1"); }
  $("timeline").disabled = !can.replay || state.replay.frames.length === 0;
  $("btn-live").disabled = live;
}

// ------------------------------------------------------------------ updates
function onUpdate(msg) {
  nk.updates += 1;
  const now = performance.now();
  state.rateTimes.push(now);
  while (state.rateTimes.length && now - state.rateTimes[0] > 3000) state.rateTimes.shift();
  if (msg.run !== undefined && msg.run !== state.run) {
    state.run = msg.run;
    nk.run = msg.run;
    state.curves = emptyCurves();
    state.view.pages = {};
    state.pending = null; // views of the old run are not drawn, nor merged into the new run's
    state.lastDrawn = null;
    closeCard();
    graph.clear();
    $("decision-panel").hidden = true;
    $("decision-legend").replaceChildren();
    renderExtras(null, null);
    refetchHello();
  }
  if (state.replay.active) {
    // live frames wait (the page shows a recorded one; Live reconnects), but the controls follow the live run
    if (isObj(msg.status)) { state.status = msg.status; applyCan(); }
    return;
  }
  if (Number.isFinite(msg.seq)) nk.lastSeq = msg.seq;
  appendCurves(msg.curves);
  state.pending = mergeViews(state.pending, msg);
  scheduleRender();
}

/** An update without views (graph null: no new frame, only status or curves) keeps the undrawn views of `older`. */
function mergeViews(older, msg) {
  if (!older || msg.graph) return msg;
  const out = { ...msg };
  for (const k of ["graph", "maps", "conv", "raster"]) if (out[k] === null || out[k] === undefined) out[k] = older[k];
  return out;
}

function appendCurves(c) {
  if (!isObj(c)) return;
  for (const key of ["batches", "epochs", "grad_norms", "health"]) {
    const pts = arr(c[key]);
    // concat, not push(...pts): a long run's first message can hold more points than a call takes arguments
    if (pts.length) { state.curves[key] = state.curves[key].concat(pts); state.curvesDirty = true; }
  }
}

function scheduleRender() {
  if (rafQueued) return;
  rafQueued = true;
  requestAnimationFrame(() => {
    rafQueued = false;
    try {
      render();
    } catch (err) {
      recordError(err, "render");
    }
  });
}

function render() {
  const msg = state.pending;
  state.pending = null;
  if (msg) {
    const fresh = msg !== state.lastDrawn; // a redraw at a new size keeps the newer status from a control
    state.lastDrawn = msg;
    if (fresh) {
      if (!msg.replay && isObj(msg.status)) state.status = msg.status; // a recorded frame's status is history
      renderStatus(msg);
    }
    if (msg.graph) {
      // maps may be skipped on some frames (the server computes them less often): keep the last pictures
      const is2d = Boolean(state.hello && isObj(state.hello.info) && state.hello.info.is_2d);
      const info = state.hello && isObj(state.hello.info) ? state.hello.info : {};
      if (graph.render(msg.graph, msg.maps, is2d, arr(info.classes))) $("graph-empty").hidden = true;
      if (msg.maps) renderDecision(msg.maps);
      if (msg.conv || msg.raster) renderExtras(msg.conv, msg.raster);
    }
    applyCan();
    maybeRefreshCard(msg);
  }
  const now = performance.now();
  if (state.curvesDirty) {
    if (now - lastCurvesDraw >= CURVES_REFRESH_MS) { drawCurves(); lastCurvesDraw = now; state.curvesDirty = false; }
    else setTimeout(scheduleRender, CURVES_REFRESH_MS);
  }
}

function setStatusText(status, text) {
  const box = $("status");
  box.querySelector(".dot").dataset.status = status;
  box.querySelector(".status-text").textContent = text;
  box.dataset.status = status;
}

function renderStatus(msg) {
  const st = isObj(msg.status) ? msg.status : {};
  const status = st.paused && st.status === "running" ? "paused" : st.status || "idle";
  const parts = [];
  const name = msg.replay ? "Replay" : status.charAt(0).toUpperCase() + status.slice(1);
  parts.push(name);
  if (Number.isFinite(st.epoch)) parts.push(`epoch ${st.epoch}`);
  if (Number.isFinite(st.step)) parts.push(st.total_steps ? `step ${st.step}/${st.total_steps}` : `step ${st.step}`);
  if (Number.isFinite(st.elapsed)) parts.push(fmtTime(st.elapsed));
  if (!msg.replay && status === "running" && state.rateTimes.length > 1) {
    const span = (state.rateTimes[state.rateTimes.length - 1] - state.rateTimes[0]) / 1000;
    if (span > 0.5) parts.push(`${((state.rateTimes.length - 1) / span).toFixed(1)} upd/s`);
  }
  if (st.message) parts.push(st.message);
  setStatusText(msg.replay ? "paused" : status, parts.join(" · "));
  $("status").dataset.step = Number.isFinite(st.step) ? String(st.step) : "";
  if (Number.isFinite(st.lr) && document.activeElement !== $("lr")) $("lr").value = String(Number(st.lr.toPrecision(6)));
}

// ------------------------------------------------------------------ decision surface
const offscreen = document.createElement("canvas");

function renderDecision(maps) {
  const panel = $("decision-panel");
  const out = isObj(maps) && isObj(maps.output) ? maps.output : null;
  panel.hidden = !out;
  if (!out) return;
  const grid = maps.grid;
  const canvas = $("decision");
  const dpr = window.devicePixelRatio || 1;
  const size = Math.max(120, canvas.clientWidth || 320);
  if (canvas.width !== Math.round(size * dpr)) { canvas.width = Math.round(size * dpr); canvas.height = Math.round(size * dpr); }
  const ctx = canvas.getContext("2d");
  const info = isObj(state.hello && state.hello.info) ? state.hello.info : {};
  let lo = 0; let hi = 1;
  if (out.kind === "classes") {
    const cls = b64bytes(out.argmax);
    const conf = b64bytes(out.confidence);
    if (cls.length < grid * grid) return;
    const k = out.classes || 2;
    if (offscreen.width !== grid) { offscreen.width = grid; offscreen.height = grid; }
    const octx = offscreen.getContext("2d");
    const img = octx.createImageData(grid, grid);
    for (let i = 0; i < grid * grid; i++) {
      const c = classColor(cls[i]);
      const p = conf.length > i ? conf[i] / 255 : 1;
      const a = Math.max(0, Math.min(1, (p - 1 / k) / (1 - 1 / k))) * 0.7 + 0.08;
      img.data[i * 4] = 255 + (c[0] - 255) * a; img.data[i * 4 + 1] = 255 + (c[1] - 255) * a;
      img.data[i * 4 + 2] = 255 + (c[2] - 255) * a; img.data[i * 4 + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    const names = arr(info.classes).length ? arr(info.classes) : Array.from({ length: k }, (_, i) => String(i));
    const legend = $("decision-legend");
    if (legend.childElementCount !== names.length) {
      legend.replaceChildren(...names.map((n, i) => el("span", {}, el("i", { class: "swatch cls", style: { background: rgb(classColor(i)) } }), ` ${n}`)));
    }
  } else {
    const bytes = b64bytes(out.data);
    if (bytes.length < grid * grid) return;
    lo = Number.isFinite(out.min) ? out.min : 0;
    hi = Number.isFinite(out.max) ? out.max : 1;
    paintBytes(offscreen, bytes, grid, divergingLut(lo, hi));
    $("decision-legend").textContent = `predicted value ${fmt(lo, 3)} … ${fmt(hi, 3)}`;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(offscreen, 0, 0, canvas.width, canvas.height);
  drawPoints(ctx, canvas.width, maps.extent, out, lo, hi, dpr);
}

function drawPoints(ctx, size, extent, out, lo, hi, dpr) {
  const pts = state.hello && isObj(state.hello.points) ? state.hello.points : null;
  plotPoints(ctx, size, extent, pts, out.kind === "classes", Math.max(Math.abs(lo), Math.abs(hi)) || 1, dpr);
}

// ------------------------------------------------------------------ conv filters, feature maps, spike raster
function renderExtras(conv, raster) {
  const hasConv = isObj(conv) && Object.keys(conv).length > 0;
  const hasRaster = isObj(raster) && Object.keys(raster).length > 0;
  $("extras").hidden = !hasConv && !hasRaster;
  const cbox = $("conv");
  if (!hasConv) cbox.replaceChildren();
  else {
    const key = `${state.view.sample}|` + Object.entries(conv).map(([l, v]) => `${l}:${arr(v && v.filters).map((f) => f.index)}:${arr(v && v.maps).map((f) => f.index)}`).join(";");
    if (cbox.dataset.key !== key) {
      cbox.dataset.key = key;
      cbox.replaceChildren(el("h2", { text: "Convolutions" }));
      for (const [layer, v] of Object.entries(conv)) {
        const filters = el("div", { class: "tiles", "data-kind": "filters" });
        const maps = el("div", { class: "tiles", "data-kind": "maps" });
        for (const f of arr(v && v.filters)) filters.append(el("canvas", { title: `${layer} filter ${f.index}`, "data-index": f.index, style: { width: "40px", height: "40px" } }));
        for (const f of arr(v && v.maps)) maps.append(el("canvas", { title: `${layer} feature map ${f.index}`, "data-index": f.index, style: { width: "64px", height: "64px" } }));
        cbox.append(el("div", { class: "layer-block", "data-layer": layer }, el("h3", { text: `${layer}: filters` }), filters, el("h3", { text: `${layer}: feature maps (sample ${state.view.sample})` }), maps));
      }
    }
    for (const [layer, v] of Object.entries(conv)) {
      const block = [...cbox.querySelectorAll(".layer-block")].find((b) => b.dataset.layer === layer);
      if (!block) continue;
      const fc = block.querySelectorAll("[data-kind=filters] canvas");
      arr(v && v.filters).forEach((f, i) => fc[i] && paintMatrix(fc[i], f.data, f.shape));
      const mc = block.querySelectorAll("[data-kind=maps] canvas");
      arr(v && v.maps).forEach((f, i) => mc[i] && paintMatrix(mc[i], f.data, f.shape, { sequential: true }));
    }
  }
  const rbox = $("raster");
  if (!hasRaster) { rbox.replaceChildren(); return; }
  const key = Object.keys(raster).join(";");
  if (rbox.dataset.key !== key) {
    rbox.dataset.key = key;
    rbox.replaceChildren(el("h2", { text: "Spikes" }));
    for (const layer of Object.keys(raster)) rbox.append(el("div", { class: "layer-block", "data-layer": layer }, el("h3", { text: layer }), el("canvas", { class: "raster" })));
  }
  for (const [layer, v] of Object.entries(raster)) {
    const block = [...rbox.querySelectorAll(".layer-block")].find((b) => b.dataset.layer === layer);
    if (block && isObj(v)) drawRaster(block.querySelector("canvas"), v);
  }
}

function drawRaster(canvas, r) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400; const h = canvas.clientHeight || 160;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const spikes = arr(r.spikes);
  const steps = Math.max(1, Number(r.steps) || 1);
  const units = Math.max(1, Number(r.units) || 0, ...spikes.map((s) => (Array.isArray(s) ? s[1] + 1 : 0)));
  ctx.fillStyle = "#1f2933";
  // one short tick per spike: time across, neuron down
  const cw = w / steps; const ch = h / units;
  const dw = Math.max(1.5, Math.min(3, cw * 0.6)); const dh = Math.max(1.5, Math.min(8, ch * 0.8));
  for (const s of spikes) if (Array.isArray(s)) ctx.fillRect(s[0] * cw + (cw - dw) / 2, s[1] * ch + (ch - dh) / 2, dw, dh);
  ctx.fillStyle = "#66717d"; ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`${steps} steps · ${units} neurons · ${spikes.length} spikes`, 4, h - 4);
}

// ------------------------------------------------------------------ curves
const RESERVED = new Set(["epoch", "step", "loss", "val_loss", "lr", "time", "seconds"]);

function metricKey(rows) {
  const keys = new Set();
  for (const r of rows.slice(-3)) if (isObj(r)) Object.keys(r).forEach((k) => keys.add(k));
  if (keys.has("accuracy")) return "accuracy";
  return [...keys].find((k) => !RESERVED.has(k) && !k.startsWith("val_")) || null;
}

const label = (k) => k.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

function drawCurves() {
  const c = state.curves;
  const charts = {};
  for (const canvas of $("curves").querySelectorAll("canvas[data-chart]")) charts[canvas.dataset.chart] = canvas;
  drawChart(charts.batches, [{ name: "batch loss", color: "#2563eb", width: 1.2, points: c.batches.filter(Array.isArray) }], { empty: "waiting for batches" });
  const epochs = c.epochs.filter(isObj);
  const col = (k) => epochs.filter((r) => r[k] !== null && r[k] !== undefined).map((r) => [r.epoch, r[k]]);
  drawChart(charts.loss, [
    { name: "train", color: "#2563eb", points: col("loss") },
    { name: "validation", color: "#e8710a", dash: [5, 3], points: col("val_loss") },
  ], { empty: "waiting for the first epoch", integerX: true });
  const mk = metricKey(epochs);
  $("metric-title").textContent = mk ? `${label(mk)} per epoch` : "Metric per epoch";
  drawChart(charts.metric, mk ? [
    { name: "train", color: "#2563eb", points: col(mk) },
    { name: "validation", color: "#e8710a", dash: [5, 3], points: col(`val_${mk}`) },
  ] : [], { empty: "waiting for the first epoch", integerX: true });
  const layers = [];
  for (const [, norms] of c.grad_norms) if (isObj(norms)) for (const k of Object.keys(norms)) if (!layers.includes(k)) layers.push(k);
  drawChart(charts.grad, layers.map((layer, i) => ({
    name: layer, color: rgb(classColor(i)),
    points: c.grad_norms.filter((p) => Array.isArray(p) && isObj(p[1])).map(([s, n]) => [s, n[layer]]),
  })), { logY: true, empty: "waiting for gradients" });
  const hl = [];
  for (const [, h] of c.health) if (isObj(h)) for (const k of Object.keys(h)) if (!hl.includes(k)) hl.push(k);
  const hs = c.health.filter((p) => Array.isArray(p) && isObj(p[1]));
  const series = [];
  hl.forEach((layer, i) => {
    const color = rgb(classColor(i));
    series.push({ name: layer, color, points: hs.map(([s, h]) => [s, isObj(h[layer]) ? h[layer].dead : null]) });
    series.push({ name: "", legend: false, color, dash: [4, 3], points: hs.map(([s, h]) => [s, isObj(h[layer]) ? h[layer].saturated : null]) });
  });
  drawChart(charts.health, series, { yMin: 0, empty: "waiting for health checks" });
}

// ------------------------------------------------------------------ neuron card
function openCard(layer, index) {
  state.selected = { layer, index };
  graph.select(layer, index);
  fetchCard(true);
}

function closeCard() {
  state.selected = null;
  if (graph) graph.select(null, null);
  $("card").hidden = true;
  $("card-panel").hidden = true;
  document.body.classList.remove("card-open");
}

async function fetchCard(reveal = false) {
  const sel = state.selected;
  if (!sel) return;
  state.card.inflight = true;
  state.card.at = performance.now();
  state.card.seq = nk.lastSeq;
  const q = new URLSearchParams({ layer: sel.layer, index: String(sel.index), sample: String(state.view.sample) });
  if (state.replay.active && state.replay.k !== null) q.set("frame", String(state.replay.k));
  try {
    const data = await request(`/api/neuron?${q}`);
    if (state.selected !== sel) return;
    card.show(data, state.hello && state.hello.info, state.hello && state.hello.points);
    $("card").hidden = false;
    $("card-panel").hidden = false;
    document.body.classList.add("card-open");
    $("card").dataset.layer = sel.layer;
    $("card").dataset.index = String(sel.index);
    if (reveal) $("card").scrollIntoView({ block: "nearest" });
  } catch (err) {
    recordError(err, `neuron ${sel.layer}[${sel.index}]`);
  } finally {
    state.card.inflight = false;
  }
}

function maybeRefreshCard(msg) {
  if (!state.selected || state.card.inflight || state.card.timer || msg.replay) return;
  if (msg.seq === state.card.seq) return;
  // one timer at a time: the card follows new frames at most every CARD_REFRESH_MS
  const wait = Math.max(0, CARD_REFRESH_MS - (performance.now() - state.card.at));
  state.card.timer = setTimeout(() => {
    state.card.timer = null;
    if (state.selected && !state.card.inflight && nk.lastSeq !== state.card.seq && !state.replay.active) fetchCard();
  }, wait);
}

function setSample(v) {
  const info = state.hello && isObj(state.hello.info) ? state.hello.info : {};
  const max = Number.isInteger(info.n_train) && info.n_train > 0 ? info.n_train - 1 : Infinity;
  const s = Math.max(0, Math.min(max, Math.floor(Number(v) || 0)));
  state.view.sample = s;
  $("card-sample").value = String(s);
  sendView();
  if (state.replay.active) loadReplayFrame(state.replay.k);
  fetchCard();
}

// ------------------------------------------------------------------ replay
async function refreshReplayIndex() {
  if (!state.can.replay) return;
  try {
    const idx = await request("/api/replay");
    state.replay.frames = arr(idx && idx.frames);
    const t = $("timeline");
    const n = state.replay.frames.length;
    t.max = String(Math.max(0, n - 1));
    if (!state.replay.active) t.value = t.max;
    updateTimelineLabel();
    applyCan();
  } catch (err) {
    // a refused index (nothing recorded yet, no recorder) leaves the timeline empty; anything else is a fault
    if (err instanceof HttpError && err.status < 500) { state.replay.frames = []; updateTimelineLabel(); applyCan(); }
    else recordError(err, "replay");
  }
}

function updateTimelineLabel() {
  const n = state.replay.frames.length;
  const lab = $("timeline-label");
  if (!state.replay.active) { lab.textContent = n ? `live · ${n} recorded frames` : "live"; return; }
  const f = state.replay.frames[state.replay.k] || {};
  lab.textContent = `frame ${state.replay.k + 1} / ${n} · epoch ${f.epoch ?? "—"} · step ${f.step ?? "—"}`;
}

async function loadReplayFrame(k) {
  state.replay.want = k;
  if (state.replay.inflight) return;
  state.replay.inflight = true;
  try {
    while (state.replay.want !== null) {
      const want = state.replay.want;
      state.replay.want = null;
      const msg = await request(`/api/replay/${want}`);
      if (!state.replay.active) break;
      state.replay.k = want;
      if (isObj(msg)) {
        msg.replay = true;
        // the header shows the recorded frame's own step, epoch and time (from the replay index)
        const f = isObj(state.replay.frames[want]) ? state.replay.frames[want] : {};
        msg.status = { ...(isObj(msg.status) ? msg.status : {}), ...(Number.isFinite(f.step) ? { step: f.step } : {}),
          ...(Number.isFinite(f.epoch) ? { epoch: f.epoch } : {}), ...(Number.isFinite(f.time) ? { elapsed: f.time } : {}) };
        state.curves = emptyCurves();
        appendCurves(msg.curves);
        state.curvesDirty = true;
        state.pending = msg;
        scheduleRender();
        if (state.selected) fetchCard();
      }
      updateTimelineLabel();
    }
  } catch (err) {
    recordError(err, "replay frame");
  } finally {
    state.replay.inflight = false;
  }
}

function enterReplay(k) {
  if (!state.replay.frames.length) return;
  state.replay.active = true;
  state.replay.k = k;
  document.body.classList.add("replaying");
  applyCan();
  updateTimelineLabel();
  loadReplayFrame(k);
}

function leaveReplay() {
  state.replay.active = false;
  state.replay.want = null;
  document.body.classList.remove("replaying");
  const t = $("timeline");
  t.value = t.max;
  updateTimelineLabel();
  applyCan();
  reconnectNow(); // a fresh client: the server sends the whole live state and curves again
  if (state.selected) fetchCard();
}

// ------------------------------------------------------------------ controls
async function control(body) {
  try {
    const res = await postJSON("/api/control", body);
    // the run may not publish a frame for a while (paused): show the control's effect now
    const st = isObj(res) && isObj(res.status) ? res.status : isObj(res) && typeof res.status === "string" ? res : null;
    const next = { ...(state.status || {}), ...(st || {}) };
    if (body.action === "pause" || body.action === "step") next.paused = true;
    if (body.action === "resume") { next.paused = false; if (next.status === "paused") next.status = "running"; }
    state.status = next;
    renderStatus({ status: next, replay: state.replay.active });
    applyCan();
  } catch (err) {
    recordError(err, `control ${body.action}`);
  }
}

function parseHidden(text) {
  const t = text.trim();
  if (!t) return [];
  const parts = t.split(/[\s,;]+/).filter(Boolean);
  const sizes = parts.map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`hidden sizes must be positive whole numbers separated by commas, e.g. "8,8"; got "${text}"`);
  }
  return sizes;
}

function readConfig() {
  const num = (id) => { const v = $(id).value.trim(); return v === "" ? undefined : Number(v); };
  const config = { dataset: $("dataset").value, hidden: parseHidden($("hidden").value), activation: $("activation").value,
    optimizer: $("cfg-optimizer").value };
  for (const [key, id] of Object.entries(CONFIG_INPUTS)) {
    const v = num(id);
    if (v !== undefined) config[key] = v;
  }
  return config;
}

async function applySettings(e) {
  e.preventDefault();
  const err = $("settings-error");
  err.textContent = "";
  let config;
  try {
    config = readConfig();
  } catch (ex) {
    err.textContent = ex.message;
    return;
  }
  await startRun(err, config);
}

/** POST the settings (/api/config): the server stops the current run and starts a new one. */
async function startRun(errBox, config = null) {
  let body = config;
  try {
    body = body || readConfig();
  } catch (ex) {
    errBox.textContent = ex.message;
    return;
  }
  const btn = $("btn-apply");
  btn.disabled = true;
  try {
    const hello = await postJSON("/api/config", body);
    if (state.replay.active) leaveReplay();
    applyHello(hello);
  } catch (ex) {
    if (ex instanceof HttpError && ex.status < 500) errBox.textContent = ex.message; else recordError(ex, "settings");
  } finally {
    btn.disabled = !state.can.configure;
  }
}

function toggleGenerated() {
  const gen = GENERATED.has($("dataset").value);
  document.querySelector(".generated").hidden = !gen;
}

async function upload() {
  const input = $("upload");
  const file = input.files && input.files[0];
  if (!file) return;
  const errBox = $("upload-error");
  const note = $("upload-note");
  errBox.textContent = "";
  note.textContent = `Uploading ${file.name}…`;
  note.dataset.limits = "0";
  const limits = state.hello && isObj(state.hello.limits) ? state.hello.limits : {};
  if (Number.isFinite(limits.upload_bytes) && file.size > limits.upload_bytes) {
    // refused here, before sending: the same rule and words as the server's 413
    note.textContent = "";
    errBox.textContent = `the uploaded file is ${file.size.toLocaleString("en")} bytes; the dashboard accepts CSV files up to ` +
      `${limits.upload_bytes.toLocaleString("en")} bytes (start it with a larger limit, or sample the rows)`;
    input.value = "";
    return;
  }
  const q = new URLSearchParams({ name: file.name });
  const target = $("upload-target").value.trim();
  if (target) q.set("target", target);
  try {
    const body = await file.arrayBuffer();
    const res = await request(`/api/upload?${q}`, { method: "POST", headers: { "Content-Type": "text/csv" }, body });
    const ds = isObj(res) && res.dataset ? res.dataset : `upload:${file.name}`;
    const facts = isObj(res) ? [Number.isFinite(res.rows) ? `${res.rows} rows` : null,
      Number.isFinite(res.features) ? `${res.features} features` : null, res.task || null,
      Array.isArray(res.classes) ? `${res.classes.length} classes` : null].filter(Boolean) : [];
    note.textContent = `${file.name}: ${facts.join(", ")}${isObj(res) && arr(res.notes).length ? `. ${arr(res.notes).join(" ")}` : ""}`;
    fillSelect($("dataset"), [...[...$("dataset").options].map((o) => o.value)], ds);
    $("dataset").value = ds;
    toggleGenerated();
    // the upload registers the data set; a run on it starts with the current settings
    await startRun(errBox);
  } catch (ex) {
    note.textContent = "";
    if (ex instanceof HttpError && ex.status < 500) errBox.textContent = ex.message; else recordError(ex, "upload");
  } finally {
    input.value = ""; // choosing the same file again uploads it again
  }
}

function wire() {
  $("btn-start").addEventListener("click", () => control({ action: "start" }));
  $("btn-pause").addEventListener("click", () => {
    const st = state.status || {};
    const paused = Boolean(st.paused) || st.status === "paused";
    control({ action: paused ? "resume" : "pause" });
  });
  $("btn-step").addEventListener("click", () => control({ action: "step", n: 1 }));
  $("btn-stop").addEventListener("click", () => control({ action: "stop" }));
  $("lr").addEventListener("change", () => {
    const v = Number($("lr").value);
    if (!(v > 0)) { recordError(new Error(`the learning rate must be a number > 0; got "${$("lr").value}"`), "learning rate"); return; }
    control({ action: "set_lr", lr: v });
  });
  $("settings").addEventListener("submit", applySettings);
  $("dataset").addEventListener("change", toggleGenerated);
  $("upload").addEventListener("change", upload);
  $("timeline").addEventListener("input", () => enterReplay(Number($("timeline").value)));
  $("btn-live").addEventListener("click", leaveReplay);
  $("card-close").addEventListener("click", closeCard);
  $("sample-prev").addEventListener("click", () => setSample(state.view.sample - 1));
  $("sample-next").addEventListener("click", () => setSample(state.view.sample + 1));
  $("card-sample").addEventListener("change", () => setSample($("card-sample").value));
  document.querySelector(".errorbar-close").addEventListener("click", () => { $("errorbar").hidden = true; });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.selected) closeCard();
  });
  // redraw at the new size (the graph's overlay is positioned in pixels) when the window or the layout changes
  const redraw = () => {
    state.curvesDirty = true;
    if (state.lastDrawn && !state.pending) state.pending = state.lastDrawn;
    scheduleRender();
  };
  window.addEventListener("resize", redraw);
  if ("ResizeObserver" in window) {
    let lastWidth = 0;
    new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w !== lastWidth) { lastWidth = w; redraw(); }
    }).observe(document.querySelector("#maps .stage"));
  }
  // new recorded frames while a run trains (not while the server is unreachable: the websocket says so)
  setInterval(() => {
    if (nk.connected && state.can.replay && !state.replay.active && state.mode !== "explore") refreshReplayIndex();
  }, REPLAY_POLL_MS);
}

function start() {
  graph = new GraphView($("graph"), document.querySelector("#maps .overlay"), {
    onClick: openCard,
    onPage: (layer, page) => {
      state.view.pages[layer] = Math.max(0, page);
      sendView();
      if (state.replay.active) loadReplayFrame(state.replay.k);
    },
    onHover: (text) => { $("hover").textContent = text; },
  });
  card = new CardView($("card"));
  wire();
  applyCan();
  drawCurves();
  connect();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
